//! `/api/v1/config` and `/api/v1/config/about`: every key PeerTube 8 answers (its clients read
//! them without checking), each with what is true of this instance: a feature Ruche lacks is
//! said to be off, never absent.

use super::body::Body;
use super::users::require_role;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::ApiResult;
use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use ruche_tube::instance::InstanceConfig;
use ruche_tube::profiles::PictureKind;
use ruche_tube::{TubeError, accounts};
use serde_json::{Value, json};

const PICTURE_EXTENSIONS: [&str; 5] = [".png", ".jpeg", ".jpg", ".gif", ".webp"];

/// What a new video is published with, and the player's defaults.
fn defaults_json(s: &ruche_domain::settings::Settings) -> Value {
    json!({
        "publish": { "downloadEnabled": true, "commentsPolicy": 1, "privacy": 1, "licence": null },
        "p2p": { "webapp": { "enabled": s.p2p.enabled }, "embed": { "enabled": s.p2p.enabled } },
        "live": { "saveReplay": false },
        // PeerTube's default player skin; Ruche's own player does not switch skins.
        "player": { "theme": "galaxy", "autoPlay": false },
    })
}

/// The theme's colours: Ruche's own, none set by the administrator.
fn theme_customization() -> Value {
    json!({
        "primaryColor": null, "onPrimaryColor": null, "foregroundColor": null, "backgroundColor": null,
        "backgroundSecondaryColor": null, "menuForegroundColor": null,
        "menuBackgroundColor": null, "menuBorderRadius": null,
        "headerForegroundColor": null, "headerBackgroundColor": null,
        "inputBorderRadius": null,
    })
}

/// Search by URL for users (not anonymous visitors), no search index.
fn search_json() -> Value {
    json!({
        "remoteUri": { "users": true, "anonymous": false },
        "searchIndex": { "enabled": false, "url": "", "disableLocalSearch": false, "isDefaultSearch": false },
    })
}

/// The trending sorts offered.
static TRENDING_ALGORITHMS: std::sync::LazyLock<Value> = std::sync::LazyLock::new(
    || json!({ "enabled": ["hot", "most-viewed", "most-liked"], "default": "most-viewed" }),
);

/// `GET /api/v1/config`.
pub async fn config(State(st): State<AppState>) -> ApiResult<Json<Value>> {
    let s = &st.tube.settings;
    let allowed = accounts::signup_allowed(&st.tube).await?;
    let cfg = ruche_tube::instance::current(&st.tube).await?;
    let (avatars, banners) = instance_pictures(&st).await?;
    let base = s.public_url.trim_end_matches('/');
    let off = json!({ "enabled": false });
    let picture_max = ruche_tube::profiles::limits().max_bytes;
    let client = json!({
        "newFeaturesInfo": false,
        "header": { "hideInstanceName": false },
        "videos": {
            "miniature": { "preferAuthorDisplayName": false },
            "resumableUpload": { "maxChunkSize": 0 },
        },
        "browseVideos": { "defaultSort": "-publishedAt", "defaultScope": "federated" },
        "menu": { "login": { "redirectOnSingleExternalAuth": false } },
        "openInApp": {
            "android": { "intent": { "enabled": false, "host": "", "scheme": "", "fallbackUrl": "" } },
            "ios": { "enabled": false, "host": "", "scheme": "", "fallbackUrl": "" },
        },
    });
    let defaults = defaults_json(s);
    let instance = json!({
        "name": cfg.name,
        "shortDescription": cfg.short_description,
        "isNSFW": cfg.is_nsfw,
        "defaultNSFWPolicy": cfg.default_nsfw_policy,
        "defaultClientRoute": "/",
        "serverCountry": "",
        "support": { "text": "" },
        "social": { "blueskyLink": "", "mastodonLink": "", "xLink": "", "externalLink": "" },
        "customizations": { "javascript": "", "css": "" },
        "defaultLanguage": "en",
        "avatars": avatars,
        "banners": banners,
        "logo": [{
            "fileUrl": format!("{base}/favicon.ico"),
            "width": 32, "height": 32, "type": "favicon", "isFallback": true,
        }],
    });
    let theme = json!({
        "registered": [],
        "builtIn": [],
        "default": "default",
        "customization": theme_customization(),
    });
    let live = json!({
        "enabled": false, "allowReplay": false, "dvr": { "maxWindow": 0 },
        "latencySetting": off, "maxDuration": -1,
        "maxInstanceLives": 0, "maxUserLives": 0,
        "transcoding": {
            "enabled": false, "remoteRunners": off, "enabledResolutions": [],
            "profile": "default", "availableProfiles": ["default"],
        },
        "rtmp": { "port": 0 },
    });
    let views = json!({
        "videos": {
            "remote": { "maxAge": -1 },
            "local": { "maxAge": -1 },
            "watchingInterval": { "anonymous": 5000, "users": 5000 },
        },
    });
    let trending = json!({
        "videos": {
            "intervalDays": ruche_tube::videos::TRENDING_DAYS,
            "algorithms": TRENDING_ALGORITHMS.clone(),
        },
    });
    Ok(Json(json!({
        "client": client,
        "defaults": defaults,
        "webadmin": { "configuration": { "edition": { "allowed": true } } },
        "instance": instance,
        "search": search_json(),
        "plugin": { "registered": [], "registeredExternalAuths": [], "registeredIdAndPassAuths": [] },
        "theme": theme,
        "email": { "enabled": s.mail.smtp_url.is_some() },
        "contactForm": { "enabled": false },
        "serverVersion": env!("CARGO_PKG_VERSION"),
        "serverCommit": "",
        "transcoding": {
            "remoteRunners": off,
            "hls": { "enabled": true },
            "web_videos": { "enabled": s.transcoding.web_videos },
            "enabledResolutions": s.transcoding.resolutions,
            "profile": "default",
            "availableProfiles": ["default"],
        },
        "live": live,
        "videoStudio": { "enabled": false, "remoteRunners": off },
        "videoFile": { "update": { "enabled": s.uploads.replace_enabled } },
        "videoTranscription": { "enabled": false, "remoteRunners": off },
        "import": {
            "videos": { "http": { "enabled": s.imports.http_enabled }, "torrent": off },
            "videoChannelSynchronization": { "enabled": s.imports.sync_enabled },
            "users": off,
        },
        "export": { "users": { "enabled": false, "exportExpiration": 0, "maxUserVideoQuota": 0 } },
        "autoBlacklist": { "videos": { "ofUsers": { "enabled": cfg.auto_block_videos } } },
        "avatar": { "file": { "size": { "max": picture_max }, "extensions": PICTURE_EXTENSIONS } },
        "banner": { "file": { "size": { "max": picture_max }, "extensions": PICTURE_EXTENSIONS } },
        "logo": { "file": { "size": { "max": picture_max }, "extensions": PICTURE_EXTENSIONS } },
        "video": {
            "image": {
                "extensions": [".png", ".jpg", ".jpeg", ".webp"],
                "size": { "max": ruche_tube::editing::MAX_PICTURE_BYTES },
            },
            "file": { "extensions": [".mp4", ".webm", ".ogv", ".mkv", ".mov", ".avi", ".flv", ".m4v", ".mp3", ".ogg", ".wav", ".flac", ".m4a"] },
        },
        // Captions are not taken yet.
        "videoCaption": { "file": { "size": { "max": 0 }, "extensions": [] } },
        "user": { "videoQuota": cfg.video_quota, "videoQuotaDaily": cfg.video_quota_daily },
        "videoChannels": { "maxPerUser": ruche_tube::channels::MAX_CHANNELS },
        "trending": trending,
        "tracker": { "enabled": s.p2p.enabled },
        "followings": { "instance": { "autoFollowIndex": { "indexUrl": "" } } },
        "federation": { "enabled": true },
        "broadcastMessage": { "enabled": false, "message": "", "level": "info", "dismissable": false },
        "homepage": { "enabled": false },
        "openTelemetry": { "metrics": { "enabled": false, "playbackStatsInterval": 15000 } },
        "views": views,
        "storyboards": { "enabled": s.transcoding.storyboards, "remoteRunners": off },
        "webrtc": { "stunServers": s.p2p.stun_servers },
        "nsfwFlagsSettings": { "enabled": true },
        "fieldsConstraints": {
            "users": { "password": { "minLength": ruche_tube::auth::MIN_PASSWORD_LEN, "maxLength": 255 } },
        },
        "signup": {
            "allowed": allowed,
            "allowedForCurrentIP": allowed,
            "minimumAge": cfg.signup_minimum_age,
            "requiresApproval": cfg.signup_requires_approval,
            "requiresEmailVerification": false,
        },
    })))
}

/// `GET /api/v1/config/about`: the instance as its About page tells it.
pub async fn about(State(st): State<AppState>) -> ApiResult<Json<Value>> {
    let c = ruche_tube::instance::current(&st.tube).await?;
    let (avatars, banners) = instance_pictures(&st).await?;
    Ok(Json(json!({
        "instance": {
            "name": c.name,
            "shortDescription": c.short_description,
            "description": c.description,
            "terms": c.terms,
            "codeOfConduct": c.code_of_conduct,
            "hardwareInformation": c.hardware_information,
            "creationReason": c.creation_reason,
            "moderationInformation": c.moderation_information,
            "administrator": c.administrator,
            "maintenanceLifetime": c.maintenance_lifetime,
            "businessModel": c.business_model,
            "languages": c.languages,
            "categories": c.categories,
            "banners": banners,
            "avatars": avatars,
        }
    })))
}

/// PeerTube's `ConfigResolutions`: each rung of the ladder, on or off.
fn resolutions_json(on: &[u32]) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("0p".into(), json!(false));
    for r in [144, 240, 360, 480, 720, 1080, 1440, 2160] {
        m.insert(format!("{r}p"), json!(on.contains(&r)));
    }
    Value::Object(m)
}

/// PeerTube's `CustomConfig`: what administrators may change here (the instance's texts,
/// sign-up, new users' quotas) from `c`, and everything else as this instance is set up.
fn custom_json(st: &AppState, c: &InstanceConfig) -> Value {
    let s = &st.tube.settings;
    let off = json!({ "enabled": false });
    let runners_off = json!({ "enabled": false, "remoteRunners": off });
    json!({
        "instance": {
            "name": c.name,
            "shortDescription": c.short_description,
            "description": c.description,
            "terms": c.terms,
            "codeOfConduct": c.code_of_conduct,
            "creationReason": c.creation_reason,
            "moderationInformation": c.moderation_information,
            "administrator": c.administrator,
            "maintenanceLifetime": c.maintenance_lifetime,
            "businessModel": c.business_model,
            "hardwareInformation": c.hardware_information,
            "defaultLanguage": "en",
            "languages": c.languages,
            "categories": c.categories,
            "isNSFW": c.is_nsfw,
            "defaultNSFWPolicy": c.default_nsfw_policy,
            "serverCountry": "",
            "support": { "text": "" },
            "social": { "externalLink": "", "mastodonLink": "", "blueskyLink": "", "xLink": "" },
            "defaultClientRoute": "/",
            "customizations": { "javascript": "", "css": "" },
        },
        "theme": { "default": "default", "customization": theme_customization() },
        "services": { "twitter": { "username": "" } },
        "client": {
            "header": { "hideInstanceName": false },
            "videos": { "miniature": { "preferAuthorDisplayName": false } },
            "browseVideos": { "defaultSort": "-publishedAt", "defaultScope": "federated" },
            "menu": { "login": { "redirectOnSingleExternalAuth": false } },
        },
        "signup": {
            "enabled": c.signup_enabled,
            "limit": c.signup_limit,
            "requiresApproval": c.signup_requires_approval,
            "requiresEmailVerification": false,
            "minimumAge": c.signup_minimum_age,
        },
        "admin": { "email": "" },
        "email": { "body": { "signature": "" }, "subject": { "prefix": "" } },
        "contactForm": off,
        "user": {
            "history": { "videos": off },
            "videoQuota": c.video_quota,
            "videoQuotaDaily": c.video_quota_daily,
            "defaultChannelName": "Main $1 channel",
        },
        "videoChannels": { "maxPerUser": ruche_tube::channels::MAX_CHANNELS },
        "transcoding": {
            "enabled": true,
            "originalFile": { "keep": false },
            "allowAdditionalExtensions": true,
            "allowAudioFiles": true,
            "remoteRunners": off,
            "threads": s.transcoding.threads,
            "concurrency": s.transcoding.concurrency,
            "profile": "default",
            "resolutions": resolutions_json(&s.transcoding.resolutions),
            "alwaysTranscodeOriginalResolution": false,
            "alwaysTranscodePodcastOptimizedAudio": false,
            "fps": { "max": s.transcoding.max_fps },
            "webVideos": { "enabled": s.transcoding.web_videos },
            "hls": { "enabled": true, "splitAudioAndVideo": false },
        },
        "live": {
            "enabled": false,
            "allowReplay": false,
            "latencySetting": off,
            "maxDuration": -1,
            "maxInstanceLives": 0,
            "maxUserLives": 0,
            "transcoding": {
                "enabled": false,
                "remoteRunners": off,
                "threads": 0,
                "profile": "default",
                "resolutions": resolutions_json(&[]),
                "alwaysTranscodeOriginalResolution": false,
                "fps": { "max": 30 },
            },
            "dvr": { "maxWindow": 0 },
        },
        "videoStudio": runners_off,
        "videoTranscription": runners_off,
        "videoFile": { "update": { "enabled": s.uploads.replace_enabled } },
        "import": {
            "videos": {
                "concurrency": s.imports.concurrency,
                "http": { "enabled": s.imports.http_enabled },
                "torrent": off,
            },
            "videoChannelSynchronization": {
                "enabled": s.imports.sync_enabled,
                "maxPerUser": s.imports.max_syncs_per_user,
            },
            "users": off,
        },
        "export": { "users": { "enabled": false, "maxUserVideoQuota": 0, "exportExpiration": 0 } },
        "trending": { "videos": { "algorithms": TRENDING_ALGORITHMS.clone() } },
        "autoBlacklist": { "videos": { "ofUsers": { "enabled": c.auto_block_videos } } },
        "followers": {
            "instance": {
                "enabled": true,
                "manualApproval": !s.federation.auto_accept_instance_followers,
            },
            "channels": { "enabled": true },
        },
        "followings": {
            "instance": {
                "autoFollowBack": { "enabled": s.federation.auto_follow_back },
                "autoFollowIndex": { "enabled": false, "indexUrl": "" },
            },
        },
        "broadcastMessage": { "enabled": false, "message": "", "level": "info", "dismissable": false },
        "search": search_json(),
        "storyboards": { "enabled": s.transcoding.storyboards, "remoteRunners": off },
        "defaults": defaults_json(s),
        "videoComments": { "acceptRemoteComments": true },
    })
}

/// `GET /api/v1/config/custom` (administrators).
pub async fn custom(State(st): State<AppState>, ApiUser(u): ApiUser) -> ApiResult<Json<Value>> {
    require_role(&u, false)?;
    let c = ruche_tube::instance::current(&st.tube).await?;
    Ok(Json(custom_json(&st, &c)))
}

/// The key paths of `body` (a `CustomConfig`, whole or in part) that Ruche takes from it.
const EDITABLE: &[&str] = &[
    "instance.name",
    "instance.shortDescription",
    "instance.description",
    "instance.terms",
    "instance.codeOfConduct",
    "instance.creationReason",
    "instance.moderationInformation",
    "instance.administrator",
    "instance.maintenanceLifetime",
    "instance.businessModel",
    "instance.hardwareInformation",
    "instance.languages",
    "instance.categories",
    "instance.isNSFW",
    "instance.defaultNSFWPolicy",
    "signup.enabled",
    "signup.limit",
    "signup.requiresApproval",
    "signup.minimumAge",
    "user.videoQuota",
    "user.videoQuotaDaily",
    "autoBlacklist.videos.ofUsers.enabled",
];

/// Every leaf of `v` (arrays are leaves) with its dotted path.
fn leaves<'a>(v: &'a Value, at: String, out: &mut Vec<(String, &'a Value)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                if EDITABLE.contains(&p.as_str()) {
                    out.push((p, x));
                } else {
                    leaves(x, p, out);
                }
            }
        }
        _ => out.push((at, v)),
    }
}

/// `c` with the editable values `body` gives; a value of another key that differs from what
/// this instance is (a feature Ruche lacks, a setting of `ruche.toml`) is refused, named.
fn apply(st: &AppState, c: &InstanceConfig, body: &Value) -> Result<InstanceConfig, TubeError> {
    let bad = |path: &str, why: &str| {
        TubeError::BadRequest(format!("Incorrect request parameters: {path} ({why})"))
    };
    if !body.is_object() {
        return Err(bad("body", "a CustomConfig object"));
    }
    let now = custom_json(st, c);
    let mut found = Vec::new();
    leaves(body, String::new(), &mut found);
    let mut next = c.clone();
    for (path, v) in found {
        let text = || {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| bad(&path, "a string"))
        };
        let flag = || v.as_bool().ok_or_else(|| bad(&path, "true or false"));
        let int = || v.as_i64().ok_or_else(|| bad(&path, "an integer"));
        match path.as_str() {
            "instance.name" => next.name = text()?,
            "instance.shortDescription" => next.short_description = text()?,
            "instance.description" => next.description = text()?,
            "instance.terms" => next.terms = text()?,
            "instance.codeOfConduct" => next.code_of_conduct = text()?,
            "instance.creationReason" => next.creation_reason = text()?,
            "instance.moderationInformation" => next.moderation_information = text()?,
            "instance.administrator" => next.administrator = text()?,
            "instance.maintenanceLifetime" => next.maintenance_lifetime = text()?,
            "instance.businessModel" => next.business_model = text()?,
            "instance.hardwareInformation" => next.hardware_information = text()?,
            "instance.languages" => {
                next.languages = serde_json::from_value(v.clone())
                    .map_err(|_| bad(&path, "a list of language codes"))?
            }
            "instance.categories" => {
                next.categories = serde_json::from_value(v.clone())
                    .map_err(|_| bad(&path, "a list of category ids"))?
            }
            "instance.isNSFW" => next.is_nsfw = flag()?,
            "instance.defaultNSFWPolicy" => next.default_nsfw_policy = text()?,
            "signup.enabled" => next.signup_enabled = flag()?,
            "signup.limit" => next.signup_limit = int()?,
            "signup.requiresApproval" => next.signup_requires_approval = flag()?,
            "signup.minimumAge" => next.signup_minimum_age = int()?,
            "user.videoQuota" => next.video_quota = int()?,
            "user.videoQuotaDaily" => next.video_quota_daily = int()?,
            "autoBlacklist.videos.ofUsers.enabled" => next.auto_block_videos = flag()?,
            other => {
                let pointer = format!("/{}", other.replace('.', "/"));
                match now.pointer(&pointer) {
                    None => return Err(bad(other, "not a key of PeerTube's configuration")),
                    // Numbers compare as numbers (1 and 1.0 alike).
                    Some(cur)
                        if cur == v || (cur.as_f64().is_some() && cur.as_f64() == v.as_f64()) => {}
                    Some(_) => {
                        return Err(bad(
                            other,
                            "not changeable here: Ruche lacks this feature or sets it in ruche.toml",
                        ));
                    }
                }
            }
        }
    }
    Ok(next)
}

/// `PUT /api/v1/config/custom` (administrators): takes PeerTube's `CustomConfig` (the whole
/// document as `GET` gave it, or a part), stores what Ruche lets administrators change and
/// answers the configuration in force.
pub async fn update_custom(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Body(body): Body<Value>,
) -> ApiResult<Json<Value>> {
    require_role(&u, false)?;
    let c = ruche_tube::instance::current(&st.tube).await?;
    let next = apply(&st, &c, &body)?;
    let c = ruche_tube::instance::set(&st.tube, next).await?;
    Ok(Json(custom_json(&st, &c)))
}

/// `DELETE /api/v1/config/custom` (administrators): back to the settings file's values.
pub async fn reset_custom(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
) -> ApiResult<Json<Value>> {
    require_role(&u, false)?;
    let c = ruche_tube::instance::reset(&st.tube).await?;
    Ok(Json(custom_json(&st, &c)))
}

/// The instance's avatar and banner, as PeerTube's API lists pictures.
async fn instance_pictures(st: &AppState) -> ApiResult<(Value, Value)> {
    let base = &st.tube.settings.public_url;
    let avatars = ruche_tube::instance::pictures(&st.tube, PictureKind::Avatar).await?;
    let banners = ruche_tube::instance::pictures(&st.tube, PictureKind::Banner).await?;
    Ok((
        super::pictures_json(base, "avatars", avatars.as_deref()),
        super::pictures_json(base, "banners", banners.as_deref()),
    ))
}

/// `POST /api/v1/config/instance-{avatar,banner}/pick`: the uploaded picture (`avatarfile` or
/// `bannerfile`), made in PeerTube's sizes.
async fn pick_instance_picture(
    st: &AppState,
    user: &ruche_tube::accounts::User,
    kind: PictureKind,
    multipart: Multipart,
) -> ApiResult<StatusCode> {
    require_role(user, false)?;
    let bytes = super::profiles::picked_file(st, user, kind, multipart).await?;
    ruche_tube::instance::set_picture(&st.tube, kind, bytes).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn pick_instance_avatar(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    multipart: Multipart,
) -> ApiResult<StatusCode> {
    pick_instance_picture(&st, &u, PictureKind::Avatar, multipart).await
}

pub async fn pick_instance_banner(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    multipart: Multipart,
) -> ApiResult<StatusCode> {
    pick_instance_picture(&st, &u, PictureKind::Banner, multipart).await
}

/// `DELETE /api/v1/config/instance-avatar`.
pub async fn delete_instance_avatar(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
) -> ApiResult<StatusCode> {
    require_role(&u, false)?;
    ruche_tube::instance::remove_picture(&st.tube, PictureKind::Avatar).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/config/instance-banner`.
pub async fn delete_instance_banner(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
) -> ApiResult<StatusCode> {
    require_role(&u, false)?;
    ruche_tube::instance::remove_picture(&st.tube, PictureKind::Banner).await?;
    Ok(StatusCode::NO_CONTENT)
}

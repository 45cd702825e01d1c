//! `/api/v1/config` and `/api/v1/config/about`: every key PeerTube 8 answers (its clients read
//! them without checking), each with what is true of this instance: a feature Ruche lacks is
//! said to be off, never absent.

use crate::AppState;
use crate::error::ApiResult;
use axum::Json;
use axum::extract::State;
use ruche_tube::accounts;
use serde_json::{Value, json};

const PICTURE_EXTENSIONS: [&str; 5] = [".png", ".jpeg", ".jpg", ".gif", ".webp"];

/// `GET /api/v1/config`.
pub async fn config(State(st): State<AppState>) -> ApiResult<Json<Value>> {
    let s = &st.tube.settings;
    let allowed = accounts::signup_allowed(&st.tube).await?;
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
    let defaults = json!({
        "publish": { "downloadEnabled": true, "commentsPolicy": 1, "privacy": 1, "licence": null },
        "p2p": { "webapp": { "enabled": s.p2p.enabled }, "embed": { "enabled": s.p2p.enabled } },
        "live": { "saveReplay": false },
        // PeerTube's default player skin; Ruche's own player does not switch skins.
        "player": { "theme": "galaxy", "autoPlay": false },
    });
    let instance = json!({
        "name": s.instance.name,
        "shortDescription": s.instance.short_description,
        "isNSFW": false,
        "defaultNSFWPolicy": "display",
        "defaultClientRoute": "/",
        "serverCountry": "",
        "support": { "text": "" },
        "social": { "blueskyLink": "", "mastodonLink": "", "xLink": "", "externalLink": "" },
        "customizations": { "javascript": "", "css": "" },
        "defaultLanguage": "en",
        "avatars": [],
        "banners": [],
        "logo": [{
            "fileUrl": format!("{base}/favicon.ico"),
            "width": 32, "height": 32, "type": "favicon", "isFallback": true,
        }],
    });
    let theme = json!({
        "registered": [],
        "builtIn": [],
        "default": "default",
        "customization": {
            "primaryColor": null, "onPrimaryColor": null, "foregroundColor": null, "backgroundColor": null,
            "backgroundSecondaryColor": null, "menuForegroundColor": null,
            "menuBackgroundColor": null, "menuBorderRadius": null,
            "headerForegroundColor": null, "headerBackgroundColor": null,
            "inputBorderRadius": null,
        },
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
            "algorithms": { "enabled": ["hot", "most-viewed", "most-liked"], "default": "most-viewed" },
        },
    });
    Ok(Json(json!({
        "client": client,
        "defaults": defaults,
        "webadmin": { "configuration": { "edition": { "allowed": false } } },
        "instance": instance,
        "search": {
            "remoteUri": { "users": true, "anonymous": false },
            "searchIndex": { "enabled": false, "url": "", "disableLocalSearch": false, "isDefaultSearch": false },
        },
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
            "videos": { "http": off, "torrent": off },
            "videoChannelSynchronization": off,
            "users": off,
        },
        "export": { "users": { "enabled": false, "exportExpiration": 0, "maxUserVideoQuota": 0 } },
        "autoBlacklist": { "videos": { "ofUsers": off } },
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
        "user": { "videoQuota": s.user.video_quota, "videoQuotaDaily": s.user.video_quota_daily },
        "videoChannels": { "maxPerUser": ruche_tube::channels::MAX_CHANNELS },
        "trending": trending,
        "tracker": { "enabled": s.p2p.enabled },
        "followings": { "instance": { "autoFollowIndex": { "indexUrl": "" } } },
        "federation": { "enabled": true },
        "broadcastMessage": { "enabled": false, "message": "", "level": "info", "dismissable": false },
        "homepage": { "enabled": false },
        "openTelemetry": { "metrics": { "enabled": false, "playbackStatsInterval": 15000 } },
        "views": views,
        "storyboards": { "enabled": false, "remoteRunners": off },
        "webrtc": { "stunServers": s.p2p.stun_servers },
        "nsfwFlagsSettings": { "enabled": true },
        "fieldsConstraints": {
            "users": { "password": { "minLength": ruche_tube::auth::MIN_PASSWORD_LEN, "maxLength": 255 } },
        },
        "signup": {
            "allowed": allowed,
            "allowedForCurrentIP": allowed,
            "minimumAge": 16,
            "requiresApproval": s.signup.requires_approval,
            "requiresEmailVerification": false,
        },
    })))
}

/// `GET /api/v1/config/about`: the instance as its About page tells it.
pub async fn about(State(st): State<AppState>) -> Json<Value> {
    let s = &st.tube.settings;
    Json(json!({
        "instance": {
            "name": s.instance.name,
            "shortDescription": s.instance.short_description,
            "description": "",
            "terms": "",
            "codeOfConduct": "",
            "hardwareInformation": "",
            "creationReason": "",
            "moderationInformation": "",
            "administrator": "",
            "maintenanceLifetime": "",
            "businessModel": "",
            "languages": [],
            "categories": [],
            "banners": [],
            "avatars": [],
        }
    }))
}

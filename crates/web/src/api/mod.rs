//! PeerTube's REST API (`/api/v1/…`): the routes and the JSON shapes of its objects, built from
//! our rows so that PeerTube clients read them unchanged
//! (see ../shared/fixtures/peertube-8.0.1/api/ for the real thing).

pub(crate) mod body;
mod comments;
mod config;
mod editing;
mod follows;
pub(crate) mod playlists;
mod profiles;
mod search;
mod upload;
mod users;
mod videos;

pub(crate) use profiles::picture_form;

use crate::AppState;
use crate::error::ApiResult;
use crate::limits::{self, Kind};
use axum::Router;
use axum::handler::Handler;
use axum::routing::{get, post};
use ruche_domain::time::iso;
use ruche_domain::urls;
use ruche_domain::video::{category_label, language_label, licence_label};
use ruche_tube::accounts::{Account, Channel};
use ruche_tube::playback::PlayFile;
use ruche_tube::videos::{Video, VideoFile};
use serde_json::{Value, json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/config", get(config::config))
        .route("/api/v1/config/about", get(config::about))
        .route("/api/v1/oauth-clients/local", get(users::oauth_client))
        .route("/api/v1/users/token", post(users::token))
        .route("/api/v1/users/revoke-token", post(users::revoke_token))
        .route("/api/v1/users", post(users::create_user))
        .route("/api/v1/users/me", get(users::me).put(users::update_me))
        .route("/api/v1/users/me/video-quota-used", get(users::quota_used))
        .route("/api/v1/users/me/videos", get(videos::my_videos))
        .route("/api/v1/users/register", post(users::register))
        .route(
            "/api/v1/users/registrations/request",
            post(users::request_registration),
        )
        .route("/api/v1/users/registrations", get(users::registrations))
        .route(
            "/api/v1/users/registrations/{id}/accept",
            post(users::accept_registration),
        )
        .route(
            "/api/v1/users/registrations/{id}/reject",
            post(users::reject_registration),
        )
        .route("/api/v1/video-channels", post(users::create_channel))
        .route(
            "/api/v1/video-channels/{handle}",
            get(users::channel)
                .put(profiles::update_channel)
                .delete(profiles::delete_channel),
        )
        .route(
            "/api/v1/users/me/avatar/pick",
            post(profiles::pick_my_avatar).layer(limits::body(Kind::Picture)),
        )
        .route(
            "/api/v1/users/me/avatar",
            axum::routing::delete(profiles::delete_my_avatar),
        )
        .route(
            "/api/v1/video-channels/{handle}/{which}/pick",
            post(profiles::pick_channel_picture).layer(limits::body(Kind::Picture)),
        )
        .route(
            "/api/v1/video-channels/{handle}/{which}",
            axum::routing::delete(profiles::delete_channel_picture),
        )
        .route(
            "/api/v1/video-channels/{handle}/videos",
            get(videos::channel_videos),
        )
        .route("/api/v1/accounts/{name}", get(users::account))
        .route(
            "/api/v1/accounts/{name}/videos",
            get(videos::account_videos),
        )
        .route(
            "/api/v1/accounts/{name}/video-channels",
            get(users::account_channels),
        )
        .route(
            "/api/v1/server/following",
            get(follows::following).post(follows::follow),
        )
        .route("/api/v1/server/following/copy", post(follows::copy))
        .route(
            "/api/v1/server/following/{target}",
            axum::routing::delete(follows::unfollow),
        )
        .route("/api/v1/server/followers", get(follows::followers))
        .route(
            "/api/v1/server/followers/{handle}",
            axum::routing::delete(follows::remove_follower),
        )
        .route(
            "/api/v1/server/followers/{handle}/{action}",
            post(follows::decide),
        )
        .route(
            "/api/v1/users/me/subscriptions",
            get(follows::subscriptions).post(follows::subscribe),
        )
        .route(
            "/api/v1/users/me/subscriptions/exist",
            get(follows::subscriptions_exist),
        )
        .route(
            "/api/v1/users/me/subscriptions/{handle}",
            axum::routing::delete(follows::unsubscribe),
        )
        .route("/api/v1/videos", get(videos::list))
        .route("/api/v1/search/videos", get(search::videos))
        .route("/api/v1/search/video-channels", get(search::channels))
        .route("/api/v1/search/video-playlists", get(playlists::search))
        .route(
            "/api/v1/video-playlists",
            get(playlists::list).post(playlists::create.layer(limits::body(Kind::Profile))),
        )
        .route(
            "/api/v1/video-playlists/privacies",
            get(playlists::privacies),
        )
        .route(
            "/api/v1/video-playlists/{id}",
            get(playlists::get)
                .put(playlists::update.layer(limits::body(Kind::Profile)))
                .delete(playlists::remove),
        )
        .route(
            "/api/v1/video-playlists/{id}/videos",
            get(playlists::elements).post(playlists::add),
        )
        .route(
            "/api/v1/video-playlists/{id}/videos/reorder",
            post(playlists::reorder),
        )
        .route(
            "/api/v1/video-playlists/{id}/videos/{element}",
            axum::routing::put(playlists::update_element).delete(playlists::remove_element),
        )
        .route(
            "/api/v1/users/me/video-playlists/videos-exist",
            get(playlists::videos_exist),
        )
        .route(
            "/api/v1/accounts/{name}/video-playlists",
            get(playlists::of_account),
        )
        .route(
            "/api/v1/video-channels/{handle}/video-playlists",
            get(playlists::of_channel),
        )
        .route("/api/v1/videos/{id}/rate", axum::routing::put(videos::rate))
        .route("/api/v1/videos/{id}/token", post(videos::file_token))
        .route(
            "/api/v1/videos/{id}/comment-threads",
            get(comments::threads).post(comments::add_thread),
        )
        .route(
            "/api/v1/videos/{id}/comment-threads/{thread}",
            get(comments::thread),
        )
        .route(
            "/api/v1/videos/{id}/comments/{comment}",
            post(comments::reply).delete(comments::delete),
        )
        .route(
            "/api/v1/users/me/videos/{id}/rating",
            get(videos::my_rating),
        )
        .route("/api/v1/videos/categories", get(videos::categories))
        .route("/api/v1/videos/licences", get(videos::licences))
        .route("/api/v1/videos/languages", get(videos::languages))
        .route("/api/v1/videos/privacies", get(videos::privacies))
        .merge(
            Router::new()
                .route(
                    "/api/v1/videos/upload",
                    post(upload::legacy).layer(limits::body(Kind::Upload)),
                )
                .route(
                    "/api/v1/videos/upload-resumable",
                    post(upload::init)
                        .put(upload::chunk.layer(limits::body(Kind::Upload)))
                        .delete(upload::cancel),
                )
                .route(
                    "/api/v1/videos/{id}/source/replace-resumable",
                    post(upload::replace_init)
                        .put(upload::replace_chunk.layer(limits::body(Kind::Upload)))
                        .delete(upload::replace_cancel),
                )
                .layer(axum::middleware::map_response(upload::close_on_error)),
        )
        .route(
            "/api/v1/videos/{id}",
            get(videos::get)
                .delete(videos::remove)
                .put(editing::update.layer(limits::body(Kind::Profile))),
        )
        .route(
            "/api/v1/videos/{id}/passwords",
            get(editing::passwords).put(editing::set_passwords),
        )
        .route(
            "/api/v1/videos/{id}/passwords/{password}",
            axum::routing::delete(editing::delete_password),
        )
        .route("/api/v1/videos/{id}/views", post(videos::view))
        .route("/api/v1/videos/{id}/metadata/{file}", get(videos::metadata))
        .route("/api/v1/jobs/pending", get(videos::pending_jobs))
        .route("/api/v1/videos/{id}/description", get(videos::description))
        .route("/api/v1/videos/{id}/source", get(upload::source))
}

fn id_label(id: Option<i64>, label: Option<&str>) -> Value {
    json!({ "id": id, "label": label.unwrap_or("Unknown") })
}

/// Avatars or banners as PeerTube's API lists them; another instance's are served from our copy.
pub(crate) fn pictures_json(base: &str, dir: &str, json: Option<&str>) -> Value {
    let list: Vec<Value> = ruche_tube::profiles::pictures(json)
        .into_iter()
        .map(|p| {
            let path = format!("/lazy-static/{dir}/{}", p.filename);
            json!({
                "height": p.height,
                "width": p.width,
                "fileUrl": format!("{base}{path}"),
                "path": path,
                "createdAt": iso(p.created_at),
                "updatedAt": iso(p.created_at),
            })
        })
        .collect();
    json!(list)
}

/// The path of a picture to show `width` pixels wide, from a JSON list of sizes.
pub(crate) fn picture_path(dir: &str, json: Option<&str>, width: u32) -> Option<String> {
    ruche_tube::profiles::pick(json, width).map(|p| format!("/lazy-static/{dir}/{}", p.filename))
}

/// Sets an account's or a channel's `followersCount` and `followingCount` (their JSON made by
/// [`account_json`] or [`channel_json`]) to the accepted follows of its actor, its `url`: what
/// its ActivityPub `followers` and `following` collections list.
pub(crate) async fn count_follows(st: &AppState, v: &mut Value) -> ApiResult<()> {
    let Some(url) = v["url"].as_str().map(str::to_string) else {
        return Ok(());
    };
    let (followers, following) = ruche_tube::federation::follows::counts(&st.tube, &url).await?;
    v["followersCount"] = json!(followers);
    v["followingCount"] = json!(following);
    Ok(())
}

pub(crate) fn account_json(base: &str, host: &str, a: &Account) -> Value {
    json!({
        "url": a.url.clone().unwrap_or_else(|| urls::account(base, &a.name)),
        "name": a.name,
        "host": a.host.as_deref().unwrap_or(host),
        "avatars": pictures_json(base, "avatars", a.avatars.as_deref()),
        "id": a.id,
        "hostRedundancyAllowed": false,
        "followingCount": 0,
        "followersCount": 0,
        "createdAt": iso(a.created_at),
        "displayName": a.display_name,
        "description": a.description,
        "updatedAt": iso(a.updated_at),
        "userId": a.user_id,
    })
}

pub(crate) fn channel_json(base: &str, host: &str, c: &Channel, owner: Option<&Account>) -> Value {
    let mut v = json!({
        "url": c.url.clone().unwrap_or_else(|| urls::channel(base, &c.name)),
        "name": c.name,
        "host": c.host.as_deref().unwrap_or(host),
        "avatars": pictures_json(base, "avatars", c.avatars.as_deref()),
        "id": c.id,
        "hostRedundancyAllowed": false,
        "followingCount": 0,
        "followersCount": 0,
        "createdAt": iso(c.created_at),
        "banners": pictures_json(base, "banners", c.banners.as_deref()),
        "displayName": c.display_name,
        "description": c.description,
        "support": c.support,
        "isLocal": c.host.is_none(),
        "updatedAt": iso(c.updated_at),
    });
    match owner {
        Some(a) => v["ownerAccount"] = account_json(base, host, a),
        None => v["ownerAccountId"] = json!(c.account_id),
    }
    v
}

fn video_account(v: &Video) -> Account {
    Account {
        id: v.account_id,
        user_id: v.user_id,
        name: v.account_name.clone(),
        host: v.account_host.clone(),
        display_name: v.account_display_name.clone(),
        description: v.account_description.clone(),
        created_at: v.account_created_at,
        updated_at: v.account_updated_at,
        url: v.account_url.clone(),
        avatars: v.account_avatars.clone(),
    }
}

fn video_channel(v: &Video) -> Channel {
    Channel {
        id: v.channel_id,
        account_id: v.account_id,
        name: v.channel_name.clone(),
        host: v.channel_host.clone(),
        display_name: v.channel_display_name.clone(),
        description: v.channel_description.clone(),
        support: v.channel_support.clone(),
        created_at: v.channel_created_at,
        updated_at: v.channel_updated_at,
        url: v.channel_url.clone(),
        avatars: v.channel_avatars.clone(),
        banners: None,
    }
}

pub(crate) use ruche_domain::ids::short_uuid;

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut out: String = s.chars().take(n.saturating_sub(3)).collect();
    out.push_str("...");
    out
}

/// PeerTube's `Video` (list items); `owner_view` adds Ruche's transcoding progress and error.
pub(crate) fn video_json(base: &str, host: &str, v: &Video, owner_view: bool) -> Value {
    let account = video_account(v);
    let channel = video_channel(v);
    let (state, privacy) = (v.state, v.privacy);
    let short = short_uuid(&v.uuid);
    let (thumbnail, preview) = ruche_tube::playback::pictures(v);
    let mut j = json!({
        "id": v.id,
        "uuid": v.uuid,
        "shortUUID": short,
        "url": v.url.clone().unwrap_or_else(|| urls::video(base, &v.uuid)),
        "name": v.name,
        "category": id_label(v.category, v.category.and_then(category_label)),
        "licence": id_label(v.licence, v.licence.and_then(licence_label)),
        "language": json!({ "id": v.language, "label": v.language.as_deref().and_then(language_label).unwrap_or("Unknown") }),
        "privacy": id_label(Some(privacy.id()), Some(privacy.label())),
        "nsfw": v.nsfw,
        "nsfwFlags": v.nsfw_flags,
        "nsfwSummary": v.nsfw_summary,
        "truncatedDescription": v.description.as_deref().map(|d| truncate(d, 250)),
        "description": v.description.as_deref().map(|d| truncate(d, 250)),
        "isLocal": v.is_local(),
        "duration": v.duration,
        "aspectRatio": v.aspect_ratio,
        "views": v.views,
        "viewers": 0,
        "likes": v.likes,
        "dislikes": v.dislikes,
        "thumbnailPath": thumbnail,
        "previewPath": preview,
        "embedPath": format!("/videos/embed/{short}"),
        "createdAt": iso(v.created_at),
        "updatedAt": iso(v.updated_at),
        "publishedAt": iso(v.published_at.unwrap_or(v.created_at)),
        "originallyPublishedAt": v.originally_published_at.map(iso),
        "isLive": false,
        "account": account_json(base, host, &account),
        "channel": channel_json(base, host, &channel, Some(&account)),
        "state": id_label(Some(state.id()), Some(state.label())),
        "waitTranscoding": v.wait_transcoding,
    });
    if owner_view {
        j["transcodingProgress"] = json!(v.progress);
        j["transcodingError"] = json!(v.failure_reason);
    }
    j
}

fn file_json(f: &PlayFile, web: bool) -> Value {
    let (file_url, size) = match (&f.web_url, web) {
        (Some(w), true) => (w.clone(), f.web_size.unwrap_or(f.size)),
        _ => (f.url.clone(), f.size),
    };
    let mut j = json!({
        "id": f.id,
        "resolution": { "id": f.resolution, "label": if f.has_video { format!("{}p", f.resolution) } else { "Audio only".to_string() } },
        "width": f.width,
        "height": f.height,
        "size": size,
        "fps": f.fps,
        "fileUrl": file_url,
        "fileDownloadUrl": f.download_url,
        "metadataUrl": f.metadata_url,
        "hasAudio": f.has_audio,
        "hasVideo": f.has_video,
        "storage": 0,
    });
    if !web && let Some(p) = &f.playlist_url {
        j["playlistUrl"] = json!(p);
    }
    // Its torrent, as PeerTube gives it (PeerTube says null while it has none, which its own
    // schema refuses: we leave the fields out).
    if let Some(t) = if web { &f.web_torrent } else { &f.torrent } {
        j["magnetUri"] = json!(t.magnet);
        j["torrentUrl"] = json!(t.url);
        j["torrentDownloadUrl"] = json!(t.download_url);
    }
    j
}

/// The uploaded file as a `VideoFile` (its owner's view until transcoding is done).
pub(crate) fn source_file_json(base: &str, v: &Video, s: &ruche_tube::downloads::Source) -> Value {
    let base = base.trim_end_matches('/');
    let url = ruche_domain::urls::original_file(base, &v.uuid);
    let torrent = ruche_domain::urls::torrent(base, &s.torrent_filename);
    let f = PlayFile {
        id: 0,
        resolution: s.resolution,
        width: s.width,
        height: s.height,
        fps: s.fps.round() as i64,
        size: s.size,
        url: url.clone(),
        playlist_url: None,
        web_url: Some(url.clone()),
        web_size: Some(s.size),
        download_url: url,
        metadata_url: None,
        has_audio: s.has_audio,
        has_video: s.has_video,
        torrent: None,
        web_torrent: Some(ruche_tube::playback::Torrent {
            magnet: ruche_p2p::torrent::magnet(
                &torrent,
                &s.info_hash,
                &v.name,
                &urls::trackers(base),
                &[],
            ),
            download_url: ruche_domain::urls::torrent_download(base, &s.torrent_filename),
            url: torrent,
        }),
    };
    file_json(&f, true)
}

/// PeerTube's `VideoDetails`: the list shape plus description, tags, files and the HLS playlist.
pub(crate) fn video_details_json(
    base: &str,
    host: &str,
    v: &Video,
    files: &[VideoFile],
    owner_view: bool,
) -> Value {
    let mut j = video_json(base, host, v, owner_view);
    let tags: Vec<String> = serde_json::from_str(&v.tags).unwrap_or_default();
    j["description"] = json!(v.description);
    j["support"] = json!(v.support);
    j["tags"] = json!(tags);
    j["commentsEnabled"] = json!(v.comments_enabled);
    j["commentsPolicy"] = if v.comments_enabled {
        json!({"id": 1, "label": "Enabled"})
    } else {
        json!({"id": 2, "label": "Disabled"})
    };
    j["downloadEnabled"] = json!(v.download_enabled);
    j["comments"] = json!(0);
    j["blacklisted"] = json!(false);
    j["blacklistedReason"] = json!(null);
    let play = ruche_tube::playback::of(base.trim_end_matches('/'), v, files);
    j["trackerUrls"] = json!(play.trackers);
    let web_files: Vec<Value> = play
        .files
        .iter()
        .filter(|f| f.web_url.is_some())
        .map(|f| file_json(f, true))
        .collect();
    j["files"] = json!(web_files);
    j["streamingPlaylists"] = match &play.master {
        Some(master) if !play.files.is_empty() => {
            json!([{
                "id": v.id,
                "type": 1,
                "playlistUrl": master,
                "segmentsSha256Url": play.segments_sha256,
                "redundancies": [],
                "files": play.files.iter().map(|f| file_json(f, false)).collect::<Vec<_>>(),
            }])
        }
        _ => json!([]),
    };
    j
}

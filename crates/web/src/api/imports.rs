//! Video imports, PeerTube's API: `POST /api/v1/videos/imports` (JSON, a form or multipart, as
//! an upload's metadata with `targetUrl`), `GET /api/v1/users/me/videos/imports`,
//! `POST …/imports/{id}/cancel`, `DELETE …/imports/{id}`. The work is `tube::imports`'.

use super::body::with_files;
use super::videos::Paging;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::ApiResult;
use axum::Json;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use ruche_domain::time::iso;
use ruche_tube::imports::{self, ChannelSync, ImportState, VideoImport};
use ruche_tube::videos::{Video, VideoInput};
use serde::Deserialize;
use serde_json::{Value, json};

/// The largest torrent file taken along (PeerTube's), only to say torrents are not imported.
const MAX_TORRENT: usize = 200 * 1024;

/// A `VideoImport` as PeerTube shows it, with its video (as its owner sees it) while it exists.
fn import_json(
    st: &AppState,
    i: &VideoImport,
    v: Option<&Video>,
    sync: Option<&ChannelSync>,
) -> Value {
    let (base, host) = (&st.tube.settings.public_url, st.tube.settings.host());
    let mut j = json!({
        "id": i.id,
        "targetUrl": i.target_url,
        "magnetUri": null,
        "torrentName": null,
        "state": { "id": i.state, "label": ImportState::label(i.state) },
        "error": i.error,
        "createdAt": iso(i.created_at),
        "updatedAt": iso(i.updated_at),
    });
    if let Some(v) = v {
        j["video"] = super::video_json(base, &host, v, true);
    }
    if let Some(s) = sync {
        j["videoChannelSync"] = json!({ "id": s.id, "externalChannelUrl": s.external_url });
    }
    j
}

/// `POST /api/v1/videos/imports`.
pub async fn create(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    req: Request,
) -> ApiResult<Json<Value>> {
    let (super::body::Body(input), files) =
        with_files::<VideoInput, _>(req, &st, &["torrentfile"], MAX_TORRENT).await?;
    let made = imports::create(&st.tube, &u, input, !files.is_empty()).await?;
    let video = match made.video_id {
        Some(id) => Some(ruche_tube::videos::find(&st.tube, &id.to_string()).await?),
        None => None,
    };
    Ok(Json(import_json(&st, &made, video.as_ref(), None)))
}

#[derive(Deserialize)]
pub struct MineQuery {
    #[serde(rename = "targetUrl")]
    target_url: Option<String>,
    search: Option<String>,
    #[serde(rename = "videoChannelSyncId")]
    sync_id: Option<String>,
    #[serde(flatten)]
    paging: Paging,
}

/// `GET /api/v1/users/me/videos/imports`: the caller's imports, newest first (`sort`
/// `createdAt` or `-createdAt`), by `targetUrl`, `videoChannelSyncId` or a `search` of their URL
/// and video's name.
pub async fn mine(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Query(q): Query<MineQuery>,
) -> ApiResult<Json<Value>> {
    let f = q.paging.filter()?;
    let newest_first = q.paging.newest_first()?;
    let search = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let sync_id = match q.sync_id.as_deref() {
        None => None,
        Some(n) => Some(n.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
            ruche_tube::TubeError::BadRequest(
                "Incorrect request parameters: videoChannelSyncId".into(),
            )
        })?),
    };
    let filter = imports::ImportFilter {
        target_url: q.target_url.as_deref(),
        search,
        sync_id,
        oldest_first: !newest_first,
        start: f.start,
        count: f.count,
    };
    let (rows, total) = imports::of_user(&st.tube, &u, &filter).await?;
    let data: Vec<Value> = rows
        .iter()
        .map(|l| import_json(&st, &l.import, l.video.as_ref(), l.sync.as_ref()))
        .collect();
    Ok(Json(json!({ "total": total, "data": data })))
}

/// `POST /api/v1/videos/imports/{id}/cancel`: a pending import only.
pub async fn cancel(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    imports::cancel(&st.tube, &u, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/videos/imports/{id}`: any but a pending import; its video stays.
pub async fn remove(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    imports::delete(&st.tube, &u, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A `VideoChannelSync` as PeerTube shows it.
fn sync_json(st: &AppState, s: &ChannelSync, ch: &ruche_tube::accounts::Channel) -> Value {
    let (base, host) = (&st.tube.settings.public_url, st.tube.settings.host());
    let mut j = json!({
        "id": s.id,
        "state": { "id": s.state, "label": imports::sync_state_label(s.state) },
        "externalChannelUrl": s.external_url,
        "createdAt": iso(s.created_at),
        "channel": super::channel_json(base, &host, ch, None),
    });
    if let Some(at) = s.last_sync_at {
        j["lastSyncAt"] = json!(iso(at));
    }
    j
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewSync {
    external_channel_url: Option<String>,
    video_channel_id: Option<i64>,
}

/// `POST /api/v1/video-channel-syncs`.
pub async fn create_sync(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    super::body::Body(b): super::body::Body<NewSync>,
) -> ApiResult<Json<Value>> {
    let s = imports::create_sync(
        &st.tube,
        &u,
        b.external_channel_url.as_deref(),
        b.video_channel_id,
    )
    .await?;
    let ch = ruche_tube::channels::owned(&st.tube, &u, s.channel_id).await?;
    Ok(Json(json!({ "videoChannelSync": sync_json(&st, &s, &ch) })))
}

/// `DELETE /api/v1/video-channel-syncs/{id}`.
pub async fn delete_sync(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    imports::delete_sync(&st.tube, &u, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/video-channel-syncs/{id}/sync`: runs it now, over every video of the channel.
pub async fn sync_now(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    imports::sync_now(&st.tube, &u, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/accounts/{name}/video-channel-syncs`: for the account's owner or a moderator.
pub async fn account_syncs(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(name): Path<String>,
    Query(p): Query<Paging>,
) -> ApiResult<Json<Value>> {
    let f = p.filter()?;
    let a = ruche_tube::accounts::account_by_handle(&st.tube, &name).await?;
    let (rows, total) = imports::syncs_of(&st.tube, &u, &a, f.start, f.count).await?;
    let data: Vec<Value> = rows.iter().map(|(s, ch)| sync_json(&st, s, ch)).collect();
    Ok(Json(json!({ "total": total, "data": data })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelImport {
    external_channel_url: Option<String>,
    video_channel_sync_id: Option<i64>,
}

/// `POST /api/v1/video-channels/{handle}/import-videos`: every video of another site's channel.
pub async fn import_videos(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(handle): Path<String>,
    super::body::Body(b): super::body::Body<ChannelImport>,
) -> ApiResult<StatusCode> {
    let ch = ruche_tube::channels::by_handle(&st.tube, &handle).await?;
    imports::import_channel(
        &st.tube,
        &u,
        ch.id,
        b.external_channel_url.as_deref(),
        b.video_channel_sync_id,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

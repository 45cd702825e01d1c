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
use ruche_tube::imports::{self, ImportState, VideoImport};
use ruche_tube::videos::{Video, VideoInput};
use serde::Deserialize;
use serde_json::{Value, json};

/// The largest torrent file taken along (PeerTube's), only to say torrents are not imported.
const MAX_TORRENT: usize = 200 * 1024;

/// A `VideoImport` as PeerTube shows it, with its video (as its owner sees it) while it exists.
fn import_json(st: &AppState, i: &VideoImport, v: Option<&Video>) -> Value {
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
    Ok(Json(import_json(&st, &made, video.as_ref())))
}

#[derive(Deserialize)]
pub struct MineQuery {
    #[serde(rename = "targetUrl")]
    target_url: Option<String>,
    search: Option<String>,
    #[serde(flatten)]
    paging: Paging,
}

/// `GET /api/v1/users/me/videos/imports`: the caller's imports, newest first (`sort`
/// `createdAt` or `-createdAt`), by `targetUrl` or a `search` of their URL and video's name.
pub async fn mine(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Query(q): Query<MineQuery>,
) -> ApiResult<Json<Value>> {
    let f = q.paging.filter()?;
    let newest_first = q.paging.newest_first()?;
    let search = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let (rows, total) = imports::of_user(
        &st.tube,
        &u,
        q.target_url.as_deref(),
        search,
        !newest_first,
        f.start,
        f.count,
    )
    .await?;
    let data: Vec<Value> = rows
        .iter()
        .map(|(i, v)| import_json(&st, i, v.as_ref()))
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

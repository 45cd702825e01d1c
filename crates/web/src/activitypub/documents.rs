//! Our things at their ActivityPub ids: actors, videos, comments and our own Announces, as
//! `ruche_tube::federation::documents` makes them.

use super::{activity_json, answer, not_found, wants_activity_json};
use crate::AppState;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use ruche_domain::ids::short_uuid;
use ruche_tube::federation::documents::{self, Shared};
use ruche_tube::videos::Video;

/// A video other servers may see (published, public or unlisted), or the answer that says why
/// not: another instance's video is described by its origin, as PeerTube redirects.
#[allow(clippy::result_large_err)] // The error is the answer itself.
pub(super) async fn shared_video(st: &AppState, id: &str) -> Result<Video, Response> {
    match documents::shared_video(&st.tube, id).await {
        Ok(Shared::Ours(v)) => Ok(*v),
        Ok(Shared::Elsewhere(origin)) => Err(Redirect::to(&origin).into_response()),
        Ok(Shared::Hidden) => Err(not_found("video")),
        Err(e) => Err(ApiError(e).into_response()),
    }
}

/// A video as its `Video` object: only published videos that are public or unlisted.
pub(crate) async fn video_document(st: &AppState, id: &str) -> Response {
    match shared_video(st, id).await {
        Ok(v) => answer(documents::video(&st.tube, &v).await.map(Some), "video"),
        Err(r) => r,
    }
}

/// One of our comments as its `Note` (a `Tombstone` once deleted), for servers that fetch it
/// (Mastodon's search, instances checking a forwarded comment); browsers go to its video.
pub(super) async fn comment(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path((id, comment)): Path<(String, i64)>,
) -> Response {
    match documents::comment(&st.tube, &id, comment).await {
        Ok((_, _, doc)) if wants_activity_json(&headers) => activity_json(&doc),
        Ok((v, cm, _)) => {
            let thread = cm.thread_id.unwrap_or(cm.id);
            Redirect::to(&format!("/w/{}?threadId={thread}", short_uuid(&v.uuid))).into_response()
        }
        Err(e) => ApiError(e).into_response(),
    }
}

/// An account (or, for the instance actor's name, the instance) as its actor document.
pub(crate) async fn account_document(st: &AppState, name: &str) -> Response {
    answer(
        documents::account_actor(&st.tube, name).await.map(Some),
        "account",
    )
}

/// A channel as its `Group` actor, attributed to its account.
pub(crate) async fn channel_document(st: &AppState, name: &str) -> Response {
    answer(
        documents::channel_actor(&st.tube, name).await.map(Some),
        "channel",
    )
}

/// One of our own Announces of one of our videos, at its id (`<video>/announces/<n>`).
pub(super) async fn video_share(
    State(st): State<AppState>,
    Path((id, share)): Path<(String, String)>,
) -> Response {
    match shared_video(&st, &id).await {
        Ok(v) => match documents::video_share(&st.tube, &v, &share) {
            Some(a) => activity_json(&a),
            None => not_found("share"),
        },
        Err(r) => r,
    }
}

#[derive(serde::Deserialize)]
pub(super) struct PlaylistPage {
    page: Option<u32>,
}

/// One of our public or unlisted playlists: its `Playlist` (paged with `?page=N`) for servers,
/// its page for browsers. Private playlists and other instances' are not found here.
pub(super) async fn playlist(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<PlaylistPage>,
) -> Response {
    let p = match ruche_tube::playlists::find(&st.tube, &id).await {
        Ok(p) if p.is_local() && p.privacy.federated() => p,
        Ok(_) | Err(ruche_tube::TubeError::NotFound(_)) => return not_found("video playlist"),
        Err(e) => return ApiError(e).into_response(),
    };
    if !wants_activity_json(&headers) {
        return Redirect::to(&format!("/w/p/{}", short_uuid(&p.uuid))).into_response();
    }
    answer(
        ruche_tube::federation::playlists::object(&st.tube, &p, q.page)
            .await
            .map(Some),
        "video playlist",
    )
}

/// An element of one of our public or unlisted playlists, as its `PlaylistElement`.
pub(super) async fn playlist_element(
    State(st): State<AppState>,
    Path((id, element)): Path<(String, i64)>,
) -> Response {
    let p = match ruche_tube::playlists::find(&st.tube, &id).await {
        Ok(p) if p.is_local() && p.privacy.federated() => p,
        Ok(_) | Err(ruche_tube::TubeError::NotFound(_)) => return not_found("video playlist"),
        Err(e) => return ApiError(e).into_response(),
    };
    answer(
        ruche_tube::federation::playlists::element_object(&st.tube, &p, element).await,
        "video playlist element",
    )
}

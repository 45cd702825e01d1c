//! Our collections at their ids, paged as PeerTube pages them (`?page=N`), as
//! `ruche_tube::federation::collections` makes them.

use super::documents::shared_video;
use super::{activity_json, answer, not_found};
use crate::AppState;
use crate::error::ApiError;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use ruche_tube::federation::collections::{self, Slice};
use ruche_tube::federation::documents;

#[derive(serde::Deserialize)]
pub(super) struct PageQuery {
    page: Option<u32>,
}

/// An account's outbox (Create of each public video; the instance's announces them), followers,
/// following and playlists.
pub(super) async fn of_account(
    State(st): State<AppState>,
    Path((name, which)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Response {
    let made = collections::of_account(&st.tube, &name, &which, Slice::of(q.page)).await;
    answer(made, "collection")
}

/// A channel's outbox (Announce of each public video, by the channel), followers, following and
/// playlists.
pub(super) async fn of_channel(
    State(st): State<AppState>,
    Path((name, which)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Response {
    let made = collections::of_channel(&st.tube, &name, &which, Slice::of(q.page)).await;
    answer(made, "collection")
}

/// A video's likes, dislikes, comments and shares; and `activity`, its Create.
pub(super) async fn of_video(
    State(st): State<AppState>,
    Path((id, which)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Response {
    let v = match shared_video(&st, &id).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if which == "activity" {
        return match documents::video_create(&st.tube, &v).await {
            Ok(Some(a)) => activity_json(&a),
            Ok(None) => not_found("activity"),
            Err(e) => ApiError(e).into_response(),
        };
    }
    answer(
        collections::of_video(&st.tube, &v, &which, Slice::of(q.page)).await,
        "collection",
    )
}

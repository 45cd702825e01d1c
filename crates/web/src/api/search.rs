//! PeerTube's search API: `/api/v1/search/videos` (words over titles, tags, descriptions and
//! channel and account names, with every list filter; or one video by its URL),
//! `/api/v1/search/video-channels` (by name, or one channel by its handle or URL) and
//! `/api/v1/search/video-playlists`.

use super::channel_json;
use super::videos::{Paging, VideoQuery, page_json};
use crate::AppState;
use crate::auth::MaybeUser;
use crate::error::ApiResult;
use axum::Json;
use axum::extract::{Query, State};
use ruche_tube::videos::Sort;
use serde::Deserialize;
use serde_json::{Value, json};

/// `GET /api/v1/search/videos?search=…`: best match first unless sorted otherwise.
pub async fn videos(
    State(st): State<AppState>,
    user: MaybeUser,
    mut q: VideoQuery,
) -> ApiResult<Json<Value>> {
    if q.lives_only {
        return Ok(Json(json!({ "total": 0, "data": [] })));
    }
    if !q.sorted {
        q.filter.sort = Sort::Match;
        q.filter.newest_first = true;
    }
    let text = q.search.take().unwrap_or_default();
    let (rows, total) =
        ruche_tube::search::videos(&st.tube, user.user.as_ref(), &text, q.filter).await?;
    Ok(page_json(&st, &rows, total))
}

#[derive(Deserialize, Default)]
pub struct ChannelSearch {
    search: Option<String>,
    #[serde(flatten)]
    paging: Paging,
}

/// `GET /api/v1/search/video-channels?search=…`.
pub async fn channels(
    State(st): State<AppState>,
    user: MaybeUser,
    Query(q): Query<ChannelSearch>,
) -> ApiResult<Json<Value>> {
    let f = q.paging.filter()?;
    let text = q.search.unwrap_or_default();
    let (rows, total) =
        ruche_tube::search::channels(&st.tube, user.user.as_ref(), &text, f.start, f.count).await?;
    let (base, host) = (&st.tube.settings.public_url, st.tube.settings.host());
    let mut data = Vec::new();
    for ch in &rows {
        let owner = ruche_tube::accounts::account(&st.tube, ch.account_id).await?;
        data.push(channel_json(base, &host, ch, Some(&owner)));
    }
    Ok(Json(json!({ "total": total, "data": data })))
}

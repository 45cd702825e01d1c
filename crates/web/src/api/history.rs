//! A user's video history on the API, as PeerTube's: `PUT /api/v1/videos/{id}/watching`, and
//! `/api/v1/users/me/history/videos` (list, `…/{videoId}` to forget one, `…/remove` to forget
//! up to a date).

use super::body::Body;
use super::video_json;
use super::videos::Paging;
use crate::AppState;
use crate::auth::{ApiUser, VideoPassword};
use crate::error::ApiResult;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use ruche_tube::{TubeError, history, videos};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Watching {
    current_time: Value,
}

/// `PUT /api/v1/videos/{id}/watching`: where the user is in the video (`currentTime`, seconds).
pub async fn watching(
    State(st): State<AppState>,
    ApiUser(user): ApiUser,
    password: VideoPassword,
    Path(id): Path<String>,
    Body(b): Body<Watching>,
) -> ApiResult<StatusCode> {
    let at = history::position(&b.current_time)
        .ok_or_else(|| TubeError::BadRequest("Incorrect request parameters: currentTime".into()))?;
    let v = videos::find_visible_with(&st.tube, &id, Some(&user), password.get()).await?;
    history::record(&st.tube, &user, &v, at).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct HistoryQuery {
    search: Option<String>,
    #[serde(flatten)]
    paging: Paging,
}

/// `GET /api/v1/users/me/history/videos`: what the user watched, last first, each video with
/// `userHistory.currentTime`.
pub async fn list(
    State(st): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<HistoryQuery>,
) -> ApiResult<Json<Value>> {
    let page = q.paging.filter()?;
    let search: Option<String> = q.search.as_deref().map(|s| s.chars().take(100).collect());
    let (rows, total) =
        history::list(&st.tube, &user, search.as_deref(), page.start, page.count).await?;
    let (base, host) = (&st.tube.settings.public_url, st.tube.settings.host());
    let data: Vec<Value> = rows
        .iter()
        .map(|(v, at)| {
            let mut j = video_json(base, &host, v, false);
            j["userHistory"] = json!({ "currentTime": at });
            j
        })
        .collect();
    Ok(Json(json!({ "total": total, "data": data })))
}

/// `DELETE /api/v1/users/me/history/videos/{videoId}`.
pub async fn forget(
    State(st): State<AppState>,
    ApiUser(user): ApiUser,
    Path(video_id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = video_id
        .parse::<i64>()
        .map_err(|_| TubeError::BadRequest("Incorrect request parameters: videoId".into()))?;
    history::forget(&st.tube, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RemoveBody {
    before_date: Option<String>,
}

/// `POST /api/v1/users/me/history/videos/remove`: forgets what was watched before `beforeDate`
/// (an ISO date), or everything.
pub async fn remove(
    State(st): State<AppState>,
    ApiUser(user): ApiUser,
    Body(b): Body<RemoveBody>,
) -> ApiResult<StatusCode> {
    let before = match b.before_date.as_deref().filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => Some(ruche_domain::time::parse_date(d).ok_or_else(|| {
            TubeError::BadRequest("Incorrect request parameters: beforeDate".into())
        })?),
    };
    history::forget_before(&st.tube, &user, before).await?;
    Ok(StatusCode::NO_CONTENT)
}

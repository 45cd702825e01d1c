//! The instance's directory on the API: `GET /accounts` and `/video-channels` (everyone known
//! here), an account's or a channel's followers (its owner and moderators), an account's
//! ratings (its owner).

use super::videos::Paging;
use super::{account_json, channel_json, count_follows, video_json};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::ApiResult;
use axum::Json;
use axum::extract::{Path, Query, State};
use ruche_tube::directory::{self, ActorSort, Page};
use ruche_tube::{TubeError, accounts, channels};
use serde::Deserialize;
use serde_json::{Value, json};

/// The page a query asks for, sorted by one of PeerTube's account or channel columns.
fn actor_page(p: &Paging) -> ApiResult<Page<ActorSort>> {
    let f = p.filter()?;
    let (sort, descending) = p.sorted(ActorSort::parse, (ActorSort::Created, true))?;
    Ok(Page {
        start: f.start,
        count: f.count,
        sort,
        descending,
    })
}

/// The page a query asks for, in creation order (`createdAt` or `-createdAt`, the default).
fn created_page(p: &Paging) -> ApiResult<Page<()>> {
    let f = p.filter()?;
    Ok(Page {
        start: f.start,
        count: f.count,
        sort: (),
        descending: p.newest_first()?,
    })
}

/// `GET /api/v1/accounts`: every account known here, ours and other instances'.
pub async fn accounts(
    State(st): State<AppState>,
    Query(p): Query<Paging>,
) -> ApiResult<Json<Value>> {
    let (rows, total) = directory::accounts(&st.tube, actor_page(&p)?).await?;
    let (base, host) = (&st.tube.settings.public_url, st.tube.settings.host());
    let mut data: Vec<Value> = rows.iter().map(|a| account_json(base, &host, a)).collect();
    count_follows(&st, &mut data).await?;
    Ok(Json(json!({ "total": total, "data": data })))
}

/// `GET /api/v1/video-channels`: every channel known here, with its account.
pub async fn channels(
    State(st): State<AppState>,
    Query(p): Query<Paging>,
) -> ApiResult<Json<Value>> {
    let (rows, total) = directory::channels(&st.tube, actor_page(&p)?).await?;
    let (base, host) = (&st.tube.settings.public_url, st.tube.settings.host());
    let mut data: Vec<Value> = rows
        .iter()
        .map(|(ch, a)| channel_json(base, &host, ch, Some(a)))
        .collect();
    count_follows(&st, &mut data).await?;
    Ok(Json(json!({ "total": total, "data": data })))
}

/// `{total, data}` of follows in PeerTube's `ActorFollow` shape.
async fn follows_page(
    st: &AppState,
    rows: &[ruche_tube::federation::follows::Follow],
    total: i64,
) -> ApiResult<Json<Value>> {
    let mut data = Vec::with_capacity(rows.len());
    for f in rows {
        data.push(super::follows::follow_json(st, f).await?);
    }
    Ok(Json(json!({ "total": total, "data": data })))
}

/// `GET /api/v1/accounts/{name}/followers`: who follows the account or one of its channels.
pub async fn account_followers(
    State(st): State<AppState>,
    ApiUser(user): ApiUser,
    Path(name): Path<String>,
    Query(p): Query<Paging>,
) -> ApiResult<Json<Value>> {
    let a = accounts::account_by_handle(&st.tube, &name).await?;
    let (rows, total) =
        directory::account_followers(&st.tube, &user, &a, created_page(&p)?).await?;
    follows_page(&st, &rows, total).await
}

/// `GET /api/v1/video-channels/{handle}/followers`: who follows the channel.
pub async fn channel_followers(
    State(st): State<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
    Query(p): Query<Paging>,
) -> ApiResult<Json<Value>> {
    let ch = channels::by_handle(&st.tube, &handle).await?;
    let (rows, total) =
        directory::channel_followers(&st.tube, &user, &ch, created_page(&p)?).await?;
    follows_page(&st, &rows, total).await
}

#[derive(Deserialize)]
pub struct RatingQuery {
    rating: Option<String>,
    #[serde(flatten)]
    paging: Paging,
}

/// `GET /api/v1/accounts/{name}/ratings`: the account's likes and dislikes (`rating=like` or
/// `dislike` for one kind), for its owner.
pub async fn ratings(
    State(st): State<AppState>,
    ApiUser(user): ApiUser,
    Path(name): Path<String>,
    Query(q): Query<RatingQuery>,
) -> ApiResult<Json<Value>> {
    let kind = match q.rating.as_deref() {
        None => None,
        Some(k @ ("like" | "dislike")) => Some(k),
        Some(_) => {
            return Err(
                TubeError::BadRequest("Incorrect request parameters: rating".into()).into(),
            );
        }
    };
    let a = accounts::account_by_handle(&st.tube, &name).await?;
    let (rows, total) =
        directory::ratings(&st.tube, &user, &a, kind, created_page(&q.paging)?).await?;
    let (base, host) = (&st.tube.settings.public_url, st.tube.settings.host());
    let data: Vec<Value> = rows
        .iter()
        .map(|r| json!({ "video": video_json(base, &host, &r.video, false), "rating": r.kind }))
        .collect();
    Ok(Json(json!({ "total": total, "data": data })))
}

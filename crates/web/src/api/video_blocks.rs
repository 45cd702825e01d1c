//! Video blocks on the API, PeerTube's `/api/v1/videos/{id}/blacklist` and
//! `/api/v1/videos/blacklist` (`docs/research/peertube-video-blocks.md`).

use super::body::Body;
use super::video_json;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::ApiResult;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use ruche_domain::time::iso;
use ruche_tube::video_blocks::{self, Filter, Order};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
pub struct NewBlock {
    reason: Option<String>,
    unfederate: Option<bool>,
}

/// `POST /api/v1/videos/{id}/blacklist` (moderators): 204.
pub async fn block(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    Body(b): Body<NewBlock>,
) -> ApiResult<StatusCode> {
    video_blocks::block(
        &st.tube,
        &u,
        &id,
        b.reason.as_deref(),
        b.unfederate.unwrap_or(false),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct Reason {
    reason: Option<String>,
}

/// `PUT /api/v1/videos/{id}/blacklist` (moderators): the reason; 204.
pub async fn update(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    Body(b): Body<Reason>,
) -> ApiResult<StatusCode> {
    video_blocks::set_reason(&st.tube, &u, &id, b.reason.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/videos/{id}/blacklist` (moderators): unblocks, and approves a video that
/// waited; 204.
pub async fn unblock(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    video_blocks::unblock(&st.tube, &u, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The list's query, PeerTube's: paging, `sort` (the block's `id` or `createdAt`, the video's
/// `name`, `duration`, `views`, `likes`, `dislikes`, `uuid`; `-createdAt` by default), `type`
/// (1 or 2), `search` (not empty).
fn filter_of(raw: Option<&str>) -> ApiResult<Filter> {
    let bad = super::query::bad;
    let mut f = Filter::default();
    let page = super::query::read(raw, |k, v| {
        match k {
            "type" => {
                let kind = v.trim().parse::<i64>().ok().filter(|k| (1..=2).contains(k));
                f.kind = Some(kind.ok_or_else(|| bad("type"))?);
            }
            "search" => {
                let s = v.trim();
                if s.is_empty() {
                    return Err(bad("search"));
                }
                f.search = Some(s.to_string());
            }
            _ => {}
        }
        Ok(())
    })?;
    let (descending, column) = page.sort.unwrap_or((true, "createdAt".into()));
    let order = match column.as_str() {
        "createdAt" => Order::Created,
        "id" => Order::Id,
        "name" => Order::Name,
        "duration" => Order::Duration,
        "views" => Order::Views,
        "likes" => Order::Likes,
        "dislikes" => Order::Dislikes,
        "uuid" => Order::Uuid,
        _ => return Err(bad("sort")),
    };
    Ok(Filter {
        order,
        descending,
        start: page.start,
        count: page.count,
        ..f
    })
}

/// `GET /api/v1/videos/blacklist` (moderators): `VideoBlacklist` items, each with its video.
pub async fn list(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let f = filter_of(raw.as_deref())?;
    let (rows, total) = video_blocks::list(&st.tube, &u, &f).await?;
    let (base, host) = (&st.tube.settings.public_url, st.tube.settings.host());
    let data: Vec<Value> = rows
        .iter()
        .map(|(b, v)| {
            json!({
                "id": b.id,
                "createdAt": iso(b.created_at),
                "updatedAt": iso(b.updated_at),
                "reason": b.reason,
                "unfederated": b.unfederated,
                "type": b.kind,
                "video": video_json(base, &host, v, false),
            })
        })
        .collect();
    Ok(Json(json!({ "total": total, "data": data })))
}

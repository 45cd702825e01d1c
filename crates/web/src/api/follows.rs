//! Follows on the API, in PeerTube's shapes: the instance's follows (`/api/v1/server/following`
//! and `/followers`, administrators choose whom to follow and who may follow), "copy the follows
//! of another instance", and users' subscriptions to channels (`/api/v1/users/me/subscriptions`,
//! `name@host` handles).

use super::body::Body;
use super::channel_json;
use super::users::require_role;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::ApiResult;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ruche_domain::time::iso;
use ruche_tube::TubeError;
use ruche_tube::federation::follows::{self, Follow, FollowState, Party, Side};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    start: i64,
    count: Option<i64>,
    state: Option<String>,
}

/// PeerTube's `Actor` for one end of a follow. Actor ids are ours to give: 1 for our
/// instance (as on PeerTube, whose own actor comes first), 1 + their row for other instances'.
async fn actor_json(st: &AppState, url: &str) -> ApiResult<Value> {
    Ok(match follows::party(&st.tube, url).await? {
        Party::Ours { name, since_ms } => json!({
            "id": 1, "url": url, "name": name, "host": st.tube.settings.host(), "avatars": [],
            "hostRedundancyAllowed": false, "followingCount": 0, "followersCount": 0,
            "createdAt": iso(since_ms), "updatedAt": iso(since_ms),
        }),
        Party::Remote(a) => json!({
            "id": a.id + 1, "url": a.url, "name": a.username, "host": a.host, "avatars": [],
            "hostRedundancyAllowed": false, "followingCount": 0, "followersCount": 0,
            "createdAt": iso(a.fetched_at), "updatedAt": iso(a.fetched_at),
        }),
    })
}

/// PeerTube's `ActorFollow`.
pub(crate) async fn follow_json(st: &AppState, f: &Follow) -> ApiResult<Value> {
    Ok(json!({
        "id": f.id,
        "follower": actor_json(st, &f.follower).await?,
        "following": actor_json(st, &f.following).await?,
        // PeerTube's reachability score; ours is kept per instance, not per follow.
        "score": 1000,
        "state": f.state.as_str(),
        "createdAt": iso(f.created_at),
        "updatedAt": iso(f.updated_at),
    }))
}

async fn list(st: &AppState, side: Side, q: &ListQuery) -> ApiResult<Json<Value>> {
    let state = q.state.clone().and_then(|s| FollowState::try_from(s).ok());
    let (rows, total) = follows::of_instance(
        &st.tube,
        side,
        state,
        q.start.max(0),
        q.count.unwrap_or(15).clamp(1, 100),
    )
    .await?;
    let mut data = Vec::with_capacity(rows.len());
    for f in &rows {
        data.push(follow_json(st, f).await?);
    }
    Ok(Json(json!({ "total": total, "data": data })))
}

/// `GET /api/v1/server/following`: whom the instance follows (public, as on PeerTube).
pub async fn following(
    State(st): State<AppState>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    list(&st, Side::Following, &q).await
}

/// `GET /api/v1/server/followers`: who follows the instance.
pub async fn followers(
    State(st): State<AppState>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    list(&st, Side::Followers, &q).await
}

#[derive(Deserialize)]
pub struct FollowBody {
    #[serde(default)]
    hosts: Vec<String>,
    #[serde(default)]
    handles: Vec<String>,
}

/// `POST /api/v1/server/following` `{"hosts": [...], "handles": [...]}` (administrators): 204.
pub async fn follow(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Body(b): Body<FollowBody>,
) -> ApiResult<Response> {
    require_role(&u, false)?;
    let mut all = b.hosts;
    all.extend(b.handles);
    if all.is_empty() {
        return Err(TubeError::BadRequest("give hosts or handles to follow".into()).into());
    }
    follows::follow_hosts(&st.tube, &all).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /api/v1/server/following/{hostOrHandle}` (administrators): 204.
pub async fn unfollow(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(target): Path<String>,
) -> ApiResult<Response> {
    require_role(&u, false)?;
    follows::unfollow_host(&st.tube, &target).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
pub struct CopyBody {
    host: String,
}

/// `POST /api/v1/server/following/copy` `{"host": "..."}` (administrators): follows every
/// instance that instance follows; answers the hosts newly followed.
pub async fn copy(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Body(b): Body<CopyBody>,
) -> ApiResult<Json<Value>> {
    require_role(&u, false)?;
    let added = follows::copy_follows(&st.tube, &b.host).await?;
    Ok(Json(json!({ "followed": added })))
}

/// `POST /api/v1/server/followers/{handle}/accept` and `/reject` (administrators): 204.
pub async fn decide(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path((handle, what)): Path<(String, String)>,
) -> ApiResult<Response> {
    require_role(&u, false)?;
    let decision = match what.as_str() {
        "accept" => follows::Decision::Accept,
        "reject" => follows::Decision::Reject,
        _ => return Err(TubeError::NotFound("action").into()),
    };
    let f = follows::instance_follower(&st.tube, &handle).await?;
    follows::decide(&st.tube, f.id, decision).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /api/v1/server/followers/{handle}` (administrators): 204.
pub async fn remove_follower(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(handle): Path<String>,
) -> ApiResult<Response> {
    require_role(&u, false)?;
    let f = follows::instance_follower(&st.tube, &handle).await?;
    follows::decide(&st.tube, f.id, follows::Decision::Remove).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
pub struct SubscribeBody {
    uri: String,
}

/// `POST /api/v1/users/me/subscriptions` `{"uri": "channel@host"}`: the user's account follows
/// the channel (a `Follow` is sent to another instance's). 204.
pub async fn subscribe(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Body(b): Body<SubscribeBody>,
) -> ApiResult<Response> {
    follows::subscribe(&st.tube, &u, &b.uri).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /api/v1/users/me/subscriptions/{handle}`: 204.
pub async fn unsubscribe(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(handle): Path<String>,
) -> ApiResult<Response> {
    follows::unsubscribe(&st.tube, &u, &handle).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/v1/users/me/subscriptions`: the channels the user follows (accepted or pending).
pub async fn subscriptions(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    let (rows, total) = follows::subscriptions(
        &st.tube,
        &u,
        q.start.max(0),
        q.count.unwrap_or(15).clamp(1, 100),
    )
    .await?;
    let (base, host) = (st.tube.settings.public_url.clone(), st.tube.settings.host());
    let data: Vec<Value> = rows
        .iter()
        .map(|(ch, owner)| channel_json(&base, &host, ch, Some(owner)))
        .collect();
    Ok(Json(json!({ "total": total, "data": data })))
}

/// `GET /api/v1/users/me/subscriptions/exist?uris=a@host&uris=b@host`: for each handle asked,
/// whether the caller follows that channel.
pub async fn subscriptions_exist(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    uri: axum::http::Uri,
) -> ApiResult<Json<Value>> {
    let mut out = serde_json::Map::new();
    for (k, v) in form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()) {
        if crate::api::body::list_key(&k) != "uris" {
            continue;
        }
        for handle in v.split(',').map(str::trim).filter(|h| !h.is_empty()) {
            if out.len() >= 100 {
                return Err(ruche_tube::TubeError::BadRequest(
                    "Incorrect request parameters: uris (at most 100)".into(),
                )
                .into());
            }
            let yes = ruche_tube::federation::follows::is_subscribed(&st.tube, &u, handle).await?;
            out.insert(handle.to_string(), json!(yes));
        }
    }
    if out.is_empty() {
        return Err(
            ruche_tube::TubeError::BadRequest("Incorrect request parameters: uris".into()).into(),
        );
    }
    Ok(Json(Value::Object(out)))
}

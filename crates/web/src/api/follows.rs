//! Follows on the API, in PeerTube's shapes: the instance's follows (`/api/v1/server/following`
//! and `/followers`, administrators choose whom to follow and who may follow), "copy the follows
//! of another instance", and users' subscriptions to channels (`/api/v1/users/me/subscriptions`,
//! `name@host` handles).

use super::channel_json;
use super::users::require_role;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::ApiResult;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ruche_federation::ap;
use ruche_store::federation::{self as fstore, Follow, Side};
use ruche_store::iso;
use ruche_tube::TubeError;
use ruche_tube::federation::{self as fed, INSTANCE_ACTOR, Signer, follows};
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
    let base = fed::base(&st.tube);
    let mut c = st.tube.store.read().await?;
    if let Some(path) = url.strip_prefix(base).and_then(|p| p.strip_prefix('/')) {
        let name = path.rsplit('/').next().unwrap_or(INSTANCE_ACTOR);
        let since = ruche_store::users::user_by_id(c.ex(), 1)
            .await
            .map(|u| u.created_at)
            .unwrap_or_default();
        return Ok(json!({
            "id": 1, "url": url, "name": name, "host": st.tube.settings.host(), "avatars": [],
            "hostRedundancyAllowed": false, "followingCount": 0, "followersCount": 0,
            "createdAt": iso(since), "updatedAt": iso(since),
        }));
    }
    let a = fstore::actor_by_url(c.ex(), url)
        .await?
        .ok_or(TubeError::NotFound("actor"))?;
    Ok(json!({
        "id": a.id + 1, "url": a.url, "name": a.username, "host": a.host, "avatars": [],
        "hostRedundancyAllowed": false, "followingCount": 0, "followersCount": 0,
        "createdAt": iso(a.fetched_at), "updatedAt": iso(a.fetched_at),
    }))
}

async fn follow_json(st: &AppState, f: &Follow) -> ApiResult<Value> {
    Ok(json!({
        "id": f.id,
        "follower": actor_json(st, &f.follower).await?,
        "following": actor_json(st, &f.following).await?,
        // PeerTube's reachability score; ours is kept per instance, not per follow.
        "score": 1000,
        "state": f.state,
        "createdAt": iso(f.created_at),
        "updatedAt": iso(f.updated_at),
    }))
}

async fn list(st: &AppState, side: Side, q: &ListQuery) -> ApiResult<Json<Value>> {
    let me = fed::instance_url(fed::base(&st.tube));
    let state = q
        .state
        .as_deref()
        .filter(|s| matches!(*s, "pending" | "accepted" | "rejected"));
    let (rows, total) = {
        let mut c = st.tube.store.read().await?;
        fstore::follows_of(
            c.ex(),
            &me,
            side,
            state,
            q.start.max(0),
            q.count.unwrap_or(15).clamp(1, 100),
        )
        .await?
    };
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
    Json(b): Json<FollowBody>,
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
    Json(b): Json<CopyBody>,
) -> ApiResult<Json<Value>> {
    require_role(&u, false)?;
    let added = follows::copy_follows(&st.tube, &b.host).await?;
    Ok(Json(json!({ "followed": added })))
}

/// The follow of our instance by the instance or actor a handle names (`peertube@host`, or a
/// bare host).
async fn follower_by_handle(st: &AppState, handle: &str) -> ApiResult<Follow> {
    let me = fed::instance_url(fed::base(&st.tube));
    let (name, host) = ap::split_handle(handle).unwrap_or((INSTANCE_ACTOR, handle));
    let (rows, _) = {
        let mut c = st.tube.store.read().await?;
        fstore::follows_of(c.ex(), &me, Side::Followers, None, 0, 10_000).await?
    };
    for f in rows {
        let mut c = st.tube.store.read().await?;
        if let Some(a) = fstore::actor_by_url(c.ex(), &f.follower).await?
            && a.host.eq_ignore_ascii_case(host)
            && a.username.eq_ignore_ascii_case(name)
        {
            return Ok(f);
        }
    }
    Err(TubeError::NotFound("follower").into())
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
    let f = follower_by_handle(&st, &handle).await?;
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
    let f = follower_by_handle(&st, &handle).await?;
    follows::decide(&st.tube, f.id, follows::Decision::Remove).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The channel a subscription handle names, its actor URL, and whether it is ours.
async fn channel_actor(st: &AppState, handle: &str) -> ApiResult<String> {
    let base = fed::base(&st.tube);
    match super::users::local_name(st, handle) {
        Some(name) => {
            let ch = super::users::find_channel(st, name).await?;
            Ok(fed::channel_url(base, &ch.name))
        }
        None => Ok(ruche_tube::federation::remote::webfinger(&st.tube, handle).await?),
    }
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
    Json(b): Json<SubscribeBody>,
) -> ApiResult<Response> {
    let account = {
        let mut c = st.tube.store.read().await?;
        ruche_store::users::account_of_user(c.ex(), u.id).await?
    };
    let target = channel_actor(&st, b.uri.trim()).await?;
    if target.starts_with(&format!("{}/", fed::base(&st.tube))) {
        // A channel of ours: nothing to send, the subscription is at once in force.
        let me = fed::account_url(fed::base(&st.tube), &account.name);
        let mut tx = st.tube.store.begin().await?;
        let id = format!("{me}/follows/{}", uuid::Uuid::new_v4());
        fstore::upsert_follow(tx.ex(), &me, &target, follows::ACCEPTED, &id).await?;
        tx.commit().await?;
    } else {
        follows::follow_actor(&st.tube, Signer::Account(account.id), &target).await?;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /api/v1/users/me/subscriptions/{handle}`: 204.
pub async fn unsubscribe(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(handle): Path<String>,
) -> ApiResult<Response> {
    let account = {
        let mut c = st.tube.store.read().await?;
        ruche_store::users::account_of_user(c.ex(), u.id).await?
    };
    let ch = super::users::find_channel(&st, &handle).await?;
    let target = ch
        .url
        .clone()
        .unwrap_or_else(|| fed::channel_url(fed::base(&st.tube), &ch.name));
    if ch.url.is_some() {
        follows::unfollow_actor(&st.tube, Signer::Account(account.id), &target).await?;
    } else {
        let me = fed::account_url(fed::base(&st.tube), &account.name);
        let mut tx = st.tube.store.begin().await?;
        fstore::delete_follow(tx.ex(), &me, &target).await?;
        tx.commit().await?;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/v1/users/me/subscriptions`: the channels the user follows (accepted or pending).
pub async fn subscriptions(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    let mut c = st.tube.store.read().await?;
    let account = ruche_store::users::account_of_user(c.ex(), u.id).await?;
    let me = fed::account_url(fed::base(&st.tube), &account.name);
    let (rows, total) = fstore::follows_of(
        c.ex(),
        &me,
        Side::Following,
        None,
        q.start.max(0),
        q.count.unwrap_or(15).clamp(1, 100),
    )
    .await?;
    let (base, host) = (st.tube.settings.public_url.clone(), st.tube.settings.host());
    let mut data = Vec::new();
    for f in rows {
        let ch = match fstore::actor_by_url(c.ex(), &f.following).await? {
            Some(a) => match a.channel_id {
                Some(id) => ruche_store::users::channel_by_id(c.ex(), id).await?,
                None => None,
            },
            None => match f.following.rsplit_once("/video-channels/") {
                Some((_, name)) => ruche_store::users::channel_by_name(c.ex(), name).await?,
                None => None,
            },
        };
        if let Some(ch) = ch {
            let owner = ruche_store::users::account_by_id(c.ex(), ch.account_id).await?;
            data.push(channel_json(&base, &host, &ch, Some(&owner)));
        }
    }
    Ok(Json(json!({ "total": total, "data": data })))
}

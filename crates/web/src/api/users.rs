//! Accounts on the API: instance config, OAuth, users, sign-up and registrations, channels.

use super::body::Body;
use super::{account_json, channel_json, count_follows};
use crate::AppState;
use crate::auth::{ApiUser, ClientAddr};
use crate::error::ApiResult;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ruche_domain::time::iso;
use ruche_domain::user::Role;
use ruche_tube::accounts::{self, NewAccount, SignedUp, User};
use ruche_tube::channels;
use ruche_tube::{TubeError, auth};
use serde::Deserialize;
use serde_json::{Value, json};

pub(crate) fn require_role(u: &User, moderator_ok: bool) -> ApiResult<()> {
    match u.role {
        Role::Admin => Ok(()),
        Role::Moderator if moderator_ok => Ok(()),
        _ => Err(TubeError::Forbidden("You are not allowed to do this.".into()).into()),
    }
}

pub async fn oauth_client(State(st): State<AppState>) -> ApiResult<Json<Value>> {
    let (id, secret) = auth::local_client(&st.tube).await?;
    Ok(Json(json!({ "client_id": id, "client_secret": secret })))
}

#[derive(Deserialize)]
pub struct TokenForm {
    client_id: String,
    client_secret: String,
    grant_type: String,
    username: Option<String>,
    password: Option<String>,
    refresh_token: Option<String>,
}

/// `POST /api/v1/users/token`: both grants, limited per client address (and the password grant
/// per account too): 429 with `Retry-After` past the limits.
pub async fn token(
    State(st): State<AppState>,
    ClientAddr(from): ClientAddr,
    Body(f): Body<TokenForm>,
) -> ApiResult<Response> {
    let pair = match f.grant_type.as_str() {
        "password" => {
            auth::password_grant(
                &st.tube,
                from,
                &f.client_id,
                &f.client_secret,
                f.username.as_deref().unwrap_or_default(),
                f.password.as_deref().unwrap_or_default(),
            )
            .await?
        }
        "refresh_token" => {
            auth::refresh_grant(
                &st.tube,
                from,
                &f.client_id,
                &f.client_secret,
                f.refresh_token.as_deref().unwrap_or_default(),
            )
            .await?
        }
        other => {
            return Err(TubeError::BadRequest(format!("Unsupported grant type {other}")).into());
        }
    };
    Ok(Json(pair).into_response())
}

pub async fn revoke_token(
    State(st): State<AppState>,
    headers: axum::http::HeaderMap,
    _user: ApiUser,
) -> ApiResult<Json<Value>> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' ').map(|(_, t)| t.trim().to_string()))
        .ok_or(TubeError::Unauthorized)?;
    auth::revoke(&st.tube, &token).await?;
    Ok(Json(json!({})))
}

/// PeerTube's `User` as `GET /api/v1/users/me` returns it.
pub(crate) async fn me_json(st: &AppState, user: User) -> ApiResult<Value> {
    let watch_later = ruche_tube::playlists::watch_later(&st.tube, &user).await?;
    let mut j = user_json(st, user, true).await?;
    j["videoChannelCollaborations"] = json!([]);
    j["specialPlaylists"] = json!([{ "id": watch_later.id, "name": watch_later.name, "type": 2 }]);
    Ok(j)
}

/// PeerTube's `User` as its administrators' routes show it: with their channels (one user) or
/// not (a list), the quota they use, and the ban's reason.
pub(crate) async fn user_json(st: &AppState, user: User, with_channels: bool) -> ApiResult<Value> {
    let base = &st.tube.settings.public_url;
    let host = st.tube.settings.host();
    let notification_settings = ruche_tube::notifications::settings(&st.tube, &user).await?;
    let me = accounts::me(&st.tube, user).await?;
    let role = me.user.role;
    Ok(json!({
        "id": me.user.id,
        "username": me.user.username,
        "email": me.user.email,
        "emailVerified": true,
        "emailPublic": false,
        "pendingEmail": null,
        "nsfwPolicy": "display",
        "nsfwFlagsDisplayed": 0,
        "nsfwFlagsHidden": 0,
        "nsfwFlagsWarned": 0,
        "nsfwFlagsBlurred": 0,
        "p2pEnabled": true,
        "videosHistoryEnabled": me.user.history_enabled,
        "autoPlayVideo": true,
        // Ruche's watch page does not play on after a video; its playlist page does.
        "autoPlayNextVideo": false,
        "autoPlayNextVideoPlaylist": true,
        "videoLanguages": null,
        "noInstanceConfigWarningModal": true,
        "noWelcomeModal": true,
        "noAccountSetupWarningModal": true,
        "newFeaturesInfoRead": 0,
        "adminFlags": 0,
        "lastLoginDate": null,
        "language": "en",
        "theme": "instance-default",
        "role": { "id": role.id(), "label": role.label() },
        "videoQuota": me.user.video_quota,
        "videoQuotaDaily": me.user.video_quota_daily,
        "videoQuotaUsed": me.quota_used,
        "videoQuotaUsedDaily": me.quota_used_daily,
        "blocked": me.user.blocked,
        "blockedReason": me.user.blocked_reason,
        "notificationSettings": super::notifications::settings_json(&notification_settings),
        "account": account_json(base, &host, &me.account),
        "videoChannels": if with_channels {
            me.channels.iter().map(|c| channel_json(base, &host, c, None)).collect::<Vec<_>>()
        } else {
            Vec::new()
        },
        "createdAt": iso(me.user.created_at),
        "twoFactorEnabled": false,
        "pluginAuth": null,
    }))
}

pub async fn me(State(st): State<AppState>, ApiUser(user): ApiUser) -> ApiResult<Json<Value>> {
    Ok(Json(me_json(&st, user).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateMe {
    password: Option<String>,
    current_password: Option<String>,
    display_name: Option<String>,
    description: Option<String>,
    videos_history_enabled: Option<bool>,
}

/// `PUT /api/v1/users/me`: the password (with the current one, as PeerTube asks), the display
/// name, the description, and whether the history is kept.
pub async fn update_me(
    State(st): State<AppState>,
    ApiUser(user): ApiUser,
    Body(b): Body<UpdateMe>,
) -> ApiResult<StatusCode> {
    if let Some(new) = &b.password {
        let current = b.current_password.as_deref().unwrap_or_default();
        accounts::change_password(&st.tube, &user, current, new, None).await?;
    }
    if let Some(on) = b.videos_history_enabled {
        ruche_tube::history::set_enabled(&st.tube, &user, on).await?;
    }
    super::profiles::update_my_profile(
        &st,
        &user,
        b.display_name.as_deref(),
        b.description.as_deref(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn quota_used(
    State(st): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Value>> {
    let me = accounts::me(&st.tube, user).await?;
    Ok(Json(
        json!({ "videoQuotaUsed": me.quota_used, "videoQuotaUsedDaily": me.quota_used_daily }),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateUser {
    username: String,
    email: String,
    password: String,
    role: i64,
    video_quota: Option<i64>,
    video_quota_daily: Option<i64>,
}

/// `POST /api/v1/users`: an admin creates an account (moderators may create plain users).
pub async fn create_user(
    State(st): State<AppState>,
    ApiUser(admin): ApiUser,
    Body(b): Body<CreateUser>,
) -> ApiResult<Json<Value>> {
    let role = Role::try_from(b.role)
        .map_err(|_| TubeError::BadRequest("The role is not valid.".into()))?;
    require_role(&admin, role == Role::User)?;
    let id = accounts::create_user(
        &st.tube,
        &NewAccount {
            username: &b.username,
            email: &b.email,
            password: &b.password,
            role,
            video_quota: b.video_quota,
            video_quota_daily: b.video_quota_daily,
        },
    )
    .await?;
    let account = accounts::account_of(&st.tube, id).await?;
    Ok(Json(
        json!({ "user": { "id": id, "account": { "id": account.id } } }),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Register {
    username: String,
    email: String,
    password: String,
    registration_reason: Option<String>,
}

/// `POST /api/v1/users/register`, when sign-up is open without approval. A taken e-mail address
/// is answered as a sign-up that went through (see `accounts::sign_up`).
pub async fn register(
    State(st): State<AppState>,
    ClientAddr(from): ClientAddr,
    Body(b): Body<Register>,
) -> ApiResult<Response> {
    if ruche_tube::instance::current(&st.tube)
        .await?
        .signup_requires_approval
    {
        return Err(TubeError::Forbidden(
            "Registrations require approval: use /api/v1/users/registrations/request.".into(),
        )
        .into());
    }
    accounts::sign_up(&st.tube, from, &b.username, &b.email, &b.password, "").await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/v1/users/registrations/request`, when sign-up requires approval.
pub async fn request_registration(
    State(st): State<AppState>,
    ClientAddr(from): ClientAddr,
    Body(b): Body<Register>,
) -> ApiResult<Json<Value>> {
    if !ruche_tube::instance::current(&st.tube)
        .await?
        .signup_requires_approval
    {
        return Err(TubeError::BadRequest(
            "Registrations do not require approval here: use /api/v1/users/register.".into(),
        )
        .into());
    }
    match accounts::sign_up(
        &st.tube,
        from,
        &b.username,
        &b.email,
        &b.password,
        b.registration_reason.as_deref().unwrap_or_default(),
    )
    .await?
    {
        SignedUp::Pending(id) => Ok(Json(
            json!({ "id": id, "state": { "id": 1, "label": "Pending" } }),
        )),
        SignedUp::User => Err(TubeError::Internal(
            "a sign-up by approval made a user without a moderator".into(),
        )
        .into()),
    }
}

pub async fn registrations(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
) -> ApiResult<Json<Value>> {
    require_role(&u, true)?;
    let regs = accounts::registrations(&st.tube).await?;
    let data: Vec<Value> = regs
        .iter()
        .map(|r| json!({
            "id": r.id, "username": r.username, "email": r.email, "registrationReason": r.reason,
            "state": { "id": r.state.id(), "label": r.state.label() }, "moderationResponse": r.moderation_response,
            "user": r.user_id.map(|id| json!({ "id": id })), "createdAt": iso(r.created_at),
        }))
        .collect();
    Ok(Json(json!({ "total": data.len(), "data": data })))
}

pub async fn accept_registration(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    require_role(&u, true)?;
    accounts::accept_registration(&st.tube, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Reject {
    moderation_response: Option<String>,
}

pub async fn reject_registration(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    body: Option<Json<Reject>>,
) -> ApiResult<StatusCode> {
    require_role(&u, true)?;
    let response = body
        .and_then(|b| b.0.moderation_response)
        .unwrap_or_default();
    accounts::reject_registration(&st.tube, id, &response).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateChannel {
    name: String,
    display_name: String,
    description: Option<String>,
    support: Option<String>,
}

pub async fn create_channel(
    State(st): State<AppState>,
    ApiUser(user): ApiUser,
    Body(b): Body<CreateChannel>,
) -> ApiResult<Json<Value>> {
    let id = channels::create(
        &st.tube,
        &user,
        &b.name,
        &b.display_name,
        b.description.as_deref(),
        b.support.as_deref(),
    )
    .await?;
    Ok(Json(json!({ "videoChannel": { "id": id } })))
}

/// `GET /api/v1/video-channels/{handle}`.
pub async fn channel(
    State(st): State<AppState>,
    Path(handle): Path<String>,
) -> ApiResult<Json<Value>> {
    let (ch, owner) = channels::with_owner(&st.tube, &handle).await?;
    let mut v = channel_json(
        &st.tube.settings.public_url,
        &st.tube.settings.host(),
        &ch,
        Some(&owner),
    );
    count_follows(&st, std::slice::from_mut(&mut v)).await?;
    Ok(Json(v))
}

/// `GET /api/v1/accounts/{name}`.
pub async fn account(
    State(st): State<AppState>,
    Path(handle): Path<String>,
) -> ApiResult<Json<Value>> {
    let a = accounts::account_by_handle(&st.tube, &handle).await?;
    let mut v = account_json(&st.tube.settings.public_url, &st.tube.settings.host(), &a);
    count_follows(&st, std::slice::from_mut(&mut v)).await?;
    Ok(Json(v))
}

/// `GET /api/v1/accounts/{name}/video-channels`.
pub async fn account_channels(
    State(st): State<AppState>,
    Path(handle): Path<String>,
) -> ApiResult<Json<Value>> {
    let a = accounts::account_by_handle(&st.tube, &handle).await?;
    let channels = channels::of_account(&st.tube, a.id).await?;
    let (base, host) = (&st.tube.settings.public_url, st.tube.settings.host());
    let mut data: Vec<Value> = channels
        .iter()
        .map(|ch| channel_json(base, &host, ch, Some(&a)))
        .collect();
    count_follows(&st, &mut data).await?;
    Ok(Json(json!({ "total": data.len(), "data": data })))
}

/// `GET /api/v1/users` (moderators): PeerTube's query (paging, `sort` by `id`, `username`,
/// `createdAt` or `role`, `-createdAt` by default; `search` in usernames and emails; `blocked`).
pub async fn list(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> ApiResult<Json<Value>> {
    use ruche_tube::user_admin::{UserFilter, UserOrder};
    let bad = super::query::bad;
    let mut f = UserFilter::default();
    let page = super::query::read(raw.as_deref(), |k, v| {
        match k {
            "search" => f.search = Some(v.trim().to_string()).filter(|s| !s.is_empty()),
            "blocked" => {
                f.blocked = Some(match v {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad("blocked")),
                })
            }
            _ => {}
        }
        Ok(())
    })?;
    let (descending, column) = page.sort.unwrap_or((true, "createdAt".into()));
    f.order = match column.as_str() {
        "createdAt" => UserOrder::Created,
        "id" => UserOrder::Id,
        "username" => UserOrder::Username,
        "role" => UserOrder::Role,
        _ => return Err(bad("sort")),
    };
    f.descending = descending;
    f.start = page.start;
    f.count = page.count;
    let (rows, total) = ruche_tube::user_admin::list(&st.tube, &u, &f).await?;
    let mut data = Vec::with_capacity(rows.len());
    for user in rows {
        data.push(user_json(&st, user, false).await?);
    }
    Ok(Json(json!({ "total": total, "data": data })))
}

/// `GET /api/v1/users/{id}` (moderators).
pub async fn get_user(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let user = ruche_tube::user_admin::get(&st.tube, &u, id).await?;
    Ok(Json(user_json(&st, user, true).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateUser {
    email: Option<String>,
    role: Option<i64>,
    video_quota: Option<i64>,
    video_quota_daily: Option<i64>,
    password: Option<String>,
}

/// `PUT /api/v1/users/{id}`: 204.
pub async fn update_user(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    Body(b): Body<UpdateUser>,
) -> ApiResult<StatusCode> {
    let role = b
        .role
        .map(|r| {
            Role::try_from(r)
                .map_err(|_| TubeError::BadRequest("Incorrect request parameters: role".into()))
        })
        .transpose()?;
    let change = ruche_tube::user_admin::Change {
        email: b.email,
        role,
        video_quota: b.video_quota,
        video_quota_daily: b.video_quota_daily,
        password: b.password,
    };
    ruche_tube::user_admin::update(&st.tube, &u, id, change).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct BanBody {
    reason: Option<String>,
}

/// `POST /api/v1/users/{id}/block`: 204.
pub async fn ban(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    Body(b): Body<BanBody>,
) -> ApiResult<StatusCode> {
    ruche_tube::user_admin::ban(&st.tube, &u, id, b.reason.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes user `id` with `delete` (which checks who may), then the pictures of their sites
/// that no one else holds.
pub(crate) async fn delete_user_with_media(
    st: &AppState,
    id: i64,
    delete: impl std::future::Future<Output = Result<(), TubeError>>,
) -> ApiResult<()> {
    let files: Vec<String> = st
        .media
        .library(&st.tube.store, id)
        .await
        .map_err(TubeError::from)?
        .into_iter()
        .map(|p| p.file)
        .collect();
    delete.await?;
    if let Err(e) = st.media.remove_unheld(&st.tube.store, &files).await {
        tracing::warn!(
            user = id,
            "pictures of a deleted user's sites not removed: {e}"
        );
    }
    Ok(())
}

/// `DELETE /api/v1/users/{id}` (moderators for users, administrators for anyone but root): 204.
pub async fn delete_user(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    delete_user_with_media(&st, id, ruche_tube::user_admin::delete(&st.tube, &u, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/users/me`: the user deletes their account and all they made; 204.
pub async fn delete_me(State(st): State<AppState>, ApiUser(u): ApiUser) -> ApiResult<StatusCode> {
    delete_user_with_media(&st, u.id, ruche_tube::user_admin::delete_me(&st.tube, &u)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/users/{id}/unblock`: 204.
pub async fn unban(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    ruche_tube::user_admin::unban(&st.tube, &u, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/server/audit-logs?startDate=…&endDate=…` (administrators): the entries in
/// that span (ISO 8601 dates; `startDate` required), oldest first.
pub async fn audit_logs(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> ApiResult<Json<Value>> {
    let bad = || -> crate::error::ApiError {
        TubeError::BadRequest("Should have a start date that conforms to ISO 8601".into()).into()
    };
    let (mut since, mut until) = (None, None);
    for (k, v) in form_urlencoded::parse(raw.as_deref().unwrap_or_default().as_bytes()) {
        let at = || ruche_domain::time::parse_date(&v).ok_or_else(bad);
        match k.as_ref() {
            "startDate" => since = Some(at()?),
            "endDate" => until = Some(at()?),
            _ => {}
        }
    }
    let since = since.ok_or_else(bad)?;
    let until = until.unwrap_or(i64::MAX);
    let entries = ruche_tube::audit::between(&st.tube, &u, since, until).await?;
    let data: Vec<Value> = entries
        .iter()
        .map(|e| {
            json!({
                "id": e.id,
                "timestamp": iso(e.at),
                "user": e.username,
                "domain": e.domain,
                "action": e.action,
                "target": e.target,
                "details": e.details.as_deref().and_then(|d| serde_json::from_str::<Value>(d).ok()),
            })
        })
        .collect();
    Ok(Json(Value::Array(data)))
}

//! User administration (`docs/research/peertube-user-admin.md`): moderators list and read
//! users; they change, ban, unban and delete plain users, administrators anyone but root. A
//! user deletes themselves too (`crate::deletion`). A ban ends the
//! user's tokens and sessions at once and refuses their logins; a new role or password ends them
//! too. Only administrators give a role other than *user* (PeerTube lets a moderator make an
//! administrator: not here). Every change is in the audit log.

use ruche_domain::user::Role;
use ruche_store::users::{self as store, User, UserChange};
pub use ruche_store::users::{UserFilter, UserOrder};
use serde_json::json;

use crate::{Tube, TubeError, TubeResult};

fn moderator(user: &User) -> TubeResult<()> {
    if user.role.can_moderate() {
        Ok(())
    } else {
        Err(TubeError::Forbidden(format!(
            "User {} does not have right to manage users.",
            user.username
        )))
    }
}

/// PeerTube's rule: administrators manage anyone, moderators plain users only.
fn may_manage(by: &User, target: &User) -> TubeResult<()> {
    match by.role {
        Role::Admin => Ok(()),
        Role::Moderator if target.role == Role::User => Ok(()),
        _ => Err(TubeError::Forbidden(
            "Users can only be managed by moderators or admins.".into(),
        )),
    }
}

async fn target(tube: &Tube, id: i64) -> TubeResult<User> {
    let mut c = tube.store.read().await?;
    match store::user_by_id(c.ex(), id).await {
        Ok(u) => Ok(u),
        Err(ruche_store::StoreError::NotFound) => Err(TubeError::NotFound("user")),
        Err(e) => Err(e.into()),
    }
}

fn named(u: &User) -> String {
    format!("user {} {}", u.id, u.username)
}

/// A page of users (moderators), and how many `f` selects.
pub async fn list(tube: &Tube, user: &User, f: &UserFilter) -> TubeResult<(Vec<User>, i64)> {
    moderator(user)?;
    let mut c = tube.store.read().await?;
    Ok(store::list_users(c.ex(), f).await?)
}

/// One user (moderators).
pub async fn get(tube: &Tube, user: &User, id: i64) -> TubeResult<User> {
    moderator(user)?;
    target(tube, id).await
}

/// What an administrator changes of a user (PeerTube's `PUT /api/v1/users/{id}`).
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub email: Option<String>,
    pub role: Option<Role>,
    pub video_quota: Option<i64>,
    pub video_quota_daily: Option<i64>,
    pub password: Option<String>,
}

pub async fn update(tube: &Tube, by: &User, id: i64, ch: Change) -> TubeResult<()> {
    moderator(by)?;
    let bad = |m: &str| TubeError::BadRequest(m.to_string());
    if ch.video_quota.is_some_and(|q| q < -1) || ch.video_quota_daily.is_some_and(|q| q < -1) {
        return Err(bad("Incorrect request parameters: videoQuota (-1 or more)"));
    }
    if let Some(e) = &ch.email {
        crate::accounts::check_email(e)?;
    }
    if let Some(p) = &ch.password {
        crate::accounts::check_password(p)?;
    }
    let t = target(tube, id).await?;
    if t.username == "root" && ch.role.is_some_and(|r| r != t.role) {
        return Err(bad("Cannot change root role."));
    }
    may_manage(by, &t)?;
    if ch.role.is_some_and(|r| r != Role::User) && by.role != Role::Admin {
        return Err(TubeError::Forbidden(
            "Only administrators make moderators and administrators.".into(),
        ));
    }
    let hash = match &ch.password {
        Some(p) => Some(crate::auth::hash_password(tube, p).await?),
        None => None,
    };
    let mut tx = tube.store.begin().await?;
    if let Some(e) = &ch.email
        && !e.eq_ignore_ascii_case(&t.email)
        && store::email_taken(tx.ex(), e).await?
    {
        return Err(TubeError::Conflict(
            "User with this email already exists.".into(),
        ));
    }
    store::change_user(
        tx.ex(),
        t.id,
        &UserChange {
            email: ch.email.as_deref(),
            role: ch.role,
            video_quota: ch.video_quota,
            video_quota_daily: ch.video_quota_daily,
            password_hash: hash.as_deref(),
        },
    )
    .await?;
    let details = json!({
        "email": ch.email.as_ref().map(|_| "changed"),
        "role": ch.role.map(|r| json!({ "from": t.role.label(), "to": r.label() })),
        "videoQuota": ch.video_quota,
        "videoQuotaDaily": ch.video_quota_daily,
        "password": ch.password.as_ref().map(|_| "changed"),
    });
    crate::audit::record(tx.ex(), by, "users", "update", &named(&t), details).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes user `id` and all they made (`crate::deletion`); never root.
pub async fn delete(tube: &Tube, by: &User, id: i64) -> TubeResult<()> {
    moderator(by)?;
    let t = target(tube, id).await?;
    if t.username == "root" {
        return Err(TubeError::BadRequest("Cannot remove the root user".into()));
    }
    may_manage(by, &t)?;
    crate::deletion::remove(tube, by, &t).await
}

/// A user deletes their own account and all they made; root cannot.
pub async fn delete_me(tube: &Tube, user: &User) -> TubeResult<()> {
    if user.username == "root" {
        return Err(TubeError::BadRequest(
            "You cannot delete your root account.".into(),
        ));
    }
    crate::deletion::remove(tube, user, user).await
}

/// Bans user `id` with an optional reason (3 to 250 characters): their tokens and sessions end.
pub async fn ban(tube: &Tube, by: &User, id: i64, reason: Option<&str>) -> TubeResult<()> {
    moderator(by)?;
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| !(3..=250).contains(&r.chars().count())) {
        return Err(TubeError::BadRequest(
            "Incorrect request parameters: reason (3 to 250 characters)".into(),
        ));
    }
    set_ban(tube, by, id, Some(reason.unwrap_or_default())).await
}

pub async fn unban(tube: &Tube, by: &User, id: i64) -> TubeResult<()> {
    moderator(by)?;
    set_ban(tube, by, id, None).await
}

async fn set_ban(tube: &Tube, by: &User, id: i64, ban: Option<&str>) -> TubeResult<()> {
    let t = target(tube, id).await?;
    if t.username == "root" {
        return Err(TubeError::BadRequest("Cannot block the root user".into()));
    }
    may_manage(by, &t)?;
    let mut tx = tube.store.begin().await?;
    store::set_blocked(tx.ex(), t.id, ban).await?;
    let (action, details) = match ban {
        Some(r) => ("block", json!({ "reason": (!r.is_empty()).then_some(r) })),
        None => ("unblock", serde_json::Value::Null),
    };
    crate::audit::record(tx.ex(), by, "users", action, &named(&t), details).await?;
    tx.commit().await?;
    tracing::info!(user = %t.username, action, by = %by.username, "user moderated");
    Ok(())
}

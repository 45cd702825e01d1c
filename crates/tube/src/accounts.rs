//! Users, sign-up (open, closed, by approval, with a user limit) and channels, with PeerTube's
//! rules and defaults.

use crate::auth::{MIN_PASSWORD_LEN, hash_password};
use crate::limiter::address_key;
use crate::{Tube, TubeError, TubeResult};
use ruche_domain::user::{RegistrationState, Role, check_username};
use ruche_store::StoreError;
use ruche_store::users::{self, NewUser};
pub use ruche_store::users::{Account, Channel, User};
use std::net::IpAddr;

pub(crate) fn check_email(email: &str) -> TubeResult<()> {
    let ok = email.len() <= 400
        && email
            .split_once('@')
            .is_some_and(|(a, d)| !a.is_empty() && d.contains('.'));
    if ok {
        Ok(())
    } else {
        Err(TubeError::BadRequest(
            "The email address is not valid.".into(),
        ))
    }
}

pub(crate) fn check_password(password: &str) -> TubeResult<()> {
    if password.chars().count() < MIN_PASSWORD_LEN || password.len() > 255 {
        return Err(TubeError::BadRequest(format!(
            "The password must be {MIN_PASSWORD_LEN} to 255 characters long."
        )));
    }
    Ok(())
}

fn taken(e: StoreError) -> TubeError {
    match e {
        StoreError::Conflict(_) => {
            TubeError::Conflict("This username or email is already taken.".into())
        }
        e => e.into(),
    }
}

/// What an account is created with.
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    pub role: Role,
    /// None: the instance defaults.
    pub video_quota: Option<i64>,
    pub video_quota_daily: Option<i64>,
}

/// Creates a user with its account and default channel (an administrator's doing: no user
/// limit, and a taken name or address is said as such).
pub async fn create_user(tube: &Tube, n: &NewAccount<'_>) -> TubeResult<i64> {
    check_username(n.username).map_err(|e| TubeError::BadRequest(format!("Username {e}.")))?;
    check_email(n.email)?;
    check_password(n.password)?;
    let hash = hash_password(tube, n.password).await?;
    match insert_user(tube, n, &hash, Via::Admin).await? {
        Inserted::User(id) => Ok(id),
        Inserted::EmailTaken => Err(TubeError::Conflict(
            "This username or email is already taken.".into(),
        )),
    }
}

/// Who creates a user, which decides how the user limit and a taken address are handled.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Via {
    /// An administrator, or a moderator accepting a request: no limit; conflicts said.
    Admin,
    /// A sign-up: under the user limit, checked in the inserting transaction; a taken e-mail
    /// address makes nothing and is not said.
    SignUp,
}

enum Inserted {
    User(i64),
    /// Nothing was made: the e-mail address belongs to someone already.
    EmailTaken,
}

fn name_unavailable() -> TubeError {
    TubeError::Conflict("This username is not available.".into())
}

fn signup_closed() -> TubeError {
    TubeError::Forbidden("User registration is not enabled.".into())
}

async fn insert_user(
    tube: &Tube,
    n: &NewAccount<'_>,
    hash: &str,
    via: Via,
) -> TubeResult<Inserted> {
    let cfg = crate::instance::current(tube).await?;
    let mut tx = tube.store.begin().await?;
    match via {
        Via::SignUp => {
            // Counted inside the transaction that inserts, holding the sign-up lock: concurrent
            // sign-ups cannot all see room for one more.
            let limit = cfg.signup_limit;
            let count = users::count_users_for_signup(tx.ex()).await?;
            if limit >= 0 && count >= limit {
                return Err(signup_closed());
            }
            if users::name_taken(tx.ex(), n.username).await? {
                return Err(name_unavailable());
            }
            if users::email_taken(tx.ex(), n.email).await? {
                return Ok(Inserted::EmailTaken);
            }
        }
        Via::Admin => {
            if users::name_or_email_taken(tx.ex(), n.username, n.email).await? {
                return Err(TubeError::Conflict(
                    "This username or email is already taken.".into(),
                ));
            }
        }
    }
    let id = users::create_user(
        tx.ex(),
        &NewUser {
            username: n.username,
            email: n.email,
            password_hash: hash,
            role: n.role,
            video_quota: n.video_quota.unwrap_or(cfg.video_quota),
            video_quota_daily: n.video_quota_daily.unwrap_or(cfg.video_quota_daily),
        },
    )
    .await
    .map_err(taken)?;
    // Its first channel, found by search at once.
    let account = users::account_of_user(tx.ex(), id).await?;
    for ch in users::channels_of_account(tx.ex(), account.id).await? {
        crate::index::index_channel(tx.ex(), ch.id).await?;
    }
    tx.commit().await?;
    Ok(Inserted::User(id))
}

/// Whether sign-up is possible now, as `GET /api/v1/config` reports it.
pub async fn signup_allowed(tube: &Tube) -> TubeResult<bool> {
    let s = crate::instance::current(tube).await?;
    if !s.signup_enabled {
        return Ok(false);
    }
    if s.signup_limit < 0 {
        return Ok(true);
    }
    let mut c = tube.store.read().await?;
    Ok(users::count_users(c.ex()).await? < s.signup_limit)
}

/// The outcome of a sign-up.
#[derive(Debug, PartialEq, Eq)]
pub enum SignedUp {
    /// The account is ready. (Also the answer when the e-mail address already has an account:
    /// nothing is made then, and nothing says so — a stranger must not learn which addresses
    /// have accounts here.)
    User,
    /// Waiting for a moderator (sign-up requires approval).
    Pending(i64),
}

/// Signs someone up from the client at `from`, or files their request when approval is
/// required. Limited per client address: only sign-ups that go through count (PeerTube's rule).
///
/// What a stranger learns: a taken *username* is said (usernames are public: every account has
/// its page); a taken *e-mail address* is not. PeerTube answers 409 "User with this username or
/// email already exists", which tells whoever tries a fresh username with someone's address
/// that this address has an account; here the answer is the one of a sign-up that went through
/// (same status, same body, one argon2 hash either way). With approval, the request is filed
/// as any other (its moderator sees the address is taken when accepting it), so even logging
/// in with it afterwards says "waiting for a moderator" as for anyone. Without approval or
/// e-mail verification, an account that was never made cannot log in: that, at the cost of a
/// sign-up (limited per address) and a login (limited too), is all that is left to learn.
pub async fn sign_up(
    tube: &Tube,
    from: IpAddr,
    username: &str,
    email: &str,
    password: &str,
    reason: &str,
) -> TubeResult<SignedUp> {
    if !signup_allowed(tube).await? {
        return Err(signup_closed());
    }
    let addr = address_key(from);
    tube.rates.signup.check(&addr)?;
    let done = register(tube, username, email, password, reason).await;
    if done.is_err() {
        tube.rates.signup.refund(&addr);
    }
    done
}

async fn register(
    tube: &Tube,
    username: &str,
    email: &str,
    password: &str,
    reason: &str,
) -> TubeResult<SignedUp> {
    check_username(username).map_err(|e| TubeError::BadRequest(format!("Username {e}.")))?;
    check_email(email)?;
    check_password(password)?;
    let approval = crate::instance::current(tube)
        .await?
        .signup_requires_approval;
    if approval && reason.trim().is_empty() {
        return Err(TubeError::BadRequest(
            "Please tell the moderators why you want an account.".into(),
        ));
    }
    // PeerTube's bound on a registration's reason.
    if reason.chars().count() > 3000 {
        return Err(TubeError::BadRequest(
            "The reason is longer than 3000 characters.".into(),
        ));
    }
    // A taken name is refused before the (costly) hash; it is checked again when inserting.
    let mut c = tube.store.read().await?;
    if users::name_taken(c.ex(), username).await? {
        return Err(name_unavailable());
    }
    drop(c);
    let hash = hash_password(tube, password).await?;
    if approval {
        let mut tx = tube.store.begin().await?;
        if users::name_taken(tx.ex(), username).await? {
            return Err(name_unavailable());
        }
        let id = users::create_registration(tx.ex(), username, email, &hash, reason).await?;
        tx.commit().await?;
        return Ok(SignedUp::Pending(id));
    }
    let n = NewAccount {
        username,
        email,
        password,
        role: Role::User,
        video_quota: None,
        video_quota_daily: None,
    };
    match insert_user(tube, &n, &hash, Via::SignUp).await? {
        Inserted::User(_) | Inserted::EmailTaken => Ok(SignedUp::User),
    }
}

/// Accepts a pending registration: the user is created with the password they chose.
pub async fn accept_registration(tube: &Tube, id: i64) -> TubeResult<i64> {
    let mut c = tube.store.read().await?;
    let r = users::registration(c.ex(), id)
        .await
        .map_err(|_| TubeError::NotFound("registration"))?;
    drop(c);
    if r.state != RegistrationState::Pending {
        return Err(TubeError::Conflict(
            "This registration was already processed.".into(),
        ));
    }
    let n = NewAccount {
        username: &r.username,
        email: &r.email,
        password: "",
        role: Role::User,
        video_quota: None,
        video_quota_daily: None,
    };
    // Mark it processed first so the names it holds are free for the user it becomes.
    let mut tx = tube.store.begin().await?;
    users::set_registration_state(tx.ex(), id, RegistrationState::Accepted, None, None).await?;
    tx.commit().await?;
    let inserted = match insert_user(tube, &n, &r.password_hash, Via::Admin).await {
        Ok(Inserted::User(uid)) => Ok(uid),
        Ok(Inserted::EmailTaken) => Err(TubeError::Conflict(
            "This username or email is already taken.".into(),
        )),
        Err(e) => Err(e),
    };
    match inserted {
        Ok(uid) => {
            let mut tx = tube.store.begin().await?;
            users::set_registration_state(
                tx.ex(),
                id,
                RegistrationState::Accepted,
                None,
                Some(uid),
            )
            .await?;
            tx.commit().await?;
            Ok(uid)
        }
        Err(e) => {
            let mut tx = tube.store.begin().await?;
            users::set_registration_state(tx.ex(), id, RegistrationState::Pending, None, None)
                .await?;
            tx.commit().await?;
            Err(e)
        }
    }
}

pub async fn reject_registration(tube: &Tube, id: i64, response: &str) -> TubeResult<()> {
    let mut tx = tube.store.begin().await?;
    let r = users::registration(tx.ex(), id)
        .await
        .map_err(|_| TubeError::NotFound("registration"))?;
    if r.state != RegistrationState::Pending {
        return Err(TubeError::Conflict(
            "This registration was already processed.".into(),
        ));
    }
    users::set_registration_state(
        tx.ex(),
        id,
        RegistrationState::Rejected,
        Some(response),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A user with their account, channels and quota use: what `GET /api/v1/users/me` shows.
pub struct Me {
    pub user: User,
    pub account: Account,
    pub channels: Vec<Channel>,
    pub quota_used: i64,
    pub quota_used_daily: i64,
}

pub async fn me(tube: &Tube, user: User) -> TubeResult<Me> {
    let mut c = tube.store.read().await?;
    let account = users::account_of_user(c.ex(), user.id).await?;
    let channels = users::channels_of_account(c.ex(), account.id).await?;
    let (quota_used, quota_used_daily) = ruche_store::videos::quota_used(c.ex(), user.id).await?;
    Ok(Me {
        user,
        account,
        channels,
        quota_used,
        quota_used_daily,
    })
}

/// A user's account.
pub async fn account_of(tube: &Tube, user_id: i64) -> TubeResult<Account> {
    let mut c = tube.store.read().await?;
    Ok(users::account_of_user(c.ex(), user_id).await?)
}

/// An account by its row id (ours or another instance's).
pub async fn account(tube: &Tube, id: i64) -> TubeResult<Account> {
    let mut c = tube.store.read().await?;
    Ok(users::account_by_id(c.ex(), id).await?)
}

/// The name a handle gives when it names one of ours (`name`, or `name@our-host`).
pub fn local_name<'a>(tube: &Tube, handle: &'a str) -> Option<&'a str> {
    match handle.split_once('@') {
        None => Some(handle),
        Some((name, host)) if host == tube.settings.host() => Some(name),
        Some(_) => None,
    }
}

/// An account by its handle: ours by name, another instance's (known here) by `name@host`.
pub async fn account_by_handle(tube: &Tube, handle: &str) -> TubeResult<Account> {
    let mut c = tube.store.read().await?;
    let found = match (local_name(tube, handle), handle.split_once('@')) {
        (Some(name), _) => users::local_account_by_name(c.ex(), name).await?,
        (None, Some((name, host))) => {
            ruche_store::federation::account_by_handle(c.ex(), name, host).await?
        }
        (None, None) => None,
    };
    found.ok_or(TubeError::NotFound("account"))
}

pub use ruche_store::users::Registration;

/// Every registration request, for moderators.
pub async fn registrations(tube: &Tube) -> TubeResult<Vec<Registration>> {
    let mut c = tube.store.read().await?;
    Ok(users::registrations(c.ex()).await?)
}

/// When the instance started: its first user's creation.
pub async fn started_ms(tube: &Tube) -> TubeResult<i64> {
    let mut c = tube.store.read().await?;
    Ok(users::user_by_id(c.ex(), 1)
        .await
        .map(|u| u.created_at)
        .unwrap_or_default())
}

/// Changes a password after checking the current one. Every other session and every token of
/// the user ends, so a leaked password stops working everywhere at once.
pub async fn change_password(
    tube: &Tube,
    user: &User,
    current: &str,
    new: &str,
    keep_session_cookie: Option<&str>,
) -> TubeResult<()> {
    // Guessing the current password (a session left open) is limited as logins of the account.
    let account = crate::auth::account_key(&user.username);
    tube.rates.account.check(&account)?;
    let ok = match crate::auth::verify_password(tube, &user.password_hash, current).await {
        Ok(ok) => ok,
        Err(e) => {
            tube.rates.account.refund(&account);
            return Err(e);
        }
    };
    if !ok {
        return Err(TubeError::BadRequest(
            "The current password is wrong.".into(),
        ));
    }
    tube.rates.account.reset(&account);
    check_password(new)?;
    let hash = hash_password(tube, new).await?;
    let keep = keep_session_cookie.map(crate::auth::sha256_hex);
    let mut tx = tube.store.begin().await?;
    users::set_password(tx.ex(), user.id, &hash, keep.as_deref()).await?;
    tx.commit().await?;
    Ok(())
}

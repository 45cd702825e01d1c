//! Users, their accounts and channels, registrations, OAuth tokens, web sessions, and the
//! instance's key/value settings.

use crate::{Ex, Result, StoreError, dual, now_ms};
use ruche_domain::user::{RegistrationState, Role};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub password_hash: String,
    #[sqlx(try_from = "i64")]
    pub role: Role,
    pub video_quota: i64,
    pub video_quota_daily: i64,
    pub blocked: bool,
    pub created_at: i64,
    /// Whether what they watch is kept in their history (PeerTube's `videosHistoryEnabled`).
    pub history_enabled: bool,
    /// Why a moderator banned them.
    pub blocked_reason: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Account {
    pub id: i64,
    pub user_id: Option<i64>,
    pub name: String,
    pub host: Option<String>,
    pub display_name: String,
    pub description: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The ActivityPub id of another instance's account; `None` for ours.
    pub url: Option<String>,
    /// Its avatar in several sizes, as JSON ([`pictures`] reads it).
    pub avatars: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Channel {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub host: Option<String>,
    pub display_name: String,
    pub description: Option<String>,
    pub support: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The ActivityPub id of another instance's channel; `None` for ours.
    pub url: Option<String>,
    /// Its avatar and banner in several sizes, as JSON ([`pictures`] reads them).
    pub avatars: Option<String>,
    pub banners: Option<String>,
}

impl Account {
    /// Its ActivityPub id: another instance's as given, ours under `base`.
    pub fn actor_url(&self, base: &str) -> String {
        self.url
            .clone()
            .unwrap_or_else(|| ruche_domain::urls::account(base, &self.name))
    }
}

impl Channel {
    /// Its ActivityPub id: another instance's as given, ours under `base`.
    pub fn actor_url(&self, base: &str) -> String {
        self.url
            .clone()
            .unwrap_or_else(|| ruche_domain::urls::channel(base, &self.name))
    }
}

/// What a new user is made of.
pub struct NewUser<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub video_quota: i64,
    pub video_quota_daily: i64,
}

const USER_COLS: &str = "id, username, email, password_hash, role, video_quota, video_quota_daily,
    blocked, created_at, history_enabled, blocked_reason";

/// Creates a user, its account and its default channel (`<username>_channel`, "Main <username>
/// channel", as PeerTube names it). Returns the user id.
pub async fn create_user(ex: Ex<'_>, u: &NewUser<'_>) -> Result<i64> {
    let now = now_ms();
    dual!(ex, |c| {
        let (user_id,): (i64,) = sqlx::query_as(
            "INSERT INTO users (username, email, password_hash, role, video_quota, video_quota_daily, blocked, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7) RETURNING id",
        )
        .bind(u.username)
        .bind(u.email)
        .bind(u.password_hash)
        .bind(u.role.id())
        .bind(u.video_quota)
        .bind(u.video_quota_daily)
        .bind(now)
        .fetch_one(&mut *c)
        .await?;
        let (account_id,): (i64,) = sqlx::query_as(
            "INSERT INTO accounts (user_id, name, host, display_name, created_at, updated_at)
             VALUES ($1, $2, NULL, $2, $3, $3) RETURNING id",
        )
        .bind(user_id)
        .bind(u.username)
        .bind(now)
        .fetch_one(&mut *c)
        .await?;
        sqlx::query(
            "INSERT INTO channels (account_id, name, host, display_name, created_at, updated_at)
             VALUES ($1, $2, NULL, $3, $4, $4)",
        )
        .bind(account_id)
        .bind(format!("{}_channel", u.username))
        .bind(format!("Main {} channel", u.username))
        .bind(now)
        .execute(&mut *c)
        .await?;
        Ok(user_id)
    })
}

pub async fn user_by_id(ex: Ex<'_>, id: i64) -> Result<User> {
    let sql = format!("SELECT {USER_COLS} FROM users WHERE id = $1");
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_one(c)
        .await
        .map_err(StoreError::from))
}

/// Looks a user up by username or email, case-insensitively, as PeerTube's login does.
pub async fn user_by_login(ex: Ex<'_>, login: &str) -> Result<Option<User>> {
    let sql = format!(
        "SELECT {USER_COLS} FROM users WHERE lower(username) = lower($1) OR lower(email) = lower($1)"
    );
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(login)
        .fetch_optional(c)
        .await
        .map_err(StoreError::from))
}

pub async fn count_users(ex: Ex<'_>) -> Result<i64> {
    dual!(ex, |c| sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(c)
        .await
        .map_err(StoreError::from))
}

/// Whether a username or email is already taken by a user or a pending registration.
pub async fn name_or_email_taken(ex: Ex<'_>, username: &str, email: &str) -> Result<bool> {
    dual!(ex, |c| {
        sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM users WHERE lower(username) = lower($1) OR lower(email) = lower($2)
         UNION ALL SELECT COUNT(*) FROM registrations WHERE state = $3 AND (lower(username) = lower($1) OR lower(email) = lower($2))
         UNION ALL SELECT COUNT(*) FROM channels WHERE host IS NULL AND lower(name) = lower($1)"
    )
    .bind(username)
    .bind(email)
    .bind(RegistrationState::Pending.id())
    .fetch_all(c)
    .await
    .map(|counts| counts.iter().any(|n| *n > 0))
    .map_err(StoreError::from)
    })
}

/// Whether a username is taken: by a user, a pending registration, or a local channel's name
/// (accounts and channels share the actor namespace).
pub async fn name_taken(ex: Ex<'_>, username: &str) -> Result<bool> {
    dual!(ex, |c| {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM users WHERE lower(username) = lower($1)
             UNION ALL SELECT COUNT(*) FROM registrations WHERE state = $2 AND lower(username) = lower($1)
             UNION ALL SELECT COUNT(*) FROM channels WHERE host IS NULL AND lower(name) = lower($1)",
        )
        .bind(username)
        .bind(RegistrationState::Pending.id())
        .fetch_all(c)
        .await
        .map(|counts| counts.iter().any(|n| *n > 0))
        .map_err(StoreError::from)
    })
}

/// Whether an e-mail address is taken by a user or a pending registration.
pub async fn email_taken(ex: Ex<'_>, email: &str) -> Result<bool> {
    dual!(ex, |c| {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM users WHERE lower(email) = lower($1)
             UNION ALL SELECT COUNT(*) FROM registrations WHERE state = $2 AND lower(email) = lower($1)",
        )
        .bind(email)
        .bind(RegistrationState::Pending.id())
        .fetch_all(c)
        .await
        .map(|counts| counts.iter().any(|n| *n > 0))
        .map_err(StoreError::from)
    })
}

/// The advisory lock that serialises sign-ups on PostgreSQL (another than the migrations').
const SIGNUP_LOCK: i64 = 7_271_738;

/// The number of users, read for a sign-up under the user limit inside the write transaction
/// that inserts the new user: concurrent sign-ups wait for each other here until that
/// transaction ends, so the count is still true when the insert commits. PostgreSQL takes a
/// transaction-level advisory lock; on SQLite the write transaction (`BEGIN IMMEDIATE` on the one
/// writer) already holds the database. Call it with a write transaction's `Ex`.
pub async fn count_users_for_signup(ex: Ex<'_>) -> Result<i64> {
    match ex {
        Ex::Postgres(c) => {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(SIGNUP_LOCK)
                .execute(&mut *c)
                .await?;
            count_users(Ex::Postgres(c)).await
        }
        ex => count_users(ex).await,
    }
}

pub(crate) const ACCOUNT_COLS: &str =
    "id, user_id, name, host, display_name, description, created_at, updated_at, url, avatars";

pub async fn account_of_user(ex: Ex<'_>, user_id: i64) -> Result<Account> {
    let sql = format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE user_id = $1");
    dual!(ex, |c| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(user_id)
            .fetch_one(c)
            .await
            .map_err(StoreError::from)
    })
}

/// A local account by its name.
pub async fn local_account_by_name(ex: Ex<'_>, name: &str) -> Result<Option<Account>> {
    let sql = format!(
        "SELECT {ACCOUNT_COLS} FROM accounts WHERE host IS NULL AND name = $1 AND deleted_at IS NULL"
    );
    dual!(ex, |c| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(name)
            .fetch_optional(c)
            .await
            .map_err(StoreError::from)
    })
}

pub async fn account_by_id(ex: Ex<'_>, id: i64) -> Result<Account> {
    let sql = format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE id = $1");
    dual!(ex, |c| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(id)
            .fetch_one(c)
            .await
            .map_err(StoreError::from)
    })
}

/// How a list of accounts or channels is sorted (PeerTube's `id`, `name`, `createdAt`,
/// `updatedAt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ActorSort {
    Id,
    Name,
    #[default]
    Created,
    Updated,
}

impl ActorSort {
    /// PeerTube's column names, without the leading `-`.
    pub fn parse(column: &str) -> Option<ActorSort> {
        Some(match column {
            "id" => ActorSort::Id,
            "name" => ActorSort::Name,
            "createdAt" => ActorSort::Created,
            "updatedAt" => ActorSort::Updated,
            _ => return None,
        })
    }
    fn key(self) -> &'static str {
        match self {
            ActorSort::Id => "id",
            ActorSort::Name => "LOWER(name)",
            ActorSort::Created => "created_at",
            ActorSort::Updated => "updated_at",
        }
    }
}

/// A page of the rows of `table` (every one: ours and those known from other instances; it may
/// end with a `WHERE`) in `sort` order, and how many there are.
async fn page_of<T>(
    ex: Ex<'_>,
    table: &str,
    cols: &str,
    sort: ActorSort,
    descending: bool,
    start: i64,
    count: i64,
) -> Result<(Vec<T>, i64)>
where
    T: crate::Row,
{
    let order = if descending { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT {cols} FROM {table} ORDER BY {} {order}, id {order}",
        sort.key()
    );
    let count_sql = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {table}");
    crate::paged(ex, &sql, &count_sql, &[], count, start).await
}

/// A page of every account, and how many there are (PeerTube's `GET /accounts`).
pub async fn list_accounts(
    ex: Ex<'_>,
    sort: ActorSort,
    descending: bool,
    start: i64,
    count: i64,
) -> Result<(Vec<Account>, i64)> {
    page_of(
        ex,
        "accounts WHERE deleted_at IS NULL",
        ACCOUNT_COLS,
        sort,
        descending,
        start,
        count,
    )
    .await
}

/// A page of every channel, and how many there are (PeerTube's `GET /video-channels`).
pub async fn list_channels(
    ex: Ex<'_>,
    sort: ActorSort,
    descending: bool,
    start: i64,
    count: i64,
) -> Result<(Vec<Channel>, i64)> {
    page_of(ex, "channels", CHANNEL_COLS, sort, descending, start, count).await
}

/// The accounts of `ids` that exist, in no particular order.
pub async fn accounts_by_ids(ex: Ex<'_>, ids: &[i64]) -> Result<Vec<Account>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks = crate::placeholders(1, ids.len());
    let sql = format!(
        "SELECT {ACCOUNT_COLS} FROM accounts WHERE id IN ({})",
        marks
    );
    dual!(ex, |c| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(c).await.map_err(StoreError::from)
    })
}

pub(crate) const CHANNEL_COLS: &str = "id, account_id, name, host, display_name, description, support, created_at, updated_at, url, avatars, banners";

pub async fn channels_of_account(ex: Ex<'_>, account_id: i64) -> Result<Vec<Channel>> {
    let sql = format!("SELECT {CHANNEL_COLS} FROM channels WHERE account_id = $1 ORDER BY id");
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(account_id)
        .fetch_all(c)
        .await
        .map_err(StoreError::from))
}

pub async fn channel_by_id(ex: Ex<'_>, id: i64) -> Result<Option<Channel>> {
    let sql = format!("SELECT {CHANNEL_COLS} FROM channels WHERE id = $1");
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_optional(c)
        .await
        .map_err(StoreError::from))
}

pub async fn channel_by_name(ex: Ex<'_>, name: &str) -> Result<Option<Channel>> {
    let sql = format!("SELECT {CHANNEL_COLS} FROM channels WHERE host IS NULL AND name = $1");
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(name)
        .fetch_optional(c)
        .await
        .map_err(StoreError::from))
}

pub struct NewChannel<'a> {
    pub account_id: i64,
    pub name: &'a str,
    pub display_name: &'a str,
    pub description: Option<&'a str>,
    pub support: Option<&'a str>,
}

/// Creates a local channel; a taken handle (channels and accounts share one namespace, as in
/// PeerTube) is a [`StoreError::Conflict`].
pub async fn create_channel(ex: Ex<'_>, ch: &NewChannel<'_>) -> Result<i64> {
    let now = now_ms();
    dual!(ex, |c| {
        let taken: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM accounts WHERE host IS NULL AND lower(name) = lower($1)",
        )
        .bind(ch.name)
        .fetch_one(&mut *c)
        .await?;
        if taken > 0 {
            return Err(StoreError::Conflict(format!(
                "the name {} is taken",
                ch.name
            )));
        }
        sqlx::query_scalar(
            "INSERT INTO channels (account_id, name, host, display_name, description, support, created_at, updated_at)
             VALUES ($1, $2, NULL, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(ch.account_id)
        .bind(ch.name)
        .bind(ch.display_name)
        .bind(ch.description)
        .bind(ch.support)
        .bind(now)
        .fetch_one(&mut *c)
        .await
        .map_err(StoreError::from)
    })
}

/// Registration requests, when sign-up requires approval.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Registration {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub password_hash: String,
    pub reason: String,
    #[sqlx(try_from = "i64")]
    pub state: RegistrationState,
    pub moderation_response: Option<String>,
    pub user_id: Option<i64>,
    pub created_at: i64,
}

pub async fn create_registration(
    ex: Ex<'_>,
    username: &str,
    email: &str,
    password_hash: &str,
    reason: &str,
) -> Result<i64> {
    dual!(ex, |c| sqlx::query_scalar(
        "INSERT INTO registrations (username, email, password_hash, reason, state, created_at)
         VALUES ($1, $2, $3, $4, $6, $5) RETURNING id"
    )
    .bind(username)
    .bind(email)
    .bind(password_hash)
    .bind(reason)
    .bind(now_ms())
    .bind(RegistrationState::Pending.id())
    .fetch_one(c)
    .await
    .map_err(StoreError::from))
}

/// The newest registration request whose username or e-mail address is `login`
/// (case-insensitively), whatever its state.
pub async fn registration_by_login(ex: Ex<'_>, login: &str) -> Result<Option<Registration>> {
    dual!(ex, |c| {
        sqlx::query_as(
            "SELECT id, username, email, password_hash, reason, state, moderation_response, user_id, created_at
             FROM registrations WHERE lower(username) = lower($1) OR lower(email) = lower($1)
             ORDER BY id DESC LIMIT 1",
        )
        .bind(login)
        .fetch_optional(c)
        .await
        .map_err(StoreError::from)
    })
}

pub async fn registrations(ex: Ex<'_>) -> Result<Vec<Registration>> {
    dual!(ex, |c| {
        sqlx::query_as(
        "SELECT id, username, email, password_hash, reason, state, moderation_response, user_id, created_at
         FROM registrations ORDER BY id DESC"
    )
    .fetch_all(c)
    .await
    .map_err(StoreError::from)
    })
}

pub async fn registration(ex: Ex<'_>, id: i64) -> Result<Registration> {
    dual!(ex, |c| {
        sqlx::query_as(
        "SELECT id, username, email, password_hash, reason, state, moderation_response, user_id, created_at
         FROM registrations WHERE id = $1"
    )
    .bind(id)
    .fetch_one(c)
    .await
    .map_err(StoreError::from)
    })
}

pub async fn set_registration_state(
    ex: Ex<'_>,
    id: i64,
    state: RegistrationState,
    response: Option<&str>,
    user_id: Option<i64>,
) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE registrations SET state = $2, moderation_response = $3, user_id = $4 WHERE id = $1"
    )
    .bind(id)
    .bind(state.id())
    .bind(response)
    .bind(user_id)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// An OAuth token pair; only SHA-256 hashes of the tokens are stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Token {
    pub id: i64,
    pub user_id: i64,
    pub access_expires_at: i64,
    pub refresh_expires_at: i64,
}

pub async fn insert_token(
    ex: Ex<'_>,
    user_id: i64,
    access_hash: &str,
    refresh_hash: &str,
    access_expires_at: i64,
    refresh_expires_at: i64,
) -> Result<()> {
    dual!(ex, |c| {
        sqlx::query(
        "INSERT INTO oauth_tokens (user_id, access_hash, refresh_hash, access_expires_at, refresh_expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(user_id)
    .bind(access_hash)
    .bind(refresh_hash)
    .bind(access_expires_at)
    .bind(refresh_expires_at)
    .bind(now_ms())
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from)
    })
}

pub async fn token_by_access(ex: Ex<'_>, access_hash: &str) -> Result<Option<Token>> {
    dual!(ex, |c| {
        sqlx::query_as(
        "SELECT id, user_id, access_expires_at, refresh_expires_at FROM oauth_tokens WHERE access_hash = $1"
    )
    .bind(access_hash)
    .fetch_optional(c)
    .await
    .map_err(StoreError::from)
    })
}

pub async fn token_by_refresh(ex: Ex<'_>, refresh_hash: &str) -> Result<Option<Token>> {
    dual!(ex, |c| {
        sqlx::query_as(
        "SELECT id, user_id, access_expires_at, refresh_expires_at FROM oauth_tokens WHERE refresh_hash = $1"
    )
    .bind(refresh_hash)
    .fetch_optional(c)
    .await
    .map_err(StoreError::from)
    })
}

pub async fn delete_token(ex: Ex<'_>, id: i64) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "DELETE FROM oauth_tokens WHERE id = $1"
    )
    .bind(id)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// A browser session: the cookie's hash, its user and its CSRF token.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WebSession {
    pub user_id: i64,
    pub csrf: String,
    pub expires_at: i64,
}

pub async fn insert_session(
    ex: Ex<'_>,
    id_hash: &str,
    user_id: i64,
    csrf: &str,
    expires_at: i64,
) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "INSERT INTO web_sessions (id_hash, user_id, csrf, expires_at) VALUES ($1, $2, $3, $4)"
    )
    .bind(id_hash)
    .bind(user_id)
    .bind(csrf)
    .bind(expires_at)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

pub async fn session(ex: Ex<'_>, id_hash: &str) -> Result<Option<WebSession>> {
    dual!(ex, |c| sqlx::query_as(
        "SELECT user_id, csrf, expires_at FROM web_sessions WHERE id_hash = $1"
    )
    .bind(id_hash)
    .fetch_optional(c)
    .await
    .map_err(StoreError::from))
}

pub async fn delete_session(ex: Ex<'_>, id_hash: &str) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "DELETE FROM web_sessions WHERE id_hash = $1"
    )
    .bind(id_hash)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// Sets a user's password hash and ends every other credential: all OAuth tokens and all web
/// sessions except `keep_session` (the one that made the change).
pub async fn set_password(
    ex: Ex<'_>,
    user_id: i64,
    hash: &str,
    keep_session: Option<&str>,
) -> Result<()> {
    dual!(ex, |c| {
        sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(user_id)
            .bind(hash)
            .execute(&mut *c)
            .await?;
        sqlx::query("DELETE FROM oauth_tokens WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *c)
            .await?;
        sqlx::query("DELETE FROM web_sessions WHERE user_id = $1 AND id_hash <> $2")
            .bind(user_id)
            .bind(keep_session.unwrap_or_default())
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// Bans (`Some(reason)`, the reason possibly empty) or unbans (`None`) a user; a ban ends every
/// one of their tokens and sessions.
pub async fn set_blocked(ex: Ex<'_>, user_id: i64, ban: Option<&str>) -> Result<()> {
    dual!(ex, |c| {
        sqlx::query("UPDATE users SET blocked = $2, blocked_reason = $3 WHERE id = $1")
            .bind(user_id)
            .bind(ban.is_some())
            .bind(ban.filter(|r| !r.is_empty()))
            .execute(&mut *c)
            .await?;
        if ban.is_some() {
            for sql in END_CREDENTIALS {
                sqlx::query(sql).bind(user_id).execute(&mut *c).await?;
            }
        }
        Ok(())
    })
}

/// The statements that end every token and session of the user `$1`.
const END_CREDENTIALS: [&str; 2] = [
    "DELETE FROM oauth_tokens WHERE user_id = $1",
    "DELETE FROM web_sessions WHERE user_id = $1",
];

/// What an administrator changes of a user (each optional).
#[derive(Debug, Clone, Default)]
pub struct UserChange<'a> {
    pub email: Option<&'a str>,
    pub role: Option<Role>,
    pub video_quota: Option<i64>,
    pub video_quota_daily: Option<i64>,
    pub password_hash: Option<&'a str>,
}

/// Applies `change`; a new role or password ends every token and session of the user.
pub async fn change_user(ex: Ex<'_>, user_id: i64, change: &UserChange<'_>) -> Result<()> {
    dual!(ex, |c| {
        sqlx::query(
            "UPDATE users SET email = COALESCE($2, email), role = COALESCE($3, role),
                video_quota = COALESCE($4, video_quota),
                video_quota_daily = COALESCE($5, video_quota_daily),
                password_hash = COALESCE($6, password_hash)
             WHERE id = $1",
        )
        .bind(user_id)
        .bind(change.email)
        .bind(change.role.map(Role::id))
        .bind(change.video_quota)
        .bind(change.video_quota_daily)
        .bind(change.password_hash)
        .execute(&mut *c)
        .await?;
        if change.role.is_some() || change.password_hash.is_some() {
            for sql in END_CREDENTIALS {
                sqlx::query(sql).bind(user_id).execute(&mut *c).await?;
            }
        }
        Ok(())
    })
}

/// How the administrators' list of users is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UserOrder {
    #[default]
    Created,
    Id,
    Username,
    Role,
}

/// Which users the administrators' list shows.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Words of the username or the email.
    pub search: Option<String>,
    pub blocked: Option<bool>,
    pub order: UserOrder,
    pub descending: bool,
    pub start: i64,
    pub count: i64,
}

/// A page of users and how many `f` selects.
pub async fn list_users(ex: Ex<'_>, f: &UserFilter) -> Result<(Vec<User>, i64)> {
    let mut conds = vec!["1 = 1".to_string()];
    let mut binds = Vec::new();
    if let Some(s) = &f.search {
        binds.push(crate::Bind::Text(crate::like_pattern(s)));
        let m = binds.len();
        conds.push(format!(
            "(LOWER(username) LIKE ${m} ESCAPE '\\' OR LOWER(email) LIKE ${m} ESCAPE '\\')"
        ));
    }
    if let Some(b) = f.blocked {
        binds.push(crate::Bind::Bool(b));
        conds.push(format!("blocked = ${}", binds.len()));
    }
    let column = match f.order {
        UserOrder::Created => "created_at",
        UserOrder::Id => "id",
        UserOrder::Username => "username",
        UserOrder::Role => "role",
    };
    let dir = if f.descending { "DESC" } else { "ASC" };
    let wher = conds.join(" AND ");
    let sql = format!("SELECT {USER_COLS} FROM users WHERE {wher} ORDER BY {column} {dir}, id ASC");
    let count_sql = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM users WHERE {wher}");
    crate::paged(ex, &sql, &count_sql, &binds, f.count, f.start).await
}

/// Removes expired sessions and tokens (housekeeping).
pub async fn purge_expired_credentials(ex: Ex<'_>) -> Result<u64> {
    let now = now_ms();
    dual!(ex, |c| {
        let a = sqlx::query("DELETE FROM web_sessions WHERE expires_at < $1")
            .bind(now)
            .execute(&mut *c)
            .await?
            .rows_affected();
        let b = sqlx::query("DELETE FROM oauth_tokens WHERE refresh_expires_at < $1")
            .bind(now)
            .execute(&mut *c)
            .await?
            .rows_affected();
        Ok(a + b)
    })
}

pub async fn kv_get(ex: Ex<'_>, key: &str) -> Result<Option<String>> {
    dual!(ex, |c| sqlx::query_scalar(
        "SELECT value FROM kv WHERE key = $1"
    )
    .bind(key)
    .fetch_optional(c)
    .await
    .map_err(StoreError::from))
}

/// Sets `key` to `value`, whatever it was.
pub async fn kv_set(ex: Ex<'_>, key: &str, value: &str) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "INSERT INTO kv (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2"
    )
    .bind(key)
    .bind(value)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// Removes `key`.
pub async fn kv_delete(ex: Ex<'_>, key: &str) -> Result<()> {
    dual!(ex, |c| sqlx::query("DELETE FROM kv WHERE key = $1")
        .bind(key)
        .execute(c)
        .await
        .map(|_| ())
        .map_err(StoreError::from))
}

/// The instance's secret named `key` (32 random bytes, hex), made the first time it is asked for;
/// every process of the instance reads the same.
pub async fn secret(store: &crate::Store, key: &str) -> Result<String> {
    let mut tx = store.begin().await?;
    let s = kv_get_or_insert(tx.ex(), key, &ruche_domain::ids::random_hex(32)).await?;
    tx.commit().await?;
    Ok(s)
}

/// Sets `key` only if it is unset; returns the value in force afterwards.
pub async fn kv_get_or_insert(ex: Ex<'_>, key: &str, value: &str) -> Result<String> {
    dual!(ex, |c| {
        sqlx::query("INSERT INTO kv (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&mut *c)
            .await?;
        sqlx::query_scalar("SELECT value FROM kv WHERE key = $1")
            .bind(key)
            .fetch_one(&mut *c)
            .await
            .map_err(StoreError::from)
    })
}

/// Users active since `since_ms` (a token made, or a browser session alive, since then), for
/// NodeInfo.
pub async fn active_users(ex: Ex<'_>, since_ms: i64) -> Result<i64> {
    dual!(ex, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM users u WHERE
            EXISTS (SELECT 1 FROM oauth_tokens t WHERE t.user_id = u.id AND t.created_at >= $1)
         OR EXISTS (SELECT 1 FROM web_sessions s WHERE s.user_id = u.id AND s.expires_at >= $1)"
    )
    .bind(since_ms)
    .fetch_one(c)
    .await
    .map_err(StoreError::from))
}

// ---------------------------------------------------------------------------------------------
// Profiles and pictures

/// One size of an avatar or a banner.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Picture {
    /// Its name under `/lazy-static/avatars/` or `/lazy-static/banners/`.
    pub filename: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// The file at its origin, for another instance's actor; `None` for ours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// When it was set (unix ms).
    #[serde(default)]
    pub created_at: i64,
}

/// The pictures a column holds, largest first; none when it is empty or unreadable.
pub fn pictures(json: Option<&str>) -> Vec<Picture> {
    let mut v: Vec<Picture> = json
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    v.sort_by_key(|p| std::cmp::Reverse(p.width.unwrap_or(0)));
    v
}

impl Channel {
    /// Its avatar's and banner's sizes, all of them (whose files go when it goes).
    pub fn all_pictures(&self) -> Vec<Picture> {
        let mut all = pictures(self.avatars.as_deref());
        all.extend(pictures(self.banners.as_deref()));
        all
    }
}

/// Whose pictures: an account's or a channel's (by id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    Account(i64),
    Channel(i64),
}

/// Avatars or banners (PeerTube's `ActorImageType` 1 and 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PictureKind {
    Avatar,
    Banner,
}

fn picture_column(holder: Holder, kind: PictureKind) -> Result<(&'static str, &'static str, i64)> {
    match (holder, kind) {
        (Holder::Account(id), PictureKind::Avatar) => Ok(("accounts", "avatars", id)),
        (Holder::Channel(id), PictureKind::Avatar) => Ok(("channels", "avatars", id)),
        (Holder::Channel(id), PictureKind::Banner) => Ok(("channels", "banners", id)),
        (Holder::Account(_), PictureKind::Banner) => {
            Err(StoreError::Conflict("accounts have no banner".into()))
        }
    }
}

/// Replaces the avatars or banners of an account or a channel (none: removes them) and returns
/// the ones they replace, whose files the caller removes once this is committed.
pub async fn set_pictures(
    mut ex: Ex<'_>,
    holder: Holder,
    kind: PictureKind,
    new: &[Picture],
) -> Result<Vec<Picture>> {
    let (table, column, id) = picture_column(holder, kind)?;
    let select = format!("SELECT {column} FROM {table} WHERE id = $1");
    let old: Option<Option<String>> = dual!(ex.reborrow(), |c| sqlx::query_scalar(
        sqlx::AssertSqlSafe(select.as_str())
    )
    .bind(id)
    .fetch_optional(c)
    .await
    .map_err(StoreError::from))?;
    let old = old.ok_or(StoreError::NotFound)?;
    let json = (!new.is_empty())
        .then(|| serde_json::to_string(new).map_err(|e| StoreError::Conflict(e.to_string())))
        .transpose()?;
    let update = format!("UPDATE {table} SET {column} = $1, updated_at = $2 WHERE id = $3");
    dual!(ex, |c| sqlx::query(sqlx::AssertSqlSafe(update.as_str()))
        .bind(json.as_deref())
        .bind(now_ms())
        .bind(id)
        .execute(c)
        .await
        .map(|_| ())
        .map_err(StoreError::from))?;
    Ok(pictures(old.as_deref()))
}

/// Changes what an account is shown with.
pub async fn update_account(
    ex: Ex<'_>,
    id: i64,
    display_name: &str,
    description: Option<&str>,
) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE accounts SET display_name = $1, description = $2, updated_at = $3 WHERE id = $4"
    )
    .bind(display_name)
    .bind(description)
    .bind(now_ms())
    .bind(id)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// Changes what a channel is shown with.
pub async fn update_channel(
    ex: Ex<'_>,
    id: i64,
    display_name: &str,
    description: Option<&str>,
    support: Option<&str>,
) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE channels SET display_name = $1, description = $2, support = $3, updated_at = $4
         WHERE id = $5"
    )
    .bind(display_name)
    .bind(description)
    .bind(support)
    .bind(now_ms())
    .bind(id)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// Deletes a local channel: its videos go with it (their files are the caller's), and the
/// follows of its actor (`url`).
pub async fn delete_channel(ex: Ex<'_>, id: i64, url: &str) -> Result<()> {
    dual!(ex, |c| {
        sqlx::query(
            "DELETE FROM jobs WHERE video_id IN (SELECT id FROM videos WHERE channel_id = $1)",
        )
        .bind(id)
        .execute(&mut *c)
        .await?;
        sqlx::query("DELETE FROM follows WHERE follower = $1 OR following = $1")
            .bind(url)
            .execute(&mut *c)
            .await?;
        sqlx::query("DELETE FROM channels WHERE id = $1")
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok::<_, sqlx::Error>(())
    })
    .map_err(StoreError::from)
}

/// Deletes an account and what it made, keeping its row as a tombstone (see migration 0032):
/// its channels go with their videos, its playlists, rates, blocklists, watched words and the
/// notifications it caused; its comments keep their places in threads, emptied, so that others'
/// replies stay. `actor_urls` are its own and its channels' ActivityPub ids, whose follows end.
/// The caller deletes the user row (ours) and the files. Run it in a transaction.
pub async fn retire_account(mut ex: Ex<'_>, account_id: i64, actor_urls: &[String]) -> Result<()> {
    crate::notifications::forget_caused_by(
        ex.reborrow(),
        None,
        crate::notifications::Silenced::Account(account_id),
    )
    .await?;
    let now = now_ms();
    let by_account = [
        "DELETE FROM jobs WHERE video_id IN (SELECT v.id FROM videos v
            JOIN channels c ON c.id = v.channel_id WHERE c.account_id = $1)",
        "UPDATE video_comments SET text = '', held_activity = NULL, deleted_at = $2, updated_at = $2
            WHERE account_id = $1 AND deleted_at IS NULL",
        "UPDATE videos SET likes = likes - 1 WHERE id IN
            (SELECT video_id FROM video_rates WHERE account_id = $1 AND kind = 'like') AND likes > 0",
        "UPDATE videos SET dislikes = dislikes - 1 WHERE id IN
            (SELECT video_id FROM video_rates WHERE account_id = $1 AND kind = 'dislike') AND dislikes > 0",
        "DELETE FROM video_rates WHERE account_id = $1",
        "DELETE FROM playlists WHERE account_id = $1",
        "DELETE FROM channels WHERE account_id = $1",
        "DELETE FROM account_blocks WHERE account_id = $1 OR blocked_account_id = $1",
        "DELETE FROM server_blocks WHERE account_id = $1",
        "DELETE FROM watched_words_lists WHERE account_id = $1",
        "DELETE FROM automatic_tag_policies WHERE account_id = $1",
        "DELETE FROM comment_automatic_tags WHERE account_id = $1",
        "DELETE FROM remote_actors WHERE account_id = $1",
        "UPDATE accounts SET user_id = NULL, display_name = name, description = NULL,
            avatars = NULL, deleted_at = $2, updated_at = $2 WHERE id = $1",
    ];
    dual!(&mut ex, |c| {
        for sql in by_account {
            let mut q = sqlx::query(sql).bind(account_id);
            if sql.contains("$2") {
                q = q.bind(now);
            }
            q.execute(&mut **c).await?;
        }
        for url in actor_urls {
            sqlx::query("DELETE FROM follows WHERE follower = $1 OR following = $1")
                .bind(url)
                .execute(&mut **c)
                .await?;
        }
        Ok::<_, sqlx::Error>(())
    })
    .map_err(StoreError::from)
}

/// Deletes a user row: its tokens, sessions, uploads, sites, history, imports and
/// notifications go with it. Its account is [`retire_account`]'s.
pub async fn delete_user(ex: Ex<'_>, id: i64) -> Result<()> {
    dual!(ex, |c| sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|_| ())
        .map_err(StoreError::from))
}

// ---------------------------------------------------------------------------------------------
// Watch history

/// Where a user was in a video, and when.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Watched {
    pub video_id: i64,
    pub position_secs: i64,
    pub updated_at: i64,
}

/// Records that `user_id` is at `position_secs` in `video_id` (once per user and video, the
/// latest wins). Its time is after every other of the user's, so "last watched first" is exact
/// however close two reports come.
pub async fn set_watched(
    mut ex: Ex<'_>,
    user_id: i64,
    video_id: i64,
    position_secs: i64,
) -> Result<()> {
    let last: Option<i64> = dual!(ex.reborrow(), |c| sqlx::query_scalar(
        "SELECT MAX(updated_at) FROM user_video_history WHERE user_id = $1"
    )
    .bind(user_id)
    .fetch_one(c)
    .await
    .map_err(StoreError::from))?;
    let at = now_ms().max(last.map_or(0, |l| l + 1));
    dual!(ex, |c| sqlx::query(
        "INSERT INTO user_video_history (user_id, video_id, position_secs, updated_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, video_id) DO UPDATE SET position_secs = $3, updated_at = $4"
    )
    .bind(user_id)
    .bind(video_id)
    .bind(position_secs)
    .bind(at)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// Where `user_id` was in each of `video_ids` they watched.
pub async fn watched_of(ex: Ex<'_>, user_id: i64, video_ids: &[i64]) -> Result<Vec<Watched>> {
    if video_ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks = crate::placeholders(2, video_ids.len());
    let sql = format!(
        "SELECT video_id, position_secs, updated_at FROM user_video_history
         WHERE user_id = $1 AND video_id IN ({})",
        marks
    );
    dual!(ex, |c| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(user_id);
        for id in video_ids {
            q = q.bind(*id);
        }
        q.fetch_all(c).await.map_err(StoreError::from)
    })
}

/// A page of what `user_id` watched, last watched first (only videos whose name holds `search`
/// when given), and how many there are.
pub async fn history(
    ex: Ex<'_>,
    user_id: i64,
    search: Option<&str>,
    start: i64,
    count: i64,
) -> Result<(Vec<Watched>, i64)> {
    let matches = "FROM user_video_history h JOIN videos v ON v.id = h.video_id
         WHERE h.user_id = $1 AND ($2 = '' OR LOWER(v.name) LIKE $2 ESCAPE '\\')";
    let sql = format!(
        "SELECT h.video_id, h.position_secs, h.updated_at {matches}
         ORDER BY h.updated_at DESC, h.video_id DESC"
    );
    let pattern = search
        .filter(|s| !s.is_empty())
        .map(crate::like_pattern)
        .unwrap_or_default();
    crate::paged(
        ex,
        &sql,
        &format!("SELECT CAST(COUNT(*) AS BIGINT) {matches}"),
        &[crate::Bind::Int(user_id), crate::Bind::Text(pattern)],
        count,
        start,
    )
    .await
}

/// Forgets one video of `user_id`'s history, or all they watched before `before_ms` (all of
/// it when `None`); how many were forgotten.
pub async fn forget_watched(
    ex: Ex<'_>,
    user_id: i64,
    video_id: Option<i64>,
    before_ms: Option<i64>,
) -> Result<u64> {
    dual!(ex, |c| sqlx::query(
        "DELETE FROM user_video_history WHERE user_id = $1
         AND ($2 < 0 OR video_id = $2) AND updated_at < $3"
    )
    .bind(user_id)
    .bind(video_id.unwrap_or(-1))
    .bind(before_ms.unwrap_or(i64::MAX))
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    .map_err(StoreError::from))
}

/// Turns a user's history on or off.
pub async fn set_history_enabled(ex: Ex<'_>, user_id: i64, enabled: bool) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE users SET history_enabled = $2 WHERE id = $1"
    )
    .bind(user_id)
    .bind(enabled)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

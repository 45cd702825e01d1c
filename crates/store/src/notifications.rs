//! Users' notifications (PeerTube's `userNotification`): one row per recipient and event, with
//! what it is about; and what each recipient asked for (their settings, their mails' language).

use crate::{Bind, Ex, Result, StoreError, dual, now_ms, paged};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Notification {
    pub id: i64,
    pub user_id: i64,
    /// PeerTube's `UserNotificationType` (`ruche_domain::notification::Kind`).
    pub kind: i64,
    pub is_read: bool,
    /// Listed in the page (else kept only for its mail).
    pub web: bool,
    pub video_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub abuse_id: Option<i64>,
    pub account_id: Option<i64>,
    pub import_id: Option<i64>,
    pub video_block_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "id, user_id, kind, is_read, web, video_id, comment_id, abuse_id, account_id,
    import_id, video_block_id, created_at, updated_at";

/// What a notification is about (each one optional).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct About {
    pub video_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub abuse_id: Option<i64>,
    pub account_id: Option<i64>,
    pub import_id: Option<i64>,
    pub video_block_id: Option<i64>,
}

/// A user who may be notified, with what they asked for.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Recipient {
    pub id: i64,
    pub username: String,
    pub email: String,
    /// Their changed settings (JSON), if any.
    pub notification_settings: Option<String>,
    pub language: Option<String>,
}

const RECIPIENT_COLS: &str = "id, username, email, notification_settings, language";

/// Keeps one notification for `user_id`; its id.
pub async fn insert(ex: Ex<'_>, user_id: i64, kind: i64, web: bool, about: &About) -> Result<i64> {
    let now = now_ms();
    dual!(ex, |c| sqlx::query_scalar(
        "INSERT INTO user_notifications (user_id, kind, web, video_id, comment_id, abuse_id,
            account_id, import_id, video_block_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id"
    )
    .bind(user_id)
    .bind(kind)
    .bind(web)
    .bind(about.video_id)
    .bind(about.comment_id)
    .bind(about.abuse_id)
    .bind(about.account_id)
    .bind(about.import_id)
    .bind(about.video_block_id)
    .bind(now)
    .fetch_one(c)
    .await
    .map_err(StoreError::from))
}

pub async fn by_id(ex: Ex<'_>, id: i64) -> Result<Option<Notification>> {
    let sql = format!("SELECT {COLS} FROM user_notifications WHERE id = $1");
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_optional(c)
        .await
        .map_err(StoreError::from))
}

/// Which of a user's notifications a list shows, and in which order (PeerTube's `sort`:
/// `createdAt` or `read`).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only the unread (`Some(true)`) or the read (`Some(false)`).
    pub unread: Option<bool>,
    /// Only these kinds (none: all).
    pub kinds: Vec<i64>,
    pub by_read: bool,
    pub descending: bool,
    pub start: i64,
    pub count: i64,
}

/// A page of `user_id`'s listed notifications, and how many `f` selects in all.
pub async fn list(ex: Ex<'_>, user_id: i64, f: &Filter) -> Result<(Vec<Notification>, i64)> {
    let mut conds = vec!["user_id = $1".to_string(), "web = $2".to_string()];
    let mut binds = vec![Bind::Int(user_id), Bind::Bool(true)];
    if let Some(unread) = f.unread {
        binds.push(Bind::Bool(!unread));
        conds.push(format!("is_read = ${}", binds.len()));
    }
    if !f.kinds.is_empty() {
        let marks = crate::placeholders(binds.len() + 1, f.kinds.len());
        binds.extend(f.kinds.iter().map(|k| Bind::Int(*k)));
        conds.push(format!("kind IN ({marks})"));
    }
    let dir = if f.descending { "DESC" } else { "ASC" };
    let order = if f.by_read {
        format!("is_read {dir}, created_at DESC, id DESC")
    } else {
        format!("created_at {dir}, id {dir}")
    };
    let wher = conds.join(" AND ");
    let sql = format!("SELECT {COLS} FROM user_notifications WHERE {wher} ORDER BY {order}");
    let count_sql = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM user_notifications WHERE {wher}");
    paged(ex, &sql, &count_sql, &binds, f.count, f.start).await
}

/// Marks `user_id`'s notifications of `ids` read (others' ids are ignored); how many changed.
pub async fn mark_read(ex: Ex<'_>, user_id: i64, ids: &[i64]) -> Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let marks = crate::placeholders(4, ids.len());
    let sql = format!(
        "UPDATE user_notifications SET is_read = $2, updated_at = ${} \
         WHERE user_id = $1 AND is_read = $3 AND id IN ({marks})",
        4 + ids.len()
    );
    let now = now_ms();
    dual!(ex, |c| {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(user_id)
            .bind(true)
            .bind(false);
        for id in ids {
            q = q.bind(*id);
        }
        q.bind(now)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(StoreError::from)
    })
}

/// Marks all of `user_id`'s notifications read; how many changed.
pub async fn mark_all_read(ex: Ex<'_>, user_id: i64) -> Result<u64> {
    dual!(ex, |c| {
        sqlx::query(
        "UPDATE user_notifications SET is_read = $2, updated_at = $3 WHERE user_id = $1 AND is_read = $4"
    )
    .bind(user_id)
    .bind(true)
    .bind(now_ms())
    .bind(false)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    .map_err(StoreError::from)
    })
}

/// The users of `ids` (not blocked), with what they asked for.
pub async fn recipients(ex: Ex<'_>, ids: &[i64]) -> Result<Vec<Recipient>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks = crate::placeholders(2, ids.len());
    let sql = format!(
        "SELECT {RECIPIENT_COLS} FROM users WHERE blocked = $1 AND id IN ({marks}) ORDER BY id"
    );
    dual!(ex, |c| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(false);
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(c).await.map_err(StoreError::from)
    })
}

/// The users whose role holds one of `roles` (not blocked): who is told what moderators are.
pub async fn with_roles(ex: Ex<'_>, roles: &[i64]) -> Result<Vec<Recipient>> {
    if roles.is_empty() {
        return Ok(Vec::new());
    }
    let marks = crate::placeholders(2, roles.len());
    let sql = format!(
        "SELECT {RECIPIENT_COLS} FROM users WHERE blocked = $1 AND role IN ({marks}) ORDER BY id"
    );
    dual!(ex, |c| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(false);
        for r in roles {
            q = q.bind(*r);
        }
        q.fetch_all(c).await.map_err(StoreError::from)
    })
}

/// `user_id`'s changed settings (JSON), if any.
pub async fn settings_of(ex: Ex<'_>, user_id: i64) -> Result<Option<String>> {
    dual!(ex, |c| sqlx::query_scalar(
        "SELECT notification_settings FROM users WHERE id = $1"
    )
    .bind(user_id)
    .fetch_optional(c)
    .await
    .map(Option::flatten)
    .map_err(StoreError::from))
}

pub async fn set_settings(ex: Ex<'_>, user_id: i64, settings: &str) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE users SET notification_settings = $2 WHERE id = $1"
    )
    .bind(user_id)
    .bind(settings)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// The language `user_id`'s mails are written in (the one they last chose).
pub async fn set_language(ex: Ex<'_>, user_id: i64, language: &str) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE users SET language = $2 WHERE id = $1 AND (language IS NULL OR language <> $2)"
    )
    .bind(user_id)
    .bind(language)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// What a block silences: an account, or every account of an instance.
#[derive(Debug, Clone, Copy)]
pub enum Silenced<'a> {
    Account(i64),
    Host(&'a str),
}

/// Deletes the notifications `silenced` caused (as the account it names, or as the author of
/// the comment it names), of `user_id`, or of everyone (`None`: the instance blocked it), as
/// PeerTube does on a new block; how many.
pub async fn forget_caused_by(
    ex: Ex<'_>,
    user_id: Option<i64>,
    silenced: Silenced<'_>,
) -> Result<u64> {
    let (cond, bind) = match silenced {
        Silenced::Account(id) => ("a.id = $2", Bind::Int(id)),
        Silenced::Host(h) => ("a.host = $2", Bind::Text(h.to_string())),
    };
    let sql = format!(
        "DELETE FROM user_notifications WHERE ($1 = 0 OR user_id = $1) AND (
            account_id IN (SELECT a.id FROM accounts a WHERE {cond})
            OR comment_id IN (SELECT c.id FROM video_comments c
                JOIN accounts a ON a.id = c.account_id WHERE {cond}))"
    );
    dual!(ex, |c| {
        let q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(user_id.unwrap_or(0));
        let q = match &bind {
            Bind::Int(i) => q.bind(*i),
            Bind::Text(t) => q.bind(t.clone()),
            Bind::Bool(b) => q.bind(*b),
        };
        q.execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(StoreError::from)
    })
}

//! The audit log: what moderators and administrators did, to whom, and when.

use crate::{Ex, Result, StoreError, dual, now_ms};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Entry {
    pub id: i64,
    pub at: i64,
    pub user_id: Option<i64>,
    pub username: String,
    /// What kind of thing was acted on: `users`, `videos`, `abuse`, `blocklist`…
    pub domain: String,
    /// `create`, `update`, `delete`, `block`, `unblock`…
    pub action: String,
    /// What was acted on, as people read it (`user 5 ann`).
    pub target: String,
    /// What changed, as JSON.
    pub details: Option<String>,
}

/// What an entry says.
#[derive(Debug, Clone, Copy)]
pub struct NewEntry<'a> {
    pub user_id: i64,
    pub username: &'a str,
    pub domain: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub details: Option<&'a str>,
}

pub async fn record(ex: Ex<'_>, e: &NewEntry<'_>) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "INSERT INTO audit_log (at, user_id, username, domain, action, target, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(now_ms())
    .bind(e.user_id)
    .bind(e.username)
    .bind(e.domain)
    .bind(e.action)
    .bind(e.target)
    .bind(e.details)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// The entries from `since` (ms) to `until`, oldest first, at most `limit`.
pub async fn between(ex: Ex<'_>, since: i64, until: i64, limit: i64) -> Result<Vec<Entry>> {
    dual!(ex, |c| sqlx::query_as(
        "SELECT id, at, user_id, username, domain, action, target, details FROM audit_log
         WHERE at >= $1 AND at <= $2 ORDER BY at ASC, id ASC LIMIT $3"
    )
    .bind(since)
    .bind(until)
    .bind(limit)
    .fetch_all(c)
    .await
    .map_err(StoreError::from))
}

/// The newest `limit` entries, newest first (the administrators' page).
pub async fn latest(ex: Ex<'_>, limit: i64) -> Result<Vec<Entry>> {
    dual!(ex, |c| sqlx::query_as(
        "SELECT id, at, user_id, username, domain, action, target, details FROM audit_log
         ORDER BY at DESC, id DESC LIMIT $1"
    )
    .bind(limit)
    .fetch_all(c)
    .await
    .map_err(StoreError::from))
}

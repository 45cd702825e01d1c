//! Video imports: a user's request to make a video of what a URL holds, and how it went
//! (PeerTube's `VideoImportState` numbers in `state`).

use crate::{Bind, Ex, Result, StoreError, dual, now_ms, paged};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VideoImport {
    pub id: i64,
    pub user_id: i64,
    pub video_id: Option<i64>,
    pub target_url: String,
    pub state: i64,
    pub error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The channel synchronisation that made it, if one did.
    pub sync_id: Option<i64>,
}

const COLS: &str =
    "id, user_id, video_id, target_url, state, error, created_at, updated_at, sync_id";

/// Records an import of `target_url` into the video `video_id`, in `state` (made by the
/// synchronisation `sync_id`, if any); its id.
pub async fn insert(
    ex: Ex<'_>,
    user_id: i64,
    video_id: i64,
    target_url: &str,
    state: i64,
    sync_id: Option<i64>,
) -> Result<i64> {
    dual!(ex, |c| sqlx::query_scalar(
        "INSERT INTO video_imports (user_id, video_id, target_url, state, created_at, updated_at,
            sync_id)
         VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id"
    )
    .bind(user_id)
    .bind(video_id)
    .bind(target_url)
    .bind(state)
    .bind(now_ms())
    .bind(sync_id)
    .fetch_one(c)
    .await
    .map_err(StoreError::from))
}

pub async fn by_id(ex: Ex<'_>, id: i64) -> Result<Option<VideoImport>> {
    let sql = format!("SELECT {COLS} FROM video_imports WHERE id = $1");
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_optional(c)
        .await
        .map_err(StoreError::from))
}

/// Moves an import to `state` with `error` (none clears it), if it is in one of `from` (none:
/// whatever it is in); whether it moved.
pub async fn set_state(
    ex: Ex<'_>,
    id: i64,
    from: &[i64],
    state: i64,
    error: Option<&str>,
) -> Result<bool> {
    let only = if from.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = from.iter().map(i64::to_string).collect();
        format!(" AND state IN ({})", list.join(", "))
    };
    let sql = format!(
        "UPDATE video_imports SET state = $2, error = $3, updated_at = $4 WHERE id = $1{only}"
    );
    dual!(ex, |c| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .bind(state)
        .bind(error)
        .bind(now_ms())
        .execute(c)
        .await
        .map(|r| r.rows_affected() > 0)
        .map_err(StoreError::from))
}

pub async fn delete(ex: Ex<'_>, id: i64) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "DELETE FROM video_imports WHERE id = $1"
    )
    .bind(id)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// Which of a user's imports a page shows ([`of_user`]).
#[derive(Debug, Clone, Default)]
pub struct ImportFilter<'a> {
    /// Only those whose URL is this one.
    pub target_url: Option<&'a str>,
    /// Only those whose URL or video's name holds this (literally).
    pub search: Option<&'a str>,
    /// Only those this channel synchronisation made.
    pub sync_id: Option<i64>,
    pub oldest_first: bool,
    pub start: i64,
    pub count: i64,
}

/// A page of a user's imports, newest first (oldest first with `oldest_first`), those `f`
/// selects.
pub async fn of_user(
    ex: Ex<'_>,
    user_id: i64,
    f: &ImportFilter<'_>,
) -> Result<(Vec<VideoImport>, i64)> {
    let mut binds = vec![Bind::Int(user_id)];
    let mut conds = vec!["i.user_id = $1".to_string()];
    if let Some(url) = f.target_url {
        binds.push(Bind::Text(url.to_string()));
        conds.push(format!("i.target_url = ${}", binds.len()));
    }
    if let Some(sync) = f.sync_id {
        binds.push(Bind::Int(sync));
        conds.push(format!("i.sync_id = ${}", binds.len()));
    }
    if let Some(s) = f.search {
        binds.push(Bind::Text(crate::like_pattern(s)));
        let n = binds.len();
        conds.push(format!(
            "(LOWER(i.target_url) LIKE ${n} ESCAPE '\\' OR LOWER(v.name) LIKE ${n} ESCAPE '\\')"
        ));
    }
    let from = format!(
        "FROM video_imports i LEFT JOIN videos v ON v.id = i.video_id WHERE {}",
        conds.join(" AND ")
    );
    let order = if f.oldest_first { "ASC" } else { "DESC" };
    let cols: Vec<String> = COLS.split(", ").map(|c| format!("i.{c}")).collect();
    let sql = format!(
        "SELECT {} {from} ORDER BY i.created_at {order}, i.id {order}",
        cols.join(", ")
    );
    let count_sql = format!("SELECT COUNT(*) {from}");
    paged(ex, &sql, &count_sql, &binds, f.count, f.start).await
}

/// Another site's channel synchronised into one of ours, with the account owning ours.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChannelSync {
    pub id: i64,
    pub channel_id: i64,
    pub external_url: String,
    pub state: i64,
    pub last_sync_at: Option<i64>,
    pub created_at: i64,
    pub account_id: i64,
}

const SYNC_COLS: &str = "s.id, s.channel_id, s.external_url, s.state, s.last_sync_at, s.created_at,
     c.account_id";
const SYNC_FROM: &str = "FROM channel_syncs s JOIN channels c ON c.id = s.channel_id";

/// Records a synchronisation of `external_url` into `channel_id`, in `state`; its id.
pub async fn insert_sync(
    ex: Ex<'_>,
    channel_id: i64,
    external_url: &str,
    state: i64,
) -> Result<i64> {
    dual!(ex, |c| sqlx::query_scalar(
        "INSERT INTO channel_syncs (channel_id, external_url, state, created_at)
         VALUES ($1, $2, $3, $4) RETURNING id"
    )
    .bind(channel_id)
    .bind(external_url)
    .bind(state)
    .bind(now_ms())
    .fetch_one(c)
    .await
    .map_err(StoreError::from))
}

pub async fn sync_by_id(ex: Ex<'_>, id: i64) -> Result<Option<ChannelSync>> {
    let sql = format!("SELECT {SYNC_COLS} {SYNC_FROM} WHERE s.id = $1");
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_optional(c)
        .await
        .map_err(StoreError::from))
}

/// A page of an account's synchronisations, newest first, and how many it has.
pub async fn syncs_of_account(
    ex: Ex<'_>,
    account_id: i64,
    start: i64,
    count: i64,
) -> Result<(Vec<ChannelSync>, i64)> {
    let sql = format!(
        "SELECT {SYNC_COLS} {SYNC_FROM} WHERE c.account_id = $1 ORDER BY s.created_at DESC, s.id DESC"
    );
    let count_sql = format!("SELECT COUNT(*) {SYNC_FROM} WHERE c.account_id = $1");
    paged(ex, &sql, &count_sql, &[Bind::Int(account_id)], count, start).await
}

/// The synchronisations not run since `before` (ms), or never, oldest first, at most `limit`.
pub async fn syncs_due(ex: Ex<'_>, before: i64, limit: i64) -> Result<Vec<ChannelSync>> {
    let sql = format!(
        "SELECT {SYNC_COLS} {SYNC_FROM} WHERE s.last_sync_at IS NULL OR s.last_sync_at < $1
         ORDER BY s.last_sync_at, s.id LIMIT $2"
    );
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(before)
        .bind(limit)
        .fetch_all(c)
        .await
        .map_err(StoreError::from))
}

/// Sets a synchronisation's state, and when it last ran if `ran_at` is given.
pub async fn set_sync_state(ex: Ex<'_>, id: i64, state: i64, ran_at: Option<i64>) -> Result<()> {
    dual!(ex, |c| {
        sqlx::query(
        "UPDATE channel_syncs SET state = $2, last_sync_at = COALESCE($3, last_sync_at) WHERE id = $1"
    )
    .bind(id)
    .bind(state)
    .bind(ran_at)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from)
    })
}

pub async fn delete_sync(ex: Ex<'_>, id: i64) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "DELETE FROM channel_syncs WHERE id = $1"
    )
    .bind(id)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// Whether `target_url` was imported into `channel_id` already, or is being (PeerTube's
/// `urlAlreadyImported`: a pending, running or done import whose video is in the channel).
pub async fn already_imported(ex: Ex<'_>, channel_id: i64, target_url: &str) -> Result<bool> {
    dual!(ex, |c| sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM video_imports i JOIN videos v ON v.id = i.video_id
           WHERE i.target_url = $1 AND v.channel_id = $2 AND i.state IN (1, 2, 6))"
    )
    .bind(target_url)
    .bind(channel_id)
    .fetch_one(c)
    .await
    .map_err(StoreError::from))
}

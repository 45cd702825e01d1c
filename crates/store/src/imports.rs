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
}

const COLS: &str = "id, user_id, video_id, target_url, state, error, created_at, updated_at";

/// Records an import of `target_url` into the video `video_id`, in `state`; its id.
pub async fn insert(
    ex: Ex<'_>,
    user_id: i64,
    video_id: i64,
    target_url: &str,
    state: i64,
) -> Result<i64> {
    dual!(ex, |c| sqlx::query_scalar(
        "INSERT INTO video_imports (user_id, video_id, target_url, state, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id"
    )
    .bind(user_id)
    .bind(video_id)
    .bind(target_url)
    .bind(state)
    .bind(now_ms())
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

/// A page of a user's imports, newest first (oldest first with `oldest_first`), those whose
/// URL is `target_url` when given, or whose URL or video's name holds `search` (literally).
pub async fn of_user(
    ex: Ex<'_>,
    user_id: i64,
    target_url: Option<&str>,
    search: Option<&str>,
    oldest_first: bool,
    start: i64,
    count: i64,
) -> Result<(Vec<VideoImport>, i64)> {
    let mut binds = vec![Bind::Int(user_id)];
    let mut conds = vec!["i.user_id = $1".to_string()];
    if let Some(url) = target_url {
        binds.push(Bind::Text(url.to_string()));
        conds.push(format!("i.target_url = ${}", binds.len()));
    }
    if let Some(s) = search {
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
    let order = if oldest_first { "ASC" } else { "DESC" };
    let cols: Vec<String> = COLS.split(", ").map(|c| format!("i.{c}")).collect();
    let sql = format!(
        "SELECT {} {from} ORDER BY i.created_at {order}, i.id {order}",
        cols.join(", ")
    );
    let count_sql = format!("SELECT COUNT(*) {from}");
    paged(ex, &sql, &count_sql, &binds, count, start).await
}

//! Video blocks (PeerTube's "blacklist"): at most one per video, a moderator's (kind 1) or an
//! automatic one waiting for a moderator's approval (kind 2).

use crate::{Bind, Ex, Result, StoreError, dual, now_ms, paged};

/// A moderator's block.
pub const MANUAL: i64 = 1;
/// An automatic block of a new user's video, until a moderator approves it.
pub const AUTO: i64 = 2;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VideoBlock {
    pub id: i64,
    pub video_id: i64,
    pub reason: Option<String>,
    pub unfederated: bool,
    pub kind: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "b.id, b.video_id, b.reason, b.unfederated, b.kind, b.created_at, b.updated_at";

/// Blocks video `video_id`; the block's id, `None` when it was blocked already.
pub async fn insert(
    ex: Ex<'_>,
    video_id: i64,
    reason: Option<&str>,
    unfederated: bool,
    kind: i64,
) -> Result<Option<i64>> {
    dual!(ex, |c| sqlx::query_scalar(
        "INSERT INTO video_blocks (video_id, reason, unfederated, kind, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (video_id) DO NOTHING RETURNING id"
    )
    .bind(video_id)
    .bind(reason)
    .bind(unfederated)
    .bind(kind)
    .bind(now_ms())
    .fetch_optional(c)
    .await
    .map_err(StoreError::from))
}

pub async fn of_video(ex: Ex<'_>, video_id: i64) -> Result<Option<VideoBlock>> {
    let sql = format!("SELECT {COLS} FROM video_blocks b WHERE b.video_id = $1");
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(video_id)
        .fetch_optional(c)
        .await
        .map_err(StoreError::from))
}

pub async fn set_reason(ex: Ex<'_>, video_id: i64, reason: Option<&str>) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE video_blocks SET reason = $2, updated_at = $3 WHERE video_id = $1"
    )
    .bind(video_id)
    .bind(reason)
    .bind(now_ms())
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// Unblocks video `video_id`; whether it was blocked.
pub async fn delete(ex: Ex<'_>, video_id: i64) -> Result<bool> {
    dual!(ex, |c| sqlx::query(
        "DELETE FROM video_blocks WHERE video_id = $1"
    )
    .bind(video_id)
    .execute(c)
    .await
    .map(|r| r.rows_affected() > 0)
    .map_err(StoreError::from))
}

/// How a list of blocks is ordered (PeerTube's sorts: the block's own columns, or its video's).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Order {
    #[default]
    Created,
    Id,
    Name,
    Duration,
    Views,
    Likes,
    Dislikes,
    Uuid,
}

impl Order {
    fn column(self) -> &'static str {
        match self {
            Order::Created => "b.created_at",
            Order::Id => "b.id",
            Order::Name => "v.name",
            Order::Duration => "v.duration",
            Order::Views => "v.views",
            Order::Likes => "v.likes",
            Order::Dislikes => "v.dislikes",
            Order::Uuid => "v.uuid",
        }
    }
}

/// Which blocks a list shows (PeerTube's `GET /api/v1/videos/blacklist`).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub kind: Option<i64>,
    /// Words of the video's name.
    pub search: Option<String>,
    pub order: Order,
    pub descending: bool,
    pub start: i64,
    pub count: i64,
}

/// A page of blocks, and how many `f` selects. (PeerTube's total leaves the search out, which
/// makes its clients page past the end: this one counts what the page is taken from.)
pub async fn list(ex: Ex<'_>, f: &Filter) -> Result<(Vec<VideoBlock>, i64)> {
    let mut conds = vec!["1 = 1".to_string()];
    let mut binds = Vec::new();
    if let Some(k) = f.kind {
        binds.push(Bind::Int(k));
        conds.push(format!("b.kind = ${}", binds.len()));
    }
    if let Some(s) = &f.search {
        binds.push(Bind::Text(crate::like_pattern(s)));
        conds.push(format!("LOWER(v.name) LIKE ${} ESCAPE '\\'", binds.len()));
    }
    let wher = conds.join(" AND ");
    let dir = if f.descending { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT {COLS} FROM video_blocks b JOIN videos v ON v.id = b.video_id WHERE {wher}
         ORDER BY {} {dir}, b.id ASC",
        f.order.column()
    );
    let count_sql = format!(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM video_blocks b JOIN videos v ON v.id = b.video_id
         WHERE {wher}"
    );
    paged(ex, &sql, &count_sql, &binds, f.count, f.start).await
}

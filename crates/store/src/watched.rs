//! Watched words and automatic tags (PeerTube 6.2): lists of words an account (or the instance,
//! `owner` `None`) watches for, the tags comments and videos got from them, and the tags an
//! account holds comments for. An owner is `Some(account id)` or `None` for the instance; in SQL
//! `COALESCE(account_id, 0)`, which the unique index covers.

use crate::{Bind, Ex, Result, StoreError, dual, now_ms, paged};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WatchedList {
    pub id: i64,
    pub account_id: Option<i64>,
    pub list_name: String,
    /// A JSON array of the words.
    pub words: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl WatchedList {
    pub fn words(&self) -> Vec<String> {
        serde_json::from_str(&self.words).unwrap_or_default()
    }
}

const COLS: &str = "id, account_id, list_name, words, created_at, updated_at";

fn owner_key(owner: Option<i64>) -> i64 {
    owner.unwrap_or(0)
}

/// Adds a list; a name the owner already uses is a [`StoreError::Conflict`].
pub async fn insert_list(
    ex: Ex<'_>,
    owner: Option<i64>,
    name: &str,
    words: &[String],
) -> Result<i64> {
    let words = serde_json::to_string(words).unwrap_or_else(|_| "[]".into());
    dual!(ex, |c| sqlx::query_scalar(
        "INSERT INTO watched_words_lists (account_id, list_name, words, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $4) RETURNING id"
    )
    .bind(owner)
    .bind(name)
    .bind(&words)
    .bind(now_ms())
    .fetch_one(c)
    .await
    .map_err(StoreError::from))
}

/// The list `id` of `owner`, if it is theirs.
pub async fn list_of(ex: Ex<'_>, owner: Option<i64>, id: i64) -> Result<Option<WatchedList>> {
    let sql = format!(
        "SELECT {COLS} FROM watched_words_lists WHERE id = $1 AND COALESCE(account_id, 0) = $2"
    );
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .bind(owner_key(owner))
        .fetch_optional(c)
        .await
        .map_err(StoreError::from))
}

/// Renames a list or replaces its words (what is `None` stays).
pub async fn update_list(
    ex: Ex<'_>,
    id: i64,
    name: Option<&str>,
    words: Option<&[String]>,
) -> Result<()> {
    let words = words.map(|w| serde_json::to_string(w).unwrap_or_else(|_| "[]".into()));
    dual!(ex, |c| sqlx::query(
        "UPDATE watched_words_lists SET list_name = COALESCE($2, list_name),
             words = COALESCE($3, words), updated_at = $4
         WHERE id = $1"
    )
    .bind(id)
    .bind(name)
    .bind(words)
    .bind(now_ms())
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

pub async fn delete_list(ex: Ex<'_>, id: i64) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "DELETE FROM watched_words_lists WHERE id = $1"
    )
    .bind(id)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// A page of `owner`'s lists in `order` (a column and direction the caller chose from a fixed
/// set), and how many there are.
pub async fn lists_page(
    ex: Ex<'_>,
    owner: Option<i64>,
    order: ListOrder,
    start: i64,
    count: i64,
) -> Result<(Vec<WatchedList>, i64)> {
    let order = match order {
        ListOrder::Oldest => "created_at ASC, id ASC",
        ListOrder::Newest => "created_at DESC, id DESC",
        ListOrder::Name => "list_name ASC, id ASC",
        ListOrder::NameDesc => "list_name DESC, id DESC",
        ListOrder::Updated => "updated_at ASC, id ASC",
        ListOrder::UpdatedDesc => "updated_at DESC, id DESC",
    };
    paged(
        ex,
        &format!(
            "SELECT {COLS} FROM watched_words_lists WHERE COALESCE(account_id, 0) = $1 ORDER BY {order}"
        ),
        "SELECT CAST(COUNT(*) AS BIGINT) FROM watched_words_lists WHERE COALESCE(account_id, 0) = $1",
        &[Bind::Int(owner_key(owner))],
        count,
        start,
    )
    .await
}

/// PeerTube's sorts of watched words lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOrder {
    Oldest,
    Newest,
    Name,
    NameDesc,
    Updated,
    UpdatedDesc,
}

/// Every list of `owner` (what tags are made from), oldest first.
pub async fn lists_all(ex: Ex<'_>, owner: Option<i64>) -> Result<Vec<WatchedList>> {
    let sql = format!(
        "SELECT {COLS} FROM watched_words_lists WHERE COALESCE(account_id, 0) = $1
         ORDER BY created_at, id"
    );
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(owner_key(owner))
        .fetch_all(c)
        .await
        .map_err(StoreError::from))
}

/// What changes when `owner`'s lists change: how many there are and when the last changed.
pub async fn lists_stamp(ex: Ex<'_>, owner: Option<i64>) -> Result<(i64, i64)> {
    dual!(ex, |c| sqlx::query_as::<_, (i64, i64)>(
        "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(MAX(updated_at), 0) AS BIGINT)
         FROM watched_words_lists WHERE COALESCE(account_id, 0) = $1"
    )
    .bind(owner_key(owner))
    .fetch_one(c)
    .await
    .map_err(StoreError::from))
}

/// The tags `account` holds comments for.
pub async fn review_policy(ex: Ex<'_>, account: i64) -> Result<Vec<String>> {
    dual!(ex, |c| sqlx::query_scalar(
        "SELECT name FROM automatic_tag_policies WHERE account_id = $1 ORDER BY name"
    )
    .bind(account)
    .fetch_all(c)
    .await
    .map_err(StoreError::from))
}

/// Replaces the tags `account` holds comments for.
pub async fn set_review_policy(ex: Ex<'_>, account: i64, names: &[String]) -> Result<()> {
    replace_all(
        ex,
        "DELETE FROM automatic_tag_policies WHERE account_id = $1",
        "INSERT INTO automatic_tag_policies (account_id, name) VALUES ($1, $2)
         ON CONFLICT DO NOTHING",
        account,
        names,
    )
    .await
}

/// Replaces the names kept for `key`: `delete` (`$1` the key) then `insert` for each name.
async fn replace_all(
    mut ex: Ex<'_>,
    delete: &str,
    insert: &str,
    key: i64,
    names: &[String],
) -> Result<()> {
    dual!(ex.reborrow(), |c| sqlx::query(sqlx::AssertSqlSafe(delete))
        .bind(key)
        .execute(c)
        .await
        .map(|_| ())
        .map_err(StoreError::from))?;
    insert_each(ex, insert, key, None, names).await
}

/// Runs the `INSERT` `sql` for each of `names`: `$1` is `key`, `$2` the name, and `$3`
/// `owner` when given.
async fn insert_each(
    mut ex: Ex<'_>,
    sql: &str,
    key: i64,
    owner: Option<Option<i64>>,
    names: &[String],
) -> Result<()> {
    for name in names {
        dual!(ex.reborrow(), |c| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(key).bind(name);
            if let Some(o) = owner {
                q = q.bind(o);
            }
            q.execute(c).await.map(|_| ()).map_err(StoreError::from)
        })?;
    }
    Ok(())
}

/// Records the tags comment `comment` got for `owner` (the video's owner, or the instance).
pub async fn tag_comment(
    ex: Ex<'_>,
    comment: i64,
    owner: Option<i64>,
    names: &[String],
) -> Result<()> {
    insert_each(
        ex,
        "INSERT INTO comment_automatic_tags (comment_id, name, account_id) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
        comment,
        Some(owner),
        names,
    )
    .await
}

/// The tags each of `comments` got for `owner`: (comment id, tag), by comment then tag.
pub async fn tags_of_comments(
    ex: Ex<'_>,
    owner: Option<i64>,
    comments: &[i64],
) -> Result<Vec<(i64, String)>> {
    if comments.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT comment_id, name FROM comment_automatic_tags
         WHERE COALESCE(account_id, 0) = $1 AND comment_id IN ({})
         ORDER BY comment_id, name",
        crate::placeholders(2, comments.len())
    );
    dual!(ex, |c| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(owner_key(owner));
        for id in comments {
            q = q.bind(*id);
        }
        q.fetch_all(c).await.map_err(StoreError::from)
    })
}

/// Replaces the tags video `video` got from the instance's lists.
pub async fn tag_video(ex: Ex<'_>, video: i64, names: &[String]) -> Result<()> {
    replace_all(
        ex,
        "DELETE FROM video_automatic_tags WHERE video_id = $1",
        "INSERT INTO video_automatic_tags (video_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        video,
        names,
    )
    .await
}

/// The tags each of `videos` got: (video id, tag), by video then tag.
pub async fn tags_of_videos(ex: Ex<'_>, videos: &[i64]) -> Result<Vec<(i64, String)>> {
    if videos.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT video_id, name FROM video_automatic_tags WHERE video_id IN ({})
         ORDER BY video_id, name",
        crate::placeholders(1, videos.len())
    );
    dual!(ex, |c| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for id in videos {
            q = q.bind(*id);
        }
        q.fetch_all(c).await.map_err(StoreError::from)
    })
}

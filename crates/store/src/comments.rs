//! Comments under videos, in threads (PeerTube's model: a thread is a first comment, replies
//! point at their parent and at their thread).

use crate::{Ex, Result, StoreError, dual, now_ms};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Comment {
    pub id: i64,
    pub video_id: i64,
    pub account_id: i64,
    pub thread_id: Option<i64>,
    pub in_reply_to_id: Option<i64>,
    pub text: String,
    pub url: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub deleted_at: Option<i64>,
    /// Waiting for the video owner's approval (PeerTube's `heldForReview`).
    pub held_for_review: bool,
    /// The id of the `ApproveReply` by which another instance approved this comment of ours.
    pub reply_approval: Option<String>,
    /// Replies in its thread (for a thread's first comment; 0 otherwise).
    pub replies: i64,
}

/// Which comments held for review a reader sees, besides every comment not held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// None: an anonymous reader, or one who neither wrote them nor owns the video.
    Hidden,
    /// Those this account wrote (an author sees their own comment waiting).
    Author(i64),
    /// All of them: the video's owner and moderators.
    All,
}

/// Which comments a reader sees: the held ones [`Held`] lets it see, and none by an author the
/// instance blocks or `blockers` (the reader, the video's owner) mute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub held: Held,
    pub blockers: Vec<i64>,
}

impl From<Held> for Shown {
    fn from(held: Held) -> Shown {
        Shown {
            held,
            blockers: Vec::new(),
        }
    }
}

impl Shown {
    /// The condition on the comments of alias `t`.
    fn cond(&self, t: &str) -> String {
        let blocked = crate::blocklist::not_blocked(
            &format!("{t}.account_id"),
            &format!("(SELECT ba.host FROM accounts ba WHERE ba.id = {t}.account_id)"),
            &self.blockers,
        );
        format!("{} AND {blocked}", self.held.cond(t))
    }
}

impl Held {
    /// The condition on the comments of alias `t` (an account id is a number: safe inline).
    fn cond(self, t: &str) -> String {
        match self {
            Held::Hidden => format!("{t}.held_for_review = FALSE"),
            Held::Author(id) => format!("({t}.held_for_review = FALSE OR {t}.account_id = {id})"),
            Held::All => "1 = 1".into(),
        }
    }
}

// The count names the video too, so that it reads the `(video_id, thread_id, id)` index rather
// than the whole table once per row.
fn cols(shown: &Shown) -> String {
    format!(
        "c.id, c.video_id, c.account_id, c.thread_id, c.in_reply_to_id, c.text, c.url,
    c.created_at, c.updated_at, c.deleted_at, c.held_for_review, c.reply_approval,
    (SELECT CAST(COUNT(*) AS BIGINT) FROM video_comments r
     WHERE r.video_id = c.video_id AND r.thread_id = c.id AND {}) AS replies",
        shown.cond("r")
    )
}

/// The columns of a reply: a reply has no replies of its own in its thread's count.
const REPLY_COLS: &str = "c.id, c.video_id, c.account_id, c.thread_id, c.in_reply_to_id, c.text,
    c.url, c.created_at, c.updated_at, c.deleted_at, c.held_for_review, c.reply_approval,
    CAST(0 AS BIGINT) AS replies";

/// Adds a comment: a new thread when `parent` is `None`, else a reply in the parent's thread;
/// `held` when it waits for the video owner's approval.
pub async fn insert(
    ex: Ex<'_>,
    video_id: i64,
    account_id: i64,
    parent: Option<&Comment>,
    text: &str,
    url: Option<&str>,
    held: bool,
) -> Result<i64> {
    let now = now_ms();
    let thread = parent.map(|p| p.thread_id.unwrap_or(p.id));
    dual!(ex, |c| {
        sqlx::query_scalar(
        "INSERT INTO video_comments (video_id, account_id, thread_id, in_reply_to_id, text, url,
             created_at, updated_at, held_for_review)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING id"
    )
    .bind(video_id)
    .bind(account_id)
    .bind(thread)
    .bind(parent.map(|p| p.id))
    .bind(text)
    .bind(url)
    .bind(now)
    .bind(held)
    .fetch_one(c)
    .await
    .map_err(StoreError::from)
    })
}

/// A comment, held or not (its `replies` count every reply).
pub async fn by_id(ex: Ex<'_>, id: i64) -> Result<Option<Comment>> {
    let sql = format!(
        "SELECT {} FROM video_comments c WHERE c.id = $1",
        cols(&Shown::from(Held::All))
    );
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_optional(c)
        .await
        .map_err(StoreError::from))
}

/// The comments `account_id` wrote, not deleted, under videos of other accounts (those under
/// its own videos go with them), oldest first.
pub async fn live_of_account_elsewhere(ex: Ex<'_>, account_id: i64) -> Result<Vec<Comment>> {
    let sql = format!(
        "SELECT {REPLY_COLS} FROM video_comments c JOIN videos v ON v.id = c.video_id
         JOIN channels ch ON ch.id = v.channel_id
         WHERE c.account_id = $1 AND c.deleted_at IS NULL AND ch.account_id <> $1 ORDER BY c.id"
    );
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(account_id)
        .fetch_all(c)
        .await
        .map_err(StoreError::from))
}

/// The comments of `ids` that exist, held or not, in no particular order.
pub async fn by_ids(ex: Ex<'_>, ids: &[i64]) -> Result<Vec<Comment>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {} FROM video_comments c WHERE c.id IN ({})",
        cols(&Shown::from(Held::All)),
        crate::placeholders(1, ids.len())
    );
    dual!(ex, |c| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(c).await.map_err(StoreError::from)
    })
}

/// A video's threads (first comments) that `shown` lets its reader see, newest first, and how
/// many there are.
pub async fn threads(
    ex: Ex<'_>,
    video_id: i64,
    shown: impl Into<Shown>,
    start: i64,
    count: i64,
) -> Result<(Vec<Comment>, i64)> {
    let shown = &shown.into();
    let sql = format!(
        "SELECT {} FROM video_comments c WHERE c.video_id = $1 AND c.thread_id IS NULL AND {}
         ORDER BY c.id DESC LIMIT $2 OFFSET $3",
        cols(shown),
        shown.cond("c")
    );
    let count_sql = format!(
        "SELECT COUNT(*) FROM video_comments c WHERE c.video_id = $1 AND c.thread_id IS NULL AND {}",
        shown.cond("c")
    );
    dual!(ex, |c| {
        let rows = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(video_id)
            .bind(count)
            .bind(start)
            .fetch_all(&mut *c)
            .await?;
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql.as_str()))
            .bind(video_id)
            .fetch_one(&mut *c)
            .await?;
        Ok::<_, sqlx::Error>((rows, total))
    })
    .map_err(StoreError::from)
}

/// A thread's replies `shown` lets its reader see (`$1` the video, `$2` the thread), oldest or
/// `newest` first, at most `$3`.
fn replies_sql(shown: &Shown, newest: bool) -> String {
    format!(
        "SELECT {REPLY_COLS} FROM video_comments c WHERE c.video_id = $1 AND c.thread_id = $2
         AND {} ORDER BY c.id {} LIMIT $3",
        shown.cond("c"),
        if newest { "DESC" } else { "ASC" }
    )
}

/// A thread's first comment (of `video_id`), then its oldest `limit` replies, oldest first, of
/// those `shown` lets its reader see; empty if `thread_id` is not a thread of that video it
/// sees. A thread's replies have no bound, so every reader says how many it takes.
pub async fn thread(
    ex: Ex<'_>,
    video_id: i64,
    thread_id: i64,
    shown: impl Into<Shown>,
    limit: i64,
) -> Result<Vec<Comment>> {
    let shown = &shown.into();
    let first = format!(
        "SELECT {} FROM video_comments c
         WHERE c.id = $1 AND c.video_id = $2 AND c.thread_id IS NULL AND {}",
        cols(shown),
        shown.cond("c")
    );
    let replies = replies_sql(shown, false);
    dual!(ex, |c| {
        let Some(head): Option<Comment> = sqlx::query_as(sqlx::AssertSqlSafe(first.as_str()))
            .bind(thread_id)
            .bind(video_id)
            .fetch_optional(&mut *c)
            .await?
        else {
            return Ok(Vec::new());
        };
        let mut all = vec![head];
        all.extend(
            sqlx::query_as::<_, Comment>(sqlx::AssertSqlSafe(replies.as_str()))
                .bind(video_id)
                .bind(thread_id)
                .bind(limit)
                .fetch_all(&mut *c)
                .await?,
        );
        Ok::<_, sqlx::Error>(all)
    })
    .map_err(StoreError::from)
}

/// The newest `limit` replies `shown` lets its reader see of the thread `thread_id` of
/// `video_id`, oldest first.
pub async fn latest_replies(
    ex: Ex<'_>,
    video_id: i64,
    thread_id: i64,
    shown: impl Into<Shown>,
    limit: i64,
) -> Result<Vec<Comment>> {
    let sql = replies_sql(&shown.into(), true);
    let mut rows: Vec<Comment> = dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(video_id)
        .bind(thread_id)
        .bind(limit)
        .fetch_all(c)
        .await
        .map_err(StoreError::from))?;
    rows.reverse();
    Ok(rows)
}

/// How deep comment `id` sits in its thread: 0 for a thread's first comment, 1 for a reply to
/// it, and so on, walking at most `most` parents up (a deeper comment is said to be `most`
/// deep). One statement, one primary-key read per level; `None` if there is no such comment.
pub async fn depth(ex: Ex<'_>, id: i64, most: i64) -> Result<Option<i64>> {
    dual!(ex, |c| sqlx::query_scalar(
        "WITH RECURSIVE up(id, parent, lvl) AS (
             SELECT id, in_reply_to_id, CAST(0 AS BIGINT) FROM video_comments WHERE id = $1
             UNION ALL
             SELECT p.id, p.in_reply_to_id, up.lvl + 1
             FROM video_comments p JOIN up ON p.id = up.parent
             WHERE up.lvl < $2
         )
         SELECT CAST(MAX(lvl) AS BIGINT) FROM up"
    )
    .bind(id)
    .bind(most)
    .fetch_one(c)
    .await
    .map_err(StoreError::from))
}

/// Comments of a video not deleted that `shown` lets its reader see.
pub async fn count_visible(ex: Ex<'_>, video_id: i64, shown: impl Into<Shown>) -> Result<i64> {
    let shown = &shown.into();
    let sql = format!(
        "SELECT COUNT(*) FROM video_comments c WHERE c.video_id = $1 AND c.deleted_at IS NULL
         AND {}",
        shown.cond("c")
    );
    dual!(ex, |c| sqlx::query_scalar(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(video_id)
    .fetch_one(c)
    .await
    .map_err(StoreError::from))
}

/// Deletes a comment's content, keeping its place in the thread.
pub async fn soft_delete(ex: Ex<'_>, id: i64) -> Result<()> {
    dual!(ex, |c| {
        sqlx::query(
        "UPDATE video_comments SET text = '', held_activity = NULL, deleted_at = $2, updated_at = $2
         WHERE id = $1"
    )
    .bind(id)
    .bind(now_ms())
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from)
    })
}

/// A comment by its ActivityPub id (another instance's comments keep theirs in `url`).
pub async fn by_url(ex: Ex<'_>, url: &str) -> Result<Option<Comment>> {
    let sql = format!(
        "SELECT {} FROM video_comments c WHERE c.url = $1",
        cols(&Shown::from(Held::All))
    );
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(url)
        .fetch_optional(c)
        .await
        .map_err(StoreError::from))
}

/// Approves a held comment: it is shown to all from now on. `approval` is the id of the
/// `ApproveReply` of the instance that approved it, for our comment on its video. False if
/// the comment was not held (already approved, or deleted meanwhile).
pub async fn approve(ex: Ex<'_>, id: i64, approval: Option<&str>) -> Result<bool> {
    dual!(ex, |c| {
        sqlx::query(
        "UPDATE video_comments SET held_for_review = FALSE, reply_approval = $2, held_activity = NULL
         WHERE id = $1 AND held_for_review = TRUE AND deleted_at IS NULL"
    )
    .bind(id)
    .bind(approval)
    .execute(c)
    .await
    .map(|r| r.rows_affected() == 1)
    .map_err(StoreError::from)
    })
}

/// Keeps the `Create` by which another instance's comment came while it waits for approval.
pub async fn keep_held_activity(ex: Ex<'_>, id: i64, activity: &str) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE video_comments SET held_activity = $2 WHERE id = $1 AND held_for_review = TRUE"
    )
    .bind(id)
    .bind(activity)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// The `Create` kept by [`keep_held_activity`], while the comment waits.
pub async fn held_activity(ex: Ex<'_>, id: i64) -> Result<Option<String>> {
    dual!(ex, |c| sqlx::query_scalar(
        "SELECT held_activity FROM video_comments WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(c)
    .await
    .map(Option::flatten)
    .map_err(StoreError::from))
}

/// Replaces a comment's text (an edit from its instance).
pub async fn set_text(ex: Ex<'_>, id: i64, text: &str) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE video_comments SET text = $2, updated_at = $3 WHERE id = $1 AND deleted_at IS NULL"
    )
    .bind(id)
    .bind(text)
    .bind(now_ms())
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// A page of the ids of a video's comments not deleted nor held, newest first, and how many
/// there are in all: (local id, ActivityPub id if another instance's).
pub async fn ids_of_video(
    ex: Ex<'_>,
    video_id: i64,
    start: i64,
    count: i64,
) -> Result<(Vec<(i64, Option<String>)>, i64)> {
    crate::paged(
        ex,
        "SELECT id, url FROM video_comments
         WHERE video_id = $1 AND deleted_at IS NULL AND held_for_review = FALSE ORDER BY id DESC",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM video_comments
         WHERE video_id = $1 AND deleted_at IS NULL AND held_for_review = FALSE",
        &[crate::Bind::Int(video_id)],
        count,
        start,
    )
    .await
}

/// Which comments a moderator's or a creator's list shows (PeerTube's `GET /videos/comments`
/// and `/users/me/videos/comments`); deleted ones never.
#[derive(Debug, Clone, Default)]
pub struct RecentFilter {
    /// Only comments under the videos of this account (a creator's own list).
    pub on_videos_of_account: Option<i64>,
    pub video_id: Option<i64>,
    pub channel_id: Option<i64>,
    /// `Some(true)`: only comments written here; `Some(false)`: only other instances'.
    pub is_local: Option<bool>,
    /// `Some(true)`: only under our videos; `Some(false)`: only under other instances'.
    pub on_local_video: Option<bool>,
    /// Words in the text, the author's name or the video's name.
    pub search: Option<String>,
    pub search_account: Option<String>,
    pub search_video: Option<String>,
    /// `Some(true)`: only comments waiting for approval; `Some(false)`: only the others.
    pub held_for_review: Option<bool>,
    /// Only comments with one of these automatic tags, of `auto_tags_of` (an account, or the
    /// instance when `None`).
    pub auto_tags_one_of: Vec<String>,
    pub auto_tags_of: Option<i64>,
    pub oldest_first: bool,
    pub start: i64,
    pub count: i64,
}

/// A page of the comments `f` selects, newest first unless asked otherwise, and how many match.
pub async fn recent(ex: Ex<'_>, f: &RecentFilter) -> Result<(Vec<Comment>, i64)> {
    let mut conds = vec!["c.deleted_at IS NULL".to_string()];
    let mut binds: Vec<crate::Bind> = Vec::new();
    // Placeholders in order (`paged` adds the page's after them).
    let next = |b: crate::Bind, binds: &mut Vec<crate::Bind>| {
        binds.push(b);
        format!("${}", binds.len())
    };
    if let Some(a) = f.on_videos_of_account {
        let m = next(crate::Bind::Int(a), &mut binds);
        conds.push(format!("ch.account_id = {m}"));
    }
    if let Some(v) = f.video_id {
        let m = next(crate::Bind::Int(v), &mut binds);
        conds.push(format!("c.video_id = {m}"));
    }
    if let Some(ch) = f.channel_id {
        let m = next(crate::Bind::Int(ch), &mut binds);
        conds.push(format!("v.channel_id = {m}"));
    }
    match f.is_local {
        Some(true) => conds.push("a.host IS NULL".into()),
        Some(false) => conds.push("a.host IS NOT NULL".into()),
        None => {}
    }
    if !f.auto_tags_one_of.is_empty() {
        let owner = next(crate::Bind::Int(f.auto_tags_of.unwrap_or(0)), &mut binds);
        let names: Vec<String> = f
            .auto_tags_one_of
            .iter()
            .map(|t| next(crate::Bind::Text(t.clone()), &mut binds))
            .collect();
        conds.push(format!(
            "EXISTS (SELECT 1 FROM comment_automatic_tags ct WHERE ct.comment_id = c.id
             AND COALESCE(ct.account_id, 0) = {owner} AND ct.name IN ({}))",
            names.join(", ")
        ));
    }
    match f.held_for_review {
        Some(true) => conds.push("c.held_for_review = TRUE".into()),
        Some(false) => conds.push("c.held_for_review = FALSE".into()),
        None => {}
    }
    match f.on_local_video {
        Some(true) => conds.push("v.url IS NULL".into()),
        Some(false) => conds.push("v.url IS NOT NULL".into()),
        None => {}
    }
    let like = |col: &str, m: &str| format!("LOWER({col}) LIKE {m} ESCAPE '\\'");
    if let Some(s) = f.search.as_deref().filter(|s| !s.is_empty()) {
        let m = next(crate::Bind::Text(crate::like_pattern(s)), &mut binds);
        conds.push(format!(
            "({} OR {} OR {} OR {})",
            like("c.text", &m),
            like("a.name", &m),
            like("a.display_name", &m),
            like("v.name", &m)
        ));
    }
    if let Some(s) = f.search_account.as_deref().filter(|s| !s.is_empty()) {
        let m = next(crate::Bind::Text(crate::like_pattern(s)), &mut binds);
        conds.push(format!(
            "({} OR {})",
            like("a.name", &m),
            like("a.display_name", &m)
        ));
    }
    if let Some(s) = f.search_video.as_deref().filter(|s| !s.is_empty()) {
        let m = next(crate::Bind::Text(crate::like_pattern(s)), &mut binds);
        conds.push(like("v.name", &m));
    }
    let from = format!(
        "FROM video_comments c JOIN accounts a ON a.id = c.account_id
         JOIN videos v ON v.id = c.video_id JOIN channels ch ON ch.id = v.channel_id
         WHERE {}",
        conds.join(" AND ")
    );
    let order = if f.oldest_first { "ASC" } else { "DESC" };
    let sql = format!("SELECT {REPLY_COLS} {from} ORDER BY c.id {order}");
    let count_sql = format!("SELECT CAST(COUNT(*) AS BIGINT) {from}");
    crate::paged(ex, &sql, &count_sql, &binds, f.count, f.start).await
}

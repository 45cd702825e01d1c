//! Abuse reports (PeerTube's "abuses") and the messages between a reporter and the moderators.
//! A report names one thing: a video (with an optional span), a comment or an account; the
//! account that owns it is the one reported (`flagged_account_id`).

use crate::{Bind, Ex, Result, StoreError, dual, now_ms, paged};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Abuse {
    pub id: i64,
    /// `video`, `comment` or `account`.
    pub kind: String,
    pub reason: String,
    /// A JSON array of predefined reasons, by name.
    pub predefined_reasons: String,
    pub state: i64,
    pub moderation_comment: Option<String>,
    pub reporter_account_id: Option<i64>,
    pub flagged_account_id: Option<i64>,
    pub video_id: Option<i64>,
    pub start_at: Option<i64>,
    pub end_at: Option<i64>,
    /// The video as it was when reported (JSON), shown once it is gone.
    pub video_snapshot: Option<String>,
    pub comment_id: Option<i64>,
    /// The Flag it came in (another instance's report), and the thing that Flag named.
    pub url: Option<String>,
    pub object_url: Option<String>,
    pub processed_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub count_messages: i64,
    /// Reports by the same reporter, about the same account, about the same video; and which
    /// of the latter this one is (1 for the first).
    pub count_for_reporter: i64,
    pub count_for_reportee: i64,
    pub count_for_video: i64,
    pub nth_for_video: i64,
}

impl Abuse {
    pub fn predefined(&self) -> Vec<String> {
        serde_json::from_str(&self.predefined_reasons).unwrap_or_default()
    }
}

const COLS: &str = "a.id, a.kind, a.reason, a.predefined_reasons, a.state, a.moderation_comment,
    a.reporter_account_id, a.flagged_account_id, a.video_id, a.start_at, a.end_at,
    a.video_snapshot, a.comment_id, a.url, a.object_url, a.processed_at, a.created_at,
    a.updated_at,
    (SELECT CAST(COUNT(*) AS BIGINT) FROM abuse_messages m WHERE m.abuse_id = a.id) AS count_messages,
    (SELECT CAST(COUNT(*) AS BIGINT) FROM abuses r
     WHERE r.reporter_account_id = a.reporter_account_id) AS count_for_reporter,
    (SELECT CAST(COUNT(*) AS BIGINT) FROM abuses r
     WHERE r.flagged_account_id = a.flagged_account_id) AS count_for_reportee,
    (SELECT CAST(COUNT(*) AS BIGINT) FROM abuses r WHERE r.video_id = a.video_id) AS count_for_video,
    (SELECT CAST(COUNT(*) AS BIGINT) FROM abuses r
     WHERE r.video_id = a.video_id AND r.id <= a.id) AS nth_for_video";

const FROM: &str = " FROM abuses a
    LEFT JOIN accounts ra ON ra.id = a.reporter_account_id
    LEFT JOIN accounts fa ON fa.id = a.flagged_account_id
    LEFT JOIN videos v ON v.id = a.video_id
    LEFT JOIN channels ch ON ch.id = v.channel_id";

/// What a new report says.
#[derive(Debug, Clone, Default)]
pub struct NewAbuse<'a> {
    pub kind: &'a str,
    pub reason: &'a str,
    pub predefined_reasons: &'a [String],
    pub reporter_account_id: Option<i64>,
    pub flagged_account_id: Option<i64>,
    pub video_id: Option<i64>,
    pub start_at: Option<i64>,
    pub end_at: Option<i64>,
    pub video_snapshot: Option<&'a str>,
    pub comment_id: Option<i64>,
    pub url: Option<&'a str>,
    pub object_url: Option<&'a str>,
}

/// Keeps a report; its id. One from a Flag already kept (the same Flag id and thing) is `None`.
pub async fn insert(ex: Ex<'_>, n: &NewAbuse<'_>) -> Result<Option<i64>> {
    let reasons = serde_json::to_string(n.predefined_reasons).unwrap_or_else(|_| "[]".into());
    dual!(ex, |c| sqlx::query_scalar(
        "INSERT INTO abuses (reason, predefined_reasons, state, reporter_account_id,
            flagged_account_id, video_id, start_at, end_at, video_snapshot, comment_id, url,
            object_url, created_at, updated_at, kind)
         VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)
         ON CONFLICT (url, object_url) DO NOTHING RETURNING id"
    )
    .bind(n.reason)
    .bind(&reasons)
    .bind(n.reporter_account_id)
    .bind(n.flagged_account_id)
    .bind(n.video_id)
    .bind(n.start_at)
    .bind(n.end_at)
    .bind(n.video_snapshot)
    .bind(n.comment_id)
    .bind(n.url)
    .bind(n.object_url)
    .bind(now_ms())
    .bind(n.kind)
    .fetch_optional(c)
    .await
    .map_err(StoreError::from))
}

pub async fn by_id(ex: Ex<'_>, id: i64) -> Result<Option<Abuse>> {
    let sql = format!("SELECT {COLS}{FROM} WHERE a.id = $1");
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_optional(c)
        .await
        .map_err(StoreError::from))
}

/// How a list of reports is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Order {
    #[default]
    Created,
    Id,
    State,
}

/// Which reports a list shows (PeerTube's `GET /api/v1/abuses` and `/users/me/abuses`).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only those of this reporter (a user's own list).
    pub reporter: Option<i64>,
    pub id: Option<i64>,
    pub state: Option<i64>,
    pub predefined_reason: Option<String>,
    /// `video`, `comment` or `account`.
    pub kind: Option<String>,
    /// Words in the video's or channel's name, the reporter's or the reported account's name.
    pub search: Option<String>,
    pub search_reporter: Option<String>,
    pub search_reportee: Option<String>,
    pub search_video: Option<String>,
    pub search_video_channel: Option<String>,
    /// Only reports of videos since deleted.
    pub video_deleted: bool,
    /// Only reports of videos a moderator has blocked since.
    pub video_blocked: bool,
    /// Only those about this video, this comment, this account (what a report names).
    pub video_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub flagged: Option<i64>,
    pub order: Order,
    pub descending: bool,
    pub start: i64,
    pub count: i64,
}

/// A page of the reports `f` selects, and how many match.
pub async fn list(ex: Ex<'_>, f: &Filter) -> Result<(Vec<Abuse>, i64)> {
    let mut conds: Vec<String> = Vec::new();
    let mut binds: Vec<Bind> = Vec::new();
    let next = |b: Bind, binds: &mut Vec<Bind>| {
        binds.push(b);
        format!("${}", binds.len())
    };
    if let Some(r) = f.reporter {
        let m = next(Bind::Int(r), &mut binds);
        conds.push(format!("a.reporter_account_id = {m}"));
    }
    if let Some(id) = f.id {
        let m = next(Bind::Int(id), &mut binds);
        conds.push(format!("a.id = {m}"));
    }
    if let Some(s) = f.state {
        let m = next(Bind::Int(s), &mut binds);
        conds.push(format!("a.state = {m}"));
    }
    if let Some(r) = &f.predefined_reason {
        let quoted = serde_json::to_string(r).unwrap_or_default();
        let m = next(Bind::Text(crate::like_pattern(&quoted)), &mut binds);
        conds.push(format!("LOWER(a.predefined_reasons) LIKE {m} ESCAPE '\\'"));
    }
    if let Some(k) = &f.kind {
        let m = next(Bind::Text(k.clone()), &mut binds);
        conds.push(format!("a.kind = {m}"));
    }
    for (col, v) in [
        ("a.video_id", f.video_id),
        ("a.comment_id", f.comment_id),
        ("a.flagged_account_id", f.flagged),
    ] {
        if let Some(v) = v {
            let m = next(Bind::Int(v), &mut binds);
            conds.push(format!("{col} = {m}"));
        }
    }
    if f.video_blocked {
        conds.push(
            "EXISTS (SELECT 1 FROM video_blocks b WHERE b.video_id = a.video_id)".to_string(),
        );
    }
    if f.video_deleted {
        conds.push("a.video_id IS NULL AND a.video_snapshot IS NOT NULL".into());
    }
    let like = |col: &str, m: &str| format!("LOWER({col}) LIKE {m} ESCAPE '\\'");
    let mut search = |text: &Option<String>, cols: &[&str], binds: &mut Vec<Bind>| {
        if let Some(s) = text.as_deref().filter(|s| !s.is_empty()) {
            let m = next(Bind::Text(crate::like_pattern(s)), binds);
            let any: Vec<String> = cols.iter().map(|c| like(c, &m)).collect();
            conds.push(format!("({})", any.join(" OR ")));
        }
    };
    search(
        &f.search,
        &[
            "v.name",
            "ch.name",
            "ch.display_name",
            "a.video_snapshot",
            "ra.name",
            "fa.name",
            "a.reason",
        ],
        &mut binds,
    );
    search(
        &f.search_reporter,
        &["ra.name", "ra.display_name"],
        &mut binds,
    );
    search(
        &f.search_reportee,
        &["fa.name", "fa.display_name"],
        &mut binds,
    );
    search(&f.search_video, &["v.name", "a.video_snapshot"], &mut binds);
    search(
        &f.search_video_channel,
        &["ch.name", "ch.display_name"],
        &mut binds,
    );
    let clause = if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    };
    let dir = if f.descending { "DESC" } else { "ASC" };
    let order = match f.order {
        Order::Created => format!("a.created_at {dir}, a.id {dir}"),
        Order::Id => format!("a.id {dir}"),
        Order::State => format!("a.state {dir}, a.id DESC"),
    };
    let sql = format!("SELECT {COLS}{FROM}{clause} ORDER BY {order}");
    let count_sql = format!("SELECT CAST(COUNT(*) AS BIGINT){FROM}{clause}");
    paged(ex, &sql, &count_sql, &binds, f.count, f.start).await
}

/// A moderator's decision: the new state and comment (what is `None` stays); the first
/// decision dates the report's processing.
pub async fn decide(
    ex: Ex<'_>,
    id: i64,
    state: Option<i64>,
    moderation_comment: Option<&str>,
) -> Result<()> {
    let now = now_ms();
    dual!(ex, |c| sqlx::query(
        "UPDATE abuses SET state = COALESCE($2, state),
             moderation_comment = COALESCE($3, moderation_comment),
             processed_at = CASE WHEN $2 IS NULL THEN processed_at
                                 ELSE COALESCE(processed_at, $4) END,
             updated_at = $4
         WHERE id = $1"
    )
    .bind(id)
    .bind(state)
    .bind(moderation_comment)
    .bind(now)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// Deletes a report and its messages.
pub async fn delete(ex: Ex<'_>, id: i64) -> Result<()> {
    dual!(ex, |c| sqlx::query("DELETE FROM abuses WHERE id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|_| ())
        .map_err(StoreError::from))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Message {
    pub id: i64,
    pub abuse_id: i64,
    pub account_id: Option<i64>,
    pub message: String,
    pub by_moderator: bool,
    pub created_at: i64,
}

pub async fn add_message(
    ex: Ex<'_>,
    abuse: i64,
    account: i64,
    message: &str,
    by_moderator: bool,
) -> Result<i64> {
    dual!(ex, |c| sqlx::query_scalar(
        "INSERT INTO abuse_messages (abuse_id, account_id, message, by_moderator, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id"
    )
    .bind(abuse)
    .bind(account)
    .bind(message)
    .bind(by_moderator)
    .bind(now_ms())
    .fetch_one(c)
    .await
    .map_err(StoreError::from))
}

/// A report's messages, oldest first, at most `limit`.
pub async fn messages(ex: Ex<'_>, abuse: i64, limit: i64) -> Result<Vec<Message>> {
    dual!(ex, |c| sqlx::query_as(
        "SELECT id, abuse_id, account_id, message, by_moderator, created_at FROM abuse_messages
         WHERE abuse_id = $1 ORDER BY id LIMIT $2"
    )
    .bind(abuse)
    .bind(limit)
    .fetch_all(c)
    .await
    .map_err(StoreError::from))
}

pub async fn message(ex: Ex<'_>, abuse: i64, id: i64) -> Result<Option<Message>> {
    dual!(ex, |c| sqlx::query_as(
        "SELECT id, abuse_id, account_id, message, by_moderator, created_at FROM abuse_messages
         WHERE abuse_id = $1 AND id = $2"
    )
    .bind(abuse)
    .bind(id)
    .fetch_optional(c)
    .await
    .map_err(StoreError::from))
}

pub async fn delete_message(ex: Ex<'_>, id: i64) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "DELETE FROM abuse_messages WHERE id = $1"
    )
    .bind(id)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

//! The search index (`video_terms`, `channel_terms`) and what reads it. A query word matches a
//! term equal to one of its forms, or (the last word) one it begins; a video matches when every
//! word matches its own terms or its channel's, and scores the sum, over the words, of the
//! heaviest field each was found in. The same SQL runs on both backends over byte-ordered terms,
//! so SQLite and PostgreSQL find and rank alike.

use crate::users::{CHANNEL_COLS, Channel};
use crate::{Ex, Result, StoreError, dual, now_ms};
use ruche_domain::search::QueryWord;

/// Rows per INSERT when terms are written.
const BATCH: usize = 300;

/// Replaces the terms of `table`'s row `id` (`video_terms`/`videos` or `channel_terms`/
/// `channels`) and marks the row indexed.
async fn set_terms(
    mut ex: Ex<'_>,
    terms_table: &str,
    key: &str,
    rows_table: &str,
    id: i64,
    terms: &[(String, i64)],
) -> Result<()> {
    let delete = format!("DELETE FROM {terms_table} WHERE {key} = $1");
    dual!(ex.reborrow(), |c| sqlx::query(sqlx::AssertSqlSafe(
        delete.as_str()
    ))
    .bind(id)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))?;
    for chunk in terms.chunks(BATCH) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("($1, ${}, ${})", 2 * i + 2, 2 * i + 3))
            .collect();
        let sql = format!(
            "INSERT INTO {terms_table} ({key}, term, weight) VALUES {}",
            values.join(", ")
        );
        dual!(ex.reborrow(), |c| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(id);
            for (term, weight) in chunk {
                q = q.bind(term).bind(*weight);
            }
            q.execute(c).await.map(|_| ()).map_err(StoreError::from)
        })?;
    }
    let mark = format!("UPDATE {rows_table} SET indexed_at = $2 WHERE id = $1");
    dual!(ex, |c| sqlx::query(sqlx::AssertSqlSafe(mark.as_str()))
        .bind(id)
        .bind(now_ms())
        .execute(c)
        .await
        .map(|_| ())
        .map_err(StoreError::from))
}

/// Replaces a video's terms.
pub async fn set_video_terms(ex: Ex<'_>, video_id: i64, terms: &[(String, i64)]) -> Result<()> {
    set_terms(ex, "video_terms", "video_id", "videos", video_id, terms).await
}

/// Replaces a channel's terms.
pub async fn set_channel_terms(ex: Ex<'_>, channel_id: i64, terms: &[(String, i64)]) -> Result<()> {
    set_terms(
        ex,
        "channel_terms",
        "channel_id",
        "channels",
        channel_id,
        terms,
    )
    .await
}

/// Replaces a playlist's terms.
pub(crate) async fn set_playlist_terms(
    ex: Ex<'_>,
    playlist_id: i64,
    terms: &[(String, i64)],
) -> Result<()> {
    set_terms(
        ex,
        "playlist_terms",
        "playlist_id",
        "playlists",
        playlist_id,
        terms,
    )
    .await
}

/// Up to `limit` videos never indexed (made before the index, or by a process that stopped
/// before indexing them).
pub async fn unindexed_videos(ex: Ex<'_>, limit: i64) -> Result<Vec<i64>> {
    dual!(ex, |c| sqlx::query_scalar(
        "SELECT id FROM videos WHERE indexed_at IS NULL ORDER BY id LIMIT $1"
    )
    .bind(limit)
    .fetch_all(c)
    .await
    .map_err(StoreError::from))
}

/// Up to `limit` channels never indexed.
pub async fn unindexed_channels(ex: Ex<'_>, limit: i64) -> Result<Vec<i64>> {
    dual!(ex, |c| sqlx::query_scalar(
        "SELECT id FROM channels WHERE indexed_at IS NULL ORDER BY id LIMIT $1"
    )
    .bind(limit)
    .fetch_all(c)
    .await
    .map_err(StoreError::from))
}

/// Marks a channel's videos for indexing again (their channel's names are part of what finds
/// them only through `channel_terms`, so nothing is needed there): used when an account's name
/// changes, for its channels.
pub async fn reindex_channels_of_account(ex: Ex<'_>, account_id: i64) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE channels SET indexed_at = NULL WHERE account_id = $1"
    )
    .bind(account_id)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// The conditions on `alias.term` of one query word, each alone enough to match (a form, or a
/// term the last word begins), their placeholders from `binds.len() + 1` after `first - 1`
/// others. They are asked one `SELECT` each, `UNION ALL`ed (a term found twice weighs as once,
/// as matches take the heaviest): PostgreSQL answers an `OR` of them from the heap, each alone
/// from the index. A form the last word's prefix already covers is not asked again (`ete` for
/// `ete…`): its rows would only be read and grouped twice.
fn word_conditions(
    alias: &str,
    w: &QueryWord,
    first: usize,
    binds: &mut Vec<String>,
) -> Vec<String> {
    let mut mark = |v: String| {
        binds.push(v);
        format!("${}", first + binds.len() - 1)
    };
    let covered = |f: &String| w.prefix.as_ref().is_some_and(|p| f.starts_with(p.as_str()));
    let forms: Vec<String> = w
        .forms
        .iter()
        .filter(|f| !covered(f))
        .map(|f| mark(f.clone()))
        .collect();
    let mut any = Vec::new();
    if !forms.is_empty() {
        any.push(format!("{alias}.term IN ({})", forms.join(", ")));
    }
    if let Some(p) = &w.prefix {
        // Every term that begins with `p` sorts from `p` to `p` + the last code point, byte by
        // byte as by code point (UTF-8 keeps their order); no term holds that code point.
        let from = mark(p.clone());
        let to = mark(format!("{p}\u{10FFFF}"));
        any.push(format!("{alias}.term >= {from} AND {alias}.term < {to}"));
    }
    any
}

/// Where a row's terms are found: the alias of the terms' table, the expression naming the
/// row, and the `FROM` clause.
type Source = (&'static str, &'static str, &'static str);

/// What matches every word of `words` with its score, as SQL (`id`, `score`) with its
/// placeholders numbered from `first`, and the values to bind in order: a row scores the sum,
/// over the words, of the heaviest term each was found in, from any of `sources`.
///
/// One `GROUP BY` over every term found, each tagged with its word (`k`), a column per word:
/// grouping per word first and then per row took three sorts of the same rows, twice the
/// work (bench/api/lists.py, search).
fn scored(words: &[QueryWord], first: usize, sources: &[Source]) -> (String, Vec<String>) {
    let mut binds = Vec::new();
    let mut found = Vec::new();
    for (k, w) in words.iter().enumerate() {
        for (alias, id, from) in sources {
            for cond in word_conditions(alias, w, first, &mut binds) {
                found.push(format!(
                    "SELECT {id} AS id, {k} AS k, {alias}.weight AS w FROM {from} WHERE {cond}"
                ));
            }
        }
    }
    // A word not found leaves its column NULL, and so the sum.
    let score = (0..words.len())
        .map(|k| format!("MAX(CASE WHEN k = {k} THEN w END)"))
        .collect::<Vec<_>>()
        .join(" + ");
    let sql = format!(
        "SELECT id, {score} AS score FROM ({}) x GROUP BY id HAVING {score} IS NOT NULL",
        found.join(" UNION ALL ")
    );
    (sql, binds)
}

/// The videos matching `words` with their score, as SQL (`id`, `score`) with its
/// placeholders numbered from `first`, and the values to bind in order: by their own terms
/// or their channel's.
pub(crate) fn video_matches(words: &[QueryWord], first: usize) -> (String, Vec<String>) {
    scored(
        words,
        first,
        &[
            ("vt", "vt.video_id", "video_terms vt"),
            (
                "ct",
                "v2.id",
                "channel_terms ct JOIN videos v2 ON v2.channel_id = ct.channel_id",
            ),
        ],
    )
}

/// A table of terms and the column naming what they are of.
pub(crate) struct Terms {
    /// The row's id, from `t`.
    id: &'static str,
    /// The terms' table as `t`.
    from: &'static str,
}

const CHANNELS: Terms = Terms {
    id: "t.channel_id",
    from: "channel_terms t",
};
pub(crate) const PLAYLISTS: Terms = Terms {
    id: "t.playlist_id",
    from: "playlist_terms t",
};

/// What matches `words` in `terms` (every word, each in one of its terms) with its score, as SQL
/// (`id`, `score`) with its placeholders numbered from `first`, and the values to bind in order.
pub(crate) fn matches(terms: Terms, words: &[QueryWord], first: usize) -> (String, Vec<String>) {
    scored(words, first, &[("t", terms.id, terms.from)])
}

/// A page of channels matching `words`, best first, and how many match: by their names and
/// their account's.
pub async fn channels(
    ex: Ex<'_>,
    words: &[QueryWord],
    start: i64,
    count: i64,
) -> Result<(Vec<Channel>, i64)> {
    if words.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let (count_matches, _) = matches(CHANNELS, words, 1);
    let (matched, binds) = matches(CHANNELS, words, 3);
    let cols = CHANNEL_COLS
        .split(", ")
        .map(|c| format!("ch.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {cols} FROM channels ch JOIN ({matched}) m ON m.id = ch.id
         ORDER BY m.score DESC, ch.id ASC LIMIT $1 OFFSET $2"
    );
    let count_sql = format!("SELECT COUNT(*) FROM ({count_matches}) m");
    dual!(ex, |c| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(count)
            .bind(start);
        let mut cq = sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql.as_str()));
        for b in &binds {
            q = q.bind(b.clone());
            cq = cq.bind(b.clone());
        }
        let rows = q.fetch_all(&mut *c).await?;
        let total: i64 = cq.fetch_one(&mut *c).await?;
        Ok((rows, total))
    })
}

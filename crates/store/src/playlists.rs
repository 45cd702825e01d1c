//! Playlists (ours and other instances'), their elements in order, and what finds them.
//! Positions count from 1 without gaps: every change that moves elements renumbers them in the
//! same transaction.

use crate::{Bind, Ex, Result, StoreError, dual, now_ms};
use ruche_domain::follow::FollowState;
use ruche_domain::playlist::{PlaylistKind, PlaylistPrivacy};
use ruche_domain::search::QueryWord;

/// A playlist with what its API shape shows of its account and channel.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Playlist {
    pub id: i64,
    pub uuid: String,
    pub account_id: i64,
    pub channel_id: Option<i64>,
    pub name: String,
    pub description: Option<String>,
    #[sqlx(try_from = "i64")]
    pub privacy: PlaylistPrivacy,
    #[sqlx(try_from = "i64")]
    pub kind: PlaylistKind,
    pub thumbnail_filename: Option<String>,
    /// The ActivityPub id of another instance's playlist; `None` for ours.
    pub url: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// How many elements it holds.
    pub videos_length: i64,
    /// The video of its first element that still exists (its picture is that video's).
    pub first_video_id: Option<i64>,
    pub account_name: String,
    pub account_host: Option<String>,
    pub account_display_name: String,
    pub account_url: Option<String>,
    pub account_avatars: Option<String>,
    pub user_id: Option<i64>,
    pub channel_name: Option<String>,
    pub channel_host: Option<String>,
    pub channel_display_name: Option<String>,
    pub channel_url: Option<String>,
    pub channel_avatars: Option<String>,
}

impl Playlist {
    pub fn is_local(&self) -> bool {
        self.url.is_none()
    }
}

const SELECT: &str = "SELECT p.id, p.uuid, p.account_id, p.channel_id, p.name, p.description,
    p.privacy, p.kind, p.thumbnail_filename, p.url, p.created_at, p.updated_at,
    (SELECT CAST(COUNT(*) AS BIGINT) FROM playlist_elements e WHERE e.playlist_id = p.id) AS videos_length,
    (SELECT e.video_id FROM playlist_elements e WHERE e.playlist_id = p.id AND e.video_id IS NOT NULL
     ORDER BY e.position ASC LIMIT 1) AS first_video_id,
    a.name AS account_name, a.host AS account_host, a.display_name AS account_display_name,
    a.url AS account_url, a.avatars AS account_avatars, a.user_id AS user_id,
    c.name AS channel_name, c.host AS channel_host, c.display_name AS channel_display_name,
    c.url AS channel_url, c.avatars AS channel_avatars
    FROM playlists p JOIN accounts a ON a.id = p.account_id LEFT JOIN channels c ON c.id = p.channel_id";

/// What a playlist is made or edited with.
#[derive(Debug, Clone, Default)]
pub struct PlaylistFields {
    pub name: String,
    pub description: Option<String>,
    pub privacy: PlaylistPrivacy,
    pub channel_id: Option<i64>,
}

/// Inserts a playlist; returns its id. `url` is another instance's id for it (`None`: ours).
pub async fn insert(
    ex: Ex<'_>,
    uuid: &str,
    account_id: i64,
    kind: PlaylistKind,
    f: &PlaylistFields,
    url: Option<&str>,
    created_at: i64,
) -> Result<i64> {
    dual!(ex, |c| {
        sqlx::query_scalar(
        "INSERT INTO playlists (uuid, account_id, channel_id, name, description, privacy, kind, url,
            created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id"
    )
    .bind(uuid)
    .bind(account_id)
    .bind(f.channel_id)
    .bind(&f.name)
    .bind(&f.description)
    .bind(f.privacy.id())
    .bind(kind.id())
    .bind(url)
    .bind(created_at)
    .fetch_one(c)
    .await
    .map_err(StoreError::from)
    })
}

async fn one(ex: Ex<'_>, cond: &str, bind: Bind) -> Result<Option<Playlist>> {
    let sql = format!("{SELECT} WHERE {cond}");
    dual!(ex, |c| {
        let q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        let q = match &bind {
            Bind::Int(i) => q.bind(*i),
            Bind::Text(t) => q.bind(t.clone()),
            Bind::Bool(v) => q.bind(*v),
        };
        q.fetch_optional(c).await.map_err(StoreError::from)
    })
}

pub async fn by_id(ex: Ex<'_>, id: i64) -> Result<Option<Playlist>> {
    one(ex, "p.id = $1", Bind::Int(id)).await
}

pub async fn by_uuid(ex: Ex<'_>, uuid: &str) -> Result<Option<Playlist>> {
    one(ex, "p.uuid = $1", Bind::Text(uuid.to_string())).await
}

/// Another instance's playlist by its ActivityPub id.
pub async fn by_url(ex: Ex<'_>, url: &str) -> Result<Option<Playlist>> {
    one(ex, "p.url = $1", Bind::Text(url.to_string())).await
}

/// An account's "Watch later".
pub async fn watch_later_of(ex: Ex<'_>, account_id: i64) -> Result<Option<Playlist>> {
    let sql = format!(
        "p.account_id = $1 AND p.kind = {}",
        PlaylistKind::WatchLater.id()
    );
    one(ex, &sql, Bind::Int(account_id)).await
}

/// Sets a playlist's fields (and `updated_at`: `at`).
pub async fn update(ex: Ex<'_>, id: i64, f: &PlaylistFields, at: i64) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE playlists SET name = $2, description = $3, privacy = $4, channel_id = $5,
            updated_at = $6 WHERE id = $1"
    )
    .bind(id)
    .bind(&f.name)
    .bind(&f.description)
    .bind(f.privacy.id())
    .bind(f.channel_id)
    .bind(at)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// Marks a playlist changed now (its elements moved).
pub async fn touch(ex: Ex<'_>, id: i64) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE playlists SET updated_at = $2 WHERE id = $1"
    )
    .bind(id)
    .bind(now_ms())
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

pub async fn set_thumbnail(ex: Ex<'_>, id: i64, filename: Option<&str>) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE playlists SET thumbnail_filename = $2, updated_at = $3 WHERE id = $1"
    )
    .bind(id)
    .bind(filename)
    .bind(now_ms())
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

pub async fn delete(ex: Ex<'_>, id: i64) -> Result<()> {
    dual!(ex, |c| sqlx::query("DELETE FROM playlists WHERE id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|_| ())
        .map_err(StoreError::from))
}

/// How many playlists an account has.
pub async fn count_of_account(ex: Ex<'_>, account_id: i64) -> Result<i64> {
    dual!(ex, |c| sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM playlists WHERE account_id = $1"
    )
    .bind(account_id)
    .fetch_one(c)
    .await
    .map_err(StoreError::from))
}

/// How a list of playlists is sorted (PeerTube's `displayName`, `createdAt`, `updatedAt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    Name,
    #[default]
    Created,
    Updated,
    /// A search's best first.
    Match,
}

impl Sort {
    /// PeerTube's column names, without the leading `-`.
    pub fn parse(column: &str) -> Option<Sort> {
        Some(match column {
            "name" | "displayName" => Sort::Name,
            "createdAt" => Sort::Created,
            "updatedAt" => Sort::Updated,
            "match" => Sort::Match,
            _ => return None,
        })
    }
    fn key(self) -> &'static str {
        match self {
            Sort::Name => "LOWER(p.name)",
            Sort::Created => "p.created_at",
            Sort::Updated | Sort::Match => "p.updated_at",
        }
    }
}

/// Which playlists a list shows.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only public ones. In the instance's list (neither an account's nor a channel's), another
    /// instance's playlist is listed when its channel, its account or its instance is followed
    /// from here.
    pub public_only: bool,
    pub account_id: Option<i64>,
    pub channel_id: Option<i64>,
    /// Only this kind (PeerTube's `playlistType`).
    pub kind: Option<PlaylistKind>,
    pub start: i64,
    pub count: i64,
    pub sort: Sort,
    pub descending: bool,
    /// Only playlists whose names match these words (a search).
    pub search: Vec<QueryWord>,
}

impl ListFilter {
    fn conditions(&self, first: usize) -> (String, Vec<Bind>) {
        let mut conds = Vec::new();
        let mut binds = Vec::new();
        let mut mark = |b: Bind| {
            binds.push(b);
            format!("${}", first + binds.len() - 1)
        };
        if self.public_only {
            conds.push(format!("p.privacy = {}", PlaylistPrivacy::Public.id()));
            if self.account_id.is_none() && self.channel_id.is_none() {
                let accepted = FollowState::Accepted;
                // Ours; or another instance's whose channel, account or instance is followed.
                conds.push(format!(
                    "(a.host IS NULL
                      OR EXISTS (SELECT 1 FROM follows f WHERE f.state = '{accepted}'
                                 AND (f.following = c.url OR f.following = a.url))
                      OR EXISTS (SELECT 1 FROM follows f JOIN remote_actors ra ON ra.url = f.following
                                 WHERE f.state = '{accepted}' AND ra.kind = 'Application'
                                 AND ra.host = a.host))"
                ));
            }
        }
        if let Some(a) = self.account_id {
            let m = mark(Bind::Int(a));
            conds.push(format!("p.account_id = {m}"));
        }
        if let Some(ch) = self.channel_id {
            let m = mark(Bind::Int(ch));
            conds.push(format!("p.channel_id = {m}"));
        }
        if let Some(k) = self.kind {
            conds.push(format!("p.kind = {}", k.id()));
        }
        let clause = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        (clause, binds)
    }
}

/// A page of playlists and how many match.
pub async fn list(ex: Ex<'_>, f: &ListFilter) -> Result<(Vec<Playlist>, i64)> {
    let searching = !f.search.is_empty();
    let (matches, words) = crate::search::matches(crate::search::PLAYLISTS, &f.search, 3);
    let (count_matches, _) = crate::search::matches(crate::search::PLAYLISTS, &f.search, 1);
    let join = |m: &str| {
        if searching {
            format!(" JOIN ({m}) m ON m.id = p.id")
        } else {
            String::new()
        }
    };
    let (where_, binds) = f.conditions(3 + words.len());
    let (count_where, _) = f.conditions(1 + words.len());
    let order = if f.descending { "DESC" } else { "ASC" };
    let by = if f.sort == Sort::Match && searching {
        "m.score DESC, p.id ASC".to_string()
    } else {
        format!("{} {order}, p.id {order}", f.sort.key())
    };
    let from = "FROM playlists p JOIN accounts a ON a.id = p.account_id LEFT JOIN channels c ON c.id = p.channel_id";
    let sql = format!(
        "{SELECT}{}{where_} ORDER BY {by} LIMIT $1 OFFSET $2",
        join(&matches)
    );
    let count_sql = format!(
        "SELECT CAST(COUNT(*) AS BIGINT) {from}{}{count_where}",
        join(&count_matches)
    );
    dual!(ex, |c| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(f.count)
            .bind(f.start);
        let mut cq = sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql.as_str()));
        for w in &words {
            q = q.bind(w.clone());
            cq = cq.bind(w.clone());
        }
        crate::bind_each!(&binds, q, cq);
        let rows = q.fetch_all(&mut *c).await?;
        let total: i64 = cq.fetch_one(&mut *c).await?;
        Ok((rows, total))
    })
}

/// An element of a playlist: a video (or none left: it was deleted) between two times.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Element {
    pub id: i64,
    pub playlist_id: i64,
    pub video_id: Option<i64>,
    pub position: i64,
    /// Seconds into the video where it starts and stops playing, if set.
    pub start_timestamp: Option<i64>,
    pub stop_timestamp: Option<i64>,
    /// Another instance's id for this element; `None` for ours.
    pub url: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const ELEMENT_COLS: &str = "id, playlist_id, video_id, position, start_timestamp, stop_timestamp, url, created_at, updated_at";

/// A page of a playlist's elements in order, and how many it has.
pub async fn elements(
    ex: Ex<'_>,
    playlist_id: i64,
    start: i64,
    count: i64,
) -> Result<(Vec<Element>, i64)> {
    let sql = format!(
        "SELECT {ELEMENT_COLS} FROM playlist_elements WHERE playlist_id = $1
         ORDER BY position ASC, id ASC LIMIT $2 OFFSET $3"
    );
    dual!(ex, |c| {
        let rows = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(playlist_id)
            .bind(count)
            .bind(start)
            .fetch_all(&mut *c)
            .await?;
        let total: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM playlist_elements WHERE playlist_id = $1",
        )
        .bind(playlist_id)
        .fetch_one(&mut *c)
        .await?;
        Ok((rows, total))
    })
}

/// One element of a playlist.
pub async fn element(ex: Ex<'_>, playlist_id: i64, id: i64) -> Result<Option<Element>> {
    let sql =
        format!("SELECT {ELEMENT_COLS} FROM playlist_elements WHERE playlist_id = $1 AND id = $2");
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(playlist_id)
        .bind(id)
        .fetch_optional(c)
        .await
        .map_err(StoreError::from))
}

/// Adds a video at the end of a playlist; returns the element's id.
pub async fn add_element(
    ex: Ex<'_>,
    playlist_id: i64,
    video_id: i64,
    start_timestamp: Option<i64>,
    stop_timestamp: Option<i64>,
) -> Result<i64> {
    let now = now_ms();
    dual!(ex, |c| sqlx::query_scalar(
        "INSERT INTO playlist_elements (playlist_id, video_id, position, start_timestamp,
            stop_timestamp, created_at, updated_at)
         VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM playlist_elements
                          WHERE playlist_id = $1), $3, $4, $5, $5)
         RETURNING id"
    )
    .bind(playlist_id)
    .bind(video_id)
    .bind(start_timestamp)
    .bind(stop_timestamp)
    .bind(now)
    .fetch_one(c)
    .await
    .map_err(StoreError::from))
}

/// Sets when an element starts and stops.
pub async fn set_element_times(
    ex: Ex<'_>,
    playlist_id: i64,
    id: i64,
    start_timestamp: Option<i64>,
    stop_timestamp: Option<i64>,
) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE playlist_elements SET start_timestamp = $3, stop_timestamp = $4, updated_at = $5
         WHERE playlist_id = $1 AND id = $2"
    )
    .bind(playlist_id)
    .bind(id)
    .bind(start_timestamp)
    .bind(stop_timestamp)
    .bind(now_ms())
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// Removes an element; those after it move up one place.
pub async fn remove_element(ex: Ex<'_>, playlist_id: i64, id: i64) -> Result<bool> {
    dual!(ex, |c| {
        let position: Option<i64> = sqlx::query_scalar(
            "DELETE FROM playlist_elements WHERE playlist_id = $1 AND id = $2 RETURNING position",
        )
        .bind(playlist_id)
        .bind(id)
        .fetch_optional(&mut *c)
        .await?;
        let Some(position) = position else {
            return Ok(false);
        };
        sqlx::query(
            "UPDATE playlist_elements SET position = position - 1
             WHERE playlist_id = $1 AND position > $2",
        )
        .bind(playlist_id)
        .bind(position)
        .execute(&mut *c)
        .await?;
        Ok(true)
    })
}

/// Moves the `length` elements from `start` (positions from 1) to just after the element at
/// `after` (0: to the top), as PeerTube's reorder does. Positions must have been checked.
pub async fn reorder(
    ex: Ex<'_>,
    playlist_id: i64,
    start: i64,
    after: i64,
    length: i64,
) -> Result<()> {
    // Renumbered in Rust over the ids in order: at most `MAX_ELEMENTS` rows.
    dual!(ex, |c| {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM playlist_elements WHERE playlist_id = $1 ORDER BY position ASC, id ASC",
        )
        .bind(playlist_id)
        .fetch_all(&mut *c)
        .await?;
        let moved = reordered(&ids, start, after, length);
        for (i, id) in moved.iter().enumerate() {
            sqlx::query("UPDATE playlist_elements SET position = $2 WHERE id = $1")
                .bind(id)
                .bind(i as i64 + 1)
                .execute(&mut *c)
                .await?;
        }
        Ok(())
    })
}

/// `ids` in their new order once the `length` from position `start` are put after position
/// `after` (positions from 1; 0 is the top).
fn reordered(ids: &[i64], start: i64, after: i64, length: i64) -> Vec<i64> {
    let n = ids.len() as i64;
    let from = (start - 1).clamp(0, n) as usize;
    let to = (start - 1 + length).clamp(0, n) as usize;
    let block: Vec<i64> = ids[from..to].to_vec();
    let rest: Vec<i64> = ids[..from].iter().chain(&ids[to..]).copied().collect();
    // Where `after` lands among the rest: the elements before it that were not moved.
    let after = after.clamp(0, n) as usize;
    let kept_before = ids[..after].iter().filter(|id| !block.contains(id)).count();
    let mut out = rest[..kept_before].to_vec();
    out.extend(&block);
    out.extend(&rest[kept_before..]);
    out
}

/// An element of another instance's playlist, as its origin lists it.
#[derive(Debug, Clone)]
pub struct RemoteElement {
    pub video_id: i64,
    pub position: i64,
    pub start_timestamp: Option<i64>,
    pub stop_timestamp: Option<i64>,
    /// Its id at its origin.
    pub url: String,
}

/// Replaces every element of another instance's playlist with `elements`.
pub async fn replace_elements(
    mut ex: Ex<'_>,
    playlist_id: i64,
    elements: &[RemoteElement],
) -> Result<()> {
    dual!(ex.reborrow(), |c| sqlx::query(
        "DELETE FROM playlist_elements WHERE playlist_id = $1"
    )
    .bind(playlist_id)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))?;
    let now = now_ms();
    for e in elements {
        dual!(ex.reborrow(), |c| {
            sqlx::query(
            "INSERT INTO playlist_elements (playlist_id, video_id, position, start_timestamp,
                stop_timestamp, url, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)"
        )
        .bind(playlist_id)
        .bind(e.video_id)
        .bind(e.position)
        .bind(e.start_timestamp)
        .bind(e.stop_timestamp)
        .bind(&e.url)
        .bind(now)
        .execute(c)
        .await
        .map(|_| ())
        .map_err(StoreError::from)
        })?;
    }
    Ok(())
}

/// Where a video is in a playlist.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Placement {
    pub video_id: i64,
    pub element_id: i64,
    pub playlist_id: i64,
    pub start_timestamp: Option<i64>,
    pub stop_timestamp: Option<i64>,
}

/// Where each of `video_ids` is in an account's playlists (PeerTube's `videos-exist`).
pub async fn videos_exist(
    ex: Ex<'_>,
    account_id: i64,
    video_ids: &[i64],
) -> Result<Vec<Placement>> {
    if video_ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks = crate::placeholders(2, video_ids.len());
    let sql = format!(
        "SELECT e.video_id, e.id AS element_id, e.playlist_id, e.start_timestamp, e.stop_timestamp
         FROM playlist_elements e JOIN playlists p ON p.id = e.playlist_id
         WHERE p.account_id = $1 AND e.video_id IN ({}) ORDER BY e.id",
        marks
    );
    dual!(ex, |c| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(account_id);
        for v in video_ids {
            q = q.bind(*v);
        }
        q.fetch_all(c).await.map_err(StoreError::from)
    })
}

/// Replaces a playlist's search terms.
pub async fn set_terms(ex: Ex<'_>, playlist_id: i64, terms: &[(String, i64)]) -> Result<()> {
    crate::search::set_playlist_terms(ex, playlist_id, terms).await
}

/// Up to `limit` playlists never indexed.
pub async fn unindexed(ex: Ex<'_>, limit: i64) -> Result<Vec<i64>> {
    dual!(ex, |c| sqlx::query_scalar(
        "SELECT id FROM playlists WHERE indexed_at IS NULL ORDER BY id LIMIT $1"
    )
    .bind(limit)
    .fetch_all(c)
    .await
    .map_err(StoreError::from))
}

#[cfg(test)]
mod tests {
    use super::reordered;

    #[test]
    fn reorders_as_peertube() {
        let ids = [1, 2, 3, 4, 5];
        // The first to the end.
        assert_eq!(reordered(&ids, 1, 5, 1), vec![2, 3, 4, 5, 1]);
        // The last to the top.
        assert_eq!(reordered(&ids, 5, 0, 1), vec![5, 1, 2, 3, 4]);
        // Two from the second, after the fourth.
        assert_eq!(reordered(&ids, 2, 4, 2), vec![1, 4, 2, 3, 5]);
        // Nowhere to go.
        assert_eq!(reordered(&ids, 3, 2, 1), ids.to_vec());
        assert_eq!(reordered(&ids, 3, 3, 1), ids.to_vec());
    }
}

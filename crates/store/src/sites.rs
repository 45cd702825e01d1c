//! One-page sites: their draft and published documents (stored as JSON text; the `pages` crate
//! owns the format), the version that guards against two tabs overwriting each other, and the
//! revision log, which keeps a site's last [`KEPT_REVISIONS`] documents.

use crate::{Ex, Result, StoreError, dual, now_ms};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SiteRow {
    pub id: i64,
    pub owner_id: i64,
    pub slug: String,
    pub draft: String,
    pub version: i64,
    pub published: Option<String>,
    pub published_at: Option<i64>,
    pub deleted_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One revision with its document.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Revision {
    pub id: i64,
    pub version: i64,
    pub document: String,
    pub kind: String,
    pub created_at: i64,
}

/// One revision as the log lists it, without its document (which may be megabytes).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RevisionEntry {
    pub id: i64,
    pub version: i64,
    pub kind: String,
    pub created_at: i64,
}

/// How many revisions a site keeps: each save logs its whole document, so older ones are
/// removed by the save that makes a new one, or a site saved again and again would grow the
/// database without end.
pub const KEPT_REVISIONS: i64 = 50;

const SITE_COLS: &str = "id, owner_id, slug, draft, version, published, published_at, deleted_at, created_at, updated_at";

/// Appends a revision and removes those older than the site's last [`KEPT_REVISIONS`], in the
/// caller's transaction (which has already changed the site's row, so saves of one site take
/// their turn here).
async fn log(mut ex: Ex<'_>, site_id: i64, version: i64, document: &str, kind: &str) -> Result<()> {
    dual!(&mut ex, |c| {
        sqlx::query(
        "INSERT INTO site_revisions (site_id, version, document, kind, created_at) VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(site_id)
    .bind(version)
    .bind(document)
    .bind(kind)
    .bind(now_ms())
    .execute(&mut **c)
    .await
    .map(|_| ())
    .map_err(StoreError::from)
    })?;
    // The newest revision past the kept ones, and everything older: none while the site has
    // no more than that many (the subquery is then NULL).
    dual!(&mut ex, |c| sqlx::query(
        "DELETE FROM site_revisions WHERE site_id = $1 AND id <= (
            SELECT id FROM site_revisions WHERE site_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)"
    )
    .bind(site_id)
    .bind(KEPT_REVISIONS)
    .execute(&mut **c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// Creates a site; a taken slug is a [`StoreError::Conflict`].
pub async fn create(
    mut ex: Ex<'_>,
    owner_id: i64,
    slug: &str,
    draft: &str,
    kind: &str,
) -> Result<i64> {
    let now = now_ms();
    let id: i64 = dual!(&mut ex, |c| {
        sqlx::query_scalar(
        "INSERT INTO sites (owner_id, slug, draft, version, created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $4) RETURNING id"
    )
    .bind(owner_id)
    .bind(slug)
    .bind(draft)
    .bind(now)
    .fetch_one(&mut **c)
    .await
    .map_err(StoreError::from)
    })?;
    log(ex, id, 1, draft, kind).await?;
    Ok(id)
}

pub async fn by_slug(ex: Ex<'_>, slug: &str) -> Result<Option<SiteRow>> {
    let sql = format!("SELECT {SITE_COLS} FROM sites WHERE slug = $1");
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(slug)
        .fetch_optional(c)
        .await
        .map_err(StoreError::from))
}

pub async fn of_owner(ex: Ex<'_>, owner_id: i64) -> Result<Vec<SiteRow>> {
    let sql = format!(
        "SELECT {SITE_COLS} FROM sites WHERE owner_id = $1 AND deleted_at IS NULL ORDER BY id"
    );
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(owner_id)
        .fetch_all(c)
        .await
        .map_err(StoreError::from))
}

/// Saves a new draft if the site is still at `expected_version`; otherwise a
/// [`StoreError::Conflict`] and nothing changes (the other tab's work is kept, the caller keeps
/// its own to retry). Publishing also copies the draft to the published document. Returns the
/// new version.
pub async fn save(
    mut ex: Ex<'_>,
    site_id: i64,
    expected_version: i64,
    draft: &str,
    publish: bool,
    kind: &str,
) -> Result<i64> {
    let now = now_ms();
    let changed = dual!(&mut ex, |c| sqlx::query(
        "UPDATE sites SET draft = $3, version = version + 1, updated_at = $4,
            published = CASE WHEN $5 THEN $3 ELSE published END,
            published_at = CASE WHEN $5 THEN $4 ELSE published_at END
         WHERE id = $1 AND version = $2"
    )
    .bind(site_id)
    .bind(expected_version)
    .bind(draft)
    .bind(now)
    .bind(publish)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())
    .map_err(StoreError::from))?;
    if changed == 0 {
        return Err(StoreError::Conflict(
            "the site was changed elsewhere since this version".into(),
        ));
    }
    log(ex, site_id, expected_version + 1, draft, kind).await?;
    Ok(expected_version + 1)
}

/// Takes a site off line (published copy removed); the draft and revisions stay.
pub async fn unpublish(ex: Ex<'_>, site_id: i64) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE sites SET published = NULL, published_at = NULL WHERE id = $1"
    )
    .bind(site_id)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// The revision log, newest first, without the documents.
pub async fn revisions(ex: Ex<'_>, site_id: i64) -> Result<Vec<RevisionEntry>> {
    dual!(ex, |c| {
        sqlx::query_as(
        "SELECT id, version, kind, created_at FROM site_revisions WHERE site_id = $1 ORDER BY id DESC"
    )
    .bind(site_id)
    .fetch_all(c)
    .await
    .map_err(StoreError::from)
    })
}

/// One revision of a site, with its document; none if `id` is not one of this site's.
pub async fn revision(ex: Ex<'_>, site_id: i64, id: i64) -> Result<Option<Revision>> {
    dual!(ex, |c| {
        sqlx::query_as(
        "SELECT id, version, document, kind, created_at FROM site_revisions WHERE site_id = $1 AND id = $2"
    )
    .bind(site_id)
    .bind(id)
    .fetch_optional(c)
    .await
    .map_err(StoreError::from)
    })
}

/// A message sent through a site's contact form.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Message {
    pub id: i64,
    pub site_id: i64,
    pub name: String,
    pub email: String,
    pub message: String,
    pub is_read: bool,
    pub created_at: i64,
}

pub async fn insert_message(
    ex: Ex<'_>,
    site_id: i64,
    name: &str,
    email: &str,
    message: &str,
    sender_hash: &str,
) -> Result<i64> {
    dual!(ex, |c| sqlx::query_scalar(
        "INSERT INTO contact_messages (site_id, name, email, message, sender_hash, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
    )
    .bind(site_id)
    .bind(name)
    .bind(email)
    .bind(message)
    .bind(sender_hash)
    .bind(now_ms())
    .fetch_one(c)
    .await
    .map_err(StoreError::from))
}

/// Messages since `since` from one sender, and to one site (for rate limits).
pub async fn recent_messages(
    ex: Ex<'_>,
    site_id: i64,
    sender_hash: &str,
    since: i64,
) -> Result<(i64, i64)> {
    dual!(ex, |c| sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(CASE WHEN sender_hash = $2 THEN 1 ELSE 0 END), 0) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN site_id = $1 THEN 1 ELSE 0 END), 0) AS BIGINT)
         FROM contact_messages WHERE created_at >= $3 AND (site_id = $1 OR sender_hash = $2)"
    )
    .bind(site_id)
    .bind(sender_hash)
    .bind(since)
    .fetch_one(c)
    .await
    .map_err(StoreError::from))
}

pub async fn messages(ex: Ex<'_>, site_id: i64) -> Result<Vec<Message>> {
    dual!(ex, |c| {
        sqlx::query_as(
        "SELECT id, site_id, name, email, message, is_read, created_at FROM contact_messages WHERE site_id = $1 ORDER BY id DESC"
    )
    .bind(site_id)
    .fetch_all(c)
    .await
    .map_err(StoreError::from)
    })
}

/// Marks a message read or unread; false if it is not one of this site's.
pub async fn set_read(ex: Ex<'_>, site_id: i64, id: i64, read: bool) -> Result<bool> {
    dual!(ex, |c| sqlx::query(
        "UPDATE contact_messages SET is_read = $3 WHERE id = $2 AND site_id = $1"
    )
    .bind(site_id)
    .bind(id)
    .bind(read)
    .execute(c)
    .await
    .map(|r| r.rows_affected() == 1)
    .map_err(StoreError::from))
}

pub async fn delete_message(ex: Ex<'_>, site_id: i64, id: i64) -> Result<bool> {
    dual!(ex, |c| sqlx::query(
        "DELETE FROM contact_messages WHERE id = $2 AND site_id = $1"
    )
    .bind(site_id)
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected() == 1)
    .map_err(StoreError::from))
}

/// One message, with the site it was sent to.
pub async fn message(ex: Ex<'_>, id: i64) -> Result<Option<Message>> {
    dual!(ex, |c| {
        sqlx::query_as(
        "SELECT id, site_id, name, email, message, is_read, created_at FROM contact_messages WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(c)
    .await
    .map_err(StoreError::from)
    })
}

pub async fn by_id(ex: Ex<'_>, id: i64) -> Result<Option<SiteRow>> {
    let sql = format!("SELECT {SITE_COLS} FROM sites WHERE id = $1");
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_optional(c)
        .await
        .map_err(StoreError::from))
}

pub async fn mark_mailed(ex: Ex<'_>, id: i64) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE contact_messages SET mailed_at = $2 WHERE id = $1"
    )
    .bind(id)
    .bind(now_ms())
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// Puts a site in the trash (off line at once) or takes it out.
pub async fn set_deleted(ex: Ex<'_>, site_id: i64, deleted: bool) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE sites SET deleted_at = CASE WHEN $2 THEN $3 ELSE NULL END WHERE id = $1"
    )
    .bind(site_id)
    .bind(deleted)
    .bind(now_ms())
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// A user's sites in the trash.
pub async fn trashed(ex: Ex<'_>, owner_id: i64) -> Result<Vec<SiteRow>> {
    let sql = format!(
        "SELECT {SITE_COLS} FROM sites WHERE owner_id = $1 AND deleted_at IS NOT NULL ORDER BY deleted_at DESC"
    );
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(owner_id)
        .fetch_all(c)
        .await
        .map_err(StoreError::from))
}

/// Removes for good the sites trashed before `before` (with their revisions and messages).
pub async fn purge_trash(ex: Ex<'_>, before: i64) -> Result<u64> {
    dual!(ex, |c| sqlx::query(
        "DELETE FROM sites WHERE deleted_at IS NOT NULL AND deleted_at < $1"
    )
    .bind(before)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    .map_err(StoreError::from))
}

/// Changes a site's address; a taken slug is a [`StoreError::Conflict`].
pub async fn rename(ex: Ex<'_>, site_id: i64, slug: &str) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE sites SET slug = $2 WHERE id = $1"
    )
    .bind(site_id)
    .bind(slug)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// A picture in a user's library.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Media {
    pub id: i64,
    pub owner_id: i64,
    pub file: String,
    pub width: i64,
    pub height: i64,
    pub bytes: i64,
    pub label: String,
    pub created_at: i64,
}

const MEDIA_COLS: &str = "id, owner_id, file, width, height, bytes, label, created_at";

/// Adds a picture to a user's library; the same picture twice is one entry (the first label
/// stays). Returns the entry.
pub async fn add_media(
    mut ex: Ex<'_>,
    owner_id: i64,
    file: &str,
    width: i64,
    height: i64,
    bytes: i64,
    label: &str,
) -> Result<Media> {
    dual!(&mut ex, |c| sqlx::query(
        "INSERT INTO pages_media (owner_id, file, width, height, bytes, label, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (owner_id, file) DO NOTHING"
    )
    .bind(owner_id)
    .bind(file)
    .bind(width)
    .bind(height)
    .bind(bytes)
    .bind(label)
    .bind(now_ms())
    .execute(&mut **c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))?;
    let sql = format!("SELECT {MEDIA_COLS} FROM pages_media WHERE owner_id = $1 AND file = $2");
    dual!(&mut ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(owner_id)
    .bind(file)
    .fetch_one(&mut **c)
    .await
    .map_err(StoreError::from))
}

/// A user's pictures, newest first.
pub async fn media_of(ex: Ex<'_>, owner_id: i64) -> Result<Vec<Media>> {
    let sql = format!("SELECT {MEDIA_COLS} FROM pages_media WHERE owner_id = $1 ORDER BY id DESC");
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(owner_id)
        .fetch_all(c)
        .await
        .map_err(StoreError::from))
}

/// Renames a picture (its text alternative); false when the user has no such picture.
pub async fn set_media_label(ex: Ex<'_>, owner_id: i64, file: &str, label: &str) -> Result<bool> {
    dual!(ex, |c| sqlx::query(
        "UPDATE pages_media SET label = $3 WHERE owner_id = $1 AND file = $2"
    )
    .bind(owner_id)
    .bind(file)
    .bind(label)
    .execute(c)
    .await
    .map(|r| r.rows_affected() > 0)
    .map_err(StoreError::from))
}

/// How many libraries hold the picture `file`.
pub async fn media_holders(ex: Ex<'_>, file: &str) -> Result<i64> {
    dual!(ex, |c| sqlx::query_scalar::<_, i64>(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM pages_media WHERE file = $1"
    )
    .bind(file)
    .fetch_one(c)
    .await
    .map_err(StoreError::from))
}

/// Bytes of pictures a user stores (for the quota).
pub async fn media_bytes(ex: Ex<'_>, owner_id: i64) -> Result<i64> {
    dual!(ex, |c| sqlx::query_scalar::<_, i64>(
        "SELECT CAST(COALESCE(SUM(bytes), 0) AS BIGINT) FROM pages_media WHERE owner_id = $1"
    )
    .bind(owner_id)
    .fetch_one(c)
    .await
    .map_err(StoreError::from))
}

/// What says whether a published page changed, without its documents: (id, published_at),
/// for a site on line.
pub async fn published_stamp(ex: Ex<'_>, slug: &str) -> Result<Option<(i64, i64)>> {
    dual!(ex, |c| {
        sqlx::query_as::<_, (i64, i64)>(
        "SELECT id, published_at FROM sites WHERE slug = $1 AND published_at IS NOT NULL AND deleted_at IS NULL"
    )
    .bind(slug)
    .fetch_optional(c)
    .await
    .map_err(StoreError::from)
    })
}

/// The published document of a site on line, without its draft: (id, document, published_at).
pub async fn published_document(ex: Ex<'_>, slug: &str) -> Result<Option<(i64, String, i64)>> {
    dual!(ex, |c| {
        sqlx::query_as::<_, (i64, String, i64)>(
        "SELECT id, published, published_at FROM sites
         WHERE slug = $1 AND published IS NOT NULL AND published_at IS NOT NULL AND deleted_at IS NULL"
    )
    .bind(slug)
    .fetch_optional(c)
    .await
    .map_err(StoreError::from)
    })
}

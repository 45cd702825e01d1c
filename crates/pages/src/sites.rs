//! Sites in the store: import and export of the site document (the CLI's and the editor's way
//! in and out), and the published page. A document is checked whole before anything is written,
//! so a broken import changes nothing.

use crate::document::{self, Fault, Site};
use crate::media::{Media, MediaError};
use ruche_store::{Store, StoreError, sites};

#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("you already have {0} sites, the most this instance allows")]
    TooMany(usize),
    #[error("this version of the site was changed elsewhere; reload it")]
    Conflict,
    #[error("the document is not valid: {0}")]
    Invalid(#[from] Fault),
    #[error("the address {0:?} is already taken")]
    SlugTaken(String),
    #[error("no site {0:?}")]
    NotFound(String),
    #[error("{0}")]
    Media(#[from] MediaError),
    #[error("{0}")]
    Store(StoreError),
}

impl From<StoreError> for SiteError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(_) => SiteError::Conflict,
            e => SiteError::Store(e),
        }
    }
}

/// What an import did.
#[derive(Debug, PartialEq, Eq)]
pub enum Imported {
    Created {
        slug: String,
    },
    /// The owner's site of that slug got the document as a new revision.
    Updated {
        slug: String,
        version: i64,
    },
}

/// Imports a site document for `owner_id`: a new site, or a new revision of the owner's site of
/// the same slug; published too when the document says so.
pub async fn import(
    store: &Store,
    media: &Media,
    owner_id: i64,
    json: &[u8],
) -> Result<Imported, SiteError> {
    let mut site = document::parse(json)?;
    {
        let mut c = store.read().await?;
        if let Some(row) = sites::by_slug(c.ex(), &site.slug).await?
            && row.owner_id != owner_id
        {
            return Err(SiteError::SlugTaken(site.slug));
        }
    }
    // Pictures given inline become stored pictures before the document is written.
    media.internalize(store, owner_id, &mut site).await?;
    let text = document::to_json(&site);
    let mut tx = store.begin().await?;
    let existing = sites::by_slug(tx.ex(), &site.slug).await?;
    let outcome = match existing {
        Some(row) if row.owner_id != owner_id => return Err(SiteError::SlugTaken(site.slug)),
        Some(row) => {
            let version = sites::save(
                tx.ex(),
                row.id,
                row.version,
                &text,
                site.published,
                "import",
            )
            .await?;
            if !site.published && row.published.is_some() {
                sites::unpublish(tx.ex(), row.id).await?;
            }
            Imported::Updated {
                slug: site.slug,
                version,
            }
        }
        None => {
            let id = sites::create(tx.ex(), owner_id, &site.slug, &text, "import").await?;
            if site.published {
                sites::save(tx.ex(), id, 1, &text, true, "publish").await?;
            }
            Imported::Created { slug: site.slug }
        }
    };
    tx.commit().await?;
    Ok(outcome)
}

/// The site's document as it stands in the editor (its draft), with its pictures embedded,
/// ready to import elsewhere.
pub async fn export(store: &Store, media: &Media, slug: &str) -> Result<String, SiteError> {
    let mut c = store.read().await?;
    let row = sites::by_slug(c.ex(), slug)
        .await?
        .ok_or_else(|| SiteError::NotFound(slug.into()))?;
    let mut site = document::parse(row.draft.as_bytes())?;
    site.published = row.published.is_some();
    media.embed(&mut site).await?;
    Ok(document::to_json(&site))
}

/// The published version of a site, if it is on line, and when it was published (ms).
pub async fn published(store: &Store, slug: &str) -> Result<Option<(Site, i64)>, SiteError> {
    read_published(store, slug, document::parse).await
}

/// The published version of a site as it was stored, its rich text not sanitised again (it was
/// when it was saved): for what a visitor's request needs of the site without drawing its page
/// (its language, theme and blocks' settings), at a small part of [`published`]'s cost.
pub async fn published_as_stored(
    store: &Store,
    slug: &str,
) -> Result<Option<(Site, i64)>, SiteError> {
    read_published(store, slug, document::parse_stored).await
}

async fn read_published(
    store: &Store,
    slug: &str,
    read: fn(&[u8]) -> Result<Site, Fault>,
) -> Result<Option<(Site, i64)>, SiteError> {
    let found = {
        let mut c = store.read().await?;
        sites::published_document(c.ex(), slug).await?
    };
    match found {
        Some((_, doc, published_at)) => Ok(Some((read(doc.as_bytes())?, published_at))),
        None => Ok(None),
    }
}

/// Starts a site from the starter page: a title banner, a text column and a footer, for the
/// owner to shape. Its draft is not published.
pub async fn create_starter(
    store: &Store,
    owner_id: i64,
    slug: &str,
    title: &str,
    language: &str,
    intro: &str,
    max_sites: usize,
) -> Result<(), SiteError> {
    let doc = serde_json::json!({
        "slug": slug, "title": title, "language": language, "published": false,
        "blocks": [
            { "type": "banner", "title": title },
            { "type": "text", "columns": [format!("<p>{}</p>", crate::render::esc(intro))] },
            { "type": "footer", "text": format!("<p>{}</p>", crate::render::esc(title)) },
        ],
    });
    let site = document::parse(doc.to_string().as_bytes())?;
    let mut tx = store.begin().await?;
    if sites::of_owner(tx.ex(), owner_id).await?.len() >= max_sites {
        return Err(SiteError::TooMany(max_sites));
    }
    if sites::by_slug(tx.ex(), &site.slug).await?.is_some() {
        return Err(SiteError::SlugTaken(site.slug));
    }
    sites::create(
        tx.ex(),
        owner_id,
        &site.slug,
        &document::to_json(&site),
        "create",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The owner's site of that slug; anybody else's is "not found".
pub async fn owned(store: &Store, owner_id: i64, slug: &str) -> Result<SiteRow, SiteError> {
    let mut c = store.read().await?;
    match sites::by_slug(c.ex(), slug).await? {
        Some(row) if row.owner_id == owner_id => Ok(row),
        _ => Err(SiteError::NotFound(slug.into())),
    }
}

/// Publishes the draft (a new revision), or takes the site off line.
pub async fn set_published(
    store: &Store,
    owner_id: i64,
    slug: &str,
    publish: bool,
) -> Result<(), SiteError> {
    let row = owned(store, owner_id, slug).await?;
    let mut site = document::parse(row.draft.as_bytes())?;
    site.published = publish;
    let mut tx = store.begin().await?;
    let kind = if publish { "publish" } else { "unpublish" };
    sites::save(
        tx.ex(),
        row.id,
        row.version,
        &document::to_json(&site),
        publish,
        kind,
    )
    .await?;
    if !publish {
        sites::unpublish(tx.ex(), row.id).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The owner's site with its draft, for the editor.
pub async fn draft(
    store: &Store,
    owner_id: i64,
    slug: &str,
) -> Result<(sites::SiteRow, Site), SiteError> {
    let row = owned(store, owner_id, slug).await?;
    if row.deleted_at.is_some() {
        return Err(SiteError::NotFound(slug.into()));
    }
    let mut site = document::parse(row.draft.as_bytes())?;
    site.published = row.published.is_some();
    Ok((row, site))
}

/// Saves the editor's document as the new draft if the site is still at `expected_version`
/// (else [`SiteError::Conflict`], nothing written), and publishes it too when asked. A new slug
/// in the document moves the site. Returns the document as stored and the new version.
pub async fn save_draft(
    store: &Store,
    owner_id: i64,
    slug: &str,
    expected_version: i64,
    json: &[u8],
    publish: bool,
) -> Result<(Site, i64), SiteError> {
    let mut site = document::parse(json)?;
    let row = owned(store, owner_id, slug).await?;
    site.published = publish || row.published.is_some();
    let mut tx = store.begin().await?;
    if site.slug != row.slug {
        if sites::by_slug(tx.ex(), &site.slug).await?.is_some() {
            return Err(SiteError::SlugTaken(site.slug));
        }
        sites::rename(tx.ex(), row.id, &site.slug).await?;
    }
    let kind = if publish { "publish" } else { "save" };
    let version = sites::save(
        tx.ex(),
        row.id,
        expected_version,
        &document::to_json(&site),
        publish,
        kind,
    )
    .await?;
    tx.commit().await?;
    Ok((site, version))
}

/// One revision's document, for its preview.
pub async fn revision(
    store: &Store,
    owner_id: i64,
    slug: &str,
    revision_id: i64,
) -> Result<Site, SiteError> {
    let row = owned(store, owner_id, slug).await?;
    let mut c = store.read().await?;
    let rev = sites::revision(c.ex(), row.id, revision_id)
        .await?
        .ok_or_else(|| SiteError::NotFound(format!("{slug} revision {revision_id}")))?;
    drop(c);
    Ok(document::parse(rev.document.as_bytes())?)
}

/// A site's revisions (the last [`sites::KEPT_REVISIONS`]), newest first, without their
/// documents: (id, version, kind, time in ms).
pub async fn revisions(
    store: &Store,
    owner_id: i64,
    slug: &str,
) -> Result<Vec<(i64, i64, String, i64)>, SiteError> {
    let row = owned(store, owner_id, slug).await?;
    let mut c = store.read().await?;
    Ok(sites::revisions(c.ex(), row.id)
        .await?
        .into_iter()
        .map(|r| (r.id, r.version, r.kind, r.created_at))
        .collect())
}

/// Makes an old revision the draft again, as a new revision (the draft it replaces stays among
/// the kept revisions).
pub async fn restore(
    store: &Store,
    owner_id: i64,
    slug: &str,
    revision_id: i64,
) -> Result<(), SiteError> {
    let mut site = revision(store, owner_id, slug, revision_id).await?;
    let row = owned(store, owner_id, slug).await?;
    site.published = row.published.is_some();
    let mut tx = store.begin().await?;
    sites::save(
        tx.ex(),
        row.id,
        row.version,
        &document::to_json(&site),
        false,
        "restore",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// How long a deleted site stays in the trash.
pub const TRASH_DAYS: i64 = 30;

/// Moves a site to the trash (off line at once) or back out of it.
pub async fn set_trashed(
    store: &Store,
    owner_id: i64,
    slug: &str,
    trashed: bool,
) -> Result<(), SiteError> {
    let row = owned(store, owner_id, slug).await?;
    let mut tx = store.begin().await?;
    sites::set_deleted(tx.ex(), row.id, trashed).await?;
    tx.commit().await?;
    Ok(())
}

/// A user's trashed sites: slug and the time they were deleted (ms).
pub async fn trash(store: &Store, owner_id: i64) -> Result<Vec<(String, i64)>, SiteError> {
    let mut c = store.read().await?;
    Ok(sites::trashed(c.ex(), owner_id)
        .await?
        .into_iter()
        .map(|r| (r.slug, r.deleted_at.unwrap_or_default()))
        .collect())
}

/// Removes for good what has been in the trash for [`TRASH_DAYS`].
pub async fn empty_old_trash(store: &Store, now_ms: i64) -> Result<u64, SiteError> {
    let mut tx = store.begin().await?;
    let n = sites::purge_trash(tx.ex(), now_ms - TRASH_DAYS * 24 * 3600 * 1000).await?;
    tx.commit().await?;
    Ok(n)
}

/// Empties old trash every hour until `shutdown`.
pub fn spawn_housekeeping(store: Store, shutdown: tokio_util::sync::CancellationToken) {
    let every = std::time::Duration::from_secs(3600);
    ruche_jobs::every("emptying the trash", every, shutdown, move || {
        let store = store.clone();
        async move {
            match empty_old_trash(&store, ruche_store::now_ms()).await {
                Ok(0) => Ok(()),
                Ok(n) => {
                    tracing::info!("removed {n} sites from the trash for good");
                    Ok(())
                }
                Err(e) => Err(e.to_string()),
            }
        }
    });
}

pub use ruche_store::sites::{Message, SiteRow};

/// Whether a site is on line: its id and when it was published (ms), from its row alone, so a
/// visitor's request, a sitemap or robots file costs one small query however big the site.
pub async fn published_stamp(store: &Store, slug: &str) -> Result<Option<(i64, i64)>, StoreError> {
    let mut c = store.read().await?;
    sites::published_stamp(c.ex(), slug).await
}

/// An owner's sites (not in the trash), each with how many of its messages are unread.
pub async fn of_owner(store: &Store, owner_id: i64) -> Result<Vec<(SiteRow, usize)>, SiteError> {
    let mut c = store.read().await?;
    let mut out = Vec::new();
    for s in sites::of_owner(c.ex(), owner_id).await? {
        let unread = sites::messages(c.ex(), s.id)
            .await?
            .iter()
            .filter(|m| !m.is_read)
            .count();
        out.push((s, unread));
    }
    Ok(out)
}

/// A site's contact messages, newest first.
pub async fn messages(store: &Store, site_id: i64) -> Result<Vec<Message>, SiteError> {
    let mut c = store.read().await?;
    Ok(sites::messages(c.ex(), site_id).await?)
}

/// What an owner does to one message of their inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageAction {
    Read,
    Unread,
    Delete,
}

impl MessageAction {
    /// The action a form's path names.
    pub fn named(name: &str) -> Option<MessageAction> {
        match name {
            "read" => Some(MessageAction::Read),
            "unread" => Some(MessageAction::Unread),
            "delete" => Some(MessageAction::Delete),
            _ => None,
        }
    }
}

/// Does `action` to the message `id` of the site; `false` if the site has no such message.
pub async fn act_on_message(
    store: &Store,
    site_id: i64,
    id: i64,
    action: MessageAction,
) -> Result<bool, SiteError> {
    let mut tx = store.begin().await?;
    let done = match action {
        MessageAction::Read => sites::set_read(tx.ex(), site_id, id, true).await?,
        MessageAction::Unread => sites::set_read(tx.ex(), site_id, id, false).await?,
        MessageAction::Delete => sites::delete_message(tx.ex(), site_id, id).await?,
    };
    tx.commit().await?;
    Ok(done)
}

/// The key that signs contact-form tokens: made once per instance and kept in the store.
pub async fn form_secret(store: &Store) -> Result<String, StoreError> {
    ruche_store::users::secret(store, "pages_form_secret").await
}

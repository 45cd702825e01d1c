//! Sites in the store: import and export of the site document (the CLI's and the editor's way
//! in and out), and the published page. A document is checked whole before anything is written,
//! so a broken import changes nothing.

use crate::document::{self, Fault, Site};
use ruche_store::{Store, StoreError, sites};

#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("the document is not valid: {0}")]
    Invalid(#[from] Fault),
    #[error("the slug {0:?} belongs to someone else")]
    SlugTaken(String),
    #[error("no site {0:?}")]
    NotFound(String),
    #[error("{0}")]
    Store(#[from] StoreError),
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
pub async fn import(store: &Store, owner_id: i64, json: &[u8]) -> Result<Imported, SiteError> {
    let site = document::parse(json)?;
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

/// The site's document as it stands in the editor (its draft), ready to import elsewhere.
pub async fn export(store: &Store, slug: &str) -> Result<String, SiteError> {
    let mut c = store.read().await?;
    let row = sites::by_slug(c.ex(), slug)
        .await?
        .ok_or_else(|| SiteError::NotFound(slug.into()))?;
    let mut site = document::parse(row.draft.as_bytes())?;
    site.published = row.published.is_some();
    Ok(document::to_json(&site))
}

/// The published version of a site, if it is on line.
pub async fn published(store: &Store, slug: &str) -> Result<Option<(Site, i64)>, SiteError> {
    let mut c = store.read().await?;
    let Some(row) = sites::by_slug(c.ex(), slug).await? else {
        return Ok(None);
    };
    match (row.published, row.deleted_at) {
        (Some(doc), None) => Ok(Some((
            document::parse(doc.as_bytes())?,
            row.published_at.unwrap_or(row.updated_at),
        ))),
        _ => Ok(None),
    }
}

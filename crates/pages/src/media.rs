//! Pictures of sites on disk and in the store: an upload goes through [`crate::images`] (checked,
//! stripped of metadata, re-encoded as responsive WebP), its files land in the pages media
//! folder under content-derived names, and a row in the owner's library carries its label (the
//! text alternative). Imports turn `data:` pictures into stored ones; exports embed ours back as
//! `data:` so a document carries its pictures wherever it goes.

use crate::document::Site;
use crate::images::{self, ImageError, Limits};
use base64::Engine;
use ruche_store::{Store, StoreError, sites};
use std::path::{Path, PathBuf};

/// Where pictures are served from.
pub const URL_PREFIX: &str = "/pages-media/";

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error(transparent)]
    Image(#[from] ImageError),
    #[error("your pictures would take {needed} bytes, more than the {quota} bytes you may use")]
    Quota { needed: u64, quota: u64 },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl MediaError {
    /// A stable key for the catalogues.
    pub fn key(&self) -> &'static str {
        match self {
            MediaError::Image(e) => e.key(),
            MediaError::Quota { .. } => "image-quota",
            MediaError::Io(_) | MediaError::Store(_) => "image-internal",
        }
    }
}

/// The pages media folder and the rules uploads follow.
#[derive(Debug, Clone)]
pub struct Media {
    pub dir: PathBuf,
    pub quota: u64,
    pub limits: Limits,
}

/// A picture of a user's library, as the editor shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Picture {
    pub src: String,
    pub file: String,
    pub width: i64,
    pub height: i64,
    pub label: String,
}

impl From<sites::Media> for Picture {
    fn from(m: sites::Media) -> Self {
        Picture {
            src: format!("{URL_PREFIX}{}", m.file),
            file: m.file,
            width: m.width,
            height: m.height,
            label: m.label,
        }
    }
}

/// Whether `name` can be one of our picture files (and nothing else: no path).
pub fn is_file_name(name: &str) -> bool {
    name.len() <= 64
        && name.ends_with(".webp")
        && name
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f' | b'x' | b'-' | b'.' | b'w' | b'p'))
        && !name.contains("..")
}

impl Media {
    pub fn new(dir: PathBuf, quota: u64) -> Media {
        Media {
            dir,
            quota,
            limits: Limits::default(),
        }
    }

    /// The instance's media folder (`<storage>/pages-media`) and per-user quota.
    pub fn from_settings(settings: &ruche_domain::settings::Settings) -> Media {
        Media::new(
            settings.storage_dir().join("pages-media"),
            settings.pages.storage_quota,
        )
    }

    pub fn path_of(&self, file: &str) -> Option<PathBuf> {
        is_file_name(file).then(|| self.dir.join(file))
    }

    /// An owner's picture library, newest first (shared by all their sites).
    pub async fn library(&self, store: &Store, owner_id: i64) -> Result<Vec<Picture>, StoreError> {
        let mut c = store.read().await?;
        Ok(sites::media_of(c.ex(), owner_id)
            .await?
            .into_iter()
            .map(Picture::from)
            .collect())
    }

    /// Sets the label (the alt text) of one of the owner's pictures; `false` if they have no
    /// such picture.
    pub async fn set_label(
        &self,
        store: &Store,
        owner_id: i64,
        file: &str,
        label: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = store.begin().await?;
        let ok = sites::set_media_label(tx.ex(), owner_id, file, label).await?;
        tx.commit().await?;
        Ok(ok)
    }

    /// Checks, converts and stores an upload for `owner_id`; the same picture twice is one
    /// entry. Nothing is written when the picture is refused or over the quota.
    pub async fn upload(
        &self,
        store: &Store,
        owner_id: i64,
        bytes: Vec<u8>,
        label: &str,
    ) -> Result<Picture, MediaError> {
        // In turn with every other picture the process decodes (avatars, banners, copies of
        // other instances' pictures), off the async threads.
        let processed = images::ingest_async(bytes, self.limits).await?;
        let full = images::file_name(&processed.hash, processed.width, processed.height, None);
        let total: u64 = processed
            .variants
            .iter()
            .map(|v| v.bytes.len() as u64)
            .sum();
        let mut c = store.read().await?;
        let known = sites::media_of(c.ex(), owner_id)
            .await?
            .into_iter()
            .find(|m| m.file == full);
        if let Some(m) = known {
            return Ok(m.into());
        }
        let used = u64::try_from(sites::media_bytes(c.ex(), owner_id).await?).unwrap_or(0);
        drop(c);
        if used + total > self.quota {
            return Err(MediaError::Quota {
                needed: used + total,
                quota: self.quota,
            });
        }
        tokio::fs::create_dir_all(&self.dir).await?;
        for v in &processed.variants {
            write_once(&self.dir.join(&v.file_name), &v.bytes).await?;
        }
        let label: String = label.trim().chars().take(300).collect();
        let mut tx = store.begin().await?;
        let row = sites::add_media(
            tx.ex(),
            owner_id,
            &full,
            i64::from(processed.width),
            i64::from(processed.height),
            i64::try_from(total).unwrap_or(i64::MAX),
            &label,
        )
        .await?;
        tx.commit().await?;
        Ok(row.into())
    }

    /// Stores every `data:` picture of an imported document and points it at the stored file.
    pub async fn internalize(
        &self,
        store: &Store,
        owner_id: i64,
        site: &mut Site,
    ) -> Result<(), MediaError> {
        for src in site.picture_sources_mut() {
            let Some(bytes) = decode_data_uri(src) else {
                continue;
            };
            let pic = self.upload(store, owner_id, bytes, "").await?;
            *src = pic.src;
        }
        Ok(())
    }

    /// Replaces our pictures by `data:` URIs of their full variant, for a portable document.
    pub async fn embed(&self, site: &mut Site) -> Result<(), MediaError> {
        for src in site.picture_sources_mut() {
            let Some(path) = src.strip_prefix(URL_PREFIX).and_then(|f| self.path_of(f)) else {
                continue;
            };
            let bytes = tokio::fs::read(&path).await?;
            *src = format!(
                "data:image/webp;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(bytes)
            );
        }
        Ok(())
    }

    /// Removes the files (every variant) of the pictures `files` (full names) that no library
    /// holds any more: those of a deleted user. Files are shared between libraries, so one
    /// still held stays.
    pub async fn remove_unheld(&self, store: &Store, files: &[String]) -> Result<(), MediaError> {
        for file in files {
            let mut c = store.read().await?;
            let held = sites::media_holders(c.ex(), file).await?;
            drop(c);
            if held > 0 {
                continue;
            }
            for n in images::variant_files(file).unwrap_or_default() {
                if let Some(p) = self.path_of(&n) {
                    match tokio::fs::remove_file(&p).await {
                        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                        _ => {}
                    }
                }
            }
        }
        Ok(())
    }

    /// The files (with every variant) a site's pictures use: (file name, path on disk).
    pub fn files_of(&self, site: &mut Site) -> Vec<(String, PathBuf)> {
        let mut out = Vec::new();
        for src in site.picture_sources_mut() {
            let Some(names) = src.strip_prefix(URL_PREFIX).and_then(images::variant_files) else {
                continue;
            };
            for n in names {
                if let Some(p) = self.path_of(&n)
                    && !out.iter().any(|(m, _)| *m == n)
                {
                    out.push((n, p));
                }
            }
        }
        out
    }
}

/// Writes a content-named file unless it is there already (same name, same bytes), through a
/// temporary file so a crash never leaves half a picture under its final name.
async fn write_once(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if tokio::fs::try_exists(path).await? {
        return Ok(());
    }
    // A name of its own: two uploads of the same picture at once each write theirs.
    ruche_media::files::write_atomic(path, bytes).await
}

/// The bytes of a base64 `data:image/…` URI.
fn decode_data_uri(src: &str) -> Option<Vec<u8>> {
    let rest = src.strip_prefix("data:image/")?;
    let (_, data) = rest.split_once(";base64,")?;
    base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_ours_only() {
        assert!(is_file_name("0123456789abcdef-800x600.webp"));
        assert!(is_file_name("0123456789abcdef-800x600-480.webp"));
        assert!(!is_file_name("../etc/passwd"));
        assert!(!is_file_name("0123456789abcdef-800x600.webp/.."));
        assert!(!is_file_name("x.png"));
    }

    #[test]
    fn data_uris_decode() {
        assert_eq!(
            decode_data_uri("data:image/png;base64,aGk="),
            Some(b"hi".to_vec())
        );
        assert_eq!(decode_data_uri("https://example.org/a.png"), None);
    }
}

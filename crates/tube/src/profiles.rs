//! What accounts and channels are shown with: a display name, a description (and a channel's
//! support text), an avatar, and a channel's banner.
//!
//! Pictures are made the way PeerTube makes them: an upload is re-encoded (metadata dropped) into
//! one WebP per size of [`AVATAR_SIZES`] or [`BANNER_SIZES`], cut to its proportions. Another
//! instance's actor is shown with a copy of its pictures, fetched from its origin the first time
//! one is asked for, re-encoded the same way, and named after its holder
//! (`remote-a<account>-<hash>.webp`, `remote-c<channel>-…`) so that the file can be found again.
//!
//! **Invariant:** every change to one of our actors is announced (`Update` of the actor, to its
//! followers and the instance's) in the transaction that makes it; files are written before it
//! and the replaced ones removed after it commits, so a failure never leaves a picture pointing
//! at nothing.

use crate::federation::outbox;
use crate::{Tube, TubeError, TubeResult};
use ruche_media::images::{self, Limits};
use ruche_store::now_ms;
use ruche_store::users;
pub use ruche_store::users::{Holder, Picture, PictureKind, pictures};
use sha2::{Digest, Sha256};

/// PeerTube's avatar sizes (1:1), largest first.
pub const AVATAR_SIZES: &[(u32, u32)] = &[(1500, 1500), (600, 600), (120, 120), (48, 48)];
/// PeerTube's banner sizes (6:1), largest first.
pub const BANNER_SIZES: &[(u32, u32)] = &[(1920, 317), (600, 100)];

/// The size a copied picture gets when its origin did not say (Mastodon's avatars are square,
/// its headers 3:1).
const UNSIZED_AVATAR: (u32, u32) = (400, 400);
const UNSIZED_BANNER: (u32, u32) = (1500, 500);

/// The most pictures of one kind we copy from another instance's actor.
const MAX_REMOTE: usize = 4;

/// The largest picture we take, uploaded or fetched: the limits of Pages' uploads.
pub fn limits() -> Limits {
    Limits::default()
}

fn sizes(kind: PictureKind) -> &'static [(u32, u32)] {
    match kind {
        PictureKind::Avatar => AVATAR_SIZES,
        PictureKind::Banner => BANNER_SIZES,
    }
}

/// The size of a list to show at `width` pixels: the narrowest at least that wide, else the
/// widest.
pub fn pick(json: Option<&str>, width: u32) -> Option<Picture> {
    let all = users::pictures(json);
    let fitting = all
        .iter()
        .filter(|p| p.width.unwrap_or(0) >= width)
        .min_by_key(|p| p.width.unwrap_or(0))
        .cloned();
    fitting.or_else(|| all.into_iter().next())
}

/// Checks a display name, a description or a support text.
fn check_text(what: &str, text: &str, min: usize, max: usize) -> TubeResult<()> {
    let n = text.trim().chars().count();
    if n < min || n > max {
        return Err(TubeError::BadRequest(format!(
            "The {what} must have between {min} and {max} characters."
        )));
    }
    Ok(())
}

fn optional(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// A local account's new display name and description.
pub async fn update_account(
    tube: &Tube,
    account_id: i64,
    display_name: &str,
    description: Option<&str>,
) -> TubeResult<()> {
    check_text("display name", display_name, 1, 120)?;
    check_text("description", description.unwrap_or_default(), 0, 1000)?;
    let mut tx = tube.store.begin().await?;
    users::update_account(
        tx.ex(),
        account_id,
        display_name.trim(),
        optional(description),
    )
    .await?;
    outbox::actor_updated(tx.ex(), tube, Holder::Account(account_id)).await?;
    crate::index::account_renamed(tx.ex(), account_id).await?;
    tx.commit().await?;
    Ok(())
}

/// A local channel's new display name, description and support text.
pub async fn update_channel(
    tube: &Tube,
    channel_id: i64,
    display_name: &str,
    description: Option<&str>,
    support: Option<&str>,
) -> TubeResult<()> {
    check_text("display name", display_name, 1, 120)?;
    check_text("description", description.unwrap_or_default(), 0, 1000)?;
    check_text("support text", support.unwrap_or_default(), 0, 1000)?;
    let mut tx = tube.store.begin().await?;
    users::update_channel(
        tx.ex(),
        channel_id,
        display_name.trim(),
        optional(description),
        optional(support),
    )
    .await?;
    outbox::actor_updated(tx.ex(), tube, Holder::Channel(channel_id)).await?;
    crate::index::index_channel(tx.ex(), channel_id).await?;
    tx.commit().await?;
    Ok(())
}

/// An uploaded or fetched picture cut to `sizes` ([`images::cover`]): on a blocking thread, in
/// turn with every other picture the process decodes, its pixels counted from its header first.
async fn cover(bytes: Vec<u8>, sizes: Vec<(u32, u32)>) -> TubeResult<Vec<images::Variant>> {
    Ok(images::cover_async(bytes, limits(), sizes).await?)
}

/// Removes the files of pictures (ours, or our copies of others').
pub(crate) async fn remove_files(tube: &Tube, pictures: &[Picture]) {
    for p in pictures {
        if images_name_is_safe(&p.filename) {
            let _ = crate::storage::remove_file_if_exists(&tube.storage.picture(&p.filename)).await;
        }
    }
}

fn images_name_is_safe(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
        && !name.starts_with('.')
}

/// The files of a new avatar or banner, one per size, from an uploaded picture, written; their
/// records, for whoever keeps them.
pub(crate) async fn make_pictures(
    tube: &Tube,
    kind: PictureKind,
    bytes: Vec<u8>,
) -> TubeResult<Vec<Picture>> {
    let variants = cover(bytes, sizes(kind).to_vec()).await?;
    for v in &variants {
        crate::storage::write_atomic(&tube.storage.picture(&v.file_name), &v.bytes).await?;
    }
    let now = now_ms();
    Ok(variants
        .iter()
        .map(|v| Picture {
            filename: v.file_name.clone(),
            width: Some(v.width),
            height: Some(v.height),
            url: None,
            created_at: now,
        })
        .collect())
}

/// A new avatar or banner for one of our accounts or channels, from an uploaded picture.
/// Returns its sizes.
pub async fn set_picture(
    tube: &Tube,
    holder: Holder,
    kind: PictureKind,
    bytes: Vec<u8>,
) -> TubeResult<Vec<Picture>> {
    if matches!((holder, kind), (Holder::Account(_), PictureKind::Banner)) {
        return Err(TubeError::BadRequest("Accounts have no banner.".into()));
    }
    let new = make_pictures(tube, kind, bytes).await?;
    let stored = async {
        let mut tx = tube.store.begin().await?;
        let old = users::set_pictures(tx.ex(), holder, kind, &new).await?;
        outbox::actor_updated(tx.ex(), tube, holder).await?;
        tx.commit().await?;
        Ok::<_, TubeError>(old)
    }
    .await;
    match stored {
        Ok(old) => {
            // A file both old and new (the same picture again) stays.
            let gone: Vec<Picture> = old
                .into_iter()
                .filter(|o| !new.iter().any(|n| n.filename == o.filename))
                .collect();
            remove_files(tube, &gone).await;
            Ok(new)
        }
        Err(e) => {
            remove_files(tube, &new).await;
            Err(e)
        }
    }
}

/// Removes the avatar or banner of one of our accounts or channels.
pub async fn remove_picture(tube: &Tube, holder: Holder, kind: PictureKind) -> TubeResult<()> {
    let mut tx = tube.store.begin().await?;
    let old = users::set_pictures(tx.ex(), holder, kind, &[]).await?;
    if !old.is_empty() {
        outbox::actor_updated(tx.ex(), tube, holder).await?;
    }
    tx.commit().await?;
    remove_files(tube, &old).await;
    Ok(())
}

/// The name of our copy of another instance's picture.
fn remote_name(holder: Holder, url: &str) -> String {
    let hash = hex::encode(Sha256::digest(url.as_bytes()));
    match holder {
        Holder::Account(id) => format!("remote-a{id}-{}.webp", &hash[..16]),
        Holder::Channel(id) => format!("remote-c{id}-{}.webp", &hash[..16]),
    }
}

/// Keeps what another instance's actor says its pictures are (copied when first asked for);
/// the copies of pictures it no longer has are removed.
pub async fn store_remote_pictures(
    tube: &Tube,
    holder: Holder,
    kind: PictureKind,
    refs: &[ruche_federation::ap::ImageRef],
) -> TubeResult<()> {
    let now = now_ms();
    let new: Vec<Picture> = refs
        .iter()
        .take(MAX_REMOTE)
        .map(|r| Picture {
            filename: remote_name(holder, &r.url),
            width: r.width,
            height: r.height,
            url: Some(r.url.clone()),
            created_at: now,
        })
        .collect();
    // Read first: most refreshes change nothing, and need no write transaction.
    let current = {
        let mut c = tube.store.read().await?;
        current_pictures(c.ex(), holder, kind).await?
    };
    let same = current.len() == new.len()
        && current.iter().all(|o| {
            new.iter()
                .any(|n| n.filename == o.filename && n.width == o.width)
        });
    if same {
        return Ok(());
    }
    let mut tx = tube.store.begin().await?;
    let old = users::set_pictures(tx.ex(), holder, kind, &new).await?;
    tx.commit().await?;
    let gone: Vec<Picture> = old
        .into_iter()
        .filter(|o| !new.iter().any(|n| n.filename == o.filename))
        .collect();
    remove_files(tube, &gone).await;
    Ok(())
}

async fn current_pictures(
    ex: ruche_store::Ex<'_>,
    holder: Holder,
    kind: PictureKind,
) -> TubeResult<Vec<Picture>> {
    let json = match holder {
        Holder::Account(id) => users::account_by_id(ex, id).await?.avatars,
        Holder::Channel(id) => {
            let ch = users::channel_by_id(ex, id)
                .await?
                .ok_or(TubeError::NotFound("channel"))?;
            match kind {
                PictureKind::Avatar => ch.avatars,
                PictureKind::Banner => ch.banners,
            }
        }
    };
    Ok(users::pictures(json.as_deref()))
}

/// The file of an avatar or banner: ours as stored, another instance's copied from its origin the
/// first time (through the guarded fetcher, re-encoded, so nothing of the original reaches a
/// browser but pixels): once however many ask at the same time, and not again for a while if
/// it failed ([`crate::copies::once`]).
pub async fn picture_file(
    tube: &Tube,
    kind: PictureKind,
    name: &str,
) -> TubeResult<std::path::PathBuf> {
    if !images_name_is_safe(name) {
        return Err(TubeError::NotFound("file"));
    }
    let path = tube.storage.picture(name);
    if tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return Ok(path);
    }
    let holder = name
        .strip_prefix("remote-")
        .and_then(|rest| {
            let (who, _) = rest.split_once('-')?;
            let id: i64 = who.get(1..)?.parse().ok()?;
            match who.as_bytes().first()? {
                b'a' => Some(Holder::Account(id)),
                b'c' => Some(Holder::Channel(id)),
                _ => None,
            }
        })
        .ok_or(TubeError::NotFound("file"))?;
    let pictures = {
        let mut c = tube.store.read().await?;
        current_pictures(c.ex(), holder, kind).await?
    };
    let p = pictures
        .into_iter()
        .find(|p| p.filename == name)
        .ok_or(TubeError::NotFound("file"))?;
    let url = p.url.ok_or(TubeError::NotFound("file"))?;
    let size = match (p.width, p.height, kind) {
        (Some(w), Some(h), _) if w > 0 && h > 0 => (w.min(1920), h.min(1920)),
        (_, _, PictureKind::Avatar) => UNSIZED_AVATAR,
        (_, _, PictureKind::Banner) => UNSIZED_BANNER,
    };
    crate::copies::once(&path, || async {
        let got = tube
            .fetcher
            .get(&url, "image/webp, image/png, image/jpeg, image/gif")
            .await
            .map_err(|e| TubeError::Remote(format!("{url}: {e}")))?;
        let variants = cover(got.body.to_vec(), vec![size])
            .await
            .map_err(|e| TubeError::Remote(format!("{url}: {e}")))?;
        let v = variants
            .first()
            .ok_or_else(|| TubeError::Remote(format!("{url}: no picture")))?;
        Ok(crate::storage::write_atomic(&path, &v.bytes).await?)
    })
    .await?;
    Ok(path)
}

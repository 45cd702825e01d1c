//! Receiving videos: PeerTube's legacy multipart upload and its resumable protocol (uploadx).
//! Bodies stream to a file below tmp, never whole in memory; quotas are checked before an
//! upload starts when its size is declared and while it streams in every case. A resumable
//! upload's database row is the truth about how many bytes are safely stored: a chunk cut short
//! by a crash is truncated away when the next chunk arrives.

use crate::videos::{self, Created, VideoInput};
use crate::{Tube, TubeError, TubeResult};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use ruche_domain::ids::random_hex;
use ruche_store::users::User;
use ruche_store::videos as vstore;
use std::fmt::Display;
use std::path::Path;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

fn over_quota() -> TubeError {
    TubeError::TooLarge("The video is larger than your remaining video quota.".into())
}

/// Streams `body` to the end of `file`, refusing to go past `limit` bytes in total (counting
/// `already` bytes the file holds). Returns the bytes written.
async fn append<S, E>(
    file: &mut tokio::fs::File,
    body: &mut S,
    already: i64,
    limit: Option<i64>,
    limit_error: impl Fn() -> TubeError,
) -> TubeResult<i64>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    let mut written = 0i64;
    while let Some(chunk) = body.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            // The client went away: keep what arrived, the caller records it.
            Err(e) => {
                tracing::info!("upload body interrupted after {written} bytes: {e}");
                break;
            }
        };
        if let Some(limit) = limit
            && already + written + chunk.len() as i64 > limit
        {
            file.flush().await?;
            return Err(limit_error());
        }
        file.write_all(&chunk).await?;
        written += chunk.len() as i64;
    }
    file.flush().await?;
    file.sync_data().await?;
    Ok(written)
}

/// Receives the file of a legacy multipart upload into a staging file; returns its path and
/// size. The caller creates the video from it (or removes it).
pub async fn stage_stream<S, E>(
    tube: &Tube,
    user: &User,
    declared: Option<i64>,
    body: &mut S,
) -> TubeResult<(std::path::PathBuf, i64)>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    let room = crate::quota::room(tube, user, None).await?;
    if let (Some(room), Some(declared)) = (room, declared)
        && declared > room
    {
        return Err(over_quota());
    }
    let path = tube
        .storage
        .upload_part(&format!("legacy-{}", random_hex(12)));
    let mut file = tokio::fs::File::create(&path).await?;
    match append(&mut file, body, 0, room, over_quota).await {
        Ok(n) => Ok((path, n)),
        Err(e) => {
            drop(file);
            crate::storage::remove_file_if_exists(&path).await?;
            Err(e)
        }
    }
}

/// Creates the video of a completed legacy upload; the staging file is consumed either way.
pub async fn finish_legacy(
    tube: &Tube,
    user: &User,
    input: VideoInput,
    staged: &Path,
    size: i64,
) -> TubeResult<Created> {
    let result = async {
        let original = input.filename.clone().unwrap_or_default();
        let video = videos::validate(tube, user, input).await?;
        videos::create_from_file(tube, user, video, staged, size, None, &original).await
    }
    .await;
    crate::storage::remove_file_if_exists(staged).await?;
    result
}

/// `Content-Range` of a resumable chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentRange {
    /// `bytes start-end/total` (end inclusive).
    Bytes { start: i64, end: i64, total: i64 },
    /// `bytes */total`: a status query.
    Query { total: i64 },
}

impl ContentRange {
    pub fn parse(s: &str) -> Option<ContentRange> {
        let rest = s.trim().strip_prefix("bytes")?.trim();
        let (range, total) = rest.split_once('/')?;
        let total: i64 = total.trim().parse().ok()?;
        if range.trim() == "*" {
            return Some(ContentRange::Query { total });
        }
        let (a, b) = range.split_once('-')?;
        let (start, end): (i64, i64) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
        (start >= 0 && end >= start && total >= 0).then_some(ContentRange::Bytes {
            start,
            end,
            total,
        })
    }
}

/// Starts (or finds again) a resumable upload. Returns its id and whether it already existed.
pub async fn init_resumable(
    tube: &Tube,
    user: &User,
    input: VideoInput,
    declared_size: i64,
    content_type: Option<&str>,
) -> TubeResult<(String, bool)> {
    tube.rates.upload.check(&user.id)?;
    let filename = input.filename.clone().unwrap_or_default();
    videos::check_media_type(content_type, &filename)?;
    if declared_size <= 0 {
        return Err(TubeError::BadRequest("The file is empty.".into()));
    }
    let video = videos::validate(tube, user, input).await?;
    let metadata = serde_json::to_string(&video).map_err(|e| TubeError::Internal(e.to_string()))?;
    open_upload(tube, user, &metadata, &filename, declared_size, 0).await
}

/// The key of a replacement's metadata: the id of the video whose file it replaces.
const REPLACES: &str = "replaceVideoId";

/// Starts (or finds again) the resumable upload of a new file for one of `user`'s videos
/// (PeerTube's `source/replace-resumable`). Returns its id and whether it already existed.
pub async fn init_replacement(
    tube: &Tube,
    user: &User,
    video: &str,
    filename: &str,
    declared_size: i64,
    content_type: Option<&str>,
) -> TubeResult<(String, bool)> {
    if !tube.settings.uploads.replace_enabled {
        return Err(TubeError::Forbidden(
            "Replacing a video's file is disabled on this instance.".into(),
        ));
    }
    videos::check_media_type(content_type, filename)?;
    if declared_size <= 0 {
        return Err(TubeError::BadRequest("The file is empty.".into()));
    }
    let v = videos::find(tube, video).await?;
    videos::check_replaceable(&v, user)?;
    let metadata = serde_json::json!({ REPLACES: v.id }).to_string();
    open_upload(tube, user, &metadata, filename, declared_size, v.quota_size).await
}

/// Opens a resumable upload of `declared_size` bytes described by `metadata`, within the
/// user's open uploads and quota (`replaced`: the bytes it frees once done).
async fn open_upload(
    tube: &Tube,
    user: &User,
    metadata: &str,
    filename: &str,
    declared_size: i64,
    replaced: i64,
) -> TubeResult<(String, bool)> {
    // Same user, same file, same metadata: the same upload, so a client that lost the Location
    // after a crash resumes instead of starting again (uploadx does the same).
    let id = crate::auth::sha256_hex(&format!(
        "{}\n{filename}\n{declared_size}\n{metadata}",
        user.id
    ))[..32]
        .to_string();
    let mut tx = tube.store.begin().await?;
    if let Some(existing) = vstore::upload(tx.ex(), &id).await? {
        if existing.video_id.is_none() {
            return Ok((id, true));
        }
        // Finished before: this is a new upload of the same file.
        vstore::delete_upload(tx.ex(), &id).await?;
    }
    // Checked in the transaction that opens it: many uploads started at once cannot all pass.
    vstore::lock_uploads_of(tx.ex(), user.id).await?;
    let (open, _) = vstore::open_uploads(tx.ex(), user.id, &id).await?;
    if open >= i64::try_from(tube.settings.uploads.max_open_per_user).unwrap_or(i64::MAX) {
        return Err(TubeError::Conflict(format!(
            "You have {open} uploads under way: finish or cancel one first."
        )));
    }
    if let Some(room) = crate::quota::room_in(tx.ex(), tube, user, Some(&id)).await?
        && declared_size - replaced > room
    {
        return Err(over_quota());
    }
    vstore::insert_upload(tx.ex(), &id, user.id, metadata, filename, declared_size).await?;
    tx.commit().await?;
    crate::storage::remove_file_if_exists(&tube.storage.upload_part(&id)).await?;
    Ok((id, false))
}

/// Where a resumable upload stands after a chunk.
#[derive(Debug)]
pub enum ChunkOutcome {
    /// Bytes safely stored so far.
    Partial(i64),
    Done(Created),
}

/// Holds an upload (or a user's multipart slot) busy until dropped.
pub struct BusyGuard<'a> {
    tube: &'a Tube,
    id: String,
}
impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        if let Ok(mut set) = self.tube.busy_uploads.lock() {
            set.remove(&self.id);
        }
    }
}

/// Marks `key` busy until the guard drops; a second claim meanwhile is a conflict.
fn busy<'a>(tube: &'a Tube, key: String, conflict: &str) -> TubeResult<BusyGuard<'a>> {
    let mut set = tube
        .busy_uploads
        .lock()
        .map_err(|_| TubeError::Internal("lock".into()))?;
    if !set.insert(key.clone()) {
        return Err(TubeError::Conflict(conflict.into()));
    }
    Ok(BusyGuard { tube, id: key })
}

/// One multipart upload at a time per user (in this process), held from the first byte until
/// its video is created: a multipart upload holds no room in the quota while it streams (a
/// resumable one does), so uploads in parallel could each take the whole remaining room.
pub fn legacy_slot<'a>(tube: &'a Tube, user: &User) -> TubeResult<BusyGuard<'a>> {
    // Videos begun are counted before the body is read, refused ones too.
    tube.rates.upload.check(&user.id)?;
    busy(
        tube,
        format!("legacy:{}", user.id),
        "Another upload of yours is being received; send the next one when it is done.",
    )
}

async fn owned_upload(tube: &Tube, user: &User, id: &str) -> TubeResult<vstore::Upload> {
    let mut c = tube.store.read().await?;
    match vstore::upload(c.ex(), id).await? {
        Some(u) if u.user_id == user.id => Ok(u),
        _ => Err(TubeError::NotFound("upload")),
    }
}

/// Receives one chunk of a resumable upload. A chunk must start exactly where the stored bytes
/// end and stay within the declared size; anything else is refused with the current state and
/// changes nothing.
pub async fn put_chunk<S, E>(
    tube: &Tube,
    user: &User,
    id: &str,
    range: Option<ContentRange>,
    body: &mut S,
) -> TubeResult<ChunkOutcome>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    let _guard = busy(
        tube,
        id.to_string(),
        "Another chunk of this upload is being received.",
    )?;
    let up = owned_upload(tube, user, id).await?;
    if let Some(video_id) = up.video_id {
        // A replayed last chunk: answer as the first time.
        return Ok(ChunkOutcome::Done(videos::created(tube, video_id).await?));
    }
    if up.received == up.size {
        // Every byte arrived but the video was not made (the server stopped in between):
        // whatever this request says, finish now.
        return finalize(tube, user, &up, up.received).await;
    }
    let mismatch = |message: String| TubeError::RangeMismatch {
        message,
        received: up.received,
    };
    let (start, end) = match range {
        None => return Err(TubeError::BadRequest("Content-Range is required.".into())),
        Some(ContentRange::Query { total }) | Some(ContentRange::Bytes { total, .. })
            if total != up.size =>
        {
            return Err(TubeError::BadRequest(format!(
                "Content-Range total {total} differs from the declared size {}.",
                up.size
            )));
        }
        Some(ContentRange::Query { .. }) => return Ok(ChunkOutcome::Partial(up.received)),
        Some(ContentRange::Bytes { end, .. }) if end >= up.size => {
            return Err(TubeError::TooLarge(format!(
                "The chunk ends at byte {end}, past the declared size of {} bytes.",
                up.size
            )));
        }
        Some(ContentRange::Bytes { start, .. }) if start != up.received => {
            return Err(mismatch(format!(
                "The chunk starts at byte {start} but the upload has {} bytes: send from there.",
                up.received
            )));
        }
        Some(ContentRange::Bytes { start, end, .. }) => (start, end),
    };
    let part = tube.storage.upload_part(id);
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(false)
        .open(&part)
        .await?;
    // Bytes past what the database records come from a chunk cut short by a crash: drop them.
    file.set_len(up.received as u64).await?;
    file.seek(std::io::SeekFrom::Start(up.received as u64))
        .await?;
    let chunk_len = end - start + 1;
    let written = append(
        &mut file,
        body,
        up.received,
        Some(up.received + chunk_len),
        || TubeError::BadRequest("The chunk is longer than its Content-Range says.".into()),
    )
    .await;
    let written = match written {
        Ok(n) => n,
        Err(e) => {
            file.set_len(up.received as u64).await?;
            return Err(e);
        }
    };
    drop(file);
    let received = up.received + written;
    let mut tx = tube.store.begin().await?;
    vstore::set_upload_received(tx.ex(), id, received).await?;
    tx.commit().await?;
    if received < up.size {
        return Ok(ChunkOutcome::Partial(received));
    }
    finalize(tube, user, &up, received).await
}

/// Turns a complete resumable upload into a video.
async fn finalize(
    tube: &Tube,
    user: &User,
    up: &vstore::Upload,
    size: i64,
) -> TubeResult<ChunkOutcome> {
    let part = tube.storage.upload_part(&up.id);
    let replaces = serde_json::from_str::<serde_json::Value>(&up.metadata)
        .ok()
        .and_then(|m| m[REPLACES].as_i64());
    let created = match replaces {
        Some(video_id) => {
            videos::replace_from_file(
                tube,
                user,
                video_id,
                &part,
                size,
                Some(&up.id),
                &up.filename,
            )
            .await
        }
        None => {
            let input: VideoInput =
                serde_json::from_str::<ruche_store::videos::NewVideo>(&up.metadata)
                    .map(VideoInput::from)
                    .map_err(|e| {
                        TubeError::Internal(format!("stored upload metadata unreadable: {e}"))
                    })?;
            let video = videos::validate(tube, user, input).await?;
            videos::create_from_file(tube, user, video, &part, size, Some(&up.id), &up.filename)
                .await
        }
    };
    match created {
        Ok(created) => {
            let mut tx = tube.store.begin().await?;
            vstore::set_upload_video(tx.ex(), &up.id, created.id).await?;
            tx.commit().await?;
            crate::storage::remove_file_if_exists(&part).await?;
            Ok(ChunkOutcome::Done(created))
        }
        Err(e) => {
            // Not a video, or over quota: the upload ends here.
            let mut tx = tube.store.begin().await?;
            vstore::delete_upload(tx.ex(), &up.id).await?;
            tx.commit().await?;
            crate::storage::remove_file_if_exists(&part).await?;
            Err(e)
        }
    }
}

/// Cancels a resumable upload (`DELETE …?upload_id=`).
pub async fn cancel(tube: &Tube, user: &User, id: &str) -> TubeResult<()> {
    let up = owned_upload(tube, user, id).await?;
    let mut tx = tube.store.begin().await?;
    vstore::delete_upload(tx.ex(), &up.id).await?;
    tx.commit().await?;
    crate::storage::remove_file_if_exists(&tube.storage.upload_part(id)).await?;
    Ok(())
}

/// Removes uploads untouched for the configured delay, with their files.
pub async fn sweep_abandoned(tube: &Tube) -> TubeResult<usize> {
    let before = ruche_store::now_ms() - tube.settings.uploads.abandoned_after_secs as i64 * 1000;
    let mut c = tube.store.read().await?;
    let stale = vstore::stale_uploads(c.ex(), before).await?;
    drop(c);
    for up in &stale {
        let mut tx = tube.store.begin().await?;
        vstore::delete_upload(tx.ex(), &up.id).await?;
        tx.commit().await?;
        crate::storage::remove_file_if_exists(&tube.storage.upload_part(&up.id)).await?;
    }
    Ok(stale.len())
}

#[cfg(test)]
mod tests {
    use super::ContentRange;

    #[test]
    fn content_range() {
        assert_eq!(
            ContentRange::parse("bytes 0-99/1000"),
            Some(ContentRange::Bytes {
                start: 0,
                end: 99,
                total: 1000
            })
        );
        assert_eq!(
            ContentRange::parse("bytes */1000"),
            Some(ContentRange::Query { total: 1000 })
        );
        assert_eq!(ContentRange::parse("bytes 10-5/1000"), None);
        assert_eq!(ContentRange::parse("items 0-1/2"), None);
        assert_eq!(ContentRange::parse("bytes a-b/c"), None);
    }
}

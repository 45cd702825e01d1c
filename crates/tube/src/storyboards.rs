//! Storyboards: the frames a player shows over its progress bar. Ours are made after a video's
//! renditions (PeerTube's sizes and timing, `ruche_media::storyboard_plan`), from the smallest
//! rendition whose frames are at least a sprite's size, not from the source as PeerTube does:
//! decoding 240p instead of 1080p is most of what a storyboard costs. Another instance's is read
//! from its `Video`'s `preview` and copied here the first time it is asked for, like its pictures.

use std::path::PathBuf;

use ruche_domain::video::{Storyboard, VideoState};
use ruche_store::videos::{self as vstore, Video, VideoFile};

use crate::federation::remote::RemoteMedia;
use crate::storage::{move_file, remote_picture_name, remove_file_if_exists};
use crate::{Tube, TubeError, TubeResult};

/// The largest storyboard taken from another instance, per side (PeerTube's largest grid).
pub const MAX_SIDE: i64 =
    (ruche_media::SPRITE_MAX_SIZE * ruche_media::SPRITES_MAX_EDGE_COUNT) as i64;

/// A video's storyboard: ours from its row, another instance's from what its origin said.
pub fn of(v: &Video) -> Option<Storyboard> {
    if v.is_local() {
        v.local_storyboard()
    } else {
        RemoteMedia::of(v)?.storyboard
    }
}

/// Where a video's storyboard is served on our host (`/lazy-static/storyboards/…`), with it.
pub fn served(v: &Video) -> Option<(String, Storyboard)> {
    let s = of(v)?;
    let name = if v.is_local() {
        s.file.clone()
    } else {
        remote_picture_name(&v.uuid)
    };
    Some((ruche_domain::urls::storyboard("", &name), s))
}

/// The file of the storyboard named `name`: ours, or our copy of another instance's (fetched
/// from its origin the first time).
pub async fn file(tube: &Tube, name: &str) -> TubeResult<PathBuf> {
    let path = tube.storage.storyboard(name);
    if !name.starts_with("remote-") || tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return Ok(path);
    }
    let v = crate::playback::remote_video_of_picture(tube, name).await?;
    let s = of(&v).ok_or(TubeError::NotFound("file"))?;
    let within = (s.total_width as u32, s.total_height as u32);
    crate::playback::copy_remote_picture(tube, &s.file, &path, within).await?;
    Ok(path)
}

/// Makes our video's storyboard if it has none and should (long enough, with a picture), records
/// it and tells other instances (an `Update`, as PeerTube sends once its storyboard is made).
/// A storyboard that cannot be made is no reason to fail the video: it is said in the log.
pub(crate) async fn make(tube: &Tube, video_id: i64) -> TubeResult<()> {
    if !tube.settings.transcoding.storyboards {
        return Ok(());
    }
    let video = {
        let mut c = tube.store.read().await?;
        vstore::by_id(c.ex(), video_id).await?
    };
    let Some(video) = video.filter(|v| v.storyboard.is_none()) else {
        return Ok(());
    };
    let files = crate::videos::files(tube, video_id).await?;
    let Some((input, plan)) = choose(&video, &files) else {
        return Ok(());
    };
    let name = format!("{}.jpg", uuid::Uuid::new_v4());
    let work = tube.storage.work_dir(&video.uuid);
    tokio::fs::create_dir_all(&work).await?;
    let scratch = work.join(&name);
    let source = tube.storage.hls_dir(&video.uuid).join(&input.filename);
    if let Err(e) = ruche_media::storyboard(&source, &plan, &scratch).await {
        tracing::warn!(video = %video.uuid, "no storyboard: {e}");
        remove_file_if_exists(&scratch).await?;
        return Ok(());
    }
    let path = tube.storage.storyboard(&name);
    move_file(&scratch, &path).await?;
    let (w, h) = plan.total_size();
    let board = Storyboard {
        file: name,
        total_width: i64::from(w),
        total_height: i64::from(h),
        sprite_width: i64::from(plan.sprite_width),
        sprite_height: i64::from(plan.sprite_height),
        sprite_duration: i64::from(plan.sprite_duration),
    };
    let json = serde_json::to_string(&board).map_err(|e| TubeError::Internal(e.to_string()))?;
    let mut tx = tube.store.begin().await?;
    let now = vstore::by_id(tx.ex(), video_id).await?;
    let Some(now) = now.filter(|v| v.storyboard.is_none()) else {
        // Deleted meanwhile, or made by another worker: ours is not needed.
        drop(tx);
        remove_file_if_exists(&path).await?;
        return Ok(());
    };
    vstore::set_storyboard(tx.ex(), video_id, Some(&json)).await?;
    if now.state == VideoState::Published {
        crate::federation::outbox::video_updated(tx.ex(), tube, video_id).await?;
    }
    tx.commit().await?;
    tube.deliveries_ready.notify_waiters();
    Ok(())
}

/// The rendition a storyboard is made from and how it is laid out: the smallest rendition with
/// a picture at least a sprite's size (else the largest), sprites sized by the largest's shape.
fn choose<'a>(
    video: &Video,
    files: &'a [VideoFile],
) -> Option<(&'a VideoFile, ruche_media::StoryboardPlan)> {
    let pictures: Vec<&VideoFile> = files
        .iter()
        .filter(|f| f.has_video && f.width > 0 && f.height > 0)
        .collect();
    let largest = pictures.iter().max_by_key(|f| f.resolution)?;
    let plan = ruche_media::storyboard_plan(
        video.duration,
        u32::try_from(largest.width).ok()?,
        u32::try_from(largest.height).ok()?,
    )?;
    let input = pictures
        .iter()
        .filter(|f| {
            f.width >= i64::from(plan.sprite_width) && f.height >= i64::from(plan.sprite_height)
        })
        .min_by_key(|f| f.resolution)
        .unwrap_or(largest);
    Some((input, plan))
}

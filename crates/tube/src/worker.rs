//! The transcoding worker. A job turns a video's source into its HLS ladder in two phases: the
//! rendition quickest to make playable first (the source remuxed when it already fits), after
//! which the video is published, then every other rendition from one ffmpeg process.
//!
//! Crash safety: files are made in a scratch directory and renamed into storage before the
//! transaction that records them; a job taken up again after a crash first deletes whatever in
//! the video's storage directory the database does not reference, then makes only the
//! renditions the database does not have yet.

use crate::storage::{list_names, move_file, remove_dir_if_exists, remove_file_if_exists};
use crate::{Tube, TubeError, TubeResult};
use ruche_domain::video::VideoState;
use ruche_media::{MediaError, Output, Rendition};
use ruche_store::jobs::Job;
use ruche_store::videos::{self as vstore, MediaInfo, Video, VideoFile};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::videos::TRANSCODE;

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload {
    video_id: i64,
}

/// Starts `concurrency` transcoding workers (a `ruche_jobs` queue); they run until `shutdown`.
/// A job still running then has the grace period to end, after which it goes back to the queue
/// (its ffmpeg stopped) for the next start to make the renditions it lacks.
pub fn spawn(tube: Arc<Tube>, shutdown: tokio_util::sync::CancellationToken) {
    let queue = ruche_jobs::Queue {
        name: "transcoding",
        kinds: vec![TRANSCODE],
        workers: tube.settings.transcoding.concurrency.max(1),
        lease: Duration::from_millis(lease_ms(&tube) as u64),
        poll: Duration::from_secs(2),
        grace: Duration::from_secs(10),
    };
    let wake = tube.transcode_ready.clone();
    ruche_jobs::spawn(
        tube.store.clone(),
        queue,
        wake,
        shutdown,
        Arc::new(Transcoding(tube)),
    );
}

/// The transcoding queue's work.
struct Transcoding(Arc<Tube>);

impl ruche_jobs::Handler for Transcoding {
    async fn run(&self, job: Job) -> ruche_jobs::Outcome {
        run_job(&self.0, &job).await
    }

    /// Attempts spent, or a panic: the owner sees that the video failed, and why.
    async fn gave_up(&self, job: Job, reason: String) {
        if let Ok(p) = serde_json::from_str::<Payload>(&job.payload)
            && let Err(e) = mark_failed(
                &self.0,
                p.video_id,
                &format!("Transcoding failed: {reason}"),
            )
            .await
        {
            tracing::error!("video {}: cannot record the failure: {e}", p.video_id);
        }
    }
}

fn lease_ms(tube: &Tube) -> i64 {
    tube.settings.jobs.lease_secs.max(1) as i64 * 1000
}

async fn mark_failed(tube: &Tube, video_id: i64, reason: &str) -> TubeResult<()> {
    let mut tx = tube.store.begin().await?;
    vstore::set_failed(tx.ex(), video_id, reason).await?;
    tx.commit().await?;
    Ok(())
}

/// One transcoding job, its progress stored while it runs.
async fn run_job(tube: &Arc<Tube>, job: &Job) -> ruche_jobs::Outcome {
    use ruche_jobs::Outcome;
    let payload: Payload = match serde_json::from_str(&job.payload) {
        Ok(p) => p,
        Err(e) => return Outcome::Failed(format!("bad payload: {e}")),
    };
    let video_id = payload.video_id;
    let progress = Arc::new(AtomicU32::new(u32::MAX));
    let stop = tokio_util::sync::CancellationToken::new();
    let ticker = tokio::spawn(tick(tube.clone(), video_id, progress.clone(), stop.clone()));
    // Dropped with the job (a shutdown), the ticker stops too.
    let stop_ticker = stop.drop_guard();
    let result = transcode_video(tube, video_id, &progress).await;
    // The ticker's last write is over before the job's last one: a 99 % it read just before
    // the end can no longer land after the 100 % (seen on a loaded machine: a published video
    // left at 99 % for good).
    drop(stop_ticker);
    let _ = ticker.await;
    let result = match result {
        Ok(()) => transcoded(tube, video_id).await,
        Err(e) => Err(e),
    };
    let outcome = match result {
        Ok(()) => return Outcome::Done,
        // The file cannot become a video: no retry, the owner sees why.
        Err(TubeError::Unprocessable(reason)) => {
            tracing::info!("video {video_id} refused: {reason}");
            mark_failed(tube, video_id, &reason)
                .await
                .map(|()| Outcome::Done)
        }
        // Nothing is wrong with the file: the server's disk is full. Tried again later, for as
        // long as it takes (attempts are not used up); a video not yet published says why it
        // waits (publishing it later clears the reason).
        Err(TubeError::DiskFull) => {
            let reason = TubeError::DiskFull.to_string();
            tracing::error!(
                "video {video_id}: the disk is full; transcoding will be tried again in {} s",
                DISK_FULL_RETRY.as_secs()
            );
            let unpublished = current(tube, video_id)
                .await
                .map(|v| v.is_some_and(|v| v.state != VideoState::Published));
            match unpublished {
                Ok(true) => mark_failed(tube, video_id, &reason).await,
                Ok(false) => Ok(()),
                Err(e) => Err(e),
            }
            .map(|()| Outcome::Later {
                reason,
                after: DISK_FULL_RETRY,
            })
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(o) => o,
        Err(e) => {
            let reason = e.to_string();
            tracing::warn!(
                "video {video_id}: transcoding attempt {} failed: {reason}",
                job.attempts
            );
            Outcome::Retry {
                reason,
                after: Duration::from_millis(5_000 * (job.attempts * job.attempts).max(1) as u64),
            }
        }
    }
}

/// While a job runs: stores its progress, about every second when it changes, until `stop`
/// (never in the middle of a write).
async fn tick(
    tube: Arc<Tube>,
    video_id: i64,
    progress: Arc<AtomicU32>,
    stop: tokio_util::sync::CancellationToken,
) {
    let mut stored = u32::MAX;
    loop {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
            () = stop.cancelled() => return,
        }
        let p = progress.load(Ordering::Relaxed);
        if p == stored || p == u32::MAX {
            continue;
        }
        let result = async {
            let mut tx = tube.store.begin().await?;
            vstore::set_progress(tx.ex(), video_id, i64::from(p)).await?;
            tx.commit().await
        }
        .await;
        match result {
            Ok(()) => stored = p,
            Err(e) => tracing::warn!("video {video_id}: progress not stored: {e}"),
        }
    }
}

/// How long a job that met a full disk waits before it tries again.
const DISK_FULL_RETRY: Duration = Duration::from_secs(10 * 60);

fn media_error(e: MediaError) -> TubeError {
    match e {
        MediaError::Ffmpeg(m) => TubeError::Internal(format!("ffmpeg failed: {m}")),
        MediaError::DiskFull => TubeError::DiskFull,
        MediaError::Io(e) => TubeError::from(e),
        other => TubeError::Unprocessable(other.to_string()),
    }
}

fn name_of(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

async fn current(tube: &Tube, video_id: i64) -> TubeResult<Option<Video>> {
    let mut c = tube.store.read().await?;
    Ok(vstore::by_id(c.ex(), video_id).await?)
}

/// The whole job for one video.
async fn transcode_video(tube: &Tube, video_id: i64, progress: &AtomicU32) -> TubeResult<()> {
    let Some(video) = current(tube, video_id).await? else {
        return Ok(()); // Deleted meanwhile: nothing to do.
    };
    let uuid = video.uuid.clone();
    let source = tube.storage.source(&uuid);
    let hls = tube.storage.hls_dir(&uuid);
    let work = tube.storage.work_dir(&uuid);
    remove_dir_if_exists(&work).await?;
    tokio::fs::create_dir_all(&work).await?;
    tokio::fs::create_dir_all(&hls).await?;
    let existing = crate::videos::files(tube, video_id).await?;
    sweep_unreferenced(&hls, &video, &existing).await?;
    if !tokio::fs::try_exists(&source).await? {
        if existing.is_empty() {
            return Err(TubeError::Unprocessable(
                "The uploaded file is missing.".into(),
            ));
        }
        // An earlier attempt finished and was stopped while it cleaned up: finish that.
        crate::storyboards::make(tube, video_id).await?;
        remove_file_if_exists(&tube.storage.source_torrent(&uuid)).await?;
        remove_dir_if_exists(&work).await?;
        return Ok(());
    }

    let probe = ruche_media::probe(&source).await.map_err(media_error)?;
    let t = &tube.settings.transcoding;
    ruche_media::check_limits(
        &probe,
        &ruche_media::Limits {
            max_duration: t.max_duration,
            max_size: t.max_upload_size,
        },
    )
    .map_err(media_error)?;
    let plan = ruche_media::plan(
        &probe,
        &ruche_media::LadderConfig {
            resolutions: t.resolutions.clone(),
            max_fps: t.max_fps,
            threads: t.threads,
            web_videos: t.web_videos,
        },
    );
    let done: HashSet<i64> = existing.iter().map(|f| f.resolution).collect();
    let (first, rest) = ruche_media::phases(&plan);
    let todo = |rs: Vec<Rendition>| -> Vec<Rendition> {
        rs.into_iter()
            .filter(|r| !done.contains(&i64::from(r.resolution)))
            .collect()
    };
    let (first, rest) = (todo(first), todo(rest));
    let total = (first.len() + rest.len()).max(1) as f32;
    let mut finished = 0usize;
    let mut thumbs = video
        .thumbnail_filename
        .clone()
        .zip(video.preview_filename.clone());

    // Thumbnails are made beside the first phase, so the video is never published (nor
    // federated: PeerTube drops a `Video` without a JPEG icon, answering 204 all the same)
    // without them. They cost little next to the encode.
    let mut pending_thumbs = thumbs
        .is_none()
        .then(|| Box::pin(make_thumbnails(tube, &source, &probe, &work)));
    for (phase, renditions) in [first, rest].into_iter().enumerate() {
        if renditions.is_empty() {
            continue;
        }
        let started = std::time::Instant::now();
        let out_dir = work.join(format!("phase{}", phase + 1));
        tokio::fs::create_dir_all(&out_dir).await?;
        let base = finished as f32;
        let count = renditions.len() as f32;
        let report = move |f: f32| {
            let pct = ((base + f.clamp(0.0, 1.0) * count) / total * 100.0).floor() as u32;
            progress.store(pct.min(99), Ordering::Relaxed);
        };
        let ladder = ruche_media::transcode(&source, &out_dir, &plan, &renditions, &report);
        let outputs = match pending_thumbs.take() {
            Some(making) => {
                let (outputs, made) = tokio::join!(ladder, making);
                thumbs = Some(made?);
                outputs
            }
            None => ladder.await,
        }
        .map_err(media_error)?;
        finished += renditions.len();
        let resolutions: Vec<u32> = renditions.iter().map(|r| r.resolution).collect();
        tracing::info!(video = %uuid, ?resolutions, seconds = started.elapsed().as_secs_f32(), "renditions made");
        if current(tube, video_id).await?.is_none() {
            // Deleted while we worked: leave nothing behind.
            remove_dir_if_exists(&work).await?;
            remove_dir_if_exists(&hls).await?;
            return Ok(());
        }
        store_outputs(
            tube,
            &video,
            &hls,
            &outputs,
            thumbs.as_ref(),
            probe.duration,
        )
        .await?;
    }
    if let Some(making) = pending_thumbs {
        thumbs = Some(making.await?);
        store_outputs(tube, &video, &hls, &[], thumbs.as_ref(), probe.duration).await?;
    }
    // The storyboard, from a stored rendition (its source is one of ours, not the upload).
    crate::storyboards::make(tube, video_id).await?;
    // The uploaded file is not kept once transcoded (PeerTube's default), nor its torrent: its
    // owner no longer sees it among the files.
    remove_file_if_exists(&source).await?;
    remove_file_if_exists(&tube.storage.source_torrent(&uuid)).await?;
    remove_dir_if_exists(&work).await?;
    Ok(())
}

/// The job is over: its video says 100 %. Written once the ticker has stopped, and after the
/// clean-up, which a job taken up again after a crash finishes before it gets here.
async fn transcoded(tube: &Tube, video_id: i64) -> TubeResult<()> {
    let mut tx = tube.store.begin().await?;
    vstore::set_progress(tx.ex(), video_id, 100).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes files in the video's storage directory that the database does not know: the
/// leftovers of an attempt that crashed between the rename and the commit.
async fn sweep_unreferenced(hls: &Path, video: &Video, files: &[VideoFile]) -> TubeResult<()> {
    let mut keep: HashSet<&str> = HashSet::new();
    for f in files {
        keep.insert(&f.filename);
        keep.insert(&f.playlist_filename);
        keep.extend(
            [
                &f.web_filename,
                &f.torrent_filename,
                &f.web_torrent_filename,
            ]
            .into_iter()
            .flatten()
            .map(String::as_str),
        );
    }
    if !files.is_empty() {
        keep.extend(video.playlist_filename.as_deref());
        keep.extend(video.sha256_filename.as_deref());
    }
    for name in list_names(hls).await? {
        if !keep.contains(name.as_str()) {
            tracing::info!("removing stray file {name} of video {}", video.uuid);
            remove_file_if_exists(&hls.join(&name)).await?;
        }
    }
    Ok(())
}

async fn make_thumbnails(
    tube: &Tube,
    source: &Path,
    probe: &ruche_media::Probe,
    work: &Path,
) -> TubeResult<(String, String)> {
    let thumb = format!("{}.jpg", uuid::Uuid::new_v4());
    let preview = format!("{}.jpg", uuid::Uuid::new_v4());
    let (t, p) = (work.join(&thumb), work.join(&preview));
    ruche_media::thumbnails(source, probe, &t, &p)
        .await
        .map_err(media_error)?;
    move_file(&t, &tube.storage.thumbnail(&thumb)).await?;
    move_file(&p, &tube.storage.preview(&preview)).await?;
    Ok((thumb, preview))
}

/// The `Output` of a rendition already in storage, for rewriting the master playlist and the
/// segment hashes over every rendition.
fn stored_output(hls: &Path, f: &VideoFile) -> Output {
    Output {
        resolution: f.resolution as u32,
        width: f.width as u32,
        height: f.height as u32,
        fps: f.fps,
        playlist: hls.join(&f.playlist_filename),
        fragmented: hls.join(&f.filename),
        web_video: f.web_filename.as_ref().map(|w| hls.join(w)),
        size: f.size as u64,
        bandwidth: f.bandwidth as u64,
        codecs: f.codecs.clone(),
        has_audio: f.has_audio,
        has_video: f.has_video,
    }
}

/// Renames a phase's files into storage, rewrites the master playlist and the segment hashes
/// over every rendition (keeping their names, so players that loaded them stay valid) and
/// records it all, publishing the video.
async fn store_outputs(
    tube: &Tube,
    video: &Video,
    hls: &Path,
    outputs: &[Output],
    thumbs: Option<&(String, String)>,
    duration: f64,
) -> TubeResult<()> {
    let mut rows = Vec::new();
    for o in outputs {
        let mut moved: Vec<PathBuf> = Vec::new();
        for p in [Some(&o.playlist), Some(&o.fragmented), o.web_video.as_ref()]
            .into_iter()
            .flatten()
        {
            let to = hls.join(name_of(p));
            move_file(p, &to).await?;
            moved.push(to);
        }
        let web_size = match &o.web_video {
            Some(w) => Some(tokio::fs::metadata(hls.join(name_of(w))).await?.len() as i64),
            None => None,
        };
        rows.push(VideoFile {
            id: 0,
            video_id: video.id,
            resolution: i64::from(o.resolution),
            width: i64::from(o.width),
            height: i64::from(o.height),
            fps: o.fps,
            size: o.size as i64,
            bandwidth: o.bandwidth as i64,
            codecs: o.codecs.clone(),
            filename: name_of(&o.fragmented),
            playlist_filename: name_of(&o.playlist),
            web_filename: o.web_video.as_deref().map(name_of),
            web_size,
            has_audio: o.has_audio,
            has_video: o.has_video,
            torrent_filename: None,
            info_hash: None,
            web_torrent_filename: None,
            web_info_hash: None,
        });
    }
    // Their torrents, so the Create or Update recorded with them already lists them.
    for r in &mut rows {
        crate::torrents::make_missing(tube, video, r, hls).await?;
    }
    // The names given by an earlier phase (or attempt) stay, so players that loaded them stay valid.
    let now = current(tube, video.id)
        .await?
        .ok_or(TubeError::NotFound("video"))?;
    let id = uuid::Uuid::new_v4();
    let master = now
        .playlist_filename
        .unwrap_or_else(|| format!("{id}-master.m3u8"));
    let sha = now
        .sha256_filename
        .unwrap_or_else(|| format!("{id}-segments-sha256.json"));
    let mut all = crate::videos::files(tube, video.id).await?;
    all.retain(|f| !rows.iter().any(|r| r.resolution == f.resolution));
    all.extend(rows.iter().cloned());
    all.sort_by_key(|f| f.resolution);
    let outs: Vec<Output> = all.iter().map(|f| stored_output(hls, f)).collect();
    let (master_tmp, sha_tmp) = (
        hls.join(format!("{master}.tmp")),
        hls.join(format!("{sha}.tmp")),
    );
    ruche_media::write_master_playlist(&outs, &master_tmp)?;
    ruche_media::write_segments_sha256(&outs, &sha_tmp)?;
    tokio::fs::rename(&master_tmp, hls.join(&master)).await?;
    tokio::fs::rename(&sha_tmp, hls.join(&sha)).await?;
    let aspect = all
        .iter()
        .rev()
        .find(|f| f.height > 0)
        .map(|f| ((f.width as f64 / f.height as f64) * 10_000.0).round() / 10_000.0);
    let mut tx = tube.store.begin().await?;
    for r in &rows {
        vstore::upsert_file(tx.ex(), r).await?;
    }
    let base = ruche_domain::urls::base(&tube.settings.public_url);
    let tracked = crate::torrents::hashes_of(base, &video.uuid, Some(&master), &all);
    vstore::set_tracked(tx.ex(), video.id, &tracked).await?;
    vstore::set_media(
        tx.ex(),
        video.id,
        &MediaInfo {
            duration: duration.round() as i64,
            aspect_ratio: aspect,
            playlist_filename: &master,
            sha256_filename: &sha,
            thumbnail_filename: thumbs.map(|t| t.0.as_str()),
            preview_filename: thumbs.map(|t| t.1.as_str()),
        },
        true,
    )
    .await?;
    // Other instances hear of it with the change: its Create when it is first published, an
    // Update when renditions join.
    // (By its state, not its date: a scheduled publication dates a video before it is out.)
    if now.state != VideoState::Published {
        crate::federation::outbox::video_published(tx.ex(), tube, video.id).await?;
        // A video waiting blocked for approval is told published when it is approved.
        if !video.is_blocked() {
            crate::notify::video_published(tx.ex(), tube, video).await?;
        }
    } else {
        crate::federation::outbox::video_updated(tx.ex(), tube, video.id).await?;
    }
    tx.commit().await?;
    tube.deliveries_ready.notify_waiters();
    Ok(())
}

//! Periodic chores: abandoned resumable uploads, expired credentials, old ids of activities
//! taken in, what the search index still lacks, and (at start-up of the
//! embedded instance) scratch space and storage directories nobody references.

use crate::storage::{list_names, remove_dir_if_exists, remove_file_if_exists};
use crate::{Tube, TubeResult};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Runs the chores every minute (more often when uploads are to be dropped sooner than that)
/// until `shutdown`; a round that fails or panics does not stop the next.
pub fn spawn(tube: Arc<Tube>, shutdown: tokio_util::sync::CancellationToken) {
    let every = Duration::from_secs((tube.settings.uploads.abandoned_after_secs / 2).clamp(1, 60));
    let torrents_made = Arc::new(AtomicBool::new(false));
    ruche_jobs::every("housekeeping", every, shutdown, move || {
        let tube = tube.clone();
        let torrents_made = torrents_made.clone();
        async move {
            // Once per start (until it succeeds): torrents of files made before torrents existed.
            if !torrents_made.load(Ordering::Relaxed) {
                let n = crate::torrents::backfill(&tube)
                    .await
                    .map_err(|e| e.to_string())?;
                if n > 0 {
                    tracing::info!("made the torrents of {n} earlier files");
                }
                torrents_made.store(true, Ordering::Relaxed);
            }
            let indexed = crate::index::backfill(&tube)
                .await
                .map_err(|e| e.to_string())?;
            if indexed > 0 {
                tracing::info!("indexed {indexed} videos and channels for search");
            }
            chores(&tube).await.map_err(|e| e.to_string())
        }
    });
}

pub async fn chores(tube: &Tube) -> TubeResult<()> {
    let n = crate::uploads::sweep_abandoned(tube).await?;
    if n > 0 {
        tracing::info!("removed {n} abandoned uploads");
    }
    // Expired sessions and tokens are in no answer anyone is given: the answer cache keeps
    // its answers through this minute's purge (`commit_unseen`).
    let mut tx = tube.store.begin().await?;
    ruche_store::users::purge_expired_credentials(tx.ex()).await?;
    tx.commit_unseen().await?;
    crate::federation::inbox::prune(tube).await?;
    Ok(())
}

/// Whether the file or directory at `path` was last changed at least `age` ago.
async fn untouched_for(path: &std::path::Path, age: Duration) -> bool {
    if age.is_zero() {
        return true;
    }
    match tokio::fs::metadata(path).await.and_then(|m| m.modified()) {
        Ok(at) => at.elapsed().is_ok_and(|e| e >= age),
        Err(_) => false,
    }
}

/// At start: releases jobs a previous run left running (on SQLite; PostgreSQL deployments wait
/// for leases, as other workers may be alive), empties transcoding scratch space, and removes
/// storage directories of videos that no longer exist and upload files without an upload. On
/// SQLite this process is the only one (the data-directory lock), so whatever nothing references
/// is a leftover; on PostgreSQL other processes share the storage and may be writing a file whose
/// row is not committed yet, so only what nobody has touched for a day is removed.
pub async fn recover_after_restart(tube: &Tube) -> TubeResult<()> {
    let min_age = if tube.store.is_sqlite() {
        Duration::ZERO
    } else {
        Duration::from_secs(24 * 3600)
    };
    if tube.store.is_sqlite() {
        let mut tx = tube.store.begin().await?;
        let n = ruche_store::jobs::release_running(tx.ex()).await?;
        ruche_store::federation::release_deliveries(tx.ex()).await?;
        tx.commit().await?;
        if n > 0 {
            tracing::info!("{n} interrupted jobs will run again");
        }
    }
    let scratch = tube.storage.tmp_transcode_root();
    for name in list_names(&scratch).await? {
        let dir = scratch.join(name);
        if untouched_for(&dir, min_age).await {
            remove_dir_if_exists(&dir).await?;
        }
    }
    let mut c = tube.store.read().await?;
    let uuids: HashSet<String> = ruche_store::videos::all_uuids(c.ex())
        .await?
        .into_iter()
        .collect();
    drop(c);
    let hls = tube.storage.hls_root();
    for name in list_names(&hls).await? {
        if !uuids.contains(&name) && untouched_for(&hls.join(&name), min_age).await {
            tracing::info!("removing storage of deleted video {name}");
            remove_dir_if_exists(&hls.join(name)).await?;
        }
    }
    let sources = tube.storage.root().join("original-video-files");
    for name in list_names(&sources).await? {
        // A source `<uuid>` and its torrent `<uuid>.torrent` are its video's.
        let uuid = name.strip_suffix(".torrent").unwrap_or(&name);
        if !uuids.contains(uuid) && untouched_for(&sources.join(&name), min_age).await {
            tracing::info!("removing the source of a video that was never created: {name}");
            remove_file_if_exists(&sources.join(name)).await?;
        }
    }
    let uploads = tube.storage.tmp_uploads_root();
    for name in list_names(&uploads).await? {
        let id = name.trim_end_matches(".part");
        let mut c = tube.store.read().await?;
        let known = ruche_store::videos::upload(c.ex(), id).await?.is_some();
        if !known && untouched_for(&uploads.join(&name), min_age).await {
            remove_file_if_exists(&uploads.join(&name)).await?;
        }
    }
    Ok(())
}

/// Jobs still to do, by kind and state: `(kind, state, count)`.
pub async fn job_counts(tube: &Tube) -> TubeResult<Vec<(String, String, i64)>> {
    let mut c = tube.store.read().await?;
    Ok(ruche_store::jobs::counts(c.ex()).await?)
}

//! Torrents of our files, and the info hashes our tracker serves.
//!
//! Every file a viewer can download gets a `.torrent` (`ruche_p2p::torrent`) beside it in the
//! video's HLS folder, named as PeerTube names them (`<random uuid>-<resolution>[-hls].torrent`)
//! and recorded on its row; the webseed is the file's public URL, none for a video not public or
//! unlisted. They are made with the files (the transcoding job, before the transaction that
//! records them, so the `Create` or `Update` sent with it already lists them), and for files
//! made before torrents existed by [`backfill`] at start.
//!
//! The tracker serves what `tracked_hashes` holds: a video's torrents and its HLS playlist's
//! p2p-media-loader swarms (ours), the `Infohash` tags and magnets another instance published
//! (theirs). [`Tracked`] caches the answer for a minute, both ways, as PeerTube's tracker does.

use crate::{Tube, TubeError, TubeResult};
use ruche_domain::urls;
use ruche_domain::video::Privacy;
use ruche_p2p::torrent;
use ruche_store::videos::{self as vstore, Video, VideoFile};

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The trackers of our torrents, in the torrent's order: the WebSocket one, then HTTP.
pub fn announce_list(base: &str) -> Vec<String> {
    vec![urls::tracker_socket(base), urls::tracker_announce(base)]
}

/// Whether a video's files are served to anyone with their URL (so a webseed may name them).
fn publicly_served(v: &Video) -> bool {
    matches!(v.privacy, Privacy::Public | Privacy::Unlisted)
}

/// The public URL of a file of ours in the video's HLS folder.
pub fn file_url(base: &str, v: &Video, name: &str) -> String {
    format!("{}/{name}", urls::hls(base, &v.uuid))
}

/// Makes the torrents `f` lacks (its fragmented MP4's, its web video's), writing them into
/// `dir`, where its files are. Reads each file whole, off the runtime.
pub async fn make_missing(tube: &Tube, v: &Video, f: &mut VideoFile, dir: &Path) -> TubeResult<()> {
    let base = urls::base(&tube.settings.public_url).to_string();
    if f.torrent_filename.is_none() {
        let name = format!("{}-{}-hls.torrent", uuid::Uuid::new_v4(), f.resolution);
        let hash = make_one(&base, v, f.resolution, &f.filename, dir, &name).await?;
        f.torrent_filename = Some(name);
        f.info_hash = Some(hash);
    }
    if let Some(web) = f.web_filename.clone()
        && f.web_torrent_filename.is_none()
    {
        let name = format!("{}-{}.torrent", uuid::Uuid::new_v4(), f.resolution);
        let hash = make_one(&base, v, f.resolution, &web, dir, &name).await?;
        f.web_torrent_filename = Some(name);
        f.web_info_hash = Some(hash);
    }
    Ok(())
}

/// The torrent of an upload's file, kept beside it (no webseed: the original is not served to
/// everyone, and may carry what transcoding strips, such as a location).
pub async fn make_source(
    tube: &Tube,
    uuid: &str,
    video_name: &str,
    probe: &ruche_media::Probe,
    path: &Path,
) -> TubeResult<vstore::Source> {
    let base = urls::base(&tube.settings.public_url).to_string();
    let resolution = i64::from(if probe.has_video {
        probe.width.min(probe.height)
    } else {
        0
    });
    let ext = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_else(|| ".mp4".into());
    let name = torrent::file_name(video_name, resolution, &ext);
    let trackers = announce_list(&base);
    let file = path.to_path_buf();
    let created_at = chrono::Utc::now().timestamp();
    let made = tokio::task::spawn_blocking(move || {
        torrent::make(
            &file,
            &torrent::Spec {
                name,
                trackers: &trackers,
                web_seeds: &[],
                created_by: "Ruche",
                created_at,
            },
        )
    })
    .await
    .map_err(|e| TubeError::Internal(format!("torrent task: {e}")))?
    .map_err(|e| TubeError::Internal(e.to_string()))?;
    let to = tube.storage.source_torrent(uuid);
    crate::storage::write_atomic(&to, &made.bytes).await?;
    Ok(vstore::Source {
        video_id: 0,
        torrent_filename: format!("{uuid}.torrent"),
        info_hash: made.info_hash,
        resolution,
        width: i64::from(probe.width),
        height: i64::from(probe.height),
        fps: probe.fps,
        size: i64::try_from(probe.size).unwrap_or(i64::MAX),
        has_audio: probe.has_audio,
        has_video: probe.has_video,
    })
}

async fn make_one(
    base: &str,
    v: &Video,
    resolution: i64,
    file: &str,
    dir: &Path,
    torrent_name: &str,
) -> TubeResult<String> {
    let path = dir.join(file);
    let trackers = announce_list(base);
    let seeds = if publicly_served(v) {
        vec![file_url(base, v, file)]
    } else {
        Vec::new()
    };
    let name = torrent::file_name(&v.name, resolution, ".mp4");
    let created_at = chrono::Utc::now().timestamp();
    let made = tokio::task::spawn_blocking(move || {
        torrent::make(
            &path,
            &torrent::Spec {
                name,
                trackers: &trackers,
                web_seeds: &seeds,
                created_by: "Ruche",
                created_at,
            },
        )
    })
    .await
    .map_err(|e| TubeError::Internal(format!("torrent task: {e}")))?
    .map_err(|e| TubeError::Internal(e.to_string()))?;
    crate::storage::write_atomic(&dir.join(torrent_name), &made.bytes).await?;
    Ok(made.info_hash)
}

/// What the tracker serves for one of our videos: its files' torrents and its playlist's
/// swarms (one per variant of the master playlist, which lists every file).
pub fn hashes_of(base: &str, uuid: &str, master: Option<&str>, files: &[VideoFile]) -> Vec<String> {
    let mut out: Vec<String> = files
        .iter()
        .flat_map(|f| [f.info_hash.clone(), f.web_info_hash.clone()])
        .flatten()
        .collect();
    if let Some(master) = master
        && !files.is_empty()
    {
        out.extend(ruche_p2p::swarm::playlist_info_hashes(
            &format!("{}/{master}", urls::hls(base, uuid)),
            files.len(),
        ));
    }
    out
}

/// Makes the torrents of files made before torrents existed, a few videos at a time; returns
/// how many files got theirs. Run once at start (and harmless to run again).
pub async fn backfill(tube: &Tube) -> TubeResult<usize> {
    let base = urls::base(&tube.settings.public_url).to_string();
    let mut done = 0;
    let mut failed: std::collections::HashSet<i64> = std::collections::HashSet::new();
    loop {
        let files = {
            let mut c = tube.store.read().await?;
            vstore::files_without_torrents(c.ex(), 64).await?
        };
        let todo: Vec<VideoFile> = files
            .into_iter()
            .filter(|f| !failed.contains(&f.id))
            .collect();
        if todo.is_empty() {
            return Ok(done);
        }
        let mut videos: HashMap<i64, Option<Video>> = HashMap::new();
        for mut f in todo {
            let v = match videos.get(&f.video_id) {
                Some(v) => v.clone(),
                None => {
                    let mut c = tube.store.read().await?;
                    let v = vstore::by_id(c.ex(), f.video_id).await?;
                    videos.insert(f.video_id, v.clone());
                    v
                }
            };
            let Some(v) = v.filter(Video::is_local) else {
                failed.insert(f.id);
                continue;
            };
            let dir = tube.storage.hls_dir(&v.uuid);
            if let Err(e) = make_missing(tube, &v, &mut f, &dir).await {
                tracing::warn!(
                    "video {}: no torrent for its {}p file: {e}",
                    v.uuid,
                    f.resolution
                );
                failed.insert(f.id);
                continue;
            }
            let mut tx = tube.store.begin().await?;
            vstore::set_file_torrents(
                tx.ex(),
                f.id,
                f.torrent_filename.as_deref().zip(f.info_hash.as_deref()),
                f.web_torrent_filename
                    .as_deref()
                    .zip(f.web_info_hash.as_deref()),
            )
            .await?;
            let all = vstore::files(tx.ex(), v.id).await?;
            vstore::set_tracked(
                tx.ex(),
                v.id,
                &hashes_of(&base, &v.uuid, v.playlist_filename.as_deref(), &all),
            )
            .await?;
            tx.commit().await?;
            done += 1;
        }
    }
}

/// Answers "does the tracker serve this info hash?", remembering answers for a minute.
pub struct Tracked {
    cache: Mutex<HashMap<String, (bool, Instant)>>,
}

const TRACKED_TTL: Duration = Duration::from_secs(60);
const TRACKED_MAX: usize = 50_000;

impl Default for Tracked {
    fn default() -> Self {
        Tracked {
            cache: Mutex::new(HashMap::new()),
        }
    }
}

impl Tracked {
    /// What the cache knows of `info_hash_hex`, without asking the database.
    pub fn cached(&self, info_hash_hex: &str) -> Option<bool> {
        let c = self.cache.lock().ok()?;
        let (known, at) = c.get(info_hash_hex)?;
        (at.elapsed() < TRACKED_TTL).then_some(*known)
    }

    pub async fn contains(&self, tube: &Tube, info_hash_hex: &str) -> TubeResult<bool> {
        if let Some(known) = self.cached(info_hash_hex) {
            return Ok(known);
        }
        let now = Instant::now();
        let known = {
            let mut c = tube.store.read().await?;
            vstore::is_tracked(c.ex(), info_hash_hex).await?
        };
        if let Ok(mut c) = self.cache.lock() {
            if c.len() >= TRACKED_MAX {
                c.retain(|_, (_, at)| now.duration_since(*at) < TRACKED_TTL);
                if c.len() >= TRACKED_MAX {
                    c.clear();
                }
            }
            c.insert(info_hash_hex.to_string(), (known, now));
        }
        Ok(known)
    }
}

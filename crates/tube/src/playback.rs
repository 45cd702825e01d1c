//! Where a video plays from, whoever's it is: ours from our storage (PeerTube's static paths),
//! another instance's from its origin (the links of its `Video` object). The API, the watch page
//! and the embed read this one description, so a remote video plays like ours.

use crate::federation::remote::RemoteMedia;
use ruche_domain::urls;
use ruche_domain::video::Privacy;
use ruche_store::videos::{Video, VideoFile};

/// The HLS master playlist, its segment hashes and its renditions, as absolute URLs.
#[derive(Debug, Clone, Default)]
pub struct Playback {
    pub master: Option<String>,
    pub segments_sha256: Option<String>,
    /// Best last, as PeerTube lists files.
    pub files: Vec<PlayFile>,
    /// The trackers of its swarm (its origin's): PeerTube's `trackerUrls`.
    pub trackers: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct PlayFile {
    /// Our file row's id; for a remote file, its place in the list.
    pub id: i64,
    pub resolution: i64,
    pub width: i64,
    pub height: i64,
    pub fps: i64,
    pub size: i64,
    /// The fragmented MP4 (HLS addresses it by byte ranges).
    pub url: String,
    /// Its variant playlist, when known (ours).
    pub playlist_url: Option<String>,
    /// The separate faststart MP4 ("web video"), when made.
    pub web_url: Option<String>,
    pub web_size: Option<i64>,
    /// Where it downloads from: ours on PeerTube's download path, a remote one from its origin.
    pub download_url: String,
    /// Its ffprobe metadata: ours on our API, a remote one's on its origin (if it gave one).
    pub metadata_url: Option<String>,
    pub has_audio: bool,
    pub has_video: bool,
    /// The fragmented MP4's torrent and magnet; the web video's (when there is one).
    pub torrent: Option<Torrent>,
    pub web_torrent: Option<Torrent>,
}

/// Where a file's `.torrent` is, and its magnet.
#[derive(Debug, Clone, Default)]
pub struct Torrent {
    pub url: String,
    /// Ours only (PeerTube's `/download/torrents/`); another instance's is its `url`.
    pub download_url: String,
    pub magnet: String,
}

impl Torrent {
    /// One of our torrents, of a file served at `file_url`.
    pub(crate) fn ours(
        base: &str,
        v: &Video,
        name: &str,
        info_hash: &str,
        file_url: &str,
    ) -> Torrent {
        let url = urls::torrent(base, name);
        let seeds = if matches!(v.privacy, Privacy::Public | Privacy::Unlisted) {
            vec![file_url.to_string()]
        } else {
            Vec::new()
        };
        Torrent {
            magnet: ruche_p2p::torrent::magnet(
                &url,
                info_hash,
                &v.name,
                &urls::trackers(base),
                &seeds,
            ),
            download_url: urls::torrent_download(base, name),
            url,
        }
    }
}

/// The playback of `v`, with `files` its rows (ours; ignored for a remote video).
pub fn of(base: &str, v: &Video, files: &[VideoFile]) -> Playback {
    if let Some(m) = RemoteMedia::of(v) {
        let mut list: Vec<PlayFile> = m
            .files
            .iter()
            .map(|f| PlayFile {
                id: 0,
                // PeerTube's resolution is the shorter side.
                resolution: match (f.has_video, f.width, f.height) {
                    (false, _, _) => 0,
                    (true, w, h) if w > 0 && h > 0 => w.min(h),
                    (true, _, h) => h,
                },
                width: f.width,
                height: f.height,
                fps: f.fps,
                size: f.size,
                url: f.url.clone(),
                playlist_url: None,
                web_url: None,
                web_size: None,
                download_url: f.url.clone(),
                metadata_url: f.metadata.clone(),
                has_audio: f.has_audio,
                has_video: f.has_video,
                torrent: f.torrent.as_ref().map(|t| Torrent {
                    url: t.url.clone(),
                    download_url: t.url.clone(),
                    magnet: t.magnet.clone(),
                }),
                web_torrent: None,
            })
            .collect();
        list.sort_by_key(|f| f.resolution);
        for (i, f) in list.iter_mut().enumerate() {
            // A remote file has no row here: its place in the list, from 1, stands as its id.
            f.id = i64::try_from(i + 1).unwrap_or(1);
        }
        return Playback {
            master: m.playlist,
            segments_sha256: m.segments_sha256,
            files: list,
            trackers: m.trackers,
        };
    }
    let hls = if v.privacy.files_private() {
        urls::hls_private(base, &v.uuid)
    } else {
        urls::hls(base, &v.uuid)
    };
    Playback {
        trackers: urls::trackers(base),
        master: v.playlist_filename.as_ref().map(|m| format!("{hls}/{m}")),
        segments_sha256: v.sha256_filename.as_ref().map(|s| format!("{hls}/{s}")),
        files: files
            .iter()
            .map(|f| PlayFile {
                id: f.id,
                resolution: f.resolution,
                width: f.width,
                height: f.height,
                fps: f.fps.round() as i64,
                size: f.size,
                url: format!("{hls}/{}", f.filename),
                playlist_url: Some(format!("{hls}/{}", f.playlist_filename)),
                web_url: f.web_filename.as_ref().map(|w| format!("{hls}/{w}")),
                web_size: f.web_size,
                download_url: format!(
                    "{base}/download/streaming-playlists/hls/videos/{}-{}-fragmented.mp4",
                    v.uuid, f.resolution
                ),
                metadata_url: Some(urls::file_metadata(base, &v.uuid, f.id)),
                has_audio: f.has_audio,
                has_video: f.has_video,
                torrent: f
                    .torrent_filename
                    .as_deref()
                    .zip(f.info_hash.as_deref())
                    .map(|(n, h)| Torrent::ours(base, v, n, h, &format!("{hls}/{}", f.filename))),
                web_torrent: f
                    .web_torrent_filename
                    .as_deref()
                    .zip(f.web_info_hash.as_deref())
                    .zip(f.web_filename.as_deref())
                    .map(|((n, h), w)| Torrent::ours(base, v, n, h, &format!("{hls}/{w}"))),
            })
            .collect(),
    }
}

/// The sizes of a video's thumbnail and preview, as made.
pub use ruche_media::{PREVIEW_SIZE, THUMBNAIL_SIZE};

/// The paths of a video's pictures on our host (`/lazy-static/…`): ours as stored, another
/// instance's under names that fetch them from its origin on first use (so pages never make
/// browsers ask another host for a thumbnail).
pub fn pictures(v: &Video) -> (Option<String>, Option<String>) {
    if v.is_local() {
        return (
            v.thumbnail_filename
                .as_ref()
                .map(|t| format!("/lazy-static/thumbnails/{t}")),
            v.preview_filename
                .as_ref()
                .map(|p| format!("/lazy-static/previews/{p}")),
        );
    }
    let m = RemoteMedia::of(v).unwrap_or_default();
    (
        m.thumbnail
            .map(|_| format!("/lazy-static/thumbnails/{}", remote_picture_name(&v.uuid))),
        m.preview
            .map(|_| format!("/lazy-static/previews/{}", remote_picture_name(&v.uuid))),
    )
}

use crate::storage::remote_picture_name;

/// The largest remote picture we take.
const MAX_PICTURE: usize = 2 * 1024 * 1024;

/// A remote thumbnail is kept at most this size (twice ours: room for dense screens).
const REMOTE_THUMBNAIL_MAX: (u32, u32) = (
    ruche_media::THUMBNAIL_SIZE.0 * 2,
    ruche_media::THUMBNAIL_SIZE.1 * 2,
);
/// A remote preview is kept at most this size.
const REMOTE_PREVIEW_MAX: (u32, u32) = (1280, 720);

/// A remote video's thumbnail (or preview) on our disk: fetched from its origin the first time
/// it is asked for, then served from here ([`copy_remote_picture`]).
pub async fn remote_picture(
    tube: &crate::Tube,
    name: &str,
    preview: bool,
) -> crate::TubeResult<std::path::PathBuf> {
    let path = if preview {
        tube.storage.preview(name)
    } else {
        tube.storage.thumbnail(name)
    };
    if tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return Ok(path);
    }
    let v = remote_video_of_picture(tube, name).await?;
    let m = RemoteMedia::of(&v).unwrap_or_default();
    let url = if preview { m.preview } else { m.thumbnail };
    let url = url.ok_or(crate::TubeError::NotFound("file"))?;
    let within = if preview {
        REMOTE_PREVIEW_MAX
    } else {
        REMOTE_THUMBNAIL_MAX
    };
    copy_remote_picture(tube, &url, &path, within).await?;
    Ok(path)
}

/// The published remote video whose pictures are kept here as `name` (`remote-<uuid>.jpg`).
pub(crate) async fn remote_video_of_picture(
    tube: &crate::Tube,
    name: &str,
) -> crate::TubeResult<Video> {
    use crate::TubeError;
    let uuid = name
        .strip_prefix("remote-")
        .and_then(|n| n.strip_suffix(".jpg"))
        .ok_or(TubeError::NotFound("file"))?;
    let mut c = tube.store.read().await?;
    ruche_store::videos::by_uuid(c.ex(), uuid)
        .await?
        .filter(|v| !v.is_local() && v.state == ruche_domain::video::VideoState::Published)
        .ok_or(TubeError::NotFound("file"))
}

/// Fetches the picture at `url` into `path`: through the guarded fetcher, once however many ask
/// at the same time, and not again for a while if it failed ([`crate::copies::once`]); checked
/// and re-encoded as a JPEG no larger than `within` (so nothing of the original but its pixels
/// reaches a browser).
pub(crate) async fn copy_remote_picture(
    tube: &crate::Tube,
    url: &str,
    path: &std::path::Path,
    within: (u32, u32),
) -> crate::TubeResult<()> {
    use crate::TubeError;
    crate::copies::once(path, || async {
        let got = tube
            .fetcher
            .get(url, "image/jpeg, image/png, image/webp")
            .await
            .map_err(|e| TubeError::Remote(format!("{url}: {e}")))?;
        // Only a picture is kept: JPEG, PNG or WebP by their first bytes, whatever it claims.
        let b = &got.body;
        let picture = b.starts_with(&[0xFF, 0xD8, 0xFF])
            || b.starts_with(b"\x89PNG")
            || (b.len() > 12 && &b[..4] == b"RIFF" && &b[8..12] == b"WEBP");
        if !picture || b.len() > MAX_PICTURE {
            return Err(TubeError::Remote(format!("{url} is not a picture")));
        }
        let limits = ruche_media::images::Limits {
            max_bytes: MAX_PICTURE,
            ..ruche_media::images::Limits::default()
        };
        let jpeg = ruche_media::images::jpeg_async(b.to_vec(), limits, within)
            .await
            .map_err(|e| TubeError::Remote(format!("{url}: {e}")))?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        Ok(crate::storage::write_atomic(path, &jpeg).await?)
    })
    .await
}

/// The pictures of playlists, in their order: each one's own, else its first video's thumbnail
/// when that video is public or unlisted and published (PeerTube makes one from it). Paths on
/// our host; the first videos are read in one query for the whole page.
pub async fn playlist_thumbnails(
    tube: &crate::Tube,
    list: &[ruche_store::playlists::Playlist],
) -> crate::TubeResult<Vec<Option<String>>> {
    let wanted: Vec<i64> = list
        .iter()
        .filter(|p| p.thumbnail_filename.is_none())
        .filter_map(|p| p.first_video_id)
        .collect();
    let videos: std::collections::HashMap<i64, Video> = if wanted.is_empty() {
        Default::default()
    } else {
        let mut c = tube.store.read().await?;
        ruche_store::videos::by_ids(c.ex(), &wanted)
            .await?
            .into_iter()
            .map(|v| (v.id, v))
            .collect()
    };
    Ok(list
        .iter()
        .map(|p| match (&p.thumbnail_filename, p.first_video_id) {
            (Some(t), _) => Some(format!("/lazy-static/thumbnails/{t}")),
            (None, Some(id)) => videos
                .get(&id)
                .filter(|v| {
                    !v.privacy.files_private()
                        && v.state == ruche_domain::video::VideoState::Published
                })
                .and_then(|v| pictures(v).0),
            (None, None) => None,
        })
        .collect())
}

/// The picture of one playlist, as [`playlist_thumbnails`].
pub async fn playlist_thumbnail(
    tube: &crate::Tube,
    p: &ruche_store::playlists::Playlist,
) -> crate::TubeResult<Option<String>> {
    Ok(playlist_thumbnails(tube, std::slice::from_ref(p))
        .await?
        .pop()
        .flatten())
}

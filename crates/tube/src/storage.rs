//! Where media lives on disk, with PeerTube's layout below the storage directory:
//! `streaming-playlists/hls/<uuid>/` (playlists, fragmented MP4s, segment hashes),
//! `thumbnails/`, `previews/`, `storyboards/`, `avatars/` (avatars and banners, ours and our copies of other
//! instances'), `original-video-files/<uuid>` (the source until transcoded).
//! Scratch work happens below the tmp directory and reaches storage by rename, so a reader
//! never sees a half-written file and a crash leaves only scratch to sweep.

use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Storage {
    root: PathBuf,
    tmp: PathBuf,
}

/// The local name of a remote video's thumbnail or preview (our copy of its origin's).
pub fn remote_picture_name(uuid: &str) -> String {
    format!("remote-{uuid}.jpg")
}

impl Storage {
    /// Removes a deleted video's files: ours, or our copies of another instance's pictures.
    pub async fn remove_video_files(&self, v: &ruche_store::videos::Video) -> io::Result<()> {
        if !v.is_local() {
            let picture = remote_picture_name(&v.uuid);
            remove_file_if_exists(&self.storyboard(&picture)).await?;
            return self
                .remove_video(&v.uuid, Some(&picture), Some(&picture))
                .await;
        }
        if let Some(s) = v.local_storyboard() {
            remove_file_if_exists(&self.storyboard(&s.file)).await?;
        }
        self.remove_video(
            &v.uuid,
            v.thumbnail_filename.as_deref(),
            v.preview_filename.as_deref(),
        )
        .await
    }

    pub fn new(root: PathBuf, tmp: PathBuf) -> Storage {
        Storage { root, tmp }
    }

    pub async fn prepare(&self) -> io::Result<()> {
        for d in [
            self.hls_root(),
            self.root.join("thumbnails"),
            self.root.join("previews"),
            self.root.join("storyboards"),
            self.root.join("avatars"),
            self.root.join("original-video-files"),
            self.tmp.join("uploads"),
            self.tmp.join("transcode"),
        ] {
            tokio::fs::create_dir_all(d).await?;
        }
        Ok(())
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn hls_root(&self) -> PathBuf {
        self.root.join("streaming-playlists").join("hls")
    }
    pub fn hls_dir(&self, uuid: &str) -> PathBuf {
        self.hls_root().join(uuid)
    }
    pub fn thumbnail(&self, name: &str) -> PathBuf {
        self.root.join("thumbnails").join(name)
    }
    pub fn preview(&self, name: &str) -> PathBuf {
        self.root.join("previews").join(name)
    }
    /// A storyboard's file: ours, or our copy of another instance's.
    pub fn storyboard(&self, name: &str) -> PathBuf {
        self.root.join("storyboards").join(name)
    }
    /// An avatar's or a banner's file.
    pub fn picture(&self, name: &str) -> PathBuf {
        self.root.join("avatars").join(name)
    }
    pub fn source(&self, uuid: &str) -> PathBuf {
        self.root.join("original-video-files").join(uuid)
    }
    /// The uploaded file's torrent (`<uuid>.torrent`, beside it).
    pub fn source_torrent(&self, uuid: &str) -> PathBuf {
        self.root
            .join("original-video-files")
            .join(format!("{uuid}.torrent"))
    }
    pub fn upload_part(&self, id: &str) -> PathBuf {
        self.tmp.join("uploads").join(format!("{id}.part"))
    }
    pub fn work_dir(&self, uuid: &str) -> PathBuf {
        self.tmp.join("transcode").join(uuid)
    }
    pub fn tmp_transcode_root(&self) -> PathBuf {
        self.tmp.join("transcode")
    }
    pub fn tmp_uploads_root(&self) -> PathBuf {
        self.tmp.join("uploads")
    }

    /// Removes everything stored for a video. Missing files are fine: deletion is retried
    /// after crashes and must be idempotent.
    pub async fn remove_video(
        &self,
        uuid: &str,
        thumbnail: Option<&str>,
        preview: Option<&str>,
    ) -> io::Result<()> {
        remove_dir_if_exists(&self.hls_dir(uuid)).await?;
        remove_dir_if_exists(&self.work_dir(uuid)).await?;
        remove_file_if_exists(&self.source(uuid)).await?;
        remove_file_if_exists(&self.source_torrent(uuid)).await?;
        if let Some(t) = thumbnail {
            remove_file_if_exists(&self.thumbnail(t)).await?;
        }
        if let Some(p) = preview {
            remove_file_if_exists(&self.preview(p)).await?;
        }
        Ok(())
    }
}

/// Moves a finished file into place. A rename within one filesystem; across filesystems (a
/// storage dir mounted elsewhere) a copy to a temporary name, then a rename.
pub async fn move_file(from: &Path, to: &Path) -> io::Result<()> {
    if let Some(parent) = to.parent() {
        tokio::fs::create_dir_all(parent).await?;
    }
    match tokio::fs::rename(from, to).await {
        Ok(()) => Ok(()),
        Err(e) if e.raw_os_error() == Some(18) => {
            // EXDEV: not the same filesystem.
            let tmp = to.with_extension("moving");
            tokio::fs::copy(from, &tmp).await?;
            tokio::fs::File::open(&tmp).await?.sync_all().await?;
            tokio::fs::rename(&tmp, to).await?;
            tokio::fs::remove_file(from).await
        }
        Err(e) => Err(e),
    }
}

/// Files are written whole, under a hidden name first ([`ruche_media::files::write_atomic`]).
pub use ruche_media::files::write_atomic;

pub async fn remove_file_if_exists(p: &Path) -> io::Result<()> {
    match tokio::fs::remove_file(p).await {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

pub async fn remove_dir_if_exists(p: &Path) -> io::Result<()> {
    match tokio::fs::remove_dir_all(p).await {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// The names of the entries of a directory (empty if it does not exist).
pub async fn list_names(dir: &Path) -> io::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut rd = match tokio::fs::read_dir(dir).await {
        Ok(rd) => rd,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    while let Some(entry) = rd.next_entry().await? {
        out.push(entry.file_name().to_string_lossy().into_owned());
    }
    Ok(out)
}

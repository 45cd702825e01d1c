//! The one error type of the crate. Every message is shown to the owner of the video as is, so
//! each one is a complete English sentence that says what is wrong with *their* file.

/// What can go wrong while probing, transcoding or picturing a video.
///
/// The server shows `to_string()` to the uploader, which is why the messages speak of "this
/// file" and say what to do where there is something to do.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// ffprobe could not read the file as audio or video: it is empty, truncated, damaged or
    /// something else altogether. The string is the reason, already phrased for the uploader.
    #[error("This file is not a video we can read: {0}")]
    NotAVideo(String),
    /// The file is a readable container but holds neither a video nor an audio track (a still
    /// image, a subtitle file, a container with only data streams). Audio-only files are fine.
    #[error(
        "This file contains neither a video track nor an audio track, so there is nothing to publish."
    )]
    NoVideoStream,
    /// The video lasts longer than the server allows.
    #[error(
        "This video lasts {}, longer than the {} this server accepts.",
        human_duration(*duration),
        human_duration(*max)
    )]
    TooLong {
        /// The video's duration, in seconds.
        duration: f64,
        /// The longest duration accepted, in seconds.
        max: f64,
    },
    /// The file is bigger than the server allows.
    #[error(
        "This file weighs {}, more than the {} this server accepts.",
        human_size(*size),
        human_size(*max)
    )]
    TooLarge {
        /// The file's size, in bytes.
        size: u64,
        /// The largest size accepted, in bytes.
        max: u64,
    },
    /// ffmpeg or ffprobe failed while working on a file it had accepted. The string holds the
    /// last lines of its error output, which is what an administrator needs to see.
    #[error("The video could not be converted. ffmpeg said: {0}")]
    Ffmpeg(String),
    /// The file is in a container we do not take from uploads (see [`crate::UPLOAD_DEMUXERS`]):
    /// a playlist or a list of other files, which would make ffmpeg read the files it names, or
    /// any other format. The string says what it is ("an HLS playlist", "in the “gif” format").
    #[error(
        "This file is {0}, which we do not accept: upload the video itself (MP4, WebM, MKV, MOV, AVI…) or an audio file (MP3, M4A, WAV, FLAC, Ogg…)."
    )]
    UnacceptedFormat(String),
    /// The server's disk (or its quota) is full: nothing is wrong with the file, and the work
    /// can be done again once there is room.
    #[error(
        "The server's disk is full, so the video could not be processed. It will be tried again once there is room."
    )]
    DiskFull,
    /// A video could not be imported from its URL: what yt-dlp said, or which limit stopped it.
    #[error("The video could not be imported: {0}")]
    Import(String),
    /// A file could not be read or written (permissions, missing ffmpeg binary…).
    #[error("A file could not be read or written while processing the video: {0}")]
    Io(std::io::Error),
}

impl From<std::io::Error> for MediaError {
    /// A full disk is [`MediaError::DiskFull`], anything else [`MediaError::Io`].
    fn from(e: std::io::Error) -> Self {
        if is_disk_full(&e) {
            tracing::error!("the disk is full: {e}");
            MediaError::DiskFull
        } else {
            MediaError::Io(e)
        }
    }
}

/// Whether an I/O error means the disk, or the user's quota on it, is full (`ENOSPC`,
/// `EDQUOT`).
pub fn is_disk_full(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    )
}

/// "1:02:03", "4:05" or "12 s": how a person reads a duration.
fn human_duration(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return format!("{seconds} s");
    }
    let total = seconds.round() as u64;
    let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else if m > 0 {
        format!("{m}:{s:02}")
    } else {
        format!("{s} s")
    }
}

/// "1.5 GB", "700 MB", "12 kB", "512 bytes": decimal units, as file managers show them.
fn human_size(bytes: u64) -> String {
    const UNITS: [(&str, f64); 4] = [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)];
    for (unit, scale) in UNITS {
        let value = bytes as f64 / scale;
        if value >= 1.0 {
            let text = format!("{value:.1}");
            let text = text.strip_suffix(".0").unwrap_or(&text);
            return format!("{text} {unit}");
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_readable_sentences() {
        let e = MediaError::TooLong {
            duration: 3723.0,
            max: 3600.0,
        };
        assert_eq!(
            e.to_string(),
            "This video lasts 1:02:03, longer than the 1:00:00 this server accepts."
        );
        let e = MediaError::TooLarge {
            size: 1_500_000_000,
            max: 1_000_000_000,
        };
        assert_eq!(
            e.to_string(),
            "This file weighs 1.5 GB, more than the 1 GB this server accepts."
        );
        assert_eq!(human_duration(65.0), "1:05");
        assert_eq!(human_duration(9.4), "9 s");
        assert_eq!(human_size(512), "512 bytes");
    }

    #[test]
    fn a_full_disk_is_said_so() {
        let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        assert!(matches!(MediaError::from(full), MediaError::DiskFull));
        let other = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert!(matches!(MediaError::from(other), MediaError::Io(_)));
        assert!(
            MediaError::DiskFull
                .to_string()
                .starts_with("The server's disk is full")
        );
    }
}

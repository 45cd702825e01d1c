//! The errors of Tube's services, by what went wrong for the caller; the web layer maps each
//! kind to a status code and PeerTube's error JSON.

use ruche_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum TubeError {
    #[error("{0}")]
    BadRequest(String),
    #[error("authentication required")]
    Unauthorized,
    #[error("{0}")]
    InvalidGrant(String),
    #[error("{0}")]
    Forbidden(String),
    /// A password-protected video asked for without its password, or with a wrong one
    /// (PeerTube: 403 with the code `video_requires_password` or `incorrect_video_password`).
    #[error("{}", if *wrong { "Incorrect video password. Access to the video is denied." } else { "Please provide a password to access this password protected video" })]
    VideoPassword { wrong: bool },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    /// Quota or size limits: PeerTube answers 413.
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    UnsupportedMedia(String),
    /// The file arrived whole but is not something we can publish (PeerTube answers 422).
    #[error("{0}")]
    Unprocessable(String),
    /// A resumable chunk that does not continue the upload where it stands.
    #[error("{message}")]
    RangeMismatch { message: String, received: i64 },
    /// An avatar or banner we could not take (its message is translated by its key).
    #[error("{0}")]
    Picture(#[from] ruche_media::images::ImageError),
    #[error("database: {0}")]
    Store(#[from] StoreError),
    /// Any other I/O failure (a full disk is [`TubeError::DiskFull`]).
    #[error("i/o: {0}")]
    Io(std::io::Error),
    /// The server's disk (or quota) is full (`ENOSPC`, `EDQUOT`): 507, said as such, and work
    /// that met it is tried again later rather than failed for good.
    #[error(
        "The server's disk is full, so this could not be saved. Please try again later; the administrator has been told."
    )]
    DiskFull,
    /// Another server did not answer as it should (unreachable, refused, a broken document).
    #[error("{0}")]
    Remote(String),
    #[error("{0}")]
    Internal(String),
    /// Past a rate limit (`crate::limiter`): PeerTube answers 429, with `Retry-After`.
    #[error("Too many attempts: please try again in {retry_after_secs} seconds.")]
    TooManyRequests { retry_after_secs: u64 },
    /// Every password-hashing slot stayed busy while the request waited: 503, with `Retry-After`.
    #[error("The server is busy: please try again in {retry_after_secs} seconds.")]
    Busy { retry_after_secs: u64 },
}

pub type TubeResult<T> = Result<T, TubeError>;

impl From<std::io::Error> for TubeError {
    /// A full disk is [`TubeError::DiskFull`] (and logged: the administrator must act), any
    /// other failure [`TubeError::Io`].
    fn from(e: std::io::Error) -> Self {
        if ruche_media::is_disk_full(&e) {
            tracing::error!("the disk is full: {e}");
            TubeError::DiskFull
        } else {
            TubeError::Io(e)
        }
    }
}

#[cfg(test)]
mod disk_full_tests {
    use super::*;

    #[test]
    fn a_full_disk_is_its_own_kind() {
        let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        assert!(matches!(TubeError::from(full), TubeError::DiskFull));
        let quota = std::io::Error::from(std::io::ErrorKind::QuotaExceeded);
        assert!(matches!(TubeError::from(quota), TubeError::DiskFull));
        let other = std::io::Error::from(std::io::ErrorKind::NotFound);
        assert!(matches!(TubeError::from(other), TubeError::Io(_)));
    }
}

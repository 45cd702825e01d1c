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
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// Another server did not answer as it should (unreachable, refused, a broken document).
    #[error("{0}")]
    Remote(String),
    #[error("{0}")]
    Internal(String),
}

pub type TubeResult<T> = Result<T, TubeError>;

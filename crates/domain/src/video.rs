//! Video states, privacies and PeerTube's constant tables (categories, licences, languages).

use crate::Unknown;

/// PeerTube's `VideoState` values. `TranscodingFailed` (7) is PeerTube's own failure state; the
/// owner sees the stored reason with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoState {
    Published = 1,
    ToTranscode = 2,
    ToImport = 3,
    TranscodingFailed = 7,
}

impl VideoState {
    pub fn id(self) -> i64 {
        self as i64
    }
    /// PeerTube's English label, as its API returns it.
    pub fn label(self) -> &'static str {
        match self {
            VideoState::Published => "Published",
            VideoState::ToTranscode => "To transcode",
            VideoState::ToImport => "To import",
            VideoState::TranscodingFailed => "Transcoding failed",
        }
    }
}

/// Who may comment on a video: PeerTube 6.2's `commentsPolicy`. With `RequiresApproval` the
/// comments of anyone but the video's owner and the instance's moderators wait, unseen by
/// others, until the owner approves them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(into = "i64", try_from = "i64")]
pub enum CommentsPolicy {
    #[default]
    Enabled = 1,
    Disabled = 2,
    RequiresApproval = 3,
}

impl CommentsPolicy {
    pub fn id(self) -> i64 {
        self as i64
    }
    /// PeerTube's English label, as its API returns it.
    pub fn label(self) -> &'static str {
        match self {
            CommentsPolicy::Enabled => "Enabled",
            CommentsPolicy::Disabled => "Disabled",
            CommentsPolicy::RequiresApproval => "Requires approval",
        }
    }
    /// Whether comments are taken at all (held or not).
    pub fn accepts(self) -> bool {
        self != CommentsPolicy::Disabled
    }
    /// Whether others' comments wait for the owner's approval.
    pub fn holds(self) -> bool {
        self == CommentsPolicy::RequiresApproval
    }
}

impl TryFrom<i64> for CommentsPolicy {
    type Error = Unknown;
    fn try_from(id: i64) -> Result<CommentsPolicy, Unknown> {
        Ok(match id {
            1 => CommentsPolicy::Enabled,
            2 => CommentsPolicy::Disabled,
            3 => CommentsPolicy::RequiresApproval,
            _ => return Err(Unknown::new("comments policy", id)),
        })
    }
}

impl From<CommentsPolicy> for i64 {
    fn from(p: CommentsPolicy) -> i64 {
        p.id()
    }
}

/// PeerTube's `VideoPrivacy` values (as numbers in JSON, as PeerTube writes them). The default
/// is PeerTube's default for a new video (`defaults.publish.privacy`): public.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(into = "i64", try_from = "i64")]
pub enum Privacy {
    #[default]
    Public = 1,
    Unlisted = 2,
    Private = 3,
    Internal = 4,
    /// PeerTube 6's video passwords: watched by whoever gives one of them
    /// (`x-peertube-video-password`), and by its owner and moderators.
    PasswordProtected = 5,
}

impl Privacy {
    pub fn id(self) -> i64 {
        self as i64
    }
    pub fn label(self) -> &'static str {
        match self {
            Privacy::Public => "Public",
            Privacy::Unlisted => "Unlisted",
            Privacy::Private => "Private",
            Privacy::Internal => "Internal",
            Privacy::PasswordProtected => "Password protected",
        }
    }
    /// Who may see a video: anyone with the link for public and unlisted, any logged-in user of
    /// the instance for internal, only the owner (and moderators) for private and, without its
    /// password, for password-protected (the password is checked apart: [`Privacy::needs_password`]).
    pub fn visible_to(self, viewer: Viewer) -> bool {
        match self {
            Privacy::Public | Privacy::Unlisted => true,
            Privacy::Internal => !matches!(viewer, Viewer::Anonymous),
            Privacy::Private | Privacy::PasswordProtected => {
                matches!(viewer, Viewer::Owner | Viewer::Moderator)
            }
        }
    }
    /// Whether `viewer` must give one of the video's passwords to see it.
    pub fn needs_password(self, viewer: Viewer) -> bool {
        self == Privacy::PasswordProtected && !matches!(viewer, Viewer::Owner | Viewer::Moderator)
    }
    /// Every level, in PeerTube's order.
    pub const ALL: [Privacy; 5] = [
        Privacy::Public,
        Privacy::Unlisted,
        Privacy::Private,
        Privacy::Internal,
        Privacy::PasswordProtected,
    ];
    /// Whose files live under the private paths and are reached only with permission (a
    /// session, a bearer token or a `videoFileToken`), as PeerTube's
    /// `isVideoInPrivateDirectory`.
    pub fn files_private(self) -> bool {
        !matches!(self, Privacy::Public | Privacy::Unlisted)
    }
    /// Only public videos appear in lists.
    pub fn listed(self) -> bool {
        self == Privacy::Public
    }
}

impl TryFrom<i64> for VideoState {
    type Error = Unknown;
    fn try_from(id: i64) -> Result<VideoState, Unknown> {
        Ok(match id {
            1 => VideoState::Published,
            2 => VideoState::ToTranscode,
            3 => VideoState::ToImport,
            7 => VideoState::TranscodingFailed,
            _ => return Err(Unknown::new("video state", id)),
        })
    }
}

impl From<Privacy> for i64 {
    fn from(p: Privacy) -> i64 {
        p.id()
    }
}

impl TryFrom<i64> for Privacy {
    type Error = Unknown;
    fn try_from(id: i64) -> Result<Privacy, Unknown> {
        Ok(match id {
            1 => Privacy::Public,
            2 => Privacy::Unlisted,
            3 => Privacy::Private,
            4 => Privacy::Internal,
            5 => Privacy::PasswordProtected,
            _ => return Err(Unknown::new("privacy", id)),
        })
    }
}

/// Who is looking at a video, relative to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    Anonymous,
    LoggedIn,
    Owner,
    Moderator,
}

/// PeerTube's categories (`VIDEO_CATEGORIES`).
pub const CATEGORIES: &[(i64, &str)] = &[
    (1, "Music"),
    (2, "Films"),
    (3, "Vehicles"),
    (4, "Art"),
    (5, "Sports"),
    (6, "Travels"),
    (7, "Gaming"),
    (8, "People"),
    (9, "Comedy"),
    (10, "Entertainment"),
    (11, "News & Politics"),
    (12, "How To"),
    (13, "Education"),
    (14, "Activism"),
    (15, "Science & Technology"),
    (16, "Animals"),
    (17, "Kids"),
    (18, "Food"),
];

/// PeerTube's licences (`VIDEO_LICENCES`).
pub const LICENCES: &[(i64, &str)] = &[
    (1, "Attribution"),
    (2, "Attribution - Share Alike"),
    (3, "Attribution - No Derivatives"),
    (4, "Attribution - Non Commercial"),
    (5, "Attribution - Non Commercial - Share Alike"),
    (6, "Attribution - Non Commercial - No Derivatives"),
    (7, "Public Domain Dedication"),
];

/// The languages offered in forms (ISO 639 codes as PeerTube uses them); others are accepted
/// and shown by code.
pub const LANGUAGES: &[(&str, &str)] = &[
    ("ar", "Arabic"),
    ("ca", "Catalan"),
    ("de", "German"),
    ("en", "English"),
    ("eo", "Esperanto"),
    ("es", "Spanish"),
    ("eu", "Basque"),
    ("fr", "French"),
    ("it", "Italian"),
    ("ja", "Japanese"),
    ("nl", "Dutch"),
    ("oc", "Occitan"),
    ("pl", "Polish"),
    ("pt", "Portuguese"),
    ("ru", "Russian"),
    ("zh", "Chinese"),
];

pub fn category_label(id: i64) -> Option<&'static str> {
    CATEGORIES.iter().find(|(i, _)| *i == id).map(|(_, l)| *l)
}
pub fn licence_label(id: i64) -> Option<&'static str> {
    LICENCES.iter().find(|(i, _)| *i == id).map(|(_, l)| *l)
}
pub fn language_label(code: &str) -> Option<&'static str> {
    LANGUAGES.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// A video's storyboard (frames in a grid, for the player's progress bar), as the API and
/// ActivityPub describe it. `file` is our file's name for our videos, the origin's URL for
/// another instance's.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Storyboard {
    pub file: String,
    pub total_width: i64,
    pub total_height: i64,
    pub sprite_width: i64,
    pub sprite_height: i64,
    /// Seconds of video between two frames.
    pub sprite_duration: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privacy_rules() {
        assert!(Privacy::Public.visible_to(Viewer::Anonymous));
        assert!(Privacy::Unlisted.visible_to(Viewer::Anonymous));
        assert!(!Privacy::Unlisted.listed());
        assert!(!Privacy::Internal.visible_to(Viewer::Anonymous));
        assert!(Privacy::Internal.visible_to(Viewer::LoggedIn));
        assert!(!Privacy::Private.visible_to(Viewer::LoggedIn));
        assert!(Privacy::Private.visible_to(Viewer::Owner));
        assert!(Privacy::try_from(9).is_err());
        assert!(Privacy::PasswordProtected.needs_password(Viewer::LoggedIn));
        assert!(!Privacy::PasswordProtected.needs_password(Viewer::Owner));
        assert!(Privacy::PasswordProtected.files_private());
        assert!(!Privacy::PasswordProtected.listed());
        assert_eq!(Privacy::try_from(2), Ok(Privacy::Unlisted));
    }

    #[test]
    fn tables() {
        assert_eq!(category_label(15), Some("Science & Technology"));
        assert_eq!(licence_label(7), Some("Public Domain Dedication"));
        assert_eq!(language_label("oc"), Some("Occitan"));
        assert_eq!(VideoState::try_from(7), Ok(VideoState::TranscodingFailed));
        assert!(VideoState::try_from(5).is_err());
    }
}

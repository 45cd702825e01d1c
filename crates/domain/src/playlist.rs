//! PeerTube's playlists: their privacies (public, unlisted, private: no internal or password
//! level, as PeerTube), their kinds (a regular playlist or a user's "Watch later") and the
//! bounds of their fields (`CONSTRAINTS_FIELDS.VIDEO_PLAYLISTS`).

use crate::Unknown;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(into = "i64", try_from = "i64")]
pub enum PlaylistPrivacy {
    Public = 1,
    Unlisted = 2,
    #[default]
    Private = 3,
}

impl PlaylistPrivacy {
    pub fn id(self) -> i64 {
        self as i64
    }
    pub fn label(self) -> &'static str {
        match self {
            PlaylistPrivacy::Public => "Public",
            PlaylistPrivacy::Unlisted => "Unlisted",
            PlaylistPrivacy::Private => "Private",
        }
    }
    pub const ALL: [PlaylistPrivacy; 3] = [
        PlaylistPrivacy::Public,
        PlaylistPrivacy::Unlisted,
        PlaylistPrivacy::Private,
    ];
    /// Whether other instances are told about it (PeerTube sends no private playlist).
    pub fn federated(self) -> bool {
        self != PlaylistPrivacy::Private
    }
}

impl From<PlaylistPrivacy> for i64 {
    fn from(p: PlaylistPrivacy) -> i64 {
        p.id()
    }
}

impl TryFrom<i64> for PlaylistPrivacy {
    type Error = Unknown;
    fn try_from(id: i64) -> Result<PlaylistPrivacy, Unknown> {
        Ok(match id {
            1 => PlaylistPrivacy::Public,
            2 => PlaylistPrivacy::Unlisted,
            3 => PlaylistPrivacy::Private,
            _ => return Err(Unknown::new("playlist privacy", id)),
        })
    }
}

/// A regular playlist, or the "Watch later" list PeerTube gives every user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlaylistKind {
    #[default]
    Regular = 1,
    WatchLater = 2,
}

impl PlaylistKind {
    pub fn id(self) -> i64 {
        self as i64
    }
    pub fn label(self) -> &'static str {
        match self {
            PlaylistKind::Regular => "Regular",
            PlaylistKind::WatchLater => "Watch later",
        }
    }
}

impl TryFrom<i64> for PlaylistKind {
    type Error = Unknown;
    fn try_from(id: i64) -> Result<PlaylistKind, Unknown> {
        Ok(match id {
            1 => PlaylistKind::Regular,
            2 => PlaylistKind::WatchLater,
            _ => return Err(Unknown::new("playlist type", id)),
        })
    }
}

/// What an element of a playlist shows a viewer (PeerTube's `VideoPlaylistElementType`): its
/// video, or why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElementType {
    Regular = 0,
    Deleted = 1,
    Private = 2,
    Unavailable = 3,
}

/// A display name: 1 to 120 characters.
pub const NAME_CHARS: std::ops::RangeInclusive<usize> = 1..=120;
/// A description: 3 to 1000 characters.
pub const DESCRIPTION_CHARS: std::ops::RangeInclusive<usize> = 3..=1000;
/// The most elements a playlist holds (PeerTube has no bound; ours keeps every page and
/// reorder bounded).
pub const MAX_ELEMENTS: i64 = 5000;
/// The most playlists a user has.
pub const MAX_PER_USER: i64 = 500;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privacies_round_trip() {
        for p in PlaylistPrivacy::ALL {
            assert_eq!(PlaylistPrivacy::try_from(p.id()), Ok(p));
        }
        assert!(PlaylistPrivacy::try_from(4).is_err());
        assert!(PlaylistKind::try_from(3).is_err());
        assert_eq!(PlaylistKind::try_from(2), Ok(PlaylistKind::WatchLater));
        assert!(!PlaylistPrivacy::Private.federated());
    }
}

//! Users' notifications, as PeerTube numbers and names them (`docs/research/
//! peertube-notifications.md`): their kinds, and each user's settings, one per family of
//! kinds, saying whether it shows in the page (`WEB`), is mailed (`EMAIL`), both or neither.

use serde::{Deserialize, Serialize};

/// Shown in the page.
pub const WEB: i64 = 1;
/// Sent by mail.
pub const EMAIL: i64 = 2;

/// PeerTube's `UserNotificationType`, for the kinds Ruche sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    NewVideoFromSubscription = 1,
    NewCommentOnMyVideo = 2,
    NewAbuseForModerators = 3,
    BlacklistOnMyVideo = 4,
    UnblacklistOnMyVideo = 5,
    MyVideoPublished = 6,
    MyVideoImportSuccess = 7,
    MyVideoImportError = 8,
    NewUserRegistration = 9,
    NewFollow = 10,
    CommentMention = 11,
    VideoAutoBlacklistForModerators = 12,
    NewInstanceFollower = 13,
    AbuseStateChange = 15,
    AbuseNewMessage = 16,
    NewUserRegistrationRequest = 20,
}

impl Kind {
    pub const ALL: [Kind; 16] = [
        Kind::NewVideoFromSubscription,
        Kind::NewCommentOnMyVideo,
        Kind::NewAbuseForModerators,
        Kind::BlacklistOnMyVideo,
        Kind::UnblacklistOnMyVideo,
        Kind::MyVideoPublished,
        Kind::MyVideoImportSuccess,
        Kind::MyVideoImportError,
        Kind::NewUserRegistration,
        Kind::NewFollow,
        Kind::CommentMention,
        Kind::VideoAutoBlacklistForModerators,
        Kind::NewInstanceFollower,
        Kind::AbuseStateChange,
        Kind::AbuseNewMessage,
        Kind::NewUserRegistrationRequest,
    ];

    pub fn id(self) -> i64 {
        self as i64
    }

    /// The setting that governs it.
    pub fn setting(self) -> &'static str {
        match self {
            Kind::NewVideoFromSubscription => "newVideoFromSubscription",
            Kind::NewCommentOnMyVideo => "newCommentOnMyVideo",
            Kind::NewAbuseForModerators => "abuseAsModerator",
            Kind::BlacklistOnMyVideo | Kind::UnblacklistOnMyVideo => "blacklistOnMyVideo",
            Kind::VideoAutoBlacklistForModerators => "videoAutoBlacklistAsModerator",
            Kind::MyVideoPublished => "myVideoPublished",
            Kind::MyVideoImportSuccess | Kind::MyVideoImportError => "myVideoImportFinished",
            Kind::NewUserRegistration | Kind::NewUserRegistrationRequest => "newUserRegistration",
            Kind::NewFollow => "newFollow",
            Kind::CommentMention => "commentMention",
            Kind::NewInstanceFollower => "newInstanceFollower",
            Kind::AbuseStateChange => "abuseStateChange",
            Kind::AbuseNewMessage => "abuseNewMessage",
        }
    }
}

impl TryFrom<i64> for Kind {
    type Error = crate::Unknown;
    fn try_from(id: i64) -> Result<Kind, crate::Unknown> {
        Kind::ALL
            .into_iter()
            .find(|k| k.id() == id)
            .ok_or_else(|| crate::Unknown::new("notification type", id))
    }
}

/// PeerTube's eighteen settings, in its order, with the values a new user gets (PeerTube 8.0.1's
/// `createDefaultUserNotificationSettings`: web and mail for what moderators and reporters must
/// not miss, web only for the rest).
pub const SETTINGS: [(&str, i64); 18] = [
    ("newCommentOnMyVideo", WEB),
    ("newVideoFromSubscription", WEB),
    ("abuseAsModerator", WEB | EMAIL),
    ("videoAutoBlacklistAsModerator", WEB | EMAIL),
    ("blacklistOnMyVideo", WEB | EMAIL),
    ("myVideoPublished", WEB),
    ("myVideoImportFinished", WEB),
    ("newUserRegistration", WEB),
    ("commentMention", WEB),
    ("newFollow", WEB),
    ("newInstanceFollower", WEB),
    ("autoInstanceFollowing", WEB),
    ("abuseNewMessage", WEB | EMAIL),
    ("abuseStateChange", WEB | EMAIL),
    ("newPeerTubeVersion", WEB | EMAIL),
    ("myVideoStudioEditionFinished", WEB),
    ("myVideoTranscriptionGenerated", WEB),
    ("newPluginVersion", WEB),
];

/// The settings PeerTube's `PUT …/notification-settings` requires; the others may be left out
/// (and keep their value).
pub const REQUIRED: [&str; 12] = [
    "newVideoFromSubscription",
    "newCommentOnMyVideo",
    "abuseAsModerator",
    "videoAutoBlacklistAsModerator",
    "blacklistOnMyVideo",
    "myVideoImportFinished",
    "myVideoPublished",
    "commentMention",
    "newFollow",
    "newUserRegistration",
    "newInstanceFollower",
    "autoInstanceFollowing",
];

/// A user's settings: what they changed, over the defaults (stored as a JSON object of the
/// changed keys).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings(pub std::collections::BTreeMap<String, i64>);

impl Settings {
    pub fn get(&self, key: &str) -> i64 {
        self.0.get(key).copied().unwrap_or_else(|| {
            SETTINGS
                .iter()
                .find(|(k, _)| *k == key)
                .map_or(0, |(_, v)| *v)
        })
    }

    /// How `kind` reaches this user: a mix of [`WEB`] and [`EMAIL`].
    pub fn of(&self, kind: Kind) -> i64 {
        self.get(kind.setting())
    }

    /// Every setting, in PeerTube's order.
    pub fn all(&self) -> Vec<(&'static str, i64)> {
        SETTINGS.iter().map(|(k, _)| (*k, self.get(k))).collect()
    }

    /// Sets `key` (one of [`SETTINGS`]) to `value` (0 to 3); false for an unknown key or value.
    pub fn set(&mut self, key: &str, value: i64) -> bool {
        if !SETTINGS.iter().any(|(k, _)| *k == key) || !(0..=3).contains(&value) {
            return false;
        }
        self.0.insert(key.to_string(), value);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_peertubes_and_changes_are_kept() {
        let mut s = Settings::default();
        assert_eq!(s.of(Kind::NewAbuseForModerators), WEB | EMAIL);
        assert_eq!(s.of(Kind::NewCommentOnMyVideo), WEB);
        assert_eq!(s.all().len(), 18);
        assert!(s.set("newCommentOnMyVideo", 0));
        assert!(!s.set("newCommentOnMyVideo", 4));
        assert!(!s.set("nope", 1));
        assert_eq!(s.of(Kind::NewCommentOnMyVideo), 0);
        assert_eq!(s.of(Kind::MyVideoImportError), WEB);
        for k in Kind::ALL {
            assert_eq!(Kind::try_from(k.id()), Ok(k));
        }
        assert!(Kind::try_from(17).is_err());
        for k in Kind::ALL {
            assert!(SETTINGS.iter().any(|(s, _)| *s == k.setting()));
        }
        assert!(
            REQUIRED
                .iter()
                .all(|r| SETTINGS.iter().any(|(s, _)| s == r))
        );
    }
}

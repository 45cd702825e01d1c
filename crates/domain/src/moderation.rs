//! Moderation's constants, as PeerTube numbers and names them: the states of an abuse report
//! and its predefined reasons.

use crate::Unknown;

/// PeerTube's `AbuseState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbuseState {
    Pending = 1,
    Rejected = 2,
    Accepted = 3,
}

impl AbuseState {
    pub fn id(self) -> i64 {
        self as i64
    }
    /// PeerTube's English label, as its API returns it.
    pub fn label(self) -> &'static str {
        match self {
            AbuseState::Pending => "Pending",
            AbuseState::Rejected => "Rejected",
            AbuseState::Accepted => "Accepted",
        }
    }
}

impl TryFrom<i64> for AbuseState {
    type Error = Unknown;
    fn try_from(id: i64) -> Result<AbuseState, Unknown> {
        Ok(match id {
            1 => AbuseState::Pending,
            2 => AbuseState::Rejected,
            3 => AbuseState::Accepted,
            _ => return Err(Unknown::new("abuse state", id)),
        })
    }
}

/// PeerTube's predefined abuse reasons, in the order of their numbers (1 to 8); the API and
/// `Flag` activities name them.
pub const PREDEFINED_REASONS: [&str; 8] = [
    "violentOrRepulsive",
    "hatefulOrAbusive",
    "spamOrMisleading",
    "privacy",
    "rights",
    "serverRules",
    "thumbnails",
    "captions",
];

/// The bounds of a report's reason, a moderator's comment and a message (PeerTube's).
pub const MIN_TEXT: usize = 2;
pub const MAX_TEXT: usize = 3000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip() {
        for s in [
            AbuseState::Pending,
            AbuseState::Rejected,
            AbuseState::Accepted,
        ] {
            assert_eq!(AbuseState::try_from(s.id()).ok(), Some(s));
        }
        assert!(AbuseState::try_from(4).is_err());
        assert_eq!(PREDEFINED_REASONS[2], "spamOrMisleading");
    }
}

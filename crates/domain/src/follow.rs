//! The states of a follow, as ActivityPub's Follow/Accept/Reject exchange moves it and as
//! PeerTube's API names them (`pending`, `accepted`, `rejected`).

use crate::Unknown;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowState {
    /// Sent or received, not yet answered.
    Pending,
    Accepted,
    Rejected,
}

impl FollowState {
    /// The word stored and shown in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            FollowState::Pending => "pending",
            FollowState::Accepted => "accepted",
            FollowState::Rejected => "rejected",
        }
    }
}

impl std::fmt::Display for FollowState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for FollowState {
    type Error = Unknown;
    fn try_from(s: String) -> Result<FollowState, Unknown> {
        Ok(match s.as_str() {
            "pending" => FollowState::Pending,
            "accepted" => FollowState::Accepted,
            "rejected" => FollowState::Rejected,
            _ => return Err(Unknown::new("follow state", s)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::FollowState;

    #[test]
    fn words_round_trip() {
        for s in [
            FollowState::Pending,
            FollowState::Accepted,
            FollowState::Rejected,
        ] {
            assert_eq!(FollowState::try_from(s.as_str().to_string()), Ok(s));
        }
        assert!(FollowState::try_from("Accepted".to_string()).is_err());
    }
}

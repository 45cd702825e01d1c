//! Accounts: roles, name rules, quotas, as PeerTube defines them.

use serde::{Deserialize, Serialize};

/// PeerTube's user roles, with its numeric ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Moderator,
    User,
}

impl Role {
    pub fn id(self) -> i64 {
        match self {
            Role::Admin => 0,
            Role::Moderator => 1,
            Role::User => 2,
        }
    }
    /// PeerTube's English label for the role.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Moderator => "Moderator",
            Role::User => "User",
        }
    }
    /// Moderators and admins may remove anyone's video.
    pub fn can_moderate(self) -> bool {
        matches!(self, Role::Admin | Role::Moderator)
    }
}

impl TryFrom<i64> for Role {
    type Error = crate::Unknown;
    fn try_from(id: i64) -> Result<Role, crate::Unknown> {
        Ok(match id {
            0 => Role::Admin,
            1 => Role::Moderator,
            2 => Role::User,
            _ => return Err(crate::Unknown::new("role", id)),
        })
    }
}

/// PeerTube's `UserRegistrationState`: what became of a request to join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationState {
    Pending = 1,
    Rejected = 2,
    Accepted = 3,
}

impl RegistrationState {
    pub fn id(self) -> i64 {
        self as i64
    }
    /// PeerTube's English label, as its API returns it.
    pub fn label(self) -> &'static str {
        match self {
            RegistrationState::Pending => "Pending",
            RegistrationState::Rejected => "Rejected",
            RegistrationState::Accepted => "Accepted",
        }
    }
}

impl TryFrom<i64> for RegistrationState {
    type Error = crate::Unknown;
    fn try_from(id: i64) -> Result<RegistrationState, crate::Unknown> {
        Ok(match id {
            1 => RegistrationState::Pending,
            2 => RegistrationState::Rejected,
            3 => RegistrationState::Accepted,
            _ => return Err(crate::Unknown::new("registration state", id)),
        })
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "admin" => Ok(Role::Admin),
            "moderator" => Ok(Role::Moderator),
            "user" => Ok(Role::User),
            other => Err(format!("unknown role {other:?} (admin, moderator or user)")),
        }
    }
}

/// Why a name was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NameError {
    #[error("must be 1 to 50 characters long")]
    Length,
    #[error("may only contain lowercase letters, digits, '.' and '_'")]
    Username,
    #[error("may only contain letters, digits, '-', '_', '.' and ':'")]
    Channel,
    #[error("is reserved")]
    Reserved,
}

/// Names other servers expect to mean the instance itself (PeerTube's instance actor is
/// `peertube@host`): no account or channel may take them.
pub const RESERVED_NAMES: &[&str] = &["peertube"];

/// PeerTube's username rule: `^[a-z0-9._]{1,50}$`.
pub fn check_username(name: &str) -> Result<(), NameError> {
    if name.is_empty() || name.len() > 50 {
        return Err(NameError::Length);
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_')
    {
        return Err(NameError::Username);
    }
    if RESERVED_NAMES.contains(&name) {
        return Err(NameError::Reserved);
    }
    Ok(())
}

/// PeerTube's channel handle rule: `^[a-zA-Z0-9\-_.:]{1,50}$`.
pub fn check_channel_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() || name.len() > 50 {
        return Err(NameError::Length);
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
    {
        return Err(NameError::Channel);
    }
    if RESERVED_NAMES.contains(&name) {
        return Err(NameError::Reserved);
    }
    Ok(())
}

/// A byte quota where -1 means unlimited, as in PeerTube's `videoQuota`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota(pub i64);

impl Quota {
    pub const UNLIMITED: Quota = Quota(-1);
    /// Whether `adding` more bytes fit when `used` are already taken.
    pub fn allows(self, used: i64, adding: i64) -> bool {
        self.0 < 0 || used.saturating_add(adding) <= self.0
    }
    /// Bytes still free, `None` when unlimited.
    pub fn remaining(self, used: i64) -> Option<i64> {
        (self.0 >= 0).then(|| (self.0 - used).max(0))
    }
}

/// The room left for one upload under both the total and the daily quota.
pub fn upload_room(total: Quota, used: i64, daily: Quota, used_daily: i64) -> Option<i64> {
    match (total.remaining(used), daily.remaining(used_daily)) {
        (None, None) => None,
        (Some(a), None) => Some(a),
        (None, Some(b)) => Some(b),
        (Some(a), Some(b)) => Some(a.min(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_peertube() {
        assert!(check_username("root").is_ok());
        assert!(check_username("a.b_c9").is_ok());
        assert_eq!(check_username(""), Err(NameError::Length));
        assert_eq!(check_username("Root"), Err(NameError::Username));
        assert_eq!(check_username("a b"), Err(NameError::Username));
        assert_eq!(check_username(&"a".repeat(51)), Err(NameError::Length));
        assert!(check_channel_name("Main-chan:1").is_ok());
        assert_eq!(check_channel_name("a/b"), Err(NameError::Channel));
    }

    #[test]
    fn quotas() {
        assert!(Quota::UNLIMITED.allows(i64::MAX, 10));
        assert!(Quota(100).allows(60, 40));
        assert!(!Quota(100).allows(60, 41));
        assert_eq!(upload_room(Quota(100), 30, Quota(50), 10), Some(40));
        assert_eq!(upload_room(Quota(-1), 30, Quota(-1), 10), None);
        assert_eq!(upload_room(Quota(10), 30, Quota(-1), 0), Some(0));
    }

    #[test]
    fn roles_round_trip() {
        for r in [Role::Admin, Role::Moderator, Role::User] {
            assert_eq!(Role::try_from(r.id()), Ok(r));
        }
        assert!("admin".parse::<Role>().is_ok());
        assert!("boss".parse::<Role>().is_err());
    }
}

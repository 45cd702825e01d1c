//! Ruche's domain vocabulary: identifiers, roles, video states and privacies, quotas, name
//! validation and the instance settings. Pure data and rules, no I/O, so every other crate can
//! depend on it and its rules are tested in isolation.

pub mod follow;
pub mod host;
pub mod ids;
pub mod moderation;
pub mod notification;
pub mod playlist;
pub mod search;
pub mod settings;
pub mod text;
pub mod time;
pub mod urls;
pub mod user;
pub mod video;

pub use ids::ShortUuid;

/// A stored value that names none of a vocabulary's members (a row written by a newer Ruche, or
/// damaged by hand). Rows decode into the domain's enums through `TryFrom`, so such a row is an
/// error where it is read, never a silent default.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value} is not a {what} Ruche knows")]
pub struct Unknown {
    pub what: &'static str,
    pub value: String,
}

impl Unknown {
    pub fn new(what: &'static str, value: impl std::fmt::Display) -> Unknown {
        Unknown {
            what,
            value: value.to_string(),
        }
    }
}

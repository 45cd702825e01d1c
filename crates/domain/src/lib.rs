//! Ruche's domain vocabulary: identifiers, roles, video states and privacies, quotas, name
//! validation and the instance settings. Pure data and rules, no I/O, so every other crate can
//! depend on it and its rules are tested in isolation.

pub mod host;
pub mod ids;
pub mod settings;
pub mod text;
pub mod time;
pub mod user;
pub mod video;

pub use ids::ShortUuid;

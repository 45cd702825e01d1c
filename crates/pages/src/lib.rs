//! One-page sites ("Pages"): the typed block model and the site document it lives in (with
//! validation that names the path of each fault), the curated themes, and the one renderer that
//! turns a site into the HTML both its owner and its visitors get.
//!
//! **Architecture invariant:** `document`, `theme` and `render` are pure (no I/O); `sites` keeps
//! sites in the store. Nothing here knows Tube: a video block embeds any PeerTube-compatible
//! watch URL, ours included.

pub mod contact;
pub mod document;
pub mod editor;
pub mod export;
/// The picture pipeline lives in `ruche-media`, shared with avatars and banners.
pub use ruche_media::images;
pub mod mail;
pub mod media;
pub mod oembed;
pub mod render;
pub mod sites;
pub mod theme;

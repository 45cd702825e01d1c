//! The ffprobe/ffmpeg pipeline: probing sources, planning and running the transcoding ladder,
//! HLS packaging, thumbnails, storyboards, imports through yt-dlp; and [`images`], the pure picture pipeline (uploaded pictures of
//! sites, avatars and banners, re-encoded without metadata). The only crate of Ruche that
//! spawns processes.
//!
//! The flow the server follows for an upload is [`probe`] → [`check_limits`] → [`plan`] →
//! [`phases`] → [`transcode`] (once per phase, each time into a fresh directory) →
//! [`write_master_playlist`] and [`write_segments_sha256`] over every output → [`thumbnails`]
//! → [`storyboard`] (from the smallest rendition that is large enough).
//! Every file we write has the names and the shape PeerTube 8 gives them, so PeerTube's player,
//! its P2P loader and remote instances read our HLS exactly as they read PeerTube's.
//!
//! **Architecture invariant:** nothing here knows about videos as a domain object, users or
//! storage; the crate turns a file into files in a directory and reports what it wrote.

#![warn(missing_docs)]

mod error;
mod fileid;
pub mod files;
mod hls;
// Its errors and sizes are described by their messages and names.
#[allow(missing_docs)]
pub mod images;
mod plan;
mod probe;
mod process;
mod storyboard;
mod thumbs;
mod transcode;
mod ytdlp;

pub use error::{MediaError, is_disk_full};
pub use hls::{
    Segment, VariantPlaylist, parse_variant_playlist, write_master_playlist, write_segments_sha256,
};
pub use plan::{
    AudioPlan, LadderConfig, Plan, Rendition, average_bitrate, max_bitrate, min_bitrate, phases,
    plan,
};
pub use probe::{Limits, Probe, check_limits, metadata, probe};
pub use process::{PARENT_ENV, UPLOAD_DEMUXERS, kill_strays};
// The readers of what ffprobe and ffmpeg print, for the property tests (`tests/fuzz.rs`).
#[doc(hidden)]
pub use probe::{read_probe, reason_from_ffprobe, refused_format};
#[doc(hidden)]
pub use process::{last_lines, parse_progress_line};
pub use storyboard::{
    SPRITE_MAX_SIZE, SPRITES_MAX_EDGE_COUNT, StoryboardPlan, storyboard, storyboard_plan,
};
pub use thumbs::{PREVIEW_SIZE, THUMBNAIL_SIZE, thumbnails};
pub use transcode::{Output, transcode, transcode_baseline, web_video_from_fragmented};
pub use ytdlp::{FORMAT as IMPORT_FORMAT, import_download, import_info, import_list};

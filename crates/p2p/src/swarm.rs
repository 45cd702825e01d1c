//! The swarms of HLS viewers, named as PeerTube 8's player names them.
//!
//! PeerTube 8.0's player is p2p-media-loader 2.x (2.0–2.2; 2.3 changed the hash). It joins one
//! swarm per stream of a master playlist: the stream `main-<i>` is the `i`-th variant of the
//! master, `secondary-<j>` the `j`-th separate audio track. The swarm's name is
//! `v2-<swarm id>-<type>-<index>`, the swarm id being the master playlist's URL, and its tracker
//! info hash is that name's MD5 without its first byte (15 bytes), in base64: 20 ASCII
//! characters, which the browser sends as the `info_hash` itself. PeerTube stores and federates
//! the hex of those 20 characters (the `Infohash` tags of a `Video`'s playlist link).
//!
//! Ruche's player and PeerTube's compute the same names from the same URL, so their viewers of
//! one video meet in one swarm.

use base64::Engine;
use md5::{Digest, Md5};

/// p2p-media-loader's peer protocol version, the `v2` of every swarm name.
pub const PEER_PROTOCOL: &str = "v2";

/// The 20 characters a browser announces for stream `main-<index>` of `master_url`.
pub fn stream_hash(master_url: &str, kind: StreamKind, index: usize) -> [u8; 20] {
    let name = format!("{PEER_PROTOCOL}-{master_url}-{}-{index}", kind.as_str());
    let digest = Md5::digest(name.as_bytes());
    let b64 = base64::engine::general_purpose::STANDARD.encode(&digest[1..16]);
    let mut out = [0u8; 20];
    out.copy_from_slice(b64.as_bytes());
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamKind {
    /// A variant of the master playlist (video, or audio muxed with it).
    Main,
    /// A separate audio track (`EXT-X-MEDIA`).
    Secondary,
}

impl StreamKind {
    fn as_str(self) -> &'static str {
        match self {
            StreamKind::Main => "main",
            StreamKind::Secondary => "secondary",
        }
    }
}

/// The info hashes of a master playlist with `variants` variants, as PeerTube lists them
/// (lowercase hex of the 20 announced characters, `main-0` first).
pub fn playlist_info_hashes(master_url: &str, variants: usize) -> Vec<String> {
    (0..variants)
        .map(|i| hex::encode(stream_hash(master_url, StreamKind::Main, i)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PeerTube 8.0.1's own `Video` object (`../shared/fixtures/peertube-8.0.1/ap/video.json`):
    /// its master playlist and the four `Infohash` tags it published for it.
    #[test]
    fn hashes_are_peertube_8s() {
        let master = "http://127.0.0.1:9001/static/streaming-playlists/hls/6d79bb11-83db-4ca1-baaa-59593c363a96/b1d94a8e-60ad-40d3-a0a6-942ac1b06c45-master.m3u8";
        assert_eq!(
            playlist_info_hashes(master, 4),
            [
                "6a6c4c5056387446644c3459364c4842376b6e49",
                "366d464c655a5359393944615759416b346c5874",
                "4b766e68652f2b522f366573392b577969793178",
                "33516e7775674649545444697659534677587454",
            ]
        );
        assert_eq!(
            &stream_hash(master, StreamKind::Main, 0),
            b"jlLPV8tFdL4Y6LHB7knI"
        );
    }
}

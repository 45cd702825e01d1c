//! `.torrent` files (BEP 3) for our video files, as PeerTube makes them, and their magnets.
//!
//! One single-file torrent per file a viewer can download (each HLS rendition's fragmented MP4,
//! each web video): `info` holds exactly `length`, `name`, `piece length` and `pieces` (no
//! `private` flag: anyone may seed), the announce list our WebSocket then our HTTP tracker, and
//! `url-list` (BEP 19, a webseed) the file's own HTTP URL, so any BitTorrent client downloads it
//! from us when no peer has it. The info hash depends on the file's bytes and its name only, so
//! making a torrent again for the same file and name gives the same hash.

use lava_torrent::bencode::BencodeElem;
use lava_torrent::torrent::v1::{Torrent, TorrentBuilder};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use std::path::Path;

/// What `create-torrent` (under PeerTube) chooses for a file of `size` bytes:
/// `2^round(log2(size / 1024))`, at least 16 KiB and at most 4 MiB.
pub fn piece_length(size: u64) -> i64 {
    let kib = if size < 1024 {
        1.0
    } else {
        size as f64 / 1024.0
    };
    // `1 << log2(x) + 0.5 | 0` in JavaScript: the exponent rounded to the nearest integer.
    let exp = (kib.log2() + 0.5).floor().clamp(0.0, 62.0) as u32;
    (1i64 << exp).clamp(16 * 1024, 4 * 1024 * 1024)
}

/// A torrent's `info.name` as PeerTube spells it: `<video name> <resolution>p<.ext>`, with the
/// characters no file system takes replaced by `-`.
pub fn file_name(video_name: &str, resolution: i64, ext: &str) -> String {
    let clean: String = video_name
        .chars()
        .map(|c| match c {
            '/' | '\\' | '?' | '%' | '*' | ':' | '|' | '"' | '<' | '>' => '-',
            c if c.is_control() => '-',
            c => c,
        })
        .collect();
    format!("{clean} {resolution}p{ext}")
}

/// A torrent to make.
pub struct Spec<'a> {
    /// `info.name`.
    pub name: String,
    /// Tracker URLs, one tier each, in order (PeerTube: the WebSocket tracker, then HTTP).
    pub trackers: &'a [String],
    /// The webseeds (BEP 19): the file's HTTP URL, or none for a file not served publicly.
    pub web_seeds: &'a [String],
    /// `created by`.
    pub created_by: &'a str,
    /// `creation date`, in seconds since the epoch.
    pub created_at: i64,
}

/// A torrent made.
#[derive(Debug, Clone)]
pub struct Made {
    /// The `.torrent` file's bytes.
    pub bytes: Vec<u8>,
    /// SHA-1 of the bencoded `info`, lowercase hex.
    pub info_hash: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TorrentError {
    #[error("cannot read {0}: {1}")]
    Read(String, String),
}

/// Hashes the file at `path` into a torrent. Reads the whole file: run it off the async runtime
/// (`spawn_blocking`); it holds one piece in memory at a time and one thread.
pub fn make(path: &Path, spec: &Spec<'_>) -> Result<Made, TorrentError> {
    let err = |e: lava_torrent::LavaTorrentError| {
        TorrentError::Read(path.display().to_string(), e.to_string())
    };
    let size = std::fs::metadata(path)
        .map_err(|e| TorrentError::Read(path.display().to_string(), e.to_string()))?
        .len();
    let mut b = TorrentBuilder::new(path, piece_length(size))
        .set_name(spec.name.clone())
        .set_num_threads(1)
        .add_extra_field(
            "created by".into(),
            BencodeElem::String(spec.created_by.into()),
        )
        .add_extra_field(
            "creation date".into(),
            BencodeElem::Integer(spec.created_at),
        )
        .add_extra_field("encoding".into(), BencodeElem::String("UTF-8".into()))
        .add_extra_field(
            "url-list".into(),
            BencodeElem::List(
                spec.web_seeds
                    .iter()
                    .map(|u| BencodeElem::String(u.clone()))
                    .collect(),
            ),
        );
    if let Some(first) = spec.trackers.first() {
        b = b
            .set_announce(Some(first.clone()))
            .set_announce_list(spec.trackers.iter().map(|t| vec![t.clone()]).collect());
    }
    let torrent: Torrent = b.build().map_err(err)?;
    let info_hash = torrent.info_hash();
    let bytes = torrent.encode().map_err(err)?;
    Ok(Made { bytes, info_hash })
}

/// The info hash of a `.torrent` file's bytes (lowercase hex), or `None` if they are not one.
pub fn info_hash_of(bytes: &[u8]) -> Option<String> {
    Torrent::read_from_bytes(bytes).ok().map(|t| t.info_hash())
}

/// `encodeURIComponent`'s set: everything but `A-Z a-z 0-9 - _ . ! ~ * ' ( )`.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// A magnet URI as PeerTube writes it (`magnet-uri`'s encoder over PeerTube's fields, in this
/// order): `xs` the torrent's URL, `xt` the info hash, `dn` the video's name (spaces as `+`),
/// one `tr` per tracker, one `ws` per webseed.
pub fn magnet(
    torrent_url: &str,
    info_hash: &str,
    display_name: &str,
    trackers: &[String],
    web_seeds: &[String],
) -> String {
    let enc = |s: &str| utf8_percent_encode(s, URI_COMPONENT).to_string();
    let mut m = format!(
        "magnet:?xs={}&xt=urn:btih:{info_hash}&dn={}",
        enc(torrent_url),
        enc(display_name).replace("%20", "+")
    );
    for t in trackers {
        m.push_str("&tr=");
        m.push_str(&enc(t));
    }
    for w in web_seeds {
        m.push_str("&ws=");
        m.push_str(&enc(w));
    }
    m
}

/// The info hash a magnet URI names (`xt=urn:btih:`), lowercase hex; base32 hashes are read too.
pub fn magnet_info_hash(uri: &str) -> Option<String> {
    let query = uri.strip_prefix("magnet:?")?;
    let xt = query
        .split('&')
        .find_map(|p| p.strip_prefix("xt=urn:btih:"))?;
    match xt.len() {
        40 if xt.bytes().all(|b| b.is_ascii_hexdigit()) => Some(xt.to_ascii_lowercase()),
        32 => base32_to_hex(xt),
        _ => None,
    }
}

fn base32_to_hex(s: &str) -> Option<String> {
    let mut bits: u64 = 0;
    let mut n = 0;
    let mut out = Vec::with_capacity(20);
    for c in s.bytes() {
        let v = match c.to_ascii_uppercase() {
            c @ b'A'..=b'Z' => c - b'A',
            c @ b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        bits = (bits << 5) | u64::from(v);
        n += 5;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    (out.len() == 20).then(|| hex::encode(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = "../../../shared/fixtures/peertube-8.0.1";

    #[test]
    fn piece_lengths_are_create_torrents() {
        // PeerTube's 262,540-byte file: 16 KiB (its torrent says so).
        assert_eq!(piece_length(262_540), 16_384);
        assert_eq!(piece_length(0), 16_384);
        assert_eq!(piece_length(23_726_566), 16_384);
        assert_eq!(piece_length(23_726_567 + 1024), 32_768);
        assert_eq!(piece_length(100 * 1024 * 1024), 131_072);
        assert_eq!(piece_length(u64::MAX), 4 * 1024 * 1024);
    }

    #[test]
    fn names_lose_what_file_systems_refuse() {
        assert_eq!(file_name("a/b: c?", 720, ".mp4"), "a-b- c- 720p.mp4");
    }

    /// PeerTube 8.0.1's own torrent and the magnet it gave for it.
    #[test]
    fn magnets_are_peertubes() {
        let bytes = std::fs::read(format!("{FIXTURE}/files/web-video.torrent"))
            .expect("PeerTube's torrent fixture");
        let hash = info_hash_of(&bytes).expect("a torrent");
        assert_eq!(hash, "a9ee439a6c237212d91c471175a4a8ebe59919df");
        let m = magnet(
            "http://127.0.0.1:9001/lazy-static/torrents/cc6e5a20-cbb0-494d-b40c-34e06674506a-720.torrent",
            &hash,
            "lab test video 1795869652",
            &[
                "http://127.0.0.1:9001/tracker/announce".into(),
                "ws://127.0.0.1:9001/tracker/socket".into(),
            ],
            &["http://127.0.0.1:9001/static/web-videos/9b78b1be-19e4-42fc-a127-7c593abf049f-720.mp4".into()],
        );
        assert_eq!(
            m,
            "magnet:?xs=http%3A%2F%2F127.0.0.1%3A9001%2Flazy-static%2Ftorrents%2Fcc6e5a20-cbb0-494d-b40c-34e06674506a-720.torrent&xt=urn:btih:a9ee439a6c237212d91c471175a4a8ebe59919df&dn=lab+test+video+1795869652&tr=http%3A%2F%2F127.0.0.1%3A9001%2Ftracker%2Fannounce&tr=ws%3A%2F%2F127.0.0.1%3A9001%2Ftracker%2Fsocket&ws=http%3A%2F%2F127.0.0.1%3A9001%2Fstatic%2Fweb-videos%2F9b78b1be-19e4-42fc-a127-7c593abf049f-720.mp4"
        );
        assert_eq!(magnet_info_hash(&m).as_deref(), Some(hash.as_str()));
    }

    #[test]
    fn a_torrent_is_made_as_peertube_makes_it() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("f.mp4");
        // Three and a bit pieces.
        let data: Vec<u8> = (0..(3 * 16_384 + 100))
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        std::fs::write(&path, &data).expect("write");
        let trackers = vec![
            "ws://h:1/tracker/socket".to_string(),
            "http://h:1/tracker/announce".to_string(),
        ];
        let seeds = vec!["http://h:1/static/f.mp4".to_string()];
        let spec = Spec {
            name: file_name("V", 720, ".mp4"),
            trackers: &trackers,
            web_seeds: &seeds,
            created_by: "Ruche",
            created_at: 1_700_000_000,
        };
        let made = make(&path, &spec).expect("made");
        assert_eq!(
            info_hash_of(&made.bytes).as_deref(),
            Some(made.info_hash.as_str())
        );
        let t = Torrent::read_from_bytes(&made.bytes).expect("reads back");
        assert_eq!(t.piece_length, 16_384);
        assert_eq!(t.pieces.len(), 4);
        assert_eq!(t.name, "V 720p.mp4");
        assert_eq!(t.announce.as_deref(), Some("ws://h:1/tracker/socket"));
        // The same file and name give the same hash whatever the date, trackers or seeds.
        let again = make(
            &path,
            &Spec {
                created_at: 1,
                web_seeds: &[],
                trackers: &[],
                ..spec
            },
        )
        .expect("again");
        assert_eq!(again.info_hash, made.info_hash);
        // Exactly PeerTube's keys, sorted.
        let text = String::from_utf8_lossy(&made.bytes);
        let keys = [
            "8:announce",
            "13:announce-list",
            "10:created by",
            "13:creation date",
            "8:encoding",
            "4:info",
            "8:url-list",
        ];
        let mut at = 0;
        for k in keys {
            let found = text[at..].find(k).unwrap_or_else(|| panic!("{k} in order"));
            at += found;
        }
        assert!(!text.contains("7:private"));
    }

    #[test]
    fn magnet_hashes_in_base32_are_read() {
        // "a9ee439a…" in base32.
        let b32 = "VHXEHGTMENZBFWI4I4IXLJFI5PSZSGO7";
        assert_eq!(
            magnet_info_hash(&format!("magnet:?xt=urn:btih:{b32}")).as_deref(),
            Some("a9ee439a6c237212d91c471175a4a8ebe59919df")
        );
        assert_eq!(magnet_info_hash("magnet:?xt=urn:btih:zz"), None);
        assert_eq!(magnet_info_hash("https://x"), None);
    }
}

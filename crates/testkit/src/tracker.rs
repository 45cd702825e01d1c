//! The tracker as its clients speak to it: a published video whose info hash it tracks, the
//! WebTorrent protocol's "binary strings" (each character one byte), BitTorrent's
//! percent-encoded query values, and bencoded answers read back.

use crate::{Instance, small_clip};
use serde_json::Value;
use std::collections::BTreeMap;

/// A public video of an [`Instance`], transcoded, and the info hash of one of its renditions.
pub struct Tracked {
    pub uuid: String,
    pub short_uuid: String,
    pub name: String,
    pub info_hash: [u8; 20],
}

/// Uploads a short clip as root, waits until every rendition is there, and reads the info hash
/// of the first rendition from its magnet (`xt=urn:btih:<hex>`).
pub async fn tracked_video(inst: &Instance) -> Tracked {
    let root = inst.root_token().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let name = "Tracked clip";
    let (status, body) = inst.upload(&root, &small_clip(dir.path()), 1, name).await;
    assert_eq!(status, 200, "{body}");
    let uuid = body["video"]["uuid"].as_str().expect("uuid").to_string();
    let v = inst.wait_transcoded(&root, &uuid, 2).await;
    let magnet = v["streamingPlaylists"][0]["files"][0]["magnetUri"]
        .as_str()
        .unwrap_or_else(|| panic!("a magnet: {v}"));
    Tracked {
        short_uuid: v["shortUUID"].as_str().expect("shortUUID").to_string(),
        uuid,
        name: name.to_string(),
        info_hash: info_hash_of_magnet(magnet)
            .unwrap_or_else(|| panic!("an info hash in {magnet}")),
    }
}

/// The info hash of a magnet's `xt=urn:btih:<40 hex digits>`.
pub fn info_hash_of_magnet(magnet: &str) -> Option<[u8; 20]> {
    let hex = magnet.split("urn:btih:").nth(1)?.get(..40)?;
    let mut out = [0u8; 20];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Bytes as a WebTorrent binary string (JavaScript's `Buffer#toString('binary')`).
pub fn binary(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Every byte percent-encoded, as BitTorrent clients send `info_hash` and `peer_id`.
pub fn percent(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

/// A peer id of 20 bytes: `-RT0001-` then `tag`, cut or padded with `x`.
pub fn peer_id(tag: &str) -> [u8; 20] {
    let mut id = [b'x'; 20];
    id[..8].copy_from_slice(b"-RT0001-");
    for (d, s) in id[8..].iter_mut().zip(tag.bytes()) {
        *d = s;
    }
    id
}

/// A bencoded value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bencode {
    Int(i64),
    Bytes(Vec<u8>),
    List(Vec<Bencode>),
    Dict(BTreeMap<Vec<u8>, Bencode>),
}

impl Bencode {
    /// Reads one whole value; `None` if `bytes` is anything else.
    pub fn parse(bytes: &[u8]) -> Option<Bencode> {
        let (v, rest) = Bencode::one(bytes, 0)?;
        rest.is_empty().then_some(v)
    }

    fn one(b: &[u8], depth: usize) -> Option<(Bencode, &[u8])> {
        if depth > 16 {
            return None;
        }
        match *b.first()? {
            b'i' => {
                let end = b.iter().position(|&c| c == b'e')?;
                let n = std::str::from_utf8(&b[1..end]).ok()?.parse().ok()?;
                Some((Bencode::Int(n), &b[end + 1..]))
            }
            b'l' => {
                let (mut items, mut rest) = (Vec::new(), &b[1..]);
                while *rest.first()? != b'e' {
                    let (v, r) = Bencode::one(rest, depth + 1)?;
                    items.push(v);
                    rest = r;
                }
                Some((Bencode::List(items), &rest[1..]))
            }
            b'd' => {
                let (mut map, mut rest) = (BTreeMap::new(), &b[1..]);
                while *rest.first()? != b'e' {
                    let (Bencode::Bytes(k), r) = Bencode::one(rest, depth + 1)? else {
                        return None;
                    };
                    let (v, r) = Bencode::one(r, depth + 1)?;
                    map.insert(k, v);
                    rest = r;
                }
                Some((Bencode::Dict(map), &rest[1..]))
            }
            b'0'..=b'9' => {
                let colon = b.iter().position(|&c| c == b':')?;
                let len: usize = std::str::from_utf8(&b[..colon]).ok()?.parse().ok()?;
                let s = b.get(colon + 1..colon + 1 + len)?;
                Some((Bencode::Bytes(s.to_vec()), &b[colon + 1 + len..]))
            }
            _ => None,
        }
    }

    /// The value of `key` in a dictionary.
    pub fn get(&self, key: impl AsRef<[u8]>) -> Option<&Bencode> {
        match self {
            Bencode::Dict(d) => d.get(key.as_ref()),
            _ => None,
        }
    }

    pub fn int(&self) -> Option<i64> {
        match self {
            Bencode::Int(n) => Some(*n),
            _ => None,
        }
    }

    pub fn text(&self) -> Option<String> {
        match self {
            Bencode::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
            _ => None,
        }
    }

    /// The keys of a dictionary, as text.
    pub fn keys(&self) -> Vec<String> {
        match self {
            Bencode::Dict(d) => d
                .keys()
                .map(|k| String::from_utf8_lossy(k).into_owned())
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// The `failure reason` of a bencoded answer that is only that (`None` for any other answer).
pub fn failure_reason(body: &[u8]) -> Option<String> {
    let v = Bencode::parse(body)?;
    (v.keys() == ["failure reason"])
        .then(|| v.get("failure reason")?.text())
        .flatten()
}

/// The `failure reason` of a WebSocket tracker message, if it is a failure.
pub fn ws_failure(msg: &Value) -> Option<&str> {
    msg["failure reason"].as_str()
}

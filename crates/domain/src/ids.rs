//! Public identifiers. PeerTube exposes every video under three ids (the numeric database id,
//! the UUID and the "short UUID", the UUID written in flickr base58); we accept all three.

use std::fmt;
use uuid::Uuid;

/// The flickrBase58 alphabet of the `short-uuid` npm package PeerTube uses.
const ALPHABET: &[u8; 58] = b"123456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
/// `short-uuid` pads to a consistent length of 22 characters with the alphabet's first symbol.
const LEN: usize = 22;

/// A UUID in PeerTube's short form, as used in `/w/{shortUUID}` URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ShortUuid(pub Uuid);

impl ShortUuid {
    /// Parses the short form; `None` if it is not 22 base58 symbols encoding a 128-bit value.
    pub fn parse(s: &str) -> Option<Self> {
        if s.len() != LEN {
            return None;
        }
        let mut value: u128 = 0;
        for b in s.bytes() {
            let digit = ALPHABET.iter().position(|&a| a == b)? as u128;
            value = value.checked_mul(58)?.checked_add(digit)?;
        }
        Some(ShortUuid(Uuid::from_u128(value)))
    }
}

/// The short form of a UUID written out; empty if `uuid` is not one.
pub fn short_uuid(uuid: &str) -> String {
    Uuid::parse_str(uuid)
        .map(|u| ShortUuid(u).to_string())
        .unwrap_or_default()
}

impl fmt::Display for ShortUuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut value = self.0.as_u128();
        let mut out = [ALPHABET[0]; LEN];
        let mut i = LEN;
        while value > 0 && i > 0 {
            i -= 1;
            out[i] = ALPHABET[(value % 58) as usize];
            value /= 58;
        }
        // The alphabet is ASCII, so the buffer is valid UTF-8.
        f.write_str(std::str::from_utf8(&out).map_err(|_| fmt::Error)?)
    }
}

/// How a video is named in a URL or an API path: numeric id, UUID or short UUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoRef {
    Id(i64),
    Uuid(Uuid),
}

impl VideoRef {
    /// Reads any of the three forms PeerTube accepts.
    pub fn parse(s: &str) -> Option<Self> {
        if let Ok(id) = s.parse::<i64>() {
            return Some(VideoRef::Id(id));
        }
        if let Ok(u) = Uuid::parse_str(s) {
            return Some(VideoRef::Uuid(u));
        }
        ShortUuid::parse(s).map(|s| VideoRef::Uuid(s.0))
    }
}

/// A random token of `bytes` bytes, hex-encoded, from the operating system's generator.
pub fn random_hex(bytes: usize) -> String {
    let mut out = String::with_capacity(bytes * 2);
    while out.len() < bytes * 2 {
        for b in Uuid::new_v4().as_bytes() {
            if out.len() < bytes * 2 {
                out.push_str(&format!("{b:02x}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_uuid_matches_peertube() {
        // From fixtures/peertube-8.0.1/api/video-details.json.
        let u = Uuid::parse_str("6d79bb11-83db-4ca1-baaa-59593c363a96").unwrap();
        assert_eq!(ShortUuid(u).to_string(), "ew5f7C8iNWwkn3wevRkbvU");
        assert_eq!(
            ShortUuid::parse("ew5f7C8iNWwkn3wevRkbvU"),
            Some(ShortUuid(u))
        );
    }

    #[test]
    fn short_uuid_round_trips_and_pads() {
        for u in [
            Uuid::nil(),
            Uuid::max(),
            Uuid::from_u128(57),
            Uuid::new_v4(),
        ] {
            let s = ShortUuid(u).to_string();
            assert_eq!(s.len(), 22);
            assert_eq!(ShortUuid::parse(&s), Some(ShortUuid(u)));
        }
        assert_eq!(ShortUuid::parse("0OIl000000000000000000"), None);
        assert_eq!(ShortUuid::parse("short"), None);
    }

    #[test]
    fn video_ref_reads_three_forms() {
        let u = Uuid::new_v4();
        assert_eq!(VideoRef::parse("12"), Some(VideoRef::Id(12)));
        assert_eq!(VideoRef::parse(&u.to_string()), Some(VideoRef::Uuid(u)));
        assert_eq!(
            VideoRef::parse(&ShortUuid(u).to_string()),
            Some(VideoRef::Uuid(u))
        );
        assert_eq!(VideoRef::parse("nope"), None);
    }
}

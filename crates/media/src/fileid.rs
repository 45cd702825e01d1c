//! Fresh random file ids. PeerTube names every video file `<uuid v4>-<resolution>…`, and a new
//! name per transcoding lets caches and peers that hold the old file never confuse the two.

use std::io::Read;

/// A random UUID v4 in its usual hyphenated form, read from the kernel's random source (no crate
/// needed for sixteen bytes).
pub(crate) fn new_file_id() -> std::io::Result<String> {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    // Version 4, RFC 4122 variant: the same shape as PeerTube's names.
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let h = hex::encode(bytes);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuid_v4_and_differ() {
        let a = new_file_id().expect("urandom");
        let b = new_file_id().expect("urandom");
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"));
    }
}

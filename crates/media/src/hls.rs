//! The HLS documents around the fragmented MP4 files: reading a variant playlist that ffmpeg
//! wrote, and writing the master playlist and the segment hashes in exactly PeerTube 8's shape
//! (PeerTube's `server/core/lib/hls.ts`). PeerTube's player checks every segment it gets from a
//! peer against the hashes file, so the hashes must cover the very byte ranges of the playlists.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::Output;

/// One media segment of a single-file variant playlist.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// `#EXTINF` duration in seconds.
    pub duration: f64,
    /// First byte of the segment in the file.
    pub offset: u64,
    /// Length of the segment in bytes.
    pub length: u64,
    /// The file the segment is in, as written in the playlist.
    pub uri: String,
}

/// What a variant playlist says, enough to check it and to hash its segments.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantPlaylist {
    /// `#EXT-X-TARGETDURATION`.
    pub target_duration: u32,
    /// File of the initialisation section (`#EXT-X-MAP:URI`).
    pub map_uri: Option<String>,
    /// `(offset, length)` of the initialisation section.
    pub map_range: Option<(u64, u64)>,
    /// The segments, in order.
    pub segments: Vec<Segment>,
}

impl VariantPlaylist {
    /// Sum of the segment durations: the duration of the rendition as players see it.
    pub fn duration(&self) -> f64 {
        self.segments.iter().map(|s| s.duration).sum()
    }
}

/// Parses a VOD variant playlist with byte ranges, as ffmpeg's HLS muxer writes it with
/// `single_file`. Lines it does not know are skipped, as players do.
pub fn parse_variant_playlist(text: &str) -> io::Result<VariantPlaylist> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, format!("playlist: {what}"));
    let mut playlist = VariantPlaylist {
        target_duration: 0,
        map_uri: None,
        map_range: None,
        segments: Vec::new(),
    };
    let mut duration: Option<f64> = None;
    let mut range: Option<(u64, u64)> = None;
    let mut next_offset = 0u64;
    for line in text.lines().map(str::trim) {
        if let Some(v) = line.strip_prefix("#EXT-X-TARGETDURATION:") {
            playlist.target_duration = v.parse().map_err(|_| bad("bad target duration"))?;
        } else if let Some(v) = line.strip_prefix("#EXT-X-MAP:") {
            playlist.map_uri = attribute(v, "URI");
            if let Some(r) = attribute(v, "BYTERANGE") {
                let (length, offset) =
                    parse_byterange(&r, 0).ok_or_else(|| bad("bad map range"))?;
                playlist.map_range = Some((offset, length));
            }
        } else if let Some(v) = line.strip_prefix("#EXTINF:") {
            let d = v.split(',').next().unwrap_or("");
            duration = Some(d.trim().parse().map_err(|_| bad("bad EXTINF"))?);
        } else if let Some(v) = line.strip_prefix("#EXT-X-BYTERANGE:") {
            let (length, offset) =
                parse_byterange(v, next_offset).ok_or_else(|| bad("bad byte range"))?;
            range = Some((offset, length));
        } else if !line.is_empty() && !line.starts_with('#') {
            let d = duration
                .take()
                .ok_or_else(|| bad("segment without EXTINF"))?;
            let (offset, length) = range
                .take()
                .ok_or_else(|| bad("segment without byte range"))?;
            next_offset = offset + length;
            playlist.segments.push(Segment {
                duration: d,
                offset,
                length,
                uri: line.to_string(),
            });
        }
    }
    Ok(playlist)
}

/// `"1377@0"` → (1377, 0); the offset defaults to the end of the previous range.
fn parse_byterange(v: &str, default_offset: u64) -> Option<(u64, u64)> {
    let v = v.trim().trim_matches('"');
    match v.split_once('@') {
        Some((l, o)) => Some((l.parse().ok()?, o.parse().ok()?)),
        None => Some((v.parse().ok()?, default_offset)),
    }
}

/// The value of `NAME=` in an attribute list, quotes removed.
fn attribute(list: &str, name: &str) -> Option<String> {
    let mut rest = list;
    while !rest.is_empty() {
        let (key, after) = rest.split_once('=')?;
        let (value, tail) = if let Some(q) = after.strip_prefix('"') {
            let end = q.find('"')?;
            (&q[..end], q[end + 1..].trim_start_matches(','))
        } else {
            match after.split_once(',') {
                Some((v, t)) => (v, t),
                None => (after, ""),
            }
        };
        if key.trim() == name {
            return Some(value.to_string());
        }
        rest = tail;
    }
    None
}

/// Writes the master playlist, lowest resolution first, in PeerTube 8's exact shape:
/// `#EXTM3U`, `#EXT-X-VERSION:3`, three empty lines (where PeerTube puts subtitle and audio
/// media lines, none here), then per rendition its `#EXT-X-STREAM-INF` line and its playlist.
pub fn write_master_playlist(outputs: &[Output], path: &Path) -> io::Result<()> {
    let mut sorted: Vec<&Output> = outputs.iter().collect();
    sorted.sort_by_key(|o| o.resolution);
    let mut lines: Vec<String> = vec![
        "#EXTM3U".into(),
        "#EXT-X-VERSION:3".into(),
        String::new(),
        String::new(),
        String::new(),
    ];
    for o in sorted {
        let mut line = format!("#EXT-X-STREAM-INF:BANDWIDTH={}", o.bandwidth);
        if o.has_video {
            let _ = write!(line, ",RESOLUTION={}x{}", o.width, o.height);
            if o.fps > 0.0 {
                let _ = write!(line, ",FRAME-RATE={}", format_fps(o.fps));
            }
        }
        let _ = write!(line, ",CODECS=\"{}\"", o.codecs);
        lines.push(line);
        lines.push(file_name(&o.playlist)?);
    }
    let mut text = lines.join("\n");
    text.push('\n');
    write_atomically(path, text.as_bytes())
}

/// Writes `{"<fragmented file>": {"<start>-<end>": "<sha256>"}}` for every byte range of every
/// output's playlist, `end` inclusive as PeerTube writes it. Reads the files range by range
/// (blocking I/O: call it from `spawn_blocking` on a busy runtime) at the paths in `outputs`, so
/// call it before moving the files or with the paths updated.
pub fn write_segments_sha256(outputs: &[Output], path: &Path) -> io::Result<()> {
    let mut text = String::from("{\n");
    for (i, o) in outputs.iter().enumerate() {
        let playlist = parse_variant_playlist(&std::fs::read_to_string(&o.playlist)?)?;
        let name = file_name(&o.fragmented)?;
        let mut file = File::open(&o.fragmented)?;
        let size = file.metadata()?.len();
        let _ = writeln!(text, "  {}: {{", json_string(&name));
        for (j, s) in playlist.segments.iter().enumerate() {
            if s.length == 0 || s.offset + s.length > size {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("segment {}@{} is outside {name}", s.length, s.offset),
                ));
            }
            let hash = hash_range(&mut file, s.offset, s.length)?;
            let comma = if j + 1 < playlist.segments.len() {
                ","
            } else {
                ""
            };
            let _ = writeln!(
                text,
                "    \"{}-{}\": \"{hash}\"{comma}",
                s.offset,
                s.offset + s.length - 1
            );
        }
        let comma = if i + 1 < outputs.len() { "," } else { "" };
        let _ = writeln!(text, "  }}{comma}");
    }
    text.push_str("}\n");
    write_atomically(path, text.as_bytes())
}

/// SHA-256 of `length` bytes at `offset`, read in chunks so a segment is never held whole.
fn hash_range(file: &mut File, offset: u64, length: u64) -> io::Result<String> {
    file.seek(SeekFrom::Start(offset))?;
    let mut hasher = Sha256::new();
    let mut remaining = length;
    let mut buf = vec![0u8; 64 * 1024];
    while remaining > 0 {
        let want = remaining.min(buf.len() as u64) as usize;
        let n = file.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        hasher.update(&buf[..n]);
        remaining -= n as u64;
    }
    Ok(hex::encode(hasher.finalize()))
}

/// 30 → "30", 29.97002997 → "29.97": integers as PeerTube prints them, else three decimals at
/// most as the HLS specification asks.
fn format_fps(fps: f64) -> String {
    if (fps - fps.round()).abs() < 1e-6 {
        format!("{}", fps.round() as u64)
    } else {
        let s = format!("{fps:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

fn file_name(path: &Path) -> io::Result<String> {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path without a file name"))
}

/// Writes to a temporary sibling and renames it, so a reader never sees half a document.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_fixture_shape() {
        let text = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:0\n\
#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MAP:URI=\"a-240-fragmented.mp4\",BYTERANGE=\"1377@0\"\n\
#EXTINF:4.000000,\n#EXT-X-BYTERANGE:58908@1377\na-240-fragmented.mp4\n\
#EXTINF:2.000000,\n#EXT-X-BYTERANGE:30072@60285\na-240-fragmented.mp4\n#EXT-X-ENDLIST\n";
        let p = parse_variant_playlist(text).expect("parse");
        assert_eq!(p.target_duration, 4);
        assert_eq!(p.map_uri.as_deref(), Some("a-240-fragmented.mp4"));
        assert_eq!(p.map_range, Some((0, 1377)));
        assert_eq!(p.segments.len(), 2);
        assert_eq!((p.segments[1].offset, p.segments[1].length), (60285, 30072));
        assert_eq!(p.duration(), 6.0);
    }

    #[test]
    fn fps_formatting() {
        assert_eq!(format_fps(30.0), "30");
        assert_eq!(format_fps(30000.0 / 1001.0), "29.97");
        assert_eq!(format_fps(12.5), "12.5");
    }
}

//! Helpers shared by the integration tests: tiny clips made with lavfi, and ffprobe/ffmpeg
//! read-backs of what the crate wrote.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs ffmpeg with `args` (after the usual quiet flags) and panics with its stderr on failure.
pub fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-y", "-loglevel", "error"])
        .args(args)
        .output()
        .expect("ffmpeg runs");
    assert!(
        out.status.success(),
        "ffmpeg {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A `seconds` long `w`x`h` 30 fps clip with a 440 Hz stereo tone, H.264 + AAC in MP4, at a
/// low enough bitrate for PeerTube's rules to copy its video rather than re-encode it.
pub fn h264_clip(dir: &Path, name: &str, w: u32, h: u32, seconds: u32) -> PathBuf {
    let path = dir.join(name);
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        &format!("testsrc2=s={w}x{h}:r=30:d={seconds}"),
        "-f",
        "lavfi",
        "-i",
        &format!("sine=frequency=440:sample_rate=48000:d={seconds}"),
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-crf",
        "32",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-b:a",
        "128k",
        "-ac",
        "2",
        path.to_str().expect("utf-8 path"),
    ]);
    path
}

/// Same picture and sound, but MPEG-4 part 2: a source that can never be copied as is.
pub fn mpeg4_clip(dir: &Path, name: &str, w: u32, h: u32, seconds: u32) -> PathBuf {
    let path = dir.join(name);
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        &format!("testsrc2=s={w}x{h}:r=30:d={seconds}"),
        "-f",
        "lavfi",
        "-i",
        &format!("sine=frequency=440:sample_rate=48000:d={seconds}"),
        "-c:v",
        "mpeg4",
        "-q:v",
        "4",
        "-c:a",
        "aac",
        "-ac",
        "2",
        path.to_str().expect("utf-8 path"),
    ]);
    path
}

/// (width, height) of the first video stream of `path`.
pub fn video_size(path: &Path) -> (u32, u32) {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height",
            "-of",
            "csv=p=0:s=x",
        ])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let (w, h) = text.trim().split_once('x').expect("WxH");
    (w.parse().expect("width"), h.parse().expect("height"))
}

/// Mean luma (0–255, full range) of a picture, decoded to grey.
pub fn gray_mean(path: &Path) -> f64 {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-i"])
        .arg(path)
        .args(["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"])
        .output()
        .expect("ffmpeg runs");
    assert!(out.status.success() && !out.stdout.is_empty());
    out.stdout.iter().map(|b| f64::from(*b)).sum::<f64>() / out.stdout.len() as f64
}

/// The fixtures captured from a real PeerTube 8.0.1.
pub fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/peertube-8.0.1")
        .join(name);
    std::fs::read_to_string(&path).expect("fixture")
}

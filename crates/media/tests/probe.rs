//! `probe` on real files: what a good clip reports, and the clear refusals of files that are
//! not videos.

mod common;

use ruche_media::{MediaError, probe};

#[tokio::test]
async fn probes_a_normal_clip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clip = common::h264_clip(dir.path(), "clip.mp4", 640, 360, 2);
    let p = probe(&clip).await.expect("probe");
    assert!(p.has_video && p.has_audio);
    assert_eq!((p.width, p.height), (640, 360));
    assert!((p.duration - 2.0).abs() < 0.1, "duration {}", p.duration);
    assert_eq!(p.fps, 30.0);
    assert_eq!(p.video_codec.as_deref(), Some("h264"));
    assert_eq!(p.pix_fmt.as_deref(), Some("yuv420p"));
    assert_eq!(p.audio_codec.as_deref(), Some("aac"));
    assert_eq!(p.audio_channel_layout.as_deref(), Some("stereo"));
    assert!(p.bitrate.is_some() && p.video_bitrate.is_some() && p.audio_bitrate.is_some());
    assert_eq!(p.size, std::fs::metadata(&clip).expect("meta").len());
}

#[tokio::test]
async fn probes_an_audio_only_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mp3 = dir.path().join("song.mp3");
    common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=d=2",
        "-c:a",
        "libmp3lame",
        mp3.to_str().expect("utf-8"),
    ]);
    let p = probe(&mp3).await.expect("probe");
    assert!(!p.has_video && p.has_audio);
    assert_eq!(p.audio_codec.as_deref(), Some("mp3"));
}

fn assert_not_a_video(result: Result<ruche_media::Probe, MediaError>, expected: &str) {
    match result {
        Err(e @ MediaError::NotAVideo(_)) => {
            let message = e.to_string();
            assert!(
                message.starts_with("This file is not a video we can read: "),
                "{message}"
            );
            assert!(message.contains(expected), "{message} lacks {expected:?}");
        }
        other => panic!("expected NotAVideo, got {other:?}"),
    }
}

#[tokio::test]
async fn refuses_a_zero_byte_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty.mp4");
    std::fs::write(&empty, b"").expect("write");
    assert_not_a_video(probe(&empty).await, "the file is empty");
}

#[tokio::test]
async fn refuses_garbage_bytes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let garbage = dir.path().join("garbage.mp4");
    // Deterministic noise, so the test never depends on which format random bytes resemble.
    let mut x: u32 = 0x1234_5678;
    let bytes: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect();
    std::fs::write(&garbage, bytes).expect("write");
    assert_not_a_video(probe(&garbage).await, "");
}

#[tokio::test]
async fn refuses_a_truncated_mp4_with_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clip = common::h264_clip(dir.path(), "clip.mp4", 320, 180, 2);
    let bytes = std::fs::read(&clip).expect("read");
    let half = dir.path().join("half.mp4");
    std::fs::write(&half, &bytes[..bytes.len() / 2]).expect("write");
    assert_not_a_video(probe(&half).await, "incomplete or damaged");
}

#[tokio::test]
async fn refuses_a_truncated_faststart_mp4() {
    // With its index at the start, a cut MP4 still probes with its full duration.
    let dir = tempfile::tempdir().expect("tempdir");
    let clip = dir.path().join("faststart.mp4");
    common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=320x180:r=30:d=12",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-movflags",
        "+faststart",
        clip.to_str().expect("utf-8"),
    ]);
    assert!(probe(&clip).await.is_ok(), "the whole file is fine");
    let bytes = std::fs::read(&clip).expect("read");
    let half = dir.path().join("half.mp4");
    std::fs::write(&half, &bytes[..bytes.len() / 2]).expect("write");
    assert_not_a_video(probe(&half).await, "the file is incomplete");
}

#[tokio::test]
async fn refuses_a_still_image() {
    let dir = tempfile::tempdir().expect("tempdir");
    let png = dir.path().join("picture.png");
    common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=64x64",
        "-frames:v",
        "1",
        png.to_str().expect("utf-8"),
    ]);
    // Not an upload format: refused by the demuxer allow-list, said as a picture.
    match probe(&png).await {
        Err(e @ MediaError::UnacceptedFormat(_)) => {
            assert!(e.to_string().starts_with("This file is a picture"), "{e}");
        }
        other => panic!("expected UnacceptedFormat, got {other:?}"),
    }
}

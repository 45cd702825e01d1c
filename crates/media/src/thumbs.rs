//! The two pictures of a video: the thumbnail of lists and the preview shown before playback,
//! at PeerTube's default sizes. They are taken from a representative frame, never from the
//! black or faded frames videos so often start with.

use std::path::Path;
use std::time::Duration;

use crate::process::{NICE_THUMBNAIL, ffmpeg_failed, input_guard, last_lines, niced, run_to_end};
use crate::transcode::STILL_COLOR;
use crate::{MediaError, Probe};

/// Thumbnail size (width, height): PeerTube's default `thumbnails.sizes` thumbnail.
pub const THUMBNAIL_SIZE: (u32, u32) = (280, 157);
/// Preview size (width, height): PeerTube's default preview.
pub const PREVIEW_SIZE: (u32, u32) = (850, 480);

/// How many frames ffmpeg's `thumbnail` filter compares to pick the most representative one
/// (PeerTube uses 50).
const FRAMES_TO_ANALYZE: u32 = 50;
/// Frames whose average luma (limited range, black = 16) is at or below this are too dark to
/// represent a video: fades, black leaders, the lens cap.
const DARK_YAVG: u32 = 32;
/// How much of the video is read after the seek point when looking for a frame.
const SEARCH_SECONDS: u32 = 30;
const TIMEOUT: Duration = Duration::from_secs(300);
/// JPEG output options. 4:4:4 chroma because 4:2:0 JPEG needs an even height and PeerTube's
/// thumbnail is 157 pixels high; `-update 1` writes one picture to a plain file name.
const JPEG_ARGS: [&str; 6] = ["-pix_fmt", "yuvj444p", "-q:v", "3", "-update", "1"];

/// Writes `thumbnail` (280×157 JPEG) and `preview` (850×480 JPEG) for `source`.
///
/// For a video: seek to a third of the duration, drop frames that are too dark, and let
/// ffmpeg's `thumbnail` filter pick the most representative of the next frames; the picture is
/// scaled to fill each size and centre-cropped. If the whole stretch is dark the darkness filter
/// is dropped, and if the seek lands past the end the start is used. For an audio-only source
/// both pictures are the plain still that its video rendition shows.
pub async fn thumbnails(
    source: &Path,
    probe: &Probe,
    thumbnail: &Path,
    preview: &Path,
) -> Result<(), MediaError> {
    let source = std::path::absolute(source)?;
    if !probe.has_video {
        return still_pictures(thumbnail, preview).await;
    }
    let third = if probe.duration > 0.0 {
        probe.duration / 3.0
    } else {
        0.0
    };
    let attempts = [(third, true), (third, false), (0.0, false)];
    let mut last_error = None;
    for (seek, skip_dark) in attempts {
        let _ = tokio::fs::remove_file(thumbnail).await;
        let _ = tokio::fs::remove_file(preview).await;
        match frame_pictures(&source, probe, seek, skip_dark, thumbnail, preview).await {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| {
        MediaError::Ffmpeg("no frame of the video could be decoded for its thumbnail.".into())
    }))
}

/// One try at picking a frame; `Ok(false)` when no frame came out (all dark, or past the end).
async fn frame_pictures(
    source: &Path,
    probe: &Probe,
    seek: f64,
    skip_dark: bool,
    thumbnail: &Path,
    preview: &Path,
) -> Result<bool, MediaError> {
    let (pw, ph) = PREVIEW_SIZE;
    let (tw, th) = THUMBNAIL_SIZE;
    let stream = probe.video_stream_index.unwrap_or(0);
    let mut chain = vec![
        format!("[0:{stream}]scale={pw}:{ph}:force_original_aspect_ratio=increase"),
        format!("crop={pw}:{ph}"),
        "setsar=1".to_string(),
    ];
    if skip_dark {
        chain.push("signalstats".into());
        chain.push(format!(
            "metadata=mode=select:key=lavfi.signalstats.YAVG:value={DARK_YAVG}:function=greater"
        ));
    }
    chain.push(format!("thumbnail={FRAMES_TO_ANALYZE}"));
    chain.push("split=2[p][t0]".into());
    let graph = format!(
        "{};[t0]scale={tw}:{th}:force_original_aspect_ratio=increase,crop={tw}:{th}[t]",
        chain.join(",")
    );

    let mut cmd = niced("ffmpeg", NICE_THUMBNAIL);
    cmd.args(["-hide_banner", "-nostdin", "-y", "-loglevel", "error"]);
    if seek > 0.0 {
        cmd.arg("-ss").arg(format!("{seek:.3}"));
    }
    cmd.arg("-t")
        .arg(SEARCH_SECONDS.to_string())
        .args(input_guard())
        .arg("-i")
        .arg(source)
        .arg("-filter_complex")
        .arg(graph);
    for (label, path) in [("[p]", preview), ("[t]", thumbnail)] {
        cmd.args(["-map", label, "-frames:v", "1"])
            .args(JPEG_ARGS)
            .arg(path);
    }
    let out = run_to_end(cmd, TIMEOUT).await?;
    if !out.status.success() {
        return Err(ffmpeg_failed(last_lines(&out.stderr, 6)));
    }
    Ok(non_empty(thumbnail).await && non_empty(preview).await)
}

/// The plain still of audio-only sources, at both sizes.
async fn still_pictures(thumbnail: &Path, preview: &Path) -> Result<(), MediaError> {
    for (path, (w, h)) in [(thumbnail, THUMBNAIL_SIZE), (preview, PREVIEW_SIZE)] {
        let mut cmd = niced("ffmpeg", NICE_THUMBNAIL);
        cmd.args(["-hide_banner", "-nostdin", "-y", "-loglevel", "error"])
            .args(["-f", "lavfi", "-i"])
            // rgb24: in its default 4:2:0 the colour source rounds 157 lines down to 156.
            .arg(format!("color=c={STILL_COLOR}:s={w}x{h},format=rgb24"))
            .args(["-frames:v", "1"])
            .args(JPEG_ARGS)
            .arg(path);
        let out = run_to_end(cmd, TIMEOUT).await?;
        if !out.status.success() {
            return Err(ffmpeg_failed(last_lines(&out.stderr, 6)));
        }
    }
    Ok(())
}

async fn non_empty(path: &Path) -> bool {
    tokio::fs::metadata(path).await.is_ok_and(|m| m.len() > 0)
}

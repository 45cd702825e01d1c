//! Reading what an uploaded file is, with ffprobe, before anything else is done with it: a file
//! that is not a video is refused here with a reason the uploader can act on.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use crate::MediaError;
use crate::process::{demuxer_allowed, input_guard, last_lines, run_to_end};

/// Codecs that ffprobe lists as a video stream but that are still pictures (typically cover art
/// in a music file). PeerTube treats a file whose only "video" is one of these as audio-only, and
/// so do we. Unlike PeerTube we leave `gif` out: an animated GIF stream in a container is a
/// (silent) video. (A GIF file itself is not an upload format: see [`crate::UPLOAD_DEMUXERS`].)
const IMAGE_CODECS: &[&str] = &[
    "ansi",
    "apng",
    "bintext",
    "bmp",
    "brender_pix",
    "dpx",
    "exr",
    "fits",
    "gem",
    "jpeg2000",
    "jpegls",
    "mjpeg",
    "mjpegb",
    "msp2",
    "pam",
    "pbm",
    "pcx",
    "pfm",
    "pgm",
    "pgmyuv",
    "pgx",
    "photocd",
    "pictor",
    "png",
    "ppm",
    "psd",
    "sgi",
    "sunrast",
    "svg",
    "targa",
    "tiff",
    "txd",
    "webp",
    "xbin",
    "xbm",
    "xface",
    "xpm",
    "xwd",
];

/// How long ffprobe may take on one file. A sane file is read in well under a second; this
/// only guards the worker against a pathological one.
const PROBE_TIMEOUT: Duration = Duration::from_secs(120);

/// Longest duration believed, in seconds: a year. A file that announces more is damaged or
/// forged, and every figure computed from its duration (progress, the still picture of an audio
/// file, the stored length) would be absurd.
const MAX_DURATION: f64 = 365.0 * 24.0 * 3600.0;

/// Largest width or height accepted, as displayed, in pixels. Sources this large are sixteen
/// times the pixels of 4K already; beyond it ffmpeg cannot decode most pictures, and a sample
/// aspect ratio far from 1 would otherwise stretch a small picture to billions of pixels that
/// every rendition is then scaled from.
const MAX_SIDE: u32 = 16_384;

/// Lowest frame rate read, in frames per second (a lower one is read as this): one frame in ten
/// seconds, below which PeerTube refuses to transcode (its `HARD_MIN`).
const MIN_FPS: f64 = 0.1;
/// Highest frame rate read (a higher one is read as this): beyond it a rate is the clock of a
/// container rather than the video's. Renditions are capped far below anyway.
const MAX_FPS: f64 = 1000.0;

/// What the server needs to know about a source file: enough to check limits, plan the ladder
/// and decide whether the source can be remuxed instead of re-encoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// Duration in seconds (the container's, else the longest stream's; 0 when unknown), at most
    /// a year.
    pub duration: f64,
    /// File size in bytes, as on disk.
    pub size: u64,
    /// Width as displayed: after the rotation metadata and the sample aspect ratio are applied.
    /// At most 16384, as is the height.
    pub width: u32,
    /// Height as displayed, after rotation.
    pub height: u32,
    /// Average frame rate, exact (29.97 stays 29.97), within 0.1..=1000; 0 when there is no
    /// video or ffprobe could not tell.
    pub fps: f64,
    /// ffprobe's codec name of the video stream (`h264`, `hevc`, `vp9`…).
    pub video_codec: Option<String>,
    /// Pixel format of the video stream (`yuv420p`, `yuv420p10le`…).
    pub pix_fmt: Option<String>,
    /// Bitrate of the video stream alone, when the container says.
    pub video_bitrate: Option<u64>,
    /// Overall bitrate of the file: what PeerTube's bitrate rules are computed from.
    pub bitrate: Option<u64>,
    /// True when there is a real video stream (not only cover art).
    pub has_video: bool,
    /// True when there is an audio stream.
    pub has_audio: bool,
    /// ffprobe's codec name of the audio stream (`aac`, `mp3`, `opus`…).
    pub audio_codec: Option<String>,
    /// Bitrate of the audio stream, when known.
    pub audio_bitrate: Option<u64>,
    /// Channel layout of the audio stream (`stereo`, `5.1`, `unknown`…).
    pub audio_channel_layout: Option<String>,
    /// Index in the file of the video stream used, so ffmpeg maps exactly that one and never
    /// the cover art.
    pub video_stream_index: Option<usize>,
    /// Index in the file of the audio stream used.
    pub audio_stream_index: Option<usize>,
    /// Rotation metadata in degrees (0, 90, 180, 270). ffmpeg applies it when decoding.
    pub rotation: i32,
}

/// Upload limits set by the administrator; `None` means no limit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Limits {
    /// Longest accepted duration, in seconds.
    pub max_duration: Option<f64>,
    /// Largest accepted file, in bytes.
    pub max_size: Option<u64>,
}

/// Refuses a probed file that is over the server's limits, with the figures in the message so
/// the uploader knows by how much.
pub fn check_limits(p: &Probe, l: &Limits) -> Result<(), MediaError> {
    if let Some(max) = l.max_size
        && p.size > max
    {
        return Err(MediaError::TooLarge { size: p.size, max });
    }
    if let Some(max) = l.max_duration
        && p.duration > max
    {
        return Err(MediaError::TooLong {
            duration: p.duration,
            max,
        });
    }
    Ok(())
}

/// ffprobe's JSON description of a file (format and streams), read as a local file through
/// one of the upload demuxers only.
/// ffprobe processes at once in this process: a client asking for files' metadata (anonymous on
/// `/api/v1/videos/{id}/metadata/{fileId}`) waits its turn instead of starting a process per
/// request.
const PROBE_SLOTS: usize = 4;
static PROBES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(PROBE_SLOTS);

async fn ffprobe_json(path: &Path) -> Result<Vec<u8>, MediaError> {
    let _slot = PROBES
        .acquire()
        .await
        .map_err(|e| MediaError::Ffmpeg(format!("ffprobe queue: {e}")))?;
    let mut cmd = tokio::process::Command::new("ffprobe");
    cmd.args([
        "-v",
        "error",
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
    ])
    .args(input_guard())
    .arg(path);
    let out = run_to_end(cmd, PROBE_TIMEOUT).await?;
    if !out.status.success() {
        if let Some(format) = refused_format(&out.stderr) {
            return Err(MediaError::UnacceptedFormat(format));
        }
        return Err(MediaError::NotAVideo(reason_from_ffprobe(&out.stderr)));
    }
    Ok(out.stdout)
}

/// What a file refused by the demuxer allow-list is, from ffprobe's complaint
/// (`[hls @ 0x…] Format not on whitelist '…'`), phrased to follow "This file is".
#[doc(hidden)]
pub fn refused_format(stderr: &str) -> Option<String> {
    let line = stderr.lines().find(|l| l.contains("not on whitelist"))?;
    if line.contains("Protocol") {
        return Some("a reference to something other than a plain file".into());
    }
    let demuxer = line
        .trim_start()
        .strip_prefix('[')
        .and_then(|rest| rest.split_once(" @"))
        .map(|(name, _)| name.trim())
        .unwrap_or_default();
    Some(describe_format(demuxer))
}

/// "an HLS playlist", "a list of other files (concat)", "in the “gif” format"…
fn describe_format(demuxer: &str) -> String {
    match demuxer {
        "hls" | "applehttp" => "an HLS playlist (a list of other files)".into(),
        "concat" => "a list of other files (ffconcat)".into(),
        "dash" | "webm_dash_manifest" => "a DASH manifest (a list of other files)".into(),
        "" => "in a format we do not accept".into(),
        d if d.starts_with("image2") || d.ends_with("_pipe") => "a picture".into(),
        d => {
            let name: String = d
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ','))
                .take(40)
                .collect();
            format!("in the “{name}” format")
        }
    }
}

/// A file's metadata as ffprobe gives it (`{"streams": […], "format": {…}}`): what PeerTube
/// answers on `/api/v1/videos/{id}/metadata/{fileId}`.
pub async fn metadata(path: &Path) -> Result<serde_json::Value, MediaError> {
    let stdout = ffprobe_json(path).await?;
    serde_json::from_slice(&stdout).map_err(|e| {
        MediaError::Ffmpeg(format!("ffprobe printed something that is not JSON ({e})"))
    })
}

/// Runs ffprobe on `path` and tells what the file is. Files that are not audio or video (empty,
/// truncated, garbage) give [`MediaError::NotAVideo`] with the reason, as do files that announce
/// more than a year or a picture more than 16384 pixels a side; files with neither a video nor
/// an audio stream give [`MediaError::NoVideoStream`]. Audio-only files are accepted.
pub async fn probe(path: &Path) -> Result<Probe, MediaError> {
    let size = tokio::fs::metadata(path).await?.len();
    if size == 0 {
        return Err(MediaError::NotAVideo(
            "the file is empty (0 bytes). The upload may have failed: please try again.".into(),
        ));
    }
    let stdout = ffprobe_json(path).await?;
    let (probe, mp4_family) = read_probe(&stdout, size)?;
    if mp4_family {
        check_mp4_is_complete(path, probe.duration).await?;
    }
    Ok(probe)
}

/// What [`probe`] makes of ffprobe's JSON (`-show_format -show_streams`) about a file of `size`
/// bytes, without running anything: the [`Probe`], and whether the container is of MP4's
/// family (`mov`, `mp4`), whose announced duration [`probe`] then checks against the data.
/// Public for the property tests (`tests/fuzz.rs`) only.
#[doc(hidden)]
pub fn read_probe(stdout: &[u8], size: u64) -> Result<(Probe, bool), MediaError> {
    let parsed: FfprobeOutput = serde_json::from_slice(stdout).map_err(|e| {
        MediaError::Ffmpeg(format!("ffprobe printed something that is not JSON ({e})"))
    })?;
    // ffprobe was told to open nothing else; this holds even for an ffprobe that ignores it.
    let format_name = parsed.format.format_name.as_deref().unwrap_or_default();
    if !demuxer_allowed(format_name) {
        return Err(MediaError::UnacceptedFormat(describe_format(
            format_name.split(',').next().unwrap_or_default(),
        )));
    }
    let mp4_family = parsed
        .format
        .format_name
        .as_deref()
        .is_some_and(|f| f.split(',').any(|n| n == "mp4" || n == "mov"));
    Ok((from_ffprobe(parsed, size)?, mp4_family))
}

/// A "faststart" MP4 carries its index at the start, so ffprobe reads a truncated one without
/// complaint and announces the full duration; ffmpeg would then silently produce a shorter
/// video. Read the packets of the last seconds the index announces: if the data stops well
/// before, the file is cut short. (MP4 durations come from the index, so unlike estimated MP3
/// durations they can be trusted for this.)
async fn check_mp4_is_complete(path: &Path, duration: f64) -> Result<(), MediaError> {
    const WINDOW: f64 = 8.0;
    const TOLERANCE: f64 = 4.0;
    if duration <= TOLERANCE {
        return Ok(());
    }
    let start = (duration - WINDOW).max(0.0);
    let mut cmd = tokio::process::Command::new("ffprobe");
    cmd.args(["-v", "error", "-read_intervals"])
        .arg(format!("{start:.3}%"))
        .args(["-show_entries", "packet=pts_time", "-of", "csv=p=0"])
        .args(input_guard())
        .arg(path);
    let out = run_to_end(cmd, PROBE_TIMEOUT).await?;
    let last = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| parse_f64(l.trim_end_matches(',')))
        .fold(f64::NEG_INFINITY, f64::max);
    if last >= duration - TOLERANCE {
        return Ok(());
    }
    let stops = if last.is_finite() && last > 0.0 {
        format!("its data stops near {} s", last.round())
    } else {
        "its data stops early".to_string()
    };
    Err(MediaError::NotAVideo(format!(
        "the file is incomplete: {stops} although it announces {} s. The upload or the \
         recording was probably cut short.",
        duration.round()
    )))
}

/// Turns ffprobe's complaint into a reason an uploader understands.
#[doc(hidden)]
pub fn reason_from_ffprobe(stderr: &str) -> String {
    if stderr.contains("moov atom not found") {
        return "the file is incomplete or damaged: its MP4 index (the \"moov atom\") is missing, \
                which usually means the upload or the recording was cut short."
            .into();
    }
    if stderr.contains("Invalid data found when processing input") {
        return "its contents are not in any audio or video format we know.".into();
    }
    let tail = last_lines(stderr, 2);
    if tail.is_empty() {
        "it is damaged or is not an audio or video file.".into()
    } else {
        format!("it is damaged or is not an audio or video file (ffprobe: {tail}).")
    }
}

fn from_ffprobe(data: FfprobeOutput, size: u64) -> Result<Probe, MediaError> {
    if data.streams.is_empty() {
        return Err(MediaError::NotAVideo(
            "it contains no audio or video stream at all.".into(),
        ));
    }
    let video = data.streams.iter().find(|s| {
        s.codec_type.as_deref() == Some("video")
            && s.disposition.attached_pic == 0
            && !s
                .codec_name
                .as_deref()
                .is_some_and(|c| IMAGE_CODECS.contains(&c))
    });
    let audio = data
        .streams
        .iter()
        .find(|s| s.codec_type.as_deref() == Some("audio"));
    if video.is_none() && audio.is_none() {
        return Err(MediaError::NoVideoStream);
    }

    let format_duration = data.format.duration.as_deref().and_then(parse_f64);
    let stream_duration = data
        .streams
        .iter()
        .filter_map(|s| s.duration.as_deref().and_then(parse_f64))
        .fold(0.0_f64, f64::max);
    let duration = format_duration
        .filter(|d| *d > 0.0)
        .unwrap_or(stream_duration);
    if duration > MAX_DURATION {
        return Err(MediaError::NotAVideo(
            "it announces a duration of more than a year, which no recording has: the file is \
             probably damaged."
                .into(),
        ));
    }

    let mut probe = Probe {
        duration,
        size,
        width: 0,
        height: 0,
        fps: 0.0,
        video_codec: None,
        pix_fmt: None,
        video_bitrate: None,
        bitrate: data.format.bit_rate.as_deref().and_then(parse_u64),
        has_video: video.is_some(),
        has_audio: audio.is_some(),
        audio_codec: None,
        audio_bitrate: None,
        audio_channel_layout: None,
        video_stream_index: None,
        audio_stream_index: None,
        rotation: 0,
    };

    if let Some(v) = video {
        // In f64 until checked: the sample aspect ratio may stretch the width without bound.
        let (mut w, mut h) = (
            f64::from(v.width.unwrap_or(0)),
            f64::from(v.height.unwrap_or(0)),
        );
        if let Some((num, den)) = v.sample_aspect_ratio.as_deref().and_then(parse_ratio)
            && num > 0
            && den > 0
            && num != den
        {
            w = (w * num as f64 / den as f64).round();
        }
        let rotation = v.rotation();
        if rotation == 90 || rotation == 270 {
            std::mem::swap(&mut w, &mut h);
        }
        if w == 0.0 || h == 0.0 {
            return Err(MediaError::NotAVideo(
                "its video stream has no picture size; the file is probably damaged.".into(),
            ));
        }
        let max = f64::from(MAX_SIDE);
        if w > max || h > max {
            return Err(MediaError::NotAVideo(format!(
                "its picture is {w}×{h} pixels as displayed, more than the {MAX_SIDE} pixels \
                 a side we can convert."
            )));
        }
        probe.width = w as u32;
        probe.height = h as u32;
        probe.rotation = rotation;
        probe.fps = [v.avg_frame_rate.as_deref(), v.r_frame_rate.as_deref()]
            .into_iter()
            .flatten()
            .filter_map(parse_ratio)
            .filter(|(n, d)| *n > 0 && *d > 0)
            .map(|(n, d)| (n as f64 / d as f64).clamp(MIN_FPS, MAX_FPS))
            .next()
            .unwrap_or(0.0);
        probe.video_codec = v.codec_name.clone();
        probe.pix_fmt = v.pix_fmt.clone();
        probe.video_bitrate = v.bit_rate.as_deref().and_then(parse_u64);
        probe.video_stream_index = Some(v.index);
    }
    if let Some(a) = audio {
        probe.audio_codec = a.codec_name.clone();
        probe.audio_bitrate = a.bit_rate.as_deref().and_then(parse_u64);
        probe.audio_channel_layout = a.channel_layout.clone();
        probe.audio_stream_index = Some(a.index);
    }
    Ok(probe)
}

fn parse_f64(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

fn parse_u64(s: &str) -> Option<u64> {
    s.trim().parse::<u64>().ok().filter(|v| *v > 0)
}

/// "30000/1001" or "16:9" → (30000, 1001).
fn parse_ratio(s: &str) -> Option<(u64, u64)> {
    let (a, b) = s.split_once(['/', ':'])?;
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
}

#[derive(Debug, Deserialize)]
struct FfprobeOutput {
    #[serde(default)]
    streams: Vec<FfprobeStream>,
    #[serde(default)]
    format: FfprobeFormat,
}

#[derive(Debug, Default, Deserialize)]
struct FfprobeFormat {
    format_name: Option<String>,
    duration: Option<String>,
    bit_rate: Option<String>,
}

#[derive(Debug, Deserialize)]
struct FfprobeStream {
    index: usize,
    codec_name: Option<String>,
    codec_type: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    pix_fmt: Option<String>,
    sample_aspect_ratio: Option<String>,
    avg_frame_rate: Option<String>,
    r_frame_rate: Option<String>,
    duration: Option<String>,
    bit_rate: Option<String>,
    channel_layout: Option<String>,
    #[serde(default)]
    disposition: Disposition,
    #[serde(default)]
    tags: Tags,
    #[serde(default)]
    side_data_list: Vec<SideData>,
}

#[derive(Debug, Default, Deserialize)]
struct Disposition {
    #[serde(default)]
    attached_pic: u8,
}

#[derive(Debug, Default, Deserialize)]
struct Tags {
    rotate: Option<String>,
}

#[derive(Debug, Deserialize)]
struct SideData {
    rotation: Option<f64>,
}

impl FfprobeStream {
    /// Rotation in degrees, normalised to 0..360: older files carry a `rotate` tag, newer
    /// ffprobe reports the display matrix as side data.
    fn rotation(&self) -> i32 {
        let degrees = self
            .side_data_list
            .iter()
            .find_map(|s| s.rotation)
            .or_else(|| self.tags.rotate.as_deref().and_then(parse_f64))
            .unwrap_or(0.0);
        // Reduced before the conversion, which would saturate an angle beyond i32.
        (degrees.rem_euclid(360.0).round() as i32) % 360
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Probe, MediaError> {
        from_ffprobe(serde_json::from_str(json).expect("json"), 1000)
    }

    #[test]
    fn rotation_swaps_dimensions_and_cover_art_is_not_video() {
        let p = parse(
            r#"{"streams":[{"index":0,"codec_type":"video","codec_name":"h264","width":1920,
            "height":1080,"avg_frame_rate":"30000/1001","side_data_list":[{"rotation":-90}]}],
            "format":{"duration":"10.0","bit_rate":"8000000"}}"#,
        )
        .expect("probe");
        assert_eq!((p.width, p.height, p.rotation), (1080, 1920, 270));
        assert!((p.fps - 29.97).abs() < 0.01);

        let p = parse(
            r#"{"streams":[{"index":0,"codec_type":"audio","codec_name":"mp3"},
            {"index":1,"codec_type":"video","codec_name":"mjpeg","width":500,"height":500,
            "disposition":{"attached_pic":1}}],"format":{"duration":"3.0"}}"#,
        )
        .expect("probe");
        assert!(!p.has_video && p.has_audio);
        assert_eq!(p.audio_stream_index, Some(0));

        assert!(matches!(
            parse(r#"{"streams":[{"index":0,"codec_type":"subtitle"}],"format":{}}"#),
            Err(MediaError::NoVideoStream)
        ));
    }

    #[test]
    fn refused_formats_are_named() {
        let hls = "[hls @ 0x563c7d9fb700] Format not on whitelist 'mov,matroska'\nevil.mp4: Invalid argument\n";
        assert_eq!(
            refused_format(hls).as_deref(),
            Some("an HLS playlist (a list of other files)")
        );
        let concat = "[concat @ 0x1] Format not on whitelist 'mov'\n";
        assert_eq!(
            refused_format(concat).as_deref(),
            Some("a list of other files (ffconcat)")
        );
        assert_eq!(
            refused_format("[gif @ 0x1] Format not on whitelist 'mov'").as_deref(),
            Some("in the “gif” format")
        );
        assert_eq!(refused_format("moov atom not found"), None);
        let e = MediaError::UnacceptedFormat(describe_format("hls"));
        assert_eq!(
            e.to_string(),
            "This file is an HLS playlist (a list of other files), which we do not accept: upload \
             the video itself (MP4, WebM, MKV, MOV, AVI…) or an audio file (MP3, M4A, WAV, FLAC, \
             Ogg…)."
        );
    }

    #[test]
    fn absurd_durations_are_refused() {
        // Found by tests/fuzz.rs: a duration of 1e300 s was accepted, to be stored and given
        // to ffmpeg as is.
        for (format, stream) in [("1e300", "1.0"), ("31536001", "1.0"), ("0", "1e300")] {
            let json = format!(
                r#"{{"streams":[{{"index":0,"codec_type":"audio","duration":"{stream}"}}],
                "format":{{"duration":"{format}"}}}}"#
            );
            match parse(&json) {
                Err(e @ MediaError::NotAVideo(_)) => {
                    assert!(e.to_string().contains("more than a year"), "{e}");
                }
                other => panic!("{format} and {stream}: {other:?}"),
            }
        }
        let year = parse(
            r#"{"streams":[{"index":0,"codec_type":"audio"}],"format":{"duration":"31536000"}}"#,
        )
        .expect("a year is believable");
        assert_eq!(year.duration, MAX_DURATION);
    }

    #[test]
    fn pictures_larger_than_16k_are_refused() {
        // Found by tests/fuzz.rs: a sample aspect ratio of 4294967295:1 made a stream
        // 4294967295 pixels wide (the conversion saturated); when it was 2 pixels high, its
        // ladder had a rendition 0 pixels wide.
        let sizes = [
            (1920, 2, "4294967295:1"),
            (1920, 1080, "9:1"),
            (16_385, 1080, "1:1"),
            (64, 100_000, "1:1"),
        ];
        for (width, height, sar) in sizes {
            let json = format!(
                r#"{{"streams":[{{"index":0,"codec_type":"video","width":{width},
                "height":{height},"sample_aspect_ratio":"{sar}"}}],"format":{{}}}}"#
            );
            match parse(&json) {
                Err(e @ MediaError::NotAVideo(_)) => {
                    assert!(e.to_string().contains("16384 pixels"), "{e}");
                }
                other => panic!("{width}×{height} at {sar}: {other:?}"),
            }
        }
        let p = parse(
            r#"{"streams":[{"index":0,"codec_type":"video","width":16384,"height":8,
            "side_data_list":[{"rotation":90}]}],"format":{}}"#,
        )
        .expect("16384 is the largest side");
        assert_eq!((p.width, p.height), (8, 16_384));
    }

    #[test]
    fn frame_rates_are_bounded() {
        // Found by tests/fuzz.rs: "90000/1" was read as 90000 fps, "18446744073709551615/1" as
        // 1.8e19 fps and "1/18446744073709551615" as 5e-20 fps, a rate renditions then kept.
        let fps = |rate: &str| {
            let json = format!(
                r#"{{"streams":[{{"index":0,"codec_type":"video","width":64,"height":64,
                "avg_frame_rate":"{rate}","r_frame_rate":"25/1"}}],"format":{{}}}}"#
            );
            parse(&json).expect("probe").fps
        };
        assert_eq!(fps("18446744073709551615/1"), MAX_FPS);
        assert_eq!(fps("1/18446744073709551615"), MIN_FPS);
        assert_eq!(fps("1/5"), 0.2);
        assert_eq!(fps("960/1"), 960.0);
        assert_eq!(
            fps("0/0"),
            25.0,
            "the next rate when the average is unknown"
        );
        assert_eq!(fps("1/0"), 25.0);
    }

    #[test]
    fn huge_rotations_are_read_modulo_360() {
        // Found while writing tests/fuzz.rs: a `rotate` tag beyond i32 saturated before it was
        // reduced modulo 360, so 2147483970 (≡ 90) was read as 127 and the sides not swapped.
        let p = parse(
            r#"{"streams":[{"index":0,"codec_type":"video","width":1920,"height":1080,
            "tags":{"rotate":"2147483970"}}],"format":{}}"#,
        )
        .expect("probe");
        assert_eq!((p.width, p.height, p.rotation), (1080, 1920, 90));
        let p = parse(
            r#"{"streams":[{"index":0,"codec_type":"video","width":1920,"height":1080,
            "side_data_list":[{"rotation":-1e300}]}],"format":{}}"#,
        )
        .expect("probe");
        assert!((0..360).contains(&p.rotation), "{}", p.rotation);
        assert_eq!(
            p.rotation,
            (-1e300_f64).rem_euclid(360.0).round() as i32 % 360
        );
    }

    #[test]
    fn limits() {
        let p = parse(
            r#"{"streams":[{"index":0,"codec_type":"audio","codec_name":"aac"}],
            "format":{"duration":"100.0"}}"#,
        )
        .expect("probe");
        assert!(check_limits(&p, &Limits::default()).is_ok());
        let too_long = Limits {
            max_duration: Some(60.0),
            max_size: None,
        };
        assert!(matches!(
            check_limits(&p, &too_long),
            Err(MediaError::TooLong { .. })
        ));
        let too_big = Limits {
            max_duration: None,
            max_size: Some(999),
        };
        assert!(matches!(
            check_limits(&p, &too_big),
            Err(MediaError::TooLarge {
                size: 1000,
                max: 999
            })
        ));
    }
}

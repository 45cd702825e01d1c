//! Running the ladder: one ffmpeg process decodes the source once and feeds every rendition's
//! encoder through a cascade of scalers (1080→720→480→360→240, each scaled from the next bigger
//! one), which measured 1.98× faster than one process per rendition on this project's machines
//! (`shared/research/transcoding.md`). Each rendition is muxed straight into PeerTube's HLS
//! layout: one fragmented MP4 addressed by byte ranges plus its variant playlist.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::process::Command;

use crate::fileid::new_file_id;
use crate::hls::parse_variant_playlist;
use crate::plan::AUDIO_ONLY_RESOLUTION;
use crate::process::{NICE_TRANSCODE, input_guard, niced, run_ffmpeg, run_to_end};
use crate::{AudioPlan, MediaError, Plan, Rendition};

/// Background colour of the still picture given to audio-only sources (and of their
/// thumbnails): a dark slate that reads as "no picture" without being a black frame.
pub(crate) const STILL_COLOR: &str = "0x2b3440";

/// Segment length in seconds, PeerTube's `-hls_time`.
const HLS_TIME: u32 = 4;
/// Keyframe interval in seconds: every rendition gets a keyframe at the same instants, so
/// segments of different resolutions start at the same times and players switch cleanly.
const GOP_SECONDS: f64 = 2.0;

/// One rendition as written to `out_dir`.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// Resolution ("p") of the rendition.
    pub resolution: u32,
    /// Picture width in pixels.
    pub width: u32,
    /// Picture height in pixels.
    pub height: u32,
    /// Frame rate.
    pub fps: f64,
    /// The variant playlist, `<id>-<res>.m3u8`.
    pub playlist: PathBuf,
    /// The fragmented MP4 the playlist addresses by byte ranges, `<id>-<res>-fragmented.mp4`.
    /// It is also a valid MP4 for downloads and the webseed.
    pub fragmented: PathBuf,
    /// The faststart MP4 `<id>-<res>.mp4`, only when the plan asks for web videos.
    pub web_video: Option<PathBuf>,
    /// Size of the fragmented MP4 in bytes.
    pub size: u64,
    /// Average bits per second (size × 8 / duration, rounded up), the master playlist's
    /// BANDWIDTH as PeerTube computes it.
    pub bandwidth: u64,
    /// RFC 6381 codecs of the file, e.g. `avc1.64001f,mp4a.40.2`.
    pub codecs: String,
    /// The file has an audio track.
    pub has_audio: bool,
    /// The file has a video track.
    pub has_video: bool,
}

/// Names of the files of one rendition, relative to `out_dir` (ffmpeg runs in `out_dir`, so the
/// playlists refer to their fragment by bare name, as PeerTube's do).
struct Names {
    playlist: String,
    fragmented: String,
    web_video: String,
}

impl Names {
    fn new(resolution: u32) -> std::io::Result<Self> {
        let id = new_file_id()?;
        Ok(Self {
            playlist: format!("{id}-{resolution}.m3u8"),
            fragmented: format!("{id}-{resolution}-fragmented.mp4"),
            web_video: format!("{id}-{resolution}.mp4"),
        })
    }
}

/// Runs ONE ffmpeg process that decodes `source` once and writes every rendition of
/// `renditions` (a subset of `plan.renditions`, see [`crate::phases`]) into `out_dir`, then
/// describes what it wrote. `progress` gets 0.0..=1.0. Dropping the future kills ffmpeg.
pub async fn transcode(
    source: &Path,
    out_dir: &Path,
    plan: &Plan,
    renditions: &[Rendition],
    progress: &(dyn Fn(f32) + Send + Sync),
) -> Result<Vec<Output>, MediaError> {
    if renditions.is_empty() {
        return Ok(Vec::new());
    }
    if !plan.audio_only_source && plan.video_stream_index.is_none() {
        return Err(MediaError::NoVideoStream);
    }
    let started = Instant::now();
    let source = std::path::absolute(source)?;
    let mut sorted: Vec<Rendition> = renditions.to_vec();
    sorted.sort_by_key(|r| std::cmp::Reverse(r.resolution));
    let names = sorted
        .iter()
        .map(|r| Names::new(r.resolution))
        .collect::<std::io::Result<Vec<_>>>()?;

    let mut cmd = niced("ffmpeg", plan.niceness);
    cmd.current_dir(out_dir)
        .args(ffmpeg_args(&source, plan, &sorted, &names));
    let scaled = |f: f32| progress(f * 0.97);
    run_ffmpeg(cmd, plan.duration, &scaled).await?;

    let mut outputs = Vec::with_capacity(sorted.len());
    for (r, n) in sorted.iter().zip(&names) {
        outputs.push(describe(out_dir, plan, r, n).await?);
    }
    progress(1.0);
    tracing::info!(
        source = %source.display(),
        renditions = ?sorted.iter().map(|r| r.resolution).collect::<Vec<_>>(),
        seconds = started.elapsed().as_secs_f64(),
        "transcoded"
    );
    Ok(outputs)
}

/// The way PeerTube runs a ladder: one ffmpeg process per rendition, one after the other, each
/// decoding the whole source and scaling it directly, with the same encoder settings as
/// [`transcode`]. Kept only as the baseline of the benchmark in `bench/transcode`.
pub async fn transcode_baseline(
    source: &Path,
    out_dir: &Path,
    plan: &Plan,
    renditions: &[Rendition],
    progress: &(dyn Fn(f32) + Send + Sync),
) -> Result<Vec<Output>, MediaError> {
    let n = renditions.len().max(1) as f32;
    let mut outputs = Vec::with_capacity(renditions.len());
    for (i, r) in renditions.iter().enumerate() {
        let step = |f: f32| progress((i as f32 + f) / n);
        outputs.extend(transcode(source, out_dir, plan, std::slice::from_ref(r), &step).await?);
    }
    Ok(outputs)
}

/// Remuxes a fragmented MP4 into a faststart MP4 (PeerTube's "web video" layout), without
/// re-encoding: for instances that still want one plain MP4 per resolution.
pub async fn web_video_from_fragmented(fragmented: &Path, dest: &Path) -> Result<(), MediaError> {
    let mut cmd = niced("ffmpeg", NICE_TRANSCODE);
    cmd.args(["-hide_banner", "-nostdin", "-y", "-loglevel", "error"])
        .args(input_guard())
        .arg("-i")
        .arg(fragmented)
        .args([
            "-map",
            "0",
            "-c",
            "copy",
            "-map_metadata",
            "-1",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
        ])
        .arg(dest);
    run_ffmpeg(cmd, 0.0, &|_| {}).await
}

/// The whole ffmpeg command line for one process (without the program name).
fn ffmpeg_args(source: &Path, plan: &Plan, sorted: &[Rendition], names: &[Names]) -> Vec<OsString> {
    let mut a = Args::default();
    a.push_all(&["-hide_banner", "-nostdin", "-y", "-loglevel", "error"]);
    a.push_all(&["-nostats", "-progress", "pipe:1"]);
    // The upload: a local file, through one of the upload demuxers only.
    for g in input_guard() {
        a.push(g);
    }
    a.push("-i");
    a.push(source.as_os_str());

    // Where the video comes from: the source's video stream, or for an audio-only source a
    // generated still picture (input 1).
    let video_input = if plan.audio_only_source {
        let r = sorted.first().map_or(AUDIO_ONLY_RESOLUTION, |r| r.height);
        let w = sorted.first().map_or(854, |r| r.width);
        let fps = sorted.first().map_or(25.0, |r| r.fps);
        a.push_all(&["-f", "lavfi", "-i"]);
        // Bounded by the audio's duration: `-shortest` alone overshoots by the encoders' delay.
        let duration = if plan.duration > 0.0 {
            format!(":d={}", fmt_num((plan.duration * 1000.0).ceil() / 1000.0))
        } else {
            String::new()
        };
        a.push(format!(
            "color=c={STILL_COLOR}:s={w}x{r}:r={}{duration}",
            fmt_num(fps)
        ));
        "1:v:0".to_string()
    } else {
        format!("0:{}", plan.video_stream_index.unwrap_or(0))
    };
    let audio_input = match (plan.audio, plan.audio_stream_index) {
        (AudioPlan::None, _) | (_, None) => None,
        (_, Some(i)) => Some(format!("0:{i}")),
    };

    // The cascade: each encoded rendition is scaled from the next bigger one; a `split` keeps
    // one copy for the encoder and passes the other down.
    let encoded: Vec<usize> = (0..sorted.len())
        .filter(|i| !sorted[*i].copy_video)
        .collect();
    let mut graph = Vec::new();
    let mut parent = video_input.clone();
    let mut parent_fps = plan.source_fps;
    for (k, &i) in encoded.iter().enumerate() {
        let r = &sorted[i];
        let mut chain = Vec::new();
        if r.fps > 0.0 && parent_fps > 0.0 && r.fps < parent_fps - 0.01 {
            chain.push(format!("fps={}", fmt_num(r.fps)));
            parent_fps = r.fps;
        }
        chain.push(format!("scale={}:{}", r.width, r.height));
        chain.push("format=yuv420p".into());
        chain.push("setsar=1".into());
        if k + 1 < encoded.len() {
            chain.push("split=2".into());
            graph.push(format!("[{parent}]{}[v{i}][c{i}]", chain.join(",")));
            parent = format!("c{i}");
        } else {
            graph.push(format!("[{parent}]{}[v{i}]", chain.join(",")));
        }
    }
    if !graph.is_empty() {
        a.push("-filter_complex");
        a.push(graph.join(";"));
    }

    for (i, (r, n)) in sorted.iter().zip(names).enumerate() {
        a.push("-map");
        if r.copy_video {
            a.push(video_input.as_str());
            a.push_all(&["-c:v", "copy"]);
        } else {
            a.push(format!("[v{i}]"));
            push_x264(&mut a, r, plan);
        }
        if let Some(audio) = &audio_input {
            a.push("-map");
            a.push(audio.as_str());
            match plan.audio {
                // ADTS AAC (.aac files, MPEG-TS) must be repacked for MP4; the filter passes
                // MP4's raw AAC through untouched.
                AudioPlan::Copy => a.push_all(&["-c:a", "copy", "-bsf:a", "aac_adtstoasc"]),
                AudioPlan::Encode { bitrate } => {
                    a.push_all(&["-c:a", "aac", "-b:a"]);
                    a.push(bitrate.to_string());
                    // PeerTube forces stereo: other layouts break HLS playback in Chrome.
                    a.push_all(&["-ac", "2"]);
                }
                AudioPlan::None => {}
            }
        }
        if plan.audio_only_source {
            a.push("-shortest");
        }
        a.push_all(&["-map_metadata", "-1", "-max_muxing_queue_size", "1024"]);
        a.push_all(&["-f", "hls", "-hls_time"]);
        a.push(HLS_TIME.to_string());
        a.push_all(&["-hls_list_size", "0", "-hls_playlist_type", "vod"]);
        a.push_all(&["-hls_segment_type", "fmp4", "-hls_flags", "single_file"]);
        a.push("-hls_segment_filename");
        a.push(n.fragmented.as_str());
        a.push(n.playlist.as_str());
    }
    a.0
}

/// PeerTube's libx264 settings, plus keyframes forced at the same instants in every rendition.
fn push_x264(a: &mut Args, r: &Rendition, plan: &Plan) {
    a.push_all(&["-c:v", "libx264", "-preset", "veryfast"]);
    if plan.audio_only_source {
        a.push_all(&["-tune", "stillimage"]);
    }
    a.push("-maxrate:v");
    a.push(r.maxrate.to_string());
    a.push("-bufsize:v");
    a.push((r.maxrate * 2).to_string());
    a.push_all(&["-b_strategy", "1", "-bf", "16"]);
    let gop = (r.fps * GOP_SECONDS).round().max(1.0) as u64;
    a.push("-g:v");
    a.push(gop.to_string());
    a.push("-force_key_frames");
    a.push(format!("expr:gte(t,n_forced*{})", fmt_num(GOP_SECONDS)));
    a.push_all(&["-sc_threshold", "0", "-pix_fmt", "yuv420p"]);
    if plan.threads > 0 {
        a.push("-threads");
        a.push(plan.threads.to_string());
    }
}

/// Reads back what ffmpeg wrote for one rendition.
async fn describe(
    out_dir: &Path,
    plan: &Plan,
    r: &Rendition,
    n: &Names,
) -> Result<Output, MediaError> {
    let playlist = out_dir.join(&n.playlist);
    let fragmented = out_dir.join(&n.fragmented);
    let text = tokio::fs::read_to_string(&playlist).await?;
    let parsed = parse_variant_playlist(&text)?;
    if parsed.segments.is_empty() {
        return Err(MediaError::Ffmpeg(format!(
            "ffmpeg wrote no segment for the {}p rendition.",
            r.resolution
        )));
    }
    let size = tokio::fs::metadata(&fragmented).await?.len();
    let duration = match parsed.duration() {
        d if d > 0.0 => d,
        _ => plan.duration,
    };
    let bandwidth = if duration > 0.0 {
        ((size as f64 * 8.0) / duration).ceil() as u64
    } else {
        size
    };
    let streams = probe_codecs(&fragmented).await?;
    let web_video = if plan.web_videos {
        let dest = out_dir.join(&n.web_video);
        web_video_from_fragmented(&fragmented, &dest).await?;
        Some(dest)
    } else {
        None
    };
    Ok(Output {
        resolution: r.resolution,
        width: r.width,
        height: r.height,
        fps: r.fps,
        playlist,
        fragmented,
        web_video,
        size,
        bandwidth,
        codecs: streams.codecs(),
        has_audio: streams.audio.is_some(),
        has_video: streams.video.is_some(),
    })
}

#[derive(Debug, Deserialize)]
struct CodecProbe {
    #[serde(default)]
    streams: Vec<CodecStream>,
}

#[derive(Debug, Clone, Deserialize)]
struct CodecStream {
    codec_type: Option<String>,
    codec_name: Option<String>,
    codec_tag_string: Option<String>,
    profile: Option<String>,
    level: Option<i64>,
}

struct Streams {
    video: Option<CodecStream>,
    audio: Option<CodecStream>,
}

impl Streams {
    /// RFC 6381 codecs as PeerTube's `getVideoStreamCodec` / `getAudioStreamCodec` build them.
    fn codecs(&self) -> String {
        let mut parts = Vec::new();
        if let Some(v) = &self.video {
            parts.push(video_codec_string(v));
        }
        if let Some(a) = &self.audio {
            parts.push(audio_codec_string(a));
        }
        parts.join(",")
    }
}

fn video_codec_string(v: &CodecStream) -> String {
    let tag = v.codec_tag_string.as_deref().unwrap_or("avc1");
    match tag {
        "vp09" => return "vp09.00.50.08".into(),
        "hev1" => return "hev1.1.6.L93.B0".into(),
        _ => {}
    }
    let profile = match v.profile.as_deref().unwrap_or("High") {
        "Main" => "4D40",
        "Baseline" | "Constrained Baseline" => "42E0",
        "High 10" => "6E00",
        "High 4:2:2" => "7A00",
        "High 4:4:4 Predictive" => "F400",
        _ => "6400",
    };
    let level = v.level.filter(|l| *l > 0).unwrap_or(31);
    format!("avc1.{profile}{level:02x}")
}

fn audio_codec_string(a: &CodecStream) -> String {
    match (a.codec_name.as_deref(), a.profile.as_deref()) {
        (Some("aac"), Some("HE-AAC")) => "mp4a.40.5".into(),
        (Some("aac"), Some("HE-AACv2")) => "mp4a.40.29".into(),
        (Some("mp3"), _) => "mp4a.40.34".into(),
        (Some("opus"), _) => "opus".into(),
        (Some("vorbis"), _) => "vorbis".into(),
        _ => "mp4a.40.2".into(),
    }
}

async fn probe_codecs(path: &Path) -> Result<Streams, MediaError> {
    let mut cmd = Command::new("ffprobe");
    cmd.args(["-v", "error", "-print_format", "json", "-show_streams"])
        .args(input_guard())
        .arg(path);
    let out = run_to_end(cmd, Duration::from_secs(60)).await?;
    if !out.status.success() {
        return Err(MediaError::Ffmpeg(format!(
            "ffprobe cannot read the file ffmpeg wrote: {}",
            crate::process::last_lines(&out.stderr, 3)
        )));
    }
    let parsed: CodecProbe = serde_json::from_slice(&out.stdout).map_err(|e| {
        MediaError::Ffmpeg(format!("ffprobe printed something that is not JSON ({e})"))
    })?;
    let find = |kind: &str| {
        parsed
            .streams
            .iter()
            .find(|s| s.codec_type.as_deref() == Some(kind))
            .cloned()
    };
    Ok(Streams {
        video: find("video"),
        audio: find("audio"),
    })
}

/// 30 → "30", 29.97 → "29.97": how ffmpeg options want a rate.
fn fmt_num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.6}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

/// A command line under construction.
#[derive(Default)]
struct Args(Vec<OsString>);

impl Args {
    fn push(&mut self, v: impl Into<OsString>) {
        self.0.push(v.into());
    }
    fn push_all(&mut self, vs: &[&str]) {
        self.0.extend(vs.iter().map(OsString::from));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(resolution: u32, width: u32, height: u32, fps: f64, copy_video: bool) -> Rendition {
        Rendition {
            resolution,
            width,
            height,
            fps,
            copy_video,
            maxrate: 1_000_000,
        }
    }

    #[test]
    fn cascade_graph_scales_each_rendition_from_the_next_bigger_one() {
        let plan = Plan {
            renditions: vec![],
            audio: AudioPlan::Copy,
            audio_only_source: false,
            duration: 10.0,
            source_fps: 60.0,
            video_stream_index: Some(0),
            audio_stream_index: Some(1),
            threads: 0,
            web_videos: false,
            niceness: 0,
        };
        let sorted = vec![
            r(1080, 1920, 1080, 60.0, true),
            r(720, 1280, 720, 60.0, false),
            r(480, 854, 480, 30.0, false),
            r(240, 426, 240, 30.0, false),
        ];
        let names: Vec<Names> = sorted
            .iter()
            .map(|r| Names::new(r.resolution).expect("id"))
            .collect();
        let args: Vec<String> = ffmpeg_args(Path::new("/src.mp4"), &plan, &sorted, &names)
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let graph = &args[args
            .iter()
            .position(|a| a == "-filter_complex")
            .expect("graph")
            + 1];
        assert_eq!(
            graph,
            "[0:0]scale=1280:720,format=yuv420p,setsar=1,split=2[v1][c1];\
             [c1]fps=30,scale=854:480,format=yuv420p,setsar=1,split=2[v2][c2];\
             [c2]scale=426:240,format=yuv420p,setsar=1[v3]"
        );
        assert_eq!(args.iter().filter(|a| *a == "-f").count(), 4);
        // The source is opened as a local file through the upload demuxers only.
        let input = args.iter().position(|a| a == "/src.mp4").expect("input");
        assert_eq!(args[input - 1], "-i");
        assert_eq!(args[input - 5..input - 1], input_guard());
        assert!(args.iter().any(|a| a == "expr:gte(t,n_forced*2)"));
    }
}

//! Deciding what to produce from a source, before running anything: which resolutions, at which
//! frame rate and bitrate, whether the source's own video can be kept as is, what to do with the
//! audio. The rules are PeerTube's "default" transcoding profile (see
//! `packages/ffmpeg/src/ffmpeg-default-transcoding-profile.ts`, `core-utils/src/videos/bitrate.ts`
//! and `server/core/helpers/ffmpeg/framerate.ts` in PeerTube), so an instance moving from PeerTube
//! to Ruche gets files of the same sizes and rates.

use crate::Probe;
use crate::process::NICE_TRANSCODE;

/// The administrator's transcoding settings that shape the ladder.
#[derive(Debug, Clone, PartialEq)]
pub struct LadderConfig {
    /// Enabled resolutions ("p", i.e. the smaller side), e.g. `[1080, 720, 480, 360, 240]`.
    /// 144, 1440 and 2160 are accepted too. The source's own resolution is always added.
    pub resolutions: Vec<u32>,
    /// Highest frame rate kept (PeerTube's `transcoding.fps.max`, 60 by default).
    pub max_fps: f64,
    /// Encoder threads per rendition; 0 lets ffmpeg decide.
    pub threads: u32,
    /// Also write a faststart MP4 per resolution (PeerTube's "web videos"). Off in Ruche's
    /// layout: the fragmented MP4 already serves HLS, downloads and the webseed.
    pub web_videos: bool,
}

impl Default for LadderConfig {
    /// PeerTube's usual ladder without 144p/1440p/2160p, 60 fps at most, no web videos.
    fn default() -> Self {
        Self {
            resolutions: vec![1080, 720, 480, 360, 240],
            max_fps: 60.0,
            threads: 0,
            web_videos: false,
        }
    }
}

/// One step of the ladder.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendition {
    /// `min(width, height)`, as PeerTube names resolutions (so portrait videos work).
    pub resolution: u32,
    /// Output width in pixels (even).
    pub width: u32,
    /// Output height in pixels (even).
    pub height: u32,
    /// Output frame rate.
    pub fps: f64,
    /// True when the source's video stream is copied (PeerTube's "quick transcode"): same
    /// picture, no generation loss, seconds instead of minutes.
    pub copy_video: bool,
    /// Encoder `-maxrate` in bits/s (PeerTube's target bitrate); `-bufsize` is twice this.
    pub maxrate: u64,
}

/// What happens to the audio, identical for every rendition.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AudioPlan {
    /// The source's AAC stream is kept as is.
    Copy,
    /// Re-encoded to stereo AAC at this bitrate, in bits/s.
    Encode {
        /// Target bitrate, bits/s.
        bitrate: u64,
    },
    /// The source has no audio.
    None,
}

/// Everything [`crate::transcode`] needs to know besides the file: the ladder and the facts
/// about the source it was computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Renditions, biggest first (the order the cascade scales them in).
    pub renditions: Vec<Rendition>,
    /// What to do with the audio.
    pub audio: AudioPlan,
    /// The source has no video: its renditions are a still picture with the audio.
    pub audio_only_source: bool,
    /// Duration of the source in seconds, for progress reporting.
    pub duration: f64,
    /// The source's frame rate, to know when a rendition needs frames dropped.
    pub source_fps: f64,
    /// ffprobe index of the video stream to read.
    pub video_stream_index: Option<usize>,
    /// ffprobe index of the audio stream to read.
    pub audio_stream_index: Option<usize>,
    /// Encoder threads (0 = ffmpeg decides), copied from [`LadderConfig::threads`].
    pub threads: u32,
    /// Write faststart MP4 "web videos" too, copied from [`LadderConfig::web_videos`].
    pub web_videos: bool,
    /// Scheduling niceness of the ffmpeg processes (0–19). [`plan`] sets 15, PeerTube's value,
    /// so that encoding never slows the web server down; the benchmark sets 0 so that other
    /// work on the machine does not drown the comparison.
    pub niceness: u8,
}

/// The "resolution" PeerTube gives audio-only sources: their still picture is 480p.
pub(crate) const AUDIO_ONLY_RESOLUTION: u32 = 480;
/// Frame rate of the still picture of an audio-only source (PeerTube's merge-audio default).
pub(crate) const AUDIO_ONLY_FPS: f64 = 25.0;
/// Highest AAC bitrate PeerTube keeps, in kbit/s.
const MAX_AUDIO_KBITRATE: u64 = 384;

/// Computes the ladder for a probed source: PeerTube's rules, with one decode in mind.
///
/// - never upscale: only enabled resolutions ≤ the source's, plus the source's own (made even);
/// - the source's own resolution copies the video stream when it already fits PeerTube's profile
///   (H.264, yuv420p, 2 ≤ fps ≤ max, bitrate ≤ the max-bpp bitrate);
/// - frame rates: below 720p anything over 30 fps drops to a divisor among 24/25/30; anything
///   over `max_fps` drops to 50/60/max. Unlike PeerTube we cap the source's own resolution at
///   `max_fps` too, so a 240 fps phone clip does not reach players at 240 fps;
/// - audio: AAC ≤ 384 kbit/s with a known, non-quad layout is copied; anything else becomes
///   stereo AAC capped at 384 kbit/s (256 kbit/s when the source's bitrate is unknown);
/// - an audio-only source gives one 480p rendition: a still picture with the audio.
///
/// A source with neither video nor audio gives an empty ladder (probe already refuses those).
pub fn plan(p: &Probe, c: &LadderConfig) -> Plan {
    let audio = audio_plan(p);
    let mut plan = Plan {
        renditions: Vec::new(),
        audio,
        audio_only_source: !p.has_video && p.has_audio,
        duration: p.duration,
        source_fps: p.fps,
        video_stream_index: p.video_stream_index,
        audio_stream_index: p.audio_stream_index,
        threads: c.threads,
        web_videos: c.web_videos,
        niceness: NICE_TRANSCODE,
    };
    if plan.audio_only_source {
        let fps = AUDIO_ONLY_FPS.min(c.max_fps.max(1.0));
        let (width, height) = (854, AUDIO_ONLY_RESOLUTION);
        plan.source_fps = fps;
        plan.renditions.push(Rendition {
            resolution: AUDIO_ONLY_RESOLUTION,
            width,
            height,
            fps,
            copy_video: false,
            maxrate: target_bitrate(AUDIO_ONLY_RESOLUTION, width, height, fps, None),
        });
        return plan;
    }
    if !p.has_video || p.width == 0 || p.height == 0 {
        return plan;
    }

    let input = p.width.min(p.height);
    // The source's own resolution, even; rounded down so that it is never an upscale.
    let origin = (input - input % 2).max(2);
    let mut resolutions: Vec<u32> = c
        .resolutions
        .iter()
        .copied()
        .filter(|r| *r > 0 && *r <= input)
        .chain([origin])
        .collect();
    resolutions.sort_unstable_by(|a, b| b.cmp(a));
    resolutions.dedup();

    // PeerTube rounds the probed frame rate before applying its rules. A stream whose rate
    // ffprobe could not tell is planned as 30 fps (the GOP and bitrates need one).
    let source_fps = if p.fps > 0.0 { p.fps } else { 30.0 };
    plan.source_fps = source_fps;
    let input_fps = source_fps.round();
    let max_fps = c.max_fps.max(1.0);
    let origin_fps = output_fps(input_fps, origin, true, max_fps);

    for resolution in resolutions {
        let is_origin = resolution == origin;
        let fps_rule = if is_origin {
            origin_fps
        } else {
            output_fps(origin_fps, resolution, false, max_fps)
        };
        // Keep the exact source rate (29.97 stays 29.97) unless frames must be dropped.
        let fps = if fps_rule >= input_fps {
            source_fps
        } else {
            fps_rule
        };
        let copy_video = is_origin && can_copy_video(p, max_fps);
        let (width, height) = if copy_video {
            (p.width, p.height)
        } else {
            scaled_size(p.width, p.height, resolution)
        };
        plan.renditions.push(Rendition {
            resolution,
            width,
            height,
            fps,
            copy_video,
            maxrate: target_bitrate(resolution, p.width, p.height, fps.round(), p.bitrate),
        });
    }
    plan
}

/// Splits a ladder in two so that the server can publish early: the first phase is the
/// rendition that is quickest to make playable (the copied source if there is one, else the
/// one closest to 480p); the second is all the rest, made together in one process.
pub fn phases(plan: &Plan) -> (Vec<Rendition>, Vec<Rendition>) {
    let first = plan
        .renditions
        .iter()
        .position(|r| r.copy_video)
        .or_else(|| {
            plan.renditions
                .iter()
                .enumerate()
                .min_by_key(|(_, r)| (r.resolution.abs_diff(480), r.resolution))
                .map(|(i, _)| i)
        });
    match first {
        Some(i) => {
            let mut rest = plan.renditions.clone();
            let first = rest.remove(i);
            (vec![first], rest)
        }
        None => (Vec::new(), Vec::new()),
    }
}

/// Width and height for `resolution` (the smaller side), keeping the aspect ratio and rounding
/// the other side to an even number exactly as ffmpeg's `scale=-2:h` does, so our 480p of a
/// 16:9 source is 854×480 like PeerTube's.
pub(crate) fn scaled_size(width: u32, height: u32, resolution: u32) -> (u32, u32) {
    let other = |long: u32, short: u32| -> u32 {
        // av_rescale rounds half away from zero; then ×2 for the even constraint.
        let v =
            (u64::from(resolution) * u64::from(long) + u64::from(short)) / (2 * u64::from(short));
        (v * 2).max(2) as u32
    };
    if width >= height {
        (other(width, height), resolution)
    } else {
        (resolution, other(height, width))
    }
}

/// PeerTube's quick-transcode test for the video stream.
fn can_copy_video(p: &Probe, max_fps: f64) -> bool {
    let fps = p.fps.round();
    let Some(bitrate) = p.bitrate else {
        return false;
    };
    p.video_codec.as_deref() == Some("h264")
        && p.pix_fmt.as_deref() == Some("yuv420p")
        && (2.0..=max_fps).contains(&fps)
        && bitrate <= max_bitrate(p.width.min(p.height), p.width, p.height, fps)
}

/// PeerTube's audio rules (`canDoQuickAudioTranscode`, `getMaxAudioKBitrate`).
fn audio_plan(p: &Probe) -> AudioPlan {
    if !p.has_audio {
        return AudioPlan::None;
    }
    let codec = p.audio_codec.as_deref().unwrap_or("");
    let layout_ok = p
        .audio_channel_layout
        .as_deref()
        .is_some_and(|l| !l.is_empty() && l != "unknown" && l != "quad");
    let kbitrate = p.audio_bitrate.map(|b| (b as f64 / 1000.0).round() as u64);
    match kbitrate {
        Some(k) if codec == "aac" && k <= MAX_AUDIO_KBITRATE && layout_ok => AudioPlan::Copy,
        Some(k) => AudioPlan::Encode {
            bitrate: k.clamp(32, MAX_AUDIO_KBITRATE) * 1000,
        },
        None if codec == "flac" => AudioPlan::Encode {
            bitrate: MAX_AUDIO_KBITRATE * 1000,
        },
        None => AudioPlan::Encode { bitrate: 256_000 },
    }
}

/// PeerTube's `computeOutputFPS` for VOD, on a rounded input rate.
fn output_fps(input: f64, resolution: u32, is_origin: bool, max_fps: f64) -> f64 {
    let standard: Vec<f64> = {
        let v: Vec<f64> = [24.0, 25.0, 30.0]
            .into_iter()
            .filter(|f| *f <= max_fps)
            .collect();
        if v.is_empty() { vec![max_fps] } else { v }
    };
    let hd_standard: Vec<f64> = [50.0, 60.0, max_fps]
        .into_iter()
        .filter(|f| *f <= max_fps)
        .collect();
    let average = max_fps.min(30.0);

    let mut fps = input;
    if !is_origin && resolution < 720 && fps > average {
        fps = closest_framerate(fps, &standard);
    }
    fps = fps.max(1.0);
    if fps > max_fps {
        fps = closest_framerate(fps, &hd_standard);
    }
    fps
}

/// The biggest candidate that divides `fps`, else the one leaving the smallest remainder
/// (PeerTube's `getClosestFramerate`).
fn closest_framerate(fps: f64, candidates: &[f64]) -> f64 {
    let mut desc = candidates.to_vec();
    desc.sort_by(|a, b| b.total_cmp(a));
    if let Some(f) = desc.iter().find(|c| fps % **c == 0.0) {
        return *f;
    }
    let mut by_remainder = candidates.to_vec();
    by_remainder.sort_by(|a, b| (fps % a).total_cmp(&(fps % b)));
    by_remainder.first().copied().unwrap_or(fps)
}

/// Bits per pixel per frame, by resolution bracket: (resolution, min, average, max).
const BPP: [(u32, f64, f64, f64); 8] = [
    (2160, 0.02, 0.08, 0.14),
    (1440, 0.02, 0.09, 0.16),
    (1080, 0.02, 0.10, 0.17),
    (720, 0.02, 0.11, 0.19),
    (480, 0.02, 0.12, 0.22),
    (360, 0.02, 0.15, 0.26),
    (240, 0.02, 0.17, 0.29),
    (144, 0.02, 0.19, 0.32),
];

/// PeerTube's `calculateBitrate`: pixels × fps × the bracket's bits per pixel.
fn bitrate_for(
    resolution: u32,
    width: u32,
    height: u32,
    fps: f64,
    pick: fn(&(u32, f64, f64, f64)) -> f64,
) -> u64 {
    let Some(row) = BPP.iter().find(|row| row.0 <= resolution) else {
        return 0;
    };
    if width == 0 || height == 0 {
        return 0;
    }
    // PeerTube rounds the aspect ratio to 4 decimals (`buildAspectRatio`).
    let ratio = (f64::from(width) / f64::from(height) * 10_000.0).round() / 10_000.0;
    let size2 = if ratio < 1.0 {
        f64::from(resolution) / ratio
    } else {
        f64::from(resolution) * ratio
    };
    (f64::from(resolution) * size2 * fps * pick(row))
        .floor()
        .max(0.0) as u64
}

/// PeerTube's average theoretical bitrate for a resolution (192 kbit/s when there is none).
pub fn average_bitrate(resolution: u32, width: u32, height: u32, fps: f64) -> u64 {
    match bitrate_for(resolution, width, height, fps, |r| r.2) {
        0 => 192_000,
        b => b,
    }
}

/// PeerTube's max theoretical bitrate: above it a source is re-encoded rather than copied.
pub fn max_bitrate(resolution: u32, width: u32, height: u32, fps: f64) -> u64 {
    match bitrate_for(resolution, width, height, fps, |r| r.3) {
        0 => 256_000,
        b => b,
    }
}

/// PeerTube's floor: a rendition never gets less than this.
pub fn min_bitrate(resolution: u32, width: u32, height: u32, fps: f64) -> u64 {
    match bitrate_for(resolution, width, height, fps, |r| r.1) {
        0 => 10_000,
        b => b,
    }
}

/// PeerTube's `getTargetBitrate`: the average bitrate, but no more than the source's plus 30%,
/// and no less than the floor. `width`/`height` are the source's, for the aspect ratio.
pub(crate) fn target_bitrate(
    resolution: u32,
    width: u32,
    height: u32,
    fps: f64,
    input_bitrate: Option<u64>,
) -> u64 {
    let average = average_bitrate(resolution, width, height, fps);
    let capped = match input_bitrate {
        Some(b) if b > 0 => average.min((b as f64 * 1.3) as u64),
        _ => average,
    };
    capped.max(min_bitrate(resolution, width, height, fps))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_ffmpeg_and_peertube() {
        assert_eq!(scaled_size(1280, 720, 480), (854, 480));
        assert_eq!(scaled_size(1280, 720, 240), (426, 240));
        assert_eq!(scaled_size(1920, 1080, 720), (1280, 720));
        assert_eq!(scaled_size(1080, 1920, 360), (360, 640));
    }

    #[test]
    fn fps_rules() {
        assert_eq!(output_fps(60.0, 480, false, 60.0), 30.0);
        assert_eq!(output_fps(50.0, 360, false, 60.0), 25.0);
        assert_eq!(output_fps(60.0, 720, false, 60.0), 60.0);
        assert_eq!(output_fps(120.0, 1080, false, 60.0), 60.0);
        assert_eq!(output_fps(120.0, 1080, true, 60.0), 60.0);
        assert_eq!(output_fps(100.0, 1080, false, 60.0), 50.0);
        assert_eq!(output_fps(24.0, 240, false, 60.0), 24.0);
    }

    #[test]
    fn bitrates_follow_the_table() {
        // 720p30 16:9: 720 × (720 × 1.7778) × 30 × 0.11, the ratio rounded as PeerTube does.
        assert_eq!(average_bitrate(720, 1920, 1080, 30.0), 3_041_318);
        assert_eq!(
            target_bitrate(720, 1920, 1080, 30.0, Some(1_000_000)),
            1_300_000
        );
        assert_eq!(target_bitrate(720, 1920, 1080, 30.0, Some(10_000)), 552_966);
    }
}

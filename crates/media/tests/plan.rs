//! `plan` and `phases`: PeerTube's ladder rules on made-up probes (no ffmpeg needed).

use ruche_media::{AudioPlan, LadderConfig, Probe, Rendition, max_bitrate, phases, plan};

fn video(width: u32, height: u32, fps: f64) -> Probe {
    Probe {
        duration: 60.0,
        size: 10_000_000,
        width,
        height,
        fps,
        video_codec: Some("h264".into()),
        pix_fmt: Some("yuv420p".into()),
        video_bitrate: Some(1_000_000),
        bitrate: Some(1_100_000),
        has_video: true,
        has_audio: true,
        audio_codec: Some("aac".into()),
        audio_bitrate: Some(128_000),
        audio_channel_layout: Some("stereo".into()),
        video_stream_index: Some(0),
        audio_stream_index: Some(1),
        rotation: 0,
    }
}

fn resolutions(renditions: &[Rendition]) -> Vec<u32> {
    renditions.iter().map(|r| r.resolution).collect()
}

#[test]
fn never_upscales_and_adds_the_source_resolution() {
    let c = LadderConfig::default();
    let p = plan(&video(1280, 720, 30.0), &c);
    assert_eq!(resolutions(&p.renditions), vec![720, 480, 360, 240]);

    // 1000×562: the source's own 562p is added (even), nothing above it.
    let p = plan(&video(1000, 562, 30.0), &c);
    assert_eq!(resolutions(&p.renditions), vec![562, 480, 360, 240]);

    // Odd source size: its own resolution is rounded down, never up.
    let p = plan(&video(427, 241, 30.0), &c);
    assert_eq!(resolutions(&p.renditions), vec![240]);

    // A tiny source gets only itself.
    let p = plan(&video(160, 90, 30.0), &c);
    assert_eq!(resolutions(&p.renditions), vec![90]);
    assert!(
        p.renditions
            .iter()
            .all(|r| r.width <= 160 && r.height <= 90)
    );
}

#[test]
fn ladder_is_biggest_first_with_peertube_sizes() {
    let c = LadderConfig {
        resolutions: vec![240, 1080, 480, 144, 720, 360],
        ..LadderConfig::default()
    };
    let p = plan(&video(1920, 1080, 30.0), &c);
    assert_eq!(
        resolutions(&p.renditions),
        vec![1080, 720, 480, 360, 240, 144]
    );
    let sizes: Vec<(u32, u32)> = p.renditions.iter().map(|r| (r.width, r.height)).collect();
    assert_eq!(
        sizes,
        vec![
            (1920, 1080),
            (1280, 720),
            (854, 480),
            (640, 360),
            (426, 240),
            (256, 144)
        ]
    );
    // Portrait: resolution is the smaller side.
    let p = plan(&video(1080, 1920, 30.0), &LadderConfig::default());
    assert_eq!(resolutions(&p.renditions), vec![1080, 720, 480, 360, 240]);
    assert_eq!((p.renditions[2].width, p.renditions[2].height), (480, 854));
    // Bitrates decrease down the ladder.
    assert!(
        p.renditions
            .windows(2)
            .all(|w| w[0].maxrate >= w[1].maxrate)
    );
}

#[test]
fn copies_the_video_only_when_the_source_fits() {
    let c = LadderConfig::default();
    let fits = video(1920, 1080, 30.0);
    let p = plan(&fits, &c);
    assert!(
        p.renditions[0].copy_video,
        "h264 yuv420p 30 fps 1.1 Mb/s fits"
    );
    assert!(p.renditions[1..].iter().all(|r| !r.copy_video));
    assert_eq!(p.audio, AudioPlan::Copy);

    let mut hevc = fits.clone();
    hevc.video_codec = Some("hevc".into());
    let mut ten_bit = fits.clone();
    ten_bit.pix_fmt = Some("yuv420p10le".into());
    let mut too_fast = fits.clone();
    too_fast.fps = 120.0;
    let mut too_big = fits.clone();
    too_big.bitrate = Some(max_bitrate(1080, 1920, 1080, 30.0) + 1);
    let mut unknown_bitrate = fits.clone();
    unknown_bitrate.bitrate = None;
    let mut too_slow = fits.clone();
    too_slow.fps = 1.0;
    for source in [hevc, ten_bit, too_fast, too_big, unknown_bitrate, too_slow] {
        let p = plan(&source, &c);
        assert!(
            p.renditions.iter().all(|r| !r.copy_video),
            "{source:?} must be re-encoded"
        );
    }
}

#[test]
fn frame_rates_are_capped_as_peertube_does() {
    let c = LadderConfig::default();
    // 60 fps: 720p and up keep 60, below 720p drop to 30.
    let p = plan(&video(1920, 1080, 60.0), &c);
    let fps: Vec<f64> = p.renditions.iter().map(|r| r.fps).collect();
    assert_eq!(fps, vec![60.0, 60.0, 30.0, 30.0, 30.0]);
    // 50 fps: below 720p drops to 25, a divisor.
    let p = plan(&video(1280, 720, 50.0), &c);
    let fps: Vec<f64> = p.renditions.iter().map(|r| r.fps).collect();
    assert_eq!(fps, vec![50.0, 25.0, 25.0, 25.0]);
    // 120 fps: capped at max_fps = 60 everywhere, then 30 below 720p.
    let p = plan(&video(1280, 720, 120.0), &c);
    let fps: Vec<f64> = p.renditions.iter().map(|r| r.fps).collect();
    assert_eq!(fps, vec![60.0, 30.0, 30.0, 30.0]);
    // 29.97 is kept exactly (no needless resampling).
    let p = plan(&video(1280, 720, 30000.0 / 1001.0), &c);
    assert!(p.renditions.iter().all(|r| (r.fps - 29.97).abs() < 0.01));
    // A lower max_fps caps everything.
    let c30 = LadderConfig {
        max_fps: 30.0,
        ..LadderConfig::default()
    };
    let p = plan(&video(1280, 720, 60.0), &c30);
    assert!(p.renditions.iter().all(|r| r.fps == 30.0));
    // A rate ffprobe could not tell is planned as 30 fps, never as 0 or 1.
    let p = plan(&video(1280, 720, 0.0), &c);
    assert!(p.renditions.iter().all(|r| r.fps == 30.0 && !r.copy_video));
}

#[test]
fn audio_rules() {
    let c = LadderConfig::default();
    let mut mp3 = video(1280, 720, 30.0);
    mp3.audio_codec = Some("mp3".into());
    mp3.audio_bitrate = Some(192_000);
    assert_eq!(plan(&mp3, &c).audio, AudioPlan::Encode { bitrate: 192_000 });
    let mut loud = video(1280, 720, 30.0);
    loud.audio_bitrate = Some(512_000);
    assert_eq!(
        plan(&loud, &c).audio,
        AudioPlan::Encode { bitrate: 384_000 }
    );
    let mut quad = video(1280, 720, 30.0);
    quad.audio_channel_layout = Some("quad".into());
    assert!(matches!(plan(&quad, &c).audio, AudioPlan::Encode { .. }));
    let mut unknown = video(1280, 720, 30.0);
    unknown.audio_codec = Some("opus".into());
    unknown.audio_bitrate = None;
    assert_eq!(
        plan(&unknown, &c).audio,
        AudioPlan::Encode { bitrate: 256_000 }
    );
    let mut silent = video(1280, 720, 30.0);
    silent.has_audio = false;
    assert_eq!(plan(&silent, &c).audio, AudioPlan::None);
}

#[test]
fn audio_only_gets_one_still_rendition() {
    let mut p = video(0, 0, 0.0);
    p.has_video = false;
    p.video_codec = None;
    p.audio_codec = Some("mp3".into());
    let pl = plan(&p, &LadderConfig::default());
    assert!(pl.audio_only_source);
    assert_eq!(pl.renditions.len(), 1);
    let r = &pl.renditions[0];
    assert_eq!((r.resolution, r.width, r.height), (480, 854, 480));
    assert!(!r.copy_video);
    let (first, rest) = phases(&pl);
    assert_eq!(first.len(), 1);
    assert!(rest.is_empty());
}

#[test]
fn phases_publish_the_quickest_rendition_first() {
    let c = LadderConfig::default();
    // The copied source comes first.
    let p = plan(&video(1920, 1080, 30.0), &c);
    let (first, rest) = phases(&p);
    assert_eq!(resolutions(&first), vec![1080]);
    assert!(first[0].copy_video);
    assert_eq!(resolutions(&rest), vec![720, 480, 360, 240]);
    // Nothing to copy: the rendition closest to 480p.
    let mut hevc = video(1920, 1080, 30.0);
    hevc.video_codec = Some("hevc".into());
    let (first, rest) = phases(&plan(&hevc, &c));
    assert_eq!(resolutions(&first), vec![480]);
    assert_eq!(resolutions(&rest), vec![1080, 720, 360, 240]);
    let mut small = video(640, 360, 30.0);
    small.video_codec = Some("vp9".into());
    let (first, rest) = phases(&plan(&small, &c));
    assert_eq!(resolutions(&first), vec![360]);
    assert_eq!(resolutions(&rest), vec![240]);
}

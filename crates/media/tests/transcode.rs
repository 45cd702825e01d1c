//! `transcode` end to end on tiny clips: the files PeerTube's player and peers will read, in
//! the shape of the real PeerTube 8.0.1 output kept in `tests/fixtures/`.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use ruche_media::{
    AudioPlan, LadderConfig, Output, parse_variant_playlist, phases, plan, probe, transcode,
    write_master_playlist, write_segments_sha256,
};
use sha2::{Digest, Sha256};

fn ladder(resolutions: &[u32]) -> LadderConfig {
    LadderConfig {
        resolutions: resolutions.to_vec(),
        ..LadderConfig::default()
    }
}

/// What a playlist line is, without its values: two playlists have the same shape when their
/// lines have the same kinds in the same order.
fn line_kind(line: &str) -> String {
    if let Some(attrs) = line.strip_prefix("#EXT-X-STREAM-INF:") {
        // Attribute names in order, e.g. STREAM-INF[BANDWIDTH,RESOLUTION,FRAME-RATE,CODECS].
        let names: Vec<&str> = attrs
            .split(',')
            .filter_map(|kv| kv.split_once('=').map(|(k, _)| k))
            .filter(|k| k.chars().all(|c| c.is_ascii_uppercase() || c == '-'))
            .collect();
        return format!("STREAM-INF[{}]", names.join(","));
    }
    for tag in [
        "#EXT-X-MAP:",
        "#EXTINF:",
        "#EXT-X-BYTERANGE:",
        "#EXT-X-TARGETDURATION:",
    ] {
        if line.starts_with(tag) {
            return tag.to_string();
        }
    }
    if line.ends_with("-fragmented.mp4") {
        return "FRAGMENT".into();
    }
    if line.ends_with(".m3u8") {
        return "VARIANT".into();
    }
    line.to_string()
}

/// `<uuid>-<res>.m3u8` / `<uuid>-<res>-fragmented.mp4`, as PeerTube names them.
fn is_peertube_name(name: &str, resolution: u32, suffix: &str) -> bool {
    let Some(stem) = name.strip_suffix(&format!("-{resolution}{suffix}")) else {
        return false;
    };
    let groups: Vec<&str> = stem.split('-').collect();
    groups.iter().map(|g| g.len()).collect::<Vec<_>>() == vec![8, 4, 4, 4, 12]
        && groups
            .iter()
            .all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn check_variant(o: &Output) -> Vec<f64> {
    let text = std::fs::read_to_string(&o.playlist).expect("playlist");
    let fragment = o
        .fragmented
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let playlist_name = o.playlist.file_name().expect("name").to_string_lossy();
    assert!(is_peertube_name(&playlist_name, o.resolution, ".m3u8"));
    assert!(is_peertube_name(&fragment, o.resolution, "-fragmented.mp4"));

    // Same shape as PeerTube's variant playlist: header, init section, then segment triplets.
    let fixture: Vec<String> = common::fixture("variant.m3u8")
        .lines()
        .map(line_kind)
        .collect();
    let ours: Vec<String> = text.lines().map(line_kind).collect();
    assert_eq!(ours[..6], fixture[..6], "header of {text}");
    assert_eq!(ours.last(), fixture.last());
    for triplet in ours[6..ours.len() - 1].chunks(3) {
        assert_eq!(triplet, &fixture[6..9], "segment lines of {text}");
    }

    // Byte ranges tile the file, right after the init section, and stay inside it.
    let parsed = parse_variant_playlist(&text).expect("parse");
    assert_eq!(parsed.map_uri.as_deref(), Some(fragment.as_str()));
    let (map_offset, map_length) = parsed.map_range.expect("map range");
    assert_eq!(map_offset, 0);
    let mut next = map_length;
    for s in &parsed.segments {
        assert_eq!(s.uri, fragment);
        assert_eq!(s.offset, next, "contiguous ranges");
        next = s.offset + s.length;
    }
    assert_eq!(next, o.size, "last range ends at the end of the file");
    assert_eq!(
        std::fs::metadata(&o.fragmented).expect("meta").len(),
        o.size
    );
    parsed.segments.iter().map(|s| s.duration).collect()
}

#[tokio::test]
async fn transcodes_a_ladder_in_peertubes_shape() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = tempfile::tempdir().expect("tempdir");
    // MPEG-4 part 2 so that 360p is encoded too, not copied; 9 s so there are several segments.
    let clip = common::mpeg4_clip(dir.path(), "clip.mp4", 640, 360, 9);
    let p = probe(&clip).await.expect("probe");
    let pl = plan(&p, &ladder(&[360, 240]));
    assert_eq!(pl.renditions.len(), 2);
    assert!(pl.renditions.iter().all(|r| !r.copy_video));
    assert_eq!(pl.audio, AudioPlan::Copy);

    let seen = Mutex::new(Vec::new());
    let report = |f: f32| seen.lock().expect("lock").push(f);
    let outputs = transcode(&clip, out.path(), &pl, &pl.renditions, &report)
        .await
        .expect("transcode");
    let seen = seen.into_inner().expect("lock");
    assert!(seen.len() >= 2, "progress reported: {seen:?}");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "monotonic: {seen:?}");
    assert_eq!(seen.last(), Some(&1.0));

    assert_eq!(outputs.len(), 2);
    let mut durations = Vec::new();
    for o in &outputs {
        assert!(o.has_video && o.has_audio);
        assert_eq!(common::video_size(&o.fragmented), (o.width, o.height));
        assert!(o.codecs.starts_with("avc1.64") && o.codecs.ends_with(",mp4a.40.2"));
        assert!(o.bandwidth > 0 && o.web_video.is_none());
        durations.push(check_variant(o));
    }
    assert_eq!((outputs[0].width, outputs[0].height), (640, 360));
    assert_eq!((outputs[1].width, outputs[1].height), (426, 240));
    // Keyframes are forced at the same instants: both renditions cut segments at the same times.
    assert!(durations[0].len() >= 2, "several segments: {durations:?}");
    assert_eq!(durations[0], durations[1]);
    assert!(
        durations[0][..durations[0].len() - 1]
            .iter()
            .all(|d| (d - 4.0).abs() < 0.01)
    );

    // Master playlist: the fixture's exact header, then one entry per rendition, lowest first,
    // with the same attributes in the same order.
    let master = out.path().join("master.m3u8");
    write_master_playlist(&outputs, &master).expect("master");
    let text = std::fs::read_to_string(&master).expect("read");
    let fixture = common::fixture("master.m3u8");
    let fixture_kinds: Vec<String> = fixture.lines().map(line_kind).collect();
    let ours: Vec<String> = text.lines().map(line_kind).collect();
    assert_eq!(ours[..5], fixture_kinds[..5]);
    assert_eq!(ours.len(), 5 + 2 * outputs.len());
    for pair in ours[5..].chunks(2) {
        assert_eq!(pair, &fixture_kinds[5..7]);
    }
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[5].contains("RESOLUTION=426x240,FRAME-RATE=30,CODECS=\"avc1."));
    assert!(lines[7].contains("RESOLUTION=640x360,"));
    assert_eq!(
        lines[6],
        outputs[1]
            .playlist
            .file_name()
            .expect("name")
            .to_string_lossy()
    );
    assert!(text.ends_with(".m3u8\n"));

    // Segment hashes: same JSON shape as the fixture, and every hash verifies.
    let sha = out.path().join("segments-sha256.json");
    write_segments_sha256(&outputs, &sha).expect("sha");
    let doc: BTreeMap<String, BTreeMap<String, String>> =
        serde_json::from_str(&std::fs::read_to_string(&sha).expect("read")).expect("json");
    let fixture_doc: BTreeMap<String, BTreeMap<String, String>> =
        serde_json::from_str(&common::fixture("segments-sha256.json")).expect("fixture json");
    assert!(fixture_doc.keys().all(|k| k.ends_with("-fragmented.mp4")));
    assert_eq!(doc.len(), outputs.len());
    for o in &outputs {
        let name = o.fragmented.file_name().expect("name").to_string_lossy();
        let ranges = doc.get(name.as_ref()).expect("entry per fragmented file");
        let bytes = std::fs::read(&o.fragmented).expect("read");
        let playlist = parse_variant_playlist(&std::fs::read_to_string(&o.playlist).expect("read"))
            .expect("parse");
        assert_eq!(ranges.len(), playlist.segments.len());
        for s in &playlist.segments {
            let key = format!("{}-{}", s.offset, s.offset + s.length - 1);
            let start = usize::try_from(s.offset).expect("offset");
            let end = start + usize::try_from(s.length).expect("length");
            let hash = hex::encode(Sha256::digest(&bytes[start..end]));
            assert_eq!(ranges.get(&key), Some(&hash), "{name} {key}");
        }
    }
}

#[tokio::test]
async fn copies_a_source_that_fits_and_writes_web_videos() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = tempfile::tempdir().expect("tempdir");
    let clip = common::h264_clip(dir.path(), "clip.mp4", 320, 180, 3);
    let p = probe(&clip).await.expect("probe");
    let config = LadderConfig {
        resolutions: vec![144],
        web_videos: true,
        ..LadderConfig::default()
    };
    let pl = plan(&p, &config);
    assert_eq!(pl.renditions.len(), 2);
    assert!(
        pl.renditions[0].copy_video,
        "h264 320x180 at a low bitrate fits"
    );
    let (first, rest) = phases(&pl);
    assert_eq!(first[0].resolution, 180);

    let copied = transcode(&clip, out.path(), &pl, &first, &|_| {})
        .await
        .expect("phase 1");
    let encoded = transcode(&clip, out.path(), &pl, &rest, &|_| {})
        .await
        .expect("phase 2");
    assert_eq!(copied.len(), 1);
    assert_eq!(encoded.len(), 1);
    assert_eq!(common::video_size(&copied[0].fragmented), (320, 180));
    assert_eq!(common::video_size(&encoded[0].fragmented), (256, 144));
    for o in copied.iter().chain(&encoded) {
        check_variant(o);
        let web = o.web_video.as_ref().expect("web video");
        assert!(is_peertube_name(
            &web.file_name().expect("name").to_string_lossy(),
            o.resolution,
            ".mp4"
        ));
        assert_eq!(common::video_size(web), (o.width, o.height));
    }
}

async fn transcode_audio_only(file: &Path) {
    let out = tempfile::tempdir().expect("tempdir");
    let p = probe(file).await.expect("probe");
    assert!(!p.has_video && p.has_audio);
    let pl = plan(&p, &LadderConfig::default());
    assert!(pl.audio_only_source);
    assert_eq!(pl.renditions.len(), 1);
    let outputs = transcode(file, out.path(), &pl, &pl.renditions, &|_| {})
        .await
        .expect("transcode");
    assert_eq!(outputs.len(), 1);
    let o = &outputs[0];
    assert!(o.has_video && o.has_audio, "{o:?}");
    assert_eq!(common::video_size(&o.fragmented), (854, 480));
    assert!(o.codecs.starts_with("avc1.") && o.codecs.contains("mp4a.40.2"));
    let durations = check_variant(o);
    let total: f64 = durations.iter().sum();
    assert!(
        (total - p.duration).abs() < 0.5,
        "{total} vs {}",
        p.duration
    );
}

#[tokio::test]
async fn audio_only_mp3_becomes_a_video_with_a_still_picture() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mp3 = dir.path().join("song.mp3");
    common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=330:d=3",
        "-c:a",
        "libmp3lame",
        "-b:a",
        "96k",
        mp3.to_str().expect("utf-8"),
    ]);
    transcode_audio_only(&mp3).await;
}

#[tokio::test]
async fn audio_only_aac_becomes_a_video_with_a_still_picture() {
    let dir = tempfile::tempdir().expect("tempdir");
    let m4a = dir.path().join("song.m4a");
    common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=330:d=3",
        "-c:a",
        "aac",
        "-b:a",
        "96k",
        "-ac",
        "2",
        m4a.to_str().expect("utf-8"),
    ]);
    transcode_audio_only(&m4a).await;
}

#[tokio::test]
async fn a_rotated_phone_video_stays_upright() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = tempfile::tempdir().expect("tempdir");
    let landscape = common::h264_clip(dir.path(), "landscape.mp4", 640, 360, 2);
    let rotated = dir.path().join("rotated.mp4");
    common::ffmpeg(&[
        "-i",
        landscape.to_str().expect("utf-8"),
        "-c",
        "copy",
        "-metadata:s:v:0",
        "rotate=90",
        rotated.to_str().expect("utf-8"),
    ]);
    let p = probe(&rotated).await.expect("probe");
    assert_eq!(
        (p.width, p.height),
        (360, 640),
        "display size after rotation"
    );
    let pl = plan(&p, &ladder(&[240]));
    let sizes: Vec<(u32, u32, bool)> = pl
        .renditions
        .iter()
        .map(|r| (r.width, r.height, r.copy_video))
        .collect();
    assert_eq!(sizes, vec![(360, 640, true), (240, 426, false)]);
    let outputs = transcode(&rotated, out.path(), &pl, &pl.renditions[1..], &|_| {})
        .await
        .expect("transcode");
    // ffmpeg turns the pictures upright before scaling: a portrait 240p, no rotation left.
    assert_eq!(common::video_size(&outputs[0].fragmented), (240, 426));
}

#[tokio::test]
async fn audio_only_adts_aac_is_copied_into_mp4() {
    let dir = tempfile::tempdir().expect("tempdir");
    let aac = dir.path().join("song.aac");
    common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=330:d=3",
        "-c:a",
        "aac",
        "-b:a",
        "96k",
        "-ac",
        "2",
        aac.to_str().expect("utf-8"),
    ]);
    let p = probe(&aac).await.expect("probe");
    assert_eq!(plan(&p, &LadderConfig::default()).audio, AudioPlan::Copy);
    transcode_audio_only(&aac).await;
}

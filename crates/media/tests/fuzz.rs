//! Hostile input for the crate's readers of what ffprobe and ffmpeg print about an uploaded
//! file: `read_probe` (ffprobe's JSON made into a `Probe`, all of `probe` but running ffprobe
//! and the MP4 tail check), the progress line parser, and the readers of ffprobe's error output
//! (`refused_format`, `reason_from_ffprobe`, `last_lines`).
//!
//! Seeds are real ffprobe outputs, `tests/fixtures/ffprobe/` (see the README there: an H.264 +
//! AAC MP4 at 29.97 fps, an MP3 with cover art, a rotated phone clip, a VP9 + Opus WebM, an
//! anamorphic MPEG-2 TS). Each case mutates one, either with the workspace's mutation engine
//! (keys deleted, values of other JSON types, very long strings, deep nesting, numbers beyond
//! f64, duplicated keys, broken bytes) or by putting numbers at the edges in the fields the
//! reader uses (huge, negative, `NaN`, `1/0`, `0/0`…). Properties: no panic, no slow case;
//! an error's message stays within a fixed multiple of the input; what is accepted is sane
//! (a finite duration of at most a year, a picture of 1 to 16384 pixels a side, a frame rate of
//! 0, "unknown", or of 0.1 to 1000, a rotation in 0..360) and the ladder planned from it has
//! no empty picture, no absurd rate and no bitrate that overflows.
//!
//! Bounded: the file takes a few seconds in a debug build. `RUCHE_FUZZ_CASES=<n>` sets every
//! property's count for a longer run: `RUCHE_FUZZ_CASES=20000 cargo test -p ruche-media --test
//! fuzz`.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use proptest::prelude::*;
use ruche_media::{
    AudioPlan, LadderConfig, MediaError, Probe, last_lines, parse_progress_line, plan, read_probe,
    reason_from_ffprobe, refused_format,
};
use ruche_mutate as mutate;
use serde_json::{Value, json};

/// Largest width or height `read_probe` accepts, as displayed.
const MAX_SIDE: u32 = 16_384;
/// Longest duration `read_probe` accepts, in seconds: a year.
const MAX_DURATION: f64 = 365.0 * 24.0 * 3600.0;
/// Frame rates `read_probe` gives a video stream whose rate it could read.
const FPS: std::ops::RangeInclusive<f64> = 0.1..=1000.0;
/// Time one call may take, however hostile its input: far above what any input here needs in
/// a debug build on a busy machine, far below what a loop or a quadratic reading would take.
const SLOW: Duration = Duration::from_secs(5);

use ruche_mutate::config;

/// Every ffprobe output of `tests/fixtures/ffprobe/`, by file name.
fn fixtures() -> &'static [(String, Value)] {
    static ALL: std::sync::LazyLock<Vec<(String, Value)>> = std::sync::LazyLock::new(|| {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ffprobe");
        let mut files: Vec<_> = std::fs::read_dir(root)
            .unwrap()
            .map(|f| f.unwrap().path())
            .filter(|f| f.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        assert!(files.len() >= 4, "the ffprobe fixtures are missing");
        files
            .iter()
            .map(|f| {
                let name = f.file_name().unwrap().to_string_lossy().into_owned();
                (
                    name,
                    serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap(),
                )
            })
            .collect()
    });
    &ALL
}

fn fixture(name: &str) -> &'static Value {
    &fixtures().iter().find(|(n, _)| n == name).unwrap().1
}

/// Reads `input` as ffprobe's output about a file of `size` bytes, and checks the answer
/// whatever it is: quick, an error of bounded length, or a sane `Probe`.
fn check(input: &[u8], size: u64) -> Result<(), TestCaseError> {
    let started = Instant::now();
    let read = read_probe(input, size);
    prop_assert!(
        started.elapsed() < SLOW,
        "{:?} for {} bytes",
        started.elapsed(),
        input.len()
    );
    match read {
        Ok((p, _)) => sane(&p, input.len(), size),
        Err(e) => {
            let message = e.to_string();
            prop_assert!(
                message.len() <= 4 * input.len() + 1_000,
                "{} bytes of message for {} bytes of input",
                message.len(),
                input.len()
            );
            prop_assert!(
                !matches!(e, MediaError::Io(_) | MediaError::DiskFull),
                "{e}"
            );
            Ok(())
        }
    }
}

/// What an accepted `Probe` promises, and what the ladder made from it promises.
fn sane(p: &Probe, input_len: usize, size: u64) -> Result<(), TestCaseError> {
    prop_assert_eq!(p.size, size);
    prop_assert!(
        p.duration.is_finite() && (0.0..=MAX_DURATION).contains(&p.duration),
        "duration {}",
        p.duration
    );
    prop_assert!(p.has_video || p.has_audio);
    prop_assert_eq!(p.has_video, p.video_stream_index.is_some());
    prop_assert_eq!(p.has_audio, p.audio_stream_index.is_some());
    if p.has_video {
        prop_assert!(
            (1..=MAX_SIDE).contains(&p.width) && (1..=MAX_SIDE).contains(&p.height),
            "{}x{}",
            p.width,
            p.height
        );
        prop_assert!(p.fps == 0.0 || FPS.contains(&p.fps), "fps {}", p.fps);
        prop_assert!((0..360).contains(&p.rotation), "rotation {}", p.rotation);
    } else {
        prop_assert_eq!((p.width, p.height, p.rotation), (0, 0, 0));
        prop_assert!(p.fps == 0.0 && p.video_codec.is_none() && p.video_bitrate.is_none());
    }
    for b in [p.bitrate, p.video_bitrate, p.audio_bitrate]
        .into_iter()
        .flatten()
    {
        prop_assert!(b > 0);
    }
    for s in [
        &p.video_codec,
        &p.pix_fmt,
        &p.audio_codec,
        &p.audio_channel_layout,
    ]
    .into_iter()
    .flatten()
    {
        prop_assert!(s.len() <= input_len);
    }

    // The ladder is computed from what was accepted, with the figures an uploader controls.
    let every = LadderConfig {
        resolutions: vec![144, 240, 360, 480, 720, 1080, 1440, 2160],
        ..LadderConfig::default()
    };
    for c in [LadderConfig::default(), every] {
        let ladder = plan(p, &c);
        prop_assert!(ladder.duration.is_finite() && ladder.source_fps.is_finite());
        for r in &ladder.renditions {
            // A side of 1 pixel is scaled to 2, so the other may double (a copied source keeps
            // its odd sides).
            let sides = 1..=2 * MAX_SIDE;
            prop_assert!(
                sides.contains(&r.width) && sides.contains(&r.height),
                "{r:?} of {p:?}"
            );
            // The source's own rate, or a lower one; none above the configured cap.
            prop_assert!((0.1..=c.max_fps + 0.5).contains(&r.fps), "{r:?} of {p:?}");
            // transcode gives ffmpeg `-bufsize` = 2 × maxrate.
            prop_assert!(r.maxrate > 0 && r.maxrate.checked_mul(2).is_some(), "{r:?}");
        }
        if let AudioPlan::Encode { bitrate } = ladder.audio {
            prop_assert!((32_000..=384_000).contains(&bitrate), "{bitrate}");
        }
    }
    Ok(())
}

/// Numbers at the edges as ffprobe writes most of them (in strings), and the other strings of
/// the fields the reader uses.
fn edge_text() -> impl Strategy<Value = String> {
    let texts = [
        "0",
        "-0",
        "1",
        "-1",
        "0.5",
        "1e308",
        "1e309",
        "-1e308",
        "1e-320",
        "4.9e-324",
        "NaN",
        "nan",
        "inf",
        "-inf",
        "Infinity",
        "N/A",
        "",
        " ",
        "  2.5  ",
        "2.5s",
        "0x10",
        "1_000",
        "１２",
        "5\u{0}",
        "4294967295",
        "4294967296",
        "9223372036854775807",
        "9223372036854775808",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "31536000",
        "31536000.001",
        "1/0",
        "0/0",
        "0/1",
        "1/1",
        "30000/1001",
        "90000/1",
        "1000/1",
        "1001/1",
        "1/10",
        "1/11",
        "1/18446744073709551615",
        "18446744073709551615/1",
        "18446744073709551615/18446744073709551615",
        "-30/1",
        "30/-1",
        "30:1",
        "1:1",
        "64:45",
        "1000:1",
        "4294967295:1",
        "1:4294967295",
        "1/2/3",
        "/",
        ":",
        "1e3/1",
        " 25 / 1 ",
        "-90",
        "90",
        "-270",
        "450",
        "89.5",
        "-0.4",
        "1e300",
        "video",
        "audio",
        "subtitle",
        "data",
        "h264",
        "mjpeg",
        "png",
        "aac",
        "gif",
        "mov,mp4,m4a,3gp,3g2,mj2",
        "matroska,webm",
        "mp3",
        "mpegts",
        "hls",
        "concat",
        "image2",
        ",",
        " mov ",
    ];
    prop_oneof![
        6 => prop::sample::select(texts.to_vec()).prop_map(str::to_string),
        1 => any::<f64>().prop_map(|f| f.to_string()),
        1 => (0.0..1e9_f64).prop_map(|f| f.to_string()),
        1 => any::<u64>().prop_map(|n| n.to_string()),
        1 => (any::<u64>(), any::<u64>()).prop_map(|(n, d)| format!("{n}/{d}")),
        1 => (0u64..100_000, 0u64..100_000).prop_map(|(n, d)| format!("{n}:{d}")),
        1 => (0u64..100_000, 1u64..2_000).prop_map(|(n, d)| format!("{n}/{d}")),
        1 => Just("9".repeat(5_000)),
        1 => Just(format!("0.{}1", "0".repeat(400))),
        1 => mutate::hostile_string(),
    ]
}

/// Numbers at the edges as JSON numbers, for the fields ffprobe writes so.
fn edge_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        2 => prop::sample::select(vec![
            0u64, 1, 2, 255, 256, 16_384, 16_385, 65_535, 4_294_967_295, 4_294_967_296,
        ])
        .prop_map(Value::from),
        1 => (0u32..20_000).prop_map(Value::from),
        1 => any::<u32>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<f64>().prop_map(Value::from),
        1 => prop::sample::select(vec![-1.0, 0.5, -90.0, 90.4, 1e300, -1e300, 89.5, 270.4])
            .prop_map(Value::from),
    ]
}

/// The fields the reader uses, in the format and in a stream, and whether ffprobe writes them
/// as JSON numbers (else as strings).
const FORMAT_FIELDS: &[(&str, bool)] = &[
    ("format_name", false),
    ("duration", false),
    ("bit_rate", false),
];
const STREAM_FIELDS: &[(&str, bool)] = &[
    ("index", true),
    ("codec_name", false),
    ("codec_type", false),
    ("width", true),
    ("height", true),
    ("pix_fmt", false),
    ("sample_aspect_ratio", false),
    ("avg_frame_rate", false),
    ("r_frame_rate", false),
    ("duration", false),
    ("bit_rate", false),
    ("channel_layout", false),
    ("disposition/attached_pic", true),
    ("tags/rotate", false),
    ("side_data_list/0/rotation", true),
];

/// One field of a fixture set to an edge value: in the format or in a stream (modulo their
/// number), which field, its value as a string and as a number, and now and then a value of
/// another kind altogether.
#[derive(Debug, Clone)]
struct FieldEdit {
    stream: Option<usize>,
    field: usize,
    text: String,
    number: Value,
    other: Option<Value>,
}

fn field_edit() -> impl Strategy<Value = FieldEdit> {
    (
        prop::option::weighted(0.8, any::<usize>()),
        any::<usize>(),
        edge_text(),
        edge_number(),
        prop::option::weighted(0.05, mutate::hostile_value()),
    )
        .prop_map(|(stream, field, text, number, other)| FieldEdit {
            stream,
            field,
            text,
            number,
            other,
        })
}

fn set_field(doc: &mut Value, edit: &FieldEdit) {
    let (mut node, (path, numeric)) = match edit.stream {
        None => (
            &mut doc["format"],
            FORMAT_FIELDS[edit.field % FORMAT_FIELDS.len()],
        ),
        Some(i) => {
            let Some(streams) = doc["streams"].as_array_mut().filter(|s| !s.is_empty()) else {
                return;
            };
            let n = streams.len();
            (
                &mut streams[i % n],
                STREAM_FIELDS[edit.field % STREAM_FIELDS.len()],
            )
        }
    };
    let value = match (&edit.other, numeric) {
        (Some(other), _) => other.clone(),
        (None, true) => edit.number.clone(),
        (None, false) => Value::from(edit.text.as_str()),
    };
    let steps: Vec<&str> = path.split('/').collect();
    for step in &steps {
        node = match step.parse::<usize>() {
            Ok(i) => {
                if !node.is_array() {
                    *node = json!([]);
                }
                let items = node.as_array_mut().unwrap();
                while items.len() <= i {
                    items.push(json!({}));
                }
                &mut items[i]
            }
            Err(_) => {
                if !node.is_object() {
                    *node = json!({});
                }
                &mut node[*step]
            }
        };
    }
    *node = value;
}

/// Hostile text as ffmpeg's error output or progress output could carry it.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => mutate::hostile_string(),
        2 => prop::collection::vec(any::<u8>(), 0..600)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        1 => "[\\x00-\\x1f\\x7f\\u{85}\\u{2028}]{0,300}",
        1 => "(\r|\n|\r\n| |\t){0,200}",
        1 => Just("x".repeat(300_000)),
        1 => Just("a\n".repeat(50_000)),
        1 => Just("\n".repeat(100_000)),
        1 => Just("a\r".repeat(50_000)),
        1 => Just("Format not on whitelist ".repeat(5_000)),
        1 => Just("moov atom not found\n".repeat(1_000)),
        1 => (mutate::hostile_string(), mutate::hostile_string())
            .prop_map(|(name, rest)| format!("[{name} @ 0x55d] Format not on whitelist '{rest}'")),
        1 => (mutate::hostile_string(), mutate::hostile_string())
            .prop_map(|(a, b)| format!("{a}\n[mov @ 0x1] {b}\nInvalid data found\n{b}{a}")),
    ]
}

proptest! {
    #![proptest_config(config(1_000))]

    /// Real ffprobe outputs mutated by the shared engine.
    #[test]
    fn mutated_ffprobe_outputs(seed in 0..100usize, edits in mutate::ops(), size in any::<u64>()) {
        let (_, original) = &fixtures()[seed % fixtures().len()];
        let bytes = mutate::apply(original, &edits);
        check(&bytes, size)?;
    }

    /// Real ffprobe outputs with the fields the reader uses set to numbers at the edges, and
    /// some mutations besides.
    #[test]
    fn edge_values(
        seed in 0..100usize,
        fields in prop::collection::vec(field_edit(), 1..8),
        edits in prop::option::weighted(0.2, mutate::ops()),
    ) {
        let (_, original) = &fixtures()[seed % fixtures().len()];
        let mut doc = original.clone();
        for f in &fields {
            set_field(&mut doc, f);
        }
        let bytes = match edits {
            Some(edits) => mutate::apply(&doc, &edits),
            None => serde_json::to_vec(&doc).unwrap(),
        };
        check(&bytes, 1_000)?;
    }
}

proptest! {
    #![proptest_config(config(500))]

    /// Bytes that are not ffprobe's JSON at all, or only start like it.
    #[test]
    fn arbitrary_bytes(
        prefix in prop::sample::select(vec!["", "{", "{\"streams\":[", "{\"streams\":[{\"index\":0,"]),
        bytes in prop::collection::vec(any::<u8>(), 0..2_048),
    ) {
        let input = [prefix.as_bytes(), &bytes].concat();
        check(&input, 1)?;
        check(String::from_utf8_lossy(&input).as_bytes(), 1)?;
    }

    /// The progress line parser: `None`, or a fraction in 0..=1, for any line and any duration.
    #[test]
    fn progress_lines(
        line in prop_oneof![
            hostile_text(),
            hostile_text().prop_map(|t| format!("out_time_us={t}")),
            edge_text().prop_map(|t| format!("out_time_us={t}")),
            Just("progress=end".to_string()),
            Just(" progress=end\r".to_string()),
        ],
        duration in prop_oneof![
            any::<f64>(),
            0.0..100_000.0,
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(f64::MIN_POSITIVE),
            Just(5e-324),
            Just(-1.0),
            Just(0.0),
        ],
    ) {
        let started = Instant::now();
        let fraction = parse_progress_line(&line, duration);
        prop_assert!(started.elapsed() < SLOW);
        if let Some(f) = fraction {
            prop_assert!((0.0..=1.0).contains(&f), "{f} from {line:?} over {duration}");
        }
        if line.trim() == "progress=end" {
            prop_assert_eq!(fraction, Some(1.0));
        }
    }

}

proptest! {
    #![proptest_config(config(300))]

    /// The readers of ffprobe's error output: quick, and no longer than what they read (plus
    /// their own words).
    #[test]
    fn error_output(stderr in hostile_text(), n in prop_oneof![0..4usize, any::<usize>()]) {
        let started = Instant::now();

        let tail = last_lines(&stderr, n);
        prop_assert!(tail.len() <= stderr.len() + n.min(stderr.len()));
        prop_assert!(!tail.contains('\n'));
        prop_assert_eq!(tail.trim(), tail.as_str());
        if n == 0 {
            prop_assert!(tail.is_empty());
        }

        let reason = reason_from_ffprobe(&stderr);
        prop_assert!(reason.len() <= stderr.len() + 200, "{} bytes", reason.len());
        prop_assert!(reason.ends_with('.'), "{reason:?}");

        let refused = refused_format(&stderr);
        prop_assert_eq!(refused.is_some(), stderr.contains("not on whitelist"));
        if let Some(what) = refused {
            prop_assert!(what.len() <= 200, "{what:?}");
            if let Some(name) = what
                .strip_prefix("in the “")
                .and_then(|w| w.strip_suffix("” format"))
            {
                prop_assert!(
                    name.len() <= 40
                        && name
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ',')),
                    "{name:?}"
                );
            }
            let e = MediaError::UnacceptedFormat(what).to_string();
            prop_assert!(e.len() <= 400);
        }
        prop_assert!(started.elapsed() < SLOW);
    }
}

/// The seeds themselves read as what they are.
#[test]
fn fixtures_read_as_their_files() {
    let read = |name: &str| read_probe(&serde_json::to_vec(fixture(name)).unwrap(), 1234).unwrap();

    let (p, mp4) = read("clip-mp4.json");
    assert!(mp4 && p.has_video && p.has_audio);
    assert_eq!((p.width, p.height, p.rotation), (640, 360, 0));
    assert!((p.fps - 30000.0 / 1001.0).abs() < 1e-9);
    assert_eq!(p.size, 1234);

    let (p, mp4) = read("song-mp3.json");
    assert!(
        !mp4 && !p.has_video && p.has_audio,
        "the cover art is no video"
    );
    assert_eq!((p.width, p.height, p.fps), (0, 0, 0.0));
    assert_eq!(p.audio_codec.as_deref(), Some("mp3"));

    let (p, mp4) = read("phone-mov.json");
    assert!(mp4 && p.has_video);
    assert_eq!((p.width, p.height, p.rotation), (1080, 1920, 90));

    let (p, mp4) = read("clip-webm.json");
    assert!(!mp4 && p.has_video && p.has_audio);
    assert_eq!((p.width, p.height, p.fps), (426, 240, 25.0));
    assert_eq!(p.video_codec.as_deref(), Some("vp9"));

    let (p, _) = read("dv-ts.json");
    assert_eq!((p.width, p.height), (1024, 576), "720 × 64/45 as displayed");
}

/// Nesting and width far beyond any ffprobe output, in the fields the reader uses and in the
/// ones it ignores.
#[test]
fn deep_and_wide_documents() {
    let clip = fixture("clip-mp4.json");
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let deep_objects = |n: usize| format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n));
    let text = serde_json::to_string(clip).unwrap();
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    for raw in [deep(127), deep(129), deep(200_000), deep_objects(100_000)] {
        // In an ignored field, in a used one, as a stream, as the whole document.
        inputs.push(
            text.replacen("\"profile\":", &format!("\"x\":{raw},\"profile\":"), 1)
                .into(),
        );
        inputs.push(
            text.replacen(
                "\"codec_name\":",
                &format!("\"codec_name\":{raw},\"y\":"),
                1,
            )
            .into(),
        );
        inputs.push(
            text.replacen("\"streams\":[", &format!("\"streams\":[{raw},"), 1)
                .into(),
        );
        inputs.push(
            text.replacen(
                "\"tags\":",
                &format!("\"tags\":{{\"rotate\":{raw}}},\"z\":"),
                1,
            )
            .into(),
        );
        inputs.push(raw.into_bytes());
    }

    // 5 000 streams, then 50 000 keys in the format, then a 2 MB codec name and a width of a
    // million digits.
    let mut wide = clip.clone();
    let stream = wide["streams"][1].clone();
    wide["streams"]
        .as_array_mut()
        .unwrap()
        .extend(std::iter::repeat_n(stream, 5_000));
    inputs.push(serde_json::to_vec(&wide).unwrap());
    let mut wide = clip.clone();
    for i in 0..50_000 {
        wide["format"][format!("k{i}")] = json!(i);
    }
    inputs.push(serde_json::to_vec(&wide).unwrap());
    let mut long = clip.clone();
    long["streams"][0]["codec_name"] = json!("h".repeat(2_000_000));
    inputs.push(serde_json::to_vec(&long).unwrap());
    let mut long = clip.clone();
    long["streams"][0]["width"] = json!("9".repeat(1_000_000));
    inputs.push(serde_json::to_vec(&long).unwrap());

    for input in &inputs {
        check(input, 1)
            .map_err(|e| format!("{e} ({} bytes)", input.len()))
            .unwrap();
    }
}

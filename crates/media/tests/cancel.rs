//! Dropping a running `transcode` future must kill its ffmpeg: a cancelled or timed-out job may
//! not leave an encoder running. This test is alone in its binary so that no other test's
//! ffmpeg is mistaken for a leftover.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ruche_media::{LadderConfig, plan, probe, transcode};

/// Live (non-zombie) children of this test process whose command is ffmpeg.
fn ffmpeg_children() -> Vec<u32> {
    let me = std::process::id();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // "pid (comm) state ppid ...": comm may hold spaces, so split after the last ')'.
        let Some((head, tail)) = stat.rsplit_once(')') else {
            continue;
        };
        let comm = head.split_once('(').map_or("", |(_, c)| c);
        let fields: Vec<&str> = tail.split_whitespace().collect();
        let (state, ppid) = (fields.first().copied(), fields.get(1).copied());
        if comm == "ffmpeg" && ppid == Some(&me.to_string()) && state != Some("Z") {
            found.push(pid);
        }
    }
    found
}

#[tokio::test]
async fn dropping_the_future_kills_ffmpeg() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = tempfile::tempdir().expect("tempdir");
    let clip = common::mpeg4_clip(dir.path(), "long.mp4", 640, 360, 30);
    let p = probe(&clip).await.expect("probe");
    let pl = plan(&p, &LadderConfig::default());

    let started = AtomicBool::new(false);
    let report = |f: f32| {
        if f > 0.0 {
            started.store(true, Ordering::SeqCst);
        }
    };
    let job = transcode(&clip, out.path(), &pl, &pl.renditions, &report);
    let wait_started = async {
        while !started.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        ffmpeg_children()
    };
    let running = tokio::select! {
        result = job => panic!("a 30 s ladder finished before it could be cancelled: {result:?}"),
        pids = wait_started => pids,
    };
    assert_eq!(
        running.len(),
        1,
        "one ffmpeg for the whole ladder: {running:?}"
    );
    // The select! dropped the transcode future: its ffmpeg must go away.
    let mut left = ffmpeg_children();
    for _ in 0..100 {
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        left = ffmpeg_children();
    }
    assert!(left.is_empty(), "ffmpeg still running: {left:?}");
}

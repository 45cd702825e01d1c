//! ffmpeg dies with the server. A server killed with `kill -9` used to leave its ffmpeg
//! encoding, and the restarted server ran the same job beside it. Here a helper process (this
//! test binary again, in helper mode) stands in for the server: it starts an ffmpeg through
//! the crate, the test kills the helper with SIGKILL and waits for that ffmpeg to be gone.
//! Also: each child leads its own process group and names its parent, strays whose parent is
//! gone are stopped by [`kill_strays`] (and only they), and a full disk is said as such.
//!
//! Linux only, like `PR_SET_PDEATHSIG`.
#![cfg(target_os = "linux")]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ruche_media::{MediaError, PARENT_ENV, kill_strays, web_video_from_fragmented};

const HELPER: &str = "RUCHE_MEDIA_TEST_HELPER_FIFO";

/// `(comm, state, ppid, pgrp)` of a process, from `/proc/<pid>/stat`.
fn stat(pid: u32) -> Option<(String, String, u32, u32)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (head, tail) = text.rsplit_once(')')?;
    let comm = head.split_once('(')?.1.to_string();
    let f: Vec<&str> = tail.split_whitespace().collect();
    Some((
        comm,
        f.first()?.to_string(),
        f.get(1)?.parse().ok()?,
        f.get(2)?.parse().ok()?,
    ))
}

/// Whether `pid` runs (a zombie has stopped running).
fn alive(pid: u32) -> bool {
    stat(pid).is_some_and(|(_, state, _, _)| state != "Z")
}

/// Live ffmpeg processes whose parent is `parent`.
fn ffmpeg_children_of(parent: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Some((comm, state, ppid, _)) = stat(pid)
            && comm == "ffmpeg"
            && ppid == parent
            && state != "Z"
        {
            found.push(pid);
        }
    }
    found
}

/// Polls `check` every 20 ms until it gives `Some`, failing with `what` after a minute.
fn wait_for<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The stand-in server: starts an ffmpeg through the crate that blocks for ever (it reads a FIFO
/// no one writes to) and waits. Does nothing unless run by the test below.
#[test]
fn helper_server() {
    let Some(fifo) = std::env::var_os(HELPER) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let out = Path::new(&fifo).with_extension("out.mp4");
    let _ = runtime.block_on(web_video_from_fragmented(Path::new(&fifo), &out));
    panic!("ffmpeg returned: it should have waited for its input until killed");
}

#[test]
fn ffmpeg_dies_with_its_server_and_leads_its_own_group() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("input.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());

    let mut helper = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "helper_server",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HELPER, &fifo)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("helper");
    let server = helper.id();
    let ffmpeg = wait_for("the helper's ffmpeg", || {
        ffmpeg_children_of(server).first().copied()
    });

    // Its own process group, and its parent named in its environment.
    let (_, _, _, pgrp) = stat(ffmpeg).expect("stat");
    assert_eq!(pgrp, ffmpeg, "ffmpeg leads its own process group");
    let environ = std::fs::read(format!("/proc/{ffmpeg}/environ")).expect("environ");
    let marker = format!("{PARENT_ENV}={server}:");
    assert!(
        environ
            .split(|b| *b == 0)
            .any(|v| v.starts_with(marker.as_bytes())),
        "ffmpeg's environment names its server"
    );

    // The server dies the hard way; its ffmpeg must follow.
    helper.kill().expect("SIGKILL the helper");
    helper.wait().expect("reap the helper");
    let deadline = Instant::now() + Duration::from_secs(30);
    while alive(ffmpeg) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let survived = alive(ffmpeg);
    if survived {
        let _ = Command::new("kill")
            .args(["-9", &ffmpeg.to_string()])
            .status();
    }
    assert!(!survived, "ffmpeg {ffmpeg} outlived its server");
}

/// A long, idle ffmpeg (it emits silence in real time) carrying `marker` as its parent.
fn idle_ffmpeg(marker: &str) -> std::process::Child {
    Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "quiet", "-re", "-f", "lavfi"])
        .args(["-i", "anullsrc=r=8000:cl=mono", "-f", "null", "-"])
        .env(PARENT_ENV, marker)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("ffmpeg")
}

#[test]
fn strays_of_a_dead_server_are_stopped_and_only_they() {
    // A pid that no longer runs: a process that came and went.
    let mut gone = Command::new("true").spawn().expect("true");
    let gone_pid = gone.id();
    gone.wait().expect("wait");
    let mut stray = idle_ffmpeg(&format!("{gone_pid}:1"));
    // A live server's child (this test process, with its real start time) stays.
    let me = std::fs::read_to_string("/proc/self/stat").expect("stat");
    let start = me
        .rsplit_once(')')
        .and_then(|(_, t)| t.split_whitespace().nth(19))
        .expect("start time")
        .to_string();
    let mut kept = idle_ffmpeg(&format!("{}:{start}", std::process::id()));
    wait_for("both ffmpegs to run", || {
        let running = |pid| stat(pid).is_some_and(|(comm, _, _, _)| comm == "ffmpeg");
        (running(stray.id()) && running(kept.id())).then_some(())
    });

    kill_strays();
    // (Another process using the crate may have stopped the stray first: either way it goes.)
    let status = wait_for("the stray to stop", || stray.try_wait().expect("try_wait"));
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(9), "the stray was killed");
    assert!(
        kept.try_wait().expect("try_wait").is_none(),
        "the live server's ffmpeg was left alone"
    );
    kept.kill().expect("kill");
    kept.wait().expect("wait");
}

#[tokio::test]
async fn a_full_disk_is_said_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clip = common::h264_clip(dir.path(), "clip.mp4", 160, 90, 1);
    // /dev/full answers every write with ENOSPC, as a full disk does.
    let e = web_video_from_fragmented(&clip, Path::new("/dev/full"))
        .await
        .expect_err("nothing can be written to /dev/full");
    assert!(matches!(e, MediaError::DiskFull), "{e:?}");
    assert_eq!(
        e.to_string(),
        "The server's disk is full, so the video could not be processed. It will be tried again once there is room."
    );
}

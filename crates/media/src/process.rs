//! Spawning ffmpeg and ffprobe. Every child is killed when the future that owns it is dropped,
//! so a cancelled job never leaves an encoder burning the CPU; error output is kept only as its
//! last lines, so a chatty child cannot fill memory.
//!
//! Children also die with the server: on Linux each one asks the kernel for `SIGKILL` when its
//! parent goes (`PR_SET_PDEATHSIG`), so a `kill -9` of the server leaves no ffmpeg encoding
//! beside the job that the restarted server takes up again. The kernel sends that signal when
//! the *thread* that forked the child ends, not the process, so children are forked by one
//! thread of ours that lives as long as the process ([`spawn`]). Each child leads its own
//! process group (a terminal's Ctrl-C or a signal to the server's group does not reach it half
//! way through a file), and carries in its environment which process started it
//! ([`PARENT_ENV`]), so that [`kill_strays`] can find one that outlived its server all the same
//! (started by an older release, or on a system without `PR_SET_PDEATHSIG`) and stop it.
//!
//! Whatever ffmpeg or ffprobe reads of an upload goes through [`INPUT_GUARD`]: local files only
//! (no network, no other protocol) and only the containers uploads may be in, so a "video" that
//! is an HLS playlist or a concat list naming the server's own files is refused rather than
//! published with their content.

use std::collections::VecDeque;
use std::process::{ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::MediaError;

/// How many lines of ffmpeg's error output we keep for the error message.
const STDERR_LINES: usize = 12;

/// Niceness of transcoding processes (PeerTube's `FFMPEG_NICE.VOD`): a long encode must never
/// make the web server, running on the same cores, slow to answer.
pub(crate) const NICE_TRANSCODE: u8 = 15;
/// Niceness of thumbnail extraction (PeerTube's `FFMPEG_NICE.THUMBNAIL`).
pub(crate) const NICE_THUMBNAIL: u8 = 10;

/// The demuxers (ffmpeg's names) an upload may be read with: the containers PeerTube accepts
/// (its `MIMETYPES.VIDEO` with additional extensions, and `MIMETYPES.AUDIO`).
///
/// | demuxer     | files                                              |
/// |-------------|----------------------------------------------------|
/// | `mov`       | .mp4 .m4v .mov .qt .mqv .3gp .3gpp .3g2 .f4v .m4a  |
/// | `matroska`  | .mkv .webm                                         |
/// | `ogg`       | .ogv .ogg .oga .opus                               |
/// | `flv`       | .flv                                               |
/// | `asf`       | .wmv .wma                                          |
/// | `avi`       | .avi                                               |
/// | `nut`       | .nut                                               |
/// | `mpegts`    | .ts .mts .m2ts                                     |
/// | `mpeg`      | .mpg .mpeg .mpe .vob                               |
/// | `mpegvideo` | .m1v .m2v .mpv                                     |
/// | `mxf`       | .mxf                                               |
/// | `mp3` `wav` `flac` `aac` `ac3` | the audio files of the same names   |
///
/// Left out on purpose: every playlist and list of other files (`hls`, `dash`, `concat`,
/// `webm_dash_manifest`…), which would make ffmpeg open files the upload names, and everything
/// else (pictures, raw streams, devices).
pub const UPLOAD_DEMUXERS: &[&str] = &[
    "mov",
    "matroska",
    "ogg",
    "flv",
    "asf",
    "avi",
    "nut",
    "mpegts",
    "mpeg",
    "mpegvideo",
    "mxf",
    "mp3",
    "wav",
    "flac",
    "aac",
    "ac3",
];

/// What precedes every input ffmpeg or ffprobe opens: local files only, and only through the
/// demuxers of [`UPLOAD_DEMUXERS`] (ffmpeg still recognises the format, but refuses to open any
/// other: "Format not on whitelist").
pub(crate) fn input_guard() -> [String; 4] {
    [
        "-protocol_whitelist".into(),
        "file".into(),
        "-format_whitelist".into(),
        UPLOAD_DEMUXERS.join(","),
    ]
}

/// Whether ffprobe's `format_name` (`mov,mp4,m4a,3gp,3g2,mj2`, `matroska,webm`, `hls`…) is one
/// of [`UPLOAD_DEMUXERS`].
pub(crate) fn demuxer_allowed(format_name: &str) -> bool {
    format_name
        .split(',')
        .any(|n| UPLOAD_DEMUXERS.contains(&n.trim()))
}

/// A `Command` for `program` (ffmpeg or ffprobe) run at the given niceness through `nice(1)`,
/// which execs the program in place (same pid, so killing it kills the program). Where `nice`
/// is not installed the program runs at normal priority.
pub(crate) fn niced(program: &str, niceness: u8) -> Command {
    static HAS_NICE: OnceLock<bool> = OnceLock::new();
    let has_nice = *HAS_NICE.get_or_init(|| {
        std::env::var_os("PATH").is_some_and(|paths| {
            std::env::split_paths(&paths).any(|dir| dir.join("nice").is_file())
        })
    });
    if has_nice && niceness > 0 {
        let mut cmd = Command::new("nice");
        cmd.arg("-n").arg(niceness.to_string()).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

/// The environment variable every child carries: `<pid>:<start time>` of the process that
/// started it (the start time, in clock ticks since boot, tells a live parent from a later
/// process that got the same pid).
pub const PARENT_ENV: &str = "RUCHE_MEDIA_PARENT";

/// Spawns `cmd` (its stdio already set) as a child that dies with this process, in its own
/// process group, marked with [`PARENT_ENV`]. The fork happens on the spawner thread, which
/// lives as long as the process, because `PR_SET_PDEATHSIG` fires when the forking thread ends.
pub(crate) async fn spawn(mut cmd: Command) -> std::io::Result<Child> {
    cmd.kill_on_drop(true);
    #[cfg(unix)]
    cmd.process_group(0);
    if let Some(marker) = self_marker() {
        cmd.env(PARENT_ENV, marker);
    }
    die_with_parent(&mut cmd);
    let gone = || std::io::Error::other("the thread that starts ffmpeg is gone");
    let (reply, answer) = tokio::sync::oneshot::channel();
    let request = SpawnRequest {
        cmd,
        runtime: tokio::runtime::Handle::current(),
        reply,
    };
    spawner()
        .ok_or_else(gone)?
        .send(request)
        .map_err(|_| gone())?;
    answer.await.map_err(|_| gone())?
}

struct SpawnRequest {
    cmd: Command,
    runtime: tokio::runtime::Handle,
    reply: tokio::sync::oneshot::Sender<std::io::Result<Child>>,
}

/// The spawner thread's queue, started on first use. Before it takes its first request it stops
/// the strays of earlier runs ([`kill_strays`]), so a restarted server never encodes beside a
/// leftover of its previous life.
fn spawner() -> Option<&'static std::sync::mpsc::Sender<SpawnRequest>> {
    static SPAWNER: OnceLock<Option<std::sync::mpsc::Sender<SpawnRequest>>> = OnceLock::new();
    SPAWNER
        .get_or_init(|| {
            let (tx, rx) = std::sync::mpsc::channel::<SpawnRequest>();
            let started = std::thread::Builder::new()
                .name("ruche-media-spawner".into())
                .spawn(move || {
                    let n = kill_strays();
                    if n > 0 {
                        tracing::warn!(
                            "stopped {n} ffmpeg/ffprobe processes left by an earlier run"
                        );
                    }
                    for request in rx {
                        let _entered = request.runtime.enter();
                        let mut cmd = request.cmd;
                        let _ = request.reply.send(cmd.spawn());
                    }
                });
            match started {
                Ok(_) => Some(tx),
                Err(e) => {
                    tracing::error!("cannot start the thread that starts ffmpeg: {e}");
                    None
                }
            }
        })
        .as_ref()
}

/// Asks the kernel to `SIGKILL` the child when the thread that forked it (the spawner thread,
/// so: this process) ends.
#[cfg(target_os = "linux")]
fn die_with_parent(cmd: &mut Command) {
    let parent = std::process::id();
    // SAFETY: the closure runs in the child between fork and exec, where only async-signal-safe
    // functions may be called: `prctl`, `getppid` and `_exit` are, and nothing is allocated
    // (`last_os_error` only reads errno).
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(
                libc::PR_SET_PDEATHSIG,
                libc::SIGKILL as libc::c_ulong,
                0,
                0,
                0,
            ) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            // The parent died between the fork and the prctl: no signal will ever come.
            if u32::try_from(libc::getppid()).ok() != Some(parent) {
                libc::_exit(1);
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_cmd: &mut Command) {}

/// This process's [`PARENT_ENV`] value.
fn self_marker() -> Option<&'static str> {
    static MARKER: OnceLock<Option<String>> = OnceLock::new();
    MARKER
        .get_or_init(|| {
            let pid = std::process::id();
            let start = ProcStat::read(&pid.to_string())?.start_time;
            Some(format!("{pid}:{start}"))
        })
        .as_deref()
}

/// What `/proc/<pid>/stat` says of a process (Linux).
struct ProcStat {
    comm: String,
    state: String,
    pgrp: i64,
    start_time: u64,
}

impl ProcStat {
    fn read(pid: &str) -> Option<ProcStat> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // "pid (comm) state ppid pgrp … starttime …": comm may hold spaces and parentheses.
        let (head, tail) = stat.rsplit_once(')')?;
        let comm = head.split_once('(')?.1.to_string();
        let fields: Vec<&str> = tail.split_whitespace().collect();
        Some(ProcStat {
            comm,
            state: fields.first()?.to_string(),
            pgrp: fields.get(2)?.parse().ok()?,
            start_time: fields.get(19)?.parse().ok()?,
        })
    }
}

/// Stops (`SIGKILL`, with their process group) the ffmpeg and ffprobe processes whose parent,
/// as [`PARENT_ENV`] names it, no longer runs: strays of a server that was killed, which no one
/// will ever read the output of. Returns how many were stopped. Runs before the first child of
/// this process is started; callers may run it earlier at start-up. Linux only (elsewhere it
/// finds nothing).
///
/// A process is a stray only if it is ffmpeg, ffprobe or `nice`, its environment (readable only
/// for our own user's processes) holds our marker, and the process the marker names is gone
/// (no such pid, or a pid now held by a process started at another time). So a live server's
/// children, on this data directory or another, are never touched.
pub fn kill_strays() -> usize {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut killed = 0;
    for entry in dir.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str() else { continue };
        let Ok(pid_n) = pid.parse::<i32>() else {
            continue;
        };
        let Some(stat) = ProcStat::read(pid) else {
            continue;
        };
        if !matches!(stat.comm.as_str(), "ffmpeg" | "ffprobe" | "nice") || stat.state == "Z" {
            continue;
        }
        let Ok(environ) = std::fs::read(format!("/proc/{pid}/environ")) else {
            continue;
        };
        let prefix = format!("{PARENT_ENV}=");
        let Some(marker) = environ
            .split(|b| *b == 0)
            .find_map(|v| v.strip_prefix(prefix.as_bytes()))
        else {
            continue;
        };
        let marker = String::from_utf8_lossy(marker);
        let Some((parent, start)) = marker.split_once(':') else {
            continue;
        };
        let parent_alive = ProcStat::read(parent)
            .is_some_and(|p| p.state != "Z" && p.start_time.to_string() == start);
        if parent_alive {
            continue;
        }
        // Its own group when it leads one (ours always do), else the process alone.
        let target = if stat.pgrp == i64::from(pid_n) {
            -pid_n
        } else {
            pid_n
        };
        tracing::warn!(
            "stopping stray {} {pid} (its server, pid {parent}, is gone)",
            stat.comm
        );
        if signal_kill(target) {
            killed += 1;
        }
    }
    killed
}

#[cfg(unix)]
fn signal_kill(target: i32) -> bool {
    // SAFETY: kill(2) takes plain integers and touches no memory of ours.
    unsafe { libc::kill(target, libc::SIGKILL) == 0 }
}

#[cfg(not(unix))]
fn signal_kill(_target: i32) -> bool {
    false
}

/// What a short-lived child printed.
pub(crate) struct Captured {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

/// The last `n` non-empty lines of `text`, joined with "; " so they fit in one sentence.
#[doc(hidden)]
pub fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines[lines.len().saturating_sub(n)..].join("; ")
}

/// Spawns `cmd`, reads all its output and waits for it, killing it after `timeout`.
pub(crate) async fn run_to_end(
    mut cmd: Command,
    timeout: Duration,
) -> Result<Captured, MediaError> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let program = cmd.as_std().get_program().to_string_lossy().into_owned();
    let child = spawn(cmd).await.map_err(|e| spawn_error(&program, e))?;
    match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(out) => {
            let out = out?;
            Ok(Captured {
                status: out.status,
                stdout: out.stdout,
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            })
        }
        Err(_) => Err(MediaError::Ffmpeg(format!(
            "{program} did not finish within {} seconds and was stopped.",
            timeout.as_secs()
        ))),
    }
}

/// Spawns an ffmpeg command that was given `-progress pipe:1`, reports `out_time / duration`
/// through `progress` as it goes, and fails with the tail of stderr when ffmpeg fails.
pub(crate) async fn run_ffmpeg(
    mut cmd: Command,
    duration: f64,
    progress: &(dyn Fn(f32) + Send + Sync),
) -> Result<(), MediaError> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    tracing::debug!(command = ?cmd.as_std(), "running ffmpeg");
    let mut child = spawn(cmd).await.map_err(|e| spawn_error("ffmpeg", e))?;
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();

    let read_progress = async {
        let Some(stdout) = stdout else { return };
        let mut lines = BufReader::new(stdout).lines();
        let mut last = 0.0_f32;
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(fraction) = parse_progress_line(&line, duration)
                && fraction > last
            {
                last = fraction;
                progress(fraction);
            }
        }
    };
    let (_, tail, status) = tokio::join!(read_progress, read_tail(stderr), child.wait());
    let status = status?;
    if status.success() {
        Ok(())
    } else {
        let tail = tail.into_iter().collect::<Vec<_>>().join("\n");
        Err(if tail.is_empty() {
            MediaError::Ffmpeg(format!("ffmpeg exited with {status} and printed no error."))
        } else {
            ffmpeg_failed(tail)
        })
    }
}

/// ffmpeg's failure from the last lines of its error output: [`MediaError::DiskFull`] when a
/// write found the disk (or the quota) full, else [`MediaError::Ffmpeg`] with the lines.
pub(crate) fn ffmpeg_failed(tail: String) -> MediaError {
    // strerror(ENOSPC) and strerror(EDQUOT), as ffmpeg prints them.
    if tail.contains("No space left on device") || tail.contains("Disk quota exceeded") {
        tracing::error!("ffmpeg: the disk is full: {tail}");
        MediaError::DiskFull
    } else {
        MediaError::Ffmpeg(tail)
    }
}

/// Keeps the last [`STDERR_LINES`] lines of a child's error output.
async fn read_tail(stderr: Option<impl AsyncRead + Unpin>) -> VecDeque<String> {
    let mut tail = VecDeque::with_capacity(STDERR_LINES);
    let Some(mut stderr) = stderr else {
        return tail;
    };
    // Read raw bytes rather than lines: ffmpeg may print non-UTF-8 file names.
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match stderr.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        while let Some(pos) = buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buf.drain(..=pos).collect();
            push_line(&mut tail, &line);
        }
    }
    push_line(&mut tail, &buf);
    tail
}

fn push_line(tail: &mut VecDeque<String>, line: &[u8]) {
    let line = String::from_utf8_lossy(line).trim().to_string();
    if line.is_empty() {
        return;
    }
    if tail.len() == STDERR_LINES {
        tail.pop_front();
    }
    tail.push_back(line);
}

/// `out_time_us=1234567` → 1.234567 / duration, clamped to 0..=1. Other lines give `None`.
#[doc(hidden)]
pub fn parse_progress_line(line: &str, duration: f64) -> Option<f32> {
    if line.trim() == "progress=end" {
        return Some(1.0);
    }
    let micros: f64 = line.strip_prefix("out_time_us=")?.trim().parse().ok()?;
    if duration.is_nan() || duration <= 0.0 || !micros.is_finite() {
        return None;
    }
    Some(((micros / 1e6) / duration).clamp(0.0, 1.0) as f32)
}

fn spawn_error(program: &str, e: std::io::Error) -> MediaError {
    if e.kind() == std::io::ErrorKind::NotFound {
        MediaError::Io(std::io::Error::new(
            e.kind(),
            format!("{program} is not installed on the server (it was not found in PATH)"),
        ))
    } else {
        MediaError::from(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_lines() {
        assert_eq!(parse_progress_line("out_time_us=1500000", 3.0), Some(0.5));
        assert_eq!(parse_progress_line("out_time_us=N/A", 3.0), None);
        assert_eq!(parse_progress_line("out_time_us=9000000", 3.0), Some(1.0));
        assert_eq!(parse_progress_line("progress=end", 0.0), Some(1.0));
        assert_eq!(parse_progress_line("frame=12", 3.0), None);
        assert_eq!(last_lines("a\n\nb\nc\n", 2), "b; c");
    }

    #[test]
    fn progress_over_an_unknown_duration_is_none() {
        // Found by tests/fuzz.rs: a NaN duration gave a NaN fraction.
        assert_eq!(parse_progress_line("out_time_us=0", f64::NAN), None);
        assert_eq!(parse_progress_line("out_time_us=1500000", -3.0), None);
        assert_eq!(
            parse_progress_line("out_time_us=1500000", f64::INFINITY),
            Some(0.0)
        );
        assert_eq!(parse_progress_line("progress=end", f64::NAN), Some(1.0));
    }

    #[test]
    fn demuxers() {
        assert!(demuxer_allowed("mov,mp4,m4a,3gp,3g2,mj2"));
        assert!(demuxer_allowed("matroska,webm"));
        assert!(demuxer_allowed("mp3"));
        for refused in ["hls", "concat", "dash", "image2", "gif", "lavfi", ""] {
            assert!(!demuxer_allowed(refused), "{refused}");
        }
        assert!(matches!(
            ffmpeg_failed("av_interleaved_write_frame(): No space left on device".into()),
            MediaError::DiskFull
        ));
        assert!(matches!(
            ffmpeg_failed("Invalid data".into()),
            MediaError::Ffmpeg(_)
        ));
    }
}

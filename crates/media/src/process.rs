//! Spawning ffmpeg and ffprobe. Every child is killed when the future that owns it is dropped,
//! so a cancelled job never leaves an encoder burning the CPU; error output is kept only as its
//! last lines, so a chatty child cannot fill memory.

use std::collections::VecDeque;
use std::process::{ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::process::Command;

use crate::MediaError;

/// How many lines of ffmpeg's error output we keep for the error message.
const STDERR_LINES: usize = 12;

/// Niceness of transcoding processes (PeerTube's `FFMPEG_NICE.VOD`): a long encode must never
/// make the web server, running on the same cores, slow to answer.
pub(crate) const NICE_TRANSCODE: u8 = 15;
/// Niceness of thumbnail extraction (PeerTube's `FFMPEG_NICE.THUMBNAIL`).
pub(crate) const NICE_THUMBNAIL: u8 = 10;

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

/// What a short-lived child printed.
pub(crate) struct Captured {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

/// The last `n` non-empty lines of `text`, joined with "; " so they fit in one sentence.
pub(crate) fn last_lines(text: &str, n: usize) -> String {
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
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let program = cmd.as_std().get_program().to_string_lossy().into_owned();
    let child = cmd.spawn().map_err(|e| spawn_error(&program, e))?;
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
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    tracing::debug!(command = ?cmd.as_std(), "running ffmpeg");
    let mut child = cmd.spawn().map_err(|e| spawn_error("ffmpeg", e))?;
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
        Err(MediaError::Ffmpeg(if tail.is_empty() {
            format!("ffmpeg exited with {status} and printed no error.")
        } else {
            tail
        }))
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
fn parse_progress_line(line: &str, duration: f64) -> Option<f32> {
    if line.trim() == "progress=end" {
        return Some(1.0);
    }
    let micros: f64 = line.strip_prefix("out_time_us=")?.trim().parse().ok()?;
    if duration <= 0.0 || !micros.is_finite() {
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
        MediaError::Io(e)
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
}

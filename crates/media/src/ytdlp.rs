//! yt-dlp, for imports: what a URL holds ([`import_info`], its JSON as yt-dlp prints it) and
//! its download ([`import_download`]). Invoked as PeerTube invokes it (its format choice: the
//! best video without AV1 or VP9.2 and the best audio, merged into MP4, else the best single
//! file), without the user's or the system's yt-dlp configuration, one URL at a time (no
//! playlists), every run bounded in time, in what it prints and in what it writes.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::process::Command;

use crate::MediaError;
use crate::process::{last_lines, spawn};

/// PeerTube's format selection (`getYoutubeDLVideoFormat` with the original resolution kept).
pub const FORMAT: &str = "bestvideo[vcodec!*=av01][vcodec!*=vp9.2]+bestaudio/best[vcodec!*=av01][vcodec!*=vp9.2]/bestvideo[ext=mp4]+bestaudio[ext=m4a]/best";
/// The most yt-dlp may print about one URL (PeerTube: 30 MB).
const MAX_INFO: u64 = 16 * 1024 * 1024;
/// How long asking what a URL holds may take.
const INFO_TIMEOUT: Duration = Duration::from_secs(60);
/// How long listing a channel may take.
const LIST_TIMEOUT: Duration = Duration::from_secs(300);

fn command(program: &str) -> Command {
    let mut cmd = Command::new(program);
    cmd.args([
        "--ignore-config",
        "--no-playlist",
        "--no-progress",
        "--no-cache-dir",
    ])
    .args(["--socket-timeout", "30"]);
    cmd
}

/// What yt-dlp knows of `url` (its `--dump-json`): title, description, tags, formats… Fails
/// with yt-dlp's own words when it cannot read it (not found, no video there, unsupported).
pub async fn import_info(program: &str, url: &str) -> Result<serde_json::Value, MediaError> {
    let mut cmd = command(program);
    cmd.args(["--dump-json", "--skip-download", "-f", FORMAT, "--"])
        .arg(url);
    let (ok, stdout, stderr) = run_bounded(cmd, INFO_TIMEOUT, MAX_INFO).await?;
    if !ok {
        return Err(MediaError::Import(yt_dlp_said(&stderr)));
    }
    let first = stdout.split(|b| *b == b'\n').find(|l| !l.is_empty());
    first
        .and_then(|l| serde_json::from_slice::<serde_json::Value>(l).ok())
        .filter(serde_json::Value::is_object)
        .ok_or_else(|| MediaError::Import("yt-dlp gave no description of it.".into()))
}

/// Downloads `url` into `dir` (made empty first) as `source.<ext>`, stopped past `timeout` or
/// once `dir` holds more than `max_bytes`; the file made, or why not.
pub async fn import_download(
    program: &str,
    url: &str,
    dir: &Path,
    max_bytes: u64,
    timeout: Duration,
) -> Result<PathBuf, MediaError> {
    let _ = tokio::fs::remove_dir_all(dir).await;
    tokio::fs::create_dir_all(dir).await?;
    let mut cmd = command(program);
    cmd.args(["-f", FORMAT, "--merge-output-format", "mp4"])
        .arg("--max-filesize")
        .arg(max_bytes.to_string())
        .arg("-o")
        .arg(dir.join("source.%(ext)s"))
        .arg("--")
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = spawn(cmd).await?;
    let mut stderr = child.stderr.take();
    let tail = tokio::spawn(async move {
        let mut text = Vec::new();
        if let Some(err) = stderr.as_mut() {
            let _ = err.take(MAX_INFO).read_to_end(&mut text).await;
        }
        String::from_utf8_lossy(&text).into_owned()
    });
    let deadline = tokio::time::Instant::now() + timeout;
    let status = loop {
        tokio::select! {
            status = child.wait() => break status?,
            _ = tokio::time::sleep(Duration::from_millis(500)) => {
                if dir_size(dir).await > max_bytes {
                    let _ = child.kill().await;
                    return Err(MediaError::TooLarge { size: dir_size(dir).await, max: max_bytes });
                }
                if tokio::time::Instant::now() > deadline {
                    let _ = child.kill().await;
                    return Err(MediaError::Import(format!(
                        "the download did not end within {} minutes.",
                        timeout.as_secs() / 60
                    )));
                }
            }
        }
    };
    let stderr = tail.await.unwrap_or_default();
    if !status.success() {
        return Err(MediaError::Import(yt_dlp_said(&stderr)));
    }
    let mut rd = tokio::fs::read_dir(dir).await?;
    while let Some(e) = rd.next_entry().await? {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("source.") && !name.ends_with(".part") && !name.ends_with(".ytdl") {
            return Ok(e.path());
        }
    }
    // `--max-filesize` skips a file whose announced size is too large, and says so only as
    // a note.
    if stderr.contains("File is larger than max-filesize") {
        return Err(MediaError::Import(format!(
            "the file is larger than the {} bytes this account may still store.",
            max_bytes
        )));
    }
    Err(MediaError::Import("yt-dlp downloaded nothing.".into()))
}

/// The latest `limit` videos of a channel or playlist at `url` (their pages' URLs, oldest of
/// them first), as PeerTube lists a channel to import (`--flat-playlist`: nothing else fetched).
pub async fn import_list(program: &str, url: &str, limit: u32) -> Result<Vec<String>, MediaError> {
    let mut cmd = Command::new(program);
    cmd.args([
        "--ignore-config",
        "--no-cache-dir",
        "--socket-timeout",
        "30",
    ])
    .args([
        "--skip-download",
        "--flat-playlist",
        "--playlist-reverse",
        "--dump-json",
    ])
    .arg("--playlist-end")
    .arg(limit.max(1).to_string())
    .arg("--")
    .arg(url);
    let (ok, stdout, stderr) = run_bounded(cmd, LIST_TIMEOUT, MAX_INFO).await?;
    if !ok {
        return Err(MediaError::Import(yt_dlp_said(&stderr)));
    }
    let urls: Vec<String> = stdout
        .split(|b| *b == b'\n')
        .filter_map(|l| serde_json::from_slice::<serde_json::Value>(l).ok())
        .filter_map(|v| {
            let u = v["webpage_url"].as_str().or_else(|| v["url"].as_str())?;
            // yt-dlp's own bookkeeping rides in the fragment: not part of the video's URL.
            let u = u.split("#__youtubedl_smuggle").next().unwrap_or(u);
            (u.starts_with("https://") || u.starts_with("http://")).then(|| u.to_string())
        })
        .take(limit as usize)
        .collect();
    if urls.is_empty() {
        return Err(MediaError::Import("no video is listed there.".into()));
    }
    Ok(urls)
}

/// yt-dlp's error lines (`ERROR: …`), else the end of what it said.
fn yt_dlp_said(stderr: &str) -> String {
    let errors: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("ERROR: "))
        .collect();
    if errors.is_empty() {
        last_lines(stderr, 3)
    } else {
        errors.join(" ")
    }
}

async fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    if let Ok(mut rd) = tokio::fs::read_dir(dir).await {
        while let Ok(Some(e)) = rd.next_entry().await {
            total += e.metadata().await.map_or(0, |m| m.len());
        }
    }
    total
}

/// Runs `cmd` to its end within `timeout`, keeping at most `max` bytes of its output (more is
/// a failure): whether it succeeded, its output, its error output's end.
async fn run_bounded(
    mut cmd: Command,
    timeout: Duration,
    max: u64,
) -> Result<(bool, Vec<u8>, String), MediaError> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = spawn(cmd).await?;
    let (mut out, mut err) = (child.stdout.take(), child.stderr.take());
    let work = async {
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let read_out = async {
            if let Some(o) = out.as_mut() {
                o.take(max + 1).read_to_end(&mut stdout).await?;
            }
            Ok::<_, std::io::Error>(())
        };
        let read_err = async {
            if let Some(e) = err.as_mut() {
                e.take(max).read_to_end(&mut stderr).await?;
            }
            Ok::<_, std::io::Error>(())
        };
        let (a, b) = tokio::join!(read_out, read_err);
        a?;
        b?;
        Ok::<_, std::io::Error>((stdout, stderr))
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(read) => {
            let (stdout, stderr) = read?;
            if stdout.len() as u64 > max {
                let _ = child.kill().await;
                return Err(MediaError::Import("yt-dlp said too much about it.".into()));
            }
            let status = child.wait().await?;
            Ok((
                status.success(),
                stdout,
                String::from_utf8_lossy(&stderr).into_owned(),
            ))
        }
        Err(_) => {
            let _ = child.kill().await;
            Err(MediaError::Import(format!(
                "yt-dlp did not answer within {} seconds.",
                timeout.as_secs()
            )))
        }
    }
}

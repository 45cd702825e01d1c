//! Starting one `ruche serve` and reading its banner: the rig under [`crate::Instance`] and the
//! federation bench.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What `ruche serve` prints once it listens.
#[derive(Debug, Clone)]
pub struct Banner {
    /// "Ruche is running at URL": its public URL, with the port it listens on (a listen
    /// address and public URL of port 0 get the port the system picked).
    pub url: String,
    /// "Administrator login: root / PASSWORD", printed on the first start of an empty database.
    pub password: Option<String>,
}

enum Line {
    Running(String),
    Password(String),
}

/// How long a server may take to print its banner.
const START: Duration = Duration::from_secs(60);

/// Starts `bin serve` with exactly the settings `env` (no `RUCHE_*` variable of ours is
/// inherited), its stderr appended to `log`, and waits for its banner (and, when `first_start`,
/// for the administrator's password). Its stdout is drained for as long as it runs, so it never
/// blocks on a full pipe. A server that exits or stays silent is killed, and the error says so.
pub fn serve(
    bin: &Path,
    env: &[(String, String)],
    log: &Path,
    first_start: bool,
) -> Result<(Child, Banner), String> {
    let stderr = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| format!("cannot open {}: {e}", log.display()))?;
    let mut cmd = Command::new(bin);
    cmd.arg("serve");
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("RUCHE_") {
            cmd.env_remove(k);
        }
    }
    let mut child = cmd
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let event = if let Some(url) = line.strip_prefix("Ruche is running at ") {
                Line::Running(url.trim().to_string())
            } else if let Some(pw) = line.strip_prefix("Administrator login: root / ") {
                Line::Password(pw.trim().to_string())
            } else {
                continue;
            };
            // The receiver is gone once the banner is read: the lines are only drained.
            let _ = tx.send(event);
        }
    });
    let deadline = Instant::now() + START;
    let (mut url, mut password) = (None, None);
    while url.is_none() || (first_start && password.is_none()) {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(Line::Running(u)) => url = Some(u),
            Ok(Line::Password(p)) => password = Some(p),
            Err(e) => {
                let _ = child.kill();
                let status = child.wait();
                let why = match e {
                    mpsc::RecvTimeoutError::Timeout => format!("no banner in {START:?}"),
                    mpsc::RecvTimeoutError::Disconnected => format!("it ended: {status:?}"),
                };
                return Err(format!("ruche serve did not start ({why})"));
            }
        }
    }
    let url = url.unwrap_or_default();
    Ok((child, Banner { url, password }))
}

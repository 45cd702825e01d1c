//! The kit of Ruche's scenario tests (`crates/ruche/tests`) and of the federation bench: real
//! `ruche serve` processes on loopback, each with its own data directory and database (SQLite,
//! or a fresh PostgreSQL database), real ffmpeg, PeerTube's API spoken as its clients speak it,
//! and another instance played by the test ([`peer`]). In between, [`TestApp`]: the whole web
//! router in the test's process over a fresh database of either backend, for what a handler and
//! the services under it do without a process around them.
//!
//! The binary under test comes from the caller: `env!("CARGO_BIN_EXE_ruche")` exists only in the
//! `ruche` crate's own tests, so [`both!`] and [`rig!`], expanded there, name it in the [`Rig`]
//! every [`Instance`] starts from.
#![allow(clippy::unwrap_used)] // A test kit fails loudly on the first surprise.

pub mod api;
pub mod app;
pub mod bombs;
pub mod instance;
pub mod mail;
pub mod peer;
pub mod server;
pub mod tracker;

pub use api::Api;
pub use app::TestApp;
pub use instance::Instance;
pub use ruche_store::testing::Backend;
pub use server::{Banner, serve};

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// What an [`Instance`] runs: the `ruche` binary under test, on a database backend.
#[derive(Debug, Clone, Copy)]
pub struct Rig {
    pub backend: Backend,
    pub bin: &'static str,
}

/// The [`Rig`] of the calling crate's `ruche` binary on a backend: `rig!(Sqlite)`,
/// `rig!(Postgres)`. Only where Cargo sets `CARGO_BIN_EXE_ruche` (the `ruche` crate's tests).
#[macro_export]
macro_rules! rig {
    ($backend:ident) => {
        $crate::Rig {
            backend: $crate::Backend::$backend,
            bin: env!("CARGO_BIN_EXE_ruche"),
        }
    };
}

/// Settings that let test instances federate over http on loopback, and retry fast.
pub const FEDERATION: &[(&str, &str)] = &[
    ("RUCHE_FEDERATION_ALLOW_INSECURE", "true"),
    ("RUCHE_FEDERATION_RETRY_BASE_SECS", "1"),
    ("RUCHE_FEDERATION_RETRY_MAX_SECS", "2"),
    ("RUCHE_FEDERATION_DELIVERY_TIMEOUT_SECS", "3"),
];

/// Declares a test on SQLite and on PostgreSQL: `both!(name, |rig| async move { … })` makes
/// `name::sqlite` and `name::postgres`, each handing the body its [`Rig`].
#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)($crate::rig!(Sqlite)).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                ($body)($crate::rig!(Postgres)).await;
            }
        }
    };
}

/// Polls `probe` until it gives `Some`, or fails the test with `what` after `secs`, showing the
/// logs of the servers whose log files are `logs`.
pub async fn eventually<T, F, Fut>(logs: &[PathBuf], what: &str, secs: u64, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for: {what}\n{}",
            logs.iter()
                .map(|p| format!(
                    "---- {} ----\n{}",
                    p.display(),
                    std::fs::read_to_string(p).unwrap_or_default()
                ))
                .collect::<Vec<_>>()
                .join("\n")
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A GET as another instance's fetcher makes it, asking for ActivityPub JSON: (status, JSON).
pub async fn ap_get(url: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .get(url)
        .header("Accept", "application/activity+json, application/ld+json")
        .send()
        .await
        .expect("GET");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// `text` percent-encoded for a query string (every byte but ASCII letters and digits).
pub fn query_escape(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// How many entries a directory has (0 if it does not exist).
/// The `key` of each item of a `{total, data}` list, in order ("-" where it is not a string).
pub fn field_of_each(list: &serde_json::Value, key: &str) -> Vec<String> {
    list["data"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|v| v[key].as_str().unwrap_or("-").to_string())
                .collect()
        })
        .unwrap_or_default()
}

pub fn entries(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| d.count())
}

/// Makes `dir/name` with ffmpeg from `args` (lavfi sources, say).
pub fn clip(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .arg(&out)
        .status()
        .expect("ffmpeg");
    assert!(status.success(), "ffmpeg could not make {name}");
    out
}

/// A still picture of `width`×`height` made by ffmpeg, its format by the extension of `name`.
pub fn picture(dir: &Path, name: &str, width: u32, height: u32) -> PathBuf {
    let size = format!("testsrc2=s={width}x{height}");
    clip(dir, name, &["-f", "lavfi", "-i", &size, "-frames:v", "1"])
}

/// A 3-second 640x360 H.264/AAC clip: 360p is remuxed, 240p encoded.
pub fn small_clip(dir: &Path) -> PathBuf {
    clip(
        dir,
        "clip.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=640x360:r=25:d=3",
            "-f",
            "lavfi",
            "-i",
            "sine=f=440:d=3",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
        ],
    )
}

/// A cookie-keeping client that does not follow redirects, as a browser session.
pub fn browser() -> reqwest::Client {
    ruche_fetch::install_default_crypto();
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A browser (as [`browser`]) speaking from the loopback address `ip` (each 127.0.0.x is another
/// client to the server).
pub fn browser_from(ip: &str) -> reqwest::Client {
    ruche_fetch::install_default_crypto();
    reqwest::Client::builder()
        .local_address(ip.parse::<std::net::IpAddr>().expect("an address"))
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A client that does not follow redirects, as API clients are.
pub fn client() -> reqwest::Client {
    ruche_fetch::install_default_crypto();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

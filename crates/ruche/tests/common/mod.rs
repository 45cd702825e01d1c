//! The test rig: real `ruche serve` processes on loopback, each with its own data directory and
//! database (SQLite, or a fresh PostgreSQL database), real ffmpeg, and helpers that speak
//! PeerTube's API the way its clients do.
#![allow(dead_code)]

pub mod bombs;
pub mod peer;

use ruche_store::testing::{Backend, drop_database, fresh_url};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use ruche_store::testing::Backend as Db;

/// One running instance.
pub struct Instance {
    pub url: String,
    pub password: String,
    pub data: tempfile::TempDir,
    pub db_url: String,
    pub env: Vec<(String, String)>,
    child: Option<Child>,
    pg: Option<(String, String)>,
    pub http: reqwest::Client,
    pub stderr_log: PathBuf,
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_ruche")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

impl Instance {
    /// Starts an instance on `backend` with extra `RUCHE_*` settings.
    pub async fn start(backend: Backend, extra: &[(&str, &str)]) -> Instance {
        let data = tempfile::tempdir().expect("tempdir");
        let (db_url, pg) = match backend {
            // The embedded default: the SQLite file in the data directory.
            Backend::Sqlite => (
                format!("sqlite://{}", data.path().join("ruche.db").display()),
                None,
            ),
            Backend::Postgres => {
                let (url, pg, _) = fresh_url(backend).await;
                (url, pg)
            }
        };
        let port = free_port();
        let url = format!("http://127.0.0.1:{port}");
        let mut env: Vec<(String, String)> = vec![
            ("RUCHE_DATA_DIR".into(), data.path().display().to_string()),
            ("RUCHE_LISTEN".into(), format!("127.0.0.1:{port}")),
            ("RUCHE_PUBLIC_URL".into(), url.clone()),
            ("RUCHE_DATABASE_URL".into(), db_url.clone()),
            ("RUCHE_TRANSCODING_RESOLUTIONS".into(), "360,240".into()),
            ("RUCHE_TRANSCODING_THREADS".into(), "1".into()),
            ("RUCHE_JOBS_LEASE_SECS".into(), "3".into()),
        ];
        for (k, v) in extra {
            env.retain(|(ek, _)| ek != k);
            env.push((k.to_string(), v.to_string()));
        }
        let stderr_log = data.path().join("server.log");
        let mut inst = Instance {
            url,
            password: String::new(),
            data,
            db_url,
            env,
            child: None,
            pg,
            http: {
                ruche_fetch::install_default_crypto();
                reqwest::Client::builder()
            }
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
            stderr_log,
        };
        let (child, password) = inst.spawn_serve();
        inst.child = Some(child);
        inst.password = password.expect("the first start prints the admin password");
        inst
    }

    /// `ruche serve` with this instance's settings; waits for its banner. Returns the child and
    /// the admin password if it printed one.
    pub fn spawn_serve(&self) -> (Child, Option<String>) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.stderr_log)
            .expect("log");
        let mut child = Command::new(bin())
            .arg("serve")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env("RUCHE_LOG", "info,sqlx=warn")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("spawn ruche serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let deadline = Instant::now() + Duration::from_secs(60);
        let first_start = self.password.is_empty();
        let mut password = None;
        let mut running = false;
        // The banner: "Ruche is running at URL", then on the first start the admin password.
        while Instant::now() < deadline {
            let Some(Ok(line)) = lines.next() else { break };
            if line.starts_with("Ruche is running at") {
                running = true;
                if !first_start {
                    break;
                }
            }
            if let Some(pw) = line.strip_prefix("Administrator login: root / ") {
                password = Some(pw.trim().to_string());
                break;
            }
        }
        assert!(
            running,
            "ruche serve did not start: {}",
            std::fs::read_to_string(&self.stderr_log).unwrap_or_default()
        );
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        (child, password)
    }

    /// Kills the server the hard way (SIGKILL), as a crash would.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn restart(&mut self) {
        self.kill9();
        let (child, _) = self.spawn_serve();
        self.child = Some(child);
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("the server runs").id()
    }

    /// A memory line of the server's `/proc/<pid>/status` (`VmRSS`, `VmHWM`…), in bytes.
    pub fn memory(&self, field: &str) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).expect("status");
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .expect("a memory line")
            * 1024
    }

    /// Forgets the server's peak memory, so that `memory("VmHWM")` is the peak from now on.
    pub fn reset_peak_memory(&self) {
        std::fs::write(format!("/proc/{}/clear_refs", self.pid()), "5").expect("clear_refs");
    }

    /// How many file descriptors the server holds open.
    pub fn open_fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr_log).unwrap_or_default()
    }

    /// Stops the server and drops its database.
    pub async fn stop(mut self) {
        self.kill9();
        if let Some((admin, name)) = self.pg.take() {
            drop_database(&admin, &name).await;
        }
    }

    pub fn storage(&self) -> PathBuf {
        self.data.path().join("storage")
    }

    /// An access token for `username` through PeerTube's OAuth flow.
    pub async fn token(&self, username: &str, password: &str) -> String {
        let client: Value = self
            .http
            .get(format!("{}/api/v1/oauth-clients/local", self.url))
            .send()
            .await
            .expect("client")
            .json()
            .await
            .expect("json");
        let res = self
            .http
            .post(format!("{}/api/v1/users/token", self.url))
            .form(&[
                (
                    "client_id",
                    client["client_id"].as_str().unwrap_or_default(),
                ),
                (
                    "client_secret",
                    client["client_secret"].as_str().unwrap_or_default(),
                ),
                ("grant_type", "password"),
                ("username", username),
                ("password", password),
            ])
            .send()
            .await
            .expect("token");
        assert_eq!(res.status(), 200, "login of {username} failed");
        let body: Value = res.json().await.expect("json");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    pub async fn root_token(&self) -> String {
        self.token("root", &self.password.clone()).await
    }

    /// A browser: a cookie-keeping client that does not follow redirects.
    pub fn browser(&self) -> reqwest::Client {
        {
            ruche_fetch::install_default_crypto();
            reqwest::Client::builder()
        }
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
    }

    /// The HTML of a page, as `client` sees it.
    pub async fn page(&self, client: &reqwest::Client, path: &str) -> String {
        let res = client
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .expect("get page");
        res.text().await.expect("page text")
    }

    /// Logs a browser in through the login form; returns it with its session's CSRF token.
    pub async fn browser_login(&self, username: &str, password: &str) -> (reqwest::Client, String) {
        let browser = self.browser();
        let res = browser
            .post(format!("{}/login", self.url))
            .form(&[("username", username), ("password", password)])
            .send()
            .await
            .expect("login");
        assert_eq!(res.status(), 303, "login of {username} failed");
        let home = self.page(&browser, "/").await;
        let csrf = home
            .split("name=\"csrf-token\" content=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a logged-in page carries the CSRF token")
            .to_string();
        (browser, csrf)
    }

    pub async fn get_json(&self, token: &str, path: &str) -> (u16, Value) {
        let res = self
            .http
            .get(format!("{}{path}", self.url))
            .bearer_auth(token)
            .send()
            .await
            .expect("get");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// Creates a user through the admin API; returns its token and its default channel id.
    pub async fn user(&self, admin: &str, name: &str, quota: i64) -> (String, i64) {
        let res = self
            .http
            .post(format!("{}/api/v1/users", self.url))
            .bearer_auth(admin)
            .json(&serde_json::json!({ "username": name, "email": format!("{name}@example.org"), "password": "secret-pass", "role": 2, "videoQuota": quota, "videoQuotaDaily": -1 }))
            .send()
            .await
            .expect("create user");
        assert_eq!(
            res.status(),
            200,
            "{}",
            res.text().await.unwrap_or_default()
        );
        let token = self.token(name, "secret-pass").await;
        let (_, me) = self.get_json(&token, "/api/v1/users/me").await;
        (
            token,
            me["videoChannels"][0]["id"].as_i64().expect("channel id"),
        )
    }

    /// A legacy multipart upload; returns the status and body.
    pub async fn upload(
        &self,
        token: &str,
        file: &Path,
        channel_id: i64,
        name: &str,
    ) -> (u16, Value) {
        self.upload_with(token, file, channel_id, name, &[]).await
    }

    /// A legacy multipart upload with extra metadata fields (`privacy`, `description`…).
    pub async fn upload_with(
        &self,
        token: &str,
        file: &Path,
        channel_id: i64,
        name: &str,
        fields: &[(&str, &str)],
    ) -> (u16, Value) {
        let bytes = std::fs::read(file).expect("read clip");
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(
                file.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            )
            .mime_str("video/mp4")
            .expect("mime");
        let mut form = reqwest::multipart::Form::new()
            .text("name", name.to_string())
            .text("channelId", channel_id.to_string());
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        let form = form.part("videofile", part);
        let res = self
            .http
            .post(format!("{}/api/v1/videos/upload", self.url))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("upload");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// Starts a resumable upload of `size` bytes in `channel` (PeerTube's uploadx `POST`):
    /// (status, Location, body).
    pub async fn init_resumable(
        &self,
        token: &str,
        channel: i64,
        size: usize,
        name: &str,
    ) -> (u16, String, Value) {
        let res = self
            .http
            .post(format!("{}/api/v1/videos/upload-resumable", self.url))
            .bearer_auth(token)
            .header("X-Upload-Content-Length", size.to_string())
            .header("X-Upload-Content-Type", "video/mp4")
            .json(&serde_json::json!({ "name": name, "channelId": channel, "filename": "clip.mp4", "privacy": 1 }))
            .send()
            .await
            .expect("upload-resumable");
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap_or_default().to_string())
            .unwrap_or_default();
        (status, location, res.json().await.unwrap_or(Value::Null))
    }

    /// Waits until the video has `renditions` files and no job is left; returns its details.
    pub async fn wait_transcoded(&self, token: &str, id: &str, renditions: usize) -> Value {
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            let (status, v) = self.get_json(token, &format!("/api/v1/videos/{id}")).await;
            let n = v["streamingPlaylists"][0]["files"]
                .as_array()
                .map_or(0, |f| f.len());
            if status == 200
                && v["state"]["id"] == 1
                && n >= renditions
                && v["transcodingProgress"] == 100
            {
                return v;
            }
            if v["state"]["id"] == 7 {
                panic!("transcoding failed: {v}\n{}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "video {id} not transcoded in time: {v}\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
}

/// A test that fails mid-way still stops its servers: no `ruche serve` outlives its test.
impl Drop for Instance {
    fn drop(&mut self) {
        self.kill9();
    }
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

/// How many entries a directory has (0 if it does not exist).
pub fn entries(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| d.count())
}

/// Makes a clip with ffmpeg's lavfi sources (cached per test process in a temp dir).
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

/// Declares a test on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)($crate::common::Db::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                ($body)($crate::common::Db::Postgres).await;
            }
        }
    };
}

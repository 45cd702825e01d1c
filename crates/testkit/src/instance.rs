//! One running instance: a real `ruche serve` on loopback with its own data directory and
//! database, on a port the system picked at its first start and kept across restarts (an
//! instance's URL is its identity in federation).

use crate::{Api, Backend, Rig, server};
use ruche_store::Store;
use ruche_store::testing::{drop_database, fresh_url};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub struct Instance {
    /// Its public URL, `http://127.0.0.1:PORT`.
    pub url: String,
    /// root's password.
    pub password: String,
    pub data: tempfile::TempDir,
    pub db_url: String,
    /// Its settings, as `RUCHE_*` variables (the listen address and public URL with the port it
    /// got at its first start).
    pub env: Vec<(String, String)>,
    /// A client that does not follow redirects.
    pub http: reqwest::Client,
    pub stderr_log: PathBuf,
    bin: &'static str,
    child: Option<Child>,
    pg: Option<(String, String)>,
}

impl Instance {
    /// Starts an instance of `rig` with extra `RUCHE_*` settings, on a port the system picks.
    pub async fn start(rig: Rig, extra: &[(&str, &str)]) -> Instance {
        let data = tempfile::tempdir().expect("tempdir");
        let (db_url, pg) = match rig.backend {
            // The embedded default: the SQLite file in the data directory.
            Backend::Sqlite => (
                format!("sqlite://{}", data.path().join("ruche.db").display()),
                None,
            ),
            Backend::Postgres => {
                let (url, pg, _) = fresh_url(rig.backend).await;
                (url, pg)
            }
        };
        let mut env: Vec<(String, String)> = vec![
            ("RUCHE_DATA_DIR".into(), data.path().display().to_string()),
            // Port 0, and no public URL: `ruche serve` takes the port the system gives it.
            ("RUCHE_LISTEN".into(), "127.0.0.1:0".into()),
            ("RUCHE_DATABASE_URL".into(), db_url.clone()),
            ("RUCHE_TRANSCODING_RESOLUTIONS".into(), "360,240".into()),
            ("RUCHE_TRANSCODING_THREADS".into(), "1".into()),
            ("RUCHE_JOBS_LEASE_SECS".into(), "3".into()),
            ("RUCHE_LOG".into(), "info,sqlx=warn".into()),
        ];
        for (k, v) in extra {
            set(&mut env, k, v);
        }
        let stderr_log = data.path().join("server.log");
        let mut inst = Instance {
            url: String::new(),
            password: String::new(),
            data,
            db_url,
            env,
            http: crate::client(),
            stderr_log,
            bin: rig.bin,
            child: None,
            pg,
        };
        let (child, banner) = inst.launch(true);
        inst.child = Some(child);
        inst.password = banner
            .password
            .expect("the first start prints the admin password");
        // From now on the same port and URL: restarts and the CLI keep the instance's identity.
        let port = reqwest::Url::parse(&banner.url)
            .ok()
            .and_then(|u| u.port())
            .unwrap_or_else(|| panic!("a URL with a port in the banner: {}", banner.url));
        set(&mut inst.env, "RUCHE_LISTEN", &format!("127.0.0.1:{port}"));
        set(&mut inst.env, "RUCHE_PUBLIC_URL", &banner.url);
        inst.url = banner.url;
        inst
    }

    fn launch(&self, first_start: bool) -> (Child, server::Banner) {
        server::serve(
            Path::new(self.bin),
            &self.env,
            &self.stderr_log,
            first_start,
        )
        .unwrap_or_else(|e| panic!("{e}\n{}", self.log()))
    }

    /// Another `ruche serve` with this instance's settings, once it prints its banner (the
    /// caller owns it: to signal it, or to read its exit status).
    pub fn spawn_serve(&self) -> Child {
        let (child, banner) = self.launch(false);
        assert_eq!(banner.url, self.url, "a restarted instance keeps its URL");
        child
    }

    /// The `ruche` binary with this instance's settings, for its other subcommands.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(self.bin);
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("RUCHE_") {
                cmd.env_remove(k);
            }
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// Kills the server the hard way (SIGKILL), as a crash would.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Kills the server and starts it again, on the same port and URL.
    pub fn restart(&mut self) {
        self.kill9();
        self.child = Some(self.spawn_serve());
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("the server runs").id()
    }

    /// Where the server listens.
    pub fn addr(&self) -> SocketAddr {
        self.host().parse().expect("an address")
    }

    /// A connection to the server from the loopback address `from` (each 127.0.0.x is another
    /// client to the server).
    pub async fn connect_from(&self, from: &str) -> tokio::net::TcpStream {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket
            .bind(SocketAddr::new(from.parse().expect("an address"), 0))
            .expect("bind");
        socket.connect(self.addr()).await.expect("connect")
    }

    /// `host:port` of its URL, as other instances name it.
    pub fn host(&self) -> String {
        self.url.trim_start_matches("http://").to_string()
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

    /// [`crate::eventually`], showing this server's log if `probe` never gives `Some`.
    pub async fn eventually<T, F, Fut>(&self, what: &str, secs: u64, probe: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        crate::eventually(std::slice::from_ref(&self.stderr_log), what, secs, probe).await
    }

    /// Waits until no job of `kind` is left to run (failed ones aside), as an administrator
    /// holding `token` sees the queue.
    pub async fn settled(&self, token: &str, kind: &str) {
        self.eventually(&format!("no {kind} job left"), 60, || async {
            let (_, jobs) = self.get_json(token, "/api/v1/jobs/pending").await;
            let busy = jobs["data"]
                .as_array()
                .expect("a list of jobs")
                .iter()
                .any(|j| j["type"] == kind && j["state"] != "failed");
            (!busy).then_some(())
        })
        .await
    }

    /// Makes this instance (its administrator holding `token`) follow `other`'s instance actor,
    /// and waits until `other` accepted.
    pub async fn follow_instance(&self, token: &str, other: &Instance) {
        let (s, body) = self
            .api()
            .with(token)
            .post_json(
                "/api/v1/server/following",
                serde_json::json!({ "hosts": [other.host()] }),
            )
            .await;
        assert_eq!(s, 204, "following {}: {body}", other.host());
        let logs = [self.stderr_log.clone(), other.stderr_log.clone()];
        crate::eventually(&logs, "the follow accepted", 20, || async {
            let (_, f) = self.api().get_json("/api/v1/server/following").await;
            let accepted = f["data"].as_array().is_some_and(|l| {
                l.iter()
                    .any(|x| x["following"]["host"] == other.host() && x["state"] == "accepted")
            });
            accepted.then_some(())
        })
        .await;
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

    /// The instance's database, opened beside the server (close it when done).
    pub async fn store(&self) -> Store {
        Store::open(&self.db_url).await.expect("open the store")
    }

    /// Its API, anonymously.
    pub fn api(&self) -> Api {
        Api::new(&self.url, self.http.clone())
    }

    /// Its API as `username`, logged in through PeerTube's OAuth flow.
    pub async fn login(&self, username: &str, password: &str) -> Api {
        self.api().login(username, password).await
    }

    /// Its API as root.
    pub async fn root(&self) -> Api {
        self.login("root", &self.password).await
    }

    /// An access token for `username` through PeerTube's OAuth flow.
    pub async fn token(&self, username: &str, password: &str) -> String {
        self.login(username, password).await.token().to_string()
    }

    pub async fn root_token(&self) -> String {
        self.token("root", &self.password).await
    }

    /// A browser: a cookie-keeping client that does not follow redirects.
    pub fn browser(&self) -> reqwest::Client {
        crate::browser()
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
        (browser, csrf_of(&home))
    }

    /// Creates the moderator `name` (password `secret-pass`) through the admin API; their token.
    pub async fn moderator(&self, admin: &str, name: &str) -> String {
        let (status, made) = self
            .api()
            .with(admin)
            .post_json(
                "/api/v1/users",
                serde_json::json!({ "username": name, "email": format!("{name}@example.org"),
                                    "password": "secret-pass", "role": 1 }),
            )
            .await;
        assert_eq!(status, 200, "{made}");
        self.token(name, "secret-pass").await
    }

    /// Whether the video `uuid` is on the page of the list at `path` (`/api/v1/videos?…`, a
    /// search, an account's videos…), as an anonymous client reads it.
    pub async fn lists(&self, path: &str, uuid: &str) -> bool {
        let (status, l) = self.api().get_json(path).await;
        assert_eq!(status, 200, "{path}: {l}");
        l["data"]
            .as_array()
            .expect("a list")
            .iter()
            .any(|v| v["uuid"] == uuid)
    }

    /// The id of the user holding `token`.
    pub async fn user_id(&self, token: &str) -> i64 {
        let (status, me) = self.get_json(token, "/api/v1/users/me").await;
        assert_eq!(status, 200, "{me}");
        me["id"].as_i64().expect("a user id")
    }

    pub async fn get_json(&self, token: &str, path: &str) -> (u16, Value) {
        self.api().with(token).get_json(path).await
    }

    /// Creates a user through the admin API; returns its token and its default channel id.
    pub async fn user(&self, admin: &str, name: &str, quota: i64) -> (String, i64) {
        let (user, channel) = self.api().with(admin).create_user(name, quota).await;
        (user.token().to_string(), channel)
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
        let api = self.api().with(token);
        api.upload(file, channel_id, name, fields).await
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
        let api = self.api().with(token);
        api.init_resumable(channel, size, name).await
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

    /// Uploads the short test clip as `name` into channel 1 (root's, for root's token) and waits
    /// until it is published: its short UUID and UUID.
    pub async fn publish(&self, token: &str, name: &str) -> (String, String) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let clip = crate::small_clip(dir.path());
        let (status, up) = self.upload(token, &clip, 1, name).await;
        assert_eq!(status, 200, "upload of {name}: {up}");
        let short = up["video"]["shortUUID"]
            .as_str()
            .expect("a short UUID")
            .to_string();
        let uuid = self.wait_transcoded(token, &short, 2).await["uuid"]
            .as_str()
            .expect("a UUID")
            .to_string();
        (short, uuid)
    }
}

/// The CSRF token a logged-in page carries.
pub fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf-token\" content=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a logged-in page carries the CSRF token")
        .to_string()
}

/// Sets `key` to `value` in `env`, in place of any earlier value.
fn set(env: &mut Vec<(String, String)>, key: &str, value: &str) {
    env.retain(|(k, _)| k != key);
    env.push((key.to_string(), value.to_string()));
}

/// A test that fails mid-way still stops its servers: no `ruche serve` outlives its test.
impl Drop for Instance {
    fn drop(&mut self) {
        self.kill9();
    }
}

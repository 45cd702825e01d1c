//! Federation benchmark, against a real release `ruche serve` on loopback. Run it through
//! `bench/federation/run.sh`.
//!
//! 1. **Fan-out.** Sink hosts (axum servers on 127.0.0.1, 50 by default) each serve Person actors
//!    (20 by default) whose keys this program holds. Every actor has its own inbox and no shared
//!    inbox, so Ruche delivers to 1,000 distinct inboxes, grouped by `host:port` as it groups
//!    real instances. Each actor follows Ruche's `root_channel` with a signed `Follow`; once
//!    every `Accept` has come back, a short clip is uploaded and published, and the sinks time
//!    the arrival of its `Create` and `Announce` at every inbox. The same is done with some hosts
//!    dead: they keep accepting connections but never answer (or, with `--dead-kind refuse`,
//!    refuse them), which is what a slow or vanished instance looks like to a sender.
//! 2. **Inbox.** On the instances of the all-alive runs, every actor POSTs a signed `Like` of the
//!    video and signed `View`s are added: how many per second Ruche verifies (all answered 204)
//!    and applies (the video's counters reach the expected values), against the same server's
//!    rate for `GET /api/v1/config` at the same concurrency, measured before and after.
//!
//! Every run uses a fresh `ruche serve` (its own data directory and SQLite database) and fresh
//! sinks, so no run inherits another's queue, actor cache or instance health.
//!
//! The dead hosts are by default the ones Ruche tries first (it takes due hosts by their oldest
//! delivery, and every host's oldest is the same Create, then by `host:port`), so that they hold
//! their delivery slots for the whole fan-out: the harshest placement. The video's `Update`
//! (sent when its thumbnail joins, a moment after publication) shares the delivery slots; it is
//! counted apart from the Create and Announce that the headline figures use. Ruche's CPU time
//! and this program's own are read from `/proc` around each measured phase.
//!
//! Options: `--bin PATH` (the release `ruche`), `--rounds N` (3), `--hosts N` (50),
//! `--actors N` (per host, 20), `--dead N` (5), `--dead-kind hang|refuse|both` (hang),
//! `--dead-pick first|spread` (first), `--concurrency N` (16), `--views N` (1000),
//! `--keys FILE` (bench/work/federation/keys.json), `--tmp DIR`, `--logs DIR`, `--log FILTER`,
//! `--skip-inbox`, `--blocked N` (then N hosts blocked: bench/moderation).

use anyhow::{Context, Result, anyhow, bail, ensure};
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ruche_testkit::Api;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

// ---------------------------------------------------------------------------------------------
// Options

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum DeadKind {
    /// The host accepts connections and reads requests but never answers.
    Hang,
    /// The host's port is closed: connections are refused.
    Refuse,
}

impl DeadKind {
    fn label(self) -> &'static str {
        match self {
            DeadKind::Hang => "hang",
            DeadKind::Refuse => "refuse",
        }
    }
}

struct Options {
    bin: PathBuf,
    rounds: usize,
    hosts: usize,
    actors: usize,
    dead: usize,
    dead_kinds: Vec<DeadKind>,
    /// Whether the dead hosts are the ones Ruche tries first (`first`) or spread evenly.
    dead_first: bool,
    concurrency: usize,
    views: usize,
    keys: PathBuf,
    tmp: Option<PathBuf>,
    logs: Option<PathBuf>,
    log_filter: String,
    skip_inbox: bool,
    /// Hosts the instance blocks after the inbox phase, whose actors then send as much again:
    /// the refusal's rate against the signed path's (bench/moderation).
    blocked: usize,
}

fn options() -> Result<Options> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/ruche-target")
        });
    let mut o = Options {
        bin: target.join("release/ruche"),
        rounds: 3,
        hosts: 50,
        actors: 20,
        dead: 5,
        dead_kinds: vec![DeadKind::Hang],
        dead_first: true,
        concurrency: 16,
        views: 1000,
        keys: PathBuf::from("bench/work/federation/keys.json"),
        tmp: None,
        logs: None,
        // Ruche's own default: what an instance logs in production is part of its cost.
        log_filter: "info,sqlx=warn,tower_http=warn".into(),
        skip_inbox: false,
        blocked: 0,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| anyhow!("{a} needs a value"));
        match a.as_str() {
            "--bin" => o.bin = value()?.into(),
            "--rounds" => o.rounds = value()?.parse()?,
            "--hosts" => o.hosts = value()?.parse()?,
            "--actors" => o.actors = value()?.parse()?,
            "--dead" => o.dead = value()?.parse()?,
            "--dead-kind" => {
                o.dead_kinds = match value()?.as_str() {
                    "hang" => vec![DeadKind::Hang],
                    "refuse" => vec![DeadKind::Refuse],
                    "both" => vec![DeadKind::Hang, DeadKind::Refuse],
                    other => bail!("--dead-kind is hang, refuse or both, not {other:?}"),
                }
            }
            "--dead-pick" => {
                o.dead_first = match value()?.as_str() {
                    "first" => true,
                    "spread" => false,
                    other => bail!("--dead-pick is first or spread, not {other:?}"),
                }
            }
            "--concurrency" => o.concurrency = value()?.parse()?,
            "--views" => o.views = value()?.parse()?,
            "--keys" => o.keys = value()?.into(),
            "--tmp" => o.tmp = Some(value()?.into()),
            "--logs" => o.logs = Some(value()?.into()),
            "--log" => o.log_filter = value()?,
            "--skip-inbox" => o.skip_inbox = true,
            "--blocked" => o.blocked = value()?.parse()?,
            other => bail!("unknown option {other}"),
        }
    }
    ensure!(
        o.hosts > 0 && o.actors > 0,
        "--hosts and --actors must be positive"
    );
    ensure!(o.dead < o.hosts, "--dead must leave some hosts alive");
    ensure!(o.blocked <= o.hosts, "--blocked is at most --hosts");
    ensure!(o.concurrency > 0, "--concurrency must be positive");
    Ok(o)
}

// ---------------------------------------------------------------------------------------------
// Cleanup on Ctrl-C or SIGTERM: the children we started and the temporary directory go with us.

static CHILDREN: Mutex<Vec<u32>> = Mutex::new(Vec::new());
static TMP_ROOT: Mutex<Option<PathBuf>> = Mutex::new(None);

fn spawn_signal_cleanup() {
    tokio::spawn(async {
        let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        else {
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        let pids: Vec<u32> = CHILDREN.lock().map(|c| c.clone()).unwrap_or_default();
        for pid in pids {
            // Only the `ruche serve` processes this program started, each by its own id.
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
        if let Some(dir) = TMP_ROOT.lock().ok().and_then(|t| t.clone()) {
            let _ = std::fs::remove_dir_all(dir);
        }
        eprintln!("interrupted: servers stopped, temporary files removed");
        std::process::exit(130);
    });
}

// ---------------------------------------------------------------------------------------------
// Keys

/// The actors' RSA 2048 key pairs (public SPKI, private PKCS#8). Making 1,000 of them takes
/// minutes on two cores, so they are made once and kept in `path` (bench fixtures of fake actors,
/// never used anywhere else).
fn load_keys(path: &Path, n: usize) -> Result<Vec<(String, String)>> {
    let mut keys: Vec<(String, String)> = match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not a key file", path.display()))?,
        Err(_) => Vec::new(),
    };
    if keys.len() < n {
        let missing = n - keys.len();
        let threads = std::thread::available_parallelism().map_or(1, |p| p.get());
        eprintln!(
            "making {missing} RSA 2048 key pairs on {threads} threads (once; kept in {})",
            path.display()
        );
        let made: Vec<Result<Vec<(String, String)>>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    s.spawn(move || {
                        (t..missing)
                            .step_by(threads)
                            .map(|_| ruche_federation::generate_key_pair().map_err(Into::into))
                            .collect::<Result<Vec<_>>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().map_err(|_| anyhow!("key thread panicked"))?)
                .collect()
        });
        for m in made {
            keys.extend(m?);
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, serde_json::to_vec(&keys)?)?;
    }
    keys.truncate(n);
    Ok(keys)
}

// ---------------------------------------------------------------------------------------------
// Sinks: the remote instances

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Kind {
    Accept,
    Create,
    Announce,
    Update,
    Other,
}

struct Arrival {
    host: usize,
    actor: usize,
    kind: Kind,
    id: String,
    at: Instant,
    wall_ms: i64,
}

/// What all sinks share: arrivals, the requests dead hosts hold, which hosts are dead.
struct Shared {
    arrivals: Mutex<Vec<Arrival>>,
    /// (host, when) of each request a hanging host took and did not answer.
    held: Mutex<Vec<(usize, Instant)>>,
    dead: Vec<AtomicBool>,
    /// Set at the end of a run, so that held requests end and their connections close.
    release: tokio::sync::watch::Sender<bool>,
}

#[derive(Clone)]
struct SinkApp {
    index: usize,
    shared: Arc<Shared>,
    docs: Arc<Vec<Value>>,
}

impl SinkApp {
    /// A dead (hanging) host takes the request and holds it until the run is over.
    async fn hold(&self) -> Option<Response> {
        if !self.shared.dead[self.index].load(Ordering::Relaxed) {
            return None;
        }
        if let Ok(mut h) = self.shared.held.lock() {
            h.push((self.index, Instant::now()));
        }
        let mut rx = self.shared.release.subscribe();
        let _ = rx.wait_for(|released| *released).await;
        Some(StatusCode::SERVICE_UNAVAILABLE.into_response())
    }

    fn actor_index(&self, name: &str) -> Option<usize> {
        name.strip_prefix('u')
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n < self.docs.len())
    }
}

async fn sink_actor(State(app): State<SinkApp>, UrlPath(name): UrlPath<String>) -> Response {
    if let Some(r) = app.hold().await {
        return r;
    }
    match app.actor_index(&name) {
        Some(i) => (
            [("content-type", "application/activity+json")],
            app.docs[i].to_string(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn sink_inbox(
    State(app): State<SinkApp>,
    UrlPath(name): UrlPath<String>,
    body: axum::body::Bytes,
) -> Response {
    if let Some(r) = app.hold().await {
        return r;
    }
    let at = Instant::now();
    let wall_ms = wall_ms(SystemTime::now());
    let Some(actor) = app.actor_index(&name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // Only the activity's type and id are read: the sink must stay cheap, so that what is
    // measured is Ruche's sending, not our receiving.
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let kind = match v["type"].as_str() {
        Some("Accept") => Kind::Accept,
        Some("Create") => Kind::Create,
        Some("Announce") => Kind::Announce,
        Some("Update") => Kind::Update,
        _ => Kind::Other,
    };
    let id = v["id"].as_str().unwrap_or_default().to_string();
    if let Ok(mut a) = app.shared.arrivals.lock() {
        a.push(Arrival {
            host: app.index,
            actor,
            kind,
            id,
            at,
            wall_ms,
        });
    }
    StatusCode::ACCEPTED.into_response()
}

struct SinkHost {
    base: String,
    host: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

struct Sinks {
    hosts: Vec<SinkHost>,
    shared: Arc<Shared>,
}

impl Sinks {
    async fn start(n_hosts: usize, actors: usize, keys: &[(String, String)]) -> Result<Sinks> {
        let (release, _) = tokio::sync::watch::channel(false);
        let shared = Arc::new(Shared {
            arrivals: Mutex::new(Vec::with_capacity(n_hosts * actors * 4)),
            held: Mutex::new(Vec::new()),
            dead: (0..n_hosts).map(|_| AtomicBool::new(false)).collect(),
            release,
        });
        let mut hosts = Vec::with_capacity(n_hosts);
        for index in 0..n_hosts {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let host = listener.local_addr()?.to_string();
            let base = format!("http://{host}");
            let docs: Vec<Value> = (0..actors)
                .map(|j| {
                    let id = format!("{base}/users/u{j}");
                    let public = &keys[index * actors + j].0;
                    // Its own inbox and no `endpoints.sharedInbox`: Ruche must deliver to each
                    // actor separately, which is what makes 1,000 deliveries of one activity.
                    json!({
                        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
                        "id": id, "type": "Person", "preferredUsername": format!("u{j}"),
                        "name": format!("Sink {index} user {j}"),
                        "inbox": format!("{id}/inbox"), "outbox": format!("{id}/outbox"),
                        "followers": format!("{id}/followers"), "following": format!("{id}/following"),
                        "publicKey": { "id": format!("{id}#main-key"), "owner": id, "publicKeyPem": public },
                    })
                })
                .collect();
            let app = SinkApp {
                index,
                shared: shared.clone(),
                docs: Arc::new(docs),
            };
            let router = axum::Router::new()
                .route("/users/{name}", axum::routing::get(sink_actor))
                .route("/users/{name}/inbox", axum::routing::post(sink_inbox))
                .with_state(app);
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let task = tokio::spawn(async move {
                let _ = axum::serve(listener, router)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await;
            });
            hosts.push(SinkHost {
                base,
                host,
                stop: Some(stop),
                task,
            });
        }
        Ok(Sinks { hosts, shared })
    }

    fn actor_url(&self, host: usize, actor: usize) -> String {
        format!("{}/users/u{actor}", self.hosts[host].base)
    }

    /// Kills `host` the chosen way. A refusing host stops listening (its port refuses new
    /// connections, and axum's graceful shutdown closes Ruche's idle kept-alive ones).
    async fn kill(&mut self, host: usize, kind: DeadKind) -> Result<()> {
        match kind {
            DeadKind::Hang => self.shared.dead[host].store(true, Ordering::Relaxed),
            DeadKind::Refuse => {
                if let Some(stop) = self.hosts[host].stop.take() {
                    let _ = stop.send(());
                }
                let deadline = Instant::now() + Duration::from_secs(10);
                while !self.hosts[host].task.is_finished() {
                    ensure!(
                        Instant::now() < deadline,
                        "sink {} did not stop",
                        self.hosts[host].host
                    );
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                ensure!(
                    tokio::net::TcpStream::connect(&self.hosts[host].host)
                        .await
                        .is_err(),
                    "sink {} still accepts connections",
                    self.hosts[host].host
                );
            }
        }
        Ok(())
    }

    /// Distinct (host, actor) pairs that received an activity of `kind`, among `hosts`.
    fn reached(&self, kind: Kind, hosts: &HashSet<usize>) -> usize {
        let a = self.shared.arrivals.lock().map(|a| {
            a.iter()
                .filter(|x| x.kind == kind && hosts.contains(&x.host))
                .map(|x| (x.host, x.actor))
                .collect::<HashSet<_>>()
                .len()
        });
        a.unwrap_or(0)
    }

    async fn stop(mut self) {
        let _ = self.shared.release.send(true);
        for h in &mut self.hosts {
            if let Some(stop) = h.stop.take() {
                let _ = stop.send(());
            }
        }
        // Graceful shutdown closes idle connections at once; whatever is still open after a
        // few seconds is cut.
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline && self.hosts.iter().any(|h| !h.task.is_finished()) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        for h in self.hosts {
            h.task.abort();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Requests made by the bench, signed in advance so that signing costs nothing while timing

struct Prepared {
    method: reqwest::Method,
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// A POST signed as Mastodon and PeerTube sign theirs ([`ruche_testkit::peer::sign`]).
fn signed_post(url: &str, body: Vec<u8>, key_id: &str, pem: &str) -> Result<Prepared> {
    let signed = ruche_testkit::peer::sign(url, &body, key_id, pem, SystemTime::now());
    Ok(Prepared {
        method: reqwest::Method::POST,
        url: url.to_string(),
        headers: signed.headers,
        body: signed.body,
    })
}

struct Fired {
    elapsed: Duration,
    statuses: HashMap<u16, usize>,
}

impl Fired {
    fn rate(&self, n: usize) -> f64 {
        n as f64 / self.elapsed.as_secs_f64()
    }

    fn only(&self, status: u16) -> bool {
        self.statuses.keys().all(|s| *s == status)
    }

    fn describe(&self) -> String {
        let mut s: Vec<_> = self.statuses.iter().collect();
        s.sort();
        s.iter()
            .map(|(k, v)| format!("{v}× {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Sends every request, `concurrency` at a time, each on a kept-alive connection.
async fn fire(
    client: &reqwest::Client,
    reqs: Arc<Vec<Prepared>>,
    concurrency: usize,
) -> Result<Fired> {
    let next = Arc::new(AtomicUsize::new(0));
    let t0 = Instant::now();
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (client, reqs, next) = (client.clone(), reqs.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut statuses: HashMap<u16, usize> = HashMap::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(r) = reqs.get(i) else { break };
                let mut b = client.request(r.method.clone(), &r.url);
                for (k, v) in &r.headers {
                    b = b.header(k, v);
                }
                if !r.body.is_empty() {
                    b = b.body(r.body.clone());
                }
                let status = match b.send().await {
                    Ok(res) => {
                        let s = res.status().as_u16();
                        let _ = res.bytes().await;
                        s
                    }
                    Err(_) => 0,
                };
                *statuses.entry(status).or_default() += 1;
            }
            statuses
        }));
    }
    let mut statuses = HashMap::new();
    for t in tasks {
        for (k, v) in t.await? {
            *statuses.entry(k).or_default() += v;
        }
    }
    Ok(Fired {
        elapsed: t0.elapsed(),
        statuses,
    })
}

// ---------------------------------------------------------------------------------------------
// The server under test

struct Ruche {
    url: String,
    password: String,
    child: Child,
    dir: PathBuf,
    log: PathBuf,
    http: reqwest::Client,
    /// Its API, anonymously.
    api: Api,
}

impl Ruche {
    fn start(o: &Options, dir: &Path) -> Result<Ruche> {
        std::fs::create_dir_all(dir)?;
        let log = dir.join("server.log");
        let data = dir.join("data");
        // Only these settings (none inherited from our environment changes what is measured),
        // on a port the system picks.
        let env: Vec<(String, String)> = [
            ("RUCHE_DATA_DIR", data.display().to_string()),
            ("RUCHE_LISTEN", "127.0.0.1:0".into()),
            (
                "RUCHE_DATABASE_URL",
                format!("sqlite://{}", data.join("ruche.db").display()),
            ),
            ("RUCHE_FEDERATION_ALLOW_INSECURE", "true".into()),
            ("RUCHE_TRANSCODING_RESOLUTIONS", "240".into()),
            ("RUCHE_LOG", o.log_filter.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let (child, banner) = ruche_testkit::serve(&o.bin, &env, &log, true).map_err(|e| {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            anyhow!("{e}:\n{}", tail(&text, 40))
        })?;
        if let Ok(mut c) = CHILDREN.lock() {
            c.push(child.id());
        }
        let http = ruche_testkit::client();
        Ok(Ruche {
            api: Api::new(&banner.url, http.clone()),
            url: banner.url,
            password: banner.password.context("no administrator password")?,
            child,
            dir: dir.to_path_buf(),
            log,
            http,
        })
    }

    fn log_tail(&self, lines: usize) -> String {
        tail(
            &std::fs::read_to_string(&self.log).unwrap_or_default(),
            lines,
        )
    }

    async fn token(&self) -> Result<String> {
        let root = self.api.login("root", &self.password).await;
        Ok(root.token().to_string())
    }

    async fn upload(&self, token: &str, clip: &Path, name: &str) -> Result<String> {
        let (status, v) = self.api.with(token).upload(clip, 1, name, &[]).await;
        ensure!(status == 200, "upload answered {status}: {v}");
        Ok(v["video"]["uuid"]
            .as_str()
            .context("no uuid in the upload's answer")?
            .to_string())
    }

    async fn video(&self, uuid: &str) -> Result<Value> {
        let (status, v) = self.api.get_json(&format!("/api/v1/videos/{uuid}")).await;
        ensure!(status == 200, "video {uuid} answered {status}");
        Ok(v)
    }
}

/// The last `lines` lines of `text`.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

impl Drop for Ruche {
    fn drop(&mut self) {
        let pid = self.child.id();
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Ok(mut c) = CHILDREN.lock() {
            c.retain(|p| *p != pid);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// One run

struct FanOut {
    dead: Option<DeadKind>,
    live_inboxes: usize,
    /// Create and Announce deliveries that reached live inboxes (each counted once).
    delivered: usize,
    creates: usize,
    announces: usize,
    /// The video's `Update` (its thumbnail joins a moment after publication), counted apart.
    updates: usize,
    duplicates: usize,
    /// From the first arrival at any sink to the last Create/Announce at a live one.
    span: Duration,
    create_span: Duration,
    /// From the first arrival to the last live Create, Announce or Update.
    all_span: Duration,
    /// From the video's `publishedAt` (Ruche's clock, same machine) to the first arrival and
    /// to the last live one.
    pub_to_first_ms: i64,
    pub_to_last_ms: i64,
    /// Requests the dead hosts took and held, and when the first and last of them came
    /// (from the first arrival anywhere).
    held: usize,
    held_first: Option<Duration>,
    held_last: Option<Duration>,
    follows_secs: f64,
    /// Milliseconds to sign one request with `ruche_federation::sign` (RSA 2048), here.
    sign_ms: f64,
    /// CPU seconds used by Ruche and by this program (sinks and client) from the upload to the
    /// last live Create/Announce.
    ruche_cpu: f64,
    bench_cpu: f64,
}

impl FanOut {
    fn rate(&self) -> f64 {
        self.delivered as f64 / self.span.as_secs_f64()
    }

    fn create_rate(&self) -> f64 {
        self.creates as f64 / self.create_span.as_secs_f64()
    }

    fn all_rate(&self) -> f64 {
        (self.delivered + self.updates) as f64 / self.all_span.as_secs_f64()
    }
}

struct Inbox {
    n: usize,
    likes: usize,
    views: usize,
    baseline_before: f64,
    baseline_after: f64,
    unsigned: f64,
    verified: f64,
    applied: f64,
    verified_secs: f64,
    applied_secs: f64,
    /// Ruche's CPU seconds from the first signed POST until everything was applied.
    ruche_cpu: f64,
    /// With `--blocked`: how many activities the blocked hosts' actors sent, refused per
    /// second (all 403), and the signed path's rate measured again right before them.
    refused: Option<(usize, f64, f64)>,
}

impl Inbox {
    fn baseline(&self) -> f64 {
        (self.baseline_before + self.baseline_after) / 2.0
    }
}

struct Run {
    label: String,
    fan: FanOut,
    inbox: Option<Inbox>,
}

/// CPU seconds (user + system) a process has used so far, from `/proc/<pid>/stat`.
fn cpu_secs(pid: &str) -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    let ticks = *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    });
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime
    // are fields 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    f.get(11)
        .zip(f.get(12))
        .map_or(0.0, |(u, s)| (u + s) / ticks)
}

/// Which code was measured: the checkout's commit (and whether tracked files differ from it)
/// and when the server binary was built. Other sessions commit to this tree while benches run,
/// so a figure is only meaningful with its commit.
fn provenance(bin: &Path) -> String {
    let run = |args: &[&str]| {
        Command::new(args[0])
            .args(&args[1..])
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    let commit = run(&["git", "rev-parse", "--short", "HEAD"]);
    let dirty = !run(&["git", "status", "--porcelain", "--untracked-files=no"]).is_empty();
    let built = run(&[
        "date",
        "-u",
        "-r",
        &bin.display().to_string(),
        "+%Y-%m-%d %H:%M UTC",
    ]);
    format!(
        "commit {commit}{}, server binary built {built}",
        if dirty {
            " with uncommitted changes"
        } else {
            ""
        }
    )
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn wall_ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Unix milliseconds of `2026-12-01T18:42:37.123Z`, as Ruche writes dates.
fn iso_ms(s: &str) -> Option<i64> {
    let (date, time) = s.trim_end_matches('Z').split_once('T')?;
    let d: Vec<i64> = date.split('-').filter_map(|x| x.parse().ok()).collect();
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let t: Vec<i64> = hms.split(':').filter_map(|x| x.parse().ok()).collect();
    if d.len() != 3 || t.len() != 3 {
        return None;
    }
    let ms: i64 = format!("{frac:0<3}").get(..3)?.parse().ok()?;
    // Days from the civil date (Howard Hinnant's algorithm).
    let (y, m, day) = (if d[1] <= 2 { d[0] - 1 } else { d[0] }, d[1], d[2]);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + t[0] * 3600 + t[1] * 60 + t[2]) * 1000 + ms)
}

async fn wait_until(what: &str, deadline: Duration, mut done: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + deadline;
    while Instant::now() < end {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!("  timed out waiting for {what}");
    done()
}

async fn run_once(
    o: &Options,
    keys: &[(String, String)],
    clip: &Path,
    tmp: &Path,
    label: &str,
    dead: Option<DeadKind>,
) -> Result<Run> {
    eprintln!("run {label}:");
    let mut sinks = Sinks::start(o.hosts, o.actors, keys).await?;
    let ruche = Ruche::start(o, &tmp.join(label))?;
    let outcome = run_with(o, keys, clip, label, dead, &mut sinks, &ruche).await;
    if outcome.is_err() {
        eprintln!("  server log (tail):\n{}", ruche.log_tail(60));
    }
    // The server goes first, so that its kept-alive connections to the sinks close with it.
    let (dir, log) = (ruche.dir.clone(), ruche.log.clone());
    drop(ruche);
    sinks.stop().await;
    if let Some(logs) = &o.logs {
        std::fs::create_dir_all(logs)?;
        let _ = std::fs::copy(&log, logs.join(format!("{label}.log")));
    }
    let _ = std::fs::remove_dir_all(dir);
    outcome
}

async fn run_with(
    o: &Options,
    keys: &[(String, String)],
    clip: &Path,
    label: &str,
    dead: Option<DeadKind>,
    sinks: &mut Sinks,
    ruche: &Ruche,
) -> Result<Run> {
    let token = ruche.token().await?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(o.concurrency)
        .build()?;
    let n = o.hosts * o.actors;
    let actor_of = |i: usize| (i / o.actors, i % o.actors);

    // Every actor follows root's channel, on the channel's own inbox.
    let channel = format!("{}/video-channels/root_channel", ruche.url);
    let channel_inbox = format!("{channel}/inbox");
    let urls: Vec<String> = (0..n)
        .map(|i| {
            let (h, a) = actor_of(i);
            sinks.actor_url(h, a)
        })
        .collect();
    // Signing here is timed: it is the same function (and key size) Ruche signs each delivery
    // with, so it tells what a delivery's signature costs on this machine.
    let t_sign = Instant::now();
    let follows = {
        let (urls, keys, channel, inbox) = (
            urls.clone(),
            keys.to_vec(),
            channel.clone(),
            channel_inbox.clone(),
        );
        tokio::task::spawn_blocking(move || -> Result<Vec<Prepared>> {
            urls.iter()
                .zip(&keys)
                .map(|(actor, (_, private))| {
                    let body = serde_json::to_vec(&json!({
                        "@context": "https://www.w3.org/ns/activitystreams",
                        "id": format!("{actor}/follows/1"), "type": "Follow", "actor": actor,
                        "object": channel,
                    }))?;
                    signed_post(&inbox, body, &format!("{actor}#main-key"), private)
                })
                .collect()
        })
        .await??
    };
    let sign_ms = t_sign.elapsed().as_secs_f64() * 1000.0 / n as f64;
    let t_follow = Instant::now();
    let fired = fire(&client, Arc::new(follows), o.concurrency).await?;
    ensure!(
        fired.only(204),
        "the Follows were not all taken: {}",
        fired.describe()
    );
    let all: HashSet<usize> = (0..o.hosts).collect();
    if !wait_until("the Accepts", Duration::from_secs(600), || {
        sinks.reached(Kind::Accept, &all) == n
    })
    .await
    {
        bail!(
            "only {} of {n} Accepts arrived",
            sinks.reached(Kind::Accept, &all)
        );
    }
    let follows_secs = t_follow.elapsed().as_secs_f64();
    eprintln!("  {n} follows taken and accepted in {follows_secs:.1} s");

    // Kill the dead hosts, if any: the ones Ruche tries first (it takes due hosts in the order
    // of their oldest delivery, then by `host:port`, and every host's oldest delivery is the
    // same Create), or evenly spread among the others.
    let mut dead_hosts: Vec<usize> = Vec::new();
    if let Some(kind) = dead {
        let mut order: Vec<usize> = (0..o.hosts).collect();
        if o.dead_first {
            order.sort_by(|a, b| sinks.hosts[*a].host.cmp(&sinks.hosts[*b].host));
            dead_hosts = order[..o.dead].to_vec();
        } else {
            let step = o.hosts / o.dead.max(1);
            dead_hosts = (0..o.dead).map(|k| order[k * step]).collect();
        }
        for h in &dead_hosts {
            sinks.kill(*h, kind).await?;
        }
        eprintln!(
            "  dead ({}): {}",
            kind.label(),
            dead_hosts
                .iter()
                .map(|h| sinks.hosts[*h].host.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    let live: HashSet<usize> = all
        .iter()
        .copied()
        .filter(|h| !dead_hosts.contains(h))
        .collect();
    let live_inboxes = live.len() * o.actors;

    // The new video.
    let mark = sinks.shared.arrivals.lock().map(|a| a.len()).unwrap_or(0);
    let pid = ruche.child.id().to_string();
    let (cpu0, self0) = (cpu_secs(&pid), cpu_secs("self"));
    let uuid = ruche
        .upload(&token, clip, &format!("Fan-out {label}"))
        .await?;
    let complete = wait_until("the Create and Announce", Duration::from_secs(600), || {
        sinks.reached(Kind::Create, &live) == live_inboxes
            && sinks.reached(Kind::Announce, &live) == live_inboxes
    })
    .await;
    let (ruche_cpu, bench_cpu) = (cpu_secs(&pid) - cpu0, cpu_secs("self") - self0);
    // Ruche also sends the video's Update once its thumbnail is made, a moment after it is
    // published: it shares the delivery slots, so it is waited for and counted apart.
    wait_until("the Updates", Duration::from_secs(120), || {
        sinks.reached(Kind::Update, &live) == live_inboxes
    })
    .await;
    // A moment more, for late extras (a delivery made twice).
    tokio::time::sleep(Duration::from_secs(1)).await;
    let v = ruche.video(&uuid).await?;
    let published = v["publishedAt"]
        .as_str()
        .and_then(iso_ms)
        .context("the video has no publishedAt")?;

    let fan = {
        let arrivals = sinks
            .shared
            .arrivals
            .lock()
            .map_err(|_| anyhow!("poisoned"))?;
        let held = sinks.shared.held.lock().map_err(|_| anyhow!("poisoned"))?;
        let new = &arrivals[mark..];
        let mut seen: HashSet<(usize, usize, Kind)> = HashSet::new();
        let mut ids: HashSet<(usize, usize, &str)> = HashSet::new();
        let (mut creates, mut announces, mut updates, mut duplicates) = (0, 0, 0, 0);
        let mut first: Option<Instant> = held.iter().map(|(_, t)| *t).min();
        let (mut last, mut create_last): (Option<&Arrival>, Option<Instant>) = (None, None);
        let mut last_any: Option<Instant> = None;
        let mut create_first: Option<Instant> = None;
        let mut first_wall: Option<i64> = None;
        for a in new {
            first = Some(first.map_or(a.at, |f| f.min(a.at)));
            first_wall = Some(first_wall.map_or(a.wall_ms, |f| f.min(a.wall_ms)));
            if !ids.insert((a.host, a.actor, a.id.as_str())) {
                duplicates += 1;
                continue;
            }
            if !live.contains(&a.host) {
                continue;
            }
            match a.kind {
                Kind::Create | Kind::Announce if seen.insert((a.host, a.actor, a.kind)) => {
                    if a.kind == Kind::Create {
                        creates += 1;
                        create_first = Some(create_first.map_or(a.at, |f| f.min(a.at)));
                        create_last = Some(create_last.map_or(a.at, |l| l.max(a.at)));
                    } else {
                        announces += 1;
                    }
                    if last.is_none_or(|l| a.at > l.at) {
                        last = Some(a);
                    }
                }
                Kind::Update if seen.insert((a.host, a.actor, a.kind)) => {
                    updates += 1;
                    last_any = Some(last_any.map_or(a.at, |l| l.max(a.at)));
                }
                _ => {}
            }
        }
        let (Some(first), Some(last)) = (first, last) else {
            bail!("no Create or Announce arrived");
        };
        let since = |t: Instant| t.saturating_duration_since(first);
        FanOut {
            dead,
            live_inboxes,
            delivered: creates + announces,
            creates,
            announces,
            updates,
            duplicates,
            span: last.at - first,
            all_span: last_any.map_or(last.at, |u| u.max(last.at)) - first,
            create_span: create_last.unwrap_or(first) - create_first.unwrap_or(first),
            pub_to_first_ms: first_wall.unwrap_or(published) - published,
            pub_to_last_ms: last.wall_ms - published,
            held: held.len(),
            held_first: held.iter().map(|(_, t)| since(*t)).min(),
            held_last: held.iter().map(|(_, t)| since(*t)).max(),
            follows_secs,
            sign_ms,
            ruche_cpu,
            bench_cpu,
        }
    };
    eprintln!(
        "  {} of {} live deliveries in {:.3} s: {:.0}/s; publication → last live {:.3} s; held by dead hosts: {}",
        fan.delivered,
        2 * live_inboxes,
        fan.span.as_secs_f64(),
        fan.rate(),
        fan.pub_to_last_ms as f64 / 1000.0,
        fan.held
    );
    if !complete {
        eprintln!("  server log (tail):\n{}", ruche.log_tail(60));
    }

    let inbox = if dead.is_none() && !o.skip_inbox {
        Some(inbox_bench(o, keys, &urls, &uuid, ruche, &client).await?)
    } else {
        None
    };
    Ok(Run {
        label: label.to_string(),
        fan,
        inbox,
    })
}

/// The instance blocks the first `--blocked` hosts; then, in the same run, new signed Views from
/// the actors of the other hosts (accepted: verified, 204) and as many from the blocked hosts'
/// actors (refused before any key is read: 403), each at the same concurrency: (how many, the
/// refused per second, the accepted per second).
async fn blocked_bench(
    o: &Options,
    keys: &[(String, String)],
    urls: &[String],
    video: &str,
    ruche: &Ruche,
    client: &reqwest::Client,
) -> Result<(usize, f64, f64)> {
    let host = |u: &str| ruche_domain::host::host_of(u).unwrap_or_default();
    let mut hosts: Vec<String> = urls.iter().map(|u| host(u)).collect();
    hosts.dedup();
    let blocked: Vec<String> = hosts.into_iter().take(o.blocked).collect();
    let root = ruche.api.with(&ruche.token().await?);
    for h in &blocked {
        let (status, body) = root
            .post_json("/api/v1/server/blocklist/servers", json!({ "host": h }))
            .await;
        ensure!(status == 204, "blocking {h} answered {status}: {body}");
    }
    let inbox = format!("{}/inbox", ruche.url);
    let (mut from_blocked, mut from_others) = (Vec::new(), Vec::new());
    for (k, a) in urls.iter().enumerate() {
        if blocked.contains(&host(a)) {
            from_blocked.push(k);
        } else {
            from_others.push(k);
        }
    }
    ensure!(!from_others.is_empty(), "--blocked left no host unblocked");
    let n = o.views.max(from_blocked.len());
    let make = |actors: Vec<usize>, tag: &'static str| {
        let (keys, urls, inbox, video) = (
            keys.to_vec(),
            urls.to_vec(),
            inbox.clone(),
            video.to_string(),
        );
        tokio::task::spawn_blocking(move || -> Result<Vec<Prepared>> {
            (0..n)
                .map(|i| {
                    let k = actors[i % actors.len()];
                    let a = &urls[k];
                    let body = serde_json::to_vec(&json!({
                        "@context": "https://www.w3.org/ns/activitystreams",
                        "id": format!("{a}/views/{tag}-{i}"), "type": "View", "actor": a, "object": video,
                        "to": ["https://www.w3.org/ns/activitystreams#Public"],
                    }))?;
                    signed_post(&inbox, body, &format!("{a}#main-key"), &keys[k].1)
                })
                .collect()
        })
    };
    let refused_reqs = make(from_blocked, "blocked").await??;
    let accepted_reqs = make(from_others, "after").await??;
    let accepted = fire(client, Arc::new(accepted_reqs), o.concurrency).await?;
    ensure!(
        accepted.only(204),
        "signed POSTs of unblocked hosts: {}",
        accepted.describe()
    );
    let refused = fire(client, Arc::new(refused_reqs), o.concurrency).await?;
    ensure!(
        refused.only(403),
        "signed POSTs of blocked hosts: {}",
        refused.describe()
    );
    eprintln!(
        "  blocked: {n} activities of {} blocked hosts refused at {:.0}/s; {n} of the others accepted at {:.0}/s",
        blocked.len(),
        refused.rate(n),
        accepted.rate(n)
    );
    Ok((n, refused.rate(n), accepted.rate(n)))
}

/// Likes (one per actor: a rating is one per account) and Views (each adds a view) of the
/// video, signed by the followers, against `GET /api/v1/config` at the same concurrency.
async fn inbox_bench(
    o: &Options,
    keys: &[(String, String)],
    urls: &[String],
    uuid: &str,
    ruche: &Ruche,
    client: &reqwest::Client,
) -> Result<Inbox> {
    let video = format!("{}/videos/watch/{uuid}", ruche.url);
    let inbox = format!("{}/inbox", ruche.url);
    let before = ruche.video(uuid).await?;
    let (likes0, views0) = (
        before["likes"].as_u64().unwrap_or(0) as usize,
        before["views"].as_u64().unwrap_or(0) as usize,
    );
    let likes = urls.len();
    let views = o.views;
    // Likes and Views interleaved, as a busy instance receives them.
    let bodies: Vec<(usize, Value)> = {
        let mut b = Vec::with_capacity(likes + views);
        for i in 0..likes.max(views) {
            if i < likes {
                let a = &urls[i];
                b.push((
                    i,
                    json!({
                        "@context": "https://www.w3.org/ns/activitystreams",
                        "id": format!("{a}/likes/1"), "type": "Like", "actor": a, "object": video,
                    }),
                ));
            }
            if i < views {
                let k = i % urls.len();
                let a = &urls[k];
                b.push((
                    k,
                    json!({
                        "@context": "https://www.w3.org/ns/activitystreams",
                        "id": format!("{a}/views/{i}"), "type": "View", "actor": a, "object": video,
                        "to": ["https://www.w3.org/ns/activitystreams#Public"],
                    }),
                ));
            }
        }
        b
    };
    let n = bodies.len();
    let (signed, unsigned) = {
        let (bodies, keys, urls, inbox) = (bodies, keys.to_vec(), urls.to_vec(), inbox.clone());
        tokio::task::spawn_blocking(move || -> Result<(Vec<Prepared>, Vec<Prepared>)> {
            let mut signed = Vec::with_capacity(bodies.len());
            let mut unsigned = Vec::with_capacity(bodies.len());
            for (k, body) in &bodies {
                let bytes = serde_json::to_vec(body)?;
                unsigned.push(Prepared {
                    method: reqwest::Method::POST,
                    url: inbox.clone(),
                    headers: vec![("Content-Type".into(), "application/activity+json".into())],
                    body: bytes.clone(),
                });
                signed.push(signed_post(
                    &inbox,
                    bytes,
                    &format!("{}#main-key", urls[*k]),
                    &keys[*k].1,
                )?);
            }
            Ok((signed, unsigned))
        })
        .await??
    };
    let config: Arc<Vec<Prepared>> = Arc::new(
        (0..n)
            .map(|_| Prepared {
                method: reqwest::Method::GET,
                url: format!("{}/api/v1/config", ruche.url),
                headers: Vec::new(),
                body: Vec::new(),
            })
            .collect(),
    );

    let b1 = fire(client, config.clone(), o.concurrency).await?;
    ensure!(b1.only(200), "GET /api/v1/config: {}", b1.describe());
    let u = fire(client, Arc::new(unsigned), o.concurrency).await?;
    ensure!(u.only(401), "unsigned POSTs: {}", u.describe());

    // The video's counters are read every 20 ms while the signed activities go in: applied
    // is when they show every like and every view.
    let watcher = {
        let (http, url) = (
            ruche.http.clone(),
            format!("{}/api/v1/videos/{uuid}", ruche.url),
        );
        let (want_likes, want_views) = (likes0 + likes, views0 + views);
        tokio::spawn(async move {
            let end = Instant::now() + Duration::from_secs(600);
            let mut seen = (0, 0);
            while Instant::now() < end {
                if let Ok(r) = http.get(&url).send().await
                    && let Ok(v) = r.json::<Value>().await
                {
                    seen = (
                        v["likes"].as_u64().unwrap_or(0) as usize,
                        v["views"].as_u64().unwrap_or(0) as usize,
                    );
                    if seen.0 >= want_likes && seen.1 >= want_views {
                        return Ok(Instant::now());
                    }
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(anyhow!(
                "the counters stopped at {} likes and {} views of {want_likes} and {want_views}",
                seen.0,
                seen.1
            ))
        })
    };
    let pid = ruche.child.id().to_string();
    let cpu0 = cpu_secs(&pid);
    let t0 = Instant::now();
    let s = fire(client, Arc::new(signed), o.concurrency).await?;
    ensure!(s.only(204), "signed POSTs: {}", s.describe());
    let applied_at = watcher.await??;
    let applied_secs = (applied_at - t0).as_secs_f64();
    let ruche_cpu = cpu_secs(&pid) - cpu0;

    let b2 = fire(client, config, o.concurrency).await?;
    ensure!(b2.only(200), "GET /api/v1/config: {}", b2.describe());
    let refused = if o.blocked > 0 {
        Some(blocked_bench(o, keys, urls, &video, ruche, client).await?)
    } else {
        None
    };
    let r = Inbox {
        refused,
        n,
        likes,
        views,
        baseline_before: b1.rate(n),
        baseline_after: b2.rate(n),
        unsigned: u.rate(n),
        verified: s.rate(n),
        applied: n as f64 / applied_secs,
        verified_secs: s.elapsed.as_secs_f64(),
        applied_secs,
        ruche_cpu,
    };
    eprintln!(
        "  inbox: {n} signed activities verified at {:.0}/s, applied at {:.0}/s; GET /api/v1/config {:.0}/s, unsigned refused {:.0}/s",
        r.verified,
        r.applied,
        r.baseline(),
        r.unsigned
    );
    Ok(r)
}

// ---------------------------------------------------------------------------------------------
// Report

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn spread(v: &[f64], digits: usize) -> String {
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{lo:.digits$}–{hi:.digits$}")
}

fn report(o: &Options, runs: &[Run], cmdline: &str, measured: &str, load: (&str, &str)) {
    let n = o.hosts * o.actors;
    println!(
        "### federation — `{cmdline}`, {} cores, release build\n",
        std::thread::available_parallelism().map_or(1, |p| p.get())
    );
    println!(
        "Measured: {}. Load average {} at the start, {} at the end. Ruche, the sinks and the client share the machine.\n",
        measured, load.0, load.1
    );
    println!(
        "Fan-out of one new video to {n} follower inboxes on {} loopback hosts ({} per host, no shared inbox): \
         Create + Announce = {} deliveries when all hosts live. Dead hosts: {} ({}).\n",
        o.hosts,
        o.actors,
        2 * n,
        o.dead,
        if o.dead_first {
            "the hosts Ruche tries first"
        } else {
            "spread evenly"
        }
    );
    println!(
        "| run | dead hosts | live Create + Announce | first → last live | deliveries/s | Create only /s | publication → first, last live | CPU-s Ruche (bench) | held by dead hosts (from first arrival) | with the Updates: live, first → last, /s | duplicates |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for r in runs {
        let f = &r.fan;
        let dead = match f.dead {
            None => "0".to_string(),
            Some(k) => format!("{} ({})", o.dead, k.label()),
        };
        let held = match (f.dead, f.held_first, f.held_last) {
            (Some(DeadKind::Hang), Some(a), Some(b)) => format!(
                "{} ({:.2}–{:.2} s)",
                f.held,
                a.as_secs_f64(),
                b.as_secs_f64()
            ),
            (Some(DeadKind::Hang), _, _) => "0".into(),
            _ => "—".into(),
        };
        println!(
            "| {} | {dead} | {}/{} ({} + {}) | {:.3} s | {:.0} | {:.0} | {:.3} s, {:.3} s | {:.2} ({:.2}) | {held} | {}, {:.3} s, {:.0} | {} |",
            r.label,
            f.delivered,
            2 * f.live_inboxes,
            f.creates,
            f.announces,
            f.span.as_secs_f64(),
            f.rate(),
            f.create_rate(),
            f.pub_to_first_ms as f64 / 1000.0,
            f.pub_to_last_ms as f64 / 1000.0,
            f.ruche_cpu,
            f.bench_cpu,
            f.updates,
            f.all_span.as_secs_f64(),
            f.all_rate(),
            f.duplicates
        );
    }
    println!();
    let group = |k: Option<DeadKind>| -> Vec<&Run> {
        runs.iter().filter(|r| r.fan.dead == k).collect::<Vec<_>>()
    };
    let live = group(None);
    let live_med = median(live.iter().map(|r| r.fan.rate()).collect());
    let live_all_med = median(live.iter().map(|r| r.fan.all_rate()).collect());
    println!(
        "| configuration | runs | deliveries/s, median (min–max) | first → last live, median (min–max) | publication → last live, median | **ratio to all-live** (median / median) | target | with the Updates: /s, median (ratio) |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let line = |name: String, rs: &[&Run], target: &str| {
        let rates: Vec<f64> = rs.iter().map(|r| r.fan.rate()).collect();
        let spans: Vec<f64> = rs.iter().map(|r| r.fan.span.as_secs_f64()).collect();
        let pubs: Vec<f64> = rs
            .iter()
            .map(|r| r.fan.pub_to_last_ms as f64 / 1000.0)
            .collect();
        let all = median(rs.iter().map(|r| r.fan.all_rate()).collect());
        let m = median(rates.clone());
        println!(
            "| {name} | {} | **{m:.0}** ({}) | {:.3} s ({} s) | {:.3} s | **{:.2}** | {target} | {all:.0} ({:.2}) |",
            rs.len(),
            spread(&rates, 0),
            median(spans.clone()),
            spread(&spans, 3),
            median(pubs),
            m / live_med,
            all / live_all_med,
        );
    };
    line("all hosts live (baseline)".into(), &live, "");
    for k in &o.dead_kinds {
        let rs = group(Some(*k));
        if !rs.is_empty() {
            line(
                format!("{} % of hosts dead ({})", 100 * o.dead / o.hosts, k.label()),
                &rs,
                "≥ 0.90",
            );
        }
    }
    println!();

    let follows: Vec<f64> = runs.iter().map(|r| r.fan.follows_secs).collect();
    let signs: Vec<f64> = runs.iter().map(|r| r.fan.sign_ms).collect();
    println!(
        "Setup, for information: {n} signed Follows taken and all {n} Accepts delivered in {:.1} s (median; {} s). \
         Signing one request with `ruche_federation::sign` (RSA 2048, the function Ruche signs each delivery with) \
         took {:.2} ms on one core of this machine (median; {} ms).",
        median(follows.clone()),
        spread(&follows, 1),
        median(signs.clone()),
        spread(&signs, 2)
    );
    println!();

    let inboxes: Vec<&Inbox> = runs.iter().filter_map(|r| r.inbox.as_ref()).collect();
    if inboxes.is_empty() {
        return;
    }
    let i0 = inboxes[0];
    println!(
        "Inbox: {} signed activities ({} Likes, one per actor, and {} Views) POSTed to `/inbox`, {} at a time, \
         on each all-live instance after its fan-out; baseline `GET /api/v1/config`, same client, same concurrency, \
         the mean of one pass before and one after.\n",
        i0.n, i0.likes, i0.views, o.concurrency
    );
    println!(
        "| run | GET /api/v1/config /s (before, after) | unsigned POSTs refused /s | signed verified /s (all 204) | applied /s (counters show all) | CPU-s Ruche, signed phase | verified / baseline | applied / baseline |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (r, i) in runs.iter().filter_map(|r| r.inbox.as_ref().map(|i| (r, i))) {
        println!(
            "| {} | {:.0} ({:.0}, {:.0}) | {:.0} | {:.0} ({:.2} s) | {:.0} ({:.2} s) | {:.2} | {:.3} | {:.3} |",
            r.label,
            i.baseline(),
            i.baseline_before,
            i.baseline_after,
            i.unsigned,
            i.verified,
            i.verified_secs,
            i.applied,
            i.applied_secs,
            i.ruche_cpu,
            i.verified / i.baseline(),
            i.applied / i.baseline()
        );
    }
    let col = |f: &dyn Fn(&Inbox) -> f64| -> Vec<f64> { inboxes.iter().map(|i| f(i)).collect() };
    let (b, u, v, a, c) = (
        col(&|i| i.baseline()),
        col(&|i| i.unsigned),
        col(&|i| i.verified),
        col(&|i| i.applied),
        col(&|i| i.ruche_cpu),
    );
    let (rv, ra) = (
        col(&|i| i.verified / i.baseline()),
        col(&|i| i.applied / i.baseline()),
    );
    println!(
        "| **median** (min–max) | **{:.0}** ({}) | {:.0} ({}) | **{:.0}** ({}) | **{:.0}** ({}) | {:.2} | **{:.3}** ({}) | **{:.3}** ({}) |",
        median(b.clone()),
        spread(&b, 0),
        median(u.clone()),
        spread(&u, 0),
        median(v.clone()),
        spread(&v, 0),
        median(a.clone()),
        spread(&a, 0),
        median(c),
        median(rv.clone()),
        spread(&rv, 3),
        median(ra.clone()),
        spread(&ra, 3)
    );
    println!();
    let refusals: Vec<(usize, f64, f64)> = inboxes.iter().filter_map(|i| i.refused).collect();
    if let Some((n, _, _)) = refusals.first() {
        println!(
            "Blocked instances: the instance then blocks {} of the hosts; {n} new signed Views from \
             the actors of the others (verified, 204), then {n} from the blocked hosts' actors \
             (refused before any key is read, 403), {} at a time. Target: refused /s ≥ accepted /s.\n",
            o.blocked, o.concurrency
        );
        println!("| run | accepted /s | refused /s | refused / accepted | target |");
        println!("|---|---|---|---|---|");
        for (r, (_, refused, accepted)) in runs
            .iter()
            .filter_map(|r| r.inbox.as_ref().and_then(|i| i.refused).map(|x| (r, x)))
        {
            let ok = if refused >= accepted {
                "met"
            } else {
                "**missed**"
            };
            println!(
                "| {} | {accepted:.0} | {refused:.0} | {:.2} | {ok} |",
                r.label,
                refused / accepted
            );
        }
        println!();
    }
}

// ---------------------------------------------------------------------------------------------

fn make_clip(dir: &Path) -> PathBuf {
    ruche_testkit::clip(
        dir,
        "clip.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=320x180:r=25:d=2",
            "-f",
            "lavfi",
            "-i",
            "sine=f=440:d=2",
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

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<()> {
    let o = options()?;
    ensure!(
        o.bin.exists(),
        "{} not found: build it with `cargo build --release -p ruche`",
        o.bin.display()
    );
    ruche_fetch::install_default_crypto();
    spawn_signal_cleanup();
    let tmp = match &o.tmp {
        Some(t) => tempfile::Builder::new()
            .prefix("ruche-fedbench-")
            .tempdir_in(t)?,
        None => tempfile::Builder::new()
            .prefix("ruche-fedbench-")
            .tempdir()?,
    };
    if let Ok(mut t) = TMP_ROOT.lock() {
        *t = Some(tmp.path().to_path_buf());
    }
    let keys = {
        let (path, n) = (o.keys.clone(), o.hosts * o.actors);
        tokio::task::spawn_blocking(move || load_keys(&path, n)).await??
    };
    let clip = make_clip(tmp.path());
    let (measured, load_start) = (provenance(&o.bin), loadavg());
    let mut runs = Vec::new();
    for round in 0..o.rounds {
        // Alternate the order, so that both configurations see the machine's drift alike.
        let mut configs: Vec<Option<DeadKind>> = vec![None];
        configs.extend(o.dead_kinds.iter().map(|k| Some(*k)));
        if round % 2 == 1 {
            configs.reverse();
        }
        for c in configs {
            let label = match c {
                None => format!("live-{}", round + 1),
                Some(k) => format!("dead-{}-{}", k.label(), round + 1),
            };
            runs.push(run_once(&o, &keys, &clip, tmp.path(), &label, c).await?);
        }
    }
    // The command as run.sh takes it: the temporary directory it chose is left out.
    let mut shown = vec!["bench/federation/run.sh".to_string()];
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--tmp" {
            args.next();
        } else {
            shown.push(a);
        }
    }
    let cmdline = shown.join(" ");
    report(&o, &runs, &cmdline, &measured, (&load_start, &loadavg()));
    Ok(())
}

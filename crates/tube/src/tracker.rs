//! The tracker's service: `ruche_p2p::tracker`'s state behind the instance's rules. An announce
//! is taken only while P2P is on, within its address's rate, and (the tracker being private, as
//! PeerTube's is by default) for an info hash this instance serves or knows; an address that
//! asks a WebSocket for an unknown hash is refused for three minutes, as PeerTube refuses it.
//! The web layer owns the sockets and calls this for every message.
//!
//! The state is this process's: behind a load balancer, send `/tracker/` to one process.

use crate::Tube;
use crate::limiter::{Limit, Limiter, address_key};
use crate::torrents::Tracked;
use ruche_domain::settings::Settings;
use ruche_p2p::tracker::{
    self as core, ConnId, Failure, Inbox, Limits, Stats, Tracker, WsRequest, bencoded,
};
use std::collections::HashMap;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long an address that asked for an unknown info hash is refused (PeerTube's value).
const BLOCK: Duration = Duration::from_secs(3 * 60);
const MAX_BLOCKED: usize = 100_000;

/// What the socket does after a message.
#[derive(Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// The failure was sent; close the socket.
    Close,
}

/// A message handled, or the rest of its handling (waiting on the database).
pub enum Step {
    Done(Flow),
    Later(Pin<Box<dyn Future<Output = Flow> + Send>>),
}

pub struct Hub {
    core: Mutex<Tracker>,
    tracked: Tracked,
    announces: Limiter,
    blocked: Mutex<HashMap<IpAddr, Instant>>,
    enabled: bool,
    private: bool,
}

impl Hub {
    pub fn new(s: &Settings) -> Hub {
        let p = &s.p2p;
        let limits = Limits {
            max_swarms: p.max_swarms,
            max_peers_per_swarm: p.max_peers_per_swarm,
            max_peers: p.max_peers,
            max_connections: p.max_connections,
            max_connections_per_address: p.max_connections_per_address,
            ..Limits::default()
        };
        Hub {
            core: Mutex::new(Tracker::new(limits)),
            tracked: Tracked::default(),
            announces: Limiter::new(
                "tracker announces",
                Limit {
                    max: p.announces.max,
                    window: Duration::from_secs(p.announces.window_secs),
                },
                s.rates.max_keys,
            ),
            blocked: Mutex::new(HashMap::new()),
            enabled: p.enabled,
            private: p.private,
        }
    }

    fn core(&self) -> MutexGuard<'_, Tracker> {
        // A panic while holding it cannot leave the state half-changed in a way that matters
        // more than losing the tracker: carry on with what is there.
        self.core.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    pub fn stats(&self) -> Stats {
        self.core().stats()
    }

    fn is_blocked(&self, ip: IpAddr) -> bool {
        let key = address_key(ip);
        let mut b = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
        match b.get(&key) {
            Some(until) if *until > Instant::now() => true,
            Some(_) => {
                b.remove(&key);
                false
            }
            None => false,
        }
    }

    fn block(&self, ip: IpAddr) {
        let now = Instant::now();
        let mut b = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
        if b.len() >= MAX_BLOCKED {
            b.retain(|_, until| *until > now);
            if b.len() >= MAX_BLOCKED {
                b.clear();
            }
        }
        b.insert(address_key(ip), now + BLOCK);
    }

    /// A WebSocket opens: its id and the queue of what it is to be sent, or the reason it is
    /// refused (to be sent, then the socket closed).
    pub fn connect(&self, ip: IpAddr) -> Result<(ConnId, Inbox), String> {
        if !self.enabled {
            return Err(disabled());
        }
        if self.is_blocked(ip) {
            return Err(Tracker::ws_failure(
                "announce",
                None,
                &Failure("Blocked for asking for an unknown info hash".into()),
            ));
        }
        self.core()
            .connect(ip)
            .map_err(|f| Tracker::ws_failure("announce", None, &f))
    }

    pub fn disconnect(&self, conn: ConnId) {
        self.core().disconnect(conn);
    }

    /// One text message of a WebSocket, handled at once unless whether its info hash may be
    /// tracked must be asked of the database: then the rest is the returned future's.
    pub fn ws_message(tube: &Arc<Tube>, conn: ConnId, ip: IpAddr, text: &str) -> Step {
        let hub = &tube.tracker;
        if hub.announces.check(&address_key(ip)).is_err() {
            hub.say(
                conn,
                Tracker::ws_failure("announce", None, &Failure("Too many requests".into())),
            );
            return Step::Done(Flow::Close);
        }
        let limits = hub.core().limits().clone();
        match core::parse_ws(text, &limits) {
            Err(f) => {
                hub.say(conn, Tracker::ws_failure("announce", None, &f));
                Step::Done(Flow::Continue)
            }
            Ok(WsRequest::Scrape(hashes)) => {
                let answer = hub.core().ws_scrape(&hashes);
                hub.say(conn, answer);
                Step::Done(Flow::Continue)
            }
            Ok(WsRequest::Announce(a)) => {
                let known = if hub.private {
                    hub.tracked.cached(&hex::encode(a.info_hash))
                } else {
                    Some(true)
                };
                match known {
                    Some(known) => Step::Done(hub.ws_announce(conn, ip, a, Ok(known))),
                    None => {
                        let tube = tube.clone();
                        Step::Later(Box::pin(async move {
                            let known = tube.tracker.may_track(&tube, &a.info_hash).await;
                            tube.tracker.ws_announce(conn, ip, a, known)
                        }))
                    }
                }
            }
        }
    }

    /// Sends `conn` an answer, the tracker's lock let go of first.
    fn say(&self, conn: ConnId, text: String) {
        let out = self.core().outbox(conn);
        if let Some(out) = out {
            out.reply(text);
        }
    }

    /// An announce, once whether its hash may be tracked is known.
    fn ws_announce(
        &self,
        conn: ConnId,
        ip: IpAddr,
        a: core::WsAnnounce,
        known: crate::TubeResult<bool>,
    ) -> Flow {
        let hash = a.info_hash;
        match known {
            Ok(true) => {}
            Ok(false) => {
                self.block(ip);
                self.say(
                    conn,
                    Tracker::ws_failure(
                        "announce",
                        Some(&hash),
                        &Failure(format!("Unknown infoHash {}", hex::encode(hash))),
                    ),
                );
                return Flow::Close;
            }
            Err(e) => {
                tracing::warn!("tracker: cannot check an info hash: {e}");
                self.say(
                    conn,
                    Tracker::ws_failure(
                        "announce",
                        Some(&hash),
                        &Failure("Try again later".into()),
                    ),
                );
                return Flow::Continue;
            }
        }
        let done = self.core().ws_announce(conn, a, Instant::now());
        match done {
            Ok(delivery) => delivery.deliver(),
            Err(f) => self.say(conn, Tracker::ws_failure("announce", Some(&hash), &f)),
        }
        Flow::Continue
    }

    async fn may_track(&self, tube: &Tube, hash: &[u8; 20]) -> crate::TubeResult<bool> {
        if !self.private {
            return Ok(true);
        }
        self.tracked.contains(tube, &hex::encode(hash)).await
    }

    /// `GET /tracker/announce?…`: the bencoded answer (always 200, as trackers answer).
    pub async fn http_announce(&self, tube: &Tube, query: &str, ip: IpAddr) -> Vec<u8> {
        if !self.enabled {
            return bencoded::failure(&Failure("Tracker is disabled on this instance.".into()));
        }
        if self.announces.check(&address_key(ip)).is_err() {
            return bencoded::failure(&Failure("Too many requests".into()));
        }
        let a = match core::parse_http_announce(query) {
            Ok(a) => a,
            Err(f) => return bencoded::failure(&f),
        };
        match self.may_track(tube, &a.info_hash).await {
            Ok(true) => {}
            Ok(false) => {
                return bencoded::failure(&Failure(format!(
                    "Unknown infoHash {}",
                    hex::encode(a.info_hash)
                )));
            }
            Err(_) => return bencoded::failure(&Failure("Try again later".into())),
        }
        match self.core().http_announce(&a, ip, Instant::now()) {
            Ok(answer) => bencoded::announce(&answer, a.compact),
            Err(f) => bencoded::failure(&f),
        }
    }

    /// `GET /tracker/scrape?info_hash=…`.
    pub fn http_scrape(&self, query: &str, ip: IpAddr) -> Vec<u8> {
        if self.announces.check(&address_key(ip)).is_err() {
            return bencoded::failure(&Failure("Too many requests".into()));
        }
        match core::parse_http_scrape(query) {
            Ok(hashes) => {
                let core = self.core();
                bencoded::scrape(&core.scrape(&hashes), core.limits().http_interval)
            }
            Err(f) => bencoded::failure(&f),
        }
    }

    /// Forgets silent peers and ends silent or stalled connections: (peers, connections).
    pub fn sweep(&self) -> (usize, usize) {
        let now = Instant::now();
        let mut core = self.core();
        (core.sweep(now), core.sweep_connections(now))
    }
}

fn disabled() -> String {
    Tracker::ws_failure(
        "announce",
        None,
        &Failure("Tracker is disabled on this instance.".into()),
    )
}

/// Forgets silent peers and ends silent or stalled connections every ten seconds until
/// `shutdown`.
pub fn spawn(tube: Arc<Tube>, shutdown: tokio_util::sync::CancellationToken) {
    ruche_jobs::every(
        "tracker sweep",
        Duration::from_secs(10),
        shutdown,
        move || {
            let tube = tube.clone();
            async move {
                let (peers, conns) = tube.tracker.sweep();
                if peers + conns > 0 {
                    tracing::debug!(
                        "tracker: {peers} silent peers forgotten, {conns} connections ended"
                    );
                }
                Ok::<(), String>(())
            }
        },
    );
}

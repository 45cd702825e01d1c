//! The tracker's state: swarms of peers by info hash, the WebTorrent tracker protocol over
//! WebSocket (offers and answers relayed between browsers, as `bittorrent-tracker`'s server
//! relays them) and classic HTTP announces (BEP 3, compact peer lists of BEP 23 and BEP 7).
//!
//! No I/O: the web layer owns the sockets and hands each connection's text messages here; what
//! a connection must be sent goes into its bounded queue ([`Outbox`]). Which info hashes may be
//! tracked, rate limits per address and blocks are the caller's, checked before a message
//! reaches [`Tracker`].
//!
//! Bounded everywhere: swarms, peers per swarm and in all, connections in all and per address,
//! offers per announce and bytes per offer, swarms per connection, and the bytes queued for
//! all connections together (a reader that does not read loses its messages, it cannot make
//! the tracker hold them). A peer is known by its peer id within a swarm and only its own
//! connection (a WebSocket peer) or address (an HTTP peer) may speak for it, so nobody takes
//! over another's place to receive its answers.

use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

pub type Hash = [u8; 20];
pub type PeerId = [u8; 20];
pub type ConnId = u64;

/// `bittorrent-tracker`'s ceiling on peers given in one answer.
pub const MAX_ANNOUNCE_PEERS: usize = 82;
/// Peers an HTTP announce gets when it does not say.
pub const DEFAULT_ANNOUNCE_PEERS: usize = 50;

#[derive(Debug, Clone)]
pub struct Limits {
    pub max_swarms: usize,
    pub max_peers_per_swarm: usize,
    pub max_peers: usize,
    pub max_connections: usize,
    pub max_connections_per_address: usize,
    /// Swarms one WebSocket may be in (a page plays one stream at a time, keeps a few).
    pub max_swarms_per_connection: usize,
    /// Offers in one announce (p2p-media-loader sends 5).
    pub max_offers: usize,
    /// Bytes of one offer's or answer's JSON (an SDP without trickle is 1 to 4 kB).
    pub max_signal_bytes: usize,
    /// Bytes waiting to be sent, all connections together.
    pub max_queued_bytes: usize,
    /// A peer that has not announced for this long is forgotten.
    pub peer_ttl: Duration,
    /// What we ask WebSocket and HTTP peers to wait between announces, in seconds.
    pub ws_interval: u64,
    pub http_interval: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_swarms: 100_000,
            max_peers_per_swarm: 1_000,
            max_peers: 200_000,
            max_connections: 20_000,
            max_connections_per_address: 64,
            max_swarms_per_connection: 32,
            max_offers: 10,
            max_signal_bytes: 16 * 1024,
            max_queued_bytes: 64 * 1024 * 1024,
            peer_ttl: Duration::from_secs(10 * 60),
            ws_interval: 120,
            http_interval: 600,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Started,
    Stopped,
    Completed,
    Update,
}

impl Event {
    fn parse(s: Option<&str>) -> Result<Event, String> {
        match s {
            None | Some("") | Some("empty") | Some("update") | Some("paused") => Ok(Event::Update),
            Some("started") => Ok(Event::Started),
            Some("stopped") => Ok(Event::Stopped),
            Some("completed") => Ok(Event::Completed),
            Some(_) => Err("invalid event".into()),
        }
    }
}

/// A WebSocket tracker message, checked.
#[derive(Debug)]
pub enum WsRequest {
    Announce(WsAnnounce),
    /// Scrape of these hashes (at least one: we do not list every swarm).
    Scrape(Vec<Hash>),
}

#[derive(Debug)]
pub struct WsAnnounce {
    pub info_hash: Hash,
    pub peer_id: PeerId,
    pub event: Event,
    /// Has the whole file (`left` is 0).
    pub complete: bool,
    pub offers: Vec<Offer>,
    pub answer: Option<Answer>,
}

#[derive(Debug)]
pub struct Offer {
    pub offer_id: String,
    pub offer: Value,
}

#[derive(Debug)]
pub struct Answer {
    pub to_peer_id: PeerId,
    pub offer_id: String,
    pub answer: Value,
}

/// A failure a client is told about: `{"failure reason": …}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure(pub String);

impl Failure {
    fn new(s: &str) -> Failure {
        Failure(s.to_string())
    }
}

/// A "binary string" of the WebTorrent protocol: each character one byte (U+0000 to U+00FF).
pub fn binary_to_bytes(s: &str) -> Option<Vec<u8>> {
    s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
}

/// Bytes as a binary string (what JavaScript's `Buffer#toString('binary')` gives).
pub fn bytes_to_binary(b: &[u8]) -> String {
    b.iter().map(|&c| char::from(c)).collect()
}

fn twenty(v: Option<&Value>, what: &str) -> Result<[u8; 20], Failure> {
    v.and_then(Value::as_str)
        .and_then(binary_to_bytes)
        .and_then(|b| <[u8; 20]>::try_from(b.as_slice()).ok())
        .ok_or_else(|| Failure(format!("invalid {what}")))
}

fn signal(v: Option<&Value>, kind: &str, limits: &Limits) -> Result<Value, Failure> {
    let v = v
        .filter(|v| v.get("type").and_then(Value::as_str) == Some(kind))
        .filter(|v| v.get("sdp").is_some_and(Value::is_string))
        .ok_or_else(|| Failure(format!("invalid {kind}")))?;
    if v.to_string().len() > limits.max_signal_bytes {
        return Err(Failure(format!("{kind} too large")));
    }
    Ok(v.clone())
}

fn offer_id(v: Option<&Value>) -> Result<String, Failure> {
    let s = v.and_then(Value::as_str).unwrap_or_default();
    match binary_to_bytes(s) {
        Some(b) if b.len() == 20 => Ok(s.to_string()),
        _ => Err(Failure::new("invalid offer_id")),
    }
}

/// Reads one WebSocket message. Cheap checks first; nothing here allocates more than the
/// message already holds.
pub fn parse_ws(text: &str, limits: &Limits) -> Result<WsRequest, Failure> {
    let v: Value = serde_json::from_str(text).map_err(|_| Failure::new("invalid JSON"))?;
    let o = v.as_object().ok_or_else(|| Failure::new("invalid JSON"))?;
    match o.get("action").and_then(Value::as_str) {
        Some("announce") => {}
        Some("scrape") => {
            let hashes = match o.get("info_hash") {
                Some(Value::Array(a)) if a.len() <= MAX_ANNOUNCE_PEERS => a
                    .iter()
                    .map(|h| twenty(Some(h), "info_hash"))
                    .collect::<Result<Vec<_>, _>>()?,
                Some(Value::Array(_)) => return Err(Failure::new("too many info_hash")),
                h @ Some(_) => vec![twenty(h, "info_hash")?],
                None => return Err(Failure::new("invalid info_hash")),
            };
            if hashes.is_empty() {
                return Err(Failure::new("invalid info_hash"));
            }
            return Ok(WsRequest::Scrape(hashes));
        }
        other => {
            return Err(Failure(format!(
                "invalid action in WS request: {}",
                other.unwrap_or("none")
            )));
        }
    }
    let info_hash = twenty(o.get("info_hash"), "info_hash")?;
    let peer_id = twenty(o.get("peer_id"), "peer_id")?;
    let event = Event::parse(o.get("event").and_then(Value::as_str)).map_err(Failure)?;
    let complete = o.get("left").and_then(Value::as_f64) == Some(0.0);
    let offers = match o.get("offers") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) if a.len() <= limits.max_offers => a
            .iter()
            .map(|x| {
                Ok(Offer {
                    offer_id: offer_id(x.get("offer_id"))?,
                    offer: signal(x.get("offer"), "offer", limits)?,
                })
            })
            .collect::<Result<Vec<_>, Failure>>()?,
        Some(Value::Array(_)) => return Err(Failure::new("too many offers")),
        Some(_) => return Err(Failure::new("invalid offers")),
    };
    let answer = match o.get("answer") {
        None | Some(Value::Null) => None,
        a => Some(Answer {
            to_peer_id: twenty(o.get("to_peer_id"), "`to_peer_id` (required with `answer`)")?,
            offer_id: offer_id(o.get("offer_id"))?,
            answer: signal(a, "answer", limits)?,
        }),
    };
    Ok(WsRequest::Announce(WsAnnounce {
        info_hash,
        peer_id,
        event,
        complete,
        offers,
        answer,
    }))
}

/// A classic HTTP announce, read from its query string (binary values percent-encoded).
#[derive(Debug)]
pub struct HttpAnnounce {
    pub info_hash: Hash,
    pub peer_id: PeerId,
    pub port: u16,
    pub event: Event,
    pub complete: bool,
    pub numwant: usize,
    pub compact: bool,
}

fn query_pairs(query: &str) -> impl Iterator<Item = (String, Vec<u8>)> + '_ {
    query.split('&').filter(|p| !p.is_empty()).map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        let dec = |s: &str| -> Vec<u8> {
            percent_encoding::percent_decode(s.replace('+', " ").as_bytes()).collect()
        };
        (String::from_utf8_lossy(&dec(k)).into_owned(), dec(v))
    })
}

fn twenty_bytes(v: Option<&Vec<u8>>, what: &str) -> Result<[u8; 20], Failure> {
    v.and_then(|b| <[u8; 20]>::try_from(b.as_slice()).ok())
        .ok_or_else(|| Failure(format!("invalid {what}")))
}

pub fn parse_http_announce(query: &str) -> Result<HttpAnnounce, Failure> {
    let mut m: HashMap<String, Vec<u8>> = HashMap::new();
    for (k, v) in query_pairs(query).take(64) {
        m.entry(k).or_insert(v);
    }
    let text = |k: &str| m.get(k).map(|v| String::from_utf8_lossy(v).into_owned());
    let port = text("port")
        .and_then(|p| p.trim().parse::<u16>().ok())
        .filter(|&p| p > 0)
        .ok_or_else(|| Failure::new("invalid port"))?;
    let numwant = text("numwant")
        .and_then(|n| n.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(DEFAULT_ANNOUNCE_PEERS)
        .min(MAX_ANNOUNCE_PEERS);
    Ok(HttpAnnounce {
        info_hash: twenty_bytes(m.get("info_hash"), "info_hash")?,
        peer_id: twenty_bytes(m.get("peer_id"), "peer_id")?,
        port,
        event: Event::parse(text("event").as_deref()).map_err(Failure)?,
        complete: text("left").and_then(|l| l.trim().parse::<f64>().ok()) == Some(0.0),
        numwant,
        compact: text("compact").as_deref() == Some("1"),
    })
}

/// The info hashes of an HTTP scrape (`info_hash` repeated), at most [`MAX_ANNOUNCE_PEERS`].
pub fn parse_http_scrape(query: &str) -> Result<Vec<Hash>, Failure> {
    let hashes = query_pairs(query)
        .filter(|(k, _)| k == "info_hash")
        .take(MAX_ANNOUNCE_PEERS + 1)
        .map(|(_, v)| twenty_bytes(Some(&v), "info_hash"))
        .collect::<Result<Vec<_>, _>>()?;
    if hashes.is_empty() {
        return Err(Failure::new("info_hash required"));
    }
    if hashes.len() > MAX_ANNOUNCE_PEERS {
        return Err(Failure::new("too many info_hash"));
    }
    Ok(hashes)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Where {
    Ws(ConnId),
    Http(SocketAddr),
}

#[derive(Debug)]
struct Peer {
    id: PeerId,
    at: Where,
    complete: bool,
    seen: Instant,
}

#[derive(Debug, Default)]
struct Swarm {
    peers: Vec<Peer>,
    index: HashMap<PeerId, usize>,
    complete: usize,
    downloaded: u64,
}

impl Swarm {
    fn remove(&mut self, id: &PeerId) -> bool {
        let Some(i) = self.index.remove(id) else {
            return false;
        };
        let p = self.peers.swap_remove(i);
        if p.complete {
            self.complete -= 1;
        }
        if let Some(moved) = self.peers.get(i) {
            self.index.insert(moved.id, i);
        }
        true
    }
}

/// Messages relayed from other peers (offers, answers) one connection may have waiting.
const RELAYED_QUEUED: usize = 32;
/// Messages of any kind one connection may have waiting: room beyond the relayed ones for the
/// answers to its own messages, which are never dropped for others' traffic.
const QUEUED: usize = 2 * RELAYED_QUEUED;

/// A message for a connection, and whether it was relayed from another peer.
#[derive(Debug)]
struct Queued {
    text: String,
    relayed: bool,
}

/// The queue of what one connection is to be sent. Two kinds of message go into it: answers
/// to the connection's own messages ([`Outbox::reply`]: at most one per message it sent, so its
/// own pace bounds them) and messages relayed from other peers ([`Outbox::relay`]: at most
/// [`RELAYED_QUEUED`] waiting, and all connections' together within the tracker's byte
/// budget). Under load, others' offers are dropped first (a WebTorrent peer gives up an
/// unanswered offer and makes new ones); an announce's answer is dropped only when the
/// connection has not read [`QUEUED`] messages, and then the connection is ended.
#[derive(Debug, Clone)]
pub struct Outbox {
    tx: mpsc::Sender<Queued>,
    /// Bytes waiting, all connections together.
    queued: Arc<AtomicUsize>,
    /// Relayed messages waiting for this connection.
    relayed: Arc<AtomicUsize>,
    max: usize,
}

impl Outbox {
    /// Queues a message relayed from another peer; false when this connection's share or the
    /// tracker's budget is full (the message is dropped).
    fn relay(&self, text: String) -> bool {
        let n = text.len();
        if self.relayed.fetch_add(1, Ordering::Relaxed) >= RELAYED_QUEUED {
            self.relayed.fetch_sub(1, Ordering::Relaxed);
            return false;
        }
        if self.queued.fetch_add(n, Ordering::Relaxed) + n > self.max {
            self.queued.fetch_sub(n, Ordering::Relaxed);
            self.relayed.fetch_sub(1, Ordering::Relaxed);
            return false;
        }
        if self
            .tx
            .try_send(Queued {
                text,
                relayed: true,
            })
            .is_err()
        {
            self.queued.fetch_sub(n, Ordering::Relaxed);
            self.relayed.fetch_sub(1, Ordering::Relaxed);
            return false;
        }
        true
    }

    /// Queues the answer to one of this connection's own messages, whatever others' traffic;
    /// false only when the connection has stopped reading (its whole queue is full) or is gone.
    fn reply(&self, text: String) -> bool {
        let n = text.len();
        self.queued.fetch_add(n, Ordering::Relaxed);
        if self
            .tx
            .try_send(Queued {
                text,
                relayed: false,
            })
            .is_err()
        {
            self.queued.fetch_sub(n, Ordering::Relaxed);
            return false;
        }
        true
    }
}

/// The receiving side of a connection's queue: the web layer's writer takes from it.
pub struct Inbox {
    rx: mpsc::Receiver<Queued>,
    queued: Arc<AtomicUsize>,
    relayed: Arc<AtomicUsize>,
}

impl Inbox {
    pub async fn recv(&mut self) -> Option<String> {
        let q = self.rx.recv().await?;
        Some(self.taken(q))
    }

    fn taken(&self, q: Queued) -> String {
        self.queued.fetch_sub(q.text.len(), Ordering::Relaxed);
        if q.relayed {
            self.relayed.fetch_sub(1, Ordering::Relaxed);
        }
        q.text
    }
}

impl Drop for Inbox {
    fn drop(&mut self) {
        self.rx.close();
        while let Ok(q) = self.rx.try_recv() {
            self.taken(q);
        }
    }
}

#[derive(Debug)]
struct Conn {
    ip: IpAddr,
    out: Outbox,
    joined: Vec<(Hash, PeerId)>,
}

/// Counts for administrators.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    pub swarms: usize,
    pub peers: usize,
    pub connections: usize,
    pub queued_bytes: usize,
}

/// What a swarm counts, for scrapes and announce answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub complete: usize,
    pub incomplete: usize,
    pub downloaded: u64,
}

/// An HTTP announce's answer.
#[derive(Debug)]
pub struct HttpAnswer {
    pub counts: Counts,
    pub interval: u64,
    /// Other HTTP peers (WebSocket peers cannot be reached over TCP).
    pub peers: Vec<(PeerId, SocketAddr)>,
}

pub struct Tracker {
    limits: Limits,
    swarms: HashMap<Hash, Swarm>,
    conns: HashMap<ConnId, Conn>,
    per_ip: HashMap<IpAddr, usize>,
    peers: usize,
    next_conn: ConnId,
    queued: Arc<AtomicUsize>,
}

/// Addresses counted together: an IPv6 client by its /64, as every other limit counts them.
fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return IpAddr::V4(v4);
            }
            let s = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

impl Tracker {
    pub fn new(limits: Limits) -> Tracker {
        Tracker {
            limits,
            swarms: HashMap::new(),
            conns: HashMap::new(),
            per_ip: HashMap::new(),
            peers: 0,
            next_conn: 1,
            queued: Arc::new(AtomicUsize::new(0)),
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub fn stats(&self) -> Stats {
        Stats {
            swarms: self.swarms.len(),
            peers: self.peers,
            connections: self.conns.len(),
            queued_bytes: self.queued.load(Ordering::Relaxed),
        }
    }

    /// A new WebSocket from `ip`: its id and the queue to write to it, or a refusal.
    pub fn connect(&mut self, ip: IpAddr) -> Result<(ConnId, Inbox), Failure> {
        let key = address_key(ip);
        if self.conns.len() >= self.limits.max_connections {
            return Err(Failure::new("tracker is full"));
        }
        let n = self.per_ip.get(&key).copied().unwrap_or(0);
        if n >= self.limits.max_connections_per_address {
            return Err(Failure::new("too many connections from your address"));
        }
        let (tx, rx) = mpsc::channel(QUEUED);
        let relayed = Arc::new(AtomicUsize::new(0));
        let id = self.next_conn;
        self.next_conn += 1;
        self.per_ip.insert(key, n + 1);
        self.conns.insert(
            id,
            Conn {
                ip: key,
                out: Outbox {
                    tx,
                    queued: self.queued.clone(),
                    relayed: relayed.clone(),
                    max: self.limits.max_queued_bytes,
                },
                joined: Vec::new(),
            },
        );
        Ok((
            id,
            Inbox {
                rx,
                queued: self.queued.clone(),
                relayed,
            },
        ))
    }

    /// A WebSocket closed: its peers leave every swarm at once.
    pub fn disconnect(&mut self, conn: ConnId) {
        let Some(c) = self.conns.remove(&conn) else {
            return;
        };
        if let Some(n) = self.per_ip.get_mut(&c.ip) {
            *n -= 1;
            if *n == 0 {
                self.per_ip.remove(&c.ip);
            }
        }
        for (hash, peer) in c.joined {
            self.leave(&hash, &peer);
        }
    }

    fn leave(&mut self, hash: &Hash, peer: &PeerId) {
        if let Some(s) = self.swarms.get_mut(hash) {
            if s.remove(peer) {
                self.peers -= 1;
            }
            if s.peers.is_empty() {
                self.swarms.remove(hash);
            }
        }
    }

    /// Adds or refreshes a peer; `Err` if it belongs to someone else or a bound is reached.
    fn enter(
        &mut self,
        hash: Hash,
        id: PeerId,
        at: Where,
        event: Event,
        complete: bool,
        now: Instant,
    ) -> Result<(), Failure> {
        if !self.swarms.contains_key(&hash) && self.swarms.len() >= self.limits.max_swarms {
            return Err(Failure::new("tracker is full"));
        }
        let (max_peers, per_swarm, total) = (
            self.limits.max_peers,
            self.limits.max_peers_per_swarm,
            self.peers,
        );
        let swarm = self.swarms.entry(hash).or_default();
        match swarm.index.get(&id).copied() {
            Some(i) => {
                let p = &mut swarm.peers[i];
                let same = match (p.at, at) {
                    (Where::Ws(a), Where::Ws(b)) => a == b,
                    (Where::Http(a), Where::Http(b)) => a.ip() == b.ip(),
                    _ => false,
                };
                if !same {
                    return Err(Failure::new("peer_id in use"));
                }
                p.at = at;
                p.seen = now;
                if (complete || event == Event::Completed) && !p.complete {
                    p.complete = true;
                    swarm.complete += 1;
                    if event == Event::Completed {
                        swarm.downloaded += 1;
                    }
                }
            }
            None => {
                if swarm.peers.len() >= per_swarm || total >= max_peers {
                    if swarm.peers.is_empty() {
                        self.swarms.remove(&hash);
                    }
                    return Err(Failure::new("swarm is full"));
                }
                let complete = complete || event == Event::Completed;
                swarm.index.insert(id, swarm.peers.len());
                swarm.peers.push(Peer {
                    id,
                    at,
                    complete,
                    seen: now,
                });
                if complete {
                    swarm.complete += 1;
                }
                if event == Event::Completed {
                    swarm.downloaded += 1;
                }
                self.peers += 1;
            }
        }
        Ok(())
    }

    fn counts(&self, hash: &Hash) -> Counts {
        self.swarms
            .get(hash)
            .map(|s| Counts {
                complete: s.complete,
                incomplete: s.peers.len() - s.complete,
                downloaded: s.downloaded,
            })
            .unwrap_or_default()
    }

    /// The failure message a WebSocket client is sent.
    pub fn ws_failure(action: &str, info_hash: Option<&Hash>, f: &Failure) -> String {
        let mut o = Map::new();
        o.insert("action".into(), json!(action));
        o.insert("failure reason".into(), json!(f.0));
        if let Some(h) = info_hash {
            o.insert("info_hash".into(), json!(bytes_to_binary(h)));
        }
        Value::Object(o).to_string()
    }

    /// Sends `conn` the answer to one of its own messages (false if it is gone or has stopped
    /// reading: [`Outbox::reply`]).
    pub fn send(&self, conn: ConnId, text: String) -> bool {
        self.conns.get(&conn).is_some_and(|c| c.out.reply(text))
    }

    /// Relays another peer's message to `conn` (false if it is gone or over its share of the
    /// queue: [`Outbox::relay`]).
    fn relay(&self, conn: ConnId, text: String) -> bool {
        self.conns.get(&conn).is_some_and(|c| c.out.relay(text))
    }

    /// A WebSocket announce from `conn`: its answer and the offers or answer it carries are
    /// queued for their peers.
    pub fn ws_announce(
        &mut self,
        conn: ConnId,
        a: WsAnnounce,
        now: Instant,
    ) -> Result<(), Failure> {
        let Some(c) = self.conns.get(&conn) else {
            return Err(Failure::new("connection closed"));
        };
        let key = (a.info_hash, a.peer_id);
        let joined = c.joined.contains(&key);
        if a.event == Event::Stopped {
            if joined {
                self.leave(&a.info_hash, &a.peer_id);
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.joined.retain(|k| *k != key);
                }
            }
        } else {
            if !joined && c.joined.len() >= self.limits.max_swarms_per_connection {
                return Err(Failure::new("too many swarms on one connection"));
            }
            self.enter(
                a.info_hash,
                a.peer_id,
                Where::Ws(conn),
                a.event,
                a.complete,
                now,
            )?;
            if !joined && let Some(c) = self.conns.get_mut(&conn) {
                c.joined.push(key);
            }
        }
        let hash_s = bytes_to_binary(&a.info_hash);
        let peer_s = bytes_to_binary(&a.peer_id);
        if let Some(ans) = a.answer {
            // To the peer that made the offer, if it is still here and on a WebSocket.
            let to = self.swarms.get(&a.info_hash).and_then(|s| {
                s.index
                    .get(&ans.to_peer_id)
                    .map(|&i| s.peers[i].at)
                    .and_then(|w| match w {
                        Where::Ws(c) => Some(c),
                        Where::Http(_) => None,
                    })
            });
            if let Some(to) = to {
                let msg = json!({
                    "action": "announce",
                    "answer": ans.answer,
                    "offer_id": ans.offer_id,
                    "peer_id": peer_s,
                    "info_hash": hash_s,
                });
                self.relay(to, msg.to_string());
            }
            return Ok(());
        }
        let counts = self.counts(&a.info_hash);
        self.send(
            conn,
            json!({
                "action": "announce",
                "interval": self.limits.ws_interval,
                "info_hash": hash_s,
                "complete": counts.complete,
                "incomplete": counts.incomplete,
            })
            .to_string(),
        );
        if a.offers.is_empty() || a.event == Event::Stopped {
            return Ok(());
        }
        let targets = self.pick(&a.info_hash, a.offers.len(), |p| {
            p.id != a.peer_id && matches!(p.at, Where::Ws(c) if c != conn)
        });
        for (offer, target) in a.offers.into_iter().zip(targets) {
            let Where::Ws(to) = target.1 else { continue };
            let msg = json!({
                "action": "announce",
                "offer": offer.offer,
                "offer_id": offer.offer_id,
                "peer_id": peer_s,
                "info_hash": hash_s,
            });
            self.relay(to, msg.to_string());
        }
        Ok(())
    }

    /// Up to `n` peers of a swarm passing `keep`, from a random place in it.
    fn pick(&self, hash: &Hash, n: usize, keep: impl Fn(&Peer) -> bool) -> Vec<(PeerId, Where)> {
        let Some(s) = self.swarms.get(hash) else {
            return Vec::new();
        };
        let len = s.peers.len();
        if len == 0 || n == 0 {
            return Vec::new();
        }
        let start = rand::random_range(0..len);
        (0..len)
            .map(|k| &s.peers[(start + k) % len])
            .filter(|p| keep(p))
            .take(n)
            .map(|p| (p.id, p.at))
            .collect()
    }

    /// An HTTP announce from `from` (the client's address; its port is the one it announced).
    pub fn http_announce(
        &mut self,
        a: &HttpAnnounce,
        from: IpAddr,
        now: Instant,
    ) -> Result<HttpAnswer, Failure> {
        let at = SocketAddr::new(from, a.port);
        if a.event == Event::Stopped {
            let owned = self.swarms.get(&a.info_hash).is_some_and(|s| {
                s.index
                    .get(&a.peer_id)
                    .is_some_and(|&i| matches!(s.peers[i].at, Where::Http(x) if x.ip() == from))
            });
            if owned {
                self.leave(&a.info_hash, &a.peer_id);
            }
            return Ok(HttpAnswer {
                counts: self.counts(&a.info_hash),
                interval: self.limits.http_interval,
                peers: Vec::new(),
            });
        }
        self.enter(
            a.info_hash,
            a.peer_id,
            Where::Http(at),
            a.event,
            a.complete,
            now,
        )?;
        let peers = self
            .pick(&a.info_hash, a.numwant, |p| {
                p.id != a.peer_id && matches!(p.at, Where::Http(_))
            })
            .into_iter()
            .filter_map(|(id, w)| match w {
                Where::Http(addr) => Some((id, addr)),
                Where::Ws(_) => None,
            })
            .collect();
        Ok(HttpAnswer {
            counts: self.counts(&a.info_hash),
            interval: self.limits.http_interval,
            peers,
        })
    }

    pub fn scrape(&self, hashes: &[Hash]) -> Vec<(Hash, Counts)> {
        hashes.iter().map(|h| (*h, self.counts(h))).collect()
    }

    /// Forgets peers silent for longer than the peer lifetime; returns how many.
    pub fn sweep(&mut self, now: Instant) -> usize {
        let ttl = self.limits.peer_ttl;
        let mut gone: Vec<(Hash, PeerId, Where)> = Vec::new();
        for (h, s) in &self.swarms {
            for p in &s.peers {
                if now.saturating_duration_since(p.seen) > ttl {
                    gone.push((*h, p.id, p.at));
                }
            }
        }
        for (h, id, at) in &gone {
            self.leave(h, id);
            if let Where::Ws(c) = at
                && let Some(c) = self.conns.get_mut(c)
            {
                c.joined.retain(|k| k != &(*h, *id));
            }
        }
        gone.len()
    }

    /// The WebSocket scrape answer.
    pub fn ws_scrape(&self, hashes: &[Hash]) -> String {
        let mut files = Map::new();
        for (h, c) in self.scrape(hashes) {
            files.insert(
                bytes_to_binary(&h),
                json!({"complete": c.complete, "incomplete": c.incomplete, "downloaded": c.downloaded}),
            );
        }
        json!({
            "action": "scrape",
            "files": files,
            "flags": {"min_request_interval": self.limits.http_interval},
        })
        .to_string()
    }
}

/// Bencoded answers of the HTTP tracker.
pub mod bencoded {
    use super::{Counts, Failure, Hash, HttpAnswer};
    use lava_torrent::bencode::BencodeElem;
    use std::collections::HashMap;
    use std::net::SocketAddr;

    fn int(n: impl TryInto<i64>) -> BencodeElem {
        BencodeElem::Integer(n.try_into().unwrap_or(i64::MAX))
    }

    pub fn failure(f: &Failure) -> Vec<u8> {
        let mut d = HashMap::new();
        d.insert(
            "failure reason".to_string(),
            BencodeElem::String(f.0.clone()),
        );
        BencodeElem::Dictionary(d).encode()
    }

    pub fn announce(a: &HttpAnswer, compact: bool) -> Vec<u8> {
        let mut d = HashMap::new();
        d.insert("complete".to_string(), int(a.counts.complete));
        d.insert("incomplete".to_string(), int(a.counts.incomplete));
        d.insert("interval".to_string(), int(a.interval));
        if compact {
            let (mut v4, mut v6) = (Vec::new(), Vec::new());
            for (_, addr) in &a.peers {
                match addr {
                    SocketAddr::V4(s) => {
                        v4.extend_from_slice(&s.ip().octets());
                        v4.extend_from_slice(&s.port().to_be_bytes());
                    }
                    SocketAddr::V6(s) => {
                        v6.extend_from_slice(&s.ip().octets());
                        v6.extend_from_slice(&s.port().to_be_bytes());
                    }
                }
            }
            d.insert("peers".to_string(), BencodeElem::Bytes(v4));
            d.insert("peers6".to_string(), BencodeElem::Bytes(v6));
        } else {
            let list = a
                .peers
                .iter()
                .map(|(id, addr)| {
                    let mut p = HashMap::new();
                    p.insert("peer id".to_string(), BencodeElem::Bytes(id.to_vec()));
                    p.insert("ip".to_string(), BencodeElem::String(addr.ip().to_string()));
                    p.insert("port".to_string(), int(addr.port()));
                    BencodeElem::Dictionary(p)
                })
                .collect();
            d.insert("peers".to_string(), BencodeElem::List(list));
        }
        BencodeElem::Dictionary(d).encode()
    }

    pub fn scrape(files: &[(Hash, Counts)], interval: u64) -> Vec<u8> {
        let mut f = HashMap::new();
        for (h, c) in files {
            let mut e = HashMap::new();
            e.insert("complete".to_string(), int(c.complete));
            e.insert("incomplete".to_string(), int(c.incomplete));
            e.insert("downloaded".to_string(), int(c.downloaded));
            f.insert(h.to_vec(), BencodeElem::Dictionary(e));
        }
        let mut flags = HashMap::new();
        flags.insert("min_request_interval".to_string(), int(interval));
        let mut d = HashMap::new();
        d.insert("files".to_string(), BencodeElem::RawDictionary(f));
        d.insert("flags".to_string(), BencodeElem::Dictionary(flags));
        BencodeElem::Dictionary(d).encode()
    }
}

#[cfg(test)]
mod tests;

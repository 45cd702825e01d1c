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

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Waker;
use std::time::{Duration, Instant};

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
    /// A connection that has sent nothing for this long is closed (peers announce every
    /// `ws_interval`).
    pub silence: Duration,
    /// A connection that has not taken what it is sent for this long is closed.
    pub stall: Duration,
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
            silence: Duration::from_secs(5 * 60),
            stall: Duration::from_secs(30),
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
    /// The offer as its peer wrote it, relayed verbatim.
    pub offer: Box<RawValue>,
}

#[derive(Debug)]
pub struct Answer {
    pub to_peer_id: PeerId,
    pub offer_id: String,
    pub answer: Box<RawValue>,
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

/// A WebSocket message's fields, each kept as its raw JSON until it is looked at: the offers
/// and answers are relayed as their peers wrote them, never rebuilt.
#[derive(Deserialize)]
struct RawMessage<'a> {
    #[serde(borrow)]
    action: Option<&'a RawValue>,
    #[serde(borrow)]
    info_hash: Option<&'a RawValue>,
    #[serde(borrow)]
    peer_id: Option<&'a RawValue>,
    #[serde(borrow)]
    event: Option<&'a RawValue>,
    #[serde(borrow)]
    left: Option<&'a RawValue>,
    /// Read in the same pass as the rest (a list of anything else makes the message
    /// unreadable).
    #[serde(borrow)]
    offers: Option<Vec<RawOffer<'a>>>,
    #[serde(borrow)]
    answer: Option<&'a RawValue>,
    #[serde(borrow)]
    to_peer_id: Option<&'a RawValue>,
    #[serde(borrow)]
    offer_id: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct RawOffer<'a> {
    #[serde(borrow)]
    offer_id: Option<&'a RawValue>,
    #[serde(borrow)]
    offer: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct RawSignal<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<&'a RawValue>,
    #[serde(borrow)]
    sdp: Option<&'a RawValue>,
}

/// A raw JSON value that is a string: the string.
fn text(v: Option<&RawValue>) -> Option<String> {
    serde_json::from_str::<String>(v?.get()).ok()
}

fn twenty(v: Option<&RawValue>, what: &str) -> Result<[u8; 20], Failure> {
    text(v)
        .as_deref()
        .and_then(binary_to_bytes)
        .and_then(|b| <[u8; 20]>::try_from(b.as_slice()).ok())
        .ok_or_else(|| Failure(format!("invalid {what}")))
}

/// An offer or an answer: an object whose `type` is `kind` and whose `sdp` is a string, within
/// the size bound; kept as written.
fn signal(v: Option<&RawValue>, kind: &str, limits: &Limits) -> Result<Box<RawValue>, Failure> {
    let invalid = || Failure(format!("invalid {kind}"));
    let v = v.ok_or_else(invalid)?;
    let s: RawSignal = serde_json::from_str(v.get()).map_err(|_| invalid())?;
    if text(s.kind).as_deref() != Some(kind) || !s.sdp.is_some_and(|d| d.get().starts_with('"')) {
        return Err(invalid());
    }
    if v.get().len() > limits.max_signal_bytes {
        return Err(Failure(format!("{kind} too large")));
    }
    Ok(v.to_owned())
}

fn offer_id(v: Option<&RawValue>) -> Result<String, Failure> {
    match text(v) {
        Some(s) if binary_to_bytes(&s).is_some_and(|b| b.len() == 20) => Ok(s),
        _ => Err(Failure::new("invalid offer_id")),
    }
}

/// Reads one WebSocket message. Cheap checks first; nothing here allocates more than the
/// message already holds.
pub fn parse_ws(text_: &str, limits: &Limits) -> Result<WsRequest, Failure> {
    let o: RawMessage = serde_json::from_str(text_).map_err(|_| Failure::new("invalid JSON"))?;
    match text(o.action).as_deref() {
        Some("announce") => {}
        Some("scrape") => {
            let hashes = match o.info_hash {
                Some(h) if h.get().starts_with('[') => {
                    let a: Vec<&RawValue> = serde_json::from_str(h.get())
                        .map_err(|_| Failure::new("invalid info_hash"))?;
                    if a.len() > MAX_ANNOUNCE_PEERS {
                        return Err(Failure::new("too many info_hash"));
                    }
                    a.into_iter()
                        .map(|h| twenty(Some(h), "info_hash"))
                        .collect::<Result<Vec<_>, _>>()?
                }
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
    let info_hash = twenty(o.info_hash, "info_hash")?;
    let peer_id = twenty(o.peer_id, "peer_id")?;
    let event = match o.event {
        None => Event::Update,
        Some(e) => match text(Some(e)) {
            Some(s) => Event::parse(Some(&s)).map_err(Failure)?,
            None => return Err(Failure::new("invalid event")),
        },
    };
    let complete = o
        .left
        .and_then(|l| l.get().parse::<f64>().ok())
        .is_some_and(|l| l == 0.0);
    let offers = o.offers.unwrap_or_default();
    if offers.len() > limits.max_offers {
        return Err(Failure::new("too many offers"));
    }
    let offers = offers
        .into_iter()
        .map(|x| {
            Ok(Offer {
                offer_id: offer_id(x.offer_id)?,
                offer: signal(x.offer, "offer", limits)?,
            })
        })
        .collect::<Result<Vec<_>, Failure>>()?;
    let answer = match o.answer {
        None => None,
        a => Some(Answer {
            to_peer_id: twenty(o.to_peer_id, "`to_peer_id` (required with `answer`)")?,
            offer_id: offer_id(o.offer_id)?,
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

/// What [`Wire::send_now`] did with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// Written whole.
    Whole,
    /// Partly written; the wire keeps the rest, for the socket's task to write.
    Partly,
    /// Not written (the wire has bytes waiting, or the socket is busy): queue it.
    NotNow,
}

/// The socket of a connection, as the tracker may write to it directly: a message for a
/// connection with nothing queued goes straight to its socket (and, on loopback or a fast
/// client, into the kernel's buffer) instead of waiting in the queue for its task to run.
/// This is what keeps memory flat when thousands of peers exchange offers.
pub trait Wire: Send + Sync + std::fmt::Debug {
    /// Writes `text` as one message if nothing is waiting to be written before it; never
    /// blocks.
    fn send_now(&self, text: &str) -> Sent;
}

/// What one connection is to be sent, shared by the tracker ([`Outbox`]) and the socket that
/// writes it ([`Inbox`]). An empty mailbox holds no buffer: an idle connection costs its
/// counters and the waker of its socket's task.
#[derive(Debug)]
struct Mailbox {
    state: Mutex<MailState>,
    /// Bytes waiting, all connections together.
    queued: Arc<AtomicUsize>,
    max: usize,
}

#[derive(Debug)]
struct MailState {
    queue: VecDeque<Queued>,
    /// Relayed messages in `queue`.
    relayed: usize,
    /// The socket's task, woken when there is something to send or the connection is closed.
    waker: Option<Waker>,
    /// No more messages: the socket sends what is queued and ends.
    closed: bool,
    /// When the socket last read a message from its client.
    heard: Instant,
    /// Since when the socket has had bytes its client does not take.
    stalled: Option<Instant>,
    /// The socket, once it is attached ([`Inbox::attach`]).
    wire: Option<Arc<dyn Wire>>,
}

impl Mailbox {
    fn lock(&self) -> MutexGuard<'_, MailState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends `text` at once when nothing is queued before it and the socket takes it, else
    /// queues it unless `admit` refuses it; wakes the socket when it has work.
    fn push(&self, text: String, relayed: bool, admit: impl FnOnce(&MailState) -> bool) -> bool {
        let n = text.len();
        let waker = {
            let mut s = self.lock();
            if s.closed {
                return false;
            }
            let sent = match &s.wire {
                Some(w) if s.queue.is_empty() => w.send_now(&text),
                _ => Sent::NotNow,
            };
            match sent {
                Sent::Whole => return true,
                Sent::Partly => s.waker.take(),
                Sent::NotNow => {
                    if !admit(&s) {
                        return false;
                    }
                    if relayed {
                        if self.queued.fetch_add(n, Ordering::Relaxed) + n > self.max {
                            self.queued.fetch_sub(n, Ordering::Relaxed);
                            return false;
                        }
                        s.relayed += 1;
                    } else {
                        self.queued.fetch_add(n, Ordering::Relaxed);
                    }
                    s.queue.push_back(Queued { text, relayed });
                    s.waker.take()
                }
            }
        };
        if let Some(w) = waker {
            w.wake();
        }
        true
    }

    /// Ends the connection: nothing more is queued, the socket sends what is and ends.
    fn close(&self) {
        let waker = {
            let mut s = self.lock();
            s.closed = true;
            s.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Forgets what is queued (the socket is gone).
    fn clear(&self) {
        let mut s = self.lock();
        s.closed = true;
        let bytes: usize = s.queue.drain(..).map(|q| q.text.len()).sum();
        s.relayed = 0;
        s.queue = VecDeque::new();
        s.wire = None;
        self.queued.fetch_sub(bytes, Ordering::Relaxed);
    }
}

/// The tracker's side of a connection's queue. Two kinds of message go into it: answers to the
/// connection's own messages ([`Outbox::reply`]: at most one per message it sent, so its own
/// pace bounds them) and messages relayed from other peers ([`Outbox::relay`]: at most
/// [`RELAYED_QUEUED`] waiting, and all connections' together within the tracker's byte budget).
/// Under load, others' offers are dropped first (a WebTorrent peer gives up an unanswered
/// offer and makes new ones); a connection that has not read [`QUEUED`] messages is ended.
#[derive(Debug, Clone)]
pub struct Outbox(Arc<Mailbox>);

impl Outbox {
    /// Queues a message relayed from another peer; false when this connection's share or the
    /// tracker's budget is full (the message is dropped).
    fn relay(&self, text: String) -> bool {
        self.0.push(text, true, |s| {
            s.relayed < RELAYED_QUEUED && s.queue.len() < QUEUED
        })
    }

    /// Queues the answer to one of this connection's own messages, whatever others' traffic;
    /// false only when the connection has stopped reading (its whole queue is full: it is
    /// then ended) or is gone.
    pub fn reply(&self, text: String) -> bool {
        let full = std::cell::Cell::new(false);
        let queued = self.0.push(text, false, |s| {
            full.set(s.queue.len() >= QUEUED);
            !full.get()
        });
        if full.get() {
            self.0.close();
        }
        queued
    }
}

/// The socket's side of a connection's queue.
#[derive(Debug)]
pub struct Inbox(Arc<Mailbox>);

/// What [`Inbox::take`] found besides the messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mail {
    Open,
    /// The tracker ended the connection: send what was taken, then close.
    Closed,
}

impl Inbox {
    /// Attaches the socket: from now on, messages go straight to it when nothing is queued.
    pub fn attach(&self, wire: Arc<dyn Wire>) {
        self.0.lock().wire = Some(wire);
    }

    /// Moves up to `max` waiting messages into `into`, and has `waker` woken when more come or
    /// the connection is ended.
    pub fn take(&self, waker: &Waker, into: &mut Vec<String>, max: usize) -> Mail {
        let mut s = self.0.lock();
        let mut bytes = 0;
        while into.len() < max {
            let Some(q) = s.queue.pop_front() else { break };
            bytes += q.text.len();
            if q.relayed {
                s.relayed -= 1;
            }
            into.push(q.text);
        }
        if s.queue.is_empty() && s.queue.capacity() > 0 {
            s.queue = VecDeque::new();
        }
        self.0.queued.fetch_sub(bytes, Ordering::Relaxed);
        if !s.waker.as_ref().is_some_and(|w| w.will_wake(waker)) {
            s.waker = Some(waker.clone());
        }
        if s.closed { Mail::Closed } else { Mail::Open }
    }

    /// The client sent a message.
    pub fn heard(&self, now: Instant) {
        self.0.lock().heard = now;
    }

    /// The client has not taken what it was sent (`Some`: since when), or has (`None`).
    pub fn stalled(&self, since: Option<Instant>) {
        let mut s = self.0.lock();
        if since.is_none() || s.stalled.is_none() {
            s.stalled = since;
        }
    }
}

impl Drop for Inbox {
    fn drop(&mut self) {
        self.0.clear();
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
        let mailbox = Arc::new(Mailbox {
            state: Mutex::new(MailState {
                queue: VecDeque::new(),
                relayed: 0,
                waker: None,
                closed: false,
                heard: Instant::now(),
                stalled: None,
                wire: None,
            }),
            queued: self.queued.clone(),
            max: self.limits.max_queued_bytes,
        });
        let id = self.next_conn;
        self.next_conn += 1;
        self.per_ip.insert(key, n + 1);
        self.conns.insert(
            id,
            Conn {
                ip: key,
                out: Outbox(mailbox.clone()),
                joined: Vec::new(),
            },
        );
        Ok((id, Inbox(mailbox)))
    }

    /// A WebSocket closed: its peers leave every swarm at once.
    pub fn disconnect(&mut self, conn: ConnId) {
        let Some(c) = self.conns.remove(&conn) else {
            return;
        };
        c.out.0.close();
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
        self.outbox(conn).is_some_and(|o| o.reply(text))
    }

    /// Where `conn`'s messages go: to send one after letting go of the tracker, whose lock
    /// should not be held while a socket is written.
    pub fn outbox(&self, conn: ConnId) -> Option<Outbox> {
        self.conns.get(&conn).map(|c| c.out.clone())
    }

    /// A WebSocket announce from `conn`: its answer, and the offers or the answer it carries
    /// for their peers, to be delivered once the tracker is let go of.
    pub fn ws_announce(
        &mut self,
        conn: ConnId,
        a: WsAnnounce,
        now: Instant,
    ) -> Result<Delivery, Failure> {
        let mut d = Delivery(Vec::new());
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
                // Most sockets are in one swarm: no room for four.
                c.joined.reserve_exact(1);
                c.joined.push(key);
            }
        }
        let hash_s = json_string(&bytes_to_binary(&a.info_hash));
        let peer_s = json_string(&bytes_to_binary(&a.peer_id));
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
            if let Some(to) = to.and_then(|to| self.outbox(to)) {
                let msg = relayed("answer", &ans.answer, &ans.offer_id, &peer_s, &hash_s);
                d.0.push((to, msg, true));
            }
            return Ok(d);
        }
        let counts = self.counts(&a.info_hash);
        if let Some(me) = self.outbox(conn) {
            let answer = format!(
                r#"{{"action":"announce","interval":{},"info_hash":{hash_s},"complete":{},"incomplete":{}}}"#,
                self.limits.ws_interval, counts.complete, counts.incomplete
            );
            d.0.push((me, answer, false));
        }
        if a.offers.is_empty() || a.event == Event::Stopped {
            return Ok(d);
        }
        let targets = self.pick(&a.info_hash, a.offers.len(), |p| {
            p.id != a.peer_id && matches!(p.at, Where::Ws(c) if c != conn)
        });
        for (offer, target) in a.offers.into_iter().zip(targets) {
            let Where::Ws(to) = target.1 else { continue };
            let Some(to) = self.outbox(to) else { continue };
            let msg = relayed("offer", &offer.offer, &offer.offer_id, &peer_s, &hash_s);
            d.0.push((to, msg, true));
        }
        Ok(d)
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

    /// Ends connections silent for longer than [`Limits::silence`] or that have not taken what
    /// they are sent for longer than [`Limits::stall`]; returns how many. Their sockets send
    /// what is queued and close.
    pub fn sweep_connections(&mut self, now: Instant) -> usize {
        let (silence, stall) = (self.limits.silence, self.limits.stall);
        let mut ended = 0;
        for c in self.conns.values() {
            let end = {
                let s = c.out.0.lock();
                !s.closed
                    && (now.saturating_duration_since(s.heard) > silence
                        || s.stalled
                            .is_some_and(|t| now.saturating_duration_since(t) > stall))
            };
            if end {
                c.out.0.close();
                ended += 1;
            }
        }
        ended
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

/// Messages an announce makes, for their connections: delivered ([`Delivery::deliver`]) after
/// the tracker's lock is let go of, since each may be written to its socket there and then.
#[must_use = "messages are sent only by `deliver`"]
#[derive(Debug)]
pub struct Delivery(Vec<(Outbox, String, bool)>);

impl Delivery {
    pub fn deliver(self) {
        for (to, text, relayed) in self.0 {
            if relayed {
                to.relay(text);
            } else {
                to.reply(text);
            }
        }
    }
}

/// `s` as a JSON string.
fn json_string(s: &str) -> String {
    Value::from(s).to_string()
}

/// An offer or an answer relayed to another peer: `signal` as its sender wrote it, the other
/// fields already JSON strings.
fn relayed(kind: &str, signal: &RawValue, offer_id: &str, peer: &str, hash: &str) -> String {
    let offer_id = json_string(offer_id);
    let mut m = String::with_capacity(signal.get().len() + 2 * 64 + 80);
    for part in [
        r#"{"action":"announce",""#,
        kind,
        r#"":"#,
        signal.get(),
        r#","offer_id":"#,
        &offer_id,
        r#","peer_id":"#,
        peer,
        r#","info_hash":"#,
        hash,
        "}",
    ] {
        m.push_str(part);
    }
    m
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

//! The P2P tracker (`/tracker/socket`, `/tracker/announce`, `/tracker/scrape`) as an attacker
//! uses it, against a real `ruche serve` (on SQLite and on PostgreSQL). Each attack is refused
//! or bounded, and a visitor from another address is served the API's config and the video's
//! watch page as ever, during the attack and after it:
//!
//! - `malformed_messages_are_refused_one_by_one`: every kind of bad WebSocket message gets its
//!   `failure reason`, joins no swarm, and the socket still takes a correct announce.
//! - `a_message_over_64_kib_closes_its_socket`: a message just under the bound is read, one over
//!   it ends the socket; a new socket works.
//! - `an_unknown_info_hash_blocks_its_address`: asking for a hash the instance does not serve
//!   closes the socket and refuses the address's new sockets ("Blocked"), not other addresses'.
//! - `an_announce_flood_is_cut_off_per_address`: past `[p2p] announces` an address's socket is
//!   told "Too many requests" and closed, its HTTP announces refused; another address announces.
//! - `peers_vanishing_mid_exchange_leave_at_once`: an offerer whose socket drops leaves its swarm
//!   at once; an answer still addressed to it is dropped without a word.
//! - `idle_sockets_are_capped_overall_and_per_address`: 2,200 sockets from 40 addresses, held
//!   idle, meet the per-address and the overall caps; the HTTP tracker and the site answer
//!   meanwhile; once closed, every place is given back.
//! - `frames_are_read_as_rfc_6455_frames_them`: a fragmented announce with a ping inside it is
//!   answered (the ping first, with its payload), a close is echoed with its code; a text that
//!   is not UTF-8 or a continuation of nothing ends its socket.
//! - `bad_http_announces_get_bencoded_failures`: missing or malformed query values are answered
//!   200 with a bencoded `failure reason`, as trackers answer; a scrape must name a hash.
//!
//! Tests wait for conditions (a bounded wait only turns "never" into a failure) and assert no
//! durations.

#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use futures_util::future::join_all;
use futures_util::{SinkExt, StreamExt};
use ruche_testkit::tracker::{
    Bencode, Tracked, binary, failure_reason, peer_id, percent, tracked_video, ws_failure,
};
use ruche_testkit::{Instance, both, browser_from};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// How long "never" is: a wait that runs out fails the test.
const NEVER: Duration = Duration::from_secs(60);

/// The address the visitor who must not notice the attacks comes from.
const VISITOR: &str = "127.0.0.9";

type Ws = WebSocketStream<TcpStream>;

/// A WebSocket to the tracker from the loopback address `from`.
async fn socket_from(inst: &Instance, from: &str) -> Ws {
    let tcp = inst.connect_from(from).await;
    let url = format!("ws://{}/tracker/socket", inst.host());
    // Thousands of these are held at once: a small read buffer each.
    let config = WebSocketConfig::default().read_buffer_size(4 * 1024);
    let (ws, _) = tokio_tungstenite::client_async_with_config(url, tcp, Some(config))
        .await
        .unwrap();
    ws
}

/// What a socket hears next from the tracker.
#[derive(Debug)]
enum Heard {
    Json(Value),
    /// A close frame, the end of the stream, or a reset.
    Closed,
}

async fn hear(ws: &mut Ws) -> Heard {
    loop {
        match tokio::time::timeout(NEVER, ws.next()).await {
            Err(_) => panic!("the tracker said nothing and kept the socket open"),
            Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return Heard::Closed,
            Ok(Some(Ok(Message::Text(t)))) => {
                return Heard::Json(
                    serde_json::from_str(t.as_str())
                        .unwrap_or_else(|e| panic!("the tracker sent no JSON ({e}): {t}")),
                );
            }
            Ok(Some(Ok(Message::Binary(b)))) => panic!("a binary message from the tracker: {b:?}"),
            Ok(Some(Ok(_))) => continue,
        }
    }
}

/// The next message, which must come before the socket closes.
async fn said(ws: &mut Ws, what: &str) -> Value {
    match hear(ws).await {
        Heard::Json(v) => v,
        Heard::Closed => panic!("{what}: the socket closed"),
    }
}

/// The next message must be a failure: its reason.
async fn failure(ws: &mut Ws, what: &str) -> String {
    let v = said(ws, what).await;
    ws_failure(&v)
        .unwrap_or_else(|| panic!("{what}: no failure reason in {v}"))
        .to_string()
}

/// The tracker must close the socket next, without another word.
async fn closed(ws: &mut Ws, what: &str) {
    if let Heard::Json(v) = hear(ws).await {
        panic!("{what}: the socket stayed open and said {v}");
    }
}

async fn send(ws: &mut Ws, msg: &Value) {
    ws.send(Message::text(msg.to_string())).await.unwrap();
}

/// A WebTorrent announce of `peer` in the swarm of `hash`, without offers, not complete.
fn announce(hash: &[u8; 20], peer: &[u8; 20]) -> Value {
    json!({
        "action": "announce", "info_hash": binary(hash), "peer_id": binary(peer),
        "event": "started", "left": 1000, "uploaded": 0, "downloaded": 0, "numwant": 5,
        "offers": [],
    })
}

fn scrape(hash: &[u8; 20]) -> Value {
    json!({ "action": "scrape", "info_hash": binary(hash) })
}

fn offer_id(tag: u8, i: usize) -> [u8; 20] {
    let mut id = [tag; 20];
    id[19] = u8::try_from(i).unwrap();
    id
}

/// A session description of about `bytes` bytes.
fn sdp(bytes: usize) -> String {
    let mut s = String::from("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
    while s.len() < bytes {
        s.push_str("a=candidate:1 1 udp 1 127.0.0.1 9 typ host\r\n");
    }
    s
}

/// `n` offers of about `bytes` bytes each, their ids starting with `tag`.
fn offers(n: usize, bytes: usize, tag: u8) -> Value {
    (0..n)
        .map(|i| {
            json!({ "offer_id": binary(&offer_id(tag, i)),
                    "offer": { "type": "offer", "sdp": sdp(bytes) } })
        })
        .collect()
}

/// `msg` must be the answer to an announce in the swarm of `hash`: its (complete, incomplete).
fn answered(msg: &Value, hash: &[u8; 20], what: &str) -> (u64, u64) {
    assert!(msg["failure reason"].is_null(), "{what}: refused: {msg}");
    assert_eq!(msg["action"], "announce", "{what}: {msg}");
    assert_eq!(msg["info_hash"], binary(hash), "{what}: {msg}");
    assert!(
        msg["interval"].as_u64().is_some_and(|i| i > 0),
        "{what}: {msg}"
    );
    (
        msg["complete"].as_u64().unwrap(),
        msg["incomplete"].as_u64().unwrap(),
    )
}

/// A scrape on `ws`: the swarm's (complete, incomplete).
async fn counts(ws: &mut Ws, hash: &[u8; 20]) -> (u64, u64) {
    send(ws, &scrape(hash)).await;
    let v = said(ws, "a scrape").await;
    assert_eq!(v["action"], "scrape", "{v}");
    let f = &v["files"][binary(hash)];
    (
        f["complete"].as_u64().unwrap(),
        f["incomplete"].as_u64().unwrap(),
    )
}

/// The visitor: from its own address, the API's config and the video's watch page answer as
/// ever.
async fn visitor_served(inst: &Instance, video: &Tracked) {
    let client = browser_from(VISITOR);
    let r = client
        .get(format!("{}/api/v1/config", inst.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the visitor's /api/v1/config");
    let config: Value = r.json().await.unwrap();
    assert!(config["instance"]["name"].is_string(), "{config}");
    let r = client
        .get(format!("{}/w/{}", inst.url, video.short_uuid))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the visitor's watch page");
    let page = r.text().await.unwrap();
    assert!(page.contains(&video.name), "a watch page without its video");
}

/// A GET of `path_and_query` from the loopback address `from`: (status, body).
async fn get_from(inst: &Instance, from: &str, path_and_query: &str) -> (u16, Vec<u8>) {
    let r = browser_from(from)
        .get(format!("{}{path_and_query}", inst.url))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.bytes().await.unwrap().to_vec())
}

/// An HTTP announce's query with `info_hash` and `peer_id` percent-encoded, then `rest`.
fn http_query(hash: &[u8], peer: &[u8], rest: &str) -> String {
    format!(
        "/tracker/announce?info_hash={}&peer_id={}{rest}",
        percent(hash),
        percent(peer)
    )
}

/// The bencoded failure of an HTTP tracker answer, which must be 200.
async fn http_failure(inst: &Instance, from: &str, path_and_query: &str) -> String {
    let (status, body) = get_from(inst, from, path_and_query).await;
    assert_eq!(status, 200, "{path_and_query}");
    failure_reason(&body).unwrap_or_else(|| {
        panic!(
            "{path_and_query}: not a bencoded failure: {}",
            String::from_utf8_lossy(&body)
        )
    })
}

/// A successful HTTP announce: its bencoded answer.
async fn http_announced(inst: &Instance, from: &str, path_and_query: &str) -> Bencode {
    let (status, body) = get_from(inst, from, path_and_query).await;
    assert_eq!(status, 200, "{path_and_query}");
    let v = Bencode::parse(&body)
        .unwrap_or_else(|| panic!("not bencoded: {}", String::from_utf8_lossy(&body)));
    assert!(
        v.get("failure reason").is_none() && v.get("interval").and_then(Bencode::int) > Some(0),
        "{path_and_query}: {v:?}"
    );
    v
}

both!(
    malformed_messages_are_refused_one_by_one,
    |rig| async move {
        let inst = Instance::start(rig, &[]).await;
        let video = tracked_video(&inst).await;
        let hash = video.info_hash;
        let me = peer_id("malformed");
        let good = announce(&hash, &me);
        let with = |key: &str, value: Value| {
            let mut m = good.clone();
            m[key] = value;
            Message::text(m.to_string())
        };
        let text = |s: &str| Message::text(s.to_string());
        let mut wide = binary(&hash[1..]);
        wide.insert(0, '\u{100}');
        let mut long = hash.to_vec();
        long.push(0);
        let no_peer_to_answer = {
            let mut m = good.clone();
            m["answer"] = json!({ "type": "answer", "sdp": sdp(100) });
            m["offer_id"] = json!(binary(&offer_id(7, 0)));
            Message::text(m.to_string())
        };
        let scrape_of_many = json!({ "action": "scrape", "info_hash": vec![binary(&hash); 83] });
        let cases: Vec<(&str, Message, &str)> = vec![
            ("not JSON", text("hello tracker"), "invalid JSON"),
            ("a JSON array", text(r#"["announce"]"#), "invalid JSON"),
            (
                "an unknown action",
                with("action", json!("hijack")),
                "action",
            ),
            (
                "an info_hash of 19 characters",
                with("info_hash", json!(binary(&hash[..19]))),
                "invalid info_hash",
            ),
            (
                "an info_hash of 21 characters",
                with("info_hash", json!(binary(&long))),
                "invalid info_hash",
            ),
            (
                "an info_hash with a character past U+00FF",
                with("info_hash", json!(wide)),
                "invalid info_hash",
            ),
            (
                "a peer_id that is a number",
                with("peer_id", json!(12345)),
                "invalid peer_id",
            ),
            (
                "an unknown event",
                with("event", json!("bogus")),
                "invalid event",
            ),
            (
                "11 offers",
                with("offers", offers(11, 200, 1)),
                "too many offers",
            ),
            (
                "an offer whose SDP is over 16 KiB",
                with("offers", offers(1, 17 * 1024, 2)),
                "offer too large",
            ),
            (
                "an answer without to_peer_id",
                no_peer_to_answer,
                "to_peer_id",
            ),
            (
                "a scrape of 83 info hashes",
                text(&scrape_of_many.to_string()),
                "too many info_hash",
            ),
            (
                "a binary frame (holding a correct announce)",
                Message::binary(good.to_string().into_bytes()),
                "invalid JSON",
            ),
        ];
        let mut ws = socket_from(&inst, "127.0.0.11").await;
        for (what, msg, reason) in cases {
            ws.send(msg).await.unwrap();
            let said = failure(&mut ws, what).await;
            assert!(said.contains(reason), "{what}: {said:?}");
            visitor_served(&inst, &video).await;
        }
        // The same socket takes a correct announce; none of the refused ones joined the swarm.
        send(&mut ws, &good).await;
        let v = said(&mut ws, "a correct announce").await;
        assert_eq!(answered(&v, &hash, "a correct announce"), (0, 1));
        let mut other = socket_from(&inst, "127.0.0.12").await;
        assert_eq!(counts(&mut other, &hash).await, (0, 1));
        visitor_served(&inst, &video).await;
        inst.stop().await;
    }
);

both!(a_message_over_64_kib_closes_its_socket, |rig| async move {
    let inst = Instance::start(rig, &[]).await;
    let video = tracked_video(&inst).await;
    let hash = video.info_hash;
    let from = "127.0.0.21";
    let mut padded = announce(&hash, &peer_id("big"));
    padded["pad"] = json!("x".repeat(60 * 1024));
    let mut ws = socket_from(&inst, from).await;
    // Under the bound: read and answered.
    send(&mut ws, &padded).await;
    let v = said(&mut ws, "a 60 KiB announce").await;
    answered(&v, &hash, "a 60 KiB announce");
    // Over it: the socket ends, the peer leaves its swarm.
    padded["pad"] = json!("x".repeat(70 * 1024));
    // The tracker may end the socket before the whole message is written.
    let _ = ws.send(Message::text(padded.to_string())).await;
    closed(&mut ws, "a 70 KiB message").await;
    visitor_served(&inst, &video).await;
    // A new socket from the same address works.
    let mut ws = socket_from(&inst, from).await;
    send(&mut ws, &announce(&hash, &peer_id("small"))).await;
    let v = said(&mut ws, "an announce on a new socket").await;
    answered(&v, &hash, "an announce on a new socket");
    inst.eventually("the closed socket's peer to leave", 60, || async {
        let mut watcher = socket_from(&inst, "127.0.0.22").await;
        (counts(&mut watcher, &hash).await == (0, 1)).then_some(())
    })
    .await;
    visitor_served(&inst, &video).await;
    inst.stop().await;
});

both!(an_unknown_info_hash_blocks_its_address, |rig| async move {
    let inst = Instance::start(rig, &[]).await;
    let video = tracked_video(&inst).await;
    let hash = video.info_hash;
    let (stranger, other) = ("127.0.0.31", "127.0.0.32");
    let unknown = [0x5au8; 20];
    let mut ws = socket_from(&inst, stranger).await;
    send(&mut ws, &announce(&unknown, &peer_id("stranger"))).await;
    let v = said(&mut ws, "an unknown info hash").await;
    let reason = ws_failure(&v).unwrap_or_else(|| panic!("no failure reason: {v}"));
    assert!(reason.contains(&"5a".repeat(20)), "{reason}");
    assert_eq!(v["info_hash"], binary(&unknown), "{v}");
    closed(&mut ws, "an unknown info hash").await;
    // The address is refused for a while, whatever it asks.
    let mut ws = socket_from(&inst, stranger).await;
    let reason = failure(&mut ws, "a new socket of the blocked address").await;
    assert!(reason.contains("Blocked"), "{reason}");
    closed(&mut ws, "a new socket of the blocked address").await;
    // Another address is not.
    let mut ws = socket_from(&inst, other).await;
    send(&mut ws, &announce(&hash, &peer_id("other"))).await;
    let v = said(&mut ws, "another address").await;
    assert_eq!(answered(&v, &hash, "another address"), (0, 1));
    visitor_served(&inst, &video).await;
    inst.stop().await;
});

both!(an_announce_flood_is_cut_off_per_address, |rig| async move {
    let inst = Instance::start(
        rig,
        &[
            ("RUCHE_P2P_ANNOUNCES_MAX", "5"),
            ("RUCHE_P2P_ANNOUNCES_WINDOW_SECS", "3600"),
        ],
    )
    .await;
    let video = tracked_video(&inst).await;
    let hash = video.info_hash;
    let (flooder, other) = ("127.0.0.41", "127.0.0.42");
    let me = peer_id("flooder");
    let mut ws = socket_from(&inst, flooder).await;
    for n in 0..5 {
        send(&mut ws, &announce(&hash, &me)).await;
        let v = said(&mut ws, &format!("announce {n}")).await;
        answered(&v, &hash, &format!("announce {n}"));
    }
    send(&mut ws, &announce(&hash, &me)).await;
    let reason = failure(&mut ws, "the sixth announce").await;
    assert_eq!(reason, "Too many requests");
    closed(&mut ws, "the sixth announce").await;
    // A new socket of the flooder is cut off at its first message; its HTTP announces and
    // scrapes are refused.
    let mut ws = socket_from(&inst, flooder).await;
    send(&mut ws, &announce(&hash, &me)).await;
    assert_eq!(failure(&mut ws, "a new socket").await, "Too many requests");
    closed(&mut ws, "a new socket").await;
    let query = http_query(&hash, &me, "&port=6881&left=0&compact=1");
    assert_eq!(
        http_failure(&inst, flooder, &query).await,
        "Too many requests"
    );
    let scrape = format!("/tracker/scrape?info_hash={}", percent(&hash));
    assert_eq!(
        http_failure(&inst, flooder, &scrape).await,
        "Too many requests"
    );
    visitor_served(&inst, &video).await;
    // Another address announces over both.
    let mut ws = socket_from(&inst, other).await;
    send(&mut ws, &announce(&hash, &peer_id("other"))).await;
    let v = said(&mut ws, "another address").await;
    answered(&v, &hash, "another address");
    let answer = http_announced(
        &inst,
        other,
        &http_query(&hash, &peer_id("other http"), "&port=6881&left=0&compact=1"),
    )
    .await;
    assert_eq!(answer.get("complete").and_then(Bencode::int), Some(1));
    visitor_served(&inst, &video).await;
    inst.stop().await;
});

both!(
    peers_vanishing_mid_exchange_leave_at_once,
    |rig| async move {
        let inst = Instance::start(rig, &[]).await;
        let video = tracked_video(&inst).await;
        let hash = video.info_hash;
        let (a_id, b_id) = (peer_id("offerer"), peer_id("answerer"));
        let mut b = socket_from(&inst, "127.0.0.52").await;
        send(&mut b, &announce(&hash, &b_id)).await;
        let v = said(&mut b, "B's announce").await;
        assert_eq!(answered(&v, &hash, "B's announce"), (0, 1));

        // A, who has the whole file, offers twice; there is one peer to take an offer: B.
        let mut a = socket_from(&inst, "127.0.0.51").await;
        let mut a_announce = announce(&hash, &a_id);
        a_announce["left"] = json!(0);
        a_announce["offers"] = offers(2, 1500, 0xA0);
        send(&mut a, &a_announce).await;
        let v = said(&mut a, "A's announce").await;
        assert_eq!(answered(&v, &hash, "A's announce"), (1, 1));
        let offer = said(&mut b, "A's offer").await;
        assert_eq!(offer["offer"]["type"], "offer", "{offer}");
        assert_eq!(offer["peer_id"], binary(&a_id), "{offer}");
        let taken = offer["offer_id"].as_str().unwrap().to_string();

        // B answers it: A gets the answer.
        let b_answer = |offer: &str| {
            let mut m = announce(&hash, &b_id);
            m["answer"] = json!({ "type": "answer", "sdp": sdp(1500) });
            m["to_peer_id"] = json!(binary(&a_id));
            m["offer_id"] = json!(offer);
            m
        };
        send(&mut b, &b_answer(&taken)).await;
        let v = said(&mut a, "B's answer").await;
        assert_eq!(v["answer"]["type"], "answer", "{v}");
        assert_eq!(v["peer_id"], binary(&b_id), "{v}");
        assert_eq!(v["offer_id"], taken, "{v}");
        let mut watcher = socket_from(&inst, "127.0.0.53").await;
        assert_eq!(counts(&mut watcher, &hash).await, (1, 1));

        // A's socket drops without a close: A leaves the swarm.
        drop(a);
        inst.eventually("the vanished offerer to leave its swarm", 60, || async {
            let mut watcher = socket_from(&inst, "127.0.0.53").await;
            (counts(&mut watcher, &hash).await == (0, 1)).then_some(())
        })
        .await;
        // B's next answer to A goes nowhere, without a word to B: the next thing B hears is the
        // answer to its scrape.
        send(&mut b, &b_answer(&binary(&offer_id(0xA0, 1)))).await;
        assert_eq!(counts(&mut b, &hash).await, (0, 1));
        visitor_served(&inst, &video).await;

        // The swarm goes on: a newcomer's offer reaches B.
        let mut c = socket_from(&inst, "127.0.0.54").await;
        let mut c_announce = announce(&hash, &peer_id("newcomer"));
        c_announce["offers"] = offers(1, 1500, 0xC0);
        send(&mut c, &c_announce).await;
        let v = said(&mut c, "C's announce").await;
        assert_eq!(answered(&v, &hash, "C's announce"), (0, 2));
        let offer = said(&mut b, "C's offer").await;
        assert_eq!(offer["peer_id"], binary(&peer_id("newcomer")), "{offer}");
        visitor_served(&inst, &video).await;
        inst.stop().await;
    }
);

/// Opens a socket from `from` and asks it for a scrape: the socket if the tracker took it, or
/// the reason it gave before it closed it.
async fn attempt(inst: &Instance, from: &str, hash: &[u8; 20]) -> Result<Ws, String> {
    let mut ws = socket_from(inst, from).await;
    // A refused socket is told why at once and closed: the scrape may meet that close.
    let _ = ws.send(Message::text(scrape(hash).to_string())).await;
    match hear(&mut ws).await {
        Heard::Json(v) if v["action"] == "scrape" && v["failure reason"].is_null() => Ok(ws),
        Heard::Json(v) => {
            let reason = ws_failure(&v)
                .unwrap_or_else(|| panic!("neither a scrape nor a failure: {v}"))
                .to_string();
            closed(&mut ws, &reason).await;
            Err(reason)
        }
        Heard::Closed => panic!("a socket from {from} closed without a word"),
    }
}

/// `per` sockets at once from each of `addresses`, one address after the other: those the
/// tracker took, and the reasons of those it refused, by address.
async fn open_many(
    inst: &Instance,
    addresses: &[String],
    per: usize,
    hash: &[u8; 20],
) -> (Vec<Ws>, Vec<Vec<String>>) {
    let (mut open, mut refused) = (Vec::new(), Vec::new());
    for from in addresses {
        let mut no = Vec::new();
        for r in join_all((0..per).map(|_| attempt(inst, from, hash))).await {
            match r {
                Ok(ws) => open.push(ws),
                Err(reason) => no.push(reason),
            }
        }
        refused.push(no);
    }
    (open, refused)
}

both!(
    idle_sockets_are_capped_overall_and_per_address,
    |rig| async move {
        const TOTAL: usize = 1500;
        const PER_ADDRESS: usize = 50;
        let inst = Instance::start(
            rig,
            &[
                ("RUCHE_P2P_MAX_CONNECTIONS", "1500"),
                ("RUCHE_P2P_MAX_CONNECTIONS_PER_ADDRESS", "50"),
            ],
        )
        .await;
        let video = tracked_video(&inst).await;
        let hash = video.info_hash;
        let addresses: Vec<String> = (1..=40).map(|n| format!("127.0.6.{n}")).collect();
        let filled = TOTAL / PER_ADDRESS;
        let rss_before = inst.memory("VmRSS");

        // 55 from each of 40 addresses: the first 30 addresses fill the tracker, 50 each, their
        // extra 5 refused for their address (the 30th's for the tracker being full, which is
        // checked first); the last 10 find it full.
        let (open, refused) = open_many(&inst, &addresses, PER_ADDRESS + 5, &hash).await;
        assert_eq!(open.len(), TOTAL);
        for (n, reasons) in refused.iter().enumerate() {
            let (count, reason) = if n + 1 < filled {
                (5, "too many connections from your address")
            } else if n + 1 == filled {
                (5, "tracker is full")
            } else {
                (PER_ADDRESS + 5, "tracker is full")
            };
            assert_eq!(reasons.len(), count, "{}: {reasons:?}", addresses[n]);
            assert!(
                reasons.iter().all(|r| r.contains(reason)),
                "{}: {reasons:?}",
                addresses[n]
            );
        }
        let rss_held = inst.memory("VmRSS");
        eprintln!(
            "{TOTAL} idle tracker sockets: server RSS {} → {} KiB ({} KiB a socket)",
            rss_before / 1024,
            rss_held / 1024,
            rss_held.saturating_sub(rss_before) / 1024 / TOTAL as u64
        );
        // An idle socket holds small buffers (tungstenite's default 128 KiB read buffer, filled
        // on the first read, made 141 KiB a socket: 2.7 GiB at the default cap).
        assert!(
            rss_held.saturating_sub(rss_before) / TOTAL as u64 <= 32 * 1024,
            "{} KiB a socket",
            rss_held.saturating_sub(rss_before) / 1024 / TOTAL as u64
        );

        // Meanwhile the site and the HTTP tracker answer, and a newcomer is told the tracker is full.
        visitor_served(&inst, &video).await;
        http_announced(
            &inst,
            VISITOR,
            &http_query(&hash, &peer_id("http"), "&port=6881&left=0&compact=1"),
        )
        .await;
        assert!(
            attempt(&inst, "127.0.7.1", &hash)
                .await
                .err()
                .is_some_and(|r| r.contains("tracker is full"))
        );

        // Closed, they give every place back: the same addresses fill the tracker again, 50 each,
        // and not one socket more is taken.
        drop(open);
        let again = inst
            .eventually("every place given back", 120, || {
                let (inst, addresses, hash) = (&inst, &addresses[..filled], &hash);
                async move {
                    let (open, refused) = open_many(inst, addresses, PER_ADDRESS, hash).await;
                    refused.iter().all(Vec::is_empty).then_some(open)
                }
            })
            .await;
        assert_eq!(again.len(), TOTAL);
        assert!(
            attempt(&inst, "127.0.7.2", &hash)
                .await
                .err()
                .is_some_and(|r| r.contains("tracker is full"))
        );
        drop(again);
        visitor_served(&inst, &video).await;
        // What the sockets held is given back (3,000 of them were opened and closed).
        inst.eventually("the sockets' memory given back", 60, || async {
            (inst.memory("VmRSS") < rss_before + 64 * 1024 * 1024).then_some(())
        })
        .await;
        inst.stop().await;
    }
);

both!(bad_http_announces_get_bencoded_failures, |rig| async move {
    let inst = Instance::start(rig, &[]).await;
    let video = tracked_video(&inst).await;
    let hash = video.info_hash;
    let from = "127.0.0.71";
    let me = peer_id("http");
    let cases = [
        (
            "no port",
            http_query(&hash, &me, "&left=0&compact=1"),
            "invalid port",
        ),
        (
            "port 0",
            http_query(&hash, &me, "&port=0&left=0"),
            "invalid port",
        ),
        ("no query at all", "/tracker/announce".into(), "invalid"),
        (
            "an info_hash of 19 bytes",
            http_query(&hash[..19], &me, "&port=6881"),
            "invalid info_hash",
        ),
        (
            "a peer_id of 21 bytes",
            http_query(&hash, b"-RT0001-xxxxxxxxxxxxx", "&port=6881"),
            "invalid peer_id",
        ),
        (
            "event=bogus",
            http_query(&hash, &me, "&port=6881&event=bogus"),
            "invalid event",
        ),
        (
            "an unknown info hash",
            http_query(&[0x5a; 20], &me, "&port=6881"),
            "Unknown infoHash",
        ),
        (
            "a scrape without info_hash",
            "/tracker/scrape".into(),
            "info_hash required",
        ),
        (
            "a scrape of a 19-byte info_hash",
            format!("/tracker/scrape?info_hash={}", percent(&hash[..19])),
            "invalid info_hash",
        ),
    ];
    for (what, query, reason) in cases {
        let said = http_failure(&inst, from, &query).await;
        assert!(said.contains(reason), "{what}: {said:?}");
    }
    visitor_served(&inst, &video).await;

    // A correct announce from the same address is answered, and a second peer is given it.
    let first = http_announced(
        &inst,
        from,
        &http_query(&hash, &me, "&port=6881&left=1000&compact=1"),
    )
    .await;
    assert_eq!(first.get("incomplete").and_then(Bencode::int), Some(1));
    let second = http_announced(
        &inst,
        "127.0.0.72",
        &http_query(&hash, &peer_id("second"), "&port=6882&left=1000&compact=1"),
    )
    .await;
    assert_eq!(
        second.get("peers"),
        Some(&Bencode::Bytes(vec![127, 0, 0, 71, 0x1a, 0xe1])),
        "{second:?}"
    );
    let (status, body) = get_from(
        &inst,
        from,
        &format!("/tracker/scrape?info_hash={}", percent(&hash)),
    )
    .await;
    assert_eq!(status, 200);
    let files = Bencode::parse(&body).unwrap();
    let swarm = files.get("files").and_then(|f| f.get(hash)).unwrap();
    assert_eq!(swarm.get("incomplete").and_then(Bencode::int), Some(2));
    visitor_served(&inst, &video).await;
    inst.stop().await;
});

both!(frames_are_read_as_rfc_6455_frames_them, |rig| async move {
    use tokio_tungstenite::tungstenite::protocol::frame::Frame;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
    let inst = Instance::start(rig, &[]).await;
    let video = tracked_video(&inst).await;
    let hash = video.info_hash;
    let from = "127.0.0.81";
    let text = announce(&hash, &peer_id("fragments"))
        .to_string()
        .into_bytes();
    let third = text.len() / 3;
    let mut ws = socket_from(&inst, from).await;
    // An announce in three fragments, a ping between the first two: the ping is answered at
    // once with its payload, the announce once whole.
    let frag = |part: &[u8], op: Data, fin: bool| {
        Message::Frame(Frame::message(part.to_vec(), OpCode::Data(op), fin))
    };
    ws.send(frag(&text[..third], Data::Text, false))
        .await
        .unwrap();
    ws.send(Message::Ping(b"are you there".to_vec().into()))
        .await
        .unwrap();
    let pong = loop {
        match tokio::time::timeout(NEVER, ws.next()).await.unwrap() {
            Some(Ok(Message::Pong(p))) => break p,
            Some(Ok(Message::Ping(_))) => continue,
            other => panic!("a pong was due: {other:?}"),
        }
    };
    assert_eq!(&pong[..], b"are you there");
    ws.send(frag(&text[third..2 * third], Data::Continue, false))
        .await
        .unwrap();
    ws.send(frag(&text[2 * third..], Data::Continue, true))
        .await
        .unwrap();
    let v = said(&mut ws, "a fragmented announce").await;
    answered(&v, &hash, "a fragmented announce");
    // A close is echoed with its code.
    ws.send(Message::Close(Some(
        tokio_tungstenite::tungstenite::protocol::CloseFrame {
            code: CloseCode::Away,
            reason: "bye".into(),
        },
    )))
    .await
    .unwrap();
    let echoed = loop {
        match tokio::time::timeout(NEVER, ws.next()).await.unwrap() {
            Some(Ok(Message::Close(c))) => break c,
            Some(Ok(_)) => continue,
            other => panic!("a close was due: {other:?}"),
        }
    };
    assert_eq!(echoed.map(|c| c.code), Some(CloseCode::Away));

    // A text message that is not UTF-8 ends the socket; so does a continuation that continues
    // nothing. Neither disturbs anyone else.
    let mut ws = socket_from(&inst, from).await;
    ws.send(Message::Frame(Frame::message(
        vec![b'{', 0xC3, 0x28, b'}'],
        OpCode::Data(Data::Text),
        true,
    )))
    .await
    .unwrap();
    closed(&mut ws, "a text message that is not UTF-8").await;
    let mut ws = socket_from(&inst, from).await;
    ws.send(frag(b"{}", Data::Continue, true)).await.unwrap();
    closed(&mut ws, "a continuation of nothing").await;
    visitor_served(&inst, &video).await;
    let mut ws = socket_from(&inst, from).await;
    send(&mut ws, &announce(&hash, &peer_id("after"))).await;
    let v = said(&mut ws, "an announce after the bad frames").await;
    answered(&v, &hash, "an announce after the bad frames");
    inst.stop().await;
});

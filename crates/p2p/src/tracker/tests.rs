use super::*;

const H: Hash = *b"jlLPV8tFdL4Y6LHB7knI";

fn id(n: u8) -> PeerId {
    let mut p = *b"-PM0202-000000000000";
    p[19] = b'0' + n;
    p
}

fn ip(n: u8) -> IpAddr {
    IpAddr::from([10, 0, 0, n])
}

fn announce(peer: PeerId, offers: usize) -> String {
    let offers: Vec<Value> = (0..offers)
        .map(|i| {
            json!({
                "offer_id": format!("offer-{i:0>14}"),
                "offer": {"type": "offer", "sdp": format!("v=0 from {}", String::from_utf8_lossy(&peer))},
            })
        })
        .collect();
    json!({
        "action": "announce",
        "info_hash": bytes_to_binary(&H),
        "peer_id": bytes_to_binary(&peer),
        "event": "started",
        "numwant": 5,
        "offers": offers,
    })
    .to_string()
}

fn run(t: &mut Tracker, conn: ConnId, text: &str) -> Result<(), Failure> {
    match parse_ws(text, t.limits())? {
        WsRequest::Announce(a) => t
            .ws_announce(conn, a, Instant::now())
            .map(Delivery::deliver),
        WsRequest::Scrape(h) => {
            let s = t.ws_scrape(&h);
            t.send(conn, s);
            Ok(())
        }
    }
}

fn drain(i: &mut Inbox) -> Vec<Value> {
    let mut out = Vec::new();
    i.take(std::task::Waker::noop(), &mut out, usize::MAX);
    out.iter()
        .map(|t| serde_json::from_str(t).expect("json"))
        .collect()
}

#[test]
fn offers_reach_other_peers_and_answers_come_back() {
    let mut t = Tracker::new(Limits::default());
    let (a, mut ia) = t.connect(ip(1)).expect("a");
    let (b, mut ib) = t.connect(ip(2)).expect("b");
    run(&mut t, a, &announce(id(1), 5)).expect("a announces");
    let got = drain(&mut ia);
    assert_eq!(got.len(), 1, "a alone: only its answer");
    assert_eq!(got[0]["interval"], 120);
    assert_eq!(got[0]["incomplete"], 1);
    run(&mut t, b, &announce(id(2), 5)).expect("b announces");
    let to_b = drain(&mut ib);
    assert_eq!(to_b[0]["incomplete"], 2);
    let to_a = drain(&mut ia);
    assert_eq!(to_a.len(), 1, "one offer per peer");
    assert_eq!(to_a[0]["peer_id"], bytes_to_binary(&id(2)));
    let offer_id = to_a[0]["offer_id"].as_str().expect("offer id").to_string();
    // a answers b's offer.
    let answer = json!({
        "action": "announce",
        "info_hash": bytes_to_binary(&H),
        "peer_id": bytes_to_binary(&id(1)),
        "to_peer_id": bytes_to_binary(&id(2)),
        "offer_id": offer_id,
        "answer": {"type": "answer", "sdp": "v=0 answer"},
    });
    run(&mut t, a, &answer.to_string()).expect("answer");
    assert!(
        drain(&mut ia).is_empty(),
        "no announce answer for an answer"
    );
    let back = drain(&mut ib);
    assert_eq!(back.len(), 1);
    assert_eq!(back[0]["answer"]["sdp"], "v=0 answer");
    assert_eq!(back[0]["offer_id"], offer_id);
    assert_eq!(back[0]["peer_id"], bytes_to_binary(&id(1)));
    // b leaves: a is alone again.
    t.disconnect(b);
    assert_eq!(t.stats().peers, 1);
    assert_eq!(t.stats().connections, 1);
    t.disconnect(a);
    assert_eq!(t.stats(), Stats::default());
}

#[test]
fn bad_messages_are_refused_with_a_reason() {
    let l = Limits::default();
    let f = |s: &str| parse_ws(s, &l).expect_err(s).0;
    assert_eq!(f("not json"), "invalid JSON");
    assert_eq!(f("[]"), "invalid JSON");
    assert_eq!(
        f(r#"{"action":"nope"}"#),
        "invalid action in WS request: nope"
    );
    assert_eq!(
        f(r#"{"action":"announce","info_hash":"short","peer_id":"-PM0202-000000000000"}"#),
        "invalid info_hash"
    );
    assert_eq!(
        f(
            r#"{"action":"announce","info_hash":"jlLPV8tFdL4Y6LHB7kn\u0100","peer_id":"-PM0202-000000000000"}"#
        ),
        "invalid info_hash",
        "a character past U+00FF is no byte"
    );
    assert_eq!(
        f(r#"{"action":"announce","info_hash":"jlLPV8tFdL4Y6LHB7knI","peer_id":7}"#),
        "invalid peer_id"
    );
    let many = announce(id(1), l.max_offers + 1);
    assert_eq!(f(&many), "too many offers");
    let huge = json!({
        "action": "announce", "info_hash": bytes_to_binary(&H), "peer_id": bytes_to_binary(&id(1)),
        "offers": [{"offer_id": "offer-00000000000000", "offer": {"type": "offer", "sdp": "x".repeat(l.max_signal_bytes)}}],
    });
    assert_eq!(f(&huge.to_string()), "offer too large");
    let answer_without_target = json!({
        "action": "announce", "info_hash": bytes_to_binary(&H), "peer_id": bytes_to_binary(&id(1)),
        "answer": {"type": "answer", "sdp": "x"}, "offer_id": "offer-00000000000000",
    });
    assert_eq!(
        f(&answer_without_target.to_string()),
        "invalid `to_peer_id` (required with `answer`)"
    );
    assert_eq!(f(r#"{"action":"scrape"}"#), "invalid info_hash");
    assert_eq!(
        f(
            r#"{"action":"announce","info_hash":"jlLPV8tFdL4Y6LHB7knI","peer_id":"-PM0202-000000000000","event":"boom"}"#
        ),
        "invalid event"
    );
}

#[test]
fn nobody_speaks_for_another_peer() {
    let mut t = Tracker::new(Limits::default());
    let (a, _ia) = t.connect(ip(1)).expect("a");
    let (m, mut im) = t.connect(ip(9)).expect("mallory");
    run(&mut t, a, &announce(id(1), 0)).expect("a");
    assert_eq!(
        run(&mut t, m, &announce(id(1), 0)),
        Err(Failure::new("peer_id in use"))
    );
    // A stop for a's peer id from mallory's connection changes nothing.
    let stop = json!({"action":"announce","info_hash":bytes_to_binary(&H),"peer_id":bytes_to_binary(&id(1)),"event":"stopped"});
    run(&mut t, m, &stop.to_string()).expect("ignored");
    assert_eq!(t.stats().peers, 1);
    drain(&mut im);
    // Over HTTP, from another address, neither.
    let q = format!(
        "info_hash={}&peer_id={}&port=6881&event=stopped",
        percent_encoding::percent_encode(&H, percent_encoding::NON_ALPHANUMERIC),
        percent_encoding::percent_encode(&id(1), percent_encoding::NON_ALPHANUMERIC)
    );
    let h = parse_http_announce(&q).expect("parses");
    t.http_announce(&h, ip(9), Instant::now())
        .expect("answered");
    assert_eq!(t.stats().peers, 1);
}

#[test]
fn every_bound_holds() {
    let limits = Limits {
        max_connections: 3,
        max_connections_per_address: 2,
        max_peers_per_swarm: 2,
        max_swarms_per_connection: 1,
        ..Limits::default()
    };
    let mut t = Tracker::new(limits);
    let (a, _ia) = t.connect(ip(1)).expect("a");
    let (b, _ib) = t.connect(ip(1)).expect("b");
    assert!(t.connect(ip(1)).is_err(), "per address");
    let (c, _ic) = t.connect(ip(2)).expect("c");
    assert!(t.connect(ip(3)).is_err(), "in all");
    run(&mut t, a, &announce(id(1), 0)).expect("1");
    run(&mut t, b, &announce(id(2), 0)).expect("2");
    assert_eq!(
        run(&mut t, c, &announce(id(3), 0)),
        Err(Failure::new("swarm is full"))
    );
    let other = json!({"action":"announce","info_hash":"aaaaaaaaaaaaaaaaaaaa","peer_id":bytes_to_binary(&id(1))});
    assert_eq!(
        run(&mut t, a, &other.to_string()),
        Err(Failure::new("too many swarms on one connection"))
    );
    // IPv6 clients count by their /64.
    let v6 = |last: u16| IpAddr::from([0x2001, 0xdb8, 0, 1, 0, 0, 0, last]);
    for conn in [a, b, c] {
        t.disconnect(conn);
    }
    let _x = t.connect(v6(1)).expect("x");
    let _y = t.connect(v6(2)).expect("y");
    assert_eq!(
        t.connect(v6(3)).err(),
        Some(Failure::new("too many connections from your address"))
    );
}

#[test]
fn a_reader_that_does_not_read_cannot_make_the_tracker_hold_its_messages() {
    let limits = Limits {
        max_queued_bytes: 4096,
        ..Limits::default()
    };
    let mut t = Tracker::new(limits);
    let (a, _never_read) = t.connect(ip(1)).expect("a");
    run(&mut t, a, &announce(id(1), 0)).expect("a");
    let (b, mut ib) = t.connect(ip(2)).expect("b");
    for _ in 0..200 {
        run(&mut t, b, &announce(id(2), 1)).expect("b");
        drain(&mut ib);
    }
    assert!(t.stats().queued_bytes <= 4096, "{:?}", t.stats());
    drop(_never_read);
    assert_eq!(t.stats().queued_bytes, 0);
}

#[test]
fn an_announce_is_answered_however_full_the_queues_are_of_others_offers() {
    // A budget that two offers fill: b's queue holds others' offers it has not read yet.
    let limits = Limits {
        max_queued_bytes: 600,
        ..Limits::default()
    };
    let mut t = Tracker::new(limits);
    let (b, mut ib) = t.connect(ip(2)).expect("b");
    run(&mut t, b, &announce(id(2), 0)).expect("b");
    drain(&mut ib);
    let mut others = Vec::new();
    for n in 3..50 {
        let (c, ic) = t.connect(ip(n)).expect("c");
        run(&mut t, c, &announce(id(n), 1)).expect("c");
        others.push(ic);
    }
    let relayed = drain(&mut ib);
    assert!(
        (1..10).contains(&relayed.len()),
        "b got a bounded share of the offers: {}",
        relayed.len()
    );
    // Budget full again, b not reading: each of b's own announces is still answered, each once.
    for n in 50..60 {
        let (c, ic) = t.connect(ip(n)).expect("c");
        run(&mut t, c, &announce(id(n), 1)).expect("c");
        others.push(ic);
    }
    for _ in 0..20 {
        run(&mut t, b, &announce(id(2), 0)).expect("b");
    }
    let got = drain(&mut ib);
    let answers = got.iter().filter(|m| m.get("interval").is_some()).count();
    assert_eq!(answers, 20, "{got:?}");
    // One who never reads fills its own queue and loses only its own answers.
    let (d, _never) = t.connect(ip(200)).expect("d");
    for _ in 0..(QUEUED + 10) {
        run(&mut t, d, &announce(id(200), 0)).expect("d");
    }
    run(&mut t, b, &announce(id(2), 0)).expect("b");
    assert_eq!(drain(&mut ib).len(), 1, "b is answered");
}

#[test]
fn silent_peers_expire() {
    let mut t = Tracker::new(Limits::default());
    let (a, _ia) = t.connect(ip(1)).expect("a");
    run(&mut t, a, &announce(id(1), 0)).expect("a");
    assert_eq!(t.sweep(Instant::now()), 0);
    let later = Instant::now() + Duration::from_secs(11 * 60);
    assert_eq!(t.sweep(later), 1);
    assert_eq!(t.stats().swarms, 0);
    // The connection may join again.
    run(&mut t, a, &announce(id(1), 0)).expect("again");
    assert_eq!(t.stats().peers, 1);
}

#[test]
fn http_peers_get_compact_lists_of_each_other() {
    let mut t = Tracker::new(Limits::default());
    let enc = |b: &[u8]| {
        percent_encoding::percent_encode(b, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let q = |p: u8, port: u16| {
        format!(
            "info_hash={}&peer_id={}&port={port}&uploaded=0&downloaded=0&left=100&compact=1&event=started",
            enc(&H),
            enc(&id(p))
        )
    };
    let a = parse_http_announce(&q(1, 6881)).expect("a");
    let first = t.http_announce(&a, ip(1), Instant::now()).expect("a");
    assert!(first.peers.is_empty());
    let b = parse_http_announce(&q(2, 6882)).expect("b");
    let second = t.http_announce(&b, ip(2), Instant::now()).expect("b");
    assert_eq!(
        second.peers,
        vec![(id(1), "10.0.0.1:6881".parse().expect("addr"))]
    );
    let body = bencoded::announce(&second, true);
    let expected_peers = b"5:peers6:\x0a\x00\x00\x01\x1a\xe1";
    assert!(
        body.windows(expected_peers.len())
            .any(|w| w == expected_peers),
        "{}",
        String::from_utf8_lossy(&body)
    );
    assert!(body.starts_with(b"d8:completei0e10:incompletei2e8:intervali600e"));
    // Scrape.
    let s = parse_http_scrape(&format!("info_hash={}", enc(&H))).expect("scrape");
    let body = bencoded::scrape(&t.scrape(&s), 600);
    assert!(body.starts_with(
        b"d5:filesd20:jlLPV8tFdL4Y6LHB7knId8:completei0e10:downloadedi0e10:incompletei2eee"
    ));
    assert_eq!(
        parse_http_scrape("").expect_err("none").0,
        "info_hash required"
    );
    assert_eq!(
        parse_http_announce("info_hash=x").expect_err("bad").0,
        "invalid port"
    );
}

/// A socket that takes messages while `open`, else answers "not now".
#[derive(Debug, Default)]
struct FakeWire {
    open: std::sync::atomic::AtomicBool,
    got: Mutex<Vec<String>>,
}

impl Wire for FakeWire {
    fn send_now(&self, text: &str) -> Sent {
        if !self.open.load(Ordering::Relaxed) {
            return Sent::NotNow;
        }
        self.got.lock().expect("lock").push(text.to_string());
        Sent::Whole
    }
}

#[test]
fn messages_go_straight_to_the_socket_unless_others_wait_before_them() {
    let mut t = Tracker::new(Limits::default());
    let (a, mut ia) = t.connect(ip(1)).expect("a");
    let wire = Arc::new(FakeWire::default());
    ia.attach(wire.clone());
    wire.open.store(true, Ordering::Relaxed);
    run(&mut t, a, &announce(id(1), 0)).expect("a");
    assert_eq!(wire.got.lock().expect("lock").len(), 1, "written at once");
    assert!(drain(&mut ia).is_empty(), "nothing queued");
    // The socket is full: messages wait in the queue, and later ones go behind them even once
    // the socket takes messages again, so that the order holds.
    wire.open.store(false, Ordering::Relaxed);
    run(&mut t, a, &announce(id(1), 0)).expect("a");
    wire.open.store(true, Ordering::Relaxed);
    run(&mut t, a, &announce(id(1), 0)).expect("a");
    assert_eq!(wire.got.lock().expect("lock").len(), 1);
    assert_eq!(drain(&mut ia).len(), 2, "both queued, in order");
    assert_eq!(t.stats().queued_bytes, 0);
}

#[test]
fn silent_and_stalled_connections_are_ended() {
    let mut t = Tracker::new(Limits::default());
    let (_a, ia) = t.connect(ip(1)).expect("a");
    let (_b, ib) = t.connect(ip(2)).expect("b");
    let (_c, ic) = t.connect(ip(3)).expect("c");
    let now = Instant::now();
    let later = now + Limits::default().silence + Duration::from_secs(1);
    ia.heard(later);
    ib.heard(later);
    ib.stalled(Some(now));
    ic.heard(now);
    // b has not taken its bytes since `now`, c has said nothing since `now`: both end.
    assert_eq!(t.sweep_connections(later), 2);
    let mut taken = Vec::new();
    assert_eq!(ia.take(std::task::Waker::noop(), &mut taken, 1), Mail::Open);
    assert_eq!(
        ib.take(std::task::Waker::noop(), &mut taken, 1),
        Mail::Closed
    );
    assert_eq!(
        ic.take(std::task::Waker::noop(), &mut taken, 1),
        Mail::Closed
    );
}

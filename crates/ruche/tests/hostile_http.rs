//! One anonymous client must not take the server down: a real `ruche serve` under the attacks
//! that once did. Oversized bodies are refused before they are read (a declared length at once,
//! a chunked body as it passes its route's limit) and the server's memory does not grow, and a
//! client still sending a refused body reads the 413; silent connections, headers and bodies
//! that trickle are closed while others are served; past the overall or the per-address cap a
//! newcomer takes the place of the connection that has waited longest for a request head, and is
//! refused only when every connection is being served; running out of file descriptors does not
//! stop the accept loop; every answer carries its security headers; SIGTERM lets a request in
//! flight finish and the process exits 0.
//!
//! Tests wait for conditions (a bounded wait only turns "never" into a failure) and assert no
//! durations.

#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.
use ruche_testkit::{Instance, both, rig};

use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// How long "never" is: a wait that runs out fails the test.
const NEVER: Duration = Duration::from_secs(60);

async fn connect(inst: &Instance) -> TcpStream {
    TcpStream::connect(inst.addr()).await.unwrap()
}

/// Reads an answer's head (status line and headers), or `None` if the connection ends first.
async fn read_head(s: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match tokio::time::timeout(NEVER, s.read(&mut byte)).await {
            Err(_) => panic!("no answer and the connection still open"),
            Ok(Ok(1)) => head.push(byte[0]),
            Ok(_) => return None,
        }
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

fn status_of(head: &str) -> u16 {
    head.split(' ').nth(1).unwrap().parse().unwrap()
}

/// The rest of an answer (its body) up to the end of the connection.
async fn read_rest(s: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let _ = tokio::time::timeout(NEVER, s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// Waits until the server closes `s` (end of stream or reset); returns what it said first.
async fn closed_by_server(s: &mut (impl AsyncRead + Unpin)) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(NEVER, s.read(&mut buf)).await {
            Err(_) => panic!(
                "the server kept the connection open; it had said: {}",
                String::from_utf8_lossy(&out)
            ),
            Ok(Ok(0)) | Ok(Err(_)) => return String::from_utf8_lossy(&out).into_owned(),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
        }
    }
}

/// A normal page, through a fresh connection from `from`.
async fn home_from(inst: &Instance, from: &str) -> u16 {
    let mut s = inst.connect_from(from).await;
    s.write_all(b"GET /api/v1/config HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    read_head(&mut s).await.map_or(0, |h| status_of(&h))
}

/// A request the server is serving, from `from`: a form to the token endpoint whose head asked
/// for `100 Continue` and got it, so that its handler is waiting for the body; and that body.
async fn being_served(inst: &Instance, from: &str) -> (TcpStream, &'static [u8]) {
    let body: &[u8] = b"grant_type=none";
    let mut s = inst.connect_from(from).await;
    s.write_all(
        format!(
            "POST /api/v1/users/token HTTP/1.1\r\nhost: x\r\n\
             content-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\n\
             expect: 100-continue\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let continued = read_head(&mut s).await.expect("closed before 100 Continue");
    assert!(continued.starts_with("HTTP/1.1 100"), "{continued}");
    (s, body)
}

/// Sends `body` on a connection `being_served` and reads the handler's answer: the token
/// endpoint's own refusal of that form, not a 408 or 413.
async fn finish_served(s: &mut TcpStream, body: &[u8]) {
    s.write_all(body).await.unwrap();
    let answer = read_head(s)
        .await
        .expect("a request being served was closed unanswered");
    let code = status_of(&answer);
    assert!(
        (400..500).contains(&code) && ![408, 413].contains(&code),
        "{answer}"
    );
    // Its body, so that the connection is left waiting for its next request.
    let length: usize = answer
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().unwrap())
        })
        .expect("a content-length");
    let mut rest = vec![0u8; length];
    tokio::time::timeout(NEVER, s.read_exact(&mut rest))
        .await
        .unwrap()
        .unwrap();
}

/// One kind of route and a request head for it.
#[derive(Clone)]
struct Target {
    what: &'static str,
    path: String,
    content_type: &'static str,
    token: Option<String>,
    /// PeerTube's JSON error (under /api/) or a page.
    api: bool,
}

/// The head of a POST to `t` declaring `length` bytes, or a chunked body.
fn head(t: &Target, length: Option<u64>) -> String {
    let mut h = format!(
        "POST {} HTTP/1.1\r\nhost: x\r\ncontent-type: {}\r\n",
        t.path, t.content_type
    );
    if let Some(token) = &t.token {
        h += &format!("authorization: Bearer {token}\r\n");
    }
    match length {
        Some(n) => h += &format!("content-length: {n}\r\n"),
        None => h += "transfer-encoding: chunked\r\n",
    }
    h + "\r\n"
}

/// A route of each kind that takes a body, `token` authorising those that need it.
fn targets(token: &str) -> Vec<Target> {
    let t = |what, path: &str, content_type, token: Option<&str>| Target {
        what,
        path: path.to_string(),
        content_type,
        token: token.map(str::to_string),
        api: path.starts_with("/api/"),
    };
    vec![
        t(
            "token (form, anonymous)",
            "/api/v1/users/token",
            "application/x-www-form-urlencoded",
            None,
        ),
        t(
            "login (form, anonymous)",
            "/login",
            "application/x-www-form-urlencoded",
            None,
        ),
        t(
            "register (JSON, anonymous)",
            "/api/v1/users/register",
            "application/json",
            None,
        ),
        t(
            "contact form of a site that does not exist",
            "/p/no-such-site/contact",
            "application/x-www-form-urlencoded",
            None,
        ),
        t(
            "the editor's draft",
            "/my-sites/no-such-site/draft",
            "application/json",
            Some(token),
        ),
        t(
            "an avatar",
            "/api/v1/users/me/avatar/pick",
            "multipart/form-data; boundary=XyZ",
            Some(token),
        ),
        t(
            "the shared inbox",
            "/inbox",
            "application/activity+json",
            None,
        ),
    ]
}

both!(oversized_bodies_are_refused_unread, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let token = inst.root_token().await;

    // A gibibyte declared, a few bytes sent: the answer comes without another byte.
    for t in targets(&token) {
        let mut s = connect(&inst).await;
        s.write_all(head(&t, Some(1 << 30)).as_bytes())
            .await
            .unwrap();
        s.write_all(b"--XyZ\r\n{\"a\":1}&name=x").await.unwrap();
        let h = read_head(&mut s)
            .await
            .unwrap_or_else(|| panic!("{}: closed without an answer", t.what));
        assert_eq!(status_of(&h), 413, "{}: {h}", t.what);
        assert!(
            h.to_ascii_lowercase().contains("connection: close"),
            "{}: {h}",
            t.what
        );
        let body = read_rest(&mut s).await;
        if t.api {
            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(v["status"], 413, "{}: {body}", t.what);
            assert!(
                v["detail"].as_str().unwrap().contains("too large"),
                "{body}"
            );
            assert!(h.contains("application/problem+json"), "{h}");
        } else if t.path != "/inbox" {
            assert!(body.contains("<h1>"), "{}: a short page: {body}", t.what);
        }
    }

    // Chunked bodies have no length to refuse: they are cut as they pass the limit. Eight at
    // once, each ready to push 32 MiB, and the server's memory stays where it was.
    inst.reset_peak_memory();
    let before = inst.memory("VmRSS") >> 10;
    let chunk = vec![b'a'; 64 * 1024];
    let mut attacks = Vec::new();
    for (i, t) in targets(&token)
        .into_iter()
        .take(5)
        .cycle()
        .take(8)
        .enumerate()
    {
        let mut s = connect(&inst).await;
        let chunk = chunk.clone();
        attacks.push(tokio::spawn(async move {
            s.write_all(head(&t, None).as_bytes()).await.unwrap();
            let (mut rd, mut wr) = s.into_split();
            let writer = tokio::spawn(async move {
                let mut sent = 0usize;
                let frame = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
                while sent < 32 << 20 {
                    if wr.write_all(&frame).await.is_err() {
                        return (sent, false);
                    }
                    sent += chunk.len();
                }
                let _ = wr.write_all(b"0\r\n\r\n").await;
                (sent, true)
            });
            let mut answer = Vec::new();
            let mut buf = [0u8; 1024];
            while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
                match tokio::time::timeout(NEVER, rd.read(&mut buf)).await {
                    Ok(Ok(n)) if n > 0 => answer.extend_from_slice(&buf[..n]),
                    _ => break,
                }
            }
            // A server that stopped reading without closing would leave the writer stuck.
            let (sent, finished) = tokio::time::timeout(NEVER, writer)
                .await
                .expect("the server neither read nor closed")
                .unwrap();
            (
                i,
                t.what,
                String::from_utf8_lossy(&answer).into_owned(),
                sent,
                finished,
            )
        }));
    }
    let mut results = Vec::new();
    for a in attacks {
        results.push(a.await.unwrap());
    }
    let peak = inst.memory("VmHWM") >> 10;
    assert!(
        peak < before + 64 * 1024,
        "memory went from {before} KiB to a peak of {peak} KiB"
    );
    for (i, what, answer, sent, finished) in results {
        assert!(
            answer.starts_with("HTTP/1.1 413"),
            "attack {i} on {what}: {answer:?} after {sent} bytes"
        );
        assert!(
            !finished,
            "attack {i} on {what}: the whole 32 MiB was taken"
        );
    }

    // Within the limits, everything works as before.
    let res = inst
        .http
        .post(format!("{}/api/v1/users/token", inst.url))
        .form(&[("grant_type", "password"), ("username", "root")])
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    assert!((400..500).contains(&status) && status != 413, "{status}");
    assert_eq!(home_from(&inst, "127.0.0.1").await, 200);
    inst.stop().await;
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_and_trickling_connections_are_closed_while_others_are_served() {
    let inst = Instance::start(
        rig!(Sqlite),
        &[
            ("RUCHE_HTTP_HEADER_TIMEOUT_SECS", "2"),
            ("RUCHE_HTTP_BODY_TIMEOUT_SECS", "2"),
            ("RUCHE_HTTP_BODY_MIN_RATE", "1000"),
        ],
    )
    .await;
    let token = inst.root_token().await;

    // Silent: connected, never a byte.
    let mut silent = Vec::new();
    for _ in 0..50 {
        silent.push(inst.connect_from("127.0.0.2").await);
    }
    // A head a byte at a time, never finished.
    let mut slow_heads = Vec::new();
    for _ in 0..10 {
        let s = inst.connect_from("127.0.0.2").await;
        let (rd, mut wr) = s.into_split();
        tokio::spawn(async move {
            let _ = wr.write_all(b"GET / HTTP/1.1\r\n").await;
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            loop {
                tick.tick().await;
                if wr.write_all(b"x").await.is_err() {
                    break;
                }
            }
        });
        slow_heads.push(rd);
    }
    // Bodies a byte at a time: a form, and a video upload (long is fine, slow is not).
    let mut slow_bodies = Vec::new();
    for (path, ct, auth) in [
        (
            "/api/v1/users/token",
            "application/x-www-form-urlencoded",
            String::new(),
        ),
        (
            "/api/v1/videos/upload",
            "multipart/form-data; boundary=XyZ",
            format!("authorization: Bearer {token}\r\n"),
        ),
    ] {
        let s = inst.connect_from("127.0.0.2").await;
        let (rd, mut wr) = s.into_split();
        let head = format!(
            "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: {ct}\r\n{auth}content-length: 100000\r\n\r\n"
        );
        tokio::spawn(async move {
            let _ = wr.write_all(head.as_bytes()).await;
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            loop {
                tick.tick().await;
                if wr.write_all(b"-").await.is_err() {
                    break;
                }
            }
        });
        slow_bodies.push(rd);
    }

    // Meanwhile, a visitor is served.
    assert_eq!(home_from(&inst, "127.0.0.1").await, 200);

    for s in &mut silent {
        assert_eq!(
            closed_by_server(s).await,
            "",
            "a silent connection gets no answer"
        );
    }
    for mut rd in slow_heads {
        let mut rest = Vec::new();
        let done = tokio::time::timeout(NEVER, rd.read_to_end(&mut rest)).await;
        assert!(done.is_ok(), "a trickling head was not cut");
    }
    for mut rd in slow_bodies {
        let mut answer = Vec::new();
        let done = tokio::time::timeout(NEVER, rd.read_to_end(&mut answer)).await;
        assert!(done.is_ok(), "a trickling body was not cut");
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    }
    assert_eq!(home_from(&inst, "127.0.0.2").await, 200);
    inst.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_cannot_take_every_connection() {
    let inst = Instance::start(
        rig!(Sqlite),
        &[
            ("RUCHE_HTTP_MAX_CONNECTIONS_PER_ADDRESS", "10"),
            // Nothing but a newcomer closes a connection here.
            ("RUCHE_HTTP_HEADER_TIMEOUT_SECS", "600"),
            ("RUCHE_HTTP_BODY_TIMEOUT_SECS", "600"),
        ],
    )
    .await;
    // Ten requests from one address, all being served.
    let mut held = Vec::new();
    for _ in 0..10 {
        held.push(being_served(&inst, "127.0.0.2").await);
    }
    // The eleventh from that address is refused at once (a 503, or closed unanswered)...
    let mut excess = inst.connect_from("127.0.0.2").await;
    let _ = excess
        .write_all(b"GET /api/v1/config HTTP/1.1\r\nhost: x\r\n\r\n")
        .await;
    let said = closed_by_server(&mut excess).await;
    assert!(
        said.is_empty() || said.starts_with("HTTP/1.1 503"),
        "the excess connection was served: {said}"
    );
    // ...while another address is served.
    assert_eq!(home_from(&inst, "127.0.0.1").await, 200);
    // Answered, the ten wait for their next request: a newcomer from the address takes the
    // place of the one that has waited longest, and only that one.
    for (s, body) in &mut held {
        finish_served(s, body).await;
    }
    assert_eq!(home_from(&inst, "127.0.0.2").await, 200);
    let (oldest, _) = &mut held[0];
    assert_eq!(closed_by_server(oldest).await, "");
    let (next, _) = &mut held[1];
    next.write_all(b"GET /api/v1/config HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let answer = read_head(next).await.expect("the next one was closed too");
    assert_eq!(status_of(&answer), 200, "{answer}");
    inst.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_server_lets_a_visitor_in_at_the_expense_of_the_heaviest_address() {
    let inst = Instance::start(
        rig!(Sqlite),
        &[
            ("RUCHE_HTTP_MAX_CONNECTIONS", "64"),
            // Nothing but a newcomer closes a connection here.
            ("RUCHE_HTTP_HEADER_TIMEOUT_SECS", "600"),
            ("RUCHE_HTTP_BODY_TIMEOUT_SECS", "600"),
        ],
    )
    .await;
    // Eight requests being served, from one address (their handlers wait for their bodies).
    let mut served = Vec::new();
    for _ in 0..8 {
        served.push(being_served(&inst, "127.0.0.2").await);
    }
    // A head that trickles a byte at a time and never ends, from an address of its own...
    let (trickling, mut wr) = inst.connect_from("127.0.0.3").await.into_split();
    tokio::spawn(async move {
        let _ = wr.write_all(b"GET / HTTP/1.1\r\nhost: x\r\nx-slow: ").await;
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        loop {
            tick.tick().await;
            if wr.write_all(b"x").await.is_err() {
                break;
            }
        }
    });
    // ...and silent connections from three more addresses, up to the cap: 20, 20 and 15.
    let mut silent = Vec::new();
    for (n, from) in [(20, "127.0.0.4"), (20, "127.0.0.5"), (15, "127.0.0.6")] {
        for _ in 0..n {
            silent.push((from, inst.connect_from(from).await));
        }
    }
    // A visitor is served, in place of the oldest waiting connection of an address holding 20
    // (the eight requests being served hold fewer, and are never closed for another).
    // (Kept alive: its place stays taken, and the server stays full.)
    let mut visitor = inst.connect_from("127.0.0.9").await;
    visitor
        .write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = read_head(&mut visitor)
        .await
        .expect("the visitor was closed unanswered");
    assert_eq!(status_of(&answer), 200, "{answer}");
    // 127.0.0.5 sorts last among the two heaviest: its first connection made the room.
    let first_of_5 = silent.iter().position(|(f, _)| *f == "127.0.0.5").unwrap();
    assert_eq!(closed_by_server(&mut silent[first_of_5].1).await, "");
    // An attacker's newcomer from an address about as heavy as the others takes no place.
    let mut greedy = inst.connect_from("127.0.0.4").await;
    let _ = greedy
        .write_all(b"GET /api/v1/config HTTP/1.1\r\nhost: x\r\n\r\n")
        .await;
    let said = closed_by_server(&mut greedy).await;
    assert!(
        said.is_empty() || said.starts_with("HTTP/1.1 503"),
        "the greedy newcomer was served: {said}"
    );
    // The requests being served are answered, the lone trickler and the others still stand.
    for (s, body) in &mut served {
        finish_served(s, body).await;
    }
    for (_, s) in silent.iter_mut().filter(|(f, _)| *f == "127.0.0.6").take(1) {
        s.write_all(b"GET /api/v1/config HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let answer = read_head(s)
            .await
            .expect("a light address's connection was closed");
        assert_eq!(status_of(&answer), 200, "{answer}");
    }
    // (Its close, had it come with the visitor, would have been read by now.)
    let mut byte = [0u8; 1];
    let still = trickling.try_read(&mut byte);
    assert!(
        matches!(&still, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the trickling connection was closed: {still:?}"
    );
    inst.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_still_sending_a_refused_body_reads_the_413() {
    let inst = Instance::start(rig!(Sqlite), &[]).await;
    // A small send buffer: what the client writes soon outgrows what the kernels hold for it.
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_send_buffer_size(16 * 1024).unwrap();
    let mut s = socket.connect(inst.addr()).await.unwrap();
    s.write_all(
        b"POST /api/v1/users/token HTTP/1.1\r\nhost: x\r\n\
          content-type: application/x-www-form-urlencoded\r\ncontent-length: 1073741824\r\n\r\n",
    )
    .await
    .unwrap();
    // Like many clients, it sends its body before it reads the answer: 768 KiB, well past the
    // socket buffers while the server reads none of it, and within what the server reads and
    // discards once it has answered.
    let sent = s.write_all(&vec![b'a'; 768 * 1024]).await;
    assert!(
        sent.is_ok(),
        "the server hung up on a client still sending: {sent:?}"
    );
    let answer = read_head(&mut s).await.expect("closed without an answer");
    assert_eq!(status_of(&answer), 413, "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    // A client that goes on sending is not read for ever: the server closes after a bounded
    // count.
    let chunk = vec![b'a'; 64 * 1024];
    let mut more = 0usize;
    while s.write_all(&chunk).await.is_ok() {
        more += chunk.len();
        assert!(
            more < 64 << 20,
            "the server took 64 MiB more of a refused body"
        );
    }
    inst.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_out_of_file_descriptors_does_not_stop_the_server() {
    let inst = Instance::start(rig!(Sqlite), &[("RUCHE_HTTP_HEADER_TIMEOUT_SECS", "3")]).await;
    let pid = inst.pid();
    // Once it serves (it has set its own limit by then), leave the server ten descriptors more
    // than it holds.
    assert_eq!(home_from(&inst, "127.0.0.1").await, 200);
    let open = inst.open_fds();
    let done = std::process::Command::new("prlimit")
        .arg(format!("--pid={pid}"))
        .arg(format!("--nofile={}:", open + 10))
        .status()
        .unwrap();
    assert!(done.success(), "prlimit");
    // Forty silent connections: the server runs out of descriptors while accepting them. None
    // of them is closed by us.
    let mut held = Vec::new();
    for _ in 0..40 {
        held.push(inst.connect_from("127.0.0.2").await);
    }
    inst.eventually("accept failing for lack of descriptors", 60, || async {
        inst.log().contains("os error 24").then_some(())
    })
    .await;
    // The silent ones time out, their descriptors come back, the loop takes connections again.
    let status = inst
        .eventually("a visitor served again", 60, || async {
            Some(home_from(&inst, "127.0.0.1").await).filter(|s| *s == 200)
        })
        .await;
    assert_eq!(status, 200);
    drop(held);
    inst.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_carries_its_security_headers() {
    let inst = Instance::start(rig!(Sqlite), &[]).await;
    let get = |path: &str| {
        let url = format!("{}{path}", inst.url);
        let http = inst.http.clone();
        async move { http.get(url).send().await.unwrap().headers().clone() }
    };
    let h = |headers: &reqwest::header::HeaderMap, name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    for path in [
        "/",
        "/login",
        "/api/v1/config",
        "/no/such/page",
        "/assets/js/watch.js",
    ] {
        let headers = get(path).await;
        let csp = h(&headers, "content-security-policy");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("'unsafe-eval'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("object-src 'none'"), "{path}: {csp}");
        assert_eq!(h(&headers, "x-frame-options"), "DENY", "{path}");
        assert_eq!(h(&headers, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(
            h(&headers, "referrer-policy"),
            "strict-origin-when-cross-origin",
            "{path}"
        );
    }
    // The embed is made to be framed by any site.
    let embed = get("/videos/embed/9c9de5e8-0a1b-4f8e-9d4c-aaaaaaaaaaaa").await;
    let csp = h(&embed, "content-security-policy");
    assert!(!csp.contains("frame-ancestors"), "{csp}");
    assert!(csp.contains("media-src 'self'"), "{csp}");
    assert!(
        csp.contains("blob:"),
        "hls.js plays through a MediaSource: {csp}"
    );
    assert_eq!(h(&embed, "x-frame-options"), "");
    assert_eq!(h(&embed, "x-content-type-options"), "nosniff");
    // A published site: the map's tile server is named.
    let site = get("/p/no-such-site/").await;
    let csp = h(&site, "content-security-policy");
    assert!(csp.contains("https://tile.openstreetmap.org"), "{csp}");
    assert!(csp.contains("style-src 'self'"), "{csp}");
    assert_eq!(h(&site, "x-frame-options"), "DENY");
    inst.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_a_request_in_flight_finish_then_exits_cleanly() {
    let mut inst = Instance::start(rig!(Sqlite), &[("RUCHE_HTTP_SHUTDOWN_GRACE_SECS", "60")]).await;
    // Our own child, to signal it and read its exit status.
    inst.kill9();
    let mut child = inst.spawn_serve();

    // A request whose handler is reading its body: `100 Continue` says so.
    let body = b"grant_type=password&username=root&password=wrong";
    let mut s = connect(&inst).await;
    s.write_all(
        format!(
            "POST /api/v1/users/token HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\n\
             content-length: {}\r\nexpect: 100-continue\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let continued = read_head(&mut s).await.unwrap();
    assert!(continued.starts_with("HTTP/1.1 100"), "{continued}");

    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    // It stops accepting...
    let target = inst.addr();
    inst.eventually("no longer accepting", 60, || async move {
        TcpStream::connect(target).await.is_err().then_some(())
    })
    .await;
    // ...and the request in flight still gets its answer.
    s.write_all(body).await.unwrap();
    let answer = read_head(&mut s)
        .await
        .expect("the request in flight was answered");
    // The token endpoint's own answer to this form (it has no client id), not a refusal.
    let code = status_of(&answer);
    assert!(
        (400..500).contains(&code) && ![408, 413].contains(&code),
        "{answer}"
    );
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "exit status {status:?}\n{}", inst.log());
    inst.stop().await;
}

/// A server whose output nobody reads any more (its pipe closed, as when whatever started it
/// went away) still stops on SIGTERM: writing its log must not kill the task that handles
/// signals.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_a_server_whose_output_nobody_reads() {
    use std::io::BufRead;
    let mut inst = Instance::start(rig!(Sqlite), &[]).await;
    inst.kill9();
    let mut child = inst
        .command()
        .arg("serve")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read up to the banner, then close both pipes.
    let stdout = child.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut r = std::io::BufReader::new(stdout);
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        line
    })
    .await
    .unwrap();
    assert!(line.starts_with("Ruche is running at"), "{line}");
    drop(child.stderr.take());
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    // It exits (it logs "stopping" into the closed pipe on the way).
    let exited = tokio::time::timeout(
        std::time::Duration::from_secs(120),
        tokio::task::spawn_blocking(move || child.wait().unwrap()),
    )
    .await;
    assert!(
        exited.is_ok(),
        "still running after SIGTERM with its output closed"
    );
    inst.stop().await;
}

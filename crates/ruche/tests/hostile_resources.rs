//! Every cheap attack of the hardening issue at once against one real `ruche serve`, while a
//! visitor keeps using it: silent connections, bodies that never end, password guesses and
//! picture bombs. The server's memory and file descriptors stay bounded, every one of the
//! visitor's requests is answered, and once the attackers leave the server gives back what they
//! held. (How fast the visitor is served meanwhile is measured by `bench/hostile`, not here.)
#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_testkit::bombs::picture_bomb;
use ruche_testkit::{Instance, browser_from, rig};
use tokio::io::AsyncWriteExt;

/// Silent connections, spread over addresses so that the per-address cap is not what stops
/// them, and few enough for a test process's default descriptor limit.
const SILENT: usize = 600;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_attack_at_once_leaves_the_server_bounded_and_serving() {
    let inst = Instance::start(rig!(Sqlite), &[]).await;
    let root = inst.root_token().await;
    let (client_id, client_secret) = inst.api().oauth_client().await;
    // The visitor, before anything happens.
    let visitor = browser_from("127.0.0.1");
    for path in ["/api/v1/videos", "/"] {
        let r = visitor
            .get(format!("{}{path}", inst.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
    inst.reset_peak_memory();
    let memory_before = inst.memory("VmRSS");
    let fds_before = inst.open_fds();

    // Silent connections: a request head begun, never finished.
    let mut silent = Vec::new();
    for n in 0..SILENT {
        let from = format!("127.0.0.{}", 2 + n % 3);
        let mut s = inst.connect_from(&from).await;
        let _ = s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await;
        silent.push(s);
    }

    let mut attacks = tokio::task::JoinSet::new();
    // Bodies without end (chunked, so no length to refuse up front) on the routes that read
    // forms and JSON: each is cut at its route's limit.
    for (i, (path, kind)) in [
        ("/api/v1/users/token", "application/x-www-form-urlencoded"),
        ("/login", "application/x-www-form-urlencoded"),
        ("/api/v1/users/register", "application/json"),
        ("/p/nowhere/contact", "application/x-www-form-urlencoded"),
    ]
    .into_iter()
    .cycle()
    .take(8)
    .enumerate()
    {
        let http = browser_from("127.0.0.5");
        let url = format!("{}{path}", inst.url);
        attacks.spawn(async move {
            let chunk = vec![b'a'; 64 * 1024];
            // 32 MiB each, if the server read them.
            let body = futures_util::stream::iter(
                (0..512).map(move |_| Ok::<_, std::io::Error>(chunk.clone())),
            );
            let answer = http
                .post(url)
                .header("Content-Type", kind)
                .body(reqwest::Body::wrap_stream(body))
                .send()
                .await;
            match answer {
                Ok(r) => format!("body {i} {path}: {}", r.status().as_u16()),
                // Refused and closed before the client finished sending: also bounded.
                Err(_) => format!("body {i} {path}: closed"),
            }
        });
    }
    // Password guesses, many at once: each is refused (wrong, rate limited or told to wait for
    // a hashing slot), none takes a hash's memory beyond the slots.
    for n in 0..64 {
        let http = browser_from("127.0.0.6");
        let url = format!("{}/api/v1/users/token", inst.url);
        let (id, secret) = (client_id.clone(), client_secret.clone());
        attacks.spawn(async move {
            let r = http
                .post(url)
                .form(&[
                    ("client_id", id.as_str()),
                    ("client_secret", secret.as_str()),
                    ("grant_type", "password"),
                    ("username", if n % 2 == 0 { "root" } else { "nobody" }),
                    ("password", "guess"),
                ])
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            assert!(matches!(status, 400 | 401 | 429 | 503), "guess: {status}");
            format!("guess: {status}")
        });
    }
    // Picture bombs: a few kilobytes that would decode to 160 MB each.
    let bomb = picture_bomb();
    for _ in 0..10 {
        let http = browser_from("127.0.0.7");
        let url = format!("{}/api/v1/users/me/avatar/pick", inst.url);
        let (root, bomb) = (root.clone(), bomb.clone());
        attacks.spawn(async move {
            let part = reqwest::multipart::Part::bytes(bomb)
                .file_name("bomb.png")
                .mime_str("image/png")
                .unwrap();
            let r = http
                .post(url)
                .bearer_auth(root)
                .multipart(reqwest::multipart::Form::new().part("avatarfile", part))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 400, "bomb");
            "bomb: 400".to_string()
        });
    }

    // Meanwhile the visitor is answered, every time.
    for round in 0..40 {
        for path in ["/api/v1/videos", "/"] {
            let r = visitor
                .get(format!("{}{path}", inst.url))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{path}, round {round}");
        }
    }
    let results = attacks.join_all().await;
    for r in results.iter().filter(|r| r.starts_with("body")) {
        assert!(
            r.ends_with(": 413") || r.ends_with(": closed"),
            "an endless body was not cut: {r}"
        );
    }
    let fds_during = inst.open_fds();
    let peak = inst.memory("VmHWM");
    assert!(
        peak < memory_before + 300 * 1024 * 1024,
        "resident memory went from {} MiB to a peak of {} MiB",
        memory_before >> 20,
        peak >> 20
    );
    // Each silent connection holds one descriptor at most, nothing else piles up.
    assert!(
        fds_during <= fds_before + SILENT + 64,
        "{fds_during} descriptors open (were {fds_before})"
    );

    // The attackers leave: what they held is given back.
    drop(silent);
    inst.eventually("the attackers' descriptors given back", 60, || async {
        (inst.open_fds() <= fds_before + 16).then_some(())
    })
    .await;
    let r = visitor
        .get(format!("{}/api/v1/videos", inst.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    inst.stop().await;
}

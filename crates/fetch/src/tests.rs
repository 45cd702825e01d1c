//! Fetches against a tiny server on loopback (never the internet), and the address classifier.

use super::*;
use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use std::str::FromStr;

async fn server() -> SocketAddr {
    let app = Router::new()
        .route(
            "/ok",
            get(|| async { ([(header::CONTENT_TYPE, "application/json")], "{\"a\":1}") }),
        )
        .route("/big", get(|| async { vec![b'x'; 2048] }))
        .route(
            "/stream",
            get(|| async {
                let chunks = (0..4).map(|_| Ok::<_, std::io::Error>(vec![b'x'; 512]));
                Body::from_stream(futures_util::stream::iter(chunks))
            }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        )
        .route(
            "/slow-body",
            get(|| async {
                let chunks = futures_util::stream::unfold(0, |i| async move {
                    if i > 0 {
                        tokio::time::sleep(Duration::from_secs(5)).await;
                    }
                    (i < 2).then(|| (Ok::<_, std::io::Error>(vec![b'x'; 8]), i + 1))
                });
                Body::from_stream(chunks)
            }),
        )
        .route("/loop", get(|| async { Redirect::temporary("/loop") }))
        .route(
            "/r/{n}",
            get(|Path(n): Path<u32>| async move {
                if n == 0 {
                    "done".into_response()
                } else {
                    Redirect::to(&format!("/r/{}", n - 1)).into_response()
                }
            }),
        )
        .route(
            "/to-ftp",
            get(|| async { Redirect::temporary("ftp://127.0.0.1/x") }),
        )
        .route(
            "/missing",
            get(|| async { (StatusCode::NOT_FOUND, "no").into_response() }),
        )
        .route(
            "/no-location",
            get(|| async { Response::builder().status(302).body(Body::empty()).unwrap() }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn insecure() -> Policy {
    Policy {
        allow_insecure: true,
        ..Policy::default()
    }
}

fn fetcher(p: Policy) -> Fetcher {
    Fetcher::new(p).unwrap()
}

#[tokio::test]
async fn loopback_is_refused_by_default() {
    let addr = server().await;
    let f = fetcher(Policy::default());
    let port = addr.port();
    // An IP literal, checked before the request.
    let e = f
        .get(&format!("https://127.0.0.1:{port}/ok"), "*/*")
        .await
        .unwrap_err();
    assert!(
        matches!(e, FetchError::ForbiddenAddress(ip) if ip.is_loopback()),
        "{e:?}"
    );
    let e = f
        .get(&format!("https://[::1]:{port}/ok"), "*/*")
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::ForbiddenAddress(_)), "{e:?}");
    // Decimal and mapped spellings of loopback are still loopback.
    let e = f
        .get(&format!("https://2130706433:{port}/ok"), "*/*")
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::ForbiddenAddress(_)), "{e:?}");
    let e = f
        .get(&format!("https://[::ffff:127.0.0.1]:{port}/ok"), "*/*")
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::ForbiddenAddress(_)), "{e:?}");
    // A name: refused by the resolver, found again in reqwest's error chain.
    let e = f
        .get(&format!("https://localhost:{port}/ok"), "*/*")
        .await
        .unwrap_err();
    assert!(
        matches!(e, FetchError::ForbiddenAddress(ip) if ip.is_loopback()),
        "{e:?}"
    );
    // Plain http is refused before anything else.
    let e = f
        .get(&format!("http://127.0.0.1:{port}/ok"), "*/*")
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::InsecureScheme), "{e:?}");
}

/// https goes through the ring-based TLS config: a plain-HTTP server fails the handshake as a
/// network error (no panic for a missing crypto provider, no silent downgrade).
#[tokio::test]
async fn https_uses_tls() {
    let addr = server().await;
    let e = fetcher(insecure())
        .get(&format!("https://{addr}/ok"), "*/*")
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::Network(_)), "{e:?}");
}

#[tokio::test]
async fn bad_urls() {
    let f = fetcher(insecure());
    for url in [
        "not a url",
        "ftp://127.0.0.1/x",
        "file:///etc/passwd",
        "http://user:pw@127.0.0.1/x",
        "data:text/plain,hi",
    ] {
        let e = f.get(url, "*/*").await.unwrap_err();
        assert!(matches!(e, FetchError::BadUrl), "{url}: {e:?}");
    }
}

#[tokio::test]
async fn loopback_is_allowed_when_insecure() {
    let addr = server().await;
    let f = fetcher(insecure());
    let r = f
        .get(&format!("http://{addr}/ok"), "application/json")
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type, "application/json");
    assert_eq!(&r.body[..], b"{\"a\":1}");
    assert_eq!(r.final_url.path(), "/ok");
    // Through the resolver too.
    let r = f
        .get(&format!("http://localhost:{}/ok", addr.port()), "*/*")
        .await
        .unwrap();
    assert_eq!(&r.body[..], b"{\"a\":1}");
}

#[tokio::test]
async fn too_large_bodies_are_refused() {
    let addr = server().await;
    let f = fetcher(Policy {
        max_bytes: 1024,
        ..insecure()
    });
    // Content-Length above the limit.
    let e = f
        .get(&format!("http://{addr}/big"), "*/*")
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::TooLarge), "{e:?}");
    // Chunked, no length: stopped while streaming.
    let e = f
        .get(&format!("http://{addr}/stream"), "*/*")
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::TooLarge), "{e:?}");
    // At the limit exactly is fine.
    let f = fetcher(Policy {
        max_bytes: 2048,
        ..insecure()
    });
    assert_eq!(
        f.get(&format!("http://{addr}/stream"), "*/*")
            .await
            .unwrap()
            .body
            .len(),
        2048
    );
}

#[tokio::test]
async fn slow_servers_time_out() {
    let addr = server().await;
    let f = fetcher(Policy {
        timeout: Duration::from_millis(300),
        ..insecure()
    });
    for path in ["/slow", "/slow-body"] {
        let start = std::time::Instant::now();
        let e = f
            .get(&format!("http://{addr}{path}"), "*/*")
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::Timeout), "{path}: {e:?}");
        assert!(start.elapsed() < Duration::from_secs(2), "{path}");
    }
}

#[tokio::test]
async fn redirects_are_followed_and_bounded() {
    let addr = server().await;
    let f = fetcher(insecure());
    let r = f.get(&format!("http://{addr}/r/3"), "*/*").await.unwrap();
    assert_eq!(&r.body[..], b"done");
    assert_eq!(r.final_url.path(), "/r/0");
    let e = f
        .get(&format!("http://{addr}/r/4"), "*/*")
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::TooManyRedirects), "{e:?}");
    let e = f
        .get(&format!("http://{addr}/loop"), "*/*")
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::TooManyRedirects), "{e:?}");
    // Each hop is checked again: a redirect to another scheme is refused.
    let e = f
        .get(&format!("http://{addr}/to-ftp"), "*/*")
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::BadUrl), "{e:?}");
    let f = fetcher(Policy {
        max_redirects: 0,
        ..insecure()
    });
    let e = f
        .get(&format!("http://{addr}/r/1"), "*/*")
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::TooManyRedirects), "{e:?}");
}

#[tokio::test]
async fn error_statuses() {
    let addr = server().await;
    let f = fetcher(insecure());
    let e = f
        .get(&format!("http://{addr}/missing"), "*/*")
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::Status(404)), "{e:?}");
    let e = f
        .get(&format!("http://{addr}/no-location"), "*/*")
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::Status(302)), "{e:?}");
}

#[test]
fn address_classifier() {
    let forbidden = [
        "0.0.0.0",
        "0.1.2.3",
        "10.0.0.1",
        "10.255.255.255",
        "100.64.0.1",
        "100.127.255.254",
        "127.0.0.1",
        "127.255.0.1",
        "169.254.169.254",
        "172.16.0.1",
        "172.31.255.255",
        "192.0.0.8",
        "192.0.2.1",
        "192.88.99.1",
        "192.168.1.1",
        "198.18.0.1",
        "198.19.255.255",
        "198.51.100.7",
        "203.0.113.9",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "::127.0.0.1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::10.0.0.1",
        "64:ff9b::7f00:1",
        "64:ff9b:1::1",
        "100::1",
        "fc00::1",
        "fd12:3456:789a::1",
        "fe80::1",
        "febf::1",
        "fec0::1",
        "ff02::1",
        "2001::1",
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",
        "2001:2::1",
        "2001:db8::1",
        "2002:c000:204::1",
        "3fff::1",
        "4000::1",
    ];
    let public = [
        "1.1.1.1",
        "8.8.8.8",
        "9.9.9.9",
        "100.63.255.255",
        "100.128.0.0",
        "172.15.255.255",
        "172.32.0.0",
        "192.0.1.1",
        "192.169.0.1",
        "198.20.0.1",
        "223.255.255.255",
        "93.184.215.14",
        "2606:4700:4700::1111",
        "2a00:1450:4007:80e::200e",
        "2001:200::1",
        "2001:4860:4860::8888",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
    ];
    for a in forbidden {
        assert!(
            is_forbidden(IpAddr::from_str(a).unwrap()),
            "{a} should be refused"
        );
    }
    for a in public {
        assert!(
            !is_forbidden(IpAddr::from_str(a).unwrap()),
            "{a} should be allowed"
        );
    }
}

//! The tracker's HTTP face, at PeerTube's paths: `/tracker/socket` (the WebTorrent tracker over
//! WebSocket, which browsers' p2p-media-loader and `bittorrent-tracker` speak),
//! `/tracker/announce` and `/tracker/scrape` (BitTorrent's HTTP tracker).
//!
//! A WebSocket is upgraded here and then served by [`socket::Socket`], our own framing
//! ([`frames`]) over the bare TCP stream, which hands each message to `tube::tracker::Hub` and
//! writes what the tracker queues for it. It ends when it is silent for longer than peers
//! announce, sends more than a message may hold, or does not take what it is sent (the
//! tracker's sweep decides the last two).

mod frames;
mod socket;

use crate::AppState;
use crate::auth::ClientAddr;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use sha1::{Digest, Sha1};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tracker/socket", get(upgrade))
        .route("/tracker/announce", get(announce))
        .route("/tracker/scrape", get(scrape))
}

fn has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers.get_all(name).iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    })
}

/// The `Sec-WebSocket-Accept` of a client's key (RFC 6455 §4.2.2).
fn accept_key(key: &[u8]) -> String {
    let mut h = Sha1::new();
    h.update(key);
    h.update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    base64::engine::general_purpose::STANDARD.encode(h.finalize())
}

/// The opening handshake (RFC 6455 §4.2): answered 101, then the socket is served in a task of
/// its own once hyper hands the connection over.
async fn upgrade(State(st): State<AppState>, ClientAddr(ip): ClientAddr, req: Request) -> Response {
    let (mut parts, _) = req.into_parts();
    let h = &parts.headers;
    if !has_token(h, header::CONNECTION, "upgrade") || !has_token(h, header::UPGRADE, "websocket") {
        return (StatusCode::UPGRADE_REQUIRED, "WebSocket only").into_response();
    }
    if h.get(header::SEC_WEBSOCKET_VERSION)
        .map(HeaderValue::as_bytes)
        != Some(b"13")
    {
        let mut r = (StatusCode::BAD_REQUEST, "WebSocket version 13 only").into_response();
        r.headers_mut().insert(
            header::SEC_WEBSOCKET_VERSION,
            HeaderValue::from_static("13"),
        );
        return r;
    }
    let Some(key) = h.get(header::SEC_WEBSOCKET_KEY) else {
        return (StatusCode::BAD_REQUEST, "Sec-WebSocket-Key missing").into_response();
    };
    let Ok(accept) = HeaderValue::from_str(&accept_key(key.as_bytes())) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let Some(on_upgrade) = parts.extensions.remove::<hyper::upgrade::OnUpgrade>() else {
        return (
            StatusCode::UPGRADE_REQUIRED,
            "This connection cannot be upgraded",
        )
            .into_response();
    };
    let tube = st.tube.clone();
    tokio::spawn(async move {
        let upgraded = match on_upgrade.await {
            Ok(u) => u,
            Err(e) => {
                tracing::debug!("tracker socket from {ip}: upgrade failed: {e}");
                return;
            }
        };
        match crate::server::into_tcp(upgraded) {
            // A task of its own, holding the socket alone (this one's state is gone with it);
            // `early` is a view of hyper's 8 KiB read buffer, which it keeps alive: copied,
            // then freed.
            Ok((stream, early)) => {
                tokio::spawn(socket::Socket::open(stream, tube, ip, &early));
            }
            Err(_) => tracing::error!("tracker socket from {ip}: not a TCP connection"),
        }
    });
    let mut r = StatusCode::SWITCHING_PROTOCOLS.into_response();
    let rh = r.headers_mut();
    rh.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    rh.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    rh.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
    r
}

fn bencoded(body: Vec<u8>) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=binary"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `GET /tracker/announce`: the query is read raw (its `info_hash` and `peer_id` are bytes,
/// percent-encoded, not text).
async fn announce(State(st): State<AppState>, ClientAddr(ip): ClientAddr, uri: Uri) -> Response {
    let q = uri.query().unwrap_or_default();
    bencoded(st.tube.tracker.http_announce(&st.tube, q, ip).await)
}

async fn scrape(State(st): State<AppState>, ClientAddr(ip): ClientAddr, uri: Uri) -> Response {
    bencoded(
        st.tube
            .tracker
            .http_scrape(uri.query().unwrap_or_default(), ip),
    )
}

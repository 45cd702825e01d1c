//! The tracker's HTTP face, at PeerTube's paths: `/tracker/socket` (the WebTorrent tracker over
//! WebSocket, which browsers' p2p-media-loader and `bittorrent-tracker` speak),
//! `/tracker/announce` and `/tracker/scrape` (BitTorrent's HTTP tracker). Each socket is one
//! task that hands what it reads to `tube::tracker::Hub` and writes what its bounded queue
//! holds, and ends when it is silent for longer than peers announce, sends more than a message
//! may hold, or does not take what it is sent.

use crate::AppState;
use crate::auth::ClientAddr;
use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use ruche_tube::tracker::Flow;
use std::net::IpAddr;
use std::time::Duration;

/// The largest message a socket may send: five offers of a few kilobytes each.
const MAX_MESSAGE: usize = 64 * 1024;
/// A socket silent for this long is closed (peers announce every two minutes).
const IDLE: Duration = Duration::from_secs(5 * 60);
/// A message not taken by its client within this time ends the socket.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tracker/socket", get(socket))
        .route("/tracker/announce", get(announce))
        .route("/tracker/scrape", get(scrape))
}

async fn socket(
    State(st): State<AppState>,
    ClientAddr(ip): ClientAddr,
    ws: WebSocketUpgrade,
) -> Response {
    // Small buffers: tungstenite's default 128 KiB read buffer is filled on the first read and
    // stays resident, which thousands of idle sockets would turn into gigabytes.
    ws.max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        .read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        .on_upgrade(move |socket| serve(st, ip, socket))
}

async fn serve(st: AppState, ip: IpAddr, mut socket: WebSocket) {
    let hub = &st.tube.tracker;
    let (conn, mut inbox) = match hub.connect(ip) {
        Ok(c) => c,
        Err(refusal) => {
            let _ = tokio::time::timeout(SEND_TIMEOUT, async {
                socket.send(Message::Text(refusal.into())).await?;
                socket.close().await
            })
            .await;
            return;
        }
    };
    // One task per socket, reading and writing in turn (a second task and a split socket cost
    // memory that ten thousand idle peers multiply). Silence is counted from the last message
    // read, whatever is written meanwhile.
    let mut silent_until = tokio::time::Instant::now() + IDLE;
    let mut sending = true;
    loop {
        tokio::select! {
            out = inbox.recv() => {
                let Some(text) = out else { break };
                // A client that does not take its messages ends its socket.
                match tokio::time::timeout(SEND_TIMEOUT, socket.send(Message::Text(text.into()))).await {
                    Ok(Ok(())) => {}
                    _ => {
                        sending = false;
                        break;
                    }
                }
            }
            next = socket.next() => {
                silent_until = tokio::time::Instant::now() + IDLE;
                let msg = match next {
                    Some(Ok(m)) => m,
                    // Closed, or broken (a message over the limit among others).
                    _ => break,
                };
                // Boxed: the message's work may wait on the database, and a future that large
                // inline would be part of every idle socket's task.
                let flow = match msg {
                    Message::Text(t) => {
                        Box::pin(hub.ws_message(&st.tube, conn, ip, t.as_str())).await
                    }
                    Message::Binary(_) => {
                        Box::pin(hub.ws_message(&st.tube, conn, ip, "binary messages are not JSON"))
                            .await
                    }
                    Message::Close(_) => break,
                    Message::Ping(_) | Message::Pong(_) => Flow::Continue,
                };
                if flow == Flow::Close {
                    break;
                }
            }
            () = tokio::time::sleep_until(silent_until) => break,
        }
    }
    // Its peers leave their swarms at once; what is still queued for it (a last failure) is
    // sent, then the socket is closed.
    hub.disconnect(conn);
    if sending {
        let _ = tokio::time::timeout(SEND_TIMEOUT, async {
            while let Some(text) = inbox.recv().await {
                socket.send(Message::Text(text.into())).await?;
            }
            socket.close().await
        })
        .await;
    }
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

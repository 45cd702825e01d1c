//! The HTTP server: our own accept loop over hyper, so that no client can hold the server.
//!
//! - A request's head must come within `[http] header_timeout_secs` (hyper's header timer, which
//!   also closes a kept-alive connection that waits that long for its next request).
//! - A connection on which no byte moves for `idle_timeout_secs` while none of its requests is
//!   being handled is closed: a client that stopped reading its answer. (Bodies have their own
//!   bound, `limits::Capped`.)
//! - Open connections are capped in all and per client address (an IPv6 client by its /64): a
//!   connection past a cap is answered 503 and closed at once, and the loop goes on accepting.
//!   A trusted proxy (`[rates] trusted_proxies`) speaks for many clients: only the overall cap
//!   holds it.
//! - An `accept` error (out of file descriptors, of memory) never ends the loop: it waits a
//!   moment, the pending connections waiting in the backlog, and goes on.
//! - On shutdown the listener is closed, each connection finishes the request it is serving
//!   (kept-alive ones close), and after `shutdown_grace_secs` whatever is left is dropped.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use ruche_domain::settings::HttpSettings;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

/// File descriptors kept for everything but connections: database, storage, ffmpeg's pipes.
const FD_RESERVE: u64 = 1024;

/// The read buffer of a connection, hence the largest request head.
const MAX_HEAD: usize = 64 * 1024;

/// How long the loop waits after an `accept` error that is not the client's doing.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Who is exempt from the per-address cap.
pub type Exempt = Box<dyn Fn(IpAddr) -> bool + Send + Sync>;

/// Serves `app` on `listener` until `shutdown` is cancelled, then lets the requests in flight
/// finish for at most `shutdown_grace_secs`. The addresses `exempt` says are held by the overall
/// cap only.
pub async fn run(
    listener: TcpListener,
    app: Router,
    http: &HttpSettings,
    exempt: Exempt,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let fds = raise_fd_limit(http.max_connections as u64 + FD_RESERVE);
    if fds < http.max_connections as u64 + FD_RESERVE {
        tracing::warn!(
            "the process may open {fds} files; with {} connections allowed, some will meet \
             \"too many open files\" (raise `ulimit -n` or lower RUCHE_HTTP_MAX_CONNECTIONS)",
            http.max_connections
        );
    }
    let clients = Arc::new(Clients::new(
        http.max_connections,
        http.max_connections_per_address,
        exempt,
    ));
    // 0 turns a timeout off.
    let secs = |n: u64| (n > 0).then(|| Duration::from_secs(n));
    let conn = Arc::new(ConnSettings {
        header_timeout: secs(http.header_timeout_secs),
        idle_timeout: secs(http.idle_timeout_secs),
    });
    let tasks = TaskTracker::new();
    let mut complaints = Complaints::default();
    loop {
        let accepted = tokio::select! {
            biased;
            _ = shutdown.cancelled() => break,
            r = listener.accept() => r,
        };
        let (stream, peer) = match accepted {
            Ok(v) => v,
            // The client gave up before we took its connection: nothing to wait for.
            Err(e) if is_client_error(&e) => continue,
            Err(e) => {
                complaints.accept_failed(&e);
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                }
            }
        };
        let admitted = match clients.admit(peer.ip()) {
            Ok(a) => a,
            Err(refused) => {
                complaints.refused(refused, peer);
                refuse(stream);
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        tasks.spawn(connection(
            stream,
            peer,
            admitted,
            app.clone(),
            conn.clone(),
            shutdown.clone(),
        ));
    }
    // No new connection from here on.
    drop(listener);
    tasks.close();
    let grace = Duration::from_secs(http.shutdown_grace_secs);
    if tokio::time::timeout(grace, tasks.wait()).await.is_err() {
        tracing::warn!(
            "{} connections were still busy after {}s; closing them",
            tasks.len(),
            grace.as_secs()
        );
    }
    Ok(())
}

struct ConnSettings {
    header_timeout: Option<Duration>,
    idle_timeout: Option<Duration>,
}

/// Serves one connection until it ends, idles out, or the server stops.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    _admitted: Admitted,
    app: Router,
    settings: Arc<ConnSettings>,
    shutdown: CancellationToken,
) {
    let activity = Arc::new(Activity::new());
    let io = hyper_util::rt::TokioIo::new(Watched {
        inner: stream,
        activity: activity.clone(),
    });
    let busy = activity.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        let mut req = req.map(Body::new);
        // Handlers read the client's address (`ConnectInfo`) as axum's own server gives it.
        req.extensions_mut().insert(ConnectInfo(peer));
        let handling = busy.handling();
        let answer = app.clone().oneshot(req);
        async move {
            let res = answer.await;
            drop(handling);
            res
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(settings.header_timeout)
        // A request's head may take 64 KiB (hyper's default is about 400 KiB a connection;
        // Node, under PeerTube, takes 16 KiB): more is answered 431.
        .max_buf_size(MAX_HEAD)
        .keep_alive(true);
    let mut conn = pin!(builder.serve_connection(io, service));
    let mut stopping = false;
    loop {
        let idle_check = async {
            match settings.idle_timeout {
                Some(idle) => tokio::time::sleep_until(activity.last() + idle).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            r = conn.as_mut() => {
                if let Err(e) = r {
                    tracing::debug!("connection from {peer}: {e}");
                }
                break;
            }
            _ = shutdown.cancelled(), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
            _ = idle_check => {
                let idle = settings.idle_timeout.unwrap_or(Duration::MAX);
                if !activity.is_handling() && activity.last().elapsed() >= idle {
                    tracing::debug!("connection from {peer}: idle, closed");
                    break;
                }
            }
        }
    }
}

/// When a connection last moved a byte, and how many of its requests are being handled.
struct Activity {
    epoch: Instant,
    last_ms: AtomicU64,
    handling: AtomicUsize,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            epoch: Instant::now(),
            last_ms: AtomicU64::new(0),
            handling: AtomicUsize::new(0),
        }
    }

    fn touch(&self) {
        let ms = self.epoch.elapsed().as_millis() as u64;
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    fn last(&self) -> Instant {
        self.epoch + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }

    fn handling(self: &Arc<Self>) -> Handling {
        self.handling.fetch_add(1, Ordering::Relaxed);
        Handling(self.clone())
    }

    fn is_handling(&self) -> bool {
        self.handling.load(Ordering::Relaxed) > 0
    }
}

/// A request being handled; its connection is not idle meanwhile.
struct Handling(Arc<Activity>);

impl Drop for Handling {
    fn drop(&mut self) {
        self.0.handling.fetch_sub(1, Ordering::Relaxed);
        self.0.touch();
    }
}

/// A socket that notes each byte it moves.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        r
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Open connections, in all and per client.
struct Clients {
    max_total: usize,
    max_per_client: usize,
    exempt: Exempt,
    open: Mutex<Open>,
}

#[derive(Default)]
struct Open {
    total: usize,
    per_client: HashMap<IpAddr, usize>,
}

/// Why a connection was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refused {
    Full,
    ClientFull,
}

impl Clients {
    fn new(max_total: usize, max_per_client: usize, exempt: Exempt) -> Clients {
        Clients {
            max_total,
            max_per_client,
            exempt,
            open: Mutex::new(Open::default()),
        }
    }

    fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Admitted, Refused> {
        let client = client_of(ip);
        let exempt = (self.exempt)(ip);
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        // A cap of 0 is none.
        if self.max_total > 0 && open.total >= self.max_total {
            return Err(Refused::Full);
        }
        let n = open.per_client.entry(client).or_default();
        if self.max_per_client > 0 && *n >= self.max_per_client && !exempt {
            return Err(Refused::ClientFull);
        }
        *n += 1;
        open.total += 1;
        Ok(Admitted {
            clients: self.clone(),
            client,
        })
    }
}

/// A connection counted as open until dropped.
struct Admitted {
    clients: Arc<Clients>,
    client: IpAddr,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut open = self.clients.open.lock().unwrap_or_else(|p| p.into_inner());
        open.total = open.total.saturating_sub(1);
        if let Some(n) = open.per_client.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                open.per_client.remove(&self.client);
            }
        }
    }
}

/// Who a client is, for the per-client cap: its IPv4 address, or its IPv6 /64 (one subscriber's
/// network hands out any address in it).
fn client_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// A connection past a cap: what already came is read so that closing does not reset the
/// connection under the answer, a 503 is written (a fresh socket takes it without waiting), and
/// the connection is closed. Nothing here waits.
fn refuse(stream: TcpStream) {
    use std::io::{Read, Write};
    const BODY: &str = "Too many connections; try again in a moment.\n";
    let Ok(mut s) = stream.into_std() else { return };
    let mut sink = [0u8; 8192];
    let _ = s.read(&mut sink);
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n\
         content-length: {}\r\nretry-after: 5\r\nconnection: close\r\n\r\n{BODY}",
        BODY.len()
    );
    let _ = s.write(answer.as_bytes());
    let _ = s.shutdown(std::net::Shutdown::Write);
}

/// An `accept` error the client caused (it gave up early): the loop goes straight on.
fn is_client_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted | WouldBlock
    )
}

/// What the loop has to say, said at most every few seconds so that a flood does not flood
/// the log too.
#[derive(Default)]
struct Complaints {
    last: Option<Instant>,
    unsaid: u64,
}

impl Complaints {
    fn say(&mut self, what: impl FnOnce(u64)) {
        let now = Instant::now();
        if self
            .last
            .is_some_and(|t| now.duration_since(t) < Duration::from_secs(5))
        {
            self.unsaid += 1;
            return;
        }
        what(self.unsaid);
        self.unsaid = 0;
        self.last = Some(now);
    }

    fn accept_failed(&mut self, e: &std::io::Error) {
        self.say(|more| {
            tracing::warn!("cannot accept connections ({e}); retrying (+{more} unreported)")
        });
    }

    fn refused(&mut self, why: Refused, peer: SocketAddr) {
        self.say(|more| match why {
            Refused::Full => tracing::warn!(
                "connection from {peer} refused: too many open connections (+{more} unreported)"
            ),
            Refused::ClientFull => tracing::warn!(
                "connection from {peer} refused: too many from that client (+{more} unreported)"
            ),
        });
    }
}

/// Raises the soft limit on open files towards `want` (up to the hard limit), as Go's runtime
/// does: the usual soft default, 1024, is far below what a server needs. Returns the limit in
/// force.
#[allow(clippy::unnecessary_cast)] // `rlim_t` is not u64 everywhere.
fn raise_fd_limit(want: u64) -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct we pass.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return u64::MAX;
        }
        if (lim.rlim_cur as u64) < want {
            let raised = libc::rlimit {
                rlim_cur: (want as libc::rlim_t).min(lim.rlim_max),
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                lim = raised;
            }
        }
    }
    lim.rlim_cur as u64
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_ipv6_client_is_its_64_and_a_mapped_ipv4_is_itself() {
        assert_eq!(client_of(ip("192.0.2.7")), ip("192.0.2.7"));
        assert_eq!(client_of(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
        assert_eq!(
            client_of(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")),
            ip("2001:db8:1:2::")
        );
        assert_eq!(
            client_of(ip("2001:db8:1:2::1")),
            client_of(ip("2001:db8:1:2:ffff::9"))
        );
        assert_ne!(
            client_of(ip("2001:db8:1:2::1")),
            client_of(ip("2001:db8:1:3::1"))
        );
    }

    #[test]
    fn caps_count_open_connections_in_all_and_per_client() {
        let proxy = ip("198.51.100.1");
        let clients = Arc::new(Clients::new(4, 2, Box::new(move |a| a == proxy)));
        let a1 = clients.admit(ip("192.0.2.1")).unwrap();
        let a2 = clients.admit(ip("192.0.2.1")).unwrap();
        assert_eq!(
            clients.admit(ip("192.0.2.1")).err(),
            Some(Refused::ClientFull)
        );
        // The same /64 is the same client.
        let b1 = clients.admit(ip("2001:db8::1")).unwrap();
        let b2 = clients.admit(ip("2001:db8::2")).unwrap();
        assert_eq!(
            clients.admit(ip("2001:db8::3")).err(),
            Some(Refused::Full),
            "four open in all"
        );
        drop(a1);
        assert_eq!(
            clients.admit(ip("2001:db8::3")).err(),
            Some(Refused::ClientFull)
        );
        let a3 = clients.admit(ip("192.0.2.1")).unwrap();
        drop((a2, a3, b1, b2));
        // A trusted proxy speaks for many: the overall cap only.
        let p: Vec<_> = (0..4).map(|_| clients.admit(proxy).unwrap()).collect();
        assert_eq!(clients.admit(proxy).err(), Some(Refused::Full));
        drop(p);
        {
            let open = clients.open.lock().unwrap();
            assert_eq!(open.total, 0);
            assert!(open.per_client.is_empty(), "closed clients are forgotten");
        }
        // Caps of 0 are none.
        let open = Arc::new(Clients::new(0, 0, Box::new(|_| false)));
        let all: Vec<_> = (0..100)
            .map(|_| open.admit(ip("192.0.2.1")).unwrap())
            .collect();
        assert_eq!(all.len(), 100);
    }

    #[test]
    fn errors_of_a_client_giving_up_are_not_the_servers() {
        use std::io::{Error, ErrorKind};
        assert!(is_client_error(&Error::from(ErrorKind::ConnectionAborted)));
        assert!(!is_client_error(&Error::from_raw_os_error(libc::EMFILE)));
        assert!(!is_client_error(&Error::from_raw_os_error(libc::ENFILE)));
    }

    #[tokio::test]
    async fn the_loop_survives_a_refusal_and_stops_on_shutdown() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new().route(
            "/",
            axum::routing::get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move {
                peer.ip().to_string()
            }),
        );
        let http = HttpSettings {
            max_connections_per_address: 1,
            ..Default::default()
        };
        let stop = CancellationToken::new();
        let server = tokio::spawn({
            let stop = stop.clone();
            async move { run(listener, app, &http, Box::new(|_| false), stop).await }
        });
        let get = |mut s: TcpStream| async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            s.write_all(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
                .await
                .unwrap();
            let mut out = String::new();
            let _ = s.read_to_string(&mut out).await;
            out
        };
        let first = TcpStream::connect(addr).await.unwrap();
        // Wait until the server counts it: a second one is then refused.
        let refused = loop {
            let second = get(TcpStream::connect(addr).await.unwrap()).await;
            if second.starts_with("HTTP/1.1 503") {
                break second;
            }
        };
        assert!(refused.contains("connection: close"));
        let answer = get(first).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(
            answer.ends_with("127.0.0.1"),
            "ConnectInfo is given: {answer}"
        );
        stop.cancel();
        server.await.unwrap().unwrap();
        assert!(
            TcpStream::connect(addr).await.is_err(),
            "no longer listening"
        );
    }

    /// Serves `app` with `http` on a fresh port until the test ends.
    async fn serving(app: Router, http: HttpSettings) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            run(
                listener,
                app,
                &http,
                Box::new(|_| false),
                CancellationToken::new(),
            )
            .await
        });
        addr
    }

    #[tokio::test]
    async fn a_client_that_stops_reading_is_let_go_and_a_slow_handler_is_not() {
        // An endless answer; the channel hears when the server drops it.
        let (dropped_tx, mut dropped) = tokio::sync::mpsc::channel::<()>(1);
        struct OnDrop(tokio::sync::mpsc::Sender<()>);
        impl Drop for OnDrop {
            fn drop(&mut self) {
                let _ = self.0.try_send(());
            }
        }
        let app = Router::new()
            .route(
                "/endless",
                axum::routing::get(move || {
                    let guard = OnDrop(dropped_tx.clone());
                    async move {
                        Body::from_stream(futures_util::stream::repeat_with(move || {
                            let _ = &guard;
                            Ok::<_, std::convert::Infallible>(axum::body::Bytes::from(vec![
                                0u8;
                                64 * 1024
                            ]))
                        }))
                    }
                }),
            )
            .route(
                "/slow",
                axum::routing::get(|| async {
                    tokio::time::sleep(Duration::from_millis(2500)).await;
                    "done"
                }),
            );
        let addr = serving(
            app,
            HttpSettings {
                idle_timeout_secs: 1,
                header_timeout_secs: 5,
                ..Default::default()
            },
        )
        .await;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        // A handler silent for longer than the idle timeout still answers.
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /slow HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        assert!(
            out.starts_with("HTTP/1.1 200") && out.ends_with("done"),
            "{out}"
        );
        // A reader that takes the head and stops: the server's writes stall, and it lets go.
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let mut s = socket.connect(addr).await.unwrap();
        s.write_all(b"GET /endless HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let mut head = [0u8; 12];
        s.read_exact(&mut head).await.unwrap();
        assert_eq!(&head, b"HTTP/1.1 200");
        let let_go = tokio::time::timeout(Duration::from_secs(60), dropped.recv()).await;
        assert!(let_go.is_ok(), "the stalled answer was never dropped");
        drop(s);
    }

    #[tokio::test]
    async fn a_head_too_large_is_refused() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let app = Router::new().route("/", axum::routing::get(|| async { "ok" }));
        let addr = serving(app, HttpSettings::default()).await;
        let mut s = TcpStream::connect(addr).await.unwrap();
        let big = format!(
            "GET / HTTP/1.1\r\nhost: x\r\nx-big: {}\r\n\r\n",
            "a".repeat(MAX_HEAD * 2)
        );
        let _ = s.write_all(big.as_bytes()).await;
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out).await;
        assert!(
            out.starts_with(b"HTTP/1.1 431"),
            "{}",
            String::from_utf8_lossy(&out)
        );
    }
}

//! The HTTP server: our own accept loop over hyper, so that no client can hold the server.
//!
//! - A request's head must come within `[http] header_timeout_secs` (hyper's header timer, which
//!   also closes a kept-alive connection that waits that long for its next request).
//! - A connection on which no byte moves for `idle_timeout_secs` while none of its requests is
//!   being handled is closed: a client that stopped reading its answer. (Bodies have their own
//!   bound, `limits::Capped`.)
//! - Open connections are capped in all and per client address (an IPv6 client by its /64). A
//!   connection *waits* from when it is accepted, or from when its last answer was taken, until
//!   its next request's head is in, whether it sends bytes meanwhile or not; one whose request
//!   is being served (its handler running, its body coming, its answer being sent) is never
//!   closed for another. A newcomer past its client's cap takes the place of that client's
//!   connection that has waited longest. A newcomer past the overall cap takes the place of the
//!   oldest waiting connection of the heaviest client (the one holding the most connections
//!   among those with one waiting), if that client holds at least two more than the
//!   newcomer's: places go from the clients holding many to those holding few, so a visitor
//!   gets in while a slowloris from many addresses holds the cap, and the attackers' own
//!   newcomers are refused rather than taking places from each other. Otherwise the newcomer
//!   is answered 503 and closed at once; the loop goes on accepting. A trusted proxy
//!   (`[rates] trusted_proxies`) speaks for many clients: only the overall cap holds it, and
//!   its newcomers may take the places of its own waiting connections.
//! - An answer to a request whose body the handler left unread says `Connection: close` (hyper
//!   ends such a connection), so that the client sends nothing more on it.
//! - A connection hyper ends after an answer that said `Connection: close` is closed lingering,
//!   as Apache and nginx do: what
//!   the client still sends is read and thrown away for at most `LINGER_TIME` and
//!   `LINGER_BYTES`, so that a client still writing a body we refused (413) reads our answer
//!   instead of a reset. All lingering connections together read at most `LINGER_RATE` a
//!   second: a flood of refused bodies has its connections closed at once. The lingering connection keeps its place meanwhile, and waits (a
//!   newcomer may take it).
//! - An `accept` error (out of file descriptors, of memory) never ends the loop: it waits a
//!   moment, the pending connections waiting in the backlog, and goes on.
//! - On shutdown the listener is closed, each connection finishes the request it is serving
//!   (kept-alive ones close), and after `shutdown_grace_secs` whatever is left is dropped.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use ruche_domain::settings::HttpSettings;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future as _;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

/// File descriptors kept for everything but connections: database, storage, ffmpeg's pipes,
/// and the connections closed for newcomers but not let go of yet (`CLOSING_MAX`).
const FD_RESERVE: u64 = 1024;

/// How many connections closed for newcomers may still be open at once (their tasks have not run
/// yet); past it, a newcomer past a cap is refused as if no connection waited.
const CLOSING_MAX: usize = 256;

/// How long, and how many bytes, a closing connection is still read for (see the top).
const LINGER_TIME: Duration = Duration::from_secs(2);
const LINGER_BYTES: u64 = 1024 * 1024;

/// What all lingering connections together may read in a second. A client whose body was
/// refused reads our answer when this lets its connection linger; a flood of refused bodies
/// finds it spent and has its connections closed at once, as they were before lingering, so that
/// reading and throwing away what attackers send cannot take the server's time.
const LINGER_RATE: u64 = 16 * 1024 * 1024;

/// This second's lingering reads: since when, and how many bytes.
static LINGERED: Mutex<Option<(Instant, u64)>> = Mutex::new(None);

/// Takes up to `want` bytes from this second's lingering allowance ([`LINGER_RATE`]); what it
/// gives may be 0.
fn linger_allowance(want: u64) -> u64 {
    let mut used = LINGERED.lock().unwrap_or_else(|p| p.into_inner());
    let now = Instant::now();
    let (since, spent) = match *used {
        Some((since, spent)) if now.duration_since(since) < Duration::from_secs(1) => {
            (since, spent)
        }
        _ => (now, 0),
    };
    let given = want.min(LINGER_RATE.saturating_sub(spent));
    *used = Some((since, spent + given));
    given
}

/// Gives back what an allowance took and a read did not use.
fn linger_refund(unused: u64) {
    if unused == 0 {
        return;
    }
    let mut used = LINGERED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, spent)) = used.as_mut() {
        *spent = spent.saturating_sub(unused);
    }
}

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
            Ok((a, closed)) => {
                if let Some(closed) = closed {
                    complaints.made_room(closed, peer);
                }
                a
            }
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

/// Serves one connection until it ends, idles out, is closed for a newcomer, or the server
/// stops.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    admitted: Admitted,
    app: Router,
    settings: Arc<ConnSettings>,
    shutdown: CancellationToken,
) {
    let activity = Arc::new(Activity::new());
    let io = hyper_util::rt::TokioIo::new(Watched {
        inner: stream,
        activity: activity.clone(),
        lingering: None,
    });
    let busy = activity.clone();
    let clients = admitted.clients.clone();
    let id = admitted.id;
    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        // Its head is in: the connection is served until the answer's last byte is taken.
        let served = clients.serving(id);
        // Whether the handler read the request's body to its end.
        let read = Arc::new(AtomicBool::new(http_body::Body::is_end_stream(req.body())));
        let mut req = req.map(|body| {
            Body::new(Tracked {
                body,
                read: read.clone(),
            })
        });
        // Handlers read the client's address (`ConnectInfo`) as axum's own server gives it.
        req.extensions_mut().insert(ConnectInfo(peer));
        let handling = busy.handling();
        let answer = app.clone().oneshot(req);
        let closing = busy.clone();
        async move {
            let res = answer.await;
            drop(handling);
            res.map(|mut res| {
                // A body left unread ends the connection (hyper cannot find the next request
                // after it): the answer says so, so that the client does not send another
                // request on it, which the lingering close would read and throw away.
                if !read.load(Ordering::Relaxed) {
                    res.headers_mut().insert(
                        axum::http::header::CONNECTION,
                        axum::http::HeaderValue::from_static("close"),
                    );
                }
                if res
                    .headers()
                    .get(axum::http::header::CONNECTION)
                    .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"))
                {
                    closing.close_announced.store(true, Ordering::Relaxed);
                }
                res.map(|body| Answer {
                    body,
                    _served: served,
                })
            })
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
    // Upgrades (the tracker's WebSockets) leave this loop: the socket then lives in its own
    // task, bounded by the tracker's own caps and timeouts.
    let mut conn = pin!(builder.serve_connection(io, service).with_upgrades());
    let mut stopping = false;
    loop {
        let idle_check = async {
            match settings.idle_timeout {
                Some(idle) => tokio::time::sleep_until(activity.last() + idle).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            // Ended by either side, lingering included (`Watched::poll_shutdown`).
            r = conn.as_mut() => {
                if let Err(e) = r {
                    tracing::debug!("connection from {peer}: {e}");
                }
                break;
            }
            _ = admitted.closed.cancelled() => {
                tracing::debug!("connection from {peer}: closed for a newcomer");
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

/// A request's body that notes when it has been read to its end.
struct Tracked {
    body: hyper::body::Incoming,
    read: Arc<AtomicBool>,
}

impl http_body::Body for Tracked {
    type Data = axum::body::Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let frame = Pin::new(&mut self.body).poll_frame(cx);
        if matches!(frame, Poll::Ready(None)) || self.body.is_end_stream() {
            self.read.store(true, Ordering::Relaxed);
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// An answer's body, which keeps its connection served until hyper lets go of it (its last
/// byte taken, or the connection ended).
struct Answer {
    body: Body,
    _served: Served,
}

impl http_body::Body for Answer {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// When a connection last moved a byte, and how many of its requests are being handled.
struct Activity {
    epoch: Instant,
    last_ms: AtomicU64,
    handling: AtomicUsize,
    /// An answer said `Connection: close`: the client knows this connection ends with it.
    close_announced: AtomicBool,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            epoch: Instant::now(),
            last_ms: AtomicU64::new(0),
            handling: AtomicUsize::new(0),
            close_announced: AtomicBool::new(false),
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

/// A socket that notes each byte it moves, and closes lingering.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
    lingering: Option<Lingering>,
}

/// The TCP stream under an upgraded connection (the tracker's WebSockets are served on it
/// directly), and what hyper had read past the handshake; `Err` for a connection not served by
/// [`run`].
pub(crate) fn into_tcp(
    upgraded: hyper::upgrade::Upgraded,
) -> Result<(TcpStream, axum::body::Bytes), hyper::upgrade::Upgraded> {
    let parts = upgraded.downcast::<hyper_util::rt::TokioIo<Watched>>()?;
    Ok((parts.io.into_inner().inner, parts.read_buf))
}

/// A closing connection still read: until when, and how many bytes more.
struct Lingering {
    until: Pin<Box<Sleep>>,
    left: u64,
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

    /// Hyper's close once it has flushed its last answer (not on a header timeout or another
    /// error: it then just drops the socket): our side is ended, then what the client still
    /// sends is read and thrown away until it ends its side, or for at most `LINGER_TIME` and
    /// `LINGER_BYTES`. Closing a socket with bytes unread sends a reset, which makes a client
    /// still writing its body fail before it reads our answer, and may make its system drop it.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        if this.lingering.is_none() {
            if std::task::ready!(Pin::new(&mut this.inner).poll_shutdown(cx)).is_err() {
                // The client is gone: nothing to linger for.
                return Poll::Ready(Ok(()));
            }
            // Only after an answer that said the connection ends: on a connection the client
            // may still think open (kept alive, then ended by the server's shutdown), what it
            // sends next is a request, which must be refused by the close, not read and lost.
            if !this.activity.close_announced.load(Ordering::Relaxed) {
                return Poll::Ready(Ok(()));
            }
            this.lingering = Some(Lingering {
                until: Box::pin(tokio::time::sleep(LINGER_TIME)),
                left: LINGER_BYTES,
            });
        }
        let Some(l) = this.lingering.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        let mut sink = [0u8; 4096];
        loop {
            if l.left == 0 || l.until.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Ok(()));
            }
            // Only what the process-wide allowance gives; what is not read is given back.
            let room = linger_allowance(l.left.min(sink.len() as u64));
            if room == 0 {
                return Poll::Ready(Ok(()));
            }
            let mut buf = ReadBuf::new(&mut sink[..room as usize]);
            let read = Pin::new(&mut this.inner).poll_read(cx, &mut buf);
            let got = buf.filled().len() as u64;
            linger_refund(room - got);
            match read {
                Poll::Pending => return Poll::Pending,
                // Its end, or its reset.
                Poll::Ready(Err(_)) => return Poll::Ready(Ok(())),
                Poll::Ready(Ok(())) if got == 0 => return Poll::Ready(Ok(())),
                Poll::Ready(Ok(())) => l.left -= got,
            }
        }
    }
}

/// Open connections, in all and per client, and which of them wait for a request head.
struct Clients {
    max_total: usize,
    max_per_client: usize,
    exempt: Exempt,
    open: Mutex<Open>,
}

/// Everything under one lock, held for a few map operations and never across an await. Its
/// size follows the open connections: one entry each, in `conns`, in their client's entry, and
/// in `waiting` while they wait.
#[derive(Default)]
struct Open {
    /// Connections counted against the caps.
    total: usize,
    /// Connections closed for a newcomer whose task has not let go of them yet: no longer
    /// counted in `total` nor by their client, their place given to the newcomer.
    closing: usize,
    per_client: HashMap<IpAddr, Client>,
    conns: HashMap<u64, Conn>,
    /// The connections waiting for a request head, by turn (the order in which they began to
    /// wait): turn → connection.
    waiting: BTreeMap<u64, u64>,
    /// The clients that have a connection waiting, by how many connections they hold:
    /// (open, client). The last is the one a newcomer past the overall cap takes a place from.
    loads: BTreeSet<(usize, IpAddr)>,
    next_id: u64,
    next_turn: u64,
}

/// One client's connections.
#[derive(Default)]
struct Client {
    open: usize,
    /// The turns of those that wait.
    waiting: BTreeSet<u64>,
}

/// One open connection.
struct Conn {
    client: IpAddr,
    /// Its turn while it waits for a request head.
    turn: Option<u64>,
    /// Its requests being served (at most one in HTTP/1.1; counted all the same).
    serving: u32,
    /// Closed for a newcomer.
    closed: bool,
    /// Tells its task to close it.
    close: CancellationToken,
}

/// Why a connection was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refused {
    Full,
    ClientFull,
}

impl Open {
    /// `client`'s place in `loads`, if it has a connection waiting.
    fn load_of(&self, client: IpAddr) -> Option<(usize, IpAddr)> {
        self.per_client
            .get(&client)
            .filter(|c| !c.waiting.is_empty())
            .map(|c| (c.open, client))
    }

    /// Runs `change` on `client`'s entry, keeping `loads` in step with it.
    fn reload(&mut self, client: IpAddr, change: impl FnOnce(&mut HashMap<IpAddr, Client>)) {
        let before = self.load_of(client);
        change(&mut self.per_client);
        let after = self.load_of(client);
        if before != after {
            if let Some(b) = before {
                self.loads.remove(&b);
            }
            if let Some(a) = after {
                self.loads.insert(a);
            }
        }
    }

    /// Puts connection `id` at the end of the waiting line.
    fn wait(&mut self, id: u64) {
        let turn = self.next_turn;
        let Some(conn) = self.conns.get_mut(&id) else {
            return;
        };
        if conn.closed || conn.serving > 0 || conn.turn.is_some() {
            return;
        }
        self.next_turn += 1;
        conn.turn = Some(turn);
        let client = conn.client;
        self.waiting.insert(turn, id);
        self.reload(client, |all| {
            if let Some(c) = all.get_mut(&client) {
                c.waiting.insert(turn);
            }
        });
    }

    /// Takes connection `id` out of the waiting line.
    fn unwait(&mut self, id: u64) {
        let Some(conn) = self.conns.get_mut(&id) else {
            return;
        };
        let client = conn.client;
        if let Some(turn) = conn.turn.take() {
            self.waiting.remove(&turn);
            self.reload(client, |all| {
                if let Some(c) = all.get_mut(&client) {
                    c.waiting.remove(&turn);
                }
            });
        }
    }

    /// Counts one connection more for `client`.
    fn hold(&mut self, client: IpAddr) {
        self.total += 1;
        self.reload(client, |all| all.entry(client).or_default().open += 1);
    }

    /// Counts one connection fewer for `client`, forgetting a client left with none.
    fn release(&mut self, client: IpAddr) {
        self.total = self.total.saturating_sub(1);
        self.reload(client, |all| {
            if let Some(c) = all.get_mut(&client) {
                c.open = c.open.saturating_sub(1);
                if c.open == 0 {
                    all.remove(&client);
                }
            }
        });
    }

    /// Which connection a newcomer from `client`, which holds `n` connections, takes the place
    /// of past the overall cap: the oldest waiting one of the client that holds the most
    /// connections among those with one waiting, if that client holds at least two more than
    /// the newcomer's (so that places go from the heaviest clients to the lightest, and two
    /// clients of about the same weight do not take places from each other in turn), or is the
    /// newcomer's own and a trusted proxy (which speaks for many clients).
    fn place_for(&self, client: IpAddr, n: usize, exempt: bool) -> Option<u64> {
        let &(v, heaviest) = self.loads.last()?;
        let fair = if heaviest == client {
            exempt
        } else {
            n + 2 <= v
        };
        if !fair {
            return None;
        }
        self.oldest_of(heaviest)
    }

    /// `client`'s connection that has waited longest.
    fn oldest_of(&self, client: IpAddr) -> Option<u64> {
        let turn = self.per_client.get(&client)?.waiting.first()?;
        self.waiting.get(turn).copied()
    }

    /// Closes waiting connection `id` for a newcomer, which takes its place: returns its client
    /// and what tells its task (to be told once the lock is let go).
    fn close_for_newcomer(&mut self, id: u64) -> Option<(IpAddr, CancellationToken)> {
        self.unwait(id);
        let conn = self.conns.get_mut(&id)?;
        conn.closed = true;
        let (client, close) = (conn.client, conn.close.clone());
        self.release(client);
        self.closing += 1;
        Some((client, close))
    }
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

    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a new connection from `ip`, waiting for its first request head. Past a cap it
    /// takes the place of the connection that has waited longest (the client's own when the
    /// client is at its cap), and returns that connection's client too; with none waiting, or
    /// too many closed ones not let go of yet, it is refused.
    fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<(Admitted, Option<IpAddr>), Refused> {
        let client = client_of(ip);
        let exempt = (self.exempt)(ip);
        let mut open = self.lock();
        // A cap of 0 is none.
        let client_full = self.max_per_client > 0
            && !exempt
            && open
                .per_client
                .get(&client)
                .is_some_and(|c| c.open >= self.max_per_client);
        let full = self.max_total > 0 && open.total >= self.max_total;
        let mut closed = None;
        if client_full || full {
            let oldest = if client_full {
                // Among its own: the others are not this client's to take from.
                open.oldest_of(client)
            } else {
                let n = open.per_client.get(&client).map_or(0, |c| c.open);
                open.place_for(client, n, exempt)
            };
            let refused = if full {
                Refused::Full
            } else {
                Refused::ClientFull
            };
            let oldest = oldest
                .filter(|_| open.closing < CLOSING_MAX)
                .ok_or(refused)?;
            closed = open.close_for_newcomer(oldest);
        }
        let id = open.next_id;
        open.next_id += 1;
        let close = CancellationToken::new();
        open.conns.insert(
            id,
            Conn {
                client,
                turn: None,
                serving: 0,
                closed: false,
                close: close.clone(),
            },
        );
        open.hold(client);
        open.wait(id);
        drop(open);
        let closed = closed.map(|(client, close)| {
            close.cancel();
            client
        });
        Ok((
            Admitted {
                clients: self.clone(),
                id,
                closed: close,
            },
            closed,
        ))
    }

    /// A request's head came on connection `id`: out of the waiting line until the guard is
    /// dropped with its answer.
    fn serving(self: &Arc<Self>, id: u64) -> Served {
        let mut open = self.lock();
        open.unwait(id);
        if let Some(conn) = open.conns.get_mut(&id) {
            conn.serving += 1;
        }
        Served {
            clients: self.clone(),
            id,
        }
    }
}

/// A connection counted as open until dropped.
struct Admitted {
    clients: Arc<Clients>,
    id: u64,
    /// Cancelled when the connection is closed for a newcomer.
    closed: CancellationToken,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut open = self.clients.lock();
        open.unwait(self.id);
        let Some(conn) = open.conns.remove(&self.id) else {
            return;
        };
        if conn.closed {
            open.closing = open.closing.saturating_sub(1);
        } else {
            open.release(conn.client);
        }
    }
}

/// A request being served; dropped, its connection waits for the next one.
struct Served {
    clients: Arc<Clients>,
    id: u64,
}

impl Drop for Served {
    fn drop(&mut self) {
        let mut open = self.clients.lock();
        if let Some(conn) = open.conns.get_mut(&self.id) {
            conn.serving = conn.serving.saturating_sub(1);
        }
        open.wait(self.id);
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

    fn made_room(&mut self, closed: IpAddr, peer: SocketAddr) {
        self.say(|more| {
            tracing::warn!(
                "connection from {peer} past a cap: closed the connection from {closed} that \
                 had waited longest for a request (+{more} unreported)"
            )
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

    /// Everything `Open` holds, to see that nothing is left behind.
    fn held(clients: &Clients) -> (usize, usize, usize, usize, usize) {
        let open = clients.lock();
        (
            open.total,
            open.closing,
            open.per_client.len(),
            open.conns.len(),
            open.waiting.len(),
        )
    }

    #[test]
    fn caps_count_open_connections_in_all_and_per_client() {
        let proxy = ip("198.51.100.1");
        let clients = Arc::new(Clients::new(4, 2, Box::new(move |a| a == proxy)));
        // Every connection is being served: past a cap, nothing waits to make room.
        let admit = |a: &str| {
            clients.admit(ip(a)).map(|(c, closed)| {
                assert_eq!(closed, None);
                let served = c.clients.serving(c.id);
                (c, served)
            })
        };
        let a1 = admit("192.0.2.1").unwrap();
        let a2 = admit("192.0.2.1").unwrap();
        assert_eq!(admit("192.0.2.1").err(), Some(Refused::ClientFull));
        // The same /64 is the same client.
        let b1 = admit("2001:db8::1").unwrap();
        let b2 = admit("2001:db8::2").unwrap();
        assert_eq!(
            admit("2001:db8::3").err(),
            Some(Refused::Full),
            "four open in all"
        );
        drop(a1);
        assert_eq!(admit("2001:db8::3").err(), Some(Refused::ClientFull));
        let a3 = admit("192.0.2.1").unwrap();
        drop((a2, a3, b1, b2));
        // A trusted proxy speaks for many: the overall cap only.
        let p: Vec<_> = (0..4).map(|_| admit("198.51.100.1").unwrap()).collect();
        assert_eq!(admit("198.51.100.1").err(), Some(Refused::Full));
        drop(p);
        assert_eq!(
            held(&clients),
            (0, 0, 0, 0, 0),
            "closed clients are forgotten"
        );
        // Caps of 0 are none.
        let open = Arc::new(Clients::new(0, 0, Box::new(|_| false)));
        let all: Vec<_> = (0..100)
            .map(|_| open.admit(ip("192.0.2.1")).unwrap())
            .collect();
        assert!(all.iter().all(|(_, closed)| closed.is_none()));
    }

    #[test]
    fn past_the_overall_cap_places_go_from_the_heaviest_client_to_the_lightest() {
        let clients = Arc::new(Clients::new(6, 0, Box::new(|_| false)));
        let admit = |a: &str| clients.admit(ip(a));
        let (a1, _) = admit("192.0.2.1").unwrap();
        let (a2, _) = admit("192.0.2.1").unwrap();
        let (a3, _) = admit("192.0.2.1").unwrap();
        let (b1, _) = admit("192.0.2.2").unwrap();
        let (b2, _) = admit("192.0.2.2").unwrap();
        let (c1, _) = admit("192.0.2.3").unwrap();
        // The heaviest client gives up its oldest waiting connection; one being served is
        // passed over.
        let serving_a1 = clients.serving(a1.id);
        let (d1, closed) = admit("192.0.2.4").unwrap();
        assert_eq!(closed, Some(ip("192.0.2.1")));
        assert!(a2.closed.is_cancelled());
        assert!(
            ![&a1, &a3, &b1, &b2, &c1]
                .iter()
                .any(|c| c.closed.is_cancelled())
        );
        // Two clients of two: a client of one is not two lighter, and is refused...
        assert_eq!(admit("192.0.2.3").err(), Some(Refused::Full));
        // ...a new one is not: it takes the oldest place of one of them.
        let (e1, closed) = admit("192.0.2.5").unwrap();
        assert_eq!(closed, Some(ip("192.0.2.2")));
        assert!(b1.closed.is_cancelled() && !a3.closed.is_cancelled());
        // The heaviest is the newcomer's own: not a trusted proxy, it is refused.
        drop(serving_a1);
        assert_eq!(admit("192.0.2.1").err(), Some(Refused::Full));
        // A head that came and an answer taken send a connection to the end of its client's
        // line.
        drop(clients.serving(a1.id));
        let (f1, closed) = admit("192.0.2.6").unwrap();
        assert_eq!(closed, Some(ip("192.0.2.1")));
        assert!(a3.closed.is_cancelled() && !a1.closed.is_cancelled());
        drop((a1, a2, a3, b1, b2, c1, d1, e1, f1));
        assert_eq!(held(&clients), (0, 0, 0, 0, 0));
        assert!(clients.lock().loads.is_empty());
    }

    #[test]
    fn past_its_own_cap_a_client_takes_its_own_place() {
        let proxy = ip("198.51.100.1");
        let clients = Arc::new(Clients::new(3, 2, Box::new(move |a| a == proxy)));
        let (x1, _) = clients.admit(ip("192.0.2.9")).unwrap();
        let (x2, _) = clients.admit(ip("192.0.2.9")).unwrap();
        let (y1, _) = clients.admit(ip("192.0.2.8")).unwrap();
        // At its cap, a client's newcomer closes its own oldest, though another waited longer.
        drop(clients.serving(x1.id));
        let (x3, closed) = clients.admit(ip("192.0.2.9")).unwrap();
        assert_eq!(closed, Some(ip("192.0.2.9")));
        assert!(x2.closed.is_cancelled() && !x1.closed.is_cancelled());
        assert!(!y1.closed.is_cancelled());
        drop((x1, x2, x3, y1));
        // A trusted proxy holding every place takes its own oldest for its newcomers.
        let (p1, _) = clients.admit(proxy).unwrap();
        let (p2, _) = clients.admit(proxy).unwrap();
        let (p3, _) = clients.admit(proxy).unwrap();
        let (p4, closed) = clients.admit(proxy).unwrap();
        assert_eq!(closed, Some(proxy));
        assert!(p1.closed.is_cancelled() && !p2.closed.is_cancelled());
        drop((p1, p2, p3, p4));
        assert_eq!(held(&clients), (0, 0, 0, 0, 0));
        assert!(clients.lock().loads.is_empty());
    }

    #[test]
    fn connections_closed_for_newcomers_are_bounded_until_let_go() {
        let clients = Arc::new(Clients::new(0, 1, Box::new(|_| false)));
        let mut open = vec![clients.admit(ip("192.0.2.1")).unwrap().0];
        // Each newcomer closes the one before, whose task never runs here.
        for _ in 0..CLOSING_MAX {
            let (n, closed) = clients.admit(ip("192.0.2.1")).unwrap();
            assert!(closed.is_some());
            open.push(n);
        }
        assert_eq!(
            clients.admit(ip("192.0.2.1")).err(),
            Some(Refused::ClientFull),
            "too many closed connections still open"
        );
        open.remove(0);
        assert!(clients.admit(ip("192.0.2.1")).is_ok());
        drop(open);
        assert_eq!(held(&clients), (0, 0, 0, 0, 0));
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
        // `/hold` answers once told to, and says when it has begun.
        let (began_tx, mut began) = tokio::sync::mpsc::channel::<()>(1);
        let release = Arc::new(tokio::sync::Notify::new());
        let app = Router::new()
            .route(
                "/",
                axum::routing::get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move {
                    peer.ip().to_string()
                }),
            )
            .route(
                "/hold",
                axum::routing::get({
                    let release = release.clone();
                    move || async move {
                        let _ = began_tx.send(()).await;
                        release.notified().await;
                        "held"
                    }
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
        let send = |mut s: TcpStream, path: &'static str| async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let head = format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
            s.write_all(head.as_bytes()).await.unwrap();
            let mut out = String::new();
            let _ = s.read_to_string(&mut out).await;
            out
        };
        // The address's one connection is being served: a second is refused.
        let first = tokio::spawn(send(TcpStream::connect(addr).await.unwrap(), "/hold"));
        began.recv().await.unwrap();
        let refused = send(TcpStream::connect(addr).await.unwrap(), "/").await;
        assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
        assert!(refused.contains("connection: close"));
        release.notify_one();
        let answer = first.await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200") && answer.ends_with("held"));
        // A silent one gives its place to the next, which is served.
        let mut silent = TcpStream::connect(addr).await.unwrap();
        let answer = send(TcpStream::connect(addr).await.unwrap(), "/").await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(
            answer.ends_with("127.0.0.1"),
            "ConnectInfo is given: {answer}"
        );
        let mut rest = Vec::new();
        use tokio::io::AsyncReadExt;
        let _ = silent.read_to_end(&mut rest).await;
        assert!(rest.is_empty(), "closed unanswered");
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

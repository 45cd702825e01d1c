//! One tracker WebSocket: a hand-written future over the TCP stream, so that an idle socket
//! holds no buffer. It reads into its thread's buffer and handles each whole message where it
//! lies; only the bytes of a message not yet whole are kept (`partial`), and only what the
//! client has not taken yet of what it is sent (`out`). Both are freed once empty.
//!
//! Timeouts are the tracker's sweep's: a socket silent for too long, or whose client does not
//! take what it is sent, is ended through its mailbox ([`Inbox`]), so no timer lives in an
//! open socket. A closing socket has one, bounding its last writes.

use super::frames::{self, Head, Refusal};
use ruche_p2p::tracker::{ConnId, Inbox, Mail, Sent, Wire};
use ruche_tube::Tube;
use ruche_tube::tracker::{Flow, Hub, Step};
use std::cell::RefCell;
use std::future::Future;
use std::io::IoSlice;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::time::Sleep;

/// The largest message a socket may send: five offers of a few kilobytes each.
pub const MAX_MESSAGE: usize = 64 * 1024;
/// How long a closing socket may take to send its last messages and its close.
const CLOSING: Duration = Duration::from_secs(30);
/// Messages taken from the mailbox in one write.
const BATCH: usize = 16;
/// Messages read before the task lets others run.
const READ_BURST: usize = 32;

thread_local! {
    /// What a socket reads lands here first; it is handled before the next socket reads.
    static READ: RefCell<Box<[u8]>> = RefCell::new(vec![0; MAX_MESSAGE + frames::MAX_HEAD].into_boxed_slice());
}

/// The TCP stream, and what was framed for it and not yet written, shared by the socket's task
/// and the tracker, which writes a message straight to the stream when nothing waits before it
/// ([`Wire`]).
#[derive(Debug)]
struct SocketWire {
    stream: TcpStream,
    out: Mutex<Out>,
}

/// Bytes framed and not yet written, from `written` on.
#[derive(Debug, Default)]
struct Out {
    buf: Vec<u8>,
    written: usize,
}

impl Out {
    fn pending(&self) -> bool {
        self.written < self.buf.len()
    }
}

impl SocketWire {
    fn out(&self) -> MutexGuard<'_, Out> {
        self.out.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Wire for SocketWire {
    fn send_now(&self, text: &str) -> Sent {
        // The task holds it while it writes: the message waits in the queue.
        let Ok(mut out) = self.out.try_lock() else {
            return Sent::NotNow;
        };
        if out.pending() {
            return Sent::NotNow;
        }
        let (head, n) = frames::head_of(frames::TEXT, text.len());
        let bufs = [IoSlice::new(&head[..n]), IoSlice::new(text.as_bytes())];
        match self.stream.try_write_vectored(&bufs) {
            Ok(w) if w == n + text.len() => Sent::Whole,
            Ok(w) => {
                out.buf = Vec::with_capacity(n + text.len());
                frames::frame(&mut out.buf, frames::TEXT, text.as_bytes());
                out.written = w;
                Sent::Partly
            }
            // Full, or broken: the task finds out which.
            Err(_) => Sent::NotNow,
        }
    }
}

/// The tracker's side of the socket.
struct Link {
    conn: ConnId,
    inbox: Inbox,
}

enum State {
    Open,
    /// Sending what is left, then the close frame, then ending our side.
    Closing {
        code: u16,
        framed: bool,
    },
    /// Our side ended: what the client still sends is read and dropped until it ends its own.
    Draining,
}

pub struct Socket {
    wire: Arc<SocketWire>,
    tube: Arc<Tube>,
    ip: IpAddr,
    link: Option<Link>,
    /// Read, not yet handled: the start of a frame not yet whole.
    partial: Vec<u8>,
    /// A fragmented message being put together, and whether it is binary.
    message: Vec<u8>,
    fragmented: Option<u8>,
    /// The handling of a message still waiting (on the database); nothing is read meanwhile.
    work: Option<Pin<Box<dyn Future<Output = Flow> + Send>>>,
    state: State,
    deadline: Option<Pin<Box<Sleep>>>,
}

impl Socket {
    /// A socket joined to the tracker; `early` holds what the client sent after its handshake
    /// and before the upgrade.
    pub fn open(stream: TcpStream, tube: Arc<Tube>, ip: IpAddr, early: &[u8]) -> Socket {
        let wire = Arc::new(SocketWire {
            stream,
            out: Mutex::new(Out::default()),
        });
        let (link, state, out) = match tube.tracker.connect(ip) {
            Ok((conn, inbox)) => {
                inbox.attach(wire.clone());
                (Some(Link { conn, inbox }), State::Open, Vec::new())
            }
            Err(refusal) => {
                let mut out = Vec::new();
                frames::frame(&mut out, frames::TEXT, refusal.as_bytes());
                (
                    None,
                    State::Closing {
                        code: 1000,
                        framed: false,
                    },
                    out,
                )
            }
        };
        wire.out().buf = out;
        Socket {
            wire,
            tube,
            ip,
            link,
            partial: early.to_vec(),
            message: Vec::new(),
            fragmented: None,
            work: None,
            state,
            deadline: None,
        }
    }

    fn close(&mut self, code: u16) {
        if matches!(self.state, State::Open) {
            self.state = State::Closing {
                code,
                framed: false,
            };
        }
    }

    /// Writes what waits, and takes and writes what the tracker has queued for this socket;
    /// `Err` when the socket is broken. Returns with the waker registered for whatever it waits
    /// on.
    fn write(&mut self, cx: &mut Context<'_>) -> std::io::Result<()> {
        let wire = self.wire.clone();
        let mut out = wire.out();
        loop {
            if !out.pending() {
                // Freed: an idle socket keeps no buffer.
                *out = Out::default();
                if let Some(link) = &self.link {
                    let mut texts = Vec::new();
                    let max = if matches!(self.state, State::Open) {
                        BATCH
                    } else {
                        usize::MAX
                    };
                    let mail = link.inbox.take(cx.waker(), &mut texts, max);
                    for t in &texts {
                        frames::frame(&mut out.buf, frames::TEXT, t.as_bytes());
                    }
                    if mail == Mail::Closed {
                        self.close(1000);
                    }
                }
                if let State::Closing { code, framed } = &mut self.state
                    && !*framed
                    && out.buf.is_empty()
                {
                    *framed = true;
                    frames::close(&mut out.buf, *code);
                }
                if out.buf.is_empty() {
                    return Ok(());
                }
            }
            let at = out.written;
            match wire.stream.try_write(&out.buf[at..]) {
                Ok(n) => {
                    out.written += n;
                    if !out.pending()
                        && let Some(link) = &self.link
                    {
                        link.inbox.stalled(None);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if let Some(link) = &self.link {
                        link.inbox.stalled(Some(Instant::now()));
                    }
                    match wire.stream.poll_write_ready(cx) {
                        Poll::Ready(Ok(())) => {}
                        Poll::Ready(Err(e)) => return Err(e),
                        Poll::Pending => return Ok(()),
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads and handles what the client sent: `Ready(true)` when there may be more to do at
    /// once, `Ready(false)` when the client is gone, `Pending` when waiting for its bytes.
    fn read(&mut self, cx: &mut Context<'_>) -> Poll<bool> {
        for _ in 0..READ_BURST {
            // What an earlier read left (a frame not yet whole, or frames after a message
            // that had to wait) is handled first.
            if !self.partial.is_empty() && self.handle_partial() {
                return Poll::Ready(true);
            }
            match self.wire.stream.poll_read_ready(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(_)) => return Poll::Ready(false),
                Poll::Ready(Ok(())) => {}
            }
            let read = READ.with_borrow_mut(|buf| {
                // `partial` never holds a whole frame here, so it is shorter than the buffer.
                let room = buf.len().saturating_sub(self.partial.len()).max(1);
                let n = self.wire.stream.try_read(&mut buf[..room])?;
                if n > 0 && self.partial.is_empty() {
                    let used = self.handle(&mut buf[..n]);
                    self.partial.extend_from_slice(&buf[used..n]);
                } else {
                    self.partial.extend_from_slice(&buf[..n]);
                }
                Ok::<usize, std::io::Error>(n)
            });
            match read {
                Ok(0) => return Poll::Ready(false),
                Ok(_) => {
                    if self.stopped() {
                        return Poll::Ready(true);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => return Poll::Ready(false),
            }
        }
        Poll::Ready(true)
    }

    /// Handling stopped: a message waits, or the socket closes.
    fn stopped(&self) -> bool {
        self.work.is_some() || !matches!(self.state, State::Open)
    }

    /// Handles the whole frames of `partial`; true when handling stopped (see [`stopped`]).
    fn handle_partial(&mut self) -> bool {
        let mut partial = std::mem::take(&mut self.partial);
        let used = self.handle(&mut partial);
        partial.drain(..used);
        // Freed once empty: an idle socket keeps no buffer.
        self.partial = if partial.is_empty() {
            Vec::new()
        } else {
            partial
        };
        self.stopped()
    }

    /// Handles the whole frames at the start of `buf`, until one needs waiting or ends the
    /// socket; returns how many bytes it used.
    fn handle(&mut self, buf: &mut [u8]) -> usize {
        let mut at = 0;
        while matches!(self.state, State::Open) && self.work.is_none() {
            let h = match frames::head(&buf[at..], MAX_MESSAGE) {
                Ok(Some(h)) if h.frame() <= buf.len() - at => h,
                Ok(_) => break,
                Err(r) => {
                    self.refuse(r);
                    break;
                }
            };
            let payload = &mut buf[at + h.head..at + h.frame()];
            frames::unmask(&h, payload);
            at += h.frame();
            self.frame(&h, payload);
        }
        at
    }

    fn refuse(&mut self, r: Refusal) {
        self.close(r.code());
    }

    fn frame(&mut self, h: &Head, payload: &[u8]) {
        match h.opcode {
            frames::PING => frames::frame(&mut self.wire.out().buf, frames::PONG, payload),
            frames::PONG => {}
            frames::CLOSE => self.close(frames::echoed_close(payload)),
            frames::TEXT | frames::BINARY if self.fragmented.is_some() => {
                self.refuse(Refusal::Protocol)
            }
            frames::TEXT | frames::BINARY if h.fin => self.on_message(h.opcode, payload),
            frames::TEXT | frames::BINARY => {
                self.fragmented = Some(h.opcode);
                self.message = payload.to_vec();
            }
            _ => {
                // A continuation.
                let Some(opcode) = self.fragmented else {
                    return self.refuse(Refusal::Protocol);
                };
                if self.message.len() + payload.len() > MAX_MESSAGE {
                    return self.refuse(Refusal::TooBig);
                }
                self.message.extend_from_slice(payload);
                if h.fin {
                    let whole = std::mem::take(&mut self.message);
                    self.fragmented = None;
                    self.on_message(opcode, &whole);
                }
            }
        }
    }

    /// A whole message from the client.
    fn on_message(&mut self, opcode: u8, payload: &[u8]) {
        let Some(link) = &self.link else { return };
        link.inbox.heard(Instant::now());
        let text = if opcode == frames::TEXT {
            match std::str::from_utf8(payload) {
                Ok(t) => t,
                Err(_) => return self.refuse(Refusal::NotUtf8),
            }
        } else {
            "binary messages are not JSON"
        };
        match Hub::ws_message(&self.tube, link.conn, self.ip, text) {
            Step::Done(Flow::Continue) => {}
            Step::Done(Flow::Close) => self.close(1000),
            Step::Later(work) => self.work = Some(work),
        }
    }

    fn end(&mut self) {
        if let Some(link) = self.link.take() {
            self.tube.tracker.disconnect(link.conn);
        }
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.end();
    }
}

impl Future for Socket {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        for _ in 0..READ_BURST {
            if let Some(work) = this.work.as_mut()
                && let Poll::Ready(flow) = work.as_mut().poll(cx)
            {
                this.work = None;
                if flow == Flow::Close {
                    this.close(1000);
                }
            }
            if this.write(cx).is_err() {
                return Poll::Ready(());
            }
            match this.state {
                State::Open => {}
                State::Closing { framed, .. } => {
                    // Its peers leave their swarms now; the last bytes have their own time.
                    this.end();
                    let deadline = this
                        .deadline
                        .get_or_insert_with(|| Box::pin(tokio::time::sleep(CLOSING)));
                    if deadline.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(());
                    }
                    if !framed || this.wire.out().pending() {
                        return Poll::Pending;
                    }
                    // All sent: our side ends, theirs is read until it ends.
                    let _ = socket2::SockRef::from(&this.wire.stream)
                        .shutdown(std::net::Shutdown::Write);
                    this.state = State::Draining;
                    this.partial = Vec::new();
                    continue;
                }
                State::Draining => {
                    let deadline = this
                        .deadline
                        .get_or_insert_with(|| Box::pin(tokio::time::sleep(CLOSING)));
                    if deadline.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(());
                    }
                    for _ in 0..READ_BURST {
                        match this.wire.stream.poll_read_ready(cx) {
                            Poll::Pending => return Poll::Pending,
                            Poll::Ready(Err(_)) => return Poll::Ready(()),
                            Poll::Ready(Ok(())) => {}
                        }
                        match READ.with_borrow_mut(|buf| this.wire.stream.try_read(buf)) {
                            Ok(0) => return Poll::Ready(()),
                            Ok(_) => {}
                            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                            Err(_) => return Poll::Ready(()),
                        }
                    }
                    break;
                }
            }
            if this.work.is_some() {
                return Poll::Pending;
            }
            match this.read(cx) {
                Poll::Pending => {
                    // What reading framed itself (pongs) is written, or waits for the socket.
                    if this.write(cx).is_err() {
                        return Poll::Ready(());
                    }
                    return Poll::Pending;
                }
                Poll::Ready(false) => return Poll::Ready(()),
                Poll::Ready(true) => {}
            }
        }
        // A busy client: let other sockets run, then go on.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

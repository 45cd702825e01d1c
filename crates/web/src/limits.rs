//! What one request may make us read, and what every answer carries.
//!
//! **Bodies.** [`guard`] (a layer over the whole router) wraps every request body in a
//! [`Capped`] body that knows its route's limit: a declared `Content-Length` over it is refused
//! at the first read, before a byte of the body is taken; a chunked body is cut as soon as it
//! passes it; a body that trickles (slower than `[http] body_min_rate` once its
//! `body_timeout_secs` are spent, Apache's `mod_reqtimeout` rule) is cut too. The answer is then
//! ours, whatever the handler made of the failed read: 413 or 408, PeerTube's JSON error under
//! `/api/`, a short page elsewhere, and the connection closed, the rest of the body unread (the
//! server's lingering close reads a little more and throws it away, so that a client still
//! sending gets to read the answer).
//! A handler that answered 413 itself (the picture library, the inbox) keeps its answer.
//!
//! A route's limit is its [`Kind`]: by default what the request says it sends (a URL-encoded
//! or multipart form: [`Kind::Form`]; anything else: [`Kind::Json`]); a route that takes more
//! says so with a one-line `.layer(limits::body(Kind::…))`, which only sets the kind, since the
//! limit is checked where the body is read.
//!
//! **Headers.** [`headers`] gives every answer a Content-Security-Policy fitting what our pages
//! load, `X-Content-Type-Options: nosniff`, PeerTube's `Referrer-Policy`, and keeps every page
//! out of other sites' frames except the embed (and the Pages editor's preview, framed by the
//! editor itself).

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ruche_domain::settings::Settings;
use std::future::Future as _;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// What a route's body is, hence how large it may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// A URL-encoded (or file-less multipart) form: `[http] form_bytes`.
    Form = 0,
    /// Any other small body, JSON above all: `[http] json_bytes`.
    Json = 1,
    /// The Pages editor's whole site document: `[http] draft_bytes`.
    Draft = 2,
    /// One picture, raw or in a multipart form: the picture limit and room for the form.
    Picture = 3,
    /// A profile form that may carry an avatar and a banner.
    Profile = 4,
    /// An ActivityPub activity: `[federation] max_inbox_bytes`.
    Inbox = 5,
    /// A video, streamed to disk under the uploader's quota: no size limit here, the rate
    /// rule only.
    Upload = 6,
}

impl Kind {
    fn from_u8(n: u8) -> Kind {
        match n {
            0 => Kind::Form,
            2 => Kind::Draft,
            3 => Kind::Picture,
            4 => Kind::Profile,
            5 => Kind::Inbox,
            6 => Kind::Upload,
            _ => Kind::Json,
        }
    }

    /// A route's kind when it does not name one: what the request says it sends. A handler's
    /// extractor refuses another content type before reading, so this picks no larger limit
    /// than the route takes.
    fn of(headers: &HeaderMap) -> Kind {
        let ct = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if ct.starts_with("application/x-www-form-urlencoded")
            || ct.starts_with("multipart/form-data")
        {
            Kind::Form
        } else {
            Kind::Json
        }
    }
}

/// Room for a multipart form's framing and text fields around its files.
const FORM_ROOM: u64 = 64 * 1024;

/// The limits and the body timeout, from the settings.
#[derive(Debug, Clone)]
pub struct Bounds {
    pub form: u64,
    pub json: u64,
    pub draft: u64,
    pub picture: u64,
    pub inbox: u64,
    pub timeout: Duration,
    pub min_rate: u64,
}

impl Bounds {
    pub fn from_settings(s: &Settings) -> Bounds {
        let pictures = ruche_tube::profiles::limits()
            .max_bytes
            .max(ruche_pages::images::Limits::default().max_bytes) as u64;
        Bounds {
            form: s.http.form_bytes,
            json: s.http.json_bytes,
            draft: s.http.draft_bytes,
            picture: pictures,
            inbox: s.federation.max_inbox_bytes as u64,
            timeout: Duration::from_secs(s.http.body_timeout_secs),
            min_rate: s.http.body_min_rate,
        }
    }

    /// The most bytes a body of `kind` may have; `None`: no limit here.
    pub fn max_bytes(&self, kind: Kind) -> Option<u64> {
        Some(match kind {
            Kind::Form => self.form,
            Kind::Json => self.json,
            Kind::Draft => self.draft,
            Kind::Picture => self.picture + FORM_ROOM,
            Kind::Profile => 2 * self.picture + FORM_ROOM,
            Kind::Inbox => self.inbox,
            Kind::Upload => return None,
        })
    }

    /// How long after its first read a body that has brought `received` bytes may still keep
    /// us waiting: the timeout, plus a second for every `min_rate` bytes. A timeout of 0 is none.
    pub fn patience(&self, received: u64) -> Duration {
        if self.timeout.is_zero() {
            return Duration::MAX;
        }
        let earned = match self.min_rate {
            0 => Duration::MAX,
            rate => Duration::from_secs_f64(received as f64 / rate as f64),
        };
        self.timeout.saturating_add(earned)
    }
}

/// Why a body was cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Cut {
    None = 0,
    TooLarge = 1,
    TooSlow = 2,
}

/// One request's body bound, shared by its [`Capped`] body, the route's [`BodyLimit`] and
/// [`guard`], which reads back whether the body was cut.
#[derive(Debug)]
pub struct Cap {
    bounds: Arc<Bounds>,
    kind: AtomicU8,
    cut: AtomicU8,
}

impl Cap {
    fn new(bounds: Arc<Bounds>, kind: Kind) -> Cap {
        Cap {
            bounds,
            kind: AtomicU8::new(kind as u8),
            cut: AtomicU8::new(Cut::None as u8),
        }
    }

    fn limit(&self) -> Option<u64> {
        self.bounds
            .max_bytes(Kind::from_u8(self.kind.load(Ordering::Relaxed)))
    }

    fn cut(&self, why: Cut) -> axum::BoxError {
        self.cut.store(why as u8, Ordering::Relaxed);
        match why {
            Cut::TooSlow => "the request body came too slowly".into(),
            _ => "the request body is too large".into(),
        }
    }

    fn was_cut(&self) -> Cut {
        match self.cut.load(Ordering::Relaxed) {
            1 => Cut::TooLarge,
            2 => Cut::TooSlow,
            _ => Cut::None,
        }
    }
}

/// A request body held to its [`Cap`].
pub struct Capped {
    inner: Body,
    cap: Arc<Cap>,
    received: u64,
    started: Option<Instant>,
    timer: Option<Pin<Box<Sleep>>>,
}

impl Capped {
    fn new(inner: Body, cap: Arc<Cap>) -> Capped {
        Capped {
            inner,
            cap,
            received: 0,
            started: None,
            timer: None,
        }
    }
}

impl http_body::Body for Capped {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::BoxError>>> {
        let this = self.get_mut();
        let limit = this.cap.limit();
        let started = match this.started {
            Some(t) => t,
            None => {
                // The first read: a declared length over the limit is refused before reading.
                if let (Some(max), Some(declared)) = (limit, this.inner.size_hint().exact())
                    && declared > max
                {
                    return Poll::Ready(Some(Err(this.cap.cut(Cut::TooLarge))));
                }
                let now = Instant::now();
                this.started = Some(now);
                now
            }
        };
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.received += data.len() as u64;
                    if limit.is_some_and(|max| this.received > max) {
                        return Poll::Ready(Some(Err(this.cap.cut(Cut::TooLarge))));
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            // Waiting for the client: it has until the deadline its pace has earned.
            Poll::Pending => {
                let patience = this.cap.bounds.patience(this.received);
                let Some(deadline) = started.checked_add(patience) else {
                    return Poll::Pending;
                };
                let timer = match &mut this.timer {
                    Some(t) => {
                        if t.deadline() != deadline {
                            t.as_mut().reset(deadline);
                        }
                        t
                    }
                    None => this
                        .timer
                        .insert(Box::pin(tokio::time::sleep_until(deadline))),
                };
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(this.cap.cut(Cut::TooSlow)))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// The layer over the whole router that holds every body to its route's limit and answers for
/// a body it cut.
pub async fn guard(State(bounds): State<Arc<Bounds>>, req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let cap = Arc::new(Cap::new(bounds, Kind::of(req.headers())));
    let (mut parts, body) = req.into_parts();
    parts.extensions.insert(cap.clone());
    let req = Request::from_parts(parts, Body::new(Capped::new(body, cap.clone())));
    let res = next.run(req).await;
    match cap.was_cut() {
        Cut::None => res,
        // The handler's own 413 says more (the picture library's reason, in the visitor's
        // language); it only needs the connection closed.
        Cut::TooLarge if res.status() == StatusCode::PAYLOAD_TOO_LARGE => closing(res),
        Cut::TooLarge => refusal(StatusCode::PAYLOAD_TOO_LARGE, api),
        Cut::TooSlow => refusal(StatusCode::REQUEST_TIMEOUT, api),
    }
}

fn closing(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    res
}

/// 413 or 408: PeerTube's JSON error under `/api/`, a short page elsewhere; the connection is
/// closed, the rest of the body being unread (but for the server's lingering close).
pub fn refusal(status: StatusCode, api: bool) -> Response {
    let detail = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "The request body is too large.",
        StatusCode::REQUEST_TIMEOUT => "The request body came too slowly.",
        _ => "The request was refused.",
    };
    let title = status.canonical_reason().unwrap_or("Error");
    let res = if api {
        let body = serde_json::json!({
            "type": "about:blank",
            "title": title,
            "detail": detail,
            "status": status.as_u16(),
            "error": detail,
            "docs": "https://docs.joinpeertube.org/api-rest-reference.html",
        });
        let mut res = (status, axum::Json(body)).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json; charset=utf-8"),
        );
        res
    } else {
        let page = format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title}</title></head>\n<body><h1>{title}</h1><p>{detail}</p>\
             <p><a href=\"/\">Home</a></p></body></html>\n"
        );
        (status, axum::response::Html(page)).into_response()
    };
    closing(res)
}

/// A route's own body limit, as a layer: `.layer(limits::body(Kind::Draft))`.
pub fn body(kind: Kind) -> BodyLimit {
    BodyLimit(kind)
}

#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(Kind);

impl<S> tower::Layer<S> for BodyLimit {
    type Service = BodyLimitService<S>;
    fn layer(&self, inner: S) -> BodyLimitService<S> {
        BodyLimitService {
            inner,
            kind: self.0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct BodyLimitService<S> {
    inner: S,
    kind: Kind,
}

impl<S, B> tower::Service<axum::http::Request<B>> for BodyLimitService<S>
where
    S: tower::Service<axum::http::Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: axum::http::Request<B>) -> S::Future {
        if let Some(cap) = req.extensions().get::<Arc<Cap>>() {
            cap.kind.store(self.kind as u8, Ordering::Relaxed);
        }
        self.inner.call(req)
    }
}

/// The Content-Security-Policies of our answers, made once from the settings.
#[derive(Debug, Clone)]
pub struct Policies {
    tube: HeaderValue,
    embed: HeaderValue,
    pages: HeaderValue,
    preview: HeaderValue,
}

/// Which policy a path gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Policy {
    /// Tube's pages, the API and files: nothing framed by other sites.
    Tube,
    /// `/videos/embed/…`: Tube's, frameable by any site.
    Embed,
    /// Published sites and the editor: their pictures and embedded players may be elsewhere.
    Pages,
    /// The editor's previews, framed by the editor (same origin) only.
    Preview,
}

fn policy_of(path: &str) -> Policy {
    if path.starts_with("/videos/embed/") {
        Policy::Embed
    } else if path.starts_with("/my-sites/") && path.ends_with("/preview") {
        Policy::Preview
    } else if path.starts_with("/p/") || (path.starts_with("/my-sites/") && path.ends_with("/edit"))
    {
        Policy::Pages
    } else {
        Policy::Tube
    }
}

/// `scheme://host[:port]` of a URL (of a URL template too: the map's tile server).
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    if host.is_empty() || host.contains(['{', '}']) {
        return None;
    }
    Some(format!("{}://{host}", scheme.to_ascii_lowercase()))
}

impl Policies {
    pub fn from_settings(s: &Settings) -> Policies {
        // 'self' is where the page was served; the public URL too, for absolute links to it
        // from a page served under another name (a Pages domain, a proxy's own host name).
        let own = match origin_of(&s.public_url) {
            Some(o) => format!("'self' {o}"),
            None => "'self'".to_string(),
        };
        // Another instance's video plays from its origin (hls.js fetches its playlists and
        // segments, the browser its progressive file), any PeerTube instance's; plain http
        // only where federation takes it (tests, development).
        let remote = if s.federation.allow_insecure {
            "https: http:"
        } else {
            "https:"
        };
        // The player signals through the tracker of the video's origin: ours, or another
        // instance's (wss:, ws: where federation takes plain http).
        let trackers = if s.federation.allow_insecure {
            "wss: ws:"
        } else {
            "wss:"
        };
        let common = format!(
            "default-src {own}; script-src {own}; style-src {own} 'unsafe-inline'; \
             font-src {own}; object-src 'none'; base-uri 'self'; form-action {own}"
        );
        // Tube: our pictures only (another instance's are copied here); the player's
        // MediaSource (blob:) and hls.js's worker (blob:).
        // Tube's pages may carry the player's import map (inline, allowed by its hash).
        let tube_common = common.replacen(
            &format!("script-src {own};"),
            &format!("script-src {own} {};", crate::assets::import_map_hash()),
            1,
        );
        let tube = format!(
            "{tube_common}; img-src {own} data: blob:; media-src {own} blob: {remote}; \
             connect-src {own} {remote} {trackers}; worker-src {own} blob:"
        );
        // Pages: a document's pictures may be any web address (imports, another instance's
        // video thumbnail), the map's tiles come from the tile server once the map is opened,
        // and the video block's player is another instance's embed page. Critical CSS is
        // inline (style-src above).
        let tiles = origin_of(&s.pages.tile_url)
            .map(|o| format!(" {o}"))
            .unwrap_or_default();
        let pages = format!(
            "{common}; img-src {own} data: blob: {remote}{tiles}; media-src {own}; \
             connect-src {own}; frame-src {own} {remote}"
        );
        let value = |v: String| {
            HeaderValue::from_str(&v)
                .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"))
        };
        Policies {
            tube: value(format!("{tube}; frame-ancestors 'none'")),
            embed: value(tube),
            pages: value(format!("{pages}; frame-ancestors 'none'")),
            preview: value(format!("{pages}; frame-ancestors 'self'")),
        }
    }
}

/// The layer giving every answer its security headers (those a handler set are kept).
pub async fn headers(State(p): State<Arc<Policies>>, req: Request, next: Next) -> Response {
    let policy = policy_of(req.uri().path());
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let (csp, frame) = match policy {
        Policy::Tube => (&p.tube, Some("DENY")),
        Policy::Embed => (&p.embed, None),
        Policy::Pages => (&p.pages, Some("DENY")),
        Policy::Preview => (&p.preview, Some("SAMEORIGIN")),
    };
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert_with(|| csp.clone());
    if let Some(f) = frame {
        h.entry(header::X_FRAME_OPTIONS)
            .or_insert(HeaderValue::from_static(f));
    }
    h.entry(header::X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    h.entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("strict-origin-when-cross-origin"));
    res
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use http_body::Body as _;

    fn bounds() -> Bounds {
        Bounds::from_settings(&Settings::default())
    }

    #[test]
    fn each_kind_has_its_limit() {
        let b = bounds();
        assert_eq!(b.max_bytes(Kind::Form), Some(128 * 1024));
        assert_eq!(b.max_bytes(Kind::Json), Some(512 * 1024));
        assert_eq!(b.max_bytes(Kind::Draft), Some(4 * 1024 * 1024));
        assert_eq!(b.max_bytes(Kind::Inbox), Some(1024 * 1024));
        assert_eq!(
            b.max_bytes(Kind::Picture),
            Some(20 * 1024 * 1024 + FORM_ROOM)
        );
        assert_eq!(
            b.max_bytes(Kind::Profile),
            Some(40 * 1024 * 1024 + FORM_ROOM)
        );
        assert_eq!(b.max_bytes(Kind::Upload), None);
        use Kind::*;
        for kind in [Form, Json, Draft, Picture, Profile, Inbox, Upload] {
            assert_eq!(Kind::from_u8(kind as u8), kind);
        }
    }

    #[test]
    fn unnamed_routes_take_what_the_request_says_it_sends() {
        let with = |ct: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
            Kind::of(&h)
        };
        assert_eq!(with("application/x-www-form-urlencoded"), Kind::Form);
        assert_eq!(with("multipart/form-data; boundary=x"), Kind::Form);
        assert_eq!(with("application/json"), Kind::Json);
        assert_eq!(with("application/activity+json"), Kind::Json);
        assert_eq!(Kind::of(&HeaderMap::new()), Kind::Json);
    }

    #[test]
    fn patience_grows_with_what_came() {
        let b = Bounds {
            timeout: Duration::from_secs(30),
            min_rate: 1000,
            ..bounds()
        };
        assert_eq!(b.patience(0), Duration::from_secs(30));
        assert_eq!(b.patience(5000), Duration::from_secs(35));
        // An upload at a fair pace never runs out: a gigabyte earns a million seconds.
        assert_eq!(b.patience(1 << 30).as_secs(), 30 + (1 << 30) / 1000);
        let no_rate = Bounds { min_rate: 0, ..b };
        assert_eq!(no_rate.patience(0), Duration::MAX);
        let no_timeout = Bounds {
            timeout: Duration::ZERO,
            ..bounds()
        };
        assert_eq!(no_timeout.patience(0), Duration::MAX);
    }

    fn capped(body: Body, kind: Kind, bounds: Bounds) -> (Capped, Arc<Cap>) {
        let cap = Arc::new(Cap::new(Arc::new(bounds), kind));
        (Capped::new(body, cap.clone()), cap)
    }

    async fn next_frame(b: &mut Capped) -> Option<Result<http_body::Frame<Bytes>, axum::BoxError>> {
        std::future::poll_fn(|cx| Pin::new(&mut *b).poll_frame(cx)).await
    }

    #[tokio::test]
    async fn a_declared_length_over_the_limit_is_refused_before_reading() {
        let (mut b, cap) = capped(Body::from(vec![0u8; 200_000]), Kind::Form, bounds());
        assert!(next_frame(&mut b).await.unwrap().is_err());
        assert_eq!(cap.was_cut(), Cut::TooLarge);
        assert_eq!(b.received, 0, "nothing read");
        let (mut ok, cap) = capped(Body::from(vec![0u8; 1000]), Kind::Form, bounds());
        assert_eq!(
            next_frame(&mut ok)
                .await
                .unwrap()
                .unwrap()
                .into_data()
                .unwrap()
                .len(),
            1000
        );
        assert_eq!(cap.was_cut(), Cut::None);
    }

    #[tokio::test]
    async fn a_stream_is_cut_once_past_the_limit_and_the_route_kind_counts() {
        let chunks = (0..100).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![0u8; 10_000])));
        let (mut b, cap) = capped(
            Body::from_stream(futures_util::stream::iter(chunks)),
            Kind::Json,
            bounds(),
        );
        // The route names its kind after the guard made the cap (here: a form, 128 KiB).
        cap.kind.store(Kind::Form as u8, Ordering::Relaxed);
        let mut frames = 0;
        loop {
            match next_frame(&mut b).await {
                Some(Ok(_)) => frames += 1,
                Some(Err(_)) => break,
                None => panic!("not cut"),
            }
        }
        assert_eq!(frames, 13, "cut at the 14th 10 kB chunk, past 128 KiB");
        assert_eq!(cap.was_cut(), Cut::TooLarge);
        let chunks = (0..100).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![0u8; 10_000])));
        let (mut up, cap) = capped(
            Body::from_stream(futures_util::stream::iter(chunks)),
            Kind::Upload,
            bounds(),
        );
        while let Some(f) = next_frame(&mut up).await {
            f.unwrap();
        }
        assert_eq!(cap.was_cut(), Cut::None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_trickle_is_cut_and_a_fair_pace_is_not() {
        let b = Bounds {
            timeout: Duration::from_secs(10),
            min_rate: 100,
            ..bounds()
        };
        // A byte a second: the 10 s plus what 10 bytes earned (0.1 s) run out.
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
        let stream = tokio_stream_from(rx);
        let (mut slow, cap) = capped(Body::from_stream(stream), Kind::Upload, b.clone());
        tokio::spawn(async move {
            loop {
                if tx.send(Ok(Bytes::from_static(b"x"))).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        let started = Instant::now();
        loop {
            match next_frame(&mut slow).await {
                Some(Ok(_)) => {}
                Some(Err(_)) => break,
                None => panic!("ended"),
            }
        }
        assert_eq!(cap.was_cut(), Cut::TooSlow);
        assert!(started.elapsed() < Duration::from_secs(12));
        // 200 bytes a second for a minute: always ahead of its deadline.
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
        let (mut fair, cap) = capped(Body::from_stream(tokio_stream_from(rx)), Kind::Upload, b);
        tokio::spawn(async move {
            for _ in 0..60 {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if tx.send(Ok(Bytes::from(vec![0u8; 200]))).await.is_err() {
                    break;
                }
            }
        });
        while let Some(f) = next_frame(&mut fair).await {
            f.unwrap();
        }
        assert_eq!(cap.was_cut(), Cut::None);
    }

    fn tokio_stream_from(
        mut rx: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
    ) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
        futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
    }

    #[test]
    fn each_path_gets_its_policy() {
        assert_eq!(policy_of("/"), Policy::Tube);
        assert_eq!(policy_of("/w/abc"), Policy::Tube);
        assert_eq!(policy_of("/api/v1/videos"), Policy::Tube);
        assert_eq!(policy_of("/videos/embed/abc"), Policy::Embed);
        assert_eq!(policy_of("/p/atelier/"), Policy::Pages);
        assert_eq!(policy_of("/my-sites/atelier/edit"), Policy::Pages);
        assert_eq!(policy_of("/my-sites/atelier/preview"), Policy::Preview);
        assert_eq!(
            policy_of("/my-sites/atelier/revisions/3/preview"),
            Policy::Preview
        );
        assert_eq!(policy_of("/my-sites"), Policy::Tube);
    }

    #[test]
    fn policies_allow_what_pages_load_and_no_more() {
        let mut s = Settings {
            public_url: "https://tube.example".into(),
            pages: ruche_domain::settings::PagesSettings {
                tile_url: "https://tiles.example:8443/{z}/{x}/{y}.png".into(),
                ..Default::default()
            },
            ..Default::default()
        };
        let p = Policies::from_settings(&s);
        // One directive's sources.
        fn of<'a>(policy: &'a HeaderValue, name: &str) -> Option<&'a str> {
            policy
                .to_str()
                .unwrap()
                .split("; ")
                .find_map(|d| d.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        }
        let own = "'self' https://tube.example";
        assert_eq!(
            of(&p.tube, "script-src"),
            Some(format!("{own} {}", crate::assets::import_map_hash()).as_str()),
            "no inline or eval'd script but the player's import map"
        );
        assert_eq!(of(&p.tube, "default-src"), Some(own));
        assert_eq!(of(&p.tube, "object-src"), Some("'none'"));
        assert_eq!(
            of(&p.tube, "img-src"),
            Some(format!("{own} data: blob:").as_str())
        );
        assert_eq!(
            of(&p.tube, "media-src"),
            Some(format!("{own} blob: https:").as_str())
        );
        assert_eq!(
            of(&p.tube, "connect-src"),
            Some(format!("{own} https: wss:").as_str())
        );
        assert_eq!(
            of(&p.tube, "worker-src"),
            Some(format!("{own} blob:").as_str())
        );
        assert_eq!(of(&p.tube, "frame-ancestors"), Some("'none'"));
        assert_eq!(
            of(&p.embed, "frame-ancestors"),
            None,
            "any site may frame the embed"
        );
        assert_eq!(of(&p.embed, "media-src"), of(&p.tube, "media-src"));
        assert_eq!(of(&p.pages, "script-src"), Some(own));
        assert_eq!(
            of(&p.pages, "img-src"),
            Some(format!("{own} data: blob: https: https://tiles.example:8443").as_str())
        );
        assert_eq!(
            of(&p.pages, "frame-src"),
            Some(format!("{own} https:").as_str())
        );
        assert_eq!(of(&p.pages, "connect-src"), Some(own));
        assert_eq!(of(&p.pages, "frame-ancestors"), Some("'none'"));
        assert_eq!(of(&p.preview, "frame-ancestors"), Some("'self'"));
        s.federation.allow_insecure = true;
        let insecure = Policies::from_settings(&s);
        assert_eq!(
            of(&insecure.tube, "media-src"),
            Some(format!("{own} blob: https: http:").as_str())
        );
        assert_eq!(
            origin_of("https://a.example/x?y"),
            Some("https://a.example".into())
        );
        assert_eq!(origin_of("https://{s}.tile.example/{z}"), None);
        assert_eq!(origin_of("not a url"), None);
    }
}

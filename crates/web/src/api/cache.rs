//! Anonymous answers of the catalogue's GETs (video lists, a video, search, channels,
//! accounts, playlists, comment threads), kept for a moment: the same request answered again is
//! one map lookup instead of its queries and its JSON. An answer is used again only while this
//! process has committed no write since it was made (`Store::writes`) and for at most
//! [`MAX_AGE`] (other processes' writes, counters); past that age, while one request makes it
//! again, the others are given the one before for at most [`STALE_AGE`], so a page's refresh
//! costs one request's wait, not every client's. Stale answers are made again by at most half
//! the processors at once ([`refreshers`]): answers kept together grow old together, and forty
//! searches refreshed in the same instant took every reader and processor from the requests
//! that had nothing to wait for (bench/api/lists.py, search's p99). One request at a time makes
//! a missing answer; those asking meanwhile wait for it. Only `200` JSON answers to requests with no credentials
//! (no `Authorization`, no cookie, no video password) are kept: whoever is logged in, or may see
//! more than anyone, is always answered afresh.

use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long an answer may be served again, whatever else happens.
pub const MAX_AGE: Duration = Duration::from_secs(2);
/// How old an answer may be when given while the next one is being made.
pub const STALE_AGE: Duration = Duration::from_secs(10);
/// The most bytes kept; past it the cache starts afresh.
const MAX_BYTES: usize = 8 * 1024 * 1024;
/// The largest answer kept.
const MAX_ANSWER: usize = 512 * 1024;
/// How many stale answers may be made again at the same time, half the processors (at least
/// one); the others are served stale meanwhile, at most [`STALE_AGE`] old.
fn refreshers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
}

struct Entry {
    writes: u64,
    made: Instant,
    body: Bytes,
}

/// What the cache holds for a request.
enum Found {
    Fresh(Bytes),
    /// Nothing was written since, but it is older than [`MAX_AGE`].
    Stale(Bytes),
    Missing,
}

pub struct AnswerCache {
    map: Mutex<(HashMap<String, Entry>, usize)>,
    /// The answers being made, one maker each.
    flights: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Room for the stale answers being made again.
    refreshers: Arc<tokio::sync::Semaphore>,
}

impl Default for AnswerCache {
    fn default() -> Self {
        AnswerCache {
            map: Default::default(),
            flights: Default::default(),
            refreshers: Arc::new(tokio::sync::Semaphore::new(refreshers())),
        }
    }
}

/// Ends a flight when its maker is done or gone (a client that hung up drops its request).
struct Landing<'a> {
    cache: &'a AnswerCache,
    key: &'a str,
}

impl Drop for Landing<'_> {
    fn drop(&mut self) {
        if let Ok(mut f) = self.cache.flights.lock() {
            f.remove(self.key);
        }
    }
}

impl AnswerCache {
    fn find(&self, key: &str, writes: u64) -> Found {
        let Ok(map) = self.map.lock() else {
            return Found::Missing;
        };
        match map.0.get(key) {
            Some(e) if e.writes == writes && e.made.elapsed() < MAX_AGE => {
                Found::Fresh(e.body.clone())
            }
            Some(e) if e.writes == writes && e.made.elapsed() < STALE_AGE => {
                Found::Stale(e.body.clone())
            }
            _ => Found::Missing,
        }
    }

    #[cfg(test)]
    fn get(&self, key: &str, writes: u64) -> Option<Bytes> {
        match self.find(key, writes) {
            Found::Fresh(b) => Some(b),
            _ => None,
        }
    }

    /// The lock of `key`'s flight, made if none is under way.
    fn flight(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut f = self.flights.lock().unwrap_or_else(|e| e.into_inner());
        // Bounded: a flood of distinct keys cannot grow it without end.
        if f.len() > 10_000 {
            f.clear();
        }
        f.entry(key.to_string()).or_default().clone()
    }

    /// The right to make `key`'s stale answer again: its flight and room among the
    /// [`refreshers`], or none if either is taken.
    fn refresh(
        &self,
        key: &str,
    ) -> Option<(
        tokio::sync::OwnedMutexGuard<()>,
        tokio::sync::OwnedSemaphorePermit,
    )> {
        let room = self.refreshers.clone().try_acquire_owned().ok()?;
        let flight = self.flight(key).try_lock_owned().ok()?;
        Some((flight, room))
    }

    fn put(&self, key: String, writes: u64, body: Bytes) {
        let Ok(mut map) = self.map.lock() else {
            return;
        };
        let (entries, bytes) = &mut *map;
        let size = |k: &String, e: &Entry| k.len() + e.body.len();
        if *bytes + body.len() + key.len() > MAX_BYTES {
            // Room: first what can no longer be served, then everything.
            entries.retain(|_, e| e.writes == writes && e.made.elapsed() < STALE_AGE);
            *bytes = entries.iter().map(|(k, e)| size(k, e)).sum();
            if *bytes + body.len() + key.len() > MAX_BYTES {
                entries.clear();
                *bytes = 0;
            }
        }
        let key_len = key.len();
        *bytes += body.len() + key_len;
        if let Some(old) = entries.insert(
            key,
            Entry {
                writes,
                made: Instant::now(),
                body,
            },
        ) {
            *bytes = bytes.saturating_sub(old.body.len() + key_len);
        }
    }
}

/// What the cache keeps of an answer: its bytes in a buffer of their size. A JSON answer is
/// written into a buffer that doubles as it grows, and `Bytes` keeps all of it: kept as is, the
/// cache's [`MAX_BYTES`] held up to twice as much memory.
fn kept(body: &Bytes) -> Bytes {
    Bytes::copy_from_slice(body)
}

/// The catalogue's read paths whose anonymous answers are the same for everyone.
fn cacheable(path: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "/api/v1/videos",
        "/api/v1/search/",
        "/api/v1/video-channels",
        "/api/v1/accounts",
        "/api/v1/video-playlists",
    ];
    PREFIXES.iter().any(|p| path.starts_with(p))
}

/// Whether the request carries anything that may make its answer its own.
fn anonymous(req: &Request) -> bool {
    let h = req.headers();
    !h.contains_key(header::AUTHORIZATION)
        && !h.contains_key(header::COOKIE)
        && !h.contains_key("x-peertube-video-password")
}

fn json_answer(body: Bytes) -> Response {
    let mut res = (StatusCode::OK, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

/// The middleware: answers from the cache when it can, fills it when it may.
pub async fn layer(State(st): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::GET || !cacheable(req.uri().path()) || !anonymous(&req) {
        return next.run(req).await;
    }
    let key = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let cache = &st.answers;
    let (flight, _refreshing) = match cache.find(&key, st.tube.store.writes()) {
        Found::Fresh(body) => return json_answer(body),
        // Someone is making the next one, or enough others are being made: this one will do
        // meanwhile.
        Found::Stale(body) => match cache.refresh(&key) {
            Some((flight, room)) => (flight, Some(room)),
            None => return json_answer(body),
        },
        Found::Missing => (cache.flight(&key).lock_owned().await, None),
    };
    let _landing = Landing { cache, key: &key };
    // Read again once ours: whoever held the flight before may have made it.
    let writes = st.tube.store.writes();
    if let Found::Fresh(body) = cache.find(&key, writes) {
        return json_answer(body);
    }
    let res = next.run(req).await;
    let answer = keep(cache, &key, writes, res).await;
    drop(flight);
    answer
}

/// Keeps `res` under `key` if it may be, and gives it on.
async fn keep(cache: &AnswerCache, key: &str, writes: u64, res: Response) -> Response {
    let json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let small = axum::body::HttpBody::size_hint(res.body())
        .exact()
        .is_some_and(|n| n <= MAX_ANSWER as u64);
    if res.status() != StatusCode::OK
        || !json
        || !small
        || res.headers().contains_key(header::SET_COOKIE)
    {
        return res;
    }
    let (parts, body) = res.into_parts();
    match axum::body::to_bytes(body, MAX_ANSWER).await {
        Ok(bytes) => {
            cache.put(key.to_string(), writes, kept(&bytes));
            Response::from_parts(parts, Body::from(bytes))
        }
        // A body of known length already in memory does not fail to read.
        Err(e) => {
            crate::error::ApiError(ruche_tube::TubeError::Internal(e.to_string())).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_served_again_only_while_nothing_was_written() {
        let c = AnswerCache::default();
        c.put("/api/v1/videos".into(), 7, Bytes::from_static(b"{}"));
        assert_eq!(c.get("/api/v1/videos", 7).as_deref(), Some(&b"{}"[..]));
        assert_eq!(c.get("/api/v1/videos", 8), None);
        assert_eq!(c.get("/api/v1/videos?count=1", 7), None);
    }

    #[tokio::test]
    async fn one_request_makes_a_missing_answer_while_the_others_wait() {
        let c = AnswerCache::default();
        let first = c.flight("/k").lock_owned().await;
        assert!(c.flight("/k").try_lock_owned().is_err(), "one maker");
        assert!(c.flight("/other").try_lock_owned().is_ok());
        {
            let _landing = Landing {
                cache: &c,
                key: "/k",
            };
        }
        drop(first);
        assert!(c.flights.lock().unwrap().get("/k").is_none(), "landed");
    }

    #[test]
    fn room_is_made_first_from_what_can_no_longer_be_served() {
        let c = AnswerCache::default();
        let big = Bytes::from(vec![b'x'; MAX_ANSWER]);
        for i in 0..(MAX_BYTES / MAX_ANSWER) - 2 {
            c.put(format!("/old{i}"), 1, big.clone());
        }
        c.put("/fresh".into(), 2, big.clone());
        c.put("/also".into(), 2, big.clone());
        c.put("/third".into(), 2, big.clone());
        assert!(
            c.get("/fresh", 2).is_some(),
            "kept: only what was written since went"
        );
        assert!(c.get("/third", 2).is_some());
        assert_eq!(c.map.lock().unwrap().0.len(), 3);
    }

    #[test]
    fn an_answer_is_kept_in_a_buffer_of_its_size() {
        let mut grown = Vec::with_capacity(64 * 1024);
        grown.extend_from_slice(b"{\"total\":1}");
        let answer = Bytes::from(grown);
        let k = kept(&answer);
        assert_eq!(k, answer);
        // Not a view into the 64 KiB the answer was written in.
        let inside = answer.as_ptr() as usize..answer.as_ptr() as usize + 64 * 1024;
        assert!(!inside.contains(&(k.as_ptr() as usize)));
    }

    #[tokio::test]
    async fn only_so_many_stale_answers_are_made_again_at_once() {
        let c = AnswerCache::default();
        let first = c.refresh("/k0").expect("room");
        assert!(c.refresh("/k0").is_none(), "one maker per answer");
        let others: Vec<_> = (1..refreshers())
            .map(|i| c.refresh(&format!("/k{i}")).expect("room"))
            .collect();
        assert!(c.refresh("/other").is_none(), "served stale meanwhile");
        drop(first);
        assert!(c.refresh("/other").is_some(), "room again");
        drop(others);
    }

    #[test]
    fn the_cache_stays_within_its_bytes() {
        let c = AnswerCache::default();
        let big = Bytes::from(vec![b'x'; MAX_ANSWER]);
        for i in 0..(MAX_BYTES / MAX_ANSWER) * 3 {
            c.put(format!("/k{i}"), 1, big.clone());
            assert!(c.map.lock().unwrap().1 <= MAX_BYTES);
        }
    }
}

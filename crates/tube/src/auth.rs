//! Authentication: argon2id passwords, PeerTube's OAuth2 password and refresh-token grants with
//! opaque bearer tokens, and browser sessions. Only SHA-256 hashes of tokens and session ids
//! are stored, so a database leak does not leak live credentials.

use crate::limiter::address_key;
use crate::{Tube, TubeError, TubeResult};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use ruche_domain::ids::random_hex;
use ruche_domain::user::RegistrationState;
use ruche_store::now_ms;
use ruche_store::users::{self, User};
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

/// PeerTube's lifetimes: access tokens a day, refresh tokens two weeks.
pub const ACCESS_TTL_MS: i64 = 24 * 3600 * 1000;
pub const REFRESH_TTL_MS: i64 = 14 * 24 * 3600 * 1000;
/// Browser sessions last as long as a refresh token.
pub const SESSION_TTL_MS: i64 = REFRESH_TTL_MS;
/// PeerTube's minimum password length.
pub const MIN_PASSWORD_LEN: usize = 6;

/// The password-hashing slots: argon2id is slow and takes 19 MiB on purpose, so at most one hash
/// or verification per core runs at once, off the async threads. Others wait in a bounded queue
/// for a bounded time, then get `Busy` (503 with `Retry-After`): a flood of guesses costs a
/// queue, never a thread and 19 MiB each.
pub struct Hashing {
    slots: Arc<Semaphore>,
    /// The threads that hash, one per slot, started on first use.
    threads: std::sync::OnceLock<std::sync::mpsc::Sender<HashJob>>,
    count: usize,
    waiting: AtomicUsize,
    max_waiting: usize,
    wait: Duration,
}

/// One hash or verification, for a hashing thread.
type HashJob = Box<dyn FnOnce() + Send>;

/// How much less the hashing threads weigh than the others to the kernel's scheduler (their
/// nice value): when guesses keep every slot busy, pages and the API still get the cores first,
/// and a login waits longer instead (as ffmpeg runs under `nice`).
const HASH_NICE: i32 = 10;

/// Requests that may wait for a hashing slot, per slot.
const WAITING_PER_SLOT: usize = 64;

impl Hashing {
    /// `slots` at once (the cores, by default), waiting at most `wait` for one.
    pub fn new(slots: usize, wait: Duration) -> Hashing {
        let slots = slots.max(1);
        Hashing {
            slots: Arc::new(Semaphore::new(slots)),
            threads: std::sync::OnceLock::new(),
            count: slots,
            waiting: AtomicUsize::new(0),
            max_waiting: slots * WAITING_PER_SLOT,
            wait,
        }
    }

    /// One slot per core of this machine but one (and at least one): a flood of password
    /// guesses keeps the hashing slots busy, and a core is left to serve everything else.
    pub fn per_core(wait: Duration) -> Hashing {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Hashing::new(cores.saturating_sub(1).max(1), wait)
    }

    /// `Busy` if the queue is full now: checked before the database is read for a login, so
    /// that guesses arriving past the queue cost nothing more than this (they read a user or
    /// two each, and a flood of them kept the database's read pool from the pages).
    pub fn room(&self) -> TubeResult<()> {
        if self.waiting.load(Ordering::Relaxed) >= self.max_waiting {
            return Err(self.busy());
        }
        Ok(())
    }

    fn busy(&self) -> TubeError {
        TubeError::Busy {
            retry_after_secs: self.wait.as_secs().clamp(1, 5),
        }
    }

    /// Runs `work` on the blocking pool once a slot is free. The slot is held by the blocking
    /// task itself, so a request dropped mid-hash (its client gone) still holds it until the
    /// hash ends: the number of hashes running never exceeds the slots.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> TubeResult<T> {
        struct Waiting<'a>(&'a AtomicUsize);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::Relaxed);
            }
        }
        let queued = Waiting(&self.waiting);
        if self.waiting.fetch_add(1, Ordering::Relaxed) >= self.max_waiting {
            return Err(self.busy());
        }
        let slot = tokio::time::timeout(self.wait, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| self.busy())?
            .map_err(|e| TubeError::Internal(e.to_string()))?;
        drop(queued);
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: HashJob = Box::new(move || {
            let _slot = slot;
            let _ = tx.send(work());
        });
        self.threads()
            .send(job)
            .map_err(|_| TubeError::Internal("the hashing threads are gone".into()))?;
        rx.await
            .map_err(|_| TubeError::Internal("a password hash failed".into()))
    }

    /// The hashing threads' queue, starting them (one per slot, at a lower priority) on first
    /// use. A job that panics fails its request only: its thread goes on with the next.
    fn threads(&self) -> &std::sync::mpsc::Sender<HashJob> {
        self.threads.get_or_init(|| {
            let (tx, rx) = std::sync::mpsc::channel::<HashJob>();
            let rx = Arc::new(std::sync::Mutex::new(rx));
            for n in 0..self.count {
                let rx = rx.clone();
                let started = std::thread::Builder::new()
                    .name(format!("ruche-hash-{n}"))
                    .spawn(move || {
                        lower_priority();
                        loop {
                            let job = {
                                let rx = rx.lock().unwrap_or_else(|p| p.into_inner());
                                rx.recv()
                            };
                            let Ok(job) = job else { return };
                            // The job's answer is dropped with it: its request gets an error.
                            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                        }
                    });
                if let Err(e) = started {
                    tracing::error!("cannot start a password-hashing thread: {e}");
                }
            }
            tx
        })
    }
}

/// Makes the calling thread weigh [`HASH_NICE`] less to the scheduler (Linux: a thread's own
/// nice value). Failing that, it hashes at the usual priority.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: gettid and setpriority take no pointers and only read their arguments.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        if libc::setpriority(libc::PRIO_PROCESS, tid, HASH_NICE) != 0 {
            tracing::debug!("the hashing thread keeps its priority");
        }
    }
}

/// Hashes a password with argon2id, in a hashing slot.
pub async fn hash_password(tube: &Tube, password: &str) -> TubeResult<String> {
    let password = password.to_owned();
    tube.hashing
        .run(move || {
            Argon2::default()
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| TubeError::Internal(format!("password hashing failed: {e}")))
        })
        .await?
}

/// Whether `password` matches `hash`, checked in a hashing slot (`Busy` when none came free).
pub async fn verify_password(tube: &Tube, hash: &str, password: &str) -> TubeResult<bool> {
    let (hash, password) = (hash.to_owned(), password.to_owned());
    tube.hashing
        .run(move || {
            PasswordHash::new(&hash)
                .map(|h| {
                    Argon2::default()
                        .verify_password(password.as_bytes(), &h)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await
}

/// What an unknown login is checked against, so that it costs one argon2 verification like a
/// known one (no timing oracle of who has an account). Made once, with the parameters every
/// stored hash is made with.
async fn dummy_hash(tube: &Tube) -> TubeResult<&'static str> {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_try_init(|| async { hash_password(tube, &random_hex(16)).await })
        .await
        .map(String::as_str)
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// The instance's one OAuth client (`GET /api/v1/oauth-clients/local`), made on first use.
pub async fn local_client(tube: &Tube) -> TubeResult<(String, String)> {
    if let Some(known) = tube.local_client.get() {
        return Ok(known.clone());
    }
    let pair = read_or_make_local_client(tube).await?;
    Ok(tube.local_client.get_or_init(|| pair).clone())
}

async fn read_or_make_local_client(tube: &Tube) -> TubeResult<(String, String)> {
    // Read first: every token request asks, and a write transaction each would let a flood of
    // them (bad clients included, before any rate limit) queue on the database's writer.
    let mut c = tube.store.read().await?;
    let id = users::kv_get(c.ex(), "oauth_client_id").await?;
    let secret = users::kv_get(c.ex(), "oauth_client_secret").await?;
    drop(c);
    if let (Some(id), Some(secret)) = (id, secret) {
        return Ok((id, secret));
    }
    let mut tx = tube.store.begin().await?;
    let id = users::kv_get_or_insert(tx.ex(), "oauth_client_id", &random_hex(16)).await?;
    let secret = users::kv_get_or_insert(tx.ex(), "oauth_client_secret", &random_hex(16)).await?;
    tx.commit().await?;
    Ok((id, secret))
}

/// A token pair as `POST /api/v1/users/token` returns it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TokenPair {
    pub token_type: &'static str,
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
    pub refresh_token_expires_in: i64,
}

async fn check_client(tube: &Tube, client_id: &str, client_secret: &str) -> TubeResult<()> {
    let (id, secret) = local_client(tube).await?;
    if id != client_id || secret != client_secret {
        return Err(TubeError::BadRequest("Invalid client".into()));
    }
    Ok(())
}

async fn issue(tube: &Tube, user_id: i64) -> TubeResult<TokenPair> {
    let access = random_hex(20);
    let refresh = random_hex(20);
    let now = now_ms();
    let mut tx = tube.store.begin().await?;
    users::insert_token(
        tx.ex(),
        user_id,
        &sha256_hex(&access),
        &sha256_hex(&refresh),
        now + ACCESS_TTL_MS,
        now + REFRESH_TTL_MS,
    )
    .await?;
    tx.commit().await?;
    Ok(TokenPair {
        token_type: "Bearer",
        access_token: access,
        refresh_token: refresh,
        expires_in: ACCESS_TTL_MS / 1000 - 1,
        refresh_token_expires_in: REFRESH_TTL_MS / 1000 - 1,
    })
}

/// A sign-up request that has not become a user: still waiting for a moderator, or refused
/// (with the moderator's answer, if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unapproved {
    Pending,
    Rejected(Option<String>),
}

/// Whom a login with the right password is.
#[derive(Debug)]
pub enum LoggedIn {
    User(User),
    /// No user has this name or address, but a sign-up request does, and the password is its
    /// own: its author may be told where it stands (anyone else learns nothing, as for an
    /// unknown name: no oracle of who asked to join).
    Unapproved(Unapproved),
}

/// The per-account key of a login: as typed, trimmed and lowercased (the username and the
/// e-mail address of one account are two keys, so that the limit says nothing of which
/// address belongs to which name).
pub(crate) fn account_key(login: &str) -> String {
    login.trim().to_lowercase()
}

/// Checks a login (username or e-mail) and password from the client at `from`, under the rate
/// limits: per client address (a success gives its attempt back), and per account (failures
/// only; a success clears them — past the limit the account is refused whatever the password,
/// else the limit would stop nothing). Known and unknown logins cost one argon2 verification
/// each. Blocked users cannot log in.
pub async fn log_in(
    tube: &Tube,
    from: IpAddr,
    login: &str,
    password: &str,
) -> TubeResult<LoggedIn> {
    let addr = address_key(from);
    let account = account_key(login);
    let rates = &tube.rates;
    rates.login.check(&addr)?;
    if let Err(wait) = rates.account.check(&account) {
        // Not this client's guess: its own budget is untouched.
        rates.login.refund(&addr);
        return Err(wait.into());
    }
    let checked = match tube.hashing.room() {
        Ok(()) => check_password(tube, login.trim(), password).await,
        Err(busy) => Err(busy),
    };
    match &checked {
        Ok(found) => {
            rates.login.refund(&addr);
            rates.account.reset(&account);
            if let LoggedIn::User(u) = found {
                rates.account.reset(&account_key(&u.username));
                rates.account.reset(&account_key(&u.email));
            }
        }
        Err(TubeError::InvalidGrant(_)) => {}
        // Not a guess that was checked (busy, the database): nothing is counted.
        Err(_) => {
            rates.login.refund(&addr);
            rates.account.refund(&account);
        }
    }
    let found = checked?;
    match found {
        LoggedIn::User(u) if u.blocked => Err(TubeError::InvalidGrant("User is blocked.".into())),
        found => Ok(found),
    }
}

/// One argon2 verification whoever `login` is: a user's hash, else a sign-up request's, else
/// the dummy's.
async fn check_password(tube: &Tube, login: &str, password: &str) -> TubeResult<LoggedIn> {
    enum Holder {
        User(User),
        Request(Unapproved),
        Nobody,
    }
    let mut c = tube.store.read().await?;
    let (holder, hash) = match users::user_by_login(c.ex(), login).await? {
        Some(u) => {
            let hash = u.password_hash.clone();
            (Holder::User(u), Some(hash))
        }
        None => match users::registration_by_login(c.ex(), login).await? {
            Some(r) if r.state == RegistrationState::Pending => {
                (Holder::Request(Unapproved::Pending), Some(r.password_hash))
            }
            Some(r) if r.state == RegistrationState::Rejected => (
                Holder::Request(Unapproved::Rejected(
                    r.moderation_response
                        .filter(|m| !m.trim().is_empty())
                        .map(|m| m.trim().to_string()),
                )),
                Some(r.password_hash),
            ),
            _ => (Holder::Nobody, None),
        },
    };
    drop(c);
    let hash = match hash {
        Some(h) => h,
        None => dummy_hash(tube).await?.to_string(),
    };
    let ok = !login.is_empty() && verify_password(tube, &hash, password).await?;
    match holder {
        Holder::User(u) if ok => Ok(LoggedIn::User(u)),
        Holder::Request(state) if ok => Ok(LoggedIn::Unapproved(state)),
        _ => Err(TubeError::InvalidGrant("Invalid credentials".into())),
    }
}

/// The password grant, for the client at `from`.
pub async fn password_grant(
    tube: &Tube,
    from: IpAddr,
    client_id: &str,
    client_secret: &str,
    username: &str,
    password: &str,
) -> TubeResult<TokenPair> {
    check_client(tube, client_id, client_secret).await?;
    match log_in(tube, from, username, password).await? {
        LoggedIn::User(user) => issue(tube, user.id).await,
        LoggedIn::Unapproved(_) => Err(TubeError::InvalidGrant("Invalid credentials".into())),
    }
}

/// The refresh-token grant: the old pair is revoked, a new one issued. Limited with the logins
/// of the client at `from` (a success gives its attempt back).
pub async fn refresh_grant(
    tube: &Tube,
    from: IpAddr,
    client_id: &str,
    client_secret: &str,
    refresh_token: &str,
) -> TubeResult<TokenPair> {
    check_client(tube, client_id, client_secret).await?;
    let addr = address_key(from);
    tube.rates.login.check(&addr)?;
    let r = refresh(tube, refresh_token).await;
    if !matches!(r, Err(TubeError::InvalidGrant(_))) {
        tube.rates.login.refund(&addr);
    }
    r
}

async fn refresh(tube: &Tube, refresh_token: &str) -> TubeResult<TokenPair> {
    let mut tx = tube.store.begin().await?;
    let token = users::token_by_refresh(tx.ex(), &sha256_hex(refresh_token)).await?;
    let token = match token {
        Some(t) if t.refresh_expires_at > now_ms() => t,
        _ => return Err(TubeError::InvalidGrant("Invalid refresh token".into())),
    };
    users::delete_token(tx.ex(), token.id).await?;
    tx.commit().await?;
    issue(tube, token.user_id).await
}

/// The user a bearer access token belongs to, if it is valid and unexpired.
pub async fn user_from_bearer(tube: &Tube, access_token: &str) -> TubeResult<Option<User>> {
    let mut c = tube.store.read().await?;
    match users::token_by_access(c.ex(), &sha256_hex(access_token)).await? {
        Some(t) if t.access_expires_at > now_ms() => {
            let u = users::user_by_id(c.ex(), t.user_id).await?;
            Ok((!u.blocked).then_some(u))
        }
        _ => Ok(None),
    }
}

/// Revokes the pair an access token belongs to.
pub async fn revoke(tube: &Tube, access_token: &str) -> TubeResult<()> {
    let mut tx = tube.store.begin().await?;
    if let Some(t) = users::token_by_access(tx.ex(), &sha256_hex(access_token)).await? {
        users::delete_token(tx.ex(), t.id).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Opens a browser session; returns the cookie value.
pub async fn open_session(tube: &Tube, user_id: i64) -> TubeResult<String> {
    let id = random_hex(24);
    let mut tx = tube.store.begin().await?;
    users::insert_session(
        tx.ex(),
        &sha256_hex(&id),
        user_id,
        &random_hex(16),
        now_ms() + SESSION_TTL_MS,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The user of a session cookie and the session's CSRF token.
pub async fn session_user(tube: &Tube, cookie: &str) -> TubeResult<Option<(User, String)>> {
    let mut c = tube.store.read().await?;
    match users::session(c.ex(), &sha256_hex(cookie)).await? {
        Some(s) if s.expires_at > now_ms() => {
            let u = users::user_by_id(c.ex(), s.user_id).await?;
            Ok((!u.blocked).then_some((u, s.csrf)))
        }
        _ => Ok(None),
    }
}

pub async fn close_session(tube: &Tube, cookie: &str) -> TubeResult<()> {
    let mut tx = tube.store.begin().await?;
    users::delete_session(tx.ex(), &sha256_hex(cookie)).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_hashing_queue_is_said_before_any_work_and_a_panic_fails_one_job() {
        let hashing = Arc::new(Hashing::new(1, Duration::from_secs(60)));
        // A job that panics fails its request; the thread goes on.
        let failed = hashing.run(|| panic!("a broken hash")).await;
        assert!(matches!(failed, Err(TubeError::Internal(_))), "{failed:?}");
        assert_eq!(hashing.run(|| 7).await.ok(), Some(7));
        // Every queue place taken (as by that many requests waiting for the slot): said before
        // any work, and a request arriving then is refused without running.
        assert!(hashing.room().is_ok());
        hashing
            .waiting
            .store(hashing.max_waiting, Ordering::Relaxed);
        assert!(matches!(hashing.room(), Err(TubeError::Busy { .. })));
        let ran = Arc::new(AtomicBool::new(false));
        let flag = ran.clone();
        let refused = hashing
            .run(move || flag.store(true, Ordering::Relaxed))
            .await;
        assert!(
            matches!(refused, Err(TubeError::Busy { .. })),
            "{refused:?}"
        );
        assert!(!ran.load(Ordering::Relaxed));
        hashing.waiting.store(0, Ordering::Relaxed);
        assert!(hashing.room().is_ok());
    }
}

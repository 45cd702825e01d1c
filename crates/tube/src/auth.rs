//! Authentication: argon2id passwords, PeerTube's OAuth2 password and refresh-token grants with
//! opaque bearer tokens, and browser sessions. Only SHA-256 hashes of tokens and session ids
//! are stored, so a database leak does not leak live credentials.

use crate::{Tube, TubeError, TubeResult};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use ruche_domain::ids::random_hex;
use ruche_store::now_ms;
use ruche_store::users::{self, User};
use sha2::{Digest, Sha256};

/// PeerTube's lifetimes: access tokens a day, refresh tokens two weeks.
pub const ACCESS_TTL_MS: i64 = 24 * 3600 * 1000;
pub const REFRESH_TTL_MS: i64 = 14 * 24 * 3600 * 1000;
/// Browser sessions last as long as a refresh token.
pub const SESSION_TTL_MS: i64 = REFRESH_TTL_MS;
/// PeerTube's minimum password length.
pub const MIN_PASSWORD_LEN: usize = 6;

/// Hashes a password with argon2id off the async threads (it is slow on purpose).
pub async fn hash_password(password: &str) -> TubeResult<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| TubeError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| TubeError::Internal(e.to_string()))?
}

pub async fn verify_password(hash: &str, password: &str) -> bool {
    let (hash, password) = (hash.to_owned(), password.to_owned());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// The instance's one OAuth client (`GET /api/v1/oauth-clients/local`), made on first use.
pub async fn local_client(tube: &Tube) -> TubeResult<(String, String)> {
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

/// Checks a username (or email) and password; blocked users cannot log in.
pub async fn check_credentials(tube: &Tube, login: &str, password: &str) -> TubeResult<User> {
    let mut c = tube.store.read().await?;
    let user = users::user_by_login(c.ex(), login).await?;
    drop(c);
    match user {
        Some(u) if verify_password(&u.password_hash, password).await => {
            if u.blocked {
                Err(TubeError::InvalidGrant("User is blocked.".into()))
            } else {
                Ok(u)
            }
        }
        _ => Err(TubeError::InvalidGrant("Invalid credentials".into())),
    }
}

/// A sign-up request that has not become a user: still waiting for a moderator, or refused
/// (with the moderator's answer, if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unapproved {
    Pending,
    Rejected(Option<String>),
}

/// Why `login` cannot log in when it is no user but a sign-up request, so the login page can say
/// so instead of "wrong password". Only whoever gives the request's own password learns it
/// (anyone else gets `None`, as for an unknown name: no oracle of who asked to join), and only
/// while no user has this name or address.
pub async fn unapproved_registration(
    tube: &Tube,
    login: &str,
    password: &str,
) -> TubeResult<Option<Unapproved>> {
    let login = login.trim();
    if login.is_empty() || password.is_empty() {
        return Ok(None);
    }
    let mut c = tube.store.read().await?;
    if users::user_by_login(c.ex(), login).await?.is_some() {
        return Ok(None);
    }
    // Newest first: a request made again after a refusal is the one that counts.
    let request = users::registrations(c.ex())
        .await?
        .into_iter()
        .find(|r| r.username.eq_ignore_ascii_case(login) || r.email.eq_ignore_ascii_case(login));
    drop(c);
    let Some(r) = request else {
        return Ok(None);
    };
    let state = match r.state {
        1 => Unapproved::Pending,
        2 => Unapproved::Rejected(
            r.moderation_response
                .filter(|m| !m.trim().is_empty())
                .map(|m| m.trim().to_string()),
        ),
        _ => return Ok(None),
    };
    Ok(verify_password(&r.password_hash, password)
        .await
        .then_some(state))
}

/// The password grant.
pub async fn password_grant(
    tube: &Tube,
    client_id: &str,
    client_secret: &str,
    username: &str,
    password: &str,
) -> TubeResult<TokenPair> {
    check_client(tube, client_id, client_secret).await?;
    let user = check_credentials(tube, username, password).await?;
    issue(tube, user.id).await
}

/// The refresh-token grant: the old pair is revoked, a new one issued.
pub async fn refresh_grant(
    tube: &Tube,
    client_id: &str,
    client_secret: &str,
    refresh_token: &str,
) -> TubeResult<TokenPair> {
    check_client(tube, client_id, client_secret).await?;
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

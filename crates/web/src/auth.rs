//! Who is asking: a bearer token (PeerTube's OAuth) or a browser session cookie. State-changing
//! requests made with the cookie must carry the session's CSRF token (form field `csrf` or
//! header `X-CSRF-Token`); bearer requests need none, as browsers never attach those by
//! themselves.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum_extra::extract::CookieJar;
use ruche_store::users::User;
use ruche_tube::{TubeError, auth};

pub const SESSION_COOKIE: &str = "ruche_session";

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The logged-in user of a browser, if any, with the session's CSRF token.
#[derive(Clone)]
pub struct MaybeUser {
    pub user: Option<User>,
    pub csrf: Option<String>,
}

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(token) = bearer(&parts.headers) {
            let user = auth::user_from_bearer(&state.tube, token).await?;
            return Ok(MaybeUser { user, csrf: None });
        }
        let jar = CookieJar::from_headers(&parts.headers);
        if let Some(c) = jar.get(SESSION_COOKIE)
            && let Some((user, csrf)) = auth::session_user(&state.tube, c.value()).await?
        {
            return Ok(MaybeUser {
                user: Some(user),
                csrf: Some(csrf),
            });
        }
        Ok(MaybeUser {
            user: None,
            csrf: None,
        })
    }
}

/// An authenticated API caller; 401 otherwise, 403 for a cookie request without its CSRF token.
pub struct ApiUser(pub User);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(token) = bearer(&parts.headers) {
            return match auth::user_from_bearer(&state.tube, token).await? {
                Some(u) => Ok(ApiUser(u)),
                None => Err(TubeError::Unauthorized.into()),
            };
        }
        let m = MaybeUser::from_request_parts(parts, state).await?;
        let (Some(user), Some(csrf)) = (m.user, m.csrf) else {
            return Err(TubeError::Unauthorized.into());
        };
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        let sent = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok());
        if !safe && sent != Some(csrf.as_str()) {
            return Err(TubeError::Forbidden("Missing or wrong CSRF token.".into()).into());
        }
        Ok(ApiUser(user))
    }
}

/// Refuses a form post that a browser sent from another site (login CSRF): the
/// `Sec-Fetch-Site` or `Origin` header, when a browser sends one, must say same-origin.
pub fn same_origin(headers: &HeaderMap, public_url: &str) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "same-origin" || site == "none";
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => {
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            origin == public_url
                || origin
                    .split_once("://")
                    .is_some_and(|(_, h)| !host.is_empty() && h == host)
        }
    }
}

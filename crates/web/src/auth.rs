//! Who is asking: a bearer token (PeerTube's OAuth) or a browser session cookie. State-changing
//! requests made with the cookie must carry the session's CSRF token (form field `csrf` or
//! header `X-CSRF-Token`); bearer requests need none, as browsers never attach those by
//! themselves.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum_extra::extract::CookieJar;
use ruche_tube::accounts::User;
use ruche_tube::limiter::{ClientIpHeader, Rates};
use ruche_tube::{TubeError, auth};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

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

/// The video password a viewer sent (`x-peertube-video-password`, as PeerTube's clients send
/// it) and the address it came from; `None` without the header.
pub struct VideoPassword(pub Option<(String, IpAddr)>);

impl VideoPassword {
    pub fn get(&self) -> Option<ruche_tube::videos::Password<'_>> {
        self.0
            .as_ref()
            .map(|(password, from)| ruche_tube::videos::Password {
                password,
                from: *from,
            })
    }
}

impl FromRequestParts<AppState> for VideoPassword {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        st: &AppState,
    ) -> Result<Self, std::convert::Infallible> {
        let Some(p) = parts
            .headers
            .get("x-peertube-video-password")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        else {
            return Ok(VideoPassword(None));
        };
        let ClientAddr(from) = ClientAddr::from_request_parts(parts, st).await?;
        Ok(VideoPassword(Some((p, from))))
    }
}

/// The video of the path's `{id}`, as its caller may see it (a password-protected one given its
/// password), with the caller; refused as [`ruche_tube::videos::find_visible_with`] refuses.
pub struct SeenVideo {
    pub video: ruche_tube::videos::Video,
    pub user: Option<User>,
}

impl FromRequestParts<AppState> for SeenVideo {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        let axum::extract::Path(id) = axum::extract::Path::<String>::from_request_parts(parts, st)
            .await
            .map_err(|_| TubeError::NotFound("video"))?;
        let MaybeUser { user, .. } = MaybeUser::from_request_parts(parts, st).await?;
        let Ok(password) = VideoPassword::from_request_parts(parts, st).await;
        let video =
            ruche_tube::videos::find_visible_with(&st.tube, &id, user.as_ref(), password.get())
                .await?;
        Ok(SeenVideo { video, user })
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

/// The client's address, as the rate limits know it: the peer of the connection, or — only when
/// that peer is one of `rates.trusted_proxies` — the address the proxy says it serves, from the
/// one header it is set to write (`X-Forwarded-For` or `Forwarded`). A client talking to us
/// directly cannot pick its own key with a header.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        st: &AppState,
    ) -> Result<Self, std::convert::Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientAddr(client_addr(
            peer,
            &parts.headers,
            &st.tube.rates,
        )))
    }
}

/// See [`ClientAddr`]. Walking the proxies' list from the nearest hop back, the first address
/// that is not a trusted proxy is the client; a hop that is no address ends the walk (at the
/// last trusted one).
pub fn client_addr(peer: Option<IpAddr>, headers: &HeaderMap, rates: &Rates) -> IpAddr {
    let Some(peer) = peer else {
        // Only when served without connection info (never by `serve`): one shared key.
        return IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    };
    if !rates.trusts(peer) {
        return peer;
    }
    let values = |name: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let hops: Vec<Option<IpAddr>> = match rates.client_ip_header {
        ClientIpHeader::XForwardedFor => values("x-forwarded-for")
            .iter()
            .map(|h| parse_hop(h))
            .collect(),
        ClientIpHeader::Forwarded => values("forwarded")
            .iter()
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, v)| parse_hop(v))
            })
            .collect(),
    };
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = hop else { break };
        client = *ip;
        if !rates.trusts(*ip) {
            break;
        }
    }
    client
}

/// One hop of a proxies' list: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`,
/// `"[2001:db8::1]:4711"`; `unknown` or an obfuscated name is none.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim().trim_matches('"').trim();
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

/// Where a browser may be sent back to (after logging in, or changing language): `target`
/// resolved against our public URL as a browser resolves a link (tabs and newlines dropped,
/// backslashes read as slashes, `//host` and `scheme:` leaving us), kept only when the result
/// is still of our origin, as its path with query and fragment; anything else is `/`.
pub fn same_origin_path(target: Option<&str>, public_url: &str) -> String {
    let home = || "/".to_string();
    let Some(target) = target.filter(|t| !t.is_empty()) else {
        return home();
    };
    let Ok(base) = url::Url::parse(public_url) else {
        return home();
    };
    let Ok(to) = base.join(target) else {
        return home();
    };
    if to.origin() != base.origin() {
        return home();
    }
    let path = &to[url::Position::BeforePath..];
    // A path starting with two slashes (`/.//evil` serialises so) would read as a host.
    if !path.starts_with('/') || path.starts_with("//") || path.starts_with("/\\") {
        return home();
    }
    path.to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use ruche_domain::settings::RatesSettings;

    const BASE: &str = "https://tube.example";

    #[test]
    fn next_stays_on_our_origin() {
        let next = |t: &str| same_origin_path(Some(t), BASE);
        for (given, expected) in [
            ("/my-videos", "/my-videos"),
            ("/w/abc?start=10#comments", "/w/abc?start=10#comments"),
            ("https://tube.example/upload", "/upload"),
            ("my-account", "/my-account"),
            ("/a/../my-sites", "/my-sites"),
            ("/%09/evil.host/x", "/%09/evil.host/x"),
            // Leaving us, however it is spelt: home.
            ("//evil.host/x", "/"),
            ("/\\evil.host/x", "/"),
            ("\\\\evil.host", "/"),
            ("/\t/evil.host/x", "/"),
            ("/\n/evil.host/x", "/"),
            ("\t//evil.host", "/"),
            ("https://evil.host/", "/"),
            ("http://tube.example/", "/"),
            ("https://tube.example:8443/", "/"),
            ("https://tube.example@evil.host/", "/"),
            ("javascript:alert(1)", "/"),
            ("JaVaScRiPt:alert(1)", "/"),
            ("data:text/html,<script>alert(1)</script>", "/"),
            ("/.//evil.host", "/"),
            ("", "/"),
        ] {
            assert_eq!(next(given), expected, "{given:?}");
        }
        assert_eq!(same_origin_path(None, BASE), "/");
        // A newline inside a path of ours is dropped, never put in a header.
        let p = next("/my-videos\r\nSet-Cookie: x=1");
        assert!(!p.contains('\n') && !p.contains('\r'), "{p:?}");
        assert!(p.starts_with("/my-videos"), "{p:?}");
    }

    fn rates(trusted: &[&str], header: &str) -> Rates {
        Rates::new(&RatesSettings {
            trusted_proxies: trusted.iter().map(|t| t.to_string()).collect(),
            client_ip_header: header.into(),
            ..Default::default()
        })
        .unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_headers_only_from_trusted_proxies() {
        let none = rates(&[], "x-forwarded-for");
        let spoof = headers(&[("x-forwarded-for", "1.2.3.4"), ("forwarded", "for=1.2.3.4")]);
        // Nobody trusted: the header is the client's own word, ignored.
        assert_eq!(
            client_addr(Some(ip("203.0.113.9")), &spoof, &none),
            ip("203.0.113.9")
        );
        let proxy = rates(&["127.0.0.1", "10.0.0.0/8"], "x-forwarded-for");
        // A trusted proxy: the nearest address that is not a proxy.
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.1.2.3")]);
        assert_eq!(
            client_addr(Some(ip("127.0.0.1")), &h, &proxy),
            ip("198.51.100.7")
        );
        // Two header lines are one list.
        let h = headers(&[
            ("x-forwarded-for", "6.6.6.6"),
            ("x-forwarded-for", "198.51.100.8"),
        ]);
        assert_eq!(
            client_addr(Some(ip("127.0.0.1")), &h, &proxy),
            ip("198.51.100.8")
        );
        // The same header from an untrusted peer: ignored.
        assert_eq!(
            client_addr(Some(ip("192.0.2.1")), &h, &proxy),
            ip("192.0.2.1")
        );
        // No header behind the proxy: the proxy itself.
        assert_eq!(
            client_addr(Some(ip("127.0.0.1")), &HeaderMap::new(), &proxy),
            ip("127.0.0.1")
        );
        // Garbage nearest: stop at the proxy.
        let h = headers(&[("x-forwarded-for", "198.51.100.7, unknown")]);
        assert_eq!(
            client_addr(Some(ip("127.0.0.1")), &h, &proxy),
            ip("127.0.0.1")
        );
        // With a port, or IPv6.
        let h = headers(&[("x-forwarded-for", "198.51.100.7:5000")]);
        assert_eq!(
            client_addr(Some(ip("127.0.0.1")), &h, &proxy),
            ip("198.51.100.7")
        );
        let h = headers(&[("x-forwarded-for", "2001:db8::5")]);
        assert_eq!(
            client_addr(Some(ip("127.0.0.1")), &h, &proxy),
            ip("2001:db8::5")
        );
        // Only the configured header is read: Forwarded is ignored here...
        let h = headers(&[("forwarded", "for=198.51.100.9")]);
        assert_eq!(
            client_addr(Some(ip("127.0.0.1")), &h, &proxy),
            ip("127.0.0.1")
        );
        // ...and read there, X-Forwarded-For then ignored.
        let fwd = rates(&["127.0.0.1"], "forwarded");
        let h = headers(&[
            ("x-forwarded-for", "6.6.6.6"),
            (
                "forwarded",
                "for=6.6.6.6, for=\"[2001:db8:cafe::17]:4711\";proto=https",
            ),
        ]);
        assert_eq!(
            client_addr(Some(ip("127.0.0.1")), &h, &fwd),
            ip("2001:db8:cafe::17")
        );
        let h = headers(&[("forwarded", "for=_hidden")]);
        assert_eq!(
            client_addr(Some(ip("127.0.0.1")), &h, &fwd),
            ip("127.0.0.1")
        );
    }
}

//! The one safe way Ruche fetches a remote URL (oEmbed now, ActivityPub federation later).
//!
//! A URL someone else chose must not turn the server into a proxy into its own network (SSRF),
//! nor hold it with an endless or huge answer. So every fetch here:
//!
//! - speaks https only (plain http too only in [`Policy::allow_insecure`], for tests and dev);
//! - connects only to public addresses: the host is resolved by our own resolver, which refuses
//!   the whole name if any of its addresses is private, loopback, link-local, CGNAT, unique-local,
//!   multicast, reserved or documentation space ([`is_forbidden`]), and the connection goes to
//!   exactly the addresses it checked (no second lookup to rebind); IP literals, which never reach
//!   a resolver, are checked before the request;
//! - follows redirects itself, each hop checked again, at most [`Policy::max_redirects`];
//! - refuses a body above [`Policy::max_bytes`] (early on its `Content-Length`, else while
//!   streaming), and bounds the whole exchange, redirects and body included, by
//!   [`Policy::timeout`];
//! - ignores proxy settings of the environment (a proxy would resolve names where we cannot check).

use bytes::{Bytes, BytesMut};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use url::Host;
pub use url::Url;

/// What a [`Fetcher`] allows.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Allow `http://` and loopback or private targets: tests and development only.
    pub allow_insecure: bool,
    /// The largest body accepted, in bytes.
    pub max_bytes: usize,
    /// The whole request: connection, redirects and body.
    pub timeout: Duration,
    /// Redirects followed at most.
    pub max_redirects: usize,
    pub user_agent: String,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            allow_insecure: false,
            max_bytes: 1024 * 1024,
            timeout: Duration::from_secs(10),
            max_redirects: 3,
            user_agent: concat!("Ruche/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }
}

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("not a valid http(s) URL")]
    BadUrl,
    #[error("only https URLs are fetched")]
    InsecureScheme,
    #[error("refusing to connect to the non-public address {0}")]
    ForbiddenAddress(IpAddr),
    #[error("the answer is too large")]
    TooLarge,
    #[error("the server took too long to answer")]
    Timeout,
    #[error("too many redirects")]
    TooManyRedirects,
    #[error("the server answered with status {0}")]
    Status(u16),
    #[error("network error: {0}")]
    Network(String),
}

/// A successful (2xx) answer.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The URL after redirects.
    pub final_url: Url,
    pub status: u16,
    /// The `Content-Type` header, empty if there was none.
    pub content_type: String,
    pub body: Bytes,
}

/// The `Host` header a request to `url` carries (`host[:port]`, the port only when it is not the
/// scheme's default), which an HTTP signature must cover as sent.
pub fn host_header(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => String::new(),
    }
}

/// A reusable HTTP client bound to a [`Policy`]; cheap to share behind an `Arc`.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    policy: Policy,
}

impl Fetcher {
    pub fn new(policy: Policy) -> Result<Self, FetchError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| FetchError::Network(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .dns_resolver(GuardedResolver {
                allow_insecure: policy.allow_insecure,
            })
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .https_only(!policy.allow_insecure)
            .connect_timeout(policy.timeout)
            .timeout(policy.timeout)
            .user_agent(policy.user_agent.as_str())
            .build()
            .map_err(|e| FetchError::Network(e.to_string()))?;
        Ok(Fetcher { client, policy })
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// GETs `url` with this `Accept` header, following redirects; a non-2xx final answer is
    /// [`FetchError::Status`].
    pub async fn get(&self, url: &str, accept: &str) -> Result<Fetched, FetchError> {
        self.get_signed(url, accept, &|_| Vec::new()).await
    }

    /// As [`Fetcher::get`], with extra headers made for each hop's URL (an HTTP signature covers
    /// the host and path it goes to, so each redirect is signed anew).
    pub async fn get_signed(
        &self,
        url: &str,
        accept: &str,
        headers_for: &(dyn Fn(&Url) -> Vec<(String, String)> + Sync),
    ) -> Result<Fetched, FetchError> {
        tokio::time::timeout(
            self.policy.timeout,
            self.get_unbounded(url, accept, headers_for),
        )
        .await
        .unwrap_or(Err(FetchError::Timeout))
    }

    /// POSTs `body` to `url` with these headers, once: no redirect is followed (a delivery goes
    /// where it was addressed). Bounded by `timeout`; a non-2xx answer is
    /// [`FetchError::Status`].
    pub async fn post(
        &self,
        url: &str,
        headers: Vec<(String, String)>,
        body: Bytes,
        timeout: Duration,
    ) -> Result<u16, FetchError> {
        let url = Url::parse(url.trim()).map_err(|_| FetchError::BadUrl)?;
        self.check_url(&url)?;
        let mut req = self.client.post(url).timeout(timeout).body(body);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        let res = tokio::time::timeout(timeout, req.send())
            .await
            .map_err(|_| FetchError::Timeout)?
            .map_err(network)?;
        let status = res.status().as_u16();
        if !res.status().is_success() {
            return Err(FetchError::Status(status));
        }
        Ok(status)
    }

    async fn get_unbounded(
        &self,
        url: &str,
        accept: &str,
        headers_for: &(dyn Fn(&Url) -> Vec<(String, String)> + Sync),
    ) -> Result<Fetched, FetchError> {
        let mut url = Url::parse(url.trim()).map_err(|_| FetchError::BadUrl)?;
        let mut redirects = 0;
        loop {
            url.set_fragment(None);
            self.check_url(&url)?;
            let mut req = self.client.get(url.clone()).header(ACCEPT, accept);
            for (k, v) in headers_for(&url) {
                req = req.header(k, v);
            }
            let mut res = req.send().await.map_err(network)?;
            let status = res.status();
            if matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
                && let Some(location) = res.headers().get(LOCATION)
            {
                if redirects >= self.policy.max_redirects {
                    return Err(FetchError::TooManyRedirects);
                }
                redirects += 1;
                let location = location.to_str().map_err(|_| FetchError::BadUrl)?;
                url = url.join(location).map_err(|_| FetchError::BadUrl)?;
                continue;
            }
            if !status.is_success() {
                return Err(FetchError::Status(status.as_u16()));
            }
            let max = self.policy.max_bytes;
            if res
                .content_length()
                .is_some_and(|n| n > u64::try_from(max).unwrap_or(u64::MAX))
            {
                return Err(FetchError::TooLarge);
            }
            let content_type = res
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let mut body = BytesMut::new();
            while let Some(chunk) = res.chunk().await.map_err(network)? {
                if body.len().saturating_add(chunk.len()) > max {
                    return Err(FetchError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            return Ok(Fetched {
                final_url: url,
                status: status.as_u16(),
                content_type,
                body: body.freeze(),
            });
        }
    }

    /// The checks made before each hop: scheme, no credentials, a host, and an IP literal's
    /// address (names are checked by the resolver when connecting).
    fn check_url(&self, url: &Url) -> Result<(), FetchError> {
        match url.scheme() {
            "https" => {}
            "http" if self.policy.allow_insecure => {}
            "http" => return Err(FetchError::InsecureScheme),
            _ => return Err(FetchError::BadUrl),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(FetchError::BadUrl);
        }
        let ip = match url.host() {
            None => return Err(FetchError::BadUrl),
            Some(Host::Domain(_)) => return Ok(()),
            Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
        };
        if !self.policy.allow_insecure && is_forbidden(ip) {
            return Err(FetchError::ForbiddenAddress(ip));
        }
        Ok(())
    }
}

/// The resolver's refusal, found again in reqwest's error chain.
#[derive(Debug, thiserror::Error)]
#[error("refusing to connect to the non-public address {0}")]
struct Refused(IpAddr);

/// Resolves with the system resolver, then refuses the name if any address is not public.
struct GuardedResolver {
    allow_insecure: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        let allow_insecure = self.allow_insecure;
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if !allow_insecure && let Some(bad) = addrs.iter().find(|a| is_forbidden(a.ip())) {
                return Err(Box::new(Refused(bad.ip())) as _);
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

fn network(e: reqwest::Error) -> FetchError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(s) = source {
        if let Some(Refused(ip)) = s.downcast_ref::<Refused>() {
            return FetchError::ForbiddenAddress(*ip);
        }
        source = s.source();
    }
    if e.is_timeout() {
        return FetchError::Timeout;
    }
    // reqwest's own message is terse ("error sending request"): add the causes.
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    FetchError::Network(msg)
}

/// Whether `ip` is no place for a fetch chosen by someone else: anything but public unicast.
///
/// IPv4: this network, private, CGNAT, loopback, link-local, IETF protocol assignments,
/// documentation, 6to4 relay, benchmarking, multicast, reserved and broadcast. IPv6: everything
/// outside global unicast `2000::/3` (so unspecified, loopback, IPv4-compatible, discard,
/// unique-local `fc00::/7`, link-local, site-local, multicast), and inside it the IETF
/// assignments `2001::/23` (Teredo among them), documentation `2001:db8::/32` and `3fff::/20`,
/// and 6to4 `2002::/16`. IPv4-mapped `::ffff:a.b.c.d` and NAT64 `64:ff9b::a.b.c.d` are judged by
/// their IPv4 address.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], len: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    const NETS: &[([u8; 4], u32)] = &[
        ([0, 0, 0, 0], 8),       // "this network"
        ([10, 0, 0, 0], 8),      // private
        ([100, 64, 0, 0], 10),   // CGNAT
        ([127, 0, 0, 0], 8),     // loopback
        ([169, 254, 0, 0], 16),  // link-local
        ([172, 16, 0, 0], 12),   // private
        ([192, 0, 0, 0], 24),    // IETF protocol assignments
        ([192, 0, 2, 0], 24),    // TEST-NET-1
        ([192, 88, 99, 0], 24),  // 6to4 relay anycast
        ([192, 168, 0, 0], 16),  // private
        ([198, 18, 0, 0], 15),   // benchmarking
        ([198, 51, 100, 0], 24), // TEST-NET-2
        ([203, 0, 113, 0], 24),  // TEST-NET-3
        ([224, 0, 0, 0], 4),     // multicast
        ([240, 0, 0, 0], 4),     // reserved, broadcast
    ];
    NETS.iter().any(|&(net, len)| in_v4(ip, net, len))
}

fn in_v6(ip: Ipv6Addr, net: [u16; 8], len: u32) -> bool {
    let mask = u128::MAX.checked_shl(128 - len).unwrap_or(0);
    u128::from(ip) & mask == u128::from(Ipv6Addr::from(net)) & mask
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    let embedded_v4 = || Ipv4Addr::from(u32::try_from(u128::from(ip) & 0xffff_ffff).unwrap_or(0));
    if in_v6(ip, [0, 0, 0, 0, 0, 0xffff, 0, 0], 96)
        || in_v6(ip, [0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96)
    {
        return forbidden_v4(embedded_v4());
    }
    if !in_v6(ip, [0x2000, 0, 0, 0, 0, 0, 0, 0], 3) {
        return true;
    }
    const NETS: &[([u16; 8], u32)] = &[
        ([0x2001, 0, 0, 0, 0, 0, 0, 0], 23), // IETF protocol assignments, Teredo
        ([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32), // documentation
        ([0x2002, 0, 0, 0, 0, 0, 0, 0], 16), // 6to4
        ([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20), // documentation
    ];
    NETS.iter().any(|&(net, len)| in_v6(ip, net, len))
}

#[cfg(test)]
mod tests;

/// Makes ring the process's TLS provider, for HTTP clients built elsewhere in the process
/// (reqwest's rustls backend has no provider of its own here). Harmless when one is set.
pub fn install_default_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

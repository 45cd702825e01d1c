//! The one way Ruche writes a host: `host[:port]` of an http(s) URL as the URL standard reads
//! it — lower case, internationalised names in their ASCII form, no user info, the scheme's
//! default port left out. Handles (`name@host`), deliveries grouped by instance, instances'
//! health and the `host` fields of the API all use it, so `https://A.example:443/inbox` and
//! `https://a.example/` are one instance everywhere.

/// `host[:port]` of `url`; `None` unless it is an http(s) URL with a host.
pub fn host_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    if !matches!(u.scheme(), "http" | "https") {
        return None;
    }
    let host = u.host_str()?.to_ascii_lowercase();
    Some(match u.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    })
}

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn one_spelling_per_host() {
        for (url, host) in [
            ("https://a.example/inbox", "a.example"),
            ("https://A.Example:443/inbox", "a.example"),
            ("http://a.example:80", "a.example"),
            ("https://a.example:8443/x", "a.example:8443"),
            ("http://127.0.0.1:9001/a", "127.0.0.1:9001"),
            ("https://user:pw@a.example/x", "a.example"),
            ("https://bücher.example/", "xn--bcher-kva.example"),
            ("http://[::1]:9000/", "[::1]:9000"),
        ] {
            assert_eq!(host_of(url).as_deref(), Some(host), "{url}");
        }
        for bad in ["ftp://a.example/", "a.example", "", "mailto:a@b.example"] {
            assert_eq!(host_of(bad), None, "{bad}");
        }
    }
}

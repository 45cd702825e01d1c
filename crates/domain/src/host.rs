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

/// A host as someone typed it (`Example.org`, `a.example:8443`), spelt as [`host_of`] spells
/// it; `None` if it is not one (a URL, a handle, spaces).
pub fn parse_host(text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty()
        || t.len() > 255
        || t.chars()
            .any(|c| c.is_whitespace() || matches!(c, '/' | '@' | '?' | '#' | '\\'))
    {
        return None;
    }
    let h = host_of(&format!("https://{t}/"))?;
    // One dot at least, or an address or `localhost`: a bare word is no instance.
    (h.contains('.') || h.contains(':') || h.starts_with("localhost")).then_some(h)
}

#[cfg(test)]
mod tests {
    use super::{host_of, parse_host};

    #[test]
    fn hosts_as_typed() {
        assert_eq!(parse_host(" Example.ORG ").as_deref(), Some("example.org"));
        assert_eq!(
            parse_host("a.example:8443").as_deref(),
            Some("a.example:8443")
        );
        assert_eq!(parse_host("a.example:443").as_deref(), Some("a.example"));
        assert_eq!(
            parse_host("127.0.0.1:9001").as_deref(),
            Some("127.0.0.1:9001")
        );
        for bad in [
            "",
            "https://a.example",
            "me@a.example",
            "a example",
            "word",
            "a.example/x",
        ] {
            assert_eq!(parse_host(bad), None, "{bad:?}");
        }
    }

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

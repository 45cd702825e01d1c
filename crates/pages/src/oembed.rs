//! oEmbed, as a consumer: [`discover`] turns a PeerTube (or Ruche) watch URL pasted into a
//! Pages video block into an embed URL. The answer comes from someone else's server, so nothing
//! of its HTML is kept: only the iframe's `src`, and only if it is `{same origin}/videos/embed/{id}`;
//! the embed URL returned is rebuilt from those checked parts. PeerTube's watch URL shapes
//! ([`watch_path`], [`player_query`]) are here, and the web layer's oEmbed provider reads them too.

use ruche_domain::ids::VideoRef;
use ruche_domain::urls;
use ruche_fetch::{FetchError, Fetcher};
use serde::{Deserialize, Serialize};
use url::Url;

/// The player options PeerTube carries from the watch URL's query to the embed URL.
pub const PLAYER_PARAMS: &[&str] = &[
    "start",
    "stop",
    "loop",
    "autoplay",
    "muted",
    "controls",
    "controlBar",
    "title",
    "api",
    "warningTitle",
    "peertubeLink",
    "p2p",
    "subtitle",
    "bigPlayBackgroundColor",
    "mode",
    "foregroundColor",
    "playbackRate",
    "waitPasswordFromEmbedAPI",
    "playlistPosition",
];

/// `?start=…&…`: the player options of `url`'s query, the others dropped; empty if none.
pub fn player_query(url: &Url) -> String {
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| PLAYER_PARAMS.contains(&k.as_ref()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        return String::new();
    }
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.extend_pairs(kept);
    format!("?{}", s.finish())
}

/// What a URL's path names, in PeerTube's watch URL shapes.
#[derive(Debug, PartialEq, Eq)]
pub enum WatchPath<'a> {
    /// `/w/{id}`, `/videos/watch/{id}`, or an embed's `/videos/embed/{id}`.
    Video(&'a str),
    /// `/w/p/{id}`, `/videos/watch/playlist/{id}`, `/video-playlists/embed/{id}`.
    Playlist,
    Other,
}

/// What `url`'s path names.
pub fn watch_path(url: &Url) -> WatchPath<'_> {
    let segments: Vec<&str> = url.path_segments().map(|s| s.collect()).unwrap_or_default();
    match segments.as_slice() {
        ["w", "p", ..] | ["videos", "watch", "playlist", ..] | ["video-playlists", "embed", ..] => {
            WatchPath::Playlist
        }
        ["w", id] | ["videos", "watch", id] | ["videos", "embed", id] if !id.is_empty() => {
            WatchPath::Video(id)
        }
        _ => WatchPath::Other,
    }
}

/// A remote video, checked and ready for a Pages video block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoEmbed {
    /// `https://host/videos/embed/{id}`, plus the player options of the pasted URL
    /// (`?start=…`): built by us from checked parts, never copied from the remote HTML.
    pub embed_url: String,
    pub title: String,
    /// Only a picture on the video's own origin.
    pub thumbnail_url: Option<String>,
    pub author_name: String,
    pub provider_name: String,
}

/// Why a pasted video URL cannot be embedded. [`OembedError::key`] is the message's stable key
/// for the catalogues; [`OembedError::host`] is its `$host` argument where it has one.
#[derive(Debug, thiserror::Error)]
pub enum OembedError {
    #[error("this is not a valid web address")]
    InvalidUrl,
    #[error("this is not the address of a PeerTube video")]
    NotAVideo,
    #[error("playlists cannot be embedded yet, only single videos")]
    Playlist,
    #[error("only https addresses can be embedded")]
    Insecure,
    #[error("{host} is not an address that may be fetched")]
    Forbidden { host: String },
    #[error("this video was not found on {host}")]
    NotFound { host: String },
    #[error("this video is not public on {host}")]
    NotPublic { host: String },
    #[error("{host} does not offer an embed for this address")]
    NoEmbed { host: String },
    #[error("{host} could not be reached: {source}")]
    Unreachable {
        host: String,
        #[source]
        source: FetchError,
    },
    #[error("{host} gave an unusable answer: {reason}")]
    BadResponse { host: String, reason: &'static str },
}

impl OembedError {
    /// The message's stable key, for the web layer to translate.
    pub fn key(&self) -> &'static str {
        match self {
            OembedError::InvalidUrl => "video-url-invalid",
            OembedError::NotAVideo => "video-url-not-video",
            OembedError::Playlist => "video-url-playlist",
            OembedError::Insecure => "video-url-insecure",
            OembedError::Forbidden { .. } => "video-url-forbidden",
            OembedError::NotFound { .. } => "video-url-not-found",
            OembedError::NotPublic { .. } => "video-url-not-public",
            OembedError::NoEmbed { .. } => "video-url-no-embed",
            OembedError::Unreachable { .. } => "video-url-unreachable",
            OembedError::BadResponse { .. } => "video-url-bad-response",
        }
    }

    /// The host the message names, if it names one.
    pub fn host(&self) -> Option<&str> {
        match self {
            OembedError::Forbidden { host }
            | OembedError::NotFound { host }
            | OembedError::NotPublic { host }
            | OembedError::NoEmbed { host }
            | OembedError::Unreachable { host, .. }
            | OembedError::BadResponse { host, .. } => Some(host),
            _ => None,
        }
    }
}

/// The part of an oEmbed answer we read; the rest is ignored.
#[derive(Debug, Deserialize)]
struct RemoteOembed {
    #[serde(rename = "type")]
    kind: String,
    html: String,
    title: Option<String>,
    author_name: Option<String>,
    provider_name: Option<String>,
    thumbnail_url: Option<String>,
}

/// Asks the video's own server, through the safe `fetcher`, how to embed `watch_url`
/// (`https://host/w/{id}`, `/videos/watch/{id}`, or an embed URL `/videos/embed/{id}`).
pub async fn discover(fetcher: &Fetcher, watch_url: &str) -> Result<VideoEmbed, OembedError> {
    let mut watch = Url::parse(watch_url.trim()).map_err(|_| OembedError::InvalidUrl)?;
    if !matches!(watch.scheme(), "https" | "http")
        || !watch.username().is_empty()
        || watch.password().is_some()
    {
        return Err(OembedError::InvalidUrl);
    }
    let host = match (watch.host_str(), watch.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        (None, _) => return Err(OembedError::InvalidUrl),
    };
    watch.set_fragment(None);
    let origin = watch.origin().ascii_serialization();
    let id = match watch_path(&watch) {
        WatchPath::Video(id) if is_uuid_ref(id) => id.to_string(),
        WatchPath::Playlist => return Err(OembedError::Playlist),
        _ => return Err(OembedError::NotAVideo),
    };
    // PeerTube answers for watch URLs only: an embed URL is asked about as its watch URL.
    let asked = if watch.path().starts_with("/videos/embed/") {
        let mut w = watch.clone();
        w.set_path(&format!("/w/{id}"));
        w
    } else {
        watch.clone()
    };
    let mut endpoint =
        Url::parse(&format!("{origin}/services/oembed")).map_err(|_| OembedError::InvalidUrl)?;
    endpoint
        .query_pairs_mut()
        .append_pair("url", asked.as_str())
        .append_pair("format", "json");

    let fetched = fetcher
        .get(endpoint.as_str(), "application/json")
        .await
        .map_err(|e| match e {
            FetchError::Status(404 | 410) => OembedError::NotFound { host: host.clone() },
            FetchError::Status(401 | 403) => OembedError::NotPublic { host: host.clone() },
            FetchError::Status(_) => OembedError::NoEmbed { host: host.clone() },
            FetchError::InsecureScheme => OembedError::Insecure,
            FetchError::BadUrl | FetchError::ForbiddenAddress(_) => {
                OembedError::Forbidden { host: host.clone() }
            }
            source => OembedError::Unreachable {
                host: host.clone(),
                source,
            },
        })?;
    let bad = |reason| OembedError::BadResponse {
        host: host.clone(),
        reason,
    };
    let answer: RemoteOembed =
        serde_json::from_slice(&fetched.body).map_err(|_| bad("not oEmbed JSON"))?;
    if answer.kind != "video" {
        return Err(bad("not a video"));
    }
    let src = iframe_src(&answer.html).ok_or_else(|| bad("not a single iframe"))?;
    let src = Url::parse(&src).map_err(|_| bad("bad iframe address"))?;
    if src.origin() != watch.origin() || !src.username().is_empty() || src.password().is_some() {
        return Err(bad("the iframe points to another site"));
    }
    let embed_id = match watch_path(&src) {
        WatchPath::Video(id) if src.path().starts_with("/videos/embed/") && is_uuid_ref(id) => id,
        _ => return Err(bad("the iframe is not a video embed")),
    };
    let embed_url = format!("{}{}", urls::embed(&origin, embed_id), player_query(&src));
    let thumbnail_url = answer
        .thumbnail_url
        .as_deref()
        .and_then(|t| Url::parse(t).ok())
        .filter(|t| {
            t.origin() == watch.origin() && t.username().is_empty() && t.password().is_none()
        })
        .map(String::from);
    Ok(VideoEmbed {
        embed_url,
        title: plain(answer.title.as_deref(), 250),
        thumbnail_url,
        author_name: plain(answer.author_name.as_deref(), 120),
        provider_name: plain(answer.provider_name.as_deref(), 120),
    })
}

/// A UUID or short UUID (not a bare number, which names nothing across instances).
fn is_uuid_ref(id: &str) -> bool {
    id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && matches!(VideoRef::parse(id), Some(VideoRef::Uuid(_)))
}

/// Remote text made plain: control characters out, spaces folded, at most `max` characters.
fn plain(s: Option<&str>, max: usize) -> String {
    s.unwrap_or_default()
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(max)
        .collect()
}

/// The `src` of `html` if it is exactly one `<iframe …></iframe>` with exactly one `src`,
/// entities in it decoded. Anything else (other elements, text, a second tag) is refused.
fn iframe_src(html: &str) -> Option<String> {
    let html = html.trim();
    let head = html.get(..7)?;
    if !head.eq_ignore_ascii_case("<iframe") {
        return None;
    }
    let mut rest = &html[7..];
    if !rest.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    let mut src = None;
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix('>') {
            rest = r;
            break;
        }
        let name_end = rest.find(|c: char| {
            c.is_ascii_whitespace() || matches!(c, '=' | '>' | '/' | '"' | '\'' | '<')
        })?;
        if name_end == 0 {
            return None;
        }
        let name = &rest[..name_end];
        rest = rest[name_end..].trim_start();
        let value = if let Some(r) = rest.strip_prefix('=') {
            let r = r.trim_start();
            let (value, after) = match r.chars().next()? {
                q @ ('"' | '\'') => {
                    let end = r[1..].find(q)?;
                    (&r[1..1 + end], &r[2 + end..])
                }
                _ => {
                    let end = r.find(|c: char| c.is_ascii_whitespace() || c == '>')?;
                    (&r[..end], &r[end..])
                }
            };
            rest = after;
            Some(value)
        } else {
            None
        };
        if name.eq_ignore_ascii_case("src") {
            if src.is_some() {
                return None;
            }
            src = Some(decode_entities(value?));
        }
    }
    if !rest.trim().eq_ignore_ascii_case("</iframe>") {
        return None;
    }
    src
}

/// The few entities an attribute value of a URL may carry; `&amp;` last so `&amp;lt;` stays `&lt;`.
fn decode_entities(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::extract::RawQuery;
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    use axum::routing::get;
    use ruche_fetch::Policy;
    use std::net::SocketAddr;

    #[test]
    fn iframe_src_is_strict() {
        let ok = |h: &str| iframe_src(h);
        assert_eq!(
            ok("<iframe width=\"560\" src=\"https://a.example/videos/embed/x?a=1&amp;b=2\" allowfullscreen></iframe>")
                .as_deref(),
            Some("https://a.example/videos/embed/x?a=1&b=2")
        );
        assert_eq!(
            ok("  <IFRAME SRC='https://a.example/e' data-x=y></IFRAME>\n").as_deref(),
            Some("https://a.example/e")
        );
        // data-src is not src.
        assert_eq!(
            ok("<iframe data-src=\"https://evil.example/\" src=\"https://a.example/e\"></iframe>")
                .as_deref(),
            Some("https://a.example/e")
        );
        for bad in [
            "",
            "<div><iframe src=\"https://a.example/e\"></iframe></div>",
            "<iframe src=\"https://a.example/e\"></iframe><script>alert(1)</script>",
            "<iframe src=\"https://a.example/e\" src=\"https://evil.example/\"></iframe>",
            "<iframe width=\"1\"></iframe>",
            "<iframesrc=\"https://a.example/e\"></iframe>",
            "<iframe src=\"https://a.example/e></iframe>",
            "<iframe src></iframe>",
            "<iframe src=\"https://a.example/e\">text</iframe>",
            "<iframe src=\"https://a.example/e\">",
        ] {
            assert_eq!(ok(bad), None, "{bad}");
        }
    }

    /// A stand-in PeerTube: `/services/oembed` answers by the video id in `url`, the good one
    /// in PeerTube 8's exact shape (built as its `services.ts` builds it).
    async fn fake_peertube() -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base = format!("http://{addr}");
        let handler = move |RawQuery(query): RawQuery| {
            let base = base.clone();
            async move {
                let pairs: Vec<(String, String)> =
                    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                        .into_owned()
                        .collect();
                let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
                assert_eq!(get("format").as_deref(), Some("json"));
                let url = get("url").unwrap_or_default();
                let iframe = |src: &str| {
                    format!(
                        "<iframe width=\"560\" height=\"315\" sandbox=\"allow-same-origin allow-scripts allow-popups allow-forms\" \
                         title=\"lab test video 1795869652\" src=\"{src}\" frameborder=\"0\" allowfullscreen></iframe>"
                    )
                };
                let answer = |html: String, thumb: &str| {
                    serde_json::json!({
                        "type": "video",
                        "version": "1.0",
                        "html": html,
                        "width": 560,
                        "height": 315,
                        "title": "lab test video 1795869652",
                        "author_name": "root_channel",
                        "author_url": format!("{base}/video-channels/root_channel"),
                        "provider_name": "PeerTube",
                        "provider_url": base,
                        "thumbnail_url": thumb,
                        "thumbnail_width": 850,
                        "thumbnail_height": 480
                    })
                    .to_string()
                    .into_response()
                };
                let preview =
                    format!("{base}/lazy-static/previews/4d18faef-e770-4583-a900-ed85a8cbf977.jpg");
                let id = url.rsplit('/').next().unwrap_or_default();
                let id = id.split('?').next().unwrap_or_default();
                match id {
                    "ew5f7C8iNWwkn3wevRkbvU" => {
                        let q = url
                            .split_once('?')
                            .map(|(_, q)| format!("?{q}"))
                            .unwrap_or_default();
                        answer(iframe(&format!("{base}/videos/embed/{id}{q}")), &preview)
                    }
                    // The iframe points to another site.
                    "11111111-1111-4111-8111-111111111111" => answer(
                        iframe(&format!("https://evil.example/videos/embed/{id}")),
                        &preview,
                    ),
                    // Same site, but not an embed.
                    "22222222-2222-4222-8222-222222222222" => {
                        answer(iframe(&format!("{base}/admin/{id}")), &preview)
                    }
                    // Something after the iframe.
                    "33333333-3333-4333-8333-333333333333" => answer(
                        iframe(&format!("{base}/videos/embed/{id}")) + "<script>alert(1)</script>",
                        &preview,
                    ),
                    // A javascript: source.
                    "44444444-4444-4444-8444-444444444444" => {
                        answer(iframe("javascript:alert(1)"), &preview)
                    }
                    // Fine, but its picture lives elsewhere: dropped.
                    "55555555-5555-4555-8555-555555555555" => answer(
                        iframe(&format!("{base}/videos/embed/{id}")),
                        "https://tracker.example/pixel.gif",
                    ),
                    "66666666-6666-4666-8666-666666666666" => {
                        (StatusCode::FORBIDDEN, "Video is not publicly available").into_response()
                    }
                    "77777777-7777-4777-8777-777777777777" => {
                        "<html>not json</html>".into_response()
                    }
                    _ => (StatusCode::NOT_FOUND, "Video not found").into_response(),
                }
            }
        };
        let app = Router::new().route("/services/oembed", get(handler));
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        addr
    }

    fn insecure() -> Fetcher {
        Fetcher::new(Policy {
            allow_insecure: true,
            ..Policy::default()
        })
        .unwrap()
    }

    #[tokio::test]
    async fn consumer_reads_peertube() {
        let addr = fake_peertube().await;
        let f = insecure();
        let e = discover(&f, &format!("http://{addr}/w/ew5f7C8iNWwkn3wevRkbvU"))
            .await
            .unwrap();
        assert_eq!(
            e,
            VideoEmbed {
                embed_url: format!("http://{addr}/videos/embed/ew5f7C8iNWwkn3wevRkbvU"),
                title: "lab test video 1795869652".into(),
                thumbnail_url: Some(format!(
                    "http://{addr}/lazy-static/previews/4d18faef-e770-4583-a900-ed85a8cbf977.jpg"
                )),
                author_name: "root_channel".into(),
                provider_name: "PeerTube".into(),
            }
        );
        // The other shapes, the player options carried, a fragment ignored.
        for url in [
            format!("http://{addr}/videos/watch/ew5f7C8iNWwkn3wevRkbvU"),
            format!("http://{addr}/videos/embed/ew5f7C8iNWwkn3wevRkbvU"),
            format!("http://{addr}/w/ew5f7C8iNWwkn3wevRkbvU#comments"),
        ] {
            let e = discover(&f, &url).await.unwrap();
            assert_eq!(
                e.embed_url,
                format!("http://{addr}/videos/embed/ew5f7C8iNWwkn3wevRkbvU"),
                "{url}"
            );
        }
        let e = discover(
            &f,
            &format!("http://{addr}/w/ew5f7C8iNWwkn3wevRkbvU?start=1m30s&x=<b>"),
        )
        .await
        .unwrap();
        assert_eq!(
            e.embed_url,
            format!("http://{addr}/videos/embed/ew5f7C8iNWwkn3wevRkbvU?start=1m30s")
        );
    }

    #[tokio::test]
    async fn consumer_refuses_what_it_cannot_trust() {
        let addr = fake_peertube().await;
        let f = insecure();
        let host = addr.to_string();
        for id in [
            "11111111-1111-4111-8111-111111111111",
            "22222222-2222-4222-8222-222222222222",
            "33333333-3333-4333-8333-333333333333",
            "44444444-4444-4444-8444-444444444444",
            "77777777-7777-4777-8777-777777777777",
        ] {
            let e = discover(&f, &format!("http://{addr}/w/{id}"))
                .await
                .unwrap_err();
            assert_eq!(e.key(), "video-url-bad-response", "{id}: {e}");
            assert_eq!(e.host(), Some(host.as_str()));
        }
        let e = discover(
            &f,
            &format!("http://{addr}/w/55555555-5555-4555-8555-555555555555"),
        )
        .await
        .unwrap();
        assert_eq!(e.thumbnail_url, None);

        let e = discover(
            &f,
            &format!("http://{addr}/w/66666666-6666-4666-8666-666666666666"),
        )
        .await
        .unwrap_err();
        assert_eq!(e.key(), "video-url-not-public");
        let e = discover(
            &f,
            &format!("http://{addr}/w/99999999-9999-4999-8999-999999999999"),
        )
        .await
        .unwrap_err();
        assert_eq!(e.key(), "video-url-not-found");
        assert_eq!(e.to_string(), format!("this video was not found on {host}"));
    }

    #[tokio::test]
    async fn consumer_refuses_bad_addresses_before_fetching() {
        // Port 9 on loopback: nothing is fetched for these, and nothing could be.
        let f = insecure();
        for (url, key) in [
            ("not a url", "video-url-invalid"),
            (
                "ftp://127.0.0.1:9/w/ew5f7C8iNWwkn3wevRkbvU",
                "video-url-invalid",
            ),
            (
                "http://u:p@127.0.0.1:9/w/ew5f7C8iNWwkn3wevRkbvU",
                "video-url-invalid",
            ),
            (
                "http://127.0.0.1:9/w/p/ew5f7C8iNWwkn3wevRkbvU",
                "video-url-playlist",
            ),
            (
                "http://127.0.0.1:9/videos/watch/playlist/ew5f7C8iNWwkn3wevRkbvU",
                "video-url-playlist",
            ),
            ("http://127.0.0.1:9/c/root_channel", "video-url-not-video"),
            ("http://127.0.0.1:9/w/12", "video-url-not-video"),
            ("http://127.0.0.1:9/w/not-an-id", "video-url-not-video"),
        ] {
            let e = discover(&f, url).await.unwrap_err();
            assert_eq!(e.key(), key, "{url}: {e}");
        }
        // The safe fetcher's own refusals, with the default policy.
        let f = Fetcher::new(Policy::default()).unwrap();
        let e = discover(&f, "http://127.0.0.1:9/w/ew5f7C8iNWwkn3wevRkbvU")
            .await
            .unwrap_err();
        assert_eq!(e.key(), "video-url-insecure");
        let e = discover(&f, "https://127.0.0.1:9/w/ew5f7C8iNWwkn3wevRkbvU")
            .await
            .unwrap_err();
        assert_eq!(e.key(), "video-url-forbidden");
        assert_eq!(e.host(), Some("127.0.0.1:9"));
    }
}

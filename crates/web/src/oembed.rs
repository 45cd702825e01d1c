//! oEmbed for videos, both ways.
//!
//! - Provider: `GET /services/oembed?url=…` answers for this instance's watch URLs in
//!   PeerTube's shape (its `server/core/controllers/services.ts`), so sites and chat apps that
//!   embed PeerTube videos embed ours the same way; [`discovery_link`] is the `<link>` that lets
//!   them find it from a watch page.
//! - Consumer: [`discover`] turns a PeerTube (or Ruche) watch URL pasted into a Pages video block
//!   into an embed URL. The answer comes from someone else's server, so nothing of its HTML is
//!   kept: only the iframe's `src`, and only if it is `{same origin}/videos/embed/{id}`; the
//!   embed URL returned is rebuilt from those checked parts.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use ruche_domain::ids::VideoRef;
use ruche_domain::video::Privacy;
use ruche_fetch::{FetchError, Fetcher};
use ruche_tube::{TubeError, videos};
use serde::{Deserialize, Serialize};
use url::Url;

/// The iframe's size unless the consumer asks for less (PeerTube's `EMBED_SIZE`).
const EMBED_SIZE: (u32, u32) = (560, 315);
/// Sizes of the preview and thumbnail pictures (`ruche_media::thumbs`, PeerTube's defaults).
const PREVIEW_SIZE: (u32, u32) = (850, 480);
const THUMBNAIL_SIZE: (u32, u32) = (280, 157);
/// How long consumers may cache an answer, in seconds.
const CACHE_AGE: u64 = 3600;
/// The player options PeerTube carries from the watch URL's query to the embed URL.
const PLAYER_PARAMS: &[&str] = &[
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

// ---------------------------------------------------------------------------------------------
// Provider

/// `/services/oembed`, where PeerTube serves it.
pub fn routes() -> Router<AppState> {
    Router::new().route("/services/oembed", get(oembed))
}

/// The query of `/services/oembed`; every field is read by hand so a bad value is PeerTube's
/// 400, not a plain-text rejection.
#[derive(Debug, Default, Deserialize)]
pub struct OembedQuery {
    url: Option<String>,
    format: Option<String>,
    maxwidth: Option<String>,
    maxheight: Option<String>,
}

/// An oEmbed answer for a video, in PeerTube's field order.
#[derive(Debug, Serialize)]
struct OembedVideo {
    #[serde(rename = "type")]
    kind: &'static str,
    version: &'static str,
    html: String,
    width: u32,
    height: u32,
    title: String,
    author_name: String,
    author_url: String,
    provider_name: String,
    provider_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    thumbnail_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    thumbnail_width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    thumbnail_height: Option<u32>,
    cache_age: u64,
}

/// Why the provider refuses: PeerTube's statuses and messages.
enum Refusal {
    Status(StatusCode, &'static str),
    Api(ApiError),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Api(e) => e.into_response(),
            Refusal::Status(status, detail) => {
                let body = serde_json::json!({
                    "type": "about:blank",
                    "title": status.canonical_reason().unwrap_or("Error"),
                    "detail": detail,
                    "status": status.as_u16(),
                    "error": detail,
                    "docs": "https://docs.joinpeertube.org/api-rest-reference.html",
                });
                let mut res = (status, Json(body)).into_response();
                res.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/problem+json; charset=utf-8"),
                );
                res
            }
        }
    }
}

fn bad_request(detail: &'static str) -> Refusal {
    Refusal::Status(StatusCode::BAD_REQUEST, detail)
}

/// `GET /services/oembed?url=…&format=json&maxwidth=…&maxheight=…`: the embed of a public or
/// unlisted video of this instance. Unknown, private, internal and unpublished videos are 404
/// (PeerTube answers 403 for those it knows but will not show; Ruche does not tell them apart
/// from missing ones, as everywhere else); another host's URL is 400; `format=xml` is 501.
/// CORS-open, as PeerTube's.
pub async fn oembed(State(st): State<AppState>, Query(q): Query<OembedQuery>) -> Response {
    let mut res = match answer(&st, &q).await {
        Ok(json) => Json(json).into_response(),
        Err(refusal) => refusal.into_response(),
    };
    res.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    res
}

/// A positive integer bound, if given.
fn bound(v: &Option<String>, name: &'static str) -> Result<Option<u32>, Refusal> {
    match v.as_deref() {
        None => Ok(None),
        Some(s) => s
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or(bad_request(name)),
    }
}

async fn answer(st: &AppState, q: &OembedQuery) -> Result<OembedVideo, Refusal> {
    let max_width = bound(&q.maxwidth, "Incorrect request parameters: maxwidth")?;
    let max_height = bound(&q.maxheight, "Incorrect request parameters: maxheight")?;
    match q.format.as_deref() {
        None | Some("json") => {}
        Some("xml") => {
            return Err(Refusal::Status(
                StatusCode::NOT_IMPLEMENTED,
                "Requested format is not implemented on server.",
            ));
        }
        Some(_) => return Err(bad_request("Incorrect request parameters: format")),
    }
    let url = q
        .url
        .as_deref()
        .and_then(|u| Url::parse(u.trim()).ok())
        .ok_or(bad_request("Incorrect request parameters: url"))?;
    let base = st.tube.settings.public_url.trim_end_matches('/');
    let ours =
        Url::parse(base).map_err(|e| Refusal::Api(TubeError::Internal(e.to_string()).into()))?;
    if url.origin() != ours.origin() {
        return Err(bad_request("Invalid url."));
    }
    let id = match watch_path(&url) {
        WatchPath::Video(id) => id,
        WatchPath::Playlist => {
            return Err(Refusal::Status(
                StatusCode::NOT_FOUND,
                "Video playlist not found",
            ));
        }
        WatchPath::Other => return Err(bad_request("Invalid url.")),
    };
    let by = VideoRef::parse(id).ok_or(bad_request("Invalid video or playlist id."))?;
    let v = match videos::find_visible(&st.tube, id, None).await {
        Ok(v) => v,
        Err(TubeError::NotFound(_)) => {
            return Err(Refusal::Status(StatusCode::NOT_FOUND, "Video not found"));
        }
        Err(TubeError::BadRequest(_)) => return Err(bad_request("Invalid video or playlist id.")),
        Err(e) => return Err(Refusal::Api(e.into())),
    };
    // As PeerTube: an unlisted video is only found by its (short) UUID, never its number.
    if matches!(by, VideoRef::Id(_)) && Privacy::from_id(v.privacy) != Some(Privacy::Public) {
        return Err(Refusal::Status(StatusCode::NOT_FOUND, "Video not found"));
    }

    let embed_url = format!(
        "{base}/videos/embed/{}{}",
        crate::api::short_uuid(&v.uuid),
        player_query(&url)
    );
    let width = max_width.map_or(EMBED_SIZE.0, |m| m.min(EMBED_SIZE.0));
    let height = max_height.map_or(EMBED_SIZE.1, |m| m.min(EMBED_SIZE.1));
    let picture = match (&v.preview_filename, &v.thumbnail_filename) {
        (Some(p), _) => Some((format!("{base}/lazy-static/previews/{p}"), PREVIEW_SIZE)),
        (None, Some(t)) => Some((format!("{base}/lazy-static/thumbnails/{t}"), THUMBNAIL_SIZE)),
        (None, None) => None,
    };
    // A picture larger than the consumer's bounds is left out, as PeerTube does.
    let picture = picture.filter(|(_, (w, h))| {
        max_width.is_none_or(|m| m >= *w) && max_height.is_none_or(|m| m >= *h)
    });
    let html = format!(
        "<iframe width=\"{width}\" height=\"{height}\" \
         sandbox=\"allow-same-origin allow-scripts allow-popups allow-forms\" \
         title=\"{}\" src=\"{}\" frameborder=\"0\" allowfullscreen></iframe>",
        escape(&v.name),
        escape(&embed_url),
    );
    let provider_name = match st.tube.settings.instance.name.trim() {
        "" => "Ruche".to_string(),
        name => name.to_string(),
    };
    Ok(OembedVideo {
        kind: "video",
        version: "1.0",
        html,
        width,
        height,
        title: v.name.clone(),
        author_name: v.channel_name.clone(),
        author_url: format!("{base}/video-channels/{}", v.channel_name),
        provider_name,
        provider_url: base.to_string(),
        thumbnail_url: picture.as_ref().map(|(u, _)| u.clone()),
        thumbnail_width: picture.as_ref().map(|(_, (w, _))| *w),
        thumbnail_height: picture.as_ref().map(|(_, (_, h))| *h),
        cache_age: CACHE_AGE,
    })
}

/// `?start=…&…`: the player options of `url`'s query, the others dropped; empty if none.
fn player_query(url: &Url) -> String {
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
enum WatchPath<'a> {
    /// `/w/{id}`, `/videos/watch/{id}`, or an embed's `/videos/embed/{id}`.
    Video(&'a str),
    /// `/w/p/{id}`, `/videos/watch/playlist/{id}`, `/video-playlists/embed/{id}`.
    Playlist,
    Other,
}

fn watch_path(url: &Url) -> WatchPath<'_> {
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

use ruche_pages::render::esc as escape;

/// The discovery tag for a watch page's `<head>`, as PeerTube writes it:
/// `<link rel="alternate" type="application/json+oembed" href="{public_url}/services/oembed?url=…" title="…">`.
/// Already escaped: insert it as is (`|safe`).
pub fn discovery_link(public_url: &str, watch_url: &str, title: &str) -> String {
    let href = format!(
        "{}/services/oembed?url={}",
        public_url.trim_end_matches('/'),
        url::form_urlencoded::byte_serialize(watch_url.as_bytes()).collect::<String>()
    );
    format!(
        "<link rel=\"alternate\" type=\"application/json+oembed\" href=\"{}\" title=\"{}\">",
        escape(&href),
        escape(title)
    )
}

// ---------------------------------------------------------------------------------------------
// Consumer

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
    let embed_url = format!("{origin}/videos/embed/{embed_id}{}", player_query(&src));
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
    use axum::body::Body;
    use axum::extract::RawQuery;
    use axum::http::Request;
    use ruche_domain::ShortUuid;
    use ruche_domain::settings::Settings;
    use ruche_domain::user::Role;
    use ruche_fetch::Policy;
    use ruche_store::users as ustore;
    use ruche_store::videos::{self as vstore, MediaInfo, NewVideo};
    use ruche_tube::{Tube, accounts};
    use serde_json::Value;
    use std::net::SocketAddr;
    use std::sync::Arc;
    use tower::ServiceExt;

    struct Instance {
        _dir: tempfile::TempDir,
        tube: Arc<Tube>,
        channel_id: i64,
    }

    async fn instance(public_url: &str) -> Instance {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings {
            public_url: public_url.into(),
            data_dir: dir.path().into(),
            ..Default::default()
        };
        let tube = Tube::open(settings).await.unwrap();
        let uid = accounts::create_user(
            &tube,
            &accounts::NewAccount {
                username: "alice",
                email: "alice@example.org",
                password: "correct horse battery",
                role: Role::User,
                video_quota: None,
                video_quota_daily: None,
            },
        )
        .await
        .unwrap();
        let mut c = tube.store.read().await.unwrap();
        let account = ustore::account_of_user(c.ex(), uid).await.unwrap();
        let channel_id = ustore::channels_of_account(c.ex(), account.id)
            .await
            .unwrap()[0]
            .id;
        drop(c);
        Instance {
            _dir: dir,
            tube,
            channel_id,
        }
    }

    struct Made {
        id: i64,
        uuid: String,
        short: String,
    }

    impl Instance {
        async fn video(&self, name: &str, privacy: Privacy, publish: bool, preview: bool) -> Made {
            let uuid = uuid::Uuid::new_v4();
            let mut tx = self.tube.store.begin().await.unwrap();
            let nv = NewVideo {
                channel_id: self.channel_id,
                name: name.into(),
                privacy: privacy.id(),
                ..Default::default()
            };
            let id = vstore::insert(tx.ex(), &uuid.to_string(), &nv, "source.mp4", 0)
                .await
                .unwrap();
            let media = MediaInfo {
                duration: 10,
                aspect_ratio: Some(16.0 / 9.0),
                playlist_filename: "master.m3u8",
                sha256_filename: "segments-sha256.json",
                thumbnail_filename: Some("thumb.jpg"),
                preview_filename: preview.then_some("preview.jpg"),
            };
            vstore::set_media(tx.ex(), id, &media, publish)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            Made {
                id,
                uuid: uuid.to_string(),
                short: ShortUuid(uuid).to_string(),
            }
        }

        fn app(&self) -> Router {
            Router::new()
                .merge(routes())
                .with_state(AppState::new(self.tube.clone()).expect("app state"))
        }
    }

    const BASE: &str = "https://videos.example";

    fn q(pairs: &[(&str, &str)]) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.extend_pairs(pairs);
        format!("/services/oembed?{}", s.finish())
    }

    async fn call(app: &Router, uri: &str) -> (StatusCode, Value, Option<String>) {
        let res = app
            .clone()
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let cors = res
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .map(|v| v.to_str().unwrap().to_string());
        let body = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        (
            status,
            serde_json::from_slice(&body).unwrap_or(Value::Null),
            cors,
        )
    }

    #[tokio::test]
    async fn provider_answers_in_peertubes_shape() {
        let inst = instance(BASE).await;
        let v = inst
            .video("A \"quoted\" <video> & more", Privacy::Public, true, true)
            .await;
        let app = inst.app();
        let watch = format!("{BASE}/w/{}", v.short);
        let (status, j, cors) = call(&app, &q(&[("url", &watch), ("format", "json")])).await;
        assert_eq!(status, StatusCode::OK, "{j}");
        assert_eq!(cors.as_deref(), Some("*"));
        let embed = format!("{BASE}/videos/embed/{}", v.short);
        assert_eq!(j["type"], "video");
        assert_eq!(j["version"], "1.0");
        assert_eq!(j["width"], 560);
        assert_eq!(j["height"], 315);
        assert_eq!(j["title"], "A \"quoted\" <video> & more");
        assert_eq!(j["author_name"], "alice_channel");
        assert_eq!(
            j["author_url"],
            format!("{BASE}/video-channels/alice_channel")
        );
        assert_eq!(j["provider_name"], "Ruche");
        assert_eq!(j["provider_url"], BASE);
        assert_eq!(
            j["thumbnail_url"],
            format!("{BASE}/lazy-static/previews/preview.jpg")
        );
        assert_eq!(j["thumbnail_width"], 850);
        assert_eq!(j["thumbnail_height"], 480);
        assert_eq!(j["cache_age"], 3600);
        assert_eq!(
            j["html"],
            format!(
                "<iframe width=\"560\" height=\"315\" sandbox=\"allow-same-origin allow-scripts allow-popups allow-forms\" \
                 title=\"A &quot;quoted&quot; &lt;video&gt; &amp; more\" src=\"{embed}\" frameborder=\"0\" allowfullscreen></iframe>"
            )
        );
        // The other URL shapes name the same video; format is optional.
        for watch in [
            format!("{BASE}/videos/watch/{}", v.uuid),
            format!("{BASE}/w/{}", v.uuid),
            format!("{BASE}/videos/watch/{}", v.short),
        ] {
            let (status, j, _) = call(&app, &q(&[("url", &watch)])).await;
            assert_eq!(status, StatusCode::OK, "{watch}: {j}");
            assert!(j["html"].as_str().unwrap().contains(&embed), "{watch}");
        }
        // PeerTube accepts the numeric id of a public video.
        let (status, _, _) = call(&app, &q(&[("url", &format!("{BASE}/w/{}", v.id))])).await;
        assert_eq!(status, StatusCode::OK);
    }

    #[tokio::test]
    async fn provider_bounds_and_player_options() {
        let inst = instance(BASE).await;
        let v = inst.video("Bounded", Privacy::Public, true, true).await;
        let app = inst.app();
        let watch = format!("{BASE}/w/{}?start=30&stop=40&evil=1", v.short);
        let (status, j, _) = call(
            &app,
            &q(&[("url", &watch), ("maxwidth", "400"), ("maxheight", "9000")]),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{j}");
        assert_eq!(j["width"], 400);
        assert_eq!(j["height"], 315);
        // The preview does not fit in 400 pixels: left out.
        assert!(j.get("thumbnail_url").is_none(), "{j}");
        assert!(j.get("thumbnail_width").is_none(), "{j}");
        let html = j["html"].as_str().unwrap();
        assert!(
            html.contains(&format!(
                "src=\"{BASE}/videos/embed/{}?start=30&amp;stop=40\"",
                v.short
            )),
            "{html}"
        );
        assert!(!html.contains("evil"));

        // Without a preview, the thumbnail stands in, with its own size.
        let t = inst.video("Thumb only", Privacy::Public, true, false).await;
        let (_, j, _) = call(&app, &q(&[("url", &format!("{BASE}/w/{}", t.short))])).await;
        assert_eq!(
            j["thumbnail_url"],
            format!("{BASE}/lazy-static/thumbnails/thumb.jpg")
        );
        assert_eq!(j["thumbnail_width"], 280);
        assert_eq!(j["thumbnail_height"], 157);
    }

    #[tokio::test]
    async fn provider_refusals() {
        let inst = instance(BASE).await;
        let public = inst.video("Public", Privacy::Public, true, true).await;
        let unlisted = inst.video("Unlisted", Privacy::Unlisted, true, true).await;
        let private = inst.video("Private", Privacy::Private, true, true).await;
        let internal = inst.video("Internal", Privacy::Internal, true, true).await;
        let unpublished = inst.video("Processing", Privacy::Public, false, true).await;
        let app = inst.app();
        let w = |id: &str| format!("{BASE}/w/{id}");

        // Unlisted: by its UUIDs, not by its number.
        assert_eq!(
            call(&app, &q(&[("url", &w(&unlisted.short))])).await.0,
            StatusCode::OK
        );
        assert_eq!(
            call(&app, &q(&[("url", &w(&unlisted.id.to_string()))]))
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        for (what, id) in [
            ("private", private.short.as_str()),
            ("internal", internal.short.as_str()),
            ("unpublished", unpublished.short.as_str()),
            ("unknown", "3fd6c4a7-0f7e-4e3b-9d8e-1f2a3b4c5d6e"),
        ] {
            let (status, j, cors) = call(&app, &q(&[("url", &w(id))])).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{what}");
            assert_eq!(j["status"], 404, "{what}");
            assert_eq!(cors.as_deref(), Some("*"));
        }
        let (status, j, _) = call(
            &app,
            &q(&[("url", &format!("{BASE}/w/p/{}", public.short))]),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(j["detail"], "Video playlist not found");

        let bad = [
            q(&[(
                "url",
                &format!("https://elsewhere.example/w/{}", public.short),
            )]),
            q(&[("url", &format!("http://videos.example/w/{}", public.short))]),
            q(&[(
                "url",
                &format!("https://videos.example:8443/w/{}", public.short),
            )]),
            q(&[("url", &format!("{BASE}/c/{}", public.short))]),
            q(&[("url", &format!("{BASE}/w/{}/extra", public.short))]),
            q(&[("url", &w("not-an-id"))]),
            q(&[("url", "not a url")]),
            "/services/oembed".to_string(),
            q(&[("url", &w(&public.short)), ("format", "yaml")]),
            q(&[("url", &w(&public.short)), ("maxwidth", "wide")]),
            q(&[("url", &w(&public.short)), ("maxheight", "-5")]),
        ];
        for uri in bad {
            let (status, j, _) = call(&app, &uri).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {j}");
            assert_eq!(j["status"], 400);
        }
        let (status, j, _) = call(&app, &q(&[("url", &w(&public.short)), ("format", "xml")])).await;
        assert_eq!(status, StatusCode::NOT_IMPLEMENTED);
        assert_eq!(
            j["detail"],
            "Requested format is not implemented on server."
        );
    }

    #[test]
    fn discovery_link_is_peertubes_tag() {
        assert_eq!(
            discovery_link(
                "https://videos.example/",
                "https://videos.example/w/ew5f7C8iNWwkn3wevRkbvU",
                "Tom & \"Jerry\""
            ),
            "<link rel=\"alternate\" type=\"application/json+oembed\" \
             href=\"https://videos.example/services/oembed?url=https%3A%2F%2Fvideos.example%2Fw%2Few5f7C8iNWwkn3wevRkbvU\" \
             title=\"Tom &amp; &quot;Jerry&quot;\">"
        );
    }

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

    /// Ruche's consumer against Ruche's provider, over real HTTP on loopback.
    #[tokio::test]
    async fn consumer_reads_ruche() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let inst = instance(&base).await;
        let v = inst
            .video("Round trip", Privacy::Unlisted, true, true)
            .await;
        let app = inst.app();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let e = discover(
            &insecure(),
            &format!("{base}/videos/watch/{}?start=10", v.uuid),
        )
        .await
        .unwrap();
        assert_eq!(
            e,
            VideoEmbed {
                embed_url: format!("{base}/videos/embed/{}?start=10", v.short),
                title: "Round trip".into(),
                thumbnail_url: Some(format!("{base}/lazy-static/previews/preview.jpg")),
                author_name: "alice_channel".into(),
                provider_name: "Ruche".into(),
            }
        );
        let missing = discover(
            &insecure(),
            &format!("{base}/w/3fd6c4a7-0f7e-4e3b-9d8e-1f2a3b4c5d6e"),
        )
        .await
        .unwrap_err();
        assert_eq!(missing.key(), "video-url-not-found");
    }
}

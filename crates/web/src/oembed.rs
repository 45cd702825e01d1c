//! oEmbed, as a provider: `GET /services/oembed?url=…` answers for this instance's watch URLs
//! in PeerTube's shape (its `server/core/controllers/services.ts`), so sites and chat apps that
//! embed PeerTube videos embed ours the same way; [`discovery_link`] is the `<link>` that lets
//! them find it from a watch page. The consumer (a pasted video in a Pages block) is
//! `ruche_pages::oembed`.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use ruche_domain::ids::VideoRef;
use ruche_domain::ids::short_uuid;
use ruche_domain::urls;
use ruche_domain::video::Privacy;
use ruche_pages::oembed::{WatchPath, player_query, watch_path};
use ruche_tube::{TubeError, videos};
use serde::{Deserialize, Serialize};
use url::Url;

/// The iframe's size unless the consumer asks for less (PeerTube's `EMBED_SIZE`).
const EMBED_SIZE: (u32, u32) = (560, 315);
/// Sizes of the preview and thumbnail pictures (`ruche_media::thumbs`, PeerTube's defaults).
use ruche_tube::playback::{PREVIEW_SIZE, THUMBNAIL_SIZE};
/// How long consumers may cache an answer, in seconds.
const CACHE_AGE: u64 = 3600;
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
                crate::error::problem(status, crate::error::problem_body(status, detail))
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
    if matches!(by, VideoRef::Id(_)) && v.privacy != Privacy::Public {
        return Err(Refusal::Status(StatusCode::NOT_FOUND, "Video not found"));
    }

    let embed_url = format!(
        "{}{}",
        urls::embed(base, &short_uuid(&v.uuid)),
        player_query(&url)
    );
    let width = max_width.map_or(EMBED_SIZE.0, |m| m.min(EMBED_SIZE.0));
    let height = max_height.map_or(EMBED_SIZE.1, |m| m.min(EMBED_SIZE.1));
    let picture = match (&v.preview_filename, &v.thumbnail_filename) {
        (Some(p), _) => Some((urls::preview(base, p), PREVIEW_SIZE)),
        (None, Some(t)) => Some((urls::thumbnail(base, t), THUMBNAIL_SIZE)),
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
    let instance = match ruche_tube::instance::current(&st.tube).await {
        Ok(c) => c,
        Err(_) => ruche_tube::instance::cached(&st.tube),
    };
    let provider_name = match instance.name.trim() {
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
        author_url: urls::channel(base, &v.channel_name),
        provider_name,
        provider_url: base.to_string(),
        thumbnail_url: picture.as_ref().map(|(u, _)| u.clone()),
        thumbnail_width: picture.as_ref().map(|(_, (w, _))| *w),
        thumbnail_height: picture.as_ref().map(|(_, (_, h))| *h),
        cache_age: CACHE_AGE,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

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
}

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
use ruche_domain::video::Privacy;
use ruche_pages::oembed::{WatchPath, player_query, watch_path};
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
    use axum::body::Body;
    use axum::http::Request;
    use ruche_domain::ShortUuid;
    use ruche_domain::settings::Settings;
    use ruche_domain::user::Role;
    use ruche_fetch::Policy;
    use ruche_pages::oembed::{VideoEmbed, discover};
    use ruche_store::users as ustore;
    use ruche_store::videos::{self as vstore, MediaInfo, NewVideo};
    use ruche_tube::{Tube, accounts};
    use serde_json::Value;
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
            &ruche_fetch::Fetcher::new(Policy {
                allow_insecure: true,
                ..Policy::default()
            })
            .unwrap(),
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
            &ruche_fetch::Fetcher::new(Policy {
                allow_insecure: true,
                ..Policy::default()
            })
            .unwrap(),
            &format!("{base}/w/3fd6c4a7-0f7e-4e3b-9d8e-1f2a3b4c5d6e"),
        )
        .await
        .unwrap_err();
        assert_eq!(missing.key(), "video-url-not-found");
    }
}

//! How other servers find us: WebFinger (`acct:name@host` for accounts, channels and the
//! instance actor), NodeInfo 2.0 and 2.1 with usage figures, and host-meta — in the shapes
//! PeerTube serves them, so PeerTube and Mastodon resolve our actors the way they resolve
//! PeerTube's.

use super::not_found;
use crate::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use ruche_domain::urls;
use ruche_tube::federation::documents::{self, LocalActor};
use serde_json::json;

fn jrd(body: serde_json::Value) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/jrd+json; charset=utf-8"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        body.to_string(),
    )
        .into_response()
}

#[derive(serde::Deserialize)]
pub(super) struct WebfingerQuery {
    #[serde(default)]
    resource: String,
}

pub(super) async fn webfinger(
    State(st): State<AppState>,
    Query(q): Query<WebfingerQuery>,
) -> Response {
    let base = ruche_tube::federation::base(&st.tube).to_string();
    let ours = st.tube.settings.host();
    let r = q.resource.trim();
    if r.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "a resource is needed", "status": 400 })),
        )
            .into_response();
    }
    let name = if let Some(path) = r.strip_prefix(&format!("{base}/")) {
        path.strip_prefix("accounts/")
            .or_else(|| path.strip_prefix("video-channels/"))
            .or_else(|| path.strip_prefix("a/"))
            .or_else(|| path.strip_prefix("c/"))
            .map(str::to_string)
    } else {
        let acct = r.strip_prefix("acct:").unwrap_or(r);
        match acct.rsplit_once('@') {
            Some((name, h)) if h.eq_ignore_ascii_case(&ours) => Some(name.to_string()),
            _ => None,
        }
    };
    let Some(name) = name.filter(|n| !n.is_empty() && !n.contains('/')) else {
        return not_found("resource");
    };
    let named = match documents::local_actor(&st.tube, &name).await {
        Ok(Some(n)) => n,
        Ok(None) => return not_found("actor"),
        Err(e) => {
            tracing::error!("webfinger {name}: {e}");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let (actor, page) = match &named {
        LocalActor::Instance => (urls::instance_actor(&base), base.clone()),
        LocalActor::Account(n) => (urls::account(&base, n), urls::account_page(&base, n)),
        LocalActor::Channel(n) => (urls::channel(&base, n), urls::channel_page(&base, n)),
    };
    jrd(json!({
        "subject": format!("acct:{name}@{ours}"),
        "aliases": [actor],
        "links": [
            { "rel": "self", "type": "application/activity+json", "href": actor },
            { "rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": page },
            { "rel": "http://ostatus.org/schema/1.0/subscribe", "template": format!("{base}/remote-interaction?uri={{uri}}") },
        ],
    }))
}

pub(super) async fn nodeinfo_links(State(st): State<AppState>) -> Response {
    let base = ruche_tube::federation::base(&st.tube);
    jrd(json!({
        "links": [
            { "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": format!("{base}/nodeinfo/2.0.json") },
            { "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": format!("{base}/nodeinfo/2.1.json") },
            { "rel": "https://www.w3.org/ns/activitystreams#Application", "href": urls::instance_actor(base) },
        ],
    }))
}

pub(super) async fn nodeinfo(State(st): State<AppState>, version: &'static str) -> Response {
    let usage = match documents::usage(&st.tube).await {
        Ok(u) => u,
        Err(e) => {
            tracing::error!("nodeinfo: {e}");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let open = ruche_tube::accounts::signup_allowed(&st.tube)
        .await
        .unwrap_or(false);
    let instance = ruche_tube::instance::cached(&st.tube);
    let software = json!({ "name": "ruche", "version": env!("CARGO_PKG_VERSION") });
    let body = json!({
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": { "inbound": [], "outbound": ["atom1.0", "rss2.0"] },
        "openRegistrations": open,
        "usage": {
            "users": {
                "total": usage.users,
                "activeMonth": usage.active_month,
                "activeHalfyear": usage.active_half_year,
            },
            "localPosts": usage.local_videos,
            "localComments": 0,
        },
        "metadata": {
            "taxonomy": { "postsName": "Videos" },
            "nodeName": instance.name,
            "nodeDescription": instance.short_description,
        },
    });
    let profile = format!(
        "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/{version}#\""
    );
    (
        [
            (header::CONTENT_TYPE, profile),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*".to_string()),
        ],
        body.to_string(),
    )
        .into_response()
}

pub(super) async fn host_meta(State(st): State<AppState>) -> Response {
    let base = ruche_tube::federation::base(&st.tube);
    (
        [(header::CONTENT_TYPE, "application/xrd+xml; charset=utf-8")],
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  <Link rel=\"lrdd\" type=\"application/xrd+xml\" template=\"{}/.well-known/webfinger?resource={{uri}}\"/>\n</XRD>\n",
            ruche_pages::render::esc(base)
        ),
    )
        .into_response()
}

//! ActivityPub and the discovery around it, as PeerTube serves them: `discovery` (WebFinger,
//! NodeInfo, host-meta), `documents` (our actors, videos, comments and shares at their ids),
//! `collections` (outboxes, followers, a video's likes, comments and shares) and `inbox` (what
//! other servers send). What is answered is made by `ruche_tube::federation`; this module routes,
//! negotiates the content type and says the answer.

mod collections;
mod discovery;
mod documents;
mod inbox;

pub(crate) use documents::{account_document, channel_document, video_document};

use crate::AppState;
use crate::limits::{self, Kind};
use axum::Json;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ruche_tube::TubeError;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/inbox", post(inbox::post).layer(limits::body(Kind::Inbox)))
        .route(
            "/accounts/{name}/inbox",
            post(inbox::post).layer(limits::body(Kind::Inbox)),
        )
        .route(
            "/video-channels/{name}/inbox",
            post(inbox::post).layer(limits::body(Kind::Inbox)),
        )
        .route(
            "/accounts/{name}/{collection}",
            get(collections::of_account),
        )
        .route(
            "/video-channels/{name}/{collection}",
            get(collections::of_channel),
        )
        .route(
            "/videos/watch/{id}/{collection}",
            get(collections::of_video),
        )
        .route(
            "/videos/watch/{id}/announces/{share}",
            get(documents::video_share),
        )
        .route(
            "/videos/watch/{id}/comments/{comment}",
            get(documents::comment),
        )
        .route("/video-playlists/{id}", get(documents::playlist))
        .route(
            "/video-playlists/{id}/videos/{element}",
            get(documents::playlist_element),
        )
        .route("/.well-known/webfinger", get(discovery::webfinger))
        .route("/.well-known/nodeinfo", get(discovery::nodeinfo_links))
        .route(
            "/nodeinfo/2.0.json",
            get(|st| discovery::nodeinfo(st, "2.0")),
        )
        .route(
            "/nodeinfo/2.1.json",
            get(|st| discovery::nodeinfo(st, "2.1")),
        )
        .route("/.well-known/host-meta", get(discovery::host_meta))
}

/// A "not found" as our ActivityPub routes say it.
fn not_found(what: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "error": format!("{what} not found"), "status": 404 })),
    )
        .into_response()
}

/// An ActivityPub document, with its media type.
pub(crate) fn activity_json(body: &serde_json::Value) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/activity+json; charset=utf-8",
        )],
        body.to_string(),
    )
        .into_response()
}

/// A document or collection made by `ruche_tube`: said as ActivityPub JSON, a missing actor or
/// collection as our "not found", any other fault as the API says it.
fn answer(made: Result<Option<serde_json::Value>, TubeError>, what: &str) -> Response {
    match made {
        Ok(Some(doc)) => activity_json(&doc),
        Ok(None) => not_found(what),
        Err(TubeError::NotFound(w)) => not_found(w),
        Err(e) => crate::error::ApiError(e).into_response(),
    }
}

/// Whether a request asks for ActivityPub JSON rather than the HTML page, as PeerTube decides
/// it: `application/activity+json`, or `application/ld+json` (with or without the
/// ActivityStreams profile), preferred over `text/html`.
pub(crate) fn wants_activity_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mut best: Option<(bool, f32)> = None;
    for part in accept.split(',') {
        let mut params = part.split(';').map(str::trim);
        let media = params.next().unwrap_or_default().to_ascii_lowercase();
        let q = params
            .clone()
            .find_map(|p| p.strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()))
            .unwrap_or(1.0);
        let ap = media == "application/activity+json" || media == "application/ld+json";
        let html = media == "text/html" || media == "application/xhtml+xml";
        if (ap || html) && best.is_none_or(|(_, bq)| q > bq) {
            best = Some((ap, q));
        }
    }
    best.is_some_and(|(ap, _)| ap)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> axum::http::HeaderMap {
        let mut h = axum::http::HeaderMap::new();
        h.insert(header::ACCEPT, v.parse().expect("header"));
        h
    }

    #[test]
    fn content_negotiation_as_peertube() {
        for yes in [
            "application/activity+json",
            "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
            "application/ld+json",
            "text/html;q=0.5, application/activity+json",
        ] {
            assert!(wants_activity_json(&accept(yes)), "{yes}");
        }
        for no in [
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "*/*",
            "application/json",
            "application/activity+json;q=0.2, text/html",
        ] {
            assert!(!wants_activity_json(&accept(no)), "{no}");
        }
        assert!(!wants_activity_json(&axum::http::HeaderMap::new()));
    }
}

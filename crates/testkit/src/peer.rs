//! Another instance played by the test itself, on loopback: actors whose keys the test holds
//! (so it signs as PeerTube and Mastodon sign, draft-cavage over `(request-target) host date
//! digest`), inboxes that keep every activity they receive and answer 204 as PeerTube's do, and
//! documents and files the test may change or remove while the test runs (an origin's video
//! whose master playlist is replaced, say).

use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

#[derive(Default)]
struct State {
    /// What a GET of a path answers: its media type and bytes.
    docs: HashMap<String, (String, Vec<u8>)>,
    /// What the inboxes received: (the actor whose key signed it, activity), in order.
    received: Vec<(String, Value)>,
    /// The private key of each actor, by its id.
    keys: HashMap<String, String>,
    /// How many GETs each path had.
    gets: HashMap<String, usize>,
}

pub struct Peer {
    pub base: String,
    state: Arc<Mutex<State>>,
}

impl Peer {
    pub async fn start() -> Peer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let app = axum::Router::new().fallback(
            move |method: axum::http::Method,
                  uri: axum::http::Uri,
                  headers: axum::http::HeaderMap,
                  body: axum::body::Bytes| {
                let state = shared.clone();
                async move { answer(&state, &method, uri.path(), &headers, &body) }
            },
        );
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Peer { base, state }
    }

    /// Serves `bytes` as `media_type` at `path` (from now on, until changed or removed).
    pub fn put(&self, path: &str, media_type: &str, bytes: Vec<u8>) {
        let mut s = self.state.lock().unwrap();
        s.docs
            .insert(path.to_string(), (media_type.to_string(), bytes));
    }

    pub fn put_json(&self, path: &str, doc: &Value) {
        self.put(
            path,
            "application/activity+json; charset=utf-8",
            doc.to_string().into_bytes(),
        );
    }

    /// `path` answers 404 from now on.
    pub fn remove(&self, path: &str) {
        self.state.lock().unwrap().docs.remove(path);
    }

    /// Makes an actor of `kind` at `path` (e.g. `/accounts/ann`) with a fresh key pair; `extra`
    /// keys are added to its document. Returns its id.
    pub fn actor(&self, path: &str, kind: &str, name: &str, extra: Value) -> String {
        let (public, private) = ruche_federation::generate_key_pair().unwrap();
        let id = format!("{}{path}", self.base);
        let mut doc = json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": id, "type": kind, "preferredUsername": name, "name": name,
            "inbox": format!("{id}/inbox"), "outbox": format!("{id}/outbox"),
            "followers": format!("{id}/followers"), "following": format!("{id}/following"),
            "endpoints": { "sharedInbox": format!("{}/inbox", self.base) },
            "publicKey": { "id": format!("{id}#main-key"), "owner": id, "publicKeyPem": public },
            "published": "2026-12-01T00:00:00.000Z",
        });
        if let (Some(d), Some(e)) = (doc.as_object_mut(), extra.as_object()) {
            d.extend(e.clone());
        }
        self.put_json(path, &doc);
        self.state.lock().unwrap().keys.insert(id.clone(), private);
        id
    }

    /// How many times `path` was asked for (GET).
    pub fn gets(&self, path: &str) -> usize {
        self.state
            .lock()
            .unwrap()
            .gets
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// The private key of the actor `id`.
    pub fn private(&self, id: &str) -> String {
        self.state.lock().unwrap().keys[id].clone()
    }

    /// Everything the inboxes received so far, in order.
    pub fn received(&self) -> Vec<Value> {
        self.signed().into_iter().map(|(_, a)| a).collect()
    }

    /// Everything the inboxes received so far, with the actor whose key signed each request.
    pub fn signed(&self) -> Vec<(String, Value)> {
        self.state.lock().unwrap().received.clone()
    }

    /// POSTs `activity` to `inbox`, signed with the key of the actor `by`.
    pub async fn send(&self, by: &str, inbox: &str, activity: &Value) -> (u16, String) {
        let body = activity.to_string().into_bytes();
        let s = sign(
            inbox,
            &body,
            &format!("{by}#main-key"),
            &self.private(by),
            SystemTime::now(),
        );
        s.post(inbox).await
    }
}

/// A `Video` as PeerTube 8 sends it (the shape `acceptance::check_video` keeps), of the video
/// `uuid` on `base`, by `account` in `channel`; `url` its links after the HTML page (an HLS
/// playlist, say), `icon` its JPEG thumbnail.
pub fn video_doc(
    base: &str,
    uuid: &str,
    name: &str,
    (account, channel): (&str, &str),
    url: Vec<Value>,
    icon: &str,
) -> Value {
    let id = format!("{base}/videos/watch/{uuid}");
    let mut links = vec![json!({ "type": "Link", "mediaType": "text/html", "href": id })];
    links.extend(url);
    json!({
        "@context": ruche_tube::federation::objects::video_context(),
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [format!("{account}/followers")],
        "type": "Video", "id": id, "name": name, "duration": "PT2S", "uuid": uuid,
        "views": 0, "sensitive": false, "waitTranscoding": true, "state": 1,
        "commentsPolicy": 1, "downloadEnabled": true,
        "published": "2026-12-01T10:00:00.000Z", "updated": "2026-12-01T10:00:05.000Z",
        "tag": [], "mediaType": "text/markdown", "content": null, "subtitleLanguage": [],
        "icon": [{ "type": "Image", "url": icon, "mediaType": "image/jpeg",
                   "width": 280, "height": 157 }],
        "aspectRatio": 1.7778, "url": links,
        "likes": format!("{id}/likes"), "dislikes": format!("{id}/dislikes"),
        "shares": format!("{id}/announces"), "comments": format!("{id}/comments"),
        "attributedTo": [{ "type": "Person", "id": account }, { "type": "Group", "id": channel }],
    })
}

/// An activity of `actor` around `object`, addressed as PeerTube addresses a video's.
pub fn activity(kind: &str, id: &str, actor: &str, object: Value) -> Value {
    let mut object = object;
    let context = object
        .as_object_mut()
        .and_then(|o| o.remove("@context"))
        .unwrap_or_else(|| json!("https://www.w3.org/ns/activitystreams"));
    json!({
        "@context": context, "type": kind, "id": id, "actor": actor, "object": object,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [format!("{actor}/followers")],
    })
}

fn answer(
    state: &Mutex<State>,
    method: &axum::http::Method,
    path: &str,
    headers: &axum::http::HeaderMap,
    body: &[u8],
) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    let mut s = state.lock().unwrap();
    if method == axum::http::Method::POST {
        if !path.ends_with("/inbox") {
            return StatusCode::NOT_FOUND.into_response();
        }
        // PeerTube's inboxes answer 204 whatever they keep.
        let signer = headers
            .get("signature")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| ruche_federation::parse_signature_header(v).ok())
            .map(|p| ruche_federation::key_owner(&p.key_id).to_string())
            .unwrap_or_default();
        if let Ok(a) = serde_json::from_slice::<Value>(body) {
            s.received.push((signer, a));
        }
        return StatusCode::NO_CONTENT.into_response();
    }
    *s.gets.entry(path.to_string()).or_default() += 1;
    match s.docs.get(path) {
        Some((media_type, bytes)) => {
            ([(header::CONTENT_TYPE, media_type.clone())], bytes.clone()).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A signed POST as Mastodon and PeerTube make them; tests may change it before sending.
pub struct Signed {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Signed {
    pub async fn post(&self, url: &str) -> (u16, String) {
        let mut r = reqwest::Client::new().post(url);
        for (k, v) in &self.headers {
            r = r.header(k, v);
        }
        let res = r.body(self.body.clone()).send().await.unwrap();
        (res.status().as_u16(), res.text().await.unwrap_or_default())
    }
}

/// Signs a POST of `body` to `inbox` with the key `key_id`, dated `date`.
pub fn sign(inbox: &str, body: &[u8], key_id: &str, pem: &str, date: SystemTime) -> Signed {
    let url = reqwest::Url::parse(inbox).unwrap();
    let host = format!(
        "{}:{}",
        url.host_str().unwrap(),
        url.port_or_known_default().unwrap()
    );
    let date = ruche_federation::http_date(date);
    let digest = ruche_federation::digest(body);
    let header = |n: &str| match n {
        "host" => Some(host.clone()),
        "date" => Some(date.clone()),
        "digest" => Some(digest.clone()),
        _ => None,
    };
    let signature = ruche_federation::sign("POST", url.path(), &header, key_id, pem).unwrap();
    Signed {
        headers: vec![
            ("Date".into(), date.clone()),
            ("Digest".into(), digest.clone()),
            ("Signature".into(), signature),
            ("Content-Type".into(), "application/activity+json".into()),
        ],
        body: body.to_vec(),
    }
}

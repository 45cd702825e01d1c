//! How other servers find us: WebFinger (`acct:name@host` for accounts, channels and the
//! instance actor), NodeInfo 2.0 and 2.1 with usage figures, and host-meta — in the shapes
//! PeerTube serves them, so PeerTube and Mastodon resolve our actors the way they resolve
//! PeerTube's.

mod inbox;

use crate::AppState;
use crate::limits::{self, Kind};
use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ruche_store::{users, videos};
use serde_json::json;

use ruche_tube::federation::{INSTANCE_ACTOR, Signer, key_pair, objects};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/inbox",
            axum::routing::post(inbox::post).layer(limits::body(Kind::Inbox)),
        )
        .route(
            "/accounts/{name}/inbox",
            axum::routing::post(inbox::post).layer(limits::body(Kind::Inbox)),
        )
        .route(
            "/video-channels/{name}/inbox",
            axum::routing::post(inbox::post).layer(limits::body(Kind::Inbox)),
        )
        .route("/accounts/{name}/{collection}", get(actor_collection))
        .route(
            "/video-channels/{name}/{collection}",
            get(channel_collection),
        )
        .route("/videos/watch/{id}/{collection}", get(video_collection))
        .route("/videos/watch/{id}/announces/{share}", get(video_share))
        .route(
            "/videos/watch/{id}/comments/{comment}",
            get(comment_document),
        )
        .route("/.well-known/webfinger", get(webfinger))
        .route("/.well-known/nodeinfo", get(nodeinfo_links))
        .route("/nodeinfo/2.0.json", get(|st| nodeinfo(st, "2.0")))
        .route("/nodeinfo/2.1.json", get(|st| nodeinfo(st, "2.1")))
        .route("/.well-known/host-meta", get(host_meta))
}

/// Our host as other servers write it in handles (`name@host`, with the port if any).
pub(crate) fn host(st: &AppState) -> String {
    st.tube.settings.host()
}

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

fn not_found(what: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "error": format!("{what} not found"), "status": 404 })),
    )
        .into_response()
}

#[derive(serde::Deserialize)]
struct WebfingerQuery {
    #[serde(default)]
    resource: String,
}

/// Which local actor a WebFinger resource names: `acct:name@host`, `name@host`, or the actor's
/// own URL.
enum Named {
    Instance,
    Account(String),
    Channel(String),
}

async fn lookup(st: &AppState, name: &str) -> Result<Option<Named>, ruche_store::StoreError> {
    if name == INSTANCE_ACTOR {
        return Ok(Some(Named::Instance));
    }
    let mut c = st.tube.store.read().await?;
    if users::local_account_by_name(c.ex(), name).await?.is_some() {
        return Ok(Some(Named::Account(name.to_string())));
    }
    Ok(users::channel_by_name(c.ex(), name)
        .await?
        .filter(|ch| ch.host.is_none())
        .map(|ch| Named::Channel(ch.name)))
}

async fn webfinger(State(st): State<AppState>, Query(q): Query<WebfingerQuery>) -> Response {
    let base = ruche_tube::federation::base(&st.tube).to_string();
    let ours = host(&st);
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
    let named = match lookup(&st, &name).await {
        Ok(Some(n)) => n,
        Ok(None) => return not_found("actor"),
        Err(e) => {
            tracing::error!("webfinger {name}: {e}");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let (actor, page) = match &named {
        Named::Instance => (format!("{base}/accounts/{INSTANCE_ACTOR}"), base.clone()),
        Named::Account(n) => (format!("{base}/accounts/{n}"), format!("{base}/a/{n}")),
        Named::Channel(n) => (
            format!("{base}/video-channels/{n}"),
            format!("{base}/c/{n}"),
        ),
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

async fn nodeinfo_links(State(st): State<AppState>) -> Response {
    let base = ruche_tube::federation::base(&st.tube);
    jrd(json!({
        "links": [
            { "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": format!("{base}/nodeinfo/2.0.json") },
            { "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": format!("{base}/nodeinfo/2.1.json") },
            { "rel": "https://www.w3.org/ns/activitystreams#Application", "href": format!("{base}/accounts/{INSTANCE_ACTOR}") },
        ],
    }))
}

async fn nodeinfo(State(st): State<AppState>, version: &'static str) -> Response {
    const DAY_MS: i64 = 24 * 3600 * 1000;
    let now = ruche_store::now_ms();
    let figures = async {
        let mut c = st.tube.store.read().await?;
        let total = users::count_users(c.ex()).await?;
        let month = users::active_users(c.ex(), now - 30 * DAY_MS).await?;
        let half_year = users::active_users(c.ex(), now - 180 * DAY_MS).await?;
        let (_, posts) = videos::list(
            c.ex(),
            &videos::ListFilter {
                public_only: true,
                is_local: Some(true),
                count: 0,
                ..Default::default()
            },
        )
        .await?;
        Ok::<_, ruche_store::StoreError>((total, month, half_year, posts))
    }
    .await;
    let (total, month, half_year, posts) = match figures {
        Ok(f) => f,
        Err(e) => {
            tracing::error!("nodeinfo: {e}");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let settings = &st.tube.settings;
    let open = ruche_tube::accounts::signup_allowed(&st.tube)
        .await
        .unwrap_or(false);
    let software = json!({ "name": "ruche", "version": env!("CARGO_PKG_VERSION") });
    let body = json!({
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": { "inbound": [], "outbound": ["atom1.0", "rss2.0"] },
        "openRegistrations": open,
        "usage": {
            "users": { "total": total, "activeMonth": month, "activeHalfyear": half_year },
            "localPosts": posts,
            "localComments": 0,
        },
        "metadata": {
            "taxonomy": { "postsName": "Videos" },
            "nodeName": settings.instance.name,
            "nodeDescription": settings.instance.short_description,
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

async fn host_meta(State(st): State<AppState>) -> Response {
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

/// A video other servers may see: published, and public or unlisted.
#[allow(clippy::result_large_err)] // The error is the answer itself.
async fn shared_video(st: &AppState, id: &str) -> Result<ruche_store::videos::Video, Response> {
    use ruche_domain::video::{Privacy, VideoState};
    let v = ruche_tube::videos::find(&st.tube, id)
        .await
        .map_err(|e| crate::error::ApiError(e).into_response())?;
    if let Some(origin) = &v.url {
        // Another instance's video is described by its origin, as PeerTube redirects.
        return Err(axum::response::Redirect::to(origin).into_response());
    }
    let shared = matches!(
        Privacy::from_id(v.privacy),
        Some(Privacy::Public | Privacy::Unlisted)
    );
    if !shared || VideoState::from_id(v.state) != VideoState::Published {
        return Err(not_found("video"));
    }
    // An unlisted video is known by its UUID only (no counting through ids).
    if Privacy::from_id(v.privacy) == Some(Privacy::Unlisted) && ruche_tube::videos::by_number(id) {
        return Err(not_found("video"));
    }
    Ok(v)
}

/// A video as its `Video` object: only published videos that are public or unlisted.
pub(crate) async fn video_document(st: &AppState, id: &str) -> Response {
    let v = match shared_video(st, id).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let files = match ruche_tube::videos::files(&st.tube, v.id).await {
        Ok(f) => f,
        Err(e) => return crate::error::ApiError(e).into_response(),
    };
    let base = ruche_tube::federation::base(&st.tube);
    activity_json(&objects::video(base, &v, &files))
}

/// One of our comments as its `Note` (a `Tombstone` once deleted), for servers that fetch it
/// (Mastodon's search, instances checking a forwarded comment); browsers go to its video.
async fn comment_document(
    State(st): State<AppState>,
    headers: axum::http::HeaderMap,
    axum::extract::Path((id, comment)): axum::extract::Path<(String, i64)>,
) -> Response {
    let found = async {
        let v = ruche_tube::videos::find_visible(&st.tube, &id, None).await?;
        let mut c = st.tube.store.read().await?;
        let cm = ruche_store::comments::by_id(c.ex(), comment)
            .await?
            .filter(|cm| cm.video_id == v.id && cm.url.is_none())
            .ok_or(ruche_tube::TubeError::NotFound("comment"))?;
        let (doc, _) =
            ruche_tube::federation::outbox::note_document(c.ex(), &st.tube, &v, &cm).await?;
        Ok::<_, ruche_tube::TubeError>((v, cm, doc))
    }
    .await;
    match found {
        Ok((v, cm, doc)) => {
            if wants_activity_json(&headers) {
                activity_json(&doc)
            } else {
                let thread = cm.thread_id.unwrap_or(cm.id);
                axum::response::Redirect::to(&format!(
                    "/w/{}?threadId={thread}",
                    objects::short_uuid(&v.uuid)
                ))
                .into_response()
            }
        }
        Err(e) => crate::error::ApiError(e).into_response(),
    }
}

/// An account (or, for [`INSTANCE_ACTOR`], the instance) as its actor document.
pub(crate) async fn account_document(st: &AppState, name: &str) -> Response {
    let base = ruche_tube::federation::base(&st.tube).to_string();
    if name == INSTANCE_ACTOR {
        let key = match key_pair(&st.tube, Signer::Instance).await {
            Ok(k) => k,
            Err(e) => return crate::error::ApiError(e).into_response(),
        };
        let started = {
            let mut c = match st.tube.store.read().await {
                Ok(c) => c,
                Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
            };
            users::user_by_id(c.ex(), 1)
                .await
                .map(|u| u.created_at)
                .unwrap_or_default()
        };
        return activity_json(&objects::instance_actor(&base, started, &key.public_pem));
    }
    let account = async {
        let mut c = st.tube.store.read().await?;
        users::local_account_by_name(c.ex(), name).await
    }
    .await;
    let a = match account {
        Ok(Some(a)) => a,
        Ok(None) => return not_found("account"),
        Err(e) => return crate::error::ApiError(e.into()).into_response(),
    };
    let key = match key_pair(&st.tube, Signer::Account(a.id)).await {
        Ok(k) => k,
        Err(e) => return crate::error::ApiError(e).into_response(),
    };
    activity_json(&objects::account_actor(&base, &a, &key.public_pem))
}

/// A channel as its `Group` actor, attributed to its account.
pub(crate) async fn channel_document(st: &AppState, name: &str) -> Response {
    let base = ruche_tube::federation::base(&st.tube).to_string();
    let found = async {
        let mut c = st.tube.store.read().await?;
        let Some(ch) = users::channel_by_name(c.ex(), name)
            .await?
            .filter(|ch| ch.host.is_none())
        else {
            return Ok(None);
        };
        let owner = users::account_by_id(c.ex(), ch.account_id).await?;
        Ok::<_, ruche_store::StoreError>(Some((ch, owner)))
    }
    .await;
    let (ch, owner) = match found {
        Ok(Some(v)) => v,
        Ok(None) => return not_found("channel"),
        Err(e) => return crate::error::ApiError(e.into()).into_response(),
    };
    let key = match key_pair(&st.tube, Signer::Channel(ch.id)).await {
        Ok(k) => k,
        Err(e) => return crate::error::ApiError(e).into_response(),
    };
    activity_json(&objects::channel_actor(&base, &ch, &owner, &key.public_pem))
}

/// Items per collection page, as PeerTube pages them.
const PAGE_SIZE: i64 = 10;

#[derive(serde::Deserialize)]
struct PageQuery {
    page: Option<u32>,
}

/// What a request asks of a collection, as rows to read: nothing but its size (no `?page`), or
/// one page. Every collection is paged in SQL: however long, a request reads ten rows.
#[derive(Clone, Copy)]
struct Slice {
    page: Option<i64>,
    start: i64,
    count: i64,
}

impl Slice {
    fn of(page: Option<u32>) -> Slice {
        match page {
            None => Slice {
                page: None,
                start: 0,
                count: 0,
            },
            Some(n) => {
                let n = i64::from(n.max(1));
                Slice {
                    page: Some(n),
                    start: (n - 1) * PAGE_SIZE,
                    count: PAGE_SIZE,
                }
            }
        }
    }
}

fn collection_context() -> serde_json::Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        { "RsaSignature2017": "https://w3id.org/security#RsaSignature2017" },
    ])
}

/// An `OrderedCollection` as PeerTube serves one: without `?page`, its size and first page;
/// with `?page=N` (from 1), that page's `items` (newest first), of `total` in all.
fn collection(id: &str, at: Slice, total: i64, items: Vec<serde_json::Value>) -> Response {
    let body = match at.page {
        None => json!({
            "@context": collection_context(),
            "id": id,
            "type": "OrderedCollection",
            "totalItems": total,
            "first": format!("{id}?page=1"),
        }),
        Some(n) => {
            let mut p = json!({
                "@context": collection_context(),
                "id": format!("{id}?page={n}"),
                "type": "OrderedCollectionPage",
                "partOf": id,
                "orderedItems": items,
                "totalItems": total,
            });
            if n > 1 {
                p["prev"] = json!(format!("{id}?page={}", n - 1));
            }
            if at.start + PAGE_SIZE < total {
                p["next"] = json!(format!("{id}?page={}", n + 1));
            }
            p
        }
    };
    activity_json(&body)
}

/// A page of the public videos of an account or a channel (all of the instance's when neither),
/// newest first, and how many there are.
async fn public_videos(
    st: &AppState,
    account_id: Option<i64>,
    channel_id: Option<i64>,
    at: Slice,
) -> Result<(Vec<ruche_store::videos::Video>, i64), ruche_store::StoreError> {
    let mut c = st.tube.store.read().await?;
    videos::list(
        c.ex(),
        &videos::ListFilter {
            public_only: true,
            is_local: Some(true),
            account_id,
            channel_id,
            start: at.start,
            count: at.count,
            newest_first: true,
        },
    )
    .await
}

/// An actor's accepted followers or followings, as a collection of actor ids.
async fn follow_collection(
    st: &AppState,
    actor: &str,
    which: &str,
    id: &str,
    at: Slice,
) -> Response {
    use ruche_store::federation::{self as fstore, Side};
    let side = if which == "followers" {
        Side::Followers
    } else {
        Side::Following
    };
    let found = async {
        let mut c = st.tube.store.read().await?;
        fstore::follows_of(c.ex(), actor, side, Some("accepted"), at.start, at.count).await
    }
    .await;
    match found {
        Ok((rows, total)) => {
            let items: Vec<_> = rows
                .into_iter()
                .map(|f| {
                    json!(if which == "followers" {
                        f.follower
                    } else {
                        f.following
                    })
                })
                .collect();
            collection(id, at, total, items)
        }
        Err(e) => crate::error::ApiError(e.into()).into_response(),
    }
}

/// An account's outbox (Create of each public video), followers and following.
async fn actor_collection(
    State(st): State<AppState>,
    axum::extract::Path((name, which)): axum::extract::Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Response {
    let base = ruche_tube::federation::base(&st.tube).to_string();
    let actor = format!("{base}/accounts/{name}");
    let at = Slice::of(q.page);
    let account = if name == INSTANCE_ACTOR {
        None
    } else {
        let found = async {
            let mut c = st.tube.store.read().await?;
            users::local_account_by_name(c.ex(), &name).await
        }
        .await;
        match found {
            Ok(Some(a)) => Some(a),
            Ok(None) => return not_found("account"),
            Err(e) => return crate::error::ApiError(e.into()).into_response(),
        }
    };
    let id = format!("{actor}/{which}");
    match which.as_str() {
        "followers" | "following" => follow_collection(&st, &actor, &which, &id, at).await,
        // Advertised in the actor (PeerTube reads it): empty until playlists exist.
        "playlists" => collection(&id, at, 0, Vec::new()),
        "outbox" => {
            // An account's outbox creates its videos; the instance's announces them all (what
            // an instance that starts following us reads to catch up, as PeerTube's does).
            let (list, total) =
                match public_videos(&st, account.as_ref().map(|a| a.id), None, at).await {
                    Ok(l) => l,
                    Err(e) => return crate::error::ApiError(e.into()).into_response(),
                };
            let items: Vec<_> = list
                .iter()
                .map(|v| {
                    let (to, cc) = objects::audience(&base, v);
                    let object = format!("{base}/videos/watch/{}", v.uuid);
                    if account.is_some() {
                        json!({
                            "to": to, "cc": cc, "type": "Create",
                            "id": format!("{object}/activity"), "actor": actor, "object": object,
                        })
                    } else {
                        outbox_item(objects::own_announce(&base, v, objects::INSTANCE_SHARE))
                    }
                })
                .collect();
            collection(&id, at, total, items)
        }
        _ => not_found("collection"),
    }
}

/// A channel's outbox (Announce of each public video, by the channel), followers, following.
async fn channel_collection(
    State(st): State<AppState>,
    axum::extract::Path((name, which)): axum::extract::Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Response {
    let base = ruche_tube::federation::base(&st.tube).to_string();
    let at = Slice::of(q.page);
    let found = async {
        let mut c = st.tube.store.read().await?;
        users::channel_by_name(c.ex(), &name).await
    }
    .await;
    let ch = match found {
        Ok(Some(ch)) if ch.host.is_none() => ch,
        Ok(_) => return not_found("channel"),
        Err(e) => return crate::error::ApiError(e.into()).into_response(),
    };
    let actor = format!("{base}/video-channels/{}", ch.name);
    let id = format!("{actor}/{which}");
    match which.as_str() {
        "followers" | "following" => follow_collection(&st, &actor, &which, &id, at).await,
        "playlists" => collection(&id, at, 0, Vec::new()),
        "outbox" => {
            let (list, total) = match public_videos(&st, None, Some(ch.id), at).await {
                Ok(l) => l,
                Err(e) => return crate::error::ApiError(e.into()).into_response(),
            };
            let items: Vec<_> = list
                .iter()
                .map(|v| outbox_item(objects::own_announce(&base, v, ch.id)))
                .collect();
            collection(&id, at, total, items)
        }
        _ => not_found("collection"),
    }
}

/// A video's likes and dislikes (the rating activities, as PeerTube lists them:
/// `<account>/likes/<video>` for ours, the received activity's id for others'), its comments
/// (their ids) and its shares (its channel's and the instance's Announces and those of other
/// instances' actors); and `activity`, its Create.
async fn video_collection(
    State(st): State<AppState>,
    axum::extract::Path((id, which)): axum::extract::Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Response {
    let v = match shared_video(&st, &id).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let base = ruche_tube::federation::base(&st.tube).to_string();
    let at = Slice::of(q.page);
    if which == "activity" {
        // The video's Create (the id our outboxes list), as PeerTube answers it.
        if !ruche_tube::federation::outbox::federated(&st.tube, &v) {
            return not_found("activity");
        }
        return match ruche_tube::videos::files(&st.tube, v.id).await {
            Ok(files) => activity_json(&objects::create_video(&base, &v, &files)),
            Err(e) => crate::error::ApiError(e).into_response(),
        };
    }
    let page = async {
        let mut c = st.tube.store.read().await?;
        Ok::<_, ruche_store::StoreError>(Some(match which.as_str() {
            "likes" | "dislikes" => {
                let kind = if which == "likes" { "like" } else { "dislike" };
                let (rows, total) = videos::rates(c.ex(), v.id, kind, at.start, at.count).await?;
                let items = rows
                    .into_iter()
                    .map(|(name, actor, activity)| {
                        let actor = actor.unwrap_or_else(|| format!("{base}/accounts/{name}"));
                        json!(activity.unwrap_or_else(|| format!("{actor}/{which}/{}", v.id)))
                    })
                    .collect();
                (items, total)
            }
            "comments" => {
                let (rows, total) =
                    ruche_store::comments::ids_of_video(c.ex(), v.id, at.start, at.count).await?;
                let items = rows
                    .into_iter()
                    .map(|(cid, url)| {
                        json!(url.unwrap_or_else(|| format!(
                            "{base}/videos/watch/{}/comments/{cid}",
                            v.uuid
                        )))
                    })
                    .collect();
                (items, total)
            }
            "announces" => {
                // Its channel's and the instance's own Announces (each answers at its id),
                // then other instances' shares, read from the store a page at a time.
                let own: Vec<serde_json::Value> =
                    if ruche_tube::federation::outbox::federated(&st.tube, &v) {
                        [v.channel_id, objects::INSTANCE_SHARE]
                            .iter()
                            .map(|n| json!(format!("{base}/videos/watch/{}/announces/{n}", v.uuid)))
                            .collect()
                    } else {
                        Vec::new()
                    };
                let n_own = own.len() as i64;
                let mut items: Vec<serde_json::Value> = own
                    .into_iter()
                    .skip(usize::try_from(at.start).unwrap_or(usize::MAX))
                    .take(usize::try_from(at.count).unwrap_or(0))
                    .collect();
                let rest = at.count - items.len() as i64;
                let (stored, stored_total) =
                    videos::shares(c.ex(), v.id, (at.start - n_own).max(0), rest).await?;
                items.extend(stored.into_iter().map(|u| json!(u)));
                (items, n_own + stored_total)
            }
            _ => return Ok(None),
        }))
    }
    .await;
    let (items, total) = match page {
        Ok(Some(p)) => p,
        Ok(None) => return not_found("collection"),
        Err(e) => return crate::error::ApiError(e.into()).into_response(),
    };
    let cid = format!("{base}/videos/watch/{}/{which}", v.uuid);
    collection(&cid, at, total, items)
}

/// An activity as an item of a collection page: without its own `@context`.
fn outbox_item(activity: Option<serde_json::Value>) -> serde_json::Value {
    let mut a = activity.unwrap_or_default();
    if let Some(o) = a.as_object_mut() {
        o.remove("@context");
    }
    a
}

/// One of our own Announces of one of our videos, at its id (`<video>/announces/<n>`): PeerTube
/// reads every id of a video's `shares` collection, and keeps only those that answer.
async fn video_share(
    State(st): State<AppState>,
    axum::extract::Path((id, share)): axum::extract::Path<(String, String)>,
) -> Response {
    let v = match shared_video(&st, &id).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let base = ruche_tube::federation::base(&st.tube);
    let announce = share
        .parse::<i64>()
        .ok()
        .filter(|_| ruche_tube::federation::outbox::federated(&st.tube, &v))
        .and_then(|n| objects::own_announce(base, &v, n));
    match announce {
        Some(a) => activity_json(&a),
        None => not_found("share"),
    }
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

//! Other instances' documents, fetched and kept: actors as accounts and channels (with the
//! inbox to deliver to and the key that checks their signatures), videos in the same table as
//! ours (played from their origin), handles looked up by WebFinger.
//!
//! Every fetch goes through the guarded fetcher (public addresses only unless insecure mode is
//! on, bounded size, time and redirects), is signed by the instance actor (for servers that
//! require signed fetches), and its document must have an id of the origin it came from.

use super::{Signer, base, key_id, key_pair};
use crate::{Tube, TubeError, TubeResult};
use ruche_domain::urls;
use ruche_domain::video::{CommentsPolicy, Privacy, category_label, licence_label};
use ruche_federation::ap::{self, ActorDoc};
use ruche_store::federation::{self as fstore, RemoteActor, RemoteProfile};
use ruche_store::now_ms;
use ruche_store::users::{Holder, PictureKind};
use ruche_store::videos::{self as vstore, RemoteVideo, Video};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What we ask other servers for.
pub const AP_ACCEPT: &str = "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";

fn remote(what: impl std::fmt::Display) -> TubeError {
    TubeError::Remote(what.to_string())
}

/// The URL scheme other instances are reached at: https, or http in insecure mode (tests and
/// development on loopback).
pub fn scheme(tube: &Tube) -> &'static str {
    if tube.settings.federation.allow_insecure {
        "http"
    } else {
        "https"
    }
}

/// Fetches an ActivityPub document, signed by the instance actor. Its `id` must be of the
/// origin it was finally fetched from (after redirects).
pub async fn fetch(tube: &Tube, url: &str) -> TubeResult<Value> {
    if url.starts_with(&format!("{}/", base(tube))) {
        return Err(remote(format!("{url} is one of ours")));
    }
    let key = key_pair(tube, Signer::Instance).await?;
    let kid = key_id(&urls::instance_actor(base(tube)));
    let sign = |u: &ruche_fetch::Url| {
        super::signed_headers(&kid, &key.private_pem, "GET", u, None).unwrap_or_default()
    };
    let got = tube
        .fetcher
        .get_signed(url, AP_ACCEPT, &sign)
        .await
        .map_err(|e| remote(format!("{url}: {e}")))?;
    let doc: Value =
        serde_json::from_slice(&got.body).map_err(|e| remote(format!("{url} is not JSON: {e}")))?;
    let id = ap::str_of(&doc, "id").ok_or_else(|| remote(format!("{url}: no id")))?;
    ap::check_origin(id, got.final_url.as_str()).map_err(remote)?;
    Ok(doc)
}

/// The store's row of a remote actor document (without its account or channel yet).
fn row(doc: &ActorDoc) -> RemoteActor {
    RemoteActor {
        url: doc.id.clone(),
        kind: doc.kind.clone(),
        host: ap::host_of(&doc.id).unwrap_or_default(),
        username: doc.preferred_username.clone(),
        inbox: doc.inbox.clone(),
        shared_inbox: doc.shared_inbox.clone(),
        followers_url: doc.followers.clone(),
        key_id: doc.key_id.clone(),
        public_key_pem: doc.public_key_pem.clone(),
        ..Default::default()
    }
}

/// Keeps an actor document: a Person, Application, Service or Organization as an account, a
/// Group as a channel of its owner's account (PeerTube's channels are attributed to a Person
/// of the same instance; a Group without one is kept as an actor only).
pub async fn store_actor(tube: &Tube, doc: &ActorDoc) -> TubeResult<RemoteActor> {
    let host = ap::host_of(&doc.id).ok_or_else(|| remote("an actor id without a host"))?;
    let display = doc.name.as_deref().unwrap_or(&doc.preferred_username);
    let profile = RemoteProfile {
        url: &doc.id,
        name: &doc.preferred_username,
        host: &host,
        display_name: display,
        description: doc.summary.as_deref(),
        support: doc.support.as_deref(),
    };
    let mut r = row(doc);
    if doc.kind == "Group" {
        let owner = doc
            .attributed_to
            .iter()
            .find(|o| ap::same_origin(o, &doc.id) && *o != &doc.id);
        let owner = match owner {
            Some(owner) => Box::pin(actor(tube, owner)).await?.account_id,
            None => None,
        };
        let mut tx = tube.store.begin().await?;
        if let Some(account_id) = owner {
            r.channel_id = Some(fstore::upsert_channel(tx.ex(), account_id, &profile).await?);
        }
        let stored = fstore::upsert_actor(tx.ex(), &r).await?;
        tx.commit().await?;
        if let Some(id) = stored.channel_id {
            pictures_of(tube, Holder::Channel(id), doc).await;
        }
        return Ok(stored);
    }
    let mut tx = tube.store.begin().await?;
    r.account_id = Some(fstore::upsert_account(tx.ex(), &profile).await?);
    let stored = fstore::upsert_actor(tx.ex(), &r).await?;
    tx.commit().await?;
    if let Some(id) = stored.account_id {
        pictures_of(tube, Holder::Account(id), doc).await;
    }
    Ok(stored)
}

/// What an actor says its avatar and banner are; a failure to keep them costs only pictures.
async fn pictures_of(tube: &Tube, holder: Holder, doc: &ActorDoc) {
    let mut kinds = vec![(PictureKind::Avatar, &doc.icons)];
    if matches!(holder, Holder::Channel(_)) {
        kinds.push((PictureKind::Banner, &doc.images));
    }
    for (kind, refs) in kinds {
        if let Err(e) = crate::profiles::store_remote_pictures(tube, holder, kind, refs).await {
            tracing::warn!("pictures of {}: {e}", doc.id);
        }
    }
}

/// Fetches an actor anew and keeps it.
pub async fn refresh_actor(tube: &Tube, url: &str) -> TubeResult<RemoteActor> {
    let doc = fetch(tube, url).await?;
    let parsed = ap::parse_actor(&doc, url).map_err(remote)?;
    store_actor(tube, &parsed).await
}

/// A remote actor, from the store while fresh, else fetched.
pub async fn actor(tube: &Tube, url: &str) -> TubeResult<RemoteActor> {
    let url = url.split('#').next().unwrap_or(url);
    let known = {
        let mut c = tube.store.read().await?;
        fstore::actor_by_url(c.ex(), url).await?
    };
    let max_age = i64::try_from(tube.settings.federation.refresh_actors_secs)
        .unwrap_or(i64::MAX / 1000)
        .saturating_mul(1000);
    match known {
        Some(a) if now_ms() - a.fetched_at < max_age => Ok(a),
        Some(a) => match refresh_actor(tube, url).await {
            Ok(fresh) => Ok(fresh),
            // A stale copy beats nothing while its server is down.
            Err(e) => {
                tracing::warn!("could not refresh {url}: {e}");
                Ok(a)
            }
        },
        None => refresh_actor(tube, url).await,
    }
}

/// The actor whose key `key_id` is: by the key's id, by its owner's URL (the id without its
/// fragment, as PeerTube signs), or, for an `acct:` key id, through WebFinger. `refresh` fetches
/// the owner again (its key may have been rotated).
pub async fn actor_for_key(tube: &Tube, key_id: &str, refresh: bool) -> TubeResult<RemoteActor> {
    let owner_url = if let Some(handle) = key_id.strip_prefix("acct:") {
        if unreachable_lately(key_id) {
            return Err(remote(format!("{key_id} could not be resolved lately")));
        }
        webfinger(tube, handle)
            .await
            .inspect_err(|_| unreachable_now(key_id))?
    } else {
        ruche_federation::key_owner(key_id).to_string()
    };
    {
        let mut c = tube.store.read().await?;
        if let Some(a) = fstore::actor_by_url(c.ex(), &owner_url).await? {
            // A signature that does not verify asks for the actor again (its key may have been
            // rotated), but not more than once a minute: forged requests naming a known key
            // must not make us fetch its actor each time.
            if !refresh || now_ms() - a.fetched_at < REFETCH_AFTER_MS {
                return Ok(a);
            }
        }
    }
    if unreachable_lately(&owner_url) {
        return Err(remote(format!("{owner_url} could not be fetched lately")));
    }
    let doc = fetch(tube, &owner_url)
        .await
        .inspect_err(|_| unreachable_now(&owner_url))?;
    // Some servers give keys documents of their own (`…/main-key`), owned by the actor.
    let doc = if doc.get("inbox").is_none()
        && let Some(owner) = ap::str_of(&doc, "owner")
    {
        ap::check_origin(owner, &owner_url).map_err(remote)?;
        fetch(tube, owner).await?
    } else {
        doc
    };
    let id = ap::str_of(&doc, "id").unwrap_or(&owner_url).to_string();
    let parsed = ap::parse_actor(&doc, &id).map_err(remote)?;
    store_actor(tube, &parsed).await
}

/// How soon a known actor may be fetched again because a signature did not verify.
const REFETCH_AFTER_MS: i64 = 60_000;

/// Actors (and `acct:` keys) whose fetch failed lately, with when: a flood of requests naming
/// keys on a dead or hostile server costs one fetch per key per while, not one per request.
/// Bounded: past its size, the oldest are forgotten.
static UNREACHABLE: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>,
> = std::sync::LazyLock::new(Default::default);
const UNREACHABLE_FOR: std::time::Duration = std::time::Duration::from_secs(120);
const UNREACHABLE_MAX: usize = 10_000;

fn unreachable_lately(url: &str) -> bool {
    let Ok(mut failed) = UNREACHABLE.lock() else {
        return false;
    };
    match failed.get(url) {
        Some(at) if at.elapsed() < UNREACHABLE_FOR => true,
        Some(_) => {
            failed.remove(url);
            false
        }
        None => false,
    }
}

fn unreachable_now(url: &str) {
    let Ok(mut failed) = UNREACHABLE.lock() else {
        return;
    };
    if failed.len() >= UNREACHABLE_MAX {
        failed.retain(|_, at| at.elapsed() < UNREACHABLE_FOR);
        while failed.len() >= UNREACHABLE_MAX {
            let Some(oldest) = failed
                .iter()
                .min_by_key(|(_, at)| **at)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            failed.remove(&oldest);
        }
    }
    failed.insert(url.to_string(), std::time::Instant::now());
}

/// The actor URL of a `name@host` handle, by WebFinger.
pub async fn webfinger(tube: &Tube, handle: &str) -> TubeResult<String> {
    let (name, host) = ap::split_handle(handle)
        .ok_or_else(|| TubeError::BadRequest(format!("{handle:?} is not a name@host handle")))?;
    let url = format!(
        "{}://{host}/.well-known/webfinger?resource=acct:{name}@{host}",
        scheme(tube)
    );
    let got = tube
        .fetcher
        .get(&url, "application/jrd+json, application/json")
        .await
        .map_err(|e| remote(format!("{host}: {e}")))?;
    let jrd: Value = serde_json::from_slice(&got.body)
        .map_err(|_| remote(format!("{host}: WebFinger did not answer JSON")))?;
    let actor = ap::webfinger_actor(&jrd)
        .ok_or_else(|| remote(format!("{handle}: no ActivityPub actor")))?;
    if ap::host_of(actor).as_deref() != Some(&host.to_ascii_lowercase()) {
        return Err(remote(format!("{handle}: its actor is on another host")));
    }
    Ok(actor.to_string())
}

/// The instance actor of a host, as PeerTube finds it: nodeinfo's `Application` link, else
/// WebFinger `peertube@host`.
pub async fn instance_actor(tube: &Tube, host: &str) -> TubeResult<String> {
    let url = format!("{}://{host}/.well-known/nodeinfo", scheme(tube));
    if let Ok(got) = tube.fetcher.get(&url, "application/json").await
        && let Ok(links) = serde_json::from_slice::<Value>(&got.body)
        && let Some(href) = links["links"].as_array().and_then(|l| {
            l.iter().find_map(|l| {
                (l["rel"] == "https://www.w3.org/ns/activitystreams#Application")
                    .then(|| l["href"].as_str())
                    .flatten()
            })
        })
        && ap::host_of(href).as_deref() == Some(&host.to_ascii_lowercase())
    {
        return Ok(href.to_string());
    }
    webfinger(tube, &format!("{}@{host}", urls::INSTANCE_ACTOR)).await
}

// ---------------------------------------------------------------------------------------------
// Videos

/// Where a remote video plays from: the links of its origin's `Video` object.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct RemoteMedia {
    /// The watch page on its instance.
    pub page: Option<String>,
    /// The HLS master playlist.
    pub playlist: Option<String>,
    pub segments_sha256: Option<String>,
    /// Its fragmented MP4s (HLS renditions).
    pub files: Vec<RemoteFile>,
    pub thumbnail: Option<String>,
    pub preview: Option<String>,
    /// The WebSocket trackers its origin announces (its viewers' swarm), and the info hashes it
    /// published (its playlist's swarms, its torrents), which our tracker serves too.
    #[serde(default)]
    pub trackers: Vec<String>,
    #[serde(default)]
    pub info_hashes: Vec<String>,
    /// Its storyboard (the origin's picture and grid), from the `Video`'s `preview`.
    #[serde(default)]
    pub storyboard: Option<ruche_domain::video::Storyboard>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct RemoteFile {
    pub url: String,
    /// Its ffprobe metadata on its origin (PeerTube's `metadata` link).
    #[serde(default)]
    pub metadata: Option<String>,
    pub width: i64,
    pub height: i64,
    pub size: i64,
    pub fps: i64,
    pub has_audio: bool,
    pub has_video: bool,
    /// Its torrent on its origin (PeerTube's `application/x-bittorrent` Link and magnet).
    #[serde(default)]
    pub torrent: Option<RemoteTorrent>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct RemoteTorrent {
    pub url: String,
    pub magnet: String,
}

impl RemoteMedia {
    pub fn of(v: &Video) -> Option<RemoteMedia> {
        serde_json::from_str(v.remote_media.as_deref()?).ok()
    }
}

/// `PT1H2M3S` (or PeerTube's `PT3723S`) in seconds.
fn parse_duration(d: &str) -> Option<i64> {
    let rest = d.strip_prefix("PT")?;
    let (mut total, mut num) = (0f64, String::new());
    for ch in rest.chars() {
        match ch {
            '0'..='9' | '.' => num.push(ch),
            'H' | 'M' | 'S' => {
                let n: f64 = num.parse().ok()?;
                total += n * match ch {
                    'H' => 3600.0,
                    'M' => 60.0,
                    _ => 1.0,
                };
                num.clear();
            }
            _ => return None,
        }
    }
    num.is_empty().then_some(total.round() as i64)
}

fn iso_ms(v: &Value) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(v.as_str()?)
        .ok()
        .map(|d| d.timestamp_millis())
}

fn web_url(insecure: bool, u: &str) -> bool {
    (u.starts_with("https://") || (insecure && u.starts_with("http://"))) && u.len() <= ap::MAX_URL
}

/// What is read of a `Video`'s links. It is kept as JSON and read again for every card and
/// page that shows the video, so a document of a megabyte of links must not become a
/// megabyte kept: PeerTube lists, per resolution, a file, its torrent, magnet and metadata
/// links, for eight resolutions at most.
const MAX_URL_LINKS: usize = 64;
const MAX_PLAYLIST_TAGS: usize = 128;
const MAX_FILES: usize = 16;
const MAX_TRACKERS: usize = 4;
const MAX_INFO_HASHES: usize = 48;
const TORRENT: &str = "application/x-bittorrent";
const MAGNET: &str = "application/x-bittorrent;x-scheme-handler/magnet";

fn is_info_hash(h: &str) -> bool {
    h.len() == 40 && h.bytes().all(|b| b.is_ascii_hexdigit())
}
const MAX_ICONS: usize = 16;

fn int(v: &Value) -> i64 {
    v.as_i64()
        .or_else(|| v.as_f64().map(|f| f.round() as i64))
        .unwrap_or(0)
}

/// The links of a `Video` object's `url` and `icon`.
fn media_of(insecure: bool, doc: &Value) -> RemoteMedia {
    let mut m = RemoteMedia::default();
    // (height, href) of the files' metadata links, torrents and magnets, matched to the files
    // below.
    let mut metadata: Vec<(i64, String)> = Vec::new();
    let mut torrents: Vec<(i64, String)> = Vec::new();
    let mut magnets: Vec<(i64, String)> = Vec::new();
    for link in ap::each(&doc["url"]).into_iter().take(MAX_URL_LINKS) {
        let is_tracker = ap::each(&link["rel"])
            .iter()
            .any(|r| r.as_str() == Some("websocket"));
        if is_tracker
            && let Some(h) = ap::href(link).filter(|h| {
                (h.starts_with("wss://") || (insecure && h.starts_with("ws://")))
                    && h.len() <= ap::MAX_URL
            })
            && m.trackers.len() < MAX_TRACKERS
        {
            m.trackers.push(h.to_string());
            continue;
        }
        let Some(href) = ap::href(link).filter(|h| web_url(insecure, h)) else {
            continue;
        };
        match link["mediaType"].as_str().unwrap_or_default() {
            "text/html" if m.page.is_none() => m.page = Some(href.to_string()),
            "application/x-mpegURL" if m.playlist.is_none() => {
                m.playlist = Some(href.to_string());
                for t in ap::each(&link["tag"]).into_iter().take(MAX_PLAYLIST_TAGS) {
                    if t["type"] == "Infohash" {
                        if let Some(h) = t["name"].as_str().filter(|h| is_info_hash(h))
                            && m.info_hashes.len() < MAX_INFO_HASHES
                        {
                            m.info_hashes.push(h.to_ascii_lowercase());
                        }
                        continue;
                    }
                    if t["mediaType"] == MAGNET {
                        if let Some(h) = t["href"].as_str().filter(|h| h.len() <= ap::MAX_URL)
                            && h.starts_with("magnet:?")
                            && magnets.len() < MAX_FILES
                        {
                            magnets.push((int(&t["height"]), h.to_string()));
                        }
                        continue;
                    }
                    let Some(th) = ap::href(t).filter(|h| web_url(insecure, h)) else {
                        continue;
                    };
                    if t["type"] == "Infohash" {
                        continue; // read below: its name is no URL
                    }
                    if t["name"] == "sha256" {
                        m.segments_sha256 = Some(th.to_string());
                    } else if t["mediaType"] == TORRENT {
                        if torrents.len() < MAX_FILES {
                            torrents.push((int(&t["height"]), th.to_string()));
                        }
                    } else if ap::each(&t["rel"])
                        .iter()
                        .any(|r| r.as_str() == Some("metadata"))
                    {
                        if metadata.len() < MAX_FILES {
                            metadata.push((int(&t["height"]), th.to_string()));
                        }
                    } else if t["mediaType"] == "video/mp4"
                        && t.get("rel").is_none()
                        && m.files.len() < MAX_FILES
                    {
                        let kinds: Vec<&str> = ap::each(&t["attachment"])
                            .into_iter()
                            .filter(|a| a["name"] == "ffprobe_codec_type")
                            .filter_map(|a| a["value"].as_str())
                            .collect();
                        m.files.push(RemoteFile {
                            url: th.to_string(),
                            metadata: None,
                            width: int(&t["width"]),
                            height: int(&t["height"]),
                            size: int(&t["size"]),
                            fps: int(&t["fps"]),
                            has_audio: kinds.is_empty() || kinds.contains(&"audio"),
                            has_video: kinds.is_empty() || kinds.contains(&"video"),
                            torrent: None,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    for f in &mut m.files {
        let at = |list: &[(i64, String)]| {
            list.iter()
                .find(|(h, _)| *h == f.height)
                .map(|(_, u)| u.clone())
        };
        f.metadata = at(&metadata);
        f.torrent = at(&torrents)
            .zip(at(&magnets))
            .map(|(url, magnet)| RemoteTorrent { url, magnet });
    }
    for (_, magnet) in &magnets {
        if let Some(h) = ruche_p2p::torrent::magnet_info_hash(magnet)
            && m.info_hashes.len() < MAX_INFO_HASHES
            && !m.info_hashes.contains(&h)
        {
            m.info_hashes.push(h);
        }
    }
    let mut icons: Vec<(i64, String)> = ap::each(&doc["icon"])
        .into_iter()
        .take(MAX_ICONS)
        .filter_map(|i| {
            let u = ap::href(i).filter(|h| web_url(insecure, h))?;
            Some((int(&i["width"]), u.to_string()))
        })
        .collect();
    icons.sort();
    m.thumbnail = icons.first().map(|(_, u)| u.clone());
    m.preview = icons.last().map(|(_, u)| u.clone());
    m.storyboard = storyboard_of(insecure, doc);
    m
}

/// The first storyboard of a `Video`'s `preview` we can show (PeerTube's `Image` with `rel`
/// `storyboard`, a JPEG link with its grid and `tileDuration`).
fn storyboard_of(insecure: bool, doc: &Value) -> Option<ruche_domain::video::Storyboard> {
    ap::each(&doc["preview"])
        .into_iter()
        .take(MAX_ICONS)
        .filter(|p| {
            p["type"] == "Image"
                && ap::each(&p["rel"])
                    .iter()
                    .any(|r| r.as_str() == Some("storyboard"))
        })
        .flat_map(|p| ap::each(&p["url"]).into_iter().take(MAX_ICONS))
        .find_map(|u| {
            if u["mediaType"] != "image/jpeg" {
                return None;
            }
            let href = ap::href(u).filter(|h| web_url(insecure, h))?;
            let seconds = u["tileDuration"].as_str().and_then(parse_duration)?;
            storyboard_from(
                href,
                u["width"].as_i64()?,
                u["height"].as_i64()?,
                (u["tileWidth"].as_i64()?, u["tileHeight"].as_i64()?),
                seconds,
            )
        })
}

/// The largest storyboard taken from another instance, per side (PeerTube's largest grid).
const MAX_STORYBOARD_SIDE: i64 =
    (ruche_media::SPRITE_MAX_SIZE * ruche_media::SPRITES_MAX_EDGE_COUNT) as i64;

/// A storyboard another instance describes (a `preview` link of its `Video`), if it is one we
/// can show: a JPEG whose grid its sizes describe, at most [`MAX_STORYBOARD_SIDE`] a side.
fn storyboard_from(
    href: &str,
    width: i64,
    height: i64,
    sprite: (i64, i64),
    duration: i64,
) -> Option<ruche_domain::video::Storyboard> {
    let (sw, sh) = sprite;
    let fits = (1..=MAX_STORYBOARD_SIDE).contains(&width)
        && (1..=MAX_STORYBOARD_SIDE).contains(&height)
        && sw > 0
        && sh > 0
        && width % sw == 0
        && height % sh == 0;
    (fits && duration > 0).then(|| ruche_domain::video::Storyboard {
        file: href.to_string(),
        total_width: width,
        total_height: height,
        sprite_width: sw,
        sprite_height: sh,
        sprite_duration: duration,
    })
}

/// Who a video is for, from its audience: public, unlisted, or not for us to show.
fn privacy_of(doc: &Value) -> Option<Privacy> {
    let is_public = |key: &str| {
        ap::ids(&doc[key])
            .iter()
            .any(|a| *a == super::PUBLIC || *a == "as:Public" || *a == "Public")
    };
    if is_public("to") {
        Some(Privacy::Public)
    } else if is_public("cc") {
        Some(Privacy::Unlisted)
    } else {
        None
    }
}

/// The most `attributedTo` entries of a video read (and perhaps fetched).
const MAX_ATTRIBUTED: usize = 3;

/// A `Video` object read, its channel not yet resolved (`channel_id` is 0): what it says, and
/// the actors of its own instance it is attributed to (a `Group` among them is its channel).
#[derive(Debug, Clone)]
pub struct ParsedVideo {
    pub video: RemoteVideo,
    pub media: RemoteMedia,
    pub attributed_to: Vec<String>,
}

/// Reads a `Video` object as PeerTube checks one (`sanitizeAndCheckVideoTorrentObject`): a
/// valid uuid, a name, an ISO 8601 duration, public or unlisted, attributed to actors of its
/// own instance; media links must be https (or http in insecure mode). No I/O.
pub fn parse_video(doc: &Value, insecure: bool) -> Result<ParsedVideo, String> {
    if ap::type_of(doc) != "Video" {
        return Err("not a Video".into());
    }
    let id = ap::str_of(doc, "id")
        .filter(|i| i.len() <= ap::MAX_URL)
        .ok_or("a video without a valid id")?;
    let uuid = ap::str_of(doc, "uuid")
        .and_then(|u| uuid::Uuid::parse_str(u).ok())
        .ok_or("a video without a valid uuid")?
        .to_string();
    let name = ap::str_of(doc, "name").ok_or("a video without a name")?;
    let duration = ap::str_of(doc, "duration")
        .and_then(parse_duration)
        .ok_or("a video without a valid duration")?;
    let privacy = privacy_of(doc).ok_or("a video that is neither public nor unlisted")?;
    // Each entry may cost a fetch, one after the other, so only a few are read, as PeerTube
    // reads its first Group (the channel) and its first Person: a Group that says its type
    // first, then a Person, then untyped ids (resolved to learn what they are) in their order.
    let entries = ap::each(&doc["attributedTo"]);
    let typed = |kind: &str| {
        entries
            .iter()
            .find(|o| o.is_object() && ap::is_type(o, kind))
            .copied()
    };
    let mut attributed_to: Vec<String> = Vec::new();
    let candidates = typed("Group")
        .into_iter()
        .chain(typed("Person"))
        .chain(entries.iter().filter(|o| o.is_string()).copied());
    for o in candidates {
        if attributed_to.len() >= MAX_ATTRIBUTED {
            break;
        }
        if let Some(oid) = ap::id_of(o)
            && oid.len() <= ap::MAX_URL
            && ap::same_origin(oid, id)
            && !attributed_to.iter().any(|a| a == oid)
        {
            attributed_to.push(oid.to_string());
        }
    }
    if attributed_to.is_empty() {
        return Err("a video attributed to no actor of its instance".into());
    }
    let media = media_of(insecure, doc);
    let published = iso_ms(&doc["published"]).unwrap_or_else(now_ms);
    // PeerTube 7 and later send the policy; 6 the yes/no.
    let comments_policy = match doc.get("commentsPolicy").and_then(Value::as_i64) {
        Some(p) => CommentsPolicy::try_from(p).unwrap_or_default(),
        None if doc["commentsEnabled"].as_bool() == Some(false) => CommentsPolicy::Disabled,
        None => CommentsPolicy::Enabled,
    };
    let identifier = |key: &str| doc[key]["identifier"].as_str().map(str::to_string);
    let video = RemoteVideo {
        url: id.to_string(),
        uuid,
        channel_id: 0,
        name: name.chars().take(120).collect(),
        description: ap::str_of(doc, "content").map(|d| d.chars().take(10_000).collect()),
        support: ap::str_of(doc, "support").map(|d| d.chars().take(1000).collect()),
        privacy,
        category: identifier("category")
            .and_then(|c| c.parse().ok())
            .filter(|c| category_label(*c).is_some()),
        licence: identifier("licence")
            .and_then(|c| c.parse().ok())
            .filter(|c| licence_label(*c).is_some()),
        language: identifier("language").filter(|l| l.len() <= 15),
        tags: ap::each(&doc["tag"])
            .into_iter()
            .filter(|t| ap::is_type(t, "Hashtag"))
            .filter_map(|t| t["name"].as_str())
            .map(|t| t.trim_start_matches('#').chars().take(30).collect())
            .take(5)
            .collect(),
        nsfw: doc["sensitive"].as_bool().unwrap_or(false),
        comments_policy,
        download_enabled: doc["downloadEnabled"].as_bool().unwrap_or(true),
        duration,
        aspect_ratio: doc["aspectRatio"].as_f64(),
        views: int(&doc["views"]).max(0),
        published_at: published,
        updated_at: iso_ms(&doc["updated"]).unwrap_or(published),
        remote_media: serde_json::to_string(&media).unwrap_or_default(),
    };
    Ok(ParsedVideo {
        video,
        media,
        attributed_to,
    })
}

/// Keeps a `Video` object sent or announced by its origin: its channel (a `Group` of the same
/// instance in `attributedTo`, as PeerTube requires) and account are fetched if unknown.
pub async fn store_video(tube: &Tube, doc: &Value) -> TubeResult<Video> {
    store_video_by(tube, doc, None).await
}

/// Whether `actor` may act on what the account `owner` (and, for a video, its channel
/// `channel`) owns: it is that account or channel, or its instance's own actor (an
/// `Application` or `Service` of the same host, as PeerTube's server actor speaks for its
/// instance). The host alone proves nothing: two people of one instance are two owners.
pub async fn speaks_for(
    tube: &Tube,
    actor: &str,
    owner: Option<&str>,
    channel: Option<&str>,
) -> TubeResult<bool> {
    if Some(actor) == owner || Some(actor) == channel {
        return Ok(true);
    }
    let of_host = owner.or(channel).is_some_and(|o| ap::same_origin(o, actor));
    if !of_host {
        return Ok(false);
    }
    let who = self::actor(tube, actor).await?;
    Ok(matches!(who.kind.as_str(), "Application" | "Service"))
}

/// [`store_video`] for a video that `by` says it creates or changes: refused unless `by` owns
/// the channel it names (the channel's account or the channel itself, or their instance's actor)
/// and, for a video we keep already, the video as we know it.
pub async fn store_video_by(tube: &Tube, doc: &Value, by: Option<&str>) -> TubeResult<Video> {
    let parsed = parse_video(doc, tube.settings.federation.allow_insecure).map_err(remote)?;
    let mut channel = None;
    for oid in &parsed.attributed_to {
        let a = actor(tube, oid).await?;
        if a.kind == "Group" && a.channel_id.is_some() {
            channel = a.channel_id.map(|id| (id, a.url.clone()));
            break;
        }
    }
    let (channel_id, channel_url) =
        channel.ok_or_else(|| remote("Cannot find associated video channel"))?;
    if let Some(by) = by {
        let (owner, known) = {
            let mut c = tube.store.read().await?;
            let ch = ruche_store::users::channel_by_id(c.ex(), channel_id)
                .await?
                .ok_or(TubeError::NotFound("channel"))?;
            let owner = ruche_store::users::account_by_id(c.ex(), ch.account_id).await?;
            (owner.url, vstore::by_url(c.ex(), &parsed.video.url).await?)
        };
        if !speaks_for(tube, by, owner.as_deref(), Some(&channel_url)).await? {
            return Err(TubeError::Forbidden(format!(
                "{by} does not own the channel {channel_url}"
            )));
        }
        if let Some(v) = known
            && !speaks_for(tube, by, v.account_url.as_deref(), v.channel_url.as_deref()).await?
        {
            return Err(TubeError::Forbidden(format!(
                "{by} does not own the video {}",
                parsed.video.url
            )));
        }
    }
    let r = RemoteVideo {
        channel_id,
        ..parsed.video
    };
    let mut tx = tube.store.begin().await?;
    let vid = vstore::upsert_remote(tx.ex(), &r).await?;
    crate::index::index_video(tube, tx.ex(), vid).await?;
    let v = vstore::by_id(tx.ex(), vid)
        .await?
        .ok_or(TubeError::NotFound("video"))?;
    // Its swarms and torrents: our tracker serves them too (an instance following it has
    // viewers of it), as PeerTube's does.
    let hashes = RemoteMedia::of(&v)
        .map(|m| m.info_hashes)
        .unwrap_or_default();
    vstore::set_tracked(tx.ex(), vid, &hashes).await?;
    tx.commit().await?;
    Ok(v)
}

/// A video by its ActivityPub id: ours, one already known, or fetched from its origin.
pub async fn video(tube: &Tube, url: &str) -> TubeResult<Video> {
    if let Some(uuid) = urls::video_uuid_in(base(tube), url) {
        let mut c = tube.store.read().await?;
        return vstore::by_uuid(c.ex(), uuid)
            .await?
            .filter(Video::is_local)
            .ok_or(TubeError::NotFound("video"));
    }
    {
        let mut c = tube.store.read().await?;
        if let Some(v) = vstore::by_url(c.ex(), url).await? {
            return Ok(v);
        }
    }
    let doc = fetch(tube, url).await?;
    store_video(tube, &doc).await
}

/// A collection's size (`totalItems`), as PeerTube reads a remote video's likes and dislikes.
pub async fn collection_size(tube: &Tube, url: &str) -> TubeResult<i64> {
    let doc = fetch(tube, url).await?;
    Ok(doc["totalItems"].as_i64().unwrap_or(0).max(0))
}

/// Brings a remote video's like and dislike counts to its origin's.
pub async fn sync_rates(tube: &Tube, v: &Video, doc: &Value) -> TubeResult<()> {
    let (Some(likes), Some(dislikes)) = (ap::str_of(doc, "likes"), ap::str_of(doc, "dislikes"))
    else {
        return Ok(());
    };
    let id = v.url.as_deref().unwrap_or_default();
    if !ap::same_origin(likes, id) || !ap::same_origin(dislikes, id) {
        return Ok(());
    }
    let (l, d) = (
        collection_size(tube, likes).await?,
        collection_size(tube, dislikes).await?,
    );
    let mut tx = tube.store.begin().await?;
    vstore::set_remote_rates(tx.ex(), v.id, l, d).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("PT10S"), Some(10));
        assert_eq!(parse_duration("PT1H2M3S"), Some(3723));
        assert_eq!(parse_duration("PT2.6S"), Some(3));
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration("PT10"), None);
    }

    /// A video of `https://a.org` whose `attributedTo` and links are `attributed` and `url`.
    fn video(attributed: Value, url: Value) -> Value {
        serde_json::json!({
            "type": "Video", "id": "https://a.org/videos/watch/5b8e0b56-4f3f-4f7e-9d1a-3f4b0e0c1d2e",
            "uuid": "5b8e0b56-4f3f-4f7e-9d1a-3f4b0e0c1d2e", "name": "v", "duration": "PT2S",
            "to": [super::super::PUBLIC], "attributedTo": attributed, "url": url,
        })
    }

    #[test]
    fn only_a_few_attributions_are_read() {
        let mut many: Vec<Value> = (0..1000)
            .map(|n| Value::String(format!("https://a.org/accounts/p{n}")))
            .collect();
        many.push(serde_json::json!({ "type": "Person", "id": "https://a.org/accounts/ann" }));
        many.push(serde_json::json!({ "type": "Group", "id": "https://a.org/video-channels/c" }));
        let p = parse_video(&video(Value::Array(many), Value::Null), false)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            p.attributed_to,
            [
                "https://a.org/video-channels/c",
                "https://a.org/accounts/ann",
                "https://a.org/accounts/p0"
            ]
        );
    }

    #[test]
    fn only_a_few_files_are_kept() {
        let tag: Vec<Value> = (0..10_000)
            .map(|n| {
                serde_json::json!({
                    "type": "Link", "mediaType": "video/mp4", "height": n, "width": n,
                    "href": format!("https://a.org/static/{n}-fragmented.mp4"),
                })
            })
            .collect();
        let url = serde_json::json!([{
            "type": "Link", "mediaType": "application/x-mpegURL",
            "href": "https://a.org/static/master.m3u8", "tag": tag,
        }]);
        let p = parse_video(
            &video(serde_json::json!(["https://a.org/video-channels/c"]), url),
            false,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.media.files.len(), MAX_FILES);
        assert!(
            p.video.remote_media.len() < 4096,
            "{}",
            p.video.remote_media.len()
        );
    }
}

//! Playlists over ActivityPub, as PeerTube federates them: a public or unlisted playlist of ours
//! is a `Playlist` (an ordered collection of `PlaylistElement` ids, each naming its video), sent
//! as `Create` when it appears, `Update` when anything in it changes and `Delete` when it goes
//! or turns private, by its account to the followers of its account, its channel and the
//! instance. Another instance's `Playlist` is kept here with the elements its origin lists,
//! each read there and its video read at its own origin.

use super::{Signer, objects, outbox, remote};
use crate::{Tube, TubeError, TubeResult};
use ruche_domain::playlist::{PlaylistKind, PlaylistPrivacy};
use ruche_domain::time::iso;
use ruche_domain::urls;
use ruche_domain::video::{Privacy, VideoState};
use ruche_federation::ap;
use ruche_store::playlists::{self as pstore, Playlist, PlaylistFields, RemoteElement};
use ruche_store::videos as vstore;
use ruche_store::{Ex, now_ms};
use serde_json::{Value, json};

/// Items per page of a playlist's collection, as PeerTube pages them.
const PAGE_SIZE: i64 = 10;
/// The most elements of another instance's playlist we read.
const MAX_REMOTE_ELEMENTS: usize = 200;

fn account_url(base: &str, p: &Playlist) -> String {
    p.account_url
        .clone()
        .unwrap_or_else(|| urls::account(base, &p.account_name))
}

/// The id of a playlist: ours under our base, another instance's as its origin gave it.
pub fn playlist_id(base: &str, p: &Playlist) -> String {
    p.url
        .clone()
        .unwrap_or_else(|| urls::playlist(base, &p.uuid))
}

/// Who a playlist is addressed to: a public one to everyone (its account's followers in copy),
/// an unlisted one the other way round.
fn audience(base: &str, p: &Playlist) -> (Value, Value) {
    let followers = urls::followers(&account_url(base, p));
    match p.privacy {
        PlaylistPrivacy::Public => (json!([super::PUBLIC]), json!([followers])),
        _ => (json!([followers]), json!([super::PUBLIC])),
    }
}

/// Whether an element's video is one other instances may be told of.
fn shown(v: &vstore::Video) -> bool {
    v.state == VideoState::Published && matches!(v.privacy, Privacy::Public | Privacy::Unlisted)
}

/// The ids of a playlist's elements others may be told of, in order.
async fn shown_elements(mut ex: Ex<'_>, base: &str, p: &Playlist) -> TubeResult<Vec<String>> {
    let (rows, _) =
        pstore::elements(ex.reborrow(), p.id, 0, ruche_domain::playlist::MAX_ELEMENTS).await?;
    let ids: Vec<i64> = rows.iter().filter_map(|e| e.video_id).collect();
    let videos = vstore::by_ids(ex, &ids).await?;
    Ok(rows
        .iter()
        .filter(|e| {
            e.video_id
                .and_then(|id| videos.iter().find(|v| v.id == id))
                .is_some_and(shown)
        })
        .map(|e| urls::playlist_element(base, &p.uuid, e.id))
        .collect())
}

/// Our `Playlist` document over its elements `items`, as an object of an activity: its size
/// and first page.
async fn document(tube: &Tube, p: &Playlist, items: &[String]) -> TubeResult<Value> {
    let base = super::base(tube);
    let id = playlist_id(base, p);
    let (to, cc) = audience(base, p);
    let mut doc = json!({
        "id": id,
        "type": "Playlist",
        "totalItems": items.len(),
        "name": p.name,
        "content": p.description,
        "uuid": p.uuid,
        "published": iso(p.created_at),
        "updated": iso(p.updated_at),
        "attributedTo": p.channel_name.as_ref().map(|c| vec![urls::channel(base, c)]).unwrap_or_default(),
        "to": to,
        "cc": cc,
    });
    if !items.is_empty() {
        doc["first"] = json!(format!("{id}?page=1"));
    }
    if let Some(path) = crate::playback::playlist_thumbnail(tube, p).await? {
        let (w, h) = ruche_media::THUMBNAIL_SIZE;
        doc["icon"] = json!({
            "type": "Image",
            "url": format!("{base}{path}"),
            "mediaType": "image/jpeg",
            "width": w,
            "height": h,
        });
    }
    Ok(doc)
}

/// Our `Playlist` document at its id: without `page`, its size and first page; with
/// `?page=N`, that page's element ids.
pub async fn object(tube: &Tube, p: &Playlist, page: Option<u32>) -> TubeResult<Value> {
    let base = super::base(tube);
    let items = {
        let mut c = tube.store.read().await?;
        shown_elements(c.ex(), base, p).await?
    };
    let mut doc = document(tube, p, &items).await?;
    doc["@context"] = objects::base_context();
    if let Some(n) = page {
        let id = playlist_id(base, p);
        let total = items.len() as i64;
        let n = i64::from(n.max(1));
        let start = (n - 1) * PAGE_SIZE;
        let slice: Vec<&String> = items
            .iter()
            .skip(start as usize)
            .take(PAGE_SIZE as usize)
            .collect();
        doc["type"] = json!("OrderedCollectionPage");
        doc["id"] = json!(format!("{id}?page={n}"));
        doc["partOf"] = json!(id);
        doc["orderedItems"] = json!(slice);
        if n > 1 {
            doc["prev"] = json!(format!("{id}?page={}", n - 1));
        }
        if start + PAGE_SIZE < total {
            doc["next"] = json!(format!("{id}?page={}", n + 1));
        }
    }
    Ok(doc)
}

/// One of our playlists' elements as a `PlaylistElement`, `None` if it names no video others
/// may see.
pub async fn element_object(tube: &Tube, p: &Playlist, element: i64) -> TubeResult<Option<Value>> {
    let base = super::base(tube);
    let mut c = tube.store.read().await?;
    let Some(e) = pstore::element(c.ex(), p.id, element).await? else {
        return Ok(None);
    };
    let Some(v) = (match e.video_id {
        Some(id) => vstore::by_id(c.ex(), id).await?,
        None => None,
    }) else {
        return Ok(None);
    };
    if !shown(&v) {
        return Ok(None);
    }
    let mut doc = json!({
        "@context": objects::base_context(),
        "id": urls::playlist_element(base, &p.uuid, e.id),
        "type": "PlaylistElement",
        "url": v.url.clone().unwrap_or_else(|| urls::video(base, &v.uuid)),
        "position": e.position,
    });
    if let Some(s) = e.start_timestamp {
        doc["startTimestamp"] = json!(s);
    }
    if let Some(s) = e.stop_timestamp {
        doc["stopTimestamp"] = json!(s);
    }
    Ok(Some(doc))
}

/// The followers of everyone who hears of a playlist: its account, the instance and its channel.
fn followers_of(base: &str, p: &Playlist) -> Vec<String> {
    let mut all = vec![account_url(base, p), urls::instance_actor(base)];
    if let Some(c) = &p.channel_name {
        all.push(urls::channel(base, c));
    }
    all
}

/// One of our playlists changed (`before`: `None` when new): `Create` if others did not know it
/// and now may, `Update` if they did and still may, `Delete` if they no longer may.
pub async fn changed(
    mut ex: Ex<'_>,
    tube: &Tube,
    before: Option<&Playlist>,
    after: &Playlist,
) -> TubeResult<()> {
    if !after.is_local() || after.kind == PlaylistKind::WatchLater {
        return Ok(());
    }
    let was = before.is_some_and(|b| b.privacy.federated());
    let is = after.privacy.federated();
    match (was, is) {
        (false, false) => Ok(()),
        (true, false) => deleted(ex, tube, before.unwrap_or(after)).await,
        (was, true) => {
            let base = super::base(tube);
            let items = shown_elements(ex.reborrow(), base, after).await?;
            let doc = document(tube, after, &items).await?;
            let id = playlist_id(base, after);
            let (kind, activity_id) = if was {
                ("Update", format!("{id}/updates/{}", iso(now_ms())))
            } else {
                ("Create", format!("{id}/activity"))
            };
            let (to, cc) = audience(base, after);
            let a = objects::activity(kind, &activity_id, &account_url(base, after), doc, to, cc);
            outbox::send(
                ex,
                tube,
                &a,
                Signer::Account(after.account_id),
                &followers_of(base, after),
                &[],
            )
            .await?;
            Ok(())
        }
    }
}

/// One of our playlists is deleted or made private: `Delete` to everyone who heard of it.
pub async fn deleted(ex: Ex<'_>, tube: &Tube, p: &Playlist) -> TubeResult<()> {
    if !p.privacy.federated() || p.kind == PlaylistKind::WatchLater {
        return Ok(());
    }
    let base = super::base(tube);
    let (to, cc) = audience(base, p);
    let delete = objects::delete(&account_url(base, p), &playlist_id(base, p), to, cc);
    outbox::send(
        ex,
        tube,
        &delete,
        Signer::Account(p.account_id),
        &followers_of(base, p),
        &[],
    )
    .await?;
    Ok(())
}

/// Keeps another instance's `Playlist` (from a `Create` or an `Update` whose actor is `actor`,
/// addressed to `to`): checked as PeerTube checks one, in the channel it is attributed to (of
/// its own instance, owned by `actor`), with the elements its origin lists.
pub async fn store_remote(tube: &Tube, doc: &Value, actor: &str, to: &[&str]) -> TubeResult<()> {
    let bad = |e: String| TubeError::Remote(format!("Playlist: {e}"));
    // Addressed as the activity says, else as the document does (one read at its origin).
    let own_to = ap::ids(&doc["to"]);
    let to = if to.is_empty() { &own_to[..] } else { to };
    super::acceptance::check_activity(&json!({
        "type": "Create", "id": format!("{}#check", ap::id_of(&doc["id"]).unwrap_or_default()),
        "actor": actor, "object": doc,
    }))
    .map_err(bad)?;
    let id = ap::id_of(&doc["id"]).unwrap_or_default().to_string();
    if !ap::same_origin(&id, actor) {
        return Err(bad(format!("{id} is not of {actor}'s instance")));
    }
    let attributed = ap::ids(&doc["attributedTo"]);
    let [channel_url] = attributed.as_slice() else {
        return Err(bad("attributedTo must name one channel".into()));
    };
    if !ap::same_origin(channel_url, &id) {
        return Err(bad(format!(
            "{channel_url} is not of the playlist's instance"
        )));
    }
    let channel_actor = remote::actor(tube, channel_url).await?;
    let Some(channel_id) = channel_actor.channel_id else {
        return Err(bad(format!("{channel_url} is not a channel")));
    };
    let channel = {
        let mut c = tube.store.read().await?;
        ruche_store::users::channel_by_id(c.ex(), channel_id)
            .await?
            .ok_or(TubeError::NotFound("channel"))?
    };
    let owner = {
        let mut c = tube.store.read().await?;
        ruche_store::users::account_by_id(c.ex(), channel.account_id)
            .await?
            .url
    };
    if !remote::speaks_for(tube, actor, owner.as_deref(), channel.url.as_deref()).await? {
        return Err(TubeError::Forbidden(format!(
            "{actor} does not own the channel {channel_url}"
        )));
    }
    let privacy = if to
        .iter()
        .any(|t| [super::PUBLIC, "as:Public", "Public"].contains(t))
    {
        PlaylistPrivacy::Public
    } else {
        PlaylistPrivacy::Unlisted
    };
    let name: String = ap::str_of(doc, "name")
        .unwrap_or_default()
        .chars()
        .take(120)
        .collect();
    let description = ap::str_of(doc, "content")
        .map(|d| d.chars().take(1000).collect::<String>())
        .filter(|d| d.chars().count() >= 3);
    let fields = PlaylistFields {
        name,
        description,
        privacy,
        channel_id: Some(channel.id),
    };
    let uuid = ap::str_of(doc, "uuid").unwrap_or_default().to_string();
    let published = ap::str_of(doc, "published")
        .and_then(ruche_domain::time::parse_date)
        .unwrap_or_else(now_ms);
    let updated = ap::str_of(doc, "updated")
        .and_then(ruche_domain::time::parse_date)
        .unwrap_or(published);
    // The elements, read before anything is written: a page at a time, each at its origin.
    let elements = remote_elements(tube, &id).await;
    let mut tx = tube.store.begin().await?;
    let existing = pstore::by_url(tx.ex(), &id).await?;
    let pid = match existing {
        Some(p) => {
            if p.updated_at > updated {
                return Ok(()); // Older than what is held.
            }
            pstore::update(tx.ex(), p.id, &fields, updated).await?;
            p.id
        }
        None => {
            // A UUID already taken here (ours, or another's) is not taken over.
            if pstore::by_uuid(tx.ex(), &uuid).await?.is_some() {
                return Err(bad(format!("uuid {uuid} is already known here")));
            }
            pstore::insert(
                tx.ex(),
                &uuid,
                channel.account_id,
                PlaylistKind::Regular,
                &fields,
                Some(&id),
                published,
            )
            .await?
        }
    };
    pstore::replace_elements(tx.ex(), pid, &elements).await?;
    crate::index::index_playlist(tx.ex(), pid).await?;
    tx.commit().await?;
    Ok(())
}

/// Another instance's playlist's elements, as its collection lists them: each element read at
/// the playlist's origin, its video at its own. An element that cannot be read is left out.
async fn remote_elements(tube: &Tube, playlist: &str) -> Vec<RemoteElement> {
    let mut listed: Vec<String> = Vec::new();
    let mut next = Some(format!("{playlist}?page=1"));
    let mut pages = 0;
    while let Some(page_url) = next.take() {
        pages += 1;
        if pages > MAX_REMOTE_ELEMENTS / PAGE_SIZE as usize + 1
            || !ap::same_origin(&page_url, playlist)
        {
            break;
        }
        let Ok(page) = remote::fetch(tube, &page_url).await else {
            break;
        };
        let items = page["orderedItems"]
            .as_array()
            .or_else(|| page["items"].as_array())
            .cloned()
            .unwrap_or_default();
        if items.is_empty() {
            break;
        }
        for i in items {
            if let Some(u) = ap::id_of(&i)
                && listed.len() < MAX_REMOTE_ELEMENTS
                && !listed.iter().any(|x| x == u)
            {
                listed.push(u.to_string());
            }
        }
        next = ap::str_of(&page, "next").map(str::to_string);
    }
    let mut out = Vec::new();
    for u in listed {
        if !ap::same_origin(&u, playlist) {
            continue;
        }
        let Ok(e) = remote::fetch(tube, &u).await else {
            continue;
        };
        if ap::type_of(&e) != "PlaylistElement" {
            continue;
        }
        let Some(position) = e["position"].as_i64().filter(|p| *p >= 1) else {
            continue;
        };
        let Some(video_url) = ap::id_of(&e["url"]) else {
            continue;
        };
        let Ok(v) = remote::video(tube, video_url).await else {
            continue;
        };
        let t = |k: &str| e[k].as_i64().filter(|t| *t >= 0);
        out.push(RemoteElement {
            video_id: v.id,
            position,
            start_timestamp: t("startTimestamp"),
            stop_timestamp: t("stopTimestamp"),
            url: u,
        });
    }
    out.sort_by_key(|e| e.position);
    // Positions without gaps, in the origin's order.
    for (i, e) in out.iter_mut().enumerate() {
        e.position = i as i64 + 1;
    }
    out
}

/// Another instance's playlist deleted by `actor` (its owner, or its instance): gone from here.
/// `false` if `url` names no playlist known here.
pub async fn delete_remote(tube: &Tube, url: &str, actor: &str) -> TubeResult<bool> {
    let p = {
        let mut c = tube.store.read().await?;
        pstore::by_url(c.ex(), url).await?
    };
    let Some(p) = p else {
        return Ok(false);
    };
    if !ap::same_origin(url, actor)
        || !remote::speaks_for(
            tube,
            actor,
            p.account_url.as_deref(),
            p.channel_url.as_deref(),
        )
        .await?
    {
        return Err(TubeError::Forbidden(format!(
            "{actor} does not own the playlist {url}"
        )));
    }
    let mut tx = tube.store.begin().await?;
    pstore::delete(tx.ex(), p.id).await?;
    tx.commit().await?;
    Ok(true)
}

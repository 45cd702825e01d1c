//! Our ActivityPub collections, as PeerTube serves them: actors' outboxes, followers and
//! following, and a video's likes, dislikes, comments and shares. Every collection is paged in
//! SQL: however long, a request reads at most [`PAGE_SIZE`] rows.

use super::objects;
use crate::videos::{ListFilter, Video};
use crate::{Tube, TubeError, TubeResult};
use ruche_domain::urls;
use ruche_store::federation::{self as fstore, Side};
use ruche_store::{comments, users, videos as vstore};
use serde_json::{Value, json};

/// Items per collection page, as PeerTube pages them.
pub const PAGE_SIZE: i64 = 10;

/// What a request asks of a collection, as rows to read: nothing but its size (no `?page`), or
/// one page.
#[derive(Clone, Copy)]
pub struct Slice {
    page: Option<i64>,
    start: i64,
    count: i64,
}

impl Slice {
    /// `?page=N` (from 1; 0 reads as 1), or none.
    pub fn of(page: Option<u32>) -> Slice {
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

fn context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        { "RsaSignature2017": "https://w3id.org/security#RsaSignature2017" },
    ])
}

/// An `OrderedCollection` as PeerTube serves one: without `?page`, its size and first page;
/// with `?page=N`, that page's `items` (newest first), of `total` in all.
fn collection(id: &str, at: Slice, total: i64, items: Vec<Value>) -> Value {
    match at.page {
        None => json!({
            "@context": context(),
            "id": id,
            "type": "OrderedCollection",
            "totalItems": total,
            "first": format!("{id}?page=1"),
        }),
        Some(n) => {
            let mut p = json!({
                "@context": context(),
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
    }
}

/// An activity as an item of a collection page: without its own `@context`.
fn item(activity: Option<Value>) -> Value {
    let mut a = activity.unwrap_or_default();
    if let Some(o) = a.as_object_mut() {
        o.remove("@context");
    }
    a
}

/// A page of the public videos of an account or a channel (all of the instance's when neither),
/// newest first, and how many there are.
async fn public_videos(
    tube: &Tube,
    account_id: Option<i64>,
    channel_id: Option<i64>,
    at: Slice,
) -> TubeResult<(Vec<Video>, i64)> {
    let mut c = tube.store.read().await?;
    let filter = ListFilter {
        public_only: true,
        is_local: Some(true),
        account_id,
        channel_id,
        start: at.start,
        count: at.count,
        newest_first: true,
        hide_video_blocks: true,
        ..Default::default()
    };
    Ok(vstore::list(c.ex(), &filter).await?)
}

/// An account's or a channel's public playlists (their ids), newest first; the instance's
/// (neither) has none.
async fn playlists(
    tube: &Tube,
    actor: &str,
    account_id: Option<i64>,
    channel_id: Option<i64>,
    at: Slice,
) -> TubeResult<Option<Value>> {
    let id = format!("{actor}/playlists");
    if account_id.is_none() && channel_id.is_none() {
        return Ok(Some(collection(&id, at, 0, Vec::new())));
    }
    let f = ruche_store::playlists::ListFilter {
        public_only: true,
        account_id,
        channel_id,
        start: at.start,
        count: at.count,
        descending: true,
        ..Default::default()
    };
    let (rows, total) = {
        let mut c = tube.store.read().await?;
        ruche_store::playlists::list(c.ex(), &f).await?
    };
    let base = super::base(tube);
    let items = rows
        .iter()
        .map(|p| json!(super::playlists::playlist_id(base, p)))
        .collect();
    Ok(Some(collection(&id, at, total, items)))
}

/// An actor's collections other than its outbox and playlists: its accepted followers or
/// followings (actor ids). `None` for any other name.
async fn of_actor(tube: &Tube, actor: &str, which: &str, at: Slice) -> TubeResult<Option<Value>> {
    let id = format!("{actor}/{which}");
    let side = match which {
        "followers" => Side::Followers,
        "following" => Side::Following,
        _ => return Ok(None),
    };
    let (rows, total) = {
        let mut c = tube.store.read().await?;
        fstore::follows_of(
            c.ex(),
            actor,
            side,
            Some(ruche_domain::follow::FollowState::Accepted),
            at.start,
            at.count,
        )
        .await?
    };
    let items = rows
        .into_iter()
        .map(|f| {
            json!(if side == Side::Followers {
                f.follower
            } else {
                f.following
            })
        })
        .collect();
    Ok(Some(collection(&id, at, total, items)))
}

/// An account's collection `which` (its outbox creates its videos; the instance's announces them
/// all, what an instance that starts following us reads to catch up), `None` if there is no such
/// collection.
pub async fn of_account(
    tube: &Tube,
    name: &str,
    which: &str,
    at: Slice,
) -> TubeResult<Option<Value>> {
    let base = super::base(tube);
    let actor = urls::account(base, name);
    let account = if name == urls::INSTANCE_ACTOR {
        None
    } else {
        let mut c = tube.store.read().await?;
        Some(
            users::local_account_by_name(c.ex(), name)
                .await?
                .ok_or(TubeError::NotFound("account"))?,
        )
    };
    if which == "playlists" {
        return playlists(tube, &actor, account.as_ref().map(|a| a.id), None, at).await;
    }
    if which != "outbox" {
        return of_actor(tube, &actor, which, at).await;
    }
    let (list, total) = public_videos(tube, account.as_ref().map(|a| a.id), None, at).await?;
    let items = list
        .iter()
        .map(|v| match &account {
            Some(_) => objects::create_video_ref(base, &actor, v),
            None => item(objects::own_announce(base, v, objects::INSTANCE_SHARE)),
        })
        .collect();
    Ok(Some(collection(&urls::outbox(&actor), at, total, items)))
}

/// A channel's collection `which` (its outbox announces its public videos), `None` if there is
/// no such collection.
pub async fn of_channel(
    tube: &Tube,
    name: &str,
    which: &str,
    at: Slice,
) -> TubeResult<Option<Value>> {
    let base = super::base(tube);
    let ch = {
        let mut c = tube.store.read().await?;
        users::channel_by_name(c.ex(), name)
            .await?
            .filter(|ch| ch.host.is_none())
            .ok_or(TubeError::NotFound("channel"))?
    };
    let actor = urls::channel(base, &ch.name);
    if which == "playlists" {
        return playlists(tube, &actor, None, Some(ch.id), at).await;
    }
    if which != "outbox" {
        return of_actor(tube, &actor, which, at).await;
    }
    let (list, total) = public_videos(tube, None, Some(ch.id), at).await?;
    let items = list
        .iter()
        .map(|v| item(objects::own_announce(base, v, ch.id)))
        .collect();
    Ok(Some(collection(&urls::outbox(&actor), at, total, items)))
}

/// A shared video's collection `which`: its likes and dislikes (the rating activities, as
/// PeerTube lists them: `<account>/likes/<video>` for ours, the received activity's id for
/// others'), its comments (their ids) and its shares (its channel's and the instance's
/// Announces, then those of other instances' actors). `None` if there is no such collection.
pub async fn of_video(tube: &Tube, v: &Video, which: &str, at: Slice) -> TubeResult<Option<Value>> {
    let base = super::base(tube);
    let mut c = tube.store.read().await?;
    let (items, total) = match which {
        "likes" | "dislikes" => {
            let kind = if which == "likes" { "like" } else { "dislike" };
            let (rows, total) = vstore::rates(c.ex(), v.id, kind, at.start, at.count).await?;
            let items = rows
                .into_iter()
                .map(|(name, actor, activity)| {
                    let actor = actor.unwrap_or_else(|| urls::account(base, &name));
                    json!(activity.unwrap_or_else(|| format!("{actor}/{which}/{}", v.id)))
                })
                .collect();
            (items, total)
        }
        "comments" => {
            let (rows, total) = comments::ids_of_video(c.ex(), v.id, at.start, at.count).await?;
            let items = rows
                .into_iter()
                .map(|(cid, url)| json!(url.unwrap_or_else(|| urls::comment(base, &v.uuid, cid))))
                .collect();
            (items, total)
        }
        "announces" => {
            // Its channel's and the instance's own Announces (each answers at its id), then
            // other instances' shares, read from the store a page at a time.
            let own: Vec<Value> = if super::outbox::federated(tube, v) {
                [v.channel_id, objects::INSTANCE_SHARE]
                    .iter()
                    .map(|n| json!(format!("{}/announces/{n}", urls::video(base, &v.uuid))))
                    .collect()
            } else {
                Vec::new()
            };
            let n_own = own.len() as i64;
            let mut items: Vec<Value> = own
                .into_iter()
                .skip(usize::try_from(at.start).unwrap_or(usize::MAX))
                .take(usize::try_from(at.count).unwrap_or(0))
                .collect();
            let rest = at.count - items.len() as i64;
            let (stored, stored_total) =
                vstore::shares(c.ex(), v.id, (at.start - n_own).max(0), rest).await?;
            items.extend(stored.into_iter().map(|u| json!(u)));
            (items, n_own + stored_total)
        }
        _ => return Ok(None),
    };
    let id = format!("{}/{which}", urls::video(base, &v.uuid));
    Ok(Some(collection(&id, at, total, items)))
}

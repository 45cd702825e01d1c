//! Follows, both ways. Other actors follow ours (an instance follows our instance actor, a
//! Mastodon user follows a channel): accepted at once, or, for instance follows when the admin
//! wants to choose, held until an administrator decides. Ours follow others (the admin follows
//! an instance, a user subscribes to a remote channel): a `Follow` is sent and the follow is
//! pending until the other side accepts.

use super::{Signer, base, objects, outbox, remote};
use crate::{Tube, TubeError, TubeResult};
use ruche_domain::urls;
use ruche_federation::ap;
use ruche_store::federation as fstore;
pub use ruche_store::federation::{Follow, Side};
use serde_json::{Value, json};

use FollowState::{Accepted, Pending, Rejected};
pub use ruche_domain::follow::FollowState;

/// The job that reads a newly followed actor's outbox, so its existing videos appear here.
pub const CRAWL_JOB: &str = "crawl-outbox";

/// Someone followed one of our actors.
pub async fn followed(tube: &Tube, a: &Value, follower: &str, target: &str) -> TubeResult<()> {
    let Some(local) = super::local_actor(tube, target).await? else {
        return Err(TubeError::NotFound("actor"));
    };
    let follow_id = ap::str_of(a, "id").unwrap_or_default().to_string();
    let who = remote::actor(tube, follower).await?;
    let instance_follow = local == Signer::Instance;
    let accept = !instance_follow || tube.settings.federation.auto_accept_instance_followers;
    let mut tx = tube.store.begin().await?;
    let before = fstore::follow(tx.ex(), &who.url, target).await?;
    let state = match &before {
        // A follow already decided stays so (a Follow sent again is answered again).
        Some(f) if f.state == Accepted => Accepted,
        Some(f) if f.state == Rejected && instance_follow && !accept => Rejected,
        _ if accept => Accepted,
        _ => Pending,
    };
    fstore::upsert_follow(tx.ex(), &who.url, target, state, &follow_id).await?;
    let row = fstore::follow(tx.ex(), &who.url, target)
        .await?
        .ok_or(TubeError::NotFound("follow"))?;
    if state != Pending {
        answer(tx.ex(), tube, &row, local, state == Accepted).await?;
    }
    tx.commit().await?;
    tube.deliveries_ready.notify_waiters();
    if instance_follow
        && who.kind == "Application"
        && tube.settings.federation.auto_follow_back
        && state == Accepted
    {
        let back = {
            let mut c = tube.store.read().await?;
            fstore::follow(c.ex(), &urls::instance_actor(base(tube)), &who.url).await?
        };
        if back.is_none() {
            follow_actor(tube, Signer::Instance, &who.url).await?;
        }
    }
    Ok(())
}

/// Sends the Accept or Reject of a follow of one of our actors.
async fn answer(
    ex: ruche_store::Ex<'_>,
    tube: &Tube,
    f: &Follow,
    local: Signer,
    yes: bool,
) -> TubeResult<()> {
    let base = base(tube);
    let kind = if yes { "Accept" } else { "Reject" };
    let path = if yes { "accepts" } else { "rejects" };
    let id = format!("{base}/{path}/follows/{}", f.id);
    let activity = objects::answer_follow(kind, &id, &f.following, &f.follower, &f.activity);
    let mut ex = ex;
    let inbox = fstore::actor_by_url(ex.reborrow(), &f.follower)
        .await?
        .map(|a| a.inbox)
        .ok_or(TubeError::NotFound("actor"))?;
    outbox::send(ex, tube, &activity, local, &[], &[inbox]).await?;
    Ok(())
}

/// What an administrator does with a follower of our instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// A follow held for approval goes ahead.
    Accept,
    /// It is refused (and stays refused if sent again).
    Reject,
    /// An accepted follower is dropped: it receives nothing more, and may ask again.
    Remove,
}

/// An administrator decides on a follow of our instance; the follower hears of it.
pub async fn decide(tube: &Tube, follow_id: i64, d: Decision) -> TubeResult<()> {
    let instance = urls::instance_actor(base(tube));
    let mut tx = tube.store.begin().await?;
    let f = fstore::follow_by_id(tx.ex(), follow_id)
        .await?
        .filter(|f| f.following == instance)
        .ok_or(TubeError::NotFound("follow"))?;
    match d {
        Decision::Accept => fstore::set_follow_state(tx.ex(), f.id, Accepted).await?,
        Decision::Reject => fstore::set_follow_state(tx.ex(), f.id, Rejected).await?,
        Decision::Remove => {
            fstore::delete_follow(tx.ex(), &f.follower, &f.following).await?;
        }
    }
    answer(tx.ex(), tube, &f, Signer::Instance, d == Decision::Accept).await?;
    tx.commit().await?;
    tube.deliveries_ready.notify_waiters();
    Ok(())
}

/// The followed actor accepted or rejected one of our follows.
pub async fn answered(tube: &Tube, yes: bool, actor: &str, object: &Value) -> TubeResult<()> {
    let mut tx = tube.store.begin().await?;
    let mut f = match ap::id_of(object) {
        Some(id) => fstore::follow_by_activity(tx.ex(), id).await?,
        None => None,
    };
    if f.is_none() {
        // Some servers answer with a Follow of their own making: find ours by its two ends.
        if let Some(follower) = ap::id_of(&object["actor"]) {
            f = fstore::follow(tx.ex(), follower, actor).await?;
        }
    }
    let Some(f) = f.filter(|f| f.following == actor) else {
        return Ok(());
    };
    let state = if yes { Accepted } else { Rejected };
    fstore::set_follow_state(tx.ex(), f.id, state).await?;
    // A first acceptance: what the followed actor published before is read from its outbox.
    let crawl = yes && f.state != Accepted;
    if crawl {
        let payload = json!({ "actor": actor }).to_string();
        ruche_store::jobs::enqueue(tx.ex(), CRAWL_JOB, &payload, None, 3).await?;
    }
    tx.commit().await?;
    if crawl {
        tube.federation_ready.notify_one();
    }
    Ok(())
}

/// The follower undid its follow.
pub async fn undone(tube: &Tube, actor: &str, follow: &Value) -> TubeResult<()> {
    if ap::id_of(&follow["actor"]).is_some_and(|a| a != actor) {
        return Err(TubeError::Forbidden(
            "only its follower undoes a follow".into(),
        ));
    }
    let mut tx = tube.store.begin().await?;
    let f = match ap::id_of(follow) {
        Some(id) => fstore::follow_by_activity(tx.ex(), id).await?,
        None => None,
    };
    let target = f
        .map(|f| f.following)
        .or_else(|| ap::id_of(&follow["object"]).map(str::to_string));
    if let Some(target) = target {
        fstore::delete_follow(tx.ex(), actor, &target).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// One of our actors follows `target` (an actor URL): the follow is recorded pending and a
/// `Follow` sent. Following again an actor already followed sends the Follow again.
pub async fn follow_actor(tube: &Tube, by: Signer, target: &str) -> TubeResult<Follow> {
    let who = remote::actor(tube, target).await?;
    let me = super::signer_url(tube, by).await?;
    let id = format!("{me}/follows/{}", uuid::Uuid::new_v4());
    let activity = objects::follow(&id, &me, &who.url);
    let mut tx = tube.store.begin().await?;
    let before = fstore::follow(tx.ex(), &me, &who.url).await?;
    let state = match &before {
        Some(f) if f.state == Accepted => Accepted,
        _ => Pending,
    };
    fstore::upsert_follow(tx.ex(), &me, &who.url, state, &id).await?;
    outbox::send(
        tx.ex(),
        tube,
        &activity,
        by,
        &[],
        std::slice::from_ref(&who.inbox),
    )
    .await?;
    let f = fstore::follow(tx.ex(), &me, &who.url)
        .await?
        .ok_or(TubeError::NotFound("follow"))?;
    tx.commit().await?;
    tube.deliveries_ready.notify_waiters();
    Ok(f)
}

/// One of our actors stops following `target`: the follow goes and an `Undo` is sent.
pub async fn unfollow_actor(tube: &Tube, by: Signer, target: &str) -> TubeResult<()> {
    let me = super::signer_url(tube, by).await?;
    let mut tx = tube.store.begin().await?;
    let f = fstore::follow(tx.ex(), &me, target)
        .await?
        .ok_or(TubeError::NotFound("follow"))?;
    fstore::delete_follow(tx.ex(), &me, target).await?;
    let inbox = fstore::actor_by_url(tx.ex(), target)
        .await?
        .map(|a| a.inbox);
    if let Some(inbox) = inbox {
        let undone = objects::follow(&f.activity, &me, target);
        let activity = objects::undo(&me, &undone, json!([target]));
        outbox::send(tx.ex(), tube, &activity, by, &[], &[inbox]).await?;
    }
    tx.commit().await?;
    tube.deliveries_ready.notify_waiters();
    Ok(())
}

/// The admin follows instances by host (`POST /api/v1/server/following`): each host's
/// instance actor is found (nodeinfo, else WebFinger) and followed. Also takes handles
/// (`channel@host`) as PeerTube does.
pub async fn follow_hosts(tube: &Tube, hosts: &[String]) -> TubeResult<Vec<Follow>> {
    let mut out = Vec::new();
    for h in hosts {
        let h = h.trim().trim_end_matches('/');
        let h = h
            .strip_prefix("https://")
            .or_else(|| h.strip_prefix("http://"))
            .unwrap_or(h);
        if h.is_empty() || h.contains('/') {
            return Err(TubeError::BadRequest(format!("{h:?} is not a host")));
        }
        if h.eq_ignore_ascii_case(&super::our_host(tube)) {
            return Err(TubeError::BadRequest(
                "an instance cannot follow itself".into(),
            ));
        }
        let target = if h.contains('@') {
            remote::webfinger(tube, h).await?
        } else {
            remote::instance_actor(tube, h).await?
        };
        out.push(follow_actor(tube, Signer::Instance, &target).await?);
    }
    Ok(out)
}

/// The admin stops following an instance (by host) or an actor (by handle).
pub async fn unfollow_host(tube: &Tube, host_or_handle: &str) -> TubeResult<()> {
    let me = urls::instance_actor(base(tube));
    let (follows, _) = {
        let mut c = tube.store.read().await?;
        fstore::follows_of(c.ex(), &me, fstore::Side::Following, None, 0, 10_000).await?
    };
    let wanted = host_or_handle.trim().to_ascii_lowercase();
    let mut found = false;
    for f in follows {
        let host = ap::host_of(&f.following).unwrap_or_default();
        let matches = if let Some((name, h)) = ap::split_handle(&wanted) {
            h == host && {
                let mut c = tube.store.read().await?;
                fstore::actor_by_url(c.ex(), &f.following)
                    .await?
                    .is_some_and(|a| a.username.eq_ignore_ascii_case(name))
            }
        } else {
            host == wanted
        };
        if matches {
            unfollow_actor(tube, Signer::Instance, &f.following).await?;
            found = true;
        }
    }
    if found {
        Ok(())
    } else {
        Err(TubeError::NotFound("follow"))
    }
}

/// "Copy the follows of another instance": reads its public list of followed instances
/// (PeerTube's `GET /api/v1/server/following`) and follows each one not followed yet. Returns
/// the hosts newly followed.
pub async fn copy_follows(tube: &Tube, host: &str) -> TubeResult<Vec<String>> {
    let host = host.trim().trim_end_matches('/');
    let host = host
        .strip_prefix("https://")
        .or_else(|| host.strip_prefix("http://"))
        .unwrap_or(host);
    let mut hosts = Vec::new();
    let mut start = 0;
    loop {
        let url = format!(
            "{}://{host}/api/v1/server/following?state=accepted&start={start}&count=100",
            remote::scheme(tube)
        );
        let got = tube
            .fetcher
            .get(&url, "application/json")
            .await
            .map_err(|e| TubeError::Remote(format!("{host}: {e}")))?;
        let page: Value = serde_json::from_slice(&got.body)
            .map_err(|_| TubeError::Remote(format!("{host} did not answer its follows")))?;
        let data = page["data"].as_array().cloned().unwrap_or_default();
        for f in &data {
            if let Some(h) = f["following"]["host"].as_str()
                && f["following"]["name"] == urls::INSTANCE_ACTOR
                && !hosts.iter().any(|x: &String| x == h)
            {
                hosts.push(h.to_string());
            }
        }
        start += 100;
        let total = page["total"].as_i64().unwrap_or(0);
        if data.is_empty() || start >= total || start >= 10_000 {
            break;
        }
    }
    let me = urls::instance_actor(base(tube));
    let ours = super::our_host(tube);
    let mut added = Vec::new();
    for h in hosts {
        if h.eq_ignore_ascii_case(&ours) {
            continue;
        }
        let already = {
            let (mine, _) = {
                let mut c = tube.store.read().await?;
                fstore::follows_of(c.ex(), &me, fstore::Side::Following, None, 0, 10_000).await?
            };
            mine.iter()
                .any(|f| ap::host_of(&f.following).as_deref() == Some(h.as_str()))
        };
        if already {
            continue;
        }
        match follow_hosts(tube, std::slice::from_ref(&h)).await {
            Ok(_) => added.push(h),
            Err(e) => tracing::warn!("copying follows of {host}: {h}: {e}"),
        }
    }
    Ok(added)
}

/// The most pages of an outbox read, and the most of their items taken in.
const CRAWL_PAGES: usize = 5;
const CRAWL_ITEMS: usize = 100;

/// Reads a newly followed actor's outbox (an instance's, a channel's: its newest items, a few
/// pages at most), taking in the videos it created or announced: read again from their origin,
/// never trusted as listed. The crawl stops at a page that lists nothing or was read before
/// (a `next` that points back), so an outbox of empty pages leading to themselves cannot keep a
/// worker for ever.
pub async fn crawl_outbox(tube: &Tube, payload: &str) -> TubeResult<()> {
    let p: Value = serde_json::from_str(payload).map_err(|e| TubeError::Internal(e.to_string()))?;
    let actor = p["actor"].as_str().unwrap_or_default();
    let who = remote::actor(tube, actor).await?;
    let doc = remote::fetch(tube, &who.url).await?;
    let Some(outbox) = ap::str_of(&doc, "outbox").filter(|o| ap::same_origin(o, &who.url)) else {
        return Ok(());
    };
    let top = remote::fetch(tube, outbox).await?;
    // The URLs read so far (the collection's own, and every page's).
    let mut read: Vec<String> = vec![outbox.to_string()];
    let mut page = match &top["first"] {
        Value::Null => Some(top.clone()),
        first => match ap::id_of(first) {
            Some(u) if first.is_string() => {
                if !ap::same_origin(u, &who.url) {
                    return Ok(());
                }
                read.push(u.to_string());
                Some(remote::fetch(tube, u).await?)
            }
            _ => Some(first.clone()),
        },
    };
    let (mut pages, mut seen) = (0, 0);
    while let Some(p) = page.take() {
        pages += 1;
        let items = p["orderedItems"]
            .as_array()
            .or_else(|| p["items"].as_array())
            .cloned()
            .unwrap_or_default();
        if items.is_empty() {
            break;
        }
        for item in items {
            if seen >= CRAWL_ITEMS {
                return Ok(());
            }
            seen += 1;
            if !matches!(ap::type_of(&item), "Create" | "Announce") {
                continue;
            }
            let Some(object) = ap::id_of(&item["object"]) else {
                continue;
            };
            match remote::video(tube, object).await {
                // An Announce by the outbox's owner is its share of the video, which PeerTube
                // keeps as a reason to show it (the owner's own outbox vouches for it).
                Ok(v)
                    if ap::type_of(&item) == "Announce"
                        && ap::id_of(&item["actor"]) == Some(who.url.as_str()) =>
                {
                    if let Some(id) =
                        ap::str_of(&item, "id").filter(|i| ap::same_origin(i, &who.url))
                    {
                        let mut tx = tube.store.begin().await?;
                        ruche_store::videos::add_share(tx.ex(), v.id, &who.url, id).await?;
                        tx.commit().await?;
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::debug!("outbox of {actor}: {object}: {e}"),
            }
        }
        if pages >= CRAWL_PAGES {
            break;
        }
        if let Some(next) = ap::str_of(&p, "next").filter(|n| ap::same_origin(n, &who.url))
            && !read.iter().any(|r| r == next)
        {
            read.push(next.to_string());
            page = Some(remote::fetch(tube, next).await?);
        }
    }
    Ok(())
}

/// How many accepted followers and followings an actor (its URL) has: what its `followers` and
/// `following` collections list.
pub async fn counts(tube: &Tube, actor: &str) -> TubeResult<(i64, i64)> {
    Ok(crate::directory::follow_counts(tube, &[actor.to_string()])
        .await?
        .remove(actor)
        .unwrap_or_default())
}

/// The instance's follows on one side, in a state (any if `None`), a page of them and how
/// many there are.
pub async fn of_instance(
    tube: &Tube,
    side: Side,
    state: Option<FollowState>,
    start: i64,
    count: i64,
) -> TubeResult<(Vec<Follow>, i64)> {
    let me = urls::instance_actor(base(tube));
    let mut c = tube.store.read().await?;
    Ok(fstore::follows_of(c.ex(), &me, side, state, start, count).await?)
}

pub use ruche_store::federation::RemoteActor;

/// One end of a follow.
pub enum Party {
    /// One of our actors (its name), with the instance's start.
    Ours { name: String, since_ms: i64 },
    /// Another instance's actor, as we know it.
    Remote(Box<RemoteActor>),
}

/// Who the actor `url` of a follow is.
pub async fn party(tube: &Tube, url: &str) -> TubeResult<Party> {
    if let Some(path) = url
        .strip_prefix(base(tube))
        .and_then(|p| p.strip_prefix('/'))
    {
        let name = path.rsplit('/').next().unwrap_or(urls::INSTANCE_ACTOR);
        return Ok(Party::Ours {
            name: name.to_string(),
            since_ms: crate::accounts::started_ms(tube).await?,
        });
    }
    let mut c = tube.store.read().await?;
    fstore::actor_by_url(c.ex(), url)
        .await?
        .map(|a| Party::Remote(Box::new(a)))
        .ok_or(TubeError::NotFound("actor"))
}

/// The follow of our instance by the instance or actor a handle names (`peertube@host`, or a
/// bare host).
pub async fn instance_follower(tube: &Tube, handle: &str) -> TubeResult<Follow> {
    let (name, host) = ap::split_handle(handle).unwrap_or((urls::INSTANCE_ACTOR, handle));
    let (rows, _) = of_instance(tube, Side::Followers, None, 0, 10_000).await?;
    let mut c = tube.store.read().await?;
    for f in rows {
        if let Some(a) = fstore::actor_by_url(c.ex(), &f.follower).await?
            && a.host.eq_ignore_ascii_case(host)
            && a.username.eq_ignore_ascii_case(name)
        {
            return Ok(f);
        }
    }
    Err(TubeError::NotFound("follower"))
}

/// The actor URL of the channel a subscription handle names (another instance's found by
/// WebFinger).
async fn channel_actor(tube: &Tube, handle: &str) -> TubeResult<String> {
    match crate::accounts::local_name(tube, handle) {
        Some(name) => {
            let ch = crate::channels::by_handle(tube, name).await?;
            Ok(urls::channel(base(tube), &ch.name))
        }
        None => remote::webfinger(tube, handle).await,
    }
}

/// A user's account subscribes to the channel `handle` names: one of ours at once, another
/// instance's by sending it a `Follow`.
pub async fn subscribe(tube: &Tube, user: &crate::accounts::User, handle: &str) -> TubeResult<()> {
    let account = crate::accounts::account_of(tube, user.id).await?;
    let target = channel_actor(tube, handle.trim()).await?;
    if target.starts_with(&format!("{}/", base(tube))) {
        // A channel of ours: nothing to send, the subscription is at once in force.
        let me = urls::account(base(tube), &account.name);
        let mut tx = tube.store.begin().await?;
        let id = format!("{me}/follows/{}", uuid::Uuid::new_v4());
        fstore::upsert_follow(tx.ex(), &me, &target, Accepted, &id).await?;
        tx.commit().await?;
    } else {
        follow_actor(tube, Signer::Account(account.id), &target).await?;
    }
    Ok(())
}

/// A user's account stops following the channel `handle` names.
pub async fn unsubscribe(
    tube: &Tube,
    user: &crate::accounts::User,
    handle: &str,
) -> TubeResult<()> {
    let account = crate::accounts::account_of(tube, user.id).await?;
    let ch = crate::channels::by_handle(tube, handle).await?;
    let target = ch.actor_url(base(tube));
    if ch.url.is_some() {
        unfollow_actor(tube, Signer::Account(account.id), &target).await?;
    } else {
        let me = urls::account(base(tube), &account.name);
        let mut tx = tube.store.begin().await?;
        fstore::delete_follow(tx.ex(), &me, &target).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Whether a user's account follows the channel `handle` names (accepted or pending, as
/// PeerTube's `subscriptions/exist` says); `false` for a channel not known here.
pub async fn is_subscribed(
    tube: &Tube,
    user: &crate::accounts::User,
    handle: &str,
) -> TubeResult<bool> {
    let ch = match crate::channels::by_handle(tube, handle).await {
        Ok(ch) => ch,
        Err(TubeError::NotFound(_)) => return Ok(false),
        Err(e) => return Err(e),
    };
    let account = crate::accounts::account_of(tube, user.id).await?;
    let me = urls::account(base(tube), &account.name);
    let target = ch.actor_url(base(tube));
    let mut c = tube.store.read().await?;
    Ok(fstore::follow(c.ex(), &me, &target).await?.is_some())
}

/// The channels a user follows (accepted or pending), each with its account: a page of them and
/// how many follows there are.
pub async fn subscriptions(
    tube: &Tube,
    user: &crate::accounts::User,
    start: i64,
    count: i64,
) -> TubeResult<(
    Vec<(crate::accounts::Channel, crate::accounts::Account)>,
    i64,
)> {
    use ruche_store::users;
    let mut c = tube.store.read().await?;
    let account = users::account_of_user(c.ex(), user.id).await?;
    let me = urls::account(base(tube), &account.name);
    let (rows, total) =
        fstore::follows_of(c.ex(), &me, Side::Following, None, start, count).await?;
    let mut out = Vec::new();
    for f in rows {
        let ch = match fstore::actor_by_url(c.ex(), &f.following).await? {
            Some(a) => match a.channel_id {
                Some(id) => users::channel_by_id(c.ex(), id).await?,
                None => None,
            },
            None => match f.following.rsplit_once("/video-channels/") {
                Some((_, name)) => users::channel_by_name(c.ex(), name).await?,
                None => None,
            },
        };
        if let Some(ch) = ch {
            let owner = users::account_by_id(c.ex(), ch.account_id).await?;
            out.push((ch, owner));
        }
    }
    Ok((out, total))
}

/// One follow by its row id.
pub async fn by_id(tube: &Tube, id: i64) -> TubeResult<Follow> {
    let mut c = tube.store.read().await?;
    fstore::follow_by_id(c.ex(), id)
        .await?
        .ok_or(TubeError::NotFound("follow"))
}

/// Another instance's actor as we know it, if we do.
pub async fn known_actor(tube: &Tube, url: &str) -> TubeResult<Option<RemoteActor>> {
    let mut c = tube.store.read().await?;
    Ok(fstore::actor_by_url(c.ex(), url).await?)
}

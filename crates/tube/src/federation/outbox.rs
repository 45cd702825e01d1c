//! What we send, and to whom. Every function here runs inside the transaction of the change
//! it announces and stores one delivery per inbox (shared inboxes once), so a committed change
//! never lacks its deliveries and a rolled-back one sends nothing; the [`super::delivery`]
//! worker sends them.
//!
//! The topology is PeerTube's: a new video is created by its account and announced by its
//! channel (what Mastodon users following the channel see) and by the instance (what PeerTube
//! instances following ours need to show it), each to the followers of the account, the channel
//! and the instance; interactions with another instance's video go to its origin, which forwards
//! comments to everyone following the video's account, channel and instance.

use super::{Signer, objects};
use crate::{Tube, TubeError, TubeResult};
use ruche_domain::urls;
use ruche_domain::video::{Privacy, VideoState};
use ruche_federation::ap;
use ruche_store::comments::Comment;
use ruche_store::federation as fstore;
use ruche_store::users::{self, Account, Holder};
use ruche_store::videos::{self as vstore, Video};
use ruche_store::{Ex, actors, now_ms};
use serde_json::{Value, json};

/// The debounced job that tells other instances a video's new counts.
pub const PUSH_JOB: &str = "federate-video";

/// A local actor's URL and key pair, read (or, the first time, made) in the transaction.
async fn signer_in(
    mut ex: Ex<'_>,
    tube: &Tube,
    by: Signer,
) -> TubeResult<(String, actors::KeyPair)> {
    let url = super::actor_url_in(ex.reborrow(), super::base(tube), by).await?;
    let (kind, local_id) = by.key_ref();
    let key = match actors::key(ex.reborrow(), kind, local_id).await? {
        Some(k) => k,
        None => {
            // Made here rather than through `key_pair`, which would open a second write
            // transaction while this one holds SQLite's only writer.
            let (public_pem, private_pem) = ruche_federation::generate_key_pair()
                .map_err(|e| TubeError::Internal(e.to_string()))?;
            actors::insert_key(
                ex,
                kind,
                local_id,
                &actors::KeyPair {
                    public_pem,
                    private_pem,
                },
            )
            .await?
        }
    };
    Ok((url, key))
}

/// Stores `activity`, LD-signed by `by` (so that it can be forwarded), for the accepted
/// followers of each actor in `followers_of` and for `inboxes`. Returns the deliveries made.
pub async fn send(
    mut ex: Ex<'_>,
    tube: &Tube,
    activity: &Value,
    by: Signer,
    followers_of: &[String],
    inboxes: &[String],
) -> TubeResult<usize> {
    // PeerTube answers 204 to what it then drops: say so here, where it can be seen.
    if let Err(why) = super::acceptance::check_activity(activity) {
        tracing::warn!("PeerTube would drop {}: {why}", activity["id"]);
    }
    let (url, key) = signer_in(ex.reborrow(), tube, by).await?;
    let body = super::ld_sign(activity, &super::key_id(&url), &key.private_pem);
    enqueue(ex, tube, &body.to_string(), by, followers_of, inboxes, None).await
}

/// Forwards an activity received from elsewhere, unchanged (its author's LD signature stays
/// valid), signed in HTTP by our instance.
pub async fn forward(
    ex: Ex<'_>,
    tube: &Tube,
    activity: &Value,
    followers_of: &[String],
) -> TubeResult<usize> {
    let author_host = ap::id_of(&activity["actor"]).map(urls::host);
    enqueue(
        ex,
        tube,
        &activity.to_string(),
        Signer::Instance,
        followers_of,
        &[],
        author_host.as_deref(),
    )
    .await
}

async fn enqueue(
    mut ex: Ex<'_>,
    tube: &Tube,
    body: &str,
    by: Signer,
    followers_of: &[String],
    inboxes: &[String],
    skip_host: Option<&str>,
) -> TubeResult<usize> {
    let ours = super::our_host(tube);
    let mut targets = fstore::follower_inboxes(ex.reborrow(), followers_of).await?;
    targets.extend(inboxes.iter().cloned());
    targets.retain(|i| {
        let h = urls::host(i);
        h != ours && Some(h.as_str()) != skip_host
    });
    let give_up = i64::try_from(tube.settings.federation.give_up_after_secs)
        .unwrap_or(i64::MAX / 1000)
        .saturating_mul(1000);
    let n = fstore::enqueue_activity(
        ex,
        body,
        by.key_ref(),
        &targets,
        now_ms().saturating_sub(give_up),
    )
    .await?;
    Ok(n)
}

/// One of our accounts or channels changed (its name, description or pictures): `Update` of
/// its actor to its followers and the instance's (who know it from its videos).
pub async fn actor_updated(mut ex: Ex<'_>, tube: &Tube, holder: Holder) -> TubeResult<()> {
    let base = super::base(tube);
    let (signer, account, channel) = match holder {
        Holder::Account(id) => (
            Signer::Account(id),
            users::account_by_id(ex.reborrow(), id).await?,
            None,
        ),
        Holder::Channel(id) => {
            let ch = users::channel_by_id(ex.reborrow(), id)
                .await?
                .ok_or(TubeError::NotFound("channel"))?;
            let owner = users::account_by_id(ex.reborrow(), ch.account_id).await?;
            (Signer::Channel(id), owner, Some(ch))
        }
    };
    if account.host.is_some() {
        return Ok(()); // Another instance's actor: its origin tells its followers.
    }
    let (url, key) = signer_in(ex.reborrow(), tube, signer).await?;
    let doc = match &channel {
        None => objects::account_actor(base, &account, &key.public_pem),
        Some(ch) => objects::channel_actor(base, ch, &account, &key.public_pem),
    };
    let update = objects::update_actor(doc, now_ms());
    send(
        ex,
        tube,
        &update,
        signer,
        &[url, urls::instance_actor(base)],
        &[],
    )
    .await?;
    Ok(())
}

/// One of our accounts or channels is deleted: `Delete` of its actor, signed with its own key
/// (kept for that after the actor is gone), to its followers and the instance's.
pub async fn actor_deleted(mut ex: Ex<'_>, tube: &Tube, by: Signer) -> TubeResult<()> {
    let base = super::base(tube);
    let url = super::actor_url_in(ex.reborrow(), base, by).await?;
    let delete = objects::actor_delete(&url);
    send(
        ex,
        tube,
        &delete,
        by,
        &[url, urls::instance_actor(base)],
        &[],
    )
    .await?;
    Ok(())
}

/// Whether other instances are told of this video at all: one of ours, published, public (or
/// unlisted where the settings say so), and with its JPEG thumbnail, without which PeerTube
/// drops the `Video` (while its inbox answers 204).
pub fn federated(tube: &Tube, v: &Video) -> bool {
    v.is_local()
        && !v.is_blocked()
        && v.state == VideoState::Published
        && v.thumbnail_filename.is_some()
        && match v.privacy {
            Privacy::Public => true,
            Privacy::Unlisted => tube.settings.federation.federate_unlisted,
            Privacy::Private | Privacy::Internal | Privacy::PasswordProtected => false,
        }
}

/// Everyone who hears of a local video: followers of its account, its channel and the
/// instance.
fn video_audience(tube: &Tube, v: &Video) -> Vec<String> {
    let base = super::base(tube);
    vec![
        urls::account(base, &v.account_name),
        urls::channel(base, &v.channel_name),
        urls::instance_actor(base),
    ]
}

/// A video was published: what PeerTube sends for a new video. `Create` by its account, then
/// `Announce`s by its channel and by the instance ([`objects::own_announce`]), each to
/// everyone following the account, the channel or the instance. (PeerTube sends its Create to
/// the account's followers only; ours also reaches the channel's and the instance's, so that
/// instances following either take the video from the Create without fetching it.)
pub async fn video_published(mut ex: Ex<'_>, tube: &Tube, video_id: i64) -> TubeResult<()> {
    let Some(v) = vstore::by_id(ex.reborrow(), video_id).await? else {
        return Ok(());
    };
    if !federated(tube, &v) {
        return Ok(());
    }
    let base = super::base(tube);
    let files = vstore::files(ex.reborrow(), v.id).await?;
    let create = objects::create_video(base, &v, &files);
    let audience = video_audience(tube, &v);
    send(
        ex.reborrow(),
        tube,
        &create,
        Signer::Account(v.account_id),
        &audience,
        &[],
    )
    .await?;
    for (share, by) in [
        (v.channel_id, Signer::Channel(v.channel_id)),
        (objects::INSTANCE_SHARE, Signer::Instance),
    ] {
        if let Some(announce) = objects::own_announce(base, &v, share) {
            send(ex.reborrow(), tube, &announce, by, &audience, &[]).await?;
        }
    }
    Ok(())
}

/// A published video changed (new renditions, an edit, new counts): `Update` to everyone who
/// heard of it.
pub async fn video_updated(mut ex: Ex<'_>, tube: &Tube, video_id: i64) -> TubeResult<()> {
    let Some(v) = vstore::by_id(ex.reborrow(), video_id).await? else {
        return Ok(());
    };
    if !federated(tube, &v) {
        return Ok(());
    }
    let base = super::base(tube);
    let files = vstore::files(ex.reborrow(), v.id).await?;
    let update = objects::update_video(base, &v, &files, now_ms());
    let audience = video_audience(tube, &v);
    send(
        ex,
        tube,
        &update,
        Signer::Account(v.account_id),
        &audience,
        &[],
    )
    .await?;
    Ok(())
}

/// A video's views or ratings changed: its `Update` goes out once the push delay has passed,
/// however many changes come meanwhile.
pub async fn video_changed(ex: Ex<'_>, tube: &Tube, video_id: i64) -> TubeResult<()> {
    let delay = i64::try_from(tube.settings.federation.stats_push_secs)
        .unwrap_or(60)
        .saturating_mul(1000);
    let payload = json!({ "video_id": video_id }).to_string();
    ruche_store::jobs::enqueue_once(ex, PUSH_JOB, &payload, video_id, delay).await?;
    Ok(())
}

/// The push job: sends the video's `Update`.
pub async fn push_job(tube: &Tube, payload: &str) -> TubeResult<()> {
    let p: Value = serde_json::from_str(payload).map_err(|e| TubeError::Internal(e.to_string()))?;
    let Some(id) = p["video_id"].as_i64() else {
        return Ok(());
    };
    let mut tx = tube.store.begin().await?;
    video_updated(tx.ex(), tube, id).await?;
    tx.commit().await?;
    tube.deliveries_ready.notify_waiters();
    Ok(())
}

/// A local video is being deleted (call before its row goes): `Delete` to everyone who heard
/// of it. A remote video deleted here by a moderator is removed here only: nothing is sent.
pub async fn video_deleted(ex: Ex<'_>, tube: &Tube, v: &Video) -> TubeResult<()> {
    if !v.is_local() || v.published_at.is_none() {
        return Ok(());
    }
    let base = super::base(tube);
    let id = urls::video(base, &v.uuid);
    let (to, cc) = objects::audience(base, v);
    let delete = objects::delete(&urls::account(base, &v.account_name), &id, to, cc);
    let audience = video_audience(tube, v);
    send(
        ex,
        tube,
        &delete,
        Signer::Account(v.account_id),
        &audience,
        &[],
    )
    .await?;
    Ok(())
}

/// Forwards an activity about one of our videos (a comment from elsewhere) to everyone who
/// heard of the video, as PeerTube does: Mastodon addresses only the video's account.
pub async fn forward_to_video_audience(
    ex: Ex<'_>,
    tube: &Tube,
    v: &Video,
    activity: &Value,
) -> TubeResult<()> {
    if !federated(tube, v) {
        return Ok(());
    }
    forward(ex, tube, activity, &video_audience(tube, v)).await?;
    Ok(())
}

/// The inbox of another instance's video: its account's (shared when it has one).
async fn origin_inbox(ex: Ex<'_>, v: &Video) -> TubeResult<Option<(String, String)>> {
    Ok(fstore::actor_of(ex, Some(v.account_id), None)
        .await?
        .map(|a| (a.url, a.shared_inbox.unwrap_or(a.inbox))))
}

/// The authors a comment answers (its parent's, up its thread), as (actor id, `@name@host`).
async fn mentions(
    mut ex: Ex<'_>,
    tube: &Tube,
    parent: Option<&Comment>,
) -> TubeResult<Vec<(String, String)>> {
    let Some(p) = parent else {
        return Ok(Vec::new());
    };
    let a = ruche_store::users::account_by_id(ex.reborrow(), p.account_id).await?;
    let host = a.host.clone().unwrap_or_else(|| super::our_host(tube));
    let url = a.actor_url(super::base(tube));
    Ok(vec![(url, format!("@{}@{host}", a.name))])
}

/// Who hears of a comment of ours: its author's followers, and under our video everyone who
/// heard of the video, under another instance's the video's origin (its actor and inbox).
async fn comment_audience(
    ex: Ex<'_>,
    tube: &Tube,
    v: &Video,
    author_url: &str,
) -> TubeResult<(Vec<String>, Option<(String, String)>)> {
    let mut followers_of = vec![author_url.to_string()];
    if v.is_local() {
        followers_of.extend(video_audience(tube, v));
        return Ok((followers_of, None));
    }
    Ok((followers_of, origin_inbox(ex, v).await?))
}

/// The `Note` of one of our comments, with the authors it answers.
pub async fn note_document(
    mut ex: Ex<'_>,
    tube: &Tube,
    v: &Video,
    c: &Comment,
) -> TubeResult<(Value, Vec<(String, String)>)> {
    let base = super::base(tube);
    let author = ruche_store::users::account_by_id(ex.reborrow(), c.account_id).await?;
    let parent = match c.in_reply_to_id {
        Some(pid) => ruche_store::comments::by_id(ex.reborrow(), pid).await?,
        None => None,
    };
    let in_reply_to = match &parent {
        Some(p) => objects::comment_id(base, v, p),
        None => objects::video_id(base, v),
    };
    let tagged = mentions(ex.reborrow(), tube, parent.as_ref()).await?;
    let id = objects::comment_id(base, v, c);
    if c.deleted_at.is_some() {
        let gone = objects::tombstone(
            &id,
            &in_reply_to,
            c.created_at,
            c.deleted_at.unwrap_or(c.updated_at),
        );
        return Ok((gone, tagged));
    }
    // Under our video we are the proof of the owner's approval; under another instance's, the
    // origin's ApproveReply is, once it came.
    let approval = if v.is_local() {
        (!c.held_for_review).then(|| objects::reply_decision_id(&id, true))
    } else {
        c.reply_approval.clone()
    };
    let note = objects::note(&objects::NoteParts {
        id: &id,
        author: &urls::account(base, &author.name),
        in_reply_to: &in_reply_to,
        text: &c.text,
        published_ms: c.created_at,
        updated_ms: c.updated_at,
        mentions: &tagged,
        reply_approval: approval.as_deref(),
    });
    Ok((note, tagged))
}

/// A comment of ours was posted: `Create{Note}` by its author. Under our video it goes to the
/// video's audience; under another instance's video to the video's origin (which forwards it);
/// and to the author's followers and the people it answers. A comment held for approval is
/// not sent under our video; under another instance's it goes to the origin only, which
/// decides (its `ApproveReply` sends it to everyone then).
pub async fn comment_created(
    mut ex: Ex<'_>,
    tube: &Tube,
    v: &Video,
    c: &Comment,
    author: &Account,
) -> TubeResult<()> {
    if v.is_local() && (!federated(tube, v) || c.held_for_review) {
        return Ok(());
    }
    let base = super::base(tube);
    let (note, tagged) = note_document(ex.reborrow(), tube, v, c).await?;
    let author_url = urls::account(base, &author.name);
    let id = objects::comment_id(base, v, c);
    let mut cc = note["cc"].clone();
    let to = note["to"].clone();
    let mut inboxes = Vec::new();
    for (mentioned, _) in &tagged {
        if let Some(a) = fstore::actor_by_url(ex.reborrow(), mentioned).await? {
            inboxes.push(a.shared_inbox.unwrap_or(a.inbox));
        }
    }
    let (mut followers_of, origin) = comment_audience(ex.reborrow(), tube, v, &author_url).await?;
    if c.held_for_review {
        followers_of.clear();
        inboxes.clear();
    }
    if let Some((origin, inbox)) = origin {
        inboxes.push(inbox);
        if let Some(list) = cc.as_array_mut()
            && !list.contains(&json!(origin))
        {
            list.push(json!(origin));
        }
    }
    let activity = objects::activity(
        "Create",
        &format!("{id}/activity"),
        &author_url,
        note,
        to,
        cc,
    );
    send(
        ex,
        tube,
        &activity,
        Signer::Account(author.id),
        &followers_of,
        &inboxes,
    )
    .await?;
    Ok(())
}

/// One of our comments was deleted: `Delete` to where its `Create` went.
pub async fn comment_deleted(
    mut ex: Ex<'_>,
    tube: &Tube,
    v: &Video,
    c: &Comment,
) -> TubeResult<()> {
    let author = ruche_store::users::account_by_id(ex.reborrow(), c.account_id).await?;
    if author.host.is_some() {
        // Another instance's comment removed by one of our moderators: removed here only.
        return Ok(());
    }
    if v.is_local() && !federated(tube, v) {
        return Ok(());
    }
    let base = super::base(tube);
    let author_url = urls::account(base, &author.name);
    let id = objects::comment_id(base, v, c);
    let (followers_of, origin) = comment_audience(ex.reborrow(), tube, v, &author_url).await?;
    let inboxes: Vec<String> = origin.into_iter().map(|(_, inbox)| inbox).collect();
    let delete = objects::delete(
        &author_url,
        &id,
        json!([super::PUBLIC]),
        json!([urls::followers(&author_url)]),
    );
    send(
        ex,
        tube,
        &delete,
        Signer::Account(author.id),
        &followers_of,
        &inboxes,
    )
    .await?;
    Ok(())
}

/// The owner of our video `v` approved or refused the held reply `c` of another instance:
/// its author hears it (PeerTube 7's `ApproveReply`, FEP-5624's `RejectReply`), signed by
/// the video's account. An approved reply's `Create`, kept while it waited, now goes to the
/// video's audience, as any reply does.
pub async fn reply_decided(
    mut ex: Ex<'_>,
    tube: &Tube,
    v: &Video,
    c: &Comment,
    approved: bool,
    held_activity: Option<&str>,
) -> TubeResult<()> {
    let Some(reply) = c.url.as_deref() else {
        return Ok(());
    };
    let base = super::base(tube);
    let author = fstore::actor_of(ex.reborrow(), Some(c.account_id), None).await?;
    let in_reply_to = match c.in_reply_to_id {
        Some(pid) => match ruche_store::comments::by_id(ex.reborrow(), pid).await? {
            Some(p) => objects::comment_id(base, v, &p),
            None => objects::video_id(base, v),
        },
        None => objects::video_id(base, v),
    };
    let owner = urls::account(base, &v.account_name);
    // The decision is ours: its id is under our own id of the comment, as PeerTube makes it.
    let ours = urls::comment(base, &v.uuid, c.id);
    if let Some(author) = author {
        let decision = objects::reply_decision(approved, &ours, reply, &owner, &in_reply_to);
        let inbox = author.shared_inbox.unwrap_or(author.inbox);
        send(
            ex.reborrow(),
            tube,
            &decision,
            Signer::Account(v.account_id),
            &[],
            &[inbox],
        )
        .await?;
    }
    if approved
        && let Some(activity) = held_activity.and_then(|a| serde_json::from_str::<Value>(a).ok())
    {
        forward_to_video_audience(ex, tube, v, &activity).await?;
    }
    Ok(())
}

/// An account of ours rated a video (`new` is `like`, `dislike` or none). Another instance's
/// video hears of it (`Like`, `Dislike`, or the `Undo` of the former); ours tells its new
/// counts later.
pub async fn rated(
    mut ex: Ex<'_>,
    tube: &Tube,
    v: &Video,
    account: &Account,
    old: Option<&str>,
    new: Option<&str>,
) -> TubeResult<()> {
    if v.is_local() {
        return video_changed(ex, tube, v.id).await;
    }
    if old == new {
        return Ok(());
    }
    let Some((origin, inbox)) = origin_inbox(ex.reborrow(), v).await? else {
        return Ok(());
    };
    let base = super::base(tube);
    let me = urls::account(base, &account.name);
    let video = objects::video_id(base, v);
    let kind = |k: &str| if k == "like" { "Like" } else { "Dislike" };
    if let Some(o) = old {
        let undone = objects::rate(kind(o), &me, &video, v.id, &origin);
        let undo = objects::undo(&me, &undone, json!([origin]));
        send(
            ex.reborrow(),
            tube,
            &undo,
            Signer::Account(account.id),
            &[],
            std::slice::from_ref(&inbox),
        )
        .await?;
    }
    if let Some(n) = new {
        let rate = objects::rate(kind(n), &me, &video, v.id, &origin);
        send(ex, tube, &rate, Signer::Account(account.id), &[], &[inbox]).await?;
    }
    Ok(())
}

/// A video was viewed here. Another instance's video hears of it (a `View` by our instance,
/// as PeerTube sends them); ours tells its new count later.
pub async fn viewed(mut ex: Ex<'_>, tube: &Tube, v: &Video, viewer: &str) -> TubeResult<()> {
    if v.is_local() {
        return video_changed(ex, tube, v.id).await;
    }
    let Some((origin, inbox)) = origin_inbox(ex.reborrow(), v).await? else {
        return Ok(());
    };
    let base = super::base(tube);
    let me = urls::instance_actor(base);
    let view = objects::view(&me, &objects::video_id(base, v), v.id, viewer, &origin);
    send(ex, tube, &view, Signer::Instance, &[], &[inbox]).await?;
    Ok(())
}

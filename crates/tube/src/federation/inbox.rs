//! What other instances send us. [`receive`] checks a POST to an inbox the way PeerTube does —
//! the `Digest` of the body, an HTTP signature covering `(request-target) host date digest`,
//! a date within the allowed skew, the signature verified with the key of the actor that owns
//! it (fetched again once if it fails, for rotated keys), and the activity's `actor` being that
//! signer, or else carrying its own LD signature, or else being fetched again from its origin —
//! then takes it in once (its id is recorded) as an `inbox` job. [`apply`] does what the
//! activity says, from that job. A refused request changes nothing.

use super::{base, outbox, remote};
use crate::{Tube, TubeError, TubeResult};
use ruche_domain::urls;
use ruche_domain::video::VideoState;
use ruche_federation::ap;
use ruche_store::federation as fstore;
use ruche_store::{jobs, now_ms};
use serde_json::{Value, json};
use std::time::{Duration, SystemTime};

/// The job kind of an activity taken in, still to apply.
pub const JOB: &str = "inbox";

/// A POST to one of our inboxes.
pub struct Incoming<'a> {
    pub method: &'a str,
    pub path_and_query: &'a str,
    /// A request header by lowercase name.
    pub header: &'a (dyn Fn(&str) -> Option<String> + Sync),
    pub body: &'a [u8],
}

/// Why an activity was refused; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// The request is not signed as required, or its signature does not check (401).
    #[error("{0}")]
    Signature(String),
    /// Signed, but not by someone allowed to say this (403).
    #[error("{0}")]
    Forbidden(String),
    /// Not an activity we can read (400).
    #[error("{0}")]
    Malformed(String),
    /// Something failed on our side or on the way to the signer's server.
    #[error(transparent)]
    Tube(#[from] TubeError),
}

/// What became of an accepted activity.
#[derive(Debug, PartialEq, Eq)]
pub enum Received {
    /// Taken in, to be applied.
    Queued,
    /// Its id was taken in before: nothing more to do.
    Duplicate,
    /// Accepted and left alone (our own activity coming back, a deletion of an unknown actor).
    Ignored,
}

impl From<ruche_store::StoreError> for Refused {
    fn from(e: ruche_store::StoreError) -> Self {
        Refused::Tube(e.into())
    }
}

fn sig(e: impl std::fmt::Display) -> Refused {
    Refused::Signature(e.to_string())
}

/// Checks and takes in one POST to an inbox.
pub async fn receive(tube: &Tube, req: Incoming<'_>) -> Result<Received, Refused> {
    let settings = &tube.settings.federation;
    let header_value = (req.header)("signature")
        .ok_or_else(|| sig("the request is not signed (no Signature header)"))?;
    let header_value = header_value
        .strip_prefix("Signature ")
        .unwrap_or(&header_value)
        .to_string();
    let params = ruche_federation::parse_signature_header(&header_value).map_err(sig)?;
    // Everything that needs no key first: a stale or tampered request costs us no fetch.
    let skew = Duration::from_secs(settings.signature_skew_secs);
    ruche_federation::check_request(
        &params,
        req.method,
        req.header,
        req.body,
        SystemTime::now(),
        skew,
    )
    .map_err(sig)?;
    let activity: Value = serde_json::from_slice(req.body)
        .map_err(|e| Refused::Malformed(format!("the body is not JSON: {e}")))?;
    let (Some(id), Some(actor)) = (
        ap::str_of(&activity, "id"),
        ap::id_of(&activity["actor"]).filter(|a| !a.is_empty()),
    ) else {
        return Err(Refused::Malformed(
            "an activity needs an id, a type and an actor".into(),
        ));
    };
    if ap::type_of(&activity).is_empty()
        || ap::host_of(id).is_none()
        || ap::host_of(actor).is_none()
    {
        return Err(Refused::Malformed(
            "an activity needs an id, a type and an actor".into(),
        ));
    }
    // What an actor creates or changes lives on its own instance.
    if matches!(ap::type_of(&activity), "Create" | "Update")
        && let Some(object) = ap::id_of(&activity["object"])
        && !ap::same_origin(object, actor)
    {
        return Err(Refused::Forbidden(format!(
            "{object} does not belong to {actor}'s instance"
        )));
    }
    let ours = format!("{}/", base(tube));
    if actor.starts_with(&ours) {
        // One of our own activities, forwarded back to us by another instance.
        return Ok(Received::Ignored);
    }
    // What the instance blocks (an instance, an account) is refused before any key is read or
    // checked: a blocked sender costs a lookup, never a fetch or a signature check.
    {
        // The actor's host and its key's, read once when they are one.
        let mut hosts: Vec<String> = [actor, params.key_id.as_str()]
            .into_iter()
            .filter_map(ruche_domain::host::host_of)
            .collect();
        hosts.dedup();
        let mut c = tube.store.read().await?;
        for host in hosts {
            if ruche_store::blocklist::refused_at_inbox(c.ex(), &host, actor).await? {
                return Err(Refused::Forbidden(format!(
                    "this instance blocks {actor} or its instance"
                )));
            }
        }
    }
    let self_delete =
        ap::type_of(&activity) == "Delete" && ap::id_of(&activity["object"]) == Some(actor);
    // The signer's key: from the store, else fetched; fetched again if it no longer verifies.
    let mut signer = match remote::actor_for_key(tube, &params.key_id, false).await {
        Ok(a) => a,
        // A deleted account's last words (Mastodon signs them with the deleted key).
        Err(TubeError::Remote(_)) if self_delete => return Ok(Received::Ignored),
        Err(TubeError::Remote(e)) => return Err(sig(format!("the signer's key: {e}"))),
        Err(e) => return Err(e.into()),
    };
    let check = |pem: &str| {
        ruche_federation::verify(
            &params,
            req.method,
            req.path_and_query,
            req.header,
            req.body,
            pem,
            SystemTime::now(),
            skew,
        )
    };
    let mut verdict = check(signer.public_key_pem.as_deref().unwrap_or_default());
    if verdict.is_err()
        && !self_delete
        && let Ok(fresh) = remote::actor_for_key(tube, &params.key_id, true).await
    {
        verdict = check(fresh.public_key_pem.as_deref().unwrap_or_default());
        signer = fresh;
    }
    verdict.map_err(sig)?;
    // So many a window per instance: a flood from one does not take the queue from the others.
    tube.rates
        .inbox
        .check(&signer.host)
        .map_err(TubeError::from)?;
    // The signer's instance spoke: deliveries we held for it may go now. (A read first: a
    // healthy instance, the usual case, costs no write.)
    let healthy = {
        let mut c = tube.store.read().await?;
        fstore::instance(c.ex(), &signer.host)
            .await?
            .is_some_and(|i| i.failures == 0 && i.unreachable_since.is_none())
    };
    if !healthy {
        let mut tx = tube.store.begin().await?;
        let resumed = fstore::host_reachable(tx.ex(), &signer.host).await?;
        tx.commit().await?;
        if resumed {
            tube.deliveries_ready.notify_waiters();
        }
    }
    let activity = if signer.url == actor {
        activity
    } else {
        vouched(tube, activity, &signer.url).await?
    };
    let id = ap::str_of(&activity, "id").unwrap_or_default().to_string();
    let mut tx = tube.store.begin().await?;
    if !fstore::mark_received(tx.ex(), &id, &content_digest(&activity)).await? {
        return Ok(Received::Duplicate);
    }
    if ap::type_of(&activity) == "Undo"
        && let Some(undone) = ap::id_of(&activity["object"])
        && ap::same_origin(undone, &id)
    {
        // A Like, Follow or Announce undone may come again with the same id and content, and
        // then means something again.
        fstore::forget_received(tx.ex(), undone).await?;
    }
    let payload = json!({ "activity": activity, "signer": signer.url });
    jobs::enqueue(tx.ex(), JOB, &payload.to_string(), None, 5).await?;
    tx.commit().await?;
    tube.federation_ready.notify_one();
    Ok(Received::Queued)
}

/// What tells two activities with one id apart: a digest of the activity without its LD
/// signature (made afresh at each sending). PeerTube reuses ids for new content (an `Update`'s
/// id is `<video>/updates/<updatedAt>`, sent again as renditions are added and views counted),
/// so the same id with other content is taken in again; the same content twice is not.
fn content_digest(activity: &Value) -> String {
    use sha2::{Digest, Sha256};
    let mut bare = activity.clone();
    if let Some(o) = bare.as_object_mut() {
        o.remove("signature");
    }
    hex::encode(Sha256::digest(bare.to_string().as_bytes()))
}

/// An activity whose actor is not its signer (an instance forwarding a comment it received):
/// accepted if the actor signed it itself (an LD signature), else if what it says can be read
/// again at its origin. Returns the activity to apply.
async fn vouched(tube: &Tube, activity: Value, signer: &str) -> Result<Value, Refused> {
    let actor = ap::id_of(&activity["actor"])
        .unwrap_or_default()
        .to_string();
    if super::ld_verified(tube, &activity, &actor).await {
        return Ok(activity);
    }
    let kind = ap::type_of(&activity).to_string();
    let object_id = ap::id_of(&activity["object"])
        .unwrap_or_default()
        .to_string();
    let refuse = || {
        Refused::Forbidden(format!(
            "the activity's actor {actor} is not its signer {signer}, and it carries no valid signature of its own"
        ))
    };
    if !ap::same_origin(&object_id, &actor) {
        return Err(refuse());
    }
    match kind.as_str() {
        // What was created or changed is read again where it lives, and applied as read.
        "Create" | "Update" => {
            let object = remote::fetch(tube, &object_id)
                .await
                .map_err(|_| refuse())?;
            let author = ap::id_of(&object["attributedTo"])
                .or_else(|| ap::ids(&object["attributedTo"]).first().copied());
            if author != Some(actor.as_str()) && ap::id_of(&object["id"]) != Some(actor.as_str()) {
                return Err(refuse());
            }
            let mut a = activity;
            a["object"] = object;
            Ok(a)
        }
        // A deletion is believed when its origin no longer has the object.
        "Delete" => match remote::fetch(tube, &object_id).await {
            Err(TubeError::Remote(e)) if e.contains("404") || e.contains("410") => Ok(activity),
            Ok(o) if ap::is_type(&o, "Tombstone") => Ok(activity),
            _ => Err(refuse()),
        },
        _ => Err(refuse()),
    }
}

/// Applies an activity taken in (the `inbox` job's payload).
pub async fn apply_job(tube: &Tube, payload: &str) -> TubeResult<()> {
    let p: Value = serde_json::from_str(payload).map_err(|e| TubeError::Internal(e.to_string()))?;
    apply(tube, &p["activity"]).await
}

/// Does what an activity says. Its actor was checked by [`receive`]; what it acts on must be
/// its own (of its origin) or addressed to us.
pub async fn apply(tube: &Tube, a: &Value) -> TubeResult<()> {
    let actor = ap::id_of(&a["actor"]).unwrap_or_default();
    let object = &a["object"];
    let object_id = ap::id_of(object).unwrap_or_default();
    match ap::type_of(a) {
        "Follow" => super::follows::followed(tube, a, actor, object_id).await,
        "Accept" | "Reject" => {
            super::follows::answered(tube, ap::type_of(a) == "Accept", actor, object).await
        }
        "Undo" => match ap::type_of(object) {
            "Follow" => super::follows::undone(tube, actor, object).await,
            "Like" | "Dislike" => {
                rate(
                    tube,
                    actor,
                    ap::id_of(&object["object"]).unwrap_or_default(),
                    None,
                    None,
                )
                .await
            }
            "Announce" => {
                if let Some(v) =
                    local_video(tube, ap::id_of(&object["object"]).unwrap_or_default()).await?
                {
                    let mut tx = tube.store.begin().await?;
                    ruche_store::videos::remove_share(tx.ex(), v.id, actor).await?;
                    tx.commit().await?;
                }
                Ok(())
            }
            _ => Ok(()),
        },
        "Create" => match ap::type_of(object) {
            "Video" => {
                same_origin(object_id, actor)?;
                let v = remote::store_video_by(tube, object, Some(actor)).await?;
                let _ = remote::sync_rates(tube, &v, object).await;
                Ok(())
            }
            "Note" => create_note(tube, a, object, actor).await,
            "Playlist" => {
                same_origin(object_id, actor)?;
                super::playlists::store_remote(tube, object, actor, &ap::ids(&a["to"])).await
            }
            // Watch statistics and redundancy copies are not kept.
            _ => Ok(()),
        },
        "Update" => match ap::type_of(object) {
            "Video" => {
                same_origin(object_id, actor)?;
                update_video(tube, actor, object_id, object).await
            }
            "Person" | "Group" | "Application" | "Service" | "Organization" => {
                if object_id != actor {
                    return Err(TubeError::Forbidden("an actor updates only itself".into()));
                }
                // Read again at its origin rather than from the activity: Updates sent in a
                // row may be applied out of order, and the last word is the origin's.
                ap::parse_actor(object, actor).map_err(|e| TubeError::Remote(e.to_string()))?;
                remote::refresh_actor(tube, actor).await.map(|_| ())
            }
            "Note" => update_note(tube, object, actor).await,
            "Playlist" => {
                same_origin(object_id, actor)?;
                super::playlists::store_remote(tube, object, actor, &ap::ids(&a["to"])).await
            }
            _ => Ok(()),
        },
        "Delete" => delete(tube, a, actor, object_id).await,
        "Announce" => {
            if object_id.starts_with(&format!("{}/", base(tube))) {
                // One of our videos shared elsewhere: it joins the video's shares.
                if let Some(v) = local_video(tube, object_id).await? {
                    add_share(tube, v.id, actor, a).await?;
                }
                return Ok(());
            }
            // A video shared by its channel or instance: known already (its Create came
            // first), or read at its origin, never trusted from the announcer. The share is
            // kept, as PeerTube keeps it: who shared a video is why it is shown here.
            let known = {
                let mut c = tube.store.read().await?;
                ruche_store::videos::by_url(c.ex(), object_id).await?
            };
            let v = match known {
                Some(v) => v,
                None => {
                    let doc = remote::fetch(tube, object_id).await?;
                    if !ap::is_type(&doc, "Video") {
                        // Mastodon's boosts of notes and the like: nothing for us.
                        return Ok(());
                    }
                    let v = remote::store_video(tube, &doc).await?;
                    let _ = remote::sync_rates(tube, &v, &doc).await;
                    v
                }
            };
            add_share(tube, v.id, actor, a).await
        }
        "Like" => rate(tube, actor, object_id, Some("like"), ap::str_of(a, "id")).await,
        "Dislike" => rate(tube, actor, object_id, Some("dislike"), ap::str_of(a, "id")).await,
        "View" => view(tube, a, object_id).await,
        "Flag" => flag(tube, a, actor).await,
        // FEP-5624: the origin approved or refused one of our replies.
        "ApproveReply" => reply_decided(tube, a, actor, true).await,
        "RejectReply" => reply_decided(tube, a, actor, false).await,
        other => {
            tracing::debug!("ignoring an activity of type {other:?}");
            Ok(())
        }
    }
}

/// `actor`'s Announce `a` of a video we keep (ours or another instance's), by its id: an
/// Announce's id must be of its actor's instance.
async fn add_share(tube: &Tube, video_id: i64, actor: &str, a: &Value) -> TubeResult<()> {
    let Some(id) = ap::str_of(a, "id").filter(|id| ap::same_origin(id, actor)) else {
        return Ok(());
    };
    let mut tx = tube.store.begin().await?;
    ruche_store::videos::add_share(tx.ex(), video_id, actor, id).await?;
    tx.commit().await?;
    Ok(())
}

/// An `Update` of another instance's video we keep. The newest state wins: an Update older than
/// what we hold is dropped. PeerTube sends several Updates with one `updated` date (and one id)
/// as renditions are added and views counted; applied out of order, an earlier one would bring
/// back a master playlist PeerTube has since replaced (its name changes with its content), so
/// when one with the date we hold changes where the video plays from, the video is read again
/// at its origin, whose answer is the last word.
async fn update_video(tube: &Tube, actor: &str, object_id: &str, object: &Value) -> TubeResult<()> {
    let known = {
        let mut c = tube.store.read().await?;
        ruche_store::videos::by_url(c.ex(), object_id).await?
    };
    let Some(known) = known else {
        return Ok(()); // Not one we keep: its Create or a share brings it.
    };
    let parsed = remote::parse_video(object, tube.settings.federation.allow_insecure)
        .map_err(TubeError::Remote)?;
    if parsed.video.updated_at < known.updated_at {
        tracing::debug!("{object_id}: an older Update than what we hold, dropped");
        return Ok(());
    }
    let same_date = parsed.video.updated_at == known.updated_at;
    let doc = if same_date && known.remote_media.as_deref() != Some(&parsed.video.remote_media) {
        let fresh = remote::fetch(tube, object_id).await?;
        if ap::id_of(&fresh["id"]) != Some(object_id) {
            return Err(TubeError::Remote(format!(
                "{object_id} answered another id"
            )));
        }
        fresh
    } else {
        object.clone()
    };
    let v = remote::store_video_by(tube, &doc, Some(actor)).await?;
    let _ = remote::sync_rates(tube, &v, &doc).await;
    Ok(())
}

fn same_origin(id: &str, actor: &str) -> TubeResult<()> {
    if ap::same_origin(id, actor) {
        Ok(())
    } else {
        Err(TubeError::Forbidden(format!(
            "{id} does not belong to {actor}'s instance"
        )))
    }
}

/// A like or dislike (or its undoing, `kind` None) of one of our videos; another instance's
/// videos count their own.
async fn rate(
    tube: &Tube,
    actor: &str,
    video_url: &str,
    kind: Option<&str>,
    activity: Option<&str>,
) -> TubeResult<()> {
    let Some(v) = local_video(tube, video_url).await? else {
        return Ok(());
    };
    let who = remote::actor(tube, actor).await?;
    let Some(account) = who.account_id else {
        return Ok(());
    };
    let mut tx = tube.store.begin().await?;
    ruche_store::videos::set_rate(tx.ex(), account, v.id, kind, activity).await?;
    outbox::video_changed(tx.ex(), tube, v.id).await?;
    tx.commit().await?;
    tube.federation_ready.notify_one();
    Ok(())
}

/// One of our published videos by its id, if the URL is one.
async fn local_video(tube: &Tube, url: &str) -> TubeResult<Option<ruche_store::videos::Video>> {
    let Some(uuid) = urls::video_uuid_in(base(tube), url) else {
        return Ok(None);
    };
    let mut c = tube.store.read().await?;
    Ok(ruche_store::videos::by_uuid(c.ex(), uuid)
        .await?
        .filter(|v| v.is_local() && v.state == VideoState::Published))
}

/// A view of one of our videos on another instance (PeerTube's viewer pings, with `expires`,
/// count watchers, not views). A remote actor counts as one viewer per window, as an address
/// does here: a hostile actor sending a View a second inflates nothing.
async fn view(tube: &Tube, a: &Value, video_url: &str) -> TubeResult<()> {
    if a.get("expires").is_some_and(|e| !e.is_null()) {
        return Ok(());
    }
    let Some(v) = local_video(tube, video_url).await? else {
        return Ok(());
    };
    let actor = ap::id_of(&a["actor"]).unwrap_or_default();
    crate::videos::add_view(tube, &v, &format!("actor:{actor}")).await?;
    Ok(())
}

/// A deletion by `actor`: itself, one of its videos, or a comment. A video is deleted by its
/// owner (its account or channel, or their instance's actor); a comment by its author, the owner
/// of the video it is under, or its instance's actor — as PeerTube checks them. Being of the
/// same instance is not enough.
async fn delete(tube: &Tube, a: &Value, actor: &str, object_id: &str) -> TubeResult<()> {
    use ruche_store::{comments, users, videos};
    if object_id == actor {
        return delete_actor(tube, actor).await;
    }
    let (video, comment) = {
        let mut c = tube.store.read().await?;
        let v = videos::by_url(c.ex(), object_id).await?;
        let cm = match &v {
            Some(_) => None,
            None => match comments::by_url(c.ex(), object_id).await? {
                Some(cm) => {
                    let author = users::account_by_id(c.ex(), cm.account_id).await?.url;
                    let under = videos::by_id(c.ex(), cm.video_id).await?;
                    Some((cm, author, under))
                }
                None => None,
            },
        };
        (v, cm)
    };
    if let Some(v) = video {
        same_origin(object_id, actor)?;
        if !remote::speaks_for(
            tube,
            actor,
            v.account_url.as_deref(),
            v.channel_url.as_deref(),
        )
        .await?
        {
            return Err(TubeError::Forbidden(format!(
                "{actor} does not own the video {object_id}"
            )));
        }
        let mut tx = tube.store.begin().await?;
        videos::delete(tx.ex(), v.id).await?;
        // The video may be published again (made public after being private), and its next
        // Delete then comes with the same id and content (PeerTube's and ours are
        // `<video>/delete`): once applied, this one is forgotten so that it is taken in again.
        if let Some(id) = ap::str_of(a, "id") {
            fstore::forget_received(tx.ex(), id).await?;
        }
        tx.commit().await?;
        tube.storage.remove_video_files(&v).await?;
        return Ok(());
    }
    let Some((c, author, under)) = comment else {
        super::playlists::delete_remote(tube, object_id, actor).await?;
        return Ok(());
    };
    let by_author = ap::same_origin(object_id, actor)
        && remote::speaks_for(tube, actor, author.as_deref(), None).await?;
    let by_video_owner = match &under {
        Some(v) if !v.is_local() => {
            remote::speaks_for(
                tube,
                actor,
                v.account_url.as_deref(),
                v.channel_url.as_deref(),
            )
            .await?
        }
        _ => false,
    };
    if !by_author && !by_video_owner {
        return Err(TubeError::Forbidden(format!(
            "{actor} may not delete the comment {object_id}"
        )));
    }
    let mut tx = tube.store.begin().await?;
    comments::soft_delete(tx.ex(), c.id).await?;
    // Forward the deletion to where the comment was shown, if the video is ours.
    if let Some(v) = under.filter(|v| v.is_local()) {
        outbox::forward_to_video_audience(tx.ex(), tube, &v, a).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Another instance's actor deleted itself: it goes, with its channels' videos, and the files
/// we kept of them (our copies of their pictures).
async fn delete_actor(tube: &Tube, actor: &str) -> TubeResult<()> {
    use ruche_store::users;
    use ruche_store::videos::{self as vstore, ListFilter};
    let mut tx = tube.store.begin().await?;
    let Some(a) = fstore::actor_by_url(tx.ex(), actor).await? else {
        return Ok(());
    };
    let mut pictures = Vec::new();
    let mut videos = Vec::new();
    let all = |account_id, channel_id| ListFilter {
        account_id,
        channel_id,
        count: i64::MAX,
        ..Default::default()
    };
    // An account goes with its channels, their videos and pictures.
    if let Some(id) = a.account_id {
        pictures.extend(users::pictures(
            users::account_by_id(tx.ex(), id).await?.avatars.as_deref(),
        ));
        for ch in users::channels_of_account(tx.ex(), id).await? {
            pictures.extend(ch.all_pictures());
        }
        videos.extend(vstore::list(tx.ex(), &all(Some(id), None)).await?.0);
    }
    if let Some(id) = a.channel_id
        && let Some(ch) = users::channel_by_id(tx.ex(), id).await?
    {
        pictures.extend(ch.all_pictures());
        videos.extend(vstore::list(tx.ex(), &all(None, Some(id))).await?.0);
    }
    fstore::delete_actor(tx.ex(), actor).await?;
    tx.commit().await?;
    for v in &videos {
        tube.storage.remove_video_files(v).await?;
    }
    crate::profiles::remove_files(tube, &pictures).await;
    Ok(())
}

/// Where a reply belongs: its video, and the comment it answers (none for a new thread).
struct Place {
    video: ruche_store::videos::Video,
    parent: Option<ruche_store::comments::Comment>,
}

/// Refuses a reply under one of our videos that is not published, or neither public nor
/// unlisted: its existence is not for other instances to learn, nor its threads for them to
/// write in (PeerTube refuses a thread on a video whose privacy it does not federate).
/// Another instance's video is its origin's to judge.
fn open_to_replies(v: &ruche_store::videos::Video) -> TubeResult<()> {
    use ruche_domain::video::Privacy;
    let open = !v.is_local()
        || (v.state == VideoState::Published
            && matches!(v.privacy, Privacy::Public | Privacy::Unlisted));
    if open {
        Ok(())
    } else {
        Err(TubeError::Forbidden(format!(
            "the video {} takes no replies from other instances",
            v.uuid
        )))
    }
}

/// The most replies walked up to find a comment's video, as PeerTube (`MAX_RECURSION_COMMENTS`).
const MAX_DEPTH: usize = 100;

/// Walks `inReplyTo` up from `url` to a video, keeping the comments on the way.
async fn place_of(tube: &Tube, url: &str, depth: usize) -> TubeResult<Place> {
    if depth > MAX_DEPTH {
        return Err(TubeError::Remote("a reply chain too long".into()));
    }
    let mut c = tube.store.read().await?;
    if let Some(rest) = urls::under_videos(base(tube), url) {
        let mut parts = rest.split('/');
        let uuid = parts.next().unwrap_or_default();
        let v = ruche_store::videos::by_uuid(c.ex(), uuid)
            .await?
            .ok_or(TubeError::NotFound("video"))?;
        open_to_replies(&v)?;
        return match (parts.next(), parts.next()) {
            (None, _) if v.is_local() => Ok(Place {
                video: v,
                parent: None,
            }),
            (Some("comments"), Some(id)) => {
                let id: i64 = id.parse().map_err(|_| TubeError::NotFound("comment"))?;
                let parent = ruche_store::comments::by_id(c.ex(), id)
                    .await?
                    .filter(|p| p.video_id == v.id)
                    .ok_or(TubeError::NotFound("comment"))?;
                Ok(Place {
                    video: v,
                    parent: Some(parent),
                })
            }
            _ => Err(TubeError::NotFound("video")),
        };
    }
    if let Some(parent) = ruche_store::comments::by_url(c.ex(), url).await? {
        let video = ruche_store::videos::by_id(c.ex(), parent.video_id)
            .await?
            .ok_or(TubeError::NotFound("video"))?;
        open_to_replies(&video)?;
        return Ok(Place {
            video,
            parent: Some(parent),
        });
    }
    if let Some(video) = ruche_store::videos::by_url(c.ex(), url).await? {
        return Ok(Place {
            video,
            parent: None,
        });
    }
    drop(c);
    let doc = remote::fetch(tube, url).await?;
    if ap::is_type(&doc, "Video") {
        let video = remote::store_video(tube, &doc).await?;
        return Ok(Place {
            video,
            parent: None,
        });
    }
    if !ap::is_type(&doc, "Note") {
        return Err(TubeError::Remote(format!(
            "{url} is neither a video nor a comment"
        )));
    }
    let up = ap::id_of(&doc["inReplyTo"])
        .ok_or_else(|| TubeError::Remote("a comment that answers nothing".into()))?;
    let above = Box::pin(place_of(tube, up, depth + 1)).await?;
    let author = ap::id_of(&doc["attributedTo"]).unwrap_or_default();
    same_origin(url, author)?;
    let comment = store_comment(tube, &above, &doc, author, None).await?;
    Ok(Place {
        video: above.video,
        parent: Some(comment),
    })
}

/// The text of a remote comment: Markdown as PeerTube sends it, or HTML (Mastodon) cleaned to
/// what a comment may hold.
pub fn comment_text(note: &Value) -> String {
    let content = note["content"].as_str().unwrap_or_default();
    // Only `MAX_TEXT` characters are kept: read twice that (room for the markup cleaning takes
    // away), never the whole of what was sent, as the HTML parser's work grows with the square
    // of the nesting (a 1 MiB inbox body of nested lists took minutes to clean).
    let content = ruche_domain::text::prefix_chars(content, 2 * crate::comments::MAX_TEXT);
    let text = if note["mediaType"] == "text/markdown" {
        content.to_string()
    } else {
        ammonia::Builder::default()
            .tags(
                [
                    "a",
                    "p",
                    "br",
                    "span",
                    "strong",
                    "em",
                    "b",
                    "i",
                    "ul",
                    "ol",
                    "li",
                    "code",
                    "pre",
                    "blockquote",
                ]
                .into_iter()
                .collect(),
            )
            .link_rel(Some("nofollow noopener noreferrer"))
            .clean(content)
            .to_string()
    };
    text.chars().take(crate::comments::MAX_TEXT).collect()
}

/// Keeps a remote comment (once: by its id) under its place. Under our video whose policy
/// holds comments it waits for the owner's approval, with its `Create` (if it came by one) kept
/// to be forwarded then; elsewhere the video's origin decided (PeerTube: "third parties rely
/// on origin").
async fn store_comment(
    tube: &Tube,
    place: &Place,
    note: &Value,
    author: &str,
    create: Option<&Value>,
) -> TubeResult<ruche_store::comments::Comment> {
    let text = comment_text(note);
    let tags = crate::autotags::of_comment(tube, &place.video, &text).await?;
    let held = place.video.is_local() && (place.video.comments_policy.holds() || tags.review);
    let id = ap::str_of(note, "id")
        .ok_or_else(|| TubeError::Remote("a comment without an id".into()))?;
    let who = remote::actor(tube, author).await?;
    let account = who
        .account_id
        .ok_or_else(|| TubeError::Remote("a comment by a group".into()))?;
    let mut tx = tube.store.begin().await?;
    if let Some(known) = ruche_store::comments::by_url(tx.ex(), id).await? {
        return Ok(known);
    }
    // A chain of replies is as deep as ours may be, whoever writes it.
    crate::comments::check_reply_depth(tx.ex(), place.parent.as_ref()).await?;
    let cid = ruche_store::comments::insert(
        tx.ex(),
        place.video.id,
        account,
        place.parent.as_ref(),
        &text,
        Some(id),
        held,
    )
    .await?;
    if let Some(activity) = create.filter(|_| held) {
        ruche_store::comments::keep_held_activity(tx.ex(), cid, &activity.to_string()).await?;
    }
    crate::autotags::keep_comment_tags(tx.ex(), &place.video, cid, &tags).await?;
    let c = ruche_store::comments::by_id(tx.ex(), cid)
        .await?
        .ok_or(TubeError::NotFound("comment"))?;
    crate::notify::comment_on_video(tx.ex(), tube, &place.video, cid, account).await?;
    tx.commit().await?;
    tube.mail_ready.notify_one();
    Ok(c)
}

/// A reply from another instance (Mastodon's replies to a video or to a comment included):
/// becomes a comment under its video, and is forwarded to the video's audience when the video
/// is ours, as PeerTube forwards comments (Mastodon does not address our followers itself).
async fn create_note(tube: &Tube, a: &Value, note: &Value, actor: &str) -> TubeResult<()> {
    let id = ap::str_of(note, "id").unwrap_or_default();
    same_origin(id, actor)?;
    let author = ap::id_of(&note["attributedTo"]).unwrap_or(actor);
    if author != actor {
        return Err(TubeError::Forbidden(
            "a comment is created by its author".into(),
        ));
    }
    let Some(up) = ap::id_of(&note["inReplyTo"]) else {
        // A status that answers nothing of ours is not a comment.
        return Ok(());
    };
    let place = match place_of(tube, up, 0).await {
        Ok(p) => p,
        Err(TubeError::NotFound(_)) => return Ok(()),
        Err(e) => return Err(e),
    };
    if place.video.is_local() && !place.video.comments_policy.accepts() {
        return Ok(());
    }
    let fresh = {
        let mut c = tube.store.read().await?;
        ruche_store::comments::by_url(c.ex(), id).await?.is_none()
    };
    let kept = store_comment(tube, &place, note, author, Some(a)).await?;
    if fresh && place.video.is_local() && !kept.held_for_review {
        let mut tx = tube.store.begin().await?;
        outbox::forward_to_video_audience(tx.ex(), tube, &place.video, a).await?;
        tx.commit().await?;
        tube.deliveries_ready.notify_waiters();
    }
    Ok(())
}

/// An edit of a remote comment by its author.
async fn update_note(tube: &Tube, note: &Value, actor: &str) -> TubeResult<()> {
    let id = ap::str_of(note, "id").unwrap_or_default();
    same_origin(id, actor)?;
    let mut tx = tube.store.begin().await?;
    if let Some(c) = ruche_store::comments::by_url(tx.ex(), id).await? {
        let who = fstore::actor_by_url(tx.ex(), actor).await?;
        if who.and_then(|w| w.account_id) == Some(c.account_id) {
            ruche_store::comments::set_text(tx.ex(), c.id, &comment_text(note)).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// FEP-5624: the video's origin approved one of our replies held for its approval (it is then
/// sent to everyone, as PeerTube does), or refused it (it goes here too).
async fn reply_decided(tube: &Tube, a: &Value, actor: &str, approved: bool) -> TubeResult<()> {
    let Some(reply) = ap::id_of(&a["object"]) else {
        return Ok(());
    };
    let Some(rest) = urls::under_videos(base(tube), reply) else {
        return Ok(());
    };
    let mut parts = rest.split('/');
    let (Some(uuid), Some("comments"), Some(cid)) = (parts.next(), parts.next(), parts.next())
    else {
        return Ok(());
    };
    let Ok(cid) = cid.parse::<i64>() else {
        return Ok(());
    };
    let v = {
        let mut c = tube.store.read().await?;
        ruche_store::videos::by_uuid(c.ex(), uuid).await?
    };
    // Only the video's owner (or its instance's actor) decides on the replies it gets.
    let Some(v) = v.filter(|v| !v.is_local()) else {
        return Ok(());
    };
    if !remote::speaks_for(
        tube,
        actor,
        v.account_url.as_deref(),
        v.channel_url.as_deref(),
    )
    .await?
    {
        return Err(TubeError::Forbidden(format!(
            "{actor} does not own the video of {reply}"
        )));
    }
    let mut tx = tube.store.begin().await?;
    let Some(c) = ruche_store::comments::by_id(tx.ex(), cid)
        .await?
        .filter(|c| c.video_id == v.id && c.url.is_none() && c.deleted_at.is_none())
    else {
        return Ok(());
    };
    if !approved {
        ruche_store::comments::soft_delete(tx.ex(), c.id).await?;
    } else {
        // The approval's id is the origin's, as is the video.
        let approval = ap::str_of(a, "id")
            .filter(|id| ap::same_origin(id, actor))
            .ok_or_else(|| {
                TubeError::Forbidden("an ApproveReply without an id of its actor's instance".into())
            })?;
        if ruche_store::comments::approve(tx.ex(), c.id, Some(approval)).await? {
            let c = ruche_store::comments::by_id(tx.ex(), c.id)
                .await?
                .ok_or(TubeError::NotFound("comment"))?;
            let author = ruche_store::users::account_by_id(tx.ex(), c.account_id).await?;
            outbox::comment_created(tx.ex(), tube, &v, &c, &author).await?;
        }
    }
    tx.commit().await?;
    tube.deliveries_ready.notify_waiters();
    Ok(())
}

/// The most things one `Flag` reports.
const MAX_FLAG_TARGETS: usize = 10;

/// A report of our videos, comments or accounts: each thing of ours it names becomes a report
/// for our moderators, from the sender's account (for Mastodon and PeerTube, usually their
/// instance actor), once per Flag and thing. A Flag that names nothing of ours is refused.
async fn flag(tube: &Tube, a: &Value, actor: &str) -> TubeResult<()> {
    let reason = a["content"]
        .as_str()
        .unwrap_or_default()
        .chars()
        .take(ruche_domain::moderation::MAX_TEXT)
        .collect::<String>();
    let reasons: Vec<String> = ap::each(&a["tag"])
        .into_iter()
        .filter_map(|t| t["name"].as_str())
        .map(|t| t.trim_start_matches('#'))
        .filter(|t| ruche_domain::moderation::PREDEFINED_REASONS.contains(t))
        .map(str::to_string)
        .collect();
    let seconds = |key: &str| a[key].as_i64().filter(|s| *s >= 0);
    let who = remote::actor(tube, actor).await.ok();
    let base = base(tube);
    // Each target costs reads and a write: a report names a few things, not thousands.
    let mut targets: Vec<&str> = Vec::new();
    for t in ap::ids(&a["object"]) {
        if targets.len() >= MAX_FLAG_TARGETS {
            break;
        }
        if !targets.contains(&t) {
            targets.push(t);
        }
    }
    let mut kept = 0;
    for target in targets {
        let Some(path) = target.strip_prefix(base).and_then(|p| p.strip_prefix('/')) else {
            continue;
        };
        let mut parts = path.split('/');
        let mut c = tube.store.read().await?;
        let found = match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some("videos"), Some("watch"), Some(uuid), None) => {
                match ruche_store::videos::by_uuid(c.ex(), uuid)
                    .await?
                    .filter(|v| v.is_local())
                {
                    Some(v) => Some(("video", v.account_id, Some(v), None)),
                    None => None,
                }
            }
            (Some("videos"), Some("watch"), Some(uuid), Some("comments")) => {
                let v = ruche_store::videos::by_uuid(c.ex(), uuid).await?;
                let cm = match (parts.next().and_then(|i| i.parse::<i64>().ok()), &v) {
                    (Some(i), Some(v)) => ruche_store::comments::by_id(c.ex(), i)
                        .await?
                        .filter(|cm| cm.video_id == v.id),
                    _ => None,
                };
                cm.map(|cm| ("comment", cm.account_id, None, Some(cm.id)))
            }
            (Some("accounts"), Some(name), None, None) => {
                ruche_store::users::local_account_by_name(c.ex(), name)
                    .await?
                    .map(|acc| ("account", acc.id, None, None))
            }
            _ => None,
        };
        drop(c);
        let Some((kind, flagged, video, comment_id)) = found else {
            continue;
        };
        let snapshot = video
            .as_ref()
            .map(|v| crate::abuses::snapshot_of(base, v).to_string());
        let (start_at, end_at) = if video.is_some() {
            (seconds("startAt"), seconds("endAt"))
        } else {
            (None, None)
        };
        let mut tx = tube.store.begin().await?;
        let id = ruche_store::abuses::insert(
            tx.ex(),
            &ruche_store::abuses::NewAbuse {
                kind,
                reason: &reason,
                predefined_reasons: &reasons,
                reporter_account_id: who.as_ref().and_then(|w| w.account_id),
                flagged_account_id: Some(flagged),
                video_id: video.as_ref().map(|v| v.id),
                start_at,
                end_at,
                video_snapshot: snapshot.as_deref(),
                comment_id,
                url: ap::str_of(a, "id"),
                object_url: Some(target),
            },
        )
        .await?;
        if let Some(id) = id {
            crate::abuses::tell_moderators(tx.ex(), tube, id, None).await?;
        }
        tx.commit().await?;
        tube.mail_ready.notify_one();
        kept += 1;
        if let Some(id) = id {
            tracing::info!(
                report = id,
                "report from {actor} about {target} kept for the moderators"
            );
        }
    }
    if kept == 0 {
        return Err(TubeError::Forbidden(
            "a Flag that names nothing of this instance".into(),
        ));
    }
    Ok(())
}

/// Forgets activity ids taken in more than a week ago (no sender retries that long).
pub async fn prune(tube: &Tube) -> TubeResult<u64> {
    let mut tx = tube.store.begin().await?;
    let n = fstore::prune_received(tx.ex(), now_ms() - 7 * 24 * 3600 * 1000).await?;
    // The ids of activities taken in are in no answer: unseen by the answer cache.
    tx.commit_unseen().await?;
    Ok(n)
}

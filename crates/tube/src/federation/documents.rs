//! What we answer at our ActivityPub ids and WebFinger names: which local actor a name is, the
//! actors' documents, a video's `Video` object and a comment's `Note`, under the rule of which
//! videos other servers may see. The web layer only negotiates the content type and says it.

use super::{Signer, key_pair, objects};
use crate::comments::Comment;
use crate::videos::{ListFilter, Video};
use crate::{Tube, TubeError, TubeResult};
use ruche_domain::urls;
use ruche_domain::video::{Privacy, VideoState};
use ruche_store::{comments, users, videos as vstore};
use serde_json::Value;

/// A local actor, as a WebFinger name or an actor URL names it.
pub enum LocalActor {
    Instance,
    Account(String),
    Channel(String),
}

/// Which of our actors `name` is: the instance actor, an account or a channel of ours.
pub async fn local_actor(tube: &Tube, name: &str) -> TubeResult<Option<LocalActor>> {
    if name == urls::INSTANCE_ACTOR {
        return Ok(Some(LocalActor::Instance));
    }
    let mut c = tube.store.read().await?;
    if users::local_account_by_name(c.ex(), name).await?.is_some() {
        return Ok(Some(LocalActor::Account(name.to_string())));
    }
    Ok(users::channel_by_name(c.ex(), name)
        .await?
        .filter(|ch| ch.host.is_none())
        .map(|ch| LocalActor::Channel(ch.name)))
}

/// NodeInfo's usage figures.
pub struct Usage {
    pub users: i64,
    pub active_month: i64,
    pub active_half_year: i64,
    pub local_videos: i64,
}

pub async fn usage(tube: &Tube) -> TubeResult<Usage> {
    const DAY_MS: i64 = 24 * 3600 * 1000;
    let now = ruche_domain::time::now_ms();
    let mut c = tube.store.read().await?;
    let filter = ListFilter {
        public_only: true,
        is_local: Some(true),
        count: 0,
        ..Default::default()
    };
    Ok(Usage {
        users: users::count_users(c.ex()).await?,
        active_month: users::active_users(c.ex(), now - 30 * DAY_MS).await?,
        active_half_year: users::active_users(c.ex(), now - 180 * DAY_MS).await?,
        local_videos: vstore::list(c.ex(), &filter).await?.1,
    })
}

/// A video as other servers may ask for it.
pub enum Shared {
    /// Ours, published, public or unlisted.
    Ours(Box<Video>),
    /// Another instance's: described by its origin (PeerTube redirects there).
    Elsewhere(String),
    /// Not for other servers' eyes (private, not published, or unlisted and asked by number).
    Hidden,
}

/// Whether other servers may see the video `id` names: published, and public or unlisted
/// (an unlisted one is known by its UUID only, so nobody counts through ids).
pub async fn shared_video(tube: &Tube, id: &str) -> TubeResult<Shared> {
    let v = crate::videos::find(tube, id).await?;
    if let Some(origin) = &v.url {
        return Ok(Shared::Elsewhere(origin.clone()));
    }
    let shared = matches!(v.privacy, Privacy::Public | Privacy::Unlisted);
    if !shared || v.state != VideoState::Published {
        return Ok(Shared::Hidden);
    }
    if v.privacy == Privacy::Unlisted && crate::videos::by_number(id) {
        return Ok(Shared::Hidden);
    }
    // Blocked: asked to log in, as PeerTube answers (a 404 would make other instances delete
    // their copy of a video that was blocked here without being unfederated).
    if v.is_blocked() {
        return Err(TubeError::Unauthorized);
    }
    Ok(Shared::Ours(Box::new(v)))
}

/// A shared video's `Video` object.
pub async fn video(tube: &Tube, v: &Video) -> TubeResult<Value> {
    let files = crate::videos::files(tube, v.id).await?;
    Ok(objects::video(super::base(tube), v, &files))
}

/// A shared video's `Create` (the id our outboxes list), if it is federated at all.
pub async fn video_create(tube: &Tube, v: &Video) -> TubeResult<Option<Value>> {
    if !super::outbox::federated(tube, v) {
        return Ok(None);
    }
    let files = crate::videos::files(tube, v.id).await?;
    Ok(Some(objects::create_video(super::base(tube), v, &files)))
}

/// One of our own Announces of one of our videos, at its id (`<video>/announces/<n>`): PeerTube
/// reads every id of a video's `shares` collection and keeps those that answer.
pub fn video_share(tube: &Tube, v: &Video, share: &str) -> Option<Value> {
    share
        .parse::<i64>()
        .ok()
        .filter(|_| super::outbox::federated(tube, v))
        .and_then(|n| objects::own_announce(super::base(tube), v, n))
}

/// One of our comments under a visible video, as its `Note` (a `Tombstone` once deleted), with
/// the video and the comment for a browser's redirect. One held for approval under our video
/// is not shown; under another instance's video, whose origin reads it to decide, it is.
pub async fn comment(tube: &Tube, video: &str, id: i64) -> TubeResult<(Video, Comment, Value)> {
    let v = crate::videos::find_visible(tube, video, None).await?;
    let mut c = tube.store.read().await?;
    let cm = comments::by_id(c.ex(), id)
        .await?
        .filter(|cm| cm.video_id == v.id && cm.url.is_none())
        .filter(|cm| !(cm.held_for_review && v.is_local()))
        .ok_or(TubeError::NotFound("comment"))?;
    let (doc, _) = super::outbox::note_document(c.ex(), tube, &v, &cm).await?;
    Ok((v, cm, doc))
}

/// The instance's `Application` actor.
pub async fn instance_actor(tube: &Tube) -> TubeResult<Value> {
    let key = key_pair(tube, Signer::Instance).await?;
    let started = crate::accounts::started_ms(tube).await?;
    Ok(objects::instance_actor(
        super::base(tube),
        started,
        &key.public_pem,
    ))
}

/// One of our accounts as its `Person` (the instance's `Application` for [`urls::INSTANCE_ACTOR`]).
pub async fn account_actor(tube: &Tube, name: &str) -> TubeResult<Value> {
    if name == urls::INSTANCE_ACTOR {
        return instance_actor(tube).await;
    }
    let a = {
        let mut c = tube.store.read().await?;
        users::local_account_by_name(c.ex(), name)
            .await?
            .ok_or(TubeError::NotFound("account"))?
    };
    let key = key_pair(tube, Signer::Account(a.id)).await?;
    Ok(objects::account_actor(
        super::base(tube),
        &a,
        &key.public_pem,
    ))
}

/// One of our channels as its `Group`, attributed to its account.
pub async fn channel_actor(tube: &Tube, name: &str) -> TubeResult<Value> {
    let (ch, owner) = {
        let mut c = tube.store.read().await?;
        let ch = users::channel_by_name(c.ex(), name)
            .await?
            .filter(|ch| ch.host.is_none())
            .ok_or(TubeError::NotFound("channel"))?;
        let owner = users::account_by_id(c.ex(), ch.account_id).await?;
        (ch, owner)
    };
    let key = key_pair(tube, Signer::Channel(ch.id)).await?;
    Ok(objects::channel_actor(
        super::base(tube),
        &ch,
        &owner,
        &key.public_pem,
    ))
}

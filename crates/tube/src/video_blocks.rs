//! Video blocks, PeerTube's "blacklist" (`docs/research/peertube-video-blocks.md`): a moderator
//! blocks a video, ours or another instance's, with a reason. A blocked video leaves every list
//! and search (but its owner's own list, and moderators' with `include` 2); only its owner and
//! moderators may still open it (others: 401 anonymous, 403 logged in); our blocked video is
//! sent to nobody (no `Update`), and "unfederated" it is deleted from other instances (a
//! `Delete`) until it is unblocked (a `Create` and our `Announce`s again). With auto-blocking on,
//! a new video of a user who does not moderate waits blocked (kind 2) for a moderator's
//! approval, which is the unblock.

use ruche_domain::notification::Kind;
use ruche_store::Ex;
use ruche_store::notifications::About;
use ruche_store::video_blocks as store;
pub use ruche_store::video_blocks::{AUTO, Filter, MANUAL, Order, VideoBlock};
use ruche_store::videos::{self as vstore, Video};

use crate::{Tube, TubeError, TubeResult, notify};

fn moderator(user: &ruche_store::users::User) -> TubeResult<()> {
    if user.role.can_moderate() {
        Ok(())
    } else {
        Err(TubeError::Forbidden(
            "Only moderators manage video blocks.".into(),
        ))
    }
}

/// A reason as PeerTube takes it: none, or 2 to 300 characters.
fn checked_reason(reason: Option<&str>) -> TubeResult<Option<String>> {
    match reason.map(str::trim) {
        None => Ok(None),
        Some(r) if (2..=300).contains(&r.chars().count()) => Ok(Some(r.to_string())),
        Some(_) => Err(TubeError::BadRequest(
            "Incorrect request parameters: reason (2 to 300 characters)".into(),
        )),
    }
}

/// `user` (a moderator) blocks video `r`: 409 when it is blocked already, or when asked to
/// unfederate another instance's video. Its owner is told.
pub async fn block(
    tube: &Tube,
    user: &ruche_store::users::User,
    r: &str,
    reason: Option<&str>,
    unfederate: bool,
) -> TubeResult<()> {
    moderator(user)?;
    let reason = checked_reason(reason)?;
    let v = crate::videos::find(tube, r).await?;
    if unfederate && !v.is_local() {
        return Err(TubeError::Conflict(
            "You cannot unfederate a remote video.".into(),
        ));
    }
    let mut tx = tube.store.begin().await?;
    // Told to forget it while it was still sent: the `Delete` goes before the block hides it.
    if unfederate && crate::federation::outbox::federated(tube, &v) {
        crate::federation::outbox::video_deleted(tx.ex(), tube, &v).await?;
    }
    let Some(id) = store::insert(tx.ex(), v.id, reason.as_deref(), unfederate, MANUAL).await?
    else {
        return Err(TubeError::Conflict("This video is already blocked.".into()));
    };
    tell_owner(tx.ex(), tube, &v, Kind::BlacklistOnMyVideo, Some(id)).await?;
    let details = serde_json::json!({ "reason": reason, "unfederate": unfederate });
    crate::audit::record(tx.ex(), user, "videos", "block", &named(&v), details).await?;
    tx.commit().await?;
    tube.deliveries_ready.notify_waiters();
    tube.mail_ready.notify_one();
    tracing::info!(video = %v.uuid, unfederate, "video blocked");
    Ok(())
}

/// Changes the reason of video `r`'s block (404 when it is not blocked).
pub async fn set_reason(
    tube: &Tube,
    user: &ruche_store::users::User,
    r: &str,
    reason: Option<&str>,
) -> TubeResult<()> {
    moderator(user)?;
    let reason = checked_reason(reason)?;
    let v = crate::videos::find(tube, r).await?;
    let mut tx = tube.store.begin().await?;
    if store::of_video(tx.ex(), v.id).await?.is_none() {
        return Err(TubeError::NotFound("video block"));
    }
    store::set_reason(tx.ex(), v.id, reason.as_deref()).await?;
    let details = serde_json::json!({ "reason": reason });
    crate::audit::record(tx.ex(), user, "videos", "update block", &named(&v), details).await?;
    tx.commit().await?;
    Ok(())
}

/// Unblocks video `r` (404 when it is not blocked): an unfederated one is sent again, as when
/// it was published; its owner is told, and of its publication when it waited for approval.
pub async fn unblock(tube: &Tube, user: &ruche_store::users::User, r: &str) -> TubeResult<()> {
    moderator(user)?;
    let v = crate::videos::find(tube, r).await?;
    let mut tx = tube.store.begin().await?;
    let Some(b) = store::of_video(tx.ex(), v.id).await? else {
        return Err(TubeError::NotFound("video block"));
    };
    store::delete(tx.ex(), v.id).await?;
    if b.unfederated {
        crate::federation::outbox::video_published(tx.ex(), tube, v.id).await?;
    }
    tell_owner(tx.ex(), tube, &v, Kind::UnblacklistOnMyVideo, None).await?;
    let action = if b.kind == AUTO { "approve" } else { "unblock" };
    crate::audit::record(
        tx.ex(),
        user,
        "videos",
        action,
        &named(&v),
        serde_json::Value::Null,
    )
    .await?;
    if b.kind == AUTO && v.state == ruche_domain::video::VideoState::Published {
        notify::video_published(tx.ex(), tube, &v).await?;
    }
    tx.commit().await?;
    tube.deliveries_ready.notify_waiters();
    tube.mail_ready.notify_one();
    tracing::info!(video = %v.uuid, "video unblocked");
    Ok(())
}

/// A video as the audit log names it.
fn named(v: &Video) -> String {
    format!("video {} {}", v.uuid, v.name)
}

/// The owner of our video `v` is told of its block or unblock.
async fn tell_owner(
    mut ex: Ex<'_>,
    tube: &Tube,
    v: &Video,
    kind: Kind,
    block: Option<i64>,
) -> TubeResult<()> {
    if !v.is_local() {
        return Ok(());
    }
    let to = notify::owner_of_account(ex.reborrow(), v.account_id).await?;
    let about = About {
        video_id: Some(v.id),
        video_block_id: block,
        ..About::default()
    };
    notify::notify(ex, tube, kind, about, &to).await?;
    Ok(())
}

/// Whether new videos of users who do not moderate wait for approval (administrators only).
pub async fn set_auto(tube: &Tube, user: &ruche_store::users::User, on: bool) -> TubeResult<()> {
    if user.role != ruche_domain::user::Role::Admin {
        return Err(TubeError::Forbidden(
            "Only administrators change the instance's configuration.".into(),
        ));
    }
    let mut cfg = (*crate::instance::current(tube).await?).clone();
    cfg.auto_block_videos = on;
    crate::instance::set(tube, cfg).await?;
    Ok(())
}

/// A page of blocks for a moderator, each with its video, and how many there are.
pub async fn list(
    tube: &Tube,
    user: &ruche_store::users::User,
    f: &Filter,
) -> TubeResult<(Vec<(VideoBlock, Video)>, i64)> {
    moderator(user)?;
    let mut c = tube.store.read().await?;
    let (rows, total) = store::list(c.ex(), f).await?;
    let ids: Vec<i64> = rows.iter().map(|b| b.video_id).collect();
    let videos = vstore::by_ids(c.ex(), &ids).await?;
    let listed = rows
        .into_iter()
        .filter_map(|b| {
            let v = videos.iter().find(|v| v.id == b.video_id)?.clone();
            Some((b, v))
        })
        .collect();
    Ok((listed, total))
}

//! Abuse reports, as PeerTube has them: any user reports a video (or a span of it), a comment
//! or an account they can see, with a reason and PeerTube's predefined reasons; moderators list,
//! accept or reject (with a comment) and delete reports; a reporter and the moderators talk in
//! the report's messages. A report of another instance's thing is also sent there as a `Flag`,
//! from our instance actor: the reporter stays unknown to them (as Mastodon sends it). A `Flag`
//! from elsewhere becomes a report here, from that instance's actor (`federation::inbox`).

use crate::federation::{Signer, objects, outbox};
use crate::notify;
use crate::{Tube, TubeError, TubeResult, videos};
use ruche_domain::moderation::{AbuseState, MAX_TEXT, MIN_TEXT, PREDEFINED_REASONS};
use ruche_domain::notification::Kind;
use ruche_store::Ex;
use ruche_store::abuses::{self as store, NewAbuse};
pub use ruche_store::abuses::{Abuse, Filter, Message, Order};
use ruche_store::comments::Comment;
use ruche_store::notifications::{About, Recipient};
use ruche_store::users::{Account, User};
use ruche_store::videos::Video;
use serde_json::{Value, json};
use std::collections::HashMap;

/// The most messages a report's conversation shows.
pub const MAX_MESSAGES: i64 = 1000;

/// What a user reports (PeerTube's `AbuseCreate`).
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub reason: String,
    pub predefined_reasons: Vec<String>,
    /// A video by id, uuid or short uuid, and the span of it reported (seconds).
    pub video: Option<String>,
    pub start_at: Option<i64>,
    pub end_at: Option<i64>,
    pub comment: Option<i64>,
    pub account: Option<i64>,
}

fn bad(msg: &str) -> TubeError {
    TubeError::BadRequest(msg.into())
}

/// A text of a report, a decision or a message: 2 to 3000 characters.
pub fn checked_text(text: &str, name: &str) -> TubeResult<String> {
    let t = text.trim();
    let n = t.chars().count();
    if !(MIN_TEXT..=MAX_TEXT).contains(&n) {
        return Err(bad(&format!(
            "Incorrect request parameters: {name} (2 to 3000 characters)"
        )));
    }
    Ok(t.to_string())
}

fn checked_reasons(list: &[String]) -> TubeResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for r in list {
        if !PREDEFINED_REASONS.contains(&r.as_str()) {
            return Err(bad(&format!(
                "Incorrect request parameters: predefinedReasons ({r:?} is not one of {})",
                PREDEFINED_REASONS.join(", ")
            )));
        }
        if !out.contains(r) {
            out.push(r.clone());
        }
    }
    Ok(out)
}

/// What a report is about, found and checked.
struct Target {
    kind: &'static str,
    flagged: Account,
    video: Option<Video>,
    comment: Option<Comment>,
    /// Its ActivityPub id when it is another instance's (a `Flag` goes there).
    remote_id: Option<String>,
}

async fn target(tube: &Tube, user: &User, me: &Account, r: &Report) -> TubeResult<Target> {
    let base = crate::federation::base(tube);
    // What is reported, and its owner's account id. No connection is held while
    // `find_visible` takes its own.
    let (kind, owner, video, comment, remote_id) = if let Some(v) = &r.video {
        let v = videos::find_visible(tube, v, Some(user)).await?;
        let remote_id = v.url.clone();
        ("video", v.account_id, Some(v), None, remote_id)
    } else if let Some(id) = r.comment {
        let (cm, uuid) = {
            let mut c = tube.store.read().await?;
            let cm = ruche_store::comments::by_id(c.ex(), id)
                .await?
                .filter(|cm| cm.deleted_at.is_none() && !cm.held_for_review)
                .ok_or(TubeError::NotFound("comment"))?;
            let v = ruche_store::videos::by_id(c.ex(), cm.video_id)
                .await?
                .ok_or(TubeError::NotFound("comment"))?;
            (cm, v.uuid)
        };
        // A comment is seen where its video is.
        let v = videos::find_visible(tube, &uuid, Some(user)).await?;
        let remote_id = cm.url.is_some().then(|| objects::comment_id(base, &v, &cm));
        ("comment", cm.account_id, None, Some(cm), remote_id)
    } else if let Some(id) = r.account {
        ("account", id, None, None, None)
    } else {
        return Err(bad("video id or account id or comment id is required."));
    };
    let flagged = {
        let mut c = tube.store.read().await?;
        ruche_store::users::account_by_id(c.ex(), owner)
            .await
            .map_err(|_| TubeError::NotFound("account"))?
    };
    if flagged.id == me.id {
        return Err(TubeError::Forbidden(format!(
            "You cannot report your own {kind}."
        )));
    }
    // An account is reported where it lives.
    let remote_id = if kind == "account" {
        flagged.url.clone()
    } else {
        remote_id
    };
    Ok(Target {
        kind,
        flagged,
        video,
        comment,
        remote_id,
    })
}

/// `user` reports something; the report's id. Refused: a reason or predefined reason out of
/// PeerTube's bounds (400), nothing or something unknown or unseen named (400, 404), one's own
/// thing (403), the same thing again while the first report waits (409), too many reports
/// (429).
pub async fn report(tube: &Tube, user: &User, r: Report) -> TubeResult<i64> {
    let reason = checked_text(&r.reason, "reason")?;
    let reasons = checked_reasons(&r.predefined_reasons)?;
    if r.start_at.is_some_and(|s| s < 0) || r.end_at.is_some_and(|s| s < 0) {
        return Err(bad(
            "Incorrect request parameters: startAt and endAt are seconds",
        ));
    }
    if let Some(end) = r.end_at
        && r.start_at.is_none_or(|s| s >= end)
    {
        return Err(bad(
            "Should have a startAt timestamp beginning before endAt",
        ));
    }
    let me = crate::accounts::account_of(tube, user.id).await?;
    let t = target(tube, user, &me, &r).await?;
    tube.rates.report.check(&user.id)?;
    let kept = keep(
        tube,
        &me,
        &t,
        &reason,
        &reasons,
        &r,
        user.role.can_moderate(),
    )
    .await;
    if kept.is_err() {
        tube.rates.report.refund(&user.id);
    }
    kept
}

async fn keep(
    tube: &Tube,
    me: &Account,
    t: &Target,
    reason: &str,
    reasons: &[String],
    r: &Report,
    by_moderator: bool,
) -> TubeResult<i64> {
    let base = crate::federation::base(tube);
    let snapshot = t.video.as_ref().map(|v| snapshot_of(base, v).to_string());
    let mut tx = tube.store.begin().await?;
    // The same reporter, the same thing, still pending: merged into the first report.
    let (video_id, comment_id) = (
        t.video.as_ref().map(|v| v.id),
        t.comment.as_ref().map(|c| c.id),
    );
    let same = Filter {
        reporter: Some(me.id),
        state: Some(AbuseState::Pending.id()),
        kind: Some(t.kind.to_string()),
        video_id,
        comment_id,
        flagged: (t.kind == "account").then_some(t.flagged.id),
        count: 1,
        ..Filter::default()
    };
    let waiting = store::list(tx.ex(), &same).await?.1;
    if waiting > 0 {
        return Err(TubeError::Conflict(
            "You already reported this; your report waits for the moderators.".into(),
        ));
    }
    let (start_at, end_at) = if t.video.is_some() {
        (r.start_at, r.end_at)
    } else {
        (None, None)
    };
    let id = store::insert(
        tx.ex(),
        &NewAbuse {
            kind: t.kind,
            reason,
            predefined_reasons: reasons,
            reporter_account_id: Some(me.id),
            flagged_account_id: Some(t.flagged.id),
            video_id,
            start_at,
            end_at,
            video_snapshot: snapshot.as_deref(),
            comment_id,
            url: None,
            object_url: None,
        },
    )
    .await?
    .ok_or_else(|| TubeError::Internal("a report was not kept".into()))?;
    if let Some(object) = &t.remote_id {
        flag(
            tx.ex(),
            tube,
            id,
            object,
            &t.flagged,
            reason,
            reasons,
            start_at,
            end_at,
        )
        .await?;
    }
    // A moderator's own report tells nobody (PeerTube's `skipNotification`).
    if !by_moderator {
        tell_moderators(tx.ex(), tube, id, None).await?;
    }
    tx.commit().await?;
    tube.deliveries_ready.notify_waiters();
    tube.mail_ready.notify_one();
    tracing::info!(report = id, kind = t.kind, "abuse reported");
    Ok(id)
}

/// Tells the moderators (but `except`, who acted) of new report `id`.
pub(crate) async fn tell_moderators(
    mut ex: Ex<'_>,
    tube: &Tube,
    id: i64,
    except: Option<i64>,
) -> TubeResult<()> {
    let to = notify::moderators(ex.reborrow(), except).await?;
    let about = About {
        abuse_id: Some(id),
        ..About::default()
    };
    notify::notify(ex, tube, Kind::NewAbuseForModerators, about, &to).await?;
    Ok(())
}

/// The user that reported `a`, if one of ours, as a recipient.
async fn local_reporter(mut ex: Ex<'_>, a: &Abuse) -> TubeResult<Vec<Recipient>> {
    match a.reporter_account_id {
        Some(r) => notify::owner_of_account(ex.reborrow(), r).await,
        None => Ok(Vec::new()),
    }
}

/// Sends our report `id` of another instance's `object` to the instance of its owner `flagged`,
/// from our instance actor.
#[allow(clippy::too_many_arguments)]
async fn flag(
    mut ex: Ex<'_>,
    tube: &Tube,
    id: i64,
    object: &str,
    flagged: &Account,
    reason: &str,
    reasons: &[String],
    start_at: Option<i64>,
    end_at: Option<i64>,
) -> TubeResult<()> {
    let Some(actor) =
        ruche_store::federation::actor_of(ex.reborrow(), Some(flagged.id), None).await?
    else {
        return Ok(());
    };
    let base = crate::federation::base(tube);
    let activity = objects::flag(
        &format!("{base}/admin/abuses/{id}"),
        &ruche_domain::urls::instance_actor(base),
        object,
        &actor.url,
        reason,
        reasons,
        start_at,
        end_at,
    );
    let inbox = actor.shared_inbox.unwrap_or(actor.inbox);
    outbox::send(ex, tube, &activity, Signer::Instance, &[], &[inbox]).await?;
    Ok(())
}

/// What is kept of a reported video, shown once it is gone.
pub(crate) fn snapshot_of(base: &str, v: &Video) -> Value {
    json!({
        "uuid": v.uuid,
        "name": v.name,
        "nsfw": v.nsfw,
        "channel": {
            "name": v.channel_name,
            "displayName": v.channel_display_name,
            "host": v.channel_host,
            "url": v.channel_url.clone().unwrap_or_else(|| ruche_domain::urls::channel(base, &v.channel_name)),
        },
    })
}

/// Refuses a user who is not a moderator.
fn moderator(user: &User) -> TubeResult<()> {
    if user.role.can_moderate() {
        Ok(())
    } else {
        Err(TubeError::Forbidden(
            "Only moderators manage abuse reports.".into(),
        ))
    }
}

/// A report with what it names, as the API and the pages show it.
#[derive(Debug, Clone)]
pub struct Shown {
    pub abuse: Abuse,
    pub reporter: Option<Account>,
    pub flagged: Option<Account>,
    pub video: Option<Video>,
    pub comment: Option<Comment>,
    /// The video of the comment reported.
    pub comment_video: Option<Video>,
}

/// Reads what `list` names, at once.
pub(crate) async fn shown(tube: &Tube, list: Vec<Abuse>) -> TubeResult<Vec<Shown>> {
    let mut c = tube.store.read().await?;
    let accounts = crate::lookup::accounts(
        c.ex(),
        list.iter()
            .flat_map(|a| [a.reporter_account_id, a.flagged_account_id])
            .flatten()
            .collect(),
    )
    .await?;
    let comments =
        crate::lookup::comments(c.ex(), list.iter().filter_map(|a| a.comment_id).collect()).await?;
    let videos = crate::lookup::videos(
        c.ex(),
        list.iter()
            .filter_map(|a| a.video_id)
            .chain(comments.values().map(|cm| cm.video_id))
            .collect(),
    )
    .await?;
    Ok(list
        .into_iter()
        .map(|a| {
            let comment = a.comment_id.and_then(|id| comments.get(&id).cloned());
            Shown {
                reporter: a
                    .reporter_account_id
                    .and_then(|id| accounts.get(&id).cloned()),
                flagged: a
                    .flagged_account_id
                    .and_then(|id| accounts.get(&id).cloned()),
                video: a.video_id.and_then(|id| videos.get(&id).cloned()),
                comment_video: comment
                    .as_ref()
                    .and_then(|cm| videos.get(&cm.video_id).cloned()),
                comment,
                abuse: a,
            }
        })
        .collect())
}

/// A page of reports for a moderator (`mine`: `user`'s own reports, for anyone), and how many
/// match.
pub async fn list(
    tube: &Tube,
    user: &User,
    mine: bool,
    mut f: Filter,
) -> TubeResult<(Vec<Shown>, i64)> {
    if mine {
        f.reporter = Some(crate::accounts::account_of(tube, user.id).await?.id);
    } else {
        moderator(user)?;
    }
    let (rows, total) = {
        let mut c = tube.store.read().await?;
        store::list(c.ex(), &f).await?
    };
    Ok((shown(tube, rows).await?, total))
}

/// A moderator's decision on report `id`: its state (1 pending, 2 rejected, 3 accepted) and
/// comment, each optional.
pub async fn decide(
    tube: &Tube,
    user: &User,
    id: i64,
    state: Option<i64>,
    comment: Option<&str>,
) -> TubeResult<()> {
    moderator(user)?;
    let state = state
        .map(|s| {
            AbuseState::try_from(s)
                .map_err(|_| bad("Incorrect request parameters: state (1, 2 or 3)"))
        })
        .transpose()?;
    let comment = comment
        .map(|c| checked_text(c, "moderationComment"))
        .transpose()?;
    let mut tx = tube.store.begin().await?;
    let a = store::by_id(tx.ex(), id)
        .await?
        .ok_or(TubeError::NotFound("abuse"))?;
    store::decide(tx.ex(), id, state.map(AbuseState::id), comment.as_deref()).await?;
    let details = json!({
        "state": state.map(AbuseState::label),
        "moderationComment": comment,
    });
    crate::audit::record(
        tx.ex(),
        user,
        "abuse",
        "update",
        &format!("abuse {id}"),
        details,
    )
    .await?;
    // The reporter is told of the decision (PeerTube tells them whenever a state is given).
    if state.is_some() {
        let to = local_reporter(tx.ex(), &a).await?;
        let about = About {
            abuse_id: Some(id),
            ..About::default()
        };
        notify::notify(tx.ex(), tube, Kind::AbuseStateChange, about, &to).await?;
    }
    tx.commit().await?;
    tube.mail_ready.notify_one();
    Ok(())
}

pub async fn delete(tube: &Tube, user: &User, id: i64) -> TubeResult<()> {
    moderator(user)?;
    let mut tx = tube.store.begin().await?;
    store::by_id(tx.ex(), id)
        .await?
        .ok_or(TubeError::NotFound("abuse"))?;
    store::delete(tx.ex(), id).await?;
    crate::audit::record(
        tx.ex(),
        user,
        "abuse",
        "delete",
        &format!("abuse {id}"),
        Value::Null,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Report `id`, if messages may be exchanged on it by `user` (a moderator, or its reporter) and
/// its reporter is one of ours; with `user`'s account id. One connection, three reads.
async fn with_messages(tube: &Tube, user: &User, id: i64) -> TubeResult<(Abuse, i64)> {
    let mut c = tube.store.read().await?;
    let me = ruche_store::users::account_of_user(c.ex(), user.id)
        .await?
        .id;
    let a = store::by_id(c.ex(), id)
        .await?
        .ok_or(TubeError::NotFound("abuse"))?;
    if !user.role.can_moderate() && a.reporter_account_id != Some(me) {
        return Err(TubeError::Forbidden(format!(
            "User {} does not have right to get abuse {id}",
            user.username
        )));
    }
    let local = match a.reporter_account_id {
        Some(r) => ruche_store::users::account_by_id(c.ex(), r)
            .await?
            .host
            .is_none(),
        None => false,
    };
    if !local {
        return Err(bad(
            "This abuse was not created by a user of your instance.",
        ));
    }
    Ok((a, me))
}

/// The messages of report `id`, oldest first, with their authors.
pub async fn messages(
    tube: &Tube,
    user: &User,
    id: i64,
) -> TubeResult<(Vec<Message>, HashMap<i64, Account>)> {
    with_messages(tube, user, id).await?;
    let mut c = tube.store.read().await?;
    let list = store::messages(c.ex(), id, MAX_MESSAGES).await?;
    let mut ids: Vec<i64> = list.iter().filter_map(|m| m.account_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let authors = ruche_store::users::accounts_by_ids(c.ex(), &ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    Ok((list, authors))
}

/// `user` writes on report `id`; the message's id.
pub async fn add_message(tube: &Tube, user: &User, id: i64, text: &str) -> TubeResult<i64> {
    let text = checked_text(text, "message")?;
    let (a, me) = with_messages(tube, user, id).await?;
    if a.count_messages >= MAX_MESSAGES {
        return Err(TubeError::Conflict(format!(
            "A report holds at most {MAX_MESSAGES} messages."
        )));
    }
    let by_moderator = a.reporter_account_id != Some(me);
    let mut tx = tube.store.begin().await?;
    let mid = store::add_message(tx.ex(), id, me, &text, by_moderator).await?;
    if by_moderator && a.processed_at.is_none() {
        store::decide(tx.ex(), id, Some(a.state), None).await?;
    }
    // The other side is told: the reporter of a moderator's message, and the moderators (but
    // its author) of any.
    let mut to = notify::moderators(tx.ex(), Some(user.id)).await?;
    if by_moderator {
        to.extend(local_reporter(tx.ex(), &a).await?);
    }
    // A reporter who moderates is told once.
    to.sort_by_key(|r| r.id);
    to.dedup_by_key(|r| r.id);
    let about = About {
        abuse_id: Some(id),
        ..About::default()
    };
    notify::notify(tx.ex(), tube, Kind::AbuseNewMessage, about, &to).await?;
    tx.commit().await?;
    tube.mail_ready.notify_one();
    Ok(mid)
}

/// Deletes a message of report `id`: its author's, or any for a moderator.
pub async fn delete_message(tube: &Tube, user: &User, id: i64, message: i64) -> TubeResult<()> {
    let (_, me) = with_messages(tube, user, id).await?;
    let mut tx = tube.store.begin().await?;
    let m = store::message(tx.ex(), id, message)
        .await?
        .ok_or(TubeError::NotFound("abuse message"))?;
    if m.account_id != Some(me) && !user.role.can_moderate() {
        return Err(TubeError::Forbidden(
            "Cannot delete this abuse message".into(),
        ));
    }
    store::delete_message(tx.ex(), message).await?;
    tx.commit().await?;
    Ok(())
}

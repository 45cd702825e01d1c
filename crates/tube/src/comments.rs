//! Comments under videos: threads and replies, as PeerTube's API offers them. Who may delete:
//! the comment's author, the video's owner, moderators. Under a video whose policy holds
//! comments for approval (PeerTube 6.2), the comments of anyone but its owner and moderators
//! wait: seen only by their author, the owner and moderators, not sent to other instances,
//! until the owner approves them (or deletes them: a refusal).

use crate::{Tube, TubeError, TubeResult, videos};
use ruche_store::Ex;
use ruche_store::comments;
pub use ruche_store::comments::{Comment, Held, Shown};
use ruche_store::users::User;
use ruche_store::videos::Video;

/// The longest comment PeerTube accepts.
pub const MAX_TEXT: usize = 10_000;

/// The deepest a reply may sit in its thread (the thread's first comment is at 0, a reply to it
/// at 1): as many levels as a reply from another instance may have above it when we read them
/// (PeerTube's `MAX_RECURSION_COMMENTS`). PeerTube itself has no bound; without one a chain of
/// replies grows as deep as a client likes, and each reader pays for its depth.
pub const MAX_DEPTH: i64 = 100;

/// The answer to a reply deeper than [`MAX_DEPTH`].
pub const TOO_DEEP: &str = "This conversation is too deep: reply to an earlier comment of it";

/// The most replies of a thread read at once (the API's thread tree); later ones are not shown.
pub const THREAD_REPLIES: i64 = 1000;

/// Refuses (400) a reply to `parent` that would sit deeper than [`MAX_DEPTH`]. One bounded
/// statement. The inbox calls it too before it keeps another instance's reply, so that neither
/// side can build a deeper chain.
pub async fn check_reply_depth(ex: Ex<'_>, parent: Option<&Comment>) -> TubeResult<()> {
    let Some(parent) = parent else {
        return Ok(());
    };
    let depth = comments::depth(ex, parent.id, MAX_DEPTH)
        .await?
        .ok_or(TubeError::NotFound("comment"))?;
    if depth >= MAX_DEPTH {
        return Err(TubeError::BadRequest(TOO_DEEP.into()));
    }
    Ok(())
}

/// Adds a comment by `user`: a new thread, or a reply to `parent` (a comment of that video).
pub async fn add(
    tube: &Tube,
    user: &User,
    video: &str,
    parent: Option<i64>,
    text: &str,
    password: Option<videos::Password<'_>>,
) -> TubeResult<Comment> {
    let v = videos::find_visible_with(tube, video, Some(user), password).await?;
    if !v.comments_policy.accepts() {
        return Err(TubeError::Conflict("Video comments are disabled".into()));
    }
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT {
        return Err(TubeError::BadRequest(
            "Incorrect request parameters: text (1 to 10000 characters)".into(),
        ));
    }
    // Per account, counting only what is kept: each comment is stored, shown and sent to the
    // video's audience, so a client that writes without pause costs everyone else.
    tube.rates.comment.check(&user.id)?;
    let kept = match crate::autotags::of_comment(tube, &v, text).await {
        Ok(tags) => insert(tube, user, &v, parent, text, &tags).await,
        Err(e) => Err(e),
    };
    match kept {
        Ok(c) => {
            tube.deliveries_ready.notify_waiters();
            Ok(c)
        }
        Err(e) => {
            tube.rates.comment.refund(&user.id);
            Err(e)
        }
    }
}

/// Stores a comment checked by [`add`], with its automatic tags and its `Create` for the
/// video's audience; held when the video's policy or one of the owner's tags says so.
async fn insert(
    tube: &Tube,
    user: &User,
    v: &ruche_store::videos::Video,
    parent: Option<i64>,
    text: &str,
    tags: &crate::autotags::CommentTags,
) -> TubeResult<Comment> {
    let mut tx = tube.store.begin().await?;
    let parent = match parent {
        None => None,
        Some(id) => match comments::by_id(tx.ex(), id).await? {
            Some(p) if p.video_id == v.id && p.deleted_at.is_none() => Some(p),
            _ => return Err(TubeError::NotFound("comment")),
        },
    };
    check_reply_depth(tx.ex(), parent.as_ref()).await?;
    let account = ruche_store::users::account_of_user(tx.ex(), user.id).await?;
    // Another instance's video decides at its origin, whoever writes (PeerTube's rule).
    let manages = v.is_local() && (user.role.can_moderate() || v.account_id == account.id);
    let held = (v.comments_policy.holds() || tags.review) && !manages;
    let id = comments::insert(tx.ex(), v.id, account.id, parent.as_ref(), text, None, held).await?;
    crate::autotags::keep_comment_tags(tx.ex(), v, id, tags).await?;
    let c = comments::by_id(tx.ex(), id)
        .await?
        .ok_or(TubeError::NotFound("comment"))?;
    crate::federation::outbox::comment_created(tx.ex(), tube, v, &c, &account).await?;
    crate::notify::comment_on_video(tx.ex(), tube, v, id, account.id).await?;
    tx.commit().await?;
    tube.mail_ready.notify_one();
    Ok(c)
}

/// The video, a page of its threads, their total, and the count of comments not deleted.
pub async fn threads(
    tube: &Tube,
    user: Option<&User>,
    video: &str,
    start: i64,
    count: i64,
    password: Option<videos::Password<'_>>,
) -> TubeResult<(ruche_store::videos::Video, Vec<Comment>, i64, i64)> {
    let v = videos::find_visible_with(tube, video, user, password).await?;
    let shown = shown_to(tube, &v, user).await?;
    let mut c = tube.store.read().await?;
    let (rows, total) = comments::threads(c.ex(), v.id, shown.clone(), start, count).await?;
    let visible = comments::count_visible(c.ex(), v.id, shown).await?;
    Ok((v, rows, total, visible))
}

/// Which comments under `v` its reader sees: the held ones (all for the video's owner and
/// moderators, their own for others logged in, none for anonymous readers), and none by an
/// author the instance blocks, the reader mutes or, under our video, its owner mutes (PeerTube's
/// rule: an owner's mutes keep their videos' threads clean for everyone).
pub async fn shown_to(tube: &Tube, v: &Video, user: Option<&User>) -> TubeResult<Shown> {
    let owner = v.is_local().then_some(v.account_id);
    let Some(user) = user else {
        return Ok(Shown {
            held: Held::Hidden,
            blockers: owner.into_iter().collect(),
        });
    };
    let account = crate::accounts::account_of(tube, user.id).await?.id;
    let held = if user.role.can_moderate() || v.account_id == account {
        Held::All
    } else {
        Held::Author(account)
    };
    let mut blockers = vec![account];
    blockers.extend(owner.filter(|o| *o != account));
    Ok(Shown { held, blockers })
}

/// The newest `count` threads of `v` (a video the caller already may see), each with its newest
/// `replies` replies oldest first, and the count of comments not deleted; read on one
/// connection. A thread's first comment says how many replies it has in all.
pub async fn threads_with_replies(
    tube: &Tube,
    v: &ruche_store::videos::Video,
    shown: Shown,
    count: i64,
    replies: i64,
) -> TubeResult<(Vec<(Comment, Vec<Comment>)>, i64)> {
    let mut c = tube.store.read().await?;
    let (firsts, _) = comments::threads(c.ex(), v.id, shown.clone(), 0, count).await?;
    let visible = comments::count_visible(c.ex(), v.id, shown.clone()).await?;
    let mut out = Vec::with_capacity(firsts.len());
    for first in firsts {
        let shown = if first.replies > 0 {
            comments::latest_replies(c.ex(), v.id, first.id, shown.clone(), replies).await?
        } else {
            Vec::new()
        };
        out.push((first, shown));
    }
    Ok((out, visible))
}

/// A thread: its first comment and its oldest [`THREAD_REPLIES`] replies, oldest first.
pub async fn thread(
    tube: &Tube,
    user: Option<&User>,
    video: &str,
    thread_id: i64,
    password: Option<videos::Password<'_>>,
) -> TubeResult<Vec<Comment>> {
    let v = videos::find_visible_with(tube, video, user, password).await?;
    let shown = shown_to(tube, &v, user).await?;
    let mut c = tube.store.read().await?;
    let all = comments::thread(c.ex(), v.id, thread_id, shown, THREAD_REPLIES).await?;
    if all.is_empty() {
        return Err(TubeError::NotFound("comment thread"));
    }
    Ok(all)
}

/// Deletes a comment's content (its place in the thread stays).
pub async fn delete(tube: &Tube, user: &User, video: &str, comment_id: i64) -> TubeResult<()> {
    let v = videos::find_visible(tube, video, Some(user)).await?;
    let mut tx = tube.store.begin().await?;
    let c = match comments::by_id(tx.ex(), comment_id).await? {
        Some(c) if c.video_id == v.id && c.deleted_at.is_none() => c,
        _ => return Err(TubeError::NotFound("comment")),
    };
    let account = ruche_store::users::account_of_user(tx.ex(), user.id).await?;
    let moderator = user.role.can_moderate();
    if c.account_id != account.id && v.account_id != account.id && !moderator {
        return Err(TubeError::Forbidden(
            "Cannot remove the comment of another user".into(),
        ));
    }
    comments::soft_delete(tx.ex(), c.id).await?;
    if c.held_for_review && c.url.is_some() && v.is_local() && c.account_id != account.id {
        // The owner's refusal of another instance's reply: its author hears of it.
        crate::federation::outbox::reply_decided(tx.ex(), tube, &v, &c, false, None).await?;
    }
    crate::federation::outbox::comment_deleted(tx.ex(), tube, &v, &c).await?;
    tx.commit().await?;
    tube.deliveries_ready.notify_waiters();
    Ok(())
}

/// The owner of video `video` (or a moderator) approves the held comment `comment_id`: shown to
/// all from now on, and sent to the video's audience (our comment), or its author told (another
/// instance's, with `ApproveReply`, its `Create` then forwarded to the video's audience).
pub async fn approve(
    tube: &Tube,
    user: &User,
    video: &str,
    comment_id: i64,
) -> TubeResult<Comment> {
    let v = videos::find_visible(tube, video, Some(user)).await?;
    let mut tx = tube.store.begin().await?;
    let c = match comments::by_id(tx.ex(), comment_id).await? {
        Some(c) if c.video_id == v.id => c,
        _ => return Err(TubeError::NotFound("comment")),
    };
    if c.deleted_at.is_some() {
        return Err(TubeError::Conflict("This comment is deleted".into()));
    }
    if !c.held_for_review {
        return Err(TubeError::BadRequest(
            "This comment is not held for review".into(),
        ));
    }
    let account = ruche_store::users::account_of_user(tx.ex(), user.id).await?;
    if v.account_id != account.id && !user.role.can_moderate() {
        return Err(TubeError::Forbidden(
            "Cannot manage comments of this video".into(),
        ));
    }
    if !v.is_local() {
        return Err(TubeError::Forbidden(
            "This comment waits for the approval of the video's instance".into(),
        ));
    }
    let held_activity = comments::held_activity(tx.ex(), c.id).await?;
    if !comments::approve(tx.ex(), c.id, None).await? {
        return Err(TubeError::Conflict(
            "This comment was approved or deleted meanwhile".into(),
        ));
    }
    let c = comments::by_id(tx.ex(), c.id)
        .await?
        .ok_or(TubeError::NotFound("comment"))?;
    if c.url.is_some() {
        crate::federation::outbox::reply_decided(
            tx.ex(),
            tube,
            &v,
            &c,
            true,
            held_activity.as_deref(),
        )
        .await?;
    } else {
        let author = ruche_store::users::account_by_id(tx.ex(), c.account_id).await?;
        crate::federation::outbox::comment_created(tx.ex(), tube, &v, &c, &author).await?;
    }
    tx.commit().await?;
    tube.deliveries_ready.notify_waiters();
    Ok(c)
}

/// The accounts of the authors of `list`, read at once.
pub async fn authors<'a>(
    tube: &Tube,
    list: impl IntoIterator<Item = &'a Comment>,
) -> TubeResult<std::collections::HashMap<i64, crate::accounts::Account>> {
    let mut ids: Vec<i64> = list.into_iter().map(|cm| cm.account_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut c = tube.store.read().await?;
    Ok(ruche_store::users::accounts_by_ids(c.ex(), &ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect())
}

pub use ruche_store::comments::RecentFilter;

/// A page of recent comments, with the videos they are under (by id), and how many match.
/// `mine`: the comments under `user`'s own videos (PeerTube's `/users/me/videos/comments`);
/// otherwise every comment of the instance, for moderators (`/videos/comments`).
pub async fn recent(
    tube: &Tube,
    user: &User,
    mine: bool,
    mut f: RecentFilter,
) -> TubeResult<(
    Vec<Comment>,
    std::collections::HashMap<i64, ruche_store::videos::Video>,
    i64,
)> {
    if mine {
        f.on_videos_of_account = Some(crate::accounts::account_of(tube, user.id).await?.id);
    } else if !user.role.can_moderate() {
        return Err(TubeError::Forbidden(
            "Only moderators see every comment of the instance.".into(),
        ));
    }
    let mut c = tube.store.read().await?;
    let (rows, total) = comments::recent(c.ex(), &f).await?;
    let mut ids: Vec<i64> = rows.iter().map(|cm| cm.video_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let videos = ruche_store::videos::by_ids(c.ex(), &ids)
        .await?
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    Ok((rows, videos, total))
}

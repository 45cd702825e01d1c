//! Comments under videos: threads and replies, as PeerTube's API offers them. Who may delete:
//! the comment's author, the video's owner, moderators.

use crate::{Tube, TubeError, TubeResult, videos};
use ruche_domain::user::Role;
use ruche_store::comments::{self, Comment};
use ruche_store::users::User;

/// The longest comment PeerTube accepts.
pub const MAX_TEXT: usize = 10_000;

/// Adds a comment by `user`: a new thread, or a reply to `parent` (a comment of that video).
pub async fn add(
    tube: &Tube,
    user: &User,
    video: &str,
    parent: Option<i64>,
    text: &str,
) -> TubeResult<Comment> {
    let v = videos::find_visible(tube, video, Some(user)).await?;
    if !v.comments_enabled {
        return Err(TubeError::Conflict("Video comments are disabled".into()));
    }
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT {
        return Err(TubeError::BadRequest(
            "Incorrect request parameters: text (1 to 10000 characters)".into(),
        ));
    }
    let mut tx = tube.store.begin().await?;
    let parent = match parent {
        None => None,
        Some(id) => match comments::by_id(tx.ex(), id).await? {
            Some(p) if p.video_id == v.id && p.deleted_at.is_none() => Some(p),
            _ => return Err(TubeError::NotFound("comment")),
        },
    };
    let account = ruche_store::users::account_of_user(tx.ex(), user.id).await?;
    let id = comments::insert(tx.ex(), v.id, account.id, parent.as_ref(), text, None).await?;
    let c = comments::by_id(tx.ex(), id)
        .await?
        .ok_or(TubeError::NotFound("comment"))?;
    crate::federation::outbox::comment_created(tx.ex(), tube, &v, &c, &account).await?;
    tx.commit().await?;
    tube.deliveries_ready.notify_waiters();
    Ok(c)
}

/// A page of a video's threads, their total, and the count of comments not deleted.
pub async fn threads(
    tube: &Tube,
    user: Option<&User>,
    video: &str,
    start: i64,
    count: i64,
) -> TubeResult<(i64, Vec<Comment>, i64, i64)> {
    let v = videos::find_visible(tube, video, user).await?;
    let mut c = tube.store.read().await?;
    let (rows, total) = comments::threads(c.ex(), v.id, start, count).await?;
    let visible = comments::count_visible(c.ex(), v.id).await?;
    Ok((v.id, rows, total, visible))
}

/// The newest `count` threads of `v` (a video the caller already may see), each with its
/// replies oldest first, and the count of comments not deleted; read on one connection.
pub async fn threads_with_replies(
    tube: &Tube,
    v: &ruche_store::videos::Video,
    count: i64,
) -> TubeResult<(Vec<(Comment, Vec<Comment>)>, i64)> {
    let mut c = tube.store.read().await?;
    let (firsts, _) = comments::threads(c.ex(), v.id, 0, count).await?;
    let visible = comments::count_visible(c.ex(), v.id).await?;
    let mut out = Vec::with_capacity(firsts.len());
    for first in firsts {
        let replies = if first.replies > 0 {
            comments::thread(c.ex(), first.id)
                .await?
                .into_iter()
                .skip(1)
                .collect()
        } else {
            Vec::new()
        };
        out.push((first, replies));
    }
    Ok((out, visible))
}

/// A thread whole: its first comment and every reply, oldest first.
pub async fn thread(
    tube: &Tube,
    user: Option<&User>,
    video: &str,
    thread_id: i64,
) -> TubeResult<Vec<Comment>> {
    let v = videos::find_visible(tube, video, user).await?;
    let mut c = tube.store.read().await?;
    let all = comments::thread(c.ex(), thread_id).await?;
    match all.first() {
        Some(first)
            if first.id == thread_id && first.video_id == v.id && first.thread_id.is_none() =>
        {
            Ok(all)
        }
        _ => Err(TubeError::NotFound("comment thread")),
    }
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
    let moderator = Role::from_id(user.role).is_some_and(Role::can_moderate);
    if c.account_id != account.id && v.account_id != account.id && !moderator {
        return Err(TubeError::Forbidden(
            "Cannot remove the comment of another user".into(),
        ));
    }
    comments::soft_delete(tx.ex(), c.id).await?;
    crate::federation::outbox::comment_deleted(tx.ex(), tube, &v, &c).await?;
    tx.commit().await?;
    tube.deliveries_ready.notify_waiters();
    Ok(())
}

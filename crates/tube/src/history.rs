//! What each user watched and how far (PeerTube's video history): recorded from the player's
//! progress (`PUT /api/v1/videos/{id}/watching`) while the user keeps a history, listed last
//! watched first, forgotten one by one or up to a date, and turned off and on.
//!
//! A user's history is theirs alone: its writes change nothing any other reader sees, so they
//! do not count as changes for the answer cache (`Tx::commit_unseen`), however often players
//! report progress.

use crate::accounts::User;
use crate::videos::Video;
use crate::{Tube, TubeResult};
use ruche_store::users;
use std::collections::HashMap;

/// The whole seconds a player's `currentTime` gives: a number, or its text in a form; `None`
/// for anything else, negative or not finite.
pub fn position(current_time: &serde_json::Value) -> Option<i64> {
    match current_time {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|t| t.is_finite() && *t >= 0.0)
    .map(|t| t.floor() as i64)
}

/// Records that `user` is `position_secs` into `video` (a video they may see), if they keep a
/// history.
pub async fn record(tube: &Tube, user: &User, video: &Video, position_secs: i64) -> TubeResult<()> {
    if !user.history_enabled {
        return Ok(());
    }
    let position = position_secs.clamp(0, video.duration.max(0));
    let mut tx = tube.store.begin().await?;
    users::set_watched(tx.ex(), user.id, video.id, position).await?;
    Ok(tx.commit_unseen().await?)
}

/// Where `user` was in each of `videos` they watched, by video id.
pub async fn positions(tube: &Tube, user: &User, videos: &[i64]) -> TubeResult<HashMap<i64, i64>> {
    let mut c = tube.store.read().await?;
    Ok(users::watched_of(c.ex(), user.id, videos)
        .await?
        .into_iter()
        .map(|w| (w.video_id, w.position_secs))
        .collect())
}

/// A page of what `user` watched, last first, each video with where they were, and how many
/// there are. Videos they may no longer see (made private since) are left out of the page.
pub async fn list(
    tube: &Tube,
    user: &User,
    search: Option<&str>,
    start: i64,
    count: i64,
) -> TubeResult<(Vec<(Video, i64)>, i64)> {
    let mut c = tube.store.read().await?;
    let (rows, total) = users::history(c.ex(), user.id, search, start, count).await?;
    let ids: Vec<i64> = rows.iter().map(|w| w.video_id).collect();
    let mut found = crate::videos::still_seen_by(&mut c, user, &ids).await?;
    let list = rows
        .into_iter()
        .filter_map(|w| found.remove(&w.video_id).map(|v| (v, w.position_secs)))
        .collect();
    Ok((list, total))
}

/// Forgets one video of `user`'s history (its id).
pub async fn forget(tube: &Tube, user: &User, video_id: i64) -> TubeResult<()> {
    let mut tx = tube.store.begin().await?;
    users::forget_watched(tx.ex(), user.id, Some(video_id), None).await?;
    Ok(tx.commit_unseen().await?)
}

/// Forgets what `user` watched before `before_ms`, or all of it.
pub async fn forget_before(tube: &Tube, user: &User, before_ms: Option<i64>) -> TubeResult<u64> {
    let mut tx = tube.store.begin().await?;
    let n = users::forget_watched(tx.ex(), user.id, None, before_ms).await?;
    tx.commit_unseen().await?;
    Ok(n)
}

/// Turns `user`'s history on or off (what was recorded stays until forgotten, as PeerTube).
pub async fn set_enabled(tube: &Tube, user: &User, enabled: bool) -> TubeResult<()> {
    let mut tx = tube.store.begin().await?;
    users::set_history_enabled(tx.ex(), user.id, enabled).await?;
    Ok(tx.commit_unseen().await?)
}

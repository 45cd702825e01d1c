//! Automatic blocks: with the instance's `auto_block_videos` on (PeerTube's
//! `autoBlacklist.videos.ofUsers`), a new video of a user who does not moderate is blocked in
//! the transaction that makes it, until a moderator approves it (`video_blocks::unblock`); it is
//! sent to no other instance meanwhile.

use ruche_domain::notification::Kind;
use ruche_store::Ex;
use ruche_store::notifications::About;
use ruche_store::video_blocks::{self as store, AUTO};

use crate::{Tube, TubeResult, notify};

/// The reason of an automatic block (PeerTube's words).
pub const AUTO_REASON: &str = "Automatically blocked. Moderator review is required.";

/// Whether a new video of `user` is to wait for approval (read before the transaction that
/// makes the video: no second connection is taken while it holds one).
pub(crate) async fn wanted(tube: &Tube, user: &ruche_store::users::User) -> TubeResult<bool> {
    Ok(!user.role.can_moderate() && crate::instance::current(tube).await?.auto_block_videos)
}

/// A new video `video_id`, in the transaction that makes it: blocked until a moderator
/// approves it when [`wanted`] said so; the moderators are told.
pub(crate) async fn if_wanted(
    mut ex: Ex<'_>,
    tube: &Tube,
    wanted: bool,
    video_id: i64,
) -> TubeResult<()> {
    if !wanted {
        return Ok(());
    }
    let Some(id) = store::insert(ex.reborrow(), video_id, Some(AUTO_REASON), true, AUTO).await?
    else {
        return Ok(());
    };
    let to = notify::moderators(ex.reborrow(), None).await?;
    let about = About {
        video_id: Some(video_id),
        video_block_id: Some(id),
        ..About::default()
    };
    notify::notify(ex, tube, Kind::VideoAutoBlacklistForModerators, about, &to).await?;
    Ok(())
}

//! How much a user may still upload: PeerTube's total and daily quotas, the instance's maximum
//! upload size, and the room that resumable uploads still open hold.

use crate::accounts::User;
use crate::{Tube, TubeResult};
use ruche_domain::user::{Quota, upload_room};
use ruche_store::videos as vstore;

/// Bytes `user` may still upload now (`None` = unlimited), under the total and daily quotas
/// and the instance's maximum upload size. The user's resumable uploads still open hold their
/// declared size (but `upload`, the one being finished).
pub async fn room(tube: &Tube, user: &User, upload: Option<&str>) -> TubeResult<Option<i64>> {
    let mut c = tube.store.read().await?;
    room_in(c.ex(), tube, user, upload).await
}

pub(crate) async fn room_in(
    mut ex: ruche_store::Ex<'_>,
    tube: &Tube,
    user: &User,
    upload: Option<&str>,
) -> TubeResult<Option<i64>> {
    let (used, daily) = vstore::quota_used(ex.reborrow(), user.id).await?;
    let (_, held) = vstore::open_uploads(ex, user.id, upload.unwrap_or_default()).await?;
    let room = upload_room(
        Quota(user.video_quota),
        used + held,
        Quota(user.video_quota_daily),
        daily + held,
    );
    let max = tube.settings.transcoding.max_upload_size.map(|m| m as i64);
    Ok(match (room, max) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    })
}

//! Deleting a user, by an administrator or a moderator (`DELETE /api/v1/users/{id}`) or by
//! themselves (`DELETE /api/v1/users/me`): their videos, channels, playlists and account are
//! deleted, and every instance that knows them is told (a `Delete` of each video, each public
//! playlist, each comment under another account's video, each channel and the account, as
//! PeerTube sends them, the comments' besides). Their comments stay as tombstones, so that the
//! replies others wrote keep their places; their account row stays too, as a tombstone that
//! keeps their name taken (`ruche_store::users::retire_account`).

use ruche_domain::urls;
use ruche_store::users::{self, User};
use ruche_store::{comments, playlists as pstore, videos as vstore};
use serde_json::json;

use crate::federation::{Signer, outbox};
use crate::{Tube, TubeResult};

/// Deletes `target` and all they made, `by` (themselves, or whoever may manage them) having
/// checked. Recorded in the audit log as `by`'s.
pub(crate) async fn remove(tube: &Tube, by: &User, target: &User) -> TubeResult<()> {
    let base = crate::federation::base(tube);
    let mut tx = tube.store.begin().await?;
    let account = users::account_of_user(tx.ex(), target.id).await?;
    let channels = users::channels_of_account(tx.ex(), account.id).await?;
    let (videos, _) = vstore::list(
        tx.ex(),
        &vstore::ListFilter {
            account_id: Some(account.id),
            count: i64::MAX,
            ..Default::default()
        },
    )
    .await?;
    let (lists, _) = pstore::list(
        tx.ex(),
        &pstore::ListFilter {
            account_id: Some(account.id),
            count: i64::MAX,
            ..Default::default()
        },
    )
    .await?;
    let elsewhere = comments::live_of_account_elsewhere(tx.ex(), account.id).await?;
    for v in &videos {
        outbox::video_deleted(tx.ex(), tube, v).await?;
    }
    for p in lists.iter().filter(|p| p.is_local()) {
        crate::federation::playlists::deleted(tx.ex(), tube, p).await?;
    }
    let mut ids: Vec<i64> = elsewhere.iter().map(|c| c.video_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let under: std::collections::HashMap<i64, vstore::Video> = vstore::by_ids(tx.ex(), &ids)
        .await?
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    for c in &elsewhere {
        if let Some(v) = under.get(&c.video_id) {
            outbox::comment_deleted(tx.ex(), tube, v, c).await?;
        }
    }
    let mut actors = Vec::with_capacity(channels.len() + 1);
    for ch in &channels {
        outbox::actor_deleted(tx.ex(), tube, Signer::Channel(ch.id)).await?;
        actors.push(urls::channel(base, &ch.name));
    }
    outbox::actor_deleted(tx.ex(), tube, Signer::Account(account.id)).await?;
    actors.push(urls::account(base, &account.name));
    crate::audit::record(
        tx.ex(),
        by,
        "users",
        "delete",
        &format!("user {} {}", target.id, target.username),
        json!({
            "videos": videos.len(),
            "channels": channels.len(),
            "playlists": lists.len(),
            "comments": elsewhere.len(),
        }),
    )
    .await?;
    users::retire_account(tx.ex(), account.id, &actors).await?;
    users::delete_user(tx.ex(), target.id).await?;
    tx.commit().await?;
    tube.deliveries_ready.notify_waiters();
    tracing::info!(user = %target.username, by = %by.username, videos = videos.len(), "user deleted");
    for v in &videos {
        if let Err(e) = tube.storage.remove_video_files(v).await {
            tracing::warn!(video = %v.uuid, "files not removed: {e}");
        }
    }
    let mut pictures = users::pictures(account.avatars.as_deref());
    for ch in &channels {
        pictures.extend(ch.all_pictures());
    }
    crate::profiles::remove_files(tube, &pictures).await;
    for name in lists.into_iter().filter_map(|p| p.thumbnail_filename) {
        crate::editing::drop_later(tube, crate::editing::PictureKind::Thumbnail, name);
    }
    Ok(())
}

//! A user's channels (PeerTube's video channels, each an ActivityPub `Group` with its own key and
//! followers): found by handle, created up to [`MAX_CHANNELS`], deleted with their videos.

use crate::accounts::{Account, Channel, User, account, local_name};
use crate::{Tube, TubeError, TubeResult};
use ruche_domain::urls;
use ruche_domain::user::check_channel_name;
use ruche_store::StoreError;
use ruche_store::users::{self, NewChannel};

/// An account's channels, oldest first.
pub async fn of_account(tube: &Tube, account_id: i64) -> TubeResult<Vec<Channel>> {
    let mut c = tube.store.read().await?;
    Ok(users::channels_of_account(c.ex(), account_id).await?)
}

/// A channel by its handle: ours by name, another instance's (known here) by `name@host`.
pub async fn by_handle(tube: &Tube, handle: &str) -> TubeResult<Channel> {
    let mut c = tube.store.read().await?;
    let found = match (local_name(tube, handle), handle.split_once('@')) {
        (Some(name), _) => users::channel_by_name(c.ex(), name).await?,
        (None, Some((name, host))) => {
            ruche_store::federation::channel_by_handle(c.ex(), name, host).await?
        }
        (None, None) => None,
    };
    found.ok_or(TubeError::NotFound("channel"))
}

/// A channel by its handle, with the account it belongs to.
pub async fn with_owner(tube: &Tube, handle: &str) -> TubeResult<(Channel, Account)> {
    let ch = by_handle(tube, handle).await?;
    let owner = account(tube, ch.account_id).await?;
    Ok((ch, owner))
}

/// The most channels a user has (PeerTube's `VIDEO_CHANNELS.MAX_PER_USER`): each is an actor
/// with its own key, followers and deliveries.
pub const MAX_CHANNELS: usize = 20;

/// Creates a channel owned by `user`, up to [`MAX_CHANNELS`].
pub async fn create(
    tube: &Tube,
    user: &User,
    name: &str,
    display_name: &str,
    description: Option<&str>,
    support: Option<&str>,
) -> TubeResult<i64> {
    check_channel_name(name).map_err(|e| TubeError::BadRequest(format!("Channel handle {e}.")))?;
    let display_name = display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > 50 {
        return Err(TubeError::BadRequest(
            "The display name must be 1 to 50 characters long.".into(),
        ));
    }
    if description.is_some_and(|d| d.chars().count() > 1000)
        || support.is_some_and(|s| s.chars().count() > 1000)
    {
        return Err(TubeError::BadRequest(
            "Description and support text are limited to 1000 characters.".into(),
        ));
    }
    let mut tx = tube.store.begin().await?;
    let account = users::account_of_user(tx.ex(), user.id).await?;
    if users::channels_of_account(tx.ex(), account.id).await?.len() >= MAX_CHANNELS {
        return Err(TubeError::BadRequest(format!(
            "You cannot create more than {MAX_CHANNELS} channels."
        )));
    }
    if users::channel_by_name(tx.ex(), name).await?.is_some() {
        return Err(TubeError::Conflict(format!(
            "The handle {name} is already taken."
        )));
    }
    let id = users::create_channel(
        tx.ex(),
        &NewChannel {
            account_id: account.id,
            name,
            display_name,
            description,
            support,
        },
    )
    .await
    .map_err(|e| match e {
        StoreError::Conflict(_) => {
            TubeError::Conflict(format!("The handle {name} is already taken."))
        }
        e => e.into(),
    })?;
    crate::index::index_channel(tx.ex(), id).await?;
    tx.commit().await?;
    Ok(id)
}

/// Deletes one of `user`'s channels (not their last one), with its videos: every instance that
/// knows the channel or its videos is told.
pub async fn delete(tube: &Tube, user: &User, id: i64) -> TubeResult<()> {
    let ch = owned(tube, user, id).await?;
    let mut tx = tube.store.begin().await?;
    if users::channels_of_account(tx.ex(), ch.account_id)
        .await?
        .len()
        <= 1
    {
        return Err(TubeError::Conflict(
            "Cannot remove the last channel of this user.".into(),
        ));
    }
    let (videos, _) = ruche_store::videos::list(
        tx.ex(),
        &ruche_store::videos::ListFilter {
            channel_id: Some(ch.id),
            count: i64::MAX,
            ..Default::default()
        },
    )
    .await?;
    for v in &videos {
        crate::federation::outbox::video_deleted(tx.ex(), tube, v).await?;
    }
    crate::federation::outbox::actor_deleted(
        tx.ex(),
        tube,
        crate::federation::Signer::Channel(ch.id),
    )
    .await?;
    let url = urls::channel(crate::federation::base(tube), &ch.name);
    users::delete_channel(tx.ex(), ch.id, &url).await?;
    tx.commit().await?;
    tube.deliveries_ready.notify_waiters();
    for v in &videos {
        tube.storage.remove_video_files(v).await?;
    }
    crate::profiles::remove_files(tube, &ch.all_pictures()).await;
    Ok(())
}

/// The channel `id` if `user` owns it.
pub async fn owned(tube: &Tube, user: &User, id: i64) -> TubeResult<Channel> {
    let mut c = tube.store.read().await?;
    let ch = users::channel_by_id(c.ex(), id)
        .await?
        .ok_or(TubeError::NotFound("channel"))?;
    let account = users::account_of_user(c.ex(), user.id).await?;
    if ch.account_id != account.id {
        return Err(TubeError::Forbidden(
            "You cannot publish to this channel.".into(),
        ));
    }
    Ok(ch)
}

//! The instance's directory in PeerTube's API: every account and channel known here, an
//! account's or a channel's followers (for its owner and moderators), and an account's ratings
//! (for its owner).

use crate::accounts::{Account, Channel, User};
use crate::videos::Video;
use crate::{Tube, TubeError, TubeResult};
use ruche_store::federation::{self as fstore, Follow, Side};
use ruche_store::users;
use std::collections::HashMap;

pub use ruche_store::users::ActorSort;

/// A page of a list: where it starts, how many, and in which order.
#[derive(Debug, Clone, Copy)]
pub struct Page<S> {
    pub start: i64,
    pub count: i64,
    pub sort: S,
    pub descending: bool,
}

/// A page of every account (ours and other instances' known here), and how many there are.
pub async fn accounts(tube: &Tube, page: Page<ActorSort>) -> TubeResult<(Vec<Account>, i64)> {
    let mut c = tube.store.read().await?;
    Ok(users::list_accounts(c.ex(), page.sort, page.descending, page.start, page.count).await?)
}

/// A page of every channel, each with its account, and how many there are.
pub async fn channels(
    tube: &Tube,
    page: Page<ActorSort>,
) -> TubeResult<(Vec<(Channel, Account)>, i64)> {
    let mut c = tube.store.read().await?;
    let (rows, total) =
        users::list_channels(c.ex(), page.sort, page.descending, page.start, page.count).await?;
    let owners = owners_of(&mut c, &rows).await?;
    let listed = rows
        .into_iter()
        .filter_map(|ch| owners.get(&ch.account_id).cloned().map(|a| (ch, a)))
        .collect();
    Ok((listed, total))
}

/// The accounts owning `channels`, read at once.
async fn owners_of(
    c: &mut ruche_store::Conn,
    channels: &[Channel],
) -> TubeResult<HashMap<i64, Account>> {
    let mut ids: Vec<i64> = channels.iter().map(|ch| ch.account_id).collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(users::accounts_by_ids(c.ex(), &ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect())
}

/// The accepted `(followers, following)` of each actor of `actors`, read in two queries.
pub async fn follow_counts(
    tube: &Tube,
    actors: &[String],
) -> TubeResult<HashMap<String, (i64, i64)>> {
    let mut c = tube.store.read().await?;
    Ok(fstore::accepted_counts(c.ex(), actors).await?)
}

/// Whether `user` may see who follows what `account_id` owns: its owner or a moderator.
async fn may_see_followers(tube: &Tube, user: &User, account_id: i64) -> TubeResult<()> {
    if user.role.can_moderate() {
        return Ok(());
    }
    let mine = crate::accounts::account_of(tube, user.id).await?;
    if mine.id != account_id {
        return Err(TubeError::Forbidden(
            "Only the owner or a moderator sees these followers.".into(),
        ));
    }
    Ok(())
}

/// A page of the follows of an account and of each of its channels (PeerTube lists them
/// together), newest first, and how many there are; for the account's owner and moderators.
pub async fn account_followers(
    tube: &Tube,
    user: &User,
    account: &Account,
    page: Page<()>,
) -> TubeResult<(Vec<Follow>, i64)> {
    may_see_followers(tube, user, account.id).await?;
    let base = &tube.settings.public_url;
    let mut actors = vec![account.actor_url(base)];
    for ch in crate::channels::of_account(tube, account.id).await? {
        actors.push(ch.actor_url(base));
    }
    followers_of(tube, &actors, page).await
}

/// A page of the follows of a channel, newest first, and how many there are; for the
/// channel's owner and moderators.
pub async fn channel_followers(
    tube: &Tube,
    user: &User,
    channel: &Channel,
    page: Page<()>,
) -> TubeResult<(Vec<Follow>, i64)> {
    may_see_followers(tube, user, channel.account_id).await?;
    followers_of(tube, &[channel.actor_url(&tube.settings.public_url)], page).await
}

/// A page of the follows of any of `actors`, in the order of their creation.
async fn followers_of(
    tube: &Tube,
    actors: &[String],
    page: Page<()>,
) -> TubeResult<(Vec<Follow>, i64)> {
    let mut c = tube.store.read().await?;
    Ok(fstore::follows_of_any(
        c.ex(),
        actors,
        Side::Followers,
        None,
        !page.descending,
        page.start,
        page.count,
    )
    .await?)
}

/// A like or a dislike an account gave, with its video.
#[derive(Debug, Clone)]
pub struct Rating {
    pub video: Video,
    /// `like` or `dislike`.
    pub kind: String,
}

/// A page of an account's ratings (only `kind`'s when given), in the order of their making,
/// and how many there are: for the account's owner only, as on PeerTube.
/// A video the owner may no longer see (made private since) is left out of the page.
pub async fn ratings(
    tube: &Tube,
    user: &User,
    account: &Account,
    kind: Option<&str>,
    page: Page<()>,
) -> TubeResult<(Vec<Rating>, i64)> {
    let mine = crate::accounts::account_of(tube, user.id).await?;
    if mine.id != account.id {
        return Err(TubeError::Forbidden(
            "Only its owner sees an account's ratings.".into(),
        ));
    }
    let mut c = tube.store.read().await?;
    let (rates, total) = ruche_store::videos::rates_of_account(
        c.ex(),
        account.id,
        kind,
        !page.descending,
        page.start,
        page.count,
    )
    .await?;
    let ids: Vec<i64> = rates.iter().map(|r| r.video_id).collect();
    let mut videos = crate::videos::still_seen_by(&mut c, user, &ids).await?;
    let list = rates
        .into_iter()
        .filter_map(|r| {
            videos.remove(&r.video_id).map(|video| Rating {
                video,
                kind: r.kind,
            })
        })
        .collect();
    Ok((list, total))
}

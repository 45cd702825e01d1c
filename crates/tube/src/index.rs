//! The search index (`ruche_store::search`) kept in step with videos, channels and playlists (searching
//! it is [`crate::search`]). A video is indexed in the transaction that creates or edits it (ours) or stores
//! it (another instance's); a channel when it is created or renamed; whatever a change left
//! unindexed (a channel another instance sent, an account renamed, rows older than the index) is
//! indexed by the housekeeping's next round ([`backfill`]).

use crate::{Tube, TubeResult};
use ruche_domain::search::{Field, terms};
use ruche_store::Ex;
use ruche_store::search as sstore;
use ruche_store::videos as vstore;

/// Indexes video `id` from its row (its name, tags and description), and gives it the
/// automatic tags of the instance's watched words those hold.
pub async fn index_video(tube: &Tube, mut ex: Ex<'_>, id: i64) -> TubeResult<()> {
    let Some(v) = vstore::by_id(ex.reborrow(), id).await? else {
        return Ok(());
    };
    crate::autotags::tag_video(tube, ex.reborrow(), &v).await?;
    let tags: Vec<String> = serde_json::from_str(&v.tags).unwrap_or_default();
    let tags = tags.join(" ");
    let t = terms(&[
        (Field::Name, &v.name),
        (Field::Tag, &tags),
        (
            Field::Description,
            v.description.as_deref().unwrap_or_default(),
        ),
    ]);
    Ok(sstore::set_video_terms(ex, id, &t).await?)
}

/// Indexes channel `id`: its handle and display name, and its account's.
pub async fn index_channel(mut ex: Ex<'_>, id: i64) -> TubeResult<()> {
    let Some(ch) = ruche_store::users::channel_by_id(ex.reborrow(), id).await? else {
        return Ok(());
    };
    let a = ruche_store::users::account_by_id(ex.reborrow(), ch.account_id).await?;
    let handle = ch.name.replace(['_', '-', '.'], " ");
    let t = terms(&[
        (Field::Name, &ch.display_name),
        (Field::Name, &handle),
        (Field::Owner, &a.display_name),
        (Field::Owner, &a.name),
    ]);
    Ok(sstore::set_channel_terms(ex, id, &t).await?)
}

/// Indexes playlist `id`: its name and description.
pub async fn index_playlist(mut ex: Ex<'_>, id: i64) -> TubeResult<()> {
    let Some(p) = ruche_store::playlists::by_id(ex.reborrow(), id).await? else {
        return Ok(());
    };
    let t = terms(&[
        (Field::Name, &p.name),
        (
            Field::Description,
            p.description.as_deref().unwrap_or_default(),
        ),
    ]);
    Ok(ruche_store::playlists::set_terms(ex, id, &t).await?)
}

/// Marks an account's channels for indexing again (its name is part of theirs).
pub async fn account_renamed(ex: Ex<'_>, account_id: i64) -> TubeResult<()> {
    Ok(sstore::reindex_channels_of_account(ex, account_id).await?)
}

/// Indexes what is not indexed yet, a batch at a time; how many rows it indexed.
pub async fn backfill(tube: &Tube) -> TubeResult<usize> {
    const BATCH: i64 = 200;
    let mut done = 0;
    loop {
        let (videos, channels, playlists) = {
            let mut c = tube.store.read().await?;
            (
                sstore::unindexed_videos(c.ex(), BATCH).await?,
                sstore::unindexed_channels(c.ex(), BATCH).await?,
                ruche_store::playlists::unindexed(c.ex(), BATCH).await?,
            )
        };
        if videos.is_empty() && channels.is_empty() && playlists.is_empty() {
            return Ok(done);
        }
        let mut tx = tube.store.begin().await?;
        for id in &videos {
            index_video(tube, tx.ex(), *id).await?;
        }
        for id in &channels {
            index_channel(tx.ex(), *id).await?;
        }
        for id in &playlists {
            index_playlist(tx.ex(), *id).await?;
        }
        tx.commit().await?;
        done += videos.len() + channels.len() + playlists.len();
    }
}

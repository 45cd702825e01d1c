//! Search: videos and channels by words over the index ([`crate::index`] keeps it), or one
//! object by its URL or handle, fetched through federation for a user of this instance.

use crate::{Tube, TubeResult};
use ruche_store::search as sstore;
use ruche_store::videos as vstore;

/// The longest search text read (the rest is cut: no more words than [`ruche_domain::search::MAX_QUERY_WORDS`]
/// are used anyway).
pub const MAX_SEARCH_CHARS: usize = 250;

/// What is searched for: words, or (PeerTube's "search by URL") one object named by its URL or
/// handle.
enum Asked<'a> {
    Words(Vec<ruche_domain::search::QueryWord>),
    Url(&'a str),
    Handle(&'a str),
}

fn asked(text: &str) -> Asked<'_> {
    let text = ruche_domain::text::prefix_chars(text.trim(), MAX_SEARCH_CHARS);
    if text.starts_with("https://") || text.starts_with("http://") {
        return Asked::Url(text);
    }
    let handle = text.strip_prefix('@').unwrap_or(text);
    if !handle.contains(char::is_whitespace)
        && let Some((name, host)) = handle.split_once('@')
        && !name.is_empty()
        && host.contains('.')
    {
        return Asked::Handle(handle);
    }
    Asked::Words(ruche_domain::search::query(text))
}

/// Whether `viewer` may have an object fetched from another instance by searching its URL or
/// handle: users of this instance may, anonymous visitors only find what is known here already
/// (PeerTube's `search.remote_uri` defaults).
fn may_fetch(viewer: Option<&ruche_store::users::User>) -> bool {
    viewer.is_some()
}

/// Videos matching `text` that `viewer` may see listed, as `f` filters and sorts them; or the
/// one video a URL names (ours, one known here, or, for a user, fetched from its instance).
pub async fn videos(
    tube: &Tube,
    viewer: Option<&ruche_store::users::User>,
    text: &str,
    f: vstore::ListFilter,
) -> TubeResult<(Vec<vstore::Video>, i64)> {
    match asked(text) {
        Asked::Words(words) if words.is_empty() => {
            crate::videos::list_public(tube, viewer, f).await
        }
        Asked::Words(words) => {
            let f = vstore::ListFilter { search: words, ..f };
            crate::videos::list_public(tube, viewer, f).await
        }
        Asked::Url(url) => Ok(match video_by_url(tube, viewer, url).await {
            Some(v) => (vec![v], 1),
            None => (Vec::new(), 0),
        }),
        Asked::Handle(_) => Ok((Vec::new(), 0)),
    }
}

/// The video a URL names, if `viewer` may see it: ours by its watch URL or id, another
/// instance's by its ActivityPub id or watch URL (fetched for a user of this instance).
async fn video_by_url(
    tube: &Tube,
    viewer: Option<&ruche_store::users::User>,
    url: &str,
) -> Option<vstore::Video> {
    let base = ruche_domain::urls::base(&tube.settings.public_url);
    if let Some(rest) = url.strip_prefix(base) {
        let id = rest
            .strip_prefix("/videos/watch/")
            .or_else(|| rest.strip_prefix("/w/"))?
            .split(['?', '#', '/'])
            .next()?;
        return crate::videos::find_visible(tube, id, viewer).await.ok();
    }
    let known = {
        let mut c = tube.store.read().await.ok()?;
        vstore::by_url(c.ex(), url).await.ok()?
    };
    let v = match known {
        Some(v) => v,
        None if may_fetch(viewer) => match crate::federation::remote::video(tube, url).await {
            Ok(v) => v,
            Err(e) => {
                tracing::info!("search: {url} could not be fetched: {e}");
                return None;
            }
        },
        None => return None,
    };
    crate::videos::find_visible(tube, &v.uuid, viewer)
        .await
        .ok()
}

/// Channels matching `text`, best first, and how many match; or the one channel a handle or URL
/// names (ours, one known here, or, for a user, fetched from its instance).
pub async fn channels(
    tube: &Tube,
    viewer: Option<&ruche_store::users::User>,
    text: &str,
    start: i64,
    count: i64,
) -> TubeResult<(Vec<ruche_store::users::Channel>, i64)> {
    let one = |ch: Option<ruche_store::users::Channel>| match ch {
        Some(ch) => (vec![ch], 1),
        None => (Vec::new(), 0),
    };
    match asked(text) {
        Asked::Words(words) => {
            let mut c = tube.store.read().await?;
            Ok(sstore::channels(c.ex(), &words, start, count).await?)
        }
        Asked::Handle(handle) => {
            if let Ok(ch) = crate::channels::by_handle(tube, handle).await {
                return Ok(one(Some(ch)));
            }
            if !may_fetch(viewer) {
                return Ok(one(None));
            }
            let found = async {
                let url = crate::federation::remote::webfinger(tube, handle).await?;
                channel_by_actor(tube, &url).await
            }
            .await;
            Ok(one(found.unwrap_or_else(|e| {
                tracing::info!("search: {handle} could not be found: {e}");
                None
            })))
        }
        Asked::Url(url) => {
            let base = ruche_domain::urls::base(&tube.settings.public_url);
            if let Some(rest) = url.strip_prefix(base) {
                let name = rest
                    .strip_prefix("/video-channels/")
                    .or_else(|| rest.strip_prefix("/c/"))
                    .and_then(|n| n.split(['/', '?', '#']).next());
                return Ok(one(match name {
                    Some(n) => crate::channels::by_handle(tube, n).await.ok(),
                    None => None,
                }));
            }
            let known = {
                let mut c = tube.store.read().await?;
                ruche_store::federation::actor_by_url(c.ex(), url).await?
            };
            if known.is_none() && !may_fetch(viewer) {
                return Ok(one(None));
            }
            Ok(one(channel_by_actor(tube, url).await.unwrap_or_else(|e| {
                tracing::info!("search: {url} could not be found: {e}");
                None
            })))
        }
    }
}

/// The channel of another instance's actor, fetched if need be; `None` if the actor is no
/// channel.
async fn channel_by_actor(
    tube: &Tube,
    url: &str,
) -> TubeResult<Option<ruche_store::users::Channel>> {
    let a = crate::federation::remote::actor(tube, url).await?;
    let Some(id) = a.channel_id else {
        return Ok(None);
    };
    let mut c = tube.store.read().await?;
    Ok(ruche_store::users::channel_by_id(c.ex(), id).await?)
}

//! Playlists as PeerTube has them: made by a user (in one of their channels, or none while
//! private or unlisted), public, unlisted or private, each element a video between two times;
//! every user's "Watch later"; who may see, change and fill which. Every change to a playlist
//! other instances know of stores its `Create`, `Update` or `Delete` in the same transaction
//! (`federation::playlists`).

use crate::accounts::User;
use crate::editing::{PictureKind, drop_later, int, present, text, write_picture};
use crate::{Tube, TubeError, TubeResult};
use ruche_domain::ids::VideoRef;
use ruche_domain::playlist::{
    DESCRIPTION_CHARS, ElementType, MAX_ELEMENTS, MAX_PER_USER, NAME_CHARS, PlaylistKind,
    PlaylistPrivacy,
};
use ruche_domain::video::{Privacy, VideoState};
use ruche_store::playlists::{self as pstore, PlaylistFields};
use ruche_store::videos::{self as vstore, Video};
use ruche_store::{Ex, now_ms};
use serde_json::Value;

pub use crate::playback::{
    playlist_thumbnail as thumbnail_of, playlist_thumbnails as thumbnails_of,
};
pub use ruche_store::playlists::{Element, ListFilter, Placement, Playlist, Sort};

/// What a create or an update says (PeerTube's `displayName`, `description`, `privacy`,
/// `videoChannelId`); `None`: not said (an update keeps the value).
#[derive(Debug, Clone, Default)]
pub struct PlaylistInput {
    pub display_name: Option<String>,
    /// `Some("")` clears it.
    pub description: Option<String>,
    pub privacy: Option<i64>,
    /// `Some(None)`: in no channel.
    pub channel_id: Option<Option<i64>>,
}

/// A playlist's fields as PeerTube's API sends them (JSON, a form or multipart's text).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlaylistBody {
    #[serde(default, deserialize_with = "present")]
    pub display_name: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub description: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub privacy: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub video_channel_id: Option<Value>,
}

impl PlaylistBody {
    /// What it says, its values checked for their types.
    pub fn input(&self) -> TubeResult<PlaylistInput> {
        let name = match &self.display_name {
            None => None,
            Some(v) => Some(text(v, "displayName")?.unwrap_or_default()),
        };
        let description = match &self.description {
            None => None,
            Some(v) => Some(text(v, "description")?.unwrap_or_default()),
        };
        let privacy = match &self.privacy {
            None => None,
            Some(v) => int(v, "privacy")?,
        };
        let channel_id = match &self.video_channel_id {
            None => None,
            Some(v) => Some(int(v, "videoChannelId")?),
        };
        Ok(PlaylistInput {
            display_name: name,
            description,
            privacy,
            channel_id,
        })
    }
}

/// An element as the API sends it (`videoId`, `startTimestamp`, `stopTimestamp`).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ElementBody {
    #[serde(default, deserialize_with = "present")]
    pub video_id: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub start_timestamp: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub stop_timestamp: Option<Value>,
}

impl ElementBody {
    /// The video named (an id, a UUID or a short UUID), if any.
    pub fn video(&self) -> TubeResult<String> {
        match &self.video_id {
            Some(Value::Number(n)) => Ok(n.to_string()),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
            _ => Err(TubeError::BadRequest(
                "Incorrect request parameters: videoId".into(),
            )),
        }
    }
    /// Its start and stop, in seconds.
    pub fn times(&self) -> TubeResult<(Option<i64>, Option<i64>)> {
        let t = |v: &Option<Value>, name: &str| match v {
            None => Ok(None),
            Some(v) => int(v, name),
        };
        Ok((
            t(&self.start_timestamp, "startTimestamp")?,
            t(&self.stop_timestamp, "stopTimestamp")?,
        ))
    }
}

/// A reorder as the API sends it.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReorderBody {
    #[serde(default, deserialize_with = "present")]
    pub start_position: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub insert_after_position: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub reorder_length: Option<Value>,
}

impl ReorderBody {
    /// Start, after and length (PeerTube requires the first two).
    pub fn positions(&self) -> TubeResult<(i64, i64, Option<i64>)> {
        let need = |v: &Option<Value>, name: &str| {
            v.as_ref()
                .map(|v| int(v, name))
                .transpose()?
                .flatten()
                .ok_or_else(|| {
                    TubeError::BadRequest(format!("Incorrect request parameters: {name}"))
                })
        };
        let length = match &self.reorder_length {
            None => None,
            Some(v) => int(v, "reorderLength")?,
        };
        Ok((
            need(&self.start_position, "startPosition")?,
            need(&self.insert_after_position, "insertAfterPosition")?,
            length,
        ))
    }
}

/// The account of a user.
async fn account_id(tube: &Tube, user: &User) -> TubeResult<i64> {
    let mut c = tube.store.read().await?;
    Ok(ruche_store::users::account_of_user(c.ex(), user.id)
        .await?
        .id)
}

/// Checks `input` over `base` (a playlist's fields, or the defaults of a new one).
async fn checked(
    tube: &Tube,
    user: &User,
    base: PlaylistFields,
    input: &PlaylistInput,
) -> TubeResult<PlaylistFields> {
    let mut f = base;
    if let Some(name) = &input.display_name {
        let name = name.trim();
        if !NAME_CHARS.contains(&name.chars().count()) {
            return Err(TubeError::BadRequest(
                "Incorrect request parameters: displayName (1 to 120 characters)".into(),
            ));
        }
        f.name = name.to_string();
    }
    if let Some(d) = &input.description {
        let d = d.trim();
        f.description = if d.is_empty() {
            None
        } else if DESCRIPTION_CHARS.contains(&d.chars().count()) {
            Some(d.to_string())
        } else {
            return Err(TubeError::BadRequest(
                "Incorrect request parameters: description (3 to 1000 characters)".into(),
            ));
        };
    }
    if let Some(p) = input.privacy {
        f.privacy = PlaylistPrivacy::try_from(p).map_err(|_| {
            TubeError::BadRequest(
                "Incorrect request parameters: privacy (1 public, 2 unlisted, 3 private)".into(),
            )
        })?;
    }
    if let Some(ch) = input.channel_id {
        if let Some(id) = ch {
            // Only one of the user's own channels.
            crate::channels::owned(tube, user, id)
                .await
                .map_err(|e| match e {
                    TubeError::NotFound(_) => TubeError::NotFound("video channel"),
                    other => other,
                })?;
        }
        f.channel_id = ch;
    }
    if f.privacy == PlaylistPrivacy::Public && f.channel_id.is_none() {
        return Err(TubeError::BadRequest(
            "Cannot set \"public\" a playlist that is not assigned to a channel.".into(),
        ));
    }
    Ok(f)
}

/// Creates a playlist of `user`'s, with its thumbnail if one is sent.
pub async fn create(
    tube: &Tube,
    user: &User,
    input: PlaylistInput,
    thumbnail: Option<Vec<u8>>,
) -> TubeResult<Playlist> {
    if input.display_name.is_none() {
        return Err(TubeError::BadRequest(
            "Incorrect request parameters: displayName (1 to 120 characters)".into(),
        ));
    }
    let fields = checked(tube, user, PlaylistFields::default(), &input).await?;
    let account = account_id(tube, user).await?;
    let picture = match thumbnail {
        Some(bytes) => Some(write_picture(tube, PictureKind::Thumbnail, bytes).await?),
        None => None,
    };
    let made = async {
        let mut tx = tube.store.begin().await?;
        if pstore::count_of_account(tx.ex(), account).await? >= MAX_PER_USER {
            return Err(TubeError::BadRequest(format!(
                "You have {MAX_PER_USER} playlists already, the most one may have."
            )));
        }
        let uuid = uuid::Uuid::new_v4().to_string();
        let id = pstore::insert(
            tx.ex(),
            &uuid,
            account,
            PlaylistKind::Regular,
            &fields,
            None,
            now_ms(),
        )
        .await?;
        if let Some(name) = &picture {
            pstore::set_thumbnail(tx.ex(), id, Some(name)).await?;
        }
        crate::index::index_playlist(tx.ex(), id).await?;
        let p = pstore::by_id(tx.ex(), id)
            .await?
            .ok_or(TubeError::NotFound("video playlist"))?;
        crate::federation::playlists::changed(tx.ex(), tube, None, &p).await?;
        tx.commit().await?;
        Ok(p)
    }
    .await;
    settle(tube, made, picture, None)
}

/// After a change with a picture: wakes the delivery worker, removes the picture that lost its
/// place (the replaced one on success, the new one on failure).
fn settle<T>(
    tube: &Tube,
    result: TubeResult<T>,
    new: Option<String>,
    old: Option<String>,
) -> TubeResult<T> {
    match &result {
        Ok(_) => {
            tube.deliveries_ready.notify_waiters();
            if new.is_some()
                && let Some(old) = old
            {
                drop_later(tube, PictureKind::Thumbnail, old);
            }
        }
        Err(_) => {
            if let Some(new) = new {
                drop_later(tube, PictureKind::Thumbnail, new);
            }
        }
    }
    result
}

/// A playlist by its number, UUID or short UUID.
pub async fn find(tube: &Tube, r: &str) -> TubeResult<Playlist> {
    let r = VideoRef::parse(r).ok_or_else(|| {
        TubeError::BadRequest(
            "Incorrect request parameters: playlistId (an id, a short UUID or a UUID)".into(),
        )
    })?;
    let mut c = tube.store.read().await?;
    let p = match r {
        VideoRef::Id(id) => pstore::by_id(c.ex(), id).await?,
        VideoRef::Uuid(u) => pstore::by_uuid(c.ex(), &u.to_string()).await?,
    };
    p.ok_or(TubeError::NotFound("video playlist"))
}

fn owns(p: &Playlist, user: Option<&User>) -> bool {
    user.is_some_and(|u| p.user_id == Some(u.id))
}

/// A playlist `user` may see: a private one only its owner (and moderators), 403 to others as
/// PeerTube answers; an unlisted one by its UUID (its number would let anyone count through
/// them), as videos.
pub async fn find_visible(tube: &Tube, r: &str, user: Option<&User>) -> TubeResult<Playlist> {
    let p = find(tube, r).await?;
    let moderator = user.is_some_and(|u| u.role.can_moderate());
    match p.privacy {
        PlaylistPrivacy::Private if !owns(&p, user) && !moderator => Err(TubeError::Forbidden(
            "Cannot get this private video playlist.".into(),
        )),
        PlaylistPrivacy::Unlisted
            if crate::videos::by_number(r) && !owns(&p, user) && !moderator =>
        {
            Err(TubeError::NotFound("video playlist"))
        }
        _ => Ok(p),
    }
}

/// A playlist `user` may change: their own, never another instance's.
async fn managed(tube: &Tube, user: &User, r: &str) -> TubeResult<Playlist> {
    let p = find(tube, r).await?;
    if !owns(&p, Some(user)) || !p.is_local() {
        return Err(TubeError::Forbidden(
            "Cannot manage video playlist of another user".into(),
        ));
    }
    Ok(p)
}

/// Changes a playlist's fields and, if sent, its thumbnail. "Watch later" cannot be changed.
pub async fn update(
    tube: &Tube,
    user: &User,
    r: &str,
    input: PlaylistInput,
    thumbnail: Option<Vec<u8>>,
) -> TubeResult<()> {
    let p = managed(tube, user, r).await?;
    if p.kind == PlaylistKind::WatchLater {
        return Err(TubeError::BadRequest(
            "Cannot update a watch later playlist.".into(),
        ));
    }
    let base = PlaylistFields {
        name: p.name.clone(),
        description: p.description.clone(),
        privacy: p.privacy,
        channel_id: p.channel_id,
    };
    let fields = checked(tube, user, base, &input).await?;
    let picture = match thumbnail {
        Some(bytes) => Some(write_picture(tube, PictureKind::Thumbnail, bytes).await?),
        None => None,
    };
    let done = async {
        let mut tx = tube.store.begin().await?;
        pstore::update(tx.ex(), p.id, &fields, now_ms()).await?;
        if let Some(name) = &picture {
            pstore::set_thumbnail(tx.ex(), p.id, Some(name)).await?;
        }
        crate::index::index_playlist(tx.ex(), p.id).await?;
        changed_in(tx.ex(), tube, &p).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    settle(tube, done, picture, p.thumbnail_filename.clone())
}

/// Tells other instances what became of `before` (read again in the transaction).
async fn changed_in(mut ex: Ex<'_>, tube: &Tube, before: &Playlist) -> TubeResult<()> {
    let after = pstore::by_id(ex.reborrow(), before.id)
        .await?
        .ok_or(TubeError::NotFound("video playlist"))?;
    crate::federation::playlists::changed(ex, tube, Some(before), &after).await
}

/// Deletes a playlist: its owner, or a moderator. "Watch later" stays.
pub async fn delete(tube: &Tube, user: &User, r: &str) -> TubeResult<()> {
    let p = find(tube, r).await?;
    if !owns(&p, Some(user)) && !user.role.can_moderate() {
        return Err(TubeError::Forbidden(
            "Cannot manage video playlist of another user".into(),
        ));
    }
    if p.kind == PlaylistKind::WatchLater {
        return Err(TubeError::BadRequest(
            "Cannot delete a watch later playlist.".into(),
        ));
    }
    let mut tx = tube.store.begin().await?;
    if p.is_local() {
        crate::federation::playlists::deleted(tx.ex(), tube, &p).await?;
    }
    pstore::delete(tx.ex(), p.id).await?;
    tx.commit().await?;
    tube.deliveries_ready.notify_waiters();
    if let Some(old) = p.thumbnail_filename {
        drop_later(tube, PictureKind::Thumbnail, old);
    }
    Ok(())
}

/// A user's "Watch later", made the first time it is asked for.
pub async fn watch_later(tube: &Tube, user: &User) -> TubeResult<Playlist> {
    let account = account_id(tube, user).await?;
    {
        let mut c = tube.store.read().await?;
        if let Some(p) = pstore::watch_later_of(c.ex(), account).await? {
            return Ok(p);
        }
    }
    let mut tx = tube.store.begin().await?;
    if let Some(p) = pstore::watch_later_of(tx.ex(), account).await? {
        return Ok(p);
    }
    let fields = PlaylistFields {
        name: "Watch later".into(),
        description: None,
        privacy: PlaylistPrivacy::Private,
        channel_id: None,
    };
    let uuid = uuid::Uuid::new_v4().to_string();
    let id = pstore::insert(
        tx.ex(),
        &uuid,
        account,
        PlaylistKind::WatchLater,
        &fields,
        None,
        now_ms(),
    )
    .await?;
    crate::index::index_playlist(tx.ex(), id).await?;
    let p = pstore::by_id(tx.ex(), id)
        .await?
        .ok_or(TubeError::NotFound("video playlist"))?;
    tx.commit().await?;
    Ok(p)
}

/// The instance's public playlists (ours, and those of actors followed from here).
pub async fn list_public(tube: &Tube, f: ListFilter) -> TubeResult<(Vec<Playlist>, i64)> {
    let f = ListFilter {
        public_only: true,
        ..f
    };
    let mut c = tube.store.read().await?;
    Ok(pstore::list(c.ex(), &f).await?)
}

/// An account's playlists as `viewer` sees them: all of them for their owner (their "Watch
/// later" made if missing), public ones for anyone else.
pub async fn list_of_account(
    tube: &Tube,
    viewer: Option<&User>,
    account: &crate::accounts::Account,
    f: ListFilter,
) -> TubeResult<(Vec<Playlist>, i64)> {
    let own = viewer.is_some_and(|u| account.user_id == Some(u.id));
    if own && let Some(u) = viewer {
        watch_later(tube, u).await?;
    }
    let f = ListFilter {
        public_only: !own,
        account_id: Some(account.id),
        ..f
    };
    let mut c = tube.store.read().await?;
    Ok(pstore::list(c.ex(), &f).await?)
}

/// A channel's public playlists (all of them for its owner).
pub async fn list_of_channel(
    tube: &Tube,
    viewer: Option<&User>,
    channel: &crate::accounts::Channel,
    owner: &crate::accounts::Account,
    f: ListFilter,
) -> TubeResult<(Vec<Playlist>, i64)> {
    let own = viewer.is_some_and(|u| owner.user_id == Some(u.id));
    let f = ListFilter {
        public_only: !own,
        channel_id: Some(channel.id),
        ..f
    };
    let mut c = tube.store.read().await?;
    Ok(pstore::list(c.ex(), &f).await?)
}

/// Public playlists whose names match `words`, best first.
pub async fn search(
    tube: &Tube,
    words: Vec<ruche_domain::search::QueryWord>,
    f: ListFilter,
) -> TubeResult<(Vec<Playlist>, i64)> {
    if words.is_empty() {
        return Ok((Vec::new(), 0));
    }
    list_public(tube, ListFilter { search: words, ..f }).await
}

/// An element as a viewer sees it: its video when they may watch it, else why not.
#[derive(Debug, Clone)]
pub struct ElementView {
    pub element: Element,
    pub kind: ElementType,
    pub video: Option<Video>,
}

/// What an element shows `user` (PeerTube's `getType`): the owner of the video and, for an
/// internal one, any user of the instance see it; private, internal and password-protected
/// videos are "private" to others; one not published (yet), or blocked, is "unavailable".
fn element_type(video: Option<&Video>, user: Option<&User>) -> ElementType {
    let Some(v) = video else {
        return ElementType::Deleted;
    };
    let owner = user.is_some_and(|u| v.user_id == Some(u.id));
    if owner {
        return ElementType::Regular;
    }
    if v.state != VideoState::Published || v.is_blocked() {
        return ElementType::Unavailable;
    }
    match v.privacy {
        Privacy::Internal if user.is_some() => ElementType::Regular,
        Privacy::Private | Privacy::Internal | Privacy::PasswordProtected => ElementType::Private,
        Privacy::Public | Privacy::Unlisted => ElementType::Regular,
    }
}

/// A page of a playlist's elements as `user` sees them, and how many it has.
pub async fn elements(
    tube: &Tube,
    user: Option<&User>,
    r: &str,
    start: i64,
    count: i64,
) -> TubeResult<(Playlist, Vec<ElementView>, i64)> {
    let p = find_visible(tube, r, user).await?;
    let mut c = tube.store.read().await?;
    let (rows, total) = pstore::elements(c.ex(), p.id, start, count).await?;
    let ids: Vec<i64> = rows.iter().filter_map(|e| e.video_id).collect();
    let videos = vstore::by_ids(c.ex(), &ids).await?;
    let views = rows
        .into_iter()
        .map(|e| {
            let video = e
                .video_id
                .and_then(|id| videos.iter().find(|v| v.id == id).cloned());
            let kind = element_type(video.as_ref(), user);
            ElementView {
                video: video.filter(|_| kind == ElementType::Regular),
                kind,
                element: e,
            }
        })
        .collect();
    Ok((p, views, total))
}

/// Checks an element's start and stop (seconds, within the video when its length is known).
fn check_times(video: &Video, start: Option<i64>, stop: Option<i64>) -> TubeResult<()> {
    let bad = |what: &str| {
        TubeError::BadRequest(format!(
            "Incorrect request parameters: {what} (a whole number of seconds within the video)"
        ))
    };
    let within = |t: i64| t >= 0 && (video.duration <= 0 || t <= video.duration);
    if let Some(s) = start
        && !within(s)
    {
        return Err(bad("startTimestamp"));
    }
    if let Some(s) = stop
        && !within(s)
    {
        return Err(bad("stopTimestamp"));
    }
    if let (Some(a), Some(b)) = (start, stop)
        && b <= a
    {
        return Err(bad("stopTimestamp"));
    }
    Ok(())
}

/// Adds a video `user` may see at the end of their playlist; returns the element's id.
pub async fn add_video(
    tube: &Tube,
    user: &User,
    r: &str,
    video: &str,
    start: Option<i64>,
    stop: Option<i64>,
) -> TubeResult<i64> {
    let p = managed(tube, user, r).await?;
    let v = crate::videos::find_visible(tube, video, Some(user)).await?;
    check_times(&v, start, stop)?;
    let mut tx = tube.store.begin().await?;
    let (_, total) = pstore::elements(tx.ex(), p.id, 0, 0).await?;
    if total >= MAX_ELEMENTS {
        return Err(TubeError::BadRequest(format!(
            "A playlist holds at most {MAX_ELEMENTS} videos."
        )));
    }
    let id = pstore::add_element(tx.ex(), p.id, v.id, start, stop).await?;
    pstore::touch(tx.ex(), p.id).await?;
    changed_in(tx.ex(), tube, &p).await?;
    tx.commit().await?;
    tube.deliveries_ready.notify_waiters();
    Ok(id)
}

/// An element of one of `user`'s playlists.
async fn managed_element(
    tube: &Tube,
    user: &User,
    r: &str,
    element: i64,
) -> TubeResult<(Playlist, Element)> {
    let p = managed(tube, user, r).await?;
    let mut c = tube.store.read().await?;
    let e = pstore::element(c.ex(), p.id, element)
        .await?
        .ok_or(TubeError::NotFound("video playlist element"))?;
    Ok((p, e))
}

/// Sets when an element starts and stops.
pub async fn update_element(
    tube: &Tube,
    user: &User,
    r: &str,
    element: i64,
    start: Option<i64>,
    stop: Option<i64>,
) -> TubeResult<()> {
    let (p, e) = managed_element(tube, user, r, element).await?;
    if let Some(id) = e.video_id {
        let v = {
            let mut c = tube.store.read().await?;
            vstore::by_id(c.ex(), id).await?
        };
        if let Some(v) = v {
            check_times(&v, start, stop)?;
        }
    }
    let mut tx = tube.store.begin().await?;
    pstore::set_element_times(tx.ex(), p.id, e.id, start, stop).await?;
    pstore::touch(tx.ex(), p.id).await?;
    changed_in(tx.ex(), tube, &p).await?;
    tx.commit().await?;
    tube.deliveries_ready.notify_waiters();
    Ok(())
}

/// Removes an element from a playlist.
pub async fn remove_element(tube: &Tube, user: &User, r: &str, element: i64) -> TubeResult<()> {
    let (p, e) = managed_element(tube, user, r, element).await?;
    let mut tx = tube.store.begin().await?;
    pstore::remove_element(tx.ex(), p.id, e.id).await?;
    pstore::touch(tx.ex(), p.id).await?;
    changed_in(tx.ex(), tube, &p).await?;
    tx.commit().await?;
    tube.deliveries_ready.notify_waiters();
    Ok(())
}

/// Moves `length` elements from position `start` to after position `after` (0: the top), as
/// PeerTube's `reorder`.
pub async fn reorder(
    tube: &Tube,
    user: &User,
    r: &str,
    start: i64,
    after: i64,
    length: Option<i64>,
) -> TubeResult<()> {
    let p = managed(tube, user, r).await?;
    let length = length.unwrap_or(1);
    let n = p.videos_length;
    let bad = |what: &str| {
        TubeError::BadRequest(format!(
            "Incorrect request parameters: {what} (a position in the playlist, which has {n} videos)"
        ))
    };
    if start < 1 || start > n {
        return Err(bad("startPosition"));
    }
    if after < 0 || after > n {
        return Err(bad("insertAfterPosition"));
    }
    if length < 1 || start + length - 1 > n {
        return Err(bad("reorderLength"));
    }
    if after >= start && after < start + length {
        // Into itself: nothing moves.
        return Ok(());
    }
    let mut tx = tube.store.begin().await?;
    pstore::reorder(tx.ex(), p.id, start, after, length).await?;
    pstore::touch(tx.ex(), p.id).await?;
    changed_in(tx.ex(), tube, &p).await?;
    tx.commit().await?;
    tube.deliveries_ready.notify_waiters();
    Ok(())
}

/// Moves one element a place up or down (the pages' ↑ and ↓), reading that element only; at
/// the top or the bottom it stays.
pub async fn move_element(
    tube: &Tube,
    user: &User,
    r: &str,
    element: i64,
    up: bool,
) -> TubeResult<()> {
    let (p, e) = managed_element(tube, user, r, element).await?;
    let at = e.position;
    // Up: after the one two places above; down: after the one below.
    let after = if up { at - 2 } else { at + 1 };
    if after < 0 || after > p.videos_length {
        return Ok(());
    }
    reorder(tube, user, r, at, after, Some(1)).await
}

/// Where each video of `video_ids` is in `user`'s playlists (PeerTube's `videos-exist`).
pub async fn videos_exist(
    tube: &Tube,
    user: &User,
    video_ids: &[i64],
) -> TubeResult<Vec<Placement>> {
    if video_ids.len() > 100 {
        return Err(TubeError::BadRequest(
            "Incorrect request parameters: videoIds (at most 100)".into(),
        ));
    }
    let account = account_id(tube, user).await?;
    let mut c = tube.store.read().await?;
    Ok(pstore::videos_exist(c.ex(), account, video_ids).await?)
}

//! Editing a video as PeerTube's `PUT /api/v1/videos/{id}` does: every field, a thumbnail or
//! preview chosen by its owner, its passwords, a scheduled publication, and what other
//! instances hear of the change (a `Create` when it becomes public, a `Delete` when it stops
//! being, an `Update` otherwise).

use crate::videos::{self, Video};
use crate::{Tube, TubeError, TubeResult};
use ruche_domain::time::now_ms;
use ruche_domain::video::{CommentsPolicy, Privacy, VideoState, Viewer};
use ruche_store::Ex;
use ruche_store::users::User;
use ruche_store::videos::{self as vstore, Schedule, VideoEdit};
use serde::Deserialize;
use serde_json::Value;

/// The job that carries out a scheduled update when its time comes.
pub const SCHEDULE_JOB: &str = "publish-scheduled";

/// An edit as a client sends it: JSON, a form or multipart text fields. Every field is
/// optional (absent: unchanged); a nullable one is cleared by `null` or, in a form, by an empty
/// value. Values are read from JSON's types or from a form's text alike.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoUpdate {
    #[serde(default, deserialize_with = "present")]
    pub name: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub channel_id: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub privacy: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub description: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub support: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub category: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub licence: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub language: Option<Value>,
    pub tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    pub nsfw: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub nsfw_flags: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub nsfw_summary: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub comments_enabled: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub comments_policy: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub download_enabled: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub wait_transcoding: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub originally_published_at: Option<Value>,
    /// `{"updateAt": date, "privacy": 1 | 2 | 4}`, or `null` to cancel the schedule.
    #[serde(default, deserialize_with = "present")]
    pub schedule_update: Option<Value>,
    /// The same, as a form writes it.
    #[serde(rename = "scheduleUpdate[updateAt]")]
    pub schedule_update_at: Option<String>,
    #[serde(rename = "scheduleUpdate[privacy]")]
    pub schedule_update_privacy: Option<String>,
    pub video_passwords: Option<Vec<String>>,
}

/// A field that is there, even as `null`, is `Some` (`null` included); absent, `None`.
pub(crate) fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

fn bad(field: &str) -> TubeError {
    TubeError::BadRequest(format!("Incorrect request parameters: {field}"))
}

/// A number, from JSON or from a form's text; `null` and an empty text are `None`.
pub(crate) fn int(v: &Value, field: &str) -> TubeResult<Option<i64>> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => n.as_i64().map(Some).ok_or_else(|| bad(field)),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => s.trim().parse().map(Some).map_err(|_| bad(field)),
        _ => Err(bad(field)),
    }
}

/// A boolean, from JSON or from a form's text (`true`/`false`, `1`/`0`, `on`).
pub(crate) fn boolean(v: &Value, field: &str) -> TubeResult<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) => match s.as_str() {
            "true" | "1" | "on" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err(bad(field)),
        },
        Value::Number(n) if n.as_i64() == Some(1) => Ok(true),
        Value::Number(n) if n.as_i64() == Some(0) => Ok(false),
        _ => Err(bad(field)),
    }
}

/// A text; `null` and an empty (or blank) text are `None`.
pub(crate) fn text(v: &Value, field: &str) -> TubeResult<Option<String>> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(bad(field)),
    }
}

/// A date (ISO 8601 / RFC 3339, as PeerTube takes it) in unix milliseconds; `null` and an empty
/// text are `None`.
pub(crate) fn date(v: &Value, field: &str) -> TubeResult<Option<i64>> {
    match text(v, field)? {
        None => Ok(None),
        Some(s) => ruche_domain::time::parse_date(&s)
            .map(Some)
            .ok_or_else(|| bad(field)),
    }
}

/// The privacy a scheduled update may give: public, unlisted or internal (as PeerTube).
fn schedule_privacy(p: Option<i64>) -> TubeResult<Option<Privacy>> {
    match p {
        None => Ok(None),
        Some(id) => match Privacy::try_from(id) {
            Ok(p @ (Privacy::Public | Privacy::Unlisted | Privacy::Internal)) => Ok(Some(p)),
            _ => Err(TubeError::BadRequest(
                "A scheduled update makes a video public, unlisted or internal.".into(),
            )),
        },
    }
}

/// A schedule as asked: `Some(None)` cancels it, `Some(Some(..))` sets it, `None` leaves it.
fn asked_schedule(u: &VideoUpdate) -> TubeResult<Option<Option<Schedule>>> {
    let (at, privacy) = match (&u.schedule_update, &u.schedule_update_at) {
        (Some(Value::Null), None) => return Ok(Some(None)),
        (Some(Value::Object(o)), _) => (
            o.get("updateAt").cloned().unwrap_or(Value::Null),
            o.get("privacy").cloned().unwrap_or(Value::Null),
        ),
        (Some(_), None) => return Err(bad("scheduleUpdate")),
        (_, Some(at)) => (
            Value::String(at.clone()),
            u.schedule_update_privacy
                .clone()
                .map(Value::String)
                .unwrap_or(Value::Null),
        ),
        (None, None) => return Ok(None),
    };
    let update_at = date(&at, "scheduleUpdate.updateAt")?.ok_or_else(|| {
        TubeError::BadRequest("A scheduled update needs its date (updateAt).".into())
    })?;
    let privacy = schedule_privacy(int(&privacy, "scheduleUpdate.privacy")?)?;
    Ok(Some(Some(Schedule {
        update_at,
        privacy: privacy.map(Privacy::id),
    })))
}

/// Which of a video's pictures a file replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PictureKind {
    /// `thumbnailfile`: the small picture of lists (280×157).
    Thumbnail,
    /// `previewfile`: the large one shown before playback (850×480).
    Preview,
}

impl PictureKind {
    /// The multipart field PeerTube reads it from.
    pub fn field(self) -> &'static str {
        match self {
            PictureKind::Thumbnail => "thumbnailfile",
            PictureKind::Preview => "previewfile",
        }
    }
    pub fn from_field(name: &str) -> Option<PictureKind> {
        [PictureKind::Thumbnail, PictureKind::Preview]
            .into_iter()
            .find(|k| k.field() == name)
    }
    fn size(self) -> (u32, u32) {
        match self {
            PictureKind::Thumbnail => ruche_media::THUMBNAIL_SIZE,
            PictureKind::Preview => ruche_media::PREVIEW_SIZE,
        }
    }
}

/// The largest picture file an edit takes (PeerTube's `VIDEOS.IMAGE.FILE_SIZE`: 8 MB).
pub const MAX_PICTURE_BYTES: usize = 8 * 1024 * 1024;

/// Checks and applies an edit of a video by `user` (its owner, or a moderator), with the
/// pictures sent along (at most one of each kind). Nothing is changed unless everything is
/// valid.
pub async fn update(
    tube: &Tube,
    user: &User,
    r: &str,
    u: VideoUpdate,
    pictures: Vec<(PictureKind, Vec<u8>)>,
) -> TubeResult<()> {
    let v = managed(tube, user, r).await?;
    let mut e = VideoEdit::of(&v);
    apply(tube, &v, &u, &mut e).await?;
    let passwords = match (&u.video_passwords, e.privacy) {
        (Some(list), Privacy::PasswordProtected) => Some(videos::check_passwords(list)?),
        (None, Privacy::PasswordProtected) if v.privacy != Privacy::PasswordProtected => {
            return Err(TubeError::BadRequest(
                "A password-protected video needs at least one password (videoPasswords).".into(),
            ));
        }
        (_, Privacy::PasswordProtected) => None,
        // No longer password-protected: its passwords go.
        (_, _) if v.privacy == Privacy::PasswordProtected => Some(Vec::new()),
        _ => None,
    };
    let schedule = asked_schedule(&u)?;
    if let Some(Some(s)) = schedule {
        // Dated when it comes out, as PeerTube shows it meanwhile.
        e.published_at = Some(s.update_at);
    }
    // Pictures are made before anything is written: a picture that cannot be read changes
    // nothing.
    let mut made: Vec<(PictureKind, String)> = Vec::new();
    for (kind, bytes) in pictures {
        made.push((kind, write_picture(tube, kind, bytes).await?));
    }
    let result = async {
        let mut tx = tube.store.begin().await?;
        let before = crate::federation::outbox::federated(tube, &v);
        if let Some(None) = schedule
            && vstore::delete_schedule(tx.ex(), v.id).await?
        {
            // A cancelled schedule publishes the video now (as PeerTube dates it).
            e.published_at = Some(now_ms());
        }
        vstore::edit(tx.ex(), v.id, &e).await?;
        crate::index::index_video(tube, tx.ex(), v.id).await?;
        let pick = |k: PictureKind| made.iter().find(|(m, _)| *m == k).map(|(_, n)| n.as_str());
        vstore::set_pictures(
            tx.ex(),
            v.id,
            pick(PictureKind::Thumbnail),
            pick(PictureKind::Preview),
        )
        .await?;
        if let Some(list) = &passwords {
            vstore::replace_passwords(tx.ex(), v.id, list).await?;
        }
        if let Some(Some(s)) = schedule {
            set_schedule(tx.ex(), v.id, s).await?;
        }
        tell_others(tx.ex(), tube, &v, before).await?;
        tx.commit().await?;
        Ok::<_, TubeError>(())
    }
    .await;
    match result {
        Ok(()) => {
            tube.deliveries_ready.notify_waiters();
            tube.federation_ready.notify_one();
            // The pictures replaced are no longer named by anything.
            for (kind, _) in &made {
                let old = match kind {
                    PictureKind::Thumbnail => v.thumbnail_filename.clone(),
                    PictureKind::Preview => v.preview_filename.clone(),
                };
                if let Some(old) = old {
                    drop_later(tube, *kind, old);
                }
            }
            Ok(())
        }
        Err(err) => {
            for (kind, name) in made {
                drop_later(tube, kind, name);
            }
            Err(err)
        }
    }
}

/// Cuts a picture sent by a user to `kind`'s size as a JPEG and writes it under a new name,
/// returned; a file that is not a picture (or too large a one) is refused.
pub(crate) async fn write_picture(
    tube: &Tube,
    kind: PictureKind,
    bytes: Vec<u8>,
) -> TubeResult<String> {
    let limits = ruche_media::images::Limits {
        max_bytes: MAX_PICTURE_BYTES,
        ..ruche_media::images::Limits::default()
    };
    let jpeg = ruche_media::images::jpeg_cover_async(bytes, limits, kind.size()).await?;
    let name = format!("{}.jpg", uuid::Uuid::new_v4());
    let path = match kind {
        PictureKind::Thumbnail => tube.storage.thumbnail(&name),
        PictureKind::Preview => tube.storage.preview(&name),
    };
    crate::storage::write_atomic(&path, &jpeg).await?;
    Ok(name)
}

/// Removes a picture file no row names any more (a failure is only logged: the file is an
/// orphan the housekeeping can take).
pub(crate) fn drop_later(tube: &Tube, kind: PictureKind, name: String) {
    let path = match kind {
        PictureKind::Thumbnail => tube.storage.thumbnail(&name),
        PictureKind::Preview => tube.storage.preview(&name),
    };
    tokio::spawn(async move {
        if let Err(e) = crate::storage::remove_file_if_exists(&path).await {
            tracing::warn!("{}: not removed: {e}", path.display());
        }
    });
}

/// Sets the video's scheduled update and the job that carries it out.
async fn set_schedule(mut ex: Ex<'_>, video_id: i64, s: Schedule) -> TubeResult<()> {
    vstore::set_schedule(ex.reborrow(), video_id, s).await?;
    let payload = serde_json::json!({ "videoId": video_id }).to_string();
    ruche_store::jobs::enqueue_at(ex, SCHEDULE_JOB, &payload, video_id, s.update_at).await?;
    Ok(())
}

/// Applies the fields of `u` to `e`, each checked as at upload.
async fn apply(tube: &Tube, v: &Video, u: &VideoUpdate, e: &mut VideoEdit) -> TubeResult<()> {
    if let Some(n) = &u.name {
        e.name = videos::check_name(&text(n, "name")?.unwrap_or_default())?;
    }
    if let Some(c) = &u.channel_id {
        let id = int(c, "channelId")?.ok_or_else(|| bad("channelId"))?;
        if id != v.channel_id {
            // Within the owner's channels (as PeerTube: another account's channel is refused).
            let mut c = tube.store.read().await?;
            let ch = ruche_store::users::channel_by_id(c.ex(), id)
                .await?
                .ok_or(TubeError::NotFound("channel"))?;
            if ch.account_id != v.account_id || ch.host.is_some() {
                return Err(TubeError::Forbidden(
                    "A video moves only to another channel of its account.".into(),
                ));
            }
            e.channel_id = id;
        }
    }
    if let Some(p) = &u.privacy {
        let id = int(p, "privacy")?.ok_or_else(|| bad("privacy"))?;
        e.privacy = Privacy::try_from(id).map_err(|_| bad("privacy"))?;
    }
    if let Some(d) = &u.description {
        e.description = videos::check_description(text(d, "description")?)?;
    }
    if let Some(s) = &u.support {
        e.support = videos::check_support(text(s, "support")?)?;
    }
    if let Some(c) = &u.category {
        e.category = videos::check_category(int(c, "category")?)?;
    }
    if let Some(l) = &u.licence {
        e.licence = videos::check_licence(int(l, "licence")?)?;
    }
    if let Some(l) = &u.language {
        e.language = videos::check_language(text(l, "language")?)?;
    }
    if let Some(t) = &u.tags {
        e.tags = videos::check_tags(t)?;
    }
    if let Some(n) = &u.nsfw {
        e.nsfw = boolean(n, "nsfw")?;
    }
    if let Some(f) = &u.nsfw_flags {
        let flags = int(f, "nsfwFlags")?.unwrap_or(0);
        if !(0..=3).contains(&flags) {
            return Err(bad("nsfwFlags"));
        }
        e.nsfw_flags = flags;
    }
    if let Some(s) = &u.nsfw_summary {
        let s = text(s, "nsfwSummary")?;
        if s.as_deref().is_some_and(|s| s.chars().count() > 250) {
            return Err(TubeError::BadRequest(
                "The NSFW summary is limited to 250 characters.".into(),
            ));
        }
        e.nsfw_summary = s;
    }
    // Flags and summary mean something only for a sensitive video (as PeerTube resets them).
    if !e.nsfw {
        e.nsfw_flags = 0;
        e.nsfw_summary = None;
    }
    match (&u.comments_policy, &u.comments_enabled) {
        (Some(p), _) => {
            e.comments_policy = int(p, "commentsPolicy")?
                .and_then(|p| CommentsPolicy::try_from(p).ok())
                .ok_or_else(|| bad("commentsPolicy"))?;
        }
        (None, Some(c)) => {
            e.comments_policy = if boolean(c, "commentsEnabled")? {
                CommentsPolicy::Enabled
            } else {
                CommentsPolicy::Disabled
            }
        }
        (None, None) => {}
    }
    if let Some(d) = &u.download_enabled {
        e.download_enabled = boolean(d, "downloadEnabled")?;
    }
    if let Some(w) = &u.wait_transcoding {
        e.wait_transcoding = boolean(w, "waitTranscoding")?;
    }
    if let Some(d) = &u.originally_published_at {
        e.originally_published_at = date(d, "originallyPublishedAt")?;
    }
    Ok(())
}

/// After a change of video `before` (as it was; `was_federated` whether others had it), tells
/// other instances what they must now know, as PeerTube does: a video that becomes public (or
/// federated unlisted) is new to them (`Create` and its `Announce`s), one that stops being so
/// is deleted from them, any other change of a federated video is an `Update`.
pub(crate) async fn tell_others(
    mut ex: Ex<'_>,
    tube: &Tube,
    before: &Video,
    was_federated: bool,
) -> TubeResult<()> {
    use crate::federation::outbox;
    let Some(now) = vstore::by_id(ex.reborrow(), before.id).await? else {
        return Ok(());
    };
    match (was_federated, outbox::federated(tube, &now)) {
        (false, true) => outbox::video_published(ex, tube, now.id).await,
        (true, false) => outbox::video_deleted(ex, tube, before).await,
        (true, true) => outbox::video_updated(ex, tube, now.id).await,
        (false, false) => Ok(()),
    }
}

/// The scheduled-update job: when its time has come, the video takes the privacy scheduled
/// (if any), is dated now and told to other instances; a job woken early (its schedule moved
/// later) waits again.
pub async fn run_schedule(tube: &Tube, payload: &str) -> TubeResult<()> {
    let p: Value = serde_json::from_str(payload).map_err(|e| TubeError::Internal(e.to_string()))?;
    let Some(id) = p["videoId"].as_i64() else {
        return Ok(());
    };
    let mut tx = tube.store.begin().await?;
    let Some(s) = vstore::schedule_of(tx.ex(), id).await? else {
        return Ok(());
    };
    let now = now_ms();
    if s.update_at > now {
        set_schedule(tx.ex(), id, s).await?;
        tx.commit().await?;
        return Ok(());
    }
    let Some(v) = vstore::by_id(tx.ex(), id).await? else {
        return Ok(());
    };
    let was_federated = crate::federation::outbox::federated(tube, &v);
    let mut e = VideoEdit::of(&v);
    if let Some(p) = s.privacy.and_then(|p| Privacy::try_from(p).ok()) {
        e.privacy = p;
    }
    // A video still transcoding is dated when it comes out.
    e.published_at = (v.state == VideoState::Published).then_some(now);
    vstore::edit(tx.ex(), id, &e).await?;
    vstore::delete_schedule(tx.ex(), id).await?;
    tell_others(tx.ex(), tube, &v, was_federated).await?;
    tx.commit().await?;
    tube.deliveries_ready.notify_waiters();
    Ok(())
}

/// PeerTube's `scheduledUpdate` of a video, for its owner: `{updateAt, privacy}`.
pub async fn schedule_of(tube: &Tube, video_id: i64) -> TubeResult<Option<Schedule>> {
    let mut c = tube.store.read().await?;
    Ok(vstore::schedule_of(c.ex(), video_id).await?)
}

/// The video `r` if `user` may manage it (its owner or a moderator) and it is one of ours.
pub async fn managed(tube: &Tube, user: &User, r: &str) -> TubeResult<Video> {
    let v = videos::find(tube, r).await?;
    if !matches!(
        videos::viewer(&v, Some(user)),
        Viewer::Owner | Viewer::Moderator
    ) {
        return Err(TubeError::Forbidden("You cannot manage this video.".into()));
    }
    if !v.is_local() {
        return Err(TubeError::Forbidden(
            "Another instance's video is managed on its own instance.".into(),
        ));
    }
    Ok(v)
}

/// A password-protected video as its manager sees it; 400 for any other video (as PeerTube).
async fn protected(tube: &Tube, user: &User, r: &str) -> TubeResult<Video> {
    let v = managed(tube, user, r).await?;
    if v.privacy != Privacy::PasswordProtected {
        return Err(TubeError::BadRequest(
            "Video is not password protected".into(),
        ));
    }
    Ok(v)
}

/// A page of a password-protected video's passwords and their number, for its manager.
pub async fn passwords(
    tube: &Tube,
    user: &User,
    r: &str,
    start: i64,
    count: i64,
    newest_first: bool,
) -> TubeResult<(Vec<vstore::VideoPassword>, i64)> {
    let v = protected(tube, user, r).await?;
    let mut c = tube.store.read().await?;
    Ok(vstore::passwords(c.ex(), v.id, start, count, newest_first).await?)
}

/// Replaces a password-protected video's passwords.
pub async fn set_passwords(tube: &Tube, user: &User, r: &str, list: &[String]) -> TubeResult<()> {
    let v = protected(tube, user, r).await?;
    let list = videos::check_passwords(list)?;
    let mut tx = tube.store.begin().await?;
    vstore::replace_passwords(tx.ex(), v.id, &list).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes one of a password-protected video's passwords; never its last one (400).
pub async fn delete_password(tube: &Tube, user: &User, r: &str, id: i64) -> TubeResult<()> {
    let v = protected(tube, user, r).await?;
    let mut tx = tube.store.begin().await?;
    let (_, total) = vstore::passwords(tx.ex(), v.id, 0, 0, false).await?;
    let (all, _) = vstore::passwords(tx.ex(), v.id, 0, total, false).await?;
    if !all.iter().any(|p| p.id == id) {
        return Err(TubeError::NotFound("video password"));
    }
    if total <= 1 {
        return Err(TubeError::BadRequest(
            "Cannot delete the last password of the protected video".into(),
        ));
    }
    vstore::delete_password(tx.ex(), v.id, id).await?;
    tx.commit().await?;
    Ok(())
}

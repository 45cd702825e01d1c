//! Videos: metadata rules, creation from an uploaded file (probe first, then the row and its
//! transcoding job in one transaction), visibility, reading and deletion.

use crate::{Tube, TubeError, TubeResult};
use ruche_domain::ShortUuid;
use ruche_domain::ids::VideoRef;
use ruche_domain::video::{
    CommentsPolicy, Privacy, VideoState, Viewer, category_label, licence_label,
};
use ruche_store::users::User;
use ruche_store::videos::{self as vstore, NewVideo};
pub use ruche_store::videos::{Facets, ListFilter, Sort, Source, Video, VideoFile};
use std::path::Path;

/// The job kind of transcoding.
pub const TRANSCODE: &str = "transcode";

/// Video metadata as a client sends it (multipart fields or the resumable init's JSON).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoInput {
    pub name: Option<String>,
    pub channel_id: Option<i64>,
    pub privacy: Option<i64>,
    pub description: Option<String>,
    pub support: Option<String>,
    pub category: Option<i64>,
    pub licence: Option<i64>,
    pub language: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub nsfw: Option<bool>,
    /// PeerTube 6's yes/no, read when no `commentsPolicy` is given.
    pub comments_enabled: Option<bool>,
    /// 1 enabled, 2 disabled, 3 held for approval.
    pub comments_policy: Option<i64>,
    pub download_enabled: Option<bool>,
    pub wait_transcoding: Option<bool>,
    pub filename: Option<String>,
    /// For a password-protected video (privacy 5): its passwords.
    #[serde(default)]
    pub video_passwords: Vec<String>,
    pub originally_published_at: Option<String>,
    /// An import's source (`POST /api/v1/videos/imports`): a URL…
    pub target_url: Option<String>,
    /// …or a magnet, which this instance does not import.
    pub magnet_uri: Option<String>,
}

impl From<NewVideo> for VideoInput {
    fn from(v: NewVideo) -> Self {
        VideoInput {
            name: Some(v.name),
            channel_id: Some(v.channel_id),
            privacy: Some(v.privacy.id()),
            description: v.description,
            support: v.support,
            category: v.category,
            licence: v.licence,
            language: v.language,
            tags: v.tags,
            nsfw: Some(v.nsfw),
            comments_enabled: None,
            comments_policy: Some(v.comments_policy.id()),
            download_enabled: Some(v.download_enabled),
            wait_transcoding: Some(v.wait_transcoding),
            filename: None,
            originally_published_at: v.originally_published_at.map(ruche_domain::time::iso),
            video_passwords: v.passwords,
            target_url: None,
            magnet_uri: None,
        }
    }
}

/// A new video's comments policy: PeerTube 7's number, or PeerTube 6's yes/no.
fn comments_policy(policy: Option<i64>, enabled: Option<bool>) -> TubeResult<CommentsPolicy> {
    Ok(match (policy, enabled) {
        (Some(p), _) => CommentsPolicy::try_from(p).map_err(|_| {
            TubeError::BadRequest(
                "Incorrect request parameters: commentsPolicy (1 enabled, 2 disabled, 3 requires approval)".into(),
            )
        })?,
        (None, Some(false)) => CommentsPolicy::Disabled,
        (None, _) => CommentsPolicy::Enabled,
    })
}

fn bad(msg: &str) -> TubeError {
    TubeError::BadRequest(msg.to_string())
}

/// A name as PeerTube takes it: trimmed, 3 to 120 characters.
pub fn check_name(name: &str) -> TubeResult<String> {
    let name = name.trim().to_string();
    if !(3..=120).contains(&name.chars().count()) {
        return Err(bad("The name must be 3 to 120 characters long."));
    }
    Ok(name)
}

pub fn check_category(c: Option<i64>) -> TubeResult<Option<i64>> {
    if c.is_some_and(|c| category_label(c).is_none()) {
        return Err(bad("The category is not valid."));
    }
    Ok(c)
}

pub fn check_licence(l: Option<i64>) -> TubeResult<Option<i64>> {
    if l.is_some_and(|l| licence_label(l).is_none()) {
        return Err(bad("The licence is not valid."));
    }
    Ok(l)
}

pub fn check_language(l: Option<String>) -> TubeResult<Option<String>> {
    if l.as_deref().is_some_and(|l| l.is_empty() || l.len() > 15) {
        return Err(bad("The language is not valid."));
    }
    Ok(l)
}

/// A description (blank: none), at most 10,000 characters.
pub fn check_description(d: Option<String>) -> TubeResult<Option<String>> {
    if d.as_deref().is_some_and(|d| d.chars().count() > 10_000) {
        return Err(bad("The description is limited to 10000 characters."));
    }
    Ok(d.filter(|d| !d.trim().is_empty()))
}

/// A support text (blank: none), at most 1,000 characters.
pub fn check_support(s: Option<String>) -> TubeResult<Option<String>> {
    if s.as_deref().is_some_and(|d| d.chars().count() > 1000) {
        return Err(bad("The support text is limited to 1000 characters."));
    }
    Ok(s.filter(|d| !d.trim().is_empty()))
}

/// Up to 5 tags of 2 to 30 characters each (blank ones dropped).
pub fn check_tags(tags: &[String]) -> TubeResult<Vec<String>> {
    let tags: Vec<String> = tags
        .iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    if tags.len() > 5 || tags.iter().any(|t| !(2..=30).contains(&t.chars().count())) {
        return Err(bad("Up to 5 tags of 2 to 30 characters each."));
    }
    Ok(tags)
}

/// The most passwords one video may have.
pub const MAX_PASSWORDS: usize = 100;

/// A password-protected video's passwords, as PeerTube takes them: at least one, each 2 to 100
/// characters, no two alike.
pub fn check_passwords(list: &[String]) -> TubeResult<Vec<String>> {
    if list.is_empty() || list.len() > MAX_PASSWORDS {
        return Err(bad(
            "A password-protected video needs 1 to 100 passwords (videoPasswords).",
        ));
    }
    if list.iter().any(|p| !(2..=100).contains(&p.chars().count())) {
        return Err(bad("Each video password is 2 to 100 characters long."));
    }
    let mut seen = std::collections::HashSet::new();
    if !list.iter().all(|p| seen.insert(p.as_str())) {
        return Err(bad(
            "The video passwords must be different from each other.",
        ));
    }
    Ok(list.to_vec())
}

/// Checks metadata with PeerTube's limits and that `user` owns the channel.
pub async fn validate(tube: &Tube, user: &User, input: VideoInput) -> TubeResult<NewVideo> {
    let name = check_name(input.name.as_deref().unwrap_or_default())?;
    let channel_id = input
        .channel_id
        .ok_or_else(|| bad("channelId is required."))?;
    crate::channels::owned(tube, user, channel_id).await?;
    let privacy = match input.privacy {
        None => Privacy::default(),
        Some(p) => Privacy::try_from(p).map_err(|_| bad("The privacy is not valid."))?,
    };
    let passwords = if privacy == Privacy::PasswordProtected {
        check_passwords(&input.video_passwords)?
    } else {
        Vec::new()
    };
    let originally_published_at = match input.originally_published_at.as_deref() {
        None | Some("") => None,
        Some(d) => Some(
            ruche_domain::time::parse_date(d)
                .ok_or_else(|| bad("Incorrect request parameters: originallyPublishedAt"))?,
        ),
    };
    Ok(NewVideo {
        channel_id,
        name,
        description: check_description(input.description)?,
        support: check_support(input.support)?,
        privacy,
        category: check_category(input.category)?,
        licence: check_licence(input.licence)?,
        language: check_language(input.language)?,
        tags: check_tags(&input.tags)?,
        nsfw: input.nsfw.unwrap_or(false),
        comments_policy: comments_policy(input.comments_policy, input.comments_enabled)?,
        download_enabled: input.download_enabled.unwrap_or(true),
        wait_transcoding: input.wait_transcoding.unwrap_or(true),
        originally_published_at,
        passwords,
    })
}

/// File extensions PeerTube accepts for upload.
const EXTENSIONS: &[&str] = &[
    "mp4", "m4v", "webm", "ogv", "ogg", "mkv", "mov", "avi", "flv", "mpeg", "mpg", "3gp", "3g2",
    "wmv", "ts", "mts", "m2ts", "mxf", "nut", "mp3", "wav", "flac", "m4a", "aac", "opus", "oga",
];

/// Refuses, before any byte is sent, what is declared as neither video nor audio.
pub fn check_media_type(content_type: Option<&str>, filename: &str) -> TubeResult<()> {
    let ct = content_type.unwrap_or_default().to_ascii_lowercase();
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if ct.starts_with("video/") || ct.starts_with("audio/") || EXTENSIONS.contains(&ext.as_str()) {
        Ok(())
    } else {
        Err(TubeError::UnsupportedMedia(format!(
            "This file type ({}) is not accepted: upload a video or an audio file.",
            if ct.is_empty() { ext } else { ct }
        )))
    }
}

/// What an upload answers: `{"video": {"id", "uuid", "shortUUID"}}`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Created {
    pub id: i64,
    pub uuid: String,
    #[serde(rename = "shortUUID")]
    pub short_uuid: String,
}

/// A received file checked as media we take: not empty, readable by ffprobe as a video or audio,
/// within the instance's duration and size limits. Its probe.
pub(crate) async fn received_media(
    tube: &Tube,
    file: &Path,
    size: i64,
) -> TubeResult<ruche_media::Probe> {
    if size == 0 {
        return Err(bad("The file is empty."));
    }
    let probe = ruche_media::probe(file)
        .await
        .map_err(|e| TubeError::Unprocessable(e.to_string()))?;
    let limits = ruche_media::Limits {
        max_duration: tube.settings.transcoding.max_duration,
        max_size: tube.settings.transcoding.max_upload_size,
    };
    ruche_media::check_limits(&probe, &limits)
        .map_err(|e| TubeError::Unprocessable(e.to_string()))?;
    Ok(probe)
}

/// Turns a received file into a video: probes it (refusing what is not media, with the
/// reason), moves it to storage as the source, and commits the row with its transcoding job.
pub async fn create_from_file(
    tube: &Tube,
    user: &User,
    video: NewVideo,
    file: &Path,
    size: i64,
    upload: Option<&str>,
    original_name: &str,
) -> TubeResult<Created> {
    let probe = received_media(tube, file, size).await?;
    // The quota again, now that the size is certain (a legacy upload declares none).
    if let Some(room) = crate::quota::room(tube, user, upload).await?
        && size > room
    {
        return Err(TubeError::TooLarge(
            "The video is larger than your remaining video quota.".into(),
        ));
    }
    let uuid = uuid::Uuid::new_v4();
    let source = tube.storage.source(&uuid.to_string());
    crate::storage::move_file(file, &source).await?;
    let result = async {
        // Its torrent first, as PeerTube makes it before transcoding: PeerTube's clients wait
        // for the uploaded file's torrent before they say the upload is done.
        let mut made =
            crate::torrents::make_source(tube, &uuid.to_string(), &video.name, &probe, &source)
                .await?;
        let waits = crate::auto_block::wanted(tube, user).await?;
        let mut tx = tube.store.begin().await?;
        let id = vstore::insert(tx.ex(), &uuid.to_string(), &video, original_name, size).await?;
        crate::auto_block::if_wanted(tx.ex(), tube, waits, id).await?;
        if !video.passwords.is_empty() {
            vstore::replace_passwords(tx.ex(), id, &video.passwords).await?;
        }
        crate::index::index_video(tube, tx.ex(), id).await?;
        made.video_id = id;
        vstore::set_source(tx.ex(), &made).await?;
        let payload = serde_json::json!({ "videoId": id }).to_string();
        ruche_store::jobs::enqueue(tx.ex(), TRANSCODE, &payload, Some(id), 3).await?;
        tx.commit().await?;
        Ok::<_, TubeError>(id)
    }
    .await;
    match result {
        Ok(id) => {
            tube.transcode_ready.notify_one();
            Ok(Created {
                id,
                uuid: uuid.to_string(),
                short_uuid: ShortUuid(uuid).to_string(),
            })
        }
        Err(e) => {
            crate::storage::remove_file_if_exists(&source).await?;
            crate::storage::remove_file_if_exists(&tube.storage.source_torrent(&uuid.to_string()))
                .await?;
            Err(e)
        }
    }
}

/// Replaces the file of one of `user`'s videos (PeerTube 6's source replacement): the new file
/// is checked as an upload is, counted against the quota in place of the old one, and the
/// video goes through the ladder again under the same UUID, keeping its URL, comments, ratings,
/// views and playlists. Meanwhile it is "being prepared" (as PeerTube shows it), and other
/// instances hear of it again once its first rendition is made.
pub async fn replace_from_file(
    tube: &Tube,
    user: &User,
    video_id: i64,
    file: &Path,
    size: i64,
    upload: Option<&str>,
    original_name: &str,
) -> TubeResult<Created> {
    let v = {
        let mut c = tube.store.read().await?;
        vstore::by_id(c.ex(), video_id)
            .await?
            .ok_or(TubeError::NotFound("video"))?
    };
    check_replaceable(&v, user)?;
    let probe = received_media(tube, file, size).await?;
    if let Some(room) = crate::quota::room(tube, user, upload).await?
        && size - v.quota_size > room
    {
        return Err(TubeError::TooLarge(
            "The video is larger than your remaining video quota.".into(),
        ));
    }
    let source = tube.storage.source(&v.uuid);
    crate::storage::move_file(file, &source).await?;
    let result = async {
        let mut made =
            crate::torrents::make_source(tube, &v.uuid, &v.name, &probe, &source).await?;
        let mut tx = tube.store.begin().await?;
        // Checked again in the transaction: two replacements finishing at once make one.
        let now = vstore::by_id(tx.ex(), v.id)
            .await?
            .ok_or(TubeError::NotFound("video"))?;
        check_replaceable(&now, user)?;
        vstore::start_replacement(tx.ex(), v.id, size, original_name).await?;
        made.video_id = v.id;
        vstore::set_source(tx.ex(), &made).await?;
        let payload = serde_json::json!({ "videoId": v.id }).to_string();
        ruche_store::jobs::enqueue(tx.ex(), TRANSCODE, &payload, Some(v.id), 3).await?;
        tx.commit().await?;
        Ok::<_, TubeError>(())
    }
    .await;
    match result {
        Ok(()) => {
            tube.transcode_ready.notify_one();
            // The old storyboard shows the old file: the job makes the new one.
            if let Some(s) = v.local_storyboard() {
                crate::storage::remove_file_if_exists(&tube.storage.storyboard(&s.file)).await?;
            }
            let uuid =
                uuid::Uuid::parse_str(&v.uuid).map_err(|e| TubeError::Internal(e.to_string()))?;
            Ok(Created {
                id: v.id,
                uuid: v.uuid.clone(),
                short_uuid: ShortUuid(uuid).to_string(),
            })
        }
        Err(e) => {
            crate::storage::remove_file_if_exists(&source).await?;
            Err(e)
        }
    }
}

/// Whether `user` may replace `v`'s file now: their own video of this instance, not being
/// transcoded already.
pub fn check_replaceable(v: &Video, user: &User) -> TubeResult<()> {
    if !v.is_local() || v.user_id != Some(user.id) {
        return Err(TubeError::Forbidden(
            "You cannot replace the file of this video.".into(),
        ));
    }
    if v.state == VideoState::ToTranscode {
        return Err(TubeError::Conflict(
            "This video is being transcoded: wait until it is done to replace its file.".into(),
        ));
    }
    Ok(())
}

pub async fn created(tube: &Tube, id: i64) -> TubeResult<Created> {
    let mut c = tube.store.read().await?;
    let v = vstore::by_id(c.ex(), id)
        .await?
        .ok_or(TubeError::NotFound("video"))?;
    let uuid = uuid::Uuid::parse_str(&v.uuid).map_err(|e| TubeError::Internal(e.to_string()))?;
    Ok(Created {
        id,
        uuid: v.uuid,
        short_uuid: ShortUuid(uuid).to_string(),
    })
}

/// Finds a video by any of its three ids.
pub async fn find(tube: &Tube, r: &str) -> TubeResult<Video> {
    // As PeerTube: what is not an id, a UUID or a short UUID is a bad request, not a miss.
    let r = VideoRef::parse(r).ok_or_else(|| {
        TubeError::BadRequest(
            "Incorrect request parameters: id (should be an id, a short UUID or a UUID)".into(),
        )
    })?;
    let mut c = tube.store.read().await?;
    let v = match r {
        VideoRef::Id(id) => vstore::by_id(c.ex(), id).await?,
        VideoRef::Uuid(u) => vstore::by_uuid(c.ex(), &u.to_string()).await?,
    };
    v.ok_or(TubeError::NotFound("video"))
}

/// How `user` relates to `video`.
pub fn viewer(video: &Video, user: Option<&User>) -> Viewer {
    match user {
        None => Viewer::Anonymous,
        Some(u) if video.user_id == Some(u.id) => Viewer::Owner,
        Some(u) if u.role.can_moderate() => Viewer::Moderator,
        Some(_) => Viewer::LoggedIn,
    }
}

/// The videos of `ids` that `user` may still see, by id: for lists of their own (ratings,
/// history), where a password-protected video counts (they were given its password), one made
/// private since does not.
pub(crate) async fn still_seen_by(
    c: &mut ruche_store::Conn,
    user: &User,
    ids: &[i64],
) -> TubeResult<std::collections::HashMap<i64, Video>> {
    Ok(vstore::by_ids(c.ex(), ids)
        .await?
        .into_iter()
        .filter(|v| {
            v.privacy.visible_to(viewer(v, Some(user)))
                || v.privacy == ruche_domain::video::Privacy::PasswordProtected
        })
        .map(|v| (v.id, v))
        .collect())
}

/// Whether `r` names a video by its number (which anyone can count through) rather than by its
/// UUID or short UUID (which only those it was given to know).
pub fn by_number(r: &str) -> bool {
    matches!(VideoRef::parse(r), Some(VideoRef::Id(_)))
}

/// A video password as a viewer gave it (`x-peertube-video-password`), and the address it came
/// from, which a wrong guess counts against.
#[derive(Debug, Clone, Copy)]
pub struct Password<'a> {
    pub password: &'a str,
    pub from: std::net::IpAddr,
}

/// Finds a video `user` may see; others get "not found", as PeerTube hides private videos. An
/// unlisted video is found by its UUID, not by its number (as PeerTube: counting through ids
/// would list every unlisted video), except by its owner and moderators. A password-protected
/// video asks for its password ([`find_visible_with`]).
pub async fn find_visible(tube: &Tube, r: &str, user: Option<&User>) -> TubeResult<Video> {
    find_visible_with(tube, r, user, None).await
}

/// [`find_visible`], with the password a viewer gave for a password-protected video: without
/// one, 403 "requires a password"; a wrong one, 403 "incorrect", counted against the address
/// and the video (past the limit, 429 until the window passes).
pub async fn find_visible_with(
    tube: &Tube,
    r: &str,
    user: Option<&User>,
    password: Option<Password<'_>>,
) -> TubeResult<Video> {
    let v = find(tube, r).await?;
    let privacy = v.privacy;
    let who = viewer(&v, user);
    if privacy.needs_password(who) {
        if v.state != VideoState::Published {
            return Err(TubeError::NotFound("video"));
        }
        let Some(p) = password else {
            return Err(TubeError::VideoPassword { wrong: false });
        };
        let key = (crate::limiter::address_key(p.from), v.id);
        tube.rates.video_password.peek(&key)?;
        let mut c = tube.store.read().await?;
        if p.password.chars().count() <= 100
            && vstore::password_matches(c.ex(), v.id, p.password).await?
        {
            return Ok(v);
        }
        tube.rates.video_password.check(&key)?;
        return Err(TubeError::VideoPassword { wrong: true });
    }
    if !privacy.visible_to(who) {
        return Err(TubeError::NotFound("video"));
    }
    if privacy == Privacy::Unlisted
        && by_number(r)
        && !matches!(who, Viewer::Owner | Viewer::Moderator)
    {
        return Err(TubeError::NotFound("video"));
    }
    // Until it is published only its owner and moderators see it.
    if v.state != VideoState::Published && !matches!(who, Viewer::Owner | Viewer::Moderator) {
        return Err(TubeError::NotFound("video"));
    }
    // A blocked one too: anonymous viewers are asked to log in, others refused (PeerTube's
    // answers).
    if v.is_blocked() && !matches!(who, Viewer::Owner | Viewer::Moderator) {
        return Err(match user {
            None => TubeError::Unauthorized,
            Some(_) => TubeError::Forbidden(
                "Cannot fetch information of private/internal/blocked video".into(),
            ),
        });
    }
    Ok(v)
}

pub async fn files(tube: &Tube, video_id: i64) -> TubeResult<Vec<VideoFile>> {
    let mut c = tube.store.read().await?;
    Ok(vstore::files(c.ex(), video_id).await?)
}

/// ffprobe's description of one of a video's files (`/api/v1/videos/{id}/metadata/{fileId}`).
pub async fn file_metadata(
    tube: &Tube,
    r: &str,
    user: Option<&User>,
    file_id: i64,
) -> TubeResult<serde_json::Value> {
    let v = find_visible(tube, r, user).await?;
    let all = files(tube, v.id).await?;
    let f = all
        .iter()
        .find(|f| f.id == file_id)
        .ok_or(TubeError::NotFound("file"))?;
    ruche_media::metadata(&tube.storage.hls_dir(&v.uuid).join(&f.filename))
        .await
        .map_err(|e| TubeError::Internal(e.to_string()))
}

/// Removes a video, its files and its jobs; its owner, a moderator or an admin may.
pub async fn delete(tube: &Tube, user: &User, r: &str) -> TubeResult<()> {
    let v = find(tube, r).await?;
    if !matches!(viewer(&v, Some(user)), Viewer::Owner | Viewer::Moderator) {
        return Err(TubeError::Forbidden("You cannot delete this video.".into()));
    }
    let mut tx = tube.store.begin().await?;
    // Ours: gone from every instance that has it. Another instance's, removed by a moderator:
    // gone from here only.
    crate::federation::outbox::video_deleted(tx.ex(), tube, &v).await?;
    vstore::delete(tx.ex(), v.id).await?;
    tx.commit().await?;
    tube.deliveries_ready.notify_waiters();
    Ok(tube.storage.remove_video_files(&v).await?)
}

/// Counts a whole download of one of the video's files.
pub async fn add_download(tube: &Tube, video: &Video) -> TubeResult<()> {
    let mut tx = tube.store.begin().await?;
    vstore::add_download(tx.ex(), video.id).await?;
    Ok(tx.commit().await?)
}

/// Counts a view, once per viewer per configured window.
pub async fn add_view(tube: &Tube, video: &Video, viewer_key: &str) -> TubeResult<bool> {
    let mut tx = tube.store.begin().await?;
    let window = tube.settings.views.window_secs as i64 * 1000;
    let counted = vstore::add_view(
        tx.ex(),
        video.id,
        &crate::auth::sha256_hex(viewer_key),
        window,
    )
    .await?;
    if counted {
        crate::federation::outbox::viewed(
            tx.ex(),
            tube,
            video,
            &crate::auth::sha256_hex(viewer_key)[..16],
        )
        .await?;
    }
    tx.commit().await?;
    if counted {
        tube.deliveries_ready.notify_waiters();
        tube.federation_ready.notify_one();
    }
    Ok(counted)
}

/// PeerTube's ratings: `like`, `dislike`, or `none` to take one back.
pub async fn rate(
    tube: &Tube,
    user: &User,
    r: &str,
    rating: &str,
    password: Option<Password<'_>>,
) -> TubeResult<()> {
    let kind = match rating {
        "like" => Some("like"),
        "dislike" => Some("dislike"),
        "none" => None,
        _ => {
            return Err(TubeError::BadRequest(
                "Incorrect request parameters: rating (like, dislike or none)".into(),
            ));
        }
    };
    let v = find_visible_with(tube, r, Some(user), password).await?;
    let mut tx = tube.store.begin().await?;
    let account = ruche_store::users::account_of_user(tx.ex(), user.id).await?;
    let before = ruche_store::videos::rate_of(tx.ex(), account.id, v.id).await?;
    ruche_store::videos::set_rate(tx.ex(), account.id, v.id, kind, None).await?;
    crate::federation::outbox::rated(tx.ex(), tube, &v, &account, before.as_deref(), kind).await?;
    tx.commit().await?;
    tube.deliveries_ready.notify_waiters();
    Ok(())
}

/// The user's rating of a video (`like`, `dislike` or `none`) and the video's id.
pub async fn rating(tube: &Tube, user: &User, r: &str) -> TubeResult<(i64, String)> {
    let v = find_visible(tube, r, Some(user)).await?;
    let mut c = tube.store.read().await?;
    let account = ruche_store::users::account_of_user(c.ex(), user.id).await?;
    let kind = ruche_store::videos::rate_of(c.ex(), account.id, v.id).await?;
    Ok((v.id, kind.unwrap_or_else(|| "none".into())))
}

/// How many days of views the `trending` sort counts (PeerTube's `trending.videos.interval_days`
/// default).
pub const TRENDING_DAYS: i64 = 7;

/// A page of published videos `viewer` may see listed (as `f` filters them) and how many there
/// are: public ones, and internal ones for a user of this instance; the instance-wide lists show
/// another instance's video only when it was shared with or followed from here. Only moderators
/// choose privacies (`privacyOneOf`: 401 for nobody, 403 for another user, as PeerTube).
pub async fn list_public(
    tube: &Tube,
    viewer: Option<&User>,
    f: ListFilter,
) -> TubeResult<(Vec<Video>, i64)> {
    // Chosen privacies and unpublished videos are moderators' (PeerTube's `privacyOneOf` and
    // `include`).
    if !f.facets.privacies.is_empty()
        || f.facets.any_state
        || f.facets.blocked_too
        || f.facets.video_blocks_too
    {
        match viewer {
            None => return Err(TubeError::Unauthorized),
            Some(u) if !u.role.can_moderate() => {
                return Err(TubeError::Forbidden(
                    "You are not allowed to see all videos.".into(),
                ));
            }
            Some(_) => {}
        }
    }
    let now = ruche_domain::time::now_ms();
    let today = now - now.rem_euclid(vstore::DAY_MS);
    // Our own host names our videos (accounts keep no host for them).
    let mut f = f;
    if f.facets.host.as_deref() == Some(tube.settings.host().to_ascii_lowercase().as_str()) {
        f.facets.host = None;
        f.is_local = Some(true);
    }
    let mut c = tube.store.read().await?;
    // What the instance blocks and the viewer mutes is left out (moderators may ask for it).
    let muted_by = match viewer {
        Some(u) => vec![ruche_store::users::account_of_user(c.ex(), u.id).await?.id],
        None => Vec::new(),
    };
    let f = ListFilter {
        public_only: true,
        logged_in: viewer.is_some(),
        trending_since: today - (TRENDING_DAYS - 1) * vstore::DAY_MS,
        hide_blocked: !f.facets.blocked_too,
        muted_by,
        hide_video_blocks: !f.facets.video_blocks_too,
        ..f
    };
    Ok(vstore::list(c.ex(), &f).await?)
}

/// A page of a user's own videos in every state (as `f` pages them) and how many there are.
pub async fn list_mine(tube: &Tube, user: &User, f: ListFilter) -> TubeResult<(Vec<Video>, i64)> {
    let mut c = tube.store.read().await?;
    let account = ruche_store::users::account_of_user(c.ex(), user.id).await?;
    let f = ListFilter {
        account_id: Some(account.id),
        ..f
    };
    Ok(vstore::list(c.ex(), &f).await?)
}

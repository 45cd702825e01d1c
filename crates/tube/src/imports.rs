//! Videos imported from a URL, as PeerTube imports them (`POST /api/v1/videos/imports`): yt-dlp
//! says what the URL holds while the request waits (a URL it cannot read is refused there), the
//! video is made at once in "To import" with what it said (title, description, tags, language,
//! date) under the user's choices, and a job downloads the file, checks it as an upload and
//! hands it to the ladder. Every address the URL and yt-dlp's answer name must be public
//! (PeerTube's "non unicast" refusal), unless the instance allows insecure federation (tests).
//! A failed import keeps its error and takes its video away (PeerTube 6); a cancelled one
//! leaves the video waiting, as PeerTube does.

use std::sync::Arc;
use std::time::Duration;

use ruche_domain::video::VideoState;
use ruche_store::imports as istore;
pub use ruche_store::imports::{ChannelSync, ImportFilter, VideoImport};
use ruche_store::jobs::Job;
use ruche_store::videos as vstore;
use serde_json::Value;

use crate::accounts::User;
use crate::videos::{TRANSCODE, VideoInput};
use crate::{Tube, TubeError, TubeResult};

/// The job kind of an import.
pub const IMPORT: &str = "import";

/// PeerTube's `VideoImportState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportState {
    Pending = 1,
    Success = 2,
    Failed = 3,
    Rejected = 4,
    Cancelled = 5,
    Processing = 6,
}

impl ImportState {
    pub fn id(self) -> i64 {
        self as i64
    }
    /// PeerTube's label of a state number.
    pub fn label(id: i64) -> &'static str {
        match id {
            1 => "Pending",
            2 => "Success",
            3 => "Failed",
            4 => "Rejected",
            5 => "Cancelled",
            6 => "Processing",
            _ => "Unknown",
        }
    }
}

/// The longest URL taken (PeerTube's).
const MAX_URL: usize = 2000;
/// A download without a quota or an upload limit to bound it stops here.
const MAX_IMPORT_BYTES: u64 = 64 * 1024 * 1024 * 1024;

fn bad(m: &str) -> TubeError {
    TubeError::BadRequest(m.into())
}

/// Refuses a URL whose host is, or resolves to, an address that is not public.
async fn public_only(tube: &Tube, url: &url::Url) -> TubeResult<()> {
    if tube.settings.federation.allow_insecure {
        return Ok(());
    }
    let refused = || TubeError::Forbidden("Cannot use non unicast IP as targetUrl.".into());
    let host = url.host_str().ok_or_else(refused)?;
    let port = url.port_or_known_default().unwrap_or(443);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| bad("The URL's host cannot be found."))?
        .collect();
    if addrs.is_empty() || addrs.iter().any(|a| ruche_fetch::is_forbidden(a.ip())) {
        return Err(refused());
    }
    Ok(())
}

/// Every URL yt-dlp's answer names (where it would download from).
fn urls_in(info: &Value) -> Vec<&str> {
    let mut out = Vec::new();
    for key in ["url", "thumbnail", "webpage_url"] {
        out.extend(info[key].as_str());
    }
    for list in ["formats", "requested_formats", "thumbnails"] {
        for f in info[list].as_array().into_iter().flatten().take(500) {
            out.extend(f["url"].as_str());
        }
    }
    out
}

/// The text of yt-dlp's `key`, if any.
fn text<'a>(info: &'a Value, key: &str) -> Option<&'a str> {
    info[key].as_str().map(str::trim).filter(|s| !s.is_empty())
}

/// What the user left unsaid, from what yt-dlp says (PeerTube's `YoutubeDLInfoBuilder`): the
/// title (cut to 120 characters), the description (from 3 characters, cut to 10,000), up to
/// five tags, a language we know, NSFW from an age limit of 16, the date of upload.
fn fill_from(input: &mut VideoInput, info: &Value) {
    if input.name.as_deref().is_none_or(str::is_empty) {
        let title = text(info, "title").or_else(|| text(info, "fulltitle"));
        let mut name: String = title.unwrap_or("Unknown name").chars().take(120).collect();
        if name.chars().count() < 3 {
            name.push_str(" video");
        }
        input.name = Some(name);
    }
    if input.description.is_none()
        && let Some(d) = text(info, "description").filter(|d| d.chars().count() >= 3)
    {
        input.description = Some(d.chars().take(10_000).collect());
    }
    if input.tags.is_empty() {
        input.tags = info["tags"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|t| (3..30).contains(&t.chars().count()))
            .take(5)
            .map(str::to_string)
            .collect();
    }
    if input.language.is_none() {
        input.language = text(info, "language")
            .filter(|l| ruche_domain::video::language_label(l).is_some())
            .map(str::to_string);
    }
    if input.nsfw.is_none() {
        input.nsfw = Some(info["age_limit"].as_i64().is_some_and(|a| a >= 16));
    }
    if input.originally_published_at.is_none()
        && let Some(d) = text(info, "upload_date").filter(|d| d.len() == 8 && d.is_ascii())
    {
        // Only a real date: a wrong one is yt-dlp's, not a fault of the user's request.
        let date = format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..]);
        if ruche_domain::time::parse_date(&date).is_some() {
            input.originally_published_at = Some(date);
        }
    }
    // Private until its owner says otherwise (PeerTube's default for imports).
    input.privacy = input
        .privacy
        .or(Some(ruche_domain::video::Privacy::Private.id()));
}

/// Imports what `input.target_url` holds into a new video of `user`'s, described by `input`
/// (its gaps filled from what the URL says). `torrent_file`: a torrent file came with it; as a
/// magnet, this instance does not import it.
pub async fn create(
    tube: &Arc<Tube>,
    user: &User,
    input: VideoInput,
    torrent_file: bool,
) -> TubeResult<VideoImport> {
    tube.rates.upload.check(&user.id)?;
    let torrent = torrent_file || input.magnet_uri.as_deref().is_some_and(|m| !m.is_empty());
    if torrent {
        return Err(TubeError::Conflict(
            "Torrent/magnet URI import is not enabled on this instance.".into(),
        ));
    }
    if !tube.settings.imports.http_enabled {
        return Err(TubeError::Conflict(
            "HTTP import is not enabled on this instance.".into(),
        ));
    }
    if input
        .target_url
        .as_deref()
        .is_none_or(|u| u.trim().is_empty())
    {
        return Err(bad(
            "Should have a magnetUri or a targetUrl or a torrent file.",
        ));
    }
    start(tube, user, input, None, None)
        .await?
        .ok_or(TubeError::NotFound("video import"))
}

/// An http(s) URL given as `field`, at most [`MAX_URL`] long; a 400 naming it otherwise.
fn target(raw: Option<&str>, field: &str) -> TubeResult<url::Url> {
    let raw = raw.map(str::trim).unwrap_or_default();
    url::Url::parse(raw)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .filter(|_| raw.len() <= MAX_URL)
        .ok_or_else(|| bad(&format!("Incorrect request parameters: {field}")))
}

/// An import of `input.target_url` into a new video: what the URL holds asked to yt-dlp (none
/// made, `Ok(None)`, when `only_after` is given and its upload is older), the video and its
/// job recorded, as the synchronisation `sync_id` if any.
async fn start(
    tube: &Arc<Tube>,
    user: &User,
    mut input: VideoInput,
    sync_id: Option<i64>,
    only_after: Option<i64>,
) -> TubeResult<Option<VideoImport>> {
    let url = target(input.target_url.take().as_deref(), "targetUrl")?;
    let channel_id = input
        .channel_id
        .ok_or_else(|| bad("Incorrect request parameters: channelId"))?;
    crate::channels::owned(tube, user, channel_id).await?;
    public_only(tube, &url).await?;
    let info = ruche_media::import_info(&tube.settings.imports.yt_dlp, url.as_str())
        .await
        .map_err(|e| {
            TubeError::BadRequest(format!(
                "Cannot fetch information from import for URL {url}: {e}"
            ))
        })?;
    if info["is_live"] == Value::Bool(true) {
        return Err(bad("Cannot download a live streaming."));
    }
    if let Some(after) = only_after {
        let day = after - after.rem_euclid(24 * 3600 * 1000);
        let uploaded = text(&info, "upload_date")
            .filter(|d| d.len() == 8 && d.is_ascii())
            .and_then(|d| {
                ruche_domain::time::parse_date(&format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..]))
            });
        if uploaded.is_some_and(|u| u < day) {
            return Ok(None);
        }
    }
    for named in urls_in(&info) {
        if let Ok(u) = url::Url::parse(named) {
            public_only(tube, &u).await?;
        }
    }
    fill_from(&mut input, &info);
    let new = crate::videos::validate(tube, user, input).await?;
    let uuid = uuid::Uuid::new_v4().to_string();
    let waits = crate::auto_block::wanted(tube, user).await?;
    let mut tx = tube.store.begin().await?;
    let video_id = vstore::insert(tx.ex(), &uuid, &new, "", 0).await?;
    vstore::mark_to_import(tx.ex(), video_id).await?;
    crate::auto_block::if_wanted(tx.ex(), tube, waits, video_id).await?;
    if !new.passwords.is_empty() {
        vstore::replace_passwords(tx.ex(), video_id, &new.passwords).await?;
    }
    crate::index::index_video(tube, tx.ex(), video_id).await?;
    let id = istore::insert(
        tx.ex(),
        user.id,
        video_id,
        url.as_str(),
        ImportState::Pending.id(),
        sync_id,
    )
    .await?;
    let payload = serde_json::json!({ "importId": id }).to_string();
    ruche_store::jobs::enqueue(tx.ex(), IMPORT, &payload, Some(video_id), 1).await?;
    let made = istore::by_id(tx.ex(), id)
        .await?
        .ok_or(TubeError::NotFound("import"))?;
    tx.commit().await?;
    tube.import_ready.notify_one();
    Ok(Some(made))
}

/// An import `user` may manage: their own, or any for a moderator.
async fn managed(tube: &Tube, user: &User, id: i64) -> TubeResult<VideoImport> {
    let mut c = tube.store.read().await?;
    let i = istore::by_id(c.ex(), id)
        .await?
        .ok_or(TubeError::NotFound("video import"))?;
    if i.user_id != user.id && !user.role.can_moderate() {
        return Err(TubeError::Forbidden(
            "Cannot manage video import of another user".into(),
        ));
    }
    Ok(i)
}

/// Cancels a pending import (its video stays, waiting, as PeerTube leaves it).
pub async fn cancel(tube: &Tube, user: &User, id: i64) -> TubeResult<()> {
    managed(tube, user, id).await?;
    let mut tx = tube.store.begin().await?;
    let pending = [ImportState::Pending.id()];
    if !istore::set_state(tx.ex(), id, &pending, ImportState::Cancelled.id(), None).await? {
        return Err(TubeError::Conflict(
            "Cannot cancel a non pending video import.".into(),
        ));
    }
    tx.commit().await?;
    Ok(())
}

/// Forgets an import that is not pending (its video, if any, stays).
pub async fn delete(tube: &Tube, user: &User, id: i64) -> TubeResult<()> {
    let i = managed(tube, user, id).await?;
    if i.state == ImportState::Pending.id() {
        return Err(TubeError::Conflict(
            "Cannot delete a pending video import. Cancel it or wait for the end of the import first."
                .into(),
        ));
    }
    let mut tx = tube.store.begin().await?;
    istore::delete(tx.ex(), id).await?;
    tx.commit().await?;
    Ok(())
}

/// A page of `user`'s imports, those `f` selects.
pub async fn of_user(
    tube: &Tube,
    user: &User,
    f: &ImportFilter<'_>,
) -> TubeResult<(Vec<Listed>, i64)> {
    let mut c = tube.store.read().await?;
    let (list, total) = istore::of_user(c.ex(), user.id, f).await?;
    let ids: Vec<i64> = list.iter().filter_map(|i| i.video_id).collect();
    let videos: std::collections::HashMap<i64, vstore::Video> = vstore::by_ids(c.ex(), &ids)
        .await?
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    // A page names few synchronisations (a user has few): each read once.
    let mut syncs: std::collections::HashMap<i64, Option<istore::ChannelSync>> =
        std::collections::HashMap::new();
    for id in list.iter().filter_map(|i| i.sync_id) {
        if let std::collections::hash_map::Entry::Vacant(e) = syncs.entry(id) {
            e.insert(istore::sync_by_id(c.ex(), id).await?);
        }
    }
    let out = list
        .into_iter()
        .map(|i| Listed {
            video: i.video_id.and_then(|id| videos.get(&id).cloned()),
            sync: i.sync_id.and_then(|id| syncs.get(&id).cloned().flatten()),
            import: i,
        })
        .collect();
    Ok((out, total))
}

/// An import as its list shows it: with its video and the synchronisation that made it, if
/// they are still there.
pub struct Listed {
    pub import: VideoImport,
    pub video: Option<vstore::Video>,
    pub sync: Option<istore::ChannelSync>,
}

/// Starts the import workers (a `ruche_jobs` queue); they run until `shutdown`.
pub fn spawn(tube: Arc<Tube>, shutdown: tokio_util::sync::CancellationToken) {
    let queue = ruche_jobs::Queue {
        name: "imports",
        kinds: vec![IMPORT, CHANNEL_IMPORT],
        workers: tube.settings.imports.concurrency.max(1),
        lease: Duration::from_secs(tube.settings.jobs.lease_secs.max(1)),
        poll: Duration::from_secs(2),
        grace: Duration::from_secs(10),
    };
    let wake = tube.import_ready.clone();
    if tube.settings.imports.sync_enabled {
        let every = Duration::from_secs(
            tube.settings
                .imports
                .sync_check_interval_secs
                .clamp(1, 7 * 24 * 3600),
        );
        let t = tube.clone();
        ruche_jobs::every(
            "channel synchronisations",
            every,
            shutdown.clone(),
            move || {
                let t = t.clone();
                async move {
                    enqueue_due_syncs(&t)
                        .await
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                }
            },
        );
    }
    ruche_jobs::spawn(
        tube.store.clone(),
        queue,
        wake,
        shutdown,
        Arc::new(Importing(tube)),
    );
}

struct Importing(Arc<Tube>);

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload {
    import_id: i64,
}

impl ruche_jobs::Handler for Importing {
    async fn run(&self, job: Job) -> ruche_jobs::Outcome {
        let done = if job.kind == CHANNEL_IMPORT {
            let Ok(p) = serde_json::from_str::<ChannelPayload>(&job.payload) else {
                return ruche_jobs::Outcome::Failed("not a channel import's job".into());
            };
            run_channel(&self.0, &p).await
        } else {
            let Ok(p) = serde_json::from_str::<Payload>(&job.payload) else {
                return ruche_jobs::Outcome::Failed("not an import's job".into());
            };
            run(&self.0, p.import_id).await
        };
        match done {
            Ok(()) => ruche_jobs::Outcome::Done,
            Err(TubeError::DiskFull) => ruche_jobs::Outcome::Later {
                reason: TubeError::DiskFull.to_string(),
                after: Duration::from_secs(10 * 60),
            },
            Err(e) => ruche_jobs::Outcome::Retry {
                reason: e.to_string(),
                after: Duration::from_secs(30),
            },
        }
    }

    async fn gave_up(&self, job: Job, reason: String) {
        if let Ok(p) = serde_json::from_str::<Payload>(&job.payload)
            && let Err(e) = failed(&self.0, p.import_id, &reason).await
        {
            tracing::error!("import {}: cannot record the failure: {e}", p.import_id);
        }
    }
}

/// One import's job: the download, checked as an upload, then the ladder. What goes wrong
/// with the URL or the file is the import's failure (recorded, its video removed), not the
/// job's.
async fn run(tube: &Arc<Tube>, id: i64) -> TubeResult<()> {
    let (import, video, user) = {
        let mut c = tube.store.read().await?;
        let Some(i) = istore::by_id(c.ex(), id).await? else {
            return Ok(()); // Deleted meanwhile.
        };
        let video = match i.video_id {
            Some(v) => vstore::by_id(c.ex(), v).await?,
            None => None,
        };
        let user = ruche_store::users::user_by_id(c.ex(), i.user_id).await?;
        (i, video, user)
    };
    let waiting = [ImportState::Pending.id(), ImportState::Processing.id()];
    if !waiting.contains(&import.state) {
        return Ok(()); // Cancelled, or done by an earlier attempt.
    }
    let Some(video) = video.filter(|v| v.state == VideoState::ToImport) else {
        return failed(tube, id, "The video was deleted before its import.").await;
    };
    {
        let mut tx = tube.store.begin().await?;
        istore::set_state(tx.ex(), id, &waiting, ImportState::Processing.id(), None).await?;
        tx.commit_unseen().await?;
    }
    match fetch_file(tube, &import, &video, &user).await {
        Ok(()) => Ok(()),
        Err(e @ (TubeError::DiskFull | TubeError::Store(_))) => Err(e),
        Err(e) => failed(tube, id, &e.to_string()).await,
    }
}

/// Downloads the import's file and hands it to the ladder as the video's source.
async fn fetch_file(
    tube: &Arc<Tube>,
    import: &VideoImport,
    video: &vstore::Video,
    user: &User,
) -> TubeResult<()> {
    let room = crate::quota::room(tube, user, None).await?;
    let max = [
        room.map(|r| r.max(0) as u64),
        tube.settings.transcoding.max_upload_size,
    ]
    .into_iter()
    .flatten()
    .min()
    .unwrap_or(MAX_IMPORT_BYTES);
    let dir = tube.storage.work_dir(&format!("import-{}", import.id));
    let file = ruche_media::import_download(
        &tube.settings.imports.yt_dlp,
        &import.target_url,
        &dir,
        max,
        Duration::from_secs(tube.settings.imports.timeout_secs),
    )
    .await
    .map_err(|e| match e {
        ruche_media::MediaError::TooLarge { .. } => TubeError::TooLarge(
            "The user video quota is exceeded with this video to import.".into(),
        ),
        other => TubeError::Unprocessable(other.to_string()),
    });
    let result = async {
        let file = file?;
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let size = tokio::fs::metadata(&file).await?.len() as i64;
        let probe = crate::videos::received_media(tube, &file, size).await?;
        if crate::quota::room(tube, user, None)
            .await?
            .is_some_and(|room| size > room)
        {
            return Err(TubeError::TooLarge(
                "The user video quota is exceeded with this video to import.".into(),
            ));
        }
        let source = tube.storage.source(&video.uuid);
        crate::storage::move_file(&file, &source).await?;
        let mut made =
            crate::torrents::make_source(tube, &video.uuid, &video.name, &probe, &source).await?;
        let mut tx = tube.store.begin().await?;
        let still = vstore::by_id(tx.ex(), video.id).await?;
        if still.is_none_or(|v| v.state != VideoState::ToImport) {
            return Err(TubeError::NotFound("video"));
        }
        vstore::start_replacement(tx.ex(), video.id, size, &name).await?;
        made.video_id = video.id;
        vstore::set_source(tx.ex(), &made).await?;
        let payload = serde_json::json!({ "videoId": video.id }).to_string();
        ruche_store::jobs::enqueue(tx.ex(), TRANSCODE, &payload, Some(video.id), 3).await?;
        istore::set_state(tx.ex(), import.id, &[], ImportState::Success.id(), None).await?;
        crate::notify::import_finished(tx.ex(), tube, import.user_id, import.id, true).await?;
        tx.commit().await?;
        tube.transcode_ready.notify_one();
        tube.mail_ready.notify_one();
        Ok(())
    }
    .await;
    crate::storage::remove_dir_if_exists(&dir).await?;
    result
}

/// Records why an import failed and removes its video, which never got a file (PeerTube 6).
async fn failed(tube: &Tube, id: i64, why: &str) -> TubeResult<()> {
    let mut tx = tube.store.begin().await?;
    let Some(i) = istore::by_id(tx.ex(), id).await? else {
        return Ok(());
    };
    istore::set_state(tx.ex(), id, &[], ImportState::Failed.id(), Some(why)).await?;
    let video = match i.video_id {
        Some(v) => vstore::by_id(tx.ex(), v)
            .await?
            .filter(|v| v.state == VideoState::ToImport),
        None => None,
    };
    if let Some(v) = &video {
        vstore::delete(tx.ex(), v.id).await?;
    }
    crate::notify::import_finished(tx.ex(), tube, i.user_id, id, false).await?;
    tx.commit().await?;
    tube.mail_ready.notify_one();
    if let Some(v) = video {
        tube.storage.remove_video_files(&v).await?;
    }
    Ok(())
}

/// The job kind of a channel's import: a synchronisation's run, or a whole channel at once.
pub const CHANNEL_IMPORT: &str = "channel-import";

/// PeerTube's `VideoChannelSyncState` labels.
pub fn sync_state_label(id: i64) -> &'static str {
    match id {
        1 => "Waiting first run",
        2 => "Processing",
        3 => "Synchronized",
        4 => "Failed",
        _ => "Unknown",
    }
}
const SYNC_WAITING: i64 = 1;
const SYNC_PROCESSING: i64 = 2;
const SYNC_DONE: i64 = 3;
const SYNC_FAILED: i64 = 4;

/// What a channel's import job does.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChannelPayload {
    channel_id: i64,
    url: String,
    sync_id: Option<i64>,
    /// The most videos listed (the latest first).
    limit: u32,
    /// Only videos uploaded from this day on (ms), as a synchronisation's runs take them.
    only_after: Option<i64>,
}

/// Starts synchronising another site's channel at `external_url` into `user`'s channel
/// `channel_id`: its new videos are imported every check (PeerTube's channel synchronisation,
/// which imports those published since; the ones before are imported on request,
/// [`import_channel`]).
pub async fn create_sync(
    tube: &Tube,
    user: &User,
    external_url: Option<&str>,
    channel_id: Option<i64>,
) -> TubeResult<istore::ChannelSync> {
    if !tube.settings.imports.sync_enabled {
        return Err(TubeError::Forbidden(
            "Synchronization is impossible as video channel synchronization is not enabled on the server".into(),
        ));
    }
    let url = target(external_url, "externalChannelUrl")?;
    let channel_id =
        channel_id.ok_or_else(|| bad("Incorrect request parameters: videoChannelId"))?;
    let ch = crate::channels::owned(tube, user, channel_id).await?;
    let max = tube.settings.imports.max_syncs_per_user;
    let mut tx = tube.store.begin().await?;
    let (_, existing) = istore::syncs_of_account(tx.ex(), ch.account_id, 0, 0).await?;
    if existing >= max as i64 {
        return Err(bad(&format!(
            "You cannot create more than {max} channel synchronizations"
        )));
    }
    let id = istore::insert_sync(tx.ex(), ch.id, url.as_str(), SYNC_WAITING).await?;
    let made = istore::sync_by_id(tx.ex(), id)
        .await?
        .ok_or(TubeError::NotFound("channel synchronization"))?;
    tx.commit().await?;
    Ok(made)
}

/// A synchronisation `user` may manage: of their account, or any for a moderator.
async fn managed_sync(tube: &Tube, user: &User, id: i64) -> TubeResult<istore::ChannelSync> {
    let mut c = tube.store.read().await?;
    let s = istore::sync_by_id(c.ex(), id)
        .await?
        .ok_or(TubeError::NotFound("channel synchronization"))?;
    let account = ruche_store::users::account_of_user(c.ex(), user.id).await?;
    if s.account_id != account.id && !user.role.can_moderate() {
        return Err(TubeError::Forbidden(
            "Cannot manage this channel synchronization".into(),
        ));
    }
    Ok(s)
}

/// Stops a synchronisation (the videos it imported stay).
pub async fn delete_sync(tube: &Tube, user: &User, id: i64) -> TubeResult<()> {
    managed_sync(tube, user, id).await?;
    let mut tx = tube.store.begin().await?;
    istore::delete_sync(tx.ex(), id).await?;
    tx.commit().await?;
    Ok(())
}

/// A page of an account's synchronisations, for its owner or a moderator.
pub async fn syncs_of(
    tube: &Tube,
    user: &User,
    account: &crate::accounts::Account,
    start: i64,
    count: i64,
) -> TubeResult<(Vec<(istore::ChannelSync, crate::accounts::Channel)>, i64)> {
    if account.user_id != Some(user.id) && !user.role.can_moderate() {
        return Err(TubeError::Forbidden(
            "Cannot list the synchronizations of another account".into(),
        ));
    }
    let mut c = tube.store.read().await?;
    let (list, total) = istore::syncs_of_account(c.ex(), account.id, start, count).await?;
    let mut out = Vec::with_capacity(list.len());
    for s in list {
        if let Some(ch) = ruche_store::users::channel_by_id(c.ex(), s.channel_id).await? {
            out.push((s, ch));
        }
    }
    Ok((out, total))
}

/// Imports every video (up to the full-import limit) of another site's channel at
/// `external_url` into `user`'s `channel`, as a job; with `sync_id`, as that synchronisation's run.
pub async fn import_channel(
    tube: &Tube,
    user: &User,
    channel_id: i64,
    external_url: Option<&str>,
    sync_id: Option<i64>,
) -> TubeResult<()> {
    if !tube.settings.imports.http_enabled {
        return Err(TubeError::Forbidden(
            "Channel import is impossible as video upload via HTTP is not enabled on the server"
                .into(),
        ));
    }
    let url = target(external_url, "externalChannelUrl")?;
    crate::channels::owned(tube, user, channel_id).await?;
    if let Some(id) = sync_id {
        let s = managed_sync(tube, user, id).await?;
        if s.channel_id != channel_id {
            return Err(TubeError::Forbidden(
                "This channel sync is not owned by this channel".into(),
            ));
        }
    }
    let payload = ChannelPayload {
        channel_id,
        url: url.to_string(),
        sync_id,
        limit: tube.settings.imports.full_sync_videos_limit,
        only_after: None,
    };
    let mut tx = tube.store.begin().await?;
    enqueue_channel(tx.ex(), &payload).await?;
    tx.commit().await?;
    tube.import_ready.notify_one();
    Ok(())
}

/// Runs a synchronisation now, every video of its channel included.
pub async fn sync_now(tube: &Tube, user: &User, id: i64) -> TubeResult<()> {
    let s = managed_sync(tube, user, id).await?;
    import_channel(tube, user, s.channel_id, Some(&s.external_url), Some(id)).await
}

async fn enqueue_channel(ex: ruche_store::Ex<'_>, p: &ChannelPayload) -> TubeResult<()> {
    let payload = serde_json::to_string(p).map_err(|e| TubeError::Internal(e.to_string()))?;
    ruche_store::jobs::enqueue(ex, CHANNEL_IMPORT, &payload, None, 1).await?;
    Ok(())
}

/// Enqueues the runs of the synchronisations due (not run for an interval), each marked as
/// running in the same transaction so that no other process enqueues it again.
pub async fn enqueue_due_syncs(tube: &Tube) -> TubeResult<usize> {
    let every = tube.settings.imports.sync_check_interval_secs as i64 * 1000;
    let now = ruche_domain::time::now_ms();
    let mut tx = tube.store.begin().await?;
    let due = istore::syncs_due(tx.ex(), now - every, 100).await?;
    for s in &due {
        let p = ChannelPayload {
            channel_id: s.channel_id,
            url: s.external_url.clone(),
            sync_id: Some(s.id),
            limit: tube.settings.imports.sync_videos_limit,
            only_after: Some(s.last_sync_at.unwrap_or(s.created_at)),
        };
        enqueue_channel(tx.ex(), &p).await?;
        istore::set_sync_state(tx.ex(), s.id, SYNC_PROCESSING, Some(now)).await?;
    }
    tx.commit().await?;
    if !due.is_empty() {
        tube.import_ready.notify_one();
    }
    Ok(due.len())
}

/// A channel's import: its latest videos listed by yt-dlp, each not imported into the channel
/// yet imported (public, as PeerTube imports a synchronisation's). One that cannot be is said in
/// the log and makes the synchronisation "Failed"; the others go on.
async fn run_channel(tube: &Arc<Tube>, p: &ChannelPayload) -> TubeResult<()> {
    let owner = {
        let mut c = tube.store.read().await?;
        let Some(ch) = ruche_store::users::channel_by_id(c.ex(), p.channel_id).await? else {
            return Ok(()); // The channel went meanwhile.
        };
        let account = ruche_store::users::account_by_id(c.ex(), ch.account_id).await?;
        let Some(uid) = account.user_id else {
            return Ok(());
        };
        ruche_store::users::user_by_id(c.ex(), uid).await?
    };
    let now = ruche_domain::time::now_ms();
    if let Some(s) = p.sync_id {
        let mut tx = tube.store.begin().await?;
        istore::set_sync_state(tx.ex(), s, SYNC_PROCESSING, Some(now)).await?;
        tx.commit_unseen().await?;
    }
    let mut ok = true;
    match ruche_media::import_list(&tube.settings.imports.yt_dlp, &p.url, p.limit).await {
        Err(e) => {
            tracing::info!(url = %p.url, "channel import: nothing listed: {e}");
            ok = false;
        }
        Ok(urls) => {
            for u in urls {
                let known = {
                    let mut c = tube.store.read().await?;
                    istore::already_imported(c.ex(), p.channel_id, &u).await?
                };
                if known {
                    continue;
                }
                let input = VideoInput {
                    channel_id: Some(p.channel_id),
                    target_url: Some(u.clone()),
                    privacy: Some(ruche_domain::video::Privacy::Public.id()),
                    ..VideoInput::default()
                };
                if let Err(e) = start(tube, &owner, input, p.sync_id, p.only_after).await {
                    tracing::info!(url = %u, "channel import: not imported: {e}");
                    ok = false;
                }
            }
        }
    }
    if let Some(s) = p.sync_id {
        let mut tx = tube.store.begin().await?;
        let state = if ok { SYNC_DONE } else { SYNC_FAILED };
        istore::set_sync_state(tx.ex(), s, state, None).await?;
        tx.commit_unseen().await?;
    }
    Ok(())
}

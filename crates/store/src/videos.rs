//! Videos, their rendition files, resumable uploads in progress, views and quota sums.

use crate::{Bind, Ex, Result, StoreError, dual, now_ms};
use ruche_domain::follow::FollowState;
use ruche_domain::video::{CommentsPolicy, Privacy, VideoState};

/// A video with its channel and account, as every read needs them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Video {
    pub id: i64,
    pub uuid: String,
    pub channel_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub support: Option<String>,
    #[sqlx(try_from = "i64")]
    pub privacy: Privacy,
    pub category: Option<i64>,
    pub licence: Option<i64>,
    pub language: Option<String>,
    pub tags: String,
    pub nsfw: bool,
    #[sqlx(try_from = "i64")]
    pub comments_policy: CommentsPolicy,
    pub download_enabled: bool,
    pub wait_transcoding: bool,
    #[sqlx(try_from = "i64")]
    pub state: VideoState,
    pub failure_reason: Option<String>,
    pub progress: i64,
    pub duration: i64,
    pub aspect_ratio: Option<f64>,
    pub views: i64,
    pub likes: i64,
    pub dislikes: i64,
    pub quota_size: i64,
    pub source_filename: String,
    pub playlist_filename: Option<String>,
    pub sha256_filename: Option<String>,
    pub thumbnail_filename: Option<String>,
    pub preview_filename: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub published_at: Option<i64>,
    /// When it was first published elsewhere, as its owner says (PeerTube's
    /// `originallyPublishedAt`).
    pub originally_published_at: Option<i64>,
    /// PeerTube 7.2's NSFW flags (1 violent, 2 explicit sex), when `nsfw`.
    pub nsfw_flags: i64,
    pub nsfw_summary: Option<String>,
    /// Whole downloads of its files (PeerTube's `downloads`).
    pub downloads: i64,
    pub channel_name: String,
    pub channel_display_name: String,
    pub channel_description: Option<String>,
    pub channel_support: Option<String>,
    pub channel_created_at: i64,
    pub channel_updated_at: i64,
    pub account_id: i64,
    pub account_name: String,
    pub account_display_name: String,
    pub account_description: Option<String>,
    pub account_created_at: i64,
    pub account_updated_at: i64,
    pub user_id: Option<i64>,
    /// The ActivityPub id of another instance's video; `None` for ours.
    pub url: Option<String>,
    /// Where a remote video plays from (JSON of its origin's links); `None` for ours.
    pub remote_media: Option<String>,
    pub channel_url: Option<String>,
    pub channel_host: Option<String>,
    pub account_url: Option<String>,
    pub account_host: Option<String>,
    pub channel_avatars: Option<String>,
    pub account_avatars: Option<String>,
    /// Its comments that are neither deleted nor held for approval (PeerTube's `comments`).
    pub comments: i64,
    /// Our video's storyboard as JSON ([`ruche_domain::video::Storyboard`]).
    pub storyboard: Option<String>,
    /// Its block by a moderator (`video_blocks`), if blocked: the block's id, its reason, and
    /// whether other instances were told to forget the video.
    pub block_id: Option<i64>,
    pub block_reason: Option<String>,
    pub block_unfederated: Option<bool>,
}

impl Video {
    /// Whether a moderator blocked it (PeerTube's `blacklisted`).
    pub fn is_blocked(&self) -> bool {
        self.block_id.is_some()
    }
    /// Whether the video is one of this instance's.
    pub fn is_local(&self) -> bool {
        self.url.is_none()
    }
    /// Our video's storyboard, once made (another instance's is in its `remote_media`).
    pub fn local_storyboard(&self) -> Option<ruche_domain::video::Storyboard> {
        serde_json::from_str(self.storyboard.as_deref()?).ok()
    }
}

/// The columns of a [`Video`], for [`VIDEO_SELECT`] and for reads that add their own.
macro_rules! video_columns {
    () => {
        "v.id, v.uuid, v.channel_id, v.name, v.description, v.support, v.privacy,
    v.category, v.licence, v.language, v.tags, v.nsfw, v.comments_policy, v.download_enabled,
    v.wait_transcoding, v.state, v.failure_reason, v.progress, v.duration, v.aspect_ratio, v.views,
    v.likes, v.dislikes, v.quota_size, v.source_filename, v.playlist_filename, v.sha256_filename,
    v.thumbnail_filename, v.preview_filename, v.created_at, v.updated_at, v.published_at,
    v.originally_published_at, v.nsfw_flags, v.nsfw_summary, v.downloads, c.name AS channel_name, c.display_name AS channel_display_name,
    c.description AS channel_description, c.support AS channel_support,
    c.created_at AS channel_created_at, c.updated_at AS channel_updated_at,
    a.id AS account_id, a.name AS account_name, a.display_name AS account_display_name,
    a.description AS account_description, a.created_at AS account_created_at,
    a.updated_at AS account_updated_at, a.user_id AS user_id, v.url, v.remote_media,
    c.url AS channel_url, c.host AS channel_host, a.url AS account_url, a.host AS account_host,
    c.avatars AS channel_avatars, a.avatars AS account_avatars,
    (SELECT COUNT(*) FROM video_comments vc WHERE vc.video_id = v.id AND vc.deleted_at IS NULL
     AND vc.held_for_review = FALSE) AS comments,
    v.storyboard, vb.id AS block_id, vb.reason AS block_reason, vb.unfederated AS block_unfederated"
    };
}

/// The joins a [`Video`] is read through.
macro_rules! video_from {
    () => {
        " FROM videos v JOIN channels c ON c.id = v.channel_id JOIN accounts a ON a.id = c.account_id
         LEFT JOIN video_blocks vb ON vb.video_id = v.id"
    };
}

const VIDEO_SELECT: &str = concat!("SELECT ", video_columns!(), video_from!());

/// The metadata a new video is created with.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct NewVideo {
    pub channel_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub support: Option<String>,
    pub privacy: Privacy,
    pub category: Option<i64>,
    pub licence: Option<i64>,
    pub language: Option<String>,
    pub tags: Vec<String>,
    pub nsfw: bool,
    /// Upload sessions begun before the policy replaced `comments_enabled` kept a yes/no.
    #[serde(alias = "comments_enabled", deserialize_with = "policy_or_yes_no")]
    pub comments_policy: CommentsPolicy,
    pub download_enabled: bool,
    pub wait_transcoding: bool,
    #[serde(default)]
    pub originally_published_at: Option<i64>,
    /// A password-protected video's passwords (written by [`replace_passwords`]).
    #[serde(default)]
    pub passwords: Vec<String>,
}

/// Reads a [`NewVideo`]'s comments policy as a number, or as the yes/no stored before it.
fn policy_or_yes_no<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<CommentsPolicy, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Stored {
        Policy(CommentsPolicy),
        YesNo(bool),
    }
    Ok(match serde::Deserialize::deserialize(d)? {
        Stored::Policy(p) => p,
        Stored::YesNo(true) => CommentsPolicy::Enabled,
        Stored::YesNo(false) => CommentsPolicy::Disabled,
    })
}

/// Inserts a video in state "to transcode"; returns its id.
pub async fn insert(
    ex: Ex<'_>,
    uuid: &str,
    v: &NewVideo,
    source_filename: &str,
    source_size: i64,
) -> Result<i64> {
    let now = now_ms();
    let tags = serde_json::to_string(&v.tags).unwrap_or_else(|_| "[]".into());
    dual!(ex, |c| {
        sqlx::query_scalar(
        "INSERT INTO videos (uuid, channel_id, name, description, support, privacy, category, licence,
            language, tags, nsfw, comments_policy, download_enabled, wait_transcoding, state,
            quota_size, source_filename, created_at, updated_at, originally_published_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $18, $15, $16, $17, $17, $19)
         RETURNING id"
    )
    .bind(uuid)
    .bind(v.channel_id)
    .bind(&v.name)
    .bind(&v.description)
    .bind(&v.support)
    .bind(v.privacy.id())
    .bind(v.category)
    .bind(v.licence)
    .bind(&v.language)
    .bind(&tags)
    .bind(v.nsfw)
    .bind(v.comments_policy.id())
    .bind(v.download_enabled)
    .bind(v.wait_transcoding)
    .bind(source_size)
    .bind(source_filename)
    .bind(now)
    .bind(VideoState::ToTranscode.id())
    .bind(v.originally_published_at)
    .fetch_one(c)
    .await
    .map_err(StoreError::from)
    })
}

pub async fn by_id(ex: Ex<'_>, id: i64) -> Result<Option<Video>> {
    let sql = format!("{VIDEO_SELECT} WHERE v.id = $1");
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_optional(c)
        .await
        .map_err(StoreError::from))
}

pub async fn by_uuid(ex: Ex<'_>, uuid: &str) -> Result<Option<Video>> {
    let sql = format!("{VIDEO_SELECT} WHERE v.uuid = $1");
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(uuid)
        .fetch_optional(c)
        .await
        .map_err(StoreError::from))
}

/// The videos of `ids` that exist, in no particular order.
pub async fn by_ids(ex: Ex<'_>, ids: &[i64]) -> Result<Vec<Video>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{VIDEO_SELECT} WHERE v.id IN ({})",
        crate::placeholders(1, ids.len())
    );
    dual!(ex, |c| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(c).await.map_err(StoreError::from)
    })
}

/// A day in milliseconds: [`add_view`] counts views per UTC day for trending.
pub const DAY_MS: i64 = 24 * 3600 * 1000;

/// What an edit sets (PeerTube's `PUT /api/v1/videos/{id}`): every field, as checked by the
/// service from the video's current values and the request.
#[derive(Debug, Clone)]
pub struct VideoEdit {
    pub channel_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub support: Option<String>,
    pub category: Option<i64>,
    pub licence: Option<i64>,
    pub language: Option<String>,
    pub tags: Vec<String>,
    pub nsfw: bool,
    pub nsfw_flags: i64,
    pub nsfw_summary: Option<String>,
    pub comments_policy: CommentsPolicy,
    pub download_enabled: bool,
    pub wait_transcoding: bool,
    pub originally_published_at: Option<i64>,
    pub privacy: Privacy,
    pub published_at: Option<i64>,
}

impl VideoEdit {
    /// The video's values as they stand: what an edit starts from.
    pub fn of(v: &Video) -> VideoEdit {
        VideoEdit {
            channel_id: v.channel_id,
            name: v.name.clone(),
            description: v.description.clone(),
            support: v.support.clone(),
            category: v.category,
            licence: v.licence,
            language: v.language.clone(),
            tags: serde_json::from_str(&v.tags).unwrap_or_default(),
            nsfw: v.nsfw,
            nsfw_flags: v.nsfw_flags,
            nsfw_summary: v.nsfw_summary.clone(),
            comments_policy: v.comments_policy,
            download_enabled: v.download_enabled,
            wait_transcoding: v.wait_transcoding,
            originally_published_at: v.originally_published_at,
            privacy: v.privacy,
            published_at: v.published_at,
        }
    }
}

/// Writes an edit of video `id`.
pub async fn edit(ex: Ex<'_>, id: i64, e: &VideoEdit) -> Result<()> {
    let tags = serde_json::to_string(&e.tags).unwrap_or_else(|_| "[]".into());
    dual!(ex, |c| {
        sqlx::query(
            "UPDATE videos SET channel_id = $2, name = $3, description = $4, support = $5,
                category = $6, licence = $7, language = $8, tags = $9, nsfw = $10, nsfw_flags = $11,
                nsfw_summary = $12, comments_policy = $13, download_enabled = $14,
                wait_transcoding = $15, originally_published_at = $16, privacy = $17,
                published_at = $18, updated_at = $19
             WHERE id = $1",
        )
        .bind(id)
        .bind(e.channel_id)
        .bind(&e.name)
        .bind(&e.description)
        .bind(&e.support)
        .bind(e.category)
        .bind(e.licence)
        .bind(&e.language)
        .bind(&tags)
        .bind(e.nsfw)
        .bind(e.nsfw_flags)
        .bind(&e.nsfw_summary)
        .bind(e.comments_policy.id())
        .bind(e.download_enabled)
        .bind(e.wait_transcoding)
        .bind(e.originally_published_at)
        .bind(e.privacy.id())
        .bind(e.published_at)
        .bind(now_ms())
        .execute(c)
        .await
        .map(|_| ())
        .map_err(StoreError::from)
    })
}

/// Sets a local video's thumbnail or preview file names (a picture its owner chose); `None`
/// keeps the current one.
pub async fn set_pictures(
    ex: Ex<'_>,
    id: i64,
    thumbnail: Option<&str>,
    preview: Option<&str>,
) -> Result<()> {
    dual!(ex, |c| {
        sqlx::query(
            "UPDATE videos SET thumbnail_filename = COALESCE($2, thumbnail_filename),
                preview_filename = COALESCE($3, preview_filename), updated_at = $4
             WHERE id = $1",
        )
        .bind(id)
        .bind(thumbnail)
        .bind(preview)
        .bind(now_ms())
        .execute(c)
        .await
        .map(|_| ())
        .map_err(StoreError::from)
    })
}

/// A video's scheduled update: when, and the privacy it then takes (if any).
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Schedule {
    pub update_at: i64,
    pub privacy: Option<i64>,
}

pub async fn schedule_of(ex: Ex<'_>, video_id: i64) -> Result<Option<Schedule>> {
    dual!(ex, |c| sqlx::query_as(
        "SELECT update_at, privacy FROM video_schedules WHERE video_id = $1"
    )
    .bind(video_id)
    .fetch_optional(c)
    .await
    .map_err(StoreError::from))
}

/// Sets (or moves) the video's scheduled update.
pub async fn set_schedule(ex: Ex<'_>, video_id: i64, s: Schedule) -> Result<()> {
    dual!(ex, |c| {
        sqlx::query(
        "INSERT INTO video_schedules (video_id, update_at, privacy) VALUES ($1, $2, $3)
         ON CONFLICT (video_id) DO UPDATE SET update_at = excluded.update_at, privacy = excluded.privacy"
    )
    .bind(video_id)
    .bind(s.update_at)
    .bind(s.privacy)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from)
    })
}

/// Removes the video's scheduled update; whether there was one.
pub async fn delete_schedule(ex: Ex<'_>, video_id: i64) -> Result<bool> {
    dual!(ex, |c| sqlx::query(
        "DELETE FROM video_schedules WHERE video_id = $1"
    )
    .bind(video_id)
    .execute(c)
    .await
    .map(|r| r.rows_affected() > 0)
    .map_err(StoreError::from))
}

/// One of a password-protected video's passwords.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VideoPassword {
    pub id: i64,
    pub video_id: i64,
    pub password: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A page of the video's passwords (oldest first, or newest when `newest_first`) and their
/// number.
pub async fn passwords(
    ex: Ex<'_>,
    video_id: i64,
    start: i64,
    count: i64,
    newest_first: bool,
) -> Result<(Vec<VideoPassword>, i64)> {
    let order = if newest_first { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT id, video_id, password, created_at, updated_at FROM video_passwords
         WHERE video_id = $1 ORDER BY created_at {order}, id {order} LIMIT $2 OFFSET $3"
    );
    dual!(ex, |c| {
        let rows = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(video_id)
            .bind(count)
            .bind(start)
            .fetch_all(&mut *c)
            .await?;
        let total: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM video_passwords WHERE video_id = $1")
                .bind(video_id)
                .fetch_one(&mut *c)
                .await?;
        Ok((rows, total))
    })
}

/// Replaces the video's passwords by `list` (duplicates kept once).
pub async fn replace_passwords(mut ex: Ex<'_>, video_id: i64, list: &[String]) -> Result<()> {
    let now = now_ms();
    dual!(ex.reborrow(), |c| sqlx::query(
        "DELETE FROM video_passwords WHERE video_id = $1"
    )
    .bind(video_id)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))?;
    for p in list {
        dual!(ex.reborrow(), |c| sqlx::query(
            "INSERT INTO video_passwords (video_id, password, created_at, updated_at)
             VALUES ($1, $2, $3, $3) ON CONFLICT (video_id, password) DO NOTHING"
        )
        .bind(video_id)
        .bind(p)
        .bind(now)
        .execute(c)
        .await
        .map(|_| ())
        .map_err(StoreError::from))?;
    }
    Ok(())
}

/// Removes one password of the video; whether it was there.
pub async fn delete_password(ex: Ex<'_>, video_id: i64, id: i64) -> Result<bool> {
    dual!(ex, |c| sqlx::query(
        "DELETE FROM video_passwords WHERE video_id = $1 AND id = $2"
    )
    .bind(video_id)
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected() > 0)
    .map_err(StoreError::from))
}

/// Whether `password` is one of the video's.
pub async fn password_matches(ex: Ex<'_>, video_id: i64, password: &str) -> Result<bool> {
    dual!(ex, |c| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM video_passwords WHERE video_id = $1 AND password = $2"
    )
    .bind(video_id)
    .bind(password)
    .fetch_one(c)
    .await
    .map(|n| n > 0)
    .map_err(StoreError::from))
}

/// What a list is ordered by (PeerTube's `sort`, without its `-`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// `publishedAt` (a video not yet published: by its creation).
    #[default]
    Published,
    /// `originallyPublishedAt`, its publication here where it has none.
    OriginallyPublished,
    Created,
    Updated,
    Name,
    Duration,
    Views,
    Likes,
    /// `trending`: views counted here over the last [`ListFilter::trending_days`] days.
    Trending,
    /// `match`: how well a search matched (without a search, as `publishedAt`).
    Match,
    /// `hot` (and `best`): PeerTube's score of likes, dislikes, views and comments (their
    /// logarithms, weighted), plus a half-day's worth for each 47,000 s of its publication date.
    Hot,
}

impl Sort {
    /// PeerTube's name of a sort column; `None` for one it does not sort videos by.
    pub fn parse(column: &str) -> Option<Sort> {
        Some(match column {
            "publishedAt" => Sort::Published,
            "originallyPublishedAt" => Sort::OriginallyPublished,
            "createdAt" => Sort::Created,
            "updatedAt" => Sort::Updated,
            "name" => Sort::Name,
            "duration" => Sort::Duration,
            "views" => Sort::Views,
            "likes" => Sort::Likes,
            "trending" => Sort::Trending,
            "hot" | "best" => Sort::Hot,
            "match" => Sort::Match,
            _ => return None,
        })
    }

    /// The SQL expression ordered by.
    fn key(self) -> &'static str {
        match self {
            Sort::Published => "COALESCE(v.published_at, v.created_at)",
            Sort::Match => "m.score",
            Sort::OriginallyPublished => {
                "COALESCE(v.originally_published_at, v.published_at, v.created_at)"
            }
            Sort::Created => "v.created_at",
            Sort::Updated => "v.updated_at",
            Sort::Name => "LOWER(v.name)",
            Sort::Duration => "v.duration",
            Sort::Views => "v.views",
            Sort::Likes => "v.likes",
            Sort::Trending => "COALESCE(tr.n, 0)",
            // PeerTube's weights (`videos-id-list-query-builder.ts`): like 150, dislike −150,
            // view 16, comment 100, on base-10 logarithms; the date in half-days of 47,000 s
            // from its epoch 1446156582.
            Sort::Hot => {
                "(LOG(10, CASE WHEN v.likes - 1 > 1 THEN v.likes - 1 ELSE 1 END) * 150
                  - LOG(10, CASE WHEN v.dislikes - 1 > 1 THEN v.dislikes - 1 ELSE 1 END) * 150
                  + LOG(10, v.views + 1) * 16
                  + LOG(10, CASE WHEN c_count.n > 1 THEN c_count.n ELSE 1 END) * 100
                  + (COALESCE(v.published_at, v.created_at) / 1000.0 - 1446156582) / 47000)"
            }
        }
    }
}

/// What a list is filtered by, beside its owner and state: PeerTube's `…OneOf` parameters.
/// An empty list filters nothing.
#[derive(Debug, Clone, Default)]
pub struct Facets {
    pub categories: Vec<i64>,
    pub licences: Vec<i64>,
    /// Language codes; `_unknown` is a video without one.
    pub languages: Vec<String>,
    /// Lowercased tags: videos with one of them…
    pub tags_one_of: Vec<String>,
    /// …and videos with all of these.
    pub tags_all_of: Vec<String>,
    /// Only sensitive (`true`) or only safe (`false`) videos.
    pub nsfw: Option<bool>,
    /// With (`true`) or without a web video (a progressive MP4 beside the HLS renditions).
    pub has_web_videos: Option<bool>,
    /// With (`true`) or without HLS renditions.
    pub has_hls: Option<bool>,
    /// Only these privacies (moderators' lists); else what the list's viewer may see listed.
    pub privacies: Vec<i64>,
    /// Only the videos of this other instance (its host, lower-cased, as accounts keep it).
    pub host: Option<String>,
    /// Videos in every state, not only published ones (moderators' `include`).
    pub any_state: bool,
    /// Videos with one of these automatic tags (of the instance's watched words; moderators').
    pub auto_tags_one_of: Vec<String>,
    /// Videos of blocked and muted owners too (moderators' `include` 4).
    pub blocked_too: bool,
    /// Videos a moderator blocked too (moderators' `include` 2).
    pub video_blocks_too: bool,
}

/// Which videos a list shows.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only published, public videos (what anonymous lists show; a logged-in viewer's also
    /// show internal ones, [`ListFilter::logged_in`]). In the instance's lists (neither an
    /// account's nor a channel's), other instances' videos are listed as PeerTube lists them:
    /// only those shared by an actor followed from here (an `Announce` kept in `video_shares`)
    /// or whose channel or account is followed from here. A video that merely arrived (a
    /// `Create` from an actor nobody here follows) is reachable by its id, not listed.
    pub public_only: bool,
    /// The viewer is a user of this instance: internal videos are listed too (as PeerTube).
    pub logged_in: bool,
    /// Only videos of this account (a user's own list shows every state).
    pub account_id: Option<i64>,
    /// Only videos of this channel.
    pub channel_id: Option<i64>,
    pub start: i64,
    pub count: i64,
    pub sort: Sort,
    /// Descending order of `sort` (`-publishedAt`: newest first), else ascending.
    pub newest_first: bool,
    /// Only this instance's videos (`Some(true)`), or only other instances' (`Some(false)`).
    pub is_local: Option<bool>,
    pub facets: Facets,
    /// The first day (ms, UTC midnight) whose views count for [`Sort::Trending`].
    pub trending_since: i64,
    /// Leaves out the videos of owners the instance blocks (their account, or their instance)
    /// and of those `muted_by` mute (the viewer's account).
    pub hide_blocked: bool,
    pub muted_by: Vec<i64>,
    /// Leaves out the videos a moderator blocked (every list but their owner's own, and
    /// moderators' with `include` 2).
    pub hide_video_blocks: bool,
    /// Only videos matching these words (a search); none: no search.
    pub search: Vec<ruche_domain::search::QueryWord>,
}

impl ListFilter {
    /// The WHERE clause, its placeholders numbered from `first`, and the values to bind.
    fn conditions(&self, first: usize) -> (String, Vec<Bind>) {
        let mut conds = Vec::new();
        let mut binds: Vec<Bind> = Vec::new();
        let mut mark = |binds: &mut Vec<Bind>, b: Bind| {
            binds.push(b);
            format!("${}", first + binds.len() - 1)
        };
        let f = &self.facets;
        if self.public_only {
            if !f.any_state {
                let published = mark(&mut binds, Bind::Int(VideoState::Published.id()));
                conds.push(format!("v.state = {published}"));
            }
            if f.privacies.is_empty() {
                let public = mark(&mut binds, Bind::Int(Privacy::Public.id()));
                if self.logged_in {
                    let internal = mark(&mut binds, Bind::Int(Privacy::Internal.id()));
                    conds.push(format!("v.privacy IN ({public}, {internal})"));
                } else {
                    conds.push(format!("v.privacy = {public}"));
                }
            }
            if self.account_id.is_none() && self.channel_id.is_none() {
                // Follows of another instance's actor are always ours (we keep no follows
                // between two other instances' actors).
                let accepted = FollowState::Accepted;
                conds.push(format!(
                    "(a.host IS NULL
                      OR EXISTS (SELECT 1 FROM video_shares s JOIN follows f ON f.following = s.actor
                                 WHERE s.video_id = v.id AND f.state = '{accepted}')
                      OR EXISTS (SELECT 1 FROM follows f WHERE f.state = '{accepted}'
                                 AND (f.following = c.url OR f.following = a.url)))"
                ));
            }
        }
        match self.is_local {
            Some(true) => conds.push("a.host IS NULL".to_string()),
            Some(false) => conds.push("a.host IS NOT NULL".to_string()),
            None => {}
        }
        if let Some(host) = &f.host {
            let m = mark(&mut binds, Bind::Text(host.clone()));
            conds.push(format!("a.host = {m}"));
        }
        for (column, value) in [("a.id", self.account_id), ("c.id", self.channel_id)] {
            if let Some(v) = value {
                let m = mark(&mut binds, Bind::Int(v));
                conds.push(format!("{column} = {m}"));
            }
        }
        for (column, values) in [
            ("v.category", &f.categories),
            ("v.licence", &f.licences),
            ("v.privacy", &f.privacies),
        ] {
            if !values.is_empty() {
                let marks: Vec<String> = values
                    .iter()
                    .map(|v| mark(&mut binds, Bind::Int(*v)))
                    .collect();
                conds.push(format!("{column} IN ({})", marks.join(", ")));
            }
        }
        if !f.languages.is_empty() {
            let mut any = Vec::new();
            let known: Vec<String> = f
                .languages
                .iter()
                .filter(|l| l.as_str() != "_unknown")
                .map(|l| mark(&mut binds, Bind::Text(l.clone())))
                .collect();
            if !known.is_empty() {
                any.push(format!("v.language IN ({})", known.join(", ")));
            }
            if f.languages.iter().any(|l| l == "_unknown") {
                any.push("v.language IS NULL".to_string());
            }
            conds.push(format!("({})", any.join(" OR ")));
        }
        // Tags are kept as a JSON list: a tag is found by its JSON string, quotes included, so
        // that `rust` does not find `rustacean`; LIKE's own characters are escaped.
        let tag_like =
            |binds: &mut Vec<Bind>,
             tag: &str,
             mark: &mut dyn FnMut(&mut Vec<Bind>, Bind) -> String| {
                let quoted = serde_json::to_string(&tag.to_lowercase()).unwrap_or_default();
                let escaped = quoted
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                let m = mark(binds, Bind::Text(format!("%{escaped}%")));
                format!("LOWER(v.tags) LIKE {m} ESCAPE '\\'")
            };
        if !f.tags_one_of.is_empty() {
            let any: Vec<String> = f
                .tags_one_of
                .iter()
                .map(|t| tag_like(&mut binds, t, &mut mark))
                .collect();
            conds.push(format!("({})", any.join(" OR ")));
        }
        for t in &f.tags_all_of {
            let c = tag_like(&mut binds, t, &mut mark);
            conds.push(c);
        }
        if self.hide_blocked {
            conds.push(crate::blocklist::not_blocked(
                "a.id",
                "a.host",
                &self.muted_by,
            ));
        }
        if self.hide_video_blocks {
            conds.push("NOT EXISTS (SELECT 1 FROM video_blocks b WHERE b.video_id = v.id)".into());
        }
        if !f.auto_tags_one_of.is_empty() {
            let names: Vec<String> = f
                .auto_tags_one_of
                .iter()
                .map(|t| mark(&mut binds, Bind::Text(t.clone())))
                .collect();
            conds.push(format!(
                "EXISTS (SELECT 1 FROM video_automatic_tags vt WHERE vt.video_id = v.id
                 AND vt.name IN ({}))",
                names.join(", ")
            ));
        }
        match f.nsfw {
            Some(true) => conds.push("v.nsfw = TRUE".to_string()),
            Some(false) => conds.push("v.nsfw = FALSE".to_string()),
            None => {}
        }
        // Ours have their renditions in `video_files`; another instance's as its links.
        let hls = "(EXISTS (SELECT 1 FROM video_files vf WHERE vf.video_id = v.id)
                    OR v.remote_media LIKE '%\"playlist\":\"%')";
        match f.has_hls {
            Some(true) => conds.push(hls.to_string()),
            Some(false) => conds.push(format!("NOT {hls}")),
            None => {}
        }
        let web = "EXISTS (SELECT 1 FROM video_files vf WHERE vf.video_id = v.id
                           AND vf.web_filename IS NOT NULL)";
        match f.has_web_videos {
            Some(true) => conds.push(web.to_string()),
            Some(false) => conds.push(format!("NOT {web}")),
            None => {}
        }
        let clause = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        (clause, binds)
    }
}

/// A video of a page, with how many a search matched (`-1` for other lists).
#[derive(sqlx::FromRow)]
struct PageRow {
    #[sqlx(flatten)]
    video: Video,
    search_total: i64,
}

/// A page of videos and the total count matching the filter.
///
/// A search is one statement: its matches scored once, the page chosen among them and how many
/// there are (a window count, taken before the page's `LIMIT`); other lists count with a query
/// of their own, which their indexes answer without reading rows.
pub async fn list(mut ex: Ex<'_>, f: &ListFilter) -> Result<(Vec<Video>, i64)> {
    let order = if f.newest_first { "DESC" } else { "ASC" };
    // $1 and $2 page; $3 is the trending window, bound only when trending (PostgreSQL refuses
    // a value no placeholder takes); then the search's words, then the conditions'.
    let trending = f.sort == Sort::Trending;
    let searching = !f.search.is_empty();
    let sort = if f.sort == Sort::Match && !searching {
        Sort::Published
    } else {
        f.sort
    };
    let first = if trending { 4 } else { 3 };
    let (matches, words) = crate::search::video_matches(&f.search, first);
    let (where_, binds) = f.conditions(first + words.len());
    let comments = if sort == Sort::Hot {
        " LEFT JOIN (SELECT video_id, COUNT(*) AS n FROM video_comments
           WHERE deleted_at IS NULL AND held_for_review = FALSE GROUP BY video_id) c_count ON c_count.video_id = v.id"
    } else {
        ""
    };
    // The views of the trending window, summed once (not per candidate).
    let trend = if trending {
        " LEFT JOIN (SELECT video_id, SUM(views) AS n FROM video_stats WHERE day >= $3
           GROUP BY video_id) tr ON tr.video_id = v.id"
    } else {
        ""
    };
    let key = sort.key();
    // A search's best first, newest first among equals.
    let then = if sort == Sort::Match {
        "page.p2 DESC, "
    } else {
        ""
    };
    // A search's matches are checked through `videos_visible` (migration 0034), which SQLite's
    // planner would pass over for the table's key.
    let visible = if ex.is_sqlite() {
        " INDEXED BY videos_visible"
    } else {
        ""
    };
    let (from, total) = if searching {
        (
            format!("FROM ({matches}) m JOIN videos v{visible} ON v.id = m.id"),
            ", COUNT(*) OVER () AS total",
        )
    } else {
        ("FROM videos v".to_string(), ", CAST(-1 AS BIGINT) AS total")
    };
    // The page is chosen on ids and sort keys alone, then its rows read: sorting thousands of
    // whole rows (descriptions included) for 15 was what a list cost.
    let sql = format!(
        "WITH page AS (
           SELECT v.id AS pid, {key} AS k, COALESCE(v.published_at, v.created_at) AS p2{total}
           {from} JOIN channels c ON c.id = v.channel_id JOIN accounts a ON a.id = c.account_id
           {comments}{trend}{where_}
           ORDER BY k {order}, {}v.id {order} LIMIT $1 OFFSET $2)
         SELECT {}, page.total AS search_total{} JOIN page ON page.pid = v.id
         ORDER BY page.k {order}, {then}v.id {order}",
        then.replace("page.p2", "p2"),
        video_columns!(),
        video_from!(),
    );
    let rows: Vec<PageRow> = dual!(ex.reborrow(), |c| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(f.count)
            .bind(f.start);
        if trending {
            q = q.bind(f.trending_since);
        }
        for w in &words {
            q = q.bind(w.clone());
        }
        crate::bind_each!(&binds, q);
        q.fetch_all(c).await.map_err(StoreError::from)
    })?;
    let known = match rows.first() {
        Some(r) if searching => Some(r.search_total),
        // An empty page before the end of the matches cannot be: none match.
        None if searching && f.start == 0 => Some(0),
        _ => None,
    };
    let total = match known {
        Some(n) => n,
        None => {
            let (count_matches, _) = crate::search::video_matches(&f.search, 1);
            let (count_where, _) = f.conditions(1 + words.len());
            let join = if searching {
                format!(" JOIN ({count_matches}) m ON m.id = v.id")
            } else {
                String::new()
            };
            let count_sql = format!(
                "SELECT COUNT(*) FROM videos v JOIN channels c ON c.id = v.channel_id
                 JOIN accounts a ON a.id = c.account_id{join}{count_where}"
            );
            dual!(ex, |c| {
                let mut cq = sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql.as_str()));
                for w in &words {
                    cq = cq.bind(w.clone());
                }
                crate::bind_each!(&binds, cq);
                cq.fetch_one(c).await.map_err(StoreError::from)
            })?
        }
    };
    Ok((rows.into_iter().map(|r| r.video).collect(), total))
}

pub async fn delete(ex: Ex<'_>, id: i64) -> Result<()> {
    dual!(ex, |c| {
        sqlx::query("DELETE FROM jobs WHERE video_id = $1")
            .bind(id)
            .execute(&mut *c)
            .await?;
        sqlx::query("DELETE FROM videos WHERE id = $1")
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// A video's file is being replaced: back to "to transcode" from 0 %, its new size counted, its
/// renditions and storyboard forgotten (the transcoding job removes their files and makes new
/// ones).
pub async fn start_replacement(ex: Ex<'_>, id: i64, size: i64, filename: &str) -> Result<()> {
    dual!(ex, |c| {
        sqlx::query("DELETE FROM video_files WHERE video_id = $1")
            .bind(id)
            .execute(&mut *c)
            .await?;
        sqlx::query(
            "UPDATE videos SET state = $2, progress = 0, quota_size = $3, failure_reason = NULL,
                updated_at = $4, source_filename = $5, storyboard = NULL WHERE id = $1",
        )
        .bind(id)
        .bind(VideoState::ToTranscode.id())
        .bind(size)
        .bind(now_ms())
        .bind(filename)
        .execute(&mut *c)
        .await?;
        Ok(())
    })
}

/// A new video waits for its file from an import (PeerTube's "To import").
pub async fn mark_to_import(ex: Ex<'_>, id: i64) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE videos SET state = $2 WHERE id = $1"
    )
    .bind(id)
    .bind(VideoState::ToImport.id())
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// Records our video's storyboard (JSON of [`ruche_domain::video::Storyboard`]), or forgets it.
pub async fn set_storyboard(ex: Ex<'_>, id: i64, storyboard: Option<&str>) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE videos SET storyboard = $2 WHERE id = $1"
    )
    .bind(id)
    .bind(storyboard)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

pub async fn set_progress(ex: Ex<'_>, id: i64, progress: i64) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE videos SET progress = $2 WHERE id = $1"
    )
    .bind(id)
    .bind(progress)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

pub async fn set_failed(ex: Ex<'_>, id: i64, reason: &str) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE videos SET state = $4, failure_reason = $2, updated_at = $3 WHERE id = $1"
    )
    .bind(id)
    .bind(reason)
    .bind(now_ms())
    .bind(VideoState::TranscodingFailed.id())
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// What probing and the first rendition tell about a video.
pub struct MediaInfo<'a> {
    pub duration: i64,
    pub aspect_ratio: Option<f64>,
    pub playlist_filename: &'a str,
    pub sha256_filename: &'a str,
    pub thumbnail_filename: Option<&'a str>,
    pub preview_filename: Option<&'a str>,
}

/// Records the media facts; `publish` also moves the video to "published" (once).
pub async fn set_media(ex: Ex<'_>, id: i64, m: &MediaInfo<'_>, publish: bool) -> Result<()> {
    let now = now_ms();
    dual!(ex, |c| {
        sqlx::query(
        "UPDATE videos SET duration = $2, aspect_ratio = $3, playlist_filename = $4, sha256_filename = $5,
            thumbnail_filename = COALESCE($6, thumbnail_filename), preview_filename = COALESCE($7, preview_filename),
            state = CASE WHEN $8 THEN $10 ELSE state END,
            published_at = CASE WHEN $8 AND published_at IS NULL THEN $9 ELSE published_at END,
            failure_reason = NULL, updated_at = $9
         WHERE id = $1"
    )
    .bind(id)
    .bind(m.duration)
    .bind(m.aspect_ratio)
    .bind(m.playlist_filename)
    .bind(m.sha256_filename)
    .bind(m.thumbnail_filename)
    .bind(m.preview_filename)
    .bind(publish)
    .bind(now)
    .bind(VideoState::Published.id())
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from)
    })
}

/// One rendition: a fragmented MP4 addressed by byte ranges from its HLS playlist.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VideoFile {
    pub id: i64,
    pub video_id: i64,
    pub resolution: i64,
    pub width: i64,
    pub height: i64,
    pub fps: f64,
    pub size: i64,
    pub bandwidth: i64,
    pub codecs: String,
    pub filename: String,
    pub playlist_filename: String,
    pub web_filename: Option<String>,
    pub web_size: Option<i64>,
    pub has_audio: bool,
    pub has_video: bool,
    /// The `.torrent` of the fragmented MP4 (its name under the torrents folder) and its info
    /// hash; the same of the web video.
    pub torrent_filename: Option<String>,
    pub info_hash: Option<String>,
    pub web_torrent_filename: Option<String>,
    pub web_info_hash: Option<String>,
}

/// Adds or replaces the file of one resolution (a retried job rewrites its renditions), and
/// updates the video's quota size to its largest file, as PeerTube counts quota.
pub async fn upsert_file(ex: Ex<'_>, f: &VideoFile) -> Result<()> {
    let now = now_ms();
    dual!(ex, |c| {
        sqlx::query("DELETE FROM video_files WHERE video_id = $1 AND resolution = $2")
            .bind(f.video_id)
            .bind(f.resolution)
            .execute(&mut *c)
            .await?;
        sqlx::query(
            "INSERT INTO video_files (video_id, resolution, width, height, fps, size, bandwidth, codecs,
                filename, playlist_filename, web_filename, web_size, has_audio, has_video, created_at,
                torrent_filename, info_hash, web_torrent_filename, web_info_hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
        )
        .bind(f.video_id)
        .bind(f.resolution)
        .bind(f.width)
        .bind(f.height)
        .bind(f.fps)
        .bind(f.size)
        .bind(f.bandwidth)
        .bind(&f.codecs)
        .bind(&f.filename)
        .bind(&f.playlist_filename)
        .bind(&f.web_filename)
        .bind(f.web_size)
        .bind(f.has_audio)
        .bind(f.has_video)
        .bind(now)
        .bind(&f.torrent_filename)
        .bind(&f.info_hash)
        .bind(&f.web_torrent_filename)
        .bind(&f.web_info_hash)
        .execute(&mut *c)
        .await?;
        sqlx::query(
            "UPDATE videos SET quota_size = (SELECT CAST(COALESCE(MAX(size + COALESCE(web_size, 0)), 0) AS BIGINT)
                FROM video_files WHERE video_id = $1) WHERE id = $1",
        )
        .bind(f.video_id)
        .execute(&mut *c)
        .await?;
        Ok(())
    })
}

const FILE_COLUMNS: &str = "id, video_id, resolution, width, height, fps, size, bandwidth, codecs,
    filename, playlist_filename, web_filename, web_size, has_audio, has_video, torrent_filename,
    info_hash, web_torrent_filename, web_info_hash";

pub async fn files(ex: Ex<'_>, video_id: i64) -> Result<Vec<VideoFile>> {
    let sql = format!(
        "SELECT {FILE_COLUMNS} FROM video_files WHERE video_id = $1 ORDER BY resolution DESC"
    );
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(video_id)
        .fetch_all(c)
        .await
        .map_err(StoreError::from))
}

/// Files of our videos lacking a torrent (the fragmented MP4's, or the web video's when there
/// is one), oldest first.
pub async fn files_without_torrents(ex: Ex<'_>, limit: i64) -> Result<Vec<VideoFile>> {
    let sql = format!(
        "SELECT {FILE_COLUMNS} FROM video_files
         WHERE torrent_filename IS NULL OR (web_filename IS NOT NULL AND web_torrent_filename IS NULL)
         ORDER BY id LIMIT $1"
    );
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(limit)
        .fetch_all(c)
        .await
        .map_err(StoreError::from))
}

/// Records a file's torrents (either may be left as it is with `None`).
pub async fn set_file_torrents(
    ex: Ex<'_>,
    file_id: i64,
    hls: Option<(&str, &str)>,
    web: Option<(&str, &str)>,
) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE video_files SET
            torrent_filename = COALESCE($2, torrent_filename), info_hash = COALESCE($3, info_hash),
            web_torrent_filename = COALESCE($4, web_torrent_filename),
            web_info_hash = COALESCE($5, web_info_hash)
         WHERE id = $1"
    )
    .bind(file_id)
    .bind(hls.map(|h| h.0))
    .bind(hls.map(|h| h.1))
    .bind(web.map(|w| w.0))
    .bind(web.map(|w| w.1))
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// The file whose torrent (of either kind) is named `name`, and whether it is the web video's.
pub async fn file_by_torrent(ex: Ex<'_>, name: &str) -> Result<Option<(VideoFile, bool)>> {
    let sql = format!(
        "SELECT {FILE_COLUMNS} FROM video_files WHERE torrent_filename = $1 OR web_torrent_filename = $1"
    );
    let f: Option<VideoFile> = dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(name)
        .fetch_optional(c)
        .await
        .map_err(StoreError::from))?;
    Ok(f.map(|f| {
        let web = f.web_torrent_filename.as_deref() == Some(name);
        (f, web)
    }))
}

/// The info hashes the tracker serves for a video, replaced as a whole.
pub async fn set_tracked(mut ex: Ex<'_>, video_id: i64, hashes: &[String]) -> Result<()> {
    dual!(ex.reborrow(), |c| sqlx::query(
        "DELETE FROM tracked_hashes WHERE video_id = $1"
    )
    .bind(video_id)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))?;
    for h in hashes {
        // A hash another video already holds (the same file federated twice) stays with it.
        dual!(ex.reborrow(), |c| sqlx::query(
            "INSERT INTO tracked_hashes (info_hash, video_id) VALUES ($1, $2)
             ON CONFLICT (info_hash) DO NOTHING"
        )
        .bind(h)
        .bind(video_id)
        .execute(c)
        .await
        .map(|_| ())
        .map_err(StoreError::from))?;
    }
    Ok(())
}

/// Whether the tracker serves `info_hash` (lowercase hex).
pub async fn is_tracked(ex: Ex<'_>, info_hash: &str) -> Result<bool> {
    let n: Option<i64> = dual!(ex, |c| sqlx::query_scalar(
        "SELECT video_id FROM tracked_hashes WHERE info_hash = $1"
    )
    .bind(info_hash)
    .fetch_optional(c)
    .await
    .map_err(StoreError::from))?;
    Ok(n.is_some())
}

/// The info hashes tracked for a video.
pub async fn tracked_of(ex: Ex<'_>, video_id: i64) -> Result<Vec<String>> {
    dual!(ex, |c| sqlx::query_scalar(
        "SELECT info_hash FROM tracked_hashes WHERE video_id = $1 ORDER BY info_hash"
    )
    .bind(video_id)
    .fetch_all(c)
    .await
    .map_err(StoreError::from))
}

/// Bytes a user's videos take, total and created in the last 24 hours, as PeerTube sums them
/// (each video counts its largest file, or its source until transcoded).
pub async fn quota_used(ex: Ex<'_>, user_id: i64) -> Result<(i64, i64)> {
    let since = now_ms() - 24 * 3600 * 1000;
    dual!(ex, |c| {
        sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(v.quota_size), 0) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN v.created_at >= $2 THEN v.quota_size ELSE 0 END), 0) AS BIGINT)
         FROM videos v JOIN channels c ON c.id = v.channel_id JOIN accounts a ON a.id = c.account_id
         WHERE a.user_id = $1"
    )
    .bind(user_id)
    .bind(since)
    .fetch_one(c)
    .await
    .map_err(StoreError::from)
    })
}

/// Holds the user's row until the transaction ends, so that two uploads starting at once for
/// one user are checked against the quota one after the other (PostgreSQL; SQLite's write
/// transaction holds the one writer already).
pub async fn lock_uploads_of(ex: Ex<'_>, user_id: i64) -> Result<()> {
    if ex.is_sqlite() {
        return Ok(());
    }
    dual!(ex, |c| sqlx::query(
        "SELECT id FROM users WHERE id = $1 FOR UPDATE"
    )
    .bind(user_id)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// A user's resumable uploads still open (not yet a video), other than `except`: how many, and
/// the bytes they declared (which they hold of the user's quota until they end).
pub async fn open_uploads(ex: Ex<'_>, user_id: i64, except: &str) -> Result<(i64, i64)> {
    dual!(ex, |c| sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM uploads
         WHERE user_id = $1 AND video_id IS NULL AND id <> $2"
    )
    .bind(user_id)
    .bind(except)
    .fetch_one(c)
    .await
    .map_err(StoreError::from))
}

/// Counts a view once per viewer per window; returns whether it was counted.
pub async fn add_view(ex: Ex<'_>, video_id: i64, viewer: &str, window_ms: i64) -> Result<bool> {
    let now = now_ms();
    let window_start = now - now.rem_euclid(window_ms.max(1));
    dual!(ex, |c| {
        let inserted = sqlx::query(
            "INSERT INTO video_views (video_id, viewer, window_start) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(video_id)
        .bind(viewer)
        .bind(window_start)
        .execute(&mut *c)
        .await?
        .rows_affected();
        if inserted == 1 {
            sqlx::query("UPDATE videos SET views = views + 1 WHERE id = $1")
                .bind(video_id)
                .execute(&mut *c)
                .await?;
            // The day's count, which trending sums over its last days.
            sqlx::query(
                "INSERT INTO video_stats (video_id, day, views) VALUES ($1, $2, 1)
                 ON CONFLICT (video_id, day) DO UPDATE SET views = video_stats.views + 1",
            )
            .bind(video_id)
            .bind(now - now.rem_euclid(DAY_MS))
            .execute(&mut *c)
            .await?;
            sqlx::query("DELETE FROM video_views WHERE window_start < $1")
                .bind(window_start - window_ms)
                .execute(&mut *c)
                .await?;
        }
        Ok(inserted == 1)
    })
}

/// A resumable upload in progress (PeerTube's uploadx protocol).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Upload {
    pub id: String,
    pub user_id: i64,
    pub metadata: String,
    pub filename: String,
    pub size: i64,
    pub received: i64,
    pub video_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub async fn insert_upload(
    ex: Ex<'_>,
    id: &str,
    user_id: i64,
    metadata: &str,
    filename: &str,
    size: i64,
) -> Result<()> {
    let now = now_ms();
    dual!(ex, |c| {
        sqlx::query(
        "INSERT INTO uploads (id, user_id, metadata, filename, size, received, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 0, $6, $6)"
    )
    .bind(id)
    .bind(user_id)
    .bind(metadata)
    .bind(filename)
    .bind(size)
    .bind(now)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from)
    })
}

pub async fn upload(ex: Ex<'_>, id: &str) -> Result<Option<Upload>> {
    dual!(ex, |c| {
        sqlx::query_as(
        "SELECT id, user_id, metadata, filename, size, received, video_id, created_at, updated_at FROM uploads WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(c)
    .await
    .map_err(StoreError::from)
    })
}

pub async fn set_upload_received(ex: Ex<'_>, id: &str, received: i64) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE uploads SET received = $2, updated_at = $3 WHERE id = $1"
    )
    .bind(id)
    .bind(received)
    .bind(now_ms())
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

pub async fn set_upload_video(ex: Ex<'_>, id: &str, video_id: i64) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE uploads SET video_id = $2, updated_at = $3 WHERE id = $1"
    )
    .bind(id)
    .bind(video_id)
    .bind(now_ms())
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

pub async fn delete_upload(ex: Ex<'_>, id: &str) -> Result<()> {
    dual!(ex, |c| sqlx::query("DELETE FROM uploads WHERE id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|_| ())
        .map_err(StoreError::from))
}

/// Uploads untouched since `before` (abandoned ones, or finished ones kept for replays).
pub async fn stale_uploads(ex: Ex<'_>, before: i64) -> Result<Vec<Upload>> {
    dual!(ex, |c| {
        sqlx::query_as(
        "SELECT id, user_id, metadata, filename, size, received, video_id, created_at, updated_at FROM uploads WHERE updated_at < $1"
    )
    .bind(before)
    .fetch_all(c)
    .await
    .map_err(StoreError::from)
    })
}

/// The UUIDs of every video, to find stray directories in storage.
pub async fn all_uuids(ex: Ex<'_>) -> Result<Vec<String>> {
    dual!(ex, |c| sqlx::query_scalar("SELECT uuid FROM videos")
        .fetch_all(c)
        .await
        .map_err(StoreError::from))
}

/// An account's rating of a video: `Some("like")`, `Some("dislike")` or none.
pub async fn rate_of(ex: Ex<'_>, account_id: i64, video_id: i64) -> Result<Option<String>> {
    dual!(ex, |c| sqlx::query_scalar(
        "SELECT kind FROM video_rates WHERE account_id = $1 AND video_id = $2"
    )
    .bind(account_id)
    .bind(video_id)
    .fetch_optional(c)
    .await
    .map_err(StoreError::from))
}

/// Sets (or, with `None`, removes) an account's rating of a video and brings the video's
/// counters to the truth of the rates table; run it in a transaction. Another instance's video
/// counts what its origin counts, so its counters only move by this change.
pub async fn set_rate(
    mut ex: Ex<'_>,
    account_id: i64,
    video_id: i64,
    kind: Option<&str>,
    url: Option<&str>,
) -> Result<()> {
    let before = rate_of(ex.reborrow(), account_id, video_id).await?;
    let delta = |k: &str| i64::from(kind == Some(k)) - i64::from(before.as_deref() == Some(k));
    let (dl, dd) = (delta("like"), delta("dislike"));
    dual!(&mut ex, |c| sqlx::query(
        "DELETE FROM video_rates WHERE account_id = $1 AND video_id = $2"
    )
    .bind(account_id)
    .bind(video_id)
    .execute(&mut **c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))?;
    if let Some(kind) = kind {
        dual!(&mut ex, |c| {
            sqlx::query(
            "INSERT INTO video_rates (account_id, video_id, kind, url, created_at) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(account_id)
        .bind(video_id)
        .bind(kind)
        .bind(url)
        .bind(crate::now_ms())
        .execute(&mut **c)
        .await
        .map(|_| ())
        .map_err(StoreError::from)
        })?;
    }
    dual!(&mut ex, |c| {
        sqlx::query(
            "UPDATE videos SET
            likes = (SELECT COUNT(*) FROM video_rates WHERE video_id = $1 AND kind = 'like'),
            dislikes = (SELECT COUNT(*) FROM video_rates WHERE video_id = $1 AND kind = 'dislike')
         WHERE id = $1 AND url IS NULL",
        )
        .bind(video_id)
        .execute(&mut **c)
        .await?;
        sqlx::query(
            "UPDATE videos SET likes = CASE WHEN likes + $2 < 0 THEN 0 ELSE likes + $2 END,
                dislikes = CASE WHEN dislikes + $3 < 0 THEN 0 ELSE dislikes + $3 END
             WHERE id = $1 AND url IS NOT NULL",
        )
        .bind(video_id)
        .bind(dl)
        .bind(dd)
        .execute(&mut **c)
        .await?;
        Ok::<_, sqlx::Error>(())
    })
    .map_err(StoreError::from)
}

/// Another instance's video, as its `Video` object says.
#[derive(Debug, Clone, Default)]
pub struct RemoteVideo {
    pub url: String,
    pub uuid: String,
    pub channel_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub support: Option<String>,
    pub privacy: Privacy,
    pub category: Option<i64>,
    pub licence: Option<i64>,
    pub language: Option<String>,
    pub tags: Vec<String>,
    pub nsfw: bool,
    pub comments_policy: CommentsPolicy,
    pub download_enabled: bool,
    pub duration: i64,
    pub aspect_ratio: Option<f64>,
    pub views: i64,
    pub published_at: i64,
    pub updated_at: i64,
    /// JSON of where it plays from.
    pub remote_media: String,
}

/// Stores (or refreshes, by its url) another instance's video, published; returns its id. What
/// is older than the state we hold (its `updated_at`) changes nothing. A uuid already taken by
/// another video is a [`StoreError::Conflict`].
pub async fn upsert_remote(mut ex: Ex<'_>, r: &RemoteVideo) -> Result<i64> {
    let tags = serde_json::to_string(&r.tags).unwrap_or_else(|_| "[]".into());
    let stored: Option<i64> = dual!(ex.reborrow(), |c| {
        sqlx::query_scalar(
        "INSERT INTO videos (uuid, channel_id, name, description, support, privacy, category, licence,
            language, tags, nsfw, comments_policy, download_enabled, wait_transcoding, state,
            progress, duration, aspect_ratio, views, quota_size, source_filename, url, remote_media,
            created_at, updated_at, published_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, FALSE, $21, 100, $14, $15, $16,
            0, '', $17, $18, $19, $20, $19)
         ON CONFLICT (url) DO UPDATE SET channel_id = $2, name = $3, description = $4, support = $5,
            privacy = $6, category = $7, licence = $8, language = $9, tags = $10, nsfw = $11,
            comments_policy = $12, download_enabled = $13, duration = $14, aspect_ratio = $15,
            views = $16, remote_media = $18, updated_at = $20
         WHERE videos.updated_at <= $20
         RETURNING id"
    )
    .bind(&r.uuid)
    .bind(r.channel_id)
    .bind(&r.name)
    .bind(&r.description)
    .bind(&r.support)
    .bind(r.privacy.id())
    .bind(r.category)
    .bind(r.licence)
    .bind(&r.language)
    .bind(&tags)
    .bind(r.nsfw)
    .bind(r.comments_policy.id())
    .bind(r.download_enabled)
    .bind(r.duration)
    .bind(r.aspect_ratio)
    .bind(r.views)
    .bind(&r.url)
    .bind(&r.remote_media)
    .bind(r.published_at)
    .bind(r.updated_at)
    .bind(VideoState::Published.id())
    .fetch_optional(c)
    .await
    .map_err(StoreError::from)
    })?;
    match stored {
        Some(id) => Ok(id),
        None => by_url(ex, &r.url)
            .await?
            .map(|v| v.id)
            .ok_or(StoreError::NotFound),
    }
}

/// Another instance's video by its ActivityPub id.
pub async fn by_url(ex: Ex<'_>, url: &str) -> Result<Option<Video>> {
    let sql = format!("{VIDEO_SELECT} WHERE v.url = $1");
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(url)
        .fetch_optional(c)
        .await
        .map_err(StoreError::from))
}

/// Sets a remote video's rating counters to what its origin counts.
pub async fn set_remote_rates(ex: Ex<'_>, id: i64, likes: i64, dislikes: i64) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE videos SET likes = $2, dislikes = $3 WHERE id = $1 AND url IS NOT NULL"
    )
    .bind(id)
    .bind(likes)
    .bind(dislikes)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// Adds views counted elsewhere (a View from another instance) to one of our videos.
pub async fn add_views(ex: Ex<'_>, id: i64, n: i64) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE videos SET views = views + $2 WHERE id = $1"
    )
    .bind(id)
    .bind(n)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// One rating an account gave: its video, `like` or `dislike`, and when.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRate {
    pub video_id: i64,
    pub kind: String,
    pub created_at: i64,
}

/// A page of an account's ratings, newest first unless `oldest_first`, of one kind if `kind`
/// is given, and how many there are.
pub async fn rates_of_account(
    ex: Ex<'_>,
    account_id: i64,
    kind: Option<&str>,
    oldest_first: bool,
    start: i64,
    count: i64,
) -> Result<(Vec<AccountRate>, i64)> {
    let order = if oldest_first { "ASC" } else { "DESC" };
    let matches = "FROM video_rates WHERE account_id = $1 AND ($2 = '' OR kind = $2)";
    let sql = format!(
        "SELECT video_id, kind, created_at {matches}
         ORDER BY created_at {order}, video_id {order}"
    );
    let binds = [Bind::Int(account_id), Bind::Text(kind.unwrap_or("").into())];
    crate::paged(
        ex,
        &sql,
        &format!("SELECT COUNT(*) {matches}"),
        &binds,
        count,
        start,
    )
    .await
}

/// Counts one whole download of a video's file.
pub async fn add_download(ex: Ex<'_>, id: i64) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE videos SET downloads = downloads + 1 WHERE id = $1"
    )
    .bind(id)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// A page of the rates of one kind of a video, newest first, and how many there are in all:
/// the account (name, ActivityPub id if another instance's) and the rating activity's id if it
/// came from elsewhere.
pub async fn rates(
    ex: Ex<'_>,
    video_id: i64,
    kind: &str,
    start: i64,
    count: i64,
) -> Result<(Vec<(String, Option<String>, Option<String>)>, i64)> {
    crate::paged(
        ex,
        "SELECT a.name, a.url, r.url FROM video_rates r JOIN accounts a ON a.id = r.account_id
         WHERE r.video_id = $1 AND r.kind = $2 ORDER BY r.created_at DESC, r.account_id DESC",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM video_rates WHERE video_id = $1 AND kind = $2",
        &[Bind::Int(video_id), Bind::Text(kind.into())],
        count,
        start,
    )
    .await
}

/// Records that `actor` shared (announced) one of our videos, once per actor.
pub async fn add_share(ex: Ex<'_>, video_id: i64, actor: &str, url: &str) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "INSERT INTO video_shares (video_id, actor, url, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (video_id, actor) DO UPDATE SET url = $3"
    )
    .bind(video_id)
    .bind(actor)
    .bind(url)
    .bind(now_ms())
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// Forgets `actor`'s share of a video (its Undo).
pub async fn remove_share(ex: Ex<'_>, video_id: i64, actor: &str) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "DELETE FROM video_shares WHERE video_id = $1 AND actor = $2"
    )
    .bind(video_id)
    .bind(actor)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// A page of the ids of the Announces of a video by other instances' actors, newest first, and
/// how many there are in all.
pub async fn shares(
    ex: Ex<'_>,
    video_id: i64,
    start: i64,
    count: i64,
) -> Result<(Vec<String>, i64)> {
    dual!(ex, |c| {
        let rows = sqlx::query_scalar(
            "SELECT url FROM video_shares WHERE video_id = $1 ORDER BY created_at DESC, actor
             LIMIT $2 OFFSET $3",
        )
        .bind(video_id)
        .bind(count)
        .bind(start)
        .fetch_all(&mut *c)
        .await?;
        let total: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM video_shares WHERE video_id = $1",
        )
        .bind(video_id)
        .fetch_one(&mut *c)
        .await?;
        Ok::<_, sqlx::Error>((rows, total))
    })
    .map_err(StoreError::from)
}

/// The uploaded file of one of our videos, and its torrent.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Source {
    pub video_id: i64,
    pub torrent_filename: String,
    pub info_hash: String,
    pub resolution: i64,
    pub width: i64,
    pub height: i64,
    pub fps: f64,
    pub size: i64,
    pub has_audio: bool,
    pub has_video: bool,
}

pub async fn set_source(ex: Ex<'_>, s: &Source) -> Result<()> {
    dual!(ex, |c| {
        sqlx::query(
        "INSERT INTO video_sources (video_id, torrent_filename, info_hash, resolution, width, height, fps,
            size, has_audio, has_video)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (video_id) DO UPDATE SET torrent_filename = $2, info_hash = $3,
            resolution = $4, width = $5, height = $6, fps = $7, size = $8, has_audio = $9,
            has_video = $10"
    )
    .bind(s.video_id)
    .bind(&s.torrent_filename)
    .bind(&s.info_hash)
    .bind(s.resolution)
    .bind(s.width)
    .bind(s.height)
    .bind(s.fps)
    .bind(s.size)
    .bind(s.has_audio)
    .bind(s.has_video)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from)
    })
}

pub async fn source_of(ex: Ex<'_>, video_id: i64) -> Result<Option<Source>> {
    dual!(ex, |c| sqlx::query_as(
        "SELECT video_id, torrent_filename, info_hash, resolution, width, height, fps, size,
            has_audio, has_video FROM video_sources WHERE video_id = $1"
    )
    .bind(video_id)
    .fetch_optional(c)
    .await
    .map_err(StoreError::from))
}

pub async fn source_by_torrent(mut ex: Ex<'_>, name: &str) -> Result<Option<Source>> {
    let id: Option<i64> = dual!(ex.reborrow(), |c| sqlx::query_scalar(
        "SELECT video_id FROM video_sources WHERE torrent_filename = $1"
    )
    .bind(name)
    .fetch_optional(c)
    .await
    .map_err(StoreError::from))?;
    match id {
        Some(id) => source_of(ex, id).await,
        None => Ok(None),
    }
}

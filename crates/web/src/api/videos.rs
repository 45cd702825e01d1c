//! Videos on the API: lists, details, deletion, views, PeerTube's constant tables.

use super::body::Body;
use super::{video_details_json, video_json};
use crate::AppState;
use crate::auth::{ApiUser, ClientAddr, MaybeUser, SeenVideo, VideoPassword};
use crate::error::ApiResult;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use ruche_domain::video::{CATEGORIES, LANGUAGES, LICENCES, Privacy, Viewer};
use ruche_tube::channels;
use ruche_tube::videos::{self, ListFilter};
use ruche_tube::{TubeError, accounts};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, Default)]
pub struct Paging {
    start: Option<String>,
    count: Option<String>,
    sort: Option<String>,
    /// `true`: only this instance's videos; `false`: only those of followed instances.
    #[serde(rename = "isLocal")]
    is_local: Option<String>,
}

impl Paging {
    /// The `sort` asked for, if any.
    pub(crate) fn sort(&self) -> Option<&str> {
        self.sort.as_deref()
    }

    /// The `sort` asked for, parsed by `parse` from its column (a leading `-`: descending), or
    /// `default` when none is given; an unknown column is a 400.
    pub(crate) fn sorted<T>(
        &self,
        parse: impl Fn(&str) -> Option<T>,
        default: (T, bool),
    ) -> ApiResult<(T, bool)> {
        let Some(s) = self.sort.as_deref() else {
            return Ok(default);
        };
        let (descending, column) = match s.strip_prefix('-') {
            Some(c) => (true, c),
            None => (false, s),
        };
        let sort = parse(column)
            .ok_or_else(|| TubeError::BadRequest("Incorrect request parameters: sort".into()))?;
        Ok((sort, descending))
    }

    /// Whether a list in creation order (`sort` `createdAt` or `-createdAt`, the default) is
    /// newest first; another `sort` is a 400.
    pub(crate) fn newest_first(&self) -> ApiResult<bool> {
        Ok(self
            .sorted(|c| (c == "createdAt").then_some(()), ((), true))?
            .1)
    }

    /// PeerTube's rules: start ≥ 0, 0 ≤ count ≤ 100 (default 15); a bad value is a 400 naming it.
    pub(crate) fn filter(&self) -> ApiResult<ListFilter> {
        let num = |v: &Option<String>, name: &str, default: i64, max: i64| -> ApiResult<i64> {
            match v {
                None => Ok(default),
                Some(s) => s
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (0..=max).contains(n))
                    .ok_or_else(|| {
                        TubeError::BadRequest(format!("Incorrect request parameters: {name}"))
                            .into()
                    }),
            }
        };
        let is_local = match self.is_local.as_deref() {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(_) => {
                return Err(
                    TubeError::BadRequest("Incorrect request parameters: isLocal".into()).into(),
                );
            }
        };
        Ok(ListFilter {
            start: num(&self.start, "start", 0, i64::MAX)?,
            count: num(&self.count, "count", 15, 100)?,
            newest_first: self.sort.as_deref().is_none_or(|s| s.starts_with('-')),
            is_local,
            ..Default::default()
        })
    }
}

/// A video list's query as PeerTube takes it (`VideosCommonQuery`): paging, `sort`, and the
/// filters, lists written as qs writes them (`categoryOneOf=1&categoryOneOf=2`,
/// `tagsOneOf[]=a`, `tagsOneOf[0]=a`). Unknown parameters are ignored; a bad value is a 400
/// naming it.
pub struct VideoQuery {
    pub filter: ListFilter,
    /// `isLive=true`: no video here is a live, so the list is empty.
    pub lives_only: bool,
    /// `search`: what a search looks for (words, a URL or a handle).
    pub search: Option<String>,
    /// Whether `sort` was given (a search's default is `-match`).
    pub sorted: bool,
    /// PeerTube's `include` flags (moderators only): what to add to the list and to its items.
    pub include: i64,
}

/// `include`'s flags (PeerTube's `VideoInclude`): videos in any state, blocked ones, those of
/// muted owners, each item's files, its source (`videoSource`), its automatic tags. Captions
/// (16) add nothing to a list item, as on PeerTube. Any integer is taken, as PeerTube takes it
/// (`isInt`); flags not known here are left unread.
pub const INCLUDE_NOT_PUBLISHED: i64 = 1;
pub const INCLUDE_BLACKLISTED: i64 = 2;
pub const INCLUDE_BLOCKED_OWNER: i64 = 4;
pub const INCLUDE_FILES: i64 = 8;
pub const INCLUDE_SOURCE: i64 = 32;
pub const INCLUDE_AUTOMATIC_TAGS: i64 = 64;

/// A yes-or-no query parameter as PeerTube's `toBoolean` reads it (`true`/`1`, `false`/`0`);
/// anything else is a 400 naming it.
pub(crate) fn query_flag(v: &str, name: &str) -> ApiResult<Option<bool>> {
    match v {
        "true" | "1" => Ok(Some(true)),
        "false" | "0" => Ok(Some(false)),
        _ => Err(TubeError::BadRequest(format!("Incorrect request parameters: {name}")).into()),
    }
}

/// The most values a list parameter (all `…OneOf` together) may carry.
const MAX_LIST_VALUES: usize = 100;

impl VideoQuery {
    fn parse(raw: Option<&str>) -> ApiResult<VideoQuery> {
        use ruche_tube::videos::{Facets, Sort};
        let bad = |name: &str| -> crate::error::ApiError {
            TubeError::BadRequest(format!("Incorrect request parameters: {name}")).into()
        };
        let mut paging = Paging::default();
        let mut facets = Facets::default();
        let mut lives_only = false;
        let mut sort = (Sort::Published, true);
        let mut values = 0usize;
        let mut search = None;
        let mut sorted = false;
        let mut include = 0;
        for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            let key = super::body::list_key(&k);
            let v = v.into_owned();
            if key.ends_with("OneOf") || key.ends_with("AllOf") {
                values += 1;
                if values > MAX_LIST_VALUES {
                    return Err(bad(key));
                }
            }
            let int = |name: &str| v.trim().parse::<i64>().map_err(|_| bad(name));
            match key {
                "start" => paging.start = Some(v),
                "count" => paging.count = Some(v),
                "isLocal" => paging.is_local = Some(v),
                "search" => search = Some(v),
                "sort" => {
                    sorted = true;
                    let (column, desc) = match v.strip_prefix('-') {
                        Some(c) => (c, true),
                        None => (v.as_str(), false),
                    };
                    sort = (Sort::parse(column).ok_or_else(|| bad("sort"))?, desc);
                }
                "categoryOneOf" => facets.categories.push(int(key)?),
                "licenceOneOf" => facets.licences.push(int(key)?),
                "privacyOneOf" => facets.privacies.push(int(key)?),
                "languageOneOf" if !v.is_empty() && v.len() <= 15 => facets.languages.push(v),
                "tagsOneOf" | "tagsAllOf" if (1..=30).contains(&v.chars().count()) => {
                    let tag = v.to_lowercase();
                    if key == "tagsOneOf" {
                        facets.tags_one_of.push(tag);
                    } else {
                        facets.tags_all_of.push(tag);
                    }
                }
                "autoTagOneOf" if (1..=100).contains(&v.chars().count()) => {
                    facets.auto_tags_one_of.push(v)
                }
                "languageOneOf" | "tagsOneOf" | "tagsAllOf" | "autoTagOneOf" => {
                    return Err(bad(key));
                }
                "nsfw" => {
                    facets.nsfw = match v.as_str() {
                        "both" => None,
                        other => query_flag(other, key)?,
                    }
                }
                "isLive" => lives_only = query_flag(&v, key)? == Some(true),
                "hasHLSFiles" => facets.has_hls = query_flag(&v, key)?,
                "hasWebVideoFiles" | "hasWebtorrentFiles" => {
                    facets.has_web_videos = query_flag(&v, key)?
                }
                "skipCount" => {
                    query_flag(&v, key)?;
                }
                "include" => include = int(key)?,
                "host" => {
                    let host = v.trim().to_ascii_lowercase();
                    if host.is_empty() || host.len() > 255 || host.contains(['/', '@', ' ']) {
                        return Err(bad(key));
                    }
                    facets.host = Some(host);
                }
                _ => {}
            }
        }
        facets.any_state = include & INCLUDE_NOT_PUBLISHED != 0;
        facets.blocked_too = include & INCLUDE_BLOCKED_OWNER != 0;
        facets.video_blocks_too = include & INCLUDE_BLACKLISTED != 0;
        let filter = ListFilter {
            sort: sort.0,
            newest_first: sort.1,
            facets,
            ..paging.filter()?
        };
        Ok(VideoQuery {
            filter,
            lives_only,
            search,
            sorted,
            include,
        })
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for VideoQuery {
    type Rejection = crate::error::ApiError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        VideoQuery::parse(parts.uri.query())
    }
}

/// A page of videos as `{total, data}`, in PeerTube's list shape.
pub(crate) fn page_json(
    st: &AppState,
    rows: &[ruche_tube::videos::Video],
    total: i64,
) -> Json<Value> {
    let (base, host) = (&st.tube.settings.public_url, st.tube.settings.host());
    let data: Vec<Value> = rows
        .iter()
        .map(|v| video_json(base, &host, v, false))
        .collect();
    Json(json!({ "total": total, "data": data }))
}

/// A page of published videos `viewer` may see listed (those whose words match `search`, when
/// given), as `{total, data}`; with `include`'s files, each item has its files.
async fn public_list(
    st: &AppState,
    viewer: Option<&ruche_tube::accounts::User>,
    q: VideoQuery,
) -> ApiResult<Json<Value>> {
    // What only moderators see: other states, files, automatic tags and filtering by them.
    if q.include != 0 || !q.filter.facets.auto_tags_one_of.is_empty() {
        match viewer {
            None => return Err(TubeError::Unauthorized.into()),
            Some(u) if !u.role.can_moderate() => {
                return Err(TubeError::Forbidden(
                    "You are not allowed to include other videos.".into(),
                )
                .into());
            }
            Some(_) => {}
        }
    }
    if q.lives_only {
        return Ok(Json(json!({ "total": 0, "data": [] })));
    }
    let mut f = q.filter;
    if let Some(text) = &q.search {
        f.search = ruche_domain::search::query(text);
    }
    let (rows, total) = videos::list_public(&st.tube, viewer, f).await?;
    let Json(mut page) = page_json(st, &rows, total);
    if q.include & INCLUDE_FILES != 0 {
        let (base, host) = (&st.tube.settings.public_url, st.tube.settings.host());
        for (item, v) in page["data"].as_array_mut().into_iter().flatten().zip(&rows) {
            let files = videos::files(&st.tube, v.id).await?;
            let details = video_details_json(base, &host, v, &files, true);
            item["streamingPlaylists"] = details["streamingPlaylists"].clone();
            item["files"] = details["files"].clone();
        }
    }
    if q.include & INCLUDE_BLACKLISTED != 0 {
        blocked_fields(&mut page, &rows);
    }
    if q.include & INCLUDE_SOURCE != 0 {
        let ours: Vec<&videos::Video> = rows.iter().filter(|v| v.is_local()).collect();
        let mut records = ruche_tube::downloads::source_records(&st.tube, &ours)
            .await?
            .into_iter();
        for (item, v) in page["data"].as_array_mut().into_iter().flatten().zip(&rows) {
            // Another instance's video has no source here (PeerTube's `null`).
            item["videoSource"] = match v.is_local().then(|| records.next()).flatten() {
                Some((s, kept)) => super::upload::source_json(st, v, s, kept),
                None => Value::Null,
            };
        }
    }
    if q.include & INCLUDE_AUTOMATIC_TAGS != 0 {
        let ids: Vec<i64> = rows.iter().map(|v| v.id).collect();
        let tags = ruche_tube::autotags::video_tags(&st.tube, &ids).await?;
        for (item, v) in page["data"].as_array_mut().into_iter().flatten().zip(&rows) {
            item["automaticTags"] = json!(tags.get(&v.id).cloned().unwrap_or_default());
        }
    }
    Ok(Json(page))
}

/// Whether each video of a page is blocked, and why (PeerTube adds them to list items with
/// `include` 2, and always to a user's own list).
fn blocked_fields(page: &mut Value, rows: &[videos::Video]) {
    for (item, v) in page["data"].as_array_mut().into_iter().flatten().zip(rows) {
        item["blacklisted"] = json!(v.is_blocked());
        item["blacklistedReason"] = json!(v.block_reason);
    }
}

/// `GET /api/v1/videos`: published public videos (internal ones too for a user of this
/// instance), newest first by default.
pub async fn list(
    State(st): State<AppState>,
    user: MaybeUser,
    q: VideoQuery,
) -> ApiResult<Json<Value>> {
    public_list(&st, user.user.as_ref(), q).await
}

/// `GET /api/v1/video-channels/{handle}/videos`.
pub async fn channel_videos(
    State(st): State<AppState>,
    Path(handle): Path<String>,
    user: MaybeUser,
    mut q: VideoQuery,
) -> ApiResult<Json<Value>> {
    let ch = channels::by_handle(&st.tube, &handle).await?;
    q.filter.channel_id = Some(ch.id);
    public_list(&st, user.user.as_ref(), q).await
}

/// `GET /api/v1/accounts/{name}/videos`.
pub async fn account_videos(
    State(st): State<AppState>,
    Path(handle): Path<String>,
    user: MaybeUser,
    mut q: VideoQuery,
) -> ApiResult<Json<Value>> {
    let a = accounts::account_by_handle(&st.tube, &handle).await?;
    q.filter.account_id = Some(a.id);
    public_list(&st, user.user.as_ref(), q).await
}

/// `GET /api/v1/users/me/videos`: the caller's videos in every state, with progress and errors.
pub async fn my_videos(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    q: VideoQuery,
) -> ApiResult<Json<Value>> {
    let (rows, total) = videos::list_mine(&st.tube, &u, q.filter).await?;
    let (base, host) = (&st.tube.settings.public_url, st.tube.settings.host());
    let data: Vec<Value> = rows
        .iter()
        .map(|v| video_json(base, &host, v, true))
        .collect();
    let mut page = json!({ "total": total, "data": data });
    blocked_fields(&mut page, &rows);
    Ok(Json(page))
}

pub async fn get(
    State(st): State<AppState>,
    SeenVideo { video: v, user }: SeenVideo,
) -> ApiResult<Json<Value>> {
    let files = videos::files(&st.tube, v.id).await?;
    let owner_view = matches!(
        videos::viewer(&v, user.as_ref()),
        Viewer::Owner | Viewer::Moderator
    );
    let (base, host) = (&st.tube.settings.public_url, st.tube.settings.host());
    let mut j = video_details_json(base, &host, &v, &files, owner_view);
    if let Some(u) = &user
        && let Some(at) = ruche_tube::history::positions(&st.tube, u, &[v.id])
            .await?
            .get(&v.id)
    {
        j["userHistory"] = json!({ "currentTime": at });
    }
    if owner_view {
        j["scheduledUpdate"] = match ruche_tube::editing::schedule_of(&st.tube, v.id).await? {
            Some(s) => json!({
                "updateAt": ruche_domain::time::iso(s.update_at),
                "privacy": s.privacy,
            }),
            None => Value::Null,
        };
    }
    // Its owner also sees the uploaded file while no web video is listed and the file is kept
    // (until transcoding ends), as PeerTube lists it until transcoding replaces it (PeerTube's
    // clients wait for its torrent after an upload).
    if owner_view
        && v.is_local()
        && j["files"].as_array().is_some_and(Vec::is_empty)
        && let Some(src) = ruche_tube::downloads::source_of(&st.tube, &v).await?
    {
        j["files"] = json!([super::source_file_json(base, &v, &src)]);
    }
    Ok(Json(j))
}

/// `GET /api/v1/videos/{id}/metadata/{fileId}`: ffprobe's description of the file.
pub async fn metadata(
    State(st): State<AppState>,
    Path((id, file)): Path<(String, i64)>,
    user: MaybeUser,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        videos::file_metadata(&st.tube, &id, user.user.as_ref(), file).await?,
    ))
}

pub async fn description(seen: SeenVideo) -> ApiResult<Json<Value>> {
    Ok(Json(json!({ "description": seen.video.description })))
}

/// `GET /api/v1/videos/{id}/storyboards`: its storyboard (none for a short video, one without a
/// picture, or one whose storyboard is not made yet), for whoever may see the video.
pub async fn storyboards(seen: SeenVideo) -> ApiResult<Json<Value>> {
    let list: Vec<Value> = ruche_tube::storyboards::served(&seen.video)
        .map(|(path, s)| {
            json!({
                "storyboardPath": path,
                "totalHeight": s.total_height,
                "totalWidth": s.total_width,
                "spriteHeight": s.sprite_height,
                "spriteWidth": s.sprite_width,
                "spriteDuration": s.sprite_duration,
            })
        })
        .into_iter()
        .collect();
    Ok(Json(json!({ "storyboards": list })))
}

/// `POST /api/v1/videos/{id}/token`: a temporary token to the video's files, for a user who may
/// see it, or for whoever gives a password-protected video's password (PeerTube answers 401
/// to anyone else).
pub async fn file_token(
    State(st): State<AppState>,
    Path(id): Path<String>,
    user: MaybeUser,
    password: VideoPassword,
) -> ApiResult<Json<Value>> {
    let u = user.user.as_ref();
    if u.is_none() && password.0.is_none() {
        return Err(TubeError::Unauthorized.into());
    }
    let v = videos::find_visible_with(&st.tube, &id, u, password.get()).await?;
    let t = ruche_tube::file_tokens::issue(&st.tube, &v, u.map(|u| u.id)).await?;
    Ok(Json(json!({
        "files": {
            "token": t.token,
            "expires": t.expires.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        }
    })))
}

pub async fn remove(
    State(st): State<AppState>,
    Path(id): Path<String>,
    ApiUser(u): ApiUser,
) -> ApiResult<StatusCode> {
    videos::delete(&st.tube, &u, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/videos/{id}/views`, with PeerTube's `currentTime` or none: counted once per viewer (the user, else the client's
/// address as the rate limits see it: behind a trusted proxy the forwarded one, an IPv6 client
/// by its /64, so that rotating addresses within one network adds no views) per window.
pub async fn view(
    State(st): State<AppState>,
    SeenVideo { video: v, user }: SeenVideo,
    ClientAddr(ip): ClientAddr,
    body: axum::body::Bytes,
) -> ApiResult<StatusCode> {
    let key = match &user {
        Some(u) => format!("user:{}", u.id),
        None => format!("ip:{}", ruche_tube::limiter::address_key(ip)),
    };
    videos::add_view(&st.tube, &v, &key).await?;
    // PeerTube 6's players say where they are (`currentTime`): a logged-in viewer's history.
    // A view without it, or with one that is not a time, still counts.
    let at = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|b| ruche_tube::history::position(&b["currentTime"]));
    if let (Some(u), Some(at)) = (&user, at) {
        ruche_tube::history::record(&st.tube, u, &v, at).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

fn table(rows: impl Iterator<Item = (String, &'static str)>) -> Json<Value> {
    Json(Value::Object(rows.map(|(k, v)| (k, json!(v))).collect()))
}

pub async fn categories() -> Json<Value> {
    table(CATEGORIES.iter().map(|(i, l)| (i.to_string(), *l)))
}
pub async fn licences() -> Json<Value> {
    table(LICENCES.iter().map(|(i, l)| (i.to_string(), *l)))
}
pub async fn languages() -> Json<Value> {
    table(LANGUAGES.iter().map(|(i, l)| (i.to_string(), *l)))
}
pub async fn privacies() -> Json<Value> {
    table(Privacy::ALL.iter().map(|p| (p.id().to_string(), p.label())))
}

/// Jobs still to do, by kind and state (admins; tests wait on it for the queue to drain).
pub async fn pending_jobs(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
) -> ApiResult<Json<Value>> {
    super::users::require_role(&u, false)?;
    let counts = ruche_tube::housekeeping::job_counts(&st.tube).await?;
    let data: Vec<Value> = counts
        .iter()
        .map(|(k, s, n)| json!({ "type": k, "state": s, "count": n }))
        .collect();
    Ok(Json(
        json!({ "total": counts.iter().map(|c| c.2).sum::<i64>(), "data": data }),
    ))
}

#[derive(Deserialize)]
pub struct Rating {
    rating: String,
}

/// `PUT /api/v1/videos/{id}/rate` with `{"rating": "like" | "dislike" | "none"}`: 204.
pub async fn rate(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    password: VideoPassword,
    Path(id): Path<String>,
    Body(r): Body<Rating>,
) -> ApiResult<StatusCode> {
    videos::rate(&st.tube, &u, &id, &r.rating, password.get()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/users/me/videos/{id}/rating`: `{"videoId", "rating"}`.
pub async fn my_rating(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let (video_id, rating) = videos::rating(&st.tube, &u, &id).await?;
    Ok(Json(json!({ "videoId": video_id, "rating": rating })))
}

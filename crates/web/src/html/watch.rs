//! The watch page (player, details, comments) and the embed page other sites frame.

use super::{Chrome, Moment, Page, error_page, markdown, moment, render};
use crate::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ruche_domain::ShortUuid;
use ruche_domain::urls;
use ruche_domain::video::VideoState;
use ruche_tube::playback::Playback;
use ruche_tube::{TubeError, videos};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/w/{id}", get(watch).post(watch_with_password))
        .route("/w/p/{id}", get(watch_playlist))
        .route("/w/{id}/comments", post(super::comments::post))
        .route(
            "/w/{id}/comments/{comment}/delete",
            post(super::comments::delete),
        )
        .route(
            "/w/{id}/comments/{comment}/approve",
            post(super::comments::approve),
        )
        .route("/videos/watch/{id}", get(watch_redirect))
        .route("/videos/embed/{id}", get(embed))
}

pub(super) struct FileLink {
    url: String,
    download: String,
    label: String,
    resolution: i64,
}

#[derive(Template)]
#[template(path = "watch.html")]
pub(super) struct Watch {
    chrome: Chrome,
    comments: Option<crate::html::comments::CommentsView>,
    channel_url: String,
    channel_avatar: Option<String>,
    name: String,
    uuid: String,
    url: String,
    by: String,
    date: Moment,
    views: String,
    description_html: String,
    published: bool,
    failed: bool,
    state_text: String,
    master: String,
    poster: Option<String>,
    absolute_poster: String,
    /// `<link rel="alternate" type="application/json+oembed">`, escaped already.
    oembed_link: String,
    files: Vec<FileLink>,
    download_enabled: bool,
    duration_secs: i64,
    p2p: Option<P2p>,
    import_map: String,
    /// The playlist being played through, if any.
    playlist: Option<PlaylistNav>,
    /// The viewer's playlists, for *Save* (none when logged out).
    saves: Vec<(i64, String)>,
    /// The video was just saved to a playlist.
    saved: bool,
    /// Where the viewer left off (their history), when not at the very end.
    resume: Option<i64>,
    /// The viewer keeps a history: the player reports where they are.
    reports_progress: bool,
    /// The *Report* form (a logged-in viewer, not the owner): where it posts, its reasons.
    can_report: bool,
    report_action: String,
    report_video: bool,
    report_reasons: Vec<(&'static str, String)>,
    /// A report was just sent.
    reported: bool,
    /// A moderator blocked it (its owner and moderators still see it), and why.
    blocked: bool,
    block_reason: Option<String>,
    /// Another instance's video cannot be unfederated from here.
    local: bool,
    short_uuid: String,
}

/// A playlist played through on the watch page: its videos, the one playing, the next.
pub(super) struct PlaylistNav {
    name: String,
    items: Vec<NavItem>,
    position_text: String,
    /// Where the next video plays, if there is one.
    next: Option<String>,
    /// Seconds where this element starts and stops.
    start: Option<i64>,
    stop: Option<i64>,
}

pub(super) struct NavItem {
    name: String,
    href: String,
    current: bool,
}

#[derive(serde::Deserialize, Default)]
pub(super) struct WatchQuery {
    saved: Option<String>,
    reported: Option<String>,
    #[serde(rename = "playlistPosition")]
    playlist_position: Option<String>,
}

/// What the watch page shows beside the video.
#[derive(Default)]
struct Around {
    playlist: Option<PlaylistNav>,
    saved: bool,
    reported: bool,
}

/// What the player needs to share segments with other viewers: the WebSocket trackers of the
/// video's origin (its swarm is there, whoever's video it is), the segment hashes every piece
/// from a peer is checked against, and STUN servers if the instance names some.
pub(super) struct P2p {
    /// Space-separated `ws://` / `wss://` URLs.
    trackers: String,
    sha256: String,
    /// JSON array of `stun:` URLs.
    stun: String,
}

impl P2p {
    /// None when P2P is off here, the video is not for everyone, or its origin gives no
    /// WebSocket tracker or segment hashes.
    fn of(st: &AppState, v: &ruche_tube::videos::Video, play: &Playback) -> Option<P2p> {
        use ruche_domain::video::Privacy;
        let p = &st.tube.settings.p2p;
        if !p.enabled || !matches!(v.privacy, Privacy::Public | Privacy::Unlisted) {
            return None;
        }
        let trackers: Vec<&str> = play
            .trackers
            .iter()
            .map(String::as_str)
            .filter(|t| t.starts_with("ws://") || t.starts_with("wss://"))
            .collect();
        if trackers.is_empty() {
            return None;
        }
        Some(P2p {
            trackers: trackers.join(" "),
            sha256: play.segments_sha256.clone()?,
            stun: serde_json::to_string(&p.stun_servers).unwrap_or_else(|_| "[]".into()),
        })
    }
}

pub(super) async fn watch(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(id): Path<String>,
    Query(q): Query<WatchQuery>,
    headers: HeaderMap,
) -> Response {
    if crate::activitypub::wants_activity_json(&headers) {
        return crate::activitypub::video_document(&st, &id).await;
    }
    // Not an id, a UUID nor a short UUID: no such page (not the API's words in English).
    if ruche_domain::ids::VideoRef::parse(&id).is_none() {
        return error_page(chrome, TubeError::NotFound("video"));
    }
    match videos::find_visible(&st.tube, &id, user.user.as_ref()).await {
        Ok(v) => {
            let around = Around {
                playlist: None,
                saved: q.saved.is_some(),
                reported: q.reported.is_some(),
            };
            show(&st, chrome, &user, v, None, around).await
        }
        // A password-protected video: its password is asked for.
        Err(TubeError::VideoPassword { wrong }) => password_prompt(chrome, &id, wrong),
        Err(e) => error_page(chrome, e),
    }
}

#[derive(Template)]
#[template(path = "video_password.html")]
pub(super) struct PasswordPrompt {
    chrome: Chrome,
    id: String,
    wrong: bool,
}

fn password_prompt(chrome: Chrome, id: &str, wrong: bool) -> Response {
    let page = render(&PasswordPrompt {
        chrome,
        id: id.to_string(),
        wrong,
    });
    (axum::http::StatusCode::FORBIDDEN, page).into_response()
}

#[derive(serde::Deserialize)]
pub(super) struct PasswordForm {
    password: String,
}

/// The password of a password-protected video, sent from its prompt: the watch page, its
/// player reaching the files with a `videoFileToken`; a wrong one asks again (guesses are
/// limited as on the API).
pub(super) async fn watch_with_password(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(id): Path<String>,
    crate::auth::ClientAddr(from): crate::auth::ClientAddr,
    axum::Form(f): axum::Form<PasswordForm>,
) -> Response {
    if ruche_domain::ids::VideoRef::parse(&id).is_none() {
        return error_page(chrome, TubeError::NotFound("video"));
    }
    let password = videos::Password {
        password: &f.password,
        from,
    };
    let v = match videos::find_visible_with(&st.tube, &id, user.user.as_ref(), Some(password)).await
    {
        Ok(v) => v,
        Err(TubeError::VideoPassword { wrong }) => return password_prompt(chrome, &id, wrong),
        Err(e) => return error_page(chrome, e),
    };
    let token = match ruche_tube::file_tokens::issue(&st.tube, &v, user.user.as_ref().map(|u| u.id))
        .await
    {
        Ok(t) => t.token,
        Err(e) => return error_page(chrome, e),
    };
    let mut res = show(&st, chrome, &user, v, Some(token), Around::default()).await;
    // A page opened with a password is nobody else's: not kept by a shared cache.
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("private, no-store"),
    );
    res
}

/// The watch page of `v`, a video the viewer may see; with `token`, its files are reached with
/// it (a password-protected video opened by its password).
async fn show(
    st: &AppState,
    chrome: Chrome,
    user: &crate::auth::MaybeUser,
    v: videos::Video,
    token: Option<String>,
    around: Around,
) -> Response {
    let st = st.clone();
    let files = match videos::files(&st.tube, v.id).await {
        Ok(f) => f,
        Err(e) => return error_page(chrome, e),
    };
    let base = &st.tube.settings.public_url;
    let play = ruche_tube::playback::of(base, &v, &files);
    // Progressive fallback, best first up to 720p so a phone is not handed 4K.
    let with_token = |url: &str| match &token {
        Some(t) => format!("{url}?videoFileToken={t}"),
        None => url.to_string(),
    };
    let mut links: Vec<FileLink> = play
        .files
        .iter()
        .map(|f| FileLink {
            url: with_token(&f.url),
            download: with_token(&f.download_url),
            label: if f.has_video {
                format!("{}p", f.resolution)
            } else {
                "Audio".into()
            },
            resolution: f.resolution,
        })
        .collect();
    links.sort_by_key(|f| (f.resolution > 720, -f.resolution));
    let state = v.state;
    let published = state == VideoState::Published && !play.files.is_empty();
    let failed = state == VideoState::TranscodingFailed;
    let state_text = if failed {
        chrome.tr.t1(
            "watch-failed",
            "reason",
            &v.failure_reason.clone().unwrap_or_default(),
        )
    } else {
        chrome.tr.t1("watch-processing", "progress", &v.progress)
    };
    let poster = ruche_tube::playback::pictures(&v).1;
    let comments = if published {
        match crate::html::comments::view(&st, &chrome.tr, &v, user.user.as_ref()).await {
            Ok(c) => Some(c),
            Err(e) => return error_page(chrome, e),
        }
    } else {
        None
    };
    let saves = match &user.user {
        Some(u) if published => match super::playlists::mine(&st, u).await {
            Ok(list) => list
                .iter()
                .map(|p| (p.id, super::playlists::display_name(&chrome, p)))
                .collect(),
            Err(e) => return error_page(chrome, e),
        },
        _ => Vec::new(),
    };
    // Where the viewer left off: resumed unless in its last twentieth (at least its last
    // second) or in a playlist (the element's start wins).
    let resume = match &user.user {
        Some(u) if published && u.history_enabled && around.playlist.is_none() => {
            match ruche_tube::history::positions(&st.tube, u, &[v.id]).await {
                Ok(at) => {
                    let end = v.duration - (v.duration / 20).max(1);
                    at.get(&v.id).copied().filter(|t| *t > 0 && *t < end)
                }
                Err(e) => return error_page(chrome, e),
            }
        }
        _ => None,
    };
    let reports_progress = published && user.user.as_ref().is_some_and(|u| u.history_enabled);
    let can_report = published && user.user.as_ref().is_some_and(|u| Some(u.id) != v.user_id);
    let t = Watch {
        blocked: v.is_blocked(),
        block_reason: v.block_reason.clone(),
        local: v.is_local(),
        short_uuid: ruche_domain::ids::short_uuid(&v.uuid),
        can_report,
        report_action: format!("/w/{}/report", ruche_domain::ids::short_uuid(&v.uuid)),
        report_video: true,
        report_reasons: super::moderation::reason_choices(&chrome),
        reported: around.reported,
        resume,
        reports_progress,
        comments,
        playlist: around.playlist,
        saves,
        saved: around.saved,
        name: v.name.clone(),
        uuid: v.uuid.clone(),
        oembed_link: crate::oembed::discovery_link(base, &urls::watch_page(base, &v.uuid), &v.name),
        url: urls::watch_page(base, &v.uuid),
        by: chrome.tr.t1("video-by", "channel", &v.channel_display_name),
        channel_url: match &v.channel_host {
            Some(h) => format!("/c/{}@{h}", v.channel_name),
            None => format!("/c/{}", v.channel_name),
        },
        channel_avatar: crate::api::picture_path("avatars", v.channel_avatars.as_deref(), 48),
        date: moment(&chrome.tr, v.published_at.unwrap_or(v.created_at)),
        views: chrome.tr.t1("video-views", "count", &v.views),
        description_html: markdown(v.description.as_deref().unwrap_or_default()),
        published,
        failed,
        state_text,
        master: match (&play.master, &token) {
            (Some(m), Some(t)) => format!("{m}?videoFileToken={t}&reinjectVideoFileToken=true"),
            (m, _) => m.clone().unwrap_or_default(),
        },
        absolute_poster: poster
            .as_ref()
            .map(|p| format!("{base}{p}"))
            .unwrap_or_default(),
        poster,
        files: links,
        download_enabled: v.download_enabled,
        duration_secs: v.duration,
        p2p: P2p::of(&st, &v, &play),
        import_map: crate::assets::import_map_tag(),
        chrome,
    };
    render(&t)
}

/// `/w/p/{id}`: a playlist played through, from `?playlistPosition=N` (its first video by
/// default): the video's watch page with the playlist beside it, the next video playing when
/// one ends (or reaches its element's stop time).
pub(super) async fn watch_playlist(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(id): Path<String>,
    Query(q): Query<WatchQuery>,
) -> Response {
    if ruche_domain::ids::VideoRef::parse(&id).is_none() {
        return error_page(chrome, TubeError::NotFound("video playlist"));
    }
    let (p, rows, _) = match ruche_tube::playlists::elements(
        &st.tube,
        user.user.as_ref(),
        &id,
        0,
        ruche_domain::playlist::MAX_ELEMENTS,
    )
    .await
    {
        Ok(found) => found,
        // A private playlist is a page nobody else finds.
        Err(TubeError::Forbidden(_)) => {
            return error_page(chrome, TubeError::NotFound("video playlist"));
        }
        Err(e) => return error_page(chrome, e),
    };
    let playable: Vec<_> = rows.iter().filter(|e| e.video.is_some()).collect();
    let want = q
        .playlist_position
        .as_deref()
        .and_then(|p| p.parse::<i64>().ok())
        .unwrap_or(1);
    let Some(current) = playable
        .iter()
        .find(|e| e.element.position >= want)
        .or(playable.first())
        .copied()
    else {
        return error_page(chrome, TubeError::NotFound("video"));
    };
    let short = ruche_domain::ids::short_uuid(&p.uuid);
    let href = |position: i64| format!("/w/p/{short}?playlistPosition={position}");
    let items = playable
        .iter()
        .map(|e| NavItem {
            name: e.video.as_ref().map(|v| v.name.clone()).unwrap_or_default(),
            href: href(e.element.position),
            current: e.element.id == current.element.id,
        })
        .collect();
    let index = playable
        .iter()
        .position(|e| e.element.id == current.element.id)
        .unwrap_or(0);
    let nav = PlaylistNav {
        name: chrome.tr.t1(
            "playlist-of",
            "name",
            &super::playlists::display_name(&chrome, &p),
        ),
        items,
        position_text: chrome.tr.tn(
            "playlist-position",
            &[("position", &(index + 1)), ("count", &playable.len())],
        ),
        next: playable
            .get(index + 1)
            .map(|e| format!("{}&autoplay=1", href(e.element.position))),
        start: current.element.start_timestamp,
        stop: current.element.stop_timestamp,
    };
    let Some(v) = current.video.clone() else {
        return error_page(chrome, TubeError::NotFound("video"));
    };
    let around = Around {
        playlist: Some(nav),
        saved: q.saved.is_some(),
        reported: q.reported.is_some(),
    };
    show(&st, chrome, &user, v, None, around).await
}

pub(super) async fn watch_redirect(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if crate::activitypub::wants_activity_json(&headers) {
        return crate::activitypub::video_document(&st, &id).await;
    }
    match ruche_domain::ids::VideoRef::parse(&id) {
        Some(ruche_domain::ids::VideoRef::Uuid(u)) => {
            Redirect::permanent(&format!("/w/{}", ShortUuid(u))).into_response()
        }
        _ => Redirect::permanent(&format!("/w/{id}")).into_response(),
    }
}

#[derive(Template)]
#[template(path = "embed.html")]
pub(super) struct Embed {
    lang: &'static str,
    name: String,
    uuid: String,
    url: String,
    master: String,
    poster: Option<String>,
    fallback: Option<String>,
    duration_secs: i64,
    p2p: Option<P2p>,
    import_map: String,
}

/// `/videos/embed/{id}`, PeerTube's embed URL: the player alone, for iframes.
pub(super) async fn embed(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(id): Path<String>,
) -> Response {
    let found = async {
        if ruche_domain::ids::VideoRef::parse(&id).is_none() {
            return Err(TubeError::NotFound("video"));
        }
        let v = videos::find_visible(&st.tube, &id, user.user.as_ref()).await?;
        let files = videos::files(&st.tube, v.id).await?;
        Ok::<_, TubeError>((v, files))
    }
    .await;
    let (v, play) = match found {
        Ok((v, files)) => {
            let play = ruche_tube::playback::of(&st.tube.settings.public_url, &v, &files);
            if v.state != VideoState::Published || play.files.is_empty() {
                return error_page(chrome, TubeError::NotFound("video"));
            }
            (v, play)
        }
        Err(e) => return error_page(chrome, e),
    };
    let fallback = play
        .files
        .iter()
        .filter(|f| f.resolution <= 720)
        .max_by_key(|f| f.resolution)
        .or(play.files.last())
        .map(|f| f.url.clone());
    render(&Embed {
        lang: chrome.tr.lang,
        name: v.name.clone(),
        url: urls::watch_page(urls::base(&st.tube.settings.public_url), &v.uuid),
        master: play.master.clone().unwrap_or_default(),
        poster: ruche_tube::playback::pictures(&v).1,
        fallback,
        duration_secs: v.duration,
        p2p: P2p::of(&st, &v, &play),
        import_map: crate::assets::import_map_tag(),
        uuid: v.uuid,
    })
}

//! Browsing: the home page's grid of videos, channel and account pages (and their actor ids,
//! which answer ActivityPub documents to servers), the language switch and the favicon.

use super::{Chrome, Moment, Page, error_page, human_duration, markdown, moment, render};
use crate::AppState;
use crate::i18n::Tr;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use ruche_domain::ids::short_uuid;
use ruche_tube::TubeError;
use ruche_tube::videos::ListFilter;
use serde::Deserialize;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/c/{name}", get(channel_page))
        .route("/a/{name}", get(account_page))
        // The actors' ids: their ActivityPub documents, or their pages for browsers.
        .route("/video-channels/{name}", get(channel_actor))
        .route("/accounts/{name}", get(account_actor))
        .route("/favicon.ico", get(favicon))
        .route("/subscriptions/{action}", axum::routing::post(subscription))
}

#[derive(Deserialize)]
pub(super) struct SubscriptionForm {
    csrf: String,
    handle: String,
}

/// A channel page's *Subscribe* and *Unsubscribe*: the follow made or undone, then back to the
/// channel.
pub(super) async fn subscription(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(action): Path<String>,
    axum::Form(f): axum::Form<SubscriptionForm>,
) -> Response {
    let back = format!("/c/{}", f.handle);
    let (chrome, u) = match super::form_user(chrome, &user, &f.csrf, &back) {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    let done = match action.as_str() {
        "add" => ruche_tube::federation::follows::subscribe(&st.tube, &u, &f.handle).await,
        "remove" => ruche_tube::federation::follows::unsubscribe(&st.tube, &u, &f.handle).await,
        _ => Err(TubeError::NotFound("page")),
    };
    match done {
        Ok(()) => Redirect::to(&back).into_response(),
        Err(e) => error_page(chrome, e),
    }
}

/// `/favicon.ico`, which browsers ask for on every site (pages link the SVG one too).
pub(super) async fn favicon(headers: HeaderMap) -> Response {
    let Some(file) = crate::assets::Assets::get("favicon.ico") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..12]));
    let cached = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == etag)
        });
    let mut res = if cached {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut res = file.data.into_owned().into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("image/x-icon"),
        );
        res
    };
    let h = res.headers_mut();
    if let Ok(v) = axum::http::HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("public, max-age=86400"),
    );
    res
}

/// A video as a grid shows it.
pub(crate) struct Card {
    pub(crate) short_uuid: String,
    pub(crate) name: String,
    pub(crate) thumbnail: Option<String>,
    pub(crate) duration: String,
    pub(crate) channel: String,
    pub(crate) views: String,
    pub(crate) date: Moment,
}

#[derive(Template)]
#[template(path = "home.html")]
pub(super) struct Home {
    chrome: Chrome,
    videos: Vec<Card>,
    prev_page: Option<i64>,
    next_page: Option<i64>,
    /// Which videos: `all`, `local` or `federated`.
    scope: &'static str,
    /// What the pagination links start with (the scope kept).
    page_base: String,
}

#[derive(Deserialize)]
pub(super) struct PageQuery {
    page: Option<i64>,
    /// A report of the account was just sent.
    reported: Option<String>,
}

pub(super) const PER_PAGE: i64 = 24;

/// One page of a video grid (home, channel, account): the cards and the neighbouring pages.
pub(crate) struct Grid {
    pub(crate) videos: Vec<Card>,
    pub(crate) prev_page: Option<i64>,
    pub(crate) next_page: Option<i64>,
}

pub(crate) async fn grid(
    st: &AppState,
    tr: &Tr,
    filter: ListFilter,
    page: Option<i64>,
    viewer: Option<&ruche_tube::accounts::User>,
    search: Option<&str>,
) -> Result<Grid, TubeError> {
    // Past this, every page is empty anyway; the bound keeps `page * PER_PAGE` from overflowing.
    let page = page.unwrap_or(1).clamp(1, 1_000_000);
    let f = ListFilter {
        start: (page - 1) * PER_PAGE,
        count: PER_PAGE,
        newest_first: true,
        ..filter
    };
    let (rows, total) = match search {
        Some(text) => ruche_tube::search::videos(&st.tube, viewer, text, f).await?,
        None => ruche_tube::videos::list_public(&st.tube, viewer, f).await?,
    };
    let videos = rows
        .iter()
        .map(|v| Card {
            short_uuid: short_uuid(&v.uuid),
            name: v.name.clone(),
            thumbnail: ruche_tube::playback::pictures(v).0,
            duration: human_duration(v.duration),
            channel: v.channel_display_name.clone(),
            views: tr.t1("video-views", "count", &v.views),
            date: moment(tr, v.published_at.unwrap_or(v.created_at)),
        })
        .collect();
    Ok(Grid {
        videos,
        next_page: (page * PER_PAGE < total).then_some(page + 1),
        prev_page: (page > 1).then_some(page - 1),
    })
}

#[derive(Deserialize)]
pub(super) struct HomeQuery {
    page: Option<i64>,
    /// `local` (this instance's videos) or `federated` (those of instances we follow); both
    /// when absent.
    scope: Option<String>,
}

pub(super) async fn home(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Query(q): Query<HomeQuery>,
) -> Response {
    let scope = match q.scope.as_deref() {
        Some("local") => "local",
        Some("federated") => "federated",
        _ => "all",
    };
    let filter = ListFilter {
        is_local: match scope {
            "local" => Some(true),
            "federated" => Some(false),
            _ => None,
        },
        ..Default::default()
    };
    match grid(&st, &chrome.tr, filter, q.page, user.user.as_ref(), None).await {
        Ok(g) => render(&Home {
            chrome,
            videos: g.videos,
            prev_page: g.prev_page,
            next_page: g.next_page,
            scope,
            page_base: if scope == "all" {
                "?".into()
            } else {
                format!("?scope={scope}&")
            },
        }),
        Err(e) => error_page(chrome, e),
    }
}

#[derive(Template)]
#[template(path = "profile.html")]
pub(super) struct Profile {
    chrome: Chrome,
    display_name: String,
    handle: String,
    description_html: String,
    /// The owner account of a channel: its name and page.
    owner: Option<(String, String)>,
    /// An account's channels: handle and display name.
    channels: Vec<(String, String)>,
    avatar: Option<String>,
    banner: Option<String>,
    videos: Vec<Card>,
    prev_page: Option<i64>,
    next_page: Option<i64>,
    page_base: String,
    /// What the channel asks of its viewers (its support text, as Markdown made HTML).
    support_html: Option<String>,
    followers: String,
    /// A channel's handle to subscribe with, and whether the viewer is subscribed already
    /// (`None`: an account's page, or a visitor not logged in).
    subscribe: Option<(String, bool)>,
    playlists: Vec<PlaylistCard>,
    /// An account's *Report* form, for a logged-in viewer who is not its owner.
    report_action: Option<String>,
    /// An account's *Mute* button for such a viewer: where it posts, and whether it is muted.
    mute: Option<(String, bool)>,
    report_video: bool,
    report_reasons: Vec<(&'static str, String)>,
    reported: bool,
}

/// A playlist on a channel's or an account's page.
pub(super) struct PlaylistCard {
    short_uuid: String,
    name: String,
    videos: String,
    thumbnail: Option<String>,
}

/// Whose page a profile is, and which videos it lists.
pub(super) struct Owner {
    display_name: String,
    name: String,
    description: Option<String>,
    owner: Option<(String, String)>,
    channels: Vec<(String, String)>,
    filter: ListFilter,
    /// Another instance's host; `None` for ours.
    host: Option<String>,
    avatar: Option<String>,
    banner: Option<String>,
    support: Option<String>,
    /// Its ActivityPub id, whose followers are counted.
    actor_url: String,
    /// A channel's handle (`name` or `name@host`), for subscribing; `None` for an account.
    channel_handle: Option<String>,
    playlists: Vec<ruche_tube::playlists::Playlist>,
    /// An account's handle to report it by, and its user (none for a channel's page).
    report: Option<(String, Option<i64>)>,
}

pub(super) async fn profile(
    st: &AppState,
    chrome: Chrome,
    found: Result<Owner, TubeError>,
    q: &PageQuery,
    viewer: Option<&ruche_tube::accounts::User>,
) -> Response {
    let page = q.page;
    let who = match found {
        Ok(w) => w,
        Err(e) => return error_page(chrome, e),
    };
    let around = async {
        let (followers, _) =
            ruche_tube::federation::follows::counts(&st.tube, &who.actor_url).await?;
        let subscribe = match (&who.channel_handle, viewer) {
            (Some(h), Some(u)) => Some((
                h.clone(),
                ruche_tube::federation::follows::is_subscribed(&st.tube, u, h).await?,
            )),
            _ => None,
        };
        let pictures = ruche_tube::playlists::thumbnails_of(&st.tube, &who.playlists).await?;
        let mut playlists = Vec::new();
        for (p, thumbnail) in who.playlists.iter().zip(pictures) {
            playlists.push(PlaylistCard {
                short_uuid: ruche_domain::ids::short_uuid(&p.uuid),
                name: p.name.clone(),
                videos: chrome
                    .tr
                    .t1("profile-playlist-videos", "count", &p.videos_length),
                thumbnail,
            });
        }
        Ok::<_, TubeError>((followers, subscribe, playlists))
    }
    .await;
    let (followers, subscribe, playlists) = match around {
        Ok(a) => a,
        Err(e) => return error_page(chrome, e),
    };
    match grid(st, &chrome.tr, who.filter, page, viewer, None).await {
        Ok(g) => render(&Profile {
            mute: match (&who.report, viewer) {
                (Some((h, owner)), Some(v)) if Some(v.id) != *owner => {
                    let muted = ruche_tube::blocklist::status(
                        &st.tube,
                        Some(v),
                        std::slice::from_ref(h),
                        &[],
                    )
                    .await
                    .ok()
                    .and_then(|(a, _)| a.first().map(|x| x.2))
                    .unwrap_or(false);
                    Some((
                        format!("/a/{h}/{}", if muted { "unmute" } else { "mute" }),
                        muted,
                    ))
                }
                _ => None,
            },
            report_action: who
                .report
                .as_ref()
                .filter(|(_, owner)| viewer.is_some_and(|v| Some(v.id) != *owner))
                .map(|(h, _)| format!("/a/{h}/report")),
            report_video: false,
            report_reasons: super::moderation::reason_choices(&chrome),
            reported: q.reported.is_some(),
            support_html: who
                .support
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .map(markdown),
            followers: chrome.tr.t1("profile-followers", "count", &followers),
            subscribe,
            playlists,
            display_name: who.display_name,
            handle: format!(
                "{}@{}",
                who.name,
                who.host.unwrap_or_else(|| st.tube.settings.host())
            ),
            avatar: who.avatar,
            banner: who.banner,
            description_html: markdown(who.description.as_deref().unwrap_or_default()),
            owner: who.owner,
            channels: who.channels,
            videos: g.videos,
            prev_page: g.prev_page,
            next_page: g.next_page,
            page_base: "?".into(),
            chrome,
        }),
        Err(e) => error_page(chrome, e),
    }
}

/// `/c/{name}`, PeerTube's channel page: the channel and its public videos.
pub(super) async fn channel_page(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let found = async {
        let (ch, owner) = ruche_tube::channels::with_owner(&st.tube, &name).await?;
        let owner_handle = match &owner.host {
            Some(h) => format!("{}@{h}", owner.name),
            None => owner.name.clone(),
        };
        let base = &st.tube.settings.public_url;
        let f = ruche_tube::playlists::ListFilter {
            count: 12,
            descending: true,
            ..Default::default()
        };
        let (playlists, _) =
            ruche_tube::playlists::list_of_channel(&st.tube, user.user.as_ref(), &ch, &owner, f)
                .await?;
        Ok(Owner {
            report: None,
            support: ch.support.clone(),
            actor_url: ch
                .url
                .clone()
                .unwrap_or_else(|| ruche_domain::urls::channel(base, &ch.name)),
            channel_handle: Some(match &ch.host {
                Some(h) => format!("{}@{h}", ch.name),
                None => ch.name.clone(),
            }),
            playlists: playlists
                .into_iter()
                .filter(|p| p.privacy == ruche_domain::playlist::PlaylistPrivacy::Public)
                .collect(),
            filter: ListFilter {
                channel_id: Some(ch.id),
                ..Default::default()
            },
            avatar: crate::api::picture_path("avatars", ch.avatars.as_deref(), 120),
            banner: crate::api::picture_path("banners", ch.banners.as_deref(), 1920),
            display_name: ch.display_name,
            name: ch.name,
            host: ch.host,
            description: ch.description,
            owner: Some((owner.display_name, format!("/a/{owner_handle}"))),
            channels: Vec::new(),
        })
    }
    .await;
    profile(&st, chrome, found, &q, user.user.as_ref()).await
}

/// `/a/{name}`, PeerTube's account page: the account, its channels and its public videos.
pub(super) async fn account_page(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let found = async {
        let a = ruche_tube::accounts::account_by_handle(&st.tube, &name).await?;
        let channels = ruche_tube::channels::of_account(&st.tube, a.id).await?;
        let suffix = a.host.as_ref().map(|h| format!("@{h}")).unwrap_or_default();
        let base = &st.tube.settings.public_url;
        let f = ruche_tube::playlists::ListFilter {
            count: 12,
            descending: true,
            ..Default::default()
        };
        // As anyone sees them: its owner finds the rest under My playlists.
        let (playlists, _) = ruche_tube::playlists::list_of_account(&st.tube, None, &a, f).await?;
        Ok(Owner {
            report: Some((name.clone(), a.user_id)),
            support: None,
            actor_url: a
                .url
                .clone()
                .unwrap_or_else(|| ruche_domain::urls::account(base, &a.name)),
            channel_handle: None,
            playlists,
            filter: ListFilter {
                account_id: Some(a.id),
                ..Default::default()
            },
            avatar: crate::api::picture_path("avatars", a.avatars.as_deref(), 120),
            banner: None,
            display_name: a.display_name,
            name: a.name,
            host: a.host,
            description: a.description,
            owner: None,
            channels: channels
                .into_iter()
                .map(|c| (format!("{}{suffix}", c.name), c.display_name))
                .collect(),
        })
    }
    .await;
    profile(&st, chrome, found, &q, user.user.as_ref()).await
}

pub(super) async fn account_actor(
    State(st): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    if crate::activitypub::wants_activity_json(&headers) {
        return crate::activitypub::account_document(&st, &name).await;
    }
    Redirect::to(&format!("/a/{name}")).into_response()
}

pub(super) async fn channel_actor(
    State(st): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    if crate::activitypub::wants_activity_json(&headers) {
        return crate::activitypub::channel_document(&st, &name).await;
    }
    Redirect::to(&format!("/c/{name}")).into_response()
}

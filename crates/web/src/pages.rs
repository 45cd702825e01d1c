//! The HTML pages: home, watch, login and sign-up, upload, the owner's videos and channels, and
//! registration requests for moderators. Server-rendered with askama; strings from the Fluent
//! catalogues; every state-changing form carries the session's CSRF token.

use crate::AppState;
use crate::auth::{ClientAddr, MaybeUser, SESSION_COOKIE, same_origin, same_origin_path};
use crate::i18n::{LANGUAGES, Tr};
use crate::limits::{self, Kind};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use ruche_domain::ShortUuid;
use ruche_domain::user::Role;
use ruche_domain::video::{Privacy, VideoState};
use ruche_tube::accounts::User;
use ruche_tube::profiles::{Holder, PictureKind};
use ruche_tube::videos::{ListFilter, Video};
use ruche_tube::{TubeError, accounts, auth, videos};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/signup", get(signup_page).post(signup))
        .route("/upload", get(upload_page))
        .route("/w/{id}", get(watch))
        .route("/w/{id}/comments", post(crate::comments::post))
        .route(
            "/w/{id}/comments/{comment}/delete",
            post(crate::comments::delete),
        )
        .route("/videos/watch/{id}", get(watch_redirect))
        .route("/videos/embed/{id}", get(embed))
        .route("/c/{name}", get(channel_page))
        .route("/a/{name}", get(account_page))
        // The actors' ids: their ActivityPub documents, or their pages for browsers.
        .route("/video-channels/{name}", get(channel_actor))
        .route("/accounts/{name}", get(account_actor))
        .route("/my-videos", get(my_videos))
        .route("/my-videos/{id}/delete", post(delete_video))
        .route("/my-channels", get(channels_page).post(create_channel))
        .route(
            "/my-channels/{id}/profile",
            post(channel_profile).layer(limits::body(Kind::Profile)),
        )
        .route("/my-channels/{id}/delete", post(delete_channel))
        .route(
            "/my-channels/{id}/{which}",
            post(channel_picture).layer(limits::body(Kind::Picture)),
        )
        .route(
            "/my-channels/{id}/{which}/remove",
            post(remove_channel_picture),
        )
        .route("/my-account", get(account_settings).post(change_password))
        .route(
            "/my-account/profile",
            post(account_profile).layer(limits::body(Kind::Profile)),
        )
        .route(
            "/my-account/avatar",
            post(account_avatar).layer(limits::body(Kind::Picture)),
        )
        .route("/my-account/avatar/remove", post(remove_account_avatar))
        .route("/admin/registrations", get(registrations_page))
        .route(
            "/admin/registrations/{id}/{action}",
            post(registration_action),
        )
        .route("/lang/{lang}", get(set_lang))
        .route("/favicon.ico", get(favicon))
}

/// What the layout needs on every page.
pub struct Chrome {
    pub tr: Tr,
    pub instance_name: String,
    pub username: Option<String>,
    pub csrf: Option<String>,
    pub is_moderator: bool,
    pub is_admin: bool,
    pub signup_open: bool,
    pub other_lang: &'static str,
}

async fn chrome(st: &AppState, headers: &HeaderMap, user: &MaybeUser) -> Chrome {
    let jar = CookieJar::from_headers(headers);
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let lang = st.i18n.pick(jar.get("lang").map(|c| c.value()), accept);
    Chrome {
        tr: Tr::new(st.i18n.clone(), lang),
        instance_name: st.tube.settings.instance.name.clone(),
        username: user.user.as_ref().map(|u| u.username.clone()),
        csrf: user.csrf.clone(),
        is_moderator: user
            .user
            .as_ref()
            .is_some_and(|u| Role::from_id(u.role).is_some_and(Role::can_moderate)),
        is_admin: user
            .user
            .as_ref()
            .is_some_and(|u| Role::from_id(u.role) == Some(Role::Admin)),
        signup_open: accounts::signup_allowed(&st.tube).await.unwrap_or(false),
        other_lang: if lang == "fr" { "en" } else { "fr" },
    }
}

/// What every page handler starts from: who is asking, and the layout's data for them.
pub struct Page {
    pub chrome: Chrome,
    pub user: MaybeUser,
}

impl axum::extract::FromRequestParts<AppState> for Page {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        st: &AppState,
    ) -> Result<Self, Response> {
        let user = MaybeUser::from_request_parts(parts, st)
            .await
            .map_err(IntoResponse::into_response)?;
        let chrome = chrome(st, &parts.headers, &user).await;
        Ok(Page { chrome, user })
    }
}

/// The user of a form post: logged in (else to the login page, back to `next` after) and
/// carrying the session's CSRF token (else refused). Gives the layout back for the answer.
// The error is the answer itself, built once per request and returned at once: no point boxing.
#[allow(clippy::result_large_err)]
pub(crate) fn form_user(
    chrome: Chrome,
    user: &MaybeUser,
    sent_csrf: &str,
    next: &str,
) -> Result<(Chrome, User), Response> {
    let Some(u) = user.user.clone() else {
        return Err(login_redirect(next));
    };
    if !csrf_ok(user, sent_csrf) {
        return Err(csrf_refused(chrome));
    }
    Ok((chrome, u))
}

/// The page for a form whose CSRF token is missing or wrong.
fn csrf_refused(chrome: Chrome) -> Response {
    let msg = chrome.tr.t("error-csrf");
    error_page(chrome, TubeError::Forbidden(msg))
}

pub(crate) fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!("template: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    title: String,
    message: String,
}

/// An error as a page, with the status the API would give.
pub(crate) fn error_page(chrome: Chrome, e: TubeError) -> Response {
    let status = crate::error::status_of(&e);
    let (title, message) = match &e {
        TubeError::NotFound(_) => (
            chrome.tr.t("error-not-found-title"),
            chrome.tr.t("error-not-found"),
        ),
        e if status.is_server_error() => {
            tracing::error!("{e}");
            (chrome.tr.t("error-title"), chrome.tr.t("error-title"))
        }
        e => (chrome.tr.t("error-title"), e.to_string()),
    };
    let mut res = (
        status,
        render(&ErrorPage {
            chrome,
            title,
            message,
        }),
    )
        .into_response();
    crate::error::set_retry_after(&mut res, &e);
    res
}

/// The router's fallback, for paths nothing else answers: PeerTube's JSON error under `/api/`
/// (API clients read it), else a page in the visitor's language with the way back home.
pub(crate) async fn not_found(uri: axum::http::Uri, page: Result<Page, Response>) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::error::ApiError(TubeError::NotFound("route")).into_response();
    }
    match page {
        Ok(Page { chrome, .. }) => error_page(chrome, TubeError::NotFound("page")),
        Err(refusal) => refusal,
    }
}

/// `/favicon.ico`, which browsers ask for on every site (pages link the SVG one too).
async fn favicon(headers: HeaderMap) -> Response {
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

pub(crate) fn login_redirect(next: &str) -> Response {
    let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    Redirect::to(&format!("/login?next={next}")).into_response()
}

fn human_duration(secs: i64) -> String {
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// A moment as pages show it: how long ago in the reader's language ("3 days ago", "il y a
/// 3 jours"), the full date and time in that language (for a tooltip), and the machine-readable
/// date. Templates draw it with [`Moment::html`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Moment {
    /// RFC 3339 in UTC, for `<time datetime>`.
    pub datetime: String,
    /// The full date and time, in the reader's language.
    pub full: String,
    /// How long ago, in the reader's language.
    pub relative: String,
}

impl Moment {
    /// `<time datetime="…" title="full date">3 days ago</time>`, escaped.
    pub fn html(&self) -> String {
        format!(
            "<time datetime=\"{}\" title=\"{}\">{}</time>",
            ruche_pages::render::esc(&self.datetime),
            ruche_pages::render::esc(&self.full),
            ruche_pages::render::esc(&self.relative)
        )
    }
}

/// The moment `ms` (unix milliseconds) as `tr`'s reader sees it now. The watch page, comments,
/// video cards and My videos all use this one format.
pub(crate) fn moment(tr: &Tr, ms: i64) -> Moment {
    moment_at(tr, ms, ruche_domain::time::now_ms())
}

/// [`moment`] seen at `now_ms` (pure, for tests).
pub(crate) fn moment_at(tr: &Tr, ms: i64, now_ms: i64) -> Moment {
    let Some(at) = chrono::DateTime::from_timestamp_millis(ms) else {
        return Moment {
            datetime: String::new(),
            full: String::new(),
            relative: String::new(),
        };
    };
    let datetime = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let full = full_date(tr, &at).unwrap_or_else(|| at.format("%Y-%m-%d %H:%M UTC").to_string());
    let secs = (now_ms - ms).div_euclid(1000);
    let (min, hour, day) = (60, 3600, 86_400);
    let relative = match secs {
        // A moment to come (clocks apart): its date, not a time ago.
        s if s < -60 => full.clone(),
        s if s < min => tr.t("date-just-now"),
        s if s < hour => tr.t1("date-minutes-ago", "count", &(s / min)),
        s if s < day => tr.t1("date-hours-ago", "count", &(s / hour)),
        s if s < 7 * day => tr.t1("date-days-ago", "count", &(s / day)),
        s if s < 30 * day => tr.t1("date-weeks-ago", "count", &(s / (7 * day))),
        s if s < 365 * day => tr.t1("date-months-ago", "count", &(s / (30 * day)).max(1)),
        s => tr.t1("date-years-ago", "count", &(s / (365 * day))),
    };
    Moment {
        datetime,
        full,
        relative,
    }
}

/// The full date and time in the reader's language: the catalogue's chrono format, with the
/// month named by the catalogue.
fn full_date(tr: &Tr, at: &chrono::DateTime<chrono::Utc>) -> Option<String> {
    use chrono::Datelike;
    use std::fmt::Write;
    let month = tr.t1("date-month", "month", &at.month());
    let format = tr
        .t("date-format-full")
        .replace("%B", &month.replace('%', "%%"));
    let mut out = String::new();
    // An invalid format (a faulty translation) is an error here, not a panic.
    write!(out, "{}", at.format(&format)).ok()?;
    Some(out)
}

pub(crate) fn short(uuid: &str) -> String {
    crate::api::short_uuid(uuid)
}

struct Card {
    short_uuid: String,
    name: String,
    thumbnail: Option<String>,
    duration: String,
    channel: String,
    views: String,
    date: Moment,
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
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
struct PageQuery {
    page: Option<i64>,
}

const PER_PAGE: i64 = 24;

/// One page of a video grid (home, channel, account): the cards and the neighbouring pages.
struct Grid {
    videos: Vec<Card>,
    prev_page: Option<i64>,
    next_page: Option<i64>,
}

async fn grid(
    st: &AppState,
    tr: &Tr,
    filter: ListFilter,
    page: Option<i64>,
) -> Result<Grid, TubeError> {
    // Past this, every page is empty anyway; the bound keeps `page * PER_PAGE` from overflowing.
    let page = page.unwrap_or(1).clamp(1, 1_000_000);
    let f = ListFilter {
        start: (page - 1) * PER_PAGE,
        count: PER_PAGE,
        newest_first: true,
        ..filter
    };
    let (rows, total) = ruche_tube::videos::list_public(&st.tube, f).await?;
    let videos = rows
        .iter()
        .map(|v| Card {
            short_uuid: short(&v.uuid),
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
struct HomeQuery {
    page: Option<i64>,
    /// `local` (this instance's videos) or `federated` (those of instances we follow); both
    /// when absent.
    scope: Option<String>,
}

async fn home(
    State(st): State<AppState>,
    Page { chrome, .. }: Page,
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
    match grid(&st, &chrome.tr, filter, q.page).await {
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
struct Profile {
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
}

/// Whose page a profile is, and which videos it lists.
struct Owner {
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
}

async fn profile(
    st: &AppState,
    chrome: Chrome,
    found: Result<Owner, TubeError>,
    page: Option<i64>,
) -> Response {
    let who = match found {
        Ok(w) => w,
        Err(e) => return error_page(chrome, e),
    };
    match grid(st, &chrome.tr, who.filter, page).await {
        Ok(g) => render(&Profile {
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
async fn channel_page(
    State(st): State<AppState>,
    Page { chrome, .. }: Page,
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let found = async {
        let (ch, owner) = ruche_tube::accounts::channel_with_owner(&st.tube, &name).await?;
        let owner_handle = match &owner.host {
            Some(h) => format!("{}@{h}", owner.name),
            None => owner.name.clone(),
        };
        Ok(Owner {
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
    profile(&st, chrome, found, q.page).await
}

/// `/a/{name}`, PeerTube's account page: the account, its channels and its public videos.
async fn account_page(
    State(st): State<AppState>,
    Page { chrome, .. }: Page,
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let found = async {
        let a = ruche_tube::accounts::account_by_handle(&st.tube, &name).await?;
        let channels = ruche_tube::accounts::channels_of(&st.tube, a.id).await?;
        let suffix = a.host.as_ref().map(|h| format!("@{h}")).unwrap_or_default();
        Ok(Owner {
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
    profile(&st, chrome, found, q.page).await
}

#[derive(Template)]
#[template(path = "login.html")]
struct Login {
    chrome: Chrome,
    error: Option<String>,
    notice: Option<String>,
    next: String,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// Only paths of our own origin are followed after login (no open redirect).
fn local_next(st: &AppState, next: Option<&str>) -> String {
    same_origin_path(next, &st.tube.settings.public_url)
}

async fn login_page(
    State(st): State<AppState>,
    Page { chrome, .. }: Page,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = local_next(&st, q.next.as_deref());
    render(&Login {
        chrome,
        error: None,
        notice: None,
        next,
    })
}

/// "Try again in N minutes", for a form refused by a rate limit (429 with `Retry-After`).
fn too_many(chrome: &Chrome, key: &str, retry_after_secs: u64) -> String {
    chrome
        .tr
        .t1(key, "minutes", &retry_after_secs.div_ceil(60).max(1))
}

/// A form's page answered with the status of `e` and its `Retry-After`.
fn refused_with(e: &TubeError, page: Response) -> Response {
    let mut res = (crate::error::status_of(e), page).into_response();
    crate::error::set_retry_after(&mut res, e);
    res
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

fn session_cookie(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, value))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(time_max_age())
        .build()
}

fn time_max_age() -> cookie::time::Duration {
    cookie::time::Duration::milliseconds(auth::SESSION_TTL_MS)
}

async fn login(
    State(st): State<AppState>,
    ClientAddr(from): ClientAddr,
    headers: HeaderMap,
    jar: CookieJar,
    Form(f): Form<LoginForm>,
) -> Response {
    let anonymous = MaybeUser {
        user: None,
        csrf: None,
    };
    let chrome = chrome(&st, &headers, &anonymous).await;
    if !same_origin(&headers, &st.tube.settings.public_url) {
        return error_page(
            chrome,
            TubeError::Forbidden("Cross-site login refused.".into()),
        );
    }
    let next = local_next(&st, f.next.as_deref());
    // One argon2 verification, under the limits; a sign-up still waiting for (or refused by) a
    // moderator is said as such, to whoever gives its password only.
    let error = match auth::log_in(&st.tube, from, &f.username, &f.password).await {
        Ok(auth::LoggedIn::User(user)) => {
            return match auth::open_session(&st.tube, user.id).await {
                Ok(id) => {
                    let secure = st.tube.settings.public_url.starts_with("https://");
                    (jar.add(session_cookie(id, secure)), Redirect::to(&next)).into_response()
                }
                Err(e) => error_page(chrome, e),
            };
        }
        Ok(auth::LoggedIn::Unapproved(auth::Unapproved::Pending)) => chrome.tr.t("login-pending"),
        Ok(auth::LoggedIn::Unapproved(auth::Unapproved::Rejected(Some(reason)))) => {
            chrome.tr.t1("login-rejected-reason", "reason", &reason)
        }
        Ok(auth::LoggedIn::Unapproved(auth::Unapproved::Rejected(None))) => {
            chrome.tr.t("login-rejected")
        }
        Err(TubeError::InvalidGrant(_)) => chrome.tr.t("login-failed"),
        Err(e @ TubeError::TooManyRequests { retry_after_secs }) => {
            let error = Some(too_many(&chrome, "login-too-many", retry_after_secs));
            let page = render(&Login {
                chrome,
                error,
                notice: None,
                next,
            });
            return refused_with(&e, page);
        }
        Err(e @ TubeError::Busy { .. }) => {
            let error = Some(chrome.tr.t("error-busy"));
            let page = render(&Login {
                chrome,
                error,
                notice: None,
                next,
            });
            return refused_with(&e, page);
        }
        Err(e) => return error_page(chrome, e),
    };
    (
        StatusCode::UNAUTHORIZED,
        render(&Login {
            chrome,
            error: Some(error),
            notice: None,
            next,
        }),
    )
        .into_response()
}

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    pub(crate) csrf: String,
}

pub(crate) fn csrf_ok(user: &MaybeUser, sent: &str) -> bool {
    user.csrf
        .as_deref()
        .is_some_and(|c| !sent.is_empty() && c == sent)
}

async fn logout(
    State(st): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    user: MaybeUser,
    Form(f): Form<CsrfForm>,
) -> Response {
    if !csrf_ok(&user, &f.csrf) {
        let chrome = chrome(&st, &headers, &user).await;
        return csrf_refused(chrome);
    }
    if let Some(c) = jar.get(SESSION_COOKIE)
        && let Err(e) = auth::close_session(&st.tube, c.value()).await
    {
        tracing::warn!("logout: {e}");
    }
    (
        jar.remove(Cookie::build(SESSION_COOKIE).path("/")),
        Redirect::to("/"),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "signup.html")]
struct Signup {
    chrome: Chrome,
    error: Option<String>,
    open: bool,
    requires_approval: bool,
}

async fn signup_page(State(st): State<AppState>, Page { chrome, .. }: Page) -> Response {
    let open = chrome.signup_open;
    render(&Signup {
        chrome,
        error: None,
        open,
        requires_approval: st.tube.settings.signup.requires_approval,
    })
}

#[derive(Deserialize)]
struct SignupForm {
    username: String,
    email: String,
    password: String,
    reason: Option<String>,
}

async fn signup(
    State(st): State<AppState>,
    ClientAddr(from): ClientAddr,
    headers: HeaderMap,
    Page { chrome, .. }: Page,
    Form(f): Form<SignupForm>,
) -> Response {
    if !same_origin(&headers, &st.tube.settings.public_url) {
        return error_page(
            chrome,
            TubeError::Forbidden("Cross-site sign-up refused.".into()),
        );
    }
    let reason = f.reason.as_deref().unwrap_or_default();
    match accounts::sign_up(
        &st.tube,
        from,
        f.username.trim(),
        f.email.trim(),
        &f.password,
        reason,
    )
    .await
    {
        Ok(done) => {
            let notice = Some(chrome.tr.t(match done {
                accounts::SignedUp::User => "signup-done",
                accounts::SignedUp::Pending(_) => "signup-pending",
            }));
            render(&Login {
                chrome,
                error: None,
                notice,
                next: "/".into(),
            })
        }
        Err(
            e @ (TubeError::BadRequest(_)
            | TubeError::Conflict(_)
            | TubeError::Forbidden(_)
            | TubeError::TooManyRequests { .. }
            | TubeError::Busy { .. }),
        ) => {
            let open = chrome.signup_open;
            let error = Some(match &e {
                TubeError::TooManyRequests { retry_after_secs } => {
                    too_many(&chrome, "signup-too-many", *retry_after_secs)
                }
                TubeError::Busy { .. } => chrome.tr.t("error-busy"),
                e => e.to_string(),
            });
            let page = render(&Signup {
                chrome,
                error,
                open,
                requires_approval: st.tube.settings.signup.requires_approval,
            });
            match e {
                // 429 or 503, with Retry-After.
                TubeError::TooManyRequests { .. } | TubeError::Busy { .. } => {
                    refused_with(&e, page)
                }
                _ => (StatusCode::BAD_REQUEST, page).into_response(),
            }
        }
        Err(e) => error_page(chrome, e),
    }
}

#[derive(Template)]
#[template(path = "upload.html")]
struct Upload {
    chrome: Chrome,
    quota: String,
    channels: Vec<(i64, String)>,
    privacies: Vec<(i64, String)>,
}

fn human_bytes(n: i64) -> String {
    let n = n as f64;
    match n {
        n if n >= 1e9 => format!("{:.1} GB", n / 1e9),
        n if n >= 1e6 => format!("{:.1} MB", n / 1e6),
        n => format!("{:.0} kB", n / 1e3),
    }
}

async fn upload_page(State(st): State<AppState>, Page { chrome, user }: Page) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect("/upload");
    };
    let result = async {
        let room = ruche_tube::uploads::room(&st.tube, &u, None).await?;
        let me = accounts::me(&st.tube, u).await?;
        Ok::<_, TubeError>((room, me))
    }
    .await;
    let (room, me) = match result {
        Ok(r) => r,
        Err(e) => return error_page(chrome, e),
    };
    let quota = match room {
        Some(left) => chrome.tr.t1("upload-quota", "left", &human_bytes(left)),
        None => chrome.tr.t("upload-quota-unlimited"),
    };
    let channels = me
        .channels
        .iter()
        .map(|c| (c.id, c.display_name.clone()))
        .collect();
    let privacies = [
        Privacy::Public,
        Privacy::Unlisted,
        Privacy::Internal,
        Privacy::Private,
    ]
    .iter()
    .map(|p| (p.id(), chrome.tr.t(&format!("privacy-{}", p.id()))))
    .collect();
    render(&Upload {
        chrome,
        quota,
        channels,
        privacies,
    })
}

struct FileLink {
    url: String,
    download: String,
    label: String,
    resolution: i64,
}

#[derive(Template)]
#[template(path = "watch.html")]
struct Watch {
    chrome: Chrome,
    comments: Option<crate::comments::CommentsView>,
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
}

/// Markdown (or another server's HTML) of a description, a profile or a comment, to safe HTML:
/// pulldown-cmark, then PeerTube's rules for these fields — text, emphasis, links, lists, code
/// and quotes, no pictures (a picture would make viewers' browsers ask another host: a tracking
/// pixel) and no raw markup; links open with `rel="noopener noreferrer nofollow"`.
pub(crate) fn markdown(md: &str) -> String {
    static CLEAN: std::sync::LazyLock<ammonia::Builder<'static>> = std::sync::LazyLock::new(|| {
        let mut b = ammonia::Builder::default();
        b.tags(
            [
                "p",
                "br",
                "strong",
                "em",
                "b",
                "i",
                "del",
                "a",
                "ul",
                "ol",
                "li",
                "code",
                "pre",
                "blockquote",
                "hr",
            ]
            .into_iter()
            .collect(),
        )
        .tag_attributes(std::iter::once(("a", ["href"].into_iter().collect())).collect())
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"));
        b
    });
    let parser = pulldown_cmark::Parser::new(md);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    CLEAN.clean(&html).to_string()
}

async fn watch(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if crate::activitypub::wants_activity_json(&headers) {
        return crate::activitypub::video_document(&st, &id).await;
    }
    // Not an id, a UUID nor a short UUID: no such page (not the API's words in English).
    if ruche_domain::ids::VideoRef::parse(&id).is_none() {
        return error_page(chrome, TubeError::NotFound("video"));
    }
    let v = match videos::find_visible(&st.tube, &id, user.user.as_ref()).await {
        Ok(v) => v,
        Err(e) => return error_page(chrome, e),
    };
    let files = match videos::files(&st.tube, v.id).await {
        Ok(f) => f,
        Err(e) => return error_page(chrome, e),
    };
    let base = &st.tube.settings.public_url;
    let play = ruche_tube::playback::of(base, &v, &files);
    // Progressive fallback, best first up to 720p so a phone is not handed 4K.
    let mut links: Vec<FileLink> = play
        .files
        .iter()
        .map(|f| FileLink {
            url: f.url.clone(),
            download: f.download_url.clone(),
            label: if f.has_video {
                format!("{}p", f.resolution)
            } else {
                "Audio".into()
            },
            resolution: f.resolution,
        })
        .collect();
    links.sort_by_key(|f| (f.resolution > 720, -f.resolution));
    let state = VideoState::from_id(v.state);
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
        match crate::comments::view(&st, &chrome.tr, &v, user.user.as_ref()).await {
            Ok(c) => Some(c),
            Err(e) => return error_page(chrome, e),
        }
    } else {
        None
    };
    let t = Watch {
        comments,
        name: v.name.clone(),
        uuid: v.uuid.clone(),
        oembed_link: crate::oembed::discovery_link(
            base,
            &format!("{base}/w/{}", short(&v.uuid)),
            &v.name,
        ),
        url: format!("{base}/w/{}", short(&v.uuid)),
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
        master: play.master.clone().unwrap_or_default(),
        absolute_poster: poster
            .as_ref()
            .map(|p| format!("{base}{p}"))
            .unwrap_or_default(),
        poster,
        files: links,
        download_enabled: v.download_enabled,
        duration_secs: v.duration,
        chrome,
    };
    render(&t)
}

async fn account_actor(
    State(st): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    if crate::activitypub::wants_activity_json(&headers) {
        return crate::activitypub::account_document(&st, &name).await;
    }
    Redirect::to(&format!("/a/{name}")).into_response()
}

async fn channel_actor(
    State(st): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    if crate::activitypub::wants_activity_json(&headers) {
        return crate::activitypub::channel_document(&st, &name).await;
    }
    Redirect::to(&format!("/c/{name}")).into_response()
}

async fn watch_redirect(
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

struct Row {
    id: i64,
    short_uuid: String,
    name: String,
    thumbnail: Option<String>,
    state: i64,
    state_text: String,
    reason: Option<String>,
    date: Moment,
}

#[derive(Template)]
#[template(path = "my_videos.html")]
struct MyVideos {
    chrome: Chrome,
    videos: Vec<Row>,
    processing: bool,
}

fn state_text(tr: &Tr, v: &Video) -> String {
    match VideoState::from_id(v.state) {
        VideoState::ToTranscode => format!("{} ({} %)", tr.t("state-2"), v.progress),
        s => tr.t(&format!("state-{}", s.id())),
    }
}

async fn my_videos(State(st): State<AppState>, Page { chrome, user }: Page) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect("/my-videos");
    };
    let f = ListFilter {
        count: 100,
        newest_first: true,
        ..Default::default()
    };
    let listed = ruche_tube::videos::list_mine(&st.tube, &u, f)
        .await
        .map(|(rows, _)| rows);
    let rows = match listed {
        Ok(r) => r,
        Err(e) => return error_page(chrome, e),
    };
    let processing = rows.iter().any(|v| v.state == VideoState::ToTranscode.id());
    let videos = rows
        .iter()
        .map(|v| Row {
            id: v.id,
            short_uuid: short(&v.uuid),
            name: v.name.clone(),
            thumbnail: ruche_tube::playback::pictures(v).0,
            state: v.state,
            state_text: state_text(&chrome.tr, v),
            reason: v.failure_reason.clone(),
            date: moment(&chrome.tr, v.created_at),
        })
        .collect();
    render(&MyVideos {
        chrome,
        videos,
        processing,
    })
}

async fn delete_video(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let (chrome, u) = match form_user(chrome, &user, &f.csrf, "/my-videos") {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    match videos::delete(&st.tube, &u, &id.to_string()).await {
        Ok(()) => Redirect::to("/my-videos").into_response(),
        Err(e) => error_page(chrome, e),
    }
}

#[derive(Template)]
#[template(path = "channels.html")]
struct Channels {
    chrome: Chrome,
    channels: Vec<ChannelView>,
    error: Option<String>,
    notice: Option<String>,
}

/// One of the user's channels, as its edit form shows it.
struct ChannelView {
    id: i64,
    name: String,
    display_name: String,
    description: String,
    support: String,
    avatar: Option<String>,
    banner: Option<String>,
    /// Each kind of picture: its path part, its label, whether it has one.
    pictures: Vec<(&'static str, &'static str, bool)>,
}

async fn channels_view(
    st: &AppState,
    chrome: Chrome,
    u: User,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    match accounts::me(&st.tube, u).await {
        Ok(me) => {
            let channels = me
                .channels
                .iter()
                .map(|c| ChannelView {
                    id: c.id,
                    name: c.name.clone(),
                    display_name: c.display_name.clone(),
                    description: c.description.clone().unwrap_or_default(),
                    support: c.support.clone().unwrap_or_default(),
                    avatar: crate::api::picture_path("avatars", c.avatars.as_deref(), 120),
                    banner: crate::api::picture_path("banners", c.banners.as_deref(), 600),
                    pictures: vec![
                        ("avatar", "picture-avatar", c.avatars.is_some()),
                        ("banner", "picture-banner", c.banners.is_some()),
                    ],
                })
                .collect();
            let status = if error.is_some() {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            };
            (
                status,
                render(&Channels {
                    chrome,
                    channels,
                    error,
                    notice,
                }),
            )
                .into_response()
        }
        Err(e) => error_page(chrome, e),
    }
}

async fn channels_page(State(st): State<AppState>, Page { chrome, user }: Page) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect("/my-channels");
    };
    channels_view(&st, chrome, u, None, None).await
}

#[derive(Deserialize)]
struct ChannelForm {
    csrf: String,
    name: String,
    display_name: String,
    description: Option<String>,
    support: Option<String>,
}

async fn create_channel(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Form(f): Form<ChannelForm>,
) -> Response {
    let (chrome, u) = match form_user(chrome, &user, &f.csrf, "/my-channels") {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    let nonempty = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let (d, s) = (nonempty(&f.description), nonempty(&f.support));
    match accounts::create_channel(
        &st.tube,
        &u,
        f.name.trim(),
        &f.display_name,
        d.as_deref(),
        s.as_deref(),
    )
    .await
    {
        Ok(_) => {
            let notice = Some(chrome.tr.t("channels-created"));
            channels_view(&st, chrome, u, None, notice).await
        }
        Err(e @ (TubeError::BadRequest(_) | TubeError::Conflict(_))) => {
            channels_view(&st, chrome, u, Some(e.to_string()), None).await
        }
        Err(e) => error_page(chrome, e),
    }
}

struct RegRow {
    id: i64,
    username: String,
    email: String,
    reason: String,
    state_text: String,
    pending: bool,
}

#[derive(Template)]
#[template(path = "registrations.html")]
struct Registrations {
    chrome: Chrome,
    rows: Vec<RegRow>,
}

async fn registrations_page(State(st): State<AppState>, Page { chrome, user }: Page) -> Response {
    if user.user.is_none() {
        return login_redirect("/admin/registrations");
    }
    if !chrome.is_moderator {
        let msg = chrome.tr.t("error-forbidden");
        return error_page(chrome, TubeError::Forbidden(msg));
    }
    let regs = ruche_tube::accounts::registrations(&st.tube).await;
    match regs {
        Ok(regs) => {
            let rows = regs
                .into_iter()
                .map(|r| RegRow {
                    id: r.id,
                    state_text: chrome.tr.t(&format!("registrations-state-{}", r.state)),
                    pending: r.state == 1,
                    username: r.username,
                    email: r.email,
                    reason: r.reason,
                })
                .collect();
            render(&Registrations { chrome, rows })
        }
        Err(e) => error_page(chrome, e),
    }
}

async fn registration_action(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if !chrome.is_moderator || !csrf_ok(&user, &f.csrf) {
        let msg = chrome.tr.t("error-forbidden");
        return error_page(chrome, TubeError::Forbidden(msg));
    }
    let r = match action.as_str() {
        "accept" => accounts::accept_registration(&st.tube, id)
            .await
            .map(|_| ()),
        "reject" => accounts::reject_registration(&st.tube, id, "").await,
        _ => Err(TubeError::NotFound("action")),
    };
    match r {
        Ok(()) => Redirect::to("/admin/registrations").into_response(),
        Err(e) => error_page(chrome, e),
    }
}

async fn set_lang(
    State(st): State<AppState>,
    Path(lang): Path<String>,
    headers: HeaderMap,
    jar: CookieJar,
) -> Response {
    let lang = LANGUAGES
        .iter()
        .find(|l| **l == lang)
        .copied()
        .unwrap_or("en");
    // Back where the page was, if it was one of ours.
    let back = headers.get(header::REFERER).and_then(|v| v.to_str().ok());
    let cookie = Cookie::build(("lang", lang))
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(time_max_age())
        .build();
    (jar.add(cookie), Redirect::to(&local_next(&st, back))).into_response()
}

#[derive(Template)]
#[template(path = "embed.html")]
struct Embed {
    lang: &'static str,
    name: String,
    uuid: String,
    url: String,
    master: String,
    poster: Option<String>,
    fallback: Option<String>,
    duration_secs: i64,
}

/// `/videos/embed/{id}`, PeerTube's embed URL: the player alone, for iframes.
async fn embed(
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
            if v.state != VideoState::Published.id() || play.files.is_empty() {
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
        url: format!("{}/w/{}", st.tube.settings.public_url, short(&v.uuid)),
        master: play.master.clone().unwrap_or_default(),
        poster: ruche_tube::playback::pictures(&v).1,
        fallback,
        duration_secs: v.duration,
        uuid: v.uuid,
    })
}

#[derive(Template)]
#[template(path = "my_account.html")]
struct MyAccount {
    chrome: Chrome,
    error: Option<String>,
    notice: Option<String>,
    display_name: String,
    description: String,
    avatar: Option<String>,
}

/// The My account page, with what the account is shown with now.
async fn account_view(
    st: &AppState,
    chrome: Chrome,
    u: &User,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let account = ruche_tube::accounts::account_of(&st.tube, u.id).await;
    let a = match account {
        Ok(a) => a,
        Err(e) => return error_page(chrome, e),
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    (
        status,
        render(&MyAccount {
            chrome,
            error,
            notice,
            avatar: crate::api::picture_path("avatars", a.avatars.as_deref(), 120),
            display_name: a.display_name,
            description: a.description.unwrap_or_default(),
        }),
    )
        .into_response()
}

async fn account_settings(State(st): State<AppState>, Page { chrome, user }: Page) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect("/my-account");
    };
    account_view(&st, chrome, &u, None, None).await
}

async fn account_id_of(st: &AppState, u: &User) -> Result<i64, TubeError> {
    Ok(ruche_tube::accounts::account_of(&st.tube, u.id).await?.id)
}

/// The page after a change of a profile: its form again, with a notice (`notice_key`), or with
/// why it was refused; an error of another kind is an error page.
async fn after_change<Fut: std::future::Future<Output = Response>>(
    chrome: Chrome,
    done: Result<(), TubeError>,
    notice_key: &str,
    view: impl FnOnce(Chrome, Option<String>, Option<String>) -> Fut,
) -> Response {
    match done {
        Ok(()) => {
            let notice = Some(chrome.tr.t(notice_key));
            view(chrome, None, notice).await
        }
        Err(e) => match profile_refusal(&chrome, &e) {
            Some(m) => view(chrome, Some(m), None).await,
            None => error_page(chrome, e),
        },
    }
}

/// What a failed profile change tells its author, in their language.
fn profile_refusal(chrome: &Chrome, e: &TubeError) -> Option<String> {
    match e {
        TubeError::Picture(p) => Some(chrome.tr.t(p.key())),
        TubeError::BadRequest(_) => Some(chrome.tr.t("profile-invalid")),
        _ => None,
    }
}

/// A profile form as sent: its text fields, and the pictures chosen in it (multipart, as the
/// pages send it; a form of text alone may come urlencoded). *Save* keeps all of it, so a
/// picture picked in the form is never silently dropped.
struct ProfileForm {
    fields: std::collections::HashMap<String, String>,
    /// The files chosen, by field name (`avatar`, `banner`); an input left empty is absent.
    pictures: std::collections::HashMap<String, Vec<u8>>,
    /// Why the form could not be read whole (a picture over the size limit): nothing is changed.
    refused: Option<TubeError>,
}

impl ProfileForm {
    fn text(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
    fn csrf(&self) -> &str {
        self.text("csrf").unwrap_or_default()
    }
}

impl axum::extract::FromRequest<AppState> for ProfileForm {
    type Rejection = Response;
    async fn from_request(req: axum::extract::Request, st: &AppState) -> Result<Self, Response> {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("multipart/form-data"));
        if !multipart {
            let Form(fields) = Form::from_request(req, st)
                .await
                .map_err(IntoResponse::into_response)?;
            return Ok(ProfileForm {
                fields,
                pictures: Default::default(),
                refused: None,
            });
        }
        let m = axum::extract::Multipart::from_request(req, st)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(
            match crate::api::picture_form(m, &["avatar", "banner"]).await {
                Ok((fields, pictures)) => ProfileForm {
                    fields,
                    pictures,
                    refused: None,
                },
                Err(e) => ProfileForm {
                    fields: Default::default(),
                    pictures: Default::default(),
                    refused: Some(e),
                },
            },
        )
    }
}

/// The user of a profile form, or the answer: a form refused before its token could be read
/// (a picture too large) changes nothing and says why on the form's page.
#[allow(clippy::result_large_err)] // The error is the answer itself.
fn profile_user(
    chrome: Chrome,
    user: &MaybeUser,
    f: &mut ProfileForm,
    next: &str,
) -> Result<(Chrome, User, Option<TubeError>), Response> {
    match f.refused.take() {
        Some(e) => {
            let u = user.user.clone().ok_or_else(|| login_redirect(next))?;
            Ok((chrome, u, Some(e)))
        }
        None => {
            let (chrome, u) = form_user(chrome, user, f.csrf(), next)?;
            Ok((chrome, u, None))
        }
    }
}

async fn account_profile(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    mut f: ProfileForm,
) -> Response {
    let (chrome, u, refused) = match profile_user(chrome, &user, &mut f, "/my-account") {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    let done = async {
        if let Some(e) = refused {
            return Err(e);
        }
        let account = account_id_of(&st, &u).await?;
        // The picture first: a file that is no picture leaves everything as it was.
        if let Some(bytes) = f.pictures.remove("avatar") {
            ruche_tube::profiles::set_picture(
                &st.tube,
                Holder::Account(account),
                PictureKind::Avatar,
                bytes,
            )
            .await?;
        }
        ruche_tube::profiles::update_account(
            &st.tube,
            account,
            f.text("display_name").unwrap_or_default(),
            f.text("description"),
        )
        .await
    }
    .await;
    after_change(chrome, done, "profile-saved", |chrome, e, n| {
        account_view(&st, chrome, &u, e, n)
    })
    .await
}

/// A picture form's user (its CSRF token checked) and file.
async fn picture_upload(
    chrome: Chrome,
    user: &MaybeUser,
    multipart: axum::extract::Multipart,
    next: &str,
) -> Result<(Chrome, User, Result<Vec<u8>, TubeError>), Response> {
    let Some(_) = user.user.as_ref() else {
        return Err(login_redirect(next));
    };
    match crate::api::picture_form(multipart, &["file"]).await {
        Ok((fields, mut files)) => {
            let csrf = fields.get("csrf").map(String::as_str).unwrap_or_default();
            let (chrome, u) = form_user(chrome, user, csrf, next)?;
            let file = files
                .remove("file")
                .ok_or_else(|| TubeError::Picture(ruche_pages::images::ImageError::NotAnImage));
            Ok((chrome, u, file))
        }
        // Too large: refused before the form's token could be read, so nothing is changed.
        Err(e) => {
            let (chrome, u) = (
                chrome,
                user.user.clone().ok_or_else(|| login_redirect(next))?,
            );
            Ok((chrome, u, Err(e)))
        }
    }
}

async fn account_avatar(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    multipart: axum::extract::Multipart,
) -> Response {
    let (chrome, u, file) = match picture_upload(chrome, &user, multipart, "/my-account").await {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    let done = async {
        let bytes = file?;
        let account = account_id_of(&st, &u).await?;
        ruche_tube::profiles::set_picture(
            &st.tube,
            Holder::Account(account),
            PictureKind::Avatar,
            bytes,
        )
        .await
    }
    .await;
    after_change(chrome, done.map(|_| ()), "picture-saved", |chrome, e, n| {
        account_view(&st, chrome, &u, e, n)
    })
    .await
}

async fn remove_account_avatar(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Form(f): Form<CsrfForm>,
) -> Response {
    let (chrome, u) = match form_user(chrome, &user, &f.csrf, "/my-account") {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    let done = async {
        let account = account_id_of(&st, &u).await?;
        ruche_tube::profiles::remove_picture(
            &st.tube,
            Holder::Account(account),
            PictureKind::Avatar,
        )
        .await
    }
    .await;
    after_change(chrome, done, "picture-removed", |chrome, e, n| {
        account_view(&st, chrome, &u, e, n)
    })
    .await
}

#[derive(Deserialize)]
struct DeleteChannelForm {
    csrf: String,
    /// The "its videos are deleted too" box.
    confirm: Option<String>,
}

async fn delete_channel(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(id): Path<i64>,
    Form(f): Form<DeleteChannelForm>,
) -> Response {
    let (chrome, u) = match form_user(chrome, &user, &f.csrf, "/my-channels") {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    if f.confirm.is_none() {
        let e = Some(chrome.tr.t("channels-delete-confirm-needed"));
        return channels_view(&st, chrome, u, e, None).await;
    }
    match accounts::delete_channel(&st.tube, &u, id).await {
        Ok(()) => {
            let notice = Some(chrome.tr.t("channels-deleted"));
            channels_view(&st, chrome, u, None, notice).await
        }
        Err(TubeError::Conflict(_)) => {
            let e = Some(chrome.tr.t("channels-delete-last"));
            channels_view(&st, chrome, u, e, None).await
        }
        Err(e) => error_page(chrome, e),
    }
}

fn picture_kind(which: &str) -> Option<PictureKind> {
    match which {
        "avatar" => Some(PictureKind::Avatar),
        "banner" => Some(PictureKind::Banner),
        _ => None,
    }
}

async fn channel_profile(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(id): Path<i64>,
    mut f: ProfileForm,
) -> Response {
    let (chrome, u, refused) = match profile_user(chrome, &user, &mut f, "/my-channels") {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    let done = async {
        if let Some(e) = refused {
            return Err(e);
        }
        let ch = accounts::owned_channel(&st.tube, &u, id).await?;
        // Pictures first: a file that is no picture leaves everything as it was.
        for (field, kind) in [
            ("avatar", PictureKind::Avatar),
            ("banner", PictureKind::Banner),
        ] {
            if let Some(bytes) = f.pictures.remove(field) {
                ruche_tube::profiles::set_picture(&st.tube, Holder::Channel(ch.id), kind, bytes)
                    .await?;
            }
        }
        ruche_tube::profiles::update_channel(
            &st.tube,
            ch.id,
            f.text("display_name").unwrap_or_default(),
            f.text("description"),
            f.text("support"),
        )
        .await
    }
    .await;
    after_change(chrome, done, "profile-saved", |chrome, e, n| {
        channels_view(&st, chrome, u, e, n)
    })
    .await
}

async fn channel_picture(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path((id, which)): Path<(i64, String)>,
    multipart: axum::extract::Multipart,
) -> Response {
    let Some(kind) = picture_kind(&which) else {
        return error_page(chrome, TubeError::NotFound("page"));
    };
    let (chrome, u, file) = match picture_upload(chrome, &user, multipart, "/my-channels").await {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    let done = async {
        let bytes = file?;
        let ch = accounts::owned_channel(&st.tube, &u, id).await?;
        ruche_tube::profiles::set_picture(&st.tube, Holder::Channel(ch.id), kind, bytes).await
    }
    .await;
    after_change(chrome, done.map(|_| ()), "picture-saved", |chrome, e, n| {
        channels_view(&st, chrome, u, e, n)
    })
    .await
}

async fn remove_channel_picture(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path((id, which)): Path<(i64, String)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let Some(kind) = picture_kind(&which) else {
        return error_page(chrome, TubeError::NotFound("page"));
    };
    let (chrome, u) = match form_user(chrome, &user, &f.csrf, "/my-channels") {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    let done = async {
        let ch = accounts::owned_channel(&st.tube, &u, id).await?;
        ruche_tube::profiles::remove_picture(&st.tube, Holder::Channel(ch.id), kind).await
    }
    .await;
    after_change(chrome, done, "picture-removed", |chrome, e, n| {
        channels_view(&st, chrome, u, e, n)
    })
    .await
}

#[derive(Deserialize)]
struct PasswordForm {
    csrf: String,
    current: String,
    password: String,
}

async fn change_password(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    jar: CookieJar,
    Form(f): Form<PasswordForm>,
) -> Response {
    let (chrome, u) = match form_user(chrome, &user, &f.csrf, "/my-account") {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    let cookie = jar.get(SESSION_COOKIE).map(|c| c.value().to_string());
    match accounts::change_password(&st.tube, &u, &f.current, &f.password, cookie.as_deref()).await
    {
        Ok(()) => {
            let notice = Some(chrome.tr.t("account-password-changed"));
            account_view(&st, chrome, &u, None, notice).await
        }
        Err(TubeError::BadRequest(m)) => account_view(&st, chrome, &u, Some(m), None).await,
        Err(e) => error_page(chrome, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::I18n;
    use std::sync::Arc;

    fn tr(lang: &'static str) -> Tr {
        Tr::new(Arc::new(I18n::load()), lang)
    }

    /// Descriptions, profiles and comments (ours in Markdown, other servers' in HTML) carry no
    /// picture that would make viewers' browsers ask another host, nor raw markup; links are
    /// marked as PeerTube marks them.
    #[test]
    fn markdown_keeps_text_and_links_and_drops_pictures() {
        for hostile in [
            "![](https://tracker.example/pixel.gif)",
            "<img src=\"https://tracker.example/p.gif\">",
            "<p>hi<img src=https://tracker.example/p.gif></p>",
            "<picture><source srcset=\"https://t.example/a\"></picture>",
            "<video src=\"https://t.example/v.mp4\"></video>",
            "<iframe src=\"https://t.example/\"></iframe>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<p style=\"background:url(https://t.example/b)\">x</p>",
        ] {
            let html = markdown(hostile);
            assert!(
                !html.contains("example/") || html.contains("nofollow"),
                "{hostile} → {html}"
            );
            for tag in [
                "<img",
                "<source",
                "<video",
                "<iframe",
                "javascript:",
                "style=",
            ] {
                assert!(!html.contains(tag), "{hostile} → {html}");
            }
        }
        let html = markdown("**Bonjour** [le site](https://example.org) `code`\n\n- un");
        assert!(html.contains("<strong>Bonjour</strong>"), "{html}");
        assert!(
            html.contains(
                "<a href=\"https://example.org\" rel=\"noopener noreferrer nofollow\">le site</a>"
            ),
            "{html}"
        );
        assert!(
            html.contains("<code>code</code>") && html.contains("<li>un</li>"),
            "{html}"
        );
    }

    /// 2025-03-03T14:05:00Z.
    const AT: i64 = 1_741_010_700_000;
    const MIN: i64 = 60_000;
    const HOUR: i64 = 60 * MIN;
    const DAY: i64 = 24 * HOUR;

    #[test]
    fn moments_read_as_time_ago_in_both_languages() {
        let (en, fr) = (tr("en"), tr("fr"));
        let ago = |t: &Tr, later: i64| moment_at(t, AT, AT + later).relative;
        for (later, english, french) in [
            (20_000, "just now", "à l’instant"),
            (MIN, "1 minute ago", "il y a 1 minute"),
            (5 * MIN + 59_000, "5 minutes ago", "il y a 5 minutes"),
            (HOUR, "1 hour ago", "il y a 1 heure"),
            (23 * HOUR, "23 hours ago", "il y a 23 heures"),
            (DAY + HOUR, "yesterday", "hier"),
            (3 * DAY, "3 days ago", "il y a 3 jours"),
            (7 * DAY, "1 week ago", "il y a 1 semaine"),
            (20 * DAY, "2 weeks ago", "il y a 2 semaines"),
            (45 * DAY, "1 month ago", "il y a 1 mois"),
            (200 * DAY, "6 months ago", "il y a 6 mois"),
            (365 * DAY, "1 year ago", "il y a 1 an"),
            (800 * DAY, "2 years ago", "il y a 2 ans"),
        ] {
            assert_eq!(ago(&en, later), english, "{later} ms later");
            assert_eq!(ago(&fr, later), french, "{later} ms later");
        }
    }

    #[test]
    fn moments_carry_the_full_date_and_the_machine_date() {
        let m = moment_at(&tr("en"), AT, AT + 3 * DAY);
        assert_eq!(m.datetime, "2025-03-03T14:05:00Z");
        assert_eq!(m.full, "March 3, 2025, 14:05 UTC");
        assert_eq!(
            m.html(),
            "<time datetime=\"2025-03-03T14:05:00Z\" title=\"March 3, 2025, 14:05 UTC\">3 days ago</time>"
        );
        let m = moment_at(&tr("fr"), AT, AT + 3 * DAY);
        assert_eq!(m.full, "3 mars 2025 à 14:05 UTC");
        assert_eq!(m.relative, "il y a 3 jours");
        // Every month has its name in both languages.
        for (month, en, fr) in [
            (1, "January", "janvier"),
            (8, "August", "août"),
            (12, "December", "décembre"),
        ] {
            let at = chrono::NaiveDate::from_ymd_opt(2024, month, 9)
                .and_then(|d| d.and_hms_opt(8, 0, 0))
                .map(|d| d.and_utc().timestamp_millis())
                .unwrap();
            assert!(moment_at(&tr("en"), at, at).full.starts_with(en));
            assert!(moment_at(&tr("fr"), at, at).full.contains(fr));
        }
        // A moment to come (clocks apart) shows its date; a just-ahead one is "just now".
        assert_eq!(
            moment_at(&tr("en"), AT, AT - DAY).relative,
            "March 3, 2025, 14:05 UTC"
        );
        assert_eq!(moment_at(&tr("en"), AT, AT - 5_000).relative, "just now");
    }

    #[test]
    fn moment_html_is_escaped() {
        let m = Moment {
            datetime: "x\"y".into(),
            full: "<b>".into(),
            relative: "a & b".into(),
        };
        assert_eq!(
            m.html(),
            "<time datetime=\"x&quot;y\" title=\"&lt;b&gt;\">a &amp; b</time>"
        );
    }
}

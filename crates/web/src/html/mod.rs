//! The HTML pages' kernel: the layout's data (`Chrome`) and the `Page` every handler starts
//! from, rendering, error pages, the form user and its CSRF check, login redirects, dates as
//! "time ago" and Markdown. The pages themselves are in one module per area: `browse` (home,
//! channel and account pages), `watch` (watch page, embed, `comments` under a video),
//! `session` (login, logout, sign-up), `mine` (upload, my videos, my channels), `account` (my
//! account), `registrations` and `admin` (moderators and administrators). Server-rendered with
//! askama; strings from the Fluent catalogues; every state-changing form carries the session's
//! CSRF token. The kernel imports none of the areas; lib.rs merges their routes.

use crate::AppState;
use crate::auth::MaybeUser;
use crate::i18n::Tr;
use askama::Template;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use ruche_domain::user::Role;
use ruche_tube::accounts::User;
use ruche_tube::{TubeError, accounts};
use serde::Deserialize;

pub(crate) mod account;
pub(crate) mod admin;
pub(crate) mod blocklist;
pub(crate) mod browse;
pub(crate) mod comments;
pub(crate) mod edit;
pub(crate) mod mine;
pub(crate) mod moderation;
pub(crate) mod notifications;
pub(crate) mod playlists;
pub(crate) mod registrations;
pub(crate) mod search;
pub(crate) mod session;
pub(crate) mod users;
pub(crate) mod video_blocks;
pub(crate) mod watch;

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
    /// The logged-in user's unread notifications (the header's badge).
    pub unread: i64,
}

pub(crate) async fn chrome(st: &AppState, headers: &HeaderMap, user: &MaybeUser) -> Chrome {
    let jar = CookieJar::from_headers(headers);
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let lang = st.i18n.pick(jar.get("lang").map(|c| c.value()), accept);
    Chrome {
        tr: Tr::new(st.i18n.clone(), lang),
        instance_name: ruche_tube::instance::current(&st.tube)
            .await
            .map(|c| c.name.clone())
            .unwrap_or_else(|_| st.tube.settings.instance.name.clone()),
        username: user.user.as_ref().map(|u| u.username.clone()),
        csrf: user.csrf.clone(),
        is_moderator: user.user.as_ref().is_some_and(|u| u.role.can_moderate()),
        is_admin: user.user.as_ref().is_some_and(|u| u.role == Role::Admin),
        signup_open: accounts::signup_allowed(&st.tube).await.unwrap_or(false),
        other_lang: if lang == "fr" { "en" } else { "fr" },
        unread: match &user.user {
            Some(u) => ruche_tube::notifications::unread(&st.tube, u)
                .await
                .unwrap_or(0),
            None => 0,
        },
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

/// A form sent by the logged-in viewer from the page `back`: `op` done, back there followed by
/// what it gives (`#anchor`, `?notice=1`); refused, said by `refuse`.
pub(crate) async fn on_form(
    chrome: Chrome,
    user: &MaybeUser,
    back: &str,
    csrf: &str,
    refuse: fn(Chrome, TubeError) -> Response,
    op: impl AsyncFnOnce(&User) -> Result<String, TubeError>,
) -> Response {
    let (chrome, u) = match form_user(chrome, user, csrf, back) {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    match op(&u).await {
        Ok(then) => Redirect::to(&format!("{back}{then}")).into_response(),
        Err(e) => refuse(chrome, e),
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
pub(crate) fn csrf_refused(chrome: Chrome) -> Response {
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
pub(crate) struct ErrorPage {
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

pub(crate) fn login_redirect(next: &str) -> Response {
    let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    Redirect::to(&format!("/login?next={next}")).into_response()
}

pub(crate) fn human_duration(secs: i64) -> String {
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
pub(crate) fn full_date(tr: &Tr, at: &chrono::DateTime<chrono::Utc>) -> Option<String> {
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

/// "Try again in N minutes", for a form refused by a rate limit (429 with `Retry-After`).
pub(crate) fn too_many(chrome: &Chrome, key: &str, retry_after_secs: u64) -> String {
    chrome
        .tr
        .t1(key, "minutes", &retry_after_secs.div_ceil(60).max(1))
}

/// A form's page answered with the status of `e` and its `Retry-After`.
pub(crate) fn refused_with(e: &TubeError, page: Response) -> Response {
    let mut res = (crate::error::status_of(e), page).into_response();
    crate::error::set_retry_after(&mut res, e);
    res
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

pub(crate) fn human_bytes(n: i64) -> String {
    let n = n as f64;
    match n {
        n if n >= 1e9 => format!("{:.1} GB", n / 1e9),
        n if n >= 1e6 => format!("{:.1} MB", n / 1e6),
        n => format!("{:.0} kB", n / 1e3),
    }
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

//! Pages on the web: published sites at `/p/<slug>/` (with an ETag), their contact form, and
//! the owner's list of sites and message inbox.

use crate::AppState;
use crate::auth::ClientAddr;
use crate::i18n::I18n;
use crate::pages::{Chrome, Page, error_page, form_user, login_redirect, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use ruche_pages::contact::{self, ContactError, Outcome};
use ruche_pages::render;
use ruche_tube::TubeError;
use std::sync::Arc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/p/{slug}",
            get(|Path(s): Path<String>| async move { Redirect::permanent(&format!("/p/{s}/")) }),
        )
        .route("/p/{slug}/", get(site_page))
        .route("/p/{slug}/contact", post(contact_post))
        .route("/p/{slug}/sitemap.xml", get(sitemap))
        .route("/p/{slug}/robots.txt", get(robots))
        .route("/my-sites", get(my_sites).post(create_site))
        .route("/my-sites/{slug}/{action}", post(site_action))
        .route("/my-sites/{slug}/revisions", get(revisions_page))
        .route("/my-sites/{slug}/revisions/{id}/restore", post(restore))
        .route("/my-sites/{slug}/inbox", get(inbox))
        .route("/my-sites/{slug}/inbox/{id}/{action}", post(inbox_action))
}

/// A request to `<slug>.<domain>` (a wildcard domain for sites) for the page, its form, its
/// sitemap or robots file becomes the same request under `/p/<slug>/`; everything else (assets,
/// pictures) is served as on the main host.
pub(crate) fn site_host(
    domain: Option<&str>,
    mut req: axum::extract::Request,
) -> axum::extract::Request {
    let Some(domain) = domain else {
        return req;
    };
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(|h| {
            h.rsplit_once(':')
                .map_or(h, |(name, _)| name)
                .to_ascii_lowercase()
        });
    let Some(slug) = host.as_deref().and_then(|h| {
        h.strip_suffix(domain)
            .and_then(|s| s.strip_suffix('.'))
            .map(str::to_string)
    }) else {
        return req;
    };
    if slug.contains('.') || ruche_pages::document::check_slug(&slug).is_err() {
        return req;
    }
    let path = req.uri().path();
    if !matches!(path, "/" | "/contact" | "/sitemap.xml" | "/robots.txt") {
        return req;
    }
    let rest = &path[1..];
    let query = req
        .uri()
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    if let Ok(uri) = format!("/p/{slug}/{rest}{query}").parse() {
        *req.uri_mut() = uri;
    }
    req
}

/// The address a site is known by: `<scheme>://<slug>.<domain>/` with a Pages domain, else
/// `<public URL>/p/<slug>/`.
pub(crate) fn canonical(settings: &ruche_domain::settings::Settings, slug: &str) -> String {
    match &settings.pages.domain {
        Some(d) => {
            let scheme = settings
                .public_url
                .split_once("://")
                .map_or("https", |(s, _)| s);
            format!("{scheme}://{slug}.{d}/")
        }
        None => format!("{}/p/{slug}/", settings.public_url),
    }
}

/// The visitor-facing strings of a site, in its language.
pub(crate) struct SiteStrings {
    pub(crate) i18n: Arc<I18n>,
    pub(crate) lang: String,
}

impl render::Strings for SiteStrings {
    fn get(&self, key: &str) -> String {
        self.i18n.message(&self.lang, key, &[])
    }
}

/// The key that signs contact-form tokens: made once per instance, kept in the store, read
/// once per process.
pub(crate) async fn form_secret(st: &AppState) -> Result<String, TubeError> {
    st.form_secret
        .get_or_try_init(|| async {
            Ok::<_, TubeError>(ruche_pages::sites::form_secret(&st.tube.store).await?)
        })
        .await
        .cloned()
}

/// Published pages as last drawn, plain and gzipped. A page is drawn again when its site was
/// published anew (checked on every request with one small query, so several processes never
/// serve a stale page) or after [`PAGE_TTL`], which keeps the form's signed render time fresh
/// enough for the "too fast" check.
#[derive(Default)]
pub struct PageCache(std::sync::RwLock<std::collections::HashMap<String, Arc<CachedPage>>>);

pub struct CachedPage {
    published_at: i64,
    made: std::time::Instant,
    html: axum::body::Bytes,
    gzip: axum::body::Bytes,
}

const PAGE_TTL: std::time::Duration = std::time::Duration::from_secs(1);

impl PageCache {
    fn get(&self, slug: &str, published_at: i64) -> Option<Arc<CachedPage>> {
        let map = self.0.read().ok()?;
        map.get(slug)
            .filter(|p| p.published_at == published_at && p.made.elapsed() < PAGE_TTL)
            .cloned()
    }

    fn put(&self, slug: &str, page: Arc<CachedPage>) {
        if let Ok(mut map) = self.0.write() {
            // Bounded: a flood of distinct slugs cannot grow it without end.
            if map.len() > 10_000 {
                map.clear();
            }
            map.insert(slug.to_string(), page);
        }
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes)
        .and_then(|()| e.finish())
        .unwrap_or_default()
}

pub(crate) fn now_secs() -> i64 {
    ruche_domain::time::now_ms() / 1000
}

pub(crate) fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html("<!doctype html><title>Not found</title><p>Not found.</p>"),
    )
        .into_response()
}

async fn site_page(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Response {
    let stamp = ruche_pages::sites::published_stamp(&st.tube.store, &slug).await;
    let (site_id, published_at) = match stamp {
        Ok(Some(s)) => s,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::error!("site {slug}: {e}");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    // The form token in the page changes with every drawing; the ETag follows the published
    // version and the day, so caches revalidate cheaply and a cached form never goes stale
    // (tokens live two days).
    let etag = format!("\"{published_at:x}-{:x}\"", now_secs() / 86_400);
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let page = match st.page_cache.get(&slug, published_at) {
        Some(p) => p,
        None => {
            let site = match ruche_pages::sites::published(&st.tube.store, &slug).await {
                Ok(Some((site, _))) => site,
                Ok(None) => return not_found(),
                Err(e) => {
                    tracing::error!("site {slug}: {e}");
                    return StatusCode::INTERNAL_SERVER_ERROR.into_response();
                }
            };
            let html = crate::editor::draw(&st, &site, site_id, render::Mode::Visitor).await;
            let page = Arc::new(CachedPage {
                published_at,
                made: std::time::Instant::now(),
                gzip: gzip(html.as_bytes()).into(),
                html: html.into(),
            });
            st.page_cache.put(&slug, page.clone());
            page
        }
    };
    let gz = !page.gzip.is_empty()
        && headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let mut res = if gz {
        ([(header::CONTENT_ENCODING, "gzip")], page.gzip.clone()).into_response()
    } else {
        page.html.clone().into_response()
    };
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, no-cache"),
    );
    res
}

/// Whether a site is on line, and when it was published (ms): from its row alone, so a sitemap
/// or robots file costs one small query however big the site's document.
async fn on_line(st: &AppState, slug: &str) -> Result<Option<i64>, TubeError> {
    Ok(ruche_pages::sites::published_stamp(&st.tube.store, slug)
        .await?
        .map(|(_, published_at)| published_at))
}

async fn sitemap(State(st): State<AppState>, Path(slug): Path<String>) -> Response {
    match on_line(&st, &slug).await {
        Ok(Some(published_at)) => {
            let canonical = canonical(&st.tube.settings, &slug);
            let day = chrono::DateTime::from_timestamp_millis(published_at)
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default();
            (
                [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
                render::sitemap(&canonical, &day),
            )
                .into_response()
        }
        Ok(None) => not_found(),
        Err(e) => {
            tracing::error!("sitemap of {slug}: {e}");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

async fn robots(State(st): State<AppState>, Path(slug): Path<String>) -> Response {
    match on_line(&st, &slug).await {
        Ok(Some(_)) => {
            let canonical = canonical(&st.tube.settings, &slug);
            (
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                render::robots(&canonical),
            )
                .into_response()
        }
        Ok(None) => not_found(),
        Err(e) => {
            tracing::error!("robots file of {slug}: {e}");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

async fn contact_post(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    ClientAddr(from): ClientAddr,
    Form(form): Form<contact::Submission>,
) -> Response {
    // The answer pages need the site's language, title and theme only: read as stored, its rich
    // text is not sanitised again on every post.
    let site = match ruche_pages::sites::published_as_stored(&st.tube.store, &slug).await {
        Ok(Some((site, _))) => site,
        Ok(None) => return not_found(),
        Err(ruche_pages::sites::SiteError::Store(e)) => {
            tracing::error!("contact form of {slug}: {e}");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
        Err(e) => {
            tracing::error!("contact form of {slug}: {e}");
            return not_found();
        }
    };
    let Ok(secret) = form_secret(&st).await else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let lang = site.language.clone();
    let t = |k: &str| st.i18n.message(&lang, k, &[]);
    let back = format!("/p/{slug}/");
    let mail = &st.tube.settings.mail;
    // The sender is the client as the rate limits know it (behind a trusted proxy, the address
    // the proxy serves), IPv6 by its /64, so neither a proxy nor fresh IPv6 addresses make one
    // sender of many or many senders of one.
    let sender = ruche_tube::limiter::address_key(from).to_string();
    let submitted = contact::submit(
        &st.tube.store,
        &secret,
        &slug,
        &form,
        &sender,
        now_secs(),
        mail.smtp_url.as_ref().map(|_| mail.max_attempts),
    )
    .await;
    if let Ok(Outcome::Stored(_)) = submitted {
        st.tube.mail_ready.notify_one();
    }
    match submitted {
        Ok(Outcome::Stored(_)) | Ok(Outcome::Dropped) => Html(render::notice_page(
            &site,
            &t("contact-sent-title"),
            &t("contact-sent"),
            &back,
            &t("contact-back"),
        ))
        .into_response(),
        Err(ContactError::Refused(r)) => {
            let status = if r == contact::Refused::RateLimited {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::BAD_REQUEST
            };
            (
                status,
                Html(render::notice_page(
                    &site,
                    &t("contact-refused-title"),
                    &t(r.key()),
                    &back,
                    &t("contact-back"),
                )),
            )
                .into_response()
        }
        Err(ContactError::NotFound) => not_found(),
        Err(e) => {
            tracing::error!("contact form of {slug}: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

struct SiteRow {
    slug: String,
    title: String,
    published: bool,
    unread: usize,
    unread_text: String,
}

#[derive(Template)]
#[template(path = "my_sites.html")]
struct MySites {
    chrome: Chrome,
    sites: Vec<SiteRow>,
    /// Trashed sites: slug and when they go for good.
    trash: Vec<(String, String)>,
    error: Option<String>,
}

async fn my_sites(State(st): State<AppState>, Page { chrome, user }: Page) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect("/my-sites");
    };
    sites_view(&st, chrome, u.id, None).await
}

async fn sites_view(
    st: &AppState,
    chrome: Chrome,
    user_id: i64,
    error: Option<String>,
) -> Response {
    let rows = async {
        let mut out = Vec::new();
        let sites = ruche_pages::sites::of_owner(&st.tube.store, user_id).await;
        for (s, unread) in sites.map_err(site_fault)? {
            // The title only: the stored draft is not sanitised again for it.
            let title = ruche_pages::document::parse_stored(s.draft.as_bytes())
                .map(|d| d.title)
                .unwrap_or_else(|_| s.slug.clone());
            out.push(SiteRow {
                unread_text: chrome.tr.t1("my-sites-unread", "count", &unread),
                slug: s.slug,
                title,
                published: s.published.is_some(),
                unread,
            });
        }
        Ok::<_, TubeError>(out)
    }
    .await;
    match rows {
        Ok(sites) => {
            let status = if error.is_some() {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            };
            let trash = ruche_pages::sites::trash(&st.tube.store, user_id)
                .await
                .unwrap_or_default()
                .into_iter()
                .map(|(slug, at)| {
                    let gone = at + ruche_pages::sites::TRASH_DAYS * 24 * 3600 * 1000;
                    let day = chrono::DateTime::from_timestamp_millis(gone)
                        .map(|d| d.format("%Y-%m-%d").to_string())
                        .unwrap_or_default();
                    (slug, chrome.tr.t1("my-sites-trash-until", "date", &day))
                })
                .collect();
            (
                status,
                render(&MySites {
                    chrome,
                    sites,
                    trash,
                    error,
                }),
            )
                .into_response()
        }
        Err(e) => error_page(chrome, e),
    }
}

struct MessageRow {
    id: i64,
    name: String,
    email: String,
    message: String,
    read: bool,
    date: String,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct Inbox {
    chrome: Chrome,
    slug: String,
    site_title: String,
    messages: Vec<MessageRow>,
}

/// The owner's site of that slug; others get "not found".
pub(crate) async fn owned_site(
    st: &AppState,
    user_id: i64,
    slug: &str,
) -> Result<ruche_pages::sites::SiteRow, TubeError> {
    ruche_pages::sites::owned(&st.tube.store, user_id, slug)
        .await
        .map_err(site_fault)
}

async fn inbox(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(slug): Path<String>,
) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect("/my-sites");
    };
    let found = async {
        let site = owned_site(&st, u.id, &slug).await?;
        let msgs = ruche_pages::sites::messages(&st.tube.store, site.id)
            .await
            .map_err(site_fault)?;
        let title = ruche_pages::document::parse_stored(site.draft.as_bytes())
            .map(|d| d.title)
            .unwrap_or_else(|_| slug.clone());
        Ok::<_, TubeError>((title, msgs))
    }
    .await;
    match found {
        Ok((site_title, msgs)) => {
            let messages = msgs
                .into_iter()
                .map(|m| MessageRow {
                    id: m.id,
                    date: chrono::DateTime::from_timestamp_millis(m.created_at)
                        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
                        .unwrap_or_default(),
                    name: m.name,
                    email: m.email,
                    message: m.message,
                    read: m.is_read,
                })
                .collect();
            render(&Inbox {
                chrome,
                slug,
                site_title,
                messages,
            })
        }
        Err(e) => error_page(chrome, e),
    }
}

#[derive(serde::Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn inbox_action(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path((slug, id, action)): Path<(String, i64, String)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let (chrome, u) = match form_user(chrome, &user, &f.csrf, "/my-sites") {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    let done = async {
        let site = owned_site(&st, u.id, &slug).await?;
        let ok = match ruche_pages::sites::MessageAction::named(&action) {
            Some(a) => ruche_pages::sites::act_on_message(&st.tube.store, site.id, id, a)
                .await
                .map_err(site_fault)?,
            None => false,
        };
        if ok {
            Ok(())
        } else {
            Err(TubeError::NotFound("message"))
        }
    }
    .await;
    match done {
        Ok(()) => Redirect::to(&format!("/my-sites/{slug}/inbox")).into_response(),
        Err(e) => error_page(chrome, e),
    }
}

/// A fault of a site's read as an error page says it.
fn site_fault(e: ruche_pages::sites::SiteError) -> TubeError {
    site_error(e).map_or_else(|fault| fault, TubeError::BadRequest)
}

pub(crate) fn site_error(e: ruche_pages::sites::SiteError) -> Result<String, TubeError> {
    use ruche_pages::sites::SiteError as E;
    match e {
        E::Store(e) => Err(e.into()),
        E::NotFound(_) => Err(TubeError::NotFound("site")),
        e => Ok(e.to_string()),
    }
}

#[derive(serde::Deserialize)]
struct NewSite {
    csrf: String,
    slug: String,
    title: String,
    language: String,
}

async fn create_site(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Form(f): Form<NewSite>,
) -> Response {
    let (chrome, u) = match form_user(chrome, &user, &f.csrf, "/my-sites") {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    let language = if f.language == "en" { "en" } else { "fr" };
    let intro = st.i18n.message(language, "my-sites-starter-intro", &[]);
    let max = st.tube.settings.pages.max_sites_per_user;
    match ruche_pages::sites::create_starter(
        &st.tube.store,
        u.id,
        f.slug.trim(),
        f.title.trim(),
        language,
        &intro,
        max,
    )
    .await
    {
        // Straight into the editor: the new site is the page to shape.
        Ok(()) => Redirect::to(&format!("/my-sites/{}/edit", f.slug.trim())).into_response(),
        Err(e) => match site_error(e) {
            Ok(message) => sites_view(&st, chrome, u.id, Some(message)).await,
            Err(e) => error_page(chrome, e),
        },
    }
}

async fn site_action(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path((slug, action)): Path<(String, String)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let (chrome, u) = match form_user(chrome, &user, &f.csrf, "/my-sites") {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    let store = &st.tube.store;
    let done = match action.as_str() {
        "publish" => ruche_pages::sites::set_published(store, u.id, &slug, true).await,
        "unpublish" => ruche_pages::sites::set_published(store, u.id, &slug, false).await,
        "delete" => ruche_pages::sites::set_trashed(store, u.id, &slug, true).await,
        "undelete" => ruche_pages::sites::set_trashed(store, u.id, &slug, false).await,
        _ => return error_page(chrome, TubeError::NotFound("action")),
    };
    match done {
        Ok(()) => Redirect::to("/my-sites").into_response(),
        Err(e) => match site_error(e) {
            Ok(message) => sites_view(&st, chrome, u.id, Some(message)).await,
            Err(e) => error_page(chrome, e),
        },
    }
}

struct RevisionRow {
    id: i64,
    version: i64,
    kind: String,
    date: String,
}

#[derive(Template)]
#[template(path = "revisions.html")]
struct Revisions {
    chrome: Chrome,
    slug: String,
    revisions: Vec<RevisionRow>,
}

async fn revisions_page(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(slug): Path<String>,
) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect("/my-sites");
    };
    match ruche_pages::sites::revisions(&st.tube.store, u.id, &slug).await {
        Ok(list) => {
            let revisions = list
                .into_iter()
                .map(|(id, version, kind, at)| RevisionRow {
                    id,
                    version,
                    kind: chrome.tr.t(&format!("revision-{kind}")),
                    date: chrono::DateTime::from_timestamp_millis(at)
                        .map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
                        .unwrap_or_default(),
                })
                .collect();
            render(&Revisions {
                chrome,
                slug,
                revisions,
            })
        }
        Err(e) => match site_error(e) {
            Ok(m) => error_page(chrome, TubeError::BadRequest(m)),
            Err(e) => error_page(chrome, e),
        },
    }
}

async fn restore(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path((slug, id)): Path<(String, i64)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let (chrome, u) = match form_user(chrome, &user, &f.csrf, "/my-sites") {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    match ruche_pages::sites::restore(&st.tube.store, u.id, &slug, id).await {
        Ok(()) => Redirect::to(&format!("/my-sites/{slug}/revisions")).into_response(),
        Err(e) => match site_error(e) {
            Ok(m) => error_page(chrome, TubeError::Conflict(m)),
            Err(e) => error_page(chrome, e),
        },
    }
}

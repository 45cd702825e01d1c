//! Pages on the web: published sites at `/p/<slug>/` (with an ETag), their contact form, and
//! the owner's list of sites and message inbox.

use crate::AppState;
use crate::i18n::I18n;
use crate::pages::{Chrome, Page, error_page, form_user, login_redirect, render};
use askama::Template;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use ruche_pages::contact::{self, ContactError, Outcome};
use ruche_pages::render;
use ruche_store::sites as sstore;
use ruche_tube::TubeError;
use std::net::SocketAddr;
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

pub(crate) async fn form_secret(st: &AppState) -> Result<String, TubeError> {
    let mut tx = st.tube.store.begin().await?;
    let secret = ruche_store::users::kv_get_or_insert(
        tx.ex(),
        "pages_form_secret",
        &ruche_domain::ids::random_hex(32),
    )
    .await?;
    tx.commit().await?;
    Ok(secret)
}

pub(crate) fn now_secs() -> i64 {
    ruche_store::now_ms() / 1000
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
    let found = ruche_pages::sites::published(&st.tube.store, &slug).await;
    let (site, published_at) = match found {
        Ok(Some(s)) => s,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::error!("site {slug}: {e}");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    // The form token in the page changes with every render; the ETag follows the published
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
    let mut c = match st.tube.store.read().await {
        Ok(c) => c,
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    };
    let Ok(Some(row)) = sstore::by_slug(c.ex(), &slug).await else {
        return not_found();
    };
    drop(c);
    let html = crate::editor::draw(&st, &site, row.id, render::Mode::Visitor).await;
    let mut res = Html(html).into_response();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, no-cache"),
    );
    res
}

async fn sitemap(State(st): State<AppState>, Path(slug): Path<String>) -> Response {
    match ruche_pages::sites::published(&st.tube.store, &slug).await {
        Ok(Some((_, published_at))) => {
            let canonical = format!("{}/p/{slug}/", st.tube.settings.public_url);
            let day = chrono::DateTime::from_timestamp_millis(published_at)
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default();
            (
                [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
                render::sitemap(&canonical, &day),
            )
                .into_response()
        }
        _ => not_found(),
    }
}

async fn robots(State(st): State<AppState>, Path(slug): Path<String>) -> Response {
    match ruche_pages::sites::published(&st.tube.store, &slug).await {
        Ok(Some(_)) => {
            let canonical = format!("{}/p/{slug}/", st.tube.settings.public_url);
            (
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                render::robots(&canonical),
            )
                .into_response()
        }
        _ => not_found(),
    }
}

async fn contact_post(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Form(form): Form<contact::Submission>,
) -> Response {
    let Ok(Some((site, _))) = ruche_pages::sites::published(&st.tube.store, &slug).await else {
        return not_found();
    };
    let Ok(secret) = form_secret(&st).await else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let lang = site.language.clone();
    let t = |k: &str| st.i18n.message(&lang, k, &[]);
    let back = format!("/p/{slug}/");
    let mail = &st.tube.settings.mail;
    match contact::submit(
        &st.tube.store,
        &secret,
        &slug,
        &form,
        &addr.ip().to_string(),
        now_secs(),
        mail.smtp_url.as_ref().map(|_| mail.max_attempts),
    )
    .await
    {
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
        let mut c = st.tube.store.read().await?;
        let mut out = Vec::new();
        for s in sstore::of_owner(c.ex(), user_id).await? {
            let unread = sstore::messages(c.ex(), s.id)
                .await?
                .iter()
                .filter(|m| !m.is_read)
                .count();
            let title = ruche_pages::document::parse(s.draft.as_bytes())
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
) -> Result<sstore::SiteRow, TubeError> {
    let mut c = st.tube.store.read().await?;
    match sstore::by_slug(c.ex(), slug).await? {
        Some(s) if s.owner_id == user_id => Ok(s),
        _ => Err(TubeError::NotFound("site")),
    }
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
        let mut c = st.tube.store.read().await?;
        let msgs = sstore::messages(c.ex(), site.id).await?;
        let title = ruche_pages::document::parse(site.draft.as_bytes())
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
        let mut tx = st.tube.store.begin().await?;
        let ok = match action.as_str() {
            "read" => sstore::set_read(tx.ex(), site.id, id, true).await?,
            "unread" => sstore::set_read(tx.ex(), site.id, id, false).await?,
            "delete" => sstore::delete_message(tx.ex(), site.id, id).await?,
            _ => false,
        };
        tx.commit().await?;
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

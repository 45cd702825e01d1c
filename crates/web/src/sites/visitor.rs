//! Published sites at `/p/<slug>/` (drawn once per publication, with an ETag), their contact
//! form, sitemap and robots file.

use super::{CachedPage, canonical, draw, form_secret, gzip, not_found, now_secs};
use crate::AppState;
use crate::auth::ClientAddr;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use ruche_pages::contact::{ContactError, Outcome};
use ruche_pages::{contact, render};
use ruche_tube::TubeError;
use std::sync::Arc;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/p/{slug}",
            get(|Path(s): Path<String>| async move { Redirect::permanent(&format!("/p/{s}/")) }),
        )
        .route("/p/{slug}/", get(site_page))
        .route("/p/{slug}/contact", post(contact_post))
        .route("/p/{slug}/sitemap.xml", get(sitemap))
        .route("/p/{slug}/robots.txt", get(robots))
}

pub(super) async fn site_page(
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
            let html = draw(&st, &site, site_id, render::Mode::Visitor).await;
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
pub(super) async fn on_line(st: &AppState, slug: &str) -> Result<Option<i64>, TubeError> {
    Ok(ruche_pages::sites::published_stamp(&st.tube.store, slug)
        .await?
        .map(|(_, published_at)| published_at))
}

pub(super) async fn sitemap(State(st): State<AppState>, Path(slug): Path<String>) -> Response {
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

pub(super) async fn robots(State(st): State<AppState>, Path(slug): Path<String>) -> Response {
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

pub(super) async fn contact_post(
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
        st.tube.settings.pages.contact_min_fill_secs,
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

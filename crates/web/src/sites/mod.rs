//! Pages on the web. This module is what the rest share: the wildcard host of sites, a site's
//! canonical URL, its strings, the contact forms' key, the cache of published pages, and `draw`
//! (the one renderer, for visitors, the editor and the export). `visitor` serves published sites
//! (`/p/<slug>/` with an ETag, the contact form, sitemap and robots), `mine` the owner's list of
//! sites, revisions and message inbox, `editor` the editor and its picture library. This module
//! imports none of them; lib.rs merges their routes.

use crate::AppState;
use crate::i18n::I18n;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use ruche_domain::urls;
use ruche_pages::document::Site;
use ruche_pages::render;
use ruche_pages::render::Mode;
use ruche_tube::TubeError;
use std::sync::Arc;

pub(crate) mod editor;
pub(crate) mod mine;
pub(crate) mod visitor;

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
        None => urls::site(urls::base(&settings.public_url), slug),
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

/// Draws a site with the one renderer: for visitors (also the owner's private previews), for
/// its owner's editor, or as a static export (whose form posts back here with a long-lived
/// token).
pub(crate) async fn draw(st: &AppState, site: &Site, site_id: i64, mode: Mode) -> String {
    let public = &st.tube.settings.public_url;
    let canonical = canonical(&st.tube.settings, &site.slug);
    let action = match mode {
        Mode::Static => urls::site_contact(urls::base(public), &site.slug),
        _ => format!("/p/{}/contact", site.slug),
    };
    let token = match (form_secret(st).await, mode) {
        (Ok(secret), Mode::Static) => {
            ruche_pages::contact::static_form_token(&secret, site_id, now_secs())
        }
        (Ok(secret), _) => ruche_pages::contact::form_token(&secret, site_id, now_secs()),
        (Err(_), _) => String::new(),
    };
    let strings = SiteStrings {
        i18n: st.i18n.clone(),
        lang: site.language.clone(),
    };
    render::page(
        site,
        &render::Context {
            canonical: &canonical,
            contact_action: &action,
            form_token: &token,
            tile_url: &st.tube.settings.pages.tile_url,
            strings: &strings,
            mode,
        },
    )
}

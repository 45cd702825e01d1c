//! Ruche's HTTP face: PeerTube's REST API (`/api/v1/…`, its shapes and error JSON), the
//! server-rendered HTML pages, media files with HTTP ranges, and the embedded assets.
//!
//! **Architecture invariant:** handlers hold no business rules: they read the request, call a
//! service of `ruche-tube`, and render its answer as PeerTube JSON or HTML.
// `json!` of PeerTube's larger documents (`/api/v1/config`) nests deeper than the default.
#![recursion_limit = "256"]

mod activitypub;
mod api;
mod assets;
mod auth;
mod error;
mod html;
mod i18n;
mod limits;
pub mod mail;
mod media;
pub mod oembed;
mod server;
mod sites;
mod tracker;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use ruche_tube::Tube;
use std::sync::Arc;
/// What stops the server: cancel it (on SIGTERM, say) and [`serve`] returns once the requests in
/// flight are done.
pub use tokio_util::sync::CancellationToken;

/// What every handler gets.
#[derive(Clone)]
pub struct AppState {
    pub tube: Arc<Tube>,
    pub i18n: Arc<i18n::I18n>,
    /// Pictures of Pages sites.
    pub media: Arc<ruche_pages::media::Media>,
    /// The one way to fetch other servers' URLs (oEmbed of pasted videos).
    pub fetcher: Arc<ruche_fetch::Fetcher>,
    /// Published pages as last drawn.
    pub page_cache: Arc<sites::PageCache>,
    /// The contact forms' signing key, read once.
    pub form_secret: Arc<tokio::sync::OnceCell<String>>,
    /// Anonymous answers of the catalogue's API reads, kept for a moment.
    pub answers: Arc<api::cache::AnswerCache>,
}

impl AppState {
    pub fn new(tube: Arc<Tube>) -> std::io::Result<AppState> {
        Ok(AppState {
            fetcher: Arc::new(tube.fetcher.clone()),
            media: Arc::new(ruche_pages::media::Media::from_settings(&tube.settings)),
            tube,
            i18n: Arc::new(i18n::I18n::load()),
            page_cache: Default::default(),
            form_secret: Default::default(),
            answers: Default::default(),
        })
    }
}

/// The whole router.
pub fn router(tube: Arc<Tube>) -> std::io::Result<Router> {
    let bounds = Arc::new(limits::Bounds::from_settings(&tube.settings));
    let policies = Arc::new(limits::Policies::from_settings(&tube.settings));
    let state = AppState::new(tube)?;
    Ok(Router::new()
        .merge(api::routes().layer(from_fn_with_state(state.clone(), api::cache::layer)))
        .merge(activitypub::routes())
        .merge(html::browse::routes())
        .merge(html::search::routes())
        .merge(html::watch::routes())
        .merge(html::session::routes())
        .merge(html::mine::routes())
        .merge(html::playlists::routes())
        .merge(html::account::routes())
        .merge(html::registrations::routes())
        .merge(html::admin::routes())
        .merge(html::moderation::routes())
        .merge(html::notifications::routes())
        .merge(html::video_blocks::routes())
        .merge(html::blocklist::routes())
        .merge(html::users::routes())
        .merge(sites::visitor::routes())
        .merge(sites::mine::routes())
        .merge(sites::editor::routes())
        .merge(oembed::routes())
        .merge(media::routes())
        .merge(tracker::routes())
        .merge(assets::routes())
        // Any other path: a translated "not found" page (PeerTube's JSON under /api/).
        .fallback(html::not_found)
        // Every body is held to its route's limit by `limits::guard`, checked before reading
        // (axum's own limit, 2 MB checked while reading, would stand in the way of pictures and
        // uploads, which stream to disk with their own quota checks).
        .layer(DefaultBodyLimit::disable())
        .layer(from_fn_with_state(bounds, limits::guard))
        // Security headers on every answer, refusals included.
        .layer(from_fn_with_state(policies, limits::headers))
        .with_state(state))
}

/// Serves `router` on `listener` until `shutdown` is cancelled, then lets the requests in flight
/// finish (for at most `[http] shutdown_grace_secs`) and returns. When a Pages domain is set,
/// requests for `<slug>.<domain>` are first mapped onto the site's paths (before routing).
/// Connections are bounded as `server` says, bodies as `limits` says.
pub async fn serve(
    tube: Arc<Tube>,
    listener: tokio::net::TcpListener,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let domain = tube.settings.pages.domain.clone();
    let http = tube.settings.http.clone();
    // A trusted proxy carries many clients' connections: not capped per address.
    let proxies = tube.clone();
    let exempt: server::Exempt = Box::new(move |ip| proxies.rates.trusts(ip));
    let inner = router(tube)?;
    let app = Router::new().fallback_service(
        tower::ServiceBuilder::new()
            .layer(axum::middleware::map_request(move |req| {
                let domain = domain.clone();
                async move { sites::site_host(domain.as_deref(), req) }
            }))
            .service(inner),
    );
    server::run(listener, app, &http, exempt, shutdown).await
}

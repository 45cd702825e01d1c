//! Ruche's HTTP face: PeerTube's REST API (`/api/v1/…`, its shapes and error JSON), the
//! server-rendered HTML pages, media files with HTTP ranges, and the embedded assets.
//!
//! **Architecture invariant:** handlers hold no business rules: they read the request, call a
//! service of `ruche-tube`, and render its answer as PeerTube JSON or HTML.

mod api;
mod assets;
mod auth;
mod editor;
mod error;
mod i18n;
mod media;
pub mod oembed;
mod pages;
mod sites;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use ruche_tube::Tube;
use std::net::SocketAddr;
use std::sync::Arc;

/// What every handler gets.
#[derive(Clone)]
pub struct AppState {
    pub tube: Arc<Tube>,
    pub i18n: Arc<i18n::I18n>,
    /// Pictures of Pages sites.
    pub media: Arc<ruche_pages::media::Media>,
    /// The one way to fetch other servers' URLs (oEmbed of pasted videos).
    pub fetcher: Arc<ruche_fetch::Fetcher>,
}

impl AppState {
    pub fn new(tube: Arc<Tube>) -> std::io::Result<AppState> {
        let fetcher = ruche_fetch::Fetcher::new(ruche_fetch::Policy {
            allow_insecure: tube.settings.federation.allow_insecure,
            ..Default::default()
        })
        .map_err(std::io::Error::other)?;
        Ok(AppState {
            fetcher: Arc::new(fetcher),
            media: Arc::new(ruche_pages::media::Media::from_settings(&tube.settings)),
            tube,
            i18n: Arc::new(i18n::I18n::load()),
        })
    }
}

/// The whole router.
pub fn router(tube: Arc<Tube>) -> std::io::Result<Router> {
    let state = AppState::new(tube)?;
    Ok(Router::new()
        .merge(api::routes())
        .merge(pages::routes())
        .merge(sites::routes())
        .merge(editor::routes())
        .merge(oembed::routes())
        .merge(media::routes())
        .merge(assets::routes())
        // Uploads stream to disk with their own quota checks; no body is buffered whole.
        .layer(DefaultBodyLimit::disable())
        .with_state(state))
}

/// Serves `router` on `listener` until the process ends.
pub async fn serve(tube: Arc<Tube>, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(tube)?.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}

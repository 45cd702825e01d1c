//! Ruche's HTTP face: PeerTube's REST API (`/api/v1/…`, its shapes and error JSON), the
//! server-rendered HTML pages, media files with HTTP ranges, and the embedded assets.
//!
//! **Architecture invariant:** handlers hold no business rules: they read the request, call a
//! service of `ruche-tube`, and render its answer as PeerTube JSON or HTML.

mod api;
mod assets;
mod auth;
mod error;
mod i18n;
mod media;
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
}

/// The whole router.
pub fn router(tube: Arc<Tube>) -> Router {
    let state = AppState {
        tube,
        i18n: Arc::new(i18n::I18n::load()),
    };
    Router::new()
        .merge(api::routes())
        .merge(pages::routes())
        .merge(sites::routes())
        .merge(media::routes())
        .merge(assets::routes())
        // Uploads stream to disk with their own quota checks; no body is buffered whole.
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

/// Serves `router` on `listener` until the process ends.
pub async fn serve(tube: Arc<Tube>, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(tube).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}

//! The site editor on the web: the owner's page drawn by the one renderer in editor mode with
//! the editor's module on top (`/my-sites/<slug>/edit`), the draft's autosave and publish
//! (`POST /my-sites/<slug>/draft`, JSON, guarded by the site's version), previews of the draft
//! and of any revision, and the JSON export.
//!
//! The editor sends the whole document; it is checked like an import, so the editor holds no
//! rule the server does not enforce.

use super::{SiteStrings, canonical, draw, not_found, site_error};
use crate::auth::ApiUser;
use crate::html::{Page, error_page, login_redirect};
use crate::limits::Kind;
use crate::{AppState, limits};
use axum::extract::{Path, State};
use axum::handler::Handler;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ruche_pages::render::Mode;
use ruche_pages::sites::SiteError;
use ruche_tube::TubeError;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/my-sites/{slug}/edit", get(edit))
        .route(
            "/my-sites/{slug}/draft",
            post(save_draft).layer(limits::body(Kind::Draft)),
        )
        .route("/my-sites/{slug}/preview", get(preview))
        .route(
            "/my-sites/{slug}/revisions/{id}/preview",
            get(revision_preview),
        )
        .route("/my-sites/{slug}/export.json", get(export_json))
        .route("/my-sites/{slug}/export.zip", get(export_zip))
        .route(
            "/my-sites/{slug}/media",
            get(list_media).post(upload_media.layer(limits::body(Kind::Picture))),
        )
        .route("/my-sites/{slug}/media/label", post(label_media))
        .route("/my-sites/{slug}/video-info", get(video_info))
        .route("/pages-media/{file}", get(serve_media))
}

/// The page for a site that cannot be shown or changed.
pub(super) fn fail(chrome: crate::html::Chrome, e: SiteError) -> Response {
    match site_error(e) {
        Ok(m) => error_page(chrome, TubeError::BadRequest(m)),
        Err(e) => error_page(chrome, e),
    }
}

/// JSON for a `<script type="application/json">`: nothing in it can close the element.
pub(super) fn script_json(v: &serde_json::Value) -> String {
    v.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

pub(super) async fn edit(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(slug): Path<String>,
) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect(&format!("/my-sites/{slug}/edit"));
    };
    let (row, site) = match ruche_pages::sites::draft(&st.tube.store, u.id, &slug).await {
        Ok(v) => v,
        Err(e) => {
            return fail(chrome, e);
        }
    };
    let lang = chrome.tr.lang;
    let site_strings = SiteStrings {
        i18n: st.i18n.clone(),
        lang: site.language.clone(),
    };
    let config = serde_json::json!({
        "slug": site.slug,
        "version": row.version,
        "csrf": user.csrf,
        "lang": lang,
        "doc": site,
        "strings": st.i18n.messages_with_prefix(lang, "ed-"),
        // What the editor writes into the site itself (a new item's title): the site's language.
        "content": st.i18n.messages_with_prefix(&site.language, "ed-new-"),
        "catalogue": ruche_pages::editor::catalogue(&site.title, &site_strings),
        "themes": ruche_pages::editor::themes(lang),
        "tiles": st.tube.settings.pages.tile_url,
        "publicUrl": canonical(&st.tube.settings, &site.slug),
    });
    let page = draw(&st, &site, row.id, Mode::Editor).await;
    let head = format!(
        "<meta name=\"robots\" content=\"noindex\">\n<link rel=\"stylesheet\" href=\"/assets/pages/editor.css\">\n<style>{}</style>\n</head>",
        ruche_pages::editor::all_font_faces()
    );
    let tail = format!(
        "<script type=\"application/json\" id=\"ruche-editor\">{}</script>\n<script type=\"module\" src=\"/assets/pages/editor.js\"></script>\n</body>",
        script_json(&config)
    );
    let page = page.replacen("</head>", &head, 1);
    let page = match page.rfind("</body>") {
        Some(i) => format!("{}{tail}{}", &page[..i], &page[i + "</body>".len()..]),
        None => page,
    };
    let mut res = Html(page).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    res
}

#[derive(serde::Deserialize)]
pub(super) struct Draft {
    version: i64,
    document: serde_json::Value,
    #[serde(default)]
    publish: bool,
}

pub(super) fn json_error(status: StatusCode, body: serde_json::Value) -> Response {
    (status, Json(body)).into_response()
}

/// Saves (and maybe publishes) the editor's document. Answers the new version and the page
/// as drawn for the editor; 409 with the stored version and document when another tab saved
/// first (the caller keeps its own document and may retry on top of the new version); 400 with
/// the path of the fault for a document that does not pass.
pub(super) async fn save_draft(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(slug): Path<String>,
    Json(d): Json<Draft>,
) -> Response {
    let text = d.document.to_string();
    let store = &st.tube.store;
    match ruche_pages::sites::save_draft(store, u.id, &slug, d.version, text.as_bytes(), d.publish)
        .await
    {
        Ok((site, version)) => {
            let (row, _) = match ruche_pages::sites::draft(store, u.id, &site.slug).await {
                Ok(v) => v,
                Err(_) => return not_found(),
            };
            let html = draw(&st, &site, row.id, Mode::Editor).await;
            Json(serde_json::json!({
                "version": version,
                "slug": site.slug,
                "published": row.published.is_some(),
                "document": site,
                "html": html,
            }))
            .into_response()
        }
        Err(SiteError::Conflict) => match ruche_pages::sites::draft(store, u.id, &slug).await {
            Ok((row, site)) => json_error(
                StatusCode::CONFLICT,
                serde_json::json!({ "error": "conflict", "version": row.version, "document": site }),
            ),
            Err(_) => not_found(),
        },
        Err(SiteError::Invalid(f)) => json_error(
            StatusCode::BAD_REQUEST,
            serde_json::json!({ "error": f.message, "path": f.path }),
        ),
        Err(e @ SiteError::SlugTaken(_)) => json_error(
            StatusCode::CONFLICT,
            serde_json::json!({ "error": e.to_string(), "path": "slug" }),
        ),
        Err(SiteError::NotFound(_)) => not_found(),
        Err(e) => {
            tracing::error!("saving {slug}: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A preview is the visitors' page, kept out of search engines.
pub(super) fn preview_response(html: String) -> Response {
    let html = html.replacen(
        "<head>",
        "<head>\n<meta name=\"robots\" content=\"noindex\">",
        1,
    );
    ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

pub(super) async fn preview(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(slug): Path<String>,
) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect(&format!("/my-sites/{slug}/preview"));
    };
    match ruche_pages::sites::draft(&st.tube.store, u.id, &slug).await {
        Ok((row, site)) => preview_response(draw(&st, &site, row.id, Mode::Visitor).await),
        Err(e) => fail(chrome, e),
    }
}

pub(super) async fn revision_preview(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path((slug, id)): Path<(String, i64)>,
) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect("/my-sites");
    };
    match ruche_pages::sites::revision(&st.tube.store, u.id, &slug, id).await {
        Ok(site) => preview_response(draw(&st, &site, 0, Mode::Visitor).await),
        Err(e) => fail(chrome, e),
    }
}

pub(super) async fn export_json(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(slug): Path<String>,
) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect("/my-sites");
    };
    if let Err(e) = ruche_pages::sites::draft(&st.tube.store, u.id, &slug).await {
        return fail(chrome, e);
    }
    match ruche_pages::sites::export(&st.tube.store, &st.media, &slug).await {
        Ok(json) => (
            [
                (header::CONTENT_TYPE, "application/json".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{slug}.json\""),
                ),
            ],
            json,
        )
            .into_response(),
        Err(e) => fail(chrome, e),
    }
}

/// Checks that the caller owns the site (the library is the owner's, shared by their sites).
pub(super) async fn owner_of(
    st: &AppState,
    u: &ruche_tube::accounts::User,
    slug: &str,
) -> Result<(), Response> {
    match ruche_pages::sites::draft(&st.tube.store, u.id, slug).await {
        Ok(_) => Ok(()),
        Err(SiteError::NotFound(_)) => Err(not_found()),
        Err(e) => {
            tracing::error!("site {slug}: {e}");
            Err(StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

pub(super) async fn list_media(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(slug): Path<String>,
) -> Response {
    if let Err(r) = owner_of(&st, &u, &slug).await {
        return r;
    }
    match st.media.library(&st.tube.store, u.id).await {
        Ok(pictures) => Json(pictures).into_response(),
        Err(e) => {
            tracing::error!("media of {}: {e}", u.id);
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[derive(serde::Deserialize)]
pub(super) struct LabelQuery {
    #[serde(default)]
    label: String,
}

/// An upload: the body is the picture itself (the editor sends the file as is). Bounded by the
/// picture limit before it is read whole.
pub(super) async fn upload_media(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(slug): Path<String>,
    axum::extract::Query(q): axum::extract::Query<LabelQuery>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> Response {
    if let Err(r) = owner_of(&st, &u, &slug).await {
        return r;
    }
    // Before the body is read: a refused picture costs its decode too.
    if let Err(ra) = st.tube.rates.picture.check(&u.id) {
        return crate::error::ApiError(ra.into()).into_response();
    }
    let lang = lang_of(&st, &headers);
    let max = st.media.limits.max_bytes;
    let bytes =
        match axum::body::to_bytes(body, max + 1).await {
            Ok(b) if b.len() <= max => b.to_vec(),
            _ => {
                let e = ruche_pages::media::MediaError::Image(
                    ruche_pages::images::ImageError::TooLarge { size: max + 1, max },
                );
                // The rest of the body is not read: this connection cannot serve another request.
                let mut res = media_error(&st, lang, e);
                res.headers_mut().insert(
                    header::CONNECTION,
                    axum::http::HeaderValue::from_static("close"),
                );
                return res;
            }
        };
    match st.media.upload(&st.tube.store, u.id, bytes, &q.label).await {
        Ok(p) => (StatusCode::CREATED, Json(p)).into_response(),
        Err(e) => media_error(&st, lang, e),
    }
}

/// The language of a script's request, as pages pick it (cookie, then browser).
pub(super) fn lang_of(st: &AppState, headers: &axum::http::HeaderMap) -> &'static str {
    let jar = axum_extra::extract::CookieJar::from_headers(headers);
    st.i18n.pick(
        jar.get("lang").map(|c| c.value()),
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

pub(super) fn media_error(
    st: &AppState,
    lang: &str,
    e: ruche_pages::media::MediaError,
) -> Response {
    use ruche_pages::media::MediaError as E;
    let status = match &e {
        E::Quota { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        E::Image(ruche_pages::images::ImageError::TooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
        E::Image(_) => StatusCode::UNPROCESSABLE_ENTITY,
        E::Io(_) | E::Store(_) => {
            tracing::error!("picture upload: {e}");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    let message = st.i18n.message(lang, e.key(), &[]);
    json_error(
        status,
        serde_json::json!({ "error": message, "code": e.key() }),
    )
}

#[derive(serde::Deserialize)]
pub(super) struct Label {
    src: String,
    label: String,
}

pub(super) async fn label_media(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(slug): Path<String>,
    Json(l): Json<Label>,
) -> Response {
    if let Err(r) = owner_of(&st, &u, &slug).await {
        return r;
    }
    let Some(file) = l.src.strip_prefix(ruche_pages::media::URL_PREFIX) else {
        return not_found();
    };
    let label: String = l.label.trim().chars().take(300).collect();
    match st.media.set_label(&st.tube.store, u.id, file, &label).await {
        Ok(true) => Json(serde_json::json!({ "src": l.src, "label": label })).into_response(),
        Ok(false) => not_found(),
        Err(e) => {
            tracing::error!("labelling a picture: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[derive(serde::Deserialize)]
pub(super) struct VideoQuery {
    url: String,
}

/// What a pasted video URL embeds: its server's oEmbed, read through the safe fetcher.
pub(super) async fn video_info(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(slug): Path<String>,
    axum::extract::Query(q): axum::extract::Query<VideoQuery>,
    headers: axum::http::HeaderMap,
) -> Response {
    if let Err(r) = owner_of(&st, &u, &slug).await {
        return r;
    }
    let lang = lang_of(&st, &headers);
    match ruche_pages::oembed::discover(&st.fetcher, &q.url).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => {
            let host = e.host().unwrap_or_default().to_string();
            let message = st.i18n.message(lang, e.key(), &[("host", &host)]);
            json_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                serde_json::json!({ "error": message, "code": e.key() }),
            )
        }
    }
}

/// A picture file: content-named, so cached for good.
pub(super) async fn serve_media(State(st): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(path) = st.media.path_of(&file) else {
        return not_found();
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "image/webp"),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => not_found(),
    }
}

/// The site as a folder for any web host: the page, its pictures, the module and vendored
/// files it loads, and its fonts. The contact form posts back to this instance.
pub(super) async fn export_zip(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(slug): Path<String>,
) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect("/my-sites");
    };
    let (row, mut site) = match ruche_pages::sites::draft(&st.tube.store, u.id, &slug).await {
        Ok(v) => v,
        Err(e) => return fail(chrome, e),
    };
    let html = draw(&st, &site, row.id, Mode::Static).await;
    let mut files: Vec<(String, Vec<u8>)> = vec![("index.html".into(), html.into_bytes())];
    for (name, path) in st.media.files_of(&mut site) {
        match tokio::fs::read(&path).await {
            Ok(b) => files.push((format!("pages-media/{name}"), b)),
            Err(e) => tracing::warn!("export of {slug}: {}: {e}", path.display()),
        }
    }
    for asset in ruche_pages::render::static_assets(&site) {
        if let Some(f) = crate::assets::Assets::get(&asset) {
            files.push((format!("assets/{asset}"), f.data.into_owned()));
        }
    }
    match ruche_pages::export::zip(&files) {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "application/zip".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{slug}.zip\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => error_page(chrome, TubeError::Internal(e.to_string())),
    }
}

//! The owner's sites: the list (create, publish, take off line, trash), the revision history
//! and restore, and the contact messages' inbox.

use super::{owned_site, site_error, site_fault};
use crate::AppState;
use crate::html::{Chrome, Page, error_page, form_user, login_redirect, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use ruche_tube::TubeError;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/my-sites", get(my_sites).post(create_site))
        .route("/my-sites/{slug}/{action}", post(site_action))
        .route("/my-sites/{slug}/revisions", get(revisions_page))
        .route("/my-sites/{slug}/revisions/{id}/restore", post(restore))
        .route("/my-sites/{slug}/inbox", get(inbox))
        .route("/my-sites/{slug}/inbox/{id}/{action}", post(inbox_action))
}

pub(super) struct SiteRow {
    slug: String,
    title: String,
    published: bool,
    unread: usize,
    unread_text: String,
}

#[derive(Template)]
#[template(path = "my_sites.html")]
pub(super) struct MySites {
    chrome: Chrome,
    sites: Vec<SiteRow>,
    /// Trashed sites: slug and when they go for good.
    trash: Vec<(String, String)>,
    error: Option<String>,
}

pub(super) async fn my_sites(State(st): State<AppState>, Page { chrome, user }: Page) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect("/my-sites");
    };
    sites_view(&st, chrome, u.id, None).await
}

pub(super) async fn sites_view(
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

pub(super) struct MessageRow {
    id: i64,
    name: String,
    email: String,
    message: String,
    read: bool,
    date: String,
}

#[derive(Template)]
#[template(path = "inbox.html")]
pub(super) struct Inbox {
    chrome: Chrome,
    slug: String,
    site_title: String,
    messages: Vec<MessageRow>,
}

pub(super) async fn inbox(
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
pub(super) struct CsrfForm {
    csrf: String,
}

pub(super) async fn inbox_action(
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

#[derive(serde::Deserialize)]
pub(super) struct NewSite {
    csrf: String,
    slug: String,
    title: String,
    language: String,
}

pub(super) async fn create_site(
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

pub(super) async fn site_action(
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

pub(super) struct RevisionRow {
    id: i64,
    version: i64,
    kind: String,
    date: String,
}

#[derive(Template)]
#[template(path = "revisions.html")]
pub(super) struct Revisions {
    chrome: Chrome,
    slug: String,
    revisions: Vec<RevisionRow>,
}

pub(super) async fn revisions_page(
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

pub(super) async fn restore(
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

//! Registration requests, for moderators: accept or reject those held for approval.

use super::{Chrome, CsrfForm, Page, csrf_ok, error_page, login_redirect, render};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use ruche_tube::{TubeError, accounts};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/registrations", get(registrations_page))
        .route(
            "/admin/registrations/{id}/{action}",
            post(registration_action),
        )
}

pub(super) struct RegRow {
    id: i64,
    username: String,
    email: String,
    reason: String,
    state_text: String,
    pending: bool,
}

#[derive(Template)]
#[template(path = "registrations.html")]
pub(super) struct Registrations {
    chrome: Chrome,
    rows: Vec<RegRow>,
}

pub(super) async fn registrations_page(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
) -> Response {
    if user.user.is_none() {
        return login_redirect("/admin/registrations");
    }
    if !chrome.is_moderator {
        let msg = chrome.tr.t("error-forbidden");
        return error_page(chrome, TubeError::Forbidden(msg));
    }
    let regs = ruche_tube::accounts::registrations(&st.tube).await;
    match regs {
        Ok(regs) => {
            let rows = regs
                .into_iter()
                .map(|r| RegRow {
                    id: r.id,
                    state_text: chrome
                        .tr
                        .t(&format!("registrations-state-{}", r.state.id())),
                    pending: r.state == ruche_domain::user::RegistrationState::Pending,
                    username: r.username,
                    email: r.email,
                    reason: r.reason,
                })
                .collect();
            render(&Registrations { chrome, rows })
        }
        Err(e) => error_page(chrome, e),
    }
}

pub(super) async fn registration_action(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if !chrome.is_moderator || !csrf_ok(&user, &f.csrf) {
        let msg = chrome.tr.t("error-forbidden");
        return error_page(chrome, TubeError::Forbidden(msg));
    }
    let r = match action.as_str() {
        "accept" => accounts::accept_registration(&st.tube, id)
            .await
            .map(|_| ()),
        "reject" => accounts::reject_registration(&st.tube, id, "").await,
        _ => Err(TubeError::NotFound("action")),
    };
    match r {
        Ok(()) => Redirect::to("/admin/registrations").into_response(),
        Err(e) => error_page(chrome, e),
    }
}

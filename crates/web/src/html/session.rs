//! Logging in and out (a session cookie, rate limited as the API's token grant) and signing up.

use super::{
    Chrome, CsrfForm, Page, chrome, csrf_ok, csrf_refused, error_page, refused_with, render,
    too_many,
};
use crate::AppState;
use crate::auth::{ClientAddr, MaybeUser, SESSION_COOKIE, same_origin, same_origin_path};
use crate::i18n::LANGUAGES;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use ruche_tube::{TubeError, accounts, auth};
use serde::Deserialize;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/signup", get(signup_page).post(signup))
        .route("/lang/{lang}", get(set_lang))
}

#[derive(Template)]
#[template(path = "login.html")]
pub(super) struct Login {
    chrome: Chrome,
    error: Option<String>,
    notice: Option<String>,
    next: String,
}

#[derive(Deserialize)]
pub(super) struct NextQuery {
    next: Option<String>,
}

/// Only paths of our own origin are followed after login (no open redirect).
pub(super) fn local_next(st: &AppState, next: Option<&str>) -> String {
    same_origin_path(next, &st.tube.settings.public_url)
}

pub(super) async fn login_page(
    State(st): State<AppState>,
    Page { chrome, .. }: Page,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = local_next(&st, q.next.as_deref());
    render(&Login {
        chrome,
        error: None,
        notice: None,
        next,
    })
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

pub(super) fn session_cookie(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, value))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(time_max_age())
        .build()
}

pub(super) fn time_max_age() -> cookie::time::Duration {
    cookie::time::Duration::milliseconds(auth::SESSION_TTL_MS)
}

pub(super) async fn login(
    State(st): State<AppState>,
    ClientAddr(from): ClientAddr,
    headers: HeaderMap,
    jar: CookieJar,
    Form(f): Form<LoginForm>,
) -> Response {
    let anonymous = MaybeUser {
        user: None,
        csrf: None,
    };
    let chrome = chrome(&st, &headers, &anonymous).await;
    if !same_origin(&headers, &st.tube.settings.public_url) {
        return error_page(
            chrome,
            TubeError::Forbidden("Cross-site login refused.".into()),
        );
    }
    let next = local_next(&st, f.next.as_deref());
    // One argon2 verification, under the limits; a sign-up still waiting for (or refused by) a
    // moderator is said as such, to whoever gives its password only.
    let error = match auth::log_in(&st.tube, from, &f.username, &f.password).await {
        Ok(auth::LoggedIn::User(user)) => {
            // Their mails are written in the language their pages are in.
            if let Err(e) =
                ruche_tube::notifications::set_language(&st.tube, user.id, chrome.tr.lang).await
            {
                tracing::warn!("the language of {} not kept: {e}", user.username);
            }
            return match auth::open_session(&st.tube, user.id).await {
                Ok(id) => {
                    let secure = st.tube.settings.public_url.starts_with("https://");
                    (jar.add(session_cookie(id, secure)), Redirect::to(&next)).into_response()
                }
                Err(e) => error_page(chrome, e),
            };
        }
        Ok(auth::LoggedIn::Unapproved(auth::Unapproved::Pending)) => chrome.tr.t("login-pending"),
        Ok(auth::LoggedIn::Unapproved(auth::Unapproved::Rejected(Some(reason)))) => {
            chrome.tr.t1("login-rejected-reason", "reason", &reason)
        }
        Ok(auth::LoggedIn::Unapproved(auth::Unapproved::Rejected(None))) => {
            chrome.tr.t("login-rejected")
        }
        Err(TubeError::InvalidGrant(_)) => chrome.tr.t("login-failed"),
        Err(e @ TubeError::TooManyRequests { retry_after_secs }) => {
            let error = Some(too_many(&chrome, "login-too-many", retry_after_secs));
            let page = render(&Login {
                chrome,
                error,
                notice: None,
                next,
            });
            return refused_with(&e, page);
        }
        Err(e @ TubeError::Busy { .. }) => {
            let error = Some(chrome.tr.t("error-busy"));
            let page = render(&Login {
                chrome,
                error,
                notice: None,
                next,
            });
            return refused_with(&e, page);
        }
        Err(e) => return error_page(chrome, e),
    };
    (
        StatusCode::UNAUTHORIZED,
        render(&Login {
            chrome,
            error: Some(error),
            notice: None,
            next,
        }),
    )
        .into_response()
}

pub(super) async fn logout(
    State(st): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    user: MaybeUser,
    Form(f): Form<CsrfForm>,
) -> Response {
    if !csrf_ok(&user, &f.csrf) {
        let chrome = chrome(&st, &headers, &user).await;
        return csrf_refused(chrome);
    }
    if let Some(c) = jar.get(SESSION_COOKIE)
        && let Err(e) = auth::close_session(&st.tube, c.value()).await
    {
        tracing::warn!("logout: {e}");
    }
    (
        jar.remove(Cookie::build(SESSION_COOKIE).path("/")),
        Redirect::to("/"),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "signup.html")]
pub(super) struct Signup {
    chrome: Chrome,
    error: Option<String>,
    open: bool,
    requires_approval: bool,
}

pub(super) async fn signup_page(State(st): State<AppState>, Page { chrome, .. }: Page) -> Response {
    let open = chrome.signup_open;
    render(&Signup {
        chrome,
        error: None,
        open,
        requires_approval: ruche_tube::instance::cached(&st.tube).signup_requires_approval,
    })
}

#[derive(Deserialize)]
pub(super) struct SignupForm {
    username: String,
    email: String,
    password: String,
    reason: Option<String>,
}

pub(super) async fn signup(
    State(st): State<AppState>,
    ClientAddr(from): ClientAddr,
    headers: HeaderMap,
    Page { chrome, .. }: Page,
    Form(f): Form<SignupForm>,
) -> Response {
    if !same_origin(&headers, &st.tube.settings.public_url) {
        return error_page(
            chrome,
            TubeError::Forbidden("Cross-site sign-up refused.".into()),
        );
    }
    let reason = f.reason.as_deref().unwrap_or_default();
    match accounts::sign_up(
        &st.tube,
        from,
        f.username.trim(),
        f.email.trim(),
        &f.password,
        reason,
    )
    .await
    {
        Ok(done) => {
            let notice = Some(chrome.tr.t(match done {
                accounts::SignedUp::User => "signup-done",
                accounts::SignedUp::Pending(_) => "signup-pending",
            }));
            render(&Login {
                chrome,
                error: None,
                notice,
                next: "/".into(),
            })
        }
        Err(
            e @ (TubeError::BadRequest(_)
            | TubeError::Conflict(_)
            | TubeError::Forbidden(_)
            | TubeError::TooManyRequests { .. }
            | TubeError::Busy { .. }),
        ) => {
            let open = chrome.signup_open;
            let error = Some(match &e {
                TubeError::TooManyRequests { retry_after_secs } => {
                    too_many(&chrome, "signup-too-many", *retry_after_secs)
                }
                TubeError::Busy { .. } => chrome.tr.t("error-busy"),
                e => e.to_string(),
            });
            let page = render(&Signup {
                chrome,
                error,
                open,
                requires_approval: ruche_tube::instance::cached(&st.tube).signup_requires_approval,
            });
            match e {
                // 429 or 503, with Retry-After.
                TubeError::TooManyRequests { .. } | TubeError::Busy { .. } => {
                    refused_with(&e, page)
                }
                _ => (StatusCode::BAD_REQUEST, page).into_response(),
            }
        }
        Err(e) => error_page(chrome, e),
    }
}

pub(super) async fn set_lang(
    State(st): State<AppState>,
    Path(lang): Path<String>,
    user: MaybeUser,
    headers: HeaderMap,
    jar: CookieJar,
) -> Response {
    let lang = LANGUAGES
        .iter()
        .find(|l| **l == lang)
        .copied()
        .unwrap_or("en");
    if let Some(u) = &user.user
        && let Err(e) = ruche_tube::notifications::set_language(&st.tube, u.id, lang).await
    {
        tracing::warn!("the language of {} not kept: {e}", u.username);
    }
    // Back where the page was, if it was one of ours.
    let back = headers.get(header::REFERER).and_then(|v| v.to_str().ok());
    let cookie = Cookie::build(("lang", lang))
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(time_max_age())
        .build();
    (jar.add(cookie), Redirect::to(&local_next(&st, back))).into_response()
}

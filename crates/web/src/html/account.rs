//! *My account*: the account's profile and avatar, and the password; the profile form and
//! picture upload helpers that *My channels* uses too.

use super::{Chrome, CsrfForm, Page, error_page, form_user, login_redirect, render};
use crate::AppState;
use crate::auth::{MaybeUser, SESSION_COOKIE};
use crate::limits::{self, Kind};
use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use ruche_tube::accounts::User;
use ruche_tube::profiles::{Holder, PictureKind};
use ruche_tube::{TubeError, accounts};
use serde::Deserialize;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/my-account", get(account_settings).post(change_password))
        .route(
            "/my-account/profile",
            post(account_profile).layer(limits::body(Kind::Profile)),
        )
        .route(
            "/my-account/avatar",
            post(account_avatar).layer(limits::body(Kind::Picture)),
        )
        .route("/my-account/avatar/remove", post(remove_account_avatar))
        .route("/my-account/delete", post(delete_account))
}

#[derive(Deserialize)]
pub(super) struct DeleteForm {
    #[serde(default)]
    csrf: String,
    /// The user's name, typed to confirm (PeerTube's danger zone asks the same).
    #[serde(default)]
    confirm: String,
}

/// `POST /my-account/delete`: the user deletes their account and all they made, once they typed
/// their name; logged out, to the home page.
pub(super) async fn delete_account(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    jar: CookieJar,
    Form(f): Form<DeleteForm>,
) -> Response {
    let (chrome, u) = match form_user(chrome, &user, &f.csrf, "/my-account") {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    if f.confirm.trim() != u.username {
        let e = Some(chrome.tr.t("account-delete-mismatch"));
        return account_view(&st, chrome, &u, e, None).await;
    }
    let done = crate::api::delete_user_with_media(
        &st,
        u.id,
        ruche_tube::user_admin::delete_me(&st.tube, &u),
    )
    .await;
    match done {
        Ok(()) => (
            jar.remove(axum_extra::extract::cookie::Cookie::build(SESSION_COOKIE).path("/")),
            axum::response::Redirect::to("/"),
        )
            .into_response(),
        Err(e) => match e.0 {
            TubeError::BadRequest(m) => account_view(&st, chrome, &u, Some(m), None).await,
            e => error_page(chrome, e),
        },
    }
}

#[derive(Template)]
#[template(path = "my_account.html")]
pub(super) struct MyAccount {
    chrome: Chrome,
    error: Option<String>,
    notice: Option<String>,
    display_name: String,
    description: String,
    avatar: Option<String>,
}

/// The My account page, with what the account is shown with now.
pub(super) async fn account_view(
    st: &AppState,
    chrome: Chrome,
    u: &User,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let account = ruche_tube::accounts::account_of(&st.tube, u.id).await;
    let a = match account {
        Ok(a) => a,
        Err(e) => return error_page(chrome, e),
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    (
        status,
        render(&MyAccount {
            chrome,
            error,
            notice,
            avatar: crate::api::picture_path("avatars", a.avatars.as_deref(), 120),
            display_name: a.display_name,
            description: a.description.unwrap_or_default(),
        }),
    )
        .into_response()
}

pub(super) async fn account_settings(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect("/my-account");
    };
    account_view(&st, chrome, &u, None, None).await
}

pub(super) async fn account_id_of(st: &AppState, u: &User) -> Result<i64, TubeError> {
    Ok(ruche_tube::accounts::account_of(&st.tube, u.id).await?.id)
}

/// The page after a change of a profile: its form again, with a notice (`notice_key`), or with
/// why it was refused; an error of another kind is an error page.
pub(super) async fn after_change<Fut: std::future::Future<Output = Response>>(
    chrome: Chrome,
    done: Result<(), TubeError>,
    notice_key: &str,
    view: impl FnOnce(Chrome, Option<String>, Option<String>) -> Fut,
) -> Response {
    match done {
        Ok(()) => {
            let notice = Some(chrome.tr.t(notice_key));
            view(chrome, None, notice).await
        }
        Err(e) => match profile_refusal(&chrome, &e) {
            Some(m) => view(chrome, Some(m), None).await,
            None => error_page(chrome, e),
        },
    }
}

/// What a failed profile change tells its author, in their language.
pub(super) fn profile_refusal(chrome: &Chrome, e: &TubeError) -> Option<String> {
    match e {
        TubeError::Picture(p) => Some(chrome.tr.t(p.key())),
        TubeError::BadRequest(_) => Some(chrome.tr.t("profile-invalid")),
        _ => None,
    }
}

/// A profile form as sent: its text fields, and the pictures chosen in it (multipart, as the
/// pages send it; a form of text alone may come urlencoded). *Save* keeps all of it, so a
/// picture picked in the form is never silently dropped.
pub(super) struct ProfileForm {
    fields: std::collections::HashMap<String, String>,
    /// The files chosen, by field name (`avatar`, `banner`); an input left empty is absent.
    pub(super) pictures: std::collections::HashMap<String, Vec<u8>>,
    /// Why the form could not be read whole (a picture over the size limit): nothing is changed.
    refused: Option<TubeError>,
}

impl ProfileForm {
    pub(super) fn text(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
    fn csrf(&self) -> &str {
        self.text("csrf").unwrap_or_default()
    }
}

impl axum::extract::FromRequest<AppState> for ProfileForm {
    type Rejection = Response;
    async fn from_request(req: axum::extract::Request, st: &AppState) -> Result<Self, Response> {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("multipart/form-data"));
        if !multipart {
            let Form(fields) = Form::from_request(req, st)
                .await
                .map_err(IntoResponse::into_response)?;
            return Ok(ProfileForm {
                fields,
                pictures: Default::default(),
                refused: None,
            });
        }
        let m = axum::extract::Multipart::from_request(req, st)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(
            match crate::api::picture_form(m, &["avatar", "banner"]).await {
                Ok((fields, pictures)) => ProfileForm {
                    fields,
                    pictures,
                    refused: None,
                },
                Err(e) => ProfileForm {
                    fields: Default::default(),
                    pictures: Default::default(),
                    refused: Some(e),
                },
            },
        )
    }
}

/// The user of a profile form, or the answer: a form refused before its token could be read
/// (a picture too large) changes nothing and says why on the form's page.
#[allow(clippy::result_large_err)] // The error is the answer itself.
pub(super) fn profile_user(
    chrome: Chrome,
    user: &MaybeUser,
    f: &mut ProfileForm,
    next: &str,
) -> Result<(Chrome, User, Option<TubeError>), Response> {
    match f.refused.take() {
        Some(e) => {
            let u = user.user.clone().ok_or_else(|| login_redirect(next))?;
            Ok((chrome, u, Some(e)))
        }
        None => {
            let (chrome, u) = form_user(chrome, user, f.csrf(), next)?;
            Ok((chrome, u, None))
        }
    }
}

pub(super) async fn account_profile(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    mut f: ProfileForm,
) -> Response {
    let (chrome, u, refused) = match profile_user(chrome, &user, &mut f, "/my-account") {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    let done = async {
        if let Some(e) = refused {
            return Err(e);
        }
        let account = account_id_of(&st, &u).await?;
        // The picture first: a file that is no picture leaves everything as it was.
        if let Some(bytes) = f.pictures.remove("avatar") {
            ruche_tube::profiles::set_picture(
                &st.tube,
                Holder::Account(account),
                PictureKind::Avatar,
                bytes,
            )
            .await?;
        }
        ruche_tube::profiles::update_account(
            &st.tube,
            account,
            f.text("display_name").unwrap_or_default(),
            f.text("description"),
        )
        .await
    }
    .await;
    after_change(chrome, done, "profile-saved", |chrome, e, n| {
        account_view(&st, chrome, &u, e, n)
    })
    .await
}

/// A picture form's user (its CSRF token checked) and file.
pub(super) async fn picture_upload(
    chrome: Chrome,
    user: &MaybeUser,
    multipart: axum::extract::Multipart,
    next: &str,
) -> Result<(Chrome, User, Result<Vec<u8>, TubeError>), Response> {
    let Some(_) = user.user.as_ref() else {
        return Err(login_redirect(next));
    };
    match crate::api::picture_form(multipart, &["file"]).await {
        Ok((fields, mut files)) => {
            let csrf = fields.get("csrf").map(String::as_str).unwrap_or_default();
            let (chrome, u) = form_user(chrome, user, csrf, next)?;
            let file = files
                .remove("file")
                .ok_or_else(|| TubeError::Picture(ruche_pages::images::ImageError::NotAnImage));
            Ok((chrome, u, file))
        }
        // Too large: refused before the form's token could be read, so nothing is changed.
        Err(e) => {
            let (chrome, u) = (
                chrome,
                user.user.clone().ok_or_else(|| login_redirect(next))?,
            );
            Ok((chrome, u, Err(e)))
        }
    }
}

pub(super) async fn account_avatar(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    multipart: axum::extract::Multipart,
) -> Response {
    let (chrome, u, file) = match picture_upload(chrome, &user, multipart, "/my-account").await {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    let done = async {
        let bytes = file?;
        let account = account_id_of(&st, &u).await?;
        ruche_tube::profiles::set_picture(
            &st.tube,
            Holder::Account(account),
            PictureKind::Avatar,
            bytes,
        )
        .await
    }
    .await;
    after_change(chrome, done.map(|_| ()), "picture-saved", |chrome, e, n| {
        account_view(&st, chrome, &u, e, n)
    })
    .await
}

pub(super) async fn remove_account_avatar(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Form(f): Form<CsrfForm>,
) -> Response {
    let (chrome, u) = match form_user(chrome, &user, &f.csrf, "/my-account") {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    let done = async {
        let account = account_id_of(&st, &u).await?;
        ruche_tube::profiles::remove_picture(
            &st.tube,
            Holder::Account(account),
            PictureKind::Avatar,
        )
        .await
    }
    .await;
    after_change(chrome, done, "picture-removed", |chrome, e, n| {
        account_view(&st, chrome, &u, e, n)
    })
    .await
}

#[derive(Deserialize)]
pub(super) struct PasswordForm {
    csrf: String,
    current: String,
    password: String,
}

pub(super) async fn change_password(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    jar: CookieJar,
    Form(f): Form<PasswordForm>,
) -> Response {
    let (chrome, u) = match form_user(chrome, &user, &f.csrf, "/my-account") {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    let cookie = jar.get(SESSION_COOKIE).map(|c| c.value().to_string());
    match accounts::change_password(&st.tube, &u, &f.current, &f.password, cookie.as_deref()).await
    {
        Ok(()) => {
            let notice = Some(chrome.tr.t("account-password-changed"));
            account_view(&st, chrome, &u, None, notice).await
        }
        Err(TubeError::BadRequest(m)) => account_view(&st, chrome, &u, Some(m), None).await,
        Err(e) => error_page(chrome, e),
    }
}

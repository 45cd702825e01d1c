//! A user's own things: the upload page, *My videos* and *My channels* (create, edit the
//! profile, avatar and banner, delete).

use super::account::{ProfileForm, after_change, picture_upload, profile_user};
use super::{
    Chrome, CsrfForm, Moment, Page, error_page, form_user, human_bytes, login_redirect, moment,
    render,
};
use crate::AppState;
use crate::i18n::Tr;
use crate::limits::{self, Kind};
use askama::Template;
use axum::extract::{Path, State};
use axum::handler::Handler;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use ruche_domain::ids::short_uuid;
use ruche_domain::video::{Privacy, VideoState};
use ruche_tube::accounts::User;
use ruche_tube::channels;
use ruche_tube::profiles::{Holder, PictureKind};
use ruche_tube::videos::{ListFilter, Video};
use ruche_tube::{TubeError, accounts, videos};
use serde::Deserialize;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/upload", get(upload_page))
        .route("/my-videos", get(my_videos))
        .route("/my-videos/{id}/delete", post(delete_video))
        .route(
            "/my-videos/{id}/edit",
            get(super::edit::edit_page).post(super::edit::save.layer(limits::body(Kind::Profile))),
        )
        .route("/my-channels", get(channels_page).post(create_channel))
        .route(
            "/my-channels/{id}/profile",
            post(channel_profile).layer(limits::body(Kind::Profile)),
        )
        .route("/my-channels/{id}/delete", post(delete_channel))
        .route(
            "/my-channels/{id}/{which}",
            post(channel_picture).layer(limits::body(Kind::Picture)),
        )
        .route(
            "/my-channels/{id}/{which}/remove",
            post(remove_channel_picture),
        )
}

#[derive(Template)]
#[template(path = "upload.html")]
pub(super) struct Upload {
    chrome: Chrome,
    quota: String,
    channels: Vec<(i64, String)>,
    privacies: Vec<(i64, String)>,
}

pub(super) async fn upload_page(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect("/upload");
    };
    let result = async {
        let room = ruche_tube::quota::room(&st.tube, &u, None).await?;
        let me = accounts::me(&st.tube, u).await?;
        Ok::<_, TubeError>((room, me))
    }
    .await;
    let (room, me) = match result {
        Ok(r) => r,
        Err(e) => return error_page(chrome, e),
    };
    let quota = match room {
        Some(left) => chrome.tr.t1("upload-quota", "left", &human_bytes(left)),
        None => chrome.tr.t("upload-quota-unlimited"),
    };
    let channels = me
        .channels
        .iter()
        .map(|c| (c.id, c.display_name.clone()))
        .collect();
    let privacies = [
        Privacy::Public,
        Privacy::Unlisted,
        Privacy::Internal,
        Privacy::Private,
    ]
    .iter()
    .map(|p| (p.id(), chrome.tr.t(&format!("privacy-{}", p.id()))))
    .collect();
    render(&Upload {
        chrome,
        quota,
        channels,
        privacies,
    })
}

pub(super) struct Row {
    id: i64,
    short_uuid: String,
    name: String,
    thumbnail: Option<String>,
    state: i64,
    state_text: String,
    reason: Option<String>,
    date: Moment,
}

#[derive(Template)]
#[template(path = "my_videos.html")]
pub(super) struct MyVideos {
    chrome: Chrome,
    videos: Vec<Row>,
    processing: bool,
}

pub(super) fn state_text(tr: &Tr, v: &Video) -> String {
    match v.state {
        VideoState::ToTranscode => format!("{} ({} %)", tr.t("state-2"), v.progress),
        s => tr.t(&format!("state-{}", s.id())),
    }
}

pub(super) async fn my_videos(State(st): State<AppState>, Page { chrome, user }: Page) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect("/my-videos");
    };
    let f = ListFilter {
        count: 100,
        newest_first: true,
        ..Default::default()
    };
    let listed = ruche_tube::videos::list_mine(&st.tube, &u, f)
        .await
        .map(|(rows, _)| rows);
    let rows = match listed {
        Ok(r) => r,
        Err(e) => return error_page(chrome, e),
    };
    let processing = rows.iter().any(|v| v.state == VideoState::ToTranscode);
    let videos = rows
        .iter()
        .map(|v| Row {
            id: v.id,
            short_uuid: short_uuid(&v.uuid),
            name: v.name.clone(),
            thumbnail: ruche_tube::playback::pictures(v).0,
            state: v.state.id(),
            state_text: state_text(&chrome.tr, v),
            reason: v.failure_reason.clone(),
            date: moment(&chrome.tr, v.created_at),
        })
        .collect();
    render(&MyVideos {
        chrome,
        videos,
        processing,
    })
}

pub(super) async fn delete_video(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let (chrome, u) = match form_user(chrome, &user, &f.csrf, "/my-videos") {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    match videos::delete(&st.tube, &u, &id.to_string()).await {
        Ok(()) => Redirect::to("/my-videos").into_response(),
        Err(e) => error_page(chrome, e),
    }
}

#[derive(Template)]
#[template(path = "channels.html")]
pub(super) struct Channels {
    chrome: Chrome,
    channels: Vec<ChannelView>,
    error: Option<String>,
    notice: Option<String>,
}

/// One of the user's channels, as its edit form shows it.
pub(super) struct ChannelView {
    id: i64,
    name: String,
    display_name: String,
    description: String,
    support: String,
    avatar: Option<String>,
    banner: Option<String>,
    /// Each kind of picture: its path part, its label, whether it has one.
    pictures: Vec<(&'static str, &'static str, bool)>,
}

pub(super) async fn channels_view(
    st: &AppState,
    chrome: Chrome,
    u: User,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    match accounts::me(&st.tube, u).await {
        Ok(me) => {
            let channels = me
                .channels
                .iter()
                .map(|c| ChannelView {
                    id: c.id,
                    name: c.name.clone(),
                    display_name: c.display_name.clone(),
                    description: c.description.clone().unwrap_or_default(),
                    support: c.support.clone().unwrap_or_default(),
                    avatar: crate::api::picture_path("avatars", c.avatars.as_deref(), 120),
                    banner: crate::api::picture_path("banners", c.banners.as_deref(), 600),
                    pictures: vec![
                        ("avatar", "picture-avatar", c.avatars.is_some()),
                        ("banner", "picture-banner", c.banners.is_some()),
                    ],
                })
                .collect();
            let status = if error.is_some() {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            };
            (
                status,
                render(&Channels {
                    chrome,
                    channels,
                    error,
                    notice,
                }),
            )
                .into_response()
        }
        Err(e) => error_page(chrome, e),
    }
}

pub(super) async fn channels_page(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect("/my-channels");
    };
    channels_view(&st, chrome, u, None, None).await
}

#[derive(Deserialize)]
pub(super) struct ChannelForm {
    csrf: String,
    name: String,
    display_name: String,
    description: Option<String>,
    support: Option<String>,
}

pub(super) async fn create_channel(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Form(f): Form<ChannelForm>,
) -> Response {
    let (chrome, u) = match form_user(chrome, &user, &f.csrf, "/my-channels") {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    let nonempty = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let (d, s) = (nonempty(&f.description), nonempty(&f.support));
    match channels::create(
        &st.tube,
        &u,
        f.name.trim(),
        &f.display_name,
        d.as_deref(),
        s.as_deref(),
    )
    .await
    {
        Ok(_) => {
            let notice = Some(chrome.tr.t("channels-created"));
            channels_view(&st, chrome, u, None, notice).await
        }
        Err(e @ (TubeError::BadRequest(_) | TubeError::Conflict(_))) => {
            channels_view(&st, chrome, u, Some(e.to_string()), None).await
        }
        Err(e) => error_page(chrome, e),
    }
}

#[derive(Deserialize)]
pub(super) struct DeleteChannelForm {
    csrf: String,
    /// The "its videos are deleted too" box.
    confirm: Option<String>,
}

pub(super) async fn delete_channel(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(id): Path<i64>,
    Form(f): Form<DeleteChannelForm>,
) -> Response {
    let (chrome, u) = match form_user(chrome, &user, &f.csrf, "/my-channels") {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    if f.confirm.is_none() {
        let e = Some(chrome.tr.t("channels-delete-confirm-needed"));
        return channels_view(&st, chrome, u, e, None).await;
    }
    match channels::delete(&st.tube, &u, id).await {
        Ok(()) => {
            let notice = Some(chrome.tr.t("channels-deleted"));
            channels_view(&st, chrome, u, None, notice).await
        }
        Err(TubeError::Conflict(_)) => {
            let e = Some(chrome.tr.t("channels-delete-last"));
            channels_view(&st, chrome, u, e, None).await
        }
        Err(e) => error_page(chrome, e),
    }
}

pub(super) fn picture_kind(which: &str) -> Option<PictureKind> {
    match which {
        "avatar" => Some(PictureKind::Avatar),
        "banner" => Some(PictureKind::Banner),
        _ => None,
    }
}

pub(super) async fn channel_profile(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(id): Path<i64>,
    mut f: ProfileForm,
) -> Response {
    let (chrome, u, refused) = match profile_user(chrome, &user, &mut f, "/my-channels") {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    let done = async {
        if let Some(e) = refused {
            return Err(e);
        }
        let ch = channels::owned(&st.tube, &u, id).await?;
        // Pictures first: a file that is no picture leaves everything as it was.
        for (field, kind) in [
            ("avatar", PictureKind::Avatar),
            ("banner", PictureKind::Banner),
        ] {
            if let Some(bytes) = f.pictures.remove(field) {
                ruche_tube::profiles::set_picture(&st.tube, Holder::Channel(ch.id), kind, bytes)
                    .await?;
            }
        }
        ruche_tube::profiles::update_channel(
            &st.tube,
            ch.id,
            f.text("display_name").unwrap_or_default(),
            f.text("description"),
            f.text("support"),
        )
        .await
    }
    .await;
    after_change(chrome, done, "profile-saved", |chrome, e, n| {
        channels_view(&st, chrome, u, e, n)
    })
    .await
}

pub(super) async fn channel_picture(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path((id, which)): Path<(i64, String)>,
    multipart: axum::extract::Multipart,
) -> Response {
    let Some(kind) = picture_kind(&which) else {
        return error_page(chrome, TubeError::NotFound("page"));
    };
    let (chrome, u, file) = match picture_upload(chrome, &user, multipart, "/my-channels").await {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    let done = async {
        let bytes = file?;
        let ch = channels::owned(&st.tube, &u, id).await?;
        ruche_tube::profiles::set_picture(&st.tube, Holder::Channel(ch.id), kind, bytes).await
    }
    .await;
    after_change(chrome, done.map(|_| ()), "picture-saved", |chrome, e, n| {
        channels_view(&st, chrome, u, e, n)
    })
    .await
}

pub(super) async fn remove_channel_picture(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path((id, which)): Path<(i64, String)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let Some(kind) = picture_kind(&which) else {
        return error_page(chrome, TubeError::NotFound("page"));
    };
    let (chrome, u) = match form_user(chrome, &user, &f.csrf, "/my-channels") {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    let done = async {
        let ch = channels::owned(&st.tube, &u, id).await?;
        ruche_tube::profiles::remove_picture(&st.tube, Holder::Channel(ch.id), kind).await
    }
    .await;
    after_change(chrome, done, "picture-removed", |chrome, e, n| {
        channels_view(&st, chrome, u, e, n)
    })
    .await
}

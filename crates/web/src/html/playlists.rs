//! *My playlists*: a user's playlists (made here with a name, a privacy, a channel and a
//! description), one playlist to rename, fill from the watch page's *Save*, reorder and empty
//! with plain forms, and deleted after a question. Playing one is the watch page's
//! (`/w/p/{id}`).

use super::{Chrome, CsrfForm, Page, error_page, form_user, login_redirect, render};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use ruche_domain::ids::short_uuid;
use ruche_domain::playlist::{ElementType, PlaylistKind, PlaylistPrivacy};
use ruche_tube::accounts::User;
use ruche_tube::playlists::{self, ListFilter, Playlist, PlaylistInput, Sort};
use ruche_tube::{TubeError, accounts, channels};
use serde::Deserialize;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/my-playlists", get(list_page).post(create))
        .route("/my-playlists/add", post(add))
        .route("/my-playlists/{id}", get(manage_page).post(update))
        .route("/my-playlists/{id}/delete", post(delete))
        .route(
            "/my-playlists/{id}/elements/{element}/move",
            post(move_element),
        )
        .route(
            "/my-playlists/{id}/elements/{element}/remove",
            post(remove_element),
        )
}

/// A playlist in a list of them.
pub(super) struct Row {
    id: i64,
    short_uuid: String,
    name: String,
    privacy: String,
    videos: i64,
    thumbnail: Option<String>,
    watch_later: bool,
}

/// A choice of a select: its value, its label, whether chosen.
pub(super) struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "my_playlists.html")]
pub(super) struct MyPlaylists {
    chrome: Chrome,
    playlists: Vec<Row>,
    privacies: Vec<Choice>,
    channels: Vec<Choice>,
    error: Option<String>,
}

/// The user's playlists, "Watch later" first, then by name.
pub(super) async fn mine(st: &AppState, u: &User) -> Result<Vec<Playlist>, TubeError> {
    let account = accounts::account_of(&st.tube, u.id).await?;
    let f = ListFilter {
        count: 500,
        sort: Sort::Name,
        ..Default::default()
    };
    let (mut rows, _) = playlists::list_of_account(&st.tube, Some(u), &account, f).await?;
    rows.sort_by_key(|p| p.kind != PlaylistKind::WatchLater);
    Ok(rows)
}

fn privacy_label(chrome: &Chrome, p: PlaylistPrivacy) -> String {
    chrome.tr.t(&format!("playlist-privacy-{}", p.id()))
}

fn privacies(chrome: &Chrome, chosen: PlaylistPrivacy) -> Vec<Choice> {
    PlaylistPrivacy::ALL
        .iter()
        .map(|p| Choice {
            value: p.id().to_string(),
            label: privacy_label(chrome, *p),
            selected: *p == chosen,
        })
        .collect()
}

/// The user's channels as choices, after "no channel".
async fn channel_choices(
    st: &AppState,
    chrome: &Chrome,
    u: &User,
    chosen: Option<i64>,
) -> Result<Vec<Choice>, TubeError> {
    let account = accounts::account_of(&st.tube, u.id).await?;
    let mut out = vec![Choice {
        value: String::new(),
        label: chrome.tr.t("playlist-no-channel"),
        selected: chosen.is_none(),
    }];
    for ch in channels::of_account(&st.tube, account.id).await? {
        out.push(Choice {
            value: ch.id.to_string(),
            label: ch.display_name.clone(),
            selected: chosen == Some(ch.id),
        });
    }
    Ok(out)
}

async fn list_view(st: &AppState, chrome: Chrome, u: &User, error: Option<String>) -> Response {
    let made = async {
        let rows = mine(st, u).await?;
        let pictures = playlists::thumbnails_of(&st.tube, &rows).await?;
        let mut playlists = Vec::with_capacity(rows.len());
        for (p, thumbnail) in rows.iter().zip(pictures) {
            playlists.push(Row {
                id: p.id,
                short_uuid: short_uuid(&p.uuid),
                name: display_name(&chrome, p),
                privacy: privacy_label(&chrome, p.privacy),
                videos: p.videos_length,
                thumbnail,
                watch_later: p.kind == PlaylistKind::WatchLater,
            });
        }
        let channels = channel_choices(st, &chrome, u, None).await?;
        Ok::<_, TubeError>((playlists, channels))
    }
    .await;
    match made {
        Ok((playlists, channels)) => render(&MyPlaylists {
            privacies: privacies(&chrome, PlaylistPrivacy::Private),
            chrome,
            playlists,
            channels,
            error,
        }),
        Err(e) => error_page(chrome, e),
    }
}

/// "Watch later" in the viewer's language; other playlists by their names.
pub(super) fn display_name(chrome: &Chrome, p: &Playlist) -> String {
    if p.kind == PlaylistKind::WatchLater {
        chrome.tr.t("playlist-watch-later")
    } else {
        p.name.clone()
    }
}

async fn list_page(State(st): State<AppState>, Page { chrome, user }: Page) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect("/my-playlists");
    };
    list_view(&st, chrome, &u, None).await
}

#[derive(Deserialize)]
pub(super) struct PlaylistForm {
    csrf: String,
    display_name: String,
    #[serde(default)]
    description: String,
    privacy: String,
    #[serde(default)]
    channel: String,
}

impl PlaylistForm {
    fn input(&self) -> PlaylistInput {
        PlaylistInput {
            display_name: Some(self.display_name.clone()),
            description: Some(self.description.clone()),
            privacy: self.privacy.parse().ok().or(Some(0)),
            channel_id: Some(self.channel.parse().ok()),
        }
    }
}

/// A user's mistake said on the page; anything else is the error page.
fn said(e: &TubeError) -> bool {
    matches!(
        e,
        TubeError::BadRequest(_) | TubeError::Forbidden(_) | TubeError::NotFound(_)
    )
}

async fn create(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Form(f): Form<PlaylistForm>,
) -> Response {
    let (chrome, u) = match form_user(chrome, &user, &f.csrf, "/my-playlists") {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    match playlists::create(&st.tube, &u, f.input(), None).await {
        Ok(p) => Redirect::to(&format!("/my-playlists/{}", p.id)).into_response(),
        Err(e) if said(&e) => list_view(&st, chrome, &u, Some(e.to_string())).await,
        Err(e) => error_page(chrome, e),
    }
}

/// An element as the manage page lists it.
pub(super) struct ElementRow {
    id: i64,
    position: i64,
    name: String,
    link: Option<String>,
    thumbnail: Option<String>,
}

#[derive(Template)]
#[template(path = "my_playlist.html")]
pub(super) struct Manage {
    chrome: Chrome,
    id: i64,
    short_uuid: String,
    name: String,
    description: String,
    watch_later: bool,
    privacies: Vec<Choice>,
    channels: Vec<Choice>,
    elements: Vec<ElementRow>,
    last: i64,
    error: Option<String>,
}

/// One of the user's playlists, or the answer that says why not.
async fn owned(st: &AppState, u: &User, id: i64) -> Result<Playlist, TubeError> {
    let p = playlists::find(&st.tube, &id.to_string()).await?;
    if p.user_id != Some(u.id) {
        return Err(TubeError::NotFound("video playlist"));
    }
    Ok(p)
}

async fn manage_view(
    st: &AppState,
    chrome: Chrome,
    u: &User,
    id: i64,
    error: Option<String>,
) -> Response {
    let made = async {
        let p = owned(st, u, id).await?;
        let (_, rows, _) = playlists::elements(
            &st.tube,
            Some(u),
            &p.id.to_string(),
            0,
            ruche_domain::playlist::MAX_ELEMENTS,
        )
        .await?;
        let elements = rows
            .iter()
            .map(|e| {
                let (name, link, thumbnail) = match (&e.video, e.kind) {
                    (Some(v), ElementType::Regular) => (
                        v.name.clone(),
                        Some(format!("/w/{}", short_uuid(&v.uuid))),
                        ruche_tube::playback::pictures(v).0,
                    ),
                    (_, ElementType::Deleted) => {
                        (chrome.tr.t("playlist-deleted-video"), None, None)
                    }
                    _ => (chrome.tr.t("playlist-private-video"), None, None),
                };
                ElementRow {
                    id: e.element.id,
                    position: e.element.position,
                    name,
                    link,
                    thumbnail,
                }
            })
            .collect::<Vec<_>>();
        let channels = channel_choices(st, &chrome, u, p.channel_id).await?;
        Ok::<_, TubeError>((p, elements, channels))
    }
    .await;
    match made {
        Ok((p, elements, channels)) => render(&Manage {
            id: p.id,
            short_uuid: short_uuid(&p.uuid),
            name: display_name(&chrome, &p),
            description: p.description.clone().unwrap_or_default(),
            watch_later: p.kind == PlaylistKind::WatchLater,
            privacies: privacies(&chrome, p.privacy),
            channels,
            last: elements.len() as i64,
            elements,
            error,
            chrome,
        }),
        Err(e) => error_page(chrome, e),
    }
}

async fn manage_page(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(id): Path<i64>,
) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect(&format!("/my-playlists/{id}"));
    };
    manage_view(&st, chrome, &u, id, None).await
}

async fn update(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(id): Path<i64>,
    Form(f): Form<PlaylistForm>,
) -> Response {
    let back = format!("/my-playlists/{id}");
    let (chrome, u) = match form_user(chrome, &user, &f.csrf, &back) {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    match playlists::update(&st.tube, &u, &id.to_string(), f.input(), None).await {
        Ok(()) => Redirect::to(&back).into_response(),
        Err(e) if said(&e) => manage_view(&st, chrome, &u, id, Some(e.to_string())).await,
        Err(e) => error_page(chrome, e),
    }
}

async fn delete(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let (chrome, u) = match form_user(chrome, &user, &f.csrf, "/my-playlists") {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    match playlists::delete(&st.tube, &u, &id.to_string()).await {
        Ok(()) => Redirect::to("/my-playlists").into_response(),
        Err(e) => error_page(chrome, e),
    }
}

#[derive(Deserialize)]
pub(super) struct MoveForm {
    csrf: String,
    /// `up` or `down`.
    to: String,
}

/// Moves an element one place up or down.
async fn move_element(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path((id, element)): Path<(i64, i64)>,
    Form(f): Form<MoveForm>,
) -> Response {
    let back = format!("/my-playlists/{id}");
    let (chrome, u) = match form_user(chrome, &user, &f.csrf, &back) {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    let moved = playlists::move_element(&st.tube, &u, &id.to_string(), element, f.to == "up").await;
    match moved {
        Ok(()) => Redirect::to(&format!("{back}#element-{element}")).into_response(),
        Err(e) => error_page(chrome, e),
    }
}

async fn remove_element(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path((id, element)): Path<(i64, i64)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let back = format!("/my-playlists/{id}");
    let (chrome, u) = match form_user(chrome, &user, &f.csrf, &back) {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    match playlists::remove_element(&st.tube, &u, &id.to_string(), element).await {
        Ok(()) => Redirect::to(&back).into_response(),
        Err(e) => error_page(chrome, e),
    }
}

#[derive(Deserialize)]
pub(super) struct AddForm {
    csrf: String,
    playlist: i64,
    /// The video's UUID.
    video: String,
}

/// The watch page's *Save*: the video at the end of one of the user's playlists, then back to
/// the video.
async fn add(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Form(f): Form<AddForm>,
) -> Response {
    let back = format!("/w/{}", short_uuid(&f.video));
    let (chrome, u) = match form_user(chrome, &user, &f.csrf, &back) {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    match playlists::add_video(&st.tube, &u, &f.playlist.to_string(), &f.video, None, None).await {
        Ok(_) => Redirect::to(&format!("{back}?saved={}", f.playlist)).into_response(),
        Err(e) => error_page(chrome, e),
    }
}

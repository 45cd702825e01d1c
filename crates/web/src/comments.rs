//! Comments under a video on its watch page: the newest threads with their replies, drawn by
//! the server (a comment from Mastodon or PeerTube reads like one of ours), and the forms to
//! comment, reply and delete, which need no script.

use crate::AppState;
use crate::pages::{Chrome, CsrfForm, Page, date, error_page, form_user, markdown, short};
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use ruche_store::comments::Comment;
use ruche_store::users::{self as ustore, User};
use ruche_store::videos::Video;
use ruche_tube::{TubeError, TubeResult, comments};
use serde::Deserialize;

/// The threads a watch page shows; the API pages through the rest.
const THREADS: i64 = 20;

/// One comment as the page draws it.
pub struct CommentView {
    pub id: i64,
    pub author: String,
    pub handle: String,
    pub author_url: String,
    pub avatar: Option<String>,
    pub date: String,
    /// Sanitised HTML; empty for a deleted comment.
    pub html: String,
    pub deleted: bool,
    /// Whether the viewer may delete it (its author, the video's owner, a moderator).
    pub deletable: bool,
}

/// A thread: its first comment and its replies, oldest first.
pub struct ThreadView {
    pub first: CommentView,
    pub replies: Vec<CommentView>,
}

/// The comments part of a watch page.
pub struct CommentsView {
    pub enabled: bool,
    /// Comments not deleted.
    pub count: i64,
    pub threads: Vec<ThreadView>,
    /// Whether the viewer may write (logged in, comments enabled).
    pub can_post: bool,
    /// Where the forms post (`/w/<shortUUID>/comments`).
    pub action: String,
}

async fn view_of(
    st: &AppState,
    c: &Comment,
    viewer: Option<&User>,
    viewer_account: Option<i64>,
    video: &Video,
) -> TubeResult<CommentView> {
    let a = {
        let mut conn = st.tube.store.read().await?;
        ustore::account_by_id(conn.ex(), c.account_id).await?
    };
    let host = a.host.clone().unwrap_or_else(|| st.tube.settings.host());
    let handle = format!("{}@{host}", a.name);
    let author_url = match &a.host {
        Some(_) => format!("/a/{handle}"),
        None => format!("/a/{}", a.name),
    };
    let moderator = viewer.is_some_and(|u| {
        ruche_domain::user::Role::from_id(u.role)
            .is_some_and(|r| r != ruche_domain::user::Role::User)
    });
    let owns_video = viewer.is_some_and(|u| Some(u.id) == video.user_id);
    let deleted = c.deleted_at.is_some();
    Ok(CommentView {
        id: c.id,
        author: a.display_name.clone(),
        handle,
        author_url,
        avatar: crate::api::picture_path("avatars", a.avatars.as_deref(), 48),
        date: date(c.created_at),
        html: if deleted {
            String::new()
        } else {
            markdown(&c.text)
        },
        deleted,
        deletable: !deleted && (viewer_account == Some(c.account_id) || owns_video || moderator),
    })
}

/// The comments of `video` as `viewer` sees them.
pub async fn view(st: &AppState, video: &Video, viewer: Option<&User>) -> TubeResult<CommentsView> {
    let (_, firsts, _, count) =
        comments::threads(&st.tube, viewer, &video.uuid, 0, THREADS).await?;
    let viewer_account = match viewer {
        Some(u) => {
            let mut c = st.tube.store.read().await?;
            Some(ustore::account_of_user(c.ex(), u.id).await?.id)
        }
        None => None,
    };
    let mut threads = Vec::new();
    for first in &firsts {
        let replies = if first.replies > 0 {
            comments::thread(&st.tube, viewer, &video.uuid, first.id)
                .await?
                .into_iter()
                .skip(1)
                .collect()
        } else {
            Vec::new()
        };
        let mut reply_views = Vec::new();
        for r in &replies {
            reply_views.push(view_of(st, r, viewer, viewer_account, video).await?);
        }
        threads.push(ThreadView {
            first: view_of(st, first, viewer, viewer_account, video).await?,
            replies: reply_views,
        });
    }
    Ok(CommentsView {
        enabled: video.comments_enabled,
        count,
        threads,
        can_post: viewer.is_some() && video.comments_enabled,
        action: format!("/w/{}/comments", short(&video.uuid)),
    })
}

#[derive(Deserialize)]
pub struct CommentForm {
    csrf: String,
    text: String,
    parent: Option<i64>,
}

/// `POST /w/{id}/comments`: a new thread, or a reply to `parent`; back to the comment.
pub async fn post(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(id): Path<String>,
    Form(f): Form<CommentForm>,
) -> Response {
    let back = format!("/w/{id}");
    let (chrome, u) = match form_user(chrome, &user, &f.csrf, &back) {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    match comments::add(&st.tube, &u, &id, f.parent, &f.text).await {
        Ok(c) => Redirect::to(&format!("{back}#comment-{}", c.id)).into_response(),
        Err(e) => refused(chrome, e),
    }
}

/// `POST /w/{id}/comments/{comment}/delete`.
pub async fn delete(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path((id, comment)): Path<(String, i64)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let back = format!("/w/{id}");
    let (chrome, u) = match form_user(chrome, &user, &f.csrf, &back) {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    match comments::delete(&st.tube, &u, &id, comment).await {
        Ok(()) => Redirect::to(&format!("{back}#comments")).into_response(),
        Err(e) => refused(chrome, e),
    }
}

/// A refused comment, said in the viewer's language.
fn refused(chrome: Chrome, e: TubeError) -> Response {
    let key = match &e {
        TubeError::BadRequest(_) => "comments-invalid",
        TubeError::Conflict(_) => "comments-disabled",
        _ => return error_page(chrome, e),
    };
    let msg = chrome.tr.t(key);
    error_page(chrome, TubeError::BadRequest(msg))
}

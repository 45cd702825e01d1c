//! Comments under a video on its watch page: the newest threads with their replies, drawn by
//! the server (a comment from Mastodon or PeerTube reads like one of ours), and the forms to
//! comment, reply and delete, which need no script.

use crate::AppState;
use crate::pages::{
    Chrome, CsrfForm, Moment, Page, error_page, form_user, markdown, moment, short,
};
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use ruche_store::comments::Comment;
use ruche_store::users::{self as ustore, User};
use ruche_store::videos::Video;
use ruche_tube::{TubeError, TubeResult, comments};
use serde::Deserialize;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// The threads a watch page shows; the API pages through the rest.
const THREADS: i64 = 20;

/// One comment as the page draws it.
pub struct CommentView {
    pub id: i64,
    pub author: String,
    pub handle: String,
    pub author_url: String,
    pub avatar: Option<String>,
    pub date: Moment,
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

/// Who is looking: what they may do to comments.
struct Viewer {
    account: Option<i64>,
    /// A moderator, or the video's owner: may delete any comment under it.
    may_delete_any: bool,
}

fn view_of(
    st: &AppState,
    tr: &crate::i18n::Tr,
    c: &Comment,
    a: &ustore::Account,
    viewer: &Viewer,
) -> CommentView {
    let host = a.host.clone().unwrap_or_else(|| st.tube.settings.host());
    let handle = format!("{}@{host}", a.name);
    let author_url = match &a.host {
        Some(_) => format!("/a/{handle}"),
        None => format!("/a/{}", a.name),
    };
    let deleted = c.deleted_at.is_some();
    CommentView {
        id: c.id,
        author: a.display_name.clone(),
        handle,
        author_url,
        avatar: crate::api::picture_path("avatars", a.avatars.as_deref(), 48),
        date: moment(tr, c.created_at),
        html: if deleted {
            String::new()
        } else {
            markdown(&c.text)
        },
        deleted,
        deletable: !deleted && (viewer.account == Some(c.account_id) || viewer.may_delete_any),
    }
}

/// The comments of `video` (which `viewer` may see) as `viewer` sees them.
pub async fn view(
    st: &AppState,
    tr: &crate::i18n::Tr,
    video: &Video,
    viewer: Option<&User>,
) -> TubeResult<CommentsView> {
    let (found, count) = comments::threads_with_replies(&st.tube, video, THREADS).await?;
    let mut conn = st.tube.store.read().await?;
    let who = Viewer {
        account: match viewer {
            Some(u) => Some(ustore::account_of_user(conn.ex(), u.id).await?.id),
            None => None,
        },
        may_delete_any: viewer.is_some_and(|u| {
            Some(u.id) == video.user_id
                || ruche_domain::user::Role::from_id(u.role)
                    .is_some_and(|r| r != ruche_domain::user::Role::User)
        }),
    };
    // Each author read once, however many comments they wrote.
    let mut authors: HashMap<i64, ustore::Account> = HashMap::new();
    let mut threads = Vec::with_capacity(found.len());
    for (first, replies) in &found {
        let mut views = Vec::with_capacity(replies.len() + 1);
        for c in std::iter::once(first).chain(replies) {
            let a = match authors.entry(c.account_id) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => e.insert(ustore::account_by_id(conn.ex(), c.account_id).await?),
            };
            views.push(view_of(st, tr, c, a, &who));
        }
        let first = views.remove(0);
        threads.push(ThreadView {
            first,
            replies: views,
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

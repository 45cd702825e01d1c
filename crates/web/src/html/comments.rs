//! Comments under a video on its watch page: the newest threads with their replies, drawn by
//! the server (a comment from Mastodon or PeerTube reads like one of ours), and the forms to
//! comment, reply and delete, which need no script.

use crate::AppState;
use crate::html::{Chrome, CsrfForm, Moment, Page, error_page, markdown, moment, on_form};
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use ruche_domain::ids::short_uuid;
use ruche_tube::accounts::{Account, User};
use ruche_tube::comments::{self, Comment};
use ruche_tube::videos::Video;
use ruche_tube::{TubeError, TubeResult};
use serde::Deserialize;

/// The threads a watch page shows; the API pages through the rest.
const THREADS: i64 = 20;

/// The replies a watch page shows per thread: the newest (where one just written lands), said
/// how many came before them. A page never draws more than `THREADS × (1 + REPLIES)` comments,
/// each at most `comments::MAX_TEXT` characters, however long the threads are.
const REPLIES: i64 = 20;

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
    /// Waiting for the video owner's approval: only its author, the owner and moderators see it.
    pub held: bool,
    /// Whether the viewer may approve it (held, under our video, the owner or a moderator).
    pub approvable: bool,
    /// Whether the viewer may report it (logged in, someone else's, shown to all).
    pub reportable: bool,
}

/// A thread: its first comment and its newest replies, oldest first.
pub struct ThreadView {
    pub first: CommentView,
    pub replies: Vec<CommentView>,
    /// The earlier replies not shown.
    pub earlier: i64,
}

/// The comments part of a watch page.
pub struct CommentsView {
    pub enabled: bool,
    /// Comments wait for the owner's approval (said above the form).
    pub held: bool,
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
    /// May approve the comments held under it (the same, under one of our videos).
    may_approve: bool,
}

fn view_of(
    st: &AppState,
    tr: &crate::i18n::Tr,
    c: &Comment,
    a: &Account,
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
            markdown(&tame_nesting(within_max_text(&c.text)))
        },
        deleted,
        deletable: !deleted && (viewer.account == Some(c.account_id) || viewer.may_delete_any),
        held: c.held_for_review && !deleted,
        approvable: c.held_for_review && !deleted && viewer.may_approve,
        reportable: !deleted
            && !c.held_for_review
            && viewer.account.is_some_and(|me| me != c.account_id),
    }
}

/// `text` cut to the longest comment PeerTube accepts, before it is rendered: what is stored
/// was checked on the way in, but the page does not rely on that alone.
fn within_max_text(text: &str) -> &str {
    ruche_domain::text::prefix_chars(text, comments::MAX_TEXT)
}

/// The most blocks (quotes, lists) a line of a comment opens inside one another. Each marker at
/// the start of a line (`>`, `-`, `1.`) opens one, and the HTML cleaner's work grows with the
/// square of the nesting: 10,000 `>` took 0.4 s to draw, and a page draws hundreds of comments.
const MAX_NESTING: usize = 8;

/// `text` with no line opening more than [`MAX_NESTING`] blocks: the marker past them is escaped
/// (`\>`), so that it and the rest of its line read as text. A line of a code block that starts
/// with that many markers shows the backslash; nothing else changes.
fn tame_nesting(text: &str) -> std::borrow::Cow<'_, str> {
    /// Where the marker past the allowed ones starts in `line`, if there is one.
    fn excess(line: &str) -> Option<usize> {
        let b = line.as_bytes();
        let (mut i, mut markers) = (0, 0);
        loop {
            while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
                i += 1;
            }
            let end = match b.get(i) {
                Some(b'>') => i + 1,
                Some(b'-' | b'+' | b'*') => i + 1,
                Some(c) if c.is_ascii_digit() => {
                    let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
                    match b.get(i + digits) {
                        Some(b'.' | b')') if digits <= 9 => i + digits + 1,
                        _ => return None,
                    }
                }
                _ => return None,
            };
            // A list marker is followed by a space or the end of the line; `>` by anything.
            if b[i] != b'>' && !matches!(b.get(end), None | Some(b' ' | b'\t' | b'\r' | b'\n')) {
                return None;
            }
            if markers == MAX_NESTING {
                // The escape goes before the marker's punctuation (after an ordered one's digits).
                return Some(end - 1);
            }
            markers += 1;
            i = end;
        }
    }
    if !text.lines().any(|l| excess(l).is_some()) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        match excess(line) {
            Some(at) => {
                out.push_str(&line[..at]);
                out.push('\\');
                out.push_str(&line[at..]);
            }
            None => out.push_str(line),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The comments of `video` (which `viewer` may see) as `viewer` sees them.
pub async fn view(
    st: &AppState,
    tr: &crate::i18n::Tr,
    video: &Video,
    viewer: Option<&User>,
) -> TubeResult<CommentsView> {
    let shown = comments::shown_to(&st.tube, video, viewer).await?;
    let (found, count) =
        comments::threads_with_replies(&st.tube, video, shown, THREADS, REPLIES).await?;
    let may_delete_any = viewer
        .is_some_and(|u| Some(u.id) == video.user_id || u.role != ruche_domain::user::Role::User);
    let who = Viewer {
        account: match viewer {
            Some(u) => Some(ruche_tube::accounts::account_of(&st.tube, u.id).await?.id),
            None => None,
        },
        may_delete_any,
        may_approve: may_delete_any && video.is_local(),
    };
    let all: Vec<&Comment> = found
        .iter()
        .flat_map(|(first, replies)| std::iter::once(first).chain(replies))
        .collect();
    let authors = comments::authors(&st.tube, all).await?;
    let mut threads = Vec::with_capacity(found.len());
    for (first, replies) in &found {
        let mut views = Vec::with_capacity(replies.len() + 1);
        for c in std::iter::once(first).chain(replies) {
            let a = authors
                .get(&c.account_id)
                .ok_or(TubeError::NotFound("account"))?;
            views.push(view_of(st, tr, c, a, &who));
        }
        let earlier = (first.replies - replies.len() as i64).max(0);
        let first = views.remove(0);
        threads.push(ThreadView {
            first,
            replies: views,
            earlier,
        });
    }
    Ok(CommentsView {
        enabled: video.comments_policy.accepts(),
        held: video.comments_policy.holds(),
        count,
        threads,
        can_post: viewer.is_some() && video.comments_policy.accepts(),
        action: format!("/w/{}/comments", short_uuid(&video.uuid)),
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
    on_form(
        chrome,
        &user,
        &format!("/w/{id}"),
        &f.csrf,
        refused,
        async |u| {
            let c = comments::add(&st.tube, u, &id, f.parent, &f.text, None).await?;
            Ok(format!("#comment-{}", c.id))
        },
    )
    .await
}

/// `POST /w/{id}/comments/{comment}/approve`: the owner (or a moderator) approves a comment
/// held for review; back to it.
pub async fn approve(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path((id, comment)): Path<(String, i64)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    on_form(
        chrome,
        &user,
        &format!("/w/{id}"),
        &f.csrf,
        error_page,
        async |u| {
            let c = comments::approve(&st.tube, u, &id, comment).await?;
            Ok(format!("#comment-{}", c.id))
        },
    )
    .await
}

/// `POST /w/{id}/comments/{comment}/delete`.
pub async fn delete(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path((id, comment)): Path<(String, i64)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    on_form(
        chrome,
        &user,
        &format!("/w/{id}"),
        &f.csrf,
        refused,
        async |u| {
            comments::delete(&st.tube, u, &id, comment).await?;
            Ok("#comments".to_string())
        },
    )
    .await
}

/// A refused comment, said in the viewer's language.
fn refused(chrome: Chrome, e: TubeError) -> Response {
    let key = match &e {
        TubeError::BadRequest(m) if m == comments::TOO_DEEP => "comments-too-deep",
        TubeError::BadRequest(_) => "comments-invalid",
        TubeError::Conflict(_) => "comments-disabled",
        TubeError::TooManyRequests { retry_after_secs } => {
            // 429 with its `Retry-After`, said in the viewer's language.
            let minutes = retry_after_secs.div_ceil(60).max(1);
            let msg = chrome.tr.t1("comments-too-many", "minutes", &minutes);
            let mut res = error_page(chrome, TubeError::BadRequest(msg));
            *res.status_mut() = crate::error::status_of(&e);
            crate::error::set_retry_after(&mut res, &e);
            return res;
        }
        _ => return error_page(chrome, e),
    };
    let msg = chrome.tr.t(key);
    error_page(chrome, TubeError::BadRequest(msg))
}

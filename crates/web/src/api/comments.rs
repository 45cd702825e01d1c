//! Comment threads on the API, in PeerTube's shapes: `VideoCommentThreads` lists,
//! `VideoCommentThreadTree` for one thread, `{comment}` for what was just written.

use super::body::Body;
use super::{account_json, videos::Paging};
use crate::AppState;
use crate::auth::{ApiUser, MaybeUser, VideoPassword};
use crate::error::ApiResult;
use axum::Json;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use ruche_domain::time::iso;
use ruche_domain::urls;
use ruche_tube::accounts::Account;
use ruche_tube::autotags::Owner;
use ruche_tube::comments::{self, Comment};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

/// The accounts of comments' authors, by account id.
type Authors = HashMap<i64, Account>;

/// How deep the thread tree nests (its first comment is at 0). A reply deeper than this is
/// listed, in order, among the children of its ancestor at this depth; its
/// `inReplyToCommentId` still names the comment it answers. The tree stays shallow whatever the
/// thread holds: it is built, serialised and dropped without a stack that grows with its depth.
pub const TREE_DEPTH: usize = 10;

/// PeerTube's `VideoComment`, its author's account from `authors`.
fn comment_json(st: &AppState, authors: &Authors, video_uuid: &str, c: &Comment) -> Value {
    let (base, host) = (&st.tube.settings.public_url, st.tube.settings.host());
    let deleted = c.deleted_at.is_some();
    let account = match authors.get(&c.account_id) {
        Some(a) if !deleted => account_json(base, &host, a),
        _ => Value::Null,
    };
    json!({
        "id": c.id,
        "url": c.url.clone().unwrap_or_else(|| urls::comment(base, video_uuid, c.id)),
        "text": c.text,
        "threadId": c.thread_id.unwrap_or(c.id),
        "inReplyToCommentId": c.in_reply_to_id,
        "videoId": c.video_id,
        "createdAt": iso(c.created_at),
        "updatedAt": iso(c.updated_at),
        "deletedAt": c.deleted_at.map(iso),
        "isDeleted": deleted,
        "heldForReview": c.held_for_review,
        "totalRepliesFromVideoAuthor": 0,
        "totalReplies": c.replies,
        "account": account,
    })
}

/// What was just written, as `{comment}`.
async fn written(st: &AppState, video: &str, comment: &Comment) -> ApiResult<Json<Value>> {
    let v = ruche_tube::videos::find(&st.tube, video).await?;
    let authors = comments::authors(&st.tube, [comment]).await?;
    Ok(Json(
        json!({ "comment": comment_json(st, &authors, &v.uuid, comment) }),
    ))
}

/// `GET /api/v1/videos/{id}/comment-threads`.
pub async fn threads(
    State(st): State<AppState>,
    user: MaybeUser,
    password: VideoPassword,
    Path(id): Path<String>,
    Query(p): Query<Paging>,
) -> ApiResult<Json<Value>> {
    let f = p.filter()?;
    let (v, rows, total, visible) = comments::threads(
        &st.tube,
        user.user.as_ref(),
        &id,
        f.start,
        f.count,
        password.get(),
    )
    .await?;
    // A deleted comment shows no author: only the others' authors are read.
    let shown: Vec<&Comment> = rows.iter().filter(|c| c.deleted_at.is_none()).collect();
    let authors = comments::authors(&st.tube, shown).await?;
    let data: Vec<Value> = rows
        .iter()
        .map(|c| comment_json(&st, &authors, &v.uuid, c))
        .collect();
    Ok(Json(
        json!({ "total": total, "totalNotDeletedComments": visible, "data": data }),
    ))
}

/// `GET /api/v1/videos/{id}/comment-threads/{threadId}`: the thread as a tree, from its first
/// comment and its oldest replies (`comments::THREAD_REPLIES`), nested at most [`TREE_DEPTH`]
/// deep.
pub async fn thread(
    State(st): State<AppState>,
    user: MaybeUser,
    password: VideoPassword,
    Path((id, thread_id)): Path<(String, i64)>,
) -> ApiResult<Json<Value>> {
    let v =
        ruche_tube::videos::find_visible_with(&st.tube, &id, user.user.as_ref(), password.get())
            .await?;
    let all =
        comments::thread(&st.tube, user.user.as_ref(), &id, thread_id, password.get()).await?;
    let shown: Vec<&Comment> = all.iter().filter(|c| c.deleted_at.is_none()).collect();
    let authors = comments::authors(&st.tube, shown).await?;
    let nodes = all
        .iter()
        .map(|c| Node {
            id: c.id,
            parent: c.in_reply_to_id,
            comment: comment_json(&st, &authors, &v.uuid, c),
        })
        .collect();
    Ok(Json(tree(thread_id, nodes, TREE_DEPTH)))
}

/// One comment of a thread, for [`tree`].
struct Node {
    id: i64,
    parent: Option<i64>,
    comment: Value,
}

/// PeerTube's `VideoCommentThreadTree` of the thread whose first comment is `root`: each comment
/// as `{"comment", "children"}`, children oldest first. A comment deeper than `max_depth` goes
/// among the children of its ancestor at `max_depth`; one whose parent is not in `nodes` is
/// left out, as PeerTube leaves out what it cannot place. No recursion: the depths come from
/// one pass from the root down, the JSON from one pass from the leaves up, and `nodes` may be
/// in any order.
fn tree(root: i64, nodes: Vec<Node>, max_depth: usize) -> Value {
    let index: HashMap<i64, usize> = nodes.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
    let Some(&top) = index.get(&root) else {
        return json!({ "comment": Value::Null, "children": [] });
    };
    let mut replies: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        if let Some(p) = n.parent.and_then(|p| index.get(&p)).filter(|&&p| p != i) {
            replies[*p].push(i);
        }
    }
    // From the root down, breadth first: each comment's depth, and `holder`, the comment whose
    // children its own replies join (itself, or past `max_depth` its ancestor at `max_depth`).
    let mut order = vec![top];
    let mut depth = vec![usize::MAX; nodes.len()];
    let mut holder = vec![usize::MAX; nodes.len()];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    depth[top] = 0;
    holder[top] = top;
    let mut next = 0;
    while let Some(&at) = order.get(next) {
        next += 1;
        for &r in &replies[at] {
            if depth[r] != usize::MAX {
                continue;
            }
            depth[r] = depth[at] + 1;
            holder[r] = if depth[r] <= max_depth { r } else { holder[at] };
            children[holder[at]].push(r);
            order.push(r);
        }
    }
    // Every comment placed is later in `order` than its holder: from the end, each one's
    // children are made before it.
    let mut comments: Vec<Option<Value>> = nodes.into_iter().map(|n| Some(n.comment)).collect();
    let mut made: Vec<Option<Value>> = vec![None; comments.len()];
    for &i in order.iter().rev() {
        let mut kids = std::mem::take(&mut children[i]);
        kids.sort_unstable();
        let kids: Vec<Value> = kids.into_iter().filter_map(|k| made[k].take()).collect();
        made[i] = Some(json!({ "comment": comments[i].take(), "children": kids }));
    }
    made[top].take().unwrap_or(Value::Null)
}

#[derive(Deserialize)]
pub struct NewComment {
    text: String,
}

/// `POST /api/v1/videos/{id}/comment-threads`: a new thread.
pub async fn add_thread(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    password: VideoPassword,
    Path(id): Path<String>,
    Body(c): Body<NewComment>,
) -> ApiResult<Json<Value>> {
    let comment = comments::add(&st.tube, &u, &id, None, &c.text, password.get()).await?;
    written(&st, &id, &comment).await
}

/// `POST /api/v1/videos/{id}/comments/{commentId}`: a reply.
pub async fn reply(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    password: VideoPassword,
    Path((id, parent)): Path<(String, i64)>,
    Body(c): Body<NewComment>,
) -> ApiResult<Json<Value>> {
    let comment = comments::add(&st.tube, &u, &id, Some(parent), &c.text, password.get()).await?;
    written(&st, &id, &comment).await
}

/// `DELETE /api/v1/videos/{id}/comments/{commentId}`: 204.
pub async fn delete(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path((id, comment)): Path<(String, i64)>,
) -> ApiResult<StatusCode> {
    comments::delete(&st.tube, &u, &id, comment).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/videos/{id}/comments/{commentId}/approve`: the video's owner (or a moderator)
/// approves a comment held for review; 204.
pub async fn approve(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path((id, comment)): Path<(String, i64)>,
) -> ApiResult<StatusCode> {
    comments::approve(&st.tube, &u, &id, comment).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What a list of recent comments takes (PeerTube's `GET /videos/comments` and
/// `/users/me/videos/comments`), beside its page.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecentQuery {
    search: Option<String>,
    search_account: Option<String>,
    search_video: Option<String>,
    video_id: Option<String>,
    video_channel_id: Option<String>,
    on_local_video: Option<String>,
    is_held_for_review: Option<String>,
    #[serde(flatten)]
    paging: Paging,
}

/// The values of the list parameter `name` in the query `raw` (`name=a&name=b`, `name[]=a`…):
/// at most 100, each 1 to 100 characters (else a 400 naming it).
pub(crate) fn list_param(raw: Option<&str>, name: &str) -> ApiResult<Vec<String>> {
    let mut out = Vec::new();
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        if super::body::list_key(&k) != name {
            continue;
        }
        if out.len() == 100 || v.is_empty() || v.chars().count() > 100 {
            return Err(ruche_tube::TubeError::BadRequest(format!(
                "Incorrect request parameters: {name}"
            ))
            .into());
        }
        out.push(v.into_owned());
    }
    Ok(out)
}

impl RecentQuery {
    fn filter(&self) -> ApiResult<comments::RecentFilter> {
        let bad = |name: &str| -> crate::error::ApiError {
            ruche_tube::TubeError::BadRequest(format!("Incorrect request parameters: {name}"))
                .into()
        };
        let id = |v: &Option<String>, name: &str| -> ApiResult<Option<i64>> {
            v.as_deref()
                .map(|s| {
                    s.parse::<i64>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| bad(name))
                })
                .transpose()
        };
        let text = |v: &Option<String>| v.as_deref().map(|s| s.chars().take(100).collect());
        // `isLocal` is read with the page, as every list reads it.
        let page = self.paging.filter()?;
        Ok(comments::RecentFilter {
            on_videos_of_account: None,
            video_id: id(&self.video_id, "videoId")?,
            channel_id: id(&self.video_channel_id, "videoChannelId")?,
            is_local: page.is_local,
            on_local_video: match self.on_local_video.as_deref() {
                Some(v) => super::videos::query_flag(v, "onLocalVideo")?,
                None => None,
            },
            held_for_review: match self.is_held_for_review.as_deref() {
                Some(v) => super::videos::query_flag(v, "isHeldForReview")?,
                None => None,
            },
            auto_tags_one_of: Vec::new(),
            auto_tags_of: None,
            search: text(&self.search),
            search_account: text(&self.search_account),
            search_video: text(&self.search_video),
            oldest_first: !self.paging.newest_first()?,
            start: page.start,
            count: page.count,
        })
    }
}

/// PeerTube's `VideoCommentForAdminOrUser` list: each comment with its author, the video it
/// is under and its automatic tags (the user's own on their videos, the instance's for
/// moderators), filtered by `autoTagOneOf` of those.
async fn recent(
    st: &AppState,
    user: &ruche_tube::accounts::User,
    mine: bool,
    q: &RecentQuery,
    raw: Option<&str>,
) -> ApiResult<Json<Value>> {
    let mut f = q.filter()?;
    let tagger = if mine {
        Owner::Account(
            ruche_tube::accounts::account_of(&st.tube, user.id)
                .await?
                .id,
        )
    } else {
        Owner::Instance
    };
    f.auto_tags_one_of = list_param(raw, "autoTagOneOf")?;
    f.auto_tags_of = match tagger {
        Owner::Account(id) => Some(id),
        Owner::Instance => None,
    };
    let (rows, videos, total) = comments::recent(&st.tube, user, mine, f).await?;
    let authors = comments::authors(&st.tube, &rows).await?;
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let tags = ruche_tube::autotags::comment_tags(&st.tube, tagger, &ids).await?;
    let (base, host) = (&st.tube.settings.public_url, st.tube.settings.host());
    let data: Vec<Value> = rows
        .iter()
        .filter_map(|c| {
            let v = videos.get(&c.video_id)?;
            Some(json!({
                "id": c.id,
                "url": c.url.clone().unwrap_or_else(|| urls::comment(base, &v.uuid, c.id)),
                "text": c.text,
                "heldForReview": c.held_for_review,
                "threadId": c.thread_id.unwrap_or(c.id),
                "inReplyToCommentId": c.in_reply_to_id,
                "createdAt": iso(c.created_at),
                "updatedAt": iso(c.updated_at),
                "account": authors.get(&c.account_id).map(|a| account_json(base, &host, a)),
                "video": { "id": v.id, "uuid": v.uuid, "name": v.name },
                "automaticTags": tags.get(&c.id).cloned().unwrap_or_default(),
            }))
        })
        .collect();
    Ok(Json(json!({ "total": total, "data": data })))
}

/// `GET /api/v1/videos/comments`: the instance's comments, newest first, for moderators.
pub async fn instance_comments(
    State(st): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<RecentQuery>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    recent(&st, &user, false, &q, raw.as_deref()).await
}

/// `GET /api/v1/users/me/videos/comments`: the comments under the user's videos.
pub async fn my_videos_comments(
    State(st): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<RecentQuery>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    recent(&st, &user, true, &q, raw.as_deref()).await
}

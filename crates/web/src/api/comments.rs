//! Comment threads on the API, in PeerTube's shapes: `VideoCommentThreads` lists,
//! `VideoCommentThreadTree` for one thread, `{comment}` for what was just written.

use super::{account_json, videos::Paging};
use crate::AppState;
use crate::auth::{ApiUser, MaybeUser};
use crate::error::ApiResult;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use ruche_store::comments::Comment;
use ruche_tube::comments;
use serde::Deserialize;
use serde_json::{Value, json};

/// PeerTube's `VideoComment`.
async fn comment_json(st: &AppState, video_uuid: &str, c: &Comment) -> ApiResult<Value> {
    let (base, host) = (&st.tube.settings.public_url, st.tube.settings.host());
    let mut conn = st.tube.store.read().await?;
    let account = ruche_store::users::account_by_id(conn.ex(), c.account_id).await?;
    let deleted = c.deleted_at.is_some();
    Ok(json!({
        "id": c.id,
        "url": c.url.clone().unwrap_or_else(|| format!("{base}/videos/watch/{video_uuid}/comments/{}", c.id)),
        "text": c.text,
        "threadId": c.thread_id.unwrap_or(c.id),
        "inReplyToCommentId": c.in_reply_to_id,
        "videoId": c.video_id,
        "createdAt": ruche_store::iso(c.created_at),
        "updatedAt": ruche_store::iso(c.updated_at),
        "deletedAt": c.deleted_at.map(ruche_store::iso),
        "isDeleted": deleted,
        "heldForReview": false,
        "totalRepliesFromVideoAuthor": 0,
        "totalReplies": c.replies,
        "account": if deleted { Value::Null } else { account_json(base, &host, &account) },
    }))
}

/// `GET /api/v1/videos/{id}/comment-threads`.
pub async fn threads(
    State(st): State<AppState>,
    user: MaybeUser,
    Path(id): Path<String>,
    Query(p): Query<Paging>,
) -> ApiResult<Json<Value>> {
    let f = p.filter()?;
    let v = ruche_tube::videos::find_visible(&st.tube, &id, user.user.as_ref()).await?;
    let (_, rows, total, visible) =
        comments::threads(&st.tube, user.user.as_ref(), &id, f.start, f.count).await?;
    let mut data = Vec::with_capacity(rows.len());
    for c in &rows {
        data.push(comment_json(&st, &v.uuid, c).await?);
    }
    Ok(Json(
        json!({ "total": total, "totalNotDeletedComments": visible, "data": data }),
    ))
}

/// `GET /api/v1/videos/{id}/comment-threads/{threadId}`: the thread as a tree.
pub async fn thread(
    State(st): State<AppState>,
    user: MaybeUser,
    Path((id, thread_id)): Path<(String, i64)>,
) -> ApiResult<Json<Value>> {
    let v = ruche_tube::videos::find_visible(&st.tube, &id, user.user.as_ref()).await?;
    let all = comments::thread(&st.tube, user.user.as_ref(), &id, thread_id).await?;
    let mut nodes = Vec::with_capacity(all.len());
    for c in &all {
        nodes.push((c.id, c.in_reply_to_id, comment_json(&st, &v.uuid, c).await?));
    }
    fn tree(parent: i64, nodes: &[(i64, Option<i64>, Value)]) -> Vec<Value> {
        nodes
            .iter()
            .filter(|(_, p, _)| *p == Some(parent))
            .map(|(id, _, c)| json!({ "comment": c, "children": tree(*id, nodes) }))
            .collect()
    }
    let root = nodes
        .iter()
        .find(|(id, _, _)| *id == thread_id)
        .map(|(_, _, c)| c.clone())
        .unwrap_or(Value::Null);
    Ok(Json(
        json!({ "comment": root, "children": tree(thread_id, &nodes) }),
    ))
}

#[derive(Deserialize)]
pub struct NewComment {
    text: String,
}

/// `POST /api/v1/videos/{id}/comment-threads`: a new thread.
pub async fn add_thread(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    Json(c): Json<NewComment>,
) -> ApiResult<Json<Value>> {
    let comment = comments::add(&st.tube, &u, &id, None, &c.text).await?;
    let v = ruche_tube::videos::find(&st.tube, &id).await?;
    Ok(Json(
        json!({ "comment": comment_json(&st, &v.uuid, &comment).await? }),
    ))
}

/// `POST /api/v1/videos/{id}/comments/{commentId}`: a reply.
pub async fn reply(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path((id, parent)): Path<(String, i64)>,
    Json(c): Json<NewComment>,
) -> ApiResult<Json<Value>> {
    let comment = comments::add(&st.tube, &u, &id, Some(parent), &c.text).await?;
    let v = ruche_tube::videos::find(&st.tube, &id).await?;
    Ok(Json(
        json!({ "comment": comment_json(&st, &v.uuid, &comment).await? }),
    ))
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

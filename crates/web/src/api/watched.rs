//! PeerTube 6.2's watched words and automatic tags on the API: an account's lists (its owner,
//! or an administrator) and the instance's (moderators), the tags each may meet, and the tags an
//! account holds comments for.

use super::body::Body;
use super::videos::Paging;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::ApiResult;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use ruche_domain::time::iso;
use ruche_tube::autotags::{self, Owner};
use ruche_tube::autotags::{ListOrder, WatchedList};
use ruche_tube::{TubeError, accounts::User};
use serde::Deserialize;
use serde_json::{Value, json};

/// PeerTube's `WatchedWordsList`.
fn list_json(l: &WatchedList) -> Value {
    json!({
        "id": l.id,
        "listName": l.list_name,
        "words": l.words(),
        "createdAt": iso(l.created_at),
        "updatedAt": iso(l.updated_at),
    })
}

fn order(column: &str) -> Option<(ListOrder, ListOrder)> {
    match column {
        "createdAt" => Some((ListOrder::Oldest, ListOrder::Newest)),
        "updatedAt" => Some((ListOrder::Updated, ListOrder::UpdatedDesc)),
        "listName" => Some((ListOrder::Name, ListOrder::NameDesc)),
        _ => None,
    }
}

async fn owner(st: &AppState, user: &User, account: Option<&str>) -> ApiResult<Owner> {
    Ok(autotags::owner_for(&st.tube, user, account).await?)
}

async fn lists(st: &AppState, owner: Owner, p: &Paging) -> ApiResult<Json<Value>> {
    let ((asc, desc), descending) =
        p.sorted(order, ((ListOrder::Oldest, ListOrder::Newest), true))?;
    let f = p.filter()?;
    let sort = if descending { desc } else { asc };
    let (rows, total) = autotags::lists(&st.tube, owner, sort, f.start, f.count).await?;
    let data: Vec<Value> = rows.iter().map(list_json).collect();
    Ok(Json(json!({ "total": total, "data": data })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewList {
    list_name: Option<String>,
    words: Option<Vec<String>>,
}

async fn add(st: &AppState, owner: Owner, b: NewList) -> ApiResult<Json<Value>> {
    let (Some(name), Some(words)) = (b.list_name, b.words) else {
        return Err(TubeError::BadRequest(
            "Incorrect request parameters: listName and words are required".into(),
        )
        .into());
    };
    let id = autotags::add_list(&st.tube, owner, &name, &words).await?;
    Ok(Json(json!({ "watchedWordsList": { "id": id } })))
}

async fn update(st: &AppState, owner: Owner, id: i64, b: NewList) -> ApiResult<StatusCode> {
    autotags::update_list(
        &st.tube,
        owner,
        id,
        b.list_name.as_deref(),
        b.words.as_deref(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(st: &AppState, owner: Owner, id: i64) -> ApiResult<StatusCode> {
    autotags::delete_list(&st.tube, owner, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/watched-words/accounts/{accountName}/lists`.
pub async fn account_lists(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(name): Path<String>,
    Query(p): Query<Paging>,
) -> ApiResult<Json<Value>> {
    let o = owner(&st, &u, Some(&name)).await?;
    lists(&st, o, &p).await
}

/// `POST /api/v1/watched-words/accounts/{accountName}/lists`.
pub async fn account_add(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(name): Path<String>,
    Body(b): Body<NewList>,
) -> ApiResult<Json<Value>> {
    let o = owner(&st, &u, Some(&name)).await?;
    add(&st, o, b).await
}

/// `PUT /api/v1/watched-words/accounts/{accountName}/lists/{listId}`.
pub async fn account_update(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path((name, id)): Path<(String, i64)>,
    Body(b): Body<NewList>,
) -> ApiResult<StatusCode> {
    let o = owner(&st, &u, Some(&name)).await?;
    update(&st, o, id, b).await
}

/// `DELETE /api/v1/watched-words/accounts/{accountName}/lists/{listId}`.
pub async fn account_delete(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path((name, id)): Path<(String, i64)>,
) -> ApiResult<StatusCode> {
    let o = owner(&st, &u, Some(&name)).await?;
    remove(&st, o, id).await
}

/// `GET /api/v1/watched-words/server/lists`.
pub async fn server_lists(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Query(p): Query<Paging>,
) -> ApiResult<Json<Value>> {
    let o = owner(&st, &u, None).await?;
    lists(&st, o, &p).await
}

/// `POST /api/v1/watched-words/server/lists`.
pub async fn server_add(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Body(b): Body<NewList>,
) -> ApiResult<Json<Value>> {
    let o = owner(&st, &u, None).await?;
    add(&st, o, b).await
}

/// `PUT /api/v1/watched-words/server/lists/{listId}`.
pub async fn server_update(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    Body(b): Body<NewList>,
) -> ApiResult<StatusCode> {
    let o = owner(&st, &u, None).await?;
    update(&st, o, id, b).await
}

/// `DELETE /api/v1/watched-words/server/lists/{listId}`.
pub async fn server_delete(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let o = owner(&st, &u, None).await?;
    remove(&st, o, id).await
}

async fn available(st: &AppState, owner: Owner) -> ApiResult<Json<Value>> {
    let list: Vec<Value> = autotags::available(&st.tube, owner)
        .await?
        .into_iter()
        .map(|(name, kind)| json!({ "name": name, "type": kind }))
        .collect();
    Ok(Json(json!({ "available": list })))
}

/// `GET /api/v1/automatic-tags/accounts/{accountName}/available`.
pub async fn account_available(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    let o = owner(&st, &u, Some(&name)).await?;
    available(&st, o).await
}

/// `GET /api/v1/automatic-tags/server/available`.
pub async fn server_available(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
) -> ApiResult<Json<Value>> {
    let o = owner(&st, &u, None).await?;
    available(&st, o).await
}

/// The account whose comment policies an owner-or-administrator `u` manages.
async fn policy_account(st: &AppState, u: &User, name: &str) -> ApiResult<i64> {
    match owner(st, u, Some(name)).await? {
        Owner::Account(id) => Ok(id),
        Owner::Instance => Err(TubeError::NotFound("account").into()),
    }
}

/// `GET /api/v1/automatic-tags/policies/accounts/{accountName}/comments`.
pub async fn comment_policies(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    let account = policy_account(&st, &u, &name).await?;
    let review = autotags::review_policy(&st.tube, account).await?;
    Ok(Json(json!({ "review": review })))
}

#[derive(Deserialize)]
pub struct Policies {
    #[serde(default)]
    review: Vec<String>,
}

/// `PUT /api/v1/automatic-tags/policies/accounts/{accountName}/comments`.
pub async fn set_comment_policies(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(name): Path<String>,
    Body(b): Body<Policies>,
) -> ApiResult<StatusCode> {
    let account = policy_account(&st, &u, &name).await?;
    autotags::set_review_policy(&st.tube, account, &b.review).await?;
    Ok(StatusCode::NO_CONTENT)
}

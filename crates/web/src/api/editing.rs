//! Editing a video on the API: `PUT /api/v1/videos/{id}` (fields as JSON, a form or multipart,
//! with `thumbnailfile` and `previewfile`), and a password-protected video's passwords.

use super::body::{Body, with_files};
use super::videos::Paging;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::ApiResult;
use axum::Json;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use ruche_domain::time::iso;
use ruche_tube::editing::{self, MAX_PICTURE_BYTES, PictureKind, VideoUpdate};
use serde::Deserialize;
use serde_json::{Value, json};

/// `PUT /api/v1/videos/{id}`: 204 once every field is checked and written.
pub async fn update(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    req: Request,
) -> ApiResult<StatusCode> {
    let fields = [PictureKind::Thumbnail.field(), PictureKind::Preview.field()];
    let (Body(update), files) =
        with_files::<VideoUpdate, _>(req, &st, &fields, MAX_PICTURE_BYTES).await?;
    let pictures = files
        .into_iter()
        .filter_map(|(name, bytes)| PictureKind::from_field(&name).map(|k| (k, bytes.to_vec())))
        .collect();
    editing::update(&st.tube, &u, &id, update, pictures).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/videos/{id}/passwords`: its owner's (or a moderator's) list, PeerTube's
/// `VideoPassword` objects.
pub async fn passwords(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    Query(p): Query<Paging>,
) -> ApiResult<Json<Value>> {
    let f = p.filter()?;
    // Oldest first unless asked (PeerTube's default sort here is `createdAt`).
    let newest_first = p.sort().is_some_and(|s| s.starts_with('-'));
    let (rows, total) =
        editing::passwords(&st.tube, &u, &id, f.start, f.count, newest_first).await?;
    let data: Vec<Value> = rows
        .iter()
        .map(|p| {
            json!({
                "id": p.id,
                "videoId": p.video_id,
                "password": p.password,
                "createdAt": iso(p.created_at),
                "updatedAt": iso(p.updated_at),
            })
        })
        .collect();
    Ok(Json(json!({ "total": total, "data": data })))
}

#[derive(Deserialize)]
pub struct PasswordList {
    passwords: Vec<String>,
}

/// `PUT /api/v1/videos/{id}/passwords` with `{"passwords": [...]}`: the list replaced, 204.
pub async fn set_passwords(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    Body(b): Body<PasswordList>,
) -> ApiResult<StatusCode> {
    editing::set_passwords(&st.tube, &u, &id, &b.passwords).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/videos/{id}/passwords/{passwordId}`: 204; the last one stays (403).
pub async fn delete_password(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path((id, password)): Path<(String, i64)>,
) -> ApiResult<StatusCode> {
    editing::delete_password(&st.tube, &u, &id, password).await?;
    Ok(StatusCode::NO_CONTENT)
}

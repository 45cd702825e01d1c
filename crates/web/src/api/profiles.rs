//! Profiles in PeerTube's API: a user's display name and description, a channel's, and their
//! avatars and banners (`…/avatar/pick`, `…/banner/pick`, and `DELETE` to remove them).

use super::body::Body;
use super::pictures_json;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::ApiResult;
use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use ruche_tube::accounts::{Account, Channel, User};
use ruche_tube::channels;
use ruche_tube::profiles::{Holder, Picture, PictureKind};
use ruche_tube::{TubeError, accounts, profiles};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

/// A multipart form carrying pictures: its text fields, and the bytes of each field named in
/// `file_fields` (each read up to the pictures' limit, refused beyond it without reading the
/// rest). A file input left empty arrives as an empty file; it is left out here.
pub(crate) async fn picture_form(
    mut multipart: Multipart,
    file_fields: &[&str],
) -> Result<(HashMap<String, String>, HashMap<String, Vec<u8>>), TubeError> {
    let max = profiles::limits().max_bytes;
    let bad = |e: axum::extract::multipart::MultipartError| {
        TubeError::BadRequest(format!("Bad multipart body: {e}"))
    };
    let mut fields = HashMap::new();
    let mut files = HashMap::new();
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        if file_fields.contains(&name.as_str()) {
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                if bytes.len() + chunk.len() > max {
                    return Err(ruche_pages::images::ImageError::TooLarge {
                        size: bytes.len() + chunk.len(),
                        max,
                    }
                    .into());
                }
                bytes.extend_from_slice(&chunk);
            }
            if !bytes.is_empty() {
                files.insert(name, bytes);
            }
        } else if fields.len() < 16 {
            let text = field.text().await.map_err(bad)?;
            fields.insert(name, text.chars().take(10_000).collect());
        }
    }
    Ok((fields, files))
}

async fn my_account(st: &AppState, user: &User) -> ApiResult<Account> {
    Ok(accounts::account_of(&st.tube, user.id).await?)
}

/// The channel `handle` if `user` owns it.
async fn my_channel(st: &AppState, user: &User, handle: &str) -> ApiResult<Channel> {
    let ch = channels::by_handle(&st.tube, handle).await?;
    Ok(channels::owned(&st.tube, user, ch.id).await?)
}

fn picked(st: &AppState, kind: PictureKind, pictures: &[Picture]) -> Json<Value> {
    let json = serde_json::to_string(pictures).ok();
    let (key, dir) = match kind {
        PictureKind::Avatar => ("avatars", "avatars"),
        PictureKind::Banner => ("banners", "banners"),
    };
    Json(json!({ key: pictures_json(&st.tube.settings.public_url, dir, json.as_deref()) }))
}

/// The picture PeerTube's `…/pick` routes take (`avatarfile` or `bannerfile`), counted against
/// the user's picture rate before its body is read (a refused picture costs its decode too).
pub(crate) async fn picked_file(
    st: &AppState,
    user: &User,
    kind: PictureKind,
    multipart: Multipart,
) -> ApiResult<Vec<u8>> {
    st.tube.rates.picture.check(&user.id)?;
    let field = match kind {
        PictureKind::Avatar => "avatarfile",
        PictureKind::Banner => "bannerfile",
    };
    let (_, mut files) = picture_form(multipart, &[field]).await?;
    Ok(files
        .remove(field)
        .ok_or_else(|| TubeError::BadRequest(format!("The {field} field is missing.")))?)
}

async fn pick(
    st: &AppState,
    user: &User,
    holder: Holder,
    kind: PictureKind,
    multipart: Multipart,
) -> ApiResult<Json<Value>> {
    let bytes = picked_file(st, user, kind, multipart).await?;
    let pictures = profiles::set_picture(&st.tube, holder, kind, bytes).await?;
    Ok(picked(st, kind, &pictures))
}

/// `POST /api/v1/users/me/avatar/pick`.
pub async fn pick_my_avatar(
    State(st): State<AppState>,
    ApiUser(user): ApiUser,
    multipart: Multipart,
) -> ApiResult<Json<Value>> {
    let a = my_account(&st, &user).await?;
    pick(
        &st,
        &user,
        Holder::Account(a.id),
        PictureKind::Avatar,
        multipart,
    )
    .await
}

/// `DELETE /api/v1/users/me/avatar`.
pub async fn delete_my_avatar(
    State(st): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<StatusCode> {
    let a = my_account(&st, &user).await?;
    profiles::remove_picture(&st.tube, Holder::Account(a.id), PictureKind::Avatar).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn kind_of(which: &str) -> ApiResult<PictureKind> {
    match which {
        "avatar" => Ok(PictureKind::Avatar),
        "banner" => Ok(PictureKind::Banner),
        _ => Err(TubeError::NotFound("route").into()),
    }
}

/// `POST /api/v1/video-channels/{handle}/avatar/pick` and `…/banner/pick`.
pub async fn pick_channel_picture(
    State(st): State<AppState>,
    ApiUser(user): ApiUser,
    Path((handle, which)): Path<(String, String)>,
    multipart: Multipart,
) -> ApiResult<Json<Value>> {
    let kind = kind_of(&which)?;
    let ch = my_channel(&st, &user, &handle).await?;
    pick(&st, &user, Holder::Channel(ch.id), kind, multipart).await
}

/// `DELETE /api/v1/video-channels/{handle}/avatar` and `…/banner`.
pub async fn delete_channel_picture(
    State(st): State<AppState>,
    ApiUser(user): ApiUser,
    Path((handle, which)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let kind = kind_of(&which)?;
    let ch = my_channel(&st, &user, &handle).await?;
    profiles::remove_picture(&st.tube, Holder::Channel(ch.id), kind).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateChannel {
    display_name: Option<String>,
    description: Option<String>,
    support: Option<String>,
}

/// `PUT /api/v1/video-channels/{handle}`: what is not sent stays as it is.
pub async fn update_channel(
    State(st): State<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
    Body(b): Body<UpdateChannel>,
) -> ApiResult<StatusCode> {
    let ch = my_channel(&st, &user, &handle).await?;
    profiles::update_channel(
        &st.tube,
        ch.id,
        b.display_name.as_deref().unwrap_or(&ch.display_name),
        b.description.as_deref().or(ch.description.as_deref()),
        b.support.as_deref().or(ch.support.as_deref()),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/video-channels/{handle}`: the channel and its videos (not the last one).
pub async fn delete_channel(
    State(st): State<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
) -> ApiResult<StatusCode> {
    let ch = my_channel(&st, &user, &handle).await?;
    channels::delete(&st.tube, &user, ch.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The profile part of `PUT /api/v1/users/me`.
pub(crate) async fn update_my_profile(
    st: &AppState,
    user: &User,
    display_name: Option<&str>,
    description: Option<&str>,
) -> ApiResult<()> {
    if display_name.is_none() && description.is_none() {
        return Ok(());
    }
    let a = my_account(st, user).await?;
    profiles::update_account(
        &st.tube,
        a.id,
        display_name.unwrap_or(&a.display_name),
        description.or(a.description.as_deref()),
    )
    .await?;
    Ok(())
}

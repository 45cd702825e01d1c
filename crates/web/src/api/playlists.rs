//! PeerTube's playlist API: `/api/v1/video-playlists` (list, create, read, update, delete),
//! their elements (`…/videos`: list, add, change times, remove, reorder), the lists of an
//! account's and a channel's playlists, `users/me/video-playlists/videos-exist` and
//! `search/video-playlists`, in PeerTube's shapes (`VideoPlaylist`, `VideoPlaylistElement`).

use super::body::{Body, with_files};
use super::videos::Paging;
use super::{pictures_json, short_uuid, video_json};
use crate::AppState;
use crate::auth::{ApiUser, MaybeUser};
use crate::error::ApiResult;
use axum::Json;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use ruche_domain::playlist::{ElementType, PlaylistKind, PlaylistPrivacy};
use ruche_domain::time::iso;
use ruche_domain::urls;
use ruche_tube::editing::{MAX_PICTURE_BYTES, PictureKind};
use ruche_tube::playlists::{
    self, ElementBody, ElementView, ListFilter, Playlist, PlaylistBody, ReorderBody, Sort,
};
use ruche_tube::{TubeError, accounts, channels};
use serde::Deserialize;
use serde_json::{Value, json};

/// An actor as a summary: PeerTube's `AccountSummary` or `VideoChannelSummary`.
struct Summary<'a> {
    id: i64,
    name: &'a str,
    display_name: &'a str,
    url: String,
    host: Option<&'a str>,
    avatars: Option<&'a str>,
}

impl Summary<'_> {
    fn json(&self, base: &str, our_host: &str) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "displayName": self.display_name,
            "url": self.url,
            "host": self.host.unwrap_or(our_host),
            "avatars": pictures_json(base, "avatars", self.avatars),
        })
    }
}

/// PeerTube's `VideoPlaylist`, with its picture (from [`playlists::thumbnails_of`]).
fn playlist_json(st: &AppState, p: &Playlist, thumbnail: Option<String>) -> Value {
    let (base, host) = (&st.tube.settings.public_url, st.tube.settings.host());
    let short = short_uuid(&p.uuid);
    let account = Summary {
        id: p.account_id,
        name: &p.account_name,
        display_name: &p.account_display_name,
        url: p
            .account_url
            .clone()
            .unwrap_or_else(|| urls::account(base, &p.account_name)),
        host: p.account_host.as_deref(),
        avatars: p.account_avatars.as_deref(),
    }
    .json(base, &host);
    let channel = match (p.channel_id, &p.channel_name) {
        (Some(id), Some(name)) => Summary {
            id,
            name,
            display_name: p.channel_display_name.as_deref().unwrap_or(name),
            url: p
                .channel_url
                .clone()
                .unwrap_or_else(|| urls::channel(base, name)),
            host: p.channel_host.as_deref(),
            avatars: p.channel_avatars.as_deref(),
        }
        .json(base, &host),
        _ => Value::Null,
    };
    let embed = format!("/video-playlists/embed/{short}");
    json!({
        "id": p.id,
        "uuid": p.uuid,
        "shortUUID": short,
        "isLocal": p.is_local(),
        "url": ruche_tube::federation::playlists::playlist_id(base, p),
        "displayName": p.name,
        "description": p.description,
        "privacy": { "id": p.privacy.id(), "label": p.privacy.label() },
        "thumbnailPath": thumbnail,
        "thumbnailUrl": thumbnail.as_ref().map(|t| format!("{base}{t}")),
        // A playlist's picture is its first video's thumbnail.
        "thumbnails": super::thumbnails_json(base, thumbnail.as_deref(), None),
        "embedPath": embed,
        "embedUrl": format!("{base}{embed}"),
        "type": { "id": p.kind.id(), "label": p.kind.label() },
        "videosLength": p.videos_length,
        "createdAt": iso(p.created_at),
        "updatedAt": iso(p.updated_at),
        "ownerAccount": account,
        "videoChannel": channel,
        // Ruche keeps a channel's playlists newest first; they have no hand-set order.
        "videoChannelPosition": null,
    })
}

/// `{total, data}` of playlists.
async fn page_json(st: &AppState, rows: &[Playlist], total: i64) -> ApiResult<Json<Value>> {
    let pictures = playlists::thumbnails_of(&st.tube, rows).await?;
    let data: Vec<Value> = rows
        .iter()
        .zip(pictures)
        .map(|(p, t)| playlist_json(st, p, t))
        .collect();
    Ok(Json(json!({ "total": total, "data": data })))
}

/// What a list of playlists takes beside its page: `sort`, `playlistType`, `search`.
#[derive(Deserialize, Default)]
pub struct PlaylistQuery {
    #[serde(rename = "playlistType")]
    playlist_type: Option<String>,
    search: Option<String>,
    #[serde(flatten)]
    paging: Paging,
}

impl PlaylistQuery {
    fn filter(&self) -> ApiResult<ListFilter> {
        let page = self.paging.filter()?;
        let bad =
            |what: &str| TubeError::BadRequest(format!("Incorrect request parameters: {what}"));
        let (sort, descending) = self.paging.sorted(Sort::parse, (Sort::Created, true))?;
        let kind = match self.playlist_type.as_deref() {
            None => None,
            Some(t) => Some(
                t.parse::<i64>()
                    .ok()
                    .and_then(|id| PlaylistKind::try_from(id).ok())
                    .ok_or_else(|| bad("playlistType"))?,
            ),
        };
        let search = self
            .search
            .as_deref()
            .map(ruche_domain::search::query)
            .unwrap_or_default();
        Ok(ListFilter {
            start: page.start,
            count: page.count,
            sort,
            descending,
            kind,
            search,
            ..Default::default()
        })
    }
}

/// `GET /api/v1/video-playlists`: the instance's public playlists.
pub async fn list(
    State(st): State<AppState>,
    Query(q): Query<PlaylistQuery>,
) -> ApiResult<Json<Value>> {
    let (rows, total) = playlists::list_public(&st.tube, q.filter()?).await?;
    page_json(&st, &rows, total).await
}

/// `GET /api/v1/search/video-playlists?search=…`: best match first unless sorted otherwise.
pub async fn search(
    State(st): State<AppState>,
    Query(q): Query<PlaylistQuery>,
) -> ApiResult<Json<Value>> {
    let mut f = q.filter()?;
    if q.paging.sort().is_none() {
        f.sort = Sort::Match;
    }
    let words = std::mem::take(&mut f.search);
    let (rows, total) = playlists::search(&st.tube, words, f).await?;
    page_json(&st, &rows, total).await
}

/// `GET /api/v1/accounts/{name}/video-playlists`: all of them for their owner, else the public.
pub async fn of_account(
    State(st): State<AppState>,
    user: MaybeUser,
    Path(handle): Path<String>,
    Query(q): Query<PlaylistQuery>,
) -> ApiResult<Json<Value>> {
    let a = accounts::account_by_handle(&st.tube, &handle).await?;
    let (rows, total) =
        playlists::list_of_account(&st.tube, user.user.as_ref(), &a, q.filter()?).await?;
    page_json(&st, &rows, total).await
}

/// `GET /api/v1/video-channels/{handle}/video-playlists`.
pub async fn of_channel(
    State(st): State<AppState>,
    user: MaybeUser,
    Path(handle): Path<String>,
    Query(q): Query<PlaylistQuery>,
) -> ApiResult<Json<Value>> {
    let (ch, owner) = channels::with_owner(&st.tube, &handle).await?;
    let (rows, total) =
        playlists::list_of_channel(&st.tube, user.user.as_ref(), &ch, &owner, q.filter()?).await?;
    page_json(&st, &rows, total).await
}

/// `GET /api/v1/video-playlists/privacies`.
pub async fn privacies() -> Json<Value> {
    let mut m = serde_json::Map::new();
    for p in PlaylistPrivacy::ALL {
        m.insert(p.id().to_string(), json!(p.label()));
    }
    Json(Value::Object(m))
}

/// `POST /api/v1/video-playlists` (JSON, a form or multipart with `thumbnailfile`):
/// `{videoPlaylist: {id, uuid, shortUUID}}`.
pub async fn create(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    req: Request,
) -> ApiResult<Json<Value>> {
    let (Body(b), files) = with_files::<PlaylistBody, _>(
        req,
        &st,
        &[PictureKind::Thumbnail.field()],
        MAX_PICTURE_BYTES,
    )
    .await?;
    let thumbnail = files.into_iter().next().map(|(_, bytes)| bytes.to_vec());
    let p = playlists::create(&st.tube, &u, b.input()?, thumbnail).await?;
    Ok(Json(json!({
        "videoPlaylist": { "id": p.id, "uuid": p.uuid, "shortUUID": short_uuid(&p.uuid) }
    })))
}

/// `GET /api/v1/video-playlists/{id}`.
pub async fn get(
    State(st): State<AppState>,
    user: MaybeUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let p = playlists::find_visible(&st.tube, &id, user.user.as_ref()).await?;
    let thumbnail = playlists::thumbnail_of(&st.tube, &p).await?;
    Ok(Json(playlist_json(&st, &p, thumbnail)))
}

/// `PUT /api/v1/video-playlists/{id}`: 204.
pub async fn update(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    req: Request,
) -> ApiResult<StatusCode> {
    let (Body(b), files) = with_files::<PlaylistBody, _>(
        req,
        &st,
        &[PictureKind::Thumbnail.field()],
        MAX_PICTURE_BYTES,
    )
    .await?;
    let thumbnail = files.into_iter().next().map(|(_, bytes)| bytes.to_vec());
    playlists::update(&st.tube, &u, &id, b.input()?, thumbnail).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/video-playlists/{id}`: 204.
pub async fn remove(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    playlists::delete(&st.tube, &u, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// PeerTube's `VideoPlaylistElement`: its video only when the viewer may watch it.
fn element_json(st: &AppState, e: &ElementView) -> Value {
    let (base, host) = (&st.tube.settings.public_url, st.tube.settings.host());
    let mut j = json!({
        "id": e.element.id,
        "position": e.element.position,
        "startTimestamp": e.element.start_timestamp,
        "stopTimestamp": e.element.stop_timestamp,
        "type": e.kind as i64,
        "video": null,
    });
    if e.kind == ElementType::Regular
        && let Some(v) = &e.video
    {
        j["video"] = video_json(base, &host, v, false);
    }
    j
}

/// `GET /api/v1/video-playlists/{id}/videos`.
pub async fn elements(
    State(st): State<AppState>,
    user: MaybeUser,
    Path(id): Path<String>,
    Query(p): Query<Paging>,
) -> ApiResult<Json<Value>> {
    let f = p.filter()?;
    let (_, rows, total) =
        playlists::elements(&st.tube, user.user.as_ref(), &id, f.start, f.count).await?;
    let data: Vec<Value> = rows.iter().map(|e| element_json(&st, e)).collect();
    Ok(Json(json!({ "total": total, "data": data })))
}

/// `POST /api/v1/video-playlists/{id}/videos`: `{videoPlaylistElement: {id}}`.
pub async fn add(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    Body(b): Body<ElementBody>,
) -> ApiResult<Json<Value>> {
    let (start, stop) = b.times()?;
    let element = playlists::add_video(&st.tube, &u, &id, &b.video()?, start, stop).await?;
    Ok(Json(json!({ "videoPlaylistElement": { "id": element } })))
}

/// `PUT /api/v1/video-playlists/{id}/videos/{elementId}`: 204.
pub async fn update_element(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path((id, element)): Path<(String, i64)>,
    Body(b): Body<ElementBody>,
) -> ApiResult<StatusCode> {
    let (start, stop) = b.times()?;
    playlists::update_element(&st.tube, &u, &id, element, start, stop).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/video-playlists/{id}/videos/{elementId}`: 204.
pub async fn remove_element(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path((id, element)): Path<(String, i64)>,
) -> ApiResult<StatusCode> {
    playlists::remove_element(&st.tube, &u, &id, element).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/video-playlists/{id}/videos/reorder`: 204.
pub async fn reorder(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    Body(b): Body<ReorderBody>,
) -> ApiResult<StatusCode> {
    let (start, after, length) = b.positions()?;
    playlists::reorder(&st.tube, &u, &id, start, after, length).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/users/me/video-playlists/videos-exist?videoIds=…`: for each video asked, where
/// it is in the caller's playlists.
pub async fn videos_exist(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    uri: axum::http::Uri,
) -> ApiResult<Json<Value>> {
    let mut ids = Vec::new();
    for (k, v) in url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()) {
        if super::body::list_key(&k) != "videoIds" {
            continue;
        }
        for part in v.split(',').filter(|p| !p.is_empty()) {
            let id = part.trim().parse::<i64>().map_err(|_| {
                TubeError::BadRequest("Incorrect request parameters: videoIds".into())
            })?;
            ids.push(id);
        }
    }
    if ids.is_empty() {
        return Err(TubeError::BadRequest("Incorrect request parameters: videoIds".into()).into());
    }
    let found = playlists::videos_exist(&st.tube, &u, &ids).await?;
    let mut out = serde_json::Map::new();
    for id in &ids {
        out.insert(id.to_string(), json!([]));
    }
    for f in found {
        if let Some(Value::Array(list)) = out.get_mut(&f.video_id.to_string()) {
            list.push(json!({
                "playlistElementId": f.element_id,
                "playlistId": f.playlist_id,
                "startTimestamp": f.start_timestamp,
                "stopTimestamp": f.stop_timestamp,
            }));
        }
    }
    Ok(Json(Value::Object(out)))
}

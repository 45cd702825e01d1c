//! Uploads on PeerTube's two protocols: legacy multipart (`POST /api/v1/videos/upload`) and
//! resumable (`/api/v1/videos/upload-resumable`: POST to start → 201 + Location, PUT chunks with
//! Content-Range → 308 + Range until the last returns the video, DELETE to cancel).

use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiResult};
use axum::Json;
use axum::body::Body;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ruche_tube::TubeError;
use ruche_tube::uploads::{self, ChunkOutcome, ContentRange};
use ruche_tube::videos::{Created, VideoInput};
use serde::Deserialize;
use serde_json::json;

fn created(c: Created) -> Response {
    Json(json!({ "video": c })).into_response()
}

fn bool_field(v: &str) -> bool {
    matches!(v, "true" | "1" | "on")
}

fn num_field(name: &str, v: &str) -> Result<Option<i64>, ApiError> {
    if v.is_empty() {
        return Ok(None);
    }
    v.parse()
        .map(Some)
        .map_err(|_| TubeError::BadRequest(format!("{name} must be a number.")).into())
}

/// Reads one metadata field of a multipart upload into `input`.
fn set_field(input: &mut VideoInput, name: &str, v: String) -> ApiResult<()> {
    match name {
        "name" => input.name = Some(v),
        "channelId" => input.channel_id = num_field(name, &v)?,
        "privacy" => input.privacy = num_field(name, &v)?,
        "category" => input.category = num_field(name, &v)?,
        "licence" => input.licence = num_field(name, &v)?,
        "language" => input.language = Some(v).filter(|l| !l.is_empty()),
        "description" => input.description = Some(v),
        "support" => input.support = Some(v),
        // `tags`, `tags[]` or, as PeerTube's CLI sends them, `tags[0]`, `tags[1]`…
        n if n == "tags" || (n.starts_with("tags[") && n.ends_with(']')) => input.tags.push(v),
        "nsfw" => input.nsfw = Some(bool_field(&v)),
        "commentsEnabled" => input.comments_enabled = Some(bool_field(&v)),
        "commentsPolicy" => input.comments_policy = num_field(name, &v)?,
        "downloadEnabled" => input.download_enabled = Some(bool_field(&v)),
        "waitTranscoding" => input.wait_transcoding = Some(bool_field(&v)),
        "originallyPublishedAt" => input.originally_published_at = Some(v),
        n if n == "videoPasswords" || (n.starts_with("videoPasswords[") && n.ends_with(']')) => {
            input.video_passwords.push(v)
        }
        _ => {}
    }
    Ok(())
}

/// The largest metadata field of a multipart upload (a description is at most 10,000
/// characters, 40 kB of UTF-8), and how many fields it may have (tags come one per field).
const MAX_FIELD_BYTES: usize = 64 * 1024;
const MAX_FIELDS: usize = 64;

/// Legacy multipart upload. The file streams to disk as it arrives; metadata fields may come
/// before or after it.
pub async fn legacy(
    State(st): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> ApiResult<Response> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok())
        // The multipart framing and metadata come on top of the file; allow for them.
        .map(|n| n - 64 * 1024);
    let _slot = uploads::legacy_slot(&st.tube, &user)?;
    let mut input = VideoInput::default();
    let mut staged: Option<(std::path::PathBuf, i64)> = None;
    let mut fields = 0;
    let result = async {
        while let Some(mut field) = multipart
            .next_field()
            .await
            .map_err(|e| TubeError::BadRequest(format!("Bad multipart body: {e}")))?
        {
            let name = field.name().unwrap_or_default().to_string();
            if name == "videofile" {
                if staged.is_some() {
                    return Err(
                        TubeError::BadRequest("Only one videofile per upload.".into()).into(),
                    );
                }
                let filename = field.file_name().unwrap_or_default().to_string();
                ruche_tube::videos::check_media_type(field.content_type(), &filename)?;
                input.filename = Some(filename);
                let mut stream = std::pin::pin!(field);
                staged = Some(uploads::stage_stream(&st.tube, &user, declared, &mut stream).await?);
            } else {
                fields += 1;
                if fields > MAX_FIELDS {
                    return Err(TubeError::BadRequest(format!(
                        "At most {MAX_FIELDS} metadata fields per upload."
                    ))
                    .into());
                }
                let mut value = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(|e| {
                    TubeError::BadRequest(format!("Bad multipart field {name}: {e}"))
                })? {
                    if value.len() + chunk.len() > MAX_FIELD_BYTES {
                        return Err(TubeError::TooLarge(format!(
                            "The field {name} is longer than {MAX_FIELD_BYTES} bytes."
                        ))
                        .into());
                    }
                    value.extend_from_slice(&chunk);
                }
                let value = String::from_utf8(value).map_err(|_| {
                    TubeError::BadRequest(format!("The field {name} is not UTF-8 text."))
                })?;
                set_field(&mut input, &name, value)?;
            }
        }
        Ok::<_, ApiError>(())
    }
    .await;
    let Some((path, size)) = staged else {
        result?;
        return Err(TubeError::BadRequest("The videofile field is missing.".into()).into());
    };
    if let Err(e) = result {
        ruche_tube::storage::remove_file_if_exists(&path).await?;
        return Err(e);
    }
    let c = uploads::finish_legacy(&st.tube, &user, input, &path, size).await?;
    Ok(created(c))
}

#[derive(Deserialize)]
pub struct UploadId {
    upload_id: Option<String>,
}

fn location(st: &AppState, id: &str) -> ApiResult<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{}/api/v1/videos/upload-resumable?upload_id={id}",
        st.tube.settings.public_url
    ))
    .map_err(|e| TubeError::Internal(e.to_string()).into())
}

/// Starts a resumable upload: 201 with its Location, or 200 if the same upload already exists.
pub async fn init(
    State(st): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let input: VideoInput = serde_json::from_slice(&body).map_err(|e| {
        TubeError::BadRequest(format!("The upload metadata is not valid JSON: {e}"))
    })?;
    let size = headers
        .get("x-upload-content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .ok_or_else(|| TubeError::BadRequest("X-Upload-Content-Length is required.".into()))?;
    let content_type = headers
        .get("x-upload-content-type")
        .and_then(|v| v.to_str().ok());
    let (id, existed) = uploads::init_resumable(&st.tube, &user, input, size, content_type).await?;
    let status = if existed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let mut res = status.into_response();
    res.headers_mut()
        .insert(header::LOCATION, location(&st, &id)?);
    Ok(res)
}

fn partial(received: i64) -> Response {
    let mut res = StatusCode::PERMANENT_REDIRECT.into_response();
    if received > 0
        && let Ok(v) = HeaderValue::from_str(&format!("bytes=0-{}", received - 1))
    {
        res.headers_mut().insert(header::RANGE, v);
    }
    res
}

/// Receives a chunk: 308 with the stored Range while incomplete, the video after the last.
pub async fn chunk(
    State(st): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<UploadId>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    receive_chunk(&st, &user, q, headers, body, created).await
}

/// A chunk of a resumable upload: 308 while partial, `done` of what the whole file made.
async fn receive_chunk(
    st: &AppState,
    user: &ruche_tube::accounts::User,
    q: UploadId,
    headers: HeaderMap,
    body: Body,
    done: fn(Created) -> Response,
) -> ApiResult<Response> {
    let id = q
        .upload_id
        .ok_or_else(|| TubeError::BadRequest("upload_id is required.".into()))?;
    let range = headers
        .get(header::CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .map(ContentRange::parse);
    let range = match range {
        Some(None) => {
            return Err(TubeError::BadRequest("Content-Range is not valid.".into()).into());
        }
        Some(r) => r,
        // A PUT without Content-Range carries the whole file.
        None => headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|n| *n > 0)
            .map(|n| ContentRange::Bytes {
                start: 0,
                end: n - 1,
                total: n,
            }),
    };
    let mut stream = body.into_data_stream();
    let outcome = uploads::put_chunk(&st.tube, user, &id, range, &mut stream).await;
    // Some answers come before the body is read (a refused chunk, a replayed last chunk, a
    // status query): read what the client is still sending, within reason, so that it gets
    // the answer and the connection stays usable; past that budget, close the connection.
    let drained = drain(&mut stream, 16 << 20).await;
    let mut res = match outcome {
        Ok(ChunkOutcome::Partial(n)) => partial(n),
        Ok(ChunkOutcome::Done(c)) => done(c),
        Err(e) => ApiError::from(e).into_response(),
    };
    if !drained {
        res.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    Ok(res)
}

/// Reads and drops the rest of a body; false if it was longer than `budget`.
async fn drain<S, E>(stream: &mut S, mut budget: usize) -> bool
where
    S: futures_util::Stream<Item = Result<axum::body::Bytes, E>> + Unpin,
{
    use futures_util::StreamExt;
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else { return false };
        match budget.checked_sub(chunk.len()) {
            Some(left) => budget = left,
            None => return false,
        }
    }
    true
}

/// An upload refused before its body was read leaves the connection unusable: say so, so that
/// clients open a fresh one instead of reusing it.
pub async fn close_on_error(res: Response) -> Response {
    let mut res = res;
    if res.status().is_client_error() || res.status().is_server_error() {
        res.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    res
}

pub async fn cancel(
    State(st): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<UploadId>,
) -> ApiResult<StatusCode> {
    let id = q
        .upload_id
        .ok_or_else(|| TubeError::BadRequest("upload_id is required.".into()))?;
    uploads::cancel(&st.tube, &user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/videos/{id}/source`: PeerTube's `VideoSource`, for the video's owner and
/// moderators; its file links only while the file is kept.
pub async fn source(
    State(st): State<AppState>,
    ApiUser(user): ApiUser,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let (v, s, kept) = ruche_tube::downloads::source_info(&st.tube, &user, &id).await?;
    Ok(axum::Json(source_json(&st, &v, s, kept)))
}

/// PeerTube's `VideoSource` of one of our videos: what was uploaded, and its file's links while
/// it is kept.
pub(crate) fn source_json(
    st: &AppState,
    v: &ruche_tube::videos::Video,
    s: Option<ruche_tube::videos::Source>,
    kept: bool,
) -> serde_json::Value {
    let base = st.tube.settings.public_url.trim_end_matches('/');
    let url = kept.then(|| ruche_domain::urls::original_file(base, &v.uuid));
    let name = (!v.source_filename.is_empty() && v.source_filename != "source")
        .then(|| v.source_filename.clone());
    let mut j = serde_json::json!({
        "filename": name,
        "inputFilename": name,
        "fileUrl": url,
        "fileDownloadUrl": url,
        "createdAt": ruche_domain::time::iso(v.created_at),
        "metadata": {},
    });
    if let Some(s) = s {
        j["resolution"] = serde_json::json!({
            "id": s.resolution,
            "label": if s.has_video { format!("{}p", s.resolution) } else { "Audio only".into() },
        });
        j["size"] = serde_json::json!(s.size);
        j["fps"] = serde_json::json!(s.fps);
        j["width"] = serde_json::json!(s.width);
        j["height"] = serde_json::json!(s.height);
    }
    j
}

/// `DELETE /api/v1/videos/{id}/source/file`: deletes the kept uploaded file (not the record of
/// what was uploaded), for the video's owner and moderators.
pub async fn delete_source_file(
    State(st): State<AppState>,
    ApiUser(user): ApiUser,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> ApiResult<StatusCode> {
    ruche_tube::downloads::delete_source_file(&st.tube, &user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(serde::Deserialize, Default)]
pub struct ReplaceInit {
    filename: Option<String>,
}

fn replace_location(st: &AppState, video: &str, id: &str) -> ApiResult<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{}/api/v1/videos/{video}/source/replace-resumable?upload_id={id}",
        st.tube.settings.public_url
    ))
    .map_err(|e| TubeError::Internal(e.to_string()).into())
}

/// `POST /api/v1/videos/{id}/source/replace-resumable`: starts the upload of a new file for
/// the video (`{filename}`, `X-Upload-Content-Length`, `X-Upload-Content-Type`): 201 with its
/// Location, 200 if the same upload exists.
pub async fn replace_init(
    State(st): State<AppState>,
    ApiUser(user): ApiUser,
    axum::extract::Path(video): axum::extract::Path<String>,
    headers: HeaderMap,
    crate::api::body::Body(b): crate::api::body::Body<ReplaceInit>,
) -> ApiResult<Response> {
    let size = headers
        .get("x-upload-content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .ok_or_else(|| TubeError::BadRequest("X-Upload-Content-Length is required.".into()))?;
    let content_type = headers
        .get("x-upload-content-type")
        .and_then(|v| v.to_str().ok());
    let filename = b.filename.unwrap_or_default();
    let (id, existed) =
        uploads::init_replacement(&st.tube, &user, &video, &filename, size, content_type).await?;
    let status = if existed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let mut res = status.into_response();
    res.headers_mut()
        .insert(header::LOCATION, replace_location(&st, &video, &id)?);
    Ok(res)
}

/// `PUT /api/v1/videos/{id}/source/replace-resumable?upload_id=…`: a chunk of the new file; 308
/// while it is partial, 204 once the file is whole and the video goes through the ladder again.
pub async fn replace_chunk(
    State(st): State<AppState>,
    ApiUser(user): ApiUser,
    axum::extract::Path(_video): axum::extract::Path<String>,
    Query(q): Query<UploadId>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    receive_chunk(&st, &user, q, headers, body, |_| {
        StatusCode::NO_CONTENT.into_response()
    })
    .await
}

/// `DELETE /api/v1/videos/{id}/source/replace-resumable?upload_id=…`: the replacement
/// cancelled, 204.
pub async fn replace_cancel(
    st: State<AppState>,
    user: ApiUser,
    axum::extract::Path(_video): axum::extract::Path<String>,
    q: Query<UploadId>,
) -> ApiResult<StatusCode> {
    cancel(st, user, q).await
}

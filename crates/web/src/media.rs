//! Media files on PeerTube's paths: HLS playlists and fragmented MP4s under
//! `/static/streaming-playlists/hls/<uuid>/`, thumbnails, previews and storyboards under `/lazy-static/`,
//! downloads under `/download/`. Served with HTTP ranges (HLS addresses segments by byte range),
//! their MIME types, and long cache lifetimes for the files that never change.

use crate::AppState;
use crate::auth::MaybeUser;
use crate::error::{ApiError, ApiResult};
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, Request, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ruche_tube::profiles::PictureKind;
use ruche_tube::{TubeError, videos};
use std::path::PathBuf;
use tower::ServiceExt;
use tower_http::services::ServeFile;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/static/streaming-playlists/hls/{uuid}/{file}",
            get(hls_file),
        )
        .route(
            "/static/streaming-playlists/hls/private/{uuid}/{file}",
            get(private_hls_file),
        )
        .route("/lazy-static/thumbnails/{name}", get(thumbnail))
        .route("/lazy-static/previews/{name}", get(preview))
        .route("/lazy-static/storyboards/{name}", get(storyboard))
        .route("/lazy-static/avatars/{name}", get(avatar))
        .route("/lazy-static/banners/{name}", get(banner))
        .route(
            "/download/streaming-playlists/hls/videos/{name}",
            get(download),
        )
        .route("/lazy-static/torrents/{name}", get(torrent))
        .route("/download/torrents/{name}", get(torrent_download))
        .route("/download/original-video-files/{uuid}", get(original))
}

/// A plain file name: no directory parts, nothing hidden.
fn safe_name(name: &str) -> ApiResult<&str> {
    if name.is_empty() || name.starts_with('.') || name.contains(['/', '\\']) || name.contains("..")
    {
        return Err(TubeError::NotFound("file").into());
    }
    Ok(name)
}

fn mime_for(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, e)| e) {
        Some("m3u8") => "application/vnd.apple.mpegurl",
        Some("mp4") => "video/mp4",
        Some("json") => "application/json",
        Some("jpg") | Some("jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("torrent") => "application/x-bittorrent",
        _ => "application/octet-stream",
    }
}

/// Serves a file with ranges; `immutable` files are cached for a year.
async fn send(path: PathBuf, req: Request<Body>, immutable: bool) -> ApiResult<Response> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut res = ServeFile::new_with_mime(
        &path,
        &mime_for(&name)
            .parse()
            .map_err(|_| TubeError::Internal("mime".into()))?,
    )
    .oneshot(req)
    .await
    .map_err(|e| TubeError::Internal(e.to_string()))?
    .into_response();
    let cache = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=5"
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    res.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    Ok(res)
}

/// A file of a video: as [`send`] for a published public or unlisted video. One not everybody
/// may see (private, internal, not yet published) is kept out of shared caches and away from
/// other sites' scripts: no `public` caching, no CORS.
async fn send_video_file(
    path: PathBuf,
    req: Request<Body>,
    video: &ruche_tube::videos::Video,
    immutable: bool,
) -> ApiResult<Response> {
    use ruche_domain::video::{Privacy, VideoState};
    let mut res = send(path, req, immutable).await?;
    let for_all = matches!(video.privacy, Privacy::Public | Privacy::Unlisted)
        && video.state == VideoState::Published;
    if !for_all {
        let h = res.headers_mut();
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
        h.remove(header::ACCESS_CONTROL_ALLOW_ORIGIN);
    }
    Ok(res)
}

/// The query of a file URL: PeerTube's temporary token, and whether playlists should carry it
/// on to the URLs they name (for players that cannot add it themselves, such as Safari's).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FileQuery {
    video_file_token: Option<String>,
    reinject_video_file_token: Option<String>,
}

/// A file of a public or unlisted video (a private, internal or password-protected video's
/// live under the private path: absent here, as on PeerTube).
async fn hls_file(
    State(st): State<AppState>,
    Path((uuid, file)): Path<(String, String)>,
    user: MaybeUser,
    req: Request<Body>,
) -> ApiResult<Response> {
    let file = safe_name(&file)?;
    let video = videos::find_visible(&st.tube, &uuid, user.user.as_ref()).await?;
    if video.privacy.files_private() {
        return Err(TubeError::NotFound("file").into());
    }
    send_hls(&st, &video, file, req, None).await
}

/// `/static/streaming-playlists/hls/private/<uuid>/<file>`: for whoever may see the video, or
/// with a `videoFileToken` that opens it; 403 for anyone else.
async fn private_hls_file(
    State(st): State<AppState>,
    Path((uuid, file)): Path<(String, String)>,
    Query(q): Query<FileQuery>,
    user: MaybeUser,
    req: Request<Body>,
) -> ApiResult<Response> {
    let file = safe_name(&file)?;
    let token = q.video_file_token.as_deref();
    let found =
        ruche_tube::file_tokens::find_for_files(&st.tube, &uuid, user.user.as_ref(), token).await;
    // A video that exists, asked for without permission: 403, as PeerTube answers on this path.
    let video = match found {
        Err(TubeError::NotFound(_)) if videos::find(&st.tube, &uuid).await.is_ok() => {
            return Err(
                TubeError::Forbidden("You may not access this video's files.".into()).into(),
            );
        }
        other => other?,
    };
    let reinject = token.filter(|_| q.reinject_video_file_token.as_deref() == Some("true"));
    send_hls(&st, &video, file, req, reinject).await
}

async fn send_hls(
    st: &AppState,
    video: &ruche_tube::videos::Video,
    file: &str,
    req: Request<Body>,
    reinject: Option<&str>,
) -> ApiResult<Response> {
    let path = st.tube.storage.hls_dir(&video.uuid).join(file);
    // The master playlist and the hashes are rewritten when renditions join; the rest never change.
    let mutable = Some(file) == video.playlist_filename.as_deref()
        || Some(file) == video.sha256_filename.as_deref();
    match reinject {
        Some(token) if file.ends_with(".m3u8") => playlist_with_token(&path, token).await,
        _ => send_video_file(path, req, video, !mutable).await,
    }
}

/// A playlist whose URLs carry `token` on, as PeerTube's `reinjectVideoFileToken` asks.
async fn playlist_with_token(path: &std::path::Path, token: &str) -> ApiResult<Response> {
    // Playlists are a few kilobytes; a larger file is none of ours.
    const MAX_PLAYLIST: u64 = 1024 * 1024;
    let len = tokio::fs::metadata(path)
        .await
        .map_err(|_| TubeError::NotFound("file"))?
        .len();
    if len > MAX_PLAYLIST {
        return Err(TubeError::NotFound("file").into());
    }
    let text = tokio::fs::read_to_string(path)
        .await
        .map_err(|_| TubeError::NotFound("file"))?;
    // It opened the video, so it is one of ours: URL-safe base64. Checked all the same, since it
    // goes into the playlist as it came.
    if !token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(TubeError::NotFound("file").into());
    }
    let body = inject_query(
        &text,
        &format!("videoFileToken={token}&reinjectVideoFileToken=true"),
    );
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.apple.mpegurl"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(r)
}

/// `query` appended to every `.m3u8` and `.mp4` name of a playlist (URI lines and `URI="…"`
/// attributes), as PeerTube's `injectQueryToPlaylistUrls`.
fn inject_query(playlist: &str, query: &str) -> String {
    let mut out = String::with_capacity(playlist.len() + 64);
    let mut rest = playlist;
    while let Some(i) = rest.find('.') {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        let ext = [".m3u8", ".mp4"].into_iter().find(|e| tail.starts_with(e));
        match ext {
            Some(e) => {
                out.push_str(e);
                out.push('?');
                out.push_str(query);
                rest = &tail[e.len()..];
            }
            None => {
                out.push('.');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

async fn thumbnail(
    State(st): State<AppState>,
    Path(name): Path<String>,
    req: Request<Body>,
) -> ApiResult<Response> {
    picture(&st, &name, false, req).await
}

async fn preview(
    State(st): State<AppState>,
    Path(name): Path<String>,
    req: Request<Body>,
) -> ApiResult<Response> {
    picture(&st, &name, true, req).await
}

/// A thumbnail or preview: ours from storage, another instance's fetched once from its origin
/// (as PeerTube's lazy-static does), so that pages never send browsers elsewhere for pictures.
async fn picture(
    st: &AppState,
    name: &str,
    preview: bool,
    req: Request<Body>,
) -> ApiResult<Response> {
    let name = safe_name(name)?;
    let path = if name.starts_with("remote-") {
        ruche_tube::playback::remote_picture(&st.tube, name, preview).await?
    } else if preview {
        st.tube.storage.preview(name)
    } else {
        st.tube.storage.thumbnail(name)
    };
    send(path, req, true).await
}

/// A storyboard: ours, or our copy of another instance's (fetched the first time). Named by a
/// random id like the pictures, so only those shown the video learn it.
async fn storyboard(
    State(st): State<AppState>,
    Path(name): Path<String>,
    req: Request<Body>,
) -> ApiResult<Response> {
    let path = ruche_tube::storyboards::file(&st.tube, safe_name(&name)?).await?;
    send(path, req, true).await
}

async fn avatar(
    State(st): State<AppState>,
    Path(name): Path<String>,
    req: Request<Body>,
) -> ApiResult<Response> {
    let path = ruche_tube::profiles::picture_file(&st.tube, PictureKind::Avatar, safe_name(&name)?)
        .await?;
    send(path, req, true).await
}

async fn banner(
    State(st): State<AppState>,
    Path(name): Path<String>,
    req: Request<Body>,
) -> ApiResult<Response> {
    let path = ruche_tube::profiles::picture_file(&st.tube, PictureKind::Banner, safe_name(&name)?)
        .await?;
    send(path, req, true).await
}

/// `/download/streaming-playlists/hls/videos/<uuid>-<resolution>-fragmented.mp4`, as PeerTube
/// names downloads: the rendition's file as an attachment.
async fn download(
    State(st): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<FileQuery>,
    user: MaybeUser,
    req: Request<Body>,
) -> ApiResult<Response> {
    let name = safe_name(&name)?;
    let stem = name
        .strip_suffix("-fragmented.mp4")
        .ok_or(TubeError::NotFound("file"))?;
    let (uuid, res) = stem.rsplit_once('-').ok_or(TubeError::NotFound("file"))?;
    let res: i64 = res
        .parse()
        .map_err(|_| ApiError(TubeError::NotFound("file")))?;
    let video = ruche_tube::file_tokens::find_for_files(
        &st.tube,
        uuid,
        user.user.as_ref(),
        q.video_file_token.as_deref(),
    )
    .await?;
    if !video.download_enabled {
        return Err(TubeError::Forbidden("Downloads are disabled for this video.".into()).into());
    }
    let files = videos::files(&st.tube, video.id).await?;
    let f = files
        .iter()
        .find(|f| f.resolution == res)
        .ok_or(TubeError::NotFound("file"))?;
    let mut r = send_video_file(
        st.tube.storage.hls_dir(&video.uuid).join(&f.filename),
        req,
        &video,
        true,
    )
    .await?;
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    count_download(&st, &video, r.status()).await?;
    Ok(r)
}

/// A file's `.torrent` (PeerTube's `/lazy-static/torrents/`), for whoever may see its video.
async fn torrent(
    State(st): State<AppState>,
    Path(name): Path<String>,
    user: MaybeUser,
    req: Request<Body>,
) -> ApiResult<Response> {
    let (path, video, _) =
        ruche_tube::downloads::torrent(&st.tube, safe_name(&name)?, user.user.as_ref()).await?;
    send_video_file(path, req, &video, true).await
}

/// The same as an attachment named after the video (`/download/torrents/`).
async fn torrent_download(
    State(st): State<AppState>,
    Path(name): Path<String>,
    user: MaybeUser,
    req: Request<Body>,
) -> ApiResult<Response> {
    let (path, video, download) =
        ruche_tube::downloads::torrent(&st.tube, safe_name(&name)?, user.user.as_ref()).await?;
    let mut r = send_video_file(path, req, &video, true).await?;
    r.headers_mut()
        .insert(header::CONTENT_DISPOSITION, content_disposition(&download));
    Ok(r)
}

/// `attachment; filename="…"` with an ASCII fallback and the UTF-8 name (RFC 6266).
fn content_disposition(name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .filter(|c| *c != '"' && *c != '\\')
        .collect();
    let utf8 = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{utf8}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// An uploaded file, for its owner and moderators.
async fn original(
    State(st): State<AppState>,
    Path(uuid): Path<String>,
    user: MaybeUser,
    req: Request<Body>,
) -> ApiResult<Response> {
    let (path, name) =
        ruche_tube::downloads::original(&st.tube, safe_name(&uuid)?, user.user.as_ref()).await?;
    let mut r = send(path, req, true).await?;
    let h = r.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.remove(header::ACCESS_CONTROL_ALLOW_ORIGIN);
    h.insert(header::CONTENT_DISPOSITION, content_disposition(&name));
    Ok(r)
}

/// Counts a download when the whole file is sent (a `200`, not a range a player asks for).
async fn count_download(
    st: &AppState,
    video: &ruche_tube::videos::Video,
    status: axum::http::StatusCode,
) -> ApiResult<()> {
    if status == axum::http::StatusCode::OK {
        videos::add_download(&st.tube, video).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::inject_query;

    #[test]
    fn a_playlist_carries_the_token_on_to_every_file_it_names() {
        let master = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"avc1.64001f\"\na-720.m3u8\n";
        assert_eq!(
            inject_query(master, "t=1"),
            "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"avc1.64001f\"\na-720.m3u8?t=1\n"
        );
        let media = "#EXT-X-MAP:URI=\"a-720-fragmented.mp4\",BYTERANGE=\"1@0\"\n#EXTINF:4.0,\na-720-fragmented.mp4\n";
        assert_eq!(
            inject_query(media, "t=1"),
            "#EXT-X-MAP:URI=\"a-720-fragmented.mp4?t=1\",BYTERANGE=\"1@0\"\n#EXTINF:4.0,\na-720-fragmented.mp4?t=1\n"
        );
    }
}

//! What a viewer may download besides what plays: a file's torrent (for whoever may see its
//! video), the uploaded file and its torrent (for its owner and moderators). Each is looked up
//! by its name and refused, as absent, to whoever may not have it.

use crate::{Tube, TubeError, TubeResult};
use ruche_p2p::torrent;
use ruche_store::videos::{self as vstore, Video};

pub use ruche_store::videos::Source;

/// A torrent of ours by its name, for whoever may have it: a file's for whoever may see its
/// video, an upload's for its owner and moderators. Where it is, the video, and the name
/// PeerTube gives it as a download (`<video name>-<resolution>p.torrent`).
pub async fn torrent(
    tube: &Tube,
    name: &str,
    user: Option<&ruche_store::users::User>,
) -> TubeResult<(std::path::PathBuf, Video, String)> {
    use crate::videos::viewer;
    use ruche_domain::video::Viewer;
    let (resolution, video, source) = {
        let mut c = tube.store.read().await?;
        let (video_id, resolution, source) = match vstore::file_by_torrent(c.ex(), name).await? {
            Some((f, _web)) => (f.video_id, f.resolution, false),
            None => match vstore::source_by_torrent(c.ex(), name).await? {
                Some(s) => (s.video_id, s.resolution, true),
                None => return Err(TubeError::NotFound("torrent")),
            },
        };
        let v = vstore::by_id(c.ex(), video_id)
            .await?
            .ok_or(TubeError::NotFound("torrent"))?;
        (resolution, v, source)
    };
    let (v, path) = if source {
        if !matches!(viewer(&video, user), Viewer::Owner | Viewer::Moderator) {
            return Err(TubeError::NotFound("torrent"));
        }
        let path = tube.storage.source_torrent(&video.uuid);
        (video, path)
    } else {
        let v = crate::videos::find_visible(tube, &video.uuid, user).await?;
        let path = tube.storage.hls_dir(&v.uuid).join(name);
        (v, path)
    };
    let clean = torrent::file_name(&v.name, resolution, ".torrent");
    // `<name> 720p.torrent` → `<name>-720p.torrent`.
    let download = clean.replacen(
        &format!(" {resolution}p.torrent"),
        &format!("-{resolution}p.torrent"),
        1,
    );
    Ok((path, v, download))
}

/// The uploaded file of one of our videos and its torrent, for its owner, while it is kept
/// (until transcoding ends).
pub async fn source_of(tube: &Tube, v: &Video) -> TubeResult<Option<vstore::Source>> {
    if !tokio::fs::try_exists(tube.storage.source(&v.uuid))
        .await
        .unwrap_or(false)
    {
        return Ok(None);
    }
    let mut c = tube.store.read().await?;
    Ok(vstore::source_of(c.ex(), v.id).await?)
}

/// What one of our videos was made from (PeerTube's `GET /api/v1/videos/{id}/source`), for its
/// owner and moderators: the video, the upload as it was probed (none for videos older than
/// that record), and whether the file itself is still kept (until transcoding ends).
pub async fn source_info(
    tube: &Tube,
    user: &ruche_store::users::User,
    r: &str,
) -> TubeResult<(Video, Option<vstore::Source>, bool)> {
    use crate::videos::viewer;
    use ruche_domain::video::Viewer;
    let v = crate::videos::find(tube, r).await?;
    if !v.is_local() {
        return Err(TubeError::NotFound("video source"));
    }
    if !matches!(viewer(&v, Some(user)), Viewer::Owner | Viewer::Moderator) {
        return Err(TubeError::Forbidden(
            "Only the video's owner sees its source.".into(),
        ));
    }
    let (s, kept) = source_records(tube, &[&v]).await?.pop().unwrap_or_default();
    Ok((v, s, kept))
}

/// What was uploaded for each of our `videos` (its probe, when made) and whether its file is
/// still kept, in their order; the caller has checked who asks. A page of them (a moderator's
/// list with `include` 32) is read on one connection, given back before the files are looked at.
pub async fn source_records(
    tube: &Tube,
    videos: &[&Video],
) -> TubeResult<Vec<(Option<vstore::Source>, bool)>> {
    let mut probes = Vec::with_capacity(videos.len());
    {
        let mut c = tube.store.read().await?;
        for v in videos {
            probes.push(vstore::source_of(c.ex(), v.id).await?);
        }
    }
    let mut out = Vec::with_capacity(videos.len());
    for (v, s) in videos.iter().zip(probes) {
        let kept = tokio::fs::try_exists(tube.storage.source(&v.uuid))
            .await
            .unwrap_or(false);
        out.push((s, kept));
    }
    Ok(out)
}

/// Deletes the kept uploaded file of one of our videos and its torrent (PeerTube's
/// `DELETE /api/v1/videos/{id}/source/file`), for its owner and moderators. Transcoding reads
/// it: while the video waits for it, the file stays (409). The record of what was uploaded
/// (`GET …/source`) stays.
pub async fn delete_source_file(
    tube: &Tube,
    user: &ruche_store::users::User,
    r: &str,
) -> TubeResult<()> {
    let (v, _, kept) = source_info(tube, user, r).await?;
    if !kept {
        return Err(TubeError::NotFound("video source file"));
    }
    if v.state == ruche_domain::video::VideoState::ToTranscode {
        return Err(TubeError::Conflict(
            "The video is being transcoded from this file.".into(),
        ));
    }
    crate::storage::remove_file_if_exists(&tube.storage.source(&v.uuid)).await?;
    crate::storage::remove_file_if_exists(&tube.storage.source_torrent(&v.uuid)).await?;
    Ok(())
}

/// The uploaded file itself, for its owner and moderators: where it is and a name to save it
/// under (`/download/original-video-files/<uuid>`).
pub async fn original(
    tube: &Tube,
    uuid: &str,
    user: Option<&ruche_store::users::User>,
) -> TubeResult<(std::path::PathBuf, String)> {
    use crate::videos::viewer;
    use ruche_domain::video::Viewer;
    let v = crate::videos::find(tube, uuid).await?;
    if !v.is_local() || !matches!(viewer(&v, user), Viewer::Owner | Viewer::Moderator) {
        return Err(TubeError::NotFound("file"));
    }
    let src = source_of(tube, &v).await?;
    let res = src.map(|s| s.resolution).unwrap_or(0);
    Ok((
        tube.storage.source(&v.uuid),
        torrent::file_name(&v.name, res, ""),
    ))
}

//! Our videos as ActivityPub `Video` objects, in PeerTube 8's vocabulary and shape (its
//! `@context`, the `url` links with the HTML pages first — Mastodon shows the first — then the
//! HLS master playlist carrying its fragmented MP4s and segment hashes, `attributedTo` the
//! account and the channel, `icon` thumbnails, `sensitive`, `commentsEnabled`, `support`).

use crate::api::short_uuid;
use ruche_domain::video::{Privacy, category_label, language_label, licence_label};
use ruche_store::videos::{Video, VideoFile};
use serde_json::{Value, json};

/// PeerTube's `@context` for videos (from its 8.0.1 documents).
const CONTEXT: &str = include_str!("video-context.json");

pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

pub(crate) fn context() -> Value {
    serde_json::from_str(CONTEXT).unwrap_or(Value::Null)
}

pub(crate) use ruche_store::iso;

fn identifier(id: Option<String>, name: Option<&str>) -> Value {
    match (id, name) {
        (Some(id), Some(name)) => json!({ "identifier": id, "name": name }),
        _ => Value::Null,
    }
}

fn fragmented(base: &str, v: &Video, f: &VideoFile) -> [Value; 2] {
    let hls = format!("{base}/static/streaming-playlists/hls/{}", v.uuid);
    let mut kinds = Vec::new();
    if f.has_audio {
        kinds.push(
            json!({ "type": "PropertyValue", "name": "ffprobe_codec_type", "value": "audio" }),
        );
    }
    if f.has_video {
        kinds.push(
            json!({ "type": "PropertyValue", "name": "ffprobe_codec_type", "value": "video" }),
        );
    }
    kinds.push(
        json!({ "type": "PropertyValue", "name": "peertube_format_flag", "value": "fragmented" }),
    );
    let fps = f.fps.round() as i64;
    [
        json!({
            "type": "Link",
            "mediaType": "video/mp4",
            "href": format!("{hls}/{}", f.filename),
            "height": f.height,
            "width": f.width,
            "size": f.size,
            "fps": fps,
            "attachment": kinds,
        }),
        json!({
            "type": "Link",
            "rel": ["metadata", "video/mp4"],
            "mediaType": "application/json",
            "href": format!("{base}/api/v1/videos/{}/metadata/{}", v.uuid, f.id),
            "height": f.height,
            "width": f.width,
            "fps": fps,
        }),
    ]
}

/// Who a video is addressed to: public videos to everyone (and the account's followers in
/// copy), unlisted ones the other way round, as PeerTube does.
pub(crate) fn audience(base: &str, v: &Video) -> (Value, Value) {
    let followers = format!("{base}/accounts/{}/followers", v.account_name);
    match Privacy::from_id(v.privacy) {
        Some(Privacy::Unlisted) => (json!([followers]), json!([PUBLIC])),
        _ => (json!([PUBLIC]), json!([followers])),
    }
}

/// The `Video` object of one of our videos.
pub(crate) fn object(base: &str, v: &Video, files: &[VideoFile]) -> Value {
    let id = format!("{base}/videos/watch/{}", v.uuid);
    let (to, cc) = audience(base, v);
    let tags: Vec<String> = serde_json::from_str(&v.tags).unwrap_or_default();
    let mut url = vec![
        json!({ "type": "Link", "mediaType": "text/html", "href": format!("{base}/w/{}", short_uuid(&v.uuid)) }),
        json!({ "type": "Link", "mediaType": "text/html", "href": id }),
    ];
    if let Some(master) = &v.playlist_filename {
        let hls = format!("{base}/static/streaming-playlists/hls/{}", v.uuid);
        let mut tag = Vec::new();
        if let Some(sha) = &v.sha256_filename {
            tag.push(json!({ "type": "Link", "name": "sha256", "mediaType": "application/json", "href": format!("{hls}/{sha}") }));
        }
        for f in files {
            tag.extend(fragmented(base, v, f));
        }
        url.push(json!({
            "type": "Link",
            "mediaType": "application/x-mpegURL",
            "href": format!("{hls}/{master}"),
            "tag": tag,
        }));
    }
    let mut icon = Vec::new();
    if let Some(t) = &v.thumbnail_filename {
        icon.push(json!({ "type": "Image", "url": format!("{base}/lazy-static/thumbnails/{t}"), "mediaType": "image/jpeg", "width": 280, "height": 157 }));
    }
    if let Some(p) = &v.preview_filename {
        icon.push(json!({ "type": "Image", "url": format!("{base}/lazy-static/previews/{p}"), "mediaType": "image/jpeg", "width": 850, "height": 480 }));
    }
    json!({
        "@context": context(),
        "to": to,
        "cc": cc,
        "type": "Video",
        "id": id,
        "name": v.name,
        "duration": format!("PT{}S", v.duration),
        "uuid": v.uuid,
        "category": identifier(v.category.map(|c| c.to_string()), v.category.and_then(category_label)),
        "licence": identifier(v.licence.map(|l| l.to_string()), v.licence.and_then(licence_label)),
        "language": identifier(v.language.clone(), v.language.as_deref().and_then(language_label)),
        "views": v.views,
        "sensitive": v.nsfw,
        "summary": null,
        "waitTranscoding": v.wait_transcoding,
        "state": v.state,
        // PeerTube 6 reads `commentsEnabled`; 7 and later read `commentsPolicy`.
        "commentsEnabled": v.comments_enabled,
        "canReply": null,
        "commentsPolicy": if v.comments_enabled { 1 } else { 2 },
        "downloadEnabled": v.download_enabled,
        "published": iso(v.published_at.unwrap_or(v.created_at)),
        "originallyPublishedAt": null,
        "updated": iso(v.updated_at),
        "tag": tags.iter().map(|t| json!({ "type": "Hashtag", "name": t })).collect::<Vec<_>>(),
        "mediaType": "text/markdown",
        "content": v.description,
        "support": v.support,
        "subtitleLanguage": [],
        "icon": icon,
        "aspectRatio": v.aspect_ratio,
        "url": url,
        "likes": format!("{id}/likes"),
        "dislikes": format!("{id}/dislikes"),
        "shares": format!("{id}/announces"),
        "comments": format!("{id}/comments"),
        "attributedTo": [
            format!("{base}/accounts/{}", v.account_name),
            format!("{base}/video-channels/{}", v.channel_name),
        ],
        "isLiveBroadcast": false,
        "liveSaveReplay": null,
        "permanentLive": null,
        "latencyMode": null,
    })
}

//! The ActivityPub documents of our things, in PeerTube 8's vocabulary and shapes: actors (the
//! instance `Application`, accounts as `Person`, channels as `Group` attributed to their
//! account), videos as `Video` (its `@context`, the `url` links with the HTML pages first —
//! Mastodon shows the first — then the HLS master playlist carrying its fragmented MP4s and
//! segment hashes, `attributedTo` the account and the channel), comments as `Note`, and the
//! activities about them with PeerTube's ids.

use super::PUBLIC;
use ruche_domain::urls;
use ruche_domain::video::{CommentsPolicy, Privacy, category_label, language_label, licence_label};
use ruche_federation::ap;
use ruche_store::comments::Comment;
use ruche_store::iso;
use ruche_store::users::{Account, Channel, Picture, pictures};
use ruche_store::videos::{Video, VideoFile};
use serde_json::{Value, json};

/// PeerTube's `@context` for videos (from its 8.0.1 documents), plus the `commentsEnabled` term
/// of PeerTube 6 (which we still send, for those instances): every term we send is defined, so
/// the activity can carry an LD signature.
const VIDEO_CONTEXT: &str = include_str!("video-context.json");

pub fn video_context() -> Value {
    serde_json::from_str(VIDEO_CONTEXT).unwrap_or(Value::Null)
}

/// The `@context` of activities and collections.
pub fn base_context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        { "RsaSignature2017": "https://w3id.org/security#RsaSignature2017" },
    ])
}

/// The activities' `@context` and `terms`, as PeerTube writes each kind's.
fn context_with(terms: Value) -> Value {
    let mut c = base_context();
    if let Some(list) = c.as_array_mut() {
        list.push(terms);
    }
    c
}

/// PeerTube's `@context` for actors.
fn actor_context() -> Value {
    context_with(json!({
        "pt": "https://joinpeertube.org/ns#",
        "sc": "http://schema.org/",
        "playerSettings": "pt:playerSettings",
        "playlists": { "@id": "pt:playlists", "@type": "@id" },
        "support": { "@type": "sc:Text", "@id": "pt:support" },
        "lemmy": "https://join-lemmy.org/ns#",
        "postingRestrictedToMods": "lemmy:postingRestrictedToMods",
    }))
}

/// PeerTube's `@context` for comments.
fn note_context() -> Value {
    context_with(json!({
        "pt": "https://joinpeertube.org/ns#",
        "sc": "http://schema.org/",
        "Hashtag": "as:Hashtag",
        "replyApproval": "pt:replyApproval",
    }))
}

/// What an actor document is made of.
pub struct Actor<'a> {
    pub kind: &'static str,
    /// `accounts/<name>` or `video-channels/<name>`.
    pub path: String,
    pub name: &'a str,
    pub display_name: &'a str,
    pub summary: Option<&'a str>,
    pub published_ms: i64,
    /// HTML pages of the actor, the main one last (as PeerTube lists them).
    pub pages: Vec<String>,
    pub public_pem: &'a str,
    /// Its avatar in each size (`icon`), and a channel's banner (`image`).
    pub avatars: Vec<Picture>,
    pub banners: Vec<Picture>,
}

/// An avatar or banner as an `Image` of an actor's `icon` or `image`, as PeerTube lists them.
fn images(base: &str, dir: &str, pictures: &[Picture]) -> Value {
    let list: Vec<Value> = pictures
        .iter()
        .map(|p| {
            json!({
                "type": "Image",
                "mediaType": "image/webp",
                "height": p.height,
                "width": p.width,
                "url": urls::picture(base, dir, &p.filename),
            })
        })
        .collect();
    if list.is_empty() {
        Value::Null
    } else {
        json!(list)
    }
}

pub fn actor(base: &str, a: &Actor<'_>) -> Value {
    let id = format!("{base}/{}", a.path);
    let mut doc = json!({
        "@context": actor_context(),
        "type": a.kind,
        "id": id,
        "following": urls::following(&id),
        "followers": urls::followers(&id),
        "playlists": format!("{id}/playlists"),
        "inbox": urls::inbox(&id),
        "outbox": urls::outbox(&id),
        "preferredUsername": a.name,
        "name": a.display_name,
        "endpoints": { "sharedInbox": urls::inbox(base) },
        "publicKey": {
            "id": super::key_id(&id),
            "owner": id,
            "publicKeyPem": a.public_pem,
        },
        "published": iso(a.published_ms),
        "url": a.pages.iter().map(|p| json!({ "type": "Link", "mediaType": "text/html", "href": p })).collect::<Vec<_>>(),
        "summary": a.summary,
    });
    for (key, dir, pictures) in [
        ("icon", "avatars", &a.avatars),
        ("image", "banners", &a.banners),
    ] {
        let v = images(base, dir, pictures);
        if !v.is_null() {
            doc[key] = v;
        }
    }
    doc
}

/// The HTML pages of an account, the main one last.
fn account_pages(base: &str, name: &str) -> Vec<String> {
    vec![
        urls::account_channels_page(base, name),
        urls::account_page(base, name),
        urls::account(base, name),
    ]
}

/// The instance's `Application` actor.
pub fn instance_actor(base: &str, started_ms: i64, public_pem: &str) -> Value {
    let name = urls::INSTANCE_ACTOR;
    actor(
        base,
        &Actor {
            kind: "Application",
            path: format!("accounts/{name}"),
            name,
            display_name: name,
            summary: None,
            published_ms: started_ms,
            pages: account_pages(base, name),
            public_pem,
            avatars: Vec::new(),
            banners: Vec::new(),
        },
    )
}

/// A local account's `Person` actor.
pub fn account_actor(base: &str, a: &Account, public_pem: &str) -> Value {
    actor(
        base,
        &Actor {
            kind: "Person",
            path: format!("accounts/{}", a.name),
            name: &a.name,
            display_name: &a.display_name,
            summary: a.description.as_deref(),
            published_ms: a.created_at,
            pages: account_pages(base, &a.name),
            public_pem,
            avatars: pictures(a.avatars.as_deref()),
            banners: Vec::new(),
        },
    )
}

/// A local channel's `Group` actor, attributed to its account.
pub fn channel_actor(base: &str, ch: &Channel, owner: &Account, public_pem: &str) -> Value {
    let mut doc = actor(
        base,
        &Actor {
            kind: "Group",
            path: format!("video-channels/{}", ch.name),
            name: &ch.name,
            display_name: &ch.display_name,
            summary: ch.description.as_deref(),
            published_ms: ch.created_at,
            pages: vec![
                urls::channel_videos_page(base, &ch.name),
                urls::channel_page(base, &ch.name),
                urls::channel(base, &ch.name),
            ],
            public_pem,
            avatars: pictures(ch.avatars.as_deref()),
            banners: pictures(ch.banners.as_deref()),
        },
    );
    doc["support"] = json!(ch.support);
    // Only the channel's owner posts in it (Lemmy's term, which PeerTube sets too).
    doc["postingRestrictedToMods"] = json!(true);
    doc["attributedTo"] = json!([urls::account(base, &owner.name)]);
    doc
}

/// `Update` of one of our actors (a new name, description or picture), to the public and its
/// followers, with PeerTube's id (`<actor>#updates/<date>`).
pub fn update_actor(actor_doc: Value, updated_ms: i64) -> Value {
    let id = ap::id_of(&actor_doc["id"]).unwrap_or_default().to_owned();
    let followers = urls::followers(&id);
    let context = actor_doc["@context"].clone();
    let mut a = activity(
        "Update",
        &format!("{id}#updates/{}", iso(updated_ms)),
        &id,
        actor_doc,
        json!([PUBLIC]),
        json!([followers]),
    );
    a["@context"] = context;
    a
}

fn identifier(id: Option<String>, name: Option<&str>) -> Value {
    match (id, name) {
        (Some(id), Some(name)) => json!({ "identifier": id, "name": name }),
        _ => Value::Null,
    }
}

fn fragmented(base: &str, v: &Video, f: &VideoFile) -> Vec<Value> {
    let hls = urls::hls(base, &v.uuid);
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
    let mut links = vec![
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
            "href": urls::file_metadata(base, &v.uuid, f.id),
            "height": f.height,
            "width": f.width,
            "fps": fps,
        }),
    ];
    // Its torrent and magnet, as PeerTube links them (BitTorrent clients and PeerTube's own
    // redundancy read them).
    if let (Some(name), Some(hash)) = (&f.torrent_filename, &f.info_hash) {
        let file_url = format!("{hls}/{}", f.filename);
        let t = crate::playback::Torrent::ours(base, v, name, hash, &file_url);
        links.push(json!({
            "type": "Link",
            "mediaType": "application/x-bittorrent",
            "href": t.url,
            "height": f.height,
            "width": f.width,
            "fps": fps,
        }));
        links.push(json!({
            "type": "Link",
            "mediaType": "application/x-bittorrent;x-scheme-handler/magnet",
            "href": t.magnet,
            "height": f.height,
            "width": f.width,
            "fps": fps,
        }));
    }
    links
}

/// Who a video is addressed to: public videos to everyone (and the account's followers in
/// copy), unlisted ones the other way round, as PeerTube does.
pub fn audience(base: &str, v: &Video) -> (Value, Value) {
    let followers = urls::followers_of_account(base, &v.account_name);
    match v.privacy {
        Privacy::Unlisted => (json!([followers]), json!([PUBLIC])),
        _ => (json!([PUBLIC]), json!([followers])),
    }
}

/// The `Video` object of one of our videos.
pub fn video(base: &str, v: &Video, files: &[VideoFile]) -> Value {
    let id = urls::video(base, &v.uuid);
    let (to, cc) = audience(base, v);
    let tags: Vec<String> = serde_json::from_str(&v.tags).unwrap_or_default();
    let mut url = vec![
        json!({ "type": "Link", "mediaType": "text/html", "href": urls::watch_page(base, &v.uuid) }),
        json!({ "type": "Link", "mediaType": "text/html", "href": id }),
    ];
    if let Some(master) = &v.playlist_filename {
        let hls = urls::hls(base, &v.uuid);
        let mut tag = Vec::new();
        // The swarms of its viewers (p2p-media-loader's, one per variant), as PeerTube tags them.
        for h in ruche_p2p::swarm::playlist_info_hashes(&format!("{hls}/{master}"), files.len()) {
            tag.push(json!({ "type": "Infohash", "name": h }));
        }
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
    if v.playlist_filename.is_some() {
        url.push(json!({ "type": "Link", "name": "tracker-http", "rel": ["tracker", "http"], "href": urls::tracker_announce(base) }));
        url.push(json!({ "type": "Link", "name": "tracker-websocket", "rel": ["tracker", "websocket"], "href": urls::tracker_socket(base) }));
    }
    let mut icon = Vec::new();
    if let Some(t) = &v.thumbnail_filename {
        icon.push(json!({ "type": "Image", "url": urls::thumbnail(base, t), "mediaType": "image/jpeg", "width": 280, "height": 157 }));
    }
    if let Some(p) = &v.preview_filename {
        icon.push(json!({ "type": "Image", "url": urls::preview(base, p), "mediaType": "image/jpeg", "width": 850, "height": 480 }));
    }
    // Its storyboard, as PeerTube describes one (`preview`, an `Image` with `rel` storyboard).
    let preview: Vec<Value> = v
        .local_storyboard()
        .map(|s| {
            json!({
                "type": "Image",
                "rel": ["storyboard"],
                "url": [{
                    "mediaType": "image/jpeg",
                    "href": urls::storyboard(base, &s.file),
                    "width": s.total_width,
                    "height": s.total_height,
                    "tileWidth": s.sprite_width,
                    "tileHeight": s.sprite_height,
                    "tileDuration": format!("PT{}S", s.sprite_duration),
                }],
            })
        })
        .into_iter()
        .collect();
    let mut object = json!({
        "@context": video_context(),
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
        "state": v.state.id(),
        // PeerTube 6 reads `commentsEnabled`; 7 and later read `commentsPolicy`.
        "commentsEnabled": v.comments_policy.accepts(),
        // FEP-5624, as PeerTube writes it: anyone may reply, with the owner's approval.
        "canReply": if v.comments_policy == CommentsPolicy::Enabled { Value::Null } else { json!(PUBLIC) },
        "commentsPolicy": v.comments_policy.id(),
        "downloadEnabled": v.download_enabled,
        "published": iso(v.published_at.unwrap_or(v.created_at)),
        "originallyPublishedAt": v.originally_published_at.map(iso),
        "updated": iso(v.updated_at),
        "schedules": [],
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
            urls::account(base, &v.account_name),
            urls::channel(base, &v.channel_name),
        ],
        "isLiveBroadcast": false,
        "liveSaveReplay": null,
        "permanentLive": null,
        "latencyMode": null,
    });
    // (Absent without one, as PeerTube leaves it.)
    if !preview.is_empty() {
        object["preview"] = Value::Array(preview);
    }
    object
}

/// The ActivityPub id of a video, ours or another instance's.
pub fn video_id(base: &str, v: &Video) -> String {
    v.url.clone().unwrap_or_else(|| urls::video(base, &v.uuid))
}

/// The ActivityPub id of a comment, ours or another instance's.
pub fn comment_id(base: &str, video: &Video, c: &Comment) -> String {
    c.url
        .clone()
        .unwrap_or_else(|| urls::comment(base, &video.uuid, c.id))
}

/// A comment of ours as a `Note`: in reply to the video (a thread) or to its parent comment,
/// addressed to everyone with the author's followers and the people it answers in copy, and
/// mentioning them (Mastodon notifies mentioned people).
pub struct NoteParts<'a> {
    pub id: &'a str,
    pub author: &'a str,
    pub in_reply_to: &'a str,
    pub text: &'a str,
    pub published_ms: i64,
    pub updated_ms: i64,
    /// (actor id, `@name@host`) of the authors the comment answers.
    pub mentions: &'a [(String, String)],
    /// FEP-5624's proof that the video's owner accepts it: [`reply_decision_id`] under our
    /// videos, the origin's `ApproveReply` for ours under another instance's video.
    pub reply_approval: Option<&'a str>,
}

pub fn note(p: &NoteParts<'_>) -> Value {
    let mut cc = vec![urls::followers(p.author)];
    cc.extend(p.mentions.iter().map(|(id, _)| id.clone()));
    cc.dedup();
    json!({
        "@context": note_context(),
        "to": [PUBLIC],
        "cc": cc,
        "type": "Note",
        "id": p.id,
        "content": p.text,
        "mediaType": "text/markdown",
        "inReplyTo": p.in_reply_to,
        "updated": iso(p.updated_ms),
        "published": iso(p.published_ms),
        "url": p.id,
        "attributedTo": p.author,
        "replyApproval": p.reply_approval,
        "tag": p.mentions.iter().map(|(id, name)| json!({ "type": "Mention", "href": id, "name": name })).collect::<Vec<_>>(),
    })
}

/// A report of another instance's `object` (owned by the actor `owner`): PeerTube's and
/// Mastodon's `Flag`, from our instance actor so that the reporter stays unknown there, the
/// predefined reasons as hashtags and a video's span in seconds.
#[allow(clippy::too_many_arguments)]
pub fn flag(
    id: &str,
    actor: &str,
    object: &str,
    owner: &str,
    reason: &str,
    reasons: &[String],
    start_at: Option<i64>,
    end_at: Option<i64>,
) -> Value {
    let mut f = json!({
        "@context": context_with(json!({
            "pt": "https://joinpeertube.org/ns#",
            "sc": "http://schema.org/",
            "Hashtag": "as:Hashtag",
            "startAt": "pt:startAt",
            "endAt": "pt:endAt",
        })),
        "to": [owner],
        "cc": [],
        "id": id,
        "type": "Flag",
        "actor": actor,
        "content": reason,
        "mediaType": "text/markdown",
        "object": object,
        "tag": reasons.iter().map(|r| json!({ "type": "Hashtag", "name": r })).collect::<Vec<_>>(),
    });
    if let Some(s) = start_at {
        f["startAt"] = json!(s);
    }
    if let Some(e) = end_at {
        f["endAt"] = json!(e);
    }
    f
}

/// The id of the owner's decision on the reply `comment` (PeerTube's `<comment>/approve-reply`).
pub fn reply_decision_id(comment: &str, approved: bool) -> String {
    let what = if approved { "approve" } else { "reject" };
    format!("{comment}/{what}-reply")
}

/// FEP-5624's decision of a video's `owner` on the reply `comment` under it (which answers
/// `in_reply_to`): PeerTube 7's `ApproveReply`, or `RejectReply`, with its id under `ours`, the
/// owner's instance's own URL of the comment. Sent to the reply's author.
pub fn reply_decision(
    approved: bool,
    ours: &str,
    comment: &str,
    owner: &str,
    in_reply_to: &str,
) -> Value {
    let kind = if approved {
        "ApproveReply"
    } else {
        "RejectReply"
    };
    json!({
        "@context": context_with(json!({ "pt": "https://joinpeertube.org/ns#", kind: format!("pt:{kind}") })),
        "type": kind,
        "id": reply_decision_id(ours, approved),
        "actor": owner,
        "inReplyTo": in_reply_to,
        "object": comment,
    })
}

/// A deleted comment, as its id answers afterwards (PeerTube requires its `published` date).
pub fn tombstone(id: &str, in_reply_to: &str, published_ms: i64, deleted_ms: i64) -> Value {
    json!({
        "@context": note_context(),
        "type": "Tombstone",
        "id": id,
        "url": id,
        "formerType": "Note",
        "inReplyTo": in_reply_to,
        "published": iso(published_ms),
        "deleted": iso(deleted_ms),
    })
}

/// An activity around `object` (an embedded document or an id), with the object's audience.
/// The object's `@context`, which defines its terms, becomes the activity's (it belongs to the
/// outer document only); an object without one gets the activities' own.
pub fn activity(kind: &str, id: &str, actor: &str, object: Value, to: Value, cc: Value) -> Value {
    let mut object = object;
    let context = object
        .as_object_mut()
        .and_then(|o| o.remove("@context"))
        .unwrap_or_else(base_context);
    json!({
        "@context": context,
        "to": to,
        "cc": cc,
        "type": kind,
        "id": id,
        "actor": actor,
        "object": object,
    })
}

/// `Create` of a video by its account, with the whole Video (PeerTube's `/activity` id).
pub fn create_video(base: &str, v: &Video, files: &[VideoFile]) -> Value {
    let object = video(base, v, files);
    let (to, cc) = audience(base, v);
    let id = format!("{}/activity", urls::video(base, &v.uuid));
    let mut a = activity(
        "Create",
        &id,
        &urls::account(base, &v.account_name),
        object,
        to,
        cc,
    );
    a["@context"] = video_context();
    a
}

/// The same `Create` as an item of its account's outbox: the video by its id, no `@context`.
pub fn create_video_ref(base: &str, actor: &str, v: &Video) -> Value {
    let object = urls::video(base, &v.uuid);
    let (to, cc) = audience(base, v);
    let mut a = activity(
        "Create",
        &format!("{object}/activity"),
        actor,
        json!(object),
        to,
        cc,
    );
    if let Some(o) = a.as_object_mut() {
        o.remove("@context");
    }
    a
}

/// `Update` of a video by its account (an edit, or new view counts).
pub fn update_video(base: &str, v: &Video, files: &[VideoFile], at_ms: i64) -> Value {
    let object = video(base, v, files);
    let (to, cc) = audience(base, v);
    let id = format!("{}/updates/{}", urls::video(base, &v.uuid), iso(at_ms));
    let mut a = activity(
        "Update",
        &id,
        &urls::account(base, &v.account_name),
        object,
        to,
        cc,
    );
    a["@context"] = video_context();
    a
}

/// The number that ends the id of the instance's `Announce` of a video
/// (`<video>/announces/0`); its channel's ends with the channel's id. PeerTube numbers them by
/// its actors' ids; ours are ids of two tables, and no channel has id 0.
pub const INSTANCE_SHARE: i64 = 0;

/// The followers collections of everyone involved in one of our videos: its account, its
/// channel and the instance (PeerTube's `getActorsInvolvedInVideo`: the account and whoever
/// shared it, which for our videos are the channel and the instance).
pub fn involved_followers(base: &str, v: &Video) -> Vec<String> {
    [
        urls::account(base, &v.account_name),
        urls::channel(base, &v.channel_name),
        urls::instance_actor(base),
    ]
    .into_iter()
    .map(|a| urls::followers(&a))
    .collect()
}

/// One of our own `Announce`s of one of our videos, as PeerTube shares a new video: by its
/// channel (`share` is the channel's id) and by the instance ([`INSTANCE_SHARE`]). PeerTube
/// shows another server's video only when an actor it follows shared it, so the instance's
/// Announce is what makes a video visible to instances that follow ours, and the channel's is
/// what Mastodon users following the channel see. Addressed as PeerTube addresses it: to the
/// public and the followers of everyone involved in the video. None for another number.
pub fn own_announce(base: &str, v: &Video, share: i64) -> Option<Value> {
    let announcer = if share == INSTANCE_SHARE {
        urls::instance_actor(base)
    } else if share == v.channel_id {
        urls::channel(base, &v.channel_name)
    } else {
        return None;
    };
    let video = video_id(base, v);
    let mut to = vec![PUBLIC.to_string()];
    to.extend(involved_followers(base, v));
    Some(activity(
        "Announce",
        &format!("{video}/announces/{share}"),
        &announcer,
        json!(video),
        json!(to),
        json!([]),
    ))
}

/// `Delete` of something of ours by `actor`.
pub fn delete(actor: &str, object_id: &str, to: Value, cc: Value) -> Value {
    activity(
        "Delete",
        &format!("{object_id}/delete"),
        actor,
        json!(object_id),
        to,
        cc,
    )
}

/// `Delete` of one of our actors by itself, as PeerTube sends it (`<actor>/delete`).
pub fn actor_delete(actor: &str) -> Value {
    delete(
        actor,
        actor,
        json!([PUBLIC]),
        json!([urls::followers(actor)]),
    )
}

/// `Follow` of `target` by `follower`.
pub fn follow(id: &str, follower: &str, target: &str) -> Value {
    let mut f = activity(
        "Follow",
        id,
        follower,
        json!(target),
        json!([target]),
        json!([]),
    );
    if let Some(o) = f.as_object_mut() {
        o.remove("cc");
    }
    f
}

/// `Accept` or `Reject` of a Follow by the followed actor, embedding the Follow as Mastodon
/// requires.
pub fn answer_follow(
    kind: &str,
    id: &str,
    followed: &str,
    follower: &str,
    follow_id: &str,
) -> Value {
    let mut a = activity(
        kind,
        id,
        followed,
        json!({ "type": "Follow", "id": follow_id, "actor": follower, "object": followed }),
        json!([follower]),
        json!([]),
    );
    if let Some(o) = a.as_object_mut() {
        o.remove("cc");
    }
    a
}

/// `Undo` of one of our activities (a Follow, a Like…), embedding it.
pub fn undo(actor: &str, undone: &Value, to: Value) -> Value {
    let id = format!(
        "{}/undo",
        undone["id"].as_str().unwrap_or(actor).trim_end_matches('/')
    );
    let mut a = activity("Undo", &id, actor, undone.clone(), to, json!([]));
    if let Some(o) = a.as_object_mut() {
        o.remove("cc");
    }
    a
}

/// `Like` or `Dislike` of a video by an account (PeerTube's ids: `<actor>/likes/<videoId>`).
pub fn rate(kind: &str, actor: &str, video_ap_id: &str, video_key: i64, to: &str) -> Value {
    let path = if kind == "Like" { "likes" } else { "dislikes" };
    activity(
        kind,
        &format!("{actor}/{path}/{video_key}"),
        actor,
        json!(video_ap_id),
        json!([to]),
        json!([]),
    )
}

/// `View` of a video, sent to its origin so its count grows.
pub fn view(actor: &str, video_ap_id: &str, video_key: i64, viewer: &str, to: &str) -> Value {
    activity(
        "View",
        &format!("{actor}/views/videos/{video_key}/{viewer}"),
        actor,
        json!(video_ap_id),
        json!([to]),
        json!([]),
    )
}

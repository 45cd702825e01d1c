//! The ActivityPub vocabulary, both ways. In: every document of the interop corpus
//! (`tests/fixtures/ap/<software>/`, real JSON from PeerTube, Mastodon, Lemmy, GoToSocial and
//! Pleroma) is read by our readers — actors, PeerTube videos, notes, and the ids activities
//! name. Out: what we emit is pinned by snapshots, keeps PeerTube's and Mastodon's expectations
//! (the first `url` is the HTML page, `attributedTo` holds the account and the channel, a Note's
//! `inReplyTo` and mentions), and every activity we send can carry an RsaSignature2017.
#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_domain::urls;
use ruche_federation::ap;
use ruche_store::comments::Comment;
use ruche_store::users::{Account, Channel, Picture};
use ruche_store::videos::{Video, VideoFile};
use ruche_tube::federation::{inbox, objects, remote};
use serde_json::{Value, json};
use std::path::PathBuf;

fn corpus() -> Vec<(String, Value)> {
    let root = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/ap"
    ));
    let mut out = Vec::new();
    for software in std::fs::read_dir(&root).unwrap() {
        let dir = software.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            let p = f.unwrap().path();
            if p.extension().is_some_and(|e| e == "json") {
                let name = p.strip_prefix(&root).unwrap().display().to_string();
                let doc: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap())
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                out.push((name, doc));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() >= 60, "the corpus is there ({} files)", out.len());
    out
}

#[test]
fn every_actor_of_the_corpus_is_read() {
    let mut read = 0;
    for (name, doc) in corpus() {
        if !["Person", "Group", "Application", "Service", "Organization"]
            .iter()
            .any(|t| ap::is_type(&doc, t))
        {
            continue;
        }
        let id = ap::str_of(&doc, "id").unwrap();
        let parsed = ap::parse_actor(&doc, id);
        if name.ends_with("noinbox.json") {
            assert_eq!(parsed, Err(ap::ApError::Missing("inbox")), "{name}");
            continue;
        }
        let a = parsed.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(a.id, id, "{name}");
        assert!(!a.preferred_username.is_empty(), "{name}");
        assert!(ap::same_origin(&a.inbox, id), "{name}");
        assert!(
            a.public_key_pem
                .as_deref()
                .is_some_and(|k| k.contains("BEGIN PUBLIC KEY")),
            "{name}: a key to check its signatures"
        );
        // Read from another origin, the same document is refused.
        assert!(
            ap::parse_actor(&doc, "https://elsewhere.example/x").is_err(),
            "{name}"
        );
        // Pictures: PeerTube lists each size, the others one; the relative banner of a
        // Mastodon spec document is no URL.
        let has = |k: &str| doc.get(k).is_some_and(|v| !v.is_null());
        assert_eq!(!a.icons.is_empty(), has("icon"), "{name}: icon");
        if name == "peertube/group-tilvids.json" {
            assert!(
                a.icons.len() >= 2 && a.icons.iter().all(|i| i.width.is_some()),
                "{name}"
            );
            assert_eq!(a.images[0].width, Some(1920), "{name}");
        }
        if name == "mastodon/person-mastodon-madrid.json" {
            assert!(a.icons[0].url.ends_with(".jpg?1598972149"), "{name}");
            assert_eq!(a.icons[0].width, None);
        }
        if name == "peertube/actor-group.json" {
            assert!(
                !a.attributed_to.is_empty(),
                "{name}: a channel has an owner"
            );
        }
        read += 1;
    }
    assert!(read >= 14, "{read} actors read");
}

#[test]
fn every_peertube_video_is_read() {
    let mut read = 0;
    for (name, doc) in corpus() {
        let video = if ap::is_type(&doc, "Video") {
            doc.clone()
        } else if ap::is_type(&doc["object"], "Video") {
            doc["object"].clone()
        } else {
            continue;
        };
        if name.ends_with("gotosocial-testcase.json") {
            // GoToSocial's developers anonymised this one and dropped its uuid: PeerTube would
            // refuse it, and so do we.
            assert!(
                remote::parse_video(&video, true)
                    .unwrap_err()
                    .contains("uuid")
            );
            continue;
        }
        let p = remote::parse_video(&video, true).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(uuid::Uuid::parse_str(&p.video.uuid).is_ok(), "{name}");
        assert!(p.video.duration > 0, "{name}");
        assert!(!p.attributed_to.is_empty(), "{name}");
        assert!(p.media.page.is_some(), "{name}: its HTML page");
        assert!(p.media.playlist.is_some(), "{name}: its HLS playlist");
        assert!(!p.media.files.is_empty(), "{name}: its fragmented MP4s");
        assert!(p.media.files.iter().all(|f| f.size > 0), "{name}");
        read += 1;
    }
    assert!(read >= 3, "{read} videos read");
    // What PeerTube refuses, we refuse.
    let base: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/ap/peertube/video.json"
        ))
        .unwrap(),
    )
    .unwrap();
    for (field, value, why) in [
        ("uuid", json!("not-a-uuid"), "uuid"),
        ("duration", json!("ten seconds"), "duration"),
        ("to", json!([]), "public"),
        (
            "attributedTo",
            json!(["https://elsewhere.example/video-channels/x"]),
            "attributed",
        ),
    ] {
        let mut v = base.clone();
        v[field] = value;
        if field == "to" {
            v["cc"] = json!([]);
        }
        let e = remote::parse_video(&v, true).unwrap_err();
        assert!(e.contains(why), "{field}: {e}");
    }
    // Media links must be https outside insecure mode (PeerTube 8's capture is on http).
    let strict = remote::parse_video(&base, false).unwrap();
    assert!(strict.media.playlist.is_none() && strict.media.files.is_empty());
}

#[test]
fn every_activity_names_its_actor_and_object() {
    let mut read = 0;
    for (name, doc) in corpus() {
        let kind = ap::type_of(&doc);
        if !matches!(
            kind,
            "Create"
                | "Update"
                | "Delete"
                | "Follow"
                | "Accept"
                | "Undo"
                | "Like"
                | "Dislike"
                | "Announce"
                | "Flag"
        ) {
            continue;
        }
        let actor = ap::id_of(&doc["actor"]).unwrap_or_else(|| panic!("{name}: no actor"));
        assert!(ap::host_of(actor).is_some(), "{name}");
        let objects = ap::ids(&doc["object"]);
        assert!(!objects.is_empty(), "{name}: no object");
        if matches!(kind, "Undo" | "Accept") && doc["object"].is_object() {
            // What is undone or accepted names its own object.
            assert!(ap::id_of(&doc["object"]["object"]).is_some(), "{name}");
        }
        read += 1;
    }
    assert!(read >= 25, "{read} activities read");
}

#[test]
fn notes_become_comment_text() {
    let mut read = 0;
    for (name, doc) in corpus() {
        let note = if ap::is_type(&doc, "Note") {
            doc.clone()
        } else if ap::is_type(&doc["object"], "Note") {
            doc["object"].clone()
        } else {
            continue;
        };
        let text = inbox::comment_text(&note);
        assert!(!text.contains("<script"), "{name}");
        assert!(!text.contains("onerror"), "{name}");
        if note["mediaType"] == "text/markdown" {
            assert_eq!(
                text,
                note["content"].as_str().unwrap(),
                "{name}: Markdown kept"
            );
        }
        read += 1;
    }
    assert!(read >= 10, "{read} notes read");
    // Mastodon's HTML is cleaned to what a comment may hold; links stay, scripts go.
    let hostile = json!({
        "type": "Note",
        "content": "<p><a href=\"https://a.example/@x\" class=\"u-url mention\">@x</a> hi<script>alert(1)</script><img src=x onerror=alert(1)></p>",
    });
    let text = inbox::comment_text(&hostile);
    assert!(text.contains("<a href=\"https://a.example/@x\""), "{text}");
    assert!(
        !text.contains("script") && !text.contains("onerror") && !text.contains("<img"),
        "{text}"
    );
}

fn video() -> Video {
    Video {
        storyboard: None,
        block_id: None,
        block_reason: None,
        block_unfederated: None,
        id: 7,
        uuid: "6d79bb11-83db-4ca1-baaa-59593c363a96".into(),
        channel_id: 2,
        name: "Une vidéo".into(),
        description: Some("**Bonjour**".into()),
        support: None,
        privacy: ruche_domain::video::Privacy::Public,
        category: Some(15),
        licence: Some(1),
        language: Some("fr".into()),
        tags: "[\"ruche\",\"test\"]".into(),
        nsfw: false,
        comments_policy: ruche_domain::video::CommentsPolicy::RequiresApproval,
        download_enabled: true,
        wait_transcoding: true,
        state: ruche_domain::video::VideoState::Published,
        failure_reason: None,
        progress: 100,
        duration: 10,
        aspect_ratio: Some(1.7778),
        views: 3,
        likes: 1,
        dislikes: 0,
        quota_size: 1000,
        source_filename: "clip.mp4".into(),
        playlist_filename: Some("master.m3u8".into()),
        sha256_filename: Some("segments-sha256.json".into()),
        thumbnail_filename: Some("thumb.jpg".into()),
        preview_filename: Some("preview.jpg".into()),
        created_at: 1_764_000_000_000,
        updated_at: 1_764_000_001_000,
        published_at: Some(1_764_000_000_500),
        originally_published_at: None,
        nsfw_flags: 0,
        nsfw_summary: None,
        channel_name: "root_channel".into(),
        channel_display_name: "Main root channel".into(),
        channel_description: None,
        channel_support: None,
        channel_created_at: 1_764_000_000_000,
        channel_updated_at: 1_764_000_000_000,
        account_id: 1,
        account_name: "root".into(),
        account_display_name: "root".into(),
        account_description: None,
        account_created_at: 1_764_000_000_000,
        account_updated_at: 1_764_000_000_000,
        user_id: Some(1),
        url: None,
        remote_media: None,
        channel_url: None,
        channel_host: None,
        account_url: None,
        account_host: None,
        channel_avatars: None,
        account_avatars: None,
        comments: 0,
        downloads: 0,
    }
}

fn picture(name: &str, w: u32, h: u32) -> Picture {
    Picture {
        filename: format!("{name}-{w}x{h}.webp"),
        width: Some(w),
        height: Some(h),
        url: None,
        created_at: 1_764_000_000_000,
    }
}

fn root_account() -> Account {
    Account {
        id: 1,
        user_id: Some(1),
        name: "root".into(),
        host: None,
        display_name: "Root".into(),
        description: Some("Who I am".into()),
        created_at: 1_764_000_000_000,
        updated_at: 1_764_000_000_000,
        url: None,
        avatars: Some(
            serde_json::to_string(&[picture("0a1b", 120, 120), picture("2c3d", 48, 48)]).unwrap(),
        ),
    }
}

fn channel() -> Channel {
    Channel {
        id: 2,
        account_id: 1,
        name: "root_channel".into(),
        host: None,
        display_name: "Main root channel".into(),
        description: Some("Films".into()),
        support: Some("Thanks!".into()),
        created_at: 1_764_000_000_000,
        updated_at: 1_764_000_005_000,
        url: None,
        avatars: Some(serde_json::to_string(&[picture("4e5f", 600, 600)]).unwrap()),
        banners: Some(serde_json::to_string(&[picture("6a7b", 1920, 317)]).unwrap()),
    }
}

fn files() -> Vec<VideoFile> {
    vec![VideoFile {
        id: 11,
        video_id: 7,
        resolution: 360,
        width: 640,
        height: 360,
        fps: 25.0,
        size: 123_456,
        bandwidth: 400_000,
        codecs: "avc1.64001e,mp4a.40.2".into(),
        filename: "a-360-fragmented.mp4".into(),
        playlist_filename: "a-360.m3u8".into(),
        web_filename: None,
        web_size: None,
        has_audio: true,
        has_video: true,
        torrent_filename: Some("b-360-hls.torrent".into()),
        info_hash: Some("70518e13604965f4a5aa7f9b35f968ba50df77a1".into()),
        web_torrent_filename: None,
        web_info_hash: None,
    }]
}

const BASE: &str = "https://ruche.example";

/// What we send, one activity of each kind.
fn outgoing() -> Vec<(&'static str, Value)> {
    let v = video();
    let f = files();
    let account = format!("{BASE}/accounts/root");
    let remote_video = "https://pt.example/videos/watch/9c9de5e8-0a1b-4cde-8f00-000000000001";
    let comment = Comment {
        id: 5,
        video_id: 7,
        account_id: 1,
        thread_id: Some(4),
        in_reply_to_id: Some(4),
        text: "Merci **beaucoup** !".into(),
        url: None,
        created_at: 1_764_000_002_000,
        updated_at: 1_764_000_002_000,
        deleted_at: None,
        held_for_review: false,
        reply_approval: None,
        replies: 0,
    };
    let note_id = objects::comment_id(BASE, &v, &comment);
    let mentions = vec![(
        "https://mastodon.example/users/ann".to_string(),
        "@ann@mastodon.example".to_string(),
    )];
    let note = objects::note(&objects::NoteParts {
        id: &note_id,
        author: &account,
        in_reply_to: "https://mastodon.example/users/ann/statuses/1",
        text: &comment.text,
        published_ms: comment.created_at,
        updated_ms: comment.updated_at,
        mentions: &mentions,
        reply_approval: Some(&objects::reply_decision_id(&note_id, true)),
    });
    let create_note = objects::activity(
        "Create",
        &format!("{note_id}/activity"),
        &account,
        note.clone(),
        note["to"].clone(),
        note["cc"].clone(),
    );
    let follow = objects::follow(
        &format!("{BASE}/accounts/peertube/follows/1"),
        &format!("{BASE}/accounts/peertube"),
        "https://pt.example/accounts/peertube",
    );
    let like = objects::rate(
        "Like",
        &account,
        remote_video,
        12,
        "https://pt.example/accounts/ann",
    );
    let pem = "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n";
    let group = objects::channel_actor(BASE, &channel(), &root_account(), pem);
    vec![
        ("person", objects::account_actor(BASE, &root_account(), pem)),
        ("group", group.clone()),
        (
            "application",
            objects::instance_actor(BASE, 1_764_000_000_000, pem),
        ),
        (
            "update_group",
            objects::update_actor(group, 1_764_000_005_000),
        ),
        (
            "delete_group",
            objects::actor_delete(&format!("{BASE}/video-channels/root_channel")),
        ),
        ("video", objects::video(BASE, &v, &f)),
        ("create_video", objects::create_video(BASE, &v, &f)),
        (
            "update_video",
            objects::update_video(BASE, &v, &f, 1_764_000_003_000),
        ),
        (
            "announce",
            objects::own_announce(BASE, &v, v.channel_id).unwrap(),
        ),
        (
            "announce_instance",
            objects::own_announce(BASE, &v, objects::INSTANCE_SHARE).unwrap(),
        ),
        (
            "delete_video",
            objects::delete(
                &account,
                &format!("{BASE}/videos/watch/{}", v.uuid),
                json!([urls::followers_of_account(BASE, "root")]),
                json!([]),
            ),
        ),
        ("create_note", create_note),
        (
            "tombstone",
            objects::tombstone(
                &note_id,
                "https://pt.example/x",
                1_764_000_002_000,
                1_764_000_004_000,
            ),
        ),
        (
            "approve_reply",
            objects::reply_decision(
                true,
                &format!("{BASE}/videos/watch/{}/comments/8", v.uuid),
                "https://mastodon.example/users/ann/statuses/2",
                &account,
                &format!("{BASE}/videos/watch/{}", v.uuid),
            ),
        ),
        (
            "flag",
            objects::flag(
                &format!("{BASE}/admin/abuses/7"),
                &format!("{BASE}/accounts/peertube"),
                remote_video,
                "https://pt.example/accounts/ann",
                "Des publicités cachées",
                &["spamOrMisleading".to_string()],
                Some(5),
                Some(10),
            ),
        ),
        (
            "reject_reply",
            objects::reply_decision(
                false,
                &format!("{BASE}/videos/watch/{}/comments/9", v.uuid),
                "https://mastodon.example/users/ann/statuses/3",
                &account,
                &note_id,
            ),
        ),
        ("follow", follow.clone()),
        (
            "accept",
            objects::answer_follow(
                "Accept",
                &format!("{BASE}/accepts/follows/3"),
                &format!("{BASE}/accounts/peertube"),
                "https://pt.example/accounts/peertube",
                "https://pt.example/accounts/peertube/follows/9",
            ),
        ),
        (
            "undo_follow",
            objects::undo(
                &format!("{BASE}/accounts/peertube"),
                &follow,
                json!(["https://pt.example/accounts/peertube"]),
            ),
        ),
        ("like", like.clone()),
        (
            "undo_like",
            objects::undo(&account, &like, json!(["https://pt.example/accounts/ann"])),
        ),
        (
            "view",
            objects::view(
                &format!("{BASE}/accounts/peertube"),
                remote_video,
                12,
                "abcdef",
                "https://pt.example/accounts/ann",
            ),
        ),
    ]
}

#[test]
fn what_we_send_is_pinned() {
    for (name, doc) in outgoing() {
        insta::assert_json_snapshot!(name, doc);
    }
}

#[test]
fn what_we_send_keeps_peertube_and_mastodon_expectations() {
    let all: std::collections::HashMap<_, _> = outgoing().into_iter().collect();
    let v = &all["video"];
    // Mastodon shows the first `url`, which must be the HTML page.
    assert_eq!(v["url"][0]["mediaType"], "text/html");
    // PeerTube drops a video whose attributedTo lacks a Group of its own host.
    assert_eq!(
        v["attributedTo"][1],
        format!("{BASE}/video-channels/root_channel")
    );
    let parsed = remote::parse_video(v, false).unwrap();
    assert_eq!(parsed.media.files.len(), 1);
    assert_eq!(parsed.video.uuid, "6d79bb11-83db-4ca1-baaa-59593c363a96");
    // Our Create is PeerTube's: its context and the whole video.
    let theirs: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/ap/peertube/video-create.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let ours = &all["create_video"];
    // PeerTube 8's context, and the one term of PeerTube 6's we keep sending.
    let mut context = theirs["@context"].clone();
    context[3]["commentsEnabled"] = json!("pt:commentsEnabled");
    assert_eq!(ours["@context"], context);
    for key in theirs.as_object().unwrap().keys() {
        assert!(ours.get(key).is_some(), "create: {key}");
    }
    for key in theirs["object"].as_object().unwrap().keys() {
        assert!(
            ours["object"].get(key).is_some()
                || key == "preview"
                || key == "hasParts"
                || key == "playerSettings",
            "create.object: {key}"
        );
    }
    // A reply mentions whom it answers, so Mastodon notifies them.
    let note = &all["create_note"]["object"];
    assert_eq!(note["tag"][0]["type"], "Mention");
    assert!(ap::ids(&note["cc"]).contains(&"https://mastodon.example/users/ann"));
    // Actors have every key of PeerTube's, pictures as `icon` (each size) and `image`.
    for (ours, theirs) in [
        ("person", "actor-person"),
        ("group", "actor-group"),
        ("application", "actor-application"),
    ] {
        let theirs: Value = serde_json::from_str(
            &std::fs::read_to_string(format!(
                "{}/../../tests/fixtures/ap/peertube/{theirs}.json",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap(),
        )
        .unwrap();
        for key in theirs.as_object().unwrap().keys() {
            assert!(
                all[ours].get(key).is_some() || key == "playerSettings",
                "{ours}: {key}"
            );
        }
    }
    assert_eq!(
        all["person"]["icon"][0]["url"],
        format!("{BASE}/lazy-static/avatars/0a1b-120x120.webp")
    );
    assert_eq!(all["person"]["icon"][1]["width"], 48);
    assert_eq!(
        all["group"]["image"][0]["url"],
        format!("{BASE}/lazy-static/banners/6a7b-1920x317.webp")
    );
    assert!(all["application"].get("icon").is_none());
    // An actor's Update carries it whole, as Mastodon refreshes profiles from it.
    let update = &all["update_group"];
    assert_eq!(
        update["actor"],
        format!("{BASE}/video-channels/root_channel")
    );
    assert_eq!(update["object"]["icon"][0]["width"], 600);
    assert!(update["object"].get("@context").is_none());
    assert_eq!(
        update["cc"][0],
        format!("{BASE}/video-channels/root_channel/followers")
    );
    // Accept embeds the Follow it accepts, as Mastodon requires.
    assert_eq!(all["accept"]["object"]["type"], "Follow");
}

#[test]
fn everything_we_send_can_be_ld_signed() {
    let (public, private) = ruche_federation::generate_key_pair().unwrap();
    for (name, doc) in outgoing() {
        if ["video", "tombstone", "person", "group", "application"].contains(&name) {
            continue; // Objects, not activities.
        }
        let signed = ruche_federation::ld::sign(
            &doc,
            &format!("{BASE}/accounts/root"),
            &private,
            "2026-12-01T00:00:00.000Z",
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        ruche_federation::ld::verify(&signed, &public).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

/// PeerTube's inbox answers 204 to anything signed, then drops what its validators refuse: every
/// document we send must pass them (`acceptance`, a port of PeerTube's rules), whole, with
/// nothing PeerTube would have to drop from it.
#[test]
fn peertube_keeps_everything_we_send() {
    use ruche_tube::federation::acceptance;
    let mut second_phase = files();
    second_phase.push(VideoFile {
        id: 12,
        resolution: 240,
        width: 426,
        height: 240,
        filename: "a-240-fragmented.mp4".into(),
        playlist_filename: "a-240.m3u8".into(),
        ..files()[0].clone()
    });
    let mut all = outgoing();
    // The video at each phase: its first rendition (with its thumbnail, made beside it), then
    // the whole ladder.
    all.push((
        "create_video_phase_1",
        objects::create_video(BASE, &video(), &files()),
    ));
    all.push((
        "update_video_phase_2",
        objects::update_video(BASE, &video(), &second_phase, 1_764_000_006_000),
    ));
    for (name, doc) in all {
        let verdict = match ap::type_of(&doc) {
            "Video" => acceptance::check_video(&doc),
            "Note" | "Tombstone" => acceptance::check_note(&doc),
            "Person" | "Group" | "Application" => acceptance::check_actor(&doc),
            _ => acceptance::check_activity(&doc),
        };
        match verdict {
            Ok(dropped) => assert!(
                dropped.is_empty(),
                "{name}: PeerTube would drop {dropped:?}\n{doc:#}"
            ),
            Err(why) => panic!("{name}: PeerTube drops it: {why}\n{doc:#}"),
        }
    }
    // A video published before its thumbnail existed (`"icon": []`, as phase 1 once
    // published it) is dropped whole: `outbox::federated` never sends one.
    let bare = Video {
        thumbnail_filename: None,
        preview_filename: None,
        ..video()
    };
    let why = acceptance::check_activity(&objects::create_video(BASE, &bare, &files()))
        .expect_err("PeerTube drops a Video without a JPEG icon");
    assert!(why.contains("icon"), "{why}");
}

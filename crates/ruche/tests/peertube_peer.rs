//! Ruche and a PeerTube instance, as PeerTube sees things. A real PeerTube inbox answers 204 to
//! everything and then drops, without a word, what its validators refuse: so the other side is
//! played here by the test (`ruche_testkit::peer`), which keeps every activity it receives and judges
//! it by PeerTube's own acceptance rules (`ruche_tube::federation::acceptance`, ported from its
//! validators), and reads our documents the way PeerTube reads them (an Announce's object, every
//! id of a video's `shares`, actors and their collections).
//!
//! - `peertube_follows_ruche`: PeerTube follows our instance (an instance follow alone) and one
//!   of its users our channel; a video uploaded here reaches it as PeerTube keeps it: a Create
//!   whose Video already has its JPEG thumbnail, and the instance actor's Announce (what makes
//!   another server's video visible on PeerTube); every share id answers.
//! - `peertube_video_gains_renditions`: a PeerTube video that gains renditions after
//!   publication, told by several `Update`s with one id (PeerTube's `<video>/updates/<date>`,
//!   with its master playlist renamed each time), ends here with its whole ladder playable, and
//!   its pushed views counted; an older Update changes nothing.
#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_testkit::peer::Peer;
use ruche_testkit::{Instance, ap_get, both};
use ruche_tube::federation::acceptance;
use serde_json::{Value, json};

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

const FEDERATION: &[(&str, &str)] = &[
    ("RUCHE_FEDERATION_ALLOW_INSECURE", "true"),
    ("RUCHE_FEDERATION_RETRY_BASE_SECS", "1"),
    ("RUCHE_FEDERATION_RETRY_MAX_SECS", "2"),
    ("RUCHE_FEDERATION_STATS_PUSH_SECS", "1"),
];

/// What PeerTube would say of an activity: kept, or dropped and why.
fn judged(a: &Value) -> Result<(), String> {
    acceptance::check_activity(a).map(|_| ())
}

/// Every item of a paged collection, as PeerTube crawls one (`first`, then `next`).
async fn crawl(url: &str) -> Vec<Value> {
    let (status, c) = ap_get(url).await;
    assert_eq!(status, 200, "{url}: {c}");
    let mut items = Vec::new();
    let mut page = c["first"].as_str().map(str::to_string);
    while let Some(p) = page {
        let (status, doc) = ap_get(&p).await;
        assert_eq!(status, 200, "{p}");
        items.extend(doc["orderedItems"].as_array().cloned().unwrap_or_default());
        page = doc["next"].as_str().map(str::to_string);
    }
    assert_eq!(
        items.len() as i64,
        c["totalItems"].as_i64().unwrap(),
        "{url}"
    );
    items
}

both!(peertube_follows_ruche, |db| async move {
    let a = Instance::start(db, FEDERATION).await;
    let token = a.root_token().await;
    let pt = Peer::start().await;
    let server = pt.actor("/accounts/peertube", "Application", "peertube", json!({}));
    let ann = pt.actor("/accounts/ann", "Person", "ann", json!({}));
    let inbox = format!("{}/inbox", a.url);
    let ours = format!("{}/accounts/peertube", a.url);
    let channel = format!("{}/video-channels/root_channel", a.url);

    // PeerTube's admin follows our instance, and only it; one of its users follows our channel.
    for (by, target, n) in [(&server, &ours, 1), (&ann, &channel, 2)] {
        let follow = json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "type": "Follow", "id": format!("{by}/follows/{n}"), "actor": by, "object": target,
        });
        let (status, body) = pt.send(by, &inbox, &follow).await;
        assert_eq!(status, 204, "{body}");
    }
    a.eventually("both follows are accepted", 60, || async {
        let accepted = pt
            .received()
            .iter()
            .filter(|x| x["type"] == "Accept")
            .count();
        (accepted == 2).then_some(())
    })
    .await;
    // The API counts the followers the ActivityPub collection lists.
    let (_, ch) = a
        .get_json(&token, "/api/v1/video-channels/root_channel")
        .await;
    let (_, followers) = ap_get(&format!("{channel}/followers")).await;
    assert_eq!(followers["totalItems"], 1);
    assert_eq!(ch["followersCount"], followers["totalItems"], "{ch}");

    let dir = tempfile::tempdir().unwrap();
    let clip = ruche_testkit::small_clip(dir.path());
    let (status, up) = a.upload(&token, &clip, 1, "Vue de PeerTube").await;
    assert_eq!(status, 200, "{up}");
    let short = up["video"]["shortUUID"].as_str().unwrap().to_string();
    let uuid = a.wait_transcoded(&token, &short, 2).await["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let video = format!("{}/videos/watch/{uuid}", a.url);
    let about = |x: &Value| ruche_federation::ap::id_of(&x["object"]) == Some(video.as_str());
    // The Create, both Announces, and the Update of the second phase.
    let got = a
        .eventually("what PeerTube receives of the video", 60, || async {
            let got: Vec<Value> = pt.received().into_iter().filter(|x| about(x)).collect();
            let has = |kind: &str, actor: &str| {
                got.iter()
                    .any(|x| x["type"] == kind && (actor.is_empty() || x["actor"] == actor))
            };
            (has("Create", "")
                && has("Announce", &ours)
                && has("Announce", &channel)
                && has("Update", ""))
            .then_some(got)
        })
        .await;

    // PeerTube keeps every one of them, signed by its actor.
    for (signer, x) in pt.signed() {
        acceptance::check_delivery(&x, &signer)
            .unwrap_or_else(|why| panic!("PeerTube drops {}: {why}\n{x:#}", x["id"]));
    }
    // Its Create (published at the first phase) already carries its JPEG thumbnail: PeerTube
    // drops a Video without one.
    let first = got.iter().find(|x| x["type"] == "Create").unwrap();
    let icon = first["object"]["icon"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["mediaType"] == "image/jpeg")
        .unwrap_or_else(|| panic!("no JPEG icon: {first:#}"));
    let jpeg = reqwest::get(icon["url"].as_str().unwrap())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(jpeg.starts_with(&[0xFF, 0xD8]), "the icon is a JPEG");
    // The instance's Announce, PeerTube's shape: `<video>/announces/<n>`, to the public and
    // the followers of those involved.
    let announce = got
        .iter()
        .find(|x| x["type"] == "Announce" && x["actor"] == ours)
        .unwrap();
    assert!(
        announce["id"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{video}/announces/")),
        "{announce}"
    );
    let to = ruche_federation::ap::ids(&announce["to"]);
    assert!(
        to.contains(&PUBLIC) && to.contains(&format!("{ours}/followers").as_str()),
        "{announce}"
    );
    // What PeerTube does with an Announce: it reads the video at its origin.
    let (status, doc) = ap_get(&video).await;
    assert_eq!(status, 200);
    acceptance::check_video(&doc).unwrap_or_else(|why| panic!("{why}\n{doc:#}"));
    // And it reads every share of the video's `shares`, keeping those that answer: all do.
    let shares = crawl(doc["shares"].as_str().unwrap()).await;
    assert_eq!(shares.len(), 2, "the channel's and the instance's");
    for id in &shares {
        let id = id.as_str().unwrap();
        let (status, share) = ap_get(id).await;
        assert_eq!(status, 200, "{id}");
        assert_eq!(share["id"], id);
        assert_eq!(share["object"], video.as_str());
        assert!(
            share["actor"] == ours || share["actor"] == channel,
            "{share}"
        );
        judged(&share).unwrap();
    }
    let (status, create) = ap_get(&format!("{video}/activity")).await;
    assert_eq!(status, 200);
    assert_eq!(create["type"], "Create");
    judged(&create).unwrap();
    // Our actors and what they advertise: PeerTube reads them all, the playlists included.
    for actor in [&ours, &format!("{}/accounts/root", a.url), &channel] {
        let (status, doc) = ap_get(actor).await;
        assert_eq!(status, 200, "{actor}");
        acceptance::check_actor(&doc).unwrap_or_else(|why| panic!("{actor}: {why}"));
        for key in ["followers", "following", "playlists", "outbox"] {
            let url = doc[key].as_str().unwrap();
            let items = crawl(url).await;
            // The Announces PeerTube reads from outboxes are kept (an account's outbox lists
            // its Creates by id, as PeerTube's own does).
            for item in items.iter().filter(|i| i["type"] == "Announce") {
                judged(item).unwrap_or_else(|why| panic!("{url}: {why}\n{item:#}"));
            }
        }
    }
    a.stop().await;
});

/// One rendition as PeerTube 8 stores it: an HLS playlist over one fragmented MP4.
struct Rendition {
    height: u32,
    width: u32,
    playlist: Vec<u8>,
    file: Vec<u8>,
}

/// Three renditions of a 2-second clip, made by ffmpeg.
fn ladder(dir: &std::path::Path) -> Vec<Rendition> {
    [(240_u32, 426_u32), (360, 640), (480, 854)]
        .into_iter()
        .map(|(h, w)| {
            let file = dir.join(format!("{h}-fragmented.mp4"));
            let source = format!("testsrc2=s={w}x{h}:r=25:d=2");
            let segments = file.to_str().unwrap();
            let playlist = ruche_testkit::clip(
                dir,
                &format!("{h}.m3u8"),
                &[
                    "-f",
                    "lavfi",
                    "-i",
                    &source,
                    "-c:v",
                    "libx264",
                    "-preset",
                    "ultrafast",
                    "-pix_fmt",
                    "yuv420p",
                    "-f",
                    "hls",
                    "-hls_segment_type",
                    "fmp4",
                    "-hls_flags",
                    "single_file",
                    "-hls_playlist_type",
                    "vod",
                    "-hls_segment_filename",
                    segments,
                ],
            );
            Rendition {
                height: h,
                width: w,
                playlist: std::fs::read(&playlist).unwrap(),
                file: std::fs::read(&file).unwrap(),
            }
        })
        .collect()
}

both!(peertube_video_gains_renditions, |db| async move {
    let a = Instance::start(db, FEDERATION).await;
    let token = a.root_token().await;
    let pt = Peer::start().await;
    let base = pt.base.clone();
    let ann = pt.actor("/accounts/ann", "Person", "ann", json!({}));
    let channel = pt.actor(
        "/video-channels/ann_channel",
        "Group",
        "ann_channel",
        json!({ "attributedTo": [{ "type": "Person", "id": ann }] }),
    );
    let uuid = "0b1f7d9e-6a3c-4d2b-9e8f-1a2b3c4d5e6f";
    let video = format!("{base}/videos/watch/{uuid}");
    let hls = format!("/static/streaming-playlists/hls/{uuid}");
    let dir = tempfile::tempdir().unwrap();
    let renditions = ladder(dir.path());
    for r in &renditions {
        let h = r.height;
        pt.put(
            &format!("{hls}/{h}.m3u8"),
            "application/vnd.apple.mpegurl",
            r.playlist.clone(),
        );
        pt.put(
            &format!("{hls}/{h}-fragmented.mp4"),
            "video/mp4",
            r.file.clone(),
        );
    }
    let thumb = ruche_testkit::picture(dir.path(), "thumb.jpg", 280, 157);
    pt.put(
        "/lazy-static/thumbnails/t.jpg",
        "image/jpeg",
        std::fs::read(thumb).unwrap(),
    );
    for which in ["likes", "dislikes"] {
        let id = format!("{video}/{which}");
        pt.put_json(
            &format!("/videos/watch/{uuid}/{which}"),
            &json!({ "id": id, "type": "OrderedCollection", "totalItems": 0 }),
        );
    }
    // The video as PeerTube serves it with its first `n` renditions, whose master playlist
    // PeerTube names anew each time it rewrites it (and removes the old one).
    let updated = "2026-12-01T10:00:05.000Z";
    let publish = |n: usize, views: i64, updated: &str| -> Value {
        let master_path = format!("{hls}/master-{n}.m3u8");
        let mut master = String::from("#EXTM3U\n#EXT-X-VERSION:7\n");
        let mut tag = Vec::new();
        for r in &renditions[..n] {
            let (h, w, ht, file) = (r.height, r.width, r.height, &r.file);
            master.push_str(&format!(
                "#EXT-X-STREAM-INF:BANDWIDTH={},RESOLUTION={w}x{ht},CODECS=\"avc1.64001e\"\n{h}.m3u8\n",
                200_000 * (h as usize) / 240
            ));
            tag.push(json!({
                "type": "Link", "mediaType": "video/mp4",
                "href": format!("{base}{hls}/{h}-fragmented.mp4"),
                "height": ht, "width": w, "size": file.len(), "fps": 25,
                "attachment": [
                    { "type": "PropertyValue", "name": "ffprobe_codec_type", "value": "video" },
                    { "type": "PropertyValue", "name": "peertube_format_flag", "value": "fragmented" },
                ],
            }));
        }
        for old in 1..=renditions.len() {
            pt.remove(&format!("{hls}/master-{old}.m3u8"));
        }
        pt.put(
            &master_path,
            "application/vnd.apple.mpegurl",
            master.into_bytes(),
        );
        // Its viewers' swarms (p2p-media-loader's hashes of this master) and its trackers.
        for h in ruche_p2p::swarm::playlist_info_hashes(&format!("{base}{master_path}"), n) {
            tag.push(json!({ "type": "Infohash", "name": h }));
        }
        tag.push(
            json!({ "type": "Link", "name": "sha256", "mediaType": "application/json",
                         "href": format!("{base}{hls}/segments-sha256.json") }),
        );
        let ws = base.replacen("http://", "ws://", 1);
        let mut doc = ruche_testkit::peer::video_doc(
            &base,
            uuid,
            "Une vidéo de PeerTube",
            (&ann, &channel),
            vec![
                json!({ "type": "Link", "mediaType": "application/x-mpegURL",
                         "href": format!("{base}{master_path}"), "tag": tag }),
                json!({ "type": "Link", "name": "tracker-http", "rel": ["tracker", "http"],
                         "href": format!("{base}/tracker/announce") }),
                json!({ "type": "Link", "name": "tracker-websocket", "rel": ["tracker", "websocket"],
                         "href": format!("{ws}/tracker/socket") }),
            ],
            &format!("{base}/lazy-static/thumbnails/t.jpg"),
        );
        doc["views"] = json!(views);
        doc["updated"] = json!(updated);
        pt.put_json(&format!("/videos/watch/{uuid}"), &doc);
        doc
    };
    let activity =
        |kind: &str, id: &str, object: Value| ruche_testkit::peer::activity(kind, id, &ann, object);
    let inbox = format!("{}/inbox", a.url);
    let send = |x: Value| {
        let (pt, ann, inbox) = (&pt, &ann, &inbox);
        async move {
            judged(&x).unwrap_or_else(|why| panic!("not as PeerTube sends it: {why}"));
            let (status, body) = pt.send(ann, inbox, &x).await;
            assert_eq!(status, 204, "{body}");
        }
    };
    let shown = || {
        let (a, token) = (&a, token.clone());
        async move {
            let (status, v) = a.get_json(&token, &format!("/api/v1/videos/{uuid}")).await;
            (status == 200).then_some(v)
        }
    };

    // Published with its first rendition.
    send(activity(
        "Create",
        &format!("{video}/activity"),
        publish(1, 0, updated),
    ))
    .await;
    a.eventually("the video arrives", 60, shown).await;
    // Two renditions join, then a third, then views are pushed: one Update id for all three,
    // sent without waiting, as PeerTube sends them.
    let update_id = format!("{video}/updates/{updated}");
    for (n, views) in [(2, 0), (3, 0), (3, 42)] {
        send(activity("Update", &update_id, publish(n, views, updated))).await;
    }
    let v = a
        .eventually("the whole ladder and the views", 60, || async {
            let v = shown().await?;
            let master = v["streamingPlaylists"][0]["playlistUrl"].as_str()?;
            (master.ends_with("/master-3.m3u8") && v["views"] == 42).then_some(v)
        })
        .await;
    // It plays: the master playlist answers and lists three renditions, every file answers.
    let master = v["streamingPlaylists"][0]["playlistUrl"].as_str().unwrap();
    let text = reqwest::get(master).await.unwrap().text().await.unwrap();
    assert_eq!(text.matches("#EXT-X-STREAM-INF").count(), 3, "{text}");
    let files = v["streamingPlaylists"][0]["files"].as_array().unwrap();
    assert_eq!(files.len(), 3, "{v:#}");
    for f in files {
        let url = f["fileUrl"].as_str().unwrap();
        let r = reqwest::get(url).await.unwrap();
        assert_eq!(r.status(), 200, "{url}");
    }
    // Its viewers here join its origin's swarm: the player is given the origin's tracker, and
    // our tracker serves the swarms the origin published (an HTTP announce of one is taken).
    let ws_tracker = format!("{}/tracker/socket", base.replacen("http://", "ws://", 1));
    assert_eq!(v["trackerUrls"], json!([ws_tracker]), "{v:#}");
    let page = reqwest::get(format!("{}/w/{uuid}", a.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("data-trackers=\"{ws_tracker}\"")),
        "{page}"
    );
    let swarm = ruche_p2p::swarm::stream_hash(master, ruche_p2p::swarm::StreamKind::Main, 2);
    let encoded: String = swarm.iter().map(|b| format!("%{b:02X}")).collect();
    let announce = format!(
        "{}/tracker/announce?info_hash={encoded}&peer_id=-PM0202-abcdefghijkl&port=6881&left=0",
        a.url,
    );
    let body = reqwest::get(&announce)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(
        body.starts_with(b"d8:completei1e"),
        "{}",
        String::from_utf8_lossy(&body)
    );
    let unknown = announce.replace(&encoded, "AAAAAAAAAAAAAAAAAAAA");
    let body = reqwest::get(&unknown).await.unwrap().bytes().await.unwrap();
    assert!(
        String::from_utf8_lossy(&body).contains("Unknown infoHash"),
        "{}",
        String::from_utf8_lossy(&body)
    );
    // Nobody here follows its account or channel, and no actor followed from here shared it:
    // it is reachable by its id, but not listed (PeerTube's rule, which keeps unsolicited
    // videos out of the instance's lists).
    let (_, listed) = a.get_json(&token, "/api/v1/videos?isLocal=false").await;
    assert_eq!(listed["total"], 0, "{listed}");
    // An Update older than what we hold (delivered late) changes nothing.
    let stale = "2026-12-01T09:00:00.000Z";
    let mut old = publish(1, 7, stale);
    publish(3, 42, updated); // The origin still serves the newest state.
    old["updated"] = json!(stale);
    send(activity("Update", &format!("{video}/updates/{stale}"), old)).await;
    a.eventually("the stale Update is applied (or dropped)", 60, || async {
        let (_, jobs) = a.get_json(&token, "/api/v1/jobs/pending").await;
        let busy = jobs["data"]
            .as_array()?
            .iter()
            .any(|j| j["type"] == "inbox" && j["state"] != "failed");
        (!busy).then_some(())
    })
    .await;
    let v = shown().await.unwrap();
    assert!(
        v["streamingPlaylists"][0]["playlistUrl"]
            .as_str()
            .unwrap()
            .ends_with("/master-3.m3u8"),
        "{v:#}"
    );
    assert_eq!(v["views"], 42);
    a.stop().await;
});

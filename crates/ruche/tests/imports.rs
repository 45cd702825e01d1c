//! Video imports as PeerTube's API has them, against real `ruche serve`s (SQLite and
//! PostgreSQL), a real yt-dlp and ffmpeg, and a loopback web server holding the files: a URL's
//! video becomes ours (named from what yt-dlp says unless the user names it, private unless
//! told otherwise) and goes through the ladder; the user lists, cancels and forgets imports;
//! bad URLs, pages without a video, other users' channels and imports, a quota too small, a
//! private address and a disabled instance are refused with PeerTube's statuses, and nothing is
//! left behind.

#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_testkit::peer::Peer;
use ruche_testkit::{Instance, both, query_escape, small_clip};
use serde_json::{Value, json};

const ENABLED: &[(&str, &str)] = &[
    ("RUCHE_IMPORTS_HTTP_ENABLED", "true"),
    ("RUCHE_FEDERATION_ALLOW_INSECURE", "true"),
];

/// The caller's import `id` once it is no longer pending or processing.
async fn settled(inst: &Instance, token: &str, id: i64) -> Value {
    inst.eventually("the import settled", 120, || async {
        let (_, l) = inst
            .api()
            .with(token)
            .get_json("/api/v1/users/me/videos/imports?count=100")
            .await;
        l["data"]
            .as_array()?
            .iter()
            .find(|i| i["id"] == id && ![1, 6].contains(&i["state"]["id"].as_i64().unwrap()))
            .cloned()
    })
    .await
}

both!(imports_as_peertube, |db| async move {
    let peer = Peer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clip = std::fs::read(small_clip(dir.path())).unwrap();
    peer.put("/media/clip.mp4", "video/mp4", clip);
    peer.put(
        "/page.html",
        "text/html",
        b"<html><body><p>No video here.</p></body></html>".to_vec(),
    );
    let inst = Instance::start(db, ENABLED).await;
    let root = inst.root_token().await;
    let (alice, ch) = inst.user(&root, "alice", -1).await;
    let (bob, _) = inst.user(&root, "bob", -1).await;
    let (_, config) = inst.api().get_json("/api/v1/config").await;
    assert_eq!(config["import"]["videos"]["http"]["enabled"], true);

    // A file's URL: named by yt-dlp (the file's name), private by default, then transcoded.
    let url = format!("{}/media/clip.mp4", peer.base);
    let (s, made) = inst
        .api()
        .with(&alice)
        .post_json(
            "/api/v1/videos/imports",
            json!({ "targetUrl": url, "channelId": ch }),
        )
        .await;
    assert_eq!(s, 200, "{made}");
    assert_eq!(made["targetUrl"], url.as_str());
    assert!(
        [1, 6].contains(&made["state"]["id"].as_i64().unwrap()),
        "{made}"
    );
    assert_eq!(made["video"]["name"], "clip");
    assert_eq!(
        made["video"]["privacy"]["id"], 3,
        "private until said otherwise"
    );
    let id = made["id"].as_i64().unwrap();
    let uuid = made["video"]["uuid"].as_str().unwrap().to_string();
    let done = settled(&inst, &alice, id).await;
    assert_eq!(
        done["state"],
        json!({ "id": 2, "label": "Success" }),
        "{done}"
    );
    let v = inst.wait_transcoded(&alice, &uuid, 2).await;
    assert_eq!(
        (v["duration"].as_i64(), v["name"].as_str()),
        (Some(3), Some("clip"))
    );
    // Alice is told (PeerTube's MY_VIDEO_IMPORT_SUCCESS), with the import and its video.
    let (_, told) = inst
        .get_json(&alice, "/api/v1/users/me/notifications?typeOneOf=7")
        .await;
    assert_eq!(told["data"][0]["videoImport"]["id"], id, "{told}");
    assert_eq!(
        told["data"][0]["videoImport"]["video"]["uuid"],
        uuid.as_str()
    );

    // As a form, named and public: the user's choices win over yt-dlp's.
    let form = [
        ("targetUrl", url.clone()),
        ("channelId", ch.to_string()),
        ("name", "Mon import".to_string()),
        ("privacy", "1".to_string()),
    ];
    let r = inst
        .api()
        .with(&alice)
        .request(reqwest::Method::POST, "/api/v1/videos/imports")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let second: Value = r.json().await.unwrap();
    assert_eq!(second["video"]["name"], "Mon import");
    assert_eq!(second["video"]["privacy"]["id"], 1);
    let second_id = second["id"].as_i64().unwrap();
    settled(&inst, &alice, second_id).await;

    // The list: newest first, by URL, by words of the URL or the video's name.
    let mine = |q: &str| {
        let api = inst.api().with(&alice);
        let path = format!("/api/v1/users/me/videos/imports?{q}");
        async move { api.get_json(&path).await.1 }
    };
    let all = mine("").await;
    assert_eq!(all["total"], 2, "{all}");
    assert_eq!(all["data"][0]["id"], second_id, "newest first");
    assert_eq!(mine("sort=createdAt").await["data"][0]["id"], id);
    assert_eq!(mine("search=import").await["total"], 1);
    assert_eq!(
        mine(&format!("targetUrl={}", query_escape(&url))).await["total"],
        2
    );
    assert_eq!(mine("search=nothing-like-it").await["total"], 0);
    let (s, _) = inst
        .api()
        .get_json("/api/v1/users/me/videos/imports?sort=name")
        .await;
    assert_eq!(s, 401);
    assert_eq!(
        inst.api()
            .with(&alice)
            .get_json("/api/v1/users/me/videos/imports?sort=name")
            .await
            .0,
        400
    );
    assert_eq!(
        inst.api()
            .with(&bob)
            .get_json("/api/v1/users/me/videos/imports")
            .await
            .1["total"],
        0,
        "each their own"
    );

    // Cancel: only a pending one (409); another user's: 403; unknown: 404. Delete: the import
    // goes, the video stays.
    let cancel = |who: &str, n: i64| {
        let api = inst.api().with(who);
        async move {
            api.post(&format!("/api/v1/videos/imports/{n}/cancel"))
                .await
                .0
        }
    };
    assert_eq!(cancel(&alice, id).await, 409);
    assert_eq!(cancel(&bob, id).await, 403);
    assert_eq!(cancel(&alice, 999_999).await, 404);
    let remove = |who: &str, n: i64| {
        let api = inst.api().with(who);
        async move { api.delete(&format!("/api/v1/videos/imports/{n}")).await.0 }
    };
    assert_eq!(remove(&bob, id).await, 403);
    assert_eq!(remove(&alice, id).await, 204);
    assert_eq!(mine("").await["total"], 1);
    assert_eq!(
        inst.api()
            .with(&alice)
            .status(&format!("/api/v1/videos/{uuid}"))
            .await,
        200
    );

    // Refused at once: what yt-dlp cannot read (a page without a video, a missing file), a URL
    // that is none, no URL, a magnet, someone else's channel.
    let post = |who: &str, body: Value| {
        let api = inst.api().with(who);
        async move { api.post_json("/api/v1/videos/imports", body).await }
    };
    for target in [
        format!("{}/page.html", peer.base),
        format!("{}/media/missing.mp4", peer.base),
        "ftp://example.org/clip.mp4".to_string(),
        "not a url".to_string(),
    ] {
        let (s, e) = post(&alice, json!({ "targetUrl": target, "channelId": ch })).await;
        assert_eq!(s, 400, "{target}: {e}");
        assert!(e["detail"].is_string(), "{e}");
    }
    assert_eq!(post(&alice, json!({ "channelId": ch })).await.0, 400);
    let magnet = json!({ "magnetUri": "magnet:?xt=urn:btih:0000", "channelId": ch });
    assert_eq!(post(&alice, magnet).await.0, 409);
    assert_eq!(
        post(&bob, json!({ "targetUrl": url, "channelId": ch }))
            .await
            .0,
        403
    );
    assert_eq!(
        inst.api()
            .post_json(
                "/api/v1/videos/imports",
                json!({ "targetUrl": url, "channelId": ch })
            )
            .await
            .0,
        401
    );
    let (_, l) = inst
        .api()
        .with(&alice)
        .get_json("/api/v1/users/me/videos?count=100")
        .await;
    assert_eq!(l["total"], 2, "no video made by a refused import: {l}");

    // Past the quota: the import fails with its reason, its video goes.
    let (carol, carol_ch) = inst.user(&root, "carol", 10_000).await;
    let (s, small) = post(&carol, json!({ "targetUrl": url, "channelId": carol_ch })).await;
    assert_eq!(s, 200, "{small}");
    let failed = settled(&inst, &carol, small["id"].as_i64().unwrap()).await;
    assert_eq!(failed["state"]["id"], 3, "{failed}");
    assert!(
        failed["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{failed}"
    );
    assert!(failed.get("video").is_none(), "{failed}");
    let (_, told) = inst
        .get_json(&carol, "/api/v1/users/me/notifications?typeOneOf=8")
        .await;
    assert_eq!(told["data"][0]["videoImport"]["id"], small["id"], "{told}");
    assert_eq!(told["data"][0]["videoImport"]["targetUrl"], url.as_str());
    let gone = small["video"]["uuid"].as_str().unwrap();
    assert_eq!(
        inst.api()
            .with(&carol)
            .status(&format!("/api/v1/videos/{gone}"))
            .await,
        404
    );
    let sources = std::fs::read_dir(inst.storage().join("original-video-files")).unwrap();
    assert!(
        sources
            .flatten()
            .all(|e| !e.file_name().to_string_lossy().starts_with(gone)),
        "nothing of it left"
    );
    inst.stop().await;

    // An instance that fetches only public addresses refuses a loopback URL (PeerTube's 403),
    // and one that does not import says so (409).
    let strict = Instance::start(db, &[("RUCHE_IMPORTS_HTTP_ENABLED", "true")]).await;
    let root = strict.root_token().await;
    let (dave, dave_ch) = strict.user(&root, "dave", -1).await;
    let (s, e) = strict
        .api()
        .with(&dave)
        .post_json(
            "/api/v1/videos/imports",
            json!({ "targetUrl": url, "channelId": dave_ch }),
        )
        .await;
    assert_eq!(s, 403, "{e}");
    strict.stop().await;
    let off = Instance::start(db, ENABLED[1..].as_ref()).await;
    let root = off.root_token().await;
    let (erin, erin_ch) = off.user(&root, "erin", -1).await;
    let (s, _) = off
        .api()
        .with(&erin)
        .post_json(
            "/api/v1/videos/imports",
            json!({ "targetUrl": url, "channelId": erin_ch }),
        )
        .await;
    assert_eq!(s, 409);
    off.stop().await;
});

/// An RSS feed of two videos at `base` (newest first), as a channel's feed lists them.
fn feed(base: &str) -> Vec<u8> {
    let item = |name: &str, day: u32| {
        format!(
            "<item><title>{name}</title><link>{base}/media/{name}.mp4</link>\
             <enclosure url=\"{base}/media/{name}.mp4\" type=\"video/mp4\" length=\"1\"/>\
             <pubDate>Sun, {day:02} Dec 2026 10:00:00 GMT</pubDate></item>"
        )
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel>\
         <title>Elsewhere</title><link>{base}/</link><description>d</description>{}{}\
         </channel></rss>",
        item("second", 6),
        item("first", 5)
    )
    .into_bytes()
}

/// A peer serving two clips and the feed listing them.
async fn channel_elsewhere() -> (Peer, String) {
    let peer = Peer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clip = std::fs::read(small_clip(dir.path())).unwrap();
    for name in ["first", "second"] {
        peer.put(&format!("/media/{name}.mp4"), "video/mp4", clip.clone());
    }
    peer.put("/feed.xml", "application/rss+xml", feed(&peer.base));
    let url = format!("{}/feed.xml", peer.base);
    (peer, url)
}

/// The names of the videos `token`'s imports made, once `n` imports succeeded.
async fn imported(inst: &Instance, token: &str, n: usize) -> Vec<String> {
    inst.eventually("the channel's videos imported", 180, || async {
        let (_, l) = inst
            .api()
            .with(token)
            .get_json("/api/v1/users/me/videos/imports?count=100")
            .await;
        let data = l["data"].as_array()?;
        let done: Vec<String> = data
            .iter()
            .filter(|i| i["state"]["id"] == 2)
            .filter_map(|i| i["video"]["name"].as_str().map(str::to_string))
            .collect();
        (done.len() >= n).then(|| {
            let mut d = done;
            d.sort();
            d
        })
    })
    .await
}

both!(channels_synchronised, |db| async move {
    let (_peer, feed_url) = channel_elsewhere().await;
    let mut env = ENABLED.to_vec();
    env.push(("RUCHE_IMPORTS_SYNC_ENABLED", "true"));
    let inst = Instance::start(db, &env).await;
    let root = inst.root_token().await;
    let (alice, ch) = inst.user(&root, "alice", -1).await;
    let (bob, bob_ch) = inst.user(&root, "bob", -1).await;
    let post = |who: &str, path: &str, body: Value| {
        let api = inst.api().with(who);
        let path = path.to_string();
        async move { api.post_json(&path, body).await }
    };

    // A synchronisation of alice's channel; refused for someone else's channel or a bad URL.
    let (s, made) = post(
        &alice,
        "/api/v1/video-channel-syncs",
        json!({ "externalChannelUrl": feed_url, "videoChannelId": ch }),
    )
    .await;
    assert_eq!(s, 200, "{made}");
    let sync = &made["videoChannelSync"];
    assert_eq!(
        sync["state"],
        json!({ "id": 1, "label": "Waiting first run" })
    );
    assert_eq!(sync["externalChannelUrl"], feed_url.as_str());
    assert_eq!(sync["channel"]["id"], ch);
    let sync_id = sync["id"].as_i64().unwrap();
    let body = json!({ "externalChannelUrl": feed_url, "videoChannelId": ch });
    assert_eq!(post(&bob, "/api/v1/video-channel-syncs", body).await.0, 403);
    let body = json!({ "externalChannelUrl": "nope", "videoChannelId": ch });
    assert_eq!(
        post(&alice, "/api/v1/video-channel-syncs", body).await.0,
        400
    );
    // Listed for the account's owner, not for others.
    let list = "/api/v1/accounts/alice/video-channel-syncs";
    let (s, l) = inst.api().with(&alice).get_json(list).await;
    assert_eq!((s, &l["total"]), (200, &json!(1)), "{l}");
    assert_eq!(inst.api().with(&bob).get_json(list).await.0, 403);
    assert_eq!(inst.api().get_json(list).await.0, 401);

    // Every video of the channel, imported public into alice's channel; the sync says so.
    let path = "/api/v1/video-channels/alice_channel/import-videos";
    let body = json!({ "externalChannelUrl": feed_url, "videoChannelSyncId": sync_id });
    assert_eq!(post(&bob, path, body.clone()).await.0, 403);
    let (s, e) = post(&alice, path, body).await;
    assert_eq!(s, 204, "{e}");
    assert_eq!(imported(&inst, &alice, 2).await, ["first", "second"]);
    let (_, l) = inst
        .api()
        .with(&alice)
        .get_json("/api/v1/users/me/videos?count=100")
        .await;
    for v in l["data"].as_array().unwrap() {
        assert_eq!(v["privacy"]["id"], 1, "{v}");
        assert_eq!(v["channel"]["id"], ch);
    }
    let synced = inst
        .eventually("the sync done", 60, || async {
            let (_, l) = inst.api().with(&alice).get_json(list).await;
            (l["data"][0]["state"]["id"] == 3).then(|| l["data"][0].clone())
        })
        .await;
    assert!(synced["lastSyncAt"].is_string(), "{synced}");

    // Run again: nothing is imported twice.
    let again = format!("/api/v1/video-channel-syncs/{sync_id}/sync");
    assert_eq!(post(&bob, &again, json!({})).await.0, 403);
    assert_eq!(post(&alice, &again, json!({})).await.0, 204);
    inst.settled(&root, "channel-import").await;
    let (_, all) = inst
        .api()
        .with(&alice)
        .get_json("/api/v1/users/me/videos/imports")
        .await;
    assert_eq!(all["total"], 2, "{all}");
    // The imports name their synchronisation, and are found by it.
    let imports_of = |q: String| {
        let api = inst.api().with(&alice);
        async move {
            let (status, l) = api
                .get_json(&format!("/api/v1/users/me/videos/imports?{q}"))
                .await;
            (status, l)
        }
    };
    let (_, by_sync) = imports_of(format!("videoChannelSyncId={sync_id}")).await;
    assert_eq!(by_sync["total"], 2, "{by_sync}");
    for i in by_sync["data"].as_array().unwrap() {
        assert_eq!(
            i["videoChannelSync"],
            json!({ "id": sync_id, "externalChannelUrl": feed_url }),
            "{i}"
        );
    }
    let (_, none) = imports_of(format!("videoChannelSyncId={}", sync_id + 1000)).await;
    assert_eq!(none["total"], 0, "{none}");
    assert_eq!(imports_of("videoChannelSyncId=nope".into()).await.0, 400);
    // A sync of another channel, or none: refused.
    let body = json!({ "externalChannelUrl": feed_url, "videoChannelSyncId": 999_999 });
    assert_eq!(post(&alice, path, body).await.0, 404);
    let theirs = "/api/v1/video-channels/bob_channel/import-videos";
    let body = json!({ "externalChannelUrl": feed_url, "videoChannelSyncId": sync_id });
    assert_eq!(post(&bob, theirs, body).await.0, 403);
    let _ = bob_ch;

    // Stopping it keeps what it imported.
    let gone = format!("/api/v1/video-channel-syncs/{sync_id}");
    assert_eq!(inst.api().with(&bob).delete(&gone).await.0, 403);
    assert_eq!(inst.api().with(&alice).delete(&gone).await.0, 204);
    assert_eq!(inst.api().with(&alice).get_json(list).await.1["total"], 0);
    let (_, l) = inst
        .api()
        .with(&alice)
        .get_json("/api/v1/users/me/videos")
        .await;
    assert_eq!(l["total"], 2);
    inst.stop().await;

    // Without being asked: the check finds the new sync's videos by itself.
    let mut env = env.clone();
    env.push(("RUCHE_IMPORTS_SYNC_CHECK_INTERVAL_SECS", "1"));
    let timed = Instance::start(db, &env).await;
    let root = timed.root_token().await;
    let (carol, carol_ch) = timed.user(&root, "carol", -1).await;
    let (s, _) = timed
        .api()
        .with(&carol)
        .post_json(
            "/api/v1/video-channel-syncs",
            json!({ "externalChannelUrl": feed_url, "videoChannelId": carol_ch }),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(imported(&timed, &carol, 2).await, ["first", "second"]);
    timed.stop().await;
});

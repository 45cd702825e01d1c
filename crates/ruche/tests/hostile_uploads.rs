//! Uploads and video files as an attacker uses them, against a real `ruche serve` (on SQLite and
//! on PostgreSQL):
//!
//! - `open_uploads_count_against_the_quota`: a user with a small quota held 200 unfinished
//!   resumable uploads (19.8 MB for a 100 KB quota). What open uploads declare counts against
//!   the quota, a user may hold only so many at once, and cancelling one gives its room back.
//! - `private_video_files_stay_private_in_caches`: a private video's playlist and segments were
//!   sent as `public, immutable` with CORS `*`, for any shared cache to keep and any site's
//!   script to read; they go `private, no-store` without CORS, while a public video's keep
//!   both.
//! - `unlisted_videos_are_found_by_uuid_only`: counting through `/api/v1/videos/1, 2, …` listed
//!   every unlisted video; only its UUID (or short UUID) finds one, except for its owner.
//! - `multipart_uploads_are_bounded`: a multipart upload's metadata fields were read whole (a
//!   description of gigabytes), and uploads in parallel could each take the whole remaining
//!   quota while streaming; fields are bounded, and a user streams one at a time.
//! - `views_count_per_network_behind_a_proxy`: anonymous views were keyed on the TCP peer, so
//!   behind a proxy every visitor was one viewer, and an IPv6 client counted once per address
//!   of its /64.
#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_testkit::{Instance, both, small_clip};
use serde_json::Value;

both!(open_uploads_count_against_the_quota, |db| async move {
    let inst = Instance::start(db, &[("RUCHE_UPLOADS_MAX_OPEN_PER_USER", "3")]).await;
    let root = inst.root_token().await;

    // A quota of 100 kB: one open upload of 60 kB leaves no room for a second.
    let (alice, channel) = inst.user(&root, "alice", 100_000).await;
    let (status, first, body) = inst.init_resumable(&alice, channel, 60_000, "One").await;
    assert_eq!(status, 201, "{body}");
    let (status, _, body) = inst.init_resumable(&alice, channel, 60_000, "Two").await;
    assert_eq!(status, 413, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("quota"),
        "{body}"
    );
    // Cancelled, the first gives its room back.
    let del = inst
        .http
        .delete(format!("{}{}", inst.url, absolute_path(&first)))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    let (status, _, body) = inst.init_resumable(&alice, channel, 60_000, "Two").await;
    assert_eq!(status, 201, "{body}");

    // Without a quota, the number of uploads held open at once is capped all the same.
    let (bob, channel) = inst.user(&root, "bob", -1).await;
    for n in 0..3 {
        let (status, _, body) = inst
            .init_resumable(&bob, channel, 1000, &format!("Open {n}"))
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, _, body) = inst
        .init_resumable(&bob, channel, 1000, "One too many")
        .await;
    assert_eq!(status, 409, "{body}");
    // Resuming one of them (the same upload initialised again) is not a new one.
    let (status, _, body) = inst.init_resumable(&bob, channel, 1000, "Open 1").await;
    assert_eq!(status, 200, "{body}");
    // Nothing of the refused ones was kept.
    let (_, me) = inst.get_json(&bob, "/api/v1/users/me").await;
    assert_eq!(me["videoQuotaUsed"], 0, "{me}");
    inst.stop().await;
});

both!(
    private_video_files_stay_private_in_caches,
    |db| async move {
        let inst = Instance::start(db, &[]).await;
        let root = inst.root_token().await;
        let dir = tempfile::tempdir().unwrap();
        let file = small_clip(dir.path());
        let (status, body) = inst
            .upload_with(&root, &file, 1, "Private", &[("privacy", "3")])
            .await;
        assert_eq!(status, 200, "{body}");
        let private = body["video"]["uuid"].as_str().unwrap().to_string();
        let (status, body) = inst.upload(&root, &file, 1, "Public").await;
        assert_eq!(status, 200, "{body}");
        let public = body["video"]["uuid"].as_str().unwrap().to_string();

        let files = |v: &serde_json::Value| {
            let p = &v["streamingPlaylists"][0];
            let mut urls = vec![p["playlistUrl"].as_str().unwrap().to_string()];
            urls.push(p["files"][0]["fileUrl"].as_str().unwrap().to_string());
            urls
        };
        let private_files = files(&inst.wait_transcoded(&root, &private, 2).await);
        let public_files = files(&inst.wait_transcoded(&root, &public, 2).await);

        for url in &private_files {
            // Anonymous: refused, under the private path (403, as PeerTube answers there).
            assert!(url.contains("/hls/private/"), "{url}");
            let res = inst.http.get(url).send().await.unwrap();
            assert_eq!(res.status(), 403, "{url}");
            let res = inst
                .http
                .get(url)
                .bearer_auth(&root)
                .header("Origin", "https://elsewhere.example")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{url}");
            let h = res.headers();
            assert_eq!(h["cache-control"], "private, no-store", "{url}");
            assert!(h.get("access-control-allow-origin").is_none(), "{url}");
        }
        for url in &public_files {
            let res = inst
                .http
                .get(url)
                .header("Origin", "https://elsewhere.example")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{url}");
            let h = res.headers();
            let cache = h["cache-control"].to_str().unwrap();
            assert!(cache.starts_with("public"), "{url}: {cache}");
            assert_eq!(h["access-control-allow-origin"], "*", "{url}");
        }
        inst.stop().await;
    }
);

/// The path and query of an upload's `Location` (absolute or not).
fn absolute_path(location: &str) -> String {
    match location.find("/api/") {
        Some(i) => location[i..].to_string(),
        None => location.to_string(),
    }
}

both!(unlisted_videos_are_found_by_uuid_only, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let root = inst.root_token().await;
    let dir = tempfile::tempdir().unwrap();
    let (status, body) = inst
        .upload_with(
            &root,
            &small_clip(dir.path()),
            1,
            "Unlisted",
            &[("privacy", "2")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let uuid = body["video"]["uuid"].as_str().unwrap().to_string();
    let short = body["video"]["shortUUID"].as_str().unwrap().to_string();
    let number = body["video"]["id"].as_i64().unwrap();
    inst.wait_transcoded(&root, &uuid, 2).await;

    let get = |path: String, accept: &'static str| {
        let http = inst.http.clone();
        let url = format!("{}{path}", inst.url);
        async move {
            http.get(url)
                .header("Accept", accept)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(get(format!("/api/v1/videos/{number}"), "*/*").await, 404);
    assert_eq!(get(format!("/w/{number}"), "text/html").await, 404);
    assert_eq!(
        get(format!("/videos/embed/{number}"), "text/html").await,
        404
    );
    let ap = "application/activity+json";
    assert_eq!(get(format!("/videos/watch/{number}"), ap).await, 404);
    for r in [&uuid, &short] {
        assert_eq!(get(format!("/api/v1/videos/{r}"), "*/*").await, 200, "{r}");
        assert_eq!(get(format!("/w/{r}"), "text/html").await, 200, "{r}");
    }
    assert_eq!(get(format!("/videos/watch/{uuid}"), ap).await, 200);
    // Its owner finds it by its number.
    let (status, _) = inst
        .get_json(&root, &format!("/api/v1/videos/{number}"))
        .await;
    assert_eq!(status, 200);
    inst.stop().await;
});

both!(multipart_uploads_are_bounded, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let root = inst.root_token().await;
    let dir = tempfile::tempdir().unwrap();
    let file = small_clip(dir.path());

    // A field far longer than any description: refused, nothing kept.
    let long = "a".repeat(200 * 1024);
    let (status, body) = inst
        .upload_with(&root, &file, 1, "Long", &[("description", long.as_str())])
        .await;
    assert_eq!(status, 413, "{body}");
    let tags: Vec<(&str, &str)> = (0..80).map(|_| ("tags[]", "x")).collect();
    let (status, body) = inst.upload_with(&root, &file, 1, "Tags", &tags).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        ruche_testkit::entries(&inst.data.path().join("tmp/uploads")),
        0
    );

    // While one multipart upload streams, a second of the same user is refused; the first
    // then completes, and the next one after it passes.
    let bytes = std::fs::read(&file).unwrap();
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let part = reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(stream))
        .file_name("clip.mp4")
        .mime_str("video/mp4")
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("name", "Slow")
        .text("channelId", "1")
        .part("videofile", part);
    let first = tokio::spawn(
        inst.http
            .post(format!("{}/api/v1/videos/upload", inst.url))
            .bearer_auth(&root)
            .multipart(form)
            .send(),
    );
    let half = bytes.len() / 2;
    tx.send(Ok(bytes[..half].to_vec())).await.unwrap();
    // Once its file is being written, the first holds the user's slot (taken before): a second
    // sent only after that is refused. (Sent before, it could be served first.)
    inst.eventually("the first upload streaming to disk", 60, || async {
        (ruche_testkit::entries(&inst.data.path().join("tmp/uploads")) == 1).then_some(())
    })
    .await;
    let (status, body) = inst.upload(&root, &file, 1, "Second").await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("being received"),
        "{body}"
    );
    tx.send(Ok(bytes[half..].to_vec())).await.unwrap();
    drop(tx);
    let res = first.await.unwrap().unwrap();
    assert_eq!(res.status(), 200);
    let (status, body) = inst.upload(&root, &file, 1, "Third").await;
    assert_eq!(status, 200, "{body}");
    inst.stop().await;
});

both!(views_count_per_network_behind_a_proxy, |db| async move {
    let inst = Instance::start(db, &[("RUCHE_RATES_TRUSTED_PROXIES", "127.0.0.1,::1")]).await;
    let root = inst.root_token().await;
    let dir = tempfile::tempdir().unwrap();
    let (_, body) = inst
        .upload(&root, &small_clip(dir.path()), 1, "Counted")
        .await;
    let id = body["video"]["uuid"].as_str().unwrap().to_string();
    inst.wait_transcoded(&root, &id, 2).await;
    let view = |client: &'static str| {
        let http = inst.http.clone();
        let url = format!("{}/api/v1/videos/{id}/views", inst.url);
        async move {
            let r = http
                .post(url)
                .header("X-Forwarded-For", client)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 204, "{client}");
        }
    };
    // Three addresses of one /64, then another network, then another IPv4 client.
    for client in [
        "2001:db8:1:2::1",
        "2001:db8:1:2::2",
        "2001:db8:1:2:ffff::3",
        "2001:db8:1:3::1",
        "192.0.2.7",
    ] {
        view(client).await;
    }
    let (_, v): (u16, Value) = inst.get_json(&root, &format!("/api/v1/videos/{id}")).await;
    assert_eq!(v["views"], 3, "{v}");
    inst.stop().await;
});

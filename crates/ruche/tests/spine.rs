//! The Tube spine through real `ruche serve` processes, real ffmpeg and PeerTube's API, on SQLite
//! and on PostgreSQL: upload → transcode → publish → play, and every kind of bad input.

#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.
use ruche_testkit::{Instance, both, clip, small_clip};
use serde_json::Value;
use std::time::Duration;

both!(upload_transcode_publish_and_serve, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let root = inst.root_token().await;
    let dir = tempfile::tempdir().unwrap();
    let file = small_clip(dir.path());
    let (status, body) = inst.upload(&root, &file, 1, "First video").await;
    assert_eq!(status, 200, "{body}");
    let uuid = body["video"]["uuid"].as_str().unwrap().to_string();
    let short = body["video"]["shortUUID"].as_str().unwrap().to_string();
    assert_eq!(short.len(), 22);
    let v = inst.wait_transcoded(&root, &short, 2).await;

    // PeerTube's VideoDetails shape.
    assert_eq!(v["uuid"], uuid.as_str());
    assert_eq!(v["state"]["label"], "Published");
    assert_eq!(v["duration"], 3);
    assert_eq!(v["channel"]["name"], "root_channel");
    assert_eq!(v["account"]["name"], "root");
    assert!(
        v["thumbnailPath"]
            .as_str()
            .unwrap()
            .starts_with("/lazy-static/thumbnails/")
    );
    assert_eq!(v["embedPath"], format!("/videos/embed/{short}"));
    // Web videos are off by default: no file beside HLS. (Its owner is also given the uploaded
    // file and its torrent while it is kept, until transcoding ends: what PeerTube's clients
    // wait for after an upload; the interop test with PeerTube's CLI covers it.)
    let (status, public) = inst
        .api()
        .get_json(&format!("/api/v1/videos/{short}"))
        .await;
    assert_eq!(status, 200, "{public}");
    assert_eq!(public["files"], Value::Array(vec![]), "web videos are off");
    inst.eventually(
        "the uploaded file gone from its owner's files",
        30,
        || async {
            let (_, v) = inst
                .get_json(&root, &format!("/api/v1/videos/{short}"))
                .await;
            (v["files"] == Value::Array(vec![])).then_some(())
        },
    )
    .await;
    let playlist = &v["streamingPlaylists"][0];
    assert_eq!(playlist["type"], 1);
    let files = playlist["files"].as_array().unwrap();
    let resolutions: Vec<i64> = files
        .iter()
        .map(|f| f["resolution"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(resolutions, vec![360, 240]);
    // Every file is reachable, the playlists parse, and segments are served by byte range.
    let master = inst
        .http
        .get(playlist["playlistUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(master.status(), 200);
    assert_eq!(
        master.headers()["content-type"],
        "application/vnd.apple.mpegurl"
    );
    let master = master.text().await.unwrap();
    assert!(master.starts_with("#EXTM3U\n#EXT-X-VERSION:3"), "{master}");
    assert_eq!(master.matches("#EXT-X-STREAM-INF").count(), files.len());
    for f in files {
        let variant = inst
            .http
            .get(f["playlistUrl"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(variant.contains("#EXT-X-MAP:URI="), "{variant}");
        let line = variant
            .lines()
            .find(|l| l.starts_with("#EXT-X-BYTERANGE:"))
            .unwrap();
        let (len, off) = line["#EXT-X-BYTERANGE:".len()..].split_once('@').unwrap();
        let (len, off): (u64, u64) = (len.parse().unwrap(), off.parse().unwrap());
        let seg = inst
            .http
            .get(f["fileUrl"].as_str().unwrap())
            .header("Range", format!("bytes={off}-{}", off + len - 1))
            .send()
            .await
            .unwrap();
        assert_eq!(seg.status(), 206);
        assert!(
            seg.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
        assert_eq!(seg.bytes().await.unwrap().len() as u64, len);
        let meta: Value = inst
            .http
            .get(f["metadataUrl"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(meta["streams"][0]["codec_name"], "h264", "{meta}");
        let dl = inst
            .http
            .get(f["fileDownloadUrl"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(dl.status(), 200);
        assert_eq!(
            dl.headers()["content-length"].to_str().unwrap(),
            f["size"].to_string()
        );
    }
    let sha = inst
        .http
        .get(playlist["segmentsSha256Url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(sha.as_object().unwrap().len(), files.len());
    let thumb = inst
        .http
        .get(format!(
            "{}{}",
            inst.url,
            v["thumbnailPath"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(thumb.headers()["content-type"], "image/jpeg");

    // Listed for everyone, and the watch page plays it with hls.js.
    let list: Value = inst
        .http
        .get(format!("{}/api/v1/videos", inst.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["data"][0]["shortUUID"], short.as_str());
    // Each whole download above counted once; the byte ranges a player asks for are not.
    assert_eq!(list["data"][0]["downloads"], files.len(), "{list}");
    // PeerTube 8.1's `thumbnails`: the thumbnail and the preview, sized, on our host.
    let pictures = list["data"][0]["thumbnails"].as_array().unwrap();
    let sizes: Vec<(i64, i64)> = pictures
        .iter()
        .map(|t| (t["width"].as_i64().unwrap(), t["height"].as_i64().unwrap()))
        .collect();
    assert_eq!(sizes, vec![(280, 157), (850, 480)]);
    for t in pictures {
        let got = inst
            .http
            .get(t["fileUrl"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(got.headers()["content-type"], "image/jpeg");
    }
    let page = inst
        .http
        .get(format!("{}/w/{short}", inst.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("id=\"player\"") && page.contains("/assets/js/watch.js"),
        "{page}"
    );
    // Discoverable through oEmbed, as PeerTube's pages are; the answer embeds our player.
    assert!(page.contains("type=\"application/json+oembed\""), "{page}");
    let oembed: serde_json::Value = inst
        .http
        .get(format!("{}/services/oembed", inst.url))
        .query(&[("url", format!("{}/w/{short}", inst.url))])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(oembed["type"], "video");
    assert!(
        oembed["html"]
            .as_str()
            .unwrap()
            .contains(&format!("{}/videos/embed/{short}", inst.url)),
        "{oembed}"
    );
    // The channel and account, on the API and as pages.
    let (_, in_channel) = inst
        .get_json(&root, "/api/v1/video-channels/root_channel/videos")
        .await;
    assert_eq!(in_channel["total"], 1);
    let host = inst.host();
    let (_, by_handle) = inst
        .get_json(&root, &format!("/api/v1/accounts/root@{host}/videos"))
        .await;
    assert_eq!(by_handle["data"][0]["uuid"], uuid.as_str());
    let (_, account) = inst.get_json(&root, "/api/v1/accounts/root").await;
    assert_eq!(account["url"], format!("{}/accounts/root", inst.url));
    let (_, channels) = inst
        .get_json(&root, "/api/v1/accounts/root/video-channels")
        .await;
    assert_eq!(channels["data"][0]["name"], "root_channel");
    assert_eq!(inst.get_json(&root, "/api/v1/accounts/nobody").await.0, 404);
    let channel_page = inst
        .http
        .get(format!("{}/c/root_channel", inst.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(channel_page.contains(&format!("/w/{short}")) && channel_page.contains("/a/root"));
    let account_page = inst
        .http
        .get(format!("{}/a/root", inst.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(account_page.contains("/c/root_channel"));
    let actor = inst
        .http
        .get(format!("{}/video-channels/root_channel", inst.url))
        .send()
        .await
        .unwrap();
    assert_eq!(actor.headers()["location"], "/c/root_channel");
    let embed = inst
        .http
        .get(format!("{}{}", inst.url, v["embedPath"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(embed.status(), 200);
    assert!(embed.text().await.unwrap().contains("id=\"player\""));
    let home = inst
        .http
        .get(format!("{}/", inst.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains(&format!("/w/{short}")));
    let hls = inst
        .http
        .get(format!("{}/assets/vendor/hls.js/hls.min.mjs", inst.url))
        .send()
        .await
        .unwrap();
    assert_eq!(hls.status(), 200);

    // The source is gone once transcoded; only the stored renditions remain.
    let originals = ruche_testkit::entries(&inst.storage().join("original-video-files"));
    assert_eq!(originals, 0);
    inst.stop().await;
});

async fn put(
    inst: &Instance,
    token: &str,
    location: &str,
    range: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    inst.http
        .put(location)
        .bearer_auth(token)
        .header("Content-Range", range)
        .header("Content-Type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .unwrap()
}

fn range_header(res: &reqwest::Response) -> String {
    res.headers()
        .get("range")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

both!(resumable_upload_and_bad_chunks, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let root = inst.root_token().await;
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(small_clip(dir.path())).unwrap();
    let total = bytes.len();
    let (status, location, _) = inst.init_resumable(&root, 1, total, "Resumable").await;
    assert_eq!(status, 201);
    assert!(location.contains("upload_id="), "{location}");
    // Initialising the same upload again finds it (a client resuming after a crash).
    let (again, location2, _) = inst.init_resumable(&root, 1, total, "Resumable").await;
    assert_eq!((again, location2.as_str()), (200, location.as_str()));

    // A chunk of this upload: its `Content-Range` and its bytes.
    let chunk = |range: String, body: Vec<u8>| {
        let (inst, root, location) = (&inst, &root, &location);
        async move { put(inst, root, location, &range, body).await }
    };
    let a = 100_000.min(total / 3);
    let r = chunk(format!("bytes 0-{}/{total}", a - 1), bytes[..a].to_vec()).await;
    assert_eq!(r.status(), 308);
    assert_eq!(range_header(&r), format!("bytes=0-{}", a - 1));

    // A chunk cut short (the connection dropped mid-chunk): what arrived is kept and the
    // upload resumes from there.
    let short = chunk(
        format!("bytes {a}-{}/{total}", a + 1999),
        bytes[a..a + 1000].to_vec(),
    )
    .await;
    assert_eq!(short.status(), 308);
    assert_eq!(range_header(&short), format!("bytes=0-{}", a + 999));
    let a = a + 1000;

    // Out of order (a gap), overlapping, past the declared size: refused, nothing changes.
    let gap = chunk(format!("bytes {}-{}/{total}", a + 10, a + 19), vec![0; 10]).await;
    assert_eq!(gap.status(), 409);
    assert_eq!(range_header(&gap), format!("bytes=0-{}", a - 1));
    let overlap = chunk(format!("bytes {}-{}/{total}", a - 10, a + 9), vec![0; 20]).await;
    assert_eq!(overlap.status(), 409);
    let past = chunk(
        format!("bytes {a}-{}/{total}", total + 5),
        vec![0; total + 6 - a],
    )
    .await;
    assert_eq!(past.status(), 413);
    let wrong_total = chunk(format!("bytes {a}-{}/{}", a + 9, total + 1), vec![0; 10]).await;
    assert_eq!(wrong_total.status(), 400);
    let status = chunk(format!("bytes */{total}"), vec![]).await;
    assert_eq!(
        (status.status().as_u16(), range_header(&status)),
        (308, format!("bytes=0-{}", a - 1))
    );

    // The rest arrives: the video is created and transcoded from the exact bytes sent.
    let done = chunk(
        format!("bytes {a}-{}/{total}", total - 1),
        bytes[a..].to_vec(),
    )
    .await;
    assert_eq!(done.status(), 200);
    let body: Value = done.json().await.unwrap();
    let id = body["video"]["shortUUID"].as_str().unwrap().to_string();
    // A replayed last chunk answers the same video.
    let replay = chunk(
        format!("bytes {a}-{}/{total}", total - 1),
        bytes[a..].to_vec(),
    )
    .await;
    assert_eq!(
        replay.json::<Value>().await.unwrap()["video"]["shortUUID"],
        id.as_str()
    );
    inst.wait_transcoded(&root, &id, 2).await;

    // A cancelled upload leaves no file behind.
    let (_, loc, _) = inst.init_resumable(&root, 1, 1000, "Cancelled").await;
    assert_eq!(
        put(&inst, &root, &loc, "bytes 0-499/1000", vec![1; 500])
            .await
            .status(),
        308
    );
    let parts = || ruche_testkit::entries(&inst.data.path().join("tmp/uploads"));
    assert_eq!(parts(), 1);
    let del = inst
        .http
        .delete(&loc)
        .bearer_auth(&root)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    assert_eq!(parts(), 0);
    assert_eq!(
        put(&inst, &root, &loc, "bytes 500-999/1000", vec![1; 500])
            .await
            .status(),
        404
    );
    inst.stop().await;
});

both!(bad_files_are_refused_with_a_reason, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let root = inst.root_token().await;
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(small_clip(dir.path())).unwrap();

    // Not a video.
    let text = dir.path().join("notes.mp4");
    std::fs::write(&text, "these are not moving pictures\n".repeat(100)).unwrap();
    let (status, body) = inst.upload(&root, &text, 1, "Not a video").await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("not a video"),
        "{body}"
    );

    // A truncated video (the first 40 % of a real one; its index is at the end).
    let cut = dir.path().join("cut.mp4");
    std::fs::write(&cut, &good[..good.len() * 2 / 5]).unwrap();
    let (status, body) = inst.upload(&root, &cut, 1, "Truncated").await;
    assert_eq!(status, 422, "{body}");

    // A zero-byte file.
    let empty = dir.path().join("empty.mp4");
    std::fs::write(&empty, b"").unwrap();
    let (status, body) = inst.upload(&root, &empty, 1, "Empty").await;
    assert_eq!(status, 400, "{body}");
    let (status, _, body) = inst.init_resumable(&root, 1, 0, "Empty").await;
    assert_eq!(status, 400, "{body}");

    // Neither video nor audio by its declared type and name.
    let res = inst
        .http
        .post(format!("{}/api/v1/videos/upload-resumable", inst.url))
        .bearer_auth(&root)
        .header("X-Upload-Content-Length", "100")
        .header("X-Upload-Content-Type", "text/plain")
        .json(&serde_json::json!({ "name": "Text", "channelId": 1, "filename": "notes.txt" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);

    // Nothing was created and nothing was left on disk.
    let list: Value = inst.get_json(&root, "/api/v1/users/me/videos").await.1;
    assert_eq!(list["total"], 0, "{list}");
    assert_eq!(
        ruche_testkit::entries(&inst.data.path().join("tmp/uploads")),
        0
    );
    assert_eq!(
        ruche_testkit::entries(&inst.storage().join("original-video-files")),
        0
    );
    inst.stop().await;
});

both!(quotas_and_channel_ownership, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let root = inst.root_token().await;
    let dir = tempfile::tempdir().unwrap();
    let file = small_clip(dir.path());
    let size = std::fs::metadata(&file).unwrap().len() as i64;
    let (alice, alice_channel) = inst.user(&root, "alice", size / 2).await;

    // Declared over quota: refused before any byte is sent.
    let (status, _, body) = inst
        .init_resumable(&alice, alice_channel, size as usize, "Too big")
        .await;
    assert_eq!(status, 413, "{body}");
    // Undeclared (multipart): refused while streaming.
    let (status, body) = inst.upload(&alice, &file, alice_channel, "Too big").await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(
        ruche_testkit::entries(&inst.data.path().join("tmp/uploads")),
        0
    );

    // Someone else's channel.
    let (bob, _) = inst.user(&root, "bob", -1).await;
    let (status, body) = inst.upload(&bob, &file, alice_channel, "Not mine").await;
    assert_eq!(status, 403, "{body}");
    let (status, _, _) = inst
        .init_resumable(&bob, alice_channel, 1000, "Not mine")
        .await;
    assert_eq!(status, 403);

    // Within quota: accepted, and the used quota shows it.
    let (carol, carol_channel) = inst.user(&root, "carol", size * 10).await;
    let (status, body) = inst.upload(&carol, &file, carol_channel, "Fits").await;
    assert_eq!(status, 200, "{body}");
    let (_, me) = inst.get_json(&carol, "/api/v1/users/me").await;
    assert_eq!(me["videoQuota"], size * 10);
    assert!(me["videoQuotaUsed"].as_i64().unwrap() > 0);
    assert_eq!(me["videoChannels"][0]["name"], "carol_channel");

    // Only the owner or a moderator may delete; deletion removes the files.
    let id = body["video"]["uuid"].as_str().unwrap().to_string();
    inst.wait_transcoded(&carol, &id, 2).await;
    assert_eq!(
        inst.api()
            .with(&bob)
            .delete(&format!("/api/v1/videos/{id}"))
            .await
            .0,
        403
    );
    assert_eq!(
        inst.api()
            .with(&carol)
            .delete(&format!("/api/v1/videos/{id}"))
            .await
            .0,
        204
    );
    assert!(
        !inst
            .storage()
            .join("streaming-playlists/hls")
            .join(&id)
            .exists()
    );
    assert_eq!(
        inst.get_json(&carol, &format!("/api/v1/videos/{id}"))
            .await
            .0,
        404
    );
    inst.stop().await;
});

both!(kill_during_transcoding_then_restart, |db| async move {
    // A longer clip at 720p, so the kill lands while ffmpeg works.
    let mut inst =
        Instance::start(db, &[("RUCHE_TRANSCODING_RESOLUTIONS", "720,480,360,240")]).await;
    let root = inst.root_token().await;
    let dir = tempfile::tempdir().unwrap();
    let file = clip(
        dir.path(),
        "long.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=1280x720:r=25:d=8",
            "-f",
            "lavfi",
            "-i",
            "sine=d=8",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-b:v",
            "12M",
            "-c:a",
            "aac",
            "-shortest",
        ],
    );
    let (status, body) = inst.upload(&root, &file, 1, "Interrupted").await;
    assert_eq!(status, 200, "{body}");
    let id = body["video"]["uuid"].as_str().unwrap().to_string();
    // The video is published as soon as its first rendition is made, before the rest of the
    // ladder; kill -9 the server while it makes the rest.
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    let first = loop {
        let (_, v) = inst.get_json(&root, &format!("/api/v1/videos/{id}")).await;
        if v["state"]["id"] == 1 {
            break v;
        }
        assert!(std::time::Instant::now() < deadline, "never published: {v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let listed = first["streamingPlaylists"][0]["files"]
        .as_array()
        .unwrap()
        .len();
    assert!(
        (1..4).contains(&listed),
        "published with {listed} renditions"
    );
    assert!(
        first["transcodingProgress"].as_i64().unwrap() < 100,
        "{first}"
    );
    inst.kill9();
    inst.restart();
    let v = inst.wait_transcoded(&root, &id, 4).await;
    assert_eq!(v["state"]["id"], 1);
    // No stray files: storage holds exactly what the database lists, scratch space is empty.
    let hls = inst.storage().join("streaming-playlists/hls").join(&id);
    let mut on_disk: Vec<String> = std::fs::read_dir(&hls)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let playlist = &v["streamingPlaylists"][0];
    let mut expected: Vec<String> = vec![
        playlist["playlistUrl"].clone(),
        playlist["segmentsSha256Url"].clone(),
    ]
    .into_iter()
    .chain(playlist["files"].as_array().unwrap().iter().flat_map(|f| {
        [
            f["fileUrl"].clone(),
            f["playlistUrl"].clone(),
            f["torrentUrl"].clone(),
        ]
    }))
    .map(|u| u.as_str().unwrap().rsplit('/').next().unwrap().to_string())
    .collect();
    expected.sort();
    assert_eq!(on_disk, expected);
    let work = inst.data.path().join("tmp/transcode").join(&id);
    assert_eq!(ruche_testkit::entries(&work), 0, "no scratch left");
    assert_eq!(
        ruche_testkit::entries(&inst.storage().join("original-video-files")),
        0
    );
    assert_eq!(
        ruche_testkit::entries(&inst.storage().join("thumbnails")),
        1
    );
    inst.stop().await;
});

both!(one_server_per_data_dir, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let out = inst.command().arg("serve").output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("already running on the data directory"),
        "{err}"
    );
    // Other subcommands work beside the running server.
    let mut child = inst
        .command()
        .args([
            "user",
            "create",
            "--username",
            "dora",
            "--email",
            "dora@example.org",
            "--role",
            "moderator",
            "--password-stdin",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"dora-password\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dora = inst.token("dora", "dora-password").await;
    let (_, me) = inst.get_json(&dora, "/api/v1/users/me").await;
    assert_eq!(me["role"]["label"], "Moderator");
    assert_eq!(me["videoChannels"][0]["name"], "dora_channel");
    inst.stop().await;
});

both!(
    audio_only_web_videos_and_abandoned_uploads,
    |db| async move {
        let inst = Instance::start(
            db,
            &[
                ("RUCHE_TRANSCODING_WEB_VIDEOS", "true"),
                ("RUCHE_UPLOADS_ABANDONED_AFTER_SECS", "2"),
            ],
        )
        .await;
        let root = inst.root_token().await;
        let dir = tempfile::tempdir().unwrap();

        // Audio only: one rendition with a still picture, playable like any video.
        let song = clip(
            dir.path(),
            "song.m4a",
            &[
                "-f",
                "lavfi",
                "-i",
                "sine=f=330:d=3",
                "-c:a",
                "aac",
                "-b:a",
                "96k",
            ],
        );
        let (status, body) = inst.upload(&root, &song, 1, "A song").await;
        assert_eq!(status, 200, "{body}");
        let id = body["video"]["uuid"].as_str().unwrap().to_string();
        let v = inst.wait_transcoded(&root, &id, 1).await;
        let f = &v["streamingPlaylists"][0]["files"][0];
        assert_eq!(
            (f["hasAudio"].as_bool(), f["hasVideo"].as_bool()),
            (Some(true), Some(true))
        );
        assert!(v["thumbnailPath"].is_string());

        // Web videos on: faststart MP4s listed in `files`, as PeerTube lists them, and served.
        let (_, body) = inst
            .upload(&root, &small_clip(dir.path()), 1, "With MP4s")
            .await;
        let id = body["video"]["uuid"].as_str().unwrap().to_string();
        let v = inst.wait_transcoded(&root, &id, 2).await;
        let files = v["files"].as_array().unwrap();
        assert_eq!(files.len(), 2, "{v}");
        for f in files {
            let url = f["fileUrl"].as_str().unwrap();
            assert!(
                url.ends_with(".mp4") && !url.ends_with("-fragmented.mp4"),
                "{url}"
            );
            let res = inst.http.get(url).send().await.unwrap();
            assert_eq!(res.status(), 200);
            assert_eq!(
                res.bytes().await.unwrap().len() as i64,
                f["size"].as_i64().unwrap()
            );
        }

        // A resumable upload left unfinished is removed after the configured delay.
        let (status, loc, _) = inst.init_resumable(&root, 1, 1000, "Abandoned").await;
        assert_eq!(status, 201);
        assert_eq!(
            put(&inst, &root, &loc, "bytes 0-99/1000", vec![7; 100])
                .await
                .status(),
            308
        );
        let uploads = inst.data.path().join("tmp/uploads");
        inst.eventually("the abandoned upload removed", 20, || async {
            (ruche_testkit::entries(&uploads) == 0).then_some(())
        })
        .await;
        assert_eq!(
            put(&inst, &root, &loc, "bytes 100-199/1000", vec![7; 100])
                .await
                .status(),
            404
        );
        inst.stop().await;
    }
);

both!(limits_daily_quota_and_no_media_stream, |db| async move {
    let inst = Instance::start(db, &[("RUCHE_TRANSCODING_MAX_DURATION", "2")]).await;
    let root = inst.root_token().await;
    let dir = tempfile::tempdir().unwrap();
    let file = small_clip(dir.path());

    // Longer than the instance accepts: refused with the reason.
    let (status, body) = inst.upload(&root, &file, 1, "Too long").await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("longer than"),
        "{body}"
    );

    // A picture is a readable file with neither video nor audio to publish.
    let png = clip(
        dir.path(),
        "still.png",
        &[
            "-f",
            "lavfi",
            "-i",
            "color=c=red:s=64x64:d=1",
            "-frames:v",
            "1",
        ],
    );
    let (status, body) = inst.upload(&root, &png, 1, "A picture").await;
    assert_eq!(status, 422, "{body}");

    // The daily quota counts what was uploaded in the last 24 hours.
    let size = std::fs::metadata(&file).unwrap().len() as i64;
    let res = inst
        .http
        .post(format!("{}/api/v1/users", inst.url))
        .bearer_auth(&root)
        .json(&serde_json::json!({ "username": "dana", "email": "dana@example.org", "password": "secret-pass", "role": 2, "videoQuota": -1, "videoQuotaDaily": size / 2 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let dana = inst.token("dana", "secret-pass").await;
    let (_, me) = inst.get_json(&dana, "/api/v1/users/me").await;
    let channel = me["videoChannels"][0]["id"].as_i64().unwrap();
    assert_eq!(me["videoQuotaDaily"], size / 2);
    let (status, _, body) = inst
        .init_resumable(&dana, channel, size as usize, "Over the day")
        .await;
    assert_eq!(status, 413, "{body}");
    inst.stop().await;
});

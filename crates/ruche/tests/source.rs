//! A video's source as PeerTube 6 shows and replaces it, against a real `ruche serve` (SQLite
//! and PostgreSQL): `GET /api/v1/videos/{id}/source` for its owner only; a new file sent through
//! `source/replace-resumable` goes through the ladder again under the same UUID and keeps the
//! video's comments, rating and views; what is refused (another user, not a video, a
//! replacement while transcoding) changes nothing.

#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use reqwest::Method;
use ruche_testkit::{Instance, both, clip, small_clip};
use serde_json::{Value, json};
use std::path::Path;

/// Sends `file` as the new source of `video` in one PUT: the init's and the PUT's statuses.
async fn replace(inst: &Instance, token: &str, video: &str, file: &Path) -> (u16, u16) {
    let bytes = std::fs::read(file).unwrap();
    let api = inst.api().with(token);
    let init = api
        .request(
            Method::POST,
            &format!("/api/v1/videos/{video}/source/replace-resumable"),
        )
        .header("X-Upload-Content-Length", bytes.len().to_string())
        .header("X-Upload-Content-Type", "video/mp4")
        .json(&json!({ "filename": "new-cut.mp4" }))
        .send()
        .await
        .unwrap();
    let status = init.status().as_u16();
    if status != 201 {
        return (status, 0);
    }
    let location = init.headers()["location"].to_str().unwrap().to_string();
    assert!(location.contains(&format!(
        "/api/v1/videos/{video}/source/replace-resumable?upload_id="
    )));
    let path = location
        .split_once(&inst.url)
        .map(|(_, p)| p)
        .unwrap()
        .to_string();
    let put = api
        .request(Method::PUT, &path)
        .header(
            "Content-Range",
            format!("bytes 0-{}/{}", bytes.len() - 1, bytes.len()),
        )
        .body(bytes)
        .send()
        .await
        .unwrap();
    (status, put.status().as_u16())
}

both!(replacing_a_source_keeps_the_video, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let root = inst.root_token().await;
    let (alice, channel) = inst.user(&root, "alice", 1_000_000_000).await;
    let (bob, _) = inst.user(&root, "bob", 1_000_000_000).await;
    let dir = tempfile::tempdir().unwrap();
    let first = small_clip(dir.path());
    let (_, up) = inst.upload(&alice, &first, channel, "A video to fix").await;
    let uuid = up["video"]["uuid"].as_str().unwrap().to_string();
    let id = up["video"]["id"].as_i64().unwrap();
    let before = inst.wait_transcoded(&alice, &uuid, 2).await;
    assert_eq!(before["duration"], 3);

    // Its source, for its owner.
    let (s, src) = inst
        .api()
        .with(&alice)
        .get_json(&format!("/api/v1/videos/{uuid}/source"))
        .await;
    assert_eq!(s, 200, "{src}");
    assert_eq!(src["inputFilename"], "clip.mp4");
    assert_eq!(src["resolution"]["id"], 360);
    assert_eq!(src["width"], 640);
    assert!(src["size"].as_i64().unwrap() > 0);
    assert_eq!(
        src["fileDownloadUrl"],
        Value::Null,
        "not kept once transcoded"
    );
    let (s, _) = inst
        .api()
        .with(&bob)
        .get_json(&format!("/api/v1/videos/{uuid}/source"))
        .await;
    assert_eq!(s, 403);
    assert_eq!(
        inst.api()
            .get_json(&format!("/api/v1/videos/{uuid}/source"))
            .await
            .0,
        401
    );

    // What it gathered: a comment, a like, a view.
    let (s, c) = inst
        .api()
        .with(&bob)
        .post_json(
            &format!("/api/v1/videos/{uuid}/comment-threads"),
            json!({ "text": "Nice, but the end is cut" }),
        )
        .await;
    assert_eq!(s, 200, "{c}");
    let (s, _) = inst
        .api()
        .with(&bob)
        .put_json(
            &format!("/api/v1/videos/{uuid}/rate"),
            json!({ "rating": "like" }),
        )
        .await;
    assert_eq!(s, 204);

    // Refused: another user's, not a video (the video stays as it was), nothing declared.
    assert_eq!(replace(&inst, &bob, &uuid, &first).await.0, 403);
    let junk = dir.path().join("junk.mp4");
    std::fs::write(&junk, vec![7u8; 4096]).unwrap();
    assert_eq!(replace(&inst, &alice, &uuid, &junk).await, (201, 422));
    let (_, v) = inst.api().get_json(&format!("/api/v1/videos/{uuid}")).await;
    assert_eq!(v["state"]["id"], 1, "{v}");
    assert_eq!(
        v["streamingPlaylists"][0]["files"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let resp = inst
        .api()
        .with(&alice)
        .request(
            Method::POST,
            &format!("/api/v1/videos/{uuid}/source/replace-resumable"),
        )
        .json(&json!({ "filename": "x.mp4" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);

    // A longer, smaller cut replaces it.
    let second = clip(
        dir.path(),
        "second.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=426x240:r=25:d=5",
            "-f",
            "lavfi",
            "-i",
            "sine=f=330:d=5",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
        ],
    );
    assert_eq!(replace(&inst, &alice, &uuid, &second).await, (201, 204));
    // While it is transcoded again, another replacement waits.
    let (_, v) = inst
        .api()
        .with(&alice)
        .get_json(&format!("/api/v1/videos/{uuid}"))
        .await;
    if v["state"]["id"] == 2 {
        assert_eq!(replace(&inst, &alice, &uuid, &second).await.0, 409);
    }
    let after = inst
        .eventually("the new cut is published", 120, || async {
            let (_, v) = inst
                .api()
                .with(&alice)
                .get_json(&format!("/api/v1/videos/{uuid}"))
                .await;
            (v["state"]["id"] == 1 && v["duration"] == 5).then_some(v)
        })
        .await;
    assert_eq!(after["id"], id);
    assert_eq!(after["uuid"], uuid.as_str());
    assert_eq!(after["likes"], 1);
    let heights: Vec<i64> = after["streamingPlaylists"][0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["resolution"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(heights, [240], "the new ladder only: {after}");
    // Its storyboard is the new cut's (five frames), the old one's file gone.
    inst.eventually("the new cut's storyboard", 60, || async {
        let (_, v) = inst
            .api()
            .get_json(&format!("/api/v1/videos/{uuid}/storyboards"))
            .await;
        let storyboards = inst.storage().join("storyboards");
        (v["storyboards"][0]["totalWidth"] == 5 * 192 && ruche_testkit::entries(&storyboards) == 1)
            .then_some(())
    })
    .await;
    // Every file it lists is there.
    for f in after["streamingPlaylists"][0]["files"].as_array().unwrap() {
        let url = f["fileUrl"].as_str().unwrap();
        assert_eq!(reqwest::get(url).await.unwrap().status(), 200, "{url}");
    }
    let (_, threads) = inst
        .api()
        .get_json(&format!("/api/v1/videos/{uuid}/comment-threads"))
        .await;
    assert_eq!(threads["total"], 1);
    assert_eq!(threads["data"][0]["text"], "Nice, but the end is cut");
    let (_, src) = inst
        .api()
        .with(&alice)
        .get_json(&format!("/api/v1/videos/{uuid}/source"))
        .await;
    assert_eq!(src["inputFilename"], "new-cut.mp4");
    assert_eq!(src["height"], 240);
    // The quota counts the new files (the largest, as PeerTube), not the old ones too.
    let (_, used) = inst
        .api()
        .with(&alice)
        .get_json("/api/v1/users/me/video-quota-used")
        .await;
    let largest = after["streamingPlaylists"][0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["size"].as_i64().unwrap())
        .max()
        .unwrap();
    assert_eq!(used["videoQuotaUsed"].as_i64().unwrap(), largest);
    inst.stop().await;
});

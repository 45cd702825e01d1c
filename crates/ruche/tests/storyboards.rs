//! Storyboards as PeerTube makes and reads them, against real `ruche serve`s (SQLite and
//! PostgreSQL) and a real ffmpeg: made after transcoding with PeerTube's grid, answered by
//! `GET /api/v1/videos/{id}/storyboards` to whoever may see the video, served as a JPEG of the
//! size it claims, federated as the `Video`'s `preview` (which PeerTube's checks keep), and read
//! back from another instance's `Video` and served from there.

#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_testkit::{Instance, ap_get, both, clip, query_escape, small_clip};
use ruche_tube::federation::acceptance;
use serde_json::{Value, json};

/// The width and height of a JPEG, by ffprobe.
fn jpeg_size(bytes: &[u8]) -> (i64, i64) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.jpg");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=width,height,codec_name",
        ])
        .args(["-of", "json"])
        .arg(&path)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["streams"][0];
    assert_eq!(s["codec_name"], "mjpeg", "{v}");
    (s["width"].as_i64().unwrap(), s["height"].as_i64().unwrap())
}

/// The storyboards `inst` lists for `id`, once there is one.
async fn wait_storyboard(inst: &Instance, id: &str) -> Value {
    let path = format!("/api/v1/videos/{id}/storyboards");
    inst.eventually("a storyboard", 60, || async {
        let (s, v) = inst.api().get_json(&path).await;
        (s == 200 && v["storyboards"].as_array().is_some_and(|l| !l.is_empty()))
            .then(|| v["storyboards"][0].clone())
    })
    .await
}

/// GET `path` on `inst`: its status, type and bytes.
async fn fetch(inst: &Instance, path: &str) -> (u16, String, Vec<u8>) {
    let r = reqwest::get(format!("{}{path}", inst.url)).await.unwrap();
    let status = r.status().as_u16();
    let kind = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, r.bytes().await.unwrap().to_vec())
}

const FEDERATION: &[(&str, &str)] = &[
    ("RUCHE_FEDERATION_ALLOW_INSECURE", "true"),
    ("RUCHE_FEDERATION_DELIVERY_TIMEOUT_SECS", "3"),
];

both!(made_served_and_federated, |db| async move {
    let a = Instance::start(db, FEDERATION).await;
    let b = Instance::start(db, FEDERATION).await;
    let root = a.root_token().await;
    let (alice, ch) = a.user(&root, "alice", -1).await;
    let dir = tempfile::tempdir().unwrap();
    let (s, up) = a
        .upload(&alice, &small_clip(dir.path()), ch, "Trois secondes")
        .await;
    assert_eq!(s, 200, "{up}");
    let id = up["video"]["uuid"].as_str().unwrap().to_string();
    a.wait_transcoded(&alice, &id, 2).await;

    // PeerTube's grid for 3 s of 16:9: three 192×108 frames, one a second, in a row.
    let board = wait_storyboard(&a, &id).await;
    assert_eq!(
        (
            &board["spriteWidth"],
            &board["spriteHeight"],
            &board["spriteDuration"],
            &board["totalWidth"],
            &board["totalHeight"],
        ),
        (
            &json!(192),
            &json!(108),
            &json!(1),
            &json!(576),
            &json!(108)
        ),
        "{board}"
    );
    let path = board["storyboardPath"].as_str().unwrap().to_string();
    assert!(path.starts_with("/lazy-static/storyboards/"), "{path}");
    let (s, kind, bytes) = fetch(&a, &path).await;
    assert_eq!((s, kind.as_str()), (200, "image/jpeg"));
    assert_eq!(jpeg_size(&bytes), (576, 108));

    // The Video object carries it as PeerTube's `preview`, and PeerTube keeps it.
    let (s, doc) = ap_get(&format!("{}/videos/watch/{id}", a.url)).await;
    assert_eq!(s, 200);
    let link = &doc["preview"][0];
    assert_eq!(link["rel"], json!(["storyboard"]), "{doc:#}");
    assert_eq!(link["url"][0]["href"], format!("{}{path}", a.url));
    assert_eq!(link["url"][0]["tileDuration"], "PT1S");
    assert_eq!(
        (&link["url"][0]["width"], &link["url"][0]["tileHeight"]),
        (&json!(576), &json!(108))
    );
    let notes = acceptance::check_video(&doc).unwrap_or_else(|why| panic!("{why}\n{doc:#}"));
    assert!(notes.iter().all(|n| !n.contains("preview")), "{notes:?}");

    // Another instance reads it from the Video and serves its own copy of the picture.
    let tb = b.root_token().await;
    let url = format!("{}/videos/watch/{id}", a.url);
    let (s, found) = b
        .api()
        .with(&tb)
        .get_json(&format!(
            "/api/v1/search/videos?search={}",
            query_escape(&url)
        ))
        .await;
    assert_eq!((s, &found["total"]), (200, &json!(1)), "{found}");
    let theirs = wait_storyboard(&b, &id).await;
    let copy = theirs["storyboardPath"].as_str().unwrap();
    assert_eq!(copy, format!("/lazy-static/storyboards/remote-{id}.jpg"));
    for key in [
        "totalWidth",
        "totalHeight",
        "spriteWidth",
        "spriteHeight",
        "spriteDuration",
    ] {
        assert_eq!(theirs[key], board[key], "{key}");
    }
    let (s, kind, bytes) = fetch(&b, copy).await;
    assert_eq!((s, kind.as_str()), (200, "image/jpeg"));
    assert_eq!(jpeg_size(&bytes), (576, 108));

    // Whoever may not see the video may not see its storyboards either (a private video is
    // not found, as by `GET /api/v1/videos/{id}`).
    let (s, e) = a
        .api()
        .with(&alice)
        .put_json(&format!("/api/v1/videos/{id}"), json!({ "privacy": 3 }))
        .await;
    assert_eq!(s, 204, "{e}");
    let sb = format!("/api/v1/videos/{id}/storyboards");
    assert_eq!(a.api().status(&sb).await, 404);
    let (bob, _) = a.user(&root, "bob", -1).await;
    assert_eq!(a.api().with(&bob).status(&sb).await, 404);
    assert_eq!(a.api().with(&alice).status(&sb).await, 200);
    assert_eq!(a.api().with(&root).status(&sb).await, 200, "a moderator");
    assert_eq!(a.api().status("/api/v1/videos/nope/storyboards").await, 400);
    let unknown = "/api/v1/videos/00000000-0000-4000-8000-000000000000/storyboards";
    assert_eq!(a.api().status(unknown).await, 404);

    // Too short for one (PeerTube makes none under 3 s): an empty list, no file.
    let short = clip(
        dir.path(),
        "short.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=320x180:r=25:d=2",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
        ],
    );
    let (s, up) = a.upload(&alice, &short, ch, "Deux secondes").await;
    assert_eq!(s, 200, "{up}");
    let short_id = up["video"]["uuid"].as_str().unwrap().to_string();
    a.wait_transcoded(&alice, &short_id, 1).await;
    let (s, none) = a
        .api()
        .get_json(&format!("/api/v1/videos/{short_id}/storyboards"))
        .await;
    assert_eq!((s, none), (200, json!({ "storyboards": [] })));
    let before = ruche_testkit::entries(&a.storage().join("storyboards"));
    assert_eq!(before, 1, "one storyboard on disk: the first video's");

    // Deleting the video removes its storyboard's file.
    let (s, _) = a
        .api()
        .with(&alice)
        .delete(&format!("/api/v1/videos/{id}"))
        .await;
    assert_eq!(s, 204);
    a.eventually("the storyboard's file gone", 30, || async {
        (ruche_testkit::entries(&a.storage().join("storyboards")) == 0).then_some(())
    })
    .await;
    assert_eq!(fetch(&a, &path).await.0, 404);
});

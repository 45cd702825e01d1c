//! Playlists as PeerTube's clients use them, against a real `ruche serve` (SQLite and
//! PostgreSQL): created as JSON, as a form and as multipart with a thumbnail; filled, reordered,
//! timed and emptied; who may see and change which (private, unlisted, another user's, "Watch
//! later"); elements whose video turned private; `videos-exist`, the lists and the search; and a
//! public playlist reaching a following instance, its changes and its end.

#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use reqwest::Method;
use ruche_testkit::{FEDERATION, Instance, both, small_clip};
use serde_json::{Value, json};

/// Creates a playlist as JSON: (status, body).
async fn create(inst: &Instance, token: &str, body: Value) -> (u16, Value) {
    inst.api()
        .with(token)
        .post_json("/api/v1/video-playlists", body)
        .await
}

/// The elements of a playlist as `token` (or anonymously) sees them.
async fn elements(inst: &Instance, token: Option<&str>, id: &str) -> Value {
    let api = match token {
        Some(t) => inst.api().with(t),
        None => inst.api(),
    };
    let (s, v) = api
        .get_json(&format!("/api/v1/video-playlists/{id}/videos"))
        .await;
    assert_eq!(s, 200, "{v}");
    v
}

/// The names of the regular elements' videos, in order.
fn names(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["video"]["name"].as_str().unwrap_or("-").to_string())
        .collect()
}

both!(playlists_as_peertube, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let root = inst.root_token().await;
    let (alice, alice_channel) = inst.user(&root, "alice", 1_000_000_000).await;
    let (bob, _) = inst.user(&root, "bob", 1_000_000_000).await;
    let dir = tempfile::tempdir().unwrap();
    let clip = small_clip(dir.path());
    let mut videos = Vec::new();
    for name in ["First clip", "Second clip", "Third clip"] {
        let (s, up) = inst.upload(&alice, &clip, alice_channel, name).await;
        assert_eq!(s, 200, "{up}");
        let uuid = up["video"]["uuid"].as_str().unwrap().to_string();
        inst.wait_transcoded(&alice, &uuid, 1).await;
        videos.push((up["video"]["id"].as_i64().unwrap(), uuid));
    }

    // What is refused changes nothing.
    for (body, want) in [
        (json!({ "privacy": 3 }), 400),
        (json!({ "displayName": "" }), 400),
        (json!({ "displayName": "x".repeat(121) }), 400),
        (json!({ "displayName": "Short", "description": "ab" }), 400),
        (json!({ "displayName": "Public", "privacy": 1 }), 400),
        (json!({ "displayName": "Odd", "privacy": 7 }), 400),
        (
            json!({ "displayName": "Not mine", "privacy": 1, "videoChannelId": 1 }),
            403,
        ),
        (
            json!({ "displayName": "Nowhere", "videoChannelId": 999_999 }),
            404,
        ),
    ] {
        let (s, v) = create(&inst, &alice, body.clone()).await;
        assert_eq!(s, want, "{body} → {v}");
        assert!(v["detail"].is_string() || v["error"].is_string(), "{v}");
    }
    assert_eq!(
        inst.api()
            .post_json("/api/v1/video-playlists", json!({ "displayName": "Anon" }))
            .await
            .0,
        401
    );

    // Created as JSON, as a form, and as multipart with a thumbnail.
    let (s, made) = create(
        &inst,
        &alice,
        json!({ "displayName": "Road trip", "description": "Clips from the road", "privacy": 1, "videoChannelId": alice_channel }),
    )
    .await;
    assert_eq!(s, 200, "{made}");
    let public = made["videoPlaylist"]["uuid"].as_str().unwrap().to_string();
    assert!(made["videoPlaylist"]["id"].is_i64());
    assert!(made["videoPlaylist"]["shortUUID"].is_string());
    let resp = inst
        .api()
        .with(&alice)
        .request(Method::POST, "/api/v1/video-playlists")
        .form(&[("displayName", "Secret list"), ("privacy", "3")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let private: Value = resp.json().await.unwrap();
    let private = private["videoPlaylist"]["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let png = std::process::Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=640x360",
        ])
        .args(["-frames:v", "1"])
        .arg(dir.path().join("t.png"))
        .status()
        .unwrap();
    assert!(png.success());
    let form = reqwest::multipart::Form::new()
        .text("displayName", "Unlisted one")
        .text("privacy", "2")
        .part(
            "thumbnailfile",
            reqwest::multipart::Part::bytes(std::fs::read(dir.path().join("t.png")).unwrap())
                .file_name("t.png")
                .mime_str("image/png")
                .unwrap(),
        );
    let resp = inst
        .api()
        .with(&alice)
        .request(Method::POST, "/api/v1/video-playlists")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let unlisted: Value = resp.json().await.unwrap();
    let unlisted_id = unlisted["videoPlaylist"]["id"].as_i64().unwrap();
    let unlisted = unlisted["videoPlaylist"]["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, u) = inst
        .api()
        .get_json(&format!("/api/v1/video-playlists/{unlisted}"))
        .await;
    let thumb = u["thumbnailPath"].as_str().unwrap().to_string();
    let resp = reqwest::get(format!("{}{thumb}", inst.url)).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/jpeg");
    // A "thumbnail" that is no picture is refused.
    let form = reqwest::multipart::Form::new()
        .text("displayName", "Bad picture")
        .part(
            "thumbnailfile",
            reqwest::multipart::Part::bytes(b"not a picture".to_vec())
                .file_name("t.png")
                .mime_str("image/png")
                .unwrap(),
        );
    let s = inst
        .api()
        .with(&alice)
        .request(Method::POST, "/api/v1/video-playlists")
        .multipart(form)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(s.as_u16(), 400);

    // Who sees what: a private playlist is its owner's (403 to others, as PeerTube); an
    // unlisted one by its UUID only.
    let status = |token: Option<String>, id: String| {
        let inst = &inst;
        async move {
            let api = match &token {
                Some(t) => inst.api().with(t),
                None => inst.api(),
            };
            api.get_json(&format!("/api/v1/video-playlists/{id}"))
                .await
                .0
        }
    };
    assert_eq!(status(Some(alice.clone()), private.clone()).await, 200);
    assert_eq!(status(Some(bob.clone()), private.clone()).await, 403);
    assert_eq!(status(None, private.clone()).await, 403);
    assert_eq!(status(Some(root.clone()), private.clone()).await, 200);
    assert_eq!(status(None, unlisted.clone()).await, 200);
    assert_eq!(status(None, unlisted_id.to_string()).await, 404);
    assert_eq!(status(None, "999999".into()).await, 404);
    assert_eq!(status(None, "not-an-id!".into()).await, 400);

    // Filled: the same video may come twice, each element with its own times.
    let add = |token: &str, playlist: &str, body: Value| {
        let api = inst.api().with(token);
        let path = format!("/api/v1/video-playlists/{playlist}/videos");
        async move { api.post_json(&path, body).await }
    };
    let mut elements_made = Vec::new();
    for (video, body) in [
        (0, json!({})),
        (1, json!({ "startTimestamp": 0, "stopTimestamp": 1 })),
        (2, json!({})),
        (0, json!({ "startTimestamp": 1 })),
    ] {
        let mut body = body;
        body["videoId"] = json!(videos[video].0);
        let (s, e) = add(&alice, &public, body).await;
        assert_eq!(s, 200, "{e}");
        elements_made.push(e["videoPlaylistElement"]["id"].as_i64().unwrap());
    }
    // A UUID names a video too.
    let (s, _) = add(&alice, &private, json!({ "videoId": videos[1].1 })).await;
    assert_eq!(s, 200);
    assert_eq!(
        names(&elements(&inst, None, &public).await),
        ["First clip", "Second clip", "Third clip", "First clip"]
    );
    let list = elements(&inst, None, &public).await;
    assert_eq!(list["total"], 4);
    assert_eq!(list["data"][1]["startTimestamp"], 0);
    assert_eq!(list["data"][1]["stopTimestamp"], 1);
    assert_eq!(list["data"][3]["position"], 4);
    assert_eq!(list["data"][0]["type"], 0);
    for (body, want) in [
        (json!({ "videoId": videos[0].0, "startTimestamp": -1 }), 400),
        (
            json!({ "videoId": videos[0].0, "startTimestamp": 2, "stopTimestamp": 1 }),
            400,
        ),
        (
            json!({ "videoId": videos[0].0, "stopTimestamp": 3600 }),
            400,
        ),
        (json!({ "videoId": 999_999 }), 404),
        (json!({}), 400),
    ] {
        assert_eq!(add(&alice, &public, body.clone()).await.0, want, "{body}");
    }
    // Bob can neither fill nor change Alice's playlists.
    assert_eq!(
        add(&bob, &public, json!({ "videoId": videos[0].0 }))
            .await
            .0,
        403
    );
    let (s, _) = inst
        .api()
        .with(&bob)
        .put_json(
            &format!("/api/v1/video-playlists/{public}"),
            json!({ "displayName": "Mine now" }),
        )
        .await;
    assert_eq!(s, 403);
    assert_eq!(
        inst.api()
            .with(&bob)
            .delete(&format!("/api/v1/video-playlists/{public}"))
            .await
            .0,
        403
    );

    // Reordered as PeerTube does: the last to the top, then two from the second after the
    // fourth.
    let reorder = |body: Value| {
        let api = inst.api().with(&alice);
        let path = format!("/api/v1/video-playlists/{public}/videos/reorder");
        async move { api.post_json(&path, body).await.0 }
    };
    assert_eq!(
        reorder(json!({ "startPosition": 4, "insertAfterPosition": 0 })).await,
        204
    );
    assert_eq!(
        names(&elements(&inst, None, &public).await),
        ["First clip", "First clip", "Second clip", "Third clip"]
    );
    assert_eq!(
        reorder(json!({ "startPosition": 2, "insertAfterPosition": 4, "reorderLength": 2 })).await,
        204
    );
    assert_eq!(
        names(&elements(&inst, None, &public).await),
        ["First clip", "Third clip", "First clip", "Second clip"]
    );
    for bad in [
        json!({ "startPosition": 0, "insertAfterPosition": 1 }),
        json!({ "startPosition": 5, "insertAfterPosition": 1 }),
        json!({ "startPosition": 1, "insertAfterPosition": 9 }),
        json!({ "startPosition": 3, "insertAfterPosition": 0, "reorderLength": 3 }),
        json!({ "insertAfterPosition": 0 }),
    ] {
        assert_eq!(reorder(bad.clone()).await, 400, "{bad}");
    }

    // Times changed, an element removed: the others move up.
    let first = elements(&inst, None, &public).await["data"][0]["id"]
        .as_i64()
        .unwrap();
    let (s, _) = inst
        .api()
        .with(&alice)
        .put_json(
            &format!("/api/v1/video-playlists/{public}/videos/{first}"),
            json!({ "startTimestamp": 1 }),
        )
        .await;
    assert_eq!(s, 204);
    assert_eq!(
        elements(&inst, None, &public).await["data"][0]["startTimestamp"],
        1
    );
    assert_eq!(
        inst.api()
            .with(&alice)
            .delete(&format!("/api/v1/video-playlists/{public}/videos/{first}"))
            .await
            .0,
        204
    );
    let list = elements(&inst, None, &public).await;
    assert_eq!(names(&list), ["Third clip", "First clip", "Second clip"]);
    let positions: Vec<i64> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, [1, 2, 3]);
    assert_eq!(
        inst.api()
            .with(&alice)
            .delete(&format!("/api/v1/video-playlists/{public}/videos/{first}"))
            .await
            .0,
        404
    );

    // Where Alice's videos are, in her playlists.
    let (s, exist) = inst
        .api()
        .with(&alice)
        .get_json(&format!(
            "/api/v1/users/me/video-playlists/videos-exist?videoIds={},{}",
            videos[1].0, videos[2].0
        ))
        .await;
    assert_eq!(s, 200, "{exist}");
    assert_eq!(exist[videos[1].0.to_string()].as_array().unwrap().len(), 2);
    assert_eq!(exist[videos[2].0.to_string()].as_array().unwrap().len(), 1);
    assert_eq!(
        inst.api()
            .get_json("/api/v1/users/me/video-playlists/videos-exist?videoIds=1")
            .await
            .0,
        401
    );

    // A video made private stays in the list as "private" for others, whole for its owner.
    let (s, _) = inst
        .api()
        .with(&alice)
        .put_json(
            &format!("/api/v1/videos/{}", videos[2].1),
            json!({ "privacy": 3 }),
        )
        .await;
    assert_eq!(s, 204);
    let list = elements(&inst, Some(&bob), &public).await;
    assert_eq!(list["data"][0]["type"], 2);
    assert_eq!(list["data"][0]["video"], Value::Null);
    let list = elements(&inst, Some(&alice), &public).await;
    assert_eq!(list["data"][0]["type"], 0);
    assert_eq!(list["data"][0]["video"]["name"], "Third clip");

    // Lists: the instance's and the channel's show public ones; the account's shows its owner
    // everything, "Watch later" included, which can be neither changed nor deleted.
    let (_, all) = inst.api().get_json("/api/v1/video-playlists").await;
    assert_eq!(all["total"], 1, "{all}");
    assert_eq!(all["data"][0]["displayName"], "Road trip");
    assert_eq!(all["data"][0]["videosLength"], 3);
    assert_eq!(all["data"][0]["videoChannel"]["id"], alice_channel);
    assert_eq!(all["data"][0]["ownerAccount"]["name"], "alice");
    let (_, mine) = inst
        .api()
        .with(&alice)
        .get_json("/api/v1/accounts/alice/video-playlists")
        .await;
    assert_eq!(mine["total"], 4, "{mine}");
    let watch_later = mine["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["type"]["id"] == 2)
        .unwrap()["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, theirs) = inst
        .api()
        .with(&bob)
        .get_json("/api/v1/accounts/alice/video-playlists")
        .await;
    assert_eq!(theirs["total"], 1);
    let (_, of_type) = inst
        .api()
        .with(&alice)
        .get_json("/api/v1/accounts/alice/video-playlists?playlistType=2")
        .await;
    assert_eq!(of_type["total"], 1);
    assert_eq!(
        inst.api()
            .with(&alice)
            .delete(&format!("/api/v1/video-playlists/{watch_later}"))
            .await
            .0,
        400
    );
    let (s, _) = inst
        .api()
        .with(&alice)
        .put_json(
            &format!("/api/v1/video-playlists/{watch_later}"),
            json!({ "displayName": "Later" }),
        )
        .await;
    assert_eq!(s, 400);
    let (_, ch) = inst
        .api()
        .get_json("/api/v1/video-channels/alice_channel/video-playlists")
        .await;
    assert_eq!(ch["total"], 1, "{ch}");
    assert_eq!(
        inst.api()
            .get_json("/api/v1/video-playlists?sort=nonsense")
            .await
            .0,
        400
    );

    // Search by a word of the name, accents and case aside.
    let (_, found) = inst
        .api()
        .get_json("/api/v1/search/video-playlists?search=ROAD")
        .await;
    assert_eq!(found["total"], 1, "{found}");
    let (_, found) = inst
        .api()
        .get_json("/api/v1/search/video-playlists?search=secret")
        .await;
    assert_eq!(
        found["total"], 0,
        "private playlists are not found: {found}"
    );

    // Renamed, made private: gone from the public list; deleted: gone.
    let (s, _) = inst
        .api()
        .with(&alice)
        .put_json(
            &format!("/api/v1/video-playlists/{public}"),
            json!({ "displayName": "Road trip 2", "privacy": 3 }),
        )
        .await;
    assert_eq!(s, 204);
    let (_, all) = inst.api().get_json("/api/v1/video-playlists").await;
    assert_eq!(all["total"], 0);
    assert_eq!(
        inst.api()
            .with(&alice)
            .delete(&format!("/api/v1/video-playlists/{public}"))
            .await
            .0,
        204
    );
    assert_eq!(status(Some(alice.clone()), public.clone()).await, 404);
    // A moderator may delete anyone's.
    assert_eq!(
        inst.api()
            .with(&root)
            .delete(&format!("/api/v1/video-playlists/{private}"))
            .await
            .0,
        204
    );
    inst.stop().await;
});

both!(a_playlist_federates, |db| async move {
    let a = Instance::start(db, FEDERATION).await;
    let b = Instance::start(db, FEDERATION).await;
    let logs = vec![a.stderr_log.clone(), b.stderr_log.clone()];
    let (ta, tb) = (a.root_token().await, b.root_token().await);
    b.follow_instance(&tb, &a).await;
    let dir = tempfile::tempdir().unwrap();
    let clip = small_clip(dir.path());
    let mut videos = Vec::new();
    for name in ["One", "Two"] {
        let (_, up) = a.upload(&ta, &clip, 1, name).await;
        let id = up["video"]["uuid"].as_str().unwrap().to_string();
        a.wait_transcoded(&ta, &id, 1).await;
        videos.push(id);
    }
    let (s, made) = create(
        &a,
        &ta,
        json!({ "displayName": "Shared list", "privacy": 1, "videoChannelId": 1 }),
    )
    .await;
    assert_eq!(s, 200, "{made}");
    let uuid = made["videoPlaylist"]["uuid"].as_str().unwrap().to_string();
    let add = |video: String| {
        let api = a.api().with(&ta);
        let path = format!("/api/v1/video-playlists/{uuid}/videos");
        async move { api.post_json(&path, json!({ "videoId": video })).await.0 }
    };
    assert_eq!(add(videos[0].clone()).await, 200);

    // B keeps it, lists it (B follows A's instance) and shows its video.
    let on_b = |want: Option<(&'static str, i64)>| {
        let (b, uuid) = (&b, uuid.clone());
        async move {
            let (s, p) = b
                .api()
                .get_json(&format!("/api/v1/video-playlists/{uuid}"))
                .await;
            match want {
                Some((name, n)) => {
                    (s == 200 && p["displayName"] == name && p["videosLength"] == n).then_some(p)
                }
                None => (s == 404).then_some(p),
            }
        }
    };
    let p = ruche_testkit::eventually(&logs, "B has the playlist", 30, || {
        on_b(Some(("Shared list", 1)))
    })
    .await;
    assert_eq!(p["isLocal"], false);
    assert_eq!(p["ownerAccount"]["host"], a.host());
    let list = elements(&b, None, &uuid).await;
    assert_eq!(list["data"][0]["video"]["uuid"], videos[0].as_str());
    let (_, listed) = b.api().get_json("/api/v1/video-playlists").await;
    assert_eq!(listed["total"], 1, "{listed}");

    // A second video and a new name reach B as an Update.
    assert_eq!(add(videos[1].clone()).await, 200);
    let (s, _) = a
        .api()
        .with(&ta)
        .put_json(
            &format!("/api/v1/video-playlists/{uuid}"),
            json!({ "displayName": "Shared list, longer" }),
        )
        .await;
    assert_eq!(s, 204);
    ruche_testkit::eventually(&logs, "B has the update", 30, || {
        on_b(Some(("Shared list, longer", 2)))
    })
    .await;
    assert_eq!(names(&elements(&b, None, &uuid).await), ["One", "Two"]);

    // Made private on A: deleted from B.
    let (s, _) = a
        .api()
        .with(&ta)
        .put_json(
            &format!("/api/v1/video-playlists/{uuid}"),
            json!({ "privacy": 3 }),
        )
        .await;
    assert_eq!(s, 204);
    ruche_testkit::eventually(&logs, "B dropped the playlist", 30, || on_b(None)).await;

    // A's own document of it is gone for other servers too; the public one is served as
    // PeerTube serves it.
    let (s, _) = ruche_testkit::ap_get(&format!("{}/video-playlists/{uuid}", a.url)).await;
    assert_eq!(s, 404);
    a.stop().await;
    b.stop().await;
});

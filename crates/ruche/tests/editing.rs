//! Editing a video as PeerTube's clients do it, against a real `ruche serve` (SQLite and
//! PostgreSQL): `PUT /api/v1/videos/{id}` with every field as JSON, as a form and as multipart
//! with a chosen thumbnail; what is refused (and changes nothing); a channel move; privacy and
//! PeerTube 6's video passwords (header, token, the password list, guesses limited); and a
//! scheduled publication that publishes itself.

#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use reqwest::Method;
use ruche_testkit::{FEDERATION, Instance, both, small_clip};
use serde_json::{Value, json};
use std::path::Path;

/// A PNG picture of `w`×`h`, made by ffmpeg.
fn png(dir: &Path, name: &str, w: u32, h: u32) -> Vec<u8> {
    let out = dir.join(name);
    let ok = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("testsrc=size={w}x{h}"))
        .args(["-frames:v", "1"])
        .arg(&out)
        .status()
        .unwrap()
        .success();
    assert!(ok, "ffmpeg made no picture");
    std::fs::read(out).unwrap()
}

/// The width and height of a picture, as ffprobe reads it.
fn size_of(dir: &Path, bytes: &[u8]) -> (u64, u64) {
    let f = dir.join("probe.jpg");
    std::fs::write(&f, bytes).unwrap();
    let out = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-of", "json", "-show_streams"])
        .arg(&f)
        .output()
        .unwrap();
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &j["streams"][0];
    (s["width"].as_u64().unwrap(), s["height"].as_u64().unwrap())
}

/// `PUT /api/v1/videos/{id}` as multipart: a new name and pictures (field, bytes): the status.
async fn put_pictures(
    inst: &Instance,
    token: &str,
    id: &str,
    name: &str,
    pictures: Vec<(&'static str, Vec<u8>)>,
) -> u16 {
    let mut form = reqwest::multipart::Form::new().text("name", name.to_string());
    for (field, bytes) in pictures {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(format!("{field}.png"))
            .mime_str("image/png")
            .unwrap();
        form = form.part(field, part);
    }
    inst.api()
        .with(token)
        .request(Method::PUT, &format!("/api/v1/videos/{id}"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// `PUT /api/v1/videos/{id}` with a JSON body, as `token`: (status, body).
async fn put(inst: &Instance, token: Option<&str>, id: &str, body: Value) -> (u16, Value) {
    let api = match token {
        Some(t) => inst.api().with(t),
        None => inst.api(),
    };
    api.put_json(&format!("/api/v1/videos/{id}"), body).await
}

/// `GET /api/v1/videos/{id}` as `token`, with a video password if given: (status, body).
async fn get(
    inst: &Instance,
    token: Option<&str>,
    id: &str,
    password: Option<&str>,
) -> (u16, Value) {
    let mut r = inst.http.get(format!("{}/api/v1/videos/{id}", inst.url));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    if let Some(p) = password {
        r = r.header("x-peertube-video-password", p);
    }
    let r = r.send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

both!(
    every_field_is_edited_and_bad_edits_change_nothing,
    |db| async move {
        let inst = Instance::start(db, &[]).await;
        let root = inst.root_token().await;
        let (alice, ch) = inst.user(&root, "alice", -1).await;
        let (bob, bob_ch) = inst.user(&root, "bob", -1).await;
        let dir = tempfile::tempdir().unwrap();
        let clip = small_clip(dir.path());
        let (_, up) = inst.upload(&alice, &clip, ch, "First title").await;
        let id = up["video"]["uuid"].as_str().unwrap().to_string();
        let before = inst.wait_transcoded(&alice, &id, 2).await;

        // Every field at once, as JSON.
        let (s, b) = put(
            &inst,
            Some(&alice),
            &id,
            json!({
                "name": "  A better title ",
                "description": "What it **is**.",
                "support": "Support me at https://example.org/give",
                "tags": ["rust", "video"],
                "category": 15,
                "licence": 2,
                "language": "fr",
                "nsfw": true,
                "nsfwFlags": 1,
                "nsfwSummary": "Some violence",
                "commentsPolicy": 2,
                "downloadEnabled": false,
                "waitTranscoding": false,
                "originallyPublishedAt": "2019-03-01T10:00:00.000Z",
            }),
        )
        .await;
        assert_eq!(s, 204, "{b}");
        let (_, v) = get(&inst, None, &id, None).await;
        assert_eq!(v["name"], "A better title");
        assert_eq!(v["description"], "What it **is**.");
        assert_eq!(v["support"], "Support me at https://example.org/give");
        assert_eq!(v["tags"], json!(["rust", "video"]));
        assert_eq!(v["category"]["id"], 15);
        assert_eq!(v["licence"]["id"], 2);
        assert_eq!(v["language"]["id"], "fr");
        assert_eq!(v["nsfw"], true);
        assert_eq!(v["nsfwFlags"], 1);
        assert_eq!(v["nsfwSummary"], "Some violence");
        assert_eq!(v["commentsPolicy"]["id"], 2);
        assert_eq!(v["commentsEnabled"], false);
        assert_eq!(v["downloadEnabled"], false);
        assert_eq!(v["waitTranscoding"], false);
        assert_eq!(v["originallyPublishedAt"], "2019-03-01T10:00:00.000Z");
        // The same URL, files and publication date.
        assert_eq!(v["uuid"], before["uuid"]);
        assert_eq!(v["publishedAt"], before["publishedAt"]);
        let files = |v: &Value| {
            let pl = &v["streamingPlaylists"][0];
            let mut urls = vec![pl["playlistUrl"].clone()];
            urls.extend(
                pl["files"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f["fileUrl"].clone()),
            );
            urls
        };
        assert_eq!(files(&v), files(&before));
        // Comments are now closed.
        let (s, _) = inst
            .api()
            .with(&bob)
            .post_json(
                &format!("/api/v1/videos/{id}/comment-threads"),
                json!({ "text": "Hello" }),
            )
            .await;
        assert_eq!(s, 409, "comment on a closed video (PeerTube's answer)");

        // As a form, PeerTube's way for scripts: lists as `tags[]`, a field cleared by an empty
        // value, a sensitive video made safe again (its flags go with it).
        let r = inst
            .http
            .put(format!("{}/api/v1/videos/{id}", inst.url))
            .bearer_auth(&alice)
            .form(&[
                ("tags[]", "one"),
                ("tags[]", "two"),
                ("support", ""),
                ("nsfw", "false"),
                ("commentsEnabled", "true"),
                ("originallyPublishedAt", ""),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 204, "{}", r.text().await.unwrap());
        let (_, v) = get(&inst, None, &id, None).await;
        assert_eq!(v["tags"], json!(["one", "two"]));
        assert_eq!(v["support"], Value::Null);
        assert_eq!(v["nsfw"], false);
        assert_eq!(v["nsfwFlags"], 0);
        assert_eq!(v["nsfwSummary"], Value::Null);
        assert_eq!(v["commentsPolicy"]["id"], 1);
        assert_eq!(v["originallyPublishedAt"], Value::Null);
        assert_eq!(v["name"], "A better title", "untouched fields stay");

        // A chosen thumbnail and preview, as multipart: cut to PeerTube's sizes, as JPEG, under new
        // names (the old ones gone), and the name changed in the same request.
        let old_thumb = v["thumbnailPath"].as_str().unwrap().to_string();
        let pictures = vec![
            ("thumbnailfile", png(dir.path(), "t.png", 1200, 400)),
            ("previewfile", png(dir.path(), "p.png", 640, 480)),
        ];
        assert_eq!(
            put_pictures(&inst, &alice, &id, "With a picture", pictures).await,
            204
        );
        let (_, v) = get(&inst, None, &id, None).await;
        assert_eq!(v["name"], "With a picture");
        let thumb = v["thumbnailPath"].as_str().unwrap().to_string();
        assert_ne!(thumb, old_thumb);
        for (path, size) in [
            (&thumb, (280, 157)),
            (&v["previewPath"].as_str().unwrap().to_string(), (850, 480)),
        ] {
            let r = inst
                .http
                .get(format!("{}{path}", inst.url))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 200, "{path}");
            let bytes = r.bytes().await.unwrap();
            assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF]), "{path}: not a JPEG");
            assert_eq!(size_of(dir.path(), &bytes), size, "{path}");
        }
        inst.eventually("the old thumbnail is removed", 10, || async {
            let s = inst.api().status(&old_thumb).await;
            (s == 404).then_some(())
        })
        .await;

        // Refused, each with PeerTube's 400 shape, and nothing changed.
        let bad: Vec<Value> = vec![
            json!({ "name": "ab" }),
            json!({ "name": "x".repeat(121) }),
            json!({ "tags": ["a1", "b2", "c3", "d4", "e5", "f6"] }),
            json!({ "tags": ["x"] }),
            json!({ "category": 999 }),
            json!({ "licence": "free" }),
            json!({ "privacy": 9 }),
            json!({ "nsfwFlags": 8 }),
            json!({ "commentsPolicy": 7 }),
            json!({ "originallyPublishedAt": "yesterday" }),
            json!({ "description": "d".repeat(10_001) }),
            json!({ "scheduleUpdate": { "updateAt": "soon" } }),
            json!({ "scheduleUpdate": { "updateAt": "2030-01-01T00:00:00Z", "privacy": 3 } }),
            json!({ "privacy": 5 }),
            json!({ "privacy": 5, "videoPasswords": ["x"] }),
            json!({ "privacy": 5, "videoPasswords": ["same", "same"] }),
            json!({ "channelId": "many" }),
        ];
        for body in bad {
            // Each beside a valid name change, which must not be written either.
            let mut with_name = body.clone();
            with_name["name"] = with_name
                .get("name")
                .cloned()
                .unwrap_or(json!("Never this"));
            let (s, e) = put(&inst, Some(&alice), &id, with_name).await;
            assert_eq!(s, 400, "{body}: {e}");
            assert_eq!(e["status"], 400, "{body}: {e}");
            assert!(e["detail"].as_str().is_some(), "{body}: {e}");
        }
        // A thumbnail that is not a picture.
        let svg = b"<svg onload=alert(1)/>".to_vec();
        assert_eq!(
            put_pictures(
                &inst,
                &alice,
                &id,
                "Never this",
                vec![("thumbnailfile", svg)]
            )
            .await,
            400
        );
        // Someone else's video, an unknown one, nobody.
        assert_eq!(
            put(&inst, Some(&bob), &id, json!({ "name": "Mine now" }))
                .await
                .0,
            403
        );
        assert_eq!(
            put(
                &inst,
                Some(&alice),
                "00000000-0000-4000-8000-000000000000",
                json!({ "name": "Nope" })
            )
            .await
            .0,
            404
        );
        assert_eq!(
            put(&inst, None, &id, json!({ "name": "Nope" })).await.0,
            401
        );
        // Moved only within its account's channels.
        assert_eq!(
            put(&inst, Some(&alice), &id, json!({ "channelId": bob_ch }))
                .await
                .0,
            403
        );
        let (_, v) = get(&inst, None, &id, None).await;
        assert_eq!(v["name"], "With a picture", "nothing refused was written");
        assert_eq!(v["thumbnailPath"], thumb.as_str());

        // A moderator may edit it; a second channel of alice's takes it.
        assert_eq!(
            put(&inst, Some(&root), &id, json!({ "name": "Moderated" }))
                .await
                .0,
            204
        );
        let (s, c) = inst
            .api()
            .with(&alice)
            .post_json(
                "/api/v1/video-channels",
                json!({ "name": "alice_second", "displayName": "Second" }),
            )
            .await;
        assert_eq!(s, 200, "{c}");
        let second = c["videoChannel"]["id"].as_i64().unwrap();
        assert_eq!(
            put(&inst, Some(&alice), &id, json!({ "channelId": second }))
                .await
                .0,
            204
        );
        let (_, v) = get(&inst, None, &id, None).await;
        assert_eq!(v["channel"]["name"], "alice_second");
        let (_, list) = inst
            .api()
            .get_json("/api/v1/video-channels/alice_second/videos")
            .await;
        assert_eq!(list["total"], 1);

        // `GET …/description`, the whole of it.
        assert_eq!(
            put(
                &inst,
                Some(&alice),
                &id,
                json!({ "description": "d".repeat(400) })
            )
            .await
            .0,
            204
        );
        let (_, d) = inst
            .api()
            .get_json(&format!("/api/v1/videos/{id}/description"))
            .await;
        assert_eq!(d["description"].as_str().unwrap().len(), 400);

        inst.stop().await;
    }
);

both!(privacy_and_video_passwords, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let root = inst.root_token().await;
    let (alice, ch) = inst.user(&root, "alice", -1).await;
    let (bob, _) = inst.user(&root, "bob", -1).await;
    let dir = tempfile::tempdir().unwrap();
    let clip = small_clip(dir.path());
    let (_, up) = inst.upload(&alice, &clip, ch, "Soon secret").await;
    let id = up["video"]["uuid"].as_str().unwrap().to_string();
    inst.wait_transcoded(&alice, &id, 2).await;
    let listed = |inst: &Instance| {
        let api = inst.api();
        async move {
            let (_, l) = api.get_json("/api/v1/videos?count=100").await;
            l["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["uuid"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert!(listed(&inst).await.contains(&id));

    // Private: gone for everyone but its owner and moderators, and from the list.
    assert_eq!(
        put(&inst, Some(&alice), &id, json!({ "privacy": 3 }))
            .await
            .0,
        204
    );
    assert_eq!(get(&inst, None, &id, None).await.0, 404);
    assert_eq!(get(&inst, Some(&bob), &id, None).await.0, 404);
    assert_eq!(get(&inst, Some(&alice), &id, None).await.0, 200);
    assert_eq!(get(&inst, Some(&root), &id, None).await.0, 200);
    assert!(!listed(&inst).await.contains(&id));

    // Unlisted: by its link, not in the list.
    assert_eq!(
        put(&inst, Some(&alice), &id, json!({ "privacy": 2 }))
            .await
            .0,
        204
    );
    assert_eq!(get(&inst, None, &id, None).await.0, 200);
    assert!(!listed(&inst).await.contains(&id));

    // Password-protected: asked for, refused when wrong, given when right.
    let (s, e) = put(
        &inst,
        Some(&alice),
        &id,
        json!({ "privacy": 5, "videoPasswords": ["open sesame", "second"] }),
    )
    .await;
    assert_eq!(s, 204, "{e}");
    let (s, e) = get(&inst, None, &id, None).await;
    assert_eq!(s, 403);
    assert_eq!(e["code"], "video_requires_password");
    let (s, e) = get(&inst, Some(&bob), &id, Some("wrong")).await;
    assert_eq!(s, 403);
    assert_eq!(e["code"], "incorrect_video_password");
    let (s, v) = get(&inst, None, &id, Some("open sesame")).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["privacy"]["id"], 5);
    assert_eq!(
        get(&inst, Some(&alice), &id, None).await.0,
        200,
        "its owner needs none"
    );
    assert!(!listed(&inst).await.contains(&id));
    // Its files are under the private path, opened by a token the password gives.
    let master = v["streamingPlaylists"][0]["playlistUrl"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(master.contains("/private/"), "{master}");
    assert_eq!(
        inst.http
            .get(&master)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        403
    );
    let tok = |password: Option<&'static str>| {
        let r = inst
            .http
            .post(format!("{}/api/v1/videos/{id}/token", inst.url));
        let r = match password {
            Some(p) => r.header("x-peertube-video-password", p),
            None => r,
        };
        async move {
            let r = r.send().await.unwrap();
            let s = r.status().as_u16();
            (s, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    assert_eq!(tok(None).await.0, 401);
    assert_eq!(tok(Some("nope")).await.0, 403);
    let (s, t) = tok(Some("second")).await;
    assert_eq!(s, 200, "{t}");
    let token = t["files"]["token"].as_str().unwrap();
    let opened = inst
        .http
        .get(format!("{master}?videoFileToken={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status().as_u16(), 200);
    // Comments and ratings ask for it too.
    let (s, _) = inst
        .api()
        .get_json(&format!("/api/v1/videos/{id}/comment-threads"))
        .await;
    assert_eq!(s, 403);
    let r = inst
        .http
        .get(format!("{}/api/v1/videos/{id}/comment-threads", inst.url))
        .header("x-peertube-video-password", "second")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let r = inst
        .http
        .put(format!("{}/api/v1/videos/{id}/rate", inst.url))
        .bearer_auth(&bob)
        .header("x-peertube-video-password", "open sesame")
        .json(&json!({ "rating": "like" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);

    // The list of passwords, for its owner only; replaced; never emptied.
    let api = inst.api().with(&alice);
    let (s, list) = api
        .get_json(&format!("/api/v1/videos/{id}/passwords"))
        .await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["total"], 2);
    assert_eq!(list["data"][0]["password"], "open sesame");
    assert_eq!(
        inst.api()
            .with(&bob)
            .get_json(&format!("/api/v1/videos/{id}/passwords"))
            .await
            .0,
        403
    );
    let (s, _) = api
        .put_json(
            &format!("/api/v1/videos/{id}/passwords"),
            json!({ "passwords": ["only one"] }),
        )
        .await;
    assert_eq!(s, 204);
    assert_eq!(get(&inst, None, &id, Some("open sesame")).await.0, 403);
    assert_eq!(get(&inst, None, &id, Some("only one")).await.0, 200);
    // Its watch page asks for the password, and plays with a file token once given.
    let browser = inst.browser();
    let page = browser
        .get(format!("{}/w/{id}", inst.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 403);
    let html = page.text().await.unwrap();
    assert!(html.contains("video-password-form"), "{html}");
    assert!(!html.contains(".m3u8"), "no playlist before the password");
    let post = |password: &'static str| {
        browser
            .post(format!("{}/w/{id}", inst.url))
            .form(&[("password", password)])
            .send()
    };
    let wrong = post("not it").await.unwrap();
    assert_eq!(wrong.status().as_u16(), 403);
    assert!(wrong.text().await.unwrap().contains("role=\"alert\""));
    let right = post("only one").await.unwrap();
    assert_eq!(right.status().as_u16(), 200);
    let html = right.text().await.unwrap();
    let master = html
        .split('"')
        .find(|s| s.contains("master.m3u8?videoFileToken="))
        .unwrap_or_else(|| panic!("no playlist with a token: {html}"))
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    assert!(master.contains("&reinjectVideoFileToken=true"), "{master}");
    let r = inst.http.get(&master).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200, "{master}");
    let playlist = r.text().await.unwrap();
    assert!(
        playlist.contains("videoFileToken="),
        "reinjected: {playlist}"
    );
    let (_, list) = api
        .get_json(&format!("/api/v1/videos/{id}/passwords"))
        .await;
    let last = list["data"][0]["id"].as_i64().unwrap();
    assert_eq!(
        api.delete(&format!("/api/v1/videos/{id}/passwords/{last}"))
            .await
            .0,
        400
    );
    assert_eq!(
        api.delete(&format!("/api/v1/videos/{id}/passwords/999999"))
            .await
            .0,
        404
    );

    // Guessing is limited: 15 wrong ones in 5 minutes from one address (4 were spent above:
    // "wrong", "nope", the replaced "open sesame" and "not it" on the page), then even the
    // right one waits.
    let mut statuses = Vec::new();
    for i in 0..12 {
        statuses.push(get(&inst, None, &id, Some(&format!("guess {i}"))).await.0);
    }
    assert!(statuses[..11].iter().all(|s| *s == 403), "{statuses:?}");
    assert_eq!(statuses[11], 429, "{statuses:?}");
    assert_eq!(get(&inst, None, &id, Some("only one")).await.0, 429);

    // Public again: its passwords go, and it is listed.
    assert_eq!(
        put(&inst, Some(&alice), &id, json!({ "privacy": 1 }))
            .await
            .0,
        204
    );
    assert_eq!(get(&inst, None, &id, None).await.0, 200);
    assert!(listed(&inst).await.contains(&id));
    let (s, _) = api
        .get_json(&format!("/api/v1/videos/{id}/passwords"))
        .await;
    assert_eq!(s, 400, "not password-protected any more");

    // An upload straight to password-protected, passwords as a multipart list.
    let (s, up) = inst
        .upload_with(
            &alice,
            &clip,
            ch,
            "Born protected",
            &[
                ("privacy", "5"),
                ("videoPasswords[]", "first"),
                ("videoPasswords[]", "other"),
            ],
        )
        .await;
    assert_eq!(s, 200, "{up}");
    let born = up["video"]["uuid"].as_str().unwrap().to_string();
    inst.wait_transcoded(&alice, &born, 2).await;
    assert_eq!(get(&inst, None, &born, Some("other")).await.0, 200);
    assert_eq!(get(&inst, None, &born, None).await.0, 403);
    let (s, e) = inst
        .upload_with(&alice, &clip, ch, "No password", &[("privacy", "5")])
        .await;
    assert_eq!(s, 400, "{e}");

    inst.stop().await;
});

both!(a_scheduled_video_publishes_itself, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let root = inst.root_token().await;
    let (alice, ch) = inst.user(&root, "alice", -1).await;
    let dir = tempfile::tempdir().unwrap();
    let clip = small_clip(dir.path());
    let (_, up) = inst
        .upload_with(&alice, &clip, ch, "Premiere", &[("privacy", "3")])
        .await;
    let id = up["video"]["uuid"].as_str().unwrap().to_string();
    inst.wait_transcoded(&alice, &id, 2).await;

    // Far away first, then moved close: the job follows the date it was given last.
    let far = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let (s, e) = put(
        &inst,
        Some(&alice),
        &id,
        json!({ "scheduleUpdate": { "updateAt": far, "privacy": 1 } }),
    )
    .await;
    assert_eq!(s, 204, "{e}");
    let (_, v) = get(&inst, Some(&alice), &id, None).await;
    assert_eq!(v["scheduledUpdate"]["privacy"], 1, "{v}");
    assert_eq!(get(&inst, None, &id, None).await.0, 404);
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let (s, e) = put(
        &inst,
        Some(&alice),
        &id,
        json!({ "scheduleUpdate": { "updateAt": soon, "privacy": 1 } }),
    )
    .await;
    assert_eq!(s, 204, "{e}");
    let v = inst
        .eventually("the scheduled video is public", 30, || async {
            let (s, v) = get(&inst, None, &id, None).await;
            (s == 200).then_some(v)
        })
        .await;
    assert_eq!(v["privacy"]["id"], 1);
    let (_, mine) = get(&inst, Some(&alice), &id, None).await;
    assert_eq!(
        mine["scheduledUpdate"],
        Value::Null,
        "the schedule is spent"
    );
    let (_, l) = inst.api().get_json("/api/v1/videos").await;
    assert!(
        l["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["uuid"] == id.as_str())
    );

    // A schedule cancelled (`null`) before its time.
    let (_, up) = inst
        .upload_with(&alice, &clip, ch, "Cancelled", &[("privacy", "3")])
        .await;
    let other = up["video"]["uuid"].as_str().unwrap().to_string();
    inst.wait_transcoded(&alice, &other, 2).await;
    assert_eq!(
        put(
            &inst,
            Some(&alice),
            &other,
            json!({ "scheduleUpdate": { "updateAt": far } })
        )
        .await
        .0,
        204
    );
    assert_eq!(
        put(
            &inst,
            Some(&alice),
            &other,
            json!({ "scheduleUpdate": null })
        )
        .await
        .0,
        204
    );
    let (_, v) = get(&inst, Some(&alice), &other, None).await;
    assert_eq!(v["scheduledUpdate"], Value::Null);
    assert_eq!(v["privacy"]["id"], 3);

    inst.stop().await;
});

both!(
    edits_and_privacy_changes_reach_a_follower,
    |db| async move {
        let a = Instance::start(db, FEDERATION).await;
        let b = Instance::start(db, FEDERATION).await;
        let logs = vec![a.stderr_log.clone(), b.stderr_log.clone()];
        let (ta, tb) = (a.root_token().await, b.root_token().await);
        b.follow_instance(&tb, &a).await;
        let dir = tempfile::tempdir().unwrap();
        let clip = small_clip(dir.path());
        let (_, up) = a.upload(&ta, &clip, 1, "Federated title").await;
        let id = up["video"]["uuid"].as_str().unwrap().to_string();
        a.wait_transcoded(&ta, &id, 2).await;
        let on_b = |want: Option<&'static str>| {
            let (b, id) = (&b, id.clone());
            async move {
                let (s, v) = b.api().get_json(&format!("/api/v1/videos/{id}")).await;
                match want {
                    Some(name) => (s == 200 && v["name"] == name).then_some(()),
                    None => (s == 404).then_some(()),
                }
            }
        };
        ruche_testkit::eventually(&logs, "B has the video", 30, || {
            on_b(Some("Federated title"))
        })
        .await;

        // An edit is an Update.
        assert_eq!(
            put(
                &a,
                Some(&ta),
                &id,
                json!({ "name": "Renamed on A", "tags": ["edited"] })
            )
            .await
            .0,
            204
        );
        ruche_testkit::eventually(&logs, "B has the new name", 30, || {
            on_b(Some("Renamed on A"))
        })
        .await;
        let (_, v) = b.api().get_json(&format!("/api/v1/videos/{id}")).await;
        assert_eq!(v["tags"], json!(["edited"]));

        // Made private: deleted from B. Public again: created on B anew.
        assert_eq!(
            put(&a, Some(&ta), &id, json!({ "privacy": 3 })).await.0,
            204
        );
        ruche_testkit::eventually(&logs, "B no longer has it", 30, || on_b(None)).await;
        assert_eq!(
            put(
                &a,
                Some(&ta),
                &id,
                json!({ "privacy": 1, "name": "Back in public" })
            )
            .await
            .0,
            204
        );
        ruche_testkit::eventually(&logs, "B has it again", 30, || on_b(Some("Back in public")))
            .await;
        // Password-protected is not federated either (as PeerTube).
        assert_eq!(
            put(
                &a,
                Some(&ta),
                &id,
                json!({ "privacy": 5, "videoPasswords": ["pw"] })
            )
            .await
            .0,
            204
        );
        ruche_testkit::eventually(&logs, "B drops the protected video", 30, || on_b(None)).await;

        a.stop().await;
        b.stop().await;
    }
);

//! Accounts through the API and the pages, on SQLite and PostgreSQL: PeerTube's OAuth flow,
//! sign-up policies, browser sessions with CSRF protection, view counting.

#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.
use ruche_testkit::{Instance, both, small_clip};
use serde_json::{Value, json};

both!(oauth_password_refresh_revoke, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let (id, secret) = inst.api().oauth_client().await;
    let token = |form: Vec<(&'static str, String)>| {
        let http = inst.http.clone();
        let url = format!("{}/api/v1/users/token", inst.url);
        async move { http.post(url).form(&form).send().await.unwrap() }
    };
    let bad = token(vec![
        ("client_id", id.clone()),
        ("client_secret", secret.clone()),
        ("grant_type", "password".into()),
        ("username", "root".into()),
        ("password", "wrong".into()),
    ])
    .await;
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.json::<Value>().await.unwrap()["code"], "invalid_grant");
    let bad_client = token(vec![
        ("client_id", "x".into()),
        ("client_secret", secret.clone()),
        ("grant_type", "password".into()),
        ("username", "root".into()),
        ("password", inst.password.clone()),
    ])
    .await;
    assert_eq!(bad_client.status(), 400);

    let pair: Value = token(vec![
        ("client_id", id.clone()),
        ("client_secret", secret.clone()),
        ("grant_type", "password".into()),
        ("username", "root".into()),
        ("password", inst.password.clone()),
    ])
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(pair["token_type"], "Bearer");
    assert_eq!(pair["expires_in"], 86399);
    let access = pair["access_token"].as_str().unwrap().to_string();
    assert_eq!(inst.get_json(&access, "/api/v1/users/me").await.0, 200);
    assert_eq!(inst.get_json("nope", "/api/v1/users/me").await.0, 401);

    // Refreshing gives a new pair and retires the old one.
    let refreshed: Value = token(vec![
        ("client_id", id.clone()),
        ("client_secret", secret.clone()),
        ("grant_type", "refresh_token".into()),
        (
            "refresh_token",
            pair["refresh_token"].as_str().unwrap().into(),
        ),
    ])
    .await
    .json()
    .await
    .unwrap();
    let access2 = refreshed["access_token"].as_str().unwrap().to_string();
    assert_eq!(inst.get_json(&access, "/api/v1/users/me").await.0, 401);
    let (status, me) = inst.get_json(&access2, "/api/v1/users/me").await;
    assert_eq!((status, me["username"].as_str()), (200, Some("root")));
    assert_eq!(me["role"]["label"], "Administrator");
    let again = token(vec![
        ("client_id", id),
        ("client_secret", secret),
        ("grant_type", "refresh_token".into()),
        (
            "refresh_token",
            pair["refresh_token"].as_str().unwrap().into(),
        ),
    ])
    .await;
    assert_eq!(again.status(), 400);

    assert_eq!(
        inst.api()
            .with(&access2)
            .post("/api/v1/users/revoke-token")
            .await
            .0,
        200
    );
    assert_eq!(inst.get_json(&access2, "/api/v1/users/me").await.0, 401);
    inst.stop().await;
});

both!(
    signup_open_closed_limited_and_by_approval,
    |db| async move {
        let register = |inst: &Instance, name: &'static str| {
            let http = inst.http.clone();
            let url = format!("{}/api/v1/users/register", inst.url);
            async move {
                http.post(url).json(&json!({ "username": name, "email": format!("{name}@example.org"), "password": "long-enough" })).send().await.unwrap().status().as_u16()
            }
        };
        // Closed by default.
        let closed = Instance::start(db, &[]).await;
        assert_eq!(register(&closed, "eve").await, 403);
        let (_, cfg) = closed.api().get_json("/api/v1/config").await;
        assert_eq!(cfg["signup"]["allowed"], false);
        closed.stop().await;

        // Open with a limit of 2 users (root counts).
        let open = Instance::start(
            db,
            &[
                ("RUCHE_SIGNUP_ENABLED", "true"),
                ("RUCHE_SIGNUP_LIMIT", "2"),
                ("RUCHE_USER_VIDEO_QUOTA", "1000000"),
            ],
        )
        .await;
        assert_eq!(register(&open, "eve").await, 204);
        assert_eq!(register(&open, "eve").await, 403, "the limit is reached");
        let eve = open.token("eve", "long-enough").await;
        let (_, me) = open.get_json(&eve, "/api/v1/users/me").await;
        assert_eq!(
            (
                me["videoQuota"].as_i64(),
                me["videoChannels"][0]["name"].as_str()
            ),
            (Some(1_000_000), Some("eve_channel"))
        );
        open.stop().await;

        // By approval: a request, then a moderator's decision.
        let approval = Instance::start(
            db,
            &[
                ("RUCHE_SIGNUP_ENABLED", "true"),
                ("RUCHE_SIGNUP_REQUIRES_APPROVAL", "true"),
            ],
        )
        .await;
        assert_eq!(register(&approval, "fay").await, 403);
        let req = |name: &'static str| {
            approval.http.post(format!("{}/api/v1/users/registrations/request", approval.url)).json(&json!({ "username": name, "email": format!("{name}@example.org"), "password": "long-enough", "registrationReason": "I film birds" }))
        };
        let r: Value = req("fay").send().await.unwrap().json().await.unwrap();
        assert_eq!(r["state"]["id"], 1);
        assert_eq!(
            req("fay").send().await.unwrap().status(),
            409,
            "the name is held by the request"
        );
        let root = approval.root_token().await;
        let (_, list) = approval
            .get_json(&root, "/api/v1/users/registrations")
            .await;
        assert_eq!(list["data"][0]["registrationReason"], "I film birds");
        let fay_id = r["id"].as_i64().unwrap();
        assert_eq!(
            approval
                .api()
                .with(&root)
                .post(&format!("/api/v1/users/registrations/{fay_id}/accept"))
                .await
                .0,
            204
        );
        let fay = approval.token("fay", "long-enough").await;
        assert_eq!(
            approval.get_json(&fay, "/api/v1/users/me").await.1["username"],
            "fay"
        );
        // A plain user may not decide on registrations.
        let gus: Value = req("gus").send().await.unwrap().json().await.unwrap();
        let reject = format!("/api/v1/users/registrations/{}/reject", gus["id"]);
        assert_eq!(approval.api().with(&fay).post(&reject).await.0, 403);
        approval.stop().await;
    }
);

both!(web_login_sessions_and_csrf, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let jar_client = inst.browser();
    assert!(
        inst.page(&jar_client, "/login")
            .await
            .contains("id=\"login-form\"")
    );
    // French when the browser asks for it.
    let fr = jar_client
        .get(format!("{}/login", inst.url))
        .header("Accept-Language", "fr-FR,fr;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(fr.contains("Se connecter") && fr.contains("lang=\"fr\""));

    let wrong = jar_client
        .post(format!("{}/login", inst.url))
        .form(&[("username", "root"), ("password", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    // A login posted from another site is refused.
    let cross = jar_client
        .post(format!("{}/login", inst.url))
        .header("Origin", "https://evil.example")
        .form(&[("username", "root"), ("password", inst.password.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    let ok = jar_client
        .post(format!("{}/login", inst.url))
        .form(&[("username", "root"), ("password", inst.password.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 303);
    let cookie = ok.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    let upload = inst.page(&jar_client, "/upload").await;
    assert!(upload.contains("id=\"upload-form\"") && upload.contains("upload-progress"));
    let csrf = ruche_testkit::instance::csrf_of(&upload);

    // The cookie alone does not authorise a state change: the CSRF token must come with it.
    let me = jar_client
        .get(format!("{}/api/v1/users/me", inst.url))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let init = |token: Option<&str>| {
        let mut r = jar_client
            .post(format!("{}/api/v1/videos/upload-resumable", inst.url))
            .header("X-Upload-Content-Length", "10")
            .header("X-Upload-Content-Type", "video/mp4")
            .json(&json!({ "name": "Via cookie", "channelId": 1, "filename": "a.mp4" }));
        if let Some(t) = token {
            r = r.header("X-CSRF-Token", t);
        }
        r.send()
    };
    assert_eq!(init(None).await.unwrap().status(), 403);
    assert_eq!(init(Some("forged")).await.unwrap().status(), 403);
    assert_eq!(init(Some(&csrf)).await.unwrap().status(), 201);
    let channel = jar_client
        .post(format!("{}/my-channels", inst.url))
        .form(&[
            ("csrf", "forged"),
            ("name", "films"),
            ("display_name", "Films"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(channel.status(), 403);
    let channel = jar_client
        .post(format!("{}/my-channels", inst.url))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "films"),
            ("display_name", "Films"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(channel.status(), 200);
    let root = inst.root_token().await;
    let (_, me) = inst.get_json(&root, "/api/v1/users/me").await;
    let names: Vec<&str> = me["videoChannels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["root_channel", "films"]);

    let out = jar_client
        .post(format!("{}/logout", inst.url))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    assert_eq!(
        jar_client
            .get(format!("{}/api/v1/users/me", inst.url))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    inst.stop().await;
});

both!(
    views_count_once_per_viewer_and_private_videos_hide,
    |db| async move {
        let inst = Instance::start(db, &[]).await;
        let root = inst.root_token().await;
        let dir = tempfile::tempdir().unwrap();
        let (_, body) = inst
            .upload(&root, &small_clip(dir.path()), 1, "Counted")
            .await;
        let id = body["video"]["uuid"].as_str().unwrap().to_string();
        inst.wait_transcoded(&root, &id, 2).await;
        for _ in 0..3 {
            assert_eq!(
                inst.api()
                    .post(&format!("/api/v1/videos/{id}/views"))
                    .await
                    .0,
                204
            );
        }
        let r = inst
            .http
            .post(format!("{}/api/v1/videos/{id}/views", inst.url))
            .bearer_auth(&root)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        let (_, v) = inst.api().get_json(&format!("/api/v1/videos/{id}")).await;
        assert_eq!(v["views"], 2, "one anonymous viewer and one user");

        // A private video is invisible to others, files included.
        let (alice, ch) = inst.user(&root, "alice", -1).await;
        let file = small_clip(dir.path());
        let (_, r) = inst
            .upload_with(&alice, &file, ch, "Secret", &[("privacy", "3")])
            .await;
        let secret = r["video"]["uuid"].as_str().unwrap().to_string();
        let v = inst.wait_transcoded(&alice, &secret, 2).await;
        assert_eq!(v["privacy"]["label"], "Private");
        let (bob, _) = inst.user(&root, "bob", -1).await;
        assert_eq!(
            inst.get_json(&bob, &format!("/api/v1/videos/{secret}"))
                .await
                .0,
            404
        );
        let master = v["streamingPlaylists"][0]["playlistUrl"].as_str().unwrap();
        assert_eq!(
            inst.http.get(master).send().await.unwrap().status(),
            403,
            "under the private path, as PeerTube"
        );
        assert_eq!(
            inst.http
                .get(master)
                .bearer_auth(&alice)
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        assert_eq!(
            inst.http
                .get(master)
                .bearer_auth(&root)
                .send()
                .await
                .unwrap()
                .status(),
            200,
            "moderators see it"
        );
        let (_, list) = inst.api().get_json("/api/v1/videos").await;
        assert_eq!(list["total"], 1);
        inst.stop().await;
    }
);

both!(password_change_ends_other_credentials, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let root = inst.root_token().await;
    let (alice, _) = inst.user(&root, "alice", -1).await;
    let change = |token: String, current: &'static str, new: &'static str| {
        let http = inst.http.clone();
        let url = format!("{}/api/v1/users/me", inst.url);
        async move {
            http.put(url)
                .bearer_auth(token)
                .json(&json!({ "currentPassword": current, "password": new }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(change(alice.clone(), "wrong", "new-password").await, 400);
    assert_eq!(change(alice.clone(), "secret-pass", "short").await, 400);
    assert_eq!(
        change(alice.clone(), "secret-pass", "new-password").await,
        204
    );
    assert_eq!(
        inst.get_json(&alice, "/api/v1/users/me").await.0,
        401,
        "old tokens end"
    );
    let alice = inst.token("alice", "new-password").await;
    assert_eq!(inst.get_json(&alice, "/api/v1/users/me").await.0, 200);

    // Through the page, with the session cookie and its CSRF token.
    let (browser, csrf) = inst.browser_login("alice", "new-password").await;
    assert!(
        inst.page(&browser, "/my-account")
            .await
            .contains("password-form")
    );
    let done = browser
        .post(format!("{}/my-account", inst.url))
        .form(&[
            ("csrf", csrf.as_str()),
            ("current", "new-password"),
            ("password", "third-password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    // This browser stays logged in; the API token made before does not.
    assert!(
        inst.page(&browser, "/api/v1/users/me")
            .await
            .contains("\"username\":\"alice\"")
    );
    assert_eq!(inst.get_json(&alice, "/api/v1/users/me").await.0, 401);
    inst.token("alice", "third-password").await;
    inst.stop().await;
});

both!(profiles_and_pictures_from_the_pages, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let root = inst.root_token().await;
    let (alice, _) = inst.user(&root, "alice", -1).await;
    let dir = tempfile::tempdir().unwrap();
    let photo = ruche_testkit::picture(dir.path(), "photo.jpg", 800, 600);
    let (browser, csrf) = inst.browser_login("alice", "secret-pass").await;
    let send = |path: String, csrf: String, bytes: Vec<u8>| {
        let (browser, url) = (browser.clone(), format!("{}{path}", inst.url));
        async move {
            let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name("photo.jpg"),
            );
            let r = browser.post(url).multipart(form).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    // A forged token changes nothing.
    let (status, _) = send(
        "/my-account/avatar".into(),
        "forged".into(),
        std::fs::read(&photo).unwrap(),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        inst.get_json(&alice, "/api/v1/users/me").await.1["account"]["avatars"],
        json!([])
    );
    // Not a picture: a sentence in the user's language, nothing changed.
    let (status, page) = send(
        "/my-account/avatar".into(),
        csrf.clone(),
        b"not a picture".to_vec(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(page.contains("JPEG, PNG, GIF"), "{page}");
    let (status, page) = send(
        "/my-account/avatar".into(),
        csrf.clone(),
        std::fs::read(&photo).unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let (_, me) = inst.get_json(&alice, "/api/v1/users/me").await;
    let avatars = me["account"]["avatars"].as_array().unwrap().clone();
    assert_eq!(avatars.len(), 3, "{me}");
    let path = avatars[1]["path"].as_str().unwrap().to_string();
    assert!(page.contains(&path), "the page shows the new avatar");
    let r = inst
        .http
        .get(format!("{}{path}", inst.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "image/webp");
    let file = inst
        .storage()
        .join("avatars")
        .join(path.rsplit('/').next().unwrap());
    assert!(file.exists());

    // The name shown and the description, through the page.
    let r = browser
        .post(format!("{}/my-account/profile", inst.url))
        .form(&[
            ("csrf", csrf.as_str()),
            ("display_name", "Alice A."),
            ("description", "Films"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, me) = inst.get_json(&alice, "/api/v1/users/me").await;
    assert_eq!(me["account"]["displayName"], "Alice A.");
    assert_eq!(me["account"]["description"], "Films");
    let r = browser
        .post(format!("{}/my-account/profile", inst.url))
        .form(&[("csrf", csrf.as_str()), ("display_name", "  ")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "an empty name is refused");
    assert!(
        inst.page(&inst.http, "/a/alice").await.contains(&path),
        "the account's page"
    );

    // A channel's banner, through My channels; then removed, and its files with it.
    let channel_id = me["videoChannels"][0]["id"].as_i64().unwrap();
    let (status, page) = send(
        format!("/my-channels/{channel_id}/banner"),
        csrf.clone(),
        std::fs::read(&photo).unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let (_, ch) = inst
        .get_json(&alice, "/api/v1/video-channels/alice_channel")
        .await;
    assert_eq!(ch["banners"][0]["width"], 600, "{ch}");
    let banner = inst.storage().join("avatars").join(
        ch["banners"][0]["path"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap(),
    );
    assert!(banner.exists());
    let r = browser
        .post(format!(
            "{}/my-channels/{channel_id}/banner/remove",
            inst.url
        ))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, ch) = inst
        .get_json(&alice, "/api/v1/video-channels/alice_channel")
        .await;
    assert_eq!(ch["banners"], json!([]));
    assert!(!banner.exists(), "the banner's files are removed");
    // A second channel, deleted from its form: only with the box ticked, and never the last.
    let r = inst
        .http
        .post(format!("{}/api/v1/video-channels", inst.url))
        .bearer_auth(&alice)
        .json(&json!({ "name": "alice_second", "displayName": "Second" }))
        .send()
        .await
        .unwrap();
    let second = r.json::<Value>().await.unwrap()["videoChannel"]["id"]
        .as_i64()
        .unwrap();
    let delete = |id: i64, confirm: bool| {
        let (browser, csrf) = (browser.clone(), csrf.clone());
        let url = format!("{}/my-channels/{id}/delete", inst.url);
        async move {
            let mut form = vec![("csrf", csrf)];
            if confirm {
                form.push(("confirm", "yes".into()));
            }
            browser
                .post(url)
                .form(&form)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let page = delete(second, false).await;
    assert!(page.contains("Tick the box"), "{page}");
    assert_eq!(
        inst.get_json(&alice, "/api/v1/video-channels/alice_second")
            .await
            .0,
        200
    );
    let page = delete(second, true).await;
    assert!(page.contains("were deleted"), "{page}");
    assert_eq!(
        inst.get_json(&alice, "/api/v1/video-channels/alice_second")
            .await
            .0,
        404
    );
    let page = delete(channel_id, true).await;
    assert!(page.contains("cannot be deleted"), "{page}");
    assert_eq!(
        inst.get_json(&alice, "/api/v1/video-channels/alice_channel")
            .await
            .0,
        200
    );

    // Someone else's channel is not alice's to dress.
    let (status, _) = send(
        "/my-channels/1/avatar".into(),
        csrf.clone(),
        std::fs::read(&photo).unwrap(),
    )
    .await;
    assert_eq!(status, 403);
    inst.stop().await;
});

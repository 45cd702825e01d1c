//! The dead ends a newcomer met in the pages, on SQLite and PostgreSQL: a registration awaiting
//! approval told apart from a wrong password (only to whoever gives its password), a real
//! "not found" page in the visitor's language (PeerTube's JSON under `/api/`), the favicon,
//! pictures chosen in a profile form saved by its Save, and a failed follow said in a sentence
//! with the raw error kept out of the page and its URL.

#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.
use ruche_testkit::{Instance, both};
use serde_json::{Value, json};

/// The login form's answer (status, page) for `username` / `password`.
async fn login(inst: &Instance, lang: &str, username: &str, password: &str) -> (u16, String) {
    let r = inst
        .browser()
        .post(format!("{}/login", inst.url))
        .header("Accept-Language", lang)
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

both!(
    a_registration_awaiting_approval_is_told_to_its_author_only,
    |db| async move {
        let inst = Instance::start(
            db,
            &[
                ("RUCHE_SIGNUP_ENABLED", "true"),
                ("RUCHE_SIGNUP_REQUIRES_APPROVAL", "true"),
            ],
        )
        .await;
        let request = |name: &'static str| {
            inst.http
            .post(format!("{}/api/v1/users/registrations/request", inst.url))
            .json(&json!({ "username": name, "email": format!("{name}@example.org"), "password": "long-enough", "registrationReason": "I film birds" }))
        };
        let fay: Value = request("fay").send().await.unwrap().json().await.unwrap();
        assert_eq!(fay["state"]["id"], 1);

        // Her own password: the request is waiting, in her language; by name or by address.
        let (status, page) = login(&inst, "en", "fay", "long-enough").await;
        assert_eq!(status, 401);
        assert!(page.contains("waiting for a moderator"), "{page}");
        assert!(!page.contains("Wrong username or password"), "{page}");
        let (_, page) = login(&inst, "fr", "FAY@example.org", "long-enough").await;
        assert!(page.contains("attend l’accord"), "{page}");
        // Anyone else learns nothing: a wrong password reads as for a name nobody has.
        let (status, page) = login(&inst, "en", "fay", "not-her-password").await;
        assert_eq!(status, 401);
        assert!(page.contains("Wrong username or password"), "{page}");
        assert!(!page.contains("moderator"), "{page}");
        let (_, page) = login(&inst, "en", "nobody", "long-enough").await;
        assert!(page.contains("Wrong username or password"), "{page}");

        // Refused, with the moderator's word: said to her, still to her only.
        let root = inst.root_token().await;
        let r = inst
            .http
            .post(format!(
                "{}/api/v1/users/registrations/{}/reject",
                inst.url, fay["id"]
            ))
            .bearer_auth(&root)
            .json(&json!({ "moderationResponse": "This instance is for the club's members." }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        let (status, page) = login(&inst, "en", "fay", "long-enough").await;
        assert_eq!(status, 401);
        assert!(
            page.contains("refused by the moderators: This instance is for the club"),
            "{page}"
        );
        let (_, page) = login(&inst, "fr", "fay", "long-enough").await;
        assert!(page.contains("refusée par la modération"), "{page}");
        let (_, page) = login(&inst, "en", "fay", "guess").await;
        assert!(page.contains("Wrong username or password"), "{page}");

        // A request accepted is a user like any other: the right password logs in.
        let gus: Value = request("gus").send().await.unwrap().json().await.unwrap();
        let accept = format!("/api/v1/users/registrations/{}/accept", gus["id"]);
        assert_eq!(inst.api().with(&root).post(&accept).await.0, 204);
        assert_eq!(login(&inst, "en", "gus", "long-enough").await.0, 303);
        let (_, page) = login(&inst, "en", "gus", "wrong-one").await;
        assert!(page.contains("Wrong username or password"), "{page}");
        inst.stop().await;
    }
);

both!(
    unknown_paths_answer_a_page_in_the_visitors_language,
    |db| async move {
        let inst = Instance::start(db, &[]).await;
        let get = |path: &'static str, lang: &'static str| {
            inst.http
                .get(format!("{}{path}", inst.url))
                .header("Accept-Language", lang)
                .header("Accept", "text/html")
                .send()
        };
        for path in [
            "/nowhere",
            "/about",
            "/admin",
            "/w/not-a-uuid!",
            "/c/nobody",
        ] {
            let r = get(path, "fr-FR,fr;q=0.9").await.unwrap();
            assert_eq!(r.status(), 404, "{path}");
            assert!(
                r.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("text/html"),
                "{path}"
            );
            let page = r.text().await.unwrap();
            assert!(page.contains("<h1>Page introuvable</h1>"), "{path}: {page}");
            assert!(page.contains("href=\"/favicon.ico\""), "{path}");
            assert!(!page.contains("Invalid"), "no API words: {page}");
        }
        let page = get("/about", "en").await.unwrap().text().await.unwrap();
        assert!(page.contains("<h1>Page not found</h1>"), "{page}");

        // The API keeps PeerTube's JSON errors.
        let r = get("/api/v1/no-such-route", "fr").await.unwrap();
        assert_eq!(r.status(), 404);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains("json")
        );
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["status"], 404);

        // The favicon, and the SVG one pages link to.
        let r = get("/favicon.ico", "en").await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "image/x-icon");
        let icon = r.bytes().await.unwrap();
        assert_eq!(&icon[..4], &[0, 0, 1, 0], "an ICO file");
        let r = get("/assets/favicon.svg", "en").await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("<svg"));
        inst.stop().await;
    }
);

both!(
    pictures_chosen_in_a_profile_form_are_saved_by_save,
    |db| async move {
        let inst = Instance::start(db, &[]).await;
        let root = inst.root_token().await;
        let (alice, _) = inst.user(&root, "alice", -1).await;
        let dir = tempfile::tempdir().unwrap();
        let photo =
            std::fs::read(ruche_testkit::picture(dir.path(), "photo.png", 800, 600)).unwrap();
        let (browser, csrf) = inst.browser_login("alice", "secret-pass").await;
        let (_, me) = inst.get_json(&alice, "/api/v1/users/me").await;
        let channel_id = me["videoChannels"][0]["id"].as_i64().unwrap();
        let form = |pictures: &[(&'static str, Vec<u8>)]| {
            let mut f = reqwest::multipart::Form::new()
                .text("csrf", csrf.clone())
                .text("display_name", "Alice's films")
                .text("description", "Birds")
                .text("support", "");
            for (field, bytes) in pictures {
                f = f.part(
                    *field,
                    reqwest::multipart::Part::bytes(bytes.clone()).file_name("photo.png"),
                );
            }
            // A file input left empty, as browsers send it.
            if !pictures.iter().any(|(f, _)| *f == "banner") {
                f = f.part(
                    "banner",
                    reqwest::multipart::Part::bytes(Vec::new()).file_name(""),
                );
            }
            f
        };

        // The channel: avatar and banner chosen in its form, then Save.
        let r = browser
            .post(format!("{}/my-channels/{channel_id}/profile", inst.url))
            .multipart(form(&[
                ("avatar", photo.clone()),
                ("banner", photo.clone()),
            ]))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let page = r.text().await.unwrap();
        let (_, ch) = inst
            .get_json(&alice, "/api/v1/video-channels/alice_channel")
            .await;
        assert_eq!(ch["displayName"], "Alice's films");
        assert!(!ch["avatars"].as_array().unwrap().is_empty(), "{ch}");
        assert!(!ch["banners"].as_array().unwrap().is_empty(), "{ch}");
        let kept = ch["avatars"].clone();
        let path = ch["avatars"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["width"] == 120)
            .unwrap()["path"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(page.contains(&path), "My channels draws the new avatar");

        // Saving again with no file chosen keeps the pictures.
        let r = browser
            .post(format!("{}/my-channels/{channel_id}/profile", inst.url))
            .multipart(form(&[]).part(
                "avatar",
                reqwest::multipart::Part::bytes(Vec::new()).file_name(""),
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let (_, ch) = inst
            .get_json(&alice, "/api/v1/video-channels/alice_channel")
            .await;
        assert_eq!(ch["avatars"], kept, "{ch}");

        // Not a picture: said in a sentence, and nothing else of the form is saved.
        let r = browser
            .post(format!("{}/my-channels/{channel_id}/profile", inst.url))
            .multipart(
                reqwest::multipart::Form::new()
                    .text("csrf", csrf.clone())
                    .text("display_name", "Renamed")
                    .part(
                        "avatar",
                        reqwest::multipart::Part::bytes(b"not a picture".to_vec())
                            .file_name("x.png"),
                    ),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        assert!(r.text().await.unwrap().contains("JPEG, PNG, GIF"));
        let (_, ch) = inst
            .get_json(&alice, "/api/v1/video-channels/alice_channel")
            .await;
        assert_eq!(ch["displayName"], "Alice's films");

        // A forged token changes nothing.
        let r = browser
            .post(format!("{}/my-account/profile", inst.url))
            .multipart(
                reqwest::multipart::Form::new()
                    .text("csrf", "forged")
                    .text("display_name", "Mallory")
                    .part(
                        "avatar",
                        reqwest::multipart::Part::bytes(photo.clone()).file_name("a.png"),
                    ),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let (_, me) = inst.get_json(&alice, "/api/v1/users/me").await;
        assert_eq!(me["account"]["avatars"], json!([]));

        // The account: its avatar chosen in the profile form, then Save.
        let r = browser
            .post(format!("{}/my-account/profile", inst.url))
            .multipart(
                reqwest::multipart::Form::new()
                    .text("csrf", csrf.clone())
                    .text("display_name", "Alice A.")
                    .text("description", "Films")
                    .part(
                        "avatar",
                        reqwest::multipart::Part::bytes(photo.clone()).file_name("a.png"),
                    ),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let page = r.text().await.unwrap();
        let (_, me) = inst.get_json(&alice, "/api/v1/users/me").await;
        assert_eq!(me["account"]["displayName"], "Alice A.");
        let avatars = me["account"]["avatars"].as_array().unwrap();
        assert!(!avatars.is_empty(), "{me}");
        assert!(
            avatars
                .iter()
                .any(|a| page.contains(a["path"].as_str().unwrap()))
        );
        inst.stop().await;
    }
);

both!(
    a_failed_follow_is_a_sentence_not_an_error_chain,
    |db| async move {
        let inst = Instance::start(db, &[("RUCHE_FEDERATION_ALLOW_INSECURE", "true")]).await;
        let password = inst.password.clone();
        let (browser, csrf) = inst.browser_login("root", &password).await;
        // A port nobody listens on: the connection is refused.
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let target = format!("127.0.0.1:{}", closed.port());
        let r = browser
            .post(format!("{}/admin/follows/follow", inst.url))
            .header("Accept-Language", "fr")
            .form(&[("csrf", csrf.as_str()), ("target", target.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let to = r.headers()["location"].to_str().unwrap().to_string();
        assert!(to.starts_with("/admin/follows?error=refused&host="), "{to}");
        assert!(
            !to.contains("error%20") && !to.contains("os%20error"),
            "{to}"
        );
        let page = browser
            .get(format!("{}{to}", inst.url))
            .header("Accept-Language", "fr")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains(&format!(
                "Impossible de joindre {target} : la connexion a été refusée."
            )),
            "{page}"
        );
        assert!(
            !page.contains("os error") && !page.contains("tcp connect"),
            "{page}"
        );
        let log = inst.log();
        assert!(log.contains(&target), "the raw error goes to the log");

        // Nothing typed, and a made-up error in the URL, are not echoed raw either.
        let r = browser
            .post(format!("{}/admin/follows/follow", inst.url))
            .form(&[("csrf", csrf.as_str()), ("target", " ")])
            .send()
            .await
            .unwrap();
        let to = r.headers()["location"].to_str().unwrap().to_string();
        let page = inst.page(&browser, &to).await;
        assert!(
            page.contains("Give a host or a handle to follow."),
            "{page}"
        );
        let page = inst
            .page(&browser, "/admin/follows?error=%3Cb%3Eowned%3C/b%3E")
            .await;
        assert!(!page.contains("owned"), "{page}");
        inst.stop().await;
    }
);

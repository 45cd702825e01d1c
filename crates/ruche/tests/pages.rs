//! `ruche pages import|export` beside a running server, on SQLite and PostgreSQL: a lossless
//! round trip, and a broken or hostile document refused with the path of its fault, changing
//! nothing.
#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_testkit::{Instance, both};

fn cli(inst: &Instance, args: &[&str]) -> std::process::Output {
    inst.command().args(args).output().unwrap()
}

const SITE: &str = r##"{
  "slug": "atelier-bois", "title": "L'atelier du bois", "language": "fr", "published": true,
  "theme": "THEME", "blocks": [
    {"type": "banner", "title": "L'atelier du bois", "subtitle": "Meubles sur mesure"},
    {"type": "text", "columns": ["<p>Un <em>lieu</em></p>", "<p>Deux</p>"], "menu": "Le lieu"},
    {"type": "gallery", "images": [{"src": "https://example.org/1.jpg", "alt": "Chaise"}]},
    {"type": "contact", "to": "atelier@example.org"},
    {"type": "map", "lat": 45.76, "lon": 4.83, "zoom": 16, "label": "L'atelier"},
    {"type": "footer", "text": "<p>© L'atelier</p>"}
  ]}"##;

both!(import_export_round_trip_and_refusals, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let dir = tempfile::tempdir().unwrap();
    let doc = SITE.replace("THEME", ruche_pages::theme::DEFAULT_PALETTE);
    let out = import(&inst, &doc);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Created the site atelier-bois"));

    let exported = dir.path().join("out.json");
    export(&inst, &exported);
    let original = ruche_pages::document::parse(doc.as_bytes()).unwrap();
    let back = ruche_pages::document::parse(&std::fs::read(&exported).unwrap()).unwrap();
    assert_eq!(back, original, "export gives back what was imported");

    // A broken document: refused with the path of the fault, and the site is unchanged.
    let out = import_as(
        &inst,
        "root",
        &doc.replace("\"type\": \"map\"", "\"type\": \"marquee\""),
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("blocks[4]"), "{err}");
    let out = import_as(
        &inst,
        "root",
        &doc.replace("https://example.org/1.jpg", "javascript:alert(1)"),
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("blocks[2].images[0].src"));
    let out = cli(&inst, &["pages", "export", "--site", "atelier-bois", "-"]);
    assert_eq!(ruche_pages::document::parse(&out.stdout).unwrap(), original);

    // Someone else's slug.
    let root = inst.root_token().await;
    inst.user(&root, "other", -1).await;
    let out = import_as(&inst, "other", &doc);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is already taken"));
    inst.stop().await;
});

fn token_of(html: &str) -> String {
    html.split("name=\"token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string()
}

/// `ruche pages import` of the site document `doc` for `owner`.
fn import_as(inst: &Instance, owner: &str, doc: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("site.json");
    std::fs::write(&file, doc).unwrap();
    cli(
        inst,
        &["pages", "import", "--owner", owner, file.to_str().unwrap()],
    )
}

/// Exports the site `atelier-bois` to `file` with the CLI; fails the test if it cannot.
fn export(inst: &Instance, file: &std::path::Path) {
    let out = cli(
        inst,
        &[
            "pages",
            "export",
            "--site",
            "atelier-bois",
            file.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Imports the site document `doc` for root; fails the test if it is refused.
fn import(inst: &Instance, doc: &str) -> std::process::Output {
    let out = import_as(inst, "root", doc);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A contact message sent with the form's `token`, as a visitor's browser posts it.
async fn send_message(inst: &Instance, token: &str, message: &str) -> reqwest::Response {
    inst.http
        .post(format!("{}/p/atelier-bois/contact", inst.url))
        .form(&[
            ("name", "Ana"),
            ("email", "ana@example.org"),
            ("message", message),
            ("website", ""),
            ("token", token),
        ])
        .send()
        .await
        .unwrap()
}

/// No time to wait for: the form may be sent as soon as it is rendered.
const NO_MIN_FILL: (&str, &str) = ("RUCHE_PAGES_CONTACT_MIN_FILL_SECS", "0");

both!(a_form_sent_too_fast_is_refused, |db| async move {
    // A person needs at least an hour here: whatever the test's pace, it is too fast.
    let inst = Instance::start(db, &[("RUCHE_PAGES_CONTACT_MIN_FILL_SECS", "3600")]).await;
    import(&inst, &SITE.replace("THEME", "forest"));
    let token = token_of(&inst.page(&inst.http, "/p/atelier-bois/").await);
    let r = send_message(&inst, &token, "Bonjour").await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("très rapide"));
    // Nothing was kept.
    let (browser, _) = inst.browser_login("root", &inst.password).await;
    let sites = inst.page(&browser, "/my-sites").await;
    assert!(
        sites.contains("atelier-bois") && !sites.contains("unread message"),
        "{sites}"
    );
    inst.stop().await;
});

both!(published_site_contact_form_and_inbox, |db| async move {
    let inst = Instance::start(db, &[NO_MIN_FILL]).await;
    import(&inst, &SITE.replace("THEME", "forest"));

    // The published page, with an ETag.
    let http = &inst.http;
    let r = http
        .get(format!("{}/p/atelier-bois", inst.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/p/atelier-bois/");
    let r = http
        .get(format!("{}/p/atelier-bois/", inst.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<html lang=\"fr\">") && html.contains("<h1>L&#39;atelier du bois</h1>"),
        "{html}"
    );
    assert!(
        html.contains("Votre courriel"),
        "visitor strings in the site's language"
    );
    let again = http
        .get(format!("{}/p/atelier-bois/", inst.url))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(
        http.get(format!("{}/p/nothing-here/", inst.url))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let sitemap = inst.page(http, "/p/atelier-bois/sitemap.xml").await;
    assert!(
        sitemap.contains(&format!("<loc>{}/p/atelier-bois/</loc>", inst.url)),
        "{sitemap}"
    );
    let robots = inst.page(http, "/p/atelier-bois/robots.txt").await;
    assert!(
        robots.contains("Sitemap: ") && robots.contains("sitemap.xml"),
        "{robots}"
    );
    assert!(
        html.contains("application/ld+json") && html.contains("\"latitude\":45.76"),
        "{html}"
    );

    let token = token_of(&html);
    let post = |fields: Vec<(&'static str, String)>| {
        let http = http.clone();
        let url = format!("{}/p/atelier-bois/contact", inst.url);
        async move { http.post(url).form(&fields).send().await.unwrap() }
    };
    let form = |token: &str, message: &str, website: &str| {
        vec![
            ("name", "Ana".to_string()),
            ("email", "ana@example.org".to_string()),
            ("message", message.to_string()),
            ("website", website.to_string()),
            ("token", token.to_string()),
        ]
    };
    // A forged token (a form sent too fast: `a_form_sent_too_fast_is_refused`).
    let forged = format!("{}.deadbeef", token.split('.').next().unwrap());
    assert_eq!(post(form(&forged, "Bonjour", "")).await.status(), 400);
    let r = post(form(&token, "Bonjour, une table de 2 m ?", "")).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Merci"));
    // The honeypot: answered kindly, kept nowhere. Too many links: refused.
    assert_eq!(
        post(form(&token, "buy", "http://spam.example"))
            .await
            .status(),
        200
    );
    let spam = "https://a.example https://b.example https://c.example https://d.example";
    assert_eq!(post(form(&token, spam, "")).await.status(), 400);
    // A line break in the name or address would end a mail header: refused at the form (it
    // once made the mail task panic, and stop for good).
    for (field, value) in [
        ("name", "Ana\r\nBcc: everyone@example.org"),
        ("email", "ana@example.org\nBcc: x@example.org"),
    ] {
        let mut f = form(&token, "Bonjour", "");
        f.retain(|(k, _)| *k != field);
        f.push((field, value.to_string()));
        assert_eq!(post(f).await.status(), 400, "{field}");
    }

    // The owner's inbox.
    let (browser, csrf) = inst.browser_login("root", &inst.password).await;
    let sites = inst.page(&browser, "/my-sites").await;
    assert!(
        sites.contains("atelier-bois") && sites.contains("1 unread message"),
        "{sites}"
    );
    let inbox = inst.page(&browser, "/my-sites/atelier-bois/inbox").await;
    assert!(
        inbox.contains("Bonjour, une table de 2 m ?") && !inbox.contains("buy"),
        "{inbox}"
    );
    let id = inbox
        .split("id=\"m")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let r = browser
        .post(format!(
            "{}/my-sites/atelier-bois/inbox/{id}/read",
            inst.url
        ))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(
        !inst
            .page(&browser, "/my-sites")
            .await
            .contains("unread message")
    );
    let r = browser
        .post(format!(
            "{}/my-sites/atelier-bois/inbox/{id}/delete",
            inst.url
        ))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Nobody else reads it.
    let root = inst.root_token().await;
    inst.user(&root, "eve", -1).await;
    let (eve, _) = inst.browser_login("eve", "secret-pass").await;
    let r = eve
        .get(format!("{}/my-sites/atelier-bois/inbox", inst.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // A flood from one address is cut off.
    let mut last = 0;
    for _ in 0..12 {
        last = post(form(&token, "encore", "")).await.status().as_u16();
    }
    assert_eq!(last, 429);
    inst.stop().await;
});

both!(
    contact_messages_are_mailed_once_the_mail_server_is_back,
    |db| async move {
        // The mail server's port, ours until it starts: bound, so that nobody else is given
        // it, but not listening, so that the instance finds the mail server down.
        let reserved = tokio::net::TcpSocket::new_v4().unwrap();
        reserved.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let port = reserved.local_addr().unwrap().port();
        let smtp = format!("smtp://127.0.0.1:{port}");
        let inst = Instance::start(
            db,
            &[
                ("RUCHE_MAIL_SMTP_URL", smtp.as_str()),
                ("RUCHE_MAIL_RETRY_SECS", "1"),
                NO_MIN_FILL,
            ],
        )
        .await;
        import(&inst, &SITE.replace("THEME", "ocean"));
        let token = token_of(&inst.page(&inst.http, "/p/atelier-bois/").await);

        // The mail server is down: the message is stored and kept.
        let r = send_message(&inst, &token, "Une table en chêne ?").await;
        assert_eq!(r.status(), 200);
        inst.eventually("a failed attempt logged", 30, || async {
            inst.log().contains("mail of job").then_some(())
        })
        .await;
        let (browser, _) = inst.browser_login("root", &inst.password).await;
        assert!(
            inst.page(&browser, "/my-sites/atelier-bois/inbox")
                .await
                .contains("Une table en chêne ?")
        );

        // It comes back: the mail arrives, once (its job done, nothing is left to send it again).
        drop(reserved);
        let server = ruche_testkit::mail::MailServer::start_on(port);
        let store = inst.store().await;
        inst.eventually("the mail sent and its job done", 60, || async {
            let mut c = store.read().await.unwrap();
            let jobs = ruche_store::jobs::counts(c.ex()).await.unwrap();
            (!server.mails().is_empty()
                && !jobs
                    .iter()
                    .any(|(kind, _, _)| kind == ruche_pages::mail::JOB))
            .then_some(())
        })
        .await;
        store.close().await;
        let got = server.mails();
        drop(server);
        assert_eq!(got.len(), 1, "{got:?}");
        let mail = &got[0];
        assert!(mail.contains("To: atelier@example.org"), "{mail}");
        assert!(mail.contains("Reply-To: Ana <ana@example.org>"), "{mail}");
        assert!(mail.contains("Subject: [L'atelier du bois] Ana"), "{mail}");
        inst.stop().await;
    }
);

both!(create_publish_and_restore_from_the_pages, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let (browser, csrf) = inst.browser_login("root", &inst.password).await;
    let post = |path: String, fields: Vec<(&'static str, String)>| {
        let browser = browser.clone();
        let url = format!("{}{path}", inst.url);
        async move { browser.post(url).form(&fields).send().await.unwrap() }
    };
    // An action of the site's page: a form of its session's token alone.
    let act = |action: &str| {
        let url = format!("/my-sites/chorale/{action}");
        post(url, vec![("csrf", csrf.clone())])
    };
    let new_site = |slug: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("slug", slug.to_string()),
            ("title", "Chorale du quartier".to_string()),
            ("language", "fr".to_string()),
        ]
    };
    // A starter site, off line until published.
    let r = post("/my-sites".into(), new_site("chorale")).await;
    assert_eq!(r.status(), 303);
    assert_eq!(inst.api().status("/p/chorale/").await, 404);
    // A taken or reserved slug is explained, nothing created.
    let r = post("/my-sites".into(), new_site("chorale")).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("is already taken"));
    let r = post("/my-sites".into(), new_site("admin")).await;
    assert_eq!(r.status(), 400);
    // Publish: on line, in its language, with the starter text.
    let r = act("publish").await;
    assert_eq!(r.status(), 303);
    let page = inst.page(&inst.http, "/p/chorale/").await;
    assert!(
        page.contains("<h1>Chorale du quartier</h1>") && page.contains("Dites à vos visiteurs"),
        "{page}"
    );
    // Take it off line, then restore the first revision: still off line, nothing lost.
    assert_eq!(act("unpublish").await.status(), 303);
    assert_eq!(inst.api().status("/p/chorale/").await, 404);
    let history = inst.page(&browser, "/my-sites/chorale/revisions").await;
    assert!(
        history.contains("Published") && history.contains("Created"),
        "{history}"
    );
    let first = history
        .rsplit("/revisions/")
        .next()
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let r = act(&format!("revisions/{first}/restore")).await;
    assert_eq!(r.status(), 303);
    assert!(
        inst.page(&browser, "/my-sites/chorale/revisions")
            .await
            .contains("Restored")
    );
    // Deleted: off line at once, in the trash, and back.
    assert_eq!(act("publish").await.status(), 303);
    assert_eq!(act("delete").await.status(), 303);
    assert_eq!(inst.api().status("/p/chorale/").await, 404);
    let list = inst.page(&browser, "/my-sites").await;
    assert!(
        list.contains("removed for good on") && list.contains("/my-sites/chorale/undelete"),
        "{list}"
    );
    assert_eq!(act("undelete").await.status(), 303);
    assert_eq!(inst.api().status("/p/chorale/").await, 200);
    // A forged form changes nothing.
    assert_eq!(
        post(
            "/my-sites/chorale/publish".into(),
            vec![("csrf", "forged".into())]
        )
        .await
        .status(),
        403
    );
    inst.stop().await;
});

/// A JPEG carrying GPS coordinates in its EXIF (48°51'23.76" N), as a phone writes it.
fn photo(dir: &std::path::Path, size: &str) -> Vec<u8> {
    let (width, height) = size.split_once('x').unwrap();
    let path = ruche_testkit::picture(
        dir,
        &format!("photo-{size}.jpg"),
        width.parse().unwrap(),
        height.parse().unwrap(),
    );
    let jpeg = std::fs::read(path).unwrap();
    // TIFF (little endian): IFD0 with a GPS IFD pointer; the GPS IFD with latitude N 48/51/23.76.
    let mut tiff: Vec<u8> = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    tiff.extend(1u16.to_le_bytes());
    tiff.extend([0x25, 0x88, 4, 0]);
    tiff.extend(1u32.to_le_bytes());
    tiff.extend(26u32.to_le_bytes());
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(2u16.to_le_bytes());
    tiff.extend([1, 0, 2, 0]);
    tiff.extend(2u32.to_le_bytes());
    tiff.extend(*b"N\0\0\0");
    tiff.extend([2, 0, 5, 0]);
    tiff.extend(3u32.to_le_bytes());
    tiff.extend(56u32.to_le_bytes());
    tiff.extend(0u32.to_le_bytes());
    for (n, d) in [(48u32, 1u32), (51, 1), (2376, 100)] {
        tiff.extend(n.to_le_bytes());
        tiff.extend(d.to_le_bytes());
    }
    let mut out = jpeg[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(u16::try_from(2 + 6 + tiff.len()).unwrap().to_be_bytes());
    out.extend(b"Exif\0\0");
    out.extend(&tiff);
    out.extend(&jpeg[2..]);
    out
}

both!(pictures_round_trip_and_the_site_domain, |db| async move {
    let inst = Instance::start(db, &[("RUCHE_PAGES_DOMAIN", "pages.test")]).await;
    let dir = tempfile::tempdir().unwrap();
    let (browser, csrf) = inst.browser_login("root", &inst.password).await;
    let upload = |bytes: Vec<u8>| {
        let browser = browser.clone();
        let csrf = csrf.clone();
        let url = format!("{}/my-sites/atelier-bois/media?label=Un%20banc", inst.url);
        async move {
            let r = browser
                .post(url)
                .header("X-CSRF-Token", csrf)
                .body(bytes)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<serde_json::Value>().await.unwrap())
        }
    };

    // A site whose banner picture comes inline, as an import document carries it.
    let jpeg = photo(dir.path(), "1200x700");
    use base64::Engine;
    let data = base64::engine::general_purpose::STANDARD.encode(&jpeg);
    let doc = SITE
        .replace("THEME", ruche_pages::theme::DEFAULT_PALETTE)
        .replace(
            r#""subtitle": "Meubles sur mesure""#,
            &format!(
                r#""subtitle": "Meubles sur mesure", "image": {{"src": "data:image/jpeg;base64,{data}", "alt": "L'établi"}}"#
            ),
        );
    import(&inst, &doc);
    let page = inst.page(&inst.http, "/p/atelier-bois/").await;
    let src = page
        .split("<img src=\"/pages-media/")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the inline picture became a stored one")
        .to_string();
    assert!(src.ends_with("-1200x700.webp"), "{src}");
    assert!(
        page.contains("-1200x700-480.webp 480w") && page.contains("width=\"1200\" height=\"700\""),
        "srcset and intrinsic size: {page}"
    );
    assert!(
        page.contains("fetchpriority=\"high\""),
        "the hero is never lazy"
    );
    let webp = inst
        .http
        .get(format!("{}/pages-media/{src}", inst.url))
        .send()
        .await
        .unwrap();
    assert_eq!(webp.status(), 200);
    assert!(
        webp.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let bytes = webp.bytes().await.unwrap();
    assert_eq!(&bytes[..4], b"RIFF");
    assert!(
        jpeg.windows(4).any(|w| w == b"II*\0"),
        "the upload had EXIF"
    );
    assert!(
        !bytes.windows(4).any(|w| w == b"Exif" || w == b"II*\0"),
        "no EXIF (so no GPS) left"
    );

    // Export → import elsewhere → export: the same document, pictures included.
    let first = dir.path().join("first.json");
    export(&inst, &first);
    let exported = std::fs::read_to_string(&first).unwrap();
    assert!(exported.contains("data:image/webp;base64,"));
    let other = Instance::start(db, &[]).await;
    import(&other, &exported);
    let second = dir.path().join("second.json");
    export(&other, &second);
    let a: serde_json::Value = serde_json::from_str(&exported).unwrap();
    let b: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&second).unwrap()).unwrap();
    assert_eq!(a, b, "lossless round trip");
    other.stop().await;

    // Uploads: a picture is stored once; what is not a usable picture is refused, with why.
    let (status, body) = upload(photo(dir.path(), "640x480")).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["label"], "Un banc");
    let (_, again) = upload(photo(dir.path(), "640x480")).await;
    assert_eq!(again["src"], body["src"], "same picture, one entry");
    let (status, body) = upload(b"%PDF-1.4 not a picture, named photo.jpg".to_vec()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("image-not-an-image"))
    );
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    let (status, body) = upload(svg.to_vec()).await;
    assert_eq!((status, body["code"].as_str()), (422, Some("image-svg")));
    // A decompression bomb: a PNG of a few dozen bytes declaring 30000×30000 pixels.
    let (status, body) = upload(ruche_testkit::bombs::declared_png(30_000, 30_000)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("image-too-many-pixels"))
    );
    let (status, body) = upload(vec![0xFF; 21 * 1024 * 1024]).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (413, Some("image-too-large"))
    );
    let (c, list) = inst_get(
        &browser,
        &format!("{}/my-sites/atelier-bois/media", inst.url),
    )
    .await;
    assert_eq!(c, 200);
    assert_eq!(
        list.as_array().unwrap().len(),
        2,
        "the refused files left nothing: {list}"
    );
    // Nobody else's library.
    let (c, _) = inst_get(
        &inst.http,
        &format!("{}/my-sites/atelier-bois/media", inst.url),
    )
    .await;
    assert_eq!(c, 401);

    // The editor's save: a broken document is refused with its path, an old version with 409.
    let draft = |version: i64, document: serde_json::Value| {
        let browser = browser.clone();
        let csrf = csrf.clone();
        let url = format!("{}/my-sites/atelier-bois/draft", inst.url);
        async move {
            let r = browser
                .post(url)
                .header("X-CSRF-Token", csrf)
                .json(&serde_json::json!({ "version": version, "document": document }))
                .send()
                .await
                .unwrap();
            (
                r.status().as_u16(),
                r.json::<serde_json::Value>().await.unwrap(),
            )
        }
    };
    let mut doc: serde_json::Value = serde_json::from_str(&exported).unwrap();
    doc["blocks"][1]["columns"] = serde_json::json!([]);
    let (status, body) = draft(2, doc.clone()).await;
    assert_eq!(
        (status, body["path"].as_str()),
        (400, Some("blocks[1].columns"))
    );
    doc["blocks"][1]["columns"] = serde_json::json!(["<p>Trois</p>"]);
    let (status, body) = draft(1, doc.clone()).await;
    assert_eq!(status, 409, "{body}");
    let current = body["version"].as_i64().unwrap();
    let (status, body) = draft(current, doc.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["version"].as_i64(), Some(current + 1));

    // With a Pages domain, the site is also at <slug>.<domain>, canonical there.
    let r = inst
        .http
        .get(format!("{}/", inst.url))
        .header("Host", "atelier-bois.pages.test")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("<link rel=\"canonical\" href=\"http://atelier-bois.pages.test/\">"),
        "{page}"
    );
    let r = inst
        .http
        .get(format!("{}/robots.txt", inst.url))
        .header("Host", "atelier-bois.pages.test")
        .send()
        .await
        .unwrap();
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Sitemap: http://atelier-bois.pages.test/sitemap.xml")
    );
    let r = inst
        .http
        .get(format!("{}/", inst.url))
        .header("Host", "nope.pages.test")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    inst.stop().await;
});

async fn inst_get(client: &reqwest::Client, url: &str) -> (u16, serde_json::Value) {
    let r = client.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or_default())
}

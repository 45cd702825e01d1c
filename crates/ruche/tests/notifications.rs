//! Users' notifications as PeerTube has them, on SQLite and PostgreSQL, with a real mail server:
//! a report tells the moderators (in the page and by mail, not the reporter), a decision and
//! messages tell the other side, a comment tells the video's owner unless they muted its
//! author, a publication tells its owner; the list, its filters and the unread count; marking
//! read (another's ids ignored); the settings (PeerTube's defaults, its refusals); mails in the
//! recipient's language; the pages (the header's badge, the list, the settings, *My reports*
//! and its messages).
#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_testkit::mail::{MailServer, readable};
use ruche_testkit::{Instance, both};
use serde_json::{Value, json};

/// `token`'s notifications at `query` (after `?`).
async fn told(i: &Instance, token: &str, query: &str) -> Value {
    let (status, list) = i
        .get_json(token, &format!("/api/v1/users/me/notifications?{query}"))
        .await;
    assert_eq!(status, 200, "{list}");
    list
}

/// How many of `token`'s notifications are of `kind` about report `abuse`.
async fn about_abuse(i: &Instance, token: &str, kind: i64, abuse: i64) -> usize {
    told(i, token, &format!("typeOneOf={kind}&count=100")).await["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["abuse"]["id"] == abuse)
        .count()
}

both!(notifications_in_the_page_and_by_mail, |db| async move {
    let mail = MailServer::start();
    let smtp = mail.url();
    let a = Instance::start(
        db,
        &[
            ("RUCHE_MAIL_SMTP_URL", smtp.as_str()),
            ("RUCHE_MAIL_RETRY_SECS", "1"),
        ],
    )
    .await;
    let root = a.root_token().await;
    let mia = a.moderator(&root, "mia").await;
    let (ann, _) = a.user(&root, "ann", -1).await;
    let (bob, _) = a.user(&root, "bob", -1).await;
    let (_, root_me) = a.get_json(&root, "/api/v1/users/me").await;
    let root_email = root_me["email"].as_str().unwrap().to_string();

    // The defaults are PeerTube's, key for key.
    let (_, ann_me) = a.get_json(&ann, "/api/v1/users/me").await;
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/fixtures/peertube-8.0.1/api/users-me.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        ann_me["notificationSettings"],
        fixture["notificationSettings"]
    );
    // Ann reads the pages in French: her mails are written in French.
    let (ann_browser, ann_csrf) = a.browser_login("ann", "secret-pass").await;
    let r = ann_browser
        .get(format!("{}/lang/fr", a.url))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success() || r.status().is_redirection());

    // Root publishes: they are told (in the page only, by default).
    let (short, uuid) = a.publish(&root, "À signaler").await;
    let published = told(&a, &root, "typeOneOf=6").await;
    assert_eq!(published["total"], 1, "{published}");
    assert_eq!(published["data"][0]["video"]["uuid"], uuid.as_str());
    assert_eq!(published["data"][0]["video"]["state"]["id"], 1);
    assert_eq!(
        published["data"][0]["video"]["channel"]["name"],
        "root_channel"
    );
    assert!(
        published["data"][0].get("comment").is_none(),
        "absent, not null"
    );

    // Ann reports the video: both moderators are told, in the page and by mail; she is not.
    let (status, rep) = a
        .api()
        .with(&ann)
        .post_json(
            "/api/v1/abuses",
            json!({ "reason": "Contenu trompeur", "video": { "id": uuid } }),
        )
        .await;
    assert_eq!(status, 200, "{rep}");
    let abuse = rep["abuse"]["id"].as_i64().unwrap();
    for t in [&root, &mia] {
        assert_eq!(about_abuse(&a, t, 3, abuse).await, 1);
    }
    let one = told(&a, &mia, "typeOneOf=3").await;
    assert_eq!(one["data"][0]["type"], 3);
    assert_eq!(one["data"][0]["read"], false);
    assert_eq!(one["data"][0]["abuse"]["state"], 1);
    assert_eq!(
        one["data"][0]["abuse"]["video"]["shortUUID"],
        short.as_str()
    );
    assert_eq!(told(&a, &ann, "").await["total"], 0);
    let subject = format!("New report #{abuse} for the moderators");
    a.eventually("the moderators' mails", 60, || async {
        let got = mail.mails();
        let to = |who: &str| {
            got.iter()
                .any(|m| m.contains(&format!("To: {who}")) && m.contains(&subject))
        };
        (to(&root_email) && to("mia@example.org")).then_some(())
    })
    .await;

    // Mia accepts it: Ann is told, in French, by mail too.
    let (status, _) = a
        .api()
        .with(&mia)
        .put_json(
            &format!("/api/v1/abuses/{abuse}"),
            json!({ "state": 3, "moderationComment": "Retirée" }),
        )
        .await;
    assert_eq!(status, 204);
    let decided = told(&a, &ann, "typeOneOf=15").await;
    assert_eq!(decided["total"], 1, "{decided}");
    assert_eq!(decided["data"][0]["abuse"]["state"], 3);
    a.eventually("Ann's mail, in French", 60, || async {
        mail.mails().iter().map(|m| readable(m)).find(|m| {
            m.contains("To: ann@example.org")
                && m.contains(&format!("Votre signalement n° {abuse} a été accepté"))
        })
    })
    .await;

    // Mia writes on the report: Ann and Root are told, not Mia.
    let (status, _) = a
        .api()
        .with(&mia)
        .post_json(
            &format!("/api/v1/abuses/{abuse}/messages"),
            json!({ "message": "Pouvez-vous préciser ?" }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(about_abuse(&a, &ann, 16, abuse).await, 1);
    assert_eq!(about_abuse(&a, &root, 16, abuse).await, 1);
    assert_eq!(about_abuse(&a, &mia, 16, abuse).await, 0);
    // Ann answers from *My reports*, which shows the decision and the message.
    let page = a.page(&ann_browser, "/my-account/abuses").await;
    assert!(page.contains("Pouvez-vous préciser ?"), "{page}");
    assert!(page.contains("Retirée"), "{page}");
    let r = ann_browser
        .post(format!("{}/my-account/abuses/{abuse}/messages", a.url))
        .form(&[("csrf", ann_csrf.as_str()), ("message", "La minute 2.")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "done, then back to the page");
    assert_eq!(about_abuse(&a, &mia, 16, abuse).await, 1);
    assert_eq!(about_abuse(&a, &ann, 16, abuse).await, 1, "not her own");

    // Bob comments under Root's video: Root is told, with who and where.
    let comment = |token: String, text: &'static str| {
        let a = &a;
        let uuid = uuid.clone();
        async move {
            let (status, c) = a
                .api()
                .with(&token)
                .post_json(
                    &format!("/api/v1/videos/{uuid}/comment-threads"),
                    json!({ "text": text }),
                )
                .await;
            assert_eq!(status, 200, "{c}");
        }
    };
    comment(bob.clone(), "Belle vidéo").await;
    let c = told(&a, &root, "typeOneOf=2").await;
    assert_eq!(c["total"], 1, "{c}");
    assert_eq!(c["data"][0]["comment"]["account"]["name"], "bob");
    assert_eq!(c["data"][0]["comment"]["video"]["uuid"], uuid.as_str());
    assert_eq!(c["data"][0]["comment"]["heldForReview"], false);
    // Root's own comment tells nobody; once Root mutes Bob, what Bob caused is forgotten
    // (PeerTube's rule) and his comments tell Root nothing more; Ann's still do.
    comment(root.clone(), "Merci").await;
    let (status, _) = a
        .api()
        .with(&root)
        .post_json(
            "/api/v1/users/me/blocklist/accounts",
            json!({ "accountName": "bob" }),
        )
        .await;
    assert_eq!(status, 204);
    comment(bob.clone(), "Encore moi").await;
    assert_eq!(told(&a, &root, "typeOneOf=2").await["total"], 0);
    comment(ann.clone(), "Et moi").await;
    let c = told(&a, &root, "typeOneOf=2").await;
    assert_eq!(c["total"], 1, "{c}");
    assert_eq!(c["data"][0]["comment"]["account"]["name"], "ann");

    // The unread count, the filters and the sorts; marking read.
    let unread = told(&a, &root, "count=0&unread=true").await;
    assert_eq!(unread["data"], json!([]));
    let n_unread = unread["total"].as_i64().unwrap();
    assert!(n_unread >= 4, "{unread}");
    let all = told(&a, &root, "count=100").await;
    let newest = all["data"][0]["id"].as_i64().unwrap();
    let (_, theirs) = a.get_json(&mia, "/api/v1/users/me/notifications").await;
    let mias = theirs["data"][0]["id"].as_i64().unwrap();
    let as_root = a.api().with(&root);
    let (status, _) = as_root
        .post_json(
            "/api/v1/users/me/notifications/read",
            json!({ "ids": [newest, mias] }),
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(
        told(&a, &root, "count=0&unread=true").await["total"],
        n_unread - 1
    );
    let (_, theirs) = a.get_json(&mia, "/api/v1/users/me/notifications").await;
    assert_eq!(theirs["data"][0]["read"], false, "another's id is ignored");
    assert_eq!(
        told(&a, &root, "sort=read").await["data"][0]["read"],
        false,
        "unread first"
    );
    for bad in [
        json!({ "ids": [] }),
        json!({ "ids": ["x"] }),
        json!({ "ids": 5 }),
        json!({}),
    ] {
        let (status, _) = as_root
            .post_json("/api/v1/users/me/notifications/read", bad.clone())
            .await;
        assert_eq!(status, 400, "{bad}");
    }
    for q in ["count=101", "start=-1", "sort=name", "typeOneOf=x"] {
        let (status, _) = a
            .get_json(&root, &format!("/api/v1/users/me/notifications?{q}"))
            .await;
        assert_eq!(status, 400, "{q}");
    }
    let (status, _) = a.api().get_json("/api/v1/users/me/notifications").await;
    assert_eq!(status, 401);

    // The settings: PeerTube's twelve required keys, values 0 to 3 as numbers.
    let mut settings = fixture["notificationSettings"].clone();
    settings["newCommentOnMyVideo"] = json!(0);
    for (key, value) in [
        ("newCommentOnMyVideo", json!(4)),
        ("newCommentOnMyVideo", json!("1")),
        ("abuseAsModerator", Value::Null),
    ] {
        let mut wrong = settings.clone();
        if value.is_null() {
            wrong.as_object_mut().unwrap().remove(key);
        } else {
            wrong[key] = value;
        }
        let (status, _) = as_root
            .put_json("/api/v1/users/me/notification-settings", wrong)
            .await;
        assert_eq!(status, 400, "{key}");
    }
    let (status, _) = as_root
        .put_json("/api/v1/users/me/notification-settings", settings.clone())
        .await;
    assert_eq!(status, 204);
    let (_, me) = a.get_json(&root, "/api/v1/users/me").await;
    assert_eq!(me["notificationSettings"], settings);
    comment(ann.clone(), "Encore moi aussi").await;
    assert_eq!(
        told(&a, &root, "typeOneOf=2").await["total"],
        1,
        "comments no longer told"
    );

    // The pages: the badge, the list, mark all read, the settings form.
    let (browser, csrf) = a.browser_login("root", &a.password).await;
    let page = a.page(&browser, "/my-account/notifications").await;
    let left = told(&a, &root, "count=0&unread=true").await["total"]
        .as_i64()
        .unwrap();
    assert!(
        page.contains("<span class=\"badge\"") && page.contains(&format!(">{left}</span>")),
        "{page}"
    );
    assert!(page.contains(&format!("New report #{abuse} for the moderators")));
    assert!(page.contains("ann commented on your video"), "{page}");
    let r = browser
        .post(format!("{}/my-account/notifications/read-all", a.url))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "done, then back to the page");
    assert_eq!(told(&a, &root, "count=0&unread=true").await["total"], 0);
    assert!(!a.page(&browser, "/").await.contains("class=\"badge\""));
    // Comments told again, in the page and by mail, from the form.
    let r = browser
        .post(format!("{}/my-account/notifications/settings", a.url))
        .form(&[
            ("csrf", csrf.as_str()),
            ("newCommentOnMyVideo", "1"),
            ("newCommentOnMyVideo", "2"),
            ("abuseAsModerator", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "done, then back to the page");
    let (_, me) = a.get_json(&root, "/api/v1/users/me").await;
    assert_eq!(me["notificationSettings"]["newCommentOnMyVideo"], 3);
    assert_eq!(me["notificationSettings"]["abuseAsModerator"], 1);
    assert_eq!(
        me["notificationSettings"]["abuseStateChange"], 0,
        "unticked"
    );
    // A forged form changes nothing.
    let r = browser
        .post(format!("{}/my-account/notifications/settings", a.url))
        .form(&[("csrf", "forged"), ("newCommentOnMyVideo", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    a.stop().await;
});

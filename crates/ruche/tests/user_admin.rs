//! User administration as PeerTube has it, on SQLite and PostgreSQL: moderators list, search
//! and read users; they change plain users' quotas, administrators anyone but root's role;
//! nobody but an administrator makes a moderator; a new password ends the user's tokens; a ban
//! ends their tokens and sessions at once, refuses their logins, with its reason, and hides
//! their videos from lists and search until the unban; every change is in the audit log, which
//! only administrators read.
#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_testkit::{Instance, both};
use serde_json::{Value, json};

/// A password login's status and answer.
async fn login(i: &Instance, username: &str, password: &str) -> (u16, Value) {
    i.api().try_login(username, password).await
}

both!(users_administered_banned_and_audited, |db| async move {
    let a = Instance::start(db, &[]).await;
    let root = a.root_token().await;
    let as_root = a.api().with(&root);
    let mia = a.moderator(&root, "mia").await;
    let max = a.moderator(&root, "max").await;
    let as_mia = a.api().with(&mia);
    let (ann, _) = a.user(&root, "ann", -1).await;
    let (bob, bob_channel) = a.user(&root, "bob", -1).await;
    let (ann_id, bob_id, root_id) = (
        a.user_id(&ann).await,
        a.user_id(&bob).await,
        a.user_id(&root).await,
    );
    let max_id = a.user_id(&max).await;

    // The list: moderators only; search, filters, sorts.
    assert_eq!(a.api().get_json("/api/v1/users").await.0, 401);
    assert_eq!(a.api().with(&ann).get_json("/api/v1/users").await.0, 403);
    let (status, all) = as_mia
        .get_json("/api/v1/users?sort=username&count=100")
        .await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(all["total"], 5);
    let names: Vec<&str> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ann", "bob", "max", "mia", "root"]);
    let (_, found) = as_mia.get_json("/api/v1/users?search=ANN@EXAMPLE").await;
    assert_eq!(found["total"], 1, "{found}");
    let one = &found["data"][0];
    assert_eq!(one["username"], "ann");
    assert_eq!(one["videoQuotaUsed"], 0);
    assert_eq!(
        one["videoChannels"],
        json!([]),
        "a list item carries no channels"
    );
    assert!(one.get("specialPlaylists").is_none());
    for q in ["sort=nope", "blocked=maybe", "count=101"] {
        assert_eq!(
            as_mia.get_json(&format!("/api/v1/users?{q}")).await.0,
            400,
            "{q}"
        );
    }
    let (status, u) = as_mia.get_json(&format!("/api/v1/users/{ann_id}")).await;
    assert_eq!(status, 200);
    assert_eq!(u["videoChannels"][0]["name"], "ann_channel");
    assert_eq!(as_mia.get_json("/api/v1/users/999999").await.0, 404);

    // Changes: what a moderator may, what only an administrator may, root's role.
    let put = |token: &str, id: i64, body: Value| {
        let api = a.api().with(token);
        async move { api.put_json(&format!("/api/v1/users/{id}"), body).await.0 }
    };
    assert_eq!(put(&mia, ann_id, json!({ "videoQuota": 1000 })).await, 204);
    assert_eq!(
        as_mia.get_json(&format!("/api/v1/users/{ann_id}")).await.1["videoQuota"],
        1000
    );
    assert_eq!(
        put(&mia, ann_id, json!({ "role": 1 })).await,
        403,
        "not a moderator's choice"
    );
    assert_eq!(
        put(&mia, max_id, json!({ "videoQuota": 5 })).await,
        403,
        "another moderator"
    );
    assert_eq!(put(&mia, root_id, json!({ "videoQuota": 5 })).await, 403);
    assert_eq!(put(&root, root_id, json!({ "role": 2 })).await, 400);
    assert_eq!(
        put(&root, ann_id, json!({ "email": "bob@example.org" })).await,
        409
    );
    assert_eq!(
        put(&root, ann_id, json!({ "password": "short" })).await,
        400
    );
    assert_eq!(put(&root, ann_id, json!({ "videoQuota": -2 })).await, 400);
    assert_eq!(put(&root, ann_id, json!({ "role": 7 })).await, 400);
    assert_eq!(
        put(&mia, ann_id, json!({ "password": "a-new-password" })).await,
        204
    );
    assert_eq!(
        a.api().with(&ann).get_json("/api/v1/users/me").await.0,
        401,
        "the old token ends"
    );
    assert_eq!(login(&a, "ann", "secret-pass").await.0, 400);
    assert_eq!(login(&a, "ann", "a-new-password").await.0, 200);
    let ann = a.token("ann", "a-new-password").await;

    // The ban: tokens and sessions end at once, logins are refused, with the reason; their
    // videos leave the lists and the search until the unban.
    let dir = tempfile::tempdir().unwrap();
    let clip = ruche_testkit::small_clip(dir.path());
    let (status, up) = a.upload(&bob, &clip, bob_channel, "Vidéo de Bob").await;
    assert_eq!(status, 200, "{up}");
    let bob_video = up["video"]["uuid"].as_str().unwrap().to_string();
    a.wait_transcoded(&bob, &bob_video, 1).await;
    let listed = |path: &'static str| a.lists(path, &bob_video);
    let lists = [
        "/api/v1/videos",
        "/api/v1/search/videos?search=Bob",
        "/api/v1/accounts/bob/videos",
    ];
    for path in lists {
        assert!(listed(path).await, "{path}");
    }
    let (bob_browser, _) = a.browser_login("bob", "secret-pass").await;
    assert!(
        a.page(&bob_browser, "/my-account")
            .await
            .contains("/logout")
    );
    let ban = |token: &str, id: i64, body: Value| {
        let api = a.api().with(token);
        async move {
            api.post_json(&format!("/api/v1/users/{id}/block"), body)
                .await
                .0
        }
    };
    assert_eq!(ban(&ann, bob_id, json!({})).await, 403);
    assert_eq!(ban(&mia, bob_id, json!({ "reason": "x" })).await, 400);
    assert_eq!(ban(&mia, root_id, json!({})).await, 400);
    assert_eq!(ban(&mia, max_id, json!({})).await, 403);
    assert_eq!(
        ban(&mia, bob_id, json!({ "reason": "Spam répété" })).await,
        204
    );
    assert_eq!(a.api().with(&bob).get_json("/api/v1/users/me").await.0, 401);
    for path in lists {
        assert!(!listed(path).await, "hidden while banned: {path}");
    }
    assert!(
        !a.page(&bob_browser, "/my-account")
            .await
            .contains("/logout")
    );
    let (status, refused) = login(&a, "bob", "secret-pass").await;
    assert_eq!(status, 400);
    assert!(
        refused.to_string().contains("User is blocked."),
        "{refused}"
    );
    let (_, banned) = as_mia.get_json("/api/v1/users?blocked=true").await;
    assert_eq!(banned["total"], 1);
    assert_eq!(
        (
            banned["data"][0]["username"].clone(),
            banned["data"][0]["blockedReason"].clone()
        ),
        (json!("bob"), json!("Spam répété"))
    );
    let (status, _) = as_mia
        .post_json(&format!("/api/v1/users/{bob_id}/unblock"), json!({}))
        .await;
    assert_eq!(status, 204);
    assert_eq!(login(&a, "bob", "secret-pass").await.0, 200);
    for path in lists {
        assert!(listed(path).await, "shown again: {path}");
    }
    assert_eq!(
        as_mia.get_json("/api/v1/users?blocked=true").await.1["total"],
        0
    );

    // The audit log: who did what to whom.
    let audit = "/api/v1/server/audit-logs?startDate=2020-01-01T00:00:00.000Z";
    assert_eq!(as_mia.get_json(audit).await.0, 403);
    assert_eq!(as_root.get_json("/api/v1/server/audit-logs").await.0, 400);
    let (status, log) = as_root.get_json(audit).await;
    assert_eq!(status, 200, "{log}");
    let entries = log.as_array().unwrap();
    let by = |user: &str, action: &str, target: &str| {
        entries.iter().any(|e| {
            e["user"] == user
                && e["domain"] == "users"
                && e["action"] == action
                && e["target"].as_str().unwrap().ends_with(target)
        })
    };
    assert!(by("mia", "block", " bob"), "{log}");
    assert!(by("mia", "unblock", " bob"));
    assert!(by("mia", "update", " ann"));
    let ban_entry = entries.iter().find(|e| e["action"] == "block").unwrap();
    assert_eq!(ban_entry["details"]["reason"], "Spam répété");
    assert!(
        !by("mia", "update", " root"),
        "a refused change is not logged"
    );
    a.stop().await;
});

both!(users_managed_from_the_pages, |db| async move {
    let a = Instance::start(db, &[]).await;
    let root = a.root_token().await;
    a.moderator(&root, "mia").await;
    let (ann, _) = a.user(&root, "ann", -1).await;
    let ann_id = a.user_id(&ann).await;
    let (mia, csrf) = a.browser_login("mia", "secret-pass").await;
    let post = |path: String, form: Vec<(&'static str, String)>| {
        let (mia, csrf, url) = (mia.clone(), csrf.clone(), format!("{}{path}", a.url));
        async move {
            let mut form = form;
            form.push(("csrf", csrf));
            let res = mia.post(url).form(&form).send().await.unwrap();
            res.status().as_u16()
        }
    };

    // The list, searched; a moderator sees no role picker and cannot manage root.
    let page = a.page(&mia, "/admin/users?search=ann").await;
    assert!(page.contains(&format!("id=\"user-{ann_id}\"")), "{page}");
    assert!(
        !page.contains("name=\"role\""),
        "only administrators give roles"
    );
    assert!(
        !page.contains("id=\"user-1\""),
        "root is not in this search"
    );
    let all = a.page(&mia, "/admin/users").await;
    assert!(!all.contains("/admin/users/1/ban"), "nobody bans root");
    let anonymous = a
        .browser()
        .get(format!("{}/admin/users", a.url))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 303, "to the login page");
    let (ann_browser, _) = a.browser_login("ann", "secret-pass").await;
    assert!(
        !a.page(&ann_browser, "/admin/users")
            .await
            .contains(&format!("user-{ann_id}")),
        "not for plain users"
    );

    // Quota, ban with its reason, unban.
    let base = format!("/admin/users/{ann_id}");
    assert_eq!(
        post(base.clone(), vec![("video_quota", "5000".into())]).await,
        303
    );
    assert_eq!(
        a.get_json(&root, &format!("/api/v1/users/{ann_id}"))
            .await
            .1["videoQuota"],
        5000
    );
    assert_eq!(
        post(
            format!("{base}/ban"),
            vec![("reason", "Spam encore".into())]
        )
        .await,
        303
    );
    assert_eq!(a.get_json(&ann, "/api/v1/users/me").await.0, 401);
    let banned = a.page(&mia, "/admin/users?blocked=true").await;
    assert!(banned.contains("Spam encore") && banned.contains(&format!("{base}/unban")));
    assert_eq!(post(format!("{base}/unban"), vec![]).await, 303);
    assert_eq!(a.api().try_login("ann", "secret-pass").await.0, 200);

    // Delete: the wrong name deletes nothing, the right one deletes.
    assert_eq!(
        post(format!("{base}/delete"), vec![("confirm", "bob".into())]).await,
        400
    );
    assert_eq!(a.api().try_login("ann", "secret-pass").await.0, 200);
    assert_eq!(
        post(format!("{base}/delete"), vec![("confirm", "ann".into())]).await,
        303
    );
    assert_eq!(a.api().try_login("ann", "secret-pass").await.0, 400);
    assert!(
        !a.page(&mia, "/admin/users")
            .await
            .contains(&format!("user-{ann_id}"))
    );

    // The audit log page: administrators only.
    assert!(!a.page(&mia, "/admin/audit-logs").await.contains("<table"));
    let (root_browser, _) = a.browser_login("root", &a.password).await;
    let log = a.page(&root_browser, "/admin/audit-logs").await;
    assert!(log.contains(&format!("user {ann_id} ann")), "{log}");
    assert!(log.contains("delete") && log.contains("block"));
    a.stop().await;
});

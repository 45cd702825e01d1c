//! Deleting a user, between two real instances, on SQLite and PostgreSQL: who may delete whom
//! (refusals first: plain users, a moderator and another moderator, root, unknown ids); a
//! moderator deletes a user, whose videos, playlist, channel, likes and account go, here and on
//! the other instance, while the replies others wrote under their comments stay (their comment a
//! tombstone, here and there); their name stays taken; the audit log says who did it. Then a
//! user deletes their own account from the settings page (typing their name), and root cannot.
#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_testkit::{Instance, both, eventually};
use serde_json::{Value, json};

/// The first comment thread of `uuid` on `i` and its replies, as an anonymous client sees them.
async fn thread(i: &Instance, uuid: &str) -> (Value, Value) {
    let (status, threads) = i
        .api()
        .get_json(&format!("/api/v1/videos/{uuid}/comment-threads"))
        .await;
    assert_eq!(status, 200, "{threads}");
    let first = threads["data"][0].clone();
    let id = first["id"].as_i64().unwrap_or_default();
    let (_, tree) = i
        .api()
        .get_json(&format!("/api/v1/videos/{uuid}/comment-threads/{id}"))
        .await;
    (first, tree)
}

both!(
    users_deleted_by_moderators_and_by_themselves,
    |db| async move {
        let a = Instance::start(db, ruche_testkit::FEDERATION).await;
        let b = Instance::start(db, ruche_testkit::FEDERATION).await;
        let logs = vec![a.stderr_log.clone(), b.stderr_log.clone()];
        let (root, tb) = (a.root_token().await, b.root_token().await);
        b.follow_instance(&tb, &a).await;
        let as_root = a.api().with(&root);
        let mia = a.moderator(&root, "mia").await;
        let max = a.moderator(&root, "max").await;
        let (ann, ann_channel) = a.user(&root, "ann", -1).await;
        let (bob, bob_channel) = a.user(&root, "bob", -1).await;
        let (ann_id, root_id) = (a.user_id(&ann).await, a.user_id(&root).await);
        let max_id = a.user_id(&max).await;

        // Ann's video, playlist, like and comment under Bob's video, which Bob answers.
        let dir = tempfile::tempdir().unwrap();
        let clip = ruche_testkit::small_clip(dir.path());
        let mut uuids = Vec::new();
        for (token, channel, name) in [(&ann, ann_channel, "Ann's"), (&bob, bob_channel, "Bob's")] {
            let (status, up) = a.upload(token, &clip, channel, name).await;
            assert_eq!(status, 200, "{up}");
            let short = up["video"]["shortUUID"].as_str().unwrap().to_string();
            let v = a.wait_transcoded(token, &short, 1).await;
            uuids.push(v["uuid"].as_str().unwrap().to_string());
        }
        let (ann_video, bob_video) = (uuids[0].clone(), uuids[1].clone());
        let as_ann = a.api().with(&ann);
        let (status, list) = as_ann
            .post_json(
                "/api/v1/video-playlists",
                json!({ "displayName": "Ann's list", "privacy": 1, "videoChannelId": ann_channel }),
            )
            .await;
        assert_eq!(status, 200, "{list}");
        let list_uuid = list["videoPlaylist"]["uuid"].as_str().unwrap().to_string();
        let (status, _) = as_ann
            .put_json(
                &format!("/api/v1/videos/{bob_video}/rate"),
                json!({ "rating": "like" }),
            )
            .await;
        assert_eq!(status, 204);
        let (status, c) = as_ann
            .post_json(
                &format!("/api/v1/videos/{bob_video}/comment-threads"),
                json!({ "text": "Ann was here" }),
            )
            .await;
        assert_eq!(status, 200, "{c}");
        let ann_comment = c["comment"]["id"].as_i64().unwrap();
        let (status, r) = a
            .api()
            .with(&bob)
            .post_json(
                &format!("/api/v1/videos/{bob_video}/comments/{ann_comment}"),
                json!({ "text": "Bob answers" }),
            )
            .await;
        assert_eq!(status, 200, "{r}");
        for uuid in [&ann_video, &bob_video] {
            eventually(&logs, "the videos reach B", 60, || async {
                (b.api().status(&format!("/api/v1/videos/{uuid}")).await == 200).then_some(())
            })
            .await;
        }
        eventually(
            &logs,
            "Ann's comment and Bob's reply reach B",
            60,
            || async {
                let (first, tree) = thread(&b, &bob_video).await;
                (first["text"] == "Ann was here"
                    && tree["children"][0]["comment"]["text"] == "Bob answers")
                    .then_some(())
            },
        )
        .await;
        let ann_on_b = format!("/api/v1/accounts/ann@{}", a.host());
        assert_eq!(b.api().status(&ann_on_b).await, 200);

        // Refusals.
        let del = |token: &str, id: i64| {
            let api = if token.is_empty() {
                a.api()
            } else {
                a.api().with(token)
            };
            async move { api.delete(&format!("/api/v1/users/{id}")).await.0 }
        };
        assert_eq!(del("", ann_id).await, 401);
        assert_eq!(del(&bob, ann_id).await, 403, "a plain user");
        assert_eq!(del(&mia, max_id).await, 403, "another moderator");
        assert_eq!(
            del(&mia, root_id).await,
            400,
            "root is never deleted (PeerTube checks it first)"
        );
        assert_eq!(del(&root, root_id).await, 400, "root stays");
        assert_eq!(del(&mia, 999_999).await, 404);
        assert_eq!(
            as_root.delete("/api/v1/users/me").await.0,
            400,
            "root cannot delete itself"
        );
        assert_eq!(
            a.api().status(&format!("/api/v1/videos/{ann_video}")).await,
            200
        );

        // Mia deletes Ann.
        assert_eq!(del(&mia, ann_id).await, 204);
        assert_eq!(
            as_ann.get_json("/api/v1/users/me").await.0,
            401,
            "her token ends"
        );
        assert_eq!(a.api().try_login("ann", "secret-pass").await.0, 400);
        assert_eq!(a.api().status("/api/v1/accounts/ann").await, 404);
        assert_eq!(
            a.api().status("/api/v1/video-channels/ann_channel").await,
            404
        );
        assert_eq!(
            a.api().status(&format!("/api/v1/videos/{ann_video}")).await,
            404
        );
        assert_eq!(
            a.api()
                .status(&format!("/api/v1/video-playlists/{list_uuid}"))
                .await,
            404
        );
        assert_eq!(del(&mia, ann_id).await, 404, "gone");
        let (_, bobs) = a
            .api()
            .get_json(&format!("/api/v1/videos/{bob_video}"))
            .await;
        assert_eq!(bobs["likes"], 0, "her like goes");
        let (first, tree) = thread(&a, &bob_video).await;
        assert_eq!(first["isDeleted"], true, "{first}");
        assert_eq!(first["text"], "");
        assert_eq!(first["account"], Value::Null);
        assert_eq!(first["totalReplies"], 1);
        assert_eq!(tree["children"][0]["comment"]["text"], "Bob answers");
        let (_, accounts) = a.api().get_json("/api/v1/accounts?count=100").await;
        assert!(
            !accounts["data"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["name"] == "ann"),
            "{accounts}"
        );
        let webfinger = format!("/.well-known/webfinger?resource=acct:ann@{}", a.host());
        assert_eq!(a.api().status(&webfinger).await, 404);
        // Her name stays taken.
        let (status, again) = as_root
        .post_json(
            "/api/v1/users",
            json!({ "username": "ann", "email": "ann2@example.org", "password": "secret-pass", "role": 2 }),
        )
        .await;
        assert_eq!(status, 409, "{again}");
        // The audit log says who.
        let (_, log) = as_root
            .get_json("/api/v1/server/audit-logs?startDate=2000-01-01T00:00:00Z")
            .await;
        assert!(
            log.as_array()
                .unwrap()
                .iter()
                .any(|e| e["user"] == "mia" && e["domain"] == "users" && e["action"] == "delete"),
            "{log}"
        );

        // B hears of it: her video and account go, Bob's reply stays under her comment's tombstone.
        eventually(&logs, "Ann's video and account gone from B", 60, || async {
            let video = b.api().status(&format!("/api/v1/videos/{ann_video}")).await;
            let account = b.api().status(&ann_on_b).await;
            (video == 404 && account == 404).then_some(())
        })
        .await;
        eventually(&logs, "her comment a tombstone on B", 60, || async {
            let (first, tree) = thread(&b, &bob_video).await;
            (first["isDeleted"] == true && tree["children"][0]["comment"]["text"] == "Bob answers")
                .then_some(())
        })
        .await;

        // Bob deletes himself from his settings page: he types his name.
        let (browser, csrf) = a.browser_login("bob", "secret-pass").await;
        let page = a.page(&browser, "/my-account").await;
        assert!(page.contains("/my-account/delete"), "the danger zone");
        let post = |confirm: &str| {
            let (browser, url) = (browser.clone(), format!("{}/my-account/delete", a.url));
            let form = [("csrf", csrf.clone()), ("confirm", confirm.to_string())];
            async move { browser.post(url).form(&form).send().await.unwrap() }
        };
        let wrong = post("not-bob").await;
        assert_eq!(wrong.status(), 400, "the wrong name deletes nothing");
        assert_eq!(
            a.api().status(&format!("/api/v1/videos/{bob_video}")).await,
            200
        );
        let done = post("bob").await;
        assert_eq!(done.status(), 303);
        assert_eq!(a.api().with(&bob).get_json("/api/v1/users/me").await.0, 401);
        assert_eq!(
            a.api().status(&format!("/api/v1/videos/{bob_video}")).await,
            404
        );
        assert!(
            !a.page(&browser, "/my-account").await.contains("/logout"),
            "his session ends"
        );
        eventually(&logs, "Bob's video gone from B", 60, || async {
            (b.api().status(&format!("/api/v1/videos/{bob_video}")).await == 404).then_some(())
        })
        .await;
    }
);

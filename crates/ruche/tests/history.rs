//! A user's video history as PeerTube's clients keep it, against a real `ruche serve` (SQLite
//! and PostgreSQL): progress recorded with `PUT …/watching`, shown back in the video and in
//! `/users/me/history/videos` (last watched first, searched), forgotten one by one or up to a
//! date, turned off; only ever the user's own.

#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_testkit::{Instance, both, small_clip};
use serde_json::{Value, json};

fn names(list: &Value) -> Vec<String> {
    ruche_testkit::field_of_each(list, "name")
}

both!(
    a_users_history_is_kept_shown_and_forgotten,
    |db| async move {
        let inst = Instance::start(db, &[]).await;
        let root = inst.root_token().await;
        let (alice, channel) = inst.user(&root, "alice", 1_000_000_000).await;
        let (bob, _) = inst.user(&root, "bob", 1_000_000_000).await;
        let dir = tempfile::tempdir().unwrap();
        let clip = small_clip(dir.path());
        let mut ids = Vec::new();
        for name in ["Morning walk", "Evening talk"] {
            let (s, up) = inst.upload(&alice, &clip, channel, name).await;
            assert_eq!(s, 200, "{up}");
            let uuid = up["video"]["uuid"].as_str().unwrap().to_string();
            inst.wait_transcoded(&alice, &uuid, 1).await;
            ids.push((up["video"]["id"].as_i64().unwrap(), uuid));
        }
        let (as_bob, anon) = (inst.api().with(&bob), inst.api());
        let watch = |uuid: &str, body: Value| {
            let api = inst.api().with(&bob);
            let path = format!("/api/v1/videos/{uuid}/watching");
            async move { api.put_json(&path, body).await.0 }
        };

        // Progress, as the player reports it; the last report wins; past the end is the end.
        assert_eq!(watch(&ids[0].1, json!({ "currentTime": 1 })).await, 204);
        assert_eq!(watch(&ids[1].1, json!({ "currentTime": 2.7 })).await, 204);
        assert_eq!(watch(&ids[0].1, json!({ "currentTime": 99 })).await, 204);
        for bad in [
            json!({}),
            json!({ "currentTime": -1 }),
            json!({ "currentTime": "soon" }),
        ] {
            assert_eq!(watch(&ids[0].1, bad.clone()).await, 400, "{bad}");
        }
        let path = format!("/api/v1/videos/{}/watching", ids[0].1);
        assert_eq!(
            anon.put_json(&path, json!({ "currentTime": 1 })).await.0,
            401
        );

        // Shown in the video and in the history, last watched first, searched.
        let (_, v) = as_bob
            .get_json(&format!("/api/v1/videos/{}", ids[0].1))
            .await;
        assert_eq!(v["userHistory"]["currentTime"], 3, "{v}");
        let (s, h) = as_bob.get_json("/api/v1/users/me/history/videos").await;
        assert_eq!(s, 200, "{h}");
        assert_eq!(h["total"], 2);
        assert_eq!(names(&h), vec!["Morning walk", "Evening talk"]);
        assert_eq!(h["data"][1]["userHistory"]["currentTime"], 2);
        let (_, found) = as_bob
            .get_json("/api/v1/users/me/history/videos?search=EVENING")
            .await;
        assert_eq!(names(&found), vec!["Evening talk"]);
        // Another user's is their own: Alice watched nothing.
        let (_, hers) = inst
            .api()
            .with(&alice)
            .get_json("/api/v1/users/me/history/videos")
            .await;
        assert_eq!(hers["total"], 0);
        let (_, v) = inst
            .api()
            .with(&alice)
            .get_json(&format!("/api/v1/videos/{}", ids[0].1))
            .await;
        assert!(v.get("userHistory").is_none(), "{v}");

        // Forgotten one by one, then up to a date.
        let (s, _) = as_bob
            .delete(&format!("/api/v1/users/me/history/videos/{}", ids[0].0))
            .await;
        assert_eq!(s, 204);
        let (_, h) = as_bob.get_json("/api/v1/users/me/history/videos").await;
        assert_eq!(names(&h), vec!["Evening talk"]);
        let (s, _) = as_bob
            .post_json(
                "/api/v1/users/me/history/videos/remove",
                json!({ "beforeDate": "2000-01-01T00:00:00.000Z" }),
            )
            .await;
        assert_eq!(s, 204);
        assert_eq!(
            as_bob.get_json("/api/v1/users/me/history/videos").await.1["total"],
            1
        );
        let (s, _) = as_bob
            .post_json("/api/v1/users/me/history/videos/remove", json!({}))
            .await;
        assert_eq!(s, 204);
        assert_eq!(
            as_bob.get_json("/api/v1/users/me/history/videos").await.1["total"],
            0
        );
        assert_eq!(
            as_bob
                .post_json(
                    "/api/v1/users/me/history/videos/remove",
                    json!({ "beforeDate": "yesterday" }),
                )
                .await
                .0,
            400
        );

        // PeerTube 6's players report through the view itself; a view without a time still counts.
        let views = format!("/api/v1/videos/{}/views", ids[0].1);
        assert_eq!(
            as_bob
                .post_json(&views, json!({ "currentTime": 2 }))
                .await
                .0,
            204
        );
        assert_eq!(
            as_bob
                .post_json(&views, json!({ "currentTime": "x" }))
                .await
                .0,
            204
        );
        let (_, h) = as_bob.get_json("/api/v1/users/me/history/videos").await;
        assert_eq!(names(&h), vec!["Morning walk"]);
        assert_eq!(h["data"][0]["userHistory"]["currentTime"], 2);

        // Turned off: nothing more is kept, and /users/me says so.
        let (s, _) = as_bob
            .put_json("/api/v1/users/me", json!({ "videosHistoryEnabled": false }))
            .await;
        assert_eq!(s, 204);
        let (_, me) = as_bob.get_json("/api/v1/users/me").await;
        assert_eq!(me["videosHistoryEnabled"], false);
        assert_eq!(watch(&ids[1].1, json!({ "currentTime": 1 })).await, 204);
        assert_eq!(
            as_bob
                .post_json(&views, json!({ "currentTime": 3 }))
                .await
                .0,
            204
        );
        let (_, h) = as_bob.get_json("/api/v1/users/me/history/videos").await;
        assert_eq!(names(&h), vec!["Morning walk"], "nothing new kept: {h}");
        assert_eq!(h["data"][0]["userHistory"]["currentTime"], 2);
    }
);

//! The instance's catalogue on PeerTube's API, against a real `ruche serve` (SQLite and
//! PostgreSQL): every account and channel (`/accounts`, `/video-channels`), who follows an
//! account or a channel (its owner and moderators only), an account's ratings (its owner
//! only), the comments of the instance (moderators) and under one's own videos, deleting a
//! video's kept uploaded file, and the configuration administrators edit while it runs
//! (`/config/custom`).

#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_testkit::{Instance, both, small_clip};
use serde_json::json;

use ruche_testkit::field_of_each as names;

both!(the_catalogue_as_peertube_lists_it, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let root = inst.root_token().await;
    let (alice, channel) = inst.user(&root, "alice", 1_000_000_000).await;
    let (bob, _) = inst.user(&root, "bob", 1_000_000_000).await;
    let dir = tempfile::tempdir().unwrap();
    let clip = small_clip(dir.path());
    let (s, up) = inst.upload(&alice, &clip, channel, "Catalogue clip").await;
    assert_eq!(s, 200, "{up}");
    let uuid = up["video"]["uuid"].as_str().unwrap().to_string();
    inst.wait_transcoded(&alice, &uuid, 1).await;
    let (anon, as_alice, as_bob, as_root) = (
        inst.api(),
        inst.api().with(&alice),
        inst.api().with(&bob),
        inst.api().with(&root),
    );

    // Bob follows Alice's channel, likes her video and comments on it.
    let (s, v) = as_bob
        .post_json(
            "/api/v1/users/me/subscriptions",
            json!({ "uri": "alice_channel" }),
        )
        .await;
    assert_eq!(s, 204, "{v}");
    let (s, _) = as_bob
        .put_json(
            &format!("/api/v1/videos/{uuid}/rate"),
            json!({ "rating": "like" }),
        )
        .await;
    assert_eq!(s, 204);
    let (s, v) = as_bob
        .post_json(
            &format!("/api/v1/videos/{uuid}/comment-threads"),
            json!({ "text": "A 100% lovely_clip" }),
        )
        .await;
    assert_eq!(s, 200, "{v}");

    // Every account and channel, sorted as asked, with their follower counts.
    let (s, list) = anon.get_json("/api/v1/accounts?sort=name").await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["total"], 3);
    assert_eq!(names(&list, "name"), vec!["alice", "bob", "root"]);
    let (_, list) = anon.get_json("/api/v1/accounts?sort=-name&count=1").await;
    assert_eq!(
        (list["total"].as_i64(), names(&list, "name")),
        (Some(3), vec!["root".into()])
    );
    let (_, list) = anon.get_json("/api/v1/video-channels?sort=name").await;
    assert_eq!(
        names(&list, "name"),
        vec!["alice_channel", "bob_channel", "root_channel"]
    );
    assert_eq!(list["data"][0]["ownerAccount"]["name"], "alice");
    assert_eq!(list["data"][0]["followersCount"], 1, "{list}");
    assert_eq!(list["data"][1]["followersCount"], 0);
    for bad in [
        "/api/v1/accounts?sort=password",
        "/api/v1/accounts?count=101",
        "/api/v1/video-channels?start=-1",
    ] {
        assert_eq!(anon.get_json(bad).await.0, 400, "{bad}");
    }

    // Who follows: the owner and moderators see it; another user and nobody do not.
    for path in [
        "/api/v1/accounts/alice/followers",
        "/api/v1/video-channels/alice_channel/followers",
    ] {
        for api in [&as_alice, &as_root] {
            let (s, f) = api.get_json(path).await;
            assert_eq!(s, 200, "{path} {f}");
            assert_eq!(f["total"], 1, "{f}");
            assert_eq!(f["data"][0]["follower"]["name"], "bob", "{f}");
            assert_eq!(f["data"][0]["following"]["name"], "alice_channel", "{f}");
            assert_eq!(f["data"][0]["state"], "accepted");
        }
        assert_eq!(as_bob.get_json(path).await.0, 403, "{path}");
        assert_eq!(anon.get_json(path).await.0, 401, "{path}");
    }
    assert_eq!(
        as_root
            .get_json("/api/v1/accounts/nobody/followers")
            .await
            .0,
        404
    );

    // An account's ratings, for its owner only.
    let (s, r) = as_bob.get_json("/api/v1/accounts/bob/ratings").await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["total"], 1);
    assert_eq!(r["data"][0]["rating"], "like");
    assert_eq!(r["data"][0]["video"]["uuid"], uuid.as_str());
    let (_, r) = as_bob
        .get_json("/api/v1/accounts/bob/ratings?rating=dislike")
        .await;
    assert_eq!(r["total"], 0, "{r}");
    assert_eq!(
        as_bob
            .get_json("/api/v1/accounts/bob/ratings?rating=meh")
            .await
            .0,
        400
    );
    assert_eq!(
        as_alice.get_json("/api/v1/accounts/bob/ratings").await.0,
        403
    );

    // Comments: under one's own videos, and the whole instance's for moderators, searched
    // literally (a `%` or a `_` is no wildcard).
    let (s, mine) = as_alice.get_json("/api/v1/users/me/videos/comments").await;
    assert_eq!(s, 200, "{mine}");
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["data"][0]["video"]["uuid"], uuid.as_str());
    assert_eq!(mine["data"][0]["account"]["name"], "bob");
    let (_, none) = as_bob.get_json("/api/v1/users/me/videos/comments").await;
    assert_eq!(none["total"], 0, "bob has no video: {none}");
    assert_eq!(as_bob.get_json("/api/v1/videos/comments").await.0, 403);
    assert_eq!(anon.get_json("/api/v1/videos/comments").await.0, 401);
    for (query, total) in [
        ("", 1),
        ("?search=100%25", 1),
        ("?search=lovely_clip", 1),
        ("?search=1000%25", 0),
        ("?search=lovely%25clip", 0),
        ("?searchAccount=bob", 1),
        ("?searchAccount=alice", 0),
        ("?searchVideo=catalogue", 1),
        ("?isLocal=true&onLocalVideo=true", 1),
        ("?isLocal=false", 0),
    ] {
        let (s, l) = as_root
            .get_json(&format!("/api/v1/videos/comments{query}"))
            .await;
        assert_eq!(s, 200, "{query} {l}");
        assert_eq!(l["total"], total, "{query} {l}");
    }
    assert_eq!(
        as_root
            .get_json("/api/v1/videos/comments?isLocal=maybe")
            .await
            .0,
        400
    );

    // The list items carry their comment count.
    let (_, videos) = anon.get_json("/api/v1/videos").await;
    assert_eq!(videos["data"][0]["comments"], 1, "{videos}");
    // Anonymous answers are kept for a moment, never past a change: the renamed video is
    // listed under its new name at once, and a video made private leaves the list at once.
    let (_, again) = anon.get_json("/api/v1/videos").await;
    assert_eq!(again, videos);
    let (s, v) = as_alice
        .put_json(
            &format!("/api/v1/videos/{uuid}"),
            json!({ "name": "Renamed clip" }),
        )
        .await;
    assert_eq!(s, 204, "{v}");
    let (_, renamed) = anon.get_json("/api/v1/videos").await;
    assert_eq!(renamed["data"][0]["name"], "Renamed clip", "{renamed}");
    let (_, one) = anon.get_json(&format!("/api/v1/videos/{uuid}")).await;
    assert_eq!(one["name"], "Renamed clip");
    let (s, _) = as_alice
        .put_json(&format!("/api/v1/videos/{uuid}"), json!({ "privacy": 3 }))
        .await;
    assert_eq!(s, 204);
    let (_, gone) = anon.get_json("/api/v1/videos").await;
    assert_eq!(gone["total"], 0, "{gone}");
    // Hidden from whoever may not see it, as any unknown video.
    assert_eq!(
        anon.get_json(&format!("/api/v1/videos/{uuid}")).await.0,
        404
    );
    let (s, _) = as_alice
        .put_json(&format!("/api/v1/videos/{uuid}"), json!({ "privacy": 1 }))
        .await;
    assert_eq!(s, 204);

    // The kept uploaded file: gone once transcoded (404); when kept, its owner deletes it and
    // the record of what was uploaded stays.
    let path = format!("/api/v1/videos/{uuid}/source/file");
    assert_eq!(as_alice.delete(&path).await.0, 404);
    let kept = inst.storage().join("original-video-files").join(&uuid);
    std::fs::copy(&clip, &kept).unwrap();
    assert_eq!(as_bob.delete(&path).await.0, 403);
    assert_eq!(anon.delete(&path).await.0, 401);
    assert!(kept.exists());
    assert_eq!(as_alice.delete(&path).await.0, 204);
    assert!(!kept.exists());
    let (s, src) = as_alice
        .get_json(&format!("/api/v1/videos/{uuid}/source"))
        .await;
    assert_eq!(
        (s, &src["inputFilename"]),
        (200, &json!("clip.mp4")),
        "{src}"
    );
    assert_eq!(as_alice.delete(&path).await.0, 404);
});

both!(
    administrators_edit_the_configuration_live,
    |db| async move {
        let inst = Instance::start(db, &[]).await;
        let root = inst.root_token().await;
        let (alice, _) = inst.user(&root, "alice", 1_000_000_000).await;
        let (anon, as_root, as_alice) =
            (inst.api(), inst.api().with(&root), inst.api().with(&alice));

        // Administrators only.
        assert_eq!(anon.get_json("/api/v1/config/custom").await.0, 401);
        assert_eq!(as_alice.get_json("/api/v1/config/custom").await.0, 403);
        let (s, mut custom) = as_root.get_json("/api/v1/config/custom").await;
        assert_eq!(s, 200, "{custom}");
        assert_eq!(custom["signup"]["enabled"], false);
        assert_eq!(custom["live"]["enabled"], false);

        // The whole document sent back with changes, as PeerTube's admin pages send it: applied at
        // once, in /config, /config/about, NodeInfo and the pages.
        custom["instance"]["name"] = json!("La Ruche du quartier");
        custom["instance"]["shortDescription"] = json!("Vidéos du quartier");
        custom["instance"]["terms"] = json!("Soyez aimables.");
        custom["instance"]["languages"] = json!(["fr", "en"]);
        custom["instance"]["categories"] = json!([4, 13]);
        custom["signup"]["enabled"] = json!(true);
        custom["signup"]["limit"] = json!(3);
        custom["user"]["videoQuota"] = json!(5_000_000);
        let (s, saved) = as_root
            .put_json("/api/v1/config/custom", custom.clone())
            .await;
        assert_eq!(s, 200, "{saved}");
        assert_eq!(saved, custom);
        let (_, config) = anon.get_json("/api/v1/config").await;
        assert_eq!(config["instance"]["name"], "La Ruche du quartier");
        assert_eq!(config["signup"]["allowed"], true, "root and alice: 2 of 3");
        assert_eq!(config["user"]["videoQuota"], 5_000_000);
        let (_, about) = anon.get_json("/api/v1/config/about").await;
        assert_eq!(about["instance"]["terms"], "Soyez aimables.");
        assert_eq!(about["instance"]["categories"], json!([4, 13]));
        let home = inst.page(&inst.browser(), "/").await;
        assert!(home.contains("La Ruche du quartier"), "the pages' header");
        // A new user gets the new quota; sign-up closes at the limit.
        let (bob, _) = inst.user(&root, "bob", -1).await;
        let (_, me) = inst.api().with(&bob).get_json("/api/v1/users/me").await;
        assert_eq!(me["videoQuota"], -1, "an administrator's choice wins");
        let (s, v) = anon
        .post_json(
            "/api/v1/users/register",
            json!({ "username": "carol", "email": "carol@example.org", "password": "a long password" }),
        )
        .await;
        assert_eq!(s, 403, "3 users: sign-up is closed {v}");
        let (_, config) = anon.get_json("/api/v1/config").await;
        assert_eq!(config["signup"]["allowed"], false);

        // Refused, nothing changed: what Ruche lacks or sets in ruche.toml, an unknown key, a bad
        // value; each names its key.
        for (body, key) in [
            (json!({ "live": { "enabled": true } }), "live.enabled"),
            (
                json!({ "transcoding": { "threads": 7 } }),
                "transcoding.threads",
            ),
            (json!({ "nothing": { "here": 1 } }), "nothing.here"),
            (json!({ "instance": { "name": "" } }), "instance.name"),
            (
                json!({ "instance": { "categories": [99] } }),
                "instance.categories",
            ),
            (
                json!({ "instance": { "defaultNSFWPolicy": "hide" } }),
                "instance.defaultNSFWPolicy",
            ),
            (json!({ "signup": { "limit": "many" } }), "signup.limit"),
            (json!({ "user": { "videoQuota": -5 } }), "user.videoQuota"),
        ] {
            let (s, e) = as_root
                .put_json("/api/v1/config/custom", body.clone())
                .await;
            assert_eq!(s, 400, "{body} → {e}");
            assert!(e["detail"].as_str().unwrap().contains(key), "{e}");
        }
        assert_eq!(
            as_alice
                .put_json("/api/v1/config/custom", json!({}))
                .await
                .0,
            403
        );
        let (_, still) = as_root.get_json("/api/v1/config/custom").await;
        assert_eq!(still, custom);

        // A part alone changes that part; DELETE goes back to the settings file's values.
        let (s, _) = as_root
            .put_json(
                "/api/v1/config/custom",
                json!({ "instance": { "isNSFW": true } }),
            )
            .await;
        assert_eq!(s, 200);
        let (_, c) = as_root.get_json("/api/v1/config/custom").await;
        assert_eq!(
            (&c["instance"]["isNSFW"], &c["instance"]["name"]),
            (&json!(true), &json!("La Ruche du quartier"))
        );
        let (s, reset) = as_root.delete("/api/v1/config/custom").await;
        assert_eq!(s, 200, "{reset}");
        assert_ne!(reset["instance"]["name"], "La Ruche du quartier");
        let (_, config) = anon.get_json("/api/v1/config").await;
        assert_eq!(config["instance"]["name"], reset["instance"]["name"]);
    }
);

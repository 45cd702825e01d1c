//! Three Ruche instances federating on loopback, each a real `ruche serve` with its own
//! database: B follows A (an instance follow), a user of C subscribes to A's channel; a video
//! uploaded on A reaches B and C and plays from A; a comment posted on B reaches A and, forwarded
//! by A, C; likes and views come back to A and out again; A's deletion removes the video
//! everywhere; B's unfollow stops deliveries to B; while A is down, deliveries to it wait and
//! arrive when it is back, and B and C go on federating with each other meanwhile.
#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_testkit::{Instance, ap_get, both, eventually};
use serde_json::{Value, json};

/// Settings that let instances federate over http on loopback, and retry fast.
const FEDERATION: &[(&str, &str)] = &[
    ("RUCHE_FEDERATION_ALLOW_INSECURE", "true"),
    ("RUCHE_FEDERATION_RETRY_BASE_SECS", "1"),
    ("RUCHE_FEDERATION_RETRY_MAX_SECS", "2"),
    ("RUCHE_FEDERATION_STATS_PUSH_SECS", "1"),
    ("RUCHE_FEDERATION_DELIVERY_TIMEOUT_SECS", "3"),
];

/// The video with this uuid as instance `i` shows it, if it has it.
async fn video_on(i: &Instance, uuid: &str) -> Option<Value> {
    let (status, v) = i.api().get_json(&format!("/api/v1/videos/{uuid}")).await;
    (status == 200).then_some(v)
}

async fn threads_on(i: &Instance, uuid: &str) -> Vec<Value> {
    let (_, t) = i
        .api()
        .get_json(&format!("/api/v1/videos/{uuid}/comment-threads"))
        .await;
    t["data"].as_array().cloned().unwrap_or_default()
}

both!(three_instances, |db| async move {
    // A follows back whoever follows it; C's admin approves each instance follow by hand.
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut all = FEDERATION.to_vec();
        all.extend_from_slice(extra);
        all
    };
    let mut a = Instance::start(db, &with(&[("RUCHE_FEDERATION_AUTO_FOLLOW_BACK", "true")])).await;
    let b = Instance::start(db, FEDERATION).await;
    let c = Instance::start(db, &with(&[("RUCHE_FEDERATION_AUTO_ACCEPT", "false")])).await;
    let logs = vec![
        a.stderr_log.clone(),
        b.stderr_log.clone(),
        c.stderr_log.clone(),
    ];
    let (ta, tb, tc) = (
        a.root_token().await,
        b.root_token().await,
        c.root_token().await,
    );

    // A video A published before anyone followed it.
    let dir = tempfile::tempdir().unwrap();
    let clip = ruche_testkit::small_clip(dir.path());
    let (status, early) = a.upload(&ta, &clip, 1, "Déjà là").await;
    assert_eq!(status, 200, "{early}");
    let early_short = early["video"]["shortUUID"].as_str().unwrap().to_string();
    let early_uuid = a.wait_transcoded(&ta, &early_short, 2).await["uuid"]
        .as_str()
        .unwrap()
        .to_string();

    // B's admin follows A's instance; A accepts (automatically, its default).
    let (status, body) = b
        .api()
        .with(&tb)
        .post_json("/api/v1/server/following", json!({ "hosts": [a.host()] }))
        .await;
    assert_eq!(status, 204, "{body}");
    eventually(&logs, "A's Accept reaches B", 20, || async {
        let (_, f) = b.api().get_json("/api/v1/server/following").await;
        (f["data"][0]["state"] == "accepted").then_some(())
    })
    .await;
    let (_, followers) = a.api().get_json("/api/v1/server/followers").await;
    assert_eq!(followers["total"], 1);
    assert_eq!(followers["data"][0]["follower"]["host"], b.host().as_str());
    // A follows B back, and B accepts.
    eventually(&logs, "A follows B back", 20, || async {
        let (_, f) = a.api().get_json("/api/v1/server/following").await;
        (f["data"][0]["following"]["host"] == b.host().as_str()
            && f["data"][0]["state"] == "accepted")
            .then_some(())
    })
    .await;

    // A user of C subscribes to A's channel.
    let (carol, _) = c.user(&tc, "carol", -1).await;
    let (status, body) = c
        .api()
        .with(&carol)
        .post_json(
            "/api/v1/users/me/subscriptions",
            json!({ "uri": format!("root_channel@{}", a.host()) }),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    eventually(&logs, "A records C's follow of its channel", 20, || async {
        let (_, doc) = ap_get(&format!("{}/video-channels/root_channel/followers", a.url)).await;
        (doc["totalItems"] == 1).then_some(())
    })
    .await;

    // What A published before is read from its outboxes by its new followers.
    eventually(
        &logs,
        "B reads A's earlier video from A's outbox",
        30,
        || video_on(&b, &early_uuid),
    )
    .await;
    eventually(&logs, "C reads it from the channel's outbox", 30, || {
        video_on(&c, &early_uuid)
    })
    .await;

    // A video uploaded on A reaches B (an instance follower) and C (a channel follower).
    let (status, up) = a.upload(&ta, &clip, 1, "Une vidéo fédérée").await;
    assert_eq!(status, 200, "{up}");
    let short = up["video"]["shortUUID"].as_str().unwrap().to_string();
    let on_a = a.wait_transcoded(&ta, &short, 2).await;
    let uuid = on_a["uuid"].as_str().unwrap().to_string();
    let seen_b = eventually(&logs, "the video reaches B", 30, || video_on(&b, &uuid)).await;
    let seen_c = eventually(&logs, "the video reaches C", 30, || video_on(&c, &uuid)).await;
    for (seen, who) in [(&seen_b, "B"), (&seen_c, "C")] {
        assert_eq!(seen["name"], "Une vidéo fédérée", "{who}");
        assert_eq!(seen["isLocal"], false, "{who}");
        assert_eq!(seen["channel"]["host"], a.host().as_str(), "{who}");
        assert_eq!(seen["account"]["host"], a.host().as_str(), "{who}");
        assert_eq!(
            seen["url"],
            format!("{}/videos/watch/{uuid}", a.url),
            "{who}"
        );
        // It plays from A: the playlist is A's, and A serves it.
        let master = seen["streamingPlaylists"][0]["playlistUrl"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            master.starts_with(&format!("{}/static/streaming-playlists/hls/{uuid}/", a.url)),
            "{who}: {seen}"
        );
        let r = a.http.get(&master).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().starts_with("#EXTM3U"));
    }
    // B follows A's instance only: what makes the video visible on a PeerTube in B's place is
    // the Announce of A's instance actor, which B keeps as a share. Every share A lists answers
    // at its id (PeerTube reads them all).
    let (_, shares) = ap_get(&format!("{}/videos/watch/{uuid}/announces?page=1", a.url)).await;
    let ids: Vec<String> = shares["orderedItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 2, "the channel's and the instance's: {shares}");
    for id in &ids {
        let (status, share) = ap_get(id).await;
        assert_eq!(status, 200, "{id}");
        assert_eq!(share["type"], "Announce");
        assert_eq!(share["id"], id.as_str());
    }
    assert!(
        ids.iter().any(|id| id.ends_with("/announces/0")),
        "the instance's Announce: {ids:?}"
    );
    // A's channel gets an avatar, a banner and a new name: B (which follows A's instance) and C
    // (which follows the channel) hear of it by an Update of the Group, and show the pictures
    // from their own copies.
    let avatar = ruche_testkit::picture(dir.path(), "avatar.png", 700, 500);
    let banner = ruche_testkit::picture(dir.path(), "banner.jpg", 1000, 400);
    let pick = |path: &str, field: &'static str, file: std::path::PathBuf| {
        let url = format!("{}{path}", a.url);
        let (http, ta) = (a.http.clone(), ta.clone());
        async move {
            let bytes = std::fs::read(&file).unwrap();
            let form = reqwest::multipart::Form::new().part(
                field,
                reqwest::multipart::Part::bytes(bytes).file_name("picture"),
            );
            let r = http
                .post(url)
                .bearer_auth(ta)
                .multipart(form)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, picked) = pick(
        "/api/v1/video-channels/root_channel/avatar/pick",
        "avatarfile",
        avatar.clone(),
    )
    .await;
    assert_eq!(status, 200, "{picked}");
    let sizes: Vec<i64> = picked["avatars"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["width"].as_i64().unwrap())
        .collect();
    assert_eq!(
        sizes,
        [600, 120, 48],
        "no size wider than the picture but the smallest"
    );
    let (status, picked) = pick(
        "/api/v1/video-channels/root_channel/banner/pick",
        "bannerfile",
        banner,
    )
    .await;
    assert_eq!(status, 200, "{picked}");
    assert_eq!(picked["banners"][0]["width"], 600);
    // Not a picture: refused, and nothing changes.
    let (status, refused) = pick("/api/v1/users/me/avatar/pick", "avatarfile", clip.clone()).await;
    assert_eq!(status, 400, "{refused}");
    let (_, me) = a.api().with(&ta).get_json("/api/v1/users/me").await;
    assert_eq!(me["account"]["avatars"], json!([]));
    let (status, _) = a
        .api()
        .with(&ta)
        .put_json(
            "/api/v1/video-channels/root_channel",
            json!({ "displayName": "Les films de root" }),
        )
        .await;
    assert_eq!(status, 204);
    let handle = format!("/api/v1/video-channels/root_channel@{}", a.host());
    for (i, who) in [(&b, "B"), (&c, "C")] {
        let ch = eventually(
            &logs,
            &format!("{who} hears of the channel's new face"),
            30,
            || async {
                let (_, ch) = i.api().get_json(&handle).await;
                (ch["displayName"] == "Les films de root"
                    && ch["avatars"].as_array().is_some_and(|l| l.len() == 3)
                    && ch["banners"].as_array().is_some_and(|l| !l.is_empty()))
                .then_some(ch)
            },
        )
        .await;
        // Served by B and C themselves, copied once from A and re-encoded.
        for p in [&ch["avatars"][1], &ch["banners"][0]] {
            let path = p["path"].as_str().unwrap();
            assert!(
                path.starts_with("/lazy-static/") && path.contains("/remote-"),
                "{who}: {p}"
            );
            assert_eq!(p["fileUrl"], format!("{}{path}", i.url), "{who}");
            let r = i.http.get(format!("{}{path}", i.url)).send().await.unwrap();
            assert_eq!(r.status(), 200, "{who}: {path}");
            assert_eq!(r.headers()["content-type"], "image/webp", "{who}");
            let body = r.bytes().await.unwrap();
            assert_eq!(&body[8..12], b"WEBP", "{who}");
        }
        let page = i
            .page(&i.http, &format!("/c/root_channel@{}", a.host()))
            .await;
        assert!(
            page.contains("/lazy-static/avatars/remote-c"),
            "{who}'s channel page shows it"
        );
    }
    // A's own pages show it too, and removing it tells the others.
    let page = a.page(&a.http, "/c/root_channel").await;
    assert!(page.contains("/lazy-static/avatars/"), "A's channel page");
    let (status, _) = a
        .api()
        .with(&ta)
        .delete("/api/v1/video-channels/root_channel/banner")
        .await;
    assert_eq!(status, 204);
    eventually(&logs, "B hears the banner is gone", 30, || async {
        let (_, ch) = b.api().get_json(&handle).await;
        (ch["banners"] == json!([]) && ch["avatars"].as_array().is_some_and(|l| l.len() == 3))
            .then_some(())
    })
    .await;

    // A channel deleted on A is deleted where it is followed: its Delete, signed by the channel
    // with the key it keeps for that, reaches C.
    let (status, body) = a
        .api()
        .with(&ta)
        .post_json(
            "/api/v1/video-channels",
            json!({ "name": "second", "displayName": "Second" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = c
        .api()
        .with(&carol)
        .post_json(
            "/api/v1/users/me/subscriptions",
            json!({ "uri": format!("second@{}", a.host()) }),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let second = format!("/api/v1/video-channels/second@{}", a.host());
    assert_eq!(c.api().get_json(&second).await.0, 200);
    eventually(
        &logs,
        "A records C's follow of the second channel",
        20,
        || async {
            let (_, doc) = ap_get(&format!("{}/video-channels/second/followers", a.url)).await;
            (doc["totalItems"] == 1).then_some(())
        },
    )
    .await;
    let (status, _) = a
        .api()
        .with(&ta)
        .delete("/api/v1/video-channels/second")
        .await;
    assert_eq!(status, 204);
    eventually(&logs, "C hears the channel is gone", 30, || async {
        (c.api().get_json(&second).await.0 == 404).then_some(())
    })
    .await;
    let (status, _) = a
        .api()
        .with(&ta)
        .delete("/api/v1/video-channels/root_channel")
        .await;
    assert_eq!(status, 409, "the last channel stays");

    // B lists it among other instances' videos, not its own; and its page plays A's playlist.
    let (_, remote_list) = b.api().get_json("/api/v1/videos?isLocal=false").await;
    assert_eq!(remote_list["total"], 2);
    let (_, local_list) = b.api().get_json("/api/v1/videos?isLocal=true").await;
    assert_eq!(local_list["total"], 0);
    let page = b.page(&b.http, &format!("/w/{short}")).await;
    assert!(page.contains("Une vidéo fédérée"));
    assert!(
        page.contains(&format!("{}/static/streaming-playlists/hls/{uuid}/", a.url)),
        "B's watch page plays from A"
    );
    let home = b.page(&b.http, "/").await;
    assert!(home.contains("Une vidéo fédérée"), "B's home lists it");
    let federated = b.page(&b.http, "/?scope=federated").await;
    assert!(
        federated.contains("Une vidéo fédérée"),
        "in the other instances' tab"
    );
    let local = b.page(&b.http, "/?scope=local").await;
    assert!(
        !local.contains("Une vidéo fédérée"),
        "not in this instance's tab"
    );
    // Its thumbnail is served by B (fetched once from A): browsers never ask A for pictures.
    // A makes thumbnails after publishing, and tells B with an Update.
    let thumb = eventually(
        &logs,
        "the Update with the thumbnail reaches B",
        30,
        || async {
            video_on(&b, &uuid).await?["thumbnailPath"]
                .as_str()
                .map(str::to_string)
        },
    )
    .await;
    assert!(thumb.starts_with("/lazy-static/thumbnails/"), "{thumb}");
    let r = b
        .http
        .get(format!("{}{thumb}", b.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap().starts_with(&[0xFF, 0xD8]));

    // A comment posted on B reaches A, and through A, C.
    let (bob, _) = b.user(&tb, "bob", -1).await;
    let (status, posted) = b
        .api()
        .with(&bob)
        .post_json(
            &format!("/api/v1/videos/{uuid}/comment-threads"),
            json!({ "text": "Bravo depuis B" }),
        )
        .await;
    assert_eq!(status, 200, "{posted}");
    for (inst, who) in [(&a, "A"), (&c, "C")] {
        let t = eventually(&logs, &format!("B's comment reaches {who}"), 30, || async {
            threads_on(inst, &uuid)
                .await
                .into_iter()
                .find(|t| t["text"] == "Bravo depuis B")
        })
        .await;
        assert_eq!(t["account"]["name"], "bob", "{who}");
        assert_eq!(t["account"]["host"], b.host().as_str(), "{who}");
    }
    // A reply on A goes back to B, in the same thread.
    let on_a_thread = threads_on(&a, &uuid)
        .await
        .into_iter()
        .find(|t| t["text"] == "Bravo depuis B")
        .unwrap();
    let (status, _) = a
        .api()
        .with(&ta)
        .post_json(
            &format!("/api/v1/videos/{uuid}/comments/{}", on_a_thread["id"]),
            json!({ "text": "Merci B !" }),
        )
        .await;
    assert_eq!(status, 200);
    let b_thread = threads_on(&b, &uuid)
        .await
        .into_iter()
        .find(|t| t["text"] == "Bravo depuis B")
        .unwrap();
    eventually(&logs, "A's reply reaches B in the thread", 30, || async {
        let (_, tree) = b
            .api()
            .get_json(&format!(
                "/api/v1/videos/{uuid}/comment-threads/{}",
                b_thread["id"]
            ))
            .await;
        tree["children"].as_array().and_then(|ch| {
            ch.iter()
                .find(|c| c["comment"]["text"] == "Merci B !")
                .cloned()
        })
    })
    .await;

    // The watch pages show the thread under the video, wherever its comments were written; a
    // reply written in B's page (no script) reaches A.
    for (inst, who) in [(&a, "A"), (&b, "B")] {
        let page = inst.page(&inst.http, &format!("/w/{short}")).await;
        assert!(
            page.contains("Bravo depuis B") && page.contains("Merci B !"),
            "{who}: the thread is drawn"
        );
        assert!(
            page.contains(&format!("bob@{}", b.host())),
            "{who}: its author"
        );
    }
    let (browser, csrf) = b.browser_login("bob", "secret-pass").await;
    let parent = b_thread["id"].to_string();
    let r = browser
        .post(format!("{}/w/{short}/comments", b.url))
        .form(&[
            ("csrf", csrf.as_str()),
            ("text", "Depuis la page"),
            ("parent", &parent),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    eventually(
        &logs,
        "the reply written in B's page reaches A's page",
        30,
        || async {
            let page = a.page(&a.http, &format!("/w/{short}")).await;
            page.contains("Depuis la page").then_some(())
        },
    )
    .await;

    // A like and a view on B count on A, then show on C.
    let (status, _) = b
        .api()
        .with(&bob)
        .put_json(
            &format!("/api/v1/videos/{uuid}/rate"),
            json!({ "rating": "like" }),
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = b
        .api()
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/videos/{uuid}/views"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    eventually(&logs, "the like and the view reach A", 30, || async {
        let v = video_on(&a, &uuid).await?;
        (v["likes"] == 1 && v["views"].as_i64() >= Some(1)).then_some(())
    })
    .await;
    // A's collections list who liked (B's Like) and the comments (B's, A's reply, B's reply from its page).
    let (_, likes) = ap_get(&format!("{}/videos/watch/{uuid}/likes?page=1", a.url)).await;
    let liked_by = likes["orderedItems"][0]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        liked_by.starts_with(&format!("{}/accounts/bob/likes/", b.url)),
        "{likes}"
    );
    let (_, comments) = ap_get(&format!("{}/videos/watch/{uuid}/comments", a.url)).await;
    assert_eq!(
        comments["totalItems"], 3,
        "B's thread, A's reply, B's page reply: {comments}"
    );
    eventually(&logs, "A's new counts reach C", 30, || async {
        let v = video_on(&c, &uuid).await?;
        (v["likes"] == 1 && v["views"].as_i64() >= Some(1)).then_some(())
    })
    .await;

    // A deletes its video: gone from B and C.
    let (status, _) = a
        .api()
        .with(&ta)
        .delete(&format!("/api/v1/videos/{uuid}"))
        .await;
    assert_eq!(status, 204);
    for (inst, who) in [(&b, "B"), (&c, "C")] {
        eventually(
            &logs,
            &format!("the deletion reaches {who}"),
            30,
            || async { video_on(inst, &uuid).await.is_none().then_some(()) },
        )
        .await;
    }

    // B unfollows A: A stops delivering to B.
    let (status, _) = b
        .api()
        .with(&tb)
        .delete(&format!("/api/v1/server/following/{}", a.host()))
        .await;
    assert_eq!(status, 204);
    eventually(&logs, "A drops its follower B", 20, || async {
        let (_, f) = a.api().get_json("/api/v1/server/followers").await;
        (f["total"] == 0).then_some(())
    })
    .await;

    // A second video goes to C only: B unfollowed.
    let (_, up2) = a.upload(&ta, &clip, 1, "Seconde vidéo").await;
    let short2 = up2["video"]["shortUUID"].as_str().unwrap().to_string();
    let on_a2 = a.wait_transcoded(&ta, &short2, 2).await;
    let uuid2 = on_a2["uuid"].as_str().unwrap().to_string();
    eventually(&logs, "the second video reaches C", 30, || {
        video_on(&c, &uuid2)
    })
    .await;
    assert!(
        video_on(&b, &uuid2).await.is_none(),
        "B unfollowed: it gets nothing new"
    );

    // A goes down. C's comment on A's video waits; meanwhile B and C federate unhindered.
    a.kill9();
    let (status, _) = c
        .api()
        .with(&carol)
        .post_json(
            &format!("/api/v1/videos/{uuid2}/comment-threads"),
            json!({ "text": "Écrit pendant la panne" }),
        )
        .await;
    assert_eq!(status, 200);
    // B's admin follows C from the federation page this time, as a person would.
    let (browser, csrf) = b.browser_login("root", &b.password.clone()).await;
    let page = b.page(&browser, "/admin/follows").await;
    assert!(page.contains("action=\"/admin/follows/follow\""), "{page}");
    let r = browser
        .post(format!("{}/admin/follows/follow", b.url))
        .form(&[("csrf", csrf.as_str()), ("target", c.host().as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .contains("notice=followed")
    );
    // C holds the follow for its admin, who accepts it.
    eventually(&logs, "B's follow waits on C", 20, || async {
        let (_, f) = c
            .api()
            .get_json("/api/v1/server/followers?state=pending")
            .await;
        (f["total"] == 1).then_some(())
    })
    .await;
    let (status, body) = c
        .api()
        .with(&tc)
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/server/followers/peertube@{}/accept", b.host()),
            None,
        )
        .await;
    assert_eq!(status, 204, "{body}");
    eventually(
        &logs,
        "C accepts B's follow while A is down",
        20,
        || async {
            let (_, f) = b.api().get_json("/api/v1/server/following").await;
            f["data"]
                .as_array()?
                .iter()
                .find(|f| f["following"]["host"] == c.host().as_str() && f["state"] == "accepted")
                .map(|_| ())
        },
    )
    .await;
    let page = b.page(&browser, "/admin/follows").await;
    assert!(
        page.contains(&format!("peertube@{}", c.host())) && page.contains("Accepted"),
        "{page}"
    );
    // Without its CSRF token, the form is refused.
    let r = browser
        .post(format!("{}/admin/follows/follow", b.url))
        .form(&[("csrf", "nope"), ("target", "elsewhere.example")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // C has tried to deliver its comment to A and failed: it waits for A.
    eventually(
        &logs,
        "C's delivery to A fails while A is down",
        30,
        || async {
            let log = std::fs::read_to_string(&c.stderr_log).unwrap_or_default();
            log.lines()
                .any(|l| l.contains(&format!("delivery to {}/", a.url)) && l.contains("failed"))
                .then_some(())
        },
    )
    .await;
    a.restart();
    eventually(
        &logs,
        "C's comment reaches A once A is back",
        40,
        || async {
            threads_on(&a, &uuid2)
                .await
                .into_iter()
                .find(|t| t["text"] == "Écrit pendant la panne")
                .map(|_| ())
        },
    )
    .await;

    a.stop().await;
    b.stop().await;
    c.stop().await;
});

//! Another instance that means harm, against a real `ruche serve`: documents and activities
//! within every size limit that still try to cost us without end. Profiles of a megabyte of
//! nested lists, outboxes whose pages lead back to themselves, videos attributed to hundreds of
//! actors or listing hundreds of files, reports naming everything, replies to videos it must not
//! know of. Each is cut to PeerTube's bounds or refused, and the server goes on. Two local
//! abuses of federation's costs belong here too: channels without number, and many servers
//! asking at once for a fresh actor whose key is not made yet.
#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_testkit::peer::{Peer, activity, video_doc};
use ruche_testkit::{Instance, both, eventually};
use serde_json::{Value, json};

/// `host:port` of a URL of a test server.
fn host(url: &str) -> String {
    url.trim_start_matches("http://").to_string()
}

/// A Follow of our root account by `actor`.
fn follow(inst: &Instance, actor: &str) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams", "type": "Follow",
        "id": format!("{actor}/follows/root"), "actor": actor,
        "object": format!("{}/accounts/root", inst.url),
    })
}

// A remote profile is drawn (Markdown, then cleaned) on every view of its page: its name,
// description and support text are cut to PeerTube's bounds when read, whatever was sent.
both!(
    remote_profiles_are_cut_to_peertubes_bounds,
    |db| async move {
        let inst = Instance::start(db, &[("RUCHE_FEDERATION_ALLOW_INSECURE", "true")]).await;
        let peer = Peer::start().await;
        let nested = "<ul><li>".repeat(40_000);
        let alice = peer.actor(
            "/accounts/alice",
            "Person",
            "alice",
            json!({ "name": "Å".repeat(5000), "summary": nested }),
        );
        let channel = peer.actor(
            "/video-channels/alice_ch",
            "Group",
            "alice_ch",
            json!({
                "name": "C".repeat(5000), "summary": nested, "support": nested,
                "attributedTo": [{ "type": "Person", "id": alice }],
            }),
        );
        // Their follows make us read them.
        let inbox = format!("{}/inbox", inst.url);
        for who in [&alice, &channel] {
            let (status, body) = peer.send(who, &inbox, &follow(&inst, who)).await;
            assert_eq!(status, 204, "{body}");
        }
        let at = host(&peer.base);
        let (status, a) = inst
            .get_json("", &format!("/api/v1/accounts/alice@{at}"))
            .await;
        assert_eq!(status, 200, "{a}");
        let chars = |v: &Value| v.as_str().unwrap_or_default().chars().count();
        assert_eq!(chars(&a["displayName"]), 120, "{}", a["displayName"]);
        assert_eq!(chars(&a["description"]), 1000);
        let (status, c) = inst
            .get_json("", &format!("/api/v1/video-channels/alice_ch@{at}"))
            .await;
        assert_eq!(status, 200, "{c}");
        assert_eq!(chars(&c["displayName"]), 120);
        assert_eq!(chars(&c["description"]), 1000);
        assert_eq!(chars(&c["support"]), 1000);
        // Their pages are drawn from what was kept.
        for path in [format!("/a/alice@{at}"), format!("/c/alice_ch@{at}")] {
            assert_eq!(inst.api().status(&path).await, 200, "{path}");
        }
        inst.stop().await;
    }
);

// An outbox read when its instance accepts our follow ends after a few pages, whatever its
// pages say: here eight pages of one item each, the last leading to an empty page that leads
// to itself, which kept a federation worker fetching for ever.
both!(an_outbox_crawl_ends_after_a_few_pages, |db| async move {
    let inst = Instance::start(db, &[("RUCHE_FEDERATION_ALLOW_INSECURE", "true")]).await;
    let token = inst.root_token().await;
    let peer = Peer::start().await;
    let base = peer.base.clone();
    let server = peer.actor(
        "/accounts/peertube",
        "Application",
        "peertube",
        json!({ "outbox": format!("{base}/accounts/peertube/outbox") }),
    );
    peer.put_json(
        "/.well-known/nodeinfo",
        &json!({ "links": [{
            "rel": "https://www.w3.org/ns/activitystreams#Application", "href": server,
        }] }),
    );
    let page = |n: usize| format!("{base}/accounts/peertube/outbox/page/{n}");
    peer.put_json(
        "/accounts/peertube/outbox",
        &json!({
            "@context": "https://www.w3.org/ns/activitystreams", "type": "OrderedCollection",
            "id": format!("{base}/accounts/peertube/outbox"), "totalItems": 8, "first": page(1),
        }),
    );
    for n in 1..=9 {
        // Shares of videos its instance no longer has: each costs a fetch, and is skipped.
        let items: Vec<Value> = if n < 9 {
            vec![json!({
                "type": "Announce", "id": format!("{server}/announces/{n}"), "actor": server,
                "object": format!("{base}/videos/watch/00000000-0000-4000-8000-00000000000{n}"),
            })]
        } else {
            vec![]
        };
        peer.put_json(
            &format!("/accounts/peertube/outbox/page/{n}"),
            &json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "type": "OrderedCollectionPage", "id": page(n), "partOf": format!("{base}/accounts/peertube/outbox"),
                "orderedItems": items, "next": page((n + 1).min(9)),
            }),
        );
    }
    let res = inst
        .http
        .post(format!("{}/api/v1/server/following", inst.url))
        .bearer_auth(&token)
        .json(&json!({ "hosts": [host(&base)] }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        204,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let logs = [inst.stderr_log.clone()];
    let follow = eventually(&logs, "our Follow reaches the peer", 30, || async {
        peer.received()
            .into_iter()
            .find(|a| a["type"] == "Follow" && a["object"] == server.as_str())
    })
    .await;
    let accept = json!({
        "@context": "https://www.w3.org/ns/activitystreams", "type": "Accept",
        "id": format!("{server}/accepts/1"), "actor": server, "object": follow,
    });
    let (status, body) = peer
        .send(&server, &format!("{}/inbox", inst.url), &accept)
        .await;
    assert_eq!(status, 204, "{body}");
    eventually(&logs, "the crawl reads the outbox", 30, || async {
        (peer.gets("/accounts/peertube/outbox/page/1") > 0).then_some(())
    })
    .await;
    inst.settled(&token, "crawl-outbox").await;
    for n in 1..=5 {
        assert!(peer.gets(&format!("/accounts/peertube/outbox/page/{n}")) > 0);
    }
    for n in 6..=9 {
        assert_eq!(peer.gets(&format!("/accounts/peertube/outbox/page/{n}")), 0);
    }
    inst.stop().await;
});

// A video attributed to dozens of actors costs a fetch for a few at most (its channel first, as
// PeerTube reads it), and of hundreds of files listed, a few are kept: what is kept is read
// again for every card that shows the video.
both!(remote_videos_are_read_within_bounds, |db| async move {
    let inst = Instance::start(db, &[("RUCHE_FEDERATION_ALLOW_INSECURE", "true")]).await;
    let token = inst.root_token().await;
    let peer = Peer::start().await;
    let base = peer.base.clone();
    let alice = peer.actor("/accounts/alice", "Person", "alice", json!({}));
    let channel = peer.actor(
        "/video-channels/alice_ch",
        "Group",
        "alice_ch",
        json!({ "attributedTo": [{ "type": "Person", "id": alice }] }),
    );
    // Thirty more people of the same instance, each a document to fetch.
    let mut attributed: Vec<Value> = Vec::new();
    for n in 0..30 {
        let id = format!("{base}/accounts/p{n}");
        peer.put_json(
            &format!("/accounts/p{n}"),
            &json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": id, "type": "Person", "preferredUsername": format!("p{n}"),
                "inbox": format!("{id}/inbox"),
            }),
        );
        attributed.push(json!(id));
    }
    attributed.push(json!({ "type": "Person", "id": alice }));
    attributed.push(json!({ "type": "Group", "id": channel }));
    let uuid = "4c1d5e7a-2b3f-4a6d-8e9f-0a1b2c3d4e5f";
    let files: Vec<Value> = (1..=300)
        .map(|n| {
            json!({
                "type": "Link", "mediaType": "video/mp4", "height": n, "width": n, "size": 1000,
                "fps": 25, "href": format!("{base}/static/hls/{uuid}-{n}-fragmented.mp4"),
            })
        })
        .collect();
    let playlist = json!({
        "type": "Link", "mediaType": "application/x-mpegURL",
        "href": format!("{base}/static/hls/{uuid}/master.m3u8"), "tag": files,
    });
    let mut doc = video_doc(
        &base,
        uuid,
        "Trop de tout",
        (&alice, &channel),
        vec![playlist],
        &format!("{base}/t.jpg"),
    );
    doc["attributedTo"] = Value::Array(attributed);
    peer.put_json(&format!("/videos/watch/{uuid}"), &doc);
    let id = format!("{base}/videos/watch/{uuid}");
    let (status, body) = peer
        .send(
            &alice,
            &format!("{}/inbox", inst.url),
            &activity("Create", &format!("{id}/activity"), &alice, doc),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    inst.settled(&token, "inbox").await;
    let (status, v) = inst
        .get_json(&token, &format!("/api/v1/videos/{uuid}"))
        .await;
    assert_eq!(status, 200, "the video is kept: {v}\n{}", inst.log());
    let kept = v["streamingPlaylists"][0]["files"]
        .as_array()
        .unwrap()
        .len();
    assert!((1..=16).contains(&kept), "{kept} files kept");
    let fetched: usize = (0..30).map(|n| peer.gets(&format!("/accounts/p{n}"))).sum();
    assert!(
        fetched <= 3,
        "{fetched} of the people it names were fetched"
    );
    inst.stop().await;
});

// Replies from other instances go under public and unlisted published videos only: a private
// video's existence and threads are not theirs, even through a chain of replies.
both!(replies_to_hidden_videos_are_refused, |db| async move {
    let inst = Instance::start(db, &[("RUCHE_FEDERATION_ALLOW_INSECURE", "true")]).await;
    let token = inst.root_token().await;
    let dir = tempfile::tempdir().unwrap();
    let clip = ruche_testkit::small_clip(dir.path());
    let mut uuids = Vec::new();
    for (name, privacy) in [("Privée", "3"), ("Publique", "1")] {
        let (status, up) = inst
            .upload_with(&token, &clip, 1, name, &[("privacy", privacy)])
            .await;
        assert_eq!(status, 200, "{up}");
        let short = up["video"]["shortUUID"].as_str().unwrap().to_string();
        let v = inst.wait_transcoded(&token, &short, 2).await;
        uuids.push(v["uuid"].as_str().unwrap().to_string());
    }
    let (private, public) = (&uuids[0], &uuids[1]);
    let peer = Peer::start().await;
    let alice = peer.actor("/accounts/alice", "Person", "alice", json!({}));
    let note = |n: &str, up: &str| {
        json!({
            "id": format!("{alice}/notes/{n}"), "type": "Note", "attributedTo": alice,
            "inReplyTo": up, "content": format!("note {n}"), "mediaType": "text/markdown",
            "published": "2026-12-01T10:00:00.000Z",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        })
    };
    let watch = |uuid: &str| format!("{}/videos/watch/{uuid}", inst.url);
    // A note of hers under the private video, known only at her instance.
    peer.put_json("/accounts/alice/notes/b", &note("b", &watch(private)));
    let inbox = format!("{}/inbox", inst.url);
    for (n, up) in [
        ("a", watch(private)),
        ("c", format!("{alice}/notes/b")),
        ("d", watch(public)),
    ] {
        let create = activity(
            "Create",
            &format!("{alice}/notes/{n}/activity"),
            &alice,
            note(n, &up),
        );
        let (status, body) = peer.send(&alice, &inbox, &create).await;
        assert_eq!(status, 204, "{body}");
    }
    inst.settled(&token, "inbox").await;
    let texts = |uuid: String| {
        let (inst, token) = (&inst, &token);
        async move {
            let (status, t) = inst
                .get_json(token, &format!("/api/v1/videos/{uuid}/comment-threads"))
                .await;
            assert_eq!(status, 200, "{t}");
            t["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["text"].as_str().unwrap_or_default().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(texts(private.clone()).await, Vec::<String>::new());
    assert_eq!(texts(public.clone()).await, ["note d"]);
    inst.stop().await;
});

// A report naming fifty things costs what a report naming ten does.
both!(a_report_names_a_few_things, |db| async move {
    let inst = Instance::start(db, &[("RUCHE_FEDERATION_ALLOW_INSECURE", "true")]).await;
    let token = inst.root_token().await;
    let dir = tempfile::tempdir().unwrap();
    let clip = ruche_testkit::small_clip(dir.path());
    let (_, up) = inst.upload(&token, &clip, 1, "Signalée").await;
    let short = up["video"]["shortUUID"].as_str().unwrap().to_string();
    let uuid = inst.wait_transcoded(&token, &short, 2).await["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let res = inst
        .http
        .post(format!("{}/api/v1/videos/{uuid}/comment-threads", inst.url))
        .bearer_auth(&token)
        .json(&json!({ "text": "un commentaire" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let comment = res.json::<Value>().await.unwrap()["comment"]["id"]
        .as_i64()
        .unwrap();
    let peer = Peer::start().await;
    let mallory = peer.actor("/accounts/mallory", "Person", "mallory", json!({}));
    // Fifty ways of naming the comment (what follows its id is not read).
    let targets: Vec<String> = (0..50)
        .map(|n| format!("{}/videos/watch/{uuid}/comments/{comment}/{n}", inst.url))
        .collect();
    let flag = json!({
        "@context": "https://www.w3.org/ns/activitystreams", "type": "Flag",
        "id": format!("{mallory}/flags/1"), "actor": mallory, "object": targets,
        "content": "tout",
    });
    let (status, body) = peer
        .send(&mallory, &format!("{}/inbox", inst.url), &flag)
        .await;
    assert_eq!(status, 204, "{body}");
    inst.settled(&token, "inbox").await;
    let kept = inst
        .log()
        .matches(&format!("report from {mallory} about"))
        .count();
    assert!((1..=10).contains(&kept), "{kept} targets of one report");
    let (_, reports) = inst.get_json(&token, "/api/v1/abuses").await;
    assert_eq!(reports["total"].as_i64(), Some(kept as i64), "{reports}");
    inst.stop().await;
});

// A user has at most PeerTube's twenty channels (each an actor with its key and followers).
both!(a_user_has_at_most_twenty_channels, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let root = inst.root_token().await;
    let (alice, _) = inst.user(&root, "alice", -1).await;
    let create = |n: usize| {
        let (inst, alice) = (&inst, &alice);
        async move {
            let res = inst
                .http
                .post(format!("{}/api/v1/video-channels", inst.url))
                .bearer_auth(alice)
                .json(&json!({ "name": format!("alice_ch{n}"), "displayName": format!("Chaîne {n}") }))
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap_or_default())
        }
    };
    // Her first channel came with her account.
    for n in 2..=20 {
        let (status, body) = create(n).await;
        assert_eq!(status, 200, "channel {n}: {body}");
    }
    let (status, body) = create(21).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("more than 20 channels"), "{body}");
    let (_, me) = inst.get_json(&alice, "/api/v1/users/me").await;
    assert_eq!(me["videoChannels"].as_array().unwrap().len(), 20);
    inst.stop().await;
});

// Many servers asking at once for a new channel's actor make its key once: the others wait for
// it rather than each making one of their own.
both!(a_fresh_actor_key_is_made_once, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let root = inst.root_token().await;
    let res = inst
        .http
        .post(format!("{}/api/v1/video-channels", inst.url))
        .bearer_auth(&root)
        .json(&json!({ "name": "toute_neuve", "displayName": "Toute neuve" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let id = res.json::<Value>().await.unwrap()["videoChannel"]["id"]
        .as_i64()
        .unwrap();
    let url = format!("{}/video-channels/toute_neuve", inst.url);
    let asks: Vec<_> = (0..16)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { ruche_testkit::ap_get(&url).await })
        })
        .collect();
    let mut keys = Vec::new();
    for a in asks {
        let (status, doc) = a.await.unwrap();
        assert_eq!(status, 200, "{doc}");
        keys.push(
            doc["publicKey"]["publicKeyPem"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    keys.dedup();
    assert_eq!(keys.len(), 1, "one key for all");
    let made = inst
        .log()
        .lines()
        .filter(|l| {
            l.trim_end()
                .ends_with(&format!("making the key pair of channel {id}"))
        })
        .count();
    assert_eq!(made, 1, "{}", inst.log());
    inst.stop().await;
});

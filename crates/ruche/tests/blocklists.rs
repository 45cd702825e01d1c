//! Blocklists between two real instances, on SQLite and PostgreSQL: a user mutes an account
//! and an instance (hidden from them, and under their own videos from everyone); the instance
//! blocks an instance (hidden from everyone, follows removed both ways, its activities refused
//! at the inbox before any signature check); PeerTube's routes, shapes and refusals; the status
//! route; a plain list of hosts imported whole or not at all.
#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_testkit::peer::{Peer, activity};
use ruche_testkit::{Instance, both, eventually};
use serde_json::{Value, json};

use ruche_testkit::FEDERATION;

/// The names of the videos `token` (empty: anonymous) finds listed on `i`.
async fn listed(i: &Instance, token: &str) -> Vec<String> {
    let api = if token.is_empty() {
        i.api()
    } else {
        i.api().with(token)
    };
    let (status, l) = api.get_json("/api/v1/videos?count=50").await;
    assert_eq!(status, 200, "{l}");
    l["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_string())
        .collect()
}

/// The texts of the comments `token` (empty: anonymous) sees under `uuid` on `i`.
async fn texts(i: &Instance, token: &str, uuid: &str) -> Vec<String> {
    let api = if token.is_empty() {
        i.api()
    } else {
        i.api().with(token)
    };
    let (_, t) = api
        .get_json(&format!("/api/v1/videos/{uuid}/comment-threads"))
        .await;
    t["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap().to_string())
        .collect()
}

both!(mutes_and_instance_blocks, |db| async move {
    let a = Instance::start(db, FEDERATION).await;
    let b = Instance::start(db, FEDERATION).await;
    let logs = vec![a.stderr_log.clone(), b.stderr_log.clone()];
    let (ta, tb) = (a.root_token().await, b.root_token().await);
    a.follow_instance(&ta, &b).await;
    b.follow_instance(&tb, &a).await;
    let (_, ours) = a.publish(&ta, "Vidéo de A").await;
    let (_, theirs) = b.publish(&tb, "Vidéo de B").await;
    eventually(&logs, "B's video is listed on A", 30, || async {
        listed(&a, "")
            .await
            .contains(&"Vidéo de B".to_string())
            .then_some(())
    })
    .await;
    let (bob, _) = b.user(&tb, "bob", -1).await;
    eventually(&logs, "A's video reaches B", 30, || async {
        (b.api().get_json(&format!("/api/v1/videos/{ours}")).await.0 == 200).then_some(())
    })
    .await;
    let (status, _) = b
        .api()
        .with(&bob)
        .post_json(
            &format!("/api/v1/videos/{ours}/comment-threads"),
            json!({ "text": "Bob de B" }),
        )
        .await;
    assert_eq!(status, 200);
    eventually(&logs, "bob's comment reaches A", 30, || async {
        texts(&a, "", &ours)
            .await
            .contains(&"Bob de B".to_string())
            .then_some(())
    })
    .await;
    let (sam, _) = a.user(&ta, "sam", -1).await;
    let as_sam = a.api().with(&sam);
    let bob_handle = format!("bob@{}", b.host());

    // A user's mute: hidden from them only.
    let (status, why) = as_sam
        .post_json(
            "/api/v1/users/me/blocklist/accounts",
            json!({ "accountName": bob_handle }),
        )
        .await;
    assert_eq!(status, 204, "{why}");
    assert!(
        !texts(&a, &sam, &ours)
            .await
            .contains(&"Bob de B".to_string())
    );
    assert!(texts(&a, "", &ours).await.contains(&"Bob de B".to_string()));
    let (_, mine) = as_sam.get_json("/api/v1/users/me/blocklist/accounts").await;
    assert_eq!(mine["total"], 1, "{mine}");
    assert_eq!(mine["data"][0]["blockedAccount"]["name"], "bob");
    assert_eq!(mine["data"][0]["byAccount"]["name"], "sam");
    let (status, _) = as_sam
        .post_json(
            "/api/v1/users/me/blocklist/servers",
            json!({ "host": b.host() }),
        )
        .await;
    assert_eq!(status, 204);
    assert!(!listed(&a, &sam).await.contains(&"Vidéo de B".to_string()));
    assert!(listed(&a, "").await.contains(&"Vidéo de B".to_string()));
    let (_, st) = as_sam
        .get_json(&format!(
            "/api/v1/blocklist/status?accounts={bob_handle}&hosts={}",
            b.host()
        ))
        .await;
    assert_eq!(
        st["accounts"][&bob_handle],
        json!({ "blockedByServer": false, "blockedByUser": true })
    );
    assert_eq!(st["hosts"][&b.host()]["blockedByUser"], true, "{st}");
    assert_eq!(
        as_sam
            .delete(&format!("/api/v1/users/me/blocklist/servers/{}", b.host()))
            .await
            .0,
        204
    );
    assert!(listed(&a, &sam).await.contains(&"Vidéo de B".to_string()));
    // The video's owner muting bob keeps bob out of the owner's threads for everyone.
    let root = a.api().with(&ta);
    assert_eq!(
        root.post_json(
            "/api/v1/users/me/blocklist/accounts",
            json!({ "accountName": bob_handle })
        )
        .await
        .0,
        204
    );
    assert!(!texts(&a, "", &ours).await.contains(&"Bob de B".to_string()));
    assert_eq!(
        root.delete(&format!("/api/v1/users/me/blocklist/accounts/{bob_handle}"))
            .await
            .0,
        204
    );
    assert!(texts(&a, "", &ours).await.contains(&"Bob de B".to_string()));

    // A moderator may still ask for what is blocked or muted (`include` 4).
    let hosts = "/api/v1/users/me/blocklist/servers";
    assert_eq!(
        root.post_json(hosts, json!({ "host": b.host() })).await.0,
        204
    );
    assert!(!listed(&a, &ta).await.contains(&"Vidéo de B".to_string()));
    let (_, all) = root.get_json("/api/v1/videos?include=4&count=50").await;
    let names: Vec<&str> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Vidéo de B"), "{names:?}");
    assert_eq!(as_sam.get_json("/api/v1/videos?include=4").await.0, 403);
    assert_eq!(root.delete(&format!("{hosts}/{}", b.host())).await.0, 204);

    // Refusals.
    for (path, body, want) in [
        (
            "/api/v1/users/me/blocklist/accounts",
            json!({ "accountName": "sam" }),
            409,
        ),
        (
            "/api/v1/users/me/blocklist/accounts",
            json!({ "accountName": "nobody@nowhere.example" }),
            404,
        ),
        ("/api/v1/users/me/blocklist/accounts", json!({}), 400),
        (
            "/api/v1/users/me/blocklist/servers",
            json!({ "host": "not a host" }),
            400,
        ),
        (
            "/api/v1/users/me/blocklist/servers",
            json!({ "host": a.host() }),
            409,
        ),
        (
            "/api/v1/server/blocklist/servers",
            json!({ "host": "x.example" }),
            403,
        ),
    ] {
        let (status, why) = as_sam.post_json(path, body.clone()).await;
        assert_eq!(status, want, "{path} {body}: {why}");
    }
    assert_eq!(
        as_sam
            .delete("/api/v1/users/me/blocklist/servers/never.example")
            .await
            .0,
        404
    );
    assert_eq!(
        a.api()
            .post_json(
                "/api/v1/users/me/blocklist/servers",
                json!({ "host": "x.example" })
            )
            .await
            .0,
        401
    );

    // The instance blocks B: B's video and comments go from everyone's view, the follows
    // between A and B go both ways.
    let (status, why) = root
        .post_json(
            "/api/v1/server/blocklist/servers",
            json!({ "host": b.host() }),
        )
        .await;
    assert_eq!(status, 204, "{why}");
    assert!(!listed(&a, "").await.contains(&"Vidéo de B".to_string()));
    assert!(!texts(&a, "", &ours).await.contains(&"Bob de B".to_string()));
    let (_, found) = a
        .api()
        .get_json("/api/v1/search/videos?search=Vid%C3%A9o%20de%20B")
        .await;
    assert_eq!(found["total"], 0, "{found}");
    let (_, following) = root.get_json("/api/v1/server/following").await;
    assert_eq!(following["total"], 0, "{following}");
    let (_, followers) = root.get_json("/api/v1/server/followers").await;
    assert_eq!(followers["total"], 0, "{followers}");
    // Still reachable by its id, as in PeerTube.
    assert_eq!(
        a.api()
            .get_json(&format!("/api/v1/videos/{theirs}"))
            .await
            .0,
        200
    );
    let (_, blocks) = root.get_json("/api/v1/server/blocklist/servers").await;
    assert_eq!(blocks["total"], 1);
    assert_eq!(
        blocks["data"][0]["blockedServer"]["host"],
        b.host().as_str()
    );
    assert_eq!(blocks["data"][0]["byAccount"]["name"], "peertube");

    // A blocked sender is refused at the inbox, before its signature is looked at.
    let peer = Peer::start().await;
    let mallory = peer.actor("/accounts/mallory", "Person", "mallory", json!({}));
    let like = activity(
        "Like",
        &format!("{}/likes/1", peer.base),
        &mallory,
        json!(format!("{}/videos/watch/{ours}", a.url)),
    );
    let peer_host = peer.base.trim_start_matches("http://").to_string();
    assert_eq!(
        root.post_json(
            "/api/v1/server/blocklist/servers",
            json!({ "host": peer_host })
        )
        .await
        .0,
        204
    );
    let (status, why) = peer
        .send(&mallory, &format!("{}/inbox", a.url), &like)
        .await;
    assert_eq!(status, 403, "{why}");
    assert_eq!(peer.gets("/accounts/mallory"), 0, "no key was fetched");
    // Unblocked, the same Like goes in.
    assert_eq!(
        root.delete(&format!("/api/v1/server/blocklist/servers/{peer_host}"))
            .await
            .0,
        204
    );
    let (status, why) = peer
        .send(&mallory, &format!("{}/inbox", a.url), &like)
        .await;
    assert_eq!(status, 204, "{why}");

    // An imported list: a faulty line and nothing is blocked; then all at once.
    let import = "/api/v1/server/blocklist/servers/import";
    let (status, why) = root
        .post_json(
            import,
            json!({ "hosts": "spam.example\nnot a host\n# a comment\n" }),
        )
        .await;
    assert_eq!(status, 400);
    assert!(why.to_string().contains("line 2"), "{why}");
    assert_eq!(
        root.get_json("/api/v1/server/blocklist/servers").await.1["total"],
        1
    );
    let (status, added) = root
        .post_json(
            import,
            json!({ "hosts": "spam.example\n# a comment\n\nSpam2.Example:8443\nspam.example\n" }),
        )
        .await;
    assert_eq!(status, 200, "{added}");
    assert_eq!(added["added"], 2);
    let (_, blocks) = root
        .get_json("/api/v1/server/blocklist/servers?search=spam&sort=createdAt")
        .await;
    assert_eq!(blocks["total"], 2, "{blocks}");
    let hosts: Vec<Value> = blocks["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["blockedServer"]["host"].clone())
        .collect();
    assert_eq!(
        hosts,
        vec![json!("spam.example"), json!("spam2.example:8443")]
    );
    assert_eq!(
        as_sam
            .post_json(import, json!({ "hosts": "x.example" }))
            .await
            .0,
        403
    );

    // The moderators' page lists them and imports a list from a form.
    let (browser, csrf) = a.browser_login("root", &a.password).await;
    let page = a.page(&browser, "/admin/blocklist").await;
    assert!(page.contains(&b.host()) && page.contains("spam2.example:8443"));
    let r = browser
        .post(format!("{}/admin/blocklist/servers/import", a.url))
        .form(&[
            ("csrf", csrf.as_str()),
            ("hosts", "form.example\nform2.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/admin/blocklist?added=2");
    assert!(
        a.page(&browser, "/admin/blocklist")
            .await
            .contains("form2.example")
    );
    let (sams, sam_csrf) = a.browser_login("sam", "secret-pass").await;
    assert!(
        !a.page(&sams, "/admin/blocklist")
            .await
            .contains("form2.example")
    );
    // A user's *Mute* button on an account's page (sam muted bob through the API above).
    let profile = format!("/a/{bob_handle}");
    assert!(
        a.page(&sams, &profile)
            .await
            .contains(&format!("{profile}/unmute"))
    );
    let r = sams
        .post(format!("{}{profile}/unmute", a.url))
        .form(&[("csrf", sam_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(
        a.page(&sams, &profile)
            .await
            .contains(&format!("{profile}/mute"))
    );
    let mutes = "/api/v1/users/me/blocklist/accounts";
    assert_eq!(as_sam.get_json(mutes).await.1["total"], 0);
    let r = sams
        .post(format!("{}{profile}/mute", a.url))
        .form(&[("csrf", sam_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(as_sam.get_json(mutes).await.1["total"], 1);
    assert!(
        !a.page(&sams, "/a/sam").await.contains("/a/sam/mute"),
        "not oneself"
    );
    // A user's own blocklist page: they mute an instance and unmute it, and cannot import.
    let mine = a.page(&sams, "/my-account/blocklist").await;
    assert!(
        mine.contains(&bob_handle),
        "the account muted above: {mine}"
    );
    assert!(!mine.contains("servers/import"));
    let r = sams
        .post(format!("{}/my-account/blocklist/servers", a.url))
        .form(&[("csrf", sam_csrf.as_str()), ("host", "noisy.example")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/my-account/blocklist");
    let servers = "/api/v1/users/me/blocklist/servers";
    let (_, muted) = as_sam.get_json(servers).await;
    assert!(
        muted["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["blockedServer"]["host"] == "noisy.example"),
        "{muted}"
    );
    assert!(
        !a.page(&browser, "/admin/blocklist")
            .await
            .contains("noisy.example"),
        "a user's mute is not the instance's block"
    );
    let r = sams
        .post(format!(
            "{}/my-account/blocklist/servers/noisy.example/unblock",
            a.url
        ))
        .form(&[("csrf", sam_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(
        !a.page(&sams, "/my-account/blocklist")
            .await
            .contains("noisy.example")
    );
    let r = sams
        .post(format!("{}/admin/blocklist/servers", a.url))
        .form(&[("csrf", sam_csrf.as_str()), ("host", "noisy.example")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a user cannot block for the instance");

    a.stop().await;
    b.stop().await;
});

//! Video blocks as PeerTube has them, between two real instances, on SQLite and PostgreSQL: a
//! moderator blocks a video (refusals first); it leaves every list and search but its owner's
//! and moderators' with `include` 2, answers 401 or 403 to others, and "unfederated" it is
//! deleted from the other instance, which gets it again once unblocked; the owner is told each
//! time; the list of blocks with PeerTube's filters; another instance's video is blocked here
//! only; with auto-blocking on, a new user's video waits, unsent, for a moderator's approval;
//! the pages' forms.
#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_testkit::{Instance, ap_get, both, eventually};
use serde_json::{Value, json};

/// `token` uploads the test clip into `channel` as `name` and waits until it is transcoded: its
/// UUID and short UUID.
async fn published(i: &Instance, token: &str, channel: i64, name: &str) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let clip = ruche_testkit::small_clip(dir.path());
    let (status, up) = i.upload(token, &clip, channel, name).await;
    assert_eq!(status, 200, "{up}");
    let short = up["video"]["shortUUID"].as_str().unwrap().to_string();
    let v = i.wait_transcoded(token, &short, 1).await;
    (v["uuid"].as_str().unwrap().to_string(), short)
}

/// Whether `uuid` is in the list at `path`, as `token` (anonymous when empty) reads it.
async fn listed(i: &Instance, token: &str, path: &str, uuid: &str) -> bool {
    let api = if token.is_empty() {
        i.api()
    } else {
        i.api().with(token)
    };
    let (status, l) = api.get_json(path).await;
    assert_eq!(status, 200, "{path}: {l}");
    l["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["uuid"] == uuid)
}

/// `token`'s notifications of `kind`.
async fn told(i: &Instance, token: &str, kind: i64) -> Value {
    let (_, n) = i
        .get_json(
            token,
            &format!("/api/v1/users/me/notifications?typeOneOf={kind}"),
        )
        .await;
    n
}

both!(videos_blocked_unblocked_and_approved, |db| async move {
    let a = Instance::start(db, ruche_testkit::FEDERATION).await;
    let b = Instance::start(db, ruche_testkit::FEDERATION).await;
    let logs = vec![a.stderr_log.clone(), b.stderr_log.clone()];
    let (ta, tb) = (a.root_token().await, b.root_token().await);
    b.follow_instance(&tb, &a).await;
    let mia = a.moderator(&ta, "mia").await;
    let (ann, ann_channel) = a.user(&ta, "ann", -1).await;
    let (bob, _) = a.user(&ta, "bob", -1).await;
    let (uuid, short) = published(&a, &ann, ann_channel, "Vidéo à bloquer").await;
    let on_b = |present: bool| {
        let (b, uuid) = (&b, uuid.clone());
        async move {
            let (s, _) = b.api().get_json(&format!("/api/v1/videos/{uuid}")).await;
            ((s == 200) == present).then_some(())
        }
    };
    eventually(&logs, "the video reaches B", 60, || on_b(true)).await;

    // Refusals: nothing is blocked.
    let block = format!("/api/v1/videos/{uuid}/blacklist");
    let body = json!({ "reason": "Contenu illicite", "unfederate": true });
    assert_eq!(a.api().post_json(&block, body.clone()).await.0, 401);
    assert_eq!(
        a.api().with(&bob).post_json(&block, body.clone()).await.0,
        403
    );
    let as_mia = a.api().with(&mia);
    assert_eq!(
        as_mia.post_json(&block, json!({ "reason": "x" })).await.0,
        400
    );
    assert_eq!(
        as_mia
            .post_json(
                "/api/v1/videos/00000000-0000-4000-8000-000000000000/blacklist",
                body.clone()
            )
            .await
            .0,
        404
    );
    assert!(listed(&a, "", "/api/v1/videos", &uuid).await);
    // Bob reports it first: the reports of blocked videos are a filter of the moderators' list.
    let (status, _) = a
        .api()
        .with(&bob)
        .post_json(
            "/api/v1/abuses",
            json!({ "reason": "À bloquer", "video": { "id": uuid } }),
        )
        .await;
    assert_eq!(status, 200);
    let of_blocked = "/api/v1/abuses?videoIs=blacklisted";
    assert_eq!(as_mia.get_json(of_blocked).await.1["total"], 0);

    // Mia blocks it, unfederated: only Ann and the moderators still see it.
    assert_eq!(as_mia.post_json(&block, body.clone()).await.0, 204);
    assert_eq!(as_mia.get_json(of_blocked).await.1["total"], 1);
    assert_eq!(as_mia.post_json(&block, body.clone()).await.0, 409);
    let one = format!("/api/v1/videos/{uuid}");
    assert_eq!(a.api().get_json(&one).await.0, 401);
    assert_eq!(a.api().with(&bob).get_json(&one).await.0, 403);
    let (status, seen) = a.get_json(&ann, &one).await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            seen["blacklisted"].clone(),
            seen["blacklistedReason"].clone()
        ),
        (json!(true), json!("Contenu illicite"))
    );
    assert_eq!(as_mia.get_json(&one).await.0, 200);
    assert!(!listed(&a, "", "/api/v1/videos", &uuid).await);
    assert!(
        !listed(&a, &ann, "/api/v1/videos", &uuid).await,
        "not even for its owner"
    );
    assert!(!listed(&a, "", "/api/v1/video-channels/ann_channel/videos", &uuid).await);
    assert!(
        !listed(&a, "", "/api/v1/search/videos?search=bloquer", &uuid).await,
        "nor found"
    );
    let (_, mine) = a.get_json(&ann, "/api/v1/users/me/videos").await;
    let me = mine["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["uuid"] == uuid.as_str())
        .unwrap()
        .clone();
    assert_eq!(me["blacklisted"], true, "{me}");
    assert!(listed(&a, &mia, "/api/v1/videos?include=2", &uuid).await);
    assert_eq!(a.api().get_json("/api/v1/videos?include=2").await.0, 401);
    assert_eq!(
        a.api()
            .with(&bob)
            .get_json("/api/v1/videos?include=2")
            .await
            .0,
        403
    );
    let (status, _) = ap_get(&format!("{}/videos/watch/{uuid}", a.url)).await;
    assert_eq!(status, 401, "asked to log in, not gone");
    let n = told(&a, &ann, 4).await;
    assert_eq!(n["total"], 1, "{n}");
    assert_eq!(
        n["data"][0]["videoBlacklist"]["video"]["uuid"],
        uuid.as_str()
    );
    eventually(&logs, "B deletes it", 60, || on_b(false)).await;

    // The list of blocks, PeerTube's filters; the reason changed.
    let (status, l) = as_mia.get_json("/api/v1/videos/blacklist").await;
    assert_eq!(status, 200, "{l}");
    assert_eq!(l["total"], 1);
    let item = &l["data"][0];
    assert_eq!(
        (
            item["type"].clone(),
            item["unfederated"].clone(),
            item["reason"].clone(),
            item["video"]["uuid"].clone()
        ),
        (
            json!(1),
            json!(true),
            json!("Contenu illicite"),
            json!(uuid)
        )
    );
    for q in ["type=0", "sort=nope", "search=", "count=101"] {
        assert_eq!(
            as_mia
                .get_json(&format!("/api/v1/videos/blacklist?{q}"))
                .await
                .0,
            400,
            "{q}"
        );
    }
    assert_eq!(
        a.api()
            .with(&bob)
            .get_json("/api/v1/videos/blacklist")
            .await
            .0,
        403
    );
    assert_eq!(
        as_mia
            .get_json("/api/v1/videos/blacklist?search=BLOQUER&sort=-name")
            .await
            .1["total"],
        1
    );
    assert_eq!(
        as_mia
            .put_json(&block, json!({ "reason": "Autre raison" }))
            .await
            .0,
        204
    );
    assert_eq!(
        as_mia.get_json("/api/v1/videos/blacklist").await.1["data"][0]["reason"],
        "Autre raison"
    );

    // Unblocked: back everywhere, B included; Ann is told.
    assert_eq!(as_mia.delete(&block).await.0, 204);
    assert_eq!(as_mia.delete(&block).await.0, 404);
    assert_eq!(
        as_mia
            .put_json(&block, json!({ "reason": "Encore" }))
            .await
            .0,
        404
    );
    assert_eq!(a.api().get_json(&one).await.0, 200);
    assert!(listed(&a, "", "/api/v1/videos", &uuid).await);
    assert_eq!(told(&a, &ann, 5).await["total"], 1);
    eventually(&logs, "B has it again", 60, || on_b(true)).await;

    // Another instance's video is blocked here only, and cannot be unfederated.
    a.follow_instance(&ta, &b).await;
    let (b_uuid, _) = published(&b, &tb, 1, "Vidéo de B").await;
    eventually(&logs, "B's video reaches A", 60, || async {
        (a.api()
            .get_json(&format!("/api/v1/videos/{b_uuid}"))
            .await
            .0
            == 200)
            .then_some(())
    })
    .await;
    let b_block = format!("/api/v1/videos/{b_uuid}/blacklist");
    assert_eq!(
        as_mia
            .post_json(&b_block, json!({ "unfederate": true }))
            .await
            .0,
        409
    );
    assert_eq!(as_mia.post_json(&b_block, json!({})).await.0, 204);
    assert!(!listed(&a, "", "/api/v1/videos", &b_uuid).await);
    assert_eq!(
        b.api()
            .get_json(&format!("/api/v1/videos/{b_uuid}"))
            .await
            .0,
        200
    );

    // Auto-blocking: Ann's next video waits, unsent, for a moderator; Root's does not.
    let (status, cfg) = a
        .api()
        .with(&ta)
        .put_json(
            "/api/v1/config/custom",
            json!({ "autoBlacklist": { "videos": { "ofUsers": { "enabled": true } } } }),
        )
        .await;
    assert_eq!(status, 200, "{cfg}");
    let (_, config) = a.api().get_json("/api/v1/config").await;
    assert_eq!(
        config["autoBlacklist"]["videos"]["ofUsers"]["enabled"],
        true
    );
    let (waiting, _) = published(&a, &ann, ann_channel, "En attente").await;
    let (roots, _) = published(&a, &ta, 1, "Celle de root").await;
    assert_eq!(
        a.api()
            .get_json(&format!("/api/v1/videos/{waiting}"))
            .await
            .0,
        401
    );
    assert_eq!(
        a.api().get_json(&format!("/api/v1/videos/{roots}")).await.0,
        200
    );
    let (_, auto) = as_mia.get_json("/api/v1/videos/blacklist?type=2").await;
    assert_eq!(auto["total"], 1, "{auto}");
    assert_eq!(auto["data"][0]["video"]["uuid"], waiting.as_str());
    assert_eq!(auto["data"][0]["unfederated"], true);
    let n = told(&a, &mia, 12).await;
    assert_eq!(
        n["data"][0]["videoBlacklist"]["video"]["uuid"],
        waiting.as_str(),
        "{n}"
    );
    assert_eq!(
        told(&a, &ann, 6).await["total"],
        1,
        "only the first is told published"
    );
    // Approved from the pages: published, sent to B, and Ann told.
    let (browser, csrf) = a.browser_login("mia", "secret-pass").await;
    let page = a.page(&browser, "/admin/video-blocks?kind=2").await;
    assert!(page.contains("En attente"), "{page}");
    let r = browser
        .post(format!(
            "{}/admin/video-blocks/{}/unblock",
            a.url,
            ruche_domain::ids::short_uuid(&waiting)
        ))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        a.api()
            .get_json(&format!("/api/v1/videos/{waiting}"))
            .await
            .0,
        200
    );
    assert_eq!(told(&a, &ann, 6).await["total"], 2);
    eventually(&logs, "the approved video reaches B", 60, || async {
        (b.api()
            .get_json(&format!("/api/v1/videos/{waiting}"))
            .await
            .0
            == 200)
            .then_some(())
    })
    .await;

    // The watch page's forms: Mia blocks Root's video there (not unfederated), then unblocks it.
    let root_short = ruche_domain::ids::short_uuid(&roots);
    let watch = a.page(&browser, &format!("/w/{root_short}")).await;
    assert!(watch.contains(&format!("/w/{root_short}/block")), "{watch}");
    let r = browser
        .post(format!("{}/w/{root_short}/block", a.url))
        .form(&[("csrf", csrf.as_str()), ("reason", "Vu en page")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let watch = a.page(&browser, &format!("/w/{root_short}")).await;
    assert!(watch.contains("Vu en page") && watch.contains(&format!("/w/{root_short}/unblock")));
    assert_eq!(
        a.api().get_json(&format!("/api/v1/videos/{roots}")).await.0,
        401
    );
    let r = browser
        .post(format!("{}/w/{root_short}/unblock", a.url))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        a.api().get_json(&format!("/api/v1/videos/{roots}")).await.0,
        200
    );
    // A forged form blocks nothing; Bob has no such form.
    let r = browser
        .post(format!("{}/w/{root_short}/block", a.url))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let (bob_browser, _) = a.browser_login("bob", "secret-pass").await;
    assert!(
        !a.page(&bob_browser, &format!("/w/{root_short}"))
            .await
            .contains("/block")
    );
    let _ = short;
    a.stop().await;
    b.stop().await;
});

//! Abuse reports as PeerTube has them, between two real instances, on SQLite and PostgreSQL:
//! a user reports a video (a span of it), a comment or an account; refusals (bad reasons, one's
//! own thing, the same thing twice, too many); moderators list, accept or reject, delete; the
//! reporter and the moderators talk; a report of another instance's thing goes there as a
//! `Flag` from our instance actor (the reporter stays unknown there) and becomes a report
//! there; a `Flag` naming a third instance's thing is refused; a report outlives its video; the
//! *Report* forms and the *Moderation* page.
#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_testkit::peer::{Peer, activity};
use ruche_testkit::{Instance, both, eventually};
use serde_json::{Value, json};

/// Fast federation, and four reports a user per window.
fn settings() -> Vec<(&'static str, &'static str)> {
    let mut s = ruche_testkit::FEDERATION.to_vec();
    s.push(("RUCHE_RATES_REPORT_MAX", "4"));
    s
}

/// The reports `token` lists at `path`.
async fn reports(i: &Instance, token: &str, path: &str) -> Value {
    let (status, list) = i.api().with(token).get_json(path).await;
    assert_eq!(status, 200, "{list}");
    list
}

both!(reports_moderated_and_federated, |db| async move {
    let a = Instance::start(db, &settings()).await;
    let b = Instance::start(db, &settings()).await;
    let logs = vec![a.stderr_log.clone(), b.stderr_log.clone()];
    let (ta, tb) = (a.root_token().await, b.root_token().await);
    b.follow_instance(&tb, &a).await;
    let (short, uuid) = a.publish(&ta, "Vidéo signalée").await;
    let (sam, _) = a.user(&ta, "sam", -1).await;
    let (tina, _) = a.user(&ta, "tina", -1).await;
    let as_sam = a.api().with(&sam);

    // Refusals first: nothing is kept.
    for (body, want) in [
        (json!({ "reason": "x", "video": { "id": uuid } }), 400),
        (
            json!({ "reason": "Spam", "predefinedReasons": ["boring"], "video": { "id": uuid } }),
            400,
        ),
        (
            json!({ "reason": "Spam", "video": { "id": uuid, "endAt": 4 } }),
            400,
        ),
        (
            json!({ "reason": "Spam", "video": { "id": uuid, "startAt": 9, "endAt": 4 } }),
            400,
        ),
        (json!({ "reason": "Spam" }), 400),
        (
            json!({ "reason": "Spam", "video": { "id": "00000000-0000-4000-8000-000000000000" } }),
            404,
        ),
        (
            json!({ "reason": "Spam", "comment": { "id": 999999 } }),
            404,
        ),
        (
            json!({ "reason": "Spam", "account": { "id": 999999 } }),
            404,
        ),
    ] {
        let (status, why) = as_sam.post_json("/api/v1/abuses", body.clone()).await;
        assert_eq!(status, want, "{body}: {why}");
    }
    let (status, _) = a
        .api()
        .post_json(
            "/api/v1/abuses",
            json!({ "reason": "Spam", "video": { "id": uuid } }),
        )
        .await;
    assert_eq!(status, 401);
    let (status, why) = a
        .api()
        .with(&ta)
        .post_json(
            "/api/v1/abuses",
            json!({ "reason": "Moi", "video": { "id": uuid } }),
        )
        .await;
    assert_eq!(status, 403, "one's own video: {why}");

    // Sam reports a span of the video.
    let (status, made) = as_sam
        .post_json(
            "/api/v1/abuses",
            json!({ "reason": "Des **pubs** cachées", "predefinedReasons": ["spamOrMisleading"],
                    "video": { "id": uuid, "startAt": 5, "endAt": 10 } }),
        )
        .await;
    assert_eq!(status, 200, "{made}");
    let sams = made["abuse"]["id"].as_i64().unwrap();
    let (status, why) = as_sam
        .post_json(
            "/api/v1/abuses",
            json!({ "reason": "Encore", "video": { "id": uuid } }),
        )
        .await;
    assert_eq!(status, 409, "the same thing while the first waits: {why}");

    // The moderators' list, in PeerTube's AdminAbuse shape.
    let list = reports(&a, &ta, "/api/v1/abuses").await;
    assert_eq!(list["total"], 1, "{list}");
    let r = &list["data"][0];
    assert_eq!(r["id"], sams);
    assert_eq!(r["reason"], "Des **pubs** cachées");
    assert_eq!(r["predefinedReasons"], json!(["spamOrMisleading"]));
    assert_eq!(r["state"], json!({ "id": 1, "label": "Pending" }));
    assert_eq!(r["video"]["uuid"], uuid.as_str());
    assert_eq!(r["video"]["name"], "Vidéo signalée");
    assert_eq!(
        (r["video"]["startAt"].clone(), r["video"]["endAt"].clone()),
        (json!(5), json!(10))
    );
    assert_eq!(
        (
            r["video"]["countReports"].clone(),
            r["video"]["nthReport"].clone()
        ),
        (json!(1), json!(1))
    );
    assert_eq!(r["video"]["deleted"], false);
    assert_eq!(r["comment"], Value::Null);
    assert_eq!(r["reporterAccount"]["name"], "sam");
    assert_eq!(r["flaggedAccount"]["name"], "root");
    assert_eq!(r["countReportsForReportee"], 1);
    assert_eq!(a.api().with(&sam).get_json("/api/v1/abuses").await.0, 403);
    // The reporter's own list, without what is the moderators'.
    let mine = reports(&a, &sam, "/api/v1/users/me/abuses").await;
    assert_eq!(mine["total"], 1);
    assert!(mine["data"][0].get("reporterAccount").is_none(), "{mine}");
    assert_eq!(
        reports(&a, &tina, "/api/v1/users/me/abuses").await["total"],
        0
    );
    // Filters.
    for (query, want) in [
        ("?state=1", 1),
        ("?state=3", 0),
        ("?filter=video", 1),
        ("?filter=comment", 0),
        ("?predefinedReason=spamOrMisleading", 1),
        ("?searchReporter=SAM", 1),
        ("?searchVideo=signal", 1),
        ("?sort=-state", 1),
    ] {
        let l = reports(&a, &ta, &format!("/api/v1/abuses{query}")).await;
        assert_eq!(l["total"], want, "{query}: {l}");
    }
    for bad in [
        "?state=7",
        "?filter=user",
        "?sort=name",
        "?predefinedReason=boring",
    ] {
        assert_eq!(
            a.api()
                .with(&ta)
                .get_json(&format!("/api/v1/abuses{bad}"))
                .await
                .0,
            400,
            "{bad}"
        );
    }

    // The reporter and the moderators talk.
    let messages = format!("/api/v1/abuses/{sams}/messages");
    let (status, m) = as_sam
        .post_json(&messages, json!({ "message": "Vers 0:07 surtout" }))
        .await;
    assert_eq!(status, 200, "{m}");
    let (status, theirs) = a
        .api()
        .with(&ta)
        .post_json(&messages, json!({ "message": "Nous regardons." }))
        .await;
    assert_eq!(status, 200);
    let (_, talk) = as_sam.get_json(&messages).await;
    assert_eq!(talk["total"], 2, "{talk}");
    assert_eq!(talk["data"][0]["byModerator"], false);
    assert_eq!(talk["data"][1]["byModerator"], true);
    assert_eq!(talk["data"][1]["account"]["name"], "root");
    assert_eq!(a.api().with(&tina).get_json(&messages).await.0, 403);
    assert_eq!(
        as_sam
            .post_json(&messages, json!({ "message": "x" }))
            .await
            .0,
        400
    );
    let theirs_path = format!("{messages}/{}", theirs["abuseMessage"]["id"]);
    assert_eq!(as_sam.delete(&theirs_path).await.0, 403);
    assert_eq!(a.api().with(&ta).delete(&theirs_path).await.0, 204);

    // A decision: accepted, with a comment the reporter does not see.
    let one = format!("/api/v1/abuses/{sams}");
    assert_eq!(
        a.api()
            .with(&ta)
            .put_json(&one, json!({ "state": 9 }))
            .await
            .0,
        400
    );
    assert_eq!(
        a.api()
            .with(&sam)
            .put_json(&one, json!({ "state": 3 }))
            .await
            .0,
        403
    );
    assert_eq!(
        a.api()
            .with(&ta)
            .put_json("/api/v1/abuses/999999", json!({ "state": 3 }))
            .await
            .0,
        404
    );
    let (status, _) = a
        .api()
        .with(&ta)
        .put_json(
            &one,
            json!({ "state": 3, "moderationComment": "Retiré des listes" }),
        )
        .await;
    assert_eq!(status, 204);
    let list = reports(&a, &ta, "/api/v1/abuses").await;
    assert_eq!(list["data"][0]["state"]["label"], "Accepted");
    assert_eq!(list["data"][0]["moderationComment"], "Retiré des listes");
    assert_eq!(
        reports(&a, &sam, "/api/v1/users/me/abuses").await["data"][0]["state"]["id"],
        3
    );
    // A comment and an account, and the limit: four reports a user, then 429.
    let (_, c) = a
        .api()
        .with(&ta)
        .post_json(
            &format!("/api/v1/videos/{uuid}/comment-threads"),
            json!({ "text": "Un commentaire de root" }),
        )
        .await;
    let comment_id = c["comment"]["id"].as_i64().unwrap();
    let (_, root_me) = a.api().with(&ta).get_json("/api/v1/users/me").await;
    let root_account = root_me["account"]["id"].as_i64().unwrap();
    let (_, sam_me) = as_sam.get_json("/api/v1/users/me").await;
    let sam_account = sam_me["account"]["id"].as_i64().unwrap();
    let as_tina = a.api().with(&tina);
    for (body, want) in [
        (
            json!({ "reason": "Grossier", "comment": { "id": comment_id } }),
            200,
        ),
        (
            json!({ "reason": "Faux compte", "account": { "id": root_account } }),
            200,
        ),
        (
            json!({ "reason": "Lui aussi", "account": { "id": sam_account } }),
            200,
        ),
        (json!({ "reason": "Vidéo", "video": { "id": uuid } }), 200),
        (
            json!({ "reason": "Sa chaîne", "account": { "id": root_account + 1000 } }),
            404,
        ),
    ] {
        assert_eq!(
            as_tina.post_json("/api/v1/abuses", body.clone()).await.0,
            want,
            "{body}"
        );
    }
    let (status, _) = as_tina
        .post_json(
            "/api/v1/abuses",
            json!({ "reason": "Trop", "video": { "id": uuid } }),
        )
        .await;
    assert_eq!(status, 429, "the fifth report within the window");
    let list = reports(&a, &ta, "/api/v1/abuses?filter=comment").await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["data"][0]["comment"]["text"], "Un commentaire de root");
    assert_eq!(list["data"][0]["comment"]["video"]["uuid"], uuid.as_str());
    assert_eq!(list["data"][0]["flaggedAccount"]["name"], "root");
    assert_eq!(
        reports(&a, &ta, "/api/v1/abuses?filter=account").await["total"],
        2
    );

    // B's user reports A's video and A's comment on B: B keeps them, and A receives each as a
    // report from B's instance actor, bob unnamed.
    let b_comment = eventually(&logs, "the video and its comment reach B", 30, || async {
        let (s, t) = b
            .api()
            .get_json(&format!("/api/v1/videos/{uuid}/comment-threads"))
            .await;
        (s == 200 && t["total"] == 1).then(|| t["data"][0]["id"].as_i64().unwrap())
    })
    .await;
    let (bob, _) = b.user(&tb, "bob", -1).await;
    for body in [
        json!({ "reason": "Trompeur depuis B", "predefinedReasons": ["spamOrMisleading", "privacy"],
                "video": { "id": uuid, "startAt": 1, "endAt": 2 } }),
        json!({ "reason": "Commentaire vu depuis B", "comment": { "id": b_comment } }),
    ] {
        let (status, made) = b.api().with(&bob).post_json("/api/v1/abuses", body).await;
        assert_eq!(status, 200, "{made}");
    }
    assert_eq!(reports(&b, &tb, "/api/v1/abuses").await["total"], 2);
    let from_b = eventually(&logs, "B's Flags reach A", 30, || async {
        let l = reports(&a, &ta, "/api/v1/abuses?searchReporter=peertube").await;
        // The page, not the total: on PostgreSQL the two are read by two statements.
        (l["data"].as_array().unwrap().len() == 2).then_some(l)
    })
    .await;
    for r in from_b["data"].as_array().unwrap() {
        assert_eq!(r["reporterAccount"]["host"], b.host().as_str(), "{r}");
        assert_ne!(r["reporterAccount"]["name"], "bob");
        if r["video"].is_object() {
            assert_eq!(r["reason"], "Trompeur depuis B");
            assert_eq!(
                r["predefinedReasons"],
                json!(["spamOrMisleading", "privacy"])
            );
            assert_eq!(
                (r["video"]["startAt"].clone(), r["video"]["endAt"].clone()),
                (json!(1), json!(2))
            );
        } else {
            assert_eq!(r["comment"]["id"], comment_id, "{r}");
        }
        // A's moderators are told of each report that came from B (a notification naming it).
        let (_, told) = a
            .get_json(&ta, "/api/v1/users/me/notifications?typeOneOf=3&count=100")
            .await;
        assert!(
            told["data"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["abuse"]["id"] == r["id"]),
            "{told}"
        );
    }
    // A Flag that names a third instance's thing is refused; one naming A's account is kept.
    let peer = Peer::start().await;
    let mallory = peer.actor("/accounts/mallory", "Person", "mallory", json!({}));
    let mut elsewhere = activity(
        "Flag",
        &format!("{}/flags/1", peer.base),
        &mallory,
        json!(["https://elsewhere.example/videos/watch/9c9de5e8-0a1b-4cde-8f00-000000000001"]),
    );
    elsewhere["content"] = json!("Pas ici");
    let (status, _) = peer
        .send(&mallory, &format!("{}/inbox", a.url), &elsewhere)
        .await;
    assert_eq!(status, 204);
    let mut here = activity(
        "Flag",
        &format!("{}/flags/2", peer.base),
        &mallory,
        json!([format!("{}/accounts/sam", a.url)]),
    );
    here["content"] = json!("Compte douteux");
    let (status, _) = peer
        .send(&mallory, &format!("{}/inbox", a.url), &here)
        .await;
    assert_eq!(status, 204);
    let kept = eventually(&logs, "mallory's Flag about sam is kept", 30, || async {
        let l = reports(&a, &ta, "/api/v1/abuses?searchReporter=mallory").await;
        (l["data"].as_array().unwrap().len() == 1).then_some(l)
    })
    .await;
    assert_eq!(kept["data"][0]["flaggedAccount"]["name"], "sam", "{kept}");
    assert_eq!(kept["data"][0]["reason"], "Compte douteux");
    a.settled(&ta, "inbox").await;
    assert_eq!(
        reports(&a, &ta, "/api/v1/abuses?search=Pas%20ici").await["total"],
        0,
        "the Flag about elsewhere"
    );

    // The pages: the watch page offers *Report* to others than the owner; a report sent from
    // it; the moderators' queue shows it in place.
    let (owner, _) = a.browser_login("root", &a.password).await;
    let page = a.page(&owner, &format!("/w/{short}")).await;
    assert!(
        !page.contains(&format!("/w/{short}/report")),
        "not one's own"
    );
    let (browser, csrf) = a.browser_login("sam", "secret-pass").await;
    let page = a.page(&browser, &format!("/w/{short}")).await;
    assert!(page.contains(&format!("/w/{short}/report")));
    assert!(page.contains(&format!("/comments/{comment_id}/report")));
    let r = browser
        .post(format!("{}/w/{short}/report", a.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "csrf={csrf}&reason=Depuis+la+page&predefinedReasons=violentOrRepulsive&predefinedReasons=rights&start=0%3A03&end=0%3A06"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"].to_str().unwrap(),
        format!("/w/{short}?reported=1")
    );
    let l = reports(&a, &ta, "/api/v1/abuses?search=Depuis%20la%20page").await;
    assert_eq!(l["total"], 1, "{l}");
    assert_eq!(
        l["data"][0]["predefinedReasons"],
        json!(["violentOrRepulsive", "rights"])
    );
    assert_eq!(l["data"][0]["video"]["startAt"], 3);
    let queue = a.page(&owner, "/admin/moderation").await;
    assert!(queue.contains("Depuis la page"), "pending reports listed");
    assert!(queue.contains("Vidéo signalée"));
    assert!(
        queue.contains("Un commentaire de root"),
        "the comment shown in place"
    );
    assert!(
        !a.page(&browser, "/admin/moderation")
            .await
            .contains("Depuis la page")
    );

    // A report outlives its video, showing what it was.
    assert_eq!(
        a.api()
            .with(&ta)
            .delete(&format!("/api/v1/videos/{uuid}"))
            .await
            .0,
        204
    );
    let l = reports(&a, &ta, &format!("/api/v1/abuses?id={sams}")).await;
    assert_eq!(l["data"][0]["video"]["deleted"], true, "{l}");
    assert_eq!(l["data"][0]["video"]["name"], "Vidéo signalée");
    // Deleting a report.
    assert_eq!(a.api().with(&ta).delete(&one).await.0, 204);
    assert_eq!(a.api().with(&ta).delete(&one).await.0, 404);
    assert_eq!(as_sam.get_json(&messages).await.0, 404);

    a.stop().await;
    b.stop().await;
});

//! Comment moderation as PeerTube 6.2 has it. "Comments require approval", between two real instances: A's video holds the
//! comments of everyone but its owner and moderators; a held comment is seen by its author, the
//! owner and moderators only, counted nowhere and sent nowhere until the owner approves it. A
//! comment from B waits on A, A's approval reaches B as an `ApproveReply` (B then shows it to
//! all), A's refusal as a `RejectReply` (B deletes it); nobody but the video's owner decides.
//! On SQLite and PostgreSQL.
#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_testkit::peer::{Peer, activity};
use ruche_testkit::{Instance, ap_get, both, eventually};
use serde_json::{Value, json};

use ruche_testkit::FEDERATION;

/// The threads of `uuid` on `i` as `token` sees them (anonymous when empty): the total and the
/// texts.
async fn threads(i: &Instance, token: &str, uuid: &str) -> (i64, Vec<(String, bool)>) {
    let api = if token.is_empty() {
        i.api()
    } else {
        i.api().with(token)
    };
    let (status, t) = api
        .get_json(&format!("/api/v1/videos/{uuid}/comment-threads"))
        .await;
    assert_eq!(status, 200, "{t}");
    let texts = t["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["text"].as_str().unwrap().to_string(),
                c["heldForReview"].as_bool().unwrap(),
            )
        })
        .collect();
    (t["total"].as_i64().unwrap(), texts)
}

fn has(list: &[(String, bool)], text: &str) -> Option<bool> {
    list.iter().find(|(t, _)| t == text).map(|(_, held)| *held)
}

/// The id on `i` of the comment `text` under `uuid`, as `token` sees it.
async fn comment_id(i: &Instance, token: &str, uuid: &str, text: &str) -> i64 {
    let (_, t) = i
        .api()
        .with(token)
        .get_json(&format!("/api/v1/videos/{uuid}/comment-threads"))
        .await;
    t["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["text"] == text)
        .unwrap_or_else(|| panic!("{text} in {t}"))["id"]
        .as_i64()
        .unwrap()
}

both!(comments_held_for_approval, |db| async move {
    let a = Instance::start(db, FEDERATION).await;
    let b = Instance::start(db, FEDERATION).await;
    let logs = vec![a.stderr_log.clone(), b.stderr_log.clone()];
    let (ta, tb) = (a.root_token().await, b.root_token().await);
    b.follow_instance(&tb, &a).await;

    let (short, uuid) = a.publish(&ta, "Sous surveillance").await;
    let path = format!("/api/v1/videos/{uuid}");
    let (status, body) = a
        .api()
        .with(&ta)
        .put_json(&path, json!({ "commentsPolicy": 3 }))
        .await;
    assert_eq!(status, 204, "{body}");
    let (_, v) = a.api().get_json(&path).await;
    assert_eq!(
        v["commentsPolicy"],
        json!({ "id": 3, "label": "Requires approval" })
    );
    assert_eq!(v["commentsEnabled"], true);
    // Its `Video` says so as PeerTube 7 does (FEP-5624's `canReply`), and B reads it.
    let (_, doc) = ap_get(&format!("{}/videos/watch/{uuid}", a.url)).await;
    assert_eq!(doc["commentsPolicy"], 3);
    assert_eq!(
        doc["canReply"],
        "https://www.w3.org/ns/activitystreams#Public"
    );
    eventually(&logs, "B knows the video holds comments", 30, || async {
        let (s, v) = b.api().get_json(&path).await;
        (s == 200 && v["commentsPolicy"]["id"] == 3).then_some(())
    })
    .await;

    // A local stranger's comment waits; the owner's does not.
    let (sam, _) = a.user(&ta, "sam", -1).await;
    let threads_path = format!("/api/v1/videos/{uuid}/comment-threads");
    let (status, held) = a
        .api()
        .with(&sam)
        .post_json(&threads_path, json!({ "text": "Avis de Sam" }))
        .await;
    assert_eq!(status, 200, "{held}");
    assert_eq!(held["comment"]["heldForReview"], true);
    let held_id = held["comment"]["id"].as_i64().unwrap();
    let (status, own) = a
        .api()
        .with(&ta)
        .post_json(&threads_path, json!({ "text": "Mot du créateur" }))
        .await;
    assert_eq!(status, 200, "{own}");
    assert_eq!(own["comment"]["heldForReview"], false);

    // Who sees what: anonymous and other users only what is approved; the author their own
    // too; the owner everything.
    let (total, anon) = threads(&a, "", &uuid).await;
    assert_eq!((total, has(&anon, "Avis de Sam")), (1, None), "{anon:?}");
    let (tina, _) = a.user(&ta, "tina", -1).await;
    assert_eq!(has(&threads(&a, &tina, &uuid).await.1, "Avis de Sam"), None);
    assert_eq!(
        has(&threads(&a, &sam, &uuid).await.1, "Avis de Sam"),
        Some(true)
    );
    let (total, all) = threads(&a, &ta, &uuid).await;
    assert_eq!((total, has(&all, "Avis de Sam")), (2, Some(true)));
    let (_, v) = a.api().get_json(&path).await;
    assert_eq!(v["comments"], 1, "a held comment is not counted");
    let (status, tree) = a.api().get_json(&format!("{threads_path}/{held_id}")).await;
    assert_eq!(status, 404, "{tree}");
    let (status, _) = ap_get(&format!("{}/videos/watch/{uuid}/comments/{held_id}", a.url)).await;
    assert_eq!(status, 404, "a held comment is no ActivityPub document");
    // The owner's queue.
    let (_, queue) = a
        .api()
        .with(&ta)
        .get_json("/api/v1/users/me/videos/comments?isHeldForReview=true")
        .await;
    assert_eq!(queue["total"], 1, "{queue}");
    assert_eq!(queue["data"][0]["text"], "Avis de Sam");
    assert_eq!(queue["data"][0]["heldForReview"], true);
    let (_, others) = a
        .api()
        .with(&ta)
        .get_json("/api/v1/users/me/videos/comments?isHeldForReview=false")
        .await;
    assert_eq!(others["total"], 1, "{others}");
    let (status, _) = a
        .api()
        .with(&ta)
        .get_json("/api/v1/users/me/videos/comments?isHeldForReview=peut-être")
        .await;
    assert_eq!(status, 400);

    // The watch page: the owner gets an Approve button, a visitor sees nothing of it.
    let page = a.page(&a.browser(), &format!("/w/{short}")).await;
    assert!(!page.contains("Avis de Sam"));
    let (owner, _) = a.browser_login("root", &a.password).await;
    let page = a.page(&owner, &format!("/w/{short}")).await;
    assert!(page.contains("Avis de Sam"));
    assert!(page.contains(&format!("/comments/{held_id}/approve")));

    // Approval: only the owner or a moderator, only what is held.
    let approve = format!("/api/v1/videos/{uuid}/comments/{held_id}/approve");
    assert_eq!(a.api().with(&tina).post(&approve).await.0, 403);
    assert_eq!(a.api().with(&sam).post(&approve).await.0, 403);
    assert_eq!(a.api().post(&approve).await.0, 401);
    assert_eq!(
        a.api()
            .with(&ta)
            .post(&format!("/api/v1/videos/{uuid}/comments/999999/approve"))
            .await
            .0,
        404
    );
    let own_id = own["comment"]["id"].as_i64().unwrap();
    let (status, body) = a
        .api()
        .with(&ta)
        .post(&format!("/api/v1/videos/{uuid}/comments/{own_id}/approve"))
        .await;
    assert_eq!(status, 400, "not held: {body}");
    assert_eq!(a.api().with(&ta).post(&approve).await.0, 204);
    assert_eq!(
        a.api().with(&ta).post(&approve).await.0,
        400,
        "approved once"
    );
    let (total, anon) = threads(&a, "", &uuid).await;
    assert_eq!((total, has(&anon, "Avis de Sam")), (2, Some(false)));
    // Approved, it federates like any comment.
    eventually(&logs, "Sam's approved comment reaches B", 30, || async {
        has(&threads(&b, "", &uuid).await.1, "Avis de Sam").map(|_| ())
    })
    .await;

    // B's user comments on B: it waits there too, for A's decision, and on A.
    let (bob, _) = b.user(&tb, "bob", -1).await;
    let (status, posted) = b
        .api()
        .with(&bob)
        .post_json(&threads_path, json!({ "text": "Bonjour de B" }))
        .await;
    assert_eq!(status, 200, "{posted}");
    assert_eq!(posted["comment"]["heldForReview"], true);
    assert_eq!(has(&threads(&b, "", &uuid).await.1, "Bonjour de B"), None);
    assert_eq!(
        has(&threads(&b, &bob, &uuid).await.1, "Bonjour de B"),
        Some(true)
    );
    eventually(&logs, "Bob's comment waits on A", 30, || async {
        has(&threads(&a, &ta, &uuid).await.1, "Bonjour de B")
            .filter(|held| *held)
            .map(|_| ())
    })
    .await;
    assert_eq!(has(&threads(&a, "", &uuid).await.1, "Bonjour de B"), None);

    // Somebody else's approval is not the owner's: B keeps it held.
    let peer = Peer::start().await;
    let mallory = peer.actor("/accounts/mallory", "Person", "mallory", json!({}));
    let bob_url = posted["comment"]["url"].as_str().unwrap().to_string();
    let mut forged = activity(
        "ApproveReply",
        &format!("{}/approvals/1", peer.base),
        &mallory,
        json!(bob_url),
    );
    forged["inReplyTo"] = json!(doc["id"]);
    let (status, why) = peer
        .send(&mallory, &format!("{}/inbox", b.url), &forged)
        .await;
    assert_eq!(status, 204, "{why}");
    b.settled(&tb, "inbox").await;
    assert_eq!(
        has(&threads(&b, &bob, &uuid).await.1, "Bonjour de B"),
        Some(true),
        "still held"
    );
    // The owner approves on A: B hears it and shows it to all.
    let on_a = comment_id(&a, &ta, &uuid, "Bonjour de B").await;
    assert_eq!(
        a.api()
            .with(&ta)
            .post(&format!("/api/v1/videos/{uuid}/comments/{on_a}/approve"))
            .await
            .0,
        204
    );
    assert_eq!(
        has(&threads(&a, "", &uuid).await.1, "Bonjour de B"),
        Some(false)
    );
    eventually(&logs, "A's ApproveReply reaches B", 30, || async {
        has(&threads(&b, "", &uuid).await.1, "Bonjour de B")
            .filter(|held| !*held)
            .map(|_| ())
    })
    .await;
    let (_, tree) = b
        .api()
        .get_json(&format!(
            "{threads_path}/{}",
            posted["comment"]["id"].as_i64().unwrap()
        ))
        .await;
    assert_eq!(tree["comment"]["heldForReview"], false);
    // B's Note now carries A's approval (FEP-5624's `replyApproval`).
    let (_, note) = ap_get(&bob_url).await;
    assert_eq!(
        note["replyApproval"],
        format!(
            "{}/videos/watch/{uuid}/comments/{on_a}/approve-reply",
            a.url
        )
    );

    // A refusal: the owner deletes a held comment of B's, and B deletes it too.
    let (status, refused) = b
        .api()
        .with(&bob)
        .post_json(&threads_path, json!({ "text": "Publicité" }))
        .await;
    assert_eq!(status, 200, "{refused}");
    let on_a = eventually(&logs, "the second comment waits on A", 30, || async {
        let (_, t) = a.api().with(&ta).get_json(&threads_path).await;
        t["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["text"] == "Publicité")
            .map(|c| c["id"].as_i64().unwrap())
    })
    .await;
    assert_eq!(
        a.api()
            .with(&ta)
            .delete(&format!("/api/v1/videos/{uuid}/comments/{on_a}"))
            .await
            .0,
        204
    );
    let refused_id = refused["comment"]["id"].as_i64().unwrap();
    eventually(&logs, "A's RejectReply reaches B", 30, || async {
        let (_, tree) = b
            .api()
            .with(&bob)
            .get_json(&format!("{threads_path}/{refused_id}"))
            .await;
        (tree["comment"]["isDeleted"] == true).then_some(())
    })
    .await;

    a.stop().await;
    b.stop().await;
});

// Watched words and automatic tags: an account's lists (its owner's or an administrator's) and
// the instance's (moderators'), the tags comments and videos get from them, the comments an
// account holds for a tag, and the lists filtered by tag.
both!(watched_words_and_automatic_tags, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let root = inst.root_token().await;
    let (tina, _) = inst.user(&root, "tina", -1).await;
    let api = inst.api().with(&root);
    let lists = "/api/v1/watched-words/accounts/root/lists";

    let (status, made) = api
        .post_json(
            lists,
            json!({ "listName": "insultes", "words": ["idiot", "crétin"] }),
        )
        .await;
    assert_eq!(status, 200, "{made}");
    let insults = made["watchedWordsList"]["id"].as_i64().unwrap();
    // PeerTube's scripts send forms, lists as `words[]`.
    let r = api
        .request(reqwest::Method::POST, lists)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("listName=promo&words[]=soldes&words[]=promo%20du%20jour")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    for (body, want) in [
        (json!({ "listName": "insultes", "words": ["x"] }), 409),
        (json!({ "listName": "", "words": ["x"] }), 400),
        (json!({ "listName": "vide", "words": [] }), 400),
        (
            json!({ "listName": "long", "words": ["x".repeat(101)] }),
            400,
        ),
        (json!({ "listName": "trop", "words": vec!["w"; 501] }), 400),
        (json!({ "words": ["x"] }), 400),
    ] {
        let (status, why) = api.post_json(lists, body.clone()).await;
        assert_eq!(status, want, "{body}: {why}");
    }
    let (_, page) = api.get_json(&format!("{lists}?sort=listName")).await;
    assert_eq!(page["total"], 2, "{page}");
    assert_eq!(page["data"][0]["listName"], "insultes");
    assert_eq!(page["data"][0]["words"], json!(["idiot", "crétin"]));
    assert_eq!(page["data"][1]["words"], json!(["soldes", "promo du jour"]));
    let (status, _) = api
        .put_json(
            &format!("{lists}/{insults}"),
            json!({ "words": ["idiot", "crétin", "abruti"] }),
        )
        .await;
    assert_eq!(status, 204);
    // Only the account's owner (or an administrator) reads and changes its lists.
    assert_eq!(inst.api().with(&tina).get_json(lists).await.0, 403);
    assert_eq!(inst.api().get_json(lists).await.0, 401);
    assert_eq!(
        api.get_json("/api/v1/watched-words/accounts/nobody/lists")
            .await
            .0,
        404
    );
    assert_eq!(
        inst.api()
            .with(&tina)
            .delete(&format!("{lists}/{insults}"))
            .await
            .0,
        403
    );
    // The instance's lists are the moderators'.
    let server = "/api/v1/watched-words/server/lists";
    assert_eq!(
        inst.api()
            .with(&tina)
            .post_json(server, json!({ "listName": "x", "words": ["y"] }))
            .await
            .0,
        403
    );
    let (status, made) = api
        .post_json(
            server,
            json!({ "listName": "arnaques", "words": ["bitcoin"] }),
        )
        .await;
    assert_eq!(status, 200, "{made}");
    let (_, available) = api
        .get_json("/api/v1/automatic-tags/accounts/root/available")
        .await;
    assert_eq!(
        available["available"],
        json!([
            { "name": "insultes", "type": "watched-words-list" },
            { "name": "promo", "type": "watched-words-list" },
            { "name": "external-link", "type": "core" },
        ])
    );
    let (_, available) = api
        .get_json("/api/v1/automatic-tags/server/available")
        .await;
    assert_eq!(available["available"][0]["name"], "arnaques");

    // Root holds the comments tagged "insultes".
    let policies = "/api/v1/automatic-tags/policies/accounts/root/comments";
    assert_eq!(
        api.put_json(policies, json!({ "review": ["inconnu"] }))
            .await
            .0,
        400
    );
    assert_eq!(
        api.put_json(policies, json!({ "review": ["insultes"] }))
            .await
            .0,
        204
    );
    assert_eq!(
        api.get_json(policies).await.1["review"],
        json!(["insultes"])
    );
    assert_eq!(inst.api().with(&tina).get_json(policies).await.0, 403);

    let (short, uuid) = inst.publish(&root, "Promo Bitcoin").await;
    let threads_path = format!("/api/v1/videos/{uuid}/comment-threads");
    let as_tina = inst.api().with(&tina);
    let (_, rude) = as_tina
        .post_json(&threads_path, json!({ "text": "Quel ABRUTI !" }))
        .await;
    assert_eq!(rude["comment"]["heldForReview"], true, "{rude}");
    let (_, linked) = as_tina
        .post_json(
            &threads_path,
            json!({ "text": "Mon bitcoin sur https://spam.example/x, abrutissant" }),
        )
        .await;
    assert_eq!(linked["comment"]["heldForReview"], false, "{linked}");
    let (_, ours) = as_tina
        .post_json(
            &threads_path,
            json!({ "text": format!("Voir {}/w/{short}", inst.url) }),
        )
        .await;
    let tags_of = |list: &Value, id: &Value| {
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == *id)
            .map(|c| c["automaticTags"].clone())
            .unwrap()
    };
    let (_, mine) = api.get_json("/api/v1/users/me/videos/comments").await;
    assert_eq!(mine["total"], 3, "{mine}");
    assert_eq!(tags_of(&mine, &rude["comment"]["id"]), json!(["insultes"]));
    assert_eq!(
        tags_of(&mine, &linked["comment"]["id"]),
        json!(["external-link"])
    );
    assert_eq!(
        tags_of(&mine, &ours["comment"]["id"]),
        json!([]),
        "our own link"
    );
    let (_, all) = api
        .get_json("/api/v1/videos/comments?autoTagOneOf=arnaques")
        .await;
    assert_eq!(all["total"], 1, "{all}");
    assert_eq!(
        all["data"][0]["automaticTags"],
        json!(["arnaques", "external-link"])
    );
    let (_, held) = api
        .get_json("/api/v1/users/me/videos/comments?autoTagOneOf[]=insultes&autoTagOneOf[]=promo")
        .await;
    assert_eq!(held["total"], 1, "{held}");
    assert_eq!(held["data"][0]["heldForReview"], true);

    // Videos get the instance's tags; only moderators see them and filter by them.
    // (PeerTube's `include` 64; 32 is the source.)
    let (_, tagged) = api.get_json("/api/v1/videos?include=64").await;
    assert_eq!(tagged["data"][0]["automaticTags"], json!(["arnaques"]));
    assert!(tagged["data"][0].get("videoSource").is_none(), "{tagged}");
    let (_, found) = api.get_json("/api/v1/videos?autoTagOneOf=arnaques").await;
    assert_eq!(found["total"], 1, "{found}");
    let (_, none) = api.get_json("/api/v1/videos?autoTagOneOf=promo").await;
    assert_eq!(none["total"], 0);
    assert_eq!(
        as_tina
            .get_json("/api/v1/videos?autoTagOneOf=arnaques")
            .await
            .0,
        403
    );
    assert_eq!(
        inst.api()
            .get_json("/api/v1/videos?autoTagOneOf=arnaques")
            .await
            .0,
        401
    );

    assert_eq!(api.delete(&format!("{lists}/{insults}")).await.0, 204);
    assert_eq!(api.delete(&format!("{lists}/{insults}")).await.0, 404);
    let (_, page) = api.get_json(lists).await;
    assert_eq!(page["total"], 1);
    inst.stop().await;
});

//! Federation, as other servers meet us: WebFinger, NodeInfo, host-meta, actor and video documents
//! by content negotiation, collections; and the social API they feed (ratings, comment threads,
//! the isLocal filter) — in PeerTube's shapes, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_testkit::{Instance, ap_get, both};
use serde_json::Value;

async fn get(inst: &Instance, path: &str) -> (u16, String, Value) {
    let r = inst
        .http
        .get(format!("{}{path}", inst.url))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let ctype = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = r.text().await.unwrap();
    (
        status,
        ctype,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

both!(discovery_actors_videos_ratings_comments, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let host = inst.host();
    let base = inst.url.clone();

    // The account, its channel and the instance actor, by handle and by URL.
    for (resource, actor) in [
        (format!("acct:root@{host}"), format!("{base}/accounts/root")),
        (
            format!("root_channel@{host}"),
            format!("{base}/video-channels/root_channel"),
        ),
        (
            format!("acct:peertube@{host}"),
            format!("{base}/accounts/peertube"),
        ),
        (
            format!("{base}/accounts/root"),
            format!("{base}/accounts/root"),
        ),
    ] {
        let (status, ctype, jrd) = get(
            &inst,
            &format!("/.well-known/webfinger?resource={resource}"),
        )
        .await;
        assert_eq!(status, 200, "{resource}: {jrd}");
        assert!(ctype.starts_with("application/jrd+json"), "{ctype}");
        assert_eq!(jrd["aliases"][0], actor.as_str());
        let this = jrd["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "self")
            .unwrap();
        assert_eq!(this["type"], "application/activity+json");
        assert_eq!(this["href"], actor.as_str());
        assert!(jrd["subject"].as_str().unwrap().starts_with("acct:"));
    }
    // Unknown names, other hosts, nothing asked.
    let (status, _, _) = get(
        &inst,
        &format!("/.well-known/webfinger?resource=acct:nobody@{host}"),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _, _) = get(
        &inst,
        "/.well-known/webfinger?resource=acct:root@elsewhere.example",
    )
    .await;
    assert_eq!(status, 404);
    let (status, _, _) = get(&inst, "/.well-known/webfinger").await;
    assert_eq!(status, 400);

    // The actors behind those handles, by content negotiation on their ids, in PeerTube's shapes.
    let ap = |path: String| {
        let url = format!("{}{path}", inst.url);
        async move {
            let (status, doc) = ap_get(&url).await;
            assert_eq!(status, 200, "{path}");
            doc
        }
    };
    let fixtures = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/fixtures/peertube-8.0.1/ap/"
    );
    for (path, kind, fixture) in [
        ("/accounts/root", "Person", "actor-person.json"),
        ("/video-channels/root_channel", "Group", "actor-group.json"),
        (
            "/accounts/peertube",
            "Application",
            "actor-application.json",
        ),
    ] {
        let doc = ap(path.to_string()).await;
        let theirs: Value =
            serde_json::from_str(&std::fs::read_to_string(format!("{fixtures}{fixture}")).unwrap())
                .unwrap();
        assert_eq!(doc["type"], kind);
        assert_eq!(doc["id"], format!("{base}{path}"));
        for key in theirs.as_object().unwrap().keys() {
            assert!(
                doc.get(key).is_some() || key == "playerSettings",
                "{path}: {key} missing"
            );
        }
        assert_eq!(doc["@context"], theirs["@context"], "{path}");
        assert_eq!(doc["publicKey"]["id"], format!("{base}{path}#main-key"));
        assert!(
            doc["publicKey"]["publicKeyPem"]
                .as_str()
                .unwrap()
                .starts_with("-----BEGIN PUBLIC KEY-----")
        );
        assert_eq!(doc["endpoints"]["sharedInbox"], format!("{base}/inbox"));
        // The key is made once and kept.
        assert_eq!(ap(path.to_string()).await["publicKey"], doc["publicKey"]);
    }
    let group = ap("/video-channels/root_channel".into()).await;
    assert_eq!(
        group["attributedTo"],
        serde_json::json!([format!("{base}/accounts/root")])
    );
    let r = inst
        .http
        .get(format!("{base}/accounts/root"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection(), "browsers get the page");
    let r = inst
        .http
        .get(format!("{base}/accounts/nobody"))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // NodeInfo: the links (2.0, 2.1, the instance actor), then the documents with usage figures.
    let (status, _, links) = get(&inst, "/.well-known/nodeinfo").await;
    assert_eq!(status, 200);
    let rels: Vec<&str> = links["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rel"].as_str().unwrap())
        .collect();
    assert!(rels.contains(&"http://nodeinfo.diaspora.software/ns/schema/2.0"));
    assert!(rels.contains(&"http://nodeinfo.diaspora.software/ns/schema/2.1"));
    assert!(rels.contains(&"https://www.w3.org/ns/activitystreams#Application"));
    for v in ["2.0", "2.1"] {
        let (status, ctype, ni) = get(&inst, &format!("/nodeinfo/{v}.json")).await;
        assert_eq!(status, 200);
        assert!(ctype.contains(&format!("schema/{v}#")), "{ctype}");
        assert_eq!(ni["version"], v);
        assert_eq!(ni["software"]["name"], "ruche");
        assert_eq!(ni["protocols"][0], "activitypub");
        assert_eq!(ni["usage"]["users"]["total"], 1);
        assert_eq!(ni["usage"]["localPosts"], 0);
        assert_eq!(ni["openRegistrations"], false);
    }
    // An upload counts once published; a login makes an active user.
    let token = inst.root_token().await;
    let dir = tempfile::tempdir().unwrap();
    let clip = ruche_testkit::small_clip(dir.path());
    let (status, body) = inst.upload(&token, &clip, 1, "Une vidéo").await;
    assert_eq!(status, 200, "{body}");
    let id = body["video"]["shortUUID"].as_str().unwrap().to_string();
    inst.wait_transcoded(&token, &id, 2).await;
    let (_, _, ni) = get(&inst, "/nodeinfo/2.0.json").await;
    assert_eq!(ni["usage"]["localPosts"], 1);
    assert_eq!(ni["usage"]["users"]["activeMonth"], 1);

    // The video as ActivityPub, by content negotiation on its id (and on /w/), in PeerTube's shape.
    let (_, v) = inst.get_json(&token, &format!("/api/v1/videos/{id}")).await;
    let uuid = v["uuid"].as_str().unwrap().to_string();
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/fixtures/peertube-8.0.1/ap/video.json"
        ))
        .unwrap(),
    )
    .unwrap();
    for (path, accept) in [
        (format!("/videos/watch/{uuid}"), "application/activity+json"),
        (
            format!("/w/{id}"),
            "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
        ),
    ] {
        let r = inst
            .http
            .get(format!("{base}{path}"))
            .header("Accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/activity+json")
        );
        let ap: Value = r.json().await.unwrap();
        // PeerTube 8's context, plus the one PeerTube 6 term we still send.
        let mut context = fixture["@context"].clone();
        context[3]["commentsEnabled"] = serde_json::json!("pt:commentsEnabled");
        assert_eq!(ap["@context"], context);
        assert_eq!(ap["type"], "Video");
        assert_eq!(ap["id"], format!("{base}/videos/watch/{uuid}"));
        for key in fixture.as_object().unwrap().keys() {
            let skipped = ["preview", "schedules", "hasParts", "playerSettings"];
            assert!(
                ap.get(key).is_some() || skipped.contains(&key.as_str()),
                "{key} missing"
            );
        }
        let url = ap["url"].as_array().unwrap();
        assert_eq!(
            url[0]["mediaType"], "text/html",
            "Mastodon shows the first link"
        );
        let hls = url
            .iter()
            .find(|u| u["mediaType"] == "application/x-mpegURL")
            .unwrap();
        let tags = hls["tag"].as_array().unwrap();
        assert!(tags.iter().any(|t| t["name"] == "sha256"));
        assert!(tags.iter().any(|t| t["mediaType"] == "video/mp4"));
        assert_eq!(
            ap["attributedTo"],
            serde_json::json!([
                format!("{base}/accounts/root"),
                format!("{base}/video-channels/root_channel")
            ])
        );
        assert_eq!(ap["to"][0], "https://www.w3.org/ns/activitystreams#Public");
    }
    // Collections as PeerTube serves them: the size and first page, then the page.
    let outbox = ap("/accounts/root/outbox".into()).await;
    assert_eq!(outbox["type"], "OrderedCollection");
    assert_eq!(outbox["totalItems"], 1);
    assert_eq!(
        outbox["first"],
        format!("{base}/accounts/root/outbox?page=1")
    );
    let page = ap("/accounts/root/outbox?page=1".into()).await;
    assert_eq!(page["type"], "OrderedCollectionPage");
    assert_eq!(page["orderedItems"][0]["type"], "Create");
    assert_eq!(
        page["orderedItems"][0]["object"],
        format!("{base}/videos/watch/{uuid}")
    );
    assert_eq!(
        page["orderedItems"][0]["actor"],
        format!("{base}/accounts/root")
    );
    let announces = ap("/video-channels/root_channel/outbox?page=1".into()).await;
    assert_eq!(announces["orderedItems"][0]["type"], "Announce");
    assert_eq!(ap("/accounts/root/followers".into()).await["totalItems"], 0);
    let likes = ap(format!("/videos/watch/{uuid}/likes")).await;
    assert_eq!(likes["id"], format!("{base}/videos/watch/{uuid}/likes"));
    assert_eq!(likes["totalItems"], 0);

    // Ratings: one per account, counters kept true, the likes collection follows.
    let rate = |rating: &'static str, token: Option<String>| {
        let api = match token {
            Some(t) => inst.api().with(&t),
            None => inst.api(),
        };
        let path = format!("/api/v1/videos/{uuid}/rate");
        async move {
            let body = serde_json::json!({ "rating": rating });
            api.put_json(&path, body).await.0
        }
    };
    assert_eq!(rate("like", Some(token.clone())).await, 204);
    assert_eq!(
        rate("like", Some(token.clone())).await,
        204,
        "twice is still one like"
    );
    let (_, mine) = inst
        .get_json(&token, &format!("/api/v1/users/me/videos/{uuid}/rating"))
        .await;
    assert_eq!(mine["rating"], "like");
    let (_, details) = inst
        .get_json(&token, &format!("/api/v1/videos/{uuid}"))
        .await;
    assert_eq!(
        (details["likes"].as_i64(), details["dislikes"].as_i64()),
        (Some(1), Some(0))
    );
    assert_eq!(
        ap(format!("/videos/watch/{uuid}/likes")).await["totalItems"],
        1
    );
    assert_eq!(rate("dislike", Some(token.clone())).await, 204);
    let (_, details) = inst
        .get_json(&token, &format!("/api/v1/videos/{uuid}"))
        .await;
    assert_eq!(
        (details["likes"].as_i64(), details["dislikes"].as_i64()),
        (Some(0), Some(1))
    );
    assert_eq!(rate("none", Some(token.clone())).await, 204);
    let (_, details) = inst
        .get_json(&token, &format!("/api/v1/videos/{uuid}"))
        .await;
    assert_eq!(
        (details["likes"].as_i64(), details["dislikes"].as_i64()),
        (Some(0), Some(0))
    );
    assert_eq!(rate("love", Some(token.clone())).await, 400);
    assert_eq!(rate("like", None).await, 401);

    // Comment threads: a thread, replies in a tree, who may delete.
    let (ana, _) = inst.user(&token, "ana", -1).await;
    let post = |path: String, token: String, text: &'static str| {
        let api = inst.api().with(&token);
        async move {
            api.post_json(&path, serde_json::json!({ "text": text }))
                .await
        }
    };
    let (status, first) = post(
        format!("/api/v1/videos/{uuid}/comment-threads"),
        ana.clone(),
        "Très belle vidéo !",
    )
    .await;
    assert_eq!(status, 200, "{first}");
    let thread = first["comment"]["id"].as_i64().unwrap();
    assert_eq!(first["comment"]["threadId"], thread);
    assert_eq!(first["comment"]["account"]["name"], "ana");
    let (_, answer) = post(
        format!("/api/v1/videos/{uuid}/comments/{thread}"),
        token.clone(),
        "Merci Ana",
    )
    .await;
    let answer_id = answer["comment"]["id"].as_i64().unwrap();
    assert_eq!(answer["comment"]["inReplyToCommentId"], thread);
    let (_, deeper) = post(
        format!("/api/v1/videos/{uuid}/comments/{answer_id}"),
        ana.clone(),
        "Avec plaisir",
    )
    .await;
    assert_eq!(deeper["comment"]["threadId"], thread);
    let (status, _) = post(
        format!("/api/v1/videos/{uuid}/comment-threads"),
        ana.clone(),
        "  ",
    )
    .await;
    assert_eq!(status, 400, "an empty comment");
    let (status, _) = post(
        format!("/api/v1/videos/{uuid}/comments/99999"),
        ana.clone(),
        "x",
    )
    .await;
    assert_eq!(status, 404, "a reply to nothing");
    let (_, details) = inst
        .get_json(&token, &format!("/api/v1/videos/{uuid}"))
        .await;
    assert_eq!(details["comments"], 3, "the video counts its comments");
    let (_, list) = inst
        .get_json(&token, &format!("/api/v1/videos/{uuid}/comment-threads"))
        .await;
    assert_eq!(
        (
            list["total"].as_i64(),
            list["totalNotDeletedComments"].as_i64()
        ),
        (Some(1), Some(3))
    );
    assert_eq!(list["data"][0]["totalReplies"], 2);
    let (_, tree) = inst
        .get_json(
            &token,
            &format!("/api/v1/videos/{uuid}/comment-threads/{thread}"),
        )
        .await;
    assert_eq!(tree["comment"]["text"], "Très belle vidéo !");
    assert_eq!(tree["children"][0]["comment"]["text"], "Merci Ana");
    assert_eq!(
        tree["children"][0]["children"][0]["comment"]["text"],
        "Avec plaisir"
    );
    let delete = |id: i64, token: String| {
        let api = inst.api().with(&token);
        let path = format!("/api/v1/videos/{uuid}/comments/{id}");
        async move { api.delete(&path).await.0 }
    };
    assert_eq!(delete(answer_id, ana.clone()).await, 403, "not hers");
    assert_eq!(
        delete(thread, token.clone()).await,
        204,
        "the video's owner may"
    );
    let (_, tree) = inst
        .get_json(
            &token,
            &format!("/api/v1/videos/{uuid}/comment-threads/{thread}"),
        )
        .await;
    assert_eq!(tree["comment"]["isDeleted"], true);
    assert_eq!(tree["comment"]["text"], "");
    assert_eq!(
        tree["children"][0]["comment"]["text"], "Merci Ana",
        "replies keep their place"
    );

    // The watch page draws the thread; ana comments and deletes her comment from it, and
    // nothing is changed without her session's token or with an empty text.
    let page = inst.page(&inst.http, &format!("/w/{id}")).await;
    assert!(page.contains("Merci Ana"), "replies are drawn");
    assert!(!page.contains("comment-form"), "no form for visitors");
    let (browser, csrf) = inst.browser_login("ana", "secret-pass").await;
    let say = |csrf: String, text: &'static str| {
        let (browser, url) = (browser.clone(), format!("{base}/w/{id}/comments"));
        async move {
            browser
                .post(url)
                .form(&[("csrf", csrf.as_str()), ("text", text)])
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(say("forged".into(), "Non").await.status(), 403);
    let r = say(csrf.clone(), "   ").await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("1 to 10,000"));
    let r = say(csrf.clone(), "Depuis la *page*").await;
    assert!(
        r.status().is_redirection() || r.status() == 200,
        "{}",
        r.status()
    );
    let page = inst.page(&browser, &format!("/w/{id}")).await;
    assert!(
        page.contains("Depuis la <em>page</em>"),
        "markdown, cleaned"
    );
    let (_, threads) = inst
        .get_json(&token, &format!("/api/v1/videos/{uuid}/comment-threads"))
        .await;
    let mine = threads["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["text"] == "Depuis la *page*")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    assert!(
        page.contains(&format!("/comments/{mine}/delete")),
        "hers to delete"
    );
    let r = browser
        .post(format!("{base}/w/{id}/comments/{mine}/delete"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection() || r.status() == 200);
    let page = inst.page(&browser, &format!("/w/{id}")).await;
    assert!(!page.contains("Depuis la <em>page</em>"));

    // The isLocal filter of video lists: ours, or only other instances'.
    let (_, local) = inst.get_json(&token, "/api/v1/videos?isLocal=true").await;
    assert_eq!(local["total"], 1);
    let (_, remote) = inst.get_json(&token, "/api/v1/videos?isLocal=false").await;
    assert_eq!(remote["total"], 0);
    let (status, _) = inst.get_json(&token, "/api/v1/videos?isLocal=maybe").await;
    assert_eq!(status, 400);

    // A browser still gets the page.
    let r = inst
        .http
        .get(format!("{base}/videos/watch/{uuid}"))
        .header("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection() || r.status() == 200);
    let ctype = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string());
    assert!(!ctype.unwrap_or_default().contains("activity"));

    let (status, ctype, xrd) = get(&inst, "/.well-known/host-meta").await;
    assert_eq!(status, 200);
    assert!(ctype.starts_with("application/xrd+xml"));
    assert!(xrd.as_str().unwrap().contains(&format!(
        "template=\"{base}/.well-known/webfinger?resource={{uri}}\""
    )));
    inst.stop().await;
});

//! What a Ruche inbox refuses, against a real `ruche serve`: unsigned, forged and stale
//! requests, another actor's key, a body that does not match its digest, an actor speaking
//! through someone else without its own signature, a replay, an oversized or malformed body, an
//! object of another host — each refused with its reason, and nothing changed. And what it
//! takes: a signed Follow, a comment, a comment forwarded with its author's LD signature.
//!
//! The remote actors are served by a small server of this test on loopback, with keys the test
//! holds, so it can sign as they do (draft-cavage over `(request-target) host date digest`).
#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_testkit::peer::{Peer, sign};
use ruche_testkit::{Instance, ap_get, both};
use serde_json::{Value, json};
use std::time::{Duration, SystemTime};

/// A remote instance of actors we hold the keys of, at `/users/<name>`.
struct Remote {
    base: String,
    keys: Vec<(String, String)>,
    _peer: Peer,
}

impl Remote {
    async fn start(names: &[&str]) -> Remote {
        let peer = Peer::start().await;
        let keys = names
            .iter()
            .map(|n| {
                let id = peer.actor(&format!("/users/{n}"), "Person", n, json!({}));
                (n.to_string(), peer.private(&id))
            })
            .collect();
        Remote {
            base: peer.base.clone(),
            keys,
            _peer: peer,
        }
    }

    fn actor(&self, name: &str) -> String {
        format!("{}/users/{name}", self.base)
    }

    fn private(&self, name: &str) -> &str {
        &self.keys.iter().find(|(n, _)| n == name).unwrap().1
    }
}

async fn channel_followers(inst: &Instance) -> i64 {
    let url = format!("{}/video-channels/root_channel/followers", inst.url);
    ap_get(&url).await.1["totalItems"].as_i64().unwrap()
}

async fn comments(inst: &Instance, uuid: &str) -> Vec<String> {
    let path = format!("/api/v1/videos/{uuid}/comment-threads");
    let (_, t) = inst.api().get_json(&path).await;
    t["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

both!(inbox_refusals, |db| async move {
    let inst = Instance::start(db, &[("RUCHE_FEDERATION_ALLOW_INSECURE", "true")]).await;
    let remote = Remote::start(&["mallory", "alice"]).await;
    let token = inst.root_token().await;
    let dir = tempfile::tempdir().unwrap();
    let clip = ruche_testkit::small_clip(dir.path());
    let (_, up) = inst.upload(&token, &clip, 1, "Sous surveillance").await;
    let short = up["video"]["shortUUID"].as_str().unwrap().to_string();
    let v = inst.wait_transcoded(&token, &short, 2).await;
    let uuid = v["uuid"].as_str().unwrap().to_string();
    let video = format!("{}/videos/watch/{uuid}", inst.url);
    let inbox = format!("{}/inbox", inst.url);
    let now = SystemTime::now();
    let (mallory, alice) = (remote.actor("mallory"), remote.actor("alice"));
    let mkey = format!("{mallory}#main-key");
    // A request to our shared inbox, signed with mallory's key and dated `date`.
    let by_mallory =
        |body: &[u8], date: SystemTime| sign(&inbox, body, &mkey, remote.private("mallory"), date);

    let note = |id: &str, by: &str, text: &str| {
        json!({
            "@context": ["https://www.w3.org/ns/activitystreams"],
            "id": format!("{id}/activity"), "type": "Create", "actor": by,
            "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [format!("{}/accounts/root", inst.url)],
            "object": {
                "id": id, "type": "Note", "attributedTo": by, "content": format!("<p>{text}</p>"),
                "inReplyTo": video, "to": ["https://www.w3.org/ns/activitystreams#Public"],
            },
        })
    };

    // Unsigned.
    let body =
        serde_json::to_vec(&note(&format!("{mallory}/notes/1"), &mallory, "unsigned")).unwrap();
    let res = inst
        .http
        .post(&inbox)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(res.text().await.unwrap().contains("not signed"));

    // Forged: signed with a key that is not the one mallory publishes.
    let (_, other) = ruche_federation::generate_key_pair().unwrap();
    let (status, why) = sign(&inbox, &body, &mkey, &other, now).post(&inbox).await;
    assert_eq!(status, 401, "{why}");
    assert!(why.contains("does not verify"), "{why}");

    // Another actor's key: alice's key id, mallory's signature.
    let alices_key = format!("{alice}#main-key");
    let (status, _) = sign(&inbox, &body, &alices_key, remote.private("mallory"), now)
        .post(&inbox)
        .await;
    assert_eq!(status, 401);

    // A stale date, two hours old.
    let (status, why) = by_mallory(&body, now - Duration::from_secs(7200))
        .post(&inbox)
        .await;
    assert_eq!(status, 401, "{why}");
    assert!(why.contains("away from ours"), "{why}");

    // The body changed after signing: its digest no longer matches.
    let mut tampered = by_mallory(&body, now);
    tampered.body =
        serde_json::to_vec(&note(&format!("{mallory}/notes/1"), &mallory, "tampered")).unwrap();
    let (status, why) = tampered.post(&inbox).await;
    assert_eq!(status, 401, "{why}");
    assert!(why.contains("Digest"), "{why}");

    // Mastodon's own captured request with a body that is not what it signed.
    let captured: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/ap/mastodon/bad-body-http-signature.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let mut r = inst.http.post(&inbox);
    for (k, v) in captured["headers"].as_object().unwrap() {
        if !matches!(k.to_ascii_lowercase().as_str(), "host" | "content-length") {
            r = r.header(k.as_str(), v.as_str().unwrap());
        }
    }
    let res = r.body(captured["body"].to_string()).send().await.unwrap();
    assert_eq!(res.status(), 401, "Mastodon's bad-body request");

    // An actor speaking through another signer, with no signature of its own: alice's note,
    // delivered by mallory. alice's instance has no such note, so it cannot be read again.
    let as_alice =
        serde_json::to_vec(&note(&format!("{alice}/notes/9"), &alice, "not mine")).unwrap();
    let (status, why) = by_mallory(&as_alice, now).post(&inbox).await;
    assert_eq!(status, 403, "{why}");

    // An object of another host, created by mallory.
    let elsewhere = serde_json::to_vec(&note(
        "https://evil.example/notes/1",
        &mallory,
        "from elsewhere",
    ))
    .unwrap();
    let (status, why) = by_mallory(&elsewhere, now).post(&inbox).await;
    assert_eq!(status, 403, "{why}");

    // Not JSON; JSON that is no activity.
    let (status, _) = by_mallory(b"{not json", now).post(&inbox).await;
    assert_eq!(status, 400);
    let (status, _) = by_mallory(br#"{"type":"Create"}"#, now).post(&inbox).await;
    assert_eq!(status, 400);

    // Oversized: refused before it is read.
    let huge = vec![b' '; 2 * 1024 * 1024];
    let (status, _) = by_mallory(&huge, now).post(&inbox).await;
    assert_eq!(status, 413);

    inst.settled(&token, "inbox").await;
    assert!(
        comments(&inst, &uuid).await.is_empty(),
        "nothing refused left a comment"
    );
    assert_eq!(channel_followers(&inst).await, 0);

    // What is right is taken: a signed follow of the channel (on its own inbox), a comment.
    let follow = serde_json::to_vec(&json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{mallory}/follows/1"), "type": "Follow", "actor": mallory,
        "object": format!("{}/video-channels/root_channel", inst.url),
    }))
    .unwrap();
    let channel_inbox = format!("{}/video-channels/root_channel/inbox", inst.url);
    let (status, why) = sign(
        &channel_inbox,
        &follow,
        &mkey,
        remote.private("mallory"),
        now,
    )
    .post(&channel_inbox)
    .await;
    assert_eq!(status, 204, "{why}");
    let good = by_mallory(&body, now);
    let (status, why) = good.post(&inbox).await;
    assert_eq!(status, 204, "{why}");
    inst.settled(&token, "inbox").await;
    assert_eq!(channel_followers(&inst).await, 1);
    assert_eq!(
        comments(&inst, &uuid).await,
        vec!["<p>unsigned</p>".to_string()]
    );

    // mallory shares the video: it joins the video's shares, and leaves them on Undo.
    let announce = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{mallory}/announces/1"), "type": "Announce", "actor": mallory,
        "object": video, "to": ["https://www.w3.org/ns/activitystreams#Public"],
    });
    let (status, why) = by_mallory(&serde_json::to_vec(&announce).unwrap(), now)
        .post(&inbox)
        .await;
    assert_eq!(status, 204, "{why}");
    inst.settled(&token, "inbox").await;
    let shares = || async { ap_get(&format!("{video}/announces?page=1")).await.1 };
    let page = shares().await;
    assert!(
        page["orderedItems"]
            .as_array()
            .unwrap()
            .contains(&json!(format!("{mallory}/announces/1"))),
        "{page}"
    );
    let undo = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{mallory}/announces/1/undo"), "type": "Undo", "actor": mallory, "object": announce,
    });
    let (status, _) = by_mallory(&serde_json::to_vec(&undo).unwrap(), now)
        .post(&inbox)
        .await;
    assert_eq!(status, 204);
    inst.settled(&token, "inbox").await;
    let page = shares().await;
    assert!(
        !page["orderedItems"]
            .as_array()
            .unwrap()
            .contains(&json!(format!("{mallory}/announces/1"))),
        "{page}"
    );

    // Replayed: the same request again, and the same activity signed anew: nothing changes.
    let (status, _) = good.post(&inbox).await;
    assert_eq!(status, 204);
    let (status, _) = by_mallory(&body, SystemTime::now()).post(&inbox).await;
    assert_eq!(status, 204);
    inst.settled(&token, "inbox").await;
    assert_eq!(
        comments(&inst, &uuid).await.len(),
        1,
        "a replay changes nothing"
    );

    // alice's comment forwarded by mallory, carrying alice's LD signature: taken.
    let signed = ruche_federation::ld::sign(
        &note(&format!("{alice}/notes/2"), &alice, "forwarded"),
        &format!("{alice}#main-key"),
        remote.private("alice"),
        "2026-12-01T00:00:00Z",
    )
    .unwrap();
    let forwarded = serde_json::to_vec(&signed).unwrap();
    let (status, why) = by_mallory(&forwarded, SystemTime::now()).post(&inbox).await;
    assert_eq!(status, 204, "{why}");
    // The same with its content changed after alice signed: refused.
    let mut altered = signed.clone();
    altered["object"]["content"] = json!("<p>changed by mallory</p>");
    altered["id"] = json!(format!("{alice}/notes/3/activity"));
    altered["object"]["id"] = json!(format!("{alice}/notes/3"));
    let (status, _) = by_mallory(&serde_json::to_vec(&altered).unwrap(), SystemTime::now())
        .post(&inbox)
        .await;
    assert_eq!(status, 403);
    // Malformed JSON-LD: alice's signature over a document with a context nobody can read
    // (never fetched) proves nothing; refused.
    let mut odd = note(&format!("{alice}/notes/4"), &alice, "odd context");
    odd["@context"] = json!([
        "https://www.w3.org/ns/activitystreams",
        "https://evil.example/context.jsonld"
    ]);
    let odd = ruche_federation::ld::sign(
        &odd,
        &format!("{alice}#main-key"),
        remote.private("alice"),
        "2026-12-01T00:00:00Z",
    );
    assert!(odd.is_err(), "we cannot even sign it: {odd:?}");
    let mut odd = signed.clone();
    odd["@context"] = json!([
        "https://www.w3.org/ns/activitystreams",
        "https://evil.example/context.jsonld"
    ]);
    odd["id"] = json!(format!("{alice}/notes/5/activity"));
    odd["object"]["id"] = json!(format!("{alice}/notes/5"));
    let (status, _) = by_mallory(&serde_json::to_vec(&odd).unwrap(), SystemTime::now())
        .post(&inbox)
        .await;
    assert_eq!(status, 403);
    inst.settled(&token, "inbox").await;
    let texts = comments(&inst, &uuid).await;
    assert!(texts.contains(&"<p>forwarded</p>".to_string()), "{texts:?}");
    assert_eq!(texts.len(), 2, "{texts:?}");

    inst.stop().await;
});

// An activity acts only on what its actor owns: two people of one instance are two owners.
// Mallory, of alice's instance, may neither retitle, delete nor claim alice's video, nor delete
// alice's comment; alice may, and so may their instance's own actor (PeerTube's server actor).
both!(actors_act_only_on_what_they_own, |db| async move {
    use ruche_testkit::peer::{activity, video_doc};
    let inst = Instance::start(db, &[("RUCHE_FEDERATION_ALLOW_INSECURE", "true")]).await;
    let token = inst.root_token().await;
    let peer = Peer::start().await;
    let base = peer.base.clone();
    let alice = peer.actor("/accounts/alice", "Person", "alice", json!({}));
    let mallory = peer.actor("/accounts/mallory", "Person", "mallory", json!({}));
    let server = peer.actor("/accounts/peertube", "Application", "peertube", json!({}));
    let owned_by = |who: &str| json!({ "attributedTo": [{ "type": "Person", "id": who }] });
    let alice_ch = peer.actor(
        "/video-channels/alice_ch",
        "Group",
        "alice_ch",
        owned_by(&alice),
    );
    let mallory_ch = peer.actor(
        "/video-channels/mallory_ch",
        "Group",
        "mallory_ch",
        owned_by(&mallory),
    );
    let inbox = format!("{}/inbox", inst.url);
    let video = |uuid: &str, name: &str, by: (&str, &str)| {
        let v = video_doc(&base, uuid, name, by, vec![], &format!("{base}/t.jpg"));
        peer.put_json(&format!("/videos/watch/{uuid}"), &v);
        v
    };
    let name_of = |uuid: &'static str| {
        let (inst, token) = (&inst, &token);
        async move {
            let (status, v) = inst
                .get_json(token, &format!("/api/v1/videos/{uuid}"))
                .await;
            (status == 200).then(|| v["name"].as_str().unwrap_or_default().to_string())
        }
    };
    let send = |by: &str, x: Value| {
        let (peer, inbox, by) = (&peer, &inbox, by.to_string());
        async move {
            let (status, body) = peer.send(&by, inbox, &x).await;
            assert_eq!(status, 204, "{body}");
        }
    };
    let (v1, v2, v3) = (
        "0b1f7d9e-6a3c-4d2b-9e8f-000000000001",
        "0b1f7d9e-6a3c-4d2b-9e8f-000000000002",
        "0b1f7d9e-6a3c-4d2b-9e8f-000000000003",
    );
    let v1_url = format!("{base}/videos/watch/{v1}");

    // Alice publishes a video, and comments under it.
    let doc = video(v1, "La vidéo d'alice", (&alice, &alice_ch));
    send(
        &alice,
        activity("Create", &format!("{v1_url}/activity"), &alice, doc),
    )
    .await;
    inst.settled(&token, "inbox").await;
    assert_eq!(name_of(v1).await.as_deref(), Some("La vidéo d'alice"));
    let note = json!({
        "id": format!("{alice}/notes/1"), "type": "Note", "attributedTo": alice,
        "inReplyTo": v1_url, "content": "le mot d'alice", "mediaType": "text/markdown",
        "published": "2026-12-01T10:00:00.000Z",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    });
    send(
        &alice,
        activity("Create", &format!("{alice}/notes/1/activity"), &alice, note),
    )
    .await;
    inst.settled(&token, "inbox").await;
    assert_eq!(comments(&inst, v1).await, ["le mot d'alice"]);

    // Mallory retitles it, deletes it, deletes the comment, publishes in alice's channel: all
    // refused, nothing changes.
    let mut retitled = video(v1, "Volée par mallory", (&alice, &alice_ch));
    retitled["updated"] = json!("2026-12-01T11:00:00.000Z");
    send(
        &mallory,
        activity("Update", &format!("{v1_url}/updates/1"), &mallory, retitled),
    )
    .await;
    let delete = |by: &str, what: &str| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams", "type": "Delete",
            "id": format!("{what}/delete/{}", by.len()), "actor": by, "object": what,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        })
    };
    send(&mallory, delete(&mallory, &v1_url)).await;
    send(&mallory, delete(&mallory, &format!("{alice}/notes/1"))).await;
    let claimed = video(v2, "Dans la chaîne d'alice", (&mallory, &alice_ch));
    send(
        &mallory,
        activity(
            "Create",
            &format!("{base}/videos/watch/{v2}/activity"),
            &mallory,
            claimed,
        ),
    )
    .await;
    inst.settled(&token, "inbox").await;
    // The original document is served again, as the origin still has it.
    video(v1, "La vidéo d'alice", (&alice, &alice_ch));
    assert_eq!(name_of(v1).await.as_deref(), Some("La vidéo d'alice"));
    assert_eq!(comments(&inst, v1).await, ["le mot d'alice"]);
    assert_eq!(name_of(v2).await, None, "not in alice's channel");
    // In her own channel, mallory publishes as anyone does.
    let hers = video(v3, "La vidéo de mallory", (&mallory, &mallory_ch));
    send(
        &mallory,
        activity(
            "Create",
            &format!("{base}/videos/watch/{v3}/activity"),
            &mallory,
            hers,
        ),
    )
    .await;
    inst.settled(&token, "inbox").await;
    assert_eq!(name_of(v3).await.as_deref(), Some("La vidéo de mallory"));

    // Alice deletes her comment; their instance's actor deletes alice's video (a moderator's
    // act, as PeerTube's server actor speaks for its instance).
    send(&alice, delete(&alice, &format!("{alice}/notes/1"))).await;
    send(&server, delete(&server, &v1_url)).await;
    inst.settled(&token, "inbox").await;
    assert_eq!(name_of(v1).await, None, "deleted by the instance's actor");
    inst.stop().await;
});

// A flood of requests naming keys costs a fetch per key per while, not one per request: an
// unknown key on a server that does not answer is not asked for again at once, and a known
// actor is not fetched again on every signature that fails to verify (forgeries).
both!(keys_are_fetched_once_however_often_named, |db| async move {
    let inst = Instance::start(db, &[("RUCHE_FEDERATION_ALLOW_INSECURE", "true")]).await;
    let peer = Peer::start().await;
    let alice = peer.actor("/users/alice", "Person", "alice", json!({}));
    let inbox = format!("{}/inbox", inst.url);
    let (_, forger) = ruche_federation::generate_key_pair().unwrap();
    let follow = |actor: &str, n: usize| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams", "type": "Follow",
            "id": format!("{actor}/follows/{n}"), "actor": actor,
            "object": format!("{}/accounts/root", inst.url),
        })
    };
    // A key nobody serves, named twenty times.
    let ghost = format!("{}/users/ghost", peer.base);
    for n in 0..20 {
        let body = serde_json::to_vec(&follow(&ghost, n)).unwrap();
        let s = sign(
            &inbox,
            &body,
            &format!("{ghost}#main-key"),
            &forger,
            SystemTime::now(),
        );
        let (status, _) = s.post(&inbox).await;
        assert_eq!(status, 401);
    }
    assert_eq!(
        peer.gets("/users/ghost"),
        1,
        "asked once, remembered as failing"
    );
    // A known actor, then twenty forgeries in its name.
    let (status, body) = peer.send(&alice, &inbox, &follow(&alice, 0)).await;
    assert_eq!(status, 204, "{body}");
    let before = peer.gets("/users/alice");
    for n in 1..21 {
        let body = serde_json::to_vec(&follow(&alice, n)).unwrap();
        let s = sign(
            &inbox,
            &body,
            &format!("{alice}#main-key"),
            &forger,
            SystemTime::now(),
        );
        let (status, _) = s.post(&inbox).await;
        assert_eq!(status, 401);
    }
    assert!(
        peer.gets("/users/alice") <= before + 1,
        "a known actor is not fetched again for every forgery: {} then {}",
        before,
        peer.gets("/users/alice")
    );
    inst.stop().await;
});

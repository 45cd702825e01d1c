//! Search as PeerTube's clients use it, against real `ruche serve`s (SQLite and PostgreSQL):
//! words over titles, tags, descriptions and channel names (accents, case and plural ignored,
//! best match first, with the list filters), channels by name; and "search by URL": a user of
//! one instance pastes another instance's video URL or channel handle and gets it, fetched
//! through federation (an anonymous visitor only finds what is known here).

#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_testkit::{Instance, both, query_escape as q, small_clip};
use serde_json::{Value, json};

/// `GET path` on `inst` as `token` (or nobody): the body.
async fn get(inst: &Instance, token: Option<&str>, path: &str) -> Value {
    let api = match token {
        Some(t) => inst.api().with(t),
        None => inst.api(),
    };
    let (s, v) = api.get_json(path).await;
    assert_eq!(s, 200, "{path}: {v}");
    v
}

fn names(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_string())
        .collect()
}

const FEDERATION: &[(&str, &str)] = &[
    ("RUCHE_FEDERATION_ALLOW_INSECURE", "true"),
    ("RUCHE_FEDERATION_DELIVERY_TIMEOUT_SECS", "3"),
];

both!(words_urls_and_handles, |db| async move {
    let a = Instance::start(db, FEDERATION).await;
    let b = Instance::start(db, FEDERATION).await;
    let root = a.root_token().await;
    let (alice, ch) = a.user(&root, "alice", -1).await;
    let dir = tempfile::tempdir().unwrap();
    let clip = small_clip(dir.path());
    let mut ids = Vec::new();
    for (name, fields) in [
        (
            "Crêpes bretonnes",
            json!({ "tags": ["recette"], "category": 18 }),
        ),
        (
            "Galettes de sarrasin",
            json!({ "description": "Sans crêpes sucrées.", "category": 18 }),
        ),
        (
            "Le chat",
            json!({ "description": "Un chat, pas de recette." }),
        ),
        ("Crêpe secrète", json!({ "privacy": 3 })),
        ("Crêpe non listée", json!({ "privacy": 2 })),
    ] {
        let (s, up) = a.upload(&alice, &clip, ch, name).await;
        assert_eq!(s, 200, "{up}");
        let id = up["video"]["uuid"].as_str().unwrap().to_string();
        a.wait_transcoded(&alice, &id, 2).await;
        let (s, e) = a
            .api()
            .with(&alice)
            .put_json(&format!("/api/v1/videos/{id}"), fields)
            .await;
        assert_eq!(s, 204, "{e}");
        ids.push(id);
    }
    let search = |text: &str, extra: &str| {
        let path = format!("/api/v1/search/videos?search={}{extra}", q(text));
        let a = &a;
        async move { names(&get(a, None, &path).await) }
    };
    // Best match first (a title counts more than a description), accents, case and plural
    // ignored; private and unlisted videos are not found by words.
    assert_eq!(
        search("CREPE", "").await,
        ["Crêpes bretonnes", "Galettes de sarrasin"]
    );
    assert_eq!(
        search("recettes", "").await,
        ["Crêpes bretonnes", "Le chat"]
    );
    assert_eq!(
        search("gal", "").await,
        ["Galettes de sarrasin"],
        "a prefix"
    );
    assert_eq!(
        search("alice", "&sort=name").await.len(),
        3,
        "by the channel's owner"
    );
    assert_eq!(
        search("crêpe", "&categoryOneOf=18&sort=-name").await.len(),
        2
    );
    assert_eq!(search("chat", "&categoryOneOf=18").await.len(), 0);
    assert!(search("pizza", "").await.is_empty());
    // The total counts every match, whatever page is asked (past the last one included).
    for (page, shown) in [("&count=1", 1), ("&start=1&count=1", 1), ("&start=5", 0)] {
        let path = format!("/api/v1/search/videos?search={}{page}", q("alice"));
        let got = get(&a, None, &path).await;
        assert_eq!(got["total"], 3, "{page}: {got}");
        assert_eq!(got["data"].as_array().unwrap().len(), shown, "{page}");
    }
    let path = format!("/api/v1/search/videos?search={}&start=5", q("pizza"));
    assert_eq!(get(&a, None, &path).await["total"], 0);
    // A user of the instance finds nothing more by words (private stays private).
    let (bob, _) = a.user(&root, "bob", -1).await;
    let path = format!("/api/v1/search/videos?search={}", q("crêpe"));
    assert_eq!(names(&get(&a, Some(&bob), &path).await).len(), 2);
    // A video by its URL: ours, unlisted included (whoever has the link may watch it).
    let (_, unlisted) = a
        .api()
        .get_json(&format!("/api/v1/videos/{}", ids[4]))
        .await;
    let short = unlisted["shortUUID"].as_str().unwrap();
    for url in [
        format!("{}/w/{short}", a.url),
        format!("{}/videos/watch/{}", a.url, ids[4]),
    ] {
        assert_eq!(search(&url, "").await, ["Crêpe non listée"], "{url}");
    }
    assert!(
        search(&format!("{}/w/{}", a.url, ids[3]), "")
            .await
            .is_empty(),
        "not a private one"
    );
    // Channels by name, handle or URL.
    let path = format!("/api/v1/search/video-channels?search={}", q("alice"));
    let chans = get(&a, None, &path).await;
    assert_eq!(chans["total"], 1, "{chans}");
    assert_eq!(chans["data"][0]["name"], "alice_channel");
    let path = format!(
        "/api/v1/search/video-channels?search={}",
        q("alice_channel")
    );
    assert_eq!(get(&a, None, &path).await["total"], 1);

    // From B: A's video and channel by URL and handle, fetched for a user, not for nobody.
    let url = format!("{}/videos/watch/{}", a.url, ids[0]);
    let path = format!("/api/v1/search/videos?search={}", q(&url));
    assert_eq!(
        get(&b, None, &path).await["total"],
        0,
        "anonymous: only what is known"
    );
    let handle = format!("alice_channel@{}", a.host());
    let chan_path = format!("/api/v1/search/video-channels?search={}", q(&handle));
    assert_eq!(get(&b, None, &chan_path).await["total"], 0);
    let tb = b.root_token().await;
    let found = get(&b, Some(&tb), &path).await;
    assert_eq!(names(&found), ["Crêpes bretonnes"], "{found}");
    assert_eq!(found["data"][0]["isLocal"], false);
    // Known now: found by anybody, by its URL and by its words.
    assert_eq!(get(&b, None, &path).await["total"], 1);
    let path = format!("/api/v1/search/videos?search={}", q("bretonnes"));
    assert_eq!(
        names(&get(&b, None, &path).await).len(),
        0,
        "not listed: nobody here follows it"
    );
    // Its channel came with it; by handle, for anybody now.
    let chan = get(&b, None, &chan_path).await;
    assert_eq!(chan["total"], 1, "{chan}");
    assert_eq!(chan["data"][0]["host"], a.host().as_str());
    // A channel B never heard of: fetched through WebFinger for a user.
    let (s, c) = a
        .api()
        .with(&alice)
        .post_json(
            "/api/v1/video-channels",
            json!({ "name": "alice_second", "displayName": "Pâtisserie" }),
        )
        .await;
    assert_eq!(s, 200, "{c}");
    let path = format!(
        "/api/v1/search/video-channels?search={}",
        q(&format!("alice_second@{}", a.host()))
    );
    assert_eq!(get(&b, None, &path).await["total"], 0);
    let chan = get(&b, Some(&tb), &path).await;
    assert_eq!(chan["data"][0]["displayName"], "Pâtisserie", "{chan}");
    // An instance that does not answer: nothing found, no error.
    let path = format!(
        "/api/v1/search/videos?search={}",
        q("http://127.0.0.1:9/videos/watch/8d2f1a4c-0000-4000-8000-000000000000")
    );
    assert_eq!(get(&b, Some(&tb), &path).await["total"], 0);

    a.stop().await;
    b.stop().await;
});

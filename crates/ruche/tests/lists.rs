//! Video lists as PeerTube's clients ask for them, against a real `ruche serve` (SQLite and
//! PostgreSQL): `sort` (publishedAt, name, duration, views, likes, trending, hot), the
//! `…OneOf` filters in each of qs's list spellings, `nsfw`, `isLive`, `hasHLSFiles`,
//! `privacyOneOf` for moderators only, internal videos listed to users of the instance, and
//! unlisted, private and password-protected ones listed to nobody.

#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_testkit::{Instance, both, small_clip};
use serde_json::{Value, json};

/// The names of a list, as `token` (or nobody) asks for it: (status, names).
async fn names(inst: &Instance, token: Option<&str>, query: &str) -> (u16, Vec<String>) {
    let api = match token {
        Some(t) => inst.api().with(t),
        None => inst.api(),
    };
    let (s, l) = api.get_json(&format!("/api/v1/videos?{query}")).await;
    let names: Vec<String> = l["data"]
        .as_array()
        .map(|d| {
            d.iter()
                .map(|v| v["name"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    if s == 200 {
        assert!(l["total"].as_u64().unwrap() as usize >= names.len(), "{l}");
    }
    (s, names)
}

both!(filters_and_sorts_as_peertube, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let root = inst.root_token().await;
    let (alice, ch) = inst.user(&root, "alice", -1).await;
    let (bob, _) = inst.user(&root, "bob", -1).await;
    let dir = tempfile::tempdir().unwrap();
    let clip = small_clip(dir.path());
    let put = |id: String, body: Value| {
        let api = inst.api().with(&alice);
        async move {
            let (s, e) = api.put_json(&format!("/api/v1/videos/{id}"), body).await;
            assert_eq!(s, 204, "{e}");
        }
    };
    // (name, fields set after upload)
    let specs = [
        (
            "Apple pie",
            json!({ "category": 18, "language": "en", "tags": ["Food", "dessert"] }),
        ),
        (
            "banana bread",
            json!({ "category": 18, "language": "fr", "tags": ["food"], "nsfw": true }),
        ),
        (
            "Cherry",
            json!({ "category": 4, "tags": ["art"], "licence": 7 }),
        ),
        ("Date (internal)", json!({ "privacy": 4 })),
        ("Elder (unlisted)", json!({ "privacy": 2 })),
        ("Fig (private)", json!({ "privacy": 3 })),
        (
            "Grape (password)",
            json!({ "privacy": 5, "videoPasswords": ["pw"] }),
        ),
    ];
    let mut ids = Vec::new();
    for (name, fields) in specs {
        let (s, up) = inst.upload(&alice, &clip, ch, name).await;
        assert_eq!(s, 200, "{up}");
        let id = up["video"]["uuid"].as_str().unwrap().to_string();
        inst.wait_transcoded(&alice, &id, 2).await;
        put(id.clone(), fields).await;
        ids.push(id);
    }
    // Views and likes: Cherry is watched most, Apple pie liked.
    for viewer in [&root, &bob, &alice] {
        let (s, _) = inst
            .api()
            .with(viewer)
            .post(&format!("/api/v1/videos/{}/views", ids[2]))
            .await;
        assert_eq!(s, 204);
    }
    let (s, _) = inst
        .api()
        .with(&bob)
        .post(&format!("/api/v1/videos/{}/views", ids[0]))
        .await;
    assert_eq!(s, 204);
    for who in [&bob, &root] {
        let (s, _) = inst
            .api()
            .with(who)
            .put_json(
                &format!("/api/v1/videos/{}/rate", ids[0]),
                json!({ "rating": "like" }),
            )
            .await;
        assert_eq!(s, 204);
    }

    // Who sees what listed.
    let (_, anon) = names(&inst, None, "sort=name").await;
    assert_eq!(anon, ["Apple pie", "banana bread", "Cherry"]);
    let (_, user) = names(&inst, Some(&bob), "sort=name").await;
    assert_eq!(
        user,
        ["Apple pie", "banana bread", "Cherry", "Date (internal)"]
    );

    // Sorts.
    let at = &inst;
    let sorted = |q: &'static str| async move { names(at, None, q).await.1 };
    assert_eq!(
        sorted("").await,
        ["Cherry", "banana bread", "Apple pie"],
        "-publishedAt by default"
    );
    assert_eq!(
        sorted("sort=publishedAt").await,
        ["Apple pie", "banana bread", "Cherry"]
    );
    assert_eq!(
        sorted("sort=-name").await,
        ["Cherry", "banana bread", "Apple pie"]
    );
    assert_eq!(sorted("sort=-views").await[0], "Cherry");
    assert_eq!(sorted("sort=-trending").await[..2], ["Cherry", "Apple pie"]);
    assert_eq!(sorted("sort=-likes").await[0], "Apple pie");
    assert_eq!(sorted("sort=-hot").await[0], "Cherry");
    assert_eq!(sorted("sort=-best").await[0], "Cherry");
    assert_eq!(sorted("sort=-originallyPublishedAt").await.len(), 3);
    assert_eq!(sorted("sort=duration").await.len(), 3);
    assert_eq!(sorted("sort=-createdAt").await[0], "Cherry");

    // Filters, lists spelt as qs spells them.
    assert_eq!(
        sorted("categoryOneOf=18&sort=name").await,
        ["Apple pie", "banana bread"]
    );
    assert_eq!(
        sorted("categoryOneOf[]=18&categoryOneOf[]=4&sort=name")
            .await
            .len(),
        3
    );
    assert_eq!(sorted("categoryOneOf[0]=4").await, ["Cherry"]);
    assert_eq!(sorted("licenceOneOf=7").await, ["Cherry"]);
    assert_eq!(sorted("languageOneOf=fr").await, ["banana bread"]);
    assert_eq!(sorted("languageOneOf=_unknown").await, ["Cherry"]);
    assert_eq!(
        sorted("tagsOneOf=FOOD&sort=name").await,
        ["Apple pie", "banana bread"]
    );
    assert_eq!(
        sorted("tagsAllOf=food&tagsAllOf=dessert").await,
        ["Apple pie"]
    );
    assert_eq!(
        sorted("nsfw=false&sort=name").await,
        ["Apple pie", "Cherry"]
    );
    assert_eq!(sorted("nsfw=true").await, ["banana bread"]);
    assert_eq!(sorted("nsfw=both").await.len(), 3);
    assert!(sorted("isLive=true").await.is_empty());
    assert_eq!(sorted("isLive=false").await.len(), 3);
    assert_eq!(sorted("hasHLSFiles=true").await.len(), 3);
    assert!(sorted("hasHLSFiles=false").await.is_empty());
    assert_eq!(sorted("isLocal=true&count=2").await.len(), 2);
    assert_eq!(sorted("start=2").await, ["Apple pie"]);

    // Moderators choose privacies; others may not.
    let q = "privacyOneOf=2&privacyOneOf=3&privacyOneOf=5&sort=name";
    assert_eq!(names(&inst, None, q).await.0, 401);
    assert_eq!(names(&inst, Some(&bob), q).await.0, 403);
    assert_eq!(
        names(&inst, Some(&root), q).await.1,
        ["Elder (unlisted)", "Fig (private)", "Grape (password)"]
    );

    // Words (`search`), as the search's words find them, in the list's own order.
    assert_eq!(sorted("search=cherry").await, ["Cherry"]);
    assert_eq!(sorted("search=BREAD&sort=name").await, ["banana bread"]);
    assert!(sorted("search=pizza").await.is_empty());
    // `host`: ours names our videos, another instance's names its own (none here).
    let ours = format!("host={}&sort=name", inst.host());
    assert_eq!(names(&inst, None, &ours).await.1.len(), 3);
    assert!(sorted("host=elsewhere.example").await.is_empty());
    // `include` (moderators): videos in every state, each item with its files.
    assert_eq!(names(&inst, None, "include=1").await.0, 401);
    assert_eq!(names(&inst, Some(&bob), "include=8").await.0, 403);
    let (s, up) = inst.upload(&alice, &clip, ch, "Just uploaded").await;
    assert_eq!(s, 200, "{up}");
    let (_, all) = names(&inst, Some(&root), "include=1&sort=-createdAt&count=1").await;
    assert_eq!(all, ["Just uploaded"], "listed in whatever state it is");
    let as_root = |path: String| {
        let (inst, root) = (&inst, &root);
        async move { inst.api().with(root).get_json(&path).await }
    };
    let (s, l) = as_root("/api/v1/videos?include=8&sort=name&count=1".into()).await;
    assert_eq!(s, 200, "{l}");
    let files = l["data"][0]["streamingPlaylists"][0]["files"].as_array();
    assert_eq!(files.map_or(0, Vec::len), 2, "{l}");
    // 32: each item's source, as `GET /api/v1/videos/{id}/source` gives it (PeerTube's
    // `videoSource`).
    let (s, l) = as_root("/api/v1/videos?include=32&sort=-createdAt&count=1".into()).await;
    assert_eq!(s, 200, "{l}");
    let id = l["data"][0]["uuid"].as_str().unwrap().to_string();
    let (_, source) = as_root(format!("/api/v1/videos/{id}/source")).await;
    assert!(source["inputFilename"].is_string(), "{source}");
    assert_eq!(l["data"][0]["videoSource"], source);
    assert!(l["data"][0].get("automaticTags").is_none(), "{l}");

    // Bad values: 400, naming the parameter.
    for q in [
        "include=all",
        "include=1.5",
        "host=a/b",
        "sort=size",
        "sort=-",
        "categoryOneOf=food",
        "nsfw=maybe",
        "isLocal=yes",
        "count=101",
        "start=-1",
        "hasHLSFiles=2",
    ] {
        let (s, e) = inst.api().get_json(&format!("/api/v1/videos?{q}")).await;
        assert_eq!(s, 400, "{q}: {e}");
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .contains("Incorrect request parameters"),
            "{q}: {e}"
        );
    }
    let many: String = (0..101).map(|i| format!("categoryOneOf={i}&")).collect();
    assert_eq!(
        inst.api()
            .get_json(&format!("/api/v1/videos?{many}"))
            .await
            .0,
        400
    );

    // A channel's and an account's lists take the same filters.
    let (_, l) = inst
        .api()
        .get_json("/api/v1/video-channels/alice_channel/videos?categoryOneOf=4")
        .await;
    assert_eq!(l["total"], 1, "{l}");
    let (_, l) = inst
        .api()
        .get_json("/api/v1/accounts/alice/videos?tagsOneOf=food&sort=-name")
        .await;
    assert_eq!(l["data"][0]["name"], "banana bread", "{l}");
    // The owner's own list has them all, in any state.
    let (_, l) = inst
        .api()
        .with(&alice)
        .get_json("/api/v1/users/me/videos?sort=name&count=100")
        .await;
    assert_eq!(l["total"], 8, "{l}");

    inst.stop().await;
});

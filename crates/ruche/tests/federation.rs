//! Federation, as other servers meet us first: WebFinger, NodeInfo and host-meta, in PeerTube's
//! shapes, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

mod common;

use common::Instance;
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

both!(discovery_webfinger_nodeinfo_host_meta, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let host = inst.url.trim_start_matches("http://").to_string();
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
    let clip = common::small_clip(dir.path());
    let (status, body) = inst.upload(&token, &clip, 1, "Une vidéo").await;
    assert_eq!(status, 200, "{body}");
    let id = body["video"]["shortUUID"].as_str().unwrap().to_string();
    inst.wait_transcoded(&token, &id, 2).await;
    let (_, _, ni) = get(&inst, "/nodeinfo/2.0.json").await;
    assert_eq!(ni["usage"]["localPosts"], 1);
    assert_eq!(ni["usage"]["users"]["activeMonth"], 1);

    let (status, ctype, xrd) = get(&inst, "/.well-known/host-meta").await;
    assert_eq!(status, 200);
    assert!(ctype.starts_with("application/xrd+xml"));
    assert!(xrd.as_str().unwrap().contains(&format!(
        "template=\"{base}/.well-known/webfinger?resource={{uri}}\""
    )));
    inst.stop().await;
});

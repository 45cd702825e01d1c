//! Request bodies as PeerTube's server takes them, against a real `ruche serve` (SQLite and
//! PostgreSQL): JSON, a urlencoded form and multipart text fields each work for the same
//! endpoint (scripts written for PeerTube post forms: `curl -d text=…`); any other kind of body
//! is 415 and a body that does not say what is needed is 400, in PeerTube's error shape.

#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_testkit::{Instance, both, small_clip};
use serde_json::{Value, json};

both!(bodies_come_as_json_forms_or_multipart, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let root = inst.root_token().await;
    let dir = tempfile::tempdir().unwrap();
    let (_, up) = inst
        .upload(&root, &small_clip(dir.path()), 1, "Bodies")
        .await;
    let id = up["video"]["uuid"].as_str().unwrap().to_string();
    inst.wait_transcoded(&root, &id, 2).await;
    let threads = format!("{}/api/v1/videos/{id}/comment-threads", inst.url);
    let post = || inst.http.post(&threads).bearer_auth(&root);

    // The same comment three ways.
    let sent = [
        ("JSON", post().json(&json!({ "text": "En JSON" }))),
        ("a form", post().form(&[("text", "En formulaire")])),
        (
            "multipart",
            post().multipart(reqwest::multipart::Form::new().text("text", "En multipart")),
        ),
    ];
    for (how, req) in sent {
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        assert_eq!(status, 200, "{how}: {body}");
        assert!(body["comment"]["id"].as_i64().is_some(), "{how}: {body}");
    }
    let (_, list) = inst
        .get_json(&root, &format!("/api/v1/videos/{id}/comment-threads"))
        .await;
    let mut texts: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    texts.sort_unstable();
    assert_eq!(texts, ["En JSON", "En formulaire", "En multipart"]);

    // Another kind of body: 415; a form without the text, or a JSON syntax error: 400, shaped.
    let r = post()
        .header("content-type", "text/plain")
        .body("text=Brut")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    for req in [
        post().form(&[("texte", "Faute de frappe")]),
        post()
            .header("content-type", "application/json")
            .body("{\"text\": "),
    ] {
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 400);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["status"], 400, "{body}");
        assert!(body["detail"].as_str().is_some(), "{body}");
    }
    // A file where text is expected is refused, not read.
    let r = post()
        .multipart(reqwest::multipart::Form::new().part(
            "text",
            reqwest::multipart::Part::bytes(vec![0u8; 16]).file_name("x.bin"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // A profile change as a form, and a token asked for in JSON.
    let r = inst
        .http
        .put(format!("{}/api/v1/users/me", inst.url))
        .bearer_auth(&root)
        .form(&[("displayName", "La racine")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (_, me) = inst.get_json(&root, "/api/v1/users/me").await;
    assert_eq!(me["account"]["displayName"], "La racine", "{me}");
    let (_, client) = inst.get_json(&root, "/api/v1/oauth-clients/local").await;
    let r = inst
        .http
        .post(format!("{}/api/v1/users/token", inst.url))
        .json(&json!({
            "client_id": client["client_id"], "client_secret": client["client_secret"],
            "grant_type": "password", "username": "root", "password": inst.password,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    assert!(t["access_token"].as_str().is_some(), "{t}");
    inst.stop().await;
});

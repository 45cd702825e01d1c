//! Uploads and video files as an attacker uses them, against a real `ruche serve` (on SQLite and
//! on PostgreSQL):
//!
//! - `open_uploads_count_against_the_quota`: a user with a small quota held 200 unfinished
//!   resumable uploads (19.8 MB for a 100 KB quota). What open uploads declare counts against
//!   the quota, a user may hold only so many at once, and cancelling one gives its room back.
//! - `private_video_files_stay_private_in_caches`: a private video's playlist and segments were
//!   sent as `public, immutable` with CORS `*`, for any shared cache to keep and any site's
//!   script to read; they go `private, no-store` without CORS, while a public video's keep
//!   both.
#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

mod common;

use common::{Instance, small_clip};

both!(open_uploads_count_against_the_quota, |db| async move {
    let inst = Instance::start(db, &[("RUCHE_UPLOADS_MAX_OPEN_PER_USER", "3")]).await;
    let root = inst.root_token().await;

    // A quota of 100 kB: one open upload of 60 kB leaves no room for a second.
    let (alice, channel) = inst.user(&root, "alice", 100_000).await;
    let (status, first, body) = inst.init_resumable(&alice, channel, 60_000, "One").await;
    assert_eq!(status, 201, "{body}");
    let (status, _, body) = inst.init_resumable(&alice, channel, 60_000, "Two").await;
    assert_eq!(status, 413, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("quota"),
        "{body}"
    );
    // Cancelled, the first gives its room back.
    let del = inst
        .http
        .delete(format!("{}{}", inst.url, absolute_path(&first)))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    let (status, _, body) = inst.init_resumable(&alice, channel, 60_000, "Two").await;
    assert_eq!(status, 201, "{body}");

    // Without a quota, the number of uploads held open at once is capped all the same.
    let (bob, channel) = inst.user(&root, "bob", -1).await;
    for n in 0..3 {
        let (status, _, body) = inst
            .init_resumable(&bob, channel, 1000, &format!("Open {n}"))
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, _, body) = inst
        .init_resumable(&bob, channel, 1000, "One too many")
        .await;
    assert_eq!(status, 409, "{body}");
    // Resuming one of them (the same upload initialised again) is not a new one.
    let (status, _, body) = inst.init_resumable(&bob, channel, 1000, "Open 1").await;
    assert_eq!(status, 200, "{body}");
    // Nothing of the refused ones was kept.
    let (_, me) = inst.get_json(&bob, "/api/v1/users/me").await;
    assert_eq!(me["videoQuotaUsed"], 0, "{me}");
    inst.stop().await;
});

both!(
    private_video_files_stay_private_in_caches,
    |db| async move {
        let inst = Instance::start(db, &[]).await;
        let root = inst.root_token().await;
        let dir = tempfile::tempdir().unwrap();
        let file = small_clip(dir.path());
        let (status, body) = inst
            .upload_with(&root, &file, 1, "Private", &[("privacy", "3")])
            .await;
        assert_eq!(status, 200, "{body}");
        let private = body["video"]["uuid"].as_str().unwrap().to_string();
        let (status, body) = inst.upload(&root, &file, 1, "Public").await;
        assert_eq!(status, 200, "{body}");
        let public = body["video"]["uuid"].as_str().unwrap().to_string();

        let files = |v: &serde_json::Value| {
            let p = &v["streamingPlaylists"][0];
            let mut urls = vec![p["playlistUrl"].as_str().unwrap().to_string()];
            urls.push(p["files"][0]["fileUrl"].as_str().unwrap().to_string());
            urls
        };
        let private_files = files(&inst.wait_transcoded(&root, &private, 2).await);
        let public_files = files(&inst.wait_transcoded(&root, &public, 2).await);

        for url in &private_files {
            // Anonymous: not found, as the video itself.
            let res = inst.http.get(url).send().await.unwrap();
            assert_eq!(res.status(), 404, "{url}");
            let res = inst
                .http
                .get(url)
                .bearer_auth(&root)
                .header("Origin", "https://elsewhere.example")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{url}");
            let h = res.headers();
            assert_eq!(h["cache-control"], "private, no-store", "{url}");
            assert!(h.get("access-control-allow-origin").is_none(), "{url}");
        }
        for url in &public_files {
            let res = inst
                .http
                .get(url)
                .header("Origin", "https://elsewhere.example")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{url}");
            let h = res.headers();
            let cache = h["cache-control"].to_str().unwrap();
            assert!(cache.starts_with("public"), "{url}: {cache}");
            assert_eq!(h["access-control-allow-origin"], "*", "{url}");
        }
        inst.stop().await;
    }
);

/// The path and query of an upload's `Location` (absolute or not).
fn absolute_path(location: &str) -> String {
    match location.find("/api/") {
        Some(i) => location[i..].to_string(),
        None => location.to_string(),
    }
}

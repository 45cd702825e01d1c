//! Privacy enforced on files, against a real `ruche serve` (SQLite and PostgreSQL): a private or
//! internal video's playlists, hashes and MP4s live under PeerTube's private path and answer only
//! to whoever may see the video (session or bearer token) or to a `videoFileToken` from
//! `POST /api/v1/videos/{id}/token` (403 to anyone else, as PeerTube); a public video's stay on
//! the public path for anyone.

#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_testkit::{Instance, both, small_clip};
use serde_json::Value;

/// A video's file URLs: master playlist, segment hashes, and the first rendition's fragmented
/// MP4, its playlist and its download.
fn file_urls(v: &Value) -> Vec<String> {
    let pl = &v["streamingPlaylists"][0];
    let f = &pl["files"][0];
    [
        &pl["playlistUrl"],
        &pl["segmentsSha256Url"],
        &f["fileUrl"],
        &f["playlistUrl"],
        &f["fileDownloadUrl"],
    ]
    .iter()
    .map(|u| {
        u.as_str()
            .unwrap_or_else(|| panic!("a file URL missing: {v}"))
            .to_string()
    })
    .collect()
}

/// The status of a GET of `url`, with `token` as bearer if given.
async fn status(inst: &Instance, url: &str, bearer: Option<&str>) -> u16 {
    let mut r = inst.http.get(url);
    if let Some(t) = bearer {
        r = r.bearer_auth(t);
    }
    r.send().await.unwrap().status().as_u16()
}

fn with_token(url: &str, token: &str) -> String {
    format!("{url}?videoFileToken={token}")
}

/// `POST /api/v1/videos/{id}/token` as `bearer`: (status, body).
async fn file_token(inst: &Instance, id: &str, bearer: Option<&str>) -> (u16, Value) {
    let mut r = inst
        .http
        .post(format!("{}/api/v1/videos/{id}/token", inst.url));
    if let Some(t) = bearer {
        r = r.bearer_auth(t);
    }
    let r = r.send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

both!(
    private_and_internal_files_answer_only_with_permission,
    |db| async move {
        let inst = Instance::start(db, &[]).await;
        let root = inst.root_token().await;
        let (alice, ch) = inst.user(&root, "alice", -1).await;
        let (bob, _) = inst.user(&root, "bob", -1).await;
        let dir = tempfile::tempdir().unwrap();
        let clip = small_clip(dir.path());
        let upload = |name: &'static str, privacy: &'static str| {
            let (inst, alice, clip) = (&inst, alice.clone(), clip.clone());
            async move {
                let (_, r) = inst
                    .upload_with(&alice, &clip, ch, name, &[("privacy", privacy)])
                    .await;
                let id = r["video"]["uuid"].as_str().unwrap().to_string();
                let v = inst.wait_transcoded(&alice, &id, 2).await;
                (id, v)
            }
        };

        // A public video: on the public path, for anyone; a user's token opens nothing more.
        let (open_id, open) = upload("Open", "1").await;
        for url in file_urls(&open) {
            assert!(!url.contains("/private/"), "{url}");
            assert_eq!(status(&inst, &url, None).await, 200, "{url}");
        }

        // A private video: under the private path.
        let (secret_id, secret) = upload("Secret", "3").await;
        let urls = file_urls(&secret);
        for url in &urls[..4] {
            assert!(
                url.contains(&format!(
                    "/static/streaming-playlists/hls/private/{secret_id}/"
                )),
                "{url}"
            );
        }
        // Refused: 403 on the private path (as PeerTube), 404 for the download, as for any video
        // one may not see.
        let refused = |url: &str| if url.contains("/private/") { 403 } else { 404 };
        for url in &urls {
            assert_eq!(
                status(&inst, url, None).await,
                refused(url),
                "anonymous: {url}"
            );
            assert_eq!(
                status(&inst, url, Some(&bob)).await,
                refused(url),
                "a stranger: {url}"
            );
            assert_eq!(
                status(&inst, url, Some(&alice)).await,
                200,
                "its owner: {url}"
            );
            assert_eq!(
                status(&inst, url, Some(&root)).await,
                200,
                "a moderator: {url}"
            );
        }
        // Not on the public path, even for its owner (as on PeerTube, where they are not there).
        for url in &urls[..4] {
            let public = url.replace("/hls/private/", "/hls/");
            assert_eq!(status(&inst, &public, Some(&alice)).await, 404, "{public}");
        }

        // Tokens: only for a user who may see the video.
        assert_eq!(file_token(&inst, &secret_id, None).await.0, 401);
        assert_eq!(file_token(&inst, &secret_id, Some(&bob)).await.0, 404);
        let (s, t) = file_token(&inst, &secret_id, Some(&alice)).await;
        assert_eq!(s, 200, "{t}");
        let token = t["files"]["token"].as_str().unwrap().to_string();
        let expires =
            chrono::DateTime::parse_from_rfc3339(t["files"]["expires"].as_str().unwrap()).unwrap();
        let left = expires.signed_duration_since(chrono::Utc::now());
        assert!(
            left > chrono::Duration::hours(7) && left <= chrono::Duration::hours(8),
            "{t}"
        );
        for url in &urls {
            assert_eq!(
                status(&inst, &with_token(url, &token), None).await,
                200,
                "with a token: {url}"
            );
        }
        // A token of another video, or altered, opens nothing.
        let (_, other) = file_token(&inst, &open_id, Some(&alice)).await;
        let other = other["files"]["token"].as_str().unwrap();
        let mut altered = token.clone().into_bytes();
        altered[30] = if altered[30] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).unwrap();
        for bad in [other, altered.as_str(), "not-a-token", ""] {
            assert_eq!(
                status(&inst, &with_token(&urls[0], bad), None).await,
                403,
                "token {bad:?}"
            );
        }

        // Players that cannot add the token themselves ask for it to be carried on.
        let master = format!(
            "{}&reinjectVideoFileToken=true",
            with_token(&urls[0], &token)
        );
        let r = inst.http.get(&master).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let body = r.text().await.unwrap();
        let carried = format!("?videoFileToken={token}&reinjectVideoFileToken=true");
        let variant = body
            .lines()
            .find(|l| l.ends_with(&format!(".m3u8{carried}")))
            .unwrap_or_else(|| panic!("no variant carrying the token: {body}"))
            .to_string();
        let base = urls[0].rsplit_once('/').unwrap().0;
        let r = inst
            .http
            .get(format!("{base}/{variant}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "the variant, by the URL the master gave");
        let media = r.text().await.unwrap();
        let segment = media
            .lines()
            .find(|l| l.ends_with(&format!(".mp4{carried}")))
            .unwrap_or_else(|| panic!("no segment carrying the token: {media}"))
            .to_string();
        let r = inst
            .http
            .get(format!("{base}/{segment}"))
            .header("range", "bytes=0-99")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 206, "a segment, by the URL the playlist gave");

        // An internal video: for any user of this instance, and with a token one of them got.
        let (inside_id, inside) = upload("Inside", "4").await;
        let urls = file_urls(&inside);
        assert!(urls[0].contains("/hls/private/"), "{}", urls[0]);
        assert_eq!(status(&inst, &urls[0], None).await, 403);
        assert_eq!(status(&inst, &urls[0], Some(&bob)).await, 200);
        // Nothing under the private path of a video that does not exist.
        let nowhere = urls[0].replace(&inside_id, "00000000-0000-4000-8000-000000000000");
        assert_eq!(status(&inst, &nowhere, Some(&bob)).await, 404);
        let (s, t) = file_token(&inst, &inside_id, Some(&bob)).await;
        assert_eq!(s, 200);
        let token = t["files"]["token"].as_str().unwrap();
        assert_eq!(status(&inst, &with_token(&urls[2], token), None).await, 200);
        inst.stop().await;
    }
);

//! Pictures and ffmpeg as an attacker uses them, against a real `ruche serve` (on SQLite and on
//! PostgreSQL):
//!
//! - `picture_bombs_keep_memory_bounded`: thirty avatar uploads at once of a 40-megapixel PNG of
//!   a few tens of kilobytes (it took the server to 4.5 GB) each get a clear 400, and the
//!   server's peak memory (`VmHWM`) stays low: the picture is refused from its header.
//! - `remote_pictures_are_fetched_once`: thirty anonymous requests at once for another
//!   instance's uncached avatar make one fetch, and all get the picture (no 500 from two
//!   writers of one file); an origin that fails, or that sends a picture bomb, is asked once
//!   and not again on the next requests.
//! - `playlist_uploads_are_refused`: a "video" that is an HLS playlist naming a file of the
//!   server (it was published with that file's content) is refused with a sentence.
//! - `kill9_mid_transcode_leaves_no_ffmpeg`: the server killed with SIGKILL while ffmpeg
//!   encodes takes its ffmpeg with it; restarted, it makes the video.
#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_testkit::bombs::picture_bomb;
use ruche_testkit::peer::Peer;
use ruche_testkit::{Instance, both, clip, picture};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

// ---------------------------------------------------------------------------------------------
// Fixtures

/// `(comm, state, ppid)` of a process.
fn stat(pid: u32) -> Option<(String, String, u32)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (head, tail) = text.rsplit_once(')')?;
    let comm = head.split_once('(')?.1.to_string();
    let f: Vec<&str> = tail.split_whitespace().collect();
    Some((comm, f.first()?.to_string(), f.get(1)?.parse().ok()?))
}

fn alive(pid: u32) -> bool {
    stat(pid).is_some_and(|(_, state, _)| state != "Z")
}

/// The ladder's ffmpeg among `pids` (the one writing HLS), if one is.
fn ladder(pids: &[u32]) -> Option<u32> {
    pids.iter().copied().find(|pid| {
        std::fs::read(format!("/proc/{pid}/cmdline"))
            .is_ok_and(|c| c.split(|b| *b == 0).any(|a| a == b"-hls_time"))
    })
}

/// Live ffmpeg processes whose parent is `parent`.
fn ffmpeg_children_of(parent: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Some((comm, state, ppid)) = stat(pid)
            && comm == "ffmpeg"
            && ppid == parent
            && state != "Z"
        {
            found.push(pid);
        }
    }
    found
}

/// An origin of pictures that counts the requests for each path: what it serves, by path (a
/// path it does not know answers 500, as a broken origin does).
struct Origin {
    base: String,
    counts: Arc<Mutex<HashMap<String, usize>>>,
}

impl Origin {
    async fn start(files: HashMap<String, (&'static str, Vec<u8>)>) -> Origin {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let counts = Arc::new(Mutex::new(HashMap::<String, usize>::new()));
        let seen = counts.clone();
        let files = Arc::new(files);
        let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
            let (seen, files) = (seen.clone(), files.clone());
            async move {
                use axum::http::{StatusCode, header};
                use axum::response::IntoResponse;
                *seen
                    .lock()
                    .unwrap()
                    .entry(uri.path().to_string())
                    .or_default() += 1;
                match files.get(uri.path()) {
                    Some((media_type, bytes)) => {
                        ([(header::CONTENT_TYPE, *media_type)], bytes.clone()).into_response()
                    }
                    None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
                }
            }
        });
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Origin { base, counts }
    }

    fn count(&self, path: &str) -> usize {
        self.counts.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

/// `n` GETs of `url` at once: their statuses and bodies.
async fn all_at_once(client: &reqwest::Client, url: &str, n: usize) -> Vec<(u16, Vec<u8>)> {
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..n {
        let (client, url) = (client.clone(), url.to_string());
        set.spawn(async move {
            let r = client.get(&url).send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.bytes().await.unwrap().to_vec())
        });
    }
    set.join_all().await
}

// ---------------------------------------------------------------------------------------------
// Scenarios

/// An avatar upload of `picture` for the holder of `token`: (status, Retry-After present, body).
async fn pick_avatar(
    http: reqwest::Client,
    url: String,
    token: String,
    picture: Vec<u8>,
) -> (u16, bool, Value) {
    let part = reqwest::multipart::Part::bytes(picture)
        .file_name("bomb.png")
        .mime_str("image/png")
        .unwrap();
    let form = reqwest::multipart::Form::new().part("avatarfile", part);
    let r = http
        .post(url)
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let retry = r.headers().contains_key("retry-after");
    (
        status,
        retry,
        r.json::<Value>().await.unwrap_or(Value::Null),
    )
}

both!(picture_bombs_keep_memory_bounded, |db| async move {
    let inst = Instance::start(db, &[("RUCHE_RATES_PICTURE_MAX", "30")]).await;
    let root = inst.root_token().await;
    let bomb = picture_bomb();
    assert!(bomb.len() < 64 * 1024, "{} bytes", bomb.len());

    let mut set = tokio::task::JoinSet::new();
    for _ in 0..30 {
        let (http, url, root, bomb) = (
            inst.http.clone(),
            format!("{}/api/v1/users/me/avatar/pick", inst.url),
            root.clone(),
            bomb.clone(),
        );
        set.spawn(pick_avatar(http, url, root, bomb));
    }
    for (status, _, body) in set.join_all().await {
        assert_eq!(status, 400, "{body}");
        let detail = body["detail"].as_str().unwrap_or_default();
        assert!(
            detail.starts_with(
                "this picture has too many pixels (8000×5000): the most is 25 megapixels"
            ),
            "{body}"
        );
    }
    // A generous bound: the server with everything it holds, far below the gigabytes that
    // decoding these pictures took.
    let peak = inst.memory("VmHWM");
    assert!(
        peak < 1024 * 1024 * 1024,
        "the server peaked at {} MB",
        peak / (1024 * 1024)
    );
    // The account kept no avatar.
    let (_, me) = inst.get_json(&root, "/api/v1/users/me").await;
    assert_eq!(me["account"]["avatars"], json!([]), "{me}");
    // Its pictures are counted, refused ones too: the next is refused before it is read, and
    // another account's is not.
    let url = format!("{}/api/v1/users/me/avatar/pick", inst.url);
    let send = |token: String| async {
        let (status, retry, _) =
            pick_avatar(inst.http.clone(), url.clone(), token, bomb.clone()).await;
        (status, retry)
    };
    assert_eq!(send(root.clone()).await, (429, true));
    let (ana, _) = inst.user(&root, "ana", -1).await;
    assert_eq!(send(ana).await, (400, false));
    inst.stop().await;
});

both!(remote_pictures_are_fetched_once, |db| async move {
    let inst = Instance::start(db, &[("RUCHE_FEDERATION_ALLOW_INSECURE", "true")]).await;
    let dir = tempfile::tempdir().unwrap();
    let face = picture(dir.path(), "face.png", 900, 900);
    let origin = Origin::start(HashMap::from([
        (
            "/face.png".to_string(),
            ("image/png", std::fs::read(&face).unwrap()),
        ),
        ("/bomb.png".to_string(), ("image/png", picture_bomb())),
    ]))
    .await;

    // Another instance's account whose avatars are on that origin: a fine one, one whose
    // origin fails, and a picture bomb. It makes itself known by following our instance.
    let pt = Peer::start().await;
    let icon = |path: &str, size: u32| {
        json!({ "type": "Image", "mediaType": "image/png", "url": format!("{}{path}", origin.base),
                "width": size, "height": size })
    };
    let ann = pt.actor(
        "/accounts/ann",
        "Person",
        "ann",
        json!({ "icon": [icon("/face.png", 600), icon("/broken.png", 120), icon("/bomb.png", 48)] }),
    );
    let follow = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "type": "Follow", "id": format!("{ann}/follows/1"), "actor": ann,
        "object": format!("{}/accounts/peertube", inst.url),
    });
    let (status, body) = pt.send(&ann, &format!("{}/inbox", inst.url), &follow).await;
    assert_eq!(status, 204, "{body}");
    let host = pt.base.trim_start_matches("http://").to_string();
    let account = inst
        .eventually("ann is known here", 60, || async {
            let (status, a) = inst
                .api()
                .get_json(&format!("/api/v1/accounts/ann@{host}"))
                .await;
            (status == 200 && a["avatars"].as_array().is_some_and(|l| l.len() == 3)).then_some(a)
        })
        .await;
    let path_of = |width: u64| {
        let list = account["avatars"].as_array().unwrap();
        let p = list.iter().find(|p| p["width"] == width).unwrap();
        format!("{}{}", inst.url, p["path"].as_str().unwrap())
    };
    assert_eq!(
        origin.count("/face.png"),
        0,
        "copied when first asked for, not before"
    );

    // Thirty visitors at once: one fetch, thirty pictures, the same bytes.
    let got = all_at_once(&inst.http, &path_of(600), 30).await;
    for (status, body) in &got {
        assert_eq!(*status, 200, "{}", String::from_utf8_lossy(body));
        assert_eq!(&body[8..12], b"WEBP");
        assert_eq!(body, &got[0].1);
    }
    assert_eq!(
        origin.count("/face.png"),
        1,
        "one fetch for thirty requests"
    );

    // An origin that fails is asked once, and not again while that is remembered.
    for (status, body) in all_at_once(&inst.http, &path_of(120), 30).await {
        assert_eq!(status, 502, "{}", String::from_utf8_lossy(&body));
    }
    assert_eq!(origin.count("/broken.png"), 1);
    for (status, _) in all_at_once(&inst.http, &path_of(120), 10).await {
        assert_eq!(status, 502);
    }
    assert_eq!(origin.count("/broken.png"), 1, "the failure is remembered");

    // A picture bomb from an origin: fetched once, refused from its header, not kept.
    for (status, body) in all_at_once(&inst.http, &path_of(48), 30).await {
        assert_eq!(status, 502, "{}", String::from_utf8_lossy(&body));
        assert!(
            String::from_utf8_lossy(&body).contains("too many pixels"),
            "{}",
            String::from_utf8_lossy(&body)
        );
    }
    assert_eq!(origin.count("/bomb.png"), 1);
    let peak = inst.memory("VmHWM");
    assert!(
        peak < 1024 * 1024 * 1024,
        "the server peaked at {} MB",
        peak / (1024 * 1024)
    );
    // Nothing half-written is left beside the pictures.
    let avatars = inst.storage().join("avatars");
    let names: Vec<String> = std::fs::read_dir(&avatars)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| n.ends_with(".webp") && !n.starts_with('.')),
        "{names:?}"
    );
    inst.stop().await;
});

both!(playlist_uploads_are_refused, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let root = inst.root_token().await;
    let dir = tempfile::tempdir().unwrap();
    // A file of the server's that the attacker wants to read.
    let secret = clip(
        dir.path(),
        "secret.ts",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=320x180:r=25:d=2",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-f",
            "mpegts",
        ],
    );
    let evil = dir.path().join("holiday.mp4");
    std::fs::write(
        &evil,
        format!(
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\n{}\n#EXT-X-ENDLIST\n",
            secret.display()
        ),
    )
    .unwrap();
    let (status, body) = inst.upload(&root, &evil, 1, "Holiday").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["detail"],
        "This file is an HLS playlist (a list of other files), which we do not accept: upload \
         the video itself (MP4, WebM, MKV, MOV, AVI…) or an audio file (MP3, M4A, WAV, FLAC, \
         Ogg…).",
        "{body}"
    );
    // An ffconcat list, under a video's name too.
    let list = dir.path().join("list.mp4");
    std::fs::write(
        &list,
        format!("ffconcat version 1.0\nfile '{}'\n", secret.display()),
    )
    .unwrap();
    let (status, body) = inst.upload(&root, &list, 1, "List").await;
    assert_eq!(status, 422, "{body}");
    // No video was made of either.
    let (_, videos) = inst.get_json(&root, "/api/v1/users/me/videos").await;
    assert_eq!(videos["total"], 0, "{videos}");
    inst.stop().await;
});

both!(kill9_mid_transcode_leaves_no_ffmpeg, |db| async move {
    let mut inst = Instance::start(db, &[("RUCHE_TRANSCODING_RESOLUTIONS", "480")]).await;
    let root = inst.root_token().await;
    let dir = tempfile::tempdir().unwrap();
    // MPEG-4 part 2 is never copied: the 480p rendition is encoded, 90 s of it, which takes far
    // longer than the server takes to die.
    let source = clip(
        dir.path(),
        "long.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=854x480:r=30:d=90",
            "-c:v",
            "mpeg4",
            "-q:v",
            "10",
        ],
    );
    let (status, up) = inst.upload(&root, &source, 1, "Long").await;
    assert_eq!(status, 200, "{up}");
    let id = up["video"]["shortUUID"].as_str().unwrap().to_string();

    let server = inst.pid();
    let encoding = inst
        .eventually("the server's ffmpeg encoding the ladder", 120, || async {
            ladder(&ffmpeg_children_of(server))
        })
        .await;
    inst.kill9();
    inst.eventually("the killed server's ffmpeg to be gone", 20, || async {
        (!alive(encoding)).then_some(())
    })
    .await;

    // Restarted, the server takes the job up again, alone, and makes the video.
    inst.restart();
    let again = inst.pid();
    let encoding_again = inst
        .eventually("the restarted server's ffmpeg", 120, || async {
            ladder(&ffmpeg_children_of(again))
        })
        .await;
    assert_ne!(encoding_again, encoding);
    assert!(
        !alive(encoding),
        "nothing of the first run encodes beside it"
    );
    inst.wait_transcoded(&root, &id, 1).await;
    inst.stop().await;
});

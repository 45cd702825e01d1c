//! Torrents and the tracker through the whole router, on both databases: files made before
//! torrents existed get theirs at start, with PeerTube's fields in the API, a webseed, a magnet
//! naming the same info hash, and the tracker serving that hash and the playlist's swarm; a
//! private video's torrent is for those who may see it, and names no webseed.

use ruche_domain::video::Privacy;
use ruche_testkit::app::{TestApp, VideoState};
use ruche_testkit::{Backend, app_test};

const BASE: &str = "http://ruche.test";

fn published(privacy: Privacy) -> VideoState {
    VideoState {
        privacy,
        published: true,
        preview: true,
    }
}

/// `%XX` for every byte, as BitTorrent clients send `info_hash`.
fn encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

async fn announce(app: &TestApp, info_hash: &[u8]) -> String {
    let (status, _, body) = app
        .get(&format!(
            "/tracker/announce?info_hash={}&peer_id=-qB4650-abcdefghijkl&port=6881&left=0&compact=1",
            encode(info_hash)
        ))
        .await;
    assert_eq!(status, 200);
    String::from_utf8_lossy(&body).into_owned()
}

app_test!(
    files_made_before_torrents_get_theirs_at_start,
    |backend: Backend| async move {
        let app = TestApp::start(backend, BASE).await;
        let channel = app.user("maker").await;
        let v = app
            .video(channel, "Avant les torrents", published(Privacy::Public))
            .await;
        let bytes: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let file = app.rendition(&v, 240, &bytes).await;
        let api = format!("/api/v1/videos/{}", v.uuid);
        let (_, _, before) = app.get_json(&api).await;
        let f = &before["streamingPlaylists"][0]["files"][0];
        assert!(f.get("torrentUrl").is_none(), "{before:#}");

        assert_eq!(
            ruche_tube::torrents::backfill(&app.tube)
                .await
                .expect("backfill"),
            1
        );
        assert_eq!(
            ruche_tube::torrents::backfill(&app.tube)
                .await
                .expect("again"),
            0
        );

        let (_, _, after) = app.get_json(&api).await;
        let f = &after["streamingPlaylists"][0]["files"][0];
        let torrent_url = f["torrentUrl"].as_str().expect("torrentUrl");
        let path = torrent_url.strip_prefix(BASE).expect("ours");
        assert!(path.starts_with("/lazy-static/torrents/") && path.ends_with("-240-hls.torrent"));
        let (status, headers, torrent) = app.get(path).await;
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], "application/x-bittorrent");
        let hash = ruche_p2p::torrent::info_hash_of(&torrent).expect("a torrent");
        let magnet = f["magnetUri"].as_str().expect("magnet");
        assert_eq!(
            ruche_p2p::torrent::magnet_info_hash(magnet).as_deref(),
            Some(hash.as_str())
        );
        // Its webseed is the file itself, which answers.
        let seed = format!("{BASE}/static/streaming-playlists/hls/{}/{file}", v.uuid);
        let text = String::from_utf8_lossy(&torrent);
        assert!(
            text.contains(&format!("8:url-listl{}:{seed}e", seed.len())),
            "{text}"
        );
        let (status, _, served) = app.get(seed.strip_prefix(BASE).expect("ours")).await;
        assert_eq!((status.as_u16(), served.len()), (200, bytes.len()));
        // Offered for download under the video's name.
        let download = f["torrentDownloadUrl"].as_str().expect("download url");
        let (status, headers, _) = app.get(download.strip_prefix(BASE).expect("ours")).await;
        assert_eq!(status, 200);
        let disposition = headers["content-disposition"].to_str().expect("ascii");
        assert!(
            disposition.starts_with("attachment; filename=\"Avant les torrents-240p.torrent\""),
            "{disposition}"
        );
        assert_eq!(
            after["trackerUrls"],
            serde_json::json!([
                format!("{BASE}/tracker/announce"),
                "ws://ruche.test/tracker/socket"
            ])
        );

        // The tracker serves the file's hash and the playlist's swarm, nothing else.
        let raw = hex::decode(&hash).expect("hex");
        assert!(announce(&app, &raw).await.starts_with("d8:completei1e"));
        let master = format!(
            "{BASE}/static/streaming-playlists/hls/{}/master.m3u8",
            v.uuid
        );
        let swarm = ruche_p2p::swarm::stream_hash(&master, ruche_p2p::swarm::StreamKind::Main, 0);
        assert!(announce(&app, &swarm).await.starts_with("d8:completei1e"));
        let unknown = announce(&app, b"AAAAAAAAAAAAAAAAAAAA").await;
        assert!(unknown.contains("Unknown infoHash"), "{unknown}");
        app.cleanup().await;
    }
);

app_test!(
    a_private_videos_torrent_is_for_those_who_may_see_it,
    |backend: Backend| async move {
        let app = TestApp::start(backend, BASE).await;
        let channel = app.user("secret").await;
        let v = app
            .video(channel, "Privée", published(Privacy::Private))
            .await;
        app.rendition(&v, 240, &[7u8; 40_000]).await;
        ruche_tube::torrents::backfill(&app.tube)
            .await
            .expect("backfill");
        let files = ruche_tube::videos::files(&app.tube, v.id)
            .await
            .expect("files");
        let name = files[0].torrent_filename.clone().expect("made");
        let on_disk = std::fs::read(app.tube.storage.hls_dir(&v.uuid).join(&name)).expect("file");
        assert!(
            String::from_utf8_lossy(&on_disk).contains("8:url-listle"),
            "no webseed for a file not served to everyone"
        );
        let (status, _, _) = app.get(&format!("/lazy-static/torrents/{name}")).await;
        assert_eq!(status, 404);
        let (status, _, _) = app.get(&format!("/download/torrents/{name}")).await;
        assert_eq!(status, 404);
        let (status, _, _) = app.get("/lazy-static/torrents/..%2Fmaster.m3u8").await;
        assert_eq!(status, 404);
        app.cleanup().await;
    }
);

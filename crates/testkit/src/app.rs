//! The middle test boundary: the whole of `ruche_web::router()` in the test's own process, over a
//! fresh database of either backend and its own data folder, answering requests without a
//! socket. For what a handler and the services under it do with a request; what needs a real
//! process (signals, restarts, ffmpeg, other instances reaching us) stays with [`crate::Instance`].
//!
//! Its helpers make the states a scenario would take minutes to reach (a published video with
//! or without a preview, in any privacy) by writing them through the store, as the transcoder
//! would have.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode};
use ruche_domain::ShortUuid;
use ruche_domain::settings::Settings;
use ruche_domain::user::Role;
use ruche_domain::video::Privacy;
use ruche_store::testing::{Backend, drop_database, fresh_url};
use ruche_store::videos::{self as vstore, MediaInfo, NewVideo};
use ruche_tube::{Tube, accounts};
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;

/// `ruche_web::router()` over a fresh database.
pub struct TestApp {
    pub tube: Arc<Tube>,
    pub router: Router,
    /// The PostgreSQL database to drop at [`TestApp::cleanup`].
    pg: Option<(String, String)>,
    _data: tempfile::TempDir,
}

/// A video made by [`TestApp::video`], by its three ids.
pub struct Made {
    pub id: i64,
    pub uuid: String,
    pub short: String,
}

/// What a video made by [`TestApp::video`] is like.
#[derive(Debug, Clone, Copy)]
pub struct VideoState {
    pub privacy: Privacy,
    /// Transcoded and published, or still "to transcode".
    pub published: bool,
    /// With a preview (`preview.jpg`) as well as its thumbnail (`thumb.jpg`).
    pub preview: bool,
}

impl TestApp {
    /// An instance whose public URL is `public_url` (nothing listens there: requests go to
    /// [`TestApp::get`]), with its data in a new temporary folder.
    pub async fn start(backend: Backend, public_url: &str) -> TestApp {
        let data = tempfile::tempdir().expect("tempdir");
        let (database_url, pg) = match backend {
            Backend::Sqlite => (None, None),
            Backend::Postgres => {
                let (url, pg, _) = fresh_url(backend).await;
                (Some(url), pg)
            }
        };
        let settings = Settings {
            public_url: public_url.into(),
            data_dir: data.path().into(),
            database_url,
            ..Default::default()
        };
        let tube = Tube::open(settings).await.expect("open the instance");
        let router = ruche_web::router(tube.clone()).expect("router");
        TestApp {
            tube,
            router,
            pg,
            _data: data,
        }
    }

    /// Makes a user with the password `correct horse battery`; returns the id of their default
    /// channel.
    pub async fn user(&self, username: &str) -> i64 {
        let uid = accounts::create_user(
            &self.tube,
            &accounts::NewAccount {
                username,
                email: &format!("{username}@example.org"),
                password: "correct horse battery",
                role: Role::User,
                video_quota: None,
                video_quota_daily: None,
            },
        )
        .await
        .expect("create user");
        let mut c = self.tube.store.read().await.expect("read");
        let account = ruche_store::users::account_of_user(c.ex(), uid)
            .await
            .expect("account");
        ruche_store::users::channels_of_account(c.ex(), account.id)
            .await
            .expect("channels")[0]
            .id
    }

    /// A video of the channel `channel_id` in the state `s`, as if transcoded.
    pub async fn video(&self, channel_id: i64, name: &str, s: VideoState) -> Made {
        let uuid = uuid::Uuid::new_v4();
        let mut tx = self.tube.store.begin().await.expect("begin");
        let nv = NewVideo {
            channel_id,
            name: name.into(),
            privacy: s.privacy,
            ..Default::default()
        };
        let id = vstore::insert(tx.ex(), &uuid.to_string(), &nv, "source.mp4", 0)
            .await
            .expect("insert");
        let media = MediaInfo {
            duration: 10,
            aspect_ratio: Some(16.0 / 9.0),
            playlist_filename: "master.m3u8",
            sha256_filename: "segments-sha256.json",
            thumbnail_filename: Some("thumb.jpg"),
            preview_filename: s.preview.then_some("preview.jpg"),
        };
        vstore::set_media(tx.ex(), id, &media, s.published)
            .await
            .expect("media");
        tx.commit().await.expect("commit");
        Made {
            id,
            uuid: uuid.to_string(),
            short: ShortUuid(uuid).to_string(),
        }
    }

    /// A rendition of `video` as the transcoder leaves it, without its torrent (as files made
    /// before torrents existed): `bytes` as its fragmented MP4 in the video's HLS folder, and
    /// its row.
    pub async fn rendition(&self, video: &Made, resolution: i64, bytes: &[u8]) -> String {
        let dir = self.tube.storage.hls_dir(&video.uuid);
        tokio::fs::create_dir_all(&dir).await.expect("hls dir");
        let name = format!("{}-{resolution}-fragmented.mp4", video.uuid);
        tokio::fs::write(dir.join(&name), bytes)
            .await
            .expect("write");
        let mut tx = self.tube.store.begin().await.expect("begin");
        vstore::upsert_file(
            tx.ex(),
            &vstore::VideoFile {
                id: 0,
                video_id: video.id,
                resolution,
                width: resolution * 16 / 9,
                height: resolution,
                fps: 25.0,
                size: bytes.len() as i64,
                bandwidth: 500_000,
                codecs: "avc1.64001e,mp4a.40.2".into(),
                filename: name.clone(),
                playlist_filename: format!("{}-{resolution}.m3u8", video.uuid),
                web_filename: None,
                web_size: None,
                has_audio: true,
                has_video: true,
                torrent_filename: None,
                info_hash: None,
                web_torrent_filename: None,
                web_info_hash: None,
            },
        )
        .await
        .expect("file");
        tx.commit().await.expect("commit");
        name
    }

    /// A GET from a loopback client: status, headers, body.
    pub async fn get(&self, uri: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut req = Request::get(uri).body(Body::empty()).expect("request");
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        let res = self
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("the router answers");
        let (parts, body) = res.into_parts();
        let body = axum::body::to_bytes(body, 16 << 20)
            .await
            .expect("body")
            .to_vec();
        (parts.status, parts.headers, body)
    }

    /// A GET whose answer is JSON (`Null` if it is not).
    pub async fn get_json(&self, uri: &str) -> (StatusCode, HeaderMap, Value) {
        let (status, headers, body) = self.get(uri).await;
        (
            status,
            headers,
            serde_json::from_slice(&body).unwrap_or(Value::Null),
        )
    }

    /// Closes the database and, on PostgreSQL, drops it.
    pub async fn cleanup(self) {
        self.tube.store.close().await;
        if let Some((admin, name)) = &self.pg {
            drop_database(admin, name).await;
        }
    }
}

/// Declares an in-process test on SQLite and on PostgreSQL: `app_test!(name, |backend| async
/// move { … })` makes `name::sqlite` and `name::postgres`, each handing the body its
/// [`Backend`] to start a [`TestApp`] on.
#[macro_export]
macro_rules! app_test {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                ($body)($crate::Backend::Sqlite).await;
            }
            #[tokio::test]
            async fn postgres() {
                ($body)($crate::Backend::Postgres).await;
            }
        }
    };
}

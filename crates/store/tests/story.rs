//! The store's conformance story, run on SQLite and on PostgreSQL: every query behaves the same
//! on both backends.

#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.
use ruche_domain::follow::FollowState;
use ruche_domain::user::{RegistrationState, Role};
use ruche_domain::video::{Privacy, VideoState};
use ruche_store::federation::{self, RemoteActor, RemoteProfile, Side};
use ruche_store::users::{self, NewChannel, NewUser};
use ruche_store::videos::{self, ListFilter, NewVideo, VideoFile};
use ruche_store::{Store, StoreError, db_test, jobs};

async fn make_user(store: &Store, name: &str) -> i64 {
    let mut tx = store.begin().await.unwrap();
    let id = users::create_user(
        tx.ex(),
        &NewUser {
            username: name,
            email: &format!("{name}@example.org"),
            password_hash: "x",
            role: Role::User,
            video_quota: 1000,
            video_quota_daily: -1,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn make_video(store: &Store, channel_id: i64, name: &str, size: i64) -> i64 {
    let mut tx = store.begin().await.unwrap();
    let v = NewVideo {
        channel_id,
        name: name.into(),
        privacy: Privacy::Public,
        ..Default::default()
    };
    let id = videos::insert(
        tx.ex(),
        &uuid::Uuid::new_v4().to_string(),
        &v,
        "src.mp4",
        size,
    )
    .await
    .unwrap();
    jobs::enqueue(tx.ex(), "transcode", "{}", Some(id), 3)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

/// Marks video `id` transcoded and published (its media facts made up).
async fn publish(ex: ruche_store::Ex<'_>, id: i64, duration: i64) {
    videos::set_media(
        ex,
        id,
        &videos::MediaInfo {
            duration,
            aspect_ratio: None,
            playlist_filename: "m.m3u8",
            sha256_filename: "s.json",
            thumbnail_filename: None,
            preview_filename: None,
        },
        true,
    )
    .await
    .unwrap();
}

db_test!(users_accounts_channels, |store: Store| async move {
    let uid = make_user(&store, "alice").await;
    let mut c = store.read().await.unwrap();
    let u = users::user_by_login(c.ex(), "ALICE@example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.id, uid);
    let acc = users::account_of_user(c.ex(), uid).await.unwrap();
    let chans = users::channels_of_account(c.ex(), acc.id).await.unwrap();
    assert_eq!(chans.len(), 1);
    assert_eq!(chans[0].name, "alice_channel");
    assert_eq!(chans[0].display_name, "Main alice channel");
    assert!(
        users::name_or_email_taken(c.ex(), "Alice", "x@y")
            .await
            .unwrap()
    );
    assert!(
        !users::name_or_email_taken(c.ex(), "bob", "bob@y")
            .await
            .unwrap()
    );
    drop(c);

    // The same username again is a conflict and leaves nothing behind.
    let mut tx = store.begin().await.unwrap();
    let err = users::create_user(
        tx.ex(),
        &NewUser {
            username: "alice",
            email: "other@example.org",
            password_hash: "x",
            role: Role::User,
            video_quota: -1,
            video_quota_daily: -1,
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    drop(tx);

    let mut tx = store.begin().await.unwrap();
    let ch = users::create_channel(
        tx.ex(),
        &NewChannel {
            account_id: acc.id,
            name: "films",
            display_name: "Films",
            description: Some("d"),
            support: None,
        },
    )
    .await
    .unwrap();
    // Channels and accounts share one namespace.
    let err = users::create_channel(
        tx.ex(),
        &NewChannel {
            account_id: acc.id,
            name: "alice",
            display_name: "x",
            description: None,
            support: None,
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)));
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    assert_eq!(
        users::channel_by_id(c.ex(), ch)
            .await
            .unwrap()
            .unwrap()
            .name,
        "films"
    );
    assert_eq!(users::count_users(c.ex()).await.unwrap(), 1);
    let films = users::channel_by_name(c.ex(), "films")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((films.id, films.display_name.as_str()), (ch, "Films"));
    assert!(
        users::channel_by_name(c.ex(), "alice")
            .await
            .unwrap()
            .is_none(),
        "an account's name is no channel"
    );
    let u = users::user_by_id(c.ex(), uid).await.unwrap();
    assert_eq!(
        (u.username.as_str(), u.email.as_str(), u.role, u.video_quota),
        ("alice", "alice@example.org", Role::User, 1000)
    );
    assert!(matches!(
        users::user_by_id(c.ex(), uid + 1000).await,
        Err(StoreError::NotFound)
    ));
});

db_test!(
    signup_checks_and_the_user_limit,
    |store: Store| async move {
        make_user(&store, "alice").await;
        let mut tx = store.begin().await.unwrap();
        let reg = users::create_registration(tx.ex(), "fay", "Fay@example.org", "h1", "birds")
            .await
            .unwrap();
        users::set_registration_state(tx.ex(), reg, RegistrationState::Rejected, Some("no"), None)
            .await
            .unwrap();
        let again = users::create_registration(tx.ex(), "fay", "fay@example.org", "h2", "birds")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        // Names: users, pending requests and local channels; addresses: users and pending requests.
        assert!(users::name_taken(c.ex(), "ALICE").await.unwrap());
        assert!(users::name_taken(c.ex(), "alice_channel").await.unwrap());
        assert!(users::name_taken(c.ex(), "fay").await.unwrap());
        assert!(!users::name_taken(c.ex(), "bob").await.unwrap());
        assert!(
            users::email_taken(c.ex(), "alice@EXAMPLE.org")
                .await
                .unwrap()
        );
        assert!(users::email_taken(c.ex(), "fay@example.org").await.unwrap());
        assert!(!users::email_taken(c.ex(), "alice").await.unwrap());
        // The newest request of a name or an address, whatever its state.
        let r = users::registration_by_login(c.ex(), "FAY@example.org")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (r.id, r.password_hash.as_str(), r.state),
            (again, "h2", RegistrationState::Pending)
        );
        assert_eq!(
            users::registration_by_login(c.ex(), "fay")
                .await
                .unwrap()
                .unwrap()
                .id,
            again
        );
        assert!(
            users::registration_by_login(c.ex(), "nobody")
                .await
                .unwrap()
                .is_none()
        );
        // Every request, newest first; one by its id, with the moderator's answer.
        let all = users::registrations(c.ex()).await.unwrap();
        let ids: Vec<i64> = all.iter().map(|r| r.id).collect();
        assert_eq!(ids, vec![again, reg]);
        let refused = users::registration(c.ex(), reg).await.unwrap();
        assert_eq!(
            (
                refused.username.as_str(),
                refused.state,
                refused.moderation_response.as_deref(),
                refused.reason.as_str()
            ),
            ("fay", RegistrationState::Rejected, Some("no"), "birds")
        );
        assert!(matches!(
            users::registration(c.ex(), again + 1000).await,
            Err(StoreError::NotFound)
        ));
        drop(c);

        // Twenty sign-ups at once under a limit of three users: each counts in the transaction
        // that inserts, and they wait for each other there, so exactly the room left is taken.
        let mut tasks = Vec::new();
        for i in 0..20 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = store.begin().await.unwrap();
                if users::count_users_for_signup(tx.ex()).await.unwrap() >= 3 {
                    return false;
                }
                // Give the others every chance to read the same count.
                tokio::task::yield_now().await;
                let name = format!("racer{i}");
                users::create_user(
                    tx.ex(),
                    &NewUser {
                        username: &name,
                        email: &format!("{name}@example.org"),
                        password_hash: "x",
                        role: Role::User,
                        video_quota: -1,
                        video_quota_daily: -1,
                    },
                )
                .await
                .unwrap();
                tx.commit().await.unwrap();
                true
            }));
        }
        let mut made = 0;
        for t in tasks {
            made += usize::from(t.await.unwrap());
        }
        assert_eq!(made, 2, "alice and two more");
        let mut c = store.read().await.unwrap();
        assert_eq!(users::count_users(c.ex()).await.unwrap(), 3);
    }
);

db_test!(tokens_and_sessions, |store: Store| async move {
    let uid = make_user(&store, "tok").await;
    let mut tx = store.begin().await.unwrap();
    users::insert_token(tx.ex(), uid, "ah", "rh", 10, 20)
        .await
        .unwrap();
    users::insert_session(tx.ex(), "sh", uid, "csrf", 0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    let t = users::token_by_access(c.ex(), "ah").await.unwrap().unwrap();
    assert_eq!(t.user_id, uid);
    assert_eq!(
        users::token_by_refresh(c.ex(), "rh")
            .await
            .unwrap()
            .unwrap()
            .id,
        t.id
    );
    assert_eq!(
        users::session(c.ex(), "sh").await.unwrap().unwrap().csrf,
        "csrf"
    );
    drop(c);
    let mut tx = store.begin().await.unwrap();
    // Both expired (times in the past): purged.
    assert_eq!(users::purge_expired_credentials(tx.ex()).await.unwrap(), 2);
    assert_eq!(
        users::kv_get_or_insert(tx.ex(), "k", "v1").await.unwrap(),
        "v1"
    );
    assert_eq!(
        users::kv_get_or_insert(tx.ex(), "k", "v2").await.unwrap(),
        "v1"
    );
    assert_eq!(
        users::kv_get(tx.ex(), "k").await.unwrap().as_deref(),
        Some("v1")
    );
    assert_eq!(users::kv_get(tx.ex(), "absent").await.unwrap(), None);
    users::kv_set(tx.ex(), "k", "v3").await.unwrap();
    users::kv_set(tx.ex(), "new", "n").await.unwrap();
    assert_eq!(
        users::kv_get(tx.ex(), "k").await.unwrap().as_deref(),
        Some("v3")
    );
    users::kv_delete(tx.ex(), "new").await.unwrap();
    assert_eq!(users::kv_get(tx.ex(), "new").await.unwrap(), None);
    tx.commit().await.unwrap();
    // A secret is made once, 32 random bytes in hex, and read back the same ever after.
    let secret = users::secret(&store, "story_secret").await.unwrap();
    assert_eq!(secret.len(), 64);
    assert!(secret.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(users::secret(&store, "story_secret").await.unwrap(), secret);
    assert_ne!(users::secret(&store, "another").await.unwrap(), secret);

    // One credential ended, then every one but the session that changes the password.
    let now = ruche_store::now_ms();
    let later = now + 3_600_000;
    let mut tx = store.begin().await.unwrap();
    for (access, refresh) in [("ah2", "rh2"), ("ah3", "rh3")] {
        users::insert_token(tx.ex(), uid, access, refresh, later, later)
            .await
            .unwrap();
    }
    for (session, csrf) in [("keep", "c1"), ("other", "c2"), ("gone", "c3")] {
        users::insert_session(tx.ex(), session, uid, csrf, later)
            .await
            .unwrap();
    }
    let t2 = users::token_by_access(tx.ex(), "ah2")
        .await
        .unwrap()
        .unwrap();
    users::delete_token(tx.ex(), t2.id).await.unwrap();
    assert!(
        users::token_by_access(tx.ex(), "ah2")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        users::token_by_access(tx.ex(), "ah3")
            .await
            .unwrap()
            .is_some()
    );
    users::delete_session(tx.ex(), "gone").await.unwrap();
    assert!(users::session(tx.ex(), "gone").await.unwrap().is_none());
    assert!(users::session(tx.ex(), "other").await.unwrap().is_some());
    // Active since a time: a token made, or a session alive, since then.
    assert_eq!(users::active_users(tx.ex(), now - 60_000).await.unwrap(), 1);
    assert_eq!(users::active_users(tx.ex(), later + 1).await.unwrap(), 0);
    users::set_password(tx.ex(), uid, "new-hash", Some("keep"))
        .await
        .unwrap();
    assert_eq!(
        users::user_by_id(tx.ex(), uid).await.unwrap().password_hash,
        "new-hash"
    );
    assert!(
        users::token_by_access(tx.ex(), "ah3")
            .await
            .unwrap()
            .is_none()
    );
    assert!(users::session(tx.ex(), "other").await.unwrap().is_none());
    assert_eq!(
        users::session(tx.ex(), "keep").await.unwrap().unwrap().csrf,
        "c1"
    );
    // The kept session still makes the user active; with none kept, nothing does.
    assert_eq!(users::active_users(tx.ex(), now - 60_000).await.unwrap(), 1);
    users::set_password(tx.ex(), uid, "third", None)
        .await
        .unwrap();
    assert_eq!(users::active_users(tx.ex(), 0).await.unwrap(), 0);
    tx.commit().await.unwrap();
});

db_test!(videos_files_quota_views, |store: Store| async move {
    let uid = make_user(&store, "vid").await;
    let mut c = store.read().await.unwrap();
    let acc = users::account_of_user(c.ex(), uid).await.unwrap();
    let ch = users::channels_of_account(c.ex(), acc.id).await.unwrap()[0].id;
    drop(c);
    let a = make_video(&store, ch, "first", 300).await;
    let b = make_video(&store, ch, "second", 200).await;
    // Ratings: one per account, counters follow; `None` takes it back.
    let other = make_user(&store, "rater").await;
    let mut tx = store.begin().await.unwrap();
    let rater = users::account_of_user(tx.ex(), other).await.unwrap().id;
    videos::set_rate(tx.ex(), acc.id, a, Some("like"), None)
        .await
        .unwrap();
    videos::set_rate(tx.ex(), rater, a, Some("like"), None)
        .await
        .unwrap();
    videos::set_rate(
        tx.ex(),
        rater,
        a,
        Some("dislike"),
        Some("https://x.example/likes/1"),
    )
    .await
    .unwrap();
    let v = videos::by_id(tx.ex(), a).await.unwrap().unwrap();
    assert_eq!((v.likes, v.dislikes), (1, 1));
    assert_eq!(
        videos::rate_of(tx.ex(), rater, a).await.unwrap().as_deref(),
        Some("dislike")
    );
    videos::set_rate(tx.ex(), rater, a, None, None)
        .await
        .unwrap();
    assert_eq!(videos::rate_of(tx.ex(), rater, a).await.unwrap(), None);
    let v = videos::by_id(tx.ex(), a).await.unwrap().unwrap();
    assert_eq!((v.likes, v.dislikes), (1, 0));
    tx.commit().await.unwrap();
    // Only local accounts here: the isLocal filter keeps them all, or none.
    let mut c = store.read().await.unwrap();
    for (local, expected) in [(Some(true), 2), (Some(false), 0), (None, 2)] {
        let (_, total) = videos::list(
            c.ex(),
            &ListFilter {
                account_id: Some(acc.id),
                is_local: local,
                count: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(total, expected, "is_local {local:?}");
    }
    assert_eq!(videos::quota_used(c.ex(), uid).await.unwrap(), (500, 500));
    // Not published yet: public lists are empty, the owner's list is not.
    let (_, total) = videos::list(
        c.ex(),
        &ListFilter {
            public_only: true,
            count: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(total, 0);
    let (mine, total) = videos::list(
        c.ex(),
        &ListFilter {
            account_id: Some(acc.id),
            count: 1,
            newest_first: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!((mine.len(), total), (1, 2));
    let (_, in_channel) = videos::list(
        c.ex(),
        &ListFilter {
            account_id: Some(acc.id),
            channel_id: Some(ch),
            count: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(in_channel, 2);
    let (_, elsewhere) = videos::list(
        c.ex(),
        &ListFilter {
            channel_id: Some(ch + 1000),
            count: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(elsewhere, 0);
    assert_eq!(
        users::local_account_by_name(c.ex(), "vid")
            .await
            .unwrap()
            .unwrap()
            .id,
        acc.id
    );
    assert!(
        users::local_account_by_name(c.ex(), "nobody")
            .await
            .unwrap()
            .is_none()
    );
    drop(c);

    let mut tx = store.begin().await.unwrap();
    let file = VideoFile {
        id: 0,
        video_id: a,
        resolution: 240,
        width: 426,
        height: 240,
        fps: 25.0,
        size: 120,
        bandwidth: 1000,
        codecs: "avc1.64001f,mp4a.40.2".into(),
        filename: "f.mp4".into(),
        playlist_filename: "f.m3u8".into(),
        web_filename: None,
        web_size: None,
        has_audio: true,
        has_video: true,
        torrent_filename: None,
        info_hash: None,
        web_torrent_filename: None,
        web_info_hash: None,
    };
    videos::upsert_file(tx.ex(), &file).await.unwrap();
    // A retried job rewrites the same resolution: still one file.
    videos::upsert_file(
        tx.ex(),
        &VideoFile {
            size: 150,
            ..file.clone()
        },
    )
    .await
    .unwrap();
    videos::upsert_file(
        tx.ex(),
        &VideoFile {
            resolution: 144,
            size: 50,
            ..file.clone()
        },
    )
    .await
    .unwrap();
    videos::set_media(
        tx.ex(),
        a,
        &videos::MediaInfo {
            duration: 3,
            aspect_ratio: Some(1.7778),
            playlist_filename: "m.m3u8",
            sha256_filename: "s.json",
            thumbnail_filename: Some("t.jpg"),
            preview_filename: Some("p.jpg"),
        },
        true,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let mut c = store.read().await.unwrap();
    let v = videos::by_id(c.ex(), a).await.unwrap().unwrap();
    assert_eq!(
        (v.state, v.quota_size, v.channel_name.as_str()),
        (VideoState::Published, 150, "vid_channel")
    );
    assert!(v.published_at.is_some());
    assert_eq!(videos::files(c.ex(), a).await.unwrap().len(), 2);
    drop(c);

    // Torrents: both files lack theirs until made; a file is found by its torrent's name.
    let mut tx = store.begin().await.unwrap();
    let missing = videos::files_without_torrents(tx.ex(), 10).await.unwrap();
    assert_eq!(missing.len(), 2);
    let f240 = missing.iter().find(|f| f.resolution == 240).unwrap().id;
    videos::set_file_torrents(tx.ex(), f240, Some(("t-240-hls.torrent", "aa")), None)
        .await
        .unwrap();
    assert_eq!(
        videos::files_without_torrents(tx.ex(), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    let (found, web) = videos::file_by_torrent(tx.ex(), "t-240-hls.torrent")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.id, found.info_hash.as_deref(), web),
        (f240, Some("aa"), false)
    );
    assert!(
        videos::file_by_torrent(tx.ex(), "nope.torrent")
            .await
            .unwrap()
            .is_none()
    );
    // What the tracker serves for it, replaced as a whole.
    videos::set_tracked(tx.ex(), a, &["aa".into(), "bb".into()])
        .await
        .unwrap();
    videos::set_tracked(tx.ex(), a, &["aa".into(), "cc".into()])
        .await
        .unwrap();
    assert_eq!(videos::tracked_of(tx.ex(), a).await.unwrap(), ["aa", "cc"]);
    assert!(videos::is_tracked(tx.ex(), "cc").await.unwrap());
    assert!(!videos::is_tracked(tx.ex(), "bb").await.unwrap());
    // The uploaded file's torrent.
    let source = videos::Source {
        video_id: a,
        torrent_filename: "s.torrent".into(),
        info_hash: "dd".into(),
        resolution: 720,
        width: 1280,
        height: 720,
        fps: 25.0,
        size: 1000,
        has_audio: true,
        has_video: true,
    };
    videos::set_source(tx.ex(), &source).await.unwrap();
    videos::set_source(
        tx.ex(),
        &videos::Source {
            size: 1001,
            ..source.clone()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        videos::source_of(tx.ex(), a).await.unwrap().unwrap().size,
        1001
    );
    assert_eq!(
        videos::source_by_torrent(tx.ex(), "s.torrent")
            .await
            .unwrap()
            .unwrap()
            .video_id,
        a
    );
    assert!(
        videos::source_by_torrent(tx.ex(), "x")
            .await
            .unwrap()
            .is_none()
    );
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    // The same video by its uuid; every uuid, for the sweep of stray directories.
    assert_eq!(
        videos::by_uuid(c.ex(), &v.uuid).await.unwrap().unwrap().id,
        a
    );
    assert!(
        videos::by_uuid(c.ex(), "00000000-0000-4000-8000-000000000000")
            .await
            .unwrap()
            .is_none()
    );
    let b_uuid = videos::by_id(c.ex(), b).await.unwrap().unwrap().uuid;
    let mut uuids = videos::all_uuids(c.ex()).await.unwrap();
    uuids.sort();
    let mut both = vec![v.uuid.clone(), b_uuid.clone()];
    both.sort();
    assert_eq!(uuids, both);
    assert_eq!(videos::quota_used(c.ex(), uid).await.unwrap().0, 350);
    let (public, total) = videos::list(
        c.ex(),
        &ListFilter {
            public_only: true,
            count: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!((public.len(), total, public[0].id), (1, 1, a));
    drop(c);

    let mut tx = store.begin().await.unwrap();
    assert!(
        videos::add_view(tx.ex(), a, "viewer1", 3_600_000)
            .await
            .unwrap()
    );
    assert!(
        !videos::add_view(tx.ex(), a, "viewer1", 3_600_000)
            .await
            .unwrap()
    );
    assert!(
        videos::add_view(tx.ex(), a, "viewer2", 3_600_000)
            .await
            .unwrap()
    );
    videos::set_failed(tx.ex(), b, "not a video").await.unwrap();
    videos::set_progress(tx.ex(), a, 40).await.unwrap();
    videos::add_download(tx.ex(), a).await.unwrap();
    videos::set_storyboard(tx.ex(), a, Some("{\"file\":\"s.jpg\"}"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    let viewed = videos::by_id(c.ex(), a).await.unwrap().unwrap();
    assert_eq!(
        (viewed.views, viewed.progress, viewed.downloads),
        (2, 40, 1)
    );
    assert_eq!(viewed.storyboard.as_deref(), Some("{\"file\":\"s.jpg\"}"));
    let failed = videos::by_id(c.ex(), b).await.unwrap().unwrap();
    assert_eq!(
        (failed.state, failed.failure_reason.as_deref()),
        (VideoState::TranscodingFailed, Some("not a video"))
    );
    drop(c);

    // Deleting a video removes its files and its jobs.
    let mut tx = store.begin().await.unwrap();
    videos::delete(tx.ex(), a).await.unwrap();
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    assert!(videos::by_id(c.ex(), a).await.unwrap().is_none());
    assert!(videos::files(c.ex(), a).await.unwrap().is_empty());
    assert_eq!(videos::all_uuids(c.ex()).await.unwrap(), vec![b_uuid]);
    let counts = jobs::counts(c.ex()).await.unwrap();
    assert_eq!(
        counts.iter().map(|(_, _, n)| n).sum::<i64>(),
        1,
        "{counts:?}"
    );
});

db_test!(job_queue_leases_and_retries, |store: Store| async move {
    let mut tx = store.begin().await.unwrap();
    let id = jobs::enqueue(tx.ex(), "transcode", "{\"a\":1}", None, 2)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let job = jobs::claim(&store, "transcode", 60_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (job.id, job.attempts, job.payload.as_str()),
        (id, 1, "{\"a\":1}")
    );
    // Leased: nobody else gets it, and other kinds are separate.
    assert!(
        jobs::claim(&store, "transcode", 60_000)
            .await
            .unwrap()
            .is_none()
    );
    assert!(jobs::claim(&store, "mail", 60_000).await.unwrap().is_none());
    // A worker that dies stops renewing: with a lapsed lease the job is claimed again.
    let mut tx = store.begin().await.unwrap();
    jobs::heartbeat(tx.ex(), id, -1).await.unwrap();
    tx.commit().await.unwrap();
    let again = jobs::claim(&store, "transcode", 60_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((again.id, again.attempts), (id, 2));
    // Attempts exhausted: failed for good, not claimable.
    let mut tx = store.begin().await.unwrap();
    assert!(!jobs::fail(tx.ex(), &again, "boom", Some(0)).await.unwrap());
    tx.commit().await.unwrap();
    assert!(
        jobs::claim(&store, "transcode", 60_000)
            .await
            .unwrap()
            .is_none()
    );
    // A retryable failure comes back when due.
    let mut tx = store.begin().await.unwrap();
    let id2 = jobs::enqueue(tx.ex(), "transcode", "{}", None, 5)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let j = jobs::claim(&store, "transcode", 60_000)
        .await
        .unwrap()
        .unwrap();
    let mut tx = store.begin().await.unwrap();
    assert!(jobs::fail(tx.ex(), &j, "transient", Some(0)).await.unwrap());
    tx.commit().await.unwrap();
    let j = jobs::claim(&store, "transcode", 60_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(j.id, id2);
    let mut tx = store.begin().await.unwrap();
    jobs::complete(tx.ex(), j.id).await.unwrap();
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    assert_eq!(
        jobs::counts(c.ex()).await.unwrap(),
        vec![("transcode".to_string(), "failed".to_string(), 1)]
    );
    // Idle workers ask with a read whether anything is due.
    assert!(!jobs::any_due(c.ex(), &["transcode", "mail"]).await.unwrap());
    drop(c);
    let mut tx = store.begin().await.unwrap();
    let id3 = jobs::enqueue(tx.ex(), "mail", "{}", None, 3).await.unwrap();
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    assert!(jobs::any_due(c.ex(), &["transcode", "mail"]).await.unwrap());
    assert!(!jobs::any_due(c.ex(), &["transcode"]).await.unwrap());
    drop(c);
    // A job given back at shutdown is claimable at once, its attempt not counted.
    let j = jobs::claim(&store, "mail", 60_000).await.unwrap().unwrap();
    assert_eq!((j.id, j.attempts), (id3, 1));
    let mut tx = store.begin().await.unwrap();
    jobs::release(tx.ex(), j.id).await.unwrap();
    tx.commit().await.unwrap();
    let j = jobs::claim(&store, "mail", 60_000).await.unwrap().unwrap();
    assert_eq!((j.id, j.attempts), (id3, 1));
    // The sole worker of its data, starting: every running job is given back at once, no lease
    // waited for (the attempt counts: it may have been what killed the last process).
    let mut tx = store.begin().await.unwrap();
    assert_eq!(jobs::release_running(tx.ex()).await.unwrap(), 1);
    tx.commit().await.unwrap();
    let j = jobs::claim(&store, "mail", 60_000).await.unwrap().unwrap();
    assert_eq!((j.id, j.attempts), (id3, 2));
    let mut tx = store.begin().await.unwrap();
    assert_eq!(jobs::release_running(tx.ex()).await.unwrap(), 1);
    assert_eq!(jobs::release_running(tx.ex()).await.unwrap(), 0);
    tx.commit().await.unwrap();
});

db_test!(
    a_debounced_job_is_made_once_however_many_ask,
    |store: Store| async move {
        // Many asks at once, each in its own transaction (several processes on PostgreSQL).
        let mut handles = Vec::new();
        for _ in 0..8 {
            let s = store.clone();
            handles.push(tokio::spawn(async move {
                let mut tx = s.begin().await.unwrap();
                let added = jobs::enqueue_once(tx.ex(), "push", "{}", 7, 60_000)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                added
            }));
        }
        let mut added = 0;
        for h in handles {
            added += usize::from(h.await.unwrap());
        }
        assert_eq!(added, 1);
        // Once claimed, a new ask makes a new job (the change came after the run began).
        let mut tx = store.begin().await.unwrap();
        let id = jobs::enqueue(tx.ex(), "other", "{}", None, 1)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        let n: Vec<_> = jobs::counts(c.ex()).await.unwrap();
        assert!(
            n.contains(&("push".to_string(), "pending".to_string(), 1)),
            "{n:?}"
        );
        drop(c);
        let mut tx = store.begin().await.unwrap();
        jobs::complete(tx.ex(), id).await.unwrap();
        assert!(
            jobs::enqueue_once(tx.ex(), "push", "{}", 8, 0)
                .await
                .unwrap(),
            "another video"
        );
        tx.commit().await.unwrap();
        let j = jobs::claim(&store, "push", 60_000).await.unwrap().unwrap();
        let mut tx = store.begin().await.unwrap();
        assert!(
            jobs::enqueue_once(tx.ex(), "push", "{}", j.video_id.unwrap(), 0)
                .await
                .unwrap()
        );
        // Its retry waits beside the new one.
        assert!(jobs::fail(tx.ex(), &j, "down", Some(0)).await.unwrap());
        tx.commit().await.unwrap();
    }
);

db_test!(
    concurrent_claims_never_share_a_job,
    |store: Store| async move {
        let mut tx = store.begin().await.unwrap();
        for _ in 0..20 {
            jobs::enqueue(tx.ex(), "t", "{}", None, 1).await.unwrap();
        }
        tx.commit().await.unwrap();
        let mut handles = Vec::new();
        for _ in 0..4 {
            let s = store.clone();
            handles.push(tokio::spawn(async move {
                let mut got = Vec::new();
                while let Some(j) = jobs::claim(&s, "t", 60_000).await.unwrap() {
                    got.push(j.id);
                }
                got
            }));
        }
        let mut all = Vec::new();
        for h in handles {
            all.extend(h.await.unwrap());
        }
        all.sort();
        let n = all.len();
        all.dedup();
        assert_eq!((n, all.len()), (20, 20));
    }
);

db_test!(uploads_in_progress, |store: Store| async move {
    let uid = make_user(&store, "up").await;
    let mut tx = store.begin().await.unwrap();
    videos::insert_upload(tx.ex(), "u1", uid, "{}", "a.mp4", 100)
        .await
        .unwrap();
    videos::set_upload_received(tx.ex(), "u1", 40)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    let u = videos::upload(c.ex(), "u1").await.unwrap().unwrap();
    assert_eq!((u.size, u.received, u.video_id), (100, 40, None));
    assert_eq!(
        videos::stale_uploads(c.ex(), ruche_store::now_ms() + 1)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(videos::stale_uploads(c.ex(), 0).await.unwrap().is_empty());
    let account = users::account_of_user(c.ex(), uid).await.unwrap();
    let channel = users::channels_of_account(c.ex(), account.id)
        .await
        .unwrap()[0]
        .id;
    drop(c);

    // Open uploads hold their declared bytes of the quota; the one being checked is left out.
    let mut tx = store.begin().await.unwrap();
    videos::lock_uploads_of(tx.ex(), uid).await.unwrap();
    videos::insert_upload(tx.ex(), "u2", uid, "{}", "b.mp4", 250)
        .await
        .unwrap();
    assert_eq!(
        videos::open_uploads(tx.ex(), uid, "u2").await.unwrap(),
        (1, 100)
    );
    assert_eq!(
        videos::open_uploads(tx.ex(), uid, "").await.unwrap(),
        (2, 350)
    );
    // Another start for the same user, meanwhile, waits for this one to end before it counts.
    let racer = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut tx = store.begin().await.unwrap();
            videos::lock_uploads_of(tx.ex(), uid).await.unwrap();
            let open = videos::open_uploads(tx.ex(), uid, "").await.unwrap();
            tx.commit().await.unwrap();
            open
        })
    };
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
    videos::insert_upload(tx.ex(), "u3", uid, "{}", "c.mp4", 50)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(racer.await.unwrap(), (3, 400), "it saw this one's upload");

    // An upload that became its video is no longer open; a deleted one is gone.
    let vid = make_video(&store, channel, "uploaded", 100).await;
    let mut tx = store.begin().await.unwrap();
    videos::set_upload_video(tx.ex(), "u1", vid).await.unwrap();
    assert_eq!(
        videos::upload(tx.ex(), "u1")
            .await
            .unwrap()
            .unwrap()
            .video_id,
        Some(vid)
    );
    assert_eq!(
        videos::open_uploads(tx.ex(), uid, "").await.unwrap(),
        (2, 300)
    );
    videos::delete_upload(tx.ex(), "u2").await.unwrap();
    videos::delete_upload(tx.ex(), "u3").await.unwrap();
    assert!(videos::upload(tx.ex(), "u2").await.unwrap().is_none());
    assert_eq!(
        videos::open_uploads(tx.ex(), uid, "").await.unwrap(),
        (0, 0)
    );
    tx.commit().await.unwrap();
    // Upload ids (and test databases) take random suffixes: 16 hex digits, never the same.
    let (one, other) = (ruche_store::random_suffix(), ruche_store::random_suffix());
    assert_ne!(one, other);
    assert!(
        one.len() == 16 && one.chars().all(|c| c.is_ascii_hexdigit()),
        "{one}"
    );
});

db_test!(sites_versions_and_revisions, |store: Store| async move {
    use ruche_store::sites;
    let uid = make_user(&store, "maker").await;
    let mut tx = store.begin().await.unwrap();
    let id = sites::create(tx.ex(), uid, "atelier", "{\"v\":1}", "create")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // A taken slug.
    let mut tx = store.begin().await.unwrap();
    let err = sites::create(tx.ex(), uid, "atelier", "{}", "create")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    drop(tx);

    // Two tabs start from version 1; the first save wins, the second is refused unchanged.
    let mut tx = store.begin().await.unwrap();
    assert_eq!(
        sites::save(tx.ex(), id, 1, "{\"v\":2}", false, "save")
            .await
            .unwrap(),
        2
    );
    let err = sites::save(tx.ex(), id, 1, "{\"v\":\"other tab\"}", false, "save")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)));
    assert_eq!(
        sites::save(tx.ex(), id, 2, "{\"v\":3}", true, "publish")
            .await
            .unwrap(),
        3
    );
    tx.commit().await.unwrap();

    let mut c = store.read().await.unwrap();
    let s = sites::by_slug(c.ex(), "atelier").await.unwrap().unwrap();
    assert_eq!(
        (s.version, s.draft.as_str(), s.published.as_deref()),
        (3, "{\"v\":3}", Some("{\"v\":3}"))
    );
    assert!(s.published_at.is_some());
    assert_eq!(
        sites::by_id(c.ex(), id).await.unwrap().unwrap().slug,
        "atelier"
    );
    assert!(sites::by_id(c.ex(), id + 1000).await.unwrap().is_none());
    // What a page's answer needs of it, without the draft.
    let published_at = s.published_at.unwrap();
    assert_eq!(
        sites::published_stamp(c.ex(), "atelier").await.unwrap(),
        Some((id, published_at))
    );
    assert_eq!(
        sites::published_document(c.ex(), "atelier").await.unwrap(),
        Some((id, "{\"v\":3}".to_string(), published_at))
    );
    assert_eq!(
        sites::published_stamp(c.ex(), "nowhere").await.unwrap(),
        None
    );
    let revs = sites::revisions(c.ex(), id).await.unwrap();
    let kinds: Vec<&str> = revs.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(kinds, vec!["publish", "save", "create"]);
    assert_eq!(sites::of_owner(c.ex(), uid).await.unwrap().len(), 1);
    drop(c);
    let mut tx = store.begin().await.unwrap();
    sites::unpublish(tx.ex(), id).await.unwrap();
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    assert!(
        sites::by_slug(c.ex(), "atelier")
            .await
            .unwrap()
            .unwrap()
            .published
            .is_none()
    );
    assert_eq!(
        sites::published_stamp(c.ex(), "atelier").await.unwrap(),
        None
    );
    assert_eq!(
        sites::published_document(c.ex(), "atelier").await.unwrap(),
        None
    );
    drop(c);

    // Contact messages: stored, counted for rate limits, read/unread, deleted.
    let mut tx = store.begin().await.unwrap();
    let m = sites::insert_message(tx.ex(), id, "Ana", "ana@example.org", "Bonjour", "h1")
        .await
        .unwrap();
    sites::insert_message(tx.ex(), id, "Bo", "bo@example.org", "Salut", "h2")
        .await
        .unwrap();
    assert_eq!(
        sites::recent_messages(tx.ex(), id, "h1", 0).await.unwrap(),
        (1, 2)
    );
    assert!(sites::set_read(tx.ex(), id, m, true).await.unwrap());
    assert!(
        !sites::set_read(tx.ex(), id + 1, m, true).await.unwrap(),
        "another site's message"
    );
    let msgs = sites::messages(tx.ex(), id).await.unwrap();
    assert_eq!(
        (msgs.len(), msgs[1].is_read, msgs[0].is_read),
        (2, true, false)
    );
    assert_eq!(
        sites::message(tx.ex(), m).await.unwrap().unwrap().name,
        "Ana"
    );
    sites::mark_mailed(tx.ex(), m).await.unwrap();
    assert!(sites::delete_message(tx.ex(), id, m).await.unwrap());

    // A slug change; the picture library: one entry per picture, labels, bytes for the quota.
    sites::rename(tx.ex(), id, "atelier-bois").await.unwrap();
    assert!(
        sites::by_slug(tx.ex(), "atelier-bois")
            .await
            .unwrap()
            .is_some()
    );
    sites::rename(tx.ex(), id, "atelier").await.unwrap();
    let pic = "0123456789abcdef-800x600.webp";
    let a = sites::add_media(tx.ex(), uid, pic, 800, 600, 5000, "Le bois")
        .await
        .unwrap();
    let b = sites::add_media(tx.ex(), uid, pic, 800, 600, 5000, "Autre")
        .await
        .unwrap();
    assert_eq!(
        (a.id, b.label.as_str()),
        (b.id, "Le bois"),
        "same picture, one entry"
    );
    sites::add_media(tx.ex(), uid, "fedcba9876543210-10x10.webp", 10, 10, 100, "")
        .await
        .unwrap();
    assert_eq!(sites::media_bytes(tx.ex(), uid).await.unwrap(), 5100);
    assert!(
        sites::set_media_label(tx.ex(), uid, pic, "Des planches")
            .await
            .unwrap()
    );
    assert!(
        !sites::set_media_label(tx.ex(), uid + 1000, pic, "x")
            .await
            .unwrap()
    );
    let lib = sites::media_of(tx.ex(), uid).await.unwrap();
    assert_eq!(lib.len(), 2);
    assert_eq!(lib[1].label, "Des planches");

    // The trash: out of the owner's list, back again, purged when old enough.
    sites::set_deleted(tx.ex(), id, true).await.unwrap();
    assert!(sites::of_owner(tx.ex(), uid).await.unwrap().is_empty());
    assert_eq!(sites::trashed(tx.ex(), uid).await.unwrap().len(), 1);
    assert_eq!(
        sites::purge_trash(tx.ex(), 0).await.unwrap(),
        0,
        "not old enough"
    );
    sites::set_deleted(tx.ex(), id, false).await.unwrap();
    assert_eq!(sites::of_owner(tx.ex(), uid).await.unwrap().len(), 1);
    sites::set_deleted(tx.ex(), id, true).await.unwrap();
    assert_eq!(
        sites::purge_trash(tx.ex(), ruche_store::now_ms() + 1)
            .await
            .unwrap(),
        1
    );
    assert!(sites::by_slug(tx.ex(), "atelier").await.unwrap().is_none());
    tx.commit().await.unwrap();
});

db_test!(actor_keys_are_made_once, |store: Store| async move {
    use ruche_store::actors;
    let mut tx = store.begin().await.unwrap();
    assert!(actors::key(tx.ex(), "account", 1).await.unwrap().is_none());
    let first = actors::KeyPair {
        public_pem: "PUBLIC-1".into(),
        private_pem: "PRIVATE-1".into(),
    };
    let stored = actors::insert_key(tx.ex(), "account", 1, &first)
        .await
        .unwrap();
    assert_eq!(stored.public_pem, "PUBLIC-1");
    // A second maker loses the race and gets the first pair.
    let second = actors::KeyPair {
        public_pem: "PUBLIC-2".into(),
        private_pem: "PRIVATE-2".into(),
    };
    let stored = actors::insert_key(tx.ex(), "account", 1, &second)
        .await
        .unwrap();
    assert_eq!(stored.private_pem, "PRIVATE-1");
    assert!(actors::key(tx.ex(), "channel", 1).await.unwrap().is_none());
    tx.commit().await.unwrap();
});

db_test!(
    remote_actors_follows_and_videos,
    |store: Store| async move {
        let mut tx = store.begin().await.unwrap();
        let profile = RemoteProfile {
            url: "https://a.example/accounts/ann",
            name: "ann",
            host: "a.example",
            display_name: "Ann",
            description: None,
            support: None,
        };
        let acc = federation::upsert_account(tx.ex(), &profile).await.unwrap();
        // The same url again refreshes, never duplicates.
        let again = federation::upsert_account(
            tx.ex(),
            &RemoteProfile {
                display_name: "Ann B.",
                ..profile
            },
        )
        .await
        .unwrap();
        assert_eq!(acc, again);
        let ch = federation::upsert_channel(
            tx.ex(),
            acc,
            &RemoteProfile {
                url: "https://a.example/video-channels/ann_channel",
                name: "ann_channel",
                host: "a.example",
                display_name: "Ann's",
                description: Some("videos"),
                support: None,
            },
        )
        .await
        .unwrap();
        let actor = federation::upsert_actor(
            tx.ex(),
            &RemoteActor {
                url: "https://a.example/accounts/ann".into(),
                kind: "Person".into(),
                host: "a.example".into(),
                username: "ann".into(),
                inbox: "https://a.example/accounts/ann/inbox".into(),
                shared_inbox: Some("https://a.example/inbox".into()),
                account_id: Some(acc),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(actor.account_id, Some(acc));
        let found = federation::actor_by_url(tx.ex(), "https://a.example/accounts/ann")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                found.id,
                found.inbox.as_str(),
                found.shared_inbox.as_deref()
            ),
            (
                actor.id,
                "https://a.example/accounts/ann/inbox",
                Some("https://a.example/inbox")
            )
        );
        assert!(
            federation::actor_by_url(tx.ex(), "https://a.example/accounts/nobody")
                .await
                .unwrap()
                .is_none()
        );
        // The actor standing as an account here; nobody stands as the channel yet.
        assert_eq!(
            federation::actor_of(tx.ex(), Some(acc), None)
                .await
                .unwrap()
                .map(|a| a.url),
            Some(actor.url.clone())
        );
        assert!(
            federation::actor_of(tx.ex(), None, Some(ch))
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            federation::actor_of(tx.ex(), None, None)
                .await
                .unwrap()
                .is_none()
        );
        let by_handle = federation::account_by_handle(tx.ex(), "ann", "a.example")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(by_handle.display_name, "Ann B.");
        assert_eq!(
            by_handle.url.as_deref(),
            Some("https://a.example/accounts/ann")
        );
        let chan = federation::channel_by_handle(tx.ex(), "ann_channel", "a.example")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(chan.id, ch);

        // Follows: two followers on one instance share its inbox once.
        let local = "https://us.example/video-channels/c";
        federation::upsert_follow(
            tx.ex(),
            &actor.url,
            local,
            FollowState::Accepted,
            "https://a.example/f/1",
        )
        .await
        .unwrap();
        federation::upsert_actor(
            tx.ex(),
            &RemoteActor {
                url: "https://a.example/accounts/bob".into(),
                kind: "Person".into(),
                host: "a.example".into(),
                username: "bob".into(),
                inbox: "https://a.example/accounts/bob/inbox".into(),
                shared_inbox: Some("https://a.example/inbox".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        federation::upsert_follow(
            tx.ex(),
            "https://a.example/accounts/bob",
            local,
            FollowState::Accepted,
            "https://a.example/f/2",
        )
        .await
        .unwrap();
        federation::upsert_follow(
            tx.ex(),
            "https://b.example/u/x",
            local,
            FollowState::Pending,
            "https://b.example/f/3",
        )
        .await
        .unwrap();
        let inboxes = federation::follower_inboxes(tx.ex(), &[local.to_string()])
            .await
            .unwrap();
        assert_eq!(inboxes, vec!["https://a.example/inbox".to_string()]);
        let (rows, total) = federation::follows_of(tx.ex(), local, Side::Followers, None, 0, 10)
            .await
            .unwrap();
        assert_eq!((rows.len(), total), (3, 3));
        let (_, accepted) = federation::follows_of(
            tx.ex(),
            local,
            Side::Followers,
            Some(FollowState::Accepted),
            0,
            10,
        )
        .await
        .unwrap();
        assert_eq!(accepted, 2);
        let anns = federation::follow(tx.ex(), &actor.url, local)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (anns.state.as_str(), anns.activity.as_str()),
            ("accepted", "https://a.example/f/1")
        );
        assert!(
            federation::follow(tx.ex(), local, &actor.url)
                .await
                .unwrap()
                .is_none(),
            "a follow has a direction"
        );
        let follow = federation::follow_by_activity(tx.ex(), "https://b.example/f/3")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(follow.state, FollowState::Pending);
        federation::set_follow_state(tx.ex(), follow.id, FollowState::Accepted)
            .await
            .unwrap();
        let by_id = federation::follow_by_id(tx.ex(), follow.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (by_id.follower.as_str(), by_id.state.as_str()),
            ("https://b.example/u/x", "accepted")
        );
        assert!(
            federation::delete_follow(tx.ex(), "https://b.example/u/x", local)
                .await
                .unwrap()
        );
        assert!(
            !federation::delete_follow(tx.ex(), "https://b.example/u/x", local)
                .await
                .unwrap()
        );
        assert!(
            federation::follow_by_id(tx.ex(), follow.id)
                .await
                .unwrap()
                .is_none()
        );

        // A remote video lives in the videos table, found by its url; rating it moves its
        // counters by the change only (its origin's count is the truth).
        let rv = videos::RemoteVideo {
            url: "https://a.example/videos/watch/2f0d1c3a-0000-4000-8000-000000000001".into(),
            uuid: "2f0d1c3a-0000-4000-8000-000000000001".into(),
            channel_id: ch,
            name: "Remote".into(),
            privacy: Privacy::Public,
            comments_policy: ruche_domain::video::CommentsPolicy::Enabled,
            download_enabled: true,
            duration: 12,
            views: 40,
            published_at: 1000,
            updated_at: 1000,
            remote_media: "{}".into(),
            ..Default::default()
        };
        let vid = videos::upsert_remote(tx.ex(), &rv).await.unwrap();
        assert_eq!(
            videos::upsert_remote(
                tx.ex(),
                &videos::RemoteVideo {
                    views: 41,
                    ..rv.clone()
                }
            )
            .await
            .unwrap(),
            vid
        );
        videos::set_remote_rates(tx.ex(), vid, 7, 1).await.unwrap();
        let local_user = {
            let u = users::create_user(
                tx.ex(),
                &NewUser {
                    username: "carol",
                    email: "carol@example.org",
                    password_hash: "x",
                    role: Role::User,
                    video_quota: 1000,
                    video_quota_daily: -1,
                },
            )
            .await
            .unwrap();
            users::account_of_user(tx.ex(), u).await.unwrap()
        };
        videos::set_rate(tx.ex(), local_user.id, vid, Some("like"), None)
            .await
            .unwrap();
        videos::set_rate(tx.ex(), local_user.id, vid, Some("dislike"), None)
            .await
            .unwrap();
        // A state older than the one held changes nothing (an Update delivered late).
        assert_eq!(
            videos::upsert_remote(
                tx.ex(),
                &videos::RemoteVideo {
                    views: 3,
                    updated_at: 999,
                    ..rv.clone()
                }
            )
            .await
            .unwrap(),
            vid
        );
        let v = videos::by_url(tx.ex(), &rv.url).await.unwrap().unwrap();
        assert_eq!((v.views, v.likes, v.dislikes), (41, 7, 2));
        assert!(!v.is_local());
        // The instance's lists show it once an actor followed from here shared it (PeerTube's
        // rule); its channel's list shows it anyway.
        let listed = |channel_id| videos::ListFilter {
            public_only: true,
            is_local: Some(false),
            channel_id,
            count: 10,
            ..Default::default()
        };
        assert_eq!(videos::list(tx.ex(), &listed(None)).await.unwrap().1, 0);
        assert_eq!(videos::list(tx.ex(), &listed(Some(ch))).await.unwrap().1, 1);
        let sharer = "https://a.example/accounts/peertube";
        videos::add_share(tx.ex(), vid, sharer, &format!("{}/announces/1", rv.url))
            .await
            .unwrap();
        assert_eq!(videos::list(tx.ex(), &listed(None)).await.unwrap().1, 0);
        federation::upsert_follow(
            tx.ex(),
            "https://local.example/accounts/peertube",
            sharer,
            FollowState::Accepted,
            "https://local.example/accounts/peertube/follows/1",
        )
        .await
        .unwrap();
        assert_eq!(videos::list(tx.ex(), &listed(None)).await.unwrap().1, 1);
        assert_eq!(v.channel_host.as_deref(), Some("a.example"));
        tx.commit().await.unwrap();
        // Another instance's video keeps to it: a second video with its uuid is refused (in a
        // transaction of its own: PostgreSQL aborts a transaction at its first error).
        let mut tx = store.begin().await.unwrap();
        let clash = videos::upsert_remote(
            tx.ex(),
            &videos::RemoteVideo {
                url: "https://evil.example/videos/watch/x".into(),
                ..rv.clone()
            },
        )
        .await;
        assert!(matches!(clash, Err(StoreError::Conflict(_))), "{clash:?}");
        drop(tx);

        // ann's comments under a local video, a reply to one of them, and a comment of carol's.
        let lch = {
            let mut c = store.read().await.unwrap();
            users::channels_of_account(c.ex(), local_user.id)
                .await
                .unwrap()[0]
                .id
        };
        let lv = make_video(&store, lch, "Local", 10).await;
        let mut tx = store.begin().await.unwrap();
        let ann_id = actor.account_id.unwrap();
        let hers = ruche_store::comments::insert(
            tx.ex(),
            lv,
            ann_id,
            None,
            "Hi",
            Some("https://a.example/c/1"),
            false,
        )
        .await
        .unwrap();
        let parent = ruche_store::comments::by_id(tx.ex(), hers)
            .await
            .unwrap()
            .unwrap();
        let answer = ruche_store::comments::insert(
            tx.ex(),
            lv,
            local_user.id,
            Some(&parent),
            "Hello",
            None,
            false,
        )
        .await
        .unwrap();
        let other =
            ruche_store::comments::insert(tx.ex(), lv, local_user.id, None, "Mine", None, false)
                .await
                .unwrap();
        tx.commit().await.unwrap();

        // The actor deleting itself takes its account, channel and videos along; its comments
        // stay as tombstones, so the replies below them stay (PeerTube drops those too).
        let mut tx = store.begin().await.unwrap();
        assert!(federation::delete_actor(tx.ex(), &actor.url).await.unwrap());
        for (id, text) in [(hers, ""), (answer, "Hello"), (other, "Mine")] {
            let c = ruche_store::comments::by_id(tx.ex(), id)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(c.text, text, "comment {id}");
            assert_eq!(c.deleted_at.is_some(), id == hers, "comment {id}");
        }
        assert!(videos::by_url(tx.ex(), &rv.url).await.unwrap().is_none());
        assert!(
            federation::account_by_handle(tx.ex(), "ann", "a.example")
                .await
                .unwrap()
                .is_none()
        );
        tx.commit().await.unwrap();
    }
);

db_test!(
    deliveries_retries_and_dead_hosts,
    |store: Store| async move {
        let inboxes: Vec<String> = [
            "https://a.example/inbox",
            "https://a.example/inbox",
            "https://b.example:8443/users/x/inbox",
            "https://dead.example/inbox",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut tx = store.begin().await.unwrap();
        // dead.example has been unreachable for long: it gets nothing new.
        federation::host_failed(tx.ex(), "dead.example")
            .await
            .unwrap();
        let dead = federation::instance(tx.ex(), "dead.example")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(dead.failures, 1);
        assert!(dead.unreachable_since.is_some() && dead.last_success_at.is_none());
        assert!(
            federation::instance(tx.ex(), "never.example")
                .await
                .unwrap()
                .is_none()
        );
        let n = federation::enqueue_activity(
            tx.ex(),
            "{}",
            ("account", 1),
            &inboxes,
            ruche_store::now_ms() + 1,
        )
        .await
        .unwrap();
        assert_eq!(n, 2, "duplicates and given-up hosts are left out");
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        let due = federation::due_hosts(c.ex(), 10).await.unwrap();
        assert_eq!(due.len(), 2);
        drop(c);
        assert_eq!(
            ruche_domain::urls::host("https://B.example:8443/users/x/inbox"),
            "b.example:8443"
        );
        let got = federation::claim_deliveries(&store, "a.example", 5, 60_000)
            .await
            .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(
            (got[0].attempts, got[0].signer_kind.as_str()),
            (1, "account")
        );
        // Claimed: not claimable again while its lease runs.
        assert!(
            federation::claim_deliveries(&store, "a.example", 5, 60_000)
                .await
                .unwrap()
                .is_empty()
        );
        let mut tx = store.begin().await.unwrap();
        federation::delivered(tx.ex(), &got[0]).await.unwrap();
        tx.commit().await.unwrap();

        // b.example fails: held, then back when it speaks again.
        let b = federation::claim_deliveries(&store, "b.example:8443", 5, 60_000)
            .await
            .unwrap();
        let far = ruche_store::now_ms() + 3_600_000;
        let mut tx = store.begin().await.unwrap();
        assert_eq!(
            federation::host_failed(tx.ex(), "b.example:8443")
                .await
                .unwrap(),
            1
        );
        // A second failure within the same second counts once.
        assert_eq!(
            federation::host_failed(tx.ex(), "b.example:8443")
                .await
                .unwrap(),
            1
        );
        federation::delivery_failed(tx.ex(), b[0].id, "connection refused", far)
            .await
            .unwrap();
        federation::postpone_host(tx.ex(), "b.example:8443", far)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        assert!(federation::due_hosts(c.ex(), 10).await.unwrap().is_empty());
        assert!(federation::next_delivery_at(c.ex()).await.unwrap().unwrap() >= far);
        drop(c);
        let mut tx = store.begin().await.unwrap();
        assert!(
            federation::host_reachable(tx.ex(), "b.example:8443")
                .await
                .unwrap()
        );
        assert!(
            !federation::host_reachable(tx.ex(), "b.example:8443")
                .await
                .unwrap()
        );
        let back = federation::instance(tx.ex(), "b.example:8443")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(back.failures, 0);
        assert!(back.unreachable_since.is_none() && back.last_success_at.is_some());
        tx.commit().await.unwrap();
        let again = federation::claim_deliveries(&store, "b.example:8443", 5, 60_000)
            .await
            .unwrap();
        assert_eq!((again.len(), again[0].attempts), (1, 2));

        // A host unreachable for too long is given up: its deliveries go, with their activity.
        let mut tx = store.begin().await.unwrap();
        federation::delivery_failed(tx.ex(), again[0].id, "down", 0)
            .await
            .unwrap();
        federation::host_failed(tx.ex(), "b.example:8443")
            .await
            .unwrap();
        assert_eq!(
            federation::give_up_hosts(tx.ex(), ruche_store::now_ms() + 1)
                .await
                .unwrap(),
            1
        );
        assert!(
            federation::pending_deliveries(tx.ex())
                .await
                .unwrap()
                .is_empty()
        );
        // Activities taken in are recorded once per content: PeerTube sends new content under
        // an id it used before.
        let id = "https://a.example/videos/watch/1/updates/2026-12-01T00:00:00.000Z";
        assert!(federation::mark_received(tx.ex(), id, "d1").await.unwrap());
        assert!(!federation::mark_received(tx.ex(), id, "d1").await.unwrap());
        assert!(federation::mark_received(tx.ex(), id, "d2").await.unwrap());
        assert!(
            federation::mark_received(tx.ex(), "https://a.example/likes/1", "d1")
                .await
                .unwrap()
        );
        // An activity undone is forgotten, whatever its content, so it can come again.
        federation::forget_received(tx.ex(), id).await.unwrap();
        assert!(federation::mark_received(tx.ex(), id, "d1").await.unwrap());
        assert_eq!(
            federation::prune_received(tx.ex(), ruche_store::now_ms() + 1)
                .await
                .unwrap(),
            2
        );
        tx.commit().await.unwrap();

        // The sole process of its data, starting, takes back every delivery a worker held; a
        // delivery refused for good is dropped, and its activity with it.
        let mut tx = store.begin().await.unwrap();
        let to_c = vec!["https://c.example/inbox".to_string()];
        let n = federation::enqueue_activity(
            tx.ex(),
            "{\"n\":2}",
            ("account", 1),
            &to_c,
            ruche_store::now_ms() + 1,
        )
        .await
        .unwrap();
        assert_eq!(n, 1);
        tx.commit().await.unwrap();
        let held = federation::claim_deliveries(&store, "c.example", 5, 60_000)
            .await
            .unwrap();
        assert_eq!((held.len(), held[0].body.as_str()), (1, "{\"n\":2}"));
        let mut tx = store.begin().await.unwrap();
        assert_eq!(federation::release_deliveries(tx.ex()).await.unwrap(), 1);
        assert_eq!(federation::release_deliveries(tx.ex()).await.unwrap(), 0);
        tx.commit().await.unwrap();
        let again = federation::claim_deliveries(&store, "c.example", 5, 60_000)
            .await
            .unwrap();
        assert_eq!(
            (again.len(), again[0].id, again[0].attempts),
            (1, held[0].id, 2)
        );
        let mut tx = store.begin().await.unwrap();
        federation::delivery_dropped(tx.ex(), &again[0])
            .await
            .unwrap();
        assert!(
            federation::pending_deliveries(tx.ex())
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            federation::next_delivery_at(tx.ex())
                .await
                .unwrap()
                .is_none()
        );
        // An instance blocked: what still waits for it is dropped, with its activity; other
        // instances' deliveries stay.
        let to_both = vec![
            "https://c.example/inbox".to_string(),
            "https://d.example/inbox".to_string(),
        ];
        federation::enqueue_activity(tx.ex(), "{\"n\":3}", ("account", 1), &to_both, 0)
            .await
            .unwrap();
        assert_eq!(
            ruche_store::blocklist::drop_deliveries_to(tx.ex(), "c.example")
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            federation::pending_deliveries(tx.ex()).await.unwrap(),
            vec![("d.example".to_string(), 1)]
        );
        tx.commit().await.unwrap();
    }
);

db_test!(shares_rates_and_comment_ids, |store: Store| async move {
    let uid = make_user(&store, "dora").await;
    let mut c = store.read().await.unwrap();
    let account = users::account_of_user(c.ex(), uid).await.unwrap();
    let channel = users::channels_of_account(c.ex(), account.id)
        .await
        .unwrap()[0]
        .id;
    drop(c);
    let vid = make_video(&store, channel, "Partagée", 10).await;
    let mut tx = store.begin().await.unwrap();
    videos::add_share(
        tx.ex(),
        vid,
        "https://a.example/u/x",
        "https://a.example/a/1",
    )
    .await
    .unwrap();
    // Shared again by the same actor: one share, the newest id.
    videos::add_share(
        tx.ex(),
        vid,
        "https://a.example/u/x",
        "https://a.example/a/2",
    )
    .await
    .unwrap();
    videos::add_share(
        tx.ex(),
        vid,
        "https://b.example/u/y",
        "https://b.example/a/3",
    )
    .await
    .unwrap();
    let (mut s, total) = videos::shares(tx.ex(), vid, 0, 10).await.unwrap();
    assert_eq!(total, 2);
    // Paged in SQL: one per page, the total unchanged.
    let (one, total) = videos::shares(tx.ex(), vid, 1, 1).await.unwrap();
    assert_eq!((one.len(), total), (1, 2));
    assert!(s.contains(&one[0]));
    s.sort();
    assert_eq!(
        s,
        vec![
            "https://a.example/a/2".to_string(),
            "https://b.example/a/3".to_string()
        ]
    );
    videos::remove_share(tx.ex(), vid, "https://a.example/u/x")
        .await
        .unwrap();
    assert_eq!(
        videos::shares(tx.ex(), vid, 0, 10).await.unwrap(),
        (vec!["https://b.example/a/3".to_string()], 1)
    );
    videos::set_rate(
        tx.ex(),
        account.id,
        vid,
        Some("like"),
        Some("https://a.example/likes/1"),
    )
    .await
    .unwrap();
    let (likes, total) = videos::rates(tx.ex(), vid, "like", 0, 10).await.unwrap();
    assert_eq!(total, 1);
    assert_eq!(
        likes,
        vec![(
            "dora".to_string(),
            None,
            Some("https://a.example/likes/1".to_string())
        )]
    );
    assert!(
        videos::rates(tx.ex(), vid, "dislike", 0, 10)
            .await
            .unwrap()
            .0
            .is_empty()
    );
    let first = ruche_store::comments::insert(tx.ex(), vid, account.id, None, "un", None, false)
        .await
        .unwrap();
    let gone = ruche_store::comments::insert(
        tx.ex(),
        vid,
        account.id,
        None,
        "deux",
        Some("https://a.example/c/2"),
        false,
    )
    .await
    .unwrap();
    ruche_store::comments::soft_delete(tx.ex(), gone)
        .await
        .unwrap();
    assert_eq!(
        ruche_store::comments::ids_of_video(tx.ex(), vid, 0, 10)
            .await
            .unwrap(),
        (vec![(first, None)], 1)
    );
    // Reports: a Flag's is kept once per (Flag id, thing); ours as often as made (the service
    // refuses a second while the first waits). Their lists, decisions, messages, deletion.
    use ruche_store::abuses::{self, Filter, NewAbuse, Order};
    let reasons = vec!["spamOrMisleading".to_string()];
    let flag = NewAbuse {
        kind: "video",
        reason: "spam",
        predefined_reasons: &reasons,
        flagged_account_id: Some(account.id),
        video_id: Some(vid),
        start_at: Some(3),
        end_at: Some(9),
        video_snapshot: Some("{\"name\":\"Avant\"}"),
        url: Some("https://a.example/flags/1"),
        object_url: Some("https://here.example/videos/watch/x"),
        ..NewAbuse::default()
    };
    let first_report = abuses::insert(tx.ex(), &flag).await.unwrap().unwrap();
    assert_eq!(
        abuses::insert(tx.ex(), &flag).await.unwrap(),
        None,
        "the same Flag twice"
    );
    let on_comment = abuses::insert(
        tx.ex(),
        &NewAbuse {
            kind: "comment",
            reason: "rude",
            predefined_reasons: &[],
            reporter_account_id: Some(account.id),
            flagged_account_id: Some(account.id),
            comment_id: Some(first),
            ..NewAbuse::default()
        },
    )
    .await
    .unwrap()
    .unwrap();
    let all = Filter {
        descending: true,
        count: 10,
        ..Filter::default()
    };
    let (rows, total) = abuses::list(tx.ex(), &all).await.unwrap();
    assert_eq!(total, 2);
    assert_eq!(rows[0].id, on_comment, "newest first");
    assert_eq!(rows[1].predefined(), reasons);
    assert_eq!((rows[1].count_for_video, rows[1].nth_for_video), (1, 1));
    assert_eq!(rows[0].count_for_reporter, 1);
    assert_eq!(rows[0].count_for_reportee, 2);
    for (f, want) in [
        (
            Filter {
                kind: Some("comment".into()),
                ..all.clone()
            },
            1,
        ),
        (
            Filter {
                reporter: Some(account.id),
                ..all.clone()
            },
            1,
        ),
        (
            Filter {
                predefined_reason: Some("spamOrMisleading".into()),
                ..all.clone()
            },
            1,
        ),
        (
            Filter {
                video_id: Some(vid),
                ..all.clone()
            },
            1,
        ),
        (
            Filter {
                comment_id: Some(first),
                ..all.clone()
            },
            1,
        ),
        (
            Filter {
                flagged: Some(account.id),
                state: Some(1),
                ..all.clone()
            },
            2,
        ),
        (
            Filter {
                search: Some("AVANT".into()),
                ..all.clone()
            },
            1,
        ),
        (
            Filter {
                order: Order::State,
                id: Some(first_report),
                ..all.clone()
            },
            1,
        ),
    ] {
        assert_eq!(abuses::list(tx.ex(), &f).await.unwrap().1, want, "{f:?}");
    }
    abuses::decide(tx.ex(), first_report, Some(3), Some("vu"))
        .await
        .unwrap();
    abuses::decide(tx.ex(), first_report, None, None)
        .await
        .unwrap();
    let decided = abuses::by_id(tx.ex(), first_report).await.unwrap().unwrap();
    assert_eq!(
        (decided.state, decided.moderation_comment.as_deref()),
        (3, Some("vu"))
    );
    assert!(decided.processed_at.is_some());
    let m = abuses::add_message(tx.ex(), on_comment, account.id, "Bonjour", false)
        .await
        .unwrap();
    assert_eq!(
        abuses::messages(tx.ex(), on_comment, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        abuses::message(tx.ex(), first_report, m)
            .await
            .unwrap()
            .is_none(),
        "another report's"
    );
    assert!(
        abuses::message(tx.ex(), on_comment, m)
            .await
            .unwrap()
            .unwrap()
            .message
            == "Bonjour"
    );
    assert_eq!(
        abuses::by_id(tx.ex(), on_comment)
            .await
            .unwrap()
            .unwrap()
            .count_messages,
        1
    );
    abuses::delete_message(tx.ex(), m).await.unwrap();
    abuses::add_message(tx.ex(), on_comment, account.id, "Encore", true)
        .await
        .unwrap();
    abuses::delete(tx.ex(), on_comment).await.unwrap();
    assert!(abuses::by_id(tx.ex(), on_comment).await.unwrap().is_none());
    assert_eq!(
        ruche_store::comments::by_ids(tx.ex(), &[first, gone, 0])
            .await
            .unwrap()
            .len(),
        2
    );
    tx.commit().await.unwrap();
});

db_test!(profiles_and_pictures, |store: Store| async move {
    use users::{Holder, Picture, PictureKind};
    let uid = make_user(&store, "pia").await;
    let mut c = store.read().await.unwrap();
    let acc = users::account_of_user(c.ex(), uid).await.unwrap();
    let ch = users::channels_of_account(c.ex(), acc.id).await.unwrap()[0].clone();
    drop(c);
    assert!(users::pictures(acc.avatars.as_deref()).is_empty());
    let pic = |name: &str, w: u32| Picture {
        filename: format!("{name}.webp"),
        width: Some(w),
        height: Some(w),
        url: None,
        created_at: 5,
    };

    let mut tx = store.begin().await.unwrap();
    let old = users::set_pictures(
        tx.ex(),
        Holder::Account(acc.id),
        PictureKind::Avatar,
        &[pic("small", 48), pic("big", 600)],
    )
    .await
    .unwrap();
    assert!(old.is_empty());
    users::update_account(tx.ex(), acc.id, "Pia P.", Some("Films"))
        .await
        .unwrap();
    users::update_channel(tx.ex(), ch.id, "Pia's films", None, Some("Thanks"))
        .await
        .unwrap();
    users::set_pictures(
        tx.ex(),
        Holder::Channel(ch.id),
        PictureKind::Banner,
        &[pic("wide", 1920)],
    )
    .await
    .unwrap();
    // Accounts have no banner.
    assert!(
        users::set_pictures(tx.ex(), Holder::Account(acc.id), PictureKind::Banner, &[])
            .await
            .is_err()
    );
    tx.commit().await.unwrap();

    let mut c = store.read().await.unwrap();
    let a = users::account_by_id(c.ex(), acc.id).await.unwrap();
    assert_eq!(
        (a.display_name.as_str(), a.description.as_deref()),
        ("Pia P.", Some("Films"))
    );
    let got = users::pictures(a.avatars.as_deref());
    assert_eq!(got, [pic("big", 600), pic("small", 48)], "largest first");
    let chan = users::channel_by_id(c.ex(), ch.id).await.unwrap().unwrap();
    assert_eq!(chan.display_name, "Pia's films");
    assert_eq!(chan.support.as_deref(), Some("Thanks"));
    assert_eq!(
        users::pictures(chan.banners.as_deref()),
        [pic("wide", 1920)]
    );
    assert!(chan.avatars.is_none());
    drop(c);

    // Replacing gives back what was replaced (whose files go); removing leaves none.
    let mut tx = store.begin().await.unwrap();
    let old = users::set_pictures(tx.ex(), Holder::Account(acc.id), PictureKind::Avatar, &[])
        .await
        .unwrap();
    assert_eq!(old.len(), 2);
    assert!(matches!(
        users::set_pictures(tx.ex(), Holder::Channel(9999), PictureKind::Avatar, &[]).await,
        Err(StoreError::NotFound)
    ));
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    assert!(
        users::account_by_id(c.ex(), acc.id)
            .await
            .unwrap()
            .avatars
            .is_none()
    );
});

db_test!(site_revisions_are_bounded, |store: Store| async move {
    use ruche_store::sites;
    let uid = make_user(&store, "keeper").await;
    let mut tx = store.begin().await.unwrap();
    let id = sites::create(tx.ex(), uid, "journal", "{\"v\":1}", "create")
        .await
        .unwrap();
    let other = sites::create(tx.ex(), uid, "autre", "{\"other\":1}", "create")
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Saved again and again (as a client posting drafts in a loop would): the log keeps the
    // newest revisions only, each save removing what falls out of them.
    let kept = sites::KEPT_REVISIONS;
    let last = kept + 10;
    for v in 1..last {
        let mut tx = store.begin().await.unwrap();
        sites::save(
            tx.ex(),
            id,
            v,
            &format!("{{\"v\":{}}}", v + 1),
            false,
            "save",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let mut c = store.read().await.unwrap();
    let revs = sites::revisions(c.ex(), id).await.unwrap();
    let versions: Vec<i64> = revs.iter().map(|r| r.version).collect();
    assert_eq!(
        versions,
        (last - kept + 1..=last).rev().collect::<Vec<_>>(),
        "the last {kept} revisions, newest first"
    );
    assert_eq!(
        sites::revisions(c.ex(), other).await.unwrap().len(),
        1,
        "another site's log is its own"
    );

    // One revision is read by its site and id, with its document; another site's id is none.
    let newest = sites::revision(c.ex(), id, revs[0].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            newest.version,
            newest.document.as_str(),
            newest.kind.as_str()
        ),
        (last, format!("{{\"v\":{last}}}").as_str(), "save")
    );
    let oldest = revs.last().unwrap();
    assert_eq!(
        sites::revision(c.ex(), id, oldest.id)
            .await
            .unwrap()
            .unwrap()
            .document,
        format!("{{\"v\":{}}}", oldest.version)
    );
    assert!(
        sites::revision(c.ex(), other, revs[0].id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        sites::revision(c.ex(), id, oldest.id - 1)
            .await
            .unwrap()
            .is_none(),
        "a revision past the kept ones is gone"
    );
});

db_test!(
    comment_threads_replies_and_depth,
    |store: Store| async move {
        use ruche_store::comments;
        let uid = make_user(&store, "talk").await;
        let mut c = store.read().await.unwrap();
        let account = users::account_of_user(c.ex(), uid).await.unwrap();
        let channel = users::channels_of_account(c.ex(), account.id)
            .await
            .unwrap()[0]
            .id;
        drop(c);
        let vid = make_video(&store, channel, "Débat", 10).await;
        let other = make_video(&store, channel, "Ailleurs", 10).await;
        let mut tx = store.begin().await.unwrap();
        let t1 = comments::insert(tx.ex(), vid, account.id, None, "premier", None, false)
            .await
            .unwrap();
        let head = comments::by_id(tx.ex(), t1).await.unwrap().unwrap();
        let r1 = comments::insert(
            tx.ex(),
            vid,
            account.id,
            Some(&head),
            "réponse",
            None,
            false,
        )
        .await
        .unwrap();
        let reply = comments::by_id(tx.ex(), r1).await.unwrap().unwrap();
        let r2 = comments::insert(
            tx.ex(),
            vid,
            account.id,
            Some(&reply),
            "plus bas",
            Some("https://a.example/c/9"),
            false,
        )
        .await
        .unwrap();
        let t2 = comments::insert(tx.ex(), vid, account.id, None, "second", None, false)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut c = store.read().await.unwrap();
        // Threads newest first, each with its replies counted, paged in SQL.
        let (threads, total) =
            comments::threads(c.ex(), vid, ruche_store::comments::Held::Hidden, 0, 10)
                .await
                .unwrap();
        let got: Vec<(i64, i64)> = threads.iter().map(|t| (t.id, t.replies)).collect();
        assert_eq!((got, total), (vec![(t2, 0), (t1, 2)], 2));
        let (page, total) =
            comments::threads(c.ex(), vid, ruche_store::comments::Held::Hidden, 1, 1)
                .await
                .unwrap();
        assert_eq!((page.len(), page[0].id, total), (1, t1, 2));
        assert_eq!(
            comments::threads(c.ex(), other, ruche_store::comments::Held::Hidden, 0, 10)
                .await
                .unwrap()
                .1,
            0
        );
        // A thread: its first comment, then its oldest replies, as many as asked.
        let ids = |l: Vec<comments::Comment>| l.iter().map(|c| c.id).collect::<Vec<_>>();
        assert_eq!(
            ids(
                comments::thread(c.ex(), vid, t1, ruche_store::comments::Held::Hidden, 10)
                    .await
                    .unwrap()
            ),
            vec![t1, r1, r2]
        );
        assert_eq!(
            ids(
                comments::thread(c.ex(), vid, t1, ruche_store::comments::Held::Hidden, 1)
                    .await
                    .unwrap()
            ),
            vec![t1, r1]
        );
        assert!(
            comments::thread(c.ex(), vid, r1, ruche_store::comments::Held::Hidden, 10)
                .await
                .unwrap()
                .is_empty(),
            "a reply is no thread"
        );
        assert!(
            comments::thread(c.ex(), other, t1, ruche_store::comments::Held::Hidden, 10)
                .await
                .unwrap()
                .is_empty(),
            "nor another video's"
        );
        let thread = comments::thread(c.ex(), vid, t1, ruche_store::comments::Held::Hidden, 10)
            .await
            .unwrap();
        assert_eq!(
            (thread[2].thread_id, thread[2].in_reply_to_id),
            (Some(t1), Some(r1))
        );
        // The newest replies, oldest first.
        assert_eq!(
            ids(
                comments::latest_replies(c.ex(), vid, t1, ruche_store::comments::Held::Hidden, 1)
                    .await
                    .unwrap()
            ),
            vec![r2]
        );
        assert_eq!(
            ids(
                comments::latest_replies(c.ex(), vid, t1, ruche_store::comments::Held::Hidden, 10)
                    .await
                    .unwrap()
            ),
            vec![r1, r2]
        );
        // Depth in the thread, walked up at most so far.
        assert_eq!(comments::depth(c.ex(), t1, 100).await.unwrap(), Some(0));
        assert_eq!(comments::depth(c.ex(), r1, 100).await.unwrap(), Some(1));
        assert_eq!(comments::depth(c.ex(), r2, 100).await.unwrap(), Some(2));
        assert_eq!(comments::depth(c.ex(), r2, 1).await.unwrap(), Some(1));
        assert_eq!(comments::depth(c.ex(), t2 + 1000, 100).await.unwrap(), None);
        // Another instance's comment by its ActivityPub id.
        assert_eq!(
            comments::by_url(c.ex(), "https://a.example/c/9")
                .await
                .unwrap()
                .map(|c| c.id),
            Some(r2)
        );
        assert!(
            comments::by_url(c.ex(), "https://a.example/c/0")
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            comments::count_visible(c.ex(), vid, ruche_store::comments::Held::Hidden)
                .await
                .unwrap(),
            4
        );
        drop(c);

        // An edit changes the text; a deleted comment keeps its place, not its text, and is edited
        // no more.
        let mut tx = store.begin().await.unwrap();
        comments::set_text(tx.ex(), t2, "second, corrigé")
            .await
            .unwrap();
        comments::soft_delete(tx.ex(), r1).await.unwrap();
        comments::set_text(tx.ex(), r1, "revenu").await.unwrap();
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        assert_eq!(
            comments::by_id(c.ex(), t2).await.unwrap().unwrap().text,
            "second, corrigé"
        );
        let gone = comments::by_id(c.ex(), r1).await.unwrap().unwrap();
        assert_eq!((gone.text.as_str(), gone.deleted_at.is_some()), ("", true));
        assert_eq!(
            comments::count_visible(c.ex(), vid, ruche_store::comments::Held::Hidden)
                .await
                .unwrap(),
            3
        );
        assert_eq!(
            ids(
                comments::thread(c.ex(), vid, t1, ruche_store::comments::Held::Hidden, 10)
                    .await
                    .unwrap()
            ),
            vec![t1, r1, r2]
        );
        drop(c);

        // Held for approval: a thread and a reply that only their author, or everyone allowed
        // to see all, sees; left out of counts and of the video's federated replies.
        use ruche_store::comments::Held;
        let stranger_id = make_user(&store, "stranger").await;
        let mut tx = store.begin().await.unwrap();
        let stranger = users::account_of_user(tx.ex(), stranger_id).await.unwrap();
        let held = comments::insert(tx.ex(), vid, stranger.id, None, "en attente", None, true)
            .await
            .unwrap();
        let head = comments::by_id(tx.ex(), t1).await.unwrap().unwrap();
        let held_reply = comments::insert(
            tx.ex(),
            vid,
            stranger.id,
            Some(&head),
            "réponse en attente",
            Some("https://b.example/c/9"),
            true,
        )
        .await
        .unwrap();
        comments::keep_held_activity(tx.ex(), held_reply, "{\"type\":\"Create\"}")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        for (shown, threads, in_t1, visible) in [
            (Held::Hidden, 2, 3, 3),
            (Held::Author(account.id), 2, 3, 3),
            (Held::Author(stranger.id), 3, 4, 5),
            (Held::All, 3, 4, 5),
        ] {
            assert_eq!(
                comments::threads(c.ex(), vid, shown, 0, 10)
                    .await
                    .unwrap()
                    .1,
                threads,
                "{shown:?}"
            );
            assert_eq!(
                comments::thread(c.ex(), vid, t1, shown, 10)
                    .await
                    .unwrap()
                    .len(),
                in_t1,
                "{shown:?}"
            );
            assert_eq!(
                comments::count_visible(c.ex(), vid, shown).await.unwrap(),
                visible,
                "{shown:?}"
            );
        }
        assert!(
            comments::thread(c.ex(), vid, held, Held::Hidden, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            comments::ids_of_video(c.ex(), vid, 0, 10).await.unwrap().1,
            3,
            "held comments are not federated"
        );
        let waiting = comments::RecentFilter {
            held_for_review: Some(true),
            count: 10,
            ..Default::default()
        };
        assert_eq!(comments::recent(c.ex(), &waiting).await.unwrap().1, 2);
        assert_eq!(
            comments::held_activity(c.ex(), held_reply)
                .await
                .unwrap()
                .as_deref(),
            Some("{\"type\":\"Create\"}")
        );
        drop(c);
        // Approval shows it to all, once, and forgets the kept activity.
        let mut tx = store.begin().await.unwrap();
        assert!(
            comments::approve(tx.ex(), held_reply, Some("https://a.example/ok"))
                .await
                .unwrap()
        );
        assert!(!comments::approve(tx.ex(), held_reply, None).await.unwrap());
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        let approved = comments::by_id(c.ex(), held_reply).await.unwrap().unwrap();
        assert!(!approved.held_for_review);
        assert_eq!(
            approved.reply_approval.as_deref(),
            Some("https://a.example/ok")
        );
        assert_eq!(
            comments::held_activity(c.ex(), held_reply).await.unwrap(),
            None
        );
        assert_eq!(
            comments::count_visible(c.ex(), vid, Held::Hidden)
                .await
                .unwrap(),
            4
        );
        assert_eq!(comments::recent(c.ex(), &waiting).await.unwrap().1, 1);
    }
);

db_test!(
    a_deleted_channel_takes_its_videos_jobs_and_follows,
    |store: Store| async move {
        let uid = make_user(&store, "owner").await;
        let mut tx = store.begin().await.unwrap();
        let account = users::account_of_user(tx.ex(), uid).await.unwrap();
        let second = users::create_channel(
            tx.ex(),
            &NewChannel {
                account_id: account.id,
                name: "second",
                display_name: "Second",
                description: None,
                support: None,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let first = users::channels_of_account(store.read().await.unwrap().ex(), account.id)
            .await
            .unwrap()[0]
            .id;
        let gone = make_video(&store, second, "in the second", 10).await;
        let kept = make_video(&store, first, "in the first", 10).await;
        let url = "https://us.example/video-channels/second";
        let elsewhere = "https://b.example/video-channels/x";
        let mut tx = store.begin().await.unwrap();
        federation::upsert_follow(
            tx.ex(),
            "https://a.example/accounts/ann",
            url,
            FollowState::Accepted,
            "https://a.example/f/9",
        )
        .await
        .unwrap();
        federation::upsert_follow(
            tx.ex(),
            url,
            elsewhere,
            FollowState::Accepted,
            "https://us.example/f/1",
        )
        .await
        .unwrap();
        users::delete_channel(tx.ex(), second, url).await.unwrap();
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        assert!(
            users::channel_by_id(c.ex(), second)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            users::channels_of_account(c.ex(), account.id)
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(videos::by_id(c.ex(), gone).await.unwrap().is_none());
        assert!(videos::by_id(c.ex(), kept).await.unwrap().is_some());
        assert!(
            federation::follow(c.ex(), "https://a.example/accounts/ann", url)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            federation::follow(c.ex(), url, elsewhere)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            jobs::counts(c.ex()).await.unwrap(),
            vec![("transcode".to_string(), "pending".to_string(), 1)],
            "the kept video's job only"
        );
    }
);

db_test!(
    video_edits_schedules_and_passwords,
    |store: Store| async move {
        let uid = make_user(&store, "editor").await;
        let mut c = store.read().await.unwrap();
        let acc = users::account_of_user(c.ex(), uid).await.unwrap();
        let ch = users::channels_of_account(c.ex(), acc.id).await.unwrap()[0].id;
        drop(c);
        let id = make_video(&store, ch, "before", 100).await;

        // An edit writes every field; what it leaves alone stays.
        let mut tx = store.begin().await.unwrap();
        let v = videos::by_id(tx.ex(), id).await.unwrap().unwrap();
        let mut e = videos::VideoEdit::of(&v);
        e.name = "after".into();
        e.tags = vec!["one".into(), "two".into()];
        e.nsfw = true;
        e.nsfw_flags = 3;
        e.nsfw_summary = Some("why".into());
        e.originally_published_at = Some(1_000);
        e.privacy = Privacy::PasswordProtected;
        e.published_at = Some(2_000);
        videos::edit(tx.ex(), id, &e).await.unwrap();
        videos::set_pictures(tx.ex(), id, Some("t.jpg"), None)
            .await
            .unwrap();
        videos::set_pictures(tx.ex(), id, None, Some("p.jpg"))
            .await
            .unwrap();
        let w = videos::by_id(tx.ex(), id).await.unwrap().unwrap();
        assert_eq!(w.name, "after");
        assert_eq!(w.tags, "[\"one\",\"two\"]");
        assert_eq!((w.nsfw, w.nsfw_flags), (true, 3));
        assert_eq!(w.nsfw_summary.as_deref(), Some("why"));
        assert_eq!(w.originally_published_at, Some(1_000));
        assert_eq!(w.privacy, Privacy::PasswordProtected);
        assert_eq!(w.published_at, Some(2_000));
        assert_eq!(w.thumbnail_filename.as_deref(), Some("t.jpg"));
        assert_eq!(w.preview_filename.as_deref(), Some("p.jpg"));
        assert_eq!(w.channel_id, v.channel_id);

        // Passwords: replaced as a whole (a repeated one kept once), paged, matched exactly.
        videos::replace_passwords(tx.ex(), id, &["a1".into(), "b2".into(), "a1".into()])
            .await
            .unwrap();
        let (page, total) = videos::passwords(tx.ex(), id, 0, 10, false).await.unwrap();
        assert_eq!(total, 2);
        assert_eq!(
            page.iter().map(|p| p.password.as_str()).collect::<Vec<_>>(),
            ["a1", "b2"]
        );
        let (newest, _) = videos::passwords(tx.ex(), id, 0, 1, true).await.unwrap();
        assert_eq!(newest[0].password, "b2");
        assert!(videos::password_matches(tx.ex(), id, "b2").await.unwrap());
        assert!(!videos::password_matches(tx.ex(), id, "B2").await.unwrap());
        assert!(
            videos::delete_password(tx.ex(), id, page[0].id)
                .await
                .unwrap()
        );
        assert!(
            !videos::delete_password(tx.ex(), id, page[0].id)
                .await
                .unwrap()
        );
        assert!(!videos::password_matches(tx.ex(), id, "a1").await.unwrap());
        videos::replace_passwords(tx.ex(), id, &["c3".into()])
            .await
            .unwrap();
        assert_eq!(
            videos::passwords(tx.ex(), id, 0, 10, false)
                .await
                .unwrap()
                .1,
            1
        );

        // A schedule: one per video, moved by setting it again, gone once deleted.
        let s = videos::Schedule {
            update_at: 5_000,
            privacy: Some(1),
        };
        assert_eq!(videos::schedule_of(tx.ex(), id).await.unwrap(), None);
        videos::set_schedule(tx.ex(), id, s).await.unwrap();
        let moved = videos::Schedule {
            update_at: 6_000,
            privacy: None,
        };
        videos::set_schedule(tx.ex(), id, moved).await.unwrap();
        assert_eq!(videos::schedule_of(tx.ex(), id).await.unwrap(), Some(moved));
        assert!(videos::delete_schedule(tx.ex(), id).await.unwrap());
        assert!(!videos::delete_schedule(tx.ex(), id).await.unwrap());

        // A job that follows a date: one waiting job per video, its date moved each time.
        let far = ruche_domain::time::now_ms() + 3_600_000;
        jobs::enqueue_at(tx.ex(), "publish", "{}", id, far)
            .await
            .unwrap();
        jobs::enqueue_at(tx.ex(), "publish", "{\"v\":2}", id, 0)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let job = jobs::claim(&store, "publish", 60_000)
            .await
            .unwrap()
            .expect("moved to now: due");
        assert_eq!(job.payload, "{\"v\":2}");
        assert!(
            jobs::claim(&store, "publish", 60_000)
                .await
                .unwrap()
                .is_none()
        );
        // A password-protected video's passwords go with it.
        let mut tx = store.begin().await.unwrap();
        videos::delete(tx.ex(), id).await.unwrap();
        assert_eq!(
            videos::passwords(tx.ex(), id, 0, 10, false)
                .await
                .unwrap()
                .1,
            0
        );
        tx.commit().await.unwrap();
    }
);

db_test!(list_filters_and_sorts, |store: Store| async move {
    use videos::{Facets, Sort};
    let uid = make_user(&store, "lister").await;
    let mut c = store.read().await.unwrap();
    let acc = users::account_of_user(c.ex(), uid).await.unwrap();
    let ch = users::channels_of_account(c.ex(), acc.id).await.unwrap()[0].id;
    drop(c);
    /// (name, category, language, tags, nsfw, views, likes, privacy)
    type Spec<'a> = (
        &'a str,
        i64,
        Option<&'a str>,
        &'a [&'a str],
        bool,
        i64,
        i64,
        Privacy,
    );
    let specs: [Spec; 5] = [
        (
            "alpha",
            1,
            Some("fr"),
            &["Rust", "video"],
            false,
            10,
            0,
            Privacy::Public,
        ),
        (
            "Bravo",
            2,
            Some("en"),
            &["rust"],
            true,
            500,
            2,
            Privacy::Public,
        ),
        (
            "charlie",
            1,
            None,
            &["rustacean", "50%_off"],
            false,
            0,
            1,
            Privacy::Public,
        ),
        (
            "delta",
            3,
            Some("fr"),
            &["video"],
            false,
            80,
            1,
            Privacy::Internal,
        ),
        (
            "echo",
            1,
            Some("fr"),
            &["rust"],
            false,
            5,
            0,
            Privacy::Private,
        ),
    ];
    let mut raters = Vec::new();
    for r in ["rater_a", "rater_b"] {
        let u = make_user(&store, r).await;
        let mut c = store.read().await.unwrap();
        raters.push(users::account_of_user(c.ex(), u).await.unwrap().id);
    }
    let mut ids = Vec::new();
    for (i, (name, cat, lang, tags, nsfw, views, likes, privacy)) in specs.iter().enumerate() {
        let id = make_video(&store, ch, name, 10).await;
        let mut tx = store.begin().await.unwrap();
        let v = videos::by_id(tx.ex(), id).await.unwrap().unwrap();
        let mut e = videos::VideoEdit::of(&v);
        e.category = Some(*cat);
        e.language = lang.map(String::from);
        e.tags = tags.iter().map(|t| t.to_string()).collect();
        e.nsfw = *nsfw;
        e.privacy = *privacy;
        e.published_at = Some(1_000_000 * (i as i64 + 1));
        videos::edit(tx.ex(), id, &e).await.unwrap();
        publish(tx.ex(), id, 100 - i as i64).await;
        for r in &raters[..*likes as usize] {
            videos::set_rate(tx.ex(), *r, id, Some("like"), None)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        for n in 0..*views {
            let mut tx = store.begin().await.unwrap();
            videos::add_view(tx.ex(), id, &format!("viewer{n}"), 60_000)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        ids.push(id);
    }
    let names = |rows: &[videos::Video]| rows.iter().map(|v| v.name.clone()).collect::<Vec<_>>();
    let list = |f: ListFilter| {
        let store = store.clone();
        async move {
            let mut c = store.read().await.unwrap();
            let (rows, total) = videos::list(c.ex(), &f).await.unwrap();
            assert_eq!(rows.len() as i64, total.min(f.count), "{f:?}");
            names(&rows)
        }
    };
    let public = |facets: Facets, sort: Sort, desc: bool| ListFilter {
        public_only: true,
        count: 10,
        sort,
        newest_first: desc,
        facets,
        ..Default::default()
    };
    // Anonymous: public only; a user of the instance also sees internal videos listed.
    assert_eq!(
        list(public(Facets::default(), Sort::Published, true)).await,
        ["charlie", "Bravo", "alpha"]
    );
    let mut logged = public(Facets::default(), Sort::Published, true);
    logged.logged_in = true;
    assert_eq!(list(logged).await, ["delta", "charlie", "Bravo", "alpha"]);
    // Moderators' privacy filter.
    let f = Facets {
        privacies: vec![Privacy::Private.id(), Privacy::Internal.id()],
        ..Default::default()
    };
    assert_eq!(list(public(f, Sort::Name, false)).await, ["delta", "echo"]);
    // Sorts: by name (case ignored), duration, views, likes, trending, hot.
    assert_eq!(
        list(public(Facets::default(), Sort::Name, false)).await,
        ["alpha", "Bravo", "charlie"]
    );
    assert_eq!(
        list(public(Facets::default(), Sort::Duration, false)).await,
        ["charlie", "Bravo", "alpha"]
    );
    assert_eq!(
        list(public(Facets::default(), Sort::Views, true)).await,
        ["Bravo", "alpha", "charlie"]
    );
    assert_eq!(
        list(public(Facets::default(), Sort::Likes, true)).await,
        ["Bravo", "charlie", "alpha"]
    );
    let mut trending = public(Facets::default(), Sort::Trending, true);
    trending.trending_since = ruche_domain::time::now_ms() - 7 * videos::DAY_MS;
    assert_eq!(list(trending.clone()).await, ["Bravo", "alpha", "charlie"]);
    trending.trending_since = ruche_domain::time::now_ms() + videos::DAY_MS;
    assert_eq!(
        list(trending).await,
        ["charlie", "Bravo", "alpha"],
        "no views in the window: ties, by id"
    );
    assert_eq!(
        list(public(Facets::default(), Sort::Hot, true)).await,
        ["Bravo", "alpha", "charlie"]
    );
    for s in [
        "hot",
        "best",
        "-trending",
        "trending",
        "name",
        "originallyPublishedAt",
    ] {
        assert!(Sort::parse(s.trim_start_matches('-')).is_some(), "{s}");
    }
    assert_eq!(Sort::parse("size"), None);
    // Facets.
    let facet = |f: Facets| public(f, Sort::Name, false);
    assert_eq!(
        list(facet(Facets {
            categories: vec![1],
            ..Default::default()
        }))
        .await,
        ["alpha", "charlie"]
    );
    assert_eq!(
        list(facet(Facets {
            languages: vec!["en".into(), "_unknown".into()],
            ..Default::default()
        }))
        .await,
        ["Bravo", "charlie"]
    );
    assert_eq!(
        list(facet(Facets {
            tags_one_of: vec!["RUST".into()],
            ..Default::default()
        }))
        .await,
        ["alpha", "Bravo"],
        "whole tags, case ignored: not rustacean"
    );
    assert_eq!(
        list(facet(Facets {
            tags_all_of: vec!["rust".into(), "video".into()],
            ..Default::default()
        }))
        .await,
        ["alpha"]
    );
    assert_eq!(
        list(facet(Facets {
            tags_one_of: vec!["50%_off".into()],
            ..Default::default()
        }))
        .await,
        ["charlie"]
    );
    assert!(
        list(facet(Facets {
            tags_one_of: vec!["5%".into()],
            ..Default::default()
        }))
        .await
        .is_empty(),
        "LIKE's characters are literal"
    );
    assert_eq!(
        list(facet(Facets {
            nsfw: Some(false),
            ..Default::default()
        }))
        .await,
        ["alpha", "charlie"]
    );
    assert_eq!(
        list(facet(Facets {
            has_hls: Some(false),
            ..Default::default()
        }))
        .await,
        Vec::<String>::new(),
        "no files recorded: HLS means files here"
    );
    assert_eq!(
        list(facet(Facets {
            has_web_videos: Some(false),
            ..Default::default()
        }))
        .await,
        ["alpha", "Bravo", "charlie"]
    );
    drop(ids);
});

db_test!(search_finds_and_ranks_alike, |store: Store| async move {
    use ruche_domain::search::{Field, query, terms};
    use ruche_store::search;
    let uid = make_user(&store, "cook").await;
    let mut c = store.read().await.unwrap();
    let acc = users::account_of_user(c.ex(), uid).await.unwrap();
    let ch = users::channels_of_account(c.ex(), acc.id).await.unwrap()[0].id;
    drop(c);
    // (name, tags, description)
    let specs = [
        (
            "Crêpes bretonnes",
            "recette dessert",
            "Une recette de crêpes, pas de galettes.",
        ),
        (
            "Galettes de sarrasin",
            "recette",
            "Les galettes salées, sans crêpe sucrée.",
        ),
        (
            "Running a marathon",
            "sport",
            "How runners train for a race.",
        ),
        ("Le chat et la crêpe", "chats", "Un chat regarde une crêpe."),
    ];
    let mut ids = Vec::new();
    for (i, (name, tags, description)) in specs.iter().enumerate() {
        let id = make_video(&store, ch, name, 10).await;
        let mut tx = store.begin().await.unwrap();
        let v = videos::by_id(tx.ex(), id).await.unwrap().unwrap();
        let mut e = videos::VideoEdit::of(&v);
        e.published_at = Some(1_000 * (i as i64 + 1));
        videos::edit(tx.ex(), id, &e).await.unwrap();
        publish(tx.ex(), id, 10).await;
        let t = terms(&[
            (Field::Name, name),
            (Field::Tag, tags),
            (Field::Description, description),
        ]);
        search::set_video_terms(tx.ex(), id, &t).await.unwrap();
        tx.commit().await.unwrap();
        ids.push(id);
    }
    // The channel, under its owner's name.
    let mut tx = store.begin().await.unwrap();
    let t = terms(&[(Field::Name, "Cuisine de Bretagne"), (Field::Owner, "cook")]);
    search::set_channel_terms(tx.ex(), ch, &t).await.unwrap();
    assert!(
        search::unindexed_videos(tx.ex(), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        search::unindexed_channels(tx.ex(), 10)
            .await
            .unwrap()
            .iter()
            .all(|c| *c != ch)
    );
    tx.commit().await.unwrap();

    let found = |text: &'static str| {
        let store = store.clone();
        async move {
            let mut c = store.read().await.unwrap();
            let f = ListFilter {
                public_only: true,
                count: 10,
                sort: videos::Sort::Match,
                newest_first: true,
                search: query(text),
                ..Default::default()
            };
            let (rows, total) = videos::list(c.ex(), &f).await.unwrap();
            assert_eq!(total as usize, rows.len(), "{text}");
            rows.iter().map(|v| v.name.clone()).collect::<Vec<_>>()
        }
    };
    // Accents and case ignored; a name counts more than a description; newest among equals.
    assert_eq!(
        found("CREPE").await,
        [
            "Le chat et la crêpe",
            "Crêpes bretonnes",
            "Galettes de sarrasin"
        ]
    );
    // Every word must be found; stems join forms (French and English).
    // (Each has one word in its name, the other in its description: equal, the newest first.)
    assert_eq!(
        found("crêpes galette").await,
        ["Galettes de sarrasin", "Crêpes bretonnes"]
    );
    assert_eq!(found("runner").await, ["Running a marathon"]);
    assert_eq!(
        found("recettes").await,
        ["Galettes de sarrasin", "Crêpes bretonnes"]
    );
    // The last word as a prefix (still being typed); the others whole.
    assert_eq!(found("mara").await, ["Running a marathon"]);
    assert!(
        found("mara running").await.is_empty(),
        "only the last word is a prefix"
    );
    assert_eq!(found("running mara").await, ["Running a marathon"]);
    // By the channel's or its owner's name: all its videos.
    assert_eq!(found("bretagne").await.len(), 4);
    assert_eq!(found("cook chat").await, ["Le chat et la crêpe"]);
    assert!(found("pizza").await.is_empty());
    assert_eq!(found("").await.len(), 4, "no words: no search");

    // Channels by their names.
    let mut c = store.read().await.unwrap();
    let (chs, total) = search::channels(c.ex(), &query("bretagne cuisine"), 0, 10)
        .await
        .unwrap();
    assert_eq!((chs.len(), total), (1, 1));
    assert_eq!(chs[0].id, ch);
    assert_eq!(
        search::channels(c.ex(), &query("cuis"), 0, 10)
            .await
            .unwrap()
            .1,
        1
    );
    assert_eq!(
        search::channels(c.ex(), &query("paris"), 0, 10)
            .await
            .unwrap()
            .1,
        0
    );
    assert_eq!(search::channels(c.ex(), &[], 0, 10).await.unwrap().1, 0);
    drop(c);
    // An account renamed: its channels are indexed again by the backfill.
    let mut tx = store.begin().await.unwrap();
    search::reindex_channels_of_account(tx.ex(), acc.id)
        .await
        .unwrap();
    assert!(
        search::unindexed_channels(tx.ex(), 10)
            .await
            .unwrap()
            .contains(&ch)
    );
    // Deleted videos take their terms with them.
    videos::delete(tx.ex(), ids[0]).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(found("bretonnes").await, Vec::<String>::new());
});

db_test!(playlists_keep_their_order, |store: Store| async move {
    use ruche_domain::playlist::{PlaylistKind, PlaylistPrivacy};
    use ruche_store::playlists::{self, ListFilter as PFilter, PlaylistFields, Sort as PSort};
    let uid = make_user(&store, "lister").await;
    let mut c = store.read().await.unwrap();
    let acc = users::account_of_user(c.ex(), uid).await.unwrap();
    let ch = users::channels_of_account(c.ex(), acc.id).await.unwrap()[0].id;
    drop(c);
    let v: Vec<i64> = [
        make_video(&store, ch, "a", 1).await,
        make_video(&store, ch, "b", 1).await,
        make_video(&store, ch, "c", 1).await,
    ]
    .to_vec();
    let mut tx = store.begin().await.unwrap();
    let fields = PlaylistFields {
        name: "Évasions".into(),
        description: Some("Des vidéos de voyage".into()),
        privacy: PlaylistPrivacy::Public,
        channel_id: Some(ch),
    };
    let uuid = uuid::Uuid::new_v4().to_string();
    let p = playlists::insert(
        tx.ex(),
        &uuid,
        acc.id,
        PlaylistKind::Regular,
        &fields,
        None,
        5,
    )
    .await
    .unwrap();
    let wl = playlists::insert(
        tx.ex(),
        &uuid::Uuid::new_v4().to_string(),
        acc.id,
        PlaylistKind::WatchLater,
        &PlaylistFields {
            name: "Watch later".into(),
            ..Default::default()
        },
        None,
        6,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // One "Watch later" per account (the failed insert spoils its transaction on PostgreSQL).
    let mut tx = store.begin().await.unwrap();
    assert!(
        playlists::insert(
            tx.ex(),
            &uuid::Uuid::new_v4().to_string(),
            acc.id,
            PlaylistKind::WatchLater,
            &PlaylistFields::default(),
            None,
            7,
        )
        .await
        .is_err()
    );
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    let mut els = Vec::new();
    for (video, start) in [(v[0], None), (v[1], Some(3)), (v[2], None), (v[0], Some(1))] {
        els.push(
            playlists::add_element(tx.ex(), p, video, start, None)
                .await
                .unwrap(),
        );
    }
    playlists::set_element_times(tx.ex(), p, els[2], Some(1), Some(2))
        .await
        .unwrap();
    playlists::reorder(tx.ex(), p, 4, 0, 1).await.unwrap();
    assert!(playlists::remove_element(tx.ex(), p, els[1]).await.unwrap());
    assert!(!playlists::remove_element(tx.ex(), p, els[1]).await.unwrap());
    playlists::touch(tx.ex(), p).await.unwrap();
    playlists::set_thumbnail(tx.ex(), p, Some("t.jpg"))
        .await
        .unwrap();
    let t = ruche_domain::search::terms(&[(ruche_domain::search::Field::Name, "Évasions")]);
    playlists::set_terms(tx.ex(), p, &t).await.unwrap();
    tx.commit().await.unwrap();

    let mut c = store.read().await.unwrap();
    let (rows, total) = playlists::elements(c.ex(), p, 0, 10).await.unwrap();
    assert_eq!(total, 3);
    let order: Vec<(i64, i64)> = rows.iter().map(|e| (e.id, e.position)).collect();
    assert_eq!(order, vec![(els[3], 1), (els[0], 2), (els[2], 3)]);
    assert_eq!(rows[2].start_timestamp, Some(1));
    assert_eq!(rows[2].stop_timestamp, Some(2));
    let one = playlists::element(c.ex(), p, els[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(one.video_id, Some(v[0]));
    let got = playlists::by_uuid(c.ex(), &uuid).await.unwrap().unwrap();
    assert_eq!((got.videos_length, got.first_video_id), (3, Some(v[0])));
    assert_eq!(got.thumbnail_filename.as_deref(), Some("t.jpg"));
    assert_eq!(got.channel_name.as_deref(), Some("lister_channel"));
    assert_eq!(
        playlists::watch_later_of(c.ex(), acc.id)
            .await
            .unwrap()
            .map(|p| p.id),
        Some(wl)
    );
    assert_eq!(
        playlists::count_of_account(c.ex(), acc.id).await.unwrap(),
        2
    );
    let exist = playlists::videos_exist(c.ex(), acc.id, &[v[0], v[1]])
        .await
        .unwrap();
    assert_eq!(exist.len(), 2, "v0 twice, v1 removed");
    // Lists: public ones, then every kind of the account's, by name; the search.
    let public = PFilter {
        public_only: true,
        count: 10,
        ..Default::default()
    };
    assert_eq!(playlists::list(c.ex(), &public).await.unwrap().1, 1);
    let (all, n) = playlists::list(
        c.ex(),
        &PFilter {
            account_id: Some(acc.id),
            count: 10,
            sort: PSort::Name,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(n, 2);
    assert_eq!(all[0].name, "Watch later");
    let found = PFilter {
        search: ruche_domain::search::query("evasion"),
        sort: PSort::Match,
        ..public.clone()
    };
    assert_eq!(playlists::list(c.ex(), &found).await.unwrap().1, 1);
    assert!(
        playlists::unindexed(c.ex(), 10)
            .await
            .unwrap()
            .contains(&wl)
    );
    assert!(
        playlists::by_url(c.ex(), "https://x.example/p/1")
            .await
            .unwrap()
            .is_none()
    );
    drop(c);
    // Another instance's playlist's elements replaced as its origin lists them; a deleted
    // video leaves its element, without a video.
    let mut tx = store.begin().await.unwrap();
    playlists::replace_elements(
        tx.ex(),
        p,
        &[playlists::RemoteElement {
            video_id: v[1],
            position: 1,
            start_timestamp: None,
            stop_timestamp: None,
            url: "https://x.example/e/1".into(),
        }],
    )
    .await
    .unwrap();
    playlists::update(tx.ex(), p, &fields, 9).await.unwrap();
    videos::delete(tx.ex(), v[1]).await.unwrap();
    let (rows, _) = playlists::elements(tx.ex(), p, 0, 10).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].video_id, None);
    assert_eq!(
        videos::by_ids(tx.ex(), &[v[0], v[1]]).await.unwrap().len(),
        1
    );
    playlists::delete(tx.ex(), p).await.unwrap();
    assert!(playlists::by_id(tx.ex(), p).await.unwrap().is_none());
    tx.commit().await.unwrap();
});

db_test!(a_replaced_source_starts_over, |store: Store| async move {
    let uid = make_user(&store, "recutter").await;
    let mut c = store.read().await.unwrap();
    let acc = users::account_of_user(c.ex(), uid).await.unwrap();
    let ch = users::channels_of_account(c.ex(), acc.id).await.unwrap()[0].id;
    drop(c);
    let id = make_video(&store, ch, "cut", 100).await;
    let mut tx = store.begin().await.unwrap();
    publish(tx.ex(), id, 3).await;
    videos::upsert_file(
        tx.ex(),
        &VideoFile {
            id: 0,
            video_id: id,
            resolution: 240,
            width: 426,
            height: 240,
            fps: 25.0,
            size: 120,
            bandwidth: 1000,
            codecs: "avc1.64001f,mp4a.40.2".into(),
            filename: "r.mp4".into(),
            playlist_filename: "r.m3u8".into(),
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
    .unwrap();
    videos::start_replacement(tx.ex(), id, 500, "new.mp4")
        .await
        .unwrap();
    let v = videos::by_id(tx.ex(), id).await.unwrap().unwrap();
    assert_eq!(v.state, VideoState::ToTranscode);
    assert_eq!(v.progress, 0);
    assert_eq!(v.quota_size, 500);
    assert_eq!(v.source_filename, "new.mp4");
    assert!(v.published_at.is_some(), "still dated as first published");
    assert!(videos::files(tx.ex(), id).await.unwrap().is_empty());
    tx.commit().await.unwrap();
});

db_test!(
    the_directory_ratings_and_recent_comments,
    |store: Store| async move {
        let alice = make_user(&store, "alice").await;
        let bob = make_user(&store, "bob").await;
        let mut c = store.read().await.unwrap();
        let a = users::account_of_user(c.ex(), alice).await.unwrap();
        let b = users::account_of_user(c.ex(), bob).await.unwrap();
        let a_channel = users::channels_of_account(c.ex(), a.id).await.unwrap()[0].id;
        drop(c);
        let v1 = make_video(&store, a_channel, "Première vidéo", 10).await;
        let v2 = make_video(&store, a_channel, "Second", 10).await;

        // Every account and channel, in the order asked, paged.
        let mut c = store.read().await.unwrap();
        let (rows, total) = users::list_accounts(c.ex(), users::ActorSort::Name, true, 0, 1)
            .await
            .unwrap();
        assert_eq!((total, rows[0].name.as_str()), (2, "bob"));
        let (rows, total) = users::list_channels(c.ex(), users::ActorSort::Name, false, 1, 5)
            .await
            .unwrap();
        assert_eq!((total, rows[0].name.as_str()), (2, "bob_channel"));
        let mut found: Vec<String> = users::accounts_by_ids(c.ex(), &[b.id, a.id, 999_999])
            .await
            .unwrap()
            .into_iter()
            .map(|x| x.name)
            .collect();
        found.sort();
        assert_eq!(found, vec!["alice", "bob"]);
        assert!(
            users::accounts_by_ids(c.ex(), &[])
                .await
                .unwrap()
                .is_empty()
        );
        drop(c);

        // Follows of several actors at once, and their accepted counts grouped.
        let (acc_url, ch_url) = (
            "https://here/accounts/alice",
            "https://here/video-channels/a",
        );
        let mut tx = store.begin().await.unwrap();
        for (follower, following, state) in [
            ("https://x/1", acc_url, FollowState::Accepted),
            ("https://x/2", ch_url, FollowState::Accepted),
            ("https://x/3", ch_url, FollowState::Pending),
            (acc_url, "https://x/1", FollowState::Accepted),
        ] {
            federation::upsert_follow(
                tx.ex(),
                follower,
                following,
                state,
                &format!("{follower}/f"),
            )
            .await
            .unwrap();
        }
        // Ratings: Bob likes one video, dislikes the other.
        videos::set_rate(tx.ex(), b.id, v1, Some("like"), None)
            .await
            .unwrap();
        videos::set_rate(tx.ex(), b.id, v2, Some("dislike"), None)
            .await
            .unwrap();
        // Comments: Bob on Alice's first video, one deleted.
        let kept = ruche_store::comments::insert(
            tx.ex(),
            v1,
            b.id,
            None,
            "Bravo 100% réussi",
            None,
            false,
        )
        .await
        .unwrap();
        let gone = ruche_store::comments::insert(tx.ex(), v2, b.id, None, "oups", None, false)
            .await
            .unwrap();
        ruche_store::comments::soft_delete(tx.ex(), gone)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut c = store.read().await.unwrap();
        let both = [acc_url.to_string(), ch_url.to_string()];
        let (rows, total) =
            federation::follows_of_any(c.ex(), &both, Side::Followers, None, true, 0, 10)
                .await
                .unwrap();
        let order: Vec<&str> = rows.iter().map(|f| f.follower.as_str()).collect();
        assert_eq!(
            (total, order),
            (3, vec!["https://x/1", "https://x/2", "https://x/3"])
        );
        let counts = federation::accepted_counts(c.ex(), &both).await.unwrap();
        assert_eq!(counts.get(acc_url), Some(&(1, 1)));
        assert_eq!(counts.get(ch_url), Some(&(1, 0)));
        assert!(
            federation::accepted_counts(c.ex(), &[])
                .await
                .unwrap()
                .is_empty()
        );

        let (rates, total) = videos::rates_of_account(c.ex(), b.id, None, false, 0, 10)
            .await
            .unwrap();
        assert_eq!(total, 2);
        assert_eq!(rates.len(), 2);
        let (likes, total) = videos::rates_of_account(c.ex(), b.id, Some("like"), false, 0, 10)
            .await
            .unwrap();
        assert_eq!(
            (total, likes[0].video_id, likes[0].kind.as_str()),
            (1, v1, "like")
        );

        use ruche_store::comments::RecentFilter;
        let all = RecentFilter {
            count: 10,
            ..Default::default()
        };
        let (rows, total) = ruche_store::comments::recent(c.ex(), &all).await.unwrap();
        assert_eq!(
            (total, rows[0].id),
            (1, kept),
            "the deleted one is left out"
        );
        for (f, want) in [
            (
                RecentFilter {
                    on_videos_of_account: Some(a.id),
                    ..all.clone()
                },
                1,
            ),
            (
                RecentFilter {
                    on_videos_of_account: Some(b.id),
                    ..all.clone()
                },
                0,
            ),
            (
                RecentFilter {
                    search: Some("100%".into()),
                    ..all.clone()
                },
                1,
            ),
            (
                RecentFilter {
                    search: Some("1000%".into()),
                    ..all.clone()
                },
                0,
            ),
            (
                RecentFilter {
                    search: Some("RÉUSSI".into()),
                    ..all.clone()
                },
                1,
            ),
            (
                RecentFilter {
                    search_account: Some("BOB".into()),
                    ..all.clone()
                },
                1,
            ),
            (
                RecentFilter {
                    search_video: Some("première".into()),
                    ..all.clone()
                },
                1,
            ),
            (
                RecentFilter {
                    video_id: Some(v2),
                    ..all.clone()
                },
                0,
            ),
            (
                RecentFilter {
                    channel_id: Some(a_channel),
                    ..all.clone()
                },
                1,
            ),
            (
                RecentFilter {
                    is_local: Some(false),
                    ..all.clone()
                },
                0,
            ),
            (
                RecentFilter {
                    on_local_video: Some(true),
                    ..all.clone()
                },
                1,
            ),
        ] {
            let (_, total) = ruche_store::comments::recent(c.ex(), &f).await.unwrap();
            assert_eq!(total, want, "{f:?}");
        }
    }
);

db_test!(a_users_watch_history, |store: Store| async move {
    let uid = make_user(&store, "watcher").await;
    let other = make_user(&store, "other").await;
    let mut c = store.read().await.unwrap();
    let acc = users::account_of_user(c.ex(), uid).await.unwrap();
    let ch = users::channels_of_account(c.ex(), acc.id).await.unwrap()[0].id;
    assert!(
        users::user_by_id(c.ex(), uid)
            .await
            .unwrap()
            .history_enabled
    );
    drop(c);
    let a = make_video(&store, ch, "Balade du matin", 10).await;
    let b = make_video(&store, ch, "Causerie_du soir", 10).await;

    // Reported twice within the same millisecond or not, the last report is the latest.
    let mut tx = store.begin().await.unwrap();
    users::set_watched(tx.ex(), uid, a, 4).await.unwrap();
    users::set_watched(tx.ex(), uid, b, 7).await.unwrap();
    users::set_watched(tx.ex(), uid, a, 9).await.unwrap();
    users::set_watched(tx.ex(), other, b, 1).await.unwrap();
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    let (rows, total) = users::history(c.ex(), uid, None, 0, 10).await.unwrap();
    let seen: Vec<(i64, i64)> = rows.iter().map(|w| (w.video_id, w.position_secs)).collect();
    assert_eq!((total, seen), (2, vec![(a, 9), (b, 7)]));
    assert!(rows[0].updated_at > rows[1].updated_at);
    let (rows, total) = users::history(c.ex(), uid, Some("_DU S"), 0, 10)
        .await
        .unwrap();
    assert_eq!(
        (total, rows[0].video_id),
        (1, b),
        "searched literally, case ignored"
    );
    let (_, total) = users::history(c.ex(), uid, Some("%"), 0, 10).await.unwrap();
    assert_eq!(total, 0);
    let at = users::watched_of(c.ex(), uid, &[b, 999_999]).await.unwrap();
    assert_eq!((at.len(), at[0].position_secs), (1, 7));
    assert!(
        users::watched_of(c.ex(), uid, &[])
            .await
            .unwrap()
            .is_empty()
    );
    drop(c);

    // Forgotten: one, then before a date, then all; another user's stays.
    let mut tx = store.begin().await.unwrap();
    assert_eq!(
        users::forget_watched(tx.ex(), uid, Some(b), None)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        users::forget_watched(tx.ex(), uid, None, Some(0))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        users::forget_watched(tx.ex(), uid, None, None)
            .await
            .unwrap(),
        1
    );
    users::set_history_enabled(tx.ex(), uid, false)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    assert_eq!(users::history(c.ex(), uid, None, 0, 10).await.unwrap().1, 0);
    assert_eq!(
        users::history(c.ex(), other, None, 0, 10).await.unwrap().1,
        1
    );
    assert!(
        !users::user_by_id(c.ex(), uid)
            .await
            .unwrap()
            .history_enabled
    );
});

db_test!(video_imports, |store: Store| async move {
    use ruche_store::imports;
    let uid = make_user(&store, "importer").await;
    let other = make_user(&store, "someone").await;
    let mut c = store.read().await.unwrap();
    let acc = users::account_of_user(c.ex(), uid).await.unwrap();
    let ch = users::channels_of_account(c.ex(), acc.id).await.unwrap()[0].id;
    drop(c);
    let a = make_video(&store, ch, "Conférence_50%", 0).await;
    let b = make_video(&store, ch, "Concert", 0).await;
    let mut tx = store.begin().await.unwrap();
    videos::mark_to_import(tx.ex(), a).await.unwrap();
    let first = imports::insert(tx.ex(), uid, a, "https://a.example/v/1", 1, None)
        .await
        .unwrap();
    let second = imports::insert(tx.ex(), uid, b, "https://b.example/v/2", 1, None)
        .await
        .unwrap();
    imports::insert(tx.ex(), other, b, "https://b.example/v/2", 1, None)
        .await
        .unwrap();
    // A state moves only from the states named (none: from any).
    assert!(
        !imports::set_state(tx.ex(), first, &[6], 5, None)
            .await
            .unwrap()
    );
    assert!(
        imports::set_state(tx.ex(), first, &[1], 3, Some("no"))
            .await
            .unwrap()
    );
    assert!(
        imports::set_state(tx.ex(), second, &[], 2, None)
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    let v = videos::by_id(c.ex(), a).await.unwrap().unwrap();
    assert_eq!(v.state, VideoState::ToImport);
    let i = imports::by_id(c.ex(), first).await.unwrap().unwrap();
    assert_eq!(
        (i.state, i.error.as_deref(), i.video_id),
        (3, Some("no"), Some(a))
    );
    // Each user's own, newest first; by URL; by words of the URL or the video's name, literally.
    let ids = |l: Vec<imports::VideoImport>| l.into_iter().map(|i| i.id).collect::<Vec<_>>();
    let page = |target_url, search, oldest_first, count| imports::ImportFilter {
        target_url,
        search,
        oldest_first,
        count,
        ..Default::default()
    };
    let (l, total) = imports::of_user(c.ex(), uid, &page(None, None, false, 10))
        .await
        .unwrap();
    assert_eq!((ids(l), total), (vec![second, first], 2));
    let (l, _) = imports::of_user(c.ex(), uid, &page(None, None, true, 1))
        .await
        .unwrap();
    assert_eq!(ids(l), [first]);
    let (l, _) = imports::of_user(
        c.ex(),
        uid,
        &page(Some("https://b.example/v/2"), None, false, 10),
    )
    .await
    .unwrap();
    assert_eq!(ids(l), [second]);
    for (words, want) in [
        ("conférence_50%", 1),
        ("a.example", 1),
        ("_%", 0),
        ("CONCERT", 1),
    ] {
        let (_, total) = imports::of_user(c.ex(), uid, &page(None, Some(words), false, 10))
            .await
            .unwrap();
        assert_eq!(total, want, "{words}");
    }
    drop(c);
    // Deleting a video leaves its import; deleting an import leaves its video.
    let mut tx = store.begin().await.unwrap();
    videos::delete(tx.ex(), a).await.unwrap();
    imports::delete(tx.ex(), second).await.unwrap();
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    assert_eq!(
        imports::by_id(c.ex(), first)
            .await
            .unwrap()
            .unwrap()
            .video_id,
        None
    );
    assert!(imports::by_id(c.ex(), second).await.unwrap().is_none());
    assert!(videos::by_id(c.ex(), b).await.unwrap().is_some());
});

db_test!(channel_synchronisations, |store: Store| async move {
    use ruche_store::imports;
    let uid = make_user(&store, "syncer").await;
    let mut c = store.read().await.unwrap();
    let acc = users::account_of_user(c.ex(), uid).await.unwrap();
    let ch = users::channels_of_account(c.ex(), acc.id).await.unwrap()[0].id;
    drop(c);
    let v = make_video(&store, ch, "Imported", 0).await;
    let mut tx = store.begin().await.unwrap();
    let first = imports::insert_sync(tx.ex(), ch, "https://else.example/c/a", 1)
        .await
        .unwrap();
    let second = imports::insert_sync(tx.ex(), ch, "https://else.example/c/b", 1)
        .await
        .unwrap();
    let i = imports::insert(tx.ex(), uid, v, "https://else.example/w/1", 1, Some(first))
        .await
        .unwrap();
    // Run a while ago: only the other one, never run, is due now.
    imports::set_sync_state(tx.ex(), first, 3, Some(1_000))
        .await
        .unwrap();
    imports::set_sync_state(tx.ex(), second, 2, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    let s = imports::sync_by_id(c.ex(), first).await.unwrap().unwrap();
    assert_eq!(
        (s.state, s.last_sync_at, s.account_id, s.channel_id),
        (3, Some(1_000), acc.id, ch)
    );
    let due = imports::syncs_due(c.ex(), 500, 10).await.unwrap();
    assert_eq!(due.iter().map(|s| s.id).collect::<Vec<_>>(), [second]);
    assert_eq!(
        imports::syncs_due(c.ex(), 2_000, 10).await.unwrap().len(),
        2
    );
    let (page, total) = imports::syncs_of_account(c.ex(), acc.id, 0, 1)
        .await
        .unwrap();
    assert_eq!((page[0].id, total), (second, 2), "newest first");
    assert_eq!(
        imports::by_id(c.ex(), i).await.unwrap().unwrap().sync_id,
        Some(first)
    );
    // Already imported: a pending, running or done import of the URL into the channel.
    assert!(
        imports::already_imported(c.ex(), ch, "https://else.example/w/1")
            .await
            .unwrap()
    );
    assert!(
        !imports::already_imported(c.ex(), ch, "https://else.example/w/2")
            .await
            .unwrap()
    );
    drop(c);
    let mut tx = store.begin().await.unwrap();
    imports::set_state(tx.ex(), i, &[], 3, Some("failed"))
        .await
        .unwrap();
    imports::delete_sync(tx.ex(), first).await.unwrap();
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    assert!(
        !imports::already_imported(c.ex(), ch, "https://else.example/w/1")
            .await
            .unwrap(),
        "a failed import can be tried again"
    );
    assert!(imports::sync_by_id(c.ex(), first).await.unwrap().is_none());
    let kept = imports::by_id(c.ex(), i).await.unwrap().unwrap();
    assert_eq!(kept.sync_id, None, "the import stays, without its sync");
});

db_test!(
    watched_words_and_automatic_tags,
    |store: Store| async move {
        use ruche_store::comments;
        use ruche_store::watched::{self, ListOrder};
        let uid = make_user(&store, "veille").await;
        let mut c = store.read().await.unwrap();
        let account = users::account_of_user(c.ex(), uid).await.unwrap();
        let channel = users::channels_of_account(c.ex(), account.id)
            .await
            .unwrap()[0]
            .id;
        drop(c);
        let vid = make_video(&store, channel, "Surveillée", 10).await;
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();

        // Lists of an account and of the instance: names are unique per owner only.
        let mut tx = store.begin().await.unwrap();
        let mine = watched::insert_list(tx.ex(), Some(account.id), "insultes", &words(&["idiot"]))
            .await
            .unwrap();
        let theirs = watched::insert_list(tx.ex(), None, "insultes", &words(&["crétin"]))
            .await
            .unwrap();
        watched::insert_list(tx.ex(), None, "arnaques", &words(&["bitcoin"]))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.begin().await.unwrap();
        assert!(matches!(
            watched::insert_list(tx.ex(), None, "insultes", &words(&["x"])).await,
            Err(StoreError::Conflict(_))
        ));
        drop(tx);
        let mut c = store.read().await.unwrap();
        assert!(
            watched::list_of(c.ex(), None, mine)
                .await
                .unwrap()
                .is_none(),
            "not the instance's"
        );
        let l = watched::list_of(c.ex(), Some(account.id), mine)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(l.words(), words(&["idiot"]));
        let (page, total) = watched::lists_page(c.ex(), None, ListOrder::Name, 0, 1)
            .await
            .unwrap();
        assert_eq!((total, page[0].list_name.as_str()), (2, "arnaques"));
        let (page, _) = watched::lists_page(c.ex(), None, ListOrder::Newest, 0, 5)
            .await
            .unwrap();
        assert_eq!(page.len(), 2);
        let before = watched::lists_stamp(c.ex(), None).await.unwrap();
        assert_eq!(before.0, 2);
        drop(c);

        // An edit changes the stamp matchers are kept by; a deletion too.
        let mut tx = store.begin().await.unwrap();
        watched::update_list(tx.ex(), theirs, None, Some(&words(&["crétin", "abruti"])))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        assert_ne!(watched::lists_stamp(c.ex(), None).await.unwrap(), before);
        let all = watched::lists_all(c.ex(), None).await.unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].words(), words(&["crétin", "abruti"]));
        drop(c);

        // Policies, and the tags of comments (per owner) and videos.
        let mut tx = store.begin().await.unwrap();
        watched::set_review_policy(tx.ex(), account.id, &words(&["insultes", "external-link"]))
            .await
            .unwrap();
        watched::set_review_policy(tx.ex(), account.id, &words(&["insultes"]))
            .await
            .unwrap();
        let cid = comments::insert(tx.ex(), vid, account.id, None, "idiot", None, true)
            .await
            .unwrap();
        watched::tag_comment(tx.ex(), cid, Some(account.id), &words(&["insultes"]))
            .await
            .unwrap();
        watched::tag_comment(tx.ex(), cid, None, &words(&["arnaques", "external-link"]))
            .await
            .unwrap();
        watched::tag_video(tx.ex(), vid, &words(&["arnaques"]))
            .await
            .unwrap();
        watched::tag_video(tx.ex(), vid, &words(&["insultes"]))
            .await
            .unwrap();
        watched::delete_list(tx.ex(), mine).await.unwrap();
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        assert_eq!(
            watched::review_policy(c.ex(), account.id).await.unwrap(),
            words(&["insultes"])
        );
        assert_eq!(
            watched::tags_of_comments(c.ex(), Some(account.id), &[cid])
                .await
                .unwrap(),
            vec![(cid, "insultes".to_string())]
        );
        assert_eq!(
            watched::tags_of_comments(c.ex(), None, &[cid])
                .await
                .unwrap(),
            vec![
                (cid, "arnaques".to_string()),
                (cid, "external-link".to_string())
            ]
        );
        assert_eq!(
            watched::tags_of_videos(c.ex(), &[vid]).await.unwrap(),
            vec![(vid, "insultes".to_string())]
        );
        assert!(
            watched::lists_all(c.ex(), Some(account.id))
                .await
                .unwrap()
                .is_empty()
        );
        // The lists filter by tag, each by its owner's tags.
        let by = |tags: &[&str], of: Option<i64>| comments::RecentFilter {
            auto_tags_one_of: words(tags),
            auto_tags_of: of,
            count: 10,
            ..Default::default()
        };
        assert_eq!(
            comments::recent(c.ex(), &by(&["insultes"], Some(account.id)))
                .await
                .unwrap()
                .1,
            1
        );
        assert_eq!(
            comments::recent(c.ex(), &by(&["insultes"], None))
                .await
                .unwrap()
                .1,
            0
        );
        assert_eq!(
            comments::recent(c.ex(), &by(&["arnaques", "x"], None))
                .await
                .unwrap()
                .1,
            1
        );
        let tagged = ListFilter {
            count: 10,
            facets: videos::Facets {
                auto_tags_one_of: words(&["insultes"]),
                any_state: true,
                ..Default::default()
            },
            ..Default::default()
        };
        assert_eq!(videos::list(c.ex(), &tagged).await.unwrap().1, 1);
    }
);

db_test!(
    blocklists_of_users_and_the_instance,
    |store: Store| async move {
        use ruche_store::blocklist;
        let uid = make_user(&store, "muter").await;
        let mut tx = store.begin().await.unwrap();
        let me = users::account_of_user(tx.ex(), uid).await.unwrap();
        let far = federation::upsert_account(
            tx.ex(),
            &RemoteProfile {
                url: "https://far.example/accounts/zed",
                name: "zed",
                host: "far.example",
                display_name: "Zed",
                description: None,
                support: None,
            },
        )
        .await
        .unwrap();
        federation::upsert_actor(
            tx.ex(),
            &RemoteActor {
                url: "https://far.example/accounts/zed".into(),
                kind: "Person".into(),
                host: "far.example".into(),
                username: "zed".into(),
                inbox: "https://far.example/accounts/zed/inbox".into(),
                account_id: Some(far),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        federation::upsert_follow(
            tx.ex(),
            "https://far.example/accounts/zed",
            "https://here.example/accounts/peertube",
            FollowState::Accepted,
            "https://far.example/follows/1",
        )
        .await
        .unwrap();
        // Once per blocker and thing; a user's and the instance's are apart.
        assert!(
            blocklist::block_account(tx.ex(), Some(me.id), far)
                .await
                .unwrap()
        );
        assert!(
            !blocklist::block_account(tx.ex(), Some(me.id), far)
                .await
                .unwrap()
        );
        assert!(
            blocklist::block_server(tx.ex(), None, "other.example")
                .await
                .unwrap()
        );
        assert!(
            blocklist::block_server(tx.ex(), Some(me.id), "far.example")
                .await
                .unwrap()
        );
        assert!(
            !blocklist::refused_at_inbox(
                tx.ex(),
                "far.example",
                "https://far.example/accounts/zed"
            )
            .await
            .unwrap()
        );
        assert!(
            blocklist::refused_at_inbox(tx.ex(), "other.example", "https://other.example/a")
                .await
                .unwrap()
        );
        assert!(blocklist::block_account(tx.ex(), None, far).await.unwrap());
        assert!(
            blocklist::refused_at_inbox(tx.ex(), "far.example", "https://far.example/accounts/zed")
                .await
                .unwrap()
        );
        assert_eq!(
            blocklist::drop_follows_with(tx.ex(), "far.example")
                .await
                .unwrap(),
            1
        );
        let (mine, total) =
            blocklist::account_blocks(tx.ex(), Some(me.id), Some("ZED"), false, 0, 10)
                .await
                .unwrap();
        assert_eq!((total, mine[0].blocked_account_id), (1, far));
        let (theirs, total) = blocklist::server_blocks(tx.ex(), None, None, true, 0, 10)
            .await
            .unwrap();
        assert_eq!((total, theirs[0].host.as_str()), (1, "other.example"));
        assert_eq!(
            blocklist::blocked_among(
                tx.ex(),
                Some(me.id),
                &[far, me.id],
                &["far.example".into(), "other.example".into()]
            )
            .await
            .unwrap(),
            (vec![far], vec!["far.example".to_string()])
        );
        assert!(
            blocklist::unblock_account(tx.ex(), None, far)
                .await
                .unwrap()
        );
        assert!(
            !blocklist::unblock_account(tx.ex(), None, far)
                .await
                .unwrap()
        );
        assert!(
            blocklist::unblock_server(tx.ex(), None, "other.example")
                .await
                .unwrap()
        );
        assert!(
            !blocklist::unblock_server(tx.ex(), None, "other.example")
                .await
                .unwrap()
        );
        // The condition lists and threads add: an author the instance or a blocker blocks.
        let blocked_for = |blockers: Vec<i64>| {
            let cond = blocklist::not_blocked("a.id", "a.host", &blockers);
            format!("SELECT CAST(COUNT(*) AS BIGINT) FROM accounts a WHERE a.id = {far} AND {cond}")
        };
        for (blockers, visible) in [(vec![], 1), (vec![me.id], 0)] {
            let sql = blocked_for(blockers);
            let n: i64 = match tx.ex() {
                ruche_store::Ex::Sqlite(c) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()))
                    .fetch_one(c)
                    .await
                    .unwrap(),
                ruche_store::Ex::Postgres(c) => {
                    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()))
                        .fetch_one(c)
                        .await
                        .unwrap()
                }
            };
            assert_eq!(n, visible);
        }
        tx.commit().await.unwrap();
    }
);

db_test!(notifications_of_a_user, |store: Store| async move {
    use ruche_store::notifications::{self, About, Filter};
    let mut tx = store.begin().await.unwrap();
    // Ann moderates; Bob is blocked, and told nothing.
    let ann = users::create_user(
        tx.ex(),
        &NewUser {
            username: "ann",
            email: "ann@example.org",
            password_hash: "x",
            role: Role::Moderator,
            video_quota: 1000,
            video_quota_daily: -1,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let bob = make_user(&store, "bob").await;
    let mut tx = store.begin().await.unwrap();
    let block = "UPDATE users SET blocked = TRUE WHERE id = $1";
    match tx.ex() {
        ruche_store::Ex::Sqlite(c) => {
            sqlx::query(block).bind(bob).execute(c).await.unwrap();
        }
        ruche_store::Ex::Postgres(c) => {
            sqlx::query(block).bind(bob).execute(c).await.unwrap();
        }
    }
    let mods = notifications::with_roles(tx.ex(), &[0, 1]).await.unwrap();
    assert_eq!(mods.iter().map(|r| r.id).collect::<Vec<_>>(), vec![ann]);
    assert!(
        notifications::recipients(tx.ex(), &[bob])
            .await
            .unwrap()
            .is_empty()
    );
    let about = About {
        account_id: None,
        ..About::default()
    };
    let first = notifications::insert(tx.ex(), ann, 3, true, &about)
        .await
        .unwrap();
    let second = notifications::insert(tx.ex(), ann, 15, true, &about)
        .await
        .unwrap();
    let mailed_only = notifications::insert(tx.ex(), ann, 16, false, &about)
        .await
        .unwrap();
    let theirs = notifications::insert(tx.ex(), bob, 3, true, &about)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut c = store.read().await.unwrap();
    let all = Filter {
        count: 10,
        descending: true,
        ..Filter::default()
    };
    let (rows, total) = notifications::list(c.ex(), ann, &all).await.unwrap();
    assert_eq!(total, 2, "only the listed ones, only hers");
    assert_eq!(rows[0].id, second, "newest first");
    let only = Filter {
        kinds: vec![3],
        ..all.clone()
    };
    assert_eq!(notifications::list(c.ex(), ann, &only).await.unwrap().1, 1);
    assert!(
        notifications::by_id(c.ex(), mailed_only)
            .await
            .unwrap()
            .is_some_and(|n| !n.web)
    );
    drop(c);

    let mut tx = store.begin().await.unwrap();
    assert_eq!(
        notifications::mark_read(tx.ex(), ann, &[first, theirs])
            .await
            .unwrap(),
        1,
        "another's id is ignored"
    );
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    let unread = Filter {
        unread: Some(true),
        ..all.clone()
    };
    let (rows, total) = notifications::list(c.ex(), ann, &unread).await.unwrap();
    assert_eq!((total, rows[0].id), (1, second));
    let by_read = Filter {
        by_read: true,
        descending: false,
        ..all.clone()
    };
    assert_eq!(
        notifications::list(c.ex(), ann, &by_read).await.unwrap().0[0].id,
        second
    );
    assert!(
        !notifications::by_id(c.ex(), theirs)
            .await
            .unwrap()
            .unwrap()
            .is_read
    );
    drop(c);
    let mut tx = store.begin().await.unwrap();
    assert_eq!(notifications::mark_all_read(tx.ex(), ann).await.unwrap(), 2);
    notifications::set_settings(tx.ex(), ann, "{\"abuseAsModerator\":1}")
        .await
        .unwrap();
    notifications::set_language(tx.ex(), ann, "fr")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    assert_eq!(
        notifications::list(c.ex(), ann, &unread).await.unwrap().1,
        0
    );
    assert_eq!(
        notifications::settings_of(c.ex(), ann)
            .await
            .unwrap()
            .as_deref(),
        Some("{\"abuseAsModerator\":1}")
    );
    assert_eq!(notifications::settings_of(c.ex(), bob).await.unwrap(), None);
    let ann_r = notifications::with_roles(c.ex(), &[1]).await.unwrap();
    assert_eq!(ann_r[0].language.as_deref(), Some("fr"));
    let bob_account = users::account_of_user(c.ex(), bob).await.unwrap().id;
    drop(c);
    // Ann mutes Bob: what he caused her is forgotten, not what he caused others.
    let mut tx = store.begin().await.unwrap();
    let by_bob = About {
        account_id: Some(bob_account),
        ..About::default()
    };
    notifications::insert(tx.ex(), ann, 10, true, &by_bob)
        .await
        .unwrap();
    let others = notifications::insert(tx.ex(), bob, 10, true, &by_bob)
        .await
        .unwrap();
    use notifications::Silenced;
    assert_eq!(
        notifications::forget_caused_by(tx.ex(), Some(ann), Silenced::Account(bob_account))
            .await
            .unwrap(),
        1
    );
    assert!(
        notifications::by_id(tx.ex(), others)
            .await
            .unwrap()
            .is_some()
    );
    // The instance blocks Bob's instance (ours here: no host, nothing matches), then Bob.
    assert_eq!(
        notifications::forget_caused_by(tx.ex(), None, Silenced::Host("far.example"))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        notifications::forget_caused_by(tx.ex(), None, Silenced::Account(bob_account))
            .await
            .unwrap(),
        1
    );
    tx.commit().await.unwrap();
});

db_test!(video_blocks, |store: Store| async move {
    use ruche_store::video_blocks::{self, Filter, Order};
    let uid = make_user(&store, "vera").await;
    let mut c = store.read().await.unwrap();
    let account = users::account_of_user(c.ex(), uid).await.unwrap();
    let channel = users::channels_of_account(c.ex(), account.id)
        .await
        .unwrap()[0]
        .id;
    drop(c);
    let a = make_video(&store, channel, "Alpha", 10).await;
    let b = make_video(&store, channel, "Bravo", 10).await;
    let mut tx = store.begin().await.unwrap();
    publish(tx.ex(), a, 30).await;
    publish(tx.ex(), b, 60).await;
    let block_a = video_blocks::insert(tx.ex(), a, Some("Illégal"), true, 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        video_blocks::insert(tx.ex(), a, None, false, 1)
            .await
            .unwrap(),
        None,
        "one block per video"
    );
    video_blocks::insert(tx.ex(), b, None, true, 2)
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();

    // The video row says it is blocked; lists leave it out when asked.
    let mut c = store.read().await.unwrap();
    let v = videos::by_id(c.ex(), a).await.unwrap().unwrap();
    assert!(v.is_blocked());
    assert_eq!(
        (v.block_id, v.block_reason.as_deref(), v.block_unfederated),
        (Some(block_a), Some("Illégal"), Some(true))
    );
    let all = ListFilter {
        channel_id: Some(channel),
        count: 10,
        ..ListFilter::default()
    };
    assert_eq!(videos::list(c.ex(), &all).await.unwrap().1, 2);
    let hidden = ListFilter {
        hide_video_blocks: true,
        ..all.clone()
    };
    assert_eq!(videos::list(c.ex(), &hidden).await.unwrap().1, 0);

    let page = |kind, search: Option<&str>, order| Filter {
        kind,
        search: search.map(str::to_string),
        order,
        descending: false,
        count: 10,
        ..Filter::default()
    };
    let (rows, total) = video_blocks::list(c.ex(), &page(None, None, Order::Duration))
        .await
        .unwrap();
    assert_eq!(total, 2);
    assert_eq!(
        (rows[0].video_id, rows[1].video_id),
        (a, b),
        "by the video's duration"
    );
    let (rows, total) = video_blocks::list(c.ex(), &page(Some(2), None, Order::Created))
        .await
        .unwrap();
    assert_eq!((total, rows[0].video_id, rows[0].kind), (1, b, 2));
    let (rows, total) = video_blocks::list(c.ex(), &page(None, Some("ALPH"), Order::Name))
        .await
        .unwrap();
    assert_eq!((total, rows[0].id), (1, block_a));
    drop(c);

    let mut tx = store.begin().await.unwrap();
    video_blocks::set_reason(tx.ex(), a, None).await.unwrap();
    let now = video_blocks::of_video(tx.ex(), a).await.unwrap().unwrap();
    assert_eq!((now.reason, now.unfederated), (None, true));
    assert!(video_blocks::delete(tx.ex(), a).await.unwrap());
    assert!(!video_blocks::delete(tx.ex(), a).await.unwrap());
    assert!(video_blocks::of_video(tx.ex(), a).await.unwrap().is_none());
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    assert_eq!(videos::list(c.ex(), &hidden).await.unwrap().1, 1);
});

db_test!(user_administration_and_audit, |store: Store| async move {
    use ruche_store::audit::{self, NewEntry};
    use ruche_store::users::{UserChange, UserFilter, UserOrder};
    let ada = make_user(&store, "ada").await;
    let ben = make_user(&store, "ben").await;
    let mut tx = store.begin().await.unwrap();
    users::insert_token(
        tx.ex(),
        ben,
        "ben-access",
        "ben-refresh",
        i64::MAX,
        i64::MAX,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    // A ban, with its reason, ends the tokens; the list filters and sorts.
    let mut tx = store.begin().await.unwrap();
    users::set_blocked(tx.ex(), ben, Some("Spam"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    assert!(
        users::token_by_access(c.ex(), "ben-access")
            .await
            .unwrap()
            .is_none()
    );
    let b = users::user_by_id(c.ex(), ben).await.unwrap();
    assert!(b.blocked);
    assert_eq!(b.blocked_reason.as_deref(), Some("Spam"));
    let page = |search: Option<&str>, blocked, order, descending| UserFilter {
        search: search.map(str::to_string),
        blocked,
        order,
        descending,
        count: 10,
        ..UserFilter::default()
    };
    let (rows, total) = users::list_users(c.ex(), &page(None, Some(true), UserOrder::Id, false))
        .await
        .unwrap();
    assert_eq!((total, rows[0].id), (1, ben));
    let (rows, _) = users::list_users(c.ex(), &page(None, None, UserOrder::Username, true))
        .await
        .unwrap();
    assert_eq!(rows[0].id, ben, "ben before ada, descending");
    let (rows, total) = users::list_users(
        c.ex(),
        &page(Some("ADA@EXAMPLE"), None, UserOrder::Created, false),
    )
    .await
    .unwrap();
    assert_eq!((total, rows[0].id), (1, ada));
    drop(c);

    // Unbanned; a change of role and quota.
    let mut tx = store.begin().await.unwrap();
    users::set_blocked(tx.ex(), ben, None).await.unwrap();
    users::change_user(
        tx.ex(),
        ada,
        &UserChange {
            role: Some(Role::Moderator),
            video_quota: Some(42),
            ..UserChange::default()
        },
    )
    .await
    .unwrap();
    for (what, action) in [("user 1 ada", "update"), ("user 2 ben", "block")] {
        audit::record(
            tx.ex(),
            &NewEntry {
                user_id: ada,
                username: "ada",
                domain: "users",
                action,
                target: what,
                details: Some("{}"),
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    let b = users::user_by_id(c.ex(), ben).await.unwrap();
    assert!(!b.blocked && b.blocked_reason.is_none());
    let a = users::user_by_id(c.ex(), ada).await.unwrap();
    assert_eq!((a.role, a.video_quota), (Role::Moderator, 42));
    let all = audit::between(c.ex(), 0, i64::MAX, 10).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(
        (all[0].action.as_str(), all[1].action.as_str()),
        ("update", "block")
    );
    assert!(audit::between(c.ex(), 0, 1, 10).await.unwrap().is_empty());
    let newest = audit::latest(c.ex(), 1).await.unwrap();
    assert_eq!(newest[0].target, "user 2 ben");
});

db_test!(
    a_user_deleted_leaves_tombstones,
    |store: Store| async move {
        use ruche_store::{comments, sites};
        let ada = make_user(&store, "ada").await;
        let ben = make_user(&store, "ben").await;
        let mut c = store.read().await.unwrap();
        let ada_acc = users::account_of_user(c.ex(), ada).await.unwrap();
        let ben_acc = users::account_of_user(c.ex(), ben).await.unwrap();
        let ada_ch = users::channels_of_account(c.ex(), ada_acc.id)
            .await
            .unwrap()[0]
            .id;
        let ben_ch = users::channels_of_account(c.ex(), ben_acc.id)
            .await
            .unwrap()[0]
            .id;
        drop(c);
        let hers = make_video(&store, ada_ch, "Hers", 10).await;
        let his = make_video(&store, ben_ch, "His", 10).await;
        let mut tx = store.begin().await.unwrap();
        let mine = comments::insert(tx.ex(), hers, ada_acc.id, None, "On mine", None, false)
            .await
            .unwrap();
        let hello = comments::insert(tx.ex(), his, ada_acc.id, None, "Hello", None, false)
            .await
            .unwrap();
        let parent = comments::by_id(tx.ex(), hello).await.unwrap().unwrap();
        let reply = comments::insert(tx.ex(), his, ben_acc.id, Some(&parent), "Hi", None, false)
            .await
            .unwrap();
        videos::set_rate(tx.ex(), ada_acc.id, his, Some("like"), None)
            .await
            .unwrap();
        let pic = "0123456789abcdef-10x10.webp";
        sites::add_media(tx.ex(), ada, pic, 10, 10, 100, "")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        let elsewhere = comments::live_of_account_elsewhere(c.ex(), ada_acc.id)
            .await
            .unwrap();
        assert_eq!(
            elsewhere.iter().map(|c| c.id).collect::<Vec<_>>(),
            [hello],
            "not {mine}, under her own video"
        );
        assert_eq!(sites::media_holders(c.ex(), pic).await.unwrap(), 1);
        drop(c);

        let mut tx = store.begin().await.unwrap();
        users::retire_account(
            tx.ex(),
            ada_acc.id,
            &["https://a.example/accounts/ada".into()],
        )
        .await
        .unwrap();
        users::delete_user(tx.ex(), ada).await.unwrap();
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        assert!(videos::by_id(c.ex(), hers).await.unwrap().is_none());
        let v = videos::by_id(c.ex(), his).await.unwrap().unwrap();
        assert_eq!(v.likes, 0);
        let gone = comments::by_id(c.ex(), hello).await.unwrap().unwrap();
        assert!(gone.deleted_at.is_some() && gone.text.is_empty());
        let kept = comments::by_id(c.ex(), reply).await.unwrap().unwrap();
        assert_eq!(kept.text, "Hi");
        assert!(
            users::local_account_by_name(c.ex(), "ada")
                .await
                .unwrap()
                .is_none()
        );
        let tomb = users::account_by_id(c.ex(), ada_acc.id).await.unwrap();
        assert_eq!(tomb.user_id, None);
        let (all, total) = users::list_accounts(c.ex(), users::ActorSort::Created, false, 0, 10)
            .await
            .unwrap();
        assert_eq!((total, all[0].id), (1, ben_acc.id));
        assert_eq!(sites::media_holders(c.ex(), pic).await.unwrap(), 0);
        assert!(matches!(
            users::user_by_id(c.ex(), ada).await,
            Err(StoreError::NotFound)
        ));
    }
);

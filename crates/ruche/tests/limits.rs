//! The limits that protect an instance (issue 15, part 6), on SQLite and PostgreSQL: one remote
//! instance's activities are taken in so many a window, then answered 429 while another
//! instance's still go in; a user begins so many videos a window (uploads and imports alike),
//! then 429 while another user's still go.
#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_testkit::peer::Peer;
use ruche_testkit::{Instance, both};
use serde_json::json;

both!(per_instance_and_per_user_limits, |db| async move {
    let a = Instance::start(
        db,
        &[
            ("RUCHE_FEDERATION_ALLOW_INSECURE", "true"),
            ("RUCHE_RATES_INBOX_MAX", "3"),
            ("RUCHE_RATES_INBOX_WINDOW_SECS", "3600"),
            ("RUCHE_RATES_UPLOAD_MAX", "2"),
            ("RUCHE_RATES_UPLOAD_WINDOW_SECS", "3600"),
        ],
    )
    .await;
    let root = a.root_token().await;
    let inbox = format!("{}/inbox", a.url);
    let video = format!(
        "{}/videos/watch/00000000-0000-4000-8000-000000000000",
        a.url
    );
    let like = |actor: &str, n: usize| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "type": "Like", "id": format!("{actor}/likes/{n}"), "actor": actor, "object": video,
        })
    };

    // One instance: three activities go in, the fourth waits for the window.
    let flood = Peer::start().await;
    let loud = flood.actor("/accounts/loud", "Person", "loud", json!({}));
    for n in 0..3 {
        let (status, body) = flood.send(&loud, &inbox, &like(&loud, n)).await;
        assert!((200..300).contains(&status), "{n}: {status} {body}");
    }
    let (status, _) = flood.send(&loud, &inbox, &like(&loud, 3)).await;
    assert_eq!(status, 429);
    // Another instance is not held back by it.
    let calm = Peer::start().await;
    let quiet = calm.actor("/accounts/quiet", "Person", "quiet", json!({}));
    let (status, body) = calm.send(&quiet, &inbox, &like(&quiet, 0)).await;
    assert!((200..300).contains(&status), "{status} {body}");

    // One user: two videos begun (a resumable upload, an import), then 429; another user not.
    let (ann, ann_channel) = a.user(&root, "ann", -1).await;
    let (status, _, body) = a.init_resumable(&ann, ann_channel, 1000, "Première").await;
    assert!(status == 200 || status == 201, "{status} {body}");
    let import = json!({ "targetUrl": "http://127.0.0.1:9/nothing.mp4", "channelId": ann_channel, "name": "Deuxième" });
    let (status, body) = a
        .api()
        .with(&ann)
        .post_json("/api/v1/videos/imports", import.clone())
        .await;
    assert_ne!(status, 429, "{body}");
    let (status, _, _) = a.init_resumable(&ann, ann_channel, 1000, "Troisième").await;
    assert_eq!(status, 429);
    let (status, _) = a
        .api()
        .with(&ann)
        .post_json("/api/v1/videos/imports", import)
        .await;
    assert_eq!(status, 429);
    let (bob, bob_channel) = a.user(&root, "bob", -1).await;
    let (status, _, body) = a.init_resumable(&bob, bob_channel, 1000, "À Bob").await;
    assert!(status == 200 || status == 201, "{status} {body}");
    a.stop().await;
});

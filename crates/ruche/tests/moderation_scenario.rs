//! Moderation across three real instances, on SQLite and PostgreSQL, A, B and C following each
//! other: A blocks B, and B's video leaves A's lists while C's stays, and C still has B's (A's
//! block is A's alone); a user of C reports A's video, and the report reaches A's moderators,
//! from C's instance, and stays with C's (B hears nothing of it); a moderator of A deletes A's
//! user, and her video and account go from C, while the report stays in A's log.
#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_testkit::{Instance, both, eventually};
use serde_json::json;

/// Whether the video `uuid` is in `i`'s list of videos, as an anonymous client sees it.
async fn listed(i: &Instance, uuid: &str) -> bool {
    i.lists("/api/v1/videos?count=100", uuid).await
}

both!(three_instances_block_report_and_delete, |db| async move {
    let a = Instance::start(db, ruche_testkit::FEDERATION).await;
    let b = Instance::start(db, ruche_testkit::FEDERATION).await;
    let c = Instance::start(db, ruche_testkit::FEDERATION).await;
    let logs = vec![
        a.stderr_log.clone(),
        b.stderr_log.clone(),
        c.stderr_log.clone(),
    ];
    let (ta, tb, tc) = (
        a.root_token().await,
        b.root_token().await,
        c.root_token().await,
    );
    for (i, t, others) in [
        (&a, &ta, [&b, &c]),
        (&b, &tb, [&a, &c]),
        (&c, &tc, [&a, &b]),
    ] {
        for o in others {
            i.follow_instance(t, o).await;
        }
    }
    let (ann, ann_channel) = a.user(&ta, "ann", -1).await;
    let dir = tempfile::tempdir().unwrap();
    let clip = ruche_testkit::small_clip(dir.path());
    let (status, up) = a.upload(&ann, &clip, ann_channel, "Vidéo d'Ann").await;
    assert_eq!(status, 200, "{up}");
    let on_a = a
        .wait_transcoded(&ann, up["video"]["uuid"].as_str().unwrap(), 1)
        .await["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, on_b) = b.publish(&tb, "Vidéo de B").await;
    let (_, on_c) = c.publish(&tc, "Vidéo de C").await;
    for (i, uuids) in [
        (&a, [&on_b, &on_c]),
        (&b, [&on_a, &on_c]),
        (&c, [&on_a, &on_b]),
    ] {
        for uuid in uuids {
            eventually(&logs, "every video listed everywhere", 60, || async {
                listed(i, uuid).await.then_some(())
            })
            .await;
        }
    }

    // A blocks B: for A only.
    let (status, why) = a
        .api()
        .with(&ta)
        .post_json(
            "/api/v1/server/blocklist/servers",
            json!({ "host": b.host() }),
        )
        .await;
    assert_eq!(status, 204, "{why}");
    assert!(!listed(&a, &on_b).await, "B's video leaves A's lists");
    assert!(listed(&a, &on_c).await, "C's stays");
    assert!(listed(&c, &on_b).await, "C still lists B's");

    // A user of C reports A's video: C keeps the report, A gets it from C's instance.
    let (sam, _) = c.user(&tc, "sam", -1).await;
    let (status, made) = c
        .api()
        .with(&sam)
        .post_json(
            "/api/v1/abuses",
            json!({ "reason": "Vu depuis C", "video": { "id": on_a } }),
        )
        .await;
    assert_eq!(status, 200, "{made}");
    let (_, at_c) = c.get_json(&tc, "/api/v1/abuses").await;
    assert_eq!(at_c["total"], 1, "{at_c}");
    let report = eventually(&logs, "C's Flag reaches A", 30, || async {
        let (_, l) = a.get_json(&ta, "/api/v1/abuses").await;
        l["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["reason"] == "Vu depuis C")
            .cloned()
    })
    .await;
    assert_eq!(report["reporterAccount"]["host"], c.host().as_str());
    assert_eq!(report["video"]["uuid"], on_a.as_str());
    let (_, at_b) = b.get_json(&tb, "/api/v1/abuses").await;
    assert_eq!(at_b["total"], 0, "B hears nothing of it");

    // A deletes Ann: her video and account go from C.
    let ann_id = a.user_id(&ann).await;
    let (status, _) = a
        .api()
        .with(&ta)
        .delete(&format!("/api/v1/users/{ann_id}"))
        .await;
    assert_eq!(status, 204);
    eventually(&logs, "Ann's video gone from C", 60, || async {
        let s = c.api().status(&format!("/api/v1/videos/{on_a}")).await;
        (s == 404).then_some(())
    })
    .await;
    eventually(&logs, "Ann's account gone from C", 60, || async {
        let path = format!("/api/v1/accounts/ann@{}", a.host());
        (c.api().status(&path).await == 404).then_some(())
    })
    .await;
    // The report stays in A's log, its video gone.
    let (_, kept) = a.get_json(&ta, "/api/v1/abuses").await;
    assert!(
        kept["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["reason"] == "Vu depuis C"),
        "{kept}"
    );
    a.stop().await;
    b.stop().await;
    c.stop().await;
});

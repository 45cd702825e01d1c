//! The oEmbed provider (`/services/oembed`) in PeerTube's shape, and Ruche's own consumer (Pages'
//! video block) reading it: in process over the whole router, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use axum::http::{StatusCode, header};
use ruche_domain::video::Privacy;
use ruche_fetch::Policy;
use ruche_pages::oembed::{VideoEmbed, discover};
use ruche_testkit::app::VideoState;
use ruche_testkit::{Backend, TestApp, app_test};
use serde_json::Value;

const BASE: &str = "https://videos.example";

fn state(privacy: Privacy, published: bool, preview: bool) -> VideoState {
    VideoState {
        privacy,
        published,
        preview,
    }
}

fn q(pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.extend_pairs(pairs);
    format!("/services/oembed?{}", s.finish())
}

async fn call(app: &TestApp, uri: &str) -> (StatusCode, Value, Option<String>) {
    let (status, headers, j) = app.get_json(uri).await;
    let cors = headers
        .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .map(|v| v.to_str().unwrap().to_string());
    (status, j, cors)
}

app_test!(
    provider_answers_in_peertubes_shape,
    |backend: Backend| async move {
        let inst = TestApp::start(backend, BASE).await;
        let ch = inst.user("alice").await;
        let v = inst
            .video(
                ch,
                "A \"quoted\" <video> & more",
                state(Privacy::Public, true, true),
            )
            .await;
        let watch = format!("{BASE}/w/{}", v.short);
        let (status, j, cors) = call(&inst, &q(&[("url", &watch), ("format", "json")])).await;
        assert_eq!(status, StatusCode::OK, "{j}");
        assert_eq!(cors.as_deref(), Some("*"));
        let embed = format!("{BASE}/videos/embed/{}", v.short);
        assert_eq!(j["type"], "video");
        assert_eq!(j["version"], "1.0");
        assert_eq!(j["width"], 560);
        assert_eq!(j["height"], 315);
        assert_eq!(j["title"], "A \"quoted\" <video> & more");
        assert_eq!(j["author_name"], "alice_channel");
        assert_eq!(
            j["author_url"],
            format!("{BASE}/video-channels/alice_channel")
        );
        assert_eq!(j["provider_name"], "Ruche");
        assert_eq!(j["provider_url"], BASE);
        assert_eq!(
            j["thumbnail_url"],
            format!("{BASE}/lazy-static/previews/preview.jpg")
        );
        assert_eq!(j["thumbnail_width"], 850);
        assert_eq!(j["thumbnail_height"], 480);
        assert_eq!(j["cache_age"], 3600);
        assert_eq!(
            j["html"],
            format!(
                "<iframe width=\"560\" height=\"315\" sandbox=\"allow-same-origin allow-scripts allow-popups allow-forms\" \
                 title=\"A &quot;quoted&quot; &lt;video&gt; &amp; more\" src=\"{embed}\" frameborder=\"0\" allowfullscreen></iframe>"
            )
        );
        // The other URL shapes name the same video; format is optional.
        for watch in [
            format!("{BASE}/videos/watch/{}", v.uuid),
            format!("{BASE}/w/{}", v.uuid),
            format!("{BASE}/videos/watch/{}", v.short),
        ] {
            let (status, j, _) = call(&inst, &q(&[("url", &watch)])).await;
            assert_eq!(status, StatusCode::OK, "{watch}: {j}");
            assert!(j["html"].as_str().unwrap().contains(&embed), "{watch}");
        }
        // PeerTube accepts the numeric id of a public video.
        let (status, _, _) = call(&inst, &q(&[("url", &format!("{BASE}/w/{}", v.id))])).await;
        assert_eq!(status, StatusCode::OK);
        inst.cleanup().await;
    }
);

app_test!(
    provider_bounds_and_player_options,
    |backend: Backend| async move {
        let inst = TestApp::start(backend, BASE).await;
        let ch = inst.user("alice").await;
        let v = inst
            .video(ch, "Bounded", state(Privacy::Public, true, true))
            .await;
        let watch = format!("{BASE}/w/{}?start=30&stop=40&evil=1", v.short);
        let (status, j, _) = call(
            &inst,
            &q(&[("url", &watch), ("maxwidth", "400"), ("maxheight", "9000")]),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{j}");
        assert_eq!(j["width"], 400);
        assert_eq!(j["height"], 315);
        // The preview does not fit in 400 pixels: left out.
        assert!(j.get("thumbnail_url").is_none(), "{j}");
        assert!(j.get("thumbnail_width").is_none(), "{j}");
        let html = j["html"].as_str().unwrap();
        assert!(
            html.contains(&format!(
                "src=\"{BASE}/videos/embed/{}?start=30&amp;stop=40\"",
                v.short
            )),
            "{html}"
        );
        assert!(!html.contains("evil"));

        // Without a preview, the thumbnail stands in, with its own size.
        let t = inst
            .video(ch, "Thumb only", state(Privacy::Public, true, false))
            .await;
        let (_, j, _) = call(&inst, &q(&[("url", &format!("{BASE}/w/{}", t.short))])).await;
        assert_eq!(
            j["thumbnail_url"],
            format!("{BASE}/lazy-static/thumbnails/thumb.jpg")
        );
        assert_eq!(j["thumbnail_width"], 280);
        assert_eq!(j["thumbnail_height"], 157);
        inst.cleanup().await;
    }
);

app_test!(provider_refusals, |backend: Backend| async move {
    let inst = TestApp::start(backend, BASE).await;
    let ch = inst.user("alice").await;
    let public = inst
        .video(ch, "Public", state(Privacy::Public, true, true))
        .await;
    let unlisted = inst
        .video(ch, "Unlisted", state(Privacy::Unlisted, true, true))
        .await;
    let private = inst
        .video(ch, "Private", state(Privacy::Private, true, true))
        .await;
    let internal = inst
        .video(ch, "Internal", state(Privacy::Internal, true, true))
        .await;
    let unpublished = inst
        .video(ch, "Processing", state(Privacy::Public, false, true))
        .await;
    let w = |id: &str| format!("{BASE}/w/{id}");

    // Unlisted: by its UUIDs, not by its number.
    assert_eq!(
        call(&inst, &q(&[("url", &w(&unlisted.short))])).await.0,
        StatusCode::OK
    );
    assert_eq!(
        call(&inst, &q(&[("url", &w(&unlisted.id.to_string()))]))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    for (what, id) in [
        ("private", private.short.as_str()),
        ("internal", internal.short.as_str()),
        ("unpublished", unpublished.short.as_str()),
        ("unknown", "3fd6c4a7-0f7e-4e3b-9d8e-1f2a3b4c5d6e"),
    ] {
        let (status, j, cors) = call(&inst, &q(&[("url", &w(id))])).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{what}");
        assert_eq!(j["status"], 404, "{what}");
        assert_eq!(cors.as_deref(), Some("*"));
    }
    let (status, j, _) = call(
        &inst,
        &q(&[("url", &format!("{BASE}/w/p/{}", public.short))]),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(j["detail"], "Video playlist not found");

    let bad = [
        q(&[(
            "url",
            &format!("https://elsewhere.example/w/{}", public.short),
        )]),
        q(&[("url", &format!("http://videos.example/w/{}", public.short))]),
        q(&[(
            "url",
            &format!("https://videos.example:8443/w/{}", public.short),
        )]),
        q(&[("url", &format!("{BASE}/c/{}", public.short))]),
        q(&[("url", &format!("{BASE}/w/{}/extra", public.short))]),
        q(&[("url", &w("not-an-id"))]),
        q(&[("url", "not a url")]),
        "/services/oembed".to_string(),
        q(&[("url", &w(&public.short)), ("format", "yaml")]),
        q(&[("url", &w(&public.short)), ("maxwidth", "wide")]),
        q(&[("url", &w(&public.short)), ("maxheight", "-5")]),
    ];
    for uri in bad {
        let (status, j, _) = call(&inst, &uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {j}");
        assert_eq!(j["status"], 400);
    }
    let (status, j, _) = call(&inst, &q(&[("url", &w(&public.short)), ("format", "xml")])).await;
    assert_eq!(status, StatusCode::NOT_IMPLEMENTED);
    assert_eq!(
        j["detail"],
        "Requested format is not implemented on server."
    );
    inst.cleanup().await;
});

// Ruche's consumer against Ruche's provider, over real HTTP on loopback.
app_test!(consumer_reads_ruche, |backend: Backend| async move {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let inst = TestApp::start(backend, &base).await;
    let ch = inst.user("alice").await;
    let v = inst
        .video(ch, "Round trip", state(Privacy::Unlisted, true, true))
        .await;
    let app = inst.router.clone();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let e = discover(
        &ruche_fetch::Fetcher::new(Policy {
            allow_insecure: true,
            ..Policy::default()
        })
        .unwrap(),
        &format!("{base}/videos/watch/{}?start=10", v.uuid),
    )
    .await
    .unwrap();
    assert_eq!(
        e,
        VideoEmbed {
            embed_url: format!("{base}/videos/embed/{}?start=10", v.short),
            title: "Round trip".into(),
            thumbnail_url: Some(format!("{base}/lazy-static/previews/preview.jpg")),
            author_name: "alice_channel".into(),
            provider_name: "Ruche".into(),
        }
    );
    let missing = discover(
        &ruche_fetch::Fetcher::new(Policy {
            allow_insecure: true,
            ..Policy::default()
        })
        .unwrap(),
        &format!("{base}/w/3fd6c4a7-0f7e-4e3b-9d8e-1f2a3b4c5d6e"),
    )
    .await
    .unwrap_err();
    assert_eq!(missing.key(), "video-url-not-found");
    inst.cleanup().await;
});

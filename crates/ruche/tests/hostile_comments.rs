//! Comments against hostile writers, on a real `ruche serve` on SQLite and PostgreSQL: a chain
//! of replies as deep as a script likes, threads as long as it likes, Markdown nested thousands
//! of levels deep, and comments written without pause. Each is bounded where it is written or
//! where it is read, and the pages and API answers stay whole.

#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.
use ruche_testkit::{Instance, Rig, both, small_clip};
use serde_json::Value;

/// The deepest a reply may sit (`ruche_tube::comments::MAX_DEPTH`).
const MAX_DEPTH: usize = 100;
/// How deep the API's thread tree nests (`api::comments::TREE_DEPTH`).
const TREE_DEPTH: usize = 10;

/// An instance with a published video of root's: (instance, root's token, the video's uuid).
async fn with_video(db: Rig, extra: &[(&str, &str)]) -> (Instance, String, String) {
    let inst = Instance::start(db, extra).await;
    let root = inst.root_token().await;
    let dir = tempfile::tempdir().unwrap();
    let (status, body) = inst
        .upload(&root, &small_clip(dir.path()), 1, "Débat")
        .await;
    assert_eq!(status, 200, "{body}");
    let uuid = body["video"]["uuid"].as_str().unwrap().to_string();
    inst.wait_transcoded(&root, &uuid, 1).await;
    (inst, root, uuid)
}

/// Posts a comment: a thread when `parent` is `None`, else a reply. (status, Retry-After, body)
async fn comment(
    inst: &Instance,
    token: &str,
    uuid: &str,
    parent: Option<i64>,
    text: &str,
) -> (u16, Option<u64>, Value) {
    let path = match parent {
        None => format!("/api/v1/videos/{uuid}/comment-threads"),
        Some(p) => format!("/api/v1/videos/{uuid}/comments/{p}"),
    };
    let r = inst
        .http
        .post(format!("{}{path}", inst.url))
        .bearer_auth(token)
        .json(&serde_json::json!({ "text": text }))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok()?.parse().ok());
    (status, retry, r.json().await.unwrap_or_default())
}

/// The id of a comment just posted.
fn id_of(body: &Value) -> i64 {
    body["comment"]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("a comment in {body}"))
}

/// How many levels of `children` a thread tree has below its first comment, and how many
/// comments it holds, walked without recursion.
fn shape(tree: &Value) -> (usize, usize) {
    let (mut deepest, mut count) = (0, 0);
    let mut stack = vec![(tree, 0)];
    while let Some((node, depth)) = stack.pop() {
        count += 1;
        deepest = deepest.max(depth);
        for child in node["children"].as_array().into_iter().flatten() {
            stack.push((child, depth + 1));
        }
    }
    (deepest, count)
}

both!(a_reply_chain_stops_at_its_bound, |db| async move {
    let (inst, root, uuid) = with_video(db, &[("RUCHE_RATES_COMMENT_MAX", "1000")]).await;
    let (status, _, first) = comment(&inst, &root, &uuid, None, "Premier").await;
    assert_eq!(status, 200, "{first}");
    let thread = id_of(&first);
    // Each reply answers the one before: the chain goes down to its bound, and no further.
    let mut last = thread;
    for n in 1..=MAX_DEPTH {
        let (status, _, body) = comment(&inst, &root, &uuid, Some(last), &format!("r{n}")).await;
        assert_eq!(status, 200, "reply {n}: {body}");
        last = id_of(&body);
    }
    let (status, _, body) = comment(&inst, &root, &uuid, Some(last), "trop loin").await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.to_string().contains("too deep"),
        "the refusal says why: {body}"
    );
    // An earlier comment of the chain still takes replies.
    let (status, _, _) = comment(&inst, &root, &uuid, Some(thread), "à côté").await;
    assert_eq!(status, 200);

    // The thread's tree holds every comment, nested no deeper than its bound.
    let (status, tree) = inst
        .get_json(
            &root,
            &format!("/api/v1/videos/{uuid}/comment-threads/{thread}"),
        )
        .await;
    assert_eq!(status, 200, "{tree}");
    let (deepest, count) = shape(&tree);
    assert_eq!(count, 1 + MAX_DEPTH + 1, "every comment is in the tree");
    assert_eq!(
        deepest,
        TREE_DEPTH + 1,
        "replies nest {TREE_DEPTH} deep at most, deeper ones listed under the last"
    );
    // The deepest ones are listed in order under their ancestor, and still name their parent.
    let mut node = &tree;
    for _ in 0..TREE_DEPTH {
        node = node["children"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["comment"]["text"] != "à côté")
            .unwrap();
    }
    let flat = node["children"].as_array().unwrap();
    assert_eq!(flat.len(), MAX_DEPTH - TREE_DEPTH);
    assert_eq!(flat[0]["comment"]["text"], format!("r{}", TREE_DEPTH + 1));
    assert_eq!(
        flat[1]["comment"]["inReplyToCommentId"],
        flat[0]["comment"]["id"]
    );

    // The watch page draws the thread.
    let page = inst
        .http
        .get(format!("{}/w/{uuid}", inst.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    inst.stop().await;
});

both!(comments_are_limited_per_account, |db| async move {
    let (inst, root, uuid) = with_video(
        db,
        &[
            ("RUCHE_RATES_COMMENT_MAX", "3"),
            ("RUCHE_RATES_COMMENT_WINDOW_SECS", "3600"),
        ],
    )
    .await;
    // A comment refused for what it is does not count.
    let (status, _, _) = comment(&inst, &root, &uuid, None, "   ").await;
    assert_eq!(status, 400);
    for n in 0..3 {
        let (status, _, body) = comment(&inst, &root, &uuid, None, &format!("c{n}")).await;
        assert_eq!(status, 200, "comment {n}: {body}");
    }
    let (status, retry, body) = comment(&inst, &root, &uuid, None, "encore").await;
    assert_eq!(status, 429, "{body}");
    assert!(retry.is_some_and(|s| s > 0), "429 says when to come back");
    // Replies count too.
    let (status, _, _) = comment(&inst, &root, &uuid, Some(1), "réponse").await;
    assert_eq!(status, 429);
    // Another account writes on.
    let (ana, _) = inst.user(&root, "ana", -1).await;
    let (status, _, body) = comment(&inst, &ana, &uuid, None, "Bonjour").await;
    assert_eq!(status, 200, "{body}");

    // On the watch page, the refusal is said in the viewer's language, with its Retry-After.
    let (browser, csrf) = inst.browser_login("root", &inst.password.clone()).await;
    let r = browser
        .post(format!("{}/w/{uuid}/comments", inst.url))
        .header("Accept-Language", "fr")
        .form(&[("csrf", csrf.as_str()), ("text", "depuis la page")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let html = r.text().await.unwrap();
    assert!(html.contains("Vous commentez trop vite"), "{html}");
    inst.stop().await;
});

both!(
    long_threads_and_deep_markdown_are_drawn_bounded,
    |db| async move {
        let (inst, root, uuid) = with_video(db, &[("RUCHE_RATES_COMMENT_MAX", "1000")]).await;
        // Markdown nesting quotes and lists thousands of levels deep.
        let quotes = format!("{} fin", ">".repeat(5_000));
        let lists = format!("{}x", "- ".repeat(3_000));
        let (status, _, body) = comment(&inst, &root, &uuid, None, &quotes).await;
        assert_eq!(status, 200, "{body}");
        let (status, _, body) = comment(&inst, &root, &uuid, None, &lists).await;
        assert_eq!(status, 200, "{body}");
        // A thread of thirty replies.
        let (_, _, first) = comment(&inst, &root, &uuid, None, "Un long fil").await;
        let thread = id_of(&first);
        for n in 1..=30 {
            let (status, _, _) =
                comment(&inst, &root, &uuid, Some(thread), &format!("réponse-{n}.")).await;
            assert_eq!(status, 200);
        }

        let page = inst.page(&inst.http, &format!("/w/{uuid}")).await;
        assert!(
            page.matches("<blockquote").count() <= 8,
            "quotes nest 8 deep at most"
        );
        assert!(page.matches("<ul").count() <= 8 + 2, "lists too");
        // The newest replies are drawn, and the page says how many earlier ones it leaves out.
        assert!(page.contains("réponse-30.") && page.contains("réponse-11."));
        assert!(!page.contains("réponse-10."), "only the newest 20 replies");
        assert!(
            page.contains("10 earlier replies are not shown here."),
            "{page}"
        );
        // The API still gives the whole thread.
        let (_, tree) = inst
            .get_json(
                &root,
                &format!("/api/v1/videos/{uuid}/comment-threads/{thread}"),
            )
            .await;
        assert_eq!(tree["children"].as_array().unwrap().len(), 30);
        inst.stop().await;
    }
);

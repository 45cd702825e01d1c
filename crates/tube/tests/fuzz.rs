//! Hostile input for Tube's readers of other servers' documents and of upload headers:
//! `remote::parse_video` (a `Video` read as PeerTube checks one), `inbox::comment_text` (a
//! remote comment's HTML cleaned), PeerTube's acceptance rules (`acceptance::check_activity`
//! and the object checks, which must answer for anything), and `ContentRange::parse`.
//!
//! Seeds are the real documents of `tests/fixtures/ap/` (PeerTube, Mastodon, Lemmy,
//! GoToSocial, Pleroma); each case mutates one (keys deleted, values of other JSON types, very
//! long strings, deep nesting, numbers beyond f64, unicode edge cases, duplicated keys, wrong
//! `type`s, ids of other hosts, broken bytes) and reads it with `serde_json::from_slice` as
//! the inbox does (its recursion limit, 128, refuses deeper documents). Properties: no panic;
//! what is accepted keeps its promises (media links https, attribution of the video's own
//! instance, bounded text); nothing grows past a fixed multiple of its input.
//!
//! Bounded: the file takes about 10 s in a debug build on 2 cores. `RUCHE_FUZZ_CASES=<n>` sets
//! every property's count for a longer run: `RUCHE_FUZZ_CASES=20000 cargo test -p ruche-tube
//! --test fuzz`.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use ruche_domain::video::Privacy;
use ruche_federation::ap;
use ruche_tube::comments::MAX_TEXT;
use ruche_tube::federation::acceptance::{
    self, check_activity, check_actor, check_delivery, check_note, check_video,
};
use ruche_tube::federation::{inbox::comment_text, remote::parse_video};
use ruche_tube::uploads::ContentRange;
use serde_json::{Value, json};

use ruche_mutate::config;

/// Every JSON document of `tests/fixtures/ap/`.
fn fixtures() -> &'static [Value] {
    static ALL: std::sync::LazyLock<Vec<Value>> = std::sync::LazyLock::new(|| {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/ap");
        let mut files = Vec::new();
        for dir in std::fs::read_dir(root).unwrap() {
            let dir = dir.unwrap().path();
            if dir.is_dir() {
                for f in std::fs::read_dir(&dir).unwrap() {
                    let f = f.unwrap().path();
                    if f.extension().is_some_and(|e| e == "json") {
                        files.push(f);
                    }
                }
            }
        }
        files.sort();
        assert!(files.len() > 50, "the AP fixtures are missing");
        files
            .iter()
            .map(|f| serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap())
            .collect()
    });
    &ALL
}

/// The objects of a kind in the fixtures, alone or as an activity's `object`.
fn objects(kind: &str) -> Vec<Value> {
    fixtures()
        .iter()
        .flat_map(|v| {
            [
                v.clone(),
                v["object"].clone(),
                v["object"]["object"].clone(),
            ]
        })
        .filter(|v| ap::is_type(v, kind))
        .collect()
}

fn videos() -> &'static [Value] {
    static ALL: std::sync::LazyLock<Vec<Value>> = std::sync::LazyLock::new(|| {
        let v = objects("Video");
        assert!(v.len() >= 3);
        v
    });
    &ALL
}

fn notes() -> &'static [Value] {
    static ALL: std::sync::LazyLock<Vec<Value>> = std::sync::LazyLock::new(|| {
        let n = objects("Note");
        assert!(n.len() >= 5);
        n
    });
    &ALL
}

fn read(bytes: &[u8]) -> Option<Value> {
    serde_json::from_slice(bytes).ok()
}

fn web(u: &str) -> bool {
    u.starts_with("https://")
}

proptest! {
    #![proptest_config(config(400))]

    /// A `Video` read from another instance: what is kept is what PeerTube would keep, and
    /// bounded: a UUID, a name of at most 120 characters, a description of at most 10 000,
    /// five tags, attribution only to actors of the video's own instance, https media only,
    /// public or unlisted.
    #[test]
    fn remote_videos(seed in 0..1_000usize, edits in mutate::ops(), insecure in any::<bool>()) {
        let original = &videos()[seed % videos().len()];
        let bytes = mutate::apply(original, &edits);
        let Some(doc) = read(&bytes) else { return Ok(()) };
        let Ok(p) = parse_video(&doc, insecure) else { return Ok(()) };
        let v = &p.video;
        prop_assert!(uuid::Uuid::parse_str(&v.uuid).is_ok());
        prop_assert!(!v.name.trim().is_empty() && v.name.chars().count() <= 120);
        prop_assert!(v.description.as_ref().is_none_or(|d| d.chars().count() <= 10_000));
        prop_assert!(v.support.as_ref().is_none_or(|d| d.chars().count() <= 1_000));
        prop_assert!(v.tags.len() <= 5 && v.tags.iter().all(|t| t.chars().count() <= 30));
        prop_assert!(v.language.as_ref().is_none_or(|l| l.len() <= 15));
        prop_assert!(matches!(v.privacy, Privacy::Public | Privacy::Unlisted), "privacy {:?}", v.privacy);
        prop_assert!(v.duration >= 0 && v.views >= 0);
        prop_assert!(!p.attributed_to.is_empty());
        for a in &p.attributed_to {
            prop_assert!(ap::same_origin(a, &v.url), "{a} for {}", v.url);
        }
        let m = &p.media;
        let links = [&m.page, &m.playlist, &m.segments_sha256, &m.thumbnail, &m.preview]
            .into_iter()
            .flatten()
            .chain(m.files.iter().map(|f| &f.url))
            .chain(m.files.iter().filter_map(|f| f.metadata.as_ref()));
        for l in links {
            prop_assert!(web(l) || (insecure && l.starts_with("http://")), "{l}");
        }
        prop_assert!(v.remote_media.len() <= 2 * bytes.len() + 1_000);
    }

    /// A remote comment's text: at most `MAX_TEXT` characters; HTML cleaned to the comment's
    /// allow-list (Markdown kept as sent, it is escaped when shown).
    #[test]
    fn remote_comment_text(seed in 0..1_000usize, edits in mutate::ops(), html in html()) {
        let mut note = notes()[seed % notes().len()].clone();
        if seed % 3 == 0 {
            note["content"] = Value::from(html);
        }
        let Some(doc) = read(&mutate::apply(&note, &edits)) else { return Ok(()) };
        let text = comment_text(&doc);
        prop_assert!(text.chars().count() <= MAX_TEXT);
        if doc["mediaType"] != "text/markdown" {
            check_comment_html(&text)?;
        }
    }

    /// PeerTube's acceptance rules answer for any document, a verdict whose words are bounded
    /// by what they quote; and so do the object checks on every object inside it.
    #[test]
    fn acceptance_rules_answer(seed in 0..1_000usize, edits in mutate::ops(), signer in prop_oneof![
        Just("https://evil.example/accounts/mallory".to_string()),
        mutate::hostile_string(),
    ]) {
        let original = &fixtures()[seed % fixtures().len()];
        let bytes = mutate::apply(original, &edits);
        let Some(doc) = read(&bytes) else { return Ok(()) };
        let bound = 4 * bytes.len() + signer.len() + 2_000;
        let words = |v: &acceptance::Verdict| match v {
            Ok(notes) => notes.iter().map(String::len).sum::<usize>(),
            Err(e) => e.len(),
        };
        let v = check_activity(&doc);
        prop_assert!(words(&v) <= bound, "{} bytes of verdict", words(&v));
        let v = check_delivery(&doc, &signer);
        prop_assert!(words(&v) <= bound);
        for n in nodes(&doc) {
            for v in [check_video(n), check_note(n), check_actor(n), check_activity(n)] {
                prop_assert!(words(&v) <= bound);
            }
        }
    }

    /// The URL and date validators (ported from `validator`) answer for any text.
    #[test]
    fn validators(s in prop_oneof![
        mutate::hostile_string(),
        "(https?|HTTP|ftp)://[a-zA-Z0-9.:@\\[\\]%_é-]{0,30}(/[^ ]{0,10})?",
        "[-+]?[0-9]{4}(-?[0-9W]{2,3}(-?[0-9]{1,2})?)?([T ][0-9:.,]{0,12}(Z|[-+][0-9:]{2,5})?)?",
        "\\PC{0,12}",
    ]) {
        let url = acceptance::is_url(&s);
        if url {
            prop_assert!(s.to_ascii_lowercase().starts_with("http"));
            prop_assert!(s.chars().count() <= 2084);
        }
        let _ = acceptance::is_iso8601(&s);
        let _ = acceptance::guess_actor_type(&s);
    }

    /// `Content-Range` of a resumable chunk: read or refused; what is read is ordered and
    /// reads back the same once written again.
    #[test]
    fn content_ranges(s in prop_oneof![
        mutate::hostile_string(),
        "[ ]?(bytes|BYTES|items)?[ =]{0,2}([-+0-9]{0,21}|\\*)[ ]?-?[ ]?[-+0-9]{0,21}[ ]?/[ ]?[-+0-9*]{0,21}",
        (any::<i64>(), any::<i64>(), any::<i64>()).prop_map(|(a, b, t)| format!("bytes {a}-{b}/{t}")),
    ]) {
        match ContentRange::parse(&s) {
            None => {}
            Some(ContentRange::Bytes { start, end, total }) => {
                prop_assert!(0 <= start && start <= end && total >= 0);
                let again = format!("bytes {start}-{end}/{total}");
                prop_assert_eq!(ContentRange::parse(&again), Some(ContentRange::Bytes { start, end, total }));
            }
            Some(ContentRange::Query { total }) => {
                let again = format!("bytes */{total}");
                prop_assert_eq!(ContentRange::parse(&again), Some(ContentRange::Query { total }));
            }
        }
    }
}

/// Every node of a document.
fn nodes(v: &Value) -> Vec<&Value> {
    let mut out = vec![v];
    let mut i = 0;
    while i < out.len() {
        match out[i] {
            Value::Array(a) => out.extend(a.iter()),
            Value::Object(o) => out.extend(o.values()),
            _ => {}
        }
        i += 1;
    }
    out
}

/// Only the comment allow-list's tags, only `href` (safe schemes) and `rel` on links, and the
/// sanitiser's generic `lang` and `title`.
fn check_comment_html(text: &str) -> Result<(), TestCaseError> {
    const TAGS: [&str; 14] = [
        "a",
        "p",
        "br",
        "span",
        "strong",
        "em",
        "b",
        "i",
        "ul",
        "ol",
        "li",
        "code",
        "pre",
        "blockquote",
    ];
    for tag in text.split('<').skip(1) {
        // The text is cut at `MAX_TEXT`: the last tag may be cut too.
        let Some((inside, _)) = tag.split_once('>') else {
            continue;
        };
        let closing = inside.starts_with('/');
        let inside = inside.trim_start_matches('/');
        let name: String = inside
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        prop_assert!(TAGS.contains(&name.as_str()), "<{name}> kept in {text:?}");
        if closing {
            continue;
        }
        let parts: Vec<&str> = inside[name.len()..].split('"').collect();
        for (i, part) in parts.iter().enumerate() {
            if i % 2 == 0 {
                let attr = part.trim().trim_end_matches('=');
                prop_assert!(
                    attr.is_empty()
                        || attr == "lang"
                        || attr == "title"
                        || (name == "a" && (attr == "href" || attr == "rel")),
                    "attribute {attr:?} kept on <{name}> in {text:?}"
                );
            } else if parts[i - 1].trim().trim_end_matches('=') == "href" {
                let href = part.trim().to_ascii_lowercase();
                prop_assert!(
                    !href.starts_with("javascript:")
                        && !href.starts_with("data:")
                        && !href.starts_with("vbscript:"),
                    "href {href:?} kept in {text:?}"
                );
            }
        }
    }
    Ok(())
}

/// Markup as Mastodon and others send it, and as an attacker would.
fn html() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "\\PC{0,12}",
        prop::sample::select(vec![
            "<p>",
            "</p>",
            "<br>",
            "<span class=\"h-card\">",
            "</span>",
            "<a href=\"https://a.example/@x\" class=\"u-url mention\">",
            "<a href=\"javascript:alert(1)\">",
            "</a>",
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<ul>",
            "<ol>",
            "<li>",
            "</li>",
            "<pre><code>",
            "</code></pre>",
            "<blockquote>",
            "<table><tr><td>",
            "<select><option>",
            "<h2>",
            "<svg onload=alert(1)>",
            "<!--",
            "-->",
            "&amp;",
            "&lt;",
            "<",
            ">",
            "&",
            "<style>",
            "<iframe src=x>",
            "<math><mi>",
        ])
        .prop_map(str::to_string),
    ];
    prop::collection::vec(piece, 0..30).prop_map(|v| v.concat())
}

/// A remote comment of 1 MiB (the inbox's bound) of nested lists. The HTML parser's work
/// grows with the square of the nesting (each start tag looks through the open elements), so
/// cleaning the whole content took minutes of CPU (`<ol><li>` × 40 000, 312 KiB: 51 s in a
/// release build) although only `MAX_TEXT` characters are kept. Fixed: `comment_text` reads
/// the first `2 × MAX_TEXT` characters only.
#[test]
fn regression_comment_html_is_cut_before_it_is_cleaned() {
    let unit = "<ol><li>";
    let content = unit.repeat((1 << 20) / unit.len());
    let note = json!({"type": "Note", "content": content});
    let text = comment_text(&note);
    assert!(text.chars().count() <= MAX_TEXT);
    assert!(text.starts_with("<ol><li><ol><li>"), "{}", &text[..40]);
    // What is kept depends only on the first `2 × MAX_TEXT` characters.
    let cut: String = content.chars().take(2 * MAX_TEXT).collect();
    assert_eq!(comment_text(&json!({"type": "Note", "content": cut})), text);
    // A long comment with its markup is kept as before, up to `MAX_TEXT` characters.
    let long = "<p>Bonjour <a href=\"https://a.example/\">à tous</a></p>".repeat(400);
    let text = comment_text(&json!({"type": "Note", "content": long}));
    assert_eq!(text.chars().count(), MAX_TEXT);
}

use ruche_mutate as mutate;

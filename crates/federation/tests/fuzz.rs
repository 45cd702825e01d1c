//! Hostile input for the ActivityPub plumbing: the readers of `ap` (ids in every form, `type`,
//! links, actors, WebFinger answers, handles), the `Signature` header, the key-less request
//! checks with hostile headers, `Digest`, the full RSA check of a tampered request, and the
//! Linked Data Signature readers (`ld::creator`, `ld::prepare`) on hostile JSON-LD.
//!
//! Seeds are the real documents of `tests/fixtures/ap/` (PeerTube, Mastodon, Lemmy,
//! GoToSocial, Pleroma); each case mutates one (keys deleted, values of other JSON types, very
//! long strings, deep nesting, numbers beyond f64, unicode edge cases, duplicated keys, wrong
//! `type`s, ids of other hosts, broken bytes) and reads it with `serde_json::from_slice`, as
//! the inbox and the fetcher do. Properties: every reader answers without panicking; what is
//! accepted keeps its promises (an actor's id, inbox and key are of the origin it came from…);
//! nothing grows past a fixed multiple of its input.
//!
//! Deep nesting: documents come through `serde_json::from_slice`, whose recursion limit (128)
//! refuses anything deeper, so the recursive readers (`ap::href` follows nested links) see at
//! most 128 levels; `ld` bounds itself at 64 (`MAX_DEPTH` in `ld/canon.rs`). Both are checked
//! below at and past their limits, on the test's own 2 MiB thread stack.
//!
//! Bounded: the file takes about 15 s in a debug build on 2 cores (`ld::prepare` expands
//! JSON-LD, the costly part, so it runs fewer cases). `RUCHE_FUZZ_CASES=<n>` sets every
//! property's count for a longer run: `RUCHE_FUZZ_CASES=20000 cargo test -p ruche-federation
//! --test fuzz`.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use ruche_federation::ap::{self, ApError};
use ruche_federation::ld::{self, LdError};
use ruche_federation::{
    SigError, check_request, digest, digest_matches, key_owner, parse_signature_header, sign,
    verify,
};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use ruche_mutate::config;

/// Every JSON document of `tests/fixtures/ap/`, by path.
fn fixtures() -> &'static [(String, Value)] {
    static ALL: std::sync::LazyLock<Vec<(String, Value)>> = std::sync::LazyLock::new(|| {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/ap");
        let mut out = Vec::new();
        for dir in std::fs::read_dir(root).unwrap() {
            let dir = dir.unwrap().path();
            if !dir.is_dir() {
                continue;
            }
            for f in std::fs::read_dir(&dir).unwrap() {
                let f = f.unwrap().path();
                if f.extension().is_some_and(|e| e == "json") {
                    let v = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
                    out.push((f.display().to_string(), v));
                }
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        assert!(out.len() > 50, "the AP fixtures are missing");
        out
    });
    &ALL
}

/// The fixtures that are actors (or contain one, as `object`).
fn actors() -> &'static [Value] {
    static ALL: std::sync::LazyLock<Vec<Value>> = std::sync::LazyLock::new(|| {
        let kinds = ["Person", "Group", "Application", "Service", "Organization"];
        fixtures()
            .iter()
            .flat_map(|(_, v)| [v.clone(), v["object"].clone()])
            .filter(|v| kinds.iter().any(|k| ap::is_type(v, k)))
            .collect()
    });
    &ALL
}

/// The fixtures that carry an LD signature, and one of our own making (signed below).
fn signed() -> &'static [Value] {
    static ALL: std::sync::LazyLock<Vec<Value>> = std::sync::LazyLock::new(|| {
        let mut out: Vec<Value> = fixtures()
            .iter()
            .map(|(_, v)| v.clone())
            .filter(|v| v.get("signature").is_some())
            .collect();
        out.push(ld::sign(&a_create(), KEY_ID, &keys().0, "2026-11-02T10:20:30.123Z").unwrap());
        out
    });
    &ALL
}

/// A Create of a Note, in the vocabulary the embedded contexts know.
fn a_create() -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": "https://a.example/notes/1/activity",
        "type": "Create",
        "actor": "https://a.example/accounts/ana",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {
            "id": "https://a.example/notes/1",
            "type": "Note",
            "content": "<p>Bonjour</p>",
            "attributedTo": "https://a.example/accounts/ana",
            "inReplyTo": "https://b.example/videos/watch/90e6f8ed-b369-423c-b0c8-f44e5350c752",
            "tag": [{"type": "Mention", "href": "https://b.example/accounts/bob", "name": "@bob"}]
        }
    })
}

const KEY_ID: &str = "https://a.example/accounts/ana#main-key";

/// One RSA key pair for the file (PKCS#8 private, SPKI public).
fn keys() -> &'static (String, String) {
    static K: std::sync::LazyLock<(String, String)> = std::sync::LazyLock::new(|| {
        let (public, private) = ruche_federation::generate_key_pair().unwrap();
        (private, public)
    });
    &K
}

/// A mutated document as the inbox reads it: `None` when it is not JSON (refused there).
fn read(bytes: &[u8]) -> Option<Value> {
    serde_json::from_slice(bytes).ok()
}

/// Every node of a document, to run the readers on each.
fn nodes(v: &Value) -> Vec<&Value> {
    let mut out = vec![v];
    let mut i = 0;
    while i < out.len() {
        let n = out[i];
        match n {
            Value::Array(a) => out.extend(a.iter()),
            Value::Object(o) => out.extend(o.values()),
            _ => {}
        }
        i += 1;
    }
    out
}

/// The `ap` readers on one value: they answer for anything, and what they give comes from it.
fn read_everything(v: &Value) -> Result<(), TestCaseError> {
    if let Some(id) = ap::id_of(v) {
        prop_assert!(v == id || v["id"] == id);
    }
    let ids = ap::ids(v);
    prop_assert!(ids.len() <= v.as_array().map_or(1, Vec::len));
    let each = ap::each(v);
    prop_assert!(each.len() <= v.as_array().map_or(1, Vec::len));
    let t = ap::type_of(v);
    if !t.is_empty() {
        prop_assert!(ap::is_type(v, t));
    }
    if let Some(h) = ap::href(v) {
        prop_assert!(h.len() <= v.to_string().len());
    }
    for key in ["id", "type", "name", "inbox", "href", "url", ""] {
        if let Some(s) = ap::str_of(v, key) {
            prop_assert!(!s.trim().is_empty());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(300))]

    /// Every reader of `ap` on every node of every mutated fixture.
    #[test]
    fn ap_readers_on_mutated_documents(
        seed in 0..1_000usize,
        edits in mutate::ops(),
    ) {
        let (_, doc) = &fixtures()[seed % fixtures().len()];
        if let Some(doc) = read(&mutate::apply(doc, &edits)) {
            for n in nodes(&doc) {
                read_everything(n)?;
            }
            let _ = ap::webfinger_actor(&doc);
        }
    }

    /// An actor read from an origin keeps to that origin: its id, inbox, shared inbox and key
    /// are of it, its name has no `/`, `@` or space, its pictures are at most four http(s)
    /// links; and nothing in it is larger than the document.
    #[test]
    fn actors_keep_to_their_origin(
        seed in 0..1_000usize,
        edits in mutate::ops(),
        other_origin in any::<bool>(),
    ) {
        let actor = &actors()[seed % actors().len()];
        let Some(doc) = read(&mutate::apply(actor, &edits)) else { return Ok(()) };
        let origin = if other_origin {
            "https://evil.example".to_string()
        } else {
            let id = actor["id"].as_str().unwrap();
            let u = url::Url::parse(id).unwrap();
            u.origin().ascii_serialization()
        };
        let size = serde_json::to_string(&doc).unwrap().len();
        match ap::parse_actor(&doc, &origin) {
            Ok(a) => {
                prop_assert!(ap::same_origin(&a.id, &origin), "{} from {origin}", a.id);
                prop_assert!(ap::same_origin(&a.inbox, &a.id));
                if let Some(s) = &a.shared_inbox {
                    prop_assert!(ap::same_origin(s, &a.id));
                }
                if let Some(k) = &a.key_id {
                    prop_assert!(ap::same_origin(k, &a.id));
                }
                prop_assert!(["Person", "Group", "Application", "Service", "Organization"]
                    .contains(&a.kind.as_str()));
                let n = &a.preferred_username;
                prop_assert!(!n.is_empty() && n.len() <= 200 && !n.contains(['/', '@', ' ']), "{n:?}");
                for i in a.icons.iter().chain(&a.images) {
                    prop_assert!(i.url.starts_with("https://") || i.url.starts_with("http://"));
                }
                prop_assert!(a.icons.len() <= 4 && a.images.len() <= 4);
                let kept = a.id.len() + a.inbox.len() + a.name.as_ref().map_or(0, String::len)
                    + a.summary.as_ref().map_or(0, String::len)
                    + a.public_key_pem.as_ref().map_or(0, String::len)
                    + a.attributed_to.iter().map(String::len).sum::<usize>();
                prop_assert!(kept <= 2 * size);
            }
            Err(ApError::Missing(_) | ApError::Invalid(_)) => {}
            Err(ApError::Origin { id, origin: o }) => {
                prop_assert!(!ap::same_origin(&id, &o));
            }
        }
    }

    /// WebFinger answers: the actor is the `href` of a `self` link of an ActivityStreams type.
    #[test]
    fn webfinger_answers(edits in mutate::ops()) {
        let jrd = fixtures().iter().find(|(p, _)| p.ends_with("webfinger-account.json")).unwrap();
        let Some(doc) = read(&mutate::apply(&jrd.1, &edits)) else { return Ok(()) };
        if let Some(href) = ap::webfinger_actor(&doc) {
            let links = doc["links"].as_array().unwrap();
            prop_assert!(links.iter().any(|l| l["href"] == href && l["rel"] == "self"));
        }
    }

    /// Handles: `name@host`, `@name@host`, `acct:name@host`; what is read is in the handle.
    #[test]
    fn handles(h in prop_oneof![
        mutate::hostile_string(),
        "(acct:)?@?[a-z@/. _-]{0,12}@[a-z0-9.:/@\\[\\]-]{0,16}",
    ]) {
        if let Some((name, host)) = ap::split_handle(&h) {
            prop_assert!(!name.is_empty() && !host.is_empty());
            prop_assert!(!name.contains(['/', '@']) && !host.contains('/'));
            let whole = format!("{name}@{host}");
            prop_assert!(h.contains(&whole));
        }
    }

    /// Any `Signature` header: read or refused, never a panic; what is read was in it.
    #[test]
    fn signature_headers(value in signature_header()) {
        if let Ok(p) = parse_signature_header(&value) {
            prop_assert!(value.contains(&p.key_id));
            prop_assert!(p.headers.iter().all(|h| *h == h.to_ascii_lowercase() && !h.is_empty()));
            prop_assert!(p.signature.len() <= value.len());
            let _ = key_owner(&p.key_id);
        }
        prop_assert!(!key_owner(&value).contains('#'));
    }

    /// The key-less checks with hostile headers (a fake header function): a request passes
    /// only if its signature covers `(request-target)`, `host`, `date` and, for a POST,
    /// `digest`, whose value matches the body, and its date is within the allowed skew.
    #[test]
    fn request_checks_with_hostile_headers(
        value in signature_header(),
        method in prop::sample::select(vec!["POST", "GET", "post", "PoSt", "HEAD", "", "DELETE"]),
        headers in prop::collection::vec((header_name(), header_value()), 0..8),
        body in prop_oneof![Just(b"{}".to_vec()), prop::collection::vec(any::<u8>(), 0..64)],
        good_digest in any::<bool>(),
        good_date in any::<bool>(),
    ) {
        let Ok(params) = parse_signature_header(&value) else { return Ok(()) };
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let mut map: HashMap<String, String> = headers.into_iter().collect();
        if good_digest {
            map.insert("digest".into(), digest(&body));
        }
        if good_date {
            map.insert("date".into(), ruche_federation::http_date(now));
        }
        let header = |n: &str| map.get(n).cloned();
        let skew = Duration::from_secs(300);
        match check_request(&params, method, &header, &body, now, skew) {
            Ok(()) => {
                for needed in ["(request-target)", "host", "date"] {
                    prop_assert!(params.headers.iter().any(|h| h == needed));
                }
                prop_assert!(params.algorithm.as_deref().is_none_or(|a| a == "rsa-sha256" || a == "hs2019"));
                if method.eq_ignore_ascii_case("POST") {
                    prop_assert!(params.headers.iter().any(|h| h == "digest"));
                    prop_assert!(digest_matches(&map["digest"], &body));
                }
                let at = httpdate::parse_http_date(&map["date"]).unwrap();
                let off = now.duration_since(at).unwrap_or_else(|e| e.duration());
                prop_assert!(off <= skew);
            }
            Err(SigError::Skew(s)) => prop_assert!(s >= 300),
            Err(_) => {}
        }
    }

    /// `Digest` headers: ours always matches, and any other value matches only if it names the
    /// body's SHA-256.
    #[test]
    fn digests(body in prop::collection::vec(any::<u8>(), 0..256), header in header_value()) {
        prop_assert!(digest_matches(&digest(&body), &body));
        let listed = format!("SHA-512=x, {}", digest(&body));
        prop_assert!(digest_matches(&listed, &body));
        if digest_matches(&header, &body) {
            let want = digest(&body);
            let b64 = want.trim_start_matches("SHA-256=");
            prop_assert!(header.contains(b64), "{header:?}");
        }
    }
}

/// `Signature` header values: well formed with hostile parts, and anything.
fn signature_header() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        "[ -~]{0,20}",
        Just("(request-target) host date digest".to_string()),
        Just("(Request-Target) HOST Date".to_string()),
        Just("date".to_string()),
        Just(String::new()),
        Just("rsa-sha256".to_string()),
        Just("hs2019".to_string()),
        Just("https://a.example/accounts/ana#main-key".to_string()),
        Just("acct:ana@a.example".to_string()),
        Just("AAAA".to_string()),
        Just("====".to_string()),
        Just("a".repeat(10_000)),
    ];
    let name = prop::sample::select(vec![
        "keyId",
        "algorithm",
        "headers",
        "signature",
        "KeyId",
        "",
        " keyId",
        "created",
    ]);
    prop_oneof![
        3 => prop::collection::vec((name, part, prop::sample::select(vec![",", ", ", "", " ,", ",,"])), 0..6)
            .prop_map(|v| v.into_iter().map(|(n, p, sep)| format!("{n}=\"{p}\"{sep}")).collect::<String>()),
        1 => mutate::hostile_string(),
        1 => any::<String>(),
        1 => Just("keyId=\"k\",signature=\"\u{e9}\"".to_string()),
        1 => Just("keyId=\"k\",signature=\"AAAA\",keyId=".to_string()),
        1 => Just("keyId=\"é\"=,signature=\"AAAA\"".to_string()),
    ]
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "host",
            "date",
            "digest",
            "content-type",
            "(request-target)",
            "Host",
            "DATE"
        ])
        .prop_map(str::to_string),
        "[a-z-]{0,10}",
    ]
}

fn header_value() -> impl Strategy<Value = String> {
    prop_oneof![
        mutate::hostile_string(),
        Just("Sun, 06 Nov 1994 08:49:37 GMT".to_string()),
        Just("Mon, 15 Jan 2027 08:00:00 GMT".to_string()),
        Just("Thu, 01 Jan 1970 00:00:00 GMT".to_string()),
        Just("Fri, 31 Dec 9999 23:59:59 GMT".to_string()),
        Just("Sunday, 06-Nov-94 08:49:37 GMT".to_string()),
        Just("Sun Nov  6 08:49:37 1994".to_string()),
        Just("SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".to_string()),
        Just("sha-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=,SHA-256=x".to_string()),
        Just("SHA-256=".to_string()),
        Just("=".to_string()),
        "[ -~]{0,40}",
    ]
}

proptest! {
    #![proptest_config(config(64))]

    /// A signed request changed in any way (path, method, a header, the body) no longer
    /// verifies; unchanged, it does.
    #[test]
    fn tampered_requests_do_not_verify(
        change in 0..6usize,
        junk in mutate::hostile_string(),
        body in "\\PC{0,64}",
    ) {
        let (private, public) = keys();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let mut h: HashMap<String, String> = HashMap::new();
        h.insert("host".into(), "b.example".into());
        h.insert("date".into(), ruche_federation::http_date(now));
        h.insert("digest".into(), digest(body.as_bytes()));
        let value = {
            let get = |n: &str| h.get(n).cloned();
            sign("POST", "/inbox", &get, KEY_ID, private).unwrap()
        };
        let params = parse_signature_header(&value).unwrap();
        let (mut path, mut method, mut body2) = ("/inbox".to_string(), "POST", body.clone().into_bytes());
        match change {
            0 => {}
            1 => path = format!("/inbox{junk}x"),
            2 => method = "PUT",
            3 => { h.insert("host".into(), format!("b.example{junk}x")); }
            4 => body2.extend_from_slice(format!("{junk} ").as_bytes()),
            _ => { h.insert("digest".into(), digest(format!("{body}{junk}x").as_bytes())); }
        }
        let get = |n: &str| h.get(n).cloned();
        let got = verify(&params, method, &path, &get, &body2, public, now, Duration::from_secs(300));
        prop_assert_eq!(got.is_ok(), change == 0, "{:?}", got);
    }
}

proptest! {
    #![proptest_config(config(48))]

    /// Hostile JSON-LD: `creator` and `prepare` answer without panicking and without fetching
    /// (the crate has no HTTP client; an unknown context is refused by name), and a signature
    /// still checks only while the activity is unchanged.
    #[test]
    fn ld_signatures_on_mutated_documents(seed in 0..1_000usize, edits in mutate::ops()) {
        let original = &signed()[seed % signed().len()];
        let bytes = mutate::apply(original, &edits);
        let Some(doc) = read(&bytes) else { return Ok(()) };
        if let Some(c) = ld::creator(&doc) {
            prop_assert!(c.len() <= bytes.len());
        }
        match ld::prepare(&doc) {
            Ok(prepared) => {
                // Our own signature: still valid only if nothing that it covers changed.
                let ours = seed % signed().len() == signed().len() - 1;
                if ours && prepared.check(&keys().1).is_ok() {
                    let mut a = doc.clone();
                    let mut b = original.clone();
                    a.as_object_mut().unwrap().remove("signature");
                    b.as_object_mut().unwrap().remove("signature");
                    // Equal as RDF: the JSON may differ only where JSON-LD does not look.
                    prop_assert_eq!(ld::canonical_nquads(&a), ld::canonical_nquads(&b));
                }
            }
            Err(LdError::UnknownContext(c)) => prop_assert!(!c.is_empty()),
            Err(_) => {}
        }
    }

    /// Remote contexts are refused without a fetch, whatever their form (string, in a list,
    /// scoped in a term definition, through `@import`).
    #[test]
    fn remote_contexts_are_refused(form in 0..5usize, url in prop_oneof![
        Just("https://evil.example/context.jsonld".to_string()),
        Just("http://127.0.0.1:1/ctx".to_string()),
        Just("https://www.w3.org/ns/activitystreams#x".to_string()),
        Just("https://w3id.org/security/v2".to_string()),
        "https://[a-z]{1,8}\\.example/[a-z]{0,8}",
    ]) {
        let context = match form {
            0 => json!(url),
            1 => json!(["https://www.w3.org/ns/activitystreams", url]),
            2 => json!(["https://www.w3.org/ns/activitystreams", {"x": {"@id": "as:x", "@context": url}}]),
            3 => json!(["https://www.w3.org/ns/activitystreams", {"@import": url}]),
            _ => json!([{"@context": url}]),
        };
        let mut doc = signed().last().unwrap().clone();
        doc["@context"] = context;
        let got = ld::prepare(&doc).err();
        prop_assert!(got.is_some(), "a remote context was accepted");
    }
}

/// Nesting at and past the limits: serde_json refuses past 128, `ld` past 64; at the limits,
/// every reader works on the test thread's ordinary stack.
#[test]
fn deep_nesting_is_bounded() {
    for n in [129, 10_000, 1_000_000] {
        let text = format!("{}{}", "[".repeat(n), "]".repeat(n));
        let e = serde_json::from_str::<Value>(&text).unwrap_err();
        assert!(e.to_string().contains("recursion limit"), "{e}");
        let text = format!("{}\"x\"{}", "{\"href\":".repeat(n), "}".repeat(n));
        assert!(serde_json::from_str::<Value>(&text).is_err());
    }
    // 127 levels of links inside an activity: the deepest the inbox can read.
    let links = format!(
        "{}\"https://a.example/x\"{}",
        "{\"href\":".repeat(126),
        "}".repeat(126)
    );
    let text = format!(
        r#"{{"type":"Create","id":"https://a.example/1","actor":"https://a.example/a","object":{links}}}"#
    );
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(ap::href(&doc["object"]), Some("https://a.example/x"));
    for n in nodes(&doc) {
        read_everything(n).unwrap();
    }
    assert!(ap::parse_actor(&doc, "https://a.example").is_err());
    let mut signed_doc = doc.clone();
    signed_doc["@context"] = json!("https://www.w3.org/ns/activitystreams");
    signed_doc["signature"] = json!({"type": "RsaSignature2017", "creator": KEY_ID, "created": "2026-01-01T00:00:00Z", "signatureValue": "AAAA"});
    assert!(
        matches!(ld::prepare(&signed_doc), Err(LdError::Unsupported(_))),
        "past ld's 64 levels"
    );
    // Just under ld's bound: expanded, canonicalised, refused or not, on a 2 MiB stack.
    let nested = format!(
        "{}\"https://a.example/x\"{}",
        "{\"type\":\"Note\",\"inReplyTo\":".repeat(30),
        "}".repeat(30)
    );
    let mut doc = signed_doc.clone();
    doc["object"] = serde_json::from_str(&nested).unwrap();
    let _ = ld::prepare(&doc);
    let deep_list = format!("{}{}", "[".repeat(60), "]".repeat(60));
    doc["object"] = serde_json::from_str(&deep_list).unwrap();
    let _ = ld::prepare(&doc);
}

use ruche_mutate as mutate;

/// Every depth up to ld's bound, of lists, tags and replies, is expanded (or refused) without
/// crashing: 30 levels of `inReplyTo` overflowed the 2 MiB stack of the thread that verified it,
/// which aborts the whole server.
#[test]
fn every_depth_up_to_the_bound_is_survived() {
    for kind in ["list", "tag", "reply"] {
        for n in 1..70 {
            let unit = match kind {
                "list" => "[",
                "tag" => "{\"type\":\"Note\",\"tag\":",
                _ => "{\"type\":\"Note\",\"inReplyTo\":",
            };
            let close = if kind == "list" { "]" } else { "}" };
            let leaf = if kind == "list" {
                ""
            } else {
                "\"https://a.example/x\""
            };
            let nested = format!("{}{leaf}{}", unit.repeat(n), close.repeat(n));
            let mut doc = a_create();
            doc["object"] = serde_json::from_str(&nested).unwrap();
            doc["signature"] = json!({"type": "RsaSignature2017", "creator": KEY_ID, "created": "2026-01-01T00:00:00Z", "signatureValue": "AAAA"});
            // Canonicalised within the bound, refused past it; answered either way.
            let r = ld::prepare(&doc);
            if n > 66 {
                assert!(matches!(r, Err(LdError::Unsupported(_))), "{kind} {n}");
            }
        }
    }
}

/// Found by `ld_signatures_on_mutated_documents`: a context list holding an empty string was
/// refused as an unknown context with an empty name; it is a malformed document, said so.
#[test]
fn regression_an_empty_context_is_malformed() {
    let mut doc = signed().last().unwrap().clone();
    doc["@context"] = json!([""]);
    assert!(matches!(ld::prepare(&doc), Err(LdError::Malformed(_))));
}

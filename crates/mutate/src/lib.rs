//! Mutations of real JSON documents, as a hostile sender would make them: the engine of the
//! property tests (`tests/fuzz.rs`) of the crates that read documents from outside (Pages
//! documents, ActivityPub, the service layer's readers). A development dependency only.

use proptest::prelude::*;
use serde_json::{Map, Value};

/// The property tests' configuration: `default_cases` cases unless `RUCHE_FUZZ_CASES` says
/// otherwise, and no `proptest-regressions/` files in the tree (a failure prints its minimal
/// input, which becomes a named regression test).
pub fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("RUCHE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    }
}

/// Where raw JSON text (that a `Value` cannot hold) replaces a node: a string starting with
/// this marker, swapped for the text after serialisation.
const RAW: &str = "\u{1}raw\u{1}";
/// A key written twice: the marker key is renamed to the key it duplicates.
const DUP: &str = "\u{1}dup\u{1}";

/// One edit of a document. Node numbers pick a node of the document as it is when the edit
/// is made (modulo the number of nodes), so every edit applies to any document.
#[derive(Debug, Clone)]
pub enum Op {
    /// Remove the node (a key of its object, an item of its array).
    Delete(usize),
    /// Put a value of another kind (or a hostile one of the same kind) in its place.
    Replace(usize, Value),
    /// Put raw JSON text in its place (deep nesting, numbers no `Value` holds, escapes).
    Raw(usize, usize),
    /// Write one of the object's keys a second time, with another value.
    Duplicate(usize, usize, Value),
    /// Change a string: cut it, repeat it, move its URL to another host…
    Edit(usize, StrEdit),
    /// Give an object another `type` (or a list of them).
    Retype(usize, Value),
    /// Wrap the node in an array, or in an object as its `id`.
    Wrap(usize, bool),
    /// Put a copy of another node of the document in its place.
    Copy(usize, usize),
}

#[derive(Debug, Clone)]
pub enum StrEdit {
    Truncate(usize),
    Repeat(usize),
    Append(String),
    Prepend(String),
    OtherHost(String),
    Upper,
}

/// An edit of the serialised bytes, after the structural ones.
#[derive(Debug, Clone)]
pub enum ByteOp {
    None,
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Flip(usize, u8),
    Bom,
}

/// Raw JSON texts: the nesting that serde_json's recursion limit (128) must refuse, the
/// nesting just under it, numbers beyond f64 and i64/u64, escapes of lone surrogates, and
/// JSON that is not JSON.
pub fn raw_texts() -> &'static [String] {
    static RAWS: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(make_raws);
    &RAWS
}

fn make_raws() -> Vec<String> {
    let deep_arrays = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let deep_objects = |n: usize| format!("{}1{}", "{\"id\":".repeat(n), "}".repeat(n));
    let deep_mixed = |n: usize| {
        format!(
            "{}\"https://evil.example/x\"{}",
            "[{\"href\":".repeat(n),
            "}]".repeat(n)
        )
    };
    vec![
        deep_arrays(100),
        deep_arrays(127),
        deep_arrays(129),
        deep_arrays(5_000),
        deep_arrays(200_000),
        deep_objects(60),
        deep_objects(126),
        deep_objects(3_000),
        deep_mixed(60),
        deep_mixed(64),
        deep_mixed(1_000),
        "1e999".into(),
        "-1e999".into(),
        "1e-999".into(),
        "4.9e-324".into(),
        "1.7976931348623157e308".into(),
        "123456789012345678901234567890".into(),
        "18446744073709551616".into(),
        "-9223372036854775809".into(),
        "-0".into(),
        "-0.0".into(),
        "0.30000000000000004".into(),
        "1E+2".into(),
        format!("1{}", "0".repeat(5_000)),
        format!("0.{}1", "0".repeat(5_000)),
        "\"\\ud800\"".into(),
        "\"\\udc00\\ud800\"".into(),
        "\"\\ud83d\\ude00\"".into(),
        "\"\\u0000\"".into(),
        "\"\\uffff\\ufffe\"".into(),
        "\"a\\/b\\\\c\\\"d\"".into(),
        "{\"a\":1,\"a\":2}".into(),
        "{\"id\":\"https://a.example/1\",\"id\":\"https://evil.example/1\"}".into(),
        "NaN".into(),
        "Infinity".into(),
        "undefined".into(),
        "'single'".into(),
        "[1,,2]".into(),
        "[1,2,]".into(),
        "{\"a\":1,}".into(),
        "\"unterminated".into(),
        "".into(),
        "01".into(),
        "+1".into(),
        ".5".into(),
    ]
}

/// Strings a stranger sends: very long, unicode edge cases, markup, other hosts, schemes.
pub fn hostile_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,30}",
        Just(String::new()),
        Just(" \t\r\n ".into()),
        Just("a".repeat(100_000)),
        Just("é".repeat(30_000)),
        Just("💩".repeat(5_000)),
        Just("<".repeat(5_001)),
        Just("&".repeat(4_001)),
        Just("<b>".repeat(1_000)),
        Just("<ul><li>".repeat(200)),
        Just("\u{202e}gnp.exe\u{202c}".into()),
        Just("\u{200b}\u{200d}\u{feff}".into()),
        Just("e\u{301}\u{301}\u{301}\u{301}".into()),
        Just("\u{0}\u{7f}\u{85}\u{2028}\u{2029}".into()),
        Just("\u{10ffff}\u{fffd}".into()),
        Just("ǅǈ ß ﬃ İ ı".into()),
        Just("<script>alert(1)</script>".into()),
        Just("<img src=x onerror=alert(1)>".into()),
        Just("<a href=\"javascript:alert(1)\">x</a>".into()),
        Just("javascript:alert(1)".into()),
        Just(" JaVaScRiPt:alert(1)".into()),
        Just("data:text/html,<script>alert(1)</script>".into()),
        Just("https://evil.example/x".into()),
        Just("http://evil.example:80/x".into()),
        Just("https://evil.example:443@a.example/x".into()),
        Just("https://a.example.evil.example/x".into()),
        Just("https://[::1]:8080/x".into()),
        Just("http://127.0.0.1/x".into()),
        Just("https://xn--80ak6aa92e.com/".into()),
        Just("https://аpple.com/".into()),
        Just("//evil.example/x".into()),
        Just("https:evil.example".into()),
        Just("acct:mallory@evil.example".into()),
        Just("@@@".into()),
        Just("PT99999999999999999999999999999999999999S".into()),
        Just("PT-1S".into()),
        Just("9999-12-31T23:59:59.999Z".into()),
        Just("+275760-09-13T00:00:00Z".into()),
        Just("2020-02-30T25:61:61Z".into()),
        Just("00000000-0000-0000-0000-000000000000".into()),
        Just("bytes 0-18446744073709551615/1".into()),
    ]
}

/// Values of every JSON kind, with their extremes.
pub fn hostile_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        Just(Value::from(i64::MIN)),
        Just(Value::from(u64::MAX)),
        Just(Value::from(-1)),
        Just(Value::from(0)),
        any::<f64>().prop_map(Value::from),
        Just(Value::from(f64::MAX)),
        Just(Value::from(f64::MIN_POSITIVE)),
        Just(Value::from(-0.0)),
        Just(Value::from(0.5)),
        hostile_string().prop_map(Value::from),
        Just(Value::Array(Vec::new())),
        Just(Value::Object(Map::new())),
        Just(Value::Array(vec![Value::from(0); 10_000])),
        Just(Value::Object(
            (0..2_000)
                .map(|i| (format!("k{i}"), Value::from(i)))
                .collect()
        )),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-zA-Z@:]{1,8}", inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// `type` values: ActivityStreams' and PeerTube's, and wrong ones.
fn hostile_type() -> impl Strategy<Value = Value> {
    let names = [
        "Video",
        "Note",
        "Person",
        "Group",
        "Application",
        "Service",
        "Organization",
        "Create",
        "Update",
        "Delete",
        "Announce",
        "Undo",
        "Follow",
        "Accept",
        "Reject",
        "Like",
        "Dislike",
        "Flag",
        "View",
        "Tombstone",
        "Image",
        "Link",
        "Hashtag",
        "Document",
        "Page",
        "Collection",
        "OrderedCollection",
        "CacheFile",
        "Playlist",
        "banner",
        "text",
        "map",
        "contact",
        "video",
        "footer",
        "marquee",
        "",
        "video ",
    ];
    prop_oneof![
        prop::sample::select(names.to_vec()).prop_map(Value::from),
        prop::collection::vec(prop::sample::select(names.to_vec()), 0..3)
            .prop_map(|v| Value::Array(v.into_iter().map(Value::from).collect())),
        hostile_value(),
    ]
}

fn str_edit() -> impl Strategy<Value = StrEdit> {
    prop_oneof![
        any::<usize>().prop_map(StrEdit::Truncate),
        (2usize..2_000).prop_map(StrEdit::Repeat),
        hostile_string().prop_map(StrEdit::Append),
        hostile_string().prop_map(StrEdit::Prepend),
        prop::sample::select(vec![
            "evil.example",
            "EVIL.example",
            "evil.example:8443",
            "a.example@evil.example",
            "[::1]",
            "127.0.0.1",
            "localhost",
            "xn--nxasmq6b.example",
            "évil.example",
            "",
        ])
        .prop_map(|h| StrEdit::OtherHost(h.to_string())),
        Just(StrEdit::Upper),
    ]
}

pub fn op() -> impl Strategy<Value = Op> {
    let n = any::<usize>;
    prop_oneof![
        2 => n().prop_map(Op::Delete),
        3 => (n(), hostile_value()).prop_map(|(i, v)| Op::Replace(i, v)),
        2 => (n(), n()).prop_map(|(i, r)| Op::Raw(i, r)),
        1 => (n(), n(), hostile_value()).prop_map(|(i, k, v)| Op::Duplicate(i, k, v)),
        3 => (n(), str_edit()).prop_map(|(i, e)| Op::Edit(i, e)),
        1 => (n(), hostile_type()).prop_map(|(i, t)| Op::Retype(i, t)),
        1 => (n(), any::<bool>()).prop_map(|(i, a)| Op::Wrap(i, a)),
        1 => (n(), n()).prop_map(|(i, j)| Op::Copy(i, j)),
    ]
}

pub fn byte_op() -> impl Strategy<Value = ByteOp> {
    prop_oneof![
        6 => Just(ByteOp::None),
        1 => any::<usize>().prop_map(ByteOp::Truncate),
        1 => (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| ByteOp::Insert(i, b)),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| ByteOp::Flip(i, b)),
        1 => Just(ByteOp::Bom),
    ]
}

/// Edits to make to one document.
pub fn ops() -> impl Strategy<Value = (Vec<Op>, ByteOp)> {
    (prop::collection::vec(op(), 1..5), byte_op())
}

#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

fn paths(v: &Value, here: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    out.push(here.clone());
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                here.push(Step::Key(k.clone()));
                paths(child, here, out);
                here.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                here.push(Step::Index(i));
                paths(child, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn at<'a>(v: &'a mut Value, path: &[Step]) -> &'a mut Value {
    path.iter().fold(v, |v, s| match s {
        Step::Key(k) => &mut v[k.as_str()],
        Step::Index(i) => &mut v[*i],
    })
}

fn pick(doc: &Value, n: usize) -> Vec<Step> {
    let mut all = Vec::new();
    paths(doc, &mut Vec::new(), &mut all);
    all.swap_remove(n % all.len())
}

fn node(doc: &mut Value, n: usize) -> &mut Value {
    let path = pick(doc, n);
    at(doc, &path)
}

fn other_host(s: &str, host: &str) -> String {
    match s.split_once("://") {
        Some((scheme, rest)) => {
            let path = rest.find('/').map_or("", |i| &rest[i..]);
            format!("{scheme}://{host}{path}")
        }
        None => format!("https://{host}/{s}"),
    }
}

/// The document with the edits made, serialised (raw texts and duplicated keys written in).
pub fn apply(doc: &Value, (ops, bytes): &(Vec<Op>, ByteOp)) -> Vec<u8> {
    let raws = raw_texts();
    let mut doc = doc.clone();
    let mut dups: Vec<String> = Vec::new();
    for op in ops {
        match op {
            Op::Delete(n) => {
                let mut path = pick(&doc, *n);
                let Some(last) = path.pop() else { continue };
                match (at(&mut doc, &path), last) {
                    (Value::Object(m), Step::Key(k)) => {
                        m.remove(&k);
                    }
                    (Value::Array(a), Step::Index(i)) => {
                        a.remove(i);
                    }
                    _ => {}
                }
            }
            Op::Replace(n, v) => *node(&mut doc, *n) = v.clone(),
            Op::Raw(n, r) => *node(&mut doc, *n) = Value::from(format!("{RAW}{}", r % raws.len())),
            Op::Duplicate(n, k, v) => {
                if let Value::Object(m) = node(&mut doc, *n)
                    && !m.is_empty()
                {
                    let key = m.keys().nth(k % m.len()).cloned().unwrap_or_default();
                    m.insert(format!("{DUP}{}", dups.len()), v.clone());
                    dups.push(key);
                }
            }
            Op::Edit(n, e) => {
                if let Value::String(s) = node(&mut doc, *n) {
                    *s = match e {
                        StrEdit::Truncate(i) => {
                            s.chars().take(i % (s.chars().count() + 1)).collect()
                        }
                        StrEdit::Repeat(k) => s.repeat((*k).min(200_000 / (s.len() + 1) + 1)),
                        StrEdit::Append(t) => format!("{s}{t}"),
                        StrEdit::Prepend(t) => format!("{t}{s}"),
                        StrEdit::OtherHost(h) => other_host(s, h),
                        StrEdit::Upper => s.to_uppercase(),
                    }
                }
            }
            Op::Retype(n, t) => {
                if let Value::Object(m) = node(&mut doc, *n) {
                    m.insert("type".into(), t.clone());
                }
            }
            Op::Wrap(n, array) => {
                let node = node(&mut doc, *n);
                let inner = node.take();
                *node = if *array {
                    Value::Array(vec![inner])
                } else {
                    Value::Object(std::iter::once(("id".to_string(), inner)).collect())
                };
            }
            Op::Copy(n, m) => {
                let from = node(&mut doc, *m).clone();
                *node(&mut doc, *n) = from;
            }
        }
    }
    let mut text = serde_json::to_string(&doc).expect("a Value serialises");
    if text.contains("\\u0001") {
        for (i, raw) in raws.iter().enumerate().rev() {
            text = text.replace(&format!("\"\\u0001raw\\u0001{i}\""), raw);
        }
        for (i, key) in dups.iter().enumerate().rev() {
            text = text.replace(
                &format!("\"\\u0001dup\\u0001{i}\""),
                &serde_json::to_string(key).expect("a string serialises"),
            );
        }
    }
    let mut out = text.into_bytes();
    match bytes {
        ByteOp::None => {}
        ByteOp::Truncate(i) => out.truncate(i % (out.len() + 1)),
        ByteOp::Insert(i, b) => {
            let i = i % (out.len() + 1);
            out.splice(i..i, b.iter().copied());
        }
        ByteOp::Flip(i, b) => {
            if !out.is_empty() {
                let i = i % out.len();
                out[i] ^= b | 1;
            }
        }
        ByteOp::Bom => out.splice(0..0, [0xef, 0xbb, 0xbf]).for_each(drop),
    }
    out
}

//! Hostile input for the domain's parsers: video references (numeric ids, UUIDs, short UUIDs),
//! `host_of`, names, and the `RUCHE_*` settings. Each must answer (`Some`/`None`, `Ok`/`Err`)
//! without panicking, and what it accepts must be what it claims.
//!
//! Property-based (proptest) and bounded: each property runs `CASES` cases by default (the
//! whole file takes well under a second in a debug build); set `RUCHE_FUZZ_CASES=<n>` for a
//! longer run, e.g. `RUCHE_FUZZ_CASES=100000 cargo test -p ruche-domain --test fuzz`.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use ruche_domain::ShortUuid;
use ruche_domain::host::host_of;
use ruche_domain::ids::VideoRef;
use ruche_domain::settings::Settings;
use ruche_domain::user::{check_channel_name, check_username};
use uuid::Uuid;

const CASES: u32 = 2000;

fn config() -> ProptestConfig {
    let cases = std::env::var("RUCHE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CASES);
    ProptestConfig {
        cases,
        // No `proptest-regressions/` files in the tree: a failure prints its minimal input,
        // which becomes a named regression test.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Text a stranger may send: anything, with a bias to the characters parsers split on.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[-0-9a-fA-F+ ]{0,40}",
        "[1-9a-km-zA-HJ-NP-Z0OIl]{20,24}",
        "[a-zA-Z0-9:/@.\\[\\]%#?_~ -]{0,80}",
        "\\PC{0,40}",
        Just(String::new()),
        Just("\u{feff}12".to_string()),
        Just("٣".to_string()),
        Just("-9223372036854775808".to_string()),
        Just("9223372036854775808".to_string()),
    ]
}

proptest! {
    #![proptest_config(config())]

    /// Whatever the text, `VideoRef::parse` answers, and what it reads is one of its three forms.
    #[test]
    fn video_ref_reads_only_its_forms(s in hostile_text()) {
        match VideoRef::parse(&s) {
            None => {}
            Some(VideoRef::Id(n)) => prop_assert_eq!(s.parse::<i64>().ok(), Some(n)),
            Some(VideoRef::Uuid(u)) => {
                let as_uuid = Uuid::parse_str(&s).ok() == Some(u);
                let as_short = ShortUuid::parse(&s) == Some(ShortUuid(u));
                prop_assert!(as_uuid || as_short, "{s:?} read as {u}");
            }
        }
    }

    /// A short UUID that parses is 22 symbols that print back the same (one spelling per UUID).
    #[test]
    fn short_uuid_round_trips(s in hostile_text()) {
        if let Some(u) = ShortUuid::parse(&s) {
            prop_assert_eq!(s.len(), 22);
            prop_assert_eq!(u.to_string(), s);
        }
    }

    /// Every UUID has one short form, which reads back as that UUID.
    #[test]
    fn every_uuid_has_a_short_form(n in any::<u128>()) {
        let u = ShortUuid(Uuid::from_u128(n));
        let s = u.to_string();
        prop_assert_eq!(s.len(), 22);
        prop_assert_eq!(ShortUuid::parse(&s), Some(u));
        prop_assert_eq!(VideoRef::parse(&s), Some(VideoRef::Uuid(u.0)));
    }

    /// `host_of` answers for anything; what it answers is a lowercase `host[:port]` with no
    /// user info, path or default port, and it is stable (the host of its own URL is itself).
    #[test]
    fn host_of_is_one_spelling(s in prop_oneof![
        hostile_text(),
        ("(https?|ftp|javascript|data)", "[a-zA-Z0-9.:@\\[\\]%_-]{0,40}", "[/?#a-z0-9]{0,10}")
            .prop_map(|(scheme, auth, rest)| format!("{scheme}://{auth}{rest}")),
    ]) {
        if let Some(h) = host_of(&s) {
            prop_assert!(!h.is_empty());
            prop_assert!(!h.contains(['/', '@', '?', '#']), "{s:?} → {h:?}");
            prop_assert_eq!(h.to_ascii_lowercase(), h.clone());
            prop_assert!(h.len() <= 4 * s.len() + 16, "{s:?} → {h:?}");
            let scheme = url::Url::parse(&s).unwrap().scheme().to_string();
            let default_port = if scheme == "https" { ":443" } else { ":80" };
            prop_assert!(!h.ends_with(default_port), "{s:?} → {h:?}");
            prop_assert_eq!(host_of(&format!("{scheme}://{h}/")), Some(h));
        }
    }

    /// The name rules accept only what they say (PeerTube's regular expressions).
    #[test]
    fn names_follow_their_rules(s in hostile_text()) {
        if check_username(&s).is_ok() {
            prop_assert!((1..=50).contains(&s.len()));
            prop_assert!(s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_'));
        }
        if check_channel_name(&s).is_ok() {
            prop_assert!((1..=50).contains(&s.len()));
            prop_assert!(s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b)));
        }
    }

    /// Any `RUCHE_*` variable with any value: read or refused with its name, never a panic.
    #[test]
    fn settings_from_hostile_environment(
        vars in prop::collection::vec((0..env_names().len(), hostile_text()), 0..8)
    ) {
        let names = env_names();
        let vars: Vec<(String, String)> =
            vars.into_iter().map(|(i, v)| (names[i].clone(), v)).collect();
        let mut s = Settings::default();
        match s.apply_env(vars.clone()) {
            Ok(()) => {
                // (An empty `RUCHE_LISTEN` gives the public URL `http://`: the operator's own
                // mistake, refused when the server binds, so not checked here.)
                let _ = (s.host(), s.database_url(), s.storage_dir(), s.tmp_dir());
            }
            Err(e) => prop_assert!(vars.iter().any(|(k, _)| *k == e.var), "{e}"),
        }
    }
}

/// Every variable name `Settings::apply_env` knows, read from its source so that a new one is
/// fuzzed without touching this file (plus one it ignores).
fn env_names() -> &'static Vec<String> {
    static NAMES: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
        let src = include_str!("../src/settings.rs");
        let mut names: Vec<String> = src
            .split('"')
            .filter(|s| {
                s.starts_with("RUCHE_")
                    && s.len() > 6
                    && s.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
            })
            .map(str::to_string)
            .collect();
        names.sort();
        names.dedup();
        names.push("RUCHE_NOT_A_SETTING".into());
        names
    });
    &NAMES
}

#[test]
fn the_settings_fuzz_sees_every_variable() {
    let names = env_names();
    assert!(names.len() > 50, "{names:?}");
    assert!(names.iter().any(|n| n == "RUCHE_PUBLIC_URL"));
    assert!(names.iter().any(|n| n == "RUCHE_HTTP_JSON_BYTES"));
}

//! Words as search finds them: text cut into words, lowercased, stripped of accents, and each
//! word also under its French and English stems (Snowball), so that "vidéos" finds "video" and
//! "running" finds "run". The index keeps these terms per video and channel
//! (`ruche_store::search`); a query is cut the same way, its last word also matched as a prefix
//! (what a person is still typing).
//!
//! Ranking is computed by the same SQL on SQLite and PostgreSQL over these terms, so both
//! backends rank alike (see ARCHITECTURE.md, "Search").

use rust_stemmers::{Algorithm, Stemmer};
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// How much a field counts when a query word is found in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name = 8,
    Tag = 4,
    /// The channel's or the account's names.
    Owner = 2,
    Description = 1,
}

/// The most words of one field indexed (a long description's tail adds little).
pub const MAX_WORDS: usize = 2000;
/// The most words of a query.
pub const MAX_QUERY_WORDS: usize = 8;
/// Words longer than this are cut (no language has longer words worth finding).
const MAX_WORD: usize = 40;

fn stemmers() -> &'static (Stemmer, Stemmer) {
    static S: OnceLock<(Stemmer, Stemmer)> = OnceLock::new();
    S.get_or_init(|| {
        (
            Stemmer::create(Algorithm::French),
            Stemmer::create(Algorithm::English),
        )
    })
}

/// `text` as words: lowercased, without accents (é → e, ß kept), split on anything that is not a
/// letter or a digit.
pub fn words(text: &str) -> Vec<String> {
    let folded: String = text
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().take(MAX_WORD).collect())
        .collect()
}

/// A word and its stems (French, English), without repeats.
pub fn forms(word: &str) -> Vec<String> {
    let (fr, en) = stemmers();
    let mut out = vec![word.to_string()];
    for s in [fr.stem(word), en.stem(word)] {
        if !s.is_empty() && !out.iter().any(|o| o == s.as_ref()) {
            out.push(s.into_owned());
        }
    }
    out
}

/// The terms of `text` in `field`: each word's forms, with the field's weight; a term found in
/// several fields keeps its heaviest.
pub fn terms(fields: &[(Field, &str)]) -> Vec<(String, i64)> {
    let mut out: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    for (field, text) in fields {
        for w in words(text).into_iter().take(MAX_WORDS) {
            for f in forms(&w) {
                let e = out.entry(f).or_insert(0);
                *e = (*e).max(*field as i64);
            }
        }
    }
    let mut v: Vec<(String, i64)> = out.into_iter().collect();
    v.sort();
    v
}

/// One word of a query: matched exactly by any of its forms, or (the last word, still being
/// typed) as the prefix of a term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryWord {
    pub forms: Vec<String>,
    pub prefix: Option<String>,
}

/// A query as the index reads it; empty when it has no word.
pub fn query(text: &str) -> Vec<QueryWord> {
    let ws = words(text);
    let n = ws.len().min(MAX_QUERY_WORDS);
    ws.into_iter()
        .take(MAX_QUERY_WORDS)
        .enumerate()
        .map(|(i, w)| QueryWord {
            prefix: (i + 1 == n && w.chars().count() >= 2).then(|| w.clone()),
            forms: forms(&w),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_fold_case_and_accents() {
        assert_eq!(
            words("Élodie's VIDÉO: « Noël », l'été—2024!"),
            ["elodie", "s", "video", "noel", "l", "ete", "2024"]
        );
        assert_eq!(words("  "), Vec::<String>::new());
        assert_eq!(words("日本語 テスト"), ["日本語", "テスト"]);
    }

    #[test]
    fn stems_join_french_and_english_forms() {
        let has = |a: &str, b: &str| {
            let (fa, fb) = (forms(a), forms(b));
            fa.iter().any(|x| fb.contains(x))
        };
        assert!(has("videos", "video"));
        assert!(has("chanteuses", "chanteuse"));
        assert!(has("running", "run"));
        assert!(has("connections", "connected"));
        assert!(!has("chat", "chien"));
    }

    #[test]
    fn terms_keep_the_heaviest_field() {
        let t = terms(&[(Field::Description, "a cat video"), (Field::Name, "Cat")]);
        assert!(t.contains(&("cat".to_string(), Field::Name as i64)));
        assert!(t.contains(&("video".to_string(), Field::Description as i64)));
    }

    #[test]
    fn the_last_query_word_is_a_prefix() {
        let q = query("Recette crê");
        assert_eq!(q.len(), 2);
        assert_eq!(q[0].prefix, None);
        assert_eq!(q[1].prefix.as_deref(), Some("cre"));
        assert!(query("a").iter().all(|w| w.prefix.is_none()));
        assert_eq!(query(&"w ".repeat(50)).len(), MAX_QUERY_WORDS);
    }
}

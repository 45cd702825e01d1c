//! User-facing strings in English and French, from Fluent catalogues (`assets/i18n/*.ftl`).
//! The language comes from the `lang` cookie, else from `Accept-Language`, else English.

use crate::assets::Assets;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::collections::HashMap;
use std::sync::Arc;

pub const LANGUAGES: &[&str] = &["en", "fr"];

pub struct I18n {
    bundles: HashMap<&'static str, FluentBundle<FluentResource>>,
}

impl I18n {
    /// Loads the embedded catalogues. They are part of the binary and checked by tests, so a
    /// broken one is a build defect: its faulty entries are skipped and logged.
    pub fn load() -> I18n {
        let mut bundles = HashMap::new();
        for lang in LANGUAGES {
            let text = Assets::get(&format!("i18n/{lang}.ftl"))
                .map(|f| String::from_utf8_lossy(&f.data).into_owned())
                .unwrap_or_default();
            let res = FluentResource::try_new(text).unwrap_or_else(|(res, errs)| {
                tracing::error!("i18n/{lang}.ftl: {errs:?}");
                res
            });
            let id = lang.parse().unwrap_or_default();
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // No Unicode isolation marks around arguments: our strings go into HTML text.
            bundle.set_use_isolating(false);
            if let Err(errs) = bundle.add_resource(res) {
                tracing::error!("i18n/{lang}.ftl: {errs:?}");
            }
            bundles.insert(*lang, bundle);
        }
        I18n { bundles }
    }

    /// The best language for a request.
    pub fn pick(&self, cookie: Option<&str>, accept_language: Option<&str>) -> &'static str {
        if let Some(l) = cookie.and_then(|c| LANGUAGES.iter().find(|l| **l == c)) {
            return l;
        }
        let mut best: Option<(&'static str, f32)> = None;
        for part in accept_language.unwrap_or_default().split(',') {
            let mut it = part.trim().split(';');
            let tag = it.next().unwrap_or_default().to_ascii_lowercase();
            let q = it
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or_default();
            if let Some(l) = LANGUAGES.iter().find(|l| **l == primary)
                && best.is_none_or(|(_, bq)| q > bq)
            {
                best = Some((l, q));
            }
        }
        best.map(|(l, _)| l).unwrap_or("en")
    }

    /// The message `key` in `lang` (falling back to English, then to the key itself).
    pub fn message(&self, lang: &str, key: &str, args: &[(&str, &str)]) -> String {
        for l in [lang, "en"] {
            let Some(bundle) = self.bundles.get(l) else {
                continue;
            };
            let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
                continue;
            };
            let mut fargs = FluentArgs::new();
            for (k, v) in args {
                // Numbers stay numbers so plural rules apply.
                match v.parse::<f64>() {
                    Ok(n) => fargs.set(*k, FluentValue::from(n)),
                    Err(_) => fargs.set(*k, FluentValue::from(*v)),
                }
            }
            let mut errors = Vec::new();
            let s = bundle.format_pattern(pattern, Some(&fargs), &mut errors);
            return s.into_owned();
        }
        key.to_string()
    }

    /// Every message of `lang` whose id starts with `prefix`, formatted without arguments (for
    /// scripts: the editor gets its strings this way).
    pub fn messages_with_prefix(
        &self,
        lang: &str,
        prefix: &str,
    ) -> std::collections::BTreeMap<String, String> {
        let text = Assets::get("i18n/en.ftl")
            .map(|f| String::from_utf8_lossy(&f.data).into_owned())
            .unwrap_or_default();
        text.lines()
            .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim()))
            .filter(|k| k.starts_with(prefix) && !k.contains(' '))
            .map(|k| (k.to_string(), self.message(lang, k, &[])))
            .collect()
    }

    /// Every message id of a language (for the catalogue consistency test).
    #[cfg(test)]
    fn ids(lang: &str) -> Vec<String> {
        let text = Assets::get(&format!("i18n/{lang}.ftl"))
            .map(|f| String::from_utf8_lossy(&f.data).into_owned())
            .unwrap_or_default();
        let res = FluentResource::try_new(text)
            .map_err(|(_, e)| e)
            .expect("valid ftl");
        res.entries()
            .filter_map(|e| match e {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
                _ => None,
            })
            .collect()
    }
}

/// A translator bound to one request's language, handed to templates.
#[derive(Clone)]
pub struct Tr {
    i18n: Arc<I18n>,
    pub lang: &'static str,
}

impl Tr {
    pub fn new(i18n: Arc<I18n>, lang: &'static str) -> Tr {
        Tr { i18n, lang }
    }
    pub fn t(&self, key: &str) -> String {
        self.i18n.message(self.lang, key, &[])
    }
    /// The message with `%s` in place of its argument, for scripts to fill in.
    pub fn pattern(&self, key: &str, name: &str) -> String {
        self.t1(key, name, &"%s")
    }
    pub fn t1(&self, key: &str, name: &str, value: &dyn std::fmt::Display) -> String {
        self.tn(key, &[(name, value)])
    }
    pub fn tn(&self, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        let args: Vec<(&str, String)> = args.iter().map(|(n, v)| (*n, v.to_string())).collect();
        let refs: Vec<(&str, &str)> = args.iter().map(|(n, v)| (*n, v.as_str())).collect();
        self.i18n.message(self.lang, key, &refs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogues_have_the_same_messages() {
        let mut en = I18n::ids("en");
        let mut fr = I18n::ids("fr");
        assert!(en.len() > 20, "the English catalogue is loaded");
        en.sort();
        fr.sort();
        let missing_fr: Vec<_> = en.iter().filter(|k| !fr.contains(k)).collect();
        let missing_en: Vec<_> = fr.iter().filter(|k| !en.contains(k)).collect();
        assert!(
            missing_fr.is_empty() && missing_en.is_empty(),
            "fr lacks {missing_fr:?}, en lacks {missing_en:?}"
        );
    }

    #[test]
    fn picks_language() {
        let i = I18n::load();
        assert_eq!(i.pick(None, Some("fr-FR,fr;q=0.9,en;q=0.8")), "fr");
        assert_eq!(i.pick(None, Some("de, en;q=0.5")), "en");
        assert_eq!(i.pick(Some("fr"), Some("en")), "fr");
        assert_eq!(i.pick(None, None), "en");
        assert_eq!(i.message("fr", "nav-login", &[]), "Se connecter");
        assert_eq!(i.message("fr", "no-such-key", &[]), "no-such-key");
    }
}

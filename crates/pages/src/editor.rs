//! What the in-page editor needs from the server besides the page itself: the catalogue of
//! blocks it can add (each with a starting content in the owner's language), and the themes and
//! font sets its panel offers. The editor (`assets/pages/editor.js`) edits the site document
//! and sends it back whole; the server checks it with [`crate::document::parse`] like any
//! import, so nothing the editor does can bypass validation.

use crate::render::Strings;
use crate::theme::{self, Role};
use serde_json::{Value, json};

/// Every block type, in the order the picker shows them.
pub const KINDS: &[&str] = &[
    "banner",
    "text",
    "highlight",
    "gallery",
    "carousel",
    "cards",
    "features",
    "timeline",
    "skills",
    "buttons",
    "video",
    "social",
    "contact",
    "map",
    "separator",
    "footer",
];

/// The content a new block of `kind` starts with: visible placeholders the owner clicks to
/// replace. Blocks that cannot work without the owner's input (a contact address, a place, a
/// video, pictures) start empty and the editor draws attention to them.
pub fn starter(kind: &str, site_title: &str, s: &dyn Strings) -> Option<Value> {
    let text = format!("<p>{}</p>", crate::render::esc(&s.get("ed-new-text")));
    let heading = s.get("ed-new-heading");
    let item = |n: usize| json!({ "title": format!("{} {n}", s.get("ed-new-item")), "text": text });
    Some(match kind {
        "banner" => {
            json!({ "type": "banner", "title": site_title, "subtitle": s.get("ed-new-subtitle") })
        }
        "text" => json!({ "type": "text", "heading": heading, "columns": [text] }),
        "highlight" => {
            json!({ "type": "highlight", "text": format!("<p>{}</p>", crate::render::esc(&s.get("ed-new-highlight"))) })
        }
        "gallery" => json!({ "type": "gallery", "heading": heading, "images": [] }),
        "carousel" => json!({ "type": "carousel", "images": [] }),
        "cards" => {
            json!({ "type": "cards", "heading": heading, "cards": [item(1), item(2), item(3)] })
        }
        "features" => json!({ "type": "features", "heading": heading, "items": [
            { "icon": "star", "title": format!("{} 1", s.get("ed-new-item")), "text": text },
            { "icon": "heart", "title": format!("{} 2", s.get("ed-new-item")), "text": text },
            { "icon": "leaf", "title": format!("{} 3", s.get("ed-new-item")), "text": text },
        ] }),
        "timeline" => json!({ "type": "timeline", "heading": heading, "entries": [
            { "date": "2024", "title": format!("{} 1", s.get("ed-new-item")), "text": text },
            { "date": "2025", "title": format!("{} 2", s.get("ed-new-item")), "text": text },
        ] }),
        "skills" => json!({ "type": "skills", "heading": heading, "skills": [
            { "name": format!("{} 1", s.get("ed-new-item")), "level": 80 },
            { "name": format!("{} 2", s.get("ed-new-item")), "level": 60 },
            { "name": format!("{} 3", s.get("ed-new-item")), "level": 40 },
        ] }),
        "buttons" => {
            json!({ "type": "buttons", "buttons": [{ "label": s.get("ed-new-button"), "href": "#" }] })
        }
        "video" => json!({ "type": "video", "url": "" }),
        "social" => {
            json!({ "type": "social", "heading": heading, "links": [{ "network": "mastodon", "url": "https://" }] })
        }
        "contact" => json!({ "type": "contact", "heading": s.get("ed-new-contact"), "to": "" }),
        "map" => json!({ "type": "map", "lat": 0.0, "lon": 0.0, "zoom": 15, "label": "" }),
        "separator" => json!({ "type": "separator" }),
        "footer" => {
            json!({ "type": "footer", "text": format!("<p>© {}</p>", crate::render::esc(site_title)) })
        }
        _ => return None,
    })
}

/// The picker's entries: type, name, one-line description and starting content.
pub fn catalogue(site_title: &str, s: &dyn Strings) -> Vec<Value> {
    KINDS
        .iter()
        .filter_map(|k| {
            Some(json!({
                "type": k,
                "name": s.get(&format!("ed-block-{k}")),
                "desc": s.get(&format!("ed-block-{k}-desc")),
                "starter": starter(k, site_title, s)?,
            }))
        })
        .collect()
}

/// The theme panel's palettes (with the colours of their swatch) and font sets (with the CSS
/// families to show their names in), named in `lang`.
pub fn themes(lang: &str) -> Value {
    let fr = lang == "fr";
    let palettes: Vec<Value> = theme::PALETTES
        .iter()
        .map(|p| {
            json!({
                "id": p.id,
                "name": if fr { p.name_fr } else { p.name_en },
                "bg": theme::role(p, Role::Background).hex(),
                "surface": theme::role(p, Role::Surface).hex(),
                "text": theme::role(p, Role::Text).hex(),
                "accent": theme::role(p, Role::Accent).hex(),
            })
        })
        .collect();
    let fonts: Vec<Value> = theme::FONT_SETS
        .iter()
        .map(|f| {
            json!({
                "id": f.id,
                "name": if fr { f.name_fr } else { f.name },
                "title": format!("\"{}\", {}", f.title, f.title_fallback),
                "title_weight": f.title_weight,
                "body": format!("\"{}\", {}", f.body, f.body_fallback),
            })
        })
        .collect();
    json!({ "palettes": palettes, "fonts": fonts })
}

/// `@font-face` rules of every font set, so the panel can show each set in its own faces
/// (browsers fetch a face only when something uses it).
pub fn all_font_faces() -> String {
    let mut seen = std::collections::BTreeSet::new();
    let mut css = String::new();
    let Some(p) = theme::PALETTES.first() else {
        return css;
    };
    for f in theme::FONT_SETS {
        for line in theme::theme_css(p, f).lines() {
            if line.starts_with("@font-face") && seen.insert(line.to_string()) {
                css.push_str(line);
                css.push('\n');
            }
        }
    }
    css
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Keys;
    impl Strings for Keys {
        fn get(&self, key: &str) -> String {
            format!("<{key}> & \"x\"")
        }
    }

    #[test]
    fn every_starter_is_a_valid_block() {
        let cat = catalogue("Mon <site>", &Keys);
        assert_eq!(cat.len(), KINDS.len());
        let blocks: Vec<Value> = cat.iter().map(|c| c["starter"].clone()).collect();
        let doc = json!({ "slug": "a-site", "title": "T", "blocks": blocks });
        let site = crate::document::parse(doc.to_string().as_bytes()).expect("starters parse");
        let kinds: Vec<&str> = site.blocks.iter().map(|s| s.block.kind()).collect();
        assert_eq!(kinds, KINDS);
    }

    #[test]
    fn themes_list_every_palette_and_font_set() {
        let t = themes("fr");
        assert_eq!(
            t["palettes"].as_array().map(Vec::len),
            Some(theme::PALETTES.len())
        );
        assert_eq!(
            t["fonts"].as_array().map(Vec::len),
            Some(theme::FONT_SETS.len())
        );
        assert!(all_font_faces().matches("@font-face").count() >= theme::FONT_SETS.len());
    }
}

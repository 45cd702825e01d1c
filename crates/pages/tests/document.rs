//! The site document: the import format of the issue, defaults, faults named by path, and
//! sanitising on the way in.
#![allow(clippy::unwrap_used)]

use ruche_pages::document::{Block, parse, to_json};

fn every_block() -> String {
    r##"{
      "slug": "atelier-bois", "title": "L'atelier du bois", "language": "fr", "published": true,
      "blocks": [
        {"type": "banner", "title": "L'atelier du bois", "subtitle": "Meubles sur mesure", "menu": "Accueil",
         "image": {"src": "https://example.org/a.jpg", "alt": "Un établi"}, "buttons": [{"label": "Nous écrire", "href": "#contact-13"}]},
        {"type": "text", "columns": ["<p>Un</p>", "<p>Deux <strong>gras</strong></p>"], "menu": "Le lieu"},
        {"type": "highlight", "text": "<p>Portes ouvertes samedi</p>"},
        {"type": "gallery", "images": [{"src": "https://example.org/1.jpg", "alt": "Chaise"}]},
        {"type": "carousel", "images": [{"src": "https://example.org/2.jpg", "alt": "Table"}, {"src": "https://example.org/3.jpg", "alt": "Banc"}]},
        {"type": "cards", "cards": [{"title": "Ana"}, {"title": "Bo"}, {"title": "Cy"}]},
        {"type": "features", "items": [{"icon": "leaf", "title": "Bois local"}]},
        {"type": "timeline", "entries": [{"date": "2019", "title": "Ouverture"}]},
        {"type": "skills", "skills": [{"name": "Marqueterie", "level": 80}]},
        {"type": "buttons", "buttons": [{"label": "Boutique", "href": "https://example.org/shop"}]},
        {"type": "video", "url": "https://tube.example.org/w/ew5f7C8iNWwkn3wevRkbvU"},
        {"type": "social", "links": [{"network": "mastodon", "url": "https://mastodon.example/@atelier"}]},
        {"type": "contact", "to": "atelier@example.org"},
        {"type": "map", "lat": 45.76, "lon": 4.83, "zoom": 16, "label": "L'atelier"},
        {"type": "separator"},
        {"type": "footer", "text": "<p>© L'atelier</p>"}
      ]}"##
        .to_string()
}

#[test]
fn reads_the_import_format_with_defaults() {
    let site = parse(every_block().as_bytes()).unwrap();
    assert_eq!(site.blocks.len(), 16);
    assert_eq!(site.theme, ruche_pages::theme::DEFAULT_PALETTE);
    assert!(matches!(site.blocks[13].block, Block::Map { zoom: 16, .. }));
    match &site.blocks[0].block {
        Block::Banner { focal, overlay, .. } => assert_eq!((*focal, *overlay), ((0.5, 0.5), 0.4)),
        other => panic!("{other:?}"),
    }
    // Ids are given where missing, unique, and stable through a round trip.
    assert_eq!(site.blocks[1].id, "text-2");
    let again = parse(to_json(&site).as_bytes()).unwrap();
    assert_eq!(again, site, "export then import is lossless");
}

#[test]
fn faults_name_their_path() {
    let cases = [
        (
            r#"{"slug": "ok-site", "title": "T", "blocks": [{"type": "text", "columns": ["a"]}, {"type": "marquee"}]}"#,
            "blocks[1]",
        ),
        (
            r#"{"slug": "ok-site", "title": "T", "blocks": [{"type": "map", "lat": "north", "lon": 1}]}"#,
            "blocks[0].lat",
        ),
        (
            r#"{"slug": "ok-site", "title": "T", "blocks": [{"type": "map", "lat": 91, "lon": 1}]}"#,
            "blocks[0].lat",
        ),
        (
            r#"{"slug": "ok-site", "title": "T", "blocks": [{"type": "text", "columns": []}]}"#,
            "blocks[0].columns",
        ),
        (
            r#"{"slug": "ok-site", "title": "T", "blocks": [{"type": "contact", "to": "not an address"}]}"#,
            "blocks[0].to",
        ),
        (
            r#"{"slug": "ok-site", "title": "T", "blocks": [{"type": "buttons", "buttons": [{"label": "x", "href": "javascript:alert(1)"}]}]}"#,
            "blocks[0].buttons[0].href",
        ),
        (
            r#"{"slug": "ok-site", "title": "T", "blocks": [{"type": "gallery", "images": [{"src": "javascript:x", "alt": ""}]}]}"#,
            "blocks[0].images[0].src",
        ),
        (r#"{"slug": "Bad Slug", "title": "T"}"#, "slug"),
        (r#"{"slug": "admin", "title": "T"}"#, "slug"),
        (
            r#"{"slug": "ok-site", "title": "T", "theme": "neon"}"#,
            "theme",
        ),
        (
            r#"{"slug": "ok-site", "title": "T", "colour": "red"}"#,
            "colour",
        ),
        (
            r#"{"slug": "ok-site", "title": "T", "blocks": [{"type": "text", "columns": ["a"], "css": "x"}]}"#,
            "blocks[0]",
        ),
        (r#"{"slug": "ok-site", "#, "$"),
    ];
    for (doc, path) in cases {
        let fault = parse(doc.as_bytes()).expect_err(doc);
        assert!(
            fault.path.starts_with(path),
            "{doc}\n→ {fault} (expected at {path})"
        );
    }
}

#[test]
fn rich_text_is_sanitised_on_the_way_in() {
    let doc = r#"{"slug": "ok-site", "title": "T", "blocks": [{"type": "text", "columns": [
        "<p onclick=\"x()\">Hi <script>alert(1)</script><a href=\"javascript:alert(2)\">a</a> <a href=\"https://ok.example\">b</a><img src=x onerror=y><style>*{}</style></p>"
    ]}]}"#;
    let site = parse(doc.as_bytes()).unwrap();
    let Block::Text { columns, .. } = &site.blocks[0].block else {
        panic!()
    };
    let html = &columns[0];
    for bad in [
        "script",
        "onclick",
        "javascript:",
        "onerror",
        "<img",
        "<style",
    ] {
        assert!(!html.contains(bad), "{bad} survived: {html}");
    }
    assert!(
        html.contains(r#"<a href="https://ok.example" rel="noopener noreferrer">b</a>"#),
        "{html}"
    );
}

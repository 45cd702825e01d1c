//! The renderer: one h1, the page's language, escaping everywhere, script only when needed.
#![allow(clippy::unwrap_used)]

use ruche_pages::document::parse;
use ruche_pages::render::{Context, Strings, page};

struct Keys;
impl Strings for Keys {
    fn get(&self, key: &str) -> String {
        format!("[{key}]")
    }
}

fn cx() -> Context<'static> {
    Context {
        canonical: "https://pages.example/p/ok-site/",
        contact_action: "/p/ok-site/contact",
        form_token: "tok",
        tile_url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        strings: &Keys,
        mode: Default::default(),
    }
}

#[test]
fn one_h1_language_and_escaping() {
    let doc = r#"{"slug": "ok-site", "title": "<b>Site</b>", "language": "en", "blocks": [
        {"type": "banner", "title": "Hello <script>alert(1)</script>", "menu": "Home"},
        {"type": "banner", "title": "Second"},
        {"type": "text", "heading": "\"quoted\" & <tag>", "columns": ["<p>ok</p>"]},
        {"type": "footer", "text": "<p>bye</p>"}
    ]}"#;
    let html = page(&parse(doc.as_bytes()).unwrap(), &cx());
    assert_eq!(html.matches("<h1").count(), 1, "{html}");
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("<title>&lt;b&gt;Site&lt;/b&gt;</title>"));
    assert!(html.contains("Hello &lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&quot;quoted&quot; &amp; &lt;tag&gt;"));
    assert_eq!(
        html.matches("<script").count(),
        html.matches("<script type=\"application/ld+json\">")
            .count(),
        "no script but structured data for static blocks: {html}"
    );
    assert!(
        html.contains("<a href=\"#banner-1\">Home</a>"),
        "the menu links the block"
    );
    assert!(
        !html.contains("http://") && !html.contains("https://fonts."),
        "no third-party request"
    );
}

#[test]
fn script_only_for_blocks_that_need_it_and_a_no_js_map() {
    let doc = r#"{"slug": "ok-site", "title": "T", "blocks": [
        {"type": "map", "lat": 45.5, "lon": 4.25, "zoom": 12, "label": "Here", "address": "1 rue X"},
        {"type": "contact", "to": "a@example.org"}
    ]}"#;
    let html = page(&parse(doc.as_bytes()).unwrap(), &cx());
    assert!(ruche_pages::render::needs_script(
        &parse(doc.as_bytes()).unwrap()
    ));
    assert_eq!(
        html.matches("<script type=\"module\" src=\"/assets/pages/site.js\">")
            .count(),
        1,
        "the map block loads the page's module"
    );
    assert!(html.contains("data-tiles=\"https://tile.openstreetmap.org/{z}/{x}/{y}.png\""));
    assert!(html.contains(
        "https://www.openstreetmap.org/?mlat=45.500000&amp;mlon=4.250000#map=12/45.500000/4.250000"
    ));
    assert!(
        html.contains("name=\"website\"") && html.contains("aria-hidden=\"true\""),
        "honeypot hidden from people and screen readers"
    );
    assert!(html.contains("<label for=\"c-email\">[contact-email]</label>"));
    let ld = html
        .split("<script type=\"application/ld+json\">")
        .nth(1)
        .unwrap()
        .split("</script>")
        .next()
        .unwrap();
    let ld: serde_json::Value = serde_json::from_str(ld).unwrap();
    assert_eq!(ld["location"]["geo"]["latitude"], 45.5);
    assert_eq!(ld["location"]["address"], "1 rue X");
    assert!(
        !html.contains("a@example.org"),
        "the contact address stays out of the page"
    );
}

#[test]
fn hidden_blocks_are_not_rendered() {
    let doc = r#"{"slug": "ok-site", "title": "T", "blocks": [{"type": "text", "columns": ["<p>secret</p>"], "hidden": true}]}"#;
    assert!(!page(&parse(doc.as_bytes()).unwrap(), &cx()).contains("secret"));
}

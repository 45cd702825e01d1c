//! The one renderer: a [`Site`] to the HTML page its visitors get (and its owner, with the
//! editor's module added on top by the web layer). Semantic HTML, one `h1`, inline critical CSS
//! from the theme's tokens, no script unless a block needs one.

use crate::document::{Block, Image, Link, Section, Site, SpaceSize};
use crate::theme;
use std::fmt::Write;

/// The strings a rendered page shows besides the owner's content (form labels, buttons), in
/// the site's language. The web layer answers from its catalogues.
pub trait Strings {
    fn get(&self, key: &str) -> String;
}

/// Where the page lives and what it links to.
pub struct Context<'a> {
    /// The page's public URL (canonical, OpenGraph).
    pub canonical: &'a str,
    /// Where the contact form posts.
    pub contact_action: &'a str,
    /// A signed render timestamp the contact form sends back (anti-spam).
    pub form_token: &'a str,
    /// The map tile URL template, e.g. `https://tile.openstreetmap.org/{z}/{x}/{y}.png`.
    pub tile_url: &'a str,
    pub strings: &'a dyn Strings,
    /// How the page is drawn: for visitors, for its owner's editor, or as a static export.
    pub mode: Mode,
}

/// Who the page is drawn for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// The published page.
    #[default]
    Visitor,
    /// The owner's editor: hidden blocks are drawn (marked), and every editable text and image
    /// names its field (`data-f="columns.0"`) so the editor can edit it in place.
    Editor,
    /// A static copy for any web host: the instance's own paths (`/assets/`, `/pages-media/`)
    /// become relative, so the folder works wherever it is put.
    Static,
}

impl Context<'_> {
    fn editing(&self) -> bool {
        self.mode == Mode::Editor
    }

    /// The attribute that names an editable field, in the editor only.
    fn f(&self, path: &str) -> String {
        if self.editing() {
            format!(" data-f=\"{}\"", esc(path))
        } else {
            String::new()
        }
    }

    /// The attributes of an editable rich-text field, in the editor only.
    fn rich(&self, path: &str) -> String {
        if self.editing() {
            format!(" data-f=\"{}\" data-rich", esc(path))
        } else {
            String::new()
        }
    }

    /// A path on this instance as the page must write it.
    fn local<'s>(&self, url: &'s str) -> std::borrow::Cow<'s, str> {
        if self.mode == Mode::Static
            && (url.starts_with("/assets/") || url.starts_with("/pages-media/"))
        {
            std::borrow::Cow::Borrowed(&url[1..])
        } else {
            std::borrow::Cow::Borrowed(url)
        }
    }
}

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Layout CSS shared by every theme; colours and fonts come from the theme's custom properties.
const BASE_CSS: &str = include_str!("site.css");

/// Which scripts the page needs, by the blocks it shows.
pub fn needs_script(site: &Site) -> bool {
    visible(site).any(|s| {
        matches!(
            s.block,
            Block::Carousel { .. }
                | Block::Gallery { .. }
                | Block::Map { .. }
                | Block::Video { .. }
        )
    })
}

fn visible(site: &Site) -> impl Iterator<Item = &Section> {
    site.blocks.iter().filter(|s| !s.hidden)
}

/// The whole page.
pub fn page(site: &Site, cx: &Context<'_>) -> String {
    let shown = |s: &&Section| cx.editing() || !s.hidden;
    let palette = theme::palette(&site.theme).or_else(|| theme::palette(theme::DEFAULT_PALETTE));
    let fonts =
        theme::font_set(&site.font_set).or_else(|| theme::font_set(theme::DEFAULT_FONT_SET));
    let mut theme_css = match (palette, fonts) {
        (Some(p), Some(f)) => theme::theme_css(p, f),
        _ => String::new(),
    };
    if cx.mode == Mode::Static {
        theme_css = theme_css.replace("url(/assets/", "url(assets/");
    }
    let mut h = String::with_capacity(16 * 1024);
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"{lang}\"{editor}>\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<meta name=\"description\" content=\"{desc}\">\n\
         <link rel=\"canonical\" href=\"{url}\">\n\
         <meta property=\"og:type\" content=\"website\">\n<meta property=\"og:title\" content=\"{title}\">\n\
         <meta property=\"og:description\" content=\"{desc}\">\n<meta property=\"og:url\" content=\"{url}\">\n",
        lang = esc(&site.language),
        editor = if cx.editing() { " data-editor" } else { "" },
        title = esc(&site.title),
        desc = esc(&site.description),
        url = esc(cx.canonical),
    );
    // Without an icon of its own, an empty one: browsers then ask nothing (no 404).
    let icon = if site.favicon.is_empty() {
        "data:,".into()
    } else {
        cx.local(&site.favicon)
    };
    let _ = writeln!(h, "<link rel=\"icon\" href=\"{}\">", esc(&icon));
    // The title face and the body's regular face make the site's look: fetch them at once
    // rather than after the CSS is read, so they are there for the first paint (faces are
    // `font-display: optional`, never swapped in late, so text never moves).
    if let Some(f) = fonts {
        let body = f
            .faces
            .iter()
            .find(|x| x.family == f.body && x.weight == 400 && !x.italic);
        for face in f.title_face().into_iter().chain(body) {
            let _ = writeln!(
                h,
                "<link rel=\"preload\" href=\"{}\" as=\"font\" type=\"font/woff2\" crossorigin>",
                cx.local(&format!("{}{}", theme::FONT_URL_PREFIX, face.file))
            );
        }
    }
    let social = Image {
        src: site.social_image.clone(),
        alt: String::new(),
        caption: String::new(),
    };
    let shared = if site.social_image.is_empty() {
        first_image(site)
    } else {
        Some(&social)
    };
    if let Some(img) = shared {
        // OpenGraph wants an absolute URL: our own images get the page's origin.
        let src = if img.src.starts_with('/') {
            let origin = cx
                .canonical
                .find("://")
                .and_then(|i| {
                    cx.canonical[i + 3..]
                        .find('/')
                        .map(|j| &cx.canonical[..i + 3 + j])
                })
                .unwrap_or(cx.canonical);
            format!("{origin}{}", img.src)
        } else {
            img.src.clone()
        };
        let _ = writeln!(h, "<meta property=\"og:image\" content=\"{}\">", esc(&src));
    }
    if let Some(ld) = json_ld(site, cx.canonical) {
        // Nothing HTML-special may appear inside the script (`</script>`, `<!--`): serde_json
        // escapes none of it, so write `<`, `>` and `&` as JSON escapes.
        let _ = writeln!(
            h,
            "<script type=\"application/ld+json\">{}</script>",
            ld.replace('<', "\\u003c")
                .replace('>', "\\u003e")
                .replace('&', "\\u0026")
        );
    }
    let _ = write!(h, "<style>{theme_css}{BASE_CSS}</style>\n</head>\n<body>\n");
    menu(&mut h, site);
    let has_banner = site
        .blocks
        .iter()
        .filter(shown)
        .any(|s| matches!(s.block, Block::Banner { .. }));
    if !has_banner {
        let _ = writeln!(
            h,
            "<header class=\"site-title\"><h1>{}</h1></header>",
            esc(&site.title)
        );
    }
    let mut h1_done = !has_banner;
    h.push_str("<main>\n");
    for s in site.blocks.iter().filter(shown) {
        block(&mut h, s, cx, &mut h1_done);
    }
    h.push_str("</main>\n");
    // Every block works without script (the carousel scrolls, the gallery opens images, the map
    // and the video are links); the behaviours on top load only where a block needs them.
    if needs_script(site) && !cx.editing() {
        let _ = writeln!(
            h,
            "<script type=\"module\" src=\"{}\"></script>",
            cx.local("/assets/pages/site.js")
        );
    }
    h.push_str("</body>\n</html>\n");
    h
}

/// Structured data for search engines, from the site and its map block (the address and the
/// place). The contact address is left out on purpose: the form exists to keep it from robots.
fn json_ld(site: &Site, canonical: &str) -> Option<String> {
    let mut ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": site.title,
        "url": canonical,
    });
    if !site.description.is_empty() {
        ld["description"] = site.description.clone().into();
    }
    if let Some(Block::Map {
        lat, lon, address, ..
    }) = visible(site)
        .map(|s| &s.block)
        .find(|b| matches!(b, Block::Map { .. }))
    {
        ld["location"] = serde_json::json!({
            "@type": "Place",
            "geo": { "@type": "GeoCoordinates", "latitude": lat, "longitude": lon },
        });
        if !address.is_empty() {
            ld["location"]["address"] = address.clone().into();
        }
    }
    serde_json::to_string(&ld).ok()
}

/// The files under `assets/` a page loads (its module, the map's vendored library, its fonts),
/// for a static export to carry them.
pub fn static_assets(site: &Site) -> Vec<String> {
    let mut out = Vec::new();
    if needs_script(site) {
        out.push("pages/site.js".to_string());
    }
    if visible(site).any(|s| matches!(s.block, Block::Map { .. })) {
        for f in [
            "leaflet.esm.js",
            "leaflet.css",
            "marker-icon.png",
            "marker-icon-2x.png",
            "marker-shadow.png",
        ] {
            out.push(format!("vendor/leaflet/{f}"));
        }
    }
    if let Some(f) = theme::font_set(&site.font_set) {
        out.extend(f.faces.iter().map(|face| format!("fonts/{}", face.file)));
    }
    out
}

/// `sitemap.xml` of a one-page site.
pub fn sitemap(canonical: &str, last_modified: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n  <url><loc>{}</loc><lastmod>{}</lastmod></url>\n</urlset>\n",
        esc(canonical),
        esc(last_modified)
    )
}

/// `robots.txt` of a site: everything may be indexed, the sitemap is named.
pub fn robots(canonical: &str) -> String {
    format!("User-agent: *\nAllow: /\nDisallow: /contact\nSitemap: {canonical}sitemap.xml\n")
}

fn first_image(site: &Site) -> Option<&Image> {
    visible(site).find_map(|s| match &s.block {
        Block::Banner { image: Some(i), .. } => Some(i),
        Block::Gallery { images, .. } | Block::Carousel { images, .. } => images.first(),
        _ => None,
    })
}

fn menu(h: &mut String, site: &Site) {
    let entries: Vec<&Section> = visible(site)
        .filter(|s| s.menu.as_deref().is_some_and(|m| !m.is_empty()))
        .collect();
    if entries.is_empty() {
        return;
    }
    h.push_str("<nav class=\"site-menu\"><ul>");
    for s in entries {
        let _ = write!(
            h,
            "<li><a href=\"#{}\">{}</a></li>",
            esc(&s.id),
            esc(s.menu.as_deref().unwrap_or_default())
        );
    }
    h.push_str("</ul></nav>\n");
}

fn button(h: &mut String, l: &Link, class: &str) {
    let _ = write!(
        h,
        "<a class=\"{class}\" href=\"{}\">{}</a>",
        esc(&l.href),
        esc(&l.label)
    );
}

fn heading(h: &mut String, text: &str, cx: &Context<'_>) {
    if !text.is_empty() || cx.editing() {
        let _ = write!(h, "<h2{}>{}</h2>", cx.f("heading"), esc(text));
    }
}

/// An image with its size hints; lazy unless it is the hero. Our own pictures get their
/// `srcset` and intrinsic size (no layout shift); `sizes` says how wide the slot is.
fn img(h: &mut String, i: &Image, lazy: bool, cx: &Context<'_>, path: &str, sizes: &str) {
    let src = cx.local(&i.src);
    let _ = write!(h, "<img src=\"{}\" alt=\"{}\"", esc(&src), esc(&i.alt));
    if let Some(r) = crate::images::responsive(&src) {
        let _ = write!(
            h,
            " srcset=\"{}\" sizes=\"{sizes}\" width=\"{}\" height=\"{}\"",
            esc(&r.srcset),
            r.width,
            r.height
        );
    }
    let _ = write!(
        h,
        "{}{}>",
        cx.f(path),
        if lazy {
            " loading=\"lazy\" decoding=\"async\""
        } else {
            " fetchpriority=\"high\""
        }
    );
}

const ICON_GLYPHS: &[(&str, &str)] = &[
    ("star", "★"),
    ("heart", "♥"),
    ("leaf", "❦"),
    ("sun", "☀"),
    ("music", "♪"),
    ("book", "▤"),
    ("camera", "◉"),
    ("mail", "✉"),
    ("pin", "⌖"),
    ("clock", "◷"),
    ("check", "✓"),
    ("users", "☺"),
];

fn block(h: &mut String, s: &Section, cx: &Context<'_>, h1_done: &mut bool) {
    let id = esc(&s.id);
    let kind = s.block.kind();
    let (hidden, data) = if cx.editing() {
        (
            if s.hidden { " is-hidden" } else { "" },
            format!(" data-block=\"{id}\" data-kind=\"{kind}\""),
        )
    } else {
        ("", String::new())
    };
    match &s.block {
        Block::Banner {
            title,
            subtitle,
            image,
            focal,
            overlay,
            buttons,
        } => {
            let _ = write!(
                h,
                "<header id=\"{id}\" class=\"block b-banner{}{hidden}\"{data}>",
                if image.is_some() { " has-image" } else { "" }
            );
            if let Some(i) = image {
                let _ = write!(
                    h,
                    "<div class=\"bg\" style=\"--fx:{:.0}%;--fy:{:.0}%\">",
                    focal.0 * 100.0,
                    focal.1 * 100.0
                );
                img(h, i, false, cx, "image", "100vw");
                let _ = write!(
                    h,
                    "</div><div class=\"overlay\" style=\"opacity:{overlay:.2}\"></div>"
                );
            }
            let tag = if *h1_done { "h2" } else { "h1" };
            *h1_done = true;
            let _ = write!(
                h,
                "<div class=\"inner\"><{tag}{}>{}</{tag}>",
                cx.f("title"),
                esc(title)
            );
            if !subtitle.is_empty() || cx.editing() {
                let _ = write!(
                    h,
                    "<p class=\"subtitle\"{}>{}</p>",
                    cx.f("subtitle"),
                    esc(subtitle)
                );
            }
            if !buttons.is_empty() {
                h.push_str("<p class=\"actions\">");
                for b in buttons {
                    button(h, b, "btn");
                }
                h.push_str("</p>");
            }
            h.push_str("</div></header>\n");
        }
        other => {
            let _ = write!(
                h,
                "<section id=\"{id}\" class=\"block b-{kind}{hidden}\"{data}>"
            );
            section_body(h, other, cx);
            h.push_str("</section>\n");
        }
    }
}

fn section_body(h: &mut String, b: &Block, cx: &Context<'_>) {
    let t = |k: &str| esc(&cx.strings.get(k));
    match b {
        Block::Banner { .. } => {}
        Block::Text {
            heading: hd,
            columns,
        } => {
            heading(h, hd, cx);
            let _ = write!(h, "<div class=\"cols cols-{}\">", columns.len());
            for (n, c) in columns.iter().enumerate() {
                // Rich text was sanitised when the document was read; sanitise again on the way
                // out so a row edited behind our back cannot inject markup.
                let _ = write!(
                    h,
                    "<div class=\"rich\"{}>{}</div>",
                    cx.rich(&format!("columns.{n}")),
                    crate::document::sanitize_rich_text(c)
                );
            }
            h.push_str("</div>");
        }
        Block::Highlight { text, button: b } => {
            let _ = write!(
                h,
                "<div class=\"rich\"{}>{}</div>",
                cx.rich("text"),
                crate::document::sanitize_rich_text(text)
            );
            if let Some(b) = b {
                button(h, b, "btn btn-inverse");
            }
        }
        Block::Gallery {
            heading: hd,
            images,
        } => {
            heading(h, hd, cx);
            let _ = write!(
                h,
                "<ul class=\"gallery\" data-close=\"{}\">",
                t("lightbox-close")
            );
            for (n, i) in images.iter().enumerate() {
                let _ = write!(
                    h,
                    "<li><a href=\"{}\" class=\"lightbox\">",
                    esc(&cx.local(&i.src))
                );
                img(
                    h,
                    i,
                    true,
                    cx,
                    &format!("images.{n}"),
                    "(max-width: 40rem) 50vw, 20rem",
                );
                h.push_str("</a>");
                if !i.caption.is_empty() {
                    let _ = write!(h, "<span class=\"caption\">{}</span>", esc(&i.caption));
                }
                h.push_str("</li>");
            }
            h.push_str("</ul>");
        }
        Block::Carousel { images, interval } => {
            let _ = write!(
                h,
                "<div class=\"carousel\" data-interval=\"{interval}\" data-prev=\"{}\" data-next=\"{}\" data-pause=\"{}\" data-play=\"{}\" aria-roledescription=\"carousel\"><ul>",
                t("carousel-prev"),
                t("carousel-next"),
                t("carousel-pause"),
                t("carousel-play")
            );
            for (n, i) in images.iter().enumerate() {
                let _ = write!(
                    h,
                    "<li aria-roledescription=\"slide\" aria-label=\"{} / {}\"><figure>",
                    n + 1,
                    images.len()
                );
                // Lazy, the first slide too: only the banner is above the fold.
                img(
                    h,
                    i,
                    true,
                    cx,
                    &format!("images.{n}"),
                    "(max-width: 64rem) 100vw, 64rem",
                );
                if !i.caption.is_empty() {
                    let _ = write!(h, "<figcaption>{}</figcaption>", esc(&i.caption));
                }
                h.push_str("</figure></li>");
            }
            h.push_str("</ul></div>");
        }
        Block::Cards { heading: hd, cards } => {
            heading(h, hd, cx);
            let _ = write!(h, "<ul class=\"cards n{}\">", cards.len());
            for (n, c) in cards.iter().enumerate() {
                h.push_str("<li class=\"card\">");
                if let Some(i) = &c.image {
                    img(
                        h,
                        i,
                        true,
                        cx,
                        &format!("cards.{n}.image"),
                        "(max-width: 40rem) 100vw, 20rem",
                    );
                }
                let _ = write!(
                    h,
                    "<h3{}>{}</h3><div class=\"rich\"{}>{}</div></li>",
                    cx.f(&format!("cards.{n}.title")),
                    esc(&c.title),
                    cx.rich(&format!("cards.{n}.text")),
                    crate::document::sanitize_rich_text(&c.text)
                );
            }
            h.push_str("</ul>");
        }
        Block::Features { heading: hd, items } => {
            heading(h, hd, cx);
            h.push_str("<ul class=\"features\">");
            for (n, f) in items.iter().enumerate() {
                let glyph = ICON_GLYPHS
                    .iter()
                    .find(|(n, _)| *n == f.icon)
                    .map_or("★", |(_, g)| g);
                let _ = write!(
                    h,
                    "<li><span class=\"icon\" aria-hidden=\"true\">{glyph}</span><h3{}>{}</h3><div class=\"rich\"{}>{}</div></li>",
                    cx.f(&format!("items.{n}.title")),
                    esc(&f.title),
                    cx.rich(&format!("items.{n}.text")),
                    crate::document::sanitize_rich_text(&f.text)
                );
            }
            h.push_str("</ul>");
        }
        Block::Timeline {
            heading: hd,
            entries,
        } => {
            heading(h, hd, cx);
            h.push_str("<ol class=\"timeline\">");
            for (n, e) in entries.iter().enumerate() {
                let _ = write!(
                    h,
                    "<li><span class=\"date\"{}>{}</span><h3{}>{}</h3><div class=\"rich\"{}>{}</div></li>",
                    cx.f(&format!("entries.{n}.date")),
                    esc(&e.date),
                    cx.f(&format!("entries.{n}.title")),
                    esc(&e.title),
                    cx.rich(&format!("entries.{n}.text")),
                    crate::document::sanitize_rich_text(&e.text)
                );
            }
            h.push_str("</ol>");
        }
        Block::Skills {
            heading: hd,
            skills,
        } => {
            heading(h, hd, cx);
            h.push_str("<ul class=\"skills\">");
            for (n, s) in skills.iter().enumerate() {
                let _ = write!(
                    h,
                    "<li><span class=\"name\"{}>{}</span><meter min=\"0\" max=\"100\" value=\"{}\">{} %</meter></li>",
                    cx.f(&format!("skills.{n}.name")),
                    esc(&s.name),
                    s.level,
                    s.level
                );
            }
            h.push_str("</ul>");
        }
        Block::Buttons { buttons } => {
            h.push_str("<p class=\"actions\">");
            for b in buttons {
                button(h, b, "btn");
            }
            h.push_str("</p>");
        }
        Block::Video {
            url,
            title,
            embed,
            thumbnail,
        } => {
            if url.is_empty() {
                if cx.editing() {
                    let _ = write!(h, "<p class=\"needs-setup\">{}</p>", t("video-none"));
                }
                return;
            }
            // A facade: a plain link works without script; the script swaps in the instance's
            // player (found through oEmbed when the owner set the URL) only when asked.
            let label = if title.is_empty() {
                t("video-watch")
            } else {
                esc(title)
            };
            let _ = write!(
                h,
                "<div class=\"video-facade\" data-embed=\"{}\" data-play=\"{}\"><a href=\"{}\" rel=\"noopener\">",
                esc(embed),
                t("video-play"),
                esc(url)
            );
            if !thumbnail.is_empty() {
                let _ = write!(
                    h,
                    "<img src=\"{}\" alt=\"\" loading=\"lazy\" decoding=\"async\" width=\"560\" height=\"315\">",
                    esc(thumbnail)
                );
            }
            let _ = write!(h, "<span>{label}</span></a></div>");
        }
        Block::Social { heading: hd, links } => {
            heading(h, hd, cx);
            h.push_str("<ul class=\"social\">");
            for l in links {
                let _ = write!(
                    h,
                    "<li><a href=\"{}\" rel=\"me noopener\" class=\"net-{}\">{}</a></li>",
                    esc(&l.url),
                    esc(&l.network),
                    esc(&network_name(&l.network))
                );
            }
            h.push_str("</ul>");
        }
        Block::Contact {
            heading: hd, intro, ..
        } => {
            heading(h, hd, cx);
            if !intro.is_empty() || cx.editing() {
                let _ = write!(h, "<p{}>{}</p>", cx.f("intro"), esc(intro));
            }
            let _ = write!(
                h,
                "<form class=\"contact\" method=\"post\" action=\"{action}\">\
                 <input type=\"hidden\" name=\"token\" value=\"{token}\">\
                 <p class=\"hp\" aria-hidden=\"true\"><label>Website<input name=\"website\" tabindex=\"-1\" autocomplete=\"off\"></label></p>\
                 <p><label for=\"c-name\">{name}</label><input id=\"c-name\" name=\"name\" required maxlength=\"120\" autocomplete=\"name\"></p>\
                 <p><label for=\"c-email\">{email}</label><input id=\"c-email\" name=\"email\" type=\"email\" required maxlength=\"200\" autocomplete=\"email\"></p>\
                 <p><label for=\"c-message\">{message}</label><textarea id=\"c-message\" name=\"message\" required maxlength=\"5000\" rows=\"6\"></textarea></p>\
                 <p><button type=\"submit\" class=\"btn\">{send}</button></p></form>",
                action = esc(cx.contact_action),
                token = esc(cx.form_token),
                name = t("contact-name"),
                email = t("contact-email"),
                message = t("contact-message"),
                send = t("contact-send"),
            );
        }
        Block::Map {
            lat,
            lon,
            zoom,
            label,
            address,
        } => {
            let osm = format!(
                "https://www.openstreetmap.org/?mlat={lat:.6}&mlon={lon:.6}#map={zoom}/{lat:.6}/{lon:.6}"
            );
            let _ = write!(
                h,
                "<div class=\"map\" data-lat=\"{lat}\" data-lon=\"{lon}\" data-zoom=\"{zoom}\" data-label=\"{}\" data-tiles=\"{}\">",
                esc(label),
                esc(cx.tile_url)
            );
            if !label.is_empty() {
                let _ = write!(h, "<h2>{}</h2>", esc(label));
            }
            if !address.is_empty() {
                let _ = write!(h, "<address>{}</address>", esc(address));
            }
            let _ = write!(
                h,
                "<p><button type=\"button\" class=\"btn show-map\" hidden>{}</button> <a href=\"{}\" rel=\"noopener\">{}</a></p></div>",
                t("map-show"),
                esc(&osm),
                t("map-open-osm")
            );
        }
        Block::Separator { size, line } => {
            let size = match size {
                SpaceSize::Small => "s",
                SpaceSize::Medium => "m",
                SpaceSize::Large => "l",
            };
            let _ = write!(
                h,
                "<div class=\"space space-{size}\">{}</div>",
                if *line { "<hr>" } else { "" }
            );
        }
        Block::Footer { text, links } => {
            let _ = write!(
                h,
                "<footer><div class=\"rich\"{}>{}</div>",
                cx.rich("text"),
                crate::document::sanitize_rich_text(text)
            );
            if !links.is_empty() {
                h.push_str("<ul class=\"footer-links\">");
                for l in links {
                    h.push_str("<li>");
                    button(h, l, "");
                    h.push_str("</li>");
                }
                h.push_str("</ul>");
            }
            h.push_str("</footer>");
        }
    }
}

fn network_name(n: &str) -> String {
    match n {
        "mastodon" => "Mastodon",
        "peertube" => "PeerTube",
        "diaspora" => "diaspora*",
        "pixelfed" => "Pixelfed",
        "friendica" => "Friendica",
        "lemmy" => "Lemmy",
        "matrix" => "Matrix",
        "github" => "GitHub",
        "gitlab" => "GitLab",
        "codeberg" => "Codeberg",
        "email" => "Email",
        "rss" => "RSS",
        "youtube" => "YouTube",
        "instagram" => "Instagram",
        "facebook" => "Facebook",
        "linkedin" => "LinkedIn",
        "x" => "X",
        "bluesky" => "Bluesky",
        _ => "Website",
    }
    .to_string()
}

/// A short page in the site's look (after a contact form was sent, or refused).
pub fn notice_page(
    site: &Site,
    heading: &str,
    text: &str,
    back_href: &str,
    back_label: &str,
) -> String {
    let css = match (theme::palette(&site.theme), theme::font_set(&site.font_set)) {
        (Some(p), Some(f)) => theme::theme_css(p, f),
        _ => String::new(),
    };
    format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex\">\n<title>{title}</title>\n<style>{css}{BASE_CSS}</style>\n</head>\n\
         <body>\n<main class=\"block\"><h1>{heading}</h1><p role=\"status\">{text}</p>\
         <p><a class=\"btn\" href=\"{back}\">{label}</a></p></main>\n</body>\n</html>\n",
        lang = esc(&site.language),
        title = esc(&site.title),
        heading = esc(heading),
        text = esc(text),
        back = esc(back_href),
        label = esc(back_label),
    )
}

//! The site document: what a site is, as typed data with real lists, and as the JSON that
//! exports and imports it (`{"slug", "title", "language", "published", "theme", "font_set",
//! "blocks": [{"type": …}, …]}`). Missing settings take their defaults; an unknown block type or
//! a broken document is refused with the path of the fault. Rich text is sanitised here, so a
//! document that passed [`parse`] is safe to render. [`parse_stored`] reads again what this
//! server stored after [`parse`], without sanitising its rich text a second time.

use serde::{Deserialize, Serialize};

/// The version of the block model; stored with every site so later versions can migrate it.
pub const SCHEMA_VERSION: u32 = 1;

/// A whole site. Written with serde; read only through [`parse`], which checks it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Site {
    pub schema: u32,
    pub slug: String,
    pub title: String,
    pub language: String,
    pub description: String,
    pub published: bool,
    pub theme: String,
    pub font_set: String,
    /// The picture shown when the site is shared (OpenGraph); else the first picture.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub social_image: String,
    /// The small picture in browser tabs.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub favicon: String,
    pub blocks: Vec<Section>,
}

/// The document as read, before each block is typed: blocks stay JSON objects so that a fault
/// inside one is reported with its full path (serde loses the path inside internally tagged
/// enums, so [`parse`] types each block itself).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    #[serde(default = "schema_version")]
    schema: u32,
    slug: String,
    title: String,
    #[serde(default = "default_language")]
    language: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    published: bool,
    #[serde(default = "default_theme")]
    theme: String,
    #[serde(default = "default_font_set")]
    font_set: String,
    #[serde(default)]
    social_image: String,
    #[serde(default)]
    favicon: String,
    #[serde(default)]
    blocks: Vec<serde_json::Map<String, serde_json::Value>>,
}

fn schema_version() -> u32 {
    SCHEMA_VERSION
}
fn default_language() -> String {
    "fr".into()
}
fn default_theme() -> String {
    crate::theme::DEFAULT_PALETTE.into()
}
fn default_font_set() -> String {
    crate::theme::DEFAULT_FONT_SET.into()
}

/// One block on the page, with what every block has: a stable id (anchors, the editor), an
/// optional label in the page's menu, and whether it is hidden. In JSON it is one object:
/// `{"type": "map", "id": …, "menu": …, "hidden": …, "lat": …}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub id: String,
    pub menu: Option<String>,
    pub hidden: bool,
    pub block: Block,
}

impl Serialize for Section {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error;
        // The block serialises as `{"<type>": {fields}}`; flatten it to `{"type": …, fields}`.
        let value = serde_json::to_value(&self.block).map_err(S::Error::custom)?;
        let (kind, fields) = match value {
            serde_json::Value::Object(m) => m
                .into_iter()
                .next()
                .ok_or_else(|| S::Error::custom("empty block"))?,
            serde_json::Value::String(kind) => {
                (kind, serde_json::Value::Object(Default::default()))
            }
            _ => return Err(S::Error::custom("a block is an object")),
        };
        let mut out = serde_json::Map::new();
        out.insert("type".into(), kind.into());
        if !self.id.is_empty() {
            out.insert("id".into(), self.id.clone().into());
        }
        if let Some(m) = &self.menu {
            out.insert("menu".into(), m.clone().into());
        }
        if self.hidden {
            out.insert("hidden".into(), true.into());
        }
        if let serde_json::Value::Object(fields) = fields {
            out.extend(fields);
        }
        out.serialize(ser)
    }
}

/// An image: a URL (or, in an import document, a `data:` URI) and its text alternative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Image {
    pub src: String,
    #[serde(default)]
    pub alt: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub caption: String,
}

/// A button or a link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    pub label: String,
    pub href: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Card {
    #[serde(default)]
    pub image: Option<Image>,
    pub title: String,
    #[serde(default)]
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Feature {
    /// One of [`ICONS`].
    #[serde(default = "default_icon")]
    pub icon: String,
    pub title: String,
    #[serde(default)]
    pub text: String,
}

fn default_icon() -> String {
    "star".into()
}

/// The icons a feature may show (drawn by the renderer, never uploaded).
pub const ICONS: &[&str] = &[
    "star", "heart", "leaf", "sun", "music", "book", "camera", "mail", "pin", "clock", "check",
    "users",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineEntry {
    pub date: String,
    pub title: String,
    #[serde(default)]
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Skill {
    pub name: String,
    /// 0 to 100.
    #[serde(default = "default_level")]
    pub level: u8,
}

fn default_level() -> u8 {
    50
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SocialLink {
    /// One of [`NETWORKS`].
    pub network: String,
    pub url: String,
}

/// The networks a social-links block knows by name and icon.
pub const NETWORKS: &[&str] = &[
    "mastodon",
    "peertube",
    "diaspora",
    "pixelfed",
    "friendica",
    "lemmy",
    "matrix",
    "github",
    "gitlab",
    "codeberg",
    "website",
    "email",
    "rss",
    "youtube",
    "instagram",
    "facebook",
    "linkedin",
    "x",
    "bluesky",
];

/// The blocks, with their settings. Never free CSS or HTML: rich text is an allow-listed subset.
/// (Externally tagged for serde; [`Section`] gives the document's `"type"` form.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Block {
    /// Title banner: the page's h1.
    Banner {
        title: String,
        #[serde(default)]
        subtitle: String,
        #[serde(default)]
        image: Option<Image>,
        /// Focal point of the background, 0–1 on each axis.
        #[serde(default = "centre")]
        focal: (f32, f32),
        /// Darkening over the image, 0–0.8, so the title stays readable.
        #[serde(default = "default_overlay")]
        overlay: f32,
        #[serde(default)]
        buttons: Vec<Link>,
    },
    /// One to three columns of rich text.
    Text {
        #[serde(default)]
        heading: String,
        columns: Vec<String>,
    },
    /// A band in the accent colour.
    Highlight {
        text: String,
        #[serde(default)]
        button: Option<Link>,
    },
    Gallery {
        #[serde(default)]
        heading: String,
        images: Vec<Image>,
    },
    Carousel {
        images: Vec<Image>,
        /// Seconds per slide; 0 = no automatic advance.
        #[serde(default = "default_interval")]
        interval: u32,
    },
    Cards {
        #[serde(default)]
        heading: String,
        cards: Vec<Card>,
    },
    Features {
        #[serde(default)]
        heading: String,
        items: Vec<Feature>,
    },
    Timeline {
        #[serde(default)]
        heading: String,
        entries: Vec<TimelineEntry>,
    },
    Skills {
        #[serde(default)]
        heading: String,
        skills: Vec<Skill>,
    },
    Buttons {
        buttons: Vec<Link>,
    },
    /// A PeerTube (or Ruche) video, by its watch URL; embedded through oEmbed behind a facade.
    Video {
        url: String,
        #[serde(default)]
        title: String,
        /// The player's address, found through the video's oEmbed when the URL was set.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        embed: String,
        /// The video's preview picture, from the same oEmbed answer.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        thumbnail: String,
    },
    Social {
        #[serde(default)]
        heading: String,
        links: Vec<SocialLink>,
    },
    /// A contact form; messages go to `to`.
    Contact {
        #[serde(default)]
        heading: String,
        #[serde(default)]
        to: String,
        #[serde(default)]
        intro: String,
    },
    /// An OpenStreetMap map, loaded on request.
    Map {
        lat: f64,
        lon: f64,
        #[serde(default = "default_zoom")]
        zoom: u8,
        #[serde(default)]
        label: String,
        #[serde(default)]
        address: String,
    },
    Separator {
        #[serde(default)]
        size: SpaceSize,
        #[serde(default)]
        line: bool,
    },
    Footer {
        #[serde(default)]
        text: String,
        #[serde(default)]
        links: Vec<Link>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpaceSize {
    Small,
    #[default]
    Medium,
    Large,
}

fn centre() -> (f32, f32) {
    (0.5, 0.5)
}
fn default_overlay() -> f32 {
    0.4
}
fn default_interval() -> u32 {
    6
}
fn default_zoom() -> u8 {
    15
}

impl Block {
    /// The block's type name, as in the document.
    pub fn kind(&self) -> &'static str {
        match self {
            Block::Banner { .. } => "banner",
            Block::Text { .. } => "text",
            Block::Highlight { .. } => "highlight",
            Block::Gallery { .. } => "gallery",
            Block::Carousel { .. } => "carousel",
            Block::Cards { .. } => "cards",
            Block::Features { .. } => "features",
            Block::Timeline { .. } => "timeline",
            Block::Skills { .. } => "skills",
            Block::Buttons { .. } => "buttons",
            Block::Video { .. } => "video",
            Block::Social { .. } => "social",
            Block::Contact { .. } => "contact",
            Block::Map { .. } => "map",
            Block::Separator { .. } => "separator",
            Block::Footer { .. } => "footer",
        }
    }
}

impl Site {
    /// Every picture address of the site (blocks, social picture, icon), to rewrite them: an
    /// import stores `data:` pictures, an export embeds ours.
    pub fn picture_sources_mut(&mut self) -> Vec<&mut String> {
        let mut out = Vec::new();
        if !self.social_image.is_empty() {
            out.push(&mut self.social_image);
        }
        if !self.favicon.is_empty() {
            out.push(&mut self.favicon);
        }
        for s in &mut self.blocks {
            match &mut s.block {
                Block::Banner { image: Some(i), .. } => out.push(&mut i.src),
                Block::Gallery { images, .. } | Block::Carousel { images, .. } => {
                    out.extend(images.iter_mut().map(|i| &mut i.src))
                }
                Block::Cards { cards, .. } => out.extend(
                    cards
                        .iter_mut()
                        .filter_map(|c| c.image.as_mut().map(|i| &mut i.src)),
                ),
                _ => {}
            }
        }
        out
    }
}

/// A fault in a document, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct Fault {
    /// A JSON path such as `blocks[2].columns`.
    pub path: String,
    pub message: String,
}

fn fault(path: impl Into<String>, message: impl Into<String>) -> Fault {
    Fault {
        path: path.into(),
        message: message.into(),
    }
}

/// Reads a site document. Refuses, with the path of the fault, what is not valid JSON, an unknown
/// block type or field, a value of the wrong kind, or a setting out of bounds; sanitises rich
/// text; gives blocks without an id a fresh one.
pub fn parse(json: &[u8]) -> Result<Site, Fault> {
    read(json, RichText::Sanitise)
}

/// Reads a document this server stored (a draft, a published copy, a revision), which [`parse`]
/// made before it was written: every check of [`parse`] but the sanitising of rich text, which
/// the stored text has been through already and which is by far the costliest part (a page of
/// long nested lists takes seconds). Never for a document from a client: its rich text is kept
/// as it is.
pub fn parse_stored(json: &[u8]) -> Result<Site, Fault> {
    read(json, RichText::AsStored)
}

/// What [`read`] does with rich text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RichText {
    /// Cleaned to the allow-list (a document from a client).
    Sanitise,
    /// Kept, its length checked (a document stored after [`parse`]).
    AsStored,
}

fn read(json: &[u8], rich_text: RichText) -> Result<Site, Fault> {
    let de = &mut serde_json::Deserializer::from_slice(json);
    let raw: RawSite = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." || path == "?" || path.is_empty() {
            "$".to_string()
        } else {
            path
        };
        fault(path, e.into_inner().to_string())
    })?;
    let mut blocks = Vec::with_capacity(raw.blocks.len());
    for (i, b) in raw.blocks.into_iter().enumerate() {
        blocks.push(section(&format!("blocks[{i}]"), b)?);
    }
    let mut site = Site {
        schema: raw.schema,
        slug: raw.slug,
        title: raw.title,
        language: raw.language,
        description: raw.description,
        published: raw.published,
        theme: raw.theme,
        font_set: raw.font_set,
        social_image: raw.social_image,
        favicon: raw.favicon,
        blocks,
    };
    validate(&mut site, rich_text)?;
    Ok(site)
}

/// Types one block, keeping the path of any fault inside it.
fn section(
    path: &str,
    mut m: serde_json::Map<String, serde_json::Value>,
) -> Result<Section, Fault> {
    use serde_json::Value;
    let text =
        |m: &mut serde_json::Map<String, Value>, key: &str| -> Result<Option<String>, Fault> {
            match m.remove(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(fault(format!("{path}.{key}"), "expected a string")),
            }
        };
    let kind = text(&mut m, "type")?
        .ok_or_else(|| fault(format!("{path}.type"), "a block needs a type"))?;
    let id = text(&mut m, "id")?.unwrap_or_default();
    let menu = text(&mut m, "menu")?;
    let hidden = match m.remove("hidden") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => b,
        Some(_) => return Err(fault(format!("{path}.hidden"), "expected true or false")),
    };
    let tagged = Value::Object(std::iter::once((kind.clone(), Value::Object(m))).collect());
    let block: Block = serde_path_to_error::deserialize(tagged).map_err(|e| {
        // The path starts with the variant (`map.lat`): the document knows it as `type`.
        let inner = e.path().to_string();
        let rest = inner.split_once('.').map(|(_, r)| r.to_string());
        let err = e.into_inner().to_string();
        match rest {
            _ if err.starts_with("unknown variant") => fault(
                format!("{path}.type"),
                format!("unknown block type {kind:?}"),
            ),
            Some(r) if !r.is_empty() && r != "?" => fault(format!("{path}.{r}"), err),
            _ => fault(path.to_string(), err),
        }
    })?;
    Ok(Section {
        id,
        menu,
        hidden,
        block,
    })
}

/// The site as its export document (the same format [`parse`] reads back).
pub fn to_json(site: &Site) -> String {
    serde_json::to_string_pretty(site).unwrap_or_default()
}

/// Slugs: lowercase letters, digits and dashes, 2–63 characters, not reserved.
pub fn check_slug(slug: &str) -> Result<(), String> {
    const RESERVED: &[&str] = &[
        "www", "api", "admin", "assets", "static", "new", "edit", "p", "login", "signup", "mail",
    ];
    let ok_chars = slug
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !(2..=63).contains(&slug.len()) || !ok_chars || slug.starts_with('-') || slug.ends_with('-')
    {
        return Err("a slug is 2 to 63 lowercase letters, digits and dashes".into());
    }
    if RESERVED.contains(&slug) {
        return Err(format!("the slug {slug:?} is reserved"));
    }
    Ok(())
}

/// URLs a visitor may follow: web, mail, phone and in-page anchors; never `javascript:`.
pub fn safe_href(href: &str) -> bool {
    let h = href.trim().to_ascii_lowercase();
    h.starts_with("https://")
        || h.starts_with("http://")
        || h.starts_with("mailto:")
        || h.starts_with("tel:")
        || h.starts_with('#')
        || (h.starts_with('/') && !h.starts_with("//"))
}

/// Empty, or an http(s) address (lowercased already).
fn empty_or_web(u: &str) -> bool {
    u.is_empty() || u.starts_with("https://") || u.starts_with("http://")
}

/// Image sources: web URLs, our own paths, or (in an import) a `data:` image.
fn safe_src(src: &str) -> bool {
    let s = src.trim().to_ascii_lowercase();
    s.starts_with("https://")
        || s.starts_with("http://")
        || (s.starts_with('/') && !s.starts_with("//"))
        || [
            "data:image/png;",
            "data:image/jpeg;",
            "data:image/webp;",
            "data:image/gif;",
        ]
        .iter()
        .any(|p| s.starts_with(p))
}

/// The rich-text allow-list: the editor's toolbar (bold, italic, link, lists, two heading sizes)
/// and paragraphs. Links get `rel="noopener noreferrer"`; only safe URL schemes survive.
pub fn sanitize_rich_text(html: &str) -> String {
    // Built once: a builder holds the allow-lists as sets, costly to make on every field.
    static SANITIZER: std::sync::LazyLock<ammonia::Builder<'static>> =
        std::sync::LazyLock::new(|| {
            let mut b = ammonia::Builder::default();
            b.tags(
                [
                    "p", "br", "strong", "b", "em", "i", "a", "ul", "ol", "li", "h2", "h3", "h4",
                ]
                .into_iter()
                .collect(),
            )
            .tag_attributes(std::iter::once(("a", ["href"].into_iter().collect())).collect())
            .url_schemes(["http", "https", "mailto", "tel"].into_iter().collect())
            .link_rel(Some("noopener noreferrer"));
            b
        });
    // Text read back must come out unchanged, or a saved document changes each time it is
    // read. One pass is not always enough: the HTML parser does not read every tree it makes
    // back the same (`<h3><a><h2><a>`, or a table dropped from inside a link, leave headings
    // or links nested, which the next parse splits). So clean until the text is stable (text
    // already clean, as a saved document's is, takes one pass), and keep only the words of
    // markup that still moves after a few passes (plain text is always stable).
    static TEXT_ONLY: std::sync::LazyLock<ammonia::Builder<'static>> =
        std::sync::LazyLock::new(|| {
            let mut b = ammonia::Builder::empty();
            b.clean_content_tags(["script", "style"].into_iter().collect());
            b
        });
    let mut text = html.to_string();
    for _ in 0..4 {
        let cleaned = SANITIZER.clean(&text).to_string();
        if cleaned == text {
            return cleaned;
        }
        text = cleaned;
    }
    TEXT_ONLY.clean(&text).to_string()
}

/// Plain text fields: no markup at all, bounded length.
fn plain(path: &str, s: &mut String, max: usize) -> Result<(), Fault> {
    *s = s.trim().to_string();
    if s.chars().count() > max {
        return Err(fault(path, format!("longer than {max} characters")));
    }
    Ok(())
}

fn rich(path: &str, s: &mut String, rich_text: RichText) -> Result<(), Fault> {
    if s.len() > 20_000 {
        return Err(fault(path, "longer than 20000 characters"));
    }
    if rich_text == RichText::AsStored {
        return Ok(());
    }
    *s = sanitize_rich_text(s);
    // Sanitising escapes (`&` becomes `&amp;`): what is kept must pass this bound when it is
    // read back, or the document could never be saved again.
    if s.len() > 20_000 {
        return Err(fault(path, "longer than 20000 characters"));
    }
    Ok(())
}

fn link(path: &str, l: &mut Link) -> Result<(), Fault> {
    plain(&format!("{path}.label"), &mut l.label, 60)?;
    if !safe_href(&l.href) {
        return Err(fault(
            format!("{path}.href"),
            "a link must be http(s), mailto:, tel: or an anchor",
        ));
    }
    Ok(())
}

fn image(path: &str, i: &mut Image) -> Result<(), Fault> {
    if !safe_src(&i.src) {
        return Err(fault(
            format!("{path}.src"),
            "an image is an http(s) URL or a data:image URI",
        ));
    }
    plain(&format!("{path}.alt"), &mut i.alt, 300)?;
    plain(&format!("{path}.caption"), &mut i.caption, 300)
}

fn count(path: &str, n: usize, min: usize, max: usize) -> Result<(), Fault> {
    if n < min || n > max {
        return Err(fault(
            path,
            format!("expected {min} to {max} items, found {n}"),
        ));
    }
    Ok(())
}

fn validate(site: &mut Site, rich_text: RichText) -> Result<(), Fault> {
    if site.schema > SCHEMA_VERSION {
        return Err(fault(
            "schema",
            format!("this server reads schema {SCHEMA_VERSION} and older"),
        ));
    }
    site.schema = SCHEMA_VERSION;
    check_slug(&site.slug).map_err(|m| fault("slug", m))?;
    plain("title", &mut site.title, 120)?;
    if site.title.is_empty() {
        return Err(fault("title", "a site needs a title"));
    }
    plain("description", &mut site.description, 300)?;
    if !(2..=8).contains(&site.language.len())
        || !site
            .language
            .bytes()
            .all(|b| b.is_ascii_alphabetic() || b == b'-')
    {
        return Err(fault("language", "a language code such as fr or en"));
    }
    if crate::theme::palette(&site.theme).is_none() {
        return Err(fault("theme", format!("unknown theme {:?}", site.theme)));
    }
    if crate::theme::font_set(&site.font_set).is_none() {
        return Err(fault(
            "font_set",
            format!("unknown font set {:?}", site.font_set),
        ));
    }
    for (key, src) in [
        ("social_image", &site.social_image),
        ("favicon", &site.favicon),
    ] {
        if !src.is_empty() && !safe_src(src) {
            return Err(fault(key, "an image is an http(s) URL or a data:image URI"));
        }
    }
    count("blocks", site.blocks.len(), 0, 60)?;
    let mut ids = std::collections::HashSet::new();
    for (i, s) in site.blocks.iter_mut().enumerate() {
        let p = format!("blocks[{i}]");
        if s.id.is_empty()
            || !s.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            || !ids.insert(s.id.clone())
        {
            s.id = format!("{}-{}", s.block.kind(), i + 1);
            while !ids.insert(s.id.clone()) {
                s.id.push('x');
            }
        }
        if let Some(m) = &mut s.menu {
            plain(&format!("{p}.menu"), m, 40)?;
        }
        validate_block(&p, &mut s.block, rich_text)?;
    }
    Ok(())
}

fn validate_block(p: &str, b: &mut Block, rich_text: RichText) -> Result<(), Fault> {
    match b {
        Block::Banner {
            title,
            subtitle,
            image: img,
            focal,
            overlay,
            buttons,
        } => {
            plain(&format!("{p}.title"), title, 120)?;
            plain(&format!("{p}.subtitle"), subtitle, 300)?;
            if let Some(i) = img {
                image(&format!("{p}.image"), i)?;
            }
            if !(0.0..=1.0).contains(&focal.0) || !(0.0..=1.0).contains(&focal.1) {
                return Err(fault(
                    format!("{p}.focal"),
                    "a focal point is between 0 and 1 on each axis",
                ));
            }
            if !(0.0..=0.8).contains(overlay) {
                return Err(fault(
                    format!("{p}.overlay"),
                    "the overlay is between 0 and 0.8",
                ));
            }
            count(&format!("{p}.buttons"), buttons.len(), 0, 2)?;
            for (i, l) in buttons.iter_mut().enumerate() {
                link(&format!("{p}.buttons[{i}]"), l)?;
            }
        }
        Block::Text { heading, columns } => {
            plain(&format!("{p}.heading"), heading, 120)?;
            count(&format!("{p}.columns"), columns.len(), 1, 3)?;
            for (i, c) in columns.iter_mut().enumerate() {
                rich(&format!("{p}.columns[{i}]"), c, rich_text)?;
            }
        }
        Block::Highlight { text, button } => {
            rich(&format!("{p}.text"), text, rich_text)?;
            if let Some(l) = button {
                link(&format!("{p}.button"), l)?;
            }
        }
        Block::Gallery { heading, images } => {
            plain(&format!("{p}.heading"), heading, 120)?;
            count(&format!("{p}.images"), images.len(), 0, 60)?;
            for (i, im) in images.iter_mut().enumerate() {
                image(&format!("{p}.images[{i}]"), im)?;
            }
        }
        Block::Carousel { images, interval } => {
            count(&format!("{p}.images"), images.len(), 0, 30)?;
            for (i, im) in images.iter_mut().enumerate() {
                image(&format!("{p}.images[{i}]"), im)?;
            }
            if *interval > 60 {
                return Err(fault(
                    format!("{p}.interval"),
                    "at most 60 seconds per slide",
                ));
            }
        }
        Block::Cards { heading, cards } => {
            plain(&format!("{p}.heading"), heading, 120)?;
            count(&format!("{p}.cards"), cards.len(), 1, 4)?;
            for (i, c) in cards.iter_mut().enumerate() {
                let cp = format!("{p}.cards[{i}]");
                if let Some(im) = &mut c.image {
                    image(&format!("{cp}.image"), im)?;
                }
                plain(&format!("{cp}.title"), &mut c.title, 120)?;
                rich(&format!("{cp}.text"), &mut c.text, rich_text)?;
            }
        }
        Block::Features { heading, items } => {
            plain(&format!("{p}.heading"), heading, 120)?;
            count(&format!("{p}.items"), items.len(), 1, 12)?;
            for (i, f) in items.iter_mut().enumerate() {
                let fp = format!("{p}.items[{i}]");
                if !ICONS.contains(&f.icon.as_str()) {
                    return Err(fault(
                        format!("{fp}.icon"),
                        format!("one of {}", ICONS.join(", ")),
                    ));
                }
                plain(&format!("{fp}.title"), &mut f.title, 120)?;
                rich(&format!("{fp}.text"), &mut f.text, rich_text)?;
            }
        }
        Block::Timeline { heading, entries } => {
            plain(&format!("{p}.heading"), heading, 120)?;
            count(&format!("{p}.entries"), entries.len(), 1, 50)?;
            for (i, e) in entries.iter_mut().enumerate() {
                let ep = format!("{p}.entries[{i}]");
                plain(&format!("{ep}.date"), &mut e.date, 40)?;
                plain(&format!("{ep}.title"), &mut e.title, 120)?;
                rich(&format!("{ep}.text"), &mut e.text, rich_text)?;
            }
        }
        Block::Skills { heading, skills } => {
            plain(&format!("{p}.heading"), heading, 120)?;
            count(&format!("{p}.skills"), skills.len(), 1, 30)?;
            for (i, s) in skills.iter_mut().enumerate() {
                plain(&format!("{p}.skills[{i}].name"), &mut s.name, 60)?;
                if s.level > 100 {
                    return Err(fault(
                        format!("{p}.skills[{i}].level"),
                        "a level is 0 to 100",
                    ));
                }
            }
        }
        Block::Buttons { buttons } => {
            count(&format!("{p}.buttons"), buttons.len(), 1, 4)?;
            for (i, l) in buttons.iter_mut().enumerate() {
                link(&format!("{p}.buttons[{i}]"), l)?;
            }
        }
        Block::Video {
            url,
            title,
            embed,
            thumbnail,
        } => {
            // The player is always an instance's `/videos/embed/<id>` page (checked again here,
            // as a document may come from an import).
            let e = embed.trim();
            let embed_ok = e.is_empty()
                || ((e.starts_with("https://") || e.starts_with("http://"))
                    && e.split_once("/videos/embed/").is_some_and(|(_, id)| {
                        !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    }));
            if !embed_ok {
                return Err(fault(format!("{p}.embed"), "a video player address"));
            }
            let t = thumbnail.trim().to_ascii_lowercase();
            if !empty_or_web(&t) {
                return Err(fault(
                    format!("{p}.thumbnail"),
                    "an http(s) picture address",
                ));
            }
            // Empty is allowed: a block just added, flagged by the editor until it has a video.
            let u = url.trim().to_ascii_lowercase();
            if !empty_or_web(&u) {
                return Err(fault(
                    format!("{p}.url"),
                    "a video is the http(s) address of its watch page",
                ));
            }
            plain(&format!("{p}.title"), title, 120)?;
        }
        Block::Social { heading, links } => {
            plain(&format!("{p}.heading"), heading, 120)?;
            count(&format!("{p}.links"), links.len(), 1, 20)?;
            for (i, l) in links.iter_mut().enumerate() {
                if !NETWORKS.contains(&l.network.as_str()) {
                    return Err(fault(
                        format!("{p}.links[{i}].network"),
                        format!("one of {}", NETWORKS.join(", ")),
                    ));
                }
                if !safe_href(&l.url) {
                    return Err(fault(
                        format!("{p}.links[{i}].url"),
                        "an http(s) or mailto: address",
                    ));
                }
            }
        }
        Block::Contact { heading, to, intro } => {
            plain(&format!("{p}.heading"), heading, 120)?;
            plain(&format!("{p}.intro"), intro, 500)?;
            // Empty is allowed (the editor flags the block until an address is set).
            let t = to.trim();
            if !t.is_empty()
                && !t.split_once('@').is_some_and(|(a, d)| {
                    !a.is_empty() && d.contains('.') && !t.contains(char::is_whitespace)
                })
            {
                return Err(fault(format!("{p}.to"), "an email address"));
            }
            *to = t.to_string();
        }
        Block::Map {
            lat,
            lon,
            zoom,
            label,
            address,
        } => {
            if !(-90.0..=90.0).contains(lat) {
                return Err(fault(
                    format!("{p}.lat"),
                    "a latitude is between -90 and 90",
                ));
            }
            if !(-180.0..=180.0).contains(lon) {
                return Err(fault(
                    format!("{p}.lon"),
                    "a longitude is between -180 and 180",
                ));
            }
            if !(1..=19).contains(zoom) {
                return Err(fault(format!("{p}.zoom"), "a zoom is between 1 and 19"));
            }
            plain(&format!("{p}.label"), label, 120)?;
            plain(&format!("{p}.address"), address, 300)?;
        }
        Block::Separator { .. } => {}
        Block::Footer { text, links } => {
            rich(&format!("{p}.text"), text, rich_text)?;
            count(&format!("{p}.links"), links.len(), 0, 10)?;
            for (i, l) in links.iter_mut().enumerate() {
                link(&format!("{p}.links[{i}]"), l)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r##"{"slug": "a-site", "title": " T ", "blocks": [
        {"type": "text", "columns": ["<p onclick=\"x()\">Un <script>x()</script><em>lieu</em> &amp; plus</p>"]},
        {"type": "buttons", "buttons": [{"label": "Go", "href": "https://example.org/"}]}
    ]}"##;

    #[test]
    fn a_stored_document_reads_back_the_same_without_sanitising() {
        let site = parse(DOC.as_bytes()).expect("a valid document");
        let stored = to_json(&site);
        assert_eq!(parse_stored(stored.as_bytes()), Ok(site.clone()));
        assert_eq!(parse(stored.as_bytes()), Ok(site));
    }

    #[test]
    fn a_stored_read_checks_all_but_rich_text() {
        // Rich text is kept as it is: never read what a client sent this way.
        let kept = parse_stored(DOC.as_bytes()).expect("structurally valid");
        assert!(matches!(
            &kept.blocks[0].block,
            Block::Text { columns, .. } if columns[0].contains("<script>")
        ));
        assert_eq!(
            kept.title, "T",
            "plain fields are still trimmed and bounded"
        );
        // Everything else is still checked, as cheap as it is.
        let hostile = DOC.replace("https://example.org/", "javascript:alert(1)");
        assert_eq!(
            parse_stored(hostile.as_bytes()).map_err(|f| f.path),
            Err("blocks[1].buttons[0].href".to_string())
        );
        let long = DOC.replace("plus", &"x".repeat(20_001));
        assert_eq!(
            parse_stored(long.as_bytes()).map_err(|f| f.path),
            Err("blocks[0].columns[0]".to_string())
        );
    }
}

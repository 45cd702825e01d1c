//! The curated looks of a Pages site: colour palettes and font sets.
//!
//! Pages is limited on purpose: a site owner picks one palette and one font set from short lists,
//! and never types a colour or a font name. That is what lets us promise every result is both
//! pretty and readable. PrettyNoemieCMS, which Pages replaces, shipped 13 colour themes of which
//! 26 of the 65 colour pairs its templates used fail WCAG AA; here every palette is defined by
//! *roles* ([`Role`]), every pair of roles the blocks put on top of each other is listed once in
//! [`PAIRS`] with its minimum contrast, and the test suite checks every palette against every
//! pair, so a palette that would make some block unreadable cannot ship.
//!
//! Fonts are self-hosted (no third-party font service learns who visits a site): each font set
//! names faces vendored under `assets/fonts/` by `scripts/vendor-fonts.sh`, latin subset, WOFF2,
//! only the weights the blocks use. [`theme_css`] turns a palette and a font set into the CSS
//! custom properties the shared block stylesheet reads.

use std::fmt;
use std::fmt::Write as _;

/// An sRGB colour, 8 bits per channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// The colour as CSS hex, `#rrggbb` (lower case).
    pub fn hex(self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// `0xRRGGBB` → [`Rgb`], so the palettes below read like the hex codes designers use.
const fn hex(v: u32) -> Rgb {
    Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
}

/// What a colour is for. Blocks never name colours, only roles, so any block works with any
/// palette; the pairs of roles they combine are listed in [`PAIRS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The page itself.
    Background,
    /// Cards, the menu bar, the footer, form fields: a quiet tint that sets them apart from the
    /// background.
    Surface,
    /// Body text and titles.
    Text,
    /// Secondary text: captions, dates, subtitles. Still body-text readable (4.5:1).
    Muted,
    /// The palette's signature colour: buttons, the highlight band, headings and icons drawn in
    /// colour.
    Accent,
    /// Text and icons on the accent colour (button labels, the highlight band's text).
    OnAccent,
    /// Links in running text (blocks also underline them: colour alone must not carry meaning).
    Link,
    /// The keyboard focus ring.
    Focus,
}

impl Role {
    /// Every role, in the order of the CSS custom properties.
    pub const ALL: [Role; 8] = [
        Role::Background,
        Role::Surface,
        Role::Text,
        Role::Muted,
        Role::Accent,
        Role::OnAccent,
        Role::Link,
        Role::Focus,
    ];

    /// The CSS custom property that carries this role (`--bg`, `--on-accent`, …), the only
    /// name the block stylesheet uses for it.
    pub const fn css_var(self) -> &'static str {
        match self {
            Role::Background => "--bg",
            Role::Surface => "--surface",
            Role::Text => "--text",
            Role::Muted => "--muted",
            Role::Accent => "--accent",
            Role::OnAccent => "--on-accent",
            Role::Link => "--link",
            Role::Focus => "--focus",
        }
    }

    /// A short name for messages (`on_accent`, as in the [`Palette`] field).
    pub const fn name(self) -> &'static str {
        match self {
            Role::Background => "background",
            Role::Surface => "surface",
            Role::Text => "text",
            Role::Muted => "muted",
            Role::Accent => "accent",
            Role::OnAccent => "on_accent",
            Role::Link => "link",
            Role::Focus => "focus",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A curated colour palette: one colour per [`Role`], with a name in each UI language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Palette {
    /// Stable identifier, stored in site documents: never rename one.
    pub id: &'static str,
    pub name_en: &'static str,
    pub name_fr: &'static str,
    pub background: Rgb,
    pub surface: Rgb,
    pub text: Rgb,
    pub muted: Rgb,
    pub accent: Rgb,
    pub on_accent: Rgb,
    pub link: Rgb,
    pub focus: Rgb,
}

impl Palette {
    /// Whether this is a dark palette (light text on a dark background), so the page can say
    /// `color-scheme: dark` and browsers draw scrollbars and native controls to match.
    pub fn is_dark(&self) -> bool {
        relative_luminance(self.background) < relative_luminance(self.text)
    }
}

/// The colour a palette gives a role.
pub fn role(p: &Palette, r: Role) -> Rgb {
    match r {
        Role::Background => p.background,
        Role::Surface => p.surface,
        Role::Text => p.text,
        Role::Muted => p.muted,
        Role::Accent => p.accent,
        Role::OnAccent => p.on_accent,
        Role::Link => p.link,
        Role::Focus => p.focus,
    }
}

/// WCAG 2.x SC 1.4.3 (AA): normal-size text needs 4.5:1 against what is behind it.
pub const TEXT_MIN: f64 = 4.5;
/// WCAG 2.x SC 1.4.11: user-interface components and focus indicators need 3:1.
pub const NON_TEXT_MIN: f64 = 3.0;

/// Every (foreground role, background role, minimum ratio) the blocks use; the single source of
/// truth for the contrast test and for block authors.
///
/// A block author who puts a role on top of another must find the pair here (or add it, and the
/// test suite then checks it against every palette). Headings and icons drawn in the accent
/// colour count as normal text (4.5:1) because a heading's size depends on the screen. Not
/// listed, because no palette can guarantee it: a focus ring drawn *on the accent colour* (a
/// button inside the highlight band) must use `on_accent` instead of `focus`, which the
/// `(OnAccent, Accent)` pair covers. Text on a banner image sits under a dark overlay that does
/// not depend on the palette.
pub const PAIRS: &[(Role, Role, f64)] = &[
    (Role::Text, Role::Background, TEXT_MIN),
    (Role::Text, Role::Surface, TEXT_MIN),
    (Role::Muted, Role::Background, TEXT_MIN),
    (Role::Muted, Role::Surface, TEXT_MIN),
    (Role::Link, Role::Background, TEXT_MIN),
    (Role::Link, Role::Surface, TEXT_MIN),
    (Role::OnAccent, Role::Accent, TEXT_MIN),
    (Role::Accent, Role::Background, TEXT_MIN),
    (Role::Accent, Role::Surface, TEXT_MIN),
    (Role::Focus, Role::Background, NON_TEXT_MIN),
    (Role::Focus, Role::Surface, NON_TEXT_MIN),
];

/// The relative luminance of an sRGB colour, as WCAG 2.x defines it (0 for black, 1 for white).
///
/// Uses the 0.04045 threshold of the sRGB standard; WCAG 2.x's text says 0.03928, which
/// differs only for channel values that no 8-bit colour has.
pub fn relative_luminance(c: Rgb) -> f64 {
    fn linear(channel: u8) -> f64 {
        let s = f64::from(channel) / 255.0;
        if s <= 0.04045 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    }
    0.2126 * linear(c.0) + 0.7152 * linear(c.1) + 0.0722 * linear(c.2)
}

/// The WCAG 2.x contrast ratio of two colours, from 1 (equal) to 21 (black on white); the order
/// of the arguments does not matter.
pub fn contrast_ratio(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (relative_luminance(a), relative_luminance(b));
    let (hi, lo) = if la >= lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// A pair of [`PAIRS`] that a palette does not pass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContrastFailure {
    pub foreground: Role,
    pub background: Role,
    pub ratio: f64,
    pub minimum: f64,
}

impl fmt::Display for ContrastFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} on {}: {:.2}:1, needs {:.1}:1",
            self.foreground, self.background, self.ratio, self.minimum
        )
    }
}

/// The pairs of [`PAIRS`] a palette fails (empty when it is fine). The curated palettes all pass
/// (the test suite checks it); this is here for anything that builds or tweaks a palette later.
pub fn contrast_failures(p: &Palette) -> Vec<ContrastFailure> {
    PAIRS
        .iter()
        .filter_map(|&(fg, bg, minimum)| {
            let ratio = contrast_ratio(role(p, fg), role(p, bg));
            (ratio < minimum).then_some(ContrastFailure {
                foreground: fg,
                background: bg,
                ratio,
                minimum,
            })
        })
        .collect()
}

/// The palette a new site starts with: calm, light, neutral enough for any subject.
pub const DEFAULT_PALETTE: &str = "paper";

/// The curated palettes. Light ones first, then dark ones; each passes every pair of [`PAIRS`].
/// Ids are stored in site documents, so an id is never renamed or reused.
pub const PALETTES: &[Palette] = &[
    Palette {
        id: "paper",
        name_en: "Paper",
        name_fr: "Papier",
        background: hex(0xFBFAF7),
        surface: hex(0xF0ECE4),
        text: hex(0x1F1D1A),
        muted: hex(0x5C574F),
        accent: hex(0x1F5C99),
        on_accent: hex(0xFFFFFF),
        link: hex(0x1A5696),
        focus: hex(0x1F5C99),
    },
    Palette {
        id: "terracotta",
        name_en: "Terracotta",
        name_fr: "Terre cuite",
        background: hex(0xFBF5EF),
        surface: hex(0xF3E6D9),
        text: hex(0x2B1D14),
        muted: hex(0x6B5446),
        accent: hex(0xA8431E),
        on_accent: hex(0xFFFFFF),
        link: hex(0x9A3B17),
        focus: hex(0xA8431E),
    },
    Palette {
        id: "forest",
        name_en: "Forest",
        name_fr: "Forêt",
        background: hex(0xF6F7F2),
        surface: hex(0xE7EBDF),
        text: hex(0x1C2619),
        muted: hex(0x4F5B4A),
        accent: hex(0x2F6B3A),
        on_accent: hex(0xFFFFFF),
        link: hex(0x28603A),
        focus: hex(0x2F6B3A),
    },
    Palette {
        id: "ocean",
        name_en: "Ocean",
        name_fr: "Océan",
        background: hex(0xF3F8FB),
        surface: hex(0xE1EEF5),
        text: hex(0x0E2433),
        muted: hex(0x47606F),
        accent: hex(0x006A8E),
        on_accent: hex(0xFFFFFF),
        link: hex(0x005F80),
        focus: hex(0x006A8E),
    },
    Palette {
        id: "lavender",
        name_en: "Lavender",
        name_fr: "Lavande",
        background: hex(0xF8F6FC),
        surface: hex(0xECE7F6),
        text: hex(0x2A2238),
        muted: hex(0x5E5470),
        accent: hex(0x6B4BA8),
        on_accent: hex(0xFFFFFF),
        link: hex(0x5D3F99),
        focus: hex(0x6B4BA8),
    },
    Palette {
        id: "blush",
        name_en: "Blush",
        name_fr: "Rose poudré",
        background: hex(0xFDF6F6),
        surface: hex(0xF7E6E7),
        text: hex(0x3A1F24),
        muted: hex(0x6E4E53),
        accent: hex(0xA63A55),
        on_accent: hex(0xFFFFFF),
        link: hex(0x963249),
        focus: hex(0xA63A55),
    },
    Palette {
        id: "electric",
        name_en: "Electric",
        name_fr: "Électrique",
        background: hex(0xFFFFFF),
        surface: hex(0xF2F0FF),
        text: hex(0x14112B),
        muted: hex(0x4D4870),
        accent: hex(0x5B2EE0),
        on_accent: hex(0xFFFFFF),
        link: hex(0x4B22C8),
        focus: hex(0x5B2EE0),
    },
    Palette {
        id: "contrast",
        name_en: "High contrast",
        name_fr: "Contraste élevé",
        background: hex(0xFFFFFF),
        surface: hex(0xF0F0F0),
        text: hex(0x000000),
        muted: hex(0x333333),
        accent: hex(0x0033CC),
        on_accent: hex(0xFFFFFF),
        link: hex(0x0033CC),
        focus: hex(0x0033CC),
    },
    Palette {
        id: "midnight",
        name_en: "Midnight",
        name_fr: "Minuit",
        background: hex(0x0F1420),
        surface: hex(0x1B2231),
        text: hex(0xE8ECF2),
        muted: hex(0xA9B2C3),
        accent: hex(0x7CB7FF),
        on_accent: hex(0x0F1420),
        link: hex(0x8EC5FF),
        focus: hex(0xFFD166),
    },
    Palette {
        id: "dusk",
        name_en: "Dusk",
        name_fr: "Crépuscule",
        background: hex(0x1E1A24),
        surface: hex(0x2A2433),
        text: hex(0xF3EEE8),
        muted: hex(0xBDB3C4),
        accent: hex(0xF2A65A),
        on_accent: hex(0x1E1A24),
        link: hex(0xF5B97A),
        focus: hex(0xF2A65A),
    },
    Palette {
        id: "emerald",
        name_en: "Emerald",
        name_fr: "Émeraude",
        background: hex(0x06281F),
        surface: hex(0x0C3A2D),
        text: hex(0xEAF5EF),
        muted: hex(0xA6C7B8),
        accent: hex(0x4ADE9B),
        on_accent: hex(0x06281F),
        link: hex(0x7BE8B5),
        focus: hex(0xFFD166),
    },
    Palette {
        id: "noir",
        name_en: "Black & yellow",
        name_fr: "Noir et jaune",
        background: hex(0x000000),
        surface: hex(0x161616),
        text: hex(0xFFFFFF),
        muted: hex(0xC8C8C8),
        accent: hex(0xFFD400),
        on_accent: hex(0x000000),
        link: hex(0xFFE14D),
        focus: hex(0xFFD400),
    },
];

/// The palette with this id.
pub fn palette(id: &str) -> Option<&'static Palette> {
    PALETTES.iter().find(|p| p.id == id)
}

/// One vendored font file: a family in one weight and style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FontFace {
    /// The CSS `font-family` name it is declared under.
    pub family: &'static str,
    /// Path under `assets/fonts/` (served at `/assets/fonts/<file>`).
    pub file: &'static str,
    pub weight: u16,
    pub italic: bool,
}

/// A title face and a body face that go well together, with the faces to load and the system
/// fonts to fall back on when they are not there in time (`font-display: optional`) or cannot load.
///
/// Body faces are text faces chosen to read well at 16–17 px (no display or script faces as
/// body text, unlike several of PrettyNoemieCMS's pairings); each set loads body 400, 400
/// italic and 700, and its title face in one weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FontSet {
    /// Stable identifier, stored in site documents: never rename one.
    pub id: &'static str,
    /// English name, shown in the font-set picker.
    pub name: &'static str,
    /// French name, shown in the font-set picker.
    pub name_fr: &'static str,
    /// CSS family of titles.
    pub title: &'static str,
    /// The weight titles use (one of the title family's faces).
    pub title_weight: u16,
    /// CSS family of body text.
    pub body: &'static str,
    pub faces: &'static [FontFace],
    /// System stack after the title family (no web request).
    pub title_fallback: &'static str,
    /// System stack after the body family (no web request).
    pub body_fallback: &'static str,
}

impl FontSet {
    /// The face titles are drawn with: the one worth `<link rel="preload">`ing, since the
    /// banner's title is usually the largest thing on screen.
    pub fn title_face(&self) -> Option<&'static FontFace> {
        self.faces
            .iter()
            .find(|f| f.family == self.title && f.weight == self.title_weight && !f.italic)
    }
}

/// The font set a new site starts with: a clean sans with a geometric title, right for most
/// subjects.
pub const DEFAULT_FONT_SET: &str = "modern";

const SANS: &str =
    "system-ui, -apple-system, \"Segoe UI\", Roboto, \"Helvetica Neue\", Arial, sans-serif";
const SERIF: &str = "Georgia, Cambria, \"Times New Roman\", Times, serif";
const SLAB: &str = "Rockwell, \"Roboto Slab\", Georgia, serif";
const ROUNDED: &str =
    "ui-rounded, \"SF Pro Rounded\", system-ui, \"Segoe UI\", Roboto, Arial, sans-serif";

/// One [`FontFace`] whose file follows the `@fontsource` naming, latin subset:
/// `<dir>/<dir>-latin-<weight>-<normal|italic>.woff2`.
macro_rules! face {
    ($family:literal, $dir:literal, $weight:literal, normal) => {
        FontFace {
            family: $family,
            file: concat!($dir, "/", $dir, "-latin-", $weight, "-normal.woff2"),
            weight: $weight,
            italic: false,
        }
    };
    ($family:literal, $dir:literal, $weight:literal, italic) => {
        FontFace {
            family: $family,
            file: concat!($dir, "/", $dir, "-latin-", $weight, "-italic.woff2"),
            weight: $weight,
            italic: true,
        }
    };
}

/// The body faces of a family: regular, italic, bold.
macro_rules! body_faces {
    ($family:literal, $dir:literal) => {
        [
            face!($family, $dir, 400, normal),
            face!($family, $dir, 400, italic),
            face!($family, $dir, 700, normal),
        ]
    };
}

/// A title face followed by the body faces, as one array, at compile time (`A` ≥ 1; a wrong `N`
/// fails the build, since the arrays below are constants).
const fn join<const A: usize, const B: usize, const N: usize>(
    a: [FontFace; A],
    b: [FontFace; B],
) -> [FontFace; N] {
    assert!(A + B == N, "join: wrong output length");
    let mut out = [a[0]; N];
    let mut i = 0;
    while i < A {
        out[i] = a[i];
        i += 1;
    }
    while i < N {
        out[i] = b[i - A];
        i += 1;
    }
    out
}

const CLASSIC_FACES: [FontFace; 4] = join(
    [face!("Playfair Display", "playfair-display", 700, normal)],
    body_faces!("Source Sans 3", "source-sans-3"),
);
const MODERN_FACES: [FontFace; 4] = join(
    [face!("Montserrat", "montserrat", 700, normal)],
    body_faces!("Inter", "inter"),
);
const ELEGANT_FACES: [FontFace; 4] = join(
    [face!("Raleway", "raleway", 600, normal)],
    body_faces!("Lora", "lora"),
);
const LITERARY_FACES: [FontFace; 4] = join(
    [face!("Libre Baskerville", "libre-baskerville", 700, normal)],
    body_faces!("Work Sans", "work-sans"),
);
const FRIENDLY_FACES: [FontFace; 4] = join(
    [face!("Nunito", "nunito", 800, normal)],
    body_faces!("Nunito", "nunito"),
);
const LEGIBLE_FACES: [FontFace; 3] = body_faces!("Atkinson Hyperlegible", "atkinson-hyperlegible");
const HUMANIST_FACES: [FontFace; 4] = join(
    [face!("Fira Sans", "fira-sans", 600, normal)],
    body_faces!("Fira Sans", "fira-sans"),
);
const STURDY_FACES: [FontFace; 4] = join(
    [face!("Bitter", "bitter", 700, normal)],
    body_faces!("Source Sans 3", "source-sans-3"),
);
const STORYBOOK_FACES: [FontFace; 3] = body_faces!("Lora", "lora");
const NEUTRAL_FACES: [FontFace; 3] = body_faces!("Inter", "inter");

/// The curated font sets. Ids are stored in site documents, so an id is never renamed or reused.
pub const FONT_SETS: &[FontSet] = &[
    FontSet {
        id: "modern",
        name: "Modern",
        name_fr: "Moderne",
        title: "Montserrat",
        title_weight: 700,
        body: "Inter",
        faces: &MODERN_FACES,
        title_fallback: SANS,
        body_fallback: SANS,
    },
    FontSet {
        id: "classic",
        name: "Classic",
        name_fr: "Classique",
        title: "Playfair Display",
        title_weight: 700,
        body: "Source Sans 3",
        faces: &CLASSIC_FACES,
        title_fallback: SERIF,
        body_fallback: SANS,
    },
    FontSet {
        id: "elegant",
        name: "Elegant",
        name_fr: "Élégant",
        title: "Raleway",
        title_weight: 600,
        body: "Lora",
        faces: &ELEGANT_FACES,
        title_fallback: SANS,
        body_fallback: SERIF,
    },
    FontSet {
        id: "literary",
        name: "Literary",
        name_fr: "Littéraire",
        title: "Libre Baskerville",
        title_weight: 700,
        body: "Work Sans",
        faces: &LITERARY_FACES,
        title_fallback: SERIF,
        body_fallback: SANS,
    },
    FontSet {
        id: "friendly",
        name: "Friendly",
        name_fr: "Chaleureux",
        title: "Nunito",
        title_weight: 800,
        body: "Nunito",
        faces: &FRIENDLY_FACES,
        title_fallback: ROUNDED,
        body_fallback: ROUNDED,
    },
    FontSet {
        id: "legible",
        name: "Hyperlegible",
        name_fr: "Très lisible",
        title: "Atkinson Hyperlegible",
        title_weight: 700,
        body: "Atkinson Hyperlegible",
        faces: &LEGIBLE_FACES,
        title_fallback: SANS,
        body_fallback: SANS,
    },
    FontSet {
        id: "humanist",
        name: "Humanist",
        name_fr: "Humaniste",
        title: "Fira Sans",
        title_weight: 600,
        body: "Fira Sans",
        faces: &HUMANIST_FACES,
        title_fallback: SANS,
        body_fallback: SANS,
    },
    FontSet {
        id: "sturdy",
        name: "Sturdy",
        name_fr: "Robuste",
        title: "Bitter",
        title_weight: 700,
        body: "Source Sans 3",
        faces: &STURDY_FACES,
        title_fallback: SLAB,
        body_fallback: SANS,
    },
    FontSet {
        id: "storybook",
        name: "Storybook",
        name_fr: "Conte",
        title: "Lora",
        title_weight: 700,
        body: "Lora",
        faces: &STORYBOOK_FACES,
        title_fallback: SERIF,
        body_fallback: SERIF,
    },
    FontSet {
        id: "neutral",
        name: "Neutral",
        name_fr: "Neutre",
        title: "Inter",
        title_weight: 700,
        body: "Inter",
        faces: &NEUTRAL_FACES,
        title_fallback: SANS,
        body_fallback: SANS,
    },
];

/// The font set with this id.
pub fn font_set(id: &str) -> Option<&'static FontSet> {
    FONT_SETS.iter().find(|f| f.id == id)
}

/// The code points of `@fontsource`'s latin subset, the only subset vendored. Declaring it
/// tells the browser to draw anything else (Greek, Cyrillic, …) with the fallback stack rather
/// than fetching a face that cannot show it.
const LATIN_RANGE: &str = "U+0000-00FF,U+0131,U+0152-0153,U+02BB-02BC,U+02C6,U+02DA,U+02DC,U+0304,U+0308,U+0329,U+2000-206F,U+20AC,U+2122,U+2191,U+2193,U+2212,U+2215,U+FEFF,U+FFFD";

/// The URL path prefix under which `assets/fonts/` is served.
pub const FONT_URL_PREFIX: &str = "/assets/fonts/";

/// The CSS of a theme: `@font-face` rules (url(/assets/fonts/...), font-display: optional,
/// woff2: a face that is not there for the first paint is used from the next page on, so text
/// never moves under the reader's eyes)
/// for the set's faces and a `:root { --bg: …; --surface: …; --text: …; --muted: …; --accent:
/// …; --on-accent: …; --link: …; --focus: …; --font-title: …; --font-body: … }` block.
///
/// Also sets `--title-weight` (the weight titles must use, the only one loaded for the title
/// face) and `color-scheme` (so dark palettes get dark scrollbars and form controls). Every
/// URL is a same-origin path: a site makes no third-party request for its look. Everything
/// interpolated is a constant of this module, so the result is safe inside `<style>`.
pub fn theme_css(p: &Palette, f: &FontSet) -> String {
    let mut css = String::with_capacity(2048);
    for face in f.faces {
        let _ = writeln!(
            css,
            "@font-face{{font-family:\"{family}\";font-style:{style};font-weight:{weight};\
             font-display:optional;src:url({prefix}{file}) format(\"woff2\");unicode-range:{range}}}",
            family = face.family,
            style = if face.italic { "italic" } else { "normal" },
            weight = face.weight,
            prefix = FONT_URL_PREFIX,
            file = face.file,
            range = LATIN_RANGE,
        );
    }
    css.push_str(":root{");
    for r in Role::ALL {
        let _ = write!(css, "{}:{};", r.css_var(), role(p, r));
    }
    let _ = writeln!(
        css,
        "--font-title:\"{}\", {};--font-body:\"{}\", {};--title-weight:{};color-scheme:{}}}",
        f.title,
        f.title_fallback,
        f.body,
        f.body_fallback,
        f.title_weight,
        if p.is_dark() { "dark" } else { "light" },
    );
    css
}

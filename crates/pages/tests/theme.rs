//! The curated palettes and font sets keep their promises: every palette is readable in every
//! pair of roles the blocks use, and every font set's files are vendored, WOFF2 and OFL.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use ruche_pages::theme::{
    DEFAULT_FONT_SET, DEFAULT_PALETTE, FONT_SETS, FontSet, PAIRS, PALETTES, Palette, Rgb, Role,
    contrast_failures, contrast_ratio, font_set, palette, relative_luminance, role, theme_css,
};

fn fonts_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/fonts/"))
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance
}

#[test]
fn every_palette_passes_every_pair() {
    let mut failures = Vec::new();
    for p in PALETTES {
        let before = failures.len();
        for &(fg, bg, min) in PAIRS {
            let ratio = contrast_ratio(role(p, fg), role(p, bg));
            if ratio < min {
                failures.push(format!(
                    "palette {:?}: {fg} {} on {bg} {} = {ratio:.2}:1, needs {min}:1",
                    p.id,
                    role(p, fg),
                    role(p, bg)
                ));
            }
        }
        assert_eq!(
            contrast_failures(p).len(),
            failures.len() - before,
            "contrast_failures disagrees with the test for {}",
            p.id
        );
    }
    assert!(
        failures.is_empty(),
        "contrast failures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn pairs_cover_what_the_blocks_draw() {
    let needed = [
        (Role::Text, Role::Background, 4.5),
        (Role::Text, Role::Surface, 4.5),
        (Role::Muted, Role::Background, 4.5),
        (Role::Muted, Role::Surface, 4.5),
        (Role::Link, Role::Background, 4.5),
        (Role::Link, Role::Surface, 4.5),
        (Role::OnAccent, Role::Accent, 4.5),
        (Role::Accent, Role::Background, 4.5),
        (Role::Accent, Role::Surface, 4.5),
        (Role::Focus, Role::Background, 3.0),
        (Role::Focus, Role::Surface, 3.0),
    ];
    for (fg, bg, min) in needed {
        assert!(
            PAIRS
                .iter()
                .any(|&(f, b, m)| f == fg && b == bg && m >= min),
            "PAIRS lacks {fg} on {bg} at {min}:1"
        );
    }
}

#[test]
fn contrast_failures_reports_a_bad_palette() {
    let bad = Palette {
        id: "bad",
        name_en: "Bad",
        name_fr: "Mauvais",
        background: Rgb(255, 255, 255),
        surface: Rgb(255, 255, 255),
        text: Rgb(0x77, 0x77, 0x77),
        muted: Rgb(0, 0, 0),
        accent: Rgb(0, 0, 0),
        on_accent: Rgb(255, 255, 255),
        link: Rgb(0, 0, 0),
        focus: Rgb(0, 0, 0),
    };
    let failures = contrast_failures(&bad);
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(failures.iter().all(|f| f.foreground == Role::Text));
    let shown = failures[0].to_string();
    assert!(shown.contains("text on background: 4.48:1"), "{shown}");
}

#[test]
fn contrast_ratio_known_values() {
    let black = Rgb(0, 0, 0);
    let white = Rgb(255, 255, 255);
    assert!(close(contrast_ratio(black, white), 21.0, 1e-9));
    assert!(
        close(contrast_ratio(white, black), 21.0, 1e-9),
        "order must not matter"
    );
    let grey = Rgb(0x77, 0x77, 0x77);
    let r = contrast_ratio(grey, white);
    assert!(close(r, 4.48, 0.005), "#777 on white = {r}");
    assert!(r < 4.5, "#777 on white famously just fails AA");
    assert!(close(
        contrast_ratio(Rgb(0x76, 0x76, 0x76), white),
        4.54,
        0.005
    ));
    for c in [black, white, grey, Rgb(0x12, 0x34, 0x56)] {
        assert!(close(contrast_ratio(c, c), 1.0, 1e-12));
    }
    assert!(close(relative_luminance(black), 0.0, 1e-12));
    assert!(close(relative_luminance(white), 1.0, 1e-12));
    // Pure red, green and blue weigh the WCAG coefficients.
    assert!(close(relative_luminance(Rgb(255, 0, 0)), 0.2126, 1e-4));
    assert!(close(relative_luminance(Rgb(0, 255, 0)), 0.7152, 1e-4));
    assert!(close(relative_luminance(Rgb(0, 0, 255)), 0.0722, 1e-4));
}

#[test]
fn rgb_formats_as_css_hex() {
    assert_eq!(Rgb(0x0f, 0xA0, 0xff).hex(), "#0fa0ff");
    assert_eq!(Rgb(0, 0, 0).to_string(), "#000000");
}

#[test]
fn enough_palettes_unique_ids_default_exists() {
    assert!(PALETTES.len() >= 10, "only {} palettes", PALETTES.len());
    let ids: HashSet<_> = PALETTES.iter().map(|p| p.id).collect();
    assert_eq!(ids.len(), PALETTES.len(), "duplicate palette id");
    for p in PALETTES {
        assert!(
            !p.name_en.is_empty() && !p.name_fr.is_empty(),
            "{} lacks a name",
            p.id
        );
        assert!(
            p.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
            "palette id {:?} is not a plain slug",
            p.id
        );
        assert_eq!(palette(p.id).map(|q| q.id), Some(p.id));
    }
    assert!(
        palette(DEFAULT_PALETTE).is_some(),
        "default palette missing"
    );
    assert!(palette("no-such-palette").is_none());
    assert!(PALETTES.iter().any(|p| p.is_dark()), "no dark palette");
    assert!(PALETTES.iter().any(|p| !p.is_dark()), "no light palette");
}

#[test]
fn enough_font_sets_unique_ids_default_exists() {
    assert!(FONT_SETS.len() >= 8, "only {} font sets", FONT_SETS.len());
    let ids: HashSet<_> = FONT_SETS.iter().map(|f| f.id).collect();
    assert_eq!(ids.len(), FONT_SETS.len(), "duplicate font set id");
    for f in FONT_SETS {
        assert_eq!(font_set(f.id).map(|g| g.id), Some(f.id));
    }
    assert!(
        font_set(DEFAULT_FONT_SET).is_some(),
        "default font set missing"
    );
    assert!(font_set("comic").is_none());
}

/// Each set loads what its CSS asks for: the title face in its weight, the body in 400, 400
/// italic and 700, and nothing of another family (no wasted download).
#[test]
fn font_sets_have_the_faces_they_use() {
    for f in FONT_SETS {
        let has = |family: &str, weight: u16, italic: bool| {
            f.faces
                .iter()
                .any(|x| x.family == family && x.weight == weight && x.italic == italic)
        };
        assert!(f.title_face().is_some(), "{}: no title face", f.id);
        assert!(has(f.title, f.title_weight, false), "{}: title face", f.id);
        for (w, i) in [(400, false), (400, true), (700, false)] {
            assert!(has(f.body, w, i), "{}: body {w} italic={i} missing", f.id);
        }
        for x in f.faces {
            assert!(
                x.family == f.title || x.family == f.body,
                "{}: stray face {:?}",
                f.id,
                x.file
            );
        }
        let unique: HashSet<_> = f.faces.iter().map(|x| x.file).collect();
        assert_eq!(
            unique.len(),
            f.faces.len(),
            "{}: a face is listed twice",
            f.id
        );
        for fallback in [f.title_fallback, f.body_fallback] {
            assert!(
                fallback.ends_with("sans-serif") || fallback.ends_with("serif"),
                "{}: fallback {fallback:?} lacks a generic family",
                f.id
            );
        }
    }
}

fn check_font_file(path: &Path) {
    let bytes = std::fs::read(path)
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/vendor-fonts.sh)", path.display()));
    assert!(
        bytes.len() > 1024,
        "{} is suspiciously small",
        path.display()
    );
    assert_eq!(&bytes[..4], b"wOF2", "{} is not WOFF2", path.display());
}

#[test]
fn every_face_is_vendored_woff2_with_an_ofl_licence() {
    let root = fonts_dir();
    let mut families = HashSet::new();
    for f in FONT_SETS {
        for face in f.faces {
            assert!(
                !face.file.contains("..") && !face.file.starts_with('/'),
                "{}: file {:?} must stay under assets/fonts/",
                f.id,
                face.file
            );
            check_font_file(&root.join(face.file));
            let dir = face.file.split('/').next().unwrap_or_default();
            assert!(
                !dir.is_empty() && face.file.contains('/'),
                "{:?} has no family directory",
                face.file
            );
            families.insert(dir);
        }
    }
    for dir in families {
        let licence = root.join(dir).join("LICENSE");
        let text = std::fs::read_to_string(&licence)
            .unwrap_or_else(|e| panic!("{}: {e}", licence.display()));
        assert!(
            text.contains("SIL Open Font License"),
            "{} does not mention the SIL Open Font License",
            licence.display()
        );
        let version = root.join(dir).join("VERSION");
        let version = std::fs::read_to_string(&version)
            .unwrap_or_else(|e| panic!("{}: {e}", version.display()));
        assert!(
            version.starts_with(&format!("@fontsource/{dir}@")),
            "{dir}/VERSION: {version}"
        );
    }
}

/// Every vendored WOFF2 is used by some set (nothing to serve for nothing) and the whole stays
/// small.
#[test]
fn vendored_fonts_are_all_used_and_small() {
    let root = fonts_dir();
    let used: HashSet<&str> = FONT_SETS
        .iter()
        .flat_map(|f| f.faces.iter().map(|x| x.file))
        .collect();
    let mut total = 0u64;
    for family in std::fs::read_dir(&root).expect("assets/fonts/") {
        let family = family.expect("dir entry");
        if !family.file_type().expect("file type").is_dir() {
            continue;
        }
        for file in std::fs::read_dir(family.path()).expect("family dir") {
            let file = file.expect("dir entry");
            let name = file.file_name().to_string_lossy().into_owned();
            if name.ends_with(".woff2") {
                let rel = format!("{}/{}", family.file_name().to_string_lossy(), name);
                assert!(
                    used.contains(rel.as_str()),
                    "{rel} is vendored but no font set uses it"
                );
                total += file.metadata().expect("metadata").len();
            }
        }
    }
    assert!(total < 1_500_000, "fonts weigh {total} bytes");
}

#[test]
fn theme_css_has_every_property_and_no_remote_url() {
    for p in PALETTES {
        for f in FONT_SETS {
            let css = theme_css(p, f);
            for var in [
                "--bg:",
                "--surface:",
                "--text:",
                "--muted:",
                "--accent:",
                "--on-accent:",
                "--link:",
                "--focus:",
                "--font-title:",
                "--font-body:",
            ] {
                assert!(css.contains(var), "{}/{}: {var} missing", p.id, f.id);
            }
            assert!(
                !css.to_ascii_lowercase().contains("http"),
                "{}/{}: remote URL",
                p.id,
                f.id
            );
            assert!(
                !css.contains("//"),
                "{}/{}: protocol-relative URL",
                p.id,
                f.id
            );
            assert!(
                !css.contains("</"),
                "{}/{}: could close <style>",
                p.id,
                f.id
            );
            assert_eq!(css.matches("@font-face").count(), f.faces.len());
            assert_eq!(css.matches("font-display:optional").count(), f.faces.len());
            for face in f.faces {
                let url = format!("url(/assets/fonts/{}) format(\"woff2\")", face.file);
                assert!(css.contains(&url), "{}: {url} missing", f.id);
            }
            assert_eq!(
                css.matches('{').count(),
                css.matches('}').count(),
                "unbalanced braces"
            );
        }
    }
}

#[test]
fn theme_css_values() {
    let p = palette("noir").expect("noir");
    let f = font_set("classic").expect("classic");
    let css = theme_css(p, f);
    assert!(css.contains("--bg:#000000;"), "{css}");
    assert!(css.contains("--on-accent:#000000;"), "{css}");
    assert!(css.contains("--accent:#ffd400;"), "{css}");
    assert!(
        css.contains("--font-title:\"Playfair Display\", Georgia"),
        "{css}"
    );
    assert!(
        css.contains("--font-body:\"Source Sans 3\", system-ui"),
        "{css}"
    );
    assert!(css.contains("--title-weight:700"), "{css}");
    assert!(css.contains("color-scheme:dark"), "{css}");
    let light = theme_css(palette(DEFAULT_PALETTE).expect("default"), f);
    assert!(light.contains("color-scheme:light"), "{light}");
    for r in Role::ALL {
        assert!(
            css.contains(&format!("{}:{};", r.css_var(), role(p, r))),
            "{r}"
        );
    }
}

/// Keep the sets different from each other: a picker of look-alikes is no choice.
#[test]
fn font_sets_are_distinct_pairings() {
    let pairs: HashSet<(&str, &str)> = FONT_SETS
        .iter()
        .map(|f: &FontSet| (f.title, f.body))
        .collect();
    assert_eq!(pairs.len(), FONT_SETS.len());
}

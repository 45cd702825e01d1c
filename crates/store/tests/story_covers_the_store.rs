//! The conformance story (`story.rs`, run on SQLite and on PostgreSQL) calls every public
//! function of the store: a query it does not call is a query nobody has seen run on both
//! backends. The functions are read from the sources (`pub fn` and `pub async fn` at module
//! level of every file below `src/`; `testing.rs` is the tests' own support), the calls from the
//! story, by their module's name (`videos::by_uuid(`; the crate root's as
//! `ruche_store::random_suffix(`).

use std::path::Path;

/// Public functions that nothing in the workspace calls: not worth a story until they are used
/// (or gone: then their line goes too).
const UNUSED: &[&str] = &["jobs::next_due", "videos::add_views"];

/// The `.rs` files below `dir`, with the name of the module each is (`mod.rs` is its folder's).
fn sources(dir: &Path, found: &mut Vec<(String, std::path::PathBuf)>) {
    for entry in std::fs::read_dir(dir).expect("a source folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            sources(&path, found);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let stem = path.file_stem().and_then(|s| s.to_str()).expect("a name");
        let module = if stem == "mod" {
            dir.file_name()
                .and_then(|s| s.to_str())
                .expect("a folder name")
        } else {
            stem
        };
        found.push((module.to_string(), path.clone()));
    }
}

/// `module::name` of every module-level public function in the store's sources (the crate
/// root's as `ruche_store::name`).
fn public_functions(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    sources(src, &mut files);
    let mut found = Vec::new();
    for (module, path) in files {
        if module == "testing" {
            continue;
        }
        let module = if module == "lib" {
            "ruche_store".to_string()
        } else {
            module
        };
        let text = std::fs::read_to_string(&path).expect("a source file");
        for line in text.lines() {
            let Some(rest) = line
                .strip_prefix("pub fn ")
                .or_else(|| line.strip_prefix("pub async fn "))
            else {
                continue;
            };
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.push(format!("{module}::{name}"));
        }
    }
    found.sort();
    found
}

/// The story without its comment lines.
fn story_code(story: &Path) -> String {
    std::fs::read_to_string(story)
        .expect("story.rs")
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_story_calls_every_public_function() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let functions = public_functions(&root.join("src"));
    assert!(
        functions.len() > 100,
        "the sources were read: {functions:?}"
    );
    let story = story_code(&root.join("tests/story.rs"));
    let called = |f: &str| story.contains(&format!("{f}(")) || story.contains(&format!("{f}::<"));
    let missing: Vec<&String> = functions
        .iter()
        .filter(|f| !called(f) && !UNUSED.contains(&f.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "tests/story.rs never calls these (call each, by its path, with assertions on what it \
         does, so it runs on both backends): {missing:#?}"
    );
    for unused in UNUSED {
        assert!(
            functions.iter().any(|f| f == unused),
            "{unused} is gone: remove it from UNUSED"
        );
    }
}

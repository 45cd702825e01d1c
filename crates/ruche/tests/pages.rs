//! `ruche pages import|export` beside a running server, on SQLite and PostgreSQL: a lossless
//! round trip, and a broken or hostile document refused with the path of its fault, changing
//! nothing.
#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

mod common;

use common::Instance;

fn cli(inst: &Instance, args: &[&str]) -> std::process::Output {
    std::process::Command::new(common::bin())
        .args(args)
        .envs(inst.env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap()
}

const SITE: &str = r##"{
  "slug": "atelier-bois", "title": "L'atelier du bois", "language": "fr", "published": true,
  "theme": "THEME", "blocks": [
    {"type": "banner", "title": "L'atelier du bois", "subtitle": "Meubles sur mesure"},
    {"type": "text", "columns": ["<p>Un <em>lieu</em></p>", "<p>Deux</p>"], "menu": "Le lieu"},
    {"type": "gallery", "images": [{"src": "https://example.org/1.jpg", "alt": "Chaise"}]},
    {"type": "contact", "to": "atelier@example.org"},
    {"type": "map", "lat": 45.76, "lon": 4.83, "zoom": 16, "label": "L'atelier"},
    {"type": "footer", "text": "<p>© L'atelier</p>"}
  ]}"##;

both!(import_export_round_trip_and_refusals, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let dir = tempfile::tempdir().unwrap();
    let doc = SITE.replace("THEME", ruche_pages::theme::DEFAULT_PALETTE);
    let file = dir.path().join("site.json");
    std::fs::write(&file, &doc).unwrap();

    let out = cli(
        &inst,
        &["pages", "import", "--owner", "root", file.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Created the site atelier-bois"));

    let exported = dir.path().join("out.json");
    let out = cli(
        &inst,
        &[
            "pages",
            "export",
            "--site",
            "atelier-bois",
            exported.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let original = ruche_pages::document::parse(doc.as_bytes()).unwrap();
    let back = ruche_pages::document::parse(&std::fs::read(&exported).unwrap()).unwrap();
    assert_eq!(back, original, "export gives back what was imported");

    // A broken document: refused with the path of the fault, and the site is unchanged.
    let broken = dir.path().join("broken.json");
    std::fs::write(
        &broken,
        doc.replace("\"type\": \"map\"", "\"type\": \"marquee\""),
    )
    .unwrap();
    let out = cli(
        &inst,
        &[
            "pages",
            "import",
            "--owner",
            "root",
            broken.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("blocks[4]"), "{err}");
    let hostile = dir.path().join("hostile.json");
    std::fs::write(
        &hostile,
        doc.replace("https://example.org/1.jpg", "javascript:alert(1)"),
    )
    .unwrap();
    let out = cli(
        &inst,
        &[
            "pages",
            "import",
            "--owner",
            "root",
            hostile.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("blocks[2].images[0].src"));
    let out = cli(&inst, &["pages", "export", "--site", "atelier-bois", "-"]);
    assert_eq!(ruche_pages::document::parse(&out.stdout).unwrap(), original);

    // Someone else's slug.
    let root = inst.root_token().await;
    inst.user(&root, "other", -1).await;
    let out = cli(
        &inst,
        &[
            "pages",
            "import",
            "--owner",
            "other",
            file.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("belongs to someone else"));
    inst.stop().await;
});

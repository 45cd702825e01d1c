//! Anonymous visitors against Pages, on a real `ruche serve` on SQLite and PostgreSQL: a site's
//! sitemap and robots file answered from its row, never by reading its whole document again,
//! and the contact form's limit per sender keyed on the client as the rate limits know it (the
//! address a trusted proxy serves, IPv6 by its /64), not on the connection's peer.

#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.
use ruche_store::sites;
use ruche_testkit::{Instance, both};

const SITE: &str = r##"{
  "slug": "atelier-bois", "title": "L'atelier du bois", "language": "fr", "published": true,
  "blocks": [
    {"type": "banner", "title": "L'atelier du bois"},
    {"type": "text", "columns": ["<p>Un lieu</p>"]},
    {"type": "contact", "to": "atelier@example.org"},
    {"type": "footer", "text": "<p>© L'atelier</p>"}
  ]}"##;

/// Imports and publishes [`SITE`] for root with the CLI.
fn publish_site(inst: &Instance) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("site.json");
    std::fs::write(&file, SITE).unwrap();
    let out = inst
        .command()
        .args(["pages", "import", "--owner", "root", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The signed render time in the published page's contact form.
async fn form_token(inst: &Instance) -> String {
    let html = inst.page(&inst.http, "/p/atelier-bois/").await;
    html.split("name=\"token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("a contact form in {html}"))
        .to_string()
}

/// A contact message as a visitor sends it, through a proxy on 127.0.0.1 that names the visitor
/// `client` in `X-Forwarded-For`: (status, page).
async fn send(inst: &Instance, token: &str, client: &str) -> (u16, String) {
    let res = inst
        .http
        .post(format!("{}/p/atelier-bois/contact", inst.url))
        .header("X-Forwarded-For", client)
        .form(&[
            ("name", "Ana"),
            ("email", "ana@example.org"),
            ("message", "Bonjour, une table de 2 m ?"),
            ("website", ""),
            ("token", token),
        ])
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

/// Waits until the form's render time is old enough for a person (a form sent sooner is refused
/// before anything is counted), sending from `client`; returns that first answer.
async fn first_message(inst: &Instance, token: &str, client: &str) -> (u16, String) {
    inst.eventually(
        "a contact message accepted once the form is old enough",
        30,
        || async {
            let (status, page) = send(inst, token, client).await;
            (!(status == 400 && page.contains("très rapide"))).then_some((status, page))
        },
    )
    .await
}

/// A published document that this server would never have stored: one rich-text field that
/// grows past its bound when sanitised (each `&` becomes `&amp;`). Read as stored it is a site;
/// read as from a client it is refused. So an answer that needs it read as from a client (its
/// every rich field sanitised again, seconds of work for a page of long nested lists) fails.
fn resanitising_fails() -> String {
    let mut doc: serde_json::Value = serde_json::from_str(SITE).unwrap();
    doc["blocks"][1]["columns"][0] = format!("<p>{}</p>", "&".repeat(19_000)).into();
    let doc = doc.to_string();
    assert!(ruche_pages::document::parse(doc.as_bytes()).is_err());
    assert!(ruche_pages::document::parse_stored(doc.as_bytes()).is_ok());
    doc
}

/// Publishes `doc` as the site's document, straight into the store; returns when (ms).
async fn store_published(inst: &Instance, doc: &str) -> i64 {
    let store = inst.store().await;
    let mut tx = store.begin().await.unwrap();
    let row = sites::by_slug(tx.ex(), "atelier-bois")
        .await
        .unwrap()
        .unwrap();
    sites::save(tx.ex(), row.id, row.version, doc, true, "publish")
        .await
        .unwrap();
    let row = sites::by_slug(tx.ex(), "atelier-bois")
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
    store.close().await;
    row.published_at.unwrap()
}

/// The UTC day of a time in ms, as `YYYY-MM-DD` (the civil calendar from days since 1970).
fn day_of(ms: i64) -> String {
    let z = ms.div_euclid(86_400_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

both!(
    sitemap_and_robots_never_read_the_document,
    |db| async move {
        let inst = Instance::start(db, &[]).await;
        publish_site(&inst);
        let published_at = store_published(&inst, &resanitising_fails()).await;

        let sitemap = inst
            .http
            .get(format!("{}/p/atelier-bois/sitemap.xml", inst.url))
            .send()
            .await
            .unwrap();
        assert_eq!(sitemap.status(), 200);
        let sitemap = sitemap.text().await.unwrap();
        assert!(
            sitemap.contains(&format!("<loc>{}/p/atelier-bois/</loc>", inst.url))
                && sitemap.contains(&format!("<lastmod>{}</lastmod>", day_of(published_at))),
            "{sitemap}"
        );
        let robots = inst
            .http
            .get(format!("{}/p/atelier-bois/robots.txt", inst.url))
            .send()
            .await
            .unwrap();
        assert_eq!(robots.status(), 200);
        let robots = robots.text().await.unwrap();
        assert!(
            robots.contains(&format!("Sitemap: {}/p/atelier-bois/sitemap.xml", inst.url)),
            "{robots}"
        );

        // A site off line has neither.
        let store = inst.store().await;
        let mut tx = store.begin().await.unwrap();
        let id = sites::by_slug(tx.ex(), "atelier-bois")
            .await
            .unwrap()
            .unwrap()
            .id;
        sites::unpublish(tx.ex(), id).await.unwrap();
        tx.commit().await.unwrap();
        store.close().await;
        for path in ["sitemap.xml", "robots.txt"] {
            assert_eq!(
                inst.api().status(&format!("/p/atelier-bois/{path}")).await,
                404,
                "{path}"
            );
        }
        inst.stop().await;
    }
);

// The contact post reads the published document as stored, its rich text not sanitised again.
// `contact::submit` (crates/pages/src/contact.rs) still reads it with `document::parse`: this
// passes once it reads it with `document::parse_stored`.
both!(
    contact_post_never_sanitises_the_document_again,
    |db| async move {
        let inst = Instance::start(db, &[("RUCHE_RATES_TRUSTED_PROXIES", "127.0.0.1")]).await;
        publish_site(&inst);
        let token = form_token(&inst).await;
        store_published(&inst, &resanitising_fails()).await;
        let (status, page) = first_message(&inst, &token, "192.0.2.1").await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("Merci"), "{page}");
        inst.stop().await;
    }
);

both!(
    the_contact_limit_is_per_client_behind_a_proxy,
    |db| async move {
        let inst = Instance::start(db, &[("RUCHE_RATES_TRUSTED_PROXIES", "127.0.0.1")]).await;
        publish_site(&inst);
        let token = form_token(&inst).await;
        let per_sender = ruche_pages::contact::PER_SENDER_PER_HOUR;

        // One visitor behind the proxy sends as many messages as one sender may, and is cut off.
        let (status, page) = first_message(&inst, &token, "192.0.2.1").await;
        assert_eq!(status, 200, "{page}");
        for _ in 1..per_sender {
            assert_eq!(send(&inst, &token, "192.0.2.1").await.0, 200);
        }
        assert_eq!(send(&inst, &token, "192.0.2.1").await.0, 429);
        // Another visitor behind the same proxy is not: the key is the client the proxy serves,
        // not the proxy. Naming another address in front of its own gets the first one nowhere:
        // the client is the nearest hop the proxy did not add.
        let (status, page) = send(&inst, &token, "192.0.2.2").await;
        assert_eq!(status, 200, "another visitor behind the proxy: {page}");
        assert_eq!(
            send(&inst, &token, "192.0.2.2, 192.0.2.1").await.0,
            429,
            "the nearest hop names the client"
        );

        // IPv6 clients are one sender per /64: fresh addresses in it do not make fresh senders.
        for i in 1..=per_sender {
            let (status, page) = send(&inst, &token, &format!("2001:db8:1:2::{i:x}")).await;
            assert_eq!(status, 200, "{page}");
        }
        assert_eq!(
            send(&inst, &token, "2001:db8:1:2:ffff:ffff:ffff:ffff")
                .await
                .0,
            429
        );
        assert_eq!(send(&inst, &token, "2001:db8:1:3::1").await.0, 200);
        inst.stop().await;
    }
);

#[test]
fn day_of_is_the_utc_civil_day() {
    assert_eq!(day_of(0), "1970-01-01");
    assert_eq!(day_of(951_782_400_000), "2000-02-29");
    assert_eq!(day_of(1_700_000_000_000), "2023-11-14");
    assert_eq!(day_of(4_102_444_799_999), "2099-12-31");
}

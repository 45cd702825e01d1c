//! The assets embedded in the binary (`assets/`: CSS, ES modules, vendored libraries, i18n
//! catalogues), served at `/assets/…` with their MIME type and an ETag, compressed with brotli or
//! gzip when the browser accepts it.
//!
//! Release builds carry copies compressed at build time (`build.rs`: best quality, no CPU spent
//! per request or per start); debug builds read the files from disk and compress them on the fly
//! (quicker settings), keeping the result while the file is unchanged. Each encoding is its own
//! representation: its own ETag, so a cache holding the gzip copy never revalidates into a brotli
//! one, and `Vary: Accept-Encoding` on every asset that has compressed copies.

use crate::AppState;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::borrow::Cow;

#[derive(rust_embed::Embed)]
#[folder = "../../assets"]
#[exclude = "*/README.md"]
pub(crate) struct Assets;

/// A file's copies made by `build.rs`; an empty slice where a copy would not be smaller.
pub(crate) struct Precompressed {
    path: &'static str,
    /// Of the original: a copy is served only with the very file it was made from.
    sha256: [u8; 32],
    br: &'static [u8],
    gzip: &'static [u8],
}

// `PRECOMPRESSED`, sorted by path; empty in debug builds.
include!(concat!(env!("OUT_DIR"), "/precompressed.rs"));

/// The player's import map: the vendored p2p-media-loader for hls.js imports its core by its
/// package name, and the file stays as npm gave it. Inline, so `script-src` names its hash
/// ([`import_map_hash`]).
pub const IMPORT_MAP: &str = r#"{"imports":{"p2p-media-loader-core":"/assets/vendor/p2p-media-loader-core/p2p-media-loader-core.es.min.js"}}"#;

/// `'sha256-…'` of [`IMPORT_MAP`], for the Content-Security-Policy.
pub fn import_map_hash() -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(IMPORT_MAP.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The `<script type="importmap">` element, for the player's pages.
pub fn import_map_tag() -> String {
    format!(r#"<script type="importmap">{IMPORT_MAP}</script>"#)
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/assets/{*path}", get(asset))
}

/// A content coding we can answer with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    fn header(self) -> Option<&'static str> {
        match self {
            Encoding::Brotli => Some("br"),
            Encoding::Gzip => Some("gzip"),
            Encoding::Identity => None,
        }
    }

    /// What the representation's ETag carries after the file's hash.
    fn etag_suffix(self) -> &'static str {
        match self {
            Encoding::Brotli => "-br",
            Encoding::Gzip => "-gz",
            Encoding::Identity => "",
        }
    }
}

/// Picks the coding for a request's `Accept-Encoding` among those we have (`br`, `gzip`): the
/// one with the highest q-value, brotli before gzip when equal, and the file as it is (identity)
/// when neither is acceptable (`q=0`, absent, unlisted without `*`) or when `identity` itself is
/// asked for with a higher q-value. No header at all means identity: a client that says nothing
/// may not decode anything.
fn negotiate(accept: Option<&str>, have_br: bool, have_gzip: bool) -> Encoding {
    let Some(accept) = accept else {
        return Encoding::Identity;
    };
    let (mut br, mut gzip, mut identity, mut any) = (None, None, None, None);
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        if coding.is_empty() {
            continue;
        }
        let mut q = Some(1.0_f32);
        for param in parts {
            if let Some((k, v)) = param.split_once('=')
                && k.trim().eq_ignore_ascii_case("q")
            {
                q = v
                    .trim()
                    .parse::<f32>()
                    .ok()
                    .filter(|q| (0.0..=1.0).contains(q));
            }
        }
        // A malformed q-value drops the item, as if it were not listed.
        let Some(q) = q else { continue };
        let slot = match coding.as_str() {
            "br" => &mut br,
            "gzip" | "x-gzip" => &mut gzip,
            "identity" => &mut identity,
            "*" => &mut any,
            _ => continue,
        };
        *slot = Some(q);
    }
    let br = if have_br {
        br.or(any).unwrap_or(0.0)
    } else {
        0.0
    };
    let gzip = if have_gzip {
        gzip.or(any).unwrap_or(0.0)
    } else {
        0.0
    };
    let (best, q) = if br > 0.0 && br >= gzip {
        (Encoding::Brotli, br)
    } else if gzip > 0.0 {
        (Encoding::Gzip, gzip)
    } else {
        return Encoding::Identity;
    };
    match identity {
        Some(i) if i > q => Encoding::Identity,
        _ => best,
    }
}

/// Whether `If-None-Match` names `etag` (weak comparison, as RFC 9110 asks for this header).
fn none_match(if_none_match: &str, etag: &str) -> bool {
    let strip = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let etag = strip(etag);
    if_none_match
        .split(',')
        .map(strip)
        .any(|t| t == "*" || t == etag)
}

/// A file's compressed copies; empty where there is none.
struct Copies {
    br: Bytes,
    gzip: Bytes,
}

/// The copies made at build time, if any are of exactly this file.
fn precompressed(path: &str, sha256: &[u8; 32]) -> Option<Copies> {
    let i = PRECOMPRESSED.binary_search_by(|p| p.path.cmp(path)).ok()?;
    let p = PRECOMPRESSED.get(i)?;
    (&p.sha256 == sha256).then(|| Copies {
        br: Bytes::from_static(p.br),
        gzip: Bytes::from_static(p.gzip),
    })
}

/// Debug builds: the copies made on the fly, kept while the file's hash is unchanged.
#[cfg(debug_assertions)]
async fn copies(path: &str, sha256: [u8; 32], data: &Bytes) -> Copies {
    use std::collections::HashMap;
    use std::sync::{LazyLock, Mutex};
    type Cache = Mutex<HashMap<String, ([u8; 32], Bytes, Bytes)>>;
    static CACHE: LazyLock<Cache> = LazyLock::new(Cache::default);

    if let Some(c) = precompressed(path, &sha256) {
        return c;
    }
    if !compressible(path) {
        return Copies {
            br: Bytes::new(),
            gzip: Bytes::new(),
        };
    }
    let cached = CACHE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(path)
        .filter(|(h, ..)| *h == sha256)
        .map(|(_, br, gz)| (br.clone(), gz.clone()));
    let (br, gzip) = match cached {
        Some(c) => c,
        None => {
            let data = data.clone();
            let made = tokio::task::spawn_blocking(move || compress(&data, 5, 6))
                .await
                .unwrap_or_default();
            CACHE
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(path.to_owned(), (sha256, made.0.clone(), made.1.clone()));
            made
        }
    };
    Copies { br, gzip }
}

/// Release builds: only what `build.rs` made.
#[cfg(not(debug_assertions))]
async fn copies(path: &str, sha256: [u8; 32], _data: &Bytes) -> Copies {
    precompressed(path, &sha256).unwrap_or(Copies {
        br: Bytes::new(),
        gzip: Bytes::new(),
    })
}

/// The same rule as `build.rs`: text is compressed, pictures, fonts and media are not.
#[cfg(any(debug_assertions, test))]
fn compressible(path: &str) -> bool {
    let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
    [
        "css", "js", "mjs", "ftl", "svg", "json", "html", "txt", "map", "xml",
    ]
    .iter()
    .any(|c| ext.eq_ignore_ascii_case(c))
}

/// Brotli and gzip copies of `data`, each empty unless it saves something worth a header.
#[cfg(any(debug_assertions, test))]
fn compress(data: &[u8], br_quality: i32, gzip_level: u32) -> (Bytes, Bytes) {
    use std::io::Write;
    let worth = |c: Vec<u8>| {
        if c.len() + 64 < data.len() {
            Bytes::from(c)
        } else {
            Bytes::new()
        }
    };
    let mut br = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: br_quality,
        lgwin: 22,
        ..Default::default()
    };
    let br = match brotli::BrotliCompress(&mut &data[..], &mut br, &params) {
        Ok(_) => worth(br),
        Err(_) => Bytes::new(),
    };
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(gzip_level));
    let gzip = match gz.write_all(data).and_then(|()| gz.finish()) {
        Ok(v) => worth(v),
        Err(_) => Bytes::new(),
    };
    (br, gzip)
}

async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    let Some(file) = Assets::get(&path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let sha256 = file.metadata.sha256_hash();
    let data = match file.data {
        Cow::Borrowed(b) => Bytes::from_static(b),
        Cow::Owned(v) => Bytes::from(v),
    };
    let copies = copies(&path, sha256, &data).await;
    let negotiable = !copies.br.is_empty() || !copies.gzip.is_empty();
    let accept = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok());
    let encoding = negotiate(accept, !copies.br.is_empty(), !copies.gzip.is_empty());
    let etag = format!(
        "\"{}{}\"",
        hex::encode(&sha256[..12]),
        encoding.etag_suffix()
    );

    let mut res = if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|inm| none_match(inm, &etag))
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let body = match encoding {
            Encoding::Brotli => copies.br,
            Encoding::Gzip => copies.gzip,
            Encoding::Identity => data,
        };
        let mut res = Body::from(body).into_response();
        let mime = mime_guess::from_path(&path).first_or_octet_stream();
        if let Ok(v) = HeaderValue::from_str(mime.as_ref()) {
            res.headers_mut().insert(header::CONTENT_TYPE, v);
        }
        if let Some(coding) = encoding.header() {
            res.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
        }
        res
    };
    // A 304 carries the same validators and caching headers as the 200 it stands for.
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if negotiable {
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    // Vendored libraries are pinned and change only with their path; our own files may change
    // with a new release, and the ETag makes revalidation cheap.
    let cache = if path.starts_with("vendor/") || path.starts_with("fonts/") {
        "public, max-age=604800"
    } else {
        "public, max-age=300"
    };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use Encoding::*;

    #[test]
    fn brotli_before_gzip_before_identity() {
        let chrome = Some("gzip, deflate, br, zstd");
        assert_eq!(negotiate(chrome, true, true), Brotli);
        assert_eq!(negotiate(chrome, false, true), Gzip);
        assert_eq!(negotiate(chrome, false, false), Identity);
        assert_eq!(negotiate(Some("gzip"), true, true), Gzip);
        assert_eq!(negotiate(Some("br"), false, true), Identity);
        assert_eq!(negotiate(Some("deflate"), true, true), Identity);
    }

    #[test]
    fn no_or_empty_header_is_identity() {
        assert_eq!(negotiate(None, true, true), Identity);
        assert_eq!(negotiate(Some(""), true, true), Identity);
        assert_eq!(negotiate(Some("identity"), true, true), Identity);
    }

    #[test]
    fn q_values_decide_and_zero_refuses() {
        assert_eq!(negotiate(Some("br;q=0, gzip"), true, true), Gzip);
        assert_eq!(negotiate(Some("br;q=0.5, gzip;q=0.8"), true, true), Gzip);
        assert_eq!(negotiate(Some("br;q=0.8, gzip;q=0.8"), true, true), Brotli);
        assert_eq!(negotiate(Some("br; q=0.0, gzip;Q=0"), true, true), Identity);
        assert_eq!(
            negotiate(Some("gzip;q=0.5, identity;q=1"), true, true),
            Identity
        );
        assert_eq!(
            negotiate(Some("gzip;q=1, identity;q=0.5"), true, true),
            Gzip
        );
        // A malformed or out-of-range q-value drops its item.
        assert_eq!(negotiate(Some("br;q=high, gzip"), true, true), Gzip);
        assert_eq!(negotiate(Some("br;q=2"), true, true), Identity);
    }

    #[test]
    fn wildcard_and_case() {
        assert_eq!(negotiate(Some("*"), true, true), Brotli);
        assert_eq!(negotiate(Some("*"), false, true), Gzip);
        assert_eq!(negotiate(Some("*;q=0.5, br;q=0"), true, true), Gzip);
        assert_eq!(negotiate(Some("*;q=0"), true, true), Identity);
        assert_eq!(negotiate(Some("BR, GZip"), true, true), Brotli);
        assert_eq!(negotiate(Some("x-gzip"), true, true), Gzip);
        assert_eq!(negotiate(Some(" , ;q=1,br"), true, true), Brotli);
    }

    #[test]
    fn if_none_match_lists_and_weak_tags() {
        assert!(none_match("\"abc-br\"", "\"abc-br\""));
        assert!(none_match("\"x\", W/\"abc-br\"", "\"abc-br\""));
        assert!(none_match("*", "\"abc\""));
        // Another encoding's tag is another representation.
        assert!(!none_match("\"abc-gz\"", "\"abc-br\""));
        assert!(!none_match("\"abc\"", "\"abc-br\""));
    }

    #[test]
    fn only_text_is_compressed_and_copies_decode_to_the_original() {
        assert!(compressible("vendor/hls.js/hls.min.mjs") && compressible("css/ruche.css"));
        assert!(!compressible("fonts/inter/inter-latin-400-normal.woff2"));
        assert!(!compressible("vendor/leaflet/marker-icon.png"));
        let text = "body { color: black; }\n".repeat(200);
        let (br, gz) = compress(text.as_bytes(), 5, 6);
        assert!(!br.is_empty() && br.len() < text.len() / 4);
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut back).expect("brotli decodes");
        assert_eq!(back, text.as_bytes());
        let mut back = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut back)
            .expect("gzip decodes");
        assert_eq!(back, text);
        // Too small to be worth it: no copy.
        let (br, gz) = compress(b"a{}", 5, 6);
        assert!(br.is_empty() && gz.is_empty());
    }

    #[test]
    fn the_table_is_sorted_and_of_embedded_files() {
        assert!(PRECOMPRESSED.windows(2).all(|w| w[0].path < w[1].path));
        for p in PRECOMPRESSED {
            let file = Assets::get(p.path).expect("an embedded asset");
            assert_eq!(file.metadata.sha256_hash(), p.sha256, "{}", p.path);
            assert!(!p.br.is_empty() || !p.gzip.is_empty(), "{}", p.path);
        }
    }
}

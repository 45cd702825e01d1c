//! The picture pipeline: what a site owner uploads becomes a few WebP files that a page serves
//! with `srcset` ([`ingest`]); an avatar or a banner (ours, or another instance's that we copy)
//! becomes one WebP per size, cut to its proportions ([`cover`]).
//!
//! Anyone with a site can upload, so nothing about a picture is trusted. The format is sniffed
//! from the bytes, never from the name or the declared type, and only JPEG, PNG, GIF and WebP
//! are decoded. SVG is refused because it can carry scripts. The dimensions are read from the
//! header and checked before anything is decoded, because a file of a few kilobytes can declare
//! billions of pixels. The decoder then runs under allocation limits. What comes out is
//! re-encoded from pixels as lossy WebP with the EXIF orientation applied, so no metadata
//! survives: no GPS position, no camera serial number, no XMP, no ICC profile.
//!
//! Files are named by their content: `{hash}-{W}x{H}.webp` for the full picture (at most
//! [`MAX_WIDTH`] wide), and `{hash}-{W}x{H}-{w}.webp` for each narrower variant in [`WIDTHS`].
//! The full name alone is enough to rebuild the `srcset` ([`responsive`]) and to list every file
//! ([`variant_files`]), so a document stores one path per picture. An upload that is already one
//! of our plain WebP files is kept byte for byte, so exporting a site and importing it again gives
//! the same names.
//!
//! Everything here uses a lot of CPU and memory. The server calls the `_async` functions
//! ([`ingest_async`], [`cover_async`], [`jpeg_async`]), which run the work on a blocking thread
//! and at most [`DECODE_SLOTS`] at a time in the whole process, whatever asks (Pages' uploads,
//! avatars and banners, copies of other instances' pictures, remote video thumbnails); the
//! others wait their turn without holding a thread. With the pixel budget of [`Limits`], that
//! bounds what pictures can take: [`DECODE_SLOTS`] × (at most about 12 bytes per pixel of
//! [`Limits::max_pixels`]: a 16-bit RGBA decode plus its 8-bit copy).

use std::io::Cursor;
use std::sync::atomic::{AtomicUsize, Ordering};

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{PixelType, ResizeOptions, Resizer};
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use sha2::{Digest, Sha256};

/// The narrower variants, made when the full picture is wider than they are.
pub const WIDTHS: &[u32] = &[480, 960, 1440];

/// The full variant is scaled down to this width at most.
pub const MAX_WIDTH: u32 = 1920;

/// The WebP quality of everything we encode.
const QUALITY: f32 = 80.0;

/// The largest side the WebP format can hold.
const WEBP_MAX_SIDE: u32 = 16383;

/// How far SVG markup is looked for at the start of a file.
const SVG_SNIFF: usize = 1024;

const MIB: usize = 1024 * 1024;

/// What an upload may weigh and measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most bytes a file may have; checked before anything else.
    pub max_bytes: usize,
    /// The most pixels (width × height) a picture may declare; checked on the header, before
    /// decoding.
    pub max_pixels: u64,
    /// The longest side a picture may declare; checked on the header, before decoding.
    pub max_side: u32,
}

/// The pixel budget: 25 megapixels. Every size we make is far smaller (Pages' widest variant is
/// [`MAX_WIDTH`] wide, an avatar 1500×1500, a banner 1920×317), so this is about what people
/// send: a 24-megapixel camera photo (6000×4000) passes, and so does every phone photo as
/// phones save them (12 MP). A decode takes at most about 25 M × 12 bytes = 300 MB (a 16-bit
/// RGBA PNG: 8 bytes a pixel, plus its 8-bit copy), usually far less (a JPEG: 3 bytes a pixel),
/// and at most [`DECODE_SLOTS`] run at once. A 40-megapixel picture, which took 640 MB a decode,
/// is refused from its header before anything is decoded.
pub const MAX_PIXELS: u64 = 25_000_000;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 20 * MIB,
            max_pixels: MAX_PIXELS,
            max_side: 12_000,
        }
    }
}

impl Limits {
    /// The decoder's allocation budget: the decoded picture at 16 bits per channel with alpha
    /// (the widest we decode), plus room for the decoder's own buffers.
    fn max_alloc(&self) -> u64 {
        self.max_pixels
            .saturating_mul(8)
            .saturating_add(64 * MIB as u64)
    }
}

/// Why a picture was refused. The messages are for the uploader; [`ImageError::key`] names the
/// translated sentence.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error(
        "this picture is too large: {} MB, the most is {} MB",
        megabytes(*size, true),
        megabytes(*max, false)
    )]
    TooLarge { size: usize, max: usize },
    #[error("this file is not a picture (JPEG, PNG, GIF or WebP)")]
    NotAnImage,
    #[error("SVG pictures are not accepted: they can carry scripts")]
    Svg,
    /// A picture format we recognise but do not take (HEIC, AVIF, TIFF…); the name of the format.
    #[error("{0} pictures are not accepted: please send a JPEG, PNG, GIF or WebP")]
    Unsupported(String),
    #[error(
        "this picture has too many pixels ({width}×{height}): the most is {} megapixels and {max_side} pixels on a side",
        megapixels(*max_pixels)
    )]
    TooManyPixels {
        width: u32,
        height: u32,
        max_pixels: u64,
        max_side: u32,
    },
    /// The decoder's (or encoder's) own words, for the logs; the uploader sees only the message.
    #[error("this picture is damaged, or uses a variant of its format that cannot be read")]
    Broken(String),
}

impl ImageError {
    /// A stable key for the translated message.
    pub fn key(&self) -> &'static str {
        match self {
            ImageError::TooLarge { .. } => "image-too-large",
            ImageError::NotAnImage => "image-not-an-image",
            ImageError::Svg => "image-svg",
            ImageError::Unsupported(_) => "image-unsupported",
            ImageError::TooManyPixels { .. } => "image-too-many-pixels",
            ImageError::Broken(_) => "image-broken",
        }
    }
}

/// Bytes as MB with at most one decimal; rounded up when `up`, so a file just over the limit
/// never reads as equal to it.
fn megabytes(bytes: usize, up: bool) -> String {
    let tenths = bytes as f64 * 10.0 / MIB as f64;
    let tenths = if up { tenths.ceil() } else { tenths.round() };
    decimal(tenths / 10.0)
}

fn megapixels(pixels: u64) -> String {
    decimal((pixels as f64 / 100_000.0).round() / 10.0)
}

fn decimal(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// One file of a processed picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    pub width: u32,
    pub height: u32,
    /// A complete WebP file.
    pub bytes: Vec<u8>,
    pub file_name: String,
}

/// A processed picture: its hash, the size of its full variant, and its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Processed {
    /// The first 16 hex digits of the SHA-256 of the full variant's bytes.
    pub hash: String,
    /// The full variant's width.
    pub width: u32,
    /// The full variant's height.
    pub height: u32,
    /// The full variant first, then the narrower ones by ascending width.
    pub variants: Vec<Variant>,
}

/// How many pictures this process decodes at once, through the `_async` functions: each may
/// take a few hundred MB (see [`MAX_PIXELS`]), and two keep both cores of a small server busy.
pub const DECODE_SLOTS: usize = 2;

static DECODES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(DECODE_SLOTS);
static RUNNING: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// The most decodes that ran at the same time in this process so far (for tests).
#[doc(hidden)]
pub fn peak_decodes() -> usize {
    PEAK.load(Ordering::SeqCst)
}

/// Counts a decode while it runs.
struct Running;

impl Running {
    fn start() -> Running {
        let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
        PEAK.fetch_max(now, Ordering::SeqCst);
        Running
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        RUNNING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Runs `work` on a blocking thread once one of the [`DECODE_SLOTS`] is free. The slot is held
/// until the work ends, even if the caller stops waiting for it.
async fn in_turn<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ImageError> + Send + 'static,
) -> Result<T, ImageError> {
    let slot = DECODES
        .acquire()
        .await
        .map_err(|e| ImageError::Broken(format!("picture queue: {e}")))?;
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        let _running = Running::start();
        work()
    })
    .await
    .map_err(|e| ImageError::Broken(format!("the picture decoder stopped: {e}")))?
}

/// [`ingest`], in turn with every other picture of the process, on a blocking thread.
pub async fn ingest_async(bytes: Vec<u8>, limits: Limits) -> Result<Processed, ImageError> {
    in_turn(move || ingest(&bytes, &limits)).await
}

/// [`cover`], in turn with every other picture of the process, on a blocking thread.
pub async fn cover_async(
    bytes: Vec<u8>,
    limits: Limits,
    sizes: Vec<(u32, u32)>,
) -> Result<Vec<Variant>, ImageError> {
    in_turn(move || cover(&bytes, &limits, &sizes)).await
}

/// [`jpeg`], in turn with every other picture of the process, on a blocking thread.
pub async fn jpeg_async(
    bytes: Vec<u8>,
    limits: Limits,
    within: (u32, u32),
) -> Result<Vec<u8>, ImageError> {
    in_turn(move || jpeg(&bytes, &limits, within)).await
}

/// Checks, decodes and re-encodes an uploaded picture into its WebP variants.
///
/// Synchronous and CPU-heavy: the server calls [`ingest_async`].
pub fn ingest(bytes: &[u8], limits: &Limits) -> Result<Processed, ImageError> {
    let (pixels, kept) = load(bytes, limits)?;
    let mut resizer = Resizer::new();
    let (full_width, full_height) = fit(pixels.width, pixels.height);

    let (full, full_bytes) = match kept {
        Some(kept) if full_width == pixels.width && full_height == pixels.height => {
            (pixels, kept.to_vec())
        }
        _ => {
            let full = if (full_width, full_height) == (pixels.width, pixels.height) {
                pixels
            } else {
                resize(&mut resizer, &pixels, full_width, full_height)?
            };
            let encoded = encode(&full)?;
            (full, encoded)
        }
    };

    let hash = hex::encode(Sha256::digest(&full_bytes))[..16].to_owned();
    let mut variants = vec![Variant {
        width: full.width,
        height: full.height,
        bytes: full_bytes,
        file_name: file_name(&hash, full.width, full.height, None),
    }];
    for &w in WIDTHS.iter().filter(|&&w| w < full.width) {
        let h = scale(full.height, w, full.width);
        let small = resize(&mut resizer, &full, w, h)?;
        variants.push(Variant {
            width: w,
            height: h,
            bytes: encode(&small)?,
            file_name: file_name(&hash, full.width, full.height, Some(w)),
        });
    }
    Ok(Processed {
        width: full.width,
        height: full.height,
        hash,
        variants,
    })
}

/// Checks and decodes a picture: its bytes sniffed, its header's size checked before any pixel
/// is decoded, then decoded under allocation limits with its EXIF orientation applied. Also says
/// whether the input may be kept as it is (a plain WebP of ours).
fn load<'a>(bytes: &'a [u8], limits: &Limits) -> Result<(Pixels, Option<&'a [u8]>), ImageError> {
    if bytes.len() > limits.max_bytes {
        return Err(ImageError::TooLarge {
            size: bytes.len(),
            max: limits.max_bytes,
        });
    }
    let format = match sniff(bytes) {
        Sniffed::Raster(format) => format,
        Sniffed::Other(name) => return Err(ImageError::Unsupported(name.to_owned())),
        Sniffed::Svg => return Err(ImageError::Svg),
        Sniffed::Unknown => return Err(ImageError::NotAnImage),
    };

    let (width, height) = header_dimensions(bytes, format, limits)?;
    let too_many = || ImageError::TooManyPixels {
        width,
        height,
        max_pixels: limits.max_pixels,
        max_side: limits.max_side,
    };
    if width == 0 || height == 0 {
        return Err(ImageError::Broken(format!(
            "empty picture {width}×{height}"
        )));
    }
    if u64::from(width) * u64::from(height) > limits.max_pixels
        || width > limits.max_side
        || height > limits.max_side
    {
        return Err(too_many());
    }
    decode(bytes, format, limits, (width, height), too_many)
}

/// A picture cut to the proportions of each of `sizes` (around its centre) and scaled to it, as
/// avatars and banners are: one WebP per size, in the order given, named
/// `{hash}-{W}x{H}.webp` by its own bytes. Sizes wider than the picture are left out, but the
/// narrowest is always made, so that a small picture still gives one file.
///
/// Synchronous and CPU-heavy: the server calls [`cover_async`].
pub fn cover(
    bytes: &[u8],
    limits: &Limits,
    sizes: &[(u32, u32)],
) -> Result<Vec<Variant>, ImageError> {
    let (pixels, _) = load(bytes, limits)?;
    let narrowest = sizes.iter().map(|s| s.0).min().unwrap_or(0);
    let mut resizer = Resizer::new();
    let mut out = Vec::new();
    for &(w, h) in sizes {
        if w > pixels.width && w != narrowest {
            continue;
        }
        let small = resize_with(
            &mut resizer,
            &pixels,
            w.max(1),
            h.max(1),
            &ResizeOptions::new().fit_into_destination(None),
        )?;
        let bytes = encode(&small)?;
        let hash = hex::encode(Sha256::digest(&bytes))[..16].to_owned();
        out.push(Variant {
            width: small.width,
            height: small.height,
            file_name: file_name(&hash, small.width, small.height, None),
            bytes,
        });
    }
    Ok(out)
}

/// A picture re-encoded as a JPEG (quality [`JPEG_QUALITY`], no metadata), scaled down to fit
/// within `within` (never enlarged, its proportions kept), transparency laid on white: how
/// another instance's video thumbnail is kept, so that only its pixels reach a browser.
///
/// Synchronous and CPU-heavy: the server calls [`jpeg_async`].
pub fn jpeg(bytes: &[u8], limits: &Limits, within: (u32, u32)) -> Result<Vec<u8>, ImageError> {
    let (pixels, _) = load(bytes, limits)?;
    let (w, h) = fit_within(pixels.width, pixels.height, within);
    let small = if (w, h) == (pixels.width, pixels.height) {
        pixels
    } else {
        resize(&mut Resizer::new(), &pixels, w, h)?
    };
    let rgb = if small.alpha {
        small
            .data
            .chunks_exact(4)
            .flat_map(|p| {
                let a = u32::from(p[3]);
                // Over white: c·a + 255·(1 − a), rounded.
                [0, 1, 2].map(|i| ((u32::from(p[i]) * a + 255 * (255 - a) + 127) / 255) as u8)
            })
            .collect()
    } else {
        small.data
    };
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .encode(&rgb, w, h, image::ExtendedColorType::Rgb8)
        .map_err(broken)?;
    Ok(out)
}

/// The JPEG quality of the thumbnails we copy.
const JPEG_QUALITY: u8 = 85;

/// The size of a `width`×`height` picture scaled down to fit within `(max_w, max_h)`.
fn fit_within(width: u32, height: u32, (max_w, max_h): (u32, u32)) -> (u32, u32) {
    let (mut w, mut h) = (width, height);
    if w > max_w.max(1) {
        h = scale(h, max_w.max(1), w);
        w = max_w.max(1);
    }
    if h > max_h.max(1) {
        w = scale(w, max_h.max(1), h);
        h = max_h.max(1);
    }
    (w, h)
}

/// The name of a picture's file: `{hash}-{W}x{H}.webp` for the full variant,
/// `{hash}-{W}x{H}-{w}.webp` for the variant `w` pixels wide. `W`×`H` is always the full size.
pub fn file_name(hash: &str, width: u32, height: u32, variant_width: Option<u32>) -> String {
    match variant_width {
        None => format!("{hash}-{width}x{height}.webp"),
        Some(w) => format!("{hash}-{width}x{height}-{w}.webp"),
    }
}

/// What an `<img>` needs to be responsive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Responsive {
    /// The full variant, as given.
    pub src: String,
    /// `{dir}{hash}-{W}x{H}-480.webp 480w, …, {src} {W}w`.
    pub srcset: String,
    pub width: u32,
    pub height: u32,
}

/// The `srcset` and size of one of our pictures, from the path of its full variant (any
/// directory before the file name, absolute or relative). `None` for anything else: external
/// URLs, `data:` URIs, names that are not exactly ours. The check is strict (16 lowercase hex
/// digits, plain decimal sizes, a directory of URL-safe characters only) so nothing that could
/// break out of an HTML attribute passes.
pub fn responsive(src: &str) -> Option<Responsive> {
    let (dir, name) = match src.rfind('/') {
        Some(i) => src.split_at(i + 1),
        None => ("", src),
    };
    if !safe_dir(dir) {
        return None;
    }
    let (hash, width, height) = parse_full_name(name)?;
    let mut srcset = String::new();
    for &w in WIDTHS.iter().filter(|&&w| w < width) {
        srcset.push_str(&format!(
            "{dir}{} {w}w, ",
            file_name(hash, width, height, Some(w))
        ));
    }
    srcset.push_str(&format!("{src} {width}w"));
    Some(Responsive {
        src: src.to_owned(),
        srcset,
        width,
        height,
    })
}

/// Every file of a picture, from its full variant's file name (no directory): the full variant
/// first, then the narrower ones by ascending width. `None` when the name is not one of ours.
pub fn variant_files(file_name: &str) -> Option<Vec<String>> {
    let (hash, width, height) = parse_full_name(file_name)?;
    let mut names = vec![self::file_name(hash, width, height, None)];
    names.extend(
        WIDTHS
            .iter()
            .filter(|&&w| w < width)
            .map(|&w| self::file_name(hash, width, height, Some(w))),
    );
    Some(names)
}

/// `{hash}-{W}x{H}.webp` → its parts, or `None` unless it is exactly that shape.
fn parse_full_name(name: &str) -> Option<(&str, u32, u32)> {
    let stem = name.strip_suffix(".webp")?;
    let (hash, size) = stem.split_once('-')?;
    if hash.len() != 16 || !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let (w, h) = size.split_once('x')?;
    Some((hash, side(w)?, side(h)?))
}

/// A side in plain decimal: 1 to 5 digits, no sign, no leading zero.
fn side(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 5 || s.starts_with('0') || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The directory before a file name: empty, or URL-path characters only and not `//` (which
/// would name another host).
fn safe_dir(dir: &str) -> bool {
    !dir.starts_with("//")
        && dir
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.'))
}

/// What the first bytes say a file is.
enum Sniffed {
    /// A format we decode.
    Raster(ImageFormat),
    /// A picture format we recognise and refuse, by name.
    Other(&'static str),
    Svg,
    Unknown,
}

fn sniff(b: &[u8]) -> Sniffed {
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Sniffed::Raster(ImageFormat::Jpeg);
    }
    if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Sniffed::Raster(ImageFormat::Png);
    }
    if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        return Sniffed::Raster(ImageFormat::Gif);
    }
    if b.len() >= 12 && b.starts_with(b"RIFF") && &b[8..12] == b"WEBP" {
        return Sniffed::Raster(ImageFormat::WebP);
    }
    if b.len() >= 12 && &b[4..8] == b"ftyp" {
        match &b[8..12] {
            b"avif" | b"avis" => return Sniffed::Other("AVIF"),
            b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"mif1" | b"msf1" => {
                return Sniffed::Other("HEIC");
            }
            _ => {}
        }
    }
    if b.starts_with(b"II*\0") || b.starts_with(b"MM\0*") {
        return Sniffed::Other("TIFF");
    }
    if b.len() >= 10 && b.starts_with(b"BM") && b[6..10] == [0; 4] {
        return Sniffed::Other("BMP");
    }
    if b.starts_with(&[0xFF, 0x0A]) || b.starts_with(b"\0\0\0\x0cJXL \r\n\x87\n") {
        return Sniffed::Other("JPEG XL");
    }
    if b.starts_with(b"8BPS") {
        return Sniffed::Other("Photoshop");
    }
    if looks_like_svg(b) {
        return Sniffed::Svg;
    }
    Sniffed::Unknown
}

/// SVG (or any XML, which may be SVG) in UTF-8 or UTF-16: markup at the start after a BOM and
/// whitespace, or `<svg` anywhere in the first KB.
fn looks_like_svg(b: &[u8]) -> bool {
    let head = &b[..b.len().min(SVG_SNIFF)];
    // UTF-16 keeps ASCII in one byte of each pair: keep that byte.
    let text: Vec<u8> = if let Some(rest) = head.strip_prefix(&[0xFF, 0xFE]) {
        rest.iter().step_by(2).copied().collect()
    } else if let Some(rest) = head.strip_prefix(&[0xFE, 0xFF]) {
        rest.iter().skip(1).step_by(2).copied().collect()
    } else {
        head.strip_prefix(&[0xEF, 0xBB, 0xBF])
            .unwrap_or(head)
            .to_vec()
    };
    let text = text.to_ascii_lowercase();
    let start = text.trim_ascii_start();
    start.starts_with(b"<svg")
        || start.starts_with(b"<?xml")
        || start.starts_with(b"<!doctype svg")
        || text.windows(4).any(|w| w == b"<svg")
}

/// The size the header declares, read without decoding any pixels.
fn header_dimensions(
    bytes: &[u8],
    format: ImageFormat,
    limits: &Limits,
) -> Result<(u32, u32), ImageError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    // No width/height limits here, so the refusal can say what the header declared.
    let mut header_limits = image::Limits::default();
    header_limits.max_alloc = Some(limits.max_alloc());
    reader.limits(header_limits);
    reader.into_dimensions().map_err(broken)
}

/// Decoded pixels, 8 bits per channel, RGB or RGBA.
struct Pixels {
    width: u32,
    height: u32,
    alpha: bool,
    data: Vec<u8>,
}

impl Pixels {
    fn pixel_type(&self) -> PixelType {
        if self.alpha {
            PixelType::U8x4
        } else {
            PixelType::U8x3
        }
    }
}

/// Decodes under `image::Limits`, applies the EXIF orientation, and says whether the input may
/// be kept as it is (a plain WebP of ours).
fn decode<'a>(
    bytes: &'a [u8],
    format: ImageFormat,
    limits: &Limits,
    declared: (u32, u32),
    too_many: impl Fn() -> ImageError,
) -> Result<(Pixels, Option<&'a [u8]>), ImageError> {
    let mut image_limits = image::Limits::default();
    image_limits.max_image_width = Some(limits.max_side);
    image_limits.max_image_height = Some(limits.max_side);
    image_limits.max_alloc = Some(limits.max_alloc());
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(image_limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| limit_or_broken(e, &too_many))?;
    if decoder.dimensions() != declared || decoder.total_bytes() > limits.max_alloc() {
        return Err(too_many());
    }
    // A picture whose orientation cannot be read is shown as stored.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image =
        DynamicImage::from_decoder(decoder).map_err(|e| limit_or_broken(e, &too_many))?;
    image.apply_orientation(orientation);

    let kept = (format == ImageFormat::WebP
        && orientation == Orientation::NoTransforms
        && plain_webp(bytes) == Some((image.width(), image.height())))
    .then_some(bytes);

    let (width, height) = (image.width(), image.height());
    let alpha = image.color().has_alpha();
    let data = if alpha {
        image.into_rgba8().into_raw()
    } else {
        image.into_rgb8().into_raw()
    };
    Ok((
        Pixels {
            width,
            height,
            alpha,
            data,
        },
        kept,
    ))
}

fn broken(e: image::ImageError) -> ImageError {
    ImageError::Broken(e.to_string())
}

fn limit_or_broken(e: image::ImageError, too_many: &impl Fn() -> ImageError) -> ImageError {
    match e {
        image::ImageError::Limits(_) => too_many(),
        e => broken(e),
    }
}

/// The size of the full variant: at most [`MAX_WIDTH`] wide and [`WEBP_MAX_SIDE`] high, the
/// aspect ratio kept, never enlarged.
fn fit(width: u32, height: u32) -> (u32, u32) {
    let (mut w, mut h) = (width, height);
    if w > MAX_WIDTH {
        h = scale(h, MAX_WIDTH, w);
        w = MAX_WIDTH;
    }
    if h > WEBP_MAX_SIDE {
        w = scale(w, WEBP_MAX_SIDE, h);
        h = WEBP_MAX_SIDE;
    }
    (w, h)
}

/// `value × to / from`, rounded, at least 1.
fn scale(value: u32, to: u32, from: u32) -> u32 {
    let from = u64::from(from.max(1));
    let scaled = (u64::from(value) * u64::from(to) + from / 2) / from;
    u32::try_from(scaled).unwrap_or(u32::MAX).max(1)
}

fn resize(
    resizer: &mut Resizer,
    src: &Pixels,
    width: u32,
    height: u32,
) -> Result<Pixels, ImageError> {
    resize_with(resizer, src, width, height, &ResizeOptions::new())
}

fn resize_with(
    resizer: &mut Resizer,
    src: &Pixels,
    width: u32,
    height: u32,
    options: &ResizeOptions,
) -> Result<Pixels, ImageError> {
    let internal = |e: &dyn std::fmt::Display| ImageError::Broken(format!("resizing: {e}"));
    let from = ImageRef::new(src.width, src.height, &src.data, src.pixel_type())
        .map_err(|e| internal(&e))?;
    let mut to = Image::new(width, height, src.pixel_type());
    // Lanczos3 by default; alpha is premultiplied while filtering, so edges keep no halo.
    resizer
        .resize(&from, &mut to, options)
        .map_err(|e| internal(&e))?;
    Ok(Pixels {
        width,
        height,
        alpha: src.alpha,
        data: to.into_vec(),
    })
}

/// Lossy WebP from pixels only: the file has no metadata chunk at all. An alpha channel that is
/// fully opaque is dropped by libwebp.
fn encode(p: &Pixels) -> Result<Vec<u8>, ImageError> {
    let encoder = if p.alpha {
        webp::Encoder::from_rgba(&p.data, p.width, p.height)
    } else {
        webp::Encoder::from_rgb(&p.data, p.width, p.height)
    };
    encoder
        .encode_simple(false, QUALITY)
        .map(|memory| memory.to_vec())
        .map_err(|e| ImageError::Broken(format!("WebP encoding: {e:?}")))
}

/// The size of a WebP file shaped exactly as our encoder writes them, or `None`: a `RIFF` whose
/// length is the file's, holding either one lossy `VP8 ` chunk, or `VP8X` (alpha flag only) +
/// `ALPH` + `VP8 `. Anything else (metadata, animation, lossless, trailing bytes) is re-encoded.
fn plain_webp(b: &[u8]) -> Option<(u32, u32)> {
    if b.len() < 12 || &b[0..4] != b"RIFF" || &b[8..12] != b"WEBP" {
        return None;
    }
    let riff_len = u32::from_le_bytes(b[4..8].try_into().ok()?);
    if usize::try_from(riff_len).ok()? != b.len() - 8 {
        return None;
    }
    let mut chunks = Vec::new();
    let mut rest = &b[12..];
    while !rest.is_empty() {
        if rest.len() < 8 {
            return None;
        }
        let fourcc: &[u8; 4] = rest[0..4].try_into().ok()?;
        let len = usize::try_from(u32::from_le_bytes(rest[4..8].try_into().ok()?)).ok()?;
        let padded = len.checked_add(len % 2)?;
        let body = rest.get(8..8 + len)?;
        if len % 2 == 1 && rest.get(8 + len) != Some(&0) {
            return None;
        }
        chunks.push((fourcc, body));
        rest = rest.get(8 + padded..)?;
    }
    match chunks.as_slice() {
        [(b"VP8 ", frame)] => vp8_size(frame),
        [(b"VP8X", header), (b"ALPH", alpha), (b"VP8 ", frame)] => {
            // Flags: alpha only (no ICC, EXIF, XMP, animation); reserved bytes zero.
            if header.len() != 10 || header[0..4] != [0x10, 0, 0, 0] || alpha.is_empty() {
                return None;
            }
            let w = u32::from_le_bytes([header[4], header[5], header[6], 0]) + 1;
            let h = u32::from_le_bytes([header[7], header[8], header[9], 0]) + 1;
            (vp8_size(frame)? == (w, h)).then_some((w, h))
        }
        _ => None,
    }
}

/// The size in a lossy key frame's header (no upscaling bits).
fn vp8_size(frame: &[u8]) -> Option<(u32, u32)> {
    if frame.len() < 10 || frame[0] & 1 != 0 || frame[3..6] != [0x9D, 0x01, 0x2A] {
        return None;
    }
    let w = u16::from_le_bytes([frame[6], frame[7]]);
    let h = u16::from_le_bytes([frame[8], frame[9]]);
    if w >> 14 != 0 || h >> 14 != 0 {
        return None;
    }
    Some((u32::from(w), u32::from(h)))
}

//! The picture pipeline: what a site owner uploads becomes a few WebP files that a page serves
//! with `srcset` ([`ingest`]); an avatar or a banner (ours, or another instance's that we copy)
//! becomes one WebP per size, cut to its proportions ([`cover`]).
//!
//! Anyone with a site can upload, so nothing about a picture is trusted. The format is sniffed
//! from the bytes, never from the name or the declared type, and only JPEG, PNG, GIF and WebP
//! are decoded. SVG is refused because it can carry scripts. The header is read and checked
//! before anything is decoded, because a file of a few kilobytes can declare billions of
//! pixels: its dimensions against [`Limits::max_pixels`], then the memory that decoding and
//! processing it would take against [`Limits::max_memory`] ([`memory_needed`]), because a
//! picture within the pixel budget can still be heavy (16 bits a channel, a progressive JPEG).
//! The decoder then runs under allocation limits. What comes out is re-encoded from pixels as
//! lossy WebP with the EXIF orientation applied, so no metadata survives: no GPS position, no
//! camera serial number, no XMP, no ICC profile.
//!
//! Files are named by their content: `{hash}-{W}x{H}.webp` for the full picture (at most
//! [`MAX_WIDTH`] wide), and `{hash}-{W}x{H}-{w}.webp` for each narrower variant in [`WIDTHS`].
//! The full name alone is enough to rebuild the `srcset` ([`responsive`]) and to list every file
//! ([`variant_files`]), so a document stores one path per picture. An upload that is already one
//! of our plain WebP files is kept byte for byte, so exporting a site and importing it again gives
//! the same names.
//!
//! Everything here uses a lot of CPU and memory. The server calls the `_async` functions
//! ([`ingest_async`], [`cover_async`], [`jpeg_async`]), which run the work on a blocking thread,
//! in turn with every other picture of the process, whatever asks (Pages' uploads, avatars and
//! banners, copies of other instances' pictures, remote video thumbnails): each takes its
//! estimate out of a process-wide budget of [`DECODE_BUDGET`] bytes and one of [`DECODE_SLOTS`]
//! slots ([`DecodeBudget`]), so small pictures are decoded two at a time and large ones alone.
//! The others wait their turn without holding a thread. What pictures take together is so
//! bounded by [`DECODE_BUDGET`], whatever arrives at once.

use std::io::Cursor;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{CropBox, MulDiv, PixelType, ResizeOptions, Resizer};
use image::metadata::Orientation;
use image::{ColorType, DynamicImage, ImageDecoder, ImageFormat, ImageReader, RgbImage, RgbaImage};
use sha2::{Digest, Sha256};
use tokio::sync::{Semaphore, SemaphorePermit};

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

const MIB: u64 = 1024 * 1024;

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
    /// The most memory, in bytes, that decoding a picture and making its files may take by the
    /// estimate of [`memory_needed`]; checked on the header, before decoding.
    pub max_memory: u64,
}

/// The pixel budget: 25 megapixels. Every size we make is far smaller (Pages' widest variant is
/// [`MAX_WIDTH`] wide, an avatar 1500×1500, a banner 1920×317), so this is about what people
/// send: a 24-megapixel camera photo (6000×4000) passes, and so does every phone photo as
/// phones save them (12 MP). A 40-megapixel picture is refused from its header before anything
/// is decoded. Within it, the memory a picture takes depends on its depth and format, and is
/// bounded by [`PICTURE_MEMORY`].
pub const MAX_PIXELS: u64 = 25_000_000;

/// The most memory one picture may take, by the estimate of [`memory_needed`]: 160 MiB. That
/// is enough for any 8-bit PNG within [`MAX_PIXELS`] (an RGBA one of 25 megapixels is estimated
/// at about 150 MiB as Pages' variants, 135 MiB as an avatar), and for a 24-megapixel camera
/// photo (6000×4000) whether its JPEG is baseline (about 115 MiB) or progressive (about 150
/// MiB). A 16-bit RGBA picture of 25 megapixels (200 MB decoded) is refused: at 16 bits a
/// channel, an RGBA picture may have about 20 megapixels.
pub const PICTURE_MEMORY: u64 = 160 * MIB;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 20 * MIB as usize,
            max_pixels: MAX_PIXELS,
            max_side: 12_000,
            max_memory: PICTURE_MEMORY,
        }
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
    /// Within the pixel budget, but decoding it and making its files would take more memory than
    /// one picture may ([`Limits::max_memory`]): `needed` bytes by the estimate. `max_pixels` is
    /// the most pixels the same picture (format, shape, channels) could have at 8 bits a channel.
    #[error(
        "this picture needs too much memory to decode ({width}×{height} at {bits} bits per channel): the most is {} megapixels at 8 bits per channel",
        megapixels(*max_pixels)
    )]
    TooMuchMemory {
        width: u32,
        height: u32,
        bits: u8,
        needed: u64,
        max_pixels: u64,
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
            // The translated sentence of too many pixels is the nearest one.
            ImageError::TooManyPixels { .. } | ImageError::TooMuchMemory { .. } => {
                "image-too-many-pixels"
            }
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

/// What is made of a picture, for the estimate of what making it takes ([`memory_needed`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// [`ingest`]: the full variant and the narrower ones.
    Variants,
    /// [`cover`] to these sizes.
    Cover(Vec<(u32, u32)>),
    /// [`jpeg`] within this box.
    Jpeg((u32, u32)),
    /// [`jpeg_cover`] to this size.
    JpegCover((u32, u32)),
}

// ---------------------------------------------------------------------------------------------
// Taking turns

/// The most pictures this process decodes at once, through the `_async` functions, whatever
/// their size: two keep both cores of a small server busy. The budget of [`DECODE_BUDGET`] may
/// let fewer run.
pub const DECODE_SLOTS: usize = 2;

/// What the pictures decoded at once in this process may take together, by their estimates
/// ([`memory_needed`]): 192 MiB. One picture of [`PICTURE_MEMORY`] leaves room for a small one
/// beside it (an avatar of a phone photo takes about 20 MiB), never for a second large one.
pub const DECODE_BUDGET: u64 = 192 * MIB;

/// Memory shared by the pictures decoded at once, counted in whole MiB, and a few slots.
/// Whoever asks takes its estimate out of the memory, then a slot, and gives both back when its
/// work ends; who cannot have them waits, in the order asked, so that a large picture is not
/// overtaken forever by small ones arriving after it.
pub struct DecodeBudget {
    memory: Semaphore,
    slots: Semaphore,
    mib: u32,
    held: AtomicU32,
    peak: AtomicU32,
    waiting: AtomicU32,
}

/// A share of a [`DecodeBudget`]: its memory and one slot, given back when dropped.
pub struct Admission<'a> {
    budget: &'a DecodeBudget,
    mib: u32,
    _memory: SemaphorePermit<'a>,
    _slot: SemaphorePermit<'a>,
}

impl DecodeBudget {
    /// A budget of `bytes` (rounded up to whole MiB, at least one) for at most `slots` pictures
    /// at once.
    pub const fn new(bytes: u64, slots: usize) -> DecodeBudget {
        let mib = bytes.div_ceil(MIB);
        let mib = if mib == 0 {
            1
        } else if mib > u32::MAX as u64 {
            u32::MAX
        } else {
            mib as u32
        };
        DecodeBudget {
            memory: Semaphore::const_new(mib as usize),
            slots: Semaphore::const_new(slots),
            mib,
            held: AtomicU32::new(0),
            peak: AtomicU32::new(0),
            waiting: AtomicU32::new(0),
        }
    }

    /// Waits for `bytes` of the budget and for a slot, and holds them until the admission is
    /// dropped. More than the whole budget is taken as the whole budget: such a picture runs
    /// alone.
    pub async fn admit(&self, bytes: u64) -> Result<Admission<'_>, ImageError> {
        let mib = self.share(bytes);
        let waiting = Waiting::start(&self.waiting);
        let closed =
            |e: tokio::sync::AcquireError| ImageError::Broken(format!("picture queue: {e}"));
        let memory = self.memory.acquire_many(mib).await.map_err(closed)?;
        let slot = self.slots.acquire().await.map_err(closed)?;
        drop(waiting);
        let now = self.held.fetch_add(mib, Ordering::SeqCst) + mib;
        self.peak.fetch_max(now, Ordering::SeqCst);
        Ok(Admission {
            budget: self,
            mib,
            _memory: memory,
            _slot: slot,
        })
    }

    /// What `bytes` take of the budget: whole MiB, at least one, at most all of it.
    pub fn share(&self, bytes: u64) -> u32 {
        u32::try_from(bytes.div_ceil(MIB))
            .unwrap_or(u32::MAX)
            .clamp(1, self.mib)
    }

    /// The whole budget, in MiB.
    pub fn mib(&self) -> u32 {
        self.mib
    }

    /// What the admissions alive hold, in MiB.
    pub fn held_mib(&self) -> u32 {
        self.held.load(Ordering::SeqCst)
    }

    /// The most the admissions held at one time so far, in MiB.
    pub fn peak_mib(&self) -> u32 {
        self.peak.load(Ordering::SeqCst)
    }

    /// How many wait to be admitted.
    pub fn waiting(&self) -> u32 {
        self.waiting.load(Ordering::SeqCst)
    }
}

impl Admission<'_> {
    /// What this admission holds, in MiB.
    pub fn mib(&self) -> u32 {
        self.mib
    }
}

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        self.budget.held.fetch_sub(self.mib, Ordering::SeqCst);
    }
}

/// Counts a wait for admission while it lasts, even if the waiter gives up.
struct Waiting<'a>(&'a AtomicU32);

impl<'a> Waiting<'a> {
    fn start(count: &'a AtomicU32) -> Waiting<'a> {
        count.fetch_add(1, Ordering::SeqCst);
        Waiting(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

static BUDGET: DecodeBudget = DecodeBudget::new(DECODE_BUDGET, DECODE_SLOTS);
static RUNNING: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// The budget every picture of the process goes through (the `_async` functions).
pub fn decode_budget() -> &'static DecodeBudget {
    &BUDGET
}

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

/// Reads the header, then runs `work` on a blocking thread once the picture's estimate can be
/// taken out of the process's budget ([`decode_budget`]). Reading the header takes a share of
/// its own first, for what a decoder holds while reading it (a JPEG decoder copies the file).
/// A picture whose estimate is over `limits.max_memory` is refused without waiting. What is
/// taken is held until the work ends, even if the caller stops waiting for it.
async fn in_turn<T: Send + 'static>(
    bytes: Vec<u8>,
    limits: Limits,
    job: Job,
    work: impl FnOnce(&[u8], &Header) -> Result<T, ImageError> + Send + 'static,
) -> Result<T, ImageError> {
    let format = sniffed(&bytes, &limits)?;
    let reading = BUDGET.admit(header_cost(bytes.len())).await?;
    let (bytes, header) = blocking(move || {
        let _reading = reading;
        let header = read_header(&bytes, format, &limits);
        (bytes, header)
    })
    .await?;
    let header = header?;
    let needed = within_memory(&header, &job, &limits)?;
    let admitted = BUDGET.admit(needed).await?;
    blocking(move || {
        let _admitted = admitted;
        let _running = Running::start();
        work(&bytes, &header)
    })
    .await?
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ImageError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ImageError::Broken(format!("the picture decoder stopped: {e}")))
}

/// [`ingest`], in turn with every other picture of the process, on a blocking thread.
pub async fn ingest_async(bytes: Vec<u8>, limits: Limits) -> Result<Processed, ImageError> {
    in_turn(bytes, limits, Job::Variants, |bytes, header| {
        make_variants(bytes, header)
    })
    .await
}

/// [`cover`], in turn with every other picture of the process, on a blocking thread.
pub async fn cover_async(
    bytes: Vec<u8>,
    limits: Limits,
    sizes: Vec<(u32, u32)>,
) -> Result<Vec<Variant>, ImageError> {
    in_turn(
        bytes,
        limits,
        Job::Cover(sizes.clone()),
        move |bytes, header| make_covers(bytes, header, &sizes),
    )
    .await
}

/// [`jpeg`], in turn with every other picture of the process, on a blocking thread.
pub async fn jpeg_async(
    bytes: Vec<u8>,
    limits: Limits,
    within: (u32, u32),
) -> Result<Vec<u8>, ImageError> {
    in_turn(bytes, limits, Job::Jpeg(within), move |bytes, header| {
        make_jpeg(bytes, header, within, false)
    })
    .await
}

/// [`jpeg_cover`], in turn with every other picture of the process, on a blocking thread.
pub async fn jpeg_cover_async(
    bytes: Vec<u8>,
    limits: Limits,
    size: (u32, u32),
) -> Result<Vec<u8>, ImageError> {
    in_turn(bytes, limits, Job::JpegCover(size), move |bytes, header| {
        make_jpeg(bytes, header, size, true)
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// The work

/// Checks, decodes and re-encodes an uploaded picture into its WebP variants.
///
/// Synchronous and CPU-heavy, and outside the process's budget: the server calls
/// [`ingest_async`].
pub fn ingest(bytes: &[u8], limits: &Limits) -> Result<Processed, ImageError> {
    let header = checked(bytes, limits, &Job::Variants)?;
    make_variants(bytes, &header)
}

/// A picture cut to the proportions of each of `sizes` (around its centre) and scaled to it, as
/// avatars and banners are: one WebP per size, in the order given, named
/// `{hash}-{W}x{H}.webp` by its own bytes. Sizes wider than the picture are left out, but the
/// narrowest is always made, so that a small picture still gives one file.
///
/// Synchronous and CPU-heavy, and outside the process's budget: the server calls
/// [`cover_async`].
pub fn cover(
    bytes: &[u8],
    limits: &Limits,
    sizes: &[(u32, u32)],
) -> Result<Vec<Variant>, ImageError> {
    let header = checked(bytes, limits, &Job::Cover(sizes.to_vec()))?;
    make_covers(bytes, &header, sizes)
}

/// A picture re-encoded as a JPEG (quality [`JPEG_QUALITY`], no metadata), scaled down to fit
/// within `within` (never enlarged, its proportions kept), transparency laid on white: how
/// another instance's video thumbnail is kept, so that only its pixels reach a browser.
///
/// Synchronous and CPU-heavy, and outside the process's budget: the server calls
/// [`jpeg_async`].
pub fn jpeg(bytes: &[u8], limits: &Limits, within: (u32, u32)) -> Result<Vec<u8>, ImageError> {
    let header = checked(bytes, limits, &Job::Jpeg(within))?;
    make_jpeg(bytes, &header, within, false)
}

/// A picture cut to the proportions of `size` (around its centre), scaled to it and re-encoded
/// as a JPEG like [`jpeg`]: a video's thumbnail or preview chosen by its owner, at the size of
/// the generated ones (a JPEG, which PeerTube requires of a federated video's icon).
///
/// Synchronous and CPU-heavy, and outside the process's budget: the server calls
/// [`jpeg_cover_async`].
pub fn jpeg_cover(bytes: &[u8], limits: &Limits, size: (u32, u32)) -> Result<Vec<u8>, ImageError> {
    let header = checked(bytes, limits, &Job::JpegCover(size))?;
    make_jpeg(bytes, &header, size, true)
}

/// What making `job` of this picture would take at most at one time, in bytes, estimated from
/// its header before any pixel is decoded; or why it is refused (too large a file, not a
/// picture, too many pixels, or an estimate over `limits.max_memory`).
///
/// The estimate follows the pipeline step by step and keeps the largest of:
/// - decoding: the decoded picture at its own depth (width × height × the bytes of a pixel of
///   its colour type: 8 for 16-bit RGBA, 3 for a JPEG), plus what the format's decoder holds
///   beside it (a copy of a JPEG file, and a progressive JPEG's coefficients, 2 bytes a sample;
///   WebP's YUV planes and alpha; a GIF frame decoded apart);
/// - widening grey to RGB, both copies at once (16-bit samples are narrowed to 8 bits in place,
///   in the decoded buffer, which then shrinks to half);
/// - making the files from the 8-bit picture (3 or 4 bytes a pixel), kept while it is needed:
///   each resize's intermediate (at most the source's width × the target's height), its result,
///   the result turned when the EXIF orientation turns it, and the WebP encoder's own buffers;
///   Pages' narrower variants are made from the full one once the source is dropped;
///
/// plus [`SLACK`] for the decoder's rows and tables.
pub fn memory_needed(bytes: &[u8], limits: &Limits, job: &Job) -> Result<u64, ImageError> {
    let header = read_header(bytes, sniffed(bytes, limits)?, limits)?;
    within_memory(&header, job, limits)
}

/// The header of a picture that passes every check for `job`.
fn checked(bytes: &[u8], limits: &Limits, job: &Job) -> Result<Header, ImageError> {
    let header = read_header(bytes, sniffed(bytes, limits)?, limits)?;
    within_memory(&header, job, limits)?;
    Ok(header)
}

fn make_variants(bytes: &[u8], header: &Header) -> Result<Processed, ImageError> {
    let mut source = decode(bytes, header)?;
    let (width, height) = header.shown();
    let (full_width, full_height) = fit(width, height);
    let mut resizer = Resizer::new();

    let (mut full, full_bytes) = if (full_width, full_height) == (width, height) {
        // Kept as it is if it is one of our plain WebP files.
        let kept = header.format == ImageFormat::WebP
            && header.orientation == Orientation::NoTransforms
            && plain_webp(bytes) == Some((width, height));
        let full = orient(source, header.orientation)?;
        let encoded = if kept { bytes.to_vec() } else { encode(&full)? };
        (full, encoded)
    } else {
        let (w, h) = header.stored((full_width, full_height));
        let crop = whole(&source);
        let full = resize(&mut resizer, &mut source, crop, w, h)?;
        // The narrower variants are made from the full one: the source, and what the resizer
        // kept for it, are not needed any more.
        drop(source);
        resizer.reset_internal_buffers();
        let full = orient(full, header.orientation)?;
        let encoded = encode(&full)?;
        (full, encoded)
    };

    let hash = hex::encode(Sha256::digest(&full_bytes))[..16].to_owned();
    let (full_width, full_height) = (full.width, full.height);
    let mut variants = vec![Variant {
        width: full_width,
        height: full_height,
        bytes: full_bytes,
        file_name: file_name(&hash, full_width, full_height, None),
    }];
    for &w in WIDTHS.iter().filter(|&&w| w < full_width) {
        let h = scale(full_height, w, full_width);
        let crop = whole(&full);
        let small = resize(&mut resizer, &mut full, crop, w, h)?;
        variants.push(Variant {
            width: w,
            height: h,
            bytes: encode(&small)?,
            file_name: file_name(&hash, full_width, full_height, Some(w)),
        });
    }
    Ok(Processed {
        width: full_width,
        height: full_height,
        hash,
        variants,
    })
}

fn make_covers(
    bytes: &[u8],
    header: &Header,
    sizes: &[(u32, u32)],
) -> Result<Vec<Variant>, ImageError> {
    let mut source = decode(bytes, header)?;
    let (width, _) = header.shown();
    let narrowest = sizes.iter().map(|s| s.0).min().unwrap_or(0);
    let mut resizer = Resizer::new();
    let mut out = Vec::new();
    for &(w, h) in sizes {
        if w > width && w != narrowest {
            continue;
        }
        // Cut and scaled as stored, then turned: the centre is the same either way.
        let (w, h) = header.stored((w.max(1), h.max(1)));
        let crop = CropBox::fit_src_into_dst_size(source.width, source.height, w, h, None);
        let small = resize(&mut resizer, &mut source, crop, w, h)?;
        let small = orient(small, header.orientation)?;
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

/// `size` is the box to fit within, or with `cover` the exact size to cut and scale to.
fn make_jpeg(
    bytes: &[u8],
    header: &Header,
    size: (u32, u32),
    cover: bool,
) -> Result<Vec<u8>, ImageError> {
    let mut source = decode(bytes, header)?;
    let (width, height) = header.shown();
    let (w, h) = if cover {
        (size.0.max(1), size.1.max(1))
    } else {
        fit_within(width, height, size)
    };
    let small = if (w, h) == (width, height) {
        source
    } else {
        let (sw, sh) = header.stored((w, h));
        let crop = if cover {
            CropBox::fit_src_into_dst_size(source.width, source.height, sw, sh, None)
        } else {
            whole(&source)
        };
        resize(&mut Resizer::new(), &mut source, crop, sw, sh)?
    };
    let small = orient(small, header.orientation)?;
    let rgb = if small.alpha {
        let mut rgb = Vec::with_capacity(small.data.len() / 4 * 3);
        for p in small.data.chunks_exact(4) {
            let a = u32::from(p[3]);
            // Over white: c·a + 255·(1 − a), rounded.
            rgb.extend(
                [0, 1, 2].map(|i| ((u32::from(p[i]) * a + 255 * (255 - a) + 127) / 255) as u8),
            );
        }
        rgb
    } else {
        small.data
    };
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .encode(
            &rgb,
            small.width,
            small.height,
            image::ExtendedColorType::Rgb8,
        )
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

// ---------------------------------------------------------------------------------------------
// Headers and estimates

/// What decoders and encoders may hold beyond what the estimate counts (rows, tables,
/// metadata): 8 MiB, added to every estimate. A PNG's chunks are read within it.
pub const SLACK: u64 = 8 * MIB;

/// What reading a header may take: at most two copies of the file (a JPEG decoder copies it,
/// then its metadata segments) and [`SLACK`].
fn header_cost(len: usize) -> u64 {
    SLACK + 2 * len as u64
}

/// What the header says, read without decoding any pixel: enough to check the picture and to
/// estimate what decoding and processing it takes.
#[derive(Debug, Clone)]
struct Header {
    format: ImageFormat,
    /// The size as stored, before the EXIF orientation is applied.
    width: u32,
    height: u32,
    /// What the decoder gives.
    colour: ColorType,
    orientation: Orientation,
    layout: Layout,
    file_len: u64,
}

/// What a format's decoder holds beside the pixels it decodes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Layout {
    /// PNG: decoded row by row into the picture.
    Rows,
    /// JPEG: a copy of the file; a progressive one also keeps every coefficient of the picture
    /// (2 bytes each) until its last scan, so as many as its components' sampling factors
    /// (horizontal, vertical) give.
    Jpeg {
        progressive: bool,
        sampling: Vec<(u32, u32)>,
    },
    /// GIF: a frame that does not cover the whole screen is decoded apart first.
    Gif,
    WebP(WebPKind),
}

/// How a WebP decoder works, by the file's chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WebPKind {
    /// Decoded to YUV planes (1.5 bytes a pixel, whole 16×16 blocks) and then to RGB; an alpha
    /// plane is decoded apart, through 6 bytes a pixel.
    Lossy { alpha: bool },
    /// Decoded through 4 bytes a pixel.
    Lossless,
    /// The first frame is decoded as a still one would be, then laid on a canvas.
    Animated,
}

impl Header {
    /// Whether the EXIF orientation swaps width and height.
    fn turned(&self) -> bool {
        matches!(
            self.orientation,
            Orientation::Rotate90
                | Orientation::Rotate270
                | Orientation::Rotate90FlipH
                | Orientation::Rotate270FlipH
        )
    }

    /// The size as shown, once the EXIF orientation is applied.
    fn shown(&self) -> (u32, u32) {
        self.stored((self.width, self.height))
    }

    /// A size as shown, as stored (or the other way round): swapped if the orientation turns.
    fn stored(&self, (w, h): (u32, u32)) -> (u32, u32) {
        if self.turned() { (h, w) } else { (w, h) }
    }

    /// Whether the picture has an alpha channel (kept as RGBA).
    fn alpha(&self) -> bool {
        self.colour.has_alpha()
    }

    /// The bits of a sample as decoded.
    fn bits(&self) -> u8 {
        let channels = self.colour.channel_count().max(1);
        self.colour.bytes_per_pixel() / channels * 8
    }

    /// What the decoder holds beside the decoded picture, for a picture of this kind
    /// `width`×`height`.
    fn decoder_bytes(&self, width: u32, height: u32) -> u64 {
        let (w, h) = (u64::from(width), u64::from(height));
        let pixels = w * h;
        // Lossy WebP's YUV 4:2:0 planes, in whole macroblocks.
        let yuv = w.div_ceil(16) * 16 * h.div_ceil(16) * 16 * 3 / 2;
        match &self.layout {
            Layout::Rows => 0,
            Layout::Jpeg {
                progressive,
                sampling,
            } => {
                let coefficients = if *progressive {
                    jpeg_coefficients(w, h, sampling)
                } else {
                    0
                };
                2 * self.file_len + coefficients
            }
            Layout::Gif => 4 * pixels,
            Layout::WebP(kind) => {
                self.file_len
                    + match kind {
                        WebPKind::Lossy { alpha: false } => yuv,
                        WebPKind::Lossy { alpha: true } => yuv + 6 * pixels,
                        WebPKind::Lossless => 4 * pixels,
                        // A frame (4 bytes a pixel), the canvas (4), YUV planes and alpha (6).
                        WebPKind::Animated => yuv + 14 * pixels,
                    }
            }
        }
    }
}

/// The bytes of a progressive JPEG's coefficients, as the decoder allocates them: whole MCUs of
/// 8×8 blocks per sampling factor, 2 bytes a coefficient.
fn jpeg_coefficients(width: u64, height: u64, sampling: &[(u32, u32)]) -> u64 {
    let h_max = u64::from(sampling.iter().map(|s| s.0).max().unwrap_or(1));
    let v_max = u64::from(sampling.iter().map(|s| s.1).max().unwrap_or(1));
    let (mcu_x, mcu_y) = if sampling.len() == 1 {
        (width.div_ceil(8), height.div_ceil(8))
    } else {
        (width.div_ceil(8 * h_max), height.div_ceil(8 * v_max))
    };
    sampling
        .iter()
        .map(|&(h, v)| mcu_x * mcu_y * 64 * u64::from(h) * u64::from(v) * 2)
        .sum()
}

/// The checks made before any header is parsed: the file's size, then its format, sniffed from
/// its bytes.
fn sniffed(bytes: &[u8], limits: &Limits) -> Result<ImageFormat, ImageError> {
    if bytes.len() > limits.max_bytes {
        return Err(ImageError::TooLarge {
            size: bytes.len(),
            max: limits.max_bytes,
        });
    }
    match sniff(bytes) {
        Sniffed::Raster(format) => Ok(format),
        Sniffed::Other(name) => Err(ImageError::Unsupported(name.to_owned())),
        Sniffed::Svg => Err(ImageError::Svg),
        Sniffed::Unknown => Err(ImageError::NotAnImage),
    }
}

/// Reads the header without decoding any pixel, and checks the size it declares.
fn read_header(bytes: &[u8], format: ImageFormat, limits: &Limits) -> Result<Header, ImageError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    // No width/height limits here, so the refusal can say what the header declared.
    let mut header_limits = image::Limits::default();
    header_limits.max_alloc = Some(SLACK);
    reader.limits(header_limits);
    let mut decoder = reader.into_decoder().map_err(broken)?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(ImageError::Broken(format!(
            "empty picture {width}×{height}"
        )));
    }
    if u64::from(width) * u64::from(height) > limits.max_pixels
        || width > limits.max_side
        || height > limits.max_side
    {
        return Err(ImageError::TooManyPixels {
            width,
            height,
            max_pixels: limits.max_pixels,
            max_side: limits.max_side,
        });
    }
    let layout = match format {
        ImageFormat::Jpeg => {
            // Without a frame header found here, the most a decoder could hold.
            let (progressive, sampling) = jpeg_frame(bytes).unwrap_or((true, vec![(1, 1); 4]));
            Layout::Jpeg {
                progressive,
                sampling,
            }
        }
        ImageFormat::Gif => Layout::Gif,
        ImageFormat::WebP => Layout::WebP(webp_kind(bytes)),
        _ => Layout::Rows,
    };
    Ok(Header {
        format,
        width,
        height,
        colour: decoder.color_type(),
        // A picture whose orientation cannot be read is shown as stored.
        orientation: decoder.orientation().unwrap_or(Orientation::NoTransforms),
        layout,
        file_len: bytes.len() as u64,
    })
}

/// A JPEG's frame header (SOF): whether it is progressive, and each component's sampling
/// factors. `None` when none comes before the first scan.
fn jpeg_frame(b: &[u8]) -> Option<(bool, Vec<(u32, u32)>)> {
    let mut i = 2;
    loop {
        if *b.get(i)? != 0xFF {
            return None;
        }
        // A marker may be preceded by any number of fill bytes.
        while *b.get(i)? == 0xFF {
            i += 1;
        }
        let marker = *b.get(i)?;
        i += 1;
        match marker {
            // Markers without a length.
            0x01 | 0xD0..=0xD8 => continue,
            // The end, or a scan before any frame header.
            0xD9 | 0xDA => return None,
            _ => {}
        }
        let len = usize::from(u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?]));
        let segment = b.get(i + 2..i + len)?;
        // SOF0 to SOF15, but for DHT (C4), JPG (C8) and DAC (CC).
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            // Precision, height, width, the number of components, then 3 bytes for each: its
            // id, its sampling factors (4 bits each), its quantisation table.
            let count = usize::from(*segment.get(5)?);
            let sampling = (0..count)
                .map(|c| {
                    let factors = *segment.get(6 + 3 * c + 1)?;
                    Some((
                        u32::from(factors >> 4).max(1),
                        u32::from(factors & 0x0F).max(1),
                    ))
                })
                .collect::<Option<Vec<_>>>()?;
            let progressive = matches!(marker, 0xC2 | 0xC6 | 0xCA | 0xCE);
            return Some((progressive, sampling));
        }
        i += len;
    }
}

/// How a WebP file is decoded, by its chunks; unknown layouts as the heaviest (an animation).
fn webp_kind(b: &[u8]) -> WebPKind {
    match b.get(12..16) {
        Some(b"VP8 ") => WebPKind::Lossy { alpha: false },
        Some(b"VP8L") => WebPKind::Lossless,
        Some(b"VP8X") => {
            let flags = b.get(20).copied().unwrap_or(0xFF);
            if flags & 0x02 != 0 {
                return WebPKind::Animated;
            }
            let alpha = flags & 0x10 != 0;
            let mut rest = b.get(12..).unwrap_or_default();
            while rest.len() >= 8 {
                let len = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]) as usize;
                match &rest[0..4] {
                    b"VP8 " => return WebPKind::Lossy { alpha },
                    b"VP8L" => return WebPKind::Lossless,
                    _ => {}
                }
                let Some(next) = rest.get(8 + len + len % 2..) else {
                    break;
                };
                rest = next;
            }
            WebPKind::Animated
        }
        _ => WebPKind::Animated,
    }
}

/// The estimate of what making `job` of the picture takes, checked against `limits.max_memory`.
fn within_memory(header: &Header, job: &Job, limits: &Limits) -> Result<u64, ImageError> {
    let needed = needed(header, header.width, header.height, job);
    if needed > limits.max_memory {
        return Err(ImageError::TooMuchMemory {
            width: header.width,
            height: header.height,
            bits: header.bits(),
            needed,
            max_pixels: most_pixels_at_8_bits(header, job, limits),
        });
    }
    Ok(needed)
}

/// The most pixels the picture could have, with its format, proportions and channels at 8 bits a
/// channel, and be taken for `job` within `limits`.
fn most_pixels_at_8_bits(header: &Header, job: &Job, limits: &Limits) -> u64 {
    let eight = Header {
        colour: match header.colour {
            ColorType::L16 => ColorType::L8,
            ColorType::La16 => ColorType::La8,
            ColorType::Rgb16 | ColorType::Rgb32F => ColorType::Rgb8,
            ColorType::Rgba16 | ColorType::Rgba32F => ColorType::Rgba8,
            other => other,
        },
        ..header.clone()
    };
    let fits = |w: u32| {
        let h = scale(header.height, w, header.width);
        let pixels = u64::from(w) * u64::from(h);
        (h <= limits.max_side
            && pixels <= limits.max_pixels
            && needed(&eight, w, h, job) <= limits.max_memory)
            .then_some(pixels)
    };
    // The widest that fits, by bisection: a wider picture never takes less.
    let (mut fitting, mut over) = (0, limits.max_side.saturating_add(1));
    while over - fitting > 1 {
        let w = fitting + (over - fitting) / 2;
        if fits(w).is_some() {
            fitting = w;
        } else {
            over = w;
        }
    }
    fits(fitting).unwrap_or(0)
}

/// What making `job` of a picture like `header`, `width`×`height` as stored, takes at most at one
/// time (see [`memory_needed`]).
fn needed(header: &Header, width: u32, height: u32, job: &Job) -> u64 {
    let (w, h) = (u64::from(width), u64::from(height));
    let pixels = w * h;
    let alpha = header.alpha();
    // Bytes of a pixel as decoded, and as processed (8-bit RGB or RGBA).
    let decoded = u64::from(header.colour.bytes_per_pixel());
    let kept = if alpha { 4 } else { 3 };
    let turned = u64::from(header.turned());
    let stored = |size: (u32, u32)| {
        let (sw, sh) = header.stored(size);
        (u64::from(sw), u64::from(sh))
    };
    let (shown_w, shown_h) = header.stored((width, height));

    let decoding = pixels * decoded + header.decoder_bytes(width, height);
    let widening = if header.colour.has_color() {
        0
    } else {
        pixels * u64::from(header.colour.channel_count()) + pixels * kept
    };
    let source = pixels * kept;
    let making = match job {
        Job::Variants => {
            let (full_w, full_h) = fit(shown_w, shown_h);
            let full = u64::from(full_w) * u64::from(full_h) * kept;
            // The narrower variants, from the full one: the resizer's largest intermediate (it
            // keeps it), and the largest result with its encoding.
            let (mut intermediate, mut result) = (0, 0);
            for &vw in WIDTHS.iter().filter(|&&vw| vw < full_w) {
                let vh = u64::from(scale(full_h, vw, full_w));
                let vw = u64::from(vw);
                intermediate = intermediate.max(u64::from(full_w) * vh * kept);
                result = result.max(vw * vh * kept + webp_bytes(vw, vh, alpha));
            }
            let narrower = full + intermediate + result;
            let encoding = full + webp_bytes(u64::from(full_w), u64::from(full_h), alpha);
            if (full_w, full_h) == (shown_w, shown_h) {
                // The source is the full variant, turned into a copy if it turns.
                (source * (1 + turned)).max(encoding).max(narrower)
            } else {
                let (_, sh) = stored((full_w, full_h));
                (source + w * sh * kept + full)
                    .max(full * (1 + turned))
                    .max(encoding)
                    .max(narrower)
            }
        }
        Job::Cover(sizes) => {
            let narrowest = sizes.iter().map(|s| s.0).min().unwrap_or(0);
            let (mut intermediate, mut result) = (0, 0);
            for &(cw, ch) in sizes {
                if cw > shown_w && cw != narrowest {
                    continue;
                }
                let (cw, ch) = (cw.max(1), ch.max(1));
                let (sw, sh) = stored((cw, ch));
                intermediate = intermediate.max(w * sh * kept);
                let small = sw * sh * kept;
                result = result
                    .max(small * (1 + turned) + webp_bytes(u64::from(cw), u64::from(ch), alpha));
            }
            source + intermediate + result
        }
        Job::Jpeg(_) | Job::JpegCover(_) => {
            let (jw, jh) = match job {
                Job::JpegCover((cw, ch)) => ((*cw).max(1), (*ch).max(1)),
                Job::Jpeg(within) => fit_within(shown_w, shown_h, *within),
                _ => unreachable!("matched above"),
            };
            let small = u64::from(jw) * u64::from(jh);
            // Laid on white into RGB, then encoded (the encoder's output, at most as large).
            let encoding = small * kept + 2 * small * 3;
            if (jw, jh) == (shown_w, shown_h) {
                (source * (1 + turned)).max(encoding)
            } else {
                let (_, sh) = stored((jw, jh));
                (source + w * sh * kept + small * kept)
                    .max(small * kept * (1 + turned))
                    .max(encoding)
            }
        }
    };
    SLACK + decoding.max(widening).max(making)
}

/// What the WebP encoder holds beside the pixels it encodes, `width`×`height`, measured on noise
/// (its worst): its YUV planes and their analysis, and the file it writes, about 7 bytes a pixel
/// (see [`encode`]); an alpha plane and its lossless encoding, about 31 more.
fn webp_bytes(width: u64, height: u64, alpha: bool) -> u64 {
    let pixels = width * height;
    if alpha { 42 * pixels } else { 10 * pixels }
}

// ---------------------------------------------------------------------------------------------
// Pixels

/// Decoded pixels, 8 bits per channel, RGB or RGBA.
struct Pixels {
    width: u32,
    height: u32,
    alpha: bool,
    data: Vec<u8>,
    /// Whether the colour channels are multiplied by alpha (see [`resize`]).
    premultiplied: bool,
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

/// Decodes a picture whose header was read, under allocation limits, into 8-bit RGB or RGBA as
/// stored (the EXIF orientation is applied to what is made of it).
fn decode(bytes: &[u8], header: &Header) -> Result<Pixels, ImageError> {
    let mut image_limits = image::Limits::default();
    image_limits.max_image_width = Some(header.width);
    image_limits.max_image_height = Some(header.height);
    image_limits.max_alloc = Some(SLACK + header.decoder_bytes(header.width, header.height));
    let mut reader = ImageReader::with_format(Cursor::new(bytes), header.format);
    reader.limits(image_limits);
    let decoder = reader.into_decoder().map_err(over_estimate)?;
    if decoder.dimensions() != (header.width, header.height)
        || decoder.color_type() != header.colour
    {
        return Err(ImageError::Broken(
            "the header reads differently the second time".into(),
        ));
    }
    let size = usize::try_from(decoder.total_bytes())
        .map_err(|_| ImageError::Broken("too large for this machine".into()))?;
    let mut data = vec![0; size];
    decoder.read_image(&mut data).map_err(over_estimate)?;
    eight_bits(data, header)
}

/// 8-bit RGB or RGBA from what the decoder gave: 16-bit samples narrowed in place (the buffer
/// then shrinks to half), grey widened to RGB.
fn eight_bits(mut data: Vec<u8>, header: &Header) -> Result<Pixels, ImageError> {
    if header.bits() == 16 {
        let samples = data.len() / 2;
        for i in 0..samples {
            let v = u16::from_ne_bytes([data[2 * i], data[2 * i + 1]]);
            // Rounded as `image` converts: v × 255 / 65535.
            data[i] = ((u32::from(v) + 128) / 257) as u8;
        }
        data.truncate(samples);
        data.shrink_to_fit();
    }
    let (alpha, data) = match header.colour {
        ColorType::Rgb8 | ColorType::Rgb16 => (false, data),
        ColorType::Rgba8 | ColorType::Rgba16 => (true, data),
        ColorType::L8 | ColorType::L16 => {
            let mut rgb = Vec::with_capacity(data.len() * 3);
            for &v in &data {
                rgb.extend([v, v, v]);
            }
            (false, rgb)
        }
        ColorType::La8 | ColorType::La16 => {
            let mut rgba = Vec::with_capacity(data.len() * 2);
            for p in data.chunks_exact(2) {
                rgba.extend([p[0], p[0], p[0], p[1]]);
            }
            (true, rgba)
        }
        other => {
            return Err(ImageError::Broken(format!(
                "unexpected colour type {other:?}"
            )));
        }
    };
    Ok(Pixels {
        width: header.width,
        height: header.height,
        alpha,
        data,
        premultiplied: false,
    })
}

/// Pixels turned and flipped as the EXIF orientation says.
fn orient(p: Pixels, orientation: Orientation) -> Result<Pixels, ImageError> {
    if orientation == Orientation::NoTransforms {
        return Ok(p);
    }
    let unfilled = || ImageError::Broken("pixels do not fill their picture".into());
    let Pixels {
        width,
        height,
        alpha,
        data,
        premultiplied,
    } = p;
    let mut image = if alpha {
        DynamicImage::ImageRgba8(RgbaImage::from_raw(width, height, data).ok_or_else(unfilled)?)
    } else {
        DynamicImage::ImageRgb8(RgbImage::from_raw(width, height, data).ok_or_else(unfilled)?)
    };
    image.apply_orientation(orientation);
    let (width, height) = (image.width(), image.height());
    let data = if alpha {
        image.into_rgba8().into_raw()
    } else {
        image.into_rgb8().into_raw()
    };
    Ok(Pixels {
        width,
        height,
        alpha,
        data,
        premultiplied,
    })
}

fn broken(e: image::ImageError) -> ImageError {
    ImageError::Broken(e.to_string())
}

/// A decoder that asks for more than its header let us expect is refused as damaged.
fn over_estimate(e: image::ImageError) -> ImageError {
    match e {
        image::ImageError::Limits(e) => {
            ImageError::Broken(format!("the decoder needed more than its header said: {e}"))
        }
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

/// The whole of a picture, as a crop box.
fn whole(p: &Pixels) -> CropBox {
    CropBox {
        left: 0.0,
        top: 0.0,
        width: f64::from(p.width),
        height: f64::from(p.height),
    }
}

/// `crop` of `src` scaled to `width`×`height`, with Lanczos3. Alpha is premultiplied while
/// filtering, so that edges keep no halo: in `src` itself, the first time a resize needs it
/// (the resizer would otherwise premultiply into a copy of the whole source, each time), and
/// divided again in the result. A crop of exactly the target's size is copied, not filtered:
/// from a source already premultiplied, its alpha is divided back at 8 bits, which is close.
fn resize(
    resizer: &mut Resizer,
    src: &mut Pixels,
    crop: CropBox,
    width: u32,
    height: u32,
) -> Result<Pixels, ImageError> {
    let internal = |e: &dyn std::fmt::Display| ImageError::Broken(format!("resizing: {e}"));
    let copied = crop.left.fract() == 0.0
        && crop.top.fract() == 0.0
        && crop.width == f64::from(width)
        && crop.height == f64::from(height);
    let mul_div = MulDiv::new();
    if src.alpha && !src.premultiplied && !copied {
        let mut image = Image::from_slice_u8(src.width, src.height, &mut src.data, PixelType::U8x4)
            .map_err(|e| internal(&e))?;
        mul_div
            .multiply_alpha_inplace(&mut image)
            .map_err(|e| internal(&e))?;
        src.premultiplied = true;
    }
    let from = ImageRef::new(src.width, src.height, &src.data, src.pixel_type())
        .map_err(|e| internal(&e))?;
    let mut to = Image::new(width, height, src.pixel_type());
    let options = ResizeOptions::new()
        .crop(crop.left, crop.top, crop.width, crop.height)
        .use_alpha(false);
    resizer
        .resize(&from, &mut to, &options)
        .map_err(|e| internal(&e))?;
    if src.premultiplied {
        mul_div
            .divide_alpha_inplace(&mut to)
            .map_err(|e| internal(&e))?;
    }
    Ok(Pixels {
        width,
        height,
        alpha: src.alpha,
        data: to.into_vec(),
        premultiplied: false,
    })
}

/// Lossy WebP from pixels only: the file has no metadata chunk at all. An alpha channel that is
/// fully opaque is dropped by libwebp. libwebp's low-memory mode codes the picture in two passes
/// instead of keeping every token: about 7 bytes a pixel instead of 21, for files within a few
/// hundredths of a percent of the same size.
fn encode(p: &Pixels) -> Result<Vec<u8>, ImageError> {
    let failed = |e: &dyn std::fmt::Debug| ImageError::Broken(format!("WebP encoding: {e:?}"));
    let encoder = if p.alpha {
        webp::Encoder::from_rgba(&p.data, p.width, p.height)
    } else {
        webp::Encoder::from_rgb(&p.data, p.width, p.height)
    };
    let mut config = webp::WebPConfig::new().map_err(|e| failed(&e))?;
    config.lossless = 0;
    config.alpha_compression = 1;
    config.quality = QUALITY;
    config.low_memory = 1;
    encoder
        .encode_advanced(&config)
        .map(|memory| memory.to_vec())
        .map_err(|e| failed(&e))
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

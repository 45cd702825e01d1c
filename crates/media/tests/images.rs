//! The picture pipeline refuses what it must (non-pictures, SVG, oversized files, decompression
//! bombs), strips every byte of metadata, applies the EXIF orientation, keeps alpha, makes the
//! right variants, and gives the same names back when its own output is imported again.
//!
//! Every fixture is built here from bytes, so the tests need nothing installed.
#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use std::time::{Duration, Instant};

use image::codecs::gif::GifEncoder;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{
    DynamicImage, ExtendedColorType, Frame, GenericImageView, ImageEncoder, ImageFormat, Rgb,
    RgbImage, Rgba, RgbaImage,
};
use ruche_media::images::{
    ImageError, Limits, MAX_WIDTH, Processed, WIDTHS, cover, file_name, ingest, responsive,
    variant_files,
};

// ---------------------------------------------------------------------------------------------
// Fixtures

fn rgb(width: u32, height: u32, f: impl Fn(u32, u32) -> [u8; 3]) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| Rgb(f(x, y)))
}

/// A picture with some detail, so the encoders have something to chew on.
fn photo(width: u32, height: u32) -> RgbImage {
    rgb(width, height, |x, y| {
        [
            (x * 7 % 256) as u8,
            (y * 5 % 256) as u8,
            ((x ^ y) % 256) as u8,
        ]
    })
}

fn jpeg(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(image)
        .unwrap();
    out
}

fn png_rgb(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            ExtendedColorType::Rgb8,
        )
        .unwrap();
    out
}

fn png_rgba(image: &RgbaImage) -> Vec<u8> {
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            ExtendedColorType::Rgba8,
        )
        .unwrap();
    out
}

/// A big-endian TIFF/EXIF block: IFD0 with Orientation and a pointer to a GPS IFD holding a
/// latitude, a longitude reference and a processing method that spells "GPS".
fn exif_tiff(orientation: u16) -> Vec<u8> {
    fn entry(out: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]) {
        out.extend(tag.to_be_bytes());
        out.extend(kind.to_be_bytes());
        out.extend(count.to_be_bytes());
        out.extend(value);
    }
    const ASCII: u16 = 2;
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const RATIONAL: u16 = 5;
    const UNDEFINED: u16 = 7;

    let ifd0 = 8u32;
    let gps_ifd = ifd0 + 2 + 2 * 12 + 4;
    let latitude = gps_ifd + 2 + 4 * 12 + 4;
    let method = latitude + 24;

    let mut t = b"MM\0\x2a".to_vec();
    t.extend(ifd0.to_be_bytes());
    t.extend(2u16.to_be_bytes());
    let o = orientation.to_be_bytes();
    entry(&mut t, 0x0112, SHORT, 1, [o[0], o[1], 0, 0]);
    entry(&mut t, 0x8825, LONG, 1, gps_ifd.to_be_bytes());
    t.extend(0u32.to_be_bytes());
    assert_eq!(t.len() as u32, gps_ifd);
    t.extend(4u16.to_be_bytes());
    entry(&mut t, 0x0001, ASCII, 2, *b"N\0\0\0");
    entry(&mut t, 0x0002, RATIONAL, 3, latitude.to_be_bytes());
    entry(&mut t, 0x0003, ASCII, 2, *b"E\0\0\0");
    entry(&mut t, 0x001B, UNDEFINED, 11, method.to_be_bytes());
    t.extend(0u32.to_be_bytes());
    assert_eq!(t.len() as u32, latitude);
    for (num, den) in [(48u32, 1u32), (51, 1), (2400, 100)] {
        t.extend(num.to_be_bytes());
        t.extend(den.to_be_bytes());
    }
    t.extend(b"ASCII\0\0\0GPS");
    t
}

/// `jpeg` with an APP1 Exif segment (orientation + GPS) and an APP1 XMP segment right after SOI.
fn with_exif(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    assert_eq!(&jpeg[..2], [0xFF, 0xD8]);
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend(exif_tiff(orientation));
    let xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>48,51.4N</exif:GPSLatitude></x:xmpmeta>".to_vec();
    let mut out = jpeg[..2].to_vec();
    for payload in [exif, xmp] {
        out.extend([0xFF, 0xE1]);
        out.extend((payload.len() as u16 + 2).to_be_bytes());
        out.extend(payload);
    }
    out.extend(&jpeg[2..]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend((data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend(data);
    out.extend(&body);
    out.extend(crc32(&body).to_be_bytes());
}

/// A PNG of a few hundred bytes that declares `width`×`height` 8-bit RGBA pixels (16 bytes per
/// four pixels once decoded: 3.6 GB for 30000×30000). Its IDAT is the start of a zlib stream of
/// zeros, as a real bomb's would be; it is never reached.
fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 6, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    // zlib header, then a dynamic-Huffman block of zeros would follow; a stored-block start is
    // enough to look real to a header reader.
    let mut idat = vec![0x78, 0x9C];
    idat.extend([0u8; 256]);
    png_chunk(&mut out, b"IDAT", &idat);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// The RIFF chunks of a WebP file, in order.
fn webp_chunks(b: &[u8]) -> Vec<([u8; 4], Vec<u8>)> {
    assert_eq!(&b[0..4], b"RIFF");
    assert_eq!(&b[8..12], b"WEBP");
    assert_eq!(
        u32::from_le_bytes(b[4..8].try_into().unwrap()) as usize,
        b.len() - 8
    );
    let mut chunks = Vec::new();
    let mut rest = &b[12..];
    while !rest.is_empty() {
        let len = u32::from_le_bytes(rest[4..8].try_into().unwrap()) as usize;
        chunks.push((rest[0..4].try_into().unwrap(), rest[8..8 + len].to_vec()));
        rest = &rest[8 + len + len % 2..];
    }
    chunks
}

fn riff(chunks: &[(&[u8; 4], &[u8])]) -> Vec<u8> {
    let mut body = b"WEBP".to_vec();
    for (fourcc, data) in chunks {
        body.extend(*fourcc);
        body.extend((data.len() as u32).to_le_bytes());
        body.extend(*data);
        if data.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut out = b"RIFF".to_vec();
    out.extend((body.len() as u32).to_le_bytes());
    out.extend(body);
    out
}

fn decode(webp: &[u8]) -> DynamicImage {
    image::load_from_memory_with_format(webp, ImageFormat::WebP).unwrap()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn sizes(p: &Processed) -> Vec<(u32, u32)> {
    p.variants.iter().map(|v| (v.width, v.height)).collect()
}

fn ingest_default(bytes: &[u8]) -> Result<Processed, ImageError> {
    ingest(bytes, &Limits::default())
}

/// Every variant is a WebP of the size it claims, with no metadata chunk.
fn assert_clean(p: &Processed) {
    for v in &p.variants {
        for needle in [
            &b"Exif"[..],
            b"EXIF",
            b"GPSLatitude",
            b"XMP",
            b"xmpmeta",
            b"ICCP",
        ] {
            assert!(
                !contains(&v.bytes, needle),
                "{} holds {needle:?}",
                v.file_name
            );
        }
        for (fourcc, data) in webp_chunks(&v.bytes) {
            assert!(
                [b"VP8 ", b"VP8X", b"ALPH"].contains(&&fourcc),
                "{}: chunk {:?}",
                v.file_name,
                String::from_utf8_lossy(&fourcc)
            );
            if &fourcc == b"VP8X" {
                assert_eq!(data[0] & (0x20 | 0x08 | 0x04 | 0x02), 0, "VP8X flags");
            }
        }
        let decoded = decode(&v.bytes);
        assert_eq!(decoded.dimensions(), (v.width, v.height), "{}", v.file_name);
    }
}

// ---------------------------------------------------------------------------------------------
// Metadata and orientation

#[test]
fn exif_and_gps_are_stripped_and_orientation_is_applied() {
    // Left half red, right half blue, stored 40×20 with "rotate 90° clockwise to display".
    let source = rgb(
        40,
        20,
        |x, _| if x < 20 { [255, 0, 0] } else { [0, 0, 255] },
    );
    let bytes = with_exif(&jpeg(&source), 6);
    assert!(contains(&bytes, b"Exif") && contains(&bytes, b"GPS"));

    let p = ingest_default(&bytes).unwrap();
    assert_eq!((p.width, p.height), (20, 40), "width and height swapped");
    assert_eq!(p.variants.len(), 1);
    assert_clean(&p);

    // Turned clockwise, the left (red) half is on top.
    let shown = decode(&p.variants[0].bytes).to_rgb8();
    let top = shown.get_pixel(10, 5).0;
    let bottom = shown.get_pixel(10, 34).0;
    assert!(top[0] > 200 && top[2] < 60, "top is red: {top:?}");
    assert!(
        bottom[2] > 200 && bottom[0] < 60,
        "bottom is blue: {bottom:?}"
    );
}

#[test]
fn orientation_without_rotation_keeps_the_size() {
    let bytes = with_exif(&jpeg(&photo(40, 20)), 1);
    let p = ingest_default(&bytes).unwrap();
    assert_eq!((p.width, p.height), (40, 20));
    assert_clean(&p);
}

#[test]
fn webp_metadata_is_not_kept() {
    // One of our own files with an EXIF chunk added (VP8X announcing it) is re-encoded.
    let ours = ingest_default(&jpeg(&photo(64, 48))).unwrap();
    let frame = &webp_chunks(&ours.variants[0].bytes)[0];
    assert_eq!(&frame.0, b"VP8 ");
    let mut vp8x = vec![0x08, 0, 0, 0];
    vp8x.extend(&(64u32 - 1).to_le_bytes()[..3]);
    vp8x.extend(&(48u32 - 1).to_le_bytes()[..3]);
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend(exif_tiff(1));
    let tagged = riff(&[(b"VP8X", &vp8x), (b"VP8 ", &frame.1), (b"EXIF", &exif)]);
    assert!(contains(&tagged, b"GPS"));

    let p = ingest_default(&tagged).unwrap();
    assert_eq!((p.width, p.height), (64, 48));
    assert_ne!(p.hash, ours.hash, "re-encoded, not kept");
    assert_clean(&p);
}

// ---------------------------------------------------------------------------------------------
// Refusals

#[test]
fn text_is_not_an_image_whatever_its_name() {
    // The name ("holiday.jpg") never reaches the pipeline; only bytes do.
    for bytes in [
        &b"Dear Noemie, here are the holiday pictures.\n"[..],
        b"",
        b"\xFF",
        b"%PDF-1.7\n",
        b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2avc1mp41",
        b"<html><body><img src=x></body></html>",
    ] {
        let e = ingest_default(bytes).unwrap_err();
        assert!(matches!(e, ImageError::NotAnImage), "{bytes:?}: {e:?}");
        assert_eq!(e.key(), "image-not-an-image");
    }
    assert_eq!(
        ImageError::NotAnImage.to_string(),
        "this file is not a picture (JPEG, PNG, GIF or WebP)"
    );
}

#[test]
fn svg_is_refused() {
    let script =
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(document.cookie)</script></svg>";
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend(b"\n  <?xml version=\"1.0\"?>\n<svg/>");
    let mut late = b"<!-- a comment first -->".to_vec();
    late.extend(vec![b' '; 500]);
    late.extend(b"<SVG onload=\"alert(1)\"/>");
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("<svg onload=\"alert(1)\"/>".bytes().flat_map(|b| [b, 0]))
        .collect();
    for bytes in [
        &script[..],
        &bom,
        &late,
        &utf16,
        b"\t<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\">",
    ] {
        let e = ingest_default(bytes).unwrap_err();
        assert!(
            matches!(e, ImageError::Svg),
            "{}: {e:?}",
            String::from_utf8_lossy(bytes)
        );
        assert_eq!(e.key(), "image-svg");
    }
    assert_eq!(
        ImageError::Svg.to_string(),
        "SVG pictures are not accepted: they can carry scripts"
    );
}

#[test]
fn other_picture_formats_are_named() {
    for (bytes, name) in [
        (&b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"[..], "HEIC"),
        (b"\0\0\0\x1cftypavif\0\0\0\0avifmif1", "AVIF"),
        (b"II*\0\x08\0\0\0", "TIFF"),
        (b"BM\x36\0\0\0\0\0\0\0\x36\0\0\0", "BMP"),
    ] {
        match ingest_default(bytes) {
            Err(e @ ImageError::Unsupported(_)) => {
                assert_eq!(e.key(), "image-unsupported");
                assert_eq!(
                    e.to_string(),
                    format!(
                        "{name} pictures are not accepted: please send a JPEG, PNG, GIF or WebP"
                    )
                );
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn oversized_files_are_refused_before_decoding() {
    let limits = Limits {
        max_bytes: 1000,
        ..Limits::default()
    };
    // Not even a picture: the size is checked first.
    let e = ingest(&vec![0u8; 1001], &limits).unwrap_err();
    assert!(
        matches!(
            e,
            ImageError::TooLarge {
                size: 1001,
                max: 1000
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.key(), "image-too-large");
    assert!(ingest(&jpeg(&photo(8, 8)), &limits).is_ok(), "small enough");

    let twenty = Limits::default().max_bytes;
    assert_eq!(twenty, 20 * 1024 * 1024);
    let e = ImageError::TooLarge {
        size: twenty + 1,
        max: twenty,
    };
    assert_eq!(
        e.to_string(),
        "this picture is too large: 20.1 MB, the most is 20 MB"
    );
    let e = ImageError::TooLarge {
        size: 31 * 1024 * 1024,
        max: twenty,
    };
    assert_eq!(
        e.to_string(),
        "this picture is too large: 31 MB, the most is 20 MB"
    );
}

#[test]
fn decompression_bomb_is_refused_from_its_header() {
    let bomb = png_bomb(30_000, 30_000);
    assert!(bomb.len() < 4096, "{} bytes", bomb.len());
    let started = Instant::now();
    let e = ingest_default(&bomb).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        matches!(
            e,
            ImageError::TooManyPixels {
                width: 30_000,
                height: 30_000,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.key(), "image-too-many-pixels");
    assert_eq!(
        e.to_string(),
        "this picture has too many pixels (30000×30000): the most is 25 megapixels and 12000 pixels on a side"
    );

    // A side too long is refused even when the area is small.
    let e = ingest_default(&png_bomb(13_000, 10)).unwrap_err();
    assert!(
        matches!(
            e,
            ImageError::TooManyPixels {
                width: 13_000,
                height: 10,
                ..
            }
        ),
        "{e:?}"
    );

    // The same checks hold for JPEG headers, and the limits are the caller's.
    let limits = Limits {
        max_pixels: 100 * 100,
        ..Limits::default()
    };
    let e = ingest(&jpeg(&photo(101, 100)), &limits).unwrap_err();
    assert!(
        matches!(
            e,
            ImageError::TooManyPixels {
                width: 101,
                height: 100,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(ingest(&jpeg(&photo(100, 100)), &limits).is_ok());
}

#[test]
fn damaged_pictures_are_broken() {
    let png = png_rgb(&photo(64, 64));
    let e = ingest_default(&png[..png.len() / 2]).unwrap_err();
    assert!(matches!(e, ImageError::Broken(_)), "{e:?}");
    assert_eq!(e.key(), "image-broken");

    let e = ingest_default(b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR").unwrap_err();
    assert!(matches!(e, ImageError::Broken(_)), "{e:?}");
}

// ---------------------------------------------------------------------------------------------
// Pixels

#[test]
fn alpha_is_kept() {
    // Transparent left half, opaque green right half.
    let source = RgbaImage::from_fn(64, 32, |x, _| {
        if x < 32 {
            Rgba([0, 0, 0, 0])
        } else {
            Rgba([0, 200, 0, 255])
        }
    });
    let p = ingest_default(&png_rgba(&source)).unwrap();
    assert_clean(&p);
    let chunks = webp_chunks(&p.variants[0].bytes);
    assert!(
        chunks.iter().any(|(c, _)| c == b"ALPH"),
        "has an alpha chunk"
    );
    let shown = decode(&p.variants[0].bytes);
    assert!(shown.color().has_alpha());
    let shown = shown.to_rgba8();
    assert!(shown.get_pixel(5, 16).0[3] < 10, "left is transparent");
    assert!(shown.get_pixel(58, 16).0[3] > 245, "right is opaque");
}

#[test]
fn opaque_pictures_have_no_alpha() {
    let opaque = RgbaImage::from_fn(32, 32, |x, y| Rgba([x as u8 * 8, y as u8 * 8, 0, 255]));
    let p = ingest_default(&png_rgba(&opaque)).unwrap();
    let chunks = webp_chunks(&p.variants[0].bytes);
    assert_eq!(chunks.len(), 1);
    assert_eq!(&chunks[0].0, b"VP8 ");
}

#[test]
fn grey_and_16_bit_pngs_are_read() {
    let mut grey = Vec::new();
    PngEncoder::new(&mut grey)
        .write_image(&[128u8; 30 * 20], 30, 20, ExtendedColorType::L8)
        .unwrap();
    let p = ingest_default(&grey).unwrap();
    assert_eq!((p.width, p.height), (30, 20));

    let mut deep = Vec::new();
    let samples: Vec<u8> = (0..30 * 20 * 4)
        .flat_map(|i: u32| (i as u16).to_be_bytes())
        .collect();
    PngEncoder::new(&mut deep)
        .write_image(&samples, 30, 20, ExtendedColorType::Rgba16)
        .unwrap();
    let p = ingest_default(&deep).unwrap();
    assert_eq!((p.width, p.height), (30, 20));
    assert_clean(&p);
}

#[test]
fn animated_gif_gives_its_first_frame() {
    let mut gif = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut gif);
        let red = RgbaImage::from_pixel(24, 16, Rgba([255, 0, 0, 255]));
        let blue = RgbaImage::from_pixel(24, 16, Rgba([0, 0, 255, 255]));
        encoder
            .encode_frames([Frame::new(red), Frame::new(blue)])
            .unwrap();
    }
    let p = ingest_default(&gif).unwrap();
    assert_eq!((p.width, p.height), (24, 16));
    assert_clean(&p);
    let first = decode(&p.variants[0].bytes).to_rgb8().get_pixel(12, 8).0;
    assert!(first[0] > 200 && first[2] < 60, "red: {first:?}");
}

// ---------------------------------------------------------------------------------------------
// Variants and names

#[test]
fn a_wide_picture_gets_every_variant() {
    let p = ingest_default(&jpeg(&photo(2000, 1000))).unwrap();
    assert_eq!((p.width, p.height), (MAX_WIDTH, 960));
    assert_eq!(
        sizes(&p),
        [(1920, 960), (480, 240), (960, 480), (1440, 720)]
    );
    assert_eq!(p.hash.len(), 16);
    assert!(
        p.hash
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    let names: Vec<String> = p.variants.iter().map(|v| v.file_name.clone()).collect();
    let h = &p.hash;
    assert_eq!(
        names,
        [
            format!("{h}-1920x960.webp"),
            format!("{h}-1920x960-480.webp"),
            format!("{h}-1920x960-960.webp"),
            format!("{h}-1920x960-1440.webp"),
        ]
    );
    assert_eq!(variant_files(&names[0]).unwrap(), names);
    assert_clean(&p);
}

#[test]
fn a_narrow_picture_gets_only_the_smaller_widths() {
    let p = ingest_default(&jpeg(&photo(500, 300))).unwrap();
    assert_eq!(sizes(&p), [(500, 300), (480, 288)]);
    assert_eq!(
        variant_files(&p.variants[0].file_name).unwrap(),
        [
            p.variants[0].file_name.clone(),
            p.variants[1].file_name.clone()
        ]
    );

    let p = ingest_default(&jpeg(&photo(480, 300))).unwrap();
    assert_eq!(sizes(&p), [(480, 300)], "no variant as wide as the picture");

    let p = ingest_default(&jpeg(&photo(1440, 1440))).unwrap();
    assert_eq!(sizes(&p), [(1440, 1440), (480, 480), (960, 960)]);
}

#[test]
fn a_very_wide_strip_keeps_at_least_one_row() {
    let p = ingest_default(&png_rgb(&photo(8000, 2))).unwrap();
    assert_eq!(sizes(&p), [(1920, 1), (480, 1), (960, 1), (1440, 1)]);
}

#[test]
fn importing_our_own_output_gives_the_same_files() {
    let sources = [
        jpeg(&photo(500, 300)),
        jpeg(&photo(2000, 1000)),
        png_rgba(&RgbaImage::from_fn(600, 400, |x, y| {
            Rgba([x as u8, y as u8, 90, if x < 300 { 0 } else { 255 }])
        })),
    ];
    for source in sources {
        let first = ingest_default(&source).unwrap();
        let again = ingest_default(&first.variants[0].bytes).unwrap();
        assert_eq!(again.hash, first.hash);
        assert_eq!(again.variants[0].bytes, first.variants[0].bytes);
        assert_eq!(sizes(&again), sizes(&first));
        let names = |p: &Processed| -> Vec<String> {
            p.variants.iter().map(|v| v.file_name.clone()).collect()
        };
        assert_eq!(names(&again), names(&first));
    }
}

#[test]
fn file_names_have_one_shape() {
    assert_eq!(
        file_name("0123456789abcdef", 1920, 1080, None),
        "0123456789abcdef-1920x1080.webp"
    );
    assert_eq!(
        file_name("0123456789abcdef", 1920, 1080, Some(480)),
        "0123456789abcdef-1920x1080-480.webp"
    );
    assert_eq!(WIDTHS, [480, 960, 1440]);
}

#[test]
fn responsive_builds_the_srcset_of_our_pictures() {
    let r = responsive("/pages-media/0123456789abcdef-1920x1080.webp").unwrap();
    assert_eq!((r.width, r.height), (1920, 1080));
    assert_eq!(r.src, "/pages-media/0123456789abcdef-1920x1080.webp");
    assert_eq!(
        r.srcset,
        "/pages-media/0123456789abcdef-1920x1080-480.webp 480w, \
         /pages-media/0123456789abcdef-1920x1080-960.webp 960w, \
         /pages-media/0123456789abcdef-1920x1080-1440.webp 1440w, \
         /pages-media/0123456789abcdef-1920x1080.webp 1920w"
    );

    let r = responsive("pages-media/ffffffffffffffff-500x300.webp").unwrap();
    assert_eq!(
        r.srcset,
        "pages-media/ffffffffffffffff-500x300-480.webp 480w, \
         pages-media/ffffffffffffffff-500x300.webp 500w"
    );

    let r = responsive("0000000000000000-480x10.webp").unwrap();
    assert_eq!(r.srcset, "0000000000000000-480x10.webp 480w");

    // What ingest produced is always accepted.
    let p = ingest_default(&jpeg(&photo(1000, 700))).unwrap();
    let r = responsive(&format!("/pages-media/{}", p.variants[0].file_name)).unwrap();
    assert_eq!((r.width, r.height), (p.width, p.height));
    assert_eq!(r.srcset.matches(", ").count(), p.variants.len() - 1);
}

#[test]
fn responsive_refuses_anything_else() {
    for src in [
        "/pages-media/x\" onerror=\"a-10x10.webp",
        "/pages-media/0123456789abcdef-10x10.webp\" onerror=\"alert(1)",
        "/x\" onerror=\"alert(1)/0123456789abcdef-10x10.webp",
        "/a b/0123456789abcdef-10x10.webp",
        "https://example.com/0123456789abcdef-10x10.webp",
        "//example.com/0123456789abcdef-10x10.webp",
        "javascript:alert(1)//0123456789abcdef-10x10.webp",
        "data:image/webp;base64,UklGRg==",
        "/pages-media/0123456789ABCDEF-10x10.webp",
        "/pages-media/0123456789abcde-10x10.webp",
        "/pages-media/0123456789abcdef0-10x10.webp",
        "/pages-media/0123456789abcdeg-10x10.webp",
        "/pages-media/0123456789abcdef-010x10.webp",
        "/pages-media/0123456789abcdef-0x10.webp",
        "/pages-media/0123456789abcdef-+10x10.webp",
        "/pages-media/0123456789abcdef-10x10x10.webp",
        "/pages-media/0123456789abcdef-10X10.webp",
        "/pages-media/0123456789abcdef-123456x10.webp",
        "/pages-media/0123456789abcdef-10x10-480.webp",
        "/pages-media/0123456789abcdef-10x10.webp?x=1",
        "/pages-media/0123456789abcdef-10x10.webp#x",
        "/pages-media/0123456789abcdef-10x10.WEBP",
        "/pages-media/0123456789abcdef-10x10.png",
        "/pages-media/0123456789abcdef-10x10.webp.png",
        "/pages-media/0123456789abcdef_10x10.webp",
        "/pages-media/",
        "",
    ] {
        assert_eq!(responsive(src), None, "{src}");
    }
    assert_eq!(variant_files("../0123456789abcdef-10x10.webp"), None);
    assert_eq!(variant_files("0123456789abcdef-10x10-480.webp"), None);
    assert_eq!(
        variant_files("0123456789abcdef-10x10.webp").unwrap(),
        ["0123456789abcdef-10x10.webp"]
    );
}

// ---------------------------------------------------------------------------------------------
// Avatars and banners

const AVATARS: &[(u32, u32)] = &[(1500, 1500), (600, 600), (120, 120), (48, 48)];
const BANNERS: &[(u32, u32)] = &[(1920, 317), (600, 100)];

#[test]
fn an_avatar_is_cut_square_around_its_centre_without_metadata() {
    // Blue sides, a red middle third: the square is cut from the middle.
    let source = rgb(900, 300, |x, _| {
        if (300..600).contains(&x) {
            [255, 0, 0]
        } else {
            [0, 0, 255]
        }
    });
    let bytes = with_exif(&jpeg(&source), 1);
    let files = cover(&bytes, &Limits::default(), AVATARS).unwrap();
    let got: Vec<(u32, u32)> = files.iter().map(|v| (v.width, v.height)).collect();
    assert_eq!(
        got,
        [(600, 600), (120, 120), (48, 48)],
        "none wider than 900"
    );
    for v in &files {
        for needle in [&b"Exif"[..], b"GPS", b"xmpmeta"] {
            assert!(
                !contains(&v.bytes, needle),
                "{} holds {needle:?}",
                v.file_name
            );
        }
        let shown = decode(&v.bytes).to_rgb8();
        assert_eq!(shown.dimensions(), (v.width, v.height));
        for (x, y) in [
            (1, 1),
            (v.width - 2, v.height - 2),
            (v.width / 2, v.height / 2),
        ] {
            let p = shown.get_pixel(x, y).0;
            assert!(
                p[0] > 200 && p[2] < 60,
                "{}: ({x}, {y}) is red: {p:?}",
                v.file_name
            );
        }
        assert!(
            v.file_name
                .ends_with(&format!("-{}x{}.webp", v.width, v.height))
        );
    }
    let names: std::collections::HashSet<_> = files.iter().map(|v| &v.file_name).collect();
    assert_eq!(names.len(), files.len(), "one name per file");
}

#[test]
fn a_small_picture_still_gives_the_narrowest_size() {
    let files = cover(&png_rgb(&photo(30, 30)), &Limits::default(), AVATARS).unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!((files[0].width, files[0].height), (48, 48));
    let banner = cover(&jpeg(&photo(800, 800)), &Limits::default(), BANNERS).unwrap();
    let got: Vec<(u32, u32)> = banner.iter().map(|v| (v.width, v.height)).collect();
    assert_eq!(got, [(600, 100)]);
}

#[test]
fn an_avatar_is_refused_as_an_upload_is() {
    let limits = Limits {
        max_bytes: 1000,
        ..Limits::default()
    };
    assert!(matches!(
        cover(&jpeg(&photo(400, 400)), &limits, AVATARS),
        Err(ImageError::TooLarge { .. })
    ));
    assert!(matches!(
        cover(
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
            &Limits::default(),
            AVATARS
        ),
        Err(ImageError::Svg)
    ));
    assert!(matches!(
        cover(&png_bomb(100_000, 100_000), &Limits::default(), AVATARS),
        Err(ImageError::TooManyPixels { .. })
    ));
}

/// `cargo test -p ruche-media --release --test images -- --ignored --nocapture`
#[test]
#[ignore = "timing, run by hand in release"]
fn timing_of_a_large_photo() {
    for (w, h) in [(4000, 3000), (6000, 4000)] {
        let bytes = jpeg(&photo(w, h));
        let started = Instant::now();
        let p = ingest_default(&bytes).unwrap();
        let sizes: Vec<usize> = p.variants.iter().map(|v| v.bytes.len()).collect();
        println!(
            "{w}×{h} JPEG, {} KB: {:?}, variants {sizes:?} bytes",
            bytes.len() / 1024,
            started.elapsed()
        );
    }
}

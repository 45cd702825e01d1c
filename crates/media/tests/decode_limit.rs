//! Every picture the server decodes takes one of a few process-wide slots: avatars,
//! Pages pictures and remote thumbnails asked for all at once are decoded at most
//! [`DECODE_SLOTS`] at a time, and every one of them still comes out.
//!
//! Alone in its binary: the count of decodes running is the process's.
#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};
use ruche_media::images::{self, DECODE_SLOTS, Limits};

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let picture = RgbImage::from_fn(width, height, |x, y| {
        Rgb([
            (x * 7 % 256) as u8,
            (y * 5 % 256) as u8,
            ((x ^ y) % 256) as u8,
        ])
    });
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&picture)
        .unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pictures_are_decoded_a_few_at_a_time_whoever_asks() {
    let picture = jpeg(800, 600);
    let mut tasks = Vec::new();
    for i in 0..12 {
        let bytes = picture.clone();
        tasks.push(tokio::spawn(async move {
            match i % 3 {
                0 => images::cover_async(bytes, Limits::default(), vec![(600, 600), (48, 48)])
                    .await
                    .map(|v| v.len()),
                1 => images::ingest_async(bytes, Limits::default())
                    .await
                    .map(|p| p.variants.len()),
                _ => images::jpeg_async(bytes, Limits::default(), (560, 315))
                    .await
                    .map(|j| usize::from(!j.is_empty())),
            }
        }));
    }
    for t in tasks {
        assert!(t.await.unwrap().unwrap() > 0);
    }
    let peak = images::peak_decodes();
    assert!(
        (1..=DECODE_SLOTS).contains(&peak),
        "{peak} decodes ran at once; the most is {DECODE_SLOTS}"
    );
}

#[tokio::test]
async fn a_remote_thumbnail_becomes_a_plain_jpeg_within_its_box() {
    // What a remote instance sends: any of our formats, any size within the budget.
    let thumb = images::jpeg_async(jpeg(1920, 1080), Limits::default(), (560, 315))
        .await
        .unwrap();
    assert!(thumb.starts_with(&[0xFF, 0xD8, 0xFF]));
    let decoded = image::load_from_memory(&thumb).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (560, 315));
    // Never enlarged.
    let small = images::jpeg_async(jpeg(200, 100), Limits::default(), (560, 315))
        .await
        .unwrap();
    let decoded = image::load_from_memory(&small).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (200, 100));
    // Not a picture: refused as any upload is.
    assert!(matches!(
        images::jpeg_async(b"<svg/>".to_vec(), Limits::default(), (560, 315)).await,
        Err(images::ImageError::Svg)
    ));
}

#[tokio::test]
async fn a_chosen_thumbnail_is_cut_to_its_exact_size() {
    // A wide picture and a tall one, larger and smaller than the target: always exactly the
    // size asked (cut around the centre, enlarged if need be), always a JPEG.
    for (w, h) in [(1920, 600), (300, 900), (100, 60)] {
        let thumb = images::jpeg_cover_async(jpeg(w, h), Limits::default(), (280, 157))
            .await
            .unwrap();
        assert!(thumb.starts_with(&[0xFF, 0xD8, 0xFF]), "{w}x{h}");
        let decoded = image::load_from_memory(&thumb).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (280, 157), "{w}x{h}");
    }
    assert!(matches!(
        images::jpeg_cover_async(b"not a picture".to_vec(), Limits::default(), (280, 157)).await,
        Err(images::ImageError::NotAnImage)
    ));
}

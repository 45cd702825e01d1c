//! `thumbnails`: right sizes, and a real picture even when the video opens on black.

mod common;

use ruche_media::{PREVIEW_SIZE, THUMBNAIL_SIZE, probe, thumbnails};

#[tokio::test]
async fn thumbnails_skip_a_black_opening() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clip = dir.path().join("black-then-picture.mp4");
    // Two seconds of black, then two of test pattern: a third of the way in is still black.
    common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=c=black:s=640x360:r=30:d=2",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=640x360:r=30:d=2",
        "-filter_complex",
        "[0:v][1:v]concat=n=2:v=1:a=0[v]",
        "-map",
        "[v]",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        clip.to_str().expect("utf-8"),
    ]);
    let p = probe(&clip).await.expect("probe");
    let thumb = dir.path().join("thumb.jpg");
    let preview = dir.path().join("preview.jpg");
    thumbnails(&clip, &p, &thumb, &preview)
        .await
        .expect("thumbnails");
    assert_eq!(common::video_size(&thumb), THUMBNAIL_SIZE);
    assert_eq!(common::video_size(&preview), PREVIEW_SIZE);
    for picture in [&thumb, &preview] {
        let mean = common::gray_mean(picture);
        assert!(
            mean > 40.0,
            "{} is black (mean luma {mean})",
            picture.display()
        );
    }
}

#[tokio::test]
async fn thumbnails_of_an_all_black_video_still_exist() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clip = dir.path().join("black.mp4");
    common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=c=black:s=320x180:r=30:d=2",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        clip.to_str().expect("utf-8"),
    ]);
    let p = probe(&clip).await.expect("probe");
    let thumb = dir.path().join("thumb.jpg");
    let preview = dir.path().join("preview.jpg");
    thumbnails(&clip, &p, &thumb, &preview)
        .await
        .expect("thumbnails");
    assert_eq!(common::video_size(&thumb), THUMBNAIL_SIZE);
    assert_eq!(common::video_size(&preview), PREVIEW_SIZE);
}

#[tokio::test]
async fn thumbnails_of_audio_only_are_a_plain_still() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mp3 = dir.path().join("song.mp3");
    common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=d=1",
        "-c:a",
        "libmp3lame",
        mp3.to_str().expect("utf-8"),
    ]);
    let p = probe(&mp3).await.expect("probe");
    let thumb = dir.path().join("thumb.jpg");
    let preview = dir.path().join("preview.jpg");
    thumbnails(&mp3, &p, &thumb, &preview)
        .await
        .expect("thumbnails");
    assert_eq!(common::video_size(&thumb), THUMBNAIL_SIZE);
    assert_eq!(common::video_size(&preview), PREVIEW_SIZE);
}

//! What an upload may be: the containers PeerTube accepts, read as local files, and nothing that
//! makes ffmpeg open other files. An attacker uploaded a "video" that was an HLS playlist naming
//! a `.ts` file of the server's, and it was published with that file's content; concat lists and
//! `ffconcat` files do the same. They are refused by ffprobe with a sentence for the uploader,
//! and ffmpeg refuses them too if one ever reaches it.

mod common;

use std::path::{Path, PathBuf};

use ruche_media::{LadderConfig, MediaError, Probe, plan, probe, thumbnails, transcode};

/// A clip of the server's own, in MPEG-TS, that the attacker wants to read.
fn secret(dir: &Path) -> PathBuf {
    let path = dir.join("secret.ts");
    common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=160x90:r=25:d=2",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-f",
        "mpegts",
        path.to_str().expect("utf-8"),
    ]);
    path
}

fn hls_playlist(target: &Path) -> String {
    format!(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n\
         #EXTINF:2.0,\n{}\n#EXT-X-ENDLIST\n",
        target.display()
    )
}

fn assert_refused_as(result: Result<Probe, MediaError>, what: &str) {
    match result {
        Err(e @ MediaError::UnacceptedFormat(_)) => {
            let message = e.to_string();
            assert!(
                message.starts_with(&format!("This file is {what}")),
                "{message}"
            );
            assert!(message.contains("upload the video itself"), "{message}");
        }
        other => panic!("expected a refusal as {what}, got {other:?}"),
    }
}

#[tokio::test]
async fn playlists_and_lists_of_files_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let secret = secret(dir.path());
    // The secret itself is a fine video: what matters is how it is reached.
    assert!(probe(&secret).await.is_ok());

    let playlist = hls_playlist(&secret);
    for name in ["evil.m3u8", "evil.mp4"] {
        let path = dir.path().join(name);
        std::fs::write(&path, &playlist).expect("write");
        assert_refused_as(probe(&path).await, "an HLS playlist");
    }

    let ffconcat = dir.path().join("list.ffconcat");
    std::fs::write(
        &ffconcat,
        format!("ffconcat version 1.0\nfile '{}'\n", secret.display()),
    )
    .expect("write");
    assert_refused_as(probe(&ffconcat).await, "a list of other files");
    let disguised = dir.path().join("list.mp4");
    std::fs::copy(&ffconcat, &disguised).expect("copy");
    assert_refused_as(probe(&disguised).await, "a list of other files");

    // A plain concat list is not even recognised without `-f concat`, which we never give.
    let concat = dir.path().join("list.txt");
    std::fs::write(&concat, format!("file '{}'\n", secret.display())).expect("write");
    assert!(
        matches!(probe(&concat).await, Err(MediaError::NotAVideo(_))),
        "a concat list is not a video"
    );
}

#[tokio::test]
async fn ffmpeg_itself_never_opens_a_playlist() {
    // Should a playlist ever reach the transcoder or the thumbnailer without ffprobe (a file
    // swapped after probing, say), ffmpeg refuses it on its own and writes nothing.
    let dir = tempfile::tempdir().expect("tempdir");
    let secret = secret(dir.path());
    let good = probe(&secret).await.expect("probe");
    let evil = dir.path().join("evil.mp4");
    std::fs::write(&evil, hls_playlist(&secret)).expect("write");

    let out = tempfile::tempdir().expect("tempdir");
    let ladder = plan(&good, &LadderConfig::default());
    let result = transcode(&evil, out.path(), &ladder, &ladder.renditions, &|_| {}).await;
    assert!(result.is_err(), "{result:?}");
    let (thumb, preview) = (out.path().join("t.jpg"), out.path().join("p.jpg"));
    let result = thumbnails(&evil, &good, &thumb, &preview).await;
    assert!(result.is_err(), "{result:?}");
    assert!(!thumb.exists() && !preview.exists());
}

#[tokio::test]
async fn the_containers_people_upload_are_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let video = |name: &str, codecs: &[&str]| {
        let path = dir.path().join(name);
        let mut args = vec![
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=160x90:r=25:d=1",
            "-f",
            "lavfi",
            "-i",
            "sine=d=1",
            "-shortest",
        ];
        args.extend(codecs);
        args.push(path.to_str().expect("utf-8"));
        common::ffmpeg(&args);
        path
    };
    let clips = [
        video("clip.mp4", &["-c:v", "libx264", "-c:a", "aac"]),
        video("clip.webm", &["-c:v", "libvpx", "-c:a", "libopus"]),
        video("clip.mkv", &["-c:v", "libx264", "-c:a", "aac"]),
        video("clip.mov", &["-c:v", "libx264", "-c:a", "aac"]),
        video("clip.avi", &["-c:v", "mpeg4", "-c:a", "mp3"]),
        video("clip.ts", &["-c:v", "libx264", "-c:a", "aac"]),
    ];
    for clip in &clips {
        let p = probe(clip)
            .await
            .unwrap_or_else(|e| panic!("{clip:?}: {e}"));
        assert!(p.has_video, "{clip:?}");
    }

    // PeerTube takes audio files, and so do we.
    let audio = |name: &str, codec: &str| {
        let path = dir.path().join(name);
        common::ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "sine=d=1",
            "-c:a",
            codec,
            path.to_str().expect("utf-8"),
        ]);
        path
    };
    for song in [
        audio("song.mp3", "libmp3lame"),
        audio("song.m4a", "aac"),
        audio("song.ogg", "libvorbis"),
        audio("song.opus", "libopus"),
        audio("song.wav", "pcm_s16le"),
        audio("song.flac", "flac"),
    ] {
        let p = probe(&song)
            .await
            .unwrap_or_else(|e| panic!("{song:?}: {e}"));
        assert!(p.has_audio && !p.has_video, "{song:?}");
    }
}

//! Every URL of our objects, built here and nowhere else. The paths are PeerTube's, because
//! other servers and clients dereference them: ActivityPub ids under `/accounts`,
//! `/video-channels` and `/videos/watch`; the pages people visit under `/a`, `/c` and `/w`;
//! files under `/static` and `/lazy-static`; Pages' sites under `/p`.
//!
//! `base` is always the instance's public URL without a trailing slash ([`base`] makes it), so
//! no id comes out with `//` in it. Actor-relative URLs (`/inbox`, `/followers`…) take the
//! actor's id, which may be another instance's.

use crate::ids::short_uuid;

/// The instance actor's name (an `Application`), as PeerTube names its own: other servers look
/// up `peertube@host` when nodeinfo does not tell them.
pub const INSTANCE_ACTOR: &str = "peertube";

/// The public URL as ids start with it: without its trailing slash.
pub fn base(public_url: &str) -> &str {
    public_url.trim_end_matches('/')
}

/// The host of a URL (ours or an inbox's) as handles and deliveries group them (`host[:port]`,
/// [`crate::host::host_of`]); the URL itself, lower-cased, if it has none.
pub fn host(url: &str) -> String {
    crate::host::host_of(url).unwrap_or_else(|| url.to_ascii_lowercase())
}

// ActivityPub ids.

pub fn instance_actor(base: &str) -> String {
    format!("{base}/accounts/{INSTANCE_ACTOR}")
}

pub fn account(base: &str, name: &str) -> String {
    format!("{base}/accounts/{name}")
}

pub fn channel(base: &str, name: &str) -> String {
    format!("{base}/video-channels/{name}")
}

pub fn video(base: &str, uuid: &str) -> String {
    format!("{base}/videos/watch/{uuid}")
}

/// The uuid of one of our videos named by its id, if `url` is one (not a comment under it).
pub fn video_uuid_in<'u>(base: &str, url: &'u str) -> Option<&'u str> {
    under_videos(base, url).filter(|rest| !rest.is_empty() && !rest.contains('/'))
}

/// What follows `/videos/watch/` in a URL under our videos' ids (`{uuid}`,
/// `{uuid}/comments/{id}`…), if `url` is one.
pub fn under_videos<'u>(base: &str, url: &'u str) -> Option<&'u str> {
    url.strip_prefix(base)?.strip_prefix("/videos/watch/")
}

pub fn comment(base: &str, video_uuid: &str, id: i64) -> String {
    format!("{base}/videos/watch/{video_uuid}/comments/{id}")
}

/// The shared inbox of the whole instance.
pub fn shared_inbox(base: &str) -> String {
    format!("{base}/inbox")
}

pub fn inbox(actor: &str) -> String {
    format!("{actor}/inbox")
}

pub fn outbox(actor: &str) -> String {
    format!("{actor}/outbox")
}

pub fn followers(actor: &str) -> String {
    format!("{actor}/followers")
}

/// The followers collection of one of our accounts.
pub fn followers_of_account(base: &str, name: &str) -> String {
    followers(&account(base, name))
}

pub fn following(actor: &str) -> String {
    format!("{actor}/following")
}

// Pages people visit.

pub fn account_page(base: &str, name: &str) -> String {
    format!("{base}/a/{name}")
}

pub fn account_channels_page(base: &str, name: &str) -> String {
    format!("{base}/a/{name}/video-channels")
}

pub fn channel_page(base: &str, name: &str) -> String {
    format!("{base}/c/{name}")
}

pub fn channel_videos_page(base: &str, name: &str) -> String {
    format!("{base}/c/{name}/videos")
}

/// The watch page, by the short UUID, as PeerTube links it.
pub fn watch_page(base: &str, uuid: &str) -> String {
    format!("{base}/w/{}", short_uuid(uuid))
}

/// The embeddable player; `id` is whichever id the embed was asked with.
pub fn embed(base: &str, id: &str) -> String {
    format!("{base}/videos/embed/{id}")
}

/// A Pages site's address.
pub fn site(base: &str, slug: &str) -> String {
    format!("{base}/p/{slug}/")
}

/// Where a site's contact form posts.
pub fn site_contact(base: &str, slug: &str) -> String {
    format!("{base}/p/{slug}/contact")
}

// Files.

/// The folder of a video's HLS playlists and fragmented MP4s.
pub fn hls(base: &str, uuid: &str) -> String {
    format!("{base}/static/streaming-playlists/hls/{uuid}")
}

/// The same folder of a private, internal or password-protected video: PeerTube's private path,
/// reached with permission only (`?videoFileToken=`, a session or a bearer token).
pub fn hls_private(base: &str, uuid: &str) -> String {
    format!("{base}/static/streaming-playlists/hls/private/{uuid}")
}

/// A picture served by `/lazy-static/{dir}/` (`thumbnails`, `previews`, `avatars`, `banners`).
pub fn picture(base: &str, dir: &str, filename: &str) -> String {
    format!("{base}/lazy-static/{dir}/{filename}")
}

/// A storyboard's URL (with `base` empty: its path on our host).
pub fn storyboard(base: &str, filename: &str) -> String {
    picture(base, "storyboards", filename)
}

pub fn thumbnail(base: &str, filename: &str) -> String {
    picture(base, "thumbnails", filename)
}

pub fn preview(base: &str, filename: &str) -> String {
    picture(base, "previews", filename)
}

/// A `.torrent` file, as PeerTube serves it (`/lazy-static/torrents/`) and offers it for
/// download (`/download/torrents/`).
pub fn torrent(base: &str, filename: &str) -> String {
    format!("{base}/lazy-static/torrents/{filename}")
}

pub fn torrent_download(base: &str, filename: &str) -> String {
    format!("{base}/download/torrents/{filename}")
}

/// An uploaded file, downloaded by its owner (PeerTube's `/download/original-video-files/`).
pub fn original_file(base: &str, uuid: &str) -> String {
    format!("{base}/download/original-video-files/{uuid}")
}

// The tracker.

/// The WebSocket tracker browsers announce to (`ws://` or `wss://`, as the public URL is http
/// or https).
pub fn tracker_socket(base: &str) -> String {
    let ws = match base.split_once("://") {
        Some(("https", rest)) => format!("wss://{rest}"),
        Some((_, rest)) => format!("ws://{rest}"),
        None => base.to_string(),
    };
    format!("{ws}/tracker/socket")
}

/// The HTTP tracker (BEP 3) BitTorrent clients announce to.
pub fn tracker_announce(base: &str) -> String {
    format!("{base}/tracker/announce")
}

/// PeerTube's `trackerUrls` order (and a magnet's): HTTP, then the WebSocket.
pub fn trackers(base: &str) -> Vec<String> {
    vec![tracker_announce(base), tracker_socket(base)]
}

/// A rendition's ffprobe metadata, as PeerTube's API links it.
pub fn file_metadata(base: &str, uuid: &str, file_id: i64) -> String {
    format!("{base}/api/v1/videos/{uuid}/metadata/{file_id}")
}

/// A playlist's ActivityPub id (PeerTube's `/video-playlists/<uuid>`).
pub fn playlist(base: &str, uuid: &str) -> String {
    format!("{base}/video-playlists/{uuid}")
}

/// An element of one of our playlists (`/video-playlists/<uuid>/videos/<id>`).
pub fn playlist_element(base: &str, uuid: &str, id: i64) -> String {
    format!("{base}/video-playlists/{uuid}/videos/{id}")
}

/// A playlist's page, by its short UUID, as PeerTube links it.
pub fn playlist_page(base: &str, uuid: &str) -> String {
    format!("{base}/w/p/{}", short_uuid(uuid))
}

#[cfg(test)]
mod tests {
    use super::*;

    const U: &str = "6d79bb11-83db-4ca1-baaa-59593c363a96";

    #[test]
    fn peertube_paths() {
        let b = base("https://tube.example/");
        assert_eq!(b, "https://tube.example");
        assert_eq!(host("https://Tube.example:443/"), "tube.example");
        assert_eq!(instance_actor(b), "https://tube.example/accounts/peertube");
        assert_eq!(tracker_socket(b), "wss://tube.example/tracker/socket");
        assert_eq!(
            tracker_socket("http://127.0.0.1:9001"),
            "ws://127.0.0.1:9001/tracker/socket"
        );
        assert_eq!(tracker_announce(b), "https://tube.example/tracker/announce");
        assert_eq!(
            video(b, U),
            format!("https://tube.example/videos/watch/{U}")
        );
        assert_eq!(
            watch_page(b, U),
            "https://tube.example/w/ew5f7C8iNWwkn3wevRkbvU"
        );
        assert_eq!(
            followers(&channel(b, "c")),
            "https://tube.example/video-channels/c/followers"
        );
        assert_eq!(site(b, "s"), "https://tube.example/p/s/");
    }

    #[test]
    fn uuids_read_back_only_from_our_ids() {
        let b = "https://tube.example";
        assert_eq!(video_uuid_in(b, &video(b, U)), Some(U));
        assert_eq!(video_uuid_in(b, &comment(b, U, 3)), None);
        assert_eq!(
            under_videos(b, &comment(b, U, 3)),
            Some(format!("{U}/comments/3").as_str())
        );
        assert_eq!(video_uuid_in("https://other.example", &video(b, U)), None);
        assert_eq!(video_uuid_in(b, "https://tube.example/videos/watch/"), None);
        assert_eq!(
            under_videos(b, "https://tube.example/videos/watch/"),
            Some("")
        );
        assert_eq!(
            under_videos(b, "https://tube.example.evil/videos/watch/x"),
            None
        );
    }
}

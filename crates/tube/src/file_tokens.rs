//! Temporary tokens to a video's files, PeerTube's `videoFileToken`: whoever may see a private,
//! internal (or, later, password-protected) video gets one from `POST /api/v1/videos/{id}/token`
//! and puts it in the query of each file URL (`?videoFileToken=…`), which is how PeerTube's
//! player, its clients and ours reach files under the private paths without a cookie or an
//! `Authorization` header on every request.
//!
//! A token is signed, not stored: the video's UUID, the user it was given to, its expiry, and an
//! HMAC-SHA256 of them under a key kept in the database (`kv`), so every `ruche` process of an
//! instance checks any token without sharing memory. Eight hours, as PeerTube's.

use crate::videos::{self, Video};
use crate::{Tube, TubeError, TubeResult};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How long a token opens its video's files (PeerTube's `VIDEO_TOKENS` lifetime).
pub const LIFETIME: chrono::Duration = chrono::Duration::hours(8);

const VERSION: u8 = 1;
/// Bytes of a token before its MAC: version, UUID, user id, expiry.
const BODY: usize = 1 + 16 + 8 + 8;
const MAC: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileToken {
    pub token: String,
    pub expires: DateTime<Utc>,
}

async fn key(tube: &Tube) -> TubeResult<&[u8]> {
    let key = tube
        .file_token_key
        .get_or_try_init(|| async {
            let k = ruche_store::users::secret(&tube.store, "video_file_token_key").await?;
            Ok::<_, TubeError>(k.into_bytes())
        })
        .await?;
    Ok(key)
}

fn mac(key: &[u8], body: &[u8]) -> [u8; MAC] {
    let mut m = <Hmac<Sha256>>::new_from_slice(key).expect("HMAC takes a key of any length");
    m.update(body);
    let full = m.finalize().into_bytes();
    let mut out = [0u8; MAC];
    out.copy_from_slice(&full[..MAC]);
    out
}

/// A token to `video`'s files for `user_id` (none: given for a video password).
pub async fn issue(tube: &Tube, video: &Video, user_id: Option<i64>) -> TubeResult<FileToken> {
    let uuid = uuid::Uuid::parse_str(&video.uuid)
        .map_err(|_| TubeError::Internal("a video UUID that is not one".into()))?;
    let expires = Utc::now() + LIFETIME;
    let mut t = Vec::with_capacity(BODY + MAC);
    t.push(VERSION);
    t.extend_from_slice(uuid.as_bytes());
    t.extend_from_slice(&user_id.unwrap_or(0).to_be_bytes());
    t.extend_from_slice(&expires.timestamp().to_be_bytes());
    let m = mac(key(tube).await?, &t);
    t.extend_from_slice(&m);
    Ok(FileToken {
        token: URL_SAFE_NO_PAD.encode(&t),
        expires,
    })
}

/// Whether `token` opens the files of the video whose UUID is `uuid`, now.
pub async fn opens(tube: &Tube, token: &str, uuid: &str) -> TubeResult<bool> {
    let Ok(t) = URL_SAFE_NO_PAD.decode(token.as_bytes()) else {
        return Ok(false);
    };
    if t.len() != BODY + MAC || t[0] != VERSION {
        return Ok(false);
    }
    let (body, given) = t.split_at(BODY);
    let expected = mac(key(tube).await?, body);
    // Constant time: a MAC is not guessed byte by byte.
    let same = given
        .iter()
        .zip(expected.iter())
        .fold(0u8, |d, (a, b)| d | (a ^ b))
        == 0;
    if !same {
        return Ok(false);
    }
    let Ok(for_uuid) = uuid::Uuid::parse_str(uuid) else {
        return Ok(false);
    };
    let mut expiry = [0u8; 8];
    expiry.copy_from_slice(&body[25..33]);
    Ok(&body[1..17] == for_uuid.as_bytes() && i64::from_be_bytes(expiry) > Utc::now().timestamp())
}

/// The video `r` (id, UUID or short UUID) whose files are asked for, if the asker may have them:
/// with a token that opens them, or as a viewer who may see the video.
pub async fn find_for_files(
    tube: &Tube,
    r: &str,
    user: Option<&ruche_store::users::User>,
    token: Option<&str>,
) -> TubeResult<Video> {
    if let Some(token) = token {
        let v = videos::find(tube, r).await?;
        if opens(tube, token, &v.uuid).await? {
            return Ok(v);
        }
    }
    videos::find_visible(tube, r, user).await
}

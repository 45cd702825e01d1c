//! Our actors as ActivityPub documents, in PeerTube's shapes: the instance (`Application`,
//! `/accounts/peertube`), accounts (`Person`, `/accounts/<name>`) and channels (`Group`,
//! `/video-channels/<name>`, `attributedTo` their account), each with its public key, inbox,
//! outbox, followers, following and the shared inbox `/inbox`. Key pairs are made the first time
//! an actor is asked for and kept in the store.

use crate::AppState;
use ruche_store::actors::{self, KeyPair};
use serde_json::{Value, json};

/// A new key pair, in the store's shape.
fn generate() -> Result<KeyPair, String> {
    let (public_pem, private_pem) =
        ruche_federation::generate_key_pair().map_err(|e| e.to_string())?;
    Ok(KeyPair {
        public_pem,
        private_pem,
    })
}

/// The key pair of a local actor, made and stored on first use.
pub(crate) async fn key_pair(
    st: &AppState,
    kind: &str,
    local_id: i64,
) -> Result<KeyPair, ruche_tube::TubeError> {
    {
        let mut c = st.tube.store.read().await?;
        if let Some(k) = actors::key(c.ex(), kind, local_id).await? {
            return Ok(k);
        }
    }
    let pair = tokio::task::spawn_blocking(generate)
        .await
        .map_err(|e| ruche_tube::TubeError::Internal(e.to_string()))?
        .map_err(ruche_tube::TubeError::Internal)?;
    let mut tx = st.tube.store.begin().await?;
    let stored = actors::insert_key(tx.ex(), kind, local_id, &pair).await?;
    tx.commit().await?;
    Ok(stored)
}

/// PeerTube's `@context` for actors.
fn context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        { "RsaSignature2017": "https://w3id.org/security#RsaSignature2017" },
        {
            "pt": "https://joinpeertube.org/ns#",
            "sc": "http://schema.org/",
            "playerSettings": "pt:playerSettings",
            "playlists": { "@id": "pt:playlists", "@type": "@id" },
            "support": { "@type": "sc:Text", "@id": "pt:support" },
            "lemmy": "https://join-lemmy.org/ns#",
            "postingRestrictedToMods": "lemmy:postingRestrictedToMods",
        },
    ])
}

/// What an actor document is made of.
pub(crate) struct Actor<'a> {
    pub kind: &'static str,
    /// `accounts/<name>` or `video-channels/<name>`.
    pub path: String,
    pub name: &'a str,
    pub display_name: &'a str,
    pub summary: Option<&'a str>,
    pub published_ms: i64,
    /// HTML pages of the actor, the main one last (as PeerTube lists them).
    pub pages: Vec<String>,
    pub public_pem: &'a str,
}

pub(crate) fn document(base: &str, a: &Actor<'_>) -> Value {
    let id = format!("{base}/{}", a.path);
    let published = super::video::iso(a.published_ms);
    json!({
        "@context": context(),
        "type": a.kind,
        "id": id,
        "following": format!("{id}/following"),
        "followers": format!("{id}/followers"),
        "playlists": format!("{id}/playlists"),
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "preferredUsername": a.name,
        "name": a.display_name,
        "endpoints": { "sharedInbox": format!("{base}/inbox") },
        "publicKey": {
            "id": format!("{id}#main-key"),
            "owner": id,
            "publicKeyPem": a.public_pem,
        },
        "published": published,
        "url": a.pages.iter().map(|p| json!({ "type": "Link", "mediaType": "text/html", "href": p })).collect::<Vec<_>>(),
        "summary": a.summary,
    })
}

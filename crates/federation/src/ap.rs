//! Reading ActivityStreams documents as other servers write them: a property may be an id or
//! an embedded object, one value or an array; `type` may be an array; links may be strings or
//! `Link` objects. These helpers read all the forms PeerTube, Mastodon and their peers send,
//! and parse actor documents and WebFinger answers.

use serde_json::Value;
use url::Url;

/// Why a document was not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApError {
    #[error("the document has no {0}")]
    Missing(&'static str),
    #[error("the document's {0} is not valid")]
    Invalid(&'static str),
    #[error("the object {id} does not belong to {origin}")]
    Origin { id: String, origin: String },
}

/// The id a property names: a string, or an embedded object's `id`.
pub fn id_of(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s.as_str()),
        Value::Object(o) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

/// Every id a property names (an audience, `attributedTo`…), whatever its form.
pub fn ids(v: &Value) -> Vec<&str> {
    match v {
        Value::Array(a) => a.iter().filter_map(id_of).collect(),
        other => id_of(other).into_iter().collect(),
    }
}

/// Whether a document's `type` is (or includes) `kind`.
pub fn is_type(v: &Value, kind: &str) -> bool {
    match &v["type"] {
        Value::String(s) => s == kind,
        Value::Array(a) => a.iter().any(|t| t.as_str() == Some(kind)),
        _ => false,
    }
}

/// A document's first `type`.
pub fn type_of(v: &Value) -> &str {
    match &v["type"] {
        Value::String(s) => s.as_str(),
        Value::Array(a) => a.first().and_then(Value::as_str).unwrap_or_default(),
        _ => "",
    }
}

/// `host[:port]` of a URL, lowercase; `None` if it is not an http(s) URL.
pub use ruche_domain::host::host_of;

/// Whether two URLs are of the same origin (scheme, host and port).
pub fn same_origin(a: &str, b: &str) -> bool {
    match (Url::parse(a), Url::parse(b)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin() && a.origin().is_tuple(),
        _ => false,
    }
}

/// Refuses an id that does not belong to the origin it came from.
pub fn check_origin(id: &str, origin: &str) -> Result<(), ApError> {
    if same_origin(id, origin) {
        Ok(())
    } else {
        Err(ApError::Origin {
            id: id.into(),
            origin: origin.into(),
        })
    }
}

/// A string property, trimmed to nothing when absent or null.
pub fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// The `href` of a link given as a string or a `Link` object.
pub fn href(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s.as_str()),
        Value::Object(o) => o
            .get("href")
            .or_else(|| o.get("url"))
            .and_then(|h| match h {
                Value::String(s) => Some(s.as_str()),
                other => href(other),
            }),
        _ => None,
    }
}

/// Every entry of a property that may be one value or an array.
pub fn each(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(a) => a.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// An actor document, as much of it as we use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorDoc {
    pub id: String,
    /// `Person`, `Group`, `Application`, `Service` or `Organization`.
    pub kind: String,
    pub preferred_username: String,
    pub name: Option<String>,
    pub summary: Option<String>,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub followers: Option<String>,
    pub key_id: Option<String>,
    pub public_key_pem: Option<String>,
    /// Who a Group belongs to (a PeerTube channel's account).
    pub attributed_to: Vec<String>,
    /// Its avatar (`icon`), in each size it lists, and its banner (`image`).
    pub icons: Vec<ImageRef>,
    pub images: Vec<ImageRef>,
    pub support: Option<String>,
}

/// A picture an actor links to: PeerTube lists each size with its width, Mastodon gives one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    pub url: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// The pictures of an `icon` or `image`: http(s) URLs only, at most a few.
fn image_refs(v: &Value) -> Vec<ImageRef> {
    let dim = |i: &Value, k: &str| i[k].as_u64().and_then(|n| u32::try_from(n).ok());
    each(v)
        .into_iter()
        .filter_map(|i| {
            let url = href(i).filter(|u| u.len() <= MAX_URL)?;
            (url.starts_with("https://") || url.starts_with("http://")).then(|| ImageRef {
                url: url.to_string(),
                width: dim(i, "width"),
                height: dim(i, "height"),
            })
        })
        .take(4)
        .collect()
}

const ACTOR_TYPES: &[&str] = &["Person", "Group", "Application", "Service", "Organization"];

/// The longest URL kept from another server's document, in bytes (PeerTube's
/// `CONSTRAINTS_FIELDS.ACTORS.URL`: it refuses an actor whose id or inbox is longer).
pub const MAX_URL: usize = 2000;
/// The longest display name kept, in characters (PeerTube's `USERS.NAME` and
/// `VIDEO_CHANNELS.NAME`).
pub const MAX_NAME: usize = 120;
/// The longest description (`summary`) or support text kept, in characters (PeerTube's
/// `USERS.DESCRIPTION`, `VIDEO_CHANNELS.DESCRIPTION` and `VIDEO_CHANNELS.SUPPORT`).
pub const MAX_DESCRIPTION: usize = 1000;
/// The longest public key taken, in bytes (PeerTube's `ACTORS.PUBLIC_KEY`).
const MAX_PUBLIC_KEY: usize = 5000;
/// The most `attributedTo` entries read of an actor (a channel names its one account).
const MAX_ATTRIBUTED: usize = 4;

/// A string property cut to its first `max` characters, read no further: another server's
/// text is shown on every view of the page it is on, and what is cut here is never stored.
fn text_of(v: &Value, key: &str, max: usize) -> Option<String> {
    let s = str_of(v, key)?;
    let cut = ruche_domain::text::prefix_chars(s, max);
    Some(cut.to_string()).filter(|c| !c.trim().is_empty())
}

/// A URL property, if it is no longer than [`MAX_URL`].
fn url_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    str_of(v, key).filter(|u| u.len() <= MAX_URL)
}

/// Reads an actor document fetched from `origin`: its id, inbox and key must be of that origin.
pub fn parse_actor(doc: &Value, origin: &str) -> Result<ActorDoc, ApError> {
    let id = str_of(doc, "id").ok_or(ApError::Missing("id"))?;
    if id.len() > MAX_URL {
        return Err(ApError::Invalid("id"));
    }
    check_origin(id, origin)?;
    let kind = ACTOR_TYPES
        .iter()
        .find(|t| is_type(doc, t))
        .ok_or(ApError::Invalid("type"))?;
    let inbox = str_of(doc, "inbox").ok_or(ApError::Missing("inbox"))?;
    if inbox.len() > MAX_URL {
        return Err(ApError::Invalid("inbox"));
    }
    check_origin(inbox, id)?;
    let shared_inbox = doc
        .get("endpoints")
        .and_then(|e| url_of(e, "sharedInbox"))
        .filter(|s| same_origin(s, id))
        .map(str::to_string);
    // Some instance actors (Lemmy's) have no name: the last part of their id stands for one.
    let preferred_username = match str_of(doc, "preferredUsername") {
        Some(n) => n.to_string(),
        None => {
            let u = Url::parse(id).map_err(|_| ApError::Invalid("id"))?;
            u.path_segments()
                .and_then(|mut s| s.rfind(|p| !p.is_empty()).map(str::to_string))
                .or_else(|| u.host_str().map(str::to_string))
                .ok_or(ApError::Missing("preferredUsername"))?
        }
    };
    if preferred_username.len() > 200 || preferred_username.contains(['/', '@', ' ']) {
        return Err(ApError::Invalid("preferredUsername"));
    }
    let key = doc.get("publicKey").map(|k| match k {
        // A few servers list several keys; the first RSA one is the one that signs.
        Value::Array(a) => a.first().cloned().unwrap_or(Value::Null),
        other => other.clone(),
    });
    let (key_id, public_key_pem) = match &key {
        Some(k) => {
            let owner = str_of(k, "owner").unwrap_or(id);
            if owner != id {
                return Err(ApError::Invalid("publicKey.owner"));
            }
            let kid = str_of(k, "id").map(str::to_string);
            if let Some(kid) = &kid {
                if kid.len() > MAX_URL {
                    return Err(ApError::Invalid("publicKey.id"));
                }
                check_origin(kid, id)?;
            }
            let pem = str_of(k, "publicKeyPem");
            if pem.is_some_and(|p| p.len() > MAX_PUBLIC_KEY) {
                return Err(ApError::Invalid("publicKey.publicKeyPem"));
            }
            (kid, pem.map(str::to_string))
        }
        None => (None, None),
    };
    Ok(ActorDoc {
        id: id.to_string(),
        kind: kind.to_string(),
        preferred_username,
        // Cut here, before anything else reads them: they are drawn (Markdown, then cleaned)
        // on every view of the profile, and a long nesting of lists costs minutes to draw.
        name: text_of(doc, "name", MAX_NAME),
        summary: text_of(doc, "summary", MAX_DESCRIPTION),
        inbox: inbox.to_string(),
        shared_inbox,
        followers: url_of(doc, "followers").map(str::to_string),
        key_id,
        public_key_pem,
        attributed_to: each(&doc["attributedTo"])
            .into_iter()
            .filter_map(id_of)
            .filter(|o| o.len() <= MAX_URL)
            .take(MAX_ATTRIBUTED)
            .map(str::to_string)
            .collect(),
        icons: image_refs(&doc["icon"]),
        images: image_refs(&doc["image"]),
        support: text_of(doc, "support", MAX_DESCRIPTION),
    })
}

/// The ActivityPub actor a WebFinger answer points to (its `self` link of an ActivityStreams
/// type).
pub fn webfinger_actor(jrd: &Value) -> Option<&str> {
    jrd["links"].as_array()?.iter().find_map(|l| {
        let t = l["type"].as_str().unwrap_or_default();
        (l["rel"] == "self"
            && (t.starts_with("application/activity+json") || t.starts_with("application/ld+json")))
        .then(|| l["href"].as_str())
        .flatten()
    })
}

/// `name` and `host` of a handle (`name@host`, `@name@host`, `acct:name@host`).
pub fn split_handle(handle: &str) -> Option<(&str, &str)> {
    let h = handle.trim();
    let h = h.strip_prefix("acct:").unwrap_or(h);
    let h = h.strip_prefix('@').unwrap_or(h);
    let (name, host) = h.rsplit_once('@')?;
    (!name.is_empty() && !host.is_empty() && !name.contains(['/', '@']) && !host.contains('/'))
        .then_some((name, host))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_in_every_form() {
        assert_eq!(id_of(&json!("https://a/x")), Some("https://a/x"));
        assert_eq!(id_of(&json!({"id": "https://a/y"})), Some("https://a/y"));
        assert_eq!(
            ids(&json!(["https://a/x", {"id": "https://a/y"}, 3])),
            vec!["https://a/x", "https://a/y"]
        );
        assert!(is_type(&json!({"type": ["Person", "x"]}), "Person"));
        assert_eq!(
            host_of("http://127.0.0.1:9001/a"),
            Some("127.0.0.1:9001".into())
        );
        assert_eq!(host_of("https://Example.ORG/a"), Some("example.org".into()));
        assert!(same_origin("https://a.org/x", "https://a.org:443/y"));
        assert!(!same_origin("https://a.org/x", "http://a.org/y"));
        assert!(!same_origin("https://a.org/x", "https://b.org/x"));
    }

    #[test]
    fn handles() {
        assert_eq!(split_handle("acct:bob@a.org"), Some(("bob", "a.org")));
        assert_eq!(split_handle("@bob@a.org:9000"), Some(("bob", "a.org:9000")));
        assert_eq!(split_handle("bob"), None);
        assert_eq!(split_handle("a/b@c"), None);
    }

    #[test]
    fn an_actor_must_keep_to_its_origin() {
        let doc = json!({
            "id": "https://a.org/users/bob", "type": "Person", "preferredUsername": "bob",
            "inbox": "https://a.org/users/bob/inbox",
            "publicKey": { "id": "https://a.org/users/bob#main-key", "owner": "https://a.org/users/bob", "publicKeyPem": "PEM" },
        });
        let a = parse_actor(&doc, "https://a.org/users/bob").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            a.key_id.as_deref(),
            Some("https://a.org/users/bob#main-key")
        );
        assert!(matches!(
            parse_actor(&doc, "https://b.org/users/bob"),
            Err(ApError::Origin { .. })
        ));
        let mut bad = doc.clone();
        bad["inbox"] = json!("https://b.org/inbox");
        assert!(parse_actor(&bad, "https://a.org/users/bob").is_err());
        let mut bad = doc;
        bad["publicKey"]["owner"] = json!("https://a.org/users/eve");
        assert_eq!(
            parse_actor(&bad, "https://a.org/users/bob"),
            Err(ApError::Invalid("publicKey.owner"))
        );
    }

    #[test]
    fn an_actor_is_kept_within_peertubes_bounds() {
        let nested = "<ul><li>".repeat(100_000);
        let doc = json!({
            "id": "https://a.org/users/bob", "type": "Group", "preferredUsername": "bob",
            "inbox": "https://a.org/users/bob/inbox",
            "name": "é".repeat(5000), "summary": nested, "support": nested,
            "followers": format!("https://a.org/{}", "f".repeat(5000)),
            "attributedTo": vec!["https://a.org/users/ann"; 10_000],
            "icon": [{ "url": format!("https://a.org/{}", "i".repeat(5000)) }],
        });
        let a = parse_actor(&doc, "https://a.org/users/bob").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.name.as_deref().map(|n| n.chars().count()), Some(MAX_NAME));
        assert_eq!(a.summary.as_deref().map(str::len), Some(MAX_DESCRIPTION));
        assert_eq!(a.support.as_deref().map(str::len), Some(MAX_DESCRIPTION));
        assert_eq!(a.followers, None);
        assert_eq!(a.attributed_to.len(), MAX_ATTRIBUTED);
        assert!(a.icons.is_empty());
        let mut long = doc.clone();
        long["inbox"] = json!(format!("https://a.org/{}", "i".repeat(5000)));
        assert_eq!(
            parse_actor(&long, "https://a.org/users/bob"),
            Err(ApError::Invalid("inbox"))
        );
        let mut long = doc;
        long["publicKey"] =
            json!({ "id": "https://a.org/users/bob#main-key", "publicKeyPem": "k".repeat(10_000) });
        assert_eq!(
            parse_actor(&long, "https://a.org/users/bob"),
            Err(ApError::Invalid("publicKey.publicKeyPem"))
        );
    }
}

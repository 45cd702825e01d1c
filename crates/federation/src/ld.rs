//! Linked Data Signatures: the `RsaSignature2017` an activity carries in its `signature` member,
//! made and checked exactly as PeerTube (`server/core/helpers/peertube-jsonld.ts`) and Mastodon
//! (`app/lib/activitypub/linked_data_signature.rb`) do. They prove who wrote an activity that
//! reaches us through someone else: PeerTube signs every activity it sends on behalf of an actor,
//! and checks this signature whenever the HTTP signer is not the activity's `actor`.
//!
//! The algorithm, read in both implementations:
//! - the *options* are the `signature` object without `type`, `id` and `signatureValue`, with
//!   `"@context": "https://w3id.org/identity/v1"` (Mastodon's choice; PeerTube uses security/v1
//!   plus the `RsaSignature2017` term, which gives the same RDF for `creator` and `created`);
//! - the signed text is hex(SHA-256(canonical N-Quads of the options)) followed by
//!   hex(SHA-256(canonical N-Quads of the activity without `signature`)), canonical meaning
//!   JSON-LD to RDF, then RDFC-1.0 (the standardised URDNA2015);
//! - `signatureValue` is the base64 RSASSA-PKCS1-v1_5 SHA-256 signature of that text.
//!
//! Contexts are never fetched: the ActivityStreams, security/v1 and identity/v1 contexts are
//! embedded (`src/contexts/`), inline contexts (PeerTube's `pt:`/`sc:` terms, Mastodon's `toot:`
//! terms) just work, and any other remote context is refused. Documents that PeerTube's
//! jsonld.js would refuse in its safe mode — an undefined term, a relative IRI, `@include` — are
//! refused too: a signature over them would not cover all the JSON, and PeerTube could not check
//! it. What a verified signature proves is the RDF reading of the activity, which is what the
//! signer hashed; so that the JSON we go on to read says the same, [`verify`] also refuses an
//! activity that redefines an ActivityStreams term (see [`LdError::Redefined`]).

mod canon;
mod jsnum;

use base64::Engine;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The signature type PeerTube and Mastodon make and check.
pub const SIGNATURE_TYPE: &str = "RsaSignature2017";

/// The context the signature options are read with (Mastodon's `CONTEXT`).
pub const OPTIONS_CONTEXT: &str = "https://w3id.org/identity/v1";

/// Why an activity was not signed, or its signature not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LdError {
    #[error("the activity carries no signature")]
    NoSignature,
    #[error("unsupported Linked Data Signature type {0:?}")]
    SignatureType(String),
    #[error("malformed: {0}")]
    Malformed(&'static str),
    #[error("the JSON-LD context {0} is not known offline (contexts are never fetched)")]
    UnknownContext(String),
    #[error("@include and @included are refused")]
    Include,
    #[error("JSON-LD processing would drop data ({0}), which PeerTube refuses")]
    Lossy(String),
    #[error("cannot canonicalise {0} exactly as jsonld.js does")]
    Unsupported(String),
    #[error(
        "an embedded context redefines the term {0:?}, so the JSON may not say what was signed"
    )]
    Redefined(String),
    #[error("too many symmetric blank nodes to canonicalise within jsonld.js's limit")]
    TooComplex,
    #[error("invalid JSON-LD: {0}")]
    JsonLd(String),
    #[error("the key is not a usable RSA key")]
    Key,
    #[error("the signature does not verify")]
    Bad,
}

/// The canonical N-Quads of a JSON-LD document, as PeerTube's jsonld.js computes them before
/// hashing. Public so tests can compare them with the reference implementation's.
pub fn canonical_nquads(doc: &Value) -> Result<String, LdError> {
    canon::canonicalize(doc)
}

/// The activity with a `signature` member added: an `RsaSignature2017` by `key_id`, made with
/// `private_pem` (PKCS#8 or PKCS#1), dated `created` (an ISO 8601 UTC time, as PeerTube's
/// `toISOString()` or Mastodon's `iso8601` writes it). PeerTube puts the actor's URL in
/// `creator`, Mastodon the key's id (`…#main-key`); verifiers resolve either. A `signature`
/// already present is replaced.
pub fn sign(
    activity: &Value,
    key_id: &str,
    private_pem: &str,
    created: &str,
) -> Result<Value, LdError> {
    let Value::Object(fields) = activity else {
        return Err(LdError::Malformed("the activity is not a JSON object"));
    };
    if key_id.is_empty() {
        return Err(LdError::Malformed("an empty key id"));
    }
    if created.is_empty() {
        return Err(LdError::Malformed("an empty creation date"));
    }
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(private_pem)
        .or_else(|_| {
            use rsa::pkcs1::DecodeRsaPrivateKey;
            rsa::RsaPrivateKey::from_pkcs1_pem(private_pem)
        })
        .map_err(|_| LdError::Key)?;
    let mut signature = serde_json::Map::new();
    signature.insert("type".into(), SIGNATURE_TYPE.into());
    signature.insert("creator".into(), key_id.into());
    signature.insert("created".into(), created.into());
    let text = to_be_signed(&signature, activity)?;
    let value = SigningKey::<Sha256>::new(key).sign(text.as_bytes());
    signature.insert(
        "signatureValue".into(),
        base64::engine::general_purpose::STANDARD
            .encode(value.to_bytes())
            .into(),
    );
    let mut signed = fields.clone();
    signed.insert("signature".into(), Value::Object(signature));
    Ok(Value::Object(signed))
}

/// The `signature.creator` of an activity, if it carries an `RsaSignature2017`: the key (or
/// actor) whose public key [`verify`] needs.
pub fn creator(activity: &Value) -> Option<&str> {
    let signature = activity.get("signature")?;
    if signature.get("type")?.as_str()? != SIGNATURE_TYPE {
        return None;
    }
    signature.get("creator")?.as_str()
}

/// Checks the activity's `RsaSignature2017` with the creator's public key (SPKI or PKCS#1 PEM).
/// The caller resolves [`creator`] to the key, and must still check that the key's owner may
/// speak for the activity's `actor`. Beyond what PeerTube and Mastodon check, an activity whose
/// embedded contexts redefine a term of the ActivityStreams context is refused
/// ([`LdError::Redefined`]): the signature covers the RDF, and such a document could make its
/// JSON say something else (PeerTube avoids this by reading its own compaction of the activity).
pub fn verify(activity: &Value, public_pem: &str) -> Result<(), LdError> {
    prepare(activity)?.check(public_pem)
}

/// An activity's `RsaSignature2017` made ready to check: the canonicalisation (the costly part)
/// done once, so that checking it against a second key (the signer's, fetched again after a
/// rotation) costs one RSA verification, not another canonicalisation.
pub struct Prepared {
    text: String,
    value: Vec<u8>,
}

impl Prepared {
    /// Checks the signature with a public key (SPKI or PKCS#1 PEM).
    pub fn check(&self, public_pem: &str) -> Result<(), LdError> {
        let key = rsa::RsaPublicKey::from_public_key_pem(public_pem)
            .or_else(|_| {
                use rsa::pkcs1::DecodeRsaPublicKey;
                rsa::RsaPublicKey::from_pkcs1_pem(public_pem)
            })
            .map_err(|_| LdError::Key)?;
        let value = Signature::try_from(self.value.as_slice()).map_err(|_| LdError::Bad)?;
        VerifyingKey::<Sha256>::new(key)
            .verify(self.text.as_bytes(), &value)
            .map_err(|_| LdError::Bad)
    }
}

/// Reads and canonicalises what [`verify`] checks, without a key yet.
pub fn prepare(activity: &Value) -> Result<Prepared, LdError> {
    if !activity.is_object() {
        return Err(LdError::Malformed("the activity is not a JSON object"));
    }
    let Some(Value::Object(signature)) = activity.get("signature") else {
        return Err(LdError::NoSignature);
    };
    match signature.get("type") {
        Some(Value::String(t)) if t == SIGNATURE_TYPE => {}
        Some(Value::String(t)) => return Err(LdError::SignatureType(t.clone())),
        _ => return Err(LdError::Malformed("the signature has no type")),
    }
    if !signature.get("creator").is_some_and(Value::is_string) {
        return Err(LdError::Malformed("the signature has no creator"));
    }
    let value = signature
        .get("signatureValue")
        .and_then(Value::as_str)
        .ok_or(LdError::Malformed("the signature has no signatureValue"))?;
    // Node's and Ruby's base64 decoders both skip whitespace and missing padding.
    let lenient = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let compact: String = value.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let value = lenient
        .decode(compact)
        .map_err(|_| LdError::Malformed("the signatureValue is not base64"))?;
    canon::check_no_redefinition(activity)?;
    let text = to_be_signed(signature, activity)?;
    Ok(Prepared { text, value })
}

/// The text an `RsaSignature2017` signs: the options' hash, then the document's.
fn to_be_signed(
    signature: &serde_json::Map<String, Value>,
    activity: &Value,
) -> Result<String, LdError> {
    let mut options: serde_json::Map<String, Value> = signature
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "type" | "id" | "signatureValue"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    options.insert("@context".into(), OPTIONS_CONTEXT.into());
    let mut document = activity.clone();
    if let Value::Object(fields) = &mut document {
        fields.remove("signature");
    }
    Ok(format!(
        "{}{}",
        hash(&Value::Object(options))?,
        hash(&document)?
    ))
}

fn hash(doc: &Value) -> Result<String, LdError> {
    Ok(format!(
        "{:x}",
        Sha256::digest(canon::canonicalize(doc)?.as_bytes())
    ))
}

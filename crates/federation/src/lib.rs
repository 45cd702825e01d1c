//! ActivityPub plumbing without I/O. For now: HTTP Signatures as PeerTube and Mastodon speak
//! them (draft-cavage-http-signatures-12, `rsa-sha256`, also announced as `hs2019`) and the
//! `Digest` header. Fetching keys, caching them and choosing which headers to send are the
//! caller's business; this crate only builds and checks. [`ld`] signs and checks the Linked Data
//! Signatures (`RsaSignature2017`) that vouch for activities forwarded by someone else.
//!
//! **Architecture invariant:** pure functions over strings and bytes: no network, no store.

pub mod ap;
pub mod ld;

use base64::Engine;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use sha2::{Digest as _, Sha256};
use std::time::{Duration, SystemTime};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SigError {
    #[error("the Signature header is malformed: {0}")]
    Malformed(&'static str),
    #[error("unsupported signature algorithm {0:?}")]
    Algorithm(String),
    #[error("the signature must cover {0}")]
    NotCovered(&'static str),
    #[error("the signed header {0} is missing from the request")]
    MissingHeader(String),
    #[error("the date is {0} s away from ours, more than allowed")]
    Skew(u64),
    #[error("the body does not match its Digest header")]
    Digest,
    #[error("the key is not a usable RSA public key")]
    Key,
    #[error("the signature does not verify")]
    Bad,
}

/// `SHA-256=<base64>` of a body, the value of its `Digest` header.
pub fn digest(body: &[u8]) -> String {
    format!("SHA-256={}", B64.encode(Sha256::digest(body)))
}

/// Whether a `Digest` header value matches the body (its SHA-256 entry; others are ignored).
pub fn digest_matches(header: &str, body: &[u8]) -> bool {
    let want = B64.encode(Sha256::digest(body));
    header.split(',').any(|part| {
        part.trim()
            .split_once('=')
            .is_some_and(|(alg, v)| alg.eq_ignore_ascii_case("sha-256") && v.trim() == want)
    })
}

/// The parts of a `Signature` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureParams {
    pub key_id: String,
    pub algorithm: Option<String>,
    /// Lowercase header names, in signing order (default `date`, as the draft says).
    pub headers: Vec<String>,
    pub signature: Vec<u8>,
}

/// Reads `keyId="…",algorithm="…",headers="…",signature="…"`.
pub fn parse_signature_header(value: &str) -> Result<SignatureParams, SigError> {
    let (mut key_id, mut algorithm, mut headers, mut signature) = (None, None, None, None);
    let mut rest = value.trim();
    while !rest.is_empty() {
        let (name, after) = rest
            .split_once('=')
            .ok_or(SigError::Malformed("a parameter without a value"))?;
        let after = after
            .strip_prefix('"')
            .ok_or(SigError::Malformed("a value without quotes"))?;
        let end = after
            .find('"')
            .ok_or(SigError::Malformed("an unterminated value"))?;
        let v = after[..end].to_string();
        match name.trim() {
            "keyId" => key_id = Some(v),
            "algorithm" => algorithm = Some(v),
            "headers" => headers = Some(v),
            "signature" => signature = Some(v),
            _ => {}
        }
        rest = after[end + 1..].trim_start_matches([',', ' ']);
    }
    let signature = B64
        .decode(signature.ok_or(SigError::Malformed("no signature"))?)
        .map_err(|_| SigError::Malformed("the signature is not base64"))?;
    Ok(SignatureParams {
        key_id: key_id.ok_or(SigError::Malformed("no keyId"))?,
        algorithm,
        headers: headers
            .unwrap_or_else(|| "date".into())
            .split_whitespace()
            .map(str::to_ascii_lowercase)
            .collect(),
        signature,
    })
}

/// The string a signature covers. `header` looks a request header up by lowercase name.
fn signing_string(
    names: &[String],
    method: &str,
    path_and_query: &str,
    header: &dyn Fn(&str) -> Option<String>,
) -> Result<String, SigError> {
    let mut lines = Vec::with_capacity(names.len());
    for n in names {
        let value = if n == "(request-target)" {
            format!("{} {path_and_query}", method.to_ascii_lowercase())
        } else {
            header(n).ok_or_else(|| SigError::MissingHeader(n.clone()))?
        };
        lines.push(format!("{n}: {value}"));
    }
    Ok(lines.join("\n"))
}

/// The `Signature` header for a request, signed with `private_pem` (PKCS#8) over
/// `(request-target) host date` and, when the request has a body, `digest`. The caller sets
/// `Host`, `Date` (see [`http_date`]) and `Digest` (see [`digest`]) to the values given here.
pub fn sign(
    method: &str,
    path_and_query: &str,
    header: &dyn Fn(&str) -> Option<String>,
    key_id: &str,
    private_pem: &str,
) -> Result<String, SigError> {
    let mut names: Vec<String> = ["(request-target)", "host", "date"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    if header("digest").is_some() {
        names.push("digest".into());
    }
    let text = signing_string(&names, method, path_and_query, header)?;
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(private_pem).map_err(|_| SigError::Key)?;
    let sig = SigningKey::<Sha256>::new(key).sign(text.as_bytes());
    Ok(format!(
        "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"{}\",signature=\"{}\"",
        names.join(" "),
        B64.encode(sig.to_bytes())
    ))
}

/// `Date` header value for now.
pub fn http_date(at: SystemTime) -> String {
    httpdate::fmt_http_date(at)
}

/// The checks of a signed request that need no key, made first so that a stale or tampered
/// request costs no key lookup: the algorithm, the signature covers `(request-target)`, `host`,
/// `date` and, for a POST, `digest` (whose value must match `body`), and the date is within
/// `max_skew` of `now`.
pub fn check_request(
    params: &SignatureParams,
    method: &str,
    header: &dyn Fn(&str) -> Option<String>,
    body: &[u8],
    now: SystemTime,
    max_skew: Duration,
) -> Result<(), SigError> {
    if let Some(a) = &params.algorithm
        && !matches!(a.as_str(), "rsa-sha256" | "hs2019")
    {
        return Err(SigError::Algorithm(a.clone()));
    }
    let covers = |n: &str| params.headers.iter().any(|h| h == n);
    if !covers("(request-target)") {
        return Err(SigError::NotCovered("(request-target)"));
    }
    if !covers("host") {
        return Err(SigError::NotCovered("host"));
    }
    if !covers("date") {
        return Err(SigError::NotCovered("date"));
    }
    if method.eq_ignore_ascii_case("POST") {
        if !covers("digest") {
            return Err(SigError::NotCovered("digest"));
        }
        let d = header("digest").ok_or_else(|| SigError::MissingHeader("digest".into()))?;
        if !digest_matches(&d, body) {
            return Err(SigError::Digest);
        }
    }
    let date = header("date").ok_or_else(|| SigError::MissingHeader("date".into()))?;
    let at = httpdate::parse_http_date(&date).map_err(|_| SigError::Malformed("a bad date"))?;
    let off = match now.duration_since(at) {
        Ok(d) => d,
        Err(e) => e.duration(),
    };
    if off > max_skew {
        return Err(SigError::Skew(off.as_secs()));
    }
    Ok(())
}

/// Checks a signed request as PeerTube does: [`check_request`], then the RSA-SHA256 signature
/// verifies with `public_pem` (SPKI or PKCS#1).
#[allow(clippy::too_many_arguments)]
pub fn verify(
    params: &SignatureParams,
    method: &str,
    path_and_query: &str,
    header: &dyn Fn(&str) -> Option<String>,
    body: &[u8],
    public_pem: &str,
    now: SystemTime,
    max_skew: Duration,
) -> Result<(), SigError> {
    check_request(params, method, header, body, now, max_skew)?;
    let text = signing_string(&params.headers, method, path_and_query, header)?;
    let key = rsa::RsaPublicKey::from_public_key_pem(public_pem)
        .or_else(|_| {
            use rsa::pkcs1::DecodeRsaPublicKey;
            rsa::RsaPublicKey::from_pkcs1_pem(public_pem)
        })
        .map_err(|_| SigError::Key)?;
    let sig = Signature::try_from(params.signature.as_slice()).map_err(|_| SigError::Bad)?;
    VerifyingKey::<Sha256>::new(key)
        .verify(text.as_bytes(), &sig)
        .map_err(|_| SigError::Bad)
}

/// A new RSA 2048 key pair for an actor, PEM encoded: (public SPKI, private PKCS#8), as
/// PeerTube's actors publish and keep theirs.
pub fn generate_key_pair() -> Result<(String, String), SigError> {
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
    let private =
        rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).map_err(|_| SigError::Key)?;
    let public = private
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|_| SigError::Key)?;
    let private = private
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|_| SigError::Key)?
        .to_string();
    Ok((public, private))
}

/// The actor a keyId names: the key's URL without its fragment (`…/accounts/x#main-key` →
/// `…/accounts/x`). PeerTube also accepts `acct:` keyIds; resolving those is the caller's job.
pub fn key_owner(key_id: &str) -> &str {
    key_id.split('#').next().unwrap_or(key_id)
}

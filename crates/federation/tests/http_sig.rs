//! HTTP Signatures: our own round trip, every refusal, and both directions against Node's
//! crypto (an implementation that is not ours).
#![allow(clippy::unwrap_used)]

use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use ruche_federation::{SigError, digest, key_owner, parse_signature_header, sign, verify};
use std::collections::HashMap;
use std::time::{Duration, SystemTime};

fn keys() -> (String, String) {
    let k = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
    (
        k.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
        k.to_public_key().to_public_key_pem(LineEnding::LF).unwrap(),
    )
}

struct Req {
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

impl Req {
    fn post(body: &str, now: SystemTime) -> Req {
        let mut headers = HashMap::new();
        headers.insert("host".into(), "b.example".into());
        headers.insert("date".into(), ruche_federation::http_date(now));
        headers.insert("digest".into(), digest(body.as_bytes()));
        headers.insert("content-type".into(), "application/activity+json".into());
        Req {
            headers,
            body: body.as_bytes().to_vec(),
        }
    }
    fn get(&self) -> impl Fn(&str) -> Option<String> + '_ {
        |n: &str| self.headers.get(n).cloned()
    }
}

const KEY_ID: &str = "https://a.example/accounts/ana#main-key";
const SKEW: Duration = Duration::from_secs(300);

#[test]
fn round_trip_and_refusals() {
    let (private, public) = keys();
    let now = SystemTime::now();
    let req = Req::post(r#"{"type":"Follow"}"#, now);
    let header = sign("POST", "/inbox", &req.get(), KEY_ID, &private).unwrap();
    let params = parse_signature_header(&header).unwrap();
    assert_eq!(params.key_id, KEY_ID);
    assert_eq!(
        params.headers,
        ["(request-target)", "host", "date", "digest"]
    );
    assert_eq!(key_owner(&params.key_id), "https://a.example/accounts/ana");
    let check = |r: &Req, path: &str, public: &str| {
        verify(&params, "POST", path, &r.get(), &r.body, public, now, SKEW)
    };
    assert_eq!(check(&req, "/inbox", &public), Ok(()));

    // Another body under the same digest header.
    let mut tampered = Req::post(r#"{"type":"Follow"}"#, now);
    tampered.body = br#"{"type":"Delete"}"#.to_vec();
    assert_eq!(check(&tampered, "/inbox", &public), Err(SigError::Digest));
    // Another path, another host: the signature no longer covers the request.
    assert_eq!(
        check(&req, "/accounts/bob/inbox", &public),
        Err(SigError::Bad)
    );
    let mut moved = Req::post(r#"{"type":"Follow"}"#, now);
    moved.headers.insert("host".into(), "c.example".into());
    assert_eq!(check(&moved, "/inbox", &public), Err(SigError::Bad));
    // Another key.
    let (_, other) = keys();
    assert_eq!(check(&req, "/inbox", &other), Err(SigError::Bad));
    // An old request.
    let later = now + Duration::from_secs(3600);
    assert_eq!(
        verify(
            &params,
            "POST",
            "/inbox",
            &req.get(),
            &req.body,
            &public,
            later,
            SKEW
        ),
        Err(SigError::Skew(3600))
    );
    // A signature that leaves the digest out of a POST.
    let mut partial = params.clone();
    partial.headers.retain(|h| h != "digest");
    assert_eq!(
        verify(
            &partial,
            "POST",
            "/inbox",
            &req.get(),
            &req.body,
            &public,
            now,
            SKEW
        ),
        Err(SigError::NotCovered("digest"))
    );
    // Malformed headers and other algorithms.
    assert!(parse_signature_header("keyId=nope").is_err());
    let mut hmac = params.clone();
    hmac.algorithm = Some("hmac-sha256".into());
    assert!(matches!(
        verify(
            &hmac,
            "POST",
            "/inbox",
            &req.get(),
            &req.body,
            &public,
            now,
            SKEW
        ),
        Err(SigError::Algorithm(_))
    ));
}

/// Node's crypto signs the signing string we expect; we verify it. Then Node verifies ours.
#[test]
fn interoperates_with_node_crypto() {
    let (private, public) = keys();
    let now = SystemTime::now();
    let req = Req::post(r#"{"type":"Create"}"#, now);
    let text = format!(
        "(request-target): post /inbox\nhost: b.example\ndate: {}\ndigest: {}",
        req.headers["date"], req.headers["digest"]
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("key.pem"), &private).unwrap();
    std::fs::write(dir.path().join("pub.pem"), &public).unwrap();
    std::fs::write(dir.path().join("text"), &text).unwrap();
    let node_sig = std::process::Command::new("node")
        .current_dir(dir.path())
        .args([
            "-e",
            "const c=require('crypto'),f=require('fs');const s=c.createSign('RSA-SHA256');s.update(f.readFileSync('text'));process.stdout.write(s.sign(f.readFileSync('key.pem'),'base64'))",
        ])
        .output()
        .unwrap();
    assert!(
        node_sig.status.success(),
        "{}",
        String::from_utf8_lossy(&node_sig.stderr)
    );
    let header = format!(
        "keyId=\"{KEY_ID}\",algorithm=\"hs2019\",headers=\"(request-target) host date digest\",signature=\"{}\"",
        String::from_utf8(node_sig.stdout).unwrap()
    );
    let params = parse_signature_header(&header).unwrap();
    assert_eq!(
        verify(
            &params,
            "POST",
            "/inbox",
            &req.get(),
            &req.body,
            &public,
            now,
            SKEW
        ),
        Ok(())
    );

    let ours =
        parse_signature_header(&sign("POST", "/inbox", &req.get(), KEY_ID, &private).unwrap())
            .unwrap();
    use base64::Engine;
    std::fs::write(
        dir.path().join("sig"),
        base64::engine::general_purpose::STANDARD.encode(&ours.signature),
    )
    .unwrap();
    let node_check = std::process::Command::new("node")
        .current_dir(dir.path())
        .args([
            "-e",
            "const c=require('crypto'),f=require('fs');const v=c.createVerify('RSA-SHA256');v.update(f.readFileSync('text'));process.exit(v.verify(f.readFileSync('pub.pem'),f.readFileSync('sig','utf8'),'base64')?0:1)",
        ])
        .status()
        .unwrap();
    assert!(node_check.success(), "Node verifies our signature");
}

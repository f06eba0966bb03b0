//! Delivery signatures: GitHub's `X-Hub-Signature-256: sha256=<hex>` and Gitea's (and
//! Forgejo's) `X-Gitea-Signature: <hex>`, both an HMAC-SHA256 of the raw body keyed with the
//! webhook's secret, compared in constant time.

use hmac::{Hmac, Mac};
use http::HeaderMap;
use sha2::Sha256;

use crate::error::SignatureError;

type HmacSha256 = Hmac<Sha256>;

/// The headers that carry a signature, in the order they are looked for, with whether the
/// value starts with `sha256=`.
const HEADERS: [(&str, bool); 4] = [
    ("x-hub-signature-256", true),
    ("x-gitea-signature", false),
    ("x-forgejo-signature", false),
    ("x-gogs-signature", false),
];

/// Checks that `body` was signed with `secret` by whoever sent `headers`.
pub fn verify(headers: &HeaderMap, body: &[u8], secret: &[u8]) -> Result<(), SignatureError> {
    let (value, prefixed) = HEADERS
        .iter()
        .find_map(|&(name, prefixed)| headers.get(name).map(|v| (v, prefixed)))
        .ok_or(SignatureError::Missing)?;
    let value = value
        .to_str()
        .map_err(|_| SignatureError::Malformed)?
        .trim();
    let hex_sig = if prefixed {
        value
            .strip_prefix("sha256=")
            .ok_or(SignatureError::Malformed)?
    } else {
        value.strip_prefix("sha256=").unwrap_or(value)
    };
    let expected = hex::decode(hex_sig).map_err(|_| SignatureError::Malformed)?;
    if expected.len() != 32 {
        return Err(SignatureError::Malformed);
    }
    let mut mac = HmacSha256::new_from_slice(secret).map_err(|_| SignatureError::Mismatch)?;
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

/// The hex HMAC-SHA256 of `body` under `secret`, as a sender computes it (for tests and for
/// tools that sign their own deliveries).
pub fn sign(body: &[u8], secret: &[u8]) -> String {
    let mut mac = match HmacSha256::new_from_slice(secret) {
        Ok(mac) => mac,
        // HMAC accepts keys of any length; this arm cannot be reached.
        Err(_) => return String::new(),
    };
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(name: &'static str, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn github_documents_this_signature() {
        // The example in GitHub's "Validating webhook deliveries".
        let h = headers(
            "x-hub-signature-256",
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        );
        assert_eq!(
            verify(&h, b"Hello, World!", b"It's a Secret to Everybody"),
            Ok(())
        );
        assert_eq!(
            verify(&h, b"Hello, World?", b"It's a Secret to Everybody"),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&h, b"Hello, World!", b"another secret"),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn gitea_signs_with_bare_hex() {
        let body = br#"{"ref":"refs/heads/main"}"#;
        let sig = sign(body, b"s3cret");
        assert_eq!(sig.len(), 64);
        assert_eq!(
            verify(&headers("x-gitea-signature", &sig), body, b"s3cret"),
            Ok(())
        );
        assert_eq!(
            verify(&headers("x-forgejo-signature", &sig), body, b"s3cret"),
            Ok(())
        );
        assert_eq!(
            verify(&headers("x-gitea-signature", &sig), body, b"other"),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn missing_and_malformed_signatures() {
        assert_eq!(
            verify(&HeaderMap::new(), b"x", b"k"),
            Err(SignatureError::Missing)
        );
        let sig = sign(b"x", b"k");
        assert_eq!(
            verify(&headers("x-hub-signature-256", &sig), b"x", b"k"),
            Err(SignatureError::Malformed),
            "GitHub's header needs its sha256= prefix"
        );
        assert_eq!(
            verify(&headers("x-hub-signature-256", "sha256=zz"), b"x", b"k"),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(&headers("x-gitea-signature", "abcd"), b"x", b"k"),
            Err(SignatureError::Malformed)
        );
    }
}

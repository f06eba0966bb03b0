//! Secret tokens: generated from 32 random bytes, stored only as a keyed hash.
//!
//! The tokens carry 256 bits of entropy, so a fast keyed hash (BLAKE3 in keyed mode) is
//! the right tool: a slow password hash would only cost time on every request.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

/// Hashes tokens with the server's key. Cheap to clone.
#[derive(Clone)]
pub struct TokenHasher {
    key: [u8; 32],
}

impl TokenHasher {
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    /// The keyed hash stored in place of `token`.
    pub fn hash(&self, token: &str) -> [u8; 32] {
        *blake3::keyed_hash(&self.key, token.as_bytes()).as_bytes()
    }
}

impl std::fmt::Debug for TokenHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenHasher(..)")
    }
}

/// A new secret token: 32 random bytes, base64url without padding (43 characters).
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `token` has the shape of a token we issue, checked before any database work.
pub fn looks_valid(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_url_safe_characters_and_unique() {
        let a = generate();
        let b = generate();
        assert!(looks_valid(&a), "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn the_hash_depends_on_the_key() {
        let token = generate();
        let one = TokenHasher::new([1; 32]);
        let two = TokenHasher::new([2; 32]);
        assert_eq!(one.hash(&token), one.hash(&token));
        assert_ne!(one.hash(&token), two.hash(&token));
        assert_ne!(&one.hash(&token)[..], token.as_bytes());
    }

    #[test]
    fn malformed_tokens_are_rejected_early() {
        assert!(!looks_valid(""));
        assert!(!looks_valid("short"));
        assert!(!looks_valid(&"a".repeat(42)));
        assert!(!looks_valid(&format!("{}!", "a".repeat(42))));
    }
}

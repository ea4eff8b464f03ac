//! Document ids: `[A-Za-z0-9_-]{1,64}`, checked before anything else.

use rand::Rng;

/// Whether `id` is a valid document id.
pub fn valid_doc_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A new random document id of 12 base-62 characters.
pub fn new_doc_id() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::rng();
    (0..12)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_ids() {
        assert!(valid_doc_id("abc-DEF_123"));
        assert!(valid_doc_id(&"x".repeat(64)));
        for bad in ["", "../etc", "a/b", "a b", "é", "a%2e", &"x".repeat(65)] {
            assert!(!valid_doc_id(bad), "{bad}");
        }
        assert!(valid_doc_id(&new_doc_id()));
    }
}

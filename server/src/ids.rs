//! Ids: document ids (`[A-Za-z0-9_-]{1,64}`, checked before anything
//! else) and connection ids.

use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};

use rand::Rng;

/// One websocket connection, unique for the life of the process. Never
/// zero: an edit the server makes itself belongs to no connection, which is
/// `Option<ConnId>::None`, not a reserved number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnId(NonZeroU64);

impl ConnId {
    /// A connection id never handed out before.
    pub fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        Self(NonZeroU64::new(n).expect("2^64 connections"))
    }

    /// The id as a number, for maps keyed by `u64` and for logs.
    pub fn get(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

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

    #[test]
    fn connection_ids_are_new_and_never_zero() {
        let (a, b) = (ConnId::next(), ConnId::next());
        assert_ne!(a, b);
        assert!(a.get() > 0 && b.get() > 0);
        assert_eq!(a.to_string(), a.get().to_string());
    }
}

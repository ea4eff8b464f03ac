//! Who is writing: the author id the server vouches for.
//!
//! In open mode a browser keeps a random author secret; the server maps it to
//! a stable author id with an HMAC under a server key, so the id cannot be
//! chosen by a client and the secret never leaves the server.

use std::sync::Arc;

use crdt_core::AuthorId;
use hmac::{KeyInit, Mac};
use rand::RngCore;

use crate::store::{Store, StoreError};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The author id of connections that name no author.
pub const ANONYMOUS: &str = "anonymous";

const KEY_SETTING: &str = "server_key";

/// Maps author secrets to author ids.
#[derive(Debug)]
pub struct Identity {
    key: Vec<u8>,
}

impl Identity {
    /// Loads the server key from the store, creating it on first start.
    pub async fn load(store: &Arc<dyn Store>) -> Result<Self, StoreError> {
        let key = match store.get_setting(KEY_SETTING).await? {
            Some(key) if key.len() == 32 => key,
            _ => {
                let mut key = vec![0u8; 32];
                rand::rng().fill_bytes(&mut key);
                store.put_setting(KEY_SETTING, &key).await?;
                key
            }
        };
        Ok(Self { key })
    }

    /// HMAC-SHA256 of `message` under the server key.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(message);
        mac.finalize().into_bytes().to_vec()
    }

    /// Whether `tag` is the HMAC of `message`, compared in constant time.
    pub fn verify(&self, message: &[u8], tag: &[u8]) -> bool {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(message);
        mac.verify_slice(tag).is_ok()
    }

    /// The stable author id of an author secret, or an error saying why the
    /// secret is refused.
    pub fn author_of_secret(&self, secret: &str) -> Result<AuthorId, &'static str> {
        if !(16..=128).contains(&secret.len()) {
            return Err("author secret must be 16 to 128 characters");
        }
        if !secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err("author secret may hold only letters, digits, '-' and '_'");
        }
        let mut message = b"author:".to_vec();
        message.extend_from_slice(secret.as_bytes());
        Ok(Arc::from(format!(
            "a{}",
            &hex::encode(self.sign(&message))[..15]
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    #[tokio::test]
    async fn secrets_map_to_stable_distinct_ids() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::default());
        let identity = Identity::load(&store).await.unwrap();
        let a = identity.author_of_secret("aaaaaaaaaaaaaaaa").unwrap();
        let b = identity.author_of_secret("bbbbbbbbbbbbbbbb").unwrap();
        assert_ne!(a, b);
        let again = Identity::load(&store).await.unwrap();
        assert_eq!(again.author_of_secret("aaaaaaaaaaaaaaaa").unwrap(), a);
        assert!(identity.author_of_secret("short").is_err());
        assert!(identity.author_of_secret("has spaces in it, see").is_err());
    }
}

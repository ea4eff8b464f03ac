//! Decoding and validating Yjs updates before they reach a document.

use bytes::Bytes;
use yrs::Update;
use yrs::updates::decoder::Decode;

use crate::error::{Error, Result};

/// An update that decoded cleanly and passed validation, with the client ids
/// it writes new content under.
#[derive(Debug)]
pub struct DecodedUpdate {
    bytes: Bytes,
    update: Update,
    writers: Vec<u64>,
    /// Its blocks, when it creates nested types.
    blocks: Option<crate::validate::Blocks>,
}

impl DecodedUpdate {
    /// Decodes and validates a v1 update.
    pub fn decode(bytes: Bytes) -> Result<Self> {
        let blocks = crate::validate::scan_update_blocks_v1(&bytes)?;
        let update =
            Update::decode_v1(&bytes).map_err(|e| Error::MalformedUpdate(e.to_string()))?;
        // Every client with a block in the update, wherever its clocks start
        // (`state_vector` would skip clients whose blocks do not start at 0).
        let mut writers: Vec<u64> = update
            .state_vector_lower()
            .iter()
            .map(|(client, _)| client.get())
            .collect();
        writers.sort_unstable();
        Ok(Self {
            bytes,
            update,
            writers,
            blocks,
        })
    }

    /// The encoded update, as received.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// The Yjs client ids under which this update inserts content.
    pub fn writers(&self) -> &[u64] {
        &self.writers
    }

    /// Whether the update carries neither content nor deletions.
    pub fn is_empty(&self) -> bool {
        self.update.is_empty()
    }

    /// Refuses the update if it nests types too deep for `doc`, or creates a
    /// type whose parent `doc` lacks.
    pub fn check_nesting<T: yrs::ReadTxn>(&self, txn: &T) -> Result<()> {
        match &self.blocks {
            Some(blocks) => crate::nesting::check(txn, blocks),
            None => Ok(()),
        }
    }

    pub(crate) fn into_update(self) -> (Bytes, Update) {
        (self.bytes, self.update)
    }
}

/// Merges updates into one, as a server relays a batch in one message.
pub fn merge<'a>(updates: impl IntoIterator<Item = &'a Bytes>) -> Result<Vec<u8>> {
    yrs::merge_updates_v1(updates.into_iter().map(|b| b.as_ref()))
        .map_err(|e| Error::MalformedUpdate(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use yrs::{Doc, GetString, Options, Text, Transact};

    #[test]
    fn reports_writers_and_emptiness() {
        let doc = Doc::with_options(Options::with_client_id(yrs::ClientID::new(7)));
        let text = doc.get_or_insert_text("t");
        let mut txn = doc.transact_mut();
        text.insert(&mut txn, 0, "hi");
        let bytes = txn.encode_update_v1();
        drop(txn);
        assert_eq!(text.get_string(&doc.transact()), "hi");
        let decoded = DecodedUpdate::decode(Bytes::from(bytes)).unwrap();
        assert_eq!(decoded.writers(), &[7]);
        assert!(!decoded.is_empty());
        assert!(
            DecodedUpdate::decode(Bytes::from_static(&[0, 0]))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn refuses_garbage() {
        for bad in [&[][..], &[1], &[1, 1, 5, 0, 4], &[0xff; 12]] {
            assert!(
                DecodedUpdate::decode(Bytes::copy_from_slice(bad)).is_err(),
                "{bad:?}"
            );
        }
    }
}

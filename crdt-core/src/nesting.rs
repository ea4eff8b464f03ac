//! How deep an update nests shared types, checked against the document
//! before the update is applied.
//!
//! yrs deletes a nested type by recursing into its children, so deleting the
//! outer one of a few thousand nested maps or elements overflows the stack,
//! which aborts the process. The depth of every type an update creates is
//! therefore bounded: its parent is found in the update itself or in the
//! document, following origins the way yrs does when it integrates a block.

use std::collections::HashMap;

use yrs::{Assoc, BranchID, ClientID, ID, IndexScope, ReadTxn, StateVector, StickyIndex};

use crate::error::{Error, Result};

/// A block id: client and clock.
pub(crate) type BlockId = (u64, u32);

/// Where a block's parent comes from, as the update encodes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ParentRef {
    /// A root type.
    Root,
    /// The nested type that the block holding this id created.
    Type(BlockId),
    /// The parent of the block holding this id (the block's origin).
    Sibling(BlockId),
    /// None: a GC or skip block, or one whose origin is such a block.
    Nothing,
}

/// One block of an update.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Block {
    pub clock: u32,
    pub len: u32,
    pub parent: ParentRef,
    /// Whether the block creates a nested type.
    pub nests: bool,
}

/// The blocks of an update, by client, each client's in clock order.
#[derive(Debug, Default)]
pub(crate) struct Blocks {
    pub clients: std::collections::HashMap<u64, Vec<Block>>,
}

impl Blocks {
    /// The block holding `id`, if the update has it.
    pub fn find(&self, (client, clock): BlockId) -> Option<&Block> {
        let blocks = self.clients.get(&client)?;
        let at = blocks.partition_point(|b| b.clock + b.len <= clock);
        blocks.get(at).filter(|b| b.clock <= clock)
    }

    /// Number of blocks.
    pub fn len(&self) -> usize {
        self.clients.values().map(Vec::len).sum()
    }
}

/// Deepest nesting of shared types accepted: a type directly under a root
/// has depth 1. ProseMirror documents need a few levels per nested list.
pub const MAX_NESTING: usize = 128;

/// What a parent turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    /// A type at this depth (a root has depth 0).
    Depth(usize),
    /// A deleted or collected type: what is inserted into it is deleted on
    /// arrival, so its depth does not matter.
    Deleted,
    /// A block neither in the update nor in the document.
    Missing,
}

/// One step up while looking for a parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Ref(ParentRef),
    Found(Found),
}

struct Resolver<'a, T: ReadTxn> {
    txn: &'a T,
    blocks: &'a Blocks,
    known: StateVector,
    /// Depths of types, and parent depths of the blocks holding origins.
    memo: HashMap<ParentRef, Found>,
}

impl<T: ReadTxn> Resolver<'_, T> {
    /// Where the parent of the block holding `id` comes from.
    fn parent_of(&self, id: BlockId) -> Step {
        if let Some(block) = self.blocks.find(id) {
            return match block.parent {
                ParentRef::Nothing => Step::Found(Found::Deleted),
                parent => Step::Ref(parent),
            };
        }
        let id = ID::new(ClientID::new(id.0), id.1);
        if id.clock >= self.known.get(&id.client) {
            return Step::Found(Found::Missing);
        }
        // The document has the block: ask yrs for its parent.
        match StickyIndex::new(IndexScope::Relative(id), Assoc::After).get_offset(self.txn) {
            Some(offset) if !offset.branch.is_deleted() => match offset.branch.id() {
                BranchID::Root(_) => Step::Ref(ParentRef::Root),
                BranchID::Nested(parent) => {
                    Step::Ref(ParentRef::Type((parent.client.get(), parent.clock)))
                }
            },
            _ => Step::Found(Found::Deleted),
        }
    }

    /// The depth of the type that `start` names as a parent.
    fn depth(&mut self, start: ParentRef) -> Found {
        // Walk up to something known, noting each reference passed and how
        // many types lay below it on the way.
        let mut passed: Vec<(ParentRef, usize)> = Vec::new();
        let mut types = 0;
        let mut step = Step::Ref(start);
        // Each block is passed at most once unless origins form a cycle,
        // which yrs never integrates.
        let limit = self.blocks.len() + MAX_NESTING + 2;
        let top = loop {
            let reference = match step {
                Step::Found(found) => break found,
                Step::Ref(reference) => reference,
            };
            if let Some(found) = self.memo.get(&reference) {
                break *found;
            }
            if types > MAX_NESTING {
                // Too deep already: the update is refused, nothing is kept.
                return Found::Depth(types);
            }
            if passed.len() > limit {
                break Found::Missing;
            }
            passed.push((reference, types));
            step = match reference {
                ParentRef::Root => Step::Found(Found::Depth(0)),
                ParentRef::Nothing => Step::Found(Found::Deleted),
                ParentRef::Type(id) => {
                    types += 1;
                    self.parent_of(id)
                }
                ParentRef::Sibling(id) => self.parent_of(id),
            };
        };
        // Each reference's depth is the top's plus the types passed from it
        // upwards (itself included).
        for (reference, below) in passed {
            let found = match top {
                Found::Depth(d) => Found::Depth(d + types - below),
                other => other,
            };
            self.memo.insert(reference, found);
        }
        match top {
            Found::Depth(d) => Found::Depth(d + types),
            other => other,
        }
    }
}

/// Refuses an update that would nest types deeper than [`MAX_NESTING`] or
/// create a type whose parent has not arrived.
pub(crate) fn check<T: ReadTxn>(txn: &T, blocks: &Blocks) -> Result<()> {
    let mut resolver = Resolver {
        txn,
        blocks,
        known: txn.state_vector(),
        memo: HashMap::new(),
    };
    for (client, list) in &blocks.clients {
        for block in list.iter().filter(|b| b.nests) {
            match resolver.depth(block.parent) {
                Found::Depth(d) if d + 1 > MAX_NESTING => {
                    return Err(Error::RefusedUpdate(format!(
                        "shared types nested deeper than {MAX_NESTING}"
                    )));
                }
                Found::Missing => {
                    return Err(Error::RefusedUpdate(format!(
                        "a nested type of client {client} at clock {} whose parent has not arrived",
                        block.clock
                    )));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AuthorId, DecodedUpdate, Document, Error};
    use bytes::Bytes;
    use yrs::updates::decoder::Decode;
    use yrs::{
        Array, ArrayPrelim, Doc, GetString, Map, MapPrelim, MapRef, Options, Text, TextPrelim,
        Transact, Update, WriteTxn,
    };

    fn source(client: u64) -> Doc {
        Doc::with_options(Options::with_client_id(ClientID::new(client)))
    }

    /// `depth` maps nested under the root map `deep` of `doc`, in one update;
    /// returns the update and the innermost map.
    fn nest(doc: &Doc, depth: usize) -> (Vec<u8>, MapRef) {
        let mut txn = doc.transact_mut();
        let root = txn.get_or_insert_map("deep");
        let mut map = root.insert(&mut txn, "k", MapPrelim::default());
        for _ in 1..depth {
            map = map.insert(&mut txn, "k", MapPrelim::default());
        }
        (txn.encode_update_v1(), map)
    }

    fn apply(document: &mut Document, bytes: Vec<u8>) -> crate::Result<()> {
        let author: AuthorId = "a".into();
        let update = DecodedUpdate::decode(Bytes::from(bytes))?;
        document.apply(update, &author).map(drop)
    }

    /// Whether `result` is a refusal that says `why`.
    fn refused(result: crate::Result<()>, why: &str) -> bool {
        matches!(result, Err(Error::RefusedUpdate(m)) if m.contains(why))
    }

    const DEEP: &str = "nested deeper than 128";
    const ORPHAN: &str = "whose parent has not arrived";

    #[test]
    fn accepts_the_deepest_allowed_and_refuses_one_more() {
        let mut document = Document::new();
        let (ok, _) = nest(&source(1), MAX_NESTING);
        apply(&mut document, ok).unwrap();
        let (deep, _) = nest(&source(2), MAX_NESTING + 1);
        let before = document.encode_state();
        assert!(refused(apply(&mut document, deep), DEEP));
        assert_eq!(
            document.encode_state(),
            before,
            "a refused update changes nothing"
        );
    }

    #[test]
    fn a_chain_that_would_overflow_the_stack_on_delete_is_refused() {
        // Ten thousand nested maps, then their deletion: yrs would recurse
        // once per level and abort the process.
        let doc = source(3);
        let (chain, _) = nest(&doc, 10_000);
        let mut document = Document::new();
        assert!(refused(apply(&mut document, chain), DEEP));
    }

    #[test]
    fn depth_adds_up_across_updates() {
        let doc = source(4);
        let mut document = Document::new();
        let (first, inner) = nest(&doc, MAX_NESTING - 1);
        apply(&mut document, first).unwrap();
        let sv = document.doc().transact().state_vector();
        {
            let mut txn = doc.transact_mut();
            inner.insert(&mut txn, "k", MapPrelim::default());
        }
        let one_more = doc.transact().encode_diff_v1(&sv);
        apply(&mut document, one_more).unwrap();
        let sv = document.doc().transact().state_vector();
        {
            let mut txn = doc.transact_mut();
            let innermost: MapRef = inner.get(&txn, "k").unwrap().cast().unwrap();
            innermost.insert(&mut txn, "k", MapPrelim::default());
        }
        let too_deep = doc.transact().encode_diff_v1(&sv);
        assert!(refused(apply(&mut document, too_deep), DEEP));
    }

    #[test]
    fn a_parent_taken_from_an_origin_counts() {
        // The innermost level is an array holding a number; a map inserted
        // after that number has its parent only through its origin.
        let doc = source(5);
        let mut document = Document::new();
        let (first, inner) = nest(&doc, MAX_NESTING - 1);
        let array = {
            let mut txn = doc.transact_mut();
            let array = inner.insert(&mut txn, "list", ArrayPrelim::default());
            array.push_back(&mut txn, 1);
            array
        };
        apply(&mut document, first).unwrap();
        let sv = document.doc().transact().state_vector();
        let array_level = doc.transact().encode_diff_v1(&sv);
        apply(&mut document, array_level).unwrap();
        let sv = document.doc().transact().state_vector();
        {
            let mut txn = doc.transact_mut();
            array.push_back(&mut txn, MapPrelim::default());
        }
        let by_origin = doc.transact().encode_diff_v1(&sv);
        let decoded = Update::decode_v1(&by_origin).unwrap();
        assert!(!decoded.is_empty());
        assert!(refused(apply(&mut document, by_origin), DEEP));
    }

    #[test]
    fn a_type_whose_parent_never_arrived_is_refused_but_text_may_wait() {
        let doc = source(6);
        let (_, inner) = nest(&doc, 2);
        let sv = doc.transact().state_vector();
        {
            let mut txn = doc.transact_mut();
            inner.insert(&mut txn, "k", MapPrelim::default());
        }
        let orphan = doc.transact().encode_diff_v1(&sv);
        let mut document = Document::new();
        assert!(refused(apply(&mut document, orphan), ORPHAN));

        // Text whose origin is missing waits as pending, as before.
        let writer = source(7);
        let text = writer.get_or_insert_text("t");
        text.insert(&mut writer.transact_mut(), 0, "ab");
        let sv = writer.transact().state_vector();
        text.insert(&mut writer.transact_mut(), 2, "cd");
        let later = writer.transact().encode_diff_v1(&sv);
        apply(&mut document, later).unwrap();
        assert!(document.pending_len() > 0);
    }

    #[test]
    fn types_inserted_into_a_deleted_parent_are_accepted() {
        let alice = source(8);
        let mut document = Document::new();
        let (first, inner) = nest(&alice, 3);
        apply(&mut document, first.clone()).unwrap();
        // Bob deletes the outer map while Alice adds a level inside it.
        let bob = source(9);
        bob.transact_mut()
            .apply_update(Update::decode_v1(&first).unwrap())
            .unwrap();
        let sv = bob.transact().state_vector();
        {
            let mut txn = bob.transact_mut();
            txn.get_or_insert_map("deep").remove(&mut txn, "k");
        }
        apply(&mut document, bob.transact().encode_diff_v1(&sv)).unwrap();
        let sv = alice.transact().state_vector();
        {
            let mut txn = alice.transact_mut();
            let text = inner.insert(&mut txn, "t", TextPrelim::new("hi"));
            assert_eq!(text.get_string(&txn), "hi");
        }
        apply(&mut document, alice.transact().encode_diff_v1(&sv)).unwrap();
    }
}

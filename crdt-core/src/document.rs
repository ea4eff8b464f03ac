//! One group document: the yrs document plus the record of which author owns
//! each Yjs client id.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{
    Doc, GetString, Map, MapRef, Out, ReadTxn, StateVector, Transact, Update, XmlFragmentRef,
};

use crate::chat::{ChatPolicy, ChatWatch};
use crate::counter::{Applied, BodyCounter};
use crate::error::{Error, Result};
use crate::schema;
use crate::update::DecodedUpdate;

/// A stable author id: who the server vouches wrote something.
pub type AuthorId = Arc<str>;

/// Why an update with contradictory origins failed. yrs integrates an item
/// by scanning right from its left origin for its right origin; when that is
/// not there, or a neighbour is in another list (no Yjs client writes such
/// an item), the item's place depends on the order of integration, so the
/// live document and a reload of its checkpoint would differ. The vendored yrs integrates such an item as
/// garbage and counts it; the update is refused and the document rebuilt.
const CONTRADICTORY: &str = "an item's origins contradict each other (its right origin is not right of its left origin in one list)";

/// Most bytes of updates a document holds back waiting for dependencies;
/// past it, the update that grew them is refused and the document rebuilt.
pub const PENDING_LIMIT: usize = 1 << 20;

/// The author of updates that the server itself writes (templates, titles,
/// files imported as a new document's starting text).
pub const SYSTEM_AUTHOR: &str = "system";

/// The author of files that `quire import` writes into a data directory.
pub const CLI_AUTHOR: &str = "cli";

/// Whether text by `author` is starting text: what a document began with (a
/// template, an import the server made), which no member of the group wrote.
/// It is shown apart from the members' writing and is no part of their shares.
pub fn is_starting_author(author: &str) -> bool {
    author == SYSTEM_AUTHOR || author == CLI_AUTHOR
}

/// What [`Document::apply_run`] did with a run of one author's updates.
#[derive(Debug, Default)]
pub struct AppliedRun {
    /// How many of the updates, from the first, were applied.
    pub count: usize,
    /// Why the next one was refused, if one was; the rest were not tried.
    pub refused: Option<Error>,
    /// Body characters the applied updates inserted and deleted, together.
    pub applied: Applied,
    /// Chat messages the applied updates added.
    pub chat_messages: usize,
}

/// Which author each Yjs client id belongs to. The first author to write under
/// a client id owns it; nobody else may write under it afterwards.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ClientBindings {
    /// A B-tree: client ids are chosen by clients, so a hash table with a
    /// fast hash could be flooded with collisions, and SipHash costs more
    /// than a few comparisons.
    owners: BTreeMap<u64, AuthorId>,
}

impl ClientBindings {
    /// Fails if any of `writers` belongs to an author other than `author`.
    pub fn check(&self, writers: &[u64], author: &str) -> Result<()> {
        for client in writers {
            if let Some(owner) = self.owners.get(client)
                && &**owner != author
            {
                return Err(Error::Impersonation { client: *client });
            }
        }
        Ok(())
    }

    /// Binds every unbound client id in `writers` to `author`.
    pub fn bind(&mut self, writers: &[u64], author: &AuthorId) {
        for client in writers {
            self.owners.entry(*client).or_insert_with(|| author.clone());
        }
    }

    /// The author bound to a client id.
    pub fn owner(&self, client: u64) -> Option<&AuthorId> {
        self.owners.get(&client)
    }

    /// Every author that owns a client id, sorted.
    pub fn authors(&self) -> Vec<String> {
        let mut authors: Vec<String> = self.owners.values().map(|a| a.to_string()).collect();
        authors.sort();
        authors.dedup();
        authors
    }

    /// Number of bound client ids.
    pub fn len(&self) -> usize {
        self.owners.len()
    }

    /// Whether no client id is bound yet.
    pub fn is_empty(&self) -> bool {
        self.owners.is_empty()
    }
}

/// The document, its client bindings and the body counter of authorship.
pub struct Document {
    doc: Doc,
    content: XmlFragmentRef,
    meta: MapRef,
    bindings: ClientBindings,
    counter: Arc<BodyCounter>,
    chat: ChatWatch,
}

impl Default for Document {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("clients", &self.bindings.len())
            .finish_non_exhaustive()
    }
}

impl Document {
    /// An empty document with the schema's root types.
    pub fn new() -> Self {
        let doc = schema::new_doc();
        let content = doc.get_or_insert_xml_fragment(schema::CONTENT);
        let meta = doc.get_or_insert_map(schema::META);
        let chat_array = doc.get_or_insert_array(schema::CHAT);
        let counter = Arc::new(BodyCounter::default());
        BodyCounter::observe(&counter, &content);
        let chat = ChatWatch::default();
        chat.observe(&chat_array);
        Self {
            doc,
            content,
            meta,
            bindings: ClientBindings::default(),
            counter,
            chat,
        }
    }

    /// Rebuilds a document from a checkpoint's state and bindings.
    pub fn from_checkpoint(state: &[u8], bindings: ClientBindings) -> Result<Self> {
        let mut document = Self::new();
        let update = Update::decode_v1(state).map_err(|e| Error::CorruptState(e.to_string()))?;
        document
            .doc
            .transact_mut()
            .apply_update(update)
            .map_err(|e| Error::CorruptState(e.to_string()))?;
        document.bindings = bindings;
        document
            .counter
            .reset(&document.content, &document.doc.transact());
        Ok(document)
    }

    /// Checks that `author` may write this update, without applying it.
    pub fn authorize(&self, update: &DecodedUpdate, author: &str) -> Result<()> {
        self.bindings.check(update.writers(), author)
    }

    /// Applies an update written by `author`, binding its new client ids.
    ///
    /// Fails with [`Error::Impersonation`] or [`Error::RefusedUpdate`] (types
    /// nested too deep) without touching the document, or
    /// with [`Error::ApplyFailed`] when yrs failed part-way: the document must
    /// then be rebuilt from stored state.
    pub fn apply(&mut self, update: DecodedUpdate, author: &AuthorId) -> Result<Applied> {
        let run = self.apply_run([update], author, None)?;
        match run.refused {
            Some(e) => Err(e),
            None => Ok(run.applied),
        }
    }

    /// Applies consecutive updates of one author in one transaction: each is
    /// checked as [`Document::apply`] checks it, against the document as the
    /// updates before it left it, and the run stops at the first refused.
    /// One transaction costs less than one per update, and the authorship
    /// observer runs once for the run: its counts are the run's effect on
    /// the body, so text typed and deleted again within a run counts as it
    /// would within one update (not at all).
    ///
    /// With a `chat` policy, the chat messages the run adds must carry the
    /// author and the policy's name, a text of at most
    /// [`crate::chat::MAX_TEXT_CHARS`] and a time, and be no more than the
    /// policy allows.
    ///
    /// Fails with [`Error::ApplyFailed`] when yrs failed part-way or the run
    /// left too much waiting for dependencies, and with
    /// [`Error::ChatRefused`] when it added chat messages the policy
    /// refuses: the document must then be rebuilt from stored state,
    /// without any update of the run.
    pub fn apply_run(
        &mut self,
        updates: impl IntoIterator<Item = DecodedUpdate>,
        author: &AuthorId,
        chat: Option<&ChatPolicy<'_>>,
    ) -> Result<AppliedRun> {
        let mut run = AppliedRun::default();
        self.chat.take();
        {
            let mut txn = self.doc.transact_mut();
            for update in updates {
                let checked = self
                    .bindings
                    .check(update.writers(), author)
                    .and_then(|()| update.check_nesting(&txn));
                if let Err(e) = checked {
                    run.refused = Some(e);
                    break;
                }
                let (writers, update) = update.into_writers_and_update();
                let contradictory = txn.contradictory_items();
                txn.apply_update(update)
                    .map_err(|e| Error::ApplyFailed(e.to_string()))?;
                if txn.contradictory_items() > contradictory {
                    return Err(Error::ApplyFailed(CONTRADICTORY.into()));
                }
                self.bindings.bind(&writers, author);
                run.count += 1;
            }
        }
        let added = self.chat.take();
        if let Some(policy) = chat {
            crate::chat::check(&added, author, policy)?;
        }
        run.chat_messages = added.len();
        if run.count > 0 {
            let pending = self.pending_len();
            if pending > PENDING_LIMIT {
                return Err(Error::ApplyFailed(format!(
                    "{pending} bytes of updates wait for dependencies that never came (limit {PENDING_LIMIT})"
                )));
            }
        }
        run.applied = self.counter.finish(&self.content, &self.doc.transact());
        Ok(run)
    }

    /// Size in bytes of the updates held back for missing dependencies.
    pub fn pending_len(&self) -> usize {
        let txn = self.doc.transact();
        let store = txn.store();
        let structs = store
            .pending_update()
            .map_or(0, |p| p.update.encode_v1().len());
        let deletes = store.pending_ds().map_or(0, |ds| ds.encode_v1().len());
        structs + deletes
    }

    /// Replays a stored log entry; bindings are taken as they were recorded.
    pub fn replay(&mut self, update: &[u8], author: &AuthorId) -> Result<Applied> {
        let decoded = DecodedUpdate::decode(bytes::Bytes::copy_from_slice(update))
            .map_err(|e| Error::CorruptState(e.to_string()))?;
        let (writers, update) = decoded.into_writers_and_update();
        self.doc
            .transact_mut()
            .apply_update(update)
            .map_err(|e| Error::CorruptState(e.to_string()))?;
        self.bindings.bind(&writers, author);
        Ok(self.counter.finish(&self.content, &self.doc.transact()))
    }

    /// The body's length in UTF-16 units.
    pub fn body_len(&self) -> u64 {
        self.counter.length()
    }

    /// The encoded state vector.
    pub fn state_vector(&self) -> Vec<u8> {
        self.doc.transact().state_vector().encode_v1()
    }

    /// What a peer with state vector `remote` lacks, as one v1 update.
    pub fn diff(&self, remote: &StateVector) -> Vec<u8> {
        self.doc.transact().encode_diff_v1(remote)
    }

    /// The whole state as one v1 update (a checkpoint).
    pub fn encode_state(&self) -> Vec<u8> {
        self.doc
            .transact()
            .encode_state_as_update_v1(&StateVector::default())
    }

    /// The client bindings.
    pub fn bindings(&self) -> &ClientBindings {
        &self.bindings
    }

    /// The underlying yrs document.
    pub fn doc(&self) -> &Doc {
        &self.doc
    }

    /// The body fragment.
    pub fn content(&self) -> &XmlFragmentRef {
        &self.content
    }

    /// The title from `meta.title`, if set.
    pub fn title(&self) -> Option<String> {
        let txn = self.doc.transact();
        match self.meta.get(&txn, "title") {
            Some(Out::Any(yrs::Any::String(s))) => Some(s.to_string()),
            Some(Out::YText(t)) => Some(t.get_string(&txn)),
            _ => None,
        }
    }
}

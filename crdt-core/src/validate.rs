//! A structural scan of a v1 update before yrs decodes it. yrs aborts the
//! process (a stack overflow, which cannot be caught) on `Any` values nested
//! a few thousand levels deep, masks client ids of 2^53 and above, overflows
//! clocks near `u32::MAX` and integers longer than ten bytes, panics on a
//! client's blocks given in two runs, cannot re-encode legacy JSON content,
//! and loses deleted ranges that are not sorted when it merges updates; Yjs
//! and yrs read some blocks differently (a content ref with a fifth bit, a
//! reference to a later clock of the block's own client). This scan refuses
//! such updates first.
//! State vectors and awareness updates get the client id check too.

use smallvec::SmallVec;
use yrs::encoding::read::Cursor;

use crate::error::Error;
use crate::nesting::{Block, BlockId, Blocks, ParentRef};

/// Deepest nesting of `Any` arrays and maps accepted.
pub const MAX_ANY_DEPTH: usize = 64;
/// Client ids are 53-bit integers in Yjs.
const CLIENT_LIMIT: u64 = 1 << 53;

/// What the scan's steps return. A failure is boxed, so that a value on the
/// hot path comes back in registers rather than through memory.
type Result<T, E = Box<Error>> = std::result::Result<T, E>;

#[cold]
fn refuse(what: impl std::fmt::Display) -> Box<Error> {
    Box::new(Error::RefusedUpdate(what.to_string()))
}

#[cold]
fn malformed(e: impl std::fmt::Display) -> Box<Error> {
    Box::new(Error::MalformedUpdate(e.to_string()))
}

/// The clocks `start..end` of one client that an update carries blocks for.
pub type Run = (u64, u32, u32);

/// Client ids; an update names one or two, kept inline (these are made
/// for every update, and an allocation each costs more than the scan).
pub(crate) type Clients = SmallVec<[u64; 4]>;

/// Each client's run of clocks in an update, inline for the usual one.
pub(crate) type Runs = SmallVec<[Run; 2]>;

/// What a scan found out about an update.
#[derive(Debug, Default)]
pub(crate) struct Scanned {
    /// Each client's run of clocks.
    pub runs: Runs,
    /// Every client with a block in the update (GC and skip blocks
    /// included: they take clocks too), sorted.
    pub writers: Clients,
    /// Every block, when the update creates nested types.
    pub blocks: Option<Blocks>,
    /// The first link target or image source the update writes that is not
    /// safe to follow ([`crate::schema::is_safe_url`]).
    pub unsafe_address: Option<Box<str>>,
}

/// Client ids, each to be seen once. Updates name a client or two, so a
/// short list searched in place serves them without hashing; past 16 ids (a
/// hostile update may name many) a set takes over.
#[derive(Default)]
struct Seen {
    few: SmallVec<[u64; 8]>,
    many: Option<std::collections::HashSet<u64>>,
}

impl Seen {
    /// False when `client` was seen before.
    fn first_time(&mut self, client: u64) -> bool {
        if let Some(many) = self.many.as_mut() {
            return many.insert(client);
        }
        if self.few.contains(&client) {
            return false;
        }
        self.few.push(client);
        if self.few.len() > 16 {
            self.many = Some(self.few.drain(..).collect());
        }
        true
    }
}

struct Scan<'a> {
    cursor: Cursor<'a>,
    runs: Runs,
    writers: Clients,
    /// Set when a block creates a nested type.
    nests: bool,
    /// Every block, when asked for.
    blocks: Option<Blocks>,
    /// See [`Scanned::unsafe_address`].
    unsafe_address: Option<Box<str>>,
}

impl<'a> Scan<'a> {
    fn new(bytes: &'a [u8], record: bool) -> Self {
        Self {
            cursor: Cursor::new(bytes),
            runs: Runs::new(),
            writers: Clients::new(),
            nests: false,
            blocks: record.then(Blocks::default),
            unsafe_address: None,
        }
    }

    /// Notes `address` if it is the first unsafe one.
    fn address(&mut self, address: &str, image: bool) {
        if self.unsafe_address.is_none() && !crate::schema::is_safe_url(address, image) {
            self.unsafe_address = Some(address.chars().take(80).collect::<String>().into());
        }
    }

    /// One item's content; returns its length in clock units. `key` is the
    /// map key the item is written under, if any: an attribute of an XML
    /// element (`src` of an image, `href`) is checked for an unsafe address,
    /// as is the target of a `link` mark (format content).
    fn content(&mut self, info: u8, key: Option<&str>) -> Result<u64> {
        Ok(match info & 0b1111 {
            1 => self.var()?,
            // Legacy JSON content, which Yjs no longer writes: yrs decodes one
            // string more than the declared count but encodes the count as
            // is, so a document holding it writes checkpoints and diffs that
            // yrs cannot read back.
            2 => return Err(refuse("legacy JSON content is not supported")),
            3 => {
                self.bytes()?;
                1
            }
            // yrs checks the UTF-8 when it decodes; here only the length
            // counts, in UTF-16 units as Yjs clocks count.
            4 => utf16_len(self.bytes()?),
            5 => {
                self.json()?;
                1
            }
            6 => {
                let mark = self.string()?;
                let value = self.json()?;
                if mark == "link"
                    && let Some(href) = value.get("href").and_then(|h| h.as_str())
                {
                    self.address(href, false);
                }
                1
            }
            7 => {
                self.nests = true;
                let type_ref = self.u8()?;
                match type_ref {
                    3 => drop(self.string()?),
                    0 | 1 | 2 | 4 | 5 | 6 | 9 | 15 => {}
                    other => return Err(refuse(format!("unsupported type ref {other}"))),
                }
                1
            }
            8 => {
                let n = self.count()?;
                for _ in 0..n {
                    match self.any(0)? {
                        Some(text) if matches!(key, Some("src" | "href")) => {
                            self.address(text, key == Some("src"));
                        }
                        _ => {}
                    }
                }
                n
            }
            9 => return Err(refuse("subdocuments are not supported")),
            other => return Err(malformed(format!("unknown content {other}"))),
        })
    }

    fn update(&mut self) -> Result<()> {
        // Yjs writes each client's blocks once, as one run of clocks. yrs
        // joins repeated runs with a gap between them, and trimming such a
        // list against a document that knows the client reaches an
        // `unreachable!` in yrs.
        let mut clients = Seen::default();
        for _ in 0..self.count()? {
            let structs = self.count()?;
            let client = self.client()?;
            if !clients.first_time(client) {
                return Err(refuse(format!("client {client} has two runs of blocks")));
            }
            if structs > 0 {
                self.writers.push(client);
            }
            let mut clock = self.clock()?;
            let start = clock as u32;
            let mut recorded = self.blocks.as_ref().map(|_| Vec::new());
            for _ in 0..structs {
                let info = self.u8()?;
                let (len, parent, nests) = match info {
                    0 | 10 => (self.var()?, ParentRef::Nothing, false),
                    // Yjs reads five bits of content ref, yrs four: an
                    // item with the fifth set is something else to each.
                    _ if info & 0x10 != 0 => {
                        return Err(refuse(format!("unknown content ref in info {info:#04x}")));
                    }
                    _ => {
                        let left = if info & 0x80 != 0 {
                            Some(self.id()?)
                        } else {
                            None
                        };
                        let right = if info & 0x40 != 0 {
                            Some(self.id()?)
                        } else {
                            None
                        };
                        // yrs takes the parent from the left origin, else
                        // from the right one, else from what is written.
                        let mut parent = match left.or(right) {
                            Some(origin) => ParentRef::Sibling(origin),
                            None => ParentRef::Nothing,
                        };
                        let mut key = None;
                        if info & 0xC0 == 0 {
                            parent = if self.var()? == 1 {
                                self.string()?;
                                ParentRef::Root
                            } else {
                                let id = self.id()?;
                                precedes(id, client, clock)?;
                                ParentRef::Type(id)
                            };
                            if info & 0x20 != 0 {
                                key = Some(self.string()?);
                            }
                        }
                        for origin in left.into_iter().chain(right) {
                            precedes(origin, client, clock)?;
                        }
                        (self.content(info, key)?, parent, info & 0b1111 == 7)
                    }
                };
                if let Some(recorded) = recorded.as_mut() {
                    recorded.push(Block {
                        clock: clock as u32,
                        len: len.min(u64::from(u32::MAX)) as u32,
                        parent,
                        nests,
                    });
                }
                clock = clock.saturating_add(len);
                if clock > u64::from(u32::MAX) {
                    return Err(refuse("clock overflows"));
                }
            }
            if let (Some(blocks), Some(recorded)) = (self.blocks.as_mut(), recorded) {
                blocks.clients.insert(client, recorded);
            }
            if clock > u64::from(start) {
                self.runs.push((client, start, clock as u32));
            }
        }
        // Yjs writes each client's deleted ranges once, sorted, apart and
        // non-empty. yrs keeps them as decoded and its merge, with which a
        // server relays a batch, assumes that order: it drops ranges of a
        // set that is not sorted.
        clients = Seen::default();
        for _ in 0..self.count()? {
            let client = self.client()?;
            if !clients.first_time(client) {
                return Err(refuse(format!("client {client} has two deleted sets")));
            }
            let mut end = 0;
            for _ in 0..self.count()? {
                let clock = self.clock()?;
                let len = self.var()?;
                if clock.saturating_add(len) > u64::from(u32::MAX) {
                    return Err(refuse("deleted range overflows"));
                }
                if len == 0 || clock < end {
                    return Err(refuse(format!(
                        "deleted ranges of client {client} are empty, unsorted or overlap"
                    )));
                }
                end = clock + len;
            }
        }
        if self.remaining() != 0 {
            return Err(malformed(format!("{} trailing bytes", self.remaining())));
        }
        Ok(())
    }
}

/// A block's origins and parent existed before it, so those of its own
/// client have earlier clocks. Neither Yjs nor yrs waits for a later clock
/// of the block's own client, as they wait for other clients' blocks: Yjs
/// clients throw on such a block, and yrs integrates it differently live
/// and after a reload of the document.
#[inline]
fn precedes(reference: BlockId, client: u64, clock: u64) -> Result<()> {
    if reference.0 == client && u64::from(reference.1) >= clock {
        return Err(refuse(format!(
            "block {client}#{clock} refers to {client}#{}, which is not older",
            reference.1
        )));
    }
    Ok(())
}

/// The UTF-16 length of UTF-8 text: one unit per character, two for those
/// outside the basic plane (four-byte sequences).
fn utf16_len(utf8: &[u8]) -> u64 {
    utf8.iter()
        .map(|&b| u64::from(b & 0xC0 != 0x80) + u64::from(b >= 0xF0))
        .sum()
}

/// Scans a v1 update; an error names what is wrong.
pub fn scan_update_v1(bytes: &[u8]) -> crate::error::Result<()> {
    Scan::new(bytes, false).update().map_err(|e| *e)
}

/// Scans a v1 update as [`scan_update_v1`] does, noting each client's run
/// of clocks and, when the update creates nested types, its blocks, whose
/// nesting is checked against a document before the update is applied.
pub(crate) fn scan_update_runs_v1(bytes: &[u8]) -> crate::error::Result<Scanned> {
    runs_v1(bytes).map_err(|e| *e)
}

fn runs_v1(bytes: &[u8]) -> Result<Scanned> {
    let mut scan = Scan::new(bytes, false);
    scan.update()?;
    let (runs, mut writers, unsafe_address) = (scan.runs, scan.writers, scan.unsafe_address);
    writers.sort_unstable();
    if !scan.nests {
        return Ok(Scanned {
            runs,
            writers,
            blocks: None,
            unsafe_address,
        });
    }
    // Rare (a new paragraph, list or map): a second pass records every block.
    let mut scan = Scan::new(bytes, true);
    scan.update()?;
    Ok(Scanned {
        runs,
        writers,
        blocks: scan.blocks,
        unsafe_address,
    })
}

/// Scans an encoded state vector (SyncStep1's payload) for client ids of
/// 2^53 and above: yrs debug-asserts on them in generic decoding code, which
/// may be compiled into crdt-core with crdt-core's debug assertions, so a
/// build with debug assertions can panic on them.
pub fn scan_state_vector_v1(bytes: &[u8]) -> crate::error::Result<()> {
    scan_clients(bytes, false).map_err(|e| *e)
}

/// Scans an awareness update for client ids of 2^53 and above, as
/// [`scan_state_vector_v1`] does.
pub fn scan_awareness_v1(bytes: &[u8]) -> crate::error::Result<()> {
    scan_clients(bytes, true).map_err(|e| *e)
}

/// A count, then per entry a client id, a clock and (with `payload`) bytes.
fn scan_clients(bytes: &[u8], payload: bool) -> Result<()> {
    let mut scan = Scan::new(bytes, false);
    for _ in 0..scan.count()? {
        scan.client()?;
        scan.var()?;
        if payload {
            scan.bytes()?;
        }
    }
    Ok(())
}

mod read;
#[cfg(test)]
mod tests;

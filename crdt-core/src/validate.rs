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
use yrs::encoding::read::{Cursor, Read};

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
}

impl<'a> Scan<'a> {
    fn new(bytes: &'a [u8], record: bool) -> Self {
        Self {
            cursor: Cursor::new(bytes),
            runs: Runs::new(),
            writers: Clients::new(),
            nests: false,
            blocks: record.then(Blocks::default),
        }
    }

    /// An unsigned varint of at most ten bytes. Read here rather than with
    /// yrs's generic reader: the scan reads a few per block, and this is
    /// most of its time.
    #[inline(always)]
    fn var(&mut self) -> Result<u64> {
        // Most are one byte: clocks and lengths of keystrokes, small ids.
        if let Some(&byte) = self.cursor.buf.get(self.cursor.next)
            && byte < 0x80
        {
            self.cursor.next += 1;
            return Ok(u64::from(byte));
        }
        self.var_long()
    }

    /// A varint of two bytes or more. Client ids, random 32-bit numbers,
    /// take five; with eight bytes at hand, one load finds the end and
    /// three shifts join the seven-bit groups.
    #[inline(never)]
    fn var_long(&mut self) -> Result<u64> {
        let buf = self.cursor.buf;
        let mut at = self.cursor.next;
        if let Some(bytes) = buf.get(at..at + 8) {
            let word = u64::from_le_bytes(bytes.try_into().expect("eight bytes"));
            let ends = !word & 0x8080_8080_8080_8080;
            if ends != 0 {
                let bits = ends.trailing_zeros() + 1;
                let word = if bits == 64 {
                    word
                } else {
                    word & ((1 << bits) - 1)
                };
                let mut x = word & 0x7f7f_7f7f_7f7f_7f7f;
                x = (x & 0x007f_007f_007f_007f) | ((x & 0x7f00_7f00_7f00_7f00) >> 1);
                x = (x & 0x0000_3fff_0000_3fff) | ((x & 0x3fff_0000_3fff_0000) >> 2);
                x = (x & 0x0000_0000_0fff_ffff) | ((x & 0x0fff_ffff_0000_0000) >> 4);
                self.cursor.next = at + (bits / 8) as usize;
                return Ok(x);
            }
        }
        let mut value = 0u64;
        let mut shift = 0;
        loop {
            let Some(&byte) = buf.get(at) else {
                return Err(malformed("unexpected end of buffer"));
            };
            at += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                self.cursor.next = at;
                return Ok(value);
            }
            shift += 7;
            if shift > 63 {
                return Err(malformed("integer longer than ten bytes"));
            }
        }
    }

    fn u8(&mut self) -> Result<u8> {
        self.cursor.read_u8().map_err(malformed)
    }

    fn remaining(&self) -> usize {
        self.cursor.buf.len() - self.cursor.next
    }

    /// A count of things that each take at least one byte.
    fn count(&mut self) -> Result<u64> {
        let n = self.var()?;
        if n > self.remaining() as u64 + 1 {
            return Err(malformed(format!(
                "declares {n} items, {} bytes remain",
                self.remaining()
            )));
        }
        Ok(n)
    }

    fn bytes(&mut self) -> Result<&'a [u8]> {
        let len = self.var()?;
        let len = usize::try_from(len).map_err(malformed)?;
        if len > self.remaining() {
            return Err(malformed(format!(
                "declares {len} bytes, {} remain",
                self.remaining()
            )));
        }
        let start = self.cursor.next;
        self.cursor.next += len;
        Ok(&self.cursor.buf[start..start + len])
    }

    fn string(&mut self) -> Result<&'a str> {
        std::str::from_utf8(self.bytes()?).map_err(|_| malformed("string is not UTF-8"))
    }

    #[inline]
    fn client(&mut self) -> Result<u64> {
        let client = self.var()?;
        if client >= CLIENT_LIMIT {
            return Err(refuse(format!(
                "client id {client} is not a 53-bit integer"
            )));
        }
        Ok(client)
    }

    #[inline]
    fn clock(&mut self) -> Result<u64> {
        let clock = self.var()?;
        if clock > u64::from(u32::MAX) {
            return Err(refuse(format!("clock {clock} out of range")));
        }
        Ok(clock)
    }

    /// A signed varint (6 bits, then 7 per byte). yrs reads them with a
    /// shift past 64 bits after ten bytes and negates `i64::MIN` (overflow
    /// panics wherever overflow checks are on). Yjs writes integers of at
    /// most 31 bits this way and reads larger ones inexactly, so the server
    /// and its clients would hold different values: past 53 bits is refused.
    fn integer(&mut self) -> Result<()> {
        let mut byte = self.u8()?;
        let mut magnitude = u128::from(byte & 0x3f);
        let mut shift = 6;
        while byte & 0x80 != 0 {
            if shift > 62 {
                return Err(refuse("integer longer than ten bytes"));
            }
            byte = self.u8()?;
            magnitude |= u128::from(byte & 0x7f) << shift;
            shift += 7;
        }
        if magnitude >= 1 << 53 {
            return Err(refuse("integer past 53 bits"));
        }
        Ok(())
    }

    #[inline(always)]
    fn id(&mut self) -> Result<BlockId> {
        let client = self.client()?;
        let clock = self.clock()?;
        Ok((client, clock as u32))
    }

    fn json(&mut self) -> Result<()> {
        let text = self.string()?;
        // serde_json refuses nesting deeper than 128 without recursing further.
        serde_json::from_str::<serde_json::Value>(text)
            .map_err(|e| refuse(format!("JSON content: {e}")))?;
        Ok(())
    }

    fn any(&mut self, depth: usize) -> Result<()> {
        if depth > MAX_ANY_DEPTH {
            return Err(refuse(format!("values nested deeper than {MAX_ANY_DEPTH}")));
        }
        match self.u8()? {
            116 => drop(self.bytes()?),
            117 => {
                for _ in 0..self.count()? {
                    self.any(depth + 1)?;
                }
            }
            118 => {
                for _ in 0..self.count()? {
                    self.string()?;
                    self.any(depth + 1)?;
                }
            }
            119 => drop(self.string()?),
            120 | 121 | 126 | 127 => {}
            122 | 123 => drop(self.cursor.read_exact(8).map_err(malformed)?),
            124 => drop(self.cursor.read_exact(4).map_err(malformed)?),
            125 => self.integer()?,
            other => return Err(malformed(format!("unknown value tag {other}"))),
        }
        Ok(())
    }

    /// One item's content; returns its length in clock units.
    fn content(&mut self, info: u8) -> Result<u64> {
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
                self.string()?;
                self.json()?;
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
                    self.any(0)?;
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
                                self.string()?;
                            }
                        }
                        for origin in left.into_iter().chain(right) {
                            precedes(origin, client, clock)?;
                        }
                        (self.content(info)?, parent, info & 0b1111 == 7)
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
    let (runs, mut writers) = (scan.runs, scan.writers);
    writers.sort_unstable();
    if !scan.nests {
        return Ok(Scanned {
            runs,
            writers,
            blocks: None,
        });
    }
    // Rare (a new paragraph, list or map): a second pass records every block.
    let mut scan = Scan::new(bytes, true);
    scan.update()?;
    Ok(Scanned {
        runs,
        writers,
        blocks: scan.blocks,
    })
}

/// Scans an encoded state vector (SyncStep1's payload) for client ids of
/// 2^53 and above: yrs debug-asserts on them in generic decoding code, which
/// may be compiled into crdt-core with crdt-core's debug assertions, so a
/// build with debug assertions can panic on them.
pub fn scan_state_vector_v1(bytes: &[u8]) -> crate::error::Result<()> {
    (|| -> Result<()> {
        let mut scan = Scan::new(bytes, false);
        for _ in 0..scan.count()? {
            scan.client()?;
            scan.var()?;
        }
        Ok(())
    })()
    .map_err(|e| *e)
}

/// Scans an awareness update for client ids of 2^53 and above, as
/// [`scan_state_vector_v1`] does.
pub fn scan_awareness_v1(bytes: &[u8]) -> crate::error::Result<()> {
    (|| -> Result<()> {
        let mut scan = Scan::new(bytes, false);
        for _ in 0..scan.count()? {
            scan.client()?;
            scan.var()?;
            scan.bytes()?;
        }
        Ok(())
    })()
    .map_err(|e| *e)
}

#[cfg(test)]
mod tests;

//! The editing traces in `../shared/data/traces` (see its README): the
//! sequential and concurrent JSON traces and the whole-trace Yjs updates.

use std::io::Read;
use std::path::PathBuf;

use flate2::read::GzDecoder;
use serde::Deserialize;

/// The whole-trace Yjs v2 updates, root `text`, in the order the benchmarks
/// report them.
pub const WHOLE_TRACES: &[&str] = &["S1", "S2", "S3", "C1", "C2"];

/// The directory holding the traces: `QUIRE_TRACES`, or `shared/data/traces`
/// beside the repository.
pub fn dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("QUIRE_TRACES") {
        return PathBuf::from(dir);
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.join("../../shared/data/traces")
}

/// Reads a trace file's raw bytes.
pub fn read(name: &str) -> std::io::Result<Vec<u8>> {
    let path = dir().join(name);
    std::fs::read(&path).map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("{}: {e} (set QUIRE_TRACES)", path.display()),
        )
    })
}

/// A whole-trace update (`S1`, ..., `C2`), Yjs v2 encoding.
pub fn whole_trace_v2(name: &str) -> std::io::Result<Vec<u8>> {
    read(&format!("{name}.yjsv2"))
}

fn read_json<T: for<'de> Deserialize<'de>>(name: &str) -> std::io::Result<T> {
    let mut json = Vec::new();
    GzDecoder::new(read(&format!("{name}.json.gz"))?.as_slice()).read_to_end(&mut json)?;
    serde_json::from_slice(&json).map_err(|e| std::io::Error::other(format!("{name}: {e}")))
}

/// One edit: delete `delete` code points at `pos`, then insert `insert` there.
#[derive(Debug, Clone, Deserialize)]
pub struct Patch(pub usize, pub usize, pub String);

/// A sequential transaction: patches applied in order.
#[derive(Debug, Clone, Deserialize)]
pub struct SequentialTxn {
    /// The patches.
    pub patches: Vec<Patch>,
}

/// A trace typed by one author in one editor (automerge-paper, seph-blog1).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SequentialTrace {
    /// The text before the first transaction.
    pub start_content: String,
    /// The text after the last.
    pub end_content: String,
    /// The transactions.
    pub txns: Vec<SequentialTxn>,
}

impl SequentialTrace {
    /// Loads `automerge-paper` or `seph-blog1`.
    pub fn load(name: &str) -> std::io::Result<Self> {
        read_json(name)
    }

    /// Every patch, in order.
    pub fn patches(&self) -> impl Iterator<Item = &Patch> {
        self.txns.iter().flat_map(|t| t.patches.iter())
    }
}

/// A transaction of a concurrent trace: its patches apply to the document as
/// of its parents.
#[derive(Debug, Clone, Deserialize)]
pub struct ConcurrentTxn {
    /// Indexes of the transactions this one follows.
    pub parents: Vec<usize>,
    /// The author (a peer) who made it.
    pub agent: usize,
    /// The patches, positions relative to the parents' document.
    pub patches: Vec<Patch>,
}

/// A trace written by several people at once (friendsforever, clownschool).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConcurrentTrace {
    /// The text every peer ends with.
    pub end_content: String,
    /// How many peers.
    pub num_agents: usize,
    /// The transactions, each after its parents.
    pub txns: Vec<ConcurrentTxn>,
}

impl ConcurrentTrace {
    /// Loads `friendsforever` or `clownschool`.
    pub fn load(name: &str) -> std::io::Result<Self> {
        read_json(name)
    }
}

//! The newest log entry of each document known to be on disk, kept in a file
//! beside sled's so that a silent loss inside sled's files shows at start.
//!
//! sled 0.34 recovers its log up to the first damaged message: a flipped
//! byte early in its files makes it open with every later record gone and no
//! error. Every two seconds the watermarks of what was appended before a
//! flush are written to `durable.json` (atomically, fsynced). At open, a
//! document whose log ends before its watermark means the database lost
//! records that were on disk, and the store refuses to open.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use super::StoreError;
use super::codec::{prefix, seq_of};

/// The file, in the data directory.
pub const FILE: &str = "durable.json";

/// How often what was appended is flushed and its watermarks written.
const EVERY: Duration = Duration::from_secs(2);

/// Seqs appended per document, and the file that records flushed ones.
#[derive(Debug)]
pub struct Watermarks {
    path: PathBuf,
    /// The newest seq appended to each document's log.
    appended: Mutex<BTreeMap<String, u64>>,
    /// Held while the file is written, so a deletion and a periodic write
    /// cannot interleave.
    writing: Mutex<BTreeMap<String, u64>>,
}

impl Watermarks {
    /// Reads the watermarks in `dir` and checks `log` against them.
    pub fn open(dir: &Path, log: &sled::Tree) -> Result<Arc<Self>, StoreError> {
        let path = dir.join(FILE);
        let written: BTreeMap<String, u64> = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
                key: path.display().to_string(),
                reason: e.to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(StoreError::Backend(format!("{}: {e}", path.display()))),
        };
        let this = Self {
            path,
            appended: Mutex::new(written.clone()),
            writing: Mutex::new(written),
        };
        this.verify(log)?;
        Ok(Arc::new(this))
    }

    /// Checks that `log` (just opened) reaches every written watermark.
    pub fn verify(&self, log: &sled::Tree) -> Result<(), StoreError> {
        let written = self.writing.lock().unwrap();
        let mut lost = Vec::new();
        for (doc, &seq) in written.iter() {
            let last = match log.scan_prefix(prefix(doc)).keys().next_back() {
                Some(key) => seq_of(&key?)?,
                None => 0,
            };
            if last < seq {
                lost.push(format!("{doc} ends at #{last}, #{seq} was on disk"));
            }
        }
        if !lost.is_empty() {
            let n = lost.len();
            lost.truncate(5);
            return Err(StoreError::Damaged(format!(
                "sled opened without records that were on disk ({n} documents: {}); \
                 to start anyway, accepting the loss, delete {}",
                lost.join("; "),
                self.path.display()
            )));
        }
        Ok(())
    }

    /// Notes that `doc`'s log now reaches `seq` (not yet on disk).
    pub fn appended(&self, doc: &str, seq: u64) {
        let mut appended = self.appended.lock().unwrap();
        let mark = appended.entry(doc.to_owned()).or_default();
        *mark = (*mark).max(seq);
    }

    /// Forgets a document before its records are deleted.
    pub fn forget(&self, doc: &str) -> Result<(), StoreError> {
        let mut written = self.writing.lock().unwrap();
        self.appended.lock().unwrap().remove(doc);
        if written.remove(doc).is_some() {
            self.write(&written)?;
        }
        Ok(())
    }

    /// Every two seconds while the store is open: flushes the database
    /// through `flush` (`None` once the store is gone), then writes the
    /// watermarks of what was appended before the flush.
    pub fn spawn(
        this: &Arc<Self>,
        flush: impl Fn() -> Option<Result<(), StoreError>> + Send + 'static,
    ) {
        let this: Weak<Self> = Arc::downgrade(this);
        std::thread::Builder::new()
            .name("quire-watermarks".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(EVERY);
                    let Some(this) = this.upgrade() else {
                        return;
                    };
                    match this.round(&flush) {
                        Some(Ok(())) => {}
                        Some(Err(e)) => {
                            tracing::error!(error = %e, "writing durable watermarks failed")
                        }
                        None => return,
                    }
                }
            })
            .expect("starting the watermark thread");
    }

    fn round(
        &self,
        flush: &impl Fn() -> Option<Result<(), StoreError>>,
    ) -> Option<Result<(), StoreError>> {
        let mut appended = self.appended.lock().unwrap().clone();
        if appended == *self.writing.lock().unwrap() {
            return Some(Ok(()));
        }
        // Not under the lock: flushing may reopen the database, which
        // verifies it against the written marks.
        if let Err(e) = flush()? {
            return Some(Err(e));
        }
        let mut written = self.writing.lock().unwrap();
        // Documents deleted meanwhile are forgotten, not written back.
        let now = self.appended.lock().unwrap();
        appended.retain(|doc, seq| now.get(doc).is_some_and(|at| at >= seq));
        drop(now);
        let result = self.write(&appended);
        if result.is_ok() {
            *written = appended;
        }
        Some(result)
    }

    /// Replaces the file atomically: a temporary file, fsync, rename, fsync
    /// of the directory.
    fn write(&self, marks: &BTreeMap<String, u64>) -> Result<(), StoreError> {
        let io = |e: std::io::Error| StoreError::Backend(format!("{}: {e}", self.path.display()));
        let tmp = self.path.with_extension("json.tmp");
        let mut file = std::fs::File::create(&tmp).map_err(io)?;
        file.write_all(&serde_json::to_vec(marks).expect("watermarks serialize"))
            .map_err(io)?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&tmp, &self.path).map_err(io)?;
        if let Some(dir) = self.path.parent() {
            std::fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(io)?;
        }
        Ok(())
    }
}

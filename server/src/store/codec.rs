//! Byte layouts of stored records, shared by the store implementations.

use bytes::Bytes;
use crdt_core::ClientBindings;
use crdt_core::authorship::{Applied, Stats};

use quire_engine::record::ENTRY_HEADER as HEADER;
pub use quire_engine::record::{entry_bytes, stored_len};

use super::{Checkpoint, CheckpointInfo, LogEntry, StoreError};

/// Key of record `seq` of `doc`: the id, a zero byte, the seq big-endian, so
/// one document's records are contiguous and ordered.
pub fn key(doc: &str, seq: u64) -> Vec<u8> {
    let mut key = prefix(doc);
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

/// The prefix of every record of `doc`.
pub fn prefix(doc: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(doc.len() + 9);
    key.extend_from_slice(doc.as_bytes());
    key.push(0);
    key
}

/// The seq of a record key.
pub fn seq_of(key: &[u8]) -> Result<u64, StoreError> {
    key.len()
        .checked_sub(8)
        .and_then(|at| key[at..].try_into().ok())
        .map(u64::from_be_bytes)
        .ok_or_else(|| corrupt(key, "short key"))
}

/// A record key as people read it: `DOC#SEQ`.
fn key_name(key: &[u8]) -> String {
    match key.iter().position(|b| *b == 0) {
        Some(at) if key.len() == at + 9 => {
            let seq = u64::from_be_bytes(key[at + 1..].try_into().expect("eight bytes"));
            format!("{}#{seq}", String::from_utf8_lossy(&key[..at]))
        }
        _ => String::from_utf8_lossy(key).replace('\0', "/"),
    }
}

fn corrupt(key: &[u8], reason: &str) -> StoreError {
    StoreError::Corrupt {
        key: key_name(key),
        reason: reason.to_owned(),
    }
}

/// First byte of a record holding several entries. A record of one entry
/// written before batches existed starts with its timestamp's high byte,
/// which is zero for any date this side of the year 2,000,000.
const BATCH: u8 = 0xff;

/// Largest record a batch is packed into, bytes; one larger entry gets a
/// record of its own. Under sled 0.34's threshold (a quarter of its 512 KiB
/// segments) for keeping a value in a file of its own, which costs a file
/// created and synced per record.
pub const RECORD_BYTES: usize = 64 << 10;

/// One log record holding `entries`, which have consecutive seqs: stored
/// under the key of the last one. `BATCH | count (u32 BE) | count ×
/// (length (u32 BE) | entry)`.
pub fn encode_entries(entries: &[LogEntry]) -> Vec<u8> {
    let size: usize = entries.iter().map(|e| 4 + entry_len(e)).sum();
    let mut out = Vec::with_capacity(5 + size);
    out.push(BATCH);
    out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
    for entry in entries {
        out.extend_from_slice(&(entry_len(entry) as u32).to_be_bytes());
        encode_entry(entry, &mut out);
    }
    out
}

/// The entries of a log record stored under `key`, oldest first.
pub fn decode_record(key: &[u8], value: &[u8]) -> Result<Vec<LogEntry>, StoreError> {
    let last = seq_of(key)?;
    if value.first() != Some(&BATCH) {
        return Ok(vec![decode_entry(key, last, value)?]);
    }
    let short = || corrupt(key, "truncated log record");
    let count = u32::from_be_bytes(value.get(1..5).ok_or_else(short)?.try_into().unwrap());
    let first = last
        .checked_sub(u64::from(count).saturating_sub(1))
        .filter(|_| count > 0)
        .ok_or_else(|| corrupt(key, "impossible entry count"))?;
    let mut rest = &value[5..];
    let mut entries = Vec::with_capacity(count.min(4096) as usize);
    for seq in first..=last {
        let len = u32::from_be_bytes(rest.get(..4).ok_or_else(short)?.try_into().unwrap());
        let entry = rest.get(4..4 + len as usize).ok_or_else(short)?;
        entries.push(decode_entry(key, seq, entry)?);
        rest = &rest[4 + len as usize..];
    }
    if !rest.is_empty() {
        return Err(corrupt(key, "bytes after the last entry"));
    }
    Ok(entries)
}

fn entry_len(entry: &LogEntry) -> usize {
    HEADER + entry.author.len() + entry.update.len()
}

/// Bytes of a checkpoint index value: `bytes (u64 BE) | log bytes (u64 BE)`.
pub fn encode_info(bytes: u64, log_bytes: u64) -> [u8; 16] {
    let mut out = [0; 16];
    out[..8].copy_from_slice(&bytes.to_be_bytes());
    out[8..].copy_from_slice(&log_bytes.to_be_bytes());
    out
}

/// Decodes a checkpoint index record.
pub fn decode_info(key: &[u8], value: &[u8]) -> Result<CheckpointInfo, StoreError> {
    let value: [u8; 16] = value
        .try_into()
        .map_err(|_| corrupt(key, "checkpoint index record of the wrong length"))?;
    Ok(CheckpointInfo {
        seq: seq_of(key)?,
        bytes: u64::from_be_bytes(value[..8].try_into().expect("eight bytes")),
        log_bytes: u64::from_be_bytes(value[8..].try_into().expect("eight bytes")),
    })
}

/// `ts (u64 BE) | inserted (u32 BE) | deleted (u32 BE) | author length (u16 BE) | author | update`.
fn encode_entry(entry: &LogEntry, out: &mut Vec<u8>) {
    let author = entry.author.as_bytes();
    out.extend_from_slice(&entry.ts.to_be_bytes());
    out.extend_from_slice(&(entry.applied.inserted.min(u32::MAX as u64) as u32).to_be_bytes());
    out.extend_from_slice(&(entry.applied.deleted.min(u32::MAX as u64) as u32).to_be_bytes());
    out.extend_from_slice(&(author.len() as u16).to_be_bytes());
    out.extend_from_slice(author);
    out.extend_from_slice(&entry.update);
}

/// Decodes entry `seq` of the record under `key`.
fn decode_entry(key: &[u8], seq: u64, value: &[u8]) -> Result<LogEntry, StoreError> {
    let short = || corrupt(key, "truncated log entry");
    let header = value.get(..HEADER).ok_or_else(short)?;
    let ts = u64::from_be_bytes(header[..8].try_into().unwrap());
    let inserted = u32::from_be_bytes(header[8..12].try_into().unwrap());
    let deleted = u32::from_be_bytes(header[12..16].try_into().unwrap());
    let len = u16::from_be_bytes(header[16..18].try_into().unwrap()) as usize;
    let author = value.get(HEADER..HEADER + len).ok_or_else(short)?;
    let author = std::str::from_utf8(author).map_err(|_| corrupt(key, "author is not UTF-8"))?;
    Ok(LogEntry {
        seq,
        ts,
        author: author.to_owned(),
        applied: Applied {
            inserted: inserted.into(),
            deleted: deleted.into(),
        },
        update: Bytes::copy_from_slice(&value[HEADER + len..]),
    })
}

/// The JSON part of a checkpoint.
#[derive(serde::Serialize, serde::Deserialize)]
struct CheckpointHeader {
    bindings: ClientBindings,
    #[serde(default)]
    stats: Stats,
    #[serde(default)]
    log_bytes: u64,
}

/// `header JSON length (u32 BE) | header JSON | state`.
pub fn encode_checkpoint(checkpoint: &Checkpoint) -> Vec<u8> {
    let header = CheckpointHeader {
        bindings: checkpoint.bindings.clone(),
        stats: checkpoint.stats.clone(),
        log_bytes: checkpoint.log_bytes,
    };
    let bindings = serde_json::to_vec(&header).expect("checkpoint header serializes");
    let mut out = Vec::with_capacity(4 + bindings.len() + checkpoint.state.len());
    out.extend_from_slice(&(bindings.len() as u32).to_be_bytes());
    out.extend_from_slice(&bindings);
    out.extend_from_slice(&checkpoint.state);
    out
}

/// Decodes a checkpoint record.
pub fn decode_checkpoint(key: &[u8], value: &[u8]) -> Result<Checkpoint, StoreError> {
    let seq = seq_of(key)?;
    let short = || corrupt(key, "truncated checkpoint");
    let len = u32::from_be_bytes(value.get(..4).ok_or_else(short)?.try_into().unwrap()) as usize;
    let json = value.get(4..4 + len).ok_or_else(short)?;
    let header: CheckpointHeader =
        serde_json::from_slice(json).map_err(|e| corrupt(key, &e.to_string()))?;
    Ok(Checkpoint {
        seq,
        state: value[4 + len..].to_vec(),
        bindings: header.bindings,
        stats: header.stats,
        log_bytes: header.log_bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: u64, author: &str, update: &'static [u8]) -> LogEntry {
        LogEntry {
            seq,
            ts: 1_700_000_000_000 + seq,
            author: author.into(),
            applied: Applied {
                inserted: 3,
                deleted: 1,
            },
            update: Bytes::from_static(update),
        }
    }

    #[test]
    fn records_and_checkpoints_round_trip() {
        let entries = vec![
            entry(40, "a1b2", &[0, 0]),
            entry(41, "", &[]),
            entry(42, "c", &[7; 9]),
        ];
        let k = key("doc-1", 42);
        assert_eq!(
            decode_record(&k, &encode_entries(&entries)).unwrap(),
            entries
        );
        let checkpoint = Checkpoint {
            seq: 42,
            state: vec![1, 2, 3],
            bindings: ClientBindings::default(),
            stats: Stats::default(),
            log_bytes: 1234,
        };
        assert_eq!(
            decode_checkpoint(&k, &encode_checkpoint(&checkpoint)).unwrap(),
            checkpoint
        );
        assert!(decode_record(&k, &[0; 17]).is_err());
        assert!(decode_checkpoint(&k, &[0, 0, 0, 9, 1]).is_err());
    }

    #[test]
    fn records_of_one_entry_written_before_batches_still_decode() {
        let old = entry(42, "a1b2", &[0, 0]);
        let mut value = Vec::new();
        encode_entry(&old, &mut value);
        assert_eq!(value[0], 0, "a timestamp's high byte");
        assert_eq!(decode_record(&key("d", 42), &value).unwrap(), vec![old]);
    }

    #[test]
    fn damaged_records_are_named_by_document_and_seq() {
        let named = decode_record(&key("essay", 258), &[1, 2]).unwrap_err();
        assert_eq!(
            named.to_string(),
            "corrupt record essay#258: truncated log entry"
        );
        let whole = encode_entries(&[entry(257, "a", &[1]), entry(258, "b", &[2])]);
        for cut in 1..whole.len() {
            assert!(
                decode_record(&key("essay", 258), &whole[..cut]).is_err(),
                "cut at {cut}"
            );
        }
        let mut counted = whole.clone();
        counted[4] = 9;
        assert!(
            decode_record(&key("essay", 3), &counted).is_err(),
            "more entries than seqs"
        );
        counted.push(0);
        assert!(decode_record(&key("essay", 258), &counted).is_err());
    }

    #[test]
    fn keys_order_by_seq_within_a_document() {
        assert!(key("a", 2) < key("a", 256));
        assert!(
            key("a", u64::MAX) < key("a-", 0),
            "prefixes never interleave"
        );
        assert_eq!(seq_of(&key("x", 7)).unwrap(), 7);
    }
}

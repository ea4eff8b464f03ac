//! Which checkpoints history keeps.
//!
//! Revision `r` is rebuilt from the newest checkpoint at or before `r` plus
//! the log after it, and the log is kept whole: a checkpoint only shortens
//! that replay. Keeping every one made a document's checkpoints cost many
//! times its log (a 52 MB document checkpointed every 4 MiB of log took
//! 649 MB). A checkpoint is kept when the log since the previous kept one
//! is at least as large as the checkpoint itself, and is either at least
//! `min_gap_bytes` or at least `min_gap_entries` entries long; the newest is
//! always kept (loading starts from it). So:
//!
//! - the kept checkpoints take at most as many bytes as the log, plus the
//!   newest one: a document's disk use is at most about twice its log plus
//!   one state;
//! - between two kept checkpoints lies at most about one state's worth of
//!   log, or `min_gap_bytes`, or `min_gap_entries` entries (whichever the
//!   rule met first), plus the interval at which checkpoints are written: the
//!   replay that rebuilds any revision stays bounded.
//!
//! Each decision depends only on the kept checkpoint before it, so the rule
//! can run again over what it kept and keeps the same (it is idempotent).

use crate::record::CheckpointInfo;

/// The seqs of the checkpoints to remove from `checkpoints` (oldest first).
pub fn thin(checkpoints: &[CheckpointInfo], min_gap_bytes: u64, min_gap_entries: u64) -> Vec<u64> {
    let Some((_newest, older)) = checkpoints.split_last() else {
        return Vec::new();
    };
    let (mut kept_seq, mut kept_log) = (0, 0);
    let mut dropped = Vec::new();
    for c in older {
        let gap = c.log_bytes.saturating_sub(kept_log);
        let entries = c.seq.saturating_sub(kept_seq);
        if gap >= c.bytes && (gap >= min_gap_bytes || entries >= min_gap_entries) {
            (kept_seq, kept_log) = (c.seq, c.log_bytes);
        } else {
            dropped.push(c.seq);
        }
    }
    dropped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(seq: u64, bytes: u64, log_bytes: u64) -> CheckpointInfo {
        CheckpointInfo {
            seq,
            bytes,
            log_bytes,
        }
    }

    /// Applies `thin` after each new checkpoint, as the documents do.
    fn kept_after_each(all: &[CheckpointInfo], gap: u64, entries: u64) -> Vec<CheckpointInfo> {
        let mut kept: Vec<CheckpointInfo> = Vec::new();
        for c in all {
            kept.push(*c);
            let dropped = thin(&kept, gap, entries);
            kept.retain(|k| !dropped.contains(&k.seq));
        }
        kept
    }

    #[test]
    fn a_growing_document_keeps_checkpoints_no_larger_than_its_log() {
        // Pastes of 2 MiB, a checkpoint after every 4 MiB of log: the state
        // is as large as the whole log so far.
        let mib = 1 << 20;
        let all: Vec<_> = (1..=13)
            .map(|i| info(i * 2, i * 4 * mib + 100, i * 4 * mib + 50))
            .collect();
        let kept = kept_after_each(&all, 4 * mib, 4000);
        let checkpoint_bytes: u64 = kept.iter().map(|c| c.bytes).sum();
        let log = all.last().unwrap().log_bytes;
        assert!(
            checkpoint_bytes <= log + all.last().unwrap().bytes,
            "{checkpoint_bytes} of checkpoints for {log} of log: {kept:?}"
        );
        assert_eq!(kept.last(), all.last(), "the newest is always kept");
        let every: u64 = all.iter().map(|c| c.bytes).sum();
        assert!(
            checkpoint_bytes * 3 < every,
            "{checkpoint_bytes} of {every}"
        );
    }

    #[test]
    fn a_small_churning_document_keeps_one_checkpoint_per_gap() {
        // A 300-byte state, a checkpoint every 1000 entries of 40 bytes.
        let all: Vec<_> = (1..=100).map(|i| info(i * 1000, 300, i * 40_000)).collect();
        let kept = kept_after_each(&all, 4 << 20, 4000);
        let seqs: Vec<u64> = kept.iter().map(|c| c.seq).collect();
        let expected: Vec<u64> = (1..=25).map(|i| i * 4000).collect();
        assert_eq!(seqs, expected, "one per 4000 entries, the newest included");
        // The replay to any revision stays under the gap plus one interval.
        let mut from = 0;
        for c in &kept {
            assert!(c.seq - from <= 4000, "{from}..{}", c.seq);
            from = c.seq;
        }
    }

    #[test]
    fn thinning_is_idempotent_and_keeps_the_newest() {
        let all: Vec<_> = (1..=50)
            .map(|i| info(i * 10, 1000 + i * 7, i * 900))
            .collect();
        let kept = kept_after_each(&all, 5000, 35);
        assert!(thin(&kept, 5000, 35).is_empty(), "{kept:?}");
        assert_eq!(kept.last(), all.last());
        assert!(thin(&[], 1, 1).is_empty());
        assert!(thin(&all[..1], u64::MAX, u64::MAX).is_empty());
    }

    #[test]
    fn checkpoints_from_before_log_bytes_were_counted_are_thinned_as_small_gaps() {
        // log_bytes 0: the gap reads as empty, the checkpoint goes (the log
        // still rebuilds every revision).
        let all = [info(1000, 500, 0), info(2000, 500, 0), info(3000, 600, 0)];
        assert_eq!(thin(&all, 1, 1), vec![1000, 2000]);
    }
}

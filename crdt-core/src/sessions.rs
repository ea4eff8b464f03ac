//! Work sessions: one member's consecutive changes, with no pause between
//! two of them longer than [`SESSION_PAUSE_MS`]. A keystroke is a revision
//! of its own, so counting revisions counts keystrokes; sessions count what
//! a reader calls an edit ("Alice worked on it at 10:05 and at 14:30"), as
//! Etherpad's timeslider and Google Docs' version history group changes.
//!
//! Each author's sessions are separate: two members writing at once each
//! have their own session, interleaved in the log.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::counter::Applied;

/// The longest pause, in milliseconds, within one work session: five
/// minutes. Long enough that reading back, thinking or a short
/// interruption does not split a session; short enough that a return
/// after a break, or in another lesson, starts a new one.
pub const SESSION_PAUSE_MS: u64 = 5 * 60_000;

/// Whether a change at `ts` by an author whose previous change was at
/// `last` (ms) starts a new work session.
pub fn starts_session(last: Option<u64>, ts: u64) -> bool {
    match last {
        None => true,
        Some(last) => ts.saturating_sub(last) > SESSION_PAUSE_MS,
    }
}

/// One work session of one author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkSession {
    /// The author id.
    pub author: String,
    /// Its first revision.
    pub first_rev: u64,
    /// Its last revision: the document as the session left it.
    pub last_rev: u64,
    /// Time of its first change, ms since the epoch.
    pub start: u64,
    /// Time of its last change, ms since the epoch.
    pub end: u64,
    /// How many revisions it made.
    pub revisions: u64,
    /// Body characters it inserted.
    pub inserted: u64,
    /// Body characters it deleted.
    pub deleted: u64,
}

/// Groups a log, fed in revision order, into work sessions.
#[derive(Debug, Default)]
pub struct SessionGrouper {
    open: BTreeMap<String, WorkSession>,
    closed: Vec<WorkSession>,
}

impl SessionGrouper {
    /// Adds revision `rev`, made by `author` at `ts`.
    pub fn push(&mut self, rev: u64, ts: u64, author: &str, applied: Applied) {
        let last = self.open.get(author).map(|s| s.end);
        if starts_session(last, ts) {
            let fresh = WorkSession {
                author: author.to_owned(),
                first_rev: rev,
                last_rev: rev,
                start: ts,
                end: ts,
                revisions: 0,
                inserted: 0,
                deleted: 0,
            };
            if let Some(done) = self.open.insert(author.to_owned(), fresh) {
                self.closed.push(done);
            }
        }
        let session = self.open.get_mut(author).expect("opened above");
        session.last_rev = rev;
        session.end = session.end.max(ts);
        session.revisions += 1;
        session.inserted += applied.inserted;
        session.deleted += applied.deleted;
    }

    /// Every session, ordered by its last revision: the steps of the history.
    pub fn finish(self) -> Vec<WorkSession> {
        let mut all = self.closed;
        all.extend(self.open.into_values());
        all.sort_by_key(|s| s.last_rev);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: u64 = 60_000;

    fn typed(n: u64) -> Applied {
        Applied {
            inserted: n,
            deleted: 0,
        }
    }

    #[test]
    fn keystrokes_with_short_pauses_are_one_session_and_a_long_pause_starts_another() {
        let mut g = SessionGrouper::default();
        let t0 = 1_700_000_000_000;
        for i in 0..150 {
            g.push(i + 1, t0 + i * 400, "alice", typed(1));
        }
        // Four minutes of thought, then more: still the same session.
        g.push(151, t0 + 150 * 400 + 4 * MIN, "alice", typed(1));
        // Back after lunch.
        g.push(152, t0 + 150 * 400 + 60 * MIN, "alice", typed(2));
        let sessions = g.finish();
        assert_eq!(sessions.len(), 2, "{sessions:?}");
        assert_eq!((sessions[0].first_rev, sessions[0].last_rev), (1, 151));
        assert_eq!((sessions[0].revisions, sessions[0].inserted), (151, 151));
        assert_eq!((sessions[1].first_rev, sessions[1].last_rev), (152, 152));
        assert_eq!(sessions[1].inserted, 2);
    }

    #[test]
    fn authors_writing_at_once_each_have_their_own_session() {
        let mut g = SessionGrouper::default();
        let t0 = 1_700_000_000_000;
        for i in 0..10 {
            let author = if i % 2 == 0 { "alice" } else { "bob" };
            g.push(i + 1, t0 + i * 1000, author, typed(1));
        }
        let sessions = g.finish();
        let summary: Vec<_> = sessions
            .iter()
            .map(|s| (s.author.as_str(), s.first_rev, s.last_rev, s.revisions))
            .collect();
        assert_eq!(summary, vec![("alice", 1, 9, 5), ("bob", 2, 10, 5)]);
    }

    #[test]
    fn the_pause_threshold_is_inclusive() {
        assert!(starts_session(None, 5));
        assert!(!starts_session(Some(0), SESSION_PAUSE_MS));
        assert!(starts_session(Some(0), SESSION_PAUSE_MS + 1));
    }
}

//! Message-rate limits of websocket connections: token buckets per connection, per author and per
//! address. The author's and the address's buckets are shared by all their
//! connections, so reconnecting does not refill them. A connection over a
//! limit is slowed (its socket is not read, so TCP pushes back on the
//! sender) rather than cut; only one that stays over a limit for
//! `--rate-limit-close-secs` is closed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A token bucket: `rate` tokens a second, holding at most `2 * rate`.
#[derive(Debug, Clone)]
pub struct Bucket {
    rate: f64,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// A full bucket.
    pub fn new(rate: u32, now: Instant) -> Self {
        let rate = f64::from(rate.max(1));
        Self {
            rate,
            tokens: 2.0 * rate,
            at: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(2.0 * self.rate);
        self.at = self.at.max(now);
    }

    /// Takes one token, going into debt when there is none; returns how long
    /// the taker must wait for the debt to be paid back (zero if none).
    pub fn reserve(&mut self, now: Instant) -> Duration {
        self.refill(now);
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.rate)
        }
    }

    fn is_full(&mut self, now: Instant) -> bool {
        self.refill(now);
        self.tokens >= 2.0 * self.rate
    }
}

/// Buckets by key (an author id, an address), shared by every connection of
/// that key. Full buckets are forgotten as the map grows: a key that comes
/// back meets a full bucket, which is what it would hold anyway.
#[derive(Debug)]
pub struct SharedBuckets {
    rate: u32,
    inner: Mutex<Shared>,
}

#[derive(Debug)]
struct Shared {
    buckets: HashMap<String, Bucket>,
    prune_at: usize,
}

const PRUNE_AT: usize = 1024;

impl SharedBuckets {
    /// Buckets of `rate` tokens a second each.
    pub fn new(rate: u32) -> Self {
        Self {
            rate,
            inner: Mutex::new(Shared {
                buckets: HashMap::new(),
                prune_at: PRUNE_AT,
            }),
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.inner.lock().unwrap().buckets.len()
    }

    /// [`Bucket::reserve`] on the bucket of `key`.
    pub fn reserve(&self, key: &str, now: Instant) -> Duration {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.buckets.len() >= inner.prune_at {
            inner.buckets.retain(|_, b| !b.is_full(now));
            inner.prune_at = (2 * inner.buckets.len()).max(PRUNE_AT);
        }
        match inner.buckets.get_mut(key) {
            Some(bucket) => bucket.reserve(now),
            None => {
                let mut bucket = Bucket::new(self.rate, now);
                let wait = bucket.reserve(now);
                inner.buckets.insert(key.to_owned(), bucket);
                wait
            }
        }
    }
}

/// What a connection's reader does with its next message.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Handle it now.
    Pass,
    /// Wait this long before handling it (and before reading more).
    Wait(Duration),
    /// The connection has been over a limit for too long: close it.
    Close,
}

/// The limits one connection answers to.
#[derive(Debug)]
pub struct Limiter<'a> {
    conn: Bucket,
    shared: Vec<(&'a SharedBuckets, String)>,
    close_after: Duration,
    throttled_since: Option<Instant>,
}

impl<'a> Limiter<'a> {
    /// A connection's limiter: its own bucket of `rate` and the shared
    /// buckets it also draws from, each with its key.
    pub fn new(
        rate: u32,
        shared: Vec<(&'a SharedBuckets, String)>,
        close_after: Duration,
        now: Instant,
    ) -> Self {
        Self {
            conn: Bucket::new(rate, now),
            shared,
            close_after,
            throttled_since: None,
        }
    }

    /// Takes a token from every bucket for one message.
    pub fn check(&mut self, now: Instant) -> Verdict {
        let mut wait = self.conn.reserve(now);
        for (buckets, key) in &self.shared {
            wait = wait.max(buckets.reserve(key, now));
        }
        if wait.is_zero() {
            self.throttled_since = None;
            return Verdict::Pass;
        }
        let since = *self.throttled_since.get_or_insert(now);
        if now.saturating_duration_since(since) >= self.close_after {
            Verdict::Close
        } else {
            Verdict::Wait(wait)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_its_rate() {
        let t0 = Instant::now();
        let mut bucket = Bucket::new(10, t0);
        for _ in 0..20 {
            assert_eq!(bucket.reserve(t0), Duration::ZERO);
        }
        // The 21st waits for one token, the 22nd for two.
        assert_eq!(bucket.reserve(t0), Duration::from_millis(100));
        let second = bucket.reserve(t0);
        assert!((second.as_secs_f64() - 0.2).abs() < 1e-9, "{second:?}");
        // Debt is paid back over time.
        assert_eq!(
            bucket.reserve(t0 + Duration::from_millis(400)),
            Duration::ZERO
        );
    }

    #[test]
    fn shared_buckets_are_shared_by_key_and_survive_pruning() {
        let t0 = Instant::now();
        let shared = SharedBuckets::new(1);
        assert_eq!(shared.reserve("a", t0), Duration::ZERO);
        assert_eq!(shared.reserve("a", t0), Duration::ZERO);
        assert!(
            shared.reserve("a", t0) > Duration::ZERO,
            "a's burst is spent"
        );
        assert_eq!(shared.reserve("b", t0), Duration::ZERO, "b has its own");
        // a runs deep into debt; many other keys come and go.
        for _ in 0..10 {
            shared.reserve("a", t0);
        }
        // With a and b, just below the size that prunes.
        for i in 0..PRUNE_AT - 2 {
            shared.reserve(&format!("k{i}"), t0);
        }
        // Two seconds on, the others' buckets are full again and pruned; a's
        // debt is kept.
        let later = t0 + Duration::from_secs(2);
        shared.reserve("trigger", later);
        assert!(shared.len() <= 3, "{} buckets kept", shared.len());
        assert!(shared.reserve("a", later) > Duration::ZERO);
    }

    #[test]
    fn a_limiter_slows_then_closes_a_connection_that_stays_over() {
        let t0 = Instant::now();
        let author = SharedBuckets::new(1000);
        let mut limiter = Limiter::new(5, vec![(&author, "x".into())], Duration::from_secs(2), t0);
        for _ in 0..10 {
            assert_eq!(limiter.check(t0), Verdict::Pass);
        }
        // A flood runs into debt: each message waits longer.
        for _ in 0..20 {
            assert!(matches!(limiter.check(t0), Verdict::Wait(_)));
        }
        assert!(matches!(
            limiter.check(t0 + Duration::from_secs(1)),
            Verdict::Wait(_)
        ));
        assert_eq!(limiter.check(t0 + Duration::from_secs(2)), Verdict::Close);
    }

    #[test]
    fn a_fresh_connection_of_the_same_author_finds_the_bucket_spent() {
        let t0 = Instant::now();
        let author = SharedBuckets::new(10);
        let close = Duration::from_secs(60);
        let mut first = Limiter::new(1000, vec![(&author, "x".into())], close, t0);
        for _ in 0..20 {
            assert_eq!(first.check(t0), Verdict::Pass);
        }
        let mut again = Limiter::new(1000, vec![(&author, "x".into())], close, t0);
        assert!(matches!(again.check(t0), Verdict::Wait(_)));
        let mut other = Limiter::new(1000, vec![(&author, "y".into())], close, t0);
        assert_eq!(other.check(t0), Verdict::Pass);
    }
}

<<<<<<< HEAD
//! Message-rate limits: token buckets per connection, per author and per
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

=======
//! How fast documents may be created: a token bucket per client address
//! (anonymous callers) and per member (token holders), refilled at
//! `--max-creates-per-minute` with bursts of as many.
//!
//! Creating is what costs: each new document is loaded, and stored once
//! written to. A caller past its rate gets 429 with `Retry-After`; opening a
//! document that exists, or one already loaded, is never throttled.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};

use crate::app::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::groups;

/// Buckets kept before full ones (callers quiet for a minute) are dropped.
const PRUNE_AT: usize = 4096;

/// The client's address, put into each request's extensions by the accept
/// loop.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub SocketAddr);

/// A caller past its creation rate: 429 with `Retry-After` in seconds.
#[derive(Debug)]
pub struct Throttled {
    /// When a creation will be allowed again.
    pub retry_after: Duration,
}

impl From<Throttled> for ApiError {
    fn from(t: Throttled) -> Self {
        let secs = t.retry_after.as_secs_f64().ceil().max(1.0) as u64;
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_creations",
            format!("too many documents created from here; try again in {secs} s"),
        )
        .with_retry_after(secs)
    }
}

/// Token buckets by caller.
#[derive(Debug)]
pub struct CreateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl CreateLimiter {
    /// Allows `per_minute` creations a minute per caller, in bursts of as many.
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            buckets: Mutex::default(),
        }
    }

    /// Takes one creation for `caller`, or says when to try again.
    pub fn take(&self, caller: &str, now: Instant) -> Result<(), Throttled> {
        let capacity = f64::from(self.per_minute.max(1));
        let per_sec = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap();
        if buckets.len() >= PRUNE_AT {
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.saturating_duration_since(*at).as_secs_f64() * per_sec < capacity
            });
        }
        let (tokens, at) = buckets.entry(caller.to_owned()).or_insert((capacity, now));
        *tokens =
            (*tokens + now.saturating_duration_since(*at).as_secs_f64() * per_sec).min(capacity);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            return Ok(());
        }
        Err(Throttled {
            retry_after: Duration::from_secs_f64((1.0 - *tokens) / per_sec),
        })
    }

    /// Takes one creation for the caller of a request: per member for a
    /// token holder, per address otherwise; the admin is not limited.
    pub fn take_for(
        &self,
        principal: &Principal,
        addr: Option<IpAddr>,
        now: Instant,
    ) -> Result<(), Throttled> {
        let caller = match (principal, addr) {
            (Principal::Admin, _) => return Ok(()),
            (Principal::Member(m), _) => format!("member {}", groups::author_of_member(&m.member)),
            (Principal::Anonymous, Some(ip)) => format!("address {}", address_key(ip)),
            (Principal::Anonymous, None) => "address unknown".to_owned(),
        };
        self.take(&caller, now)
    }
}

/// Takes one creation for the caller of a request, counting a refusal.
pub fn admit_creation(
    app: &AppState,
    principal: &Principal,
    headers: &HeaderMap,
    peer: Option<&ClientAddr>,
) -> Result<(), ApiError> {
    let ip = client_ip(headers, peer, app.config.trust_forwarded_for);
    app.creates
        .take_for(principal, ip, Instant::now())
        .map_err(|t| {
            app.metrics.creations_throttled.inc();
            t.into()
        })
}

/// An address as the limiter counts it: IPv4 whole, IPv6 by its /64 (one
/// host is usually given a whole /64).
fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// The client's address: the peer of the TCP connection, or with
/// `trust_forwarded_for` the last address in `X-Forwarded-For` (the one the
/// trusted proxy appended).
pub fn client_ip(
    headers: &HeaderMap,
    peer: Option<&ClientAddr>,
    trust_forwarded_for: bool,
) -> Option<IpAddr> {
    if trust_forwarded_for
        && let Some(ip) = headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return Some(ip);
    }
    peer.map(|p| p.0.ip())
}

>>>>>>> main
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
<<<<<<< HEAD
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
=======
    fn a_burst_then_the_rate_with_a_retry_after() {
        let limiter = CreateLimiter::new(6);
        let start = Instant::now();
        for _ in 0..6 {
            limiter.take("address a", start).unwrap();
        }
        let refused = limiter.take("address a", start).unwrap_err();
        assert_eq!(refused.retry_after.as_secs(), 10, "one every 10 s");
        limiter.take("address b", start).expect("another caller");
        limiter
            .take("address a", start + Duration::from_secs(10))
            .expect("refilled");
        assert!(
            limiter
                .take("address a", start + Duration::from_secs(11))
                .is_err()
        );
    }

    #[test]
    fn the_admin_is_not_limited_and_ipv6_counts_by_prefix() {
        let limiter = CreateLimiter::new(1);
        let now = Instant::now();
        for _ in 0..10 {
            limiter.take_for(&Principal::Admin, None, now).unwrap();
        }
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        limiter
            .take_for(&Principal::Anonymous, Some(a), now)
            .unwrap();
        assert!(
            limiter
                .take_for(&Principal::Anonymous, Some(b), now)
                .is_err()
        );
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        limiter
            .take_for(&Principal::Anonymous, Some(mapped), now)
            .unwrap();
        assert!(
            limiter
                .take_for(
                    &Principal::Anonymous,
                    Some("10.0.0.1".parse().unwrap()),
                    now
                )
                .is_err()
        );
    }

    #[test]
    fn forwarded_for_is_read_only_when_trusted() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "203.0.113.9, 198.51.100.7".parse().unwrap(),
        );
        let peer = ClientAddr("127.0.0.1:5000".parse().unwrap());
        assert_eq!(
            client_ip(&headers, Some(&peer), false),
            Some("127.0.0.1".parse().unwrap())
        );
        assert_eq!(
            client_ip(&headers, Some(&peer), true),
            Some("198.51.100.7".parse().unwrap())
        );
    }

    #[test]
    fn quiet_callers_are_forgotten() {
        let limiter = CreateLimiter::new(60);
        let start = Instant::now();
        for i in 0..PRUNE_AT {
            limiter.take(&format!("address {i}"), start).unwrap();
        }
        limiter
            .take("address new", start + Duration::from_secs(2))
            .unwrap();
        assert_eq!(limiter.buckets.lock().unwrap().len(), 1);
>>>>>>> main
    }
}

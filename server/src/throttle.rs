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

use crate::caller::{Principal, author_of_member};
use crate::error::ApiError;

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
            (Principal::Member(m), _) => format!("member {}", author_of_member(&m.member)),
            (Principal::Anonymous, Some(ip)) => format!("address {}", address_key(ip)),
            (Principal::Anonymous, None) => "address unknown".to_owned(),
        };
        self.take(&caller, now)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
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
    }
}

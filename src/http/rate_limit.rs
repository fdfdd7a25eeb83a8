//! The public pages and the public API are open to anyone, so each client
//! address may make only so many requests: a token bucket per address,
//! `PUBLIC_RATE_LIMIT_PER_MINUTE` tokens a minute up to a burst of
//! `PUBLIC_RATE_LIMIT_BURST`. Over it, 429 with `Retry-After`.
//!
//! The address is the one `client_address` resolves: the connection's peer,
//! or behind a load balancer named in `TRUSTED_PROXIES` the client it
//! forwarded for (otherwise every visitor would share the balancer's
//! bucket). IPv6 clients are counted by their /64, the block one household
//! or server is given. The buckets live in each instance's memory, so N
//! instances behind a balancer allow up to N times the rate: a limit for
//! abuse, not a quota (a CDN in front absorbs most public traffic anyway).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, ResponseError};

use crate::error::ApiError;
use crate::http::client_address::client_address;
use crate::ops::AppState;

/// The rate: tokens added a minute, and the most a bucket holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub per_minute: u32,
    pub burst: u32,
}

impl Default for RateLimit {
    /// Two requests a second on average, sixty at once: far more than a
    /// person reading pages, less than a scraper hammering the service.
    fn default() -> Self {
        RateLimit { per_minute: 120, burst: 60 }
    }
}

/// Buckets kept before idle ones (full again) are forgotten.
const PRUNE_AT: usize = 10_000;

/// The buckets of one instance.
pub struct Limiter {
    rate: RateLimit,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl Limiter {
    pub fn new(rate: RateLimit) -> Self {
        Limiter { rate, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes a token for this address at `now`, or says how long until one is there.
    pub fn take(&self, address: IpAddr, now: Instant) -> Result<(), Duration> {
        let per_second = f64::from(self.rate.per_minute) / 60.0;
        let burst = f64::from(self.rate.burst.max(1));
        let key = bucket_key(address);
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() >= PRUNE_AT && !buckets.contains_key(&key) {
            // Forget the buckets that have filled up again: they hold nothing.
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.saturating_duration_since(*at).as_secs_f64() * per_second < burst
            });
        }
        let (tokens, at) = buckets.entry(key).or_insert((burst, now));
        let refilled = (*tokens + now.saturating_duration_since(*at).as_secs_f64() * per_second).min(burst);
        *at = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            Ok(())
        } else {
            *tokens = refilled;
            let wait = if per_second > 0.0 { (1.0 - refilled) / per_second } else { 60.0 };
            Err(Duration::from_secs_f64(wait))
        }
    }
}

/// IPv4 addresses count alone; IPv6 addresses by their /64.
fn bucket_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => {
            let mut segments = v6.segments();
            segments[4..].fill(0);
            IpAddr::V6(segments.into())
        }
    }
}

/// The paths anyone may read: the public pages and the public API; and the
/// calendar feeds, which calendar programs read without signing in.
pub fn is_public_path(path: &str) -> bool {
    path == "/public"
        || path.starts_with("/public/")
        || path.starts_with("/api/v1/public/")
        || crate::http::caller::is_calendar_feed(path)
}

/// Middleware: counts each request for a public path against its client's bucket.
pub async fn limit_public_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if is_public_path(req.match_info().as_str()) {
        if let Some(state) = req.app_data::<web::Data<AppState>>().cloned() {
            if let Some(address) = client_address(req.request(), &state.auth.trusted_proxies) {
                if let Err(wait) = state.public_limiter.take(address, Instant::now()) {
                    let retry_after = wait.as_secs_f64().ceil().max(1.0) as i64;
                    let response = ApiError::RateLimited { retry_after }.error_response();
                    return Ok(req.into_response(response).map_into_right_body());
                }
            }
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_burst_then_the_rate() {
        let limiter = Limiter::new(RateLimit { per_minute: 60, burst: 3 });
        let start = Instant::now();
        let one = address("192.0.2.1");
        for _ in 0..3 {
            assert!(limiter.take(one, start).is_ok());
        }
        let wait = limiter.take(one, start).unwrap_err();
        assert!(wait <= Duration::from_secs(1) && wait > Duration::from_millis(900), "{wait:?}");
        // Another address has its own bucket.
        assert!(limiter.take(address("192.0.2.2"), start).is_ok());
        // One token a second comes back, never more than the burst.
        assert!(limiter.take(one, start + Duration::from_millis(1001)).is_ok());
        assert!(limiter.take(one, start + Duration::from_millis(1002)).is_err());
        let later = start + Duration::from_secs(3600);
        for _ in 0..3 {
            assert!(limiter.take(one, later).is_ok());
        }
        assert!(limiter.take(one, later).is_err());
    }

    #[test]
    fn ipv6_counts_by_the_64() {
        let limiter = Limiter::new(RateLimit { per_minute: 1, burst: 1 });
        let now = Instant::now();
        assert!(limiter.take(address("2001:db8:1:2::1"), now).is_ok());
        assert!(limiter.take(address("2001:db8:1:2:ffff::9"), now).is_err(), "same /64");
        assert!(limiter.take(address("2001:db8:1:3::1"), now).is_ok(), "another /64");
    }

    #[test]
    fn idle_buckets_are_forgotten() {
        let limiter = Limiter::new(RateLimit { per_minute: 60, burst: 1 });
        let now = Instant::now();
        for i in 0..PRUNE_AT as u32 {
            limiter.take(IpAddr::V4(i.into()), now).unwrap();
        }
        let later = now + Duration::from_secs(5);
        limiter.take(address("198.51.100.1"), later).unwrap();
        assert!(limiter.buckets.lock().unwrap().len() < 10, "the full buckets went");
    }

    #[test]
    fn public_paths() {
        assert!(is_public_path("/public"));
        assert!(is_public_path("/public/committees/1"));
        assert!(is_public_path("/api/v1/public/committees"));
        assert!(!is_public_path("/publications"));
        assert!(!is_public_path("/api/v1/actions"));
    }
}

//! Sign-in throttling rules. Every attempt is counted (atomically, in the
//! database, so every instance sees it and parallel attempts cannot slip
//! through; see `store::users::count_sign_in_attempt`) under three subjects:
//!
//! - the client address: more than [`ADDRESS_LIMIT`] failures in the window
//!   lock the address out for [`LOCKOUT`], for every username. A locked-out
//!   address is refused before anything is written, so a flood from it
//!   cannot grow the table or queue behind other sign-ins' writes.
//! - the username at that address: more than [`PAIR_LIMIT`] failures lock
//!   that username at that address only. Someone guessing from one place
//!   cannot lock the real user out from another.
//! - the username across all addresses: more than [`USER_LIMIT`] failures
//!   lock the username, but only for addresses that have themselves failed
//!   for it in the window. An address that has not failed for the username
//!   (the real user's own) still gets its password checked, so nobody who does
//!   not know the password can keep the real user out; an attacker gets one
//!   guess per fresh address after the limit, no more.
//!
//! Failed answers are also held back, longer as failures grow ([`delay`]).
//! IPv6 clients are counted by their /64, which one host or household holds.

use std::net::IpAddr;
use std::time::Duration;

use chrono::NaiveDateTime;

/// Failures counted within this window.
pub const WINDOW: chrono::Duration = chrono::Duration::minutes(15);
/// How long a subject is refused once over its limit.
pub const LOCKOUT: chrono::Duration = chrono::Duration::minutes(15);
/// Failures allowed for one username from one address within the window.
pub const PAIR_LIMIT: i32 = 5;
/// Failures allowed for one username across addresses within the window.
pub const USER_LIMIT: i32 = 5;
/// Failures allowed per client address within the window (several people may share one).
pub const ADDRESS_LIMIT: i32 = 20;

/// A subject's count as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failures {
    pub failures: i32,
    pub window_started_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
}

/// The three subjects one attempt is counted under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subjects {
    pub address: String,
    pub pair: String,
    pub user: String,
}

impl Subjects {
    /// `username` as typed (compared without case); `address` the client's.
    pub fn new(username: &str, address: Option<IpAddr>) -> Subjects {
        let address = address.map(address_key).unwrap_or_default();
        let username = username.to_lowercase();
        Subjects {
            pair: format!("pair:{address}/{username}"),
            address: format!("addr:{address}"),
            user: format!("user:{username}"),
        }
    }
}

/// How an address is counted: IPv4 as is (also when mapped into IPv6), IPv6
/// by its /64, since one subscriber is routinely given a whole /64.
pub fn address_key(ip: IpAddr) -> String {
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

/// Seconds until the lock lifts, if locked.
pub fn locked_for(f: Option<&Failures>, now: NaiveDateTime) -> Option<i64> {
    let until = f?.locked_until?;
    (until > now).then(|| (until - now).num_seconds().max(1))
}

/// An attempt once counted under all three subjects (the counts include it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    pub address: Failures,
    pub pair: Failures,
    pub user: Failures,
}

/// Whether a counted attempt may have its password checked: `Err` with the
/// seconds to wait when refused.
pub fn verdict(c: &Counted, now: NaiveDateTime) -> Result<(), i64> {
    let by_address = locked_for(Some(&c.address), now);
    let by_pair = locked_for(Some(&c.pair), now);
    // The username's own lock binds only addresses that failed for it before
    // this attempt (the pair count includes this one).
    let failed_here_before = c.pair.failures > 1 || c.pair.locked_until.is_some();
    let by_user = if failed_here_before { locked_for(Some(&c.user), now) } else { None };
    match by_address.max(by_pair).max(by_user) {
        Some(seconds) => Err(seconds),
        None => Ok(()),
    }
}

impl Counted {
    /// The count that decides how long a failed answer is held back.
    pub fn most(&self) -> i32 {
        self.address.failures.max(self.pair.failures).max(self.user.failures)
    }
}

/// How long to hold a failed answer back: nothing for the first two, then growing.
pub fn delay(failures: i32) -> Duration {
    if failures <= 2 {
        Duration::ZERO
    } else {
        Duration::from_millis((250 * (failures as u64 - 2)).min(2000))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(minutes: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_700_000_000 + minutes * 60, 0).unwrap().naive_utc()
    }

    fn f(failures: i32, locked_until: Option<NaiveDateTime>) -> Failures {
        Failures { failures, window_started_at: t(0), locked_until }
    }

    #[test]
    fn locked_until_a_time_then_free() {
        let f = f(6, Some(t(15)));
        assert_eq!(locked_for(Some(&f), t(1)), Some(14 * 60));
        assert_eq!(locked_for(Some(&f), t(15)), None);
        assert_eq!(locked_for(None, t(1)), None);
    }

    #[test]
    fn delays_grow_and_are_capped() {
        assert_eq!(delay(1), Duration::ZERO);
        assert_eq!(delay(3), Duration::from_millis(250));
        assert_eq!(delay(50), Duration::from_secs(2));
    }

    #[test]
    fn a_locked_username_binds_only_addresses_that_failed_for_it() {
        let user_locked = f(9, Some(t(15)));
        let fresh = Counted { address: f(1, None), pair: f(1, None), user: user_locked.clone() };
        assert_eq!(verdict(&fresh, t(1)), Ok(()), "the real user's own address is let through");
        let guessing = Counted { address: f(3, None), pair: f(2, None), user: user_locked };
        assert_eq!(verdict(&guessing, t(1)), Err(14 * 60));
        let pair_locked = Counted { address: f(6, None), pair: f(6, Some(t(10))), user: f(6, None) };
        assert_eq!(verdict(&pair_locked, t(1)), Err(9 * 60));
        let address_locked = Counted { address: f(21, Some(t(5))), pair: f(1, None), user: f(1, None) };
        assert_eq!(verdict(&address_locked, t(1)), Err(4 * 60));
    }

    #[test]
    fn subjects_ignore_case_and_count_ipv6_by_its_64() {
        let a = Subjects::new("Clerk", Some("2001:db8:1:2:aaaa::1".parse().unwrap()));
        let b = Subjects::new("clerk", Some("2001:db8:1:2:bbbb::9".parse().unwrap()));
        assert_eq!(a, b);
        assert_eq!(a.address, "addr:2001:db8:1:2::/64");
        assert_eq!(a.user, "user:clerk");
        let mapped = Subjects::new("x", Some("::ffff:192.0.2.7".parse().unwrap()));
        assert_eq!(mapped.address, "addr:192.0.2.7");
        assert_ne!(Subjects::new("x", Some("192.0.2.7".parse().unwrap())).pair, a.pair);
    }
}

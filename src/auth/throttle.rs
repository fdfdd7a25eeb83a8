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
//!   lock the username for addresses that have themselves failed for it in
//!   the window, and past [`USER_CEILING`] (guesses spread over many
//!   addresses) for every address where the user has not signed in before.
//!   An address where the user has signed in successfully (a *familiar* one,
//!   remembered for [`FAMILIAR_FOR`]) is never bound by the username's lock,
//!   and neither is a fresh address while the guessing stays under the
//!   ceiling: nobody who does not know the password can keep the real user
//!   out of their usual places, and an attacker spread over many addresses
//!   gets at most [`USER_CEILING`] guesses a window, as few as the limits
//!   give one address.
//!
//! Failed answers are also held back, longer as failures grow ([`delay`]).
//! IPv6 clients are counted by their /64, which one host or household holds,
//! and each /48 (one site or customer) also as a whole, with a higher limit.

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
/// Failures for one username across addresses past which even addresses
/// that have not failed for it are refused, unless familiar.
pub const USER_CEILING: i32 = 20;
/// Failures allowed per client address within the window (several people may share one).
pub const ADDRESS_LIMIT: i32 = 20;
/// Failures allowed per IPv6 /48 within the window.
pub const NETWORK_LIMIT: i32 = 80;
/// How long an address where a user signed in stays familiar for them.
pub const FAMILIAR_FOR: chrono::Duration = chrono::Duration::days(90);

/// A subject's count as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failures {
    pub failures: i32,
    pub window_started_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
}

/// The subjects one attempt is counted under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subjects {
    pub address: String,
    /// The IPv6 /48 the address is in, when it is IPv6.
    pub network: Option<String>,
    pub pair: String,
    pub user: String,
}

impl Subjects {
    /// `username` as typed (compared without case); `address` the client's.
    pub fn new(username: &str, address: Option<IpAddr>) -> Subjects {
        let address = address.map(super::network::canonical);
        let network = address.and_then(network_key).map(|n| format!("net:{n}"));
        let address = address.map(address_key).unwrap_or_default();
        let username = username.to_lowercase();
        Subjects {
            pair: format!("pair:{address}/{username}"),
            address: format!("addr:{address}"),
            network,
            user: format!("user:{username}"),
        }
    }
}

/// The IPv6 /48 a canonical address is in (`None` for IPv4).
fn network_key(ip: IpAddr) -> Option<String> {
    match ip {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            Some(format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2]))
        }
        IpAddr::V4(_) => None,
    }
}

/// How a canonical address is counted: IPv4 as is, IPv6 by its /64, since
/// one subscriber is routinely given a whole /64.
fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// Seconds until the lock lifts, if locked.
pub fn locked_for(f: Option<&Failures>, now: NaiveDateTime) -> Option<i64> {
    let until = f?.locked_until?;
    (until > now).then(|| (until - now).num_seconds().max(1))
}

/// An attempt once counted under its subjects (the counts include it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    pub address: Failures,
    pub network: Option<Failures>,
    pub pair: Failures,
    pub user: Failures,
    /// The user has signed in from this address within [`FAMILIAR_FOR`].
    pub familiar: bool,
}

/// Whether a counted attempt may have its password checked: `Err` with the
/// seconds to wait when refused.
pub fn verdict(c: &Counted, now: NaiveDateTime) -> Result<(), i64> {
    let by_address = locked_for(Some(&c.address), now).max(locked_for(c.network.as_ref(), now));
    let by_pair = locked_for(Some(&c.pair), now);
    // The username's own lock binds addresses that failed for it before this
    // attempt (the pair count includes this one), and every unfamiliar one
    // once guesses pass the ceiling; never a familiar one.
    let failed_here_before = c.pair.failures > 1 || c.pair.locked_until.is_some();
    let binds = !c.familiar && (failed_here_before || c.user.failures > USER_CEILING);
    let by_user = if binds { locked_for(Some(&c.user), now) } else { None };
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

/// How a familiar address is recorded for a user: `<address>/<username>`.
pub fn familiar_subject(subjects: &Subjects) -> &str {
    subjects.pair.trim_start_matches("pair:")
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

    fn counted(address: Failures, pair: Failures, user: Failures, familiar: bool) -> Counted {
        Counted { address, network: None, pair, user, familiar }
    }

    #[test]
    fn a_locked_username_binds_addresses_that_failed_for_it_and_past_the_ceiling_all_unfamiliar_ones() {
        let user_locked = f(9, Some(t(15)));
        let fresh = counted(f(1, None), f(1, None), user_locked.clone(), false);
        assert_eq!(verdict(&fresh, t(1)), Ok(()), "an address that has not failed is let through");
        let guessing = counted(f(3, None), f(2, None), user_locked.clone(), false);
        assert_eq!(verdict(&guessing, t(1)), Err(14 * 60));
        let familiar = counted(f(3, None), f(2, None), user_locked, true);
        assert_eq!(verdict(&familiar, t(1)), Ok(()), "the user's usual address is never bound by the username's lock");
        let spread = f(USER_CEILING + 1, Some(t(15)));
        assert_eq!(verdict(&counted(f(1, None), f(1, None), spread.clone(), false), t(1)), Err(14 * 60));
        assert_eq!(verdict(&counted(f(1, None), f(1, None), spread, true), t(1)), Ok(()));
        let pair_locked = counted(f(6, None), f(6, Some(t(10))), f(6, None), true);
        assert_eq!(verdict(&pair_locked, t(1)), Err(9 * 60));
        let address_locked = counted(f(21, Some(t(5))), f(1, None), f(1, None), true);
        assert_eq!(verdict(&address_locked, t(1)), Err(4 * 60));
        let mut network_locked = counted(f(1, None), f(1, None), f(1, None), false);
        network_locked.network = Some(f(81, Some(t(6))));
        assert_eq!(verdict(&network_locked, t(1)), Err(5 * 60));
    }

    #[test]
    fn subjects_ignore_case_and_count_ipv6_by_its_64() {
        let a = Subjects::new("Clerk", Some("2001:db8:1:2:aaaa::1".parse().unwrap()));
        let b = Subjects::new("clerk", Some("2001:db8:1:2:bbbb::9".parse().unwrap()));
        assert_eq!(a, b);
        assert_eq!(a.address, "addr:2001:db8:1:2::/64");
        assert_eq!(a.network.as_deref(), Some("net:2001:db8:1::/48"));
        assert_eq!(a.user, "user:clerk");
        let mapped = Subjects::new("x", Some("::ffff:192.0.2.7".parse().unwrap()));
        assert_eq!(mapped.address, "addr:192.0.2.7");
        assert_eq!(mapped.network, None);
        assert_ne!(Subjects::new("x", Some("192.0.2.7".parse().unwrap())).pair, a.pair);
    }
}

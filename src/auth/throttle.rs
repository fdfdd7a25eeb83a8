//! Sign-in throttling, pure: after a few failures each further attempt is
//! slowed, and past the limit the username or address is refused for a while.
//! The counts live in the database so every instance sees them.

use std::time::Duration;

use chrono::NaiveDateTime;

/// Failures counted within this window.
pub const WINDOW: chrono::Duration = chrono::Duration::minutes(15);
/// How long a username or address is refused once over its limit.
pub const LOCKOUT: chrono::Duration = chrono::Duration::minutes(15);
/// Failures allowed per username within the window.
pub const USER_LIMIT: i32 = 5;
/// Failures allowed per client address within the window (several people may share one).
pub const ADDRESS_LIMIT: i32 = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failures {
    pub failures: i32,
    pub window_started_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
}

/// Seconds until the lock lifts, if locked.
pub fn locked_for(f: Option<&Failures>, now: NaiveDateTime) -> Option<i64> {
    let until = f?.locked_until?;
    (until > now).then(|| (until - now).num_seconds().max(1))
}

/// The record after one more failure.
pub fn after_failure(f: Option<Failures>, now: NaiveDateTime, limit: i32) -> Failures {
    let mut f = match f {
        Some(f) if now - f.window_started_at < WINDOW => f,
        _ => Failures { failures: 0, window_started_at: now, locked_until: None },
    };
    f.failures += 1;
    if f.failures >= limit {
        f.locked_until = Some(now + LOCKOUT);
    }
    f
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

    #[test]
    fn locks_after_the_limit_and_lifts_later() {
        let mut f = None;
        for _ in 0..4 {
            f = Some(after_failure(f, t(0), USER_LIMIT));
            assert_eq!(locked_for(f.as_ref(), t(0)), None);
        }
        f = Some(after_failure(f, t(1), USER_LIMIT));
        assert_eq!(locked_for(f.as_ref(), t(1)), Some(15 * 60));
        assert_eq!(locked_for(f.as_ref(), t(17)), None);
    }

    #[test]
    fn old_failures_expire_with_the_window() {
        let mut f = None;
        for _ in 0..4 {
            f = Some(after_failure(f, t(0), USER_LIMIT));
        }
        let f = after_failure(f, t(20), USER_LIMIT);
        assert_eq!(f.failures, 1);
        assert_eq!(f.locked_until, None);
    }

    #[test]
    fn delays_grow_and_are_capped() {
        assert_eq!(delay(1), Duration::ZERO);
        assert_eq!(delay(3), Duration::from_millis(250));
        assert_eq!(delay(50), Duration::from_secs(2));
    }
}

//! Sign-in throttling rules: every attempt is counted (atomically, in the
//! database, so every instance sees it and parallel attempts cannot slip
//! through; see `store::users::count_attempt`); after a few, failed answers are
//! slowed, and past the limit the username or address is refused for a while.

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
    fn locked_until_a_time_then_free() {
        let f = Failures { failures: 6, window_started_at: t(0), locked_until: Some(t(15)) };
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
}

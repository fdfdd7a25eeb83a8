//! The data layer: one module per table, each function one query or one
//! transaction's worth of work on an [`AnyConnection`]. Nothing here knows
//! about HTTP beyond returning [`ApiError`]s that say what went wrong.

pub mod action_log;
pub mod actions;
pub mod agenda_items;
pub mod committees;
pub mod events;
pub mod idempotency;
pub mod meetings;
pub mod users;

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};

/// Now, in UTC, at the microsecond precision both databases keep, so a value
/// read back is the value written (the event hash chain depends on it).
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// Microseconds since the epoch: a timestamp as a cursor key.
pub fn micros(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp_micros()
}

pub fn from_micros(m: i64) -> Option<NaiveDateTime> {
    DateTime::from_timestamp_micros(m).map(|d| d.naive_utc())
}

/// Who did something, as recorded in timelines: a username, `service:<name>`
/// or `sso:<subject>` (see `auth::Caller::actor`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor(pub String);

impl Actor {
    pub fn service(name: &str) -> Actor {
        Actor(format!("service:{name}"))
    }

    pub fn sso(subject: &str) -> Actor {
        Actor(format!("sso:{subject}"))
    }
}

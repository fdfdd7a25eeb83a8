//! The data layer: one module per table, each function one query or one
//! transaction's worth of work on an [`AnyConnection`]. Nothing here knows
//! about HTTP beyond returning [`Error`]s that say what went wrong.

pub mod action_log;
pub mod actions;
pub mod agenda_items;
pub mod change_feed;
pub mod committees;
mod error;
pub mod events;
pub mod idempotency;
pub mod meetings;
pub mod panel_reports;
pub mod reminders;
pub mod search;
pub mod statutory;
pub mod statutory_events;
pub mod users;
pub mod web_sessions;
pub mod webhooks;

#[cfg(test)]
mod typed_columns;

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

pub use crate::domain::Actor;
use crate::domain::{Error, Version};

/// Changes to one record, each field `None` to leave it alone. Declared
/// with [`changes!`], so `is_empty` covers every field, a new one included.
pub trait Changes {
    fn is_empty(&self) -> bool;
}

/// Declares a changes struct (fields all `Option`) and its [`Changes`].
macro_rules! changes {
    ($(#[$meta:meta])* pub struct $name:ident { $($(#[$fmeta:meta])* pub $field:ident: $ty:ty,)* }) => {
        $(#[$meta])*
        pub struct $name { $($(#[$fmeta])* pub $field: $ty,)* }

        impl $crate::store::Changes for $name {
            fn is_empty(&self) -> bool {
                true $(&& self.$field.is_none())*
            }
        }
    };
}
pub(crate) use changes;

/// Writes `$set` to the row `$id` of `$table` if it is still at version
/// `$expected`, bumping its version and `updated_at`: the one versioned
/// update every record shares. Stale when the row moved on meanwhile.
macro_rules! write_versioned {
    ($conn:expr, $table:ident, $id:expr, $expected:expr, $now:expr, $set:expr) => {{
        let expected: i64 = $expected;
        let updated = diesel::update($table::table.find($id).filter($table::version.eq(expected)))
            .set(($set, $table::version.eq($table::version + 1), $table::updated_at.eq($now)))
            .execute($conn)?;
        $crate::store::written(updated, expected)
    }};
}
pub(crate) use write_versioned;

/// No row written means another change committed between our read and our
/// write (PostgreSQL's read committed): the caller's version is stale.
pub(crate) fn written(updated: usize, expected: i64) -> Result<(), Error> {
    match updated {
        0 => Err(Error::Stale { current: expected + 1, given: Version(expected) }),
        _ => Ok(()),
    }
}

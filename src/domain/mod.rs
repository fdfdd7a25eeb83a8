//! Pure domain rules: no I/O here, so each rule is unit-tested on its own.

pub mod action_log;
pub mod chain;
pub mod lifecycle;
pub mod reference;
pub mod role;
mod sql_text;
pub mod text;
pub mod username;

pub use lifecycle::{ActionKind, ActionStatus, MeetingStatus, Transition};
pub use role::Role;

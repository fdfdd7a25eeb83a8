//! Pure domain rules: no I/O here, so each rule is unit-tested on its own.

pub mod action_log;
pub mod actor;
pub mod chain;
pub mod change;
pub mod error;
pub mod exemption;
pub mod icalendar;
pub mod ids;
pub mod lifecycle;
pub mod reference;
pub mod reminder;
pub mod role;
pub mod search;
mod sql_text;
pub mod statutory;
pub mod text;
pub mod username;
pub mod version;
pub mod webhook;

pub use actor::Actor;
pub use error::{Error, FieldError};
pub use exemption::{ExemptParagraph, Exemption};
pub use ids::{ActionId, AgendaItemId, CommitteeId, CredentialId, MeetingId, SsoBlockId, UserId};
pub use lifecycle::{ActionKind, ActionStatus, MeetingStatus, Transition};
pub use role::Role;
pub use version::Version;

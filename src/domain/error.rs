//! Why an operation did not happen, in the panel's terms. The store and the
//! operations return this; only the front ends translate it (the JSON API to
//! a problem document in `error::ApiError`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Version;

/// One field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// The field, as named in the request (e.g. `description`, `due_meeting_id`).
    #[schema(example = "description")]
    pub field: String,
    /// What is wrong with it.
    #[schema(example = "must not be empty")]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{resource} {id} was not found")]
    NotFound { resource: &'static str, id: String },
    /// Fields naming records that do not exist.
    #[error("{} field(s) name records that do not exist", .0.len())]
    UnknownReference(Vec<FieldError>),
    /// Fields naming records that exist but cannot be used here as things
    /// stand (another committee's, an earlier or cancelled meeting).
    #[error("{} field(s) name records that cannot be used here", .0.len())]
    ConflictingReference(Vec<FieldError>),
    /// The request contradicts the state of things (a taken name, the last admin).
    #[error("{0}")]
    Conflict(String),
    #[error("transition `{transition}` is not allowed from status `{current}`")]
    IllegalTransition { transition: String, current: String, allowed: Vec<String> },
    /// The change was based on another version than the current one.
    #[error("the resource has changed: version {current} is current, the request was based on {given}")]
    Stale { current: i64, given: Version },
    #[error("{} invalid field(s)", .0.len())]
    Invalid(Vec<FieldError>),
    /// Missing, wrong, expired or revoked credentials.
    #[error("{0}")]
    Unauthenticated(String),
    /// Who the caller is may not do this.
    #[error("{0}")]
    Forbidden(String),
    #[error("too many failed sign-ins; try again in {retry_after} seconds")]
    TooManyAttempts { retry_after: i64 },
    /// Work that ran past its time limit (the server is busy).
    #[error("{detail}")]
    TimeLimit { detail: String, retry_after: u32 },
    /// The database is busy (pool exhausted, lock wait, serialization failure): retry.
    #[error("the database is busy: {0}")]
    Busy(String),
    /// Anything unexpected; the detail is for the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn not_found(resource: &'static str, id: impl ToString) -> Self {
        Error::NotFound { resource, id: id.to_string() }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Error::Invalid(vec![FieldError::new(field, message)])
    }

    /// A field naming a record that does not exist.
    pub fn unknown(field: &str, message: &str) -> Self {
        Error::UnknownReference(vec![FieldError::new(field, message)])
    }

    /// A field naming a record that cannot be used here as things stand.
    pub fn conflicting(field: &str, message: &str) -> Self {
        Error::ConflictingReference(vec![FieldError::new(field, message)])
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        Error::Internal(e.to_string())
    }
}

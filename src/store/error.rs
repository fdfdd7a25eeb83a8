//! Database failures in domain terms: what a client can act on (a unique
//! value taken, the database busy) and everything else as internal, with
//! its causes for the log.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::domain::Error;

impl From<DieselError> for Error {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => Error::NotFound { resource: "resource", id: String::new() },
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                log::info!("unique violation: {}", info.message());
                Error::Conflict("a record with the same unique value already exists".into())
            }
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, info) => {
                Error::Busy(info.message().to_string())
            }
            // A statement that waited out its lock wait: SQLite's busy_timeout
            // ("database is locked"), PostgreSQL's lock_timeout or
            // statement_timeout ("canceling statement due to ..."), or a
            // PostgreSQL deadlock victim. Each is the database being busy, and
            // a retry will do.
            DieselError::DatabaseError(_, ref info) if is_busy(info.message()) => {
                Error::Busy(info.message().to_string())
            }
            // With its causes: a column that failed to decode names the field
            // at the top and the stored value only in its source.
            other => Error::Internal(with_causes(&other)),
        }
    }
}

impl From<r2d2::Error> for Error {
    fn from(e: r2d2::Error) -> Self {
        Error::Busy(e.to_string())
    }
}

/// An error and each of its sources, joined: what the log needs to be useful.
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        message.push_str(": ");
        message.push_str(&c.to_string());
        cause = c.source();
    }
    message
}

fn is_busy(message: &str) -> bool {
    ["database is locked", "database table is locked", "canceling statement due to", "deadlock detected"]
        .iter()
        .any(|m| message.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_errors_say_what_a_client_can_act_on() {
        assert!(matches!(Error::from(DieselError::NotFound), Error::NotFound { .. }));
        assert!(matches!(Error::from(DieselError::RollbackTransaction), Error::Internal(_)));
        for busy in [
            "database is locked",
            "canceling statement due to lock timeout",
            "canceling statement due to statement timeout",
            "deadlock detected",
        ] {
            let e = DieselError::DatabaseError(DatabaseErrorKind::Unknown, Box::new(busy.to_string()));
            assert!(matches!(Error::from(e), Error::Busy(_)), "{busy}");
        }
        let e = DieselError::DatabaseError(DatabaseErrorKind::Unknown, Box::new("syntax error".to_string()));
        assert!(matches!(Error::from(e), Error::Internal(_)));
        let e = DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, Box::new("dup".to_string()));
        assert!(matches!(Error::from(e), Error::Conflict(_)));
    }
}

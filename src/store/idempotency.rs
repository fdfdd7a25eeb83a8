//! Creates that happen once per client key: the outcome a front end gave
//! its client is recorded with the create, in its transaction, and given
//! back for a retry with the same key. What the outcome holds (for the JSON
//! API, the first response) is the front end's business, not the store's.

use diesel::prelude::*;

use crate::db::{write_transaction, AnyConnection};
use crate::domain::Error;
use crate::schema::idempotency_keys;

/// A client's key for one create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestKey {
    /// Separates keys per caller and per kind of create: one caller's key
    /// never replays to another.
    pub scope: String,
    pub key: String,
    /// The request's fingerprint, so a key reused for another request is caught.
    pub fingerprint: String,
}

/// The outcome of a create as recorded for replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
    /// True when this is a replay of an earlier create.
    pub replayed: bool,
}

/// Runs a create in one write transaction, recording its outcome under the
/// client's key in the same transaction, or gives back the outcome recorded
/// for that key.
pub fn create_once(
    conn: &mut AnyConnection,
    key: Option<&RequestKey>,
    create: impl Fn(&mut AnyConnection) -> Result<Recorded, Error>,
) -> Result<Recorded, Error> {
    let Some(RequestKey { scope, key, fingerprint }) = key else {
        return write_transaction(conn, |conn| create(conn));
    };
    let (scope, key, fingerprint) = (scope.as_str(), key.as_str(), fingerprint.as_str());
    // Two attempts: if a concurrent request with the same key committed first
    // (a unique violation on our insert), the second attempt replays it.
    let mut attempt = 0;
    loop {
        attempt += 1;
        let result = write_transaction(conn, |conn| {
            if let Some(stored) = find(conn, scope, key)? {
                return replay(stored, fingerprint);
            }
            let response = create(conn)?;
            diesel::insert_into(idempotency_keys::table)
                .values((
                    idempotency_keys::scope.eq(scope),
                    idempotency_keys::idempotency_key.eq(key),
                    idempotency_keys::request_hash.eq(fingerprint),
                    idempotency_keys::status_code.eq(i32::from(response.status)),
                    idempotency_keys::location.eq(response.location.as_deref()),
                    idempotency_keys::body.eq(&response.body),
                    idempotency_keys::created_at.eq(super::now()),
                ))
                .execute(conn)
                .map_err(KeyRace::from_diesel)?;
            Ok(response)
        });
        match result {
            Err(KeyRace::Race) if attempt < 2 => continue,
            Err(KeyRace::Race) => {
                return Err(Error::Conflict("a request with this Idempotency-Key is in progress".into()))
            }
            Err(KeyRace::Refused(e)) => return Err(e),
            Ok(response) => return Ok(response),
        }
    }
}

/// (request fingerprint, status, Location, body) as stored.
type Stored = (String, i32, Option<String>, String);

fn find(conn: &mut AnyConnection, scope: &str, key: &str) -> Result<Option<Stored>, Error> {
    Ok(idempotency_keys::table
        .filter(idempotency_keys::scope.eq(scope))
        .filter(idempotency_keys::idempotency_key.eq(key))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::status_code,
            idempotency_keys::location,
            idempotency_keys::body,
        ))
        .first(conn)
        .optional()?)
}

fn replay(stored: Stored, fingerprint: &str) -> Result<Recorded, KeyRace> {
    let (request_hash, status, location, body) = stored;
    if request_hash != fingerprint {
        // The key names a request the service has already carried out; this
        // one conflicts with it (409), it is not malformed.
        return Err(KeyRace::Refused(Error::Conflict(
            "this Idempotency-Key was already used with a different request body".into(),
        )));
    }
    Ok(Recorded { status: u16::try_from(status).unwrap_or(201), location, body, replayed: true })
}

/// Tells a lost race on the key apart from every other failure.
enum KeyRace {
    Race,
    Refused(Error),
}

impl KeyRace {
    fn from_diesel(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                KeyRace::Race
            }
            other => KeyRace::Refused(other.into()),
        }
    }
}

impl From<diesel::result::Error> for KeyRace {
    fn from(e: diesel::result::Error) -> Self {
        KeyRace::Refused(e.into())
    }
}

impl From<Error> for KeyRace {
    fn from(e: Error) -> Self {
        KeyRace::Refused(e)
    }
}

//! Stored first responses of creating POSTs (see `http::idempotency`).

use diesel::prelude::*;

use crate::db::{write_transaction, AnyConnection};
use crate::error::ApiError;
use crate::http::idempotency::{IdempotencyKey, StoredResponse};
use crate::schema::idempotency_keys;

/// Runs a create in one write transaction, recording its response under the
/// client's key in the same transaction, or replays the response recorded
/// for that key. `scope` separates keys per route (and, later, per caller).
pub fn create_once(
    conn: &mut AnyConnection,
    key: &IdempotencyKey,
    scope: &str,
    fingerprint: &str,
    create: impl Fn(&mut AnyConnection) -> Result<StoredResponse, ApiError>,
) -> Result<StoredResponse, ApiError> {
    let Some(key) = key.0.as_deref() else {
        return write_transaction(conn, |conn| create(conn));
    };
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
                return Err(ApiError::Conflict("a request with this Idempotency-Key is in progress".into()))
            }
            Err(KeyRace::Api(e)) => return Err(e),
            Ok(response) => return Ok(response),
        }
    }
}

/// (request fingerprint, status, Location, body) as stored.
type Stored = (String, i32, Option<String>, String);

fn find(conn: &mut AnyConnection, scope: &str, key: &str) -> Result<Option<Stored>, ApiError> {
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

fn replay(stored: Stored, fingerprint: &str) -> Result<StoredResponse, KeyRace> {
    let (request_hash, status, location, body) = stored;
    if request_hash != fingerprint {
        // The key names a request the service has already carried out; this
        // one conflicts with it (409), it is not malformed.
        return Err(KeyRace::Api(ApiError::Conflict(
            "this Idempotency-Key was already used with a different request body".into(),
        )));
    }
    Ok(StoredResponse { status: u16::try_from(status).unwrap_or(201), location, body, replayed: true })
}

/// Tells a lost race on the key apart from every other failure.
enum KeyRace {
    Race,
    Api(ApiError),
}

impl KeyRace {
    fn from_diesel(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                KeyRace::Race
            }
            other => KeyRace::Api(other.into()),
        }
    }
}

impl From<diesel::result::Error> for KeyRace {
    fn from(e: diesel::result::Error) -> Self {
        KeyRace::Api(e.into())
    }
}

impl From<ApiError> for KeyRace {
    fn from(e: ApiError) -> Self {
        KeyRace::Api(e)
    }
}

//! `Idempotency-Key` on creating POSTs: the first response is stored in the
//! same transaction as the create, so a retry after a dropped connection gets
//! that response back instead of a second record, on any instance.

use std::future::{ready, Ready};

use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{dev::Payload, FromRequest, HttpRequest, HttpResponse};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::domain::{Actor, Error};
use crate::error::ApiError;
use crate::store::idempotency::{Recorded, RequestKey};

pub const HEADER: &str = "idempotency-key";
/// Set on a response that replays a stored one.
pub const REPLAYED: &str = "idempotent-replayed";
const MAX_KEY_LEN: usize = 200;

/// The client's key, when it sent one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(pub Option<String>);

impl IdempotencyKey {
    /// 1 to 200 printable ASCII characters (a UUID is typical).
    pub fn parse(value: &str) -> Result<Self, ApiError> {
        let ok = !value.is_empty() && value.len() <= MAX_KEY_LEN && value.bytes().all(|b| (0x21..=0x7e).contains(&b));
        if ok {
            Ok(IdempotencyKey(Some(value.to_string())))
        } else {
            Err(ApiError::BadRequest(format!(
                "Idempotency-Key must be 1 to {MAX_KEY_LEN} printable ASCII characters without spaces"
            )))
        }
    }
}

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match req.headers().get(HEADER) {
            None => Ok(IdempotencyKey(None)),
            Some(v) => v
                .to_str()
                .map_err(|_| ApiError::BadRequest("Idempotency-Key is not valid ASCII".into()))
                .and_then(IdempotencyKey::parse),
        })
    }
}

/// A fingerprint of the parsed request, so a reused key with a different body
/// is caught (whitespace and key order do not count as different).
pub fn fingerprint<T: Serialize>(request: &T) -> String {
    let canonical = serde_json::to_value(request).map(|v| v.to_string()).unwrap_or_default();
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

impl IdempotencyKey {
    /// The key as the operations take it: scoped to the caller and the
    /// route, so one caller's key never replays to another, with the
    /// request's fingerprint.
    pub fn scoped<T: Serialize>(&self, actor: &Actor, route: &str, request: &T) -> Option<RequestKey> {
        self.0.as_ref().map(|key| RequestKey {
            scope: format!("{} {route}", actor.0),
            key: key.clone(),
            fingerprint: fingerprint(request),
        })
    }
}

/// A create's first response, as recorded for replay: 201 with its Location.
pub fn created<T: Serialize>(location: String, body: &T) -> Result<Recorded, Error> {
    Ok(Recorded {
        status: 201,
        location: Some(location),
        body: serde_json::to_string(body).map_err(Error::internal)?,
        replayed: false,
    })
}

/// A fresh create's resource is at version 1, so its ETag is known. A
/// replay carries no ETag: the resource may have been edited since, and
/// an ETag of 1 would tell the client its stale copy is current.
pub fn respond(recorded: Recorded) -> HttpResponse {
    let mut response = HttpResponse::build(StatusCode::from_u16(recorded.status).unwrap_or(StatusCode::CREATED));
    response.content_type("application/json");
    if !recorded.replayed {
        response.insert_header(crate::http::etag::etag_header(1));
    }
    if let Some(location) = recorded.location.as_deref().and_then(|l| HeaderValue::from_str(l).ok()) {
        response.insert_header((header::LOCATION, location));
    }
    if recorded.replayed {
        response.insert_header((HeaderName::from_static(REPLAYED), HeaderValue::from_static("true")));
    }
    response.body(recorded.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_bounded_printable_ascii() {
        assert!(IdempotencyKey::parse("3f1c-44").is_ok());
        assert!(IdempotencyKey::parse("").is_err());
        assert!(IdempotencyKey::parse("has space").is_err());
        assert!(IdempotencyKey::parse(&"k".repeat(201)).is_err());
    }

    #[test]
    fn fingerprint_ignores_formatting_only() {
        let a: serde_json::Value = serde_json::from_str(r#"{"a":1,"b":"x"}"#).unwrap();
        let b: serde_json::Value = serde_json::from_str(r#"{ "b": "x", "a": 1 }"#).unwrap();
        let c: serde_json::Value = serde_json::from_str(r#"{"a":2,"b":"x"}"#).unwrap();
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_ne!(fingerprint(&a), fingerprint(&c));
    }
}

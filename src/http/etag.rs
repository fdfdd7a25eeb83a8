//! Optimistic concurrency: each resource's `version` is its strong ETag, and
//! changes must name the version they were based on in `If-Match`.

use std::future::{ready, Ready};

use actix_web::http::header::{self, HeaderValue};
use actix_web::{dev::Payload, FromRequest, HttpRequest};

use crate::error::ApiError;

/// The strong ETag for a version: `"3"`.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

pub fn etag_header(version: i64) -> (header::HeaderName, HeaderValue) {
    (header::ETAG, HeaderValue::from_str(&etag(version)).expect("digits and quotes are a valid header value"))
}

/// The version a change is based on, from a required `If-Match` header.
/// Missing is 428; anything but one quoted version number is a 400.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfMatch(pub i64);

impl IfMatch {
    pub fn parse(value: &str) -> Result<Self, ApiError> {
        let v = value.trim();
        let inner = v
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .ok_or_else(|| ApiError::BadRequest("If-Match must be one strong ETag, e.g. \"3\"".into()))?;
        inner
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 1)
            .map(IfMatch)
            .ok_or_else(|| ApiError::BadRequest("If-Match does not name a version this service issued".into()))
    }

    /// 412 unless the stored version is the one the client saw.
    pub fn check(self, current: i64) -> Result<(), ApiError> {
        if self.0 == current {
            Ok(())
        } else {
            Err(ApiError::PreconditionFailed { current, given: etag(self.0) })
        }
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match req.headers().get(header::IF_MATCH) {
            None => Err(ApiError::PreconditionRequired),
            Some(value) => value
                .to_str()
                .map_err(|_| ApiError::BadRequest("If-Match is not valid ASCII".into()))
                .and_then(IfMatch::parse),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_strong_etags_only() {
        assert_eq!(IfMatch::parse("\"3\"").unwrap(), IfMatch(3));
        assert_eq!(IfMatch::parse(" \"12\" ").unwrap(), IfMatch(12));
        assert!(IfMatch::parse("3").is_err());
        assert!(IfMatch::parse("W/\"3\"").is_err());
        assert!(IfMatch::parse("*").is_err());
        assert!(IfMatch::parse("\"0\"").is_err());
        assert!(IfMatch::parse("\"-1\"").is_err());
        assert!(IfMatch::parse("\"x\"").is_err());
    }

    #[test]
    fn stale_versions_fail() {
        assert!(IfMatch(2).check(2).is_ok());
        assert!(matches!(IfMatch(1).check(2), Err(ApiError::PreconditionFailed { current: 2, .. })));
        assert_eq!(etag(5), "\"5\"");
    }
}

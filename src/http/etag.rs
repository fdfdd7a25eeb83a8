//! Optimistic concurrency: each resource's `version` is its strong ETag, and
//! changes must name the version they were based on in `If-Match`.

use std::future::{ready, Ready};

use actix_web::http::header::{self, HeaderValue};
use actix_web::{dev::Payload, FromRequest, HttpRequest};

use crate::domain::Version;
use crate::error::ApiError;

/// The strong ETag for a version: `"3"`.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

pub fn etag_header(version: i64) -> (header::HeaderName, HeaderValue) {
    (header::ETAG, HeaderValue::from_str(&etag(version)).expect("digits and quotes are a valid header value"))
}

/// The version a change is based on, from a required `If-Match` header.
/// Missing is 428, as is `*` (it names no version, so it cannot protect an
/// edit from overwriting another). A well-formed entity-tag that is not one
/// of this service's versions (`"stale-0"`, a weak `W/"3"`, another
/// deployment's tag) is a precondition that fails: 412, as RFC 9110 says.
/// Only a malformed header is a 400.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfMatch(pub Version);

impl IfMatch {
    pub fn parse(value: &str) -> Result<Self, ApiError> {
        let v = value.trim();
        if v == "*" {
            return Err(ApiError::PreconditionRequired);
        }
        let mut versions = Vec::new();
        for tag in v.split(',').map(str::trim) {
            let (weak, opaque) = match tag.strip_prefix("W/") {
                Some(rest) => (true, rest),
                None => (false, tag),
            };
            let inner = opaque
                .strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'))
                .filter(|s| s.bytes().all(|b| b == 0x21 || (0x23..=0x7e).contains(&b) || b >= 0x80))
                .ok_or_else(|| {
                    ApiError::BadRequest("If-Match must be an entity-tag in double quotes, e.g. \"3\"".into())
                })?;
            // Strong comparison (RFC 9110 13.1.1): a weak tag never matches.
            if let Some(n) = inner.parse::<i64>().ok().filter(|n| *n >= 1 && !weak && inner == n.to_string()) {
                versions.push(n);
            }
        }
        match versions[..] {
            [] => Ok(IfMatch(Version::FOREIGN)),
            [one] => Ok(IfMatch(Version(one))),
            _ => Err(ApiError::BadRequest(
                "If-Match names more than one version; send the one the change is based on".into(),
            )),
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
    fn strong_versions_parse_other_tags_never_match_and_only_malformed_is_400() {
        assert_eq!(IfMatch::parse("\"3\"").unwrap(), IfMatch(Version(3)));
        assert_eq!(IfMatch::parse(" \"12\" ").unwrap(), IfMatch(Version(12)));
        // Well-formed, but not a version of ours: matches nothing (412 on check).
        for foreign in ["W/\"3\"", "\"0\"", "\"-1\"", "\"x\"", "\"stale-0\"", "\"03\"", "\"\"", "W/\"1\", \"abc\""] {
            assert_eq!(IfMatch::parse(foreign).unwrap(), IfMatch(Version::FOREIGN), "{foreign}");
        }
        assert_eq!(IfMatch::parse("\"abc\", \"4\"").unwrap(), IfMatch(Version(4)));
        for malformed in ["3", "\"3", "W/3", "\"a b\"", "\"3\";"] {
            assert!(matches!(IfMatch::parse(malformed), Err(ApiError::BadRequest(_))), "{malformed}");
        }
        assert!(matches!(IfMatch::parse("\"3\", \"4\""), Err(ApiError::BadRequest(_))));
        assert!(matches!(IfMatch::parse("*"), Err(ApiError::PreconditionRequired)));
    }

    #[test]
    fn etags_quote_the_version() {
        assert_eq!(etag(5), "\"5\"");
    }
}

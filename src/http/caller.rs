//! Bearer authentication for the JSON API: the middleware that checks every
//! request's credentials before anything else, and the `Caller<R>` extractor
//! that every guarded handler names in its signature, so an unguarded
//! handler is visible at a glance. The policy check is `Caller::authorise`.

use std::future::{ready, Ready};

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

use crate::auth::policy::{Requirement, Role};
use crate::auth::{Caller, Identity};
use crate::error::ApiError;
use crate::ops::{sign_in, AppState};

const NEEDS_TOKEN: &str = "this endpoint needs a bearer token from POST /api/v1/auth/token";

fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| ApiError::Unauthorized(NEEDS_TOKEN.into()))?;
    let value = value.to_str().map_err(|_| ApiError::Unauthorized("the Authorization header is not ASCII".into()))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(token.trim().to_string())
        }
        _ => Err(ApiError::Unauthorized("the Authorization header must be `Bearer <token>`".into())),
    }
}

/// Who a request was authenticated as, put in the request by [`authenticate_requests`].
#[derive(Debug, Clone)]
struct Authenticated {
    identity: Identity,
    role: Role,
}

/// The API routes anyone may call without a token: sign-in and the public
/// read-only API (a path with a dot segment is never taken as public).
fn is_public(path: &str) -> bool {
    let dotted = path.split('/').any(|s| s == "." || s == "..");
    !path.starts_with("/api/v1/")
        || path == "/api/v1/auth/token"
        || (path.starts_with("/api/v1/public/") && !dotted)
        || is_calendar_feed(path)
}

/// A committee's iCalendar feed, `/api/v1/committees/<digits>/calendar.ics`:
/// calendar programs cannot send a bearer token, so the handler checks the
/// secret in its address instead (`ops::calendar::feed`).
pub(crate) fn is_calendar_feed(path: &str) -> bool {
    let segments: Vec<&str> = path.split('/').collect();
    matches!(segments.as_slice(), ["", "api", "v1", "committees", id, "calendar.ics"]
        if !id.is_empty() && id.len() <= 19 && id.bytes().all(|b| b.is_ascii_digit()))
}

/// Middleware: every request under `/api/v1` except sign-in must carry valid
/// credentials, checked before anything else about the request, so a caller
/// without them learns nothing (401 whatever the path, body or query).
pub async fn authenticate_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // The path as the router matches it (percent-decoded), not the raw URI:
    // `/%61pi/v1/...` must not pass for a public path.
    if !is_public(req.match_info().as_str()) {
        let state = req
            .app_data::<web::Data<AppState>>()
            .cloned()
            .ok_or_else(|| ApiError::internal("application state missing"))?;
        let (identity, role) = sign_in::authenticate(&state, bearer(req.request())?).await.map_err(ApiError::from)?;
        req.extensions_mut().insert(Authenticated { identity, role });
    }
    next.call(req).await
}

impl<R: Requirement> FromRequest for Caller<R> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    /// The role check; authentication already happened in the middleware.
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = req.extensions().get::<Authenticated>().cloned();
        ready(match found {
            None => Err(ApiError::Unauthorized(NEEDS_TOKEN.into())),
            Some(a) => Caller::authorise(a.identity, a.role).map_err(ApiError::from),
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_sign_in_and_non_api_paths_are_public() {
        assert!(super::is_public("/healthz"));
        assert!(super::is_public("/docs/"));
        assert!(super::is_public("/api-docs/openapi.json"));
        assert!(super::is_public("/api/v1/auth/token"));
        assert!(!super::is_public("/api/v1/actions"));
        assert!(!super::is_public("/api/v1/auth/token/../../users"));
        assert!(super::is_public("/api/v1/public/committees"));
        assert!(!super::is_public("/api/v1/public/../users"));
        assert!(!super::is_public("/api/v1/publicity"));
        assert!(!super::is_public("/api/v1/no-such-thing"));
        assert!(super::is_public("/api/v1/committees/12/calendar.ics"));
        assert!(!super::is_public("/api/v1/committees/12/calendar.ics/x"));
        assert!(!super::is_public("/api/v1/committees/../users/calendar.ics"));
        assert!(!super::is_public("/api/v1/committees/12"));
    }
}

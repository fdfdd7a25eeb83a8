//! The one error type every handler returns, and its mapping to HTTP.
//!
//! Every error leaves as `application/problem+json` (RFC 9457). What a client
//! did wrong is explained to it; what went wrong inside is logged with its
//! detail and answered with a generic 500, so internals never leak.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::Error;

pub const PROBLEM_JSON: &str = "application/problem+json";

use crate::domain::FieldError;

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[schema(example = "https://panel-tracker.example/problems/validation")]
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short summary of the kind of problem.
    #[schema(example = "Validation failed")]
    pub title: String,
    /// The HTTP status code.
    #[schema(example = 422)]
    pub status: u16,
    /// What went wrong with this request.
    #[schema(example = "The request has 1 invalid field.")]
    pub detail: String,
    /// For validation problems: each field that failed and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// For an illegal lifecycle transition: the transitions allowed from the current status.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = json!(["start", "submit_response", "withdraw"]))]
    pub allowed_transitions: Option<Vec<String>>,
    /// For an illegal transition: the action's current status.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "open")]
    pub current_status: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("too many failed sign-ins; try again in {retry_after} seconds")]
    TooManyRequests { retry_after: i64 },
    /// An anonymous client over its rate (`http::rate_limit`).
    #[error("too many requests from this address; try again in {retry_after} seconds")]
    RateLimited { retry_after: i64 },
    #[error("{resource} {id} was not found")]
    NotFound { resource: &'static str, id: String },
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    Conflict(String),
    #[error("transition `{transition}` is not allowed from status `{current}`")]
    IllegalTransition { transition: String, current: String, allowed: Vec<String> },
    #[error("the resource has changed: version {current} is current, the request was based on {given}")]
    PreconditionFailed { current: i64, given: String },
    #[error("this request must carry an If-Match header with the ETag from the last GET")]
    PreconditionRequired,
    #[error("{} invalid field(s)", .0.len())]
    Validation(Vec<FieldError>),
    /// A well-formed request naming, in its body, a record that does not exist.
    #[error("{} field(s) name records that do not exist", .0.len())]
    UnknownReference(Vec<FieldError>),
    /// A well-formed request naming a record that exists but cannot be used
    /// here as things stand (another committee's, an earlier or cancelled meeting).
    #[error("{} field(s) name records that cannot be used here", .0.len())]
    ConflictingReference(Vec<FieldError>),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    RequestTimeout(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the database is busy: {0}")]
    Unavailable(String),
    /// Work that ran past its time limit (the server is busy): 503 with `Retry-After`.
    #[error("{detail}")]
    TimeLimit { detail: String, retry_after: u32 },
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn not_found(resource: &'static str, id: impl ToString) -> Self {
        ApiError::NotFound { resource, id: id.to_string() }
    }

    pub fn validation(field: &str, message: &str) -> Self {
        ApiError::Validation(vec![FieldError::new(field, message)])
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        ApiError::Internal(e.to_string())
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::BadRequest(_) => ("bad-request", "Bad request"),
            ApiError::Unauthorized(_) => ("unauthorized", "Unauthorized"),
            ApiError::Forbidden(_) => ("forbidden", "Forbidden"),
            ApiError::TooManyRequests { .. } | ApiError::RateLimited { .. } => {
                ("too-many-requests", "Too many requests")
            }
            ApiError::NotFound { .. } => ("not-found", "Not found"),
            ApiError::MethodNotAllowed(_) => ("method-not-allowed", "Method not allowed"),
            ApiError::Conflict(_) => ("conflict", "Conflict"),
            ApiError::IllegalTransition { .. } => ("illegal-transition", "Transition not allowed"),
            ApiError::PreconditionFailed { .. } => ("stale-version", "Precondition failed"),
            ApiError::PreconditionRequired => ("if-match-required", "Precondition required"),
            ApiError::Validation(_) => ("validation", "Validation failed"),
            ApiError::UnknownReference(_) => ("unknown-reference", "Referenced record not found"),
            ApiError::ConflictingReference(_) => ("conflicting-reference", "Referenced record cannot be used"),
            ApiError::PayloadTooLarge(_) => ("payload-too-large", "Payload too large"),
            ApiError::RequestTimeout(_) => ("request-timeout", "Request timeout"),
            ApiError::UnsupportedMediaType(_) => ("unsupported-media-type", "Unsupported media type"),
            ApiError::Unavailable(_) => ("unavailable", "Service unavailable"),
            ApiError::TimeLimit { .. } => ("time-limit", "Time limit exceeded"),
            ApiError::Internal(_) => ("internal", "Internal server error"),
        }
    }

    pub fn problem(&self) -> Problem {
        let (slug, title) = self.slug_and_title();
        let detail = match self {
            // Never echo internals to the client.
            ApiError::Internal(_) => "An unexpected error occurred; it has been logged.".to_string(),
            ApiError::Unavailable(_) => "The database is busy; retry shortly.".to_string(),
            ApiError::Validation(errors) => match errors.len() {
                1 => format!("The request has 1 invalid field: {}.", errors[0].field),
                n => format!("The request has {n} invalid fields."),
            },
            ApiError::UnknownReference(errors) | ApiError::ConflictingReference(errors) => {
                errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
            }
            other => other.to_string(),
        };
        let (errors, allowed_transitions, current_status) = match self {
            ApiError::Validation(errors)
            | ApiError::UnknownReference(errors)
            | ApiError::ConflictingReference(errors) => (Some(errors.clone()), None, None),
            ApiError::IllegalTransition { allowed, current, .. } => {
                (None, Some(allowed.clone()), Some(current.clone()))
            }
            _ => (None, None, None),
        };
        Problem {
            problem_type: format!("https://panel-tracker.example/problems/{slug}"),
            title: title.to_string(),
            status: self.status_code().as_u16(),
            detail,
            errors,
            allowed_transitions,
            current_status,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::TooManyRequests { .. } | ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::NotFound { .. } | ApiError::UnknownReference(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) | ApiError::IllegalTransition { .. } | ApiError::ConflictingReference(_) => {
                StatusCode::CONFLICT
            }
            ApiError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unavailable(_) | ApiError::TimeLimit { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Internal(detail) => log::error!("internal error: {detail}"),
            ApiError::Unavailable(detail) => log::warn!("database unavailable: {detail}"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        match self {
            ApiError::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("1")));
            }
            ApiError::TooManyRequests { retry_after } | ApiError::RateLimited { retry_after } => {
                response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            ApiError::TimeLimit { retry_after, .. } => {
                response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            ApiError::Unauthorized(_) => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"panel-tracker\", error=\"invalid_token\""),
                ));
            }
            _ => {}
        }
        response.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

impl From<Error> for ApiError {
    /// The one translation of the domain's refusals into HTTP.
    fn from(e: Error) -> Self {
        match e {
            Error::NotFound { resource, id } => ApiError::NotFound { resource, id },
            Error::UnknownReference(fields) => ApiError::UnknownReference(fields),
            Error::ConflictingReference(fields) => ApiError::ConflictingReference(fields),
            Error::Conflict(detail) => ApiError::Conflict(detail),
            Error::IllegalTransition { transition, current, allowed } => {
                ApiError::IllegalTransition { transition, current, allowed }
            }
            Error::Stale { current, given } => ApiError::PreconditionFailed { current, given: given.to_string() },
            Error::Invalid(fields) => ApiError::Validation(fields),
            Error::Unauthenticated(detail) => ApiError::Unauthorized(detail),
            Error::Forbidden(detail) => ApiError::Forbidden(detail),
            Error::TooManyAttempts { retry_after } => ApiError::TooManyRequests { retry_after },
            Error::TimeLimit { detail, retry_after } => ApiError::TimeLimit { detail, retry_after },
            Error::Busy(detail) => ApiError::Unavailable(detail),
            Error::Internal(detail) => ApiError::Internal(detail),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    fn body_of(e: &ApiError) -> serde_json::Value {
        let bytes = e.error_response().into_body().try_into_bytes().unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn statuses() {
        let cases: Vec<(ApiError, u16)> = vec![
            (ApiError::BadRequest("x".into()), 400),
            (ApiError::Unauthorized("x".into()), 401),
            (ApiError::Forbidden("x".into()), 403),
            (ApiError::TooManyRequests { retry_after: 60 }, 429),
            (ApiError::RateLimited { retry_after: 1 }, 429),
            (ApiError::not_found("action", 7), 404),
            (ApiError::Conflict("x".into()), 409),
            (ApiError::MethodNotAllowed("x".into()), 405),
            (ApiError::IllegalTransition { transition: "accept".into(), current: "open".into(), allowed: vec![] }, 409),
            (ApiError::PreconditionFailed { current: 2, given: "\"1\"".into() }, 412),
            (ApiError::PreconditionRequired, 428),
            (ApiError::validation("description", "must not be empty"), 422),
            (ApiError::UnknownReference(vec![FieldError::new("due_meeting_id", "no meeting has this id")]), 404),
            (ApiError::ConflictingReference(vec![FieldError::new("agenda_item_id", "another meeting's")]), 409),
            (ApiError::PayloadTooLarge("x".into()), 413),
            (ApiError::RequestTimeout("x".into()), 408),
            (ApiError::UnsupportedMediaType("x".into()), 415),
            (ApiError::Unavailable("pool".into()), 503),
            (ApiError::TimeLimit { detail: "took too long".into(), retry_after: 5 }, 503),
            (ApiError::Internal("boom".into()), 500),
        ];
        for (error, status) in cases {
            let response = error.error_response();
            assert_eq!(response.status().as_u16(), status, "{error:?}");
            assert_eq!(response.headers().get(header::CONTENT_TYPE).unwrap(), PROBLEM_JSON);
            assert_eq!(body_of(&error)["status"], status);
        }
    }

    #[test]
    fn domain_errors_map_to_the_right_status() {
        use crate::domain::Version;
        let cases: Vec<(Error, u16)> = vec![
            (Error::not_found("action", 7), 404),
            (Error::unknown("due_meeting_id", "no meeting has this id"), 404),
            (Error::conflicting("agenda_item_id", "another meeting's"), 409),
            (Error::Conflict("taken".into()), 409),
            (Error::IllegalTransition { transition: "accept".into(), current: "open".into(), allowed: vec![] }, 409),
            (Error::Stale { current: 2, given: Version(1) }, 412),
            (Error::Stale { current: 2, given: Version::FOREIGN }, 412),
            (Error::invalid("description", "must not be empty"), 422),
            (Error::Unauthenticated("x".into()), 401),
            (Error::Forbidden("x".into()), 403),
            (Error::TooManyAttempts { retry_after: 60 }, 429),
            (Error::TimeLimit { detail: "slow".into(), retry_after: 5 }, 503),
            (Error::Busy("pool timed out".into()), 503),
            (Error::Internal("boom".into()), 500),
        ];
        for (error, status) in cases {
            let api = ApiError::from(error);
            assert_eq!(api.status_code().as_u16(), status, "{api:?}");
        }
        // Database failures reach the edge through the domain.
        let busy = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::Unknown,
            Box::new("database is locked".to_string()),
        );
        assert_eq!(ApiError::from(Error::from(busy)).status_code(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(ApiError::from(Error::from(diesel::result::Error::NotFound)).status_code(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn pool_exhaustion_is_503_with_retry_after() {
        let e = ApiError::Unavailable("timed out waiting for connection".into());
        let response = e.error_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "1");
        assert!(!body_of(&e)["detail"].as_str().unwrap().contains("timed out"));
    }

    #[test]
    fn unauthorized_names_the_scheme_and_throttling_says_when() {
        let response = ApiError::Unauthorized("x".into()).error_response();
        assert!(response.headers().get(header::WWW_AUTHENTICATE).unwrap().to_str().unwrap().starts_with("Bearer "));
        let response = ApiError::TooManyRequests { retry_after: 90 }.error_response();
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "90");
    }

    #[test]
    fn internal_detail_is_not_sent() {
        let body = body_of(&ApiError::Internal("password=hunter2 at db.rs:12".into()));
        assert!(!body.to_string().contains("hunter2"));
        assert_eq!(body["title"], "Internal server error");
        // A value the database holds that no enum knows arrives as internal.
        let problem =
            ApiError::from(Error::Internal("ActionStatus column holds an unknown value: closed".into())).problem();
        assert_eq!(problem.status, 500);
        assert_eq!(problem.detail, "An unexpected error occurred; it has been logged.");
    }

    #[test]
    fn validation_lists_fields_and_transitions_name_what_is_allowed() {
        let body = body_of(&ApiError::Validation(vec![
            FieldError::new("description", "must not be empty"),
            FieldError::new("kind", "unknown kind"),
        ]));
        assert_eq!(body["errors"][1]["field"], "kind");
        let body = body_of(&ApiError::IllegalTransition {
            transition: "accept".into(),
            current: "open".into(),
            allowed: vec!["start".into(), "withdraw".into()],
        });
        assert_eq!(body["allowed_transitions"], serde_json::json!(["start", "withdraw"]));
        assert_eq!(body["current_status"], "open");
    }
}

//! Request bodies and the errors actix raises itself, all as problem+json.
//!
//! [`Json`] replaces actix's extractor so that a body that does not fit its
//! type is answered with the path of the offending field, unknown fields are
//! refused (every request type has `deny_unknown_fields`), and the size limit
//! is enforced while reading.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{dev::Payload, error, FromRequest, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};

/// The largest request body accepted, in bytes (documented in the README).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// A JSON request body of type `T`.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// How long a client may take to send its body: a slow sender is cut off
/// instead of holding a worker (the request head has its own timeout).
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Reads the whole body within [`BODY_TIMEOUT`], refusing it past [`MAX_BODY_BYTES`].
async fn read_body(req: &HttpRequest, payload: &mut Payload) -> Result<Vec<u8>, ApiError> {
    read_body_limited(req, payload, MAX_BODY_BYTES).await
}

async fn read_body_limited(req: &HttpRequest, payload: &mut Payload, limit: usize) -> Result<Vec<u8>, ApiError> {
    actix_web::rt::time::timeout(BODY_TIMEOUT, read_body_untimed(req, payload, limit)).await.map_err(|_| {
        ApiError::RequestTimeout(format!("the request body did not arrive within {} seconds", BODY_TIMEOUT.as_secs()))
    })?
}

async fn read_body_untimed(req: &HttpRequest, payload: &mut Payload, limit: usize) -> Result<Vec<u8>, ApiError> {
    let too_large = || ApiError::PayloadTooLarge(format!("the request body must be at most {limit} bytes"));
    if let Some(length) = req.headers().get(header::CONTENT_LENGTH) {
        if length.to_str().ok().and_then(|v| v.parse::<usize>().ok()).is_some_and(|n| n > limit) {
            return Err(too_large());
        }
    }
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("the request body could not be read: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The request's media type without parameters, lower-cased ("" when absent).
fn media_type(req: &HttpRequest) -> String {
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

fn require_json_content_type(req: &HttpRequest) -> Result<(), ApiError> {
    let essence = media_type(req);
    if essence == "application/json" || essence.ends_with("+json") {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType("the request body must be JSON (Content-Type: application/json)".into()))
    }
}

/// Deserialises a body, naming the field at fault when the JSON is well formed but wrong.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let result: Result<T, _> = serde_path_to_error::deserialize(&mut *de);
    // Trailing bytes after the document are as malformed as a truncated one.
    if result.is_ok() {
        de.end().map_err(|e| ApiError::BadRequest(format!("the request body is not valid JSON: {e}")))?;
    }
    result.map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let field = if path.is_empty() || path == "." { "body".to_string() } else { path };
                let message = inner.to_string();
                // Drop serde's "at line 1 column 7": the field name says where.
                let message = message.split(" at line ").next().unwrap_or(&message).to_string();
                ApiError::Validation(vec![FieldError::new(field, message)])
            }
            _ => ApiError::BadRequest(format!("the request body is not valid JSON: {inner}")),
        }
    })
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            require_json_content_type(&req)?;
            let bytes = read_body(&req, &mut payload).await?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Err(ApiError::BadRequest("the request body is empty; a JSON object is required".into()));
            }
            parse(&bytes).map(Json)
        })
    }
}

/// A JSON body that may be left out entirely (an empty body means `T::default()`).
#[derive(Debug)]
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let bytes = read_body(&req, &mut payload).await?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(OptionalJson(T::default()));
            }
            require_json_content_type(&req)?;
            parse(&bytes).map(OptionalJson)
        })
    }
}

/// Minutes pasted for extraction: `text/plain` (or `text/html`), or JSON
/// `{"text": "..."}`; HTML pages have their tags stripped. Up to
/// `extract::MAX_TEXT_BYTES`; empty text and invalid UTF-8 are refused.
#[derive(Debug)]
pub struct MinutesText(pub String);

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MinutesJson {
    text: String,
}

impl FromRequest for MinutesText {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let essence = media_type(&req);
            let bytes = read_body_limited(&req, &mut payload, crate::extract::MAX_TEXT_BYTES).await?;
            let text = match essence.as_str() {
                "application/json" => parse::<MinutesJson>(&bytes)?.text,
                "text/plain" | "text/html" | "" => String::from_utf8(bytes).map_err(|e| {
                    ApiError::BadRequest(format!(
                        "the minutes are not valid UTF-8 (first bad byte at {})",
                        e.utf8_error().valid_up_to()
                    ))
                })?,
                other => {
                    return Err(ApiError::UnsupportedMediaType(format!(
                        "minutes are sent as text/plain, text/html or JSON {{\"text\": ...}}, not {other}"
                    )))
                }
            };
            if text.trim().is_empty() {
                return Err(ApiError::validation("text", "the minutes are empty"));
            }
            let html = essence == "text/html" || crate::extract::segment::looks_like_html(&text);
            Ok(MinutesText(if html { crate::extract::strip_html(&text) } else { text }))
        })
    }
}

/// Query strings that do not parse (`limit=abc`, an unknown status) are 400s.
pub fn query_error(err: error::QueryPayloadError, _req: &HttpRequest) -> error::Error {
    let message = err.to_string();
    let message = message.trim_start_matches("Query deserialize error: ").to_string();
    ApiError::BadRequest(format!("invalid query parameter: {message}")).into()
}

/// Path segments that are not what the route expects (`/actions/abc`) are 404s:
/// no resource has that name.
pub fn path_error(_err: error::PathError, req: &HttpRequest) -> error::Error {
    ApiError::NotFound { resource: "resource", id: req.path().to_string() }.into()
}

/// Unknown routes get problem+json too.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound { resource: "path", id: req.path().to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        name: String,
        count: Option<i32>,
    }

    #[test]
    fn names_the_field_at_fault() {
        match parse::<Sample>(br#"{"name": "x", "count": "many"}"#) {
            Err(ApiError::Validation(errors)) => assert_eq!(errors[0].field, "count"),
            other => panic!("{other:?}"),
        }
        match parse::<Sample>(br#"{"name": "x", "colour": 1}"#) {
            Err(ApiError::Validation(errors)) => {
                assert!(errors[0].message.contains("unknown field"), "{errors:?}")
            }
            other => panic!("{other:?}"),
        }
        match parse::<Sample>(br#"{"count": 1}"#) {
            Err(ApiError::Validation(errors)) => {
                assert!(errors[0].message.contains("missing field `name`"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        assert!(matches!(parse::<Sample>(br#"{"name": "x""#), Err(ApiError::BadRequest(_))));
        assert!(matches!(parse::<Sample>(br#"{"name": "x"} trailing"#), Err(ApiError::BadRequest(_))));
        assert!(matches!(parse::<Sample>(b"\xff\xfe"), Err(ApiError::BadRequest(_))));
        assert!(parse::<Sample>(br#"{"name": "x"}"#).is_ok());
    }
}

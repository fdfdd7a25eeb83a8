//! Request bodies and the errors actix raises itself, all as problem+json.
//!
//! [`Json`] replaces actix's extractor so that a body that does not fit its
//! type is answered with the path of the offending field, unknown fields are
//! refused (every request type has `deny_unknown_fields`), and the size limit
//! is enforced while reading.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{dev::Payload, error, FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::domain::FieldError;
use crate::error::ApiError;

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

/// How long a client may take to send its body (`REQUEST_TIMEOUT_SECONDS`):
/// a slow sender is cut off instead of holding a worker (the request head
/// has the same limit, enforced by the server).
#[derive(Debug, Clone, Copy)]
pub struct BodyTimeout(pub std::time::Duration);

impl BodyTimeout {
    fn of(req: &HttpRequest) -> std::time::Duration {
        req.app_data::<BodyTimeout>().map(|t| t.0).unwrap_or(crate::config::Limits::default().request_timeout)
    }
}

/// Reads the whole body within the [`BodyTimeout`], refusing it past [`MAX_BODY_BYTES`].
async fn read_body(req: &HttpRequest, payload: &mut Payload) -> Result<Vec<u8>, ApiError> {
    read_body_limited(req, payload, MAX_BODY_BYTES).await
}

pub(crate) async fn read_body_limited(
    req: &HttpRequest,
    payload: &mut Payload,
    limit: usize,
) -> Result<Vec<u8>, ApiError> {
    let timeout = BodyTimeout::of(req);
    actix_web::rt::time::timeout(timeout, read_body_untimed(req, payload, limit)).await.map_err(|_| {
        ApiError::RequestTimeout(format!("the request body did not arrive within {} seconds", timeout.as_secs_f32()))
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

/// The deepest nesting of arrays and objects a request body may have. Every
/// request of this API is an object of plain fields (nesting 1 or 2), so
/// anything deeper is a mistake or an attack on the parser's stack.
pub const MAX_JSON_DEPTH: usize = 32;

/// Whether the JSON text nests arrays and objects deeper than `max`. A
/// single pass over the bytes that skips strings, so it is cheap and cannot
/// itself recurse.
pub fn nests_deeper_than(bytes: &[u8], max: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// Deserialises a body, naming the field at fault when the JSON is well formed but wrong.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if nests_deeper_than(bytes, MAX_JSON_DEPTH) {
        return Err(ApiError::BadRequest(format!(
            "the request body nests arrays or objects more than {MAX_JSON_DEPTH} deep"
        )));
    }
    // Malformed, truncated or trailing bytes: not JSON at all.
    let mut value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest(format!("the request body is not valid JSON: {e}")))?;
    // Every request body of this API is one object; a struct would otherwise
    // also take an array of its fields in order.
    if !value.is_object() {
        return Err(ApiError::validation("body", "must be a JSON object"));
    }
    integral_numbers_as_integers(&mut value);
    let mut errors = Vec::new();
    ids_from_one(&value, "", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path.is_empty() || path == "." { "body".to_string() } else { path };
        let message = e.into_inner().to_string();
        ApiError::Validation(vec![FieldError::new(field, message)])
    })
}

/// Every record id starts at 1, so a `*_id` field below that names nothing;
/// refusing it here (as the document's `minimum: 1` says) answers 422
/// before anything else about the request is looked at.
fn ids_from_one(value: &serde_json::Value, path: &str, errors: &mut Vec<FieldError>) {
    use serde_json::Value;
    match value {
        Value::Object(fields) => {
            for (name, field) in fields {
                let here = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
                match field {
                    Value::Number(n) if name.ends_with("_id") && n.as_i64().is_some_and(|id| id < 1) => {
                        errors.push(FieldError::new(here, "must be a record id (1 or more)"));
                    }
                    other => ids_from_one(other, &here, errors),
                }
            }
        }
        Value::Array(items) => {
            for (n, item) in items.iter().enumerate() {
                ids_from_one(item, &format!("{path}[{n}]"), errors);
            }
        }
        _ => {}
    }
}

/// JSON has one number type: `3.0` is the integer 3 (as JSON Schema says),
/// so a whole number written with a fraction or exponent is read as the
/// integer it is. Other numbers are left for the field's type to judge.
fn integral_numbers_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64() {
                // Exactly representable in both f64 and i64.
                if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 {
                    *value = Value::from(f as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(integral_numbers_as_integers),
        _ => {}
    }
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

/// A JSON body that may be left out entirely (an empty body, or `null`, means `T::default()`).
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
            // Left out means no bytes at all; white space alone is malformed JSON.
            if bytes.is_empty() {
                return Ok(OptionalJson(T::default()));
            }
            require_json_content_type(&req)?;
            // The document allows `null` for a body that may be left out.
            if bytes.trim_ascii() == b"null" {
                return Ok(OptionalJson(T::default()));
            }
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

/// Refuses a query string whose percent-escapes are not UTF-8 (`owner=%FF`):
/// decoding would otherwise replace them silently and filter on something
/// the client never sent.
pub async fn query_must_be_utf8(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    if !percent_decodes_to_utf8(req.query_string()) {
        let error = ApiError::BadRequest("the query string has percent-escapes that are not UTF-8".into());
        return Ok(req.error_response(error));
    }
    next.call(req).await.map(|res| res.map_into_boxed_body())
}

/// Whether every `%XX` escape (and `+`) of a query string decodes to UTF-8.
pub fn percent_decodes_to_utf8(query: &str) -> bool {
    let bytes = query.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(hi), Some(lo)) => {
                decoded.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    std::str::from_utf8(&decoded).is_ok()
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

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Linked {
        meeting_id: Option<i64>,
        items: Vec<Linked>,
    }

    #[test]
    fn ids_start_at_one() {
        assert!(parse::<Linked>(br#"{"meeting_id": 1, "items": []}"#).is_ok());
        match parse::<Linked>(br#"{"meeting_id": 0, "items": [{"meeting_id": -3, "items": []}]}"#) {
            Err(ApiError::Validation(errors)) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(fields, vec!["items[0].meeting_id", "meeting_id"]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn whole_numbers_are_integers_however_written() {
        // Parsed exactly (serde_json's float_roundtrip): not one unit off in the last place.
        assert_eq!(
            parse::<Linked>(br#"{"meeting_id": 2000963994429937.0, "items": []}"#).unwrap().meeting_id,
            Some(2000963994429937)
        );
        assert_eq!(parse::<Sample>(br#"{"name": "x", "count": 3.0}"#).unwrap().count, Some(3));
        assert_eq!(parse::<Sample>(br#"{"name": "x", "count": 1e1}"#).unwrap().count, Some(10));
        assert!(matches!(parse::<Sample>(br#"{"name": "x", "count": 3.5}"#), Err(ApiError::Validation(_))));
        assert!(matches!(parse::<Sample>(br#"{"name": "x", "count": 1e20}"#), Err(ApiError::Validation(_))));
        assert!(matches!(parse::<Sample>(br#"{"name": 3.0}"#), Err(ApiError::Validation(_))));
    }

    #[test]
    fn query_escapes_must_be_utf8() {
        assert!(percent_decodes_to_utf8("owner=O%27Brien&status=open"));
        assert!(percent_decodes_to_utf8("owner=%C3%BC%F0%9F%98%8D"));
        assert!(percent_decodes_to_utf8("a=100%"), "a lone % is left as it is");
        assert!(!percent_decodes_to_utf8("owner=%FF%FE"));
        assert!(!percent_decodes_to_utf8("owner=%C3"));
    }

    #[test]
    fn nesting_is_measured_outside_strings() {
        assert!(!nests_deeper_than(br#"{"a": [1, {"b": 2}]}"#, 3));
        assert!(nests_deeper_than(br#"{"a": [1, {"b": 2}]}"#, 2));
        assert!(!nests_deeper_than(br#"{"a": "[[[[[[\"[[[[["}"#, 1));
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(nests_deeper_than(deep.as_bytes(), MAX_JSON_DEPTH));
        assert!(matches!(parse::<Sample>(deep.as_bytes()), Err(ApiError::BadRequest(_))));
        let wrapped = format!(r#"{{"name": "x", "count": {}1{}}}"#, "[".repeat(40), "]".repeat(40));
        assert!(matches!(parse::<Sample>(wrapped.as_bytes()), Err(ApiError::BadRequest(m)) if m.contains("32 deep")));
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        assert!(matches!(parse::<Sample>(br#"{"name": "x""#), Err(ApiError::BadRequest(_))));
        assert!(matches!(parse::<Sample>(br#"{"name": "x"} trailing"#), Err(ApiError::BadRequest(_))));
        assert!(matches!(parse::<Sample>(br#"{"name": "x", "count": 1e400}"#), Err(ApiError::BadRequest(_))));
        assert!(matches!(parse::<Sample>(b"\xff\xfe"), Err(ApiError::BadRequest(_))));
        assert!(parse::<Sample>(br#"{"name": "x"}"#).is_ok());
    }
}

//! Cacheable answers for the public: the ETag is a hash of the body, so any
//! instance computes the same tag for the same content, a client or CDN
//! asking `If-None-Match` gets 304 with no body when nothing changed, and
//! `Cache-Control: public, max-age=60` lets a CDN serve a minute-old copy.
//! (Staff answers are `no-store`; nothing here carries a caller's data.)
//!
//! The signed-in API is conditional too ([`conditional_requests`]), so a
//! system polling it pays almost nothing while nothing changed: a single
//! resource's ETag is its version, any other answer's the hash of its body.

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::http::pagination::{next_link, Page};

/// How long a shared cache may serve a public answer without asking again.
pub const MAX_AGE_SECONDS: u32 = 60;

/// The strong ETag of a body: the first 128 bits of its SHA-256.
pub fn tag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{}\"", hex::encode(&digest[..16]))
}

/// Whether `If-None-Match` names this tag (or `*`). Weak comparison, as
/// RFC 9110 13.1.2 says for `If-None-Match`: `W/"x"` matches `"x"`.
pub fn not_modified(req: &HttpRequest, tag: &str) -> bool {
    let Some(value) = req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    value.split(',').map(str::trim).any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == tag)
}

/// A public answer: 304 when the client already has it, else the body,
/// each with the ETag and the cache policy.
pub fn body(req: &HttpRequest, content_type: &str, body: Vec<u8>, headers: &[(HeaderName, String)]) -> HttpResponse {
    let tag = tag(&body);
    let cache_control = format!("public, max-age={MAX_AGE_SECONDS}");
    if not_modified(req, &tag) {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, tag))
            .insert_header((header::CACHE_CONTROL, cache_control))
            .finish();
    }
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((header::CONTENT_TYPE, content_type.to_string()));
    for (name, value) in headers {
        response.insert_header((name.clone(), value.clone()));
    }
    response.body(body)
}

/// A public JSON answer.
pub fn json<T: Serialize>(req: &HttpRequest, value: &T) -> HttpResponse {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    body(req, "application/json", bytes, &[])
}

/// A public page of a list, with its `Link` to the next page.
pub fn page<T: Serialize>(req: &HttpRequest, page: &Page<T>) -> HttpResponse {
    let link = page.next_cursor.as_ref().map(|cursor| next_link(req.path(), req.query_string(), cursor));
    let bytes = serde_json::to_vec(page).unwrap_or_default();
    body(req, "application/json", bytes, &link.map(|l| vec![(header::LINK, l)]).unwrap_or_default())
}

/// Whether a path's GET answers are made conditional by [`conditional_requests`].
fn conditional(path: &str) -> bool {
    path.starts_with("/api/v1/") && !crate::http::rate_limit::is_public_path(path)
}

/// Middleware: every successful GET of the signed-in API carries an ETag
/// (the version a single resource already sends, else the hash of the
/// body), and answers 304 with no body when `If-None-Match` names it. The
/// answer is for its caller only and must be revalidated before reuse
/// (`Cache-Control: private, no-cache`) unless it already says `no-store`.
pub async fn conditional_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let applies = req.method() == Method::GET && conditional(req.path());
    let res = next.call(req).await?;
    if !applies || res.status() != StatusCode::OK {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (mut head, body) = res.into_parts();
    let bytes = to_bytes(body).await.map_err(|e| actix_web::error::ErrorInternalServerError(e.into()))?;
    let headers = head.headers_mut();
    let tag = match headers.get(header::ETAG).and_then(|v| v.to_str().ok()) {
        Some(version) => version.to_string(),
        None => {
            let tag = tag(&bytes);
            headers.insert(header::ETAG, HeaderValue::from_str(&tag).expect("a hex tag is a header value"));
            tag
        }
    };
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    }
    if not_modified(&req, &tag) {
        let mut not_modified = HttpResponse::NotModified();
        for name in [header::ETAG, header::CACHE_CONTROL, header::VARY] {
            if let Some(value) = head.headers().get(&name) {
                not_modified.insert_header((name, value.clone()));
            }
        }
        return Ok(ServiceResponse::new(req, not_modified.finish()));
    }
    Ok(ServiceResponse::new(req, head.set_body(bytes).map_into_boxed_body()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn the_tag_is_the_content() {
        assert_eq!(tag(b"abc"), tag(b"abc"));
        assert_ne!(tag(b"abc"), tag(b"abd"));
        assert_eq!(tag(b"").len(), 34);
    }

    #[test]
    fn if_none_match_compares_weakly_and_takes_lists() {
        let t = tag(b"body");
        let req =
            |v: &str| TestRequest::default().insert_header((header::IF_NONE_MATCH, v.to_string())).to_http_request();
        assert!(not_modified(&req(&t), &t));
        assert!(not_modified(&req(&format!("W/{t}")), &t));
        assert!(not_modified(&req(&format!("\"other\", {t}")), &t));
        assert!(not_modified(&req("*"), &t));
        assert!(!not_modified(&req("\"other\""), &t));
        assert!(!not_modified(&TestRequest::default().to_http_request(), &t));
    }
}

//! The browser's side of sessions: the cookie, the extractors that resolve
//! it, and the CSRF check on every form. A page handler states what it needs
//! in its signature: `Signed<R>` for a page, `Posted<R>` for a form, where
//! `R` is the capability from the one policy table, as the API's `Caller<R>`.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use super::PageError;
use crate::auth::policy::Requirement;
use crate::auth::Caller;
use crate::ops::sessions::{self, BrowserSession};
use crate::ops::AppState;

/// The session cookie's name: with the `__Host-` prefix when served over TLS,
/// so no subdomain or plain-http page can set or shadow it.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-session"
    } else {
        "pt_session"
    }
}

/// The cookie that carries the sign-in form's CSRF token before there is a
/// session; `__Host-` prefixed over TLS so a sibling subdomain cannot plant one.
pub fn sign_in_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-sign_in"
    } else {
        "pt_sign_in"
    }
}

/// Whether a value has the shape of [`sessions::random_token`]'s: only such a
/// value from the sign-in cookie is reused.
pub fn is_token(value: &str) -> bool {
    value.len() == 43 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A cookie the script on the page cannot read, sent only to this site's
/// own pages and on top-level links from elsewhere (`SameSite=Lax`).
pub fn cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build(name, value).path("/").http_only(true).secure(secure).same_site(SameSite::Lax).finish()
}

/// The cookie that removes `name` from the browser.
pub fn removal(name: &'static str, secure: bool) -> Cookie<'static> {
    let mut c = cookie(name, String::new(), secure);
    c.make_removal();
    c
}

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, PageError> {
    req.app_data::<web::Data<AppState>>().cloned().ok_or_else(|| PageError::internal("application state missing"))
}

/// The browser's session, if it has a live one.
pub async fn current(req: &HttpRequest) -> Result<Option<BrowserSession>, PageError> {
    let state = state(req)?;
    let Some(secret) = req.cookie(cookie_name(state.sessions.secure_cookies)) else {
        return Ok(None);
    };
    Ok(sessions::resolve(&state, secret.value().to_string()).await?)
}

/// Where to send a browser that must sign in first, coming back here after.
fn sign_in_first(req: &HttpRequest) -> PageError {
    let here = match req.uri().path_and_query() {
        Some(pq) if req.method() == actix_web::http::Method::GET => pq.as_str().to_string(),
        _ => "/".into(),
    };
    PageError::SignIn { next: here }
}

/// A signed-in browser whose role the policy table lets do `R`.
pub struct Signed<R: Requirement> {
    pub session: BrowserSession,
    pub caller: Caller<R>,
}

impl<R: Requirement + 'static> FromRequest for Signed<R> {
    type Error = PageError;
    type Future = LocalBoxFuture<'static, Result<Self, PageError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let session = current(&req).await?.ok_or_else(|| sign_in_first(&req))?;
            let caller = session.caller::<R>().map_err(|e| PageError::Forbidden { detail: e.to_string() })?;
            Ok(Signed { session, caller })
        })
    }
}

/// Largest form most pages accept.
pub const SMALL_FORM: usize = 64 * 1024;
/// Largest form of pasted minutes and their candidates.
pub const LARGE_FORM: usize = 2 * 1024 * 1024;
/// Most fields a form may have (the candidates of 500 commitments need ~5,000).
const MAX_FIELDS: usize = 6_000;

/// A form posted by a signed-in browser whose role may do `R`, with its CSRF
/// token checked against the session's. The only way a page handler reads a
/// form, so none can forget the check. The role is checked before the body
/// is read, and the body is read within the request timeout and `LIMIT`.
pub struct Posted<R: Requirement, const LIMIT: usize = SMALL_FORM> {
    pub session: BrowserSession,
    pub caller: Caller<R>,
    pairs: Vec<(String, String)>,
}

impl<R: Requirement, const LIMIT: usize> Posted<R, LIMIT> {
    /// The form as a typed value (unknown fields are ignored, as browsers send buttons' names).
    pub fn form<T: DeserializeOwned>(&self) -> Result<T, PageError> {
        let encoded = serde_urlencoded::to_string(&self.pairs).map_err(PageError::internal)?;
        serde_urlencoded::from_str(&encoded).map_err(|e| PageError::BadForm(e.to_string()))
    }

    /// Every field as sent, in order (for repeated fields such as checkboxes).
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    pub fn value(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Compares in time independent of where the strings differ.
pub fn same_token(given: &str, expected: &str) -> bool {
    given.len() == expected.len() && given.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// The form's fields, refused unless it is URL-encoded and of a sane number of fields.
pub fn parse_form(req: &HttpRequest, body: &[u8]) -> Result<Vec<(String, String)>, PageError> {
    let is_form = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(PageError::BadForm("the form must be sent as application/x-www-form-urlencoded".into()));
    }
    if body.iter().filter(|b| **b == b'&').count() >= MAX_FIELDS {
        return Err(PageError::BadForm(format!("the form has more than {MAX_FIELDS} fields")));
    }
    serde_urlencoded::from_bytes(body).map_err(|e| PageError::BadForm(e.to_string()))
}

/// The body within the request timeout and `limit` (the API's reader: 408 and 413 as there).
pub async fn read_body(req: &HttpRequest, payload: &mut Payload, limit: usize) -> Result<Vec<u8>, PageError> {
    crate::http::body::read_body_limited(req, payload, limit).await.map_err(PageError::Domain)
}

impl<R: Requirement + 'static, const LIMIT: usize> FromRequest for Posted<R, LIMIT> {
    type Error = PageError;
    type Future = LocalBoxFuture<'static, Result<Self, PageError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let session = current(&req).await?.ok_or_else(|| sign_in_first(&req))?;
            // Who may send this form is known before a byte of it is read.
            let caller = session.caller::<R>().map_err(|e| PageError::Forbidden { detail: e.to_string() })?;
            let pairs = parse_form(&req, &read_body(&req, &mut payload, LIMIT).await?)?;
            let token = pairs.iter().find(|(k, _)| k == "csrf_token").map(|(_, v)| v.as_str()).unwrap_or("");
            if !same_token(token, &session.csrf_token) {
                return Err(PageError::Csrf);
            }
            Ok(Posted { session, caller, pairs })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abd", "abc"));
        assert!(!same_token("ab", "abc"));
        assert!(!same_token("", "abc"));
    }

    #[test]
    fn only_tokens_of_our_shape_are_reused() {
        assert!(is_token(&sessions::random_token()));
        assert!(!is_token("planted-by-someone-else"));
        assert!(!is_token(&"a".repeat(44)));
    }

    #[test]
    fn the_secure_cookie_is_host_only() {
        assert_eq!(cookie_name(true), "__Host-session");
        let c = cookie(cookie_name(true), "x".into(), true);
        assert_eq!((c.secure(), c.http_only(), c.path()), (Some(true), Some(true), Some("/")));
        assert_eq!(c.same_site(), Some(SameSite::Lax));
    }
}

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

/// The cookie that carries the sign-in form's CSRF token before there is a session.
pub const SIGN_IN_COOKIE: &str = "pt_sign_in";

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

/// Largest form the pages accept: pasted minutes are the big one.
pub const FORM_LIMIT: usize = 2 * 1024 * 1024;

/// A form posted by a signed-in browser whose role may do `R`, with its CSRF
/// token checked against the session's. The only way a page handler reads a
/// form, so none can forget the check.
pub struct Posted<R: Requirement> {
    pub session: BrowserSession,
    pub caller: Caller<R>,
    pairs: Vec<(String, String)>,
}

impl<R: Requirement> Posted<R> {
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

/// The form's fields, refused unless it is URL-encoded.
pub fn parse_form(req: &HttpRequest, body: &[u8]) -> Result<Vec<(String, String)>, PageError> {
    let is_form = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(PageError::BadForm("the form must be sent as application/x-www-form-urlencoded".into()));
    }
    serde_urlencoded::from_bytes(body).map_err(|e| PageError::BadForm(e.to_string()))
}

/// The body, up to [`FORM_LIMIT`].
async fn read_body(mut payload: Payload) -> Result<Vec<u8>, PageError> {
    use futures_util::StreamExt;
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| PageError::BadForm(e.to_string()))?;
        if body.len() + chunk.len() > FORM_LIMIT {
            return Err(PageError::BadForm("the form is too large".into()));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

impl<R: Requirement + 'static> FromRequest for Posted<R> {
    type Error = PageError;
    type Future = LocalBoxFuture<'static, Result<Self, PageError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            let session = current(&req).await?.ok_or_else(|| sign_in_first(&req))?;
            let pairs = parse_form(&req, &read_body(payload).await?)?;
            let token = pairs.iter().find(|(k, _)| k == "csrf_token").map(|(_, v)| v.as_str()).unwrap_or("");
            if !same_token(token, &session.csrf_token) {
                return Err(PageError::Csrf);
            }
            let caller = session.caller::<R>().map_err(|e| PageError::Forbidden { detail: e.to_string() })?;
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
    fn the_secure_cookie_is_host_only() {
        assert_eq!(cookie_name(true), "__Host-session");
        let c = cookie(cookie_name(true), "x".into(), true);
        assert_eq!((c.secure(), c.http_only(), c.path()), (Some(true), Some(true), Some("/")));
        assert_eq!(c.same_site(), Some(SameSite::Lax));
    }
}

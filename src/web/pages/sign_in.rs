//! Signing in and out in a browser.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::domain::Error;
use crate::http::client_address::client_address;
use crate::ops::{sessions, AppState};
use crate::web::session::{
    self, cookie, cookie_name, is_token, parse_form, read_body, removal, same_token, sign_in_cookie_name, SMALL_FORM,
};
use crate::web::{html_with_status, local_path, see_other, Chrome, PageError};

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    next: String,
    username: String,
    error: Option<String>,
    form_token: String,
}

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

fn page(
    status: StatusCode,
    next: String,
    username: String,
    error: Option<String>,
    form_token: String,
    secure: bool,
) -> Result<HttpResponse, PageError> {
    let page = SignInPage {
        chrome: Chrome::new("Sign in", None, "/sign-in"),
        next,
        username,
        error,
        form_token: form_token.clone(),
    };
    let mut response = html_with_status(status, &page)?;
    response.add_cookie(&cookie(sign_in_cookie_name(secure), form_token, secure)).map_err(PageError::internal)?;
    Ok(response)
}

/// The sign-in form. Signed in already: on to where they were going.
pub async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<Next>,
) -> Result<HttpResponse, PageError> {
    let next = local_path(query.next.as_deref());
    if session::current(&req).await?.is_some() {
        return Ok(see_other(&next));
    }
    // Before there is a session, the form's CSRF token is also in a cookie
    // of its own (double submit): a form posted from elsewhere lacks it.
    let token = req
        .cookie(sign_in_cookie_name(state.sessions.secure_cookies))
        .map(|c| c.value().to_string())
        .filter(|v| is_token(v))
        .unwrap_or_else(sessions::random_token);
    page(StatusCode::OK, next, String::new(), None, token, state.sessions.secure_cookies)
}

#[derive(Deserialize)]
struct SignInForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
    #[serde(default)]
    form_token: String,
}

/// Checks the password with the API's throttling and starts a session.
pub async fn sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let secure = state.sessions.secure_cookies;
    // No form of ours was shown to a browser without the cookie: nothing to read.
    let expected = req.cookie(sign_in_cookie_name(secure)).map(|c| c.value().to_string()).unwrap_or_default();
    if !is_token(&expected) {
        return Err(PageError::Csrf);
    }
    let body = read_body(&req, &mut payload.into_inner(), SMALL_FORM).await?;
    let pairs = parse_form(&req, &body)?;
    let encoded = serde_urlencoded::to_string(&pairs).map_err(PageError::internal)?;
    let form: SignInForm = serde_urlencoded::from_str(&encoded).map_err(|e| PageError::BadForm(e.to_string()))?;
    if !same_token(&form.form_token, &expected) {
        return Err(PageError::Csrf);
    }
    // Signing in again (as someone else, on a shared computer) ends the session before.
    let previous = session::current(&req).await?;
    let next = local_path(form.next.as_deref());
    let address = client_address(&req, &state.auth.trusted_proxies);
    let username = form.username.trim().to_string();
    if username.is_empty() || form.password.is_empty() {
        let message = "Enter your username and password".to_string();
        return page(StatusCode::UNPROCESSABLE_ENTITY, next, username, Some(message), expected, secure);
    }
    match sessions::begin(&state, username.clone(), form.password, address).await {
        Ok((secret, _)) => {
            if let Some(previous) = previous {
                sessions::end(&state, &previous).await?;
            }
            let mut response = see_other(&next);
            response.add_cookie(&cookie(cookie_name(secure), secret, secure)).map_err(PageError::internal)?;
            response.add_removal_cookie(&removal(sign_in_cookie_name(secure), secure)).map_err(PageError::internal)?;
            Ok(response)
        }
        Err(Error::Unauthenticated(_)) => {
            let message = "The username or password is not right".to_string();
            page(StatusCode::UNAUTHORIZED, next, username, Some(message), expected, secure)
        }
        Err(Error::TooManyAttempts { retry_after }) => {
            let minutes = (retry_after + 59) / 60;
            let message = format!(
                "There have been too many failed sign-ins. Try again in {minutes} minute{}",
                if minutes == 1 { "" } else { "s" }
            );
            let mut response = page(StatusCode::TOO_MANY_REQUESTS, next, username, Some(message), expected, secure)?;
            if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&retry_after.to_string()) {
                response.headers_mut().insert(actix_web::http::header::RETRY_AFTER, v);
            }
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

/// Ends the session everywhere and forgets the cookie.
pub async fn sign_out(
    posted: crate::web::session::Posted<crate::auth::policy::SignedIn>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    sessions::end(&state, &posted.session).await?;
    let secure = state.sessions.secure_cookies;
    let mut response = see_other("/sign-in");
    response.add_removal_cookie(&removal(cookie_name(secure), secure)).map_err(PageError::internal)?;
    Ok(response)
}

//! The web pages: server-rendered HTML for the secretariat and the OPCC,
//! under `/`, built on the same operations and policy table as the JSON API
//! (`ops`, `auth::policy`). Templates are in `templates/`, checked at compile
//! time and escaped by askama; GOV.UK Frontend styles them (`web::assets`).
//! Every page works without JavaScript; the script only improves it.

pub mod assets;
mod pages;
pub mod session;
pub(crate) mod view;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, HttpResponseBuilder, ResponseError};
use askama::Template;

use crate::domain::{Error, FieldError, Role};
use crate::error::ApiError;
use crate::ops::sessions::BrowserSession;

pub use pages::routes;

/// What the pages may load and do: only this site's own files, no inline
/// script or style, never inside another site's frame, forms only to here.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
base-uri 'none'; object-src 'none'";

fn with_page_headers(builder: &mut HttpResponseBuilder) -> &mut HttpResponseBuilder {
    builder
        .insert_header(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .insert_header(("X-Frame-Options", "DENY"))
        .insert_header(("Referrer-Policy", "same-origin"))
        // Pages show what one person may see: never kept by a shared cache
        // or shown again from the back button after sign-out.
        .insert_header((header::CACHE_CONTROL, "no-store"))
}

/// A page, as a 200 with the pages' security headers.
pub fn html(page: &impl Template) -> Result<HttpResponse, PageError> {
    html_with_status(StatusCode::OK, page)
}

pub fn html_with_status(status: StatusCode, page: &impl Template) -> Result<HttpResponse, PageError> {
    let body = page.render().map_err(PageError::internal)?;
    Ok(with_page_headers(&mut HttpResponse::build(status)).content_type("text/html; charset=utf-8").body(body))
}

/// After a form: 303 to the page that shows the result (post/redirect/get,
/// so reloading that page does not send the form again).
pub fn see_other(location: &str) -> HttpResponse {
    with_page_headers(&mut HttpResponse::SeeOther()).insert_header((header::LOCATION, location)).finish()
}

/// A `next` address from a query or form, only if it is a path on this site.
pub fn local_path(next: Option<&str>) -> String {
    // Printable ASCII only: browsers drop tabs and line breaks from a URL, so
    // `/\t/evil.example` would become `//evil.example`, another site.
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && p.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b'\\') =>
        {
            p.to_string()
        }
        _ => "/".into(),
    }
}

/// The header, navigation and footer every page shares.
pub struct Chrome {
    pub title: String,
    /// Where the service name in the header leads: the staff home, or the
    /// public pages' own home.
    pub home: &'static str,
    pub signed_in: Option<SignedInAs>,
    pub nav: Vec<NavLink>,
    pub stylesheet: &'static str,
    pub app_stylesheet: &'static str,
    pub script: &'static str,
}

pub struct SignedInAs {
    pub name: String,
    pub role: String,
    pub csrf_token: String,
}

pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

impl Chrome {
    pub fn new(title: impl Into<String>, session: Option<&BrowserSession>, here: &str) -> Chrome {
        let nav = match session {
            None => vec![],
            Some(s) => nav_for(s.role)
                .into_iter()
                .map(|(href, label)| NavLink {
                    href,
                    label,
                    current: if href == "/" { here == "/" } else { here.starts_with(href) },
                })
                .collect(),
        };
        Chrome {
            title: title.into(),
            home: "/",
            signed_in: session.map(|s| SignedInAs {
                name: s.display_name.clone(),
                role: view::role_label(s.role).into(),
                csrf_token: s.csrf_token.clone(),
            }),
            nav,
            stylesheet: assets::url(assets::GOVUK_CSS),
            app_stylesheet: assets::url(assets::APP_CSS),
            script: assets::url(assets::GOVUK_JS),
        }
    }

    /// The chrome of a public page: nobody signed in, no staff navigation.
    pub fn public(title: impl Into<String>) -> Chrome {
        Chrome { home: "/public", ..Chrome::new(title, None, "") }
    }

    pub fn csrf(&self) -> &str {
        self.signed_in.as_ref().map(|s| s.csrf_token.as_str()).unwrap_or("")
    }
}

/// The navigation each role sees: only places it may go.
fn nav_for(role: Role) -> Vec<(&'static str, &'static str)> {
    let mut nav = vec![("/", "Home"), ("/actions", "Actions"), ("/calendar", "Calendar")];
    if matches!(role, Role::Admin | Role::Secretariat) {
        nav.push(("/review", "Review responses"));
    }
    if role == Role::Admin {
        nav.push(("/admin/users", "Users"));
        nav.push(("/admin/credentials", "Service credentials"));
    }
    nav
}

/// Why a page could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// Not signed in: to the sign-in page, then back.
    #[error("sign in first")]
    SignIn { next: String },
    #[error("{detail}")]
    Forbidden { detail: String },
    /// A form without this session's CSRF token: refused, nothing done.
    #[error("the form could not be checked")]
    Csrf,
    #[error("{0}")]
    BadForm(String),
    /// What the operations refused, answered with the API's status for it.
    #[error(transparent)]
    Domain(ApiError),
}

impl From<Error> for PageError {
    fn from(e: Error) -> Self {
        PageError::Domain(ApiError::from(e))
    }
}

impl PageError {
    pub fn internal(e: impl std::fmt::Display) -> Self {
        PageError::from(Error::internal(e))
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    heading: String,
    detail: String,
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::SignIn { .. } => StatusCode::SEE_OTHER,
            PageError::Forbidden { .. } | PageError::Csrf => StatusCode::FORBIDDEN,
            PageError::BadForm(_) => StatusCode::BAD_REQUEST,
            PageError::Domain(api) => api.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let PageError::SignIn { next } = self {
            let location = format!("/sign-in?next={}", view::url_encode(next));
            return see_other(&location);
        }
        let status = self.status_code();
        let (heading, detail) = match self {
            PageError::Forbidden { detail } => ("You cannot do this".to_string(), detail.clone()),
            PageError::Csrf => (
                "This form has expired".to_string(),
                "The form was not sent from a page of this session, so nothing was done. Go back, reload the \
                 page and try again."
                    .to_string(),
            ),
            PageError::BadForm(detail) => ("The form could not be read".to_string(), detail.clone()),
            PageError::Domain(api) => {
                // The API's mapping decides the status and logs what is internal.
                let _ = api.error_response();
                match status {
                    StatusCode::NOT_FOUND => ("Page not found".to_string(), api.to_string()),
                    s if s.is_server_error() => (
                        "Sorry, there is a problem with the service".to_string(),
                        "Try again later. Nothing you sent was half-done.".to_string(),
                    ),
                    _ => ("This could not be done".to_string(), api.to_string()),
                }
            }
            PageError::SignIn { .. } => unreachable!("answered above"),
        };
        let page = ErrorPage { chrome: Chrome::new(heading.clone(), None, ""), heading, detail };
        let mut response = html_with_status(status, &page).unwrap_or_else(|_| HttpResponse::build(status).finish());
        if let PageError::Domain(ApiError::TooManyRequests { retry_after }) = self {
            if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}

/// Field errors as GOV.UK's error summary and messages show them.
pub fn field_message(errors: &[FieldError], field: &str) -> Option<String> {
    errors.iter().find(|e| e.field == field || e.field.ends_with(&format!(".{field}"))).map(|e| e.message.clone())
}

/// The answer for a path no route took: the API's JSON problem under
/// `/api/`, an HTML page everywhere else.
pub async fn unmatched(req: HttpRequest) -> HttpResponse {
    let api_path = req.path().starts_with("/api/")
        || req.path() == "/api"
        || req.app_data::<crate::http::routes::RouteTable>().and_then(|t| t.allowed(req.path())).is_some();
    if api_path {
        return crate::http::routes::unmatched(req).await;
    }
    let session = session::current(&req).await.ok().flatten();
    let page = ErrorPage {
        chrome: Chrome::new("Page not found", session.as_ref(), ""),
        heading: "Page not found".into(),
        detail: "If you typed the web address, check it is correct.".into(),
    };
    html_with_status(StatusCode::NOT_FOUND, &page).unwrap_or_else(|_| HttpResponse::NotFound().finish())
}

/// Registers the pages and their assets.
pub fn configure(cfg: &mut web::ServiceConfig) {
    assets::configure(cfg);
    routes(cfg);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(local_path(Some("/meetings/3")), "/meetings/3");
        assert_eq!(local_path(Some("//evil.example/")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(Some("https://evil.example/")), "/");
        assert_eq!(local_path(Some("/\t/evil.example")), "/");
        assert_eq!(local_path(Some("/\r\n/evil.example")), "/");
        assert_eq!(local_path(Some("/a\u{7f}")), "/");
        assert_eq!(local_path(Some("/actions?status=open&mine=true")), "/actions?status=open&mine=true");
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn each_role_sees_only_where_it_may_go() {
        assert!(nav_for(Role::Reader).iter().all(|(href, _)| !href.starts_with("/admin") && *href != "/review"));
        assert!(nav_for(Role::Secretariat).iter().any(|(href, _)| *href == "/review"));
        assert!(nav_for(Role::Admin).iter().any(|(href, _)| *href == "/admin/users"));
    }
}

//! HTTP handlers, one module per resource and one function per endpoint.
//! Each handler's `#[utoipa::path]` sits on it, and `startup::routes`
//! registers them all in one place, so the served API and the OpenAPI
//! document come from the same list.

pub mod action_log;
pub mod actions;
pub mod agenda_items;
pub mod auth;
pub mod committees;
pub mod extractions;
pub mod health;
pub mod meetings;
pub mod users;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Deserializer, Serialize};

use crate::http::pagination::{next_link, Page};

pub use crate::ops::AppState;

/// For PATCH bodies: tells "absent" (leave alone, `None`) from `null` (clear,
/// `Some(None)`).
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A list page as JSON, with a `Link` header when there is a next page.
pub fn page_response<T: Serialize>(req: &HttpRequest, page: Page<T>) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    if let Some(cursor) = &page.next_cursor {
        let link = next_link(req.path(), req.query_string(), cursor);
        response.insert_header((header::LINK, link));
    }
    response.json(page)
}

/// A single resource as JSON with its ETag.
pub fn resource_response<T: Serialize>(version: i64, body: &T) -> HttpResponse {
    HttpResponse::Ok().insert_header(crate::http::etag::etag_header(version)).json(body)
}

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
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Deserializer, Serialize};

use crate::db::{AnyConnection, DbPool};
use crate::error::ApiError;
use crate::http::pagination::{next_link, Page};

/// What every handler shares. Holds nothing another instance would need:
/// all state is in the database, so instances scale out behind a balancer.
pub struct AppState {
    pub pool: DbPool,
    pub auth: crate::auth::AuthConfig,
}

impl AppState {
    /// Runs blocking database work on actix's blocking threads, never on the
    /// async workers; the pool bounds how many run at once.
    pub async fn db<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, ApiError> + Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?
    }
}

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

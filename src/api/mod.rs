//! HTTP handlers, one module per resource and one function per endpoint.
//! Each handler's `#[utoipa::path]` sits on it, and `startup::routes`
//! registers them all in one place, so the served API and the OpenAPI
//! document come from the same list.

pub mod action_log;
pub mod actions;
pub mod agenda_items;
pub mod atom;
pub mod auth;
pub mod calendar;
pub mod changes;
pub mod committees;
pub mod extractions;
pub mod health;
pub mod meetings;
pub mod public;
pub mod statutory;
pub mod users;
pub mod webhooks;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Deserializer, Serialize};

use utoipa_actix_web::scope;

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

/// Registers every API handler together with its OpenAPI path. The one list
/// of endpoints: adding a handler here adds it to the served document too.
pub fn routes() -> utoipa_actix_web::scope::Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    use self::{
        action_log, actions, agenda_items, auth, calendar, changes, committees, extractions, meetings, public,
        statutory, users, webhooks,
    };
    scope("/api/v1")
        .service(auth::create_token)
        .service(auth::get_me)
        .service(auth::change_my_password)
        .service(auth::update_me)
        .service(users::list_users)
        .service(users::create_user)
        .service(users::get_user)
        .service(users::update_user)
        .service(users::reset_user_password)
        .service(users::list_service_credentials)
        .service(users::create_service_credential)
        .service(users::revoke_service_credential)
        .service(users::list_sso_blocks)
        .service(users::create_sso_block)
        .service(users::delete_sso_block)
        .service(committees::list)
        .service(committees::create)
        .service(committees::get)
        .service(committees::update)
        .service(meetings::list)
        .service(meetings::create)
        .service(meetings::get)
        .service(meetings::update)
        .service(agenda_items::list)
        .service(agenda_items::create)
        .service(agenda_items::get)
        .service(agenda_items::update)
        .service(actions::list)
        .service(actions::create)
        .service(actions::get)
        .service(actions::update)
        .service(actions::start)
        .service(actions::submit_response)
        .service(actions::accept)
        .service(actions::return_response)
        .service(actions::reopen)
        .service(actions::withdraw)
        .service(actions::carry_forward)
        .service(actions::list_events)
        .service(actions::verify_events)
        .service(action_log::get_action_log)
        .service(action_log::carry_meeting_actions_forward)
        .service(action_log::get_committee_stats)
        .service(changes::list_changes)
        .service(webhooks::list_webhooks)
        .service(webhooks::create_webhook)
        .service(webhooks::get_webhook)
        .service(webhooks::update_webhook)
        .service(webhooks::delete_webhook)
        .service(webhooks::rotate_webhook_secret)
        .service(webhooks::list_webhook_deliveries)
        .service(webhooks::redeliver_webhook_delivery)
        .service(extractions::extract_commitments)
        .service(extractions::accept_commitments)
        .service(public::list_public_committees)
        .service(public::get_public_committee)
        .service(public::get_public_meeting)
        .service(public::list_public_actions)
        .service(public::get_public_action)
        .service(public::download_public_actions_json)
        .service(public::download_public_actions_csv)
        .service(public::get_public_feed)
        .service(public::list_public_reports)
        .service(statutory::list_processes)
        .service(statutory::create_process)
        .service(statutory::get_process)
        .service(statutory::record_step)
        .service(statutory::set_due_date)
        .service(statutory::process_events)
        .service(statutory::list_reports)
        .service(statutory::create_report)
        .service(statutory::get_report)
        .service(statutory::publish_response)
        .service(statutory::report_events)
        .service(statutory::list_recommendations)
        .service(statutory::get_recommendation)
        .service(statutory::respond_to_recommendation)
        .service(statutory::recommendation_events)
        .service(calendar::get_calendar)
        .service(calendar::reset_calendar_token)
        .service(calendar::get_committee_calendar_feed)
}

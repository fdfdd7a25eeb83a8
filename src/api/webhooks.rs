//! Webhooks (admin only): other council systems told of every change they
//! want, signed as the Standard Webhooks specification says, retried for
//! about three days, with a log of every attempt.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{nullable, page_response, resource_response, AppState};
use crate::auth::{policy, Caller};
use crate::domain::text::{self, Checks};
use crate::domain::webhook::{EventType, WebhookUrl};
use crate::error::{ApiError, Problem};
use crate::http::body::{Json, OptionalJson};
use crate::http::etag::IfMatch;
use crate::http::pagination::{self, Page, PageQuery};
use crate::ops::{self, webhooks::WebhookEdit, webhooks::WebhookInput};
use crate::store::{self, webhooks};

/// The longest overlap of an old secret after a rotation: a week.
pub const MAX_OVERLAP_HOURS: i64 = 168;

/// Where changes are sent. The secret is never shown again after it is made.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Webhook {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "https://cms.council.example/hooks/panel-tracker")]
    pub url: String,
    pub description: Option<String>,
    /// The change types sent; empty for every type.
    pub event_types: Vec<EventType>,
    /// The committees whose changes are sent; empty for every committee.
    pub committee_ids: Vec<i64>,
    /// Whether deliveries are made. Turned off by an admin, or by the
    /// service after sustained failure (see `disabled_reason`).
    pub active: bool,
    /// Why the service turned it off.
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    /// After a rotation, until when the previous secret also signs (past once it has ended).
    pub previous_secret_valid_until: Option<DateTime<Utc>>,
    #[schema(example = 1)]
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<webhooks::WebhookRow> for Webhook {
    fn from(w: webhooks::WebhookRow) -> Self {
        let wanted = w.subscription();
        Webhook {
            id: w.id,
            url: w.url,
            description: w.description,
            event_types: wanted.event_types,
            committee_ids: wanted.committee_ids,
            active: w.active,
            disabled_reason: w.disabled_reason,
            disabled_at: w.disabled_at.map(store::utc),
            // As stored (past once it has ended), so the answer does not change with the clock.
            previous_secret_valid_until: w.previous_secret_expires_at.map(store::utc),
            version: w.version,
            created_at: store::utc(w.created_at),
            updated_at: store::utc(w.updated_at),
        }
    }
}

/// A webhook with its signing secret, shown this once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookWithSecret {
    pub webhook: Webhook,
    /// The key that signs deliveries (`whsec_` and base64, as the Standard
    /// Webhooks libraries take it). Keep it: it is not shown again.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookRequest {
    /// `https://` (`http://` and private addresses only when the service allows them).
    #[schema(example = "https://cms.council.example/hooks/panel-tracker", max_length = 2000)]
    pub url: String,
    #[schema(example = "Committee management system", max_length = 10000)]
    pub description: Option<String>,
    /// The change types wanted; absent or empty for every type.
    #[serde(default)]
    #[schema(max_items = 16)]
    pub event_types: Vec<EventType>,
    /// The committees wanted; absent or empty for every committee.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub committee_ids: Vec<i64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookPatch {
    #[schema(max_length = 2000)]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(max_length = 10000)]
    pub description: Option<Option<String>>,
    #[schema(max_items = 16)]
    pub event_types: Option<Vec<EventType>>,
    #[schema(max_items = 100)]
    pub committee_ids: Option<Vec<i64>>,
    /// `true` turns a webhook on again (clearing why it was turned off); its
    /// pending deliveries are then sent.
    pub active: Option<bool>,
}

#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateSecretRequest {
    /// How long the old secret keeps signing beside the new one (default 24, at most 168; 0 ends it at once).
    #[schema(minimum = 0, maximum = 168, example = 24)]
    pub overlap_hours: Option<i64>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    /// Every attempt of the schedule failed.
    Failed,
}

/// One change sent to one webhook, with every attempt.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Delivery {
    /// Also the `webhook-id` header (`msg_` and this number), the same on every attempt.
    pub id: i64,
    pub webhook_id: i64,
    /// The change's position in the change feed (absent for a reminder).
    pub position: Option<i64>,
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// When it is next tried, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub attempt_log: Vec<Attempt>,
}

/// One attempt to deliver.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Attempt {
    pub attempted_at: DateTime<Utc>,
    pub duration_ms: i64,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<i32>,
    /// Why it failed without an answer (refused, timed out, could not connect).
    pub error: Option<String>,
    /// The start of the receiver's answer (at most 1000 characters).
    pub response_body: Option<String>,
}

fn delivery((row, position, attempts): webhooks::LoggedDelivery) -> Delivery {
    let status = match row.status.as_str() {
        "delivered" => DeliveryStatus::Delivered,
        "failed" => DeliveryStatus::Failed,
        _ => DeliveryStatus::Pending,
    };
    Delivery {
        id: row.id,
        webhook_id: row.webhook_id,
        position,
        event_type: row.event_type.parse().unwrap_or(EventType::ActionUpdated),
        next_attempt_at: matches!(status, DeliveryStatus::Pending).then(|| store::utc(row.next_attempt_at)),
        status,
        attempts: row.attempts,
        last_status_code: row.last_status_code,
        last_error: row.last_error,
        created_at: store::utc(row.created_at),
        delivered_at: row.delivered_at.map(store::utc),
        attempt_log: attempts
            .into_iter()
            .map(|a| Attempt {
                attempted_at: store::utc(a.attempted_at),
                duration_ms: a.duration_ms,
                status_code: a.status_code,
                error: a.error,
                response_body: a.response_body,
            })
            .collect(),
    }
}

/// Lists no longer than the document says (duplicates count: they are refused, not merged).
fn check_lengths(checks: &mut Checks, event_types: Option<&[EventType]>, committee_ids: Option<&[i64]>) {
    if event_types.is_some_and(|t| t.len() > EventType::COUNT) {
        checks.push("event_types", format!("lists more than the {} change types", EventType::COUNT));
    }
    if committee_ids.is_some_and(|c| c.len() > ops::webhooks::MAX_COMMITTEES) {
        let message =
            format!("names more than {} committees: leave it empty for every committee", ops::webhooks::MAX_COMMITTEES);
        checks.push("committee_ids", message);
    }
}

fn url(checks: &mut Checks, state: &AppState, value: &str) -> Option<WebhookUrl> {
    checks.check_all(WebhookUrl::parse("url", value, state.webhooks.destinations).map_err(|e| vec![e]))
}

fn with_secret(status: actix_web::http::StatusCode, row: webhooks::WebhookRow, secret: String) -> HttpResponse {
    let location = format!("/api/v1/webhooks/{}", row.id);
    let mut response = HttpResponse::build(status);
    if status == actix_web::http::StatusCode::CREATED {
        response.insert_header(("Location", location));
    }
    response
        .insert_header(crate::http::etag::etag_header(row.version))
        .insert_header(("Cache-Control", "no-store"))
        .json(WebhookWithSecret { webhook: Webhook::from(row), secret })
}

/// Lists webhooks.
#[utoipa::path(
    operation_id = "list_webhooks",
    tag = "webhooks",
    security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, description = "A page of webhooks", body = Page<Webhook>)),
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageWebhooks>,
    req: HttpRequest,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (after, limit) = query.by_id()?;
    let rows = ops::webhooks::list(&state, &caller, after, limit).await?;
    Ok(page_response(&req, pagination::page(rows, limit, |w| vec![w.id], Webhook::from)))
}

/// Creates a webhook; its signing secret is in the answer, this once.
#[utoipa::path(
    operation_id = "create_webhook",
    tag = "webhooks",
    security(("bearer" = [])),
    request_body = NewWebhookRequest,
    responses(
        (status = 201, description = "Created, with its secret", body = WebhookWithSecret,
            headers(("Location" = String, description = "The new webhook"), ("ETag" = String, description = "Its version"))),
        (status = 404, description = "A committee named does not exist", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an allowed destination, or not a valid field", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageWebhooks>,
    body: Json<NewWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut checks = Checks::new();
    let url = url(&mut checks, &state, &body.url);
    let description = checks.check(text::optional("description", body.description.as_deref(), text::LONG));
    check_lengths(&mut checks, Some(&body.event_types), Some(&body.committee_ids));
    checks.finish().map_err(ApiError::Validation)?;
    let Some(url) = url else { return Err(ApiError::Validation(vec![])) };
    let input = WebhookInput { url, description, event_types: body.event_types, committee_ids: body.committee_ids };
    let (row, secret) = ops::webhooks::create(&state, &caller, input).await?;
    Ok(with_secret(actix_web::http::StatusCode::CREATED, row, secret))
}

/// Fetches a webhook (without its secret).
#[utoipa::path(
    operation_id = "get_webhook",
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Webhook id")),
    responses((status = 200, description = "The webhook", body = Webhook, headers(("ETag" = String, description = "Its version")))),
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageWebhooks>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let row = ops::webhooks::get(&state, &caller, id.into_inner()).await?;
    Ok(resource_response(row.version, &Webhook::from(row)))
}

/// Changes where a webhook points or what it wants, or turns it off or on.
#[utoipa::path(
    operation_id = "update_webhook",
    tag = "webhooks",
    security(("bearer" = [])),
    request_body = WebhookPatch,
    params(
        ("id" = i64, Path, description = "Webhook id"),
        ("If-Match" = String, Header, description = "The ETag from the last GET, e.g. `\"1\"`"),
    ),
    responses(
        (status = 200, description = "The webhook as changed", body = Webhook, headers(("ETag" = String, description = "Its new version"))),
        (status = 404, description = "The webhook, or a committee named, does not exist", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an allowed destination, or not a valid field", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageWebhooks>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: Json<WebhookPatch>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut checks = Checks::new();
    let url = body.url.as_deref().map(|u| url(&mut checks, &state, u));
    let description = body.description.map(|d| checks.check(text::optional("description", d.as_deref(), text::LONG)));
    check_lengths(&mut checks, body.event_types.as_deref(), body.committee_ids.as_deref());
    checks.finish().map_err(ApiError::Validation)?;
    let edit = WebhookEdit {
        url: url.flatten(),
        description,
        event_types: body.event_types,
        committee_ids: body.committee_ids,
        active: body.active,
    };
    let row = ops::webhooks::update(&state, &caller, id.into_inner(), if_match.0, edit).await?;
    Ok(resource_response(row.version, &Webhook::from(row)))
}

/// Deletes a webhook and its delivery log.
#[utoipa::path(
    operation_id = "delete_webhook",
    tag = "webhooks",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Webhook id"),
        ("If-Match" = String, Header, description = "The ETag from the last GET, e.g. `\"1\"`"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "If-Match is not an ETag", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageWebhooks>,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    ops::webhooks::delete(&state, &caller, id.into_inner(), if_match.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Makes a new signing secret (in the answer, this once). The old one keeps
/// signing beside it for the overlap, so receivers switch without a gap:
/// each delivery then carries two signatures.
#[utoipa::path(
    operation_id = "rotate_webhook_secret",
    tag = "webhooks",
    security(("bearer" = [])),
    request_body(content = Option<RotateSecretRequest>, description = "May be left out: a 24-hour overlap"),
    params(
        ("id" = i64, Path, description = "Webhook id"),
        ("If-Match" = String, Header, description = "The ETag from the last GET, e.g. `\"1\"`"),
    ),
    responses((status = 200, description = "The webhook with its new secret", body = WebhookWithSecret)),
)]
#[post("/webhooks/{id}/rotate-secret")]
pub async fn rotate_webhook_secret(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageWebhooks>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: OptionalJson<RotateSecretRequest>,
) -> Result<HttpResponse, ApiError> {
    let hours = body.0.overlap_hours.unwrap_or(24);
    if !(0..=MAX_OVERLAP_HOURS).contains(&hours) {
        let message = format!("must be from 0 to {MAX_OVERLAP_HOURS} hours");
        return Err(ApiError::Validation(vec![crate::domain::FieldError::new("overlap_hours", message)]));
    }
    let overlap = std::time::Duration::from_secs(hours as u64 * 3600);
    let (row, secret) = ops::webhooks::rotate_secret(&state, &caller, id.into_inner(), if_match.0, overlap).await?;
    Ok(with_secret(actix_web::http::StatusCode::OK, row, secret))
}

/// The delivery log: a webhook's deliveries, newest first, each with every attempt.
#[utoipa::path(
    operation_id = "list_webhook_deliveries",
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Webhook id"), PageQuery),
    responses((status = 200, description = "A page of deliveries", body = Page<Delivery>)),
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageWebhooks>,
    req: HttpRequest,
    id: web::Path<i64>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (before, limit) = query.by_id()?;
    let rows = ops::webhooks::deliveries(&state, &caller, id.into_inner(), before, limit).await?;
    Ok(page_response(&req, pagination::page(rows, limit, |(d, _, _)| vec![d.id], delivery)))
}

/// Sends a delivery again now, with a fresh retry schedule (its earlier
/// attempts stay in the log).
#[utoipa::path(
    operation_id = "redeliver_webhook_delivery",
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Webhook id"), ("delivery_id" = i64, Path, description = "Delivery id")),
    responses((status = 202, description = "Queued to be sent again", body = Delivery)),
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver_webhook_delivery(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageWebhooks>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery_id) = path.into_inner();
    let row = ops::webhooks::redeliver(&state, &caller, id, delivery_id).await?;
    Ok(HttpResponse::Accepted().json(delivery(row)))
}

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{page_response, resource_response, AppState};
use crate::auth::{policy, Caller};
use crate::domain::ids::{AgendaItemId, MeetingId};
use crate::domain::text::{self, Checks};
use crate::error::{ApiError, Problem};
use crate::http::body::Json;
use crate::http::etag::IfMatch;
use crate::http::idempotency::{created, respond, IdempotencyKey};
use crate::http::pagination::{self, Page, PageQuery};
use crate::ops::{self, Record};
use crate::store::{self, agenda_items};

/// A numbered item on a meeting's agenda.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AgendaItem {
    #[schema(example = 12)]
    pub id: i64,
    #[schema(example = 3)]
    pub meeting_id: i64,
    /// The item's number as printed on the agenda.
    #[schema(example = "5")]
    pub number: String,
    #[schema(example = "Update on expenditure to support the Police and Crime Plan")]
    pub title: String,
    #[schema(example = 1)]
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<agenda_items::AgendaItem> for AgendaItem {
    fn from(a: agenda_items::AgendaItem) -> Self {
        AgendaItem {
            id: a.id,
            meeting_id: a.meeting_id,
            number: a.number,
            title: a.title,
            version: a.version,
            created_at: store::utc(a.created_at),
            updated_at: store::utc(a.updated_at),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAgendaItemRequest {
    /// Unique within the meeting.
    #[schema(example = "5", max_length = 200)]
    pub number: String,
    #[schema(example = "Update on expenditure to support the Police and Crime Plan", max_length = 200)]
    pub title: String,
}

/// Changes to an agenda item; fields left out stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgendaItemPatch {
    #[schema(max_length = 200)]
    pub number: Option<String>,
    #[schema(max_length = 200)]
    pub title: Option<String>,
}

/// Lists a meeting's agenda items in the order they were entered.
#[utoipa::path(
    operation_id = "list_agenda_items",
    security(("bearer" = [])),
    tag = "agenda items",
    params(("id" = i64, Path, description = "Meeting id"), PageQuery),
    responses(
        (status = 200, description = "A page of agenda items", body = Page<AgendaItem>,
            headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
    )
)]
#[get("/meetings/{id}/agenda-items")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller<policy::Read>,
    req: HttpRequest,
    id: web::Path<i64>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let meeting_id = id.into_inner();
    let (after, limit) = query.by_id()?;
    let rows = ops::agenda_items::list(&state, &caller, MeetingId(meeting_id), after, limit).await?;
    Ok(page_response(&req, pagination::page(rows, limit, |a| vec![a.id], AgendaItem::from)))
}

/// Adds an item to a meeting's agenda.
#[utoipa::path(
    operation_id = "create_agenda_item",
    security(("bearer" = [])),
    tag = "agenda items",
    request_body = NewAgendaItemRequest,
    params(
        ("id" = i64, Path, description = "Meeting id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create return the first response instead of creating twice"),
    ),
    responses(
        (status = 201, description = "Created", body = AgendaItem,
            headers(("Location" = String, description = "The new agenda item"), ("ETag" = String, description = "Its version; left out on a replay (Idempotent-Replayed), whose body may be out of date: GET it for the current one"))),
        (status = 409, description = "The number is taken at this meeting", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/meetings/{id}/agenda-items")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageMeetings>,
    id: web::Path<i64>,
    key: IdempotencyKey,
    body: Json<NewAgendaItemRequest>,
) -> Result<HttpResponse, ApiError> {
    let meeting_id = id.into_inner();
    let body = body.into_inner();
    let key = key.scoped(&caller.actor(), &format!("POST /api/v1/meetings/{meeting_id}/agenda-items"), &body);
    let mut checks = Checks::new();
    let now = store::now();
    let new = agenda_items::NewAgendaItem {
        meeting_id,
        number: checks.check(text::required("number", &body.number, text::SHORT)),
        title: checks.check(text::required("title", &body.title, text::SHORT)),
        created_at: now,
        updated_at: now,
    };
    checks.finish().map_err(ApiError::Validation)?;
    let record: Record<_> =
        Box::new(|a: agenda_items::AgendaItem| created(format!("/api/v1/agenda-items/{}", a.id), &AgendaItem::from(a)));
    Ok(respond(ops::agenda_items::create(&state, &caller, new, key, record).await?))
}

/// Fetches one agenda item.
#[utoipa::path(
    operation_id = "get_agenda_item",
    security(("bearer" = [])),
    tag = "agenda items",
    params(("id" = i64, Path, description = "Agenda item id")),
    responses(
        (status = 200, description = "The agenda item", body = AgendaItem, headers(("ETag" = String, description = "Its version"))),
    )
)]
#[get("/agenda-items/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller<policy::Read>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let item = ops::agenda_items::get(&state, &caller, AgendaItemId(id)).await?;
    Ok(resource_response(item.version, &AgendaItem::from(item)))
}

/// Edits an agenda item's number or title.
#[utoipa::path(
    operation_id = "update_agenda_item",
    security(("bearer" = [])),
    tag = "agenda items",
    request_body = AgendaItemPatch,
    params(
        ("id" = i64, Path, description = "Agenda item id"),
        ("If-Match" = String, Header, description = "The ETag from the last GET, e.g. `\"1\"`"),
    ),
    responses(
        (status = 200, description = "The agenda item as changed", body = AgendaItem, headers(("ETag" = String, description = "Its new version"))),
        (status = 409, description = "The number is taken at this meeting", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/agenda-items/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageMeetings>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: Json<AgendaItemPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let mut checks = Checks::new();
    let changes = agenda_items::AgendaItemChanges {
        number: body.number.as_deref().map(|n| checks.check(text::required("number", n, text::SHORT))),
        title: body.title.as_deref().map(|t| checks.check(text::required("title", t, text::SHORT))),
    };
    checks.finish().map_err(ApiError::Validation)?;
    let item = ops::agenda_items::update(&state, &caller, AgendaItemId(id), if_match.0, changes).await?;
    Ok(resource_response(item.version, &AgendaItem::from(item)))
}

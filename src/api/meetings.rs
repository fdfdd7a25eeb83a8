use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{nullable, page_response, resource_response, AppState};
use crate::auth::{policy, Caller};
use crate::domain::ids::MeetingId;
use crate::domain::text::{self, Checks};
use crate::domain::MeetingStatus;
use crate::error::ApiError;
use crate::http::body::Json;
use crate::http::etag::IfMatch;
use crate::http::idempotency::{created, respond, IdempotencyKey};
use crate::http::pagination::{self, ListQuery, Page, PageQuery};
use crate::ops::{self, Record};
use crate::store::{self, meetings};

/// A meeting of a committee.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Meeting {
    #[schema(example = 3)]
    pub id: i64,
    #[schema(example = 1)]
    pub committee_id: i64,
    #[schema(example = "Police and Crime Panel, 6 February 2018")]
    pub title: String,
    pub starts_at: DateTime<Utc>,
    #[schema(example = "Council Chamber, Sessions House, Maidstone")]
    pub location: Option<String>,
    pub status: MeetingStatus,
    #[schema(example = 1)]
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<meetings::Meeting> for Meeting {
    fn from(m: meetings::Meeting) -> Self {
        Meeting {
            id: m.id,
            committee_id: m.committee_id,
            title: m.title,
            starts_at: store::utc(m.starts_at),
            location: m.location,
            status: m.status,
            version: m.version,
            created_at: store::utc(m.created_at),
            updated_at: store::utc(m.updated_at),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMeetingRequest {
    #[schema(example = 1)]
    pub committee_id: i64,
    #[schema(example = "Police and Crime Panel, 6 February 2018", max_length = 200)]
    pub title: String,
    /// When the meeting starts (RFC 3339).
    #[schema(example = "2018-02-06T10:00:00Z")]
    pub starts_at: DateTime<Utc>,
    #[schema(max_length = 200)]
    pub location: Option<String>,
    /// Defaults to `scheduled`.
    pub status: Option<MeetingStatus>,
}

/// Changes to a meeting; fields left out stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingPatch {
    #[schema(max_length = 200)]
    pub title: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub location: Option<Option<String>>,
    pub status: Option<MeetingStatus>,
}

/// The filters of the list of meetings (its page is a [`PageQuery`]).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MeetingListQuery {
    /// Only this committee's meetings.
    pub committee_id: Option<i64>,
    /// Only meetings on or after this date.
    pub from: Option<NaiveDate>,
    /// Only meetings on or before this date.
    pub to: Option<NaiveDate>,
    pub status: Option<MeetingStatus>,
}

/// Lists meetings in time order.
#[utoipa::path(
    operation_id = "list_meetings",
    security(("bearer" = [])),
    tag = "meetings",
    params(MeetingListQuery, PageQuery),
    responses(
        (status = 200, description = "A page of meetings", body = Page<Meeting>,
            headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
    )
)]
#[get("/meetings")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller<policy::Read>,
    req: HttpRequest,
    query: ListQuery<MeetingListQuery>,
) -> Result<HttpResponse, ApiError> {
    let ListQuery { page, filter: query } = query;
    let limit = pagination::limit(page.limit)?;
    let after = match pagination::after(page.cursor.as_deref(), 2)? {
        None => None,
        Some(key) => {
            let starts_at = store::from_micros(key[0])
                .ok_or_else(|| ApiError::BadRequest("cursor is not one this service issued".into()))?;
            Some((starts_at, key[1]))
        }
    };
    for (name, date) in [("from", query.from), ("to", query.to)] {
        if let Some(date) = date {
            text::plausible_date(name, date)
                .map_err(|e| ApiError::BadRequest(format!("invalid query parameter: {name} {}", e.message)))?;
        }
    }
    let filter = meetings::MeetingFilter {
        committee_id: query.committee_id,
        from: query.from,
        to: query.to,
        status: query.status,
    };
    let rows = ops::meetings::list(&state, &caller, filter, after, limit).await?;
    let page = pagination::page(rows, limit, |m| vec![store::micros(m.starts_at), m.id], Meeting::from);
    Ok(page_response(&req, page))
}

/// Schedules a meeting of a committee.
#[utoipa::path(
    operation_id = "create_meeting",
    security(("bearer" = [])),
    tag = "meetings",
    request_body = NewMeetingRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create return the first response instead of creating twice")),
    responses(
        (status = 201, description = "Created", body = Meeting,
            headers(("Location" = String, description = "The new meeting"), ("ETag" = String, description = "Its version; left out on a replay (Idempotent-Replayed), whose body may be out of date: GET it for the current one"))),
    )
)]
#[post("/meetings")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageMeetings>,
    key: IdempotencyKey,
    body: Json<NewMeetingRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let key = key.scoped(&caller.actor(), "POST /api/v1/meetings", &body);
    let mut checks = Checks::new();
    let now = store::now();
    let new = meetings::NewMeeting {
        committee_id: body.committee_id,
        title: checks.check(text::required("title", &body.title, text::SHORT)),
        starts_at: {
            checks.check(text::plausible_date("starts_at", body.starts_at.date_naive()));
            body.starts_at.naive_utc()
        },
        location: checks.check(text::optional("location", body.location.as_deref(), text::SHORT)),
        status: body.status.unwrap_or(MeetingStatus::Scheduled),
        created_at: now,
        updated_at: now,
    };
    checks.finish().map_err(ApiError::Validation)?;
    let record: Record<_> =
        Box::new(|m: meetings::Meeting| created(format!("/api/v1/meetings/{}", m.id), &Meeting::from(m)));
    Ok(respond(ops::meetings::create(&state, &caller, new, key, record).await?))
}

/// Fetches one meeting.
#[utoipa::path(
    operation_id = "get_meeting",
    security(("bearer" = [])),
    tag = "meetings",
    params(("id" = i64, Path, description = "Meeting id")),
    responses(
        (status = 200, description = "The meeting", body = Meeting, headers(("ETag" = String, description = "Its version"))),
    )
)]
#[get("/meetings/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller<policy::Read>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let meeting = ops::meetings::get(&state, &caller, MeetingId(id)).await?;
    Ok(resource_response(meeting.version, &Meeting::from(meeting)))
}

/// Edits a meeting: title, time, location or status (held, cancelled).
///
/// Actions are due at a meeting, not a date: when it moves they move with it.
/// When it is cancelled, its unfinished actions move to the committee's next
/// meeting that is not cancelled, each with a `due_meeting_cancelled` event.
#[utoipa::path(
    operation_id = "update_meeting",
    security(("bearer" = [])),
    tag = "meetings",
    request_body = MeetingPatch,
    params(
        ("id" = i64, Path, description = "Meeting id"),
        ("If-Match" = String, Header, description = "The ETag from the last GET, e.g. `\"1\"`"),
    ),
    responses(
        (status = 200, description = "The meeting as changed", body = Meeting, headers(("ETag" = String, description = "Its new version"))),
    )
)]
#[patch("/meetings/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageMeetings>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: Json<MeetingPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let mut checks = Checks::new();
    let changes = meetings::MeetingChanges {
        title: body.title.as_deref().map(|t| checks.check(text::required("title", t, text::SHORT))),
        starts_at: body.starts_at.map(|t| {
            checks.check(text::plausible_date("starts_at", t.date_naive()));
            t.naive_utc()
        }),
        location: body.location.map(|l| checks.check(text::optional("location", l.as_deref(), text::SHORT))),
        status: body.status,
    };
    checks.finish().map_err(ApiError::Validation)?;
    let meeting = ops::meetings::update(&state, &caller, MeetingId(id), if_match.0, changes).await?;
    Ok(resource_response(meeting.version, &Meeting::from(meeting)))
}

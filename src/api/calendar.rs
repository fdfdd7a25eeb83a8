//! The calendar: what is owed in the coming weeks and what is late, in one
//! call; and the iCalendar feed that Outlook and other calendars subscribe to.

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use crate::auth::{policy, Caller};
use crate::domain::statutory::{Party, StatutoryStep};
use crate::domain::text;
use crate::error::ApiError;
use crate::ops::calendar::{Entry, EntryKind};
use crate::ops::{self, statutory::today};
use crate::store;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    /// Only this committee's.
    #[param(minimum = 1)]
    pub committee_id: Option<i64>,
    /// The first day (default: today in Europe/London).
    pub from: Option<NaiveDate>,
    /// How many weeks from `from`, 1 to 52 (default 6).
    #[param(minimum = 1, maximum = 52)]
    pub weeks: Option<i64>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CalendarEntryKind {
    StatutoryStep,
    Recommendation,
    Action,
}

/// One thing owed, by whom and by when.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CalendarEntry {
    pub kind: CalendarEntryKind,
    /// The last day (for an action, the day of the meeting it is due at).
    pub due_on: NaiveDate,
    pub committee_id: i64,
    /// Who owes it by law: the PCC or the panel (statutory steps; the PCC for recommendations).
    pub owed_by: Option<Party>,
    /// Who owns it (actions).
    pub owner: Option<String>,
    #[schema(example = "Precept 2027/28: Panel reports to the PCC")]
    pub title: String,
    /// Where the law sets it.
    #[schema(example = "SI 2012/2271 reg 4(1); PRSRA 2011 Sch 5 para 3")]
    pub source: Option<String>,
    /// Past its day and not done.
    pub late: bool,
    pub process_id: Option<i64>,
    pub step: Option<StatutoryStep>,
    pub recommendation_id: Option<i64>,
    pub action_id: Option<i64>,
    pub reference: Option<String>,
}

impl From<Entry> for CalendarEntry {
    fn from(e: Entry) -> Self {
        CalendarEntry {
            kind: match e.kind {
                EntryKind::StatutoryStep => CalendarEntryKind::StatutoryStep,
                EntryKind::Recommendation => CalendarEntryKind::Recommendation,
                EntryKind::Action => CalendarEntryKind::Action,
            },
            due_on: e.due_on,
            committee_id: e.committee_id,
            owed_by: e.owed_by,
            owner: e.owner,
            title: e.title,
            source: e.source.map(str::to_string),
            late: e.late,
            process_id: e.process_id,
            step: e.step,
            recommendation_id: e.recommendation_id,
            action_id: e.action_id,
            reference: e.reference,
        }
    }
}

/// What is owed in the window, and what is already late.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CalendarPage {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Today in Europe/London, the day lateness is judged on.
    pub today: NaiveDate,
    /// Not yet done and due from `from` to `to`, soonest first.
    pub due: Vec<CalendarEntry>,
    /// Not done and past its day, whenever it was due, oldest first.
    pub late: Vec<CalendarEntry>,
    /// False when a kind had more than 500 entries and the rest were left out.
    pub complete: bool,
}

/// What the law requires of whom in the coming weeks, and is anything late?
/// Statutory steps (with the rule that sets each date), the PCC's responses
/// to the panel's recommendations, and actions due at meetings, across
/// committees or for one.
#[utoipa::path(
    operation_id = "get_calendar",
    security(("bearer" = [])),
    tag = "calendar",
    params(CalendarQuery),
    responses(
        (status = 200, description = "What is due and what is late", body = CalendarPage),
        (status = 404, description = "No such committee", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/calendar")]
pub async fn get_calendar(
    caller: Caller<policy::Read>,
    state: web::Data<AppState>,
    query: web::Query<CalendarQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let now = store::now();
    let from = query.from.unwrap_or_else(|| today(now));
    text::plausible_date("from", from)
        .map_err(|e| ApiError::BadRequest(format!("invalid query parameter: from {}", e.message)))?;
    let weeks = query.weeks.unwrap_or(6);
    if !(1..=52).contains(&weeks) {
        return Err(ApiError::BadRequest(format!("weeks must be 1 to 52 (got {weeks})")));
    }
    if let Some(id) = query.committee_id.filter(|id| *id < 1) {
        return Err(ApiError::BadRequest(format!("committee_id must be 1 or more (got {id})")));
    }
    let to = from + Duration::days(weeks * 7 - 1);
    text::plausible_date("to", to).map_err(|_| {
        ApiError::BadRequest(format!(
            "the window must end by {}-12-31: start earlier or ask for fewer weeks",
            text::YEARS.end()
        ))
    })?;
    let agenda = ops::calendar::agenda(&state, &caller, query.committee_id, from, to, now).await?;
    Ok(HttpResponse::Ok().json(CalendarPage {
        from: agenda.from,
        to: agenda.to,
        today: agenda.today,
        due: agenda.due.into_iter().map(CalendarEntry::from).collect(),
        late: agenda.late.into_iter().map(CalendarEntry::from).collect(),
        complete: agenda.complete,
    }))
}

/// A new calendar feed secret, shown once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CalendarToken {
    /// Keep it like a password: anyone with the address can read the calendar.
    #[schema(example = "cal_3q2-7wMZ...")]
    pub token: String,
    /// Each committee's feed address, with `{committee_id}` to fill in.
    #[schema(example = "/api/v1/committees/{committee_id}/calendar.ics?token=cal_3q2-7wMZ...")]
    pub feed_url_template: String,
}

/// Gives the caller a new secret for their calendar feeds and ends the old
/// one (a feed address that leaked stops working). People only: a service
/// credential or single sign-on caller has no account to keep one on (403).
#[utoipa::path(
    operation_id = "reset_calendar_token",
    security(("bearer" = [])),
    tag = "calendar",
    responses((status = 200, description = "The new secret, shown once", body = CalendarToken))
)]
#[post("/me/calendar-token")]
pub async fn reset_calendar_token(
    caller: Caller<policy::SignedIn>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let token = ops::calendar::reset_token(&state, &caller).await?;
    let base = state.reminders.public_url.clone().unwrap_or_default();
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(CalendarToken {
        feed_url_template: format!("{base}/api/v1/committees/{{committee_id}}/calendar.ics?token={token}"),
        token,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// The caller's calendar feed secret (`POST /api/v1/me/calendar-token`).
    #[param(max_length = 100)]
    pub token: String,
}

/// The committee's meetings and statutory dates as an iCalendar feed
/// (RFC 5545) for Outlook, Google or Apple calendars to subscribe to; times
/// in Europe/London. Calendar programs cannot sign in, so the address
/// carries the person's own secret; an unknown secret is 404.
#[utoipa::path(
    operation_id = "get_committee_calendar_feed",
    tag = "calendar",
    params(("id" = i64, Path, description = "Committee id"), FeedQuery),
    responses(
        (status = 200, description = "The calendar", content_type = "text/calendar", body = String),
        (status = 404, description = "No such feed: an unknown or reset secret, or no such committee", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/committees/{id}/calendar.ics")]
pub async fn get_committee_calendar_feed(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    let token = query.into_inner().token;
    if token.len() > 100 {
        return Err(ApiError::NotFound { resource: "calendar feed", id: id.to_string() });
    }
    let public_url = state.reminders.public_url.clone();
    let body = ops::calendar::feed(&state, id.into_inner(), token, public_url).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .body(body))
}

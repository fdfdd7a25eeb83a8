//! The public, read-only API of published committees (`/api/v1/public/...`)
//! and its open data. Every answer is built from the types here, which hold
//! only public fields: a field added to an action is private until it is
//! added here on purpose. An exempt action shows that it exists, its
//! reference, status, dates and the paragraph of Schedule 12A, nothing
//! else; nobody's account, no actor, no reason for a status change, no
//! service data is ever here.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use crate::domain::action_log::Section;
use crate::domain::lifecycle::is_overdue;
use crate::domain::search::SearchTerms;
use crate::domain::{ActionId, ActionKind, ActionStatus, CommitteeId, MeetingId, MeetingStatus};
use crate::error::{ApiError, Problem};
use crate::http::cache;
use crate::http::pagination::{self, ListQuery, Page, PageQuery};
use crate::ops::public::{self, ActionRecord, ActionsPage, CommitteeRecord, MeetingRecord};
use crate::store::actions::{ActionFilter, ActionView};
use crate::store::{self, committees, events, meetings};

/// The version of the open data files' schema (docs/open-data.md): the
/// major number changes only when a field is removed or changes meaning.
pub const OPEN_DATA_SCHEMA_VERSION: &str = "1.0";

/// A published committee.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PublicCommittee {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "KMPCP")]
    pub code: String,
    #[schema(example = "Kent and Medway Police and Crime Panel")]
    pub name: String,
    pub description: Option<String>,
    pub published_at: DateTime<Utc>,
}

impl From<committees::Committee> for PublicCommittee {
    fn from(c: committees::Committee) -> Self {
        PublicCommittee {
            id: c.id,
            code: c.code,
            name: c.name,
            description: c.description,
            published_at: store::utc(c.published_at.unwrap_or(c.updated_at)),
        }
    }
}

/// A meeting of a published committee.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PublicMeeting {
    pub id: i64,
    pub committee_id: i64,
    #[schema(example = "Police and Crime Panel, 4 February 2027")]
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub location: Option<String>,
    pub status: MeetingStatus,
}

impl From<meetings::Meeting> for PublicMeeting {
    fn from(m: meetings::Meeting) -> Self {
        PublicMeeting {
            id: m.id,
            committee_id: m.committee_id,
            title: m.title,
            starts_at: store::utc(m.starts_at),
            location: m.location,
            status: m.status,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PublicAgendaItem {
    pub id: i64,
    #[schema(example = "7")]
    pub number: String,
    pub title: String,
}

/// Why an action's content is not public: a paragraph of Schedule 12A to
/// the Local Government Act 1972 and what that paragraph covers.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PublicExemption {
    #[schema(example = 3)]
    pub paragraph: u8,
    #[schema(
        example = "Information relating to the financial or business affairs of any particular person (including the authority holding that information)"
    )]
    pub category: String,
}

/// An action as the public sees it. For an exempt action (`exempt` set)
/// the content fields are `null`: only that it exists, its reference,
/// status and dates are public.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PublicAction {
    #[schema(example = 12)]
    pub id: i64,
    #[schema(example = "KMPCP/2026/007")]
    pub reference: String,
    pub committee_id: i64,
    pub raised_at_meeting_id: i64,
    pub raised_at_meeting_date: Option<NaiveDate>,
    pub due_meeting_id: Option<i64>,
    pub due_meeting_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub status: ActionStatus,
    /// Past its due meeting or date and not yet responded to.
    pub overdue: bool,
    pub times_carried_forward: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub exempt: Option<PublicExemption>,
    pub agenda_item_id: Option<i64>,
    pub minute_paragraph: Option<String>,
    /// Who made the commitment ("Commissioner").
    pub committed_by: Option<String>,
    /// Who it was made to ("Mr Smith, Member").
    pub owed_to: Option<String>,
    pub kind: Option<ActionKind>,
    pub description: Option<String>,
    /// The sentence of the minutes the action came from.
    pub source_sentence: Option<String>,
    /// The Commissioner's response, once submitted.
    pub response: Option<String>,
}

impl PublicAction {
    pub(crate) fn new(view: ActionView, meeting_starts: &HashMap<i64, NaiveDateTime>, now: DateTime<Utc>) -> Self {
        let r = view.row;
        let date = |id: i64| meeting_starts.get(&id).map(|t| t.date());
        let exemption = r.exemption();
        let open = exemption.is_none();
        let public = |value: Option<String>| value.filter(|_| open);
        PublicAction {
            overdue: is_overdue(r.status, view.due_meeting_starts_at.map(store::utc), r.due_date, now),
            raised_at_meeting_date: date(r.raised_at_meeting_id),
            due_meeting_date: r.due_meeting_id.and_then(date),
            id: r.id,
            reference: r.reference,
            committee_id: r.committee_id,
            raised_at_meeting_id: r.raised_at_meeting_id,
            due_meeting_id: r.due_meeting_id,
            due_date: r.due_date,
            status: r.status,
            times_carried_forward: r.times_carried_forward,
            created_at: store::utc(r.created_at),
            updated_at: store::utc(r.updated_at),
            completed_at: r.completed_at.map(store::utc),
            closed_at: r.closed_at.map(store::utc),
            exempt: exemption.map(|e| PublicExemption {
                paragraph: e.paragraph.number(),
                category: e.paragraph.description().to_string(),
            }),
            agenda_item_id: r.agenda_item_id.filter(|_| open),
            minute_paragraph: public(r.minute_paragraph),
            committed_by: public(r.committed_by),
            owed_to: public(r.owed_to),
            kind: Some(r.kind).filter(|_| open),
            description: public(Some(r.description)),
            source_sentence: public(r.source_sentence),
            response: public(r.response),
        }
    }
}

/// A change of an action's status: when, from and to (who made it and why are not public).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatusChange {
    pub at: DateTime<Utc>,
    /// `null` for the action being logged.
    pub from: Option<ActionStatus>,
    pub to: ActionStatus,
}

/// An action with the history of its status (empty for an exempt action).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PublicActionRecord {
    pub committee: PublicCommittee,
    pub action: PublicAction,
    pub status_history: Vec<StatusChange>,
}

impl PublicActionRecord {
    pub(crate) fn new(record: ActionRecord, now: DateTime<Utc>) -> Self {
        let status_history = record
            .status_events
            .iter()
            .filter_map(|e| {
                let (from, to) = events::status_change(e)?;
                Some(StatusChange {
                    at: store::utc(e.occurred_at),
                    from: from.and_then(|f| f.parse().ok()),
                    to: to.parse().ok()?,
                })
            })
            .collect();
        PublicActionRecord {
            committee: record.committee.into(),
            action: PublicAction::new(record.action, &record.meeting_starts, now),
            status_history,
        }
    }
}

/// A published committee with its meetings in time order.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PublicCommitteeRecord {
    pub committee: PublicCommittee,
    pub meetings: Vec<PublicMeeting>,
}

impl From<CommitteeRecord> for PublicCommitteeRecord {
    fn from(r: CommitteeRecord) -> Self {
        PublicCommitteeRecord {
            committee: r.committee.into(),
            meetings: r.meetings.into_iter().map(PublicMeeting::from).collect(),
        }
    }
}

/// One section of a meeting's action log.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PublicLogSection {
    #[schema(example = "Actions due at this meeting")]
    pub title: String,
    pub actions: Vec<PublicAction>,
}

/// A meeting with its agenda and its action log, as printed in the agenda pack.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PublicMeetingRecord {
    pub committee: PublicCommittee,
    pub meeting: PublicMeeting,
    pub agenda_items: Vec<PublicAgendaItem>,
    pub action_log: Vec<PublicLogSection>,
}

impl PublicMeetingRecord {
    pub(crate) fn new(record: MeetingRecord, now: DateTime<Utc>) -> Self {
        let log = record.log;
        let starts = log.meeting_starts;
        PublicMeetingRecord {
            committee: log.committee.into(),
            meeting: log.meeting.into(),
            agenda_items: record
                .agenda
                .into_iter()
                .map(|a| PublicAgendaItem { id: a.id, number: a.number, title: a.title })
                .collect(),
            action_log: log
                .sections
                .into_iter()
                .map(|(section, views): (Section, Vec<ActionView>)| PublicLogSection {
                    title: section.title().to_string(),
                    actions: views.into_iter().map(|v| PublicAction::new(v, &starts, now)).collect(),
                })
                .collect(),
        }
    }
}

/// The whole action list of a committee as open data.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OpenDataActions {
    /// The schema's version (docs/open-data.md).
    #[schema(example = "1.0")]
    pub schema_version: String,
    /// When the data last changed: the latest `updated_at` of the committee
    /// and its actions (not the time of the request, so an unchanged list
    /// keeps its ETag).
    pub last_changed_at: DateTime<Utc>,
    pub committee: PublicCommittee,
    pub actions: Vec<PublicAction>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PublicActionListQuery {
    /// Full-text search, as for the staff list; exempt actions are found by reference only.
    #[param(example = "school visits", max_length = 200)]
    pub q: Option<String>,
    /// One status or several separated by commas.
    #[param(example = "open,in_progress")]
    pub status: Option<String>,
    pub raised_at_meeting_id: Option<i64>,
    pub due_meeting_id: Option<i64>,
    /// `true`: only overdue actions; `false`: only those not overdue.
    pub overdue: Option<bool>,
}

/// The statuses of a `status` parameter.
pub(crate) fn parse_statuses(value: Option<&str>) -> Result<Vec<ActionStatus>, ApiError> {
    let Some(value) = value else { return Ok(vec![]) };
    value
        .split(',')
        .map(|s| s.parse::<ActionStatus>())
        .collect::<Result<_, _>>()
        .map_err(|e| ApiError::BadRequest(format!("invalid query parameter: status: {e}")))
}

/// Lists the published committees, by name.
#[utoipa::path(
    operation_id = "list_public_committees",
    tag = "public",
    responses(
        (status = 200, description = "The published committees", body = Vec<PublicCommittee>,
            headers(("ETag" = String, description = "A tag of the answer's content, for If-None-Match"))),
        (status = 304, description = "Not modified since the ETag sent in If-None-Match"),
        (status = 429, description = "Too many requests from this address", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = String, description = "Seconds to wait"))),
    )
)]
#[get("/public/committees")]
pub async fn list_public_committees(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let committees: Vec<PublicCommittee> =
        public::committees(&state).await?.into_iter().map(PublicCommittee::from).collect();
    Ok(cache::json(&req, &committees))
}

/// A published committee with its meetings.
#[utoipa::path(
    operation_id = "get_public_committee",
    tag = "public",
    params(("id" = i64, Path, description = "The committee")),
    responses(
        (status = 200, description = "The committee and its meetings", body = PublicCommitteeRecord,
            headers(("ETag" = String, description = "A tag of the answer's content, for If-None-Match"))),
        (status = 304, description = "Not modified since the ETag sent in If-None-Match"),
        (status = 404, description = "No published committee has this id", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = String, description = "Seconds to wait"))),
    )
)]
#[get("/public/committees/{id}")]
pub async fn get_public_committee(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let record = public::committee(&state, CommitteeId(id.into_inner())).await?;
    Ok(cache::json(&req, &PublicCommitteeRecord::from(record)))
}

/// A meeting of a published committee, with its agenda and action log.
#[utoipa::path(
    operation_id = "get_public_meeting",
    tag = "public",
    params(("id" = i64, Path, description = "The meeting")),
    responses(
        (status = 200, description = "The meeting, its agenda and its action log", body = PublicMeetingRecord,
            headers(("ETag" = String, description = "A tag of the answer's content, for If-None-Match"))),
        (status = 304, description = "Not modified since the ETag sent in If-None-Match"),
        (status = 404, description = "No meeting of a published committee has this id", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = String, description = "Seconds to wait"))),
    )
)]
#[get("/public/meetings/{id}")]
pub async fn get_public_meeting(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let record = public::meeting(&state, MeetingId(id.into_inner())).await?;
    Ok(cache::json(&req, &PublicMeetingRecord::new(record, Utc::now())))
}

/// The actions of a published committee, in the order they were logged, with
/// filters; with `q`, a search's matches, best first.
#[utoipa::path(
    operation_id = "list_public_actions",
    tag = "public",
    params(("id" = i64, Path, description = "The committee"), PublicActionListQuery, PageQuery),
    responses(
        (status = 200, description = "A page of actions", body = Page<PublicAction>,
            headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"),
                    ("ETag" = String, description = "A tag of the answer's content, for If-None-Match"))),
        (status = 304, description = "Not modified since the ETag sent in If-None-Match"),
        (status = 404, description = "No published committee has this id", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = String, description = "Seconds to wait"))),
    )
)]
#[get("/public/committees/{id}/actions")]
pub async fn list_public_actions(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
    query: ListQuery<PublicActionListQuery>,
) -> Result<HttpResponse, ApiError> {
    let ListQuery { page, filter: query } = query;
    let (after, limit) = page.by_id()?;
    let terms = SearchTerms::parse("q", query.q.as_deref().unwrap_or_default())
        .map_err(|e| ApiError::BadRequest(format!("invalid query parameter: q {}", e.message)))?;
    let filter = ActionFilter {
        statuses: parse_statuses(query.status.as_deref())?,
        raised_at_meeting_id: query.raised_at_meeting_id,
        due_meeting_id: query.due_meeting_id,
        overdue: query.overdue,
        ..Default::default()
    };
    let now = store::now();
    let ActionsPage { actions, meeting_starts, .. } =
        public::actions(&state, CommitteeId(id.into_inner()), filter, terms, after, limit, now).await?;
    let page = pagination::page(
        actions,
        limit,
        |(key, _)| vec![*key],
        |(_, v)| PublicAction::new(v, &meeting_starts, store::utc(now)),
    );
    Ok(cache::page(&req, &page))
}

/// An action of a published committee with the history of its status.
#[utoipa::path(
    operation_id = "get_public_action",
    tag = "public",
    params(("id" = i64, Path, description = "The action")),
    responses(
        (status = 200, description = "The action", body = PublicActionRecord,
            headers(("ETag" = String, description = "A tag of the answer's content, for If-None-Match"))),
        (status = 304, description = "Not modified since the ETag sent in If-None-Match"),
        (status = 404, description = "No action of a published committee has this id", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = String, description = "Seconds to wait"))),
    )
)]
#[get("/public/actions/{id}")]
pub async fn get_public_action(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let record = public::action(&state, ActionId(id.into_inner())).await?;
    Ok(cache::json(&req, &PublicActionRecord::new(record, Utc::now())))
}

/// Every action of a published committee as open data (JSON), schema in docs/open-data.md.
#[utoipa::path(
    operation_id = "download_public_actions_json",
    tag = "public",
    params(("id" = i64, Path, description = "The committee")),
    responses(
        (status = 200, description = "The committee's whole action list", body = OpenDataActions,
            headers(("ETag" = String, description = "A tag of the answer's content, for If-None-Match"))),
        (status = 304, description = "Not modified since the ETag sent in If-None-Match"),
        (status = 404, description = "No published committee has this id", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = String, description = "Seconds to wait"))),
    )
)]
#[get("/public/committees/{id}/actions.json")]
pub async fn download_public_actions_json(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let now = store::now();
    let all = public::all_actions(&state, CommitteeId(id.into_inner()), now).await?;
    let data = open_data(all, now);
    Ok(cache::json(&req, &data))
}

/// The open data document for a committee's actions.
pub(crate) fn open_data(all: ActionsPage, now: NaiveDateTime) -> OpenDataActions {
    let starts = all.meeting_starts;
    let last_changed =
        all.actions.iter().map(|(_, v)| v.row.updated_at).chain([all.committee.updated_at]).max().unwrap_or(now);
    OpenDataActions {
        schema_version: OPEN_DATA_SCHEMA_VERSION.into(),
        last_changed_at: store::utc(last_changed),
        committee: all.committee.into(),
        actions: all.actions.into_iter().map(|(_, v)| PublicAction::new(v, &starts, store::utc(now))).collect(),
    }
}

/// The columns of the CSV open data, in order (docs/open-data.md).
pub const CSV_COLUMNS: &[&str] = &[
    "id",
    "reference",
    "committee_code",
    "raised_at_meeting_id",
    "raised_at_meeting_date",
    "due_meeting_id",
    "due_meeting_date",
    "due_date",
    "status",
    "overdue",
    "times_carried_forward",
    "created_at",
    "updated_at",
    "completed_at",
    "closed_at",
    "exempt_paragraph",
    "minute_paragraph",
    "committed_by",
    "owed_to",
    "kind",
    "description",
    "source_sentence",
    "response",
];

/// The open data as CSV: a header row of [`CSV_COLUMNS`], then one row per action.
pub(crate) fn open_data_csv(data: &OpenDataActions) -> String {
    use crate::domain::action_log::csv_field;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let opt = |v: Option<String>| v.unwrap_or_default();
    let time = |t: &DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut out = CSV_COLUMNS.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(",");
    out.push_str("\r\n");
    for a in &data.actions {
        let fields: Vec<String> = vec![
            a.id.to_string(),
            a.reference.clone(),
            data.committee.code.clone(),
            a.raised_at_meeting_id.to_string(),
            opt(a.raised_at_meeting_date.map(|d| d.to_string())),
            opt(a.due_meeting_id.map(|d| d.to_string())),
            opt(a.due_meeting_date.map(|d| d.to_string())),
            opt(a.due_date.map(|d| d.to_string())),
            a.status.as_str().to_string(),
            a.overdue.to_string(),
            a.times_carried_forward.to_string(),
            time(&a.created_at),
            time(&a.updated_at),
            opt(a.completed_at.as_ref().map(time)),
            opt(a.closed_at.as_ref().map(time)),
            opt(a.exempt.as_ref().map(|e| e.paragraph.to_string())),
            text(&a.minute_paragraph),
            text(&a.committed_by),
            text(&a.owed_to),
            opt(a.kind.map(|k| k.as_str().to_string())),
            text(&a.description),
            text(&a.source_sentence),
            text(&a.response),
        ];
        out.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

/// Every action of a published committee as open data (CSV), columns in docs/open-data.md.
#[utoipa::path(
    operation_id = "download_public_actions_csv",
    tag = "public",
    params(("id" = i64, Path, description = "The committee")),
    responses(
        (status = 200, description = "The committee's whole action list, one row per action", content_type = "text/csv", body = String,
            headers(("ETag" = String, description = "A tag of the answer's content, for If-None-Match"))),
        (status = 304, description = "Not modified since the ETag sent in If-None-Match"),
        (status = 404, description = "No published committee has this id", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = String, description = "Seconds to wait"))),
    )
)]
#[get("/public/committees/{id}/actions.csv")]
pub async fn download_public_actions_csv(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let now = store::now();
    let all = public::all_actions(&state, CommitteeId(id.into_inner()), now).await?;
    let code = all.committee.code.clone();
    let csv = open_data_csv(&open_data(all, now));
    let disposition = format!("attachment; filename=\"{}-actions.csv\"", code.to_lowercase());
    Ok(cache::body(&req, "text/csv; charset=utf-8", csv.into_bytes(), &[(header::CONTENT_DISPOSITION, disposition)]))
}

/// The latest changes to a published committee's actions as an Atom feed.
#[utoipa::path(
    operation_id = "get_public_feed",
    tag = "public",
    params(("id" = i64, Path, description = "The committee")),
    responses(
        (status = 200, description = "An Atom feed of the latest 50 changes", content_type = "application/atom+xml", body = String,
            headers(("ETag" = String, description = "A tag of the answer's content, for If-None-Match"))),
        (status = 304, description = "Not modified since the ETag sent in If-None-Match"),
        (status = 404, description = "No published committee has this id", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = String, description = "Seconds to wait"))),
    )
)]
#[get("/public/committees/{id}/feed.atom")]
pub async fn get_public_feed(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (committee, entries) = public::feed(&state, CommitteeId(id.into_inner())).await?;
    let atom = super::atom::atom(&committee, &entries);
    Ok(cache::body(&req, "application/atom+xml; charset=utf-8", atom.into_bytes(), &[]))
}

/// A recommendation of the panel and the PCC's response, as published.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PublicRecommendation {
    #[schema(example = "KMPCP/R/2027/001")]
    pub reference: String,
    pub text: String,
    pub due_on: Option<NaiveDate>,
    pub overdue: bool,
    pub rating: crate::domain::action_log::Rating,
    pub response: Option<crate::domain::statutory::PccResponse>,
    pub response_text: Option<String>,
    pub responded_on: Option<NaiveDate>,
}

/// A report of the panel to the PCC and the PCC's published response.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PublicReport {
    #[schema(example = 1)]
    pub id: i64,
    pub subject: crate::domain::statutory::ReportSubject,
    #[schema(example = "Report on the proposed precept 2027/28")]
    pub title: String,
    /// The meeting that agreed it.
    pub meeting_id: Option<i64>,
    pub reported_on: NaiveDate,
    /// Where the panel published it.
    pub published_url: Option<String>,
    pub response_due_on: Option<NaiveDate>,
    /// When and where the PCC published their response.
    pub response_published_on: Option<NaiveDate>,
    pub response_url: Option<String>,
    pub recommendations: Vec<PublicRecommendation>,
}

impl PublicReport {
    pub fn new(record: crate::store::panel_reports::ReportRecord, today: NaiveDate) -> Self {
        use crate::domain::statutory::{recommendation_overdue, recommendation_rating};
        let r = record.report;
        PublicReport {
            id: r.id,
            subject: r.subject,
            title: r.title,
            meeting_id: r.meeting_id,
            reported_on: r.reported_on,
            published_url: r.published_url,
            response_due_on: r.response_due_on,
            response_published_on: r.response_published_on,
            response_url: r.response_url,
            recommendations: record
                .recommendations
                .into_iter()
                .map(|x| {
                    let responded = x.response.is_some();
                    let overdue = recommendation_overdue(x.due_on, responded, today);
                    PublicRecommendation {
                        reference: x.reference,
                        text: x.body,
                        due_on: x.due_on,
                        overdue,
                        rating: recommendation_rating(responded, overdue),
                        response: x.response,
                        response_text: x.response_text,
                        responded_on: x.responded_on,
                    }
                })
                .collect(),
        }
    }
}

/// The panel's reports to the PCC (on the precept, the plan, the annual
/// report, appointments and other decisions), newest first, each with its
/// recommendations and the PCC's responses: the documents the law has the
/// panel and the PCC publish. The latest 200.
#[utoipa::path(
    operation_id = "list_public_reports",
    tag = "public",
    params(("id" = i64, Path, description = "The committee")),
    responses(
        (status = 200, description = "The committee's reports", body = Vec<PublicReport>,
            headers(("ETag" = String, description = "A tag of the answer's content, for If-None-Match"))),
        (status = 304, description = "Not modified since the ETag sent in If-None-Match"),
        (status = 404, description = "No published committee has this id", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = String, description = "Seconds to wait"))),
    )
)]
#[get("/public/committees/{id}/reports")]
pub async fn list_public_reports(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (_, reports) = public::reports(&state, CommitteeId(id.into_inner())).await?;
    let today = crate::ops::statutory::today(store::now());
    let reports: Vec<PublicReport> = reports.into_iter().map(|r| PublicReport::new(r, today)).collect();
    Ok(cache::json(&req, &reports))
}

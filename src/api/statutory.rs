//! The panel's statutory work over HTTP: processes and their steps (the
//! dates computed from the law), the panel's reports with their
//! recommendations, the PCC's responses, and each one's timeline.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::{page_response, resource_response, AppState};
use crate::auth::{policy, Caller};
use crate::domain::action_log::Rating;
use crate::domain::statutory::{
    self as rules, DueSource, Party, PccResponse, ProcessKind, ProcessStatus, ReportSubject, StatutoryStep, Vote,
};
use crate::domain::text::{self, Checks};
use crate::error::{ApiError, Problem};
use crate::http::body::Json;
use crate::http::etag::IfMatch;
use crate::http::idempotency::{created, respond, IdempotencyKey};
use crate::http::pagination::{self, ListQuery, Page, PageQuery};
use crate::ops::{self, statutory::today, Record};
use crate::store;
use crate::store::panel_reports::{self, RecommendationFilter, ReportFilter};
use crate::store::statutory::{self as store_statutory, ProcessFilter, StepRecord};
use crate::store::statutory_events::{Event, Subject};

/// A veto as recorded: the votes for it and the panel's membership at the time.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct VetoVote {
    #[schema(example = 9)]
    pub votes_for: u32,
    /// The persons who were members of the panel at the time (not those present).
    #[schema(example = 12)]
    pub members: u32,
    /// Two-thirds of the membership, rounded up: what a veto needs.
    #[schema(example = 8)]
    pub votes_needed: u32,
}

/// One step of a process: who owes it, by when (and why that date), and what happened.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProcessStep {
    pub step: StatutoryStep,
    #[schema(example = "Panel reports to the PCC")]
    pub title: String,
    pub owed_by: Party,
    /// Where the law sets the step.
    #[schema(example = "SI 2012/2271 reg 4(1); PRSRA 2011 Sch 5 para 3")]
    pub source: String,
    /// Whether the step is required given what has happened (the revised
    /// precept only after a veto in time; nothing after a veto of an appointment).
    pub applies: bool,
    pub due_on: Option<NaiveDate>,
    /// `law` when the date is computed from the law, `panel` when the panel set it.
    pub due_source: Option<DueSource>,
    pub happened_on: Option<NaiveDate>,
    /// Happened after its due date, or still awaited after it.
    pub late: bool,
    /// The meeting where the panel dealt with it.
    pub meeting_id: Option<i64>,
    pub veto: Option<VetoVote>,
    pub document_url: Option<String>,
    pub notes: Option<String>,
    pub recorded_at: Option<DateTime<Utc>>,
    pub recorded_by: Option<String>,
}

/// A statutory process with its steps.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatutoryProcess {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = 1)]
    pub committee_id: i64,
    pub kind: ProcessKind,
    #[schema(example = "Precept 2027/28")]
    pub title: String,
    /// The year the financial year begins (1 April), for a precept or an annual report.
    #[schema(example = 2027)]
    pub financial_year: Option<i32>,
    pub post: Option<String>,
    pub candidate: Option<String>,
    pub status: ProcessStatus,
    /// The first step that applies and has not happened, if the process is open.
    pub next_step: Option<StatutoryStep>,
    /// What the law makes of what has happened, in words (a veto's consequence).
    pub consequence: Option<String>,
    pub steps: Vec<ProcessStep>,
    #[schema(example = 1)]
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl StatutoryProcess {
    pub fn new(record: store_statutory::ProcessRecord, today: NaiveDate) -> Self {
        let rules = record.rules();
        let status = rules.status(today);
        let schedule = rules.schedule(today);
        let next_step = match status {
            ProcessStatus::Open | ProcessStatus::ScrutinyEnded => {
                schedule.iter().find(|s| s.applies && s.happened_on.is_none()).map(|s| s.step)
            }
            _ => None,
        };
        let steps = schedule
            .into_iter()
            .map(|s| {
                let row = record.step(s.step);
                ProcessStep {
                    step: s.step,
                    title: s.step.title().to_string(),
                    owed_by: s.owed_by,
                    source: s.source.to_string(),
                    applies: s.applies,
                    due_on: s.due_on,
                    due_source: s.due_source,
                    happened_on: s.happened_on,
                    late: s.late,
                    meeting_id: row.and_then(|r| r.meeting_id),
                    veto: row.filter(|r| r.veto).and_then(|r| {
                        let (votes_for, members) = (r.votes_for? as u32, r.members? as u32);
                        Some(VetoVote { votes_for, members, votes_needed: rules::votes_needed(members) })
                    }),
                    document_url: row.and_then(|r| r.document_url.clone()),
                    notes: row.and_then(|r| r.notes.clone()),
                    recorded_at: row.and_then(|r| r.recorded_at).map(store::utc),
                    recorded_by: row.and_then(|r| r.recorded_by.clone()),
                }
            })
            .collect();
        let p = record.process;
        StatutoryProcess {
            id: p.id,
            committee_id: p.committee_id,
            kind: p.kind,
            title: p.title,
            financial_year: p.financial_year,
            post: p.post,
            candidate: p.candidate,
            status,
            next_step,
            consequence: rules.consequence(today).map(str::to_string),
            steps,
            version: p.version,
            created_at: store::utc(p.created_at),
            updated_at: store::utc(p.updated_at),
        }
    }
}

/// A recommendation of the panel and the PCC's response to it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Recommendation {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = 1)]
    pub report_id: i64,
    #[schema(example = 1)]
    pub committee_id: i64,
    /// `CODE/R/YEAR/NNN`, numbered per committee and year of the report.
    #[schema(example = "KMPCP/R/2027/001")]
    pub reference: String,
    #[schema(example = "Publish the workforce plan behind the proposed increase in officer numbers.")]
    pub text: String,
    /// When the PCC's response is due.
    pub due_on: Option<NaiveDate>,
    /// Due date passed with no response.
    pub overdue: bool,
    /// Red: overdue; amber: awaiting a response; green: answered.
    pub rating: Rating,
    pub response: Option<PccResponse>,
    pub response_text: Option<String>,
    pub responded_on: Option<NaiveDate>,
    #[schema(example = 1)]
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Recommendation {
    pub fn new(r: panel_reports::RecommendationRow, today: NaiveDate) -> Self {
        let responded = r.response.is_some();
        let overdue = rules::recommendation_overdue(r.due_on, responded, today);
        Recommendation {
            id: r.id,
            report_id: r.report_id,
            committee_id: r.committee_id,
            reference: r.reference,
            text: r.body,
            due_on: r.due_on,
            overdue,
            rating: rules::recommendation_rating(responded, overdue),
            response: r.response,
            response_text: r.response_text,
            responded_on: r.responded_on,
            version: r.version,
            created_at: store::utc(r.created_at),
            updated_at: store::utc(r.updated_at),
        }
    }
}

/// A report of the panel to the PCC, its recommendations, and the PCC's published response.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PanelReport {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = 1)]
    pub committee_id: i64,
    /// The statutory process it belongs to, if any.
    pub process_id: Option<i64>,
    pub subject: ReportSubject,
    #[schema(example = "Report on the proposed precept 2027/28")]
    pub title: String,
    /// The meeting that agreed it.
    pub meeting_id: Option<i64>,
    pub reported_on: NaiveDate,
    /// Where the panel published it.
    pub published_url: Option<String>,
    /// When the PCC's response is due.
    pub response_due_on: Option<NaiveDate>,
    /// When the PCC published their response, and where.
    pub response_published_on: Option<NaiveDate>,
    pub response_url: Option<String>,
    pub recommendations: Vec<Recommendation>,
    #[schema(example = 1)]
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PanelReport {
    pub fn new(record: panel_reports::ReportRecord, today: NaiveDate) -> Self {
        let r = record.report;
        PanelReport {
            id: r.id,
            committee_id: r.committee_id,
            process_id: r.process_id,
            subject: r.subject,
            title: r.title,
            meeting_id: r.meeting_id,
            reported_on: r.reported_on,
            published_url: r.published_url,
            response_due_on: r.response_due_on,
            response_published_on: r.response_published_on,
            response_url: r.response_url,
            recommendations: record.recommendations.into_iter().map(|x| Recommendation::new(x, today)).collect(),
            version: r.version,
            created_at: store::utc(r.created_at),
            updated_at: store::utc(r.updated_at),
        }
    }
}

/// One event of a process's, report's or recommendation's timeline.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatutoryEvent {
    #[schema(example = 1)]
    pub sequence: i32,
    pub occurred_at: DateTime<Utc>,
    #[schema(example = "user:3")]
    pub actor: String,
    /// `created`, `step_recorded`, `due_date_set`, `responded`, `response_published`, `recommendation_responded`.
    #[schema(example = "step_recorded")]
    pub kind: String,
    #[schema(value_type = Object)]
    pub changes: Value,
    pub prev_hash: String,
    pub hash: String,
}

/// A whole timeline, oldest first, and whether its hash chain checks out.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Timeline {
    pub events: Vec<StatutoryEvent>,
    /// Every hash checks out and no event is missing.
    pub chain_intact: bool,
}

fn timeline(events: Vec<Event>, intact: bool) -> Timeline {
    Timeline {
        events: events
            .into_iter()
            .map(|e| StatutoryEvent {
                sequence: e.sequence,
                occurred_at: store::utc(e.occurred_at),
                actor: e.actor,
                kind: e.kind,
                changes: serde_json::from_str(&e.changes).unwrap_or(Value::Null),
                prev_hash: e.prev_hash,
                hash: e.hash,
            })
            .collect(),
        chain_intact: intact,
    }
}

fn now_today() -> NaiveDate {
    today(store::now())
}

// ---- processes ----

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStatutoryProcessRequest {
    #[schema(example = 1)]
    pub committee_id: i64,
    pub kind: ProcessKind,
    /// Defaults to the kind and year, e.g. "Precept 2027/28".
    #[schema(max_length = 200)]
    pub title: Option<String>,
    /// For a precept or an annual report (required for those): the year its
    /// financial year begins on 1 April. The precept for 2027/28 is 2027; its
    /// dates fall in February 2027, in the financial year before, as the law says.
    #[schema(example = 2027, minimum = 1901, maximum = 2200)]
    pub financial_year: Option<i32>,
    /// For a confirmation hearing (required): deputy PCC, chief executive or chief finance officer.
    #[schema(example = "Chief Finance Officer", max_length = 200)]
    pub post: Option<String>,
    /// For an appointment: the proposed candidate.
    #[schema(max_length = 200)]
    pub candidate: Option<String>,
}

/// The filters of the list of processes (its page is a [`PageQuery`]).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProcessListQuery {
    /// Only this committee's processes.
    pub committee_id: Option<i64>,
    pub kind: Option<ProcessKind>,
}

/// Lists statutory processes, newest first.
#[utoipa::path(
    operation_id = "list_statutory_processes",
    security(("bearer" = [])),
    tag = "statutory",
    params(ProcessListQuery, PageQuery),
    responses(
        (status = 200, description = "A page of processes", body = Page<StatutoryProcess>,
            headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
    )
)]
#[get("/statutory-processes")]
pub async fn list_processes(
    caller: Caller<policy::Read>,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: ListQuery<ProcessListQuery>,
) -> Result<HttpResponse, ApiError> {
    let ListQuery { page, filter } = query;
    let limit = pagination::limit(page.limit)?;
    let before = pagination::after_id(page.cursor.as_deref())?;
    let filter = ProcessFilter { committee_id: filter.committee_id, kind: filter.kind, ids: None };
    let rows = ops::statutory::list_processes(&state, &caller, filter, before, limit).await?;
    let today = now_today();
    let page = pagination::page(rows, limit, |r| vec![r.process.id], |r| StatutoryProcess::new(r, today));
    Ok(page_response(&req, page))
}

/// Starts a statutory process for a committee: a precept for a financial
/// year, the Police and Crime Plan or a variation, an annual report, a chief
/// constable appointment or a confirmation hearing. Every step the law sets
/// is listed with who owes it and, where the law sets one, its date.
#[utoipa::path(
    operation_id = "create_statutory_process",
    security(("bearer" = [])),
    tag = "statutory",
    request_body = NewStatutoryProcessRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create return the first response instead of creating twice")),
    responses(
        (status = 201, description = "Created", body = StatutoryProcess,
            headers(("Location" = String, description = "The new process"), ("ETag" = String, description = "Its version; left out on a replay"))),
        (status = 409, description = "A field the kind does not take (a financial year for an appointment, a post for a precept), or one it needs is missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/statutory-processes")]
pub async fn create_process(
    caller: Caller<policy::ManageStatutory>,
    state: web::Data<AppState>,
    key: IdempotencyKey,
    body: Json<NewStatutoryProcessRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let key = key.scoped(&caller.actor(), "POST /api/v1/statutory-processes", &body);
    let mut checks = Checks::new();
    // Which fields a kind takes is a rule of the kind, not of the field's
    // shape: a body that breaks it is valid JSON in conflict with the kind (409).
    let mut conflicts = Checks::new();
    let kind = body.kind;
    let financial_year = match (kind.has_financial_year(), body.financial_year) {
        (true, None) => {
            conflicts
                .push("financial_year", format!("a {kind} process is for a financial year: give the year it begins"));
            None
        }
        (true, Some(y)) if !(*text::YEARS.start() + 1..=*text::YEARS.end()).contains(&y) => {
            checks.push("financial_year", "must be a year between 1901 and 2200");
            None
        }
        (false, Some(_)) => {
            conflicts.push("financial_year", format!("a {kind} process is not for a financial year"));
            None
        }
        (_, year) => year,
    };
    let post = checks.check(text::optional("post", body.post.as_deref(), text::SHORT));
    let candidate = checks.check(text::optional("candidate", body.candidate.as_deref(), text::SHORT));
    if !kind.is_appointment() && (post.is_some() || candidate.is_some()) {
        conflicts
            .push(if post.is_some() { "post" } else { "candidate" }, "only an appointment has a post and a candidate");
    }
    if kind == ProcessKind::ConfirmationHearing && post.is_none() {
        conflicts
            .push("post", "a confirmation hearing is for a post: deputy PCC, chief executive or chief finance officer");
    }
    let post = match kind {
        ProcessKind::ChiefConstableAppointment => post.or_else(|| Some("Chief Constable".to_string())),
        _ => post,
    };
    let title = match body.title.as_deref() {
        Some(t) => checks.check(text::required("title", t, text::SHORT)),
        None => default_title(kind, financial_year, post.as_deref()),
    };
    checks.finish().map_err(ApiError::Validation)?;
    conflicts.finish().map_err(ApiError::ConflictingReference)?;
    let new =
        store_statutory::NewProcess { committee_id: body.committee_id, kind, title, financial_year, post, candidate };
    let today = now_today();
    let record: Record<_> = Box::new(move |p: store_statutory::ProcessRecord| {
        created(format!("/api/v1/statutory-processes/{}", p.process.id), &StatutoryProcess::new(p, today))
    });
    Ok(respond(ops::statutory::create_process(&state, &caller, new, key, record).await?))
}

fn default_title(kind: ProcessKind, year: Option<i32>, post: Option<&str>) -> String {
    match (year, post) {
        (Some(y), _) => format!("{} {}/{:02}", kind.title(), y, (y + 1) % 100),
        (None, Some(post)) if kind == ProcessKind::ConfirmationHearing => format!("{}: {post}", kind.title()),
        _ => kind.title().to_string(),
    }
}

/// Fetches one process with its steps, due dates and where it stands.
#[utoipa::path(
    operation_id = "get_statutory_process",
    security(("bearer" = [])),
    tag = "statutory",
    params(("id" = i64, Path, description = "Process id")),
    responses(
        (status = 200, description = "The process", body = StatutoryProcess, headers(("ETag" = String, description = "Its version"))),
    )
)]
#[get("/statutory-processes/{id}")]
pub async fn get_process(
    caller: Caller<policy::Read>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let record = ops::statutory::get_process(&state, &caller, id.into_inner()).await?;
    let version = record.process.version;
    Ok(resource_response(version, &StatutoryProcess::new(record, now_today())))
}

/// What happened at a step.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepRecordRequest {
    /// The day it happened (a notification: the day the panel received it).
    pub happened_on: NaiveDate,
    /// The meeting where the panel dealt with it.
    pub meeting_id: Option<i64>,
    /// The panel's report vetoes (the precept, or a chief constable's appointment).
    #[serde(default)]
    pub veto: bool,
    /// With a veto: the members who voted for it.
    #[schema(minimum = 0, maximum = 1000)]
    pub votes_for: Option<u32>,
    /// With a veto: the persons who were members of the panel at the time.
    #[schema(minimum = 1, maximum = 1000)]
    pub members: Option<u32>,
    /// Where the document (the notification, the report) is published.
    #[schema(max_length = 2000)]
    pub document_url: Option<String>,
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
}

/// Records that a step happened. The law's order and rules apply: a step
/// before the one it follows, a second report or veto, a veto short of
/// two-thirds of the membership, a revised precept without a veto by
/// 8 February, a hearing after the three weeks: each is refused with 409
/// naming the rule. The panel's steps are the secretariat's to record; the
/// PCC's may also be recorded by OPCC staff.
#[utoipa::path(
    operation_id = "record_statutory_step",
    security(("bearer" = [])),
    tag = "statutory",
    request_body = StepRecordRequest,
    params(
        ("id" = i64, Path, description = "Process id"),
        ("step" = StatutoryStep, Path, description = "The step"),
        ("If-Match" = String, Header, description = "The process's ETag from the last GET, e.g. `\"1\"`"),
    ),
    responses(
        (status = 200, description = "The process as it now stands", body = StatutoryProcess, headers(("ETag" = String, description = "Its new version"))),
        (status = 409, description = "The law does not allow this step now (after today, out of order, votes without a veto or a veto without its votes, a second report or veto, a veto short of two-thirds, a revised precept without a veto by 8 February, a hearing after the three weeks): `detail` names the rule", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/statutory-processes/{id}/steps/{step}")]
pub async fn record_step(
    caller: Caller<policy::RecordPccResponse>,
    state: web::Data<AppState>,
    path: web::Path<(i64, StatutoryStep)>,
    if_match: IfMatch,
    body: Json<StepRecordRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, step) = path.into_inner();
    let body = body.into_inner();
    let mut checks = Checks::new();
    checks.check(text::plausible_date("happened_on", body.happened_on));
    if body.members.is_some_and(|m| !(1..=1000).contains(&m)) {
        checks.push("members", "must be between 1 and 1000");
    }
    if body.votes_for.is_some_and(|v| v > 1000) {
        checks.push("votes_for", "must be between 0 and 1000");
    }
    let mut conflicts = Checks::new();
    let veto = match (body.veto, body.votes_for, body.members) {
        (true, Some(votes_for), Some(members)) => {
            if votes_for > members {
                conflicts.push("votes_for", "cannot be more than the members");
            }
            Some(Vote { votes_for, members })
        }
        (true, _, _) => {
            conflicts.push("votes_for", "a veto records the votes for it and the panel's membership at the time");
            None
        }
        (false, None, None) => None,
        (false, _, _) => {
            conflicts.push("veto", "votes are recorded with a veto: set `veto` to true");
            None
        }
    };
    let record = StepRecord {
        happened_on: body.happened_on,
        meeting_id: body.meeting_id,
        veto,
        document_url: checks.check(text::web_address("document_url", body.document_url.as_deref())),
        notes: checks.check(text::optional("notes", body.notes.as_deref(), text::LONG)),
    };
    checks.finish().map_err(ApiError::Validation)?;
    conflicts.finish().map_err(ApiError::ConflictingReference)?;
    let process = ops::statutory::record_step(&state, &caller, id, if_match.0, step, record).await?;
    let version = process.process.version;
    Ok(resource_response(version, &StatutoryProcess::new(process, now_today())))
}

/// A date the panel sets for a step.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DueDateRequest {
    /// `null` clears it.
    pub due_on: Option<NaiveDate>,
}

/// Sets the date the panel wants a step by, where the law sets none (the
/// plan, the annual report, the PCC's response); 409 where the law sets it.
#[utoipa::path(
    operation_id = "set_statutory_step_due_date",
    security(("bearer" = [])),
    tag = "statutory",
    request_body = DueDateRequest,
    params(
        ("id" = i64, Path, description = "Process id"),
        ("step" = StatutoryStep, Path, description = "The step"),
        ("If-Match" = String, Header, description = "The process's ETag from the last GET, e.g. `\"1\"`"),
    ),
    responses(
        (status = 200, description = "The process as it now stands", body = StatutoryProcess, headers(("ETag" = String, description = "Its new version"))),
        (status = 409, description = "The law sets this step's date", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/statutory-processes/{id}/steps/{step}")]
pub async fn set_due_date(
    caller: Caller<policy::ManageStatutory>,
    state: web::Data<AppState>,
    path: web::Path<(i64, StatutoryStep)>,
    if_match: IfMatch,
    body: Json<DueDateRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, step) = path.into_inner();
    let due_on = body.into_inner().due_on;
    if let Some(d) = due_on {
        text::plausible_date("due_on", d).map_err(|e| ApiError::Validation(vec![e]))?;
    }
    let process = ops::statutory::set_due_date(&state, &caller, id, if_match.0, step, due_on).await?;
    let version = process.process.version;
    Ok(resource_response(version, &StatutoryProcess::new(process, now_today())))
}

/// The process's timeline, oldest first, with the check of its hash chain.
#[utoipa::path(
    operation_id = "list_statutory_process_events",
    security(("bearer" = [])),
    tag = "statutory",
    params(("id" = i64, Path, description = "Process id")),
    responses((status = 200, description = "The timeline", body = Timeline))
)]
#[get("/statutory-processes/{id}/events")]
pub async fn process_events(
    caller: Caller<policy::Read>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (events, intact) =
        ops::statutory::timeline(&state, &caller, Subject::StatutoryProcess, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(timeline(events, intact)))
}

// ---- the panel's reports and recommendations ----

/// One recommendation of a new report.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRecommendationRequest {
    #[schema(max_length = 10000)]
    pub text: String,
    /// When the PCC's response is due; defaults to the report's `response_due_on`.
    pub due_on: Option<NaiveDate>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPanelReportRequest {
    #[schema(example = 1)]
    pub committee_id: i64,
    /// The statutory process it belongs to (its subject must match).
    pub process_id: Option<i64>,
    pub subject: ReportSubject,
    #[schema(example = "Report on the proposed precept 2027/28", max_length = 200)]
    pub title: String,
    /// The meeting that agreed it.
    pub meeting_id: Option<i64>,
    pub reported_on: NaiveDate,
    #[schema(max_length = 2000)]
    pub published_url: Option<String>,
    /// When the PCC's response is due.
    pub response_due_on: Option<NaiveDate>,
    /// Up to 200, numbered in this order.
    #[serde(default)]
    #[schema(max_items = 200)]
    pub recommendations: Vec<NewRecommendationRequest>,
}

/// The filters of the list of reports.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportListQuery {
    pub committee_id: Option<i64>,
    pub process_id: Option<i64>,
}

/// Lists the panel's reports, newest first, each with its recommendations.
#[utoipa::path(
    operation_id = "list_panel_reports",
    security(("bearer" = [])),
    tag = "statutory",
    params(ReportListQuery, PageQuery),
    responses(
        (status = 200, description = "A page of reports", body = Page<PanelReport>,
            headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
    )
)]
#[get("/panel-reports")]
pub async fn list_reports(
    caller: Caller<policy::Read>,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: ListQuery<ReportListQuery>,
) -> Result<HttpResponse, ApiError> {
    let ListQuery { page, filter } = query;
    let limit = pagination::limit(page.limit)?;
    let before = pagination::after_id(page.cursor.as_deref())?;
    let filter = ReportFilter { committee_id: filter.committee_id, process_id: filter.process_id, ids: None };
    let rows = ops::statutory::list_reports(&state, &caller, filter, before, limit).await?;
    let today = now_today();
    Ok(page_response(&req, pagination::page(rows, limit, |r| vec![r.report.id], |r| PanelReport::new(r, today))))
}

/// Records a report of the panel with its recommendations (on the precept,
/// the plan, the annual report, an appointment, or any decision under
/// s.28(6)). Each recommendation gets its own reference and is tracked
/// until the PCC responds.
#[utoipa::path(
    operation_id = "create_panel_report",
    security(("bearer" = [])),
    tag = "statutory",
    request_body = NewPanelReportRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create return the first response instead of creating twice")),
    responses(
        (status = 201, description = "Created", body = PanelReport,
            headers(("Location" = String, description = "The new report"), ("ETag" = String, description = "Its version; left out on a replay"))),
        (status = 409, description = "The body names a record that cannot be used here or a process of another subject, the response is due before the report, or the report is dated after today", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/panel-reports")]
pub async fn create_report(
    caller: Caller<policy::ManageStatutory>,
    state: web::Data<AppState>,
    key: IdempotencyKey,
    body: Json<NewPanelReportRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let key = key.scoped(&caller.actor(), "POST /api/v1/panel-reports", &body);
    let mut checks = Checks::new();
    checks.check(text::plausible_date("reported_on", body.reported_on));
    if let Some(d) = body.response_due_on {
        checks.check(text::plausible_date("response_due_on", d));
        if d < body.reported_on {
            return Err(ApiError::ConflictingReference(vec![crate::domain::FieldError::new(
                "response_due_on",
                "is before the report",
            )]));
        }
    }
    if body.recommendations.len() > 200 {
        checks.push("recommendations", "at most 200 in one report");
    }
    let mut items = Vec::new();
    for (i, r) in body.recommendations.iter().enumerate().take(200) {
        let field = format!("recommendations[{i}].text");
        let text = checks.check(text::required(&field, &r.text, text::LONG));
        if let Some(d) = r.due_on {
            checks.check(text::plausible_date(&format!("recommendations[{i}].due_on"), d));
        }
        items.push(panel_reports::NewRecommendation { body: text, due_on: r.due_on });
    }
    let new = panel_reports::NewReport {
        committee_id: body.committee_id,
        process_id: body.process_id,
        subject: body.subject,
        title: checks.check(text::required("title", &body.title, text::SHORT)),
        meeting_id: body.meeting_id,
        reported_on: body.reported_on,
        published_url: checks.check(text::web_address("published_url", body.published_url.as_deref())),
        response_due_on: body.response_due_on,
    };
    checks.finish().map_err(ApiError::Validation)?;
    let today = now_today();
    let record: Record<_> = Box::new(move |r: panel_reports::ReportRecord| {
        created(format!("/api/v1/panel-reports/{}", r.report.id), &PanelReport::new(r, today))
    });
    Ok(respond(ops::statutory::create_report(&state, &caller, new, items, key, record).await?))
}

/// Fetches one report with its recommendations and the PCC's responses.
#[utoipa::path(
    operation_id = "get_panel_report",
    security(("bearer" = [])),
    tag = "statutory",
    params(("id" = i64, Path, description = "Report id")),
    responses(
        (status = 200, description = "The report", body = PanelReport, headers(("ETag" = String, description = "Its version"))),
    )
)]
#[get("/panel-reports/{id}")]
pub async fn get_report(
    caller: Caller<policy::Read>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let record = ops::statutory::get_report(&state, &caller, id.into_inner()).await?;
    let version = record.report.version;
    Ok(resource_response(version, &PanelReport::new(record, now_today())))
}

/// Where and when the PCC published their response.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishedResponseRequest {
    pub published_on: NaiveDate,
    /// Where it was published.
    #[schema(max_length = 2000)]
    pub url: Option<String>,
}

/// Records that the PCC published their response to the report, and where
/// (the law requires the PCC to give the panel a response and publish it).
#[utoipa::path(
    operation_id = "publish_panel_report_response",
    security(("bearer" = [])),
    tag = "statutory",
    request_body = PublishedResponseRequest,
    params(
        ("id" = i64, Path, description = "Report id"),
        ("If-Match" = String, Header, description = "The report's ETag from the last GET, e.g. `\"1\"`"),
    ),
    responses(
        (status = 200, description = "The report as it now stands", body = PanelReport, headers(("ETag" = String, description = "Its new version"))),
        (status = 409, description = "The date is before the report, or after today", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/panel-reports/{id}/response")]
pub async fn publish_response(
    caller: Caller<policy::RecordPccResponse>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: Json<PublishedResponseRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut checks = Checks::new();
    checks.check(text::plausible_date("published_on", body.published_on));
    let url = checks.check(text::web_address("url", body.url.as_deref()));
    checks.finish().map_err(ApiError::Validation)?;
    let record =
        ops::statutory::publish_response(&state, &caller, id.into_inner(), if_match.0, body.published_on, url).await?;
    let version = record.report.version;
    Ok(resource_response(version, &PanelReport::new(record, now_today())))
}

/// The report's timeline, oldest first, with the check of its hash chain.
#[utoipa::path(
    operation_id = "list_panel_report_events",
    security(("bearer" = [])),
    tag = "statutory",
    params(("id" = i64, Path, description = "Report id")),
    responses((status = 200, description = "The timeline", body = Timeline))
)]
#[get("/panel-reports/{id}/events")]
pub async fn report_events(
    caller: Caller<policy::Read>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (events, intact) = ops::statutory::timeline(&state, &caller, Subject::PanelReport, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(timeline(events, intact)))
}

/// The filters of the list of recommendations.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RecommendationListQuery {
    pub committee_id: Option<i64>,
    pub report_id: Option<i64>,
    /// Only those the PCC has (`true`) or has not (`false`) responded to.
    pub answered: Option<bool>,
    /// Only those past their due date with no response.
    pub overdue: Option<bool>,
}

/// Lists recommendations in the order they were made.
#[utoipa::path(
    operation_id = "list_recommendations",
    security(("bearer" = [])),
    tag = "statutory",
    params(RecommendationListQuery, PageQuery),
    responses(
        (status = 200, description = "A page of recommendations", body = Page<Recommendation>,
            headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
    )
)]
#[get("/recommendations")]
pub async fn list_recommendations(
    caller: Caller<policy::Read>,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: ListQuery<RecommendationListQuery>,
) -> Result<HttpResponse, ApiError> {
    let ListQuery { page, filter: q } = query;
    let (after, limit) = page.by_id()?;
    let today = now_today();
    let mut filter = RecommendationFilter {
        committee_id: q.committee_id,
        report_id: q.report_id,
        answered: q.answered,
        ..Default::default()
    };
    match q.overdue {
        Some(true) => filter.overdue_on = Some(today),
        Some(false) => filter.not_overdue_on = Some(today),
        None => {}
    }
    let rows = ops::statutory::list_recommendations(&state, &caller, filter, after, limit).await?;
    Ok(page_response(&req, pagination::page(rows, limit, |r| vec![r.id], |r| Recommendation::new(r, today))))
}

/// Fetches one recommendation.
#[utoipa::path(
    operation_id = "get_recommendation",
    security(("bearer" = [])),
    tag = "statutory",
    params(("id" = i64, Path, description = "Recommendation id")),
    responses(
        (status = 200, description = "The recommendation", body = Recommendation, headers(("ETag" = String, description = "Its version"))),
    )
)]
#[get("/recommendations/{id}")]
pub async fn get_recommendation(
    caller: Caller<policy::Read>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let row = ops::statutory::get_recommendation(&state, &caller, id.into_inner()).await?;
    Ok(resource_response(row.version, &Recommendation::new(row, now_today())))
}

/// The PCC's response to a recommendation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendationResponseRequest {
    pub response: PccResponse,
    #[schema(max_length = 10000)]
    pub text: String,
    pub responded_on: NaiveDate,
}

/// Records the PCC's response to a recommendation: accepted, partly
/// accepted or not accepted, with its text. Once: a second is 409.
#[utoipa::path(
    operation_id = "respond_to_recommendation",
    security(("bearer" = [])),
    tag = "statutory",
    request_body = RecommendationResponseRequest,
    params(
        ("id" = i64, Path, description = "Recommendation id"),
        ("If-Match" = String, Header, description = "The recommendation's ETag from the last GET, e.g. `\"1\"`"),
    ),
    responses(
        (status = 200, description = "The recommendation, answered", body = Recommendation, headers(("ETag" = String, description = "Its new version"))),
        (status = 409, description = "The PCC has already responded, or the date is before the report or after today", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/recommendations/{id}/response")]
pub async fn respond_to_recommendation(
    caller: Caller<policy::RecordPccResponse>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: Json<RecommendationResponseRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut checks = Checks::new();
    checks.check(text::plausible_date("responded_on", body.responded_on));
    let text = checks.check(text::required("text", &body.text, text::LONG));
    checks.finish().map_err(ApiError::Validation)?;
    let row =
        ops::statutory::respond(&state, &caller, id.into_inner(), if_match.0, body.response, text, body.responded_on)
            .await?;
    Ok(resource_response(row.version, &Recommendation::new(row, now_today())))
}

/// The recommendation's timeline, oldest first, with the check of its hash chain.
#[utoipa::path(
    operation_id = "list_recommendation_events",
    security(("bearer" = [])),
    tag = "statutory",
    params(("id" = i64, Path, description = "Recommendation id")),
    responses((status = 200, description = "The timeline", body = Timeline))
)]
#[get("/recommendations/{id}/events")]
pub async fn recommendation_events(
    caller: Caller<policy::Read>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (events, intact) = ops::statutory::timeline(&state, &caller, Subject::Recommendation, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(timeline(events, intact)))
}

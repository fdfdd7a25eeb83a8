use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::{nullable, page_response, resource_response, AppState};
use crate::auth::{policy, Caller};
use crate::domain::lifecycle::is_overdue;
use crate::domain::text::{self, Checks};
use crate::domain::{ActionKind, ActionStatus, Transition};
use crate::error::{ApiError, Problem};
use crate::http::body::{Json, OptionalJson};
use crate::http::etag::IfMatch;
use crate::http::idempotency::{created, respond, IdempotencyKey};
use crate::http::pagination::{self, Page};
use crate::ops::{self, actions::TransitionInput, Record};
use crate::store::{self, actions, events};

/// One commitment made at a meeting, tracked until it is done.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Action {
    #[schema(example = 42)]
    pub id: i64,
    /// Unique per committee, never reused: committee code, year of the meeting, number.
    #[schema(example = "KMPCP/2018/007")]
    pub reference: String,
    #[schema(example = 1)]
    pub committee_id: i64,
    /// The meeting where the commitment was made.
    #[schema(example = 3)]
    pub raised_at_meeting_id: i64,
    pub agenda_item_id: Option<i64>,
    /// The minute paragraph as numbered in the minutes.
    #[schema(example = "7")]
    pub minute_paragraph: Option<String>,
    #[schema(example = "Commissioner")]
    pub committed_by: Option<String>,
    #[schema(example = "Mr Smith, Member")]
    pub owed_to: Option<String>,
    /// The sentence of the minutes that records the commitment, verbatim.
    #[schema(
        example = "In response to a question about Magnate Generation the Commissioner would report back to the Member on which school in Folkestone would be involved in the initial project."
    )]
    pub source_sentence: Option<String>,
    /// What must be done.
    #[schema(example = "Report back on which school in Folkestone will be involved in the Magnate Generation project")]
    pub description: String,
    pub kind: ActionKind,
    /// Who in the OPCC is responsible; absent while unassigned.
    #[schema(example = "Head of Partnerships, OPCC")]
    pub owner: Option<String>,
    /// The meeting the action is due at.
    pub due_meeting_id: Option<i64>,
    pub due_date: Option<NaiveDate>,
    pub status: ActionStatus,
    /// True when the due meeting has started (or the due date passed) and the action still awaits a response.
    pub overdue: bool,
    /// The transitions allowed from the current status.
    #[schema(example = json!(["start", "submit_response", "withdraw"]))]
    pub allowed_transitions: Vec<Transition>,
    /// The OPCC's response.
    pub response: Option<String>,
    /// The reason given at the last return, reopening or withdrawal.
    pub status_reason: Option<String>,
    /// How many times the due meeting was moved on.
    #[schema(example = 0)]
    pub times_carried_forward: i32,
    #[schema(example = 1)]
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    /// When it was completed or withdrawn (cleared when reopened).
    pub closed_at: Option<DateTime<Utc>>,
}

impl Action {
    pub(crate) fn from_view(view: actions::ActionView, now: DateTime<Utc>) -> Self {
        let r = view.row;
        let status = r.status;
        Action {
            overdue: is_overdue(status, view.due_meeting_starts_at.map(store::utc), r.due_date, now),
            allowed_transitions: status.allowed_transitions(),
            kind: r.kind,
            status,
            id: r.id,
            reference: r.reference,
            committee_id: r.committee_id,
            raised_at_meeting_id: r.raised_at_meeting_id,
            agenda_item_id: r.agenda_item_id,
            minute_paragraph: r.minute_paragraph,
            committed_by: r.committed_by,
            owed_to: r.owed_to,
            source_sentence: r.source_sentence,
            description: r.description,
            owner: r.owner,
            due_meeting_id: r.due_meeting_id,
            due_date: r.due_date,
            response: r.response,
            status_reason: r.status_reason,
            times_carried_forward: r.times_carried_forward,
            version: r.version,
            created_at: store::utc(r.created_at),
            updated_at: store::utc(r.updated_at),
            completed_at: r.completed_at.map(store::utc),
            closed_at: r.closed_at.map(store::utc),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewActionRequest {
    /// The meeting where the commitment was made; the action belongs to its committee.
    #[schema(example = 3)]
    pub raised_at_meeting_id: i64,
    /// An agenda item of that meeting.
    pub agenda_item_id: Option<i64>,
    #[schema(example = "7", max_length = 200)]
    pub minute_paragraph: Option<String>,
    #[schema(example = "Commissioner", max_length = 200)]
    pub committed_by: Option<String>,
    #[schema(example = "Mr Smith, Member", max_length = 200)]
    pub owed_to: Option<String>,
    #[schema(max_length = 10000)]
    pub source_sentence: Option<String>,
    #[schema(example = "Report back on which school in Folkestone will be involved", max_length = 10000)]
    pub description: String,
    /// Defaults to `other`.
    pub kind: Option<ActionKind>,
    #[schema(example = "Head of Partnerships, OPCC", max_length = 200)]
    pub owner: Option<String>,
    /// Defaults to the committee's next meeting after the one where it was raised.
    pub due_meeting_id: Option<i64>,
    pub due_date: Option<NaiveDate>,
}

/// Edits to an action; fields left out stay as they are, `null` clears one.
/// Status changes go through the transition endpoints instead.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionPatch {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub agenda_item_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub minute_paragraph: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub committed_by: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub owed_to: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub source_sentence: Option<Option<String>>,
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    pub kind: Option<ActionKind>,
    /// Assigns the action; `null` unassigns it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub owner: Option<Option<String>>,
    /// Corrects the due meeting (use carry-forward to move it on and count it).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub due_meeting_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    pub due_date: Option<Option<NaiveDate>>,
}

/// The body of a lifecycle transition. `submit-response` needs `response`;
/// `return`, `reopen` and `withdraw` need `reason`; `start` and `accept` take neither
/// (the body may be left out).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    #[schema(example = "The school is Folkestone Academy; the project starts in the autumn term.", max_length = 10000)]
    pub response: Option<String>,
    #[schema(example = "Not in the required format", max_length = 10000)]
    pub reason: Option<String>,
}

/// The body `submit-response` takes (as documented; read as a [`TransitionRequest`]).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ResponseRequest {
    /// What the OPCC says was done.
    #[schema(example = "The school is Folkestone Academy; the project starts in the autumn term.", max_length = 10000)]
    pub response: String,
}

/// The body `return`, `reopen` and `withdraw` take (as documented; read as a [`TransitionRequest`]).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ReasonRequest {
    /// Why, for the timeline and the action log.
    #[schema(example = "Not in the required format", max_length = 10000)]
    pub reason: String,
}

/// An empty object: `start` and `accept` take nothing.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoBody {}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CarryForwardRequest {
    /// A later meeting of the committee; by default its next meeting after the one the
    /// action is due at (for a whole meeting's actions: after that meeting).
    pub to_meeting_id: Option<i64>,
    #[schema(example = "Figures not yet available", max_length = 10000)]
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActionListQuery {
    /// One status or several separated by commas, e.g. `open,in_progress`.
    #[param(example = "open,in_progress")]
    pub status: Option<String>,
    pub committee_id: Option<i64>,
    /// Actions raised at this meeting.
    pub raised_at_meeting_id: Option<i64>,
    /// Actions due at this meeting.
    pub due_meeting_id: Option<i64>,
    /// Actions assigned to this owner (exact match).
    pub owner: Option<String>,
    /// `true`: only overdue actions; `false`: only those not overdue.
    pub overdue: Option<bool>,
    /// Only actions changed at or after this time (RFC 3339), for incremental sync.
    pub updated_since: Option<DateTime<Utc>>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventListQuery {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// One entry of an action's timeline.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ActionEvent {
    /// 1 for the creation, then one more for each change.
    #[schema(example = 1)]
    pub sequence: i32,
    pub occurred_at: DateTime<Utc>,
    /// Who made the change.
    #[schema(example = "anonymous")]
    pub actor: String,
    /// `created`, `updated`, `carried_forward`, or the transition's name.
    #[schema(example = "submit_response")]
    pub kind: String,
    /// Each changed field with its old and new value.
    #[schema(value_type = Object, example = json!({"status": {"from": "in_progress", "to": "response_submitted"}}))]
    pub changes: Value,
    pub reason: Option<String>,
    /// The hash of the event before (64 zeros for the first).
    pub prev_hash: String,
    /// SHA-256 over this event and `prev_hash`.
    pub hash: String,
}

impl From<events::Event> for ActionEvent {
    fn from(e: events::Event) -> Self {
        ActionEvent {
            sequence: e.sequence,
            occurred_at: store::utc(e.occurred_at),
            actor: e.actor,
            kind: e.kind,
            changes: serde_json::from_str(&e.changes).unwrap_or(Value::Null),
            reason: e.reason,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

/// The outcome of checking an action's hash chain.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChainVerification {
    pub action_id: i64,
    /// True when every event's hash checks out and each links to the one before.
    pub intact: bool,
    pub events_checked: usize,
    /// The first event whose hash or link does not check out.
    pub first_broken_sequence: Option<i32>,
}

fn parse_statuses(value: Option<&str>) -> Result<Vec<ActionStatus>, ApiError> {
    let Some(value) = value else {
        return Ok(vec![]);
    };
    value
        .split(',')
        .map(|s| s.parse::<ActionStatus>())
        .collect::<Result<_, _>>()
        .map_err(|e| ApiError::BadRequest(format!("invalid query parameter: status: {e}")))
}

/// Lists actions in the order they were logged, with filters.
#[utoipa::path(
    operation_id = "list_actions",
    security(("bearer" = [])),
    tag = "actions",
    params(ActionListQuery),
    responses(
        (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 200, description = "A page of actions", body = Page<Action>,
            headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
        (status = 400, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/actions")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller<policy::Read>,
    req: HttpRequest,
    query: web::Query<ActionListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let limit = pagination::limit(query.limit)?;
    let after = pagination::after_id(query.cursor.as_deref())?;
    let owner = text::optional("owner", query.owner.as_deref(), text::SHORT)
        .map_err(|e| ApiError::BadRequest(format!("invalid query parameter: owner {}", e.message)))?;
    let filter = actions::ActionFilter {
        statuses: parse_statuses(query.status.as_deref())?,
        committee_id: query.committee_id,
        raised_at_meeting_id: query.raised_at_meeting_id,
        due_meeting_id: query.due_meeting_id,
        owner,
        overdue: query.overdue,
        updated_since: match query.updated_since {
            Some(t) => {
                text::plausible_date("updated_since", t.date_naive()).map_err(|e| {
                    ApiError::BadRequest(format!("invalid query parameter: updated_since {}", e.message))
                })?;
                Some(t.naive_utc())
            }
            None => None,
        },
    };
    let now = store::now();
    let rows = ops::actions::list(&state, &caller, filter, after, limit, now).await?;
    let page = pagination::page(rows, limit, |v| vec![v.row.id], |v| Action::from_view(v, store::utc(now)));
    Ok(page_response(&req, page))
}

/// Logs an action raised at a meeting. Its reference is allocated here, and
/// it is due at the committee's next meeting unless another is named.
#[utoipa::path(
    operation_id = "create_action",
    security(("bearer" = [])),
    tag = "actions",
    request_body = NewActionRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create return the first response instead of creating twice")),
    responses(
        (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 201, description = "Created", body = Action,
            headers(("Location" = String, description = "The new action"), ("ETag" = String, description = "Its version; left out on a replay (Idempotent-Replayed), whose body may be out of date: GET it for the current one"))),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/actions")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageActions>,
    key: IdempotencyKey,
    body: Json<NewActionRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let key = key.scoped(&caller.actor(), "POST /api/v1/actions", &body);
    let mut checks = Checks::new();
    let new = actions::NewAction {
        raised_at_meeting_id: body.raised_at_meeting_id,
        agenda_item_id: body.agenda_item_id,
        minute_paragraph: checks.check(text::optional(
            "minute_paragraph",
            body.minute_paragraph.as_deref(),
            text::SHORT,
        )),
        committed_by: checks.check(text::optional("committed_by", body.committed_by.as_deref(), text::SHORT)),
        owed_to: checks.check(text::optional("owed_to", body.owed_to.as_deref(), text::SHORT)),
        source_sentence: checks.check(text::optional("source_sentence", body.source_sentence.as_deref(), text::LONG)),
        description: checks.check(text::required("description", &body.description, text::LONG)),
        kind: body.kind.unwrap_or(ActionKind::Other),
        owner: checks.check(text::optional("owner", body.owner.as_deref(), text::SHORT)),
        due_meeting_id: body.due_meeting_id,
        due_date: body.due_date,
    };
    if let Some(date) = new.due_date {
        checks.check(text::plausible_date("due_date", date));
    }
    checks.finish().map_err(ApiError::Validation)?;
    let record: Record<_> = Box::new(|view: actions::ActionView| {
        let action = Action::from_view(view, Utc::now());
        created(format!("/api/v1/actions/{}", action.id), &action)
    });
    Ok(respond(ops::actions::create(&state, &caller, new, key, record).await?))
}

/// Fetches one action.
#[utoipa::path(
    operation_id = "get_action",
    security(("bearer" = [])),
    tag = "actions",
    params(("id" = i64, Path, description = "Action id")),
    responses(
        (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 200, description = "The action", body = Action, headers(("ETag" = String, description = "Its version"))),
        (status = 404, description = "No such action", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/actions/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller<policy::Read>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let view = ops::actions::get(&state, &caller, id.into_inner()).await?;
    let action = Action::from_view(view, Utc::now());
    Ok(resource_response(action.version, &action))
}

/// Edits an action: what was promised, to whom, its owner, due meeting or date.
#[utoipa::path(
    operation_id = "update_action",
    security(("bearer" = [])),
    tag = "actions",
    request_body = ActionPatch,
    params(
        ("id" = i64, Path, description = "Action id"),
        ("If-Match" = String, Header, description = "The ETag from the last GET, e.g. `\"1\"`"),
    ),
    responses(
        (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 200, description = "The action as changed", body = Action, headers(("ETag" = String, description = "Its new version"))),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such action", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The action changed since that ETag", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/actions/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageActions>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: Json<ActionPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let b = body.into_inner();
    let mut checks = Checks::new();
    let mut optional = |field: &str, value: Option<Option<String>>, max: usize| {
        value.map(|v| checks.check(text::optional(field, v.as_deref(), max)))
    };
    let mut patch = actions::ActionPatch {
        agenda_item_id: b.agenda_item_id,
        minute_paragraph: optional("minute_paragraph", b.minute_paragraph, text::SHORT),
        committed_by: optional("committed_by", b.committed_by, text::SHORT),
        owed_to: optional("owed_to", b.owed_to, text::SHORT),
        source_sentence: optional("source_sentence", b.source_sentence, text::LONG),
        owner: optional("owner", b.owner, text::SHORT),
        kind: b.kind,
        due_meeting_id: b.due_meeting_id,
        due_date: b.due_date.inspect(|d| {
            if let Some(date) = d {
                checks.check(text::plausible_date("due_date", *date));
            }
        }),
        description: None,
    };
    patch.description = b.description.as_deref().map(|d| checks.check(text::required("description", d, text::LONG)));
    checks.finish().map_err(ApiError::Validation)?;
    let view = ops::actions::update(&state, &caller, id, if_match.0, patch).await?;
    let action = Action::from_view(view, Utc::now());
    Ok(resource_response(action.version, &action))
}

/// Runs one lifecycle transition for a caller whose capability is the one
/// the policy table gives it.
async fn run_transition<R: policy::Requirement>(
    state: web::Data<AppState>,
    caller: Caller<R>,
    id: i64,
    if_match: IfMatch,
    transition: Transition,
    body: TransitionRequest,
) -> Result<HttpResponse, ApiError> {
    let input = TransitionInput { response: body.response, reason: body.reason };
    let view = ops::actions::transition(&state, &caller, id, if_match.0, transition, input).await?;
    let action = Action::from_view(view, Utc::now());
    Ok(resource_response(action.version, &action))
}

/// Records that work on the action has started (open -> in_progress).
#[utoipa::path(
    operation_id = "start_action",
    security(("bearer" = [])),
    tag = "action lifecycle",
    request_body(content = Option<NoBody>, description = "May be left out, or `{}`"),
    params(
        ("id" = i64, Path, description = "Action id"),
        ("If-Match" = String, Header, description = "The ETag from the last GET, e.g. `\"1\"`"),
    ),
    responses(
        (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 200, description = "The action after the transition", body = Action, headers(("ETag" = String, description = "Its new version"))),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such action", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the current status; `allowed_transitions` names those that are", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The action changed since that ETag", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field the transition needs is missing or invalid", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/actions/{id}/start")]
pub async fn start(
    state: web::Data<AppState>,
    caller: Caller<policy::RecordProgress>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: OptionalJson<TransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    run_transition(state, caller, id.into_inner(), if_match, Transition::Start, body.0).await
}

/// The OPCC writes the response and marks the action complete
/// (open | in_progress -> response_submitted). Requires `response`.
#[utoipa::path(
    operation_id = "submit_action_response",
    security(("bearer" = [])),
    tag = "action lifecycle",
    request_body = ResponseRequest,
    params(
        ("id" = i64, Path, description = "Action id"),
        ("If-Match" = String, Header, description = "The ETag from the last GET, e.g. `\"1\"`"),
    ),
    responses(
        (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 200, description = "The action after the transition", body = Action, headers(("ETag" = String, description = "Its new version"))),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such action", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the current status; `allowed_transitions` names those that are", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The action changed since that ETag", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field the transition needs is missing or invalid", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/actions/{id}/submit-response")]
pub async fn submit_response(
    state: web::Data<AppState>,
    caller: Caller<policy::RecordProgress>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: OptionalJson<TransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    run_transition(state, caller, id.into_inner(), if_match, Transition::SubmitResponse, body.0).await
}

/// The secretariat accepts the submitted response (response_submitted -> completed).
#[utoipa::path(
    operation_id = "accept_action_response",
    security(("bearer" = [])),
    tag = "action lifecycle",
    request_body(content = Option<NoBody>, description = "May be left out, or `{}`"),
    params(
        ("id" = i64, Path, description = "Action id"),
        ("If-Match" = String, Header, description = "The ETag from the last GET, e.g. `\"1\"`"),
    ),
    responses(
        (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 200, description = "The action after the transition", body = Action, headers(("ETag" = String, description = "Its new version"))),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such action", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the current status; `allowed_transitions` names those that are", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The action changed since that ETag", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field the transition needs is missing or invalid", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/actions/{id}/accept")]
pub async fn accept(
    state: web::Data<AppState>,
    caller: Caller<policy::DecideResponse>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: OptionalJson<TransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    run_transition(state, caller, id.into_inner(), if_match, Transition::Accept, body.0).await
}

/// The secretariat returns a submitted response (response_submitted -> in_progress). Requires `reason`.
#[utoipa::path(
    operation_id = "return_action_response",
    security(("bearer" = [])),
    tag = "action lifecycle",
    request_body = ReasonRequest,
    params(
        ("id" = i64, Path, description = "Action id"),
        ("If-Match" = String, Header, description = "The ETag from the last GET, e.g. `\"1\"`"),
    ),
    responses(
        (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 200, description = "The action after the transition", body = Action, headers(("ETag" = String, description = "Its new version"))),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such action", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the current status; `allowed_transitions` names those that are", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The action changed since that ETag", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field the transition needs is missing or invalid", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/actions/{id}/return")]
pub async fn return_response(
    state: web::Data<AppState>,
    caller: Caller<policy::DecideResponse>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: OptionalJson<TransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    run_transition(state, caller, id.into_inner(), if_match, Transition::Return, body.0).await
}

/// The secretariat reopens a completed or withdrawn action (-> open). Requires `reason`.
#[utoipa::path(
    operation_id = "reopen_action",
    security(("bearer" = [])),
    tag = "action lifecycle",
    request_body = ReasonRequest,
    params(
        ("id" = i64, Path, description = "Action id"),
        ("If-Match" = String, Header, description = "The ETag from the last GET, e.g. `\"1\"`"),
    ),
    responses(
        (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 200, description = "The action after the transition", body = Action, headers(("ETag" = String, description = "Its new version"))),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such action", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the current status; `allowed_transitions` names those that are", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The action changed since that ETag", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field the transition needs is missing or invalid", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/actions/{id}/reopen")]
pub async fn reopen(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageActions>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: OptionalJson<TransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    run_transition(state, caller, id.into_inner(), if_match, Transition::Reopen, body.0).await
}

/// Closes an unfinished action without it being done (-> withdrawn). Requires `reason`.
#[utoipa::path(
    operation_id = "withdraw_action",
    security(("bearer" = [])),
    tag = "action lifecycle",
    request_body = ReasonRequest,
    params(
        ("id" = i64, Path, description = "Action id"),
        ("If-Match" = String, Header, description = "The ETag from the last GET, e.g. `\"1\"`"),
    ),
    responses(
        (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 200, description = "The action after the transition", body = Action, headers(("ETag" = String, description = "Its new version"))),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such action", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the current status; `allowed_transitions` names those that are", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The action changed since that ETag", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field the transition needs is missing or invalid", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/actions/{id}/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageActions>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: OptionalJson<TransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    run_transition(state, caller, id.into_inner(), if_match, Transition::Withdraw, body.0).await
}

/// Moves an unfinished action's due meeting on to a later meeting and counts it.
#[utoipa::path(
    operation_id = "carry_action_forward",
    security(("bearer" = [])),
    tag = "action lifecycle",
    request_body(content = Option<CarryForwardRequest>, description = "May be left out: then the next meeting after the current due meeting"),
    params(
        ("id" = i64, Path, description = "Action id"),
        ("If-Match" = String, Header, description = "The ETag from the last GET, e.g. `\"1\"`"),
    ),
    responses(
        (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 200, description = "The action, due at its new meeting", body = Action, headers(("ETag" = String, description = "Its new version"))),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such action", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The action is completed or withdrawn", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The action changed since that ETag", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No later meeting, or the named one is not a later meeting of the committee", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/actions/{id}/carry-forward")]
pub async fn carry_forward(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageActions>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: OptionalJson<CarryForwardRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let view =
        ops::actions::carry_forward(&state, &caller, id.into_inner(), if_match.0, body.to_meeting_id, body.reason)
            .await?;
    let action = Action::from_view(view, Utc::now());
    Ok(resource_response(action.version, &action))
}

/// The action's timeline: every change, oldest first.
#[utoipa::path(
    operation_id = "list_action_events",
    security(("bearer" = [])),
    tag = "actions",
    params(("id" = i64, Path, description = "Action id"), EventListQuery),
    responses(
        (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 200, description = "A page of events", body = Page<ActionEvent>,
            headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
        (status = 400, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such action", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/actions/{id}/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    caller: Caller<policy::Read>,
    req: HttpRequest,
    id: web::Path<i64>,
    query: web::Query<EventListQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let limit = pagination::limit(query.limit)?;
    let after = pagination::after_id(query.cursor.as_deref())?;
    let rows = ops::actions::events(&state, &caller, id, after, limit).await?;
    Ok(page_response(&req, pagination::page(rows, limit, |e| vec![i64::from(e.sequence)], ActionEvent::from)))
}

/// Checks the action's hash chain: reports the first event that was altered,
/// removed or reordered since it was written.
#[utoipa::path(
    operation_id = "verify_action_events",
    security(("bearer" = [])),
    tag = "actions",
    params(("id" = i64, Path, description = "Action id")),
    responses(
        (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 200, description = "The result of the check", body = ChainVerification),
        (status = 404, description = "No such action", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/actions/{id}/events/verify")]
pub async fn verify_events(
    state: web::Data<AppState>,
    caller: Caller<policy::Read>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let result = ops::actions::verify_events(&state, &caller, id).await?;
    Ok(HttpResponse::Ok().json(ChainVerification {
        action_id: id,
        intact: result.first_broken_sequence.is_none(),
        events_checked: result.events_checked,
        first_broken_sequence: result.first_broken_sequence,
    }))
}

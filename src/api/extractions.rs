//! Minutes in, candidate actions out; then the confirmed ones logged in one go.

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::actions::Action;
use super::AppState;
use crate::auth::{policy, Caller};
use crate::domain::ids::MeetingId;
use crate::domain::text::{self, Checks};
use crate::domain::ActionKind;
use crate::domain::Error;
use crate::error::{ApiError, Problem};
use crate::extract::{self, Candidate};
use crate::http::body::{Json, MinutesText};
use crate::http::idempotency::{created, respond, IdempotencyKey};
use crate::ops::{self, Record};
use crate::store::{self, actions::NewAction};

/// What the extractor found; nothing is saved.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Extraction {
    pub meeting_id: i64,
    pub candidates: Vec<Candidate>,
}

/// One confirmed commitment to log as an action raised at the meeting.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptedCommitment {
    pub agenda_item_id: Option<i64>,
    #[schema(example = "7", max_length = 200)]
    pub minute_paragraph: Option<String>,
    #[schema(example = "Commissioner", max_length = 200)]
    pub committed_by: Option<String>,
    #[schema(example = "the Member", max_length = 200)]
    pub owed_to: Option<String>,
    /// The sentence of the minutes, verbatim.
    #[schema(max_length = 10000)]
    pub source_sentence: String,
    #[schema(max_length = 10000)]
    pub description: String,
    pub kind: Option<ActionKind>,
    #[schema(max_length = 200)]
    pub owner: Option<String>,
    pub due_meeting_id: Option<i64>,
    pub due_date: Option<NaiveDate>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptCommitmentsRequest {
    /// 1 to 500 commitments.
    #[schema(min_items = 1, max_items = 500)]
    pub actions: Vec<AcceptedCommitment>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AcceptedActions {
    pub actions: Vec<Action>,
}

/// Finds the commitments in a meeting's minutes and returns them as
/// candidates, saving nothing. Send the minutes as `text/plain` (or a whole
/// HTML page as `text/html`), or as JSON `{"text": "..."}`; up to 2 MiB.
/// The work stops when the client goes away, and after the time limit.
#[utoipa::path(
    operation_id = "extract_commitments",
    tag = "extraction",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Meeting id")),
    request_body(description = "The minutes, as text or as JSON `{\"text\": ...}`. A whole HTML page is recognised \
(also when sent as `text/html`) and its tags are stripped before reading.", content(
        (String = "text/plain"),
        (crate::api::extractions::MinutesBody = "application/json"),
    )),
    responses(
        (status = 200, description = "The candidates, in the order of the minutes", body = Extraction),
        (status = 400, description = "Not UTF-8, or malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Over 2 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Empty minutes", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Reading the minutes took longer than the time limit (`EXTRACTION_TIME_LIMIT_MS`, \
default 10 s, waiting for a turn included): the server is busy. Retry after the seconds in `Retry-After`.",
            body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[post("/meetings/{id}/extractions")]
pub async fn extract_commitments(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller<policy::ExtractCommitments>,
    id: web::Path<i64>,
    minutes: MinutesText,
) -> Result<HttpResponse, ApiError> {
    let limit = ops::extractions::ExtractionTimeLimit::of(&req);
    let budget = extract::Budget::within(limit);
    // Actix drops this future when the client goes away; the guard goes with
    // it and tells the extraction, on its blocking thread, to stop.
    let _stop_when_gone = budget.cancel_on_drop();
    let meeting_id = id.into_inner();
    // The answer is serialised off the async workers too: it can be large.
    let render = move |candidates| serde_json::to_vec(&Extraction { meeting_id, candidates }).map_err(Error::internal);
    let body =
        ops::extractions::extract(&state, &caller, MeetingId(meeting_id), minutes.0, budget, limit, render).await?;
    Ok(HttpResponse::Ok().content_type("application/json").body(body))
}

/// The JSON form of the minutes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MinutesBody {
    pub text: String,
}

/// Logs the confirmed commitments as actions raised at this meeting, all in
/// one transaction, each keeping its source sentence and paragraph. Send an
/// `Idempotency-Key` so a retry returns the first result instead of logging twice.
#[utoipa::path(
    operation_id = "accept_commitments",
    tag = "extraction",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Meeting id (where the commitments were made)"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request return the first response instead of logging twice"),
    ),
    request_body = AcceptCommitmentsRequest,
    responses(
        (status = 201, description = "Logged, in the order given", body = AcceptedActions),
        (status = 422, description = "Invalid fields (nothing is logged)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/meetings/{id}/actions/bulk")]
pub async fn accept_commitments(
    state: web::Data<AppState>,
    caller: Caller<policy::ExtractCommitments>,
    id: web::Path<i64>,
    key: IdempotencyKey,
    body: Json<AcceptCommitmentsRequest>,
) -> Result<HttpResponse, ApiError> {
    let meeting_id = id.into_inner();
    let body = body.into_inner();
    let mut checks = Checks::new();
    if body.actions.is_empty() || body.actions.len() > ops::extractions::MAX_BATCH {
        checks.push("actions", format!("must hold 1 to {} commitments", ops::extractions::MAX_BATCH));
    }
    let mut new = Vec::new();
    for (n, a) in body.actions.iter().enumerate() {
        let field = |name: &str| format!("actions[{n}].{name}");
        let mut renamed = |result: Result<Option<String>, crate::domain::FieldError>, name: &str| match result {
            Ok(v) => v,
            Err(e) => {
                checks.push(&field(name), e.message);
                None
            }
        };
        let minute_paragraph =
            renamed(text::optional("x", a.minute_paragraph.as_deref(), text::SHORT), "minute_paragraph");
        let committed_by = renamed(text::optional("x", a.committed_by.as_deref(), text::SHORT), "committed_by");
        let owed_to = renamed(text::optional("x", a.owed_to.as_deref(), text::SHORT), "owed_to");
        let owner = renamed(text::optional("x", a.owner.as_deref(), text::SHORT), "owner");
        let source_sentence = renamed(text::required("x", &a.source_sentence, text::LONG).map(Some), "source_sentence");
        let description = renamed(text::required("x", &a.description, text::LONG).map(Some), "description");
        if let Some(date) = a.due_date {
            if let Err(e) = text::plausible_date("x", date) {
                checks.push(&field("due_date"), e.message);
            }
        }
        new.push(NewAction {
            raised_at_meeting_id: meeting_id,
            agenda_item_id: a.agenda_item_id,
            minute_paragraph,
            committed_by,
            owed_to,
            source_sentence,
            description: description.unwrap_or_default(),
            kind: a.kind.unwrap_or(ActionKind::Other),
            owner,
            owner_id: None,
            due_meeting_id: a.due_meeting_id,
            due_date: a.due_date,
            // Found in published minutes, so public until someone says otherwise.
            exemption: None,
        });
    }
    checks.finish().map_err(ApiError::Validation)?;
    let key = key.scoped(&caller.actor(), &format!("POST /api/v1/meetings/{meeting_id}/actions/bulk"), &body);
    let record: Record<_> = Box::new(move |logged: Vec<store::actions::ActionView>| {
        let now = logged.first().map_or_else(chrono::Utc::now, |v| store::utc(v.row.created_at));
        let actions = logged.into_iter().map(|view| Action::from_view(view, now)).collect();
        created(format!("/api/v1/actions?raised_at_meeting_id={meeting_id}"), &AcceptedActions { actions })
    });
    Ok(respond(ops::extractions::accept(&state, &caller, MeetingId(meeting_id), new, key, record).await?))
}

//! Minutes in, candidate actions out; then the confirmed ones logged in one go.

use std::time::Duration;

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::actions::Action;
use super::AppState;
use crate::auth::{policy, Caller};
use crate::domain::text::{self, Checks};
use crate::domain::ActionKind;
use crate::error::{ApiError, Problem};
use crate::extract::{self, Candidate};
use crate::http::body::{Json, MinutesText};
use crate::http::idempotency::{fingerprint, IdempotencyKey, StoredResponse};
use crate::store::{self, actions as db, meetings};

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

/// The most commitments accepted in one request.
const MAX_BATCH: usize = 500;

/// How long one extraction may take, waiting for its turn included
/// (`EXTRACTION_TIME_LIMIT_MS`, default 10 s). The extractor is linear (2 MiB
/// of any shape takes well under 2 s on two cores), so only a busy server
/// runs past it: the request is then answered 503 with `Retry-After`.
#[derive(Debug, Clone, Copy)]
pub struct ExtractionTimeLimit(pub Duration);

/// Seconds a client is told to wait before retrying an extraction that ran
/// past its time limit.
pub const EXTRACTION_RETRY_AFTER_SECONDS: u32 = 5;

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
        (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Over 2 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Another content type", body = Problem, content_type = "application/problem+json"),
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
    _caller: Caller<policy::ExtractCommitments>,
    id: web::Path<i64>,
    minutes: MinutesText,
) -> Result<HttpResponse, ApiError> {
    let limit =
        req.app_data::<ExtractionTimeLimit>().map_or(crate::config::Limits::default().extraction_time_limit, |l| l.0);
    let budget = extract::Budget::within(limit);
    // Actix drops this future when the client goes away; the guard goes with
    // it and tells the extraction, on its blocking thread, to stop.
    let _stop_when_gone = budget.cancel_on_drop();
    let meeting_id = id.into_inner();
    state.db(move |conn| meetings::get(conn, meeting_id)).await?;
    // The work and the serialising of its (large) answer both happen off the
    // async workers, one extraction per core at a time.
    let body = web::block(move || {
        let stopped = |e: extract::Stopped| stopped(e, meeting_id, limit);
        let _turn = ExtractionTurn::take(&budget).map_err(stopped)?;
        let candidates = extract::extract_with(&minutes.0, &budget).map_err(stopped)?;
        drop(minutes);
        serde_json::to_vec(&Extraction { meeting_id, candidates }).map_err(ApiError::internal)
    })
    .await??;
    Ok(HttpResponse::Ok().content_type("application/json").body(body))
}

/// How many extractions have stopped because their client went away (each
/// is logged too; the tests read it).
pub static EXTRACTIONS_CANCELLED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The answer to an extraction that stopped early (logged: it is work the
/// server could not do, or did not need to).
fn stopped(e: extract::Stopped, meeting_id: i64, limit: Duration) -> ApiError {
    match e {
        extract::Stopped::Cancelled => {
            // Nobody is waiting for this answer.
            EXTRACTIONS_CANCELLED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            log::info!("extraction for meeting {meeting_id} stopped: the client has gone");
            ApiError::TimeLimit {
                detail: "the request was cancelled".into(),
                retry_after: EXTRACTION_RETRY_AFTER_SECONDS,
            }
        }
        extract::Stopped::TimedOut => {
            log::warn!("extraction for meeting {meeting_id} stopped: over its time limit of {limit:?}");
            ApiError::TimeLimit {
                detail: format!(
                    "reading the minutes took longer than the time limit of {} seconds; the server is busy, \
retry in {EXTRACTION_RETRY_AFTER_SECONDS} seconds",
                    limit.as_secs_f32()
                ),
                retry_after: EXTRACTION_RETRY_AFTER_SECONDS,
            }
        }
    }
}

/// Extraction is CPU work that holds the minutes, their segments and the
/// candidates in memory at once: running more at a time than there are cores
/// finishes none sooner and multiplies the memory, so the rest wait their turn.
struct ExtractionTurn;

static EXTRACTIONS_RUNNING: std::sync::Mutex<usize> = std::sync::Mutex::new(0);
static EXTRACTION_DONE: std::sync::Condvar = std::sync::Condvar::new();

impl ExtractionTurn {
    /// Waits for a turn, giving up when the budget is cancelled or spent
    /// (looking at it every 50 ms: a cancel does not wake the wait).
    fn take(budget: &extract::Budget) -> Result<Self, extract::Stopped> {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let mut running = EXTRACTIONS_RUNNING.lock().unwrap_or_else(|p| p.into_inner());
        while *running >= cores {
            budget.check()?;
            let wait = budget.remaining().unwrap_or(Duration::MAX).min(Duration::from_millis(50));
            running = EXTRACTION_DONE.wait_timeout(running, wait).unwrap_or_else(|p| p.into_inner()).0;
        }
        *running += 1;
        Ok(ExtractionTurn)
    }
}

impl Drop for ExtractionTurn {
    fn drop(&mut self) {
        *EXTRACTIONS_RUNNING.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
        EXTRACTION_DONE.notify_one();
    }
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
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
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
    let print = fingerprint(&body);
    let mut checks = Checks::new();
    if body.actions.is_empty() || body.actions.len() > MAX_BATCH {
        checks.push("actions", format!("must hold 1 to {MAX_BATCH} commitments"));
    }
    let mut new = Vec::new();
    for (n, a) in body.actions.iter().enumerate() {
        let field = |name: &str| format!("actions[{n}].{name}");
        let mut renamed = |result: Result<Option<String>, crate::error::FieldError>, name: &str| match result {
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
        new.push(db::NewAction {
            raised_at_meeting_id: meeting_id,
            agenda_item_id: a.agenda_item_id,
            minute_paragraph,
            committed_by,
            owed_to,
            source_sentence,
            description: description.unwrap_or_default(),
            kind: a.kind.unwrap_or(ActionKind::Other),
            owner,
            due_meeting_id: a.due_meeting_id,
            due_date: a.due_date,
        });
    }
    checks.finish().map_err(ApiError::Validation)?;
    let actor = caller.actor();
    let scope = format!("{} POST /api/v1/meetings/{meeting_id}/actions/bulk", actor.0);
    let now = store::now();
    let response = state
        .db(move |conn| {
            store::idempotency::create_once(conn, &key, &scope, &print, |conn| {
                meetings::get(conn, meeting_id)?;
                let mut actions = Vec::with_capacity(new.len());
                for (n, action) in new.iter().enumerate() {
                    // Name which commitment a link problem belongs to.
                    let prefix = |errors: Vec<crate::error::FieldError>| -> Vec<crate::error::FieldError> {
                        errors
                            .into_iter()
                            .map(|mut f| {
                                f.field = format!("actions[{n}].{}", f.field);
                                f
                            })
                            .collect()
                    };
                    let view = db::create(conn, action, &actor, now).map_err(|e| match e {
                        ApiError::Validation(errors) => ApiError::Validation(prefix(errors)),
                        ApiError::UnknownReference(errors) => ApiError::UnknownReference(prefix(errors)),
                        ApiError::ConflictingReference(errors) => ApiError::ConflictingReference(prefix(errors)),
                        other => other,
                    })?;
                    actions.push(Action::from_view(view, store::utc(now)));
                }
                StoredResponse::created(
                    format!("/api/v1/actions?raised_at_meeting_id={meeting_id}"),
                    &AcceptedActions { actions },
                )
            })
        })
        .await?;
    Ok(response.into_response())
}

//! Reading minutes for commitments, and logging the confirmed ones in one go.

use std::time::Duration;

use actix_web::web;

use super::{AppState, Record};
use crate::auth::policy::ExtractCommitments;
use crate::auth::Caller;
use crate::domain::{Error, FieldError, MeetingId};
use crate::extract::{self, Candidate};
use crate::store::actions::{self, ActionView, NewAction};
use crate::store::idempotency::{self, Recorded, RequestKey};
use crate::store::meetings;

/// How long one extraction may take, waiting for its turn included
/// (`EXTRACTION_TIME_LIMIT_MS`, default 10 s). The extractor is linear (2 MiB
/// of any shape takes well under 2 s on two cores), so only a busy server
/// runs past it: the request is then answered 503 with `Retry-After`.
#[derive(Debug, Clone, Copy)]
pub struct ExtractionTimeLimit(pub Duration);

impl ExtractionTimeLimit {
    /// The limit the server was started with (the default when none was given).
    pub fn of(req: &actix_web::HttpRequest) -> Duration {
        req.app_data::<ExtractionTimeLimit>().map_or(crate::config::Limits::default().extraction_time_limit, |l| l.0)
    }
}

/// Seconds a client is told to wait after an extraction stopped early.
pub const EXTRACTION_RETRY_AFTER_SECONDS: u32 = 5;

/// Reads minutes for a meeting's commitments within `limit` (waiting for a
/// turn included), one extraction per core at a time, and hands the
/// candidates to `render` on the same blocking thread (their answer can be
/// large). Stops early when the budget is cancelled (the client went away).
pub async fn extract<T: Send + 'static>(
    state: &AppState,
    _: &Caller<ExtractCommitments>,
    meeting_id: MeetingId,
    minutes: String,
    budget: extract::Budget,
    limit: Duration,
    render: impl FnOnce(Vec<Candidate>) -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    let meeting_id = meeting_id.0;
    state.db(move |conn| meetings::get(conn, meeting_id)).await?;
    web::block(move || {
        let stopped = |e: extract::Stopped| stopped(e, meeting_id, limit);
        let _turn = ExtractionTurn::take(&budget).map_err(stopped)?;
        let candidates = extract::extract_with(&minutes, &budget).map_err(stopped)?;
        drop(minutes);
        render(candidates)
    })
    .await
    .map_err(Error::internal)?
}

/// Most commitments one acceptance may log (one transaction holds them all).
pub const MAX_BATCH: usize = 500;

/// Logs confirmed commitments as actions raised at a meeting, all in one
/// transaction (once per client key), in the order given. A problem with
/// one commitment's links names it (`actions[3].due_meeting_id`) and logs none.
pub async fn accept(
    state: &AppState,
    caller: &Caller<ExtractCommitments>,
    meeting_id: MeetingId,
    commitments: Vec<NewAction>,
    key: Option<RequestKey>,
    record: Record<Vec<ActionView>>,
) -> Result<Recorded, Error> {
    let meeting_id = meeting_id.0;
    if commitments.is_empty() || commitments.len() > MAX_BATCH {
        return Err(Error::invalid("actions", format!("must hold 1 to {MAX_BATCH} commitments")));
    }
    let actor = caller.actor();
    let now = crate::store::now();
    state
        .db(move |conn| {
            idempotency::create_once(conn, key.as_ref(), |conn| {
                meetings::get(conn, meeting_id)?;
                let mut logged = Vec::with_capacity(commitments.len());
                for (n, commitment) in commitments.iter().enumerate() {
                    let view = actions::create(conn, commitment, &actor, now).map_err(|e| in_batch(e, n))?;
                    logged.push(view);
                }
                record(logged)
            })
        })
        .await
}

/// Names which commitment of a batch a field problem belongs to.
fn in_batch(e: Error, n: usize) -> Error {
    let prefix = |errors: Vec<FieldError>| {
        errors
            .into_iter()
            .map(|mut f| {
                f.field = format!("actions[{n}].{}", f.field);
                f
            })
            .collect()
    };
    match e {
        Error::Invalid(errors) => Error::Invalid(prefix(errors)),
        Error::UnknownReference(errors) => Error::UnknownReference(prefix(errors)),
        Error::ConflictingReference(errors) => Error::ConflictingReference(prefix(errors)),
        other => other,
    }
}

/// How many extractions have stopped because their client went away (each
/// is logged too; the tests read it).
pub static EXTRACTIONS_CANCELLED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The answer to an extraction that stopped early (logged: it is work the
/// server could not do, or did not need to).
fn stopped(e: extract::Stopped, meeting_id: i64, limit: Duration) -> Error {
    match e {
        extract::Stopped::Cancelled => {
            // Nobody is waiting for this answer.
            EXTRACTIONS_CANCELLED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            log::info!("extraction for meeting {meeting_id} stopped: the client has gone");
            Error::TimeLimit { detail: "the request was cancelled".into(), retry_after: EXTRACTION_RETRY_AFTER_SECONDS }
        }
        extract::Stopped::TimedOut => {
            log::warn!("extraction for meeting {meeting_id} stopped: over its time limit of {limit:?}");
            Error::TimeLimit {
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

//! The panel's statutory work: processes and their steps, the panel's
//! reports and recommendations, and the PCC's responses. The rules are in
//! `domain::statutory`; the rows in `store::statutory` and `store::panel_reports`.

use chrono::{NaiveDate, NaiveDateTime};

use super::{AppState, Record};
use crate::auth::policy::{self, ManageStatutory, Read, RecordPccResponse};
use crate::auth::Caller;
use crate::db::{snapshot, write_transaction};
use crate::domain::statutory::{PccResponse, StatutoryStep};
use crate::domain::{Error, Version};
use crate::store::committees;
use crate::store::idempotency::{self, Recorded, RequestKey};
use crate::store::panel_reports::{
    self, NewRecommendation, NewReport, RecommendationFilter, RecommendationRow, ReportFilter, ReportRecord,
};
use crate::store::statutory::{self, NewProcess, ProcessFilter, ProcessRecord, StepRecord};
use crate::store::statutory_events::{self, Event, Subject};

/// Today in England: the law's dates are days in Europe/London.
pub fn today(now: NaiveDateTime) -> NaiveDate {
    crate::domain::icalendar::london_local(now.and_utc()).date()
}

pub async fn list_processes(
    state: &AppState,
    _: &Caller<Read>,
    filter: ProcessFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<ProcessRecord>, Error> {
    state.db(move |conn| snapshot(conn, |conn| statutory::list(conn, &filter, before, limit))).await
}

pub async fn get_process(state: &AppState, _: &Caller<Read>, id: i64) -> Result<ProcessRecord, Error> {
    state.db(move |conn| snapshot(conn, |conn| statutory::get(conn, id))).await
}

/// Starts a process for a committee, with every step the law sets, once per client key.
pub async fn create_process(
    state: &AppState,
    caller: &Caller<ManageStatutory>,
    new: NewProcess,
    key: Option<RequestKey>,
    record: Record<ProcessRecord>,
) -> Result<Recorded, Error> {
    let actor = caller.actor();
    let now = crate::store::now();
    state
        .db(move |conn| {
            idempotency::create_once(conn, key.as_ref(), |conn| {
                committees::get(conn, new.committee_id)
                    .map_err(|_| Error::unknown("committee_id", "no committee has this id"))?;
                record(statutory::create(conn, &new, &actor, now)?)
            })
        })
        .await
}

/// Records that a step happened. The panel's steps are the secretariat's to
/// record; the PCC's, the OPCC's as well (`policy::for_statutory_step`).
pub async fn record_step(
    state: &AppState,
    caller: &Caller<RecordPccResponse>,
    id: i64,
    expected: Version,
    step: StatutoryStep,
    record: StepRecord,
) -> Result<ProcessRecord, Error> {
    if !policy::allows(policy::for_statutory_step(step.owed_by()), caller.role) {
        return Err(Error::Forbidden(format!(
            "the {} role may not record the panel's own steps: the secretariat records them",
            caller.role
        )));
    }
    let actor = caller.actor();
    let now = crate::store::now();
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                statutory::record_step(conn, id, expected, step, &record, &actor, today(now), now)
            })
        })
        .await
}

/// Sets the date the panel wants a step by, where the law sets none.
pub async fn set_due_date(
    state: &AppState,
    caller: &Caller<ManageStatutory>,
    id: i64,
    expected: Version,
    step: StatutoryStep,
    due_on: Option<NaiveDate>,
) -> Result<ProcessRecord, Error> {
    let actor = caller.actor();
    let now = crate::store::now();
    state
        .db(move |conn| {
            write_transaction(conn, |conn| statutory::set_due_date(conn, id, expected, step, due_on, &actor, now))
        })
        .await
}

/// A timeline with whether its chain checks out; 404 for an unknown subject.
pub async fn timeline(
    state: &AppState,
    _: &Caller<Read>,
    subject: Subject,
    id: i64,
) -> Result<(Vec<Event>, bool), Error> {
    state
        .db(move |conn| {
            snapshot(conn, |conn| {
                let version = match subject {
                    Subject::StatutoryProcess => statutory::get(conn, id)?.process.version,
                    Subject::PanelReport => panel_reports::get(conn, id)?.report.version,
                    Subject::Recommendation => panel_reports::get_recommendation(conn, id)?.version,
                };
                statutory_events::timeline(conn, subject, id, version)
            })
        })
        .await
}

pub async fn list_reports(
    state: &AppState,
    _: &Caller<Read>,
    filter: ReportFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<ReportRecord>, Error> {
    state.db(move |conn| snapshot(conn, |conn| panel_reports::list(conn, &filter, before, limit))).await
}

pub async fn get_report(state: &AppState, _: &Caller<Read>, id: i64) -> Result<ReportRecord, Error> {
    state.db(move |conn| snapshot(conn, |conn| panel_reports::get(conn, id))).await
}

/// Records a report of the panel with its recommendations, numbered, once per client key.
pub async fn create_report(
    state: &AppState,
    caller: &Caller<ManageStatutory>,
    new: NewReport,
    items: Vec<NewRecommendation>,
    key: Option<RequestKey>,
    record: Record<ReportRecord>,
) -> Result<Recorded, Error> {
    let actor = caller.actor();
    let now = crate::store::now();
    if new.reported_on > today(now) {
        return Err(Error::Conflict(format!(
            "a report is recorded once it is made: {} is after today",
            new.reported_on
        )));
    }
    state
        .db(move |conn| {
            idempotency::create_once(conn, key.as_ref(), |conn| {
                record(panel_reports::create(conn, &new, &items, &actor, now)?)
            })
        })
        .await
}

/// Records where and when the PCC published their response to a report.
pub async fn publish_response(
    state: &AppState,
    caller: &Caller<RecordPccResponse>,
    id: i64,
    expected: Version,
    published_on: NaiveDate,
    url: Option<String>,
) -> Result<ReportRecord, Error> {
    let actor = caller.actor();
    let now = crate::store::now();
    if published_on > today(now) {
        return Err(Error::Conflict(format!(
            "a response is recorded once it is published: {published_on} is after today"
        )));
    }
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                panel_reports::publish_response(conn, id, expected, published_on, url.as_deref(), &actor, now)
            })
        })
        .await
}

pub async fn list_recommendations(
    state: &AppState,
    _: &Caller<Read>,
    filter: RecommendationFilter,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<RecommendationRow>, Error> {
    state.db(move |conn| snapshot(conn, |conn| panel_reports::list_recommendations(conn, &filter, after, limit))).await
}

pub async fn get_recommendation(state: &AppState, _: &Caller<Read>, id: i64) -> Result<RecommendationRow, Error> {
    state.db(move |conn| snapshot(conn, |conn| panel_reports::get_recommendation(conn, id))).await
}

/// Records the PCC's response to a recommendation.
pub async fn respond(
    state: &AppState,
    caller: &Caller<RecordPccResponse>,
    id: i64,
    expected: Version,
    response: PccResponse,
    text: String,
    responded_on: NaiveDate,
) -> Result<RecommendationRow, Error> {
    let actor = caller.actor();
    let now = crate::store::now();
    if responded_on > today(now) {
        return Err(Error::Conflict(format!("a response is recorded once it is given: {responded_on} is after today")));
    }
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                panel_reports::respond(conn, id, expected, response, &text, responded_on, &actor, now)
            })
        })
        .await
}

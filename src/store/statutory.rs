//! Statutory processes and their steps. The rows hold what happened (and
//! dates the panel set); `domain::statutory` decides what is due, what is
//! allowed and where each process stands.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde_json::{json, Map};

use super::statutory_events::{self, Subject};
use super::{write_versioned, Actor};
use crate::db::AnyConnection;
use crate::domain::change::ChangeType;
use crate::domain::statutory::{self as rules, ProcessKind, Recorded, StatutoryStep, Vote};
use crate::domain::{Error, FieldError, Version};
use crate::schema::{meetings, statutory_processes, statutory_steps};

#[derive(Debug, Clone, Queryable)]
pub struct ProcessRow {
    pub id: i64,
    pub committee_id: i64,
    pub kind: ProcessKind,
    pub title: String,
    pub financial_year: Option<i32>,
    pub post: Option<String>,
    pub candidate: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable)]
pub struct StepRow {
    pub process_id: i64,
    pub step: StatutoryStep,
    pub due_on: Option<NaiveDate>,
    pub happened_on: Option<NaiveDate>,
    pub meeting_id: Option<i64>,
    pub veto: bool,
    pub votes_for: Option<i32>,
    pub members: Option<i32>,
    pub document_url: Option<String>,
    pub notes: Option<String>,
    pub recorded_at: Option<NaiveDateTime>,
    pub recorded_by: Option<String>,
}

/// A process with its steps in the law's order.
#[derive(Debug, Clone)]
pub struct ProcessRecord {
    pub process: ProcessRow,
    pub steps: Vec<StepRow>,
}

impl ProcessRecord {
    /// What the rules need: what happened, and the dates the panel set.
    pub fn rules(&self) -> rules::Process {
        let mut process = rules::Process::new(self.process.kind, self.process.financial_year);
        for s in &self.steps {
            if let Some(on) = s.happened_on {
                let veto = match (s.veto, s.votes_for, s.members) {
                    (true, Some(f), Some(m)) => Some(Vote { votes_for: f as u32, members: m as u32 }),
                    _ => None,
                };
                process.recorded.insert(s.step, Recorded { on, veto });
            }
            if let Some(due) = s.due_on {
                process.panel_dates.insert(s.step, due);
            }
        }
        process
    }

    pub fn step(&self, step: StatutoryStep) -> Option<&StepRow> {
        self.steps.iter().find(|s| s.step == step)
    }
}

pub struct NewProcess {
    pub committee_id: i64,
    pub kind: ProcessKind,
    pub title: String,
    pub financial_year: Option<i32>,
    pub post: Option<String>,
    pub candidate: Option<String>,
}

/// A step as the panel records it.
#[derive(Debug, Clone)]
pub struct StepRecord {
    pub happened_on: NaiveDate,
    pub meeting_id: Option<i64>,
    pub veto: Option<Vote>,
    pub document_url: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ProcessFilter {
    pub committee_id: Option<i64>,
    pub kind: Option<ProcessKind>,
    pub ids: Option<Vec<i64>>,
}

pub fn create(
    conn: &mut AnyConnection,
    new: &NewProcess,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<ProcessRecord, Error> {
    let row: ProcessRow = diesel::insert_into(statutory_processes::table)
        .values((
            statutory_processes::committee_id.eq(new.committee_id),
            statutory_processes::kind.eq(new.kind),
            statutory_processes::title.eq(&new.title),
            statutory_processes::financial_year.eq(new.financial_year),
            statutory_processes::post.eq(&new.post),
            statutory_processes::candidate.eq(&new.candidate),
            statutory_processes::version.eq(1),
            statutory_processes::created_at.eq(now),
            statutory_processes::updated_at.eq(now),
        ))
        .returning(statutory_processes::all_columns)
        .get_result(conn)?;
    for step in new.kind.steps() {
        diesel::insert_into(statutory_steps::table)
            .values((statutory_steps::process_id.eq(row.id), statutory_steps::step.eq(*step)))
            .execute(conn)?;
    }
    let mut changes = Map::new();
    changes.insert("kind".into(), json!({ "from": null, "to": new.kind }));
    changes.insert("title".into(), json!({ "from": null, "to": new.title }));
    if let Some(year) = new.financial_year {
        changes.insert("financial_year".into(), json!({ "from": null, "to": year }));
    }
    statutory_events::append(conn, Subject::StatutoryProcess, row.id, "created", &changes, actor, now)?;
    super::change_feed::record(conn, ChangeType::StatutoryProcessCreated, row.id, row.committee_id, 1, now)?;
    get(conn, row.id)
}

pub fn get(conn: &mut AnyConnection, id: i64) -> Result<ProcessRecord, Error> {
    let filter = ProcessFilter { ids: Some(vec![id]), ..Default::default() };
    list(conn, &filter, None, 1)?.into_iter().next().ok_or_else(|| Error::not_found("statutory process", id))
}

/// Processes newest first (by id), after the id of the last one seen, with their steps.
pub fn list(
    conn: &mut AnyConnection,
    filter: &ProcessFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<ProcessRecord>, Error> {
    let mut query = statutory_processes::table.order(statutory_processes::id.desc()).limit(limit + 1).into_boxed();
    if let Some(committee_id) = filter.committee_id {
        query = query.filter(statutory_processes::committee_id.eq(committee_id));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(statutory_processes::kind.eq(kind));
    }
    if let Some(ids) = &filter.ids {
        query = query.filter(statutory_processes::id.eq_any(ids.clone()));
    }
    if let Some(before) = before {
        query = query.filter(statutory_processes::id.lt(before));
    }
    let rows: Vec<ProcessRow> = query.load(conn)?;
    with_steps(conn, rows)
}

fn with_steps(conn: &mut AnyConnection, rows: Vec<ProcessRow>) -> Result<Vec<ProcessRecord>, Error> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let steps: Vec<StepRow> = statutory_steps::table.filter(statutory_steps::process_id.eq_any(&ids)).load(conn)?;
    let mut by_process: HashMap<i64, Vec<StepRow>> = HashMap::new();
    for s in steps {
        by_process.entry(s.process_id).or_default().push(s);
    }
    Ok(rows
        .into_iter()
        .map(|process| {
            let mut steps = by_process.remove(&process.id).unwrap_or_default();
            let order: BTreeMap<StatutoryStep, usize> =
                process.kind.steps().iter().enumerate().map(|(i, s)| (*s, i)).collect();
            steps.sort_by_key(|s| order.get(&s.step).copied().unwrap_or(usize::MAX));
            ProcessRecord { process, steps }
        })
        .collect())
}

/// Every process of the committee (or of all committees), for the calendar
/// and the action log: a panel runs a handful a year, so all are read and
/// the rules decide which have anything due.
pub fn all(conn: &mut AnyConnection, committee_id: Option<i64>) -> Result<Vec<ProcessRecord>, Error> {
    let mut query = statutory_processes::table.order(statutory_processes::id).into_boxed();
    if let Some(committee_id) = committee_id {
        query = query.filter(statutory_processes::committee_id.eq(committee_id));
    }
    let rows: Vec<ProcessRow> = query.load(conn)?;
    with_steps(conn, rows)
}

/// A meeting named for a step must exist (404) and be the committee's (409).
fn check_meeting(conn: &mut AnyConnection, meeting_id: i64, committee_id: i64) -> Result<(), Error> {
    let committee: Option<i64> =
        meetings::table.find(meeting_id).select(meetings::committee_id).first(conn).optional()?;
    match committee {
        None => Err(Error::UnknownReference(vec![FieldError::new("meeting_id", "no meeting has this id")])),
        Some(c) if c != committee_id => {
            Err(Error::ConflictingReference(vec![FieldError::new("meeting_id", "the meeting is another committee's")]))
        }
        Some(_) => Ok(()),
    }
}

/// Records that a step happened, if the law allows it now (409 naming the
/// rule otherwise); the process's version moves on and its timeline and the
/// change feed record it.
#[allow(clippy::too_many_arguments)]
pub fn record_step(
    conn: &mut AnyConnection,
    id: i64,
    expected: Version,
    step: StatutoryStep,
    record: &StepRecord,
    actor: &Actor,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<ProcessRecord, Error> {
    let current = get(conn, id)?;
    expected.check(current.process.version)?;
    if let Some(meeting_id) = record.meeting_id {
        check_meeting(conn, meeting_id, current.process.committee_id)?;
    }
    current
        .rules()
        .check(step, Recorded { on: record.happened_on, veto: record.veto }, today)
        .map_err(|refused| Error::Conflict(refused.0))?;
    write_versioned!(conn, statutory_processes, id, current.process.version, now, statutory_processes::id.eq(id))?;
    diesel::update(statutory_steps::table.find((id, step)))
        .set((
            statutory_steps::happened_on.eq(record.happened_on),
            statutory_steps::meeting_id.eq(record.meeting_id),
            statutory_steps::veto.eq(record.veto.is_some()),
            statutory_steps::votes_for.eq(record.veto.map(|v| v.votes_for as i32)),
            statutory_steps::members.eq(record.veto.map(|v| v.members as i32)),
            statutory_steps::document_url.eq(&record.document_url),
            statutory_steps::notes.eq(&record.notes),
            statutory_steps::recorded_at.eq(now),
            statutory_steps::recorded_by.eq(&actor.0),
        ))
        .execute(conn)?;
    let mut changes = Map::new();
    changes.insert("step".into(), json!(step));
    changes.insert("happened_on".into(), json!({ "from": null, "to": record.happened_on }));
    if let Some(meeting_id) = record.meeting_id {
        changes.insert("meeting_id".into(), json!({ "from": null, "to": meeting_id }));
    }
    if let Some(v) = record.veto {
        changes.insert("veto".into(), json!({ "votes_for": v.votes_for, "members": v.members }));
    }
    statutory_events::append(conn, Subject::StatutoryProcess, id, "step_recorded", &changes, actor, now)?;
    let version = current.process.version + 1;
    super::change_feed::record(
        conn,
        ChangeType::StatutoryProcessStepRecorded,
        id,
        current.process.committee_id,
        version,
        now,
    )?;
    get(conn, id)
}

/// Sets (or clears) the date the panel wants a step by, where the law sets none.
pub fn set_due_date(
    conn: &mut AnyConnection,
    id: i64,
    expected: Version,
    step: StatutoryStep,
    due_on: Option<NaiveDate>,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<ProcessRecord, Error> {
    let current = get(conn, id)?;
    expected.check(current.process.version)?;
    current.rules().check_panel_date(step).map_err(|refused| Error::Conflict(refused.0))?;
    let was = current.step(step).and_then(|s| s.due_on);
    write_versioned!(conn, statutory_processes, id, current.process.version, now, statutory_processes::id.eq(id))?;
    diesel::update(statutory_steps::table.find((id, step))).set(statutory_steps::due_on.eq(due_on)).execute(conn)?;
    let mut changes = Map::new();
    changes.insert("step".into(), json!(step));
    changes.insert("due_on".into(), json!({ "from": was, "to": due_on }));
    statutory_events::append(conn, Subject::StatutoryProcess, id, "due_date_set", &changes, actor, now)?;
    super::change_feed::record(
        conn,
        ChangeType::StatutoryProcessUpdated,
        id,
        current.process.committee_id,
        current.process.version + 1,
        now,
    )?;
    get(conn, id)
}

//! The hash-chained timeline of each statutory process, panel report and
//! recommendation: chained as an action's events are (`domain::chain`),
//! one chain per subject. The subject's type is hashed with the event's kind,
//! so a process's chain cannot pass for a recommendation's of the same id.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{Map, Value};

use super::events::{hashed_time, next_link, Link};
use super::Actor;
use crate::db::AnyConnection;
use crate::domain::chain::{self, EventContent};
use crate::domain::Error;
use crate::schema::statutory_events;

/// What a timeline belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    StatutoryProcess,
    PanelReport,
    Recommendation,
}

impl Subject {
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::StatutoryProcess => "statutory_process",
            Subject::PanelReport => "panel_report",
            Subject::Recommendation => "recommendation",
        }
    }
}

#[derive(Debug, Clone, Queryable)]
pub struct Event {
    pub id: i64,
    pub subject_type: String,
    pub subject_id: i64,
    pub sequence: i32,
    pub occurred_at: NaiveDateTime,
    pub actor: String,
    pub kind: String,
    pub changes: String,
    pub reason: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

fn hashed_kind(subject_type: &str, kind: &str) -> String {
    format!("{subject_type}.{kind}")
}

/// Appends an event to the subject's chain. Call in the transaction that
/// changed the subject, after writing its row (whose lock orders the chain).
pub fn append(
    conn: &mut AnyConnection,
    subject: Subject,
    subject_id: i64,
    kind: &str,
    changes: &Map<String, Value>,
    actor: &Actor,
    occurred_at: NaiveDateTime,
) -> Result<(), Error> {
    let subject_type = subject.as_str();
    let last: Option<(i32, String)> = statutory_events::table
        .filter(statutory_events::subject_type.eq(subject_type))
        .filter(statutory_events::subject_id.eq(subject_id))
        .order(statutory_events::sequence.desc())
        .select((statutory_events::sequence, statutory_events::hash))
        .first(conn)
        .optional()?;
    let kind_hashed = hashed_kind(subject_type, kind);
    let Link { sequence, prev_hash, changes, hash } =
        next_link(subject_id, last, &kind_hashed, changes, None, actor, occurred_at);
    diesel::insert_into(statutory_events::table)
        .values((
            statutory_events::subject_type.eq(subject_type),
            statutory_events::subject_id.eq(subject_id),
            statutory_events::sequence.eq(sequence),
            statutory_events::occurred_at.eq(occurred_at),
            statutory_events::actor.eq(&actor.0),
            statutory_events::kind.eq(kind),
            statutory_events::changes.eq(&changes),
            statutory_events::prev_hash.eq(&prev_hash),
            statutory_events::hash.eq(&hash),
        ))
        .execute(conn)?;
    Ok(())
}

/// The subject's whole timeline in order, and whether its chain checks out
/// (every hash, and one event per version: none removed from the end).
pub fn timeline(
    conn: &mut AnyConnection,
    subject: Subject,
    subject_id: i64,
    version: i64,
) -> Result<(Vec<Event>, bool), Error> {
    let events: Vec<Event> = statutory_events::table
        .filter(statutory_events::subject_type.eq(subject.as_str()))
        .filter(statutory_events::subject_id.eq(subject_id))
        .order(statutory_events::sequence)
        .load(conn)?;
    let times: Vec<String> = events.iter().map(|e| hashed_time(e.occurred_at)).collect();
    let kinds: Vec<String> = events.iter().map(|e| hashed_kind(&e.subject_type, &e.kind)).collect();
    let broken = chain::first_broken(events.iter().zip(&times).zip(&kinds).map(|((e, time), kind)| {
        let content = EventContent {
            action_id: e.subject_id,
            sequence: e.sequence,
            occurred_at: time,
            actor: &e.actor,
            kind,
            changes: &e.changes,
            reason: e.reason.as_deref(),
            prev_hash: &e.prev_hash,
        };
        (content, e.hash.as_str())
    }));
    let intact = broken.is_none() && events.len() as i64 == version;
    Ok((events, intact))
}

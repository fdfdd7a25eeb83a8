//! The append-only, hash-chained timeline of each action.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{Map, Value};

use super::Actor;
use crate::db::AnyConnection;
use crate::domain::chain::{self, EventContent};
use crate::domain::Error;
use crate::schema::action_events;

#[derive(Debug, Clone, Queryable)]
pub struct Event {
    pub id: i64,
    pub action_id: i64,
    pub sequence: i32,
    pub occurred_at: NaiveDateTime,
    pub actor: String,
    pub kind: String,
    pub changes: String,
    pub reason: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Insertable)]
#[diesel(table_name = action_events)]
struct NewEvent<'a> {
    action_id: i64,
    sequence: i32,
    occurred_at: NaiveDateTime,
    actor: &'a str,
    kind: &'a str,
    changes: &'a str,
    reason: Option<&'a str>,
    prev_hash: &'a str,
    hash: &'a str,
}

/// The timestamp as the hash sees it: fixed format, microseconds, UTC.
/// Public so tools that write events in bulk (the benchmark seeder) chain them alike.
pub fn hashed_time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The next link of a hash chain: its sequence, the hash it follows, its
/// changes as stored and its own hash. Shared by every timeline (actions',
/// and `statutory_events`') so they chain alike.
pub(super) struct Link {
    pub sequence: i32,
    pub prev_hash: String,
    pub changes: String,
    pub hash: String,
}

/// Computes the link after `last` (the chain's last sequence and hash, if
/// any) for the subject `subject_id`; `kind` as the hash covers it.
pub(super) fn next_link(
    subject_id: i64,
    last: Option<(i32, String)>,
    kind: &str,
    changes: &Map<String, Value>,
    reason: Option<&str>,
    actor: &Actor,
    occurred_at: NaiveDateTime,
) -> Link {
    let (sequence, prev_hash) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, chain::GENESIS.to_string()),
    };
    let changes = Value::Object(changes.clone()).to_string();
    let time = hashed_time(occurred_at);
    let hash = chain::hash(&EventContent {
        action_id: subject_id,
        sequence,
        occurred_at: &time,
        actor: &actor.0,
        kind,
        changes: &changes,
        reason,
        prev_hash: &prev_hash,
    });
    Link { sequence, prev_hash, changes, hash }
}

/// Appends an event to the action's chain. Call inside the transaction that
/// made the change, after the action row itself was written: that write holds
/// the row lock, so two changes to one action cannot fork the chain.
pub fn append(
    conn: &mut AnyConnection,
    action_id: i64,
    kind: &str,
    changes: &Map<String, Value>,
    reason: Option<&str>,
    actor: &Actor,
    occurred_at: NaiveDateTime,
) -> Result<Event, Error> {
    let last: Option<(i32, String)> = action_events::table
        .filter(action_events::action_id.eq(action_id))
        .order(action_events::sequence.desc())
        .select((action_events::sequence, action_events::hash))
        .first(conn)
        .optional()?;
    let Link { sequence, prev_hash, changes, hash } =
        next_link(action_id, last, kind, changes, reason, actor, occurred_at);
    Ok(diesel::insert_into(action_events::table)
        .values(NewEvent {
            action_id,
            sequence,
            occurred_at,
            actor: &actor.0,
            kind,
            changes: &changes,
            reason,
            prev_hash: &prev_hash,
            hash: &hash,
        })
        .returning(action_events::all_columns)
        .get_result(conn)?)
}

pub fn list(conn: &mut AnyConnection, action_id: i64, after: Option<i64>, limit: i64) -> Result<Vec<Event>, Error> {
    let mut query = action_events::table
        .filter(action_events::action_id.eq(action_id))
        .order(action_events::sequence)
        .limit(limit + 1)
        .into_boxed();
    if let Some(after) = after {
        let after = i32::try_from(after).unwrap_or(i32::MAX);
        query = query.filter(action_events::sequence.gt(after));
    }
    Ok(query.load(conn)?)
}

/// The result of checking an action's chain.
pub struct Verification {
    pub events_checked: usize,
    pub first_broken_sequence: Option<i32>,
}

/// The meetings an event's changes name (a due meeting moved, say).
pub fn meeting_ids(event: &Event) -> Vec<i64> {
    let Ok(serde_json::Value::Object(changes)) = serde_json::from_str::<serde_json::Value>(&event.changes) else {
        return vec![];
    };
    changes
        .iter()
        .filter(|(field, _)| field.ends_with("meeting_id"))
        .flat_map(|(_, change)| [change["from"].as_i64(), change["to"].as_i64()])
        .flatten()
        .collect()
}

pub fn verify(conn: &mut AnyConnection, action_id: i64) -> Result<Verification, Error> {
    let events: Vec<Event> = action_events::table
        .filter(action_events::action_id.eq(action_id))
        .order(action_events::sequence)
        .load(conn)?;
    let times: Vec<String> = events.iter().map(|e| hashed_time(e.occurred_at)).collect();
    let first_broken_sequence = chain::first_broken(events.iter().zip(&times).map(|(e, time)| {
        let content = EventContent {
            action_id: e.action_id,
            sequence: e.sequence,
            occurred_at: time,
            actor: &e.actor,
            kind: &e.kind,
            changes: &e.changes,
            reason: e.reason.as_deref(),
            prev_hash: &e.prev_hash,
        };
        (content, e.hash.as_str())
    }));
    Ok(Verification { events_checked: events.len(), first_broken_sequence })
}

/// The latest events of a committee's actions, newest first, each with the
/// action as it now is: what a feed of changes shows.
pub fn latest_for_committee(
    conn: &mut AnyConnection,
    committee_id: i64,
    limit: i64,
) -> Result<Vec<(Event, crate::store::actions::ActionRow)>, Error> {
    use crate::schema::actions;
    Ok(action_events::table
        .inner_join(actions::table)
        .filter(actions::committee_id.eq(committee_id))
        .order(action_events::id.desc())
        .limit(limit)
        .select((action_events::all_columns, actions::all_columns))
        .load(conn)?)
}

/// The status an event moved the action from and to, when it changed it.
pub fn status_change(event: &Event) -> Option<(Option<String>, String)> {
    let changes: serde_json::Value = serde_json::from_str(&event.changes).ok()?;
    let status = changes.get("status")?;
    let to = status.get("to")?.as_str()?.to_string();
    Some((status.get("from").and_then(|f| f.as_str()).map(str::to_string), to))
}

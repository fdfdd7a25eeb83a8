//! The change feed's rows: every committed change to a committee, meeting,
//! agenda item or action, in commit order.
//!
//! A write records its change with [`record`] inside its transaction, with no
//! position yet. [`assign_positions`] runs last in every write transaction
//! (`db::write_transaction` calls it just before committing): it takes a
//! lock that only the commit releases (PostgreSQL: a transaction-level
//! advisory lock; SQLite: the writer lock `BEGIN IMMEDIATE` already holds)
//! and numbers the transaction's changes after the highest committed
//! position. Positions are therefore gapless and given in commit order: once
//! a reader sees position p, no change below p can still appear, and a
//! reader that remembers the last position it processed misses nothing.
//! Taking the lock last keeps it held only for the commit itself, and as
//! nothing is locked after it, no deadlock can involve it.

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::domain::change::{ChangeType, ResourceType};
use crate::domain::Error;
use crate::schema::changes;

/// An arbitrary constant naming the change feed's lock in PostgreSQL.
const POSITION_LOCK: i64 = 0x5041_4e45_4c43_4847;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = changes)]
pub struct ChangeRow {
    pub id: i64,
    pub position: Option<i64>,
    pub occurred_at: NaiveDateTime,
    pub event_type: String,
    pub resource_type: String,
    pub resource_id: i64,
    pub committee_id: i64,
    pub version: i64,
}

impl ChangeRow {
    pub fn change_type(&self) -> Result<ChangeType, Error> {
        self.event_type.parse().map_err(Error::internal)
    }

    pub fn resource(&self) -> Result<ResourceType, Error> {
        self.resource_type.parse().map_err(Error::internal)
    }
}

/// Records a change in the current transaction; its position is given at commit.
pub fn record(
    conn: &mut AnyConnection,
    change: ChangeType,
    resource_id: i64,
    committee_id: i64,
    version: i64,
    occurred_at: NaiveDateTime,
) -> Result<(), Error> {
    diesel::insert_into(changes::table)
        .values((
            changes::occurred_at.eq(occurred_at),
            changes::event_type.eq(change.as_str()),
            changes::resource_type.eq(change.resource_type().as_str()),
            changes::resource_id.eq(resource_id),
            changes::committee_id.eq(committee_id),
            changes::version.eq(version),
        ))
        .execute(conn)?;
    Ok(())
}

/// Numbers this transaction's changes after the highest committed position.
/// Call last in a write transaction, just before it commits.
pub fn assign_positions(conn: &mut AnyConnection) -> Result<(), diesel::result::Error> {
    // Other transactions' rows without a position are invisible (not yet
    // committed), so these are ours.
    let pending: Vec<(i64, String, i64, NaiveDateTime)> = changes::table
        .filter(changes::position.is_null())
        .order(changes::id)
        .select((changes::id, changes::event_type, changes::committee_id, changes::occurred_at))
        .load(conn)?;
    if pending.is_empty() {
        return Ok(());
    }
    // The outbox first: each webhook's deliveries, in the same transaction,
    // keyed by change (not position) and written before the lock, so the
    // lock is held only for the numbering and the commit.
    let typed: Vec<(i64, ChangeType, i64)> = pending
        .iter()
        .filter_map(|(id, kind, committee_id, _)| Some((*id, kind.parse().ok()?, *committee_id)))
        .collect();
    let now = pending.iter().map(|(_, _, _, at)| *at).max().unwrap_or_else(super::now);
    super::webhooks::enqueue(conn, &typed, now)?;
    if let AnyConnection::Postgresql(c) = conn {
        // Held until the commit is visible to others, so the next holder's
        // MAX (read in a new snapshot, READ COMMITTED) sees our positions.
        c.batch_execute(&format!("SELECT pg_advisory_xact_lock({POSITION_LOCK})"))?;
    }
    let base: i64 = changes::table.select(diesel::dsl::max(changes::position)).first::<Option<i64>>(conn)?.unwrap_or(0);
    // `base` is a number read from the database, not text from a client.
    diesel::sql_query(format!(
        "UPDATE changes SET position = {base} + numbered.n \
         FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM changes WHERE position IS NULL) AS numbered \
         WHERE changes.id = numbered.id"
    ))
    .execute(conn)?;
    Ok(())
}

/// What a reader of the feed wants.
#[derive(Debug, Clone, Default)]
pub struct ChangeFilter {
    pub resource_type: Option<ResourceType>,
    pub committee_id: Option<i64>,
}

/// The changes after `after`, in position order, at most `limit + 1` (one
/// more says there are more).
pub fn list(conn: &mut AnyConnection, after: i64, limit: i64, filter: &ChangeFilter) -> Result<Vec<ChangeRow>, Error> {
    let mut query = changes::table
        .filter(changes::position.gt(after))
        .order(changes::position)
        .limit(limit + 1)
        .select(ChangeRow::as_select())
        .into_boxed();
    if let Some(resource_type) = filter.resource_type {
        query = query.filter(changes::resource_type.eq(resource_type.as_str()));
    }
    if let Some(committee_id) = filter.committee_id {
        query = query.filter(changes::committee_id.eq(committee_id));
    }
    Ok(query.load(conn)?)
}

/// The highest committed position (0 before any change).
pub fn last_position(conn: &mut AnyConnection) -> Result<i64, Error> {
    Ok(changes::table.select(diesel::dsl::max(changes::position)).first::<Option<i64>>(conn)?.unwrap_or(0))
}

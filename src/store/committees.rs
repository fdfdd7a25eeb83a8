use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{changes, write_versioned, Changes};
use crate::db::AnyConnection;
use crate::domain::change::ChangeType;
use crate::domain::{Error, Version};
use crate::schema::committees;

#[derive(Debug, Clone, Queryable)]
pub struct Committee {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    pub actions_raised: i64,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// When the committee was published; `None` while it is not.
    pub published_at: Option<NaiveDateTime>,
}

/// A validated new committee.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = committees)]
pub struct NewCommittee {
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

changes! {
    /// Validated changes; `None` leaves a field as it is.
    #[derive(Debug, Clone, Default, AsChangeset)]
    #[diesel(table_name = committees)]
    pub struct CommitteeChanges {
        pub name: Option<String>,
        pub description: Option<Option<String>>,
        /// `Some(Some(now))` publishes (keeping the first date if it already
        /// is published), `Some(None)` unpublishes.
        pub published_at: Option<Option<NaiveDateTime>>,
    }
}

pub fn create(conn: &mut AnyConnection, new: &NewCommittee) -> Result<Committee, Error> {
    let exists = committees::table
        .filter(committees::code.eq(&new.code))
        .select(committees::id)
        .first::<i64>(conn)
        .optional()?;
    if exists.is_some() {
        return Err(Error::Conflict(format!("a committee with code {} already exists", new.code)));
    }
    let committee: Committee =
        diesel::insert_into(committees::table).values(new).returning(committees::all_columns).get_result(conn)?;
    super::change_feed::record(
        conn,
        ChangeType::CommitteeCreated,
        committee.id,
        committee.id,
        committee.version,
        committee.created_at,
    )?;
    Ok(committee)
}

pub fn get(conn: &mut AnyConnection, id: i64) -> Result<Committee, Error> {
    committees::table.find(id).first(conn).optional()?.ok_or_else(|| Error::not_found("committee", id))
}

pub fn list(conn: &mut AnyConnection, after: Option<i64>, limit: i64) -> Result<Vec<Committee>, Error> {
    let mut query = committees::table.order(committees::id).limit(limit + 1).into_boxed();
    if let Some(after) = after {
        query = query.filter(committees::id.gt(after));
    }
    Ok(query.load(conn)?)
}

/// Applies changes if `expected_version` is current; returns the committee as it now is.
pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    expected_version: Version,
    changes: &CommitteeChanges,
    now: NaiveDateTime,
) -> Result<Committee, Error> {
    let current = get(conn, id)?;
    expected_version.check(current.version)?;
    let mut changes = changes.clone();
    if changes.published_at.is_some_and(|p| p.is_some() == current.published_at.is_some()) {
        changes.published_at = None;
    }
    let changes = &changes;
    if changes.is_empty() {
        return Ok(current);
    }
    write_versioned!(conn, committees, id, current.version, now, changes)?;
    let change = match changes.published_at {
        Some(Some(_)) => ChangeType::CommitteePublished,
        Some(None) => ChangeType::CommitteeUnpublished,
        None => ChangeType::CommitteeUpdated,
    };
    let committee = get(conn, id)?;
    super::change_feed::record(conn, change, id, id, committee.version, now)?;
    Ok(committee)
}

/// The published committees, by name.
pub fn published(conn: &mut AnyConnection) -> Result<Vec<Committee>, Error> {
    Ok(committees::table
        .filter(committees::published_at.is_not_null())
        .order((committees::name, committees::id))
        .limit(1000)
        .load(conn)?)
}

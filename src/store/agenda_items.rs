use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{changes, write_versioned, Changes};
use crate::db::AnyConnection;
use crate::domain::change::ChangeType;
use crate::domain::{Error, Version};
use crate::schema::agenda_items;

#[derive(Debug, Clone, Queryable)]
pub struct AgendaItem {
    pub id: i64,
    pub meeting_id: i64,
    pub number: String,
    pub title: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = agenda_items)]
pub struct NewAgendaItem {
    pub meeting_id: i64,
    pub number: String,
    pub title: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

changes! {
    #[derive(Debug, Clone, Default, AsChangeset)]
    #[diesel(table_name = agenda_items)]
    pub struct AgendaItemChanges {
        pub number: Option<String>,
        pub title: Option<String>,
    }
}

fn number_taken(conn: &mut AnyConnection, meeting_id: i64, number: &str, except: Option<i64>) -> Result<bool, Error> {
    let mut query = agenda_items::table
        .filter(agenda_items::meeting_id.eq(meeting_id))
        .filter(agenda_items::number.eq(number.to_string()))
        .select(agenda_items::id)
        .into_boxed();
    if let Some(id) = except {
        query = query.filter(agenda_items::id.ne(id));
    }
    Ok(query.first::<i64>(conn).optional()?.is_some())
}

pub fn create(conn: &mut AnyConnection, new: &NewAgendaItem) -> Result<AgendaItem, Error> {
    if number_taken(conn, new.meeting_id, &new.number, None)? {
        return Err(Error::Conflict(format!("the meeting already has an agenda item numbered {}", new.number)));
    }
    let item: AgendaItem =
        diesel::insert_into(agenda_items::table).values(new).returning(agenda_items::all_columns).get_result(conn)?;
    record_change(conn, ChangeType::AgendaItemCreated, &item, item.created_at)?;
    Ok(item)
}

/// Records a change to an agenda item under its meeting's committee.
fn record_change(
    conn: &mut AnyConnection,
    change: ChangeType,
    item: &AgendaItem,
    at: NaiveDateTime,
) -> Result<(), Error> {
    use crate::schema::meetings;
    let committee_id: i64 = meetings::table.find(item.meeting_id).select(meetings::committee_id).first(conn)?;
    super::change_feed::record(conn, change, item.id, committee_id, item.version, at)
}

pub fn get(conn: &mut AnyConnection, id: i64) -> Result<AgendaItem, Error> {
    find(conn, id)?.ok_or_else(|| Error::not_found("agenda item", id))
}

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<Option<AgendaItem>, Error> {
    Ok(agenda_items::table.find(id).first(conn).optional()?)
}

/// A meeting's agenda items in the order they were entered.
pub fn list(
    conn: &mut AnyConnection,
    meeting_id: i64,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<AgendaItem>, Error> {
    let mut query = agenda_items::table
        .filter(agenda_items::meeting_id.eq(meeting_id))
        .order(agenda_items::id)
        .limit(limit + 1)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(agenda_items::id.gt(after));
    }
    Ok(query.load(conn)?)
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    expected_version: Version,
    changes: &AgendaItemChanges,
    now: NaiveDateTime,
) -> Result<AgendaItem, Error> {
    let current = get(conn, id)?;
    expected_version.check(current.version)?;
    if changes.is_empty() {
        return Ok(current);
    }
    if let Some(number) = &changes.number {
        if number_taken(conn, current.meeting_id, number, Some(id))? {
            return Err(Error::Conflict(format!("the meeting already has an agenda item numbered {number}")));
        }
    }
    write_versioned!(conn, agenda_items, id, current.version, now, changes)?;
    let item = get(conn, id)?;
    record_change(conn, ChangeType::AgendaItemUpdated, &item, now)?;
    Ok(item)
}

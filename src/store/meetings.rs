use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{changes, write_versioned, Changes};
use crate::db::AnyConnection;
use crate::domain::change::ChangeType;
use crate::domain::MeetingStatus;
use crate::domain::{Error, Version};
use crate::schema::meetings;

#[derive(Debug, Clone, Queryable)]
pub struct Meeting {
    pub id: i64,
    pub committee_id: i64,
    pub title: String,
    pub starts_at: NaiveDateTime,
    pub location: Option<String>,
    pub status: MeetingStatus,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = meetings)]
pub struct NewMeeting {
    pub committee_id: i64,
    pub title: String,
    pub starts_at: NaiveDateTime,
    pub location: Option<String>,
    pub status: MeetingStatus,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

changes! {
    #[derive(Debug, Clone, Default, AsChangeset)]
    #[diesel(table_name = meetings)]
    pub struct MeetingChanges {
        pub title: Option<String>,
        pub starts_at: Option<NaiveDateTime>,
        pub location: Option<Option<String>>,
        pub status: Option<MeetingStatus>,
    }
}

#[derive(Debug, Clone, Default)]
pub struct MeetingFilter {
    pub committee_id: Option<i64>,
    /// Meetings on or after this date.
    pub from: Option<NaiveDate>,
    /// Meetings on or before this date.
    pub to: Option<NaiveDate>,
    pub status: Option<MeetingStatus>,
}

pub fn create(conn: &mut AnyConnection, new: &NewMeeting) -> Result<Meeting, Error> {
    let meeting: Meeting =
        diesel::insert_into(meetings::table).values(new).returning(meetings::all_columns).get_result(conn)?;
    let at = meeting.created_at;
    super::change_feed::record(
        conn,
        ChangeType::MeetingCreated,
        meeting.id,
        meeting.committee_id,
        meeting.version,
        at,
    )?;
    Ok(meeting)
}

/// The committee's scheduled meetings after `meeting`, soonest first, at most
/// `limit`: where an action raised at it can be due.
pub fn later(conn: &mut AnyConnection, meeting: &Meeting, limit: i64) -> Result<Vec<Meeting>, Error> {
    let filter = MeetingFilter {
        committee_id: Some(meeting.committee_id),
        status: Some(crate::domain::MeetingStatus::Scheduled),
        ..Default::default()
    };
    let mut later = list(conn, &filter, Some((meeting.starts_at, meeting.id)), limit)?;
    later.truncate(limit as usize);
    Ok(later)
}

pub fn get(conn: &mut AnyConnection, id: i64) -> Result<Meeting, Error> {
    find(conn, id)?.ok_or_else(|| Error::not_found("meeting", id))
}

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<Option<Meeting>, Error> {
    Ok(meetings::table.find(id).first(conn).optional()?)
}

/// Meetings in time order; `after` is the (starts_at, id) of the last one seen.
pub fn list(
    conn: &mut AnyConnection,
    filter: &MeetingFilter,
    after: Option<(NaiveDateTime, i64)>,
    limit: i64,
) -> Result<Vec<Meeting>, Error> {
    let mut query = meetings::table.order((meetings::starts_at, meetings::id)).limit(limit + 1).into_boxed();
    if let Some(committee_id) = filter.committee_id {
        query = query.filter(meetings::committee_id.eq(committee_id));
    }
    if let Some(from) = filter.from {
        query = query.filter(meetings::starts_at.ge(from.and_time(chrono::NaiveTime::MIN)));
    }
    if let Some(to) = filter.to.and_then(|d| d.succ_opt()) {
        query = query.filter(meetings::starts_at.lt(to.and_time(chrono::NaiveTime::MIN)));
    }
    if let Some(status) = filter.status {
        query = query.filter(meetings::status.eq(status));
    }
    if let Some((starts_at, id)) = after {
        query = query
            .filter(meetings::starts_at.gt(starts_at).or(meetings::starts_at.eq(starts_at).and(meetings::id.gt(id))));
    }
    Ok(query.load(conn)?)
}

/// The committee's first meeting after `starts_at` that is not cancelled:
/// where an action is due by default, and where it is carried forward to.
pub fn next_after(
    conn: &mut AnyConnection,
    committee_id: i64,
    starts_at: NaiveDateTime,
) -> Result<Option<Meeting>, Error> {
    loop {
        let found: Option<Meeting> = meetings::table
            .filter(meetings::committee_id.eq(committee_id))
            .filter(meetings::starts_at.gt(starts_at))
            .filter(meetings::status.ne(MeetingStatus::Cancelled))
            .order((meetings::starts_at, meetings::id))
            .first(conn)
            .optional()?;
        let Some(meeting) = found else { return Ok(None) };
        // Cancelled while we looked: the next query no longer finds it.
        if hold(conn, meeting.id)? != Some(MeetingStatus::Cancelled) {
            return Ok(Some(meeting));
        }
    }
}

/// Holds a meeting row until the transaction ends, so it cannot be cancelled
/// while an action is being made due at it, and returns its committed status.
/// On PostgreSQL that is `FOR SHARE` (a cancellation, which updates the row,
/// waits, and then sees the action); on SQLite the write lock every writing
/// transaction takes already serialises the two, so nothing more is needed.
pub fn hold(conn: &mut AnyConnection, id: i64) -> Result<Option<MeetingStatus>, Error> {
    match conn {
        AnyConnection::Postgresql(c) => {
            Ok(meetings::table.find(id).select(meetings::status).for_share().first::<MeetingStatus>(c).optional()?)
        }
        AnyConnection::Sqlite(_) => Ok(None),
    }
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    expected_version: Version,
    changes: &MeetingChanges,
    now: NaiveDateTime,
) -> Result<Meeting, Error> {
    let current = get(conn, id)?;
    expected_version.check(current.version)?;
    if changes.is_empty() {
        return Ok(current);
    }
    write_versioned!(conn, meetings, id, current.version, now, changes)?;
    let meeting = get(conn, id)?;
    let change = match meeting.status {
        status if status == current.status => ChangeType::MeetingUpdated,
        MeetingStatus::Cancelled => ChangeType::MeetingCancelled,
        MeetingStatus::Held => ChangeType::MeetingHeld,
        MeetingStatus::Scheduled => ChangeType::MeetingUpdated,
    };
    super::change_feed::record(conn, change, id, meeting.committee_id, meeting.version, now)?;
    Ok(meeting)
}

/// The start of each of these meetings, by id.
pub fn starts(conn: &mut AnyConnection, ids: &[i64]) -> Result<std::collections::HashMap<i64, NaiveDateTime>, Error> {
    Ok(meetings::table
        .filter(meetings::id.eq_any(ids))
        .select((meetings::id, meetings::starts_at))
        .load::<(i64, NaiveDateTime)>(conn)?
        .into_iter()
        .collect())
}

//! Meetings: scheduling, changes, and cancellation, which moves the
//! meeting's actions on to the committee's next meeting.

use super::{AppState, Record};
use crate::auth::policy::{ManageMeetings, Read};
use crate::auth::Caller;
use crate::db::write_transaction;
use crate::domain::{Error, MeetingId, MeetingStatus, Version};
use crate::store::idempotency::{self, Recorded, RequestKey};
use crate::store::meetings::{self, Meeting, MeetingChanges, MeetingFilter, NewMeeting};
use crate::store::{action_log, committees};

/// Meetings in time order, after the `(starts_at, id)` of the last one seen.
pub async fn list(
    state: &AppState,
    _: &Caller<Read>,
    filter: MeetingFilter,
    after: Option<(chrono::NaiveDateTime, i64)>,
    limit: i64,
) -> Result<Vec<Meeting>, Error> {
    state.db(move |conn| meetings::list(conn, &filter, after, limit)).await
}

pub async fn get(state: &AppState, _: &Caller<Read>, id: MeetingId) -> Result<Meeting, Error> {
    let id = id.0;
    state.db(move |conn| meetings::get(conn, id)).await
}

/// Schedules a meeting of a committee, once per client key.
pub async fn create(
    state: &AppState,
    _: &Caller<ManageMeetings>,
    new: NewMeeting,
    key: Option<RequestKey>,
    record: Record<Meeting>,
) -> Result<Recorded, Error> {
    state
        .db(move |conn| {
            idempotency::create_once(conn, key.as_ref(), |conn| {
                committees::get(conn, new.committee_id)
                    .map_err(|_| Error::unknown("committee_id", "no committee has this id"))?;
                record(meetings::create(conn, &new)?)
            })
        })
        .await
}

/// Changes a meeting. Cancelling it moves its unfinished actions on to the
/// committee's next meeting, in the same transaction, each with its event.
pub async fn update(
    state: &AppState,
    caller: &Caller<ManageMeetings>,
    id: MeetingId,
    expected: Version,
    changes: MeetingChanges,
) -> Result<Meeting, Error> {
    let id = id.0;
    let now = crate::store::now();
    let actor = caller.actor();
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let was_cancelled = meetings::get(conn, id)?.status == MeetingStatus::Cancelled;
                let meeting = meetings::update(conn, id, expected, &changes, now)?;
                if !was_cancelled && meeting.status == MeetingStatus::Cancelled {
                    action_log::follow_cancelled_meeting(conn, &meeting, &actor, now)?;
                }
                Ok(meeting)
            })
        })
        .await
}

/// A meeting with everything its page shows, read from one snapshot over one
/// connection: its committee and agenda, the first `rows` actions raised at
/// it and due at it (one more of each says there are more), how many
/// unfinished actions are due at it, and the committee's later meetings.
pub struct MeetingRecord {
    pub meeting: Meeting,
    pub committee: committees::Committee,
    pub agenda: Vec<crate::store::agenda_items::AgendaItem>,
    pub raised: Vec<crate::store::actions::ActionView>,
    pub due: Vec<crate::store::actions::ActionView>,
    pub unfinished_due: i64,
    pub later: Vec<Meeting>,
}

pub async fn record(
    state: &AppState,
    _: &Caller<Read>,
    id: MeetingId,
    rows: i64,
    now: chrono::NaiveDateTime,
) -> Result<MeetingRecord, Error> {
    use crate::store::{actions, agenda_items};
    let id = id.0;
    state
        .db(move |conn| {
            crate::db::snapshot(conn, |conn| {
                let meeting = meetings::get(conn, id)?;
                let committee = committees::get(conn, meeting.committee_id)?;
                let mut agenda = agenda_items::list(conn, id, None, 200)?;
                agenda.truncate(200);
                let raised_here = actions::ActionFilter { raised_at_meeting_id: Some(id), ..Default::default() };
                let raised = actions::list(conn, &raised_here, None, rows, now)?;
                let due_here = actions::ActionFilter { due_meeting_id: Some(id), ..Default::default() };
                let due = actions::list(conn, &due_here, None, rows, now)?;
                let unfinished_due = actions::unfinished_due_at(conn, &[id])?.get(&id).copied().unwrap_or(0);
                let later = meetings::later(conn, &meeting, 50)?;
                Ok(MeetingRecord { meeting, committee, agenda, raised, due, unfinished_due, later })
            })
        })
        .await
}

/// The committee's scheduled meetings after this one (see `store::meetings::later`).
pub async fn later(state: &AppState, _: &Caller<Read>, meeting: Meeting, limit: i64) -> Result<Vec<Meeting>, Error> {
    state.db(move |conn| meetings::later(conn, &meeting, limit)).await
}

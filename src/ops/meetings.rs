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

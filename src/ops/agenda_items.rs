//! Agenda items: the numbered items of a meeting that actions arise under.

use super::{AppState, Record};
use crate::auth::policy::{ManageMeetings, Read};
use crate::auth::Caller;
use crate::db::write_transaction;
use crate::domain::{AgendaItemId, Error, MeetingId, Version};
use crate::store::agenda_items::{self, AgendaItem, AgendaItemChanges, NewAgendaItem};
use crate::store::idempotency::{self, Recorded, RequestKey};
use crate::store::meetings;

/// A meeting's agenda items; not found when the meeting is not.
pub async fn list(
    state: &AppState,
    _: &Caller<Read>,
    meeting_id: MeetingId,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<AgendaItem>, Error> {
    let meeting_id = meeting_id.0;
    state
        .db(move |conn| {
            meetings::get(conn, meeting_id)?;
            agenda_items::list(conn, meeting_id, after, limit)
        })
        .await
}

pub async fn get(state: &AppState, _: &Caller<Read>, id: AgendaItemId) -> Result<AgendaItem, Error> {
    let id = id.0;
    state.db(move |conn| agenda_items::get(conn, id)).await
}

/// Adds an item to a meeting's agenda, once per client key.
pub async fn create(
    state: &AppState,
    _: &Caller<ManageMeetings>,
    new: NewAgendaItem,
    key: Option<RequestKey>,
    record: Record<AgendaItem>,
) -> Result<Recorded, Error> {
    state
        .db(move |conn| {
            idempotency::create_once(conn, key.as_ref(), |conn| {
                meetings::get(conn, new.meeting_id)?;
                record(agenda_items::create(conn, &new)?)
            })
        })
        .await
}

pub async fn update(
    state: &AppState,
    _: &Caller<ManageMeetings>,
    id: AgendaItemId,
    expected: Version,
    changes: AgendaItemChanges,
) -> Result<AgendaItem, Error> {
    let id = id.0;
    let now = crate::store::now();
    state.db(move |conn| write_transaction(conn, |conn| agenda_items::update(conn, id, expected, &changes, now))).await
}

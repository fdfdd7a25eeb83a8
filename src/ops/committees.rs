//! Committees: the panels whose meetings and actions are tracked.

use super::{AppState, Record};
use crate::auth::policy::{ManageMeetings, Read};
use crate::auth::Caller;
use crate::db::write_transaction;
use crate::domain::{CommitteeId, Error, Version};
use crate::store::committees::{self, Committee, CommitteeChanges, NewCommittee};
use crate::store::idempotency::{self, Recorded, RequestKey};

pub async fn list(state: &AppState, _: &Caller<Read>, after: Option<i64>, limit: i64) -> Result<Vec<Committee>, Error> {
    state.db(move |conn| committees::list(conn, after, limit)).await
}

pub async fn get(state: &AppState, _: &Caller<Read>, id: CommitteeId) -> Result<Committee, Error> {
    let id = id.0;
    state.db(move |conn| committees::get(conn, id)).await
}

/// Creates a committee once per client key (see `store::idempotency`).
pub async fn create(
    state: &AppState,
    _: &Caller<ManageMeetings>,
    new: NewCommittee,
    key: Option<RequestKey>,
    record: Record<Committee>,
) -> Result<Recorded, Error> {
    state
        .db(move |conn| idempotency::create_once(conn, key.as_ref(), |conn| record(committees::create(conn, &new)?)))
        .await
}

pub async fn update(
    state: &AppState,
    _: &Caller<ManageMeetings>,
    id: CommitteeId,
    expected: Version,
    changes: CommitteeChanges,
) -> Result<Committee, Error> {
    let id = id.0;
    let now = crate::store::now();
    state.db(move |conn| write_transaction(conn, |conn| committees::update(conn, id, expected, &changes, now))).await
}

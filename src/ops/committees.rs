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

/// A committee as the home page shows it.
#[derive(Debug, Clone)]
pub struct Overview {
    pub committee: Committee,
    /// Its next scheduled meeting, with the unfinished actions due at it.
    pub next_meeting: Option<(crate::store::meetings::Meeting, i64)>,
    pub unfinished: i64,
    pub overdue: i64,
}

/// The first `limit` committees with their next meeting and counts, read
/// in one snapshot with a fixed number of grouped queries plus one indexed
/// lookup per committee for its next meeting.
pub async fn overview(
    state: &AppState,
    _: &Caller<Read>,
    limit: i64,
    now: chrono::NaiveDateTime,
) -> Result<Vec<Overview>, Error> {
    use crate::domain::MeetingStatus;
    use crate::store::{actions, meetings};
    state
        .db(move |conn| {
            crate::db::snapshot(conn, |conn| {
                let mut list = committees::list(conn, None, limit)?;
                list.truncate(limit as usize);
                let ids: Vec<i64> = list.iter().map(|c| c.id).collect();
                let counts = actions::counts_by_committee(conn, &ids, now)?;
                let mut next = Vec::with_capacity(list.len());
                for id in &ids {
                    let filter = meetings::MeetingFilter {
                        committee_id: Some(*id),
                        from: Some(now.date()),
                        status: Some(MeetingStatus::Scheduled),
                        ..Default::default()
                    };
                    next.push(meetings::list(conn, &filter, None, 1)?.into_iter().find(|m| m.starts_at >= now));
                }
                let meeting_ids: Vec<i64> = next.iter().flatten().map(|m| m.id).collect();
                let due = actions::unfinished_due_at(conn, &meeting_ids)?;
                Ok(list
                    .into_iter()
                    .zip(next)
                    .map(|(committee, next)| {
                        let (unfinished, overdue) = counts.get(&committee.id).copied().unwrap_or_default();
                        let next_meeting = next.map(|m| {
                            let n = due.get(&m.id).copied().unwrap_or(0);
                            (m, n)
                        });
                        Overview { committee, next_meeting, unfinished, overdue }
                    })
                    .collect())
            })
        })
        .await
}

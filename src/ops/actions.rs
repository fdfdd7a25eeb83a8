//! Actions: logging a commitment, editing it, moving it along its
//! lifecycle, carrying it forward, and reading it with its timeline.

use chrono::NaiveDateTime;

use super::{AppState, Record};
use crate::auth::policy::{ManageActions, Read, Requirement as Capability};
use crate::auth::Caller;
use crate::db::write_transaction;
use crate::domain::lifecycle::Requirement;
use crate::domain::search::SearchTerms;
use crate::domain::text::{self, Checks};
use crate::domain::{ActionId, Error, MeetingId, Transition, Version};
use crate::store::actions::{self, ActionFilter, ActionPatch, ActionView, NewAction};
use crate::store::events::{self, Event, Verification};
use crate::store::idempotency::{self, Recorded, RequestKey};
use crate::store::search;

/// A page of actions (after the id of the last one seen), as they stand at
/// `now`. `mine` keeps the caller's own (those whose `owner_id` is the
/// caller's account); like every filter it combines with the others, so with
/// an `owner_id` naming someone else it finds nothing. A service credential
/// or a single sign-on caller has no account here, so `mine` is invalid for them.
pub async fn list(
    state: &AppState,
    caller: &Caller<Read>,
    mut filter: ActionFilter,
    mine: bool,
    after: Option<i64>,
    limit: i64,
    now: NaiveDateTime,
) -> Result<Vec<ActionView>, Error> {
    if !keep_mine(caller, &mut filter, mine)? {
        return Ok(vec![]);
    }
    state.db(move |conn| actions::list(conn, &filter, after, limit, now)).await
}

/// A page of a search for `terms` among the actions `filter` keeps, best
/// first, from position `offset`, each with its position; `mine` as in [`list`].
#[allow(clippy::too_many_arguments)]
pub async fn search(
    state: &AppState,
    caller: &Caller<Read>,
    terms: SearchTerms,
    mut filter: ActionFilter,
    mine: bool,
    offset: i64,
    limit: i64,
    now: NaiveDateTime,
) -> Result<Vec<(i64, ActionView)>, Error> {
    if !keep_mine(caller, &mut filter, mine)? {
        return Ok(vec![]);
    }
    state.db(move |conn| search::page(conn, &terms, &filter, true, offset, limit, now)).await
}

/// Narrows the filter to the caller's own actions for `mine`; false when
/// nothing can match (an `owner_id` naming someone else).
fn keep_mine(caller: &Caller<Read>, filter: &mut ActionFilter, mine: bool) -> Result<bool, Error> {
    if mine {
        let me = caller.user_id().ok_or_else(|| {
            Error::invalid(
                "mine",
                "only a person signed in with a user account owns actions; a service credential \
                 or single sign-on caller has none: filter by owner_id instead",
            )
        })?;
        match filter.owner_id {
            Some(other) if other != me => return Ok(false),
            _ => filter.owner_id = Some(me),
        }
    }
    Ok(true)
}

/// How many unfinished actions are due at a meeting.
pub async fn unfinished_due_at(state: &AppState, _: &Caller<Read>, meeting_id: MeetingId) -> Result<i64, Error> {
    let id = meeting_id.0;
    state.db(move |conn| Ok(actions::unfinished_due_at(conn, &[id])?.get(&id).copied().unwrap_or(0))).await
}

pub async fn get(state: &AppState, _: &Caller<Read>, id: ActionId) -> Result<ActionView, Error> {
    let id = id.0;
    state.db(move |conn| actions::get(conn, id)).await
}

/// Logs an action with the next reference of its committee, once per client key.
pub async fn create(
    state: &AppState,
    caller: &Caller<ManageActions>,
    new: NewAction,
    key: Option<RequestKey>,
    record: Record<ActionView>,
) -> Result<Recorded, Error> {
    let actor = caller.actor();
    let now = crate::store::now();
    state
        .db(move |conn| {
            idempotency::create_once(conn, key.as_ref(), |conn| record(actions::create(conn, &new, &actor, now)?))
        })
        .await
}

pub async fn update(
    state: &AppState,
    caller: &Caller<ManageActions>,
    id: ActionId,
    expected: Version,
    patch: ActionPatch,
) -> Result<ActionView, Error> {
    let id = id.0;
    let actor = caller.actor();
    let now = crate::store::now();
    state.db(move |conn| write_transaction(conn, |conn| actions::update(conn, id, expected, &patch, &actor, now))).await
}

/// What a transition is given: the OPCC's response, or the secretariat's reason.
#[derive(Debug, Clone, Default)]
pub struct TransitionInput {
    pub response: Option<String>,
    pub reason: Option<String>,
}

/// Each transition takes exactly what the lifecycle says it needs: a
/// response to submit one, a reason to return, reopen or withdraw.
fn checked(transition: Transition, input: TransitionInput) -> Result<(Option<String>, Option<String>), Error> {
    let mut checks = Checks::new();
    let needs = transition.requirement();
    let mut take = |field: &str, given: Option<String>, needed: bool, missing: String| match (needed, given) {
        (true, Some(v)) => Some(checks.check(text::required(field, &v, text::LONG))),
        (true, None) => {
            checks.push(field, missing);
            None
        }
        (false, Some(_)) => {
            checks.push(field, format!("is not accepted by `{transition}`"));
            None
        }
        (false, None) => None,
    };
    let response =
        take("response", input.response, needs == Requirement::Response, "is required to submit a response".into());
    let reason = take("reason", input.reason, needs == Requirement::Reason, format!("is required to {transition}"));
    checks.finish().map_err(Error::Invalid)?;
    Ok((response, reason))
}

/// Moves an action along its lifecycle. The capability `R` is the one the
/// policy table gives the transition (`Transition::capability`), checked here
/// so no front end can pass a caller allowed something else.
pub async fn transition<R: Capability>(
    state: &AppState,
    caller: &Caller<R>,
    id: ActionId,
    expected: Version,
    transition: Transition,
    input: TransitionInput,
) -> Result<ActionView, Error> {
    let id = id.0;
    if R::CAPABILITY != crate::auth::policy::for_transition(transition) {
        return Err(Error::internal(format!("{transition} called with the wrong capability")));
    }
    let (response, reason) = checked(transition, input)?;
    let actor = caller.actor();
    let now = crate::store::now();
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                actions::transition(conn, id, expected, transition, response.as_deref(), reason.as_deref(), &actor, now)
            })
        })
        .await
}

/// Moves an unfinished action on to a later meeting (by default the
/// committee's next one) and counts it.
pub async fn carry_forward(
    state: &AppState,
    caller: &Caller<ManageActions>,
    id: ActionId,
    expected: Version,
    to_meeting_id: Option<i64>,
    reason: Option<String>,
) -> Result<ActionView, Error> {
    let id = id.0;
    let reason = text::optional("reason", reason.as_deref(), text::LONG).map_err(|e| Error::Invalid(vec![e]))?;
    let actor = caller.actor();
    let now = crate::store::now();
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                actions::carry_forward(conn, id, expected, to_meeting_id, reason.as_deref(), &actor, now)
            })
        })
        .await
}

/// A page of an action's timeline; not found when the action is not.
pub async fn events(
    state: &AppState,
    _: &Caller<Read>,
    id: ActionId,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<Event>, Error> {
    let id = id.0;
    state
        .db(move |conn| {
            actions::get(conn, id)?;
            events::list(conn, id, after, limit)
        })
        .await
}

/// An action with everything its page shows, read from one snapshot over
/// one connection: its committee, where it was raised and is due, its
/// timeline, whether the timeline verifies, and every meeting the timeline
/// names.
pub struct ActionRecord {
    pub view: ActionView,
    pub committee: crate::store::committees::Committee,
    pub raised_at: crate::store::meetings::Meeting,
    pub due: Option<crate::store::meetings::Meeting>,
    pub events: Vec<Event>,
    pub verified: bool,
    pub meetings: std::collections::HashMap<i64, crate::store::meetings::Meeting>,
}

pub async fn record(
    state: &AppState,
    _: &Caller<Read>,
    id: ActionId,
    events_limit: i64,
) -> Result<ActionRecord, Error> {
    use crate::store::{committees, meetings};
    let id = id.0;
    state
        .db(move |conn| {
            crate::db::snapshot(conn, |conn| {
                let view = actions::get(conn, id)?;
                let committee = committees::get(conn, view.row.committee_id)?;
                let raised_at = meetings::get(conn, view.row.raised_at_meeting_id)?;
                let due = view.row.due_meeting_id.map(|m| meetings::get(conn, m)).transpose()?;
                let events = events::list(conn, id, None, events_limit)?;
                let verified = verified(conn, id, view.row.version)?.first_broken_sequence.is_none();
                let mut named = std::collections::HashMap::new();
                for meeting_id in events.iter().flat_map(events::meeting_ids) {
                    if let std::collections::hash_map::Entry::Vacant(slot) = named.entry(meeting_id) {
                        if let Ok(m) = meetings::get(conn, meeting_id) {
                            slot.insert(m);
                        }
                    }
                }
                Ok(ActionRecord { view, committee, raised_at, due, events, verified, meetings: named })
            })
        })
        .await
}

/// The chain check with its length check (see [`verify_events`]).
fn verified(conn: &mut crate::db::AnyConnection, id: i64, version: i64) -> Result<Verification, Error> {
    let mut result = events::verify(conn, id)?;
    if result.first_broken_sequence.is_none() && result.events_checked as i64 != version {
        result.first_broken_sequence = Some(i32::try_from(result.events_checked + 1).unwrap_or(i32::MAX));
    }
    Ok(result)
}

/// Checks an action's timeline: every link of its hash chain, and its
/// length. Every change bumps the version and appends one event, so the
/// chain must be exactly `version` long: this catches events removed from
/// its end, which the links alone cannot show.
pub async fn verify_events(state: &AppState, _: &Caller<Read>, id: ActionId) -> Result<Verification, Error> {
    let id = id.0;
    state
        .db(move |conn| {
            let version = actions::get(conn, id)?.row.version;
            verified(conn, id, version)
        })
        .await
}

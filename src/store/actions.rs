//! Actions: creation with gapless references, edits, lifecycle transitions
//! and carry-forward, each one transaction with its event.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Date, Timestamp};
use serde::Serialize;
use serde_json::{Map, Value};

use super::write_versioned;
use super::{events, meetings, Actor};
use crate::db::AnyConnection;
use crate::domain::change::ChangeType;
use crate::domain::{reference, ActionKind, ActionStatus, MeetingStatus, Role, Transition, UserId, Version};
use crate::domain::{Error, Exemption, FieldError};
use crate::schema::{actions, agenda_items, committees, meetings as meetings_table, users};

#[derive(Debug, Clone, Queryable)]
pub struct ActionRow {
    pub id: i64,
    pub committee_id: i64,
    pub reference: String,
    pub reference_year: i32,
    pub reference_number: i32,
    pub raised_at_meeting_id: i64,
    pub agenda_item_id: Option<i64>,
    pub minute_paragraph: Option<String>,
    pub committed_by: Option<String>,
    pub owed_to: Option<String>,
    pub source_sentence: Option<String>,
    pub description: String,
    pub kind: ActionKind,
    pub owner: Option<String>,
    pub due_meeting_id: Option<i64>,
    pub due_date: Option<NaiveDate>,
    pub status: ActionStatus,
    pub response: Option<String>,
    pub status_reason: Option<String>,
    pub times_carried_forward: i32,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub completed_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub owner_id: Option<i64>,
    pub exempt_paragraph: Option<i32>,
    pub exempt_reason: Option<String>,
}

impl ActionRow {
    /// Whether (and why) the action is kept from the public.
    pub fn exemption(&self) -> Option<Exemption> {
        Exemption::from_columns(self.exempt_paragraph, self.exempt_reason.as_deref())
    }

    pub(super) fn state(&self) -> ActionState {
        ActionState {
            agenda_item_id: self.agenda_item_id,
            minute_paragraph: self.minute_paragraph.clone(),
            committed_by: self.committed_by.clone(),
            owed_to: self.owed_to.clone(),
            source_sentence: self.source_sentence.clone(),
            description: self.description.clone(),
            kind: self.kind,
            owner: self.owner.clone(),
            owner_id: self.owner_id,
            due_meeting_id: self.due_meeting_id,
            due_date: self.due_date,
            status: self.status,
            response: self.response.clone(),
            status_reason: self.status_reason.clone(),
            times_carried_forward: self.times_carried_forward,
            completed_at: self.completed_at,
            closed_at: self.closed_at,
            exempt_paragraph: self.exempt_paragraph,
            exempt_reason: self.exempt_reason.clone(),
        }
    }
}

/// An action with the start of its due meeting (when that meeting is not
/// cancelled), which is what `overdue` is derived from.
#[derive(Debug, Clone)]
pub struct ActionView {
    pub row: ActionRow,
    pub due_meeting_starts_at: Option<NaiveDateTime>,
}

/// Everything about an action that can change after it is created. Events
/// record the difference between two states, field by field.
#[derive(Debug, Clone, PartialEq, Serialize, AsChangeset)]
#[diesel(table_name = actions, treat_none_as_null = true)]
pub(super) struct ActionState {
    pub(super) agenda_item_id: Option<i64>,
    pub(super) minute_paragraph: Option<String>,
    pub(super) committed_by: Option<String>,
    pub(super) owed_to: Option<String>,
    pub(super) source_sentence: Option<String>,
    pub(super) description: String,
    pub(super) kind: ActionKind,
    pub(super) owner: Option<String>,
    pub(super) owner_id: Option<i64>,
    pub(super) due_meeting_id: Option<i64>,
    pub(super) due_date: Option<NaiveDate>,
    pub(super) status: ActionStatus,
    pub(super) response: Option<String>,
    pub(super) status_reason: Option<String>,
    pub(super) times_carried_forward: i32,
    pub(super) completed_at: Option<NaiveDateTime>,
    pub(super) closed_at: Option<NaiveDateTime>,
    pub(super) exempt_paragraph: Option<i32>,
    pub(super) exempt_reason: Option<String>,
}

/// Field-by-field `{"field": {"from": old, "to": new}}` of what changed.
fn diff(old: &ActionState, new: &ActionState) -> Map<String, Value> {
    let (Ok(Value::Object(old)), Ok(Value::Object(new))) = (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return Map::new();
    };
    let mut changes = Map::new();
    for (field, to) in new {
        let from = old.get(&field).cloned().unwrap_or(Value::Null);
        if from != to {
            changes.insert(field, serde_json::json!({ "from": from, "to": to }));
        }
    }
    changes
}

/// A validated request to log an action.
#[derive(Debug, Clone)]
pub struct NewAction {
    pub raised_at_meeting_id: i64,
    pub agenda_item_id: Option<i64>,
    pub minute_paragraph: Option<String>,
    pub committed_by: Option<String>,
    pub owed_to: Option<String>,
    pub source_sentence: Option<String>,
    pub description: String,
    pub kind: ActionKind,
    /// The free-text label readers see; when `owner_id` is given and this is
    /// not, the user's display name.
    pub owner: Option<String>,
    /// The owner's account: an active admin, secretariat or OPCC user.
    pub owner_id: Option<UserId>,
    pub due_meeting_id: Option<i64>,
    pub due_date: Option<NaiveDate>,
    /// Kept from the public under Schedule 12A.
    pub exemption: Option<Exemption>,
}

/// Validated edits; `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct ActionPatch {
    pub agenda_item_id: Option<Option<i64>>,
    pub minute_paragraph: Option<Option<String>>,
    pub committed_by: Option<Option<String>>,
    pub owed_to: Option<Option<String>>,
    pub source_sentence: Option<Option<String>>,
    pub description: Option<String>,
    pub kind: Option<ActionKind>,
    pub owner: Option<Option<String>>,
    /// Assigning to another account sets `owner` to its display name unless
    /// an `owner` is given too; `Some(None)` unassigns the account, leaving
    /// `owner` as it is.
    pub owner_id: Option<Option<UserId>>,
    pub due_meeting_id: Option<Option<i64>>,
    pub due_date: Option<Option<NaiveDate>>,
    /// `Some(None)` makes the action public again.
    pub exemption: Option<Option<Exemption>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActionFilter {
    pub statuses: Vec<ActionStatus>,
    pub committee_id: Option<i64>,
    pub raised_at_meeting_id: Option<i64>,
    pub due_meeting_id: Option<i64>,
    pub owner: Option<String>,
    /// Actions whose owner is this account.
    pub owner_id: Option<UserId>,
    /// Only actions with neither an owner account nor an owner's name.
    pub unassigned: bool,
    pub overdue: Option<bool>,
    pub updated_since: Option<NaiveDateTime>,
    /// Only these actions (a search's matches).
    pub ids: Option<Vec<i64>>,
    /// Only actions due in this window: their due meeting starts at or after
    /// the first instant and before the second, or their due date falls on
    /// or between the two dates (the calendar's "what is due").
    pub due_within: Option<((NaiveDateTime, NaiveDateTime), (NaiveDate, NaiveDate))>,
}

/// A field naming a record that does not exist (404).
fn unknown(field: &str, message: &str) -> Error {
    Error::UnknownReference(vec![FieldError::new(field, message)])
}

/// A field naming a record that cannot be used here as things stand (409).
fn conflicting(field: &str, message: &str) -> Error {
    Error::ConflictingReference(vec![FieldError::new(field, message)])
}

/// An agenda item given for an action must be one of the meeting it was raised at.
fn check_agenda_item(conn: &mut AnyConnection, agenda_item_id: i64, raised_at: i64) -> Result<(), Error> {
    let meeting_id: Option<i64> =
        agenda_items::table.find(agenda_item_id).select(agenda_items::meeting_id).first(conn).optional()?;
    match meeting_id {
        None => Err(unknown("agenda_item_id", "no agenda item has this id")),
        Some(m) if m != raised_at => Err(conflicting(
            "agenda_item_id",
            "the agenda item belongs to another meeting than the one the action was raised at",
        )),
        Some(_) => Ok(()),
    }
}

/// An owner's account must exist (404 otherwise), be active and have a role
/// that can own actions (409 otherwise); returns its display name, the
/// default label. A deactivated user keeps the actions they already own:
/// only assigning to them is refused.
fn check_owner(conn: &mut AnyConnection, owner_id: UserId) -> Result<String, Error> {
    let user: Option<(String, Role, bool)> = users::table
        .find(owner_id.0)
        .select((users::display_name, users::role, users::active))
        .first(conn)
        .optional()?;
    match user {
        None => Err(unknown("owner_id", "no user has this id")),
        Some((_, _, false)) => Err(conflicting("owner_id", "the user is deactivated")),
        Some((_, role, true)) if !role.can_own_actions() => Err(conflicting(
            "owner_id",
            &format!("a {role} user cannot own actions: the owner must be an admin, secretariat or opcc user"),
        )),
        Some((display_name, _, true)) => Ok(display_name),
    }
}

/// A due meeting must be a later, not cancelled meeting of the same committee.
pub(super) fn check_due_meeting(
    conn: &mut AnyConnection,
    field: &str,
    due_meeting_id: i64,
    committee_id: i64,
    after: NaiveDateTime,
) -> Result<meetings::Meeting, Error> {
    let meeting = meetings::find(conn, due_meeting_id)?.ok_or_else(|| unknown(field, "no meeting has this id"))?;
    if meeting.committee_id != committee_id {
        return Err(conflicting(field, "the meeting belongs to another committee"));
    }
    if meeting.starts_at <= after {
        return Err(conflicting(field, "the meeting must be later than the one the action is due at or raised at"));
    }
    // Hold it so a concurrent cancellation waits for us, then check again.
    let held = meetings::hold(conn, meeting.id)?;
    if meeting.status == MeetingStatus::Cancelled || held == Some(MeetingStatus::Cancelled) {
        return Err(conflicting(field, "the meeting is cancelled"));
    }
    Ok(meeting)
}

/// The committee's next reference for the year: gapless, never reused.
/// Bumping the committee's counter first takes its row lock (PostgreSQL) or
/// the write lock (SQLite), so concurrent creates number one at a time.
fn next_reference(conn: &mut AnyConnection, committee_id: i64, year: i32) -> Result<(String, i32), Error> {
    diesel::update(committees::table.find(committee_id))
        .set(committees::actions_raised.eq(committees::actions_raised + 1))
        .execute(conn)?;
    let code: String = committees::table.find(committee_id).select(committees::code).first(conn)?;
    let last: Option<i32> = actions::table
        .filter(actions::committee_id.eq(committee_id))
        .filter(actions::reference_year.eq(year))
        .select(diesel::dsl::max(actions::reference_number))
        .first(conn)?;
    let number = last.unwrap_or(0) + 1;
    Ok((reference::format(&code, year, number), number))
}

pub fn create(
    conn: &mut AnyConnection,
    new: &NewAction,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<ActionView, Error> {
    let raised = meetings::find(conn, new.raised_at_meeting_id)?
        .ok_or_else(|| unknown("raised_at_meeting_id", "no meeting has this id"))?;
    if let Some(item) = new.agenda_item_id {
        check_agenda_item(conn, item, raised.id)?;
    }
    let due_meeting_id = match new.due_meeting_id {
        Some(id) => Some(check_due_meeting(conn, "due_meeting_id", id, raised.committee_id, raised.starts_at)?.id),
        None => meetings::next_after(conn, raised.committee_id, raised.starts_at)?.map(|m| m.id),
    };

    let owner = match new.owner_id {
        Some(owner_id) => {
            let display_name = check_owner(conn, owner_id)?;
            new.owner.clone().or(Some(display_name))
        }
        None => new.owner.clone(),
    };

    let year = raised.starts_at.year();
    let (reference, number) = next_reference(conn, raised.committee_id, year)?;

    let state = ActionState {
        agenda_item_id: new.agenda_item_id,
        minute_paragraph: new.minute_paragraph.clone(),
        committed_by: new.committed_by.clone(),
        owed_to: new.owed_to.clone(),
        source_sentence: new.source_sentence.clone(),
        description: new.description.clone(),
        kind: new.kind,
        owner,
        owner_id: new.owner_id.map(|id| id.0),
        due_meeting_id,
        due_date: new.due_date,
        status: ActionStatus::Open,
        response: None,
        status_reason: None,
        times_carried_forward: 0,
        completed_at: None,
        closed_at: None,
        exempt_paragraph: new.exemption.as_ref().map(|e| i32::from(e.paragraph.number())),
        exempt_reason: new.exemption.as_ref().map(|e| e.reason.clone()),
    };
    let id: i64 = diesel::insert_into(actions::table)
        .values((
            actions::committee_id.eq(raised.committee_id),
            actions::reference.eq(&reference),
            actions::reference_year.eq(year),
            actions::reference_number.eq(number),
            actions::raised_at_meeting_id.eq(raised.id),
            actions::agenda_item_id.eq(state.agenda_item_id),
            actions::minute_paragraph.eq(&state.minute_paragraph),
            actions::committed_by.eq(&state.committed_by),
            actions::owed_to.eq(&state.owed_to),
            actions::source_sentence.eq(&state.source_sentence),
            actions::description.eq(&state.description),
            actions::kind.eq(state.kind),
            actions::owner.eq(&state.owner),
            actions::owner_id.eq(state.owner_id),
            actions::due_meeting_id.eq(state.due_meeting_id),
            actions::due_date.eq(state.due_date),
            actions::status.eq(state.status),
            actions::exempt_paragraph.eq(state.exempt_paragraph),
            actions::exempt_reason.eq(&state.exempt_reason),
            actions::created_at.eq(now),
            actions::updated_at.eq(now),
        ))
        .returning(actions::id)
        .get_result(conn)?;

    let mut changes = Map::new();
    changes.insert("reference".into(), serde_json::json!({ "from": null, "to": reference }));
    changes.insert("raised_at_meeting_id".into(), serde_json::json!({ "from": null, "to": raised.id }));
    if let Ok(Value::Object(fields)) = serde_json::to_value(&state) {
        for (field, value) in fields.into_iter().filter(|(_, v)| !v.is_null()) {
            changes.insert(field, serde_json::json!({ "from": null, "to": value }));
        }
    }
    events::append(conn, id, "created", &changes, None, actor, now)?;
    let view = get(conn, id)?;
    super::change_feed::record(conn, ChangeType::ActionCreated, id, raised.committee_id, view.row.version, now)?;
    Ok(view)
}

pub fn get(conn: &mut AnyConnection, id: i64) -> Result<ActionView, Error> {
    find(conn, id)?.ok_or_else(|| Error::not_found("action", id))
}

pub(super) type ViewTuple = (ActionRow, Option<NaiveDateTime>, Option<MeetingStatus>);

pub(super) fn into_view((row, starts_at, status): ViewTuple) -> ActionView {
    let due_meeting_starts_at = if status == Some(MeetingStatus::Cancelled) { None } else { starts_at };
    ActionView { row, due_meeting_starts_at }
}

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<Option<ActionView>, Error> {
    let found: Option<ViewTuple> = actions::table
        .left_join(meetings_table::table.on(meetings_table::id.nullable().eq(actions::due_meeting_id)))
        .filter(actions::id.eq(id))
        .select((actions::all_columns, meetings_table::starts_at.nullable(), meetings_table::status.nullable()))
        .first(conn)
        .optional()?;
    Ok(found.map(into_view))
}

/// The one SQL form of `domain::lifecycle::is_overdue`, over the due meeting
/// [`list_one`] already joins; the test `lists_filter_by_every_field` checks
/// the two agree. It reads the joined row rather than asking `EXISTS` of the
/// meetings: PostgreSQL answered an `EXISTS` under `OR` by hashing every
/// meeting that had begun, 82,000 of them per page at a million actions.
/// `COALESCE` makes an action with no due meeting "not overdue by meeting"
/// rather than unknown, so `NOT (...)` still finds it.
const OVERDUE_BEFORE_TODAY: &str =
    "actions.status IN ('open', 'in_progress') AND ((actions.due_date IS NOT NULL AND actions.due_date < ";
const OVERDUE_BEFORE_NOW: &str = ") OR COALESCE(meetings.status <> 'cancelled' AND meetings.starts_at <= ";
const OVERDUE_END: &str = ", FALSE)))";

/// A page of actions in id order. A filter on several statuses (or
/// `overdue=true`, which means open or in progress) runs one query per
/// status, each an ordered range scan of an index that starts with the
/// status, and merges them: a single query with `status IN (...)` cannot walk
/// any index in id order, so at a million actions it read and sorted every
/// match to return fifty.
pub fn list(
    conn: &mut AnyConnection,
    filter: &ActionFilter,
    after: Option<i64>,
    limit: i64,
    now: NaiveDateTime,
) -> Result<Vec<ActionView>, Error> {
    let mut statuses = filter.statuses.clone();
    if filter.overdue == Some(true) {
        // Only open and in-progress actions can be overdue (the SQL says so too).
        let can_be_overdue = [ActionStatus::Open, ActionStatus::InProgress];
        if statuses.is_empty() {
            statuses = can_be_overdue.to_vec();
        } else {
            statuses.retain(|s| can_be_overdue.contains(s));
            if statuses.is_empty() {
                return Ok(vec![]);
            }
        }
    }
    statuses.sort_by_key(|s| s.as_str());
    statuses.dedup();
    if statuses.len() <= 1 {
        return list_one(conn, filter, statuses.first().copied(), after, limit, now);
    }
    let mut rows = Vec::new();
    for status in statuses {
        rows.extend(list_one(conn, filter, Some(status), after, limit, now)?);
    }
    rows.sort_unstable_by_key(|v| v.row.id);
    rows.truncate(limit as usize + 1);
    Ok(rows)
}

/// One query of [`list`]: at most `limit + 1` actions, with one status or any.
fn list_one(
    conn: &mut AnyConnection,
    filter: &ActionFilter,
    status: Option<ActionStatus>,
    after: Option<i64>,
    limit: i64,
    now: NaiveDateTime,
) -> Result<Vec<ActionView>, Error> {
    let mut query = actions::table
        .left_join(meetings_table::table.on(meetings_table::id.nullable().eq(actions::due_meeting_id)))
        .select((actions::all_columns, meetings_table::starts_at.nullable(), meetings_table::status.nullable()))
        .order(actions::id)
        .limit(limit + 1)
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(actions::status.eq(status));
    }
    if let Some(id) = filter.committee_id {
        query = query.filter(actions::committee_id.eq(id));
    }
    if let Some(id) = filter.raised_at_meeting_id {
        query = query.filter(actions::raised_at_meeting_id.eq(id));
    }
    if let Some(id) = filter.due_meeting_id {
        query = query.filter(actions::due_meeting_id.eq(id));
    }
    if let Some(owner) = &filter.owner {
        query = query.filter(actions::owner.eq(owner.clone()));
    }
    if let Some(owner_id) = filter.owner_id {
        query = query.filter(actions::owner_id.eq(owner_id.0));
    }
    if filter.unassigned {
        query = query.filter(actions::owner_id.is_null().and(actions::owner.is_null()));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(actions::updated_at.ge(since));
    }
    if let Some(overdue) = filter.overdue {
        let open = if overdue { "(" } else { "NOT (" };
        query = query.filter(
            sql::<Bool>(open)
                .sql(OVERDUE_BEFORE_TODAY)
                .bind::<Date, _>(now.date())
                .sql(OVERDUE_BEFORE_NOW)
                .bind::<Timestamp, _>(now)
                .sql(OVERDUE_END),
        );
    }
    if let Some(ids) = &filter.ids {
        query = query.filter(actions::id.eq_any(ids.clone()));
    }
    if let Some(((starts, ends), (first, last))) = filter.due_within {
        query = query.filter(
            meetings_table::starts_at
                .nullable()
                .ge(starts)
                .and(meetings_table::starts_at.nullable().lt(ends))
                .and(meetings_table::status.nullable().ne(MeetingStatus::Cancelled))
                .or(actions::due_date.ge(first).and(actions::due_date.le(last))),
        );
    }
    if let Some(after) = after {
        query = query.filter(actions::id.gt(after));
    }
    let rows: Vec<ViewTuple> = query.load(conn)?;
    Ok(rows.into_iter().map(into_view).collect())
}

/// Loads an action for a change, checking the version the client based it on.
fn load_for_change(conn: &mut AnyConnection, id: i64, expected: Version) -> Result<ActionRow, Error> {
    let current = get(conn, id)?.row;
    expected.check(current.version)?;
    Ok(current)
}

/// Writes a new state guarded by the version, then appends its event.
#[allow(clippy::too_many_arguments)]
pub(super) fn write(
    conn: &mut AnyConnection,
    current: &ActionRow,
    new: &ActionState,
    event_kind: &str,
    reason: Option<&str>,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<ActionView, Error> {
    let changes = diff(&current.state(), new);
    if changes.is_empty() {
        return get(conn, current.id);
    }
    write_versioned!(conn, actions, current.id, current.version, now, new)?;
    events::append(conn, current.id, event_kind, &changes, reason, actor, now)?;
    let change = ChangeType::of_action_event(event_kind);
    super::change_feed::record(conn, change, current.id, current.committee_id, current.version + 1, now)?;
    get(conn, current.id)
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    expected: Version,
    patch: &ActionPatch,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<ActionView, Error> {
    let current = load_for_change(conn, id, expected)?;
    let mut state = current.state();
    if let Some(v) = patch.agenda_item_id {
        if let Some(item) = v {
            check_agenda_item(conn, item, current.raised_at_meeting_id)?;
        }
        state.agenda_item_id = v;
    }
    if let Some(v) = patch.due_meeting_id {
        if let Some(meeting) = v {
            let raised = meetings::get(conn, current.raised_at_meeting_id)?;
            check_due_meeting(conn, "due_meeting_id", meeting, current.committee_id, raised.starts_at)?;
        }
        state.due_meeting_id = v;
    }
    macro_rules! set {
        ($($field:ident),*) => {$(
            if let Some(v) = &patch.$field {
                state.$field = v.clone();
            }
        )*};
    }
    set!(minute_paragraph, committed_by, owed_to, source_sentence, description, owner, due_date);
    if let Some(owner_id) = patch.owner_id {
        let owner_id = owner_id.map(|id| id.0);
        // Only a change is checked: an edit that sends back the owner it
        // read (since deactivated, say) leaves the action owned as it was.
        if owner_id != current.owner_id {
            if let Some(id) = owner_id {
                let display_name = check_owner(conn, UserId(id))?;
                if !matches!(patch.owner, Some(Some(_))) {
                    state.owner = Some(display_name);
                }
            }
            state.owner_id = owner_id;
        }
    }
    if let Some(kind) = patch.kind {
        state.kind = kind;
    }
    if let Some(exemption) = &patch.exemption {
        state.exempt_paragraph = exemption.as_ref().map(|e| i32::from(e.paragraph.number()));
        state.exempt_reason = exemption.as_ref().map(|e| e.reason.clone());
    }
    write(conn, &current, &state, "updated", None, actor, now)
}

/// Moves a status along the lifecycle. `response` is the OPCC's response
/// (submit_response) and `reason` the secretariat's (return, reopen, withdraw);
/// the caller has checked each is present where the transition needs it.
#[allow(clippy::too_many_arguments)]
pub fn transition(
    conn: &mut AnyConnection,
    id: i64,
    expected: Version,
    transition: Transition,
    response: Option<&str>,
    reason: Option<&str>,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<ActionView, Error> {
    let current = load_for_change(conn, id, expected)?;
    let from = current.status;
    let to = transition.apply(from).ok_or_else(|| Error::IllegalTransition {
        transition: transition.as_str().to_string(),
        current: from.as_str().to_string(),
        allowed: from.allowed_transitions().iter().map(|t| t.as_str().to_string()).collect(),
    })?;
    let mut state = current.state();
    state.status = to;
    if let Some(response) = response {
        state.response = Some(response.to_string());
    }
    if let Some(reason) = reason {
        state.status_reason = Some(reason.to_string());
    }
    match transition {
        Transition::Accept => {
            state.completed_at = Some(now);
            state.closed_at = Some(now);
        }
        Transition::Withdraw => state.closed_at = Some(now),
        Transition::Reopen => {
            state.completed_at = None;
            state.closed_at = None;
        }
        _ => {}
    }
    write(conn, &current, &state, transition.as_str(), reason, actor, now)
}

/// Moves an unfinished action's due meeting to a later meeting (by default
/// the committee's next one after the current due meeting) and counts it.
pub fn carry_forward(
    conn: &mut AnyConnection,
    id: i64,
    expected: Version,
    to_meeting_id: Option<i64>,
    reason: Option<&str>,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<ActionView, Error> {
    let current = load_for_change(conn, id, expected)?;
    if !current.status.is_unfinished() {
        return Err(Error::Conflict(format!("a {} action cannot be carried forward; reopen it first", current.status)));
    }
    let from_meeting = current.due_meeting_id.unwrap_or(current.raised_at_meeting_id);
    let baseline = meetings::get(conn, from_meeting)?.starts_at;
    let target = match to_meeting_id {
        Some(id) => check_due_meeting(conn, "to_meeting_id", id, current.committee_id, baseline)?,
        None => meetings::next_after(conn, current.committee_id, baseline)?.ok_or_else(|| {
            conflicting("to_meeting_id", "the committee has no later meeting yet; create it first or name one")
        })?,
    };
    carry_to(conn, &current, target.id, reason, actor, now)
}

/// Moves one action's due meeting on and counts it; the caller checked the target.
pub(super) fn carry_to(
    conn: &mut AnyConnection,
    current: &ActionRow,
    target_meeting_id: i64,
    reason: Option<&str>,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<ActionView, Error> {
    let mut state = current.state();
    state.due_meeting_id = Some(target_meeting_id);
    state.times_carried_forward += 1;
    write(conn, current, &state, "carried_forward", reason, actor, now)
}

/// Unfinished and overdue actions of each of these committees, counted in
/// two grouped queries (the home page shows them for every committee).
pub fn counts_by_committee(
    conn: &mut AnyConnection,
    committee_ids: &[i64],
    now: NaiveDateTime,
) -> Result<std::collections::HashMap<i64, (i64, i64)>, Error> {
    let unfinished_statuses: Vec<ActionStatus> = ActionStatus::ALL.into_iter().filter(|s| s.is_unfinished()).collect();
    let unfinished: Vec<(i64, i64)> = actions::table
        .filter(actions::committee_id.eq_any(committee_ids))
        .filter(actions::status.eq_any(unfinished_statuses))
        .group_by(actions::committee_id)
        .select((actions::committee_id, diesel::dsl::count_star()))
        .load(conn)?;
    let overdue: Vec<(i64, i64)> = actions::table
        .left_join(meetings_table::table.on(meetings_table::id.nullable().eq(actions::due_meeting_id)))
        .filter(actions::committee_id.eq_any(committee_ids))
        .filter(actions::status.eq_any([ActionStatus::Open, ActionStatus::InProgress]))
        .filter(
            sql::<Bool>("(")
                .sql(OVERDUE_BEFORE_TODAY)
                .bind::<Date, _>(now.date())
                .sql(OVERDUE_BEFORE_NOW)
                .bind::<Timestamp, _>(now)
                .sql(OVERDUE_END),
        )
        .group_by(actions::committee_id)
        .select((actions::committee_id, diesel::dsl::count_star()))
        .load(conn)?;
    let mut counts: std::collections::HashMap<i64, (i64, i64)> = std::collections::HashMap::new();
    for (id, n) in unfinished {
        counts.entry(id).or_default().0 = n;
    }
    for (id, n) in overdue {
        counts.entry(id).or_default().1 = n;
    }
    Ok(counts)
}

/// Unfinished actions due at each of these meetings.
pub fn unfinished_due_at(
    conn: &mut AnyConnection,
    meeting_ids: &[i64],
) -> Result<std::collections::HashMap<i64, i64>, Error> {
    let unfinished_statuses: Vec<ActionStatus> = ActionStatus::ALL.into_iter().filter(|s| s.is_unfinished()).collect();
    let rows: Vec<(Option<i64>, i64)> = actions::table
        .filter(actions::due_meeting_id.eq_any(meeting_ids))
        .filter(actions::status.eq_any(unfinished_statuses))
        .group_by(actions::due_meeting_id)
        .select((actions::due_meeting_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(id, n)| id.map(|id| (id, n))).collect())
}

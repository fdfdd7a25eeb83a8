//! The queries behind a meeting's action log, bulk carry-forward, what
//! happens to actions when their meeting is cancelled, and committee statistics.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::actions::{self as action_store, ActionRow, ActionView, ViewTuple};
use super::committees::{self, Committee};
use super::meetings::{self, Meeting};
use super::Actor;
use crate::db::AnyConnection;
use crate::domain::action_log::Section;
use crate::domain::Error;
use crate::domain::{ActionStatus, MeetingStatus};
use crate::schema::{actions, meetings as meetings_table};

const UNFINISHED: [ActionStatus; 3] = [ActionStatus::Open, ActionStatus::InProgress, ActionStatus::ResponseSubmitted];
const CLOSED: [ActionStatus; 2] = [ActionStatus::Completed, ActionStatus::Withdrawn];

pub struct LogData {
    pub committee: Committee,
    pub meeting: Meeting,
    pub previous: Option<Meeting>,
    pub sections: Vec<(Section, Vec<ActionView>)>,
    /// Start of every meeting the rows mention, by id.
    pub meeting_starts: HashMap<i64, NaiveDateTime>,
    /// The committee's statutory processes (the rules pick the steps due by
    /// the meeting); read by [`add_statutory`], for the staff log only.
    pub processes: Vec<crate::store::statutory::ProcessRecord>,
    /// Recommendations awaiting the PCC's response that are due by the
    /// meeting, and those answered since the previous meeting; read by [`add_statutory`].
    pub recommendations: Vec<crate::store::panel_reports::RecommendationRow>,
}

/// The actions a filter selects, each with its due meeting's start and
/// status, in id order: one query, the filter applied to the join itself.
/// Sorted here rather than in SQL: asked for id order, SQLite walked every
/// action of the committee by (committee_id, id) and looked each up to test
/// its status, where the (committee_id, status, id) index finds the few it wants.
macro_rules! views {
    ($conn:expr, |$q:ident| $filter:expr) => {{
        let $q = actions::table
            .left_join(meetings_table::table.on(meetings_table::id.nullable().eq(actions::due_meeting_id)))
            .select((actions::all_columns, meetings_table::starts_at.nullable(), meetings_table::status.nullable()))
            .into_boxed();
        let mut rows: Vec<ViewTuple> = $filter.load($conn)?;
        rows.sort_unstable_by_key(|(row, _, _)| row.id);
        rows.into_iter().map(action_store::into_view).collect::<Vec<ActionView>>()
    }};
}

/// The committee's last meeting before this one that was not cancelled.
fn previous_meeting(conn: &mut AnyConnection, meeting: &Meeting) -> Result<Option<Meeting>, Error> {
    Ok(meetings_table::table
        .filter(meetings_table::committee_id.eq(meeting.committee_id))
        .filter(meetings_table::starts_at.lt(meeting.starts_at))
        .filter(meetings_table::status.ne(MeetingStatus::Cancelled))
        .order((meetings_table::starts_at.desc(), meetings_table::id.desc()))
        .first(conn)
        .optional()?)
}

pub fn action_log(conn: &mut AnyConnection, meeting_id: i64) -> Result<LogData, Error> {
    let meeting = meetings::get(conn, meeting_id)?;
    let committee = committees::get(conn, meeting.committee_id)?;
    let previous = previous_meeting(conn, &meeting)?;

    let due_here =
        views!(conn, |q| q.filter(actions::due_meeting_id.eq(meeting.id)).filter(actions::status.eq_any(UNFINISHED)));
    // Unfinished actions of the committee (few, however many it ever had)
    // that are due at one of its earlier meetings (cancelled or not): the
    // join already holds the due meeting, so its start is tested there.
    let outstanding = views!(conn, |q| {
        q.filter(actions::committee_id.eq(meeting.committee_id))
            .filter(actions::status.eq_any(UNFINISHED))
            .filter(meetings_table::starts_at.lt(meeting.starts_at))
    });
    let since = previous.as_ref().map(|p| p.starts_at);
    let until = meeting.starts_at;
    let closed = views!(conn, |q| {
        let q = q
            .filter(actions::committee_id.eq(meeting.committee_id))
            .filter(actions::status.eq_any(CLOSED))
            .filter(actions::closed_at.le(until));
        // With no previous meeting, everything closed so far belongs here.
        match since {
            Some(since) => q.filter(actions::closed_at.gt(since)),
            None => q,
        }
    });

    let mut ids: Vec<i64> = Vec::new();
    for v in due_here.iter().chain(&outstanding).chain(&closed) {
        ids.push(v.row.raised_at_meeting_id);
        ids.extend(v.row.due_meeting_id);
    }
    ids.sort_unstable();
    ids.dedup();
    let meeting_starts: HashMap<i64, NaiveDateTime> = meetings_table::table
        .filter(meetings_table::id.eq_any(&ids))
        .select((meetings_table::id, meetings_table::starts_at))
        .load::<(i64, NaiveDateTime)>(conn)?
        .into_iter()
        .collect();
    Ok(LogData {
        processes: Vec::new(),
        recommendations: Vec::new(),
        committee,
        meeting,
        previous,
        sections: vec![
            (Section::DueAtThisMeeting, due_here),
            (Section::OutstandingFromEarlierMeetings, outstanding),
            (Section::ClosedSincePreviousMeeting, closed),
        ],
        meeting_starts,
    })
}

/// Adds the log's statutory section to `log`: the committee's processes and
/// the recommendations due by the meeting or answered since the previous one.
/// (The public meeting page shows no statutory section, so does not read them.)
pub fn add_statutory(conn: &mut AnyConnection, log: &mut LogData) -> Result<(), Error> {
    let processes = crate::store::statutory::all(conn, Some(log.meeting.committee_id))?;
    let recommendations = {
        use crate::schema::recommendations as r;
        let london = |t: NaiveDateTime| crate::domain::icalendar::london_local(t.and_utc()).date();
        let day = london(log.meeting.starts_at);
        // With no previous meeting, answers from the year 1900 on (the earliest date kept).
        let since =
            log.previous.as_ref().map(|p| london(p.starts_at)).unwrap_or(
                chrono::NaiveDate::from_ymd_opt(*crate::domain::text::YEARS.start(), 1, 1).unwrap_or_default(),
            );
        r::table
            .filter(r::committee_id.eq(log.meeting.committee_id))
            .filter(
                r::response.is_null().and(r::due_on.le(day)).or(r::responded_on.gt(since).and(r::responded_on.le(day))),
            )
            .order(r::id)
            .load(conn)?
    };
    log.processes = processes;
    log.recommendations = recommendations;
    Ok(())
}

fn unfinished_due_at(conn: &mut AnyConnection, meeting_id: i64) -> Result<Vec<ActionRow>, Error> {
    Ok(actions::table
        .filter(actions::due_meeting_id.eq(meeting_id))
        .filter(actions::status.eq_any(UNFINISHED))
        .order(actions::id)
        .load(conn)?)
}

/// Moves every unfinished action due at `meeting_id` on to the next meeting
/// (or `to_meeting_id`), one event each. Run inside one write transaction.
pub fn carry_forward_all(
    conn: &mut AnyConnection,
    meeting_id: i64,
    to_meeting_id: Option<i64>,
    reason: Option<&str>,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<(Meeting, Vec<ActionView>), Error> {
    let meeting = meetings::get(conn, meeting_id)?;
    let target = match to_meeting_id {
        Some(id) => {
            action_store::check_due_meeting(conn, "to_meeting_id", id, meeting.committee_id, meeting.starts_at)?
        }
        None => meetings::next_after(conn, meeting.committee_id, meeting.starts_at)?.ok_or_else(|| {
            Error::ConflictingReference(vec![crate::domain::FieldError::new(
                "to_meeting_id",
                "the committee has no later meeting yet; create it first or name one",
            )])
        })?,
    };
    let mut moved = Vec::new();
    for row in unfinished_due_at(conn, meeting_id)? {
        moved.push(action_store::carry_to(conn, &row, target.id, reason, actor, now)?);
    }
    Ok((target, moved))
}

/// The rule when a meeting is cancelled: its unfinished actions move to the
/// committee's next meeting that is not cancelled, each with a
/// `due_meeting_cancelled` event (not counted as carried forward). With no
/// later meeting they stay until one is scheduled and they are carried forward.
/// A meeting that moves keeps its actions: they are due at the meeting, not a date.
pub fn follow_cancelled_meeting(
    conn: &mut AnyConnection,
    meeting: &Meeting,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<usize, Error> {
    let Some(next) = meetings::next_after(conn, meeting.committee_id, meeting.starts_at)? else {
        return Ok(0);
    };
    let rows = unfinished_due_at(conn, meeting.id)?;
    for row in &rows {
        let mut state = row.state();
        state.due_meeting_id = Some(next.id);
        action_store::write(
            conn,
            row,
            &state,
            "due_meeting_cancelled",
            Some("the meeting it was due at was cancelled"),
            actor,
            now,
        )?;
    }
    Ok(rows.len())
}

/// The columns [`stats`] counts: raised at, status, owner, due date,
/// completed at and due meeting.
type StatsRow = (i64, ActionStatus, Option<String>, Option<chrono::NaiveDate>, Option<NaiveDateTime>, Option<i64>);

/// Figures for a committee over the actions raised at its meetings in a date range.
pub struct Stats {
    pub actions: usize,
    pub by_status: BTreeMap<&'static str, usize>,
    pub overdue: usize,
    /// (owner, overdue count), most overdue first; `None` is unassigned.
    pub overdue_by_owner: Vec<(Option<String>, usize)>,
    pub median_days_to_complete: Option<f64>,
    /// Of completed actions that had a due meeting: the share completed by its start.
    pub completed_by_due_meeting: Option<f64>,
}

pub fn stats(
    conn: &mut AnyConnection,
    committee_id: i64,
    from: Option<NaiveDateTime>,
    to: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<Stats, Error> {
    committees::get(conn, committee_id)?;
    // The committee's meetings (a few a year) by id, looked up in memory for
    // both an action's raising meeting and its due meeting (always the same
    // committee's): a join to the meetings table let PostgreSQL hash every
    // meeting of every committee, 80,000 of them at a million actions.
    let meetings: HashMap<i64, (NaiveDateTime, MeetingStatus)> = meetings_table::table
        .filter(meetings_table::committee_id.eq(committee_id))
        .select((meetings_table::id, meetings_table::starts_at, meetings_table::status))
        .load::<(i64, NaiveDateTime, MeetingStatus)>(conn)?
        .into_iter()
        .map(|(id, starts_at, status)| (id, (starts_at, status)))
        .collect();
    let in_range =
        |starts_at: &NaiveDateTime| from.is_none_or(|f| *starts_at >= f) && to.is_none_or(|t| *starts_at < t);
    // Only the columns the figures need (no descriptions or responses), found
    // through the committee's index: a committee's lifetime of actions is
    // counted in one pass without building whole rows.
    let rows: Vec<StatsRow> = actions::table
        .filter(actions::committee_id.eq(committee_id))
        .select((
            actions::raised_at_meeting_id,
            actions::status,
            actions::owner,
            actions::due_date,
            actions::completed_at,
            actions::due_meeting_id,
        ))
        .load(conn)?;

    let mut by_status: BTreeMap<&'static str, usize> = ActionStatus::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    let mut overdue_by_owner: HashMap<Option<String>, usize> = HashMap::new();
    let mut days = Vec::new();
    let (mut on_time, mut with_due, mut counted) = (0usize, 0usize, 0usize);
    for (raised_at_meeting_id, status, owner, due_date, completed_at, due_meeting_id) in rows {
        // Raised at a meeting outside the range: not counted.
        let Some((raised_at, _)) = meetings.get(&raised_at_meeting_id).filter(|(starts_at, _)| in_range(starts_at))
        else {
            continue;
        };
        counted += 1;
        // A cancelled due meeting is no deadline (as in an action's view).
        let due_starts_at = due_meeting_id
            .and_then(|id| meetings.get(&id))
            .filter(|(_, status)| *status != MeetingStatus::Cancelled)
            .map(|(starts_at, _)| *starts_at);
        *by_status.entry(status.as_str()).or_default() += 1;
        let overdue =
            crate::domain::lifecycle::is_overdue(status, due_starts_at.map(super::utc), due_date, super::utc(now));
        if overdue {
            *overdue_by_owner.entry(owner).or_default() += 1;
        }
        if let (ActionStatus::Completed, Some(done)) = (status, completed_at) {
            days.push((done - *raised_at).num_seconds() as f64 / 86_400.0);
            if let Some(due) = due_starts_at {
                with_due += 1;
                on_time += usize::from(done <= due);
            }
        }
    }
    let mut overdue_by_owner: Vec<(Option<String>, usize)> = overdue_by_owner.into_iter().collect();
    overdue_by_owner.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(Stats {
        actions: counted,
        by_status,
        overdue: overdue_by_owner.iter().map(|(_, n)| n).sum(),
        overdue_by_owner,
        median_days_to_complete: median(&mut days),
        completed_by_due_meeting: (with_due > 0).then(|| on_time as f64 / with_due as f64),
    })
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) { (values[mid - 1] + values[mid]) / 2.0 } else { values[mid] })
}

#[cfg(test)]
mod tests {
    #[test]
    fn medians() {
        assert_eq!(super::median(&mut []), None);
        assert_eq!(super::median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(super::median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }
}

//! A meeting's action log, carrying a meeting's actions forward together,
//! and a committee's statistics.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};

use super::AppState;
use crate::auth::policy::{ManageActions, Read};
use crate::auth::Caller;
use crate::db::{snapshot, write_transaction};
use crate::domain::action_log::{self as log, LogRow, Section};
use crate::domain::lifecycle::is_overdue;
use crate::domain::text;
use crate::domain::{CommitteeId, Error, MeetingId};
use crate::store::action_log::{self, LogData, Stats};
use crate::store::actions::ActionView;
use crate::store::meetings::Meeting;

/// Everything the action log for a meeting shows, read from one snapshot.
pub async fn get(state: &AppState, _: &Caller<Read>, meeting_id: MeetingId) -> Result<LogData, Error> {
    let meeting_id = meeting_id.0;
    state
        .db(move |conn| {
            snapshot(conn, |conn| {
                let mut log = action_log::action_log(conn, meeting_id)?;
                action_log::add_statutory(conn, &mut log)?;
                Ok(log)
            })
        })
        .await
}

/// Moves every unfinished action due at a meeting on to a later one (by
/// default the committee's next), in one transaction, each with its event.
pub async fn carry_forward_all(
    state: &AppState,
    caller: &Caller<ManageActions>,
    meeting_id: MeetingId,
    to_meeting_id: Option<i64>,
    reason: Option<String>,
) -> Result<(Meeting, Vec<ActionView>), Error> {
    let meeting_id = meeting_id.0;
    let reason = text::optional("reason", reason.as_deref(), text::LONG).map_err(|e| Error::Invalid(vec![e]))?;
    let actor = caller.actor();
    let now = crate::store::now();
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                action_log::carry_forward_all(conn, meeting_id, to_meeting_id, reason.as_deref(), &actor, now)
            })
        })
        .await
}

/// A committee's figures for actions raised in `[start, end)`.
pub async fn stats(
    state: &AppState,
    _: &Caller<Read>,
    committee_id: CommitteeId,
    start: Option<NaiveDateTime>,
    end: Option<NaiveDateTime>,
) -> Result<Stats, Error> {
    let committee_id = committee_id.0;
    let now = crate::store::now();
    state.db(move |conn| action_log::stats(conn, committee_id, start, end, now)).await
}

/// The rows of each section, taking the text out of the loaded actions rather than copying it.
pub fn rows(
    sections: Vec<(Section, Vec<ActionView>)>,
    meeting_starts: &HashMap<i64, NaiveDateTime>,
    now: DateTime<Utc>,
) -> Vec<(Section, Vec<LogRow>)> {
    let date = |id: i64| meeting_starts.get(&id).map(|t| t.date());
    sections
        .into_iter()
        .map(|(section, views)| {
            let rows = views
                .into_iter()
                .map(|v| {
                    let r = v.row;
                    let status = r.status;
                    let overdue = is_overdue(status, v.due_meeting_starts_at.map(crate::store::utc), r.due_date, now);
                    LogRow {
                        action_id: r.id,
                        raised_at_meeting_date: date(r.raised_at_meeting_id).unwrap_or_default(),
                        due_meeting_date: r.due_meeting_id.and_then(date),
                        reference: r.reference,
                        minute_paragraph: r.minute_paragraph,
                        description: r.description,
                        committed_by: r.committed_by,
                        owed_to: r.owed_to,
                        owner: r.owner,
                        status,
                        overdue,
                        rating: log::rating(status, overdue),
                        times_carried_forward: r.times_carried_forward,
                        response: r.response,
                    }
                })
                .collect();
            (section, rows)
        })
        .collect()
}

/// The log's statutory section: the steps of the committee's processes that
/// apply and are due by the meeting's day but have not happened, and those
/// that happened since the previous meeting or were dealt with at this one;
/// then the recommendations the store selected (awaiting a response and due
/// by the meeting, or answered since the previous one). Rated as actions are.
pub fn statutory_rows(data: &LogData, today: chrono::NaiveDate) -> Vec<log::StatutoryLogRow> {
    use crate::domain::statutory as rules;
    let london = |t: NaiveDateTime| crate::domain::icalendar::london_local(t.and_utc()).date();
    let day = london(data.meeting.starts_at);
    let since = data.previous.as_ref().map(|p| london(p.starts_at));
    let mut rows = Vec::new();
    for record in &data.processes {
        for s in record.rules().schedule(today) {
            if !s.applies {
                continue;
            }
            let here = record.step(s.step).and_then(|r| r.meeting_id) == Some(data.meeting.id);
            let include = match s.happened_on {
                None => s.due_on.is_some_and(|d| d <= day),
                Some(on) => here || (on <= day && since.is_none_or(|since| on > since)),
            };
            if !include {
                continue;
            }
            let overdue = s.late && s.happened_on.is_none();
            rows.push(log::StatutoryLogRow {
                kind: log::StatutoryRowKind::StatutoryStep,
                reference: record.process.title.clone(),
                description: s.step.title().to_string(),
                owed_by: s.owed_by,
                due_on: s.due_on,
                done_on: s.happened_on,
                status: if s.happened_on.is_some() { "done".into() } else { "awaited".into() },
                overdue,
                rating: rules::recommendation_rating(s.happened_on.is_some(), overdue),
                source: Some(s.source.to_string()),
                response: None,
                process_id: Some(record.process.id),
                recommendation_id: None,
            });
        }
    }
    rows.sort_by_key(|r| (r.due_on, r.process_id));
    for r in &data.recommendations {
        let responded = r.response.is_some();
        let overdue = rules::recommendation_overdue(r.due_on, responded, today);
        rows.push(log::StatutoryLogRow {
            kind: log::StatutoryRowKind::Recommendation,
            reference: r.reference.clone(),
            description: r.body.clone(),
            owed_by: rules::Party::Pcc,
            due_on: r.due_on,
            done_on: r.responded_on,
            status: r.response.map(|x| x.as_str().to_string()).unwrap_or_else(|| "awaited".into()),
            overdue,
            rating: rules::recommendation_rating(responded, overdue),
            source: None,
            response: r.response_text.clone(),
            process_id: None,
            recommendation_id: Some(r.id),
        });
    }
    rows
}

//! What anyone may read without signing in: the published committees, their
//! meetings and action logs, their actions and open data. Nothing here
//! takes a caller: what is public is decided by the data (the committee is
//! published) and by the public types the front ends render, which hold only
//! public fields. Everything of an unpublished committee is "not found",
//! never "forbidden", so the public cannot learn what exists.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use super::AppState;
use crate::db::{snapshot, AnyConnection};
use crate::domain::search::SearchTerms;
use crate::domain::{ActionId, CommitteeId, Error, MeetingId};
use crate::store::action_log::{self, LogData};
use crate::store::actions::{self, ActionFilter, ActionRow, ActionView};
use crate::store::agenda_items::{self, AgendaItem};
use crate::store::committees::{self, Committee};
use crate::store::events::{self, Event};
use crate::store::meetings::{self, Meeting, MeetingFilter};
use crate::store::search;

/// At most this many meetings are listed for a committee (about a century of panels).
pub const MEETINGS_SHOWN: i64 = 500;
/// The feed holds the latest this many changes.
pub const FEED_ENTRIES: i64 = 50;

/// The committee, when it is published; otherwise "not found" under the
/// name of what was asked for.
fn published(conn: &mut AnyConnection, committee_id: i64, asked: &'static str, id: i64) -> Result<Committee, Error> {
    match committees::get(conn, committee_id) {
        Ok(c) if c.published_at.is_some() => Ok(c),
        Ok(_) | Err(Error::NotFound { .. }) => Err(Error::not_found(asked, id)),
        Err(e) => Err(e),
    }
}

/// The start of each meeting the actions name (raised at, due at).
fn meeting_starts(conn: &mut AnyConnection, views: &[&ActionView]) -> Result<HashMap<i64, NaiveDateTime>, Error> {
    let mut ids: Vec<i64> =
        views.iter().flat_map(|v| [Some(v.row.raised_at_meeting_id), v.row.due_meeting_id]).flatten().collect();
    ids.sort_unstable();
    ids.dedup();
    meetings::starts(conn, &ids)
}

pub async fn committees(state: &AppState) -> Result<Vec<Committee>, Error> {
    state.db(committees::published).await
}

/// A published committee and its meetings in time order.
pub struct CommitteeRecord {
    pub committee: Committee,
    pub meetings: Vec<Meeting>,
}

pub async fn committee(state: &AppState, id: CommitteeId) -> Result<CommitteeRecord, Error> {
    let id = id.0;
    state
        .db(move |conn| {
            snapshot(conn, |conn| {
                let committee = published(conn, id, "committee", id)?;
                let filter = MeetingFilter { committee_id: Some(id), ..Default::default() };
                let mut meetings = meetings::list(conn, &filter, None, MEETINGS_SHOWN)?;
                meetings.truncate(MEETINGS_SHOWN as usize);
                Ok(CommitteeRecord { committee, meetings })
            })
        })
        .await
}

/// A meeting of a published committee with its agenda and its action log.
pub struct MeetingRecord {
    pub agenda: Vec<AgendaItem>,
    pub log: LogData,
}

pub async fn meeting(state: &AppState, id: MeetingId) -> Result<MeetingRecord, Error> {
    let id = id.0;
    state
        .db(move |conn| {
            snapshot(conn, |conn| {
                let meeting = meetings::find(conn, id)?.ok_or_else(|| Error::not_found("meeting", id))?;
                published(conn, meeting.committee_id, "meeting", id)?;
                let mut agenda = agenda_items::list(conn, id, None, 200)?;
                agenda.truncate(200);
                let log = action_log::action_log(conn, id)?;
                Ok(MeetingRecord { agenda, log })
            })
        })
        .await
}

/// A page of a published committee's actions: in id order after `after`,
/// or a search's matches from position `after`, each with its place in the
/// list (the next page's cursor). Exempt actions are found by reference
/// only, never by their words.
pub struct ActionsPage {
    pub committee: Committee,
    pub actions: Vec<(i64, ActionView)>,
    pub meeting_starts: HashMap<i64, NaiveDateTime>,
}

pub async fn actions(
    state: &AppState,
    committee_id: CommitteeId,
    mut filter: ActionFilter,
    terms: Option<SearchTerms>,
    after: Option<i64>,
    limit: i64,
    now: NaiveDateTime,
) -> Result<ActionsPage, Error> {
    let id = committee_id.0;
    filter.committee_id = Some(id);
    state
        .db(move |conn| {
            snapshot(conn, |conn| {
                let committee = published(conn, id, "committee", id)?;
                let actions = match &terms {
                    Some(terms) => search::page(conn, terms, &filter, false, after.unwrap_or(0).max(0), limit, now)?,
                    None => {
                        actions::list(conn, &filter, after, limit, now)?.into_iter().map(|v| (v.row.id, v)).collect()
                    }
                };
                let meeting_starts = meeting_starts(conn, &actions.iter().map(|(_, v)| v).collect::<Vec<_>>())?;
                Ok(ActionsPage { committee, actions, meeting_starts })
            })
        })
        .await
}

/// An action of a published committee with the events that changed its
/// status (none for an exempt action: its timeline is not public).
pub struct ActionRecord {
    pub committee: Committee,
    pub action: ActionView,
    pub status_events: Vec<Event>,
    pub meeting_starts: HashMap<i64, NaiveDateTime>,
}

pub async fn action(state: &AppState, id: ActionId) -> Result<ActionRecord, Error> {
    let id = id.0;
    state
        .db(move |conn| {
            snapshot(conn, |conn| {
                let action = actions::find(conn, id)?.ok_or_else(|| Error::not_found("action", id))?;
                let committee = published(conn, action.row.committee_id, "action", id)?;
                let status_events = if action.row.exemption().is_some() {
                    vec![]
                } else {
                    let mut all = events::list(conn, id, None, 10_000)?;
                    all.retain(|e| events::status_change(e).is_some());
                    all
                };
                let meeting_starts = meeting_starts(conn, &[&action])?;
                Ok(ActionRecord { committee, action, status_events, meeting_starts })
            })
        })
        .await
}

/// Every action of a published committee, in id order, for the open data
/// files: read in pages of a thousand within one snapshot.
pub async fn all_actions(
    state: &AppState,
    committee_id: CommitteeId,
    now: NaiveDateTime,
) -> Result<ActionsPage, Error> {
    let id = committee_id.0;
    state
        .db(move |conn| {
            snapshot(conn, |conn| {
                let committee = published(conn, id, "committee", id)?;
                let filter = ActionFilter { committee_id: Some(id), ..Default::default() };
                let mut all: Vec<ActionView> = Vec::new();
                loop {
                    let after = all.last().map(|v| v.row.id);
                    let mut page = actions::list(conn, &filter, after, 1000, now)?;
                    let more = page.len() > 1000;
                    page.truncate(1000);
                    all.extend(page);
                    if !more {
                        break;
                    }
                }
                let meeting_starts = meeting_starts(conn, &all.iter().collect::<Vec<_>>())?;
                Ok(ActionsPage { committee, actions: all.into_iter().map(|v| (v.row.id, v)).collect(), meeting_starts })
            })
        })
        .await
}

/// The latest changes to a published committee's actions, newest first.
/// Of an exempt action only its logging is there: its timeline is not
/// public (as on its page), so none of its later changes are.
pub async fn feed(state: &AppState, committee_id: CommitteeId) -> Result<(Committee, Vec<(Event, ActionRow)>), Error> {
    let id = committee_id.0;
    state
        .db(move |conn| {
            snapshot(conn, |conn| {
                let committee = published(conn, id, "committee", id)?;
                let mut entries = events::latest_for_committee(conn, id, FEED_ENTRIES)?;
                entries.retain(|(event, action)| action.exemption().is_none() || event.kind == "created");
                Ok((committee, entries))
            })
        })
        .await
}

/// At most this many of a committee's reports are published on its page and in the API.
pub const REPORTS_SHOWN: i64 = 200;

/// The panel's reports of a published committee, newest first, each with its
/// recommendations and the PCC's responses: public documents by law (PRSRA
/// 2011 s.28(7), s.5(6), s.12(4); Sch 8 para 4(7)).
pub async fn reports(
    state: &AppState,
    committee_id: CommitteeId,
) -> Result<(Committee, Vec<crate::store::panel_reports::ReportRecord>), Error> {
    use crate::store::panel_reports::{self, ReportFilter};
    let id = committee_id.0;
    state
        .db(move |conn| {
            snapshot(conn, |conn| {
                let committee = published(conn, id, "committee", id)?;
                let filter = ReportFilter { committee_id: Some(id), ..Default::default() };
                let mut reports = panel_reports::list(conn, &filter, None, REPORTS_SHOWN)?;
                reports.truncate(REPORTS_SHOWN as usize);
                Ok((committee, reports))
            })
        })
        .await
}

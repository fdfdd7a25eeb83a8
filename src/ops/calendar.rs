//! One calendar of what is owed: statutory steps, recommendations and
//! actions due in the coming weeks, and everything already late; and the
//! iCalendar feed of a committee's meetings and statutory dates, read by
//! calendar programs through a secret address of each person's own.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::statutory::today;
use super::AppState;
use crate::auth::policy::{self, Capability, Read, SignedIn};
use crate::auth::Caller;
use crate::db::{snapshot, write_transaction, AnyConnection};
use crate::domain::icalendar::{self, Calendar, Event, When};
use crate::domain::statutory::{self as rules, Party, StatutoryStep};
use crate::domain::{ActionStatus, Error, MeetingStatus};
use crate::schema::users;
use crate::store::actions::{self, ActionFilter};
use crate::store::panel_reports::{self, RecommendationFilter};
use crate::store::{committees, meetings, statutory};

/// The most entries of each kind in one answer; `complete` says when more were left out.
pub const MOST: i64 = 500;

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    StatutoryStep,
    Recommendation,
    Action,
}

/// One thing owed, and by when.
#[derive(Debug, Clone)]
pub struct Entry {
    pub kind: EntryKind,
    pub due_on: NaiveDate,
    pub committee_id: i64,
    /// The PCC or the panel (statutory steps, recommendations: the PCC).
    pub owed_by: Option<Party>,
    /// An action's owner.
    pub owner: Option<String>,
    pub title: String,
    /// Where the law sets it (statutory steps).
    pub source: Option<&'static str>,
    pub late: bool,
    pub process_id: Option<i64>,
    pub step: Option<StatutoryStep>,
    pub recommendation_id: Option<i64>,
    pub action_id: Option<i64>,
    pub reference: Option<String>,
}

pub struct Agenda {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub today: NaiveDate,
    pub due: Vec<Entry>,
    pub late: Vec<Entry>,
    pub complete: bool,
}

/// Midnight in London of `day`, as a UTC instant (the UK rule's offset at that hour).
fn london_midnight(day: NaiveDate) -> NaiveDateTime {
    let guess = day.and_time(NaiveTime::MIN);
    let offset = icalendar::london_local(guess.and_utc()) - guess;
    guess - offset
}

/// Everything owed between `from` and `to` (inclusive), and everything late
/// on `today`, for one committee or all.
pub async fn agenda(
    state: &AppState,
    _: &Caller<Read>,
    committee_id: Option<i64>,
    from: NaiveDate,
    to: NaiveDate,
    now: NaiveDateTime,
) -> Result<Agenda, Error> {
    state.db(move |conn| snapshot(conn, |conn| load_agenda(conn, committee_id, from, to, now))).await
}

fn load_agenda(
    conn: &mut AnyConnection,
    committee_id: Option<i64>,
    from: NaiveDate,
    to: NaiveDate,
    now: NaiveDateTime,
) -> Result<Agenda, Error> {
    if let Some(id) = committee_id {
        committees::get(conn, id)?;
    }
    let today = today(now);
    let mut due = Vec::new();
    let mut late = Vec::new();
    let mut complete = true;
    let in_window = |d: NaiveDate| d >= from && d <= to;

    for record in statutory::all(conn, committee_id)? {
        let process = &record.process;
        for s in record.rules().schedule(today) {
            let Some(due_on) = s.due_on.filter(|_| s.applies && s.happened_on.is_none()) else { continue };
            let entry = Entry {
                kind: EntryKind::StatutoryStep,
                due_on,
                committee_id: process.committee_id,
                owed_by: Some(s.owed_by),
                owner: None,
                title: format!("{}: {}", process.title, s.step.title()),
                source: Some(s.source),
                late: s.late,
                process_id: Some(process.id),
                step: Some(s.step),
                recommendation_id: None,
                action_id: None,
                reference: None,
            };
            if s.late {
                late.push(entry.clone());
            }
            if in_window(due_on) {
                due.push(entry);
            }
        }
    }

    let unanswered = RecommendationFilter { committee_id, answered: Some(false), ..Default::default() };
    let windows = [
        RecommendationFilter { due_from: Some(from), due_by: Some(to), ..unanswered.clone() },
        RecommendationFilter { overdue_on: Some(today), ..unanswered },
    ];
    for (i, filter) in windows.iter().enumerate() {
        let mut rows = panel_reports::list_recommendations(conn, filter, None, MOST)?;
        complete &= rows.len() as i64 <= MOST;
        rows.truncate(MOST as usize);
        for r in rows {
            let Some(due_on) = r.due_on else { continue };
            let is_late = rules::recommendation_overdue(r.due_on, false, today);
            let entry = Entry {
                kind: EntryKind::Recommendation,
                due_on,
                committee_id: r.committee_id,
                owed_by: Some(Party::Pcc),
                owner: None,
                title: format!("Response to recommendation {}", r.reference),
                source: None,
                late: is_late,
                process_id: None,
                step: None,
                recommendation_id: Some(r.id),
                action_id: None,
                reference: Some(r.reference),
            };
            if i == 0 {
                due.push(entry)
            } else {
                late.push(entry)
            }
        }
    }

    let window = ((london_midnight(from), london_midnight(to + Duration::days(1))), (from, to));
    let awaiting = vec![ActionStatus::Open, ActionStatus::InProgress];
    let filters = [
        ActionFilter { committee_id, statuses: awaiting.clone(), due_within: Some(window), ..Default::default() },
        ActionFilter { committee_id, statuses: awaiting, overdue: Some(true), ..Default::default() },
    ];
    for (i, filter) in filters.iter().enumerate() {
        let mut rows = actions::list(conn, filter, None, MOST, now)?;
        complete &= rows.len() as i64 <= MOST;
        rows.truncate(MOST as usize);
        for view in rows {
            let meeting_day = view.due_meeting_starts_at.map(|t| icalendar::london_local(t.and_utc()).date());
            let Some(due_on) = meeting_day.or(view.row.due_date) else { continue };
            let a = view.row;
            let entry = Entry {
                kind: EntryKind::Action,
                due_on,
                committee_id: a.committee_id,
                owed_by: None,
                owner: a.owner,
                title: a.description,
                source: None,
                late: i == 1,
                process_id: None,
                step: None,
                recommendation_id: None,
                action_id: Some(a.id),
                reference: Some(a.reference),
            };
            if i == 0 {
                due.push(entry)
            } else {
                late.push(entry)
            }
        }
    }
    for list in [&mut due, &mut late] {
        list.sort_by(|a, b| (a.due_on, a.committee_id, &a.title).cmp(&(b.due_on, b.committee_id, &b.title)));
    }
    Ok(Agenda { from, to, today, due, late, complete })
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Gives the caller a new calendar feed secret, ending the old one. Only
/// people with an account here have one (a service credential or a single
/// sign-on caller has no account to keep it on).
pub async fn reset_token(state: &AppState, caller: &Caller<SignedIn>) -> Result<String, Error> {
    let Some(user_id) = caller.user_id() else {
        return Err(Error::Forbidden(
            "a calendar feed belongs to an account of this service; this caller has none".into(),
        ));
    };
    let token = format!("cal_{}", super::sessions::random_token());
    let hash = token_hash(&token);
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                diesel::update(users::table.find(user_id.0))
                    .set(users::calendar_token_hash.eq(Some(hash)))
                    .execute(conn)?;
                Ok(())
            })
        })
        .await?;
    Ok(token)
}

/// The committee's calendar as iCalendar text, for the person whose feed
/// secret this is: meetings (cancelled ones marked so) and the dates of its
/// statutory steps and of the PCC's responses to its recommendations. An
/// unknown secret, an inactive person or an unknown committee are all 404,
/// so the address reveals nothing.
pub async fn feed(
    state: &AppState,
    committee_id: i64,
    token: String,
    public_url: Option<String>,
) -> Result<String, Error> {
    let hash = token_hash(&token);
    let now = crate::store::now();
    state
        .db(move |conn| {
            snapshot(conn, |conn| {
                let not_found = || Error::not_found("calendar feed", committee_id);
                let person: Option<(crate::domain::Role, bool)> = users::table
                    .filter(users::calendar_token_hash.eq(&hash))
                    .select((users::role, users::active))
                    .first(conn)
                    .optional()?;
                match person {
                    Some((role, true)) if policy::allows(Capability::Read, role) => {}
                    _ => return Err(not_found()),
                }
                let committee = committees::get(conn, committee_id).map_err(|_| not_found())?;
                Ok(icalendar::render(&calendar(conn, &committee, public_url.as_deref(), now)?))
            })
        })
        .await
}

fn calendar(
    conn: &mut AnyConnection,
    committee: &committees::Committee,
    public_url: Option<&str>,
    now: NaiveDateTime,
) -> Result<Calendar, Error> {
    let today = today(now);
    let stamp = now.and_utc();
    let link = |path: String| public_url.map(|base| format!("{}{path}", base.trim_end_matches('/')));
    let mut events = Vec::new();
    let filter = meetings::MeetingFilter {
        committee_id: Some(committee.id),
        from: Some(today - Duration::days(400)),
        ..Default::default()
    };
    for m in meetings::list(conn, &filter, None, 2000)?.into_iter().take(2000) {
        let cancelled = m.status == MeetingStatus::Cancelled;
        events.push(Event {
            uid: format!("meeting-{}@panel-tracker", m.id),
            summary: if cancelled { format!("Cancelled: {}", m.title) } else { m.title },
            description: None,
            location: m.location,
            url: link(format!("/meetings/{}", m.id)),
            when: When::Timed { start: m.starts_at.and_utc(), minutes: 120 },
            stamp,
        });
    }
    for record in statutory::all(conn, Some(committee.id))? {
        let process = &record.process;
        for s in record.rules().schedule(today) {
            let Some(due_on) = s.due_on.filter(|_| s.applies) else { continue };
            let who = match s.owed_by {
                Party::Pcc => "PCC",
                Party::Panel => "Panel",
            };
            let done = s.happened_on.map(|d| format!(" Happened on {d}.")).unwrap_or_default();
            events.push(Event {
                uid: format!("statutory-{}-{}@panel-tracker", process.id, s.step),
                summary: format!("Due ({who}): {} - {}", s.step.title(), process.title),
                description: Some(format!("Last day under {}.{done}", s.source)),
                location: None,
                url: link(format!("/api/v1/statutory-processes/{}", process.id)),
                when: When::Day(due_on),
                stamp,
            });
        }
    }
    let filter = RecommendationFilter { committee_id: Some(committee.id), answered: Some(false), ..Default::default() };
    for r in panel_reports::list_recommendations(conn, &filter, None, MOST)?.into_iter().take(MOST as usize) {
        let Some(due_on) = r.due_on else { continue };
        events.push(Event {
            uid: format!("recommendation-{}@panel-tracker", r.id),
            summary: format!("Due (PCC): response to recommendation {}", r.reference),
            description: Some(r.body),
            location: None,
            url: link(format!("/api/v1/recommendations/{}", r.id)),
            when: When::Day(due_on),
            stamp,
        });
    }
    Ok(Calendar { name: format!("{} ({})", committee.name, committee.code), events })
}

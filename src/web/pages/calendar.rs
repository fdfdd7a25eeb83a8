//! The calendar page: what is owed in the coming weeks, by whom and under
//! which rule, and what is already late (the same call as `GET /api/v1/calendar`).

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Duration;
use serde::Deserialize;

use crate::auth::policy::Read;
use crate::domain::statutory::Party;
use crate::ops::calendar::{Entry, EntryKind};
use crate::ops::{self, AppState};
use crate::web::session::Signed;
use crate::web::{html, Chrome, PageError};

/// A row of the page.
struct Line {
    due_on: String,
    what: &'static str,
    title: String,
    href: Option<String>,
    who: String,
    source: Option<&'static str>,
    late: bool,
}

impl From<Entry> for Line {
    fn from(e: Entry) -> Self {
        let who = match (e.owed_by, &e.owner) {
            (Some(Party::Pcc), _) => "PCC".to_string(),
            (Some(Party::Panel), _) => "Panel".to_string(),
            (None, Some(owner)) => owner.clone(),
            (None, None) => "Unassigned".to_string(),
        };
        Line {
            due_on: e.due_on.format("%a %-d %b %Y").to_string(),
            what: match e.kind {
                EntryKind::StatutoryStep => "Statutory step",
                EntryKind::Recommendation => "Recommendation",
                EntryKind::Action => "Action",
            },
            href: e
                .action_id
                .map(|id| format!("/actions/{id}"))
                .or(e.process_id.map(|id| format!("/statutory-processes/{id}"))),
            title: match (&e.reference, e.kind) {
                (Some(r), EntryKind::Action) => format!("{r}: {}", e.title),
                _ => e.title,
            },
            who,
            source: e.source,
            late: e.late,
        }
    }
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    chrome: Chrome,
    from: String,
    to: String,
    weeks: i64,
    /// The spans offered.
    choices: &'static [i64],
    due: Vec<Line>,
    late: Vec<Line>,
    complete: bool,
}

#[derive(Deserialize)]
pub struct CalendarQuery {
    weeks: Option<i64>,
}

/// `/calendar`: the next weeks (6 unless `?weeks=`, 1 to 52) across every committee.
pub async fn calendar(
    page: Signed<Read>,
    state: web::Data<AppState>,
    query: web::Query<CalendarQuery>,
) -> Result<HttpResponse, PageError> {
    let Signed { session, caller } = page;
    let weeks = query.weeks.unwrap_or(6);
    if !(1..=52).contains(&weeks) {
        return Err(PageError::BadForm("weeks must be 1 to 52".into()));
    }
    let now = crate::store::now();
    let from = ops::statutory::today(now);
    let to = from + Duration::days(weeks * 7 - 1);
    let agenda = ops::calendar::agenda(&state, &caller, None, from, to, now).await?;
    html(&CalendarPage {
        chrome: Chrome::new("Calendar", Some(&session), "/calendar"),
        from: agenda.from.format("%-d %B %Y").to_string(),
        to: agenda.to.format("%-d %B %Y").to_string(),
        weeks,
        choices: &[6, 12, 26, 52],
        due: agenda.due.into_iter().map(Line::from).collect(),
        late: agenda.late.into_iter().map(Line::from).collect(),
        complete: agenda.complete,
    })
}

//! A statutory process's page: each step the law sets, who owes it, the date
//! and the rule behind it, what happened, and where the process stands (the
//! same view as `GET /api/v1/statutory-processes/{id}`).

use actix_web::{web, HttpResponse};
use askama::Template;

use crate::api::statutory::{ProcessStep, StatutoryProcess};
use crate::auth::policy::Read;
use crate::domain::statutory::{DueSource, Party, ProcessStatus};
use crate::ops::{self, AppState};
use crate::web::session::Signed;
use crate::web::{html, Chrome, PageError};

/// A process as the committee page lists it.
pub struct ProcessLine {
    pub id: i64,
    pub title: String,
    pub status: &'static str,
    pub next: Option<String>,
}

pub fn status_label(status: ProcessStatus) -> &'static str {
    match status {
        ProcessStatus::Open => "Open",
        ProcessStatus::ScrutinyEnded => "Scrutiny ended",
        ProcessStatus::Vetoed => "Vetoed",
        ProcessStatus::Lapsed => "Lapsed",
        ProcessStatus::Completed => "Completed",
    }
}

impl ProcessLine {
    pub fn new(p: &StatutoryProcess) -> Self {
        let next = p.next_step.and_then(|next| p.steps.iter().find(|s| s.step == next)).map(|s| match s.due_on {
            Some(d) => format!("{} by {}", s.title, d.format("%-d %B %Y")),
            None => s.title.clone(),
        });
        ProcessLine { id: p.id, title: p.title.clone(), status: status_label(p.status), next }
    }
}

#[derive(Template)]
#[template(path = "statutory_process.html")]
struct ProcessPage {
    chrome: Chrome,
    process: StatutoryProcess,
    status: &'static str,
}

impl ProcessPage {
    fn owed_by(&self, s: &ProcessStep) -> &'static str {
        match s.owed_by {
            Party::Pcc => "PCC",
            Party::Panel => "Panel",
        }
    }
    fn due(&self, s: &ProcessStep) -> String {
        match (s.due_on, s.due_source) {
            (Some(d), Some(DueSource::Panel)) => format!("{} (set by the panel)", d.format("%-d %B %Y")),
            (Some(d), _) => d.format("%-d %B %Y").to_string(),
            (None, _) if s.applies => "No date in law".to_string(),
            (None, _) => String::new(),
        }
    }
    /// The tag: done, late, awaited or not required.
    fn tag(&self, s: &ProcessStep) -> (&'static str, &'static str) {
        match (s.applies, s.happened_on.is_some(), s.late) {
            (_, true, true) => ("govuk-tag--orange", "Done late"),
            (_, true, false) => ("govuk-tag--green", "Done"),
            (false, false, _) => ("govuk-tag--grey", "Not required"),
            (true, false, true) => ("govuk-tag--red", "Late"),
            (true, false, false) => ("govuk-tag--blue", "Awaited"),
        }
    }
}

/// `/statutory-processes/{id}`.
pub async fn process(
    page: Signed<Read>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let Signed { session, caller } = page;
    let record = ops::statutory::get_process(&state, &caller, *id).await?;
    let today = ops::statutory::today(crate::store::now());
    let process = StatutoryProcess::new(record, today);
    html(&ProcessPage {
        chrome: Chrome::new(process.title.clone(), Some(&session), "/calendar"),
        status: status_label(process.status),
        process,
    })
}

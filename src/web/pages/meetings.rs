//! Committees and meetings: the meeting page with its agenda, its actions and
//! meeting mode (logging actions as they are promised), pasted minutes, the
//! printable action log, carrying forward and cancelling.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::auth::policy::{ExtractCommitments, ManageActions, ManageMeetings, Read};
use crate::domain::action_log::{self as log, LogRow, Section, RATING_RULE};
use crate::domain::text::{self, Checks};
use crate::domain::{ActionKind, CommitteeId, Error, FieldError, MeetingId, MeetingStatus, UserId, Version};
use std::collections::HashMap;

use crate::extract::{self, Candidate};
use crate::http::idempotency::IdempotencyKey;
use crate::ops::extractions::MAX_BATCH;
use crate::ops::{self, AppState, Record};
use crate::store::actions::{ActionView, NewAction};
use crate::store::agenda_items::AgendaItem;
use crate::store::idempotency::Recorded;
use crate::store::meetings::{Meeting, MeetingChanges, MeetingFilter};
use crate::store::users::Assignable;
use crate::web::session::{Posted, Signed, LARGE_FORM};
use crate::web::view::{self, ActionLine};
use crate::web::{field_message, html, html_with_status, see_other, Chrome, PageError};

#[derive(Template)]
#[template(path = "committee.html")]
struct CommitteePage {
    chrome: Chrome,
    name: String,
    description: String,
    upcoming: Vec<(i64, String, &'static str)>,
    past: Vec<(i64, String, &'static str)>,
    stats: crate::store::action_log::Stats,
    open: usize,
    processes: Vec<super::statutory::ProcessLine>,
}

pub async fn committee(
    page: Signed<Read>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let Signed { session, caller } = page;
    let committee = ops::committees::get(&state, &caller, CommitteeId(*id)).await?;
    let filter = MeetingFilter { committee_id: Some(committee.id), ..Default::default() };
    let meetings = ops::meetings::list(&state, &caller, filter, None, 500).await?;
    let now = Utc::now().naive_utc();
    let (mut upcoming, mut past) = (vec![], vec![]);
    for m in meetings.iter().take(500) {
        let line = (m.id, view::meeting_name(m), view::meeting_status_label(m.status));
        if m.starts_at >= now {
            upcoming.push(line)
        } else {
            past.push(line)
        }
    }
    past.reverse();
    let stats = ops::action_log::stats(&state, &caller, CommitteeId(committee.id), None, None).await?;
    let filter = crate::store::statutory::ProcessFilter { committee_id: Some(committee.id), ..Default::default() };
    let today = ops::statutory::today(crate::store::now());
    let processes = ops::statutory::list_processes(&state, &caller, filter, None, 50)
        .await?
        .into_iter()
        .take(50)
        .map(|r| super::statutory::ProcessLine::new(&crate::api::statutory::StatutoryProcess::new(r, today)))
        .collect();
    let open = stats.by_status.iter().filter(|(s, _)| !matches!(**s, "completed" | "withdrawn")).map(|(_, n)| n).sum();
    html(&CommitteePage {
        chrome: Chrome::new(committee.name.clone(), Some(&session), "/committees"),
        name: committee.name,
        description: committee.description.unwrap_or_default(),
        upcoming,
        past,
        stats,
        open,
        processes,
    })
}

/// What the meeting-mode form holds, as typed.
#[derive(Debug, Default, Clone, Deserialize, serde::Serialize)]
pub struct ActionForm {
    #[serde(default)]
    pub agenda_item_id: String,
    #[serde(default)]
    pub minute_paragraph: String,
    #[serde(default)]
    pub committed_by: String,
    #[serde(default)]
    pub owed_to: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub owner_id: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub due_meeting_id: String,
    #[serde(default)]
    pub form_id: String,
}

fn optional_id(field: &str, value: &str, checks: &mut Checks) -> Option<i64> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    match value.parse::<i64>() {
        Ok(id) if id > 0 => Some(id),
        _ => {
            checks.push(field, String::from("is not one of the choices"));
            None
        }
    }
}

impl ActionForm {
    /// The action this form describes, or what is wrong with it.
    fn parse(&self, meeting_id: i64) -> Result<NewAction, Vec<FieldError>> {
        let mut checks = Checks::new();
        let short = |c: &mut Checks, field: &str, v: &str| c.check(text::optional(field, Some(v), text::SHORT));
        let new = NewAction {
            raised_at_meeting_id: meeting_id,
            agenda_item_id: optional_id("agenda_item_id", &self.agenda_item_id, &mut checks),
            minute_paragraph: short(&mut checks, "minute_paragraph", &self.minute_paragraph),
            committed_by: short(&mut checks, "committed_by", &self.committed_by),
            owed_to: short(&mut checks, "owed_to", &self.owed_to),
            source_sentence: None,
            description: checks.check(text::required("description", &self.description, text::LONG)),
            kind: ActionKind::Other,
            owner: short(&mut checks, "owner", &self.owner),
            owner_id: optional_id("owner_id", &self.owner_id, &mut checks).map(UserId),
            due_meeting_id: optional_id("due_meeting_id", &self.due_meeting_id, &mut checks),
            due_date: None,
            exemption: None,
        };
        match checks.finish() {
            Ok(()) => Ok(new),
            Err(errors) => Err(errors),
        }
    }
}

/// The meeting-mode form as shown: its values, its errors, its choices.
pub struct MeetingModeForm {
    pub values: ActionForm,
    pub errors: Vec<FieldError>,
    pub agenda_items: Vec<(i64, String)>,
    pub owners: Vec<Assignable>,
    pub later_meetings: Vec<(i64, String)>,
}

impl MeetingModeForm {
    fn error(&self, field: &str) -> Option<String> {
        field_message(&self.errors, field)
    }

    fn is(&self, value: &str, id: &i64) -> bool {
        value == id.to_string()
    }
}

/// Rows of each table on a meeting page.
const MEETING_ROWS: i64 = 100;

#[derive(Template)]
#[template(path = "meeting.html")]
struct MeetingPage {
    chrome: Chrome,
    meeting: Meeting,
    meeting_name: String,
    committee_id: i64,
    committee_name: String,
    status: &'static str,
    agenda: Vec<AgendaItem>,
    raised_here: Vec<ActionLine>,
    due_here: Vec<ActionLine>,
    /// More than [`MEETING_ROWS`] raised here or due here: the rest are in the action list.
    more_raised: bool,
    more_due: bool,
    logged: Option<String>,
    notice: Option<String>,
    form: Option<MeetingModeForm>,
    may_extract: bool,
    may_manage_meetings: bool,
    unfinished_due_here: usize,
}

#[derive(Deserialize)]
pub struct MeetingQuery {
    logged: Option<i64>,
    notice: Option<String>,
}

/// Meetings as the choices of a "due at" select.
fn meeting_choices(meetings: &[Meeting]) -> Vec<(i64, String)> {
    meetings.iter().map(|m| (m.id, view::meeting_name(m))).collect()
}

/// Everything the meeting page shows; `form` is the meeting-mode form when
/// the caller may log actions (kept as sent when it had errors).
async fn meeting_page(
    state: &AppState,
    page: &Signed<Read>,
    id: i64,
    form: Option<(ActionForm, Vec<FieldError>)>,
    logged: Option<i64>,
    notice: Option<String>,
) -> Result<MeetingPage, PageError> {
    let Signed { session, caller } = page;
    let now = Utc::now().naive_utc();
    // A meeting page stays light however busy the meeting: the first rows of
    // each table, and a link to the action list for the rest.
    let record = ops::meetings::record(state, caller, MeetingId(id), MEETING_ROWS, now).await?;
    let (meeting, committee, agenda, raised, due) =
        (record.meeting, record.committee, record.agenda, record.raised, record.due);
    let unfinished_due_here = record.unfinished_due as usize;
    let later_meetings = meeting_choices(&record.later);
    let form = match session.caller::<ManageActions>() {
        Ok(manage) => {
            let owners = ops::users::assignable(state, &manage).await?;
            let (mut values, errors) = form.unwrap_or_default();
            if values.form_id.is_empty() {
                values.form_id = ops::sessions::random_token();
                // The due meeting defaults to the committee's next one.
                values.due_meeting_id = later_meetings.first().map(|(id, _)| id.to_string()).unwrap_or_default();
            }
            let agenda_items = agenda.iter().map(|a| (a.id, format!("{} {}", a.number, a.title))).collect();
            Some(MeetingModeForm { values, errors, agenda_items, owners, later_meetings })
        }
        Err(_) => None,
    };
    let logged = match logged {
        Some(action_id) => raised.iter().find(|v| v.row.id == action_id).map(|v| v.row.reference.clone()),
        None => None,
    };
    let notice = notice.and_then(|n| match n.as_str() {
        "carried" => Some("The unfinished actions due at this meeting were carried forward.".to_string()),
        "cancelled" => Some("The meeting was cancelled; its unfinished actions moved to the next meeting.".into()),
        "minutes" => Some("The selected commitments were logged as actions.".into()),
        _ => None,
    });
    Ok(MeetingPage {
        chrome: Chrome::new(view::meeting_name(&meeting), Some(session), "/meetings"),
        meeting_name: view::meeting_name(&meeting),
        committee_id: committee.id,
        committee_name: committee.name,
        status: view::meeting_status_label(meeting.status),
        agenda: agenda.into_iter().take(200).collect(),
        more_raised: raised.len() > MEETING_ROWS as usize,
        more_due: due.len() > MEETING_ROWS as usize,
        raised_here: raised.iter().take(MEETING_ROWS as usize).map(|v| ActionLine::new(v, None)).collect(),
        due_here: due.iter().take(MEETING_ROWS as usize).map(|v| ActionLine::new(v, Some(&meeting))).collect(),
        logged,
        notice,
        form,
        may_extract: session.may::<ExtractCommitments>(),
        may_manage_meetings: session.may::<ManageMeetings>(),
        unfinished_due_here,
        meeting,
    })
}

pub async fn meeting(
    page: Signed<Read>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<MeetingQuery>,
) -> Result<HttpResponse, PageError> {
    let query = query.into_inner();
    html(&meeting_page(&state, &page, *id, None, query.logged, query.notice).await?)
}

/// Meeting mode: logs one action and shows the form again, empty and ready.
/// The form's `form_id` is the idempotency key, so a form sent twice (a
/// double click, a resend after a dropped connection) logs one action.
pub async fn log_action(
    posted: Posted<ManageActions>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let id = *id;
    let form: ActionForm = posted.form()?;
    let new = match form.parse(id) {
        Ok(new) => new,
        Err(errors) => return form_with_errors(&state, &posted, id, form, errors).await,
    };
    let key = IdempotencyKey(Some(form.form_id.clone()).filter(|k| !k.is_empty() && k.len() <= 200)).scoped(
        &posted.caller.actor(),
        &format!("web log action at meeting {id}"),
        &form,
    );
    let record: Record<ActionView> = Box::new(move |view: ActionView| {
        Ok(Recorded {
            status: 303,
            // No fragment: a browser does not apply `autofocus` on a page whose
            // address names a target, and the next action starts from the
            // agenda item, which has it (focusing it scrolls the form into view).
            location: Some(format!("/meetings/{id}?logged={}", view.row.id)),
            body: String::new(),
            replayed: false,
        })
    });
    match ops::actions::create(&state, &posted.caller, new, key, record).await {
        Ok(recorded) => Ok(see_other(recorded.location.as_deref().unwrap_or("/"))),
        Err(Error::Invalid(errors) | Error::UnknownReference(errors) | Error::ConflictingReference(errors)) => {
            form_with_errors(&state, &posted, id, form, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn form_with_errors(
    state: &AppState,
    posted: &Posted<ManageActions>,
    id: i64,
    form: ActionForm,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, PageError> {
    let reader = Signed::<Read> { caller: posted.session.caller()?, session: posted.session.clone() };
    let page = meeting_page(state, &reader, id, Some((form, errors)), None, None).await?;
    html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[derive(Template)]
#[template(path = "action_log.html")]
struct ActionLogPage {
    chrome: Chrome,
    meeting_id: i64,
    meeting_name: String,
    committee_name: String,
    sections: Vec<(Section, Vec<LogRow>)>,
    statutory_title: &'static str,
    statutory: Vec<log::StatutoryLogRow>,
    rating_rule: &'static str,
    generated: String,
}

impl ActionLogPage {
    fn rating_tag(&self, row: &LogRow) -> &'static str {
        view::rating_tag(row.rating)
    }
    fn rating_label(&self, row: &LogRow) -> &'static str {
        view::rating_label(row.rating)
    }
    fn status_label(&self, row: &LogRow) -> &'static str {
        view::status_label(row.status)
    }
    fn statutory_tag(&self, row: &log::StatutoryLogRow) -> &'static str {
        view::rating_tag(row.rating)
    }
    fn statutory_label(&self, row: &log::StatutoryLogRow) -> &'static str {
        view::rating_label(row.rating)
    }
    fn owed_by(&self, row: &log::StatutoryLogRow) -> &'static str {
        match row.owed_by {
            crate::domain::statutory::Party::Pcc => "PCC",
            crate::domain::statutory::Party::Panel => "Panel",
        }
    }
}

#[derive(Deserialize)]
pub struct LogQuery {
    format: Option<String>,
}

/// The action log as the agenda pack prints it, or as CSV for a spreadsheet.
pub async fn action_log(
    page: Signed<Read>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<LogQuery>,
) -> Result<HttpResponse, PageError> {
    let Signed { session, caller } = page;
    let mut data = ops::action_log::get(&state, &caller, MeetingId(*id)).await?;
    let now = Utc::now();
    let sections = ops::action_log::rows(std::mem::take(&mut data.sections), &data.meeting_starts, now);
    let statutory = ops::action_log::statutory_rows(&data, ops::statutory::today(now.naive_utc()));
    if query.format.as_deref() == Some("csv") {
        let filename = format!("action-log-{}-{}.csv", data.committee.code, data.meeting.starts_at.format("%Y-%m-%d"));
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header(("Content-Disposition", format!("attachment; filename=\"{filename}\"")))
            .insert_header(("Cache-Control", "no-store"))
            .body(log::to_csv(&sections, &statutory)));
    }
    html(&ActionLogPage {
        chrome: Chrome::new(format!("Action log: {}", view::meeting_name(&data.meeting)), Some(&session), "/meetings"),
        meeting_id: data.meeting.id,
        meeting_name: view::meeting_name(&data.meeting),
        committee_name: data.committee.name,
        sections,
        statutory_title: log::STATUTORY_TITLE,
        statutory,
        rating_rule: RATING_RULE,
        generated: now.format("%-d %B %Y %H:%M UTC").to_string(),
    })
}

/// Carries every unfinished action due at this meeting to the committee's next one.
pub async fn carry_forward(
    posted: Posted<ManageActions>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    ops::action_log::carry_forward_all(&state, &posted.caller, MeetingId(*id), None, None).await?;
    Ok(see_other(&format!("/meetings/{}?notice=carried", *id)))
}

#[derive(Template)]
#[template(path = "cancel_meeting.html")]
struct CancelPage {
    chrome: Chrome,
    meeting: Meeting,
    meeting_name: String,
    unfinished_due_here: usize,
}

/// "Are you sure?": cancelling moves the meeting's actions, so it is confirmed first.
pub async fn confirm_cancel(
    page: Signed<ManageMeetings>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let reader = page.session.caller::<Read>()?;
    let meeting = ops::meetings::get(&state, &reader, MeetingId(*id)).await?;
    let unfinished_due_here = ops::actions::unfinished_due_at(&state, &reader, MeetingId(meeting.id)).await? as usize;
    html(&CancelPage {
        chrome: Chrome::new(format!("Cancel {}", view::meeting_name(&meeting)), Some(&page.session), "/meetings"),
        meeting_name: view::meeting_name(&meeting),
        unfinished_due_here,
        meeting,
    })
}

#[derive(Deserialize)]
struct VersionForm {
    version: i64,
}

/// Cancels the meeting; its unfinished actions move on to the next meeting.
pub async fn cancel(
    posted: Posted<ManageMeetings>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let form: VersionForm = posted.form()?;
    let changes = MeetingChanges { status: Some(MeetingStatus::Cancelled), ..Default::default() };
    ops::meetings::update(&state, &posted.caller, MeetingId(*id), Version(form.version), changes).await?;
    Ok(see_other(&format!("/meetings/{}?notice=cancelled", *id)))
}

/// A commitment the extractor found, as the table of candidates shows it.
struct CandidateRow {
    n: usize,
    sentence: String,
    /// Which rule found it and on which words, to explain the suggestion.
    found_by: String,
    selected: bool,
    description: String,
    paragraph: String,
    committed_by: String,
    owed_to: String,
    owner_id: String,
    due_meeting_id: String,
}

impl CandidateRow {
    fn found(n: usize, c: Candidate, due_meeting_id: String) -> CandidateRow {
        let rule = serde_json::to_value(c.rule).ok().and_then(|v| v.as_str().map(|s| s.replace('_', " ")));
        CandidateRow {
            n,
            found_by: format!("found by the rule “{}” on “{}”", rule.unwrap_or_default(), c.cue),
            sentence: c.sentence,
            selected: true,
            description: c.summary,
            paragraph: c.paragraph.unwrap_or_default(),
            committed_by: c.committed_by.unwrap_or_default(),
            owed_to: c.owed_to.unwrap_or_default(),
            owner_id: String::new(),
            due_meeting_id,
        }
    }

    /// The row as the form sent it back.
    fn posted(n: usize, fields: &HashMap<&str, &str>) -> CandidateRow {
        let field = |name: &str| fields.get(format!("c{n}_{name}").as_str()).unwrap_or(&"").to_string();
        CandidateRow {
            n,
            sentence: field("sentence"),
            found_by: field("found_by"),
            selected: !field("selected").is_empty(),
            description: field("description"),
            paragraph: field("paragraph"),
            committed_by: field("committed_by"),
            owed_to: field("owed_to"),
            owner_id: field("owner_id"),
            due_meeting_id: field("due_meeting_id"),
        }
    }

    fn form(&self) -> ActionForm {
        ActionForm {
            agenda_item_id: String::new(),
            minute_paragraph: self.paragraph.clone(),
            committed_by: self.committed_by.clone(),
            owed_to: self.owed_to.clone(),
            description: self.description.clone(),
            owner_id: self.owner_id.clone(),
            owner: String::new(),
            due_meeting_id: self.due_meeting_id.clone(),
            form_id: String::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "minutes.html")]
struct MinutesPage {
    chrome: Chrome,
    meeting_id: i64,
    meeting_name: String,
    candidates: Vec<CandidateRow>,
    owners: Vec<Assignable>,
    later_meetings: Vec<(i64, String)>,
    form_id: String,
    errors: Vec<FieldError>,
}

impl MinutesPage {
    fn error(&self, field: &str) -> Option<String> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.clone())
    }
    fn is(&self, value: &str, id: &i64) -> bool {
        value == id.to_string()
    }
}

#[derive(Deserialize)]
struct MinutesForm {
    #[serde(default)]
    minutes: String,
}

/// Pasted minutes: the extractor's candidates, each to confirm and edit.
pub async fn read_minutes(
    posted: Posted<ExtractCommitments, LARGE_FORM>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, PageError> {
    let form: MinutesForm = posted.form()?;
    if form.minutes.trim().is_empty() {
        return Err(PageError::BadForm("Paste the minutes into the box first.".into()));
    }
    let limit = ops::extractions::ExtractionTimeLimit::of(&req);
    let budget = extract::Budget::within(limit);
    let candidates =
        ops::extractions::extract(&state, &posted.caller, MeetingId(*id), form.minutes, budget, limit, Ok).await?;
    minutes_page(&state, &posted, *id, Found::New(candidates), vec![], None).await
}

/// The candidates to show: fresh from the extractor, or as the form sent them back.
enum Found {
    New(Vec<Candidate>),
    Posted(Vec<CandidateRow>),
}

async fn minutes_page(
    state: &AppState,
    posted: &Posted<ExtractCommitments, LARGE_FORM>,
    id: i64,
    found: Found,
    errors: Vec<FieldError>,
    form_id: Option<String>,
) -> Result<HttpResponse, PageError> {
    let reader: crate::auth::Caller<Read> = posted.session.caller()?;
    let meeting = ops::meetings::get(state, &reader, MeetingId(id)).await?;
    let manage = posted.session.caller::<ManageActions>()?;
    let owners = ops::users::assignable(state, &manage).await?;
    let later_meetings = meeting_choices(&ops::meetings::later(state, &reader, meeting.clone(), 50).await?);
    let next = later_meetings.first().map(|(id, _)| id.to_string()).unwrap_or_default();
    let candidates = match found {
        Found::New(candidates) => {
            candidates.into_iter().enumerate().map(|(n, c)| CandidateRow::found(n, c, next.clone())).collect()
        }
        Found::Posted(rows) => rows,
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    html_with_status(
        status,
        &MinutesPage {
            chrome: Chrome::new("Commitments in the minutes", Some(&posted.session), "/meetings"),
            meeting_id: id,
            meeting_name: view::meeting_name(&meeting),
            candidates,
            owners,
            later_meetings,
            form_id: form_id.unwrap_or_else(ops::sessions::random_token),
            errors,
        },
    )
}

/// Logs the selected candidates, all or none, once per form.
pub async fn log_minutes(
    posted: Posted<ExtractCommitments, LARGE_FORM>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let id = *id;
    // Fields looked up once each, however many the form has (first value wins).
    let mut fields: HashMap<&str, &str> = HashMap::with_capacity(posted.pairs().len());
    for (k, v) in posted.pairs().iter().rev() {
        fields.insert(k.as_str(), v.as_str());
    }
    let count = fields.get("count").and_then(|c| c.parse::<usize>().ok()).unwrap_or(0).min(MAX_BATCH);
    let rows: Vec<CandidateRow> = (0..count).map(|n| CandidateRow::posted(n, &fields)).collect();
    let mut commitments = Vec::new();
    let mut errors = Vec::new();
    for row in rows.iter().filter(|r| r.selected) {
        match row.form().parse(id) {
            Ok(mut new) => match text::optional("sentence", Some(&row.sentence), text::LONG) {
                Ok(sentence) => {
                    new.source_sentence = sentence;
                    commitments.push(new);
                }
                Err(e) => errors.push(FieldError::new(
                    format!("c{}_sentence", row.n),
                    format!("Commitment {}: the sentence {}", row.n + 1, e.message),
                )),
            },
            Err(e) => errors.extend(e.into_iter().map(|mut f| {
                f.message = format!("Commitment {}: {} {}", row.n + 1, f.field.replace('_', " "), f.message);
                f.field = format!("c{}_{}", row.n, f.field);
                f
            })),
        }
    }
    if commitments.is_empty() && errors.is_empty() {
        errors.push(FieldError::new("c0_selected", "Select at least one commitment to log"));
    }
    let form_id = posted.value("form_id").unwrap_or("").to_string();
    if !errors.is_empty() {
        return minutes_page(&state, &posted, id, Found::Posted(rows), errors, Some(form_id)).await;
    }
    let fingerprint_source: Vec<_> = posted.pairs().iter().filter(|(k, _)| k != "csrf_token").cloned().collect();
    let key = IdempotencyKey(Some(form_id.clone()).filter(|k| !k.is_empty() && k.len() <= 200)).scoped(
        &posted.caller.actor(),
        &format!("web log minutes of meeting {id}"),
        &fingerprint_source,
    );
    let record: Record<Vec<ActionView>> = Box::new(move |_| {
        Ok(Recorded {
            status: 303,
            location: Some(format!("/meetings/{id}?notice=minutes")),
            body: String::new(),
            replayed: false,
        })
    });
    match ops::extractions::accept(&state, &posted.caller, MeetingId(id), commitments, key, record).await {
        Ok(recorded) => Ok(see_other(recorded.location.as_deref().unwrap_or("/"))),
        Err(Error::Invalid(errors) | Error::UnknownReference(errors) | Error::ConflictingReference(errors)) => {
            // `actions[k].field` names the k-th selected row.
            let selected: Vec<usize> = rows.iter().filter(|r| r.selected).map(|r| r.n).collect();
            let errors = errors
                .into_iter()
                .map(|mut f| {
                    if let Some((k, field)) = f.field.strip_prefix("actions[").and_then(|r| r.split_once("].")) {
                        if let Some(n) = k.parse::<usize>().ok().and_then(|k| selected.get(k)) {
                            f.message = format!("Commitment {}: {} {}", n + 1, field.replace('_', " "), f.message);
                            f.field = format!("c{n}_{field}");
                        }
                    }
                    f
                })
                .collect();
            minutes_page(&state, &posted, id, Found::Posted(rows), errors, Some(form_id)).await
        }
        Err(e) => Err(e.into()),
    }
}

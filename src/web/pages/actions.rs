//! Actions: the list with the API's filters, one action with its timeline
//! and the transitions the caller may make, and editing with a check that
//! nobody changed it meanwhile.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::auth::policy::{self, DecideResponse, ManageActions, Read, RecordProgress};
use crate::domain::lifecycle::Requirement;
use crate::domain::search::SearchTerms;
use crate::domain::text::{self, Checks};
use crate::domain::MeetingStatus;
use crate::domain::{ActionId, ActionStatus, Error, FieldError, Transition, UserId, Version};
use crate::ops::actions::TransitionInput;
use crate::ops::{self, AppState};
use crate::store::actions::{ActionFilter, ActionPatch, ActionView};
use crate::store::events::Event;
use crate::store::meetings::{Meeting, MeetingFilter};
use crate::store::users::Assignable;
use crate::web::session::{Posted, Signed};
use crate::web::view::{self, ActionLine};
use crate::web::{field_message, html, html_with_status, see_other, Chrome, PageError};
use std::collections::HashMap;

const PAGE_SIZE: i64 = 50;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    /// Words to search for (empty: no search).
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    committee_id: Option<String>,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    overdue: String,
    due_meeting_id: Option<String>,
    raised_at_meeting_id: Option<String>,
    #[serde(default)]
    mine: String,
    after: Option<i64>,
}

#[derive(Template)]
#[template(path = "actions.html")]
struct ListPage {
    chrome: Chrome,
    actions: Vec<ActionLine>,
    /// The search text, shown back in the box.
    q: String,
    /// Why the search text cannot be searched for.
    q_error: Option<String>,
    committees: Vec<(i64, String)>,
    /// The meetings an action can be due at, to filter by: the chosen
    /// committee's, or the next ones of every committee.
    meetings: Vec<(i64, String)>,
    status: String,
    committee_id: String,
    owner: String,
    overdue: bool,
    mine: bool,
    due_meeting_id: String,
    /// Kept (as a hidden field) when the list came from a meeting's "see every action raised here".
    raised_at_meeting_id: String,
    next_page: Option<String>,
}

impl ListPage {
    fn status_options(&self) -> Vec<(&'static str, &'static str)> {
        ActionStatus::ALL.iter().map(|s| (s.as_str(), view::status_label(*s))).collect()
    }
}

fn id_param(value: &Option<String>) -> Option<i64> {
    value.as_deref().and_then(|v| v.trim().parse::<i64>().ok())
}

/// Actions, filtered as the API filters them, a page at a time.
pub async fn list(
    page: Signed<Read>,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let Signed { session, caller } = page;
    let q = query.into_inner();
    let status: Option<ActionStatus> = q.status.parse().ok();
    let filter = ActionFilter {
        statuses: status.into_iter().collect(),
        committee_id: id_param(&q.committee_id),
        due_meeting_id: id_param(&q.due_meeting_id),
        raised_at_meeting_id: id_param(&q.raised_at_meeting_id),
        owner: Some(q.owner.trim().to_string()).filter(|o| !o.is_empty()),
        overdue: (q.overdue == "true").then_some(true),
        ..Default::default()
    };
    let now = Utc::now().naive_utc();
    let mine = q.mine == "true";
    let mut q_error = None;
    // Each action with its place in the list: the id, or its rank in a search.
    let mut views: Vec<(i64, ActionView)> = match SearchTerms::parse("q", &q.q) {
        Ok(None) => ops::actions::list(&state, &caller, filter, mine, q.after, PAGE_SIZE, now)
            .await?
            .into_iter()
            .map(|v| (v.row.id, v))
            .collect(),
        Ok(Some(terms)) => {
            let offset = q.after.unwrap_or(0).max(0);
            ops::actions::search(&state, &caller, terms, filter, mine, offset, PAGE_SIZE, now).await?
        }
        Err(e) => {
            q_error = Some(format!("Search {}", e.message));
            vec![]
        }
    };
    let more = views.len() as i64 > PAGE_SIZE;
    views.truncate(PAGE_SIZE as usize);
    let committees = ops::committees::list(&state, &caller, None, 100)
        .await?
        .into_iter()
        .take(100)
        .map(|c| (c.id, c.name))
        .collect();
    let meeting_filter = match id_param(&q.committee_id) {
        Some(committee_id) => MeetingFilter { committee_id: Some(committee_id), ..Default::default() },
        None => MeetingFilter { from: Some(now.date()), status: Some(MeetingStatus::Scheduled), ..Default::default() },
    };
    let meetings = ops::meetings::list(&state, &caller, meeting_filter, None, 200)
        .await?
        .iter()
        .take(200)
        .map(|m| (m.id, view::meeting_name(m)))
        .collect();
    let next_page = match (more, views.last()) {
        (true, Some((last, _))) => Some(format!(
            "/actions?q={}&status={}&committee_id={}&owner={}&overdue={}&due_meeting_id={}&raised_at_meeting_id={}&mine={}&after={}",
            view::url_encode(&q.q),
            view::url_encode(&q.status),
            view::url_encode(q.committee_id.as_deref().unwrap_or("")),
            view::url_encode(&q.owner),
            view::url_encode(&q.overdue),
            view::url_encode(q.due_meeting_id.as_deref().unwrap_or("")),
            view::url_encode(q.raised_at_meeting_id.as_deref().unwrap_or("")),
            view::url_encode(&q.mine),
            last
        )),
        _ => None,
    };
    html(&ListPage {
        chrome: Chrome::new("Actions", Some(&session), "/actions"),
        actions: views.iter().map(|(_, v)| ActionLine::new(v, None)).collect(),
        q: q.q.trim().to_string(),
        q_error,
        committees,
        meetings,
        status: status.map(|s| s.as_str().to_string()).unwrap_or_default(),
        committee_id: q.committee_id.unwrap_or_default(),
        owner: q.owner,
        overdue: q.overdue == "true",
        mine: q.mine == "true",
        due_meeting_id: q.due_meeting_id.unwrap_or_default(),
        raised_at_meeting_id: id_param(&q.raised_at_meeting_id).map(|id| id.to_string()).unwrap_or_default(),
        next_page,
    })
}

/// A transition the caller may make now, as a form.
struct TransitionForm {
    name: &'static str,
    label: &'static str,
    needs_response: bool,
    needs_reason: bool,
    secondary: bool,
}

/// One entry of the timeline.
struct TimelineEntry {
    at: String,
    actor: String,
    what: String,
    changes: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "action.html")]
struct ActionPage {
    chrome: Chrome,
    action: ActionView,
    line: ActionLine,
    committee_name: String,
    raised_at: (i64, String),
    due_meeting: Option<(i64, String)>,
    transitions: Vec<TransitionForm>,
    timeline: Vec<TimelineEntry>,
    chain_ok: bool,
    may_edit: bool,
    notice: Option<String>,
    errors: Vec<FieldError>,
    response_value: String,
    reason_value: String,
}

impl ActionPage {
    fn error(&self, field: &str) -> Option<String> {
        field_message(&self.errors, field)
    }
}

fn describe(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "(none)".into(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Each event's field changes, as recorded.
fn changes_of(e: &Event) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::from_str::<serde_json::Value>(&e.changes) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}

/// The timeline, newest first, with meetings named rather than numbered.
fn timeline(events: &[Event], meetings: &HashMap<i64, Meeting>) -> Vec<TimelineEntry> {
    let show = |field: &str, value: &serde_json::Value| match value.as_i64().and_then(|id| meetings.get(&id)) {
        Some(meeting) if field.ends_with("meeting_id") => view::meeting_name(meeting),
        _ => describe(value),
    };
    events
        .iter()
        .rev()
        .map(|e| {
            let changes = changes_of(e)
                .into_iter()
                .map(|(field, change)| {
                    let (from, to) = (show(&field, &change["from"]), show(&field, &change["to"]));
                    (view::field_label(&field), from, to)
                })
                .collect();
            let mut what = e.kind.replace('_', " ");
            if let Some(reason) = &e.reason {
                what = format!("{what}: {reason}");
            }
            TimelineEntry { at: view::date_time(e.occurred_at), actor: e.actor.clone(), what, changes }
        })
        .collect()
}

#[derive(Deserialize)]
pub struct ActionQuery {
    notice: Option<String>,
}

async fn action_page(
    state: &AppState,
    page: &Signed<Read>,
    id: i64,
    notice: Option<String>,
    errors: Vec<FieldError>,
    typed: (String, String),
) -> Result<ActionPage, PageError> {
    let Signed { session, caller } = page;
    let record = ops::actions::record(state, caller, ActionId(id), 500).await?;
    let (action, committee, raised, due) = (record.view, record.committee, record.raised_at, record.due);
    let chain_ok = record.verified;
    let timeline = timeline(&record.events, &record.meetings);
    let transitions = action
        .row
        .status
        .allowed_transitions()
        .into_iter()
        .filter(|t| crate::auth::policy::allows(policy::for_transition(*t), session.role))
        .map(|t| TransitionForm {
            name: t.as_str(),
            label: view::transition_label(t),
            needs_response: t.requirement() == Requirement::Response,
            needs_reason: t.requirement() == Requirement::Reason,
            secondary: matches!(t, Transition::Withdraw | Transition::Reopen | Transition::Return),
        })
        .collect();
    let notice = notice.and_then(|n| {
        Some(match n.as_str() {
            "saved" => "Your changes were saved.".to_string(),
            "moved" => "The action's status was changed.".to_string(),
            _ => return None,
        })
    });
    Ok(ActionPage {
        chrome: Chrome::new(format!("Action {}", action.row.reference), Some(session), "/actions"),
        line: ActionLine::new(&action, due.as_ref()),
        committee_name: committee.name,
        raised_at: (raised.id, view::meeting_name(&raised)),
        due_meeting: due.as_ref().map(|m| (m.id, view::meeting_name(m))),
        transitions,
        timeline,
        chain_ok,
        may_edit: session.may::<ManageActions>(),
        notice,
        errors,
        response_value: typed.0,
        reason_value: typed.1,
        action,
    })
}

pub async fn action(
    page: Signed<Read>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<ActionQuery>,
) -> Result<HttpResponse, PageError> {
    html(&action_page(&state, &page, *id, query.into_inner().notice, vec![], Default::default()).await?)
}

#[derive(Deserialize)]
struct TransitionFields {
    version: i64,
    response: Option<String>,
    reason: Option<String>,
}

/// A transition button: the capability it needs comes from the policy
/// table (`policy::for_transition`), so each is its own guarded call.
pub async fn transition(
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    req: actix_web::HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    use actix_web::FromRequest;
    let mut payload = payload.into_inner();
    let (id, name) = path.into_inner();
    let transition = Transition::ALL
        .into_iter()
        .find(|t| t.as_str() == name)
        .ok_or_else(|| PageError::from(Error::NotFound { resource: "page", id: format!("/actions/{id}/{name}") }))?;
    macro_rules! run {
        ($capability:ty) => {{
            let posted = Posted::<$capability>::from_request(&req, &mut payload).await?;
            let fields: TransitionFields = posted.form()?;
            let input = TransitionInput {
                response: fields.response.clone().filter(|_| transition.requirement() == Requirement::Response),
                reason: fields.reason.clone().filter(|_| transition.requirement() == Requirement::Reason),
            };
            let typed = (fields.response.unwrap_or_default(), fields.reason.unwrap_or_default());
            let result = ops::actions::transition(
                &state,
                &posted.caller,
                ActionId(id),
                Version(fields.version),
                transition,
                input,
            )
            .await;
            (posted.session, result, typed)
        }};
    }
    let (session, result, typed) = match policy::for_transition(transition) {
        policy::Capability::RecordProgress => run!(RecordProgress),
        policy::Capability::DecideResponse => run!(DecideResponse),
        _ => run!(ManageActions),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/actions/{id}?notice=moved"))),
        Err(Error::Invalid(errors)) => {
            let reader = Signed::<Read> { caller: session.caller()?, session };
            let page = action_page(&state, &reader, id, None, errors, typed).await?;
            html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

/// The fields the edit form changes, as text.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
pub struct EditFields {
    #[serde(default)]
    description: String,
    #[serde(default)]
    minute_paragraph: String,
    #[serde(default)]
    committed_by: String,
    #[serde(default)]
    owed_to: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    owner_id: String,
}

/// Browsers send a textarea's line breaks as CRLF; surrounding spaces do not count.
fn same_text(a: &str, b: &str) -> bool {
    a.replace("\r\n", "\n").trim() == b.replace("\r\n", "\n").trim()
}

impl EditFields {
    fn of(view: &ActionView) -> EditFields {
        let r = &view.row;
        EditFields {
            description: r.description.clone(),
            minute_paragraph: r.minute_paragraph.clone().unwrap_or_default(),
            committed_by: r.committed_by.clone().unwrap_or_default(),
            owed_to: r.owed_to.clone().unwrap_or_default(),
            owner: r.owner.clone().unwrap_or_default(),
            owner_id: r.owner_id.map(|i| i.to_string()).unwrap_or_default(),
        }
    }

    fn pairs_mut(&mut self) -> [(&'static str, &mut String); 6] {
        [
            ("description", &mut self.description),
            ("minute_paragraph", &mut self.minute_paragraph),
            ("committed_by", &mut self.committed_by),
            ("owed_to", &mut self.owed_to),
            ("owner", &mut self.owner),
            ("owner_id", &mut self.owner_id),
        ]
    }

    /// The fields this form changed from `was`.
    fn changed_from(&self, was: &EditFields) -> Vec<&'static str> {
        let mut mine = self.clone();
        let mut was = was.clone();
        mine.pairs_mut()
            .into_iter()
            .zip(was.pairs_mut())
            .filter(|((_, a), (_, b))| !same_text(a, b))
            .map(|((name, _), _)| name)
            .collect()
    }

    /// A three-way merge: the user's value where they changed a field, the
    /// current value everywhere else.
    fn merged_onto(&self, was: &EditFields, current: &EditFields) -> EditFields {
        let changed = self.changed_from(was);
        let mut merged = current.clone();
        let mut mine = self.clone();
        for ((name, value), (_, mine_value)) in merged.pairs_mut().into_iter().zip(mine.pairs_mut()) {
            if changed.contains(&name) {
                *value = mine_value.clone();
            }
        }
        merged
    }

    /// Only the fields the user changed: an edit never writes back what
    /// somebody else changed meanwhile.
    fn patch(&self, was: &EditFields) -> Result<ActionPatch, Vec<FieldError>> {
        let changed = self.changed_from(was);
        let mut checks = Checks::new();
        let mut patch = ActionPatch::default();
        for field in &changed {
            let mut short = |v: &str| Some(checks.check(text::optional(field, Some(v), text::SHORT)));
            match *field {
                "description" => {
                    patch.description = Some(checks.check(text::required("description", &self.description, text::LONG)))
                }
                "minute_paragraph" => patch.minute_paragraph = short(&self.minute_paragraph),
                "committed_by" => patch.committed_by = short(&self.committed_by),
                "owed_to" => patch.owed_to = short(&self.owed_to),
                "owner" => patch.owner = short(&self.owner),
                "owner_id" => match self.owner_id.trim() {
                    "" => patch.owner_id = Some(None),
                    v => match v.parse::<i64>() {
                        Ok(id) => patch.owner_id = Some(Some(UserId(id))),
                        Err(_) => checks.push("owner_id", String::from("is not one of the choices")),
                    },
                },
                _ => {}
            }
        }
        checks.finish().map(|()| patch)
    }
}

/// The edit form as sent: what the user typed, and what the fields held
/// when the form was opened (`was_*`), at `version`.
#[derive(Debug, Default, Deserialize)]
struct EditForm {
    #[serde(flatten)]
    fields: EditFields,
    #[serde(default)]
    was_description: String,
    #[serde(default)]
    was_minute_paragraph: String,
    #[serde(default)]
    was_committed_by: String,
    #[serde(default)]
    was_owed_to: String,
    #[serde(default)]
    was_owner: String,
    #[serde(default)]
    was_owner_id: String,
    #[serde(default)]
    version: i64,
}

impl EditForm {
    fn was(&self) -> EditFields {
        EditFields {
            description: self.was_description.clone(),
            minute_paragraph: self.was_minute_paragraph.clone(),
            committed_by: self.was_committed_by.clone(),
            owed_to: self.was_owed_to.clone(),
            owner: self.was_owner.clone(),
            owner_id: self.was_owner_id.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "action_edit.html")]
struct EditPage {
    chrome: Chrome,
    id: i64,
    reference: String,
    values: EditFields,
    was: EditFields,
    version: i64,
    owners: Vec<Assignable>,
    errors: Vec<FieldError>,
    /// When the action changed since the form was opened: who changed what.
    stale: Vec<TimelineEntry>,
}

impl EditPage {
    fn error(&self, field: &str) -> Option<String> {
        field_message(&self.errors, field)
    }
    fn is_owner(&self, id: &i64) -> bool {
        self.values.owner_id == id.to_string()
    }
}

pub async fn edit_form(
    page: Signed<ManageActions>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let Signed { session, caller } = page;
    let reader = session.caller::<Read>()?;
    let action = ops::actions::get(&state, &reader, ActionId(*id)).await?;
    html(&EditPage {
        chrome: Chrome::new(format!("Edit action {}", action.row.reference), Some(&session), "/actions"),
        id: *id,
        reference: action.row.reference.clone(),
        values: EditFields::of(&action),
        was: EditFields::of(&action),
        version: action.row.version,
        owners: ops::users::assignable(&state, &caller).await?,
        errors: vec![],
        stale: vec![],
    })
}

/// Saves an edit made on the version the form was opened at, writing only
/// the fields the user changed. If someone changed the action since, nothing
/// is overwritten: the form comes back with the user's changes merged onto
/// the current values, a list of who changed what meanwhile, and the current
/// version, so sending it again applies the user's change.
pub async fn edit(
    posted: Posted<ManageActions>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let id = *id;
    let form: EditForm = posted.form()?;
    let was = form.was();
    let reader = posted.session.caller::<Read>()?;
    let result = match form.fields.patch(&was) {
        Ok(patch) => ops::actions::update(&state, &posted.caller, ActionId(id), Version(form.version), patch).await,
        Err(errors) => Err(Error::Invalid(errors)),
    };
    let (errors, stale) = match result {
        Ok(_) => return Ok(see_other(&format!("/actions/{id}?notice=saved"))),
        Err(Error::Stale { given, .. }) => {
            let record = ops::actions::record(&state, &reader, ActionId(id), 500).await?;
            let since: Vec<Event> = record.events.into_iter().filter(|e| i64::from(e.sequence) > given.0).collect();
            let message = "Someone changed this action after you opened it. Their changes are listed below, and \
                           your changes are kept in the form. Check it and save again to apply them."
                .to_string();
            (vec![FieldError::new("version", &message)], timeline(&since, &record.meetings))
        }
        Err(Error::Invalid(errors) | Error::UnknownReference(errors) | Error::ConflictingReference(errors)) => {
            (errors, vec![])
        }
        Err(e) => return Err(e.into()),
    };
    let action = ops::actions::get(&state, &reader, ActionId(id)).await?;
    let current = EditFields::of(&action);
    let (values, was, version, status) = if stale.is_empty() {
        (form.fields.clone(), was, form.version, StatusCode::UNPROCESSABLE_ENTITY)
    } else {
        (form.fields.merged_onto(&was, &current), current, action.row.version, StatusCode::CONFLICT)
    };
    let page = EditPage {
        chrome: Chrome::new(format!("Edit action {}", action.row.reference), Some(&posted.session), "/actions"),
        id,
        reference: action.row.reference,
        values,
        was,
        version,
        owners: ops::users::assignable(&state, &posted.caller).await?,
        errors,
        stale,
    };
    html_with_status(status, &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(description: &str, owed_to: &str) -> EditFields {
        EditFields { description: description.into(), owed_to: owed_to.into(), ..Default::default() }
    }

    #[test]
    fn an_edit_writes_only_what_the_user_changed() {
        let was = fields("Circulate the briefing", "");
        let mine = fields("Circulate the briefing\r\nto every Member", "");
        assert_eq!(mine.changed_from(&was), vec!["description"]);
        let patch = mine.patch(&was).unwrap();
        assert!(patch.description.is_some() && patch.owed_to.is_none());
        assert!(fields(" x ", "").changed_from(&fields("x", "")).is_empty(), "spaces do not count");
    }

    #[test]
    fn a_stale_form_keeps_both_changes() {
        let was = fields("Circulate the briefing", "");
        let current = fields("Circulate the briefing", "Cllr Patel");
        let mine = fields("Circulate it by Friday", "");
        let merged = mine.merged_onto(&was, &current);
        assert_eq!((merged.description.as_str(), merged.owed_to.as_str()), ("Circulate it by Friday", "Cllr Patel"));
    }
}

//! How records are shown on the pages: labels in the panel's words, GOV.UK
//! tag colours, dates as people write them. Pure, so it is tested here.

use chrono::{NaiveDate, NaiveDateTime, Utc};

use crate::domain::action_log::{self, Rating};
use crate::domain::lifecycle::is_overdue;
use crate::domain::{ActionStatus, MeetingStatus, Role, Transition};
use crate::store::actions::ActionView;
use crate::store::{self, meetings::Meeting};

pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Admin => "Administrator",
        Role::Secretariat => "Panel secretariat",
        Role::Opcc => "OPCC",
        Role::Member => "Panel member",
        Role::Reader => "Reader",
    }
}

pub fn status_label(status: ActionStatus) -> &'static str {
    match status {
        ActionStatus::Open => "Open",
        ActionStatus::InProgress => "In progress",
        ActionStatus::ResponseSubmitted => "Response submitted",
        ActionStatus::Completed => "Completed",
        ActionStatus::Withdrawn => "Withdrawn",
    }
}

/// GOV.UK tag modifier for a status.
pub fn status_tag(status: ActionStatus) -> &'static str {
    match status {
        ActionStatus::Open => "govuk-tag--grey",
        ActionStatus::InProgress => "govuk-tag--blue",
        ActionStatus::ResponseSubmitted => "govuk-tag--yellow",
        ActionStatus::Completed => "govuk-tag--green",
        ActionStatus::Withdrawn => "govuk-tag--purple",
    }
}

pub fn rating_tag(rating: Rating) -> &'static str {
    match rating {
        Rating::Red => "govuk-tag--red",
        Rating::Amber => "govuk-tag--orange",
        Rating::Green => "govuk-tag--green",
    }
}

pub fn rating_label(rating: Rating) -> &'static str {
    match rating {
        Rating::Red => "Red",
        Rating::Amber => "Amber",
        Rating::Green => "Green",
    }
}

/// The button a transition is shown as.
pub fn transition_label(t: Transition) -> &'static str {
    match t {
        Transition::Start => "Start work",
        Transition::SubmitResponse => "Submit response",
        Transition::Accept => "Accept response",
        Transition::Return => "Return response",
        Transition::Reopen => "Reopen",
        Transition::Withdraw => "Withdraw",
    }
}

pub fn meeting_status_label(status: MeetingStatus) -> &'static str {
    match status {
        MeetingStatus::Scheduled => "Scheduled",
        MeetingStatus::Held => "Held",
        MeetingStatus::Cancelled => "Cancelled",
    }
}

/// A recorded field's name as the timeline shows it.
pub fn field_label(field: &str) -> String {
    match field {
        "owner_id" => "owner's account".into(),
        "owner" => "owner".into(),
        "agenda_item_id" => "agenda item".into(),
        "due_meeting_id" => "due meeting".into(),
        "raised_at_meeting_id" => "raised at".into(),
        "committed_by" => "who promised".into(),
        "owed_to" => "owed to".into(),
        "description" => "what was promised".into(),
        "source_sentence" => "sentence in the minutes".into(),
        "status_reason" => "reason".into(),
        other => other.replace('_', " "),
    }
}

pub fn date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

pub fn date_time(t: NaiveDateTime) -> String {
    t.format("%-d %B %Y, %H:%M").to_string()
}

/// A meeting as a one-line name: "Police and Crime Panel, 3 February 2027".
pub fn meeting_name(m: &Meeting) -> String {
    format!("{}, {}", m.title, date(m.starts_at.date()))
}

/// Percent-encodes a query value.
pub fn url_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// An action as a row of a table.
pub struct ActionLine {
    pub id: i64,
    pub reference: String,
    pub description: String,
    pub owner: String,
    pub status: &'static str,
    pub status_tag: &'static str,
    pub overdue: bool,
    pub rating: &'static str,
    pub rating_tag: &'static str,
    pub due: String,
}

impl ActionLine {
    pub fn new(view: &ActionView, due_meeting: Option<&Meeting>) -> ActionLine {
        let r = &view.row;
        let overdue = is_overdue(r.status, view.due_meeting_starts_at.map(store::utc), r.due_date, Utc::now());
        let rating = action_log::rating(r.status, overdue);
        let due = match (due_meeting, view.due_meeting_starts_at, r.due_date) {
            (Some(m), _, _) => meeting_name(m),
            (None, Some(starts), _) => format!("Meeting of {}", date(starts.date())),
            (None, None, Some(d)) => date(d),
            _ => "Not set".into(),
        };
        ActionLine {
            id: r.id,
            reference: r.reference.clone(),
            description: r.description.clone(),
            owner: r.owner.clone().unwrap_or_else(|| "Unassigned".into()),
            status: status_label(r.status),
            status_tag: status_tag(r.status),
            overdue,
            rating: rating_label(rating),
            rating_tag: rating_tag(rating),
            due,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_in_the_panels_words() {
        assert_eq!(status_label(ActionStatus::ResponseSubmitted), "Response submitted");
        assert_eq!(transition_label(Transition::Return), "Return response");
        assert_eq!(date(NaiveDate::from_ymd_opt(2027, 2, 3).unwrap()), "3 February 2027");
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(url_encode("/actions?status=open&x=a b"), "/actions%3Fstatus%3Dopen%26x%3Da%20b");
        assert_eq!(url_encode("<script>"), "%3Cscript%3E");
    }
}

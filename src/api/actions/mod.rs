//! Actions: the commitments made at meetings. The types the API speaks are
//! here; the handlers are split by concern: [`crud`] (list, create, read,
//! edit), [`transitions`] (the lifecycle and carry-forward) and [`events`]
//! (the timeline and its hash chain). Everything is re-exported, so
//! `api::actions::start` and `api::actions::Action` name them as before.

mod crud;
mod events;
mod transitions;

pub use crud::*;
pub use events::*;
pub use transitions::*;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::nullable;
use crate::domain::lifecycle::is_overdue;
use crate::domain::{ActionKind, ActionStatus, Exemption, Transition};
use crate::store::{self, actions};

/// One commitment made at a meeting, tracked until it is done.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Action {
    #[schema(example = 42)]
    pub id: i64,
    /// Unique per committee, never reused: committee code, year of the meeting, number.
    #[schema(example = "KMPCP/2018/007")]
    pub reference: String,
    #[schema(example = 1)]
    pub committee_id: i64,
    /// The meeting where the commitment was made.
    #[schema(example = 3)]
    pub raised_at_meeting_id: i64,
    pub agenda_item_id: Option<i64>,
    /// The minute paragraph as numbered in the minutes.
    #[schema(example = "7")]
    pub minute_paragraph: Option<String>,
    #[schema(example = "Commissioner")]
    pub committed_by: Option<String>,
    #[schema(example = "Mr Smith, Member")]
    pub owed_to: Option<String>,
    /// The sentence of the minutes that records the commitment, verbatim.
    #[schema(
        example = "In response to a question about Magnate Generation the Commissioner would report back to the Member on which school in Folkestone would be involved in the initial project."
    )]
    pub source_sentence: Option<String>,
    /// What must be done.
    #[schema(example = "Report back on which school in Folkestone will be involved in the Magnate Generation project")]
    pub description: String,
    pub kind: ActionKind,
    /// Who is responsible, as readers see it (the action log and its CSV
    /// too): a job title, or a person without an account. Set to the owner's
    /// display name when the action is assigned to an account (`owner_id`)
    /// without one. Absent while unassigned.
    #[schema(example = "Head of Partnerships, OPCC")]
    pub owner: Option<String>,
    /// The owner's user account (an admin, secretariat or OPCC user), when the
    /// owner has one; `null` otherwise. Stays when that user is deactivated.
    #[schema(example = 7)]
    pub owner_id: Option<i64>,
    /// The meeting the action is due at.
    pub due_meeting_id: Option<i64>,
    pub due_date: Option<NaiveDate>,
    pub status: ActionStatus,
    /// True when the due meeting has started (or the due date passed) and the action still awaits a response.
    pub overdue: bool,
    /// The transitions allowed from the current status.
    #[schema(example = json!(["start", "submit_response", "withdraw"]))]
    pub allowed_transitions: Vec<Transition>,
    /// The OPCC's response.
    pub response: Option<String>,
    /// The reason given at the last return, reopening or withdrawal.
    pub status_reason: Option<String>,
    /// How many times the due meeting was moved on.
    #[schema(example = 0)]
    pub times_carried_forward: i32,
    #[schema(example = 1)]
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    /// When it was completed or withdrawn (cleared when reopened).
    pub closed_at: Option<DateTime<Utc>>,
    /// Set when the action is exempt information: the public then sees only
    /// its reference, status, dates and the paragraph.
    pub exempt: Option<ExemptionBody>,
}

/// Why an action is kept from the public: a paragraph of Schedule 12A to the
/// Local Government Act 1972 (1 to 7 in England, 12 to 18 in Wales) and the
/// reason, which staff see and the public does not.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExemptionBody {
    #[schema(example = 3, minimum = 1, maximum = 18)]
    pub paragraph: i64,
    #[schema(example = "Names a supplier whose contract is under negotiation", max_length = 10000)]
    pub reason: String,
}

impl ExemptionBody {
    pub(crate) fn parse(self) -> Result<Exemption, Vec<crate::domain::FieldError>> {
        Exemption::parse(self.paragraph, &self.reason)
    }
}

impl From<Exemption> for ExemptionBody {
    fn from(e: Exemption) -> Self {
        ExemptionBody { paragraph: i64::from(e.paragraph.number()), reason: e.reason }
    }
}

impl Action {
    pub(crate) fn from_view(view: actions::ActionView, now: DateTime<Utc>) -> Self {
        let r = view.row;
        let status = r.status;
        Action {
            exempt: r.exemption().map(ExemptionBody::from),
            overdue: is_overdue(status, view.due_meeting_starts_at.map(store::utc), r.due_date, now),
            allowed_transitions: status.allowed_transitions(),
            kind: r.kind,
            status,
            id: r.id,
            reference: r.reference,
            committee_id: r.committee_id,
            raised_at_meeting_id: r.raised_at_meeting_id,
            agenda_item_id: r.agenda_item_id,
            minute_paragraph: r.minute_paragraph,
            committed_by: r.committed_by,
            owed_to: r.owed_to,
            source_sentence: r.source_sentence,
            description: r.description,
            owner: r.owner,
            owner_id: r.owner_id,
            due_meeting_id: r.due_meeting_id,
            due_date: r.due_date,
            response: r.response,
            status_reason: r.status_reason,
            times_carried_forward: r.times_carried_forward,
            version: r.version,
            created_at: store::utc(r.created_at),
            updated_at: store::utc(r.updated_at),
            completed_at: r.completed_at.map(store::utc),
            closed_at: r.closed_at.map(store::utc),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewActionRequest {
    /// The meeting where the commitment was made; the action belongs to its committee.
    #[schema(example = 3)]
    pub raised_at_meeting_id: i64,
    /// An agenda item of that meeting.
    pub agenda_item_id: Option<i64>,
    #[schema(example = "7", max_length = 200)]
    pub minute_paragraph: Option<String>,
    #[schema(example = "Commissioner", max_length = 200)]
    pub committed_by: Option<String>,
    #[schema(example = "Mr Smith, Member", max_length = 200)]
    pub owed_to: Option<String>,
    #[schema(max_length = 10000)]
    pub source_sentence: Option<String>,
    #[schema(example = "Report back on which school in Folkestone will be involved", max_length = 10000)]
    pub description: String,
    /// Defaults to `other`.
    pub kind: Option<ActionKind>,
    /// The label readers see; defaults to the display name of the `owner_id` user.
    #[schema(example = "Head of Partnerships, OPCC", max_length = 200)]
    pub owner: Option<String>,
    /// The owner's account: an active admin, secretariat or OPCC user (404 when
    /// no user has this id, 409 when the user is deactivated or a member or reader).
    /// Without an `owner`, the user's display name becomes the label.
    pub owner_id: Option<i64>,
    /// Defaults to the committee's next meeting after the one where it was raised.
    pub due_meeting_id: Option<i64>,
    pub due_date: Option<NaiveDate>,
    /// Marks the action exempt from publication.
    pub exempt: Option<ExemptionBody>,
}

/// Edits to an action; fields left out stay as they are, `null` clears one.
/// Status changes go through the transition endpoints instead.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionPatch {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub agenda_item_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub minute_paragraph: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub committed_by: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub owed_to: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub source_sentence: Option<Option<String>>,
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    pub kind: Option<ActionKind>,
    /// Assigns the action (the label readers see); `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub owner: Option<Option<String>>,
    /// Assigns the action to a user account: an active admin, secretariat or
    /// OPCC user (404 when no user has this id, 409 when the user is
    /// deactivated or a member or reader). Assigning it to another account
    /// without an `owner` in the same request sets `owner` to the user's
    /// display name. `null` unassigns the account and leaves `owner` as it is
    /// (send `"owner": null` too to unassign entirely).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub owner_id: Option<Option<i64>>,
    /// Corrects the due meeting (use carry-forward to move it on and count it).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub due_meeting_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    pub due_date: Option<Option<NaiveDate>>,
    /// Marks the action exempt from publication; `null` publishes it again
    /// (with its committee, if that is published).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<ExemptionBody>)]
    pub exempt: Option<Option<ExemptionBody>>,
}

/// The body of a lifecycle transition. `submit-response` needs `response`;
/// `return`, `reopen` and `withdraw` need `reason`; `start` and `accept` take neither
/// (the body may be left out).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    #[schema(example = "The school is Folkestone Academy; the project starts in the autumn term.", max_length = 10000)]
    pub response: Option<String>,
    #[schema(example = "Not in the required format", max_length = 10000)]
    pub reason: Option<String>,
}

/// The body `submit-response` takes (as documented; read as a [`TransitionRequest`]).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ResponseRequest {
    /// What the OPCC says was done.
    #[schema(example = "The school is Folkestone Academy; the project starts in the autumn term.", max_length = 10000)]
    pub response: String,
}

/// The body `return`, `reopen` and `withdraw` take (as documented; read as a [`TransitionRequest`]).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ReasonRequest {
    /// Why, for the timeline and the action log.
    #[schema(example = "Not in the required format", max_length = 10000)]
    pub reason: String,
}

/// An empty object: `start` and `accept` take nothing.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoBody {}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CarryForwardRequest {
    /// A later meeting of the committee; by default its next meeting after the one the
    /// action is due at (for a whole meeting's actions: after that meeting).
    pub to_meeting_id: Option<i64>,
    #[schema(example = "Figures not yet available", max_length = 10000)]
    pub reason: Option<String>,
}

/// The filters of the list of actions (its page is a [`PageQuery`](crate::http::pagination::PageQuery)).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActionListQuery {
    /// Full-text search over the reference, description, response and the
    /// minutes' sentence: every word must match (common words like "the"
    /// are ignored), best matches first, and a reference finds its action
    /// first. With `q` the page is in rank order, the best 1,000 matches at
    /// most, and `cursor` is a position in that ranking.
    #[param(example = "school visits", max_length = 200)]
    pub q: Option<String>,
    /// One status or several separated by commas, e.g. `open,in_progress`.
    #[param(example = "open,in_progress")]
    pub status: Option<String>,
    pub committee_id: Option<i64>,
    /// Actions raised at this meeting.
    pub raised_at_meeting_id: Option<i64>,
    /// Actions due at this meeting.
    pub due_meeting_id: Option<i64>,
    /// Actions assigned to this owner (exact match of the label).
    pub owner: Option<String>,
    /// Actions owned by this user account.
    pub owner_id: Option<i64>,
    /// `true`: only the caller's own actions (owned by the caller's user account);
    /// `false` is the same as leaving it out. Combines with the other filters like
    /// any filter (with an `owner_id` naming someone else it finds nothing). A
    /// service credential or single sign-on caller has no account here: 422.
    pub mine: Option<bool>,
    /// `true`: only actions nobody owns (neither an owner account nor an
    /// owner's name); `false` is the same as leaving it out.
    pub unassigned: Option<bool>,
    /// `true`: only overdue actions; `false`: only those not overdue.
    pub overdue: Option<bool>,
    /// Only actions changed at or after this time (RFC 3339), for incremental sync.
    pub updated_since: Option<DateTime<Utc>>,
}

/// One entry of an action's timeline.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ActionEvent {
    /// 1 for the creation, then one more for each change.
    #[schema(example = 1)]
    pub sequence: i32,
    pub occurred_at: DateTime<Utc>,
    /// Who made the change.
    #[schema(example = "anonymous")]
    pub actor: String,
    /// `created`, `updated`, `carried_forward`, or the transition's name.
    #[schema(example = "submit_response")]
    pub kind: String,
    /// Each changed field with its old and new value.
    #[schema(value_type = Object, example = json!({"status": {"from": "in_progress", "to": "response_submitted"}}))]
    pub changes: Value,
    pub reason: Option<String>,
    /// The hash of the event before (64 zeros for the first).
    pub prev_hash: String,
    /// SHA-256 over this event and `prev_hash`.
    pub hash: String,
}

impl From<store::events::Event> for ActionEvent {
    fn from(e: store::events::Event) -> Self {
        ActionEvent {
            sequence: e.sequence,
            occurred_at: store::utc(e.occurred_at),
            actor: e.actor,
            kind: e.kind,
            changes: serde_json::from_str(&e.changes).unwrap_or(Value::Null),
            reason: e.reason,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

/// The outcome of checking an action's hash chain.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChainVerification {
    pub action_id: i64,
    /// True when every event's hash checks out and each links to the one before.
    pub intact: bool,
    pub events_checked: usize,
    /// The first event whose hash or link does not check out.
    pub first_broken_sequence: Option<i32>,
}

//! The action lifecycle of design.md: a two-step closure, with returns,
//! reopening and withdrawal, and `overdue` derived rather than stored.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::deserialize::FromSqlRow;
use diesel::expression::AsExpression;
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::sql_text::text_enum;

/// Where an action stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    /// Logged, nobody has started on it.
    Open,
    /// Being worked on (also where a returned response lands).
    InProgress,
    /// The OPCC has written the response and marked it complete; awaiting the secretariat.
    ResponseSubmitted,
    /// The secretariat accepted the response.
    Completed,
    /// Closed without being done (withdrawn, superseded, no longer feasible).
    Withdrawn,
}

impl ActionStatus {
    pub const ALL: [ActionStatus; 5] = [
        ActionStatus::Open,
        ActionStatus::InProgress,
        ActionStatus::ResponseSubmitted,
        ActionStatus::Completed,
        ActionStatus::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Open => "open",
            ActionStatus::InProgress => "in_progress",
            ActionStatus::ResponseSubmitted => "response_submitted",
            ActionStatus::Completed => "completed",
            ActionStatus::Withdrawn => "withdrawn",
        }
    }

    /// Not yet completed or withdrawn: can still be carried forward.
    pub fn is_unfinished(self) -> bool {
        !matches!(self, ActionStatus::Completed | ActionStatus::Withdrawn)
    }

    /// Still waiting on the OPCC: the statuses in which an action can be overdue.
    pub fn awaits_response(self) -> bool {
        matches!(self, ActionStatus::Open | ActionStatus::InProgress)
    }

    pub fn allowed_transitions(self) -> Vec<Transition> {
        Transition::ALL.into_iter().filter(|t| t.apply(self).is_some()).collect()
    }
}

impl fmt::Display for ActionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ActionStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ActionStatus::ALL.into_iter().find(|v| v.as_str() == s).ok_or_else(|| format!("unknown status `{s}`"))
    }
}

/// A change of status, named as the panel names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    /// open -> in_progress: the OPCC records that work has started.
    Start,
    /// open | in_progress -> response_submitted: the OPCC writes the response and marks it complete.
    SubmitResponse,
    /// response_submitted -> completed: the secretariat accepts the response.
    Accept,
    /// response_submitted -> in_progress: the secretariat returns it, with a reason.
    Return,
    /// completed | withdrawn -> open: the secretariat reopens it, with a reason.
    Reopen,
    /// any unfinished status -> withdrawn, with a reason.
    Withdraw,
}

/// What a transition demands of the request beyond the action's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    Nothing,
    Response,
    Reason,
}

impl Transition {
    pub const ALL: [Transition; 6] = [
        Transition::Start,
        Transition::SubmitResponse,
        Transition::Accept,
        Transition::Return,
        Transition::Reopen,
        Transition::Withdraw,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Transition::Start => "start",
            Transition::SubmitResponse => "submit_response",
            Transition::Accept => "accept",
            Transition::Return => "return",
            Transition::Reopen => "reopen",
            Transition::Withdraw => "withdraw",
        }
    }

    pub fn requirement(self) -> Requirement {
        match self {
            Transition::Start | Transition::Accept => Requirement::Nothing,
            Transition::SubmitResponse => Requirement::Response,
            Transition::Return | Transition::Reopen | Transition::Withdraw => Requirement::Reason,
        }
    }

    /// The status this transition leads to from `from`; `None` when it is not allowed from there.
    pub fn apply(self, from: ActionStatus) -> Option<ActionStatus> {
        use ActionStatus::*;
        match (self, from) {
            (Transition::Start, Open) => Some(InProgress),
            (Transition::SubmitResponse, Open | InProgress) => Some(ResponseSubmitted),
            (Transition::Accept, ResponseSubmitted) => Some(Completed),
            (Transition::Return, ResponseSubmitted) => Some(InProgress),
            (Transition::Reopen, Completed | Withdrawn) => Some(Open),
            (Transition::Withdraw, Open | InProgress | ResponseSubmitted) => Some(Withdrawn),
            _ => None,
        }
    }
}

impl fmt::Display for Transition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of follow-up was promised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    ReportBack,
    Check,
    LookInto,
    ProvideInformation,
    Publish,
    Other,
}

impl ActionKind {
    pub const ALL: [ActionKind; 6] = [
        ActionKind::ReportBack,
        ActionKind::Check,
        ActionKind::LookInto,
        ActionKind::ProvideInformation,
        ActionKind::Publish,
        ActionKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::ReportBack => "report_back",
            ActionKind::Check => "check",
            ActionKind::LookInto => "look_into",
            ActionKind::ProvideInformation => "provide_information",
            ActionKind::Publish => "publish",
            ActionKind::Other => "other",
        }
    }
}

impl FromStr for ActionKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ActionKind::ALL.into_iter().find(|v| v.as_str() == s).ok_or_else(|| format!("unknown kind `{s}`"))
    }
}

/// Whether a meeting took, or will take, place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "snake_case")]
pub enum MeetingStatus {
    Scheduled,
    Held,
    Cancelled,
}

impl MeetingStatus {
    pub const ALL: [MeetingStatus; 3] = [MeetingStatus::Scheduled, MeetingStatus::Held, MeetingStatus::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            MeetingStatus::Scheduled => "scheduled",
            MeetingStatus::Held => "held",
            MeetingStatus::Cancelled => "cancelled",
        }
    }
}

impl FromStr for MeetingStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        MeetingStatus::ALL.into_iter().find(|v| v.as_str() == s).ok_or_else(|| format!("unknown meeting status `{s}`"))
    }
}

text_enum!(ActionStatus, ActionKind, MeetingStatus);

/// The one definition of overdue, used by the API's `overdue` field and
/// mirrored by the list filter's SQL (see `store::actions`): still awaiting
/// the OPCC, and its due meeting has started or its due date has passed.
pub fn is_overdue(
    status: ActionStatus,
    due_meeting_starts_at: Option<DateTime<Utc>>,
    due_date: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> bool {
    status.awaits_response()
        && (due_meeting_starts_at.is_some_and(|starts| starts <= now)
            || due_date.is_some_and(|date| date < now.date_naive()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use ActionStatus::*;

    #[test]
    fn the_two_step_closure() {
        assert_eq!(Transition::Start.apply(Open), Some(InProgress));
        assert_eq!(Transition::SubmitResponse.apply(InProgress), Some(ResponseSubmitted));
        assert_eq!(Transition::SubmitResponse.apply(Open), Some(ResponseSubmitted));
        assert_eq!(Transition::Accept.apply(ResponseSubmitted), Some(Completed));
        assert_eq!(Transition::Return.apply(ResponseSubmitted), Some(InProgress));
        assert_eq!(Transition::Reopen.apply(Completed), Some(Open));
        assert_eq!(Transition::Reopen.apply(Withdrawn), Some(Open));
        for s in [Open, InProgress, ResponseSubmitted] {
            assert_eq!(Transition::Withdraw.apply(s), Some(Withdrawn));
        }
    }

    #[test]
    fn illegal_transitions_are_refused() {
        assert!(Transition::Accept.apply(Open).is_none());
        assert!(Transition::Accept.apply(InProgress).is_none());
        assert!(Transition::Start.apply(InProgress).is_none());
        assert!(Transition::Return.apply(Completed).is_none());
        assert!(Transition::Withdraw.apply(Completed).is_none());
        assert!(Transition::Withdraw.apply(Withdrawn).is_none());
        assert!(Transition::Reopen.apply(Open).is_none());
        assert!(Transition::SubmitResponse.apply(Completed).is_none());
    }

    #[test]
    fn allowed_transitions_per_status() {
        use Transition::*;
        assert_eq!(Open.allowed_transitions(), vec![Start, SubmitResponse, Withdraw]);
        assert_eq!(InProgress.allowed_transitions(), vec![SubmitResponse, Withdraw]);
        assert_eq!(ResponseSubmitted.allowed_transitions(), vec![Accept, Return, Withdraw]);
        assert_eq!(Completed.allowed_transitions(), vec![Reopen]);
        assert_eq!(Withdrawn.allowed_transitions(), vec![Reopen]);
    }

    #[test]
    fn requirements() {
        assert_eq!(Transition::SubmitResponse.requirement(), Requirement::Response);
        assert_eq!(Transition::Return.requirement(), Requirement::Reason);
        assert_eq!(Transition::Reopen.requirement(), Requirement::Reason);
        assert_eq!(Transition::Withdraw.requirement(), Requirement::Reason);
        assert_eq!(Transition::Accept.requirement(), Requirement::Nothing);
    }

    #[test]
    fn names_round_trip() {
        for s in ActionStatus::ALL {
            assert_eq!(s.as_str().parse::<ActionStatus>(), Ok(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for k in ActionKind::ALL {
            assert_eq!(k.as_str().parse::<ActionKind>(), Ok(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        for m in MeetingStatus::ALL {
            assert_eq!(m.as_str().parse::<MeetingStatus>(), Ok(m));
        }
        for t in Transition::ALL {
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
        assert!("closed".parse::<ActionStatus>().is_err());
    }

    #[test]
    fn overdue_is_derived() {
        let now = Utc.with_ymd_and_hms(2018, 3, 1, 12, 0, 0).unwrap();
        let past = Some(Utc.with_ymd_and_hms(2018, 2, 1, 10, 0, 0).unwrap());
        let future = Some(Utc.with_ymd_and_hms(2018, 4, 1, 10, 0, 0).unwrap());
        let yesterday = NaiveDate::from_ymd_opt(2018, 2, 28);
        let today = NaiveDate::from_ymd_opt(2018, 3, 1);
        assert!(is_overdue(Open, past, None, now));
        assert!(is_overdue(InProgress, past, None, now));
        assert!(!is_overdue(ResponseSubmitted, past, None, now));
        assert!(!is_overdue(Completed, past, None, now));
        assert!(!is_overdue(Withdrawn, past, None, now));
        assert!(!is_overdue(Open, future, None, now));
        assert!(!is_overdue(Open, None, None, now));
        assert!(is_overdue(Open, future, yesterday, now));
        assert!(!is_overdue(Open, None, today, now), "due today is not yet overdue");
        assert!(is_overdue(Open, Some(now), None, now), "the meeting has begun");
    }
}

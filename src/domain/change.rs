//! The kinds of change the change feed (and the webhooks after it) report:
//! which resource changed and what happened to it, in the panel's words.

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResourceType {
    Committee,
    Meeting,
    AgendaItem,
    Action,
}

impl ResourceType {
    pub const ALL: [ResourceType; 4] =
        [ResourceType::Committee, ResourceType::Meeting, ResourceType::AgendaItem, ResourceType::Action];

    pub fn as_str(self) -> &'static str {
        match self {
            ResourceType::Committee => "committee",
            ResourceType::Meeting => "meeting",
            ResourceType::AgendaItem => "agenda_item",
            ResourceType::Action => "action",
        }
    }
}

impl FromStr for ResourceType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ResourceType::ALL.into_iter().find(|t| t.as_str() == s).ok_or_else(|| format!("unknown resource type `{s}`"))
    }
}

/// What happened: `<resource>.<what>`. An action's change names its
/// timeline event: `action.status_changed` for every lifecycle transition
/// (the new status is in the resource), the others by the event's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum ChangeType {
    #[serde(rename = "committee.created")]
    CommitteeCreated,
    #[serde(rename = "committee.updated")]
    CommitteeUpdated,
    #[serde(rename = "committee.published")]
    CommitteePublished,
    #[serde(rename = "committee.unpublished")]
    CommitteeUnpublished,
    #[serde(rename = "meeting.created")]
    MeetingCreated,
    #[serde(rename = "meeting.updated")]
    MeetingUpdated,
    #[serde(rename = "meeting.held")]
    MeetingHeld,
    #[serde(rename = "meeting.cancelled")]
    MeetingCancelled,
    #[serde(rename = "agenda_item.created")]
    AgendaItemCreated,
    #[serde(rename = "agenda_item.updated")]
    AgendaItemUpdated,
    #[serde(rename = "action.created")]
    ActionCreated,
    #[serde(rename = "action.updated")]
    ActionUpdated,
    #[serde(rename = "action.status_changed")]
    ActionStatusChanged,
    #[serde(rename = "action.carried_forward")]
    ActionCarriedForward,
    /// Its due meeting was cancelled, so it moved to the next one.
    #[serde(rename = "action.due_meeting_cancelled")]
    ActionDueMeetingCancelled,
}

impl ChangeType {
    pub const ALL: [ChangeType; 15] = [
        ChangeType::CommitteeCreated,
        ChangeType::CommitteeUpdated,
        ChangeType::CommitteePublished,
        ChangeType::CommitteeUnpublished,
        ChangeType::MeetingCreated,
        ChangeType::MeetingUpdated,
        ChangeType::MeetingHeld,
        ChangeType::MeetingCancelled,
        ChangeType::AgendaItemCreated,
        ChangeType::AgendaItemUpdated,
        ChangeType::ActionCreated,
        ChangeType::ActionUpdated,
        ChangeType::ActionStatusChanged,
        ChangeType::ActionCarriedForward,
        ChangeType::ActionDueMeetingCancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeType::CommitteeCreated => "committee.created",
            ChangeType::CommitteeUpdated => "committee.updated",
            ChangeType::CommitteePublished => "committee.published",
            ChangeType::CommitteeUnpublished => "committee.unpublished",
            ChangeType::MeetingCreated => "meeting.created",
            ChangeType::MeetingUpdated => "meeting.updated",
            ChangeType::MeetingHeld => "meeting.held",
            ChangeType::MeetingCancelled => "meeting.cancelled",
            ChangeType::AgendaItemCreated => "agenda_item.created",
            ChangeType::AgendaItemUpdated => "agenda_item.updated",
            ChangeType::ActionCreated => "action.created",
            ChangeType::ActionUpdated => "action.updated",
            ChangeType::ActionStatusChanged => "action.status_changed",
            ChangeType::ActionCarriedForward => "action.carried_forward",
            ChangeType::ActionDueMeetingCancelled => "action.due_meeting_cancelled",
        }
    }

    pub fn resource_type(self) -> ResourceType {
        let prefix = self.as_str().split('.').next().unwrap_or_default();
        prefix.parse().expect("every change type starts with its resource type")
    }

    /// The change an action's timeline event is reported as.
    pub fn of_action_event(kind: &str) -> ChangeType {
        match kind {
            "created" => ChangeType::ActionCreated,
            "carried_forward" => ChangeType::ActionCarriedForward,
            "due_meeting_cancelled" => ChangeType::ActionDueMeetingCancelled,
            "updated" => ChangeType::ActionUpdated,
            // Every other event is a lifecycle transition.
            _ => ChangeType::ActionStatusChanged,
        }
    }
}

impl FromStr for ChangeType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ChangeType::ALL.into_iter().find(|t| t.as_str() == s).ok_or_else(|| format!("unknown change type `{s}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Transition;

    #[test]
    fn names_round_trip_and_match_serde() {
        for t in ChangeType::ALL {
            assert_eq!(t.as_str().parse::<ChangeType>(), Ok(t));
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
            assert!(t.as_str().starts_with(t.resource_type().as_str()));
        }
        for r in ResourceType::ALL {
            assert_eq!(r.as_str().parse::<ResourceType>(), Ok(r));
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        assert!("action.deleted".parse::<ChangeType>().is_err());
    }

    #[test]
    fn every_transition_is_a_status_change() {
        for t in Transition::ALL {
            assert_eq!(ChangeType::of_action_event(t.as_str()), ChangeType::ActionStatusChanged, "{t}");
        }
        assert_eq!(ChangeType::of_action_event("updated"), ChangeType::ActionUpdated);
        assert_eq!(ChangeType::of_action_event("due_meeting_cancelled"), ChangeType::ActionDueMeetingCancelled);
    }
}

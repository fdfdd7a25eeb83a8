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
    StatutoryProcess,
    PanelReport,
    Recommendation,
}

impl ResourceType {
    pub const ALL: [ResourceType; 7] = [
        ResourceType::Committee,
        ResourceType::Meeting,
        ResourceType::AgendaItem,
        ResourceType::Action,
        ResourceType::StatutoryProcess,
        ResourceType::PanelReport,
        ResourceType::Recommendation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ResourceType::Committee => "committee",
            ResourceType::Meeting => "meeting",
            ResourceType::AgendaItem => "agenda_item",
            ResourceType::Action => "action",
            ResourceType::StatutoryProcess => "statutory_process",
            ResourceType::PanelReport => "panel_report",
            ResourceType::Recommendation => "recommendation",
        }
    }
}

impl FromStr for ResourceType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ResourceType::ALL.into_iter().find(|t| t.as_str() == s).ok_or_else(|| format!("unknown resource type `{s}`"))
    }
}

/// Declares [`ChangeType`] and the webhooks' `EventType` (every change type
/// and the reminders) from one list, so the two cannot drift apart.
macro_rules! change_types {
    ($($(#[$doc:meta])* $variant:ident => $name:tt,)+) => {
        /// What happened: `<resource>.<what>`. An action's change names its
        /// timeline event: `action.status_changed` for every lifecycle transition
        /// (the new status is in the resource), the others by the event's kind.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        pub enum ChangeType {
            $($(#[$doc])* #[serde(rename = $name)] $variant,)+
        }

        impl ChangeType {
            pub const ALL: &'static [ChangeType] = &[$(ChangeType::$variant,)+];

            pub fn as_str(self) -> &'static str {
                match self { $(ChangeType::$variant => $name,)+ }
            }
        }

        /// What a webhook is sent: every change type of the change feed, and the
        /// reminders to owners before a meeting.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        pub enum EventType {
            $($(#[$doc])* #[serde(rename = $name)] $variant,)+
            /// A digest for one owner of the actions due at coming meetings that await their response.
            #[serde(rename = "reminder.due")]
            ReminderDue,
        }

        impl EventType {
            pub const COUNT: usize = ChangeType::ALL.len() + 1;

            pub fn as_str(self) -> &'static str {
                match self {
                    EventType::ReminderDue => "reminder.due",
                    $(EventType::$variant => $name,)+
                }
            }

            /// The change this event reports, if it is one.
            pub fn change(self) -> Option<ChangeType> {
                match self {
                    EventType::ReminderDue => None,
                    $(EventType::$variant => Some(ChangeType::$variant),)+
                }
            }
        }

        impl From<ChangeType> for EventType {
            fn from(change: ChangeType) -> EventType {
                match change { $(ChangeType::$variant => EventType::$variant,)+ }
            }
        }
    };
}

change_types! {
    CommitteeCreated => "committee.created",
    CommitteeUpdated => "committee.updated",
    CommitteePublished => "committee.published",
    CommitteeUnpublished => "committee.unpublished",
    MeetingCreated => "meeting.created",
    MeetingUpdated => "meeting.updated",
    MeetingHeld => "meeting.held",
    MeetingCancelled => "meeting.cancelled",
    AgendaItemCreated => "agenda_item.created",
    AgendaItemUpdated => "agenda_item.updated",
    ActionCreated => "action.created",
    ActionUpdated => "action.updated",
    ActionStatusChanged => "action.status_changed",
    ActionCarriedForward => "action.carried_forward",
    /// Its due meeting was cancelled, so it moved to the next one.
    ActionDueMeetingCancelled => "action.due_meeting_cancelled",
    StatutoryProcessCreated => "statutory_process.created",
    /// A step of the process happened (the panel's report, the PCC's notification...).
    StatutoryProcessStepRecorded => "statutory_process.step_recorded",
    /// A due date the panel sets was set or cleared.
    StatutoryProcessUpdated => "statutory_process.updated",
    PanelReportCreated => "panel_report.created",
    /// The PCC's response was published, or one of its recommendations answered.
    PanelReportUpdated => "panel_report.updated",
    RecommendationCreated => "recommendation.created",
    RecommendationResponded => "recommendation.responded",
}

impl ChangeType {
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
        ChangeType::ALL.iter().copied().find(|t| t.as_str() == s).ok_or_else(|| format!("unknown change type `{s}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Transition;

    #[test]
    fn names_round_trip_and_match_serde() {
        for &t in ChangeType::ALL {
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
    fn the_document_names_them_as_they_are_sent() {
        use utoipa::PartialSchema;
        let names = |schema: utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>| {
            serde_json::to_value(schema).unwrap()["enum"].as_array().unwrap().clone()
        };
        let changes = names(ChangeType::schema());
        assert_eq!(changes.len(), ChangeType::ALL.len());
        for &t in ChangeType::ALL {
            assert!(changes.contains(&serde_json::json!(t.as_str())), "{}", t.as_str());
        }
        assert!(names(EventType::schema()).contains(&serde_json::json!("reminder.due")));
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

//! The one policy table: which roles may exercise which capability, and which
//! capability each API operation needs. Handlers state their capability in
//! their signature (`Caller<policy::ManageActions>`), so an unguarded handler
//! is visible at a glance, and the role-walk test checks every operation of
//! the OpenAPI document against [`OPERATIONS`].

pub use crate::domain::Role;
use crate::domain::Transition;

/// What an operation does, in the terms of the role table in design.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capability {
    /// Any signed-in caller acting on their own account.
    SignedIn,
    /// Read committees, meetings, agenda items, actions, timelines.
    Read,
    /// Create and edit committees, meetings, agenda items.
    ManageMeetings,
    /// Create, edit, assign, carry forward, reopen, withdraw actions.
    ManageActions,
    /// Extract commitments from minutes and accept them.
    ExtractCommitments,
    /// Record progress and submit the response.
    RecordProgress,
    /// Accept or return a submitted response.
    DecideResponse,
    /// Manage users and service credentials.
    ManageUsers,
    /// Manage webhooks: where changes are sent, with the secrets that sign them.
    ManageWebhooks,
    /// Record the panel's statutory work: processes, the panel's steps, its
    /// reports and recommendations, the dates it sets.
    ManageStatutory,
    /// Record what the PCC owes the panel by law: the PCC's steps, responses
    /// to recommendations, the published response to a report.
    RecordPccResponse,
}

/// The table itself.
pub fn allows(capability: Capability, role: Role) -> bool {
    use Role::*;
    match capability {
        Capability::SignedIn | Capability::Read => true,
        Capability::ManageMeetings
        | Capability::ManageActions
        | Capability::ExtractCommitments
        | Capability::DecideResponse
        | Capability::ManageStatutory => {
            matches!(role, Admin | Secretariat)
        }
        Capability::RecordProgress | Capability::RecordPccResponse => matches!(role, Admin | Secretariat | Opcc),
        Capability::ManageUsers | Capability::ManageWebhooks => role == Admin,
    }
}

/// Capabilities that only a person may exercise, whatever the role: a
/// service credential is a long-lived token kept on another system, and one
/// that could manage users could deactivate every admin and then revoke
/// itself. (Service credentials also cannot be issued with the admin role.)
pub fn people_only(capability: Capability) -> bool {
    capability == Capability::ManageUsers
}

/// Every API operation (by OpenAPI operationId) and what it needs; `None`
/// marks the public ones. The role-walk test fails for an operation missing here.
pub const OPERATIONS: &[(&str, Option<Capability>)] = &[
    ("healthz", None),
    ("readyz", None),
    ("create_token", None),
    ("get_me", Some(Capability::SignedIn)),
    ("change_my_password", Some(Capability::SignedIn)),
    ("update_me", Some(Capability::SignedIn)),
    ("list_users", Some(Capability::ManageUsers)),
    ("create_user", Some(Capability::ManageUsers)),
    ("get_user", Some(Capability::ManageUsers)),
    ("update_user", Some(Capability::ManageUsers)),
    ("reset_user_password", Some(Capability::ManageUsers)),
    ("list_service_credentials", Some(Capability::ManageUsers)),
    ("create_service_credential", Some(Capability::ManageUsers)),
    ("revoke_service_credential", Some(Capability::ManageUsers)),
    ("list_sso_blocks", Some(Capability::ManageUsers)),
    ("create_sso_block", Some(Capability::ManageUsers)),
    ("delete_sso_block", Some(Capability::ManageUsers)),
    ("list_committees", Some(Capability::Read)),
    ("create_committee", Some(Capability::ManageMeetings)),
    ("get_committee", Some(Capability::Read)),
    ("update_committee", Some(Capability::ManageMeetings)),
    ("list_meetings", Some(Capability::Read)),
    ("create_meeting", Some(Capability::ManageMeetings)),
    ("get_meeting", Some(Capability::Read)),
    ("update_meeting", Some(Capability::ManageMeetings)),
    ("list_agenda_items", Some(Capability::Read)),
    ("create_agenda_item", Some(Capability::ManageMeetings)),
    ("get_agenda_item", Some(Capability::Read)),
    ("update_agenda_item", Some(Capability::ManageMeetings)),
    ("list_actions", Some(Capability::Read)),
    ("create_action", Some(Capability::ManageActions)),
    ("get_action", Some(Capability::Read)),
    ("update_action", Some(Capability::ManageActions)),
    ("start_action", Some(Capability::RecordProgress)),
    ("submit_action_response", Some(Capability::RecordProgress)),
    ("accept_action_response", Some(Capability::DecideResponse)),
    ("return_action_response", Some(Capability::DecideResponse)),
    ("reopen_action", Some(Capability::ManageActions)),
    ("withdraw_action", Some(Capability::ManageActions)),
    ("carry_action_forward", Some(Capability::ManageActions)),
    ("list_action_events", Some(Capability::Read)),
    ("verify_action_events", Some(Capability::Read)),
    ("get_action_log", Some(Capability::Read)),
    ("carry_meeting_actions_forward", Some(Capability::ManageActions)),
    ("get_committee_stats", Some(Capability::Read)),
    ("extract_commitments", Some(Capability::ExtractCommitments)),
    ("accept_commitments", Some(Capability::ExtractCommitments)),
    // Published committees, read by anyone (what is public is decided by the
    // data and the public types: see `ops::public` and `api::public`).
    ("list_public_committees", None),
    ("get_public_committee", None),
    ("get_public_meeting", None),
    ("list_changes", Some(Capability::Read)),
    ("list_webhooks", Some(Capability::ManageWebhooks)),
    ("create_webhook", Some(Capability::ManageWebhooks)),
    ("get_webhook", Some(Capability::ManageWebhooks)),
    ("update_webhook", Some(Capability::ManageWebhooks)),
    ("delete_webhook", Some(Capability::ManageWebhooks)),
    ("rotate_webhook_secret", Some(Capability::ManageWebhooks)),
    ("list_webhook_deliveries", Some(Capability::ManageWebhooks)),
    ("redeliver_webhook_delivery", Some(Capability::ManageWebhooks)),
    ("list_public_actions", None),
    ("get_public_action", None),
    ("download_public_actions_json", None),
    ("download_public_actions_csv", None),
    ("get_public_feed", None),
    ("list_public_reports", None),
    ("list_statutory_processes", Some(Capability::Read)),
    ("create_statutory_process", Some(Capability::ManageStatutory)),
    ("get_statutory_process", Some(Capability::Read)),
    // The lesser of the two: the step decides (see `for_statutory_step`).
    ("record_statutory_step", Some(Capability::RecordPccResponse)),
    ("set_statutory_step_due_date", Some(Capability::ManageStatutory)),
    ("list_statutory_process_events", Some(Capability::Read)),
    ("list_panel_reports", Some(Capability::Read)),
    ("create_panel_report", Some(Capability::ManageStatutory)),
    ("get_panel_report", Some(Capability::Read)),
    ("publish_panel_report_response", Some(Capability::RecordPccResponse)),
    ("list_panel_report_events", Some(Capability::Read)),
    ("list_recommendations", Some(Capability::Read)),
    ("get_recommendation", Some(Capability::Read)),
    ("respond_to_recommendation", Some(Capability::RecordPccResponse)),
    ("list_recommendation_events", Some(Capability::Read)),
    ("get_calendar", Some(Capability::Read)),
    ("reset_calendar_token", Some(Capability::SignedIn)),
    // Calendar programs cannot send a bearer token: the feed's address holds
    // a secret of the person's own (see `ops::calendar`), checked by the handler.
    ("get_committee_calendar_feed", None),
];

/// What recording a statutory step needs: the panel's own steps are the
/// secretariat's to record; what the PCC owes, the OPCC's too.
pub fn for_statutory_step(owed_by: crate::domain::statutory::Party) -> Capability {
    match owed_by {
        crate::domain::statutory::Party::Panel => Capability::ManageStatutory,
        crate::domain::statutory::Party::Pcc => Capability::RecordPccResponse,
    }
}

/// What each lifecycle transition needs: the OPCC records progress and
/// responds; the secretariat decides on responses and reopens or withdraws.
pub fn for_transition(transition: Transition) -> Capability {
    match transition {
        Transition::Start | Transition::SubmitResponse => Capability::RecordProgress,
        Transition::Accept | Transition::Return => Capability::DecideResponse,
        Transition::Reopen | Transition::Withdraw => Capability::ManageActions,
    }
}

/// What an operation needs, from [`OPERATIONS`].
pub fn for_operation(operation_id: &str) -> Option<Option<Capability>> {
    OPERATIONS.iter().find(|(id, _)| *id == operation_id).map(|(_, c)| *c)
}

/// A capability as a type, for the `Caller<R>` extractor.
pub trait Requirement {
    const CAPABILITY: Capability;
}

macro_rules! requirements {
    ($($(#[$doc:meta])* $name:ident => $capability:ident,)*) => {$(
        $(#[$doc])*
        pub struct $name;
        impl Requirement for $name {
            const CAPABILITY: Capability = Capability::$capability;
        }
    )*};
}

requirements! {
    /// Any valid credentials.
    SignedIn => SignedIn,
    /// Read the panel's records.
    Read => Read,
    /// Create and edit committees, meetings, agenda items.
    ManageMeetings => ManageMeetings,
    /// Create, edit, carry forward, reopen, withdraw actions.
    ManageActions => ManageActions,
    /// Extract commitments from minutes and accept them.
    ExtractCommitments => ExtractCommitments,
    /// Record progress and submit responses.
    RecordProgress => RecordProgress,
    /// Accept or return responses.
    DecideResponse => DecideResponse,
    /// Manage users and service credentials.
    ManageUsers => ManageUsers,
    /// Manage webhooks.
    ManageWebhooks => ManageWebhooks,
    /// Record the panel's statutory work.
    ManageStatutory => ManageStatutory,
    /// Record the PCC's statutory steps and responses.
    RecordPccResponse => RecordPccResponse,
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;

    #[test]
    fn the_role_table_of_the_design() {
        let table = [
            (Capability::Read, [true, true, true, true, true]),
            (Capability::ManageMeetings, [true, true, false, false, false]),
            (Capability::ManageActions, [true, true, false, false, false]),
            (Capability::RecordProgress, [true, true, true, false, false]),
            (Capability::ExtractCommitments, [true, true, false, false, false]),
            (Capability::DecideResponse, [true, true, false, false, false]),
            (Capability::ManageUsers, [true, false, false, false, false]),
            (Capability::ManageWebhooks, [true, false, false, false, false]),
            (Capability::ManageStatutory, [true, true, false, false, false]),
            (Capability::RecordPccResponse, [true, true, true, false, false]),
            (Capability::SignedIn, [true, true, true, true, true]),
        ];
        for (capability, expected) in table {
            for (role, allowed) in [Admin, Secretariat, Opcc, Member, Reader].into_iter().zip(expected) {
                assert_eq!(allows(capability, role), allowed, "{capability:?} for {role}");
            }
        }
    }

    #[test]
    fn owners_are_the_roles_that_respond() {
        for role in Role::ALL {
            assert_eq!(role.can_own_actions(), allows(Capability::RecordProgress, role), "{role}");
        }
    }

    #[test]
    fn only_people_manage_users() {
        assert!(people_only(Capability::ManageUsers));
        assert!(!people_only(Capability::ManageActions) && !people_only(Capability::Read));
    }

    #[test]
    fn operations_are_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for (id, _) in OPERATIONS {
            assert!(seen.insert(id), "{id} twice");
        }
        assert_eq!(for_operation("create_action"), Some(Some(Capability::ManageActions)));
        assert_eq!(for_operation("healthz"), Some(None));
        assert_eq!(for_operation("nope"), None);
    }

    #[test]
    fn each_transition_needs_what_its_operation_needs() {
        let operations = [
            (Transition::Start, "start_action"),
            (Transition::SubmitResponse, "submit_action_response"),
            (Transition::Accept, "accept_action_response"),
            (Transition::Return, "return_action_response"),
            (Transition::Reopen, "reopen_action"),
            (Transition::Withdraw, "withdraw_action"),
        ];
        for (transition, operation) in operations {
            assert_eq!(for_operation(operation), Some(Some(for_transition(transition))), "{operation}");
        }
    }

    #[test]
    fn roles_parse() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert!("root".parse::<Role>().is_err());
    }
}

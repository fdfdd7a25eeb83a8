use panel_tracker::api::actions::Action;
use panel_tracker::domain::{ActionStatus, Transition};
use serde_json::json;

use crate::helpers::TestApp;

async fn the_two_step_closure_with_a_return(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("KMPCP").await;
    let id = clerk.create_action(panel.meetings[0], "Provide further information").await.id;

    let started = clerk.transition(id, "start", "\"1\"", json!({})).await.expect(200);
    assert_eq!(started.json::<Action>().status, ActionStatus::InProgress);
    assert_eq!(started.etag(), "\"2\"");

    let missing = clerk.transition(id, "submit-response", "\"2\"", json!({})).await.expect_problem(422);
    assert_eq!(missing.problem().errors.unwrap()[0].field, "response");
    let submitted: Action = clerk
        .transition(id, "submit-response", "\"2\"", json!({"response": "Attached as a spreadsheet"}))
        .await
        .expect(200)
        .json();
    assert_eq!(submitted.status, ActionStatus::ResponseSubmitted);
    assert_eq!(submitted.response.as_deref(), Some("Attached as a spreadsheet"));
    assert!(!submitted.overdue, "a submitted response is not overdue");

    clerk.transition(id, "return", "\"3\"", json!({})).await.expect_problem(422);
    let returned: Action = clerk
        .transition(id, "return", "\"3\"", json!({"reason": "Not in the required format"}))
        .await
        .expect(200)
        .json();
    assert_eq!(returned.status, ActionStatus::InProgress);
    assert_eq!(returned.status_reason.as_deref(), Some("Not in the required format"));

    clerk.transition(id, "submit-response", "\"4\"", json!({"response": "Figures by district"})).await.expect(200);
    let accepted: Action = clerk.transition(id, "accept", "\"5\"", json!({})).await.expect(200).json();
    assert_eq!(accepted.status, ActionStatus::Completed);
    assert!(accepted.completed_at.is_some());
    assert_eq!(accepted.allowed_transitions, [Transition::Reopen]);

    clerk.transition(id, "reopen", "\"6\"", json!({})).await.expect_problem(422);
    let reopened: Action =
        clerk.transition(id, "reopen", "\"6\"", json!({"reason": "The figures were wrong"})).await.expect(200).json();
    assert_eq!(reopened.status, ActionStatus::Open);
    assert!(reopened.completed_at.is_none());
    let withdrawn: Action =
        clerk.transition(id, "withdraw", "\"7\"", json!({"reason": "Superseded"})).await.expect(200).json();
    assert_eq!(withdrawn.status, ActionStatus::Withdrawn);

    let events = clerk.events(id).await;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["created", "start", "submit_response", "return", "submit_response", "accept", "reopen", "withdraw"]
    );
    assert_eq!(events[3].reason.as_deref(), Some("Not in the required format"));
    assert_eq!(events[3].changes["status"], json!({"from": "response_submitted", "to": "in_progress"}));
}

async fn illegal_transitions_are_409_naming_the_allowed_ones(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("KMPCP").await;
    let id = clerk.create_action(panel.meetings[0], "Check the figures").await.id;
    let refused = clerk.transition(id, "accept", "\"1\"", json!({})).await.expect_problem(409).problem();
    assert_eq!(refused.current_status.as_deref(), Some("open"));
    assert_eq!(refused.allowed_transitions.unwrap(), ["start", "submit_response", "withdraw"]);
    clerk.transition(id, "return", "\"1\"", json!({"reason": "x"})).await.expect_problem(409);
    clerk.transition(id, "reopen", "\"1\"", json!({"reason": "x"})).await.expect_problem(409);
    clerk.transition(id, "start", "\"1\"", json!({"reason": "not accepted here"})).await.expect_problem(422);
    clerk.transition(id, "start", "\"1\"", json!({"response": "not accepted here"})).await.expect_problem(422);
    // A transition body may be left out where nothing is needed.
    let started = clerk.send("POST", &format!("/api/v1/actions/{id}/start"), &[("if-match", "\"1\"")], None).await;
    assert_eq!(started.expect(200).json::<Action>().status, ActionStatus::InProgress);
    clerk.transition(id, "start", "\"2\"", json!({})).await.expect_problem(409);
    clerk.transition(id, "withdraw", "\"2\"", json!({"reason": "No longer feasible"})).await.expect(200);
    let refused = clerk.transition(id, "withdraw", "\"3\"", json!({"reason": "again"})).await.expect_problem(409);
    assert_eq!(refused.problem().allowed_transitions.unwrap(), ["reopen"]);
    let unchanged = clerk.get_action(id).await;
    assert_eq!(unchanged.version, 3, "refused transitions change nothing");
    clerk.transition(999999, "start", "\"1\"", json!({})).await.expect_problem(404);
}

async fn carry_forward_moves_the_due_meeting_and_counts(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("KMPCP").await;
    let [feb, apr, jun, sep] = panel.meetings[..] else { unreachable!() };
    let id = clerk.create_action(feb, "Publish the data in due course").await.id;

    let once: Action =
        clerk.transition(id, "carry-forward", "\"1\"", json!({"reason": "Data not ready"})).await.expect(200).json();
    assert_eq!(once.due_meeting_id, Some(jun));
    assert_eq!(once.times_carried_forward, 1);
    assert!(!once.overdue);
    let twice: Action = clerk.transition(id, "carry-forward", "\"2\"", json!({})).await.expect(200).json();
    assert_eq!(twice.due_meeting_id, Some(sep));
    assert_eq!(twice.times_carried_forward, 2);
    let none_left = clerk.transition(id, "carry-forward", "\"3\"", json!({})).await.expect_problem(409);
    assert_eq!(none_left.problem().errors.unwrap()[0].field, "to_meeting_id");
    clerk.transition(id, "carry-forward", "\"3\"", json!({"to_meeting_id": apr})).await.expect_problem(409);

    let other = clerk.create_action(feb, "Another").await.id;
    let named: Action =
        clerk.transition(other, "carry-forward", "\"1\"", json!({"to_meeting_id": sep})).await.expect(200).json();
    assert_eq!(named.due_meeting_id, Some(sep));
    clerk.transition(other, "withdraw", "\"2\"", json!({"reason": "Superseded"})).await.expect(200);
    clerk.transition(other, "carry-forward", "\"3\"", json!({})).await.expect_problem(409);

    let events = clerk.events(id).await;
    let carried = &events[1];
    assert_eq!(carried.kind, "carried_forward");
    assert_eq!(carried.reason.as_deref(), Some("Data not ready"));
    assert_eq!(carried.changes["due_meeting_id"], json!({"from": apr, "to": jun}));
}

crate::on_both_backends!(
    the_two_step_closure_with_a_return,
    illegal_transitions_are_409_naming_the_allowed_ones,
    carry_forward_moves_the_due_meeting_and_counts,
);

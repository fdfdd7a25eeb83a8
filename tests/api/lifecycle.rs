use serde_json::json;

use crate::helpers::TestApp;

async fn the_two_step_closure_with_a_return(app: TestApp) {
    let panel = app.panel("KMPCP").await;
    let id = app.action(panel.meetings[0], "Provide further information").await.id();

    let started = app.act(id, "start", "\"1\"", json!({})).await.expect(200);
    assert_eq!(started.body["status"], "in_progress");
    assert_eq!(started.etag(), "\"2\"");

    let missing = app.act(id, "submit-response", "\"2\"", json!({})).await.expect_problem(422);
    assert_eq!(missing.body["errors"][0]["field"], "response");
    let submitted =
        app.act(id, "submit-response", "\"2\"", json!({"response": "Attached as a spreadsheet"})).await.expect(200);
    assert_eq!(submitted.body["status"], "response_submitted");
    assert_eq!(submitted.body["response"], "Attached as a spreadsheet");
    assert_eq!(submitted.body["overdue"], false, "a submitted response is not overdue");

    app.act(id, "return", "\"3\"", json!({})).await.expect_problem(422);
    let returned = app.act(id, "return", "\"3\"", json!({"reason": "Not in the required format"})).await.expect(200);
    assert_eq!(returned.body["status"], "in_progress");
    assert_eq!(returned.body["status_reason"], "Not in the required format");

    app.act(id, "submit-response", "\"4\"", json!({"response": "Figures by district"})).await.expect(200);
    let accepted = app.act(id, "accept", "\"5\"", json!({})).await.expect(200);
    assert_eq!(accepted.body["status"], "completed");
    assert!(accepted.body["completed_at"].is_string());
    assert_eq!(accepted.body["allowed_transitions"], json!(["reopen"]));

    app.act(id, "reopen", "\"6\"", json!({})).await.expect_problem(422);
    let reopened = app.act(id, "reopen", "\"6\"", json!({"reason": "The figures were wrong"})).await.expect(200);
    assert_eq!(reopened.body["status"], "open");
    assert!(reopened.body["completed_at"].is_null());
    let withdrawn = app.act(id, "withdraw", "\"7\"", json!({"reason": "Superseded"})).await.expect(200);
    assert_eq!(withdrawn.body["status"], "withdrawn");

    let events = app.get(&format!("/api/v1/actions/{id}/events")).await.expect(200);
    let kinds: Vec<&str> =
        events.body["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["created", "start", "submit_response", "return", "submit_response", "accept", "reopen", "withdraw"]
    );
    assert_eq!(events.body["items"][3]["reason"], "Not in the required format");
    assert_eq!(
        events.body["items"][3]["changes"]["status"],
        json!({"from": "response_submitted", "to": "in_progress"})
    );
}

async fn illegal_transitions_are_409_naming_the_allowed_ones(app: TestApp) {
    let panel = app.panel("KMPCP").await;
    let id = app.action(panel.meetings[0], "Check the figures").await.id();
    let refused = app.act(id, "accept", "\"1\"", json!({})).await.expect_problem(409);
    assert_eq!(refused.body["current_status"], "open");
    assert_eq!(refused.body["allowed_transitions"], json!(["start", "submit_response", "withdraw"]));
    app.act(id, "return", "\"1\"", json!({"reason": "x"})).await.expect_problem(409);
    app.act(id, "reopen", "\"1\"", json!({"reason": "x"})).await.expect_problem(409);
    app.act(id, "start", "\"1\"", json!({"reason": "not accepted here"})).await.expect_problem(422);
    app.act(id, "start", "\"1\"", json!({"response": "not accepted here"})).await.expect_problem(422);
    // A transition body may be left out where nothing is needed.
    let started = app.request("POST", &format!("/api/v1/actions/{id}/start"), &[("if-match", "\"1\"")], None).await;
    assert_eq!(started.expect(200).body["status"], "in_progress");
    app.act(id, "start", "\"2\"", json!({})).await.expect_problem(409);
    app.act(id, "withdraw", "\"2\"", json!({"reason": "No longer feasible"})).await.expect(200);
    let refused = app.act(id, "withdraw", "\"3\"", json!({"reason": "again"})).await.expect_problem(409);
    assert_eq!(refused.body["allowed_transitions"], json!(["reopen"]));
    let unchanged = app.get(&format!("/api/v1/actions/{id}")).await.expect(200);
    assert_eq!(unchanged.body["version"], 3, "refused transitions change nothing");
    app.act(999999, "start", "\"1\"", json!({})).await.expect_problem(404);
}

async fn carry_forward_moves_the_due_meeting_and_counts(app: TestApp) {
    let panel = app.panel("KMPCP").await;
    let [feb, apr, jun, sep] = panel.meetings[..] else { unreachable!() };
    let id = app.action(feb, "Publish the data in due course").await.id();

    let once = app.act(id, "carry-forward", "\"1\"", json!({"reason": "Data not ready"})).await.expect(200);
    assert_eq!(once.body["due_meeting_id"], jun);
    assert_eq!(once.body["times_carried_forward"], 1);
    assert_eq!(once.body["overdue"], false);
    let twice = app.act(id, "carry-forward", "\"2\"", json!({})).await.expect(200);
    assert_eq!(twice.body["due_meeting_id"], sep);
    assert_eq!(twice.body["times_carried_forward"], 2);
    let none_left = app.act(id, "carry-forward", "\"3\"", json!({})).await.expect_problem(409);
    assert_eq!(none_left.body["errors"][0]["field"], "to_meeting_id");
    app.act(id, "carry-forward", "\"3\"", json!({"to_meeting_id": apr})).await.expect_problem(409);

    let other = app.action(feb, "Another").await.id();
    let named = app.act(other, "carry-forward", "\"1\"", json!({"to_meeting_id": sep})).await.expect(200);
    assert_eq!(named.body["due_meeting_id"], sep);
    app.act(other, "withdraw", "\"2\"", json!({"reason": "Superseded"})).await.expect(200);
    app.act(other, "carry-forward", "\"3\"", json!({})).await.expect_problem(409);

    let events = app.get(&format!("/api/v1/actions/{id}/events")).await.expect(200);
    let carried = &events.body["items"][1];
    assert_eq!(carried["kind"], "carried_forward");
    assert_eq!(carried["reason"], "Data not ready");
    assert_eq!(carried["changes"]["due_meeting_id"], json!({"from": apr, "to": jun}));
}

crate::on_both_backends!(
    the_two_step_closure_with_a_return,
    illegal_transitions_are_409_naming_the_allowed_ones,
    carry_forward_moves_the_due_meeting_and_counts,
);

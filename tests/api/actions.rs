use serde_json::{json, Value};

use crate::helpers::TestApp;

async fn an_action_gets_a_reference_and_the_next_meeting_by_default(app: TestApp) {
    let panel = app.panel("KMPCP").await;
    let [feb, apr, jun, _sep] = panel.meetings[..] else { unreachable!() };
    let item = app
        .post(&format!("/api/v1/meetings/{feb}/agenda-items"), json!({"number": "5", "title": "Expenditure update"}))
        .await
        .expect(201)
        .id();
    let created = app
        .post(
            "/api/v1/actions",
            json!({
                "raised_at_meeting_id": feb,
                "agenda_item_id": item,
                "minute_paragraph": "7",
                "committed_by": "Commissioner",
                "owed_to": "Mr Smith, Member",
                "source_sentence": "The Commissioner would report back to the Member on which school in Folkestone would be involved.",
                "description": "Report back on which school in Folkestone will be involved",
                "kind": "report_back",
                "owner": "Head of Partnerships, OPCC"
            }),
        )
        .await
        .expect(201);
    let a = &created.body;
    assert_eq!(a["reference"], "KMPCP/2018/001");
    assert_eq!(a["committee_id"], panel.committee);
    assert_eq!(a["due_meeting_id"], apr, "due at the committee's next meeting");
    assert_eq!(a["status"], "open");
    assert_eq!(a["overdue"], true, "April 2018 has passed and nothing was done");
    assert_eq!(a["allowed_transitions"], json!(["start", "submit_response", "withdraw"]));
    assert_eq!(a["times_carried_forward"], 0);
    assert_eq!(created.header("location"), Some(format!("/api/v1/actions/{}", created.id())));

    let second = app.action(feb, "Check whether that was the case").await;
    assert_eq!(second.body["reference"], "KMPCP/2018/002");
    assert_eq!(second.body["kind"], "other");
    let future = app.action(jun, "Provide the figures").await;
    assert_eq!(future.body["reference"], "KMPCP/2099/001", "numbered per year of the meeting");
    assert_eq!(future.body["overdue"], false);

    // A cancelled meeting is skipped when choosing the next one.
    let sep = panel.meetings[3];
    let jun_meeting = app.get(&format!("/api/v1/meetings/{jun}")).await;
    app.patch(&format!("/api/v1/meetings/{jun}"), &jun_meeting.etag(), json!({"status": "cancelled"}))
        .await
        .expect(200);
    let after_cancel = app.action(apr, "Something owed").await;
    assert_eq!(after_cancel.body["due_meeting_id"], sep);

    let got = app.get(&format!("/api/v1/actions/{}", created.id())).await.expect(200);
    assert_eq!(got.etag(), "\"1\"");
    assert_eq!(got.body["source_sentence"], a["source_sentence"]);
}

async fn links_to_other_meetings_and_committees_are_refused(app: TestApp) {
    let kent = app.panel("KMPCP").await;
    let other = app.panel("SYPCP").await;
    let [feb, apr, ..] = kent.meetings[..] else { unreachable!() };
    let apr_item = app
        .post(&format!("/api/v1/meetings/{apr}/agenda-items"), json!({"number": "1", "title": "Minutes"}))
        .await
        .expect(201)
        .id();
    let cases = [
        // A record that does not exist is 404; one that exists but cannot be used here, 409.
        (json!({"raised_at_meeting_id": 999999, "description": "x"}), "raised_at_meeting_id", 404),
        (json!({"raised_at_meeting_id": feb, "description": "x", "agenda_item_id": apr_item}), "agenda_item_id", 409),
        (
            json!({"raised_at_meeting_id": feb, "description": "x", "due_meeting_id": other.meetings[2]}),
            "due_meeting_id",
            409,
        ),
        (json!({"raised_at_meeting_id": apr, "description": "x", "due_meeting_id": feb}), "due_meeting_id", 409),
        (json!({"raised_at_meeting_id": feb, "description": "x", "kind": "promise"}), "kind", 422),
        (json!({"raised_at_meeting_id": feb, "description": "x", "due_date": "2018-02-30"}), "due_date", 422),
        (json!({"raised_at_meeting_id": feb, "description": "x", "due_date": "-5000-01-01"}), "due_date", 422),
        (json!({"raised_at_meeting_id": feb, "description": "x", "due_date": "+10000-01-01"}), "due_date", 422),
        (json!({"raised_at_meeting_id": feb, "description": "x".repeat(10_001)}), "description", 422),
        (json!({"raised_at_meeting_id": feb, "description": "x", "owner": "a\u{0007}b"}), "owner", 422),
    ];
    for (body, field, status) in cases {
        let problem = app.post("/api/v1/actions", body.clone()).await.expect_problem(status);
        assert_eq!(problem.body["errors"][0]["field"], field, "{body}");
    }
    let list = app.get("/api/v1/actions").await.expect(200);
    assert!(list.body["items"].as_array().unwrap().is_empty(), "nothing was half-written");
}

async fn edits_are_recorded_field_by_field(app: TestApp) {
    let panel = app.panel("KMPCP").await;
    let action = app.action(panel.meetings[0], "Look into the figures").await;
    let id = action.id();
    let edited = app
        .patch(
            &format!("/api/v1/actions/{id}"),
            "\"1\"",
            json!({"owner": "Chief Finance Officer", "kind": "look_into"}),
        )
        .await
        .expect(200);
    assert_eq!(edited.body["owner"], "Chief Finance Officer");
    assert_eq!(edited.body["version"], 2);
    let events = app.get(&format!("/api/v1/actions/{id}/events")).await.expect(200);
    let last = &events.body["items"][1];
    assert_eq!(last["kind"], "updated");
    assert_eq!(last["actor"], "clerk", "the signed-in user");
    assert_eq!(last["changes"]["owner"], json!({"from": null, "to": "Chief Finance Officer"}));
    assert_eq!(last["changes"]["kind"], json!({"from": "other", "to": "look_into"}));
    assert!(last["changes"].get("description").is_none());

    let unassigned = app.patch(&format!("/api/v1/actions/{id}"), "\"2\"", json!({"owner": null})).await.expect(200);
    assert!(unassigned.body["owner"].is_null());
    app.patch(&format!("/api/v1/actions/{id}"), "\"3\"", json!({"status": "completed"})).await.expect_problem(422);
    app.patch(&format!("/api/v1/actions/{id}"), "\"3\"", json!({"description": "  "})).await.expect_problem(422);
    app.patch("/api/v1/actions/999999", "\"1\"", json!({"owner": "x"})).await.expect_problem(404);
}

async fn lists_filter_by_every_field(app: TestApp) {
    let kent = app.panel("KMPCP").await;
    let other = app.panel("SYPCP").await;
    let [feb, apr, jun, sep] = kent.meetings[..] else { unreachable!() };
    let overdue = app.action(feb, "Overdue: due in April 2018").await.id();
    let future = app.action(jun, "Due in September 2099").await.id();
    let owned = app
        .post(
            "/api/v1/actions",
            json!({"raised_at_meeting_id": apr, "description": "Owned", "owner": "OPCC Chief Executive"}),
        )
        .await
        .expect(201)
        .id();
    let dated = app
        .post(
            "/api/v1/actions",
            json!({"raised_at_meeting_id": jun, "description": "Due date passed", "due_date": "2020-01-01"}),
        )
        .await
        .expect(201)
        .id();
    let elsewhere = app.action(other.meetings[0], "Another panel's").await.id();
    let submitted = app.action(feb, "Submitted, so not overdue").await;
    app.act(submitted.id(), "submit-response", "\"1\"", json!({"response": "Done"})).await.expect(200);
    let undue = app.action(sep, "Raised at the last meeting, so due at none").await;
    assert_eq!(undue.body["due_meeting_id"], Value::Null);

    let ids = |path: String| {
        let app = &app;
        async move {
            let r = app.get(&path).await.expect(200);
            r.body["items"].as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()).collect::<Vec<_>>()
        }
    };
    let k = kent.committee;
    assert_eq!(ids(format!("/api/v1/actions?committee_id={k}&overdue=true")).await, [overdue, dated]);
    assert_eq!(
        ids(format!("/api/v1/actions?committee_id={k}&overdue=false")).await,
        [future, owned, submitted.id(), undue.id()]
    );
    assert_eq!(ids(format!("/api/v1/actions?raised_at_meeting_id={jun}")).await, [future, dated]);
    assert_eq!(ids(format!("/api/v1/actions?due_meeting_id={sep}")).await, [future, dated]);
    assert_eq!(ids("/api/v1/actions?owner=OPCC%20Chief%20Executive".into()).await, [owned]);
    assert_eq!(ids("/api/v1/actions?status=response_submitted".into()).await, [submitted.id()]);
    assert_eq!(
        ids(format!("/api/v1/actions?status=open,in_progress&committee_id={}", other.committee)).await,
        [elsewhere]
    );

    let since = submitted.body["created_at"].as_str().unwrap().to_string();
    let changed = ids(format!("/api/v1/actions?updated_since={}", since.replace('+', "%2B"))).await;
    assert!(changed.contains(&submitted.id()));
    assert!(!changed.contains(&overdue));

    app.get("/api/v1/actions?status=closed").await.expect_problem(400);
    app.get("/api/v1/actions?overdue=maybe").await.expect_problem(400);
    app.get("/api/v1/actions?updated_since=yesterday").await.expect_problem(400);
    app.get("/api/v1/actions?updated_since=-5000-01-01T00:00:00Z").await.expect_problem(400);
    app.get(&format!("/api/v1/committees/{k}/stats?from=-5000-01-01")).await.expect_problem(400);
    let far = json!({"committee_id": k, "title": "x", "starts_at": "+10000-01-01T00:00:00Z"});
    app.post("/api/v1/meetings", far).await.expect_problem(422);
    app.get("/api/v1/actions?colour=red").await.expect_problem(400);
}

crate::on_both_backends!(
    an_action_gets_a_reference_and_the_next_meeting_by_default,
    links_to_other_meetings_and_committees_are_refused,
    edits_are_recorded_field_by_field,
    lists_filter_by_every_field,
);

use panel_tracker::api::actions::Action;
use panel_tracker::domain::{ActionKind, ActionStatus, Transition};
use panel_tracker::http::pagination::Page;
use serde_json::json;

use crate::helpers::TestApp;

async fn an_action_gets_a_reference_and_the_next_meeting_by_default(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("KMPCP").await;
    let [feb, apr, jun, _sep] = panel.meetings[..] else { unreachable!() };
    let item = clerk
        .post(&format!("/api/v1/meetings/{feb}/agenda-items"), json!({"number": "5", "title": "Expenditure update"}))
        .await
        .expect(201)
        .id();
    let created = clerk
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
    let a: Action = created.json();
    assert_eq!(a.reference, "KMPCP/2018/001");
    assert_eq!(a.committee_id, panel.committee);
    assert_eq!(a.due_meeting_id, Some(apr), "due at the committee's next meeting");
    assert_eq!(a.status, ActionStatus::Open);
    assert!(a.overdue, "April 2018 has passed and nothing was done");
    assert_eq!(a.allowed_transitions, [Transition::Start, Transition::SubmitResponse, Transition::Withdraw]);
    assert_eq!(a.times_carried_forward, 0);
    assert_eq!(created.header("location"), Some(format!("/api/v1/actions/{}", a.id)));

    let second = clerk.create_action(feb, "Check whether that was the case").await;
    assert_eq!(second.reference, "KMPCP/2018/002");
    assert_eq!(second.kind, ActionKind::Other);
    let future = clerk.create_action(jun, "Provide the figures").await;
    assert_eq!(future.reference, "KMPCP/2099/001", "numbered per year of the meeting");
    assert!(!future.overdue);

    // A cancelled meeting is skipped when choosing the next one.
    let sep = panel.meetings[3];
    let jun_meeting = clerk.get(&format!("/api/v1/meetings/{jun}")).await;
    clerk
        .patch(&format!("/api/v1/meetings/{jun}"), &jun_meeting.etag(), json!({"status": "cancelled"}))
        .await
        .expect(200);
    let after_cancel = clerk.create_action(apr, "Something owed").await;
    assert_eq!(after_cancel.due_meeting_id, Some(sep));

    let got = clerk.get(&format!("/api/v1/actions/{}", a.id)).await.expect(200);
    assert_eq!(got.etag(), "\"1\"");
    assert_eq!(got.json::<Action>().source_sentence, a.source_sentence);
}

async fn links_to_other_meetings_and_committees_are_refused(app: TestApp) {
    let clerk = app.as_secretariat();
    let kent = clerk.panel("KMPCP").await;
    let other = clerk.panel("SYPCP").await;
    let [feb, apr, ..] = kent.meetings[..] else { unreachable!() };
    let apr_item = clerk
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
        let problem = clerk.post("/api/v1/actions", body.clone()).await.expect_problem(status).problem();
        assert_eq!(problem.errors.unwrap()[0].field, field, "{body}");
    }
    let list: Page<Action> = clerk.page("/api/v1/actions").await;
    assert!(list.items.is_empty(), "nothing was half-written");
}

async fn edits_are_recorded_field_by_field(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("KMPCP").await;
    let action = clerk.create_action(panel.meetings[0], "Look into the figures").await;
    let id = action.id;
    let edited = clerk
        .patch(
            &format!("/api/v1/actions/{id}"),
            "\"1\"",
            json!({"owner": "Chief Finance Officer", "kind": "look_into"}),
        )
        .await
        .expect(200)
        .json::<Action>();
    assert_eq!(edited.owner.as_deref(), Some("Chief Finance Officer"));
    assert_eq!(edited.version, 2);
    let events = clerk.events(id).await;
    let last = &events[1];
    assert_eq!(last.kind, "updated");
    assert_eq!(last.actor, "clerk", "the signed-in user");
    assert_eq!(last.changes["owner"], json!({"from": null, "to": "Chief Finance Officer"}));
    assert_eq!(last.changes["kind"], json!({"from": "other", "to": "look_into"}));
    assert!(last.changes.get("description").is_none());

    let unassigned = clerk.patch(&format!("/api/v1/actions/{id}"), "\"2\"", json!({"owner": null})).await.expect(200);
    assert!(unassigned.json::<Action>().owner.is_none());
    clerk.patch(&format!("/api/v1/actions/{id}"), "\"3\"", json!({"status": "completed"})).await.expect_problem(422);
    clerk.patch(&format!("/api/v1/actions/{id}"), "\"3\"", json!({"description": "  "})).await.expect_problem(422);
    clerk.patch("/api/v1/actions/999999", "\"1\"", json!({"owner": "x"})).await.expect_problem(404);
}

async fn lists_filter_by_every_field(app: TestApp) {
    let clerk = app.as_secretariat();
    let kent = clerk.panel("KMPCP").await;
    let other = clerk.panel("SYPCP").await;
    let [feb, apr, jun, sep] = kent.meetings[..] else { unreachable!() };
    let overdue = clerk.create_action(feb, "Overdue: due in April 2018").await.id;
    let future = clerk.create_action(jun, "Due in September 2099").await.id;
    let owned = clerk
        .post(
            "/api/v1/actions",
            json!({"raised_at_meeting_id": apr, "description": "Owned", "owner": "OPCC Chief Executive"}),
        )
        .await
        .expect(201)
        .id();
    let dated = clerk
        .post(
            "/api/v1/actions",
            json!({"raised_at_meeting_id": jun, "description": "Due date passed", "due_date": "2020-01-01"}),
        )
        .await
        .expect(201)
        .id();
    let elsewhere = clerk.create_action(other.meetings[0], "Another panel's").await.id;
    let submitted = clerk.create_action(feb, "Submitted, so not overdue").await;
    clerk.transition(submitted.id, "submit-response", "\"1\"", json!({"response": "Done"})).await.expect(200);
    let undue = clerk.create_action(sep, "Raised at the last meeting, so due at none").await;
    assert_eq!(undue.due_meeting_id, None);

    let ids = |path: String| {
        let clerk = &clerk;
        async move { clerk.page::<Action>(&path).await.items.into_iter().map(|a| a.id).collect::<Vec<_>>() }
    };
    let k = kent.committee;
    assert_eq!(ids(format!("/api/v1/actions?committee_id={k}&overdue=true")).await, [overdue, dated]);
    assert_eq!(
        ids(format!("/api/v1/actions?committee_id={k}&overdue=false")).await,
        [future, owned, submitted.id, undue.id]
    );
    assert_eq!(ids(format!("/api/v1/actions?raised_at_meeting_id={jun}")).await, [future, dated]);
    assert_eq!(ids(format!("/api/v1/actions?due_meeting_id={sep}")).await, [future, dated]);
    assert_eq!(ids("/api/v1/actions?owner=OPCC%20Chief%20Executive".into()).await, [owned]);
    assert_eq!(ids("/api/v1/actions?status=response_submitted".into()).await, [submitted.id]);
    assert_eq!(
        ids(format!("/api/v1/actions?status=open,in_progress&committee_id={}", other.committee)).await,
        [elsewhere]
    );

    let since = submitted.created_at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    let changed = ids(format!("/api/v1/actions?updated_since={}", since.replace('+', "%2B"))).await;
    assert!(changed.contains(&submitted.id));
    assert!(!changed.contains(&overdue));

    clerk.get("/api/v1/actions?status=closed").await.expect_problem(400);
    clerk.get("/api/v1/actions?overdue=maybe").await.expect_problem(400);
    clerk.get("/api/v1/actions?updated_since=yesterday").await.expect_problem(400);
    clerk.get("/api/v1/actions?updated_since=-5000-01-01T00:00:00Z").await.expect_problem(400);
    clerk.get(&format!("/api/v1/committees/{k}/stats?from=-5000-01-01")).await.expect_problem(400);
    let far = json!({"committee_id": k, "title": "x", "starts_at": "+10000-01-01T00:00:00Z"});
    clerk.post("/api/v1/meetings", far).await.expect_problem(422);
    clerk.get("/api/v1/actions?colour=red").await.expect_problem(400);
}

crate::on_both_backends!(
    an_action_gets_a_reference_and_the_next_meeting_by_default,
    links_to_other_meetings_and_committees_are_refused,
    edits_are_recorded_field_by_field,
    lists_filter_by_every_field,
);

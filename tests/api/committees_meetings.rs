use panel_tracker::api::agenda_items::AgendaItem;
use panel_tracker::api::committees::Committee;
use panel_tracker::api::meetings::Meeting;
use panel_tracker::domain::MeetingStatus;
use panel_tracker::http::pagination::Page;
use serde_json::json;

use crate::helpers::TestApp;

async fn committees_are_created_read_listed_and_edited(app: TestApp) {
    let clerk = app.as_secretariat();
    let created = clerk
        .post("/api/v1/committees", json!({"code": "KMPCP", "name": "Kent and Medway Police and Crime Panel"}))
        .await
        .expect(201);
    let id = created.json::<Committee>().id;
    assert_eq!(created.header("location"), Some(format!("/api/v1/committees/{id}")));
    assert_eq!(created.etag(), "\"1\"");

    let got = clerk.get(&format!("/api/v1/committees/{id}")).await.expect(200);
    assert_eq!(got.json::<Committee>().code, "KMPCP");
    assert_eq!(got.etag(), "\"1\"");

    let edited = clerk
        .patch(&format!("/api/v1/committees/{id}"), "\"1\"", json!({"description": "Hosted by Kent County Council"}))
        .await
        .expect(200);
    let committee: Committee = edited.json();
    assert_eq!(committee.version, 2);
    assert_eq!(edited.etag(), "\"2\"");
    assert_eq!(committee.name, "Kent and Medway Police and Crime Panel");
    let cleared =
        clerk.patch(&format!("/api/v1/committees/{id}"), "\"2\"", json!({"description": null})).await.expect(200);
    assert!(cleared.json::<Committee>().description.is_none());

    clerk.post("/api/v1/committees", json!({"code": "KMPCP", "name": "Again"})).await.expect_problem(409);
    let invalid = clerk.post("/api/v1/committees", json!({"code": "km/pcp", "name": ""})).await.expect_problem(422);
    let fields: Vec<String> = invalid.problem().errors.unwrap().into_iter().map(|e| e.field).collect();
    assert_eq!(fields, ["code", "name"]);

    clerk.create_committee("SYPCP").await;
    let list: Page<Committee> = clerk.page("/api/v1/committees").await;
    assert_eq!(list.items.len(), 2);
    clerk.get("/api/v1/committees/999999").await.expect_problem(404);
}

async fn meetings_are_filtered_by_committee_and_dates(app: TestApp) {
    let clerk = app.as_secretariat();
    let kent = clerk.create_committee("KMPCP").await.id;
    let other = clerk.create_committee("SYPCP").await.id;
    let feb = clerk.create_meeting(kent, "2018-02-06T10:00:00Z").await.id;
    let apr = clerk.create_meeting(kent, "2018-04-10T10:00:00Z").await.id;
    let jan = clerk.create_meeting(kent, "2018-01-09T10:00:00Z").await.id;
    clerk.create_meeting(other, "2018-03-01T10:00:00Z").await;

    let ids = |page: Page<Meeting>| page.items.iter().map(|m| m.id).collect::<Vec<i64>>();
    let listed = clerk.page(&format!("/api/v1/meetings?committee_id={kent}")).await;
    assert_eq!(ids(listed), [jan, feb, apr], "in time order");

    let ranged = clerk.page(&format!("/api/v1/meetings?committee_id={kent}&from=2018-02-01&to=2018-02-06")).await;
    assert_eq!(ids(ranged), [feb], "both ends of the range are inclusive");

    let got = clerk.get(&format!("/api/v1/meetings/{feb}")).await.expect(200);
    let meeting: Meeting = got.json();
    assert_eq!(meeting.status, MeetingStatus::Scheduled);
    // The exact form of the timestamp on the wire.
    assert_eq!(got.body["starts_at"], "2018-02-06T10:00:00Z");
    let held =
        clerk.patch(&format!("/api/v1/meetings/{feb}"), &got.etag(), json!({"status": "held"})).await.expect(200);
    assert_eq!(held.json::<Meeting>().status, MeetingStatus::Held);
    let cancelled: Page<Meeting> = clerk.page("/api/v1/meetings?status=held").await;
    assert_eq!(cancelled.items.len(), 1);

    let bad = clerk
        .post("/api/v1/meetings", json!({"committee_id": 999999, "title": "x", "starts_at": "2018-01-01T10:00:00Z"}))
        .await
        .expect_problem(404);
    assert_eq!(bad.problem().errors.unwrap()[0].field, "committee_id");
    let bad_date = clerk
        .post("/api/v1/meetings", json!({"committee_id": kent, "title": "x", "starts_at": "6 February 2018"}))
        .await
        .expect_problem(422);
    assert_eq!(bad_date.problem().errors.unwrap()[0].field, "starts_at");
    clerk.get("/api/v1/meetings?from=2018-13-01").await.expect_problem(400);
}

async fn agenda_items_belong_to_a_meeting(app: TestApp) {
    let clerk = app.as_secretariat();
    let kent = clerk.create_committee("KMPCP").await.id;
    let meeting = clerk.create_meeting(kent, "2018-02-06T10:00:00Z").await.id;
    let path = format!("/api/v1/meetings/{meeting}/agenda-items");
    let item = clerk
        .post(&path, json!({"number": "5", "title": "Update on expenditure to support the Police and Crime Plan"}))
        .await
        .expect(201)
        .json::<AgendaItem>();
    clerk.post(&path, json!({"number": "6", "title": "Questions to the Commissioner"})).await.expect(201);
    clerk.post(&path, json!({"number": "5", "title": "Duplicate"})).await.expect_problem(409);
    clerk.post("/api/v1/meetings/999999/agenda-items", json!({"number": "1", "title": "x"})).await.expect_problem(404);

    let list: Page<AgendaItem> = clerk.page(&path).await;
    assert_eq!(list.items.len(), 2);
    let id = item.id;
    let got: AgendaItem = clerk.get(&format!("/api/v1/agenda-items/{id}")).await.expect(200).json();
    assert_eq!(got.meeting_id, meeting);
    let edited = clerk.patch(&format!("/api/v1/agenda-items/{id}"), "\"1\"", json!({"number": "5a"})).await.expect(200);
    assert_eq!(edited.json::<AgendaItem>().number, "5a");
    clerk.patch(&format!("/api/v1/agenda-items/{id}"), "\"1\"", json!({"number": "5b"})).await.expect_problem(412);
    clerk.patch(&format!("/api/v1/agenda-items/{id}"), "\"2\"", json!({"number": "6"})).await.expect_problem(409);
    clerk.get("/api/v1/meetings/999999/agenda-items").await.expect_problem(404);
}

crate::on_both_backends!(
    committees_are_created_read_listed_and_edited,
    meetings_are_filtered_by_committee_and_dates,
    agenda_items_belong_to_a_meeting,
);

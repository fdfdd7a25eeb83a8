use serde_json::json;

use crate::helpers::TestApp;

async fn committees_are_created_read_listed_and_edited(app: TestApp) {
    let created = app
        .post("/api/v1/committees", json!({"code": "KMPCP", "name": "Kent and Medway Police and Crime Panel"}))
        .await
        .expect(201);
    let id = created.id();
    assert_eq!(created.header("location"), Some(format!("/api/v1/committees/{id}")));
    assert_eq!(created.etag(), "\"1\"");

    let got = app.get(&format!("/api/v1/committees/{id}")).await.expect(200);
    assert_eq!(got.body["code"], "KMPCP");
    assert_eq!(got.etag(), "\"1\"");

    let edited = app
        .patch(&format!("/api/v1/committees/{id}"), "\"1\"", json!({"description": "Hosted by Kent County Council"}))
        .await
        .expect(200);
    assert_eq!(edited.body["version"], 2);
    assert_eq!(edited.etag(), "\"2\"");
    assert_eq!(edited.body["name"], "Kent and Medway Police and Crime Panel");
    let cleared =
        app.patch(&format!("/api/v1/committees/{id}"), "\"2\"", json!({"description": null})).await.expect(200);
    assert!(cleared.body["description"].is_null());

    app.post("/api/v1/committees", json!({"code": "KMPCP", "name": "Again"})).await.expect_problem(409);
    let invalid = app.post("/api/v1/committees", json!({"code": "km/pcp", "name": ""})).await.expect_problem(422);
    let fields: Vec<&str> =
        invalid.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["code", "name"]);

    app.committee("SYPCP").await;
    let list = app.get("/api/v1/committees").await.expect(200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 2);
    app.get("/api/v1/committees/999999").await.expect_problem(404);
}

async fn meetings_are_filtered_by_committee_and_dates(app: TestApp) {
    let kent = app.committee("KMPCP").await;
    let other = app.committee("SYPCP").await;
    let feb = app.meeting(kent, "2018-02-06T10:00:00Z").await;
    let apr = app.meeting(kent, "2018-04-10T10:00:00Z").await;
    let jan = app.meeting(kent, "2018-01-09T10:00:00Z").await;
    app.meeting(other, "2018-03-01T10:00:00Z").await;

    let listed = app.get(&format!("/api/v1/meetings?committee_id={kent}")).await.expect(200);
    let ids: Vec<i64> = listed.body["items"].as_array().unwrap().iter().map(|m| m["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [jan, feb, apr], "in time order");

    let ranged =
        app.get(&format!("/api/v1/meetings?committee_id={kent}&from=2018-02-01&to=2018-02-06")).await.expect(200);
    let ids: Vec<i64> = ranged.body["items"].as_array().unwrap().iter().map(|m| m["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [feb], "both ends of the range are inclusive");

    let got = app.get(&format!("/api/v1/meetings/{feb}")).await.expect(200);
    assert_eq!(got.body["status"], "scheduled");
    assert_eq!(got.body["starts_at"], "2018-02-06T10:00:00Z");
    let held = app.patch(&format!("/api/v1/meetings/{feb}"), &got.etag(), json!({"status": "held"})).await.expect(200);
    assert_eq!(held.body["status"], "held");
    let cancelled = app.get("/api/v1/meetings?status=held").await.expect(200);
    assert_eq!(cancelled.body["items"].as_array().unwrap().len(), 1);

    let bad = app
        .post("/api/v1/meetings", json!({"committee_id": 999999, "title": "x", "starts_at": "2018-01-01T10:00:00Z"}))
        .await
        .expect_problem(404);
    assert_eq!(bad.body["errors"][0]["field"], "committee_id");
    let bad_date = app
        .post("/api/v1/meetings", json!({"committee_id": kent, "title": "x", "starts_at": "6 February 2018"}))
        .await
        .expect_problem(422);
    assert_eq!(bad_date.body["errors"][0]["field"], "starts_at");
    app.get("/api/v1/meetings?from=2018-13-01").await.expect_problem(400);
}

async fn agenda_items_belong_to_a_meeting(app: TestApp) {
    let kent = app.committee("KMPCP").await;
    let meeting = app.meeting(kent, "2018-02-06T10:00:00Z").await;
    let path = format!("/api/v1/meetings/{meeting}/agenda-items");
    let item = app
        .post(&path, json!({"number": "5", "title": "Update on expenditure to support the Police and Crime Plan"}))
        .await
        .expect(201);
    app.post(&path, json!({"number": "6", "title": "Questions to the Commissioner"})).await.expect(201);
    app.post(&path, json!({"number": "5", "title": "Duplicate"})).await.expect_problem(409);
    app.post("/api/v1/meetings/999999/agenda-items", json!({"number": "1", "title": "x"})).await.expect_problem(404);

    let list = app.get(&path).await.expect(200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 2);
    let id = item.id();
    let got = app.get(&format!("/api/v1/agenda-items/{id}")).await.expect(200);
    assert_eq!(got.body["meeting_id"], meeting);
    let edited = app.patch(&format!("/api/v1/agenda-items/{id}"), "\"1\"", json!({"number": "5a"})).await.expect(200);
    assert_eq!(edited.body["number"], "5a");
    app.patch(&format!("/api/v1/agenda-items/{id}"), "\"1\"", json!({"number": "5b"})).await.expect_problem(412);
    app.patch(&format!("/api/v1/agenda-items/{id}"), "\"2\"", json!({"number": "6"})).await.expect_problem(409);
    app.get("/api/v1/meetings/999999/agenda-items").await.expect_problem(404);
}

crate::on_both_backends!(
    committees_are_created_read_listed_and_edited,
    meetings_are_filtered_by_committee_and_dates,
    agenda_items_belong_to_a_meeting,
);

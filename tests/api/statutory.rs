//! The panel's statutory work through HTTP: the precept cycle with a valid
//! veto, a veto short of two-thirds, a veto after 8 February; a chief
//! constable's appointment; an annual report whose recommendations are
//! answered one by one; the calendar and its iCalendar feed; the action log.

use panel_tracker::auth::policy::Role;
use serde_json::{json, Value};

use crate::helpers::{Client, TestApp};

fn step<'a>(process: &'a Value, name: &str) -> &'a Value {
    process["steps"].as_array().unwrap().iter().find(|s| s["step"] == name).unwrap_or_else(|| panic!("no step {name}"))
}

/// Records a step with the process's current ETag.
async fn record(client: &Client, process: &Value, name: &str, body: Value) -> crate::helpers::Response {
    let path = format!("/api/v1/statutory-processes/{}/steps/{name}", process["id"]);
    let etag = format!("\"{}\"", process["version"]);
    client.post_with(&path, body, &[("if-match", &etag)]).await
}

async fn new_process(clerk: &Client, body: Value) -> Value {
    clerk.post("/api/v1/statutory-processes", body).await.expect(201).body
}

async fn a_precept_cycle_with_a_valid_veto(app: TestApp) {
    let clerk = app.as_secretariat();
    let opcc = app.new_user("opcc-precept", Role::Opcc).await;
    let committee = clerk.create_committee("PRECEPT").await.id;
    let meeting = clerk.create_meeting(committee, "2026-02-05T18:00:00Z").await.id;
    let p = new_process(&clerk, json!({"committee_id": committee, "kind": "precept", "financial_year": 2026})).await;
    assert_eq!(p["title"], "Precept 2026/27");
    assert_eq!(p["status"], "open");
    assert_eq!(p["next_step"], "proposed_precept_notified");
    // The dates the law fixes for 2026/27, in February 2026 (1 February 2026 is a Sunday).
    assert_eq!(step(&p, "proposed_precept_notified")["due_on"], "2026-02-01");
    assert_eq!(step(&p, "proposed_precept_notified")["owed_by"], "pcc");
    assert_eq!(step(&p, "panel_report")["due_on"], "2026-02-08");
    assert_eq!(step(&p, "panel_report")["due_source"], "law");
    assert_eq!(step(&p, "revised_precept_notified")["applies"], false);

    // Out of order: the panel cannot report before the PCC notifies.
    let early = record(&clerk, &p, "panel_report", json!({"happened_on": "2026-01-20"})).await.expect_problem(409);
    assert!(early.body["detail"].as_str().unwrap().contains("follows proposed_precept_notified"), "{}", early.text);
    // The OPCC records the PCC's notification; it may not record the panel's report.
    let p = record(&opcc, &p, "proposed_precept_notified", json!({"happened_on": "2026-01-29"})).await.expect(200).body;
    assert_eq!(p["version"], 2);
    record(&opcc, &p, "panel_report", json!({"happened_on": "2026-02-05"})).await.expect_problem(403);

    // A veto short of two-thirds is refused, naming the rule, and nothing is written.
    let short =
        json!({"happened_on": "2026-02-05", "meeting_id": meeting, "veto": true, "votes_for": 7, "members": 12});
    let refused = record(&clerk, &p, "panel_report", short).await.expect_problem(409);
    let detail = refused.body["detail"].as_str().unwrap();
    assert!(detail.contains("8 votes, not 7") && detail.contains("Sch 5 para 4"), "{detail}");
    let unchanged = clerk.get(&format!("/api/v1/statutory-processes/{}", p["id"])).await.expect(200).body;
    assert_eq!(unchanged["version"], 2);
    // A veto without its votes conflicts with the rule (409), like votes without a veto.
    record(&clerk, &p, "panel_report", json!({"happened_on": "2026-02-05", "veto": true})).await.expect_problem(409);

    let veto = json!({"happened_on": "2026-02-05", "meeting_id": meeting, "veto": true, "votes_for": 9, "members": 12,
        "document_url": "https://example.org/pcp/precept-report.pdf"});
    let p = record(&clerk, &p, "panel_report", veto.clone()).await.expect(200).body;
    assert_eq!(step(&p, "panel_report")["veto"], json!({"votes_for": 9, "members": 12, "votes_needed": 8}));
    assert_eq!(step(&p, "panel_report")["meeting_id"], meeting);
    assert!(p["consequence"].as_str().unwrap().contains("reg 5"));
    for (name, due) in [
        ("revised_precept_notified", "2026-02-15"),
        ("panel_report_on_revised", "2026-02-22"),
        ("precept_issued", "2026-03-01"),
    ] {
        assert_eq!(step(&p, name)["applies"], true, "{name}");
        assert_eq!(step(&p, name)["due_on"], due, "{name}");
    }
    // A second veto is refused.
    let again = record(&clerk, &p, "panel_report", veto).await.expect_problem(409);
    assert!(again.body["detail"].as_str().unwrap().contains("may veto it once"));
    // A stale ETag is 412.
    let stale = json!({"happened_on": "2026-02-12"});
    let mut old = p.clone();
    old["version"] = json!(2);
    record(&opcc, &old, "revised_precept_notified", stale).await.expect_problem(412);

    let p = record(&opcc, &p, "revised_precept_notified", json!({"happened_on": "2026-02-12"})).await.expect(200).body;
    let p = record(&clerk, &p, "panel_report_on_revised", json!({"happened_on": "2026-02-19"})).await.expect(200).body;
    let p = record(&opcc, &p, "precept_issued", json!({"happened_on": "2026-02-26"})).await.expect(200).body;
    assert_eq!(p["status"], "completed");
    assert_eq!(p["next_step"], Value::Null);
    assert!(p["steps"].as_array().unwrap().iter().all(|s| s["late"] == false));

    // Its timeline: one event per version, chained.
    let timeline = clerk.get(&format!("/api/v1/statutory-processes/{}/events", p["id"])).await.expect(200).body;
    assert_eq!(timeline["events"].as_array().unwrap().len() as i64, p["version"].as_i64().unwrap());
    assert_eq!(timeline["chain_intact"], true);
    // And the change feed has every step.
    let feed = clerk.get(&format!("/api/v1/changes?resource_type=statutory_process&committee_id={committee}")).await;
    let types: Vec<String> = feed.expect(200).body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap().into())
        .collect();
    assert_eq!(types.iter().filter(|t| *t == "statutory_process.step_recorded").count(), 5);
    assert_eq!(types[0], "statutory_process.created");
}

async fn a_veto_after_8_february_ends_the_scrutiny(app: TestApp) {
    let clerk = app.as_secretariat();
    let committee = clerk.create_committee("LATEVETO").await.id;
    let p = new_process(&clerk, json!({"committee_id": committee, "kind": "precept", "financial_year": 2025})).await;
    let p =
        record(&clerk, &p, "proposed_precept_notified", json!({"happened_on": "2025-01-31"})).await.expect(200).body;
    let late = json!({"happened_on": "2025-02-10", "veto": true, "votes_for": 10, "members": 12});
    let p = record(&clerk, &p, "panel_report", late).await.expect(200).body;
    assert_eq!(p["status"], "scrutiny_ended");
    assert!(p["consequence"].as_str().unwrap().contains("reg 4(2)"));
    assert_eq!(step(&p, "panel_report")["late"], true);
    assert_eq!(step(&p, "revised_precept_notified")["applies"], false);
    let refused = record(&clerk, &p, "revised_precept_notified", json!({"happened_on": "2025-02-14"})).await;
    let detail = refused.expect_problem(409).body["detail"].as_str().unwrap().to_string();
    assert!(detail.contains("by 8 February") && detail.contains("reg 4(2), 5"), "{detail}");
    // The PCC may issue the proposed precept.
    assert_eq!(p["next_step"], "precept_issued");
    let p = record(&clerk, &p, "precept_issued", json!({"happened_on": "2025-02-14"})).await.expect(200).body;
    assert_eq!(p["status"], "completed");
}

async fn a_chief_constable_appointment(app: TestApp) {
    let clerk = app.as_secretariat();
    let opcc = app.new_user("opcc-cc", Role::Opcc).await;
    let committee = clerk.create_committee("CCAPPT").await.id;
    let hearing = clerk.create_meeting(committee, "2026-03-16T10:00:00Z").await.id;
    let body = json!({"committee_id": committee, "kind": "chief_constable_appointment", "candidate": "A. N. Officer"});
    let p = new_process(&clerk, body).await;
    assert_eq!(p["post"], "Chief Constable");
    assert_eq!(step(&p, "panel_report")["due_on"], Value::Null, "no date before the notification");
    // Notified on Monday 2 March: the three weeks end on Sunday 22 March (D + 20).
    let p = record(&opcc, &p, "appointment_notified", json!({"happened_on": "2026-03-02"})).await.expect(200).body;
    assert_eq!(step(&p, "confirmation_hearing_held")["due_on"], "2026-03-22");
    assert_eq!(step(&p, "panel_report")["due_on"], "2026-03-22");
    let late = record(&clerk, &p, "confirmation_hearing_held", json!({"happened_on": "2026-03-23"})).await;
    assert!(late.expect_problem(409).body["detail"].as_str().unwrap().contains("ended on 2026-03-22"));
    let held = json!({"happened_on": "2026-03-16", "meeting_id": hearing});
    let p = record(&clerk, &p, "confirmation_hearing_held", held).await.expect(200).body;
    let p = record(&clerk, &p, "panel_report", json!({"happened_on": "2026-03-17"})).await.expect(200).body;
    let p = record(&opcc, &p, "pcc_decision_notified", json!({"happened_on": "2026-03-20"})).await.expect(200).body;
    assert_eq!(p["status"], "completed");

    // With no report in the three weeks the process lapses; a veto ends it.
    let lapsing = new_process(&clerk, json!({"committee_id": committee, "kind": "chief_constable_appointment"})).await;
    let lapsing = record(&opcc, &lapsing, "appointment_notified", json!({"happened_on": "2026-04-01"})).await;
    assert_eq!(lapsing.expect(200).body["status"], "lapsed");
    let vetoed = new_process(&clerk, json!({"committee_id": committee, "kind": "chief_constable_appointment"})).await;
    let vetoed = record(&opcc, &vetoed, "appointment_notified", json!({"happened_on": "2026-05-01"})).await.body;
    let vetoed = record(&clerk, &vetoed, "confirmation_hearing_held", json!({"happened_on": "2026-05-11"})).await.body;
    let veto = json!({"happened_on": "2026-05-11", "veto": true, "votes_for": 8, "members": 12});
    let vetoed = record(&clerk, &vetoed, "panel_report", veto).await.expect(200).body;
    assert_eq!(vetoed["status"], "vetoed");
    let after = record(&opcc, &vetoed, "pcc_decision_notified", json!({"happened_on": "2026-05-12"})).await;
    assert!(after.expect_problem(409).body["detail"].as_str().unwrap().contains("Sch 8 para 8"));
    // A senior post has no veto.
    let body = json!({"committee_id": committee, "kind": "confirmation_hearing", "post": "Chief Finance Officer"});
    let cfo = new_process(&clerk, body).await;
    assert_eq!(cfo["title"], "Confirmation hearing: Chief Finance Officer");
    let cfo = record(&opcc, &cfo, "appointment_notified", json!({"happened_on": "2026-06-01"})).await.body;
    let cfo = record(&clerk, &cfo, "confirmation_hearing_held", json!({"happened_on": "2026-06-08"})).await.body;
    let veto = json!({"happened_on": "2026-06-08", "veto": true, "votes_for": 12, "members": 12});
    let refused = record(&clerk, &cfo, "panel_report", veto).await.expect_problem(409);
    assert!(refused.body["detail"].as_str().unwrap().contains("no veto"));
    // A precept needs its year; an appointment has none.
    let bad = clerk.post("/api/v1/statutory-processes", json!({"committee_id": committee, "kind": "precept"})).await;
    assert_eq!(bad.expect_problem(409).body["errors"][0]["field"], "financial_year");
}

async fn an_annual_report_with_recommendations_answered_one_by_one(app: TestApp) {
    let clerk = app.as_secretariat();
    let opcc = app.new_user("opcc-annual", Role::Opcc).await;
    let member = app.new_user("member-annual", Role::Member).await;
    let committee = clerk.create_committee("ANNUAL").await.id;
    let meeting = clerk.create_meeting(committee, "2026-07-01T10:00:00Z").await.id;
    let p =
        new_process(&clerk, json!({"committee_id": committee, "kind": "annual_report", "financial_year": 2025})).await;
    assert_eq!(p["title"], "Annual report 2025/26");
    // The law sets no date: the panel sets one for the PCC's response, but not for a law-set step elsewhere.
    let path = format!("/api/v1/statutory-processes/{}/steps/pcc_response_published", p["id"]);
    let p = clerk.patch(&path, "\"1\"", json!({"due_on": "2026-08-15"})).await.expect(200).body;
    assert_eq!(step(&p, "pcc_response_published")["due_source"], "panel");
    assert_eq!(step(&p, "pcc_response_published")["due_on"], "2026-08-15");

    let report = json!({
        "committee_id": committee, "process_id": p["id"], "subject": "annual_report",
        "title": "Report on the PCC's annual report 2025/26", "meeting_id": meeting,
        "reported_on": "2026-07-01", "response_due_on": "2026-08-15",
        "published_url": "https://example.org/pcp/annual-report-review.pdf",
        "recommendations": [
            {"text": "Publish the workforce plan behind the growth in officer numbers."},
            {"text": "Report quarterly on 999 answering times.", "due_on": "2026-09-30"},
            {"text": "Set a target for rural crime."}
        ]
    });
    // Another subject than the process's is refused.
    let mut wrong = report.clone();
    wrong["subject"] = json!("precept");
    clerk.post("/api/v1/panel-reports", wrong).await.expect_problem(409);
    member.post("/api/v1/panel-reports", report.clone()).await.expect_problem(403);
    let created = clerk.post_with("/api/v1/panel-reports", report.clone(), &[("idempotency-key", "annual-1")]).await;
    let r = created.expect(201).body;
    let replay = clerk.post_with("/api/v1/panel-reports", report, &[("idempotency-key", "annual-1")]).await.expect(201);
    assert_eq!(replay.body["id"], r["id"], "a retried create does not create twice");
    let recs = r["recommendations"].as_array().unwrap().clone();
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[0]["reference"], "ANNUAL/R/2026/001");
    assert_eq!(recs[2]["reference"], "ANNUAL/R/2026/003");
    assert_eq!(recs[0]["due_on"], "2026-08-15");
    assert_eq!(recs[1]["due_on"], "2026-09-30");
    // Past their dates with no response: overdue and red.
    assert!(recs.iter().all(|r| r["overdue"] == true && r["rating"] == "red"));
    let overdue =
        clerk.get(&format!("/api/v1/recommendations?committee_id={committee}&overdue=true")).await.expect(200);
    assert_eq!(overdue.body["items"].as_array().unwrap().len(), 3);

    // The PCC answers them one by one.
    for (rec, (response, text)) in recs.iter().zip([
        ("accepted", "The workforce plan is published on the OPCC website."),
        ("partly_accepted", "Answering times will be reported twice a year."),
        ("not_accepted", "Targets for one type of crime distort priorities."),
    ]) {
        let path = format!("/api/v1/recommendations/{}/response", rec["id"]);
        let body = json!({"response": response, "text": text, "responded_on": "2026-08-10"});
        member.post_with(&path, body.clone(), &[("if-match", "\"1\"")]).await.expect_problem(403);
        let answered = opcc.post_with(&path, body.clone(), &[("if-match", "\"1\"")]).await.expect(200).body;
        assert_eq!(answered["response"], response);
        assert_eq!(answered["rating"], "green");
        assert_eq!(answered["overdue"], false);
        let again = opcc.post_with(&path, body, &[("if-match", "\"2\"")]).await.expect_problem(409);
        assert!(again.body["detail"].as_str().unwrap().contains("already responded"));
        let timeline = clerk.get(&format!("/api/v1/recommendations/{}/events", rec["id"])).await.expect(200).body;
        assert_eq!(timeline["chain_intact"], true);
        assert_eq!(timeline["events"][1]["kind"], "responded");
    }
    let open = clerk.get(&format!("/api/v1/recommendations?committee_id={committee}&answered=false")).await.expect(200);
    assert!(open.body["items"].as_array().unwrap().is_empty());

    // The PCC's published response, and where.
    let r = clerk.get(&format!("/api/v1/panel-reports/{}", r["id"])).await.expect(200);
    let etag = r.etag();
    let path = format!("/api/v1/panel-reports/{}/response", r.body["id"]);
    let published = json!({"published_on": "2026-08-12", "url": "https://example.org/opcc/response.pdf"});
    let r = opcc.post_with(&path, published, &[("if-match", &etag)]).await.expect(200).body;
    assert_eq!(r["response_url"], "https://example.org/opcc/response.pdf");
    let bad = json!({"published_on": "2026-08-12", "url": "javascript:alert(1)"});
    opcc.post_with(&path, bad, &[("if-match", "\"5\"")]).await.expect_problem(422);
    let timeline = clerk.get(&format!("/api/v1/panel-reports/{}/events", r["id"])).await.expect(200).body;
    assert_eq!(timeline["chain_intact"], true);
    assert_eq!(timeline["events"].as_array().unwrap().len() as i64, r["version"].as_i64().unwrap());
}

crate::on_both_backends!(
    a_precept_cycle_with_a_valid_veto,
    a_veto_after_8_february_ends_the_scrutiny,
    a_chief_constable_appointment,
    an_annual_report_with_recommendations_answered_one_by_one,
    the_calendar_the_feed_and_the_action_log,
);

/// The property of an iCalendar event, with its parameters.
fn property<'a>(event: &'a ical::parser::ical::component::IcalEvent, name: &str) -> &'a ical::property::Property {
    event.properties.iter().find(|p| p.name == name).unwrap_or_else(|| panic!("no {name}"))
}

async fn the_calendar_the_feed_and_the_action_log(app: TestApp) {
    let clerk = app.as_secretariat();
    let member = app.new_user("member-calendar", Role::Member).await;
    let committee = clerk.create_committee("CALENDAR").await.id;
    let raised = clerk.create_meeting(committee, "2026-01-20T18:00:00Z").await.id;
    let due_at = clerk.create_meeting(committee, "2026-02-03T18:00:00Z").await.id;
    let log_meeting = clerk.create_meeting(committee, "2026-02-10T18:00:00Z").await.id;
    // In summer the clocks are an hour ahead: 17:30 UTC is 18:30 in London.
    clerk.create_meeting(committee, "2026-06-10T17:30:00Z").await;
    let action = clerk
        .post(
            "/api/v1/actions",
            json!({"raised_at_meeting_id": raised, "due_meeting_id": due_at,
            "description": "Report back on rural patrols", "owner": "Chief Executive"}),
        )
        .await
        .expect(201)
        .body;
    new_process(&clerk, json!({"committee_id": committee, "kind": "precept", "financial_year": 2026})).await;
    let report = json!({"committee_id": committee, "subject": "decision", "title": "Review of the estates decision",
        "reported_on": "2026-01-20", "recommendations": [{"text": "Publish the estates strategy.", "due_on": "2026-02-09"}]});
    clerk.post("/api/v1/panel-reports", report).await.expect(201);

    // One call: what is owed from 26 January for six weeks, and what is late.
    let path = format!("/api/v1/calendar?committee_id={committee}&from=2026-01-26&weeks=6");
    let cal = member.get(&path).await.expect(200).body;
    assert_eq!((cal["from"].as_str(), cal["to"].as_str()), (Some("2026-01-26"), Some("2026-03-08")));
    let due: Vec<(String, String, String)> = cal["due"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["due_on"].as_str().unwrap().into(),
                e["kind"].as_str().unwrap().into(),
                e["title"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(due.len(), 4, "{due:?}");
    assert_eq!(
        due[0],
        (
            "2026-02-01".into(),
            "statutory_step".into(),
            "Precept 2026/27: PCC notifies the panel of the proposed precept".into()
        )
    );
    assert_eq!(due[1].0, "2026-02-03");
    assert_eq!(due[1].1, "action");
    assert_eq!(
        due[2],
        ("2026-02-08".into(), "statutory_step".into(), "Precept 2026/27: Panel reports to the PCC".into())
    );
    assert_eq!(due[3].1, "recommendation");
    assert_eq!(cal["due"][0]["owed_by"], "pcc");
    assert_eq!(cal["due"][0]["source"], "SI 2012/2271 reg 3; PRSRA 2011 Sch 5 para 2");
    assert_eq!(cal["due"][1]["owner"], "Chief Executive");
    assert_eq!(cal["due"][1]["action_id"], action["id"]);
    // All four are past their day: each is late too, with whoever owes it.
    assert_eq!(cal["late"].as_array().unwrap().len(), 4);
    assert!(cal["late"].as_array().unwrap().iter().all(|e| e["late"] == true));
    assert_eq!(cal["complete"], true);
    member.get("/api/v1/calendar?weeks=53").await.expect_problem(400);
    member.get("/api/v1/calendar?committee_id=999999").await.expect_problem(404);

    // The action log of 10 February shows them in their own section.
    let log = clerk.get(&format!("/api/v1/meetings/{log_meeting}/action-log")).await.expect(200).body;
    assert_eq!(log["statutory_title"], "Statutory deadlines and the panel's recommendations");
    let rows = log["statutory"].as_array().unwrap();
    let described: Vec<&str> = rows.iter().map(|r| r["description"].as_str().unwrap()).collect();
    assert_eq!(
        described,
        ["PCC notifies the panel of the proposed precept", "Panel reports to the PCC", "Publish the estates strategy."]
    );
    assert!(rows.iter().all(|r| r["rating"] == "red" && r["status"] == "awaited"));
    assert_eq!(rows[2]["reference"], "CALENDAR/R/2026/001");
    let csv = clerk.get(&format!("/api/v1/meetings/{log_meeting}/action-log?format=csv")).await.expect(200).text;
    assert!(csv.contains("\"Statutory deadlines and the panel's recommendations\",\"Precept 2026/27\""), "{csv}");
    let html = clerk.get(&format!("/api/v1/meetings/{log_meeting}/action-log?format=html")).await.expect(200).text;
    assert!(html.contains("<h2>Statutory deadlines and the panel&#39;s recommendations</h2>"));
    assert!(html.contains("SI 2012/2271 reg 4(1)"));

    // The feed: a secret address of the member's own, parsed back as iCalendar.
    let token = member.post("/api/v1/me/calendar-token", json!({})).await.expect(200).body;
    let secret = token["token"].as_str().unwrap().to_string();
    assert!(token["feed_url_template"].as_str().unwrap().contains("{committee_id}/calendar.ics?token=cal_"));
    let feed_path = format!("/api/v1/committees/{committee}/calendar.ics?token={secret}");
    let feed = app.anonymous().get(&feed_path).await.expect(200);
    assert!(feed.header("content-type").unwrap().starts_with("text/calendar"));
    let calendars: Vec<ical::parser::ical::component::IcalCalendar> =
        ical::IcalParser::new(std::io::BufReader::new(feed.text.as_bytes())).collect::<Result<_, _>>().unwrap();
    let events = &calendars[0].events;
    let summary = |e: &ical::parser::ical::component::IcalEvent| property(e, "SUMMARY").value.clone().unwrap();
    let winter = events.iter().find(|e| summary(e) == "Panel meeting 2026-02-03T18:00:00Z").unwrap();
    let start = property(winter, "DTSTART");
    assert_eq!(start.value.as_deref(), Some("20260203T180000"));
    assert_eq!(start.params, Some(vec![("TZID".to_string(), vec!["Europe/London".to_string()])]));
    let summer = events.iter().find(|e| summary(e) == "Panel meeting 2026-06-10T17:30:00Z").unwrap();
    assert_eq!(property(summer, "DTSTART").value.as_deref(), Some("20260610T183000"));
    let report = events.iter().find(|e| summary(e).starts_with("Due (Panel): Panel reports to the PCC")).unwrap();
    let day = property(report, "DTSTART");
    assert_eq!(day.value.as_deref(), Some("20260208"));
    assert_eq!(day.params, Some(vec![("VALUE".to_string(), vec!["DATE".to_string()])]));
    assert_eq!(property(report, "DTEND").value.as_deref(), Some("20260209"));
    assert!(events.iter().any(|e| summary(e) == "Due (PCC): response to recommendation CALENDAR/R/2026/001"));

    // Another secret, a reset one, or another committee's unknown id: 404, and nothing said.
    app.anonymous()
        .get(&format!("/api/v1/committees/{committee}/calendar.ics?token=cal_wrong"))
        .await
        .expect_problem(404);
    app.anonymous().get(&format!("/api/v1/committees/999999/calendar.ics?token={secret}")).await.expect_problem(404);
    let renewed = member.post("/api/v1/me/calendar-token", json!({})).await.expect(200).body;
    app.anonymous().get(&feed_path).await.expect_problem(404);
    // Deactivating the person ends their feed for good: reactivating them does not bring it back.
    let renewed_path =
        format!("/api/v1/committees/{committee}/calendar.ics?token={}", renewed["token"].as_str().unwrap());
    app.anonymous().get(&renewed_path).await.expect(200);
    let admin = app.new_user("admin-calendar", Role::Admin).await;
    let user_path = format!("/api/v1/users/{}", admin.user_named("member-calendar").await.id);
    let etag = admin.get(&user_path).await.expect(200).etag();
    let off = admin.patch(&user_path, &etag, json!({"active": false})).await.expect(200);
    app.anonymous().get(&renewed_path).await.expect_problem(404);
    admin.patch(&user_path, &off.etag(), json!({"active": true})).await.expect(200);
    app.anonymous().get(&renewed_path).await.expect_problem(404);
}

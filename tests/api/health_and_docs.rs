use panel_tracker::api::action_log::ActionLog;
use panel_tracker::api::actions::Action;
use panel_tracker::api::health::Health;
use panel_tracker::api::meetings::Meeting;
use panel_tracker::domain::ActionStatus;
use panel_tracker::http::pagination::Page;

use crate::helpers::TestApp;

async fn health_checks_answer(app: TestApp) {
    let clerk = app.as_secretariat();
    assert_eq!(clerk.get("/healthz").await.expect(200).json::<Health>().status, "ok");
    assert_eq!(clerk.get("/readyz").await.expect(200).json::<Health>().status, "ok");
}

async fn docs_are_served_from_the_binary(app: TestApp) {
    let clerk = app.as_secretariat();
    let redirect = clerk.get("/docs").await.expect(308);
    assert_eq!(redirect.header("location").as_deref(), Some("/docs/"));
    let page = clerk.get("/docs/").await.expect(200);
    assert!(page.text.contains("swagger"), "{}", page.text);
    let served = clerk.get("/api-docs/openapi.json").await.expect(200);
    let generated = serde_json::to_value(panel_tracker::openapi::document()).unwrap();
    assert_eq!(served.body, generated);
}

async fn demo_data_covers_every_status(app: TestApp) {
    let clerk = app.as_secretariat();
    let page: Page<Action> = clerk.page("/api/v1/actions?limit=200").await;
    let statuses: Vec<ActionStatus> = page.items.iter().map(|a| a.status).collect();
    use ActionStatus::*;
    for status in [Open, InProgress, ResponseSubmitted, Completed, Withdrawn] {
        assert!(statuses.contains(&status), "demo lacks {status:?}: {statuses:?}");
    }
    let overdue: Page<Action> = clerk.page("/api/v1/actions?overdue=true").await;
    assert!(!overdue.items.is_empty(), "the demo shows an overdue action");
    // The next demo meeting's log agrees row for row in JSON, CSV and HTML.
    let meetings: Page<Meeting> = clerk.page("/api/v1/meetings?status=scheduled").await;
    let next = meetings.items[0].id;
    let path = format!("/api/v1/meetings/{next}/action-log");
    let log: ActionLog = clerk.get(&path).await.expect(200).json();
    let json_refs: Vec<String> = log
        .sections
        .iter()
        .flat_map(|s| s.rows.iter().map(|r| r.reference.clone()))
        .chain(log.statutory.iter().map(|r| r.reference.clone()))
        .collect();
    assert!(json_refs.len() >= 4, "the demo log has rows: {json_refs:?}");
    // The demo's overdue recommendation is in the log's statutory section.
    assert!(log.statutory.iter().any(|r| r.overdue), "{:?}", log.statutory);
    let csv = clerk.get(&format!("{path}?format=csv")).await.expect(200);
    let mut reader = csv::Reader::from_reader(csv.text.trim_start_matches('\u{feff}').as_bytes());
    let csv_refs: Vec<String> = reader.records().map(|r| r.unwrap()[1].to_string()).collect();
    assert_eq!(csv_refs, json_refs);
    let html = clerk.get(&format!("{path}?format=html")).await.expect(200);
    let html_refs: Vec<String> =
        html.text.split("<td class=\"ref\">").skip(1).map(|cell| cell.split('<').next().unwrap().to_string()).collect();
    assert_eq!(html_refs, json_refs);
    // Seeding twice is refused rather than duplicating the sample.
    assert!(panel_tracker::demo::seed(&mut app.connection()).is_err());
}

crate::on_both_backends!(health_checks_answer, docs_are_served_from_the_binary);

#[actix_web::test]
async fn demo_data_covers_every_status_on_sqlite() {
    demo_data_covers_every_status(crate::helpers::spawn_demo(false).await.unwrap()).await
}

#[actix_web::test]
async fn demo_data_covers_every_status_on_postgres() {
    if let Some(app) = crate::helpers::spawn_demo(true).await {
        demo_data_covers_every_status(app).await
    }
}

/// The committed document is what the code generates. Regenerate with
/// `cargo run -- openapi > openapi/openapi.json`.
#[test]
fn committed_openapi_document_matches_the_code() {
    let generated = panel_tracker::openapi::to_pretty_json(&panel_tracker::openapi::document());
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
        .expect("openapi/openapi.json is committed");
    assert!(
        committed == generated,
        "openapi/openapi.json differs from the code: run `cargo run -- openapi > openapi/openapi.json`"
    );
}

#[test]
fn every_operation_is_documented_with_its_errors() {
    let doc = serde_json::to_value(panel_tracker::openapi::document()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    let mut operations = 0;
    let mut operation_ids = std::collections::HashSet::new();
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(operation_ids.insert(id.to_string()), "operationId {id} is used twice");
            assert!(op["summary"].is_string() || op["description"].is_string(), "{method} {path} lacks a description");
            if method != "get" || path.contains('{') {
                let responses = op["responses"].as_object().unwrap();
                assert!(responses.keys().any(|k| k.starts_with('4')), "{method} {path} documents no 4xx");
            }
        }
    }
    assert_eq!(operations, 83, "healthz, readyz and 81 API operations");
}

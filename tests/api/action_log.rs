use panel_tracker::api::action_log::{ActionLog, BulkCarryForwardResult, CommitteeStats};
use panel_tracker::api::actions::Action;
use panel_tracker::domain::action_log::Section;
use panel_tracker::http::pagination::Page;
use serde_json::json;

use crate::helpers::TestApp;

/// A committee with two past meetings, "this" meeting and a later one, and
/// actions in every status, one carried forward.
struct Dataset {
    committee: i64,
    meetings: [i64; 4],
    refs: std::collections::HashMap<&'static str, String>,
}

async fn dataset(app: &TestApp) -> Dataset {
    let clerk = app.as_secretariat();
    let committee = clerk.create_committee("KMPCP").await.id;
    let m1 = clerk.create_meeting(committee, "2018-01-10T10:00:00Z").await.id;
    let m2 = clerk.create_meeting(committee, "2018-03-10T10:00:00Z").await.id;
    let m3 = clerk.create_meeting(committee, "2099-05-10T10:00:00Z").await.id;
    let m4 = clerk.create_meeting(committee, "2099-07-10T10:00:00Z").await.id;
    let mut refs = std::collections::HashMap::new();
    let new = |name: &'static str, raised: i64, owner: &str| {
        let body = json!({"raised_at_meeting_id": raised, "description": format!("Action {name}"), "owner": owner,
                          "owed_to": "the Panel", "minute_paragraph": "7"});
        (name, body)
    };
    let specs = vec![
        new("overdue", m1, "OPCC Finance"),
        new("overdue_submitted", m1, "OPCC Finance"),
        new("due_open", m2, "OPCC Partnerships"),
        new("due_in_progress", m2, "OPCC Partnerships"),
        new("due_submitted", m2, "OPCC Partnerships"),
        new("carried", m1, "OPCC Finance"),
        new("completed", m1, "OPCC Finance"),
        new("withdrawn", m2, "OPCC Finance"),
        new("later", m3, "OPCC Finance"),
    ];
    let mut ids = std::collections::HashMap::new();
    for (name, body) in specs {
        let action: Action = clerk.post("/api/v1/actions", body).await.expect(201).json();
        refs.insert(name, action.reference);
        ids.insert(name, action.id);
    }
    clerk
        .transition(ids["overdue_submitted"], "submit-response", "\"1\"", json!({"response": "Sent"}))
        .await
        .expect(200);
    clerk.transition(ids["due_in_progress"], "start", "\"1\"", json!({})).await.expect(200);
    clerk
        .transition(ids["due_submitted"], "submit-response", "\"1\"", json!({"response": "Figures attached"}))
        .await
        .expect(200);
    clerk.transition(ids["carried"], "carry-forward", "\"1\"", json!({"reason": "Awaiting data"})).await.expect(200);
    clerk.transition(ids["completed"], "submit-response", "\"1\"", json!({"response": "Done"})).await.expect(200);
    clerk.transition(ids["completed"], "accept", "\"2\"", json!({})).await.expect(200);
    clerk.transition(ids["withdrawn"], "withdraw", "\"1\"", json!({"reason": "Superseded"})).await.expect(200);
    Dataset { committee, meetings: [m1, m2, m3, m4], refs }
}

/// Each row's reference and rating (as the JSON spells it) in one section.
fn section_refs(log: &ActionLog, index: usize) -> Vec<(String, String)> {
    log.sections[index]
        .rows
        .iter()
        .map(|r| (r.reference.clone(), serde_json::to_value(r.rating).unwrap().as_str().unwrap().to_string()))
        .collect()
}

async fn the_log_has_three_sections_with_ratings(app: TestApp) {
    let clerk = app.as_secretariat();
    let d = dataset(&app).await;
    let r = |name: &str| d.refs[name].clone();
    let log = clerk.get(&format!("/api/v1/meetings/{}/action-log", d.meetings[2])).await.expect(200);
    let body: &ActionLog = &log.json();
    assert_eq!(body.previous_meeting_id, Some(d.meetings[1]));
    assert_eq!(body.committee.code, "KMPCP");
    assert_eq!(body.sections[0].section, Section::DueAtThisMeeting);
    assert_eq!(
        section_refs(body, 0),
        vec![
            (r("due_open"), "amber".into()),
            (r("due_in_progress"), "amber".into()),
            (r("due_submitted"), "green".into()),
            (r("carried"), "amber".into()),
        ]
    );
    assert_eq!(section_refs(body, 1), vec![(r("overdue"), "red".into()), (r("overdue_submitted"), "green".into())]);
    assert_eq!(section_refs(body, 2), vec![(r("completed"), "green".into()), (r("withdrawn"), "green".into())]);
    let carried = &body.sections[0].rows[3];
    assert_eq!(carried.times_carried_forward, 1);
    assert_eq!(carried.raised_at_meeting_date.to_string(), "2018-01-10");
    assert_eq!(carried.due_meeting_date.map(|d| d.to_string()).as_deref(), Some("2099-05-10"));
    assert!(body.sections[1].rows[0].overdue);
    assert!(body.rating_rule.starts_with("Red: overdue"));

    // CSV: parsed back by a CSV reader, row for row the same as the JSON.
    let csv = clerk
        .send("GET", &format!("/api/v1/meetings/{}/action-log", d.meetings[2]), &[("accept", "text/csv")], None)
        .await;
    let csv = csv.expect(200);
    assert_eq!(csv.header("content-type").as_deref(), Some("text/csv; charset=utf-8"));
    assert!(csv.text.starts_with('\u{feff}'), "a BOM so Excel reads UTF-8");
    let mut reader = csv::Reader::from_reader(csv.text.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[1], "Reference");
    let csv_rows: Vec<(String, String)> =
        reader.records().map(|rec| rec.unwrap()).map(|rec| (rec[1].to_string(), rec[10].to_string())).collect();
    let json_rows: Vec<(String, String)> = (0..3).flat_map(|i| section_refs(body, i)).collect();
    assert_eq!(csv_rows, json_rows);

    // HTML: the same rows, in the same order.
    let html = clerk.get(&format!("/api/v1/meetings/{}/action-log?format=html", d.meetings[2])).await.expect(200);
    assert!(html.header("content-type").unwrap().starts_with("text/html"));
    let mut at = 0;
    for (reference, _) in &json_rows {
        at += html.text[at..].find(reference.as_str()).unwrap_or_else(|| panic!("{reference} in order in the HTML"));
    }

    // The meeting before: what was due then is in its first section.
    let earlier: ActionLog =
        clerk.get(&format!("/api/v1/meetings/{}/action-log", d.meetings[1])).await.expect(200).json();
    assert_eq!(section_refs(&earlier, 0), vec![(r("overdue"), "red".into()), (r("overdue_submitted"), "green".into())]);
    // The committee's first meeting has no previous one: everything closed so far counts.
    let first: ActionLog =
        clerk.get(&format!("/api/v1/meetings/{}/action-log", d.meetings[0])).await.expect(200).json();
    assert!(first.previous_meeting_id.is_none());
    assert_eq!(section_refs(&first, 0), vec![]);
    clerk.get("/api/v1/meetings/999999/action-log").await.expect_problem(404);
    clerk.get(&format!("/api/v1/meetings/{}/action-log?format=pdf", d.meetings[2])).await.expect_problem(400);
}

async fn carrying_forward_a_meeting_moves_every_unfinished_action(app: TestApp) {
    let clerk = app.as_secretariat();
    let d = dataset(&app).await;
    let [_, _, m3, m4] = d.meetings;
    let result = clerk.post(&format!("/api/v1/meetings/{m3}/carry-forward"), json!({"reason": "End of meeting"})).await;
    let result: BulkCarryForwardResult = result.expect(200).json();
    assert_eq!(result.to_meeting_id, m4);
    assert_eq!(result.moved, 4);
    let now_due: Page<Action> = clerk.page(&format!("/api/v1/actions?due_meeting_id={m4}&limit=200")).await;
    let carried = now_due.items.iter().find(|a| a.reference == d.refs["carried"]).unwrap();
    assert_eq!(carried.times_carried_forward, 2);
    let events = clerk.events(carried.id).await;
    let last = events.last().unwrap();
    assert_eq!(last.kind, "carried_forward");
    assert_eq!(last.reason.as_deref(), Some("End of meeting"));
    let left: Page<Action> =
        clerk.page(&format!("/api/v1/actions?due_meeting_id={m3}&status=open,in_progress,response_submitted")).await;
    assert!(left.items.is_empty(), "nothing unfinished is left behind");
    // Nothing later to move to: refused, nothing moved.
    clerk.post(&format!("/api/v1/meetings/{m4}/carry-forward"), json!({})).await.expect_problem(409);
    assert_eq!(clerk.page::<Action>(&format!("/api/v1/actions?due_meeting_id={m4}&limit=200")).await.items.len(), 5);
}

async fn cancelling_a_meeting_moves_its_actions_on(app: TestApp) {
    let clerk = app.as_secretariat();
    let d = dataset(&app).await;
    let [_, _, m3, m4] = d.meetings;
    let meeting = clerk.get(&format!("/api/v1/meetings/{m3}")).await;
    clerk.patch(&format!("/api/v1/meetings/{m3}"), &meeting.etag(), json!({"status": "cancelled"})).await.expect(200);
    let items = clerk.page::<Action>(&format!("/api/v1/actions?due_meeting_id={m4}&limit=200")).await.items;
    assert_eq!(items.len(), 5, "four moved from the cancelled meeting, one was due there already");
    let carried = items.iter().find(|a| a.reference == d.refs["carried"]).unwrap();
    assert_eq!(carried.times_carried_forward, 1, "a cancellation is not a carry-forward");
    let events = clerk.events(carried.id).await;
    assert_eq!(events.last().unwrap().kind, "due_meeting_cancelled");
}

async fn committee_statistics(app: TestApp) {
    let clerk = app.as_secretariat();
    let d = dataset(&app).await;
    let s: CommitteeStats = clerk.get(&format!("/api/v1/committees/{}/stats", d.committee)).await.expect(200).json();
    assert_eq!(s.actions, 9);
    let by_status = [("open", 4), ("in_progress", 1), ("response_submitted", 2), ("completed", 1), ("withdrawn", 1)];
    assert_eq!(s.by_status, std::collections::BTreeMap::from(by_status.map(|(status, n)| (status.to_string(), n))));
    assert_eq!(s.overdue, 1);
    let by_owner: Vec<(Option<&str>, usize)> =
        s.overdue_by_owner.iter().map(|o| (o.owner.as_deref(), o.overdue)).collect();
    assert_eq!(by_owner, [(Some("OPCC Finance"), 1)]);
    assert!(s.median_days_to_complete.unwrap() > 3000.0, "raised in 2018, accepted today");
    assert_eq!(s.completed_by_due_meeting, Some(0.0), "accepted long after its 2018 due meeting");
    let ranged = clerk.get(&format!("/api/v1/committees/{}/stats?from=2018-03-01&to=2018-12-31", d.committee)).await;
    assert_eq!(ranged.expect(200).json::<CommitteeStats>().actions, 4, "raised at the March 2018 meeting");
    clerk.get("/api/v1/committees/999999/stats").await.expect_problem(404);
}

crate::on_both_backends!(
    the_log_has_three_sections_with_ratings,
    carrying_forward_a_meeting_moves_every_unfinished_action,
    cancelling_a_meeting_moves_its_actions_on,
    committee_statistics,
);

/// CSV cells that a spreadsheet would run as formulas are neutralised.
#[actix_web::test]
async fn csv_is_safe_from_formula_injection() {
    let app = crate::helpers::spawn_sqlite().await;
    let clerk = app.as_secretariat();
    let committee = clerk.create_committee("KMPCP").await.id;
    let m1 = clerk.create_meeting(committee, "2018-01-10T10:00:00Z").await.id;
    let m2 = clerk.create_meeting(committee, "2099-01-10T10:00:00Z").await.id;
    clerk.post(
        "/api/v1/actions",
        json!({"raised_at_meeting_id": m1, "description": "=HYPERLINK(\"http://evil.example\",\"click\")", "owner": "+44 1622 694000", "owed_to": "@everyone"}),
    )
    .await
    .expect(201);
    let csv = clerk.get(&format!("/api/v1/meetings/{m2}/action-log?format=csv")).await.expect(200);
    let mut reader = csv::Reader::from_reader(csv.text.trim_start_matches('\u{feff}').as_bytes());
    let record = reader.records().next().unwrap().unwrap();
    assert_eq!(&record[4], "'=HYPERLINK(\"http://evil.example\",\"click\")");
    assert_eq!(&record[7], "'+44 1622 694000");
    assert_eq!(&record[6], "'@everyone");
}

/// Every CSV cell is quoted, so a spreadsheet whose list separator is `;` (or
/// tab) cannot split a description into a new cell that starts a formula.
#[actix_web::test]
async fn csv_cells_cannot_be_split_into_formulas_by_a_semicolon() {
    let app = crate::helpers::spawn_sqlite().await;
    let clerk = app.as_secretariat();
    let committee = clerk.create_committee("KMPCP").await.id;
    let m1 = clerk.create_meeting(committee, "2018-01-10T10:00:00Z").await.id;
    let m2 = clerk.create_meeting(committee, "2099-01-10T10:00:00Z").await.id;
    let hostile = "figures;=cmd|' /C calc'!A0";
    clerk.post(
        "/api/v1/actions",
        json!({"raised_at_meeting_id": m1, "description": hostile, "owner": "OPCC Finance;@SUM(1+1)", "owed_to": "the Panel"}),
    )
    .await
    .expect(201);
    let csv = clerk.get(&format!("/api/v1/meetings/{m2}/action-log?format=csv")).await.expect(200);
    for line in csv.text.trim_start_matches('\u{feff}').split("\r\n").filter(|l| !l.is_empty()) {
        assert!(line.starts_with('"') && line.ends_with('"'), "unquoted cell in {line}");
        // Outside quotes there is nothing but the commas between cells.
        let mut in_quotes = false;
        for c in line.chars() {
            if c == '"' {
                in_quotes = !in_quotes;
            } else if !in_quotes {
                assert_eq!(c, ',', "text outside quotes in {line}");
            }
        }
    }
    let mut reader = csv::Reader::from_reader(csv.text.trim_start_matches('\u{feff}').as_bytes());
    let record = reader.records().next().unwrap().unwrap();
    assert_eq!(&record[4], hostile);
    assert_eq!(&record[7], "OPCC Finance;@SUM(1+1)");
}

/// The printable page in a real headless browser, printed to PDF: the rows
/// are there, and hostile text is shown as text.
#[actix_web::test]
async fn the_printed_log_shows_every_row_and_hostile_text_as_text() {
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"].into_iter().find(|b| which(b)) else {
        assert!(std::env::var("CI").is_err(), "CI must have chromium (.ci/run installs it)");
        eprintln!("chromium not installed: browser test skipped (apt-get install chromium poppler-utils)");
        return;
    };
    let app = crate::helpers::spawn_sqlite().await;
    let clerk = app.as_secretariat();
    let committee = clerk.create_committee("KMPCP").await.id;
    let m1 = clerk.create_meeting(committee, "2018-01-10T10:00:00Z").await.id;
    let m2 = clerk.create_meeting(committee, "2099-01-10T10:00:00Z").await.id;
    let hostile = format!(
        "<script>document.title='pwned'</script> \"quoted\" and 'single' {}",
        "Supercalifragilistic".repeat(12)
    );
    let mut references = Vec::new();
    for n in 0..30 {
        let description = if n == 3 { hostile.clone() } else { format!("Provide the figures for district {n}") };
        let r = clerk
            .post(
                "/api/v1/actions",
                json!({"raised_at_meeting_id": m1, "description": description, "owed_to": "the Panel"}),
            )
            .await;
        references.push(r.expect(201).json::<Action>().reference);
    }
    let html = clerk.get(&format!("/api/v1/meetings/{m2}/action-log?format=html")).await.expect(200);
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("log.html");
    let pdf = dir.path().join("log.pdf");
    std::fs::write(&page, &html.text).unwrap();
    let status = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", dir.path().join("profile").display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", page.display()))
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success() && pdf.exists(), "chromium printed the page");
    if let Ok(keep) = std::env::var("KEEP_ACTION_LOG_PDF") {
        std::fs::copy(&pdf, keep).unwrap();
    }
    let text = std::process::Command::new("pdftotext").arg(&pdf).arg("-").output().expect("pdftotext (poppler-utils)");
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(text.contains("Action log: KMPCP Police and Crime Panel"), "{text}");
    for reference in &references {
        assert!(text.contains(reference.as_str()), "{reference} is printed");
    }
    // Long words wrap inside their cell, so compare without line breaks.
    let joined: String = text.split_whitespace().collect();
    assert!(
        joined.contains("<script>document.title='pwned'</script>\"quoted\"and'single'"),
        "hostile markup is shown as text: {text}"
    );
    assert!(joined.contains(&"Supercalifragilistic".repeat(12)), "the very long word is printed whole");
    let info = std::process::Command::new("pdfinfo").arg(&pdf).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    let size = info.lines().find(|l| l.starts_with("Page size:")).unwrap();
    assert!(size.contains("(A4)") && size.contains("841."), "A4 landscape: {size}");
    let pages: usize = info.lines().find(|l| l.starts_with("Pages:")).unwrap()[6..].trim().parse().unwrap();
    assert!(pages >= 2, "thirty rows take more than one page");
}

fn which(binary: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(binary).is_file()))
        .unwrap_or(false)
}

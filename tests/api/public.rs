//! The public record: published committees read without signing in, with
//! exempt and internal information kept out of every answer, search,
//! open data, the Atom feed, caching and the rate limit.

use panel_tracker::api::actions::Action;
use panel_tracker::auth::policy::Role;
use panel_tracker::config::RateLimit;
use serde_json::{json, Value};

use crate::helpers::{Client, Panel, TestApp};

/// Every private field of the data below holds this; no public answer may.
const MARKER: &str = "markerx";

fn assert_clean(path: &str, text: &str) {
    assert!(!text.to_lowercase().contains(MARKER), "{path} shows private data:\n{text}");
}

async fn publish(clerk: &Client, committee: i64, published: bool) {
    let path = format!("/api/v1/committees/{committee}");
    let etag = clerk.get(&path).await.expect(200).etag();
    let body = clerk.patch(&path, &etag, json!({"published": published})).await.expect(200).body;
    assert_eq!(body["published"], json!(published));
}

/// A published committee holding an open action (with an owner account, a
/// returned response's reason and an idempotency key) and an exempt one,
/// and an unpublished committee; every private field holds the marker.
struct Record {
    published: Panel,
    unpublished: Panel,
    open: Action,
    exempt: Action,
    hidden: Action,
}

async fn record_with_markers(app: &TestApp) -> Record {
    let clerk = app.as_secretariat();
    let admin = app.new_user("boss", Role::Admin).await;
    let officer = app.new_user("markerx-officer", Role::Opcc).await;
    let officer_id = admin.user_named("markerx-officer").await.id;
    let path = format!("/api/v1/users/{officer_id}");
    let etag = admin.get(&path).await.expect(200).etag();
    admin.patch(&path, &etag, json!({"display_name": "Markerx Person"})).await.expect(200);

    let published = clerk.panel("KMPCP").await;
    let unpublished = clerk.panel("SECRET").await;
    let path = format!("/api/v1/committees/{}", unpublished.committee);
    clerk.patch(&path, "\"1\"", json!({"name": "Markerx unpublished panel"})).await.expect(200);

    let open: Action = clerk
        .post_with(
            "/api/v1/actions",
            json!({"raised_at_meeting_id": published.meetings[0],
                   "description": "Report back on which school would be involved in the knife crime visits",
                   "committed_by": "Commissioner", "owed_to": "Mr Smith, Member",
                   "owner_id": officer_id}),
            &[("idempotency-key", "markerx-idempotency")],
        )
        .await
        .expect(201)
        .json();
    officer.transition(open.id, "start", "\"1\"", json!({})).await.expect(200);
    officer
        .transition(open.id, "submit-response", "\"2\"", json!({"response": "Three schools in Folkestone take part."}))
        .await
        .expect(200);
    clerk.transition(open.id, "return", "\"3\"", json!({"reason": "Markerx: name the schools"})).await.expect(200);

    let exempt: Action = clerk
        .post(
            "/api/v1/actions",
            json!({"raised_at_meeting_id": published.meetings[0],
                   "description": "Markerx exempt description about the school contract",
                   "source_sentence": "Markerx exempt sentence", "committed_by": "Markerx committed",
                   "owed_to": "Markerx owed", "minute_paragraph": "markerx 7", "owner": "Markerx owner",
                   "exempt": {"paragraph": 3, "reason": "Markerx names a supplier"}}),
        )
        .await
        .expect(201)
        .json();
    officer.transition(exempt.id, "start", "\"1\"", json!({})).await.expect(200);
    officer
        .transition(exempt.id, "submit-response", "\"2\"", json!({"response": "Markerx exempt response school"}))
        .await
        .expect(200);

    // A report of the panel with a recommendation the (markerx-named) officer
    // answers: the report is public, who recorded the answer is not; and a
    // report of the unpublished committee.
    let report = json!({"committee_id": published.committee, "subject": "decision",
                        "title": "Review of the estates decision", "reported_on": "2018-03-01",
                        "published_url": "https://example.org/pcp/estates-review.pdf",
                        "recommendations": [{"text": "Publish the estates strategy.", "due_on": "2018-04-30"}]});
    let report = clerk.post("/api/v1/panel-reports", report).await.expect(201).body;
    let answer = json!({"response": "partly_accepted", "text": "The strategy is published in summary.",
                        "responded_on": "2018-04-20"});
    let path = format!("/api/v1/recommendations/{}/response", report["recommendations"][0]["id"]);
    officer.post_with(&path, answer, &[("if-match", "\"1\"")]).await.expect(200);
    let secret = json!({"committee_id": unpublished.committee, "subject": "decision",
                        "title": "Markerx unpublished report", "reported_on": "2018-03-01"});
    clerk.post("/api/v1/panel-reports", secret).await.expect(201);

    let hidden = clerk.create_action(unpublished.meetings[0], "Markerx unpublished school action").await;
    publish(&clerk, published.committee, true).await;
    Record { published, unpublished, open, exempt, hidden }
}

/// Every public API path for the record, with the status each must answer.
fn public_paths(r: &Record) -> Vec<(String, u16)> {
    let c = r.published.committee;
    let mut paths = vec![
        ("/api/v1/public/committees".to_string(), 200),
        (format!("/api/v1/public/committees/{c}"), 200),
        (format!("/api/v1/public/committees/{c}/actions"), 200),
        (format!("/api/v1/public/committees/{c}/actions?q=school"), 200),
        (format!("/api/v1/public/committees/{c}/actions?q=markerx"), 200),
        (format!("/api/v1/public/committees/{c}/actions?q=supplier%20contract"), 200),
        (format!("/api/v1/public/committees/{c}/actions?q={}", r.exempt.reference), 200),
        (format!("/api/v1/public/committees/{c}/actions?status=response_submitted"), 200),
        (format!("/api/v1/public/committees/{c}/actions.json"), 200),
        (format!("/api/v1/public/committees/{c}/actions.csv"), 200),
        (format!("/api/v1/public/committees/{c}/feed.atom"), 200),
        (format!("/api/v1/public/committees/{c}/reports"), 200),
        (format!("/api/v1/public/actions/{}", r.open.id), 200),
        (format!("/api/v1/public/actions/{}", r.exempt.id), 200),
    ];
    for m in &r.published.meetings {
        paths.push((format!("/api/v1/public/meetings/{m}"), 200));
        paths.push((format!("/public/meetings/{m}"), 200));
    }
    // The pages, from the same data.
    for page in [
        "/public".to_string(),
        format!("/public/committees/{c}"),
        format!("/public/committees/{c}?q=school"),
        format!("/public/committees/{c}?q=markerx"),
        format!("/public/committees/{c}?q=supplier%20contract"),
        format!("/public/committees/{c}?q={}", r.exempt.reference),
        format!("/public/committees/{c}?status=response_submitted"),
        format!("/public/actions/{}", r.open.id),
        format!("/public/actions/{}", r.exempt.id),
    ] {
        paths.push((page, 200));
    }
    let u = r.unpublished.committee;
    for path in [
        format!("/api/v1/public/committees/{u}"),
        format!("/api/v1/public/committees/{u}/actions"),
        format!("/api/v1/public/committees/{u}/actions?q=school"),
        format!("/api/v1/public/committees/{u}/actions.json"),
        format!("/api/v1/public/committees/{u}/actions.csv"),
        format!("/api/v1/public/committees/{u}/feed.atom"),
        format!("/api/v1/public/committees/{u}/reports"),
        format!("/api/v1/public/meetings/{}", r.unpublished.meetings[0]),
        format!("/api/v1/public/actions/{}", r.hidden.id),
        format!("/public/committees/{u}"),
        format!("/public/committees/{u}?q=school"),
        format!("/public/meetings/{}", r.unpublished.meetings[0]),
        format!("/public/actions/{}", r.hidden.id),
    ] {
        paths.push((path, 404));
    }
    paths
}

async fn nothing_private_is_public(app: TestApp) {
    let r = record_with_markers(&app).await;
    let public = app.anonymous();
    for (path, status) in public_paths(&r) {
        let response = public.get(&path).await;
        assert_eq!(response.status, status, "{path}: {}", response.text);
        // A search box shows back what was typed: that is the visitor's text, not the record's.
        assert_clean(&path, &response.text.replace("value=\"markerx\"", "").replace("q=markerx", ""));
        for (name, value) in response.headers.iter() {
            assert_clean(&format!("{path} header {name}"), value.to_str().unwrap_or_default());
        }
    }
}

async fn the_public_sees_the_record_without_the_exempt_content(app: TestApp) {
    let r = record_with_markers(&app).await;
    let public = app.anonymous();
    let c = r.published.committee;

    let committees = public.get("/api/v1/public/committees").await.expect(200).body;
    assert_eq!(committees.as_array().unwrap().len(), 1, "only the published committee");
    assert_eq!(committees[0]["code"], "KMPCP");

    let open = public.get(&format!("/api/v1/public/actions/{}", r.open.id)).await.expect(200).body;
    assert_eq!(open["action"]["reference"], json!(r.open.reference));
    assert_eq!(open["action"]["status"], "in_progress");
    assert_eq!(open["action"]["response"], "Three schools in Folkestone take part.");
    let history: Vec<(Value, Value)> =
        open["status_history"].as_array().unwrap().iter().map(|c| (c["from"].clone(), c["to"].clone())).collect();
    assert_eq!(
        history,
        [
            (Value::Null, json!("open")),
            (json!("open"), json!("in_progress")),
            (json!("in_progress"), json!("response_submitted")),
            (json!("response_submitted"), json!("in_progress")),
        ]
    );
    for private in ["owner", "owner_id", "status_reason", "version", "actor", "allowed_transitions"] {
        assert!(open["action"].get(private).is_none(), "{private} is not a public field");
    }
    // The panel's reports and the PCC's responses are public documents.
    let reports = public.get(&format!("/api/v1/public/committees/{c}/reports")).await.expect(200).body;
    assert_eq!(reports[0]["title"], "Review of the estates decision");
    assert_eq!(reports[0]["published_url"], "https://example.org/pcp/estates-review.pdf");
    let recommendation = &reports[0]["recommendations"][0];
    assert_eq!(recommendation["reference"], "KMPCP/R/2018/001");
    assert_eq!(recommendation["response"], "partly_accepted");
    assert_eq!(recommendation["rating"], "green");
    for private in ["version", "committee_id", "report_id", "created_at", "updated_at", "id"] {
        assert!(recommendation.get(private).is_none(), "{private} is not a public field of a recommendation");
    }
    let page = public.get(&format!("/public/committees/{c}")).await.expect(200).text;
    assert!(page.contains("Review of the estates decision") && page.contains("Partly accepted"), "{page}");

    let exempt = public.get(&format!("/api/v1/public/actions/{}", r.exempt.id)).await.expect(200).body;
    let action = &exempt["action"];
    assert_eq!(action["reference"], json!(r.exempt.reference));
    assert_eq!(action["status"], "response_submitted");
    assert_eq!(action["exempt"]["paragraph"], 3);
    assert!(action["exempt"]["category"].as_str().unwrap().contains("financial or business affairs"));
    for hidden in ["description", "response", "source_sentence", "committed_by", "owed_to", "minute_paragraph", "kind"]
    {
        assert_eq!(action[hidden], Value::Null, "{hidden} of an exempt action");
    }
    assert_eq!(exempt["status_history"], json!([]), "an exempt action's timeline is not public");

    // Search: by words among public text, by reference for an exempt action.
    let found = public.get(&format!("/api/v1/public/committees/{c}/actions?q=school")).await.expect(200).body;
    let ids: Vec<i64> = found["items"].as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [r.open.id], "the exempt action's words are not searchable");
    let by_reference =
        public.get(&format!("/api/v1/public/committees/{c}/actions?q={}", r.exempt.reference)).await.expect(200).body;
    assert_eq!(by_reference["items"][0]["id"], json!(r.exempt.id));

    // The meeting's action log holds both; the exempt one without content.
    let meeting = public.get(&format!("/api/v1/public/meetings/{}", r.published.meetings[1])).await.expect(200).body;
    let due = &meeting["action_log"][0];
    assert_eq!(due["title"], "Actions due at this meeting");
    assert_eq!(due["actions"].as_array().unwrap().len(), 2);

    // Open data: CSV with the documented header, JSON with the schema version.
    let csv = public.get(&format!("/api/v1/public/committees/{c}/actions.csv")).await.expect(200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(csv.header("content-disposition").unwrap().contains("kmpcp-actions.csv"));
    let mut lines = csv.text.lines();
    assert!(lines.next().unwrap().starts_with("\"id\",\"reference\",\"committee_code\""));
    assert_eq!(lines.count(), 2);
    let data = public.get(&format!("/api/v1/public/committees/{c}/actions.json")).await.expect(200).body;
    assert_eq!(data["schema_version"], "1.0");
    assert_eq!(data["actions"].as_array().unwrap().len(), 2);

    // The Atom feed: well-formed entries, newest first, linking to the public pages.
    let feed = public.get(&format!("/api/v1/public/committees/{c}/feed.atom")).await.expect(200);
    assert!(feed.header("content-type").unwrap().starts_with("application/atom+xml"));
    assert!(feed.text.starts_with("<?xml") && feed.text.trim_end().ends_with("</feed>"));
    assert_eq!(feed.text.matches("<entry>").count(), 5, "the exempt action's logging only: {}", feed.text);
    assert!(feed.text.contains(&format!("href=\"/public/actions/{}\"", r.open.id)));
    assert!(feed.text.contains("Exempt from publication under paragraph 3"));

    // Nothing anonymous can write, and the staff API still wants a token.
    public.post("/api/v1/public/committees", json!({})).await.expect(405);
    public.get("/api/v1/actions").await.expect(401);
}

/// The resident's story: the committee's page, a search, the action with
/// its response, the CSV download, all without signing in.
async fn a_resident_finds_a_promise_and_its_response(app: TestApp) {
    let r = record_with_markers(&app).await;
    let public = app.anonymous();
    let c = r.published.committee;
    let home = public.get("/public").await.expect(200);
    assert!(home.text.contains(&format!("href=\"/public/committees/{c}\"")));
    assert!(home.header("content-security-policy").unwrap().contains("frame-ancestors 'none'"));
    let committee = public.get(&format!("/public/committees/{c}")).await.expect(200);
    assert!(committee.text.contains(&format!("/api/v1/public/committees/{c}/actions.csv")));
    let found = public.get(&format!("/public/committees/{c}?q=which%20schools")).await.expect(200);
    assert!(found.text.contains(&format!("href=\"/public/actions/{}\"", r.open.id)), "{}", found.text);
    assert!(!found.text.contains(&format!("href=\"/public/actions/{}\"", r.exempt.id)));
    let action = public.get(&format!("/public/actions/{}", r.open.id)).await.expect(200);
    assert!(action.text.contains("Three schools in Folkestone take part."));
    assert!(action.text.contains("Response submitted"));
    let exempt = public.get(&format!("/public/actions/{}", r.exempt.id)).await.expect(200);
    assert!(exempt.text.contains("exempt from publication under paragraph 3"));
    // Markup in the record is shown as text.
    let clerk = app.as_secretariat();
    let xss = clerk.create_action(r.published.meetings[0], "<script>alert(1)</script> school").await;
    let page = public.get(&format!("/public/actions/{}", xss.id)).await.expect(200);
    assert!(!page.text.contains("<script>alert(1)"));
    assert!(page.text.contains("&lt;script&gt;") || page.text.contains("&#60;script&#62;"), "{}", page.text);
    // An over-long search is an error on the page, not a failure.
    let long = "a".repeat(201);
    let refused = public.get(&format!("/public/committees/{c}?q={long}")).await.expect(200);
    assert!(refused.text.contains("govuk-error-message"));
    public.get("/public/committees/999999").await.expect(404);
}

async fn publishing_and_unpublishing_take_effect_at_once(app: TestApp) {
    let r = record_with_markers(&app).await;
    let clerk = app.as_secretariat();
    let public = app.anonymous();
    let c = r.published.committee;
    let paths = [
        format!("/api/v1/public/committees/{c}"),
        format!("/api/v1/public/committees/{c}/actions.csv"),
        format!("/api/v1/public/meetings/{}", r.published.meetings[0]),
        format!("/api/v1/public/actions/{}", r.open.id),
    ];
    let pages = [format!("/public/committees/{c}"), format!("/public/actions/{}", r.open.id)];
    for path in paths.iter().chain(&pages) {
        public.get(path).await.expect(200);
    }
    publish(&clerk, c, false).await;
    for path in &paths {
        let problem = public.get(path).await.expect_problem(404).problem();
        assert_eq!(problem.status, 404, "{path}: not found, never forbidden");
    }
    for page in &pages {
        public.get(page).await.expect(404);
    }
    assert_eq!(public.get("/api/v1/public/committees").await.expect(200).body, json!([]));
    // The same answer as for what never existed.
    public.get("/api/v1/public/committees/999999").await.expect_problem(404);
    publish(&clerk, c, true).await;
    public.get(&paths[0]).await.expect(200);
    // Members and readers cannot publish.
    let member = app.new_user("member", Role::Member).await;
    member.patch(&format!("/api/v1/committees/{c}"), "\"4\"", json!({"published": false})).await.expect(403);
}

async fn unchanged_answers_are_304_and_cacheable(app: TestApp) {
    let r = record_with_markers(&app).await;
    let clerk = app.as_secretariat();
    let public = app.anonymous();
    let path = format!("/api/v1/public/actions/{}", r.open.id);
    let first = public.get(&path).await.expect(200);
    assert_eq!(first.header("cache-control").as_deref(), Some("public, max-age=60"));
    let etag = first.etag();
    let again = public.send("GET", &path, &[("if-none-match", &etag)], None).await;
    assert_eq!(again.status, 304);
    assert!(again.text.is_empty());
    assert_eq!(again.header("etag"), Some(etag.clone()));
    // A change makes a new answer.
    let action = clerk.get_action(r.open.id).await;
    clerk
        .transition(
            r.open.id,
            "submit-response",
            &format!("\"{}\"", action.version),
            json!({"response": "Harbour, Castle and Cheriton schools take part."}),
        )
        .await
        .expect(200);
    let changed = public.send("GET", &path, &[("if-none-match", &etag)], None).await;
    assert_eq!(changed.status, 200);
    assert_ne!(changed.etag(), etag);
    // Lists and files too.
    let csv = format!("/api/v1/public/committees/{}/actions.csv", r.published.committee);
    let tag = public.get(&csv).await.expect(200).etag();
    assert_eq!(public.send("GET", &csv, &[("if-none-match", &tag)], None).await.status, 304);
    let json = format!("/api/v1/public/committees/{}/actions.json", r.published.committee);
    let tag = public.get(&json).await.expect(200).etag();
    assert_eq!(public.send("GET", &json, &[("if-none-match", &tag)], None).await.status, 304);
}

async fn the_rate_limit_holds_for_one_address_and_not_others(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("KMPCP").await;
    publish(&clerk, panel.committee, true).await;
    let path = format!("/api/v1/public/committees/{}", panel.committee);
    let noisy = app.anonymous_from("127.0.0.2");
    let mut answers = Vec::new();
    for _ in 0..8 {
        answers.push(noisy.get(&path).await);
    }
    let ok = answers.iter().filter(|r| r.status == 200).count();
    assert_eq!(ok, 5, "the burst, then refused");
    let refused = answers.last().unwrap();
    assert_eq!(refused.status, 429);
    assert!(refused.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(refused.problem().status, 429);
    // Another address is not touched, and neither is the staff API.
    app.anonymous_from("127.0.0.3").get(&path).await.expect(200);
    clerk.get("/api/v1/actions").await.expect(200);
}

async fn limited_app(postgres: bool) -> Option<TestApp> {
    crate::helpers::spawn_custom(postgres, |s| s.public_rate_limit = RateLimit { per_minute: 1, burst: 5 }).await
}

#[actix_web::test]
async fn rate_limit_on_sqlite() {
    the_rate_limit_holds_for_one_address_and_not_others(limited_app(false).await.unwrap()).await
}

#[actix_web::test]
async fn rate_limit_on_postgres() {
    if let Some(app) = limited_app(true).await {
        the_rate_limit_holds_for_one_address_and_not_others(app).await
    }
}

crate::on_both_backends!(
    nothing_private_is_public,
    the_public_sees_the_record_without_the_exempt_content,
    a_resident_finds_a_promise_and_its_response,
    publishing_and_unpublishing_take_effect_at_once,
    unchanged_answers_are_304_and_cacheable,
);

use serde_json::{json, Value};

use crate::helpers::TestApp;

const MINUTES: &str = "Agenda item\n\nQuestions to the Commissioner\n\nMinutes:\n\n\
5.  The Commissioner introduced the quarterly report.\n\n\
6.  Asked about the rural crime team, the Commissioner would report back to the Member on its staffing.\n\n\
7.  The Chief Finance Officer undertook to circulate the reserves table to the Panel.\n\n\
8.  The Panel felt the report should say more about burglary.\n";

async fn post_text(app: &TestApp, meeting: i64, content_type: &str, body: Vec<u8>) -> crate::helpers::Response {
    app.request(
        "POST",
        &format!("/api/v1/meetings/{meeting}/extractions"),
        &[("content-type", content_type)],
        Some(body),
    )
    .await
}

async fn minutes_become_actions_linked_to_the_meeting(app: TestApp) {
    let panel = app.panel("KMPCP").await;
    let meeting = panel.meetings[0];
    let found = post_text(&app, meeting, "text/plain", MINUTES.as_bytes().to_vec()).await.expect(200);
    let candidates = found.body["candidates"].as_array().unwrap().clone();
    assert_eq!(candidates.len(), 2, "{}", found.text);
    assert_eq!(candidates[0]["paragraph"], "6");
    assert_eq!(candidates[0]["agenda_item"], "Questions to the Commissioner");
    assert_eq!(candidates[0]["kind"], "report_back");
    let offset = candidates[0]["offset"].as_u64().unwrap() as usize;
    let length = candidates[0]["length"].as_u64().unwrap() as usize;
    assert_eq!(&MINUTES[offset..offset + length], candidates[0]["sentence"].as_str().unwrap());
    assert_eq!(app.get("/api/v1/actions").await.body["items"], json!([]), "extraction saves nothing");

    // The same minutes as JSON or as an HTML page give the same candidates.
    let as_json =
        app.post(&format!("/api/v1/meetings/{meeting}/extractions"), json!({"text": MINUTES})).await.expect(200);
    assert_eq!(as_json.body["candidates"], found.body["candidates"]);
    let html = format!("<html><body><p>{}</p></body></html>", MINUTES.replace("\n\n", "</p><p>"));
    let as_html = post_text(&app, meeting, "text/html", html.into_bytes()).await.expect(200);
    assert_eq!(as_html.body["candidates"].as_array().unwrap().len(), 2);

    let accept: Vec<Value> = candidates
        .iter()
        .map(|c| {
            json!({"minute_paragraph": c["paragraph"], "committed_by": c["committed_by"], "owed_to": c["owed_to"],
                   "source_sentence": c["sentence"], "description": c["summary"], "kind": c["kind"]})
        })
        .collect();
    let path = format!("/api/v1/meetings/{meeting}/actions/bulk");
    let key = [("idempotency-key", "minutes-2018-02-06")];
    let created = app.post_with(&path, json!({"actions": accept}), &key).await.expect(201);
    let actions = created.body["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 2);
    assert_eq!(actions[0]["raised_at_meeting_id"], meeting);
    assert_eq!(actions[0]["minute_paragraph"], "6");
    assert_eq!(actions[0]["source_sentence"], candidates[0]["sentence"]);
    assert_eq!(actions[1]["committed_by"], "Chief Finance Officer");
    let retry = app.post_with(&path, json!({"actions": accept}), &key).await.expect(201);
    assert_eq!(retry.body, created.body);
    assert_eq!(
        app.get("/api/v1/actions").await.body["items"].as_array().unwrap().len(),
        2,
        "a retry logs nothing twice"
    );
}

async fn bad_minutes_get_clear_problems_and_save_nothing(app: TestApp) {
    let panel = app.panel("KMPCP").await;
    let meeting = panel.meetings[0];
    post_text(&app, meeting, "text/plain", b"   \n ".to_vec()).await.expect_problem(422);
    post_text(&app, meeting, "text/plain", b"The Commissioner \xff\xfe agreed".to_vec()).await.expect_problem(400);
    post_text(&app, meeting, "application/xml", b"<minutes/>".to_vec()).await.expect_problem(415);
    post_text(&app, meeting, "text/plain", vec![b'a'; 2 * 1024 * 1024 + 1]).await.expect_problem(413);
    app.post(&format!("/api/v1/meetings/{meeting}/extractions"), json!({"text": ""})).await.expect_problem(422);
    post_text(&app, 999999, "text/plain", MINUTES.as_bytes().to_vec()).await.expect_problem(404);

    let path = format!("/api/v1/meetings/{meeting}/actions/bulk");
    let bad = json!({"actions": [
        {"source_sentence": "He would check.", "description": "Check"},
        {"source_sentence": "She would write.", "description": "  "},
    ]});
    let problem = app.post(&path, bad).await.expect_problem(422);
    assert_eq!(problem.body["errors"][0]["field"], "actions[1].description");
    let wrong_item = json!({"actions": [
        {"source_sentence": "He would check.", "description": "Check"},
        {"source_sentence": "She would write.", "description": "Write", "agenda_item_id": 999999},
    ]});
    let problem = app.post(&path, wrong_item).await.expect_problem(404);
    assert_eq!(problem.body["errors"][0]["field"], "actions[1].agenda_item_id");
    app.post(&path, json!({"actions": []})).await.expect_problem(422);
    assert_eq!(app.get("/api/v1/actions").await.body["items"], json!([]), "nothing half-written");
}

/// Done when: through the API, each minutes file of the labelled corpus yields
/// its labelled commitments. Runs where `../shared/corpus` is (as in CI).
async fn the_labelled_corpus_through_the_api(app: TestApp) {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !corpus.exists() {
        // A clone on its own has no corpus; CI's has it beside (and .ci/run's eval says so).
        eprintln!("no corpus at {}: skipped", corpus.display());
        return;
    }
    let labels: Value = serde_json::from_str(&std::fs::read_to_string(corpus.join("labels.json")).unwrap()).unwrap();
    let panel = app.panel("KMPCP").await;
    let meeting = panel.meetings[0];
    let mut found_labels = 0;
    let commitments = labels["commitments"].as_array().unwrap();
    let mut files: Vec<String> = commitments.iter().map(|c| c["file"].as_str().unwrap().to_string()).collect();
    files.dedup();
    for file in &files {
        let text = std::fs::read_to_string(corpus.join("minutes").join(file)).unwrap();
        let r = post_text(&app, meeting, "text/plain", text.clone().into_bytes()).await.expect(200);
        let spans: Vec<(usize, usize)> = r.body["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let o = c["offset"].as_u64().unwrap() as usize;
                (o, o + c["length"].as_u64().unwrap() as usize)
            })
            .collect();
        // Accepting every candidate logs each as an action of the meeting, with its paragraph and sentence.
        let accept: Vec<Value> = r.body["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                json!({"minute_paragraph": c["paragraph"], "committed_by": c["committed_by"], "owed_to": c["owed_to"],
                       "source_sentence": c["sentence"], "description": c["summary"], "kind": c["kind"]})
            })
            .collect();
        let created =
            app.post(&format!("/api/v1/meetings/{meeting}/actions/bulk"), json!({"actions": accept})).await.expect(201);
        for (action, candidate) in
            created.body["actions"].as_array().unwrap().iter().zip(r.body["candidates"].as_array().unwrap())
        {
            assert_eq!(action["raised_at_meeting_id"], meeting);
            assert_eq!(action["minute_paragraph"], candidate["paragraph"]);
            assert_eq!(action["source_sentence"].as_str().unwrap(), candidate["sentence"].as_str().unwrap().trim());
        }
        for label in commitments.iter().filter(|c| c["file"] == file.as_str()) {
            let sentence = label["sentence"].as_str().unwrap();
            let at = text.find(sentence).unwrap();
            let hit = spans.iter().any(|(a, b)| *a < at + sentence.len() && at < *b);
            assert!(hit, "{file}: not found: {sentence}");
            found_labels += 1;
        }
    }
    assert_eq!(found_labels, commitments.len());
}

crate::on_both_backends!(
    minutes_become_actions_linked_to_the_meeting,
    bad_minutes_get_clear_problems_and_save_nothing,
    the_labelled_corpus_through_the_api,
);

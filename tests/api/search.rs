//! Full-text search over actions (`q` on the action list): words and
//! references found on both backends, better matches first, the list's
//! filters and paging kept, and no text a search engine would parse.

use panel_tracker::api::actions::Action;
use panel_tracker::http::pagination::Page;
use serde_json::json;

use crate::helpers::{Client, TestApp};

fn references(page: &Page<Action>) -> Vec<String> {
    page.items.iter().map(|a| a.reference.clone()).collect()
}

async fn search(clerk: &Client, query: &str) -> Page<Action> {
    clerk.page(&format!("/api/v1/actions?{query}")).await
}

async fn finds_by_words_and_reference_best_match_first(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("KMPCP").await;
    let meeting = panel.meetings[0];
    // "school" in the description: the best match.
    let in_description = clerk
        .post(
            "/api/v1/actions",
            json!({"raised_at_meeting_id": meeting,
                   "description": "Report back on which school would be involved in the knife crime visits"}),
        )
        .await
        .expect(201)
        .json::<Action>();
    // "school" only in the minutes' sentence: a weaker match.
    let in_sentence = clerk
        .post(
            "/api/v1/actions",
            json!({"raised_at_meeting_id": meeting, "description": "Provide the response times for rural areas",
                   "source_sentence": "A Member asked whether the figures covered the school holidays."}),
        )
        .await
        .expect(201)
        .json::<Action>();
    let unrelated = clerk.create_action(meeting, "Circulate the precept consultation results").await;

    let found = search(&clerk, "q=school").await;
    assert_eq!(references(&found), [in_description.reference.as_str(), in_sentence.reference.as_str()]);
    // Stemming: "schools" and "involving" find the same words.
    let found = search(&clerk, "q=Schools%20involving").await;
    assert_eq!(references(&found), [in_description.reference.as_str()]);
    // Every word must match; common words are ignored.
    assert!(search(&clerk, "q=school%20precept").await.items.is_empty());
    let found = search(&clerk, "q=what%20about%20the%20precept").await;
    assert_eq!(references(&found), [unrelated.reference.as_str()]);
    // A reference, in any case, finds its action first.
    let found = search(&clerk, &format!("q={}", unrelated.reference.to_lowercase())).await;
    assert_eq!(found.items[0].id, unrelated.id);

    // The response is searched once it is written, and edits are indexed.
    clerk.transition(unrelated.id, "start", "\"1\"", json!({})).await.expect(200);
    clerk
        .transition(
            unrelated.id,
            "submit-response",
            "\"2\"",
            json!({"response": "The consultation closed with 2,400 replies; the school survey is attached."}),
        )
        .await
        .expect(200);
    let found = search(&clerk, "q=consultation%20replies").await;
    assert_eq!(references(&found), [unrelated.reference.as_str()]);
    let found = search(&clerk, "q=school").await;
    assert_eq!(found.items.len(), 3);
    assert_eq!(found.items[0].id, in_description.id, "the description outranks the response and the sentence");
    let path = format!("/api/v1/actions/{}", in_sentence.id);
    clerk.patch(&path, "\"1\"", json!({"source_sentence": null})).await.expect(200);
    let found = search(&clerk, "q=school").await;
    assert_eq!(references(&found), [in_description.reference.as_str(), unrelated.reference.as_str()]);
}

async fn search_keeps_the_lists_filters_and_pages(app: TestApp) {
    let clerk = app.as_secretariat();
    let kent = clerk.panel("KMPCP").await;
    let other = clerk.panel("SYPCP").await;
    let mut kent_ids = Vec::new();
    for n in 0..5 {
        let a = clerk.create_action(kent.meetings[0], &format!("Check the burglary figures for district {n}")).await;
        kent_ids.push(a.id);
    }
    clerk.create_action(other.meetings[0], "Check the burglary figures for the county").await;
    clerk.transition(kent_ids[0], "start", "\"1\"", json!({})).await.expect(200);

    let all = search(&clerk, "q=burglary").await;
    assert_eq!(all.items.len(), 6);
    let kent_only = search(&clerk, &format!("q=burglary&committee_id={}", kent.committee)).await;
    assert_eq!(kent_only.items.len(), 5);
    let started = search(&clerk, "q=burglary&status=in_progress").await;
    assert_eq!(started.items.iter().map(|a| a.id).collect::<Vec<_>>(), [kent_ids[0]]);

    // Pages of two in the ranking's order, every match once.
    let mut seen = Vec::new();
    let mut path = format!("/api/v1/actions?q=burglary&committee_id={}&limit=2", kent.committee);
    loop {
        let response = clerk.get(&path).await.expect(200);
        let page: Page<Action> = response.json();
        seen.extend(page.items.iter().map(|a| a.id));
        let Some(cursor) = page.next_cursor else { break };
        assert!(response.header("link").unwrap().contains("q=burglary"));
        path = format!("/api/v1/actions?q=burglary&committee_id={}&limit=2&cursor={cursor}", kent.committee);
    }
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(sorted, kent_ids, "every match exactly once across the pages");
}

async fn search_text_is_words_never_query_syntax(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("KMPCP").await;
    clerk.create_action(panel.meetings[0], "Report on \"stop and search\" figures (quarterly) - NEAR final").await;
    for hostile in [
        "%22unbalanced",
        "stop%20OR%20search",
        "NEAR(stop%20search)",
        "search*",
        "description%3Astop",
        "x'%20OR%201%3D1%20--",
        "!(stop%20%26%20search)%20%3C-%3E%20figures",
        "caf%C3%A9%20%E8%AD%A6%E5%AF%9F",
    ] {
        let response = clerk.get(&format!("/api/v1/actions?q={hostile}")).await;
        assert_eq!(response.status, 200, "{hostile}: {}", response.text);
    }
    let found = search(&clerk, "q=%22stop%20and%20search%22").await;
    assert_eq!(found.items.len(), 1);
    // Punctuation alone or common words alone find nothing; blank is no search.
    assert!(search(&clerk, "q=%3F!*%20--").await.items.is_empty());
    assert!(search(&clerk, "q=the%20and%20of").await.items.is_empty());
    assert_eq!(search(&clerk, "q=%20%20").await.items.len(), 1);
    for (bad, why) in [(&"a".repeat(201)[..], "too long"), ("school%07visits", "a control character")] {
        let problem = clerk.get(&format!("/api/v1/actions?q={bad}")).await.expect_problem(400).problem();
        assert!(problem.detail.contains("q"), "{why}: {problem:?}");
    }
    assert_eq!(search(&clerk, "q=figures&cursor=-1").await.items.len(), 1, "before the start is the start");
}

crate::on_both_backends!(
    finds_by_words_and_reference_best_match_first,
    search_keeps_the_lists_filters_and_pages,
    search_text_is_words_never_query_syntax,
);

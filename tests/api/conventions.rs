use std::collections::HashSet;

use panel_tracker::api::actions::Action;
use panel_tracker::http::pagination::Page;
use serde_json::json;

use crate::helpers::TestApp;

async fn pages_lose_and_repeat_nothing_while_actions_are_added(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("KMPCP").await;
    let mut expected = Vec::new();
    for n in 0..7 {
        expected.push(clerk.create_action(panel.meetings[0], &format!("Action {n}")).await.id);
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/actions?limit=3&status=open".to_string();
    loop {
        let response = clerk.get(&path).await.expect(200);
        let page: Page<Action> = response.json();
        seen.extend(page.items.iter().map(|a| a.id));
        // Another secretariat laptop logs an action between our pages.
        expected.push(clerk.create_action(panel.meetings[0], "Added while paging").await.id);
        let page_link = response.header("link");
        let Some(cursor) = page.next_cursor.as_deref() else {
            assert!(page_link.is_none());
            break;
        };
        let link = page_link.expect("a Link header with the next page");
        assert!(link.ends_with("; rel=\"next\""), "{link}");
        assert!(link.contains("status=open") && link.contains("limit=3"), "filters carry over: {link}");
        path = link.trim_start_matches('<').split('>').next().unwrap().to_string();
        assert!(path.contains(cursor));
    }
    let unique: HashSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "no action repeated: {seen:?}");
    assert_eq!(seen, expected[..seen.len()], "in order, none lost");
    assert!(seen.len() >= 7);

    clerk.get("/api/v1/actions?cursor=bm90LWEtY3Vyc29y").await.expect_problem(400);
    clerk.get("/api/v1/actions?limit=201").await.expect_problem(400);
    clerk.get("/api/v1/actions?limit=0").await.expect_problem(400);
    assert_eq!(
        clerk.page::<Action>("/api/v1/actions?limit=200").await.items.len(),
        seen.len() + 1,
        "only the action added after the last page is unseen"
    );
}

async fn if_match_guards_every_change(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("KMPCP").await;
    let id = clerk.create_action(panel.meetings[0], "Check it").await.id;
    let path = format!("/api/v1/actions/{id}");
    let missing =
        clerk.send("PATCH", &path, &[("content-type", "application/json")], Some(b"{\"owner\":\"x\"}".to_vec())).await;
    missing.expect_problem(428);
    clerk.patch(&path, "\"1\"", json!({"owner": "A"})).await.expect(200);
    let stale = clerk.patch(&path, "\"1\"", json!({"owner": "B"})).await.expect_problem(412);
    assert!(stale.problem().detail.contains("version 2"));
    // Well-formed entity-tags that are not the current version fail the
    // precondition (RFC 9110: weak tags never match strongly); `*` names no
    // version, so the edit is refused as unconditional; only malformed is 400.
    for not_current in ["W/\"2\"", "\"stale-0\"", "\"another-deployment-7\""] {
        clerk.patch(&path, not_current, json!({"owner": "B"})).await.expect_problem(412);
    }
    clerk.patch(&path, "*", json!({"owner": "B"})).await.expect_problem(428);
    clerk.patch(&path, "2", json!({"owner": "B"})).await.expect_problem(400);
    clerk.transition(id, "start", "\"1\"", json!({})).await.expect_problem(412);
    let no_header = clerk.send("POST", &format!("{path}/start"), &[], None).await;
    no_header.expect_problem(428);
    assert_eq!(clerk.get_action(id).await.owner.as_deref(), Some("A"), "the stale edit was not applied");
}

async fn idempotent_creates_replay_the_first_response(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("KMPCP").await;
    let body = json!({"raised_at_meeting_id": panel.meetings[0], "description": "Circulate the figures"});
    let key = [("idempotency-key", "laptop-7f3a")];
    let first = clerk.post_with("/api/v1/actions", body.clone(), &key).await.expect(201);
    let replay = clerk.post_with("/api/v1/actions", body.clone(), &key).await.expect(201);
    assert_eq!(replay.body, first.body);
    assert_eq!(replay.header("location"), first.header("location"));
    assert_eq!(replay.header("idempotent-replayed").as_deref(), Some("true"));
    assert!(first.header("idempotent-replayed").is_none());

    let different = json!({"raised_at_meeting_id": panel.meetings[0], "description": "Something else"});
    clerk.post_with("/api/v1/actions", different, &key).await.expect_problem(409);
    // The same key on another route is a different request.
    clerk.post_with("/api/v1/committees", json!({"code": "SYPCP", "name": "South Yorkshire"}), &key).await.expect(201);
    clerk.post_with("/api/v1/actions", body, &[("idempotency-key", "has space")]).await.expect_problem(400);

    let list: Page<Action> = clerk.page("/api/v1/actions").await;
    assert_eq!(list.items.len(), 1, "one action, however many retries");
}

async fn concurrent_creates_get_unique_gapless_references(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("KMPCP").await;
    let meeting = panel.meetings[0];
    let requests = (0..24).map(|n| {
        let clerk = &clerk;
        async move {
            clerk
                .post(
                    "/api/v1/actions",
                    json!({"raised_at_meeting_id": meeting, "description": format!("Concurrent {n}")}),
                )
                .await
        }
    });
    let responses = futures_util::future::join_all(requests).await;
    let mut numbers: Vec<u32> = responses
        .into_iter()
        .map(|r| {
            let reference = r.expect(201).json::<Action>().reference;
            reference.rsplit('/').next().unwrap().parse().unwrap()
        })
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=24).collect::<Vec<u32>>());
}

/// Method, path, headers, body and the status it must get.
type BadRequest = (&'static str, &'static str, Vec<(&'static str, &'static str)>, Option<Vec<u8>>, u16);

async fn bad_requests_get_problems_never_500s(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("KMPCP").await;
    let json_ct = [("content-type", "application/json")];
    let cases: Vec<BadRequest> = vec![
        ("POST", "/api/v1/actions", json_ct.to_vec(), Some(b"{\"raised_at_meeting_id\": 1,".to_vec()), 400),
        ("POST", "/api/v1/actions", json_ct.to_vec(), Some(b"[]".to_vec()), 422),
        ("POST", "/api/v1/actions", json_ct.to_vec(), Some(b"".to_vec()), 400),
        ("POST", "/api/v1/actions", json_ct.to_vec(), Some(b"\xff\xfe\xfd".to_vec()), 400),
        (
            "POST",
            "/api/v1/actions",
            json_ct.to_vec(),
            Some(b"{\"raised_at_meeting_id\": 99999999999999999999999}".to_vec()),
            422,
        ),
        (
            "POST",
            "/api/v1/actions",
            json_ct.to_vec(),
            Some(b"{\"raised_at_meeting_id\": \"1\", \"description\": 5}".to_vec()),
            422,
        ),
        ("POST", "/api/v1/actions", vec![("content-type", "text/plain")], Some(b"hello".to_vec()), 415),
        ("POST", "/api/v1/actions", json_ct.to_vec(), Some(vec![b' '; 300 * 1024]), 413),
        (
            "POST",
            "/api/v1/committees",
            json_ct.to_vec(),
            Some(b"{\"code\":\"AB\",\"name\":\"x\",\"extra\":1}".to_vec()),
            422,
        ),
        ("GET", "/api/v1/actions/abc", vec![], None, 404),
        ("GET", "/api/v1/actions/..%2F..%2Fetc%2Fpasswd", vec![], None, 404),
        ("GET", "/api/v1/actions/99999999999999999999", vec![], None, 404),
        ("GET", "/api/v1/actions/-1", vec![], None, 404),
        ("GET", "/api/v1/nothing-here", vec![], None, 404),
        ("GET", "/api/v1/actions?limit=abc", vec![], None, 400),
        (
            "PATCH",
            "/api/v1/actions/1",
            vec![("content-type", "application/json"), ("if-match", "x")],
            Some(b"{}".to_vec()),
            400,
        ),
    ];
    for (method, path, headers, body, status) in cases {
        let r = clerk.send(method, path, &headers, body).await;
        assert_eq!(r.status, status, "{method} {path}: {}", r.text);
        assert_eq!(r.header("content-type").as_deref(), Some("application/problem+json"), "{method} {path}");
    }
    // SQL and HTML are stored and returned verbatim: they are text, not code.
    let hostile = "'); DROP TABLE actions; -- <script>alert(1)</script> \"quoted\"";
    let created = clerk
        .post(
            "/api/v1/actions",
            json!({"raised_at_meeting_id": panel.meetings[0], "description": hostile, "owner": "O'Brien"}),
        )
        .await
        .expect(201);
    assert_eq!(clerk.get_action(created.json::<Action>().id).await.description, hostile);
    assert_eq!(clerk.page::<Action>("/api/v1/actions?owner=O%27Brien").await.items.len(), 1);
}

crate::on_both_backends!(
    pages_lose_and_repeat_nothing_while_actions_are_added,
    if_match_guards_every_change,
    idempotent_creates_replay_the_first_response,
    concurrent_creates_get_unique_gapless_references,
    bad_requests_get_problems_never_500s,
);

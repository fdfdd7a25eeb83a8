//! Hostile input: malformed and truncated JSON, wrong types, huge numbers,
//! impossible dates, invalid UTF-8, SQL and HTML in every text field, header
//! injection, path traversal, ids that do not exist or belong to another
//! committee. Every one gets a 4xx problem and writes nothing.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use panel_tracker::api::actions::Action;
use panel_tracker::api::agenda_items::AgendaItem;
use panel_tracker::api::committees::Committee;
use panel_tracker::api::meetings::Meeting;
use panel_tracker::api::users::UserWithPassword;
use panel_tracker::auth::policy::Role;
use serde_json::{json, Value};

use crate::helpers::{Client, Response, TestApp};

#[track_caller]
fn expect_client_error(r: &Response, what: &str) {
    assert!((400..500).contains(&r.status), "{what}: got {} {}", r.status, r.text);
    assert_eq!(r.header("content-type").as_deref(), Some("application/problem+json"), "{what}: {}", r.text);
    assert_eq!(r.body["status"].as_u64(), Some(u64::from(r.status)), "{what}: {}", r.text);
}

/// Row counts of everything a request could write.
async fn counts(clerk: &Client, admin: &Client) -> Vec<usize> {
    let mut counts = Vec::new();
    for list in ["/api/v1/committees", "/api/v1/meetings", "/api/v1/actions"] {
        counts.push(clerk.page::<Value>(&format!("{list}?limit=200")).await.items.len());
    }
    for list in ["/api/v1/users", "/api/v1/service-credentials"] {
        counts.push(admin.page::<Value>(&format!("{list}?limit=200")).await.items.len());
    }
    counts
}

/// Bodies no endpoint can accept, whatever it expects.
fn malformed_bodies() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("truncated object", br#"{"description": "Report back"#.to_vec()),
        ("truncated after key", br#"{"description":"#.to_vec()),
        ("lone brace", b"{".to_vec()),
        ("single quotes", b"{'description': 'x'}".to_vec()),
        ("trailing comma", br#"{"description": "x",}"#.to_vec()),
        ("missing colon", br#"{"description" "x"}"#.to_vec()),
        ("trailing garbage", br#"{"description": "x"} {}"#.to_vec()),
        ("NaN", b"NaN".to_vec()),
        ("leading zero", br#"{"id": 01}"#.to_vec()),
        ("comment", b"/* hi */ {}".to_vec()),
        ("invalid UTF-8 in a string", b"{\"description\": \"\xff\xfe caf\xe9\"}".to_vec()),
        ("overlong UTF-8", b"{\"description\": \"\xc0\xaf\"}".to_vec()),
        ("UTF-16 surrogate escape alone", br#"{"description": "\ud800"}"#.to_vec()),
        ("byte-order mark", b"\xef\xbb\xbf{}".to_vec()),
        ("NUL byte", b"{\"description\": \"a\0b\"}".to_vec()),
        ("deep nesting", format!("{}{}", "[".repeat(5000), "]".repeat(5000)).into_bytes()),
        ("array", b"[]".to_vec()),
        ("string", br#""a string""#.to_vec()),
        ("number", b"12".to_vec()),
        ("huge number", b"1e400".to_vec()),
        ("true", b"true".to_vec()),
    ]
}

/// Every JSON-taking operation (method, path, needs If-Match) on a panel
/// with one action, one agenda item and one user besides the caller.
async fn write_operations(clerk: &Client, admin: &Client) -> Vec<(&'static str, String, bool)> {
    let panel = clerk.panel("KMPCP").await;
    let meeting = panel.meetings[0];
    let action = clerk.create_action(meeting, "A commitment").await.id;
    let items = format!("/api/v1/meetings/{meeting}/agenda-items");
    let item = clerk.post(&items, json!({"number": "5", "title": "Precept"})).await.expect(201).json::<AgendaItem>().id;
    let user =
        admin.post("/api/v1/users", json!({"username": "victim", "display_name": "Victim", "role": "member"})).await;
    let user = user.expect(201).json::<UserWithPassword>().user.id;
    let mut ops = vec![
        ("POST", "/api/v1/committees".to_string(), false),
        ("PATCH", format!("/api/v1/committees/{}", panel.committee), true),
        ("POST", "/api/v1/meetings".to_string(), false),
        ("PATCH", format!("/api/v1/meetings/{meeting}"), true),
        ("POST", format!("/api/v1/meetings/{meeting}/agenda-items"), false),
        ("PATCH", format!("/api/v1/agenda-items/{item}"), true),
        ("POST", "/api/v1/actions".to_string(), false),
        ("PATCH", format!("/api/v1/actions/{action}"), true),
        ("POST", format!("/api/v1/meetings/{meeting}/actions/bulk"), false),
        ("POST", format!("/api/v1/meetings/{meeting}/carry-forward"), false),
        ("POST", "/api/v1/auth/token".to_string(), false),
        ("POST", "/api/v1/me/password".to_string(), false),
        ("POST", "/api/v1/users".to_string(), false),
        ("PATCH", format!("/api/v1/users/{user}"), true),
        ("POST", format!("/api/v1/users/{user}/password"), false),
        ("POST", "/api/v1/service-credentials".to_string(), false),
    ];
    for step in ["start", "submit-response", "accept", "return", "reopen", "withdraw", "carry-forward"] {
        ops.push(("POST", format!("/api/v1/actions/{action}/{step}"), true));
    }
    ops
}

async fn malformed_json_everywhere_is_refused(app: TestApp) {
    let clerk = app.as_secretariat();
    let admin = app.new_user("root", Role::Admin).await;
    let ops = write_operations(&clerk, &admin).await;
    let before = counts(&clerk, &admin).await;
    let mut tried = 0;
    for (method, path, needs_if_match) in &ops {
        for (what, body) in malformed_bodies() {
            let mut headers = vec![("content-type", "application/json")];
            if *needs_if_match {
                headers.push(("if-match", "\"1\""));
            }
            let r = admin.send(method, path, &headers, Some(body)).await;
            expect_client_error(&r, &format!("{method} {path} with {what}"));
            tried += 1;
        }
    }
    assert_eq!(counts(&clerk, &admin).await, before, "a refused request wrote something");
    eprintln!("{tried} malformed bodies refused across {} operations", ops.len());
}

async fn wrong_types_huge_numbers_and_bad_dates_are_refused(app: TestApp) {
    let clerk = app.as_secretariat();
    let admin = app.new_user("root", Role::Admin).await;
    let panel = clerk.panel("KMPCP").await;
    let meeting = panel.meetings[0];
    let before = counts(&clerk, &admin).await;
    let action_cases: Vec<(&str, Value)> = vec![
        ("meeting id as a string", json!({"raised_at_meeting_id": "1", "description": "x"})),
        ("meeting id as a float", json!({"raised_at_meeting_id": 1.5, "description": "x"})),
        ("meeting id negative", json!({"raised_at_meeting_id": -1, "description": "x"})),
        ("meeting id zero", json!({"raised_at_meeting_id": 0, "description": "x"})),
        ("meeting id i64::MAX", json!({"raised_at_meeting_id": i64::MAX, "description": "x"})),
        ("meeting id i64::MIN", json!({"raised_at_meeting_id": i64::MIN, "description": "x"})),
        ("description as a number", json!({"raised_at_meeting_id": meeting, "description": 5})),
        ("description as an object", json!({"raised_at_meeting_id": meeting, "description": {"a": 1}})),
        ("description null", json!({"raised_at_meeting_id": meeting, "description": null})),
        ("description blank", json!({"raised_at_meeting_id": meeting, "description": " \t "})),
        ("description with a control character", json!({"raised_at_meeting_id": meeting, "description": "a\u{7}b"})),
        ("kind unknown", json!({"raised_at_meeting_id": meeting, "description": "x", "kind": "bribe"})),
        ("kind as an array", json!({"raised_at_meeting_id": meeting, "description": "x", "kind": ["check"]})),
        ("due date impossible", json!({"raised_at_meeting_id": meeting, "description": "x", "due_date": "2018-02-30"})),
        ("due date month 13", json!({"raised_at_meeting_id": meeting, "description": "x", "due_date": "2018-13-01"})),
        (
            "due date as a timestamp",
            json!({"raised_at_meeting_id": meeting, "description": "x", "due_date": "2018-02-01T00:00:00Z"}),
        ),
        (
            "due date year 10000",
            json!({"raised_at_meeting_id": meeting, "description": "x", "due_date": "+10000-01-01"}),
        ),
        ("due date year 1", json!({"raised_at_meeting_id": meeting, "description": "x", "due_date": "0001-01-01"})),
        ("due date words", json!({"raised_at_meeting_id": meeting, "description": "x", "due_date": "next Tuesday"})),
        ("unknown field", json!({"raised_at_meeting_id": meeting, "description": "x", "status": "completed"})),
        ("duplicate-looking field", json!({"raised_at_meeting_id": meeting, "description": "x", "Description": "y"})),
    ];
    for (what, body) in action_cases {
        let r = clerk.post("/api/v1/actions", body).await;
        expect_client_error(&r, what);
    }
    let ct = [("content-type", "application/json")];
    for number in ["99999999999999999999", "1e400", "-1e400", "9223372036854775808", "1.5e0", "-0.5"] {
        let body = format!(r#"{{"raised_at_meeting_id": {number}, "description": "x"}}"#).into_bytes();
        let r = clerk.send("POST", "/api/v1/actions", &ct, Some(body)).await;
        expect_client_error(&r, number);
    }
    let meeting_cases: Vec<(&str, Value)> = vec![
        ("no offset", json!({"committee_id": panel.committee, "title": "t", "starts_at": "2018-02-06T10:00:00"})),
        ("February 30th", json!({"committee_id": panel.committee, "title": "t", "starts_at": "2018-02-30T10:00:00Z"})),
        ("hour 25", json!({"committee_id": panel.committee, "title": "t", "starts_at": "2018-02-06T25:00:00Z"})),
        ("year 9999", json!({"committee_id": panel.committee, "title": "t", "starts_at": "9999-12-31T23:59:59Z"})),
        ("year 0", json!({"committee_id": panel.committee, "title": "t", "starts_at": "0000-01-01T00:00:00Z"})),
        ("epoch number", json!({"committee_id": panel.committee, "title": "t", "starts_at": 1517911200})),
        ("empty", json!({"committee_id": panel.committee, "title": "t", "starts_at": ""})),
        (
            "unknown status",
            json!({"committee_id": panel.committee, "title": "t", "starts_at": "2018-02-06T10:00:00Z", "status": "postponed"}),
        ),
        ("committee missing", json!({"committee_id": 424242, "title": "t", "starts_at": "2018-02-06T10:00:00Z"})),
        ("committee as a string", json!({"committee_id": "KMPCP", "title": "t", "starts_at": "2018-02-06T10:00:00Z"})),
    ];
    for (what, body) in meeting_cases {
        let r = clerk.post("/api/v1/meetings", body).await;
        expect_client_error(&r, what);
    }
    let query_cases = [
        "/api/v1/actions?updated_since=2018-02-30T00:00:00Z",
        "/api/v1/actions?updated_since=yesterday",
        "/api/v1/actions?committee_id=1e3",
        "/api/v1/actions?committee_id=99999999999999999999",
        "/api/v1/actions?status=open,bribed",
        "/api/v1/actions?overdue=maybe",
        "/api/v1/actions?owner=%FF%FE",
        "/api/v1/actions?cursor=%00%01",
        "/api/v1/actions?cursor=djEuOTk5OTk5OTk5OTk5OTk5OTk5OTk5",
        "/api/v1/actions?colour=red",
        "/api/v1/actions?limit=10&limit=20",
        "/api/v1/meetings?from=2018-13-01",
        "/api/v1/committees/1/stats?from=2018-02-30",
        "/api/v1/meetings/1/action-log?format=../../etc/passwd",
    ];
    for path in query_cases {
        let r = clerk.get(path).await;
        expect_client_error(&r, path);
    }
    assert_eq!(counts(&clerk, &admin).await, before, "a refused request wrote something");
}

/// SQL and HTML in every text field are stored and returned exactly, and the
/// printed log shows them as text.
async fn sql_and_html_in_every_text_field_are_just_text(app: TestApp) {
    let clerk = app.as_secretariat();
    let hostile = |field: &str| format!("'); DROP TABLE actions; -- <script>alert('{field}')</script> \" & <b>");
    let committee: Committee =
        clerk.post("/api/v1/committees", json!({"code": "EVIL", "name": hostile("name")})).await.expect(201).json();
    let committee_id = committee.id;
    assert_eq!(committee.name, hostile("name"));
    let meeting = clerk
        .post(
            "/api/v1/meetings",
            json!({"committee_id": committee_id, "title": hostile("title"), "location": hostile("location"),
                   "starts_at": "2018-02-06T10:00:00Z"}),
        )
        .await
        .expect(201)
        .json::<Meeting>();
    let meeting_id = meeting.id;
    let next = clerk
        .post(
            "/api/v1/meetings",
            json!({"committee_id": committee_id, "title": "Next", "starts_at": "2018-04-10T10:00:00Z"}),
        )
        .await
        .expect(201)
        .json::<Meeting>()
        .id;
    let item = clerk
        .post(
            &format!("/api/v1/meetings/{meeting_id}/agenda-items"),
            json!({"number": hostile("number").chars().take(60).collect::<String>(), "title": hostile("item")}),
        )
        .await
        .expect(201)
        .json::<AgendaItem>();
    let fields = ["minute_paragraph", "committed_by", "owed_to", "source_sentence", "description", "owner"];
    let mut body = json!({"raised_at_meeting_id": meeting_id, "agenda_item_id": item.id, "due_meeting_id": next});
    for field in fields {
        body[field] = json!(hostile(field));
    }
    let id = clerk.post("/api/v1/actions", body).await.expect(201).json::<Action>().id;
    let fetched = clerk.get_action(id).await;
    let stored = [
        fetched.minute_paragraph,
        fetched.committed_by,
        fetched.owed_to,
        fetched.source_sentence,
        Some(fetched.description),
        fetched.owner,
    ];
    for (field, value) in fields.into_iter().zip(stored) {
        assert_eq!(value, Some(hostile(field)), "{field}");
    }
    let r =
        clerk.transition(id, "submit-response", "\"1\"", json!({"response": hostile("response")})).await.expect(200);
    assert_eq!(r.json::<Action>().response, Some(hostile("response")));
    let r = clerk.transition(id, "return", "\"2\"", json!({"reason": hostile("reason")})).await.expect(200);
    assert_eq!(r.json::<Action>().status_reason, Some(hostile("reason")));
    // The filters treat them as values too.
    let owner = urlencode(&hostile("owner"));
    assert_eq!(clerk.page::<Action>(&format!("/api/v1/actions?owner={owner}")).await.items.len(), 1);
    // Still one table of actions, with the action in it.
    assert_eq!(clerk.page::<Action>("/api/v1/actions").await.items.len(), 1);

    // Printed: escaped in HTML, formula-safe in CSV, verbatim in JSON.
    let html = clerk.send("GET", &format!("/api/v1/meetings/{next}/action-log?format=html"), &[], None).await;
    let html = html.expect(200).text;
    assert!(!html.contains("<script>alert"), "unescaped script in the printed log");
    assert!(!html.contains("<b>"), "unescaped markup in the printed log");
    assert!(html.contains("&lt;script&gt;alert("), "the text is shown, escaped");
    let json_log = clerk.get(&format!("/api/v1/meetings/{next}/action-log")).await.expect(200);
    assert!(json_log.text.contains("DROP TABLE actions"));
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Header values that try to smuggle a second header or odd bytes.
async fn header_injection_is_refused(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("KMPCP").await;
    let id = clerk.create_action(panel.meetings[0], "A commitment").await.id;
    let path = format!("/api/v1/actions/{id}");
    // Values a client library will send: refused by the service's own checks.
    for bad in ["\"1\", \"2\"", "W/\"1\"", "*", "\"1\"x", "\"-1\"", "\"99999999999999999999\"", "\"\u{e9}\""] {
        let r = clerk
            .send("PATCH", &path, &[("content-type", "application/json"), ("if-match", bad)], Some(b"{}".to_vec()))
            .await;
        expect_client_error(&r, &format!("If-Match {bad:?}"));
    }
    let body = json!({"raised_at_meeting_id": panel.meetings[0], "description": "x"});
    for bad in ["", "a\tb", &"k".repeat(201), "caf\u{e9}"] {
        let r = clerk.post_with("/api/v1/actions", body.clone(), &[("idempotency-key", bad)]).await;
        expect_client_error(&r, &format!("Idempotency-Key {bad:?}"));
    }
    for bad in
        ["Bearer a b", "Bearer\tx", "Basic Y2xlcms6cGFzc3dvcmQ=", "Bearer ", &format!("Bearer {}", "a".repeat(9000))]
    {
        let r = app.anonymous().send("GET", &path, &[("authorization", bad)], None).await;
        expect_client_error(&r, &format!("Authorization {bad:?}"));
    }
    // Raw bytes no client library would send: CR/LF splitting, obsolete line
    // folding and NUL. The HTTP parser refuses them before the application.
    let address = app.address.trim_start_matches("http://").to_string();
    let token = app.token.clone();
    let raw = [
        format!("GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nX-A: a\rInjected: yes\r\n\r\n"),
        format!("GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nIf-Match: \"1\"\r\n \tInjected: yes\r\n\r\n"),
        format!("GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\0\r\n\r\n"),
        format!("GET {path}\r\nInjected: yes HTTP/1.1\r\nHost: x\r\n\r\n"),
    ];
    for request in raw {
        let answer = raw_exchange(&address, request.as_bytes());
        let status: u16 = answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
        assert!((400..500).contains(&status), "{request:?} got {answer:?}");
        assert!(!answer.to_ascii_lowercase().contains("\r\ninjected:"), "{answer:?}");
    }
    // The action is untouched.
    assert_eq!(clerk.get_action(id).await.version, 1);
}

fn raw_exchange(address: &str, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
        if answer.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// Ids that are not ids, do not exist, or belong to another committee.
async fn foreign_missing_and_traversing_ids_are_refused(app: TestApp) {
    let clerk = app.as_secretariat();
    let admin = app.new_user("root", Role::Admin).await;
    let ours = clerk.panel("OURS").await;
    let theirs = clerk.panel("THEIRS").await;
    let their_item = clerk
        .post(
            &format!("/api/v1/meetings/{}/agenda-items", theirs.meetings[0]),
            json!({"number": "1", "title": "Theirs"}),
        )
        .await
        .expect(201)
        .id();
    let action = clerk.create_action(ours.meetings[0], "Ours").await.id;
    let before = counts(&clerk, &admin).await;
    let paths = [
        "/api/v1/actions/..%2F..%2Fetc%2Fpasswd",
        "/api/v1/actions/%2e%2e",
        "/api/v1/actions/1%00",
        "/api/v1/actions/1;DROP%20TABLE%20actions",
        "/api/v1/actions/0x10",
        "/api/v1/actions/1e2",
        "/api/v1/actions/%20%31",
        "/api/v1/actions/424242",
        "/api/v1/actions/9223372036854775807",
        "/api/v1/actions/9223372036854775808",
        "/api/v1/actions/-9223372036854775808",
        "/api/v1/meetings/424242/action-log",
        "/api/v1/meetings/424242/agenda-items",
        "/api/v1/committees/424242/stats",
        "/api/v1/agenda-items/424242",
        "/api/v1/actions/424242/events",
        "/api/v1/actions/424242/events/verify",
        "/api/v1/users/424242",
    ];
    for path in paths {
        let r = admin.get(path).await;
        assert_eq!(r.status, 404, "{path}: {}", r.text);
        expect_client_error(&r, path);
    }
    let cases: Vec<(&str, String, Value, Option<&str>)> = vec![
        (
            "agenda item of another committee",
            "/api/v1/actions".into(),
            json!({"raised_at_meeting_id": ours.meetings[0], "agenda_item_id": their_item, "description": "x"}),
            None,
        ),
        (
            "due at another committee's meeting",
            "/api/v1/actions".into(),
            json!({"raised_at_meeting_id": ours.meetings[0], "due_meeting_id": theirs.meetings[1], "description": "x"}),
            None,
        ),
        (
            "raised at a meeting that does not exist",
            "/api/v1/actions".into(),
            json!({"raised_at_meeting_id": 424242, "description": "x"}),
            None,
        ),
        (
            "bulk with another committee's agenda item",
            format!("/api/v1/meetings/{}/actions/bulk", ours.meetings[0]),
            json!({"actions": [{"description": "x", "agenda_item_id": their_item}]}),
            None,
        ),
        (
            "meeting carried to another committee",
            format!("/api/v1/meetings/{}/carry-forward", ours.meetings[0]),
            json!({"to_meeting_id": theirs.meetings[3]}),
            None,
        ),
        (
            "action carried to another committee",
            format!("/api/v1/actions/{action}/carry-forward"),
            json!({"to_meeting_id": theirs.meetings[3]}),
            Some("\"1\""),
        ),
        (
            "action carried to a meeting that does not exist",
            format!("/api/v1/actions/{action}/carry-forward"),
            json!({"to_meeting_id": 424242}),
            Some("\"1\""),
        ),
    ];
    for (what, path, body, if_match) in cases {
        let mut headers = vec![("content-type", "application/json")];
        if let Some(etag) = if_match {
            headers.push(("if-match", etag));
        }
        let r = clerk.send("POST", &path, &headers, Some(body.to_string().into_bytes())).await;
        expect_client_error(&r, what);
    }
    for (what, body) in [
        ("re-homed to another committee's agenda item", json!({"agenda_item_id": their_item})),
        ("due at another committee's meeting", json!({"due_meeting_id": theirs.meetings[2]})),
        ("due at a meeting that does not exist", json!({"due_meeting_id": 424242})),
    ] {
        let r = clerk.patch(&format!("/api/v1/actions/{action}"), "\"1\"", body).await;
        expect_client_error(&r, what);
    }
    assert_eq!(counts(&clerk, &admin).await, before, "a refused request wrote something");
    assert_eq!(clerk.get_action(action).await.version, 1);
}

crate::on_both_backends!(
    malformed_json_everywhere_is_refused,
    wrong_types_huge_numbers_and_bad_dates_are_refused,
    sql_and_html_in_every_text_field_are_just_text,
    header_injection_is_refused,
    foreign_missing_and_traversing_ids_are_refused,
);

//! The limits that protect the service, each tested at its edge: body size,
//! field lengths, page size, JSON nesting, slow clients, idle connections and
//! a saturated database.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use panel_tracker::api::actions::Action;
use panel_tracker::api::committees::Committee;
use panel_tracker::db::AnyConnection;
use serde_json::json;

use crate::helpers::{exec, spawn_custom, TestApp};

async fn body_size_is_capped_at_256_kib(app: TestApp) {
    let clerk = app.as_secretariat();
    let limit = 256 * 1024;
    let json = br#"{"code":"PAD","name":"Padded Panel"}"#;
    // Exactly at the limit (JSON padded with whitespace) is accepted...
    let mut body = json.to_vec();
    body.resize(limit, b' ');
    let r = clerk.send("POST", "/api/v1/committees", &[("content-type", "application/json")], Some(body)).await;
    r.expect(201);
    // ...one byte more is not, and nothing is written.
    let mut body = br#"{"code":"PAD2","name":"Padded Panel"}"#.to_vec();
    body.resize(limit + 1, b' ');
    let r = clerk.send("POST", "/api/v1/committees", &[("content-type", "application/json")], Some(body)).await;
    r.expect_problem(413);
    assert_eq!(clerk.page::<Committee>("/api/v1/committees").await.items.len(), 1);
}

async fn fields_are_capped_in_characters(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("KMPCP").await;
    let meeting = panel.meetings[0];
    // Long text: 10,000 characters, counted as characters, not bytes.
    let at_limit = "é".repeat(10_000);
    clerk.post("/api/v1/actions", json!({"raised_at_meeting_id": meeting, "description": at_limit})).await.expect(201);
    let over = "a".repeat(10_001);
    let r = clerk.post("/api/v1/actions", json!({"raised_at_meeting_id": meeting, "description": over})).await;
    let r = r.expect_problem(422);
    assert_eq!(r.problem().errors.unwrap()[0].field, "description");
    // Short text: 200 characters.
    let body = json!({"raised_at_meeting_id": meeting, "description": "x", "owner": "o".repeat(200)});
    clerk.post("/api/v1/actions", body).await.expect(201);
    let body = json!({"raised_at_meeting_id": meeting, "description": "x", "owner": "o".repeat(201)});
    let r = clerk.post("/api/v1/actions", body).await.expect_problem(422);
    assert_eq!(r.problem().errors.unwrap()[0].field, "owner");
    let r = clerk.post("/api/v1/committees", json!({"code": "LONG", "name": "n".repeat(201)})).await;
    assert_eq!(r.expect_problem(422).problem().errors.unwrap()[0].field, "name");
    // Several bad fields are all named at once.
    let body = json!({"raised_at_meeting_id": meeting, "description": "", "owner": "o".repeat(201)});
    let r = clerk.post("/api/v1/actions", body).await.expect_problem(422);
    assert_eq!(r.problem().errors.unwrap().len(), 2, "{}", r.text);
    assert_eq!(clerk.page::<Action>("/api/v1/actions").await.items.len(), 2);
}

async fn page_size_is_capped_at_200(app: TestApp) {
    let clerk = app.as_secretariat();
    clerk.panel("KMPCP").await;
    for list in ["/api/v1/actions", "/api/v1/meetings", "/api/v1/committees"] {
        clerk.get(&format!("{list}?limit=200")).await.expect(200);
        clerk.get(&format!("{list}?limit=1")).await.expect(200);
        for bad in ["201", "0", "-1", "1e3", "99999999999999999999"] {
            let r = clerk.get(&format!("{list}?limit={bad}")).await;
            r.expect_problem(400);
        }
    }
}

async fn json_nesting_is_capped(app: TestApp) {
    let clerk = app.as_secretariat();
    let ct = [("content-type", "application/json")];
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes();
    let r = clerk.send("POST", "/api/v1/committees", &ct, Some(deep)).await.expect_problem(400);
    assert!(r.problem().detail.contains("32 deep"), "{}", r.text);
    let nested_field = format!(r#"{{"code":"N","name":{}"x"{}}}"#, "[".repeat(33), "]".repeat(33)).into_bytes();
    clerk.send("POST", "/api/v1/committees", &ct, Some(nested_field)).await.expect_problem(400);
    // Unclosed nesting is as bad as deep nesting: no stack is spent on it.
    let open = "{\"a\":".repeat(50_000).into_bytes();
    clerk.send("POST", "/api/v1/committees", &ct, Some(open)).await.expect_problem(400);
    // The service is still there.
    clerk.get("/api/v1/committees").await.expect(200);
}

crate::on_both_backends!(
    body_size_is_capped_at_256_kib,
    fields_are_capped_in_characters,
    page_size_is_capped_at_200,
    json_nesting_is_capped
);

// ---- slow and idle clients --------------------------------------------------

pub(crate) fn host_port(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_string()
}

/// Reads until the server closes the connection or `limit` passes; returns
/// what arrived and how long it took.
pub(crate) fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, Duration) {
    let started = Instant::now();
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(e) => panic!("the connection was still open after {limit:?} ({e}); got {:?}", received),
        }
    }
    (String::from_utf8_lossy(&received).into_owned(), started.elapsed())
}

/// An app that cuts slow clients off after a second (and, with `idle`,
/// idle connections too: then the test's own pooled client cannot be reused).
pub(crate) async fn short_timeouts(idle: bool) -> TestApp {
    spawn_custom(false, |s| {
        s.limits.request_timeout = Duration::from_secs(1);
        if idle {
            s.limits.keep_alive = Duration::from_secs(1);
        }
    })
    .await
    .expect("SQLite needs no set-up")
}

#[actix_web::test]
async fn a_client_that_sends_its_head_slowly_is_cut_off() {
    let app = short_timeouts(false).await;
    let mut stream = TcpStream::connect(host_port(&app)).unwrap();
    stream.write_all(b"GET /api/v1/committees HTTP/1.1\r\nHost: localhost\r\n").unwrap();
    let (answer, took) = read_until_closed(&mut stream, Duration::from_secs(10));
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(took < Duration::from_secs(5), "cut off after {took:?}");
}

#[actix_web::test]
async fn a_client_that_sends_its_body_slowly_is_cut_off() {
    let app = short_timeouts(false).await;
    let mut stream = TcpStream::connect(host_port(&app)).unwrap();
    let head = format!(
        "POST /api/v1/committees HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 60\r\n\r\n{{\"code\":",
        app.token
    );
    stream.write_all(head.as_bytes()).unwrap();
    let (answer, took) = read_until_closed(&mut stream, Duration::from_secs(10));
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(answer.contains("application/problem+json"), "{answer:?}");
    assert!(took < Duration::from_secs(5), "cut off after {took:?}");
    assert!(app.as_secretariat().page::<Committee>("/api/v1/committees").await.items.is_empty());
}

#[actix_web::test]
async fn an_idle_connection_is_closed_after_the_keep_alive() {
    let app = short_timeouts(true).await;
    let mut stream = TcpStream::connect(host_port(&app)).unwrap();
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let (answer, took) = read_until_closed(&mut stream, Duration::from_secs(10));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    assert!(took >= Duration::from_millis(500) && took < Duration::from_secs(5), "closed after {took:?}");
}

// ---- a saturated database ---------------------------------------------------

/// With the one database connection stuck behind another writer's lock,
/// requests are answered 503 with `Retry-After` within the configured waits
/// (never a hang), nothing is half-written, and service resumes once the
/// lock goes.
async fn a_saturated_database_is_a_503_not_a_hang(postgres: bool) {
    let Some(app) = spawn_custom(postgres, |s| {
        s.pool_size = Some(1);
        s.limits.pool_wait = Duration::from_millis(300);
        s.limits.busy_timeout = Duration::from_millis(800);
    })
    .await
    else {
        return;
    };
    let clerk = app.as_secretariat();
    let panel = clerk.panel("KMPCP").await;
    let mut blocker = app.connection();
    let lock = match &*blocker {
        AnyConnection::Sqlite(_) => "BEGIN EXCLUSIVE",
        AnyConnection::Postgresql(_) => "BEGIN; LOCK TABLE committees, actions IN EXCLUSIVE MODE",
    };
    exec(&mut blocker, lock);
    let started = Instant::now();
    let creates = (0..4).map(|n| {
        let clerk = &clerk;
        let body = json!({"raised_at_meeting_id": panel.meetings[0], "description": format!("Blocked {n}")});
        async move { clerk.post("/api/v1/actions", body).await }
    });
    let answers = futures_util::future::join_all(creates).await;
    let took = started.elapsed();
    for r in answers {
        let r = r.expect_problem(503);
        assert_eq!(r.header("retry-after").as_deref(), Some("1"));
    }
    assert!(took < Duration::from_secs(6), "answered after {took:?}");
    exec(&mut blocker, "COMMIT");
    clerk.create_action(panel.meetings[0], "After the lock").await;
    assert_eq!(clerk.page::<Action>("/api/v1/actions").await.items.len(), 1, "nothing half-written");
}

#[actix_web::test]
async fn sqlite_a_saturated_database_is_a_503_not_a_hang() {
    a_saturated_database_is_a_503_not_a_hang(false).await;
}

#[actix_web::test]
async fn postgres_a_saturated_database_is_a_503_not_a_hang() {
    a_saturated_database_is_a_503_not_a_hang(true).await;
}

//! Webhooks: deliveries a receiver verifies with an independent Standard
//! Webhooks implementation, filters, rotation, retries and turning off,
//! destinations refused, redirects not followed, and nothing lost when the
//! server is killed.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use panel_tracker::auth::policy::Role;
use panel_tracker::config::{Settings, WebhookSettings};
use panel_tracker::domain::webhook::DestinationPolicy;
use serde_json::{json, Value};

use crate::helpers::{eventually, postgres_db, spawn_custom, sqlite_db, Client, TestApp};
use crate::process::ServerProcess;

/// How the receiver answers.
#[derive(Debug, Clone)]
enum Mode {
    Ok,
    Status(u16),
    Redirect(String),
    /// Waits this long, then answers 200.
    Slow(Duration),
}

#[derive(Debug, Clone)]
struct Received {
    path: String,
    headers: http::HeaderMap,
    body: Vec<u8>,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    /// Verified by the `standardwebhooks` crate, not by our own code.
    fn verifies_with(&self, secret: &str) -> bool {
        let verifier = standardwebhooks::Webhook::new(secret).expect("a Standard Webhooks secret");
        verifier.verify(&self.body, &self.headers).is_ok()
    }
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    mode: Mutex<Option<Mode>>,
}

/// A receiver in the test: records every request and answers as told.
#[derive(Clone)]
struct Receiver {
    address: String,
    shared: Arc<Shared>,
}

async fn receive(shared: web::Data<Arc<Shared>>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let mut headers = http::HeaderMap::new();
    for (name, value) in req.headers() {
        if let (Ok(n), Ok(v)) =
            (http::HeaderName::from_bytes(name.as_str().as_bytes()), http::HeaderValue::from_bytes(value.as_bytes()))
        {
            headers.append(n, v);
        }
    }
    let received = Received { path: req.path().to_string(), headers, body: body.to_vec() };
    shared.received.lock().unwrap().push(received);
    let mode = shared.mode.lock().unwrap().clone().unwrap_or(Mode::Ok);
    match mode {
        Mode::Ok => HttpResponse::Ok().body("thanks"),
        Mode::Status(code) => HttpResponse::build(actix_web::http::StatusCode::from_u16(code).unwrap())
            .body(format!("failing with {code}")),
        Mode::Redirect(to) => HttpResponse::Found().insert_header(("Location", to)).finish(),
        Mode::Slow(wait) => {
            actix_web::rt::time::sleep(wait).await;
            HttpResponse::Ok().body("late")
        }
    }
}

impl Receiver {
    fn start() -> Receiver {
        Self::start_on(TcpListener::bind("127.0.0.1:0").unwrap())
    }

    fn start_on(listener: TcpListener) -> Receiver {
        let address = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared::default());
        let data = web::Data::new(shared.clone());
        let server = HttpServer::new(move || App::new().app_data(data.clone()).default_service(web::to(receive)))
            .workers(1)
            .listen(listener)
            .unwrap()
            .run();
        actix_web::rt::spawn(server);
        Receiver { address, shared }
    }

    fn set_mode(&self, mode: Mode) {
        *self.shared.mode.lock().unwrap() = Some(mode);
    }

    fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    fn at(&self, path: &str) -> Vec<Received> {
        self.received().into_iter().filter(|r| r.path == path).collect()
    }
}

fn allow_receivers(settings: &mut Settings) {
    settings.webhooks = WebhookSettings {
        destinations: DestinationPolicy { allow_http: true, allow_private: true },
        timeout: Duration::from_secs(2),
        poll_interval: Duration::from_millis(50),
        retry_schedule: vec![Duration::from_millis(100), Duration::from_millis(200)],
    };
}

async fn deliveries(admin: &Client, webhook: i64) -> Vec<Value> {
    let page = admin.get(&format!("/api/v1/webhooks/{webhook}/deliveries?limit=200")).await.expect(200).body;
    page["items"].as_array().unwrap().clone()
}

/// Deliveries carry what the webhook asked for, signed so that an
/// independent implementation verifies them, and a tampered one fails.
async fn deliveries_are_signed_and_filtered(app: TestApp) {
    let receiver = Receiver::start();
    let admin = app.new_user("admin", Role::Admin).await;
    let clerk = app.as_secretariat();
    let kent = clerk.panel("KMPCP").await;
    let other = clerk.panel("OTHER").await;

    // Only admins manage webhooks.
    clerk.get("/api/v1/webhooks").await.expect_problem(403);
    let url = format!("{}/hook", receiver.address);
    let body = json!({"url": url, "description": "Committee management system",
                      "event_types": ["action.created", "action.status_changed"],
                      "committee_ids": [kent.committee]});
    let created = admin.post("/api/v1/webhooks", body).await.expect(201);
    let secret = created.body["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let id = created.body["webhook"]["id"].as_i64().unwrap();
    let shown = admin.get(&format!("/api/v1/webhooks/{id}")).await.expect(200);
    assert!(!shown.text.contains(&secret[6..]), "the secret is shown again");
    assert_eq!(shown.body["event_types"], json!(["action.created", "action.status_changed"]));
    let unknown = json!({"url": url, "committee_ids": [999_999]});
    admin.post("/api/v1/webhooks", unknown).await.expect_problem(404);

    let action = clerk.create_action(kent.meetings[0], "Report back on the school").await;
    clerk.create_action(other.meetings[0], "Not for this webhook").await;
    clerk.transition(action.id, "start", "\"1\"", json!({})).await.expect(200);
    eventually("two deliveries", Duration::from_secs(20), || async { receiver.received().len() >= 2 }).await;
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    let got = receiver.received();
    assert_eq!(got.len(), 2, "only what was asked for");
    let types: Vec<String> = got.iter().map(|r| r.json()["type"].as_str().unwrap().to_string()).collect();
    assert_eq!(types.iter().filter(|t| *t == "action.created").count(), 1);
    assert_eq!(types.iter().filter(|t| *t == "action.status_changed").count(), 1);
    for r in &got {
        assert!(r.verifies_with(&secret), "the signature does not verify");
        let payload = r.json();
        assert_eq!(payload["data"]["resource"]["reference"], json!(action.reference));
        assert_eq!(payload["data"]["committee_id"], kent.committee);
        assert!(payload["data"]["position"].as_i64().unwrap() > 0);
        assert!(r.headers.get("webhook-id").unwrap().to_str().unwrap().starts_with("msg_"));
        // Tampered: another body, or another secret, does not verify.
        let mut tampered = r.clone();
        tampered.body = r.body.iter().map(|b| if *b == b'1' { b'2' } else { *b }).collect();
        assert!(!tampered.verifies_with(&secret), "a tampered body verified");
        assert!(!r.verifies_with("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "another secret verified");
    }
    let log = deliveries(&admin, id).await;
    assert_eq!(log.len(), 2);
    for delivery in &log {
        assert_eq!(delivery["status"], "delivered");
        assert_eq!(delivery["attempt_log"][0]["status_code"], 200);
        assert_eq!(delivery["attempt_log"][0]["response_body"], "thanks");
    }

    // Rotation: for the overlap both secrets sign, so either verifies.
    let etag = admin.get(&format!("/api/v1/webhooks/{id}")).await.expect(200).etag();
    let rotated = admin
        .post_with(&format!("/api/v1/webhooks/{id}/rotate-secret"), json!({"overlap_hours": 1}), &[("if-match", &etag)])
        .await
        .expect(200);
    let new_secret = rotated.body["secret"].as_str().unwrap().to_string();
    assert_ne!(new_secret, secret);
    assert!(rotated.body["webhook"]["previous_secret_valid_until"].is_string());
    clerk
        .transition(action.id, "submit-response", "\"2\"", json!({"response": "Folkestone Academy"}))
        .await
        .expect(200);
    eventually("the third delivery", Duration::from_secs(20), || async { receiver.received().len() >= 3 }).await;
    let third = receiver.received().pop().unwrap();
    assert!(third.verifies_with(&new_secret) && third.verifies_with(&secret));
    let signatures = third.headers.get("webhook-signature").unwrap().to_str().unwrap().to_string();
    assert_eq!(signatures.split(' ').count(), 2, "{signatures}");
}

/// The statutory work reaches webhooks like everything else: a step
/// recorded and a recommendation answered, each as it now is, signed.
async fn statutory_changes_are_delivered(app: TestApp) {
    let receiver = Receiver::start();
    let admin = app.new_user("admin-statutory", Role::Admin).await;
    let clerk = app.as_secretariat();
    let committee = clerk.create_committee("STATHOOK").await.id;
    let body = json!({"url": format!("{}/hook", receiver.address),
                      "event_types": ["statutory_process.step_recorded", "recommendation.responded"]});
    let created = admin.post("/api/v1/webhooks", body).await.expect(201);
    let secret = created.body["secret"].as_str().unwrap().to_string();
    let process = clerk
        .post(
            "/api/v1/statutory-processes",
            json!({"committee_id": committee, "kind": "precept", "financial_year": 2026}),
        )
        .await
        .expect(201)
        .body;
    let path = format!("/api/v1/statutory-processes/{}/steps/proposed_precept_notified", process["id"]);
    clerk.post_with(&path, json!({"happened_on": "2026-01-30"}), &[("if-match", "\"1\"")]).await.expect(200);
    let report = json!({"committee_id": committee, "subject": "decision", "title": "Review of a decision",
                        "reported_on": "2026-03-01", "recommendations": [{"text": "Publish the business case."}]});
    let report = clerk.post("/api/v1/panel-reports", report).await.expect(201).body;
    let answer = json!({"response": "accepted", "text": "Published on 2 March.", "responded_on": "2026-03-02"});
    let path = format!("/api/v1/recommendations/{}/response", report["recommendations"][0]["id"]);
    clerk.post_with(&path, answer, &[("if-match", "\"1\"")]).await.expect(200);
    eventually("two deliveries", Duration::from_secs(20), || async { receiver.received().len() >= 2 }).await;
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    let got = receiver.received();
    assert_eq!(got.len(), 2, "only what was asked for");
    let mut types: Vec<String> = got.iter().map(|r| r.json()["type"].as_str().unwrap().to_string()).collect();
    types.sort();
    assert_eq!(types, ["recommendation.responded", "statutory_process.step_recorded"]);
    for r in &got {
        assert!(r.verifies_with(&secret));
        let data = &r.json()["data"];
        assert_eq!(data["committee_id"], committee);
        match data["resource_type"].as_str().unwrap() {
            "statutory_process" => {
                assert_eq!(data["resource"]["steps"][0]["happened_on"], "2026-01-30");
                assert_eq!(data["resource"]["next_step"], "panel_report");
            }
            "recommendation" => assert_eq!(data["resource"]["response"], "accepted"),
            other => panic!("unexpected {other}"),
        }
    }
}

/// A receiver that keeps failing gets every attempt of the schedule, each
/// logged; then the delivery has failed and the webhook is turned off with
/// the reason. Turned on again and redelivered, it arrives.
async fn failures_are_retried_then_the_webhook_turns_off(app: TestApp) {
    let receiver = Receiver::start();
    receiver.set_mode(Mode::Status(500));
    let admin = app.new_user("admin", Role::Admin).await;
    let clerk = app.as_secretariat();
    let panel = clerk.panel("KMPCP").await;
    let body = json!({"url": format!("{}/hook", receiver.address), "event_types": ["action.created"]});
    let id = admin.post("/api/v1/webhooks", body).await.expect(201).body["webhook"]["id"].as_i64().unwrap();
    clerk.create_action(panel.meetings[0], "Report back on the school").await;

    let path = format!("/api/v1/webhooks/{id}");
    eventually("the webhook to turn off", Duration::from_secs(20), || async {
        admin.get(&path).await.expect(200).body["active"] == false
    })
    .await;
    let webhook = admin.get(&path).await.expect(200).body;
    let reason = webhook["disabled_reason"].as_str().unwrap();
    assert!(reason.contains("all 3 attempts") && reason.contains("HTTP 500"), "{reason}");
    let log = deliveries(&admin, id).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["status"], "failed");
    let attempts = log[0]["attempt_log"].as_array().unwrap();
    assert_eq!(attempts.len(), 3, "the first attempt and the schedule's two retries");
    assert!(attempts.iter().all(|a| a["status_code"] == 500 && a["response_body"] == "failing with 500"));
    assert_eq!(receiver.received().len(), 3);

    // Off: new changes wait; on again, the failed delivery sent again arrives.
    receiver.set_mode(Mode::Ok);
    let etag = format!("\"{}\"", webhook["version"]);
    admin.patch(&path, &etag, json!({"active": true})).await.expect(200);
    let delivery = log[0]["id"].as_i64().unwrap();
    let again = admin.post(&format!("{path}/deliveries/{delivery}/redeliver"), json!({})).await.expect(202);
    assert_eq!(again.body["status"], "pending");
    eventually("the redelivery", Duration::from_secs(20), || async {
        deliveries(&admin, id).await[0]["status"] == "delivered"
    })
    .await;
    let webhook = admin.get(&path).await.expect(200).body;
    assert_eq!(webhook["active"], true);
    assert!(webhook["disabled_reason"].is_null());
    admin.post(&format!("{path}/deliveries/999999/redeliver"), json!({})).await.expect_problem(404);
}

async fn custom(postgres: bool, change: impl FnOnce(&mut Settings)) -> Option<TestApp> {
    spawn_custom(postgres, change).await
}

/// Each scenario on SQLite and on PostgreSQL, with the receiver allowed.
macro_rules! with_receivers_on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[actix_web::test]
            async fn $name() {
                super::$name(super::custom(false, super::allow_receivers).await.unwrap()).await
            })*
        }
        mod postgres {
            $(#[actix_web::test]
            async fn $name() {
                if let Some(app) = super::custom(true, super::allow_receivers).await {
                    super::$name(app).await
                }
            })*
        }
    };
}

with_receivers_on_both_backends!(
    deliveries_are_signed_and_filtered,
    failures_are_retried_then_the_webhook_turns_off,
    statutory_changes_are_delivered,
);

/// With the safe defaults only public https destinations are taken; a name
/// that resolves to an internal address is refused when it is connected to.
#[actix_web::test]
async fn internal_destinations_are_refused_unless_allowed() {
    let app = custom(false, |s| s.webhooks.poll_interval = Duration::from_millis(50)).await.unwrap();
    let receiver = Receiver::start();
    let admin = app.new_user("admin", Role::Admin).await;
    let port = receiver.address.rsplit(':').next().unwrap().to_string();
    for url in [
        format!("{}/hook", receiver.address),
        format!("https://127.0.0.1:{port}/hook"),
        "https://169.254.169.254/latest/meta-data".to_string(),
        "https://[::1]/hook".to_string(),
        "https://user:secret@cms.example/hook".to_string(),
    ] {
        let r = admin.post("/api/v1/webhooks", json!({"url": url})).await.expect_problem(422);
        assert_eq!(r.body["errors"][0]["field"], "url", "{url}");
    }
    // A name is checked on the addresses it resolves to, when it is used.
    let body = json!({"url": format!("https://localhost:{port}/hook")});
    let id = admin.post("/api/v1/webhooks", body).await.expect(201).body["webhook"]["id"].as_i64().unwrap();
    let clerk = app.as_secretariat();
    let panel = clerk.panel("KMPCP").await;
    clerk.create_action(panel.meetings[0], "Report back on the school").await;
    eventually("a refused attempt", Duration::from_secs(20), || async {
        let log = deliveries(&admin, id).await;
        log.iter().any(|d| d["attempt_log"].as_array().is_some_and(|a| !a.is_empty()))
    })
    .await;
    let log = deliveries(&admin, id).await;
    let error = log.iter().find_map(|d| d["attempt_log"][0]["error"].as_str()).unwrap().to_string();
    assert!(error.contains("refused: localhost resolves to an internal address"), "{error}");
    assert!(!error.contains("127.0.0.1"), "the address is logged: {error}");
    assert!(receiver.received().is_empty(), "the internal address was connected to");
}

/// A redirect is an answer, not an instruction: it is logged as a failure
/// and the place it points to is never asked.
#[actix_web::test]
async fn redirects_are_not_followed() {
    let app = custom(false, allow_receivers).await.unwrap();
    let receiver = Receiver::start();
    receiver.set_mode(Mode::Redirect(format!("{}/elsewhere", receiver.address)));
    let admin = app.new_user("admin", Role::Admin).await;
    let body = json!({"url": format!("{}/hook", receiver.address), "event_types": ["committee.created"]});
    let id = admin.post("/api/v1/webhooks", body).await.expect(201).body["webhook"]["id"].as_i64().unwrap();
    app.as_secretariat().create_committee("REDIR").await;
    eventually("the attempts", Duration::from_secs(20), || async {
        deliveries(&admin, id).await.first().is_some_and(|d| d["status"] == "failed")
    })
    .await;
    let log = deliveries(&admin, id).await;
    let first = &log[0]["attempt_log"][0];
    assert_eq!(first["status_code"], 302);
    assert_eq!(first["error"], "redirects are not followed");
    assert!(receiver.at("/elsewhere").is_empty(), "a redirect was followed");
    assert_eq!(receiver.at("/hook").len(), 3);
}

/// The server killed with SIGKILL while deliveries are pending and one is in
/// flight, its receiver down meanwhile: after a restart every change is
/// delivered at least once.
async fn nothing_is_lost_when_the_server_is_killed(database: panel_tracker::db::Backend) {
    let schedule = vec!["0.3"; 50].join(",");
    let env = [
        ("WEBHOOK_ALLOW_HTTP", "true"),
        ("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "true"),
        ("WEBHOOK_POLL_MILLISECONDS", "50"),
        ("WEBHOOK_TIMEOUT_SECONDS", "2"),
        ("WEBHOOK_RETRY_SCHEDULE", schedule.as_str()),
    ];
    let mut server = ServerProcess::start_with(&database, &env);
    let admin = server.new_user("admin", Role::Admin).await;
    // The receiver's address, with nothing listening there yet.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let body = json!({"url": format!("http://{address}/hook"), "event_types": ["action.created"]});
    let id = admin.post("/api/v1/webhooks", body).await.expect(201).body["webhook"]["id"].as_i64().unwrap();
    let clerk = server.new_user("clerk", Role::Secretariat).await;
    let panel = clerk.panel("CRASH").await;
    let mut references = Vec::new();
    for n in 0..8 {
        references.push(clerk.create_action(panel.meetings[0], &format!("Commitment {n}")).await.reference);
    }
    // Pending, failing to connect: the receiver is down.
    eventually("failed attempts", Duration::from_secs(20), || async {
        deliveries(&admin, id).await.iter().any(|d| d["attempts"].as_i64().unwrap_or(0) > 0)
    })
    .await;
    // The receiver comes up slow: an attempt is in flight when the server dies.
    let receiver = Receiver::start_on(TcpListener::bind(address).unwrap());
    receiver.set_mode(Mode::Slow(Duration::from_secs(3)));
    eventually("a delivery in flight", Duration::from_secs(20), || async { !receiver.received().is_empty() }).await;
    server.kill();
    receiver.set_mode(Mode::Ok);

    let server = ServerProcess::start_with(&database, &env);
    let admin = server.client(admin.token());
    eventually("every change delivered", Duration::from_secs(60), || async {
        let log = deliveries(&admin, id).await;
        log.len() == references.len() && log.iter().all(|d| d["status"] == "delivered")
    })
    .await;
    let mut delivered: Vec<String> = receiver
        .received()
        .iter()
        .map(|r| r.json()["data"]["resource"]["reference"].as_str().unwrap().to_string())
        .collect();
    delivered.sort();
    delivered.dedup();
    references.sort();
    assert_eq!(delivered, references, "every change at least once");
}

#[actix_web::test]
async fn sqlite_nothing_is_lost_when_the_server_is_killed() {
    let (database, _db) = sqlite_db();
    nothing_is_lost_when_the_server_is_killed(database).await;
}

#[actix_web::test]
async fn postgres_nothing_is_lost_when_the_server_is_killed() {
    if let Some((database, _db)) = postgres_db() {
        nothing_is_lost_when_the_server_is_killed(database).await;
    }
}

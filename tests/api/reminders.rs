//! Reminders before meetings: one digest per owner, with the right actions,
//! once, however many instances run; emails to an SMTP server in the test.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use panel_tracker::auth::policy::Role;
use panel_tracker::db::Backend;
use serde_json::json;

use crate::helpers::{eventually, postgres_db, sqlite_db, Client};
use crate::process::ServerProcess;

/// One message as the SMTP server received it.
#[derive(Debug, Clone)]
struct Mail {
    to: Vec<String>,
    data: String,
}

/// A small SMTP server (RFC 5321's commands, no TLS) that keeps every message.
struct SmtpServer {
    port: u16,
    mail: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpServer {
    fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mail = Arc::new(Mutex::new(Vec::new()));
        let kept = mail.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let kept = kept.clone();
                std::thread::spawn(move || {
                    let mut out = stream.try_clone().unwrap();
                    let mut lines = BufReader::new(stream);
                    let mut reply = |text: &str| out.write_all(format!("{text}\r\n").as_bytes());
                    if reply("220 test ESMTP").is_err() {
                        return;
                    }
                    let mut to = Vec::new();
                    loop {
                        let mut line = String::new();
                        if lines.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let command = line.trim_end().to_ascii_uppercase();
                        let answer = if command.starts_with("EHLO") || command.starts_with("HELO") {
                            "250 test"
                        } else if command.starts_with("RCPT TO:") {
                            to.push(line.trim_end()[8..].trim().trim_matches(['<', '>']).to_string());
                            "250 OK"
                        } else if command.starts_with("DATA") {
                            let _ = reply("354 go ahead");
                            let mut data = String::new();
                            loop {
                                let mut l = String::new();
                                if lines.read_line(&mut l).unwrap_or(0) == 0 || l == ".\r\n" {
                                    break;
                                }
                                data.push_str(&l);
                            }
                            kept.lock().unwrap().push(Mail { to: std::mem::take(&mut to), data });
                            "250 OK queued"
                        } else if command.starts_with("QUIT") {
                            let _ = reply("221 bye");
                            return;
                        } else {
                            "250 OK"
                        };
                        if reply(answer).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        SmtpServer { port, mail }
    }

    fn mail(&self) -> Vec<Mail> {
        self.mail.lock().unwrap().clone()
    }
}

async fn user(server: &ServerProcess, admin: &Client, username: &str, email: &str) -> (i64, Client) {
    let client = server.new_user(username, Role::Opcc).await;
    let id = client.me().await.expect(200).body["name"].clone();
    assert_eq!(id, username);
    let found = admin.user_named(username).await;
    let path = format!("/api/v1/users/{}", found.id);
    let etag = admin.get(&path).await.expect(200).etag();
    let r = admin.patch(&path, &etag, json!({"email": email})).await.expect(200);
    assert_eq!(r.body["email"], email);
    (found.id, client)
}

/// Two instances (one on SQLite), three owners: each owner with an email
/// address gets one digest listing exactly their actions due at the coming
/// meeting that await a response; the owner who turned emails off gets none;
/// nothing is sent twice.
async fn one_digest_per_owner_once(database: Backend, instances: usize) {
    let smtp = SmtpServer::start();
    let smtp_url = format!("smtp://127.0.0.1:{}", smtp.port);
    let env = [
        ("REMINDER_POLL_SECONDS", "1"),
        ("REMINDER_LEAD_DAYS", "10,2"),
        ("SMTP_URL", smtp_url.as_str()),
        ("SMTP_FROM", "Panel tracker <panel@council.example>"),
        ("PUBLIC_URL", "https://panel.council.example"),
        ("WEBHOOK_ALLOW_HTTP", "true"),
        ("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "true"),
    ];
    let first = ServerProcess::start_with(&database, &env);
    let admin = first.new_user("admin", Role::Admin).await;
    // A webhook for reminders (its receiver is down: the deliveries wait in the log).
    let body = json!({"url": "http://127.0.0.1:9/hook", "event_types": ["reminder.due"]});
    let webhook = admin.post("/api/v1/webhooks", body).await.expect(201).body["webhook"]["id"].as_i64().unwrap();
    let (anna, _) = user(&first, &admin, "anna", "anna@council.example").await;
    let (ben, _) = user(&first, &admin, "ben", "ben@council.example").await;
    let (cara, cara_client) = user(&first, &admin, "cara", "cara@council.example").await;
    // Cara turns reminder emails off for herself.
    let me = cara_client.patch("/api/v1/me", "", json!({"reminder_emails": false})).await.expect(200);
    assert_eq!(me.body["reminder_emails"], false);
    cara_client.patch("/api/v1/me", "", json!({"email": "not an address"})).await.expect_problem(422);

    let clerk = first.new_user("clerk", Role::Secretariat).await;
    let committee = clerk.create_committee("REMIND").await.id;
    let soon = (chrono::Utc::now() + chrono::Duration::hours(30)).to_rfc3339();
    let later = (chrono::Utc::now() + chrono::Duration::days(40)).to_rfc3339();
    let past = clerk.create_meeting(committee, "2024-02-06T10:00:00Z").await.id;
    let soon = clerk.create_meeting(committee, &soon).await.id;
    let later = clerk.create_meeting(committee, &later).await.id;
    let log = |owner: i64, due: i64, text: &str| {
        let clerk = &clerk;
        let text = text.to_string();
        async move {
            let body =
                json!({"raised_at_meeting_id": past, "due_meeting_id": due, "owner_id": owner, "description": text});
            clerk.post("/api/v1/actions", body).await.expect(201).body["reference"].as_str().unwrap().to_string()
        }
    };
    let anna_1 = log(anna, soon, "Report back on the school visits").await;
    let anna_2 = log(anna, soon, "Check the Thanet response times").await;
    let anna_later = log(anna, later, "Not due for weeks").await;
    let ben_1 = log(ben, soon, "Send the knife crime figures").await;
    let answered = clerk
        .post(
            "/api/v1/actions",
            json!({"raised_at_meeting_id": past, "due_meeting_id": soon, "owner_id": ben, "description": "Already answered"}),
        )
        .await
        .expect(201)
        .id();
    clerk.transition(answered, "submit-response", "\"1\"", json!({"response": "Done"})).await.expect(200);
    log(cara, soon, "Cara's action").await;

    let mut servers = vec![first];
    for _ in 1..instances {
        servers.push(ServerProcess::start_with(&database, &env));
    }
    eventually("the digests", Duration::from_secs(30), || async { smtp.mail().len() >= 2 }).await;
    // Several more rounds on every instance: nothing is sent again.
    actix_web::rt::time::sleep(Duration::from_secs(3)).await;
    let mail = smtp.mail();
    assert_eq!(mail.len(), 2, "one digest per owner with email on, once: {mail:#?}");
    let to_anna = mail.iter().find(|m| m.to == ["anna@council.example"]).expect("Anna's digest");
    let to_ben = mail.iter().find(|m| m.to == ["ben@council.example"]).expect("Ben's digest");
    for reference in [&anna_1, &anna_2] {
        assert!(to_anna.data.contains(reference.as_str()), "{reference} missing:\n{}", to_anna.data);
    }
    assert!(!to_anna.data.contains(&anna_later), "a far meeting's action was reminded");
    assert!(to_ben.data.contains(&ben_1));
    assert!(!to_ben.data.contains("Already answered"), "an answered action was reminded");
    assert!(to_anna.data.contains("Subject: Reminder: responses are due for 2 actions"), "{}", to_anna.data);
    assert!(to_anna.data.contains("https://panel.council.example/actions/"), "{}", to_anna.data);
    assert!(
        to_anna.data.contains("From: \"Panel tracker\" <panel@council.example>")
            || to_anna.data.contains("From: Panel tracker <panel@council.example>"),
        "{}",
        to_anna.data
    );
    // Every owner's digest, emails on or off, is a reminder.due event, once.
    let log = admin.get(&format!("/api/v1/webhooks/{webhook}/deliveries")).await.expect(200).body;
    let events = log["items"].as_array().unwrap();
    assert_eq!(events.len(), 3, "{log}");
    assert!(events.iter().all(|d| d["type"] == "reminder.due" && d["position"].is_null()));
    drop(servers);
}

#[actix_web::test]
async fn sqlite_one_digest_per_owner_once() {
    let (database, _db) = sqlite_db();
    one_digest_per_owner_once(database, 1).await;
}

#[actix_web::test]
async fn postgres_two_instances_one_digest_per_owner_once() {
    if let Some((database, _db)) = postgres_db() {
        one_digest_per_owner_once(database, 2).await;
    }
}

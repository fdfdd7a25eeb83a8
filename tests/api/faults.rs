//! Faults a real deployment meets: the process killed mid-stream, and two
//! instances on one PostgreSQL. These run the built binary as a separate
//! process (see `process.rs`).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

use diesel::prelude::*;
use diesel::sql_types::Text;
use panel_tracker::api::actions::{Action, ChainVerification};
use panel_tracker::api::committees::Committee;
use panel_tracker::api::meetings::Meeting;
use panel_tracker::auth::policy::Role;
use panel_tracker::db::{AnyConnection, Backend};
use panel_tracker::http::pagination::Page;
use serde_json::json;

use crate::helpers::{postgres_db, sqlite_db, Client, TestDb};
use crate::process::ServerProcess;

/// One write the server acknowledged with a 2xx: the action and the version it reached.
#[derive(Debug, Clone)]
struct Ack {
    id: i64,
    reference: String,
    version: i64,
}

/// A committee with a past meeting to raise actions at and later ones to be due at.
async fn panel(clerk: &Client) -> i64 {
    let committee = clerk
        .post("/api/v1/committees", json!({"code": "CRASH", "name": "Crash Panel"}))
        .await
        .expect(201)
        .json::<Committee>()
        .id;
    let mut first = 0;
    for when in ["2024-02-06T10:00:00Z", "2024-04-10T10:00:00Z", "2099-06-05T10:00:00Z"] {
        let body = json!({"committee_id": committee, "title": "Panel meeting", "starts_at": when});
        let id = clerk.post("/api/v1/meetings", body).await.expect(201).json::<Meeting>().id;
        if first == 0 {
            first = id;
        }
    }
    first
}

/// One client logging actions and moving each through its first two steps,
/// recording every 2xx, until the server stops answering.
async fn client_stream(clerk: Client, meeting: i64, client: usize, acks: Rc<RefCell<Vec<Ack>>>) {
    for n in 0.. {
        let key = format!("crash-{client}-{n}");
        let body = json!({
            "raised_at_meeting_id": meeting,
            "description": format!("Client {client} commitment {n}"),
            "owed_to": "the Panel",
        });
        let Some(created) = clerk.try_post_with("/api/v1/actions", body, &[("idempotency-key", &key)]).await else {
            return;
        };
        assert_eq!(created.status, 201, "{}", created.text);
        let Action { id, reference, .. } = created.json();
        acks.borrow_mut().push(Ack { id, reference: reference.clone(), version: 1 });
        let steps =
            [("start", None), ("submit-response", Some(json!({"response": format!("Done by client {client}")})))];
        for (version, (step, body)) in (1..).zip(steps) {
            let path = format!("/api/v1/actions/{id}/{step}");
            let etag = format!("\"{version}\"");
            let body = body.unwrap_or(json!({}));
            let Some(r) = clerk.try_post_with(&path, body, &[("if-match", &etag)]).await else {
                return;
            };
            assert_eq!(r.status, 200, "{step}: {}", r.text);
            acks.borrow_mut().push(Ack { id, reference: reference.clone(), version: version + 1 });
        }
    }
}

async fn acknowledged_writes_survive_sigkill(database: Backend, _db: TestDb) {
    let server = ServerProcess::start(&database);
    let clerk = server.new_user("clerk", Role::Secretariat).await;
    let meeting = panel(&clerk).await;

    let acks = Rc::new(RefCell::new(Vec::new()));
    let clients: Vec<_> =
        (0..8).map(|c| actix_web::rt::spawn(client_stream(clerk.clone(), meeting, c, acks.clone()))).collect();
    // Kill once a good number of writes are acknowledged, with eight clients mid-request.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while acks.borrow().len() < 300 && std::time::Instant::now() < deadline {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    kill_now(&server);
    for client in clients {
        client.await.expect("a client task");
    }
    let acks = acks.borrow().clone();
    assert!(acks.len() >= 100, "only {} writes were acknowledged before the kill", acks.len());

    // Restart on the same database and check every acknowledged write.
    let restarted = ServerProcess::start(&database);
    let clerk = restarted.client(&restarted.sign_in("clerk").await);
    let mut latest: BTreeMap<i64, &Ack> = BTreeMap::new();
    for ack in &acks {
        let entry = latest.entry(ack.id).or_insert(ack);
        if ack.version > entry.version {
            *entry = ack;
        }
    }
    for ack in latest.values() {
        let r = clerk.get_action(ack.id).await;
        assert_eq!(r.reference, ack.reference);
        let version = r.version;
        assert!(version >= ack.version, "action {} is at version {version}, {} was acknowledged", ack.id, ack.version);
    }

    // Every action there is (acknowledged or not) is whole: its events are all
    // there and chained, and no reference is repeated or skipped.
    let actions = all_actions(&clerk).await;
    assert!(actions.len() >= latest.len());
    let mut references = HashSet::new();
    let mut numbers = Vec::new();
    for action in &actions {
        let id = action.id;
        let reference = action.reference.clone();
        numbers.push(reference.rsplit('/').next().unwrap().parse::<u32>().unwrap());
        assert!(references.insert(reference.clone()), "reference {reference} is repeated");
        let verify = clerk.get(&format!("/api/v1/actions/{id}/events/verify")).await.expect(200);
        let chain: ChainVerification = verify.json();
        assert!(chain.intact, "action {id}: {}", verify.text);
        assert_eq!(chain.events_checked as i64, action.version, "action {id} lacks events");
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=numbers.len() as u32).collect::<Vec<_>>(), "references have gaps");

    if let Backend::Sqlite(_) = database {
        let mut conn = panel_tracker::db::build_pool(&database, Some(1)).unwrap().get().unwrap();
        assert_eq!(pragma(&mut conn, "PRAGMA integrity_check"), vec!["ok".to_string()]);
        assert!(pragma(&mut conn, "PRAGMA foreign_key_check").is_empty());
    }
    eprintln!(
        "crash test ({}): {} writes acknowledged on {} actions before SIGKILL, all found after restart; {} actions in all",
        database.name(),
        acks.len(),
        latest.len(),
        actions.len()
    );
}

/// SIGKILL through the pid, while the clients still hold the server (and are mid-request).
fn kill_now(server: &ServerProcess) {
    let pid = server.pid();
    let status = std::process::Command::new("kill").args(["-KILL", &pid.to_string()]).status().expect("kill runs");
    assert!(status.success());
}

async fn all_actions(clerk: &Client) -> Vec<Action> {
    let mut all = Vec::new();
    let mut path = "/api/v1/actions?limit=200".to_string();
    loop {
        let page: Page<Action> = clerk.page(&path).await;
        all.extend(page.items);
        match page.next_cursor {
            Some(cursor) => path = format!("/api/v1/actions?limit=200&cursor={cursor}"),
            None => return all,
        }
    }
}

#[derive(QueryableByName)]
struct PragmaRow {
    #[diesel(sql_type = Text)]
    #[diesel(column_name = result)]
    result: String,
}

/// A pragma's rows, each as text.
fn pragma(conn: &mut AnyConnection, pragma: &str) -> Vec<String> {
    let AnyConnection::Sqlite(c) = conn else { unreachable!("SQLite only") };
    // Alias the pragma's first column so one row type reads both pragmas.
    let sql = match pragma {
        "PRAGMA integrity_check" => "SELECT integrity_check AS result FROM pragma_integrity_check".to_string(),
        _ => "SELECT \"table\" || ':' || rowid AS result FROM pragma_foreign_key_check".to_string(),
    };
    diesel::sql_query(sql).load::<PragmaRow>(c).unwrap().into_iter().map(|r| r.result).collect()
}

#[actix_web::test]
async fn sqlite_acknowledged_writes_survive_sigkill() {
    let (database, db) = sqlite_db();
    acknowledged_writes_survive_sigkill(database, db).await;
}

#[actix_web::test]
async fn postgres_acknowledged_writes_survive_sigkill() {
    if let Some((database, db)) = postgres_db() {
        acknowledged_writes_survive_sigkill(database, db).await;
    }
}

/// Two instances on one PostgreSQL: references stay unique and gapless when
/// both create at once, and an Idempotency-Key sent to one instance replays
/// on the other.
#[actix_web::test]
async fn two_instances_share_one_postgres() {
    let Some((database, _db)) = postgres_db() else { return };
    let a = ServerProcess::start(&database);
    let b = ServerProcess::start(&database);
    // One clerk, talking to either instance.
    let on_a = a.new_user("clerk", Role::Secretariat).await;
    let on_b = b.client(on_a.token());
    let meeting = panel(&on_a).await;

    // 60 creates, alternating instances, all at once.
    let creates = (0..60).map(|n| {
        let clerk = if n % 2 == 0 { &on_a } else { &on_b };
        async move {
            let body = json!({"raised_at_meeting_id": meeting, "description": format!("Concurrent {n}")});
            clerk.post("/api/v1/actions", body).await.expect(201)
        }
    });
    let mut numbers: Vec<u32> = futures_util::future::join_all(creates)
        .await
        .iter()
        .map(|r| r.json::<Action>().reference.rsplit('/').next().unwrap().parse().unwrap())
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=60).collect::<Vec<u32>>());

    // A retry that lands on the other instance gets the first answer.
    let body = json!({"raised_at_meeting_id": meeting, "description": "Logged from a laptop that lost Wi-Fi"});
    let key = [("idempotency-key", "laptop-7")];
    let first = on_a.post_with("/api/v1/actions", body.clone(), &key).await.expect(201);
    let replay = on_b.post_with("/api/v1/actions", body.clone(), &key).await.expect(201);
    assert_eq!(replay.body, first.body);
    assert_eq!(replay.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(replay.header("location"), first.header("location"));

    // The same key sent to both at the same moment creates one action.
    let body = json!({"raised_at_meeting_id": meeting, "description": "Sent twice at once"});
    let key = [("idempotency-key", "double-tap")];
    let (x, y) = futures_util::future::join(
        on_a.post_with("/api/v1/actions", body.clone(), &key),
        on_b.post_with("/api/v1/actions", body.clone(), &key),
    )
    .await;
    for r in [&x, &y] {
        assert!(r.status == 201 || r.status == 409, "{}", r.text);
    }
    let ids: HashSet<i64> = [x, y].iter().filter(|r| r.status == 201).map(|r| r.json::<Action>().id).collect();
    assert_eq!(ids.len(), 1, "one action for one key");
    let actions = all_actions(&on_a).await;
    let mut per_description: HashMap<&str, usize> = HashMap::new();
    for action in &actions {
        *per_description.entry(action.description.as_str()).or_default() += 1;
    }
    assert_eq!(per_description["Sent twice at once"], 1);
    assert_eq!(per_description["Logged from a laptop that lost Wi-Fi"], 1);
    assert_eq!(actions.len(), 62);
}

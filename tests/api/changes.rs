//! The change feed: a reader that remembers the last position it processed
//! misses nothing, even while many writers commit at once on two instances.

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::time::Duration;

use panel_tracker::api::actions::Action;
use panel_tracker::auth::policy::Role;
use panel_tracker::db::Backend;
use serde_json::{json, Value};

use crate::helpers::{postgres_db, sqlite_db, Client, TestApp};
use crate::process::ServerProcess;

/// Every page of the feed after `after`, following `next_after`.
async fn read_all(client: &Client, query: &str, mut after: i64) -> (Vec<Value>, i64) {
    let mut seen = Vec::new();
    loop {
        let page = client.get(&format!("/api/v1/changes?after={after}&{query}")).await.expect(200).body;
        seen.extend(page["changes"].as_array().unwrap().iter().cloned());
        after = page["next_after"].as_i64().unwrap();
        if !page["has_more"].as_bool().unwrap() {
            return (seen, after);
        }
    }
}

/// What the API answers for a resource now.
async fn current(client: &Client, resource_type: &str, id: i64) -> Value {
    let collection = match resource_type {
        "committee" => "committees",
        "meeting" => "meetings",
        "agenda_item" => "agenda-items",
        "action" => "actions",
        other => panic!("unknown resource type {other}"),
    };
    client.get(&format!("/api/v1/{collection}/{id}")).await.expect(200).body
}

/// One writer: logs actions and takes each through several changes, on
/// the instance it is given, and sometimes loses a race (412, no change).
async fn writer(clerk: Client, meeting: i64, writer: usize, rounds: usize) {
    for round in 0..rounds {
        let body =
            json!({"raised_at_meeting_id": meeting, "description": format!("Writer {writer} commitment {round}")});
        let action: Action = clerk.post("/api/v1/actions", body).await.expect(201).json();
        let path = format!("/api/v1/actions/{}", action.id);
        let r = clerk.patch(&path, "\"1\"", json!({"owner": format!("Officer {writer}")})).await.expect(200);
        // A stale edit is refused and leaves nothing in the feed.
        clerk.patch(&path, "\"1\"", json!({"owner": "Too late"})).await.expect_problem(412);
        let r = clerk.transition(action.id, "start", &r.etag(), json!({})).await.expect(200);
        let r = clerk
            .transition(action.id, "submit-response", &r.etag(), json!({"response": format!("Done, round {round}")}))
            .await
            .expect(200);
        if round % 2 == 0 {
            clerk.transition(action.id, "accept", &r.etag(), json!({})).await.expect(200);
        }
    }
}

/// Meetings and agenda items changing alongside the actions.
async fn organiser(clerk: Client, committee: i64, rounds: usize) {
    for round in 0..rounds {
        let body = json!({"committee_id": committee, "title": format!("Panel meeting {round}"),
                          "starts_at": format!("2099-0{}-0{}T10:00:00Z", 1 + round % 9, 1 + round % 9)});
        let meeting = clerk.post("/api/v1/meetings", body).await.expect(201);
        let id = meeting.id();
        let item = json!({"number": "1", "title": "Commissioner's update"});
        let item = clerk.post(&format!("/api/v1/meetings/{id}/agenda-items"), item).await.expect(201);
        clerk
            .patch(&format!("/api/v1/agenda-items/{}", item.id()), "\"1\"", json!({"title": "Commissioner's report"}))
            .await
            .expect(200);
        clerk
            .patch(&format!("/api/v1/meetings/{id}"), "\"1\"", json!({"location": "Sessions House"}))
            .await
            .expect(200);
        if round == 1 {
            clerk.patch(&format!("/api/v1/meetings/{id}"), "\"2\"", json!({"status": "cancelled"})).await.expect(200);
        }
    }
    let path = format!("/api/v1/committees/{committee}");
    let etag = clerk.get(&path).await.expect(200).etag();
    clerk.patch(&path, &etag, json!({"published": true})).await.expect(200);
}

/// Many writers on every instance and a reader polling throughout, on
/// alternate instances: replaying what the reader saw gives every resource
/// exactly as it ends, positions run 1, 2, 3... with none missing or
/// repeated, and every version of every resource has its change.
async fn a_reader_misses_nothing(database: Backend, instances: usize) {
    let servers: Vec<ServerProcess> = (0..instances).map(|_| ServerProcess::start(&database)).collect();
    let token = servers[0].user_token("clerk", Role::Secretariat).await;
    let clerks: Vec<Client> = servers.iter().map(|s| s.client(&token)).collect();
    let committee = clerks[0].post("/api/v1/committees", json!({"code": "FEED", "name": "Feed Panel"})).await;
    let committee = committee.expect(201).id();
    let body = json!({"committee_id": committee, "title": "Panel meeting", "starts_at": "2024-02-06T10:00:00Z"});
    let meeting = clerks[0].post("/api/v1/meetings", body).await.expect(201).id();

    let done = Rc::new(Cell::new(false));
    let reader = {
        let (clerks, done) = (clerks.clone(), done.clone());
        async move {
            let mut seen: Vec<Value> = Vec::new();
            let mut after = 0;
            for poll in 0usize.. {
                let finished = done.get();
                let client = &clerks[poll % clerks.len()];
                let page = client.get(&format!("/api/v1/changes?after={after}&limit=7")).await.expect(200).body;
                let changes = page["changes"].as_array().unwrap();
                seen.extend(changes.iter().cloned());
                after = page["next_after"].as_i64().unwrap();
                let has_more = page["has_more"].as_bool().unwrap();
                if finished && !has_more {
                    return (seen, poll);
                }
                if changes.is_empty() {
                    actix_web::rt::time::sleep(Duration::from_millis(5)).await;
                }
            }
            unreachable!()
        }
    };
    let writers = async {
        let mut all = Vec::new();
        for n in 0..8 {
            all.push(futures_util::future::Either::Left(writer(clerks[n % clerks.len()].clone(), meeting, n, 6)));
        }
        all.push(futures_util::future::Either::Right(organiser(clerks[clerks.len() - 1].clone(), committee, 4)));
        futures_util::future::join_all(all).await;
        done.set(true);
    };
    let ((seen, polls), ()) = futures_util::future::join(reader, writers).await;

    // Gapless and in order: what the reader saw is the whole feed.
    let positions: Vec<i64> = seen.iter().map(|c| c["position"].as_i64().unwrap()).collect();
    assert_eq!(positions, (1..=seen.len() as i64).collect::<Vec<_>>(), "a position was missed or repeated");
    let (whole, head) = read_all(&clerks[0], "limit=1000", 0).await;
    assert_eq!(whole.len(), seen.len());
    assert_eq!(head, seen.len() as i64);

    // Every version of every resource has its change, in order.
    let mut versions: BTreeMap<(String, i64), Vec<i64>> = BTreeMap::new();
    let mut replayed: HashMap<(String, i64), Value> = HashMap::new();
    for change in &seen {
        let key = (change["resource_type"].as_str().unwrap().to_string(), change["resource_id"].as_i64().unwrap());
        assert_eq!(change["resource"]["id"], key.1);
        versions.entry(key.clone()).or_default().push(change["version"].as_i64().unwrap());
        replayed.insert(key, change["resource"].clone());
    }
    // Replaying reproduces every resource exactly.
    for ((resource_type, id), versions) in &versions {
        let now = current(&clerks[0], resource_type, *id).await;
        let last = now["version"].as_i64().unwrap();
        assert_eq!(versions, &(1..=last).collect::<Vec<_>>(), "{resource_type} {id}");
        assert_eq!(replayed[&(resource_type.clone(), *id)], now, "{resource_type} {id}");
    }
    let count = |t: &str| versions.keys().filter(|(rt, _)| rt == t).count();
    assert_eq!(count("action"), 8 * 6);
    assert_eq!(count("meeting"), 1 + 4);
    assert_eq!(count("agenda_item"), 4);
    assert_eq!(count("committee"), 1);
    let types: Vec<&str> = seen.iter().map(|c| c["type"].as_str().unwrap()).collect();
    for expected in ["action.status_changed", "meeting.cancelled", "committee.published", "agenda_item.updated"] {
        assert!(types.contains(&expected), "{expected} missing from {types:?}");
    }
    eprintln!("{} changes on {instances} instance(s), read in {polls} polls, none missed", seen.len());
}

#[actix_web::test]
async fn sqlite_a_reader_misses_nothing() {
    let (database, _db) = sqlite_db();
    a_reader_misses_nothing(database, 1).await;
}

#[actix_web::test]
async fn postgres_two_instances_a_reader_misses_nothing() {
    if let Some((database, _db)) = postgres_db() {
        a_reader_misses_nothing(database, 2).await;
    }
}

/// The filters, `next_after` past what did not match, the `Link` to the
/// next page, who may read it and what is refused.
async fn the_feed_filters_and_refuses_bad_queries(app: TestApp) {
    let clerk = app.as_secretariat();
    let kent = clerk.panel("KMPCP").await;
    let other = clerk.panel("OTHER").await;
    let action = clerk.create_action(kent.meetings[0], "Report back on the school").await;
    clerk.create_action(other.meetings[0], "Check the figures").await;

    let (all, head) = read_all(&clerk, "", 0).await;
    assert_eq!(head, all.len() as i64);
    assert_eq!(all[0]["type"], "committee.created");

    let (kent_only, next) = read_all(&clerk, &format!("committee_id={}", kent.committee), 0).await;
    assert!(kent_only.iter().all(|c| c["committee_id"] == kent.committee));
    assert!(kent_only.iter().any(|c| c["type"] == "meeting.created"));
    assert_eq!(next, head, "an exhausted filtered read moves on to the head");
    let (actions, _) = read_all(&clerk, "resource_type=action", 0).await;
    assert_eq!(actions.len(), 2);
    assert_eq!(actions[0]["resource"]["reference"], json!(action.reference));
    assert_eq!(actions[0]["type"], "action.created");
    assert_eq!(actions[0]["version"], 1);

    // Nothing new: the same position back, and nothing to read.
    let page = clerk.get(&format!("/api/v1/changes?after={head}")).await.expect(200).body;
    assert_eq!(page, json!({"changes": [], "next_after": head, "has_more": false}));

    // A full page says there is more, in the body and the Link header.
    let r = clerk.get("/api/v1/changes?limit=2&resource_type=meeting").await.expect(200);
    assert_eq!(r.body["has_more"], true);
    let next = r.body["next_after"].as_i64().unwrap();
    assert_eq!(next, r.body["changes"][1]["position"].as_i64().unwrap());
    let link = r.header("link").unwrap();
    assert!(link.contains(&format!("after={next}")) && link.contains("resource_type=meeting"), "{link}");

    // Any reader may follow it; anonymous callers may not.
    let member = app.new_user("member", Role::Member).await;
    member.get("/api/v1/changes").await.expect(200);
    app.anonymous().get("/api/v1/changes").await.expect_problem(401);
    for bad in ["after=-1", "limit=0", "limit=1001", "resource_type=user", "committee_id=0", "after=x", "since=1"] {
        clerk.get(&format!("/api/v1/changes?{bad}")).await.expect_problem(400);
    }
}

/// A polling system pays almost nothing while nothing changed: each GET
/// answer carries an ETag, `If-None-Match` with it answers 304 with no body,
/// and a change makes it 200 again with a new tag.
async fn unchanged_answers_are_304(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("KMPCP").await;
    let body = json!({"raised_at_meeting_id": panel.meetings[0], "due_meeting_id": panel.meetings[1],
                      "description": "Report back on the school"});
    let action: Action = clerk.post("/api/v1/actions", body).await.expect(201).json();
    let paths = [
        format!("/api/v1/actions/{}", action.id),
        format!("/api/v1/committees/{}", panel.committee),
        "/api/v1/actions?limit=10".to_string(),
        format!("/api/v1/meetings/{}/action-log", panel.meetings[1]),
        "/api/v1/changes?after=0".to_string(),
    ];
    let mut tags = Vec::new();
    for path in &paths {
        let first = clerk.get(path).await.expect(200);
        let tag = first.header("etag").unwrap_or_else(|| panic!("{path} has no ETag"));
        assert_eq!(first.header("cache-control").as_deref(), Some("private, no-cache"), "{path}");
        let again = clerk.send("GET", path, &[("if-none-match", &tag)], None).await;
        assert_eq!(again.status, 304, "{path}: {}", again.text);
        assert!(again.text.is_empty(), "{path}: a 304 has no body");
        assert_eq!(again.header("etag").as_deref(), Some(tag.as_str()));
        // Weak comparison and lists of tags, as RFC 9110 says for If-None-Match.
        let listed = format!("\"other\", W/{tag}");
        assert_eq!(clerk.send("GET", path, &[("if-none-match", &listed)], None).await.status, 304, "{path}");
        assert_eq!(clerk.send("GET", path, &[("if-none-match", "\"other\"")], None).await.status, 200, "{path}");
        tags.push(tag);
    }
    // One change: every answer that shows it is 200 again, with a new tag.
    let etag = format!("\"{}\"", action.version);
    clerk
        .patch(&format!("/api/v1/actions/{}", action.id), &etag, json!({"owner": "Head of Partnerships"}))
        .await
        .expect(200);
    for (path, tag) in paths.iter().zip(&tags).filter(|(p, _)| !p.contains("committees")) {
        let r = clerk.send("GET", path, &[("if-none-match", tag)], None).await.expect(200);
        assert_ne!(r.header("etag").as_deref(), Some(tag.as_str()), "{path}");
    }
    // The committee did not change.
    let r = clerk.send("GET", &paths[1], &[("if-none-match", &tags[1])], None).await;
    assert_eq!(r.status, 304);
    // Errors are not made conditional.
    let r = clerk.send("GET", "/api/v1/actions/999999", &[("if-none-match", "*")], None).await;
    assert_eq!(r.status, 404);
}

crate::on_both_backends!(the_feed_filters_and_refuses_bad_queries, unchanged_answers_are_304);

//! Many clients editing one action at once: optimistic concurrency must let
//! exactly one edit win per version and lose none of the winners.

use std::collections::{BTreeMap, HashSet};

use panel_tracker::api::actions::{Action, ActionEvent, ChainVerification};
use panel_tracker::http::pagination::Page;
use serde_json::json;

use crate::helpers::TestApp;

/// Twelve clients, each reading the action and sending its own edit based on
/// what it read, round after round. Per version exactly one edit wins, the
/// rest get 412, every winning edit is in the timeline in order, and the
/// hash chain holds.
async fn racing_edits_lose_nothing(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("KMPCP").await;
    let id = clerk.create_action(panel.meetings[0], "Report back on the school in Folkestone").await.id;
    let path = format!("/api/v1/actions/{id}");
    let clients = 12;
    let rounds = 8;
    // base version -> the owner written by the edit that won from it
    let mut winners: BTreeMap<i64, String> = BTreeMap::new();
    let mut tried = 0;
    let mut lost_races = 0;
    for round in 0..rounds {
        let edits = (0..clients).map(|client| {
            let (clerk, path) = (&clerk, &path);
            async move {
                let current = clerk.get(path).await.expect(200);
                let base = current.json::<Action>().version;
                let owner = format!("Officer {client} in round {round}");
                let r = clerk.patch(path, &current.etag(), json!({ "owner": owner })).await;
                (base, owner, r)
            }
        });
        for (base, owner, r) in futures_util::future::join_all(edits).await {
            tried += 1;
            match r.status {
                200 => {
                    let won: Action = r.json();
                    assert_eq!(won.version, base + 1, "a win moves the version by one");
                    assert_eq!(won.owner.as_deref(), Some(owner.as_str()));
                    let earlier = winners.insert(base, owner);
                    assert!(earlier.is_none(), "two edits won from version {base}");
                }
                412 => {
                    lost_races += 1;
                    assert_eq!(r.header("content-type").as_deref(), Some("application/problem+json"));
                }
                other => panic!("an edit got {other}: {}", r.text),
            }
        }
    }
    assert!(!winners.is_empty());
    assert_eq!(winners.len() + lost_races, tried);

    // The versions won are consecutive from 1, and the action ends at the last.
    let bases: Vec<i64> = winners.keys().copied().collect();
    assert_eq!(bases, (1..=winners.len() as i64).collect::<Vec<_>>(), "a version was skipped or reused");
    let action = clerk.get_action(id).await;
    assert_eq!(action.version, winners.len() as i64 + 1);
    assert_eq!(action.owner.as_deref(), Some(winners.values().last().unwrap().as_str()));

    // Every winning edit is in the timeline, in order, each from the one before.
    let events = clerk.page::<ActionEvent>(&format!("{path}/events?limit=200")).await.items;
    assert_eq!(events.len(), winners.len() + 1, "one event per version");
    let mut previous_owner = serde_json::Value::Null;
    for (event, (base, owner)) in events[1..].iter().zip(&winners) {
        let change = &event.changes["owner"];
        assert_eq!(change["to"], owner.as_str(), "event for version {}", base + 1);
        assert_eq!(change["from"], previous_owner);
        previous_owner = json!(owner);
    }
    let verify: ChainVerification = clerk.get(&format!("{path}/events/verify")).await.expect(200).json();
    assert!(verify.intact);
    let distinct: HashSet<&String> = winners.values().collect();
    assert_eq!(distinct.len(), winners.len());
    eprintln!("{tried} concurrent edits: {} won, {lost_races} got 412, 0 lost", winners.len());
}

/// Transitions race the same way: of many clients starting one action from
/// the same version, one wins and the rest get 412, never a second event.
async fn racing_transitions_apply_once(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("KMPCP").await;
    let id = clerk.create_action(panel.meetings[0], "Check whether that was the case").await.id;
    let starts = (0..10).map(|_| clerk.transition(id, "start", "\"1\"", json!({})));
    let statuses: Vec<u16> = futures_util::future::join_all(starts).await.iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 412), "{statuses:?}");
    assert_eq!(clerk.events(id).await.len(), 2);
}

/// A meeting cancelled while clients make actions due at it (new ones, and
/// old ones carried forward to it): whichever commits first, no unfinished
/// action is left due at the cancelled meeting. Each create or carry either
/// lands first and is then moved on by the cancellation, or waits for it and
/// is refused with 409. (On PostgreSQL the target meeting is held `FOR SHARE`
/// for this; SQLite's one writer orders them anyway.)
async fn cancelling_a_meeting_races_actions_made_due_at_it(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("KMPCP").await;
    let [feb, apr, _jun, sep] = panel.meetings[..] else { unreachable!() };
    let (mut landed, mut refused) = (0, 0);
    for round in 0..6 {
        let target = clerk.create_meeting(panel.committee, &format!("2099-07-{:02}T10:00:00Z", round + 1)).await.id;
        let mut carried = Vec::new();
        for n in 0..3 {
            carried.push(clerk.create_action(apr, &format!("Round {round}: to carry, {n}")).await.id);
        }
        let meeting_path = format!("/api/v1/meetings/{target}");
        let etag = clerk.get(&meeting_path).await.expect(200).etag();
        let cancel = clerk.patch(&meeting_path, &etag, json!({"status": "cancelled"}));
        let creates = futures_util::future::join_all((0..5).map(|n| {
            clerk.post(
                "/api/v1/actions",
                json!({"raised_at_meeting_id": feb, "description": format!("Round {round}: new, {n}"), "due_meeting_id": target}),
            )
        }));
        let carries = futures_util::future::join_all(
            carried.iter().map(|id| clerk.transition(*id, "carry-forward", "\"1\"", json!({"to_meeting_id": target}))),
        );
        let (cancelled, created, carried_results) = futures_util::future::join3(cancel, creates, carries).await;
        cancelled.expect(200);
        for r in created.iter().chain(&carried_results) {
            match r.status {
                200 | 201 => landed += 1,
                409 => refused += 1,
                other => panic!("a create or carry racing the cancellation got {other}: {}", r.text),
            }
        }
        let stranded: Page<Action> = clerk.page(&format!("/api/v1/actions?due_meeting_id={target}")).await;
        assert!(stranded.items.is_empty(), "round {round}: actions left due at a cancelled meeting");
        for r in created.iter().chain(&carried_results).filter(|r| r.status < 300) {
            let now = clerk.get_action(r.json::<Action>().id).await;
            assert_eq!(now.due_meeting_id, Some(sep), "round {round}: moved on to the next meeting");
        }
    }
    assert_eq!(landed + refused, 6 * 8);
    eprintln!(
        "{landed} creates and carries landed before a cancellation and were moved on, {refused} refused after it"
    );
}

crate::on_both_backends!(
    racing_edits_lose_nothing,
    racing_transitions_apply_once,
    cancelling_a_meeting_races_actions_made_due_at_it
);

use serde_json::json;

use crate::helpers::{exec, TestApp};

async fn the_timeline_is_hash_chained_and_tampering_is_detected(app: TestApp) {
    let panel = app.panel("KMPCP").await;
    let id = app.action(panel.meetings[0], "Report back to the Member").await.id();
    app.act(id, "start", "\"1\"", json!({})).await.expect(200);
    app.act(id, "submit-response", "\"2\"", json!({"response": "Reported"})).await.expect(200);

    let events = app.get(&format!("/api/v1/actions/{id}/events")).await.expect(200);
    let items = events.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["prev_hash"], "0".repeat(64));
    assert_eq!(items[1]["prev_hash"], items[0]["hash"]);
    assert_eq!(items[2]["prev_hash"], items[1]["hash"]);
    assert_eq!(items[0]["changes"]["description"], json!({"from": null, "to": "Report back to the Member"}));

    let paged = app.get(&format!("/api/v1/actions/{id}/events?limit=2")).await.expect(200);
    let cursor = paged.body["next_cursor"].as_str().unwrap().to_string();
    let rest = app.get(&format!("/api/v1/actions/{id}/events?limit=2&cursor={cursor}")).await.expect(200);
    assert_eq!(rest.body["items"][0]["sequence"], 3);

    let verify = format!("/api/v1/actions/{id}/events/verify");
    let ok = app.get(&verify).await.expect(200);
    assert_eq!(ok.body, json!({"action_id": id, "intact": true, "events_checked": 3, "first_broken_sequence": null}));

    let mut conn = app.connection();
    // The database itself refuses edits to the timeline...
    let refused = diesel::connection::SimpleConnection::batch_execute(
        &mut *conn,
        &format!("UPDATE action_events SET actor = 'mallory' WHERE action_id = {id}"),
    );
    assert!(refused.is_err(), "the append-only trigger refuses updates");
    // ...and someone with the power to drop that guard is still caught.
    if app.is_sqlite() {
        exec(&mut conn, "DROP TRIGGER action_events_no_update");
    } else {
        exec(&mut conn, "DROP TRIGGER action_events_append_only ON action_events");
    }
    exec(
        &mut conn,
        &format!("UPDATE action_events SET changes = '{{\"response\":{{\"from\":null,\"to\":\"Forged\"}}}}' WHERE action_id = {id} AND sequence = 2"),
    );
    let broken = app.get(&verify).await.expect(200);
    assert_eq!(broken.body["intact"], false);
    assert_eq!(broken.body["first_broken_sequence"], 2);

    // Removing the newest events leaves every remaining link intact; the
    // chain's length no longer matching the action's version gives it away.
    let other = app.action(panel.meetings[0], "Circulate the figures").await.id();
    app.act(other, "start", "\"1\"", json!({})).await.expect(200);
    if app.is_sqlite() {
        exec(&mut conn, "DROP TRIGGER action_events_no_delete");
    }
    exec(&mut conn, &format!("DELETE FROM action_events WHERE action_id = {other} AND sequence = 2"));
    let truncated = app.get(&format!("/api/v1/actions/{other}/events/verify")).await.expect(200);
    assert_eq!(truncated.body["intact"], false);
    assert_eq!(truncated.body["first_broken_sequence"], 2);

    app.get("/api/v1/actions/999999/events").await.expect_problem(404);
    app.get("/api/v1/actions/999999/events/verify").await.expect_problem(404);
}

crate::on_both_backends!(the_timeline_is_hash_chained_and_tampering_is_detected);

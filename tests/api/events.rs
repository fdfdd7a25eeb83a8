use panel_tracker::api::actions::{ActionEvent, ChainVerification};
use panel_tracker::http::pagination::Page;
use serde_json::json;

use crate::helpers::{exec, TestApp};

async fn the_timeline_is_hash_chained_and_tampering_is_detected(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("KMPCP").await;
    let id = clerk.create_action(panel.meetings[0], "Report back to the Member").await.id;
    clerk.transition(id, "start", "\"1\"", json!({})).await.expect(200);
    clerk.transition(id, "submit-response", "\"2\"", json!({"response": "Reported"})).await.expect(200);

    let items = clerk.events(id).await;
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].prev_hash, "0".repeat(64));
    assert_eq!(items[1].prev_hash, items[0].hash);
    assert_eq!(items[2].prev_hash, items[1].hash);
    assert_eq!(items[0].changes["description"], json!({"from": null, "to": "Report back to the Member"}));

    let paged: Page<ActionEvent> = clerk.page(&format!("/api/v1/actions/{id}/events?limit=2")).await;
    let cursor = paged.next_cursor.unwrap();
    let rest: Page<ActionEvent> = clerk.page(&format!("/api/v1/actions/{id}/events?limit=2&cursor={cursor}")).await;
    assert_eq!(rest.items[0].sequence, 3);

    let verify = format!("/api/v1/actions/{id}/events/verify");
    let ok = clerk.get(&verify).await.expect(200);
    // The whole document, field for field.
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
    let broken: ChainVerification = clerk.get(&verify).await.expect(200).json();
    assert!(!broken.intact);
    assert_eq!(broken.first_broken_sequence, Some(2));

    // Removing the newest events leaves every remaining link intact; the
    // chain's length no longer matching the action's version gives it away.
    let other = clerk.create_action(panel.meetings[0], "Circulate the figures").await.id;
    clerk.transition(other, "start", "\"1\"", json!({})).await.expect(200);
    if app.is_sqlite() {
        exec(&mut conn, "DROP TRIGGER action_events_no_delete");
    }
    exec(&mut conn, &format!("DELETE FROM action_events WHERE action_id = {other} AND sequence = 2"));
    let truncated: ChainVerification =
        clerk.get(&format!("/api/v1/actions/{other}/events/verify")).await.expect(200).json();
    assert!(!truncated.intact);
    assert_eq!(truncated.first_broken_sequence, Some(2));

    clerk.get("/api/v1/actions/999999/events").await.expect_problem(404);
    clerk.get("/api/v1/actions/999999/events/verify").await.expect_problem(404);
}

crate::on_both_backends!(the_timeline_is_hash_chained_and_tampering_is_detected);

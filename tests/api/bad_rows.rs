//! A status, kind or role in the database that the service does not know
//! (written past the CHECK constraints, say by a hand edit or a future
//! migration rolled back) is an error that is logged and answered with a
//! generic 500: never silently read as some default value.

use diesel::sql_types::Text;
use diesel::RunQueryDsl;
use panel_tracker::api::committees::Committee;
use panel_tracker::api::meetings::Meeting;
use panel_tracker::api::users::{IssuedServiceCredential, User};
use panel_tracker::auth::policy::Role;
use panel_tracker::db::{self, AnyConnection, Backend};
use panel_tracker::http::pagination::Page;
use serde_json::json;

use crate::helpers::{exec, Response, TestApp};
use crate::process::ServerProcess;

/// The body every internal error gets: nothing about what went wrong inside.
const GENERIC_DETAIL: &str = "An unexpected error occurred; it has been logged.";

/// Writes `value` into the row's column, getting past the CHECK constraint
/// (SQLite: ignore it on this connection; PostgreSQL: drop it), and checks
/// the row now holds it.
fn corrupt(conn: &mut AnyConnection, table: &str, column: &str, id: i64, value: &str) {
    let update = format!("UPDATE {table} SET {column} = '{value}' WHERE id = {id}");
    let sql = match conn {
        AnyConnection::Sqlite(_) => {
            format!("PRAGMA ignore_check_constraints = ON; {update}; PRAGMA ignore_check_constraints = OFF;")
        }
        AnyConnection::Postgresql(_) => {
            format!("ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {table}_{column}_check; {update};")
        }
    };
    exec(conn, &sql);

    #[derive(diesel::QueryableByName)]
    struct Stored {
        #[diesel(sql_type = Text)]
        v: String,
    }
    let stored = diesel::sql_query(format!("SELECT {column} AS v FROM {table} WHERE id = {id}"))
        .get_result::<Stored>(conn)
        .expect("the row");
    assert_eq!(stored.v, value, "{table}.{column} of {id} was not corrupted");
}

/// A 500 problem that says nothing of the bad value or the database.
#[track_caller]
fn expect_generic_500(r: Response, bad_value: &str) {
    let r = r.expect_problem(500);
    let problem = r.problem();
    assert_eq!(problem.detail, GENERIC_DETAIL, "{}", r.text);
    assert_eq!(problem.title, "Internal server error");
    assert!(!r.text.contains(bad_value), "the bad value leaks: {}", r.text);
    for word in ["ActionStatus", "ActionKind", "MeetingStatus", "Role", "deserializ", "unknown"] {
        assert!(!r.text.contains(word), "internals leak ({word}): {}", r.text);
    }
}

async fn an_unknown_action_status_or_kind_is_a_500_not_a_default(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("KMPCP").await;
    let id = clerk.create_action(panel.meetings[0], "Report back to the Member").await.id;
    let path = format!("/api/v1/actions/{id}");
    let mut conn = app.connection();

    // Once read as `open`.
    corrupt(&mut conn, "actions", "status", id, "closed");
    expect_generic_500(clerk.get(&path).await, "closed");
    expect_generic_500(clerk.get("/api/v1/actions").await, "closed");
    expect_generic_500(clerk.get(&format!("/api/v1/committees/{}/stats", panel.committee)).await, "closed");
    // A transition refuses to build on it rather than treating it as open.
    expect_generic_500(clerk.transition(id, "start", "\"1\"", json!({})).await, "closed");

    corrupt(&mut conn, "actions", "status", id, "open");
    clerk.get(&path).await.expect(200);

    // Once read as `other`.
    corrupt(&mut conn, "actions", "kind", id, "chase_up");
    expect_generic_500(clerk.get(&path).await, "chase_up");
    expect_generic_500(clerk.get("/api/v1/actions").await, "chase_up");
}

async fn an_unknown_meeting_status_is_a_500_not_a_default(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("KMPCP").await;
    let meeting = panel.meetings[2];
    let path = format!("/api/v1/meetings/{meeting}");
    let etag = clerk.get(&path).await.expect(200).etag();
    let mut conn = app.connection();

    // Once read as `scheduled`.
    corrupt(&mut conn, "meetings", "status", meeting, "postponed");
    expect_generic_500(clerk.get(&path).await, "postponed");
    expect_generic_500(clerk.get("/api/v1/meetings").await, "postponed");
    expect_generic_500(clerk.patch(&path, &etag, json!({"title": "Renamed"})).await, "postponed");
    // An action cannot be made due at it on the strength of a guess.
    let due_there = json!({"raised_at_meeting_id": panel.meetings[0], "description": "x", "due_meeting_id": meeting});
    expect_generic_500(clerk.post("/api/v1/actions", due_there).await, "postponed");
}

async fn an_unknown_role_is_a_500_not_a_reader(app: TestApp) {
    let admin = app.new_user("boss", Role::Admin).await;
    let member = app.new_user("councillor", Role::Member).await;
    let users: Page<User> = admin.page("/api/v1/users").await;
    let user_id = users.items.iter().find(|u| u.username == "councillor").map(|u| u.id).expect("the member's id");
    let mut conn = app.connection();

    // Once read as `reader`: the user kept signing in and reading.
    corrupt(&mut conn, "users", "role", user_id, "superuser");
    expect_generic_500(member.me().await, "superuser");
    expect_generic_500(member.get("/api/v1/actions").await, "superuser");
    expect_generic_500(app.sign_in("councillor", "councillor-password").await, "superuser");
    expect_generic_500(admin.get(&format!("/api/v1/users/{user_id}")).await, "superuser");
    expect_generic_500(admin.get("/api/v1/users").await, "superuser");

    // A service credential too: once read as `reader`.
    let issued: IssuedServiceCredential =
        admin.post("/api/v1/service-credentials", json!({"name": "intranet-sync"})).await.expect(201).json();
    let service = app.client_with_token(&issued.token);
    service.get("/api/v1/actions").await.expect(200);
    corrupt(&mut conn, "service_credentials", "role", issued.credential.id, "root");
    expect_generic_500(service.get("/api/v1/actions").await, "root");
    expect_generic_500(admin.get("/api/v1/service-credentials").await, "root");
}

crate::on_both_backends!(
    an_unknown_action_status_or_kind_is_a_500_not_a_default,
    an_unknown_meeting_status_is_a_500_not_a_default,
    an_unknown_role_is_a_500_not_a_reader,
);

/// The operator is told: the server's log has the internal error and the
/// column it could not read (the client is told neither).
async fn the_bad_value_is_logged(database: Backend) {
    let server = ServerProcess::start(&database);
    let clerk = server.new_user("clerk", Role::Secretariat).await;
    let committee: Committee =
        clerk.post("/api/v1/committees", json!({"code": "KMPCP", "name": "Kent"})).await.expect(201).json();
    let meeting = clerk
        .post(
            "/api/v1/meetings",
            json!({"committee_id": committee.id, "title": "Panel", "starts_at": "2099-06-05T10:00:00Z"}),
        )
        .await
        .expect(201)
        .json::<Meeting>()
        .id;
    {
        let mut conn = db::build_pool(&database, Some(1)).unwrap().get().unwrap();
        corrupt(&mut conn, "meetings", "status", meeting, "postponed");
    }
    let r = clerk.get(&format!("/api/v1/meetings/{meeting}")).await;
    expect_generic_500(r, "postponed");
    let log = server.log();
    let line = log
        .lines()
        .find(|l| l.contains("ERROR") && l.contains("internal error"))
        .unwrap_or_else(|| panic!("no internal error logged:\n{log}"));
    assert!(line.contains("deserializing field 'status'"), "the log names the column: {line}");
    assert!(line.contains("postponed"), "and the value stored in it: {line}");
}

#[actix_web::test]
async fn the_bad_value_is_logged_on_sqlite() {
    let (database, _db) = crate::helpers::sqlite_db();
    the_bad_value_is_logged(database).await
}

#[actix_web::test]
async fn the_bad_value_is_logged_on_postgres() {
    if let Some((database, _db)) = crate::helpers::postgres_db() {
        the_bad_value_is_logged(database).await
    }
}

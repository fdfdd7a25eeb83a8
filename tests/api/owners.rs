//! Owners are people: an action's owner can be a user account (`owner_id`),
//! with the free-text `owner` kept as the label readers see.

use panel_tracker::api::actions::{Action, ChainVerification};
use panel_tracker::api::users::{IssuedServiceCredential, User};
use panel_tracker::auth::policy::Role;
use panel_tracker::db::AnyConnection;
use panel_tracker::http::pagination::Page;
use serde_json::{json, Value};

use crate::helpers::{Client, TestApp};

/// An admin, and a user with this role and display name (its id and its
/// signed-in client).
async fn person(app: &TestApp, admin: &Client, username: &str, role: Role, display_name: &str) -> (i64, Client) {
    let client = app.new_user(username, role).await;
    let user = admin.user_named(username).await;
    let path = format!("/api/v1/users/{}", user.id);
    let etag = admin.get(&path).await.expect(200).etag();
    admin.patch(&path, &etag, json!({"display_name": display_name})).await.expect(200);
    (user.id, client)
}

async fn deactivate(admin: &Client, id: i64) {
    let path = format!("/api/v1/users/{id}");
    let etag = admin.get(&path).await.expect(200).etag();
    let user: User = admin.patch(&path, &etag, json!({"active": false})).await.expect(200).json();
    assert!(!user.active);
}

fn ids(page: Page<Action>) -> Vec<i64> {
    page.items.into_iter().map(|a| a.id).collect()
}

async fn an_action_is_assigned_to_an_opcc_user(app: TestApp) {
    let clerk = app.as_secretariat();
    let admin = app.new_user("boss", Role::Admin).await;
    let (officer, _) = person(&app, &admin, "officer", Role::Opcc, "Jane Officer").await;
    let (deputy, _) = person(&app, &admin, "deputy", Role::Opcc, "Sam Deputy").await;
    let panel = clerk.panel("KMPCP").await;

    // Assigned at creation, without a label: the label is the user's name.
    let created = clerk
        .post(
            "/api/v1/actions",
            json!({"raised_at_meeting_id": panel.meetings[0], "description": "Report back", "owner_id": officer}),
        )
        .await
        .expect(201);
    assert_eq!(created.body["owner_id"], json!(officer), "in the JSON as a number");
    let a: Action = created.json();
    assert_eq!((a.owner_id, a.owner.as_deref()), (Some(officer), Some("Jane Officer")));
    let read = clerk.get_action(a.id).await;
    assert_eq!((read.owner_id, read.owner.as_deref()), (Some(officer), Some("Jane Officer")));
    let created_event = &clerk.events(a.id).await[0];
    assert_eq!(created_event.changes["owner_id"], json!({"from": null, "to": officer}));
    assert_eq!(created_event.changes["owner"], json!({"from": null, "to": "Jane Officer"}));

    // A label given with the account is kept.
    let labelled: Action = clerk
        .post(
            "/api/v1/actions",
            json!({"raised_at_meeting_id": panel.meetings[0], "description": "Check the figures",
                   "owner_id": officer, "owner": "Head of Partnerships, OPCC"}),
        )
        .await
        .expect(201)
        .json();
    assert_eq!((labelled.owner_id, labelled.owner.as_deref()), (Some(officer), Some("Head of Partnerships, OPCC")));

    // Reassigned by PATCH: the event records the account and the label, from and to.
    let path = format!("/api/v1/actions/{}", a.id);
    let moved: Action = clerk.patch(&path, "\"1\"", json!({"owner_id": deputy})).await.expect(200).json();
    assert_eq!((moved.owner_id, moved.owner.as_deref(), moved.version), (Some(deputy), Some("Sam Deputy"), 2));
    let events = clerk.events(a.id).await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].kind, "updated");
    assert_eq!(events[1].actor, "clerk");
    assert_eq!(events[1].changes["owner_id"], json!({"from": officer, "to": deputy}));
    assert_eq!(events[1].changes["owner"], json!({"from": "Jane Officer", "to": "Sam Deputy"}));

    // The same account again changes nothing: no new version, no event.
    let same: Action = clerk.patch(&path, "\"2\"", json!({"owner_id": deputy})).await.expect(200).json();
    assert_eq!(same.version, 2);
    // A new label alone keeps the account.
    let relabelled: Action =
        clerk.patch(&path, "\"2\"", json!({"owner": "Deputy Chief Executive"})).await.expect(200).json();
    assert_eq!((relabelled.owner_id, relabelled.owner.as_deref()), (Some(deputy), Some("Deputy Chief Executive")));
    let events = clerk.events(a.id).await;
    assert_eq!(events.len(), 3);
    assert!(events[2].changes.get("owner_id").is_none(), "{}", events[2].changes);

    // The owner sees it as theirs, and the timeline still verifies.
    let verified: ChainVerification =
        clerk.get(&format!("/api/v1/actions/{}/events/verify", a.id)).await.expect(200).json();
    assert!(verified.intact);
    assert_eq!(verified.events_checked, 3);
}

async fn lists_filter_by_owner_id_and_mine(app: TestApp) {
    let clerk = app.as_secretariat();
    let admin = app.new_user("boss", Role::Admin).await;
    let (officer, officer_client) = person(&app, &admin, "officer", Role::Opcc, "Jane Officer").await;
    let (other, _) = person(&app, &admin, "other", Role::Opcc, "Sam Other").await;
    let panel = clerk.panel("KMPCP").await;
    let raised = panel.meetings[0];
    let create = |description: &str, owner_id: Option<i64>| {
        let body = json!({"raised_at_meeting_id": raised, "description": description, "owner_id": owner_id});
        let clerk = &clerk;
        async move { clerk.post("/api/v1/actions", body).await.expect(201).id() }
    };
    let first = create("First of the officer's", Some(officer)).await;
    let theirs = create("The other officer's", Some(other)).await;
    let unowned = create("Nobody's yet", None).await;
    let second = create("Second of the officer's", Some(officer)).await;
    let third = create("Third of the officer's", Some(officer)).await;
    officer_client.transition(second, "start", "\"1\"", json!({})).await.expect(200);

    let list = |path: String| {
        let clerk = &clerk;
        async move { ids(clerk.page::<Action>(&path).await) }
    };
    assert_eq!(list(format!("/api/v1/actions?owner_id={officer}")).await, [first, second, third]);
    assert_eq!(list(format!("/api/v1/actions?owner_id={other}")).await, [theirs]);
    assert_eq!(list(format!("/api/v1/actions?owner_id={officer}&status=in_progress")).await, [second]);
    assert_eq!(
        list(format!("/api/v1/actions?owner_id={officer}&status=open,in_progress")).await,
        [first, second, third]
    );
    assert!(list("/api/v1/actions?owner_id=999999".into()).await.is_empty(), "a filter naming no one finds nothing");
    assert_eq!(list("/api/v1/actions?owner=Sam%20Other".into()).await, [theirs], "the label filter still works");
    assert_eq!(list("/api/v1/actions".into()).await, [first, theirs, unowned, second, third]);

    // mine=true as the officer: theirs only, page by page with the filter kept.
    let mine: Page<Action> = officer_client.page("/api/v1/actions?mine=true").await;
    assert_eq!(ids(mine), [first, second, third]);
    let r = officer_client.get("/api/v1/actions?mine=true&limit=2").await.expect(200);
    let link = r.header("link").expect("a Link to the next page");
    assert!(link.contains("mine=true"), "{link}");
    let page: Page<Action> = r.json();
    let cursor = page.next_cursor.clone().expect("a next page");
    assert_eq!(ids(page), [first, second]);
    let rest: Page<Action> = officer_client.page(&format!("/api/v1/actions?mine=true&limit=2&cursor={cursor}")).await;
    assert!(rest.next_cursor.is_none());
    assert_eq!(ids(rest), [third]);
    let open_mine: Page<Action> = officer_client.page("/api/v1/actions?mine=true&status=open").await;
    assert_eq!(ids(open_mine), [first, third]);
    // Filters combine: with the officer's own id the same, with another's nothing.
    let same: Page<Action> = officer_client.page(&format!("/api/v1/actions?mine=true&owner_id={officer}")).await;
    assert_eq!(ids(same), [first, second, third]);
    let crossed: Page<Action> = officer_client.page(&format!("/api/v1/actions?mine=true&owner_id={other}")).await;
    assert!(crossed.items.is_empty());
    // mine=false is no filter; the clerk owns nothing.
    assert_eq!(ids(officer_client.page("/api/v1/actions?mine=false").await).len(), 5);
    assert!(list("/api/v1/actions?mine=true".into()).await.is_empty());
    clerk.get("/api/v1/actions?mine=yes").await.expect_problem(400);
    clerk.get("/api/v1/actions?owner_id=x").await.expect_problem(400);

    // A service credential has no account: mine=true is a 422 naming `mine`.
    let issued: IssuedServiceCredential =
        admin.post("/api/v1/service-credentials", json!({"name": "intranet-sync"})).await.expect(201).json();
    let service = app.client_with_token(&issued.token);
    let refused = service.get("/api/v1/actions?mine=true").await.expect_problem(422).problem();
    let errors = refused.errors.expect("errors naming the field");
    assert_eq!(errors[0].field, "mine");
    assert!(errors[0].message.contains("service credential"), "{}", errors[0].message);
    // Nor has a caller signed in by single sign-on.
    let sso = app.client_with_token(&crate::security::sso_token("a.clerk@council.example", json!(["PanelClerks"])));
    let refused = sso.get("/api/v1/actions?mine=true").await.expect_problem(422).problem();
    assert_eq!(refused.errors.expect("errors naming the field")[0].field, "mine");
    // It can still list by owner_id, and mine=false is no filter for it either.
    assert_eq!(ids(service.page(&format!("/api/v1/actions?owner_id={officer}")).await), [first, second, third]);
    assert_eq!(ids(service.page("/api/v1/actions?mine=false").await).len(), 5);
}

async fn owners_who_cannot_own_actions_are_refused_and_nothing_is_written(app: TestApp) {
    let clerk = app.as_secretariat();
    let admin = app.new_user("boss", Role::Admin).await;
    let (member, _) = person(&app, &admin, "councillor", Role::Member, "Cllr Smith").await;
    let (reader, _) = person(&app, &admin, "reporting", Role::Reader, "Reporting system").await;
    let (leaver, _) = person(&app, &admin, "leaver", Role::Opcc, "Former Officer").await;
    let (officer, _) = person(&app, &admin, "officer", Role::Opcc, "Jane Officer").await;
    deactivate(&admin, leaver).await;
    let panel = clerk.panel("KMPCP").await;
    let action = clerk.create_action(panel.meetings[0], "Look into it").await;
    let path = format!("/api/v1/actions/{}", action.id);
    let actions_before = app.count_rows("actions");
    let events_before = app.count_rows("action_events");

    // A user that does not exist is 404; one that exists but cannot own actions, 409.
    let cases =
        [(member, 409, "member"), (reader, 409, "reader"), (leaver, 409, "deactivated"), (999_999, 404, "no user")];
    for (owner_id, status, says) in cases {
        let body = json!({"raised_at_meeting_id": panel.meetings[0], "description": "x", "owner_id": owner_id});
        let problem = clerk.post("/api/v1/actions", body).await.expect_problem(status).problem();
        let errors = problem.errors.expect("errors naming the field");
        assert_eq!(errors[0].field, "owner_id");
        assert!(errors[0].message.contains(says), "{owner_id}: {}", errors[0].message);

        let patch = json!({"owner_id": owner_id, "description": "Changed too"});
        let problem = clerk.patch(&path, "\"1\"", patch).await.expect_problem(status).problem();
        assert_eq!(problem.errors.expect("errors")[0].field, "owner_id");
    }
    // Wrong shapes are refused before anything is looked up.
    for bad in [json!("7"), json!(-1.5), json!(0), json!(true), json!({"id": 7})] {
        let body = json!({"raised_at_meeting_id": panel.meetings[0], "description": "x", "owner_id": bad});
        clerk.post("/api/v1/actions", body).await.expect_problem(422);
    }
    assert_eq!(app.count_rows("actions"), actions_before, "no action was created");
    assert_eq!(app.count_rows("action_events"), events_before, "no event was written");
    let unchanged = clerk.get_action(action.id).await;
    assert_eq!((unchanged.version, unchanged.owner_id, unchanged.description.as_str()), (1, None, "Look into it"));

    // Admins and the secretariat can own actions as well as OPCC staff.
    let clerk_id = admin.user_named("clerk").await.id;
    let boss_id = admin.user_named("boss").await.id;
    for (version, owner_id) in [(1, officer), (2, clerk_id), (3, boss_id)] {
        let owned: Action =
            clerk.patch(&path, &format!("\"{version}\""), json!({"owner_id": owner_id})).await.expect(200).json();
        assert_eq!(owned.owner_id, Some(owner_id));
    }
}

async fn clearing_the_owner_account(app: TestApp) {
    let clerk = app.as_secretariat();
    let admin = app.new_user("boss", Role::Admin).await;
    let (officer, _) = person(&app, &admin, "officer", Role::Opcc, "Jane Officer").await;
    let panel = clerk.panel("KMPCP").await;
    let body = json!({"raised_at_meeting_id": panel.meetings[0], "description": "Report back", "owner_id": officer});
    let id = clerk.post("/api/v1/actions", body).await.expect(201).id();
    let path = format!("/api/v1/actions/{id}");

    // null clears the account and leaves the label.
    let cleared = clerk.patch(&path, "\"1\"", json!({"owner_id": null})).await.expect(200);
    assert_eq!(cleared.body["owner_id"], Value::Null);
    assert!(cleared.body.as_object().unwrap().contains_key("owner_id"), "null, not left out");
    let cleared: Action = cleared.json();
    assert_eq!((cleared.owner_id, cleared.owner.as_deref(), cleared.version), (None, Some("Jane Officer"), 2));
    let events = clerk.events(id).await;
    assert_eq!(events[1].changes, json!({"owner_id": {"from": officer, "to": null}}));
    let listed: Page<Action> = clerk.page(&format!("/api/v1/actions?owner_id={officer}")).await;
    assert!(listed.items.is_empty());

    // Both null unassigns entirely; a free-text owner alone leaves no account.
    let unassigned: Action =
        clerk.patch(&path, "\"2\"", json!({"owner_id": null, "owner": null})).await.expect(200).json();
    assert_eq!((unassigned.owner_id, unassigned.owner.as_deref()), (None, None));
    let external: Action =
        clerk.patch(&path, "\"3\"", json!({"owner": "Chief Constable's office"})).await.expect(200).json();
    assert_eq!((external.owner_id, external.owner.as_deref()), (None, Some("Chief Constable's office")));
    // Assigning the account with a null label takes the user's name.
    let reassigned: Action =
        clerk.patch(&path, "\"4\"", json!({"owner_id": officer, "owner": null})).await.expect(200).json();
    assert_eq!((reassigned.owner_id, reassigned.owner.as_deref()), (Some(officer), Some("Jane Officer")));
}

async fn deactivating_an_owner_leaves_their_actions_owned(app: TestApp) {
    let clerk = app.as_secretariat();
    let admin = app.new_user("boss", Role::Admin).await;
    let (officer, _) = person(&app, &admin, "officer", Role::Opcc, "Jane Officer").await;
    let panel = clerk.panel("KMPCP").await;
    let body = json!({"raised_at_meeting_id": panel.meetings[0], "description": "Report back", "owner_id": officer});
    let id = clerk.post("/api/v1/actions", body).await.expect(201).id();
    deactivate(&admin, officer).await;

    let read = clerk.get_action(id).await;
    assert_eq!((read.owner_id, read.owner.as_deref()), (Some(officer), Some("Jane Officer")));
    let listed: Page<Action> = clerk.page(&format!("/api/v1/actions?owner_id={officer}")).await;
    assert_eq!(ids(listed), [id]);
    // An edit that sends the owner back unchanged is not refused; moving it on works.
    let path = format!("/api/v1/actions/{id}");
    let edited: Action = clerk
        .patch(&path, "\"1\"", json!({"owner_id": officer, "description": "Report back in writing"}))
        .await
        .expect(200)
        .json();
    assert_eq!((edited.owner_id, edited.version), (Some(officer), 2));
    clerk.transition(id, "start", "\"2\"", json!({})).await.expect(200);
    let log = clerk.get(&format!("/api/v1/meetings/{}/action-log?format=csv", panel.meetings[1])).await.expect(200);
    assert!(log.text.contains("Jane Officer"), "{}", log.text);
}

/// The migration on a database that holds actions: `owner_id` is added as
/// null beside the free-text owner, and the actions list, read and verify as
/// before. The new migration is reverted and applied again under a running
/// service, with an action logged before it.
async fn actions_logged_before_owner_accounts_still_read(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("KMPCP").await;
    let body = json!({"raised_at_meeting_id": panel.meetings[0], "description": "Report back",
                      "owner": "Head of Partnerships, OPCC"});
    let id = clerk.post("/api/v1/actions", body).await.expect(201).id();
    clerk.transition(id, "start", "\"1\"", json!({})).await.expect(200);

    {
        use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
        const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
        const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
        let mut conn = app.connection();
        // Later migrations came after it: reverted first (newest first) until
        // the one adding owner_id is undone, and all reapplied after.
        let (reverted, reapplied) = match &mut *conn {
            AnyConnection::Sqlite(c) => {
                let mut reverted = vec![];
                while reverted.last().is_none_or(|v: &String| v != "20261205000001") {
                    reverted.push(c.revert_last_migration(SQLITE).unwrap().to_string());
                }
                (reverted, c.run_pending_migrations(SQLITE).unwrap())
            }
            AnyConnection::Postgresql(c) => {
                let mut reverted = vec![];
                while reverted.last().is_none_or(|v: &String| v != "20261205000001") {
                    reverted.push(c.revert_last_migration(POSTGRES).unwrap().to_string());
                }
                (reverted, c.run_pending_migrations(POSTGRES).unwrap())
            }
        };
        assert_eq!(reapplied.len(), reverted.len(), "every reverted migration reapplied: {reverted:?}");
    }

    let read = clerk.get(&format!("/api/v1/actions/{id}")).await.expect(200);
    assert_eq!(read.body["owner_id"], Value::Null);
    let read: Action = read.json();
    assert_eq!((read.owner.as_deref(), read.version), (Some("Head of Partnerships, OPCC"), 2));
    let listed: Page<Action> = clerk.page("/api/v1/actions?owner=Head%20of%20Partnerships%2C%20OPCC").await;
    assert_eq!(ids(listed), [id]);
    let listed: Page<Action> = clerk.page("/api/v1/actions?status=in_progress").await;
    assert_eq!(ids(listed), [id]);
    let verified: ChainVerification =
        clerk.get(&format!("/api/v1/actions/{id}/events/verify")).await.expect(200).json();
    assert!(verified.intact && verified.events_checked == 2, "{verified:?}");
    let log = clerk.get(&format!("/api/v1/meetings/{}/action-log?format=csv", panel.meetings[1])).await.expect(200);
    assert!(log.text.contains("Head of Partnerships, OPCC"), "{}", log.text);
    // And it can be given an account now.
    let admin = app.new_user("boss", Role::Admin).await;
    let (officer, _) = person(&app, &admin, "officer", Role::Opcc, "Jane Officer").await;
    let owned: Action =
        clerk.patch(&format!("/api/v1/actions/{id}"), "\"2\"", json!({"owner_id": officer})).await.expect(200).json();
    assert_eq!((owned.owner_id, owned.owner.as_deref()), (Some(officer), Some("Jane Officer")));
}

crate::on_both_backends!(
    an_action_is_assigned_to_an_opcc_user,
    lists_filter_by_owner_id_and_mine,
    owners_who_cannot_own_actions_are_refused_and_nothing_is_written,
    clearing_the_owner_account,
    deactivating_an_owner_leaves_their_actions_owned,
    actions_logged_before_owner_accounts_still_read,
);

//! What a security review of the running service found (issue 17), each
//! proven through the real service: sign-in throttling that neither grows
//! without bound nor lets a stranger lock a user out, an instance that always
//! keeps an admin, service credentials that cannot manage users, blocked
//! single sign-on subjects, replayed creates, and the demo on a live database.

use jsonwebtoken::{encode, Algorithm, Header};
use panel_tracker::api::actions::Action;
use panel_tracker::api::auth::Me;
use panel_tracker::api::users::{IssuedServiceCredential, ServiceCredential, SsoBlock};
use panel_tracker::auth::policy::Role;
use panel_tracker::http::pagination::Page;
use serde_json::{json, Value};

use crate::helpers::{exec, TestApp};

/// Sends the futures in groups, so a flood does not open hundreds of
/// connections at once.
async fn in_batches<F: std::future::Future>(futures: Vec<F>, size: usize) -> Vec<F::Output> {
    let mut out = Vec::with_capacity(futures.len());
    let mut futures = futures.into_iter().peekable();
    while futures.peek().is_some() {
        let batch: Vec<F> = futures.by_ref().take(size).collect();
        out.extend(futures_util::future::join_all(batch).await);
    }
    out
}

/// A flood of random usernames from one address: once the address is locked
/// out nothing more is written, old rows expire, and other addresses sign in.
async fn a_locked_out_address_adds_no_rows_and_old_rows_expire(app: TestApp) {
    app.create_user("bystander", Role::Member);
    let before = app.count_rows("sign_in_failures");
    let names: Vec<String> = (0..21).map(|n| format!("random-{n}")).collect();
    let guesses = names.iter().map(|name| app.sign_in_from("127.0.0.2", name, "whatever password")).collect();
    let statuses: Vec<u16> = in_batches(guesses, 21).await.into_iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 20, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 1, "{statuses:?}");
    let rows = app.count_rows("sign_in_failures");
    assert!(rows - before <= 1 + 2 * 21, "{} rows for 21 attempts", rows - before);

    let names: Vec<String> = (0..300).map(|n| format!("flood-{n}")).collect();
    let flood = names.iter().map(|name| app.sign_in_from("127.0.0.2", name, "whatever password")).collect();
    let refused = in_batches(flood, 50).await;
    assert!(refused.iter().all(|r| r.status == 429), "a locked-out address is refused");
    assert_eq!(app.count_rows("sign_in_failures"), rows, "a locked-out address writes nothing");
    app.sign_in_from("127.0.0.3", "bystander", "bystander-password").await.expect(200);

    // Rows whose window and lock have both run out go with the next counted attempt.
    let mut conn = app.connection();
    exec(&mut conn, "INSERT INTO sign_in_failures (subject, failures, window_started_at, locked_until) VALUES ('user:expired', 3, '2020-01-01 00:00:00', NULL)");
    exec(&mut conn, "INSERT INTO sign_in_failures (subject, failures, window_started_at, locked_until) VALUES ('user:still-locked', 9, '2020-01-01 00:00:00', '2999-01-01 00:00:00')");
    drop(conn);
    app.sign_in_from("127.0.0.4", "bystander", "wrong password!!").await.expect_problem(401);
    let left: Vec<String> = {
        #[derive(diesel::QueryableByName)]
        struct Subject {
            #[diesel(sql_type = diesel::sql_types::Text)]
            subject: String,
        }
        let mut conn = app.connection();
        diesel::RunQueryDsl::load::<Subject>(
            diesel::sql_query("SELECT subject FROM sign_in_failures WHERE subject LIKE 'user:%' ORDER BY subject"),
            &mut *conn,
        )
        .unwrap()
        .into_iter()
        .map(|s| s.subject)
        .collect()
    };
    assert!(!left.contains(&"user:expired".to_string()), "{left:?}");
    assert!(left.contains(&"user:still-locked".to_string()), "{left:?}");
}

/// Someone guessing a user's password locks that username where they guess,
/// not where the real user signs in: an address that has not failed stays
/// open, and once guesses spread over many addresses pass the ceiling, the
/// places the user has signed in from before still do.
async fn a_guesser_cannot_lock_the_real_user_out(app: TestApp) {
    app.create_user("target", Role::Opcc);
    // The user's usual address.
    app.sign_in_from("127.0.0.3", "target", "target-password").await.expect(200);
    for _ in 0..5 {
        app.sign_in_from("127.0.0.2", "target", "wrong password!!").await.expect_problem(401);
    }
    let locked = app.sign_in_from("127.0.0.2", "target", "wrong password!!").await.expect_problem(429);
    assert!(locked.header("retry-after").is_some());
    app.sign_in_from("127.0.0.2", "target", "target-password").await.expect_problem(429);
    app.sign_in_from("127.0.0.3", "target", "target-password").await.expect(200);
    // Another address gets its guess checked, and is then bound by the username's lock too.
    app.sign_in_from("127.0.0.4", "target", "wrong password!!").await.expect_problem(401);
    app.sign_in_from("127.0.0.4", "target", "target-password").await.expect_problem(429);
    // An address that has not failed, even one never used before, still signs in.
    app.sign_in_from("127.0.0.5", "target", "target-password").await.expect(200);

    // Guesses spread over twenty more addresses pass the ceiling: then only
    // the user's familiar addresses get through.
    let sources: Vec<String> = (10..30).map(|n| format!("127.0.0.{n}")).collect();
    let spread = sources.iter().map(|source| app.sign_in_from(source, "target", "wrong password!!")).collect();
    in_batches(spread, 20).await;
    app.sign_in_from("127.0.0.6", "target", "target-password").await.expect_problem(429);
    app.sign_in_from("127.0.0.3", "target", "target-password").await.expect(200);
    app.sign_in_from("127.0.0.5", "target", "target-password").await.expect(200);
}

/// Service credentials never hold the admin role, and one that somehow does
/// (issued before this rule) still cannot manage users or credentials.
async fn service_credentials_cannot_manage_users(app: TestApp) {
    let admin = app.new_user("boss", Role::Admin).await;
    let r = admin.post("/api/v1/service-credentials", json!({"name": "backup", "role": "admin"})).await;
    let r = r.expect_problem(422);
    assert_eq!(r.problem().errors.unwrap()[0].field, "role");
    let issued: IssuedServiceCredential = admin
        .post("/api/v1/service-credentials", json!({"name": "sync", "role": "secretariat"}))
        .await
        .expect(201)
        .json();
    let service = app.client_with_token(&issued.token);
    exec(&mut app.connection(), "UPDATE service_credentials SET role = 'admin' WHERE name = 'sync'");
    assert_eq!(service.me().await.expect(200).json::<Me>().role, Role::Admin);
    for path in ["/api/v1/users", "/api/v1/service-credentials", "/api/v1/sso-blocks"] {
        service.get(path).await.expect_problem(403);
    }
    service.post("/api/v1/service-credentials", json!({"name": "another"})).await.expect_problem(403);
}

/// Two admins deactivating each other at once: one wins, and an admin is left.
async fn two_admins_cannot_deactivate_each_other(app: TestApp) {
    let boss = app.new_user("boss", Role::Admin).await;
    let deputy = app.new_user("deputy", Role::Admin).await;
    let boss_id = boss.user_named("boss").await.id;
    let deputy_id = boss.user_named("deputy").await.id;
    let deactivate = |admin: &crate::helpers::Client, id: i64| {
        let (admin, path) = (admin.clone(), format!("/api/v1/users/{id}"));
        async move {
            let headers = [("content-type", "application/json"), ("if-match", "\"1\"")];
            admin.send("PATCH", &path, &headers, Some(br#"{"active": false}"#.to_vec())).await
        }
    };
    let (a, b) = futures_util::future::join(deactivate(&boss, deputy_id), deactivate(&deputy, boss_id)).await;
    let statuses = [a.status, b.status];
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}: {} {}", a.text, b.text);
    let admins = app.count_rows("users WHERE role = 'admin' AND active = TRUE");
    assert_eq!(admins, 1);
}

/// An admin from single sign-on (not an account here) still cannot deactivate
/// or demote the last admin account.
async fn the_last_admin_account_stays(app: TestApp) {
    let boss = app.new_user("boss", Role::Admin).await;
    let sso_admin = app.client_with_token(&sso_token("it.admin@council.example", json!(["PanelAdmins"])));
    sso_admin.get("/api/v1/users").await.expect(200);
    let id = boss.user_named("boss").await.id;
    let path = format!("/api/v1/users/{id}");
    for change in [json!({"active": false}), json!({"role": "secretariat"})] {
        let etag = sso_admin.get(&path).await.expect(200).etag();
        let headers = [("content-type", "application/json"), ("if-match", etag.as_str())];
        let r = sso_admin.send("PATCH", &path, &headers, Some(change.to_string().into_bytes())).await;
        let r = r.expect_problem(409);
        assert!(r.problem().detail.contains("last active admin"), "{}", r.text);
    }
    boss.me().await.expect(200);
    // With a second admin account, the first may go.
    app.create_user("deputy", Role::Admin);
    let etag = sso_admin.get(&path).await.expect(200).etag();
    let headers = [("content-type", "application/json"), ("if-match", etag.as_str())];
    sso_admin.send("PATCH", &path, &headers, Some(br#"{"active": false}"#.to_vec())).await.expect(200);
}

/// The credentials a user issued stop working when the user is deactivated.
async fn deactivating_a_user_revokes_the_credentials_they_issued(app: TestApp) {
    let boss = app.new_user("boss", Role::Admin).await;
    let deputy = app.new_user("deputy", Role::Admin).await;
    let issued: IssuedServiceCredential =
        deputy.post("/api/v1/service-credentials", json!({"name": "intranet"})).await.expect(201).json();
    let intranet = app.client_with_token(&issued.token);
    intranet.get("/api/v1/committees").await.expect(200);
    let by_boss: IssuedServiceCredential =
        boss.post("/api/v1/service-credentials", json!({"name": "reporting"})).await.expect(201).json();
    let reporting = app.client_with_token(&by_boss.token);

    let id = boss.user_named("deputy").await.id;
    let path = format!("/api/v1/users/{id}");
    let etag = boss.get(&path).await.expect(200).etag();
    let headers = [("content-type", "application/json"), ("if-match", etag.as_str())];
    boss.send("PATCH", &path, &headers, Some(br#"{"active": false}"#.to_vec())).await.expect(200);

    intranet.get("/api/v1/committees").await.expect_problem(401);
    reporting.get("/api/v1/committees").await.expect(200);
    let listed: Page<ServiceCredential> = boss.page("/api/v1/service-credentials").await;
    let intranet = listed.items.iter().find(|c| c.name == "intranet").unwrap();
    assert!(intranet.revoked_at.is_some(), "{intranet:?}");
}

/// A token from the council's identity provider, signed by the test run's key.
pub(crate) fn sso_token(subject: &str, groups: Value) -> String {
    let idp = crate::helpers::test_idp();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("council-1".into());
    let now = chrono::Utc::now().timestamp();
    let claims = json!({"sub": subject, "iss": crate::helpers::IDP_ISSUER, "aud": "panel-tracker",
                        "iat": now, "nbf": now, "exp": now + 600, "groups": groups});
    encode(&header, &claims, &idp.signing).unwrap()
}

/// An admin blocks a single sign-on subject the identity provider still vouches for.
async fn an_admin_can_block_a_single_sign_on_subject(app: TestApp) {
    let admin = app.new_user("boss", Role::Admin).await;
    let leaver = app.client_with_token(&sso_token("a.leaver@council.example", json!(["PanelClerks"])));
    leaver.get("/api/v1/committees").await.expect(200);
    let issued = admin.post("/api/v1/service-credentials", json!({"name": "x"})).await.expect(201);
    let _ = issued;

    let block: SsoBlock = admin
        .post("/api/v1/sso-blocks", json!({"subject": "a.leaver@council.example", "reason": "Left on Friday"}))
        .await
        .expect(201)
        .json();
    assert_eq!(block.blocked_by, "boss");
    leaver.get("/api/v1/committees").await.expect_problem(401);
    let other = app.client_with_token(&sso_token("a.clerk@council.example", json!(["PanelClerks"])));
    other.get("/api/v1/committees").await.expect(200);
    admin
        .post("/api/v1/sso-blocks", json!({"subject": "a.leaver@council.example", "reason": "again"}))
        .await
        .expect_problem(409);
    admin.post("/api/v1/sso-blocks", json!({"subject": "", "reason": "x"})).await.expect_problem(422);
    let listed: Page<SsoBlock> = admin.page("/api/v1/sso-blocks").await;
    assert_eq!(listed.items.len(), 1);
    app.as_secretariat().get("/api/v1/sso-blocks").await.expect_problem(403);

    let path = format!("/api/v1/sso-blocks/{}", block.id);
    admin.delete(&path).await.expect(204);
    admin.delete(&path).await.expect_problem(404);
    leaver.get("/api/v1/committees").await.expect(200);
}

/// A replayed create answers with what was stored, but never claims that
/// stale body is the current version.
async fn a_replayed_create_does_not_send_a_stale_etag(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("KMPCP").await;
    let body = json!({"raised_at_meeting_id": panel.meetings[0], "description": "Circulate the figures"});
    let key = [("idempotency-key", "laptop-1")];
    let first = clerk.post_with("/api/v1/actions", body.clone(), &key).await.expect(201);
    assert_eq!(first.etag(), "\"1\"");
    let path = format!("/api/v1/actions/{}", first.json::<Action>().id);
    let edited = clerk.patch(&path, "\"1\"", json!({"owner": "OPCC Finance"})).await.expect(200);
    assert_eq!(edited.etag(), "\"2\"");
    let replay = clerk.post_with("/api/v1/actions", body, &key).await.expect(201);
    assert_eq!(replay.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(replay.header("etag"), None, "a replay does not claim its stored body is current");
}

/// The demo adds users with published passwords: never to a database in use.
async fn the_demo_refuses_a_database_in_use(app: TestApp) {
    let refused = panel_tracker::demo::seed(&mut app.connection()).unwrap_err();
    assert!(refused.to_string().contains("empty database"), "{refused}");
    assert_eq!(app.count_rows("committees"), 0, "nothing was added");
    app.sign_in("demo-admin", "demo-admin-password").await.expect_problem(401);
}

crate::on_both_backends!(
    a_locked_out_address_adds_no_rows_and_old_rows_expire,
    a_guesser_cannot_lock_the_real_user_out,
    service_credentials_cannot_manage_users,
    two_admins_cannot_deactivate_each_other,
    deactivating_a_user_revokes_the_credentials_they_issued,
    an_admin_can_block_a_single_sign_on_subject,
    a_replayed_create_does_not_send_a_stale_etag,
    the_demo_refuses_a_database_in_use,
);

/// The test identity provider's admins group maps to admin here.
fn with_sso_admins(settings: &mut panel_tracker::config::Settings) {
    if let Some(sso) = settings.sso.as_mut() {
        sso.role_map.push_str(",PanelAdmins=admin");
    }
}

#[actix_web::test]
async fn the_last_admin_account_stays_on_sqlite() {
    the_last_admin_account_stays(crate::helpers::spawn_custom(false, with_sso_admins).await.unwrap()).await
}

#[actix_web::test]
async fn the_last_admin_account_stays_on_postgres() {
    if let Some(app) = crate::helpers::spawn_custom(true, with_sso_admins).await {
        the_last_admin_account_stays(app).await
    }
}

/// A `kid` with a line break in it (sent by anyone, before authentication)
/// cannot forge a line in the log.
#[actix_web::test]
async fn request_data_cannot_forge_log_lines() {
    let (backend, _db) = crate::helpers::sqlite_db();
    let idp = crate::helpers::test_idp();
    let jwks = idp.jwks_path.to_string_lossy().into_owned();
    let server = crate::process::ServerProcess::start_with(
        &backend,
        &[
            ("RUST_LOG", "info"),
            ("SSO_ISSUER", crate::helpers::IDP_ISSUER),
            ("SSO_AUDIENCE", "panel-tracker"),
            ("SSO_JWKS_FILE", &jwks),
            ("SSO_ROLE_MAP", "PanelClerks=secretariat"),
        ],
    );
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("x\n[2026-12-04T10:00:00Z ERROR panel_tracker] FORGED admin password reset\r\u{1b}[2K".into());
    let now = chrono::Utc::now().timestamp();
    let claims = json!({"sub": "someone", "iss": crate::helpers::IDP_ISSUER, "aud": "panel-tracker",
                        "iat": now, "nbf": now, "exp": now + 600, "groups": ["PanelClerks"]});
    let token = encode(&header, &claims, &idp.signing).unwrap();
    let r = server.client(&token).get("/api/v1/committees").await;
    r.expect_problem(401);
    let log = server.log();
    assert!(log.contains("unknown kid"), "the refusal is logged: {log}");
    for line in log.lines() {
        assert!(!line.contains("FORGED") || line.starts_with('['), "a forged line: {line:?}\n{log}");
        assert!(!line.contains('\u{1b}') && !line.contains('\r'), "a control character: {line:?}");
    }
}

/// `user create` applies the API's username rule: a name that would pose as
/// a service credential in timelines is refused, and nothing is written.
#[actix_web::test]
async fn the_command_line_refuses_usernames_the_api_refuses() {
    use std::io::Write;
    let (backend, db) = crate::helpers::sqlite_db();
    let panel_tracker::db::Backend::Sqlite(path) = &backend else { unreachable!() };
    for bad in ["service:backup-sync", "sso:someone", "Admin"] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_panel-tracker"))
            .args(["user", "create", "--username", bad, "--role", "admin"])
            .env("DATABASE_URL", path)
            .env("JWT_SECRET", crate::helpers::TEST_SECRET)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let _ = child.stdin.take().unwrap().write_all(b"a long first password\n");
        let output = child.wait_with_output().unwrap();
        assert!(!output.status.success(), "{bad} was accepted");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("username"), "{stderr}");
    }
    let app = crate::helpers::start_with(crate::helpers::test_settings(backend), db);
    app.sign_in("service:backup-sync", "a long first password").await.expect_problem(401);
    assert_eq!(app.count_rows("users"), 0);
}

/// A signing secret file that another user could have written is refused;
/// the database and its -wal and -shm files are made readable by their owner only.
#[cfg(unix)]
#[actix_web::test]
async fn secret_and_database_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let (backend, db) = crate::helpers::sqlite_db();
    let panel_tracker::db::Backend::Sqlite(path) = backend.clone() else { unreachable!() };
    let secret = format!("{path}.jwt-secret");
    std::fs::write(&secret, "s".repeat(64)).unwrap();
    for source in [
        panel_tracker::auth::secret::SecretSource::File(secret.clone().into()),
        panel_tracker::auth::secret::SecretSource::Generated(secret.clone().into()),
    ] {
        for mode in [0o666, 0o620, 0o602] {
            std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(mode)).unwrap();
            let mut settings = crate::helpers::test_settings(backend.clone());
            settings.jwt_secret = source.clone();
            let refused = panel_tracker::startup::Application::build(&settings).err().expect("refused");
            assert!(refused.to_string().contains("other users"), "{mode:o}: {refused}");
        }
    }
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut settings = crate::helpers::test_settings(backend.clone());
    settings.jwt_secret = panel_tracker::auth::secret::SecretSource::File(secret.into());
    let mut app = crate::helpers::start_with(settings, db);
    app.token = app.user_token("clerk", Role::Secretariat).await;
    app.as_secretariat().create_committee("KMPCP").await;
    for file in [path.clone(), format!("{path}-wal"), format!("{path}-shm")] {
        let mode = std::fs::metadata(&file).unwrap_or_else(|e| panic!("{file}: {e}")).permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "{file} has mode {mode:o}");
    }
}

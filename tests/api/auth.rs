use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use panel_tracker::api::auth::{Me, TokenResponse};
use panel_tracker::api::users::{IssuedServiceCredential, ServiceCredential, User, UserWithPassword};
use panel_tracker::auth::policy::{self, Role};
use panel_tracker::auth::token::{Claims, TokenKind, AUDIENCE, ISSUER};
use panel_tracker::http::pagination::Page;
use serde_json::{json, Value};

use crate::helpers::{TestApp, TEST_SECRET};

fn claims(sub: &str, offset_secs: i64) -> Claims {
    let now = chrono::Utc::now().timestamp() + offset_secs;
    Claims {
        sub: sub.into(),
        role: Role::Secretariat,
        iat: now,
        nbf: now,
        exp: now + 3600,
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        jti: "test".into(),
        kind: TokenKind::User,
        generation: 0,
    }
}

fn sign(claims: &Claims, alg: Algorithm, secret: &[u8]) -> String {
    encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret)).unwrap()
}

/// Calls every operation of the generated document as anonymous and as each
/// role, and checks the answer against the policy table.
async fn every_operation_obeys_the_policy_table(app: TestApp) {
    let mut callers = vec![(None, app.anonymous())];
    for role in Role::ALL {
        callers.push((Some(role), app.new_user(&format!("walk-{role}"), role).await));
    }
    let doc = serde_json::to_value(panel_tracker::openapi::document()).unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            let needs = policy::for_operation(id).unwrap_or_else(|| panic!("{id} has no rule in the policy table"));
            let security = op["security"].as_array().unwrap_or_else(|| panic!("{id} states its security"));
            assert_eq!(needs.is_some(), !security.is_empty(), "{id}: the document's security matches the table");
            // Ids that exist nowhere: an allowed caller gets past the policy to a 404/4xx
            // without changing anything.
            let concrete = path.replace("{id}", "999999");
            for (role, caller) in &callers {
                let headers = [("content-type", "application/json"), ("if-match", "\"1\"")];
                let body = (method != "get").then(|| b"{}".to_vec());
                let r = caller.send(&method.to_uppercase(), &concrete, &headers, body).await;
                let who = role.map(|r| r.to_string()).unwrap_or_else(|| "anonymous".into());
                match (needs, role) {
                    (None, _) => assert!(r.status != 401 && r.status != 403, "{id} as {who}: {}", r.status),
                    (Some(_), None) => {
                        assert_eq!(r.status, 401, "{id} as anonymous: {}", r.text);
                        assert!(r.header("www-authenticate").unwrap().starts_with("Bearer"));
                    }
                    (Some(capability), Some(role)) if policy::allows(capability, *role) => {
                        assert!(r.status != 401 && r.status != 403 && r.status < 500, "{id} as {who}: {}", r.text)
                    }
                    (Some(_), Some(_)) => assert_eq!(r.status, 403, "{id} as {who}: {}", r.text),
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 83 * 6, "every operation, anonymous and each role");
}

async fn bad_tokens_are_refused_with_401(app: TestApp) {
    let good = sign(&claims("clerk", 0), Algorithm::HS256, TEST_SECRET.as_bytes());
    assert_eq!(app.client_with_token(&good).me().await.expect(200).json::<Me>().name, "clerk");

    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims("clerk", 0)).unwrap())
    );
    let mut wrong_issuer = claims("clerk", 0);
    wrong_issuer.iss = "elsewhere".into();
    let mut wrong_audience = claims("clerk", 0);
    wrong_audience.aud = "other-api".into();
    let mut expired = claims("clerk", -7200);
    expired.exp = chrono::Utc::now().timestamp() - 600;
    let cases = vec![
        ("alg none", none),
        ("HS512", sign(&claims("clerk", 0), Algorithm::HS512, TEST_SECRET.as_bytes())),
        ("wrong key", sign(&claims("clerk", 0), Algorithm::HS256, b"another-secret-that-is-long-enough-too")),
        ("wrong issuer", sign(&wrong_issuer, Algorithm::HS256, TEST_SECRET.as_bytes())),
        ("wrong audience", sign(&wrong_audience, Algorithm::HS256, TEST_SECRET.as_bytes())),
        ("expired", sign(&expired, Algorithm::HS256, TEST_SECRET.as_bytes())),
        ("future", sign(&claims("clerk", 3600), Algorithm::HS256, TEST_SECRET.as_bytes())),
        ("unknown user", sign(&claims("nobody", 0), Algorithm::HS256, TEST_SECRET.as_bytes())),
        ("garbage", "not.a.jwt".to_string()),
    ];
    for (what, token) in cases {
        let r = app.client_with_token(&token).get("/api/v1/actions").await;
        assert_eq!(r.status, 401, "{what}: {}", r.text);
        assert!(r.header("www-authenticate").is_some(), "{what}");
    }
    let anonymous = app.anonymous();
    let basic = anonymous.send("GET", "/api/v1/actions", &[("authorization", "Basic Y2xlcms6cHc=")], None).await;
    basic.expect_problem(401);
    anonymous.get("/api/v1/actions").await.expect_problem(401);
    // The router decodes %61 to `a`; the guard must see the same path.
    anonymous.get("/%61pi/v1/actions").await.expect_problem(401);
    anonymous.get("/api/v1/no-such-route").await.expect_problem(401);
}

async fn deactivation_and_password_changes_end_old_tokens(app: TestApp) {
    let admin = app.new_user("boss", Role::Admin).await;
    let opcc = app.new_user("officer", Role::Opcc).await;
    opcc.me().await.expect(200);

    // Changing one's own password ends one's tokens.
    let change = opcc
        .post(
            "/api/v1/me/password",
            json!({"current_password": "officer-password", "new_password": "a much better password"}),
        )
        .await;
    assert_eq!(change.status, 204, "{}", change.text);
    opcc.me().await.expect_problem(401);
    app.sign_in("officer", "officer-password").await.expect_problem(401);
    let fresh = app.sign_in("officer", "a much better password").await.expect(200);
    let fresh = app.client_with_token(&fresh.json::<TokenResponse>().access_token);

    // An admin's reset ends them too, and a generated password is shown once.
    let users = admin.get("/api/v1/users?limit=200").await.expect(200);
    assert!(!users.text.contains("argon2") && !users.text.contains("password_hash"), "no hashes leave the service");
    let officer = users.json::<Page<User>>().items.into_iter().find(|u| u.username == "officer").unwrap();
    let id = officer.id;
    let reset: UserWithPassword =
        admin.post(&format!("/api/v1/users/{id}/password"), json!({})).await.expect(200).json();
    let generated = reset.generated_password.unwrap();
    fresh.me().await.expect_problem(401);
    let after_reset = app.sign_in("officer", &generated).await.expect(200);
    let after_reset = app.client_with_token(&after_reset.json::<TokenResponse>().access_token);

    // Deactivation ends them and stops sign-in.
    let user = admin.get(&format!("/api/v1/users/{id}")).await.expect(200);
    let r = admin
        .send(
            "PATCH",
            &format!("/api/v1/users/{id}"),
            &[("content-type", "application/json"), ("if-match", &user.etag())],
            Some(b"{\"active\": false}".to_vec()),
        )
        .await
        .expect(200);
    assert!(!r.json::<User>().active);
    after_reset.me().await.expect_problem(401);
    app.sign_in("officer", &generated).await.expect_problem(401);
}

async fn service_credentials_work_until_revoked(app: TestApp) {
    let admin = app.new_user("boss", Role::Admin).await;
    let issued: IssuedServiceCredential =
        admin.post("/api/v1/service-credentials", json!({"name": "intranet-sync"})).await.expect(201).json();
    assert_eq!(issued.credential.role, Role::Reader);
    let token = issued.token;
    let id = issued.credential.id;
    let service = app.client_with_token(&token);

    service.get("/api/v1/actions").await.expect(200);
    service.post("/api/v1/committees", json!({"code": "XX", "name": "x"})).await.expect_problem(403);
    let me = service.me().await.expect(200);
    // The whole document, field for field.
    assert_eq!(me.body, json!({"kind": "service", "name": "intranet-sync", "display_name": null, "role": "reader"}));

    let listed = admin.get("/api/v1/service-credentials").await.expect(200);
    assert!(listed.json::<Page<ServiceCredential>>().items[0].last_used_at.is_some(), "use is recorded");
    assert!(!listed.text.contains(&token), "the token is shown only once");

    admin.post(&format!("/api/v1/service-credentials/{id}/revoke"), json!({})).await.expect(200);
    service.get("/api/v1/actions").await.expect_problem(401);
    admin.post("/api/v1/service-credentials", json!({"name": "intranet-sync"})).await.expect_problem(409);
}

async fn sign_in_is_throttled_and_does_not_reveal_users(app: TestApp) {
    app.create_user("target", Role::Member);
    let unknown = app.sign_in("no-such-user", "whatever password").await.expect_problem(401);
    let wrong = app.sign_in("target", "wrong password!!").await.expect_problem(401);
    assert_eq!(unknown.body, wrong.body, "the same answer for an unknown user and a wrong password");
    for _ in 0..3 {
        app.sign_in("target", "wrong password!!").await.expect_problem(401);
    }
    // The fifth failure locks the username, the right password included.
    app.sign_in("target", "wrong password!!").await.expect_problem(401);
    let locked = app.sign_in("target", "target-password").await.expect_problem(429);
    let retry: i64 = locked.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 900, "{retry}");
    // A username that cannot exist gets the same answer, and no 500.
    let nul = app.sign_in("a\u{0}b", "whatever password").await.expect_problem(401);
    assert_eq!(nul.body, wrong.body);
    // Others are not affected.
    app.create_user("bystander", Role::Member);
    app.sign_in("bystander", "bystander-password").await.expect(200);
}

/// Guesses sent all at once are counted one by one: no more than the limit
/// get their password checked.
async fn parallel_guesses_cannot_slip_past_the_limit(app: TestApp) {
    app.create_user("target", Role::Member);
    let attempts = (0..12).map(|_| app.sign_in("target", "wrong password!!"));
    let statuses: Vec<u16> = futures_util::future::join_all(attempts).await.into_iter().map(|r| r.status).collect();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert_eq!(checked, 5, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 7, "{statuses:?}");
}

/// One caller's Idempotency-Key never replays another caller's response.
async fn idempotency_keys_belong_to_their_caller(app: TestApp) {
    let clerk = app.as_secretariat();
    let other = app.new_user("second-clerk", Role::Secretariat).await;
    let body = json!({"code": "KMPCP", "name": "Kent"});
    let first = clerk.post_with("/api/v1/committees", body.clone(), &[("idempotency-key", "k-1")]).await.expect(201);
    let theirs = other
        .post_with(
            "/api/v1/committees",
            json!({"code": "SYPCP", "name": "South Yorkshire"}),
            &[("idempotency-key", "k-1")],
        )
        .await
        .expect(201);
    assert_ne!(theirs.id(), first.id());
    assert!(theirs.header("idempotent-replayed").is_none());
}

async fn the_timeline_names_who_acted(app: TestApp) {
    let clerk = app.as_secretariat();
    let opcc = app.new_user("officer", Role::Opcc).await;
    let panel = clerk.panel("KMPCP").await;
    let id = clerk.create_action(panel.meetings[0], "Check it").await.id;
    let r = opcc.transition(id, "submit-response", "\"1\"", json!({"response": "Checked"})).await;
    r.expect(200);
    let actors: Vec<String> = clerk.events(id).await.into_iter().map(|e| e.actor).collect();
    assert_eq!(actors, ["clerk", "officer"]);
    // OPCC staff may not accept their own response.
    let accept = opcc.send("POST", &format!("/api/v1/actions/{id}/accept"), &[("if-match", "\"2\"")], None).await;
    accept.expect_problem(403);
}

/// An admin cannot lock the admins out or take their own account over with
/// a token alone; another admin can still do those things to them.
async fn admins_cannot_lock_themselves_out(app: TestApp) {
    let admin = app.new_user("boss", Role::Admin).await;
    let other = app.new_user("deputy", Role::Admin).await;
    let id = admin.user_named("boss").await.id;
    let path = format!("/api/v1/users/{id}");
    let etag = admin.get(&path).await.expect(200).etag();
    for change in [json!({"active": false}), json!({"role": "member"})] {
        let headers = [("content-type", "application/json"), ("if-match", etag.as_str())];
        let r = admin.send("PATCH", &path, &headers, Some(change.to_string().into_bytes())).await;
        r.expect_problem(409);
    }
    admin.post(&format!("{path}/password"), json!({"password": "a new long password"})).await.expect_problem(409);
    // Harmless edits of one's own account are fine, and the token still works.
    let headers = [("content-type", "application/json"), ("if-match", etag.as_str())];
    let r = admin.send("PATCH", &path, &headers, Some(br#"{"display_name": "The Boss"}"#.to_vec())).await;
    let etag = r.expect(200).etag();
    admin.me().await.expect(200);
    // Another admin may deactivate them.
    let headers = [("content-type", "application/json"), ("if-match", etag.as_str())];
    other.send("PATCH", &path, &headers, Some(br#"{"active": false}"#.to_vec())).await.expect(200);
    admin.me().await.expect_problem(401);
}

/// A known path with a method it does not take is 405 with `Allow`.
async fn other_methods_get_405_with_allow(app: TestApp) {
    let clerk = app.as_secretariat();
    let cases = [
        ("TRACE", "/api/v1/actions", "GET, POST"),
        ("DELETE", "/api/v1/actions/1", "GET, PATCH"),
        ("PUT", "/api/v1/meetings/7/carry-forward", "POST"),
        ("POST", "/healthz", "GET"),
    ];
    for (method, path, allow) in cases {
        let r = clerk.send(method, path, &[], None).await.expect_problem(405);
        assert_eq!(r.header("allow").as_deref(), Some(allow), "{method} {path}");
    }
    clerk.send("DELETE", "/api/v1/nothing/1", &[], None).await.expect_problem(404);
}

crate::on_both_backends!(
    admins_cannot_lock_themselves_out,
    other_methods_get_405_with_allow,
    every_operation_obeys_the_policy_table,
    bad_tokens_are_refused_with_401,
    deactivation_and_password_changes_end_old_tokens,
    service_credentials_work_until_revoked,
    sign_in_is_throttled_and_does_not_reveal_users,
    the_timeline_names_who_acted,
    single_sign_on_tokens_map_groups_to_roles,
    parallel_guesses_cannot_slip_past_the_limit,
    idempotency_keys_belong_to_their_caller,
);

/// Single sign-on with a key pair the test run makes (see `helpers::test_idp`):
/// the provider's token maps its groups to a role; unknown keys, other
/// issuers and unmapped groups are refused.
async fn single_sign_on_tokens_map_groups_to_roles(app: TestApp) {
    let idp = crate::helpers::test_idp();
    let token = |kid: &str, groups: Value, iss: &str| {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.into());
        let now = chrono::Utc::now().timestamp();
        let claims = json!({"sub": "a.clerk@council.example", "iss": iss, "aud": "panel-tracker",
                            "iat": now, "nbf": now, "exp": now + 600, "groups": groups});
        encode(&header, &claims, &idp.signing).unwrap()
    };
    let issuer = crate::helpers::IDP_ISSUER;

    let clerk = app.client_with_token(&token("council-1", json!(["Staff", "PanelClerks"]), issuer));
    let me: Me = clerk.me().await.expect(200).json();
    assert_eq!(me.role, Role::Secretariat);
    assert_eq!(me.kind, "sso");
    clerk.post("/api/v1/committees", json!({"code": "SSO", "name": "Signed on"})).await.expect(201);

    let councillor = app.client_with_token(&token("council-1", json!("Councillors"), issuer));
    councillor.get("/api/v1/committees").await.expect(200);
    councillor.post("/api/v1/committees", json!({"code": "SSX", "name": "x"})).await.expect_problem(403);
    let stranger = app.client_with_token(&token("council-1", json!(["Visitors"]), issuer));
    stranger.get("/api/v1/actions").await.expect_problem(403);
    let unknown_key = app.client_with_token(&token("council-2", json!(["PanelClerks"]), issuer));
    unknown_key.get("/api/v1/actions").await.expect_problem(401);
    let wrong_issuer = app.client_with_token(&token("council-1", json!(["PanelClerks"]), "https://evil.example"));
    wrong_issuer.get("/api/v1/actions").await.expect_problem(401);
}

/// The README's quick start: the CLI creates the first admin, who signs in.
#[actix_web::test]
async fn the_first_admin_is_created_on_the_command_line() {
    use std::io::Write;
    let (backend, db) = crate::helpers::sqlite_db();
    let panel_tracker::db::Backend::Sqlite(path) = &backend else { unreachable!() };
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_panel-tracker"))
        .args(["user", "create", "--username", "first-admin", "--role", "admin"])
        .env("DATABASE_URL", path)
        .env("JWT_SECRET", TEST_SECRET)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"a long first password\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
    assert!(!String::from_utf8_lossy(&output.stdout).contains("a long first password"), "never echoes the password");

    let app = crate::helpers::start_with(crate::helpers::test_settings(backend), db);
    let token: TokenResponse = app.sign_in("first-admin", "a long first password").await.expect(200).json();
    assert_eq!(token.token_type, "Bearer");
    assert_eq!(token.expires_in, 3600);
    app.client_with_token(&token.access_token).get("/api/v1/users").await.expect(200);
}

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use panel_tracker::auth::policy::{self, Role};
use panel_tracker::auth::token::{Claims, TokenKind, AUDIENCE, ISSUER};
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
    let mut tokens = vec![(None, None)];
    for role in Role::ALL {
        let token = app.user_token(&format!("walk-{role}"), role).await;
        tokens.push((Some(role), Some(token)));
    }
    let doc = serde_json::to_value(panel_tracker::startup::openapi()).unwrap();
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
            for (role, token) in &tokens {
                let bearer = token.as_ref().map(|t| format!("Bearer {t}"));
                let mut headers = vec![("content-type", "application/json"), ("if-match", "\"1\"")];
                if let Some(b) = &bearer {
                    headers.push(("authorization", b.as_str()));
                }
                let body = (method != "get").then(|| b"{}".to_vec());
                let r = app.raw_request(&method.to_uppercase(), &concrete, &headers, body).await;
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
    assert_eq!(checked, 46 * 6, "every operation, anonymous and each role");
}

async fn bad_tokens_are_refused_with_401(app: TestApp) {
    let good = sign(&claims("clerk", 0), Algorithm::HS256, TEST_SECRET.as_bytes());
    assert_eq!(app.get_as(&good, "/api/v1/me").await.expect(200).body["name"], "clerk");

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
        let r = app.get_as(&token, "/api/v1/actions").await;
        assert_eq!(r.status, 401, "{what}: {}", r.text);
        assert!(r.header("www-authenticate").is_some(), "{what}");
    }
    let basic = app.raw_request("GET", "/api/v1/actions", &[("authorization", "Basic Y2xlcms6cHc=")], None).await;
    basic.expect_problem(401);
    app.raw_request("GET", "/api/v1/actions", &[], None).await.expect_problem(401);
    // The router decodes %61 to `a`; the guard must see the same path.
    app.raw_request("GET", "/%61pi/v1/actions", &[], None).await.expect_problem(401);
    app.raw_request("GET", "/api/v1/no-such-route", &[], None).await.expect_problem(401);
}

async fn deactivation_and_password_changes_end_old_tokens(app: TestApp) {
    let admin = app.user_token("boss", Role::Admin).await;
    let opcc = app.user_token("officer", Role::Opcc).await;
    app.get_as(&opcc, "/api/v1/me").await.expect(200);

    // Changing one's own password ends one's tokens.
    let change = app
        .post_as(
            &opcc,
            "/api/v1/me/password",
            json!({"current_password": "officer-password", "new_password": "a much better password"}),
        )
        .await;
    assert_eq!(change.status, 204, "{}", change.text);
    app.get_as(&opcc, "/api/v1/me").await.expect_problem(401);
    app.sign_in("officer", "officer-password").await.expect_problem(401);
    let fresh = app.sign_in("officer", "a much better password").await.expect(200);
    let fresh = fresh.body["access_token"].as_str().unwrap().to_string();

    // An admin's reset ends them too, and a generated password is shown once.
    let users = app.get_as(&admin, "/api/v1/users?limit=200").await.expect(200);
    assert!(!users.text.contains("argon2") && !users.text.contains("password_hash"), "no hashes leave the service");
    let officer = users.body["items"].as_array().unwrap().iter().find(|u| u["username"] == "officer").unwrap().clone();
    let id = officer["id"].as_i64().unwrap();
    let reset = app.post_as(&admin, &format!("/api/v1/users/{id}/password"), json!({})).await.expect(200);
    let generated = reset.body["generated_password"].as_str().unwrap().to_string();
    app.get_as(&fresh, "/api/v1/me").await.expect_problem(401);
    let after_reset = app.sign_in("officer", &generated).await.expect(200);
    let after_reset = after_reset.body["access_token"].as_str().unwrap().to_string();

    // Deactivation ends them and stops sign-in.
    let user = app.get_as(&admin, &format!("/api/v1/users/{id}")).await.expect(200);
    let bearer = format!("Bearer {admin}");
    let r = app
        .raw_request(
            "PATCH",
            &format!("/api/v1/users/{id}"),
            &[("content-type", "application/json"), ("if-match", &user.etag()), ("authorization", &bearer)],
            Some(b"{\"active\": false}".to_vec()),
        )
        .await
        .expect(200);
    assert_eq!(r.body["active"], false);
    app.get_as(&after_reset, "/api/v1/me").await.expect_problem(401);
    app.sign_in("officer", &generated).await.expect_problem(401);
}

async fn service_credentials_work_until_revoked(app: TestApp) {
    let admin = app.user_token("boss", Role::Admin).await;
    let issued = app.post_as(&admin, "/api/v1/service-credentials", json!({"name": "intranet-sync"})).await.expect(201);
    assert_eq!(issued.body["credential"]["role"], "reader");
    let token = issued.body["token"].as_str().unwrap().to_string();
    let id = issued.body["credential"]["id"].as_i64().unwrap();

    app.get_as(&token, "/api/v1/actions").await.expect(200);
    app.post_as(&token, "/api/v1/committees", json!({"code": "XX", "name": "x"})).await.expect_problem(403);
    let me = app.get_as(&token, "/api/v1/me").await.expect(200);
    assert_eq!(me.body, json!({"kind": "service", "name": "intranet-sync", "display_name": null, "role": "reader"}));

    let listed = app.get_as(&admin, "/api/v1/service-credentials").await.expect(200);
    assert!(listed.body["items"][0]["last_used_at"].is_string(), "use is recorded");
    assert!(!listed.text.contains(&token), "the token is shown only once");

    app.post_as(&admin, &format!("/api/v1/service-credentials/{id}/revoke"), json!({})).await.expect(200);
    app.get_as(&token, "/api/v1/actions").await.expect_problem(401);
    app.post_as(&admin, "/api/v1/service-credentials", json!({"name": "intranet-sync"})).await.expect_problem(409);
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
    let other = app.user_token("second-clerk", Role::Secretariat).await;
    let body = json!({"code": "KMPCP", "name": "Kent"});
    let first = app.post_with("/api/v1/committees", body.clone(), &[("idempotency-key", "k-1")]).await.expect(201);
    let bearer = format!("Bearer {other}");
    let theirs = app
        .request(
            "POST",
            "/api/v1/committees",
            &[("content-type", "application/json"), ("idempotency-key", "k-1"), ("authorization", &bearer)],
            Some(json!({"code": "SYPCP", "name": "South Yorkshire"}).to_string().into_bytes()),
        )
        .await
        .expect(201);
    assert_ne!(theirs.id(), first.id());
    assert!(theirs.header("idempotent-replayed").is_none());
}

async fn the_timeline_names_who_acted(app: TestApp) {
    let opcc = app.user_token("officer", Role::Opcc).await;
    let panel = app.panel("KMPCP").await;
    let id = app.action(panel.meetings[0], "Check it").await.id();
    let bearer = format!("Bearer {opcc}");
    let r = app
        .raw_request(
            "POST",
            &format!("/api/v1/actions/{id}/submit-response"),
            &[("content-type", "application/json"), ("if-match", "\"1\""), ("authorization", &bearer)],
            Some(json!({"response": "Checked"}).to_string().into_bytes()),
        )
        .await;
    r.expect(200);
    let events = app.get(&format!("/api/v1/actions/{id}/events")).await.expect(200);
    let actors: Vec<&str> =
        events.body["items"].as_array().unwrap().iter().map(|e| e["actor"].as_str().unwrap()).collect();
    assert_eq!(actors, ["clerk", "officer"]);
    // OPCC staff may not accept their own response.
    let accept = app
        .raw_request(
            "POST",
            &format!("/api/v1/actions/{id}/accept"),
            &[("if-match", "\"2\""), ("authorization", &bearer)],
            None,
        )
        .await;
    accept.expect_problem(403);
}

/// An admin cannot lock the admins out or take their own account over with
/// a token alone; another admin can still do those things to them.
async fn admins_cannot_lock_themselves_out(app: TestApp) {
    let admin = app.user_token("boss", Role::Admin).await;
    let other = app.user_token("deputy", Role::Admin).await;
    let users = app.get_as(&admin, "/api/v1/users?limit=200").await.expect(200);
    let id = users.body["items"].as_array().unwrap().iter().find(|u| u["username"] == "boss").unwrap()["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/users/{id}");
    let etag = app.get_as(&admin, &path).await.expect(200).etag();
    let bearer = format!("Bearer {admin}");
    for change in [json!({"active": false}), json!({"role": "member"})] {
        let headers =
            [("content-type", "application/json"), ("if-match", etag.as_str()), ("authorization", bearer.as_str())];
        let r = app.raw_request("PATCH", &path, &headers, Some(change.to_string().into_bytes())).await;
        r.expect_problem(409);
    }
    app.post_as(&admin, &format!("{path}/password"), json!({"password": "a new long password"}))
        .await
        .expect_problem(409);
    // Harmless edits of one's own account are fine, and the token still works.
    let headers =
        [("content-type", "application/json"), ("if-match", etag.as_str()), ("authorization", bearer.as_str())];
    let r = app.raw_request("PATCH", &path, &headers, Some(br#"{"display_name": "The Boss"}"#.to_vec())).await;
    let etag = r.expect(200).etag();
    app.get_as(&admin, "/api/v1/me").await.expect(200);
    // Another admin may deactivate them.
    let bearer = format!("Bearer {other}");
    let headers =
        [("content-type", "application/json"), ("if-match", etag.as_str()), ("authorization", bearer.as_str())];
    app.raw_request("PATCH", &path, &headers, Some(br#"{"active": false}"#.to_vec())).await.expect(200);
    app.get_as(&admin, "/api/v1/me").await.expect_problem(401);
}

/// A known path with a method it does not take is 405 with `Allow`.
async fn other_methods_get_405_with_allow(app: TestApp) {
    let cases = [
        ("TRACE", "/api/v1/actions", "GET, POST"),
        ("DELETE", "/api/v1/actions/1", "GET, PATCH"),
        ("PUT", "/api/v1/meetings/7/carry-forward", "POST"),
        ("POST", "/healthz", "GET"),
    ];
    for (method, path, allow) in cases {
        let r = app.request(method, path, &[], None).await.expect_problem(405);
        assert_eq!(r.header("allow").as_deref(), Some(allow), "{method} {path}");
    }
    app.request("DELETE", "/api/v1/nothing/1", &[], None).await.expect_problem(404);
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

    let clerk = token("council-1", json!(["Staff", "PanelClerks"]), issuer);
    let me = app.get_as(&clerk, "/api/v1/me").await.expect(200);
    assert_eq!(me.body["role"], "secretariat");
    assert_eq!(me.body["kind"], "sso");
    app.post_as(&clerk, "/api/v1/committees", json!({"code": "SSO", "name": "Signed on"})).await.expect(201);

    let councillor = token("council-1", json!("Councillors"), issuer);
    app.get_as(&councillor, "/api/v1/committees").await.expect(200);
    app.post_as(&councillor, "/api/v1/committees", json!({"code": "SSX", "name": "x"})).await.expect_problem(403);
    let stranger = token("council-1", json!(["Visitors"]), issuer);
    app.get_as(&stranger, "/api/v1/actions").await.expect_problem(403);
    let unknown_key = token("council-2", json!(["PanelClerks"]), issuer);
    app.get_as(&unknown_key, "/api/v1/actions").await.expect_problem(401);
    let wrong_issuer = token("council-1", json!(["PanelClerks"]), "https://evil.example");
    app.get_as(&wrong_issuer, "/api/v1/actions").await.expect_problem(401);
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
    let token = app.sign_in("first-admin", "a long first password").await.expect(200);
    assert_eq!(token.body["token_type"], "Bearer");
    assert_eq!(token.body["expires_in"], 3600);
    let token = token.body["access_token"].as_str().unwrap();
    app.get_as(token, "/api/v1/users").await.expect(200);
}

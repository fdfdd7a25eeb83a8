//! Starts the real application on port 0 with a fresh database: a SQLite file
//! in a temporary directory, or (when `TEST_DATABASE_URL` is set) a new
//! PostgreSQL database created for the test and dropped after it.

use std::sync::atomic::{AtomicUsize, Ordering};

use awc::http::header::HeaderMap;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use panel_tracker::api::actions::{Action, ActionEvent};
use panel_tracker::api::auth::TokenResponse;
use panel_tracker::api::committees::Committee;
use panel_tracker::api::meetings::Meeting;
use panel_tracker::api::users::User;
use panel_tracker::auth::policy::Role;
use panel_tracker::auth::secret::SecretSource;
use panel_tracker::config::Settings;
use panel_tracker::db::{self, AnyConnection, Backend};
use panel_tracker::error::Problem;
use panel_tracker::http::pagination::Page;
use panel_tracker::startup::Application;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

pub enum TestDb {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name } = self {
            if let Ok(mut conn) = PgConnection::establish(admin_url) {
                let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
            }
        }
    }
}

pub struct TestApp {
    pub address: String,
    /// The secretariat user's token: the caller [`TestApp::as_secretariat`] sends.
    pub token: String,
    server: actix_web::dev::ServerHandle,
    pub database: Backend,
    http: awc::Client,
    _db: TestDb,
}

pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    /// The body as JSON (`Null` when it is not JSON), for tests of the raw shape.
    pub body: Value,
    pub text: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }

    pub fn etag(&self) -> String {
        self.header("etag").expect("an ETag header")
    }

    /// The body read as the API type `T`.
    #[track_caller]
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("the body is not a {}: {e}; body: {}", std::any::type_name::<T>(), self.text))
    }

    /// The body read as an RFC 9457 problem document.
    #[track_caller]
    pub fn problem(&self) -> Problem {
        self.json()
    }

    /// Asserts the status, printing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.text);
        self
    }

    /// Asserts an RFC 9457 problem with this status.
    #[track_caller]
    pub fn expect_problem(self, status: u16) -> Self {
        let this = self.expect(status);
        assert_eq!(this.header("content-type").as_deref(), Some("application/problem+json"), "{}", this.text);
        assert_eq!(this.body["status"], status);
        assert!(this.body["title"].is_string() && this.body["detail"].is_string() && this.body["type"].is_string());
        this
    }

    pub fn id(&self) -> i64 {
        self.body["id"].as_i64().expect("an id")
    }
}

/// The one place the tests send HTTP: method, path, headers and body to the
/// server at `base`; `None` when no answer came (the server is gone).
pub async fn send(
    http: &awc::Client,
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
) -> Option<Response> {
    let method = awc::http::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = http.request(method, format!("{base}{path}"));
    for (k, v) in headers {
        req = req.insert_header((*k, *v));
    }
    let mut res = match body {
        Some(b) => req.send_body(b).await,
        None => req.send().await,
    }
    .ok()?;
    let bytes = res.body().limit(16 * 1024 * 1024).await.ok()?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Some(Response { status: res.status().as_u16(), headers: res.headers().clone(), body, text })
}

/// An HTTP client the tests use: no redirects followed, a generous timeout.
pub fn http_client() -> awc::Client {
    awc::Client::builder().timeout(std::time::Duration::from_secs(30)).disable_redirects().finish()
}

/// One caller of the API: a server, and the bearer token it sends (none for
/// an anonymous caller). Every request a test makes goes through one.
#[derive(Clone)]
pub struct Client {
    base: String,
    http: awc::Client,
    token: Option<String>,
}

impl Client {
    pub fn new(http: awc::Client, base: &str, token: Option<&str>) -> Client {
        Client { base: base.to_string(), http, token: token.map(str::to_string) }
    }

    /// The token this caller sends.
    pub fn token(&self) -> &str {
        self.token.as_deref().expect("a signed-in caller")
    }

    /// A request with these headers and the caller's token, unless `headers`
    /// names an Authorization itself; `None` when no answer came.
    pub async fn try_send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Option<Response> {
        let bearer = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let mut all = headers.to_vec();
        if let Some(bearer) = &bearer {
            if !all.iter().any(|(k, _)| k.eq_ignore_ascii_case("authorization")) {
                all.push(("authorization", bearer));
            }
        }
        send(&self.http, &self.base, method, path, &all, body).await
    }

    pub async fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Option<Vec<u8>>) -> Response {
        let answer = self.try_send(method, path, headers, body).await;
        answer.unwrap_or_else(|| panic!("{method} {path} got no answer"))
    }

    pub async fn get(&self, path: &str) -> Response {
        self.send("GET", path, &[], None).await
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.send("DELETE", path, &[], None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.post_with(path, body, &[]).await
    }

    /// A JSON POST with more headers; `None` when no answer came.
    pub async fn try_post_with(&self, path: &str, body: Value, headers: &[(&str, &str)]) -> Option<Response> {
        let mut all = vec![("content-type", "application/json")];
        all.extend_from_slice(headers);
        self.try_send("POST", path, &all, Some(body.to_string().into_bytes())).await
    }

    pub async fn post_with(&self, path: &str, body: Value, headers: &[(&str, &str)]) -> Response {
        let what = format!("POST {path}");
        self.try_post_with(path, body, headers).await.unwrap_or_else(|| panic!("{what} got no answer"))
    }

    /// A JSON PATCH with its If-Match.
    pub async fn patch(&self, path: &str, etag: &str, body: Value) -> Response {
        let headers = [("content-type", "application/json"), ("if-match", etag)];
        self.send("PATCH", path, &headers, Some(body.to_string().into_bytes())).await
    }

    // ---- operations, as a client library would name them -----------------

    /// A lifecycle transition or carry-forward (`start`, `submit-response`...) with its If-Match.
    pub async fn transition(&self, action_id: i64, step: &str, etag: &str, body: Value) -> Response {
        self.post_with(&format!("/api/v1/actions/{action_id}/{step}"), body, &[("if-match", etag)]).await
    }

    pub async fn create_committee(&self, code: &str) -> Committee {
        self.post("/api/v1/committees", json!({"code": code, "name": format!("{code} Police and Crime Panel")}))
            .await
            .expect(201)
            .json()
    }

    pub async fn create_meeting(&self, committee_id: i64, starts_at: &str) -> Meeting {
        self.post(
            "/api/v1/meetings",
            json!({"committee_id": committee_id, "title": format!("Panel meeting {starts_at}"), "starts_at": starts_at}),
        )
        .await
        .expect(201)
        .json()
    }

    /// An action with only the fields that must be given.
    pub async fn create_action(&self, raised_at: i64, description: &str) -> Action {
        self.post("/api/v1/actions", json!({"raised_at_meeting_id": raised_at, "description": description}))
            .await
            .expect(201)
            .json()
    }

    pub async fn get_action(&self, id: i64) -> Action {
        self.get(&format!("/api/v1/actions/{id}")).await.expect(200).json()
    }

    /// A list's page, read as `T` (asserting a 200).
    pub async fn page<T: DeserializeOwned>(&self, path: &str) -> Page<T> {
        self.get(path).await.expect(200).json()
    }

    /// An action's timeline (first page).
    pub async fn events(&self, action_id: i64) -> Vec<ActionEvent> {
        self.page(&format!("/api/v1/actions/{action_id}/events")).await.items
    }

    pub async fn me(&self) -> Response {
        self.get("/api/v1/me").await
    }

    /// A user found by username in the first 200 (an admin's call).
    pub async fn user_named(&self, username: &str) -> User {
        let users: Page<User> = self.page("/api/v1/users?limit=200").await;
        users.items.into_iter().find(|u| u.username == username).unwrap_or_else(|| panic!("no user {username}"))
    }

    /// A committee with meetings in 2018 (two past) and 2099 (two future).
    pub async fn panel(&self, code: &str) -> Panel {
        let committee = self.create_committee(code).await.id;
        let mut meetings = Vec::new();
        for when in ["2018-02-06T10:00:00Z", "2018-04-10T10:00:00Z", "2099-06-05T10:00:00Z", "2099-09-18T10:00:00Z"] {
            meetings.push(self.create_meeting(committee, when).await.id);
        }
        Panel { committee, meetings }
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub async fn spawn_sqlite() -> TestApp {
    let (backend, db) = sqlite_db();
    signed_in(start(backend, db)).await
}

pub fn sqlite_db() -> (Backend, TestDb) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("test.db");
    (Backend::Sqlite(path.to_string_lossy().into_owned()), TestDb::Sqlite(dir))
}

/// Gives the app a secretariat user whose token the helpers send.
async fn signed_in(mut app: TestApp) -> TestApp {
    app.token = app.user_token("clerk", Role::Secretariat).await;
    app
}

/// A new database on the server `TEST_DATABASE_URL` points at, or `None` when it is unset.
pub async fn spawn_postgres() -> Option<TestApp> {
    let (backend, db) = postgres_db()?;
    Some(signed_in(start(backend, db)).await)
}

/// An app whose database was given `panel-tracker demo` before anyone used
/// it (the demo refuses a database that holds anything), or `None` for
/// PostgreSQL when it is not configured.
pub async fn spawn_demo(postgres: bool) -> Option<TestApp> {
    let (backend, db) = if postgres { postgres_db()? } else { sqlite_db() };
    {
        let mut conn = db::connect(&backend).expect("the test database");
        db::run_migrations(&mut conn).expect("migrations");
        panel_tracker::demo::seed(&mut conn).expect("the demo on an empty database");
    }
    Some(signed_in(start(backend, db)).await)
}

/// A new, empty PostgreSQL database (dropped with the `TestDb`), or `None`
/// when `TEST_DATABASE_URL` is unset.
pub fn postgres_db() -> Option<(Backend, TestDb)> {
    let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
        eprintln!("TEST_DATABASE_URL is not set: PostgreSQL variant skipped");
        return None;
    };
    let name = format!(
        "pt_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        chrono::Utc::now().timestamp_subsec_nanos()
    );
    let admin_url = without_tls(&admin_url);
    let mut admin = PgConnection::establish(&admin_url).expect("TEST_DATABASE_URL is reachable");
    admin.batch_execute(&format!("CREATE DATABASE \"{name}\"")).expect("CREATE DATABASE");
    let url = without_tls(&with_database(&admin_url, &name));
    Some((Backend::Postgres(url), TestDb::Postgres { admin_url, name }))
}

/// Tests talk to a local server: without TLS, libpq leaves OpenSSL alone, so
/// a pool closing its connections on a worker thread cannot race OpenSSL's
/// clean-up at process exit (seen as a SIGSEGV after all tests passed).
fn without_tls(url: &str) -> String {
    if url.contains("sslmode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&sslmode=disable")
    } else {
        format!("{url}?sslmode=disable")
    }
}

/// The same server URL with another database name.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    format!("{host_part}/{name}{query}")
}

/// The JWT secret every test instance signs with.
pub const TEST_SECRET: &str = "test-secret-that-is-long-enough-for-hs256";

/// The council identity provider every test instance trusts: an RSA key pair
/// made once per test run, its public half in a JWKS file.
pub struct TestIdp {
    pub signing: jsonwebtoken::EncodingKey,
    pub jwks_path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

pub const IDP_ISSUER: &str = "https://login.council.example";

pub fn test_idp() -> &'static TestIdp {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::traits::PublicKeyParts;
    static IDP: std::sync::OnceLock<TestIdp> = std::sync::OnceLock::new();
    IDP.get_or_init(|| {
        let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
        let jwks = json!({"keys": [{
            "kty": "RSA", "kid": "council-1", "alg": "RS256", "use": "sig",
            "n": URL_SAFE_NO_PAD.encode(key.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(key.e().to_bytes_be()),
        }]});
        let dir = tempfile::tempdir().unwrap();
        let jwks_path = dir.path().join("jwks.json");
        std::fs::write(&jwks_path, jwks.to_string()).unwrap();
        let der = key.to_pkcs1_der().unwrap();
        TestIdp { signing: jsonwebtoken::EncodingKey::from_rsa_der(der.as_bytes()), jwks_path, _dir: dir }
    })
}

pub fn test_settings(database: Backend) -> Settings {
    Settings {
        database,
        bind_addr: "127.0.0.1:0".into(),
        pool_size: None,
        workers: Some(2),
        jwt_secret: SecretSource::Value(TEST_SECRET.into()),
        token_ttl_secs: 3600,
        service_token_ttl_days: 365,
        sso: Some(panel_tracker::config::SsoSettings {
            issuer: IDP_ISSUER.into(),
            audience: "panel-tracker".into(),
            jwks_file: test_idp().jwks_path.clone(),
            role_claim: "groups".into(),
            role_map: "PanelClerks=secretariat,Councillors=member".into(),
        }),
        limits: Default::default(),
        trusted_proxies: Vec::new(),
        sessions: Default::default(),
        // Tests read public paths many times from one address; the rate-limit
        // test sets its own small limit.
        public_rate_limit: panel_tracker::config::RateLimit { per_minute: 600_000, burst: 100_000 },
        // The safe defaults: the webhook tests allow their receiver on 127.0.0.1.
        webhooks: Default::default(),
        reminders: Default::default(),
    }
}

/// An app on SQLite (or on PostgreSQL, `None` when it is not configured)
/// with its settings changed first, e.g. shorter limits.
pub async fn spawn_custom(postgres: bool, change: impl FnOnce(&mut Settings)) -> Option<TestApp> {
    let (backend, db) = if postgres { postgres_db()? } else { sqlite_db() };
    let mut settings = test_settings(backend);
    change(&mut settings);
    Some(signed_in(start_with(settings, db)).await)
}

fn start(database: Backend, db: TestDb) -> TestApp {
    start_with(test_settings(database), db)
}

pub fn start_with(settings: Settings, db: TestDb) -> TestApp {
    let database = settings.database.clone();
    let app = Application::build(&settings).expect("the application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let server = app.handle();
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp { address, token: String::new(), server, database, http: http_client(), _db: db }
}

impl Drop for TestApp {
    /// Tells the server to stop (the command is sent at once) before the
    /// test's database goes, so no worker outlives the test by much.
    fn drop(&mut self) {
        drop(self.server.stop(false));
    }
}

impl TestApp {
    // ---- callers ----------------------------------------------------------

    /// The secretariat user ("clerk") every app starts with.
    pub fn as_secretariat(&self) -> Client {
        self.client_with_token(&self.token)
    }

    /// A caller sending this bearer token.
    pub fn client_with_token(&self, token: &str) -> Client {
        Client::new(self.http.clone(), &self.address, Some(token))
    }

    /// A caller sending no token: exactly the headers it is given.
    pub fn anonymous(&self) -> Client {
        Client::new(self.http.clone(), &self.address, None)
    }

    /// A caller from another client address: every 127.x.y.z reaches this
    /// machine's loopback, so a client bound to 127.0.0.2 is another address
    /// to the server.
    pub fn anonymous_from(&self, source: &str) -> Client {
        let http = awc::Client::builder()
            .connector(awc::Connector::new().local_address(source.parse().expect("an IP address")))
            .timeout(std::time::Duration::from_secs(30))
            .finish();
        Client::new(http, &self.address, None)
    }

    /// A new user with this role, signed in.
    pub async fn new_user(&self, username: &str, role: Role) -> Client {
        let token = self.user_token(username, role).await;
        self.client_with_token(&token)
    }

    // ---- what no client can do ------------------------------------------

    /// A direct connection to the test's database, for what no client can do (tampering).
    pub fn connection(&self) -> db::PooledConnection {
        db::build_pool(&self.database, Some(1)).unwrap().get().unwrap()
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self.database, Backend::Sqlite(_))
    }

    /// Creates a user with this role (password `<username>-password`) straight in the database.
    pub fn create_user(&self, username: &str, role: Role) {
        let mut conn = self.connection();
        let password = format!("{username}-password");
        panel_tracker::ops::users::create_user_record(&mut conn, username, username, role, &password).unwrap();
    }

    /// Rows in a table, read straight from the database.
    pub fn count_rows(&self, table: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.connection();
        diesel::RunQueryDsl::get_result::<Count>(
            diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")),
            &mut *conn,
        )
        .unwrap()
        .n
    }

    // ---- signing in -------------------------------------------------------

    /// Signs in through the API, as an anonymous caller.
    pub async fn sign_in(&self, username: &str, password: &str) -> Response {
        sign_in(&self.anonymous(), username, password).await
    }

    /// Signs in from another client address (see [`TestApp::anonymous_from`]).
    pub async fn sign_in_from(&self, source: &str, username: &str, password: &str) -> Response {
        sign_in(&self.anonymous_from(source), username, password).await
    }

    /// A new user's token.
    pub async fn user_token(&self, username: &str, role: Role) -> String {
        self.create_user(username, role);
        let r = self.sign_in(username, &format!("{username}-password")).await.expect(200);
        r.json::<TokenResponse>().access_token
    }
}

/// `POST /api/v1/auth/token` from this (anonymous) caller.
pub async fn sign_in(caller: &Client, username: &str, password: &str) -> Response {
    caller.post("/api/v1/auth/token", json!({"username": username, "password": password})).await
}

pub struct Panel {
    pub committee: i64,
    pub meetings: Vec<i64>,
}

/// Waits (polling every 50 ms) until `done` holds, or fails after `limit`.
pub async fn eventually<F, Fut>(what: &str, limit: std::time::Duration, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = std::time::Instant::now();
    while !done().await {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Runs the connection's SQL without results.
pub fn exec(conn: &mut AnyConnection, sql: &str) {
    conn.batch_execute(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Declares each scenario as a test on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[actix_web::test]
                async fn $name() {
                    super::$name($crate::helpers::spawn_sqlite().await).await
                }
            )*
        }
        mod postgres {
            $(
                #[actix_web::test]
                async fn $name() {
                    if let Some(app) = $crate::helpers::spawn_postgres().await {
                        super::$name(app).await
                    }
                }
            )*
        }
    };
}

#[test]
fn database_names_are_swapped_in_urls() {
    assert_eq!(with_database("postgres://u@h:5432/ci", "t1"), "postgres://u@h:5432/t1");
    assert_eq!(with_database("postgres://u@h/ci?sslmode=disable", "t1"), "postgres://u@h/t1?sslmode=disable");
    assert_eq!(with_database("postgres://u@h", "t1"), "postgres://u@h/t1");
    assert_eq!(without_tls("postgres://u@h/t1"), "postgres://u@h/t1?sslmode=disable");
    assert_eq!(without_tls("postgres://u@h/t1?sslmode=require"), "postgres://u@h/t1?sslmode=require");
}

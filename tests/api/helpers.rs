//! Starts the real application on port 0 with a fresh database: a SQLite file
//! in a temporary directory, or (when `TEST_DATABASE_URL` is set) a new
//! PostgreSQL database created for the test and dropped after it.

use std::sync::atomic::{AtomicUsize, Ordering};

use awc::http::header::HeaderMap;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use panel_tracker::auth::policy::Role;
use panel_tracker::auth::secret::SecretSource;
use panel_tracker::config::Settings;
use panel_tracker::db::{self, AnyConnection, Backend};
use panel_tracker::startup::Application;
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
    /// A secretariat user's token, sent by every helper unless told otherwise.
    pub token: String,
    server: actix_web::dev::ServerHandle,
    pub database: Backend,
    pub client: awc::Client,
    _db: TestDb,
}

pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
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
    let client = awc::Client::builder().timeout(std::time::Duration::from_secs(30)).disable_redirects().finish();
    TestApp { address, token: String::new(), server, database, client, _db: db }
}

impl Drop for TestApp {
    /// Tells the server to stop (the command is sent at once) before the
    /// test's database goes, so no worker outlives the test by much.
    fn drop(&mut self) {
        drop(self.server.stop(false));
    }
}

impl TestApp {
    /// A request with the app's token unless `headers` names an Authorization.
    pub async fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Option<Vec<u8>>) -> Response {
        let bearer = format!("Bearer {}", self.token);
        let mut all = headers.to_vec();
        if !all.iter().any(|(k, _)| k.eq_ignore_ascii_case("authorization")) {
            all.push(("authorization", &bearer));
        }
        self.raw_request(method, path, &all, body).await
    }

    /// A request with exactly these headers (no token unless given).
    pub async fn raw_request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Response {
        let method = awc::http::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.client.request(method, format!("{}{}", self.address, path));
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        let mut res = match body {
            Some(b) => req.send_body(b).await,
            None => req.send().await,
        }
        .expect("the request is answered");
        let bytes = res.body().limit(16 * 1024 * 1024).await.expect("a body");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Response { status: res.status().as_u16(), headers: res.headers().clone(), body, text }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request("GET", path, &[], None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.post_with(path, body, &[]).await
    }

    pub async fn post_with(&self, path: &str, body: Value, headers: &[(&str, &str)]) -> Response {
        let mut all = vec![("content-type", "application/json")];
        all.extend_from_slice(headers);
        self.request("POST", path, &all, Some(body.to_string().into_bytes())).await
    }

    pub async fn patch(&self, path: &str, etag: &str, body: Value) -> Response {
        let headers = [("content-type", "application/json"), ("if-match", etag)];
        self.request("PATCH", path, &headers, Some(body.to_string().into_bytes())).await
    }

    /// A lifecycle transition or carry-forward with its If-Match.
    pub async fn act(&self, action_id: i64, step: &str, etag: &str, body: Value) -> Response {
        let headers = [("content-type", "application/json"), ("if-match", etag)];
        let path = format!("/api/v1/actions/{action_id}/{step}");
        self.request("POST", &path, &headers, Some(body.to_string().into_bytes())).await
    }

    /// A direct connection to the test's database, for what no client can do (tampering).
    pub fn connection(&self) -> db::PooledConnection {
        db::build_pool(&self.database, Some(1)).unwrap().get().unwrap()
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self.database, Backend::Sqlite(_))
    }

    // ---- fixtures -------------------------------------------------------

    /// Creates a user with this role (password `<username>-password`) straight in the database.
    pub fn create_user(&self, username: &str, role: Role) {
        let mut conn = self.connection();
        let password = format!("{username}-password");
        panel_tracker::ops::users::create_user_record(&mut conn, username, username, role, &password).unwrap();
    }

    /// Signs in through the API.
    pub async fn sign_in(&self, username: &str, password: &str) -> Response {
        let body = json!({"username": username, "password": password}).to_string().into_bytes();
        self.raw_request("POST", "/api/v1/auth/token", &[("content-type", "application/json")], Some(body)).await
    }

    /// Signs in from another client address: every 127.x.y.z reaches this
    /// machine's loopback, so a client bound to 127.0.0.2 is another address
    /// to the server.
    pub async fn sign_in_from(&self, source: &str, username: &str, password: &str) -> Response {
        let client = awc::Client::builder()
            .connector(awc::Connector::new().local_address(source.parse().expect("an IP address")))
            .timeout(std::time::Duration::from_secs(30))
            .finish();
        let body = json!({"username": username, "password": password}).to_string();
        let mut res = client
            .post(format!("{}/api/v1/auth/token", self.address))
            .insert_header(("content-type", "application/json"))
            .send_body(body)
            .await
            .expect("the request is answered");
        let bytes = res.body().await.expect("a body");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Response { status: res.status().as_u16(), headers: res.headers().clone(), body, text }
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

    /// A new user's token.
    pub async fn user_token(&self, username: &str, role: Role) -> String {
        self.create_user(username, role);
        let r = self.sign_in(username, &format!("{username}-password")).await.expect(200);
        r.body["access_token"].as_str().unwrap().to_string()
    }

    /// The same request with another token.
    pub async fn get_as(&self, token: &str, path: &str) -> Response {
        let bearer = format!("Bearer {token}");
        self.raw_request("GET", path, &[("authorization", &bearer)], None).await
    }

    pub async fn post_as(&self, token: &str, path: &str, body: Value) -> Response {
        let bearer = format!("Bearer {token}");
        let headers = [("content-type", "application/json"), ("authorization", bearer.as_str())];
        self.raw_request("POST", path, &headers, Some(body.to_string().into_bytes())).await
    }

    pub async fn committee(&self, code: &str) -> i64 {
        self.post("/api/v1/committees", json!({"code": code, "name": format!("{code} Police and Crime Panel")}))
            .await
            .expect(201)
            .id()
    }

    pub async fn meeting(&self, committee_id: i64, starts_at: &str) -> i64 {
        self.post(
            "/api/v1/meetings",
            json!({"committee_id": committee_id, "title": format!("Panel meeting {starts_at}"), "starts_at": starts_at}),
        )
        .await
        .expect(201)
        .id()
    }

    pub async fn action(&self, raised_at: i64, description: &str) -> Response {
        self.post("/api/v1/actions", json!({"raised_at_meeting_id": raised_at, "description": description}))
            .await
            .expect(201)
    }

    /// A committee with meetings in 2018 (two past) and 2099 (two future).
    pub async fn panel(&self, code: &str) -> Panel {
        let committee = self.committee(code).await;
        let mut meetings = Vec::new();
        for when in ["2018-02-06T10:00:00Z", "2018-04-10T10:00:00Z", "2099-06-05T10:00:00Z", "2099-09-18T10:00:00Z"] {
            meetings.push(self.meeting(committee, when).await);
        }
        Panel { committee, meetings }
    }
}

pub struct Panel {
    pub committee: i64,
    pub meetings: Vec<i64>,
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

//! The service as a separate process (the binary cargo built for this test
//! run), for what an in-process server cannot show: being killed with
//! SIGKILL and restarted, or two instances sharing one database.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use panel_tracker::auth::policy::Role;
use panel_tracker::db::{self, Backend};
use serde_json::{json, Value};

use crate::helpers::{Response, TEST_SECRET};

pub struct ServerProcess {
    child: Child,
    pub address: String,
    pub database: Backend,
    client: awc::Client,
    _log: tempfile::NamedTempFile,
    /// Held open: the server prints a second line, and a closed pipe would kill it.
    _stdout: BufReader<std::process::ChildStdout>,
}

/// The URL the binary is given for a database.
pub fn database_url(database: &Backend) -> String {
    match database {
        Backend::Sqlite(path) => format!("sqlite://{path}"),
        Backend::Postgres(url) => url.clone(),
    }
}

impl ServerProcess {
    /// Starts `panel-tracker serve` on a free port and waits until it listens.
    pub fn start(database: &Backend) -> ServerProcess {
        Self::start_with(database, &[])
    }

    pub fn start_with(database: &Backend, env: &[(&str, &str)]) -> ServerProcess {
        let log = tempfile::NamedTempFile::new().expect("a log file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_panel-tracker"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", database_url(database))
            .env("BIND_ADDR", "127.0.0.1:0")
            .env("JWT_SECRET", TEST_SECRET)
            .env("WORKERS", "2")
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log.reopen().expect("the log file")))
            .spawn()
            .expect("the binary starts");
        // The first line names the address; nothing else is printed to stdout.
        let mut line = String::new();
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        stdout.read_line(&mut line).expect("a line from the server");
        let address = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| {
                let log = std::fs::read_to_string(log.path()).unwrap_or_default();
                panic!("the server did not say where it listens: {line:?}\n{log}")
            })
            .to_string();
        let client = awc::Client::builder().timeout(Duration::from_secs(30)).disable_redirects().finish();
        ServerProcess { child, address, database: database.clone(), client, _log: log, _stdout: stdout }
    }

    /// SIGKILL: no shutdown, no flushing, no chance to finish anything.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's log so far (warnings and errors).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self._log.path()).unwrap_or_default()
    }

    /// Sends a request; `None` when no answer came (the server is gone).
    pub async fn try_request(
        &self,
        method: &str,
        path: &str,
        token: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Option<Response> {
        let method = awc::http::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.client.request(method, format!("{}{}", self.address, path));
        if !token.is_empty() {
            req = req.insert_header(("authorization", format!("Bearer {token}")));
        }
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        let mut res = match body {
            Some(b) => req.insert_header(("content-type", "application/json")).send_body(b.to_string()).await,
            None => req.send().await,
        }
        .ok()?;
        let bytes = res.body().limit(16 * 1024 * 1024).await.ok()?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Some(Response { status: res.status().as_u16(), headers: res.headers().clone(), body, text })
    }

    pub async fn request(
        &self,
        method: &str,
        path: &str,
        token: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Response {
        match self.try_request(method, path, token, headers, body).await {
            Some(r) => r,
            None => panic!("{method} {path} got no answer; server log:\n{}", self.log()),
        }
    }

    /// Creates a user straight in the database (the server has migrated it) and signs in.
    pub async fn user_token(&self, username: &str, role: Role) -> String {
        let mut conn = db::build_pool(&self.database, Some(1)).unwrap().get().unwrap();
        let password = format!("{username}-password");
        panel_tracker::ops::users::create_user_record(&mut conn, username, username, role, &password).unwrap();
        self.sign_in(username).await
    }

    /// Signs in a user made by [`ServerProcess::user_token`] (on this or another instance).
    pub async fn sign_in(&self, username: &str) -> String {
        let body = json!({"username": username, "password": format!("{username}-password")});
        let r = self.request("POST", "/api/v1/auth/token", "", &[], Some(body)).await.expect(200);
        r.body["access_token"].as_str().unwrap().to_string()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

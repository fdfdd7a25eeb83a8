//! The service as a separate process (the binary cargo built for this test
//! run), for what an in-process server cannot show: being killed with
//! SIGKILL and restarted, or two instances sharing one database.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use panel_tracker::api::auth::TokenResponse;
use panel_tracker::auth::policy::Role;
use panel_tracker::db::{self, Backend};

use crate::helpers::{http_client, sign_in, Client, TEST_SECRET};

pub struct ServerProcess {
    child: Child,
    pub address: String,
    pub database: Backend,
    http: awc::Client,
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
        ServerProcess { child, address, database: database.clone(), http: http_client(), _log: log, _stdout: stdout }
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

    /// A caller sending this token (none when empty).
    pub fn client(&self, token: &str) -> Client {
        Client::new(self.http.clone(), &self.address, Some(token).filter(|t| !t.is_empty()))
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
        let r = sign_in(&self.client(""), username, &format!("{username}-password")).await.expect(200);
        r.json::<TokenResponse>().access_token
    }

    /// A new user with this role, signed in on this instance.
    pub async fn new_user(&self, username: &str, role: Role) -> Client {
        let token = self.user_token(username, role).await;
        self.client(&token)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

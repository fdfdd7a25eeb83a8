//! One diesel code path for SQLite and PostgreSQL. The backend is chosen at
//! start from the scheme of `DATABASE_URL`; everything else goes through
//! [`AnyConnection`], with backend-specific SQL confined to `match` arms here.

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub mod backend;

pub use backend::Backend;

#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

pub type DbPool = r2d2::Pool<ConnectionManager>;
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// How long a request waits for a free connection or a lock by default
/// (`DATABASE_POOL_WAIT_MS`, `DATABASE_BUSY_TIMEOUT_MS` override them).
/// Waiting longer only piles up requests behind a saturated database.
pub const POOL_WAIT: Duration = Duration::from_secs(5);
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// No single statement runs longer than this on PostgreSQL: a runaway query
/// is cancelled and answered 503 rather than holding a connection forever.
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// Per-connection settings for SQLite. `busy_timeout` comes first so that
/// switching to WAL while another connection holds the file waits instead of
/// failing; `synchronous=NORMAL` in WAL mode keeps every commit durable
/// across a process crash (the case the service must survive).
///
/// Checkpoints (copying the WAL back into the database file, with an fsync)
/// are the service's own background work ([`Checkpointer`]), not a cost paid
/// by whichever request happened to commit the thousandth page: that made
/// the slowest one in a hundred writes wait tens of milliseconds. The
/// automatic checkpoint stays as a backstop, at 10,000 pages (40 MB).
fn sqlite_pragmas(busy_timeout: Duration) -> String {
    format!(
        "PRAGMA busy_timeout = {}; \
         PRAGMA journal_mode = WAL; \
         PRAGMA synchronous = NORMAL; \
         PRAGMA wal_autocheckpoint = 10000; \
         PRAGMA foreign_keys = ON;",
        busy_timeout.as_millis()
    )
}

/// Makes every SQLite connection this process opens plan without looking at
/// bound values (SQLite's query planner stability guarantee).
///
/// Why: SQLite 3.53 reads a bound `LIMIT ?` while planning, which marks the
/// statement to be planned again whenever that parameter is bound, and
/// diesel binds every `LIMIT` (each `.first()`, each page). So each run of a
/// cached statement was parsed and planned afresh: perf showed that as more
/// than half the time of looking a user up. With the guarantee a cached
/// statement stays prepared. The plans lose nothing: the service keeps no
/// `sqlite_stat4` samples and matches no `LIKE` against a bound pattern, the
/// other things the planner would read bound values for.
///
/// diesel gives no handle to set it per connection, so it is an automatic
/// extension: SQLite calls it for each connection opened after this.
fn sqlite_plan_without_bound_values() {
    use libsqlite3_sys as ffi;
    use std::ffi::{c_char, c_int};

    unsafe extern "C" fn enable_qpsg(
        db: *mut ffi::sqlite3,
        _error: *mut *mut c_char,
        _api: *const ffi::sqlite3_api_routines,
    ) -> c_int {
        // SAFETY: SQLite passes the connection being opened, valid for the
        // call; this option takes an int and an optional int* for the result.
        unsafe {
            ffi::sqlite3_db_config(db, ffi::SQLITE_DBCONFIG_ENABLE_QPSG, 1 as c_int, std::ptr::null_mut::<c_int>())
        }
    }

    static REGISTER: std::sync::Once = std::sync::Once::new();
    REGISTER.call_once(|| {
        // SAFETY: registers a function of exactly the signature SQLite calls;
        // it touches nothing but the connection it is given.
        let rc = unsafe { ffi::sqlite3_auto_extension(Some(enable_qpsg)) };
        if rc != ffi::SQLITE_OK {
            log::warn!("SQLite refused the planner setting (code {rc}); statements will be planned again on each run");
        }
    });
}

/// Per-connection settings for PostgreSQL: a statement waiting for a row or
/// table lock gives up after the busy timeout (as SQLite's does), so a
/// request blocked behind another transaction becomes a 503, never a hang.
fn postgres_settings(busy_timeout: Duration) -> String {
    format!(
        "SET lock_timeout = {}; SET statement_timeout = {}; SET idle_in_transaction_session_timeout = {};",
        busy_timeout.as_millis(),
        STATEMENT_TIMEOUT.as_millis(),
        STATEMENT_TIMEOUT.as_millis()
    )
}

/// How soon the [`Checkpointer`] looks again after copying pages back: small,
/// frequent checkpoints keep each one's fsync short. Measured with one client
/// creating actions at 1,000,000 (bench/run): every 500 ms, a checkpoint
/// flushed ~25 MB at once and the write that met it waited ~20 ms (p99 22 ms);
/// every 10 ms, p99 3.3 ms. Writing a page of the WAL that is being flushed
/// waits for the flush, so the less each flush carries, the less anyone waits.
const CHECKPOINT_BUSY: Duration = Duration::from_millis(10);
/// How long it waits when nothing was written: an idle service wakes twice a second.
const CHECKPOINT_IDLE: Duration = Duration::from_millis(500);

/// What `PRAGMA wal_checkpoint` reports: frames in the WAL and frames copied back.
#[derive(Debug, Clone, Copy, diesel::QueryableByName)]
struct CheckpointResult {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    busy: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    log: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    checkpointed: i32,
}

/// The wait before the next checkpoint: short while the WAL keeps changing
/// (or a reader kept the last one from finishing), doubling back to
/// [`CHECKPOINT_IDLE`] once it stays the same.
fn next_checkpoint_wait(previous: Option<CheckpointResult>, now: CheckpointResult, waited: Duration) -> Duration {
    let changed = previous.is_none_or(|p| p.log != now.log || p.checkpointed != now.checkpointed);
    if changed || now.busy != 0 {
        CHECKPOINT_BUSY
    } else {
        (waited * 2).clamp(CHECKPOINT_BUSY, CHECKPOINT_IDLE)
    }
}

/// A background thread that checkpoints a SQLite database's WAL, passively
/// (never blocking readers or writers), for as long as this value lives.
/// The service holds one while it serves; commits stay exactly as durable
/// (each is in the WAL, `synchronous=NORMAL`, when it returns).
pub struct Checkpointer {
    _alive: std::sync::Arc<()>,
}

impl Checkpointer {
    /// Starts one for a SQLite backend; `None` for PostgreSQL.
    pub fn start(backend: &Backend) -> Option<Self> {
        let Backend::Sqlite(path) = backend else {
            return None;
        };
        let alive = std::sync::Arc::new(());
        let watch = std::sync::Arc::downgrade(&alive);
        let path = path.clone();
        let started = std::thread::Builder::new().name("sqlite-checkpoint".into()).spawn(move || {
            let mut conn = match SqliteConnection::establish(&path) {
                Ok(c) => c,
                Err(e) => return log::warn!("no background checkpoints for {path}: {e}"),
            };
            if let Err(e) = conn.batch_execute("PRAGMA busy_timeout = 5000;") {
                return log::warn!("no background checkpoints for {path}: {e}");
            }
            let (mut wait, mut last) = (CHECKPOINT_IDLE, None);
            while watch.upgrade().is_some() {
                std::thread::sleep(wait);
                match diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)").get_result::<CheckpointResult>(&mut conn) {
                    Ok(now) => {
                        wait = next_checkpoint_wait(last, now, wait);
                        last = Some(now);
                    }
                    Err(e) => {
                        log::warn!("background checkpoint of {path} failed: {e}");
                        wait = CHECKPOINT_IDLE;
                    }
                }
            }
        });
        if let Err(e) = started {
            log::warn!("no background checkpoints: {e}");
        }
        Some(Checkpointer { _alive: alive })
    }
}

/// Opens connections for the pool. A small manager of our own (rather than
/// diesel's generic one) so a bad URL or password surfaces as the real error.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    backend: Backend,
    busy_timeout: Duration,
}

impl ConnectionManager {
    pub fn new(backend: Backend) -> Self {
        Self { backend, busy_timeout: BUSY_TIMEOUT }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Connection(#[from] diesel::ConnectionError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = AnyConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<AnyConnection, ConnectError> {
        match &self.backend {
            Backend::Postgres(url) => {
                let mut conn = PgConnection::establish(url)?;
                conn.batch_execute(&postgres_settings(self.busy_timeout))?;
                Ok(AnyConnection::Postgresql(conn))
            }
            Backend::Sqlite(path) => {
                sqlite_plan_without_bound_values();
                create_private_file(path).map_err(|e| {
                    diesel::ConnectionError::BadConnection(format!("cannot create the SQLite file {path}: {e}"))
                })?;
                let mut conn = SqliteConnection::establish(path)?;
                conn.batch_execute(&sqlite_pragmas(self.busy_timeout))?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), ConnectError> {
        conn.batch_execute("SELECT 1").map_err(Into::into)
    }

    /// As diesel's own manager: a connection left mid-transaction by a panic
    /// or a failed rollback is not handed out again.
    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        std::thread::panicking() || diesel::r2d2::R2D2Connection::is_broken(conn)
    }
}

/// Creates a new SQLite database file readable and writable by its owner
/// only, before SQLite would create it with the process's umask (usually
/// world-readable, and the file holds password hashes). SQLite gives the
/// `-wal` and `-shm` files it makes later the database file's permissions.
/// An empty file is a valid empty database.
fn create_private_file(path: &str) -> std::io::Result<()> {
    if path == ":memory:" || path.starts_with("file:") || std::path::Path::new(path).exists() {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        // Another connection made it first.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Warns when an existing SQLite database (or its `-wal` or `-shm`) can be
/// read by other users: it holds password hashes. Left as it is, since the
/// operator may have chosen it; new files are made private.
pub fn warn_if_readable_by_others(backend: &Backend) {
    #[cfg(unix)]
    if let Backend::Sqlite(path) = backend {
        use std::os::unix::fs::PermissionsExt;
        for file in [path.clone(), format!("{path}-wal"), format!("{path}-shm")] {
            if let Ok(meta) = std::fs::metadata(&file) {
                let mode = meta.permissions().mode() & 0o777;
                if mode & 0o044 != 0 {
                    log::warn!(
                        "{file} can be read by other users (mode {mode:03o}) and holds password hashes; `chmod 600` it"
                    );
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = backend;
}

/// One connection outside any pool, with the default settings.
pub fn connect(backend: &Backend) -> Result<AnyConnection, ConnectError> {
    r2d2::ManageConnection::connect(&ConnectionManager::new(backend.clone()))
}

/// The pool size unless `DATABASE_POOL_SIZE` says otherwise: sized to the
/// cores, since a connection is only busy while a core runs its query.
/// SQLite serialises writers anyway and its reads are CPU work, so two per
/// core (at most 8); PostgreSQL, where a connection also waits on the
/// server's own work and locks, four per core (at most 16).
pub fn default_pool_size(backend: &Backend) -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u32;
    match backend {
        Backend::Sqlite(_) => (2 * cores).clamp(2, 8),
        Backend::Postgres(_) => (4 * cores).clamp(4, 16),
    }
}

/// Builds the pool with the default waits (for the command line).
pub fn build_pool(backend: &Backend, max_size: Option<u32>) -> Result<DbPool, r2d2::Error> {
    build_pool_with(backend, max_size, POOL_WAIT, BUSY_TIMEOUT)
}

/// Builds the pool ([`default_pool_size`] connections unless told otherwise).
/// `pool_wait` bounds the wait for a free connection, `busy_timeout` the
/// wait for a lock inside the database.
pub fn build_pool_with(
    backend: &Backend,
    max_size: Option<u32>,
    pool_wait: Duration,
    busy_timeout: Duration,
) -> Result<DbPool, r2d2::Error> {
    let default = default_pool_size(backend);
    r2d2::Pool::builder()
        .max_size(max_size.unwrap_or(default))
        // r2d2 runs `SELECT 1` on every checkout by default. A SQLite
        // connection is a file handle in this process that no server can drop,
        // so there that was a statement parsed and run per request for nothing;
        // a PostgreSQL connection can die with its server, so it is still checked.
        .test_on_check_out(matches!(backend, Backend::Postgres(_)))
        .min_idle(Some(1))
        .connection_timeout(pool_wait)
        .build(ConnectionManager { backend: backend.clone(), busy_timeout })
}

/// An arbitrary constant naming panel-tracker's migration lock in PostgreSQL.
const MIGRATION_LOCK: i64 = 0x5041_4e45_4c54_524b;

/// Runs the embedded migrations of the connection's backend; returns how many ran.
/// Give it a connection of its own (see [`connect`]), not one from the pool:
/// on PostgreSQL it lifts the connection's time limits.
pub fn run_migrations(conn: &mut AnyConnection) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
    let ran = match conn {
        AnyConnection::Postgresql(c) => {
            // Instances starting together on one database take turns, and a
            // long migration (an index on a big table) may outlast the usual
            // per-statement limits, so this connection has none.
            c.batch_execute("SET lock_timeout = 0; SET statement_timeout = 0")?;
            c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
            let ran = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len());
            c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))?;
            ran?
        }
        AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS)?.len(),
    };
    Ok(ran)
}

/// SQLite's writers queue here, in the process, before `BEGIN IMMEDIATE`.
/// Left to SQLite, a writer that finds the lock taken sleeps in the busy
/// handler (1, 2, 5 ... 100 ms at a time) and may lose the lock again on
/// waking, so under load a few writes waited a second or more while others
/// went through; a mutex wakes the next writer as soon as the last commits.
/// SQLite serves one instance, so one process-wide queue is enough (several
/// SQLite files in one process, as in the tests, merely share it).
static SQLITE_WRITERS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `f` in one transaction that is a writer from its first statement.
///
/// On SQLite a plain (deferred) transaction that reads and then writes can
/// fail at once with SQLITE_BUSY when another writer got in between, and
/// `busy_timeout` does not help there; `BEGIN IMMEDIATE` takes the write lock
/// up front, waiting for it, so concurrent writers queue instead of failing,
/// in the process first ([`SQLITE_WRITERS`]).
/// PostgreSQL uses its ordinary transaction; row locks do the ordering there.
pub fn write_transaction<T, E, F>(conn: &mut AnyConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    if let AnyConnection::Sqlite(c) = conn {
        // A panic while holding it cannot leave a transaction open (the pool
        // discards such a connection), so a poisoned lock is still good.
        let _queue = SQLITE_WRITERS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
        let result = f(conn).and_then(|value| {
            crate::store::change_feed::assign_positions(conn)?;
            Ok(value)
        });
        let AnyConnection::Sqlite(c) = conn else {
            unreachable!("the connection cannot change backend inside a transaction")
        };
        return match result {
            Ok(value) => match AnsiTransactionManager::commit_transaction(c) {
                Ok(()) => Ok(value),
                Err(e) => {
                    let _ = AnsiTransactionManager::rollback_transaction(c);
                    Err(e.into())
                }
            },
            Err(e) => {
                AnsiTransactionManager::rollback_transaction(c)?;
                Err(e)
            }
        };
    }
    conn.transaction(|conn| {
        let value = f(conn)?;
        // Last, so the change feed's lock is held only for the commit.
        crate::store::change_feed::assign_positions(conn)?;
        Ok(value)
    })
}

/// Runs several reads against one consistent snapshot: a report built from
/// several queries must not see a change land half-way through.
pub fn snapshot<T, E, F>(conn: &mut AnyConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    conn.transaction(|conn| {
        // PostgreSQL's default (READ COMMITTED) takes a new snapshot per
        // statement; SQLite in WAL mode keeps one from the first read.
        if let AnyConnection::Postgresql(c) = conn {
            c.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
        }
        f(conn)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(QueryableByName)]
    struct Step {
        #[diesel(sql_type = diesel::sql_types::Text)]
        opcode: String,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        p1: i32,
    }

    /// Without the planner guarantee SQLite compiles a bound `LIMIT ?` into
    /// its program as the constant bound at the time (here 7), which is what
    /// forced it to plan the statement again on every new binding.
    #[test]
    fn sqlite_connections_plan_without_bound_values() {
        let dir = tempfile::tempdir().unwrap();
        let backend = Backend::Sqlite(dir.path().join("plan.db").to_string_lossy().into_owned());
        let mut conn = connect(&backend).unwrap();
        let program: Vec<Step> = diesel::sql_query("EXPLAIN SELECT 1 LIMIT ?")
            .bind::<diesel::sql_types::BigInt, _>(7)
            .load(&mut conn)
            .unwrap();
        let ops: Vec<(&str, i32)> = program.iter().map(|s| (s.opcode.as_str(), s.p1)).collect();
        assert!(ops.contains(&("Variable", 1)), "the limit is read from its parameter: {ops:?}");
        assert!(!ops.contains(&("Integer", 7)), "the bound limit was compiled in: {ops:?}");
    }

    fn result(log: i32, checkpointed: i32) -> CheckpointResult {
        CheckpointResult { busy: 0, log, checkpointed }
    }

    #[test]
    fn checkpoints_come_quickly_while_writes_arrive_and_back_off_when_idle() {
        // Anything new in the WAL: look again soon.
        assert_eq!(next_checkpoint_wait(None, result(0, 0), CHECKPOINT_IDLE), CHECKPOINT_BUSY);
        assert_eq!(next_checkpoint_wait(Some(result(10, 10)), result(40, 40), CHECKPOINT_IDLE), CHECKPOINT_BUSY);
        // A reader held the last frames back: try again soon too.
        let held = CheckpointResult { busy: 1, log: 40, checkpointed: 30 };
        assert_eq!(next_checkpoint_wait(Some(held), held, CHECKPOINT_IDLE), CHECKPOINT_BUSY);
        // Nothing new: wait twice as long each time, up to the idle wait.
        let mut wait = CHECKPOINT_BUSY;
        let mut waits = vec![];
        for _ in 0..8 {
            wait = next_checkpoint_wait(Some(result(40, 40)), result(40, 40), wait);
            waits.push(wait.as_millis());
        }
        assert_eq!(waits, [20, 40, 80, 160, 320, 500, 500, 500]);
    }

    #[test]
    fn sqlite_pragmas_keep_commits_durable() {
        let pragmas = sqlite_pragmas(BUSY_TIMEOUT);
        assert!(pragmas.contains("journal_mode = WAL"));
        assert!(pragmas.contains("synchronous = NORMAL"));
        assert!(pragmas.contains("foreign_keys = ON"));
        assert!(pragmas.starts_with("PRAGMA busy_timeout = 5000;"), "busy_timeout must come first: {pragmas}");
    }
}

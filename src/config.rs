//! Configuration, read from the environment (and an optional `.env` file,
//! loaded by `main`). Every variable is documented here, in the README and in
//! `.env.example`.

use std::path::PathBuf;
use std::time::Duration;

use crate::auth::network::{self, Network};
use crate::auth::secret::SecretSource;
use crate::db::Backend;
pub use crate::http::rate_limit::RateLimit;

/// Where the embedded SQLite database lives when `DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://panel-tracker.db";
pub const DEFAULT_BIND_ADDR: &str = "127.0.0.1:8080";

#[derive(Debug, Clone)]
pub struct Settings {
    /// `DATABASE_URL`: a SQLite path or `sqlite://path`, or a `postgres://` URL.
    pub database: Backend,
    /// `BIND_ADDR`: the address and port to listen on; port 0 picks a free port.
    pub bind_addr: String,
    /// `DATABASE_POOL_SIZE`: connections per instance (default `db::default_pool_size`:
    /// two per core on SQLite, at most 8; four per core on PostgreSQL, at most 16).
    pub pool_size: Option<u32>,
    /// `WORKERS`: HTTP worker threads (default: one per core).
    pub workers: Option<usize>,
    /// `JWT_SECRET` or `JWT_SECRET_FILE`; without either, a secret generated
    /// on first start in a file beside the SQLite database (or in the working
    /// directory for PostgreSQL).
    pub jwt_secret: SecretSource,
    /// `TOKEN_TTL_SECONDS`: lifetime of a person's token (default 3600).
    pub token_ttl_secs: i64,
    /// `SERVICE_TOKEN_TTL_DAYS`: default lifetime of a service credential (default 365).
    pub service_token_ttl_days: i64,
    /// `SSO_ISSUER`, `SSO_AUDIENCE`, `SSO_JWKS_FILE`, `SSO_ROLE_CLAIM` (default
    /// `groups`), `SSO_ROLE_MAP` (`value=role,...`): optional single sign-on.
    pub sso: Option<SsoSettings>,
    /// The limits that protect the service from slow clients and a saturated database.
    pub limits: Limits,
    /// `TRUSTED_PROXIES`: comma-separated addresses or CIDR networks of the
    /// load balancers in front of the service (default none). Only from these
    /// is `X-Forwarded-For` believed, to find the client's address for
    /// sign-in throttling.
    pub trusted_proxies: Vec<Network>,
    /// The web pages' cookie sessions.
    pub sessions: SessionSettings,
    /// `PUBLIC_RATE_LIMIT_PER_MINUTE` (default 120) and `PUBLIC_RATE_LIMIT_BURST`
    /// (default 60): requests for public pages and the public API each client
    /// address may make, per instance (see `http::rate_limit`).
    pub public_rate_limit: RateLimit,
    /// Where and how webhooks are delivered.
    pub webhooks: WebhookSettings,
    /// Reminders to owners before meetings.
    pub reminders: ReminderSettings,
}

/// Reminders before each meeting (see `crate::reminders`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderSettings {
    /// `REMINDER_LEAD_DAYS` (default `10,2`): how many days before a meeting
    /// the owners of actions due at it that await a response are reminded.
    pub lead_days: Vec<u32>,
    /// `REMINDER_POLL_SECONDS` (default 300): how often each instance looks
    /// for reminders that are due.
    pub poll_interval: Duration,
    /// `SMTP_URL` (unset: no emails, webhooks only): the mail server, e.g.
    /// `smtps://user:password@mail.council.example` or
    /// `smtp://mail.council.example:587?tls=required` (lettre's URL form).
    pub smtp_url: Option<String>,
    /// `SMTP_FROM` (default `panel-tracker <noreply@localhost>`): the sender.
    pub smtp_from: String,
    /// `PUBLIC_URL`: the address the links in reminders start with.
    pub public_url: Option<String>,
}

impl Default for ReminderSettings {
    fn default() -> Self {
        ReminderSettings {
            lead_days: vec![10, 2],
            poll_interval: Duration::from_secs(300),
            smtp_url: None,
            smtp_from: "panel-tracker <noreply@localhost>".into(),
            public_url: None,
        }
    }
}

/// Webhook deliveries (see `crate::webhooks`).
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookSettings {
    /// `WEBHOOK_ALLOW_HTTP` (`true`/`false`, default false) and
    /// `WEBHOOK_ALLOW_PRIVATE_ADDRESSES` (default false): whether webhooks may
    /// use plain `http://` and reach private, loopback or link-local addresses
    /// (a receiver on the council's own network). Off, only public `https`
    /// destinations are accepted and connected to.
    pub destinations: crate::domain::webhook::DestinationPolicy,
    /// `WEBHOOK_TIMEOUT_SECONDS` (default 10): how long one attempt may take,
    /// connecting included; no redirect is ever followed.
    pub timeout: Duration,
    /// `WEBHOOK_POLL_MILLISECONDS` (default 1000): how often each instance's
    /// worker looks for deliveries that are due.
    pub poll_interval: Duration,
    /// `WEBHOOK_RETRY_SCHEDULE`: the waits after each failed attempt, in
    /// seconds, comma-separated (default 5,300,1800,7200,18000,36000,50400,
    /// 72000,72000: about three days), each with up to 20% jitter; when they
    /// are spent the delivery has failed and the webhook is disabled.
    pub retry_schedule: Vec<Duration>,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            destinations: Default::default(),
            timeout: Duration::from_secs(10),
            poll_interval: Duration::from_millis(1000),
            retry_schedule: crate::domain::webhook::DEFAULT_SCHEDULE.iter().map(|s| Duration::from_secs(*s)).collect(),
        }
    }
}

/// Browser sessions for the web pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionSettings {
    /// `SESSION_IDLE_MINUTES` (default 120): a session unused this long ends.
    /// Long enough for a meeting's break, short enough for a shared laptop.
    pub idle: Duration,
    /// `SESSION_MAX_HOURS` (default 12): a session ends this long after sign-in, used or not.
    pub absolute: Duration,
    /// From `PUBLIC_URL` (the address people type, e.g. `https://panel.council.example`):
    /// when it starts with `https://` the session cookie is `Secure` and named with
    /// the `__Host-` prefix. The service cannot see TLS ended at a load balancer,
    /// so it is told rather than guessing from headers a client could forge.
    pub secure_cookies: bool,
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            idle: Duration::from_secs(120 * 60),
            absolute: Duration::from_secs(12 * 3600),
            secure_cookies: false,
        }
    }
}

/// Time limits, each from its own variable. The defaults suit a council
/// network; tests shorten them so a slow client is cut off in a second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `REQUEST_TIMEOUT_SECONDS` (default 10): how long a client may take to
    /// send its request head, and again its body, before it is cut off.
    pub request_timeout: Duration,
    /// `KEEP_ALIVE_SECONDS` (default 30): how long an idle connection is kept open.
    pub keep_alive: Duration,
    /// `DATABASE_POOL_WAIT_MS` (default 5000): how long a request waits for a
    /// database connection before it is answered 503 with `Retry-After`.
    pub pool_wait: Duration,
    /// `DATABASE_BUSY_TIMEOUT_MS` (default 5000): how long one statement waits
    /// for a lock another writer holds (SQLite `busy_timeout`, PostgreSQL
    /// `lock_timeout`) before the request is answered 503 instead of hanging.
    pub busy_timeout: Duration,
    /// `EXTRACTION_TIME_LIMIT_MS` (default 10000): how long one extraction of
    /// commitments from minutes may take, waiting for its turn included,
    /// before it is stopped and answered 503 with `Retry-After`.
    pub extraction_time_limit: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            request_timeout: Duration::from_secs(10),
            keep_alive: Duration::from_secs(30),
            pool_wait: Duration::from_millis(5000),
            busy_timeout: Duration::from_millis(5000),
            extraction_time_limit: Duration::from_millis(10_000),
        }
    }
}

#[derive(Debug, Clone)]
pub struct SsoSettings {
    pub issuer: String,
    pub audience: String,
    pub jwks_file: PathBuf,
    pub role_claim: String,
    pub role_map: String,
}

impl Settings {
    /// Reads the settings; an invalid value is an error, not a silent default.
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let database = Backend::parse(&get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into()))?;
        let bind_addr = get("BIND_ADDR").unwrap_or_else(|| DEFAULT_BIND_ADDR.into());
        let pool_size = get("DATABASE_POOL_SIZE")
            .map(|v| v.parse::<u32>().ok().filter(|n| (1..=512).contains(n)))
            .map(|v| v.ok_or("DATABASE_POOL_SIZE must be a number from 1 to 512"))
            .transpose()?;
        let workers = get("WORKERS")
            .map(|v| v.parse::<usize>().ok().filter(|n| (1..=256).contains(n)))
            .map(|v| v.ok_or("WORKERS must be a number from 1 to 256"))
            .transpose()?;
        let jwt_secret = jwt_secret(&get, &database)?;
        let token_ttl_secs = number(&get, "TOKEN_TTL_SECONDS", 3600, 7 * 24 * 3600)?;
        let service_token_ttl_days = number(&get, "SERVICE_TOKEN_TTL_DAYS", 365, 3650)?;
        let sso = sso_settings(&get)?;
        let limits = limits(&get)?;
        let trusted_proxies = network::parse_networks(&get("TRUSTED_PROXIES").unwrap_or_default())
            .map_err(|e| format!("TRUSTED_PROXIES: {e}"))?;
        let sessions = session_settings(&get)?;
        let defaults = RateLimit::default();
        let public_rate_limit = RateLimit {
            per_minute: number(&get, "PUBLIC_RATE_LIMIT_PER_MINUTE", defaults.per_minute.into(), 1_000_000)? as u32,
            burst: number(&get, "PUBLIC_RATE_LIMIT_BURST", defaults.burst.into(), 1_000_000)? as u32,
        };
        let webhooks = webhook_settings(&get)?;
        let reminders = reminder_settings(&get)?;
        Ok(Settings {
            reminders,
            webhooks,
            public_rate_limit,
            sessions,
            trusted_proxies,
            database,
            bind_addr,
            pool_size,
            workers,
            jwt_secret,
            token_ttl_secs,
            service_token_ttl_days,
            sso,
            limits,
        })
    }
}

/// `name` as a number from 1 to `max`, `default` when it is not set.
fn number(get: &impl Fn(&str) -> Option<String>, name: &str, default: i64, max: i64) -> Result<i64, String> {
    match get(name) {
        None => Ok(default),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| format!("{name} must be a number from 1 to {max}")),
    }
}

/// Where the token signing secret comes from: `JWT_SECRET`, `JWT_SECRET_FILE`,
/// or a file generated beside the database.
fn jwt_secret(get: &impl Fn(&str) -> Option<String>, database: &Backend) -> Result<SecretSource, String> {
    Ok(match (get("JWT_SECRET"), get("JWT_SECRET_FILE")) {
        (Some(_), Some(_)) => return Err("set JWT_SECRET or JWT_SECRET_FILE, not both".into()),
        (Some(value), None) => SecretSource::Value(value),
        (None, Some(file)) => SecretSource::File(file.into()),
        (None, None) => SecretSource::Generated(match database {
            Backend::Sqlite(path) => PathBuf::from(format!("{path}.jwt-secret")),
            Backend::Postgres(_) => PathBuf::from("panel-tracker.jwt-secret"),
        }),
    })
}

/// Single sign-on: all of `SSO_ISSUER`, `SSO_AUDIENCE`, `SSO_JWKS_FILE` and
/// `SSO_ROLE_MAP`, or none of them.
fn sso_settings(get: &impl Fn(&str) -> Option<String>) -> Result<Option<SsoSettings>, String> {
    match (get("SSO_ISSUER"), get("SSO_AUDIENCE"), get("SSO_JWKS_FILE"), get("SSO_ROLE_MAP")) {
        (None, None, None, None) => Ok(None),
        (Some(issuer), Some(audience), Some(jwks), Some(role_map)) => Ok(Some(SsoSettings {
            issuer,
            audience,
            jwks_file: jwks.into(),
            role_claim: get("SSO_ROLE_CLAIM").unwrap_or_else(|| "groups".into()),
            role_map,
        })),
        _ => Err("single sign-on needs SSO_ISSUER, SSO_AUDIENCE, SSO_JWKS_FILE and SSO_ROLE_MAP together".into()),
    }
}

/// `name` as `true` or `false`, `false` when it is not set.
fn flag(get: &impl Fn(&str) -> Option<String>, name: &str) -> Result<bool, String> {
    match get(name).as_deref() {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(format!("{name} must be true or false")),
    }
}

fn reminder_settings(get: &impl Fn(&str) -> Option<String>) -> Result<ReminderSettings, String> {
    let defaults = ReminderSettings::default();
    let lead_days = match get("REMINDER_LEAD_DAYS") {
        None => defaults.lead_days,
        Some(text) => {
            let mut days = text
                .split(',')
                .map(|d| d.trim().parse::<u32>().ok().filter(|d| (1..=90).contains(d)))
                .collect::<Option<Vec<_>>>()
                .filter(|d| !d.is_empty() && d.len() <= 10)
                .ok_or("REMINDER_LEAD_DAYS must be 1 to 10 numbers of days (1 to 90), comma-separated")?;
            days.sort_unstable_by(|a, b| b.cmp(a));
            days.dedup();
            days
        }
    };
    let smtp_url = get("SMTP_URL").filter(|u| !u.is_empty());
    if let Some(url) = &smtp_url {
        if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
            return Err("SMTP_URL must start with smtp:// or smtps://".into());
        }
    }
    let smtp_from = get("SMTP_FROM").unwrap_or(defaults.smtp_from);
    if smtp_from.parse::<lettre::message::Mailbox>().is_err() {
        return Err("SMTP_FROM must be an address, e.g. Panel tracker <panel@council.example>".into());
    }
    Ok(ReminderSettings {
        lead_days,
        poll_interval: Duration::from_secs(number(get, "REMINDER_POLL_SECONDS", 300, 86_400)? as u64),
        smtp_url,
        smtp_from,
        public_url: get("PUBLIC_URL").map(|u| u.trim_end_matches('/').to_string()),
    })
}

fn webhook_settings(get: &impl Fn(&str) -> Option<String>) -> Result<WebhookSettings, String> {
    let defaults = WebhookSettings::default();
    let retry_schedule = match get("WEBHOOK_RETRY_SCHEDULE") {
        None => defaults.retry_schedule,
        Some(text) => text
            .split(',')
            .map(|s| s.trim().parse::<f64>().ok().filter(|s| (0.0..=7.0 * 86400.0).contains(s)))
            .map(|s| s.map(Duration::from_secs_f64))
            .collect::<Option<Vec<_>>>()
            .filter(|s| !s.is_empty() && s.len() <= 50)
            .ok_or("WEBHOOK_RETRY_SCHEDULE must be 1 to 50 waits in seconds (0 to 604800), comma-separated")?,
    };
    Ok(WebhookSettings {
        destinations: crate::domain::webhook::DestinationPolicy {
            allow_http: flag(get, "WEBHOOK_ALLOW_HTTP")?,
            allow_private: flag(get, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES")?,
        },
        timeout: Duration::from_secs(number(get, "WEBHOOK_TIMEOUT_SECONDS", 10, 120)? as u64),
        poll_interval: Duration::from_millis(number(get, "WEBHOOK_POLL_MILLISECONDS", 1000, 60_000)? as u64),
        retry_schedule,
    })
}

/// Session timeouts and whether cookies need TLS, from `PUBLIC_URL`.
fn session_settings(get: &impl Fn(&str) -> Option<String>) -> Result<SessionSettings, String> {
    let secure_cookies = match get("PUBLIC_URL") {
        None => false,
        Some(url) if url.starts_with("https://") => true,
        Some(url) if url.starts_with("http://") => false,
        Some(_) => return Err("PUBLIC_URL must start with https:// (or http:// when not served over TLS)".into()),
    };
    Ok(SessionSettings {
        idle: Duration::from_secs(number(get, "SESSION_IDLE_MINUTES", 120, 7 * 24 * 60)? as u64 * 60),
        absolute: Duration::from_secs(number(get, "SESSION_MAX_HOURS", 12, 30 * 24)? as u64 * 3600),
        secure_cookies,
    })
}

/// The time limits, each from its setting or [`Limits::default`].
fn limits(get: &impl Fn(&str) -> Option<String>) -> Result<Limits, String> {
    let defaults = Limits::default();
    let seconds = |name: &str, default: Duration, max: i64| -> Result<Duration, String> {
        Ok(Duration::from_secs(number(get, name, default.as_secs() as i64, max)? as u64))
    };
    let millis = |name: &str, default: Duration, max: i64| -> Result<Duration, String> {
        Ok(Duration::from_millis(number(get, name, default.as_millis() as i64, max)? as u64))
    };
    Ok(Limits {
        request_timeout: seconds("REQUEST_TIMEOUT_SECONDS", defaults.request_timeout, 600)?,
        keep_alive: seconds("KEEP_ALIVE_SECONDS", defaults.keep_alive, 3600)?,
        pool_wait: millis("DATABASE_POOL_WAIT_MS", defaults.pool_wait, 60_000)?,
        busy_timeout: millis("DATABASE_BUSY_TIMEOUT_MS", defaults.busy_timeout, 60_000)?,
        extraction_time_limit: millis("EXTRACTION_TIME_LIMIT_MS", defaults.extraction_time_limit, 600_000)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, String> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn reminder_settings() {
        let s = settings(&[]).unwrap().reminders;
        assert_eq!(s, ReminderSettings::default());
        let s = settings(&[("REMINDER_LEAD_DAYS", "2, 10,10"), ("SMTP_URL", "smtp://127.0.0.1:2525")]).unwrap();
        assert_eq!(s.reminders.lead_days, vec![10, 2]);
        assert_eq!(s.reminders.smtp_url.as_deref(), Some("smtp://127.0.0.1:2525"));
        for bad in [("REMINDER_LEAD_DAYS", "0"), ("SMTP_URL", "http://mail"), ("SMTP_FROM", "not an address")] {
            assert!(settings(&[bad]).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn webhook_settings_are_safe_by_default() {
        let s = settings(&[]).unwrap().webhooks;
        assert_eq!(s, WebhookSettings::default());
        assert!(!s.destinations.allow_http && !s.destinations.allow_private);
        let s = settings(&[
            ("WEBHOOK_ALLOW_HTTP", "true"),
            ("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "true"),
            ("WEBHOOK_RETRY_SCHEDULE", "0.5, 1,2"),
        ])
        .unwrap()
        .webhooks;
        assert!(s.destinations.allow_http && s.destinations.allow_private);
        assert_eq!(s.retry_schedule, vec![Duration::from_millis(500), Duration::from_secs(1), Duration::from_secs(2)]);
        for bad in [("WEBHOOK_ALLOW_HTTP", "yes"), ("WEBHOOK_RETRY_SCHEDULE", ""), ("WEBHOOK_RETRY_SCHEDULE", "5,-1")] {
            assert!(settings(&[bad]).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn defaults_need_no_setup() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.database, Backend::Sqlite("panel-tracker.db".into()));
        assert_eq!(s.bind_addr, "127.0.0.1:8080");
        assert_eq!(s.pool_size, None);
        assert_eq!(s.token_ttl_secs, 3600);
        assert!(matches!(s.jwt_secret, SecretSource::Generated(ref p) if p.ends_with("panel-tracker.db.jwt-secret")));
        assert!(s.sso.is_none());
        assert_eq!(s.limits, Limits::default());
        assert!(s.trusted_proxies.is_empty());
        assert_eq!(s.sessions, SessionSettings::default());
    }

    #[test]
    fn sessions_are_secure_behind_an_https_address() {
        assert!(settings(&[("PUBLIC_URL", "https://panel.council.example")]).unwrap().sessions.secure_cookies);
        assert!(!settings(&[("PUBLIC_URL", "http://127.0.0.1:8080")]).unwrap().sessions.secure_cookies);
        assert!(settings(&[("PUBLIC_URL", "panel.council.example")]).is_err());
        assert!(settings(&[("SESSION_IDLE_MINUTES", "0")]).is_err());
        let s = settings(&[("SESSION_IDLE_MINUTES", "15"), ("SESSION_MAX_HOURS", "8")]).unwrap().sessions;
        assert_eq!((s.idle, s.absolute), (Duration::from_secs(900), Duration::from_secs(8 * 3600)));
    }

    #[test]
    fn invalid_values_are_refused() {
        assert!(settings(&[("DATABASE_POOL_SIZE", "0")]).is_err());
        assert!(settings(&[("DATABASE_POOL_SIZE", "many")]).is_err());
        assert!(settings(&[("WORKERS", "-1")]).is_err());
        assert!(settings(&[("DATABASE_URL", "mysql://x")]).is_err());
        assert_eq!(settings(&[("DATABASE_POOL_SIZE", "4")]).unwrap().pool_size, Some(4));
        assert!(settings(&[("JWT_SECRET", "x"), ("JWT_SECRET_FILE", "y")]).is_err());
        assert!(settings(&[("SSO_ISSUER", "https://idp")]).is_err(), "partial SSO settings");
        assert!(settings(&[("TOKEN_TTL_SECONDS", "0")]).is_err());
        assert!(settings(&[("REQUEST_TIMEOUT_SECONDS", "0")]).is_err());
        assert!(settings(&[("TRUSTED_PROXIES", "10.0.0.0/8, load-balancer")]).is_err());
        assert_eq!(settings(&[("TRUSTED_PROXIES", "10.0.0.0/8,192.0.2.1")]).unwrap().trusted_proxies.len(), 2);
        assert_eq!(settings(&[]).unwrap().public_rate_limit, RateLimit { per_minute: 120, burst: 60 });
        let rate = settings(&[("PUBLIC_RATE_LIMIT_PER_MINUTE", "600"), ("PUBLIC_RATE_LIMIT_BURST", "20")]).unwrap();
        assert_eq!(rate.public_rate_limit, RateLimit { per_minute: 600, burst: 20 });
        assert!(settings(&[("PUBLIC_RATE_LIMIT_BURST", "0")]).is_err());
        assert!(settings(&[("DATABASE_POOL_WAIT_MS", "forever")]).is_err());
        let limits = settings(&[("KEEP_ALIVE_SECONDS", "5"), ("DATABASE_BUSY_TIMEOUT_MS", "250")]).unwrap().limits;
        assert_eq!(limits.keep_alive, Duration::from_secs(5));
        assert_eq!(limits.busy_timeout, Duration::from_millis(250));
        assert_eq!(limits.request_timeout, Duration::from_secs(10));
        assert_eq!(limits.extraction_time_limit, Duration::from_secs(10));
        assert!(settings(&[("EXTRACTION_TIME_LIMIT_MS", "0")]).is_err());
        let limits = settings(&[("EXTRACTION_TIME_LIMIT_MS", "2500")]).unwrap().limits;
        assert_eq!(limits.extraction_time_limit, Duration::from_millis(2500));
    }
}

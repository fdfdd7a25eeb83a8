//! Configuration, read from the environment (and an optional `.env` file,
//! loaded by `main`). Every variable is documented here, in the README and in
//! `.env.example`.

use crate::db::Backend;

/// Where the embedded SQLite database lives when `DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://panel-tracker.db";
pub const DEFAULT_BIND_ADDR: &str = "127.0.0.1:8080";

#[derive(Debug, Clone)]
pub struct Settings {
    /// `DATABASE_URL`: a SQLite path or `sqlite://path`, or a `postgres://` URL.
    pub database: Backend,
    /// `BIND_ADDR`: the address and port to listen on; port 0 picks a free port.
    pub bind_addr: String,
    /// `DATABASE_POOL_SIZE`: connections per instance (default 8 on SQLite, 16 on PostgreSQL).
    pub pool_size: Option<u32>,
    /// `WORKERS`: HTTP worker threads (default: one per core).
    pub workers: Option<usize>,
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
        Ok(Settings { database, bind_addr, pool_size, workers })
    }
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
    fn defaults_need_no_setup() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.database, Backend::Sqlite("panel-tracker.db".into()));
        assert_eq!(s.bind_addr, "127.0.0.1:8080");
        assert_eq!(s.pool_size, None);
    }

    #[test]
    fn invalid_values_are_refused() {
        assert!(settings(&[("DATABASE_POOL_SIZE", "0")]).is_err());
        assert!(settings(&[("DATABASE_POOL_SIZE", "many")]).is_err());
        assert!(settings(&[("WORKERS", "-1")]).is_err());
        assert!(settings(&[("DATABASE_URL", "mysql://x")]).is_err());
        assert_eq!(settings(&[("DATABASE_POOL_SIZE", "4")]).unwrap().pool_size, Some(4));
    }
}

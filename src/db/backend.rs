//! Which database `DATABASE_URL` names. Pure, so the rules are unit-tested.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub enum Backend {
    /// A `postgres://` or `postgresql://` URL, passed to libpq as it is.
    Postgres(String),
    /// A SQLite file path (from a bare path or a `sqlite://` URL).
    Sqlite(String),
}

impl Backend {
    /// Reads a `DATABASE_URL`: `postgres://…`/`postgresql://…`, `sqlite://path`,
    /// `sqlite:path`, or a bare file path.
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.is_empty() {
            return Err("DATABASE_URL is empty".into());
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Backend::Postgres(url.to_string()));
        }
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        if path.is_empty() {
            return Err("DATABASE_URL names no SQLite file".into());
        }
        if let Some((scheme, _)) = path.split_once("://") {
            return Err(format!(
                "DATABASE_URL has an unsupported scheme `{scheme}`: use postgres://, sqlite:// or a file path"
            ));
        }
        Ok(Backend::Sqlite(path.to_string()))
    }

    pub fn name(&self) -> &'static str {
        match self {
            Backend::Postgres(_) => "PostgreSQL",
            Backend::Sqlite(_) => "SQLite",
        }
    }
}

/// Shows where the data is without printing a password that a URL may carry.
impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Backend::Sqlite(path) => write!(f, "SQLite file {path}"),
            Backend::Postgres(url) => {
                let shown = match (url.find("://"), url.rfind('@')) {
                    (Some(s), Some(at)) if at > s => {
                        let userinfo = &url[s + 3..at];
                        let user = userinfo.split(':').next().unwrap_or("");
                        if userinfo.contains(':') {
                            format!("{}{}:***{}", &url[..s + 3], user, &url[at..])
                        } else {
                            url.clone()
                        }
                    }
                    _ => url.clone(),
                };
                write!(f, "PostgreSQL {shown}")
            }
        }
    }
}

impl fmt::Debug for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_choose_the_backend() {
        assert_eq!(Backend::parse("postgres://u@h/db").unwrap(), Backend::Postgres("postgres://u@h/db".into()));
        assert_eq!(Backend::parse("postgresql://h/db").unwrap(), Backend::Postgres("postgresql://h/db".into()));
        assert_eq!(Backend::parse("sqlite://data/x.db").unwrap(), Backend::Sqlite("data/x.db".into()));
        assert_eq!(Backend::parse("sqlite:x.db").unwrap(), Backend::Sqlite("x.db".into()));
        assert_eq!(Backend::parse("panel.db").unwrap(), Backend::Sqlite("panel.db".into()));
        assert!(Backend::parse("mysql://h/db").is_err());
        assert!(Backend::parse("  ").is_err());
        assert!(Backend::parse("sqlite://").is_err());
    }

    #[test]
    fn display_hides_the_password() {
        let b = Backend::parse("postgres://app:s3cret@db:5432/panel").unwrap();
        let shown = b.to_string();
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("app:***@db:5432/panel"), "{shown}");
        assert!(!format!("{b:?}").contains("s3cret"));
    }
}

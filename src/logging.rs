//! The log: env_logger with a format that escapes control characters in
//! every message. Much of what is logged comes from requests (a token's
//! `kid`, a path, a User-Agent, a database error quoting a value), and a
//! newline or terminal escape in it must not forge a line or rewrite the
//! operator's screen.

use std::fmt::{self, Write as _};
use std::io::Write as _;

/// Starts the logger; `RUST_LOG` filters it (default `info`).
pub fn init() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format(|buf, record| {
            let timestamp = buf.timestamp();
            writeln!(buf, "[{timestamp} {:<5} {}] {}", record.level(), record.target(), Escaped(record.args()))
        })
        .init();
    // A panic's message can quote request text (a slice of the minutes, a
    // header): it goes through the same escaping rather than raw to stderr.
    std::panic::set_hook(Box::new(|info| log::error!("panic: {}", Escaped(info))));
}

/// The request line as the access log shows it, with the value of any
/// `token` query parameter (the secret in a calendar feed's address, which a
/// calendar program can only send there) replaced, so secrets stay out of the log.
pub fn request_line(req: &actix_web::dev::ServiceRequest) -> String {
    let query = req.query_string();
    let query = if query.is_empty() { String::new() } else { format!("?{}", redact_query(query)) };
    format!("{} {}{query} {:?}", req.method(), req.path(), req.version())
}

fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| {
            let key = serde_urlencoded::from_str::<Vec<(String, String)>>(pair)
                .ok()
                .and_then(|pairs| pairs.into_iter().next())
                .map(|(k, _)| k);
            match key {
                Some(k) if k.trim().eq_ignore_ascii_case("token") => {
                    format!("{}=[redacted]", pair.split('=').next().unwrap_or(""))
                }
                _ => pair.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Displays its value with every control character (and the Unicode line
/// and paragraph separators and bidirectional overrides, which some viewers
/// act on) written as an escape such as `\n` or `\u{1b}`, and a backslash
/// doubled, so a client's literal `\n` cannot pass for an escaped line break.
pub struct Escaped<T>(pub T);

impl<T: fmt::Display> fmt::Display for Escaped<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(EscapingWriter(f), "{}", self.0)
    }
}

struct EscapingWriter<'a, 'b>(&'a mut fmt::Formatter<'b>);

impl fmt::Write for EscapingWriter<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut rest = s;
        while let Some(at) = rest.find(needs_escape) {
            self.0.write_str(&rest[..at])?;
            let c = rest[at..].chars().next().unwrap_or_default();
            write!(self.0, "{}", c.escape_default())?;
            rest = &rest[at + c.len_utf8()..];
        }
        self.0.write_str(rest)
    }
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\\' | '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::{redact_query, Escaped};

    #[test]
    fn feed_secrets_are_not_logged() {
        assert_eq!(redact_query("token=cal_abc"), "token=[redacted]");
        assert_eq!(redact_query("a=1&%74oken=cal_abc&b=2"), "a=1&%74oken=[redacted]&b=2");
        assert_eq!(redact_query("TOKEN=x&tokens=y"), "TOKEN=[redacted]&tokens=y");
        assert_eq!(redact_query("q=token"), "q=token");
    }

    #[test]
    fn control_characters_cannot_start_a_line_or_drive_a_terminal() {
        let kid = "k1\n[2026-12-04T10:00:00Z INFO  panel_tracker] admin signed in\r\u{1b}[2J\u{202e}";
        let logged = format!("{}", Escaped(format_args!("unknown kid {kid}")));
        assert_eq!(
            logged,
            "unknown kid k1\\n[2026-12-04T10:00:00Z INFO  panel_tracker] admin signed in\\r\\u{1b}[2J\\u{202e}"
        );
        assert!(!logged.chars().any(char::is_control));
        assert_eq!(format!("{}", Escaped("plain, with ünïcode")), "plain, with ünïcode");
        assert_eq!(format!("{}", Escaped("a literal \\n and a real \n")), "a literal \\\\n and a real \\n");
    }
}

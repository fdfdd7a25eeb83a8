//! Webhooks, the pure parts: which destinations are allowed, which changes a
//! webhook wants, the Standard Webhooks signature, secrets and the retry
//! schedule. The sending is in `crate::webhooks`.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::error::FieldError;

/// The longest destination URL accepted.
pub const MAX_URL: usize = 2000;

/// What an admin allows beyond the safe defaults (the tests allow both).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DestinationPolicy {
    /// `http://` destinations as well as `https://`.
    pub allow_http: bool,
    /// Private, loopback, link-local and other internal addresses.
    pub allow_private: bool,
}

/// A destination that passed [`DestinationPolicy`]'s checks on its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    /// Checks a URL: `https` (or `http` when allowed), a host, no user
    /// name or password, no fragment; an address given as the host must be
    /// public unless allowed. A name is checked again when it is resolved,
    /// on the addresses actually connected to.
    pub fn parse(field: &str, url: &str, policy: DestinationPolicy) -> Result<WebhookUrl, FieldError> {
        let refuse = |message: &str| Err(FieldError::new(field, message));
        let url = url.trim();
        if url.is_empty() || url.len() > MAX_URL {
            return refuse(&format!("must be a URL of 1 to {MAX_URL} characters"));
        }
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) || url.contains('#') {
            return refuse("must be a URL without spaces, control characters or a fragment");
        }
        let Ok(uri) = url.parse::<actix_web::http::Uri>() else { return refuse("is not a valid URL") };
        match uri.scheme_str() {
            Some("https") => {}
            Some("http") if policy.allow_http => {}
            Some("http") => return refuse("must use https"),
            _ => return refuse("must be an https:// URL"),
        }
        let Some(authority) = uri.authority() else { return refuse("must name a host") };
        if authority.as_str().contains('@') {
            return refuse("must not carry a user name or password");
        }
        let host = authority.host();
        if host.is_empty() {
            return refuse("must name a host");
        }
        if let Some(ip) = ip_literal(host) {
            if !policy.allow_private && is_internal(ip) {
                return refuse("names a private, loopback or otherwise internal address");
            }
        }
        Ok(WebhookUrl(url.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The address a host names when it is an address (`[::1]` included).
pub fn ip_literal(host: &str) -> Option<IpAddr> {
    host.trim_start_matches('[').trim_end_matches(']').parse().ok()
}

/// Addresses no webhook may reach unless allowed: private networks,
/// loopback, link-local (cloud metadata lives there), shared and reserved
/// ranges, multicast, unspecified; IPv4 inside IPv6 judged as IPv4.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => {
            // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d).
            if let Some(v4) = v6.to_ipv4() {
                return is_internal_v4(v4);
            }
            let s = v6.segments();
            let embedded = |hi: u16, lo: u16| {
                let [a, b] = hi.to_be_bytes();
                let [c, d] = lo.to_be_bytes();
                Ipv4Addr::new(a, b, c, d)
            };
            // 6to4 (2002::/16) carries an IPv4 address after its prefix.
            if s[0] == 0x2002 {
                return is_internal_v4(embedded(s[1], s[2]));
            }
            // NAT64 (64:ff9b::/96) reaches the IPv4 address it embeds.
            if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
                return is_internal_v4(embedded(s[6], s[7]));
            }
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link-local
                || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x2001 && s[1] == 0) // Teredo: reaches an address it hides
                || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1) // local NAT64
                || (s[0] == 0x100 && s[1..4] == [0, 0, 0]) // discard
        }
    }
}

fn is_internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, _, _] = ip.octets();
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared (carrier-grade NAT)
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240 // reserved
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || (a == 192 && b == 88 && ip.octets()[2] == 99) // 6to4 relay anycast
}

pub use super::change::EventType;

impl std::str::FromStr for EventType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        serde_json::from_value(serde_json::Value::from(s)).map_err(|_| format!("unknown event type `{s}`"))
    }
}

/// What a webhook wants: event types and committees, each empty for all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subscription {
    pub event_types: Vec<EventType>,
    pub committee_ids: Vec<i64>,
}

impl Subscription {
    pub fn wants(&self, event: impl Into<EventType>, committee_id: i64) -> bool {
        let event = event.into();
        (self.event_types.is_empty() || self.event_types.contains(&event))
            && (self.committee_ids.is_empty() || self.committee_ids.contains(&committee_id))
    }

    /// As stored: comma-separated.
    pub fn event_types_text(&self) -> String {
        self.event_types.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(",")
    }

    pub fn committee_ids_text(&self) -> String {
        self.committee_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
    }

    /// Reads what [`Self::event_types_text`] and [`Self::committee_ids_text`] wrote.
    pub fn from_text(event_types: &str, committee_ids: &str) -> Subscription {
        Subscription {
            event_types: event_types.split(',').filter_map(|t| t.parse().ok()).collect(),
            committee_ids: committee_ids.split(',').filter_map(|c| c.parse().ok()).collect(),
        }
    }
}

/// A new signing secret: `whsec_` and 32 random bytes in base64, the form
/// the Standard Webhooks libraries take.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random numbers");
    format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// The Standard Webhooks signature of a delivery under one secret:
/// `v1,` and the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed with
/// the secret's bytes.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = base64::engine::general_purpose::STANDARD.decode(secret.strip_prefix("whsec_").unwrap_or(secret)).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    Some(format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())))
}

/// The default retry schedule: after the first attempt fails, wait 5 s,
/// 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 20 h (about three days in
/// all), each with up to 20% jitter; then the delivery has failed.
pub const DEFAULT_SCHEDULE: [u64; 9] = [5, 300, 1800, 7200, 18_000, 36_000, 50_400, 72_000, 72_000];

/// The wait before the next attempt after `attempts` failed ones, or `None`
/// when the schedule is spent. `jitter` in [0, 1) spreads retries by up to
/// a fifth so receivers coming back are not hit all at once.
pub fn next_wait(schedule: &[Duration], attempts: usize, jitter: f64) -> Option<Duration> {
    let base = *schedule.get(attempts.checked_sub(1)?)?;
    Some(base + base.mul_f64(jitter.clamp(0.0, 1.0) * 0.2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::change::ChangeType;

    fn policy(allow_http: bool, allow_private: bool) -> DestinationPolicy {
        DestinationPolicy { allow_http, allow_private }
    }

    #[test]
    fn destinations_are_https_and_public_unless_allowed() {
        let strict = policy(false, false);
        assert!(WebhookUrl::parse("url", "https://cms.council.example/hooks/panel", strict).is_ok());
        assert!(WebhookUrl::parse("url", "https://203.0.114.7:8443/in", strict).is_ok());
        for bad in [
            "http://cms.council.example/hooks",
            "ftp://cms.council.example/",
            "https://user:pass@cms.council.example/",
            "https://cms.council.example/#frag",
            "https:///nohost",
            "https://127.0.0.1/",
            "https://10.1.2.3/",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/",
            "https://[fd00::1]/",
            "https://[::ffff:192.168.0.1]/",
            "https://0.0.0.0/",
            "not a url",
            "",
        ] {
            assert!(WebhookUrl::parse("url", bad, strict).is_err(), "{bad}");
        }
        assert!(WebhookUrl::parse("url", &format!("https://a.example/{}", "x".repeat(MAX_URL)), strict).is_err());
        let open = policy(true, true);
        assert!(WebhookUrl::parse("url", "http://127.0.0.1:9000/hook", open).is_ok());
        // Odd but well-formed: what the OpenAPI document's pattern admits is taken.
        for odd in [
            "https://-",
            "https://.",
            "https://a..b:0/",
            "https://0?",
            "http://a/?",
            "https://a:9999/!$&'()*+,;=:/-._~?a=b/c",
        ] {
            assert!(WebhookUrl::parse("url", odd, open).is_ok(), "{odd}");
        }
        assert!(WebhookUrl::parse("url", "http://127.0.0.1:9000/hook", policy(true, false)).is_err());
    }

    #[test]
    fn internal_addresses() {
        for internal in [
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "::10.0.0.1",
            "2002:c0a8:101::1",
            "2001::1",
            "64:ff9b:1::a",
            "100::1",
            "192.88.99.1",
        ] {
            assert!(is_internal(internal.parse().unwrap()), "{internal}");
        }
        for public in ["8.8.8.8", "81.2.69.160", "2a00:1450:4009:80b::200e", "64:ff9b::808:808", "2002:808:808::1"] {
            assert!(!is_internal(public.parse().unwrap()), "{public}");
        }
        assert_eq!(ip_literal("[::1]"), Some("::1".parse().unwrap()));
        assert_eq!(ip_literal("cms.example"), None);
    }

    #[test]
    fn subscriptions_filter_and_round_trip() {
        let all = Subscription::default();
        assert!(all.wants(ChangeType::ActionCreated, 7));
        let some = Subscription { event_types: vec![EventType::ActionStatusChanged], committee_ids: vec![1, 2] };
        assert!(some.wants(ChangeType::ActionStatusChanged, 2));
        assert!(!some.wants(ChangeType::ActionCreated, 2));
        assert!(!some.wants(ChangeType::ActionStatusChanged, 3));
        let text = (some.event_types_text(), some.committee_ids_text());
        assert_eq!(text, ("action.status_changed".to_string(), "1,2".to_string()));
        assert_eq!(Subscription::from_text(&text.0, &text.1), some);
        assert_eq!(Subscription::from_text("", ""), all);
        let reminders = Subscription { event_types: vec![EventType::ReminderDue], committee_ids: vec![] };
        assert!(reminders.wants(EventType::ReminderDue, 1) && !reminders.wants(ChangeType::ActionCreated, 1));
    }

    #[test]
    fn every_change_is_an_event() {
        for &change in ChangeType::ALL {
            let event = EventType::from(change);
            assert_eq!(event.as_str(), change.as_str());
            assert_eq!(event.change(), Some(change));
            assert_eq!(event.as_str().parse::<EventType>(), Ok(event));
        }
        assert_eq!("reminder.due".parse::<EventType>(), Ok(EventType::ReminderDue));
        assert_eq!(serde_json::to_value(EventType::ReminderDue).unwrap(), "reminder.due");
        assert!("reminder.sent".parse::<EventType>().is_err());
    }

    #[test]
    fn signatures_follow_standard_webhooks() {
        // The example in the Standard Webhooks specification's test vectors.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        let signature = sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).unwrap();
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert!(sign("whsec_not base64!", "id", 1, body).is_none());
        let fresh = new_secret();
        assert!(fresh.starts_with("whsec_") && fresh.len() > 40 && fresh != new_secret());
        assert!(sign(&fresh, "id", 1, body).is_some());
    }

    #[test]
    fn the_schedule_spreads_retries_and_ends() {
        let schedule: Vec<Duration> = DEFAULT_SCHEDULE.iter().map(|s| Duration::from_secs(*s)).collect();
        let total: u64 = DEFAULT_SCHEDULE.iter().sum();
        assert!((60 * 3600..84 * 3600).contains(&total), "about three days: {total} s");
        assert_eq!(next_wait(&schedule, 0, 0.0), None);
        assert_eq!(next_wait(&schedule, 1, 0.0), Some(Duration::from_secs(5)));
        assert_eq!(next_wait(&schedule, 1, 0.999).unwrap().as_millis(), 5999);
        assert_eq!(next_wait(&schedule, 9, 0.0), Some(Duration::from_secs(72_000)));
        assert_eq!(next_wait(&schedule, 10, 0.0), None);
    }
}

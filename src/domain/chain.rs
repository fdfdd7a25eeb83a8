//! The hash chain over an action's events. Each event's hash covers its own
//! content and the hash of the event before it, so changing, removing or
//! reordering any stored event breaks every hash after it.

use sha2::{Digest, Sha256};

/// The `prev_hash` of an action's first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The parts of an event the hash covers.
pub struct EventContent<'a> {
    pub action_id: i64,
    pub sequence: i32,
    /// RFC 3339 with microseconds, UTC (the precision both databases keep).
    pub occurred_at: &'a str,
    pub actor: &'a str,
    pub kind: &'a str,
    pub changes: &'a str,
    pub reason: Option<&'a str>,
    pub prev_hash: &'a str,
}

/// SHA-256 over the fields, each length-prefixed so no two different events
/// can serialise to the same bytes.
pub fn hash(event: &EventContent<'_>) -> String {
    let mut h = Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    };
    field(&event.action_id.to_be_bytes());
    field(&event.sequence.to_be_bytes());
    field(event.occurred_at.as_bytes());
    field(event.actor.as_bytes());
    field(event.kind.as_bytes());
    field(event.changes.as_bytes());
    match event.reason {
        Some(r) => {
            field(b"1");
            field(r.as_bytes());
        }
        None => field(b"0"),
    }
    field(event.prev_hash.as_bytes());
    hex::encode(h.finalize())
}

/// The first event (by sequence) whose stored hashes do not check out, or
/// `None` when the whole chain is intact. Takes (content, stored hash) pairs
/// in sequence order.
pub fn first_broken<'a>(events: impl IntoIterator<Item = (EventContent<'a>, &'a str)>) -> Option<i32> {
    let mut expected_prev = GENESIS.to_string();
    for (expected_sequence, (content, stored)) in (1..).zip(events) {
        if content.sequence != expected_sequence || content.prev_hash != expected_prev || hash(&content) != stored {
            return Some(content.sequence);
        }
        expected_prev = stored.to_string();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event<'a>(sequence: i32, changes: &'a str, prev: &'a str) -> EventContent<'a> {
        EventContent {
            action_id: 1,
            sequence,
            occurred_at: "2018-01-01T10:00:00.000000Z",
            actor: "anonymous",
            kind: "created",
            changes,
            reason: None,
            prev_hash: prev,
        }
    }

    #[test]
    fn intact_chain_verifies_and_tampering_is_found() {
        let h1 = hash(&event(1, "{\"a\":1}", GENESIS));
        let h2 = hash(&event(2, "{\"b\":2}", &h1));
        let h3 = hash(&event(3, "{\"c\":3}", &h2));
        let good = vec![
            (event(1, "{\"a\":1}", GENESIS), h1.as_str()),
            (event(2, "{\"b\":2}", &h1), h2.as_str()),
            (event(3, "{\"c\":3}", &h2), h3.as_str()),
        ];
        assert_eq!(first_broken(good), None);

        let tampered = vec![
            (event(1, "{\"a\":1}", GENESIS), h1.as_str()),
            (event(2, "{\"b\":999}", &h1), h2.as_str()),
            (event(3, "{\"c\":3}", &h2), h3.as_str()),
        ];
        assert_eq!(first_broken(tampered), Some(2));

        let removed = vec![(event(1, "{\"a\":1}", GENESIS), h1.as_str()), (event(3, "{\"c\":3}", &h2), h3.as_str())];
        assert_eq!(first_broken(removed), Some(3));
    }

    #[test]
    fn reason_presence_changes_the_hash() {
        let mut a = event(1, "{}", GENESIS);
        let base = hash(&a);
        a.reason = Some("");
        assert_ne!(hash(&a), base);
    }
}

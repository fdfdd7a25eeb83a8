//! The Atom feed (RFC 4287) of a published committee's latest changes,
//! written from public facts only: the reference, the status it moved
//! between, when, and, for an action that is not exempt, its description.
//! Links are relative to the feed, as RFC 4287 allows (xml:base is the
//! feed's own address), so no host name from a request is trusted.

use chrono::{NaiveDateTime, SecondsFormat};

use crate::store::actions::ActionRow;
use crate::store::committees::Committee;
use crate::store::events::{self, Event};
use crate::web::view::status_label;

/// Text for XML: the five special characters escaped and the characters
/// XML 1.0 cannot hold (controls other than tab and line breaks) dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

fn time(t: NaiveDateTime) -> String {
    t.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// What an event did, in a line.
fn title(event: &Event, action: &ActionRow) -> String {
    let what = match (event.kind.as_str(), events::status_change(event)) {
        ("created", _) => "logged".to_string(),
        ("carried_forward", _) => "carried forward to a later meeting".to_string(),
        (_, Some((_, to))) => match to.parse() {
            Ok(status) => format!("now {}", status_label(status).to_lowercase()),
            Err(_) => "updated".to_string(),
        },
        _ => "updated".to_string(),
    };
    format!("{}: {what}", action.reference)
}

/// The entry's text: the description (and the response once there is one),
/// or for an exempt action only the paragraph it is exempt under.
fn summary(action: &ActionRow) -> String {
    match action.exemption() {
        Some(e) => format!(
            "Exempt from publication under paragraph {} of Schedule 12A to the Local Government Act 1972.",
            e.paragraph.number()
        ),
        None => match &action.response {
            Some(response) => format!("{}\n\nResponse: {response}", action.description),
            None => action.description.clone(),
        },
    }
}

pub fn atom(committee: &Committee, entries: &[(Event, ActionRow)]) -> String {
    let updated =
        entries.first().map(|(e, _)| e.occurred_at).or(committee.published_at).unwrap_or(committee.updated_at);
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    out.push_str(&format!("  <id>urn:panel-tracker:committee:{}:actions</id>\n", escape(&committee.code)));
    out.push_str(&format!("  <title>{}: changes to actions</title>\n", escape(&committee.name)));
    out.push_str(&format!("  <updated>{}</updated>\n", time(updated)));
    out.push_str(&format!("  <author><name>{}</name></author>\n", escape(&committee.name)));
    out.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"/api/v1/public/committees/{}/feed.atom\"/>\n",
        committee.id
    ));
    out.push_str(&format!(
        "  <link rel=\"alternate\" type=\"text/html\" href=\"/public/committees/{}\"/>\n",
        committee.id
    ));
    for (event, action) in entries {
        out.push_str("  <entry>\n");
        out.push_str(&format!("    <id>urn:panel-tracker:action-event:{}</id>\n", escape(&event.hash)));
        out.push_str(&format!("    <title>{}</title>\n", escape(&title(event, action))));
        out.push_str(&format!("    <updated>{}</updated>\n", time(event.occurred_at)));
        out.push_str(&format!(
            "    <link rel=\"alternate\" type=\"text/html\" href=\"/public/actions/{}\"/>\n",
            action.id
        ));
        out.push_str(&format!("    <summary type=\"text\">{}</summary>\n", escape(&summary(action))));
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_drops_what_xml_cannot_hold() {
        assert_eq!(escape("a < b & \"c\" > 'd'"), "a &lt; b &amp; &quot;c&quot; &gt; &apos;d&apos;");
        assert_eq!(escape("bell\u{7}line\nbreak"), "bellline\nbreak");
        assert_eq!(escape("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
    }
}

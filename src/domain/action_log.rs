//! The action log printed in each meeting's agenda pack: its sections, the
//! red/amber/green rating, and its CSV and HTML forms. Pure: the rows come in
//! already loaded, and the output is text.

use std::fmt::Write;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ActionStatus;

/// Which part of the log a row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// Unfinished actions due at this meeting.
    DueAtThisMeeting,
    /// Unfinished actions that were due at an earlier meeting of the committee.
    OutstandingFromEarlierMeetings,
    /// Actions completed or withdrawn since the committee's previous meeting.
    ClosedSincePreviousMeeting,
}

impl Section {
    pub const ALL: [Section; 3] =
        [Section::DueAtThisMeeting, Section::OutstandingFromEarlierMeetings, Section::ClosedSincePreviousMeeting];

    pub fn title(self) -> &'static str {
        match self {
            Section::DueAtThisMeeting => "Actions due at this meeting",
            Section::OutstandingFromEarlierMeetings => "Outstanding actions from earlier meetings",
            Section::ClosedSincePreviousMeeting => "Actions completed or withdrawn since the last meeting",
        }
    }
}

/// Red, amber or green, by [`rating`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Red,
    Amber,
    Green,
}

impl Rating {
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Red => "red",
            Rating::Amber => "amber",
            Rating::Green => "green",
        }
    }
}

/// The rule, as printed with the log.
pub const RATING_RULE: &str =
    "Red: overdue (its due meeting has begun or its due date has passed, and no response has \
been submitted). Amber: not overdue, but no response submitted yet. Green: a response has been submitted, or the \
action is completed or withdrawn.";

/// The one rating rule; `overdue` comes from `lifecycle::is_overdue`.
pub fn rating(status: ActionStatus, overdue: bool) -> Rating {
    if overdue {
        Rating::Red
    } else if status.awaits_response() {
        Rating::Amber
    } else {
        Rating::Green
    }
}

/// One row of the log, as every format shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LogRow {
    pub action_id: i64,
    #[schema(example = "KMPCP/2018/007")]
    pub reference: String,
    /// The date of the meeting where it was raised.
    pub raised_at_meeting_date: chrono::NaiveDate,
    #[schema(example = "7")]
    pub minute_paragraph: Option<String>,
    /// What was promised.
    pub description: String,
    pub committed_by: Option<String>,
    pub owed_to: Option<String>,
    pub owner: Option<String>,
    pub due_meeting_date: Option<chrono::NaiveDate>,
    pub status: ActionStatus,
    pub overdue: bool,
    pub rating: Rating,
    pub times_carried_forward: i32,
    pub response: Option<String>,
}

/// The title of the log's statutory section.
pub const STATUTORY_TITLE: &str = "Statutory deadlines and the panel's recommendations";

/// What a row of the statutory section is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatutoryRowKind {
    StatutoryStep,
    Recommendation,
}

/// A statutory step or a recommendation in the log: those due by the
/// meeting and not done, and those done since the previous meeting.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StatutoryLogRow {
    pub kind: StatutoryRowKind,
    /// The process's title, or the recommendation's reference.
    #[schema(example = "Precept 2027/28")]
    pub reference: String,
    /// The step, or the recommendation's text.
    #[schema(example = "Panel reports to the PCC")]
    pub description: String,
    pub owed_by: super::statutory::Party,
    pub due_on: Option<chrono::NaiveDate>,
    /// When it happened, or when the PCC responded.
    pub done_on: Option<chrono::NaiveDate>,
    /// `awaited`, `done`, or the PCC's response (`accepted`...).
    #[schema(example = "awaited")]
    pub status: String,
    pub overdue: bool,
    pub rating: Rating,
    /// Where the law sets it.
    pub source: Option<String>,
    /// The PCC's response text.
    pub response: Option<String>,
    pub process_id: Option<i64>,
    pub recommendation_id: Option<i64>,
}

const CSV_HEADER: [&str; 14] = [
    "Section",
    "Reference",
    "Raised at meeting",
    "Minute",
    "Action",
    "Committed by",
    "Owed to",
    "Owner",
    "Due at meeting",
    "Status",
    "Rating",
    "Times carried forward",
    "Response",
    "Overdue",
];

/// One CSV field: always quoted (RFC 4180), and neutralised when a
/// spreadsheet would read it as a formula (a leading = + - @, tab, CR or LF
/// gets an apostrophe, which Excel shows as text).
pub fn csv_field(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 3);
    push_csv_field(&mut out, value);
    out
}

/// Appends one CSV field to `out` as [`csv_field`] writes it, without copies.
/// Every field is quoted, not only those holding a comma: a spreadsheet in a
/// locale whose list separator is `;` (or that splits on tabs) would
/// otherwise cut `figures;=cmd|...` into a second cell starting with `=`,
/// past the leading-character guard.
fn push_csv_field(out: &mut String, value: &str) {
    out.push('"');
    if value.starts_with(['=', '+', '-', '@', '\t', '\r', '\n']) {
        out.push('\'');
    }
    for (i, part) in value.split('"').enumerate() {
        if i > 0 {
            out.push_str("\"\"");
        }
        out.push_str(part);
    }
    out.push('"');
}

/// The log as CSV: UTF-8 with a byte-order mark (so Excel reads it as UTF-8),
/// a header row, CRLF line ends.
pub fn to_csv(sections: &[(Section, Vec<LogRow>)], statutory: &[StatutoryLogRow]) -> String {
    let rows: usize = sections.iter().map(|(_, r)| r.len()).sum();
    let mut out = String::with_capacity(512 + rows * 512);
    out.push('\u{feff}');
    for (i, h) in CSV_HEADER.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_csv_field(&mut out, h);
    }
    out.push_str("\r\n");
    let mut scratch = String::new();
    for (section, rows) in sections {
        for r in rows {
            let field = |out: &mut String, first: bool, value: &str| {
                if !first {
                    out.push(',');
                }
                push_csv_field(out, value);
            };
            field(&mut out, true, section.title());
            field(&mut out, false, &r.reference);
            scratch.clear();
            let _ = write!(scratch, "{}", r.raised_at_meeting_date);
            field(&mut out, false, &scratch);
            field(&mut out, false, r.minute_paragraph.as_deref().unwrap_or_default());
            field(&mut out, false, &r.description);
            field(&mut out, false, r.committed_by.as_deref().unwrap_or_default());
            field(&mut out, false, r.owed_to.as_deref().unwrap_or_default());
            field(&mut out, false, r.owner.as_deref().unwrap_or_default());
            scratch.clear();
            if let Some(d) = r.due_meeting_date {
                let _ = write!(scratch, "{d}");
            }
            field(&mut out, false, &scratch);
            field(&mut out, false, r.status.as_str());
            field(&mut out, false, r.rating.as_str());
            scratch.clear();
            let _ = write!(scratch, "{}", r.times_carried_forward);
            field(&mut out, false, &scratch);
            field(&mut out, false, r.response.as_deref().unwrap_or_default());
            field(&mut out, false, if r.overdue { "yes" } else { "no" });
            out.push_str("\r\n");
        }
    }
    // The statutory rows in the same columns: the step or recommendation as
    // the action, who owes it as the owner, its date as the due date.
    for r in statutory {
        let due = r.due_on.map(|d| d.to_string()).unwrap_or_default();
        let description = match &r.source {
            Some(source) => format!("{} ({source})", r.description),
            None => r.description.clone(),
        };
        let response = match (&r.response, r.done_on) {
            (Some(text), _) => text.clone(),
            (None, Some(d)) => format!("done on {d}"),
            (None, None) => String::new(),
        };
        let owner = match r.owed_by {
            super::statutory::Party::Pcc => "PCC",
            super::statutory::Party::Panel => "Panel",
        };
        let fields = [
            STATUTORY_TITLE,
            &r.reference,
            "",
            "",
            &description,
            "",
            "",
            owner,
            &due,
            &r.status,
            r.rating.as_str(),
            "",
            &response,
            if r.overdue { "yes" } else { "no" },
        ];
        for (i, value) in fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_csv_field(&mut out, value);
        }
        out.push_str("\r\n");
    }
    out
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What the heading of the printed log says.
pub struct Heading<'a> {
    pub committee: &'a str,
    pub meeting_title: &'a str,
    pub meeting_date: chrono::NaiveDate,
    pub generated: &'a str,
}

/// The printable page: A4, the committee and meeting in the heading, table
/// headers repeated on each page, rows never split across pages, long words
/// wrapped, every piece of user text escaped.
pub fn to_html(heading: &Heading<'_>, sections: &[(Section, Vec<LogRow>)], statutory: &[StatutoryLogRow]) -> String {
    let mut out = String::new();
    let title = format!("Action log: {}, {}", heading.committee, heading.meeting_date.format("%-d %B %Y"));
    let _ = write!(
        out,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
@page {{ size: A4 landscape; margin: 12mm; }}
body {{ font-family: Arial, Helvetica, sans-serif; font-size: 9pt; color: #000; }}
h1 {{ font-size: 14pt; margin: 0 0 2mm; }}
h2 {{ font-size: 11pt; margin: 6mm 0 2mm; break-after: avoid; page-break-after: avoid; }}
p.meta {{ margin: 0 0 4mm; color: #333; }}
table {{ width: 100%; border-collapse: collapse; table-layout: fixed; }}
thead {{ display: table-header-group; }}
tr {{ break-inside: avoid; page-break-inside: avoid; }}
th, td {{ border: 1px solid #777; padding: 1.5mm; vertical-align: top; text-align: left; overflow-wrap: anywhere; word-break: break-word; }}
th {{ background: #eee; }}
td.rating {{ font-weight: bold; text-transform: uppercase; }}
td.ref {{ white-space: nowrap; overflow-wrap: normal; word-break: normal; }}
td.red {{ background: #f4c7c3; }} td.amber {{ background: #fce8b2; }} td.green {{ background: #b7e1cd; }}
p.empty {{ font-style: italic; }}
</style></head><body>
<h1>{title}</h1>
<p class="meta">{meeting} &middot; generated {generated}</p>
"#,
        title = escape(&title),
        meeting = escape(heading.meeting_title),
        generated = escape(heading.generated),
    );
    for (section, rows) in sections {
        let _ = writeln!(out, "<h2>{}</h2>", escape(section.title()));
        if rows.is_empty() {
            out.push_str("<p class=\"empty\">None.</p>\n");
            continue;
        }
        out.push_str(
            "<table><colgroup><col style=\"width:11%\"><col style=\"width:8%\"><col style=\"width:21%\">\
<col style=\"width:11%\"><col style=\"width:10%\"><col style=\"width:8%\"><col style=\"width:8%\">\
<col style=\"width:23%\"></colgroup>\n<thead><tr><th>Reference</th><th>Raised</th><th>Action</th>\
<th>Owed to</th><th>Owner</th><th>Due</th><th>Status</th><th>Response</th></tr></thead><tbody>\n",
        );
        for r in rows {
            let raised = match &r.minute_paragraph {
                Some(p) => format!("{} (min. {})", r.raised_at_meeting_date, p),
                None => r.raised_at_meeting_date.to_string(),
            };
            let carried = match r.times_carried_forward {
                0 => String::new(),
                1 => "<br>carried forward once".to_string(),
                n => format!("<br>carried forward {n} times"),
            };
            let _ = writeln!(
                out,
                "<tr><td class=\"ref\">{reference}</td><td>{raised}</td><td>{description}</td><td>{owed_to}</td><td>{owner}</td>\
<td>{due}{carried}</td><td class=\"rating {rating}\">{rating}<br>{status}</td><td>{response}</td></tr>",
                reference = escape(&r.reference),
                raised = escape(&raised),
                description = escape(&r.description),
                owed_to = escape(r.owed_to.as_deref().unwrap_or("")),
                owner = escape(r.owner.as_deref().unwrap_or("unassigned")),
                due = r.due_meeting_date.map(|d| d.to_string()).unwrap_or_default(),
                rating = r.rating.as_str(),
                status = escape(&r.status.as_str().replace('_', " ")),
                response = escape(r.response.as_deref().unwrap_or("")),
            );
        }
        out.push_str("</tbody></table>\n");
    }
    let _ = writeln!(out, "<h2>{}</h2>", escape(STATUTORY_TITLE));
    if statutory.is_empty() {
        out.push_str("<p class=\"empty\">None.</p>\n");
    } else {
        out.push_str(
            "<table><colgroup><col style=\"width:14%\"><col style=\"width:34%\"><col style=\"width:8%\">\
<col style=\"width:10%\"><col style=\"width:10%\"><col style=\"width:24%\"></colgroup>\n<thead><tr><th>Reference</th>\
<th>Step or recommendation</th><th>Owed by</th><th>Due</th><th>Status</th><th>Response</th></tr></thead><tbody>\n",
        );
        for r in statutory {
            let source = r.source.as_deref().map(|s| format!("<br>{}", escape(s))).unwrap_or_default();
            let done = r.done_on.map(|d| format!("<br>{d}")).unwrap_or_default();
            let _ = writeln!(
                out,
                "<tr><td class=\"ref\">{reference}</td><td>{description}{source}</td><td>{owed_by}</td><td>{due}</td>\
<td class=\"rating {rating}\">{rating}<br>{status}{done}</td><td>{response}</td></tr>",
                reference = escape(&r.reference),
                description = escape(&r.description),
                owed_by = match r.owed_by {
                    super::statutory::Party::Pcc => "PCC",
                    super::statutory::Party::Panel => "Panel",
                },
                due = r.due_on.map(|d| d.to_string()).unwrap_or_default(),
                rating = r.rating.as_str(),
                status = escape(&r.status.replace('_', " ")),
                response = escape(r.response.as_deref().unwrap_or("")),
            );
        }
        out.push_str("</tbody></table>\n");
    }
    let _ = write!(out, "<p class=\"meta\">{}</p>\n</body></html>\n", escape(RATING_RULE));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(description: &str) -> LogRow {
        LogRow {
            action_id: 1,
            reference: "KMPCP/2018/001".into(),
            raised_at_meeting_date: chrono::NaiveDate::from_ymd_opt(2018, 2, 6).unwrap(),
            minute_paragraph: Some("7".into()),
            description: description.into(),
            committed_by: Some("Commissioner".into()),
            owed_to: Some("Mr Smith, Member".into()),
            owner: None,
            due_meeting_date: chrono::NaiveDate::from_ymd_opt(2018, 4, 10),
            status: ActionStatus::Open,
            overdue: true,
            rating: Rating::Red,
            times_carried_forward: 2,
            response: None,
        }
    }

    #[test]
    fn ratings() {
        use ActionStatus::*;
        assert_eq!(rating(Open, true), Rating::Red);
        assert_eq!(rating(InProgress, false), Rating::Amber);
        assert_eq!(rating(ResponseSubmitted, false), Rating::Green);
        assert_eq!(rating(Completed, false), Rating::Green);
        assert_eq!(rating(Withdrawn, false), Rating::Green);
    }

    #[test]
    fn csv_quotes_every_field_and_neutralises_formulas() {
        assert_eq!(csv_field("plain"), "\"plain\"");
        assert_eq!(csv_field(""), "\"\"");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("=SUM(A1:A9)"), "\"'=SUM(A1:A9)\"");
        assert_eq!(csv_field("+44 1622"), "\"'+44 1622\"");
        assert_eq!(csv_field("-1"), "\"'-1\"");
        assert_eq!(csv_field("@cmd"), "\"'@cmd\"");
        assert_eq!(csv_field("\n=cmd"), "\"'\n=cmd\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\",\"y\")"), "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"");
        // A `;` or tab cannot start a new, unguarded cell in any locale.
        assert_eq!(csv_field("figures;=cmd|' /C calc'!A0"), "\"figures;=cmd|' /C calc'!A0\"");
        assert_eq!(csv_field("a\t=1+1"), "\"a\t=1+1\"");
        let csv = to_csv(&[(Section::DueAtThisMeeting, vec![row("Report back")])], &[]);
        assert!(csv.starts_with('\u{feff}'));
        assert!(csv
            .contains("\r\n\"Actions due at this meeting\",\"KMPCP/2018/001\",\"2018-02-06\",\"7\",\"Report back\","));
    }

    #[test]
    fn html_escapes_user_text() {
        let heading = Heading {
            committee: "A & B <Panel>",
            meeting_title: "x",
            meeting_date: chrono::NaiveDate::from_ymd_opt(2018, 4, 10).unwrap(),
            generated: "now",
        };
        let html =
            to_html(&heading, &[(Section::DueAtThisMeeting, vec![row("<script>alert('x')</script> \"q\"")])], &[]);
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &quot;q&quot;"));
        assert!(html.contains("A &amp; B &lt;Panel&gt;"));
        assert!(html.contains("carried forward 2 times"));
        let empty = to_html(&heading, &[(Section::ClosedSincePreviousMeeting, vec![])], &[]);
        assert!(empty.contains("None."));
    }
}

//! iCalendar (RFC 5545) documents for subscribed calendars: Outlook, Google
//! Calendar and Apple Calendar poll a feed URL and show its events.
//!
//! Timed events are written in Europe/London local time with the zone's
//! VTIMEZONE, so clients show meetings at the time on the agenda whatever the
//! viewer's own zone. There is no tz database here: the UK rule has been fixed
//! since 1996 (last Sunday of March to last Sunday of October, 01:00 UTC), so
//! [`london_local`] is plain arithmetic, unit-tested either side of each change.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc};

/// When an event happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// All day on that date.
    Day(NaiveDate),
    /// From `start`, lasting `minutes` (0: a point in time, no DTEND).
    Timed { start: DateTime<Utc>, minutes: u32 },
}

/// One VEVENT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Stable across renders, so clients update the event rather than add another.
    pub uid: String,
    pub summary: String,
    pub description: Option<String>,
    pub location: Option<String>,
    pub url: Option<String>,
    pub when: When,
    /// When the event was last changed (DTSTAMP).
    pub stamp: DateTime<Utc>,
}

/// One VCALENDAR: the whole feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// Shown by clients as the calendar's name (X-WR-CALNAME).
    pub name: String,
    pub events: Vec<Event>,
}

const TZID: &str = "Europe/London";

/// The zone's definition. Each DTSTART is the first onset under the rule as it
/// has stood since 1996 (both are last Sundays), as RFC 5545 asks.
const VTIMEZONE: &[&str] = &[
    "BEGIN:VTIMEZONE",
    "TZID:Europe/London",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0000",
    "TZOFFSETTO:+0100",
    "TZNAME:BST",
    "DTSTART:19960331T010000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0000",
    "TZNAME:GMT",
    "DTSTART:19961027T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
];

/// The document, with CRLF line ends and lines folded at 75 octets.
pub fn render(calendar: &Calendar) -> String {
    let mut out = String::new();
    let mut line = |text: &str| fold(text, &mut out);
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line("PRODID:-//panel-tracker//EN");
    line("CALSCALE:GREGORIAN");
    line("METHOD:PUBLISH");
    line(&format!("X-WR-CALNAME:{}", escape_text(&calendar.name)));
    line(&format!("X-WR-TIMEZONE:{TZID}"));
    for text in VTIMEZONE {
        line(text);
    }
    for event in &calendar.events {
        line("BEGIN:VEVENT");
        line(&format!("UID:{}", escape_text(&event.uid)));
        line(&format!("DTSTAMP:{}", event.stamp.format("%Y%m%dT%H%M%SZ")));
        match event.when {
            When::Day(date) => {
                line(&format!("DTSTART;VALUE=DATE:{}", date.format("%Y%m%d")));
                // DTEND is exclusive: the day after. A date at chrono's limit has none; then
                // DTEND is left out, which RFC 5545 reads as one day anyway.
                if let Some(next) = date.succ_opt() {
                    line(&format!("DTEND;VALUE=DATE:{}", next.format("%Y%m%d")));
                }
            }
            When::Timed { start, minutes } => {
                line(&date_time("DTSTART", start));
                // DTEND must be later than DTSTART; with none the event is a point in time.
                if minutes > 0 {
                    line(&date_time("DTEND", start + Duration::minutes(i64::from(minutes))));
                }
            }
        }
        line(&format!("SUMMARY:{}", escape_text(&event.summary)));
        if let Some(description) = &event.description {
            line(&format!("DESCRIPTION:{}", escape_text(description)));
        }
        if let Some(location) = &event.location {
            line(&format!("LOCATION:{}", escape_text(location)));
        }
        if let Some(url) = &event.url {
            // A URI value, not TEXT: no backslash escapes, but a control character
            // (a line break above all) could still end the line, so those go.
            let url: String = url.chars().filter(|c| !c.is_control()).collect();
            line(&format!("URL:{url}"));
        }
        if matches!(event.when, When::Day(_)) {
            // An all-day entry should not block the day out in free/busy.
            line("TRANSP:TRANSPARENT");
        }
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}

/// A DATE-TIME property in London local time with its TZID. The one
/// exception is the second pass through 01:00-02:00 when the clocks go back:
/// RFC 5545 reads a repeated local time as the first, so that hour is written
/// in UTC, which DTSTART and DTEND may each be.
fn date_time(name: &str, t: DateTime<Utc>) -> String {
    if in_repeated_hour(t) {
        format!("{name}:{}", t.format("%Y%m%dT%H%M%SZ"))
    } else {
        format!("{name};TZID={TZID}:{}", london_local(t).format("%Y%m%dT%H%M%S"))
    }
}

/// Whether `t` is 01:00-02:00 UTC on the last Sunday of October: the hour that
/// London's clocks show 01:00-02:00 a second time.
fn in_repeated_hour(t: DateTime<Utc>) -> bool {
    let utc = t.naive_utc();
    last_sunday(utc.year(), 10)
        .and_then(|day| day.and_hms_opt(1, 0, 0))
        .is_some_and(|from| from <= utc && utc < from + Duration::hours(1))
}

/// The wall-clock time in London: BST (UTC+1) from 01:00 UTC on the last
/// Sunday of March until 01:00 UTC on the last Sunday of October, else GMT.
pub fn london_local(t: DateTime<Utc>) -> NaiveDateTime {
    let utc = t.naive_utc();
    let year = utc.year();
    let change = |month| last_sunday(year, month).and_then(|day| day.and_hms_opt(1, 0, 0));
    match (change(3), change(10)) {
        (Some(bst_from), Some(bst_until)) if bst_from <= utc && utc < bst_until => utc + Duration::hours(1),
        // Outside summer time (or at chrono's outermost years, where there is no rule to speak of).
        _ => utc,
    }
}

fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let last = if month == 12 {
        NaiveDate::from_ymd_opt(year, 12, 31)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?.pred_opt()?
    };
    let back = last.weekday().num_days_from_sunday();
    last.checked_sub_signed(Duration::days(i64::from(back)))
}

/// A TEXT value (RFC 5545 3.3.11): backslash, semicolon and comma escaped,
/// each line break (LF, CRLF or a lone CR) as `\n`. Other control characters
/// are not allowed in TEXT and are dropped; a tab is allowed and kept.
fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded so no physical line passes 75 octets
/// (the leading space of a continuation counts), never inside a UTF-8
/// character, and ended with CRLF.
fn fold(line: &str, out: &mut String) {
    const MAX: usize = 75;
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > MAX {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn local(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d).unwrap().and_hms_opt(h, mi, 0).unwrap()
    }

    fn unfold(text: &str) -> String {
        text.replace("\r\n ", "")
    }

    /// Splits on CRLF, checking every line ends in one.
    fn physical_lines(text: &str) -> Vec<&str> {
        assert!(text.ends_with("\r\n"));
        let lines: Vec<&str> = text[..text.len() - 2].split("\r\n").collect();
        for line in &lines {
            assert!(!line.contains('\n') && !line.contains('\r'), "bare line break in {line:?}");
        }
        lines
    }

    #[test]
    fn london_changes_2026() {
        assert_eq!(london_local(utc(2026, 3, 29, 0, 59)), local(2026, 3, 29, 0, 59));
        assert_eq!(london_local(utc(2026, 3, 29, 1, 0)), local(2026, 3, 29, 2, 0));
        assert_eq!(london_local(utc(2026, 10, 25, 0, 59)), local(2026, 10, 25, 1, 59));
        assert_eq!(london_local(utc(2026, 10, 25, 1, 0)), local(2026, 10, 25, 1, 0));
    }

    #[test]
    fn london_changes_2027() {
        assert_eq!(london_local(utc(2027, 3, 28, 0, 59)), local(2027, 3, 28, 0, 59));
        assert_eq!(london_local(utc(2027, 3, 28, 1, 0)), local(2027, 3, 28, 2, 0));
        assert_eq!(london_local(utc(2027, 10, 31, 0, 59)), local(2027, 10, 31, 1, 59));
        assert_eq!(london_local(utc(2027, 10, 31, 1, 0)), local(2027, 10, 31, 1, 0));
    }

    #[test]
    fn london_summer_and_winter() {
        assert_eq!(london_local(utc(2026, 7, 15, 13, 30)), local(2026, 7, 15, 14, 30));
        assert_eq!(london_local(utc(2026, 1, 15, 13, 30)), local(2026, 1, 15, 13, 30));
        assert_eq!(london_local(utc(2026, 12, 31, 23, 30)), local(2026, 12, 31, 23, 30));
        // The day before each change is on the old side all day.
        assert_eq!(london_local(utc(2026, 3, 28, 12, 0)), local(2026, 3, 28, 12, 0));
        assert_eq!(london_local(utc(2026, 10, 24, 12, 0)), local(2026, 10, 24, 13, 0));
    }

    #[test]
    fn last_sundays() {
        assert_eq!(last_sunday(2026, 3), NaiveDate::from_ymd_opt(2026, 3, 29));
        assert_eq!(last_sunday(2026, 10), NaiveDate::from_ymd_opt(2026, 10, 25));
        assert_eq!(last_sunday(2027, 3), NaiveDate::from_ymd_opt(2027, 3, 28));
        assert_eq!(last_sunday(2027, 10), NaiveDate::from_ymd_opt(2027, 10, 31));
        assert_eq!(last_sunday(2026, 12), NaiveDate::from_ymd_opt(2026, 12, 27));
        // The VTIMEZONE's DTSTARTs are onsets under its RRULEs.
        assert_eq!(last_sunday(1996, 3), NaiveDate::from_ymd_opt(1996, 3, 31));
        assert_eq!(last_sunday(1996, 10), NaiveDate::from_ymd_opt(1996, 10, 27));
    }

    #[test]
    fn escapes_text() {
        assert_eq!(escape_text("a;b,c\\d"), "a\\;b\\,c\\\\d");
        assert_eq!(escape_text("one\ntwo\r\nthree\rfour"), "one\\ntwo\\nthree\\nfour");
        assert_eq!(escape_text("\r\n\n"), "\\n\\n");
        assert_eq!(escape_text("bell\u{7}nul\u{0}del\u{7f}\ttab"), "bellnuldel\ttab");
        assert_eq!(escape_text("café 🚓"), "café 🚓");
    }

    fn check_folded(line: &str) {
        let mut out = String::new();
        fold(line, &mut out);
        let lines = physical_lines(&out);
        assert!(lines.len() > 1, "not folded: {out:?}");
        for (i, l) in lines.iter().enumerate() {
            assert!(l.len() <= 75, "line {i} is {} octets", l.len());
            if i > 0 {
                assert!(l.starts_with(' '), "continuation {i} does not start with a space");
            }
        }
        assert_eq!(unfold(&out), format!("{line}\r\n"));
    }

    #[test]
    fn folds_ascii() {
        let line = format!("SUMMARY:{}", "x".repeat(200));
        check_folded(&line);
        let mut out = String::new();
        fold(&line, &mut out);
        // Full lines: 75 octets, then a space and 74.
        assert_eq!(physical_lines(&out)[0].len(), 75);
        assert_eq!(physical_lines(&out)[1].len(), 75);
    }

    #[test]
    fn folds_multibyte_on_character_boundaries() {
        check_folded(&format!("SUMMARY:{}", "é".repeat(120)));
        check_folded(&format!("SUMMARY:{}", "🚓".repeat(60)));
        check_folded(&format!("SUMMARY:a{}", "🚓é".repeat(40)));
    }

    #[test]
    fn short_lines_are_not_folded() {
        let mut out = String::new();
        fold("SUMMARY:short", &mut out);
        assert_eq!(out, "SUMMARY:short\r\n");
    }

    fn sample() -> Calendar {
        Calendar {
            name: "Panel meetings".to_string(),
            events: vec![
                Event {
                    uid: "meeting-7@panel-tracker".to_string(),
                    summary: "Panel: budget; precept, review".to_string(),
                    description: Some("Line one\nLine two".to_string()),
                    location: Some("Council Chamber, Town Hall".to_string()),
                    url: Some("https://example.invalid/meetings/7?a=1,b;c".to_string()),
                    when: When::Timed { start: utc(2026, 7, 15, 13, 30), minutes: 120 },
                    stamp: utc(2026, 6, 1, 9, 0),
                },
                Event {
                    uid: "action-12-due@panel-tracker".to_string(),
                    summary: "Action PCP/12 due".to_string(),
                    description: None,
                    location: None,
                    url: None,
                    when: When::Day(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()),
                    stamp: utc(2026, 6, 1, 9, 0),
                },
            ],
        }
    }

    #[test]
    fn renders_calendar() {
        let text = render(&sample());
        let lines = physical_lines(&text);
        assert_eq!(lines.first(), Some(&"BEGIN:VCALENDAR"));
        assert_eq!(lines.last(), Some(&"END:VCALENDAR"));
        for l in &lines {
            assert!(l.len() <= 75);
        }
        let unfolded = unfold(&text);
        let has = |l: &str| unfolded.contains(&format!("\r\n{l}\r\n"));
        for l in [
            "VERSION:2.0",
            "PRODID:-//panel-tracker//EN",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "X-WR-CALNAME:Panel meetings",
            "X-WR-TIMEZONE:Europe/London",
        ] {
            assert!(has(l), "missing {l}");
        }
        let vtimezone = VTIMEZONE.join("\r\n");
        assert!(unfolded.contains(&vtimezone));
        // Timed: London local (BST in July), TZID on both ends.
        assert!(has("DTSTART;TZID=Europe/London:20260715T143000"));
        assert!(has("DTEND;TZID=Europe/London:20260715T163000"));
        assert!(has("DTSTAMP:20260601T090000Z"));
        assert!(has("SUMMARY:Panel: budget\\; precept\\, review"));
        assert!(has("DESCRIPTION:Line one\\nLine two"));
        assert!(has("LOCATION:Council Chamber\\, Town Hall"));
        assert!(has("URL:https://example.invalid/meetings/7?a=1,b;c"));
        // All day: exclusive end on the next day, across the year's end.
        assert!(has("DTSTART;VALUE=DATE:20261231"));
        assert!(has("DTEND;VALUE=DATE:20270101"));
        assert_eq!(unfolded.matches("TRANSP:TRANSPARENT").count(), 1);
        assert_eq!(unfolded.matches("BEGIN:VEVENT").count(), 2);
        assert_eq!(unfolded.matches("END:VEVENT").count(), 2);
    }

    #[test]
    fn timed_event_across_the_autumn_change() {
        // 01:30 BST to 01:30 GMT: the same local time twice, so the end is in UTC.
        let mut calendar = sample();
        calendar.events[0].when = When::Timed { start: utc(2026, 10, 25, 0, 30), minutes: 60 };
        let text = unfold(&render(&calendar));
        assert!(text.contains("\r\nDTSTART;TZID=Europe/London:20261025T013000\r\n"));
        assert!(text.contains("\r\nDTEND:20261025T013000Z\r\n"));
        // From 02:00 GMT local times are unambiguous again.
        calendar.events[0].when = When::Timed { start: utc(2026, 10, 25, 1, 59), minutes: 1 };
        let text = unfold(&render(&calendar));
        assert!(text.contains("\r\nDTSTART:20261025T015900Z\r\n"));
        assert!(text.contains("\r\nDTEND;TZID=Europe/London:20261025T020000\r\n"));
        // Spring: 00:30 GMT to 02:30 BST, the skipped hour never written.
        calendar.events[0].when = When::Timed { start: utc(2026, 3, 29, 0, 30), minutes: 60 };
        let text = unfold(&render(&calendar));
        assert!(text.contains("\r\nDTSTART;TZID=Europe/London:20260329T003000\r\n"));
        assert!(text.contains("\r\nDTEND;TZID=Europe/London:20260329T023000\r\n"));
    }

    #[test]
    fn zero_minutes_has_no_dtend() {
        let mut calendar = sample();
        calendar.events[0].when = When::Timed { start: utc(2026, 1, 15, 18, 0), minutes: 0 };
        let text = unfold(&render(&calendar));
        assert!(text.contains("DTSTART;TZID=Europe/London:20260115T180000\r\n"));
        assert!(!text.contains("DTEND;TZID"));
    }

    #[test]
    fn url_is_folded_not_escaped() {
        let mut calendar = sample();
        let url = format!("https://example.invalid/{}?x=1,2;3", "p".repeat(100));
        calendar.events[0].url = Some(format!("{url}\r\n"));
        let text = render(&calendar);
        assert!(physical_lines(&text).iter().all(|l| l.len() <= 75));
        assert!(unfold(&text).contains(&format!("\r\nURL:{url}\r\n")));
    }

    /// Undoes RFC 5545 TEXT escaping, as a client does.
    fn unescape_text(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            match (c, c == '\\') {
                (_, true) => match chars.next() {
                    Some('n' | 'N') => out.push('\n'),
                    Some(other) => out.push(other),
                    None => {}
                },
                (c, false) => out.push(c),
            }
        }
        out
    }

    #[test]
    fn parses_with_ical() {
        let text = render(&sample());
        let calendars: Vec<_> = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()))
            .collect::<Result<_, _>>()
            .expect("the document parses");
        assert_eq!(calendars.len(), 1);
        let calendar = &calendars[0];
        assert_eq!(calendar.events.len(), 2);
        assert_eq!(calendar.timezones.len(), 1);
        assert_eq!(calendar.timezones[0].transitions.len(), 2);

        let prop = |name: &str| calendar.events[0].properties.iter().find(|p| p.name == name).unwrap();
        let dtstart = prop("DTSTART");
        assert_eq!(dtstart.value.as_deref(), Some("20260715T143000"));
        assert_eq!(dtstart.params, Some(vec![("TZID".to_string(), vec!["Europe/London".to_string()])]));
        // ical hands back the value as written: TEXT still escaped, as it is on
        // the wire; unescaping gives back the summary.
        let summary = prop("SUMMARY").value.as_deref().unwrap();
        assert_eq!(summary, "Panel: budget\\; precept\\, review");
        assert_eq!(unescape_text(summary), "Panel: budget; precept, review");
        assert_eq!(unescape_text(prop("DESCRIPTION").value.as_deref().unwrap()), "Line one\nLine two");

        let day = &calendar.events[1].properties;
        let dtend = day.iter().find(|p| p.name == "DTEND").unwrap();
        assert_eq!(dtend.value.as_deref(), Some("20270101"));
        assert_eq!(dtend.params, Some(vec![("VALUE".to_string(), vec!["DATE".to_string()])]));
    }
}

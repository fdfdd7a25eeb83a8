//! Minutes written for these tests in the styles real councils use.

use super::*;

fn found(text: &str) -> Vec<String> {
    extract(text).into_iter().map(|c| c.sentence).collect()
}

#[test]
fn numbered_paragraphs_with_a_promise_and_plans() {
    let text = "Agenda item\n\nBudget Monitoring\n\nMinutes:\n\n\
4.  The Commissioner introduced the quarterly figures.\n\n\
5.  Asked about overtime in the control room, the Commissioner would report back to the Member with the figures by district.\n\n\
6.  The estates strategy would be refreshed next year and the fleet would remain the same size.\n";
    let c = extract(text);
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(c[0].paragraph.as_deref(), Some("5"));
    assert_eq!(c[0].agenda_item.as_deref(), Some("Budget Monitoring"));
    assert_eq!(c[0].kind, Kind::ReportBack);
    assert_eq!(c[0].owed_to.as_deref(), Some("the Member"));
    assert_eq!(&text[c[0].offset..c[0].offset + c[0].length], c[0].sentence);
}

#[test]
fn lettered_and_bracketed_paragraphs_and_passive_voice() {
    let text = "12.a The Chief Finance Officer undertook to circulate the revised reserves table.\n\n\
(b) It was agreed that the terms of reference would be shared with the Panel.\n\n\
(c) Members asked whether the Commissioner would publish the survey results.\n";
    let c = extract(text);
    assert_eq!(c.iter().map(|c| c.paragraph.clone().unwrap()).collect::<Vec<_>>(), ["12.a", "(b)"]);
    assert_eq!(c[0].committed_by.as_deref(), Some("Chief Finance Officer"));
    assert_eq!(c[0].kind, Kind::ProvideInformation);
}

#[test]
fn minute_numbers_on_their_own_line_and_broken_sentences() {
    let text = "247\n\nPolice and Crime Plan Refresh\n\nThe Deputy Commissioner said that\nhe would check whether the rural\ncrime team was fully staffed.\n";
    let c = extract(text);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].paragraph.as_deref(), Some("247"));
    assert!(c[0].sentence.contains("rural\ncrime team"));
    assert_eq!(c[0].kind, Kind::Check);
}

#[test]
fn bullets_action_lines_and_reviews_of_earlier_actions() {
    let text = "Action 1: Clerk to invite the Youth Commission to the next meeting.\n\n\
• Complete - the invitation was accepted.\n\n\
Action: Head of Performance to send Members the stop and search breakdown.\n\n\
• The Panel felt that more detail should be given in future reports.\n";
    let c = found(text);
    assert_eq!(c, ["Action: Head of Performance to send Members the stop and search breakdown."]);
}

#[test]
fn hopes_forecasts_questions_and_resolutions_are_not_commitments() {
    let text = "The Commissioner said that, hopefully, there would be funding for the scheme next year.\n\n\
The new contract would provide much more clarity to providers.\n\n\
Clarification was sought on how the Commissioner would ensure a consistent approach.\n\n\
RESOLVED that the report be noted.\n\n\
Future meetings would be webcast to reach a wider audience.\n";
    assert!(found(text).is_empty(), "{:?}", found(text));
}

#[test]
fn promises_inside_long_sentences_brackets_and_conditions() {
    let text = "In response to a question on the new custody suite (which had opened in March), the Commissioner \
explained that the delay had been caused by the contractor and agreed to provide a timeline of the remaining works.\n\n\
If the figures were available before the summer, she would share them with the Panel.\n\n\
A councillor raised the closure of the front counter; the Chief Executive was happy to come back to a future meeting on it.\n";
    let c = extract(text);
    assert_eq!(c.len(), 3, "{c:?}");
    assert_eq!(c[1].owed_to.as_deref(), Some("the Panel"));
    assert!(c[2].sentence.starts_with("the Chief Executive was happy"));
}

#[test]
fn html_pages_are_read_as_text() {
    let html = "<html><body><h2>Questions to the Commissioner</h2><p>7. The Commissioner agreed to look into \
the points raised &amp; provide further information.</p><script>var x = 'would provide';</script></body></html>";
    assert!(segment::looks_like_html(html));
    let text = strip_html(html);
    let c = extract(&text);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].paragraph.as_deref(), Some("7"));
    assert_eq!(c[0].agenda_item.as_deref(), Some("Questions to the Commissioner"));
    assert!(c[0].sentence.contains("& provide"));
}

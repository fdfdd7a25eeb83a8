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

// ---- The language of undertakings in other bodies' styles (issue 18) ----

fn rules(text: &str) -> Vec<(Rule, String)> {
    extract(text).into_iter().map(|c| (c.rule, c.sentence)).collect()
}

#[test]
fn items_of_a_list_after_a_lead_in_are_the_commitments() {
    let text = "3.2  During the discussion the Chief Executive undertook to:\n\n\
• Circulate the revised estates timetable;\n\n\
• Check whether the grant had been spent; and\n\n\
• Arrange a briefing for Members.\n\n\
3.3  The Panel agreed to:\n\n(a)  Write to the Home Secretary;\n\n(b)  Receive a further report.\n";
    let c = extract(text);
    assert_eq!(c.len(), 3, "{c:#?}");
    assert!(
        c.iter()
            .all(|c| c.rule == Rule::ListItem
                && c.committed_by.as_deref().is_some_and(|b| b.ends_with("Chief Executive")))
    );
    assert_eq!(c[1].kind, Kind::Check);
    // A lead-in with nothing listed after it is a commitment itself.
    let c = rules("The Treasurer agreed to:\n\nThe meeting closed at 4pm.\n");
    assert_eq!(c, [(Rule::AgreedTo, "The Treasurer agreed to:".to_string())]);
}

#[test]
fn action_lines_in_their_common_shapes() {
    let text = "Action – KP to send the audit plan to the Board\n\n\
ACTION MR / TB to confirm the dates of the visits\n\n\
Action RT write to the Home Office about the grant\n\n\
Action – Once the data is in, JW will check it against last year.\n\n\
ACTION regarding the fleet review carried forward to the next meeting.\n\n\
Action 7 – Head of Estates to circulate the lease terms\n\nComplete\n";
    let c = extract(text);
    assert_eq!(c.iter().map(|c| c.rule).collect::<Vec<_>>(), [Rule::ActionLine; 4], "{c:#?}");
    assert_eq!(c[0].committed_by.as_deref(), Some("KP"));
    assert_eq!(c[2].committed_by.as_deref(), Some("RT"));
    assert_eq!(c[3].committed_by.as_deref(), Some("JW"));
}

#[test]
fn named_parties_to_act_and_being_kept_informed() {
    let text = "Actions\n\n• Officers to prepare a note on the hub's opening hours.\n\n\
A working group was suggested, JT to progress.\n\n\
Chief Superintendent to retire in May.\n\n\
Report of the Director to follow.\n\n\
Members to note the report.\n\n\
RB gave assurance that the Panel would be kept informed of the review.\n\n\
The wording of the plan would be amended to reflect the comments.\n";
    let r = rules(text);
    assert_eq!(
        r.iter().map(|x| x.0).collect::<Vec<_>>(),
        [Rule::NamedTo, Rule::NamedTo, Rule::KeptInformed, Rule::Passive],
        "{r:#?}"
    );
}

#[test]
fn what_only_looks_like_a_promise() {
    let text = "The Home Office had agreed to fund the pilot.\n\n\
The strategy would include a section on rural crime.\n\n\
The Force would be reviewing its estate over the next two years.\n\n\
Funding was given on the basis that more officers would be provided.\n\n\
Members commented that they would circulate their own dates.\n\n\
Councillor Lee asked whether the Commissioner would publish the survey.\n\n\
He hoped to provide better news at the next meeting.\n\n\
The Commissioner was asked to provide an update.\n";
    assert!(found(text).is_empty(), "{:?}", found(text));
}

#[test]
fn conditions_and_progressives_are_promises() {
    let text = "When the audit is finished the findings would be shared with the Panel.\n\n\
The Commissioner said that she would be writing to the Minister.\n\n\
Members would receive a copy of the final report.\n";
    assert_eq!(found(text).len(), 3, "{:?}", extract(text));
}

// ---- Unicode whose lower case has another length (issue 17, finding 2) ----

/// Every candidate points at its sentence: offsets on character boundaries,
/// and the text there is the sentence.
fn assert_spans(text: &str, candidates: &[Candidate]) {
    for c in candidates {
        let end = c.offset + c.length;
        assert!(text.is_char_boundary(c.offset) && end <= text.len() && text.is_char_boundary(end), "{c:?}");
        assert_eq!(&text[c.offset..end], c.sentence, "{c:?}");
    }
}

#[test]
fn letters_that_grow_when_lower_cased_keep_offsets_and_fields() {
    // 'Ⱥ' is 2 bytes and its lower case 'ⱥ' 3; 'İ' is 2 bytes and its lower
    // case "i̇" 3. Offsets found in a lower-cased copy were off by one per letter.
    let text = "Action: ȺȺȺ Clerk to send İİİ figures to the Panel.\n\n\
Action: Clerk to İnform ȺȺ progress to the Member.\n\n\
The figures for ȺȺȺȺȺ would be provided in İİ form by the Treasurer, before June.\n\n\
İİİİİ: the Commissioner would report back on ȺȺȺ to the Member.\n\n\
Action: İ to Ⱥ\n";
    // The last one sliced inside a character: a panic, a 500 through the API.
    let c = extract(text);
    assert_spans(text, &c);
    assert_eq!(c.len(), 5, "{c:#?}");
    assert_eq!(c[0].committed_by.as_deref(), Some("ȺȺȺ Clerk"));
    assert_eq!(c[0].kind, Kind::ProvideInformation);
    assert_eq!(c[0].owed_to.as_deref(), Some("the Panel"));
    assert_eq!(c[0].summary, "Send İİİ figures to the Panel");
    assert_eq!(c[1].committed_by.as_deref(), Some("Clerk"));
    assert_eq!(c[1].owed_to.as_deref(), Some("the Member"));
    assert!(c[1].summary.ends_with("ȺȺ progress to the Member"), "{}", c[1].summary);
    assert_eq!(c[2].committed_by.as_deref(), Some("Treasurer"));
    assert_eq!(c[2].kind, Kind::ProvideInformation);
    assert_eq!(c[3].kind, Kind::ReportBack);
    assert_eq!(c[3].owed_to.as_deref(), Some("the Member"));
    assert_eq!(c[3].committed_by.as_deref(), Some("Commissioner"));
    assert_eq!(c[4].committed_by.as_deref(), Some("İ"));
    assert_eq!(c[4].summary, "Ⱥ");
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Words the rules start from, and letters whose lower case has another length.
    const PIECES: &[&str] = &[
        "would ",
        "will ",
        "be provided ",
        "provide ",
        "report back ",
        "agreed to ",
        "happy to ",
        "happy for ",
        "is to be ",
        "the Panel ",
        "the Commissioner ",
        "the Lead Member ",
        "he ",
        "Action: ",
        " to ",
        " to the ",
        "Member",
        " by ",
        "with the ",
        "how ",
        "whether ",
        "that ",
        "and ",
        ", ",
        "; ",
        ": ",
        "(",
        ")",
        ". ",
        "? ",
        "\n",
        "\n\n",
        "  ",
        "7. ",
        "(a) ",
        "• ",
        "- ",
        "Complete",
        "RESOLVED ",
        "Mr. ",
        "e.g. ",
        "Ⱥ",
        "İ",
        "ⱥ",
        "ẞ",
        "ß",
        "K",
        "Σ",
        "’",
        "\u{a0}",
        "\r\n",
        "ǅ",
        "ﬃ",
        "🙂",
    ];

    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => proptest::sample::select(PIECES).prop_map(str::to_string),
            1 => any::<String>().prop_map(|s| s.chars().take(12).collect()),
        ]
    }

    /// Minutes written for these tests, and the labelled corpus where it is
    /// (`../shared/corpus` beside the repository).
    fn samples() -> Vec<String> {
        let mut out: Vec<String> = SAMPLES.iter().map(|s| s.to_string()).collect();
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/minutes");
        if let Ok(dir) = std::fs::read_dir(&corpus) {
            let mut files: Vec<_> = dir.flatten().map(|e| e.path()).collect();
            files.sort();
            out.extend(files.iter().filter_map(|f| std::fs::read_to_string(f).ok()));
        }
        out
    }

    /// An edit at a character position (taken modulo the text's length).
    #[derive(Debug, Clone)]
    enum Edit {
        Insert(usize, String),
        Delete(usize, usize),
        Replace(usize, String),
    }

    fn edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            (any::<usize>(), piece()).prop_map(|(at, s)| Edit::Insert(at, s)),
            (any::<usize>(), 1..40usize).prop_map(|(at, n)| Edit::Delete(at, n)),
            (any::<usize>(), piece()).prop_map(|(at, s)| Edit::Replace(at, s)),
        ]
    }

    fn apply(text: &str, edits: &[Edit]) -> String {
        let mut chars: Vec<char> = text.chars().collect();
        for e in edits {
            let n = chars.len() + 1;
            match e {
                Edit::Insert(at, s) => {
                    let at = at % n;
                    chars.splice(at..at, s.chars());
                }
                Edit::Delete(at, k) => {
                    let at = at % n;
                    let end = (at + k).min(chars.len());
                    chars.drain(at.min(end)..end);
                }
                Edit::Replace(at, s) => {
                    let at = at % n;
                    let end = (at + s.chars().count()).min(chars.len());
                    chars.splice(at.min(end)..end, s.chars());
                }
            }
        }
        chars.into_iter().collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn any_text_gives_candidates_that_are_their_sentences(pieces in proptest::collection::vec(piece(), 0..80)) {
            let text = pieces.concat();
            assert_spans(&text, &extract(&text));
        }

        #[test]
        fn arbitrary_unicode_gives_candidates_that_are_their_sentences(text in any::<String>()) {
            assert_spans(&text, &extract(&text));
        }

        #[test]
        fn edited_minutes_give_candidates_that_are_their_sentences(
            which in any::<prop::sample::Index>(),
            edits in proptest::collection::vec(edit(), 1..12),
        ) {
            let samples = samples();
            let text = apply(&samples[which.index(samples.len())], &edits);
            assert_spans(&text, &extract(&text));
        }
    }
}

// ---- Time linear in the input (issue 17, finding 1) -----------------------

/// Minutes in several councils' styles (as in `benches/extract.rs`).
const SAMPLES: &[&str] = &[
    "Agenda item\n\nUpdate on Expenditure\n\nMinutes:\n\n7.    In response to a question about the youth scheme the Commissioner would report back to the Member on which school would be involved.\n\n8.    The victims fund had been protected and would be protected next year.\n\n",
    "(a) (Minute No. 43 - Self-Assessment) - a document is to be distributed to all Members prior to the next meeting; the document will be considered in July;\n\n(b) preparatory work has begun on the Annual Governance Statement;\n\n",
    "14/2018/P - Stop and Search\n\n·         The Assistant Commissioner agreed to circulate the action plan arising from the staff survey.\n\n·         Members noted that this reference had been completed and could be closed.\n\n",
    "Action 1: Secretariat to contact the Youth Commission.\n\n• Complete - the invitation was accepted.\n\nAction: Head of Performance to send Members the breakdown by district.\n\n",
    "The Panel asked if it could be involved in the design of the review of the new\n\nNeighbourhood Policing Model. The Commissioner advised that she would\n\nensure that the Chief Constable heard the Panel's concerns.\n\nRESOLVED that the report be noted.\n\n",
];

/// Shapes that once took time quadratic in their length (2 MiB of full stops
/// would have taken hours). Each, as large as the API accepts, must finish;
/// the bound is generous (an unoptimised build on a busy machine), and the
/// speed itself is measured by `cargo bench --bench extract`.
#[test]
fn the_largest_minutes_of_hostile_shapes_finish() {
    use std::time::Duration;
    let shapes = [
        ".",
        "would ",
        "will ",
        "he would provide ",
        "how would provide ",
        "the panel agreed to provide ",
        "would be provided ",
        "1.1.1.",
        "Ⱥ would ",
    ];
    // And a block that grows by joining: a line of eleven words, unfinished,
    // goes on in each next block, however it starts.
    let joined = format!("{}\n\n{}", "word ".repeat(11), "A\n\n".repeat((MAX_TEXT_BYTES - 64) / 3));
    for text in shapes.iter().map(|u| u.repeat(MAX_TEXT_BYTES / u.len())).chain([joined]) {
        let opening: String = text.chars().take(30).collect();
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = done.send(extract(&text).len());
        });
        let limit = Duration::from_secs(120);
        assert!(finished.recv_timeout(limit).is_ok(), "2 MiB of {opening:?}... did not finish within {limit:?}");
    }
}

#[test]
fn an_extraction_stops_when_cancelled_or_past_its_deadline() {
    use std::time::{Duration, Instant};
    let text = "he would provide ".repeat(MAX_TEXT_BYTES / 17);
    let budget = Budget::unlimited();
    budget.cancel();
    assert_eq!(extract_with(&text, &budget), Err(Stopped::Cancelled));
    assert_eq!(extract_with(&text, &Budget::within(Duration::ZERO)), Err(Stopped::TimedOut));
    assert_eq!(extract_with(SAMPLES[0], &Budget::within(Duration::from_secs(3600))), Ok(extract(SAMPLES[0])));

    // Cancelled from another thread while it works: it stops soon after.
    let budget = Budget::unlimited();
    let worker = {
        let budget = budget.clone();
        std::thread::spawn(move || loop {
            if let Err(stopped) = extract_with(&text, &budget) {
                return (stopped, Instant::now());
            }
        })
    };
    std::thread::sleep(Duration::from_millis(50));
    let guard = budget.cancel_on_drop();
    let cancelled_at = Instant::now();
    drop(guard);
    let (stopped, at) = worker.join().unwrap();
    assert_eq!(stopped, Stopped::Cancelled);
    assert!(at.duration_since(cancelled_at) < Duration::from_secs(2), "stopped {:?} after", at - cancelled_at);
}

#[test]
fn the_one_who_promised_is_before_a_reporting_verb() {
    let text = "7. The Commissioner said he would report back to the Member on which school would be involved.\n\n\
8. The Chief Constable explained she would circulate the figures to all Members.\n";
    let c = extract(text);
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].committed_by.as_deref(), Some("Commissioner"));
    assert_eq!(c[1].committed_by.as_deref(), Some("Chief Constable"));
}

//! Finds the commitments in meeting minutes: promises of a future action or
//! piece of information by a party to the meeting. Pure (no I/O): text in,
//! candidates out, each pointing at its exact span of the input.
//!
//! The rules are about the language of commitments, not particular sentences:
//! - a party *agrees / undertakes / offers / promises to* do something;
//! - a person (a pronoun, a role, a name) *would / will* do one of the things
//!   promised at meetings (report back, check, look into, provide, circulate...);
//! - something *would / will / is to be* provided, circulated, shared, sent,
//!   published... (the passive minutes love), or *it was agreed that* it would;
//! - someone is *happy to* come back or provide, or *happy for the Panel to* see;
//! - an `Action` line in its common shapes (`Action: DD to provide...`,
//!   `ACTION SN send...`, `Action – SM will review...`);
//! - a party named at the start of a clause *to* act (`Officers to review...`);
//! - the panel *would be kept updated / informed*;
//! - each item of a list after *undertook to:* / *agreed to:*.
//!
//! Each candidate says which [`Rule`] found it.
//!
//! Not commitments: questions (`asked whether / how ... would`), hedged hopes,
//! forecasts and plans (`would remain / continue / be expanding`), the panel's
//! own views and requests, resolutions, and reviews of earlier actions (an
//! `Action` line followed by a `Complete` / `Not complete` status).
//!
//! Linear in its input, whatever its shape: every loop moves forward, the
//! clause before a cue is carried along as the cues move right (see
//! [`Clauses`]), and only the candidate kept is built. Words are matched on
//! the original text, case-insensitively in ASCII (or on an ASCII-lower-cased
//! copy, whose byte offsets are the original's): a fully lower-cased copy can
//! differ in length (`Ⱥ`, `İ`), so its offsets must never slice the original.
//! [`extract_with`] stops early when its [`Budget`] is cancelled or spent.

pub mod budget;
pub mod eval;
pub mod segment;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use budget::{Budget, CancelOnDrop, Stopped};
pub use segment::strip_html;

use budget::Meter;

/// The largest minutes accepted, in bytes (documented in the README).
pub const MAX_TEXT_BYTES: usize = 2 * 1024 * 1024;

/// What kind of follow-up a commitment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    ReportBack,
    Check,
    LookInto,
    ProvideInformation,
    Publish,
    Respond,
    Other,
}

impl Kind {
    /// The action kind an accepted candidate is logged with.
    pub fn action_kind(self) -> crate::domain::ActionKind {
        use crate::domain::ActionKind as A;
        match self {
            Kind::ReportBack => A::ReportBack,
            Kind::Check => A::Check,
            Kind::LookInto => A::LookInto,
            Kind::ProvideInformation | Kind::Respond => A::ProvideInformation,
            Kind::Publish => A::Publish,
            Kind::Other => A::Other,
        }
    }
}

/// Which rule found a commitment (so that every candidate can be explained).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// A party *agrees / undertakes / offers / promises / commits to* do something.
    AgreedTo,
    /// A person (pronoun, role, name, initials) *would / will* do one of the
    /// things promised at meetings (report back, check, look into, provide...).
    WouldDo,
    /// Something *would / will / is to be* provided, circulated, shared,
    /// amended... (the passive, with the promiser clear from the meeting).
    Passive,
    /// The panel or a person *would / will be kept updated / informed*.
    KeptInformed,
    /// Someone is *happy to* come back or provide, or *happy for the Panel to* see.
    HappyTo,
    /// An `Action` line: `Action: DD to provide...`, `Action – SM will review...`.
    ActionLine,
    /// A party named at the start of a clause and *to* do something, with no
    /// verb of its own: `Officers to review...`, `..., CH to progress.`
    NamedTo,
    /// An item of a list introduced by *undertook to:* / *agreed to:*.
    ListItem,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::AgreedTo => "agreed_to",
            Rule::WouldDo => "would_do",
            Rule::Passive => "passive",
            Rule::KeptInformed => "kept_informed",
            Rule::HappyTo => "happy_to",
            Rule::ActionLine => "action_line",
            Rule::NamedTo => "named_to",
            Rule::ListItem => "list_item",
        }
    }
}

/// One commitment found in the minutes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Candidate {
    /// The minute paragraph as written ("7", "10.a", "(d)"), when the minutes number them.
    pub paragraph: Option<String>,
    /// The agenda item heading above it, when one is visible.
    pub agenda_item: Option<String>,
    /// The sentence, exactly as in the input.
    pub sentence: String,
    /// Byte offset of the sentence in the input.
    pub offset: usize,
    /// Its length in bytes.
    pub length: usize,
    /// The words that marked it as a commitment.
    #[schema(example = "would report back")]
    pub cue: String,
    /// The rule that found it.
    pub rule: Rule,
    pub kind: Kind,
    #[schema(example = "Commissioner")]
    pub committed_by: Option<String>,
    #[schema(example = "the Member")]
    pub owed_to: Option<String>,
    /// A suggested one-line description of what must be done.
    pub summary: String,
    /// From 0 to 1.
    pub confidence: f64,
}

const DELIVERY_VERBS: &[&str] = &[
    "report back",
    "come back",
    "feed back",
    "report",
    "check",
    "look into",
    "look at",
    "investigate",
    "consider",
    "review",
    "revisit",
    "provide",
    "circulate",
    "send",
    "share",
    "supply",
    "produce",
    "forward",
    "distribute",
    "publish",
    "write",
    "respond",
    "reply",
    "update",
    "ensure",
    "find out",
    "confirm",
    "arrange",
    "follow up",
    "ask",
    "request",
    "raise",
    "meet",
    "discuss",
    "clarify",
    "amend",
    "liaise",
    "contact",
    "speak",
    "talk",
    "inform",
    "let",
    "take",
    "bring",
    "give",
    "explore",
    "work",
    "seek",
    "obtain",
    "make",
    "incorporate",
    "notify",
    "pass on",
    "chase",
    "set up",
    "organise",
    "organize",
    "attend",
    "keep",
    "email",
    "pick",
];

/// What a party is told or sent: "Members would receive *a copy* of the report".
const INFORMATION_NOUNS: &[&str] = &[
    "update",
    "updates",
    "copy",
    "copies",
    "details",
    "briefing",
    "response",
    "information",
    "figures",
    "breakdown",
    "note",
    "answer",
    "reply",
];

const PASSIVE_PARTICIPLES: &[&str] = &[
    "provided",
    "circulated",
    "shared",
    "sent",
    "distributed",
    "published",
    "supplied",
    "forwarded",
    "reported",
    "brought back",
    "brought",
    "made available",
    "given",
    "issued",
    "emailed",
    "copied",
    "presented",
    "submitted",
    "fed back",
    "reported back",
    "followed up",
    "looked into",
    "investigated",
    "arranged",
    "made public",
    "amended",
    "revised",
    "corrected",
    "reworded",
    "incorporated",
    "clarified",
    "kept updated",
    "kept informed",
    "kept up to date",
    "kept abreast",
    "updated",
    "informed",
    "notified",
    "briefed",
    "advised",
];

const PERSON_WORDS: &[&str] = &[
    "he",
    "she",
    "they",
    "we",
    "i",
    "commissioner",
    "pcc",
    "dpcc",
    "pfcc",
    "constable",
    "officer",
    "officers",
    "chair",
    "chairman",
    "chairperson",
    "director",
    "head",
    "manager",
    "secretariat",
    "secretary",
    "opcc",
    "deputy",
    "lead",
    "clerk",
    "inspector",
    "superintendent",
    "commander",
    "treasurer",
    "executive",
    "staff",
    "team",
    "force",
    "police",
    "member",
    "leader",
    "mayor",
    "cabinet",
    "portfolio",
    "holder",
    "solicitor",
    "auditor",
    "officer's",
];

const PANEL_SUBJECTS: &[&str] = &[
    "the panel",
    "panel",
    "the committee",
    "committee",
    "members",
    "the members",
    "the sub-committee",
    "sub-committee",
    "the board",
    "a member",
    "member",
];

const QUESTION_WORDS: &[&str] = &["how", "whether", "if", "what", "why", "when", "where", "which", "could"];

const HEDGES: &[&str] = &[
    "hopefully",
    "it was hoped",
    "hoped that",
    "hope to",
    "hopes to",
    "hoped to",
    "hoping",
    "was expected",
    "it is expected",
    "likely to",
    "anticipated",
    "intends to",
    "intended to",
    "intending to",
    "might",
    "perhaps",
    "possibly",
];

/// Time spans that make a "would / will" a plan or a forecast of an
/// organisation ("would be expanding over the next couple of years"), not a
/// follow-up owed to the meeting.
const FORECASTS: &[&str] = &[
    "next year",
    "coming year",
    "coming years",
    "over the next",
    "over the coming",
    "in the long term",
    "in the longer term",
    "in future years",
    "next financial year",
    "over time",
];

/// Finds the commitments in minutes text (plain text; see [`strip_html`]).
pub fn extract(text: &str) -> Vec<Candidate> {
    // An unlimited budget nobody else holds is never spent.
    extract_with(text, &Budget::unlimited()).unwrap_or_default()
}

/// As [`extract`], but stops with [`Stopped`] soon after `budget` is
/// cancelled or runs past its deadline.
pub fn extract_with(text: &str, budget: &Budget) -> Result<Vec<Candidate>, Stopped> {
    let mut meter = Meter::new(budget);
    let mut out = Vec::new();
    // The lead-in of the list being read ("undertook to:"), and how many items it has had.
    let mut lead_in: Option<Candidate> = None;
    let mut items = 0usize;
    for s in segment::sentences_metered(text, &mut meter)? {
        meter.tick()?;
        if let Some(lead) = &lead_in {
            if s.list_item {
                if s.starts_block && !s.followed_by_status {
                    out.push(list_item(text, &s, lead));
                    items += 1;
                }
                continue;
            }
            if let Some(lead) = lead_in.take().filter(|_| items == 0) {
                out.push(lead);
            }
        }
        match classify(text, &s, &mut meter)? {
            Found::Nothing => {}
            Found::One(c) => out.push(c),
            Found::LeadIn(c) => {
                lead_in = Some(c);
                items = 0;
            }
        }
    }
    if let Some(lead) = lead_in.filter(|_| items == 0) {
        out.push(lead);
    }
    Ok(out)
}

/// Whether `s` starts with the ASCII `prefix`, ignoring ASCII case. Then
/// `prefix.len()` is a character boundary of `s`.
pub(crate) fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.as_bytes().get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix.as_bytes()))
}

fn ends_with_ignore_case(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len() && s.as_bytes()[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

fn is_one_of(token: &str, list: &[&str]) -> bool {
    list.iter().any(|w| token.eq_ignore_ascii_case(w))
}

type Words = Vec<(usize, usize, String)>;

/// Lower-case words of a sentence with their byte ranges in it.
fn words(sentence: &str, meter: &mut Meter) -> Result<Words, Stopped> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in sentence.char_indices() {
        let part = c.is_alphanumeric() || c == '\'' || c == '’' || c == '-';
        match (part, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                meter.tick()?;
                out.push((s, i, normalise(&sentence[s..i])));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, sentence.len(), normalise(&sentence[s..])));
    }
    Ok(out)
}

/// A word in lower case with a typographic apostrophe made plain (compared
/// with the word lists, never used for offsets).
fn normalise(word: &str) -> String {
    let lower = word.to_lowercase();
    if lower.contains('’') {
        lower.replace('’', "'")
    } else {
        lower
    }
}

/// Whether the words from index `i` spell `phrase`.
/// (Compares in place: splitting each phrase was most of the time of a
/// sentence made of "would".)
fn phrase_at(w: &[(usize, usize, String)], i: usize, phrase: &str) -> bool {
    let mut rest = phrase;
    let mut k = i;
    loop {
        let Some((_, _, word)) = w.get(k) else {
            return false;
        };
        match rest.strip_prefix(word.as_str()) {
            Some("") => return true,
            Some(more) if more.starts_with(' ') => {
                rest = &more[1..];
                k += 1;
            }
            _ => return false,
        }
    }
}

fn longest_match<'a>(w: &[(usize, usize, String)], i: usize, list: &[&'a str]) -> Option<&'a str> {
    list.iter().filter(|p| phrase_at(w, i, p)).max_by_key(|p| p.len()).copied()
}

/// Skips adverbs that sit between a modal and its verb ("would also provide").
fn skip_adverbs(w: &[(usize, usize, String)], mut i: usize) -> usize {
    while w.get(i).is_some_and(|x| {
        matches!(
            x.2.as_str(),
            "also"
                | "then"
                | "now"
                | "further"
                | "personally"
                | "shortly"
                | "soon"
                | "happily"
                | "be happy to"
                | "certainly"
        )
    }) {
        i += 1;
    }
    i
}

/// Where a clause starts: after , ; : ( ) and after these words.
const CLAUSE_MARKERS: [&str; 5] = [" that ", " and ", " but ", " who ", " which "];

/// The clause before each cue word of a sentence ("the Commissioner" in
/// "Asked about it, the Commissioner would report back"), and what it holds.
/// Cues are asked about from left to right, and what is known of a clause is
/// carried on as the cue moves right: however many cues share one long clause,
/// each character of it is read once.
struct Clauses<'a> {
    sentence: &'a str,
    /// Where clauses start, ascending.
    starts: Vec<usize>,
    /// How many of `starts` are at or before the last cue asked about.
    passed: usize,
    /// Where "lead member" occurs, ascending.
    lead_member: Vec<usize>,
    scan: ClauseScan,
}

/// What is known of the clause from `start` up to `pos`.
#[derive(Default)]
struct ClauseScan {
    start: usize,
    pos: usize,
    /// Where the whitespace-separated token being read began.
    token: Option<usize>,
    /// Where the word (letters, digits, apostrophes) being read began.
    word: Option<usize>,
    question: bool,
    person: bool,
    last_capitalised: bool,
    two_capitalised: bool,
}

/// The clause before a cue.
struct Clause<'a> {
    text: &'a str,
    /// It holds a question word (how, whether, if...): a question, not a promise.
    question: bool,
    /// It names a person or role, or has two capitalised words in a row (a name).
    person: bool,
    /// It is the panel or committee itself.
    panel: bool,
}

/// Whether the token at `at` makes its clause a question. "If" and "When"
/// opening the sentence make it a condition ("When the review is complete,
/// the findings would be shared"), not a question.
fn asks(token: &str, at: usize) -> bool {
    is_one_of(token, QUESTION_WORDS) && !(at == 0 && is_one_of(token, &["if", "when"]))
}

fn capitalised(token: &str) -> bool {
    token.chars().next().is_some_and(char::is_uppercase)
}

impl<'a> Clauses<'a> {
    /// `lower` is `sentence` lower-cased in ASCII (so with the same offsets).
    fn new(sentence: &'a str, lower: &str) -> Self {
        let bytes = lower.as_bytes();
        let mut starts = Vec::new();
        for end in 1..=bytes.len() {
            let after_marker =
                bytes[end - 1] == b' ' && CLAUSE_MARKERS.iter().any(|m| bytes[..end].ends_with(m.as_bytes()));
            if after_marker || matches!(bytes[end - 1], b',' | b';' | b':' | b'(' | b')') {
                starts.push(end);
            }
        }
        let lead_member = lower.match_indices("lead member").map(|(p, _)| p).collect();
        Clauses { sentence, starts, passed: 0, lead_member, scan: ClauseScan::default() }
    }

    /// The clause that ends at `end`, the start of a cue word. Each call's
    /// `end` is at or after the last one's.
    fn before(&mut self, end: usize) -> Clause<'a> {
        let sentence = self.sentence;
        while self.starts.get(self.passed).is_some_and(|&s| s <= end) {
            self.passed += 1;
        }
        let start = if self.passed == 0 { 0 } else { self.starts[self.passed - 1] };
        if start != self.scan.start || end < self.scan.pos {
            self.scan = ClauseScan { start, pos: start, ..ClauseScan::default() };
        }
        let scan = &mut self.scan;
        let from = scan.pos;
        for (k, c) in sentence[from..end].char_indices() {
            let at = from + k;
            if c.is_whitespace() {
                if let Some(t) = scan.token.take() {
                    let token = &sentence[t..at];
                    scan.question |= asks(token, t);
                    let capital = capitalised(token);
                    scan.two_capitalised |= scan.last_capitalised && capital;
                    scan.last_capitalised = capital;
                }
            } else if scan.token.is_none() {
                scan.token = Some(at);
            }
            if c.is_alphanumeric() || c == '\'' {
                if scan.word.is_none() {
                    scan.word = Some(at);
                }
            } else if let Some(w) = scan.word.take() {
                scan.person |= is_one_of(&sentence[w..at], PERSON_WORDS) || is_initials(&sentence[w..at]);
            }
        }
        scan.pos = end;
        // The token and word being read when the clause ends are its last.
        let token = scan.token.map(|t| &sentence[t..end]);
        let word = scan.word.map(|w| &sentence[w..end]);
        let question = scan.question || scan.token.is_some_and(|t| asks(&sentence[t..end], t));
        let person = scan.person
            || word.is_some_and(|w| is_one_of(w, PERSON_WORDS) || is_initials(w))
            || scan.two_capitalised
            || (scan.last_capitalised && token.is_some_and(capitalised));
        let first_lead_member = self.lead_member.partition_point(|&p| p < start);
        let lead_member = self.lead_member.get(first_lead_member).is_some_and(|&p| p + "lead member".len() <= end);
        let text = &sentence[start..end];
        Clause { text, question, person, panel: is_panel(text, lead_member) }
    }
}

/// The panel or committee itself ("the Panel", "Members"; "the Lead Member"
/// is a person). Decided by the subject's last 18 characters (the longest
/// panel subject with its space before is 18), so a long subject costs no
/// more than a short one.
fn is_panel(subject: &str, mentions_lead_member: bool) -> bool {
    const TAIL: usize = 18;
    let t = subject.trim_end();
    let cut = t.char_indices().rev().nth(TAIL - 1).map_or(0, |(i, _)| i);
    let tail = &t[cut..];
    // The whole subject, when only spaces come before the tail.
    let whole = t[..cut].chars().rev().all(char::is_whitespace).then(|| tail.trim_start());
    let s = whole.unwrap_or(tail);
    PANEL_SUBJECTS.iter().any(|p| {
        whole.is_some_and(|w| w.eq_ignore_ascii_case(p))
            || (s.len() > p.len()
                && ends_with_ignore_case(s, p)
                && s.as_bytes()[s.len() - p.len() - 1] == b' '
                && !mentions_lead_member)
    })
}

fn kind_of(verb: &str) -> Kind {
    match verb {
        "report back" | "come back" | "feed back" | "report" | "update" | "write" | "reported back" | "reported"
        | "fed back" | "brought back" | "keep" | "kept updated" | "kept informed" | "kept up to date"
        | "kept abreast" | "updated" => Kind::ReportBack,
        "check" | "find out" | "confirm" | "ask" => Kind::Check,
        "look into" | "look at" | "investigate" | "consider" | "review" | "revisit" | "explore" | "looked into"
        | "investigated" => Kind::LookInto,
        "publish" | "published" => Kind::Publish,
        "respond" | "reply" => Kind::Respond,
        "provide" | "circulate" | "send" | "share" | "supply" | "produce" | "forward" | "distribute" | "provided"
        | "circulated" | "shared" | "sent" | "distributed" | "supplied" | "forwarded" | "made available" | "given"
        | "issued" | "emailed" | "copied" | "inform" | "give" | "informed" | "notified" | "briefed" | "advised"
        | "notify" | "email" | "pass on" | "receive" => Kind::ProvideInformation,
        "made public" => Kind::Publish,
        _ => Kind::Other,
    }
}

/// Whom a commitment is owed to, when the words say so.
const OWED_TO: [&str; 11] = [
    "member",
    "members",
    "panel",
    "committee",
    "sub-committee",
    "board",
    "chair",
    "chairman",
    "councillor",
    "councillors",
    "community",
];

/// Who it is owed to, where the words say: "to the Member", "with the Panel".
/// `lower` is `rest` lower-cased in ASCII (so with the same offsets).
fn owed_to(rest: &str, lower: &str) -> Option<String> {
    for marker in ["to the ", "with the ", "to all ", "to ", "with "] {
        let mut from = 0;
        while let Some(p) = lower[from..].find(marker) {
            let at = from + p + marker.len();
            let end = rest[at..].find(|c: char| !c.is_alphanumeric() && c != '-').map_or(rest.len(), |e| at + e);
            let word = &rest[at..end];
            if is_one_of(word, &OWED_TO) {
                let article = if marker.contains("the") {
                    "the "
                } else if marker.contains("all") {
                    "all "
                } else {
                    ""
                };
                return Some(format!("{article}{word}"));
            }
            from = at;
        }
    }
    None
}

/// Verbs that report what someone said: in "the Commissioner said he would",
/// the one who promised is before the verb, not the pronoun after it.
const REPORTING_VERBS: &[&str] = &[
    "said",
    "stated",
    "confirmed",
    "explained",
    "advised",
    "replied",
    "responded",
    "indicated",
    "added",
    "noted",
    "assured",
    "commented",
    "reported",
    "acknowledged",
    "accepted",
    "agreed",
    "suggested",
    "informed",
    "told",
];

fn committed_by(subject: &str) -> Option<String> {
    let s = subject.trim().trim_start_matches(|c: char| !c.is_alphanumeric());
    let words: Vec<&str> = s.split_whitespace().collect();
    let reported = match words.as_slice() {
        [before @ .., verb, pronoun] | [before @ .., verb, _, pronoun]
            if !before.is_empty()
                && is_one_of(pronoun, &["he", "she", "they", "we", "i"])
                && is_one_of(verb, REPORTING_VERBS)
                && (words.len() - before.len() == 2 || words[words.len() - 2].eq_ignore_ascii_case("that")) =>
        {
            Some(before.join(" "))
        }
        _ => None,
    };
    let reported = reported.as_deref().unwrap_or(s);
    let s = reported;
    let s = ["the ", "then the ", "and the "]
        .iter()
        .find_map(|p| starts_with_ignore_case(s, p).then(|| &s[p.len()..]))
        .unwrap_or(s);
    let s = s.trim();
    if s.is_empty() || s.split_whitespace().count() > 8 || is_one_of(s, &["he", "she", "they", "it", "we", "i"]) {
        return None;
    }
    Some(s.to_string())
}

/// "Report back on which school..." from the text after the cue.
fn summary(verb: &str, rest: &str) -> String {
    let rest = rest.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut s = format!("{} {}", verb, rest).trim().trim_end_matches(['.', ';', ',']).to_string();
    if s.chars().count() > 140 {
        s = s.chars().take(137).collect::<String>().trim_end().to_string() + "...";
    }
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().collect::<String>() + chars.as_str(),
        None => s,
    }
}

/// What one sentence holds.
enum Found {
    Nothing,
    One(Candidate),
    /// A lead-in to a list of undertakings ("the Deputy Commissioner
    /// undertook to:"): the items that follow are the commitments, and the
    /// lead-in is one itself only when no item follows.
    LeadIn(Candidate),
}

/// Words that join the parts of a named party ("Head of Performance",
/// "SE and JA", "either Shaun Hallam or Kev Hardwick").
const SUBJECT_JOINERS: &[&str] = &["and", "or", "either", "the", "of", "for", "&"];

/// Words after "to" that show it is not an infinitive ("Clerk to the Panel").
const NOT_A_VERB: &[&str] = &[
    "be", "the", "a", "an", "this", "that", "these", "those", "his", "her", "their", "its", "our", "my", "your", "and",
    "or", "of", "in", "on", "at", "by", "for", "with", "from", "all", "any", "date", "which", "what", "who", "whom",
    "whose", "it", "them", "him", "me", "us", "some", "each", "every", "no", "not", "-", "follow",
];

/// Acts an action log assigns, beyond [`DELIVERY_VERBS`]: outside an
/// `Action` line, "Officers to include...", "CH to progress" need one of
/// these ("Chief Constable to retire in March" is news, not an action).
const ACTION_VERBS: &[&str] = &[
    "include",
    "progress",
    "prepare",
    "draft",
    "invite",
    "pursue",
    "develop",
    "identify",
    "schedule",
    "add",
    "change",
    "correct",
    "escalate",
    "diarise",
    "convene",
    "organise",
    "hold",
    "agree",
    "put",
    "circulate",
    "present",
    "research",
    "map",
    "test",
    "resolve",
    "chase",
    "remind",
    "update",
    "complete",
    "establish",
    "compile",
    "collate",
    "draw",
];

/// Words of the panel itself in a named subject ("Members to note...").
const PANEL_WORDS: &[&str] = &["panel", "committee", "sub-committee", "members", "board", "councillors"];

/// Words before "that" which make what follows a condition, a request, a
/// view or a hope, not a promise: "on the basis that ... would be provided",
/// "requested that ... would".
const FRAMES: &[&str] = &[
    "basis",
    "assumption",
    "expectation",
    "understanding",
    "condition",
    "hope",
    "hoped",
    "hopeful",
    "expected",
    "anticipated",
    "likely",
    "unlikely",
    "suggested",
    "requested",
    "asked",
    "recommended",
    "proposed",
    "felt",
    "thought",
    "believed",
    "considered",
    "concerned",
    "concern",
    "view",
    "queried",
    "questioned",
    "wondered",
    "possible",
    "important",
    "essential",
    "vital",
    "wanted",
    "insisted",
];

/// Participles of being told: the panel (or a person) *would be kept
/// updated / informed* is a promise to them, so the panel may be the subject.
const RECIPIENT_PARTICIPLES: &[&str] = &[
    "kept updated",
    "kept informed",
    "kept up to date",
    "kept abreast",
    "updated",
    "informed",
    "notified",
    "briefed",
    "advised",
];

/// The delivery verb whose -ing form `word` is ("writing", "providing",
/// "sending"), if any.
fn progressive(word: &str) -> Option<&'static str> {
    let stem = word.strip_suffix("ing")?;
    DELIVERY_VERBS.iter().copied().filter(|v| !v.contains(' ')).find(|v| {
        stem == *v
            || v.strip_suffix('e') == Some(stem)
            || (stem.len() == v.len() + 1
                && stem.starts_with(v)
                && stem.as_bytes()[v.len()] == v.as_bytes()[v.len() - 1])
    })
}

/// 2 to 5 capital letters: initials ("DD", "SE") or an acronym ("LGA").
fn is_initials(token: &str) -> bool {
    (2..=5).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_uppercase())
}

/// The word a party is named with (a role, initials, a capitalised name) or a joiner.
fn subject_like(original: &str, lower: &str) -> bool {
    capitalised(original) || is_one_of(lower, PERSON_WORDS) || is_one_of(lower, SUBJECT_JOINERS)
}

/// Whether the gap between two words starts a new clause.
fn clause_break(gap: &str) -> bool {
    gap.contains([',', ';', ':', '(', ')', '–', '—'])
}

/// A party named and *to* do something ("Officers to review...", "CH to
/// progress", "SE / JA to provide"): the indices of the subject's first word,
/// of "to" and of the verb. Read from `from`; in an `Action` line
/// (`action`) the party is the whole run of words from there, and any
/// capitalised word names it; elsewhere the party starts a clause and must
/// be a role, initials or a name. One pass over the words.
fn named_to(sentence: &str, w: &[(usize, usize, String)], from: usize, action: bool) -> Option<(usize, usize, usize)> {
    let mut first = from;
    let mut ok = true;
    let mut person = false;
    let mut panel = false;
    let mut last_capitalised = false;
    let mut qualifier = false;
    for k in from..w.len() {
        let (a, b, word) = (&w[k].0, &w[k].1, w[k].2.as_str());
        if k > from && (clause_break(&sentence[w[k - 1].1..*a]) || word == "-") {
            if action {
                return None;
            }
            first = k + usize::from(word == "-");
            ok = true;
            person = false;
            panel = false;
            last_capitalised = false;
            qualifier = false;
            if word == "-" {
                continue;
            }
        }
        if !ok {
            continue;
        }
        let original = &sentence[*a..*b];
        if word == "to" && k > first {
            let verb = w.get(k + 1)?;
            let verb_original = &sentence[verb.0..verb.1];
            let verb_ok = !is_one_of(&verb.2, NOT_A_VERB)
                && (action
                    || (verb_original.starts_with(|c: char| c.is_lowercase())
                        && (longest_match(w, k + 1, DELIVERY_VERBS).is_some() || is_one_of(&verb.2, ACTION_VERBS))))
                && !verb_original.starts_with(|c: char| c.is_ascii_digit());
            if verb_ok && (person || action) && !panel {
                return Some((first, k, k + 1));
            }
            if action {
                return None;
            }
            ok = false;
            continue;
        }
        if !subject_like(original, word) {
            if action {
                return None;
            }
            ok = false;
            continue;
        }
        // "Head of Performance" is a person, "Report of the Chief Executive" is not:
        // only the words before "of" / "for" (until the next "and") name the party.
        match word {
            "of" | "for" => qualifier = true,
            "and" | "or" => qualifier = false,
            _ => {}
        }
        // A single letter ("Appendix A") is no part of a name.
        let capital = capitalised(original) && !is_one_of(word, SUBJECT_JOINERS) && original.chars().nth(1).is_some();
        person |=
            !qualifier && (is_one_of(word, PERSON_WORDS) || is_initials(original) || (last_capitalised && capital));
        panel |= is_one_of(word, PANEL_WORDS);
        last_capitalised = capital;
    }
    None
}

/// Where the body of an `Action` line starts ("Action 3: ", "ACTION – ",
/// "Action "), when the sentence is one.
fn action_body(lower: &str) -> Option<usize> {
    let lead = lower.len() - lower.trim_start().len();
    let rest = lower[lead..].strip_prefix("action")?;
    if rest.starts_with(|c: char| c.is_alphanumeric()) {
        return None;
    }
    let body = rest.trim_start_matches(|c: char| c.is_whitespace() || c.is_ascii_digit() || ":–—-.)".contains(c));
    Some(lower.len() - body.len())
}

/// The word before "that" when the clause starting at `start` follows "that"
/// (at most 16 characters of it are read, so this costs a fixed amount).
fn frame_before(lower: &str, start: usize) -> Option<String> {
    let before = lower[..start].trim_end();
    let before = before.strip_suffix("that")?;
    if !before.ends_with(char::is_whitespace) {
        return None;
    }
    let word: String = before.trim_end().chars().rev().take(17).take_while(|c| c.is_alphabetic()).collect();
    Some(word.chars().rev().collect())
}

/// The verb of a list item ("Provide the full costs...", "To share...").
fn list_item(text: &str, s: &segment::Sentence, lead: &Candidate) -> Candidate {
    let sentence = &text[s.start..s.end];
    let body = sentence.trim_start();
    let body = if starts_with_ignore_case(body, "to ") { body[3..].trim_start() } else { body };
    let lower = body.to_ascii_lowercase();
    let verb = DELIVERY_VERBS
        .iter()
        .filter(|v| lower.starts_with(*v) && !lower[v.len()..].starts_with(|c: char| c.is_alphanumeric()))
        .max_by_key(|v| v.len())
        .copied()
        .unwrap_or("");
    let rest_at = sentence.len() - body.len() + verb.len();
    Candidate {
        paragraph: s.paragraph.clone(),
        agenda_item: s.heading.clone(),
        sentence: sentence.to_string(),
        offset: s.start,
        length: s.end - s.start,
        cue: format!("{} (list)", lead.cue),
        rule: Rule::ListItem,
        kind: if verb.is_empty() { lead.kind } else { kind_of(verb) },
        committed_by: lead.committed_by.clone(),
        owed_to: owed_to(&sentence[rest_at..], &sentence[rest_at..].to_ascii_lowercase()).or(lead.owed_to.clone()),
        summary: summary(verb, &sentence[rest_at..]),
        confidence: 0.85,
    }
}

fn classify(text: &str, s: &segment::Sentence, meter: &mut Meter) -> Result<Found, Stopped> {
    let sentence = &text[s.start..s.end];
    // Lower-cased in ASCII only, so every offset in it is the same in `sentence`.
    let lower = sentence.to_ascii_lowercase();
    let trimmed = lower.trim_start();
    if trimmed.starts_with("resolved") || trimmed.starts_with("recommended") || trimmed.starts_with("noted ") {
        return Ok(Found::Nothing);
    }
    // An earlier action reviewed (its block followed by "Complete", "Not complete"...).
    if s.followed_by_status {
        return Ok(Found::Nothing);
    }
    let action = action_body(&lower);
    // Most sentences hold none of the words every rule starts from.
    const TRIGGERS: [&str; 12] = [
        "agreed",
        "undertook",
        "offered",
        "promised",
        "pledged",
        "volunteered",
        "committed",
        "would",
        "will",
        "to be",
        "happy",
        " to ",
    ];
    if action.is_none() && !TRIGGERS.iter().any(|t| lower.contains(t)) {
        return Ok(Found::Nothing);
    }
    let w = words(sentence, meter)?;
    let make = |rule: Rule, cue: String, verb: &str, rest_from: usize, subject: Option<String>, confidence: f64| {
        let rest_from = rest_from.min(sentence.len());
        let rest = &sentence[rest_from..];
        Candidate {
            paragraph: s.paragraph.clone(),
            agenda_item: s.heading.clone(),
            sentence: sentence.to_string(),
            offset: s.start,
            length: s.end - s.start,
            cue,
            rule,
            kind: kind_of(verb),
            committed_by: subject,
            owed_to: owed_to(rest, &lower[rest_from..]),
            summary: summary(verb, rest),
            confidence,
        }
    };
    let verb_at = |v: usize| -> (String, usize) {
        match longest_match(&w, v, DELIVERY_VERBS) {
            Some(verb) => (verb.to_string(), w[v + verb.split(' ').count() - 1].1),
            None => w.get(v).map_or((String::new(), sentence.len()), |x| (sentence[x.0..x.1].to_lowercase(), x.1)),
        }
    };

    // "Action: Simon Denison to provide...", "ACTION SN send...", "Action – SM will review..."
    if let Some(body) = action {
        let b0 = w.partition_point(|x| x.0 < body);
        if let Some((first, to, v)) = named_to(sentence, &w, b0, true) {
            let (verb, end) = verb_at(v);
            let who = sentence[w[first].0..w[to - 1].1].to_string();
            return Ok(Found::One(make(Rule::ActionLine, "action: ... to".into(), &verb, end, Some(who), 0.9)));
        }
        // Initials, then the verb: "Action SN send formal note to SM".
        let mut k = b0;
        while w.get(k).is_some_and(|x| is_initials(&sentence[x.0..x.1])) {
            k += 1;
        }
        if k > b0 {
            if let Some(verb) = longest_match(&w, k, DELIVERY_VERBS) {
                let end = w[k + verb.split(' ').count() - 1].1;
                let who = sentence[w[b0].0..w[k - 1].1].to_string();
                return Ok(Found::One(make(
                    Rule::ActionLine,
                    format!("action: ... {verb}"),
                    verb,
                    end,
                    Some(who),
                    0.85,
                )));
            }
        }
        // "Action – Once received, SM will review...": any act promised in it.
        let mut clauses = Clauses::new(sentence, &lower);
        for i in b0..w.len() {
            if matches!(w[i].2.as_str(), "will" | "would" | "shall") {
                let v = skip_adverbs(&w, i + 1);
                let subject = clauses.before(w[i].0);
                let promised = w.get(v).is_some_and(|x| !matches!(x.2.as_str(), "not" | "no" | "never"));
                if promised && subject.person && !subject.question {
                    // The party, without the "Action –" before it.
                    let start = (w[i].0 - subject.text.len()).max(body).min(w[i].0);
                    let (verb, end) = verb_at(v);
                    let cue = format!("action: ... {} {verb}", w[i].2);
                    let who = committed_by(&sentence[start..w[i].0]);
                    return Ok(Found::One(make(Rule::ActionLine, cue, &verb, end, who, 0.85)));
                }
            }
        }
    }

    let hedged = HEDGES.iter().chain(FORECASTS).any(|h| lower.contains(h));
    // "Members commented that they would...": a pronoun standing for the panel.
    let panel_opening = longest_match(&w, 0, PANEL_SUBJECTS).is_some();
    let mut clauses = Clauses::new(sentence, &lower);
    let mut best: Option<Candidate> = None;
    for i in 0..w.len() {
        meter.tick()?;
        let token = w[i].2.as_str();
        // agreed / undertook / offered / promised / committed to VERB
        if matches!(token, "agreed" | "undertook" | "offered" | "promised" | "pledged" | "volunteered" | "committed")
            && w.get(i + 1).is_some_and(|x| x.2 == "to")
        {
            // "had agreed to" (a past agreement, often a third party's), "was committed to" (a stance).
            let before = i.checked_sub(1).map(|p| w[p].2.as_str()).unwrap_or("");
            if matches!(before, "had" | "has" | "have" | "was" | "were" | "is" | "are" | "previously" | "already") {
                continue;
            }
            let subject = clauses.before(w[i].0);
            if subject.panel {
                continue;
            }
            let v = skip_adverbs(&w, i + 2);
            if token == "committed" && longest_match(&w, v, DELIVERY_VERBS).is_none() {
                continue;
            }
            let (verb, verb_end) = verb_at(v);
            let cue = format!("{token} to");
            let c = make(Rule::AgreedTo, cue, &verb, verb_end, committed_by(subject.text), 0.9);
            if lower.trim_end().ends_with(':') {
                return Ok(Found::LeadIn(c));
            }
            return Ok(Found::One(c));
        }
        // Only the first of the candidates below is kept (an "agreed to" after
        // it still wins), so once there is one only "agreed to" is looked for.
        if best.is_some() {
            continue;
        }
        // it was agreed that ... would|will (be) ...
        // would|will|is to|are to (be PARTICIPLE | VERB)
        let modal = matches!(token, "would" | "will")
            || (matches!(token, "is" | "are")
                && w.get(i + 1).is_some_and(|x| x.2 == "to")
                && w.get(i + 2).is_some_and(|x| x.2 == "be"));
        if modal && !hedged {
            let next = if matches!(token, "is" | "are") { i + 1 } else { i };
            let subject = clauses.before(w[i].0);
            if subject.question {
                continue;
            }
            let start = w[i].0 - subject.text.len();
            if frame_before(&lower, start).is_some_and(|f| is_one_of(&f, FRAMES)) {
                continue;
            }
            let pronoun = is_one_of(subject.text.trim(), &["they", "it", "we"]);
            let panel = subject.panel || (pronoun && panel_opening);
            let v = skip_adverbs(&w, next + 1);
            if w.get(v).is_some_and(|x| x.2 == "be") {
                let p = skip_adverbs(&w, v + 1);
                // "she would be writing to the Minister"
                if let Some(verb) = w.get(p).and_then(|x| progressive(&x.2)) {
                    if subject.person && !panel {
                        let cue = format!("{} be {}", w[i].2, w[p].2);
                        best = Some(make(Rule::WouldDo, cue, verb, w[p].1, committed_by(subject.text), 0.75));
                    }
                    continue;
                }
                if let Some(part) = longest_match(&w, p, PASSIVE_PARTICIPLES) {
                    let told = part.starts_with("kept ")
                        || (is_one_of(part, RECIPIENT_PARTICIPLES) && (panel || subject.person));
                    if panel && !told {
                        continue;
                    }
                    let end = w[p + part.split(' ').count() - 1].1;
                    let by = lower[end..].find(" by ").and_then(|b| {
                        let tail = &sentence[end + b + " by ".len()..];
                        let who: String = tail.split([',', '.', ';']).next().unwrap_or("").trim().to_string();
                        (!who.is_empty() && who.split_whitespace().count() <= 6).then_some(who)
                    });
                    let cue = format!("{} be {part}", w[i].2);
                    let rule = if told { Rule::KeptInformed } else { Rule::Passive };
                    best = Some(make(rule, cue, part, end, by.and_then(|b| committed_by(&b)), 0.75));
                }
                continue;
            }
            // "Members would receive a copy of the report": a promise told from the receiving end.
            if w.get(v).is_some_and(|x| x.2 == "receive") && (panel || subject.person) {
                let told = w[v + 1..].iter().take(4).any(|x| is_one_of(&x.2, INFORMATION_NOUNS));
                if told {
                    let cue = format!("{} receive", w[i].2);
                    best = Some(make(Rule::KeptInformed, cue, "receive", w[v].1, None, 0.7));
                }
                continue;
            }
            if let Some(verb) = longest_match(&w, v, DELIVERY_VERBS) {
                if !subject.person || panel {
                    continue;
                }
                // "would like", "would remain"... are not in the list; some verbs need an object that makes them a promise.
                let following = w.get(v + 1).map(|x| x.2.as_str()).unwrap_or("");
                let ok = match verb {
                    "make" => {
                        following == "sure"
                            || (matches!(following, "a" | "an")
                                && w.get(v + 2).is_some_and(|x| {
                                    is_one_of(
                                        &x.2,
                                        &[
                                            "submission",
                                            "representation",
                                            "presentation",
                                            "proposal",
                                            "request",
                                            "referral",
                                            "recommendation",
                                            "response",
                                            "statement",
                                        ],
                                    )
                                }))
                            || matches!(following, "representations" | "enquiries" | "inquiries" | "contact")
                    }
                    "take" => matches!(following, "this" | "that" | "the"),
                    "let" => matches!(following, "the" | "members" | "him" | "her"),
                    "work" => following == "with",
                    "pick" => w[v + 1..].iter().take(3).any(|x| x.2 == "up"),
                    "keep" => w[v + 1..]
                        .iter()
                        .take(4)
                        .any(|x| matches!(x.2.as_str(), "updated" | "informed" | "abreast" | "posted" | "apprised")),
                    _ => true,
                };
                if !ok {
                    continue;
                }
                let end = w[v + verb.split(' ').count() - 1].1;
                let cue = format!("{} {verb}", w[i].2);
                best = Some(make(Rule::WouldDo, cue, verb, end, committed_by(subject.text), 0.8));
            }
        }
        // happy to come back / provide...; happy for the Panel to see...
        if token == "happy" && !hedged {
            if w.get(i + 1).is_some_and(|x| x.2 == "to") {
                if let Some(verb) = longest_match(&w, i + 2, DELIVERY_VERBS) {
                    let end = w[i + 1 + verb.split(' ').count()].1;
                    best = Some(make(Rule::HappyTo, "happy to".into(), verb, end, None, 0.7));
                }
            } else if w.get(i + 1).is_some_and(|x| x.2 == "for") {
                let end = w[i + 1].1;
                best = Some(make(Rule::HappyTo, "happy for".into(), "allow", end, None, 0.65));
            }
        }
    }
    if best.is_none() {
        // "Officers to review the statistics...", "..., CH to progress."
        if let Some((first, to, v)) = named_to(sentence, &w, 0, false) {
            let (verb, end) = verb_at(v);
            let who = sentence[w[first].0..w[to - 1].1].to_string();
            best = Some(make(Rule::NamedTo, "... to".into(), &verb, end, committed_by(&who), 0.75));
        }
    }
    Ok(best.map_or(Found::Nothing, Found::One))
}

#[cfg(test)]
mod tests;

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
//! - an `Action:` line naming who is *to* do what.
//!
//! Not commitments: questions (`asked whether / how ... would`), hedged hopes,
//! forecasts and plans (`would remain / continue / be expanding`), the panel's
//! own views and requests, resolutions, and reviews of earlier actions (an
//! `Action` line followed by a `Complete` / `Not complete` status).

pub mod eval;
pub mod segment;

use serde::Serialize;
use utoipa::ToSchema;

pub use segment::strip_html;

/// The largest minutes accepted, in bytes (documented in the README).
pub const MAX_TEXT_BYTES: usize = 2 * 1024 * 1024;

/// What kind of follow-up a commitment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
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

/// One commitment found in the minutes.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
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

const HEDGES: &[&str] =
    &["hopefully", "it was hoped", "hoped that", "was expected", "it is expected", "might", "perhaps", "possibly"];

/// Finds the commitments in minutes text (plain text; see [`strip_html`]).
pub fn extract(text: &str) -> Vec<Candidate> {
    let mut out = Vec::new();
    for s in segment::sentences(text) {
        if let Some(c) = classify(text, &s) {
            out.push(c);
        }
    }
    out
}

/// Lower-case words of a sentence with their byte ranges in it.
fn words(sentence: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in sentence.char_indices() {
        let part = c.is_alphanumeric() || c == '\'' || c == '’' || c == '-';
        match (part, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i, normalise(&sentence[s..i])));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, sentence.len(), normalise(&sentence[s..])));
    }
    out
}

/// A word in lower case with a typographic apostrophe made plain.
fn normalise(word: &str) -> String {
    let lower = word.to_lowercase();
    if lower.contains('’') {
        lower.replace('’', "'")
    } else {
        lower
    }
}

/// Whether the words from index `i` spell `phrase`.
fn phrase_at(w: &[(usize, usize, String)], i: usize, phrase: &str) -> bool {
    phrase.split(' ').enumerate().all(|(k, p)| w.get(i + k).is_some_and(|x| x.2 == p))
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

/// The words of the clause before position `i` (back to a clause boundary).
fn clause_before<'a>(sentence: &'a str, w: &[(usize, usize, String)], i: usize) -> (usize, &'a str) {
    let end = w[i].0;
    let head = &sentence[..end];
    // Lower-casing ASCII only keeps byte offsets the same as in `head`.
    let lower = head.to_ascii_lowercase();
    let boundary = head
        .rfind([',', ';', ':', '(', ')'])
        .map(|b| b + 1)
        .into_iter()
        .chain(
            [" that ", " and ", " but ", " who ", " which "].iter().filter_map(|m| lower.rfind(m).map(|p| p + m.len())),
        )
        .max()
        .unwrap_or(0);
    (boundary, &head[boundary..])
}

fn is_person_like(subject: &str) -> bool {
    let lower = subject.to_lowercase();
    let tokens: Vec<&str> =
        lower.split(|c: char| !c.is_alphanumeric() && c != '\'').filter(|t| !t.is_empty()).collect();
    if tokens.iter().any(|t| PERSON_WORDS.contains(t)) {
        return true;
    }
    // A name: two capitalised words in a row ("Simon Denison").
    let caps: Vec<bool> =
        subject.split_whitespace().map(|t| t.chars().next().is_some_and(char::is_uppercase)).collect();
    caps.windows(2).any(|p| p[0] && p[1])
}

fn is_panel(subject: &str) -> bool {
    let s = subject.trim().to_lowercase();
    PANEL_SUBJECTS.iter().any(|p| s == *p || s.ends_with(&format!(" {p}")) && !s.contains("lead member"))
}

fn kind_of(verb: &str) -> Kind {
    match verb {
        "report back" | "come back" | "feed back" | "report" | "update" | "write" | "reported back" | "reported"
        | "fed back" | "brought back" => Kind::ReportBack,
        "check" | "find out" | "confirm" | "ask" => Kind::Check,
        "look into" | "look at" | "investigate" | "consider" | "review" | "revisit" | "explore" | "looked into"
        | "investigated" => Kind::LookInto,
        "publish" | "published" => Kind::Publish,
        "respond" | "reply" => Kind::Respond,
        "provide" | "circulate" | "send" | "share" | "supply" | "produce" | "forward" | "distribute" | "provided"
        | "circulated" | "shared" | "sent" | "distributed" | "supplied" | "forwarded" | "made available" | "given"
        | "issued" | "emailed" | "copied" | "inform" | "give" => Kind::ProvideInformation,
        _ => Kind::Other,
    }
}

/// Who it is owed to, where the words say: "to the Member", "with the Panel".
fn owed_to(rest: &str) -> Option<String> {
    let lower = rest.to_lowercase();
    for marker in ["to the ", "with the ", "to all ", "to ", "with "] {
        let mut from = 0;
        while let Some(p) = lower[from..].find(marker) {
            let at = from + p + marker.len();
            let word: String =
                rest[at..].split(|c: char| !c.is_alphanumeric() && c != '-').next().unwrap_or("").to_string();
            let w = word.to_lowercase();
            if [
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
            ]
            .contains(&w.as_str())
            {
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

fn committed_by(subject: &str) -> Option<String> {
    let s = subject.trim().trim_start_matches(|c: char| !c.is_alphanumeric());
    let lower = s.to_lowercase();
    let s =
        ["the ", "then the ", "and the "].iter().find_map(|p| lower.starts_with(p).then(|| &s[p.len()..])).unwrap_or(s);
    let s = s.trim();
    if s.is_empty() || s.split_whitespace().count() > 8 {
        return None;
    }
    match s.to_lowercase().as_str() {
        "he" | "she" | "they" | "it" | "we" | "i" => None,
        _ => Some(s.to_string()),
    }
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

fn classify(text: &str, s: &segment::Sentence) -> Option<Candidate> {
    let sentence = &text[s.start..s.end];
    let lower = sentence.to_lowercase();
    let trimmed = lower.trim_start();
    if trimmed.starts_with("resolved") || trimmed.starts_with("recommended") || trimmed.starts_with("noted ") {
        return None;
    }
    // Most sentences hold none of the words every rule starts from.
    const TRIGGERS: [&str; 10] =
        ["agreed", "undertook", "offered", "promised", "pledged", "volunteered", "would", "will", "to be", "happy"];
    if !trimmed.starts_with("action") && !TRIGGERS.iter().any(|t| lower.contains(t)) {
        return None;
    }
    let w = words(sentence);
    let make = |cue: String, verb: &str, rest_from: usize, subject: Option<String>, confidence: f64| {
        let rest = &sentence[rest_from.min(sentence.len())..];
        Candidate {
            paragraph: s.paragraph.clone(),
            agenda_item: s.heading.clone(),
            sentence: sentence.to_string(),
            offset: s.start,
            length: s.end - s.start,
            cue,
            kind: kind_of(verb),
            committed_by: subject,
            owed_to: owed_to(rest),
            summary: summary(verb, rest),
            confidence,
        }
    };

    // "Action: Simon Denison to provide..." (not an earlier action's review).
    if let Some(after) = trimmed.strip_prefix("action:") {
        if s.followed_by_status {
            return None;
        }
        let offset = sentence.len() - sentence.trim_start().len() + "action:".len();
        let body = &sentence[offset..];
        if let Some(to) = after.find(" to ") {
            let who = body[..to].trim().to_string();
            let rest_at = offset + to + 4;
            let verb = sentence[rest_at..].split_whitespace().next().unwrap_or("").to_lowercase();
            return Some(make("action: ... to".into(), &verb, rest_at + verb.len(), Some(who), 0.9));
        }
    }

    let hedged = HEDGES.iter().any(|h| lower.contains(h));
    let mut best: Option<Candidate> = None;
    for i in 0..w.len() {
        let token = w[i].2.as_str();
        // agreed / undertook / offered / promised to VERB
        if matches!(token, "agreed" | "undertook" | "offered" | "promised" | "pledged" | "volunteered")
            && w.get(i + 1).is_some_and(|x| x.2 == "to")
        {
            let (_, subject) = clause_before(sentence, &w, i);
            if is_panel(subject) {
                continue;
            }
            let v = skip_adverbs(&w, i + 2);
            let verb = longest_match(&w, v, DELIVERY_VERBS)
                .map(str::to_string)
                .unwrap_or_else(|| w.get(v).map(|x| x.2.clone()).unwrap_or_default());
            let verb_end = w.get(v + verb.split(' ').count() - 1).map(|x| x.1).unwrap_or(sentence.len());
            let cue = format!("{token} to");
            return Some(make(cue, &verb, verb_end, committed_by(subject), 0.9));
        }
        // it was agreed that ... would|will (be) ...
        // would|will|is to|are to (be PARTICIPLE | VERB)
        let modal = matches!(token, "would" | "will")
            || (matches!(token, "is" | "are")
                && w.get(i + 1).is_some_and(|x| x.2 == "to")
                && w.get(i + 2).is_some_and(|x| x.2 == "be"));
        if modal && !hedged {
            let next = if matches!(token, "is" | "are") { i + 1 } else { i };
            let (_, subject) = clause_before(sentence, &w, i);
            let subject_lower = subject.to_lowercase();
            if subject_lower.split_whitespace().any(|t| QUESTION_WORDS.contains(&t)) {
                continue;
            }
            let v = skip_adverbs(&w, next + 1);
            if w.get(v).is_some_and(|x| x.2 == "be") {
                let p = skip_adverbs(&w, v + 1);
                if let Some(part) = longest_match(&w, p, PASSIVE_PARTICIPLES) {
                    if is_panel(subject) {
                        continue;
                    }
                    let end = w[p + part.split(' ').count() - 1].1;
                    let by = sentence[end..].to_lowercase().find(" by ").and_then(|b| {
                        let tail = &sentence[end + b + 4..];
                        let who: String = tail.split([',', '.', ';']).next().unwrap_or("").trim().to_string();
                        (!who.is_empty() && who.split_whitespace().count() <= 6).then_some(who)
                    });
                    let verb = part.split(' ').next().unwrap_or(part);
                    let candidate =
                        make(format!("{} be {part}", w[i].2), part, end, by.and_then(|b| committed_by(&b)), 0.75);
                    let _ = verb;
                    best = best.or(Some(candidate));
                }
                continue;
            }
            if let Some(verb) = longest_match(&w, v, DELIVERY_VERBS) {
                if !is_person_like(subject) || is_panel(subject) {
                    continue;
                }
                // "would like", "would remain"... are not in the list; "would make" needs an object that is a promise.
                if verb == "make" || verb == "take" || verb == "work" || verb == "let" {
                    let following = w.get(v + 1).map(|x| x.2.as_str()).unwrap_or("");
                    let ok = matches!(
                        (verb, following),
                        ("make", "sure")
                            | ("take", "this")
                            | ("take", "that")
                            | ("take", "the")
                            | ("let", "the")
                            | ("let", "members")
                            | ("let", "him")
                            | ("let", "her")
                            | ("work", "with")
                    );
                    if !ok {
                        continue;
                    }
                }
                let end = w[v + verb.split(' ').count() - 1].1;
                let candidate = make(format!("{} {verb}", w[i].2), verb, end, committed_by(subject), 0.8);
                best = best.or(Some(candidate));
            }
        }
        // happy to come back / provide...; happy for the Panel to see...
        if token == "happy" && !hedged {
            if w.get(i + 1).is_some_and(|x| x.2 == "to") {
                if let Some(verb) = longest_match(&w, i + 2, DELIVERY_VERBS) {
                    let end = w[i + 1 + verb.split(' ').count()].1;
                    best = best.or(Some(make("happy to".into(), verb, end, None, 0.7)));
                }
            } else if w.get(i + 1).is_some_and(|x| x.2 == "for") {
                let end = w[i + 1].1;
                best = best.or(Some(make("happy for".into(), "allow", end, None, 0.65)));
            }
        }
    }
    best
}

#[cfg(test)]
mod tests;

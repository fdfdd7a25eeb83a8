//! Scores the extractor on a labelled corpus laid out like `shared/corpus`:
//! `minutes/*.txt` and `labels.json`. A candidate is a hit when its span
//! overlaps the span of a labelled commitment in the same file; each labelled
//! commitment can be hit once. A candidate that hits no commitment but
//! overlaps a sentence labelled `ambiguous` is not scored (neither a hit nor
//! a false alarm); any other is a false alarm.
//!
//! Scores are given for the whole corpus, for each source (the body whose
//! minutes they are: the file name up to its first `-`, so
//! `northants-pab-2019-05-budget.txt` and `northants-fab-...` are one
//! secretariat's style) and for each rule. The held-out figure
//! ([`Report::held_out`]) asks how the rules do on minutes they were not
//! written against: each source is scored with only the rules that also find
//! a labelled commitment in some *other* source, so a rule that only one
//! body's minutes support counts for nothing on that body.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::Rule;

#[derive(Debug, Deserialize)]
pub struct Labels {
    pub commitments: Vec<Label>,
    /// Borderline sentences, not scored.
    #[serde(default)]
    pub ambiguous: Vec<Label>,
}

#[derive(Debug, Deserialize)]
pub struct Label {
    pub file: String,
    pub sentence: String,
}

/// The source (body) a file's minutes come from: its name up to the first `-`.
pub fn source_of(file: &str) -> &str {
    file.split(['-', '.']).next().unwrap_or(file)
}

/// One candidate and what it was scored as.
#[derive(Debug, Clone)]
pub struct Scored {
    pub file: String,
    pub rule: Rule,
    /// The sentence, its whitespace collapsed.
    pub sentence: String,
    /// The labelled commitment it hit (an index into [`Report::labels`]).
    pub hit: Option<usize>,
    /// It overlaps an `ambiguous` sentence and hits no commitment: not scored.
    pub ambiguous: bool,
}

/// One labelled commitment.
#[derive(Debug, Clone)]
pub struct Labelled {
    pub file: String,
    pub sentence: String,
    /// The candidate that hit it (an index into [`Report::scored`]).
    pub hit_by: Option<usize>,
}

/// Candidates, hits, commitments and commitments found.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Tally {
    pub candidates: usize,
    pub hits: usize,
    pub labelled: usize,
    pub found: usize,
}

impl Tally {
    pub fn precision(&self) -> f64 {
        if self.candidates == 0 {
            1.0
        } else {
            self.hits as f64 / self.candidates as f64
        }
    }

    pub fn recall(&self) -> f64 {
        if self.labelled == 0 {
            1.0
        } else {
            self.found as f64 / self.labelled as f64
        }
    }
}

#[derive(Debug, Default)]
pub struct Report {
    /// Scored candidates (ambiguous ones not included).
    pub candidates: usize,
    pub hits: usize,
    pub labelled: usize,
    pub labelled_hit: usize,
    /// (file, sentence) of each labelled commitment not found.
    pub misses: Vec<(String, String)>,
    /// (file, sentence) of each candidate that hit nothing.
    pub false_alarms: Vec<(String, String)>,
    /// Every candidate, in order.
    pub scored: Vec<Scored>,
    /// Every labelled commitment whose file is in the corpus.
    pub labels: Vec<Labelled>,
}

impl Report {
    pub fn precision(&self) -> f64 {
        self.tally(|_| true).precision()
    }

    pub fn recall(&self) -> f64 {
        self.tally(|_| true).recall()
    }

    /// The tally over the files `keep` accepts.
    pub fn tally(&self, keep: impl Fn(&str) -> bool) -> Tally {
        self.tally_kept(|_| true, keep)
    }

    /// The tally over the candidates `keep_candidate` accepts and the labels
    /// of the files `keep_file` accepts (a commitment is found only when a
    /// kept candidate hit it).
    fn tally_kept(&self, keep_candidate: impl Fn(&Scored) -> bool, keep_file: impl Fn(&str) -> bool) -> Tally {
        let mut t = Tally::default();
        for s in self.scored.iter().filter(|s| !s.ambiguous && keep_file(&s.file) && keep_candidate(s)) {
            t.candidates += 1;
            t.hits += usize::from(s.hit.is_some());
        }
        for l in self.labels.iter().filter(|l| keep_file(&l.file)) {
            t.labelled += 1;
            t.found += usize::from(l.hit_by.is_some_and(|c| keep_candidate(&self.scored[c])));
        }
        t
    }

    /// The sources of the corpus, in order.
    pub fn sources(&self) -> BTreeSet<&str> {
        self.scored.iter().map(|s| source_of(&s.file)).chain(self.labels.iter().map(|l| source_of(&l.file))).collect()
    }

    /// Each source's tally.
    pub fn by_source(&self) -> Vec<(String, Tally)> {
        self.sources().into_iter().map(|src| (src.to_string(), self.tally(|f| source_of(f) == src))).collect()
    }

    /// Each rule's candidates and hits (ambiguous ones left out).
    pub fn by_rule(&self) -> BTreeMap<Rule, Tally> {
        let mut out: BTreeMap<Rule, Tally> = BTreeMap::new();
        for s in self.scored.iter().filter(|s| !s.ambiguous) {
            let t = out.entry(s.rule).or_default();
            t.candidates += 1;
            t.hits += usize::from(s.hit.is_some());
            t.found += usize::from(s.hit.is_some());
        }
        out
    }

    /// (source, rule) of every hit: what supports each rule.
    pub fn support(&self) -> BTreeSet<(String, Rule)> {
        self.scored.iter().filter(|s| s.hit.is_some()).map(|s| (source_of(&s.file).to_string(), s.rule)).collect()
    }

    /// Leave one source out: each source scored with only the rules that find
    /// a commitment in another source (of this corpus, or of `also`, the
    /// support of other corpora), summed over the sources.
    pub fn held_out(&self, also: &BTreeSet<(String, Rule)>) -> Tally {
        let support: BTreeSet<(String, Rule)> = self.support().into_iter().chain(also.iter().cloned()).collect();
        let supported = |s: &Scored| {
            let src = source_of(&s.file);
            support.iter().any(|(other, rule)| *rule == s.rule && other != src)
        };
        let mut total = Tally::default();
        for src in self.sources() {
            let t = self.tally_kept(supported, |f| source_of(f) == src);
            total.candidates += t.candidates;
            total.hits += t.hits;
            total.labelled += t.labelled;
            total.found += t.found;
        }
        total
    }
}

/// The span of `sentence` in `text`, if it is there.
fn span(text: &str, sentence: &str) -> Option<(usize, usize)> {
    text.find(sentence).map(|at| (at, at + sentence.len()))
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Scores `files` (name, text) against the labels.
pub fn score(files: &[(String, String)], labels: &Labels) -> Report {
    let mut report = Report::default();
    for (name, text) in files {
        let first = report.labels.len();
        let mut spans = Vec::new();
        for l in labels.commitments.iter().filter(|l| &l.file == name) {
            spans.push(span(text, &l.sentence));
            report.labels.push(Labelled { file: name.clone(), sentence: collapse(&l.sentence), hit_by: None });
        }
        let ambiguous: Vec<(usize, usize)> =
            labels.ambiguous.iter().filter(|l| &l.file == name).filter_map(|l| span(text, &l.sentence)).collect();
        for c in super::extract(text) {
            let (a, b) = (c.offset, c.offset + c.length);
            let overlaps = |s: &(usize, usize)| s.0 < b && a < s.1;
            let k = spans
                .iter()
                .enumerate()
                .find(|(k, s)| report.labels[first + k].hit_by.is_none() && s.as_ref().is_some_and(overlaps))
                .map(|(k, _)| first + k);
            let index = report.scored.len();
            if let Some(k) = k {
                report.labels[k].hit_by = Some(index);
            }
            let is_ambiguous = k.is_none() && ambiguous.iter().any(overlaps);
            report.scored.push(Scored {
                file: name.clone(),
                rule: c.rule,
                sentence: collapse(&c.sentence),
                hit: k,
                ambiguous: is_ambiguous,
            });
        }
    }
    for s in report.scored.iter().filter(|s| !s.ambiguous) {
        report.candidates += 1;
        if s.hit.is_some() {
            report.hits += 1;
        } else {
            report.false_alarms.push((s.file.clone(), s.sentence.clone()));
        }
    }
    report.labelled = report.labels.len();
    for l in &report.labels {
        if l.hit_by.is_some() {
            report.labelled_hit += 1;
        } else {
            report.misses.push((l.file.clone(), l.sentence.clone()));
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(file: &str, sentence: &str) -> Label {
        Label { file: file.into(), sentence: sentence.into() }
    }

    #[test]
    fn scoring_counts_overlaps_once() {
        let text = "The Commissioner agreed to circulate the plan. The weather was fine. He would check the figures."
            .to_string();
        let labels = Labels {
            commitments: vec![
                label("a.txt", "The Commissioner agreed to circulate the plan."),
                label("a.txt", "The weather was fine."),
            ],
            ambiguous: vec![],
        };
        let r = score(&[("a.txt".into(), text)], &labels);
        assert_eq!((r.candidates, r.hits, r.labelled, r.labelled_hit), (2, 1, 2, 1));
        assert_eq!(r.misses.len(), 1);
        assert_eq!(r.false_alarms.len(), 1);
        assert!((r.precision() - 0.5).abs() < 1e-9);
    }

    #[test]
    fn ambiguous_sentences_are_not_scored() {
        let text = "The Commissioner agreed to circulate the plan. He would check the figures.".to_string();
        let labels = Labels {
            commitments: vec![label("a.txt", "The Commissioner agreed to circulate the plan.")],
            ambiguous: vec![label("a.txt", "He would check the figures.")],
        };
        let r = score(&[("a.txt".into(), text)], &labels);
        assert_eq!((r.candidates, r.hits, r.labelled, r.labelled_hit), (1, 1, 1, 1));
        assert!(r.false_alarms.is_empty());
        assert_eq!(r.scored.iter().filter(|s| s.ambiguous).count(), 1);
    }

    #[test]
    fn held_out_drops_rules_only_the_source_itself_supports() {
        // "agreed to" is found in two sources; "would check" only in b.
        let files = [
            ("a-1.txt".to_string(), "The Commissioner agreed to circulate the plan.".to_string()),
            ("b-1.txt".to_string(), "The Chair agreed to write. He would check the figures.".to_string()),
        ];
        let labels = Labels {
            commitments: vec![
                label("a-1.txt", "The Commissioner agreed to circulate the plan."),
                label("b-1.txt", "The Chair agreed to write."),
                label("b-1.txt", "He would check the figures."),
            ],
            ambiguous: vec![],
        };
        let r = score(&files, &labels);
        assert_eq!(r.by_source().len(), 2);
        assert_eq!(r.tally(|_| true), Tally { candidates: 3, hits: 3, labelled: 3, found: 3 });
        let held = r.held_out(&BTreeSet::new());
        assert_eq!(held, Tally { candidates: 2, hits: 2, labelled: 3, found: 2 });
        // Support from another corpus counts.
        let also = BTreeSet::from([("c".to_string(), Rule::WouldDo)]);
        assert_eq!(r.held_out(&also).found, 3);
    }
}

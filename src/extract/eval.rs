//! Scores the extractor on a labelled corpus laid out like `shared/corpus`:
//! `minutes/*.txt` and `labels.json`. A candidate is a hit when its span
//! overlaps the span of a labelled commitment in the same file; each labelled
//! commitment can be hit once.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Labels {
    pub commitments: Vec<Label>,
}

#[derive(Debug, Deserialize)]
pub struct Label {
    pub file: String,
    pub sentence: String,
}

#[derive(Debug, Default)]
pub struct Report {
    pub candidates: usize,
    pub hits: usize,
    pub labelled: usize,
    pub labelled_hit: usize,
    /// (file, sentence) of each labelled commitment not found.
    pub misses: Vec<(String, String)>,
    /// (file, sentence) of each candidate that hit nothing.
    pub false_alarms: Vec<(String, String)>,
}

impl Report {
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
            self.labelled_hit as f64 / self.labelled as f64
        }
    }
}

/// Scores `files` (name, text) against the labels.
pub fn score(files: &[(String, String)], labels: &Labels) -> Report {
    let mut report = Report::default();
    for (name, text) in files {
        let spans: Vec<(usize, usize, &str)> = labels
            .commitments
            .iter()
            .filter(|l| &l.file == name)
            .map(|l| match text.find(&l.sentence) {
                Some(at) => (at, at + l.sentence.len(), l.sentence.as_str()),
                None => (usize::MAX, usize::MAX, l.sentence.as_str()),
            })
            .collect();
        let mut hit = vec![false; spans.len()];
        for c in super::extract(text) {
            report.candidates += 1;
            let (a, b) = (c.offset, c.offset + c.length);
            match spans.iter().enumerate().find(|(k, (s, e, _))| !hit[*k] && *s < b && a < *e) {
                Some((k, _)) => {
                    hit[k] = true;
                    report.hits += 1;
                }
                None => report
                    .false_alarms
                    .push((name.clone(), c.sentence.split_whitespace().collect::<Vec<_>>().join(" "))),
            }
        }
        report.labelled += spans.len();
        report.labelled_hit += hit.iter().filter(|h| **h).count();
        for (k, (_, _, sentence)) in spans.iter().enumerate() {
            if !hit[k] {
                report.misses.push((name.clone(), sentence.split_whitespace().collect::<Vec<_>>().join(" ")));
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoring_counts_overlaps_once() {
        let text = "The Commissioner agreed to circulate the plan. The weather was fine. He would check the figures."
            .to_string();
        let labels = Labels {
            commitments: vec![
                Label { file: "a.txt".into(), sentence: "The Commissioner agreed to circulate the plan.".into() },
                Label { file: "a.txt".into(), sentence: "The weather was fine.".into() },
            ],
        };
        let r = score(&[("a.txt".into(), text)], &labels);
        assert_eq!((r.candidates, r.hits, r.labelled, r.labelled_hit), (2, 1, 2, 1));
        assert_eq!(r.misses.len(), 1);
        assert_eq!(r.false_alarms.len(), 1);
        assert!((r.precision() - 0.5).abs() < 1e-9);
    }
}

//! What a person typed into a search box, made safe for the full-text
//! engines: words only. Neither FTS5's query language nor PostgreSQL's
//! tsquery syntax ever sees the user's punctuation, so no input can be a
//! syntax error (a 500) or a query that costs more than its words.

use super::FieldError;

/// The longest search text accepted, in characters.
pub const MAX_CHARS: usize = super::text::SHORT;
/// At most this many words are searched for; more are ignored.
pub const MAX_WORDS: usize = 12;

/// Words that say nothing about a topic. PostgreSQL's `english`
/// configuration drops these itself; SQLite's FTS5 does not, and every word
/// must match, so they are dropped here for both backends to agree.
const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "all", "am", "an", "and", "any", "are", "as", "at", "be", "been", "before", "being", "but",
    "by", "can", "could", "did", "do", "does", "for", "from", "had", "has", "have", "he", "her", "his", "how", "i",
    "if", "in", "into", "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "she", "so", "than",
    "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "to", "was", "we", "were",
    "what", "when", "where", "which", "who", "whom", "why", "will", "with", "would", "you", "your",
];

/// The words of a search, lower case, without stop words or repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerms {
    text: String,
    words: Vec<String>,
}

impl SearchTerms {
    /// Splits the text into words (runs of letters and digits), after the
    /// checks every short text gets (length, no control characters). Blank
    /// text is no search (`None`); text with no word left once punctuation
    /// and stop words are gone is a search that finds nothing, as a search
    /// engine would answer it.
    pub fn parse(field: &str, text: &str) -> Result<Option<SearchTerms>, FieldError> {
        let Some(text) = super::text::optional(field, Some(text), MAX_CHARS)? else {
            return Ok(None);
        };
        let mut words: Vec<String> = Vec::new();
        for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase) {
            if !STOP_WORDS.contains(&word.as_str()) && !words.contains(&word) && words.len() < MAX_WORDS {
                words.push(word);
            }
        }
        Ok(Some(SearchTerms { text, words }))
    }

    /// The text as typed (trimmed), to show back and to match a reference.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// Nothing left to search for once the stop words are gone.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// An FTS5 query: every word as a quoted string, all required. Words
    /// hold only letters and digits, so quoting cannot be broken out of.
    pub fn fts5(&self) -> String {
        self.words.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(" ")
    }

    /// The text for PostgreSQL's `plainto_tsquery`: the words, space separated.
    pub fn plain(&self) -> String {
        self.words.join(" ")
    }

    /// The text as a reference (`KMPCP/2018/007`) when it has that shape,
    /// so a search for a reference finds it first.
    pub fn as_reference(&self) -> Option<String> {
        let parts: Vec<&str> = self.text.split('/').collect();
        let shaped = parts.len() == 3
            && !parts[0].is_empty()
            && parts[0].chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && parts[1].len() == 4
            && parts[1].chars().all(|c| c.is_ascii_digit())
            && !parts[2].is_empty()
            && parts[2].chars().all(|c| c.is_ascii_digit());
        shaped.then(|| self.text.to_uppercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_words_and_drops_punctuation_and_stop_words() {
        let t = SearchTerms::parse("q", "  What did the Commissioner promise about SCHOOLS? ").unwrap().unwrap();
        assert_eq!(t.words(), ["commissioner", "promise", "schools"]);
        assert_eq!(t.fts5(), "\"commissioner\" \"promise\" \"schools\"");
        assert_eq!(t.plain(), "commissioner promise schools");
        assert_eq!(t.text(), "What did the Commissioner promise about SCHOOLS?");
    }

    #[test]
    fn query_syntax_is_only_words() {
        for hostile in ["\"unbalanced", "a OR b NEAR(c d)", "col:term*", "x' OR 1=1 --", "!(a & b) <-> c", "^\"*"] {
            let t = SearchTerms::parse("q", hostile).unwrap().unwrap();
            for w in t.words() {
                assert!(w.chars().all(char::is_alphanumeric), "{hostile:?} gave {w:?}");
            }
        }
    }

    #[test]
    fn blank_is_no_search_and_overlong_or_control_text_is_refused() {
        assert_eq!(SearchTerms::parse("q", "   ").unwrap(), None);
        assert!(SearchTerms::parse("q", "?!* --").unwrap().unwrap().is_empty());
        assert!(SearchTerms::parse("q", "the and of").unwrap().unwrap().is_empty());
        assert!(SearchTerms::parse("q", &"a".repeat(MAX_CHARS + 1)).is_err());
        assert!(SearchTerms::parse("q", "school\u{7}visits").is_err());
    }

    #[test]
    fn repeats_are_searched_once_and_words_are_capped() {
        let t = SearchTerms::parse("q", "police Police POLICE").unwrap().unwrap();
        assert_eq!(t.words(), ["police"]);
        let many = (0..40).map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ");
        assert_eq!(SearchTerms::parse("q", &many).unwrap().unwrap().words().len(), MAX_WORDS);
    }

    #[test]
    fn recognises_a_reference() {
        assert_eq!(
            SearchTerms::parse("q", "kmpcp/2018/007").unwrap().unwrap().as_reference().as_deref(),
            Some("KMPCP/2018/007")
        );
        assert_eq!(SearchTerms::parse("q", "school visits").unwrap().unwrap().as_reference(), None);
        assert_eq!(SearchTerms::parse("q", "a/b/c").unwrap().unwrap().as_reference(), None);
    }

    #[test]
    fn non_english_letters_are_words() {
        let t = SearchTerms::parse("q", "Café Ysgol Gymraeg").unwrap().unwrap();
        assert_eq!(t.words(), ["café", "ysgol", "gymraeg"]);
    }
}

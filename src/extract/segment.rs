//! Splits minutes into sentences, remembering the paragraph number and the
//! agenda heading each falls under. Offsets are bytes of the input.
//!
//! Linear in the input: each line, block and character is looked at a fixed
//! number of times, whatever its shape (a block that grows by joining broken
//! lines keeps a running count of its words; a full stop knows the word before
//! it from the run of characters already passed, not by reading back). Words
//! are matched case-insensitively in ASCII on the original text, so no offset
//! ever comes from a lower-cased copy (lower-casing can change byte lengths).

use super::budget::{Meter, Stopped};
use super::starts_with_ignore_case;

/// A sentence of the minutes.
#[derive(Debug, Clone, PartialEq)]
pub struct Sentence {
    pub start: usize,
    pub end: usize,
    pub paragraph: Option<String>,
    pub heading: Option<String>,
    /// The block is followed by a status line ("• Complete", "Not complete"):
    /// it reviews an earlier action rather than recording a new one.
    pub followed_by_status: bool,
    /// It is the first sentence of its block (paragraph, bullet or item).
    pub starts_block: bool,
    /// Its block is an item of a list: a bullet, or a bracketed reference
    /// such as "(a)" (a numbered paragraph such as "4.5" is not).
    pub list_item: bool,
}

/// A run of lines: a paragraph, a bullet or a heading.
struct Block {
    start: usize,
    end: usize,
}

const BULLETS: [char; 6] = ['•', '·', '-', '*', '–', '▪'];

fn is_blank(line: &str) -> bool {
    line.trim().is_empty() || line.trim() == "\u{a0}"
}

/// The paragraph reference a block starts with ("7.", "10.a", "247.1", "(a)",
/// "3.3"), and where its text begins.
fn leading_ref(text: &str) -> Option<(String, usize)> {
    let trimmed = text.trim_start();
    let lead = text.len() - trimmed.len();
    let bytes = trimmed.as_bytes();
    // (a) / (iv) / (12)
    if bytes.first() == Some(&b'(') {
        let close = trimmed.find(')')?;
        let inner = &trimmed[1..close];
        if !inner.is_empty() && inner.len() <= 4 && inner.chars().all(|c| c.is_ascii_alphanumeric()) {
            let after = &trimmed[close + 1..];
            if after.starts_with(char::is_whitespace) || after.is_empty() {
                return Some((format!("({inner})"), lead + close + 1));
            }
        }
        return None;
    }
    // 7. / 10.a / 247.1 / 3.3 / 12)
    let end = trimmed.find(|c: char| !(c.is_ascii_alphanumeric() || c == '.')).unwrap_or(trimmed.len());
    let token = &trimmed[..end];
    let token_clean = token.trim_end_matches('.');
    let starts_digit = token_clean.chars().next().is_some_and(|c| c.is_ascii_digit());
    let shape_ok = starts_digit
        && token_clean.len() <= 8
        && token_clean.split('.').all(|p| {
            !p.is_empty()
                && (p.chars().all(|c| c.is_ascii_digit())
                    || (p.len() == 1 && p.chars().all(|c| c.is_ascii_lowercase())))
        });
    let after = &trimmed[end..];
    let after = after.strip_prefix(')').unwrap_or(after);
    if shape_ok && (after.starts_with(char::is_whitespace) || after.is_empty()) && !token_clean.contains("/") {
        // "2018" alone at the start of a sentence is a year, not a paragraph.
        if token_clean.len() == 4
            && token_clean.chars().all(|c| c.is_ascii_digit())
            && !token.ends_with('.')
            && !after.is_empty()
        {
            return None;
        }
        return Some((token_clean.to_string(), lead + (trimmed.len() - after.len())));
    }
    None
}

/// A block starting "a. ", "b) ", "iv. ": an item of a lettered list.
fn lettered_item(text: &str) -> bool {
    let t = text.trim_start();
    let marker = t.find(['.', ')']).filter(|&n| (1..=4).contains(&n));
    marker.is_some_and(|n| {
        t[..n].bytes().all(|b| b.is_ascii_lowercase())
            && (n == 1 || t[..n].bytes().all(|b| matches!(b, b'i' | b'v' | b'x')))
            && t[n + 1..].starts_with(char::is_whitespace)
    })
}

fn looks_like_heading(text: &str) -> bool {
    let t = text.trim();
    let first = t.chars().next();
    t.len() >= 3
        && t.len() <= 90
        && !t.ends_with(['.', ';', ':', ','])
        && first.is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
        && t.split_whitespace().count() <= 14
        && !starts_with_ignore_case(t, "action")
}

fn is_status_line(text: &str) -> bool {
    let t = text.trim_start().trim_start_matches(BULLETS).trim_start();
    ["complete", "completed", "not complete", "done", "closed", "ongoing", "in progress", "outstanding", "open"]
        .iter()
        .any(|s| {
            starts_with_ignore_case(t, s)
                && (t[s.len()..].trim().is_empty() || t[s.len()..].starts_with(|c: char| !c.is_alphanumeric()))
        })
}

fn blocks(text: &str, meter: &mut Meter) -> Result<Vec<Block>, Stopped> {
    let mut out: Vec<Block> = Vec::new();
    let mut current: Option<Block> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        meter.tick()?;
        let start = offset;
        offset += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        if is_blank(content) {
            if let Some(b) = current.take() {
                out.push(b);
            }
            continue;
        }
        let t = content.trim_start();
        let starts_item =
            t.starts_with(BULLETS) || leading_ref(content).is_some() || starts_with_ignore_case(t, "action");
        match current.as_mut() {
            Some(b) if !starts_item => b.end = start + content.len(),
            _ => {
                if let Some(b) = current.take() {
                    out.push(b);
                }
                current = Some(Block { start, end: start + content.len() });
            }
        }
    }
    if let Some(b) = current {
        out.push(b);
    }
    join_broken(text, out, meter)
}

/// Minutes copied from PDFs often put a blank line after every line. A block
/// that stops mid-sentence continues in the next one when that starts in
/// lower case, or when the block is too long to be a heading.
fn join_broken(text: &str, blocks: Vec<Block>, meter: &mut Meter) -> Result<Vec<Block>, Stopped> {
    let mut out: Vec<Block> = Vec::new();
    // Of the last block in `out`, kept as it grows: its words and whether it
    // is a bullet. (Only blank lines lie between blocks, so the words of a
    // joined block are the sum of its parts'.)
    let mut last_words = 0;
    let mut last_is_bullet = false;
    for b in blocks {
        meter.tick()?;
        let next = text[b.start..b.end].trim_start();
        // A numbered or lettered paragraph, or an `Action` line, starts afresh.
        let next_ref = leading_ref(next).is_some() || starts_with_ignore_case(next, "action") || is_status_line(next);
        if let Some(last) = out.last_mut() {
            let prev = text[last.start..last.end].trim_end();
            let unfinished = !prev.ends_with(['.', '!', '?', ';', ':']) && !last_is_bullet;
            let continues =
                next.starts_with(char::is_lowercase) || (last_words > 10 && !next.starts_with(BULLETS) && !next_ref);
            if unfinished && continues && !next_ref {
                last.end = b.end;
                last_words += next.split_whitespace().count();
                continue;
            }
        }
        last_words = next.split_whitespace().count();
        last_is_bullet = next.starts_with(BULLETS);
        out.push(b);
    }
    Ok(out)
}

const ABBREVIATIONS: &[&str] = &[
    "e.g", "i.e", "mr", "mrs", "ms", "dr", "no", "cllr", "etc", "st", "approx", "para", "inc", "vs", "cf", "min",
    "nos", "ref",
];

/// Sentence ends inside a block: . ! ? followed by space and a capital,
/// digit, quote or bracket; ; followed by space; or the end of the block.
fn split_block(text: &str, start: usize, end: usize, meter: &mut Meter) -> Result<Vec<(usize, usize)>, Stopped> {
    let block = &text[start..end];
    let mut out = Vec::new();
    let mut from = 0;
    let chars: Vec<(usize, char)> = block.char_indices().collect();
    // The run of letters, digits and full stops just passed ("e.g", "Mr"):
    // where it starts, and how many characters it has.
    let (mut run_start, mut run_chars) = (0, 0usize);
    for (k, &(i, c)) in chars.iter().enumerate() {
        meter.tick()?;
        let is_end = match c {
            '.' | '!' | '?' => {
                let next = chars.get(k + 1).map(|x| x.1);
                let after = chars.get(k + 2).map(|x| x.1);
                next.is_some_and(char::is_whitespace)
                    && after.is_some_and(|a| {
                        a.is_uppercase() || a.is_ascii_digit() || matches!(a, '"' | '“' | '(' | '‘' | '\'' | '•' | '·')
                    })
                    && !abbreviation(if run_chars == 0 { "" } else { &block[run_start..i] }, run_chars)
            }
            ';' => chars.get(k + 1).is_some_and(|x| x.1.is_whitespace()),
            _ => false,
        };
        if c.is_alphanumeric() || c == '.' {
            if run_chars == 0 {
                run_start = i;
            }
            run_chars += 1;
        } else {
            run_chars = 0;
        }
        if is_end {
            out.push((from, i + c.len_utf8()));
            from = i + c.len_utf8();
        }
    }
    if from < block.len() {
        out.push((from, block.len()));
    }
    Ok(out
        .into_iter()
        .filter_map(|(a, b)| {
            let piece = &block[a..b];
            let lead = piece.len() - piece.trim_start().len();
            let trail = piece.len() - piece.trim_end().len();
            (b - trail > a + lead).then(|| (start + a + lead, start + b - trail))
        })
        .collect())
}

/// Whether the word before a full stop (`chars` long) is an abbreviation or
/// a single letter. Lower-casing never makes fewer characters, so a word of
/// more characters than the longest abbreviation is none, unread.
fn abbreviation(word: &str, chars: usize) -> bool {
    if chars > 6 {
        return false;
    }
    let word = word.to_lowercase();
    ABBREVIATIONS.contains(&word.as_str()) || (word.len() == 1 && word.chars().all(char::is_alphabetic))
}

/// Every sentence of the minutes, in order.
pub fn sentences(text: &str) -> Vec<Sentence> {
    let budget = super::Budget::unlimited();
    sentences_metered(text, &mut Meter::new(&budget)).unwrap_or_default()
}

pub(crate) fn sentences_metered(text: &str, meter: &mut Meter) -> Result<Vec<Sentence>, Stopped> {
    let blocks = blocks(text, meter)?;
    let mut out = Vec::new();
    let mut paragraph: Option<String> = None;
    let mut heading: Option<String> = None;
    for (n, b) in blocks.iter().enumerate() {
        meter.tick()?;
        let content = &text[b.start..b.end];
        let mut body_start = b.start;
        let mut list_item = content.trim_start().starts_with(BULLETS) || lettered_item(content);
        if let Some((reference, at)) = leading_ref(content) {
            list_item |= reference.starts_with('(');
            paragraph = Some(reference);
            body_start = b.start + at;
            // A minute number on its own line numbers the text that follows.
            if text[body_start..b.end].trim().is_empty() {
                continue;
            }
        } else if !content.trim_start().starts_with(BULLETS) && looks_like_heading(content) {
            heading = Some(content.trim().to_string());
            continue;
        }
        let body = text[body_start..b.end].trim_start().trim_start_matches(BULLETS);
        let body_start = b.end - body.len();
        let followed_by_status = blocks.get(n + 1).is_some_and(|next| is_status_line(&text[next.start..next.end]));
        for (k, (s, e)) in split_block(text, body_start, b.end, meter)?.into_iter().enumerate() {
            out.push(Sentence {
                start: s,
                end: e,
                paragraph: paragraph.clone(),
                heading: heading.clone(),
                followed_by_status,
                starts_block: k == 0,
                list_item,
            });
        }
    }
    Ok(out)
}

/// Text of an HTML page: tags dropped, block elements as line breaks,
/// the common entities decoded. Offsets then refer to this text.
pub fn strip_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let mut skip_until: Option<&str> = None;
    while let Some(lt) = rest.find('<') {
        if skip_until.is_none() {
            out.push_str(&decode_entities(&rest[..lt]));
        }
        let Some(gt) = rest[lt..].find('>') else {
            rest = "";
            break;
        };
        let tag = rest[lt + 1..lt + gt].trim().to_lowercase();
        let name: String = tag.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        if let Some(end) = skip_until {
            if tag.starts_with('/') && name == end {
                skip_until = None;
            }
        } else if (name == "script" || name == "style") && !tag.starts_with('/') {
            skip_until = Some(if name == "script" { "script" } else { "style" });
        } else if ["p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"]
            .contains(&name.as_str())
        {
            out.push('\n');
            if name == "li" && !tag.starts_with('/') {
                out.push_str("• ");
            }
        }
        rest = &rest[lt + gt + 1..];
    }
    if skip_until.is_none() {
        out.push_str(&decode_entities(rest));
    }
    out
}

fn decode_entities(s: &str) -> String {
    s.replace("&nbsp;", " ")
        .replace("&#160;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&rsquo;", "’")
        .replace("&lsquo;", "‘")
        .replace("&ndash;", "–")
        .replace("&pound;", "£")
        .replace("&amp;", "&")
}

/// Whether pasted text is an HTML page rather than plain minutes.
pub fn looks_like_html(text: &str) -> bool {
    let head = text.trim_start().get(..200).unwrap_or(text.trim_start()).to_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html") || (head.starts_with('<') && text.contains("</p>"))
}

//! Sentence boundaries in cleaned text, for chunking.
//!
//! A sentence ends at `.`, `!` or `?` (with any closing quotes or brackets after it) when
//! whitespace follows and the next word does not start in lower case, except after an
//! abbreviation ("Inc.", "e.g.", "U.S.", "Dr.", "Jan.") or an initial ("J. P. Morgan").
//! A paragraph break (`\n\n`) always ends one. Numbers such as "3.5%" never split because
//! no whitespace follows their dot.

use std::ops::Range;

/// Abbreviations after which a period does not end a sentence (lower case, no final dot).
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "inc", "corp", "co", "ltd", "llc", "plc",
    "bros", "vs", "approx", "est", "no", "nos", "fig", "figs", "vol", "ref", "dept", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "ave", "blvd", "cf",
    "al",
];

const CLOSERS: &[char] = &['"', '\'', ')', ']', '}', '\u{201D}', '\u{2019}', '\u{BB}'];

/// Byte ranges of the sentences of `text`, in order, without surrounding whitespace.
pub fn sentences(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for para in paragraphs(text) {
        split_paragraph(text, para, &mut out);
    }
    out
}

/// Paragraphs: separated by a blank line.
fn paragraphs(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\n' {
            let mut j = i + 1;
            while j < bytes.len() && (bytes[j] == b' ' || bytes[j] == b'\t' || bytes[j] == b'\r') {
                j += 1;
            }
            if j < bytes.len() && bytes[j] == b'\n' {
                push_trimmed(text, start..i, &mut out);
                while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                    j += 1;
                }
                start = j;
                i = j;
                continue;
            }
        }
        i += 1;
    }
    push_trimmed(text, start..text.len(), &mut out);
    out
}

fn push_trimmed(text: &str, r: Range<usize>, out: &mut Vec<Range<usize>>) {
    let s = &text[r.clone()];
    let lead = s.len() - s.trim_start().len();
    let trimmed = s.trim();
    if !trimmed.is_empty() {
        out.push(r.start + lead..r.start + lead + trimmed.len());
    }
}

fn split_paragraph(text: &str, para: Range<usize>, out: &mut Vec<Range<usize>>) {
    let p = &text[para.clone()];
    let chars: Vec<(usize, char)> = p.char_indices().collect();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let (pos, c) = chars[i];
        if matches!(c, '.' | '!' | '?' | '\u{2026}') {
            let mut end = i + 1;
            while end < chars.len()
                && (matches!(chars[end].1, '.' | '!' | '?') || CLOSERS.contains(&chars[end].1))
            {
                end += 1;
            }
            let followed_by_space = end < chars.len() && chars[end].1.is_whitespace();
            let mut next = end;
            while next < chars.len() && chars[next].1.is_whitespace() {
                next += 1;
            }
            let next_starts_lower = next < chars.len() && chars[next].1.is_lowercase();
            let abbreviation = c == '.' && end == i + 1 && is_abbreviation(&p[..pos]);
            if followed_by_space && !next_starts_lower && !abbreviation {
                let end_byte = if end < chars.len() {
                    chars[end].0
                } else {
                    p.len()
                };
                push_trimmed(text, para.start + start..para.start + end_byte, out);
                start = chars.get(next).map_or(p.len(), |(b, _)| *b);
                i = next;
                continue;
            }
            i = end;
            continue;
        }
        i += 1;
    }
    push_trimmed(text, para.start + start..para.end, out);
}

/// Whether the word that ends `before` (the text up to a period) is an abbreviation or an
/// initial.
fn is_abbreviation(before: &str) -> bool {
    let word_start = before
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace() || *c == '(' || *c == '"')
        .map_or(0, |(i, c)| i + c.len_utf8());
    let word = &before[word_start..];
    if word.is_empty() {
        return false;
    }
    // "J." (an initial), "U.S", "e.g", "i.e", "a.m": every dot-separated part one letter.
    if word.split('.').all(|part| {
        let mut cs = part.chars();
        matches!((cs.next(), cs.next()), (Some(c), None) if c.is_alphabetic())
    }) {
        return word.len() > 1 || word.chars().all(char::is_uppercase);
    }
    ABBREVIATIONS.contains(&word.to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<&str> {
        sentences(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn plain_sentences() {
        assert_eq!(
            split("Revenue rose. Margins fell! Why? Costs."),
            ["Revenue rose.", "Margins fell!", "Why?", "Costs."]
        );
    }

    #[test]
    fn abbreviations_initials_and_decimals_do_not_split() {
        assert_eq!(
            split(
                "Apple Inc. grew 3.5% in the U.S. market, e.g. iPhone. J. P. Morgan agreed. Dr. Lee left on Jan. 5."
            ),
            [
                "Apple Inc. grew 3.5% in the U.S. market, e.g. iPhone.",
                "J. P. Morgan agreed.",
                "Dr. Lee left on Jan. 5."
            ]
        );
    }

    #[test]
    fn closing_quotes_and_brackets_stay_with_their_sentence() {
        assert_eq!(
            split("He said \"buy.\" Then (it fell.) Next one."),
            ["He said \"buy.\"", "Then (it fell.)", "Next one."]
        );
    }

    #[test]
    fn lowercase_continuation_does_not_split() {
        assert_eq!(
            split("Sales were 5 bn. vs. 4 bn. a year ago."),
            ["Sales were 5 bn. vs. 4 bn. a year ago."]
        );
    }

    #[test]
    fn paragraph_breaks_always_split() {
        assert_eq!(
            split("Risk Factors\n\nOur business is risky"),
            ["Risk Factors", "Our business is risky"]
        );
        assert_eq!(split("one\ntwo\n \nthree"), ["one\ntwo", "three"]);
    }

    #[test]
    fn ranges_cover_all_text_without_whitespace_edges() {
        let text = "  A b.  C d?\n\n\n E f  ";
        let r = sentences(text);
        assert_eq!(split(text), ["A b.", "C d?", "E f"]);
        assert!(r.windows(2).all(|w| w[0].end <= w[1].start));
    }

    #[test]
    fn empty_and_unterminated() {
        assert!(sentences("").is_empty());
        assert!(sentences(" \n\n ").is_empty());
        assert_eq!(split("no terminator"), ["no terminator"]);
        assert_eq!(split("ellipsis… Next"), ["ellipsis…", "Next"]);
        assert_eq!(split("Ends with dot."), ["Ends with dot."]);
    }

    #[test]
    fn multibyte_text() {
        assert_eq!(
            split("Über alles. Ça va? 日本語。"),
            ["Über alles.", "Ça va?", "日本語。"]
        );
    }
}

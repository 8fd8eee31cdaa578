//! Text cleaning of extracted pages, before metadata extraction and chunking.
//!
//! In order: Unicode NFKC (ligatures such as `ﬁ` fold to `fi`, non-breaking spaces to
//! spaces), removal of invisible and control characters, whitespace collapsed within
//! lines, running headers and footers removed (lines repeated at the top or bottom of many
//! pages) together with page numbers, words hyphenated across line and page breaks joined,
//! and lines joined into paragraphs (a PDF's line breaks are layout, not meaning). Pages
//! are concatenated with a paragraph break between them, and [`CleanText::pages`] keeps
//! where each page's text lies so chunks can cite pages.

use regex::Regex;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;

/// Lines at the top and at the bottom of a page that can be a running header or footer.
const EDGE_LINES: usize = 3;
/// Lines at the very top and bottom of a page that can be a page number.
const PAGE_NUMBER_LINES: usize = 2;
/// A line is a running header or footer when it sits at the edge of at least this share
/// of the pages (0.4 so that alternating even/odd headers are still found)...
const REPEATED_SHARE: f64 = 0.4;
/// ...and of at least this many pages, so a short document keeps its first line.
const REPEATED_MIN_PAGES: usize = 3;

/// Lower-case roman numerals up to 399, as front matter is numbered.
static ROMAN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^c{0,3}(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$").expect("static regex")
});

/// Cleaned text of a document, with where each page's text lies in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CleanText {
    /// Paragraphs separated by `\n\n`, pages too.
    pub text: String,
    /// One span per input page, in order; a page without text has an empty span.
    pub pages: Vec<PageSpan>,
}

/// Where one page's text lies in [`CleanText::text`], in bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageSpan {
    /// 1-based page number.
    pub number: u32,
    pub start: usize,
    pub end: usize,
}

impl CleanText {
    /// The page that holds byte `offset` of the text (a byte between two pages belongs to
    /// the next one); the last page for offsets at or past the end.
    pub fn page_at(&self, offset: usize) -> u32 {
        self.pages
            .iter()
            .find(|p| offset < p.end && p.start != p.end)
            .or_else(|| self.pages.iter().rev().find(|p| p.start != p.end))
            .map_or(1, |p| p.number)
    }

    /// The pages, in order.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }
}

/// Cleans the text of each page of one document (page 1 first).
pub fn clean_pages<S: AsRef<str>>(pages: &[S]) -> CleanText {
    let mut lines: Vec<Vec<String>> = pages
        .iter()
        .map(|p| {
            normalize_chars(p.as_ref())
                .lines()
                .map(collapse_spaces)
                .collect()
        })
        .collect();
    remove_running_lines(&mut lines);
    let compounds = hyphenated_compounds(&lines);
    let mut paragraphs: Vec<Vec<String>> = lines
        .iter()
        .map(|page| join_lines(page, &compounds))
        .collect();
    join_across_pages(&mut paragraphs, &compounds);

    let mut out = CleanText::default();
    for (i, page) in paragraphs.iter().enumerate() {
        let non_empty: Vec<&String> = page.iter().filter(|p| !p.is_empty()).collect();
        if let Some(first) = non_empty.first()
            && !out.text.is_empty()
        {
            // A sentence that runs on across the page break stays one sentence.
            out.text.push_str(if continues(&out.text, first) {
                "\n"
            } else {
                "\n\n"
            });
        }
        let start = out.text.len();
        for (k, para) in non_empty.iter().enumerate() {
            if k > 0 {
                out.text.push_str("\n\n");
            }
            out.text.push_str(para);
        }
        out.pages.push(PageSpan {
            number: u32::try_from(i + 1).unwrap_or(u32::MAX),
            start,
            end: out.text.len(),
        });
    }
    out
}

/// Whether `next` (a page's first paragraph) continues the sentence `before` ends with.
fn continues(before: &str, next: &str) -> bool {
    let ended = before
        .trim_end()
        .ends_with(['.', '!', '?', ':', '"', '\u{201D}', ')']);
    !ended && next.chars().next().is_some_and(char::is_lowercase)
}

/// NFKC, then the characters NFKC keeps but text search should not see.
fn normalize_chars(page: &str) -> String {
    let folded: String = page.nfkc().collect();
    let mut out = String::with_capacity(folded.len());
    let mut chars = folded.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                out.push('\n');
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
            }
            // A soft hyphen is shown only where the line breaks: there it is a hyphen.
            '\u{AD}' => {
                if chars.peek().is_none_or(|n| *n == '\n' || *n == '\r') {
                    out.push('-');
                }
            }
            '\u{2010}' | '\u{2011}' => out.push('-'),
            '\u{0C}' | '\u{0B}' | '\u{2028}' | '\u{2029}' | '\u{85}' => out.push('\n'),
            '\t' => out.push(' '),
            '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => {}
            c if c.is_control() && c != '\n' => {}
            c if c.is_whitespace() && c != '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn collapse_spaces(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Indices of the first and last `n` non-empty lines of a page, fewer on a short page
/// (a third of its lines at most) so that its body is not taken for its margins.
fn edge_indices(page: &[String], n: usize) -> Vec<usize> {
    let non_empty: Vec<usize> = (0..page.len()).filter(|&i| !page[i].is_empty()).collect();
    let n = n.min((non_empty.len() / 3).max(1));
    let mut idx: Vec<usize> = non_empty.iter().take(n).copied().collect();
    idx.extend(non_empty.iter().rev().take(n).copied());
    idx.sort_unstable();
    idx.dedup();
    idx
}

/// The form under which a running header or footer repeats: case and digits ignored, so
/// "Annual Report 2024 | Page 7" matches "annual report 2024 | page 8".
fn line_signature(line: &str) -> String {
    line.chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_page_number(line: &str) -> bool {
    let l = line.trim().to_lowercase();
    let l = l.trim_matches(|c: char| c == '-' || c == '–' || c == '—' || c == ' ');
    let l = l.strip_prefix("page").map_or(l, str::trim_start);
    let mut parts = l.splitn(2, [' ', '/']);
    let first = parts.next().unwrap_or("");
    let rest = parts.next().map(|r| {
        r.trim()
            .trim_start_matches("of")
            .trim_start_matches('/')
            .trim()
    });
    let number = |s: &str| !s.is_empty() && s.len() <= 4 && s.chars().all(|c| c.is_ascii_digit());
    let roman = |s: &str| !s.is_empty() && ROMAN.is_match(s);
    match rest {
        None => number(first) || roman(first),
        Some(r) => number(first) && number(r),
    }
}

/// Removes lines repeated at the edges of many pages, and page numbers at the edges.
fn remove_running_lines(pages: &mut [Vec<String>]) {
    let mut seen_on: HashMap<String, usize> = HashMap::new();
    for page in pages.iter() {
        let sigs: HashSet<String> = edge_indices(page, EDGE_LINES)
            .into_iter()
            .map(|i| line_signature(&page[i]))
            .collect();
        for s in sigs {
            *seen_on.entry(s).or_default() += 1;
        }
    }
    let threshold = REPEATED_MIN_PAGES.max((pages.len() as f64 * REPEATED_SHARE).ceil() as usize);
    for page in pages.iter_mut() {
        let running: Vec<usize> = edge_indices(page, EDGE_LINES)
            .into_iter()
            .filter(|&i| seen_on.get(&line_signature(&page[i])).copied().unwrap_or(0) >= threshold)
            .collect();
        let numbers: Vec<usize> = edge_indices(page, PAGE_NUMBER_LINES)
            .into_iter()
            .filter(|&i| is_page_number(&page[i]))
            .collect();
        for i in running.into_iter().chain(numbers) {
            page[i].clear();
        }
    }
}

/// Words written with a hyphen inside a line somewhere in the document ("well-known"):
/// when such a word is split at its hyphen by a line break, the hyphen stays.
fn hyphenated_compounds(pages: &[Vec<String>]) -> HashSet<String> {
    let mut set = HashSet::new();
    for line in pages.iter().flatten() {
        for word in line.split(|c: char| !(c.is_alphanumeric() || c == '-')) {
            let w = word.trim_matches('-');
            if w.contains('-') && w.split('-').all(|p| !p.is_empty()) {
                set.insert(w.to_lowercase());
            }
        }
    }
    set
}

/// The hyphenated word fragment a line ends with ("finan-"), if any.
fn trailing_fragment(line: &str) -> Option<&str> {
    let stem = line.strip_suffix('-')?;
    let start = stem
        .char_indices()
        .rev()
        .find(|(_, c)| !c.is_alphabetic())
        .map_or(0, |(i, c)| i + c.len_utf8());
    let fragment = &stem[start..];
    (!fragment.is_empty()).then_some(fragment)
}

/// The word a line starts with, when it continues a hyphenated fragment (lowercase).
fn leading_continuation(line: &str) -> Option<&str> {
    let end = line
        .char_indices()
        .find(|(_, c)| !c.is_alphabetic())
        .map_or(line.len(), |(i, _)| i);
    let word = &line[..end];
    word.chars()
        .next()
        .filter(|c| c.is_lowercase())
        .map(|_| word)
}

/// Joins "finan-" and "cial" into "financial", or "well-" and "known" into "well-known"
/// when the document writes that compound with its hyphen elsewhere.
fn join_hyphenated(left: &str, right: &str, compounds: &HashSet<String>) -> Option<String> {
    let fragment = trailing_fragment(left)?;
    let next = leading_continuation(right)?;
    let compound = format!("{fragment}-{next}").to_lowercase();
    let keep_hyphen = compounds.contains(&compound);
    let mut joined = String::with_capacity(left.len() + right.len());
    joined.push_str(if keep_hyphen {
        left
    } else {
        &left[..left.len() - 1]
    });
    joined.push_str(right);
    Some(joined)
}

/// Lines into paragraphs: an empty line ends a paragraph; other line breaks become spaces
/// or, after a hyphenated fragment, nothing.
fn join_lines(page: &[String], compounds: &HashSet<String>) -> Vec<String> {
    let mut paragraphs = Vec::new();
    let mut current = String::new();
    for line in page {
        if line.is_empty() {
            if !current.is_empty() {
                paragraphs.push(std::mem::take(&mut current));
            }
            continue;
        }
        if current.is_empty() {
            current.push_str(line);
        } else if let Some(joined) = join_hyphenated(&current, line, compounds) {
            current = joined;
        } else {
            current.push(' ');
            current.push_str(line);
        }
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }
    paragraphs
}

/// A word hyphenated across a page break moves whole onto the earlier page.
fn join_across_pages(pages: &mut [Vec<String>], compounds: &HashSet<String>) {
    for i in 0..pages.len().saturating_sub(1) {
        let Some(next_index) = (i + 1..pages.len()).find(|&j| !pages[j].is_empty()) else {
            return;
        };
        let (Some(last), Some(first)) = (pages[i].last(), pages[next_index].first()) else {
            continue;
        };
        let Some(word) = leading_continuation(first) else {
            continue;
        };
        let word_len = word.len();
        let Some(joined) = join_hyphenated(last, word, compounds) else {
            continue;
        };
        if let Some(last) = pages[i].last_mut() {
            *last = joined;
        }
        let first = &mut pages[next_index][0];
        let rest = first[word_len..].trim_start().to_string();
        *first = rest;
        if first.is_empty() {
            pages[next_index].remove(0);
        }
    }
}

/// Byte range → character range, for callers that count in characters.
pub fn char_range(text: &str, bytes: Range<usize>) -> Range<usize> {
    let start = text[..bytes.start].chars().count();
    start..start + text[bytes.start..bytes.end].chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(lines: &[&str]) -> String {
        lines.join("\n")
    }

    #[test]
    fn ligatures_and_compatibility_forms_fold() {
        let c = clean_pages(&["The ﬁnancial eﬀect of ﬂows: ５０%\u{00A0}ﬀ"]);
        assert_eq!(c.text, "The financial effect of flows: 50% ff");
    }

    #[test]
    fn invisible_and_control_characters_go() {
        let c = clean_pages(&["zero\u{200B}width\u{FEFF} and\u{7} bell\ttab"]);
        assert_eq!(c.text, "zerowidth and bell tab");
    }

    #[test]
    fn whitespace_collapses_and_lines_join_into_paragraphs() {
        let c = clean_pages(&["  First   line\nsecond line  \n\n\n Next\r\nparagraph "]);
        assert_eq!(c.text, "First line second line\n\nNext paragraph");
    }

    #[test]
    fn hyphenation_across_lines_joins_words() {
        let c = clean_pages(&["Revenue in the finan-\ncial year rose."]);
        assert_eq!(c.text, "Revenue in the financial year rose.");
    }

    #[test]
    fn known_compounds_keep_their_hyphen() {
        let c = clean_pages(&["A well-known brand.\nAnother well-\nknown brand."]);
        assert_eq!(c.text, "A well-known brand. Another well-known brand.");
    }

    #[test]
    fn capitalised_continuations_and_dashes_are_not_joined() {
        let c = clean_pages(&["Results for Q3 -\nrevenue up", "North-\nAmerica"]);
        assert_eq!(c.text, "Results for Q3 - revenue up\n\nNorth- America");
    }

    #[test]
    fn soft_hyphen_is_a_hyphen_only_at_line_end() {
        let c = clean_pages(&["in\u{AD}vest\u{AD}\nment"]);
        assert_eq!(c.text, "investment");
    }

    #[test]
    fn hyphenation_across_pages_moves_the_word_back() {
        let c = clean_pages(&["The company's liqui-", "dity improved. Cash rose."]);
        assert_eq!(c.text, "The company's liquidity\nimproved. Cash rose.");
        assert_eq!(c.pages[0].number, 1);
        assert_eq!(
            &c.text[c.pages[0].start..c.pages[0].end],
            "The company's liquidity"
        );
        assert_eq!(
            &c.text[c.pages[1].start..c.pages[1].end],
            "improved. Cash rose."
        );
        assert_eq!(c.page_at(c.text.find("improved").unwrap_or(0)), 2);
    }

    #[test]
    fn running_headers_footers_and_page_numbers_are_removed() {
        let topics = ["revenue", "margins", "cash flow", "guidance", "risks"];
        let body = |n: usize| -> Vec<String> {
            (0..6)
                .map(|k| {
                    format!(
                        "The {} discussion, part {k}, continues here",
                        topics[(n + k) % 5]
                    )
                })
                .collect()
        };
        let pages: Vec<String> = (1..=5)
            .map(|n| {
                let mut lines = vec!["ACME Corp. Annual Report 2024".to_string(), String::new()];
                lines.extend(body(n));
                lines.push("Confidential - for internal use".into());
                lines.push(format!("Page {n} of 5"));
                lines.join("\n")
            })
            .collect();
        let c = clean_pages(&pages);
        assert_eq!(c.pages.len(), 5);
        for n in 1..=5 {
            let p = &c.pages[n - 1];
            assert_eq!(&c.text[p.start..p.end], body(n).join(" "));
        }
    }

    #[test]
    fn bare_and_dashed_page_numbers_are_removed_at_edges_only() {
        let c = clean_pages(&[page(&["12", "Sales were", "7", "units.", "- 3 -"])]);
        assert_eq!(c.text, "Sales were 7 units.");
    }

    #[test]
    fn first_lines_of_a_two_page_document_are_kept() {
        let c = clean_pages(&[
            page(&["Outlook", "Text one."]),
            page(&["Outlook", "Text two."]),
        ]);
        assert_eq!(c.text, "Outlook Text one.\n\nOutlook Text two.");
    }

    #[test]
    fn empty_input_and_empty_pages() {
        assert_eq!(clean_pages::<&str>(&[]), CleanText::default());
        let c = clean_pages(&["", "  \n ", "Only text"]);
        assert_eq!(c.text, "Only text");
        assert_eq!(c.pages.len(), 3);
        assert_eq!((c.pages[0].start, c.pages[0].end), (0, 0));
        assert_eq!(c.page_at(0), 3);
        assert_eq!(c.page_at(1000), 3);
    }

    #[test]
    fn page_at_maps_offsets_to_pages() {
        let c = clean_pages(&["Alpha.", "Beta."]);
        assert_eq!(c.text, "Alpha.\n\nBeta.");
        assert_eq!(c.page_at(0), 1);
        assert_eq!(c.page_at(5), 1);
        assert_eq!(c.page_at(6), 2);
        assert_eq!(c.page_at(8), 2);
    }

    #[test]
    fn page_number_shapes() {
        for yes in [
            "7",
            "Page 7",
            "page 7 of 20",
            "7 / 20",
            "- 7 -",
            "— 12 —",
            "iv",
            "xii",
        ] {
            assert!(is_page_number(yes), "{yes}");
        }
        for no in ["Revenue 7", "12345", "7 million", "Item 7", "civil", ""] {
            assert!(!is_page_number(no), "{no}");
        }
    }

    #[test]
    fn char_ranges_count_characters() {
        let t = "é1 ﬁ";
        assert_eq!(char_range(t, 0..3), 0..2);
        assert_eq!(char_range(t, 3..t.len()), 2..4);
    }
}

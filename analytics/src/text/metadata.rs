//! Document metadata: title, author, dates, page count and the tickers a document mentions.
//!
//! The file's own metadata (a PDF's Info dictionary) wins where it is usable; otherwise
//! the text is read. Tickers: all-caps words are mostly not tickers ("CEO", "GAAP", "Q3"),
//! so a symbol counts only when the text marks it as one, as a cashtag (`$AAPL`), with an
//! exchange (`NASDAQ: AAPL`, `(NYSE:IBM)`) or after "ticker"/"symbol", or when the caller
//! knows it as a symbol (its universe) and it is not a common acronym. Once marked or
//! known, every bare mention of it is counted.

use super::clean::CleanText;
use super::sentence::sentences;
use regex::Regex;
use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

/// What the file itself says about the document (a PDF's Info dictionary), if anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileInfo {
    pub title: Option<String>,
    pub author: Option<String>,
    /// Creation date, ISO 8601 (`2024-03-05`).
    pub created: Option<String>,
}

/// Metadata of one document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    pub title: Option<String>,
    pub author: Option<String>,
    /// Creation date from the file, ISO 8601.
    pub created: Option<String>,
    /// Distinct calendar dates written in the text, ISO 8601, ascending.
    pub dates: Vec<String>,
    pub page_count: usize,
    /// Tickers mentioned, most mentioned first (ties by symbol).
    pub tickers: Vec<TickerMention>,
}

/// A ticker and how often the document mentions it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TickerMention {
    pub symbol: String,
    pub mentions: usize,
}

/// Titles that document tools write when the author gave none.
const PLACEHOLDER_TITLES: &[&str] = &["untitled", "document", "microsoft word", "title", "slide"];
const TITLE_MAX_CHARS: usize = 150;

/// Upper-case words that are far more often acronyms than tickers, even where a symbol
/// of the same name exists; they count only as cashtags or with an exchange.
const ACRONYMS: &[&str] = &[
    "AI", "AM", "API", "ARPU", "ASAP", "ATM", "BPS", "CAGR", "CEO", "CFO", "CIO", "COO", "CPI",
    "CTO", "DCF", "EBIT", "EBITDA", "ECB", "EPS", "ESG", "ETF", "EU", "EUR", "EV", "FCF", "FED",
    "FOMC", "FX", "FY", "GAAP", "GBP", "GDP", "HR", "IFRS", "II", "III", "INC", "IPO", "IR", "IRR",
    "IT", "IV", "JPY", "KPI", "LLC", "LTM", "MD", "NAV", "NEW", "NPV", "NYSE", "NASDAQ", "OK",
    "ON", "OR", "PE", "PM", "PR", "QE", "QOQ", "ROA", "ROE", "ROI", "SEC", "TTM", "UK", "US",
    "USA", "USD", "VAT", "VP", "WACC", "YOY", "YTD",
];

static CASHTAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$([A-Z]{1,5}(?:\.[A-Z])?)\b").expect("static regex"));
static EXCHANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:NYSE(?: American| Arca)?|NASDAQ|Nasdaq|AMEX|Cboe|CBOE|OTC|TSX|LSE)\s*:\s*([A-Z]{1,5}(?:\.[A-Z])?)\b")
        .expect("static regex")
});
static LABELLED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:[Tt]icker|TICKER|[Ss]ymbol)(?: symbol)?\s*[:=]?\s*([A-Z]{1,5}(?:\.[A-Z])?)\b")
        .expect("static regex")
});
static BARE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[A-Z]{1,5}(?:\.[A-Z])?\b").expect("static regex"));

static MONTHS: &[&str] = &[
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const MONTH: &str = r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?";
static ISO_DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(\d{4})-(\d{2})-(\d{2})\b").expect("static regex"));
static MONTH_DAY_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"\b{MONTH}\s+(\d{{1,2}}),?\s+(\d{{4}})\b")).expect("static regex")
});
static DAY_MONTH_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"\b(\d{{1,2}})\s+{MONTH},?\s+(\d{{4}})\b")).expect("static regex")
});
static US_NUMERIC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b").expect("static regex"));
static AUTHOR_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:By|Authors?:|Analysts?:|Prepared by)[ \t]+(\p{Lu}[\p{L}'’.-]*(?:[ \t]+\p{Lu}[\p{L}'’.-]*){1,3})")
        .expect("static regex")
});

/// A document's context line from a title and tickers: "Title (A, B)", the title, the
/// tickers, or nothing.
pub fn context_header(title: Option<&str>, tickers: &[&str]) -> String {
    match (title, tickers.is_empty()) {
        (Some(title), true) => title.to_string(),
        (Some(title), false) => format!("{title} ({})", tickers.join(", ")),
        (None, false) => tickers.join(", "),
        (None, true) => String::new(),
    }
}

/// Metadata of a cleaned document. `is_symbol` says whether an upper-case word is a symbol
/// the caller trades or follows (pass `|_| false` to rely on the text's own marks).
pub fn extract_metadata(
    doc: &CleanText,
    file: &FileInfo,
    is_symbol: impl Fn(&str) -> bool,
) -> Metadata {
    Metadata {
        title: usable_title(file.title.as_deref()).or_else(|| title_from_text(doc)),
        author: file
            .author
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .or_else(|| author_from_text(doc)),
        created: file.created.clone(),
        dates: dates(&doc.text),
        page_count: doc.page_count(),
        tickers: tickers(&doc.text, is_symbol),
    }
}

impl Metadata {
    /// A one-line context for the document's chunks: its title and its three most
    /// mentioned tickers, e.g. "Northwind Semiconductors: Q3 note (NWSC)"; empty when
    /// neither is known.
    pub fn context_header(&self) -> String {
        let tickers: Vec<&str> = self
            .tickers
            .iter()
            .take(3)
            .map(|t| t.symbol.as_str())
            .collect();
        context_header(self.title.as_deref(), &tickers)
    }
}

fn usable_title(title: Option<&str>) -> Option<String> {
    let t = title?.trim();
    let lower = t.to_lowercase();
    let placeholder = PLACEHOLDER_TITLES.iter().any(|p| lower.starts_with(p))
        || lower.ends_with(".docx")
        || lower.ends_with(".doc")
        || lower.ends_with(".pdf");
    (!t.is_empty() && !placeholder && t.chars().count() <= TITLE_MAX_CHARS).then(|| t.to_string())
}

/// The first paragraph of the document if it is short enough to be a title, else its
/// first sentence.
fn title_from_text(doc: &CleanText) -> Option<String> {
    let first = sentences(&doc.text).into_iter().next()?;
    let para_end = doc.text[first.start..]
        .find("\n\n")
        .map_or(doc.text.len(), |i| first.start + i);
    let paragraph = doc.text[first.start..para_end].trim();
    let candidate = if paragraph.chars().count() <= TITLE_MAX_CHARS {
        paragraph
    } else {
        doc.text[first].trim()
    };
    let letters = candidate.chars().filter(|c| c.is_alphabetic()).count();
    (letters >= 3 && candidate.chars().count() <= TITLE_MAX_CHARS)
        .then(|| candidate.trim_end_matches('.').to_string())
}

fn author_from_text(doc: &CleanText) -> Option<String> {
    let first_page = doc
        .pages
        .iter()
        .find(|p| p.start != p.end)
        .map_or("", |p| &doc.text[p.start..p.end]);
    AUTHOR_LINE
        .captures(first_page)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().trim_end_matches(['.', ',']).to_string())
}

fn month_number(name: &str) -> Option<u32> {
    let key = name.get(..3)?.to_lowercase();
    MONTHS
        .iter()
        .position(|m| *m == key)
        .and_then(|i| u32::try_from(i + 1).ok())
}

/// `y-m-d` when it is a real calendar date in a plausible range for documents.
pub fn iso_date(year: i32, month: u32, day: u32) -> Option<String> {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    ((1900..=2200).contains(&year) && (1..=days).contains(&day))
        .then(|| format!("{year:04}-{month:02}-{day:02}"))
}

/// Distinct dates written in the text, ascending.
pub fn dates(text: &str) -> Vec<String> {
    let mut found = BTreeSet::new();
    let num =
        |c: &regex::Captures<'_>, i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
    for c in ISO_DATE.captures_iter(text) {
        if let (Some(y), Some(m), Some(d)) = (num(&c, 1), num(&c, 2), num(&c, 3)) {
            found.extend(i32::try_from(y).ok().and_then(|y| iso_date(y, m, d)));
        }
    }
    for c in MONTH_DAY_YEAR.captures_iter(text) {
        let m = c.get(1).and_then(|m| month_number(m.as_str()));
        if let (Some(m), Some(d), Some(y)) = (m, num(&c, 2), num(&c, 3)) {
            found.extend(i32::try_from(y).ok().and_then(|y| iso_date(y, m, d)));
        }
    }
    for c in DAY_MONTH_YEAR.captures_iter(text) {
        let m = c.get(2).and_then(|m| month_number(m.as_str()));
        if let (Some(d), Some(m), Some(y)) = (num(&c, 1), m, num(&c, 3)) {
            found.extend(i32::try_from(y).ok().and_then(|y| iso_date(y, m, d)));
        }
    }
    for c in US_NUMERIC.captures_iter(text) {
        if let (Some(m), Some(d), Some(y)) = (num(&c, 1), num(&c, 2), num(&c, 3)) {
            found.extend(i32::try_from(y).ok().and_then(|y| iso_date(y, m, d)));
        }
    }
    found.into_iter().collect()
}

/// Tickers the text mentions (see the module documentation for the rule).
pub fn tickers(text: &str, is_symbol: impl Fn(&str) -> bool) -> Vec<TickerMention> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut marked_at: Vec<(usize, usize)> = Vec::new();
    for re in [&*CASHTAG, &*EXCHANGE, &*LABELLED] {
        for c in re.captures_iter(text) {
            if let Some(m) = c.get(1) {
                *counts.entry(m.as_str().to_string()).or_default() += 1;
                marked_at.push((m.start(), m.end()));
            }
        }
    }
    for m in BARE.find_iter(text) {
        let sym = m.as_str();
        let already_counted = marked_at
            .iter()
            .any(|&(s, e)| s == m.start() && e == m.end());
        if already_counted || sym.len() < 2 {
            continue;
        }
        let marked = counts.contains_key(sym);
        if marked || (is_symbol(sym) && !ACRONYMS.contains(&sym)) {
            *counts.entry(sym.to_string()).or_default() += 1;
        }
    }
    let mut out: Vec<TickerMention> = counts
        .into_iter()
        .map(|(symbol, mentions)| TickerMention { symbol, mentions })
        .collect();
    out.sort_by(|a, b| {
        b.mentions
            .cmp(&a.mentions)
            .then_with(|| a.symbol.cmp(&b.symbol))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::clean::clean_pages;

    fn symbols(list: &[TickerMention]) -> Vec<(&str, usize)> {
        list.iter()
            .map(|t| (t.symbol.as_str(), t.mentions))
            .collect()
    }

    #[test]
    fn cashtags_exchanges_and_labels_mark_tickers() {
        let t = "Apple (NASDAQ: AAPL) and IBM (NYSE:IBM) beat; $MSFT too. Ticker: BRK.B rose. \
                 AAPL guided higher, IBM lower. The CEO cited GAAP EPS.";
        assert_eq!(
            symbols(&tickers(t, |_| false)),
            [("IBM", 3), ("AAPL", 2), ("BRK.B", 1), ("MSFT", 1)]
        );
    }

    #[test]
    fn bare_words_need_the_universe_and_are_not_acronyms() {
        let universe = ["NVDA", "IT", "CEO", "F"];
        let t = "NVDA rallied while IT spending slowed; the CEO of F spoke. NVDA again.";
        assert_eq!(
            symbols(&tickers(t, |s| universe.contains(&s))),
            [("NVDA", 2)]
        );
        assert!(tickers("$5 million and $10.5bn", |_| true).is_empty());
    }

    #[test]
    fn single_letter_tickers_only_when_marked() {
        assert_eq!(
            symbols(&tickers("Ford ($F) rose; F is up.", |_| true)),
            [("F", 1)]
        );
    }

    #[test]
    fn dates_in_common_formats() {
        let t = "Filed 2024-03-05. As of March 31, 2024 and 1 Feb. 2023; on 12/31/2023. \
                 Bad: 2024-02-30, 13/40/2020, Smarch 3, 2020. Again Mar 31 2024.";
        assert_eq!(
            dates(t),
            ["2023-02-01", "2023-12-31", "2024-03-05", "2024-03-31"]
        );
        assert!(dates("").is_empty());
        assert_eq!(dates("29 February 2024, 29 February 2023"), ["2024-02-29"]);
    }

    #[test]
    fn file_info_wins_unless_it_is_a_placeholder() {
        let doc = clean_pages(&["Quarterly Outlook\n\nBy Jane Q. Doe\n\nBody text here."]);
        let m = extract_metadata(
            &doc,
            &FileInfo {
                title: Some("Microsoft Word - draft7.docx".into()),
                author: None,
                created: Some("2024-01-02".into()),
            },
            |_| false,
        );
        assert_eq!(m.title.as_deref(), Some("Quarterly Outlook"));
        assert_eq!(m.author.as_deref(), Some("Jane Q. Doe"));
        assert_eq!(m.created.as_deref(), Some("2024-01-02"));
        assert_eq!(m.page_count, 1);

        let info = FileInfo {
            title: Some("  Semis: 2025 Outlook ".into()),
            author: Some("Research Desk".into()),
            created: None,
        };
        let m = extract_metadata(&doc, &info, |_| false);
        assert_eq!(m.title.as_deref(), Some("Semis: 2025 Outlook"));
        assert_eq!(m.author.as_deref(), Some("Research Desk"));
    }

    #[test]
    fn context_header_from_title_and_tickers() {
        let mention = |s: &str| TickerMention {
            symbol: s.into(),
            mentions: 1,
        };
        let mut m = Metadata {
            title: Some("Chips note".into()),
            tickers: vec![
                mention("NVDA"),
                mention("AMD"),
                mention("INTC"),
                mention("TSM"),
            ],
            ..Metadata::default()
        };
        assert_eq!(m.context_header(), "Chips note (NVDA, AMD, INTC)");
        m.tickers.clear();
        assert_eq!(m.context_header(), "Chips note");
        m.title = None;
        assert_eq!(m.context_header(), "");
        m.tickers.push(mention("AMD"));
        assert_eq!(m.context_header(), "AMD");
    }

    #[test]
    fn empty_document_has_empty_metadata() {
        let m = extract_metadata(&clean_pages::<&str>(&[]), &FileInfo::default(), |_| true);
        assert_eq!(m, Metadata::default());
    }

    #[test]
    fn long_first_paragraph_falls_back_to_its_first_sentence() {
        let long = format!("Short lead. Then {}", "word ".repeat(60));
        let m = extract_metadata(&clean_pages(&[long]), &FileInfo::default(), |_| false);
        assert_eq!(m.title.as_deref(), Some("Short lead"));
    }
}

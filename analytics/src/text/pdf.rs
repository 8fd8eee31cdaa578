//! Text of a PDF, page by page, from bytes in memory, that never takes the caller down.
//!
//! The extractor is `pdf-extract` (pure Rust, on `lopdf`): it maps fonts' encodings and
//! ToUnicode tables to text and writes spaces and line breaks from glyph positions. It
//! panics on some malformed input, so every page is extracted under `catch_unwind`: a page
//! that panics is reported as [`PageStatus::Failed`] and the others are kept. Before
//! parsing, the input is checked against [`PdfLimits`]: empty, over `max_bytes`, not a PDF
//! at all (a zip archive renamed `.pdf` is recognised as such and never inflated), and
//! compressed streams that would inflate past `max_inflated_bytes` (a decompression bomb).
//!
//! Time: [`extract_pdf`] checks an optional [`Deadline`] between pages. A processor should call
//! [`extract_pdf_within`], which runs the extraction on its own thread and returns
//! [`PdfError::TimedOut`] at the deadline whatever the thread is doing; the thread stops at
//! the next page boundary (one page stuck in the parser keeps it busy until that page ends,
//! so a caller that sees many time-outs in a row should stop taking documents).
//!
//! Known limit: a file nested deeply enough to overflow the parser's stack aborts the
//! process, which `catch_unwind` cannot prevent; [`extract_pdf_within`] runs on a thread
//! with a large stack ([`EXTRACTION_STACK_BYTES`]) to make that need absurd nesting.

use super::metadata::{FileInfo, iso_date};
use flate2::read::ZlibDecoder;
use pdf_extract::{Document, Object, PlainTextOutput};
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Stack of the thread [`extract_pdf_within`] runs the parser on.
pub const EXTRACTION_STACK_BYTES: usize = 64 << 20;

/// When extraction must have ended, and the budget that set it (for the error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    pub at: Instant,
    pub budget: Duration,
}

impl Deadline {
    /// `budget` from now.
    pub fn after(budget: Duration) -> Self {
        Self {
            at: Instant::now() + budget,
            budget,
        }
    }
}

/// Budgets for one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PdfLimits {
    /// Largest file accepted, in bytes.
    pub max_bytes: usize,
    /// Most bytes all compressed streams together may inflate to.
    pub max_inflated_bytes: u64,
    /// Most pages read.
    pub max_pages: usize,
    /// A page with fewer non-space characters than this is flagged
    /// [`PageStatus::LittleText`] (a scan, a chart, a blank page).
    pub min_page_chars: usize,
}

impl Default for PdfLimits {
    fn default() -> Self {
        Self {
            max_bytes: 100 << 20,
            max_inflated_bytes: 1 << 30,
            max_pages: 5_000,
            min_page_chars: 40,
        }
    }
}

/// The text of a PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfText {
    pub pages: Vec<PdfPage>,
    /// Title, author and creation date from the Info dictionary.
    pub info: FileInfo,
}

impl PdfText {
    /// Every page's text in order (empty for pages that failed), for
    /// [`super::clean::clean_pages`].
    pub fn page_texts(&self) -> Vec<&str> {
        self.pages.iter().map(|p| p.text.as_str()).collect()
    }
}

/// One page's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfPage {
    /// 1-based page number.
    pub number: u32,
    pub text: String,
    pub status: PageStatus,
}

/// How a page's extraction went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageStatus {
    Text,
    /// Almost no text: probably a scanned image, a chart or a blank page (OCR would help).
    LittleText,
    /// The extractor failed or panicked on this page; the message says how.
    Failed(String),
}

/// Why a document yields no text. [`PdfError::code`] is a stable short form for dead
/// letters and metrics.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    #[error("the file is empty (0 bytes)")]
    Empty,
    #[error("the file is {bytes} bytes, over the limit of {limit} bytes")]
    TooLarge { bytes: usize, limit: usize },
    #[error("not a PDF: the file looks like {detected}")]
    NotPdf { detected: &'static str },
    #[error("compressed streams inflate to more than {limit} bytes (a decompression bomb?)")]
    DecompressionBomb { limit: u64 },
    #[error("the PDF is encrypted with a password; upload it without the password")]
    Encrypted,
    #[error("the PDF is corrupt: {0}")]
    Corrupt(String),
    #[error("the PDF has {pages} pages, over the limit of {limit}")]
    TooManyPages { pages: usize, limit: usize },
    #[error("extraction took longer than {0:?}")]
    TimedOut(Duration),
    #[error("the extraction thread failed: {0}")]
    Internal(String),
}

impl PdfError {
    /// A stable short form of the reason (`empty`, `too_large`, `not_pdf`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::TooLarge { .. } => "too_large",
            Self::NotPdf { .. } => "not_pdf",
            Self::DecompressionBomb { .. } => "decompression_bomb",
            Self::Encrypted => "encrypted",
            Self::Corrupt(_) => "corrupt",
            Self::TooManyPages { .. } => "too_many_pages",
            Self::TimedOut(_) => "timed_out",
            Self::Internal(_) => "internal",
        }
    }
}

/// Extracts the text of each page, checking `deadline` between pages.
pub fn extract_pdf(
    bytes: &[u8],
    limits: &PdfLimits,
    deadline: Option<Deadline>,
) -> Result<PdfText, PdfError> {
    if bytes.is_empty() {
        return Err(PdfError::Empty);
    }
    if bytes.len() > limits.max_bytes {
        return Err(PdfError::TooLarge {
            bytes: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    if let Some(detected) = not_a_pdf(bytes) {
        return Err(PdfError::NotPdf { detected });
    }
    check_inflated_size(bytes, limits.max_inflated_bytes)?;

    let loaded = catch_unwind(|| Document::load_mem(bytes))
        .map_err(|p| PdfError::Corrupt(format!("the parser panicked: {}", panic_message(&p))))?;
    let mut doc = loaded.map_err(|e| match e {
        pdf_extract::Error::Decryption(_) | pdf_extract::Error::InvalidPassword => {
            PdfError::Encrypted
        }
        other => PdfError::Corrupt(other.to_string()),
    })?;
    if doc.is_encrypted() && doc.decrypt("").is_err() {
        return Err(PdfError::Encrypted);
    }

    let page_ids = catch_unwind(AssertUnwindSafe(|| doc.get_pages()))
        .map_err(|p| PdfError::Corrupt(format!("the page tree panicked: {}", panic_message(&p))))?;
    if page_ids.len() > limits.max_pages {
        return Err(PdfError::TooManyPages {
            pages: page_ids.len(),
            limit: limits.max_pages,
        });
    }
    if page_ids.is_empty() {
        return Err(PdfError::Corrupt("no pages".into()));
    }
    let mut pages = Vec::with_capacity(page_ids.len());
    for &number in page_ids.keys() {
        if let Some(d) = deadline
            && Instant::now() >= d.at
        {
            return Err(PdfError::TimedOut(d.budget));
        }
        pages.push(extract_page(&doc, number, limits));
    }
    let info = catch_unwind(AssertUnwindSafe(|| file_info(&doc))).unwrap_or_default();
    Ok(PdfText { pages, info })
}

/// [`extract_pdf`] on its own thread, returning [`PdfError::TimedOut`] once `budget` has
/// passed even if the parser is still busy (the thread then ends at the next page).
pub fn extract_pdf_within(
    bytes: Arc<[u8]>,
    limits: PdfLimits,
    budget: Duration,
) -> Result<PdfText, PdfError> {
    let deadline = Deadline::after(budget);
    let (tx, rx) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("pdf-extract".into())
        .stack_size(EXTRACTION_STACK_BYTES)
        .spawn(move || {
            // The receiver is gone after a time-out; nobody needs the late result.
            let _ = tx.send(extract_pdf(&bytes, &limits, Some(deadline)));
        })
        .map_err(|e| PdfError::Internal(e.to_string()))?;
    match rx.recv_timeout(budget) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(PdfError::TimedOut(budget)),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(PdfError::Internal(
            "the extraction thread ended without a result".into(),
        )),
    }
}

fn extract_page(doc: &Document, number: u32, limits: &PdfLimits) -> PdfPage {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut text = String::new();
        let mut output = PlainTextOutput::new(&mut text);
        pdf_extract::output_doc_page(doc, &mut output, number).map(|()| text)
    }));
    let (text, status) = match result {
        Ok(Ok(text)) => {
            let visible = text.chars().filter(|c| !c.is_whitespace()).count();
            let status = if visible < limits.min_page_chars {
                PageStatus::LittleText
            } else {
                PageStatus::Text
            };
            (text, status)
        }
        Ok(Err(e)) => (String::new(), PageStatus::Failed(e.to_string())),
        Err(p) => (
            String::new(),
            PageStatus::Failed(format!("the extractor panicked: {}", panic_message(&p))),
        ),
    };
    PdfPage {
        number,
        text,
        status,
    }
}

fn panic_message(payload: &Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// What a file that is not a PDF looks like, from its first bytes; `None` for a PDF (its
/// header may follow up to 1 KiB of junk, as readers allow).
fn not_a_pdf(bytes: &[u8]) -> Option<&'static str> {
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        return None;
    }
    let signatures: &[(&[u8], &'static str)] = &[
        (b"PK\x03\x04", "a zip archive"),
        (b"PK\x05\x06", "an empty zip archive"),
        (b"\x1f\x8b", "a gzip file"),
        (b"BZh", "a bzip2 file"),
        (b"\xfd7zXZ\x00", "an xz file"),
        (b"7z\xbc\xaf\x27\x1c", "a 7-zip archive"),
        (b"Rar!", "a RAR archive"),
        (b"\xd0\xcf\x11\xe0", "a legacy Microsoft Office file"),
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"%!PS", "a PostScript file"),
        (b"{\\rtf", "an RTF file"),
    ];
    for (magic, name) in signatures {
        if bytes.starts_with(magic) {
            return Some(name);
        }
    }
    let lower = String::from_utf8_lossy(&head[..head.len().min(256)]).to_lowercase();
    if lower.contains("<html") || lower.contains("<!doctype") {
        return Some("an HTML page");
    }
    Some("something else (no %PDF- header)")
}

/// Inflates every zlib stream after a `stream` keyword, counting bytes, and fails once the
/// total passes `limit`; the parser would otherwise inflate them without bound. Streams
/// with other filters fail the zlib header check at once and cost nothing.
fn check_inflated_size(bytes: &[u8], limit: u64) -> Result<(), PdfError> {
    let mut total: u64 = 0;
    let mut sink = vec![0u8; 64 << 10];
    let mut from = 0;
    while let Some(at) = find(&bytes[from..], b"stream") {
        let mut start = from + at + b"stream".len();
        from = start;
        match bytes.get(start..start + 2) {
            Some(b"\r\n") => start += 2,
            Some([b'\n', _]) | Some([b'\r', _]) => start += 1,
            _ => continue,
        }
        let mut decoder = ZlibDecoder::new(&bytes[start..]);
        loop {
            match decoder.read(&mut sink) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    total += n as u64;
                    if total > limit {
                        return Err(PdfError::DecompressionBomb { limit });
                    }
                }
            }
        }
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn file_info(doc: &Document) -> FileInfo {
    let Ok(info) = doc.trailer.get(b"Info").and_then(|o| match o {
        Object::Reference(id) => doc.get_dictionary(*id),
        Object::Dictionary(d) => Ok(d),
        _ => Err(pdf_extract::Error::DictType {
            expected: "Info",
            found: "other".into(),
        }),
    }) else {
        return FileInfo::default();
    };
    let text = |key: &[u8]| {
        info.get(key)
            .ok()
            .and_then(|o| match o {
                Object::String(bytes, _) => Some(decode_text_string(bytes)),
                _ => None,
            })
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    FileInfo {
        title: text(b"Title"),
        author: text(b"Author"),
        created: text(b"CreationDate").and_then(|d| pdf_date(&d)),
    }
}

/// A PDF text string: UTF-16BE after a byte-order mark, else PDFDocEncoding (taken as
/// Latin-1, which it equals for letters).
fn decode_text_string(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(b"\xfe\xff") {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
        return String::from_utf8_lossy(rest).into_owned();
    }
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// `D:YYYYMMDDHHmmSS...` to `YYYY-MM-DD`.
fn pdf_date(s: &str) -> Option<String> {
    let digits = s.strip_prefix("D:").unwrap_or(s);
    let year = digits.get(0..4)?.parse().ok()?;
    let month = digits.get(4..6).map_or(Some(1), |m| m.parse().ok())?;
    let day = digits.get(6..8).map_or(Some(1), |d| d.parse().ok())?;
    iso_date(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::ZlibEncoder;
    use pdf_extract::content::{Content, Operation};
    use pdf_extract::{Dictionary, Stream, StringFormat};
    use std::io::Write;

    /// A real PDF, built here with lopdf: one page per entry of `pages`, each line of a page
    /// shown with Helvetica, and an Info dictionary.
    fn pdf(pages: &[&[&str]], info: Option<Dictionary>) -> Vec<u8> {
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let font_id = doc.add_object(Dictionary::from_iter([
            ("Type", Object::Name(b"Font".to_vec())),
            ("Subtype", Object::Name(b"Type1".to_vec())),
            ("BaseFont", Object::Name(b"Helvetica".to_vec())),
            ("Encoding", Object::Name(b"WinAnsiEncoding".to_vec())),
        ]));
        let resources_id = doc.add_object(Dictionary::from_iter([(
            "Font",
            Object::Dictionary(Dictionary::from_iter([("F1", Object::Reference(font_id))])),
        )]));
        let mut kids = Vec::new();
        for lines in pages {
            let mut ops = vec![
                Operation::new("BT", vec![]),
                Operation::new("Tf", vec![Object::Name(b"F1".to_vec()), 12.into()]),
                Operation::new("TL", vec![16.into()]),
                Operation::new("Td", vec![72.into(), 720.into()]),
            ];
            for line in *lines {
                ops.push(Operation::new(
                    "Tj",
                    vec![Object::String(
                        line.as_bytes().to_vec(),
                        StringFormat::Literal,
                    )],
                ));
                ops.push(Operation::new("T*", vec![]));
            }
            ops.push(Operation::new("ET", vec![]));
            let content = Content { operations: ops };
            let content_id = doc.add_object(Stream::new(
                Dictionary::new(),
                content.encode().expect("encodable content"),
            ));
            kids.push(Object::Reference(doc.add_object(Dictionary::from_iter([
                ("Type", Object::Name(b"Page".to_vec())),
                ("Parent", Object::Reference(pages_id)),
                ("Contents", Object::Reference(content_id)),
            ]))));
        }
        let count = i64::try_from(kids.len()).expect("few pages");
        doc.objects.insert(
            pages_id,
            Object::Dictionary(Dictionary::from_iter([
                ("Type", Object::Name(b"Pages".to_vec())),
                ("Kids", Object::Array(kids)),
                ("Count", Object::Integer(count)),
                ("Resources", Object::Reference(resources_id)),
                (
                    "MediaBox",
                    Object::Array(vec![0.into(), 0.into(), 612.into(), 792.into()]),
                ),
            ])),
        );
        let catalog_id = doc.add_object(Dictionary::from_iter([
            ("Type", Object::Name(b"Catalog".to_vec())),
            ("Pages", Object::Reference(pages_id)),
        ]));
        doc.trailer.set("Root", catalog_id);
        if let Some(info) = info {
            let info_id = doc.add_object(info);
            doc.trailer.set("Info", info_id);
        }
        doc.compress();
        let mut out = Vec::new();
        doc.save_to(&mut out).expect("saved to memory");
        out
    }

    fn limits() -> PdfLimits {
        PdfLimits {
            min_page_chars: 10,
            ..PdfLimits::default()
        }
    }

    #[test]
    fn text_per_page_with_info() {
        let info = Dictionary::from_iter([
            ("Title", Object::string_literal("Q3 Outlook")),
            (
                "Author",
                Object::String(
                    b"\xfe\xff\x00J\x00o\x00\xeb".to_vec(),
                    StringFormat::Literal,
                ),
            ),
            ("CreationDate", Object::string_literal("D:20240305101500Z")),
        ]);
        let bytes = pdf(
            &[
                &["Revenue grew 12 percent in the quarter.", "Margins held."],
                &["x"],
                &["Guidance raised for the year."],
            ],
            Some(info),
        );
        let out = extract_pdf(&bytes, &limits(), None).expect("a valid PDF");
        assert_eq!(out.pages.len(), 3);
        assert!(
            out.pages[0].text.contains("Revenue grew 12 percent"),
            "{:?}",
            out.pages[0].text
        );
        assert!(out.pages[0].text.contains("Margins held."));
        assert_eq!(out.pages[0].status, PageStatus::Text);
        assert_eq!(out.pages[1].status, PageStatus::LittleText);
        assert!(out.pages[2].text.contains("Guidance raised"));
        assert_eq!(
            out.pages.iter().map(|p| p.number).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        assert_eq!(
            out.info,
            FileInfo {
                title: Some("Q3 Outlook".into()),
                author: Some("Joë".into()),
                created: Some("2024-03-05".into()),
            }
        );
    }

    #[test]
    fn empty_file() {
        assert_eq!(extract_pdf(b"", &limits(), None), Err(PdfError::Empty));
    }

    #[test]
    fn oversized_file_is_refused_before_parsing() {
        let mut bytes = vec![b' '; 200 << 20];
        bytes[..9].copy_from_slice(b"%PDF-1.7\n");
        let err = extract_pdf(&bytes, &PdfLimits::default(), None).expect_err("too large");
        assert_eq!(
            err,
            PdfError::TooLarge {
                bytes: 200 << 20,
                limit: 100 << 20
            }
        );
        assert_eq!(err.code(), "too_large");
    }

    /// A zip archive with one entry of `size` zero bytes, deflated: a zip bomb in miniature.
    fn zip_bomb(size: usize) -> Vec<u8> {
        let data = vec![0u8; size];
        let mut crc = flate2::Crc::new();
        crc.update(&data);
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), Compression::best());
        enc.write_all(&data).expect("in memory");
        let deflated = enc.finish().expect("in memory");
        let name = b"report.pdf";
        let u32le = |v: usize| u32::try_from(v).expect("small").to_le_bytes();
        let mut zip = Vec::new();
        zip.extend_from_slice(b"PK\x03\x04\x14\x00\x00\x00\x08\x00\x00\x00\x00\x00");
        zip.extend_from_slice(&crc.sum().to_le_bytes());
        zip.extend_from_slice(&u32le(deflated.len()));
        zip.extend_from_slice(&u32le(size));
        zip.extend_from_slice(&u16::try_from(name.len()).expect("short").to_le_bytes());
        zip.extend_from_slice(&[0, 0]);
        zip.extend_from_slice(name);
        zip.extend_from_slice(&deflated);
        zip
    }

    #[test]
    fn zip_bomb_renamed_pdf_is_not_a_pdf_and_is_never_inflated() {
        let bomb = zip_bomb(64 << 20);
        assert!(bomb.len() < 200 << 10, "compressed to {} bytes", bomb.len());
        let err = extract_pdf(&bomb, &limits(), None).expect_err("a zip");
        assert_eq!(
            err,
            PdfError::NotPdf {
                detected: "a zip archive"
            }
        );
        assert!(err.to_string().contains("zip archive"));
    }

    #[test]
    fn other_formats_are_named() {
        let html = b"<!DOCTYPE html><html><body>10-K</body></html>";
        assert_eq!(
            extract_pdf(html, &limits(), None),
            Err(PdfError::NotPdf {
                detected: "an HTML page"
            })
        );
        assert_eq!(
            extract_pdf(b"\x89PNG\r\n\x1a\n....", &limits(), None),
            Err(PdfError::NotPdf {
                detected: "a PNG image"
            })
        );
    }

    #[test]
    fn inflation_bomb_inside_a_pdf_is_refused() {
        let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
        z.write_all(&vec![b'A'; 32 << 20]).expect("in memory");
        let body = z.finish().expect("in memory");
        let mut bytes = b"%PDF-1.7\n1 0 obj\n<< /Length ".to_vec();
        bytes.extend_from_slice(body.len().to_string().as_bytes());
        bytes.extend_from_slice(b" /Filter /FlateDecode >>\nstream\n");
        bytes.extend_from_slice(&body);
        bytes.extend_from_slice(b"\nendstream\nendobj\n%%EOF\n");
        let small = PdfLimits {
            max_inflated_bytes: 8 << 20,
            ..limits()
        };
        assert_eq!(
            extract_pdf(&bytes, &small, None),
            Err(PdfError::DecompressionBomb { limit: 8 << 20 })
        );
    }

    #[test]
    fn compressed_streams_within_budget_pass() {
        // Repetitive enough that lopdf stores the content stream deflated.
        let lines = ["Compressed content streams are fine."; 30];
        let bytes = pdf(&[&lines], None);
        assert!(find(&bytes, b"/FlateDecode").is_some());
        assert!(check_inflated_size(&bytes, 1 << 20).is_ok());
        assert_eq!(
            check_inflated_size(&bytes, 10),
            Err(PdfError::DecompressionBomb { limit: 10 })
        );
        let out = extract_pdf(&bytes, &limits(), None).expect("valid");
        assert_eq!(out.pages[0].text.matches("Compressed content").count(), 30);
    }

    #[test]
    fn corrupt_files_give_an_error_not_a_panic() {
        let good = pdf(&[&["Some text on the page for the test."]], None);
        let cases: Vec<Vec<u8>> = vec![
            b"%PDF-1.4\n".to_vec(),
            b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF".to_vec(),
            good[..good.len() / 2].to_vec(),
            // Every seventh byte flipped, after the header.
            good.iter().enumerate().map(|(i, b)| if i > 16 && i % 7 == 3 { b ^ 0x5a } else { *b }).collect(),
        ];
        for bytes in cases {
            match extract_pdf(&bytes, &limits(), None) {
                Err(PdfError::Corrupt(msg)) => assert!(!msg.is_empty()),
                Ok(text) => assert!(
                    text.pages
                        .iter()
                        .all(|p| p.status != PageStatus::Text || !p.text.is_empty())
                ),
                Err(other) => panic!("unexpected error {other:?}"),
            }
        }
    }

    #[test]
    fn a_page_that_panics_the_extractor_is_flagged_and_the_others_kept() {
        let bytes = pdf(
            &[
                &["First page survives the failure."],
                &["Second page has no MediaBox."],
            ],
            None,
        );
        let mut doc = Document::load_mem(&bytes).expect("valid");
        let pages = doc.get_pages();
        let (first, second) = (pages[&1], pages[&2]);
        let media_box = Object::Array(vec![0.into(), 0.into(), 612.into(), 792.into()]);
        doc.get_dictionary_mut(first)
            .expect("page")
            .set("MediaBox", media_box);
        let parent = doc
            .get_dictionary(second)
            .and_then(|d| d.get(b"Parent"))
            .and_then(Object::as_reference)
            .expect("parent");
        // pdf-extract expects a MediaBox on every page and panics without one.
        doc.get_dictionary_mut(parent)
            .expect("pages")
            .remove(b"MediaBox");
        let mut broken = Vec::new();
        doc.save_to(&mut broken).expect("saved");
        let out = extract_pdf(&broken, &limits(), None).expect("one page is still readable");
        assert!(out.pages[0].text.contains("First page survives"));
        assert_eq!(out.pages[0].status, PageStatus::Text);
        match &out.pages[1].status {
            PageStatus::Failed(why) => assert!(why.contains("panicked"), "{why}"),
            other => panic!("expected a failed page, got {other:?}"),
        }
    }

    #[test]
    fn encrypted_pdf_without_the_password_is_refused() {
        let mut doc =
            Document::load_mem(&pdf(&[&["Secret numbers for the quarter."]], None)).expect("valid");
        let encrypt_id = doc.add_object(Dictionary::from_iter([
            ("Filter", Object::Name(b"Standard".to_vec())),
            ("V", Object::Integer(1)),
            ("R", Object::Integer(2)),
            (
                "O",
                Object::String(vec![0x11; 32], StringFormat::Hexadecimal),
            ),
            (
                "U",
                Object::String(vec![0x22; 32], StringFormat::Hexadecimal),
            ),
            ("P", Object::Integer(-44)),
        ]));
        doc.trailer.set("Encrypt", encrypt_id);
        doc.trailer.set(
            "ID",
            Object::Array(vec![
                Object::String(vec![7; 16], StringFormat::Hexadecimal),
                Object::String(vec![7; 16], StringFormat::Hexadecimal),
            ]),
        );
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).expect("saved");
        let err = extract_pdf(&bytes, &limits(), None).expect_err("encrypted");
        assert_eq!(err, PdfError::Encrypted);
        assert_eq!(err.code(), "encrypted");
    }

    #[test]
    fn deadline_in_the_past_times_out() {
        let bytes = pdf(&[&["One page of text for the deadline."]], None);
        let past = Deadline {
            at: Instant::now(),
            budget: Duration::from_millis(5),
        };
        assert_eq!(
            extract_pdf(&bytes, &limits(), Some(past)),
            Err(PdfError::TimedOut(Duration::from_millis(5)))
        );
    }

    #[test]
    fn extraction_on_a_thread_returns_the_text_or_times_out() {
        let bytes: Arc<[u8]> = pdf(&[&["Threaded extraction of a page."]], None).into();
        let out =
            extract_pdf_within(bytes.clone(), limits(), Duration::from_secs(60)).expect("fast");
        assert!(out.pages[0].text.contains("Threaded extraction"));
        assert_eq!(
            extract_pdf_within(bytes, limits(), Duration::ZERO),
            Err(PdfError::TimedOut(Duration::ZERO))
        );
    }

    #[test]
    fn too_many_pages() {
        let bytes = pdf(&[&["a"], &["b"], &["c"]], None);
        let two = PdfLimits {
            max_pages: 2,
            ..limits()
        };
        assert_eq!(
            extract_pdf(&bytes, &two, None),
            Err(PdfError::TooManyPages { pages: 3, limit: 2 })
        );
    }

    #[test]
    fn pdf_dates() {
        assert_eq!(
            pdf_date("D:20240305101500+01'00'").as_deref(),
            Some("2024-03-05")
        );
        assert_eq!(pdf_date("D:2023").as_deref(), Some("2023-01-01"));
        assert_eq!(pdf_date("D:20231340"), None);
        assert_eq!(pdf_date("garbage"), None);
    }
}

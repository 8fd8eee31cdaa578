//! Sentence-aware chunking sized for the embedding model.
//!
//! Sentences are packed greedily into chunks of at most `max_pieces` word pieces including
//! the model's special tokens ([CLS] and [SEP]), measured by a [`PieceCounter`], in
//! production the model's own tokenizer ([`super::embed::Embedder`]), so no chunk is
//! truncated by the model. Consecutive chunks share up to `overlap_pieces` of whole
//! sentences, so a fact stated across a boundary is whole in one of them. A sentence longer
//! than a chunk is cut at word boundaries. Each chunk knows its byte and character offsets
//! in the cleaned text and the pages it spans.

use super::clean::{CleanText, char_range};
use super::sentence::sentences;
use std::ops::Range;

/// Splits text into the model's word pieces.
pub trait PieceCounter {
    /// Byte ranges in `text` of its word pieces, without special tokens.
    fn pieces(&self, text: &str) -> Vec<Range<usize>>;

    /// How many word pieces `text` has, without special tokens.
    fn count(&self, text: &str) -> usize {
        self.pieces(text).len()
    }
}

/// How chunks are sized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkConfig {
    /// Most word pieces in a chunk, special tokens included: the model's input length.
    pub max_pieces: usize,
    /// Special tokens the model adds to every input ([CLS] and [SEP] for BERT).
    pub special_pieces: usize,
    /// Most word pieces of whole sentences repeated from the end of the previous chunk.
    pub overlap_pieces: usize,
}

impl Default for ChunkConfig {
    /// all-MiniLM-L6-v2: 256 positions, [CLS] and [SEP], about a fifth of overlap.
    fn default() -> Self {
        Self {
            max_pieces: 256,
            special_pieces: 2,
            overlap_pieces: 48,
        }
    }
}

/// One chunk of a document's cleaned text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// 0-based position in the document.
    pub index: u32,
    pub text: String,
    /// Byte offsets in [`CleanText::text`].
    pub bytes: Range<usize>,
    /// Character (Unicode scalar value) offsets in [`CleanText::text`].
    pub chars: Range<usize>,
    /// 1-based page of the chunk's first character.
    pub page_start: u32,
    /// 1-based page of the chunk's last character.
    pub page_end: u32,
    /// Word pieces, without special tokens.
    pub pieces: usize,
}

/// A span of text no longer than one chunk's budget: a sentence or a piece of one.
struct Unit {
    bytes: Range<usize>,
    pieces: usize,
}

/// Chunks of `doc`, in order of the text.
pub fn chunk(doc: &CleanText, counter: &dyn PieceCounter, config: ChunkConfig) -> Vec<Chunk> {
    let budget = config
        .max_pieces
        .saturating_sub(config.special_pieces)
        .max(1);
    let units = units(&doc.text, counter, budget);
    let mut chunks = Vec::new();
    let mut first = 0;
    while first < units.len() {
        let mut end = first;
        let mut total = 0;
        while end < units.len() && total + units[end].pieces <= budget {
            total += units[end].pieces;
            end += 1;
        }
        end = end.max(first + 1);
        // Pieces of separate sentences add up for BERT's tokenizer, which splits at
        // whitespace first; the recount guards tokenizers for which they do not.
        let span = |end: usize| units[first].bytes.start..units[end - 1].bytes.end;
        while end > first + 1 && counter.count(&doc.text[span(end)]) > budget {
            end -= 1;
        }
        let bytes = span(end);
        let text = doc.text[bytes.clone()].to_string();
        chunks.push(Chunk {
            index: u32::try_from(chunks.len()).unwrap_or(u32::MAX),
            pieces: counter.count(&text),
            chars: char_range(&doc.text, bytes.clone()),
            page_start: doc.page_at(bytes.start),
            page_end: doc.page_at(bytes.end.saturating_sub(1).max(bytes.start)),
            text,
            bytes,
        });
        if end >= units.len() {
            break;
        }
        // Step back over whole sentences for the overlap, leaving room for the next one.
        let room = budget - units[end].pieces;
        let mut next = end;
        let mut overlap = 0;
        while next > first + 1
            && overlap + units[next - 1].pieces <= config.overlap_pieces.min(room)
        {
            overlap += units[next - 1].pieces;
            next -= 1;
        }
        first = next;
    }
    chunks
}

/// Chunks that are embedded behind a context header (see [`embedding_input`]): the
/// header's word pieces come out of every chunk's budget.
pub fn chunk_with_header(
    doc: &CleanText,
    counter: &dyn PieceCounter,
    config: ChunkConfig,
    header: &str,
) -> Vec<Chunk> {
    let header_pieces = counter.count(header);
    chunk(
        doc,
        counter,
        ChunkConfig {
            special_pieces: config.special_pieces + header_pieces,
            ..config
        },
    )
}

/// What to embed for a chunk: the document's context header (title and tickers, from
/// [`super::metadata::Metadata::context_header`]) on its own line, then the chunk's text.
/// A page rarely names the company it is about, since running headers are removed; the
/// header gives every chunk that context, so "NWSC buyback" finds page 3 of NWSC's note.
pub fn embedding_input(header: &str, chunk: &Chunk) -> String {
    if header.is_empty() {
        chunk.text.clone()
    } else {
        format!("{header}\n{}", chunk.text)
    }
}

/// Sentences, with those longer than `budget` word pieces cut at word boundaries.
fn units(text: &str, counter: &dyn PieceCounter, budget: usize) -> Vec<Unit> {
    let mut out = Vec::new();
    for sentence in sentences(text) {
        let pieces = counter.pieces(&text[sentence.clone()]);
        if pieces.len() <= budget {
            if !pieces.is_empty() {
                out.push(Unit {
                    bytes: sentence,
                    pieces: pieces.len(),
                });
            }
            continue;
        }
        let base = sentence.start;
        let mut from = 0;
        while from < pieces.len() {
            let mut to = (from + budget).min(pieces.len());
            if to < pieces.len() {
                // Cut before a piece that starts a word, not inside "##ing" continuations;
                // fall back to a hard cut for a single word longer than half a chunk.
                if let Some(k) = (from + budget / 2 + 1..=to)
                    .rev()
                    .find(|&k| pieces[k].start > pieces[k - 1].end)
                {
                    to = k;
                }
            }
            out.push(Unit {
                bytes: base + pieces[from].start..base + pieces[to - 1].end,
                pieces: to - from,
            });
            from = to;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::clean::clean_pages;

    /// BERT's pre-tokenisation without a vocabulary: words and single punctuation marks,
    /// and words longer than 6 letters split in 4-letter pieces like "##" continuations.
    struct ToyCounter;

    impl PieceCounter for ToyCounter {
        fn pieces(&self, text: &str) -> Vec<Range<usize>> {
            let mut out = Vec::new();
            let mut word: Option<usize> = None;
            let flush = |start: usize, end: usize, out: &mut Vec<Range<usize>>| {
                let mut s = start;
                while end - s > 6 {
                    out.push(s..s + 4);
                    s += 4;
                }
                out.push(s..end);
            };
            for (i, c) in text.char_indices() {
                if c.is_alphanumeric() {
                    word.get_or_insert(i);
                    continue;
                }
                if let Some(s) = word.take() {
                    flush(s, i, &mut out);
                }
                if !c.is_whitespace() {
                    out.push(i..i + c.len_utf8());
                }
            }
            if let Some(s) = word {
                flush(s, text.len(), &mut out);
            }
            out
        }
    }

    fn config(max: usize, overlap: usize) -> ChunkConfig {
        ChunkConfig {
            max_pieces: max,
            special_pieces: 2,
            overlap_pieces: overlap,
        }
    }

    #[test]
    fn short_text_is_one_chunk() {
        let doc = clean_pages(&["One sentence. Two sentence."]);
        let c = chunk(&doc, &ToyCounter, ChunkConfig::default());
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].text, "One sentence. Two sentence.");
        assert_eq!((c[0].bytes.clone(), c[0].chars.clone()), (0..27, 0..27));
        assert_eq!((c[0].page_start, c[0].page_end, c[0].pieces), (1, 1, 8));
    }

    #[test]
    fn empty_document_has_no_chunks() {
        assert!(
            chunk(
                &clean_pages::<&str>(&[]),
                &ToyCounter,
                ChunkConfig::default()
            )
            .is_empty()
        );
        assert!(
            chunk(
                &clean_pages(&["", " "]),
                &ToyCounter,
                ChunkConfig::default()
            )
            .is_empty()
        );
    }

    #[test]
    fn chunks_respect_the_budget_and_break_between_sentences() {
        // Each sentence: "Sent" "ence" "number" "0" "here" "." = 6 pieces; budget 14 - 2
        // = 12 → 2 sentences per chunk.
        let text: Vec<String> = (0..7)
            .map(|i| format!("Sentence number {i} here."))
            .collect();
        let doc = clean_pages(&[text.join(" ")]);
        let c = chunk(&doc, &ToyCounter, config(14, 0));
        assert_eq!(c.len(), 4);
        assert_eq!(c[0].text, "Sentence number 0 here. Sentence number 1 here.");
        assert_eq!(c[3].text, "Sentence number 6 here.");
        for ch in &c {
            assert!(ch.pieces + 2 <= 14);
            assert_eq!(&doc.text[ch.bytes.clone()], ch.text);
        }
    }

    #[test]
    fn overlap_repeats_whole_trailing_sentences() {
        let text: Vec<String> = (0..6)
            .map(|i| format!("Sentence number {i} here."))
            .collect();
        let doc = clean_pages(&[text.join(" ")]);
        // Budget 18 pieces = 3 sentences; overlap up to 6 pieces = 1 sentence.
        let c = chunk(&doc, &ToyCounter, config(20, 6));
        let texts: Vec<&str> = c.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Sentence number 0 here. Sentence number 1 here. Sentence number 2 here.",
                "Sentence number 2 here. Sentence number 3 here. Sentence number 4 here.",
                "Sentence number 4 here. Sentence number 5 here.",
            ]
        );
    }

    #[test]
    fn overlap_never_stalls_progress() {
        // Overlap as large as the budget: every chunk must still bring a new sentence.
        let text: Vec<String> = (0..5)
            .map(|i| format!("Sentence number {i} here."))
            .collect();
        let doc = clean_pages(&[text.join(" ")]);
        let c = chunk(&doc, &ToyCounter, config(14, 100));
        assert!(c.windows(2).all(|w| w[1].bytes.end > w[0].bytes.end));
        assert!(c.last().is_some_and(|l| l.text.ends_with("number 4 here.")));
    }

    #[test]
    fn long_sentences_are_cut_at_word_boundaries() {
        let words: Vec<String> = (0..50).map(|i| format!("w{i}")).collect();
        let doc = clean_pages(&[words.join(" ")]);
        let c = chunk(&doc, &ToyCounter, config(22, 0));
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].pieces, 20);
        assert!(c[0].text.starts_with("w0 ") && c[0].text.ends_with(" w19"));
        assert_eq!(c[2].pieces, 10);
        let rebuilt: Vec<&str> = c.iter().flat_map(|c| c.text.split(' ')).collect();
        assert_eq!(
            rebuilt,
            words.iter().map(String::as_str).collect::<Vec<_>>()
        );
    }

    #[test]
    fn long_words_are_not_cut_inside_continuations_when_avoidable() {
        // "abcdefghijkl" = 3 pieces (4+4+4) without gaps between them.
        let words = ["abcdefghijkl"; 10].join(" ");
        let doc = clean_pages(&[words]);
        let c = chunk(&doc, &ToyCounter, config(9, 0));
        for ch in &c {
            assert!(ch.pieces <= 7);
            assert!(
                ch.text.split(' ').all(|w| w == "abcdefghijkl"),
                "{:?}",
                ch.text
            );
        }
    }

    #[test]
    fn a_single_word_longer_than_a_chunk_is_cut_hard() {
        let doc = clean_pages(&["x".repeat(100)]);
        let c = chunk(&doc, &ToyCounter, config(7, 0));
        assert!(c.iter().all(|c| c.pieces <= 5));
        assert_eq!(c.iter().map(|c| c.text.len()).sum::<usize>(), 100);
    }

    #[test]
    fn a_context_header_comes_out_of_the_budget() {
        let text: Vec<String> = (0..6)
            .map(|i| format!("Sentence number {i} here."))
            .collect();
        let doc = clean_pages(&[text.join(" ")]);
        // "Acme" "(" "ACME" ")" = 4 pieces: budget 20 - 2 - 4 = 14 → 2 sentences per chunk.
        let c = chunk_with_header(&doc, &ToyCounter, config(20, 0), "Acme (ACME)");
        assert_eq!(c.len(), 3);
        for ch in &c {
            let input = embedding_input("Acme (ACME)", ch);
            assert!(ToyCounter.count(&input) + 2 <= 20);
            assert!(input.starts_with("Acme (ACME)\n"));
        }
        assert_eq!(embedding_input("", &c[0]), c[0].text);
    }

    #[test]
    fn chunks_know_their_pages_and_character_offsets() {
        let doc = clean_pages(&["Première page. Encore.", "Second page here.", "Third page."]);
        let c = chunk(&doc, &ToyCounter, config(8, 0));
        let pages: Vec<(u32, u32)> = c.iter().map(|c| (c.page_start, c.page_end)).collect();
        assert_eq!(pages, [(1, 1), (2, 2), (3, 3)]);
        let chars: Vec<char> = doc.text.chars().collect();
        for ch in &c {
            let by_chars: String = chars[ch.chars.clone()].iter().collect();
            assert_eq!(by_chars, ch.text);
        }
        let spanning = chunk(&doc, &ToyCounter, ChunkConfig::default());
        assert_eq!((spanning[0].page_start, spanning[0].page_end), (1, 3));
    }
}

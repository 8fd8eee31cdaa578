//! Documents to searchable chunks: PDF text, cleaning, metadata, chunking, embeddings.
//!
//! The pipeline, in the order a document goes through it:
//! - [`pdf`]: text per page from a PDF's bytes, with size, inflation and time budgets and
//!   panics contained; pages with almost no text are flagged.
//! - [`clean`]: NFKC, headers, footers and page numbers, hyphenation, whitespace;
//!   [`clean::CleanText`] keeps where each page lies.
//! - [`metadata`]: title, author, dates, page count, tickers mentioned.
//! - [`sentence`] and [`chunk`]: sentence-aware chunks of at most 256 word pieces with
//!   overlap, with page and character offsets.
//! - [`embed`]: all-MiniLM-L6-v2 in Rust (weights loaded by candle, products by gemm),
//!   equal to sentence-transformers' vectors;
//!   [`minilm`] is its encoder, [`kernels`] the element-wise parts of it.
//!
//! Start reading at [`chunk::chunk`].

pub mod chunk;
pub mod clean;
pub mod embed;
pub mod kernels;
mod machine;
pub mod metadata;
pub mod minilm;
pub mod pdf;
pub mod sentence;

//! Command-line interface: one subcommand per role, plus `run` for all of them.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// finstream: a real-time financial analysis backend.
///
/// Market ticks, option quotes, chat and documents are Avro events on Kafka topics;
/// processors compute bars, indicators and Greeks; the gateway serves them over
/// WebSocket and REST. `finstream run` runs everything in one process with no services.
#[derive(Debug, Parser)]
#[command(name = "finstream", version, propagate_version = true)]
pub struct Cli {
    /// TOML configuration file; FINSTREAM__SECTION__KEY environment variables override it.
    #[arg(long, global = true, env = "FINSTREAM_CONFIG")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every role in one process on embedded backends (in-process log), with the
    /// synthetic market on: the zero-setup way to try finstream.
    Run {
        /// Address of the gateway (HTTP and WebSocket).
        #[arg(long, value_name = "ADDR")]
        http: Option<String>,
        /// Directory for history, the embedded store and uploads.
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// Where market data comes from: the seeded synthetic market, Alpaca's live stream
        /// (keys in APCA_API_KEY_ID / APCA_API_SECRET_KEY, symbols in alpaca.symbols), or
        /// nothing.
        #[arg(long, value_enum, default_value_t = Source::Synthetic)]
        source: Source,
    },
    /// Run the gateway: WebSocket fan-out and REST, against the configured bus.
    Gateway {
        /// Address to listen on.
        #[arg(long, value_name = "ADDR")]
        http: Option<String>,
    },
    /// Run one stream processor against the configured bus.
    Process {
        /// Which processor: indicators.
        #[arg(value_name = "NAME")]
        name: String,
    },
    /// Produce events from a source into the configured bus.
    #[command(subcommand)]
    Ingest(IngestCommand),
    /// Create or describe the catalog's topics on the configured Kafka cluster.
    #[command(subcommand)]
    Topics(TopicsCommand),
    /// Print the effective configuration (secrets redacted) and exit.
    Config,
    /// Offline analytics for research and backtests, as CSV.
    #[command(subcommand)]
    Analyze(AnalyzeCommand),
    /// SQL over the Parquet history under the data directory (read-only).
    ///
    /// Tables: trades, quotes, bars, option_quotes, indicators, greeks, chat_messages,
    /// each with a `date` partition column ('YYYY-MM-DD'). Functions beyond standard SQL:
    /// time_bucket(INTERVAL '5 minutes', event_time), vwap(price, size),
    /// first_by(price, event_time), last_by(price, event_time). Limits come from the
    /// `sql` configuration section.
    Sql {
        /// The query.
        #[arg(value_name = "SQL")]
        query: String,
        /// Directory the history lives under (`finstream run --data-dir`).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// Output format: table (default on a terminal), csv, json, arrow or parquet.
        #[arg(long, value_name = "FORMAT")]
        format: Option<String>,
        /// Write here instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Back up or restore the embedded hot store.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Create, list and revoke API keys (kept hashed in the hot store).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Maintain the Parquet history: compaction, retention, archiving.
    #[command(subcommand)]
    History(HistoryCommand),
    /// Add documents to a running finstream (PDF, text, Markdown, HTML; folders are
    /// walked), with a progress bar; or list them with their status.
    #[command(subcommand)]
    Docs(DocsCommand),
    /// Embed text with all-MiniLM-L6-v2 and print the vector as a JSON array of numbers.
    ///
    /// The model comes from --model-dir, embeddings.model_dir, FINSTREAM_MODEL_DIR or
    /// ~/.cache/finstream/models/all-MiniLM-L6-v2; scripts/models/fetch-minilm.sh installs it.
    Embed {
        /// The text to embed.
        #[arg(required_unless_present = "stdin", conflicts_with = "stdin")]
        text: Option<String>,
        /// Embed every line of standard input instead: one array per line, in order.
        #[arg(long)]
        stdin: bool,
        /// Directory of the model.
        #[arg(long, value_name = "DIR")]
        model_dir: Option<PathBuf>,
    },
    /// WebSocket load on running gateways: idle connections and their memory, then
    /// deliveries per second and latency from event time to receipt.
    ///
    /// Example, two gateways reading Kafka, 19,000 clients in rooms of 1,000, 100 bars a
    /// second (100,000 deliveries a second):
    /// finstream loadgen --gateway ws://127.0.0.1:8081/v1/stream --gateway-pid 4242
    ///   --gateway ws://127.0.0.1:8082/v1/stream --gateway-pid 4243 --source 127.0.0.2
    ///   --connections 19000 --room-size 1000 --rate 100
    Loadgen(crate::loadgen::LoadgenArgs),
    /// Option prices, implied volatility and Greeks for a CSV of options.
    ///
    /// Columns: kind (call|put), style (european|american), spot, strike, days (calendar
    /// days to expiry; T = days/365), rate and dividend (continuous annual), and price (to
    /// solve for the implied volatility) or vol. Writes iv,price,delta,gamma,theta,vega,rho
    /// per row: theta per calendar day, vega and rho per 1 percentage point. A row that
    /// cannot be solved gets empty values and its reason on standard error.
    Greeks {
        /// Input CSV file (`-` for standard input).
        #[arg(long, value_name = "FILE")]
        input: std::path::PathBuf,
        /// Write here instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AnalyzeCommand {
    /// Indicators over bars: reads CSV `time,open,high,low,close,volume` (time as RFC 3339
    /// or Unix epoch seconds) and writes `time` plus one column per indicator output.
    ///
    /// Indicator names are TA-Lib's in lower case with parameters in TA-Lib's order, e.g.
    /// "sma(20),rsi(14),macd(12,26,9),bbands(20,2),stoch(5,3,3),adosc(3,10),sar(0.02,0.2),obv".
    /// A multi-output indicator gets one column per field (`macd(12,26,9).signal`); values
    /// before an indicator is ready are empty.
    Bars {
        /// Input CSV file (`-` for standard input).
        #[arg(long, value_name = "FILE")]
        input: std::path::PathBuf,
        /// Comma-separated indicator specs.
        #[arg(long, value_name = "SPECS")]
        indicators: String,
        /// Write here instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<std::path::PathBuf>,
        /// Offset of the session time zone from UTC in minutes, for session indicators
        /// (VWAP restarts at local midnight), e.g. -300 for New York in winter.
        #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
        session_utc_offset_minutes: i64,
        /// Add an `events` column: gaps, breakouts, new highs and lows and volume spikes
        /// against the previous 20 bars, separated by `;`.
        #[arg(long)]
        events: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum DocsCommand {
    /// Upload files and folders to `POST /v1/documents`; with --wait, follow each until
    /// it is embedded or failed. Exits non-zero if any failed.
    Add {
        /// Files and folders.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        conn: crate::docs::Connection,
        /// Title for every file (default: found in the document).
        #[arg(long)]
        title: Option<String>,
        /// Tickers the documents are about, comma-separated.
        #[arg(long)]
        tickers: Option<String>,
        /// Tags, comma-separated.
        #[arg(long)]
        tags: Option<String>,
        /// Wait up to this many seconds for each document to be embedded or failed.
        #[arg(long, value_name = "SECONDS", num_args = 0..=1, default_missing_value = "600")]
        wait: Option<u64>,
    },
    /// List the documents with their status.
    List {
        #[command(flatten)]
        conn: crate::docs::Connection,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key and print its id and secret as JSON (the secret only this once). The
    /// id and secret are what Alpaca clients send as key and secret.
    Create {
        /// viewer (market data), trader (+ analyze, chat), analyst (+ SQL) or admin.
        #[arg(long, value_name = "ROLE")]
        role: String,
        /// What the key is for.
        #[arg(long, value_name = "TEXT")]
        label: Option<String>,
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// List keys (id, role, label, created, revoked), one JSON object per line.
    List {
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Revoke a key; gateways refuse it within seconds.
    Revoke {
        #[arg(value_name = "KEY_ID")]
        key_id: String,
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Copy the embedded store to a new file from one consistent snapshot; finstream may
    /// keep running.
    Backup {
        /// The backup file to create (must not exist).
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Replace the embedded store with a backup. Stop finstream first; the current store
    /// is kept beside it as `hot.before-restore`.
    Restore {
        /// The backup file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Merge small files of each date and partition, and remove files a merge covers.
    Compact {
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Delete dates before a day (YYYY-MM-DD), or move them to `--archive-dir`.
    Expire {
        /// The first date to keep.
        #[arg(long, value_name = "YYYY-MM-DD")]
        before: String,
        /// Move the files here instead of deleting them.
        #[arg(long, value_name = "DIR")]
        archive_dir: Option<PathBuf>,
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Write a synthetic history straight to Parquet (benchmarks, demos): trades over
    /// trading days of 6.5 hours from 2024-01-02, with a quote before every
    /// `--trades-per-quote` trades. Reproducible for a given seed.
    Generate {
        /// How many trades.
        #[arg(long, default_value_t = 1_000_000)]
        trades: u64,
        /// How many symbols.
        #[arg(long, default_value_t = 500)]
        symbols: usize,
        /// Over how many trading days.
        #[arg(long, default_value_t = 5)]
        days: u32,
        /// One quote per this many trades (0: no quotes).
        #[arg(long, default_value_t = 4)]
        trades_per_quote: u64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// List the files of every table: date, partition, offsets, size.
    Files {
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
}

/// The market data source of `finstream run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Source {
    Synthetic,
    Alpaca,
    None,
}

/// What a replay file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReplayKindArg {
    Trades,
    Quotes,
}

#[derive(Debug, Subcommand)]
pub enum IngestCommand {
    /// Recorded trades or quotes from CSV (`time,symbol,price,size` or
    /// `time,symbol,bid_price,bid_size,ask_price,ask_size`; time as RFC 3339 or Unix epoch
    /// s, ms or ns), paced by their event times.
    Replay {
        /// The CSV file.
        #[arg(long, value_name = "FILE")]
        input: std::path::PathBuf,
        /// What the file holds.
        #[arg(long, value_enum, default_value_t = ReplayKindArg::Trades)]
        kind: ReplayKindArg,
        /// Times real time (1 is real time, 10 ten times faster), or `max` for as fast as
        /// the bus takes it.
        #[arg(long, default_value = "1")]
        speed: String,
    },
    /// Alpaca's real-time stock stream (trades and quotes of alpaca.symbols), with
    /// reconnects and gap backfill, and the option chains of alpaca.option_chains polled
    /// from the snapshots every alpaca.option_chain_poll_ms into options.quotes.v1. Keys:
    /// alpaca.key_id/secret_key or APCA_API_KEY_ID and APCA_API_SECRET_KEY.
    Alpaca {
        /// Symbols to stream (overrides alpaca.symbols), comma-separated.
        #[arg(long, value_delimiter = ',')]
        symbols: Option<Vec<String>>,
    },
    /// The seeded synthetic market, in real time.
    Synthetic {
        /// Trades per second (overrides synthetic.trades_per_second).
        #[arg(long)]
        rate: Option<u32>,
        /// Stop after this many seconds (default: until interrupted).
        #[arg(long, value_name = "SECS")]
        duration: Option<u64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TopicsCommand {
    /// Create every catalog topic that does not exist yet (idempotent).
    Create,
    /// Show the catalog and what exists on the cluster.
    Describe,
    /// List the catalog without contacting a cluster.
    List,
}

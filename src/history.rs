//! The storage commands: `finstream sql`, `finstream store backup|restore` and
//! `finstream history compact|expire|files`.

use crate::cli::{HistoryCommand, StoreCommand};
use crate::config::Config;
use anyhow::Context;
use finstream_storage::hot::embedded::restore;
use finstream_storage::sql::Progress;
use finstream_storage::{DataDir, History, ResultFormat, Table};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn data_dir(config: &Config, dir: Option<PathBuf>) -> anyhow::Result<DataDir> {
    let dir = dir.unwrap_or_else(|| config.data.dir.clone());
    Ok(DataDir::open(&dir)?)
}

/// Runs one query over the history and writes its result.
pub async fn sql(
    config: &Config,
    query: &str,
    dir: Option<PathBuf>,
    format: Option<&str>,
    output: Option<&Path>,
) -> anyhow::Result<()> {
    let data = data_dir(config, dir)?;
    let format: ResultFormat = match format {
        Some(f) => f.parse().map_err(anyhow::Error::msg)?,
        None if output.is_none() && std::io::stdout().is_terminal() => ResultFormat::Table,
        None => ResultFormat::Csv,
    };
    let engine = config.sql.engine(config.history.open(&data)?);
    let show_progress = std::io::stderr().is_terminal();
    let mut last_shown = Duration::ZERO;
    let result = engine
        .query_with_progress(query, |p: Progress| {
            if show_progress && p.elapsed >= last_shown + Duration::from_millis(500) {
                last_shown = p.elapsed;
                eprint!(
                    "\r{} rows in {} batches, {:.1} s ",
                    p.rows,
                    p.batches,
                    p.elapsed.as_secs_f64()
                );
            }
        })
        .await;
    if show_progress && !last_shown.is_zero() {
        eprint!("\r\x1b[2K");
    }
    let result = result.map_err(|e| anyhow::anyhow!("query failed: {e}"))?;
    let mut out: Box<dyn Write> = match output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    format.write(&result, &mut out)?;
    out.flush()?;
    eprintln!(
        "{} row{} in {:.3} s{}",
        result.rows,
        if result.rows == 1 { "" } else { "s" },
        result.elapsed.as_secs_f64(),
        if result.truncated {
            format!(" (cut at sql.max_rows = {})", engine.limits().max_rows)
        } else {
            String::new()
        }
    );
    Ok(())
}

/// Backs up or restores the embedded store.
pub async fn store(config: &Config, command: StoreCommand) -> anyhow::Result<()> {
    match command {
        StoreCommand::Backup {
            file,
            data_dir: dir,
        } => {
            let data = data_dir(config, dir)?;
            let store = finstream_storage::EmbeddedStore::open(&data.store().join("hot.redb"))?;
            let rows = store.backup(file.clone()).await?;
            println!("backed up {rows} rows to {}", file.display());
        }
        StoreCommand::Restore {
            file,
            data_dir: dir,
        } => {
            let data = data_dir(config, dir)?;
            restore(&file, &data.store().join("hot.redb"))?;
            println!(
                "restored {} into {}",
                file.display(),
                data.store().display()
            );
        }
    }
    Ok(())
}

/// History maintenance.
pub async fn history(config: &Config, command: HistoryCommand) -> anyhow::Result<()> {
    match command {
        HistoryCommand::Compact { data_dir: dir } => {
            let history = config.history.open(&data_dir(config, dir)?)?;
            let small = config.history.compact_below_mib << 20;
            for table in Table::ALL {
                let removed = history.compact(table, small).await?;
                if removed > 0 {
                    println!("{}: {removed} files merged or removed", table.name());
                }
            }
        }
        HistoryCommand::Expire {
            before,
            archive_dir,
            data_dir: dir,
        } => {
            anyhow::ensure!(
                before.len() == 10 && before.as_bytes()[4] == b'-' && before.as_bytes()[7] == b'-',
                "--before takes a date as YYYY-MM-DD, got {before:?}"
            );
            let history = config.history.open(&data_dir(config, dir)?)?;
            let archive = archive_dir.map(|d| History::local(&d)).transpose()?;
            for table in Table::ALL {
                let n = match &archive {
                    Some(a) => history.archive(table, &before, a).await?,
                    None => history.expire(table, &before).await?,
                };
                if n > 0 {
                    let verb = if archive.is_some() {
                        "archived"
                    } else {
                        "deleted"
                    };
                    println!("{}: {n} files {verb}", table.name());
                }
            }
        }
        HistoryCommand::Generate {
            trades,
            symbols,
            days,
            trades_per_quote,
            seed,
            data_dir: dir,
        } => {
            let history = config.history.open(&data_dir(config, dir)?)?;
            generate(&history, trades, symbols, days, trades_per_quote, seed).await?;
        }
        HistoryCommand::Files { data_dir: dir } => {
            let history = config.history.open(&data_dir(config, dir)?)?;
            println!("table,date,partition,first_offset,last_offset,bytes");
            for table in Table::ALL {
                for f in history.files(table).await? {
                    println!(
                        "{},{},{},{},{},{}",
                        table.name(),
                        f.date,
                        f.partition,
                        f.first_offset,
                        f.last_offset,
                        f.size
                    );
                }
            }
        }
    }
    Ok(())
}

/// Writes a synthetic history: trades spread evenly over `days` sessions, and quotes.
async fn generate(
    history: &History,
    trades: u64,
    symbols: usize,
    days: u32,
    trades_per_quote: u64,
    seed: u64,
) -> anyhow::Result<()> {
    use finstream_schemas::Event;
    use finstream_sources::synthetic::{SyntheticConfig, SyntheticMarket};
    anyhow::ensure!(
        symbols > 0 && days > 0,
        "--symbols and --days must be at least 1"
    );
    let names: Vec<String> = (0..symbols).map(|i| format!("SYM{i:04}")).collect();
    let mut market = SyntheticMarket::new(SyntheticConfig {
        symbols: names,
        seed,
        ..SyntheticConfig::default()
    })
    .map_err(anyhow::Error::msg)?;
    const DAY: i64 = 86_400_000_000_000;
    const OPEN: i64 = 14 * 3_600_000_000_000 + 30 * 60_000_000_000; // 14:30 UTC
    const SESSION: i64 = 6 * 3_600_000_000_000 + 30 * 60_000_000_000;
    let first_day = 19_724; // 2024-01-02
    let per_day = trades.div_ceil(u64::from(days));
    let chunk = 2_000_000u64;
    let started = std::time::Instant::now();
    let (mut trade_offset, mut quote_offset, mut written) = (0i64, 0i64, 0u64);
    let mut day_index = 0i64;
    while written < trades {
        let day_start = (first_day + day_index) * DAY + OPEN;
        let today = per_day.min(trades - written);
        let step = SESSION / today.max(1) as i64;
        let mut done_today = 0u64;
        while done_today < today {
            let n = chunk.min(today - done_today);
            let mut trade_events = Vec::with_capacity(n as usize);
            let mut quote_events = Vec::new();
            for i in 0..n {
                let t = day_start + (done_today + i) as i64 * step;
                let trade = market.next_trade(t);
                if trades_per_quote > 0 && (written + i) % trades_per_quote == 0 {
                    let mut q = market.quote_around(&trade);
                    q.event_time = t - 1;
                    quote_events.push(Event::Quote(q));
                }
                trade_events.push(Event::Trade(trade));
            }
            let last = trade_offset + n as i64 - 1;
            history
                .write(Table::Trades, 0, 0, trade_offset, last, &trade_events)
                .await?;
            trade_offset = last + 1;
            if !quote_events.is_empty() {
                let last = quote_offset + quote_events.len() as i64 - 1;
                history
                    .write(Table::Quotes, 0, 0, quote_offset, last, &quote_events)
                    .await?;
                quote_offset = last + 1;
            }
            done_today += n;
            written += n;
            eprint!(
                "\r{written} of {trades} trades written ({:.0} per second)",
                written as f64 / started.elapsed().as_secs_f64()
            );
        }
        day_index += 1;
    }
    eprintln!();
    println!(
        "wrote {trades} trades and {quote_offset} quotes over {days} days in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

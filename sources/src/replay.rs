//! Replay of recorded market data from CSV into the bus: in real time, N times faster,
//! or as fast as the bus takes it.
//!
//! Trades: `time,symbol,price,size` (optional `exchange`, `id`); quotes:
//! `time,symbol,bid_price,bid_size,ask_price,ask_size`. `time` is RFC 3339 or a Unix
//! epoch number in seconds, milliseconds or nanoseconds (told apart by magnitude). Rows
//! must be in time order per symbol; ids are `replay:<file>:<line>` unless an `id` column
//! is given, so replaying a file twice produces the same events.

use finstream_bus::{BusError, OutRecord, Producer};
use finstream_schemas::{Codec, Quote, Trade};
use std::path::Path;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// What the file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayKind {
    Trades,
    Quotes,
}

/// How fast to replay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// `speed` times real time (1.0 is real time).
    Speed(f64),
    /// As fast as the bus acknowledges.
    Max,
}

/// A replay failure with the line it happened on.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("{file}: {message}")]
    Input { file: String, message: String },
    #[error(transparent)]
    Bus(#[from] BusError),
}

/// Nanoseconds since the epoch from RFC 3339 or an epoch number in s, ms or ns.
pub fn parse_time(cell: &str) -> Result<i64, String> {
    if let Ok(x) = cell.parse::<f64>() {
        let abs = x.abs();
        return Ok(if abs < 1e11 {
            (x * 1e9).round() as i64
        } else if abs < 1e14 {
            (x * 1e6).round() as i64
        } else {
            x as i64
        });
    }
    finstream_schemas::alpaca::parse_rfc3339(cell).map_err(|e| e.to_string())
}

/// One decoded row, ready to produce.
#[derive(Debug, Clone, PartialEq)]
pub enum ReplayEvent {
    Trade(Trade),
    Quote(Quote),
}

impl ReplayEvent {
    pub fn event_time(&self) -> i64 {
        match self {
            ReplayEvent::Trade(t) => t.event_time,
            ReplayEvent::Quote(q) => q.event_time,
        }
    }

    fn record(&self, codec: &Codec) -> Result<OutRecord, BusError> {
        Ok(match self {
            ReplayEvent::Trade(t) => OutRecord::event(codec, t)?,
            ReplayEvent::Quote(q) => OutRecord::event(codec, q)?,
        })
    }
}

/// Reads a whole CSV file of trades or quotes.
pub fn read_csv(path: &Path, kind: ReplayKind) -> Result<Vec<ReplayEvent>, ReplayError> {
    let file = path.display().to_string();
    let fail = |message: String| ReplayError::Input {
        file: file.clone(),
        message,
    };
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| fail(e.to_string()))?;
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| fail(e.to_string()))?
        .iter()
        .map(|h| h.to_lowercase())
        .collect();
    let find = |name: &str| headers.iter().position(|h| h == name);
    let need = |name: &str| {
        find(name).ok_or_else(|| {
            fail(format!(
                "no {name:?} column (columns: {})",
                headers.join(",")
            ))
        })
    };
    let (ti, si) = (need("time")?, need("symbol")?);
    let columns: Vec<usize> = match kind {
        ReplayKind::Trades => vec![need("price")?, need("size")?],
        ReplayKind::Quotes => vec![
            need("bid_price")?,
            need("bid_size")?,
            need("ask_price")?,
            need("ask_size")?,
        ],
    };
    let (id_col, exchange_col) = (find("id"), find("exchange"));
    let mut out = Vec::new();
    for (n, row) in reader.records().enumerate() {
        let line = n + 2;
        let row = row.map_err(|e| fail(format!("line {line}: {e}")))?;
        let get = |i: usize| row.get(i).unwrap_or("");
        let num = |i: usize| {
            get(i).parse::<f64>().map_err(|_| {
                fail(format!(
                    "line {line}: {:?} in column {} is not a number",
                    get(i),
                    headers[i]
                ))
            })
        };
        let time = parse_time(get(ti)).map_err(|e| fail(format!("line {line}: {e}")))?;
        let symbol = get(si).to_uppercase();
        if symbol.is_empty() {
            return Err(fail(format!("line {line}: empty symbol")));
        }
        let id = id_col
            .map(|i| get(i).to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| format!("replay:{stem}:{line}"));
        out.push(match kind {
            ReplayKind::Trades => ReplayEvent::Trade(Trade {
                id,
                symbol,
                price: num(columns[0])?,
                size: num(columns[1])?,
                event_time: time,
                trade_id: None,
                exchange: exchange_col
                    .map(|i| get(i).to_string())
                    .filter(|s| !s.is_empty()),
                conditions: vec![],
                tape: None,
                source: "replay".into(),
            }),
            ReplayKind::Quotes => ReplayEvent::Quote(Quote {
                id,
                symbol,
                bid_price: num(columns[0])?,
                bid_size: num(columns[1])?,
                ask_price: num(columns[2])?,
                ask_size: num(columns[3])?,
                event_time: time,
                bid_exchange: None,
                ask_exchange: None,
                conditions: vec![],
                tape: None,
                source: "replay".into(),
            }),
        });
    }
    Ok(out)
}

/// Produces `events` paced by their event times; returns how many were produced.
pub async fn replay(
    events: &[ReplayEvent],
    pace: Pace,
    producer: &Producer,
    codec: &Codec,
    shutdown: &CancellationToken,
) -> Result<u64, ReplayError> {
    let Some(first) = events.first().map(ReplayEvent::event_time) else {
        return Ok(0);
    };
    let started = Instant::now();
    let mut produced = 0u64;
    let mut batch = Vec::new();
    for (i, e) in events.iter().enumerate() {
        if shutdown.is_cancelled() {
            break;
        }
        if let Pace::Speed(speed) = pace {
            let due = Duration::from_secs_f64(
                ((e.event_time() - first).max(0) as f64 / 1e9) / speed.max(1e-9),
            );
            let elapsed = started.elapsed();
            if due > elapsed {
                // Send what is due before waiting for what is not.
                produced += batch.len() as u64;
                producer.send_all(std::mem::take(&mut batch)).await?;
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(due - elapsed) => {}
                }
            }
        }
        batch.push(e.record(codec)?);
        if batch.len() >= 10_000 || i + 1 == events.len() {
            produced += batch.len() as u64;
            producer.send_all(std::mem::take(&mut batch)).await?;
        }
    }
    produced += batch.len() as u64;
    producer.send_all(batch).await?;
    Ok(produced)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_any_common_form() {
        let ns = 1_704_205_800_000_000_000;
        assert_eq!(parse_time("2024-01-02T14:30:00Z"), Ok(ns));
        assert_eq!(parse_time("1704205800"), Ok(ns));
        assert_eq!(parse_time("1704205800000"), Ok(ns));
        assert_eq!(parse_time("1704205800000000000"), Ok(ns));
        assert_eq!(parse_time("1704205800.5"), Ok(ns + 500_000_000));
        assert!(parse_time("noon").is_err());
    }
}

//! `finstream analyze ...`: offline analytics over files, for research and backtests.

use anyhow::{Context, bail};
use finstream_analytics::indicators::Candle;
use finstream_analytics::indicators::spec::{DynIndicator, column_names, parse_list};
use std::io::{Read, Write};
use std::path::Path;

type CsvIn = csv::Reader<Box<dyn Read>>;

/// A CSV reader over a file (or standard input for `-`) and its lower-cased header.
fn open_csv(input: &Path) -> anyhow::Result<(CsvIn, Vec<String>)> {
    let reader: Box<dyn Read> = if input == Path::new("-") {
        Box::new(std::io::stdin())
    } else {
        Box::new(
            std::fs::File::open(input).with_context(|| format!("opening {}", input.display()))?,
        )
    };
    let mut csv_in = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(reader);
    let headers = csv_in
        .headers()
        .context("reading the header")?
        .iter()
        .map(|h| h.to_lowercase())
        .collect();
    Ok((csv_in, headers))
}

/// A CSV writer to a file, or to standard output without one.
fn create_csv(
    output: Option<&Path>,
) -> anyhow::Result<csv::Writer<std::io::BufWriter<Box<dyn Write>>>> {
    let writer: Box<dyn Write> = match output {
        Some(path) => Box::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    Ok(csv::Writer::from_writer(std::io::BufWriter::new(writer)))
}

/// Seconds since the epoch of a time cell: RFC 3339, or Unix epoch seconds.
fn epoch_seconds(cell: &str) -> anyhow::Result<f64> {
    if let Ok(x) = cell.parse::<f64>() {
        return Ok(x);
    }
    let t = finstream_schemas::alpaca::parse_rfc3339(cell).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(t as f64 / 1e9)
}

/// `finstream analyze bars`.
pub fn bars(
    input: &Path,
    indicators: &str,
    output: Option<&Path>,
    session_offset_minutes: i64,
    events: bool,
) -> anyhow::Result<()> {
    let specs = parse_list(indicators)?;
    let mut movement = if events {
        Some(finstream_analytics::movement::MovementDetector::new(
            finstream_analytics::movement::MovementConfig::default(),
        )?)
    } else {
        None
    };
    let mut running: Vec<(Vec<String>, DynIndicator)> = Vec::with_capacity(specs.len());
    for spec in &specs {
        let indicator = DynIndicator::from_spec(spec)?;
        running.push((column_names(spec, &indicator), indicator));
    }
    let (mut csv_in, headers) = open_csv(input)?;
    let col = |name: &str| -> anyhow::Result<usize> {
        headers.iter().position(|h| h == name).with_context(|| {
            format!(
                "{} has no {name:?} column; expected time,open,high,low,close,volume",
                input.display()
            )
        })
    };
    let (ti, oi, hi, li, ci, vi) = (
        col("time")?,
        col("open")?,
        col("high")?,
        col("low")?,
        col("close")?,
        col("volume")?,
    );

    let mut csv_out = create_csv(output)?;
    let mut header = vec!["time".to_string()];
    for (names, _) in &running {
        header.extend(names.iter().cloned());
    }
    if movement.is_some() {
        header.push("events".to_string());
    }
    csv_out.write_record(&header)?;

    let mut last_day: Option<i64> = None;
    let mut row = Vec::with_capacity(header.len());
    for (n, record) in csv_in.records().enumerate() {
        let line = n + 2;
        let record = record.with_context(|| format!("{}: line {line}", input.display()))?;
        let num = |i: usize, what: &str| -> anyhow::Result<f64> {
            let cell = record.get(i).unwrap_or("");
            cell.parse::<f64>().with_context(|| {
                format!(
                    "{}: line {line}: {what} {cell:?} is not a number",
                    input.display()
                )
            })
        };
        let time_cell = record.get(ti).unwrap_or("");
        let seconds = epoch_seconds(time_cell).with_context(|| {
            format!(
                "{}: line {line}: time {time_cell:?} is neither RFC 3339 nor epoch seconds",
                input.display()
            )
        })?;
        let candle = Candle {
            open: num(oi, "open")?,
            high: num(hi, "high")?,
            low: num(li, "low")?,
            close: num(ci, "close")?,
            volume: num(vi, "volume")?,
        };
        if candle.high < candle.low {
            bail!(
                "{}: line {line}: high {} is below low {}",
                input.display(),
                candle.high,
                candle.low
            );
        }
        let day = (seconds as i64 + session_offset_minutes * 60).div_euclid(86_400);
        let new_session = last_day != Some(day);
        last_day = Some(day);
        row.clear();
        row.push(time_cell.to_string());
        for (names, indicator) in running.iter_mut() {
            indicator.update(&candle, new_session);
            match indicator.values() {
                Some(values) => row.extend(values.iter().map(|v| {
                    if v.is_nan() {
                        String::new()
                    } else {
                        v.to_string()
                    }
                })),
                None => row.extend(std::iter::repeat_n(String::new(), names.len())),
            }
        }
        if let Some(detector) = movement.as_mut() {
            let names: Vec<&str> = detector.update(&candle).iter().map(|e| e.name()).collect();
            row.push(names.join(";"));
        }
        csv_out.write_record(&row)?;
    }
    csv_out.flush()?;
    Ok(())
}

/// `finstream greeks`: one output row `iv,price,delta,gamma,theta,vega,rho` per input row.
pub fn greeks(input: &Path, output: Option<&Path>) -> anyhow::Result<()> {
    use finstream_analytics::options::{
        AmericanPricer, OptionInputs, OptionKind, implied_volatility, valuation,
    };
    let (mut csv_in, headers) = open_csv(input)?;
    let find = |name: &str| headers.iter().position(|h| h == name);
    let need = |name: &str| -> anyhow::Result<usize> {
        find(name).with_context(|| format!("{} has no {name:?} column; expected kind,style,spot,strike,days,rate,dividend and price or vol", input.display()))
    };
    let (ki, si, spi, sti, di, ri, qi) = (
        need("kind")?,
        need("style")?,
        need("spot")?,
        need("strike")?,
        need("days")?,
        need("rate")?,
        need("dividend")?,
    );
    let (pi, vi) = (find("price"), find("vol"));
    if pi.is_none() && vi.is_none() {
        bail!(
            "{} needs a price column (to solve for the implied volatility) or a vol column",
            input.display()
        );
    }
    let mut csv_out = create_csv(output)?;
    csv_out.write_record(["iv", "price", "delta", "gamma", "theta", "vega", "rho"])?;
    let american = AmericanPricer::new();
    let mut failed = 0usize;
    for (n, record) in csv_in.records().enumerate() {
        let line = n + 2;
        let record = record.with_context(|| format!("{}: line {line}", input.display()))?;
        let cell = |i: usize| record.get(i).unwrap_or("").to_string();
        let row = || -> anyhow::Result<[f64; 7]> {
            let num = |i: usize, what: &str| -> anyhow::Result<f64> {
                cell(i)
                    .parse::<f64>()
                    .with_context(|| format!("{what} {:?} is not a number", cell(i)))
            };
            let kind = match cell(ki).to_lowercase().as_str() {
                "call" | "c" => OptionKind::Call,
                "put" | "p" => OptionKind::Put,
                other => bail!("kind {other:?} is neither call nor put"),
            };
            let american_style = match cell(si).to_lowercase().as_str() {
                "european" | "e" => false,
                "american" | "a" => true,
                other => bail!("style {other:?} is neither european nor american"),
            };
            let inputs = OptionInputs {
                kind,
                spot: num(spi, "spot")?,
                strike: num(sti, "strike")?,
                years: finstream_analytics::options::bsm::years_from_days(num(di, "days")?),
                rate: num(ri, "rate")?,
                dividend_yield: num(qi, "dividend")?,
            };
            let given_vol = vi.map(&cell).filter(|s| !s.is_empty());
            let vol = match (given_vol, pi) {
                (Some(v), _) => v
                    .parse::<f64>()
                    .with_context(|| format!("vol {v:?} is not a number"))?,
                (None, Some(p)) => {
                    let price = num(p, "price")?;
                    if american_style {
                        american.implied_volatility(&inputs, price)?
                    } else {
                        implied_volatility(&inputs, price)?
                    }
                }
                (None, None) => bail!("the row has neither a price nor a vol"),
            };
            Ok(if american_style {
                let v = american.valuation(&inputs, vol)?;
                [
                    vol,
                    v.price,
                    v.delta,
                    v.gamma,
                    v.theta_per_day,
                    v.vega_per_point,
                    v.rho_per_point,
                ]
            } else {
                let v = valuation(&inputs, vol)?;
                [
                    vol,
                    v.price,
                    v.delta,
                    v.gamma,
                    v.theta_per_day,
                    v.vega_per_point,
                    v.rho_per_point,
                ]
            })
        };
        match row() {
            Ok(values) => csv_out.write_record(values.iter().map(|v| v.to_string()))?,
            Err(e) => {
                failed += 1;
                eprintln!("{}: line {line}: {e:#}", input.display());
                csv_out.write_record(["", "", "", "", "", "", ""])?;
            }
        }
    }
    csv_out.flush()?;
    if failed > 0 {
        eprintln!("{failed} row(s) could not be solved; their values are empty");
    }
    Ok(())
}

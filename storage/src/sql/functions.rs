//! Finance functions for SQL over the history.
//!
//! - `time_bucket(interval, time)`: the start of the interval holding `time`, intervals
//!   counted from the Unix epoch (TimescaleDB's name for DataFusion's `date_bin`).
//! - `vwap(price, size)`: the volume-weighted average price, `sum(price * size) /
//!   sum(size)`; NULL when the volume is zero.
//! - `first_by(value, time)` / `last_by(value, time)`: the value at the earliest / latest
//!   time (ties: the first one seen), the open and close of an OHLC bar.

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type, TimeUnit};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{Accumulator, AggregateUDF, Volatility, create_udaf};
use datafusion::prelude::SessionContext;
use std::sync::Arc;

/// Registers every function on a session.
pub fn register(ctx: &SessionContext) {
    let bucket = (*datafusion::functions::datetime::date_bin())
        .clone()
        .with_aliases(["time_bucket"]);
    ctx.register_udf(bucket);
    ctx.register_udaf(vwap());
    ctx.register_udaf(by_time("first_by", Pick::First));
    ctx.register_udaf(by_time("last_by", Pick::Last));
}

fn vwap() -> AggregateUDF {
    create_udaf(
        "vwap",
        vec![DataType::Float64, DataType::Float64],
        Arc::new(DataType::Float64),
        Volatility::Immutable,
        Arc::new(|_| Ok(Box::new(Vwap::default()))),
        Arc::new(vec![DataType::Float64, DataType::Float64]),
    )
}

#[derive(Debug, Default)]
struct Vwap {
    notional: f64,
    volume: f64,
}

impl Accumulator for Vwap {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let price = values[0].as_primitive::<Float64Type>();
        let size = values[1].as_primitive::<Float64Type>();
        for (p, s) in price.iter().zip(size.iter()) {
            if let (Some(p), Some(s)) = (p, s) {
                self.notional += p * s;
                self.volume += s;
            }
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let notional = states[0].as_primitive::<Float64Type>();
        let volume = states[1].as_primitive::<Float64Type>();
        for (n, v) in notional.iter().zip(volume.iter()) {
            self.notional += n.unwrap_or(0.0);
            self.volume += v.unwrap_or(0.0);
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![
            ScalarValue::Float64(Some(self.notional)),
            ScalarValue::Float64(Some(self.volume)),
        ])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Float64(
            (self.volume != 0.0).then(|| self.notional / self.volume),
        ))
    }

    fn size(&self) -> usize {
        std::mem::size_of::<Self>()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pick {
    First,
    Last,
}

fn by_time(name: &str, pick: Pick) -> AggregateUDF {
    let ts = DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into()));
    create_udaf(
        name,
        vec![DataType::Float64, ts],
        Arc::new(DataType::Float64),
        Volatility::Immutable,
        Arc::new(move |_| Ok(Box::new(ByTime { pick, best: None }))),
        Arc::new(vec![DataType::Float64, DataType::Int64]),
    )
}

#[derive(Debug)]
struct ByTime {
    pick: Pick,
    /// (time in ns, value) of the best row so far.
    best: Option<(i64, Option<f64>)>,
}

impl ByTime {
    fn offer(&mut self, time: i64, value: Option<f64>) {
        let better = match self.best {
            None => true,
            Some((t, _)) => match self.pick {
                Pick::First => time < t,
                Pick::Last => time > t,
            },
        };
        if better {
            self.best = Some((time, value));
        }
    }

    fn offer_arrays(&mut self, values: &ArrayRef, times: &ArrayRef) -> Result<()> {
        let times = cast(times, &DataType::Int64)?;
        let times = times.as_primitive::<Int64Type>();
        let values = values.as_primitive::<Float64Type>();
        for i in 0..times.len() {
            if times.is_null(i) {
                continue;
            }
            let v = (!values.is_null(i)).then(|| values.value(i));
            self.offer(times.value(i), v);
        }
        Ok(())
    }
}

impl Accumulator for ByTime {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.offer_arrays(&values[0], &values[1])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.offer_arrays(&states[0], &states[1])
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(match self.best {
            Some((t, v)) => vec![ScalarValue::Float64(v), ScalarValue::Int64(Some(t))],
            None => vec![ScalarValue::Float64(None), ScalarValue::Int64(None)],
        })
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Float64(self.best.and_then(|(_, v)| v)))
    }

    fn size(&self) -> usize {
        std::mem::size_of::<Self>()
    }
}

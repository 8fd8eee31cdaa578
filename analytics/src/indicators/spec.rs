//! Indicators by name: `sma(20)`, `macd(12,26,9)`, `bbands(20,2)`, `obv`. Names are
//! TA-Lib's in lower case with parameters in TA-Lib's order; missing trailing parameters
//! take TA-Lib's defaults. A multi-output indicator names each output, and its columns
//! are `spec.field` (`macd(12,26,9).signal`, `bbands(20,2).upper`, `stoch(5,3,3).k`).
//!
//! [`DynIndicator`] runs any of them behind one interface, for the `indicators`
//! processor and `finstream analyze bars`.

use super::average::{Dema, Ema, Kama, Sma, Tema, Wma};
use super::channel::{DonchianChannel, KeltnerChannel};
use super::momentum::{Cmo, Macd, Mom, Ppo, Roc, Rsi, StochRsi, Trix};
use super::oscillator::{Aroon, Cci, Mfi, Stochastic, WilliamsR};
use super::trend::{Adx, ParabolicSar};
use super::volatility::{Atr, BollingerBands, Natr, TrueRange};
use super::volume::{
    AccumulationDistribution, ChaikinOscillator, OnBalanceVolume, RelativeVolume, Vwap,
};
use super::{Candle, IndicatorError};

/// A parsed indicator spec.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct IndicatorSpec {
    /// Lower-case TA-Lib name, e.g. `macd`.
    pub name: String,
    pub params: Vec<f64>,
    /// The spec as written (lower case, no spaces): the column name prefix.
    pub text: String,
}

/// Parses a comma-separated list of specs; commas inside parentheses separate parameters.
pub fn parse_list(list: &str) -> Result<Vec<IndicatorSpec>, IndicatorError> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut current = String::new();
    for ch in list.chars() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        if ch == ',' && depth == 0 {
            out.push(parse(&current)?);
            current.clear();
        } else {
            current.push(ch);
        }
    }
    if depth != 0 {
        return Err(IndicatorError::new(
            "spec",
            format!("unbalanced parentheses in {list:?}"),
        ));
    }
    if !current.trim().is_empty() {
        out.push(parse(&current)?);
    }
    if out.is_empty() {
        return Err(IndicatorError::new(
            "spec",
            "no indicators given: e.g. \"sma(20),rsi(14),macd(12,26,9)\"",
        ));
    }
    Ok(out)
}

/// Parses one spec such as `rsi(14)` or `trange`.
pub fn parse(spec: &str) -> Result<IndicatorSpec, IndicatorError> {
    let text: String = spec
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    let (name, params) = match text.find('(') {
        None => (text.clone(), Vec::new()),
        Some(open) => {
            let inner = text[open + 1..].strip_suffix(')').ok_or_else(|| {
                IndicatorError::new("spec", format!("{text:?} must end with ')'"))
            })?;
            let params = if inner.is_empty() {
                Vec::new()
            } else {
                inner
                    .split(',')
                    .map(|p| {
                        p.parse::<f64>().map_err(|_| {
                            IndicatorError::new(
                                "spec",
                                format!("{text:?}: parameter {p:?} is not a number"),
                            )
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?
            };
            (text[..open].to_string(), params)
        }
    };
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(IndicatorError::new(
            "spec",
            format!("{spec:?} is not an indicator spec like sma(20)"),
        ));
    }
    Ok(IndicatorSpec { name, params, text })
}

/// Every supported name, for error messages and `--help`.
pub const NAMES: &[&str] = &[
    "sma", "ema", "wma", "dema", "tema", "kama", "rsi", "macd", "ppo", "roc", "mom", "cmo", "trix",
    "stochrsi", "stoch", "willr", "cci", "aroon", "mfi", "adx", "plus_di", "minus_di", "sar",
    "trange", "atr", "natr", "bbands", "obv", "ad", "adosc", "vwap", "donchian", "keltner",
    "relvol",
];

/// Any indicator, by spec.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum DynIndicator {
    Sma(Sma),
    Ema(Ema),
    Wma(Wma),
    Dema(Dema),
    Tema(Tema),
    Kama(Kama),
    Rsi(Rsi),
    Macd(Macd),
    Ppo(Ppo),
    Roc(Roc),
    Mom(Mom),
    Cmo(Cmo),
    Trix(Trix),
    StochRsi(StochRsi),
    Stoch(Stochastic),
    WillR(WilliamsR),
    Cci(Cci),
    Aroon(Aroon),
    Mfi(Mfi),
    Adx(Adx),
    PlusDi(Adx),
    MinusDi(Adx),
    Sar(ParabolicSar),
    TRange(TrueRange),
    Atr(Atr),
    Natr(Natr),
    BBands(BollingerBands),
    Obv(OnBalanceVolume),
    Ad(AccumulationDistribution),
    AdOsc(ChaikinOscillator),
    Vwap(Vwap),
    Donchian(DonchianChannel),
    Keltner(KeltnerChannel),
    RelVol(RelativeVolume),
}

struct Params<'a> {
    spec: &'a IndicatorSpec,
}

impl Params<'_> {
    fn count(&self, max: usize) -> Result<(), IndicatorError> {
        if self.spec.params.len() > max {
            return Err(IndicatorError::new(
                "spec",
                format!(
                    "{} takes at most {max} parameters, got {}",
                    self.spec.name,
                    self.spec.params.len()
                ),
            ));
        }
        Ok(())
    }

    fn period(&self, i: usize, default: usize) -> Result<usize, IndicatorError> {
        match self.spec.params.get(i) {
            None => Ok(default),
            Some(&p) if p.fract() == 0.0 && (0.0..=1e6).contains(&p) => Ok(p as usize),
            Some(p) => Err(IndicatorError::new(
                "spec",
                format!(
                    "{}: parameter {} must be a whole number, got {p}",
                    self.spec.text,
                    i + 1
                ),
            )),
        }
    }

    fn real(&self, i: usize, default: f64) -> f64 {
        self.spec.params.get(i).copied().unwrap_or(default)
    }
}

impl DynIndicator {
    /// Builds the indicator a spec names, with TA-Lib's defaults for missing parameters.
    pub fn from_spec(spec: &IndicatorSpec) -> Result<Self, IndicatorError> {
        let p = Params { spec };
        let one = |max: usize, default: usize| -> Result<usize, IndicatorError> {
            p.count(max)?;
            p.period(0, default)
        };
        Ok(match spec.name.as_str() {
            "sma" => DynIndicator::Sma(Sma::new(one(1, 30)?)),
            "ema" => DynIndicator::Ema(Ema::new(one(1, 30)?)?),
            "wma" => DynIndicator::Wma(Wma::new(one(1, 30)?)?),
            "dema" => DynIndicator::Dema(Dema::new(one(1, 30)?)?),
            "tema" => DynIndicator::Tema(Tema::new(one(1, 30)?)?),
            "kama" => DynIndicator::Kama(Kama::new(one(1, 30)?)?),
            "rsi" => DynIndicator::Rsi(Rsi::new(one(1, 14)?)?),
            "macd" => {
                p.count(3)?;
                DynIndicator::Macd(Macd::new(
                    p.period(0, 12)?,
                    p.period(1, 26)?,
                    p.period(2, 9)?,
                )?)
            }
            "ppo" => {
                p.count(2)?;
                DynIndicator::Ppo(Ppo::new(p.period(0, 12)?, p.period(1, 26)?)?)
            }
            "roc" => DynIndicator::Roc(Roc::new(one(1, 10)?)?),
            "mom" => DynIndicator::Mom(Mom::new(one(1, 10)?)?),
            "cmo" => DynIndicator::Cmo(Cmo::new(one(1, 14)?)?),
            "trix" => DynIndicator::Trix(Trix::new(one(1, 30)?)?),
            "stochrsi" => {
                p.count(3)?;
                DynIndicator::StochRsi(StochRsi::new(
                    p.period(0, 14)?,
                    p.period(1, 5)?,
                    p.period(2, 3)?,
                )?)
            }
            "stoch" => {
                p.count(3)?;
                DynIndicator::Stoch(Stochastic::new(
                    p.period(0, 5)?,
                    p.period(1, 3)?,
                    p.period(2, 3)?,
                )?)
            }
            "willr" => DynIndicator::WillR(WilliamsR::new(one(1, 14)?)?),
            "cci" => DynIndicator::Cci(Cci::new(one(1, 14)?)?),
            "aroon" => DynIndicator::Aroon(Aroon::new(one(1, 14)?)?),
            "mfi" => DynIndicator::Mfi(Mfi::new(one(1, 14)?)?),
            "adx" => DynIndicator::Adx(Adx::new(one(1, 14)?)?),
            "plus_di" => DynIndicator::PlusDi(Adx::new(one(1, 14)?)?),
            "minus_di" => DynIndicator::MinusDi(Adx::new(one(1, 14)?)?),
            "sar" => {
                p.count(2)?;
                DynIndicator::Sar(ParabolicSar::new(p.real(0, 0.02), p.real(1, 0.2))?)
            }
            "trange" => {
                p.count(0)?;
                DynIndicator::TRange(TrueRange::new())
            }
            "atr" => DynIndicator::Atr(Atr::new(one(1, 14)?)?),
            "natr" => DynIndicator::Natr(Natr::new(one(1, 14)?)?),
            "bbands" => {
                p.count(3)?;
                DynIndicator::BBands(BollingerBands::new(
                    p.period(0, 5)?,
                    p.real(1, 2.0),
                    p.real(2, 2.0),
                )?)
            }
            "obv" => {
                p.count(0)?;
                DynIndicator::Obv(OnBalanceVolume::new())
            }
            "ad" => {
                p.count(0)?;
                DynIndicator::Ad(AccumulationDistribution::new())
            }
            "adosc" => {
                p.count(2)?;
                DynIndicator::AdOsc(ChaikinOscillator::new(p.period(0, 3)?, p.period(1, 10)?)?)
            }
            "vwap" => {
                p.count(0)?;
                DynIndicator::Vwap(Vwap::new())
            }
            "donchian" => DynIndicator::Donchian(DonchianChannel::new(one(1, 20)?)?),
            "keltner" => {
                p.count(3)?;
                DynIndicator::Keltner(KeltnerChannel::new(
                    p.period(0, 20)?,
                    p.period(1, 10)?,
                    p.real(2, 2.0),
                )?)
            }
            "relvol" => {
                p.count(2)?;
                DynIndicator::RelVol(RelativeVolume::new(p.period(0, 20)?, p.real(1, 2.0))?)
            }
            other => {
                return Err(IndicatorError::new(
                    "spec",
                    format!("unknown indicator {other:?}; known: {}", NAMES.join(", ")),
                ));
            }
        })
    }

    /// Names of the outputs, in column order.
    pub fn outputs(&self) -> &'static [&'static str] {
        match self {
            DynIndicator::Macd(_) => &["macd", "signal", "hist"],
            DynIndicator::StochRsi(_) | DynIndicator::Stoch(_) => &["k", "d"],
            DynIndicator::Aroon(_) => &["down", "up"],
            DynIndicator::BBands(_) | DynIndicator::Donchian(_) | DynIndicator::Keltner(_) => {
                &["upper", "middle", "lower"]
            }
            DynIndicator::RelVol(_) => &["ratio", "spike"],
            _ => &["value"],
        }
    }

    /// Adds one bar. `new_session` only matters to session indicators (VWAP).
    pub fn update(&mut self, c: &Candle, new_session: bool) {
        let x = c.close;
        match self {
            DynIndicator::Sma(i) => i.update(x),
            DynIndicator::Ema(i) => i.update(x),
            DynIndicator::Wma(i) => i.update(x),
            DynIndicator::Dema(i) => i.update(x),
            DynIndicator::Tema(i) => i.update(x),
            DynIndicator::Kama(i) => i.update(x),
            DynIndicator::Rsi(i) => i.update(x),
            DynIndicator::Macd(i) => i.update(x),
            DynIndicator::Ppo(i) => i.update(x),
            DynIndicator::Roc(i) => i.update(x),
            DynIndicator::Mom(i) => i.update(x),
            DynIndicator::Cmo(i) => i.update(x),
            DynIndicator::Trix(i) => i.update(x),
            DynIndicator::StochRsi(i) => i.update(x),
            DynIndicator::BBands(i) => i.update(x),
            DynIndicator::Stoch(i) => i.update(c),
            DynIndicator::WillR(i) => i.update(c),
            DynIndicator::Cci(i) => i.update(c),
            DynIndicator::Aroon(i) => i.update(c),
            DynIndicator::Mfi(i) => i.update(c),
            DynIndicator::Adx(i) | DynIndicator::PlusDi(i) | DynIndicator::MinusDi(i) => {
                i.update(c)
            }
            DynIndicator::Sar(i) => i.update(c),
            DynIndicator::TRange(i) => i.update(c),
            DynIndicator::Atr(i) => i.update(c),
            DynIndicator::Natr(i) => i.update(c),
            DynIndicator::Obv(i) => i.update(c),
            DynIndicator::Ad(i) => i.update(c),
            DynIndicator::AdOsc(i) => i.update(c),
            DynIndicator::Vwap(i) => i.update(c, new_session),
            DynIndicator::Donchian(i) => i.update(c),
            DynIndicator::Keltner(i) => i.update(c),
            DynIndicator::RelVol(i) => i.update(c),
        }
    }

    /// The current outputs, in the order of [`outputs`](Self::outputs); `None` while not ready.
    pub fn values(&self) -> Option<Vec<f64>> {
        let one = |v: Option<f64>| v.map(|x| vec![x]);
        let bands =
            |b: Option<super::volatility::Bands>| b.map(|b| vec![b.upper, b.middle, b.lower]);
        match self {
            DynIndicator::Sma(i) => one(i.value()),
            DynIndicator::Ema(i) => one(i.value()),
            DynIndicator::Wma(i) => one(i.value()),
            DynIndicator::Dema(i) => one(i.value()),
            DynIndicator::Tema(i) => one(i.value()),
            DynIndicator::Kama(i) => one(i.value()),
            DynIndicator::Rsi(i) => one(i.value()),
            DynIndicator::Macd(i) => i.value().map(|v| vec![v.macd, v.signal, v.hist]),
            DynIndicator::Ppo(i) => one(i.value()),
            DynIndicator::Roc(i) => one(i.value()),
            DynIndicator::Mom(i) => one(i.value()),
            DynIndicator::Cmo(i) => one(i.value()),
            DynIndicator::Trix(i) => one(i.value()),
            DynIndicator::StochRsi(i) => i.value().map(|v| vec![v.k, v.d]),
            DynIndicator::Stoch(i) => i.value().map(|v| vec![v.k, v.d]),
            DynIndicator::WillR(i) => one(i.value()),
            DynIndicator::Cci(i) => one(i.value()),
            DynIndicator::Aroon(i) => i.value().map(|v| vec![v.down, v.up]),
            DynIndicator::Mfi(i) => one(i.value()),
            DynIndicator::Adx(i) => one(i.adx()),
            DynIndicator::PlusDi(i) => one(i.plus_di()),
            DynIndicator::MinusDi(i) => one(i.minus_di()),
            DynIndicator::Sar(i) => one(i.value()),
            DynIndicator::TRange(i) => one(i.value()),
            DynIndicator::Atr(i) => one(i.value()),
            DynIndicator::Natr(i) => one(i.value()),
            DynIndicator::BBands(i) => bands(i.value()),
            DynIndicator::Obv(i) => one(i.value()),
            DynIndicator::Ad(i) => one(i.value()),
            DynIndicator::AdOsc(i) => one(i.value()),
            DynIndicator::Vwap(i) => one(i.value()),
            DynIndicator::Donchian(i) => bands(i.value()),
            DynIndicator::Keltner(i) => bands(i.value()),
            DynIndicator::RelVol(i) => i
                .value()
                .map(|v| vec![v.ratio, if v.spike { 1.0 } else { 0.0 }]),
        }
    }
}

/// Column names of a spec's outputs: the spec itself, or `spec.field` for several.
pub fn column_names(spec: &IndicatorSpec, indicator: &DynIndicator) -> Vec<String> {
    match indicator.outputs() {
        [_] => vec![spec.text.clone()],
        many => many.iter().map(|f| format!("{}.{f}", spec.text)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_split_on_top_level_commas_only() {
        let specs =
            parse_list("sma(20), RSI(14),macd(12,26,9),bbands(20,2),obv,trange").expect("parses");
        let names: Vec<&str> = specs.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "sma(20)",
                "rsi(14)",
                "macd(12,26,9)",
                "bbands(20,2)",
                "obv",
                "trange"
            ]
        );
        assert_eq!(specs[2].params, vec![12.0, 26.0, 9.0]);
        assert!(parse_list("").is_err());
        assert!(parse_list("sma(20").is_err());
        assert!(
            parse_list("sma(x)")
                .expect_err("not a number")
                .to_string()
                .contains("not a number")
        );
    }

    #[test]
    fn every_name_builds_and_names_its_columns() {
        for name in NAMES {
            let spec = parse(name).expect("parses");
            let ind = DynIndicator::from_spec(&spec).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!column_names(&spec, &ind).is_empty());
        }
        let macd = parse("macd(12,26,9)").expect("parses");
        assert_eq!(
            column_names(&macd, &DynIndicator::from_spec(&macd).expect("builds")),
            vec![
                "macd(12,26,9).macd",
                "macd(12,26,9).signal",
                "macd(12,26,9).hist"
            ]
        );
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        let unknown =
            DynIndicator::from_spec(&parse("foo(3)").expect("parses")).expect_err("unknown");
        assert!(unknown.to_string().contains("known: sma"), "{unknown}");
        assert!(
            DynIndicator::from_spec(&parse("sma(2.5)").expect("parses"))
                .expect_err("fraction")
                .to_string()
                .contains("whole number")
        );
        assert!(
            DynIndicator::from_spec(&parse("rsi(14,3)").expect("parses"))
                .expect_err("too many")
                .to_string()
                .contains("at most 1")
        );
        assert!(
            DynIndicator::from_spec(&parse("rsi(1)").expect("parses")).is_err(),
            "TA-Lib refuses rsi(1)"
        );
    }

    #[test]
    fn dynamic_and_direct_indicators_agree() {
        let spec = parse("sma(3)").expect("parses");
        let mut dynamic = DynIndicator::from_spec(&spec).expect("builds");
        let mut direct = Sma::new(3);
        for x in [1.0, 2.0, 4.0, 8.0] {
            let c = Candle {
                open: x,
                high: x,
                low: x,
                close: x,
                volume: 1.0,
            };
            dynamic.update(&c, false);
            direct.update(x);
            assert_eq!(dynamic.values(), direct.value().map(|v| vec![v]));
        }
    }
}

//! Candlestick patterns with TA-Lib's `CDL*` definitions: the same candle settings, the
//! same thresholds and the same first output index, so that our outputs equal TA-Lib's
//! integer for integer (checked against golden files made by `scripts/golden/`).
//!
//! One file per pattern. Each detector implements [`CandlePattern`]: an O(1) `update` per
//! candle, `value` (None before TA-Lib's first output, then TA-Lib's number: 100 bullish,
//! -100 bearish, ±80 for the weaker forms of engulfing and harami, 0 for none),
//! `is_ready` and `reset`. [`PatternKind`] lists them all under TA-Lib's names
//! (`"cdlengulfing"`) and builds a detector ([`AnyPattern`], serde-serializable, or a boxed
//! `dyn CandlePattern`), to run a set of patterns chosen by name.
//! What "long", "short", "doji" and "near" mean lives in [`settings`].
//!
//! A NaN price makes the comparisons it enters false, and once inside an average's window
//! it keeps that average NaN for good, so the pattern outputs 0 from then on, as TA-Lib's
//! C code does. (TA-Lib's Python wrapper also drops leading rows holding a NaN and starts
//! after them; these detectors do not.)

/// Declares a public pattern `$name` as a newtype over a core detector with `update`,
/// `value` and `reset`, and implements [`CandlePattern`] for it by delegation; its
/// [`PatternKind`] is the variant of the same name.
macro_rules! pattern_newtype {
    ($(#[$meta:meta])* $name:ident($core:ty)) => {
        $(#[$meta])*
        #[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
        pub struct $name($core);

        impl $crate::patterns::CandlePattern for $name {
            fn kind(&self) -> $crate::patterns::PatternKind {
                $crate::patterns::PatternKind::$name
            }

            fn update(&mut self, candle: &$crate::indicators::Candle) {
                self.0.update(candle);
            }

            fn value(&self) -> Option<i32> {
                self.0.value()
            }

            fn reset(&mut self) {
                self.0.reset();
            }
        }
    };
}

/// A [`pattern_newtype!`] without parameters: `LOOKBACK`, `new()` and `Default`.
macro_rules! fixed_pattern {
    ($(#[$meta:meta])* $name:ident($core:ty) { lookback: $lookback:expr, new: $new:expr $(,)? }) => {
        pattern_newtype!($(#[$meta])* $name($core));

        impl $name {
            /// TA-Lib's lookback: the index of the first output.
            pub const LOOKBACK: usize = $lookback;

            pub fn new() -> Self {
                Self($new)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }
    };
}

/// A star pattern over [`star::Star`]: `LOOKBACK`, `DEFAULT_PENETRATION`, a checked
/// `new(penetration)`, `penetration()` and a `Default` with TA-Lib's penetration.
macro_rules! star_pattern {
    ($(#[$meta:meta])* $name:ident { doji: $doji:expr, direction: $direction:expr $(,)? }) => {
        pattern_newtype!($(#[$meta])* $name($crate::patterns::star::Star));

        impl $name {
            /// TA-Lib's lookback: the index of the first output.
            pub const LOOKBACK: usize = $crate::patterns::star::Star::lookback($doji);
            /// TA-Lib's default penetration.
            pub const DEFAULT_PENETRATION: f64 = 0.3;

            /// `penetration`: how far into the first body the third candle must close, as a
            /// fraction of it (0 or more, as TA-Lib accepts).
            pub fn new(penetration: f64) -> Result<Self, $crate::indicators::IndicatorError> {
                let penetration = $crate::patterns::penetration(
                    $crate::patterns::PatternKind::$name.name(),
                    penetration,
                )?;
                Ok(Self::with(penetration))
            }

            fn with(penetration: f64) -> Self {
                Self($crate::patterns::star::Star::new($doji, $direction, penetration))
            }

            pub fn penetration(&self) -> f64 {
                self.0.penetration()
            }
        }

        impl Default for $name {
            /// TA-Lib's default penetration, 0.3.
            fn default() -> Self {
                Self::with(Self::DEFAULT_PENETRATION)
            }
        }
    };
}

mod belt_hold;
mod closing_marubozu;
mod dark_cloud_cover;
mod doji;
mod doji_star;
mod dragonfly_doji;
mod engulfing;
mod evening_doji_star;
mod evening_star;
mod gravestone_doji;
mod hammer;
mod hanging_man;
mod harami;
mod harami_cross;
mod high_wave;
mod inverted_hammer;
mod kicking;
mod line;
mod long_body;
mod long_legged_doji;
mod long_line;
mod long_shadow_doji;
mod marubozu;
mod morning_doji_star;
mod morning_star;
mod piercing;
mod recent;
mod rickshaw_man;
pub mod settings;
mod shape;
mod shooting_star;
mod short_line;
mod spinning_top;
mod star;
mod takuri;
mod three_black_crows;
mod three_inside;
mod three_outside;
mod three_white_soldiers;
mod umbrella;

pub use belt_hold::BeltHold;
pub use closing_marubozu::ClosingMarubozu;
pub use dark_cloud_cover::DarkCloudCover;
pub use doji::Doji;
pub use doji_star::DojiStar;
pub use dragonfly_doji::DragonflyDoji;
pub use engulfing::Engulfing;
pub use evening_doji_star::EveningDojiStar;
pub use evening_star::EveningStar;
pub use gravestone_doji::GravestoneDoji;
pub use hammer::Hammer;
pub use hanging_man::HangingMan;
pub use harami::Harami;
pub use harami_cross::HaramiCross;
pub use high_wave::HighWave;
pub use inverted_hammer::InvertedHammer;
pub use kicking::Kicking;
pub use long_legged_doji::LongLeggedDoji;
pub use long_line::LongLine;
pub use marubozu::Marubozu;
pub use morning_doji_star::MorningDojiStar;
pub use morning_star::MorningStar;
pub use piercing::Piercing;
pub use rickshaw_man::RickshawMan;
pub use shooting_star::ShootingStar;
pub use short_line::ShortLine;
pub use spinning_top::SpinningTop;
pub use takuri::Takuri;
pub use three_black_crows::ThreeBlackCrows;
pub use three_inside::ThreeInside;
pub use three_outside::ThreeOutside;
pub use three_white_soldiers::ThreeWhiteSoldiers;

use crate::indicators::{Candle, IndicatorError};
use std::fmt;
use std::str::FromStr;

/// A candlestick pattern detector fed one candle at a time.
pub trait CandlePattern: fmt::Debug + Send {
    /// Which pattern this detects.
    fn kind(&self) -> PatternKind;

    /// Judges the pattern ending at `candle`; O(1).
    fn update(&mut self, candle: &Candle);

    /// TA-Lib's output for the last candle; None before TA-Lib's first output index.
    fn value(&self) -> Option<i32>;

    fn is_ready(&self) -> bool {
        self.value().is_some()
    }

    /// Forgets every candle, keeping the parameters.
    fn reset(&mut self);
}

/// Every pattern, named as TA-Lib's function in lower case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum PatternKind {
    BeltHold,
    ClosingMarubozu,
    DarkCloudCover,
    Doji,
    DojiStar,
    DragonflyDoji,
    Engulfing,
    EveningDojiStar,
    EveningStar,
    GravestoneDoji,
    Hammer,
    HangingMan,
    Harami,
    HaramiCross,
    HighWave,
    InvertedHammer,
    Kicking,
    LongLeggedDoji,
    LongLine,
    Marubozu,
    MorningDojiStar,
    MorningStar,
    Piercing,
    RickshawMan,
    ShootingStar,
    ShortLine,
    SpinningTop,
    Takuri,
    ThreeBlackCrows,
    ThreeInside,
    ThreeOutside,
    ThreeWhiteSoldiers,
}

impl PatternKind {
    pub const ALL: [PatternKind; 32] = [
        Self::BeltHold,
        Self::ClosingMarubozu,
        Self::DarkCloudCover,
        Self::Doji,
        Self::DojiStar,
        Self::DragonflyDoji,
        Self::Engulfing,
        Self::EveningDojiStar,
        Self::EveningStar,
        Self::GravestoneDoji,
        Self::Hammer,
        Self::HangingMan,
        Self::Harami,
        Self::HaramiCross,
        Self::HighWave,
        Self::InvertedHammer,
        Self::Kicking,
        Self::LongLeggedDoji,
        Self::LongLine,
        Self::Marubozu,
        Self::MorningDojiStar,
        Self::MorningStar,
        Self::Piercing,
        Self::RickshawMan,
        Self::ShootingStar,
        Self::ShortLine,
        Self::SpinningTop,
        Self::Takuri,
        Self::ThreeBlackCrows,
        Self::ThreeInside,
        Self::ThreeOutside,
        Self::ThreeWhiteSoldiers,
    ];

    /// TA-Lib's function name in lower case, e.g. `"cdlengulfing"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::BeltHold => "cdlbelthold",
            Self::ClosingMarubozu => "cdlclosingmarubozu",
            Self::DarkCloudCover => "cdldarkcloudcover",
            Self::Doji => "cdldoji",
            Self::DojiStar => "cdldojistar",
            Self::DragonflyDoji => "cdldragonflydoji",
            Self::Engulfing => "cdlengulfing",
            Self::EveningDojiStar => "cdleveningdojistar",
            Self::EveningStar => "cdleveningstar",
            Self::GravestoneDoji => "cdlgravestonedoji",
            Self::Hammer => "cdlhammer",
            Self::HangingMan => "cdlhangingman",
            Self::Harami => "cdlharami",
            Self::HaramiCross => "cdlharamicross",
            Self::HighWave => "cdlhighwave",
            Self::InvertedHammer => "cdlinvertedhammer",
            Self::Kicking => "cdlkicking",
            Self::LongLeggedDoji => "cdllongleggeddoji",
            Self::LongLine => "cdllongline",
            Self::Marubozu => "cdlmarubozu",
            Self::MorningDojiStar => "cdlmorningdojistar",
            Self::MorningStar => "cdlmorningstar",
            Self::Piercing => "cdlpiercing",
            Self::RickshawMan => "cdlrickshawman",
            Self::ShootingStar => "cdlshootingstar",
            Self::ShortLine => "cdlshortline",
            Self::SpinningTop => "cdlspinningtop",
            Self::Takuri => "cdltakuri",
            Self::ThreeBlackCrows => "cdl3blackcrows",
            Self::ThreeInside => "cdl3inside",
            Self::ThreeOutside => "cdl3outside",
            Self::ThreeWhiteSoldiers => "cdl3whitesoldiers",
        }
    }

    /// A fresh detector with TA-Lib's default parameters (penetration 0.3 for the stars,
    /// 0.5 for dark cloud cover).
    pub fn detector(self) -> Box<dyn CandlePattern> {
        Box::new(self.build())
    }
}

/// Declares [`AnyPattern`] with one variant per pattern, and [`PatternKind::build`], from
/// one list of (kind, constructor with TA-Lib's defaults).
macro_rules! any_pattern {
    ($($kind:ident => $new:expr),* $(,)?) => {
        /// Any pattern detector: what a processor keeps (and checkpoints, through serde)
        /// for a set of patterns chosen by name. Built by [`PatternKind::build`]; runs
        /// through [`CandlePattern`]. Boxed, so that each takes its own size and not the
        /// largest pattern's.
        #[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
        pub enum AnyPattern {
            $($kind(Box<$kind>)),*
        }

        impl AnyPattern {
            fn inner(&self) -> &dyn CandlePattern {
                match self {
                    $(AnyPattern::$kind(p) => p.as_ref()),*
                }
            }

            fn inner_mut(&mut self) -> &mut dyn CandlePattern {
                match self {
                    $(AnyPattern::$kind(p) => p.as_mut()),*
                }
            }
        }

        impl PatternKind {
            /// A fresh detector with TA-Lib's default parameters (penetration 0.3 for the
            /// stars, 0.5 for dark cloud cover), by value.
            pub fn build(self) -> AnyPattern {
                match self {
                    $(PatternKind::$kind => AnyPattern::$kind(Box::new($new))),*
                }
            }
        }
    };
}

any_pattern! {
    BeltHold => BeltHold::new(),
    ClosingMarubozu => ClosingMarubozu::new(),
    DarkCloudCover => DarkCloudCover::default(),
    Doji => Doji::new(),
    DojiStar => DojiStar::new(),
    DragonflyDoji => DragonflyDoji::new(),
    Engulfing => Engulfing::new(),
    EveningDojiStar => EveningDojiStar::default(),
    EveningStar => EveningStar::default(),
    GravestoneDoji => GravestoneDoji::new(),
    Hammer => Hammer::new(),
    HangingMan => HangingMan::new(),
    Harami => Harami::new(),
    HaramiCross => HaramiCross::new(),
    HighWave => HighWave::new(),
    InvertedHammer => InvertedHammer::new(),
    Kicking => Kicking::new(),
    LongLeggedDoji => LongLeggedDoji::new(),
    LongLine => LongLine::new(),
    Marubozu => Marubozu::new(),
    MorningDojiStar => MorningDojiStar::default(),
    MorningStar => MorningStar::default(),
    Piercing => Piercing::new(),
    RickshawMan => RickshawMan::new(),
    ShootingStar => ShootingStar::new(),
    ShortLine => ShortLine::new(),
    SpinningTop => SpinningTop::new(),
    Takuri => Takuri::new(),
    ThreeBlackCrows => ThreeBlackCrows::new(),
    ThreeInside => ThreeInside::new(),
    ThreeOutside => ThreeOutside::new(),
    ThreeWhiteSoldiers => ThreeWhiteSoldiers::new(),
}

impl CandlePattern for AnyPattern {
    fn kind(&self) -> PatternKind {
        self.inner().kind()
    }

    fn update(&mut self, candle: &Candle) {
        self.inner_mut().update(candle);
    }

    fn value(&self) -> Option<i32> {
        self.inner().value()
    }

    fn reset(&mut self) {
        self.inner_mut().reset();
    }
}

impl fmt::Display for PatternKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PatternKind {
    type Err = IndicatorError;

    /// Accepts TA-Lib's names in any case: `"CDLENGULFING"`, `"cdlengulfing"`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                IndicatorError::new(
                    "patterns",
                    format!("unknown pattern {s:?}: use a TA-Lib name such as \"cdlengulfing\""),
                )
            })
    }
}

/// Checks a penetration parameter as TA-Lib does: a fraction from 0 up.
fn penetration(pattern: &'static str, value: f64) -> Result<f64, IndicatorError> {
    if value >= 0.0 && value.is_finite() {
        Ok(value)
    } else {
        Err(IndicatorError::new(
            pattern,
            format!("penetration must be a finite number >= 0, got {value}"),
        ))
    }
}

#[cfg(test)]
mod fixtures;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_detectors_match_their_kind() {
        for kind in PatternKind::ALL {
            assert_eq!(kind.name().parse::<PatternKind>(), Ok(kind));
            assert_eq!(kind.name().to_uppercase().parse::<PatternKind>(), Ok(kind));
            assert_eq!(kind.detector().kind(), kind);
            assert!(kind.name().starts_with("cdl"));
        }
        assert!("cdlnothing".parse::<PatternKind>().is_err());
    }

    #[test]
    fn a_set_chosen_by_name_runs_side_by_side() {
        let mut set: Vec<Box<dyn CandlePattern>> = ["cdldoji", "cdlengulfing"]
            .iter()
            .map(|name| name.parse::<PatternKind>().map(PatternKind::detector))
            .collect::<Result<_, _>>()
            .expect("known names");
        for candle in fixtures::calm(12) {
            for detector in &mut set {
                detector.update(&candle);
            }
        }
        assert!(set.iter().all(|d| d.value() == Some(0)));
        for detector in &mut set {
            detector.reset();
            assert!(!detector.is_ready());
        }
    }
}

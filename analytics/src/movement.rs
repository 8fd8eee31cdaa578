//! Price-movement and volume events over bars: the things a trader wants flagged as they
//! happen. Each bar is compared with the `lookback` bars before it (not itself):
//!
//! - a gap: the bar opens at least `gap_threshold` (a fraction, 0.005 = 0.5%) away from
//!   the previous close;
//! - a breakout: the bar closes above the highest high (or below the lowest low) of the
//!   previous bars;
//! - a new high or low: the bar trades above the highest high (or below the lowest low)
//!   of the previous bars, whether or not it closes there;
//! - a volume spike: the bar's volume is at least `volume_spike_ratio` times the average
//!   volume of the previous bars.

use crate::indicators::rolling_extreme::{Extreme, RollingExtreme};
use crate::indicators::rolling_sum::RollingSum;
use crate::indicators::{Candle, IndicatorError};
use std::collections::VecDeque;

/// Thresholds of the detector.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MovementConfig {
    /// Bars the current one is compared with.
    pub lookback: usize,
    /// Smallest open-to-previous-close move that is a gap, as a fraction.
    pub gap_threshold: f64,
    /// Smallest volume, as a multiple of the average, that is a spike.
    pub volume_spike_ratio: f64,
}

impl Default for MovementConfig {
    fn default() -> Self {
        Self {
            lookback: 20,
            gap_threshold: 0.005,
            volume_spike_ratio: 3.0,
        }
    }
}

/// One event of one bar.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum MovementEvent {
    GapUp {
        previous_close: f64,
        open: f64,
        fraction: f64,
    },
    GapDown {
        previous_close: f64,
        open: f64,
        fraction: f64,
    },
    BreakoutUp {
        level: f64,
        close: f64,
    },
    BreakoutDown {
        level: f64,
        close: f64,
    },
    NewHigh {
        previous_high: f64,
        high: f64,
    },
    NewLow {
        previous_low: f64,
        low: f64,
    },
    VolumeSpike {
        average: f64,
        volume: f64,
        ratio: f64,
    },
}

impl MovementEvent {
    /// A short name for the event, e.g. `gap_up`, as it appears in event streams.
    pub fn name(&self) -> &'static str {
        match self {
            MovementEvent::GapUp { .. } => "gap_up",
            MovementEvent::GapDown { .. } => "gap_down",
            MovementEvent::BreakoutUp { .. } => "breakout_up",
            MovementEvent::BreakoutDown { .. } => "breakout_down",
            MovementEvent::NewHigh { .. } => "new_high",
            MovementEvent::NewLow { .. } => "new_low",
            MovementEvent::VolumeSpike { .. } => "volume_spike",
        }
    }
}

/// Detects movement events bar by bar, O(1) amortised per bar.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct MovementDetector {
    config: MovementConfig,
    highs: RollingExtreme,
    lows: RollingExtreme,
    volumes: VecDeque<f64>,
    volume_sum: RollingSum,
    previous_close: Option<f64>,
}

impl MovementDetector {
    pub fn new(config: MovementConfig) -> Result<Self, IndicatorError> {
        if config.lookback == 0 {
            return Err(IndicatorError::new(
                "movement",
                "lookback must be at least 1 bar",
            ));
        }
        if !(config.gap_threshold.is_finite() && config.gap_threshold > 0.0) {
            return Err(IndicatorError::new(
                "movement",
                "gap_threshold must be a positive fraction, e.g. 0.005 for 0.5%",
            ));
        }
        if !(config.volume_spike_ratio.is_finite() && config.volume_spike_ratio > 1.0) {
            return Err(IndicatorError::new(
                "movement",
                "volume_spike_ratio must be above 1, e.g. 3 for three times the average",
            ));
        }
        Ok(Self {
            config,
            highs: RollingExtreme::new(Extreme::Highest, config.lookback),
            lows: RollingExtreme::new(Extreme::Lowest, config.lookback),
            volumes: VecDeque::with_capacity(config.lookback + 1),
            volume_sum: RollingSum::default(),
            previous_close: None,
        })
    }

    /// The events of one bar, then the bar joins the comparison window.
    pub fn update(&mut self, c: &Candle) -> Vec<MovementEvent> {
        let mut events = Vec::new();
        if let Some(pc) = self.previous_close.filter(|p| *p > 0.0) {
            let fraction = (c.open - pc) / pc;
            if fraction >= self.config.gap_threshold {
                events.push(MovementEvent::GapUp {
                    previous_close: pc,
                    open: c.open,
                    fraction,
                });
            } else if fraction <= -self.config.gap_threshold {
                events.push(MovementEvent::GapDown {
                    previous_close: pc,
                    open: c.open,
                    fraction,
                });
            }
        }
        if self.highs.is_full()
            && let Some((level, _)) = self.highs.extreme().filter(|(v, _)| v.is_finite())
        {
            if c.close > level {
                events.push(MovementEvent::BreakoutUp {
                    level,
                    close: c.close,
                });
            }
            if c.high > level {
                events.push(MovementEvent::NewHigh {
                    previous_high: level,
                    high: c.high,
                });
            }
        }
        if self.lows.is_full()
            && let Some((level, _)) = self.lows.extreme().filter(|(v, _)| v.is_finite())
        {
            if c.close < level {
                events.push(MovementEvent::BreakoutDown {
                    level,
                    close: c.close,
                });
            }
            if c.low < level {
                events.push(MovementEvent::NewLow {
                    previous_low: level,
                    low: c.low,
                });
            }
        }
        if self.volumes.len() == self.config.lookback {
            let average = self.volume_sum.value() / self.config.lookback as f64;
            if average > 0.0 && c.volume >= self.config.volume_spike_ratio * average {
                events.push(MovementEvent::VolumeSpike {
                    average,
                    volume: c.volume,
                    ratio: c.volume / average,
                });
            }
        }
        self.highs.push(c.high);
        self.lows.push(c.low);
        self.volumes.push_back(c.volume);
        self.volume_sum.add(c.volume);
        if self.volumes.len() > self.config.lookback
            && let Some(old) = self.volumes.pop_front()
        {
            self.volume_sum.remove(old);
        }
        self.previous_close = Some(c.close);
        events
    }

    pub fn reset(&mut self) {
        self.highs.clear();
        self.lows.clear();
        self.volumes.clear();
        self.volume_sum.clear();
        self.previous_close = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(open: f64, high: f64, low: f64, close: f64, volume: f64) -> Candle {
        Candle {
            open,
            high,
            low,
            close,
            volume,
        }
    }

    fn names(events: &[MovementEvent]) -> Vec<&'static str> {
        events.iter().map(MovementEvent::name).collect()
    }

    fn detector() -> MovementDetector {
        MovementDetector::new(MovementConfig {
            lookback: 3,
            gap_threshold: 0.01,
            volume_spike_ratio: 2.0,
        })
        .expect("valid")
    }

    #[test]
    fn quiet_bars_raise_nothing_and_the_window_must_fill_first() {
        let mut d = detector();
        for _ in 0..10 {
            assert!(d.update(&bar(100.0, 101.0, 99.0, 100.0, 1000.0)).is_empty());
        }
        let mut fresh = detector();
        // A big bar before three bars are known raises no breakout or new high.
        assert!(names(&fresh.update(&bar(100.0, 110.0, 90.0, 109.0, 1.0))).is_empty());
    }

    #[test]
    fn gaps_breakouts_new_extremes_and_volume_spikes() {
        let mut d = detector();
        for _ in 0..3 {
            d.update(&bar(100.0, 101.0, 99.0, 100.0, 1000.0));
        }
        let e = d.update(&bar(102.0, 103.0, 101.5, 102.5, 2500.0));
        assert_eq!(
            names(&e),
            vec!["gap_up", "breakout_up", "new_high", "volume_spike"]
        );
        match e[0] {
            MovementEvent::GapUp { fraction, .. } => assert!((fraction - 0.02).abs() < 1e-12),
            _ => unreachable!(),
        }
        // Trades above the old high but closes below it: a new high, no breakout.
        let e = d.update(&bar(102.5, 104.0, 102.0, 102.6, 1000.0));
        assert_eq!(names(&e), vec!["new_high"]);
        let e = d.update(&bar(95.0, 96.0, 94.0, 94.5, 1000.0));
        assert_eq!(names(&e), vec!["gap_down", "breakout_down", "new_low"]);
    }

    #[test]
    fn bad_thresholds_are_refused_and_reset_forgets() {
        assert!(
            MovementDetector::new(MovementConfig {
                lookback: 0,
                ..MovementConfig::default()
            })
            .is_err()
        );
        assert!(
            MovementDetector::new(MovementConfig {
                gap_threshold: 0.0,
                ..MovementConfig::default()
            })
            .is_err()
        );
        assert!(
            MovementDetector::new(MovementConfig {
                volume_spike_ratio: 1.0,
                ..MovementConfig::default()
            })
            .is_err()
        );
        let mut d = detector();
        for _ in 0..3 {
            d.update(&bar(100.0, 101.0, 99.0, 100.0, 1000.0));
        }
        d.reset();
        assert!(
            d.update(&bar(120.0, 130.0, 119.0, 129.0, 9000.0))
                .is_empty(),
            "nothing to compare with after a reset"
        );
    }
}

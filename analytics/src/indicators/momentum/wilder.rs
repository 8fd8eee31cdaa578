//! Wilder's averages of gains and losses over closes, the state RSI and CMO share: the
//! first `period` changes are summed and their plain means seed the averages (so they
//! exist from index `period`), after which each change is folded in with smoothing
//! `1 / period`.
//!
//! TA-Lib 0.8 writes this machinery twice with different floating-point arithmetic (its
//! RSI multiplies by the reciprocal of the period, its CMO divides by the period, and the
//! two split a change into gain and loss differently). Both are kept, chosen by
//! [`Arithmetic`], because each indicator agrees with TA-Lib bit for bit only in its own.

/// Which of TA-Lib's two arithmetics to reproduce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(super) enum Arithmetic {
    /// TA-Lib's RSI: a branch-free split of the change, then multiplication by
    /// `1 / period`.
    Reciprocal,
    /// TA-Lib's CMO: a branching split of the change, then division by `period`.
    Division,
}

/// Wilder-smoothed average gain and average loss of consecutive closes.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(super) struct GainLoss {
    period: usize,
    arithmetic: Arithmetic,
    inv_period: f64,
    prev: Option<f64>,
    seed_changes: usize,
    gain: f64,
    loss: f64,
}

impl GainLoss {
    /// `period` is already validated (at least 2).
    pub(super) fn new(period: usize, arithmetic: Arithmetic) -> Self {
        Self {
            period,
            arithmetic,
            inv_period: 1.0 / period as f64,
            prev: None,
            seed_changes: 0,
            gain: 0.0,
            loss: 0.0,
        }
    }

    pub(super) fn period(&self) -> usize {
        self.period
    }

    /// Adds one close; O(1). Returns the averages `(gain, loss)` once `period` changes
    /// have been seen, None before.
    pub(super) fn update(&mut self, x: f64) -> Option<(f64, f64)> {
        let prev = self.prev.replace(x)?;
        let change = x - prev;
        if self.seed_changes < self.period {
            self.add_change(change);
            self.seed_changes += 1;
            if self.seed_changes < self.period {
                return None;
            }
            // The seed: the plain means of the first `period` changes.
            match self.arithmetic {
                Arithmetic::Reciprocal => {
                    self.gain *= self.inv_period;
                    self.loss *= self.inv_period;
                }
                Arithmetic::Division => {
                    let n = self.period as f64;
                    self.gain /= n;
                    self.loss /= n;
                }
            }
        } else {
            match self.arithmetic {
                Arithmetic::Reciprocal => {
                    let (up, down) = split(change);
                    let keep = (self.period - 1) as f64;
                    self.gain = (self.gain * keep + up) * self.inv_period;
                    self.loss = (down + self.loss * keep) * self.inv_period;
                }
                Arithmetic::Division => {
                    let n = self.period as f64;
                    self.gain *= n - 1.0;
                    self.loss *= n - 1.0;
                    self.add_change(change);
                    self.gain /= n;
                    self.loss /= n;
                }
            }
        }
        Some((self.gain, self.loss))
    }

    /// Adds a change to the running sums, split the way the chosen TA-Lib indicator
    /// splits it.
    fn add_change(&mut self, change: f64) {
        match self.arithmetic {
            Arithmetic::Reciprocal => {
                let (up, down) = split(change);
                self.gain += up;
                self.loss += down;
            }
            Arithmetic::Division => {
                // TA-Lib's CMO branches: a NaN change lands in the gain.
                if change < 0.0 {
                    self.loss -= change;
                } else {
                    self.gain += change;
                }
            }
        }
    }

    pub(super) fn reset(&mut self) {
        self.prev = None;
        self.seed_changes = 0;
        self.gain = 0.0;
        self.loss = 0.0;
    }
}

/// TA-Lib's RSI's branch-free split of a change into (gain, loss): a NaN change lands in
/// the loss, which then stays NaN.
fn split(change: f64) -> (f64, f64) {
    let up = if change > 0.0 { change } else { 0.0 };
    (up, up - change)
}

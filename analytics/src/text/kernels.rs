//! The element-wise parts of the MiniLM forward pass, written as plain loops over slices
//! that the compiler vectorises: an `exp` and an `erf` made of arithmetic only (the C
//! library's are called once per element and do not vectorise), a softmax over each
//! row's unpadded prefix, and bias (+ GELU) applied in place.
//!
//! Profiling the encoder on candle's stock BERT (`perf record` on `cargo bench --bench
//! embed`) put 10.6% of the time in `erf`, 10% in `exp` and 7% in broadcast passes, each
//! of which allocated a new tensor; these do the same work in place, in one pass.
//!
//! Accuracy: `exp` is a degree-6 polynomial on [-ln2/2, ln2/2] after range reduction
//! (relative error about 1.2e-7, the f32 epsilon), `erf` is Abramowitz and Stegun 7.1.26
//! (absolute error at most 1.5e-7, about 3e-7 evaluated in f32), and its Maclaurin series
//! near zero. The golden test against sentence-transformers checks
//! the result end to end.

use super::machine;
use candle_core::{CpuStorage, InplaceOp1, Layout, Result, bail};

const LOG2_E: f32 = std::f32::consts::LOG2_E;
/// ln 2 split in two, so that `n * LN2_HI` is exact for the `n` that occur.
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// Adding and subtracting 1.5 * 2^23 rounds an f32 to the nearest integer, in lanes.
const ROUNDER: f32 = 12_582_912.0;

/// e^x for f32, in arithmetic only.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    let x = x.clamp(-87.0, 88.0);
    let k = x * LOG2_E + ROUNDER;
    let n = k - ROUNDER;
    let r = x - n * LN2_HI - n * LN2_LO;
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    // 2^n through the exponent bits. n is in [-126, 127] after the clamp, and sits in the
    // low bits of k's mantissa: integer arithmetic on the bits, which vectorises (an `as`
    // cast from f32 to an integer saturates, which does not).
    let n_bits = k.to_bits().wrapping_sub(ROUNDER.to_bits());
    p * f32::from_bits(n_bits.wrapping_add(127) << 23)
}

/// erf(x), Abramowitz and Stegun 7.1.26.
#[inline(always)]
pub fn erf(x: f32) -> f32 {
    const P: f32 = 0.327_591_1;
    const A: [f32; 5] = [
        0.254_829_6,
        -0.284_496_74,
        1.421_413_8,
        -1.453_152_1,
        1.061_405_4,
    ];
    let a = x.abs();
    let t = 1.0 / (1.0 + P * a);
    let poly = t * (A[0] + t * (A[1] + t * (A[2] + t * (A[3] + t * A[4]))));
    let far = (1.0 - poly * exp(-a * a)).copysign(x);
    // Near zero `1 - poly * e^-x²` cancels in f32; the Maclaurin series does not (its
    // first omitted term is below 2e-8 for |x| < 0.5). Both are computed, then one is
    // picked, so that the loop stays branch-free and vectorises.
    let x2 = x * x;
    let near = std::f32::consts::FRAC_2_SQRT_PI
        * x
        * (1.0
            + x2 * (-1.0 / 3.0
                + x2 * (1.0 / 10.0 + x2 * (-1.0 / 42.0 + x2 * (1.0 / 216.0 - x2 / 1320.0)))));
    if a < 0.5 { near } else { far }
}

/// GELU as BERT defines it: x * Φ(x), with the exact normal CDF (not the tanh form).
#[inline(always)]
pub fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// Softmax over `row[..valid]`, zeros after it: the positions past a text's length are
/// padding, which attention must not see.
#[inline(always)]
pub fn softmax_prefix(row: &mut [f32], valid: usize) {
    let (live, padding) = row.split_at_mut(valid.min(row.len()));
    padding.fill(0.0);
    if live.is_empty() {
        return;
    }
    let max = live.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    for x in live.iter_mut() {
        *x = exp(*x - max);
    }
    // Eight running sums, so that the reduction vectorises.
    let mut lanes = [0.0f32; 8];
    let mut chunks = live.chunks_exact(8);
    for c in &mut chunks {
        for (s, x) in lanes.iter_mut().zip(c) {
            *s += x;
        }
    }
    let sum = lanes.iter().sum::<f32>() + chunks.remainder().iter().sum::<f32>();
    let inv = 1.0 / sum;
    for x in live.iter_mut() {
        *x *= inv;
    }
}

/// Softmax over each `len`-long row of `part`, whose first row is row `first` of the
/// scores; `per_text` rows belong to each text (heads times positions).
#[inline(always)]
pub(crate) fn softmax_rows(
    part: &mut [f32],
    first: usize,
    len: usize,
    per_text: usize,
    lengths: &[usize],
) {
    for (i, row) in part.chunks_exact_mut(len).enumerate() {
        softmax_prefix(row, lengths[(first + i) / per_text]);
    }
}

/// Adds `bias` to each row of `part`, then GELU if asked.
#[inline(always)]
pub(crate) fn bias_rows(part: &mut [f32], bias: &[f32], gelu_on: bool) {
    for row in part.chunks_exact_mut(bias.len()) {
        for (x, b) in row.iter_mut().zip(bias) {
            *x += b;
        }
        if gelu_on {
            for x in row.iter_mut() {
                *x = gelu(*x);
            }
        }
    }
}

/// Runs `f(first_row, rows)` over `data` in rows of `row_len`, split across candle's
/// threads when the work is large enough to pay for them.
fn par_rows(data: &mut [f32], row_len: usize, f: impl Fn(usize, &mut [f32]) + Sync) {
    let rows = data.len() / row_len.max(1);
    let threads = candle_core::utils::get_num_threads().clamp(1, rows.max(1));
    if threads == 1 || data.len() < 1 << 16 {
        f(0, data);
        return;
    }
    let per = rows.div_ceil(threads);
    std::thread::scope(|s| {
        for (t, part) in data.chunks_mut(per * row_len).enumerate() {
            let f = &f;
            s.spawn(move || f(t * per, part));
        }
    });
}

fn contiguous_f32<'a>(
    storage: &'a mut CpuStorage,
    layout: &Layout,
    op: &str,
) -> Result<&'a mut [f32]> {
    let CpuStorage::F32(v) = storage else {
        bail!("{op}: f32 only")
    };
    let Some((start, end)) = layout.contiguous_offsets() else {
        bail!("{op}: the tensor must be contiguous")
    };
    Ok(&mut v[start..end])
}

/// Softmax in place over the last dimension of attention scores `[batch, heads, len,
/// len]`, each row over its text's first `lengths[batch]` positions.
#[derive(Debug)]
pub struct PrefixSoftmax<'a> {
    pub lengths: &'a [usize],
    pub heads: usize,
}

impl InplaceOp1 for PrefixSoftmax<'_> {
    fn name(&self) -> &'static str {
        "prefix-softmax"
    }

    fn cpu_fwd(&self, storage: &mut CpuStorage, layout: &Layout) -> Result<()> {
        let dims = layout.shape().dims();
        let &[batch, heads, len, len2] = dims else {
            bail!("prefix-softmax: scores must be [batch, heads, len, len], got {dims:?}")
        };
        if len != len2 || heads != self.heads || batch != self.lengths.len() {
            bail!("prefix-softmax: scores {dims:?} do not match the batch's lengths");
        }
        let data = contiguous_f32(storage, layout, "prefix-softmax")?;
        let lengths = self.lengths;
        par_rows(data, len, |first, part| {
            machine::softmax_rows(part, first, len, heads * len, lengths);
        });
        Ok(())
    }
}

/// Adds a bias to every row of a `[.., width]` tensor in place, then GELU if asked.
#[derive(Debug)]
pub struct BiasAct<'a> {
    pub bias: &'a [f32],
    pub gelu: bool,
}

impl InplaceOp1 for BiasAct<'_> {
    fn name(&self) -> &'static str {
        "bias-act"
    }

    fn cpu_fwd(&self, storage: &mut CpuStorage, layout: &Layout) -> Result<()> {
        let width = self.bias.len();
        if layout.shape().dims().last() != Some(&width) {
            bail!(
                "bias-act: rows of {:?} are not {width} wide",
                layout.shape().dims()
            );
        }
        let data = contiguous_f32(storage, layout, "bias-act")?;
        let (bias, gelu_on) = (self.bias, self.gelu);
        par_rows(data, width, |_, part| {
            machine::bias_rows(part, bias, gelu_on)
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_matches_the_c_library_to_the_f32_epsilon() {
        let mut worst = 0.0f32;
        let mut x = -80.0f32;
        while x < 80.0 {
            let want = x.exp();
            worst = worst.max(((exp(x) - want) / want).abs());
            x += 0.013;
        }
        assert!(worst < 3e-7, "worst relative error {worst}");
        assert_eq!(exp(0.0), 1.0);
        // Far below the clamp: a tiny positive number, never a NaN or a wrapped exponent.
        assert!(exp(-1e6) >= 0.0 && exp(-1e6) < 1e-37);
    }

    #[test]
    fn erf_matches_libm_within_abramowitz_and_stegun_bound() {
        // The formula's 1.5e-7, plus f32 rounding in evaluating it.
        let mut x = -6.0f32;
        while x < 6.0 {
            let want = libm::erf(f64::from(x));
            let got = f64::from(erf(x));
            assert!((got - want).abs() < 4e-7, "erf({x}) = {got} not {want}");
            x += 0.001;
        }
        assert_eq!(erf(0.0), 0.0);
    }

    #[test]
    fn gelu_is_x_times_the_normal_cdf() {
        // Φ(1) = 0.841344746..., Φ(-1) = 0.158655254...
        assert!((gelu(1.0) - 0.841_344_7).abs() < 1e-6);
        assert!((gelu(-1.0) + 0.158_655_3).abs() < 1e-6);
        assert_eq!(gelu(0.0), 0.0);
    }

    #[test]
    fn softmax_ignores_padding_and_sums_to_one() {
        let mut row = [1.0f32, 2.0, 3.0, 1000.0, -5.0];
        softmax_prefix(&mut row, 3);
        let e: Vec<f64> = [1.0f64, 2.0, 3.0].iter().map(|x| x.exp()).collect();
        let total: f64 = e.iter().sum();
        for (got, want) in row.iter().zip(&e) {
            assert!((f64::from(*got) - want / total).abs() < 1e-6);
        }
        assert_eq!(&row[3..], &[0.0, 0.0]);
        let mut long: Vec<f32> = (0..37).map(|i| (i as f32 * 0.7).sin()).collect();
        softmax_prefix(&mut long, 37);
        assert!((long.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    }
}

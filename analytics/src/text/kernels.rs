//! The element-wise parts of the MiniLM forward pass, written as plain loops over slices
//! that the compiler vectorises: an `exp` and an `erf` made of arithmetic only (the C
//! library's are called once per element and do not vectorise), softmax, GELU and layer
//! normalisation in place, and the bias and residual a matrix product starts from.
//!
//! Profiling the encoder on candle's stock BERT (`perf record` on `cargo bench --bench
//! embed`) put 10.6% of the time in `erf`, 10% in `exp` and 7% in broadcast passes, each
//! of which allocated a new tensor; these do the same work in place, in one pass.
//! `machine.rs` runs them compiled for the CPU's widest vectors.
//!
//! Accuracy: `exp` is a degree-6 polynomial on [-ln2/2, ln2/2] after range reduction
//! (relative error about 1.2e-7, the f32 epsilon), `erf` is Abramowitz and Stegun 7.1.26
//! (absolute error at most 1.5e-7, about 3e-7 evaluated in f32), and its Maclaurin series
//! near zero. The golden test against sentence-transformers checks
//! the result end to end.

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
    let inv = 1.0 / sum_of(live, |x| x);
    for x in live.iter_mut() {
        *x *= inv;
    }
}

/// Softmax over each `len`-long row of `part`.
#[inline(always)]
pub(crate) fn softmax_rows(part: &mut [f32], len: usize) {
    for row in part.chunks_exact_mut(len) {
        softmax_prefix(row, len);
    }
}

/// Writes `bias` into each row of `part`, plus the same rows of `residual` when given:
/// where a matrix product then accumulates.
#[inline(always)]
pub(crate) fn start_rows(part: &mut [f32], bias: &[f32], residual: Option<&[f32]>) {
    match residual {
        Some(residual) => {
            for (row, res) in part
                .chunks_exact_mut(bias.len())
                .zip(residual.chunks_exact(bias.len()))
            {
                for ((x, b), r) in row.iter_mut().zip(bias).zip(res) {
                    *x = b + r;
                }
            }
        }
        None => {
            for row in part.chunks_exact_mut(bias.len()) {
                row.copy_from_slice(bias);
            }
        }
    }
}

/// GELU of every element, in place.
#[inline(always)]
pub(crate) fn gelu_in_place(part: &mut [f32]) {
    for x in part.iter_mut() {
        *x = gelu(*x);
    }
}

/// Sum of `f` over a slice in eight running sums, so that the reduction vectorises.
#[inline(always)]
fn sum_of(xs: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    let mut lanes = [0.0f32; 8];
    let mut chunks = xs.chunks_exact(8);
    for c in &mut chunks {
        for (s, &x) in lanes.iter_mut().zip(c) {
            *s += f(x);
        }
    }
    lanes.iter().sum::<f32>() + chunks.remainder().iter().map(|&x| f(x)).sum::<f32>()
}

/// Layer normalisation of each row of `part` (rows as wide as `gamma`), in place: the
/// mean and the biased variance of the row, as PyTorch's `LayerNorm` computes them.
#[inline(always)]
pub(crate) fn layer_norm_rows(part: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) {
    let width = gamma.len();
    for row in part.chunks_exact_mut(width) {
        let mean = sum_of(row, |x| x) / width as f32;
        for x in row.iter_mut() {
            *x -= mean;
        }
        let squares = sum_of(row, |x| x * x);
        let inv = 1.0 / (squares / width as f32 + eps).sqrt();
        for ((x, g), b) in row.iter_mut().zip(gamma).zip(beta) {
            *x = *x * inv * g + b;
        }
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
    fn layer_norm_gives_each_row_mean_beta_and_deviation_gamma() {
        let width = 40;
        let gamma = vec![2.0f32; width];
        let beta = vec![0.5f32; width];
        let mut rows: Vec<f32> = (0..width * 2)
            .map(|i| (i as f32 * 1.3).cos() * 10.0)
            .collect();
        layer_norm_rows(&mut rows, &gamma, &beta, 1e-12);
        for row in rows.chunks(width) {
            let mean = row.iter().sum::<f32>() / width as f32;
            let var = row.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / width as f32;
            assert!((mean - 0.5).abs() < 1e-5, "mean {mean}");
            assert!((var.sqrt() - 2.0).abs() < 1e-4, "deviation {}", var.sqrt());
        }
    }

    #[test]
    fn a_product_starts_from_the_bias_plus_the_residual() {
        let bias = [1.0f32, 2.0, 3.0];
        let residual = [10.0f32, 20.0, 30.0, 40.0, 50.0, 60.0];
        let mut rows = [f32::NAN; 6];
        start_rows(&mut rows, &bias, Some(&residual));
        assert_eq!(rows, [11.0, 22.0, 33.0, 41.0, 52.0, 63.0]);
        start_rows(&mut rows, &bias, None);
        assert_eq!(rows, [1.0, 2.0, 3.0, 1.0, 2.0, 3.0]);
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

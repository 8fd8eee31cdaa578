//! TA-Lib's test for "no movement" (`TA_IS_ZERO_SCALED`, since its fix for issue #253):
//! a difference counts as zero when it is within 1e-14 of the magnitude of what was
//! subtracted, about 90 ulp. A fixed band would call every bar of an instrument quoted
//! below it flat, and an exact test divides rounding residue into noise.

const RELATIVE_EPSILON: f64 = 1e-14;

/// Whether `diff` is zero relative to `scale` (the sum of the operands' magnitudes).
/// False for NaN, so a NaN difference reaches the division and propagates.
pub(crate) fn is_zero_relative(diff: f64, scale: f64) -> bool {
    diff.abs() <= RELATIVE_EPSILON * scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_band_is_relative_to_the_operands() {
        // TA-Lib's STOCH and WILLR at 1e6: a range of 171 ulp is flat, 172 ulp is not.
        let ulp = f64::from_bits(1e6_f64.to_bits() + 1) - 1e6;
        let (h, l) = (1e6, 1e6 - 171.0 * ulp);
        assert!(is_zero_relative(h - l, h + l));
        let l = 1e6 - 172.0 * ulp;
        assert!(!is_zero_relative(h - l, h + l));
        // A range of 5e-11 on prices of 1e-10 is a real range.
        assert!(!is_zero_relative(0.5e-10, 1.5e-10));
        assert!(is_zero_relative(0.0, 0.0));
        assert!(!is_zero_relative(f64::NAN, 1.0));
    }
}

//! OCC option symbols: root, expiry as YYMMDD, `C` or `P`, and the strike times 1000 in
//! eight digits, e.g. `AAPL240503P00155000` (Alpaca's form, without the OCC's padding).

use crate::events::{DateDays, OptionRight, Strike};

/// The parts of an OCC symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OccSymbol {
    pub root: String,
    /// Expiration date, days since 1970-01-01.
    pub expiration: DateDays,
    pub right: OptionRight,
    pub strike: Strike,
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of days since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

impl OccSymbol {
    /// Parses `ROOTyymmddCssssssss`; the message says which part is wrong.
    pub fn parse(symbol: &str) -> Result<Self, String> {
        let s = symbol.trim();
        if s.len() < 16 || !s.is_ascii() {
            return Err(format!(
                "{symbol:?} is not an OCC option symbol like AAPL240503P00155000"
            ));
        }
        let (root, rest) = s.split_at(s.len() - 15);
        let root = root.trim_end();
        if root.is_empty() || !root.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
            return Err(format!(
                "{symbol:?}: the root {root:?} must be letters or digits"
            ));
        }
        let digits = |r: &str, what: &str| {
            r.parse::<i64>()
                .map_err(|_| format!("{symbol:?}: {what} {r:?} is not a number"))
        };
        let (yy, mm, dd) = (
            digits(&rest[0..2], "year")?,
            digits(&rest[2..4], "month")?,
            digits(&rest[4..6], "day")?,
        );
        if !(1..=12).contains(&mm) || !(1..=31).contains(&dd) {
            return Err(format!("{symbol:?}: {} is not a date", &rest[0..6]));
        }
        let right = match &rest[6..7] {
            "C" => OptionRight::Call,
            "P" => OptionRight::Put,
            other => return Err(format!("{symbol:?}: {other:?} must be C or P")),
        };
        let thousandths = digits(&rest[7..15], "strike")?;
        let expiration = days_from_civil(2000 + yy, mm, dd) as DateDays;
        Ok(Self {
            root: root.to_string(),
            expiration,
            right,
            strike: Strike { thousandths },
        })
    }

    /// Formats as `ROOTyymmddCssssssss`.
    pub fn format(&self) -> String {
        let (y, m, d) = civil_from_days(i64::from(self.expiration));
        let cp = if self.right == OptionRight::Call {
            'C'
        } else {
            'P'
        };
        format!(
            "{}{:02}{m:02}{d:02}{cp}{:08}",
            self.root,
            y.rem_euclid(100),
            self.strike.thousandths
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_alpaca_examples() {
        let o = OccSymbol::parse("AAPL240503P00155000").expect("parses");
        assert_eq!(
            (o.root.as_str(), o.expiration, o.right, o.strike.thousandths),
            ("AAPL", 19846, OptionRight::Put, 155_000)
        );
        assert_eq!(o.format(), "AAPL240503P00155000");
        let spy = OccSymbol::parse("SPY251219C00600500").expect("parses");
        assert_eq!((spy.strike.as_f64(), spy.right), (600.5, OptionRight::Call));
        assert_eq!(spy.format(), "SPY251219C00600500");
        for days in [0, 19_846, 20_000, 25_000] {
            assert!(civil_from_days(i64::from(days)).0 >= 1970);
            let (y, m, d) = civil_from_days(i64::from(days));
            assert_eq!(days_from_civil(y, m, d), i64::from(days));
        }
    }

    #[test]
    fn bad_symbols_say_which_part_is_wrong() {
        assert!(
            OccSymbol::parse("AAPL")
                .expect_err("short")
                .contains("not an OCC")
        );
        assert!(
            OccSymbol::parse("AAPL241303P00155000")
                .expect_err("month 13")
                .contains("not a date")
        );
        assert!(
            OccSymbol::parse("AAPL240503X00155000")
                .expect_err("X")
                .contains("C or P")
        );
        assert!(
            OccSymbol::parse("AAPL240503P0015500Z")
                .expect_err("strike")
                .contains("strike")
        );
    }
}

//! What REST handlers share: extractors whose rejections are `{"code","message"}`, times,
//! timeframes, symbol lists and page tokens.

use crate::error::ApiError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use finstream_schemas::TimestampNanos;
use finstream_schemas::alpaca::parse_rfc3339;
use serde::de::DeserializeOwned;

pub const NANOS_PER_SECOND: i64 = 1_000_000_000;
pub const NANOS_PER_MINUTE: i64 = 60 * NANOS_PER_SECOND;
pub const NANOS_PER_HOUR: i64 = 60 * NANOS_PER_MINUTE;
pub const NANOS_PER_DAY: i64 = 24 * NANOS_PER_HOUR;

/// Query parameters, rejected as a 400 that names the bad parameter.
#[derive(Debug)]
pub struct Params<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Params(q.0))
            .map_err(|e| ApiError::BadRequest(format!("query parameters: {}", e.body_text())))
    }
}

/// A JSON body, rejected as a 400 (or 415 without the JSON content type, as a 400 here)
/// that says what is wrong with it.
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|j| Body(j.0))
            .map_err(|e| ApiError::BadRequest(format!("request body: {}", e.body_text())))
    }
}

/// Now, in nanoseconds since the epoch.
pub fn now_nanos() -> TimestampNanos {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

/// A time parameter: RFC 3339 (any offset; Alpaca's SDKs send `+00:00`) or a date
/// (`YYYY-MM-DD`, midnight UTC).
pub fn parse_time(name: &str, value: &str) -> Result<TimestampNanos, ApiError> {
    if value.len() == 10 {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        if let Ok(d) = time::Date::parse(value, &format) {
            return Ok(i64::from(d.to_julian_day() - EPOCH_JULIAN_DAY) * NANOS_PER_DAY);
        }
    }
    parse_rfc3339(value).map_err(|_| {
        ApiError::BadRequest(format!(
            "{name} must be RFC 3339 (2024-01-02T15:04:05Z) or a date (2024-01-02), not {value:?}"
        ))
    })
}

const EPOCH_JULIAN_DAY: i32 = 2_440_588;

/// A date parameter (`YYYY-MM-DD`) as days since the epoch.
pub fn parse_date(name: &str, value: &str) -> Result<i32, ApiError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(value, &format)
        .map(|d| d.to_julian_day() - EPOCH_JULIAN_DAY)
        .map_err(|_| {
            ApiError::BadRequest(format!("{name} must be a date (2024-01-02), not {value:?}"))
        })
}

/// Days since the epoch as `YYYY-MM-DD`.
pub fn format_date(days: i32) -> String {
    match time::Date::from_julian_day(days + EPOCH_JULIAN_DAY) {
        Ok(d) => format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()),
        Err(_) => "1970-01-01".into(),
    }
}

/// The `[start, end)` window of a request: `end` defaults to now, `start` to `default_span`
/// before `end`.
pub fn window(
    start: Option<&str>,
    end: Option<&str>,
    default_span: i64,
) -> Result<(TimestampNanos, TimestampNanos), ApiError> {
    let end = match end {
        Some(e) => parse_time("end", e)?,
        None => now_nanos(),
    };
    let start = match start {
        Some(s) => parse_time("start", s)?,
        None => end.saturating_sub(default_span),
    };
    if start > end {
        return Err(ApiError::BadRequest(format!(
            "start ({}) is after end ({})",
            finstream_schemas::alpaca::format_rfc3339(start),
            finstream_schemas::alpaca::format_rfc3339(end)
        )));
    }
    // An inclusive end, as Alpaca's; the store's ranges are half-open.
    Ok((start, end.saturating_add(1)))
}

/// A page size within `1..=max`, `default` when absent.
pub fn limit(value: Option<i64>, default: usize, max: usize) -> Result<usize, ApiError> {
    match value {
        None => Ok(default),
        Some(n) if n >= 1 && n as u64 <= max as u64 => Ok(n as usize),
        Some(n) => Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {max}, not {n}"
        ))),
    }
}

/// A ticker: 1 to 21 characters of letters, digits, `.`, `/` and `-`; upper-cased.
pub fn symbol(value: &str) -> Result<String, ApiError> {
    let ok = !value.is_empty()
        && value.len() <= 21
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '-'));
    if ok {
        Ok(value.to_ascii_uppercase())
    } else {
        Err(ApiError::BadRequest(format!(
            "{value:?} is not a symbol: use letters, digits, '.', '/' or '-' (at most 21)"
        )))
    }
}

/// A comma-separated symbol list (`symbols=AAPL,MSFT`), sorted, without duplicates.
pub fn symbols(value: Option<&str>, max: usize) -> Result<Vec<String>, ApiError> {
    let value = value.ok_or_else(|| {
        ApiError::BadRequest("symbols is required: a comma-separated list, e.g. AAPL,MSFT".into())
    })?;
    let mut out = value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(symbol)
        .collect::<Result<Vec<_>, _>>()?;
    out.sort();
    out.dedup();
    if out.is_empty() {
        return Err(ApiError::BadRequest(
            "symbols is empty: give at least one, e.g. AAPL".into(),
        ));
    }
    if out.len() > max {
        return Err(ApiError::BadRequest(format!(
            "{} symbols asked for; at most {max} per request",
            out.len()
        )));
    }
    Ok(out)
}

/// Where the next page starts: a symbol (for multi-symbol pages), a time and an id
/// (for trades and quotes that share a time). Opaque to clients: URL-safe base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageToken {
    pub symbol: String,
    pub time: TimestampNanos,
    pub id: String,
}

impl PageToken {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}\n{}\n{}", self.symbol, self.time, self.id))
    }

    pub fn decode(value: &str) -> Result<PageToken, ApiError> {
        let bad = || {
            ApiError::BadRequest(
                "page_token is not one this server gave out: pass next_page_token back as is"
                    .into(),
            )
        };
        let bytes = URL_SAFE_NO_PAD.decode(value).map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let mut parts = text.splitn(3, '\n');
        let (Some(symbol), Some(time), Some(id)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        Ok(PageToken {
            symbol: symbol.to_string(),
            time: time.parse().map_err(|_| bad())?,
            id: id.to_string(),
        })
    }
}

/// How bars of a requested timeframe come from the stored ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeframe {
    /// The stored timeframe they are built from (`1m`, `5m`, `15m`, `1h`, `1d`).
    pub base: &'static str,
    /// How stored bars group into one requested bar.
    pub group: Grouping,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// The stored bars as they are.
    None,
    /// Fixed-length buckets aligned to the epoch (minutes, hours, days).
    Fixed(i64),
    /// Weeks starting on Monday.
    Week,
    /// Calendar months, `n` at a time (1, 2, 3, 6 or 12).
    Months(u8),
}

impl Timeframe {
    /// Alpaca's timeframe names: `{N}Min` (1-59), `{N}Hour` (1-23), `1Day`, `1Week`,
    /// `{1,2,3,6,12}Month` (also `T`, `H`, `D`, `W`, `M` as the unit).
    pub fn parse_alpaca(value: &str) -> Result<Timeframe, ApiError> {
        let bad = || {
            ApiError::BadRequest(format!(
                "timeframe {value:?} is not valid: use {{N}}Min (1-59), {{N}}Hour (1-23), 1Day, 1Week or {{1,2,3,6,12}}Month"
            ))
        };
        let digits = value.chars().take_while(char::is_ascii_digit).count();
        let n: u32 = value[..digits].parse().map_err(|_| bad())?;
        let unit = &value[digits..];
        let tf = match unit {
            "Min" | "T" if (1..=59).contains(&n) => match n {
                1 => Timeframe::stored("1m"),
                5 => Timeframe::stored("5m"),
                15 => Timeframe::stored("15m"),
                _ => Timeframe {
                    base: "1m",
                    group: Grouping::Fixed(i64::from(n) * NANOS_PER_MINUTE),
                },
            },
            "Hour" | "H" if (1..=23).contains(&n) => match n {
                1 => Timeframe::stored("1h"),
                _ => Timeframe {
                    base: "1h",
                    group: Grouping::Fixed(i64::from(n) * NANOS_PER_HOUR),
                },
            },
            "Day" | "D" if n == 1 => Timeframe::stored("1d"),
            "Week" | "W" if n == 1 => Timeframe {
                base: "1d",
                group: Grouping::Week,
            },
            "Month" | "M" if matches!(n, 1 | 2 | 3 | 6 | 12) => Timeframe {
                base: "1d",
                group: Grouping::Months(n as u8),
            },
            _ => return Err(bad()),
        };
        Ok(tf)
    }

    /// finstream's own names: the stored timeframes `1s`, `1m`, `5m`, `15m`, `1h`, `1d`.
    pub fn parse_stored(value: &str) -> Result<Timeframe, ApiError> {
        STORED
            .iter()
            .find(|&&s| s == value)
            .map(|s| Timeframe::stored(s))
            .ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "timeframe {value:?} is not kept: use one of {}",
                    STORED.join(", ")
                ))
            })
    }

    fn stored(base: &'static str) -> Timeframe {
        Timeframe {
            base,
            group: Grouping::None,
        }
    }

    /// The start of the requested bar that a stored bar starting at `t` belongs to.
    pub fn bucket(&self, t: TimestampNanos) -> TimestampNanos {
        match self.group {
            Grouping::None => t,
            Grouping::Fixed(n) => t - t.rem_euclid(n),
            Grouping::Week => {
                // 1970-01-01 was a Thursday: Mondays are 4 days after the epoch, mod 7.
                let day = t.div_euclid(NANOS_PER_DAY);
                (day - (day - 4).rem_euclid(7)) * NANOS_PER_DAY
            }
            Grouping::Months(n) => {
                let day = t.div_euclid(NANOS_PER_DAY) as i32;
                let Ok(date) = time::Date::from_julian_day(day + EPOCH_JULIAN_DAY) else {
                    return t;
                };
                let month0 = u8::from(date.month()) - 1;
                let first = month0 - month0 % n + 1;
                time::Month::try_from(first)
                    .ok()
                    .and_then(|m| time::Date::from_calendar_date(date.year(), m, 1).ok())
                    .map_or(t, |d| {
                        i64::from(d.to_julian_day() - EPOCH_JULIAN_DAY) * NANOS_PER_DAY
                    })
            }
        }
    }
}

/// The timeframes the bars processor writes.
pub const STORED: [&str; 6] = ["1s", "1m", "5m", "15m", "1h", "1d"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpaca_timeframes_map_to_stored_bars_or_groups_of_them() {
        let tf = |s| Timeframe::parse_alpaca(s).map_err(|e| e.to_string());
        assert_eq!(tf("1Min").map(|t| t.base), Ok("1m"));
        assert_eq!(tf("15Min").map(|t| t.group), Ok(Grouping::None));
        assert_eq!(
            tf("2Min").map(|t| (t.base, t.group)),
            Ok(("1m", Grouping::Fixed(2 * NANOS_PER_MINUTE)))
        );
        assert_eq!(
            tf("4Hour").map(|t| (t.base, t.group)),
            Ok(("1h", Grouping::Fixed(4 * NANOS_PER_HOUR)))
        );
        assert_eq!(tf("1Day").map(|t| t.base), Ok("1d"));
        assert_eq!(tf("3Month").map(|t| t.group), Ok(Grouping::Months(3)));
        for bad in [
            "0Min", "60Min", "24Hour", "2Day", "2Week", "4Month", "Min", "1min", "",
        ] {
            assert!(tf(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        let day = |s: &str| parse_time("t", s).unwrap_or(i64::MIN);
        let week = Timeframe::parse_alpaca("1Week").map_err(|e| e.to_string());
        let week = week
            .as_ref()
            .map(|w| w.bucket(day("2024-05-09") + 5 * NANOS_PER_HOUR));
        assert_eq!(week, Ok(day("2024-05-06")));
        let quarter = Timeframe::parse_alpaca("3Month").map_err(|e| e.to_string());
        assert_eq!(
            quarter.as_ref().map(|q| q.bucket(day("2024-05-09"))),
            Ok(day("2024-04-01"))
        );
    }

    #[test]
    fn times_are_rfc3339_or_dates_and_windows_must_be_ordered() {
        assert_eq!(
            parse_time("start", "2024-01-02T00:00:00+00:00").ok(),
            parse_time("start", "2024-01-02").ok()
        );
        assert_eq!(parse_time("start", "1970-01-02").ok(), Some(NANOS_PER_DAY));
        let e = parse_time("start", "yesterday").map_err(|e| e.to_string());
        assert!(matches!(e, Err(m) if m.contains("start must be RFC 3339")));
        assert!(window(Some("2024-01-03"), Some("2024-01-02"), 0).is_err());
        assert_eq!(
            format_date(parse_date("d", "2024-02-29").unwrap_or(0)),
            "2024-02-29"
        );
    }

    #[test]
    fn page_tokens_round_trip_and_forgeries_are_refused() {
        let t = PageToken {
            symbol: "AAPL".into(),
            time: 1_700_000_000_123_456_789,
            id: "abc\nnot-a-separator".into(),
        };
        assert_eq!(PageToken::decode(&t.encode()).ok(), Some(t));
        assert!(PageToken::decode("not base64!").is_err());
        assert!(PageToken::decode(&URL_SAFE_NO_PAD.encode("AAPL")).is_err());
    }

    #[test]
    fn symbol_lists_are_checked_sorted_and_deduplicated() {
        assert_eq!(
            symbols(Some("msft, AAPL,MSFT"), 10).ok(),
            Some(vec!["AAPL".to_string(), "MSFT".to_string()])
        );
        assert!(symbols(None, 10).is_err());
        assert!(symbols(Some(",,"), 10).is_err());
        assert!(symbols(Some("A,B,C"), 2).is_err());
        assert!(symbols(Some("AA PL"), 2).is_err());
        assert!(limit(Some(0), 1000, 10_000).is_err());
        assert_eq!(limit(None, 1000, 10_000).ok(), Some(1000));
    }
}

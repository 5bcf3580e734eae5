//! STIX timestamps: RFC 3339, UTC, `Z` suffix (STIX 2.1 §3.2).

use std::fmt;

/// Why a string is not a STIX timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    /// The text is not `YYYY-MM-DDTHH:MM:SS[.fraction]Z`.
    #[error("{0:?} is not an RFC 3339 UTC timestamp of the form YYYY-MM-DDTHH:MM:SS[.s]Z")]
    Format(String),
    /// The fields are well-formed but name no real instant (e.g. 30 February).
    #[error("{0:?} is not a real calendar date and time")]
    Calendar(String),
}

/// A parsed timestamp: microseconds since the Unix epoch (sub-microsecond digits are kept only in
/// the text) and how many fraction digits the text carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    pub micros: i64,
    pub fraction_digits: u8,
}

impl Timestamp {
    /// Parses a STIX timestamp strictly: four-digit year, `T`, `Z`, optional fraction of any length.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        let format = || TimestampError::Format(text.to_owned());
        let b = text.as_bytes();
        if b.len() < 20 || b[b.len() - 1] != b'Z' {
            return Err(format());
        }
        let shape_ok = b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' && b[16] == b':';
        if !shape_ok {
            return Err(format());
        }
        let num = |range: std::ops::Range<usize>| -> Result<i64, TimestampError> {
            let mut v = 0i64;
            for &c in &b[range] {
                if !c.is_ascii_digit() {
                    return Err(format());
                }
                v = v * 10 + i64::from(c - b'0');
            }
            Ok(v)
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let (micros_frac, fraction_digits) = parse_fraction(&b[19..b.len() - 1]).ok_or_else(format)?;
        let valid = (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month)
            && hour <= 23
            && minute <= 59
            && second <= 60;
        if !valid {
            return Err(TimestampError::Calendar(text.to_owned()));
        }
        // A leap second is folded onto the next second's start, as most platforms do.
        let secs = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
        Ok(Self { micros: secs * 1_000_000 + micros_frac, fraction_digits })
    }

    /// The current time, truncated to milliseconds as STIX producers conventionally write it.
    pub fn now_millis() -> Self {
        let micros = now_micros();
        Self { micros: micros - micros.rem_euclid(1000), fraction_digits: 3 }
    }

    /// RFC 3339 text with `digits` fraction digits (0, 3 or 6 are typical).
    pub fn format(&self, digits: u8) -> String {
        let secs = self.micros.div_euclid(1_000_000);
        let frac = self.micros.rem_euclid(1_000_000);
        let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
        let rem = secs.rem_euclid(86_400);
        let mut out =
            format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60);
        if digits > 0 {
            let six = format!("{frac:06}");
            out.push('.');
            out.push_str(&six[..usize::from(digits.min(6))]);
            for _ in 6..digits {
                out.push('0');
            }
        }
        out.push('Z');
        out
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format(self.fraction_digits.clamp(3, 6)))
    }
}

/// Microseconds since the Unix epoch, now.
pub fn now_micros() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_micros()).unwrap_or(i64::MAX)
}

/// Parses `.ddd…` (or nothing) into microseconds and the digit count.
fn parse_fraction(b: &[u8]) -> Option<(i64, u8)> {
    if b.is_empty() {
        return Some((0, 0));
    }
    let digits = b.strip_prefix(b".")?;
    if digits.is_empty() || digits.len() > 255 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut micros = 0i64;
    for i in 0..6 {
        micros = micros * 10 + digits.get(i).map_or(0, |&c| i64::from(c - b'0'));
    }
    Some((micros, u8::try_from(digits.len()).ok()?))
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for (text, micros) in [
            ("1970-01-01T00:00:00Z", 0),
            ("2016-10-11T09:30:00.123Z", 1_476_178_200_123_000),
            ("2000-02-29T23:59:59.999999999Z", 951_868_799_999_999),
        ] {
            let t = Timestamp::parse(text).unwrap();
            assert_eq!(t.micros, micros, "{text}");
        }
        let t = Timestamp::parse("2016-10-11T09:30:00.123Z").unwrap();
        assert_eq!(t.format(3), "2016-10-11T09:30:00.123Z");
        assert_eq!(t.to_string(), "2016-10-11T09:30:00.123Z");
    }

    #[test]
    fn rejects() {
        for bad in [
            "2016-10-11T09:30:00",
            "2016-10-11 09:30:00Z",
            "2016-10-11T09:30:00+00:00",
            "2022-101-27T13:49:54.326Z",
            "2016-10-11T09:30:00.Z",
            "16-10-11T09:30:00Z",
        ] {
            assert!(matches!(Timestamp::parse(bad), Err(TimestampError::Format(_))), "{bad}");
        }
        for bad in
            ["2023-02-29T12:00:00Z", "2024-04-31T12:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01T24:00:00Z"]
        {
            assert!(matches!(Timestamp::parse(bad), Err(TimestampError::Calendar(_))), "{bad}");
        }
    }
}

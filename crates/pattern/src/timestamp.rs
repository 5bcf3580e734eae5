//! STIX timestamps: `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, UTC, upper-case `T` and `Z`.
//!
//! Used for `t'...'` literals and for timestamps read from JSON during matching. The format is
//! the STIX one, checked strictly, and the calendar is checked too (`2023-02-29` is rejected),
//! which the grammar alone does not do.

use std::cmp::Ordering;
use std::fmt;

/// A UTC instant with nanosecond precision, as written in a STIX timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timestamp {
    /// Seconds since 1970-01-01T00:00:00Z (a leap second `:60` counts as the next minute's `:00`).
    epoch_seconds: i64,
    /// Nanoseconds within the second (fractions beyond 9 digits are truncated).
    nanos: u32,
    /// Whether the seconds field was `60`.
    leap_second: bool,
    /// How many fraction digits were written (0 when there was no fraction).
    fraction_digits: u8,
}

/// Why a timestamp string was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampError {
    /// Not of the shape `YYYY-MM-DDTHH:MM:SS[.fraction]Z`.
    Format,
    /// A field is out of range or the date does not exist (e.g. 30 February).
    Range,
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimestampError::Format => f.write_str("expected YYYY-MM-DDTHH:MM:SS[.fraction]Z"),
            TimestampError::Range => f.write_str("date or time field out of range"),
        }
    }
}

impl Timestamp {
    /// Parses a STIX timestamp, strictly (see the module docs).
    pub fn parse(text: &str) -> Result<Timestamp, TimestampError> {
        let b = text.as_bytes();
        if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
            return Err(TimestampError::Format);
        }
        if b[13] != b':' || b[16] != b':' || b[b.len() - 1] != b'Z' {
            return Err(TimestampError::Format);
        }
        let year = digits(&b[0..4])?;
        let month = digits(&b[5..7])?;
        let day = digits(&b[8..10])?;
        let hour = digits(&b[11..13])?;
        let minute = digits(&b[14..16])?;
        let second = digits(&b[17..19])?;
        let (nanos, fraction_digits) = fraction(&b[19..b.len() - 1])?;
        let month_ok = (1..=12).contains(&month);
        if !month_ok || day == 0 || day > days_in_month(year, month) {
            return Err(TimestampError::Range);
        }
        if hour > 23 || minute > 59 || second > 60 {
            return Err(TimestampError::Range);
        }
        let days = days_from_civil(i64::from(year), month, day);
        let epoch_seconds =
            days * 86_400 + i64::from(hour) * 3_600 + i64::from(minute) * 60 + i64::from(second);
        Ok(Timestamp { epoch_seconds, nanos, leap_second: second == 60, fraction_digits })
    }

    /// Seconds since the Unix epoch.
    pub fn epoch_seconds(&self) -> i64 {
        self.epoch_seconds
    }

    /// Nanoseconds within the second.
    pub fn nanos(&self) -> u32 {
        self.nanos
    }

    /// Nanoseconds since the Unix epoch, for interval arithmetic.
    pub fn epoch_nanos(&self) -> i128 {
        i128::from(self.epoch_seconds) * 1_000_000_000 + i128::from(self.nanos)
    }

    /// Whether the seconds field was `60` (a leap second).
    pub fn is_leap_second(&self) -> bool {
        self.leap_second
    }
}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.epoch_seconds, self.nanos).cmp(&(other.epoch_seconds, other.nanos))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut secs = self.epoch_seconds;
        if self.leap_second {
            secs -= 1;
        }
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let second = if self.leap_second { 60 } else { rem % 60 };
        write!(f, "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{second:02}", rem / 3600, (rem / 60) % 60)?;
        if self.fraction_digits > 0 {
            let digits = format!("{:09}", self.nanos);
            let shown = usize::from(self.fraction_digits).min(9);
            write!(f, ".{}", &digits[..shown])?;
        }
        f.write_str("Z")
    }
}

fn digits(b: &[u8]) -> Result<u32, TimestampError> {
    let mut value = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return Err(TimestampError::Format);
        }
        value = value * 10 + u32::from(c - b'0');
    }
    Ok(value)
}

/// Parses `""` or `".ddd..."` into nanoseconds and the number of digits written.
fn fraction(b: &[u8]) -> Result<(u32, u8), TimestampError> {
    let Some((&b'.', rest)) = b.split_first() else {
        return if b.is_empty() { Ok((0, 0)) } else { Err(TimestampError::Format) };
    };
    if rest.is_empty() || !rest.iter().all(u8::is_ascii_digit) {
        return Err(TimestampError::Format);
    }
    let mut nanos = 0u32;
    for i in 0..9 {
        let digit = rest.get(i).map_or(0, |c| u32::from(c - b'0'));
        nanos = nanos * 10 + digit;
    }
    let written = u8::try_from(rest.len()).unwrap_or(u8::MAX);
    Ok((nanos, written))
}

fn is_leap_year(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_cases() {
        let cases: &[(&str, Option<&str>)] = &[
            ("1970-01-01T00:00:00Z", Some("1970-01-01T00:00:00Z")),
            ("2024-02-29T12:00:00Z", Some("2024-02-29T12:00:00Z")),
            ("2000-02-29T00:00:00Z", Some("2000-02-29T00:00:00Z")),
            ("2024-01-15T12:30:45.123Z", Some("2024-01-15T12:30:45.123Z")),
            ("2010-05-21T13:21:43.123456789Z", Some("2010-05-21T13:21:43.123456789Z")),
            ("1965-07-19T22:41:38Z", Some("1965-07-19T22:41:38Z")),
            ("2016-12-31T23:59:60Z", Some("2016-12-31T23:59:60Z")),
            ("2023-02-29T12:00:00Z", None),
            ("1900-02-29T12:00:00Z", None),
            ("2024-04-31T12:00:00Z", None),
            ("2024-13-01T12:00:00Z", None),
            ("2024-00-01T12:00:00Z", None),
            ("2024-01-15T24:00:00Z", None),
            ("2024-01-15T12:30:61Z", None),
            ("2024-01-15T12:30:45", None),
            ("2024-01-15T12:30:45z", None),
            ("2024-01-15t12:30:45Z", None),
            ("2024/01/15T12:30:45Z", None),
            ("2024-01-15T12:30Z", None),
            ("2024-01-15T12:30:45.Z", None),
            ("2024-01-15T12:30:45+00:00", None),
            ("", None),
        ];
        for (input, expected) in cases {
            let got = Timestamp::parse(input).ok().map(|t| t.to_string());
            assert_eq!(got.as_deref(), *expected, "input {input:?}");
        }
    }

    #[test]
    fn ordering_and_epoch() {
        let a = Timestamp::parse("1970-01-01T00:00:01.5Z").unwrap();
        assert_eq!(a.epoch_nanos(), 1_500_000_000);
        let b = Timestamp::parse("1969-12-31T23:59:59Z").unwrap();
        assert_eq!(b.epoch_seconds(), -1);
        assert!(b < a);
    }
}

//! TAXII timestamps (§2 "timestamp"): RFC 3339 in UTC with a `Z`, written with exactly six
//! fraction digits (`2016-11-02T12:34:34.123456Z`), held as integer microseconds since the Unix
//! epoch — the unit the store keeps beside each object's `date_added`.
//!
//! Parsing is strict about the shape and the calendar (no 30 February, no leap second, no offset
//! other than `Z`, no lower-case `t`/`z`) but accepts any number of fraction digits, including none,
//! because clients echo `X-TAXII-Date-Added-Last` from other servers and STIX versions
//! (`match[version]`) carry milliseconds. Digits past the sixth are truncated, never rounded, so a
//! parsed instant is never later than the one written.

use std::fmt;
use std::str::FromStr;

/// Longest text accepted as a timestamp: 20 characters of date and time, a dot, the `Z`, and a
/// generous fraction. Bounds the work and the size of error messages.
pub const MAX_TIMESTAMP_BYTES: usize = 64;

const MICROS_PER_SECOND: i64 = 1_000_000;
const SECONDS_PER_DAY: i64 = 86_400;

/// `0000-01-01T00:00:00.000000Z`, the earliest instant a four-digit year can write.
pub const MIN_MICROS: i64 = days_from_civil(0, 1, 1) * SECONDS_PER_DAY * MICROS_PER_SECOND;
/// `9999-12-31T23:59:59.999999Z`, the latest instant a four-digit year can write.
pub const MAX_MICROS: i64 = (days_from_civil(9999, 12, 31) + 1) * SECONDS_PER_DAY * MICROS_PER_SECOND - 1;

/// Why a text is not a TAXII timestamp. Both become a 400 where a client sent the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    /// The text is not `YYYY-MM-DDTHH:MM:SS[.fraction]Z`; the caller should send that form.
    #[error("{text:?} is not a timestamp of the form YYYY-MM-DDTHH:MM:SS.ssssssZ")]
    Syntax {
        /// The offending text, cut to [`MAX_TIMESTAMP_BYTES`].
        text: String,
    },
    /// The shape is right but the date or time does not exist (month 13, 30 February, hour 24,
    /// second 60); the caller should send a real UTC instant.
    #[error("{text:?} names no real date and time")]
    Calendar {
        /// The offending text.
        text: String,
    },
}

/// An instant with microsecond precision, between [`MIN_MICROS`] and [`MAX_MICROS`].
///
/// Serializes as the TAXII timestamp string; deserializes with [`parse_timestamp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The instant `micros` microseconds after the Unix epoch, if a four-digit year can write it.
    pub const fn from_micros(micros: i64) -> Option<Self> {
        if micros >= MIN_MICROS && micros <= MAX_MICROS { Some(Self(micros)) } else { None }
    }

    /// Microseconds since the Unix epoch.
    pub const fn micros(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (days, micros_of_day) = (self.0.div_euclid(86_400_000_000), self.0.rem_euclid(86_400_000_000));
        let (year, month, day) = civil_from_days(days);
        let seconds_of_day = micros_of_day / MICROS_PER_SECOND;
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
            seconds_of_day / 3600,
            seconds_of_day / 60 % 60,
            seconds_of_day % 60,
            micros_of_day % MICROS_PER_SECOND
        )
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_timestamp(text).map(Self)
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The TAXII form of `micros` (always six fraction digits).
///
/// An instant outside [`MIN_MICROS`]..=[`MAX_MICROS`] is a bug in the caller (the store only holds
/// instants it took from a clock or parsed here): it is asserted in debug builds and clamped to
/// the nearest writable instant in release builds rather than panicking in a response path.
pub fn format_timestamp(micros: i64) -> String {
    debug_assert!((MIN_MICROS..=MAX_MICROS).contains(&micros), "timestamp {micros} µs out of range");
    Timestamp(micros.clamp(MIN_MICROS, MAX_MICROS)).to_string()
}

/// Microseconds since the Unix epoch of a TAXII (or STIX) timestamp.
pub fn parse_timestamp(text: &str) -> Result<i64, TimestampError> {
    let syntax = || TimestampError::Syntax { text: clip(text) };
    let b = text.as_bytes();
    if b.len() < 20 || b.len() > MAX_TIMESTAMP_BYTES || b[b.len() - 1] != b'Z' {
        return Err(syntax());
    }
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if separators.iter().any(|&(at, sep)| b[at] != sep) {
        return Err(syntax());
    }
    let field = |from: usize, to: usize| digits(&b[from..to]).ok_or_else(syntax);
    let (year, month, day) = (field(0, 4)?, field(5, 7)?, field(8, 10)?);
    let (hour, minute, second) = (field(11, 13)?, field(14, 16)?, field(17, 19)?);
    let fraction = fraction_micros(&b[19..b.len() - 1]).ok_or_else(syntax)?;

    let calendar_ok = (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour < 24
        && minute < 60
        && second < 60;
    if !calendar_ok {
        return Err(TimestampError::Calendar { text: clip(text) });
    }
    let seconds = days_from_civil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
    Ok(seconds * MICROS_PER_SECOND + fraction)
}

/// The decimal value of a run of ASCII digits (at most four here, so no overflow).
fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0')))
}

/// Microseconds of `""` or `".d+"`: the first six digits, padded with zeros; later digits are
/// checked to be digits and then dropped.
fn fraction_micros(b: &[u8]) -> Option<i64> {
    let Some(rest) = b.strip_prefix(b".") else {
        return b.is_empty().then_some(0);
    };
    if rest.is_empty() || !rest.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let kept = &rest[..rest.len().min(6)];
    let value = digits(kept)?;
    Some(value * 10i64.pow(6 - kept.len() as u32))
}

fn clip(text: &str) -> String {
    let mut end = text.len().min(MAX_TIMESTAMP_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

const fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

const fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the given proleptic Gregorian date. The calendar repeats every 400
/// years (146,097 days); counting years from March puts the leap day last in its year, so the day
/// of the year follows from the month by one linear formula.
const fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`].
const fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    let year = year_of_era + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every day of four centuries (two leap-century rules included) survives the round trip.
    #[test]
    fn civil_conversion_is_a_bijection_over_four_centuries() {
        let first = days_from_civil(1899, 1, 1);
        let last = days_from_civil(2301, 1, 1);
        for day in first..last {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day, "{y}-{m}-{d}");
            assert!((1..=days_in_month(y, m)).contains(&d));
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn bounds_format_as_four_digit_years() {
        assert_eq!(format_timestamp(MIN_MICROS), "0000-01-01T00:00:00.000000Z");
        assert_eq!(format_timestamp(MAX_MICROS), "9999-12-31T23:59:59.999999Z");
        assert_eq!(Timestamp::from_micros(MAX_MICROS + 1), None);
        assert_eq!(Timestamp::from_micros(MIN_MICROS - 1), None);
    }
}

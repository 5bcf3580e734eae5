//! `ISSUBSET` / `ISSUPERSET`: IP address and CIDR containment.
//!
//! IPv4 follows the OASIS matcher: an address or `address/n` with `1 <= n <= 32`; anything else
//! is an error, not a non-match. The matcher reads addresses with the C library's `inet_aton`,
//! so the shorthand and radix forms it accepts (`10.1` = 10.0.0.1, `010.0.0.1` = 8.0.0.1,
//! `0x0a.0.0.1`, text after a trailing space ignored) are accepted here too ([`inet_aton`]).
//! The prefix length is any run of ASCII digits (`/0032` is `/32`). IPv6 (which the OASIS matcher rejects) is supported as an
//! extension, with `0 <= n <= 128`; an IPv4 and an IPv6 value never contain each other.

use super::MatchError;
use std::net::IpAddr;

/// A network: address bits and prefix length (the full width for a plain address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Network {
    /// The address, in the low `width` bits.
    pub(crate) bits: u128,
    /// The prefix length (`width` for a plain address).
    pub(crate) prefix: u32,
    /// 32 for IPv4, 128 for IPv6.
    pub(crate) width: u32,
}

impl Network {
    /// The address with the bits after the first `prefix` cleared.
    pub(crate) fn masked(&self, prefix: u32) -> u128 {
        let host_bits = self.width - prefix.min(self.width);
        if host_bits >= 128 { 0 } else { self.bits >> host_bits << host_bits }
    }
}

fn invalid(text: &str) -> MatchError {
    MatchError::InvalidAddress { value: text.to_owned() }
}

fn parse_address(text: &str) -> Result<(u128, u32), MatchError> {
    if !text.contains(':') {
        return inet_aton(text).map(|v4| (u128::from(v4), 32)).ok_or_else(|| invalid(text));
    }
    match text.parse::<IpAddr>().map_err(|_| invalid(text))? {
        IpAddr::V4(v4) => Ok((u128::from(u32::from(v4)), 32)),
        IpAddr::V6(v6) => Ok((u128::from(v6), 128)),
    }
}

/// An IPv4 address as glibc's `inet_aton` reads it: one to four parts separated by `.`, each
/// decimal, octal (leading `0`) or hex (`0x`); the last part fills the remaining bytes; the
/// text may end with an ASCII space character followed by anything.
pub(crate) fn inet_aton(text: &str) -> Option<u32> {
    let bytes = text.as_bytes();
    let mut parts: Vec<u64> = Vec::with_capacity(4);
    let mut i = 0;
    loop {
        let (value, next) = aton_part(bytes, i)?;
        parts.push(value);
        i = next;
        if bytes.get(i) == Some(&b'.') && parts.len() < 4 {
            i += 1;
        } else {
            break;
        }
    }
    // C's isspace in the C locale: space, \t, \n, \v, \f, \r.
    if let Some(&c) = bytes.get(i)
        && !matches!(c, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r')
    {
        return None;
    }
    let (last, leading) = parts.split_last()?;
    if leading.iter().any(|&p| p > 0xFF) || *last > u64::from(u32::MAX) >> (8 * leading.len()) {
        return None;
    }
    let high = leading.iter().enumerate().fold(0u64, |acc, (n, &p)| acc | p << (24 - 8 * n));
    u32::try_from(high | last).ok()
}

/// One `inet_aton` part starting at `i`: its value (saturated far above any valid part) and
/// where it ends. It must start with a digit and have at least one digit after a `0x`.
fn aton_part(bytes: &[u8], mut i: usize) -> Option<(u64, usize)> {
    if !bytes.get(i)?.is_ascii_digit() {
        return None;
    }
    let mut radix = 10;
    let mut digits = 0;
    if bytes[i] == b'0' {
        i += 1;
        if matches!(bytes.get(i), Some(b'x' | b'X')) {
            radix = 16;
            i += 1;
        } else {
            radix = 8;
            digits = 1;
        }
    }
    let mut value: u64 = 0;
    while let Some(&c) = bytes.get(i) {
        let digit = match (c as char).to_digit(radix) {
            Some(d) => d,
            // glibc rejects 8 and 9 in an octal part rather than ending the part there.
            None if radix == 8 && c.is_ascii_digit() => return None,
            None => break,
        };
        value = value.saturating_mul(u64::from(radix)).saturating_add(u64::from(digit)).min(1 << 40);
        digits += 1;
        i += 1;
    }
    (digits > 0).then_some((value, i))
}

/// `require_prefix`: the container side must be written as CIDR.
pub(crate) fn parse_network(text: &str, require_prefix: bool) -> Result<Network, MatchError> {
    let Some((address, prefix)) = text.split_once('/') else {
        if require_prefix {
            return Err(invalid(text));
        }
        let (bits, width) = parse_address(text)?;
        return Ok(Network { bits, prefix: width, width });
    };
    let (bits, width) = parse_address(address)?;
    if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(text));
    }
    // All digits, so a parse failure is only an overflow: far out of range either way.
    let prefix: u32 = prefix.parse().unwrap_or(u32::MAX);
    let minimum = if width == 32 { 1 } else { 0 };
    if prefix < minimum || prefix > width {
        return Err(invalid(text));
    }
    Ok(Network { bits, prefix, width })
}

/// Whether `inner` (an address or CIDR) lies within `outer` (a CIDR).
pub(crate) fn contained_in(inner: &str, outer: &str) -> Result<bool, MatchError> {
    let inner = parse_network(inner, false)?;
    let outer = parse_network(outer, true)?;
    if inner.width != outer.width || outer.prefix > inner.prefix {
        return Ok(false);
    }
    let host_bits = outer.width - outer.prefix;
    let mask = if host_bits >= outer.width {
        0
    } else {
        (u128::MAX >> (128 - outer.width)) & !((1u128 << host_bits) - 1)
    };
    Ok(inner.bits & mask == outer.bits & mask)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inet_aton_as_glibc() {
        // Verdicts of Python's socket.inet_aton (glibc) on each input.
        let cases: &[(&str, Option<u32>)] = &[
            ("10.00.0", Some(0x0a00_0000)),
            ("10", Some(10)),
            ("10.1", Some(0x0a00_0001)),
            ("0x0a.0.0.1", Some(0x0a00_0001)),
            ("0X1.0.0.1", Some(0x0100_0001)),
            ("010.0.0.1", Some(0x0800_0001)),
            ("08.0.0.1", None),
            ("099", None),
            ("1.2.3.4 junk", Some(0x0102_0304)),
            ("1.2.3.4\tx", Some(0x0102_0304)),
            ("1.2.3.4\r", Some(0x0102_0304)),
            ("1.2.3.4\u{a0}", None),
            ("1.2.3.4junk", None),
            (" 1.2.3.4", None),
            ("1.2.3.256", None),
            ("1.2.65535", Some(0x0102_ffff)),
            ("1.2.65536", None),
            ("1.2.0x10000", None),
            ("4294967295", Some(u32::MAX)),
            ("4294967296", None),
            ("0xffffffff", Some(u32::MAX)),
            ("0x100000000", None),
            ("0xff.0xffffff", Some(u32::MAX)),
            ("1.0xff.1", Some(0x01ff_0001)),
            ("0.0.0.0x1", Some(1)),
            ("00", Some(0)),
            ("0.0.0.00000000000000000000000000000377", Some(0xff)),
            ("00000000000000000000012.1.1.1", Some(0x0a01_0101)),
            ("0x", None),
            ("0x.1", None),
            ("0xG", None),
            ("1.0x", None),
            ("0x0x1", None),
            ("1..2", None),
            ("1.2.3.4.5", None),
            ("1.2.3.", None),
            ("", None),
            ("+1.2.3.4", None),
            ("1.2.3.-4", None),
            ("\u{ff11}.2.3.4", None),
        ];
        for (text, expected) in cases {
            assert_eq!(inet_aton(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn containment_cases() {
        let cases: &[(&str, &str, Option<bool>)] = &[
            ("11.22.33.44", "11.22.41.123/20", Some(true)),
            ("11.22.33.44", "11.22.123.41/20", Some(false)),
            ("11.22.41.123", "11.22.33.44/20", Some(true)),
            ("11.22.41.123/29", "11.22.33.44/20", Some(true)),
            ("11.22.33.44/13", "11.22.33.44/20", Some(false)),
            ("10.0.0.1", "10.0.0.1/32", Some(true)),
            ("10.0.0.1", "10.0.0.0/0", None),
            ("10.0.0.1", "10.0.0.1", None),
            ("not-an-ip", "10.0.0.0/8", None),
            ("10.0.0.1", "10.0.0.0/33", None),
            ("2001:db8::1", "2001:0db8:dead:beef::/32", Some(true)),
            ("2001:db9::1", "2001:db8::/32", Some(false)),
            ("::1", "::/0", Some(true)),
            ("10.0.0.1", "2001:db8::/32", Some(false)),
            // Regression: the OASIS matcher reads addresses with inet_aton, so shorthand forms
            // are addresses, not errors (found by the differential test, seed 1).
            ("10.1", "10.00.0/8", Some(true)),
            ("10.0.0.1", "10.0.0.1/0032", Some(true)),
        ];
        for (inner, outer, expected) in cases {
            assert_eq!(contained_in(inner, outer).ok(), *expected, "{inner} in {outer}");
        }
    }
}

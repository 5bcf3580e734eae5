//! `ISSUBSET` / `ISSUPERSET`: IP address and CIDR containment.
//!
//! IPv4 follows the OASIS matcher: an address or `a.b.c.d/n` with `1 <= n <= 32`; anything else
//! is an error, not a non-match. IPv6 (which the OASIS matcher rejects) is supported as an
//! extension, with `0 <= n <= 128`; an IPv4 and an IPv6 value never contain each other.

use super::MatchError;
use std::net::IpAddr;

/// A network: address bits and prefix length (the full width for a plain address).
#[derive(Debug, Clone, Copy)]
struct Network {
    bits: u128,
    prefix: u32,
    width: u32,
}

fn invalid(text: &str) -> MatchError {
    MatchError::InvalidAddress { value: text.to_owned() }
}

fn parse_address(text: &str) -> Result<(u128, u32), MatchError> {
    match text.parse::<IpAddr>().map_err(|_| invalid(text))? {
        IpAddr::V4(v4) => Ok((u128::from(u32::from(v4)), 32)),
        IpAddr::V6(v6) => Ok((u128::from(v6), 128)),
    }
}

/// `require_prefix`: the container side must be written as CIDR.
fn parse_network(text: &str, require_prefix: bool) -> Result<Network, MatchError> {
    let Some((address, prefix)) = text.split_once('/') else {
        if require_prefix {
            return Err(invalid(text));
        }
        let (bits, width) = parse_address(text)?;
        return Ok(Network { bits, prefix: width, width });
    };
    let (bits, width) = parse_address(address)?;
    if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) || prefix.len() > 3 {
        return Err(invalid(text));
    }
    let prefix: u32 = prefix.parse().map_err(|_| invalid(text))?;
    let minimum = if width == 32 { 1 } else { 0 };
    if prefix < minimum || prefix > width {
        return Err(invalid(text));
    }
    Ok(Network { bits, prefix, width })
}

/// Whether `inner` (an address or CIDR) lies within `outer` (a CIDR).
pub(super) fn contained_in(inner: &str, outer: &str) -> Result<bool, MatchError> {
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
        ];
        for (inner, outer, expected) in cases {
            assert_eq!(contained_in(inner, outer).ok(), *expected, "{inner} in {outer}");
        }
    }
}

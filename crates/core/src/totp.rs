//! Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): the optional second factor a
//! user enrols for the web login. HMAC-SHA-1, 30-second steps, 6 digits: what every authenticator
//! app takes from an `otpauth://` URI. Secrets are 20 random bytes, shown and stored in base32
//! (RFC 4648, no padding). Pure: the clock is an argument.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// Seconds per step.
pub const STEP_SECS: u64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Steps either side of now that a code may come from (clock drift and typing time).
pub const ALLOWED_DRIFT_STEPS: u64 = 1;
/// Bytes of a new secret (160 bits, RFC 4226's recommendation).
pub const SECRET_BYTES: usize = 20;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A fresh random secret, in base32.
pub fn new_secret() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes)?;
    Ok(base32_encode(&bytes))
}

/// The `otpauth://` URI an authenticator app enrols from.
pub fn enrolment_uri(issuer: &str, account: &str, secret: &str) -> String {
    let label: String = form_encode(&format!("{issuer}:{account}"));
    format!(
        "otpauth://totp/{label}?secret={secret}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
        form_encode(issuer)
    )
}

/// The step of a code that `code` matches at `unix_secs`, within the allowed drift; `None` when
/// it matches none or the secret is not base32. Callers refuse a step at or before the last one
/// accepted, so a code is good once.
pub fn matching_step(secret: &str, code: &str, unix_secs: u64) -> Option<u64> {
    let key = base32_decode(secret)?;
    let code = code.trim();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = unix_secs / STEP_SECS;
    let first = now.saturating_sub(ALLOWED_DRIFT_STEPS);
    (first..=now + ALLOWED_DRIFT_STEPS).find(|&step| {
        let expected = format!("{:0width$}", hotp(&key, step, DIGITS), width = DIGITS as usize);
        crate::auth::hashes_equal(expected.as_bytes(), code.as_bytes())
    })
}

/// The code for `unix_secs` (what an authenticator app shows then).
pub fn code_at(secret: &str, unix_secs: u64) -> Option<String> {
    let key = base32_decode(secret)?;
    Some(format!("{:0width$}", hotp(&key, unix_secs / STEP_SECS, DIGITS), width = DIGITS as usize))
}

/// RFC 4226 §5.3: HMAC-SHA-1 of the big-endian counter, dynamically truncated.
fn hotp(key: &[u8], counter: u64, digits: u32) -> u32 {
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let binary = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    binary % 10u32.pow(digits)
}

fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Base32 as apps and people write it: case-insensitive, spaces and padding ignored.
fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter(|c| !matches!(c, b' ' | b'=' | b'-')) {
        let value = BASE32.iter().position(|&a| a == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    (!out.is_empty()).then_some(out)
}

fn form_encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>().replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 rows (secret "12345678901234567890"), last 6 of the 8 digits.
    #[test]
    fn rfc_6238_test_vectors() {
        let secret = base32_encode(b"12345678901234567890");
        assert_eq!(secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        for (time, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(code_at(&secret, time).as_deref(), Some(&eight[2..]), "at {time}");
            assert_eq!(matching_step(&secret, &eight[2..], time), Some(time / STEP_SECS));
        }
    }

    #[test]
    fn drift_of_one_step_either_side_and_no_more() {
        let secret = new_secret().expect("random");
        let now = 1_700_000_000;
        let code = code_at(&secret, now).expect("code");
        assert_eq!(matching_step(&secret, &code, now + STEP_SECS), Some(now / STEP_SECS));
        assert_eq!(matching_step(&secret, &code, now - STEP_SECS), Some(now / STEP_SECS));
        assert_eq!(matching_step(&secret, &code, now + 3 * STEP_SECS), None);
        for bad in ["", "12345", "1234567", "abcdef", "12 456"] {
            assert_eq!(matching_step(&secret, bad, now), None, "{bad:?}");
        }
        assert_eq!(matching_step("not base32!", &code, now), None);
    }

    #[test]
    fn base32_round_trips_and_reads_lower_case_with_spaces() {
        for len in 0..=SECRET_BYTES {
            let bytes: Vec<u8> = (0..len as u8).map(|b| b.wrapping_mul(37)).collect();
            let text = base32_encode(&bytes);
            if len > 0 {
                assert_eq!(base32_decode(&text), Some(bytes.clone()));
                assert_eq!(base32_decode(&text.to_lowercase()), Some(bytes));
            }
        }
        assert_eq!(base32_decode("jbsw y3dp"), base32_decode("JBSWY3DP"));
        assert_eq!(new_secret().expect("random").len(), 32);
    }

    #[test]
    fn the_enrolment_uri_names_issuer_account_and_parameters() {
        let uri = enrolment_uri("Selat SG", "sg analyst", "JBSWY3DP");
        assert_eq!(
            uri,
            "otpauth://totp/Selat%20SG%3Asg%20analyst?secret=JBSWY3DP&issuer=Selat%20SG&algorithm=SHA1&digits=6&period=30"
        );
    }
}

//! Credentials: Argon2id password hashes and API tokens.
//!
//! A token is `selat_<id>_<secret>`: `id` (16 hex digits) finds the row, the 32-byte random secret
//! is stored only as its SHA-256 and compared in constant time, so neither a database read nor a
//! timing difference gives a usable token away. Tokens are shown once, at issue.

use base64::Engine as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Bytes of randomness in a token secret.
pub const TOKEN_SECRET_BYTES: usize = 32;
/// Longest password accepted (Argon2 cost grows with it; this bounds a hostile request).
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Shortest password accepted when setting one.
pub const MIN_PASSWORD_CHARS: usize = 12;
const TOKEN_PREFIX: &str = "selat_";

/// Why a credential operation failed.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// The password is shorter than [`MIN_PASSWORD_CHARS`] or longer than [`MAX_PASSWORD_BYTES`].
    #[error(
        "a password must have at least {MIN_PASSWORD_CHARS} characters and at most {MAX_PASSWORD_BYTES} bytes"
    )]
    PasswordLength,
    /// The operating system's random source failed.
    #[error("no randomness available: {0}")]
    Random(String),
    /// The hasher failed (a bug or an impossible parameter set).
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// Hashes a password with Argon2id and a random salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, CredentialError> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    if password.chars().count() < MIN_PASSWORD_CHARS || password.len() > MAX_PASSWORD_BYTES {
        return Err(CredentialError::PasswordLength);
    }
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| CredentialError::Random(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| CredentialError::Hash(e.to_string()))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CredentialError::Hash(e.to_string()))
}

/// Whether `password` matches the PHC hash (false for a malformed hash or an oversized password).
pub fn verify_password(phc: &str, password: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    PasswordHash::new(phc)
        .is_ok_and(|hash| argon2::Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

/// A freshly issued token: the text to show once, and what to store.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub id: String,
    pub text: String,
    pub secret_sha256: [u8; 32],
}

/// Issues a random token.
pub fn issue_token() -> Result<IssuedToken, CredentialError> {
    let mut id = [0u8; 8];
    let mut secret = [0u8; TOKEN_SECRET_BYTES];
    getrandom::fill(&mut id).map_err(|e| CredentialError::Random(e.to_string()))?;
    getrandom::fill(&mut secret).map_err(|e| CredentialError::Random(e.to_string()))?;
    let id: String = id.iter().map(|b| format!("{b:02x}")).collect();
    let secret_text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
    Ok(IssuedToken {
        text: format!("{TOKEN_PREFIX}{id}_{secret_text}"),
        secret_sha256: Sha256::digest(secret_text.as_bytes()).into(),
        id,
    })
}

/// Splits a presented token into its id and the SHA-256 of its secret; `None` if malformed.
pub fn parse_token(text: &str) -> Option<(&str, [u8; 32])> {
    let rest = text.strip_prefix(TOKEN_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let well_formed = id.len() == 16
        && id.bytes().all(|b| b.is_ascii_hexdigit())
        && secret.len() == 43
        && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    well_formed.then(|| (id, Sha256::digest(secret.as_bytes()).into()))
}

/// Constant-time equality of two secret hashes.
pub fn hashes_equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// A random password for generated accounts (demo users): 24 URL-safe characters.
pub fn random_password() -> Result<String, CredentialError> {
    let mut bytes = [0u8; 18];
    getrandom::fill(&mut bytes).map_err(|e| CredentialError::Random(e.to_string()))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let phc = hash_password("correct horse battery").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password(&phc, "correct horse battery"));
        assert!(!verify_password(&phc, "correct horse battery!"));
        assert!(!verify_password("not a hash", "x"));
        assert!(matches!(hash_password("short"), Err(CredentialError::PasswordLength)));
    }

    #[test]
    fn tokens_round_trip_and_reject_tampering() {
        let token = issue_token().unwrap();
        let (id, hash) = parse_token(&token.text).unwrap();
        assert_eq!(id, token.id);
        assert!(hashes_equal(&hash, &token.secret_sha256));
        let mut tampered = token.text.clone();
        let last = tampered.pop().unwrap();
        tampered.push(if last == 'A' { 'B' } else { 'A' });
        let (_, other) = parse_token(&tampered).unwrap();
        assert!(!hashes_equal(&other, &token.secret_sha256));
        for bad in ["", "selat_", "selat_zz_x", "bearer abc", &token.text[..20]] {
            assert!(parse_token(bad).is_none(), "{bad}");
        }
    }
}

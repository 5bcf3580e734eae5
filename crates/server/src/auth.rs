//! Who is calling: `Authorization: Bearer <token>` or HTTP Basic (RFC 7617), checked through
//! `selat_core::accounts`. No header means an anonymous caller. Every failure is the same 401, so
//! a client learns nothing about which users or tokens exist; the reason is logged at debug.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use selat_core::accounts::AuthError;
use selat_core::audit::AuditEntry;
use selat_core::node::Node;
use selat_core::org::{Principal, Role};
use selat_taxii::ErrorCode;

use crate::errors::ApiError;
use crate::state::AppState;

/// Longest `Authorization` header examined; a longer one is refused unread.
pub const MAX_AUTHORIZATION_BYTES: usize = 4096;

/// The authenticated caller, or `None` for an anonymous one.
#[derive(Debug, Clone)]
pub struct Caller(pub Option<Principal>);

impl Caller {
    pub fn principal(&self) -> Option<&Principal> {
        self.0.as_ref()
    }

    /// The principal, or the 401 an anonymous caller gets where credentials are needed.
    pub fn require(&self) -> Result<&Principal, ApiError> {
        self.principal().ok_or_else(|| ApiError::new(ErrorCode::Unauthorized))
    }

    pub fn is_hub_admin(&self) -> bool {
        self.principal().is_some_and(|p| p.at_least(Role::HubAdmin))
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let Some(value) = parts.headers.get(AUTHORIZATION) else {
            return Ok(Caller(None));
        };
        let principal = match authenticate(state.node(), value.as_bytes()).await {
            Ok(principal) => principal,
            Err(reason) => {
                tracing::debug!(reason = %reason, "authentication failed");
                return Err(reason.into());
            }
        };
        tracing::Span::current().record("principal", principal.label());
        let caller = Caller(Some(principal));
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

/// Credentials as sent.
enum Credentials {
    Bearer(String),
    Basic { username: String, password: String },
}

async fn authenticate(node: &Node, header: &[u8]) -> Result<Principal, AuthError> {
    let Some(credentials) = parse(header) else {
        // `accounts` audits the failures it sees; a header that never reaches it is audited here.
        let entry = AuditEntry::auth_failure("Authorization header", "malformed or unsupported scheme", None);
        node.audit().record(entry).await;
        return Err(AuthError::Invalid);
    };
    match credentials {
        Credentials::Bearer(token) => node.authenticate_token(&token).await,
        Credentials::Basic { username, password } => node.authenticate_password(&username, &password).await,
    }
}

/// The credentials of an `Authorization` value, or `None` when it is malformed or of a scheme
/// this server does not take. Scheme names are case-insensitive (RFC 7235 §2.1).
fn parse(header: &[u8]) -> Option<Credentials> {
    if header.len() > MAX_AUTHORIZATION_BYTES {
        return None;
    }
    let text = std::str::from_utf8(header).ok()?.trim();
    let (scheme, rest) = text.split_once(' ')?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(Credentials::Bearer(rest.to_owned()));
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(rest).ok()?).ok()?;
    let (username, password) = decoded.split_once(':')?;
    Some(Credentials::Basic { username: username.to_owned(), password: password.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_schemes_and_refuses_the_rest() {
        assert!(matches!(parse(b"Bearer abc"), Some(Credentials::Bearer(t)) if t == "abc"));
        assert!(matches!(parse(b"bearer  abc "), Some(Credentials::Bearer(t)) if t == "abc"));
        let basic = format!("Basic {}", STANDARD.encode("alice:pa:ss"));
        assert!(matches!(
            parse(basic.as_bytes()),
            Some(Credentials::Basic { username, password }) if username == "alice" && password == "pa:ss"
        ));
        for bad in [&b"Digest x"[..], b"Basic !!!", b"Bearer", b"", &[0xff, 0x20, 0x41]] {
            assert!(parse(bad).is_none(), "{bad:?}");
        }
        assert!(parse(&vec![b'a'; MAX_AUTHORIZATION_BYTES + 1]).is_none());
    }
}

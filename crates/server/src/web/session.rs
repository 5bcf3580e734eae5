//! Web sessions: a random id in an HttpOnly, SameSite=Lax cookie (Secure over TLS), the session
//! itself in the server's memory. Every visitor of a page with a form gets one, signed in or
//! not, so that every form carries the session's CSRF token and every POST is checked against it.
//! A restart signs everyone out; the number of sessions and their lifetimes are bounded.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// The session cookie's name.
pub const COOKIE_NAME: &str = "selat_session";
/// Sessions held at once; past it the oldest anonymous ones go first, then the oldest.
pub const MAX_WEB_SESSIONS: usize = 10_000;
/// A signed-in session unused this long ends.
pub const SESSION_IDLE: Duration = Duration::from_secs(2 * 60 * 60);
/// A signed-in session ends this long after sign-in, however active.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);
/// An anonymous session (a login or acknowledgement form) ends this long after it began.
pub const ANONYMOUS_LIFETIME: Duration = Duration::from_secs(60 * 60);
/// A password accepted and waiting for its TOTP code is forgotten after this long.
pub const SECOND_FACTOR_WINDOW: Duration = Duration::from_secs(5 * 60);

/// What the server holds of one session.
#[derive(Debug, Clone)]
pub struct Session {
    /// The signed-in user, if any.
    pub username: Option<String>,
    /// A user whose password was accepted and whose TOTP code is awaited, and since when.
    pub awaiting_code: Option<(String, Instant)>,
    /// The token every form of this session carries.
    pub csrf: String,
    began: Instant,
    last_seen: Instant,
}

impl Session {
    fn new() -> Self {
        let now = Instant::now();
        Session { username: None, awaiting_code: None, csrf: random_text(), began: now, last_seen: now }
    }

    fn expired(&self, now: Instant) -> bool {
        match self.username {
            Some(_) => {
                now.duration_since(self.last_seen) > SESSION_IDLE
                    || now.duration_since(self.began) > SESSION_LIFETIME
            }
            None => now.duration_since(self.began) > ANONYMOUS_LIFETIME,
        }
    }

    /// Whether `token` is this session's CSRF token (compared in constant time).
    pub fn csrf_matches(&self, token: Option<&str>) -> bool {
        token.is_some_and(|t| selat_core::auth::hashes_equal(t.as_bytes(), self.csrf.as_bytes()))
    }
}

/// Every live session, keyed by the SHA-256 of its cookie value (the value itself is not kept).
#[derive(Debug, Default)]
pub struct Sessions {
    inner: Mutex<HashMap<[u8; 32], Session>>,
}

impl Sessions {
    /// The session of this request's cookie, if live; its last use is now.
    pub fn get(&self, headers: &HeaderMap) -> Option<(String, Session)> {
        let id = cookie(headers)?;
        let now = Instant::now();
        let mut map = self.lock();
        let key = digest(&id);
        let session = map.get_mut(&key)?;
        if session.expired(now) {
            map.remove(&key);
            return None;
        }
        session.last_seen = now;
        Some((id, session.clone()))
    }

    /// A new anonymous session: its cookie value and the session.
    pub fn begin(&self) -> (String, Session) {
        let id = random_text();
        let session = Session::new();
        let mut map = self.lock();
        make_room(&mut map);
        map.insert(digest(&id), session.clone());
        (id, session)
    }

    /// Replaces session `id` by a new one (new id, new CSRF token) with `update` applied: done at
    /// every change of who is signed in, so a session id seen before sign-in is worth nothing after.
    pub fn rotate(&self, id: &str, update: impl FnOnce(&mut Session)) -> (String, Session) {
        let mut map = self.lock();
        map.remove(&digest(id));
        let mut session = Session::new();
        update(&mut session);
        let new_id = random_text();
        make_room(&mut map);
        map.insert(digest(&new_id), session.clone());
        (new_id, session)
    }

    /// Ends session `id`.
    pub fn end(&self, id: &str) {
        self.lock().remove(&digest(id));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Session>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Below [`MAX_WEB_SESSIONS`]: expired sessions dropped, then the oldest anonymous, then the oldest.
fn make_room(map: &mut HashMap<[u8; 32], Session>) {
    if map.len() < MAX_WEB_SESSIONS {
        return;
    }
    let now = Instant::now();
    map.retain(|_, s| !s.expired(now));
    while map.len() >= MAX_WEB_SESSIONS {
        let oldest = map
            .iter()
            .min_by_key(|(_, s)| (s.username.is_some(), s.last_seen))
            .map(|(key, _)| *key)
            .expect("the map is full, so not empty");
        map.remove(&oldest);
    }
}

/// The `Set-Cookie` value for session `id`.
pub fn set_cookie(id: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE_NAME}={id}; Path=/; HttpOnly; SameSite=Lax{secure}")
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

/// The session cookie's value in a request, if any.
fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE_NAME && value.len() == 43)
        .map(|(_, value)| value.to_owned())
}

fn digest(id: &str) -> [u8; 32] {
    Sha256::digest(id.as_bytes()).into()
}

/// 32 random bytes, base64url (43 characters).
fn random_text() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(cookie: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_str(cookie).expect("header"));
        headers
    }

    #[test]
    fn a_session_is_found_by_its_cookie_and_rotated_away() {
        let sessions = Sessions::default();
        let (id, session) = sessions.begin();
        let found = sessions.get(&headers(&format!("theme=dark; {COOKIE_NAME}={id}"))).expect("found");
        assert_eq!(found.1.csrf, session.csrf);
        assert!(found.1.csrf_matches(Some(&session.csrf)));
        assert!(!found.1.csrf_matches(Some("forged")));
        assert!(!found.1.csrf_matches(None));

        let (new_id, signed_in) = sessions.rotate(&id, |s| s.username = Some("alice".into()));
        assert_ne!(new_id, id);
        assert_ne!(signed_in.csrf, session.csrf, "a new CSRF token after sign-in");
        assert!(sessions.get(&headers(&format!("{COOKIE_NAME}={id}"))).is_none(), "the old id is dead");
        let again = sessions.get(&headers(&format!("{COOKIE_NAME}={new_id}"))).expect("new id");
        assert_eq!(again.1.username.as_deref(), Some("alice"));

        sessions.end(&new_id);
        assert!(sessions.get(&headers(&format!("{COOKIE_NAME}={new_id}"))).is_none());
        assert!(sessions.get(&headers(&format!("{COOKIE_NAME}=short"))).is_none());
    }

    #[test]
    fn the_number_of_sessions_is_bounded_and_signed_in_ones_go_last() {
        let sessions = Sessions::default();
        let (id, _) = sessions.begin();
        let (kept, _) = sessions.rotate(&id, |s| s.username = Some("alice".into()));
        for _ in 0..MAX_WEB_SESSIONS + 5 {
            sessions.begin();
        }
        assert!(sessions.len() <= MAX_WEB_SESSIONS);
        assert!(
            sessions.get(&headers(&format!("{COOKIE_NAME}={kept}"))).is_some(),
            "the signed-in one stays"
        );
    }

    #[test]
    fn cookies_are_http_only_same_site_and_secure_over_tls() {
        assert_eq!(set_cookie("abc", false), "selat_session=abc; Path=/; HttpOnly; SameSite=Lax");
        assert!(set_cookie("abc", true).ends_with("; Secure"));
        assert!(clear_cookie(false).contains("Max-Age=0"));
    }
}

//! The web UI at `/`: server-rendered HTML (askama templates in `crates/server/templates`), the
//! stylesheet and a vendored htmx served from the binary, charts as inline SVG (`crate::charts`).
//! No inline script and no external resource: every response carries a Content-Security-Policy
//! that forbids both. Every form carries its session's CSRF token and every POST checks it
//! ([`Form`]). Every figure and object shown is read through the viewer's audience, the one policy
//! function every other read path uses.

mod admin;
mod advisories;
mod dashboard;
mod directory;
mod graph;
mod incidents;
mod intel;
mod login;
mod policy;
pub(crate) mod session;

use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::{Next, from_fn};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use selat_core::org::Principal;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::state::AppState;
use session::Session;

/// The Content-Security-Policy of every web response: scripts and styles only from this
/// origin's files (no inline script), images from this origin or inline data, forms only to
/// this origin, never framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Largest body of a web form.
pub const MAX_FORM_BYTES: usize = 256 * 1024;

const STYLESHEET: &str = include_str!("../../static/selat.css");
const HTMX: &str = include_str!("../../static/htmx-2.0.11.min.js");

const CSS: &str = "/static/selat.css";
const HTMX_JS: &str = "/static/htmx-2.0.11.min.js";

/// Every page (GET) of the web UI, as route templates.
pub(crate) const PAGES: &[&str] = &[
    dashboard::DASHBOARD,
    admin::ADMIN,
    CSS,
    HTMX_JS,
    login::LOGIN,
    login::LOGIN_CODE,
    login::ACCOUNT,
    intel::SEARCH,
    intel::OBJECT,
    intel::NEW_INDICATOR,
    intel::NEW_REPORT,
    incidents::INCIDENTS,
    incidents::NEW_INCIDENT,
    incidents::INCIDENT,
    directory::DIRECTORY,
    directory::CONTACT_CHECKS,
    directory::ACK,
    advisories::ADVISORIES,
    advisories::PUBLIC,
    advisories::PUBLIC_ONE,
    policy::CAPACITY,
    policy::NORMS_PAGE,
    policy::MEETINGS,
];

/// Every form target (POST) of the web UI: each checks the session's CSRF token ([`Form`]).
pub(crate) const FORMS: &[&str] = &[
    admin::ORGANISATIONS,
    admin::USERS,
    admin::TOKENS,
    admin::TOKEN_REVOKE,
    admin::GROUPS,
    admin::GROUP_MEMBERS,
    admin::PEER_SYNC,
    login::LOGIN,
    login::LOGIN_CODE,
    login::LOGOUT,
    login::ACCOUNT_TOTP,
    login::ACCOUNT_TOTP_REMOVE,
    intel::INDICATORS,
    intel::REPORTS,
    incidents::INCIDENTS,
    incidents::TRANSITION,
    incidents::TASKS,
    incidents::TASK,
    incidents::NOTES,
    incidents::LINKS,
    incidents::ASSISTANCE,
    incidents::ANSWER,
    directory::CONTACT_CHECKS,
    directory::ACK,
    advisories::ADVISORIES,
    policy::NEEDS,
    policy::PROGRAMMES,
    policy::OFFERS,
    policy::ASSESSMENTS,
    policy::DECISION_STATUS,
];

/// The web routes, with the security [`headers`] on every response.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(CSS, get(|| async { asset("text/css; charset=utf-8", STYLESHEET) }))
        .route(HTMX_JS, get(|| async { asset("text/javascript; charset=utf-8", HTMX) }))
        .merge(login::routes())
        .merge(dashboard::routes())
        .merge(admin::routes())
        .merge(intel::routes())
        .merge(incidents::routes())
        .merge(directory::routes())
        .merge(advisories::routes())
        .merge(policy::routes())
        .layer(from_fn(headers))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}

/// The security headers of every web response; pages are never cached (they show what one
/// viewer may see).
async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |name: &'static str, value: &'static str| {
        (HeaderName::from_static(name), HeaderValue::from_static(value))
    };
    for (name, value) in [
        set("content-security-policy", CONTENT_SECURITY_POLICY),
        set("x-content-type-options", "nosniff"),
        set("x-frame-options", "DENY"),
        // Contact-check links carry a token in their path: never sent on to another site.
        set("referrer-policy", "no-referrer"),
    ] {
        headers.insert(name, value);
    }
    headers.entry(CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    response
}

/// A request's session, begun when it had none (the response then sets the cookie:
/// [`Visit::respond`]).
#[derive(Debug, Clone)]
pub(crate) struct Visit {
    pub id: String,
    pub session: Session,
    /// The cookie must be (re)set: a new or rotated session.
    pub set_cookie: bool,
    pub secure: bool,
}

impl FromRequestParts<AppState> for Visit {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        if let Some(visit) = parts.extensions.get::<Visit>() {
            return Ok(visit.clone());
        }
        let sessions = state.sessions();
        let secure = state.serves_tls();
        let visit = match sessions.get(&parts.headers) {
            Some((id, session)) => Visit { id, session, set_cookie: false, secure },
            None => {
                let (id, session) = sessions.begin();
                Visit { id, session, set_cookie: true, secure }
            }
        };
        parts.extensions.insert(visit.clone());
        Ok(visit)
    }
}

impl Visit {
    /// `response`, setting the session cookie when the session is new.
    pub fn respond(&self, response: impl IntoResponse) -> Response {
        let mut response = response.into_response();
        if self.set_cookie
            && let Ok(value) = HeaderValue::from_str(&session::set_cookie(&self.id, self.secure))
        {
            response.headers_mut().append(SET_COOKIE, value);
        }
        response
    }

    /// A new session in place of this one (sign-in, sign-out, second factor).
    pub fn rotate(&self, state: &AppState, update: impl FnOnce(&mut Session)) -> Visit {
        let (id, session) = state.sessions().rotate(&self.id, update);
        Visit { id, session, set_cookie: true, secure: self.secure }
    }

    /// The page chrome for this visit.
    pub fn chrome(&self, title: impl Into<String>, viewer: Option<&Principal>) -> Chrome {
        Chrome {
            title: title.into(),
            csrf: self.session.csrf.clone(),
            user: viewer.map(|p| UserLine {
                username: p.username.clone().unwrap_or_default(),
                org_short: p.org.short_name.clone(),
                org_name: p.org.name.clone(),
                role: p.role.as_str().to_owned(),
                admin: p.at_least(selat_core::org::Role::OrgAdmin),
            }),
            q: String::new(),
        }
    }
}

/// A signed-in user: the visit and the principal as the directory has it now. A request without
/// one is sent to the login page, which brings it back here afterwards.
#[derive(Debug, Clone)]
pub(crate) struct Viewer {
    pub visit: Visit,
    pub principal: Principal,
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let visit = Visit::from_request_parts(parts, state).await?;
        let to_login = |visit: &Visit, path: &str| {
            let next: String = form_urlencoded::byte_serialize(path.as_bytes()).collect();
            visit.respond(see_other(&format!("/login?next={next}")))
        };
        let path = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
        let Some(username) = visit.session.username.clone() else {
            return Err(to_login(&visit, &path));
        };
        match state.node().user_principal(&username).await {
            Ok(Some(principal)) => Ok(Viewer { visit, principal }),
            Ok(None) => {
                state.sessions().end(&visit.id);
                Err(to_login(&visit, &path))
            }
            Err(e) => Err(internal("reading the signed-in user", &e)),
        }
    }
}

impl Viewer {
    pub fn chrome(&self, title: impl Into<String>) -> Chrome {
        self.visit.chrome(title, Some(&self.principal))
    }

    pub fn respond(&self, response: impl IntoResponse) -> Response {
        self.visit.respond(response)
    }
}

/// A form body whose `csrf` field is the session's token; anything else is refused with 403
/// before the handler runs. The body is at most [`MAX_FORM_BYTES`].
pub(crate) struct Form<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for Form<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let visit = Visit::from_request_parts(&mut parts, state).await?;
        let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES).await.map_err(|_| {
            error_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("The form is larger than {MAX_FORM_BYTES} bytes."),
            )
        })?;
        let token = form_urlencoded::parse(&bytes).find(|(k, _)| k == "csrf").map(|(_, v)| v.into_owned());
        if !visit.session.csrf_matches(token.as_deref()) {
            return Err(visit.respond(error_page(
                StatusCode::FORBIDDEN,
                "This form has expired or did not come from this site (its CSRF token is missing or wrong). \
                 Go back, reload the page and send it again.",
            )));
        }
        let value = serde_urlencoded_from(&bytes)
            .map_err(|e| error_page(StatusCode::BAD_REQUEST, &format!("The form could not be read: {e}")))?;
        Ok(Form(value))
    }
}

/// `application/x-www-form-urlencoded` into `T` (through a JSON map; repeated keys become lists).
fn serde_urlencoded_from<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    let mut map = serde_json::Map::new();
    for (key, value) in form_urlencoded::parse(bytes) {
        let value = serde_json::Value::String(value.into_owned());
        match map.get_mut(key.as_ref()) {
            None => {
                map.insert(key.into_owned(), value);
            }
            Some(serde_json::Value::Array(items)) => items.push(value),
            Some(existing) => {
                let first = existing.take();
                *existing = serde_json::Value::Array(vec![first, value]);
            }
        }
    }
    serde_json::from_value(serde_json::Value::Object(map))
}

/// The `?done=` a page is sent back to after a form succeeded (`see_other("/page?done=…")`).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Done {
    done: Option<String>,
}

impl Done {
    /// What was done, if the page came back from a form.
    pub fn given(&self) -> Option<String> {
        self.done.as_deref().map(str::trim).filter(|d| !d.is_empty()).map(str::to_owned)
    }

    pub fn shown(&self) -> bool {
        self.given().is_some()
    }
}

/// A form with no field of its own (its CSRF token is checked by [`Form`]).
#[derive(Debug, Deserialize)]
pub(crate) struct Empty {}

/// A form field that may be repeated (checkboxes, multiple selects): one value or a list.
pub(crate) fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(one) => vec![one],
        OneOrMany::Many(many) => many,
    })
}

/// What every page's layout shows: title, the session's CSRF token for the header's forms, the
/// signed-in user and the search box's text.
#[derive(Debug, Clone)]
pub(crate) struct Chrome {
    pub title: String,
    pub csrf: String,
    pub user: Option<UserLine>,
    pub q: String,
}

#[derive(Debug, Clone)]
pub(crate) struct UserLine {
    pub username: String,
    pub org_short: String,
    pub org_name: String,
    pub role: String,
    pub admin: bool,
}

/// A 303 to `location` (after a POST, the browser GETs it).
pub(crate) fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

/// A rendered template, or a 500 naming the failure in the log only.
pub(crate) fn render(template: &impl askama::Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => internal("rendering a page", &e),
    }
}

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: Chrome,
    status: u16,
    message: &'a str,
}

/// A plain page for an error, with the status.
pub(crate) fn error_page(status: StatusCode, message: &str) -> Response {
    let chrome = Chrome {
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        csrf: String::new(),
        user: None,
        q: String::new(),
    };
    let page = ErrorPage { chrome, status: status.as_u16(), message };
    match askama::Template::render(&page) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, message.to_owned()).into_response(),
    }
}

/// A 500: the cause goes to the log under a fresh id, the page shows only the id.
pub(crate) fn internal(context: &str, cause: &dyn std::fmt::Display) -> Response {
    let error_id = uuid::Uuid::new_v4();
    tracing::error!(error_id = %error_id, cause = %cause, "{context}");
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        &format!("Something went wrong on the server (error {error_id})."),
    )
}

/// The 404 of the web UI: an object the viewer may not see is exactly as absent as one that
/// does not exist.
pub(crate) fn not_found() -> Response {
    error_page(StatusCode::NOT_FOUND, "There is nothing here, or nothing you may see.")
}

/// A local path to return to after sign-in: only `/…` (never `//host` or a scheme).
pub(crate) fn local_path(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(local_path(Some("/objects/indicator--1?x=1")), "/objects/indicator--1?x=1");
        for bad in ["//evil.example/", "https://evil.example/", "/\\evil.example", "relative"] {
            assert_eq!(local_path(Some(bad)), "/", "{bad}");
        }
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn forms_read_repeated_keys_as_lists() {
        #[derive(serde::Deserialize)]
        struct Both {
            one: String,
            many: Vec<String>,
        }
        let both: Both = serde_urlencoded_from(b"one=a+b&many=x&many=y%26z").expect("form");
        assert_eq!((both.one.as_str(), both.many), ("a b", vec!["x".to_owned(), "y&z".to_owned()]));
    }

    #[test]
    fn the_policy_allows_no_inline_script() {
        let script = CONTENT_SECURITY_POLICY
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .expect("script-src");
        assert_eq!(script.trim(), "script-src 'self'");
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe"));
    }
}

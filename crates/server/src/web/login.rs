//! Sign-in (username and password, then a TOTP code when the user enrolled one), sign-out, and
//! the account page where a user enrols or removes the second factor. Failures share one message,
//! so the form tells nobody which usernames exist; they count towards the lock-out.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use selat_core::accounts::{AuthError, FirstFactor};
use serde::Deserialize;

use super::{Chrome, Form, Viewer, Visit, render, see_other};
use crate::state::AppState;

pub(super) const LOGIN: &str = "/login";
pub(super) const LOGIN_CODE: &str = "/login/code";
pub(super) const LOGOUT: &str = "/logout";
pub(super) const ACCOUNT: &str = "/account";
pub(super) const ACCOUNT_TOTP: &str = "/account/totp";
pub(super) const ACCOUNT_TOTP_REMOVE: &str = "/account/totp/remove";

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(LOGIN, get(login_form).post(login))
        .route(LOGIN_CODE, get(code_form).post(code))
        .route(LOGOUT, post(logout))
        .route(ACCOUNT, get(account))
        .route(ACCOUNT_TOTP, post(enrol_totp))
        .route(ACCOUNT_TOTP_REMOVE, post(remove_totp))
}

/// The one message of a failed sign-in.
const FAILED: &str = "Sign-in failed: the username or password is wrong, or the account is locked \
                      after repeated failures (try again later).";

#[derive(askama::Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "login_code.html")]
struct CodePage {
    chrome: Chrome,
    next: String,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct NextParams {
    next: Option<String>,
}

async fn login_form(visit: Visit, Query(params): Query<NextParams>) -> Response {
    let next = super::local_path(params.next.as_deref());
    let page =
        LoginPage { chrome: visit.chrome("Sign in", None), next, username: String::new(), error: None };
    visit.respond(render(&page))
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

async fn login(State(state): State<AppState>, visit: Visit, Form(form): Form<LoginForm>) -> Response {
    let next = super::local_path(form.next.as_deref());
    match state.node().login_password(form.username.trim(), &form.password).await {
        Ok(FirstFactor::Done(principal)) => {
            let username = principal.username.clone();
            let visit = visit.rotate(&state, |s| s.username = username);
            visit.respond(see_other(&next))
        }
        Ok(FirstFactor::NeedsCode(principal)) => {
            let waiting = principal.username.clone().map(|u| (u, std::time::Instant::now()));
            let visit = visit.rotate(&state, |s| s.awaiting_code = waiting);
            let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
            visit.respond(see_other(&format!("/login/code?next={next}")))
        }
        Err(AuthError::Store(e)) => super::internal("signing in", &e),
        Err(_) => {
            let page = LoginPage {
                chrome: visit.chrome("Sign in", None),
                next,
                username: form.username,
                error: Some(FAILED.to_owned()),
            };
            visit.respond((axum::http::StatusCode::UNAUTHORIZED, render(&page)))
        }
    }
}

async fn code_form(visit: Visit, Query(params): Query<NextParams>) -> Response {
    if visit.session.awaiting_code.is_none() {
        return visit.respond(see_other("/login"));
    }
    let next = super::local_path(params.next.as_deref());
    let page = CodePage { chrome: visit.chrome("Second factor", None), next, error: None };
    visit.respond(render(&page))
}

#[derive(Debug, Deserialize)]
struct CodeForm {
    code: String,
    next: Option<String>,
}

async fn code(State(state): State<AppState>, visit: Visit, Form(form): Form<CodeForm>) -> Response {
    let next = super::local_path(form.next.as_deref());
    let waiting = visit
        .session
        .awaiting_code
        .clone()
        .filter(|(_, since)| since.elapsed() <= super::session::SECOND_FACTOR_WINDOW);
    let Some((username, _)) = waiting else {
        return visit.respond(see_other("/login"));
    };
    match state.node().check_second_factor(&username, &form.code).await {
        Ok(()) => {
            let visit = visit.rotate(&state, |s| s.username = Some(username));
            visit.respond(see_other(&next))
        }
        Err(AuthError::Store(e)) => super::internal("checking a second factor", &e),
        Err(_) => {
            let page = CodePage {
                chrome: visit.chrome("Second factor", None),
                next,
                error: Some(
                    "That code is wrong or was already used. Enter the current code from your app.".into(),
                ),
            };
            visit.respond((axum::http::StatusCode::UNAUTHORIZED, render(&page)))
        }
    }
}

async fn logout(State(state): State<AppState>, visit: Visit, Form(_): Form<super::Empty>) -> Response {
    state.sessions().end(&visit.id);
    let mut response = see_other("/login");
    if let Ok(value) = axum::http::HeaderValue::from_str(&super::session::clear_cookie(visit.secure)) {
        response.headers_mut().append(axum::http::header::SET_COOKIE, value);
    }
    response
}

#[derive(askama::Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    enrolled: bool,
    /// A secret offered for enrolment, with its `otpauth://` URI.
    offer: Option<(String, String)>,
    message: Option<String>,
}

async fn account(State(state): State<AppState>, viewer: Viewer) -> Response {
    account_page(&state, &viewer, None).await
}

async fn account_page(state: &AppState, viewer: &Viewer, message: Option<String>) -> Response {
    let username = viewer.principal.username.clone().unwrap_or_default();
    let enrolled = match state.node().has_totp(&username).await {
        Ok(enrolled) => enrolled,
        Err(e) => return super::internal("reading the account", &e),
    };
    let offer = if enrolled {
        None
    } else {
        match selat_core::totp::new_secret() {
            Ok(secret) => {
                let issuer = format!("Selat {}", viewer.principal.org.short_name);
                let uri = selat_core::totp::enrolment_uri(&issuer, &username, &secret);
                Some((secret, uri))
            }
            Err(e) => return super::internal("making a TOTP secret", &e),
        }
    };
    let page = AccountPage { chrome: viewer.chrome("Your account"), enrolled, offer, message };
    viewer.respond(render(&page))
}

#[derive(Debug, Deserialize)]
struct EnrolForm {
    secret: String,
    code: String,
}

async fn enrol_totp(State(state): State<AppState>, viewer: Viewer, Form(form): Form<EnrolForm>) -> Response {
    let username = viewer.principal.username.clone().unwrap_or_default();
    let message = match state.node().enrol_totp(&username, form.secret.trim(), &form.code).await {
        Ok(true) => "Second factor enrolled: from now on, sign-in asks for a code from your app.",
        Ok(false) => "That code does not match the secret: check your app's clock and try again.",
        Err(e) => return super::internal("enrolling a second factor", &e),
    };
    account_page(&state, &viewer, Some(message.to_owned())).await
}

async fn remove_totp(State(state): State<AppState>, viewer: Viewer, Form(_): Form<super::Empty>) -> Response {
    let username = viewer.principal.username.clone().unwrap_or_default();
    if let Err(e) = state.node().remove_totp(&username).await {
        return super::internal("removing a second factor", &e);
    }
    account_page(&state, &viewer, Some("Second factor removed.".to_owned())).await
}

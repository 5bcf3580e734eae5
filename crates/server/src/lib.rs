//! `selat-server`: Selat's HTTP surface — the TAXII 2.1 server (discovery at `/taxii2/`, the
//! node's API root at `/taxii2/selat/`), `/healthz` and `/metrics`.
//!
//! Shaped as STYLE.md's "thin binary, testable app": [`app`] builds the [`axum::Router`] from an
//! [`AppState`]; [`Application::build`] opens the node, starts the submission worker and binds the
//! listener (port 0 in tests); [`Application::run_until_stopped`] serves until SIGINT or SIGTERM,
//! lets in-flight requests finish, and waits for the worker to store every accepted request.
//!
//! What lives where:
//! - [`routes`]: one module per group of TAXII endpoints; handlers only translate between HTTP and
//!   the functions below.
//! - `api`: the REST root `/api/v1/` (JSON, `{"error", "detail"}` errors) and its OpenAPI
//!   document; today the audit log.
//! - `auth`: `Authorization: Bearer` and HTTP Basic, through `selat_core::accounts`.
//! - `access`: which collections the caller may see and write (`selat_core::access`).
//! - `paging`: TAXII filters and `next` cursors to store pages and back.
//! - `removal`, `submit`: Delete an Object and Add Objects.
//! - `errors`: the one mapping from domain errors to [`selat_taxii::ErrorCode`], rendered as the
//!   TAXII error message; internal causes are logged, never shown.
//! - `respond`: TAXII responses (media type, `X-TAXII-Date-Added-*` headers).
//! - `observe`, `metrics`: request logs (tracing) and Prometheus counters.
//! - [`limits`]: every configurable limit, with its default.
//! - `web`: the web UI at `/` (askama templates in `templates/`, CSS and vendored htmx in
//!   `static/`): sessions, CSRF-checked forms, login with optional TOTP, and the pages.
//!
//! Only this crate (and the binary above it) knows HTTP.

mod access;
mod api;
mod app;
mod auth;
pub mod charts;
mod errors;
pub mod limits;
mod metrics;
mod observe;
mod paging;
mod removal;
pub mod report;
mod respond;
pub mod routes;
mod state;
mod submit;
mod web;

pub use api::MAX_REST_BODY_BYTES;
pub use app::{Application, BuildError, ServerConfig, TlsFiles, shutdown_signal};
pub use limits::Limits;
pub use routes::app;
pub use state::AppState;

/// Every page (GET route template) of the web UI; tests visit each.
pub fn web_page_routes() -> &'static [&'static str] {
    web::PAGES
}

/// Every form target (POST route template) of the web UI; each refuses a missing or wrong CSRF
/// token.
pub fn web_form_routes() -> &'static [&'static str] {
    web::FORMS
}

/// The path of the node's one API root.
pub const API_ROOT_PATH: &str = "/taxii2/selat/";

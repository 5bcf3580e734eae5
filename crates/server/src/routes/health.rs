//! `/healthz` and `/metrics` (Prometheus text format).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use selat_store::{Federation, Store};

use crate::auth::Caller;
use crate::metrics::Gauges;
use crate::state::AppState;

/// 200 `ok` once the store answers a query; 503 when it does not.
pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.node().store.collections().await {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check: the store does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable\n").into_response()
        }
    }
}

/// The metrics, to a loopback client or a hub-admin only (DESIGN.md "Reliability and security").
pub async fn metrics(State(state): State<AppState>, caller: Caller, request: Request) -> Response {
    let loopback =
        request.extensions().get::<ConnectInfo<SocketAddr>>().is_some_and(|info| info.0.ip().is_loopback());
    if !loopback && !caller.is_hub_admin() {
        return (StatusCode::FORBIDDEN, "metrics are served to loopback clients and hub-admins\n")
            .into_response();
    }
    // A store that cannot say shows no peer figures rather than failing the scrape.
    let peers = state.node().store.peer_states().await.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "metrics: reading the peers' totals failed");
        Vec::new()
    });
    let gauges = Gauges { queue_depth: state.queue().depth(), peers };
    let text = state.metrics().render(gauges);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
}

//! The regional dashboard at `/`: the year's picture for ministers, senior officials and
//! analysts alike, every figure counted through the viewer's audience (it is the regional
//! report's data, `Node::regional_report`, as this viewer may see it).

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use selat_core::coordination::meetings::DecisionView;
use selat_core::coordination::norms::NormStatus;

use super::{Chrome, Viewer, render};
use crate::state::AppState;

pub(super) const DASHBOARD: &str = "/";

pub(super) fn routes() -> Router<AppState> {
    Router::new().route(DASHBOARD, get(dashboard))
}

/// One cell of a heat-map table: its CSS class, its mark and its title.
#[derive(Debug, Clone)]
struct HeatCell {
    class: &'static str,
    text: String,
    title: String,
}

#[derive(askama::Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    viewer_org: String,
    period: String,
    incidents_open: usize,
    incidents_total: usize,
    incidents_chart: String,
    severity_rows: Vec<(String, Vec<usize>, usize)>,
    statuses: Vec<String>,
    norms: Vec<String>,
    norm_rows: Vec<(String, Vec<HeatCell>)>,
    themes: Vec<String>,
    capacity_rows: Vec<(String, Vec<HeatCell>)>,
    gaps: usize,
    overlaps: usize,
    overdue: Vec<DecisionView>,
}

async fn dashboard(State(state): State<AppState>, viewer: Viewer) -> Response {
    let period = selat_stix::timestamp::Timestamp::now_millis().format(0)[..4].to_owned();
    let report = match state.node().regional_report(&viewer.principal, &period).await {
        Ok(report) => report,
        Err(e) => return super::internal("the dashboard's figures", &e),
    };
    let statuses: Vec<String> =
        report.incidents.first().map(|r| r.by_status.keys().cloned().collect()).unwrap_or_default();
    let closed = |status: &str| matches!(status, "closed" | "merged" | "rejected");
    let incidents_total = report.incidents.iter().map(|r| r.total).sum();
    let incidents_open = report
        .incidents
        .iter()
        .flat_map(|r| r.by_status.iter())
        .filter(|(status, _)| !closed(status))
        .map(|(_, n)| n)
        .sum();
    let bars: Vec<(String, usize)> = report.incidents.iter().map(|r| (r.severity.clone(), r.total)).collect();
    let norm_rows = report
        .norms
        .rows
        .iter()
        .map(|row| {
            let cells = row
                .cells
                .iter()
                .map(|c| {
                    let (class, text) = match c.status {
                        Some(NormStatus::Implemented) => ("implemented", "●"),
                        Some(NormStatus::InProgress) => ("in-progress", "◐"),
                        Some(NormStatus::NotStarted) => ("not-started", "○"),
                        Some(NormStatus::NotApplicable) => ("not-applicable", "–"),
                        None => ("none", ""),
                    };
                    let title = format!("{} norm {}: {}", row.member_state, c.norm, class);
                    HeatCell { class, text: text.to_owned(), title }
                })
                .collect();
            (row.member_state.clone(), cells)
        })
        .collect();
    let themes: Vec<String> = report
        .capacity
        .first()
        .map(|r| r.cells.iter().map(|c| c.theme.clone()).collect())
        .unwrap_or_default();
    let capacity_rows = report
        .capacity
        .iter()
        .map(|row| {
            let cells = row
                .cells
                .iter()
                .map(|c| {
                    let class = if c.gaps > 0 {
                        "gap"
                    } else if c.programmes > 0 {
                        "covered"
                    } else {
                        "none"
                    };
                    let title = format!(
                        "{} {}: {} programmes, {} needs, {} uncovered",
                        row.member_state, c.theme, c.programmes, c.needs, c.gaps
                    );
                    HeatCell { class, text: c.programmes.to_string(), title }
                })
                .collect();
            (row.member_state.clone(), cells)
        })
        .collect();
    let page = DashboardPage {
        chrome: viewer.chrome("Regional dashboard"),
        viewer_org: viewer.principal.org.short_name.clone(),
        incidents_chart: crate::report::bar_chart(&format!("Incidents of {period} by severity"), &bars),
        severity_rows: report
            .incidents
            .iter()
            .map(|r| (r.severity.clone(), r.by_status.values().copied().collect(), r.total))
            .collect(),
        statuses,
        incidents_open,
        incidents_total,
        norms: report.norms.norms.iter().map(|n| (*n).to_owned()).collect(),
        norm_rows,
        themes,
        capacity_rows,
        gaps: report.gaps.len(),
        overlaps: report.overlaps.len(),
        overdue: report.decisions_overdue,
        period,
    };
    viewer.respond(render(&page))
}

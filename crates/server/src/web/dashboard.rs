//! The regional dashboard at `/`: the year's picture for ministers, senior officials and
//! analysts alike. It is the regional report's data (`Node::regional_report`) as this viewer may
//! see it, drawn with the report's own charts (`crate::report`, `crate::charts`), so the
//! dashboard and the printed report never disagree.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use selat_core::coordination::meetings::DecisionView;
use selat_core::coordination::statistics::DirectoryHealth;

use super::{Chrome, Viewer, render};
use crate::charts::{self, HeatCell};
use crate::report;
use crate::state::AppState;

pub(super) const DASHBOARD: &str = "/";

/// Weeks shown in the state × week chart (the latest of the year).
pub const RECENT_WEEKS: usize = 12;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route(DASHBOARD, get(dashboard))
}

/// One cell of an accessible table behind a chart: its CSS class, its mark and its title.
#[derive(Debug, Clone)]
struct TableCell {
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
    shared_total: u64,
    shared: Vec<(String, u64)>,
    tiles: String,
    weekly: String,
    state_weeks: String,
    sightings_total: u64,
    sightings: String,
    incidents_open: usize,
    incidents_total: usize,
    incidents_chart: String,
    statuses: Vec<String>,
    severity_rows: Vec<(String, Vec<usize>, usize)>,
    norms_chart: String,
    norms: Vec<String>,
    norm_rows: Vec<(String, Vec<TableCell>)>,
    capacity_chart: String,
    themes: Vec<String>,
    capacity_rows: Vec<(String, Vec<TableCell>)>,
    gaps: usize,
    overlaps: usize,
    overdue: Vec<DecisionView>,
    directory_chart: String,
    directory: Vec<(DirectoryHealth, String)>,
}

async fn dashboard(State(state): State<AppState>, viewer: Viewer) -> Response {
    let period = selat_stix::timestamp::Timestamp::now_millis().format(0)[..4].to_owned();
    let report = match state.node().regional_report(&viewer.principal, &period).await {
        Ok(report) => report,
        Err(e) => return super::internal("the dashboard's figures", &e),
    };
    let statuses: Vec<String> =
        report.incidents.first().map(|r| r.by_status.keys().cloned().collect()).unwrap_or_default();
    let finished = |status: &str| matches!(status, "closed" | "merged" | "rejected");
    let page = DashboardPage {
        chrome: viewer.chrome("Regional dashboard"),
        viewer_org: viewer.principal.org.short_name.clone(),
        shared_total: report.intelligence.total,
        shared: report.intelligence.states.iter().map(|s| (s.member_state.clone(), s.objects)).collect(),
        tiles: report::intelligence_tiles(&report),
        weekly: report::intelligence_weekly(&report),
        state_weeks: state_weeks(&report),
        sightings_total: report.sightings.total,
        sightings: report::sightings_weekly(&report),
        incidents_total: report.incidents.iter().map(|r| r.total).sum(),
        incidents_open: report
            .incidents
            .iter()
            .flat_map(|r| r.by_status.iter())
            .filter(|(status, _)| !finished(status))
            .map(|(_, n)| n)
            .sum(),
        incidents_chart: report::incidents_chart(&report.incidents),
        severity_rows: report
            .incidents
            .iter()
            .map(|r| (r.severity.clone(), r.by_status.values().copied().collect(), r.total))
            .collect(),
        statuses,
        norms_chart: report::norms_heat_map(&report),
        norms: report.norms.norms.clone(),
        norm_rows: norm_rows(&report),
        capacity_chart: report::capacity_heat_map(&report),
        themes: report
            .capacity
            .first()
            .map(|r| r.cells.iter().map(|c| c.theme.clone()).collect())
            .unwrap_or_default(),
        capacity_rows: capacity_rows(&report),
        gaps: report.gaps.len(),
        overlaps: report.overlaps.len(),
        overdue: report.decisions_overdue.clone(),
        directory_chart: report::directory_chart(&report.directory),
        directory: report
            .directory
            .iter()
            .map(|d| (d.clone(), d.median_response_s.map_or_else(|| "–".to_owned(), report::duration)))
            .collect(),
        period,
    };
    viewer.respond(render(&page))
}

/// Member state × the latest [`RECENT_WEEKS`] weeks: objects shared, on the sequential scale.
fn state_weeks(report: &selat_core::coordination::report::RegionalReport) -> String {
    let stats = &report.intelligence;
    let this_week =
        selat_core::coordination::statistics::iso_week(selat_stix::timestamp::now_micros() / 86_400_000_000);
    let end = stats.weeks.iter().position(|w| *w == this_week).map_or(stats.weeks.len(), |i| i + 1);
    let start = end.saturating_sub(RECENT_WEEKS);
    let columns: Vec<String> = stats.weeks[start..end].iter().map(|w| w[w.len() - 3..].to_owned()).collect();
    let most = stats.states.iter().flat_map(|s| s.weekly[start..end].iter().copied()).max().unwrap_or(0);
    let rows: Vec<(String, Vec<HeatCell>)> = stats
        .states
        .iter()
        .map(|s| {
            let cells = stats.weeks[start..end]
                .iter()
                .zip(&s.weekly[start..end])
                .map(|(week, &n)| HeatCell {
                    colour: charts::scale_colour(n, most).to_owned(),
                    text: format!("{} {week}: {n} objects", s.member_state),
                    mark: if n > 0 { n.to_string() } else { String::new() },
                })
                .collect();
            (s.member_state.clone(), cells)
        })
        .collect();
    let key = [("none".to_owned(), charts::NONE), (format!("up to {most} objects"), charts::SCALE[4])];
    charts::heat_map("Objects shared per member state and week", &columns, &rows, &key)
}

fn norm_rows(report: &selat_core::coordination::report::RegionalReport) -> Vec<(String, Vec<TableCell>)> {
    report
        .norms
        .rows
        .iter()
        .map(|row| {
            let cells = row
                .cells
                .iter()
                .map(|c| {
                    let class = report::status_class(c.status);
                    let title = format!("{} norm {}: {class}", row.member_state, c.norm);
                    TableCell { class, text: report::status_mark(c.status).to_owned(), title }
                })
                .collect();
            (row.member_state.clone(), cells)
        })
        .collect()
}

fn capacity_rows(report: &selat_core::coordination::report::RegionalReport) -> Vec<(String, Vec<TableCell>)> {
    report
        .capacity
        .iter()
        .map(|row| {
            let cells = row
                .cells
                .iter()
                .map(|c| TableCell {
                    class: if c.gaps > 0 {
                        "gap"
                    } else if c.programmes > 0 {
                        "covered"
                    } else {
                        "none"
                    },
                    text: c.programmes.to_string(),
                    title: format!(
                        "{} {}: {} programmes, {} needs, {} uncovered",
                        row.member_state, c.theme, c.programmes, c.needs, c.gaps
                    ),
                })
                .collect();
            (row.member_state.clone(), cells)
        })
        .collect()
}

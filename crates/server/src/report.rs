//! The regional report as one self-contained HTML page for a meeting of ministers: inline CSS
//! with a print stylesheet (A4, no page break inside a table row or chart), inline SVG charts,
//! no script and no external resource. Pure: the same report gives the same bytes.

use std::fmt::Write as _;

use selat_core::coordination::incidents::Status;
use selat_core::coordination::norms::NormStatus;
use selat_core::coordination::report::{RegionalReport, SeverityRow};
use selat_core::coordination::statistics::DirectoryHealth;

use crate::charts::{self, HeatCell};

/// Text made safe for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:'DejaVu Sans',Arial,sans-serif;color:#1b2631;margin:2rem;font-size:11pt}\
h1{font-size:20pt;margin:0 0 .2rem}h2{font-size:14pt;border-bottom:2px solid #1f618d;margin-top:1.6rem}\
.meta{color:#566573}table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #aab7b8;padding:2px 6px;text-align:left}\
th{background:#eaf2f8}td.n{text-align:right}.implemented{background:#27ae60;color:#fff}.in-progress{background:#f4d03f}\
.not-started{background:#e74c3c;color:#fff}.not-applicable{background:#aab7b8}.none{background:#fff}\
.gap{background:#f5b7b1}svg text{font-size:10px}\
@page{size:A4;margin:15mm}\
@media print{body{margin:0}h2{break-after:avoid}tr,svg,.keep{break-inside:avoid}section{break-before:page}section.first{break-before:auto}}";

/// The colour of a capacity-building gap.
const GAP: &str = "#f5b7b1";

/// The whole page.
pub fn render(report: &RegionalReport) -> String {
    let mut html = String::new();
    let period = escape(&report.period);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Regional cybersecurity report {period}</title>\
         <style>{STYLE}</style></head><body>\n<h1>Regional cybersecurity report {period}</h1>\n\
         <p class=\"meta\">As seen by {} · generated {} · counts only what this reader may see</p>\n",
        escape(&report.reader),
        escape(&report.generated),
    );
    html.push_str(&intelligence(report));
    html.push_str(&sightings(report));
    html.push_str(&incidents(&report.incidents));
    html.push_str(&norms(report));
    html.push_str(&capacity(report));
    html.push_str(&directory(&report.directory));
    html.push_str(&decisions(report));
    html.push_str("</body></html>\n");
    html
}

/// Intelligence shared per state (a tile map, a bar per state, the weekly total) and sightings
/// per week.
fn intelligence(report: &RegionalReport) -> String {
    let stats = &report.intelligence;
    let mut html = format!(
        "<section class=\"first\"><h2>Intelligence shared</h2>\
         <p>{} objects shared by the member states in the period.</p>",
        stats.total
    );
    html.push_str(&intelligence_tiles(report));
    html.push_str(&intelligence_weekly(report));
    html.push_str("<table class=\"keep\"><tr><th>state</th><th>objects shared</th></tr>");
    for s in &stats.states {
        let _ =
            write!(html, "<tr><td>{}</td><td class=\"n\">{}</td></tr>", escape(&s.member_state), s.objects);
    }
    html.push_str("</table></section>\n");
    html
}

/// The member states as tiles coloured by the objects each shared.
pub(crate) fn intelligence_tiles(report: &RegionalReport) -> String {
    let per_state: Vec<(String, u64)> =
        report.intelligence.states.iter().map(|s| (s.member_state.clone(), s.objects)).collect();
    charts::tile_map("Objects shared per member state", &per_state, "objects")
}

/// Objects shared per week, all member states together.
pub(crate) fn intelligence_weekly(report: &RegionalReport) -> String {
    let stats = &report.intelligence;
    let weekly: Vec<(String, u64)> = stats
        .weeks
        .iter()
        .enumerate()
        .map(|(i, week)| {
            (week.clone(), stats.states.iter().map(|s| s.weekly.get(i).copied().unwrap_or(0)).sum())
        })
        .collect();
    charts::column_chart("Objects shared per week", &weekly, 13)
}

/// Sightings per week.
pub(crate) fn sightings_weekly(report: &RegionalReport) -> String {
    let weeks: Vec<(String, u64)> =
        report.sightings.weeks.iter().map(|w| (w.week.clone(), w.objects)).collect();
    charts::column_chart("Sightings per week", &weeks, 13)
}

/// The sightings section.
fn sightings(report: &RegionalReport) -> String {
    let mut html = format!(
        "<section><h2>Sightings</h2><p>{} sightings reported in the period.</p>",
        report.sightings.total
    );
    html.push_str(&sightings_weekly(report));
    html.push_str("</section>\n");
    html
}

fn incidents(rows: &[SeverityRow]) -> String {
    let total: usize = rows.iter().map(|r| r.total).sum();
    let mut html = format!(
        "<section><h2>Incidents by severity and status</h2><p>{total} incidents reported in the period.</p>"
    );
    let statuses: Vec<String> = Status::ALL.iter().map(|s| s.as_str().to_owned()).collect();
    html.push_str(&incidents_chart(rows));
    html.push_str("<table><tr><th>severity</th>");
    for s in &statuses {
        let _ = write!(html, "<th>{}</th>", escape(s));
    }
    html.push_str("<th>total</th></tr>");
    for r in rows {
        let _ = write!(html, "<tr><td>{}</td>", escape(&r.severity));
        for s in &statuses {
            let _ = write!(html, "<td class=\"n\">{}</td>", r.by_status.get(s).copied().unwrap_or(0));
        }
        let _ = write!(html, "<td class=\"n\">{}</td></tr>", r.total);
    }
    html.push_str("</table></section>\n");
    html
}

/// Incidents by severity (a bar each), stacked by status.
pub(crate) fn incidents_chart(rows: &[SeverityRow]) -> String {
    let statuses: Vec<String> = Status::ALL.iter().map(|s| s.as_str().to_owned()).collect();
    let stacks: Vec<(String, Vec<u64>)> = rows
        .iter()
        .map(|r| {
            let counts = statuses.iter().map(|s| r.by_status.get(s).copied().unwrap_or(0) as u64).collect();
            (r.severity.clone(), counts)
        })
        .collect();
    charts::stacked_bars("Incidents by severity and status", &statuses, &stacks)
}

/// Contacts verified recently, per member state.
pub(crate) fn directory_chart(rows: &[DirectoryHealth]) -> String {
    let verified: Vec<(String, u64)> =
        rows.iter().map(|r| (r.member_state.clone(), r.verified_recently as u64)).collect();
    charts::bar_chart("Contacts verified in the last 90 days", &verified)
}

/// Each state's directory of points of contact.
fn directory(rows: &[DirectoryHealth]) -> String {
    let mut html = String::from("<section><h2>Directory of points of contact</h2>");
    html.push_str(&directory_chart(rows));
    html.push_str(
        "<table class=\"keep\"><tr><th>state</th><th>contacts</th><th>verified (90 days)</th><th>stale</th><th>median response</th></tr>",
    );
    for r in rows {
        let median = r.median_response_s.map_or_else(|| "–".to_owned(), duration);
        let _ = write!(
            html,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(&r.member_state),
            r.contacts,
            r.verified_recently,
            r.stale,
            escape(&median)
        );
    }
    html.push_str("</table></section>\n");
    html
}

/// A response time for people: seconds, minutes, hours or days.
pub(crate) fn duration(seconds: f64) -> String {
    match seconds {
        s if s < 60.0 => format!("{s:.0} s"),
        s if s < 3600.0 => format!("{:.0} min", s / 60.0),
        s if s < 86_400.0 => format!("{:.1} h", s / 3600.0),
        s => format!("{:.1} days", s / 86_400.0),
    }
}

pub(crate) fn status_class(status: Option<NormStatus>) -> &'static str {
    status.map_or("none", NormStatus::as_str)
}

pub(crate) fn status_mark(status: Option<NormStatus>) -> &'static str {
    match status {
        Some(NormStatus::Implemented) => "●",
        Some(NormStatus::InProgress) => "◐",
        Some(NormStatus::NotStarted) => "○",
        Some(NormStatus::NotApplicable) => "–",
        None => "",
    }
}

/// The colours of the statuses, as the page's stylesheet has them.
fn status_colour(status: Option<NormStatus>) -> &'static str {
    match status {
        Some(NormStatus::Implemented) => "#27ae60",
        Some(NormStatus::InProgress) => "#f4d03f",
        Some(NormStatus::NotStarted) => "#e74c3c",
        Some(NormStatus::NotApplicable) => "#aab7b8",
        None => charts::NONE,
    }
}

/// Member state × norm, the latest status of each.
pub(crate) fn norms_heat_map(report: &RegionalReport) -> String {
    let m = &report.norms;
    let columns: Vec<String> = m.norms.clone();
    let rows: Vec<(String, Vec<HeatCell>)> = m
        .rows
        .iter()
        .map(|row| {
            let cells = row
                .cells
                .iter()
                .map(|c| HeatCell {
                    colour: status_colour(c.status).to_owned(),
                    text: format!("{} {}: {}", row.member_state, c.norm, status_class(c.status)),
                    mark: status_mark(c.status).to_owned(),
                })
                .collect();
            (row.member_state.clone(), cells)
        })
        .collect();
    let key: Vec<(String, &str)> = [
        Some(NormStatus::Implemented),
        Some(NormStatus::InProgress),
        Some(NormStatus::NotStarted),
        Some(NormStatus::NotApplicable),
        None,
    ]
    .into_iter()
    .map(|s| (format!("{} {}", status_mark(s), status_class(s)), status_colour(s)))
    .collect();
    charts::heat_map("Member state × norm, latest status", &columns, &rows, &key)
}

fn norms(report: &RegionalReport) -> String {
    let mut html = String::from("<section><h2>Norms of responsible state behaviour (UN GGE 2015)</h2>");
    html.push_str(&norms_heat_map(report));
    let p = &report.norms_progress;
    let bars: Vec<(String, u64)> = p
        .states
        .iter()
        .filter(|s| s.implemented_to > 0)
        .map(|s| (s.member_state.clone(), s.implemented_to as u64))
        .collect();
    html.push_str(&charts::bar_chart(&format!("Norms implemented as of {}", p.to), &bars));
    let _ = write!(
        html,
        "<table><tr><th>state</th><th>implemented {}</th><th>implemented {}</th><th>changed</th></tr>",
        escape(&p.from),
        escape(&p.to)
    );
    for s in p.states.iter().filter(|s| s.norms.iter().any(|n| n.to.is_some())) {
        let changed = s.norms.iter().filter(|n| n.changed).count();
        let _ = write!(
            html,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{changed}</td></tr>",
            escape(&s.member_state),
            s.implemented_from,
            s.implemented_to
        );
    }
    html.push_str("</table></section>\n");
    html
}

/// Member state × capacity-building theme: programmes, and needs no programme covers.
pub(crate) fn capacity_heat_map(report: &RegionalReport) -> String {
    let themes: Vec<String> = report
        .capacity
        .first()
        .map(|r| r.cells.iter().map(|c| c.theme.clone()).collect())
        .unwrap_or_default();
    let most = report.capacity.iter().flat_map(|r| &r.cells).map(|c| c.programmes as u64).max().unwrap_or(0);
    let rows: Vec<(String, Vec<HeatCell>)> = report
        .capacity
        .iter()
        .map(|row| {
            let cells = row
                .cells
                .iter()
                .map(|c| HeatCell {
                    colour: if c.gaps > 0 {
                        GAP.to_owned()
                    } else {
                        charts::scale_colour(c.programmes as u64, most).to_owned()
                    },
                    text: format!(
                        "{} {}: {} programmes, {} needs, {} gaps",
                        row.member_state, c.theme, c.programmes, c.needs, c.gaps
                    ),
                    mark: if c.programmes > 0 { c.programmes.to_string() } else { String::new() },
                })
                .collect();
            (row.member_state.clone(), cells)
        })
        .collect();
    let key = [
        ("no programme".to_owned(), charts::NONE),
        ("programmes (number shown)".to_owned(), charts::SCALE[2]),
        ("a need no programme covers".to_owned(), GAP),
    ];
    // Theme names are too long for a column head: columns are numbered, the line below names them.
    let numbers: Vec<String> = (1..=themes.len()).map(|n| n.to_string()).collect();
    charts::heat_map("Member state × theme: programmes and gaps", &numbers, &rows, &key)
}

fn capacity(report: &RegionalReport) -> String {
    let mut html = String::from("<section><h2>Capacity building</h2>");
    html.push_str(&capacity_heat_map(report));
    let themes: Vec<String> = report
        .capacity
        .first()
        .map(|r| r.cells.iter().map(|c| c.theme.clone()).collect())
        .unwrap_or_default();
    html.push_str("<p class=\"meta\">Themes: ");
    html.push_str(&escape(
        &themes.iter().enumerate().map(|(i, t)| format!("{} {t}", i + 1)).collect::<Vec<_>>().join(" · "),
    ));
    html.push_str("</p>");
    let _ = write!(
        html,
        "<h3>Gaps ({})</h3><table><tr><th>state</th><th>theme</th><th>priority</th></tr>",
        report.gaps.len()
    );
    for g in &report.gaps {
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&g.member_state),
            escape(&g.theme),
            escape(&g.priority)
        );
    }
    let _ = write!(
        html,
        "</table><h3>Overlaps ({})</h3><table><tr><th>programmes</th><th>themes</th><th>states</th><th>from</th><th>to</th></tr>",
        report.overlaps.len()
    );
    for o in &report.overlaps {
        let _ = write!(
            html,
            "<tr><td>{} / {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&o.titles[0]),
            escape(&o.titles[1]),
            escape(&o.themes.join(", ")),
            escape(&o.states.join(", ")),
            escape(&o.from),
            escape(o.to.as_deref().unwrap_or("open-ended"))
        );
    }
    html.push_str("</table></section>\n");
    html
}

fn decision_table(title: &str, list: &[selat_core::coordination::meetings::DecisionView]) -> String {
    let mut html = format!(
        "<h3>{} ({})</h3><table><tr><th>meeting</th><th>no.</th><th>decision</th><th>owner</th><th>due</th><th>status</th></tr>",
        escape(title),
        list.len()
    );
    for d in list {
        let _ = write!(
            html,
            "<tr><td>{} ({})</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&d.meeting_label),
            escape(&d.meeting_date),
            d.number,
            escape(&d.text),
            escape(d.owner.as_deref().unwrap_or("")),
            escape(d.due.as_deref().unwrap_or("")),
            d.status.as_str()
        );
    }
    html.push_str("</table>");
    html
}

fn decisions(report: &RegionalReport) -> String {
    let mut html = String::from("<section><h2>Decisions</h2>");
    html.push_str(&decision_table(&format!("Due in {}", report.period), &report.decisions_due));
    html.push_str(&decision_table("Overdue", &report.decisions_overdue));
    html.push_str("</section>\n");
    html
}

#[cfg(test)]
mod tests {
    use selat_core::coordination::capacity::{self, NeedView, Programme};
    use selat_core::coordination::incidents::Status;
    use selat_core::coordination::meetings::{DecisionStatus, DecisionView};
    use selat_core::coordination::norms::{self, Assessment, NormStatus};
    use selat_core::coordination::report::{RegionalReport, incident_rows};
    use selat_core::coordination::statistics::{self, DirectoryHealth};
    use selat_store::ActivityRow;

    use super::*;

    /// A report from fixed data, through the same pure functions the node uses.
    pub(crate) fn fixed_report() -> RegionalReport {
        let states = ["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN", "TL"];
        let letters: Vec<&str> = norms::NORMS.iter().map(|n| n.letter).chain(["l"]).collect();
        let assess = |s: &str, n: &str, status, p: &str| Assessment {
            member_state: s.to_owned(),
            norm: n.to_owned(),
            item: None,
            status,
            period: p.to_owned(),
        };
        let assessments = vec![
            assess("SG", "g", NormStatus::InProgress, "2025"),
            assess("SG", "g", NormStatus::Implemented, "2026"),
            assess("MY", "d", NormStatus::NotStarted, "2026"),
            assess("TH", "f", NormStatus::NotApplicable, "2026"),
        ];
        let programmes = vec![
            Programme {
                id: "p1".into(),
                title: "CERT course <&>".into(),
                themes: vec!["cybercrime".into()],
                states: vec!["KH".into(), "LA".into()],
                start: "2026-01-01".into(),
                end: None,
                status: "ongoing".into(),
            },
            Programme {
                id: "p2".into(),
                title: "Investigators".into(),
                themes: vec!["cybercrime".into()],
                states: vec!["LA".into()],
                start: "2026-03-01".into(),
                end: Some("2026-06-30".into()),
                status: "planned".into(),
            },
        ];
        let needs = vec![capacity::Need {
            id: "n1".into(),
            state: "TL".into(),
            theme: "standards".into(),
            priority: "high".into(),
        }];
        let gap = NeedView {
            id: "n1".into(),
            member_state: "TL".into(),
            theme: "standards".into(),
            priority: "high".into(),
            description: None,
            covered_by: vec![],
            offers: vec![],
            modified: "2026-01-01T00:00:00.000Z".into(),
        };
        let decision = DecisionView {
            id: "x-selat-decision--1".into(),
            meeting: "x-selat-meeting--1".into(),
            meeting_label: "AMCC 1".into(),
            meeting_date: "2016-10-11".into(),
            number: 4,
            text: "Identify an appropriate ASEAN platform".into(),
            kind: "task".into(),
            owner: Some("TELMIN".into()),
            owner_kind: Some("body".into()),
            due: Some("2016-11-30".into()),
            status: DecisionStatus::Open,
            overdue: true,
            carries_over: None,
            carried_over_to: None,
            closes: vec![],
            closed_by: None,
            recorded_by: "ASEAN".into(),
        };
        // Days since the epoch: 2026-01-05 (week 2) and 2026-03-02 (week 10).
        let (jan, mar) = (20_458, 20_514);
        let row = |owner: &str, day, objects| ActivityRow { owner: owner.into(), day, objects };
        let rows = [row("sg", jan, 5), row("sg-banking", mar, 2), row("my", mar, 3), row("asean", jan, 9)];
        let state_of = |owner: &str| match owner {
            "sg" | "sg-banking" => Some("SG".to_owned()),
            "my" => Some("MY".to_owned()),
            _ => None,
        };
        let weeks = statistics::weeks_between(20_454, 20_819);
        let health = |state: &str, contacts, verified, stale, median| DirectoryHealth {
            member_state: state.into(),
            contacts,
            verified_recently: verified,
            stale,
            median_response_s: median,
        };
        RegionalReport {
            period: "2026".into(),
            reader: "ASEAN".into(),
            generated: "2026-11-30T00:00:00.000Z".into(),
            intelligence: statistics::intelligence("2026", weeks.clone(), &states, &rows, state_of),
            sightings: statistics::sightings("2026", weeks, &rows[2..3]),
            directory: vec![health("SG", 3, 2, 1, Some(5400.0)), health("TL", 0, 0, 0, None)],
            incidents: incident_rows(&[("high".into(), Status::Triaged), ("low".into(), Status::Closed)]),
            norms: norms::matrix(&states, &letters, &assessments, Some("2026")),
            norms_progress: norms::progress(&states, &letters, &assessments, "2025", "2026"),
            capacity: capacity::matrix(&states, &needs, &programmes, "2026-06-01"),
            gaps: vec![gap],
            overlaps: capacity::overlaps(&programmes),
            decisions_due: vec![],
            decisions_overdue: vec![decision],
        }
    }

    /// The page from fixed data equals the stored snapshot (`SELAT_UPDATE_SNAPSHOTS=1` rewrites
    /// it after a deliberate change), is self-contained and escapes what it shows.
    #[test]
    fn report_from_fixed_data_matches_its_snapshot() {
        let html = render(&fixed_report());
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/regional-report.html");
        if std::env::var_os("SELAT_UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(&path, &html).unwrap();
        }
        let expected = std::fs::read_to_string(&path).expect("the snapshot exists");
        assert_eq!(html, expected, "the report changed: review it, then SELAT_UPDATE_SNAPSHOTS=1");
        for external in ["<script", "<link", "src=", "url(", "@import"] {
            assert!(!html.contains(external), "{external} in a self-contained page");
        }
        assert!(html.contains("CERT course &lt;&amp;&gt;"));
        assert!(html.contains("@media print"));
        assert_eq!(
            html.matches("<svg").count(),
            8,
            "tiles, weekly columns ×2, stacked, norms heat and bars, capacity heat, directory bars"
        );
        assert!(html.contains("10 objects shared") && html.contains("3 sightings reported"));
        assert!(html.contains("1.5 h"), "SG's median response");
        assert!(html.contains("Overdue (1)") && html.contains("Gaps (1)") && html.contains("Overlaps (1)"));
    }
}

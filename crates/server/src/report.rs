//! The regional report as one self-contained HTML page for a meeting of ministers: inline CSS
//! with a print stylesheet (A4, no page break inside a table row or chart), inline SVG charts,
//! no script and no external resource. Pure: the same report gives the same bytes.

use std::fmt::Write as _;

use selat_core::coordination::norms::NormStatus;
use selat_core::coordination::report::{RegionalReport, SeverityRow};

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
    html.push_str(&incidents(&report.incidents));
    html.push_str(&norms(report));
    html.push_str(&capacity(report));
    html.push_str(&decisions(report));
    html.push_str("</body></html>\n");
    html
}

/// A horizontal bar chart: one bar per (label, value).
pub fn bar_chart(title: &str, bars: &[(String, usize)]) -> String {
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let row = 18;
    let height = row * bars.len() + 24;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"480\" height=\"{height}\" role=\"img\" aria-label=\"{}\">\
         <text x=\"0\" y=\"12\" font-weight=\"bold\">{}</text>",
        escape(title),
        escape(title)
    );
    for (i, (label, value)) in bars.iter().enumerate() {
        let y = 20 + i * row;
        let width = 300 * value / max;
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\">{}</text><rect x=\"130\" y=\"{y}\" width=\"{width}\" height=\"12\" fill=\"#1f618d\"/>\
             <text x=\"{}\" y=\"{}\">{value}</text>",
            y + 10,
            escape(label),
            134 + width,
            y + 10
        );
    }
    svg.push_str("</svg>");
    svg
}

fn incidents(rows: &[SeverityRow]) -> String {
    let total: usize = rows.iter().map(|r| r.total).sum();
    let mut html = format!(
        "<section class=\"first\"><h2>Incidents by severity and status</h2><p>{total} incidents reported in the period.</p>"
    );
    let bars: Vec<(String, usize)> = rows.iter().map(|r| (r.severity.clone(), r.total)).collect();
    html.push_str(&bar_chart("Incidents by severity", &bars));
    let statuses: Vec<&String> = rows.first().map(|r| r.by_status.keys().collect()).unwrap_or_default();
    html.push_str("<table><tr><th>severity</th>");
    for s in &statuses {
        let _ = write!(html, "<th>{}</th>", escape(s));
    }
    html.push_str("<th>total</th></tr>");
    for r in rows {
        let _ = write!(html, "<tr><td>{}</td>", escape(&r.severity));
        for s in &statuses {
            let _ = write!(html, "<td class=\"n\">{}</td>", r.by_status.get(*s).copied().unwrap_or(0));
        }
        let _ = write!(html, "<td class=\"n\">{}</td></tr>", r.total);
    }
    html.push_str("</table></section>\n");
    html
}

fn status_class(status: Option<NormStatus>) -> &'static str {
    status.map_or("none", NormStatus::as_str)
}

fn norms(report: &RegionalReport) -> String {
    let m = &report.norms;
    let mut html = String::from(
        "<section><h2>Norms of responsible state behaviour (UN GGE 2015)</h2><table class=\"keep\"><tr><th>state</th>",
    );
    for n in &m.norms {
        let _ = write!(html, "<th>{}</th>", escape(n));
    }
    html.push_str("</tr>");
    for row in &m.rows {
        let _ = write!(html, "<tr><td>{}</td>", escape(&row.member_state));
        for c in &row.cells {
            let class = status_class(c.status);
            let mark = match c.status {
                Some(NormStatus::Implemented) => "●",
                Some(NormStatus::InProgress) => "◐",
                Some(NormStatus::NotStarted) => "○",
                Some(NormStatus::NotApplicable) => "–",
                None => "",
            };
            let _ = write!(html, "<td class=\"{class}\" title=\"{class}\">{mark}</td>");
        }
        html.push_str("</tr>");
    }
    html.push_str("</table><p class=\"meta\">● implemented ◐ in progress ○ not started – not applicable; blank: not assessed.</p>");
    let p = &report.norms_progress;
    let bars: Vec<(String, usize)> = p
        .states
        .iter()
        .filter(|s| s.implemented_to > 0)
        .map(|s| (s.member_state.clone(), s.implemented_to))
        .collect();
    html.push_str(&bar_chart(&format!("Norms implemented as of {}", p.to), &bars));
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

fn capacity(report: &RegionalReport) -> String {
    let mut html =
        String::from("<section><h2>Capacity building</h2><table class=\"keep\"><tr><th>state</th>");
    let themes: Vec<&String> =
        report.capacity.first().map(|r| r.cells.iter().map(|c| &c.theme).collect()).unwrap_or_default();
    for t in &themes {
        let _ = write!(html, "<th>{}</th>", escape(t));
    }
    html.push_str("</tr>");
    for row in &report.capacity {
        let _ = write!(html, "<tr><td>{}</td>", escape(&row.member_state));
        for c in &row.cells {
            let class = if c.gaps > 0 { " class=\"gap\"" } else { "" };
            let _ = write!(
                html,
                "<td{class}>{} programmes · {} needs · {} gaps</td>",
                c.programmes, c.needs, c.gaps
            );
        }
        html.push_str("</tr>");
    }
    let _ = write!(
        html,
        "</table><h3>Gaps ({})</h3><table><tr><th>state</th><th>theme</th><th>priority</th></tr>",
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

    use super::*;

    /// A report from fixed data, through the same pure functions the node uses.
    pub(crate) fn fixed_report() -> RegionalReport {
        let states = ["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN", "TL"];
        let letters: Vec<&str> = norms::NORMS.iter().map(|n| n.letter).collect();
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
        RegionalReport {
            period: "2026".into(),
            reader: "ASEAN".into(),
            generated: "2026-11-30T00:00:00.000Z".into(),
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
        assert_eq!(html.matches("<svg").count(), 2);
        assert!(html.contains("Overdue (1)") && html.contains("Gaps (1)") && html.contains("Overlaps (1)"));
    }
}

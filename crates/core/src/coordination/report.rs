//! The regional report for a meeting of ministers: the figures of one year, each counted through
//! the reader's audience (what the reader may see, and nothing else). [`RegionalReport`] is plain
//! data; `selat_server::report` renders it as one self-contained HTML page.

use std::collections::BTreeMap;

use serde::Serialize;

use super::capacity::{CoverageRow, NeedView, Overlap};
use super::incidents::{IncidentFilter, SEVERITIES, Status};
use super::meetings::{DecisionFilter, DecisionStatus, DecisionView};
use super::norms::{NormMatrix, Progress};
use super::statistics::{DirectoryHealth, IntelligenceStatistics, SightingStatistics};
use super::{CoordinationError, now};
use crate::node::Node;
use crate::org::Principal;

/// Incidents of one severity, by status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeverityRow {
    pub severity: String,
    pub total: usize,
    /// Status → count, every status present.
    pub by_status: BTreeMap<String, usize>,
}

/// Everything the report shows.
#[derive(Debug, Clone, Serialize)]
pub struct RegionalReport {
    /// The year reported on (`2026`).
    pub period: String,
    /// Whose view it is (an organisation's short name).
    pub reader: String,
    pub generated: String,
    /// Intelligence shared per member state in the period, and per ISO week.
    pub intelligence: IntelligenceStatistics,
    /// Sightings added in the period, per ISO week.
    pub sightings: SightingStatistics,
    /// Each member state's directory of points of contact, as of now.
    pub directory: Vec<DirectoryHealth>,
    /// Incidents created in the period, by severity (most severe first) and status.
    pub incidents: Vec<SeverityRow>,
    pub norms: NormMatrix,
    /// From the year before to the period.
    pub norms_progress: Progress,
    pub capacity: Vec<CoverageRow>,
    pub gaps: Vec<NeedView>,
    pub overlaps: Vec<Overlap>,
    /// Decisions due in the period that are still open or in progress.
    pub decisions_due: Vec<DecisionView>,
    /// Decisions overdue now.
    pub decisions_overdue: Vec<DecisionView>,
}

/// Incidents by severity and status: `(severity, status)` of each incident created in the period.
pub fn incident_rows(incidents: &[(String, Status)]) -> Vec<SeverityRow> {
    SEVERITIES
        .iter()
        .map(|severity| {
            let mut by_status: BTreeMap<String, usize> =
                Status::ALL.iter().map(|s| (s.as_str().to_owned(), 0)).collect();
            for (_, status) in incidents.iter().filter(|(s, _)| s == severity) {
                *by_status.entry(status.as_str().to_owned()).or_insert(0) += 1;
            }
            SeverityRow { severity: (*severity).to_owned(), total: by_status.values().sum(), by_status }
        })
        .collect()
}

/// `text` if it is a year, else a 400.
pub(crate) fn year(text: &str) -> Result<u32, CoordinationError> {
    text.parse::<u32>()
        .ok()
        .filter(|y| text.len() == 4 && (1967..=9998).contains(y))
        .ok_or_else(|| CoordinationError::Invalid(format!("period {text:?}: expected a year such as 2026")))
}

impl Node {
    /// The report for year `period`, as `by` may see it.
    pub async fn regional_report(
        &self,
        by: &Principal,
        period: &str,
    ) -> Result<RegionalReport, CoordinationError> {
        let year_number = year(period)?;
        let previous = (year_number - 1).to_string();
        let incidents: Vec<(String, Status)> = self
            .incidents(by, &IncidentFilter::default())
            .await?
            .into_iter()
            .filter(|i| i.created.starts_with(period))
            .map(|i| (i.severity, i.status))
            .collect();
        let decisions = self.decisions(by, &DecisionFilter::default()).await?;
        let open = |d: &&DecisionView| matches!(d.status, DecisionStatus::Open | DecisionStatus::InProgress);
        Ok(RegionalReport {
            period: period.to_owned(),
            reader: by.org.short_name.clone(),
            generated: now(),
            intelligence: self.intelligence_statistics(by, period).await?,
            sightings: self.sighting_statistics(by, period).await?,
            directory: self.directory_health(by).await?,
            incidents: incident_rows(&incidents),
            norms: self.norm_matrix(by, Some(period)).await?,
            norms_progress: self.norm_progress(by, &previous, period).await?,
            capacity: self.capacity_matrix(by).await?,
            gaps: self.capacity_gaps(by).await?,
            overlaps: self.capacity_overlaps(by).await?,
            decisions_due: decisions
                .iter()
                .filter(open)
                .filter(|d| d.due.as_deref().is_some_and(|due| due.starts_with(period)))
                .cloned()
                .collect(),
            decisions_overdue: decisions.iter().filter(|d| d.overdue).cloned().collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incidents_are_counted_by_severity_and_status() {
        let data = [
            ("high".to_owned(), Status::Triaged),
            ("high".to_owned(), Status::Closed),
            ("low".to_owned(), Status::Closed),
        ];
        let rows = incident_rows(&data);
        assert_eq!(rows.len(), 7);
        assert_eq!(rows[0].severity, "emergency");
        let high = rows.iter().find(|r| r.severity == "high").unwrap();
        assert_eq!((high.total, high.by_status["closed"], high.by_status["triaged"]), (2, 1, 1));
        assert_eq!(rows.iter().map(|r| r.total).sum::<usize>(), 3);
    }

    #[test]
    fn periods_are_years() {
        assert_eq!(year("2026").unwrap(), 2026);
        for bad in ["", "26", "2026-H1", "abcd", "0000", "+202"] {
            assert!(year(bad).is_err(), "{bad:?}");
        }
    }
}

//! Figures of a period for the regional report and the dashboard: intelligence shared per member
//! state (per ISO week), sightings over time, and the health of the directory of points of
//! contact. Each is counted through the reader's audience, inside the store's query
//! ([`selat_store::Store::activity`]) or over the directory the reader may see, so nothing the
//! reader may not see is counted; REST (`/api/v1/statistics/…`) and the report answer from the
//! same functions.
//!
//! An object counts on the day this node first stored it (its owner's first version), for the
//! member state of its owner (a sector lead's objects count for its state). Coordination records
//! are not intelligence and are left out.

use std::collections::BTreeMap;

use selat_stix::timestamp::Timestamp;
use selat_store::{ActivityQuery, ActivityRow, Store};
use serde::Serialize;

use super::{CoordinationError, Roster, audience_of, now};
use crate::node::Node;
use crate::org::Principal;

/// A contact verified within this many days counts as recently verified.
pub const VERIFIED_WITHIN_DAYS: i64 = 90;

const DAY_US: i64 = 86_400_000_000;

/// Objects one member state's organisations shared in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateIntelligence {
    pub member_state: String,
    pub objects: u64,
    /// One count per week of [`IntelligenceStatistics::weeks`], in the same order.
    pub weekly: Vec<u64>,
}

/// Intelligence shared per member state in a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntelligenceStatistics {
    pub period: String,
    /// The ISO weeks the period touches (`2026-W01`), in order.
    pub weeks: Vec<String>,
    /// Every member state, by ISO code.
    pub states: Vec<StateIntelligence>,
    /// All member states together.
    pub total: u64,
}

/// Objects of one ISO week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeekCount {
    pub week: String,
    pub objects: u64,
}

/// Sightings added in a period, per ISO week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SightingStatistics {
    pub period: String,
    pub total: u64,
    pub weeks: Vec<WeekCount>,
}

/// The directory of one member state as the reader sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DirectoryHealth {
    pub member_state: String,
    pub contacts: usize,
    /// Contacts that answered a check in the last [`VERIFIED_WITHIN_DAYS`] days.
    pub verified_recently: usize,
    /// Contacts not verified for the node's stale period (or never).
    pub stale: usize,
    /// The median response time of every answered check of the state's contacts, in seconds.
    pub median_response_s: Option<f64>,
}

/// The range of year `period`: its first microsecond and the next year's.
pub(crate) fn year_range(period: &str) -> Result<(i64, i64), CoordinationError> {
    let year = super::report::year(period)?;
    let start = |y: u32| Timestamp::parse(&format!("{y:04}-01-01T00:00:00Z")).map(|t| t.micros);
    let invalid = |e: selat_stix::timestamp::TimestampError| CoordinationError::Invalid(e.to_string());
    Ok((start(year).map_err(invalid)?, start(year + 1).map_err(invalid)?))
}

/// The ISO 8601 week of `day` (days since the Unix epoch), as `2026-W01`.
pub fn iso_week(day: i64) -> String {
    // 1970-01-01 was a Thursday; an ISO week belongs to the year of its Thursday.
    let weekday = (day + 3).rem_euclid(7);
    let thursday = day - weekday + 3;
    let text = Timestamp { micros: thursday * DAY_US, fraction_digits: 0 }.format(0);
    let year = &text[..4];
    let jan_first =
        Timestamp::parse(&format!("{year}-01-01T00:00:00Z")).map_or(thursday, |t| t.micros / DAY_US);
    format!("{year}-W{:02}", (thursday - jan_first) / 7 + 1)
}

/// The ISO weeks that days `[from_day, to_day)` touch, in order.
pub fn weeks_between(from_day: i64, to_day: i64) -> Vec<String> {
    let monday = from_day - (from_day + 3).rem_euclid(7);
    (0..).map(|w| monday + 7 * w).take_while(|d| *d < to_day).map(iso_week).collect()
}

/// Intelligence per member state from activity rows: `state_of` names an owner's member state
/// (none for the secretariat, partners and third parties, which are not counted).
pub fn intelligence(
    period: &str,
    weeks: Vec<String>,
    states: &[&str],
    rows: &[ActivityRow],
    state_of: impl Fn(&str) -> Option<String>,
) -> IntelligenceStatistics {
    let index: BTreeMap<&str, usize> = weeks.iter().enumerate().map(|(i, w)| (w.as_str(), i)).collect();
    let mut by_state: BTreeMap<&str, StateIntelligence> = states
        .iter()
        .map(|s| {
            (
                *s,
                StateIntelligence { member_state: (*s).to_owned(), objects: 0, weekly: vec![0; weeks.len()] },
            )
        })
        .collect();
    for row in rows {
        let Some(state) = state_of(&row.owner) else { continue };
        let Some(entry) = by_state.get_mut(state.as_str()) else { continue };
        entry.objects += row.objects;
        if let Some(i) = index.get(iso_week(row.day).as_str()) {
            entry.weekly[*i] += row.objects;
        }
    }
    let states: Vec<StateIntelligence> = by_state.into_values().collect();
    let total = states.iter().map(|s| s.objects).sum();
    IntelligenceStatistics { period: period.to_owned(), weeks, states, total }
}

/// Sightings per week from activity rows, every week of `weeks` present.
pub fn sightings(period: &str, weeks: Vec<String>, rows: &[ActivityRow]) -> SightingStatistics {
    let mut counts: BTreeMap<String, u64> = weeks.iter().map(|w| (w.clone(), 0)).collect();
    for row in rows {
        if let Some(count) = counts.get_mut(&iso_week(row.day)) {
            *count += row.objects;
        }
    }
    let weeks: Vec<WeekCount> =
        weeks.into_iter().map(|week| WeekCount { objects: counts[&week], week }).collect();
    SightingStatistics { period: period.to_owned(), total: weeks.iter().map(|w| w.objects).sum(), weeks }
}

impl Node {
    async fn activity(
        &self,
        by: &Principal,
        period: &str,
        object_type: Option<&str>,
        exclude_collection: Option<String>,
    ) -> Result<(Vec<String>, Vec<ActivityRow>), CoordinationError> {
        let (from_us, to_us) = year_range(period)?;
        let query = ActivityQuery {
            audience: audience_of(self, by).await?,
            from_us,
            to_us,
            object_type: object_type.map(str::to_owned),
            exclude_collection,
        };
        let rows = self.store.activity(&query).await?;
        Ok((weeks_between(from_us / DAY_US, to_us / DAY_US), rows))
    }

    /// Intelligence shared per member state in year `period`, as `by` may see it.
    pub async fn intelligence_statistics(
        &self,
        by: &Principal,
        period: &str,
    ) -> Result<IntelligenceStatistics, CoordinationError> {
        let coordination = self.coordination_collection().await?;
        let (weeks, rows) = self.activity(by, period, None, Some(coordination)).await?;
        let roster = Roster::load(self).await?;
        let today = now();
        let states: Vec<&str> = crate::region::member_states_on(&today[..10]).map(|m| m.alpha2).collect();
        let state_of = |owner: &str| {
            let org = roster.by_identity(owner)?;
            roster.state_of(org).map(|s| s.short_name.clone())
        };
        Ok(intelligence(period, weeks, &states, &rows, state_of))
    }

    /// Sightings added in year `period`, per ISO week, as `by` may see them.
    pub async fn sighting_statistics(
        &self,
        by: &Principal,
        period: &str,
    ) -> Result<SightingStatistics, CoordinationError> {
        let (weeks, rows) = self.activity(by, period, Some("sighting"), None).await?;
        Ok(sightings(period, weeks, &rows))
    }

    /// Each member state's directory as `by` sees it: contacts, recently verified, stale, and
    /// the median response time.
    pub async fn directory_health(&self, by: &Principal) -> Result<Vec<DirectoryHealth>, CoordinationError> {
        let contacts = self.contact_response_times(by).await?;
        let mut since = Timestamp::now_millis();
        since.micros -= VERIFIED_WITHIN_DAYS * DAY_US;
        let today = now();
        let states: Vec<&str> = crate::region::member_states_on(&today[..10]).map(|m| m.alpha2).collect();
        Ok(directory(&states, &contacts, &since.format(3)))
    }
}

/// Directory health per state from each contact and the response times of its answered checks;
/// `verified_since` is the earliest answer that counts as recent.
pub fn directory(
    states: &[&str],
    contacts: &[(super::contacts::ContactView, Vec<f64>)],
    verified_since: &str,
) -> Vec<DirectoryHealth> {
    states
        .iter()
        .map(|state| {
            let mine: Vec<&(super::contacts::ContactView, Vec<f64>)> =
                contacts.iter().filter(|(c, _)| c.member_state.as_deref() == Some(*state)).collect();
            let mut times: Vec<f64> = mine.iter().flat_map(|(_, t)| t.iter().copied()).collect();
            DirectoryHealth {
                member_state: (*state).to_owned(),
                contacts: mine.len(),
                verified_recently: mine
                    .iter()
                    .filter(|(c, _)| c.last_verified.as_deref().is_some_and(|at| at >= verified_since))
                    .count(),
                stale: mine.iter().filter(|(c, _)| c.stale).count(),
                median_response_s: super::contacts::median(&mut times),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(date: &str) -> i64 {
        Timestamp::parse(&format!("{date}T12:00:00Z")).unwrap().micros / DAY_US
    }

    #[test]
    fn iso_weeks_follow_iso_8601() {
        for (date, week) in [
            ("2026-01-01", "2026-W01"),
            ("2025-12-29", "2026-W01"),
            ("2027-01-01", "2026-W53"),
            ("2021-01-03", "2020-W53"),
            ("2021-01-04", "2021-W01"),
            ("2024-12-30", "2025-W01"),
            ("2026-06-15", "2026-W25"),
        ] {
            assert_eq!(iso_week(day(date)), week, "{date}");
        }
        let (from, to) = year_range("2026").unwrap();
        let weeks = weeks_between(from / DAY_US, to / DAY_US);
        assert_eq!((weeks.len(), weeks[0].as_str(), weeks[52].as_str()), (53, "2026-W01", "2026-W53"));
        let (from, to) = year_range("2027").unwrap();
        let weeks = weeks_between(from / DAY_US, to / DAY_US);
        assert_eq!((weeks[0].as_str(), weeks.last().unwrap().as_str()), ("2026-W53", "2027-W52"));
    }

    #[test]
    fn intelligence_counts_for_the_owners_state_and_week() {
        let (from, to) = year_range("2026").unwrap();
        let weeks = weeks_between(from / DAY_US, to / DAY_US);
        let row =
            |owner: &str, date: &str, objects| ActivityRow { owner: owner.into(), day: day(date), objects };
        let rows =
            [row("sg", "2026-01-02", 2), row("sg-bank", "2026-01-05", 1), row("asean", "2026-01-05", 7)];
        let state_of = |o: &str| match o {
            "sg" | "sg-bank" => Some("SG".to_owned()),
            _ => None,
        };
        let stats = intelligence("2026", weeks, &["MY", "SG"], &rows, state_of);
        assert_eq!(stats.total, 3, "the secretariat's objects are no state's");
        let sg = &stats.states[1];
        assert_eq!((sg.member_state.as_str(), sg.objects, sg.weekly[0], sg.weekly[1]), ("SG", 3, 2, 1));
        assert_eq!(stats.states[0].objects, 0, "every state present");
        let sightings = sightings("2026", stats.weeks.clone(), &rows);
        assert_eq!((sightings.total, sightings.weeks[1].objects), (10, 8));
    }
}

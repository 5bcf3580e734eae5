//! The region as data: the ASEAN Member States with the date each joined, so membership is never
//! a constant (ten in 2016, eleven since Timor-Leste's admission on 26 October 2025).
//!
//! Facts from `../shared/REGION.md`; rows it marks unverified carry `verified: false` so an
//! org-admin knows to confirm them.

use serde::Serialize;

use crate::org::{OrgKind, Organisation};

/// One Member State.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberState {
    /// ISO 3166-1 alpha-2, also the organisation's short name (`SG`).
    pub alpha2: &'static str,
    pub alpha3: &'static str,
    pub numeric: &'static str,
    pub name: &'static str,
    /// IANA time zones, the capital's first.
    pub time_zones: &'static [&'static str],
    /// The national cyber agency, where known.
    pub agency: &'static str,
    /// The national CERT, where known.
    pub cert: &'static str,
    /// Date of joining ASEAN (ISO 8601).
    pub member_since: &'static str,
    /// Whether the agency and CERT names were confirmed from a primary source.
    pub verified: bool,
}

/// Every Member State, in alphabetical order of alpha-2 code.
pub const MEMBER_STATES: [MemberState; 11] = [
    MemberState {
        alpha2: "BN",
        alpha3: "BRN",
        numeric: "096",
        name: "Brunei Darussalam",
        time_zones: &["Asia/Brunei"],
        agency: "Cyber Security Brunei (CSB)",
        cert: "BruCERT",
        member_since: "1984-01-07",
        verified: true,
    },
    MemberState {
        alpha2: "ID",
        alpha3: "IDN",
        numeric: "360",
        name: "Indonesia",
        time_zones: &["Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura"],
        agency: "Badan Siber dan Sandi Negara (BSSN)",
        cert: "Id-SIRTII/CC",
        member_since: "1967-08-08",
        verified: true,
    },
    MemberState {
        alpha2: "KH",
        alpha3: "KHM",
        numeric: "116",
        name: "Cambodia",
        time_zones: &["Asia/Phnom_Penh"],
        agency: "Ministry of Posts and Telecommunications",
        cert: "CamCERT",
        member_since: "1999-04-30",
        verified: false,
    },
    MemberState {
        alpha2: "LA",
        alpha3: "LAO",
        numeric: "418",
        name: "Lao PDR",
        time_zones: &["Asia/Vientiane"],
        agency: "Ministry of Posts and Telecommunications",
        cert: "LaoCERT",
        member_since: "1997-07-23",
        verified: false,
    },
    MemberState {
        alpha2: "MM",
        alpha3: "MMR",
        numeric: "104",
        name: "Myanmar",
        time_zones: &["Asia/Yangon"],
        agency: "National Cyber Security Centre, Ministry of Transport and Communications",
        cert: "mmCERT",
        member_since: "1997-07-23",
        verified: false,
    },
    MemberState {
        alpha2: "MY",
        alpha3: "MYS",
        numeric: "458",
        name: "Malaysia",
        time_zones: &["Asia/Kuala_Lumpur", "Asia/Kuching"],
        agency: "National Cyber Security Agency (NACSA)",
        cert: "MyCERT",
        member_since: "1967-08-08",
        verified: true,
    },
    MemberState {
        alpha2: "PH",
        alpha3: "PHL",
        numeric: "608",
        name: "Philippines",
        time_zones: &["Asia/Manila"],
        agency: "Department of Information and Communications Technology (DICT)",
        cert: "CERT-PH (NCERT)",
        member_since: "1967-08-08",
        verified: true,
    },
    MemberState {
        alpha2: "SG",
        alpha3: "SGP",
        numeric: "702",
        name: "Singapore",
        time_zones: &["Asia/Singapore"],
        agency: "Cyber Security Agency of Singapore (CSA)",
        cert: "SingCERT",
        member_since: "1967-08-08",
        verified: true,
    },
    MemberState {
        alpha2: "TH",
        alpha3: "THA",
        numeric: "764",
        name: "Thailand",
        time_zones: &["Asia/Bangkok"],
        agency: "National Cyber Security Agency (NCSA)",
        cert: "ThaiCERT",
        member_since: "1967-08-08",
        verified: true,
    },
    MemberState {
        alpha2: "TL",
        alpha3: "TLS",
        numeric: "626",
        name: "Timor-Leste",
        time_zones: &["Asia/Dili"],
        agency: "to be confirmed",
        cert: "to be confirmed",
        member_since: "2025-10-26",
        verified: false,
    },
    MemberState {
        alpha2: "VN",
        alpha3: "VNM",
        numeric: "704",
        name: "Viet Nam",
        time_zones: &["Asia/Ho_Chi_Minh"],
        agency: "Authority of Information Security (AIS)",
        cert: "VNCERT/CC",
        member_since: "1995-07-28",
        verified: false,
    },
];

/// The Member States on a date (`YYYY-MM-DD`): ten for the 2016 AMCC, eleven today.
pub fn member_states_on(date: &str) -> impl Iterator<Item = &'static MemberState> + '_ {
    MEMBER_STATES.iter().filter(move |m| m.member_since <= date)
}

/// The state with this alpha-2 code.
pub fn member_state(alpha2: &str) -> Option<&'static MemberState> {
    MEMBER_STATES.iter().find(|m| m.alpha2.eq_ignore_ascii_case(alpha2))
}

/// A Member State as the REST API shows it: the facts of [`MEMBER_STATES`] and, when the state
/// is registered on this node (an organisation of kind `member-state` whose short name is its
/// alpha-2 code), its organisation and sector leads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberStateRecord {
    pub iso2: &'static str,
    pub iso3: &'static str,
    pub iso_numeric: &'static str,
    pub name: &'static str,
    pub agency: &'static str,
    pub cert: &'static str,
    pub time_zones: &'static [&'static str],
    pub member_since: &'static str,
    /// Whether the agency and CERT names were confirmed from a primary source.
    pub verified: bool,
    /// The state's organisation on this node (its STIX identity), if registered.
    pub organisation: Option<String>,
    /// Short names of its sector leads registered on this node, sorted.
    pub sector_leads: Vec<String>,
}

/// An organisation as the REST API lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrganisationRecord {
    pub short_name: String,
    pub name: String,
    pub kind: &'static str,
    /// The member state a sector lead belongs to.
    pub parent: Option<String>,
    pub identity: String,
    pub member_since: Option<String>,
}

impl From<&Organisation> for OrganisationRecord {
    fn from(org: &Organisation) -> Self {
        OrganisationRecord {
            short_name: org.short_name.clone(),
            name: org.name.clone(),
            kind: org.kind.as_str(),
            parent: org.parent.clone(),
            identity: org.identity.clone(),
            member_since: org.member_since.clone(),
        }
    }
}

/// The Member States on `date` (`YYYY-MM-DD`; all of today's without one), with what `orgs` (the
/// node's organisations) registers of each.
pub fn member_state_records(orgs: &[Organisation], date: Option<&str>) -> Vec<MemberStateRecord> {
    let states: Vec<&MemberState> = match date {
        Some(date) => member_states_on(date).collect(),
        None => MEMBER_STATES.iter().collect(),
    };
    states
        .into_iter()
        .map(|m| {
            let organisation = orgs
                .iter()
                .find(|o| o.kind == OrgKind::MemberState && o.short_name == m.alpha2)
                .map(|o| o.identity.clone());
            let mut sector_leads: Vec<String> = orgs
                .iter()
                .filter(|o| o.kind == OrgKind::SectorLead && o.parent.as_deref() == Some(m.alpha2))
                .map(|o| o.short_name.clone())
                .collect();
            sector_leads.sort();
            MemberStateRecord {
                iso2: m.alpha2,
                iso3: m.alpha3,
                iso_numeric: m.numeric,
                name: m.name,
                agency: m.agency,
                cert: m.cert,
                time_zones: m.time_zones,
                member_since: m.member_since,
                verified: m.verified,
                organisation,
                sector_leads,
            }
        })
        .collect()
}

/// Critical-information-infrastructure sectors fixed in law, per member state (REGION.md):
/// Singapore's Cybersecurity Act 2018 and Malaysia's Cyber Security Act 2024. Other states' sectors
/// come from the sector leads registered on the node. The CII owners themselves are never stored:
/// states keep those lists confidential.
pub const STATUTORY_SECTORS: [(&str, &str, &[&str]); 2] = [
    (
        "SG",
        "Cybersecurity Act 2018",
        &[
            "energy",
            "infocomm",
            "water",
            "healthcare",
            "banking and finance",
            "security and emergency services",
            "aviation",
            "land transport",
            "maritime",
            "government",
            "media",
        ],
    ),
    (
        "MY",
        "Cyber Security Act 2024",
        &[
            "government",
            "banking and finance",
            "transportation",
            "defence and national security",
            "information, communication and digital",
            "healthcare services",
            "water, sewerage and waste management",
            "energy",
            "agriculture and plantation",
            "trade, industry and economy",
            "science, technology and innovation",
        ],
    ),
];

/// One sector of one member state, and its sector lead where one is registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectorRecord {
    pub member_state: &'static str,
    pub sector: String,
    /// The sector lead organisation's short name (`SG-BANKING`).
    pub sector_lead: Option<String>,
    /// The law that names the sector, if one does.
    pub source: Option<&'static str>,
}

/// The sectors of every member state: the statutory ones, each with the sector lead whose short
/// name's suffix names it (`SG-BANKING` leads "banking and finance"), then every other registered
/// sector lead's sector.
pub fn sector_records(orgs: &[Organisation]) -> Vec<SectorRecord> {
    let mut out = Vec::new();
    for state in &MEMBER_STATES {
        let leads: Vec<&Organisation> = orgs
            .iter()
            .filter(|o| o.kind == OrgKind::SectorLead && o.parent.as_deref() == Some(state.alpha2))
            .collect();
        let suffix = |o: &Organisation| {
            o.short_name.rsplit_once('-').map(|(_, s)| s.to_lowercase()).unwrap_or_default()
        };
        let mut matched = Vec::new();
        if let Some((_, law, sectors)) = STATUTORY_SECTORS.iter().find(|(s, _, _)| *s == state.alpha2) {
            for sector in *sectors {
                let lead = leads.iter().find(|o| {
                    let word = suffix(o);
                    !word.is_empty()
                        && sector
                            .split([' ', ','])
                            .any(|w| w.starts_with(&word) || word.starts_with(w) && w.len() > 3)
                });
                if let Some(lead) = lead {
                    matched.push(lead.short_name.clone());
                }
                out.push(SectorRecord {
                    member_state: state.alpha2,
                    sector: (*sector).to_owned(),
                    sector_lead: lead.map(|o| o.short_name.clone()),
                    source: Some(law),
                });
            }
        }
        for lead in leads.iter().filter(|o| !matched.contains(&o.short_name)) {
            out.push(SectorRecord {
                member_state: state.alpha2,
                sector: suffix(lead),
                sector_lead: Some(lead.short_name.clone()),
                source: None,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_join_the_facts_with_the_registered_organisations() {
        let org = |short: &str, kind: OrgKind, parent: Option<&str>| Organisation {
            short_name: short.to_owned(),
            name: short.to_owned(),
            kind,
            parent: parent.map(str::to_owned),
            identity: format!("identity--{short}"),
            member_since: None,
        };
        let orgs = [
            org("SG", OrgKind::MemberState, None),
            org("SG-ENERGY", OrgKind::SectorLead, Some("SG")),
            org("SG-BANKING", OrgKind::SectorLead, Some("SG")),
            org("ASEAN", OrgKind::Secretariat, None),
        ];
        let all = member_state_records(&orgs, None);
        assert_eq!(all.len(), 11);
        let sg = all.iter().find(|m| m.iso2 == "SG").unwrap();
        assert_eq!(sg.organisation.as_deref(), Some("identity--SG"));
        assert_eq!(sg.sector_leads, ["SG-BANKING", "SG-ENERGY"]);
        let my = all.iter().find(|m| m.iso2 == "MY").unwrap();
        assert_eq!((my.organisation.as_deref(), my.sector_leads.len()), (None, 0));
        assert_eq!(member_state_records(&orgs, Some("2016-10-11")).len(), 10);
    }

    #[test]
    fn sectors_join_the_statutory_lists_with_the_sector_leads() {
        let lead = |short: &str, parent: &str| Organisation {
            short_name: short.to_owned(),
            name: short.to_owned(),
            kind: OrgKind::SectorLead,
            parent: Some(parent.to_owned()),
            identity: format!("identity--{short}"),
            member_since: None,
        };
        let orgs = [
            lead("SG-BANKING", "SG"),
            lead("SG-MARITIME", "SG"),
            lead("MY-WATER", "MY"),
            lead("TH-TELECOM", "TH"),
        ];
        let all = sector_records(&orgs);
        let find =
            |state: &str, sector: &str| all.iter().find(|s| s.member_state == state && s.sector == sector);
        assert_eq!(all.iter().filter(|s| s.member_state == "SG").count(), 11);
        assert_eq!(
            find("SG", "banking and finance").and_then(|s| s.sector_lead.as_deref()),
            Some("SG-BANKING")
        );
        assert_eq!(find("SG", "maritime").and_then(|s| s.sector_lead.as_deref()), Some("SG-MARITIME"));
        assert_eq!(find("SG", "aviation").map(|s| s.sector_lead.is_none()), Some(true));
        assert_eq!(
            find("MY", "water, sewerage and waste management").and_then(|s| s.sector_lead.as_deref()),
            Some("MY-WATER")
        );
        assert_eq!(find("TH", "telecom").and_then(|s| s.source), None);
        assert_eq!(all.iter().filter(|s| s.member_state == "TH").count(), 1);
    }

    #[test]
    fn membership_is_dated() {
        assert_eq!(member_states_on("2016-10-11").count(), 10);
        assert!(member_states_on("2016-10-11").all(|m| m.alpha2 != "TL"));
        assert_eq!(member_states_on("2026-11-29").count(), 11);
        assert_eq!(member_state("sg").map(|m| m.cert), Some("SingCERT"));
    }
}

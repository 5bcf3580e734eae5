//! Norms of responsible state behaviour, and each member state's assessments of them
//! (`x-selat-norm-assessment`), recorded and edited only by that state.
//!
//! A norm is a record too (`x-selat-norm`, with its checklist items): the eleven UN GGE 2015 norms
//! (A/70/174 para 13, a–k; [`NORMS`] is their seed table, with illustrative checklist items) are
//! stored in the coordination collection when it is made, with ids and versions fixed so that every
//! node seeds the same objects; the secretariat adds more ([`Node::add_norm`]), lettered from `l`.
//!
//! An assessment is one object per state, norm (or checklist item) and reporting period, with an
//! id derived from those, so recording it again is a new version of the same object. The matrix
//! and the progress between two periods are pure functions of the assessments a reader may see
//! ([`matrix`], [`progress`]); the services only read and check.

use std::collections::BTreeMap;

use selat_stix::meta::Scope;
use selat_stix::selat::{NORM, NORM_ASSESSMENT, SELAT_IDENTITY};
use selat_stix::tlp::Tlp;
use selat_store::Audience;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{CoordinationError, Record, Roster, Sharing, audience_of, bounded, now};
use crate::node::Node;
use crate::org::{OrgKind, Principal, Role};

/// Longest reporting period name, in bytes (`2026`, `2026-H1`, `2026-Q3`).
pub const MAX_PERIOD_BYTES: usize = 7;

/// One of the eleven UN GGE 2015 norms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Norm {
    /// Its letter in A/70/174 para 13.
    pub letter: &'static str,
    /// The norm in one line.
    pub text: &'static str,
    /// Illustrative checklist items (`d.1`, …): ASEAN's Norms Implementation Checklist (2024)
    /// breaks norms into action items, but its exact list is unverified, so these are marked so.
    pub items: &'static [ChecklistItem],
}

/// An illustrative action item under a norm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ChecklistItem {
    pub id: &'static str,
    pub text: &'static str,
}

const fn item(id: &'static str, text: &'static str) -> ChecklistItem {
    ChecklistItem { id, text }
}

/// The eleven norms, re-typed from A/70/174 para 13, each with a few illustrative items.
pub const NORMS: [Norm; 11] = [
    Norm {
        letter: "a",
        text: "Cooperate on measures that increase ICT stability and security and prevent harmful ICT practices.",
        items: &[
            item("a.1", "Take part in regional confidence-building measures on ICT security."),
            item("a.2", "Name a national point of contact for regional cooperation."),
        ],
    },
    Norm {
        letter: "b",
        text: "In case of ICT incidents, consider all relevant information, including the larger context, the challenges of attribution, and the nature and extent of the consequences.",
        items: &[
            item("b.1", "Have a national process to assess significant ICT incidents before responding."),
            item("b.2", "Share technical findings with affected states before public attribution."),
        ],
    },
    Norm {
        letter: "c",
        text: "Do not knowingly allow your territory to be used for internationally wrongful acts using ICTs.",
        items: &[
            item(
                "c.1",
                "Have a channel to receive notice of malicious activity from national infrastructure.",
            ),
            item("c.2", "Act on such notices within a set time."),
        ],
    },
    Norm {
        letter: "d",
        text: "Cooperate to exchange information, assist each other, and prosecute terrorist and criminal use of ICTs.",
        items: &[
            item("d.1", "Keep a regularly updated directory of points of contact of overseas counterparts."),
            item("d.2", "Have mutual legal assistance arrangements that cover electronic evidence."),
        ],
    },
    Norm {
        letter: "e",
        text: "Respect human rights online, including the right to privacy.",
        items: &[
            item("e.1", "Review cybersecurity laws for their effect on privacy and freedom of expression."),
            item("e.2", "Publish how personal data is handled in incident response."),
        ],
    },
    Norm {
        letter: "f",
        text: "Do not conduct or knowingly support ICT activity that intentionally damages critical infrastructure or impairs its use to provide services to the public.",
        items: &[
            item("f.1", "State national policy on not targeting critical infrastructure."),
            item("f.2", "Brief government agencies on that policy."),
        ],
    },
    Norm {
        letter: "g",
        text: "Take appropriate measures to protect your critical infrastructure from ICT threats.",
        items: &[
            item("g.1", "Designate critical information infrastructure sectors and their sector leads."),
            item("g.2", "Set baseline security requirements for critical infrastructure owners."),
            item("g.3", "Exercise incident response with critical infrastructure sectors each year."),
        ],
    },
    Norm {
        letter: "h",
        text: "Respond to appropriate requests for assistance by another state whose critical infrastructure is subject to malicious ICT acts.",
        items: &[
            item("h.1", "Have a national CERT able to receive requests for assistance around the clock."),
            item("h.2", "Agree procedures for answering requests from other member states."),
        ],
    },
    Norm {
        letter: "i",
        text: "Take reasonable steps to ensure the integrity of the supply chain; prevent the proliferation of malicious ICT tools and harmful hidden functions.",
        items: &[
            item("i.1", "Have a supply-chain security framework for government procurement."),
            item("i.2", "Control the export of intrusion software."),
        ],
    },
    Norm {
        letter: "j",
        text: "Encourage responsible reporting of ICT vulnerabilities and share information on remedies.",
        items: &[
            item("j.1", "Run or support a coordinated vulnerability disclosure process."),
            item("j.2", "Share remedies with regional CERTs."),
        ],
    },
    Norm {
        letter: "k",
        text: "Do not harm another state's authorised emergency response teams (CERTs/CSIRTs), and do not use authorised teams for malicious international activity.",
        items: &[
            item("k.1", "State national policy that CERTs are not used for malicious activity."),
            item("k.2", "Publish the national CERT's mandate."),
        ],
    },
];

/// Most norms: one per letter, a to z.
pub const MAX_NORMS: usize = 26;
/// Most checklist items of one added norm.
pub const MAX_NORM_ITEMS: usize = 20;
/// Where the eleven come from.
const GGE_SOURCE: &str = "UN GGE 2015 (A/70/174, para 13)";
/// `created` and `modified` of the seeded norms: the report's date, fixed so that seeding again
/// (on every start, on every node) stores nothing new.
const GGE_DATE: &str = "2015-07-22T00:00:00.000Z";

/// A norm as stored and listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NormView {
    pub id: String,
    /// `a`–`k` for the eleven UN GGE 2015 norms, `l` onwards for those added since.
    pub letter: String,
    pub text: String,
    pub source: Option<String>,
    pub items: Vec<ItemView>,
    pub recorded_by: String,
}

/// A checklist item of a norm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemView {
    pub id: String,
    pub text: String,
    /// Whether it is illustrative (the seeded items are; see [`Norm::items`]).
    #[serde(default)]
    pub illustrative: bool,
}

/// A norm the secretariat adds (`POST /api/v1/norms`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewNorm {
    pub text: String,
    /// Its checklist items' texts; they are numbered `<letter>.1`, `<letter>.2`, …
    #[serde(default)]
    pub items: Vec<String>,
    /// Where it was agreed (e.g. a meeting's name).
    pub source: Option<String>,
}

/// The seeded norm with `letter`'s id: the same on every node.
pub fn seeded_norm_id(letter: &str) -> String {
    format!(
        "{}--{}",
        NORM.object_type.unwrap_or_default(),
        crate::sighting::v4_from(&format!("selat:norm:{letter}"))
    )
}

/// The eleven UN GGE 2015 norms as `x-selat-norm` objects (TLP:CLEAR, shared with the community).
pub fn seeded_norms() -> Vec<Value> {
    NORMS
        .iter()
        .map(|n| {
            let items: Vec<Value> =
                n.items.iter().map(|i| json!({"id": i.id, "text": i.text, "illustrative": true})).collect();
            let mut object = json!({
                "type": NORM.object_type, "spec_version": "2.1", "id": seeded_norm_id(n.letter),
                "created": GGE_DATE, "modified": GGE_DATE, "created_by_ref": SELAT_IDENTITY,
                "letter": n.letter, "text": n.text, "source": GGE_SOURCE, "items": items,
                "extensions": {NORM.id: {"extension_type": "new-sdo"}},
            });
            Sharing::new(Tlp::Clear, Scope::Community).apply(&mut object);
            object
        })
        .collect()
}

fn norm_of(roster: &Roster, record: &Record) -> Option<NormView> {
    Some(NormView {
        id: record.id().to_owned(),
        letter: record.str("letter")?.to_owned(),
        text: record.str("text")?.to_owned(),
        source: record.str("source").map(str::to_owned),
        items: record
            .object
            .get("items")
            .cloned()
            .and_then(|i| serde_json::from_value(i).ok())
            .unwrap_or_default(),
        recorded_by: roster.name_of(&record.owner),
    })
}

/// The letter after the last of `letters` (`l` after the eleven), if one is left.
fn next_letter<'a>(letters: impl Iterator<Item = &'a str>) -> Option<char> {
    let last = letters.filter_map(|l| l.chars().next()).max().unwrap_or('`');
    ('a'..='z').find(|c| *c > last)
}

/// How far a state has implemented a norm or an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NormStatus {
    NotStarted,
    InProgress,
    Implemented,
    NotApplicable,
}

impl NormStatus {
    pub const ALL: [NormStatus; 4] =
        [NormStatus::NotStarted, NormStatus::InProgress, NormStatus::Implemented, NormStatus::NotApplicable];

    pub fn as_str(self) -> &'static str {
        match self {
            NormStatus::NotStarted => "not-started",
            NormStatus::InProgress => "in-progress",
            NormStatus::Implemented => "implemented",
            NormStatus::NotApplicable => "not-applicable",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// `text` if it is a reporting period: a year (`2026`), a half (`2026-H1`) or a quarter
/// (`2026-Q3`). Periods compare as text, so compare periods of one kind.
pub fn period(field: &str, text: &str) -> Result<String, CoordinationError> {
    let bytes = text.as_bytes();
    let year = bytes.len() >= 4 && bytes[..4].iter().all(u8::is_ascii_digit);
    let rest = text.get(4..).unwrap_or("");
    let suffix = matches!(rest, "" | "-H1" | "-H2" | "-Q1" | "-Q2" | "-Q3" | "-Q4");
    if text.len() <= MAX_PERIOD_BYTES && year && suffix {
        Ok(text.to_owned())
    } else {
        Err(CoordinationError::Invalid(format!(
            "{field} {text:?}: expected a period such as 2026, 2026-H1 or 2026-Q3"
        )))
    }
}

/// One assessment, as the analysis reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub member_state: String,
    pub norm: String,
    /// The checklist item, or `None` for the norm as a whole.
    pub item: Option<String>,
    pub status: NormStatus,
    pub period: String,
}

/// A state's status on one norm, and the period it was assessed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    pub norm: String,
    pub status: Option<NormStatus>,
    pub period: Option<String>,
}

/// One state's row of the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatrixRow {
    pub member_state: String,
    pub cells: Vec<Cell>,
}

/// State × norm, each cell the latest status as of a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NormMatrix {
    /// Assessments of later periods are left out; `None` takes every period.
    pub period: Option<String>,
    /// The norms' letters, in order.
    pub norms: Vec<String>,
    pub rows: Vec<MatrixRow>,
    /// Cells per status (`none` for cells without an assessment).
    pub totals: BTreeMap<String, usize>,
}

/// The status of `norm` for `state` as of `period`: taken from the latest period, up to
/// `period`, in which the state assessed the norm or any of its items. In that period an
/// assessment of the norm as a whole wins; otherwise the items decide: all not applicable →
/// not applicable; all implemented or not applicable → implemented; any started → in progress;
/// else not started.
pub fn status_as_of(
    assessments: &[Assessment],
    state: &str,
    norm: &str,
    period: Option<&str>,
) -> Option<(NormStatus, String)> {
    let relevant: Vec<&Assessment> = assessments
        .iter()
        .filter(|a| a.member_state == state && a.norm == norm)
        .filter(|a| period.is_none_or(|p| a.period.as_str() <= p))
        .collect();
    let latest = relevant.iter().map(|a| a.period.as_str()).max()?;
    let in_latest: Vec<&&Assessment> = relevant.iter().filter(|a| a.period == latest).collect();
    if let Some(whole) = in_latest.iter().find(|a| a.item.is_none()) {
        return Some((whole.status, latest.to_owned()));
    }
    let statuses: Vec<NormStatus> = in_latest.iter().map(|a| a.status).collect();
    use NormStatus::{Implemented, InProgress, NotApplicable, NotStarted};
    let status = if statuses.iter().all(|s| *s == NotApplicable) {
        NotApplicable
    } else if statuses.iter().all(|s| matches!(s, Implemented | NotApplicable)) {
        Implemented
    } else if statuses.iter().any(|s| matches!(s, Implemented | InProgress)) {
        InProgress
    } else {
        NotStarted
    };
    Some((status, latest.to_owned()))
}

/// The matrix of `states` × `norms` (their letters) as of `period`.
pub fn matrix(
    states: &[&str],
    norms: &[&str],
    assessments: &[Assessment],
    period: Option<&str>,
) -> NormMatrix {
    let mut totals = BTreeMap::new();
    let rows = states
        .iter()
        .map(|state| {
            let cells = norms
                .iter()
                .map(|n| {
                    let found = status_as_of(assessments, state, n, period);
                    let key = found.as_ref().map_or("none", |(s, _)| s.as_str());
                    *totals.entry(key.to_owned()).or_insert(0) += 1;
                    Cell {
                        norm: (*n).to_owned(),
                        status: found.as_ref().map(|(s, _)| *s),
                        period: found.map(|(_, p)| p),
                    }
                })
                .collect();
            MatrixRow { member_state: (*state).to_owned(), cells }
        })
        .collect();
    NormMatrix {
        period: period.map(str::to_owned),
        norms: norms.iter().map(|n| (*n).to_owned()).collect(),
        rows,
        totals,
    }
}

/// One norm's status at the two periods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NormChange {
    pub norm: String,
    pub from: Option<NormStatus>,
    pub to: Option<NormStatus>,
    pub changed: bool,
}

/// One state's progress between two periods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateProgress {
    pub member_state: String,
    /// Norms implemented as of `from`, and as of `to`.
    pub implemented_from: usize,
    pub implemented_to: usize,
    pub norms: Vec<NormChange>,
}

/// Progress of every state from period `from` to period `to` (each as of that period).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub from: String,
    pub to: String,
    pub states: Vec<StateProgress>,
}

/// Each state's status on each of `norms` as of `from` and as of `to`.
pub fn progress(
    states: &[&str],
    norms: &[&str],
    assessments: &[Assessment],
    from: &str,
    to: &str,
) -> Progress {
    let implemented = |s: &Option<NormStatus>| *s == Some(NormStatus::Implemented);
    let states = states
        .iter()
        .map(|state| {
            let norms: Vec<NormChange> = norms
                .iter()
                .map(|n| {
                    let before = status_as_of(assessments, state, n, Some(from)).map(|(s, _)| s);
                    let after = status_as_of(assessments, state, n, Some(to)).map(|(s, _)| s);
                    NormChange { norm: (*n).to_owned(), from: before, to: after, changed: before != after }
                })
                .collect();
            StateProgress {
                member_state: (*state).to_owned(),
                implemented_from: norms.iter().filter(|c| implemented(&c.from)).count(),
                implemented_to: norms.iter().filter(|c| implemented(&c.to)).count(),
                norms,
            }
        })
        .collect();
    Progress { from: from.to_owned(), to: to.to_owned(), states }
}

/// A norm assessment as a member state records it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAssessment {
    /// ISO 3166 alpha-2 of the state assessed: the caller's own.
    pub member_state: String,
    /// The norm's letter, a–k.
    pub norm: String,
    /// A checklist item of the norm (`g.1`); absent for the norm as a whole.
    pub item: Option<String>,
    pub status: String,
    pub period: String,
    pub evidence: Option<String>,
    /// `clear`, `green` (the default) or `amber`; shared with the region.
    pub tlp: Option<String>,
}

/// A filter on the assessments listed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssessmentFilter {
    pub member_state: Option<String>,
    pub norm: Option<String>,
    pub period: Option<String>,
}

/// A stored assessment.
#[derive(Debug, Clone, Serialize)]
pub struct AssessmentView {
    pub id: String,
    pub member_state: String,
    pub norm: String,
    pub item: Option<String>,
    pub status: NormStatus,
    pub period: String,
    pub evidence: Option<String>,
    pub recorded_by: String,
    pub tlp: String,
    pub created: String,
    pub modified: String,
}

fn assessment_of(record: &Record) -> Option<Assessment> {
    Some(Assessment {
        member_state: record.str("member_state")?.to_owned(),
        norm: record.str("norm")?.to_owned(),
        item: record.str("item").map(str::to_owned),
        status: NormStatus::parse(record.str("status")?)?,
        period: record.str("period")?.to_owned(),
    })
}

fn view_of(roster: &Roster, record: &Record) -> Option<AssessmentView> {
    let a = assessment_of(record)?;
    Some(AssessmentView {
        id: record.id().to_owned(),
        member_state: a.member_state,
        norm: a.norm,
        item: a.item,
        status: a.status,
        period: a.period,
        evidence: record.str("evidence").map(str::to_owned),
        recorded_by: roster.name_of(&record.owner),
        tlp: Sharing::of(&record.object).tlp.as_str().to_owned(),
        created: record.str("created").unwrap_or_default().to_owned(),
        modified: record.str("modified").unwrap_or_default().to_owned(),
    })
}

/// The id of `state_identity`'s assessment of `subject` (a norm or item) for `period`: the same
/// each time, so recording it again makes a new version.
fn assessment_id(state_identity: &str, subject: &str, period: &str) -> String {
    format!(
        "{}--{}",
        NORM_ASSESSMENT.object_type.unwrap_or_default(),
        crate::sighting::v4_from(&format!("selat:norm-assessment:{state_identity}:{subject}:{period}"))
    )
}

/// Checks what a state may record, and returns the norm letter and item.
fn check_new(
    by: &Principal,
    norms: &[NormView],
    new: &NewAssessment,
) -> Result<(String, Option<String>), CoordinationError> {
    if !by.at_least(Role::Analyst) {
        return Err(CoordinationError::Forbidden(
            "viewers read; an analyst or above records assessments".to_owned(),
        ));
    }
    let own =
        by.org.kind == OrgKind::MemberState && by.org.short_name.eq_ignore_ascii_case(&new.member_state);
    if !own {
        return Err(CoordinationError::Forbidden(format!(
            "only {} records {}'s norm assessments; {} may record only its own",
            new.member_state.to_ascii_uppercase(),
            new.member_state.to_ascii_uppercase(),
            by.org.short_name
        )));
    }
    let Some(norm) = norms.iter().find(|n| n.letter == new.norm) else {
        let known: Vec<&str> = norms.iter().map(|n| n.letter.as_str()).collect();
        return Err(CoordinationError::Invalid(format!(
            "norm {:?}: expected the letter of a norm ({})",
            new.norm,
            known.join(", ")
        )));
    };
    if let Some(item) = &new.item
        && !norm.items.iter().any(|i| &i.id == item)
    {
        let known: Vec<&str> = norm.items.iter().map(|i| i.id.as_str()).collect();
        return Err(CoordinationError::Invalid(format!(
            "item {item:?}: norm {} has items {}",
            norm.letter,
            known.join(", ")
        )));
    }
    Ok((norm.letter.clone(), new.item.clone()))
}

impl Node {
    /// Records (or records again, as a new version) the caller's state's assessment of a norm or
    /// checklist item for a period. Only the state itself may.
    pub async fn record_norm_assessment(
        &self,
        by: &Principal,
        new: &NewAssessment,
    ) -> Result<AssessmentView, CoordinationError> {
        let norms = self.norms(by).await?;
        let (norm, item) = check_new(by, &norms, new)?;
        let status = NormStatus::parse(&new.status).ok_or_else(|| {
            CoordinationError::Invalid(format!(
                "status {:?}: expected one of not-started, in-progress, implemented, not-applicable",
                new.status
            ))
        })?;
        let period = period("period", &new.period)?;
        let tlp = match new.tlp.as_deref() {
            None => Tlp::Green,
            Some(name) => match Sharing::tlp_named(name)? {
                t @ (Tlp::Clear | Tlp::Green | Tlp::Amber) => t,
                _ => {
                    return Err(CoordinationError::Invalid(
                        "tlp: an assessment is clear, green or amber".to_owned(),
                    ));
                }
            },
        };
        let roster = Roster::load(self).await?;
        let state = roster.member_state(&new.member_state)?.clone();
        let subject = item.clone().unwrap_or_else(|| norm.clone());
        let id = assessment_id(&state.identity, &subject, &period);
        let _step = self.coordination_step().await;
        let audience = audience_of(self, by).await?;
        let previous = self.record(&audience, &id).await?;
        let at = now();
        let modified = super::next_modified(previous.as_ref().and_then(|p| p.str("modified")));
        let created = previous.as_ref().and_then(|p| p.str("created")).map_or(at, str::to_owned);
        let mut object = json!({
            "type": NORM_ASSESSMENT.object_type, "spec_version": "2.1", "id": id,
            "created": created, "modified": modified, "created_by_ref": state.identity,
            "member_state": state.short_name, "norm": norm, "status": status.as_str(), "period": period,
            "extensions": {NORM_ASSESSMENT.id: {"extension_type": "new-sdo"}},
        });
        if let Some(item) = &item {
            object["item"] = json!(item);
        }
        if let Some(evidence) = &new.evidence {
            object["evidence"] = json!(bounded("evidence", evidence)?);
        }
        Sharing::new(tlp, Scope::Community).apply(&mut object);
        self.put_records(&state.identity, std::slice::from_ref(&object)).await?;
        let record = super::Record { owner: state.identity.clone(), object };
        view_of(&roster, &record)
            .ok_or_else(|| CoordinationError::Refused { id, reasons: "unreadable".to_owned() })
    }

    /// The assessments the caller may see, by state, norm, item and period.
    pub async fn norm_assessments(
        &self,
        by: &Principal,
        filter: &AssessmentFilter,
    ) -> Result<Vec<AssessmentView>, CoordinationError> {
        let roster = Roster::load(self).await?;
        let audience = audience_of(self, by).await?;
        let records = self.records(&audience, NORM_ASSESSMENT.object_type.unwrap_or_default()).await?;
        let mut views: Vec<AssessmentView> = records
            .iter()
            .filter_map(|r| view_of(&roster, r))
            .filter(|v| filter.member_state.as_ref().is_none_or(|s| v.member_state.eq_ignore_ascii_case(s)))
            .filter(|v| filter.norm.as_ref().is_none_or(|n| &v.norm == n))
            .filter(|v| filter.period.as_ref().is_none_or(|p| &v.period == p))
            .collect();
        views.sort_by(|a, b| {
            (&a.member_state, &a.norm, &a.item, &a.period).cmp(&(
                &b.member_state,
                &b.norm,
                &b.item,
                &b.period,
            ))
        });
        Ok(views)
    }

    /// The assessments `by` may see, for the analysis.
    async fn visible_assessments(&self, by: &Principal) -> Result<Vec<Assessment>, CoordinationError> {
        let audience = audience_of(self, by).await?;
        let records = self.records(&audience, NORM_ASSESSMENT.object_type.unwrap_or_default()).await?;
        Ok(records.iter().filter_map(assessment_of).collect())
    }

    /// State × norm as of `period` (every period when `None`), over today's member states.
    pub async fn norm_matrix(
        &self,
        by: &Principal,
        period: Option<&str>,
    ) -> Result<NormMatrix, CoordinationError> {
        let period = period.map(|p| self::period("period", p)).transpose()?;
        let assessments = self.visible_assessments(by).await?;
        let norms = self.norms(by).await?;
        let letters: Vec<&str> = norms.iter().map(|n| n.letter.as_str()).collect();
        let today = now();
        let states: Vec<&str> = crate::region::member_states_on(&today[..10]).map(|m| m.alpha2).collect();
        Ok(matrix(&states, &letters, &assessments, period.as_deref()))
    }

    /// Each state's progress from period `from` to period `to`.
    pub async fn norm_progress(
        &self,
        by: &Principal,
        from: &str,
        to: &str,
    ) -> Result<Progress, CoordinationError> {
        let from = period("from", from)?;
        let to = period("to", to)?;
        let assessments = self.visible_assessments(by).await?;
        let norms = self.norms(by).await?;
        let letters: Vec<&str> = norms.iter().map(|n| n.letter.as_str()).collect();
        let today = now();
        let states: Vec<&str> = crate::region::member_states_on(&today[..10]).map(|m| m.alpha2).collect();
        Ok(progress(&states, &letters, &assessments, &from, &to))
    }

    /// The norms the caller may see, by letter.
    pub async fn norms(&self, by: &Principal) -> Result<Vec<NormView>, CoordinationError> {
        let audience = audience_of(self, by).await?;
        self.norms_seen(&audience).await
    }

    async fn norms_seen(&self, audience: &Audience) -> Result<Vec<NormView>, CoordinationError> {
        let roster = Roster::load(self).await?;
        let records = self.records(audience, NORM.object_type.unwrap_or_default()).await?;
        let mut norms: Vec<NormView> = records.iter().filter_map(|r| norm_of(&roster, r)).collect();
        norms.sort_by(|a, b| a.letter.cmp(&b.letter));
        Ok(norms)
    }

    /// Adds a norm the community agreed, lettered after the last one; only the secretariat may.
    pub async fn add_norm(&self, by: &Principal, new: &NewNorm) -> Result<NormView, CoordinationError> {
        if by.org.kind != OrgKind::Secretariat || !by.at_least(Role::Analyst) {
            return Err(CoordinationError::Forbidden(format!(
                "only the secretariat's analysts add norms; {} may assess them",
                by.org.short_name
            )));
        }
        let text = bounded("text", new.text.trim())?;
        if text.is_empty() || new.items.iter().any(|i| i.trim().is_empty()) {
            return Err(CoordinationError::Invalid("a norm and each of its items need a text".to_owned()));
        }
        if new.items.len() > MAX_NORM_ITEMS {
            return Err(CoordinationError::Invalid(format!("more than {MAX_NORM_ITEMS} items")));
        }
        let _step = self.coordination_step().await;
        // Every norm on the node, whoever may see it, so that no letter is given twice.
        let existing = self.norms_seen(&Audience::Unrestricted).await?;
        let letter = next_letter(existing.iter().map(|n| n.letter.as_str()))
            .filter(|_| existing.len() < MAX_NORMS)
            .ok_or_else(|| {
                CoordinationError::Conflict(format!("every letter is taken: at most {MAX_NORMS} norms"))
            })?;
        let mut items = Vec::new();
        for (n, item) in new.items.iter().enumerate() {
            items.push(json!({"id": format!("{letter}.{}", n + 1), "text": bounded("item", item.trim())?, "illustrative": false}));
        }
        let at = now();
        let mut object = json!({
            "type": NORM.object_type, "spec_version": "2.1",
            "id": format!("{}--{}", NORM.object_type.unwrap_or_default(), uuid::Uuid::new_v4()),
            "created": at, "modified": at, "created_by_ref": by.org.identity,
            "letter": letter.to_string(), "text": text, "items": items,
            "extensions": {NORM.id: {"extension_type": "new-sdo"}},
        });
        if let Some(source) = &new.source {
            object["source"] = json!(bounded("source", source)?);
        }
        Sharing::new(Tlp::Green, Scope::Community).apply(&mut object);
        self.put_records(&by.org.identity, std::slice::from_ref(&object)).await?;
        let roster = Roster::load(self).await?;
        let record = Record { owner: by.org.identity.clone(), object };
        norm_of(&roster, &record).ok_or_else(|| CoordinationError::Refused {
            id: record.id().to_owned(),
            reasons: "unreadable".to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use NormStatus::{Implemented, InProgress, NotApplicable, NotStarted};

    const ELEVEN: [&str; 11] = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"];

    fn a(state: &str, norm: &str, item: Option<&str>, status: NormStatus, period: &str) -> Assessment {
        Assessment {
            member_state: state.to_owned(),
            norm: norm.to_owned(),
            item: item.map(str::to_owned),
            status,
            period: period.to_owned(),
        }
    }

    #[test]
    fn status_as_of_a_period() {
        let data = vec![
            a("SG", "g", None, InProgress, "2025"),
            a("SG", "g", None, Implemented, "2026"),
            a("SG", "d", Some("d.1"), Implemented, "2026"),
            a("SG", "d", Some("d.2"), NotStarted, "2026"),
            a("SG", "h", Some("h.1"), NotApplicable, "2026"),
            a("SG", "h", Some("h.2"), Implemented, "2026"),
            a("SG", "k", Some("k.1"), NotApplicable, "2026"),
            a("SG", "j", Some("j.1"), NotStarted, "2026"),
            a("SG", "e", None, NotStarted, "2026"),
            a("SG", "e", Some("e.1"), Implemented, "2026"),
            a("MY", "g", None, Implemented, "2024"),
        ];
        // (state, norm, as of, expected status and period)
        type Case<'a> = (&'a str, &'a str, Option<&'a str>, Option<(NormStatus, &'a str)>);
        let cases: &[Case] = &[
            ("SG", "g", None, Some((Implemented, "2026"))),
            ("SG", "g", Some("2025"), Some((InProgress, "2025"))),
            ("SG", "g", Some("2024"), None),
            ("SG", "d", None, Some((InProgress, "2026"))),
            ("SG", "h", None, Some((Implemented, "2026"))),
            ("SG", "k", None, Some((NotApplicable, "2026"))),
            ("SG", "j", None, Some((NotStarted, "2026"))),
            ("SG", "e", None, Some((NotStarted, "2026"))),
            ("MY", "g", Some("2026"), Some((Implemented, "2024"))),
            ("MY", "a", None, None),
            ("TL", "g", None, None),
        ];
        for (state, norm, at, expected) in cases {
            let got = status_as_of(&data, state, norm, *at);
            let expected = expected.map(|(s, p)| (s, p.to_owned()));
            assert_eq!(got, expected, "{state} {norm} as of {at:?}");
        }
    }

    #[test]
    fn matrix_has_every_state_and_norm_and_counts_cells() {
        let data = vec![a("SG", "g", None, Implemented, "2026"), a("MY", "a", None, InProgress, "2025")];
        let m = matrix(&["MY", "SG", "TL"], &ELEVEN, &data, None);
        assert_eq!(m.rows.len(), 3);
        assert!(m.rows.iter().all(|r| r.cells.len() == 11));
        assert_eq!(m.rows[1].cells[6].status, Some(Implemented));
        assert_eq!(m.totals.get("none"), Some(&31));
        assert_eq!(m.totals.get("implemented"), Some(&1));
        let earlier = matrix(&["SG"], &ELEVEN, &data, Some("2025"));
        assert_eq!(earlier.totals.get("none"), Some(&11));
    }

    #[test]
    fn progress_between_two_periods() {
        let data = vec![
            a("SG", "g", None, InProgress, "2025"),
            a("SG", "g", None, Implemented, "2026"),
            a("SG", "a", None, Implemented, "2025"),
            a("MY", "d", None, NotStarted, "2026"),
        ];
        let p = progress(&["SG", "MY"], &ELEVEN, &data, "2025", "2026");
        let sg = &p.states[0];
        assert_eq!((sg.implemented_from, sg.implemented_to), (1, 2));
        assert_eq!(sg.norms.iter().filter(|c| c.changed).count(), 1);
        let g = &sg.norms[6];
        assert_eq!((g.from, g.to, g.changed), (Some(InProgress), Some(Implemented), true));
        let a_norm = &sg.norms[0];
        assert!(!a_norm.changed, "carried forward from 2025");
        let my = &p.states[1];
        assert_eq!((my.norms[3].from, my.norms[3].to), (None, Some(NotStarted)));
    }

    #[test]
    fn periods_are_checked() {
        for good in ["2026", "2026-H1", "2026-Q4"] {
            assert_eq!(period("period", good).unwrap(), good);
        }
        for bad in ["", "26", "2026-H3", "2026-01", "20261", "2026-Q1x", "abcd", "२०२६"] {
            assert!(period("period", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn eleven_norms_each_with_items_of_its_letter() {
        assert_eq!(NORMS.len(), 11);
        for (n, letter) in NORMS.iter().zip('a'..='k') {
            assert_eq!(n.letter, letter.to_string());
            assert!(n.items.len() >= 2);
            assert!(n.items.iter().all(|i| i.id.starts_with(&format!("{}.", n.letter))));
        }
    }

    #[test]
    fn seeded_norms_keep_their_letters_and_ids() {
        let seeded = seeded_norms();
        assert_eq!(seeded.len(), 11);
        for (object, letter) in seeded.iter().zip(ELEVEN) {
            assert_eq!(object["letter"], letter);
            assert_eq!(object["id"], seeded_norm_id(letter), "the same id on every node");
            let errors: Vec<_> =
                selat_stix::validate::validate_object(object).into_iter().filter(|d| d.is_error()).collect();
            assert!(errors.is_empty(), "{letter}: {errors:?}");
        }
        assert_eq!(seeded_norms(), seeded, "seeding again gives the same objects");
    }

    #[test]
    fn added_norms_take_the_next_letter() {
        assert_eq!(next_letter(ELEVEN.into_iter()), Some('l'));
        assert_eq!(next_letter(["a", "m"].into_iter()), Some('n'));
        assert_eq!(next_letter(std::iter::empty()), Some('a'));
        assert_eq!(next_letter(["z"].into_iter()), None);
        let twelve: Vec<&str> = ELEVEN.iter().copied().chain(["l"]).collect();
        let m = matrix(&["SG"], &twelve, &[a("SG", "l", None, Implemented, "2026")], None);
        assert_eq!((m.norms.len(), m.rows[0].cells[11].status), (12, Some(Implemented)));
    }
}

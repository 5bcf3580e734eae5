//! Meetings and decisions: meetings of the regional series ([`SERIES`]), what each decided
//! (`x-selat-decision`: the body or organisation that must act, the due date), and the follow-up
//! across meetings: a later decision may carry an earlier one over or close it. A decision's
//! status is derived ([`decision_status`]): closed by a later decision, else carried over, else
//! the latest `x-selat-decision-status` made by the secretariat or the organisation that owns
//! the decision (the only ones allowed to, checked before storing), else open.

use selat_stix::meta::Scope;
use selat_stix::selat::{DECISION, DECISION_STATUS, MEETING};
use selat_stix::tlp::Tlp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::capacity::date;
use super::{CoordinationError, Record, Roster, Sharing, audience_of, bounded, now};
use crate::node::Node;
use crate::org::{OrgKind, Organisation, Principal, Role};

/// A regional meeting series; a series is also a body a decision may task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Series {
    pub code: &'static str,
    pub name: &'static str,
}

/// The meeting series Selat knows (REGION.md).
pub const SERIES: [Series; 6] = [
    Series { code: "AMCC", name: "ASEAN Ministerial Conference on Cybersecurity" },
    Series { code: "TELMIN", name: "ASEAN Telecommunications and Information Technology Ministers' Meeting" },
    Series { code: "ADGMIN", name: "ASEAN Digital Ministers' Meeting" },
    Series { code: "ADGSOM", name: "ASEAN Digital Senior Officials' Meeting" },
    Series { code: "CYBER-CC", name: "ASEAN Cybersecurity Coordinating Committee" },
    Series { code: "ARF-ISM", name: "ARF Inter-Sessional Meeting on Security of and in the Use of ICTs" },
];
/// What a decision does.
pub const DECISION_KINDS: [&str; 4] = ["agree", "recommend", "task", "note"];
/// Most participating states or documents of one meeting, and decisions one decision closes.
pub const MAX_MEETING_ITEMS: usize = 64;
/// Longest venue, chair or document title or link, in bytes.
pub const MAX_FIELD_BYTES: usize = 512;

/// A decision's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DecisionStatus {
    Open,
    InProgress,
    /// A later decision carries it over.
    CarriedOver,
    Closed,
}

impl DecisionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionStatus::Open => "open",
            DecisionStatus::InProgress => "in-progress",
            DecisionStatus::CarriedOver => "carried-over",
            DecisionStatus::Closed => "closed",
        }
    }
}

/// The status of a decision: closed if a later decision closes it, else carried over if one
/// carries it over, else the latest of `changes` (time, status), else open.
pub fn decision_status(
    closed_by: Option<&str>,
    carried_over_to: Option<&str>,
    changes: &[(String, String)],
) -> DecisionStatus {
    if closed_by.is_some() {
        return DecisionStatus::Closed;
    }
    if carried_over_to.is_some() {
        return DecisionStatus::CarriedOver;
    }
    match changes.iter().max_by(|a, b| a.0.cmp(&b.0)).map(|c| c.1.as_str()) {
        Some("closed") => DecisionStatus::Closed,
        Some("in-progress") => DecisionStatus::InProgress,
        _ => DecisionStatus::Open,
    }
}

/// Overdue: due before `today` and still open or in progress.
pub fn is_overdue(status: DecisionStatus, due: Option<&str>, today: &str) -> bool {
    matches!(status, DecisionStatus::Open | DecisionStatus::InProgress) && due.is_some_and(|d| d < today)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub title: String,
    pub url: Option<String>,
}

/// A meeting as recorded.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMeeting {
    pub series: String,
    pub number: u32,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub venue: Option<String>,
    pub chair: Option<String>,
    /// Absent: every member state on the meeting's date.
    pub participating_states: Option<Vec<String>>,
    #[serde(default)]
    pub documents: Vec<Document>,
}

/// A decision as recorded.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDecision {
    pub meeting: String,
    pub number: u32,
    pub text: String,
    pub kind: String,
    /// A body (a series code such as `TELMIN`) or an organisation's short name.
    pub owner: Option<String>,
    pub due: Option<String>,
    /// An earlier decision this one carries over.
    pub carries_over: Option<String>,
    /// Earlier decisions this one closes.
    #[serde(default)]
    pub closes: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDecisionStatus {
    pub status: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionFilter {
    pub overdue: Option<bool>,
    pub meeting: Option<String>,
    pub status: Option<DecisionStatus>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MeetingView {
    pub id: String,
    pub series: String,
    pub series_name: String,
    pub number: u64,
    pub date: String,
    pub venue: Option<String>,
    pub chair: Option<String>,
    pub participating_states: Vec<String>,
    pub documents: Vec<Value>,
    pub recorded_by: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DecisionView {
    pub id: String,
    pub meeting: String,
    pub meeting_label: String,
    pub meeting_date: String,
    pub number: u64,
    pub text: String,
    pub kind: String,
    /// The body or organisation that must act.
    pub owner: Option<String>,
    pub owner_kind: Option<String>,
    pub due: Option<String>,
    pub status: DecisionStatus,
    pub overdue: bool,
    pub carries_over: Option<String>,
    pub carried_over_to: Option<String>,
    pub closes: Vec<String>,
    pub closed_by: Option<String>,
    pub recorded_by: String,
}

fn series(code: &str) -> Result<&'static Series, CoordinationError> {
    SERIES.iter().find(|s| s.code == code).ok_or_else(|| {
        let codes: Vec<&str> = SERIES.iter().map(|s| s.code).collect();
        CoordinationError::Invalid(format!("series {code:?}: expected one of {}", codes.join(", ")))
    })
}

fn field<'a>(name: &str, text: &'a str) -> Result<&'a str, CoordinationError> {
    if text.len() > MAX_FIELD_BYTES {
        return Err(CoordinationError::Invalid(format!("{name} is longer than {MAX_FIELD_BYTES} bytes")));
    }
    Ok(text)
}

fn strings(record: &Record, key: &str) -> Vec<String> {
    record
        .object
        .get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

fn owned(record: &Record, key: &str) -> Option<String> {
    record.str(key).map(str::to_owned)
}

fn meeting_view(roster: &Roster, r: &Record) -> MeetingView {
    let code = owned(r, "series").unwrap_or_default();
    MeetingView {
        id: r.id().to_owned(),
        series_name: SERIES.iter().find(|s| s.code == code).map_or("", |s| s.name).to_owned(),
        series: code,
        number: r.object.get("number").and_then(Value::as_u64).unwrap_or_default(),
        date: owned(r, "date").unwrap_or_default(),
        venue: owned(r, "venue"),
        chair: owned(r, "chair"),
        participating_states: strings(r, "participating_states"),
        documents: r.object.get("documents").and_then(Value::as_array).cloned().unwrap_or_default(),
        recorded_by: roster.name_of(&r.owner),
    }
}

/// Who may record meetings and decisions: the secretariat, or a member state.
fn require_recorder(by: &Principal) -> Result<(), CoordinationError> {
    if !by.at_least(Role::Analyst) {
        return Err(CoordinationError::Forbidden("viewers read; an analyst or above writes".to_owned()));
    }
    if !matches!(by.org.kind, OrgKind::Secretariat | OrgKind::MemberState) {
        return Err(CoordinationError::Forbidden(
            "meetings and decisions are recorded by the secretariat or a member state".to_owned(),
        ));
    }
    Ok(())
}

fn shared(object: &mut Value) {
    Sharing::new(Tlp::Green, Scope::Community).apply(object);
}

/// Everything about decisions the caller may see.
struct Minutes {
    meetings: Vec<Record>,
    decisions: Vec<Record>,
    changes: Vec<Record>,
}

impl Minutes {
    fn meeting(&self, id: &str) -> Option<&Record> {
        self.meetings.iter().find(|m| m.id() == id)
    }

    fn view(&self, roster: &Roster, d: &Record, today: &str) -> DecisionView {
        let id = d.id();
        let later = |key: &str| {
            self.decisions.iter().find(|o| o.str(key) == Some(id) || strings(o, key).iter().any(|r| r == id))
        };
        let closed_by = later("closes_refs").map(|o| o.id().to_owned());
        let carried_over_to = later("carries_over_ref").map(|o| o.id().to_owned());
        let changes: Vec<(String, String)> = self
            .changes
            .iter()
            .filter(|c| c.str("decision_ref") == Some(id))
            .filter_map(|c| Some((owned(c, "modified")?, owned(c, "status")?)))
            .collect();
        let status = decision_status(closed_by.as_deref(), carried_over_to.as_deref(), &changes);
        let meeting = d.str("meeting_ref").and_then(|m| self.meeting(m)).map(|m| meeting_view(roster, m));
        let (owner, owner_kind) = match (d.str("owner_body"), d.str("owner_ref")) {
            (Some(body), _) => (Some(body.to_owned()), Some("body".to_owned())),
            (None, Some(org)) => (Some(roster.name_of(org)), Some("organisation".to_owned())),
            (None, None) => (None, None),
        };
        let due = owned(d, "due");
        DecisionView {
            id: id.to_owned(),
            meeting: owned(d, "meeting_ref").unwrap_or_default(),
            meeting_label: meeting.as_ref().map(|m| format!("{} {}", m.series, m.number)).unwrap_or_default(),
            meeting_date: meeting.map(|m| m.date).unwrap_or_default(),
            number: d.object.get("number").and_then(Value::as_u64).unwrap_or_default(),
            text: owned(d, "text").unwrap_or_default(),
            kind: owned(d, "kind").unwrap_or_default(),
            owner,
            owner_kind,
            overdue: is_overdue(status, due.as_deref(), today),
            due,
            status,
            carries_over: owned(d, "carries_over_ref"),
            carried_over_to,
            closes: strings(d, "closes_refs"),
            closed_by,
            recorded_by: roster.name_of(&d.owner),
        }
    }
}

/// Whether `who` may change the status of a decision: the secretariat, or the organisation
/// the decision names as the one that must act.
fn may_close(who: &Organisation, decision: &Record) -> bool {
    who.kind == OrgKind::Secretariat || decision.str("owner_ref") == Some(who.identity.as_str())
}

impl Node {
    async fn minutes(&self, by: &Principal) -> Result<Minutes, CoordinationError> {
        let audience = audience_of(self, by).await?;
        let read = |ext: &'static selat_stix::selat::SelatExtension| ext.object_type.unwrap_or_default();
        Ok(Minutes {
            meetings: self.records(&audience, read(&MEETING)).await?,
            decisions: self.records(&audience, read(&DECISION)).await?,
            changes: self.records(&audience, read(&DECISION_STATUS)).await?,
        })
    }

    /// Records a meeting.
    pub async fn create_meeting(
        &self,
        by: &Principal,
        new: &NewMeeting,
    ) -> Result<MeetingView, CoordinationError> {
        require_recorder(by)?;
        let series = series(&new.series)?;
        if new.number == 0 {
            return Err(CoordinationError::Invalid("number starts at 1".to_owned()));
        }
        let day = date("date", &new.date)?;
        let roster = Roster::load(self).await?;
        let states: Vec<String> = match &new.participating_states {
            Some(states) => {
                if states.len() > MAX_MEETING_ITEMS {
                    return Err(CoordinationError::Invalid(format!("at most {MAX_MEETING_ITEMS} states")));
                }
                states
                    .iter()
                    .map(|s| {
                        crate::region::member_state(s).map(|m| m.alpha2.to_owned()).ok_or_else(|| {
                            CoordinationError::Invalid(format!("{s:?} is not an ASEAN member state"))
                        })
                    })
                    .collect::<Result<_, _>>()?
            }
            None => crate::region::member_states_on(&day).map(|m| m.alpha2.to_owned()).collect(),
        };
        if new.documents.len() > MAX_MEETING_ITEMS {
            return Err(CoordinationError::Invalid(format!("at most {MAX_MEETING_ITEMS} documents")));
        }
        for d in &new.documents {
            field("document title", &d.title)?;
            field("document url", d.url.as_deref().unwrap_or_default())?;
        }
        let at = now();
        let mut object = json!({
            "type": MEETING.object_type, "spec_version": "2.1",
            "id": selat_stix::id::new_v4(MEETING.object_type.unwrap_or_default()),
            "created": at, "modified": at, "created_by_ref": by.org.identity,
            "series": series.code, "number": new.number, "date": day, "participating_states": states,
            "extensions": {MEETING.id: {"extension_type": "new-sdo"}},
        });
        // STIX forbids empty lists: an absent one means none.
        if !new.documents.is_empty() {
            object["documents"] = json!(new.documents);
        }
        if states.is_empty() {
            return Err(CoordinationError::Invalid(
                "participating_states: name at least one state".to_owned(),
            ));
        }
        for (key, value) in [("venue", &new.venue), ("chair", &new.chair)] {
            if let Some(v) = value {
                object[key] = json!(field(key, v)?);
            }
        }
        shared(&mut object);
        self.put_records(&by.org.identity, std::slice::from_ref(&object)).await?;
        Ok(meeting_view(&roster, &Record { owner: by.org.identity.clone(), object }))
    }

    /// Meetings the caller may see, by date.
    pub async fn meetings(&self, by: &Principal) -> Result<Vec<MeetingView>, CoordinationError> {
        let roster = Roster::load(self).await?;
        let minutes = self.minutes(by).await?;
        let mut views: Vec<MeetingView> = minutes.meetings.iter().map(|m| meeting_view(&roster, m)).collect();
        views.sort_by(|a, b| (&a.date, &a.id).cmp(&(&b.date, &b.id)));
        Ok(views)
    }

    /// Records a decision of a meeting.
    pub async fn create_decision(
        &self,
        by: &Principal,
        new: &NewDecision,
    ) -> Result<DecisionView, CoordinationError> {
        require_recorder(by)?;
        if !DECISION_KINDS.contains(&new.kind.as_str()) {
            return Err(CoordinationError::Invalid(format!(
                "kind {:?}: expected agree, recommend, task or note",
                new.kind
            )));
        }
        let text = bounded("text", new.text.trim())?;
        if text.is_empty() || new.number == 0 {
            return Err(CoordinationError::Invalid("a decision has a text and a number from 1".to_owned()));
        }
        if new.closes.len() > MAX_MEETING_ITEMS {
            return Err(CoordinationError::Invalid(format!("closes: at most {MAX_MEETING_ITEMS} decisions")));
        }
        let roster = Roster::load(self).await?;
        let _step = self.coordination_step().await;
        let minutes = self.minutes(by).await?;
        let meeting = minutes
            .meeting(&new.meeting)
            .ok_or_else(|| CoordinationError::NotFound(format!("no meeting {}", new.meeting)))?;
        let at = now();
        let mut object = json!({
            "type": DECISION.object_type, "spec_version": "2.1",
            "id": selat_stix::id::new_v4(DECISION.object_type.unwrap_or_default()),
            "created": at, "modified": at, "created_by_ref": by.org.identity,
            "meeting_ref": meeting.id(), "number": new.number, "text": text, "kind": new.kind,
            "extensions": {DECISION.id: {"extension_type": "new-sdo"}},
        });
        match new.owner.as_deref() {
            Some(owner) if SERIES.iter().any(|s| s.code == owner) => object["owner_body"] = json!(owner),
            Some(owner) => {
                let org = roster.by_name(owner).ok_or_else(|| {
                    CoordinationError::Invalid(format!(
                        "owner {owner:?}: neither a body (a meeting series) nor an organisation on this node"
                    ))
                })?;
                object["owner_ref"] = json!(org.identity);
            }
            None => {}
        }
        if let Some(due) = &new.due {
            object["due"] = json!(date("due", due)?);
        }
        let earlier = |id: &str| -> Result<(), CoordinationError> {
            let d = minutes.decisions.iter().find(|d| d.id() == id);
            let m = d.and_then(|d| d.str("meeting_ref")).and_then(|m| minutes.meeting(m));
            match m.and_then(|m| m.str("date")) {
                None => Err(CoordinationError::NotFound(format!("no decision {id}"))),
                Some(date) if Some(date) > meeting.str("date") => Err(CoordinationError::Invalid(format!(
                    "decision {id} is of a later meeting than this one"
                ))),
                Some(_) => Ok(()),
            }
        };
        if let Some(id) = &new.carries_over {
            earlier(id)?;
            object["carries_over_ref"] = json!(id);
        }
        for id in &new.closes {
            earlier(id)?;
        }
        if !new.closes.is_empty() {
            object["closes_refs"] = json!(new.closes);
        }
        shared(&mut object);
        self.put_records(&by.org.identity, std::slice::from_ref(&object)).await?;
        let record = Record { owner: by.org.identity.clone(), object };
        Ok(minutes.view(&roster, &record, &at[..10]))
    }

    /// Changes a decision's status: the secretariat or the organisation that must act on it.
    pub async fn set_decision_status(
        &self,
        by: &Principal,
        id: &str,
        change: &NewDecisionStatus,
    ) -> Result<DecisionView, CoordinationError> {
        if !by.at_least(Role::Analyst) {
            return Err(CoordinationError::Forbidden("viewers read; an analyst or above writes".to_owned()));
        }
        if !["open", "in-progress", "closed"].contains(&change.status.as_str()) {
            return Err(CoordinationError::Invalid(format!(
                "status {:?}: expected open, in-progress or closed",
                change.status
            )));
        }
        let roster = Roster::load(self).await?;
        let _step = self.coordination_step().await;
        let minutes = self.minutes(by).await?;
        let decision = minutes
            .decisions
            .iter()
            .find(|d| d.id() == id)
            .cloned()
            .ok_or_else(|| CoordinationError::NotFound(format!("no decision {id}")))?;
        if !may_close(&by.org, &decision) {
            let owner = minutes.view(&roster, &decision, "").owner.unwrap_or_else(|| "no one".to_owned());
            return Err(CoordinationError::Forbidden(format!(
                "decision {id} is owned by {owner}: only it or the secretariat changes its status"
            )));
        }
        let at = now();
        let mut object = json!({
            "type": DECISION_STATUS.object_type, "spec_version": "2.1",
            "id": selat_stix::id::new_v4(DECISION_STATUS.object_type.unwrap_or_default()),
            "created": at, "modified": at, "created_by_ref": by.org.identity,
            "decision_ref": id, "status": change.status,
            "extensions": {DECISION_STATUS.id: {"extension_type": "new-sdo"}},
        });
        if let Some(reason) = &change.reason {
            object["reason"] = json!(bounded("reason", reason)?);
        }
        shared(&mut object);
        self.put_records(&by.org.identity, std::slice::from_ref(&object)).await?;
        let mut minutes = minutes;
        minutes.changes.push(Record { owner: by.org.identity.clone(), object });
        Ok(minutes.view(&roster, &decision, &at[..10]))
    }

    /// Decisions the caller may see, by meeting date and number; `overdue` keeps only those past
    /// due and not closed or carried over.
    pub async fn decisions(
        &self,
        by: &Principal,
        filter: &DecisionFilter,
    ) -> Result<Vec<DecisionView>, CoordinationError> {
        let roster = Roster::load(self).await?;
        let minutes = self.minutes(by).await?;
        let today = now()[..10].to_owned();
        let mut views: Vec<DecisionView> = minutes
            .decisions
            .iter()
            .map(|d| minutes.view(&roster, d, &today))
            .filter(|v| filter.overdue.is_none_or(|o| v.overdue == o))
            .filter(|v| filter.meeting.as_ref().is_none_or(|m| &v.meeting == m))
            .filter(|v| filter.status.is_none_or(|s| v.status == s))
            .collect();
        views.sort_by(|a, b| (&a.meeting_date, a.number, &a.id).cmp(&(&b.meeting_date, b.number, &b.id)));
        Ok(views)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DecisionStatus::{CarriedOver, Closed, InProgress, Open};

    #[test]
    fn status_and_overdue() {
        let ch = |at: &str, s: &str| (at.to_owned(), s.to_owned());
        // (closed by, carried over to, changes, due, expected status, overdue on 2026-06-01)
        type Case = (
            Option<&'static str>,
            Option<&'static str>,
            Vec<(String, String)>,
            Option<&'static str>,
            DecisionStatus,
            bool,
        );
        let cases: Vec<Case> = vec![
            (None, None, vec![], None, Open, false),
            (None, None, vec![], Some("2016-11-30"), Open, true),
            (None, None, vec![], Some("2026-06-01"), Open, false),
            (None, None, vec![ch("1", "in-progress")], Some("2020-01-01"), InProgress, true),
            (None, None, vec![ch("2", "closed"), ch("1", "in-progress")], Some("2020-01-01"), Closed, false),
            (None, None, vec![ch("1", "closed"), ch("2", "open")], Some("2020-01-01"), Open, true),
            (None, Some("later"), vec![], Some("2020-01-01"), CarriedOver, false),
            (Some("later"), Some("other"), vec![ch("1", "open")], Some("2020-01-01"), Closed, false),
        ];
        for (closed_by, carried, changes, due, expected, overdue) in cases {
            let status = decision_status(closed_by, carried, &changes);
            assert_eq!(status, expected, "{closed_by:?} {carried:?} {changes:?}");
            assert_eq!(is_overdue(status, due, "2026-06-01"), overdue, "{expected:?} due {due:?}");
        }
    }
}

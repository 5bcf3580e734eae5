//! Cross-border incidents: a STIX `incident` with Selat's extension (reporter, severity, class,
//! affected states and sectors, PAP), and the contributions organisations make to it, each its
//! own object owned by its contributor: status changes, tasks, notes (STIX `note`), requests for
//! assistance to named member states and their answers, and links (STIX `relationship`) to
//! indicators, observables and sightings.
//!
//! The incident's status is derived: the status changes pointing at it, in time order, each
//! applied when it starts from the current status and [`TRANSITIONS`] lets its owner make it.
//! The services check the same rules before storing a change, so a refused change is never
//! stored; the fold only guards against changes that raced in from elsewhere.

use std::collections::HashMap;

use selat_stix::meta::Scope;
use selat_stix::selat::{ASSISTANCE_ANSWER, ASSISTANCE_REQUEST, INCIDENT, INCIDENT_TASK, STATUS_CHANGE};
use selat_stix::tlp::Tlp;
use selat_store::Store as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{
    CoordinationError, Record, Roster, Sharing, audience_of, bounded, next_modified, now, timestamp,
};
use crate::node::Node;
use crate::org::{OrgKind, Organisation, Principal, Role};

/// Most member states or sectors one incident names.
pub const MAX_AFFECTED: usize = 64;
/// Most objects one link request names.
pub const MAX_LINKS_PER_REQUEST: usize = 100;

/// An incident's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Reported,
    Triaged,
    Coordinating,
    Contained,
    Closed,
}

impl Status {
    pub const ALL: [Status; 5] =
        [Status::Reported, Status::Triaged, Status::Coordinating, Status::Contained, Status::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Reported => "reported",
            Status::Triaged => "triaged",
            Status::Coordinating => "coordinating",
            Status::Contained => "contained",
            Status::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Who an organisation is to an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Actor {
    /// The organisation that reported it (owns the incident object).
    Reporter,
    /// The reporter's member state (the reporter itself when it is one).
    Handler,
    /// The ASEAN secretariat, coordinating for the region.
    Secretariat,
}

use Actor::{Handler, Reporter, Secretariat};
use Status::{Closed, Contained, Coordinating, Reported, Triaged};

/// Every allowed transition and who may make it. Anything else is refused.
pub const TRANSITIONS: &[(Status, Status, &[Actor])] = &[
    (Reported, Triaged, &[Handler, Secretariat]),
    (Reported, Closed, &[Reporter, Handler, Secretariat]),
    (Triaged, Coordinating, &[Handler, Secretariat]),
    (Triaged, Contained, &[Handler, Secretariat]),
    (Triaged, Closed, &[Reporter, Handler, Secretariat]),
    (Coordinating, Contained, &[Handler, Secretariat]),
    (Contained, Coordinating, &[Handler, Secretariat]),
    (Contained, Closed, &[Reporter, Handler, Secretariat]),
    (Closed, Coordinating, &[Handler, Secretariat]),
];

/// CISA National Cyber Incident Scoring System levels.
pub const SEVERITIES: [&str; 7] =
    ["emergency", "severe", "high", "medium", "low", "baseline-minor", "baseline-negligible"];
/// The Reference Security Incident Taxonomy's top level.
pub const CLASSES: [&str; 11] = [
    "abusive-content",
    "malicious-code",
    "information-gathering",
    "intrusion-attempts",
    "intrusions",
    "availability",
    "information-content-security",
    "fraud",
    "vulnerable",
    "other",
    "test",
];
/// PAP levels (MISP taxonomy).
pub const PAPS: [&str; 4] = ["clear", "green", "amber", "red"];

/// Whom an incident is shared with: `organisation`, `national`, `region`, or named member states.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum ShareWith {
    Named(String),
    States(Vec<String>),
}

/// A new incident, as reported.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewIncident {
    pub name: String,
    pub description: Option<String>,
    pub severity: String,
    pub incident_class: String,
    #[serde(default)]
    pub affected_states: Vec<String>,
    #[serde(default)]
    pub affected_sectors: Vec<String>,
    pub tlp: String,
    pub pap: Option<String>,
    pub share_with: ShareWith,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTask {
    pub name: String,
    pub description: Option<String>,
    /// `YYYY-MM-DD` or an RFC 3339 time.
    pub due: Option<String>,
    pub priority: Option<u8>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskUpdate {
    pub status: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAssistanceRequest {
    /// The member state asked (ISO 3166 alpha-2).
    pub to: String,
    pub request: String,
    pub deadline: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAnswer {
    pub answer: String,
    pub text: Option<String>,
}

/// One incident in a list.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentSummary {
    pub id: String,
    pub name: String,
    pub reporter: String,
    pub status: Status,
    pub severity: String,
    pub incident_class: String,
    pub affected_states: Vec<String>,
    pub tlp: String,
    pub scope: String,
    pub created: String,
    pub modified: String,
}

/// One incident with everything contributed to it.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentView {
    #[serde(flatten)]
    pub summary: IncidentSummary,
    pub description: Option<String>,
    pub affected_sectors: Vec<String>,
    pub pap: Option<String>,
    pub addressed_to: Vec<String>,
    pub escalated_from: Option<String>,
    pub merged_into: Option<String>,
    pub merged: Vec<String>,
    pub tasks: Vec<TaskView>,
    pub assistance_requests: Vec<AssistanceView>,
    pub links: Vec<String>,
    pub timeline: Vec<TimelineEntry>,
    /// The transitions the asking organisation may make now.
    pub allowed_transitions: Vec<Status>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TaskView {
    pub id: String,
    pub incident: String,
    pub owner: String,
    pub name: String,
    pub description: Option<String>,
    pub due: Option<String>,
    pub status: String,
    pub created: String,
    pub modified: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnswerView {
    pub id: String,
    pub by: String,
    pub answer: String,
    pub text: Option<String>,
    pub at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AssistanceView {
    pub id: String,
    pub incident: String,
    pub from: String,
    pub to: String,
    pub request: String,
    pub deadline: String,
    /// `open`, `overdue` (open past its deadline), or the latest answer.
    pub status: String,
    pub answers: Vec<AnswerView>,
    pub created: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    pub at: String,
    pub kind: &'static str,
    pub by: String,
    pub text: String,
    /// The object this entry is.
    #[serde(rename = "ref")]
    pub reference: String,
    /// The incident it belongs to (a merged duplicate's entries keep theirs).
    pub incident: String,
}

/// Filters of the incident list.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentFilter {
    pub status: Option<String>,
    pub severity: Option<String>,
    /// An affected member state (alpha-2).
    pub state: Option<String>,
}

/// What is contributed to incidents, as one reader sees it.
struct Contributions {
    changes: Vec<Record>,
    tasks: Vec<Record>,
    notes: Vec<Record>,
    requests: Vec<Record>,
    answers: Vec<Record>,
    links: Vec<Record>,
}

fn ext_str<'a>(record: &'a Record, ext: &str, key: &str) -> Option<&'a str> {
    record.ext(ext, key).and_then(Value::as_str)
}

fn ext_list(record: &Record, ext: &str, key: &str) -> Vec<String> {
    record
        .ext(ext, key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

fn created(record: &Record) -> String {
    record.str("created").unwrap_or_default().to_owned()
}

/// The roles `who` holds on an incident owned by `owner` (an identity).
pub fn actors(roster: &Roster, owner: &str, who: &Organisation) -> Vec<Actor> {
    let mut roles = Vec::new();
    if who.identity == owner {
        roles.push(Reporter);
    }
    let handler = roster.by_identity(owner).and_then(|o| roster.state_of(o)).map(|s| s.identity.as_str());
    let owner_is_unaffiliated = roster.by_identity(owner).is_none_or(|o| o.member_state().is_none());
    if handler == Some(who.identity.as_str()) || (owner_is_unaffiliated && who.identity == owner) {
        roles.push(Handler);
    }
    if who.kind == OrgKind::Secretariat {
        roles.push(Secretariat);
    }
    roles
}

/// Who may move an incident from `from` to `to`, or `None` when the transition does not exist.
pub fn transition(from: Status, to: Status) -> Option<&'static [Actor]> {
    TRANSITIONS.iter().find(|(f, t, _)| *f == from && *t == to).map(|(_, _, who)| *who)
}

/// The status after the changes pointing at `incident` (sorted by time), with only the changes
/// that start from the status then current and that their owner may make.
fn fold_status(roster: &Roster, incident: &Record, changes: &[&Record]) -> (Status, Option<String>) {
    let mut status = Reported;
    let mut merged_into = None;
    for change in changes {
        let from = change.str("status_from").and_then(Status::parse);
        let to = change.str("status_to").and_then(Status::parse);
        let (Some(from), Some(to)) = (from, to) else { continue };
        let Some(who) = roster.by_identity(&change.owner) else { continue };
        let may = transition(from, to)
            .is_some_and(|allowed| actors(roster, &incident.owner, who).iter().any(|a| allowed.contains(a)));
        if from == status && may {
            status = to;
            merged_into = if to == Closed { change.str("merged_into_ref").map(str::to_owned) } else { None };
        }
    }
    (status, merged_into)
}

fn sorted_by_time(mut records: Vec<&Record>) -> Vec<&Record> {
    records.sort_by(|a, b| (created(a), a.id()).cmp(&(created(b), b.id())));
    records
}

impl Contributions {
    async fn load(node: &Node, audience: &selat_store::Audience) -> Result<Self, CoordinationError> {
        Ok(Contributions {
            changes: node.records(audience, STATUS_CHANGE.object_type.unwrap_or_default()).await?,
            tasks: node.records(audience, INCIDENT_TASK.object_type.unwrap_or_default()).await?,
            notes: node.records(audience, "note").await?,
            requests: node.records(audience, ASSISTANCE_REQUEST.object_type.unwrap_or_default()).await?,
            answers: node.records(audience, ASSISTANCE_ANSWER.object_type.unwrap_or_default()).await?,
            links: node.records(audience, "relationship").await?,
        })
    }

    async fn changes_only(node: &Node, audience: &selat_store::Audience) -> Result<Self, CoordinationError> {
        Ok(Contributions {
            changes: node.records(audience, STATUS_CHANGE.object_type.unwrap_or_default()).await?,
            tasks: Vec::new(),
            notes: Vec::new(),
            requests: Vec::new(),
            answers: Vec::new(),
            links: Vec::new(),
        })
    }

    fn changes_of(&self, incident: &str) -> Vec<&Record> {
        sorted_by_time(self.changes.iter().filter(|c| c.str("incident_ref") == Some(incident)).collect())
    }

    fn status_of(&self, roster: &Roster, incident: &Record) -> (Status, Option<String>) {
        fold_status(roster, incident, &self.changes_of(incident.id()))
    }
}

fn summary(roster: &Roster, incident: &Record, status: Status) -> IncidentSummary {
    let sharing = Sharing::of(&incident.object);
    IncidentSummary {
        id: incident.id().to_owned(),
        name: incident.str("name").unwrap_or_default().to_owned(),
        reporter: roster.name_of(&incident.owner),
        status,
        severity: ext_str(incident, INCIDENT.id, "severity").unwrap_or_default().to_owned(),
        incident_class: ext_str(incident, INCIDENT.id, "incident_class").unwrap_or_default().to_owned(),
        affected_states: ext_list(incident, INCIDENT.id, "affected_states"),
        tlp: sharing.tlp.as_str().to_owned(),
        scope: sharing.scope.as_str().to_owned(),
        created: created(incident),
        modified: incident.str("modified").unwrap_or_default().to_owned(),
    }
}

fn task_view(roster: &Roster, task: &Record) -> TaskView {
    TaskView {
        id: task.id().to_owned(),
        incident: task.str("incident_ref").unwrap_or_default().to_owned(),
        owner: roster.name_of(&task.owner),
        name: task.str("name").unwrap_or_default().to_owned(),
        description: task.str("description").map(str::to_owned),
        due: task.str("due").map(str::to_owned),
        status: task.str("status").unwrap_or("open").to_owned(),
        created: created(task),
        modified: task.str("modified").unwrap_or_default().to_owned(),
    }
}

fn assistance_view(roster: &Roster, request: &Record, answers: &[&Record], now: &str) -> AssistanceView {
    let answers: Vec<AnswerView> = sorted_by_time(answers.to_vec())
        .into_iter()
        .map(|a| AnswerView {
            id: a.id().to_owned(),
            by: roster.name_of(&a.owner),
            answer: a.str("answer").unwrap_or_default().to_owned(),
            text: a.str("text").map(str::to_owned),
            at: created(a),
        })
        .collect();
    let deadline = request.str("deadline").unwrap_or_default().to_owned();
    let status = match answers.last() {
        Some(last) => last.answer.clone(),
        None if deadline.as_str() < now => "overdue".to_owned(),
        None => "open".to_owned(),
    };
    AssistanceView {
        id: request.id().to_owned(),
        incident: request.str("incident_ref").unwrap_or_default().to_owned(),
        from: roster.name_of(&request.owner),
        to: roster.name_of(request.str("requested_of_ref").unwrap_or_default()),
        request: request.str("request").unwrap_or_default().to_owned(),
        deadline,
        status,
        answers,
        created: created(request),
    }
}

/// The timeline entries of one incident (its own object, and what points at it).
fn timeline_of(roster: &Roster, incident: &Record, c: &Contributions) -> Vec<TimelineEntry> {
    let id = incident.id();
    let entry = |record: &Record, at: String, kind: &'static str, text: String| TimelineEntry {
        at,
        kind,
        by: roster.name_of(&record.owner),
        text,
        reference: record.id().to_owned(),
        incident: id.to_owned(),
    };
    let mut out = vec![entry(
        incident,
        created(incident),
        "reported",
        incident.str("name").unwrap_or_default().to_owned(),
    )];
    if let Some(from) = ext_str(incident, INCIDENT.id, "escalated_from_ref") {
        out.push(entry(incident, created(incident), "escalated", format!("escalated from {from}")));
    }
    for change in c.changes_of(id) {
        let text = format!(
            "{} → {}{}",
            change.str("status_from").unwrap_or_default(),
            change.str("status_to").unwrap_or_default(),
            change.str("reason").map(|r| format!(": {r}")).unwrap_or_default()
        );
        let kind = if change.str("merged_into_ref").is_some() { "merged" } else { "status" };
        out.push(entry(change, created(change), kind, text));
    }
    for task in c.tasks.iter().filter(|t| t.str("incident_ref") == Some(id)) {
        out.push(entry(task, created(task), "task", task.str("name").unwrap_or_default().to_owned()));
        if task.str("status") != Some("open") {
            let text = format!(
                "{}: {}",
                task.str("name").unwrap_or_default(),
                task.str("status").unwrap_or_default()
            );
            out.push(entry(task, task.str("modified").unwrap_or_default().to_owned(), "task-status", text));
        }
    }
    for note in c.notes.iter().filter(|n| refs_contain(n, "object_refs", id)) {
        out.push(entry(note, created(note), "note", note.str("content").unwrap_or_default().to_owned()));
    }
    for request in c.requests.iter().filter(|r| r.str("incident_ref") == Some(id)) {
        let to = roster.name_of(request.str("requested_of_ref").unwrap_or_default());
        out.push(entry(
            request,
            created(request),
            "assistance-request",
            format!("to {to}: {}", request.str("request").unwrap_or_default()),
        ));
    }
    for answer in c.answers.iter().filter(|a| a.str("incident_ref") == Some(id)) {
        let text = format!(
            "{}{}",
            answer.str("answer").unwrap_or_default(),
            answer.str("text").map(|t| format!(": {t}")).unwrap_or_default()
        );
        out.push(entry(answer, created(answer), "assistance-answer", text));
    }
    for link in c.links.iter().filter(|l| l.str("source_ref") == Some(id)) {
        out.push(entry(link, created(link), "link", link.str("target_ref").unwrap_or_default().to_owned()));
    }
    out
}

fn refs_contain(record: &Record, key: &str, id: &str) -> bool {
    record.object.get(key).and_then(Value::as_array).is_some_and(|a| a.iter().any(|v| v.as_str() == Some(id)))
}

fn require_writer(by: &Principal) -> Result<(), CoordinationError> {
    if by.at_least(Role::Analyst) {
        Ok(())
    } else {
        Err(CoordinationError::Forbidden("viewers read; an analyst or above writes".to_owned()))
    }
}

fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<String, CoordinationError> {
    if allowed.contains(&value) {
        Ok(value.to_owned())
    } else {
        Err(CoordinationError::Invalid(format!("{field} {value:?}: expected one of {}", allowed.join(", "))))
    }
}

fn not_found(id: &str) -> CoordinationError {
    CoordinationError::NotFound(format!("no incident {id}"))
}

impl Node {
    /// The sharing a reporter asked for: `organisation`, `national` (its member state and the
    /// state's sector leads), `region` (every member) or named member states (RED needs these).
    async fn sharing_for(
        &self,
        roster: &Roster,
        by: &Organisation,
        tlp: Tlp,
        share_with: &ShareWith,
    ) -> Result<(Sharing, Vec<String>), CoordinationError> {
        match share_with {
            ShareWith::Named(name) => {
                let scope = match name.as_str() {
                    "organisation" => Scope::Organisation,
                    "national" if by.member_state().is_none() => {
                        return Err(CoordinationError::Invalid(format!(
                            "share_with \"national\": {} belongs to no member state",
                            by.short_name
                        )));
                    }
                    "national" => Scope::National,
                    "region" => Scope::Community,
                    other => {
                        return Err(CoordinationError::Invalid(format!(
                            "share_with {other:?}: expected organisation, national, region or a list of member states"
                        )));
                    }
                };
                if tlp == Tlp::Red && scope != Scope::Organisation {
                    return Err(CoordinationError::Invalid(
                        "TLP:RED is shared only with named member states (share_with: [\"MY\", …])"
                            .to_owned(),
                    ));
                }
                let addressed =
                    if scope == Scope::Community { vec!["region".to_owned()] } else { Vec::new() };
                Ok((Sharing::new(tlp, scope), addressed))
            }
            ShareWith::States(states) => {
                if states.is_empty() || states.len() > MAX_AFFECTED {
                    return Err(CoordinationError::Invalid(format!(
                        "share_with names 1 to {MAX_AFFECTED} member states"
                    )));
                }
                let mut recipients = Vec::new();
                let mut addressed = Vec::new();
                for iso2 in states {
                    let state = roster.member_state(iso2)?;
                    recipients.push(state.identity.clone());
                    addressed.push(state.short_name.clone());
                }
                if let Some(own) = roster.state_of(by).filter(|s| !recipients.contains(&s.identity)) {
                    recipients.push(own.identity.clone());
                }
                Ok((Sharing::recipients(tlp, recipients), addressed))
            }
        }
    }

    /// Reports a new incident, owned by the caller's organisation.
    pub async fn create_incident(
        &self,
        by: &Principal,
        new: &NewIncident,
    ) -> Result<IncidentView, CoordinationError> {
        require_writer(by)?;
        let roster = Roster::load(self).await?;
        let name = bounded("name", new.name.trim())?;
        if name.is_empty() {
            return Err(CoordinationError::Invalid("name is empty".to_owned()));
        }
        let severity = one_of("severity", &new.severity, &SEVERITIES)?;
        let class = one_of("incident_class", &new.incident_class, &CLASSES)?;
        let pap = new.pap.as_deref().map(|p| one_of("pap", &p.to_ascii_lowercase(), &PAPS)).transpose()?;
        if new.affected_states.len() > MAX_AFFECTED || new.affected_sectors.len() > MAX_AFFECTED {
            return Err(CoordinationError::Invalid(format!(
                "at most {MAX_AFFECTED} affected states or sectors"
            )));
        }
        let affected: Vec<String> = new
            .affected_states
            .iter()
            .map(|s| roster.member_state(s).map(|o| o.short_name.clone()))
            .collect::<Result<_, _>>()?;
        let tlp = Sharing::tlp_named(&new.tlp)?;
        let (sharing, addressed) = self.sharing_for(&roster, &by.org, tlp, &new.share_with).await?;
        let at = now();
        let mut extension = json!({
            "extension_type": "property-extension",
            "reporter_ref": by.org.identity,
            "severity": severity,
            "incident_class": class,
            "affected_states": affected,
            "affected_sectors": new.affected_sectors,
            "addressed_to": addressed,
        });
        if let Some(pap) = pap {
            extension["pap"] = json!(pap);
        }
        let mut object = json!({
            "type": "incident", "spec_version": "2.1", "id": selat_stix::id::new_v4("incident"),
            "created": at, "modified": at, "created_by_ref": by.org.identity,
            "name": name,
            "extensions": {INCIDENT.id: extension},
        });
        if let Some(description) = &new.description {
            object["description"] = json!(bounded("description", description)?);
        }
        sharing.apply(&mut object);
        self.put_records(&by.org.identity, std::slice::from_ref(&object)).await?;
        let id = object["id"].as_str().unwrap_or_default().to_owned();
        self.incident(by, &id).await
    }

    /// The incidents the caller may see, newest first.
    pub async fn incidents(
        &self,
        by: &Principal,
        filter: &IncidentFilter,
    ) -> Result<Vec<IncidentSummary>, CoordinationError> {
        let status = filter
            .status
            .as_deref()
            .map(|s| {
                Status::parse(s).ok_or_else(|| {
                    CoordinationError::Invalid(format!(
                        "status {s:?}: expected one of reported, triaged, coordinating, contained, closed"
                    ))
                })
            })
            .transpose()?;
        if let Some(severity) = &filter.severity {
            one_of("severity", severity, &SEVERITIES)?;
        }
        let audience = audience_of(self, by).await?;
        let roster = Roster::load(self).await?;
        let incidents = self.records(&audience, "incident").await?;
        let contributions = Contributions::changes_only(self, &audience).await?;
        let mut out: Vec<IncidentSummary> = incidents
            .iter()
            .map(|i| summary(&roster, i, contributions.status_of(&roster, i).0))
            .filter(|s| status.is_none_or(|want| s.status == want))
            .filter(|s| filter.severity.as_ref().is_none_or(|want| &s.severity == want))
            .filter(|s| {
                filter
                    .state
                    .as_ref()
                    .is_none_or(|want| s.affected_states.iter().any(|a| a.eq_ignore_ascii_case(want)))
            })
            .collect();
        out.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.id.cmp(&b.id)));
        Ok(out)
    }

    /// One incident with its tasks, requests, links and timeline (a duplicate merged into it
    /// brings its own timeline), as the caller sees it.
    pub async fn incident(&self, by: &Principal, id: &str) -> Result<IncidentView, CoordinationError> {
        let audience = audience_of(self, by).await?;
        let roster = Roster::load(self).await?;
        let incident = self.visible_incident(&audience, id).await?;
        let contributions = Contributions::load(self, &audience).await?;
        let incidents = self.records(&audience, "incident").await?;
        Ok(view(&roster, &by.org, &incident, &incidents, &contributions))
    }

    async fn visible_incident(
        &self,
        audience: &selat_store::Audience,
        id: &str,
    ) -> Result<Record, CoordinationError> {
        if !id.starts_with("incident--") {
            return Err(not_found(id));
        }
        self.record(audience, id).await?.ok_or_else(|| not_found(id))
    }

    /// Moves an incident to `to`, if the transition exists and the caller may make it.
    pub async fn transition_incident(
        &self,
        by: &Principal,
        id: &str,
        to: &str,
        reason: Option<&str>,
    ) -> Result<IncidentView, CoordinationError> {
        self.change_status(by, id, to, reason, None).await
    }

    /// Closes `duplicate` as merged into `into`: both timelines show on `into`.
    pub async fn merge_incident(
        &self,
        by: &Principal,
        duplicate: &str,
        into: &str,
        reason: Option<&str>,
    ) -> Result<IncidentView, CoordinationError> {
        if duplicate == into {
            return Err(CoordinationError::Invalid("an incident cannot be merged into itself".to_owned()));
        }
        let audience = audience_of(self, by).await?;
        self.visible_incident(&audience, into).await?;
        self.change_status(by, duplicate, "closed", reason, Some(into)).await?;
        self.incident(by, into).await
    }

    async fn change_status(
        &self,
        by: &Principal,
        id: &str,
        to: &str,
        reason: Option<&str>,
        merged_into: Option<&str>,
    ) -> Result<IncidentView, CoordinationError> {
        require_writer(by)?;
        let to = Status::parse(to).ok_or_else(|| {
            CoordinationError::Invalid(format!(
                "status {to:?}: expected one of reported, triaged, coordinating, contained, closed"
            ))
        })?;
        let _step = self.coordination_step().await;
        let audience = audience_of(self, by).await?;
        let roster = Roster::load(self).await?;
        let incident = self.visible_incident(&audience, id).await?;
        let from = Contributions::changes_only(self, &audience).await?.status_of(&roster, &incident).0;
        let Some(allowed) = transition(from, to) else {
            let next: Vec<&str> =
                TRANSITIONS.iter().filter(|(f, _, _)| *f == from).map(|(_, t, _)| t.as_str()).collect();
            return Err(CoordinationError::Conflict(format!(
                "incident {id} is {}: it can move to {}, not to {}",
                from.as_str(),
                next.join(", "),
                to.as_str()
            )));
        };
        let roles = actors(&roster, &incident.owner, &by.org);
        if !roles.iter().any(|r| allowed.contains(r)) {
            return Err(CoordinationError::Forbidden(format!(
                "{} → {} is for {}; {} is none of these for incident {id}",
                from.as_str(),
                to.as_str(),
                allowed.iter().map(actor_name).collect::<Vec<_>>().join(", "),
                by.org.short_name
            )));
        }
        let at = now();
        let mut change = json!({
            "type": STATUS_CHANGE.object_type, "spec_version": "2.1",
            "id": selat_stix::id::new_v4(STATUS_CHANGE.object_type.unwrap_or_default()),
            "created": at, "modified": at, "created_by_ref": by.org.identity,
            "incident_ref": id, "status_from": from.as_str(), "status_to": to.as_str(),
            "extensions": {STATUS_CHANGE.id: {"extension_type": "new-sdo"}},
        });
        if let Some(reason) = reason {
            change["reason"] = json!(bounded("reason", reason)?);
        }
        if let Some(into) = merged_into {
            change["merged_into_ref"] = json!(into);
        }
        Sharing::of(&incident.object).for_contribution(&incident.owner).apply(&mut change);
        self.put_records(&by.org.identity, &[change]).await?;
        drop(_step);
        self.incident(by, id).await
    }

    /// Widens whom an incident reaches: to the region or to named member states. The reporter
    /// widens its own incident (a new version); the reporter's member state escalates a sector
    /// lead's report as a new incident of its own that points at it (the report keeps its
    /// markings: the state chooses what it passes on).
    pub async fn escalate_incident(
        &self,
        by: &Principal,
        id: &str,
        to: &ShareWith,
    ) -> Result<IncidentView, CoordinationError> {
        require_writer(by)?;
        if matches!(to, ShareWith::Named(n) if n != "region") {
            return Err(CoordinationError::Invalid(
                "escalate to \"region\" or to a list of member states".to_owned(),
            ));
        }
        let audience = audience_of(self, by).await?;
        let roster = Roster::load(self).await?;
        let incident = self.visible_incident(&audience, id).await?;
        let roles = actors(&roster, &incident.owner, &by.org);
        let tlp = Sharing::of(&incident.object).tlp;
        let (sharing, addressed) = self.sharing_for(&roster, &by.org, tlp, to).await?;
        let mut object = incident.object.clone();
        object["extensions"][INCIDENT.id]["addressed_to"] = json!(addressed);
        if roles.contains(&Reporter) {
            object["modified"] = json!(next_modified(incident.str("modified")));
            sharing.apply(&mut object);
            self.put_records(&by.org.identity, &[object]).await?;
            return self.incident(by, id).await;
        }
        if !roles.contains(&Handler) {
            return Err(CoordinationError::Forbidden(format!(
                "only the reporter or its member state escalates incident {id}; {} is neither",
                by.org.short_name
            )));
        }
        let at = now();
        let new_id = selat_stix::id::new_v4("incident");
        object["id"] = json!(new_id);
        object["created"] = json!(at);
        object["modified"] = json!(at);
        object["created_by_ref"] = json!(by.org.identity);
        object["extensions"][INCIDENT.id]["reporter_ref"] = json!(by.org.identity);
        object["extensions"][INCIDENT.id]["escalated_from_ref"] = json!(id);
        sharing.apply(&mut object);
        self.put_records(&by.org.identity, &[object]).await?;
        self.incident(by, &new_id).await
    }

    /// Adds a task the caller's organisation takes on.
    pub async fn add_task(
        &self,
        by: &Principal,
        id: &str,
        new: &NewTask,
    ) -> Result<TaskView, CoordinationError> {
        require_writer(by)?;
        let audience = audience_of(self, by).await?;
        let incident = self.visible_incident(&audience, id).await?;
        let name = bounded("name", new.name.trim())?;
        if name.is_empty() {
            return Err(CoordinationError::Invalid("name is empty".to_owned()));
        }
        let at = now();
        let mut task = json!({
            "type": INCIDENT_TASK.object_type, "spec_version": "2.1",
            "id": selat_stix::id::new_v4(INCIDENT_TASK.object_type.unwrap_or_default()),
            "created": at, "modified": at, "created_by_ref": by.org.identity,
            "incident_ref": id, "name": name, "status": "open", "outcome": "pending",
            "extensions": {INCIDENT_TASK.id: {"extension_type": "new-sdo"}},
        });
        if let Some(description) = &new.description {
            task["description"] = json!(bounded("description", description)?);
        }
        if let Some(due) = &new.due {
            task["due"] = json!(timestamp("due", due)?);
        }
        if let Some(priority) = new.priority {
            if priority > 100 {
                return Err(CoordinationError::Invalid("priority is 0 to 100".to_owned()));
            }
            task["priority"] = json!(priority);
        }
        Sharing::of(&incident.object).for_contribution(&incident.owner).apply(&mut task);
        self.put_records(&by.org.identity, std::slice::from_ref(&task)).await?;
        let roster = Roster::load(self).await?;
        Ok(task_view(&roster, &Record { owner: by.org.identity.clone(), object: task }))
    }

    /// Sets a task's status; only the organisation that owns the task may.
    pub async fn update_task(
        &self,
        by: &Principal,
        incident_id: &str,
        task_id: &str,
        update: &TaskUpdate,
    ) -> Result<TaskView, CoordinationError> {
        require_writer(by)?;
        let status = one_of("status", &update.status, &["open", "in-progress", "done", "cancelled"])?;
        let audience = audience_of(self, by).await?;
        let task = self
            .record(&audience, task_id)
            .await?
            .filter(|t| t.str("incident_ref") == Some(incident_id))
            .ok_or_else(|| {
                CoordinationError::NotFound(format!("no task {task_id} on incident {incident_id}"))
            })?;
        let roster = Roster::load(self).await?;
        if task.owner != by.org.identity {
            return Err(CoordinationError::Forbidden(format!(
                "task {task_id} belongs to {}; only it updates the task",
                roster.name_of(&task.owner)
            )));
        }
        let mut object = task.object.clone();
        object["status"] = json!(status);
        object["outcome"] = json!(match status.as_str() {
            "open" => "pending",
            "in-progress" => "ongoing",
            "done" => "completed",
            _ => "cancelled",
        });
        object["modified"] = json!(next_modified(task.str("modified")));
        self.put_records(&by.org.identity, std::slice::from_ref(&object)).await?;
        Ok(task_view(&roster, &Record { owner: task.owner, object }))
    }

    /// Adds a note to an incident's timeline (a STIX `note` pointing at it).
    pub async fn add_note(
        &self,
        by: &Principal,
        id: &str,
        text: &str,
    ) -> Result<TimelineEntry, CoordinationError> {
        require_writer(by)?;
        let text = bounded("text", text.trim())?;
        if text.is_empty() {
            return Err(CoordinationError::Invalid("text is empty".to_owned()));
        }
        let audience = audience_of(self, by).await?;
        let incident = self.visible_incident(&audience, id).await?;
        let at = now();
        let mut note = json!({
            "type": "note", "spec_version": "2.1", "id": selat_stix::id::new_v4("note"),
            "created": at, "modified": at, "created_by_ref": by.org.identity,
            "content": text, "object_refs": [id],
        });
        Sharing::of(&incident.object).for_contribution(&incident.owner).apply(&mut note);
        self.put_records(&by.org.identity, std::slice::from_ref(&note)).await?;
        Ok(TimelineEntry {
            at,
            kind: "note",
            by: by.org.short_name.clone(),
            text: text.to_owned(),
            reference: note["id"].as_str().unwrap_or_default().to_owned(),
            incident: id.to_owned(),
        })
    }

    /// Links objects (indicators, observables, sightings) the caller may see to an incident.
    pub async fn link_incident(
        &self,
        by: &Principal,
        id: &str,
        object_refs: &[String],
    ) -> Result<IncidentView, CoordinationError> {
        require_writer(by)?;
        if object_refs.is_empty() || object_refs.len() > MAX_LINKS_PER_REQUEST {
            return Err(CoordinationError::Invalid(format!(
                "object_refs names 1 to {MAX_LINKS_PER_REQUEST} objects"
            )));
        }
        let audience = audience_of(self, by).await?;
        let incident = self.visible_incident(&audience, id).await?;
        let sharing = Sharing::of(&incident.object).for_contribution(&incident.owner);
        let mut links = Vec::new();
        for target in object_refs {
            if selat_stix::Identifier::parse(target).is_err()
                || self.store.latest_versions(target, &audience).await?.is_empty()
            {
                return Err(CoordinationError::Invalid(format!(
                    "object_refs: no object {target} that you may see"
                )));
            }
            let at = now();
            let mut link = json!({
                "type": "relationship", "spec_version": "2.1", "id": selat_stix::id::new_v4("relationship"),
                "created": at, "modified": at, "created_by_ref": by.org.identity,
                "relationship_type": "related-to", "source_ref": id, "target_ref": target,
            });
            sharing.apply(&mut link);
            links.push(link);
        }
        self.put_records(&by.org.identity, &links).await?;
        self.incident(by, id).await
    }

    /// Asks a member state for assistance (norm h). The reporter, its member state or the
    /// secretariat asks; the state asked must already see the incident.
    pub async fn request_assistance(
        &self,
        by: &Principal,
        id: &str,
        new: &NewAssistanceRequest,
    ) -> Result<AssistanceView, CoordinationError> {
        require_writer(by)?;
        let audience = audience_of(self, by).await?;
        let roster = Roster::load(self).await?;
        let incident = self.visible_incident(&audience, id).await?;
        if actors(&roster, &incident.owner, &by.org).is_empty() {
            return Err(CoordinationError::Forbidden(format!(
                "the reporter, its member state or the secretariat asks for assistance on incident {id}"
            )));
        }
        let target = roster.member_state(&new.to)?.clone();
        let target_audience = self.org_audience(Some(&target), false).await?;
        if self.record(&target_audience, id).await?.is_none() {
            return Err(CoordinationError::Conflict(format!(
                "incident {id} is not shared with {}: escalate it to them first",
                target.short_name
            )));
        }
        let request = bounded("request", new.request.trim())?;
        if request.is_empty() {
            return Err(CoordinationError::Invalid("request is empty".to_owned()));
        }
        let at = now();
        let mut object = json!({
            "type": ASSISTANCE_REQUEST.object_type, "spec_version": "2.1",
            "id": selat_stix::id::new_v4(ASSISTANCE_REQUEST.object_type.unwrap_or_default()),
            "created": at, "modified": at, "created_by_ref": by.org.identity,
            "incident_ref": id, "requested_of_ref": target.identity, "request": request,
            "deadline": timestamp("deadline", &new.deadline)?,
            "extensions": {ASSISTANCE_REQUEST.id: {"extension_type": "new-sdo"}},
        });
        Sharing::of(&incident.object).for_contribution(&incident.owner).apply(&mut object);
        self.put_records(&by.org.identity, std::slice::from_ref(&object)).await?;
        let record = Record { owner: by.org.identity.clone(), object };
        Ok(assistance_view(&roster, &record, &[], &now()))
    }

    /// Answers an assistance request; only the member state it names may.
    pub async fn answer_assistance(
        &self,
        by: &Principal,
        incident_id: &str,
        request_id: &str,
        new: &NewAnswer,
    ) -> Result<AssistanceView, CoordinationError> {
        require_writer(by)?;
        let answer = one_of("answer", &new.answer, &["accepted", "declined", "completed"])?;
        let audience = audience_of(self, by).await?;
        let roster = Roster::load(self).await?;
        let request = self
            .record(&audience, request_id)
            .await?
            .filter(|r| r.str("incident_ref") == Some(incident_id))
            .ok_or_else(|| {
                CoordinationError::NotFound(format!(
                    "no assistance request {request_id} on incident {incident_id}"
                ))
            })?;
        let asked = request.str("requested_of_ref").unwrap_or_default();
        if asked != by.org.identity {
            return Err(CoordinationError::Forbidden(format!(
                "assistance request {request_id} is addressed to {}, not {}",
                roster.name_of(asked),
                by.org.short_name
            )));
        }
        let at = now();
        let mut object = json!({
            "type": ASSISTANCE_ANSWER.object_type, "spec_version": "2.1",
            "id": selat_stix::id::new_v4(ASSISTANCE_ANSWER.object_type.unwrap_or_default()),
            "created": at, "modified": at, "created_by_ref": by.org.identity,
            "request_ref": request_id, "incident_ref": incident_id, "answer": answer,
            "extensions": {ASSISTANCE_ANSWER.id: {"extension_type": "new-sdo"}},
        });
        if let Some(text) = &new.text {
            object["text"] = json!(bounded("text", text)?);
        }
        Sharing::of(&request.object).for_contribution(&request.owner).apply(&mut object);
        self.put_records(&by.org.identity, std::slice::from_ref(&object)).await?;
        let answers = self.records(&audience, ASSISTANCE_ANSWER.object_type.unwrap_or_default()).await?;
        let mine: Vec<&Record> =
            answers.iter().filter(|a| a.str("request_ref") == Some(request_id)).collect();
        Ok(assistance_view(&roster, &request, &mine, &now()))
    }

    /// Assistance requests the caller may see; `open_only` keeps those not yet answered.
    pub async fn assistance_requests(
        &self,
        by: &Principal,
    ) -> Result<Vec<AssistanceView>, CoordinationError> {
        let audience = audience_of(self, by).await?;
        let roster = Roster::load(self).await?;
        let requests = self.records(&audience, ASSISTANCE_REQUEST.object_type.unwrap_or_default()).await?;
        let answers = self.records(&audience, ASSISTANCE_ANSWER.object_type.unwrap_or_default()).await?;
        let mut by_request: HashMap<&str, Vec<&Record>> = HashMap::new();
        for answer in &answers {
            by_request.entry(answer.str("request_ref").unwrap_or_default()).or_default().push(answer);
        }
        let now = now();
        Ok(requests
            .iter()
            .map(|r| assistance_view(&roster, r, by_request.get(r.id()).map_or(&[][..], Vec::as_slice), &now))
            .collect())
    }
}

fn actor_name(actor: &Actor) -> &'static str {
    match actor {
        Reporter => "the reporter",
        Handler => "the reporter's member state",
        Secretariat => "the secretariat",
    }
}

fn view(
    roster: &Roster,
    asker: &Organisation,
    incident: &Record,
    incidents: &[Record],
    c: &Contributions,
) -> IncidentView {
    let id = incident.id();
    let (status, merged_into) = c.status_of(roster, incident);
    let merged: Vec<&Record> = incidents
        .iter()
        .filter(|other| other.id() != id && c.status_of(roster, other).1.as_deref() == Some(id))
        .collect();
    let mut timeline = timeline_of(roster, incident, c);
    for duplicate in &merged {
        timeline.extend(timeline_of(roster, duplicate, c));
    }
    timeline.sort_by(|a, b| (&a.at, &a.reference).cmp(&(&b.at, &b.reference)));
    let now = now();
    let roles = actors(roster, &incident.owner, asker);
    let allowed_transitions = TRANSITIONS
        .iter()
        .filter(|(from, _, who)| *from == status && who.iter().any(|w| roles.contains(w)))
        .map(|(_, to, _)| *to)
        .collect();
    IncidentView {
        summary: summary(roster, incident, status),
        description: incident.str("description").map(str::to_owned),
        affected_sectors: ext_list(incident, INCIDENT.id, "affected_sectors"),
        pap: ext_str(incident, INCIDENT.id, "pap").map(str::to_owned),
        addressed_to: ext_list(incident, INCIDENT.id, "addressed_to"),
        escalated_from: ext_str(incident, INCIDENT.id, "escalated_from_ref").map(str::to_owned),
        merged_into,
        merged: merged.iter().map(|m| m.id().to_owned()).collect(),
        tasks: c
            .tasks
            .iter()
            .filter(|t| t.str("incident_ref") == Some(id))
            .map(|t| task_view(roster, t))
            .collect(),
        assistance_requests: c
            .requests
            .iter()
            .filter(|r| r.str("incident_ref") == Some(id))
            .map(|r| {
                let answers: Vec<&Record> =
                    c.answers.iter().filter(|a| a.str("request_ref") == Some(r.id())).collect();
                assistance_view(roster, r, &answers, &now)
            })
            .collect(),
        links: c
            .links
            .iter()
            .filter(|l| l.str("source_ref") == Some(id))
            .filter_map(|l| l.str("target_ref").map(str::to_owned))
            .collect(),
        timeline,
        allowed_transitions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_a_way_forward_and_closed_is_reached() {
        for status in Status::ALL {
            assert!(TRANSITIONS.iter().any(|(f, _, _)| *f == status), "{status:?} is a dead end");
        }
        for (from, to, who) in TRANSITIONS {
            assert_ne!(from, to);
            assert!(!who.is_empty());
        }
        assert!(transition(Reported, Coordinating).is_none(), "triage comes first");
        assert_eq!(transition(Contained, Closed), Some(&[Reporter, Handler, Secretariat][..]));
    }
}

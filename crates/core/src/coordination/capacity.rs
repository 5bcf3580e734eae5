//! Capacity building: programmes (`x-selat-capacity-programme`, owned by the organisation that
//! records it, usually a provider) and member states' needs (`x-selat-capacity-need`, owned by
//! the state), with the analysis a coordinator asks for: needs no current or planned programme
//! covers ([`gaps`]), programmes of one theme whose beneficiaries and dates overlap
//! ([`overlaps`]), and the state × theme coverage [`matrix`]. The analysis is pure: it reads only
//! what the services hand it (what the reader may see) and the date it is asked for.
//!
//! A need is matched to an offer (`x-selat-capacity-offer`: a provider proposes one of its own
//! programmes for it), which the need's state accepts or declines
//! (`x-selat-capacity-offer-answer`); an accepted offer is delivered once its programme is
//! completed ([`offer_status`]).

use selat_stix::meta::Scope;
use selat_stix::selat::{CAPACITY_NEED, CAPACITY_OFFER, CAPACITY_OFFER_ANSWER, CAPACITY_PROGRAMME};
use selat_stix::tlp::Tlp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{CoordinationError, Record, Roster, Sharing, audience_of, bounded, now};
use crate::node::Node;
use crate::org::{OrgKind, Principal, Role};

/// The GFCE capacity-building themes.
pub const THEMES: [&str; 5] =
    ["policy-and-strategy", "incident-management-and-cip", "cybercrime", "culture-and-skills", "standards"];
/// How a programme is delivered.
pub const FORMATS: [&str; 3] = ["in-person", "online", "hybrid"];
/// A programme's status.
pub const PROGRAMME_STATUSES: [&str; 4] = ["planned", "ongoing", "completed", "cancelled"];
/// A need's priority.
pub const PRIORITIES: [&str; 3] = ["high", "medium", "low"];
/// Most providers, funders or beneficiary states one programme names.
pub const MAX_PROGRAMME_PARTIES: usize = 64;
/// Longest title, provider or funder name, or source link, in bytes.
pub const MAX_NAME_BYTES: usize = 512;

/// A programme as the analysis reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Programme {
    pub id: String,
    pub title: String,
    pub themes: Vec<String>,
    pub states: Vec<String>,
    /// `YYYY-MM-DD`.
    pub start: String,
    /// `YYYY-MM-DD`; `None` is open-ended.
    pub end: Option<String>,
    pub status: String,
}

impl Programme {
    /// Planned or ongoing, and not ended before `today`.
    pub fn current_or_planned(&self, today: &str) -> bool {
        matches!(self.status.as_str(), "planned" | "ongoing")
            && self.end.as_deref().is_none_or(|e| e >= today)
    }

    fn covers(&self, need: &Need, today: &str) -> bool {
        self.current_or_planned(today)
            && self.themes.contains(&need.theme)
            && self.states.contains(&need.state)
    }
}

/// A need as the analysis reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub id: String,
    pub state: String,
    pub theme: String,
    pub priority: String,
}

/// The needs that no current or planned programme covers as of `today` (same theme, the need's
/// state among the beneficiaries).
pub fn gaps<'a>(needs: &'a [Need], programmes: &[Programme], today: &str) -> Vec<&'a Need> {
    needs.iter().filter(|n| !programmes.iter().any(|p| p.covers(n, today))).collect()
}

/// Two programmes that overlap: the themes and states they share and the dates both run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overlap {
    pub programmes: [String; 2],
    pub titles: [String; 2],
    pub themes: Vec<String>,
    pub states: Vec<String>,
    pub from: String,
    /// `None`: both are open-ended.
    pub to: Option<String>,
}

/// Pairs of programmes (neither cancelled) that share a theme and a beneficiary state and whose
/// dates intersect, with the overlap spelled out; an absent end runs for ever.
pub fn overlaps(programmes: &[Programme]) -> Vec<Overlap> {
    let live: Vec<&Programme> = programmes.iter().filter(|p| p.status != "cancelled").collect();
    let mut found = Vec::new();
    for (i, a) in live.iter().enumerate() {
        for b in &live[i + 1..] {
            if let Some(overlap) = overlap(a, b) {
                found.push(overlap);
            }
        }
    }
    found
}

fn overlap(a: &Programme, b: &Programme) -> Option<Overlap> {
    let themes: Vec<String> = a.themes.iter().filter(|t| b.themes.contains(t)).cloned().collect();
    let states: Vec<String> = a.states.iter().filter(|s| b.states.contains(s)).cloned().collect();
    if themes.is_empty() || states.is_empty() {
        return None;
    }
    let from = a.start.clone().max(b.start.clone());
    let to = match (&a.end, &b.end) {
        (Some(x), Some(y)) => Some(x.clone().min(y.clone())),
        (Some(x), None) | (None, Some(x)) => Some(x.clone()),
        (None, None) => None,
    };
    if to.as_ref().is_some_and(|t| *t < from) {
        return None;
    }
    Some(Overlap {
        programmes: [a.id.clone(), b.id.clone()],
        titles: [a.title.clone(), b.title.clone()],
        themes,
        states,
        from,
        to,
    })
}

/// One state's coverage of one theme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coverage {
    pub theme: String,
    /// Current or planned programmes for the state on the theme.
    pub programmes: usize,
    pub needs: usize,
    /// Needs that none of those programmes covers.
    pub gaps: usize,
}

/// One state's row of the coverage matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoverageRow {
    pub member_state: String,
    pub cells: Vec<Coverage>,
}

/// State × theme coverage as of `today`.
pub fn matrix(states: &[&str], needs: &[Need], programmes: &[Programme], today: &str) -> Vec<CoverageRow> {
    let gap_list = gaps(needs, programmes, today);
    states
        .iter()
        .map(|state| CoverageRow {
            member_state: (*state).to_owned(),
            cells: THEMES
                .iter()
                .map(|theme| {
                    let on = |s: &str, t: &str| s == *state && t == *theme;
                    Coverage {
                        theme: (*theme).to_owned(),
                        programmes: programmes
                            .iter()
                            .filter(|p| p.current_or_planned(today))
                            .filter(|p| {
                                p.states.iter().any(|s| s == state) && p.themes.iter().any(|t| t == theme)
                            })
                            .count(),
                        needs: needs.iter().filter(|n| on(&n.state, &n.theme)).count(),
                        gaps: gap_list.iter().filter(|n| on(&n.state, &n.theme)).count(),
                    }
                })
                .collect(),
        })
        .collect()
}

/// A programme as recorded (and replaced, whole, by its owner).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewProgramme {
    pub title: String,
    pub themes: Vec<String>,
    #[serde(default)]
    pub providers: Vec<String>,
    #[serde(default)]
    pub funders: Vec<String>,
    /// ISO 3166 alpha-2 codes.
    pub beneficiary_states: Vec<String>,
    pub format: Option<String>,
    /// `YYYY-MM-DD`.
    pub start: String,
    /// `YYYY-MM-DD`; absent: open-ended.
    pub end: Option<String>,
    pub seats: Option<u32>,
    pub status: String,
    pub source: Option<String>,
}

/// A need as its state records it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewNeed {
    pub member_state: String,
    pub theme: String,
    pub priority: String,
    pub description: Option<String>,
}

/// A stored programme.
#[derive(Debug, Clone, Serialize)]
pub struct ProgrammeView {
    pub id: String,
    pub title: String,
    pub themes: Vec<String>,
    pub providers: Vec<String>,
    pub funders: Vec<String>,
    pub beneficiary_states: Vec<String>,
    pub format: Option<String>,
    pub start: String,
    pub end: Option<String>,
    pub seats: Option<u64>,
    pub status: String,
    pub source: Option<String>,
    pub recorded_by: String,
    pub modified: String,
}

/// A stored need, with whether a current or planned programme covers it.
#[derive(Debug, Clone, Serialize)]
pub struct NeedView {
    pub id: String,
    pub member_state: String,
    pub theme: String,
    pub priority: String,
    pub description: Option<String>,
    pub covered_by: Vec<String>,
    /// Offers made for it and where each stands.
    pub offers: Vec<OfferView>,
    pub modified: String,
}

/// An offer for a need.
#[derive(Debug, Clone, Serialize)]
pub struct OfferView {
    pub id: String,
    pub need: String,
    pub programme: String,
    pub provider: String,
    pub note: Option<String>,
    /// `proposed`, `accepted`, `declined` or `delivered`.
    pub status: &'static str,
}

/// An offer as a provider makes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOffer {
    /// One of the caller's own programmes.
    pub programme: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOfferAnswer {
    /// `accepted` or `declined`.
    pub answer: String,
}

/// Where an offer stands: the state's latest answer, and delivery once the programme of an
/// accepted offer is completed.
pub fn offer_status(answer: Option<&str>, programme_status: Option<&str>) -> &'static str {
    match (answer, programme_status) {
        (Some("accepted"), Some("completed")) => "delivered",
        (Some("accepted"), _) => "accepted",
        (Some("declined"), _) => "declined",
        _ => "proposed",
    }
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

fn programme_of(record: &Record) -> Programme {
    Programme {
        id: record.id().to_owned(),
        title: owned(record, "title").unwrap_or_default(),
        themes: strings(record, "themes"),
        states: strings(record, "beneficiary_states"),
        start: owned(record, "start").unwrap_or_default(),
        end: owned(record, "end"),
        status: owned(record, "status").unwrap_or_default(),
    }
}

fn need_of(record: &Record) -> Need {
    Need {
        id: record.id().to_owned(),
        state: owned(record, "member_state").unwrap_or_default(),
        theme: owned(record, "theme").unwrap_or_default(),
        priority: owned(record, "priority").unwrap_or_default(),
    }
}

fn programme_view(roster: &Roster, record: &Record) -> ProgrammeView {
    let p = programme_of(record);
    ProgrammeView {
        id: p.id,
        title: p.title,
        themes: p.themes,
        providers: strings(record, "providers"),
        funders: strings(record, "funders"),
        beneficiary_states: p.states,
        format: owned(record, "format"),
        start: p.start,
        end: p.end,
        seats: record.object.get("seats").and_then(Value::as_u64),
        status: p.status,
        source: owned(record, "source"),
        recorded_by: roster.name_of(&record.owner),
        modified: owned(record, "modified").unwrap_or_default(),
    }
}

fn offer_view(roster: &Roster, offer: &Record, answers: &[Record], programmes: &[Record]) -> OfferView {
    // Only the need's state answers (checked before storing); the latest answer counts.
    let answer = answers
        .iter()
        .filter(|a| a.str("offer_ref") == Some(offer.id()))
        .max_by(|a, b| a.str("modified").cmp(&b.str("modified")))
        .and_then(|a| a.str("answer"));
    let programme = offer.str("programme_ref").unwrap_or_default();
    let programme_status = programmes.iter().find(|p| p.id() == programme).and_then(|p| p.str("status"));
    OfferView {
        id: offer.id().to_owned(),
        need: owned(offer, "need_ref").unwrap_or_default(),
        programme: programme.to_owned(),
        provider: roster.name_of(&offer.owner),
        note: owned(offer, "note"),
        status: offer_status(answer, programme_status),
    }
}

fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<(), CoordinationError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(CoordinationError::Invalid(format!("{field} {value:?}: expected one of {}", allowed.join(", "))))
    }
}

/// `text` as a `YYYY-MM-DD` date, else a 400 naming `field`.
pub fn date(field: &str, text: &str) -> Result<String, CoordinationError> {
    if text.len() != 10 {
        return Err(CoordinationError::Invalid(format!("{field} {text:?}: expected YYYY-MM-DD")));
    }
    super::timestamp(field, text).map(|_| text.to_owned())
}

fn names(field: &str, list: &[String]) -> Result<(), CoordinationError> {
    if list.len() > MAX_PROGRAMME_PARTIES {
        return Err(CoordinationError::Invalid(format!("{field}: at most {MAX_PROGRAMME_PARTIES}")));
    }
    match list.iter().find(|n| n.len() > MAX_NAME_BYTES || n.trim().is_empty()) {
        Some(n) => {
            Err(CoordinationError::Invalid(format!("{field} {n:?}: names are 1 to {MAX_NAME_BYTES} bytes")))
        }
        None => Ok(()),
    }
}

/// Checks a programme and builds its object's own properties.
fn programme_fields(roster: &Roster, new: &NewProgramme) -> Result<Value, CoordinationError> {
    let title = new.title.trim();
    if title.is_empty() || title.len() > MAX_NAME_BYTES {
        return Err(CoordinationError::Invalid(format!("title is 1 to {MAX_NAME_BYTES} bytes")));
    }
    if new.themes.is_empty() {
        return Err(CoordinationError::Invalid("themes: name at least one GFCE theme".to_owned()));
    }
    for theme in &new.themes {
        one_of("theme", theme, &THEMES)?;
    }
    one_of("status", &new.status, &PROGRAMME_STATUSES)?;
    if let Some(format) = &new.format {
        one_of("format", format, &FORMATS)?;
    }
    names("providers", &new.providers)?;
    names("funders", &new.funders)?;
    names("beneficiary_states", &new.beneficiary_states)?;
    if new.beneficiary_states.is_empty() {
        return Err(CoordinationError::Invalid(
            "beneficiary_states: name at least one member state".to_owned(),
        ));
    }
    let states: Vec<String> = new
        .beneficiary_states
        .iter()
        .map(|s| roster.member_state(s).map(|o| o.short_name.clone()))
        .collect::<Result<_, _>>()?;
    let start = date("start", &new.start)?;
    let end = new.end.as_deref().map(|e| date("end", e)).transpose()?;
    if end.as_ref().is_some_and(|e| *e < start) {
        return Err(CoordinationError::Invalid("end is before start".to_owned()));
    }
    let mut fields = json!({
        "title": title, "themes": new.themes, "beneficiary_states": states, "start": start, "status": new.status,
    });
    // STIX forbids empty lists: an absent one means none.
    for (key, list) in [("providers", &new.providers), ("funders", &new.funders)] {
        if !list.is_empty() {
            fields[key] = json!(list);
        }
    }
    for (key, value) in [("format", &new.format), ("end", &end)] {
        if let Some(v) = value {
            fields[key] = json!(v);
        }
    }
    if let Some(seats) = new.seats {
        fields["seats"] = json!(seats);
    }
    if let Some(source) = &new.source {
        if source.len() > MAX_NAME_BYTES || !(source.starts_with("https://") || source.starts_with("http://"))
        {
            return Err(CoordinationError::Invalid(format!(
                "source: an http(s) link of at most {MAX_NAME_BYTES} bytes"
            )));
        }
        fields["source"] = json!(source);
    }
    Ok(fields)
}

fn require_writer(by: &Principal) -> Result<(), CoordinationError> {
    if by.at_least(Role::Analyst) {
        Ok(())
    } else {
        Err(CoordinationError::Forbidden("viewers read; an analyst or above writes".to_owned()))
    }
}

impl Node {
    /// Records a programme, owned by the caller's organisation and shared with the region.
    pub async fn create_programme(
        &self,
        by: &Principal,
        new: &NewProgramme,
    ) -> Result<ProgrammeView, CoordinationError> {
        require_writer(by)?;
        let roster = Roster::load(self).await?;
        let fields = programme_fields(&roster, new)?;
        let at = now();
        let id = selat_stix::id::new_v4(CAPACITY_PROGRAMME.object_type.unwrap_or_default());
        let object = self.programme_object(&id, &at, &at, &by.org.identity, fields);
        self.put_records(&by.org.identity, std::slice::from_ref(&object)).await?;
        Ok(programme_view(&roster, &Record { owner: by.org.identity.clone(), object }))
    }

    /// Replaces a programme with a new version; only the organisation that recorded it may.
    pub async fn replace_programme(
        &self,
        by: &Principal,
        id: &str,
        new: &NewProgramme,
    ) -> Result<ProgrammeView, CoordinationError> {
        require_writer(by)?;
        let roster = Roster::load(self).await?;
        let _step = self.coordination_step().await;
        let audience = audience_of(self, by).await?;
        let previous = self
            .record(&audience, id)
            .await?
            .filter(|r| r.str("type") == CAPACITY_PROGRAMME.object_type)
            .ok_or_else(|| CoordinationError::NotFound(format!("no programme {id}")))?;
        if previous.owner != by.org.identity {
            return Err(CoordinationError::Forbidden(format!(
                "programme {id} belongs to {}: only it edits the programme",
                roster.name_of(&previous.owner)
            )));
        }
        let fields = programme_fields(&roster, new)?;
        let modified = super::next_modified(previous.str("modified"));
        let created = previous.str("created").unwrap_or_default().to_owned();
        let object = self.programme_object(id, &created, &modified, &by.org.identity, fields);
        self.put_records(&by.org.identity, std::slice::from_ref(&object)).await?;
        Ok(programme_view(&roster, &Record { owner: by.org.identity.clone(), object }))
    }

    fn programme_object(&self, id: &str, created: &str, modified: &str, owner: &str, fields: Value) -> Value {
        let mut object = json!({
            "type": CAPACITY_PROGRAMME.object_type, "spec_version": "2.1", "id": id,
            "created": created, "modified": modified, "created_by_ref": owner,
            "extensions": {CAPACITY_PROGRAMME.id: {"extension_type": "new-sdo"}},
        });
        if let (Some(object), Value::Object(fields)) = (object.as_object_mut(), fields) {
            object.extend(fields);
        }
        Sharing::new(Tlp::Green, Scope::Community).apply(&mut object);
        object
    }

    /// Records a need of the caller's own member state.
    pub async fn create_need(&self, by: &Principal, new: &NewNeed) -> Result<NeedView, CoordinationError> {
        require_writer(by)?;
        if !(by.org.kind == OrgKind::MemberState && by.org.short_name.eq_ignore_ascii_case(&new.member_state))
        {
            return Err(CoordinationError::Forbidden(format!(
                "only {} records its own needs",
                new.member_state.to_ascii_uppercase()
            )));
        }
        one_of("theme", &new.theme, &THEMES)?;
        one_of("priority", &new.priority, &PRIORITIES)?;
        let at = now();
        let mut object = json!({
            "type": CAPACITY_NEED.object_type, "spec_version": "2.1",
            "id": selat_stix::id::new_v4(CAPACITY_NEED.object_type.unwrap_or_default()),
            "created": at, "modified": at, "created_by_ref": by.org.identity,
            "member_state": by.org.short_name, "theme": new.theme, "priority": new.priority,
            "extensions": {CAPACITY_NEED.id: {"extension_type": "new-sdo"}},
        });
        if let Some(description) = &new.description {
            object["description"] = json!(bounded("description", description)?);
        }
        Sharing::new(Tlp::Green, Scope::Community).apply(&mut object);
        self.put_records(&by.org.identity, std::slice::from_ref(&object)).await?;
        let id = object["id"].as_str().unwrap_or_default().to_owned();
        self.needs(by).await?.into_iter().find(|n| n.id == id).ok_or_else(|| CoordinationError::NotFound(id))
    }

    async fn offer_records(&self, by: &Principal) -> Result<(Vec<Record>, Vec<Record>), CoordinationError> {
        let audience = audience_of(self, by).await?;
        let offers = self.records(&audience, CAPACITY_OFFER.object_type.unwrap_or_default()).await?;
        let answers = self.records(&audience, CAPACITY_OFFER_ANSWER.object_type.unwrap_or_default()).await?;
        Ok((offers, answers))
    }

    /// A provider offers one of its own programmes for a need; the need's state sees it.
    pub async fn offer_for_need(
        &self,
        by: &Principal,
        need_id: &str,
        new: &NewOffer,
    ) -> Result<OfferView, CoordinationError> {
        require_writer(by)?;
        let (programmes, needs) = self.capacity_records(by).await?;
        let need = needs
            .iter()
            .find(|n| n.id() == need_id)
            .ok_or_else(|| CoordinationError::NotFound(format!("no need {need_id}")))?;
        let programme = programmes
            .iter()
            .find(|p| p.id() == new.programme)
            .ok_or_else(|| CoordinationError::NotFound(format!("no programme {}", new.programme)))?;
        if programme.owner != by.org.identity {
            return Err(CoordinationError::Forbidden(format!(
                "programme {} is not {}'s: a provider offers only its own programmes",
                new.programme, by.org.short_name
            )));
        }
        if !strings(programme, "themes").iter().any(|t| Some(t.as_str()) == need.str("theme")) {
            return Err(CoordinationError::Invalid(
                "the programme does not cover the need's theme".to_owned(),
            ));
        }
        let at = now();
        let mut object = json!({
            "type": CAPACITY_OFFER.object_type, "spec_version": "2.1",
            "id": selat_stix::id::new_v4(CAPACITY_OFFER.object_type.unwrap_or_default()),
            "created": at, "modified": at, "created_by_ref": by.org.identity,
            "need_ref": need_id, "programme_ref": new.programme,
            "extensions": {CAPACITY_OFFER.id: {"extension_type": "new-sdo"}},
        });
        if let Some(note) = &new.note {
            object["note"] = json!(bounded("note", note)?);
        }
        Sharing::new(Tlp::Green, Scope::Community).apply(&mut object);
        self.put_records(&by.org.identity, std::slice::from_ref(&object)).await?;
        let roster = Roster::load(self).await?;
        let offer = Record { owner: by.org.identity.clone(), object };
        Ok(offer_view(&roster, &offer, &[], &programmes))
    }

    /// The need's state accepts or declines an offer for it.
    pub async fn answer_offer(
        &self,
        by: &Principal,
        offer_id: &str,
        new: &NewOfferAnswer,
    ) -> Result<OfferView, CoordinationError> {
        require_writer(by)?;
        one_of("answer", &new.answer, &["accepted", "declined"])?;
        let _step = self.coordination_step().await;
        let (programmes, needs) = self.capacity_records(by).await?;
        let (offers, mut answers) = self.offer_records(by).await?;
        let offer = offers
            .iter()
            .find(|o| o.id() == offer_id)
            .ok_or_else(|| CoordinationError::NotFound(format!("no offer {offer_id}")))?;
        let need = needs.iter().find(|n| Some(n.id()) == offer.str("need_ref"));
        if need.is_none_or(|n| n.owner != by.org.identity) {
            return Err(CoordinationError::Forbidden(
                "only the member state whose need it is answers an offer".to_owned(),
            ));
        }
        let at = now();
        let mut object = json!({
            "type": CAPACITY_OFFER_ANSWER.object_type, "spec_version": "2.1",
            "id": selat_stix::id::new_v4(CAPACITY_OFFER_ANSWER.object_type.unwrap_or_default()),
            "created": at, "modified": at, "created_by_ref": by.org.identity,
            "offer_ref": offer_id, "answer": new.answer,
            "extensions": {CAPACITY_OFFER_ANSWER.id: {"extension_type": "new-sdo"}},
        });
        Sharing::new(Tlp::Green, Scope::Community).apply(&mut object);
        self.put_records(&by.org.identity, std::slice::from_ref(&object)).await?;
        answers.push(Record { owner: by.org.identity.clone(), object });
        let roster = Roster::load(self).await?;
        Ok(offer_view(&roster, offer, &answers, &programmes))
    }

    async fn capacity_records(
        &self,
        by: &Principal,
    ) -> Result<(Vec<Record>, Vec<Record>), CoordinationError> {
        let audience = audience_of(self, by).await?;
        let programmes = self.records(&audience, CAPACITY_PROGRAMME.object_type.unwrap_or_default()).await?;
        let needs = self.records(&audience, CAPACITY_NEED.object_type.unwrap_or_default()).await?;
        Ok((programmes, needs))
    }

    /// The programmes the caller may see, by start date.
    pub async fn programmes(&self, by: &Principal) -> Result<Vec<ProgrammeView>, CoordinationError> {
        let roster = Roster::load(self).await?;
        let (programmes, _) = self.capacity_records(by).await?;
        let mut views: Vec<ProgrammeView> = programmes.iter().map(|r| programme_view(&roster, r)).collect();
        views.sort_by(|a, b| (&a.start, &a.id).cmp(&(&b.start, &b.id)));
        Ok(views)
    }

    /// The needs the caller may see, each with the programmes that cover it today.
    pub async fn needs(&self, by: &Principal) -> Result<Vec<NeedView>, CoordinationError> {
        let (programme_records, needs) = self.capacity_records(by).await?;
        let (offers, answers) = self.offer_records(by).await?;
        let roster = Roster::load(self).await?;
        let programmes: Vec<Programme> = programme_records.iter().map(programme_of).collect();
        let today = now()[..10].to_owned();
        let mut views: Vec<NeedView> = needs
            .iter()
            .map(|r| {
                let need = need_of(r);
                let covered_by =
                    programmes.iter().filter(|p| p.covers(&need, &today)).map(|p| p.id.clone()).collect();
                NeedView {
                    id: need.id,
                    member_state: need.state,
                    theme: need.theme,
                    priority: need.priority,
                    description: owned(r, "description"),
                    covered_by,
                    offers: offers
                        .iter()
                        .filter(|o| o.str("need_ref") == Some(r.id()))
                        .map(|o| offer_view(&roster, o, &answers, &programme_records))
                        .collect(),
                    modified: owned(r, "modified").unwrap_or_default(),
                }
            })
            .collect();
        views.sort_by(|a, b| (&a.member_state, &a.theme, &a.id).cmp(&(&b.member_state, &b.theme, &b.id)));
        Ok(views)
    }

    /// The needs no current or planned programme covers today.
    pub async fn capacity_gaps(&self, by: &Principal) -> Result<Vec<NeedView>, CoordinationError> {
        Ok(self.needs(by).await?.into_iter().filter(|n| n.covered_by.is_empty()).collect())
    }

    /// Overlapping programmes.
    pub async fn capacity_overlaps(&self, by: &Principal) -> Result<Vec<Overlap>, CoordinationError> {
        let (programmes, _) = self.capacity_records(by).await?;
        let mut programmes: Vec<Programme> = programmes.iter().map(programme_of).collect();
        programmes.sort_by(|a, b| (&a.start, &a.id).cmp(&(&b.start, &b.id)));
        Ok(overlaps(&programmes))
    }

    /// State × theme coverage today, over today's member states.
    pub async fn capacity_matrix(&self, by: &Principal) -> Result<Vec<CoverageRow>, CoordinationError> {
        let (programmes, needs) = self.capacity_records(by).await?;
        let programmes: Vec<Programme> = programmes.iter().map(programme_of).collect();
        let needs: Vec<Need> = needs.iter().map(need_of).collect();
        let today = now()[..10].to_owned();
        let states: Vec<&str> = crate::region::member_states_on(&today).map(|m| m.alpha2).collect();
        Ok(matrix(&states, &needs, &programmes, &today))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_ELEVEN: [&str; 11] = ["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN", "TL"];

    fn p(
        id: &str,
        themes: &[&str],
        states: &[&str],
        start: &str,
        end: Option<&str>,
        status: &str,
    ) -> Programme {
        Programme {
            id: id.to_owned(),
            title: format!("programme {id}"),
            themes: themes.iter().map(|t| (*t).to_owned()).collect(),
            states: states.iter().map(|s| (*s).to_owned()).collect(),
            start: start.to_owned(),
            end: end.map(str::to_owned),
            status: status.to_owned(),
        }
    }

    fn n(id: &str, state: &str, theme: &str) -> Need {
        Need {
            id: id.to_owned(),
            state: state.to_owned(),
            theme: theme.to_owned(),
            priority: "high".to_owned(),
        }
    }

    const TODAY: &str = "2026-06-01";

    /// Each case: the programmes, and whether one need of KH on cybercrime is a gap.
    #[test]
    fn gaps_by_construction() {
        let cases: &[(&str, Vec<Programme>, bool)] = &[
            ("no programme", vec![], true),
            (
                "ongoing, same theme and state",
                vec![p("a", &["cybercrime"], &["KH"], "2026-01-01", Some("2026-12-31"), "ongoing")],
                false,
            ),
            (
                "met by a planned one",
                vec![p("a", &["cybercrime"], &["KH"], "2027-01-01", None, "planned")],
                false,
            ),
            (
                "open-ended, started long ago",
                vec![p("a", &["cybercrime"], &["KH"], "2019-01-01", None, "ongoing")],
                false,
            ),
            (
                "for all eleven states",
                vec![p(
                    "a",
                    &["cybercrime", "standards"],
                    &ALL_ELEVEN,
                    "2026-01-01",
                    Some("2026-12-31"),
                    "ongoing",
                )],
                false,
            ),
            ("other theme", vec![p("a", &["standards"], &["KH"], "2026-01-01", None, "ongoing")], true),
            ("other state", vec![p("a", &["cybercrime"], &["LA"], "2026-01-01", None, "ongoing")], true),
            (
                "ended before today",
                vec![p("a", &["cybercrime"], &["KH"], "2025-01-01", Some("2026-05-31"), "ongoing")],
                true,
            ),
            (
                "ends today",
                vec![p("a", &["cybercrime"], &["KH"], "2025-01-01", Some(TODAY), "ongoing")],
                false,
            ),
            (
                "completed",
                vec![p("a", &["cybercrime"], &["KH"], "2025-01-01", Some("2025-12-31"), "completed")],
                true,
            ),
            ("cancelled", vec![p("a", &["cybercrime"], &["KH"], "2026-01-01", None, "cancelled")], true),
        ];
        let needs = [n("need", "KH", "cybercrime")];
        for (why, programmes, gap) in cases {
            let found = gaps(&needs, programmes, TODAY);
            assert_eq!(found.len() == 1, *gap, "{why}");
        }
    }

    /// Each case: two programmes, and the overlap expected (themes, states, from, to) or none.
    #[test]
    fn overlaps_by_construction() {
        type Expected = Option<(Vec<&'static str>, Vec<&'static str>, &'static str, Option<&'static str>)>;
        let cy = ["cybercrime"];
        let cases: Vec<(&str, Programme, Programme, Expected)> = vec![
            (
                "same theme and state, dates cross",
                p("a", &cy, &["KH", "LA"], "2026-01-01", Some("2026-06-30"), "ongoing"),
                p("b", &cy, &["LA", "MM"], "2026-03-01", Some("2026-09-30"), "planned"),
                Some((vec!["cybercrime"], vec!["LA"], "2026-03-01", Some("2026-06-30"))),
            ),
            (
                "one inside the other",
                p("a", &cy, &["KH"], "2026-01-01", Some("2026-12-31"), "ongoing"),
                p("b", &cy, &["KH"], "2026-04-01", Some("2026-04-30"), "planned"),
                Some((vec!["cybercrime"], vec!["KH"], "2026-04-01", Some("2026-04-30"))),
            ),
            (
                "open-ended meets a later one",
                p("a", &cy, &["KH"], "2020-01-01", None, "ongoing"),
                p("b", &cy, &["KH"], "2030-01-01", Some("2030-06-30"), "planned"),
                Some((vec!["cybercrime"], vec!["KH"], "2030-01-01", Some("2030-06-30"))),
            ),
            (
                "both open-ended",
                p("a", &cy, &["KH"], "2020-01-01", None, "ongoing"),
                p("b", &cy, &["KH"], "2024-01-01", None, "ongoing"),
                Some((vec!["cybercrime"], vec!["KH"], "2024-01-01", None)),
            ),
            (
                "all eleven against one state",
                p(
                    "a",
                    &["cybercrime", "standards"],
                    &ALL_ELEVEN,
                    "2026-01-01",
                    Some("2026-12-31"),
                    "ongoing",
                ),
                p("b", &["standards"], &["TL"], "2026-12-31", Some("2027-03-31"), "planned"),
                Some((vec!["standards"], vec!["TL"], "2026-12-31", Some("2026-12-31"))),
            ),
            (
                "one ends the day before the other starts",
                p("a", &cy, &["KH"], "2026-01-01", Some("2026-03-31"), "ongoing"),
                p("b", &cy, &["KH"], "2026-04-01", None, "planned"),
                None,
            ),
            (
                "different themes",
                p("a", &cy, &["KH"], "2026-01-01", None, "ongoing"),
                p("b", &["standards"], &["KH"], "2026-01-01", None, "ongoing"),
                None,
            ),
            (
                "different states",
                p("a", &cy, &["KH"], "2026-01-01", None, "ongoing"),
                p("b", &cy, &["LA"], "2026-01-01", None, "ongoing"),
                None,
            ),
            (
                "one cancelled",
                p("a", &cy, &["KH"], "2026-01-01", None, "ongoing"),
                p("b", &cy, &["KH"], "2026-01-01", None, "cancelled"),
                None,
            ),
        ];
        for (why, a, b, expected) in cases {
            let found = overlaps(&[a, b]);
            let got = found.first().map(|o| {
                (
                    o.themes.iter().map(String::as_str).collect::<Vec<_>>(),
                    o.states.iter().map(String::as_str).collect::<Vec<_>>(),
                    o.from.as_str(),
                    o.to.as_deref(),
                )
            });
            assert!(found.len() <= 1, "{why}");
            assert_eq!(got, expected, "{why}");
        }
    }

    #[test]
    fn offers_are_tracked_to_delivery() {
        let cases = [
            (None, Some("planned"), "proposed"),
            (Some("accepted"), Some("planned"), "accepted"),
            (Some("accepted"), Some("ongoing"), "accepted"),
            (Some("accepted"), Some("completed"), "delivered"),
            (Some("declined"), Some("completed"), "declined"),
            (None, None, "proposed"),
        ];
        for (answer, programme, expected) in cases {
            assert_eq!(offer_status(answer, programme), expected, "{answer:?} {programme:?}");
        }
    }

    #[test]
    fn matrix_counts_programmes_needs_and_gaps() {
        let programmes = [
            p("a", &["cybercrime"], &ALL_ELEVEN, "2026-01-01", None, "ongoing"),
            p("b", &["standards"], &["KH"], "2020-01-01", Some("2021-01-01"), "completed"),
        ];
        let needs = [n("1", "KH", "cybercrime"), n("2", "KH", "standards"), n("3", "KH", "standards")];
        let rows = matrix(&["KH", "TL"], &needs, &programmes, TODAY);
        let kh = &rows[0].cells;
        let cell = |row: &[Coverage], theme: &str| {
            let c = row.iter().find(|c| c.theme == theme).unwrap();
            (c.programmes, c.needs, c.gaps)
        };
        assert_eq!(cell(kh, "cybercrime"), (1, 1, 0));
        assert_eq!(cell(kh, "standards"), (0, 2, 2));
        assert_eq!(cell(&rows[1].cells, "cybercrime"), (1, 0, 0));
        assert_eq!(rows[1].cells.len(), 5);
    }
}

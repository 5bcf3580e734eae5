//! The directory of principals and points of contact, and contact checks (the UN PoC directory's
//! "pings", ASEAN's yearly re-confirmation): each contact gets a unique, single-use, expiring
//! acknowledgement link by e-mail and, where it has one, by webhook; answering records the
//! response time; the directory shows when each contact was last verified, its median response
//! time and whether it has gone stale.
//!
//! A contact is a STIX `identity` (individual) with Selat's point-of-contact extension, owned by
//! the organisation that maintains it (a member state for itself and its sector leads). A check
//! is an `x-selat-contact-check`, owned by whoever started the campaign and shared as the contact
//! is, so whoever sees a contact sees its history. The link's token is not stored anywhere: it is
//! the check's id and expiry sealed with an HMAC under a node secret, so it cannot be forged or
//! altered, and the check's own `answered` makes it single-use.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};
use selat_stix::meta::Scope;
use selat_stix::selat::{CONTACT_CHECK, CONTACT_CHECK_CAMPAIGN, POINT_OF_CONTACT};
use selat_stix::timestamp::Timestamp;
use selat_store::Audience;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{CoordinationError, Record, Roster, Sharing, audience_of, bounded, now};
use crate::node::Node;
use crate::notify::Notice;
use crate::org::{OrgKind, Organisation, Principal, Role};

/// Roles in the directory (the conference's annex of principals; the UN PoC directory's kinds).
pub const ROLES: [&str; 5] =
    ["ministerial-principal", "senior-official", "technical-poc", "diplomatic-poc", "policy-poc"];
/// Channel kinds.
/// Path (under the node's base URL) of the page a contact lands on from a check's link: the web
/// UI's page, which a person confirms with a button. API clients use
/// `/api/v1/contact-checks/ack/{token}` with the same token.
pub const ACK_LINK_PATH: &str = "/contact-checks/ack/";
pub const CHANNEL_KINDS: [&str; 4] = ["email", "phone", "webhook", "other"];
/// Most channels and languages one contact lists.
pub const MAX_CHANNELS: usize = 16;
/// Most contacts one campaign checks.
pub const MAX_CHECKS_PER_CAMPAIGN: usize = 5000;
/// Longest a check link may stay valid, in days.
pub const MAX_CHECK_VALID_DAYS: u32 = 90;
/// How long a check link stays valid unless told, in days.
pub const DEFAULT_CHECK_VALID_DAYS: u32 = 14;
/// A contact not verified for this many days is stale, unless the node says otherwise.
pub const DEFAULT_STALE_AFTER_DAYS: u32 = 365;

/// Bytes of the check's UUID, the expiry and the MAC in a token.
const TOKEN_MAC_BYTES: usize = 16;
const TOKEN_BYTES: usize = 16 + 8 + TOKEN_MAC_BYTES;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// How to reach a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    pub kind: String,
    pub value: String,
}

/// A contact as written (POST and PUT).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    pub name: String,
    pub role: String,
    /// The organisation's short name; the caller's own unless it maintains a sector lead's.
    pub organisation: Option<String>,
    #[serde(default)]
    pub languages: Vec<String>,
    pub office_hours: Option<String>,
    pub time_zone: Option<String>,
    #[serde(default)]
    pub always_on: bool,
    pub channels: Vec<Channel>,
    /// Default `green`.
    pub tlp: Option<String>,
}

/// A contact as the directory shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ContactView {
    pub id: String,
    pub name: String,
    pub role: String,
    pub organisation: String,
    pub member_state: Option<String>,
    pub languages: Vec<String>,
    pub office_hours: Option<String>,
    pub time_zone: Option<String>,
    pub always_on: bool,
    pub channels: Vec<Channel>,
    pub tlp: String,
    pub maintained_by: String,
    pub modified: String,
    pub last_verified: Option<String>,
    pub median_response_s: Option<f64>,
    pub checks_sent: usize,
    pub checks_answered: usize,
    pub stale: bool,
    /// Present on the single-contact view: every check, newest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<Vec<CheckView>>,
}

/// One check of one contact.
#[derive(Debug, Clone, Serialize)]
pub struct CheckView {
    pub id: String,
    pub contact: String,
    pub campaign: String,
    pub sent: String,
    pub expires: String,
    pub channels: Vec<String>,
    pub answered: Option<String>,
    pub response_time_s: Option<f64>,
}

/// A campaign start (POST /api/v1/contact-checks).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCampaign {
    pub name: String,
    /// Only the contacts of these member states; default all the caller may check.
    #[serde(default)]
    pub member_states: Vec<String>,
    /// Days the links stay valid (1..=90, default 14).
    pub valid_days: Option<u32>,
}

/// Results of one member state in a campaign.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StateResult {
    pub sent: usize,
    pub answered: usize,
    pub median_response_s: Option<f64>,
}

/// A campaign and its results.
#[derive(Debug, Clone, Serialize)]
pub struct CampaignView {
    pub id: String,
    pub name: String,
    pub started_by: String,
    pub started: String,
    pub expires: String,
    pub sent: usize,
    pub answered: usize,
    pub per_state: std::collections::BTreeMap<String, StateResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<Vec<CheckView>>,
}

/// What an acknowledgement link shows before and after it is used.
#[derive(Debug, Clone, Serialize)]
pub struct Acknowledgement {
    pub check: String,
    pub contact_name: String,
    pub organisation: String,
    pub campaign: String,
    pub sent: String,
    pub expires: String,
    pub answered: Option<String>,
    pub response_time_s: Option<f64>,
}

fn ext_str<'a>(record: &'a Record, key: &str) -> Option<&'a str> {
    record.ext(POINT_OF_CONTACT.id, key).and_then(Value::as_str)
}

fn check_view(check: &Record) -> CheckView {
    CheckView {
        id: check.id().to_owned(),
        contact: check.str("contact_ref").unwrap_or_default().to_owned(),
        campaign: check.str("campaign_ref").unwrap_or_default().to_owned(),
        sent: check.str("sent").unwrap_or_default().to_owned(),
        expires: check.str("expires").unwrap_or_default().to_owned(),
        channels: check
            .object
            .get("channels")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default(),
        answered: check.str("answered").map(str::to_owned),
        response_time_s: check.object.get("response_time_s").and_then(Value::as_f64),
    }
}

/// The median of `values` (none for none).
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) { (values[mid - 1] + values[mid]) / 2.0 } else { values[mid] })
}

fn contact_view(roster: &Roster, contact: &Record, checks: &[&Record], stale_before: &str) -> ContactView {
    let channels: Vec<Channel> = contact
        .ext(POINT_OF_CONTACT.id, "channels")
        .cloned()
        .and_then(|c| serde_json::from_value(c).ok())
        .unwrap_or_default();
    let mut times: Vec<f64> =
        checks.iter().filter_map(|c| c.object.get("response_time_s").and_then(Value::as_f64)).collect();
    let last_verified = checks.iter().filter_map(|c| c.str("answered")).max().map(str::to_owned);
    ContactView {
        id: contact.id().to_owned(),
        name: contact.str("name").unwrap_or_default().to_owned(),
        role: ext_str(contact, "role").unwrap_or_default().to_owned(),
        organisation: ext_str(contact, "organisation").unwrap_or_default().to_owned(),
        member_state: ext_str(contact, "member_state").map(str::to_owned),
        languages: contact
            .ext(POINT_OF_CONTACT.id, "languages")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default(),
        office_hours: ext_str(contact, "office_hours").map(str::to_owned),
        time_zone: ext_str(contact, "time_zone").map(str::to_owned),
        always_on: contact.ext(POINT_OF_CONTACT.id, "always_on").and_then(Value::as_bool).unwrap_or(false),
        channels,
        tlp: Sharing::of(&contact.object).tlp.as_str().to_owned(),
        maintained_by: roster.name_of(&contact.owner),
        modified: contact.str("modified").unwrap_or_default().to_owned(),
        stale: last_verified.as_deref().is_none_or(|at| at < stale_before),
        last_verified,
        median_response_s: median(&mut times),
        checks_sent: checks.len(),
        checks_answered: checks.iter().filter(|c| c.str("answered").is_some()).count(),
        checks: None,
    }
}

fn is_contact(record: &Record) -> bool {
    record.str("identity_class") == Some("individual") && record.ext(POINT_OF_CONTACT.id, "role").is_some()
}

/// Whether `by` maintains contacts of `org`: its own, a member state its sector leads', and a
/// hub-admin anyone's.
fn maintains(by: &Principal, org: &Organisation) -> bool {
    by.at_least(Role::HubAdmin)
        || by.org.identity == org.identity
        || (by.org.kind == OrgKind::MemberState && org.parent.as_deref() == Some(&by.org.short_name))
}

/// `days` ago (or ahead, when negative), as STIX writes times.
fn days_from_now(days: i64) -> String {
    let mut at = Timestamp::now_millis();
    at.micros += days * 86_400 * 1_000_000;
    at.format(3)
}

fn seconds_between(from: &str, to: &str) -> Option<f64> {
    let from = Timestamp::parse(from).ok()?;
    let to = Timestamp::parse(to).ok()?;
    #[allow(clippy::cast_precision_loss)]
    Some(((to.micros - from.micros).max(0) as f64 / 1_000.0).round() / 1_000.0)
}

impl Node {
    /// The directory as the caller sees it, optionally for one member state or only stale ones.
    pub async fn contacts(
        &self,
        by: &Principal,
        state: Option<&str>,
        stale_only: bool,
    ) -> Result<Vec<ContactView>, CoordinationError> {
        let mut out: Vec<ContactView> = self
            .contact_response_times(by)
            .await?
            .into_iter()
            .map(|(c, _)| c)
            .filter(|c| {
                state.is_none_or(|s| c.member_state.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(s)))
            })
            .filter(|c| !stale_only || c.stale)
            .collect();
        out.sort_by(|a, b| {
            (&a.member_state, &a.organisation, &a.name).cmp(&(&b.member_state, &b.organisation, &b.name))
        });
        Ok(out)
    }

    /// Every contact the caller sees, with the response times of its answered checks (those the
    /// caller sees: a check is shared as its contact is).
    pub async fn contact_response_times(
        &self,
        by: &Principal,
    ) -> Result<Vec<(ContactView, Vec<f64>)>, CoordinationError> {
        let audience = audience_of(self, by).await?;
        let roster = Roster::load(self).await?;
        let checks = self.records(&audience, CONTACT_CHECK.object_type.unwrap_or_default()).await?;
        let mut by_contact: HashMap<&str, Vec<&Record>> = HashMap::new();
        for check in &checks {
            by_contact.entry(check.str("contact_ref").unwrap_or_default()).or_default().push(check);
        }
        let stale_before = days_from_now(-i64::from(self.coordination_settings().stale_after_days));
        let contacts = self.records(&audience, "identity").await?;
        Ok(contacts
            .iter()
            .filter(|r| is_contact(r))
            .map(|c| {
                let checks = by_contact.get(c.id()).map_or(&[][..], Vec::as_slice);
                let times = checks
                    .iter()
                    .filter_map(|c| c.object.get("response_time_s").and_then(Value::as_f64))
                    .collect();
                (contact_view(&roster, c, checks, &stale_before), times)
            })
            .collect())
    }

    /// One contact with its check history.
    pub async fn contact(&self, by: &Principal, id: &str) -> Result<ContactView, CoordinationError> {
        let audience = audience_of(self, by).await?;
        let roster = Roster::load(self).await?;
        let contact = self.visible_contact(&audience, id).await?;
        let checks = self.records(&audience, CONTACT_CHECK.object_type.unwrap_or_default()).await?;
        let mut mine: Vec<&Record> = checks.iter().filter(|c| c.str("contact_ref") == Some(id)).collect();
        mine.sort_by(|a, b| b.str("sent").cmp(&a.str("sent")));
        let stale_before = days_from_now(-i64::from(self.coordination_settings().stale_after_days));
        let mut view = contact_view(&roster, &contact, &mine, &stale_before);
        view.checks = Some(mine.into_iter().map(check_view).collect());
        Ok(view)
    }

    async fn visible_contact(&self, audience: &Audience, id: &str) -> Result<Record, CoordinationError> {
        let missing = || CoordinationError::NotFound(format!("no contact {id}"));
        if !id.starts_with("identity--") {
            return Err(missing());
        }
        self.record(audience, id).await?.filter(is_contact).ok_or_else(missing)
    }

    /// Adds a contact (`id` none) or replaces one the caller's organisation maintains.
    pub async fn put_contact(
        &self,
        by: &Principal,
        id: Option<&str>,
        new: &NewContact,
    ) -> Result<ContactView, CoordinationError> {
        if !by.at_least(Role::Analyst) {
            return Err(CoordinationError::Forbidden("viewers read; an analyst or above writes".to_owned()));
        }
        let roster = Roster::load(self).await?;
        let org = match &new.organisation {
            Some(name) => roster.by_name(name).ok_or_else(|| {
                CoordinationError::Invalid(format!("organisation {name:?} is not registered here"))
            })?,
            None => &by.org,
        };
        if !maintains(by, org) {
            return Err(CoordinationError::Forbidden(format!(
                "{} does not maintain the contacts of {}",
                by.org.short_name, org.short_name
            )));
        }
        let object = contact_object(new, org, by, id, self).await?;
        let (created, modified) = (object["created"].clone(), object["modified"].clone());
        debug_assert!(created.is_string() && modified.is_string());
        self.put_records(&by.org.identity, std::slice::from_ref(&object)).await?;
        let id = object["id"].as_str().unwrap_or_default().to_owned();
        self.contact(by, &id).await
    }
}

/// The STIX object of a contact; a replacement keeps `created` and moves `modified` on.
async fn contact_object(
    new: &NewContact,
    org: &Organisation,
    by: &Principal,
    id: Option<&str>,
    node: &Node,
) -> Result<Value, CoordinationError> {
    let name = bounded("name", new.name.trim())?;
    if name.is_empty() {
        return Err(CoordinationError::Invalid("name is empty".to_owned()));
    }
    if !ROLES.contains(&new.role.as_str()) {
        return Err(CoordinationError::Invalid(format!(
            "role {:?}: expected one of {}",
            new.role,
            ROLES.join(", ")
        )));
    }
    if new.channels.is_empty() || new.channels.len() > MAX_CHANNELS || new.languages.len() > MAX_CHANNELS {
        return Err(CoordinationError::Invalid(format!(
            "1 to {MAX_CHANNELS} channels and at most {MAX_CHANNELS} languages"
        )));
    }
    for (i, channel) in new.channels.iter().enumerate() {
        if !CHANNEL_KINDS.contains(&channel.kind.as_str()) {
            return Err(CoordinationError::Invalid(format!(
                "channels[{i}].kind {:?}: expected one of {}",
                channel.kind,
                CHANNEL_KINDS.join(", ")
            )));
        }
        check_channel(i, channel)?;
    }
    let tlp = Sharing::tlp_named(new.tlp.as_deref().unwrap_or("green"))?;
    if tlp == selat_stix::tlp::Tlp::Red {
        return Err(CoordinationError::Invalid("a directory entry is at most TLP:AMBER+STRICT".to_owned()));
    }
    let at = now();
    let (id, created) = match id {
        Some(id) => {
            let audience = audience_of(node, by).await?;
            let old = node.visible_contact(&audience, id).await?;
            if old.owner != by.org.identity {
                return Err(CoordinationError::Forbidden(format!(
                    "contact {id} is maintained by another organisation"
                )));
            }
            (id.to_owned(), old.str("created").unwrap_or(&at).to_owned())
        }
        None => (selat_stix::id::new_v4("identity"), at.clone()),
    };
    let contact_information: Vec<String> =
        new.channels.iter().map(|c| format!("{}: {}", c.kind, c.value)).collect();
    let mut extension = json!({
        "extension_type": "property-extension",
        "role": new.role, "organisation": org.short_name, "languages": new.languages,
        "always_on": new.always_on, "channels": new.channels,
    });
    if let Some(state) = org.member_state() {
        extension["member_state"] = json!(state);
    }
    if let Some(hours) = &new.office_hours {
        extension["office_hours"] = json!(bounded("office_hours", hours)?);
    }
    if let Some(zone) = &new.time_zone {
        extension["time_zone"] = json!(bounded("time_zone", zone)?);
    }
    let mut object = json!({
        "type": "identity", "spec_version": "2.1", "id": id, "created": created, "modified": at,
        "created_by_ref": by.org.identity, "name": name, "identity_class": "individual",
        "roles": [new.role], "contact_information": contact_information.join("; "),
        "extensions": {POINT_OF_CONTACT.id: extension},
    });
    Sharing::new(tlp, Scope::Community).apply(&mut object);
    Ok(object)
}

fn check_channel(i: usize, channel: &Channel) -> Result<(), CoordinationError> {
    let value = bounded("channels[].value", channel.value.trim())?;
    let ok = match channel.kind.as_str() {
        "email" => value.parse::<lettre::Address>().is_ok(),
        "webhook" => value.starts_with("https://") || value.starts_with("http://"),
        _ => !value.is_empty(),
    };
    if ok {
        Ok(())
    } else {
        Err(CoordinationError::Invalid(format!(
            "channels[{i}].value {value:?} is not a valid {}",
            channel.kind
        )))
    }
}

impl Node {
    /// Starts a campaign: one check per contact the caller may check (the secretariat and
    /// hub-admins: every contact it sees; a member state: the contacts it maintains), each sent
    /// by e-mail and webhook with its own link.
    pub async fn start_contact_checks(
        &self,
        by: &Principal,
        new: &NewCampaign,
    ) -> Result<CampaignView, CoordinationError> {
        if !by.at_least(Role::Analyst) {
            return Err(CoordinationError::Forbidden(
                "viewers read; an analyst or above starts checks".to_owned(),
            ));
        }
        let name = bounded("name", new.name.trim())?;
        if name.is_empty() {
            return Err(CoordinationError::Invalid("name is empty".to_owned()));
        }
        let days = new.valid_days.unwrap_or(DEFAULT_CHECK_VALID_DAYS);
        if !(1..=MAX_CHECK_VALID_DAYS).contains(&days) {
            return Err(CoordinationError::Invalid(format!("valid_days is 1 to {MAX_CHECK_VALID_DAYS}")));
        }
        let roster = Roster::load(self).await?;
        for state in &new.member_states {
            roster.member_state(state)?;
        }
        let audience = audience_of(self, by).await?;
        let everyone = by.org.kind == OrgKind::Secretariat || by.at_least(Role::HubAdmin);
        let contacts: Vec<Record> = self
            .records(&audience, "identity")
            .await?
            .into_iter()
            .filter(is_contact)
            .filter(|c| everyone || c.owner == by.org.identity)
            .filter(|c| {
                new.member_states.is_empty()
                    || ext_str(c, "member_state")
                        .is_some_and(|m| new.member_states.iter().any(|s| s.eq_ignore_ascii_case(m)))
            })
            .collect();
        if contacts.is_empty() {
            return Err(CoordinationError::Invalid(
                "no contacts to check: none matches, or none is yours to check".to_owned(),
            ));
        }
        if contacts.len() > MAX_CHECKS_PER_CAMPAIGN {
            return Err(CoordinationError::Invalid(format!(
                "more than {MAX_CHECKS_PER_CAMPAIGN} contacts: narrow member_states"
            )));
        }
        let sent = now();
        let expires = days_from_now(i64::from(days));
        let campaign_id = selat_stix::id::new_v4(CONTACT_CHECK_CAMPAIGN.object_type.unwrap_or_default());
        let mut campaign = json!({
            "type": CONTACT_CHECK_CAMPAIGN.object_type, "spec_version": "2.1", "id": campaign_id,
            "created": sent, "modified": sent, "created_by_ref": by.org.identity,
            "name": name, "member_states": new.member_states, "started": sent, "expires": expires,
            "extensions": {CONTACT_CHECK_CAMPAIGN.id: {"extension_type": "new-sdo"}},
        });
        Sharing::new(selat_stix::tlp::Tlp::Green, Scope::Community).apply(&mut campaign);
        let key = self.secret("contact-check").await?;
        let settings = self.coordination_settings();
        let mut objects = vec![campaign];
        let mut notices = Vec::new();
        for contact in &contacts {
            let check_id = selat_stix::id::new_v4(CONTACT_CHECK.object_type.unwrap_or_default());
            let link = format!("{}{ACK_LINK_PATH}{}", settings.base_url, token(&key, &check_id, &expires)?);
            let channels = contact_notices(contact, name, &link, &expires, &mut notices);
            let mut check = json!({
                "type": CONTACT_CHECK.object_type, "spec_version": "2.1", "id": check_id,
                "created": sent, "modified": sent, "created_by_ref": by.org.identity,
                "contact_ref": contact.id(), "campaign_ref": campaign_id, "sent": sent, "expires": expires,
                "channels": channels,
                "extensions": {CONTACT_CHECK.id: {"extension_type": "new-sdo"}},
            });
            Sharing::of(&contact.object).for_contribution(&contact.owner).apply(&mut check);
            objects.push(check);
        }
        self.put_records(&by.org.identity, &objects).await?;
        for notice in notices {
            self.outbox().send(notice);
        }
        self.contact_check(by, &campaign_id).await
    }

    /// Campaigns the caller may see, newest first, with results per member state.
    pub async fn contact_checks(&self, by: &Principal) -> Result<Vec<CampaignView>, CoordinationError> {
        let audience = audience_of(self, by).await?;
        let roster = Roster::load(self).await?;
        let campaigns =
            self.records(&audience, CONTACT_CHECK_CAMPAIGN.object_type.unwrap_or_default()).await?;
        let checks = self.records(&audience, CONTACT_CHECK.object_type.unwrap_or_default()).await?;
        let contacts = self.records(&audience, "identity").await?;
        let mut out: Vec<CampaignView> =
            campaigns.iter().map(|c| campaign_view(&roster, c, &checks, &contacts, false)).collect();
        out.sort_by(|a, b| b.started.cmp(&a.started));
        Ok(out)
    }

    /// One campaign with every check the caller may see.
    pub async fn contact_check(&self, by: &Principal, id: &str) -> Result<CampaignView, CoordinationError> {
        let audience = audience_of(self, by).await?;
        let roster = Roster::load(self).await?;
        let missing = || CoordinationError::NotFound(format!("no contact-check campaign {id}"));
        if !id.starts_with("x-selat-contact-check-campaign--") {
            return Err(missing());
        }
        let campaign = self.record(&audience, id).await?.ok_or_else(missing)?;
        let checks = self.records(&audience, CONTACT_CHECK.object_type.unwrap_or_default()).await?;
        let contacts = self.records(&audience, "identity").await?;
        Ok(campaign_view(&roster, &campaign, &checks, &contacts, true))
    }

    /// What an acknowledgement link is for (no credentials: the token is the credential).
    pub async fn acknowledgement(&self, token_text: &str) -> Result<Acknowledgement, CoordinationError> {
        let (check, contact) = self.check_of_token(token_text).await?;
        Ok(acknowledgement(&check, contact.as_ref()))
    }

    /// Answers a check through its link: once, before it expires.
    pub async fn acknowledge(&self, token_text: &str) -> Result<Acknowledgement, CoordinationError> {
        let _step = self.coordination_step().await;
        let (check, contact) = self.check_of_token(token_text).await?;
        if let Some(at) = check.str("answered") {
            return Err(CoordinationError::Conflict(format!(
                "this check was already answered at {at}; a link works once"
            )));
        }
        let answered = now();
        let mut object = check.object.clone();
        object["answered"] = json!(answered);
        object["response_time_s"] = json!(seconds_between(check.str("sent").unwrap_or_default(), &answered));
        object["modified"] = json!(super::next_modified(check.str("modified")));
        self.put_records(&check.owner, std::slice::from_ref(&object)).await?;
        Ok(acknowledgement(&Record { owner: check.owner, object }, contact.as_ref()))
    }

    async fn check_of_token(&self, token_text: &str) -> Result<(Record, Option<Record>), CoordinationError> {
        let key = self.secret("contact-check").await?;
        let (check_id, expires_s) = open_token(&key, token_text)?;
        if expires_s < Timestamp::now_millis().micros / 1_000_000 {
            return Err(CoordinationError::Expired(
                "this check link has expired; ask for a new check".to_owned(),
            ));
        }
        let check = self
            .record(&Audience::Unrestricted, &check_id)
            .await?
            .ok_or_else(|| CoordinationError::NotFound("no such check".to_owned()))?;
        let contact =
            self.record(&Audience::Unrestricted, check.str("contact_ref").unwrap_or_default()).await?;
        Ok((check, contact))
    }
}

fn acknowledgement(check: &Record, contact: Option<&Record>) -> Acknowledgement {
    Acknowledgement {
        check: check.id().to_owned(),
        contact_name: contact.and_then(|c| c.str("name")).unwrap_or_default().to_owned(),
        organisation: contact.and_then(|c| ext_str(c, "organisation")).unwrap_or_default().to_owned(),
        campaign: check.str("campaign_ref").unwrap_or_default().to_owned(),
        sent: check.str("sent").unwrap_or_default().to_owned(),
        expires: check.str("expires").unwrap_or_default().to_owned(),
        answered: check.str("answered").map(str::to_owned),
        response_time_s: check.object.get("response_time_s").and_then(Value::as_f64),
    }
}

/// Queues the e-mail and webhook notices of one check; returns the channels used.
fn contact_notices(
    contact: &Record,
    campaign: &str,
    link: &str,
    expires: &str,
    notices: &mut Vec<Notice>,
) -> Vec<&'static str> {
    let channels: Vec<Channel> = contact
        .ext(POINT_OF_CONTACT.id, "channels")
        .cloned()
        .and_then(|c| serde_json::from_value(c).ok())
        .unwrap_or_default();
    let name = contact.str("name").unwrap_or_default();
    let mut used = Vec::new();
    for channel in channels {
        match channel.kind.as_str() {
            "email" => {
                notices.push(Notice::Email {
                    to: channel.value.clone(),
                    subject: format!("Selat contact check: {campaign}"),
                    body: format!(
                        "Dear {name},\n\nThis is a reachability check of the regional directory of points of contact \
                         ({campaign}).\nPlease confirm that you can be reached by opening this link and pressing \
                         \"Confirm\":\n\n{link}\n\nThe link works once and expires at {expires}.\n"
                    ),
                });
                if !used.contains(&"email") {
                    used.push("email");
                }
            }
            "webhook" => {
                notices.push(Notice::Webhook {
                    url: channel.value.clone(),
                    payload: json!({"event": "contact-check", "contact": contact.id(), "campaign": campaign, "ack_url": link, "expires": expires}),
                });
                if !used.contains(&"webhook") {
                    used.push("webhook");
                }
            }
            _ => {}
        }
    }
    used
}

fn campaign_view(
    roster: &Roster,
    campaign: &Record,
    checks: &[Record],
    contacts: &[Record],
    with_checks: bool,
) -> CampaignView {
    let id = campaign.id();
    let mine: Vec<&Record> = checks.iter().filter(|c| c.str("campaign_ref") == Some(id)).collect();
    let state_of = |check: &Record| {
        let contact = check.str("contact_ref").unwrap_or_default();
        contacts
            .iter()
            .find(|c| c.id() == contact)
            .and_then(|c| ext_str(c, "member_state"))
            .unwrap_or("region")
            .to_owned()
    };
    let mut per_state: std::collections::BTreeMap<String, StateResult> = std::collections::BTreeMap::new();
    let mut times: HashMap<String, Vec<f64>> = HashMap::new();
    for check in &mine {
        let state = state_of(check);
        let entry = per_state.entry(state.clone()).or_default();
        entry.sent += 1;
        if let Some(t) = check.object.get("response_time_s").and_then(Value::as_f64) {
            entry.answered += 1;
            times.entry(state).or_default().push(t);
        }
    }
    for (state, values) in &mut times {
        if let Some(entry) = per_state.get_mut(state) {
            entry.median_response_s = median(values);
        }
    }
    CampaignView {
        id: id.to_owned(),
        name: campaign.str("name").unwrap_or_default().to_owned(),
        started_by: roster.name_of(&campaign.owner),
        started: campaign.str("started").unwrap_or_default().to_owned(),
        expires: campaign.str("expires").unwrap_or_default().to_owned(),
        sent: mine.len(),
        answered: mine.iter().filter(|c| c.str("answered").is_some()).count(),
        per_state,
        checks: with_checks.then(|| mine.iter().map(|c| check_view(c)).collect()),
    }
}

/// The link token of check `check_id` (`x-selat-contact-check--<uuid>`) expiring at `expires`,
/// sealed with `key` (the node's `contact-check` secret).
pub fn token(key: &[u8], check_id: &str, expires: &str) -> Result<String, CoordinationError> {
    let uuid = check_id
        .rsplit_once("--")
        .and_then(|(_, u)| uuid::Uuid::parse_str(u).ok())
        .ok_or_else(|| CoordinationError::Invalid(format!("{check_id} is not an id")))?;
    let expires_s =
        Timestamp::parse(expires).map_err(|e| CoordinationError::Invalid(e.to_string()))?.micros / 1_000_000;
    let mut bytes = Vec::with_capacity(TOKEN_BYTES);
    bytes.extend_from_slice(uuid.as_bytes());
    bytes.extend_from_slice(&expires_s.to_be_bytes());
    let mac = mac_of(key, &bytes);
    bytes.extend_from_slice(&mac[..TOKEN_MAC_BYTES]);
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

fn mac_of(key: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(payload);
    mac.finalize().into_bytes().to_vec()
}

/// The check id and expiry (Unix seconds) a token seals, if it is one of this node's.
fn open_token(key: &[u8], text: &str) -> Result<(String, i64), CoordinationError> {
    let bad = || CoordinationError::NotFound("no such check: the link is not one this node sent".to_owned());
    if text.len() > 2 * TOKEN_BYTES {
        return Err(bad());
    }
    let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
    if bytes.len() != TOKEN_BYTES {
        return Err(bad());
    }
    let (payload, mac) = bytes.split_at(16 + 8);
    let expected = mac_of(key, payload);
    if !bool::from(subtle::ConstantTimeEq::ct_eq(&expected[..TOKEN_MAC_BYTES], mac)) {
        return Err(bad());
    }
    let uuid = uuid::Uuid::from_slice(&payload[..16]).map_err(|_| bad())?;
    let expires = i64::from_be_bytes(payload[16..24].try_into().map_err(|_| bad())?);
    Ok((format!("{}--{uuid}", CONTACT_CHECK.object_type.unwrap_or_default()), expires))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_open_only_with_their_key_and_unaltered() {
        let id = "x-selat-contact-check--1f7c3e9a-5b2d-4a8e-9c6f-0d4b8e2a7c31";
        let text = token(b"key one", id, "2026-12-01T00:00:00.000Z").unwrap();
        let (opened, expires) = open_token(b"key one", &text).unwrap();
        assert_eq!(opened, id);
        assert_eq!(expires, Timestamp::parse("2026-12-01T00:00:00Z").unwrap().micros / 1_000_000);
        assert!(open_token(b"key two", &text).is_err(), "another node's key");
        let mut altered = text.into_bytes();
        altered[3] = if altered[3] == b'A' { b'B' } else { b'A' };
        assert!(open_token(b"key one", std::str::from_utf8(&altered).unwrap()).is_err());
        assert!(open_token(b"key one", "not a token").is_err());
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3.0]), Some(3.0));
        assert_eq!(median(&mut [5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }
}

//! Notifications an organisation chooses: a new incident or an escalation that reaches it, an
//! assistance request addressed to it, a deadline due on a request it made or received, and a
//! sighting of its own indicator. Its choice is an `x-selat-notification-preferences` object it
//! owns (scope `organisation`: it never leaves the node), one per organisation.

use selat_stix::meta::Scope;
use selat_stix::selat::{ASSISTANCE_ANSWER, ASSISTANCE_REQUEST, NOTIFICATION_PREFERENCES};
use selat_stix::tlp::Tlp;
use selat_store::{Audience, Directory, Store};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{CoordinationError, Record, Roster, Sharing, now};
use crate::node::Node;
use crate::notify::Notice;
use crate::org::{Organisation, Principal, Role};

/// The events an organisation may choose.
pub const EVENTS: [&str; 5] = ["incident", "escalation", "assistance-request", "deadline-due", "sighting"];
/// Most sightings of one write that are looked at for notices; a bulk load of sightings tells
/// owners about its first ones only (logged), rather than fan out without bound.
pub const MAX_SIGHTING_NOTICES_PER_WRITE: usize = 100;
/// Most e-mail addresses one organisation's notices go to.
pub const MAX_NOTICE_EMAILS: usize = 16;

/// An organisation's choice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    pub events: Vec<String>,
    #[serde(default)]
    pub emails: Vec<String>,
    pub webhook: Option<String>,
}

fn preferences_id(org: &Organisation) -> String {
    format!(
        "{}--{}",
        NOTIFICATION_PREFERENCES.object_type.unwrap_or_default(),
        crate::sighting::v4_from(&format!("selat:notification-preferences:{}", org.identity))
    )
}

fn preferences_of(record: &Record) -> Preferences {
    serde_json::from_value(json!({
        "events": record.object.get("events").cloned().unwrap_or_else(|| json!([])),
        "emails": record.object.get("emails").cloned().unwrap_or_else(|| json!([])),
        "webhook": record.object.get("webhook").cloned(),
    }))
    .unwrap_or_default()
}

impl Node {
    /// The caller's organisation's preferences (none chosen: no notices).
    pub async fn notification_preferences(&self, by: &Principal) -> Result<Preferences, CoordinationError> {
        let id = preferences_id(&by.org);
        Ok(self.record(&Audience::Unrestricted, &id).await?.map(|r| preferences_of(&r)).unwrap_or_default())
    }

    /// Replaces the caller's organisation's preferences (org-admins).
    pub async fn set_notification_preferences(
        &self,
        by: &Principal,
        prefs: &Preferences,
    ) -> Result<Preferences, CoordinationError> {
        if !by.at_least(Role::OrgAdmin) {
            return Err(CoordinationError::Forbidden(
                "an org-admin chooses the organisation's notices".to_owned(),
            ));
        }
        if let Some(bad) = prefs.events.iter().find(|e| !EVENTS.contains(&e.as_str())) {
            return Err(CoordinationError::Invalid(format!(
                "event {bad:?}: expected one of {}",
                EVENTS.join(", ")
            )));
        }
        if prefs.emails.len() > MAX_NOTICE_EMAILS {
            return Err(CoordinationError::Invalid(format!("at most {MAX_NOTICE_EMAILS} emails")));
        }
        if let Some(bad) = prefs.emails.iter().find(|e| e.parse::<lettre::Address>().is_err()) {
            return Err(CoordinationError::Invalid(format!("emails: {bad:?} is not an e-mail address")));
        }
        if let Some(hook) = &prefs.webhook
            && !(hook.starts_with("https://") || hook.starts_with("http://"))
        {
            return Err(CoordinationError::Invalid(format!("webhook {hook:?}: expected an http(s) URL")));
        }
        let id = preferences_id(&by.org);
        let previous = self.record(&Audience::Unrestricted, &id).await?;
        let at = now();
        let modified = super::next_modified(previous.as_ref().and_then(|p| p.str("modified")));
        let created = previous.as_ref().and_then(|p| p.str("created")).unwrap_or(&at).to_owned();
        let mut object = json!({
            "type": NOTIFICATION_PREFERENCES.object_type, "spec_version": "2.1", "id": id,
            "created": created, "modified": modified, "created_by_ref": by.org.identity,
            "events": prefs.events, "emails": prefs.emails,
            "extensions": {NOTIFICATION_PREFERENCES.id: {"extension_type": "new-sdo"}},
        });
        if let Some(hook) = &prefs.webhook {
            object["webhook"] = json!(hook);
        }
        Sharing::new(Tlp::Amber, Scope::Organisation).apply(&mut object);
        self.put_records(&by.org.identity, &[object]).await?;
        Ok(prefs.clone())
    }

    /// Sends `event` about `subject` to every organisation that chose it, may see `object_id`,
    /// and is not `except` (who caused it).
    async fn notify(
        &self,
        event: &str,
        object_id: &str,
        only: Option<&[String]>,
        except: &str,
        subject: &str,
        text: &str,
    ) -> Result<usize, CoordinationError> {
        let roster = Roster::load(self).await?;
        let all = self
            .records(&Audience::Unrestricted, NOTIFICATION_PREFERENCES.object_type.unwrap_or_default())
            .await?;
        let base = self.coordination_settings().base_url;
        let mut sent = 0;
        for record in &all {
            let prefs = preferences_of(record);
            let Some(org) = roster.by_identity(&record.owner) else { continue };
            if !prefs.events.iter().any(|e| e == event) || org.identity == except {
                continue;
            }
            if only.is_some_and(|only| !only.contains(&org.identity)) {
                continue;
            }
            let audience = self.org_audience(Some(org), false).await?;
            if self.record(&audience, object_id).await?.is_none() {
                continue;
            }
            for email in &prefs.emails {
                self.outbox().send(Notice::Email {
                    to: email.clone(),
                    subject: format!("Selat: {subject}"),
                    body: format!("{text}\n\n{base}/api/v1/incidents\n"),
                });
            }
            if let Some(url) = &prefs.webhook {
                self.outbox().send(Notice::Webhook {
                    url: url.clone(),
                    payload: json!({"event": event, "object": object_id, "organisation": org.short_name, "text": text}),
                });
            }
            sent += 1;
        }
        Ok(sent)
    }

    /// Tells the organisations an incident reaches that it was reported (`incident`) or
    /// escalated to them (`escalation`).
    pub async fn notify_incident(&self, incident_id: &str, event: &str) -> Result<usize, CoordinationError> {
        let Some(incident) = self.record(&Audience::Unrestricted, incident_id).await? else { return Ok(0) };
        let name = incident.str("name").unwrap_or_default().to_owned();
        let text = format!("{event}: incident {incident_id} — {name}");
        self.notify(event, incident_id, None, &incident.owner, &format!("{event}: {name}"), &text).await
    }

    /// Tells the member state an assistance request names.
    pub async fn notify_assistance(&self, request_id: &str) -> Result<usize, CoordinationError> {
        let Some(request) = self.record(&Audience::Unrestricted, request_id).await? else { return Ok(0) };
        let to = vec![request.str("requested_of_ref").unwrap_or_default().to_owned()];
        let text = format!(
            "assistance requested on incident {} (deadline {}): {}",
            request.str("incident_ref").unwrap_or_default(),
            request.str("deadline").unwrap_or_default(),
            request.str("request").unwrap_or_default()
        );
        self.notify(
            "assistance-request",
            request_id,
            Some(&to),
            &request.owner,
            "assistance requested",
            &text,
        )
        .await
    }

    /// Tells the owner of an indicator that another organisation sighted it.
    pub async fn notify_sighting(&self, sighting_id: &str) -> Result<usize, CoordinationError> {
        let Some(sighting) = self.record(&Audience::Unrestricted, sighting_id).await? else { return Ok(0) };
        let Some(of) = sighting.str("sighting_of_ref") else { return Ok(0) };
        let owners: Vec<String> = self
            .store
            .latest_versions(of, &Audience::Unrestricted)
            .await?
            .into_iter()
            .map(|v| v.owner)
            .collect();
        let text = format!("sighting {sighting_id} of your {of}");
        self.notify(
            "sighting",
            sighting_id,
            Some(&owners),
            &sighting.owner,
            "your indicator was sighted",
            &text,
        )
        .await
    }

    /// Tells indicator owners about the sightings among `ids` just stored (at most
    /// [`MAX_SIGHTING_NOTICES_PER_WRITE`]); failures are logged, never the write's.
    pub async fn notify_sightings<'a>(&self, ids: impl Iterator<Item = &'a str>) {
        let sightings: Vec<&str> = ids.filter(|id| id.starts_with("sighting--")).collect();
        if sightings.len() > MAX_SIGHTING_NOTICES_PER_WRITE {
            tracing::info!(
                sightings = sightings.len(),
                "notices only for the first {MAX_SIGHTING_NOTICES_PER_WRITE} sightings of one write"
            );
        }
        for id in sightings.into_iter().take(MAX_SIGHTING_NOTICES_PER_WRITE) {
            if let Err(e) = self.notify_sighting(id).await {
                tracing::warn!(error = %e, sighting = id, "queueing sighting notices");
            }
        }
    }

    /// Tells both sides of every unanswered assistance request whose deadline has passed, once
    /// per request (remembered in the node's settings). Returns how many requests were due.
    pub async fn notify_deadlines_due(&self) -> Result<usize, CoordinationError> {
        let requests =
            self.records(&Audience::Unrestricted, ASSISTANCE_REQUEST.object_type.unwrap_or_default()).await?;
        let answers =
            self.records(&Audience::Unrestricted, ASSISTANCE_ANSWER.object_type.unwrap_or_default()).await?;
        let now = now();
        let mut due = 0;
        for request in requests.iter().filter(|r| r.str("deadline").is_some_and(|d| d < now.as_str())) {
            if answers.iter().any(|a| a.str("request_ref") == Some(request.id())) {
                continue;
            }
            let key = format!("notified:deadline:{}", request.id());
            let mark = now.as_bytes();
            if self.store.setting_or_insert(&key, mark).await? != mark {
                continue;
            }
            due += 1;
            let parties =
                vec![request.owner.clone(), request.str("requested_of_ref").unwrap_or_default().to_owned()];
            let text = format!(
                "the deadline {} of assistance request {} on incident {} has passed without an answer",
                request.str("deadline").unwrap_or_default(),
                request.id(),
                request.str("incident_ref").unwrap_or_default()
            );
            self.notify("deadline-due", request.id(), Some(&parties), "", "assistance deadline due", &text)
                .await?;
        }
        Ok(due)
    }
}

//! The demo region's coordination records: a directory of (fictitious) contacts for every member
//! state and the secretariat with two campaigns of check history (some contacts answered, some
//! went quiet and are stale), and incidents in different states with tasks and assistance
//! requests, tied to the Lantern Tide scenario of `intel.json`. Written through the same services
//! the REST API calls, so they obey the same rules; the check history is dated in the past.

use selat_stix::selat::{CONTACT_CHECK, CONTACT_CHECK_CAMPAIGN};
use serde_json::json;

use super::DemoError;
use crate::coordination::Sharing;
use crate::coordination::contacts::{Channel, NewContact};
use crate::coordination::incidents::{
    NewAnswer, NewAssistanceRequest, NewIncident, NewTask, ShareWith, TaskUpdate,
};
use crate::node::Node;
use crate::org::{Principal, Role};
use crate::region::MEMBER_STATES;

/// The two campaigns: (name, started, answered by contacts whose index passes the filter).
const CAMPAIGNS: [(&str, &str, &str); 2] = [
    ("2025 annual re-confirmation", "2025-03-03T01:00:00.000Z", "2025-03-17T01:00:00.000Z"),
    ("ASEAN CERT incident drill 2026", "2026-10-14T02:00:00.000Z", "2026-10-28T02:00:00.000Z"),
];

async fn analyst(node: &Node, short: &str) -> Result<Principal, DemoError> {
    let org = node
        .organisation(short)
        .await?
        .ok_or_else(|| DemoError::Intel(format!("demo organisation {short} is missing")))?;
    Ok(Principal { org, role: Role::Analyst, username: None, token_id: None })
}

fn contact(
    name: String,
    role: &str,
    email: String,
    always_on: bool,
    zone: &str,
    languages: &[&str],
) -> NewContact {
    NewContact {
        name,
        role: role.to_owned(),
        organisation: None,
        languages: languages.iter().map(|l| (*l).to_owned()).collect(),
        office_hours: (!always_on).then(|| "09:00-17:00".to_owned()),
        time_zone: Some(zone.to_owned()),
        always_on,
        channels: vec![Channel { kind: "email".to_owned(), value: email }],
        tlp: Some("green".to_owned()),
    }
}

/// Seeds the directory and incidents.
pub(super) async fn seed(node: &Node) -> Result<(), DemoError> {
    let contacts = seed_contacts(node).await?;
    seed_check_history(node, &contacts).await?;
    seed_incidents(node).await
}

/// Two contacts per member state and one for the secretariat; returns their ids in order.
async fn seed_contacts(node: &Node) -> Result<Vec<String>, DemoError> {
    let mut ids = Vec::new();
    for state in &MEMBER_STATES {
        let by = analyst(node, state.alpha2).await?;
        let code = state.alpha2.to_lowercase();
        let zone = state.time_zones[0];
        let duty = contact(
            format!("{} duty officer (fictitious)", state.cert),
            "technical-poc",
            format!("duty@{code}-cert.example.org"),
            true,
            zone,
            &["en"],
        );
        let diplomatic = contact(
            format!("{} cyber diplomacy desk (fictitious)", state.name),
            "diplomatic-poc",
            format!("cyber-desk@{code}-mfa.example.org"),
            false,
            zone,
            &["en"],
        );
        for new in [duty, diplomatic] {
            ids.push(node.put_contact(&by, None, &new).await?.id);
        }
    }
    let asean = analyst(node, "ASEAN").await?;
    let desk = contact(
        "Secretariat cyber desk (fictitious)".to_owned(),
        "senior-official",
        "cyber-desk@asean-secretariat.example.org".to_owned(),
        false,
        "Asia/Jakarta",
        &["en"],
    );
    ids.push(node.put_contact(&asean, None, &desk).await?.id);
    Ok(ids)
}

/// Past campaigns by the secretariat: in 2025 most contacts answered; in the 2026 drill a few
/// did not, and those whose last answer is older than a year show as stale.
async fn seed_check_history(node: &Node, contacts: &[String]) -> Result<(), DemoError> {
    let asean = analyst(node, "ASEAN").await?;
    let audience = node.audience(Some(&asean), false).await?;
    for (round, (name, started, expires)) in CAMPAIGNS.iter().enumerate() {
        let campaign_id = super::demo_uuid(&format!("campaign:{name}"));
        let campaign_id =
            format!("{}--{campaign_id}", CONTACT_CHECK_CAMPAIGN.object_type.unwrap_or_default());
        let mut campaign = json!({
            "type": CONTACT_CHECK_CAMPAIGN.object_type, "spec_version": "2.1", "id": campaign_id,
            "created": started, "modified": started, "created_by_ref": asean.org.identity,
            "name": name, "member_states": [], "started": started, "expires": expires,
            "extensions": {CONTACT_CHECK_CAMPAIGN.id: {"extension_type": "new-sdo"}},
        });
        Sharing::new(selat_stix::tlp::Tlp::Green, selat_stix::meta::Scope::Community).apply(&mut campaign);
        let mut objects = vec![campaign];
        for (i, contact_id) in contacts.iter().enumerate() {
            let Some(contact) = node.record(&audience, contact_id).await? else { continue };
            let check_id = format!(
                "{}--{}",
                CONTACT_CHECK.object_type.unwrap_or_default(),
                super::demo_uuid(&format!("check:{name}:{contact_id}"))
            );
            let mut check = json!({
                "type": CONTACT_CHECK.object_type, "spec_version": "2.1", "id": check_id,
                "created": started, "modified": started, "created_by_ref": asean.org.identity,
                "contact_ref": contact_id, "campaign_ref": campaign_id, "sent": started, "expires": expires,
                "channels": ["email"],
                "extensions": {CONTACT_CHECK.id: {"extension_type": "new-sdo"}},
            });
            // 2025: every contact but one in seven answered; 2026: one in three stayed silent.
            let silent = if round == 0 { i % 7 == 6 } else { i % 3 == 2 };
            if !silent {
                let response_s = 600 + (i as i64 * 2_777 + round as i64 * 5_003) % 86_400;
                let mut answered = selat_stix::timestamp::Timestamp::parse(started)
                    .map_err(|e| DemoError::Intel(e.to_string()))?;
                answered.micros += response_s * 1_000_000;
                let answered = answered.format(3);
                check["answered"] = json!(answered);
                check["modified"] = json!(answered);
                check["response_time_s"] = json!(response_s);
            }
            Sharing::of(&contact.object).for_contribution(&contact.owner).apply(&mut check);
            objects.push(check);
        }
        node.put_records(&asean.org.identity, &objects).await?;
    }
    Ok(())
}

/// An incident: `(name, description)`, `(severity, class)`, affected states and sectors, TLP and
/// whom it is shared with.
fn new_incident(
    text: (&str, &str),
    kind: (&str, &str),
    states: &[&str],
    sectors: &[&str],
    tlp: &str,
    share_with: ShareWith,
) -> NewIncident {
    NewIncident {
        name: text.0.to_owned(),
        description: Some(text.1.to_owned()),
        severity: kind.0.to_owned(),
        incident_class: kind.1.to_owned(),
        affected_states: states.iter().map(|s| (*s).to_owned()).collect(),
        affected_sectors: sectors.iter().map(|s| (*s).to_owned()).collect(),
        tlp: tlp.to_owned(),
        pap: Some("amber".to_owned()),
        share_with,
    }
}

fn task(name: &str, due: &str) -> NewTask {
    NewTask { name: name.to_owned(), description: None, due: Some(due.to_owned()), priority: None }
}

fn ask(to: &str, request: &str, deadline: &str) -> NewAssistanceRequest {
    NewAssistanceRequest { to: to.to_owned(), request: request.to_owned(), deadline: deadline.to_owned() }
}

/// Incidents of the Lantern Tide scenario and two others, each left in a different status.
async fn seed_incidents(node: &Node) -> Result<(), DemoError> {
    let [sg, my, th, ph, vn, asean, sg_bank] =
        ["SG", "MY", "TH", "PH", "VN", "ASEAN", "SG-BANKING"].map(|s| analyst(node, s));
    let (sg, my, th, ph, vn, asean, sg_bank) =
        (sg.await?, my.await?, th.await?, ph.await?, vn.await?, asean.await?, sg_bank.await?);
    let region = || ShareWith::Named("region".to_owned());

    // A sector lead reports to SG; SG triages and escalates to the region, where it is worked.
    let report = new_incident(
        (
            "Lantern Tide phishing of retail banking customers",
            "Customers of two Singapore banks received SMS lures leading to LanternKit pages (fictitious).",
        ),
        ("high", "fraud"),
        &["SG"],
        &["banking and finance"],
        "amber",
        ShareWith::Named("national".to_owned()),
    );
    let national = node.create_incident(&sg_bank, &report).await?.summary.id;
    node.transition_incident(&sg, &national, "triaged", Some("confirmed by SingCERT")).await?;
    let regional = node.escalate_incident(&sg, &national, &region()).await?.summary.id;
    node.transition_incident(&asean, &regional, "triaged", None).await?;
    node.transition_incident(&sg, &regional, "coordinating", Some("lures seen in MY and TH")).await?;
    let takedown = node
        .add_task(&sg, &regional, &task("Take down LanternKit hosting in 203.0.113.0/24", "2026-12-05"))
        .await?;
    node.update_task(&sg, &regional, &takedown.id, &TaskUpdate { status: "in-progress".to_owned() }).await?;
    let block =
        node.add_task(&my, &regional, &task("Block lure domains at Malaysian ISPs", "2026-12-01")).await?;
    node.update_task(&my, &regional, &block.id, &TaskUpdate { status: "done".to_owned() }).await?;
    let logs = node
        .request_assistance(
            &sg,
            &regional,
            &ask("MY", "Share the account-takeover logs of the affected MY bank", "2026-12-10"),
        )
        .await?;
    node.answer_assistance(
        &my,
        &regional,
        &logs.id,
        &NewAnswer {
            answer: "accepted".to_owned(),
            text: Some("Logs follow by the secure channel.".to_owned()),
        },
    )
    .await?;
    node.request_assistance(
        &sg,
        &regional,
        &ask("TH", "Identify the SampanStealer controller's hosting provider", "2026-12-15"),
    )
    .await?;
    node.add_note(&asean, &regional, "The secretariat will brief the ADGSOM working group.").await?;

    // MY's own report of the same lures, merged into the regional incident.
    let duplicate = new_incident(
        ("Malay-language bank lures (Lantern Tide)", "SMS lures in Malay (fictitious)."),
        ("medium", "fraud"),
        &["MY"],
        &["banking and finance"],
        "green",
        region(),
    );
    let dup = node.create_incident(&my, &duplicate).await?.summary.id;
    node.merge_incident(&asean, &dup, &regional, Some("same campaign")).await?;

    // TLP:RED between two states only.
    let red = new_incident(
        (
            "SampanStealer controller inside a hospital network",
            "A controller was found on a hospital's network segment (fictitious).",
        ),
        ("severe", "malicious-code"),
        &["TH"],
        &["healthcare"],
        "red",
        ShareWith::States(vec!["MY".to_owned()]),
    );
    let red = node.create_incident(&th, &red).await?.summary.id;
    node.transition_incident(&th, &red, "triaged", None).await?;
    node.add_task(&th, &red, &task("Isolate the segment and image the hosts", "2026-12-02")).await?;

    // A DDoS worked by the region and contained, with an overdue request to SG.
    let ddos = new_incident(
        ("DDoS on government portals", "Volumetric attack on e-government portals (fictitious)."),
        ("medium", "availability"),
        &["PH"],
        &["government"],
        "green",
        region(),
    );
    let ddos = node.create_incident(&ph, &ddos).await?.summary.id;
    node.transition_incident(&ph, &ddos, "triaged", None).await?;
    node.transition_incident(&asean, &ddos, "coordinating", None).await?;
    node.request_assistance(&ph, &ddos, &ask("SG", "Share scrubbing-centre contacts", "2026-11-20")).await?;
    node.transition_incident(&ph, &ddos, "contained", Some("traffic scrubbed upstream")).await?;

    // A closed one.
    let redirect = new_incident(
        (
            "Open redirect exploited in phishing (CVE-2099-0001)",
            "A portal's open redirect carried lures (fictitious).",
        ),
        ("low", "vulnerable"),
        &["VN"],
        &["government"],
        "green",
        region(),
    );
    let redirect = node.create_incident(&vn, &redirect).await?.summary.id;
    for to in ["triaged", "contained", "closed"] {
        node.transition_incident(&vn, &redirect, to, None).await?;
    }
    Ok(())
}

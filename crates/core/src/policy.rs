//! The access rule: whether viewer V may see object O (DESIGN.md "Who may see an object").
//!
//! This is the one place the rule is written, twice over: as [`may_see`], a predicate on one
//! viewer and one object, and as audience labels ([`object_audience`], [`viewer_audience`]) that
//! the store matches inside its queries — a viewer sees a version when the two label sets meet.
//! A test holds the two equal over every relation, scope and TLP; the store adds the version rule
//! (an older version is visible only if the latest one is too) and the read-path tests hold the
//! whole against [`may_see`]. An object a viewer may not see does not exist for that viewer.
//!
//! | viewer's relation to the object | CLEAR | GREEN | AMBER | AMBER+STRICT | RED |
//! | --- | --- | --- | --- | --- | --- |
//! | creator organisation | yes | yes | yes | yes | yes |
//! | an organisation the scope names | yes | yes | yes | yes | only if in `recipient_refs` |
//! | a sector lead whose member state a `national`/`community` scope names (a client) | yes | yes | yes | no | no |
//! | any other organisation | public CLEAR only | no | no | no | no |
//! | anonymous | public CLEAR only | no | no | no | no |
//!
//! Organisations are named by their STIX identity ids throughout, as objects name them.

use selat_stix::meta::Scope;
use selat_stix::tlp::Tlp;

use crate::org::{OrgKind, Organisation};

/// What the rule needs to know about the viewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer<'a> {
    pub org: &'a Organisation,
    /// The identity of the viewer's member state: its own for a member state, its parent's for a
    /// sector lead, none for the secretariat and partners.
    pub member_state: Option<&'a str>,
    /// Sharing groups the viewer's organisation belongs to (their ids).
    pub groups: &'a [String],
}

/// What the rule needs to know about an object version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sharing<'a> {
    /// Identity of the owning organisation.
    pub owner: &'a str,
    /// Identity of the owner's member state (itself, or a sector lead's parent); none for the
    /// secretariat, partners and organisations this node does not know.
    pub owner_member_state: Option<&'a str>,
    /// Effective TLP; `None` (no TLP marking) is treated as AMBER, never as CLEAR.
    pub tlp: Option<Tlp>,
    pub scope: Scope,
    /// The sharing group a `group` scope names.
    pub group: Option<&'a str>,
    /// Identities a `recipients` scope names.
    pub recipients: &'a [String],
    /// The object is read through the public advisory collection.
    pub public: bool,
}

/// How the viewer stands to the object, the rows of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    Creator,
    Named,
    Client,
    Other,
}

/// The one rule. `viewer` is `None` for an anonymous caller.
pub fn may_see(viewer: Option<&Viewer<'_>>, object: &Sharing<'_>) -> bool {
    let tlp = object.tlp.unwrap_or(Tlp::Amber);
    let public_clear = object.public && tlp == Tlp::Clear && object.scope == Scope::Community;
    let Some(viewer) = viewer else { return public_clear };
    match relation(viewer, object) {
        Relation::Creator => true,
        Relation::Named if tlp == Tlp::Red => object.recipients.contains(&viewer.org.identity),
        Relation::Named => true,
        Relation::Client => tlp <= Tlp::Amber,
        Relation::Other => public_clear,
    }
}

/// The viewer's row in the table for this object.
pub fn relation(viewer: &Viewer<'_>, object: &Sharing<'_>) -> Relation {
    let org = viewer.org;
    if org.identity == object.owner {
        return Relation::Creator;
    }
    let named = match object.scope {
        Scope::Organisation => false,
        Scope::National => {
            org.kind == OrgKind::MemberState && object.owner_member_state == Some(org.identity.as_str())
        }
        Scope::Community => {
            matches!(org.kind, OrgKind::MemberState | OrgKind::Secretariat | OrgKind::Partner)
        }
        Scope::Group => object.group.is_some_and(|g| viewer.groups.iter().any(|mine| mine == g)),
        Scope::Recipients => object.recipients.contains(&org.identity),
    };
    if named {
        return Relation::Named;
    }
    // `group` and `recipients` are closed: they reach only whom they name.
    let client = org.kind == OrgKind::SectorLead
        && viewer.member_state.is_some()
        && match object.scope {
            Scope::National => viewer.member_state == object.owner_member_state,
            Scope::Community => true,
            _ => false,
        };
    if client { Relation::Client } else { Relation::Other }
}

/// The label an organisation holds, and that objects it may see by name carry.
pub fn org_label(identity: &str) -> String {
    format!("org:{identity}")
}

/// Held by the organisations a `community` scope names: member states, the secretariat, partners.
pub const COMMUNITY: &str = "community";
/// Held by every sector lead of a member state: the clients a `community` scope reaches.
pub const COMMUNITY_CLIENTS: &str = "community-clients";
/// Held by anyone reading through the public advisory collection, carried by TLP:CLEAR objects of
/// scope `community`.
pub const PUBLIC: &str = "public";

fn clients_label(member_state: &str) -> String {
    format!("clients:{member_state}")
}

fn group_label(group: &str) -> String {
    format!("group:{group}")
}

/// The audience labels of an object version: a viewer holding any of them may see it (the
/// store adds the version rule). Sorted, without duplicates.
///
/// RED outside the `recipients` and `organisation` scopes, and `recipient_refs` outside
/// `recipients`, are refused by validation; should such an object reach here, its RED material
/// goes to its creator (and, under `national`, to the member state if it is a listed recipient)
/// and no further.
pub fn object_audience(object: &Sharing<'_>) -> Vec<String> {
    let tlp = object.tlp.unwrap_or(Tlp::Amber);
    let red = tlp == Tlp::Red;
    let passes_to_clients = tlp <= Tlp::Amber;
    let mut labels = vec![org_label(object.owner)];
    match object.scope {
        Scope::Organisation => {}
        Scope::National => {
            if let Some(state) = object.owner_member_state {
                if !red || object.recipients.iter().any(|r| r == state) {
                    labels.push(org_label(state));
                }
                if passes_to_clients {
                    labels.push(clients_label(state));
                }
            }
        }
        Scope::Community => {
            if !red {
                labels.push(COMMUNITY.to_owned());
            }
            if passes_to_clients {
                labels.push(COMMUNITY_CLIENTS.to_owned());
            }
            if tlp == Tlp::Clear {
                labels.push(PUBLIC.to_owned());
            }
        }
        Scope::Group => {
            if let (Some(group), false) = (object.group, red) {
                labels.push(group_label(group));
            }
        }
        Scope::Recipients => labels.extend(object.recipients.iter().map(|r| org_label(r))),
    }
    labels.sort_unstable();
    labels.dedup();
    labels
}

/// The labels a viewer holds (`None`: anonymous), reading through the public advisory
/// collection or not. Sorted, without duplicates.
pub fn viewer_audience(viewer: Option<&Viewer<'_>>, public_collection: bool) -> Vec<String> {
    let mut labels = Vec::new();
    if public_collection {
        labels.push(PUBLIC.to_owned());
    }
    if let Some(viewer) = viewer {
        labels.push(org_label(&viewer.org.identity));
        match viewer.org.kind {
            OrgKind::MemberState | OrgKind::Secretariat | OrgKind::Partner => {
                labels.push(COMMUNITY.to_owned())
            }
            OrgKind::SectorLead => {
                if let Some(state) = viewer.member_state {
                    labels.push(COMMUNITY_CLIENTS.to_owned());
                    labels.push(clients_label(state));
                }
            }
        }
        labels.extend(viewer.groups.iter().map(|g| group_label(g)));
    }
    labels.sort_unstable();
    labels.dedup();
    labels
}

/// Whether two sorted label lists meet.
pub fn labels_meet(a: &[String], b: &[String]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(short: &str, kind: OrgKind, parent: Option<&str>) -> Organisation {
        Organisation {
            short_name: short.into(),
            name: short.into(),
            kind,
            parent: parent.map(Into::into),
            identity: format!("identity--{short}"),
            member_since: None,
        }
    }

    fn member_state_of(org: &Organisation) -> Option<String> {
        org.member_state().map(|short| format!("identity--{short}"))
    }

    /// Every relation of viewer to creator × every scope × every TLP, against DESIGN.md's table
    /// written out by hand: one string of five verdicts (CLEAR, GREEN, AMBER, AMBER+STRICT, RED)
    /// per viewer and scope. The creator is SG-BANKING (a sector lead of SG); RED objects name
    /// MY as recipient; the group has MY and SG-ENERGY.
    #[test]
    fn the_matrix_matches_the_table() {
        let creator = org("SG-BANKING", OrgKind::SectorLead, Some("SG"));
        let viewers = [
            ("creator", creator.clone()),
            ("own member state", org("SG", OrgKind::MemberState, None)),
            ("sibling sector lead", org("SG-ENERGY", OrgKind::SectorLead, Some("SG"))),
            ("another member state (recipient, group member)", org("MY", OrgKind::MemberState, None)),
            ("another state's sector lead", org("MY-BANKING", OrgKind::SectorLead, Some("MY"))),
            ("secretariat", org("ASEAN", OrgKind::Secretariat, None)),
            ("partner", org("JP", OrgKind::Partner, None)),
            ("a third member state", org("TH", OrgKind::MemberState, None)),
        ];
        // Per viewer: organisation, national, community, group, recipients.
        let expected: [[&str; 5]; 8] = [
            ["YYYYY", "YYYYY", "YYYYY", "YYYYY", "YYYYY"],
            ["NNNNN", "YYYYN", "YYYYN", "NNNNN", "NNNNN"],
            ["NNNNN", "YYYNN", "YYYNN", "YYYYN", "NNNNN"],
            ["NNNNN", "NNNNN", "YYYYN", "YYYYN", "YYYYY"],
            ["NNNNN", "NNNNN", "YYYNN", "NNNNN", "NNNNN"],
            ["NNNNN", "NNNNN", "YYYYN", "NNNNN", "NNNNN"],
            ["NNNNN", "NNNNN", "YYYYN", "NNNNN", "NNNNN"],
            ["NNNNN", "NNNNN", "YYYYN", "NNNNN", "NNNNN"],
        ];
        let scopes =
            [Scope::Organisation, Scope::National, Scope::Community, Scope::Group, Scope::Recipients];
        let tlps = [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::AmberStrict, Tlp::Red];
        let groups_of = |short: &str| -> Vec<String> {
            if ["MY", "SG-ENERGY"].contains(&short) { vec!["group-1".into()] } else { vec![] }
        };
        // Validation allows `recipient_refs` only with the `recipients` scope.
        let named_recipients = vec!["identity--MY".to_owned()];
        let (mut leaks, mut denials, mut checked) = (Vec::new(), Vec::new(), 0);
        for ((name, viewer_org), row) in viewers.iter().zip(expected) {
            let groups = groups_of(&viewer_org.short_name);
            let state = member_state_of(viewer_org);
            let viewer = Viewer { org: viewer_org, member_state: state.as_deref(), groups: &groups };
            for (scope, verdicts) in scopes.iter().zip(row) {
                for (tlp, want) in tlps.iter().zip(verdicts.chars()) {
                    let object = Sharing {
                        owner: &creator.identity,
                        owner_member_state: Some("identity--SG"),
                        tlp: Some(*tlp),
                        scope: *scope,
                        group: Some("group-1"),
                        recipients: if *scope == Scope::Recipients { &named_recipients } else { &[] },
                        public: false,
                    };
                    let got = may_see(Some(&viewer), &object);
                    checked += 1;
                    match (got, want == 'Y') {
                        (true, false) => leaks.push(format!("{name} {scope:?} {tlp:?}")),
                        (false, true) => denials.push(format!("{name} {scope:?} {tlp:?}")),
                        _ => {}
                    }
                }
            }
        }
        println!("{checked} cases: {} leaks, {} wrongful denials", leaks.len(), denials.len());
        assert!(leaks.is_empty() && denials.is_empty(), "leaks {leaks:?}\ndenials {denials:?}");
    }

    #[test]
    fn anonymous_and_strangers_see_only_public_clear() {
        let stranger = org("TH-ENERGY", OrgKind::SectorLead, Some("TH"));
        let viewer = Viewer { org: &stranger, member_state: Some("identity--TH"), groups: &[] };
        let mut object = Sharing {
            owner: "identity--SG",
            owner_member_state: Some("identity--SG"),
            tlp: Some(Tlp::Clear),
            scope: Scope::Organisation,
            group: None,
            recipients: &[],
            public: true,
        };
        assert!(!may_see(None, &object), "organisation scope is not public even in the collection");
        object.scope = Scope::Community;
        assert!(may_see(None, &object));
        object.tlp = Some(Tlp::Green);
        assert!(!may_see(None, &object));
        object.tlp = None;
        assert!(!may_see(None, &object), "no TLP is AMBER, never CLEAR");
        assert!(may_see(Some(&viewer), &object), "a sector lead is a client of community AMBER");
        object.tlp = Some(Tlp::AmberStrict);
        assert!(!may_see(Some(&viewer), &object));
    }

    /// The labels the store matches decide exactly what [`may_see`] decides: every viewer kind
    /// (anonymous included) × every scope × every TLP × read through the public collection or
    /// not × owner a sector lead, a member state or the secretariat, for valid objects (recipient
    /// refs only with the `recipients` scope).
    #[test]
    fn labels_decide_as_the_rule_does() {
        let orgs = [
            org("SG", OrgKind::MemberState, None),
            org("SG-BANKING", OrgKind::SectorLead, Some("SG")),
            org("SG-ENERGY", OrgKind::SectorLead, Some("SG")),
            org("MY", OrgKind::MemberState, None),
            org("MY-BANKING", OrgKind::SectorLead, Some("MY")),
            org("ASEAN", OrgKind::Secretariat, None),
            org("JP", OrgKind::Partner, None),
            org("ORPHAN", OrgKind::SectorLead, None),
        ];
        let scopes =
            [Scope::Organisation, Scope::National, Scope::Community, Scope::Group, Scope::Recipients];
        let tlps = [
            None,
            Some(Tlp::Clear),
            Some(Tlp::Green),
            Some(Tlp::Amber),
            Some(Tlp::AmberStrict),
            Some(Tlp::Red),
        ];
        let recipients = vec!["identity--MY".to_owned(), "identity--SG-ENERGY".to_owned()];
        let (mut checked, mut wrong) = (0, Vec::new());
        for owner in &orgs[..] {
            let owner_state = member_state_of(owner);
            for viewer_org in orgs.iter().map(Some).chain([None]) {
                let groups: Vec<String> = viewer_org
                    .filter(|o| ["MY", "SG-ENERGY", "JP"].contains(&o.short_name.as_str()))
                    .map(|_| vec!["x-selat-sharing-group--1".to_owned()])
                    .unwrap_or_default();
                let state = viewer_org.and_then(member_state_of);
                let viewer =
                    viewer_org.map(|org| Viewer { org, member_state: state.as_deref(), groups: &groups });
                for (scope, tlp, public) in scopes
                    .iter()
                    .flat_map(|s| tlps.iter().map(move |t| (*s, *t)))
                    .flat_map(|(s, t)| [(s, t, false), (s, t, true)])
                {
                    let object = Sharing {
                        owner: &owner.identity,
                        owner_member_state: owner_state.as_deref(),
                        tlp,
                        scope,
                        group: (scope == Scope::Group).then_some("x-selat-sharing-group--1"),
                        recipients: if scope == Scope::Recipients { &recipients } else { &[] },
                        public,
                    };
                    let by_labels =
                        labels_meet(&viewer_audience(viewer.as_ref(), public), &object_audience(&object));
                    checked += 1;
                    if by_labels != may_see(viewer.as_ref(), &object) {
                        wrong.push(format!(
                            "owner {} viewer {:?} {scope:?} {tlp:?} public={public}: labels say {by_labels}",
                            owner.short_name,
                            viewer_org.map(|o| &o.short_name)
                        ));
                    }
                }
            }
        }
        println!("{checked} cases, {} disagreements", wrong.len());
        assert!(wrong.is_empty(), "{wrong:#?}");
    }
}

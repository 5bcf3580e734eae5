//! The access rule: whether viewer V may see object O (DESIGN.md "Who may see an object").
//!
//! This is the one place the rule is written. Every read path asks it — directly for a single
//! object, or through the store's query filter that the policy issue derives from it and tests
//! against it. An object a viewer may not see does not exist for that viewer.
//!
//! | viewer's relation to the object | CLEAR | GREEN | AMBER | AMBER+STRICT | RED |
//! | --- | --- | --- | --- | --- | --- |
//! | creator organisation | yes | yes | yes | yes | yes |
//! | an organisation the scope names | yes | yes | yes | yes | only if in `recipient_refs` |
//! | a sector lead whose member state a `national`/`community` scope names (a client) | yes | yes | yes | no | no |
//! | any other organisation | public CLEAR only | no | no | no | no |
//! | anonymous | public CLEAR only | no | no | no | no |

use selat_stix::meta::Scope;
use selat_stix::tlp::Tlp;

use crate::org::{OrgKind, Organisation};

/// What the rule needs to know about the viewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer<'a> {
    pub org: &'a Organisation,
    /// Sharing groups the viewer's organisation belongs to (their ids).
    pub groups: &'a [String],
}

/// What the rule needs to know about an object version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sharing<'a> {
    /// Short name of the owning organisation.
    pub owner: &'a str,
    /// The owner's member state (itself, or a sector lead's parent); none for the secretariat
    /// and partners.
    pub owner_member_state: Option<&'a str>,
    /// Effective TLP; `None` (no TLP marking) is treated as AMBER, never as CLEAR.
    pub tlp: Option<Tlp>,
    pub scope: Scope,
    /// The sharing group a `group` scope names.
    pub group: Option<&'a str>,
    /// Short names of the organisations a `recipients` scope (or a RED object) names.
    pub recipients: &'a [String],
    /// The object is in the public advisory collection.
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
        Relation::Named if tlp == Tlp::Red => object.recipients.contains(&viewer.org.short_name),
        Relation::Named => true,
        Relation::Client => tlp <= Tlp::Amber,
        Relation::Other => public_clear,
    }
}

/// The viewer's row in the table for this object.
pub fn relation(viewer: &Viewer<'_>, object: &Sharing<'_>) -> Relation {
    let org = viewer.org;
    if org.short_name == object.owner {
        return Relation::Creator;
    }
    let named = match object.scope {
        Scope::Organisation => false,
        Scope::National => object.owner_member_state == Some(org.short_name.as_str()),
        Scope::Community => {
            matches!(org.kind, OrgKind::MemberState | OrgKind::Secretariat | OrgKind::Partner)
        }
        Scope::Group => object.group.is_some_and(|g| viewer.groups.iter().any(|mine| mine == g)),
        Scope::Recipients => object.recipients.contains(&org.short_name),
    };
    if named {
        return Relation::Named;
    }
    // `group` and `recipients` are closed: they reach only whom they name.
    let client = org.kind == OrgKind::SectorLead
        && match object.scope {
            Scope::National => org.parent.is_some() && org.parent.as_deref() == object.owner_member_state,
            Scope::Community => org.parent.is_some(),
            _ => false,
        };
    if client { Relation::Client } else { Relation::Other }
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
        let named_recipients = vec!["MY".to_owned()];
        let (mut leaks, mut denials, mut checked) = (Vec::new(), Vec::new(), 0);
        for ((name, viewer_org), row) in viewers.iter().zip(expected) {
            let groups = groups_of(&viewer_org.short_name);
            let viewer = Viewer { org: viewer_org, groups: &groups };
            for (scope, verdicts) in scopes.iter().zip(row) {
                for (tlp, want) in tlps.iter().zip(verdicts.chars()) {
                    let object = Sharing {
                        owner: &creator.short_name,
                        owner_member_state: Some("SG"),
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
        let viewer = Viewer { org: &stranger, groups: &[] };
        let mut object = Sharing {
            owner: "SG",
            owner_member_state: Some("SG"),
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
}

//! The rules of a link, as pure functions over what the node knows (DESIGN.md, federation):
//!
//! - **Leaving** ([`may_leave`]): a node sends a peer only objects owned by organisations its
//!   token may act for there (the peer's `hosts`), whose scope lets them leave the node
//!   (`community`, `group`, `recipients`; never `organisation` or `national`); RED only to a
//!   peer that serves one of its named recipients; `group` only to a peer that serves one of the
//!   group's members; and never an object it received from a peer (no relay, no echo).
//! - **Arriving from a pull** ([`accept_pulled`]): the owner is the `created_by_ref` where that
//!   names a registered organisation, else the peer's organisation; an object claiming an owner
//!   this node serves is never taken from a peer (`hosted-owner`: our own objects coming back,
//!   or a forgery); RED only when this node serves one of its named recipients (a hub never
//!   stores another node's RED); `group` only when this node knows the group and serves one of
//!   its members.
//!
//! `group` is closed like `recipients` (DESIGN.md: it reaches only whom it names), so it travels
//! like RED: to the nodes of its members and nowhere else. A hub that serves no member never
//! holds it, even though it could hide it from everyone: what a node stores, its operators and
//! its backups hold. A sharing group is known to a node by its id in the directory
//! (`selat admin group`); a node that does not know the group cannot tell who its members are,
//! so it neither sends nor takes objects scoped to it.
//! - **Arriving from a push** is TAXII Add Objects under the pusher's token, and `ingest`
//!   applies the rest: a `created_by_ref` naming a registered organisation the token may not act
//!   for is refused (`foreign-owner`), RED for no organisation served here is refused
//!   (`red-not-hosted`).

use std::collections::HashMap;

use selat_stix::meta::Scope;
use selat_stix::tlp::Tlp;

use super::config::HostPatterns;
use crate::org::Organisation;

/// The registered organisations, by identity.
#[derive(Debug, Clone, Default)]
pub struct Registered {
    by_identity: HashMap<String, Organisation>,
    /// Members (identities) of each sharing group known here, by group id.
    groups: HashMap<String, Vec<String>>,
}

impl Registered {
    pub fn new(orgs: impl IntoIterator<Item = Organisation>) -> Self {
        Self {
            by_identity: orgs.into_iter().map(|o| (o.identity.clone(), o)).collect(),
            groups: HashMap::new(),
        }
    }

    /// The same, knowing these sharing groups: `(id, member identities)`.
    pub fn with_groups(mut self, groups: impl IntoIterator<Item = (String, Vec<String>)>) -> Self {
        self.groups = groups.into_iter().collect();
        self
    }

    /// The members of the sharing group `id`, if it is known here.
    pub fn group_members(&self, id: &str) -> Option<&[String]> {
        self.groups.get(id).map(Vec::as_slice)
    }

    /// Whether the group `id` is known here and one of its members matches `patterns`.
    fn group_reaches(&self, id: Option<&str>, patterns: &HostPatterns) -> bool {
        id.and_then(|id| self.group_members(id))
            .is_some_and(|members| members.iter().any(|m| self.is_in(m, patterns)))
    }

    /// The organisation whose identity is `identity`.
    pub fn get(&self, identity: &str) -> Option<&Organisation> {
        self.by_identity.get(identity)
    }

    /// The organisation whose short name is `short_name`.
    pub fn by_short_name(&self, short_name: &str) -> Option<&Organisation> {
        self.by_identity.values().find(|o| o.short_name == short_name)
    }

    /// Whether `identity` is a registered organisation matching `patterns`.
    fn is_in(&self, identity: &str, patterns: &HostPatterns) -> bool {
        self.get(identity).is_some_and(|o| patterns.matches(&o.short_name))
    }

    /// The identities of the registered organisations matching `patterns`.
    pub fn identities_in(&self, patterns: &HostPatterns) -> Vec<String> {
        let mut ids: Vec<String> = self
            .by_identity
            .values()
            .filter(|o| patterns.matches(&o.short_name))
            .map(|o| o.identity.clone())
            .collect();
        ids.sort_unstable();
        ids
    }
}

/// What [`may_leave`] needs to know of a stored object version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing<'a> {
    /// The owner's identity.
    pub owner: &'a str,
    pub tlp: Option<Tlp>,
    pub scope: Scope,
    pub recipients: &'a [String],
    /// The sharing group a `group` scope names.
    pub group: Option<&'a str>,
    /// The version was received from a peer.
    pub received: bool,
}

/// Why an object does not leave for a peer. Not an error: most objects of a busy node are held
/// for some peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// Received from a peer: a node never relays (nor echoes) others' objects.
    Received,
    /// Its owner is not an organisation the token may act for on this peer.
    NotActedFor,
    /// Its scope (`organisation`, `national`) never leaves the node.
    StaysOnNode,
    /// RED, and the peer serves none of its named recipients.
    RedNotForPeer,
    /// Scope `group`, and the peer serves none of the group's members (or the group is not
    /// known here).
    GroupNotForPeer,
}

impl Hold {
    pub fn as_str(self) -> &'static str {
        match self {
            Hold::Received => "received-from-a-peer",
            Hold::NotActedFor => "not-acted-for",
            Hold::StaysOnNode => "scope-stays-on-node",
            Hold::RedNotForPeer => "red-not-for-peer",
            Hold::GroupNotForPeer => "group-not-for-peer",
        }
    }
}

/// Whether an object may leave for a peer whose token acts for `acts_for` and which serves
/// `peer_hosts`.
pub fn may_leave(
    object: &Outgoing<'_>,
    acts_for: &HostPatterns,
    peer_hosts: &HostPatterns,
    registered: &Registered,
) -> Result<(), Hold> {
    if object.received {
        return Err(Hold::Received);
    }
    if !registered.is_in(object.owner, acts_for) {
        return Err(Hold::NotActedFor);
    }
    if matches!(object.scope, Scope::Organisation | Scope::National) {
        return Err(Hold::StaysOnNode);
    }
    let red = object.tlp == Some(Tlp::Red);
    if red
        && !(object.scope == Scope::Recipients
            && object.recipients.iter().any(|r| registered.is_in(r, peer_hosts)))
    {
        return Err(Hold::RedNotForPeer);
    }
    if object.scope == Scope::Group && !registered.group_reaches(object.group, peer_hosts) {
        return Err(Hold::GroupNotForPeer);
    }
    Ok(())
}

/// What [`accept_pulled`] needs to know of a received object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming<'a> {
    pub created_by_ref: Option<&'a str>,
    pub tlp: Option<Tlp>,
    pub scope: Scope,
    pub recipients: &'a [String],
    /// The sharing group a `group` scope names.
    pub group: Option<&'a str>,
}

/// Why a received object is not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refuse {
    /// It claims an owner this node serves: only this node stores its own organisations'
    /// objects (an echo of what it sent, or a forgery).
    HostedOwner,
    /// No registered `created_by_ref`, and the peer has no configured organisation to own it.
    UnknownOwner,
    /// RED, and this node serves none of its named recipients.
    RedNotHosted,
    /// Scope `group`, and this node does not know the group or serves none of its members.
    GroupNotHosted,
}

impl Refuse {
    pub fn as_str(self) -> &'static str {
        match self {
            Refuse::HostedOwner => "hosted-owner",
            Refuse::UnknownOwner => "unknown-owner",
            Refuse::RedNotHosted => "red-not-hosted",
            Refuse::GroupNotHosted => "group-not-hosted",
        }
    }
}

/// The owner (an identity) a pulled object is stored under, or why it is not stored. `peer_org`
/// is the peer's configured organisation; `hosted` the organisations this node serves.
pub fn accept_pulled<'a>(
    object: &Incoming<'a>,
    peer_org: Option<&'a Organisation>,
    hosted: &HostPatterns,
    registered: &'a Registered,
) -> Result<&'a str, Refuse> {
    let owner = match object.created_by_ref.and_then(|r| registered.get(r)) {
        Some(org) => org,
        None => peer_org.ok_or(Refuse::UnknownOwner)?,
    };
    if hosted.matches(&owner.short_name) {
        return Err(Refuse::HostedOwner);
    }
    if object.tlp == Some(Tlp::Red) && !object.recipients.iter().any(|r| registered.is_in(r, hosted)) {
        return Err(Refuse::RedNotHosted);
    }
    if object.scope == Scope::Group && !registered.group_reaches(object.group, hosted) {
        return Err(Refuse::GroupNotHosted);
    }
    Ok(&owner.identity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::OrgKind;

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

    /// Owner, TLP, scope, recipients, received; the verdict to the hub, to MY's node.
    type LeaveCase =
        (&'static str, &'static str, &'static str, &'static [&'static str], bool, &'static str, &'static str);
    /// created_by_ref, TLP, recipients; the verdict with the peer's org, without.
    type PullCase = (Option<&'static str>, &'static str, &'static [&'static str], &'static str, &'static str);

    fn region() -> Registered {
        Registered::new([
            org("SG", OrgKind::MemberState, None),
            org("SG-BANKING", OrgKind::SectorLead, Some("SG")),
            org("MY", OrgKind::MemberState, None),
            org("MY-BANKING", OrgKind::SectorLead, Some("MY")),
            org("ASEAN", OrgKind::Secretariat, None),
        ])
        .with_groups([
            ("group-my".to_owned(), vec!["identity--SG".to_owned(), "identity--MY".to_owned()]),
            ("group-asean".to_owned(), vec!["identity--SG".to_owned(), "identity--ASEAN".to_owned()]),
            (
                "group-banks".to_owned(),
                vec!["identity--SG-BANKING".to_owned(), "identity--MY-BANKING".to_owned()],
            ),
            ("group-sg".to_owned(), vec!["identity--SG".to_owned(), "identity--SG-BANKING".to_owned()]),
        ])
    }

    fn tlp(name: &str) -> Option<Tlp> {
        (name != "none").then(|| Tlp::from_name(name).expect("a TLP name"))
    }

    fn scope(name: &str) -> Scope {
        match name {
            "organisation" => Scope::Organisation,
            "national" => Scope::National,
            "community" => Scope::Community,
            "group" => Scope::Group,
            "recipients" => Scope::Recipients,
            other => panic!("scope {other}"),
        }
    }

    /// The SG node's links: to the hub (its token acts for SG and SG-*, the hub serves ASEAN)
    /// and directly to MY's node (serving MY and MY-*). One case per line: owner, TLP, scope,
    /// recipients (for scope `group`: the group), received, then the verdict for the hub and for
    /// MY's node. The groups: `group-my` (SG, MY), `group-asean` (SG, ASEAN), `group-banks`
    /// (SG-BANKING, MY-BANKING), `group-sg` (SG, SG-BANKING); `group-unknown` is not known here.
    #[test]
    fn what_leaves_the_sg_node() {
        let registered = region();
        let acts_for = HostPatterns::new(["SG", "SG-*"]);
        let hub = HostPatterns::new(["ASEAN"]);
        let my = HostPatterns::new(["MY", "MY-*"]);
        let cases: &[LeaveCase] = &[
            ("SG", "green", "community", &[], false, "ok", "ok"),
            ("SG", "amber", "community", &[], false, "ok", "ok"),
            ("SG", "amber+strict", "community", &[], false, "ok", "ok"),
            ("SG", "clear", "community", &[], false, "ok", "ok"),
            ("SG", "none", "community", &[], false, "ok", "ok"),
            ("SG-BANKING", "amber", "community", &[], false, "ok", "ok"),
            ("SG", "amber", "group", &["group-my"], false, "group-not-for-peer", "ok"),
            ("SG", "green", "group", &["group-asean"], false, "ok", "group-not-for-peer"),
            ("SG-BANKING", "amber", "group", &["group-banks"], false, "group-not-for-peer", "ok"),
            ("SG", "clear", "group", &["group-sg"], false, "group-not-for-peer", "group-not-for-peer"),
            ("SG", "green", "group", &["group-unknown"], false, "group-not-for-peer", "group-not-for-peer"),
            ("SG", "amber+strict", "group", &["group-my"], false, "group-not-for-peer", "ok"),
            ("SG", "green", "group", &["group-my"], true, "received-from-a-peer", "received-from-a-peer"),
            ("SG", "green", "recipients", &["MY"], false, "ok", "ok"),
            ("SG", "green", "national", &[], false, "scope-stays-on-node", "scope-stays-on-node"),
            ("SG", "green", "organisation", &[], false, "scope-stays-on-node", "scope-stays-on-node"),
            ("SG-BANKING", "amber", "national", &[], false, "scope-stays-on-node", "scope-stays-on-node"),
            ("SG", "red", "recipients", &["MY"], false, "red-not-for-peer", "ok"),
            ("SG", "red", "recipients", &["MY-BANKING"], false, "red-not-for-peer", "ok"),
            ("SG", "red", "recipients", &["ASEAN"], false, "ok", "red-not-for-peer"),
            (
                "SG",
                "red",
                "recipients",
                &["identity--unknown"],
                false,
                "red-not-for-peer",
                "red-not-for-peer",
            ),
            ("SG", "red", "organisation", &[], false, "scope-stays-on-node", "scope-stays-on-node"),
            ("MY", "green", "community", &[], true, "received-from-a-peer", "received-from-a-peer"),
            ("MY", "green", "community", &[], false, "not-acted-for", "not-acted-for"),
            ("ASEAN", "green", "community", &[], false, "not-acted-for", "not-acted-for"),
            ("SG", "green", "community", &[], true, "received-from-a-peer", "received-from-a-peer"),
            ("identity--unregistered", "green", "community", &[], false, "not-acted-for", "not-acted-for"),
        ];
        let mut wrong = Vec::new();
        for &(owner, tlp_name, scope_name, recipients, received, to_hub, to_my) in cases {
            let owner =
                if owner.starts_with("identity--") { owner.to_owned() } else { format!("identity--{owner}") };
            let group = (scope_name == "group").then(|| recipients[0]);
            let recipients: Vec<String> = recipients
                .iter()
                .filter(|_| group.is_none())
                .map(|r| if r.starts_with("identity--") { r.to_string() } else { format!("identity--{r}") })
                .collect();
            let object = Outgoing {
                owner: &owner,
                tlp: tlp(tlp_name),
                scope: scope(scope_name),
                recipients: &recipients,
                group,
                received,
            };
            for (peer, hosts, want) in [("hub", &hub, to_hub), ("MY node", &my, to_my)] {
                let got = match may_leave(&object, &acts_for, hosts, &registered) {
                    Ok(()) => "ok",
                    Err(hold) => hold.as_str(),
                };
                if got != want {
                    wrong.push(format!("{owner} {tlp_name} {scope_name} {recipients:?} received={received} to {peer}: {got}, want {want}"));
                }
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    /// What the SG node (serving SG and SG-*) takes from a pull, from the hub (configured org
    /// ASEAN) or from a peer without a configured org. Per line: created_by_ref, TLP,
    /// recipients, then the verdict with and without a peer org (an owner's short name or a
    /// refusal).
    #[test]
    fn what_the_sg_node_takes_from_a_pull() {
        let registered = region();
        let hosted = HostPatterns::new(["SG", "SG-*"]);
        let asean = registered.by_short_name("ASEAN").cloned();
        let cases: &[PullCase] = &[
            (Some("MY"), "green", &[], "MY", "MY"),
            (Some("MY-BANKING"), "amber", &[], "MY-BANKING", "MY-BANKING"),
            (Some("ASEAN"), "amber+strict", &[], "ASEAN", "ASEAN"),
            (None, "green", &[], "ASEAN", "unknown-owner"),
            (Some("identity--mitre"), "clear", &[], "ASEAN", "unknown-owner"),
            (Some("SG"), "green", &[], "hosted-owner", "hosted-owner"),
            (Some("SG-BANKING"), "amber", &[], "hosted-owner", "hosted-owner"),
            (Some("MY"), "red", &["SG"], "MY", "MY"),
            (Some("MY"), "red", &["SG-BANKING", "TH"], "MY", "MY"),
            (Some("MY"), "red", &["ASEAN"], "red-not-hosted", "red-not-hosted"),
            (Some("MY"), "red", &[], "red-not-hosted", "red-not-hosted"),
            (None, "red", &["SG"], "ASEAN", "unknown-owner"),
        ];
        let mut wrong = Vec::new();
        for &(creator, tlp_name, recipients, with_org, without_org) in cases {
            let creator = creator
                .map(|c| if c.starts_with("identity--") { c.to_owned() } else { format!("identity--{c}") });
            let recipients: Vec<String> = recipients.iter().map(|r| format!("identity--{r}")).collect();
            let scope = if tlp_name == "red" { Scope::Recipients } else { Scope::Community };
            let object = Incoming {
                created_by_ref: creator.as_deref(),
                tlp: tlp(tlp_name),
                scope,
                recipients: &recipients,
                group: None,
            };
            for (peer_org, want) in [(asean.as_ref(), with_org), (None, without_org)] {
                let got = match accept_pulled(&object, peer_org, &hosted, &registered) {
                    Ok(owner) => registered.get(owner).map(|o| o.short_name.clone()).unwrap_or_default(),
                    Err(refuse) => refuse.as_str().to_owned(),
                };
                if got != want {
                    wrong.push(format!(
                        "{creator:?} {tlp_name} {recipients:?} peer org {:?}: {got}, want {want}",
                        peer_org.map(|o| &o.short_name)
                    ));
                }
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    /// A hub (serving ASEAN only) pulling from a node never stores another node's RED.
    #[test]
    fn a_hub_never_takes_another_nodes_red() {
        let registered = region();
        let hosted = HostPatterns::new(["ASEAN"]);
        let recipients = vec!["identity--MY".to_owned()];
        let object = Incoming {
            created_by_ref: Some("identity--SG"),
            tlp: Some(Tlp::Red),
            scope: Scope::Recipients,
            recipients: &recipients,
            group: None,
        };
        assert_eq!(accept_pulled(&object, None, &hosted, &registered), Err(Refuse::RedNotHosted));
    }

    /// What a node takes from a pull scoped to a group: only a group it knows, with a member it
    /// serves. Per line: the node's hosts, the group, the verdict (an owner or a refusal).
    #[test]
    fn group_objects_are_taken_only_by_a_members_node() {
        let registered = region();
        let cases: &[(&[&str], &str, &str)] = &[
            (&["MY", "MY-*"], "group-my", "SG"),
            (&["MY", "MY-*"], "group-banks", "SG"),
            (&["MY", "MY-*"], "group-asean", "group-not-hosted"),
            (&["MY", "MY-*"], "group-unknown", "group-not-hosted"),
            (&["ASEAN"], "group-asean", "SG"),
            (&["ASEAN"], "group-my", "group-not-hosted"),
            (&["ASEAN"], "group-sg", "group-not-hosted"),
        ];
        let mut wrong = Vec::new();
        for &(hosts, group, want) in cases {
            let object = Incoming {
                created_by_ref: Some("identity--SG"),
                tlp: Some(Tlp::Amber),
                scope: Scope::Group,
                recipients: &[],
                group: Some(group),
            };
            let got =
                match accept_pulled(&object, None, &HostPatterns::new(hosts.iter().copied()), &registered) {
                    Ok(owner) => registered.get(owner).map(|o| o.short_name.clone()).unwrap_or_default(),
                    Err(refuse) => refuse.as_str().to_owned(),
                };
            if got != want {
                wrong.push(format!("{hosts:?} {group}: {got}, want {want}"));
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }
}

//! `selat admin …`: organisations, users, tokens, collections, sharing groups and the audit log,
//! on the data directory (also while the server runs: SQLite serialises the writes, and audit
//! appends queue behind one another, so the chain does not fork).

use std::io::{BufRead, Write as _};
use std::process::ExitCode;

use anyhow::{Context, bail};
use selat_core::access::CollectionAccess;
use selat_core::audit::{AuditFilter, MAX_AUDIT_QUERY};
use selat_core::auth;
use selat_core::node::Node;
use selat_core::org::{OrgKind, Organisation, Principal, Role};
use selat_store::{Directory, NewCollection, Store};

use crate::DataArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Organisations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Users.
    #[command(subcommand)]
    User(UserCommand),
    /// API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// TAXII collections.
    #[command(subcommand)]
    Collection(CollectionCommand),
    /// Sharing groups: whom an object of scope `group` reaches.
    #[command(subcommand)]
    Group(GroupCommand),
    /// Federation peers: what the rounds with each did (the peers themselves are configured in
    /// the `--config` file of `selat serve` and `selat sync`).
    #[command(subcommand)]
    Peer(PeerCommand),
    /// The audit log: entries as JSON lines (oldest first), or `verify` the hash chain.
    Audit(AuditArgs),
}

#[derive(Debug, clap::Subcommand)]
enum GroupCommand {
    /// Create a sharing group owned by an organisation (always a member); prints its id.
    Add {
        name: String,
        /// The group's id, for a group that spans nodes: create it with the same id on each
        /// member's node (default: a new id).
        #[arg(long)]
        id: Option<String>,
        /// The owning organisation (short name).
        #[arg(long)]
        owner: String,
        /// A member organisation (short name); repeat for more.
        #[arg(long = "member")]
        members: Vec<String>,
        #[arg(long)]
        description: Option<String>,
    },
    /// Replace a group's members (short names); the owner stays only if listed.
    Members {
        id: String,
        #[arg(long = "member")]
        members: Vec<String>,
    },
    /// Every group: id, owner, members, name.
    List,
}

#[derive(Debug, clap::Subcommand)]
enum PeerCommand {
    /// Each peer (those of --config, and any known from earlier rounds) with its totals: name,
    /// rounds, last success, sent, received, refused, skipped, lag in ms, last error.
    List {
        /// The configuration file, to list configured peers that have not synced yet.
        #[arg(long, env = "SELAT_CONFIG")]
        config: Option<std::path::PathBuf>,
    },
    /// A peer's latest refusals with their reasons, newest first, as JSON lines.
    Refusals {
        name: String,
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Forget a peer's cursors, so its next round starts those links from the beginning (the
    /// other side ignores what it holds already): after the peer was restored from an older
    /// backup, or to take again objects refused before (an organisation since registered).
    ResetCursor {
        name: String,
        /// Only this collection's cursors (default: every collection of the peer).
        #[arg(long)]
        collection: Option<String>,
        /// Only this direction's (default: both).
        #[arg(long, value_parser = ["pull", "push"])]
        direction: Option<String>,
    },
}

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
struct AuditArgs {
    #[command(subcommand)]
    command: Option<AuditCommand>,
    /// Only entries concerning this organisation (short name).
    #[arg(long)]
    org: Option<String>,
    /// Only entries at or after this time (RFC 3339, UTC: 2026-01-31T00:00:00Z).
    #[arg(long)]
    since: Option<String>,
    /// Only entries of this operation (e.g. `auth.failure`, `admin.user.create`).
    #[arg(long)]
    operation: Option<String>,
    /// Print at most this many entries (default: all).
    #[arg(long)]
    limit: Option<usize>,
}

#[derive(Debug, clap::Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain: exit 0 if intact, 1 with the first bad batch or entry.
    Verify,
}

#[derive(Debug, clap::Subcommand)]
enum OrgCommand {
    /// Register an organisation.
    Add {
        /// Short name: `SG`, `ASEAN`, `SG-BANKING`.
        short_name: String,
        #[arg(long)]
        name: String,
        /// member-state, sector-lead, secretariat or partner.
        #[arg(long)]
        kind: String,
        /// The member state of a sector lead.
        #[arg(long)]
        parent: Option<String>,
        /// Its STIX identity id (default: a new one).
        #[arg(long)]
        identity: Option<String>,
    },
    List,
}

#[derive(Debug, clap::Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from stdin with --password-stdin, else generated and shown.
    Add {
        username: String,
        #[arg(long)]
        org: String,
        /// viewer, analyst, org-admin or hub-admin.
        #[arg(long)]
        role: String,
        #[arg(long)]
        password_stdin: bool,
    },
    List {
        #[arg(long)]
        org: Option<String>,
    },
}

#[derive(Debug, clap::Subcommand)]
enum TokenCommand {
    /// Issue a token; it is shown once.
    Issue {
        #[arg(long)]
        org: String,
        #[arg(long)]
        role: String,
        /// The user it acts for, if any.
        #[arg(long)]
        user: Option<String>,
        #[arg(long, default_value = "")]
        label: String,
        /// Days until it expires (default: never).
        #[arg(long)]
        expires_days: Option<u32>,
    },
    List {
        #[arg(long)]
        org: Option<String>,
    },
    /// Revoke a token by its id (the 16 hex digits after `selat_`).
    Revoke { id: String },
}

#[derive(Debug, clap::Subcommand)]
enum CollectionCommand {
    /// Create a collection with a fresh v4 id.
    Add {
        alias: String,
        #[arg(long)]
        title: String,
        #[arg(long)]
        description: Option<String>,
        /// The public advisory kind: anyone reads, secretariat analysts publish TLP:CLEAR only.
        #[arg(long)]
        public: bool,
    },
    List,
}

pub async fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let node = args.data.open().await?;
    let result = match &args.command {
        Command::Org(command) => org(&node, command).await,
        Command::User(command) => user(&node, command).await,
        Command::Token(command) => token(&node, command).await,
        Command::Collection(command) => collection(&node, command).await,
        Command::Group(command) => group(&node, command).await,
        Command::Peer(command) => peer(&node, command).await,
        Command::Audit(args) => return audit(&node, args).await,
    };
    // Whatever happened, what was done is in the audit log before the process exits.
    node.audit().flush().await.context("writing the audit log")?;
    result.map(|()| ExitCode::SUCCESS)
}

async fn audit(node: &Node, args: &AuditArgs) -> anyhow::Result<ExitCode> {
    if let Some(AuditCommand::Verify) = args.command {
        let report = node.audit().verify().await?;
        return Ok(match report.problem {
            None => {
                println!("audit log intact: {} entries in {} batches", report.entries, report.batches);
                println!("head hash {}", report.head_hash);
                ExitCode::SUCCESS
            }
            Some(problem) => {
                println!("audit log broken: {problem}");
                println!("intact before it: {} entries in {} batches", report.entries, report.batches);
                ExitCode::from(1)
            }
        });
    }
    let since_us = match &args.since {
        Some(text) => {
            Some(selat_stix::Timestamp::parse(text).with_context(|| format!("--since {text:?}"))?.micros)
        }
        None => None,
    };
    let mut filter = AuditFilter {
        org: args.org.clone(),
        since_us,
        operation: args.operation.clone(),
        after: None,
        limit: MAX_AUDIT_QUERY,
    };
    let mut left = args.limit.unwrap_or(usize::MAX);
    let mut out = std::io::stdout().lock();
    while left > 0 {
        filter.limit = left.min(MAX_AUDIT_QUERY);
        let page = node.audit().query(&filter).await?;
        for entry in &page.entries {
            serde_json::to_writer(&mut out, entry)?;
            writeln!(out)?;
        }
        left -= page.entries.len();
        match page.next {
            Some(next) => filter.after = Some(next),
            None => break,
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn parse_role(text: &str) -> anyhow::Result<Role> {
    Role::parse(text)
        .with_context(|| format!("unknown role {text:?}: viewer, analyst, org-admin or hub-admin"))
}

async fn org(node: &Node, command: &OrgCommand) -> anyhow::Result<()> {
    match command {
        OrgCommand::Add { short_name, name, kind, parent, identity } => {
            let kind = OrgKind::parse(kind).with_context(|| {
                format!("unknown kind {kind:?}: member-state, sector-lead, secretariat or partner")
            })?;
            let org = Organisation {
                short_name: short_name.clone(),
                name: name.clone(),
                kind,
                parent: parent.clone(),
                identity: identity.clone().unwrap_or_else(|| selat_stix::id::new_v4("identity")),
                member_since: None,
            };
            node.create_organisation(&org).await?;
            println!("{}\t{}", org.short_name, org.identity);
        }
        OrgCommand::List => {
            for org in node.organisations().await? {
                let parent = org.parent.as_deref().unwrap_or("-");
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    org.short_name,
                    org.kind.as_str(),
                    parent,
                    org.identity,
                    org.name
                );
            }
        }
    }
    Ok(())
}

async fn user(node: &Node, command: &UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add { username, org, role, password_stdin } => {
            let password = if *password_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                line.trim_end_matches(['\r', '\n']).to_owned()
            } else {
                auth::random_password()?
            };
            node.create_user(username, org, parse_role(role)?, &password).await?;
            if *password_stdin {
                println!("{username}");
            } else {
                println!("{username}\t{password}");
            }
        }
        UserCommand::List { org } => {
            for user in node.store.users(org.as_deref()).await? {
                let locked = if user.locked_until_us.is_some() { "\tlocked" } else { "" };
                println!("{}\t{}\t{}{locked}", user.username, user.org, user.role);
            }
        }
    }
    Ok(())
}

async fn token(node: &Node, command: &TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Issue { org, role, user, label, expires_days } => {
            let expires_us = expires_days
                .map(|days| selat_stix::timestamp::now_micros() + i64::from(days) * 86_400 * 1_000_000);
            let issued = node.issue_token(org, parse_role(role)?, user.as_deref(), label, expires_us).await?;
            println!("{}", issued.text);
        }
        TokenCommand::List { org } => {
            for token in node.store.tokens(org.as_deref()).await? {
                let state = if token.revoked_us.is_some() { "revoked" } else { "active" };
                println!("{}\t{}\t{}\t{state}\t{}", token.id, token.org, token.role, token.label);
            }
        }
        TokenCommand::Revoke { id } => {
            if !node.revoke_token(id).await? {
                bail!("no active token {id}");
            }
            println!("revoked {id}");
        }
    }
    Ok(())
}

async fn collection(node: &Node, command: &CollectionCommand) -> anyhow::Result<()> {
    match command {
        CollectionCommand::Add { alias, title, description, public } => {
            let new = NewCollection {
                id: uuid_v4(),
                title: title.clone(),
                description: description.clone(),
                alias: Some(alias.clone()),
                media_types: vec!["application/stix+json;version=2.1".to_owned()],
            };
            let created = node.store.create_collection(&new).await?;
            let access = if *public { CollectionAccess::PUBLIC } else { CollectionAccess::SHARED };
            node.set_collection_access(&created.id, access).await?;
            println!("{}\t{}", created.id, alias);
        }
        CollectionCommand::List => {
            for c in node.store.collections().await? {
                let access = node.collection_access(&c.id).await?;
                let kind = if access.public { "public" } else { "members" };
                println!("{}\t{}\t{kind}\t{}", c.id, c.alias.as_deref().unwrap_or("-"), c.title);
            }
        }
    }
    Ok(())
}

async fn group(node: &Node, command: &GroupCommand) -> anyhow::Result<()> {
    let identities = |shorts: &[String]| {
        let shorts = shorts.to_vec();
        async move {
            let mut out = Vec::new();
            for short in &shorts {
                let org =
                    node.organisation(short).await?.with_context(|| format!("no organisation {short:?}"))?;
                out.push(org.identity);
            }
            anyhow::Ok(out)
        }
    };
    // The operator acts with the authority of the owner's org-admin (or a hub-admin).
    let acting = |org: Organisation, role: Role| Principal { org, role, username: None, token_id: None };
    match command {
        GroupCommand::Add { name, id, owner, members, description } => {
            let owner =
                node.organisation(owner).await?.with_context(|| format!("no organisation {owner:?}"))?;
            let members = identities(members).await?;
            let group = node
                .create_sharing_group(
                    &acting(owner, Role::OrgAdmin),
                    id.as_deref(),
                    name,
                    description.as_deref(),
                    &members,
                )
                .await?;
            println!("{}", group.id);
        }
        GroupCommand::Members { id, members } => {
            let members = identities(members).await?;
            let any_org = node.organisations().await?.into_iter().next().context("no organisations")?;
            let group =
                node.set_sharing_group_members(&acting(any_org, Role::HubAdmin), id, &members).await?;
            println!("{}\t{} members", group.id, group.members.len());
        }
        GroupCommand::List => {
            let names: std::collections::HashMap<String, String> =
                node.organisations().await?.into_iter().map(|o| (o.identity, o.short_name)).collect();
            let short = |identity: &String| names.get(identity).cloned().unwrap_or_else(|| identity.clone());
            for group in node.sharing_groups().await? {
                let members: Vec<String> = group.members.iter().map(short).collect();
                println!("{}\t{}\t{}\t{}", group.id, short(&group.owner), members.join(","), group.name);
            }
        }
    }
    Ok(())
}

async fn peer(node: &Node, command: &PeerCommand) -> anyhow::Result<()> {
    match command {
        PeerCommand::List { config } => {
            if let Some(path) = config {
                let file = crate::serve::read_config(Some(path))?;
                if let Some(federation) = crate::serve::federation_config(&file, None)? {
                    node.federation().set_config(federation);
                }
            }
            println!("peer\trounds\tlast success\tsent\treceived\trefused\tskipped\tlag ms\tlast error");
            let dash = || "-".to_owned();
            for p in node.peer_records().await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    p.name,
                    p.rounds,
                    p.last_success.unwrap_or_else(dash),
                    p.sent,
                    p.received,
                    p.refused,
                    p.skipped,
                    p.lag_ms.map_or_else(dash, |l| l.to_string()),
                    p.last_error.unwrap_or_else(dash)
                );
            }
        }
        PeerCommand::Refusals { name, limit } => {
            use selat_store::Federation as _;
            for r in node.store.peer_refusals(name, *limit).await? {
                let line = serde_json::json!({
                    "at": selat_stix::Timestamp { micros: r.at_us, fraction_digits: 6 }.format(6),
                    "direction": r.direction, "object_id": r.object_id, "version": r.version, "reason": r.reason
                });
                println!("{line}");
            }
        }
        PeerCommand::ResetCursor { name, collection, direction } => {
            let direction = direction.as_deref().and_then(selat_store::Direction::parse);
            let forgotten = node.reset_peer_cursors(name, collection.as_deref(), direction).await?;
            if forgotten == 0 {
                anyhow::bail!("peer {name:?} has no such cursor (no round saved one yet, or a typo)");
            }
            println!(
                "{forgotten} cursors of peer {name} forgotten: the next round starts from the beginning"
            );
        }
    }
    Ok(())
}

fn uuid_v4() -> String {
    selat_stix::id::new_v4("x").trim_start_matches("x--").to_owned()
}

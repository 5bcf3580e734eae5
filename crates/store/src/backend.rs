//! [`Backend`]: one store type for a node, whichever database it runs on.
//!
//! [`Store`] and [`Directory`] are not object-safe (their methods return `impl Future`), so a node
//! that picks its database at run time holds this enum, and every call is one `match` away from
//! the backend's own method. Clones are cheap: each variant shares its pools.

use std::path::Path;

use crate::audit::{AuditBatchRow, AuditLog, AuditQuery, AuditRow, NewAuditEntry, Seal};
use crate::directory::{Directory, OrganisationRow, SharingGroupRow, StatusRow, TokenRow, UserRow};
use crate::error::Result;
use crate::federation::{Direction, OriginRow, PeerCursorRow, PeerRefusalRow, PeerRoundRow, PeerStateRow};
use crate::migration::AppliedMigration;
use crate::model::{
    ActivityQuery, ActivityRow, Audience, Collection, Counts, ManifestEntry, NewCollection, NewVersion,
    ObjectEntry, ObservableHit, ObservableQuery, Outcome, Page, PageQuery, ScanPage, ScanQuery,
    StoredVersion,
};
use crate::postgres::PgStore;
use crate::sqlite::SqliteStore;
use crate::store::Store;

/// The store of a node: the embedded SQLite file, or a PostgreSQL database.
#[derive(Debug, Clone)]
pub enum Backend {
    /// One SQLite file in the data directory (the default).
    Sqlite(SqliteStore),
    /// A PostgreSQL database (`database = "postgres://…"`).
    Postgres(PgStore),
}

/// Whether `database` names a PostgreSQL database (`postgres://` or `postgresql://`).
pub fn is_postgres_url(database: &str) -> bool {
    database.starts_with("postgres://") || database.starts_with("postgresql://")
}

impl Backend {
    /// Opens the SQLite store at `path`, creating it and applying pending migrations.
    pub async fn open_sqlite(path: impl AsRef<Path>) -> Result<Self> {
        Ok(Backend::Sqlite(SqliteStore::open(path).await?))
    }

    /// Connects to the PostgreSQL database at `url` and applies pending migrations.
    pub async fn connect_postgres(url: &str) -> Result<Self> {
        Ok(Backend::Postgres(PgStore::connect(url).await?))
    }

    /// `sqlite` or `postgres`, for logs and reports.
    pub fn kind(&self) -> &'static str {
        match self {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// The schema migrations applied when the store was opened.
    pub fn applied_migrations(&self) -> &[AppliedMigration] {
        match self {
            Backend::Sqlite(s) => s.applied_migrations(),
            Backend::Postgres(s) => s.applied_migrations(),
        }
    }

    /// Closes the backend's pools, waiting for connections in use.
    pub async fn close(&self) {
        match self {
            Backend::Sqlite(s) => s.close().await,
            Backend::Postgres(s) => s.close().await,
        }
    }
}

impl From<SqliteStore> for Backend {
    fn from(store: SqliteStore) -> Self {
        Backend::Sqlite(store)
    }
}

impl From<PgStore> for Backend {
    fn from(store: PgStore) -> Self {
        Backend::Postgres(store)
    }
}

/// `delegate!(self, method(args…))`: the same call on whichever backend this is.
macro_rules! delegate {
    ($self:ident, $method:ident($($arg:expr),*)) => {
        match $self {
            Backend::Sqlite(s) => s.$method($($arg),*).await,
            Backend::Postgres(s) => s.$method($($arg),*).await,
        }
    };
}

impl Store for Backend {
    async fn create_collection(&self, new: &NewCollection) -> Result<Collection> {
        delegate!(self, create_collection(new))
    }

    async fn collection(&self, id: &str) -> Result<Option<Collection>> {
        delegate!(self, collection(id))
    }

    async fn collections(&self) -> Result<Vec<Collection>> {
        delegate!(self, collections())
    }

    async fn ingest(&self, batch: &[NewVersion], collection: Option<&str>) -> Result<Vec<Outcome>> {
        delegate!(self, ingest(batch, collection))
    }

    async fn objects_page(&self, query: &PageQuery) -> Result<Page<ObjectEntry>> {
        delegate!(self, objects_page(query))
    }

    async fn manifest_page(&self, query: &PageQuery) -> Result<Page<ManifestEntry>> {
        delegate!(self, manifest_page(query))
    }

    async fn versions_page(&self, query: &PageQuery) -> Result<Page<ManifestEntry>> {
        delegate!(self, versions_page(query))
    }

    async fn remove_object(&self, collection: &str, id: &str, owner: Option<&str>) -> Result<u64> {
        delegate!(self, remove_object(collection, id, owner))
    }

    async fn scan(&self, query: &ScanQuery) -> Result<ScanPage> {
        delegate!(self, scan(query))
    }

    async fn counts(&self, collection: Option<&str>) -> Result<Counts> {
        delegate!(self, counts(collection))
    }

    async fn observable_holders(&self, query: &ObservableQuery) -> Result<Vec<ObservableHit>> {
        delegate!(self, observable_holders(query))
    }

    async fn latest_versions(&self, id: &str, audience: &Audience) -> Result<Vec<StoredVersion>> {
        delegate!(self, latest_versions(id, audience))
    }

    async fn activity(&self, query: &ActivityQuery) -> Result<Vec<ActivityRow>> {
        delegate!(self, activity(query))
    }
}

impl Directory for Backend {
    async fn create_organisation(&self, org: &OrganisationRow) -> Result<()> {
        delegate!(self, create_organisation(org))
    }

    async fn organisation(&self, short_name: &str) -> Result<Option<OrganisationRow>> {
        delegate!(self, organisation(short_name))
    }

    async fn organisations(&self) -> Result<Vec<OrganisationRow>> {
        delegate!(self, organisations())
    }

    async fn create_user(&self, user: &UserRow) -> Result<()> {
        delegate!(self, create_user(user))
    }

    async fn user(&self, username: &str) -> Result<Option<UserRow>> {
        delegate!(self, user(username))
    }

    async fn users(&self, org: Option<&str>) -> Result<Vec<UserRow>> {
        delegate!(self, users(org))
    }

    async fn record_login(&self, username: &str, success: bool, locked_until_us: Option<i64>) -> Result<()> {
        delegate!(self, record_login(username, success, locked_until_us))
    }

    async fn set_password(&self, username: &str, password_hash: &str) -> Result<bool> {
        delegate!(self, set_password(username, password_hash))
    }

    async fn set_totp_secret(&self, username: &str, secret: Option<&str>) -> Result<bool> {
        delegate!(self, set_totp_secret(username, secret))
    }

    async fn create_token(&self, token: &TokenRow) -> Result<()> {
        delegate!(self, create_token(token))
    }

    async fn token(&self, id: &str) -> Result<Option<TokenRow>> {
        delegate!(self, token(id))
    }

    async fn tokens(&self, org: Option<&str>) -> Result<Vec<TokenRow>> {
        delegate!(self, tokens(org))
    }

    async fn revoke_token(&self, id: &str, now_us: i64) -> Result<bool> {
        delegate!(self, revoke_token(id, now_us))
    }

    async fn create_status(&self, status: &StatusRow) -> Result<()> {
        delegate!(self, create_status(status))
    }

    async fn status(&self, id: &str) -> Result<Option<StatusRow>> {
        delegate!(self, status(id))
    }

    async fn pending_statuses(&self) -> Result<Vec<StatusRow>> {
        delegate!(self, pending_statuses())
    }

    async fn update_status(&self, id: &str, resource: &str, complete: bool, now_us: i64) -> Result<()> {
        delegate!(self, update_status(id, resource, complete, now_us))
    }

    async fn purge_statuses(&self, before_us: i64) -> Result<u64> {
        delegate!(self, purge_statuses(before_us))
    }

    async fn setting(&self, key: &str) -> Result<Option<Vec<u8>>> {
        delegate!(self, setting(key))
    }

    async fn settings(&self) -> Result<Vec<(String, Vec<u8>)>> {
        delegate!(self, settings())
    }

    async fn create_sharing_group(&self, group: &SharingGroupRow) -> Result<()> {
        delegate!(self, create_sharing_group(group))
    }

    async fn sharing_group(&self, id: &str) -> Result<Option<SharingGroupRow>> {
        delegate!(self, sharing_group(id))
    }

    async fn sharing_groups(&self) -> Result<Vec<SharingGroupRow>> {
        delegate!(self, sharing_groups())
    }

    async fn set_sharing_group_members(&self, id: &str, members: &[String], now_us: i64) -> Result<bool> {
        delegate!(self, set_sharing_group_members(id, members, now_us))
    }

    async fn sharing_groups_of(&self, member: &str) -> Result<Vec<String>> {
        delegate!(self, sharing_groups_of(member))
    }

    async fn setting_or_insert(&self, key: &str, value: &[u8]) -> Result<Vec<u8>> {
        delegate!(self, setting_or_insert(key, value))
    }
}

impl AuditLog for Backend {
    async fn append_audit(&self, entries: Vec<NewAuditEntry>, seal: Seal) -> Result<AuditBatchRow> {
        delegate!(self, append_audit(entries, seal))
    }

    async fn audit_entries(&self, query: &AuditQuery) -> Result<Vec<AuditRow>> {
        delegate!(self, audit_entries(query))
    }

    async fn audit_range(&self, first_seq: i64, last_seq: i64) -> Result<Vec<AuditRow>> {
        delegate!(self, audit_range(first_seq, last_seq))
    }

    async fn audit_batches(&self, after: i64, limit: usize) -> Result<Vec<AuditBatchRow>> {
        delegate!(self, audit_batches(after, limit))
    }

    async fn audit_extent(&self) -> Result<(i64, i64)> {
        delegate!(self, audit_extent())
    }
}

impl crate::federation::Federation for Backend {
    async fn peer_cursor(
        &self,
        peer: &str,
        collection_id: &str,
        direction: Direction,
    ) -> Result<Option<i64>> {
        delegate!(self, peer_cursor(peer, collection_id, direction))
    }

    async fn set_peer_cursor(
        &self,
        peer: &str,
        collection_id: &str,
        direction: Direction,
        cursor_us: i64,
        now_us: i64,
    ) -> Result<()> {
        delegate!(self, set_peer_cursor(peer, collection_id, direction, cursor_us, now_us))
    }

    async fn forget_peer_cursors(
        &self,
        peer: &str,
        collection_id: Option<&str>,
        direction: Option<Direction>,
    ) -> Result<u64> {
        delegate!(self, forget_peer_cursors(peer, collection_id, direction))
    }

    async fn peer_cursors(&self) -> Result<Vec<PeerCursorRow>> {
        delegate!(self, peer_cursors())
    }

    async fn record_peer_round(&self, round: &PeerRoundRow) -> Result<()> {
        delegate!(self, record_peer_round(round))
    }

    async fn peer_states(&self) -> Result<Vec<PeerStateRow>> {
        delegate!(self, peer_states())
    }

    async fn peer_refusals(&self, peer: &str, limit: usize) -> Result<Vec<PeerRefusalRow>> {
        delegate!(self, peer_refusals(peer, limit))
    }

    async fn record_origins(&self, rows: &[OriginRow]) -> Result<()> {
        delegate!(self, record_origins(rows))
    }

    async fn origins(&self, id: &str) -> Result<Vec<OriginRow>> {
        delegate!(self, origins(id))
    }
}

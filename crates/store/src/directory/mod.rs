//! The node's directory: organisations, users, API tokens, TAXII status resources (with the
//! request bodies they stand for) and node settings.
//!
//! Row types only: the domain meaning of kinds and roles lives in `selat-core`, which maps these
//! strings to its enums. Kept as its own trait so a backend can grow it separately from [`Store`].
//!
//! [`Store`]: crate::Store

use std::future::Future;

use crate::error::Result;

/// An organisation row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OrganisationRow {
    /// Short name, unique: `SG`, `ASEAN`, `SG-BANKING`.
    pub short_name: String,
    pub name: String,
    /// `member-state`, `sector-lead`, `secretariat` or `partner`.
    pub kind: String,
    /// Short name of the member state a sector lead belongs to.
    pub parent: Option<String>,
    /// The organisation's STIX `identity` id.
    pub identity: String,
    /// ISO date of joining (member states).
    pub member_since: Option<String>,
    pub created_us: i64,
}

/// A user row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UserRow {
    pub username: String,
    pub org: String,
    /// `viewer`, `analyst`, `org-admin` or `hub-admin`.
    pub role: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub failed_logins: i64,
    pub locked_until_us: Option<i64>,
    pub totp_secret: Option<String>,
    pub created_us: i64,
    pub disabled: bool,
}

/// An API token row. The secret itself is never stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TokenRow {
    /// The public part of the token, 16 hex digits.
    pub id: String,
    pub org: String,
    pub role: String,
    /// The user it was issued to, if any.
    pub username: Option<String>,
    pub label: String,
    pub secret_sha256: Vec<u8>,
    pub created_us: i64,
    pub expires_us: Option<i64>,
    pub revoked_us: Option<i64>,
}

/// A TAXII status resource and, while it is pending, the request body it stands for.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StatusRow {
    pub id: String,
    pub collection_id: String,
    /// Short name of the organisation that posted.
    pub owner: String,
    pub request_us: i64,
    pub updated_us: i64,
    pub complete: bool,
    /// The status resource JSON as last written.
    pub resource: String,
    /// The request body; `None` once the objects are stored.
    pub request: Option<Vec<u8>>,
}

/// A sharing group (`x-selat-sharing-group`): the organisations an object of scope `group`
/// reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharingGroupRow {
    /// `x-selat-sharing-group--<uuid>`.
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// Identity of the owning organisation, whose org-admins manage it.
    pub owner: String,
    /// Identities of the member organisations, sorted.
    pub members: Vec<String>,
    pub created_us: i64,
    pub modified_us: i64,
}

/// Organisations, users, tokens, statuses and settings.
pub trait Directory: Send + Sync {
    /// Adds an organisation; fails if the short name or identity is taken.
    fn create_organisation(&self, org: &OrganisationRow) -> impl Future<Output = Result<()>> + Send;
    fn organisation(&self, short_name: &str) -> impl Future<Output = Result<Option<OrganisationRow>>> + Send;
    fn organisations(&self) -> impl Future<Output = Result<Vec<OrganisationRow>>> + Send;

    /// Adds a user; fails if the username is taken.
    fn create_user(&self, user: &UserRow) -> impl Future<Output = Result<()>> + Send;
    fn user(&self, username: &str) -> impl Future<Output = Result<Option<UserRow>>> + Send;
    /// Users of one organisation, or all.
    fn users(&self, org: Option<&str>) -> impl Future<Output = Result<Vec<UserRow>>> + Send;
    /// Records a login attempt's result: a success resets the failure count; a failure increments
    /// it and sets `locked_until_us` when given.
    fn record_login(
        &self,
        username: &str,
        success: bool,
        locked_until_us: Option<i64>,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Replaces a user's password hash and clears any lock-out.
    fn set_password(&self, username: &str, password_hash: &str) -> impl Future<Output = Result<bool>> + Send;
    /// Sets (enrols) or clears a user's TOTP secret (base32); false if there is no such user.
    fn set_totp_secret(
        &self,
        username: &str,
        secret: Option<&str>,
    ) -> impl Future<Output = Result<bool>> + Send;

    fn create_token(&self, token: &TokenRow) -> impl Future<Output = Result<()>> + Send;
    fn token(&self, id: &str) -> impl Future<Output = Result<Option<TokenRow>>> + Send;
    /// Tokens of one organisation, or all.
    fn tokens(&self, org: Option<&str>) -> impl Future<Output = Result<Vec<TokenRow>>> + Send;
    /// Revokes a token; false if there is no such token or it was already revoked.
    fn revoke_token(&self, id: &str, now_us: i64) -> impl Future<Output = Result<bool>> + Send;

    /// Stores a new status with its request body, durably, before the POST is acknowledged.
    fn create_status(&self, status: &StatusRow) -> impl Future<Output = Result<()>> + Send;
    fn status(&self, id: &str) -> impl Future<Output = Result<Option<StatusRow>>> + Send;
    /// Statuses still pending (with their bodies), oldest first: the work a restart resumes.
    fn pending_statuses(&self) -> impl Future<Output = Result<Vec<StatusRow>>> + Send;
    /// Writes a status resource; when `complete`, drops the request body.
    fn update_status(
        &self,
        id: &str,
        resource: &str,
        complete: bool,
        now_us: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Deletes completed statuses last updated before `before_us`; returns how many.
    fn purge_statuses(&self, before_us: i64) -> impl Future<Output = Result<u64>> + Send;

    /// Adds a sharing group with its members; fails if the id is taken.
    fn create_sharing_group(&self, group: &SharingGroupRow) -> impl Future<Output = Result<()>> + Send;
    fn sharing_group(&self, id: &str) -> impl Future<Output = Result<Option<SharingGroupRow>>> + Send;
    /// Every sharing group, by name.
    fn sharing_groups(&self) -> impl Future<Output = Result<Vec<SharingGroupRow>>> + Send;
    /// Replaces a group's members (one transaction); false if there is no such group.
    fn set_sharing_group_members(
        &self,
        id: &str,
        members: &[String],
        now_us: i64,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Ids of the groups `member` (an identity) belongs to, sorted.
    fn sharing_groups_of(&self, member: &str) -> impl Future<Output = Result<Vec<String>>> + Send;

    fn setting(&self, key: &str) -> impl Future<Output = Result<Option<Vec<u8>>>> + Send;
    /// Every setting, by key (what `selat copy` carries to another store).
    fn settings(&self) -> impl Future<Output = Result<Vec<(String, Vec<u8>)>>> + Send;
    /// Stores `value` under `key` unless a value is there; returns the value in force.
    fn setting_or_insert(&self, key: &str, value: &[u8]) -> impl Future<Output = Result<Vec<u8>>> + Send;
}

//! Organisations, users and API tokens on a node, and authenticating requests against them.

use selat_stix::timestamp::now_micros;
use selat_store::{Directory, OrganisationRow, TokenRow, UserRow};

use crate::audit::AuditEntry;
use crate::auth::{self, CredentialError, IssuedToken};
use crate::node::Node;
use crate::org::{OrgKind, Organisation, Principal, Role};

/// Failed logins in a row that lock an account, by default.
pub const DEFAULT_MAX_FAILED_LOGINS: u32 = 5;
/// Characters of a claimed username kept in an `auth.failure` entry.
const MAX_AUDITED_USERNAME_CHARS: usize = 64;
/// How long a locked account stays locked, by default.
pub const DEFAULT_LOCKOUT_SECS: u64 = 15 * 60;

/// When repeated failures lock an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginPolicy {
    pub max_failed_logins: u32,
    pub lockout_secs: u64,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        Self { max_failed_logins: DEFAULT_MAX_FAILED_LOGINS, lockout_secs: DEFAULT_LOCKOUT_SECS }
    }
}

/// Why authentication failed. The HTTP layer answers all of these with the same 401, so a caller
/// learns nothing about which accounts exist; the variants are for logs and the audit trail.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Unknown user or token, wrong password or secret, or a malformed credential.
    #[error("invalid credentials")]
    Invalid,
    /// The token's expiry has passed.
    #[error("token expired")]
    Expired,
    /// The token was revoked.
    #[error("token revoked")]
    Revoked,
    /// Too many failed logins; try again after the lock-out.
    #[error("account locked until {until_us}")]
    Locked { until_us: i64 },
    /// The account is disabled by an administrator.
    #[error("account disabled")]
    Disabled,
    /// The user enrolled a second factor: a password alone (HTTP Basic) does not sign in; the
    /// web login asks for the code, the API takes tokens.
    #[error("second factor required")]
    SecondFactorRequired,
    #[error("store: {0}")]
    Store(#[from] selat_store::Error),
}

/// A web login after its password: done, or waiting for the user's TOTP code.
#[derive(Debug, Clone)]
pub enum FirstFactor {
    Done(Principal),
    NeedsCode(Principal),
}

/// Why an account operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// A short name, username or identity is already taken, or a reference does not resolve.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Credential(#[from] CredentialError),
    /// The acting administrator may not do this (another organisation, or a role above its own).
    #[error("{0}")]
    Forbidden(String),
    #[error("store: {0}")]
    Store(#[from] selat_store::Error),
}

/// Whether `by` may administer organisation `org` and grant `role` there: a hub-admin anywhere,
/// an org-admin in its own organisation, and never a role above the administrator's own.
pub fn may_administer(by: &Principal, org: &str, role: Option<Role>) -> Result<(), AccountError> {
    if !by.at_least(Role::OrgAdmin) {
        return Err(AccountError::Forbidden("administration is for org-admins and hub-admins".into()));
    }
    if !by.at_least(Role::HubAdmin) && by.org.short_name != org {
        return Err(AccountError::Forbidden(format!(
            "an org-admin of {} administers {} only, not {org}",
            by.org.short_name, by.org.short_name
        )));
    }
    if let Some(role) = role.filter(|&r| r > by.role) {
        return Err(AccountError::Forbidden(format!("a {} cannot grant the role {role}", by.role)));
    }
    Ok(())
}

impl Node {
    /// Registers an organisation. A sector lead must name an existing member state as parent.
    pub async fn create_organisation(&self, org: &Organisation) -> Result<(), AccountError> {
        let short_ok = !org.short_name.is_empty()
            && org.short_name.len() <= 64
            && org.short_name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !short_ok {
            return Err(AccountError::Invalid(format!("invalid short name {:?}", org.short_name)));
        }
        if selat_stix::Identifier::parse(&org.identity).map(|i| i.object_type) != Ok("identity") {
            return Err(AccountError::Invalid(format!("{:?} is not an identity id", org.identity)));
        }
        match (org.kind, &org.parent) {
            (OrgKind::SectorLead, Some(parent)) => {
                let parent_kind = self.organisation(parent).await?.map(|p| p.kind);
                if parent_kind != Some(OrgKind::MemberState) {
                    return Err(AccountError::Invalid(format!("parent {parent:?} is not a member state")));
                }
            }
            (OrgKind::SectorLead, None) => {
                return Err(AccountError::Invalid("a sector lead needs a parent member state".into()));
            }
            (_, Some(_)) => return Err(AccountError::Invalid("only a sector lead has a parent".into())),
            (_, None) => {}
        }
        if self.organisation(&org.short_name).await?.is_some() {
            return Err(AccountError::Invalid(format!("organisation {} exists", org.short_name)));
        }
        let row = OrganisationRow {
            short_name: org.short_name.clone(),
            name: org.name.clone(),
            kind: org.kind.as_str().to_owned(),
            parent: org.parent.clone(),
            identity: org.identity.clone(),
            member_since: org.member_since.clone(),
            created_us: now_micros(),
        };
        self.store.create_organisation(&row).await?;
        let detail = format!("{} ({}) {}", org.short_name, org.kind.as_str(), org.identity);
        let entry = AuditEntry::admin(None, "admin.org.create", detail, Some(&org.short_name));
        self.audit().record(entry).await;
        Ok(())
    }

    pub async fn organisation(&self, short_name: &str) -> Result<Option<Organisation>, selat_store::Error> {
        Ok(self.store.organisation(short_name).await?.and_then(Organisation::from_row))
    }

    pub async fn organisations(&self) -> Result<Vec<Organisation>, selat_store::Error> {
        Ok(self.store.organisations().await?.into_iter().filter_map(Organisation::from_row).collect())
    }

    /// The organisation whose STIX identity is `identity`.
    pub async fn organisation_by_identity(
        &self,
        identity: &str,
    ) -> Result<Option<Organisation>, selat_store::Error> {
        Ok(self.organisations().await?.into_iter().find(|o| o.identity == identity))
    }

    /// Adds a user with a password (hashed with Argon2id).
    pub async fn create_user(
        &self,
        username: &str,
        org: &str,
        role: Role,
        password: &str,
    ) -> Result<(), AccountError> {
        let name_ok = (1..=64).contains(&username.len())
            && username.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.@".contains(&b));
        if !name_ok {
            return Err(AccountError::Invalid(format!("invalid username {username:?}")));
        }
        let organisation = self
            .organisation(org)
            .await?
            .ok_or_else(|| AccountError::Invalid(format!("no organisation {org}")))?;
        if role == Role::HubAdmin && organisation.kind != OrgKind::Secretariat {
            return Err(AccountError::Invalid("only the secretariat has hub-admins".into()));
        }
        if self.store.user(username).await?.is_some() {
            return Err(AccountError::Invalid(format!("user {username} exists")));
        }
        let row = UserRow {
            username: username.to_owned(),
            org: org.to_owned(),
            role: role.as_str().to_owned(),
            password_hash: auth::hash_password(password)?,
            failed_logins: 0,
            locked_until_us: None,
            totp_secret: None,
            created_us: now_micros(),
            disabled: false,
        };
        self.store.create_user(&row).await?;
        let detail = format!("{username} {org} {role}");
        self.audit().record(AuditEntry::admin(None, "admin.user.create", detail, Some(org))).await;
        Ok(())
    }

    /// Issues an API token for an organisation (optionally on behalf of a user), shown once.
    pub async fn issue_token(
        &self,
        org: &str,
        role: Role,
        username: Option<&str>,
        label: &str,
        expires_us: Option<i64>,
    ) -> Result<IssuedToken, AccountError> {
        let organisation = self
            .organisation(org)
            .await?
            .ok_or_else(|| AccountError::Invalid(format!("no organisation {org}")))?;
        if role == Role::HubAdmin && organisation.kind != OrgKind::Secretariat {
            return Err(AccountError::Invalid("only the secretariat has hub-admins".into()));
        }
        let issued = auth::issue_token()?;
        let row = TokenRow {
            id: issued.id.clone(),
            org: org.to_owned(),
            role: role.as_str().to_owned(),
            username: username.map(str::to_owned),
            label: label.to_owned(),
            secret_sha256: issued.secret_sha256.to_vec(),
            created_us: now_micros(),
            expires_us,
            revoked_us: None,
        };
        self.store.create_token(&row).await?;
        let user = username.map(|u| format!(" user {u}")).unwrap_or_default();
        let detail = format!("token {} {org} {role}{user} label {label:?}", issued.id);
        self.audit().record(AuditEntry::admin(None, "admin.token.issue", detail, Some(org))).await;
        Ok(issued)
    }

    /// The principal a bearer token stands for. A failure is audited (`auth.failure`, with the
    /// token id but never its secret).
    pub async fn authenticate_token(&self, text: &str) -> Result<Principal, AuthError> {
        let result = self.check_token(text).await;
        if let Err(e) = &result
            && !matches!(e, AuthError::Store(_))
        {
            let id = auth::parse_token(text).map(|(id, _)| id.to_owned());
            let org = match &id {
                Some(id) => self.store.token(id).await.ok().flatten().map(|row| row.org),
                None => None,
            };
            let who = id.map_or_else(|| "malformed token".to_owned(), |id| format!("token {id}"));
            self.audit().record(AuditEntry::auth_failure(&who, &e.to_string(), org.as_deref())).await;
        }
        result
    }

    async fn check_token(&self, text: &str) -> Result<Principal, AuthError> {
        let (id, secret_sha256) = auth::parse_token(text).ok_or(AuthError::Invalid)?;
        let row = self.store.token(id).await?.ok_or(AuthError::Invalid)?;
        if !auth::hashes_equal(&row.secret_sha256, &secret_sha256) {
            return Err(AuthError::Invalid);
        }
        if row.revoked_us.is_some() {
            return Err(AuthError::Revoked);
        }
        if row.expires_us.is_some_and(|e| e <= now_micros()) {
            return Err(AuthError::Expired);
        }
        let org = self.organisation(&row.org).await?.ok_or(AuthError::Invalid)?;
        let role = Role::parse(&row.role).ok_or(AuthError::Invalid)?;
        Ok(Principal { org, role, username: row.username, token_id: Some(row.id) })
    }

    /// The principal a username and password stand for, counting failures towards a lock-out. A
    /// failure is audited (`auth.failure`, with the username but never the password).
    pub async fn authenticate_password(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Principal, AuthError> {
        let result = self.check_password(username, password).await;
        if let Err(e) = &result {
            self.audit_login_failure(username, e).await;
        }
        result
    }

    async fn check_password(&self, username: &str, password: &str) -> Result<Principal, AuthError> {
        let (principal, totp) = self.check_first_factor(username, password).await?;
        match totp {
            Some(_) => Err(AuthError::SecondFactorRequired),
            None => Ok(principal),
        }
    }

    /// A web login's first step: the principal a username and password stand for, and whether a
    /// TOTP code must follow ([`Node::check_second_factor`]). Failures count towards the lock-out
    /// and are audited, as for [`Node::authenticate_password`].
    pub async fn login_password(&self, username: &str, password: &str) -> Result<FirstFactor, AuthError> {
        let result = self.check_first_factor(username, password).await;
        if let Err(e) = &result {
            self.audit_login_failure(username, e).await;
        }
        let (principal, totp) = result?;
        Ok(match totp {
            Some(_) => FirstFactor::NeedsCode(principal),
            None => FirstFactor::Done(principal),
        })
    }

    /// A web login's second step: the user's current TOTP code. A wrong code counts towards the
    /// lock-out like a wrong password; a code is good once (a step at or before the last one
    /// accepted is refused).
    pub async fn check_second_factor(&self, username: &str, code: &str) -> Result<(), AuthError> {
        let result = self.verify_totp(username, code).await;
        if let Err(e) = &result {
            self.audit_login_failure(username, e).await;
        }
        result
    }

    async fn verify_totp(&self, username: &str, code: &str) -> Result<(), AuthError> {
        let user = self.store.user(username).await?.ok_or(AuthError::Invalid)?;
        let now = now_micros();
        if let Some(until_us) = user.locked_until_us.filter(|&u| u > now) {
            return Err(AuthError::Locked { until_us });
        }
        let secret = user.totp_secret.as_deref().ok_or(AuthError::Invalid)?;
        let unix_secs = u64::try_from(now / 1_000_000).unwrap_or(0);
        let step = crate::totp::matching_step(secret, code, unix_secs);
        let fresh = step.filter(|&step| {
            let mut last = self.totp_steps.lock().unwrap_or_else(|e| e.into_inner());
            let fresh = last.get(username).is_none_or(|&seen| step > seen);
            if fresh {
                last.insert(username.to_owned(), step);
            }
            fresh
        });
        if fresh.is_none() {
            self.store
                .record_login(username, false, self.lock_after_failure(user.failed_logins, now))
                .await?;
            return Err(AuthError::Invalid);
        }
        if user.failed_logins > 0 {
            self.store.record_login(username, true, None).await?;
        }
        Ok(())
    }

    /// Enrols `secret` (from [`crate::totp::new_secret`]) as the user's second factor once `code`
    /// shows their app holds it; false when the code does not match.
    pub async fn enrol_totp(&self, username: &str, secret: &str, code: &str) -> Result<bool, AccountError> {
        let unix_secs = u64::try_from(now_micros() / 1_000_000).unwrap_or(0);
        let Some(step) = crate::totp::matching_step(secret, code, unix_secs) else {
            return Ok(false);
        };
        if !self.store.set_totp_secret(username, Some(secret)).await? {
            return Ok(false);
        }
        self.totp_steps.lock().unwrap_or_else(|e| e.into_inner()).insert(username.to_owned(), step);
        let org = self.store.user(username).await?.map(|row| row.org);
        let entry = AuditEntry::admin(None, "user.totp.enrol", username.to_owned(), org.as_deref());
        self.audit().record(entry).await;
        Ok(true)
    }

    /// Whether the user enrolled a second factor.
    pub async fn has_totp(&self, username: &str) -> Result<bool, selat_store::Error> {
        Ok(self.store.user(username).await?.is_some_and(|u| u.totp_secret.is_some()))
    }

    /// Removes the user's second factor; false if there is no such user.
    pub async fn remove_totp(&self, username: &str) -> Result<bool, AccountError> {
        let done = self.store.set_totp_secret(username, None).await?;
        if done {
            let org = self.store.user(username).await?.map(|row| row.org);
            let entry = AuditEntry::admin(None, "user.totp.remove", username.to_owned(), org.as_deref());
            self.audit().record(entry).await;
        }
        Ok(done)
    }

    /// The lock to set after one more failure on top of `failed_logins`, per the login policy.
    fn lock_after_failure(&self, failed_logins: i64, now: i64) -> Option<i64> {
        let policy = self.login_policy();
        (failed_logins + 1 >= i64::from(policy.max_failed_logins))
            .then(|| now + i64::try_from(policy.lockout_secs).unwrap_or(i64::MAX / 2) * 1_000_000)
    }

    async fn audit_login_failure(&self, username: &str, e: &AuthError) {
        if matches!(e, AuthError::Store(_)) {
            return;
        }
        let org = self.store.user(username).await.ok().flatten().map(|row| row.org);
        // The claimed name is the caller's text: bounded, so a flood cannot bloat the log.
        let shown: String = username.chars().take(MAX_AUDITED_USERNAME_CHARS).collect();
        let entry = AuditEntry::auth_failure(&format!("user {shown:?}"), &e.to_string(), org.as_deref());
        self.audit().record(entry).await;
    }

    /// The password check, counting failures towards a lock-out: the principal and the user's TOTP
    /// secret, if enrolled.
    async fn check_first_factor(
        &self,
        username: &str,
        password: &str,
    ) -> Result<(Principal, Option<String>), AuthError> {
        let Some(user) = self.store.user(username).await? else {
            // Spend the same time as a real check, so response times do not reveal usernames.
            verify_off_runtime(DUMMY_HASH.to_owned(), password).await;
            return Err(AuthError::Invalid);
        };
        let now = now_micros();
        if let Some(until_us) = user.locked_until_us.filter(|&u| u > now) {
            return Err(AuthError::Locked { until_us });
        }
        if user.disabled {
            return Err(AuthError::Disabled);
        }
        if !verify_off_runtime(user.password_hash.clone(), password).await {
            let lock = self.lock_after_failure(user.failed_logins, now);
            self.store.record_login(username, false, lock).await?;
            return Err(AuthError::Invalid);
        }
        if user.failed_logins > 0 || user.locked_until_us.is_some() {
            self.store.record_login(username, true, None).await?;
        }
        let org = self.organisation(&user.org).await?.ok_or(AuthError::Invalid)?;
        let role = Role::parse(&user.role).ok_or(AuthError::Invalid)?;
        Ok((Principal { org, role, username: Some(user.username), token_id: None }, user.totp_secret))
    }

    /// The principal of a signed-in user as the directory has it now: `None` once the user is
    /// gone, disabled or of an unknown role (a web session checks this on every request).
    pub async fn user_principal(&self, username: &str) -> Result<Option<Principal>, selat_store::Error> {
        let Some(user) = self.store.user(username).await? else { return Ok(None) };
        if user.disabled {
            return Ok(None);
        }
        let (Some(org), Some(role)) = (self.organisation(&user.org).await?, Role::parse(&user.role)) else {
            return Ok(None);
        };
        Ok(Some(Principal { org, role, username: Some(user.username), token_id: None }))
    }

    /// Registers an organisation, as hub-admin `by` (audited with who did it).
    pub async fn admin_create_organisation(
        &self,
        by: &Principal,
        org: &Organisation,
    ) -> Result<(), AccountError> {
        if !by.at_least(Role::HubAdmin) {
            return Err(AccountError::Forbidden("only a hub-admin registers organisations".into()));
        }
        self.create_organisation(org).await?;
        let entry =
            AuditEntry::admin(Some(by), "admin.org.create", org.short_name.clone(), Some(&org.short_name));
        self.audit().record(entry).await;
        Ok(())
    }

    /// Creates a user, as administrator `by` (see [`may_administer`]).
    pub async fn admin_create_user(
        &self,
        by: &Principal,
        username: &str,
        org: &str,
        role: Role,
        password: &str,
    ) -> Result<(), AccountError> {
        may_administer(by, org, Some(role))?;
        self.create_user(username, org, role, password).await?;
        let entry =
            AuditEntry::admin(Some(by), "admin.user.create", format!("{username} {org} {role}"), Some(org));
        self.audit().record(entry).await;
        Ok(())
    }

    /// Issues a token, as administrator `by` (see [`may_administer`]); the text is shown once and
    /// never stored.
    pub async fn admin_issue_token(
        &self,
        by: &Principal,
        org: &str,
        role: Role,
        username: Option<&str>,
        label: &str,
        expires_us: Option<i64>,
    ) -> Result<IssuedToken, AccountError> {
        may_administer(by, org, Some(role))?;
        if let Some(user) = username {
            let row = self.store.user(user).await?;
            if row.as_ref().map(|u| u.org.as_str()) != Some(org) {
                return Err(AccountError::Invalid(format!("{org} has no user {user:?}")));
            }
        }
        self.issue_token(org, role, username, label, expires_us).await
    }

    /// Revokes a token, as administrator `by` of the token's organisation; false if unknown or
    /// already revoked.
    pub async fn admin_revoke_token(&self, by: &Principal, id: &str) -> Result<bool, AccountError> {
        let Some(token) = self.store.token(id).await? else { return Ok(false) };
        may_administer(by, &token.org, None)?;
        Ok(self.revoke_token(id).await?)
    }

    /// Users and tokens `by` administers: every organisation's for a hub-admin, else its own.
    pub async fn administered_accounts(
        &self,
        by: &Principal,
    ) -> Result<(Vec<selat_store::UserRow>, Vec<selat_store::TokenRow>), AccountError> {
        may_administer(by, &by.org.short_name, None)?;
        let scope = (!by.at_least(Role::HubAdmin)).then_some(by.org.short_name.as_str());
        Ok((self.store.users(scope).await?, self.store.tokens(scope).await?))
    }

    /// Revokes a token; false if unknown or already revoked.
    pub async fn revoke_token(&self, id: &str) -> Result<bool, selat_store::Error> {
        let revoked = self.store.revoke_token(id, now_micros()).await?;
        if revoked {
            let org = self.store.token(id).await?.map(|row| row.org);
            let entry = AuditEntry::admin(None, "admin.token.revoke", format!("token {id}"), org.as_deref());
            self.audit().record(entry).await;
        }
        Ok(revoked)
    }

    /// Sets a user's password (hashed with Argon2id) and clears any lock-out; false if there is no
    /// such user.
    pub async fn set_password(&self, username: &str, password: &str) -> Result<bool, AccountError> {
        let hash = auth::hash_password(password)?;
        let done = self.store.set_password(username, &hash).await?;
        if done {
            let org = self.store.user(username).await?.map(|row| row.org);
            let entry = AuditEntry::admin(None, "admin.user.password", username.to_owned(), org.as_deref());
            self.audit().record(entry).await;
        }
        Ok(done)
    }
}

/// Argon2 costs tens of milliseconds of CPU by design: run it on the blocking pool, so a burst of
/// Basic-auth requests never stalls the async workers that serve everyone else.
async fn verify_off_runtime(phc: String, password: &str) -> bool {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || auth::verify_password(&phc, &password)).await.unwrap_or(false)
}

/// A valid Argon2id hash of a random string, checked against when the user does not exist.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2VsYXRkdW1teXNhbHQ$0aHiU0J4v3d1NbnqfFZ2+lXjq0bL4v3o5dGmZx2bR4E";

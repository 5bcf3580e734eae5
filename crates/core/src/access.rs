//! Who may read and write a collection (TAXII `can_read`/`can_write`), by organisation kind and
//! role. Which objects inside a collection a reader sees is the access policy's business (the
//! policy issue); this decides only whether the collection is open to the caller at all.

use selat_store::Directory;
use serde::{Deserialize, Serialize};

use crate::node::{Node, NodeError};
use crate::org::{OrgKind, Principal, Role};

/// Who may read a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReadAccess {
    /// Anyone, without credentials (the public advisory collection).
    Anonymous,
    /// Any authenticated organisation.
    Members,
}

/// Who may write to a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WriteAccess {
    /// Analysts and above of any organisation.
    Analysts,
    /// Analysts and above of the secretariat.
    SecretariatAnalysts,
    /// Nobody over TAXII.
    Nobody,
}

/// A collection's access rules, kept in the store beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionAccess {
    pub read: ReadAccess,
    pub write: WriteAccess,
    /// Accepts only TLP:CLEAR objects of scope `community` (the public advisory collection).
    pub public: bool,
}

impl CollectionAccess {
    /// A members' collection: every organisation reads, analysts write.
    pub const SHARED: Self = Self { read: ReadAccess::Members, write: WriteAccess::Analysts, public: false };
    /// The public advisory collection: anyone reads, secretariat analysts publish TLP:CLEAR.
    pub const PUBLIC: Self =
        Self { read: ReadAccess::Anonymous, write: WriteAccess::SecretariatAnalysts, public: true };

    pub fn can_read(&self, principal: Option<&Principal>) -> bool {
        match self.read {
            ReadAccess::Anonymous => true,
            ReadAccess::Members => principal.is_some(),
        }
    }

    pub fn can_write(&self, principal: Option<&Principal>) -> bool {
        let Some(p) = principal else { return false };
        match self.write {
            WriteAccess::Analysts => p.at_least(Role::Analyst),
            WriteAccess::SecretariatAnalysts => {
                p.at_least(Role::Analyst) && p.org.kind == OrgKind::Secretariat
            }
            WriteAccess::Nobody => false,
        }
    }
}

fn setting_key(collection_id: &str) -> String {
    format!("collection-access:{collection_id}")
}

impl Node {
    /// A collection's access rules; a collection without any is a members' collection.
    pub async fn collection_access(&self, collection_id: &str) -> Result<CollectionAccess, NodeError> {
        let stored = self.store.setting(&setting_key(collection_id)).await?;
        Ok(stored.and_then(|bytes| serde_json::from_slice(&bytes).ok()).unwrap_or(CollectionAccess::SHARED))
    }

    /// Sets a collection's access rules (once: later calls keep the first).
    pub async fn set_collection_access(
        &self,
        collection_id: &str,
        access: CollectionAccess,
    ) -> Result<(), NodeError> {
        let bytes = serde_json::to_vec(&access).expect("access serializes");
        self.store.setting_or_insert(&setting_key(collection_id), &bytes).await?;
        Ok(())
    }
}

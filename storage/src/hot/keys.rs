//! API keys in the hot store: the gateway checks them, `finstream keys` manages them.
//!
//! A key is an id (public, what Alpaca clients send as their key) and a secret (shown
//! once, at creation). The store keeps the id, the SHA-256 of the secret, a role and the
//! times it was created and revoked. Secrets are 32 random bytes, so a fast hash is
//! enough: nobody can search a 256-bit space, and checking stays cheap per request.
//! One row per key in the `api_keys` space; a revocation rewrites the row with a higher
//! version, so every gateway sees it at its next read.

use super::rows::{Cluster, Space};
use super::{Bound, HotStore, encode_cluster};
use crate::StorageError;
use serde::{Deserialize, Serialize};

/// The single partition every key lives in.
const PARTITION: &str = "keys";

/// One API key as stored (never the secret itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: String,
    /// Lower-case hex SHA-256 of the secret.
    pub secret_sha256: String,
    /// `viewer`, `trader`, `analyst` or `admin`.
    pub role: String,
    /// What the key is for, as its creator wrote it.
    pub label: String,
    /// Nanoseconds since the epoch.
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

impl HotStore {
    /// Stores a key (a new one, or a changed one such as a revocation). `version` must
    /// grow with each change of the same key: the newest version wins.
    pub async fn put_api_key(&self, key: &ApiKey, version: i64) -> Result<(), StorageError> {
        let payload = serde_json::to_vec(key).map_err(|e| StorageError::Internal {
            message: format!("encoding an API key: {e}"),
        })?;
        let row = (
            Space::ApiKeys,
            PARTITION.as_bytes().to_vec(),
            encode_cluster(&Cluster::Name(key.id.clone())),
            version,
            payload,
        );
        match self {
            HotStore::Embedded(s, _) => s.put(vec![row]).await,
            HotStore::Scylla(s, _) => s.put(vec![row]).await,
        }
    }

    /// The key with this id, revoked or not.
    pub async fn api_key(&self, id: &str) -> Result<Option<ApiKey>, StorageError> {
        let at = encode_cluster(&Cluster::Name(id.to_string()));
        let rows = self
            .scan(
                Space::ApiKeys,
                PARTITION.into(),
                Bound::Included(at.clone()),
                Bound::Included(at),
                false,
                1,
            )
            .await?;
        rows.first().map(|r| decode(&r.payload)).transpose()
    }

    /// Every key, by id.
    pub async fn api_keys(&self) -> Result<Vec<ApiKey>, StorageError> {
        let rows = self
            .scan(
                Space::ApiKeys,
                PARTITION.into(),
                Bound::Unbounded,
                Bound::Unbounded,
                false,
                usize::MAX,
            )
            .await?;
        rows.iter().map(|r| decode(&r.payload)).collect()
    }
}

fn decode(payload: &[u8]) -> Result<ApiKey, StorageError> {
    serde_json::from_slice(payload).map_err(|e| StorageError::Internal {
        message: format!("a stored API key does not decode: {e}"),
    })
}

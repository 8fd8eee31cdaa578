//! `finstream keys create|list|revoke`: API keys in the configured hot store (ScyllaDB, or
//! the embedded store under `--data-dir`, which a running `finstream run` holds: stop it
//! first).

use crate::cli::KeysCommand;
use crate::config::Config;
use anyhow::Context;
use finstream_gateway::auth::{Role, hash_secret, new_credentials};
use finstream_storage::DataDir;
use finstream_storage::hot::keys::ApiKey;

fn now_nanos() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

pub async fn keys(config: &Config, command: KeysCommand) -> anyhow::Result<()> {
    let data_dir = match &command {
        KeysCommand::Create { data_dir, .. }
        | KeysCommand::List { data_dir }
        | KeysCommand::Revoke { data_dir, .. } => data_dir.clone(),
    };
    let data = DataDir::open(data_dir.unwrap_or_else(|| config.data.dir.clone()))?;
    let store = config
        .store
        .open(&data, finstream_schemas::Codec::embedded())
        .await
        .with_context(|| {
            format!(
                "opening the {} store (an embedded store is locked while finstream runs on it)",
                match config.store.backend {
                    finstream_storage::StoreBackend::Embedded => "embedded",
                    finstream_storage::StoreBackend::Scylla => "scylla",
                }
            )
        })?;
    match command {
        KeysCommand::Create { role, label, .. } => {
            let role = Role::parse(&role).with_context(|| {
                format!("role {role:?} is not one of viewer, trader, analyst, admin")
            })?;
            let (id, secret) = new_credentials();
            let now = now_nanos();
            let key = ApiKey {
                id: id.clone(),
                secret_sha256: hash_secret(&secret),
                role: role.name().into(),
                label: label.unwrap_or_default(),
                created_at: now,
                revoked_at: None,
            };
            store.put_api_key(&key, now).await?;
            println!(
                "{}",
                serde_json::json!({"key_id": id, "secret": secret, "role": role.name()})
            );
            eprintln!("the secret is shown once; finstream keeps only its SHA-256");
        }
        KeysCommand::List { .. } => {
            for key in store.api_keys().await? {
                println!(
                    "{}",
                    serde_json::json!({
                        "key_id": key.id,
                        "role": key.role,
                        "label": key.label,
                        "created_at": finstream_schemas::alpaca::format_rfc3339(key.created_at),
                        "revoked_at": key.revoked_at.map(finstream_schemas::alpaca::format_rfc3339),
                    })
                );
            }
        }
        KeysCommand::Revoke { key_id, .. } => {
            let mut key = store.api_key(&key_id).await?.with_context(|| {
                format!("no API key {key_id:?}: `finstream keys list` shows them")
            })?;
            if key.revoked_at.is_none() {
                let now = now_nanos();
                key.revoked_at = Some(now);
                store.put_api_key(&key, now).await?;
            }
            println!("revoked {key_id}; gateways refuse it within 5 seconds");
        }
    }
    Ok(())
}

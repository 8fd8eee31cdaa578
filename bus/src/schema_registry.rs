//! A client for a Confluent-compatible Schema Registry (Confluent, Karapace, Apicurio's
//! ccompat API, Redpanda): registers finstream's schemas under the TopicNameStrategy
//! subjects (`<topic>-value`) and fetches writer schemas by id.

use crate::error::BusError;
use crate::kafka::KafkaConfig;
use finstream_schemas::registry::embedded;
use finstream_schemas::{Codec, EventKind, catalog};
use serde::Deserialize;
use std::collections::HashMap;

const CONTENT_TYPE: &str = "application/vnd.schemaregistry.v1+json";

/// A Schema Registry reachable over HTTP.
#[derive(Debug, Clone)]
pub struct SchemaRegistryClient {
    base: String,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct IdResponse {
    id: u32,
}

#[derive(Deserialize)]
struct SchemaResponse {
    schema: String,
}

#[derive(Deserialize)]
struct ErrorResponse {
    error_code: Option<i64>,
    message: Option<String>,
}

impl SchemaRegistryClient {
    pub fn new(base_url: &str) -> Result<Self, BusError> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| BusError::Config(format!("schema registry client: {e}")))?;
        Ok(Self {
            base: base_url.trim_end_matches('/').to_string(),
            http,
        })
    }

    async fn check(resp: reqwest::Response, what: &str) -> Result<reqwest::Response, BusError> {
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status();
        let body: Option<ErrorResponse> = resp.json().await.ok();
        let detail = body
            .map(|b| {
                format!(
                    "{} (error_code {})",
                    b.message.unwrap_or_default(),
                    b.error_code.unwrap_or(0)
                )
            })
            .unwrap_or_default();
        Err(BusError::Registry(format!(
            "{what}: HTTP {status} {detail}"
        )))
    }

    /// Registers a schema under a subject (a no-op returning the same id if it exists).
    pub async fn register(&self, subject: &str, schema: &str) -> Result<u32, BusError> {
        let url = format!("{}/subjects/{subject}/versions", self.base);
        let resp = self
            .http
            .post(&url)
            .header("Content-Type", CONTENT_TYPE)
            .json(&serde_json::json!({ "schema": schema }))
            .send()
            .await
            .map_err(|e| BusError::Registry(format!("POST {url}: {e}")))?;
        let resp = Self::check(resp, &format!("registering {subject}")).await?;
        let id: IdResponse = resp
            .json()
            .await
            .map_err(|e| BusError::Registry(format!("registering {subject}: {e}")))?;
        Ok(id.id)
    }

    /// The schema text registered under an id.
    pub async fn schema_by_id(&self, id: u32) -> Result<String, BusError> {
        let url = format!("{}/schemas/ids/{id}", self.base);
        let resp = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| BusError::Registry(format!("GET {url}: {e}")))?;
        let resp = Self::check(resp, &format!("schema id {id}")).await?;
        let s: SchemaResponse = resp
            .json()
            .await
            .map_err(|e| BusError::Registry(format!("schema id {id}: {e}")))?;
        Ok(s.schema)
    }

    /// Registers every catalog schema and returns a codec that writes the registry's ids.
    pub async fn register_catalog(&self, kafka: &KafkaConfig) -> Result<Codec, BusError> {
        let mut ids = HashMap::new();
        for kind in EventKind::ALL {
            let topic = kafka.physical(catalog::topic_for(kind).name);
            let id = self
                .register(&format!("{topic}-value"), embedded().current(kind).text)
                .await?;
            ids.insert(kind, id);
        }
        Ok(Codec::with_registered_ids(ids))
    }
}

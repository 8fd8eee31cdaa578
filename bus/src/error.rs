use finstream_schemas::SchemaError;

/// Errors of the transport layer. Each says whether retrying can help.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The broker or the network failed; retrying may help.
    #[error("kafka: {0}")]
    Kafka(String),
    /// A topic is not in the catalog or does not exist on the cluster.
    #[error(
        "unknown topic {0}: create it with `finstream topics create` or check kafka.topic_prefix"
    )]
    UnknownTopic(String),
    /// The configuration cannot work (bad broker list, bad option); fix it and restart.
    #[error("bus configuration: {0}")]
    Config(String),
    /// The Schema Registry failed or refused a schema.
    #[error("schema registry: {0}")]
    Registry(String),
    /// Encoding or decoding failed.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// Waited too long for the broker.
    #[error("timed out after {0:?} waiting for {1}")]
    Timeout(std::time::Duration, &'static str),
}

impl BusError {
    /// Whether the same call may succeed later without any change.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            BusError::Kafka(_) | BusError::Timeout(..) | BusError::Registry(_)
        )
    }
}

impl From<rdkafka::error::KafkaError> for BusError {
    fn from(e: rdkafka::error::KafkaError) -> Self {
        BusError::Kafka(e.to_string())
    }
}

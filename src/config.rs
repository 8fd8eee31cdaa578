//! The one typed configuration of a finstream process: built-in defaults, then a TOML
//! file (`--config` or `FINSTREAM_CONFIG`), then environment variables
//! `FINSTREAM__SECTION__KEY` (e.g. `FINSTREAM__KAFKA__BROKERS=kafka:9092`). Unknown keys
//! anywhere are errors, so a typo never silently falls back to a default.

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use finstream_bus::KafkaConfig;
use finstream_gateway::GatewayConfig;
use finstream_processors::greeks::GreeksConfig;
use finstream_processors::indicators::IndicatorsConfig;
use finstream_processors::persist::PersistConfig;
use finstream_sources::alpaca::AlpacaConfig;
use finstream_sources::synthetic::SyntheticConfig;
use finstream_storage::{HistoryConfig, SqlConfig, StoreConfig};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Which transport carries events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// The in-process log: one process, no services.
    Memory,
    /// A Kafka cluster (`[kafka]`).
    Kafka,
}

/// `[bus]`: the event transport.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BusConfig {
    /// `memory` or `kafka`. `finstream run` always uses `memory`.
    pub backend: Backend,
    /// Records kept per partition by the in-process log.
    pub memory_retention: usize,
}

impl Default for BusConfig {
    fn default() -> Self {
        Self {
            backend: Backend::Memory,
            memory_retention: 1_000_000,
        }
    }
}

/// `[data]`: local storage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DataConfig {
    /// Directory for history, the embedded store and uploaded objects.
    pub dir: PathBuf,
}

impl Default for DataConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("data"),
        }
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// `[log]`: logging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `text` for people, `json` for log pipelines.
    pub format: LogFormat,
    /// A tracing filter, e.g. `info` or `info,finstream_bus=debug`; `RUST_LOG` overrides.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            level: "info".into(),
        }
    }
}

/// `[metrics]`: telemetry of roles that have no gateway.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Address where `finstream process` and `finstream ingest` serve `/metrics` and
    /// `/health`, e.g. `0.0.0.0:9100`; off when unset. The gateway always serves them.
    pub listen: Option<String>,
}

/// The whole configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub bus: BusConfig,
    pub kafka: KafkaConfig,
    pub gateway: GatewayConfig,
    pub synthetic: SyntheticConfig,
    pub alpaca: AlpacaConfig,
    pub indicators: IndicatorsConfig,
    pub greeks: GreeksConfig,
    pub data: DataConfig,
    /// The hot store: embedded (redb under the data directory) or ScyllaDB.
    pub store: StoreConfig,
    /// The Parquet history under `<data-dir>/history`: retention, archive, compaction.
    pub history: HistoryConfig,
    /// Limits of SQL queries over the history.
    pub sql: SqlConfig,
    /// The persist processor's buffering.
    pub persist: PersistConfig,
    pub log: LogConfig,
    pub metrics: MetricsConfig,
    /// The embedding model and the budgets of one document.
    pub embeddings: crate::embed::EmbeddingsConfig,
    /// Where uploaded documents are kept: `<data-dir>/objects` or S3.
    pub objects: finstream_storage::ObjectsConfig,
    /// How the gateway answers questions: retrieval, and an optional LLM.
    pub answers: finstream_gateway::docs::AnswersConfig,
    /// Redis: rate limits shared by every gateway process.
    pub redis: RedisConfig,
}

/// The `redis` section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedisConfig {
    /// `redis://host:port`; unset, each gateway counts its own limits in memory.
    pub url: Option<String>,
}

impl Config {
    /// Defaults, then `file` if given, then `FINSTREAM__*` variables of the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        Self::from_figment(file, Env::prefixed("FINSTREAM__").split("__"))
    }

    fn from_figment(file: Option<&Path>, env: Env) -> anyhow::Result<Self> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            anyhow::ensure!(
                path.is_file(),
                "configuration file {} does not exist",
                path.display()
            );
            fig = fig.merge(Toml::file(path));
        }
        fig.merge(env).extract().context(
            "invalid configuration (defaults, then --config file, then FINSTREAM__* variables)",
        )
    }

    /// The configuration as JSON with secrets replaced, for `finstream config`.
    pub fn redacted_json(&self) -> anyhow::Result<String> {
        let mut shown = self.clone();
        if shown.alpaca.secret_key.is_some() {
            shown.alpaca.secret_key = Some("<redacted>".into());
        }
        for (k, v) in shown.kafka.properties.iter_mut() {
            if k.contains("password") || k.contains("secret") || k.contains("key") {
                *v = "<redacted>".into();
            }
        }
        Ok(serde_json::to_string_pretty(&shown)?)
    }
}

#[cfg(test)]
// figment's Jail fixes the closure's error type; its size is not ours to choose.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_embedded() {
        let c = Config::from_figment(None, Env::prefixed("FINSTREAM_TEST_NOTHING__"))
            .expect("defaults load");
        assert_eq!(c.bus.backend, Backend::Memory);
        assert_eq!(c.gateway.listen, "127.0.0.1:8080");
    }

    #[test]
    fn file_then_environment_override_in_order() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("f.toml");
        std::fs::write(
            &path,
            "[bus]\nbackend = \"kafka\"\n[kafka]\nbrokers = \"file:9092\"\ntopic_prefix = \"t.\"\n",
        )
        .expect("write");
        figment::Jail::expect_with(|jail| {
            jail.set_env("FINSTREAM__KAFKA__BROKERS", "env:9092");
            let c = Config::load(Some(&path)).expect("loads");
            assert_eq!(c.bus.backend, Backend::Kafka);
            assert_eq!(c.kafka.brokers, "env:9092");
            assert_eq!(c.kafka.topic_prefix, "t.");
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_are_errors_in_files_and_environment() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("f.toml");
        std::fs::write(&path, "[gateway]\nlisten_on = \"x\"\n").expect("write");
        figment::Jail::expect_with(|jail| {
            let err = Config::load(Some(&path)).expect_err("unknown key");
            assert!(format!("{err:#}").contains("listen_on"), "{err:#}");
            jail.set_env("FINSTREAM__BUS__BACKNED", "kafka");
            let err = Config::load(None).expect_err("unknown env key");
            assert!(format!("{err:#}").contains("backned"), "{err:#}");
            Ok(())
        });
        assert!(Config::load(Some(Path::new("/nonexistent/finstream.toml"))).is_err());
    }

    #[test]
    fn the_indicator_set_patterns_and_movements_come_from_the_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("f.toml");
        std::fs::write(
            &path,
            "[indicators]\nindicators = [\"ema(50)\", \"macd(12,26,9)\"]\npatterns = [\"all\"]\n\
             checkpoint_interval_ms = 2500\n[indicators.movement]\nlookback = 10\n",
        )
        .expect("write");
        figment::Jail::expect_with(|jail| {
            jail.set_env("FINSTREAM__INDICATORS__MOVEMENT__GAP_THRESHOLD", "0.02");
            let c = Config::load(Some(&path)).expect("loads");
            assert_eq!(c.indicators.indicators, vec!["ema(50)", "macd(12,26,9)"]);
            assert_eq!(c.indicators.patterns, vec!["all"]);
            assert_eq!(c.indicators.checkpoint_interval_ms, 2500);
            assert_eq!(c.indicators.movement.lookback, 10);
            assert_eq!(c.indicators.movement.gap_threshold, 0.02);
            assert!(
                c.indicators.movement.enabled,
                "unset keys keep their defaults"
            );
            assert_eq!(c.indicators.timeframes.len(), 6);
            jail.set_env("FINSTREAM__INDICATORS__MOVEMENT__LOOKBAK", "3");
            let err = Config::load(Some(&path)).expect_err("unknown key");
            assert!(format!("{err:#}").contains("lookbak"), "{err:#}");
            Ok(())
        });
    }
}

//! What each subcommand runs. Every role takes a shutdown token; `run` composes them.

use crate::config::{Backend, Config};
use anyhow::{Context, bail};
use finstream_analytics::text::embed::Embedder;
use finstream_bus::runner::{self, RunnerConfig};
use finstream_bus::schema_registry::SchemaRegistryClient;
use finstream_bus::{Bus, kafka};
use finstream_gateway::auth::RateLimiter;
use finstream_gateway::chat::signals::Signals;
use finstream_gateway::docs::DocsBackend;
use finstream_gateway::{Application, Backends};
use finstream_processors::ProcessorName;
use finstream_processors::embeddings::EmbeddingsProcessor;
use finstream_processors::greeks::GreeksProcessor;
use finstream_processors::indicators::IndicatorsProcessor;
use finstream_processors::persist::PersistProcessor;
use finstream_schemas::{CATALOG, Codec, catalog};
use finstream_storage::{DataDir, History, HotStore, Objects, Table};
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The bus, codec and registry client a process uses, from its configuration.
pub struct Transport {
    pub bus: Bus,
    pub codec: Codec,
    pub registry: Option<SchemaRegistryClient>,
}

impl Transport {
    pub async fn from_config(config: &Config) -> anyhow::Result<Self> {
        match config.bus.backend {
            Backend::Memory => Ok(Self::memory(config)),
            Backend::Kafka => {
                let bus = Bus::kafka(config.kafka.clone());
                let (codec, registry) = match &config.kafka.schema_registry_url {
                    Some(url) => {
                        let client = SchemaRegistryClient::new(url)?;
                        let codec = client
                            .register_catalog(&config.kafka)
                            .await
                            .with_context(|| format!("registering schemas at {url}"))?;
                        (codec, Some(client))
                    }
                    None => (Codec::embedded(), None),
                };
                Ok(Self {
                    bus,
                    codec,
                    registry,
                })
            }
        }
    }

    pub fn memory(config: &Config) -> Self {
        Self {
            bus: Bus::memory(config.bus.memory_retention),
            codec: Codec::embedded(),
            registry: None,
        }
    }
}

/// Cancels the token on SIGINT or SIGTERM.
pub fn shutdown_on_signals() -> CancellationToken {
    let token = CancellationToken::new();
    let t = token.clone();
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => tracing::info!("interrupt received; shutting down"),
            _ = term => tracing::info!("termination requested; shutting down"),
        }
        t.cancel();
    });
    token
}

/// Starts `/metrics` and `/health` on `metrics.listen`, if set, for roles without a gateway.
pub async fn serve_metrics(config: &Config, shutdown: &CancellationToken) -> anyhow::Result<()> {
    let Some(listen) = config.metrics.listen.clone() else {
        return Ok(());
    };
    let handle = crate::telemetry::init_metrics().context("installing the metrics recorder")?;
    let listener_shutdown = shutdown.clone();
    tokio::spawn(async move {
        if let Err(e) =
            finstream_gateway::app::serve_metrics(&listen, handle, listener_shutdown).await
        {
            tracing::error!(error = %e, listen = %listen, "metrics endpoint failed");
        }
    });
    Ok(())
}

/// Runs one processor until shutdown.
pub async fn process(
    config: &Config,
    transport: &Transport,
    name: &str,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let Some(which) = ProcessorName::parse(name) else {
        let known: Vec<&str> = ProcessorName::ALL.iter().map(|p| p.as_str()).collect();
        bail!(
            "unknown processor {name:?}; available: {}",
            known.join(", ")
        );
    };
    match which {
        ProcessorName::Indicators => {
            let processor =
                IndicatorsProcessor::new(&config.indicators).map_err(anyhow::Error::msg)?;
            let mut rc = RunnerConfig::new("indicators", &[catalog::TRADES]);
            rc.checkpoint_interval =
                Duration::from_millis(config.indicators.checkpoint_interval_ms);
            run_processor(transport, rc, processor, shutdown).await?;
        }
        ProcessorName::Greeks => {
            let processor = GreeksProcessor::new(&config.greeks).map_err(anyhow::Error::msg)?;
            let rc = RunnerConfig::new("greeks", &[catalog::TRADES, catalog::OPTION_QUOTES]);
            run_processor(transport, rc, processor, shutdown).await?;
        }
        ProcessorName::Embeddings => {
            let data = DataDir::open(&config.data.dir)?;
            let objects = config.objects.open(&data)?;
            let embedder = load_embedder(config).map_err(anyhow::Error::msg)?;
            embeddings(config, transport, embedder, objects, shutdown).await?;
        }
        ProcessorName::Persist => {
            let data = DataDir::open(&config.data.dir)?;
            let store = config
                .store
                .open(&data, transport.codec.clone())
                .await
                .context("opening the hot store")?;
            let history = config.history.open(&data)?;
            persist(config, transport, store, history, shutdown).await?;
        }
    }
    Ok(())
}

/// The embedding model, shared by the embeddings processor and the gateway's search.
pub fn load_embedder(config: &Config) -> Result<Arc<Embedder>, String> {
    let dir = crate::embed::model_dir(None, &config.embeddings).map_err(|e| format!("{e:#}"))?;
    Embedder::load(&dir)
        .map(|e| Arc::new(e.with_batch_size(config.embeddings.batch_size.max(1))))
        .map_err(|e| {
            format!(
                "the embedding model cannot be loaded from {}: {e}",
                dir.display()
            )
        })
}

/// What the gateway's documents endpoints need, or why they cannot be served.
fn docs_backend(
    config: &Config,
    data: &DataDir,
    embedder: &Result<Arc<Embedder>, String>,
) -> (Option<DocsBackend>, Option<String>) {
    let embedder = match embedder {
        Ok(e) => Arc::clone(e),
        Err(why) => {
            return (
                None,
                Some(format!(
                    "documents, search and answers need the embedding model: {why}"
                )),
            );
        }
    };
    let objects = match config.objects.open(data) {
        Ok(o) => o,
        Err(e) => {
            return (
                None,
                Some(format!("the object store cannot be opened: {e}")),
            );
        }
    };
    let index_file = config
        .answers
        .index_file
        .clone()
        .unwrap_or_else(|| data.root().join("vectors").join("chunks.idx"));
    (
        Some(DocsBackend {
            config: config.answers.clone(),
            objects,
            embedder,
            index_file: Some(index_file),
        }),
        None,
    )
}

/// Runs the embeddings processor: one document per batch, so each one's chunks and
/// status are produced and committed as soon as it is done.
async fn embeddings(
    config: &Config,
    transport: &Transport,
    embedder: Arc<Embedder>,
    objects: Objects,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let progress = transport
        .bus
        .producer()
        .ok()
        .map(|p| (p, transport.codec.clone()));
    let processor =
        EmbeddingsProcessor::new(config.embeddings.clone(), embedder, objects, progress);
    let mut rc = RunnerConfig::new("embeddings", &[catalog::DOCS_INGEST]);
    rc.batch_size = 1;
    // One document is one poll: give it as long as a long document takes, not Kafka's
    // five minutes, or its partition moves to another member mid-document.
    let patient = match &transport.bus {
        Bus::Kafka(kafka) if !kafka.properties.contains_key("max.poll.interval.ms") => {
            let mut kafka = (**kafka).clone();
            let ms = config.embeddings.max_document_secs.clamp(60, 86_400) * 1_000;
            kafka
                .properties
                .insert("max.poll.interval.ms".into(), ms.to_string());
            Some(Transport {
                bus: Bus::kafka(kafka),
                codec: transport.codec.clone(),
                registry: transport.registry.clone(),
            })
        }
        _ => None,
    };
    run_processor(
        patient.as_ref().unwrap_or(transport),
        rc,
        processor,
        shutdown,
    )
    .await
}

/// Runs the persist processor over every topic but the processors' own checkpoints
/// into `store` and `history`.
pub async fn persist(
    config: &Config,
    transport: &Transport,
    store: HotStore,
    history: History,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let processor = PersistProcessor::new(config.persist.clone(), store, history)
        .map_err(anyhow::Error::msg)?;
    let inputs: Vec<&str> = CATALOG
        .iter()
        .map(|t| t.name)
        .filter(|&name| name != catalog::CHECKPOINTS)
        .collect();
    let mut rc = RunnerConfig::new("persist", &inputs);
    rc.batch_size = 20_000;
    run_processor(transport, rc, processor, shutdown).await
}

/// Runs a processor on the transport's bus until shutdown, and logs what it did.
async fn run_processor<P: runner::Processor>(
    transport: &Transport,
    rc: RunnerConfig,
    processor: P,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let name = rc.name.clone();
    let stats = runner::run(
        transport.bus.clone(),
        transport.codec.clone(),
        transport.registry.clone(),
        rc,
        processor,
        shutdown,
    )
    .await?;
    tracing::info!(processor = %name, ?stats, "processor finished");
    Ok(())
}

/// The cleanup job: compacts the history, applies its retention (archiving old dates
/// when configured) and expires old rows of the embedded store (ScyllaDB expires its
/// own by TTL), every `history.maintenance_minutes`.
pub async fn maintain(
    config: &Config,
    store: HotStore,
    history: History,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let every = Duration::from_secs(config.history.maintenance_minutes.max(1) * 60);
    let archive = config
        .history
        .archive_dir
        .as_deref()
        .map(History::local)
        .transpose()?;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            _ = tokio::time::sleep(every) => {}
        }
        let small = config.history.compact_below_mib << 20;
        for table in Table::ALL {
            if let Err(e) = history.compact(table, small).await {
                tracing::warn!(table = table.name(), error = %e, "compaction failed");
            }
        }
        if let Some(days) = config.history.retention_days {
            let today = finstream_schemas::now_nanos().div_euclid(86_400_000_000_000);
            let before = finstream_storage::history::format_day(today - i64::from(days));
            for table in Table::ALL {
                let result = match &archive {
                    Some(a) => history.archive(table, &before, a).await,
                    None => history.expire(table, &before).await,
                };
                match result {
                    Ok(n) if n > 0 => {
                        tracing::info!(table = table.name(), files = n, before = %before, "history retention applied")
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(table = table.name(), error = %e, "history retention failed")
                    }
                }
            }
        }
        if let HotStore::Embedded(embedded, _) = &store {
            let retention = config.store.retention();
            for space in finstream_storage::hot::Space::ALL {
                if let Some(ttl) = retention.ttl_seconds(space) {
                    let cutoff = finstream_schemas::now_nanos() - ttl * 1_000_000_000;
                    // Bars are versioned by revision, not time: expire them by their key.
                    if space == finstream_storage::hot::Space::Bars {
                        continue;
                    }
                    match embedded.expire(space, cutoff).await {
                        Ok(n) if n > 0 => tracing::info!(
                            table = space.name(),
                            rows = n,
                            "hot store retention applied"
                        ),
                        Ok(_) => {}
                        Err(e) => {
                            tracing::warn!(table = space.name(), error = %e, "hot store retention failed")
                        }
                    }
                }
            }
        }
    }
}

/// Runs the gateway until shutdown.
pub async fn gateway(
    config: &Config,
    transport: &Transport,
    metrics: Option<PrometheusHandle>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let backends = gateway_backends(config, transport).await?;
    let mut gateway = config.gateway.clone();
    gateway.auth.required.get_or_insert(true);
    let app = Application::build(
        &gateway,
        transport.bus.clone(),
        transport.codec.clone(),
        backends,
        metrics,
        shutdown,
    )
    .await
    .with_context(|| format!("binding the gateway to {}", config.gateway.listen))?;
    let (http, _) = schemes(config);
    println!(
        "finstream gateway listening on {http}://{}",
        app.local_addr()?
    );
    app.run().await.context("serving the gateway")
}

/// What a standalone gateway reads REST answers from. Either can be missing (a store
/// that does not answer, an embedded store another process holds, no history yet): the
/// gateway still serves the stream, and those endpoints answer 503 saying why.
async fn gateway_backends(config: &Config, transport: &Transport) -> anyhow::Result<Backends> {
    let limiter = limiter(config).await?;
    let signals = signals(config).await?;
    let data = match DataDir::open(&config.data.dir) {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "no data directory: REST endpoints that read the store or the history answer 503");
            return Ok(Backends {
                limiter,
                signals,
                docs_missing: Some(format!("documents need a data directory: {e}")),
                ..Backends::default()
            });
        }
    };
    let store = match config.store.open(&data, transport.codec.clone()).await {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(error = %e, "hot store unavailable: bars, snapshots, options and the Alpaca REST paths answer 503");
            None
        }
    };
    let sql = match config.history.open(&data) {
        Ok(h) => Some(config.sql.engine(h)),
        Err(e) => {
            tracing::warn!(error = %e, "history unavailable: /v1/sql answers 503");
            None
        }
    };
    let (docs, docs_missing) = docs_backend(config, &data, &load_embedder(config));
    Ok(Backends {
        store,
        sql,
        limiter,
        docs,
        docs_missing,
        signals,
        objects: attachments(config, &data),
    })
}

/// `https` and `wss` when the gateway terminates TLS.
fn schemes(config: &Config) -> (&'static str, &'static str) {
    if config.gateway.tls.cert_file.is_some() {
        ("https", "wss")
    } else {
        ("http", "ws")
    }
}

/// Where chat keeps membership, presence and signals: Redis when `redis.url` is set
/// (shared by every gateway), else in this process.
async fn signals(config: &Config) -> anyhow::Result<Signals> {
    match &config.redis.url {
        Some(url) => Signals::redis(url).await.map_err(anyhow::Error::msg),
        None => Ok(Signals::memory()),
    }
}

/// The object store for chat attachments (the one documents use).
fn attachments(config: &Config, data: &DataDir) -> Option<finstream_storage::Objects> {
    match config.objects.open(data) {
        Ok(o) => Some(o),
        Err(e) => {
            tracing::warn!(error = %e, "no object store: chat attachments answer 503");
            None
        }
    }
}

/// Where rate limits are counted: Redis when `redis.url` is set (shared by every
/// gateway), else in this process.
async fn limiter(config: &Config) -> anyhow::Result<RateLimiter> {
    match &config.redis.url {
        Some(url) => RateLimiter::redis(url).await.map_err(anyhow::Error::msg),
        None => Ok(RateLimiter::memory()),
    }
}

/// Every role in one process, on the in-process log.
pub async fn run_all(
    mut config: Config,
    metrics: Option<PrometheusHandle>,
    source: crate::cli::Source,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    config.bus.backend = Backend::Memory;
    config.store.backend = finstream_storage::StoreBackend::Embedded;
    let data = DataDir::open(&config.data.dir)?;
    let transport = Transport::memory(&config);
    let store = config
        .store
        .open(&data, transport.codec.clone())
        .await
        .context("opening the embedded store")?;
    let history = config.history.open(&data)?;
    let embedder = load_embedder(&config);
    if let Err(why) = &embedder {
        tracing::warn!(reason = %why, "documents are off: no embeddings processor, and /v1/documents, /v1/search and /v1/chat answer 503");
    }
    let (docs, docs_missing) = docs_backend(&config, &data, &embedder);
    // The embeddings processor uses the same model and object store as the gateway.
    let embedding = docs
        .as_ref()
        .map(|d| (Arc::clone(&d.embedder), d.objects.clone()));
    let backends = Backends {
        store: Some(store.clone()),
        sql: Some(config.sql.engine(history.clone())),
        limiter: limiter(&config).await?,
        docs,
        docs_missing,
        signals: signals(&config).await?,
        objects: attachments(&config, &data),
    };
    // A local demo: no credentials needed unless configured.
    config.gateway.auth.required.get_or_insert(false);
    let app = Application::build(
        &config.gateway,
        transport.bus.clone(),
        transport.codec.clone(),
        backends,
        metrics,
        shutdown.clone(),
    )
    .await
    .with_context(|| format!("binding the gateway to {}", config.gateway.listen))?;
    let addr = app.local_addr()?;
    tracing::info!(data_dir = %data.root().display(), "finstream running in one process (embedded backends)");
    let (http, ws) = schemes(&config);
    println!(
        "finstream is up: open {http}://{addr}/ (WebSocket stream at {ws}://{addr}/v1/stream, health at {http}://{addr}/health)"
    );

    let mut tasks = tokio::task::JoinSet::new();
    tasks.spawn(async move { app.run().await.context("gateway") });
    let (c, t, s) = (
        config.clone(),
        Transport::share(&transport),
        shutdown.clone(),
    );
    tasks.spawn(async move { process(&c, &t, "indicators", s).await });
    let (c, t, s) = (
        config.clone(),
        Transport::share(&transport),
        shutdown.clone(),
    );
    tasks.spawn(async move { process(&c, &t, "greeks", s).await });
    if let Some((embedder, objects)) = embedding {
        let (c, t, s) = (
            config.clone(),
            Transport::share(&transport),
            shutdown.clone(),
        );
        tasks.spawn(async move { embeddings(&c, &t, embedder, objects, s).await });
    }
    // History and hot store: the in-process log starts at offset 0 on every start, so
    // each run is its own log generation.
    let mut persist_config = config.clone();
    persist_config.persist.generation = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(1);
    let (t, s, st, h) = (
        Transport::share(&transport),
        shutdown.clone(),
        store.clone(),
        history.clone(),
    );
    tasks.spawn(async move { persist(&persist_config, &t, st, h, s).await });
    let (c, s) = (config.clone(), shutdown.clone());
    tasks.spawn(async move { maintain(&c, store, history, s).await });
    if source == crate::cli::Source::Alpaca {
        let (c, t, s) = (
            config.clone(),
            Transport::share(&transport),
            shutdown.clone(),
        );
        tasks.spawn(async move { ingest_alpaca(&c, &t, s).await.context("alpaca ingest") });
    }
    if source == crate::cli::Source::Synthetic {
        let producer = transport.bus.producer()?;
        let (cfg, codec, s) = (
            config.synthetic.clone(),
            transport.codec.clone(),
            shutdown.clone(),
        );
        tasks.spawn(async move {
            finstream_sources::synthetic::run(cfg, producer, codec, s)
                .await
                .map(|_| ())
                .context("synthetic market")
        });
    }
    let mut first_error = None;
    while let Some(done) = tasks.join_next().await {
        let result = done.map_err(anyhow::Error::from).and_then(|r| r);
        if let Err(e) = result {
            tracing::error!(error = %format!("{e:#}"), "a role stopped with an error; shutting down the rest");
            first_error.get_or_insert(e);
            shutdown.cancel();
        }
    }
    first_error.map_or(Ok(()), Err)
}

impl Transport {
    fn share(other: &Transport) -> Transport {
        Transport {
            bus: other.bus.clone(),
            codec: other.codec.clone(),
            registry: other.registry.clone(),
        }
    }
}

/// Produces the synthetic market into the configured bus.
pub async fn ingest_synthetic(
    config: &Config,
    transport: &Transport,
    rate: Option<u32>,
    duration: Option<u64>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let mut cfg = config.synthetic.clone();
    if let Some(r) = rate {
        cfg.trades_per_second = r;
    }
    if let Some(secs) = duration {
        let s = shutdown.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(secs)).await;
            s.cancel();
        });
    }
    let producer = transport.bus.producer()?;
    let n =
        finstream_sources::synthetic::run(cfg, producer.clone(), transport.codec.clone(), shutdown)
            .await?;
    producer.flush(Duration::from_secs(10))?;
    println!("produced {n} trades to {}", catalog::TRADES);
    Ok(())
}

/// Streams Alpaca's trades and quotes into the configured bus until shutdown.
pub async fn ingest_alpaca(
    config: &Config,
    transport: &Transport,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    use finstream_bus::OutRecord;
    use finstream_schemas::alpaca::StreamMessage;
    use finstream_sources::alpaca::stream::{self, option_quote_event, quote_event, trade_event};
    let cfg = config.alpaca.clone();
    cfg.credentials()?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<StreamMessage>(10_000);
    let contracts: std::collections::HashSet<String> =
        cfg.option_contracts.iter().cloned().collect();
    let options_streaming = if contracts.is_empty() {
        None
    } else {
        let (options_cfg, options_tx, s) = (cfg.options_stream(), tx.clone(), shutdown.clone());
        Some(tokio::spawn(async move {
            stream::run(&options_cfg, options_tx, s).await
        }))
    };
    // Option chains polled from the snapshots go straight to the bus; a fatal error there
    // (keys, plan) stops the whole ingest.
    let chains = if cfg.option_chains.is_empty() {
        None
    } else {
        let (chain_cfg, producer, codec, s) = (
            cfg.clone(),
            transport.bus.producer()?,
            transport.codec.clone(),
            shutdown.clone(),
        );
        Some(tokio::spawn(async move {
            let result =
                finstream_sources::alpaca::chain::run(&chain_cfg, producer, codec, s.clone()).await;
            if result.is_err() {
                s.cancel();
            }
            result
        }))
    };
    let streaming = if cfg.symbols.is_empty() {
        drop(tx);
        None
    } else {
        let (stream_cfg, stream_shutdown) = (cfg.clone(), shutdown.clone());
        Some(tokio::spawn(async move {
            stream::run(&stream_cfg, tx, stream_shutdown).await
        }))
    };
    let producer = transport.bus.producer()?;
    let codec = transport.codec.clone();
    let mut produced = 0u64;
    tracing::info!(symbols = ?cfg.symbols, feed = %cfg.feed, option_chains = ?cfg.option_chains, "alpaca ingest started");
    while let Some(first) = rx.recv().await {
        // Batch whatever else is already waiting, then produce it in one go.
        let mut batch = vec![first];
        while batch.len() < 5_000 {
            match rx.try_recv() {
                Ok(m) => batch.push(m),
                Err(_) => break,
            }
        }
        let mut records = Vec::with_capacity(batch.len());
        for m in &batch {
            let record = match m {
                // Option trades are not events of their own yet; quotes carry the chain.
                StreamMessage::Trade(t) if contracts.contains(&t.symbol) => continue,
                StreamMessage::Quote(q) if contracts.contains(&q.symbol) => {
                    match option_quote_event(&cfg.options_feed, q) {
                        Ok(e) => OutRecord::event(&codec, &e)?,
                        Err(reason) => {
                            tracing::warn!(contract = %q.symbol, reason = %reason, "skipping an option quote whose symbol does not parse");
                            continue;
                        }
                    }
                }
                StreamMessage::Trade(t) => OutRecord::event(&codec, &trade_event(&cfg.feed, t))?,
                StreamMessage::Quote(q) => OutRecord::event(&codec, &quote_event(&cfg.feed, q))?,
                _ => continue,
            };
            records.push(record);
        }
        produced += records.len() as u64;
        producer.send_all(records).await?;
    }
    producer.flush(Duration::from_secs(10))?;
    if let Some(options) = options_streaming {
        options.await??;
    }
    if let Some(streaming) = streaming {
        let stats = streaming.await??;
        println!(
            "produced {produced} events from alpaca's stream ({} connections, {} backfilled trades)",
            stats.connections, stats.backfilled_trades
        );
    }
    if let Some(chains) = chains {
        let stats = chains.await??;
        println!(
            "produced {} option quotes from {} polls of the chain snapshots ({} unchanged, {} without a quote, {} failed polls)",
            stats.published, stats.polls, stats.unchanged, stats.skipped, stats.failed
        );
    }
    Ok(())
}

/// Replays a CSV file into the configured bus.
pub async fn ingest_replay(
    transport: &Transport,
    input: &std::path::Path,
    kind: crate::cli::ReplayKindArg,
    speed: &str,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    use finstream_sources::replay::{Pace, ReplayKind, read_csv, replay};
    let pace = if speed.eq_ignore_ascii_case("max") {
        Pace::Max
    } else {
        match speed.parse::<f64>() {
            Ok(s) if s > 0.0 && s.is_finite() => Pace::Speed(s),
            _ => bail!("--speed must be a positive number (1 is real time) or max, got {speed:?}"),
        }
    };
    let kind = match kind {
        crate::cli::ReplayKindArg::Trades => ReplayKind::Trades,
        crate::cli::ReplayKindArg::Quotes => ReplayKind::Quotes,
    };
    let events = read_csv(input, kind)?;
    eprintln!("replaying {} events from {}", events.len(), input.display());
    let producer = transport.bus.producer()?;
    let n = replay(&events, pace, &producer, &transport.codec, &shutdown).await?;
    producer.flush(Duration::from_secs(10))?;
    println!("produced {n} events");
    Ok(())
}

/// `finstream topics ...`.
pub async fn topics(config: &Config, command: &crate::cli::TopicsCommand) -> anyhow::Result<()> {
    use crate::cli::TopicsCommand;
    match command {
        TopicsCommand::List => {
            println!(
                "{:<26} {:<16} {:>10} {:>14}  description",
                "topic", "event", "partitions", "retention"
            );
            for t in CATALOG {
                let retention = match t.retention_ms {
                    _ if t.compacted => "compacted".to_string(),
                    None => "forever".to_string(),
                    Some(ms) => format!("{}d", ms / 86_400_000),
                };
                println!(
                    "{:<26} {:<16} {:>10} {:>14}  {}",
                    t.name,
                    format!("{:?}", t.kind),
                    t.partitions,
                    retention,
                    t.description
                );
            }
        }
        TopicsCommand::Create => {
            require_kafka(config)?;
            for (name, outcome) in kafka::create_topics(&config.kafka, &CATALOG).await? {
                println!(
                    "{name}: {}",
                    if outcome == kafka::TopicOutcome::Created {
                        "created"
                    } else {
                        "already exists"
                    }
                );
            }
        }
        TopicsCommand::Describe => {
            require_kafka(config)?;
            let cfg = config.kafka.clone();
            let found = tokio::task::spawn_blocking(move || kafka::describe_topics(&cfg, &CATALOG))
                .await??;
            for t in CATALOG {
                let physical = config.kafka.physical(t.name);
                match found.iter().find(|d| d.name == physical) {
                    Some(d) => println!(
                        "{physical}: {} partitions (catalog {}), replication {}",
                        d.partitions, t.partitions, d.replicas
                    ),
                    None => println!("{physical}: missing (run `finstream topics create`)"),
                }
            }
        }
    }
    Ok(())
}

fn require_kafka(config: &Config) -> anyhow::Result<()> {
    if config.bus.backend != Backend::Kafka {
        bail!(
            "topics are managed on a Kafka cluster: set FINSTREAM__BUS__BACKEND=kafka and FINSTREAM__KAFKA__BROKERS=host:port (or [bus] backend = \"kafka\" in --config)"
        );
    }
    Ok(())
}

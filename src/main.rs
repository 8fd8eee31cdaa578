//! The `finstream` binary: parses the command line and configuration, then hands over to
//! the role in `roles.rs`.

mod analyze;
mod cli;
mod config;
mod docs;
mod embed;
mod history;
mod keys;
mod loadgen;
mod roles;
mod telemetry;

use clap::Parser;
use cli::{AnalyzeCommand, Cli, Command, DocsCommand, IngestCommand};
use config::Config;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut config = Config::load(cli.config.as_deref())?;
    telemetry::init_logs(&config.log);
    match cli.command {
        Command::Config => {
            println!("{}", config.redacted_json()?);
            Ok(())
        }
        Command::Topics(cmd) => roles::topics(&config, &cmd).await,
        Command::Sql {
            query,
            data_dir,
            format,
            output,
        } => {
            history::sql(
                &config,
                &query,
                data_dir,
                format.as_deref(),
                output.as_deref(),
            )
            .await
        }
        Command::Store(cmd) => history::store(&config, cmd).await,
        Command::Keys(cmd) => keys::keys(&config, cmd).await,
        Command::Docs(DocsCommand::Add {
            paths,
            conn,
            title,
            tickers,
            tags,
            wait,
        }) => {
            let options = docs::AddOptions {
                title,
                tickers,
                tags,
                wait: wait.map(std::time::Duration::from_secs),
            };
            docs::add(&conn, &paths, &options).await
        }
        Command::Docs(DocsCommand::List { conn }) => docs::list(&conn).await,
        Command::Loadgen(args) => loadgen::run(&config, args).await,
        Command::History(cmd) => history::history(&config, cmd).await,
        Command::Greeks { input, output } => analyze::greeks(&input, output.as_deref()),
        Command::Embed {
            text,
            stdin,
            model_dir,
        } => embed::run(
            &config.embeddings,
            text.as_deref(),
            stdin,
            model_dir.as_deref(),
        ),
        Command::Analyze(AnalyzeCommand::Bars {
            events,
            input,
            indicators,
            output,
            session_utc_offset_minutes,
        }) => analyze::bars(
            &input,
            &indicators,
            output.as_deref(),
            session_utc_offset_minutes,
            events,
        ),
        Command::Run {
            http,
            data_dir,
            source,
        } => {
            if let Some(h) = http {
                config.gateway.listen = h;
            }
            if let Some(d) = data_dir {
                config.data.dir = d;
            }
            let metrics = telemetry::init_metrics();
            roles::run_all(config, metrics, source, roles::shutdown_on_signals()).await
        }
        Command::Gateway { http } => {
            if let Some(h) = http {
                config.gateway.listen = h;
            }
            let metrics = telemetry::init_metrics();
            let transport = roles::Transport::from_config(&config).await?;
            roles::gateway(&config, &transport, metrics, roles::shutdown_on_signals()).await
        }
        Command::Process { name } => {
            let shutdown = roles::shutdown_on_signals();
            roles::serve_metrics(&config, &shutdown).await?;
            let transport = roles::Transport::from_config(&config).await?;
            roles::process(&config, &transport, &name, shutdown).await
        }
        Command::Ingest(IngestCommand::Replay { input, kind, speed }) => {
            let shutdown = roles::shutdown_on_signals();
            let transport = roles::Transport::from_config(&config).await?;
            roles::ingest_replay(&transport, &input, kind, &speed, shutdown).await
        }
        Command::Ingest(IngestCommand::Alpaca { symbols }) => {
            if let Some(s) = symbols {
                config.alpaca.symbols = s;
            }
            let shutdown = roles::shutdown_on_signals();
            roles::serve_metrics(&config, &shutdown).await?;
            let transport = roles::Transport::from_config(&config).await?;
            roles::ingest_alpaca(&config, &transport, shutdown).await
        }
        Command::Ingest(IngestCommand::Synthetic { rate, duration }) => {
            let shutdown = roles::shutdown_on_signals();
            roles::serve_metrics(&config, &shutdown).await?;
            let transport = roles::Transport::from_config(&config).await?;
            roles::ingest_synthetic(&config, &transport, rate, duration, shutdown).await
        }
    }
}

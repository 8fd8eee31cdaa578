//! Alpaca's official Python SDK (alpaca-py, the version `scripts/alpaca-compat/setup.sh`
//! installs) pointed at a running `finstream run`: `StockHistoricalDataClient` pages bars
//! across several pages and reads latest trades, quotes, bars and snapshots;
//! `OptionHistoricalDataClient.get_option_chain` returns Greeks; `StockDataStream`
//! receives trades and quotes of the symbols it subscribed to. The checks themselves are
//! in `scripts/alpaca-compat/sdk_check.py`.
//!
//! Before the start, the embedded store gets five hours of minute bars and a week of daily
//! bars for AAPL and MSFT (the synthetic market would need hours to make them); trades,
//! quotes and option Greeks come live from the synthetic market. Needs the venv, so it is
//! ignored by default and run by `make test`.

mod common;

use common::Finstream;
use finstream_gateway::auth::hash_secret;
use finstream_schemas::{Bar, Codec, Event};
use finstream_storage::DataDir;
use finstream_storage::hot::keys::ApiKey;
use finstream_storage::hot::{EmbeddedStore, HotStore};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

const MINUTE: i64 = 60_000_000_000;
const DAY: i64 = 1_440 * MINUTE;

fn bar(symbol: &str, timeframe: &str, start: i64, length: i64, i: i64) -> Event {
    let close = 100.0 + (i % 17) as f64 * 0.25;
    Event::Bar(Bar {
        id: format!("seed-{symbol}-{timeframe}-{start}"),
        symbol: symbol.into(),
        timeframe: timeframe.into(),
        start_time: start,
        end_time: start + length,
        open: close - 0.1,
        high: close + 0.5,
        low: close - 0.5,
        close,
        volume: 1_000.0 + i as f64,
        trade_count: 10,
        vwap: close,
        revision: 0,
        event_time: start + length - 1,
    })
}

/// The key the SDK connects with.
const KEY_ID: &str = "FKSDKTEST00000000000";
const SECRET: &str = "sdk-test-secret-0123456789abcdefghijklmn";

async fn seed(data: &DataDir, now: i64) {
    let store = EmbeddedStore::open(&data.store().join("hot.redb")).expect("open the store");
    let store = HotStore::Embedded(store, Codec::embedded());
    let this_minute = now - now.rem_euclid(MINUTE);
    let today = now - now.rem_euclid(DAY);
    let mut events = Vec::new();
    for symbol in ["AAPL", "MSFT"] {
        for i in 0..300 {
            events.push(bar(
                symbol,
                "1m",
                this_minute - (300 - i) * MINUTE,
                MINUTE,
                i,
            ));
        }
        for i in 0..7 {
            events.push(bar(symbol, "1d", today - (7 - i) * DAY, DAY, i));
        }
    }
    store.write(&events).await.expect("seed the store");
    let key = ApiKey {
        id: KEY_ID.into(),
        secret_sha256: hash_secret(SECRET),
        role: "viewer".into(),
        label: "alpaca-py".into(),
        created_at: now,
        revoked_at: None,
    };
    store.put_api_key(&key, now).await.expect("seed the key");
}

fn venv_python() -> PathBuf {
    let venv = std::env::var_os("FINSTREAM_ALPACA_VENV").map_or_else(
        || {
            PathBuf::from(std::env::var_os("HOME").expect("HOME"))
                .join(".cache/finstream/venv-alpaca")
        },
        PathBuf::from,
    );
    let python = venv.join("bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/alpaca-compat/setup.sh (deploy/local/setup.sh test does)",
        python.display()
    );
    python
}

/// Polls the chain until some contract has Greeks (the synthetic market's option quotes,
/// priced by the greeks processor, persisted).
async fn wait_for_greeks(base: &str, within: Duration) {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + within;
    let url = format!("{base}/v1beta1/options/snapshots/AAPL");
    while Instant::now() < deadline {
        let req = http
            .get(&url)
            .header("APCA-API-KEY-ID", KEY_ID)
            .header("APCA-API-SECRET-KEY", SECRET);
        if let Ok(r) = req.send().await
            && let Ok(body) = r.json::<serde_json::Value>().await
            && body["snapshots"]
                .as_object()
                .is_some_and(|m| m.values().any(|s| s["greeks"].is_object()))
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("no option Greeks in the store within {within:?}");
}

#[tokio::test]
#[ignore = "needs the alpaca-py venv (scripts/alpaca-compat/setup.sh); run by make test"]
async fn alpaca_py_reads_history_snapshots_chains_and_the_stream() {
    let python = venv_python();
    let dir = tempfile::tempdir().expect("tempdir");
    let data = DataDir::open(dir.path()).expect("data dir");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .expect("clock");
    seed(&data, now).await;

    let data_dir = dir.path().display().to_string();
    let finstream = Finstream::start(
        &["run", "--http", "127.0.0.1:0", "--data-dir", &data_dir],
        // Pages of 100 bars: the window's 600 seeded bars take at least six.
        &[
            ("FINSTREAM__GATEWAY__PAGE_MAX".into(), "100".into()),
            // The SDK authenticates with a stored key, as against Alpaca.
            ("FINSTREAM__GATEWAY__AUTH__REQUIRED".into(), "true".into()),
        ],
        true,
    );
    let base = finstream.url().trim_end_matches('/').to_string();
    wait_for_greeks(&base, Duration::from_secs(90)).await;

    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scripts/alpaca-compat/sdk_check.py"
    );
    let start = common::rfc3339(now - 300 * MINUTE - now.rem_euclid(MINUTE));
    let end = common::rfc3339(now - now.rem_euclid(MINUTE) - 1);
    let out = Command::new(python)
        .args([
            script,
            "--rest",
            &base,
            "--stream",
            &finstream.ws_url("/v2/iex"),
        ])
        .args(["--only", "rest", "--only", "options", "--only", "stream"])
        .args(["--seconds", "10", "--key", KEY_ID, "--secret", SECRET])
        .args(["--symbols", "AAPL", "MSFT", "--min-pages", "6"])
        .args(["--bars-start", &start, "--bars-end", &end])
        .output()
        .expect("run sdk_check.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "sdk_check.py failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
}

//! The Parquet history on an S3-compatible store, configured as users configure it
//! (`history.url = "s3://bucket/prefix"` and `[history.s3]`), against the S3 server that
//! `deploy/local/services.sh up s3` starts (`FINSTREAM_TEST_S3`, its endpoint URL;
//! ignored by default, run by `make test`): writes, the replace-not-duplicate naming,
//! compaction, and SQL over what is there.

use finstream_schemas::{Event, Trade};
use finstream_storage::history::format_day;
use finstream_storage::{DataDir, HistoryConfig, QueryLimits, ResultFormat, SqlEngine, Table};
use std::io::{Read, Write};

const DAY: i64 = 86_400_000_000_000;

fn trade(symbol: &str, t: i64, price: f64, n: usize) -> Event {
    Event::Trade(Trade {
        id: format!("{symbol}-{n}"),
        symbol: symbol.into(),
        price,
        size: 10.0,
        event_time: t,
        trade_id: Some(n as i64),
        exchange: None,
        conditions: vec![],
        tape: None,
        source: "test".into(),
    })
}

/// Creates a bucket with S3's `CreateBucket` (a `PUT /bucket`), which object stores do not
/// offer; the test server accepts it unsigned.
fn create_bucket(endpoint: &str, bucket: &str) {
    let host = endpoint
        .strip_prefix("http://")
        .expect("FINSTREAM_TEST_S3 is an http:// URL")
        .trim_end_matches('/');
    let mut conn = std::net::TcpStream::connect(host).expect("connect to the S3 server");
    write!(
        conn,
        "PUT /{bucket} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .expect("send CreateBucket");
    let mut reply = String::new();
    conn.read_to_string(&mut reply).expect("read the reply");
    assert!(
        reply.starts_with("HTTP/1.1 200"),
        "CreateBucket failed: {reply}"
    );
}

async fn csv(engine: &SqlEngine, sql: &str) -> String {
    let result = engine.query(sql).await.expect("query");
    let mut out = Vec::new();
    ResultFormat::Csv
        .write(&result, &mut out)
        .expect("format as CSV");
    String::from_utf8(out).expect("UTF-8")
}

#[tokio::test]
#[ignore = "needs an S3 server: deploy/local/services.sh up s3, then FINSTREAM_TEST_S3"]
async fn history_on_s3_writes_compacts_and_answers_sql() {
    let endpoint = std::env::var("FINSTREAM_TEST_S3").expect("FINSTREAM_TEST_S3");
    let bucket = format!(
        "finstream-test-{}-{}",
        std::process::id(),
        finstream_schemas::now_nanos() % 1_000_000_007
    );
    create_bucket(&endpoint, &bucket);

    let scratch = tempfile::tempdir().expect("tempdir");
    let data = DataDir::open(scratch.path()).expect("data dir");
    // The `history` section as a configuration file or FINSTREAM__HISTORY__* gives it.
    let config: HistoryConfig = serde_json::from_value(serde_json::json!({
        "url": format!("s3://{bucket}/research/history"),
        "s3": {
            "endpoint": endpoint,
            "region": "us-east-1",
            "access_key_id": "finstream",
            "secret_access_key": "finstream",
            "allow_http": true,
        },
    }))
    .expect("history section");
    let history = config.open(&data).expect("open the S3 history");
    assert!(
        std::fs::read_dir(data.history())
            .expect("data dir history")
            .next()
            .is_none(),
        "an S3 history wrote into the local data directory"
    );

    let day = 19_723 * DAY + 15 * 3_600_000_000_000;
    let first: Vec<Event> = (0..100)
        .map(|i| {
            trade(
                if i % 2 == 0 { "AAPL" } else { "MSFT" },
                day + i,
                100.0,
                i as usize,
            )
        })
        .collect();
    let second: Vec<Event> = (100..150)
        .map(|i| trade("AAPL", day + DAY + i, 101.0, i as usize))
        .collect();
    history
        .write(Table::Trades, 0, 0, 0, 99, &first)
        .await
        .expect("write the first range");
    // A replay writes the same range again: the file is replaced, not added.
    history
        .write(Table::Trades, 0, 0, 0, 99, &first)
        .await
        .expect("write the first range again");
    history
        .write(Table::Trades, 0, 0, 100, 149, &second)
        .await
        .expect("write the second range");

    let files = history.files(Table::Trades).await.expect("list");
    assert_eq!(files.len(), 2, "files: {files:?}");
    assert_eq!(
        files.iter().map(|f| f.date.as_str()).collect::<Vec<_>>(),
        [format_day(19_723), format_day(19_724)]
    );
    assert_eq!(
        history
            .flushed_through(Table::Trades, 0, 0)
            .await
            .expect("flushed"),
        Some(149)
    );

    let engine = SqlEngine::new(history.clone(), QueryLimits::default());
    assert_eq!(
        csv(
            &engine,
            "SELECT count(*) AS n, count(DISTINCT id) AS ids, min(date) AS d0 FROM trades"
        )
        .await,
        format!("n,ids,d0\n150,150,{}\n", format_day(19_723))
    );
    assert_eq!(
        csv(
            &engine,
            &format!(
                "SELECT symbol, count(*) AS n FROM trades WHERE date = '{}' GROUP BY symbol ORDER BY symbol",
                format_day(19_723)
            )
        )
        .await,
        "symbol,n\nAAPL,50\nMSFT,50\n"
    );

    // Two more small files on the second day, then compaction merges that day's three.
    for (first_offset, chunk) in [(150, 150..160), (160, 160..170)] {
        let events: Vec<Event> = chunk
            .clone()
            .map(|i| trade("MSFT", day + DAY + i, 102.0, i as usize))
            .collect();
        history
            .write(Table::Trades, 0, 0, first_offset, first_offset + 9, &events)
            .await
            .expect("write a small range");
    }
    assert_eq!(history.files(Table::Trades).await.expect("list").len(), 4);
    let merged = history
        .compact(Table::Trades, 1 << 20)
        .await
        .expect("compact");
    assert!(merged > 0, "compaction merged nothing");
    let files = history.files(Table::Trades).await.expect("list");
    assert_eq!(files.len(), 2, "after compaction: {files:?}");
    assert_eq!(
        csv(
            &engine,
            "SELECT count(*) AS n, count(DISTINCT id) AS ids FROM trades"
        )
        .await,
        "n,ids\n170,170\n"
    );
}

#[test]
fn history_urls_other_than_s3_are_refused_with_what_to_write() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let data = DataDir::open(scratch.path()).expect("data dir");
    for (url, says) in [
        ("gs://bucket/x", "gs:// is not supported"),
        ("s3:///nothing", "names no bucket"),
        ("not a url", "history.url"),
    ] {
        let config = HistoryConfig {
            url: Some(url.into()),
            ..HistoryConfig::default()
        };
        let err = config.open(&data).expect_err(url).to_string();
        assert!(err.contains(says), "{url}: {err}");
    }
}

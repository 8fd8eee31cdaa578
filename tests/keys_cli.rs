//! `finstream keys create|list|revoke` on the embedded store under `--data-dir`, and a
//! `finstream run` that requires credentials accepting the created key and, after a
//! restart, refusing it once revoked.

mod common;

use common::Finstream;
use serde_json::Value;
use std::process::Command;
use std::time::Duration;

fn keys(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_finstream"))
        .arg("keys")
        .args(args)
        .output()
        .expect("finstream keys runs");
    assert!(
        out.status.success(),
        "finstream keys {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn status(url: &str, key: Option<(&str, &str)>) -> u16 {
    let mut req = reqwest::Client::new().get(url);
    if let Some((id, secret)) = key {
        req = req
            .header("APCA-API-KEY-ID", id)
            .header("APCA-API-SECRET-KEY", secret);
    }
    req.send().await.expect("request").status().as_u16()
}

#[tokio::test]
async fn keys_made_by_the_cli_open_the_gateway_until_revoked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("utf8 path");
    let created: Value = serde_json::from_str(
        keys(&[
            "create",
            "--role",
            "viewer",
            "--label",
            "t",
            "--data-dir",
            d,
        ])
        .trim(),
    )
    .expect("create prints JSON");
    let id = created["key_id"].as_str().expect("key_id").to_string();
    let secret = created["secret"].as_str().expect("secret").to_string();
    assert_eq!(created["role"], "viewer");
    let listed = keys(&["list", "--data-dir", d]);
    assert!(
        listed.contains(&id) && !listed.contains(&secret),
        "{listed}"
    );
    let bad = Command::new(env!("CARGO_BIN_EXE_finstream"))
        .args(["keys", "create", "--role", "emperor", "--data-dir", d])
        .output()
        .expect("runs");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("viewer, trader, analyst, admin"));

    let required = [(
        "FINSTREAM__GATEWAY__AUTH__REQUIRED".to_string(),
        "true".to_string(),
    )];
    let args = [
        "run",
        "--http",
        "127.0.0.1:0",
        "--data-dir",
        d,
        "--source",
        "none",
    ];
    let mut run = Finstream::start(&args, &required, true);
    let url = format!("{}/v1/snapshot/AAPL", run.url().trim_end_matches('/'));
    assert_eq!(status(&url, None).await, 401);
    assert_eq!(status(&url, Some((&id, &secret))).await, 200);
    assert_eq!(status(&url, Some((&id, "wrong"))).await, 401);
    run.terminate(Duration::from_secs(30));

    // The embedded store is free again: revoke, restart, refused.
    assert!(keys(&["revoke", &id, "--data-dir", d]).contains("revoked"));
    let listed = keys(&["list", "--data-dir", d]);
    assert!(listed.contains("\"revoked_at\":\""), "{listed}");
    let run = Finstream::start(&args, &required, true);
    let url = format!("{}/v1/snapshot/AAPL", run.url().trim_end_matches('/'));
    assert_eq!(status(&url, Some((&id, &secret))).await, 401);
}

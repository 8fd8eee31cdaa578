//! TLS termination: with `[gateway.tls]` the gateway speaks HTTPS and WSS (rustls), with
//! a certificate made here by the openssl command line.

mod common;

use common::start;
use finstream_bus::Bus;
use finstream_gateway::tls::TlsConfig;
use finstream_gateway::{Backends, GatewayConfig};
use std::process::Command;
use tokio_util::sync::CancellationToken;

fn openssl(dir: &std::path::Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A test CA and a server certificate for localhost and 127.0.0.1 it signed: (CA
/// certificate, server certificate, server key).
fn certificates(dir: &std::path::Path) -> [std::path::PathBuf; 3] {
    let days = ["-days", "1"];
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            days[0],
            days[1],
            "-subj",
            "/CN=finstream test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            "key.pem",
            "-out",
            "server.csr",
        ],
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .expect("ext file");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            days[0],
            days[1],
            "-extfile",
            "server.ext",
            "-out",
            "cert.pem",
        ],
    );
    [
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    ]
}

#[tokio::test]
async fn the_gateway_terminates_tls_with_the_configured_certificate() {
    let dir = tempfile::tempdir().expect("dir");
    let [ca, cert, key] = certificates(dir.path());
    let config = GatewayConfig {
        tls: TlsConfig {
            cert_file: Some(cert.clone()),
            key_file: Some(key.clone()),
            handshake_timeout_secs: Some(2),
        },
        ..GatewayConfig::default()
    };
    let shutdown = CancellationToken::new();
    let port = start(&config, Bus::memory(100), Backends::default(), &shutdown).await;

    let pem = std::fs::read(&ca).expect("CA certificate");
    let trusting = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("pem"))
        .build()
        .expect("client");
    let r = trusting
        .get(format!("https://localhost:{port}/health"))
        .send()
        .await
        .expect("HTTPS request");
    assert_eq!(r.status(), 200);
    assert!(r.text().await.expect("body").contains("healthy"));

    // A client that does not trust the certificate is refused by its own TLS check, and
    // plain HTTP on the TLS port gets no HTTP answer.
    let strict = reqwest::Client::new();
    assert!(
        strict
            .get(format!("https://localhost:{port}/health"))
            .send()
            .await
            .is_err()
    );
    let plain = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/health"))
        .send()
        .await;
    assert!(plain.is_err() || !plain.expect("response").status().is_success());
    // ... and the gateway still serves the trusted client afterwards.
    let again = trusting
        .get(format!("https://127.0.0.1:{port}/health"))
        .send()
        .await
        .expect("HTTPS request");
    assert_eq!(again.status(), 200);

    // Half a configuration is an error that names what is missing.
    let half = TlsConfig {
        cert_file: Some(cert),
        key_file: None,
        handshake_timeout_secs: None,
    };
    let e = half.acceptor().err().expect("needs both");
    assert!(e.contains("key_file"), "{e}");
    let wrong = TlsConfig {
        cert_file: Some(key.clone()),
        key_file: Some(key),
        handshake_timeout_secs: None,
    };
    let e = wrong.acceptor().err().expect("a key is not a certificate");
    assert!(e.contains("cert_file"), "{e}");
    shutdown.cancel();
}

//! `finstream docs add|list`: documents into a running finstream over its REST API, with
//! a progress bar, and their pipeline status.

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Extensions `POST /v1/documents` takes.
const EXTENSIONS: [&str; 6] = ["pdf", "txt", "md", "markdown", "html", "htm"];

/// Where the gateway is and who is calling.
#[derive(Debug, Clone, clap::Args)]
pub struct Connection {
    /// The gateway's base URL.
    #[arg(
        long,
        value_name = "URL",
        default_value = "http://127.0.0.1:8080",
        env = "FINSTREAM_URL"
    )]
    pub gateway: String,
    /// API key id (`finstream keys create`); not needed by `finstream run`.
    #[arg(long, value_name = "ID", env = "FINSTREAM_KEY_ID")]
    pub key_id: Option<String>,
    /// API key secret.
    #[arg(
        long,
        value_name = "SECRET",
        env = "FINSTREAM_SECRET",
        hide_env_values = true
    )]
    pub secret: Option<String>,
}

impl Connection {
    fn request(
        &self,
        client: &reqwest::Client,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::RequestBuilder {
        let url = format!("{}{path}", self.gateway.trim_end_matches('/'));
        let mut r = client.request(method, url);
        if let (Some(id), Some(secret)) = (&self.key_id, &self.secret) {
            r = r
                .header("APCA-API-KEY-ID", id)
                .header("APCA-API-SECRET-KEY", secret);
        }
        r
    }
}

/// Prints a line above the progress bar, or plainly when the bar is hidden (not a
/// terminal), where `ProgressBar::println` would print nothing.
fn say(bar: &ProgressBar, line: String) {
    bar.suspend(|| println!("{line}"));
}

/// A bar drawn from `template`, or the default bar if the template does not parse.
fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
}

/// What `docs add` sends with every file.
#[derive(Debug, Clone, Default)]
pub struct AddOptions {
    pub title: Option<String>,
    pub tickers: Option<String>,
    pub tags: Option<String>,
    /// Wait until each document is embedded or failed, at most this long.
    pub wait: Option<Duration>,
}

/// Files under `paths` that the gateway takes (folders walked, hidden entries skipped),
/// sorted, and the ones skipped.
pub fn collect(paths: &[PathBuf]) -> anyhow::Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let (mut files, mut skipped) = (Vec::new(), Vec::new());
    for p in paths {
        if !p.exists() {
            bail!("{}: no such file or folder", p.display());
        }
        for entry in walkdir::WalkDir::new(p)
            .follow_links(true)
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
        {
            let entry = entry.with_context(|| format!("reading {}", p.display()))?;
            if !entry.file_type().is_file() {
                continue;
            }
            let path = entry.into_path();
            let ext = path
                .extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            if EXTENSIONS.contains(&ext.as_str()) {
                files.push(path);
            } else {
                skipped.push(path);
            }
        }
    }
    files.sort();
    files.dedup();
    Ok((files, skipped))
}

async fn upload_one(
    conn: &Connection,
    client: &reqwest::Client,
    path: &Path,
    options: &AddOptions,
) -> anyhow::Result<serde_json::Value> {
    let bytes = tokio::fs::read(path)
        .await
        .with_context(|| format!("reading {}", path.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "document".into());
    let mut form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name),
    );
    for (field, value) in [
        ("title", &options.title),
        ("tickers", &options.tickers),
        ("tags", &options.tags),
    ] {
        if let Some(v) = value {
            form = form.text(field, v.clone());
        }
    }
    let response = conn
        .request(client, reqwest::Method::POST, "/v1/documents")
        .multipart(form)
        .send()
        .await
        .with_context(|| format!("sending {} to {}", path.display(), conn.gateway))?;
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    if !status.is_success() {
        bail!(
            "{} {}",
            status.as_u16(),
            body["message"]
                .as_str()
                .unwrap_or("the gateway refused the file")
        );
    }
    Ok(body)
}

/// Uploads every file, then (with `wait`) follows them until embedded or failed; prints
/// one line per file and a summary. Fails if any file failed.
pub async fn add(conn: &Connection, paths: &[PathBuf], options: &AddOptions) -> anyhow::Result<()> {
    let (files, skipped) = collect(paths)?;
    for s in &skipped {
        eprintln!("skipped {} (not PDF, text, Markdown or HTML)", s.display());
    }
    if files.is_empty() {
        bail!("no documents to add under the given paths");
    }
    let total: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    let bar = ProgressBar::new(total);
    bar.set_style(style("{spinner} [{bar:30}] {bytes}/{total_bytes} {msg}"));
    let client = reqwest::Client::new();
    let mut ids = Vec::new();
    let mut failures = 0;
    for (i, path) in files.iter().enumerate() {
        bar.set_message(format!("{}/{} {}", i + 1, files.len(), path.display()));
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        match upload_one(conn, &client, path, options).await {
            Ok(body) => {
                let doc = &body["document"];
                let id = doc["id"].as_str().unwrap_or("").to_string();
                let what = if body["duplicate"] == true {
                    format!("already there ({})", doc["status"].as_str().unwrap_or("?"))
                } else {
                    "queued".to_string()
                };
                say(&bar, format!("{} {id} {what}", path.display()));
                ids.push((path.clone(), id));
            }
            Err(e) => {
                failures += 1;
                say(&bar, format!("{} FAILED: {e:#}", path.display()));
            }
        }
        bar.inc(size);
    }
    bar.finish_and_clear();
    println!(
        "uploaded {} of {} files ({} bytes)",
        ids.len(),
        files.len(),
        total
    );
    if let Some(within) = options.wait {
        failures += follow(conn, &client, &ids, within).await?;
    }
    if failures > 0 {
        bail!("{failures} of {} documents failed", files.len());
    }
    Ok(())
}

/// Polls the documents until each is embedded or failed; returns how many failed.
async fn follow(
    conn: &Connection,
    client: &reqwest::Client,
    ids: &[(PathBuf, String)],
    within: Duration,
) -> anyhow::Result<usize> {
    let bar = ProgressBar::new(ids.len() as u64);
    bar.set_style(style("{spinner} processing [{bar:30}] {pos}/{len} {msg}"));
    let deadline = Instant::now() + within;
    let mut pending: Vec<&(PathBuf, String)> = ids.iter().collect();
    let mut failed = 0;
    while !pending.is_empty() {
        let mut still = Vec::new();
        for entry in pending {
            let (path, id) = entry;
            let r = conn
                .request(client, reqwest::Method::GET, &format!("/v1/documents/{id}"))
                .send()
                .await
                .with_context(|| format!("asking {} about {id}", conn.gateway))?;
            let doc: serde_json::Value = if r.status().is_success() {
                r.json().await.unwrap_or_default()
            } else {
                serde_json::Value::Null
            };
            match doc["status"].as_str() {
                Some("embedded") => {
                    say(
                        &bar,
                        format!(
                            "{} embedded: {} pages, {} chunks",
                            path.display(),
                            doc["page_count"],
                            doc["chunk_count"]
                        ),
                    );
                    bar.inc(1);
                }
                Some("failed") => {
                    failed += 1;
                    say(
                        &bar,
                        format!(
                            "{} failed ({}): {}",
                            path.display(),
                            doc["error_code"].as_str().unwrap_or("?"),
                            doc["error"].as_str().unwrap_or("")
                        ),
                    );
                    bar.inc(1);
                }
                other => {
                    bar.set_message(format!("{}: {}", path.display(), other.unwrap_or("queued")));
                    still.push(entry);
                }
            }
        }
        pending = still;
        if !pending.is_empty() {
            if Instant::now() > deadline {
                bar.finish_and_clear();
                bail!(
                    "{} documents still processing after {} s: see finstream docs list",
                    pending.len(),
                    within.as_secs()
                );
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    bar.finish_and_clear();
    Ok(failed)
}

/// Prints the documents with their status, one per line.
pub async fn list(conn: &Connection) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let r = conn
        .request(&client, reqwest::Method::GET, "/v1/documents")
        .send()
        .await
        .with_context(|| format!("asking {} for its documents", conn.gateway))?;
    let status = r.status();
    let body: serde_json::Value = r.json().await.unwrap_or_default();
    if !status.is_success() {
        bail!(
            "{} {}",
            status.as_u16(),
            body["message"].as_str().unwrap_or("")
        );
    }
    for d in body["documents"].as_array().into_iter().flatten() {
        let title = d["title"].as_str().unwrap_or("");
        let detail = match d["status"].as_str() {
            Some("failed") => format!(
                "{}: {}",
                d["error_code"].as_str().unwrap_or(""),
                d["error"].as_str().unwrap_or("")
            ),
            _ => format!("{} pages, {} chunks", d["page_count"], d["chunk_count"]),
        };
        println!(
            "{}  {:<9} {}  {}  ({detail})",
            d["id"].as_str().unwrap_or(""),
            d["status"].as_str().unwrap_or(""),
            d["filename"].as_str().unwrap_or(""),
            title
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_walked_and_other_files_skipped() {
        let dir = tempfile::tempdir().expect("tmp");
        let sub = dir.path().join("notes");
        std::fs::create_dir_all(&sub).expect("mkdir");
        std::fs::create_dir_all(dir.path().join(".git")).expect("mkdir");
        for f in [
            "a.pdf",
            "notes/b.MD",
            "notes/c.docx",
            ".git/d.txt",
            "e.html",
        ] {
            std::fs::write(dir.path().join(f), b"x").expect("write");
        }
        let (files, skipped) = collect(&[dir.path().to_path_buf()]).expect("walks");
        let names: Vec<String> = files
            .iter()
            .map(|f| {
                f.strip_prefix(dir.path())
                    .expect("inside")
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(names, vec!["a.pdf", "e.html", "notes/b.MD"]);
        assert_eq!(skipped.len(), 1);
        let err = collect(&[dir.path().join("missing")]).expect_err("missing");
        assert!(err.to_string().contains("no such file"), "{err}");
    }
}

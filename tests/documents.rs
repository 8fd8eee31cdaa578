//! Documents end to end on `finstream run`: uploads through `POST /v1/documents` become
//! chunks on the bus (the `embeddings` processor), the gateway's vector index finds them
//! (`GET /v1/search`), and `POST /v1/chat` answers with citations, by extraction and
//! through an OpenAI-compatible LLM (a local fake speaking the chat completions
//! streaming protocol). Bad files fail with a reason and the next one is processed.
//!
//! Needs all-MiniLM-L6-v2 (scripts/models/fetch-minilm.sh; `make test` fetches it).

mod common;

use axum::response::sse::{Event, Sse};
use common::*;
use futures::StreamExt;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const NWSC: &str = "nwsc-q3-2024.pdf";
const MEMO: &str = "# Desk memo\n\nThe Zephyr basket rebalances on the third Friday of each month. \
Its hedge ratio against the index is 0.62, set by the risk committee in June.\n\n\
Settlement of the basket is T+1 for equities and T+2 for the listed futures leg.\n";

/// The fake LLM: remembers the prompts it got and streams a fixed answer that cites [1];
/// a question containing "FAIL" gets a 500.
async fn fake_llm(prompts: Arc<Mutex<Vec<String>>>) -> String {
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        axum::routing::post(move |body: axum::Json<serde_json::Value>| {
            let prompts = Arc::clone(&prompts);
            async move {
                let user = body["messages"][1]["content"]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                let stream = body["stream"].as_bool().unwrap_or(false);
                prompts.lock().expect("lock").push(user.clone());
                if user.contains("FAIL") || !stream {
                    return axum::response::IntoResponse::into_response((
                        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                        "model overloaded",
                    ));
                }
                let pieces = ["The price target ", "is in the note ", "[1]."];
                let events = futures::stream::iter(pieces.into_iter().map(|p| {
                    let chunk = serde_json::json!({"choices": [{"delta": {"content": p}}]});
                    Ok::<_, Infallible>(Event::default().data(chunk.to_string()))
                }))
                .chain(futures::stream::iter([Ok(Event::default().data("[DONE]"))]));
                axum::response::IntoResponse::into_response(Sse::new(events))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/v1")
}

async fn upload(
    client: &reqwest::Client,
    base: &str,
    name: &str,
    bytes: Vec<u8>,
    fields: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    let mut form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
    );
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    let r = client
        .post(format!("{base}/v1/documents"))
        .multipart(form)
        .send()
        .await
        .expect("upload answers");
    let status = r.status().as_u16();
    (status, r.json().await.expect("json body"))
}

/// Waits until every document is embedded or failed; returns them by file name.
async fn settled(
    client: &reqwest::Client,
    base: &str,
    count: usize,
) -> BTreeMap<String, serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let list: serde_json::Value = client
            .get(format!("{base}/v1/documents"))
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("json");
        let docs = list["documents"].as_array().cloned().unwrap_or_default();
        let done = docs
            .iter()
            .filter(|d| d["status"] == "embedded" || d["status"] == "failed")
            .count();
        if docs.len() == count && done == count {
            return docs
                .into_iter()
                .map(|d| (d["filename"].as_str().unwrap_or("").to_string(), d))
                .collect();
        }
        assert!(
            Instant::now() < deadline,
            "documents did not settle: {list:#}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs all-MiniLM-L6-v2: run scripts/models/fetch-minilm.sh (make test does)"]
async fn uploads_become_searchable_and_answers_cite_them() {
    let prompts = Arc::new(Mutex::new(Vec::new()));
    let llm = fake_llm(Arc::clone(&prompts)).await;
    let data = tempfile::tempdir().expect("tmp");
    let env = vec![
        ("FINSTREAM__ANSWERS__LLM__URL".to_string(), llm),
        (
            "FINSTREAM__ANSWERS__MAX_UPLOAD_MIB".to_string(),
            "2".to_string(),
        ),
    ];
    let mut app = Finstream::run_in(data.path(), &env);
    let base = app.url().to_string();
    wait_http_ok(&format!("{base}/ready"), Duration::from_secs(60)).await;
    let client = reqwest::Client::new();

    // Bad files first: each fails with its reason, and the good ones after them are
    // still processed.
    let corpus =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("analytics/tests/golden/retrieval/docs");
    let zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00 zipped bytes, not a PDF".to_vec();
    let (status, body) = upload(&client, &base, "bomb.pdf", zip, &[]).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["document"]["status"], "queued");
    let corrupt = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage without xref".to_vec();
    let (status, _) = upload(&client, &base, "corrupt.pdf", corrupt, &[]).await;
    assert_eq!(status, 202);
    let nwsc = std::fs::read(corpus.join(NWSC)).expect("corpus PDF");
    let (status, body) = upload(
        &client,
        &base,
        NWSC,
        nwsc.clone(),
        &[("tags", "research, q3"), ("tickers", "nwsc")],
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let nwsc_id = body["document"]["id"].as_str().expect("id").to_string();
    assert_eq!(body["document"]["tickers"], serde_json::json!(["NWSC"]));
    let (status, _) = upload(&client, &base, "memo.md", MEMO.as_bytes().to_vec(), &[]).await;
    assert_eq!(status, 202);

    // Refused at the door: the wrong type, no file, too large.
    let (status, body) = upload(&client, &base, "deck.pptx", b"PK..".to_vec(), &[]).await;
    assert_eq!(status, 415, "{body}");
    assert!(
        body["message"].as_str().unwrap_or("").contains("deck.pptx"),
        "{body}"
    );
    let (status, body) = upload(&client, &base, "big.txt", vec![b'a'; 3 << 20], &[]).await;
    assert_eq!(status, 413, "{body}");
    assert!(
        body["message"].as_str().unwrap_or("").contains("2 MiB"),
        "{body}"
    );
    let r = client
        .post(format!("{base}/v1/documents"))
        .multipart(reqwest::multipart::Form::new().text("title", "no file"))
        .send()
        .await
        .expect("answers");
    assert_eq!(r.status(), 400);

    let docs = settled(&client, &base, 4).await;
    assert_eq!(
        docs["bomb.pdf"]["status"], "failed",
        "{:#}",
        docs["bomb.pdf"]
    );
    assert_eq!(docs["bomb.pdf"]["error_code"], "not_pdf");
    assert!(
        docs["bomb.pdf"]["error"]
            .as_str()
            .unwrap_or("")
            .contains("zip")
    );
    assert_eq!(docs["corrupt.pdf"]["status"], "failed");
    assert_eq!(
        docs["corrupt.pdf"]["error_code"], "corrupt",
        "{:#}",
        docs["corrupt.pdf"]
    );
    let n = &docs[NWSC];
    assert_eq!(n["status"], "embedded", "{n:#}");
    assert_eq!(n["page_count"], 4);
    assert!(n["chunk_count"].as_i64().unwrap_or(0) >= 4, "{n:#}");
    assert_eq!(n["tags"], serde_json::json!(["research", "q3"]));
    assert!(n["title"].as_str().is_some_and(|t| !t.is_empty()), "{n:#}");
    assert_eq!(docs["memo.md"]["status"], "embedded");
    assert_eq!(docs["memo.md"]["page_count"], 0);
    assert_eq!(
        docs["memo.md"]["title"], "Desk memo",
        "Markdown heading marks dropped"
    );

    // The same bytes again: one document.
    let (status, body) = upload(&client, &base, "again.pdf", nwsc, &[]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["duplicate"], true);
    assert_eq!(body["document"]["id"], nwsc_id.as_str());

    // Search finds the page that answers, with the words highlighted; filters narrow it.
    let search = |q: &str, extra: &str| {
        let url = format!("{base}/v1/search?q={}{extra}", q.replace(' ', "%20"));
        let client = client.clone();
        async move {
            let r = client.get(url).send().await.expect("search");
            assert_eq!(r.status(), 200);
            r.json::<serde_json::Value>().await.expect("json")
        }
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let found = loop {
        let found = search("hedge ratio of the Zephyr basket", "").await;
        if found["results"].as_array().is_some_and(|r| !r.is_empty()) || Instant::now() > deadline {
            break found;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let top = &found["results"][0];
    assert_eq!(top["document_id"], docs["memo.md"]["id"], "{found:#}");
    assert!(top["text"].as_str().unwrap_or("").contains("0.62"));
    assert!(!top["highlights"].as_array().expect("highlights").is_empty());
    let on_nwsc = search("price target", "&ticker=NWSC&k=3").await;
    let results = on_nwsc["results"].as_array().expect("results");
    assert!(!results.is_empty(), "{on_nwsc:#}");
    assert!(
        results.iter().all(|r| r["document_id"] == nwsc_id.as_str()),
        "{on_nwsc:#}"
    );
    let nothing = search("price target", "&tag=no-such-tag").await;
    assert_eq!(nothing["results"], serde_json::json!([]));
    let r = client
        .get(format!("{base}/v1/search?q=x&k=0"))
        .send()
        .await
        .expect("answers");
    assert_eq!(r.status(), 400);

    // An answer through the LLM, streamed: sources first, pieces, then the whole answer.
    let r = client
        .post(format!("{base}/v1/chat"))
        .header("accept", "text/event-stream")
        .json(&serde_json::json!({"message": "What price target does the note set for Northwind Semiconductors?"}))
        .send()
        .await
        .expect("chat");
    assert_eq!(r.status(), 200);
    let text = r.text().await.expect("stream");
    let names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("event: "))
        .collect();
    assert_eq!(names.first(), Some(&"sources"), "{text}");
    assert_eq!(names.last(), Some(&"done"), "{text}");
    assert_eq!(names.iter().filter(|n| **n == "delta").count(), 3, "{text}");
    let done: serde_json::Value = text
        .split("event: done\ndata: ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .and_then(|line| serde_json::from_str(line).ok())
        .expect("done event");
    assert_eq!(done["mode"], "llm");
    assert_eq!(done["answer"], "The price target is in the note [1].");
    assert_eq!(
        done["sources"][0]["document_id"],
        nwsc_id.as_str(),
        "{done:#}"
    );
    let prompt = prompts
        .lock()
        .expect("lock")
        .last()
        .cloned()
        .unwrap_or_default();
    assert!(
        prompt.contains("[1] ") && prompt.contains("Question: What price target"),
        "{prompt}"
    );

    // The LLM fails: the answer falls back to extraction, with citations, and says why.
    let r = client
        .post(format!("{base}/chat"))
        .json(&serde_json::json!({"message": "FAIL: what is the Zephyr basket's hedge ratio?", "context": {}}))
        .send()
        .await
        .expect("chat");
    assert_eq!(r.status(), 200);
    let a: serde_json::Value = r.json().await.expect("json");
    assert_eq!(a["mode"], "extractive", "{a:#}");
    assert!(
        a["llm_error"].as_str().unwrap_or("").contains("500"),
        "{a:#}"
    );
    let answer = a["answer"].as_str().unwrap_or("");
    assert!(answer.contains("0.62") && answer.contains("[1]"), "{a:#}");
    assert_eq!(a["sources"][0]["document_id"], docs["memo.md"]["id"]);

    // Nothing relevant: said plainly, without asking the LLM.
    let asked = prompts.lock().expect("lock").len();
    let r = client
        .post(format!("{base}/v1/chat"))
        .json(&serde_json::json!({"message": "recipe for sourdough bread with rye flour"}))
        .send()
        .await
        .expect("chat");
    let a: serde_json::Value = r.json().await.expect("json");
    assert_eq!(a["found"], false, "{a:#}");
    assert_eq!(a["answer"], "Not found in your documents.");
    assert_eq!(prompts.lock().expect("lock").len(), asked);
    let r = client
        .post(format!("{base}/v1/chat"))
        .json(&serde_json::json!({"message": "  "}))
        .send()
        .await
        .expect("chat");
    assert_eq!(r.status(), 400);

    // A restart reloads the index from its file: search works at once.
    app.terminate(Duration::from_secs(20));
    let mut app = Finstream::run_in(data.path(), &[]);
    let base = app.url().to_string();
    wait_http_ok(&format!("{base}/ready"), Duration::from_secs(60)).await;
    let again: serde_json::Value = client
        .get(format!("{base}/v1/search?q=Zephyr%20hedge%20ratio"))
        .send()
        .await
        .expect("search")
        .json()
        .await
        .expect("json");
    assert_eq!(
        again["results"][0]["document_id"], docs["memo.md"]["id"],
        "{again:#}"
    );
    assert!(again["indexed_chunks"].as_u64().unwrap_or(0) >= 5);
    app.terminate(Duration::from_secs(20));
}

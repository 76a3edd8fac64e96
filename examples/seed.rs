//! Fill a running game example with characters over HTTP (used by `bench/http_load.sh`).
//!
//! ```text
//! cargo run --example game &                       # or any SPECSTAR_BACKEND
//! cargo run --release --example seed -- http://127.0.0.1:8000 10000 ids.txt
//! ```
//!
//! Creates `COUNT` characters `seed-<i>` with `level = i % 500` (so at 10 000 characters
//! `QB["level"] == 42` matches exactly 20 of them), `role` cycling through five roles and
//! `gold = i`, with 32 requests in flight, then writes the resource ids, one a line, to
//! `IDS_FILE`. Waits up to 30 s for the server to answer first. Exits non-zero on any failed
//! request.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

const ROLES: [&str; 5] = ["warrior", "mage", "rogue", "cleric", "ranger"];
const IN_FLIGHT: usize = 32;

type Http = Client<HttpConnector, Full<Bytes>>;
type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, count, ids_file] = args.as_slice() else {
        return Err("usage: seed <base-url> <count> <ids-file>".into());
    };
    let base = base.trim_end_matches('/').to_owned();
    let count: usize = count
        .parse()
        .map_err(|_| format!("count must be a number, got `{count}`"))?;
    let http: Http = Client::builder(TokioExecutor::new()).build_http();
    wait_ready(&http, &base).await?;

    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..IN_FLIGHT.min(count.max(1)) {
        let (http, base, next) = (http.clone(), base.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut made = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return Ok::<_, BoxError>(made);
                }
                made.push((i, create(&http, &base, i).await?));
            }
        }));
    }
    let mut ids = vec![String::new(); count];
    for worker in workers {
        for (i, id) in worker.await?? {
            ids[i] = id;
        }
    }
    let mut text = ids.join("\n");
    text.push('\n');
    std::fs::write(ids_file, text).map_err(|e| format!("cannot write {ids_file}: {e}"))?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "seed: {count} characters in {secs:.1} s ({:.0}/s), ids in {ids_file}",
        count as f64 / secs
    );
    Ok(())
}

/// Create character `i`; its resource id.
async fn create(http: &Http, base: &str, i: usize) -> Result<String, BoxError> {
    let body = serde_json::json!({
        "name": format!("seed-{i}"),
        "level": i % 500,
        "role": ROLES[i % ROLES.len()],
        "gold": i,
    });
    let request = Request::post(format!("{base}/character"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body.to_string())))?;
    let response = http.request(request).await?;
    let status = response.status();
    let bytes = response.into_body().collect().await?.to_bytes();
    if status != StatusCode::OK {
        return Err(format!(
            "POST /character answered {status}: {}",
            String::from_utf8_lossy(&bytes)
        )
        .into());
    }
    let info: serde_json::Value = serde_json::from_slice(&bytes)?;
    info["resource_id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no resource_id in {info}").into())
}

/// Wait until `GET /openapi.json` answers (at most 30 s).
async fn wait_ready(http: &Http, base: &str) -> Result<(), BoxError> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let probe = Request::get(format!("{base}/openapi.json")).body(Full::new(Bytes::new()))?;
        match http.request(probe).await {
            Ok(r) if r.status() == StatusCode::OK => return Ok(()),
            _ if Instant::now() > deadline => {
                return Err(format!("{base} did not answer within 30 s").into());
            }
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

//! The issue's reference point for `bench/http_load.sh`: a bare axum server over a
//! `Mutex<HashMap>` with serde_json, no revisions, no indexes, no storage.
//!
//! ```text
//! BACKENDS=baseline bench/http_load.sh          # runs it under the same wrk scripts
//! SPECSTAR_ADDR=127.0.0.1:8000 cargo run --release --example bench_baseline
//! ```
//!
//! It answers the same create, read and update requests as the game example's `/character`
//! routes (`POST /character` → `{"resource_id": …}`, `GET`/`PUT /character/{id}`), so the load
//! script can measure both on the same machine in the same run. The issue's figures for it
//! (~85k creates/s, ~100k reads/s) came from another 2-core machine; running it beside the game
//! example tells how fast *this* machine is.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde_json::Value;

#[derive(Default)]
struct Baseline {
    next_id: AtomicU64,
    characters: Mutex<HashMap<String, Value>>,
}

type Shared = Arc<Baseline>;

async fn create(State(state): State<Shared>, Json(body): Json<Value>) -> Json<Value> {
    let id = format!(
        "character:{}",
        state.next_id.fetch_add(1, Ordering::Relaxed)
    );
    state.characters.lock().unwrap().insert(id.clone(), body);
    Json(serde_json::json!({ "resource_id": id }))
}

async fn read(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<Value>, StatusCode> {
    let characters = state.characters.lock().unwrap();
    characters
        .get(&id)
        .cloned()
        .map(Json)
        .ok_or(StatusCode::NOT_FOUND)
}

async fn update(
    State(state): State<Shared>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, StatusCode> {
    let mut characters = state.characters.lock().unwrap();
    let slot = characters.get_mut(&id).ok_or(StatusCode::NOT_FOUND)?;
    *slot = body;
    Ok(Json(serde_json::json!({ "resource_id": id })))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::var("SPECSTAR_ADDR").unwrap_or_else(|_| "127.0.0.1:8000".to_owned());
    let app = Router::new()
        .route("/character", post(create))
        .route("/character/{id}", get(read).put(update))
        // the load script waits for this route before seeding
        .route(
            "/openapi.json",
            get(|| async { Json(serde_json::json!({})) }),
        )
        .with_state(Shared::default());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("baseline listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await
}

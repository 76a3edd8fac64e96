//! [`serve()`]: run every `#[derive(Resource)]` type of the binary as a REST API.

use std::sync::Arc;

use specstar_runtime::app::SpecStar;
use specstar_runtime::http::{self, HttpOptions};
use specstar_runtime::storage::ResourceStore;
use specstar_runtime::storage::memory::MemoryStore;
use specstar_runtime::storage::postgres::{PostgresOptions, PostgresStore};
use specstar_runtime::storage::sqlite::{SqliteOptions, SqliteStore};

use crate::{Error, Result};

/// The SQLite file `serve()` uses when `SPECSTAR_BACKEND` is not set.
pub const DEFAULT_SQLITE_FILE: &str = "specstar.db";

/// Serve every registered resource over HTTP, configured from the environment.
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `SPECSTAR_ADDR` | `127.0.0.1:8000` | address to listen on |
/// | `SPECSTAR_BACKEND` | SQLite file `specstar.db` | `sqlite://path`, `sqlite::memory:`, `postgres://…`, or `memory` |
/// | `SPECSTAR_DEFAULT_QUERY_LIMIT` | unbounded | default `limit` of list queries |
/// | `SPECSTAR_MAX_QUERY_LIMIT` | none | cap on `limit` |
/// | `SPECSTAR_MAX_BODY_BYTES` | 16 MiB | request body limit (413 beyond) |
/// | `SPECSTAR_USER_HEADER` | none | take the current user from this request header |
///
/// Prints one line with the address and the backend, serves until Ctrl-C or SIGTERM, then
/// lets the requests in flight finish. The API is documented at `/docs` and `/openapi.json`.
///
/// ```no_run
/// #[tokio::main]
/// async fn main() -> specstar::Result<()> {
///     specstar::serve().await
/// }
/// ```
pub async fn serve() -> Result<()> {
    let addr = std::env::var("SPECSTAR_ADDR")
        .ok()
        .filter(|a| !a.trim().is_empty())
        .unwrap_or_else(|| http::serve::DEFAULT_ADDR.to_owned());
    let options = HttpOptions::from_env()?;
    let backend = std::env::var("SPECSTAR_BACKEND").ok();
    let (store, label) = open_backend(backend.as_deref()).await?;
    let spec = SpecStar::builder()
        .store(store)
        .registered()
        .build()
        .await?;
    http::serve::serve(spec, addr.trim(), options, Some(&label)).await
}

/// The store named by `SPECSTAR_BACKEND`, and a description for the log (no credentials).
///
/// PENDING(storage branch): `BackendConfig` (backend JSON files and inline JSON) replaces this
/// URL dispatch when it lands.
async fn open_backend(spec: Option<&str>) -> Result<(Arc<dyn ResourceStore>, String)> {
    let spec = spec.map(str::trim).filter(|s| !s.is_empty());
    let Some(spec) = spec else {
        let store = SqliteStore::open(SqliteOptions::file(DEFAULT_SQLITE_FILE)).await?;
        return Ok((
            Arc::new(store),
            format!("sqlite file {DEFAULT_SQLITE_FILE}"),
        ));
    };
    if spec == "memory" || spec == "memory://" {
        return Ok((
            Arc::new(MemoryStore::new()),
            "memory (not persisted)".into(),
        ));
    }
    if spec == "sqlite::memory:" || spec == "sqlite://:memory:" {
        let store = SqliteStore::open(SqliteOptions::memory()).await?;
        return Ok((Arc::new(store), "sqlite in memory (not persisted)".into()));
    }
    if let Some(path) = spec
        .strip_prefix("sqlite://")
        .or_else(|| spec.strip_prefix("sqlite:"))
    {
        if path.is_empty() {
            return Err(Error::config(
                "SPECSTAR_BACKEND `sqlite://` needs a file path (e.g. sqlite://specstar.db)",
            ));
        }
        let store = SqliteStore::open(SqliteOptions::file(path)).await?;
        return Ok((Arc::new(store), format!("sqlite file {path}")));
    }
    if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
        let store = PostgresStore::open(PostgresOptions::new(spec)).await?;
        return Ok((
            Arc::new(store),
            format!("postgres {}", without_credentials(spec)),
        ));
    }
    Err(Error::config(format!(
        "SPECSTAR_BACKEND `{}` is not understood: use sqlite://path, sqlite::memory:, postgres://… or memory",
        without_credentials(spec)
    )))
}

/// `postgres://user:secret@host/db` → `postgres://host/db`.
fn without_credentials(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}{}", &url[..scheme + 3], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_reach_the_log() {
        assert_eq!(
            without_credentials("postgres://u:secret@db:5432/app"),
            "postgres://db:5432/app"
        );
        assert_eq!(
            without_credentials("postgres://db/app"),
            "postgres://db/app"
        );
    }

    #[tokio::test]
    async fn backends_from_the_environment_value() {
        let (store, label) = open_backend(Some("memory")).await.unwrap();
        assert_eq!(store.backend_name(), "memory");
        assert!(label.contains("memory"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        let (store, label) = open_backend(Some(&format!("sqlite://{}", path.display())))
            .await
            .unwrap();
        assert_eq!(store.backend_name(), "sqlite");
        assert!(label.contains("x.db"));
        assert!(path.exists());
        let e = open_backend(Some("mongodb://x"))
            .await
            .err()
            .expect("an error");
        assert!(e.to_string().contains("SPECSTAR_BACKEND"), "{e}");
        assert!(open_backend(Some("sqlite://")).await.is_err());
    }
}

//! [`serve()`]: run every `#[derive(Resource)]` type of the binary as a REST API.

use std::sync::Arc;

use specstar_runtime::app::SpecStar;
use specstar_runtime::http::{self, HttpOptions};
use specstar_runtime::storage::ResourceStore;
use specstar_runtime::storage::blob::BlobStore;
use specstar_runtime::storage::config::BackendConfig;

use crate::Result;

/// The SQLite file `serve()` uses when `SPECSTAR_BACKEND` is not set.
pub const DEFAULT_SQLITE_FILE: &str = "specstar.db";

/// Serve every registered resource over HTTP, configured from the environment.
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `SPECSTAR_ADDR` | `127.0.0.1:8000` | address to listen on |
/// | `SPECSTAR_BACKEND` | SQLite file `specstar.db` | a URL (`sqlite://path`, `sqlite::memory:`, `postgres://…`, `disk://dir`, `memory://`), inline JSON, or the path of a JSON backend config |
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
    let (store, blobs, label) = open_backend(backend.as_deref()).await?;
    let mut builder = SpecStar::builder().store(store);
    if let Some(blobs) = blobs {
        builder = builder.blob_store(blobs);
    }
    let spec = builder.registered().build().await?;
    http::serve::serve(spec, addr.trim(), options, Some(&label)).await
}

/// The stores named by `SPECSTAR_BACKEND` (a URL, inline JSON or a JSON file: see
/// [`BackendConfig::parse`]; default the SQLite file `specstar.db`, blobs in the same file),
/// and a description for the start-up line (without credentials).
async fn open_backend(spec: Option<&str>) -> Result<(Arc<dyn ResourceStore>, Blobs, String)> {
    let spec = spec.map(str::trim).filter(|s| !s.is_empty());
    let (config, source) = match spec {
        None => (
            BackendConfig::sqlite(DEFAULT_SQLITE_FILE),
            format!("file {DEFAULT_SQLITE_FILE}"),
        ),
        Some(text) if text.starts_with('{') => {
            (BackendConfig::parse(text)?, "inline config".into())
        }
        Some(text) if text.contains("://") || text.starts_with("sqlite:") => {
            (BackendConfig::parse(text)?, without_credentials(text))
        }
        Some(path) => (BackendConfig::parse(path)?, format!("config file {path}")),
    };
    let store = config.open().await?;
    let blobs = config.open_blob_store().await?;
    let label = match &blobs {
        Some(b) => format!(
            "{} ({source}), blobs: {}",
            store.backend_name(),
            b.backend_name()
        ),
        None => format!("{} ({source}), no blob store", store.backend_name()),
    };
    Ok((store, blobs, label))
}

/// The blob store of the backend, if it binds one.
type Blobs = Option<Arc<dyn BlobStore>>;

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
        let (store, blobs, label) = open_backend(Some("sqlite::memory:")).await.unwrap();
        assert_eq!(store.backend_name(), "sqlite");
        assert_eq!(blobs.expect("a blob store").backend_name(), "sqlite");
        assert_eq!(label, "sqlite (sqlite::memory:), blobs: sqlite");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        let (store, _, label) = open_backend(Some(&format!("sqlite://{}", path.display())))
            .await
            .unwrap();
        assert_eq!(store.backend_name(), "sqlite");
        assert!(label.contains("x.db"));
        assert!(path.exists());
        let e = open_backend(Some("mongodb://x"))
            .await
            .err()
            .expect("an error");
        assert!(e.to_string().contains("mongodb"), "{e}");
        let e = open_backend(Some("/no/such/backend.json"))
            .await
            .err()
            .expect("an error");
        assert!(e.to_string().contains("/no/such/backend.json"), "{e}");
    }
}

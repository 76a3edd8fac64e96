//! [`serve()`]: run every `#[derive(Resource)]` type of the binary as a REST API.

use specstar_runtime::app::SpecStar;
use specstar_runtime::http::{self, HttpOptions};

use crate::{Error, Result};

/// Serve every registered resource over HTTP, configured from the environment.
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `SPECSTAR_ADDR` | `127.0.0.1:8000` | address to listen on |
/// | `SPECSTAR_BACKEND` | (in-memory store for now) | storage backend |
/// | `SPECSTAR_DEFAULT_QUERY_LIMIT` | unbounded | default `limit` of list queries |
/// | `SPECSTAR_MAX_QUERY_LIMIT` | none | cap on `limit` |
/// | `SPECSTAR_MAX_BODY_BYTES` | 16 MiB | request body limit (413 beyond) |
/// | `SPECSTAR_USER_HEADER` | none | take the current user from this request header |
///
/// Prints one line with the address and the backend, serves until Ctrl-C or SIGTERM, then
/// lets the requests in flight finish.
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
    if let Some(backend) = std::env::var("SPECSTAR_BACKEND")
        .ok()
        .filter(|b| !b.trim().is_empty())
    {
        // PENDING(storage branch): `BackendConfig` parses files, inline JSON and URLs.
        return Err(Error::config(format!(
            "SPECSTAR_BACKEND=`{backend}` cannot be used yet: only the in-memory store is available in this build"
        )));
    }
    let spec = SpecStar::builder().registered().build().await?;
    http::serve::serve(spec, addr.trim(), options).await
}

//! Serving an app over TCP: bind, log one line, serve until Ctrl-C or SIGTERM, then finish the
//! requests in flight (graceful shutdown).

use tokio::net::TcpListener;

use super::HttpOptions;
use crate::app::SpecStar;
use crate::model::{Error, Result};

/// The address `serve` listens on when `SPECSTAR_ADDR` is not set.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8000";

/// Bind `addr` (`host:port`) and serve `spec` until Ctrl-C or SIGTERM. `backend` describes
/// the storage in the start-up line (`None`: the store's name).
pub async fn serve(
    spec: SpecStar,
    addr: &str,
    options: HttpOptions,
    backend: Option<&str>,
) -> Result<()> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| Error::config(format!("cannot listen on `{addr}`: {e}")))?;
    serve_on(spec, listener, options, backend).await
}

/// Serve `spec` on an already bound listener until Ctrl-C or SIGTERM.
pub async fn serve_on(
    spec: SpecStar,
    listener: TcpListener,
    options: HttpOptions,
    backend: Option<&str>,
) -> Result<()> {
    let local = listener
        .local_addr()
        .map_err(|e| Error::config(format!("cannot read the listening address: {e}")))?;
    let models: Vec<&str> = spec.models().iter().map(|m| m.name()).collect();
    // One line on stderr rather than a tracing event: `serve()` must say where it listens even
    // when the application installed no tracing subscriber.
    eprintln!(
        "specstar: serving {} ({}) on http://{local} (backend: {}); docs at http://{local}/docs",
        if models.len() == 1 {
            "1 resource".to_owned()
        } else {
            format!("{} resources", models.len())
        },
        models.join(", "),
        backend.unwrap_or(spec.store().backend_name()),
    );
    let router = spec.router_with(options);
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| Error::config(format!("the HTTP server failed: {e}")))
}

/// Resolves on Ctrl-C, or on SIGTERM on Unix.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // no signal handling available: never resolve
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    eprintln!("specstar: shutting down");
}

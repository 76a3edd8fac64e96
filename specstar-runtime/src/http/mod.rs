//! HTTP: the REST API of `http-api.md` on axum, the error → status mapping, OpenAPI and the
//! interactive `/docs` page.
//!
//! Data flows one way: a handler resolves the model named in the path, the caller (user and
//! time) and the request inputs, then calls the model's engine (`SpecStar::model`); it never
//! touches a store.
//!
//! ```no_run
//! # async fn demo(spec: specstar_runtime::app::SpecStar) {
//! use specstar_runtime::http::{HttpOptions, UserProvider};
//!
//! // every registered model under `/`, with defaults (user: the app's default, else "anonymous")
//! let app: axum::Router = spec.router();
//! // or with options, mounted under a prefix of a bigger app
//! let api = spec.router_with(HttpOptions::default().users(UserProvider::header("x-user")).max_limit(500));
//! let app: axum::Router = axum::Router::new().nest("/api", api);
//! # }
//! ```

pub mod docs;
mod error;
mod extract;
pub mod openapi;
pub mod projection;
pub mod query_params;
mod router;
mod routes;
pub mod serve;
mod user;

pub use query_params::QueryLimits;
pub use router::{AppState, router};
pub use user::{Clock, ResolveUser, UserProvider};

use crate::model::{Error, Result};

/// The default request body limit: 16 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// Options of the HTTP layer. `HttpOptions::default()` is what [`SpecStar::router`] uses;
/// [`HttpOptions::from_env`] reads the `SPECSTAR_*` variables (what `serve()` uses).
///
/// [`SpecStar::router`]: crate::app::SpecStar::router
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Where the current user comes from (default: the app's default user, else `"anonymous"`).
    pub users: UserProvider,
    /// The time source of writes (`None`: the manager's clock).
    pub clock: Option<Clock>,
    /// Largest accepted request body in bytes; larger bodies get a 413.
    pub body_limit: usize,
    /// Default and maximum `limit` of list queries.
    pub limits: QueryLimits,
    /// Serve `GET /openapi.json` and `GET /docs` (default true).
    pub docs: bool,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            users: UserProvider::default(),
            clock: None,
            body_limit: DEFAULT_BODY_LIMIT,
            limits: QueryLimits::default(),
            docs: true,
        }
    }
}

impl HttpOptions {
    /// Defaults overridden by the environment: `SPECSTAR_DEFAULT_QUERY_LIMIT`,
    /// `SPECSTAR_MAX_QUERY_LIMIT`, `SPECSTAR_MAX_BODY_BYTES` (positive integers) and
    /// `SPECSTAR_USER_HEADER` (take the user from this request header).
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let number = |name: &str| -> Result<Option<usize>> {
            get(name)
                .filter(|v| !v.trim().is_empty())
                .map(|v| {
                    v.trim().parse::<usize>().map_err(|_| {
                        Error::config(format!("{name} must be a non-negative integer, got `{v}`"))
                    })
                })
                .transpose()
        };
        let mut options = HttpOptions::default();
        options.limits.default_limit = number("SPECSTAR_DEFAULT_QUERY_LIMIT")?;
        options.limits.max_limit = number("SPECSTAR_MAX_QUERY_LIMIT")?;
        if let Some(bytes) = number("SPECSTAR_MAX_BODY_BYTES")? {
            options.body_limit = bytes;
        }
        if let Some(header) = get("SPECSTAR_USER_HEADER").filter(|h| !h.trim().is_empty()) {
            axum::http::HeaderName::from_bytes(header.trim().as_bytes()).map_err(|_| {
                Error::config(format!(
                    "SPECSTAR_USER_HEADER `{header}` is not a valid header name"
                ))
            })?;
            options.users = UserProvider::header(header.trim());
        }
        Ok(options)
    }

    /// Set the current-user provider.
    pub fn users(mut self, users: UserProvider) -> Self {
        self.users = users;
        self
    }

    /// Set the clock.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Set the request body limit in bytes.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Set the default `limit` of list queries.
    pub fn default_limit(mut self, limit: usize) -> Self {
        self.limits.default_limit = Some(limit);
        self
    }

    /// Cap `limit` of list queries.
    pub fn max_limit(mut self, limit: usize) -> Self {
        self.limits.max_limit = Some(limit);
        self
    }

    /// Serve (or not) `/openapi.json` and `/docs`.
    pub fn docs(mut self, enabled: bool) -> Self {
        self.docs = enabled;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_from_env() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let o = HttpOptions::from_lookup(env(&[
            ("SPECSTAR_DEFAULT_QUERY_LIMIT", "50"),
            ("SPECSTAR_MAX_QUERY_LIMIT", "500"),
            ("SPECSTAR_MAX_BODY_BYTES", "1024"),
        ]))
        .unwrap();
        assert_eq!(o.limits.default_limit, Some(50));
        assert_eq!(o.limits.max_limit, Some(500));
        assert_eq!(o.body_limit, 1024);
        let o = HttpOptions::from_lookup(env(&[])).unwrap();
        assert_eq!(o.limits, QueryLimits::default());
        assert_eq!(o.body_limit, DEFAULT_BODY_LIMIT);
        let e = HttpOptions::from_lookup(env(&[("SPECSTAR_MAX_QUERY_LIMIT", "lots")])).unwrap_err();
        assert!(e.to_string().contains("SPECSTAR_MAX_QUERY_LIMIT"), "{e}");
        assert!(HttpOptions::from_lookup(env(&[("SPECSTAR_USER_HEADER", "bad header")])).is_err());
    }
}

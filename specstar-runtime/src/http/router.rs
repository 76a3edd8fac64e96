//! The router: every route family merged, the body limit, the JSON 404 fallback, and the
//! `SpecStar::router` entry points.
//!
//! Every model is served under one set of routes with a `{model}` path segment, resolved per
//! request (an unknown model is a 404 naming it). Static segments (`count`, `data`, `meta`,
//! `revision-info`, `full`, `restore`, `_relationships`, later `export`, `import`, …) win over
//! `/{model}/{id}` because the router (matchit) always prefers a static segment to a parameter.

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::HttpOptions;
use super::openapi::{self, ModelDoc};
use super::routes;
use crate::app::SpecStar;

/// The state every handler receives: the app, the HTTP options, the cached OpenAPI document.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    spec: SpecStar,
    options: HttpOptions,
    openapi: OnceLock<Bytes>,
}

impl AppState {
    /// State for `spec` with `options`.
    pub fn new(spec: SpecStar, options: HttpOptions) -> Self {
        AppState(Arc::new(Inner {
            spec,
            options,
            openapi: OnceLock::new(),
        }))
    }

    /// The app.
    pub fn spec(&self) -> &SpecStar {
        &self.0.spec
    }

    /// The HTTP options.
    pub fn options(&self) -> &HttpOptions {
        &self.0.options
    }

    /// The current time: the configured [`Clock`](super::Clock), else the system time
    /// (microsecond precision). It anchors `qb`'s calendar helpers (`today()`, …).
    pub fn now(&self) -> crate::model::Timestamp {
        match &self.0.options.clock {
            Some(clock) => clock.now(),
            None => crate::model::now(),
        }
    }

    /// The OpenAPI document, built on first use.
    pub fn openapi(&self) -> Bytes {
        self.0
            .openapi
            .get_or_init(|| {
                let docs: Vec<ModelDoc> = self
                    .spec()
                    .models()
                    .iter()
                    .map(|m| ModelDoc {
                        descriptor: m.descriptor(),
                        schema: m.schema_fn(),
                    })
                    .collect();
                let doc = openapi::document(&docs);
                Bytes::from(serde_json::to_vec(&doc).unwrap_or_default())
            })
            .clone()
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("options", &self.0.options)
            .finish_non_exhaustive()
    }
}

/// The complete API router for `spec`.
pub fn router(spec: SpecStar, options: HttpOptions) -> Router {
    let body_limit = options.body_limit;
    let docs = options.docs;
    let state = AppState::new(spec, options);
    let mut app = routes::all();
    if docs {
        app = app
            .route("/openapi.json", axum::routing::get(openapi_json))
            .route("/docs", axum::routing::get(super::docs::page));
    }
    app.fallback(no_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state)
}

impl SpecStar {
    /// The REST API of every model of this app, with default [`HttpOptions`]; mount it in any
    /// axum app (`Router::new().nest("/api", spec.router())`).
    pub fn router(&self) -> Router {
        router(self.clone(), HttpOptions::default())
    }

    /// The REST API with explicit options.
    pub fn router_with(&self, options: HttpOptions) -> Router {
        router(self.clone(), options)
    }
}

async fn openapi_json(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi(),
    )
        .into_response()
}

async fn no_route(method: Method, uri: Uri) -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({ "detail": format!("no route for {method} {}", uri.path()) })),
    )
        .into_response()
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        axum::Json(
            json!({ "detail": format!("method {method} is not allowed on {}", uri.path()) }),
        ),
    )
        .into_response()
}

//! HTTP: axum routes (one file per route family), error → status mapping, OpenAPI.

mod error;

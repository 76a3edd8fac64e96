//! HTTP: axum routes (one file per route family), error → status mapping, OpenAPI.

mod error;
pub mod projection;
pub mod query_params;
mod user;

pub use user::{Clock, ResolveUser, UserProvider};
pub mod docs;
pub mod openapi;

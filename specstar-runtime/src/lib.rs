//! The runtime of SpecStar. Users depend on the `specstar` facade crate, which re-exports
//! what they need; this crate's layout follows design.md §3 (one module per concern, data
//! flowing HTTP → manager → storage).

#![deny(unsafe_code)]

pub mod app;
pub mod auth;
pub mod backup;
pub mod events;
pub mod http;
pub mod model;
pub mod query;
pub mod resource;
pub mod schema;
pub mod storage;

pub use model::{Error, Result};

//! Compile-pass and compile-fail tests of SpecStar's derives (`tests/ui.rs`, run by trybuild).
//!
//! This crate depends only on `specstar`, `serde` and `schemars`, like a user's crate: the
//! pass cases prove that generated code needs nothing else.

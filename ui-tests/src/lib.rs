//! Compile-pass and compile-fail tests of `#[derive(Resource)]`; see `tests/ui.rs`.

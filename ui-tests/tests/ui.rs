//! trybuild cases: `tests/ui/pass/*.rs` must compile and run; every other folder under
//! `tests/ui/` is a category of compile-fail cases, each with its reviewed `.stderr`.
//!
//! The `.stderr` files depend on the compiler's wording: regenerate them with
//! `TRYBUILD=overwrite cargo test -p specstar-ui-tests` after a toolchain upgrade, then review.

use std::path::Path;

#[test]
fn ui() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
    let mut categories: Vec<String> = std::fs::read_dir(&root)
        .expect("tests/ui exists")
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name != "pass")
        .collect();
    categories.sort();
    assert!(!categories.is_empty(), "no compile-fail categories found");

    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    for category in categories {
        cases.compile_fail(format!("tests/ui/{category}/*.rs"));
    }
}

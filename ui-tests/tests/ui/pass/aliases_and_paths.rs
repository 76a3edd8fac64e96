//! Type aliases that resolve to valid types pass the checks, and generated code uses absolute
//! paths only: local items named `specstar`, `Resource`, `Option` or `String` do not break it.
//! The crate denies warnings, missing docs and unsafe code.
#![deny(warnings, missing_docs, unsafe_code)]

use serde::{Deserialize, Serialize};

/// Shadows the facade's name inside this crate; `::specstar` still means the crate.
#[allow(dead_code)]
mod specstar {}

/// Shadows the trait's name.
#[allow(dead_code)]
trait Resource {}

/// Aliases of valid types.
type Name = std::string::String;
/// An optional id.
type MaybeId = Option<std::string::String>;

/// A zone.
#[derive(::specstar::Resource, Serialize, Deserialize, schemars::JsonSchema, Clone, Debug)]
pub struct Zone {
    /// The name.
    #[display_name]
    #[unique]
    pub name: Name,
    /// The parent zone.
    #[ref_to(Zone, on_delete = set_null)]
    pub parent: MaybeId,
}

fn main() {
    let d = <Zone as ::specstar::Resource>::descriptor();
    assert_eq!(d.display_name, Some("name"));
    assert!(d.refs[0].nullable);
}

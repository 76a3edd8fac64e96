//! The application: registered models, backend, defaults; builds managers and the router.

use crate::resource::Resource;

/// Builder of a [`SpecStar`] application.
#[derive(Default)]
pub struct SpecStarBuilder {
    _private: (),
}

impl SpecStarBuilder {
    /// Register one resource type.
    pub fn resource<T: Resource>(self) -> Self {
        self
    }
}

/// Used by generated registration code.
#[doc(hidden)]
pub fn install<T: Resource>(builder: SpecStarBuilder) -> SpecStarBuilder {
    builder.resource::<T>()
}

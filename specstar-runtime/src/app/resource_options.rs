//! [`ResourceOptions`]: per-resource settings given to `SpecStarBuilder::resource_with`.

use std::sync::Arc;

use crate::auth::PermissionChecker;
use crate::events::EventHandler;
use crate::model::{RevisionStatus, Timestamp};
use crate::resource::context::ContextDefaults;
use crate::resource::{ConstraintChecker, Validator};

/// Settings of one resource type: validators, constraint checkers, event handlers, a
/// permission checker and defaults that override the app's.
///
/// ```ignore
/// SpecStar::builder().resource_with::<Monster>(|m| {
///     m.validator(|m: &Monster| if m.hp >= 0 { Ok(()) } else { Err("hp must be ≥ 0".into()) })
///      .default_status(RevisionStatus::Draft)
/// })
/// ```
pub struct ResourceOptions<T> {
    pub(crate) validators: Vec<Arc<dyn Validator<T>>>,
    pub(crate) checkers: Vec<Arc<dyn ConstraintChecker<T>>>,
    pub(crate) handlers: Vec<Arc<dyn EventHandler>>,
    pub(crate) permission: Option<Arc<dyn PermissionChecker>>,
    pub(crate) default_status: Option<RevisionStatus>,
    pub(crate) defaults: ContextDefaults,
}

impl<T> Default for ResourceOptions<T> {
    fn default() -> Self {
        ResourceOptions {
            validators: Vec::new(),
            checkers: Vec::new(),
            handlers: Vec::new(),
            permission: None,
            default_status: None,
            defaults: ContextDefaults::default(),
        }
    }
}

impl<T: 'static> ResourceOptions<T> {
    /// Add a validator: a closure `Fn(&T) -> Result<(), String>` or a [`Validator`]. Runs on
    /// every write of new data; its error becomes `Error::Validation`.
    pub fn validator(mut self, validator: impl Validator<T>) -> Self {
        self.validators.push(Arc::new(validator));
        self
    }

    /// Add a [`ConstraintChecker`].
    pub fn constraint_checker(mut self, checker: impl ConstraintChecker<T>) -> Self {
        self.checkers.push(Arc::new(checker));
        self
    }

    /// Add an event handler for this resource (runs after the app's handlers).
    pub fn event_handler(mut self, handler: impl EventHandler) -> Self {
        self.handlers.push(Arc::new(handler));
        self
    }

    /// Use this permission checker for this resource instead of the app's.
    pub fn permission_checker(mut self, checker: impl PermissionChecker) -> Self {
        self.permission = Some(Arc::new(checker));
        self
    }

    /// Status of new revisions of this resource (overrides the type's attribute and the app).
    pub fn default_status(mut self, status: RevisionStatus) -> Self {
        self.default_status = Some(status);
        self
    }

    /// Default user of this resource's operations.
    pub fn default_user(mut self, user: impl Into<String>) -> Self {
        let user = user.into();
        self.defaults.user = Some(Arc::new(move || user.clone()));
        self
    }

    /// Default user computed on every operation.
    pub fn default_user_fn(mut self, user: impl Fn() -> String + Send + Sync + 'static) -> Self {
        self.defaults.user = Some(Arc::new(user));
        self
    }

    /// Clock of this resource's operations.
    pub fn default_now(mut self, now: impl Fn() -> Timestamp + Send + Sync + 'static) -> Self {
        self.defaults.now = Some(Arc::new(now));
        self
    }
}

//! Permissions: the [`PermissionChecker`] every manager action consults first, as the first
//! step of its `before` phase. The default, [`AllowAll`], allows everything; RBAC comes later.
//!
//! A checker that answers `false` makes the action fail with [`Error::PermissionDenied`]
//! (403 over HTTP); one that returns an error makes the action fail with that error.
//!
//! ```
//! use specstar_runtime::auth::{PermissionChecker, PermissionRequest};
//! use specstar_runtime::events::Action;
//! use specstar_runtime::model::Result;
//!
//! /// Everybody reads; only `admin` writes.
//! struct AdminWrites;
//!
//! #[async_trait::async_trait]
//! impl PermissionChecker for AdminWrites {
//!     async fn allows(&self, request: &PermissionRequest<'_>) -> Result<bool> {
//!         Ok(!request.action.is_write() || request.user == "admin")
//!     }
//! }
//! ```

use crate::events::Action;
use crate::model::{Error, Result};

/// What is being asked: may `user` perform `action` on `resource` (and `resource_id`)?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PermissionRequest<'a> {
    /// The action.
    pub action: Action,
    /// The acting user.
    pub user: &'a str,
    /// The resource name.
    pub resource: &'a str,
    /// The resource id, for actions on one resource.
    pub resource_id: Option<&'a str>,
}

impl<'a> PermissionRequest<'a> {
    /// A request.
    pub fn new(
        action: Action,
        user: &'a str,
        resource: &'a str,
        resource_id: Option<&'a str>,
    ) -> Self {
        PermissionRequest {
            action,
            user,
            resource,
            resource_id,
        }
    }

    /// The [`Error::PermissionDenied`] for this request.
    pub fn denied(&self) -> Error {
        Error::PermissionDenied {
            user: self.user.to_owned(),
            action: self.action.as_str().to_owned(),
            resource: self.resource.to_owned(),
            id: self.resource_id.map(str::to_owned),
        }
    }
}

/// Decides whether a user may perform an action. Set it on the app
/// (`SpecStar::builder().permission_checker(..)`) or per resource.
#[async_trait::async_trait]
pub trait PermissionChecker: Send + Sync + 'static {
    /// `Ok(true)` allows the action, `Ok(false)` denies it.
    async fn allows(&self, request: &PermissionRequest<'_>) -> Result<bool>;
}

/// Allows every action (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct AllowAll;

#[async_trait::async_trait]
impl PermissionChecker for AllowAll {
    async fn allows(&self, _request: &PermissionRequest<'_>) -> Result<bool> {
        Ok(true)
    }
}

/// Ask `checker`; turn a refusal into [`Error::PermissionDenied`].
pub async fn check(checker: &dyn PermissionChecker, request: &PermissionRequest<'_>) -> Result<()> {
    if checker.allows(request).await? {
        Ok(())
    } else {
        Err(request.denied())
    }
}

#[async_trait::async_trait]
impl<P: PermissionChecker + ?Sized> PermissionChecker for std::sync::Arc<P> {
    async fn allows(&self, request: &PermissionRequest<'_>) -> Result<bool> {
        (**self).allows(request).await
    }
}

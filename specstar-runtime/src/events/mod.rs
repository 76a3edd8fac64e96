//! Events: every manager action runs its handlers in four phases.
//!
//! | phase | when | a handler error |
//! |---|---|---|
//! | [`Phase::Before`] | after the permission check, before anything is read or written | aborts the action: the caller gets that error, nothing is written, `on_failure` runs |
//! | [`Phase::After`] | once the action has finished, whatever its outcome (the event carries the result or the error) | is logged and ignored |
//! | [`Phase::OnSuccess`] | after `After`, only when the action succeeded | is logged and ignored |
//! | [`Phase::OnFailure`] | after `After`, only when the action failed (also when a before-handler or the permission checker refused it) | is logged and ignored |
//!
//! Handlers are registered on the app (`SpecStar::builder().event_handler(h)`, they run for
//! every resource) and per resource (`resource_with::<T>(|r| r.event_handler(h))`); app
//! handlers run first, each group in registration order. A before-handler that wants to refuse
//! an action returns [`Event::abort`] (an [`Error::Aborted`]) or any other error.
//!
//! ```
//! use specstar_runtime::events::{self, Action, Phase};
//! use specstar_runtime::model::Error;
//!
//! // Refuse to delete anything on Sundays (or, here, always).
//! let guard = events::handler(|event| Err(event.abort("deletes are frozen")))
//!     .phase(Phase::Before)
//!     .action(Action::Delete);
//! # let _ = guard;
//! ```

mod action;
mod handler;

pub use action::{Action, Phase};
pub use handler::{EventHandler, FnHandler, handler};

use serde_json::Value;

use crate::model::{Error, ResourceMeta, RevisionInfo, Timestamp};

/// What a handler sees. Fields that do not apply to an action or phase are `None`.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Event<'a> {
    /// The phase being run.
    pub phase: Phase,
    /// The action.
    pub action: Action,
    /// The resource name (`"zone"`).
    pub resource: &'a str,
    /// The acting user.
    pub user: &'a str,
    /// The time of the operation.
    pub now: Timestamp,
    /// The resource concerned (not set for create before the write, search or count).
    pub resource_id: Option<&'a str>,
    /// The revision concerned (switch target, a revision read by id).
    pub revision_id: Option<&'a str>,
    /// The payload as the caller gave it: the data of create/update/modify, the JSON Patch
    /// document of patch.
    pub input: Option<&'a Value>,
    /// The data stored by a write or read by a get (after the action, on success).
    pub data: Option<&'a Value>,
    /// The revision written or read (after the action, on success).
    pub info: Option<&'a RevisionInfo>,
    /// The meta after the action (on success).
    pub meta: Option<&'a ResourceMeta>,
    /// The error (`After` on failure, and `OnFailure`).
    pub error: Option<&'a Error>,
}

impl<'a> Event<'a> {
    /// An event with no optional part set (the engine fills in the rest).
    pub fn new(
        phase: Phase,
        action: Action,
        resource: &'a str,
        user: &'a str,
        now: Timestamp,
    ) -> Self {
        Event {
            phase,
            action,
            resource,
            user,
            now,
            resource_id: None,
            revision_id: None,
            input: None,
            data: None,
            info: None,
            meta: None,
            error: None,
        }
    }

    /// An [`Error::Aborted`] naming this event's action and resource: what a before-handler
    /// returns to refuse the action.
    pub fn abort(&self, message: impl Into<String>) -> Error {
        Error::Aborted {
            resource: self.resource.to_owned(),
            action: self.action.as_str().to_owned(),
            message: message.into(),
        }
    }
}

//! The operation context: who performs an action and at what time.
//!
//! Each manager call resolves its context in this order:
//!
//! 1. what the caller set on the manager with `as_user(..)` / `at(..)`;
//! 2. the resource's own defaults (`resource_with(|r| r.default_user(..).default_now(..))`);
//! 3. the app's defaults (`SpecStar::builder().default_user(..).default_now(..)`);
//! 4. with `strict_operation_context(true)`, a write that is still missing a user or a time
//!    fails with [`Error::MissingContext`]; otherwise the user falls back to [`SYSTEM_USER`] and
//!    the time to [`model::now()`](crate::model::now). (The HTTP layer passes its own
//!    request user, `"anonymous"` when unauthenticated, through `as_user`.)
//!
//! Times are truncated to microseconds, the precision of the wire format and of every backend.

use std::sync::Arc;

use chrono::SubsecRound;

use crate::events::Action;
use crate::model::{Error, Result, Timestamp};

/// The user recorded when neither the caller nor any default names one (non-strict mode).
pub const SYSTEM_USER: &str = "system";

/// A source of the default user (a fixed name or a function called on every operation).
pub type UserSource = Arc<dyn Fn() -> String + Send + Sync>;

/// A clock giving the default time of an operation.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// What a manager carries from `as_user` / `at`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OperationContext {
    /// The acting user, if set explicitly.
    pub user: Option<String>,
    /// The time of the operation, if set explicitly.
    pub now: Option<Timestamp>,
}

/// Default user and clock, at app level or per resource.
#[derive(Clone, Default)]
pub struct ContextDefaults {
    /// Default user.
    pub user: Option<UserSource>,
    /// Default clock.
    pub now: Option<Clock>,
}

impl ContextDefaults {
    /// `self` where set, else `fallback`.
    pub(crate) fn or(&self, fallback: &ContextDefaults) -> ContextDefaults {
        ContextDefaults {
            user: self.user.clone().or_else(|| fallback.user.clone()),
            now: self.now.clone().or_else(|| fallback.now.clone()),
        }
    }
}

impl std::fmt::Debug for ContextDefaults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContextDefaults")
            .field("user", &self.user.as_ref().map(|_| "<fn>"))
            .field("now", &self.now.as_ref().map(|_| "<fn>"))
            .finish()
    }
}

/// The user and time an operation runs with, after resolution.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedContext {
    /// The acting user.
    pub user: String,
    /// The time of the operation (microsecond precision).
    pub now: Timestamp,
}

/// Resolve `context` against `defaults` for `action` on `resource` (see the module docs).
pub fn resolve(
    context: &OperationContext,
    defaults: &ContextDefaults,
    strict: bool,
    resource: &str,
    action: Action,
) -> Result<ResolvedContext> {
    let enforce = strict && action.is_write();
    let user = match (&context.user, &defaults.user) {
        (Some(user), _) => user.clone(),
        (None, Some(source)) => source(),
        (None, None) if enforce => return Err(missing(resource, action, "user")),
        (None, None) => SYSTEM_USER.to_owned(),
    };
    let now = match (context.now, &defaults.now) {
        (Some(now), _) => now,
        (None, Some(clock)) => clock(),
        (None, None) if enforce => return Err(missing(resource, action, "time")),
        (None, None) => crate::model::now(),
    };
    Ok(ResolvedContext {
        user,
        now: now.trunc_subsecs(6),
    })
}

fn missing(resource: &str, action: Action, what: &'static str) -> Error {
    Error::MissingContext {
        resource: resource.to_owned(),
        action: action.as_str().to_owned(),
        missing: what,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn fixed() -> Timestamp {
        chrono::Utc.with_ymd_and_hms(2030, 1, 2, 3, 4, 5).unwrap()
    }

    #[test]
    fn explicit_context_beats_defaults() {
        let defaults = ContextDefaults {
            user: Some(Arc::new(|| "bob".to_owned())),
            now: Some(Arc::new(fixed)),
        };
        let ctx = OperationContext {
            user: Some("alice".into()),
            now: None,
        };
        let r = resolve(&ctx, &defaults, true, "zone", Action::Create).unwrap();
        assert_eq!(r.user, "alice");
        assert_eq!(r.now, fixed());
    }

    #[test]
    fn non_strict_falls_back_to_system_and_the_clock() {
        let before = crate::model::now();
        let r = resolve(
            &OperationContext::default(),
            &ContextDefaults::default(),
            false,
            "zone",
            Action::Update,
        )
        .unwrap();
        assert_eq!(r.user, SYSTEM_USER);
        assert!(r.now >= before);
    }

    #[test]
    fn strict_writes_need_user_and_time_but_reads_do_not() {
        let none = OperationContext::default();
        let err = resolve(
            &none,
            &ContextDefaults::default(),
            true,
            "zone",
            Action::Delete,
        )
        .unwrap_err();
        assert!(matches!(
            err,
            Error::MissingContext {
                missing: "user",
                ..
            }
        ));
        let user_only = OperationContext {
            user: Some("alice".into()),
            now: None,
        };
        let err = resolve(
            &user_only,
            &ContextDefaults::default(),
            true,
            "zone",
            Action::Create,
        )
        .unwrap_err();
        assert!(matches!(
            err,
            Error::MissingContext {
                missing: "time",
                ..
            }
        ));
        assert!(
            resolve(
                &none,
                &ContextDefaults::default(),
                true,
                "zone",
                Action::Get
            )
            .is_ok()
        );
    }

    #[test]
    fn times_are_truncated_to_microseconds() {
        let precise = fixed() + chrono::Duration::nanoseconds(1_234_567);
        let ctx = OperationContext {
            user: None,
            now: Some(precise),
        };
        let r = resolve(
            &ctx,
            &ContextDefaults::default(),
            false,
            "zone",
            Action::Create,
        )
        .unwrap();
        assert_eq!(r.now, fixed() + chrono::Duration::microseconds(1_234));
    }
}

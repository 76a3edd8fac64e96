//! The [`EventHandler`] trait and [`FnHandler`], a handler made from a closure.

use super::{Action, Event, Phase};
use crate::model::Result;

/// Reacts to manager events. Implement it for handlers that await (audit logs in a database,
/// notifications); use [`handler`] for a plain closure.
///
/// ```
/// use specstar_runtime::events::{Event, EventHandler, Phase};
/// use specstar_runtime::model::Result;
///
/// struct Audit;
///
/// #[async_trait::async_trait]
/// impl EventHandler for Audit {
///     async fn handle(&self, event: &Event<'_>) -> Result<()> {
///         if event.phase == Phase::OnSuccess {
///             println!("{} did {} on {:?}", event.user, event.action, event.resource_id);
///         }
///         Ok(())
///     }
/// }
/// ```
#[async_trait::async_trait]
pub trait EventHandler: Send + Sync + 'static {
    /// Whether this handler wants events of `action` in `phase` (default: all).
    fn handles(&self, action: Action, phase: Phase) -> bool {
        let _ = (action, phase);
        true
    }

    /// Handle one event. In the `Before` phase an error aborts the action.
    async fn handle(&self, event: &Event<'_>) -> Result<()>;
}

/// A handler made from a closure, optionally limited to some phases and actions.
pub struct FnHandler<F> {
    f: F,
    phases: Vec<Phase>,
    actions: Vec<Action>,
}

/// Make an event handler from a closure. Without `.phase(..)` / `.action(..)` it sees every
/// event; each call adds one phase or action to the ones it handles.
///
/// ```
/// use specstar_runtime::events::{handler, Action, Phase};
/// let log = handler(|event| {
///     println!("{} {}", event.action, event.phase.as_str());
///     Ok(())
/// })
/// .phase(Phase::OnSuccess)
/// .action(Action::Create)
/// .action(Action::Update);
/// # let _ = log;
/// ```
pub fn handler<F>(f: F) -> FnHandler<F>
where
    F: Fn(&Event<'_>) -> Result<()> + Send + Sync + 'static,
{
    FnHandler {
        f,
        phases: Vec::new(),
        actions: Vec::new(),
    }
}

impl<F> FnHandler<F> {
    /// Also handle `phase` (the first call restricts the handler to the phases named).
    pub fn phase(mut self, phase: Phase) -> Self {
        self.phases.push(phase);
        self
    }

    /// Also handle `action` (the first call restricts the handler to the actions named).
    pub fn action(mut self, action: Action) -> Self {
        self.actions.push(action);
        self
    }
}

#[async_trait::async_trait]
impl<F> EventHandler for FnHandler<F>
where
    F: Fn(&Event<'_>) -> Result<()> + Send + Sync + 'static,
{
    fn handles(&self, action: Action, phase: Phase) -> bool {
        (self.phases.is_empty() || self.phases.contains(&phase))
            && (self.actions.is_empty() || self.actions.contains(&action))
    }

    async fn handle(&self, event: &Event<'_>) -> Result<()> {
        (self.f)(event)
    }
}

/// A shared handler (e.g. one that records events a test inspects later).
#[async_trait::async_trait]
impl<H: EventHandler + ?Sized> EventHandler for std::sync::Arc<H> {
    fn handles(&self, action: Action, phase: Phase) -> bool {
        (**self).handles(action, phase)
    }

    async fn handle(&self, event: &Event<'_>) -> Result<()> {
        (**self).handle(event).await
    }
}

//! The frame around every operation: context resolution, the permission check, and the four
//! event phases.

use serde_json::Value;

use super::ModelHandle;
use crate::auth::{self, PermissionRequest};
use crate::events::{Action, Event, Phase};
use crate::model::{Error, Resource, ResourceMeta, Result, RevisionInfo, RevisionList};
use crate::resource::context::{self, ResolvedContext};

/// The optional parts of an event.
#[derive(Default, Clone, Copy)]
pub(crate) struct Parts<'a> {
    pub resource_id: Option<&'a str>,
    pub revision_id: Option<&'a str>,
    pub input: Option<&'a Value>,
    pub data: Option<&'a Value>,
    pub info: Option<&'a RevisionInfo>,
    pub meta: Option<&'a ResourceMeta>,
}

impl<'a> Parts<'a> {
    pub fn id(resource_id: &'a str) -> Self {
        Parts {
            resource_id: Some(resource_id),
            ..Parts::default()
        }
    }

    pub fn input(mut self, input: &'a Value) -> Self {
        self.input = Some(input);
        self
    }

    /// `self` with every part `other` sets.
    fn overlay(self, other: Parts<'a>) -> Self {
        Parts {
            resource_id: other.resource_id.or(self.resource_id),
            revision_id: other.revision_id.or(self.revision_id),
            input: other.input.or(self.input),
            data: other.data.or(self.data),
            info: other.info.or(self.info),
            meta: other.meta.or(self.meta),
        }
    }
}

/// What an operation's result tells its `after` / `on_success` handlers.
pub(crate) trait Outcome {
    fn parts(&self) -> Parts<'_>;
}

/// The result of a data write (create, update, patch, modify).
#[derive(Debug, Clone)]
pub(crate) struct Written {
    pub info: RevisionInfo,
    /// The meta after the write; kept only when an event handler will see it
    /// ([`ModelHandle::observed`]), since the store took the original.
    pub meta: Option<ResourceMeta>,
    pub data: Value,
}

impl Outcome for Written {
    fn parts(&self) -> Parts<'_> {
        Parts {
            resource_id: Some(&self.info.resource_id),
            revision_id: Some(&self.info.revision_id),
            data: Some(&self.data),
            info: Some(&self.info),
            meta: self.meta.as_ref(),
            ..Parts::default()
        }
    }
}

impl Outcome for ResourceMeta {
    fn parts(&self) -> Parts<'_> {
        Parts {
            resource_id: Some(&self.resource_id),
            revision_id: Some(&self.current_revision_id),
            meta: Some(self),
            ..Parts::default()
        }
    }
}

impl Outcome for Resource<Value> {
    fn parts(&self) -> Parts<'_> {
        Parts {
            resource_id: Some(&self.info.resource_id),
            revision_id: Some(&self.info.revision_id),
            data: Some(&self.data),
            info: Some(&self.info),
            meta: Some(&self.meta),
            ..Parts::default()
        }
    }
}

impl Outcome for super::read::SharedResource {
    fn parts(&self) -> Parts<'_> {
        Parts {
            resource_id: Some(&self.revision.info.resource_id),
            revision_id: Some(&self.revision.info.revision_id),
            data: Some(&self.data),
            info: Some(&self.revision.info),
            meta: Some(&self.meta),
            ..Parts::default()
        }
    }
}

impl Outcome for RevisionList {
    fn parts(&self) -> Parts<'_> {
        self.meta.parts()
    }
}

impl<T> Outcome for Vec<T> {
    fn parts(&self) -> Parts<'_> {
        Parts::default()
    }
}

impl Outcome for u64 {
    fn parts(&self) -> Parts<'_> {
        Parts::default()
    }
}

impl ModelHandle {
    /// Whether any event handler is registered for this model: when none is, an operation
    /// need not keep copies of its input and result for the events.
    pub(crate) fn observed(&self) -> bool {
        !self.engine.handlers.is_empty()
    }

    fn event<'a>(
        &'a self,
        phase: Phase,
        action: Action,
        ctx: &'a ResolvedContext,
        parts: Parts<'a>,
        error: Option<&'a Error>,
    ) -> Event<'a> {
        let mut event = Event::new(phase, action, self.name(), &ctx.user, ctx.now);
        event.resource_id = parts.resource_id;
        event.revision_id = parts.revision_id;
        event.input = parts.input;
        event.data = parts.data;
        event.info = parts.info;
        event.meta = parts.meta;
        event.error = error;
        event
    }

    /// Run the handlers of `event.phase`. In the `Before` phase the first error stops and is
    /// returned; in the other phases errors are logged.
    async fn emit(&self, event: &Event<'_>) -> Result<()> {
        for handler in &self.engine.handlers {
            if !handler.handles(event.action, event.phase) {
                continue;
            }
            if let Err(error) = handler.handle(event).await {
                if event.phase == Phase::Before {
                    return Err(error);
                }
                tracing::warn!(
                    resource = event.resource,
                    action = event.action.as_str(),
                    phase = event.phase.as_str(),
                    %error,
                    "event handler failed"
                );
            }
        }
        Ok(())
    }

    /// Resolve the context, check the permission, run the `before` handlers.
    pub(crate) async fn begin(&self, action: Action, parts: Parts<'_>) -> Result<ResolvedContext> {
        let ctx = context::resolve(
            &self.context,
            &self.engine.defaults,
            self.engine.strict,
            self.name(),
            action,
        )?;
        let request = PermissionRequest::new(action, &ctx.user, self.name(), parts.resource_id);
        let allowed = match auth::check(self.engine.permission.as_ref(), &request).await {
            Ok(()) => {
                self.emit(&self.event(Phase::Before, action, &ctx, parts, None))
                    .await
            }
            Err(error) => Err(error),
        };
        if let Err(error) = allowed {
            let event = self.event(Phase::OnFailure, action, &ctx, parts, Some(&error));
            let _ = self.emit(&event).await;
            return Err(error);
        }
        Ok(ctx)
    }

    /// Run `after`, then `on_success` or `on_failure`; hand the result back.
    pub(crate) async fn finish<R: Outcome>(
        &self,
        action: Action,
        ctx: &ResolvedContext,
        parts: Parts<'_>,
        result: Result<R>,
    ) -> Result<R> {
        match &result {
            Ok(outcome) => {
                let parts = parts.overlay(outcome.parts());
                let _ = self
                    .emit(&self.event(Phase::After, action, ctx, parts, None))
                    .await;
                let _ = self
                    .emit(&self.event(Phase::OnSuccess, action, ctx, parts, None))
                    .await;
            }
            Err(error) => {
                let _ = self
                    .emit(&self.event(Phase::After, action, ctx, parts, Some(error)))
                    .await;
                let _ = self
                    .emit(&self.event(Phase::OnFailure, action, ctx, parts, Some(error)))
                    .await;
            }
        }
        result
    }
}

//! References between resources: the relationship table checked when the app is built, and
//! the referential actions run when a target is soft-deleted.
//!
//! - `cascade`: every non-deleted referrer is soft-deleted, through the referrer's own
//!   pipeline (its permission checker and events run; its own references cascade in turn);
//! - `set_null`: every non-deleted referrer gets a new revision with the field set to null
//!   (for a list of ids: with the id removed from the list);
//! - `dangling` (default): nothing.
//!
//! Restoring the target does not undo these; a permanent delete runs none; references are not
//! checked on write. Only resource-id references take part (revision references dangle).

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use serde_json::Value;

use super::context::{OperationContext, ResolvedContext};
use super::descriptor::{OnDelete, RefType, ResourceDescriptor};
use super::engine::ModelHandle;
use crate::model::{Error, Result};
use crate::query::{Condition, FieldPath, Operator, Query};

/// One reference field of one resource, as the app sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Relationship {
    /// The referring resource.
    pub source: &'static str,
    /// Its field holding the id(s).
    pub source_field: &'static str,
    /// The referenced resource.
    pub target: &'static str,
    /// Resource id or revision id.
    pub ref_type: RefType,
    /// What happens when the target is soft-deleted.
    pub on_delete: OnDelete,
    /// The field is optional.
    pub nullable: bool,
    /// The field is a list of ids.
    #[serde(skip)]
    pub list: bool,
}

/// Check every reference of `models` and list them. A target that is not one of the models, a
/// `set_null` on a field that can be neither null nor a list, an on-delete rule on a revision
/// reference, or an acting reference whose field is not indexed is an `Error::Config` naming
/// the type and the field.
pub(crate) fn relationships(models: &[&'static ResourceDescriptor]) -> Result<Vec<Relationship>> {
    let mut all = Vec::new();
    for model in models {
        for r in model.refs {
            let place = format!(
                "{}.{} (resource `{}`)",
                model.type_name, r.field, model.name
            );
            if !models.iter().any(|m| m.name == r.target) {
                return Err(Error::config(format!(
                    "{place} refers to resource `{}`, which is not registered in this app",
                    r.target
                )));
            }
            if r.ref_type == RefType::RevisionId && r.on_delete != OnDelete::Dangling {
                return Err(Error::config(format!(
                    "{place} is a revision reference; its on_delete must be dangling"
                )));
            }
            if r.on_delete == OnDelete::SetNull && !r.nullable && !r.list {
                return Err(Error::config(format!(
                    "{place} uses on_delete = set_null but the field is not an Option"
                )));
            }
            if r.ref_type == RefType::ResourceId
                && r.on_delete != OnDelete::Dangling
                && model.index(r.field).is_none()
            {
                return Err(Error::config(format!(
                    "{place} uses on_delete = {:?} but the field is not indexed",
                    r.on_delete
                )));
            }
            all.push(Relationship {
                source: model.name,
                source_field: r.field,
                target: r.target,
                ref_type: r.ref_type,
                on_delete: r.on_delete,
                nullable: r.nullable,
                list: r.list,
            });
        }
    }
    Ok(all)
}

/// Run the referential actions after `target_id` of `target` was soft-deleted.
///
/// Boxed (and declared `Send`) because it recurses through `delete`.
pub(crate) fn on_soft_delete<'a>(
    target: &'a ModelHandle,
    ctx: &'a ResolvedContext,
    target_id: &'a str,
) -> Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>> {
    Box::pin(run_referential_actions(target, ctx, target_id))
}

async fn run_referential_actions(
    target: &ModelHandle,
    ctx: &ResolvedContext,
    target_id: &str,
) -> Result<()> {
    let mut sources: Vec<&'static str> = target
        .app
        .relationships
        .iter()
        .filter(|r| is_acting_reference_to(r, target.name()))
        .map(|r| r.source)
        .collect();
    sources.sort_unstable();
    sources.dedup();
    for source_name in sources {
        let Some(source) = target.sibling(source_name) else {
            continue;
        };
        let source = source.with_context(OperationContext {
            user: Some(ctx.user.clone()),
            now: Some(ctx.now),
        });
        let refs: Vec<Relationship> = target
            .app
            .relationships
            .iter()
            .filter(|r| r.source == source_name && is_acting_reference_to(r, target.name()))
            .copied()
            .collect();
        let of_kind = |kind: OnDelete| refs.iter().filter(move |r| r.on_delete == kind);

        // Cascade first: a referrer that is deleted needs no set_null.
        let cascading = referring_to(of_kind(OnDelete::Cascade), target_id);
        if let Some(condition) = cascading {
            for referrer in source.find_metas(&Query::from(condition)).await? {
                tolerate_gone(source.delete(&referrer.resource_id).await.map(drop))?;
            }
        }
        // One new revision per referrer, clearing every set_null field that holds the id.
        let nulling: Vec<&'static str> =
            of_kind(OnDelete::SetNull).map(|r| r.source_field).collect();
        if let Some(condition) = referring_to(of_kind(OnDelete::SetNull), target_id) {
            for referrer in source.find_metas(&Query::from(condition)).await? {
                let cleared = source
                    .update_with(&referrer.resource_id, |current| {
                        Ok(nulling.iter().fold(current.clone(), |data, field| {
                            clear_reference(&data, field, target_id)
                        }))
                    })
                    .await;
                tolerate_gone(cleared.map(drop))?;
            }
        }
    }
    Ok(())
}

/// A resource-id reference to `target` with an on-delete rule.
fn is_acting_reference_to(r: &Relationship, target: &str) -> bool {
    r.target == target && r.ref_type == RefType::ResourceId && r.on_delete != OnDelete::Dangling
}

/// "Any of these fields refers to `target_id`" (`contains` for lists), `None` without fields.
fn referring_to<'r>(
    refs: impl Iterator<Item = &'r Relationship>,
    target_id: &str,
) -> Option<Condition> {
    let conditions: Vec<Condition> = refs
        .map(|r| Condition::Compare {
            field: FieldPath::Data(Cow::Borrowed(r.source_field)),
            op: if r.list {
                Operator::Contains
            } else {
                Operator::Eq
            },
            value: Value::String(target_id.to_owned()),
        })
        .collect();
    (!conditions.is_empty()).then(|| Condition::Or(conditions))
}

/// A referrer deleted or purged meanwhile by someone else: nothing left to do.
fn tolerate_gone(outcome: Result<()>) -> Result<()> {
    match outcome {
        Err(Error::Deleted { .. }) | Err(Error::NotFound { .. }) => Ok(()),
        other => other,
    }
}

/// `data` with the reference to `target_id` in `field` removed: a list loses the id, a single
/// reference holding it becomes null.
pub(crate) fn clear_reference(data: &Value, field: &str, target_id: &str) -> Value {
    let mut data = data.clone();
    if let Some(slot) = data.as_object_mut().and_then(|o| o.get_mut(field)) {
        match slot {
            Value::Array(ids) => ids.retain(|v| v.as_str() != Some(target_id)),
            Value::String(id) if id == target_id => *slot = Value::Null,
            _ => {}
        }
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn clearing_removes_the_id_only() {
        let data = json!({"a": "t:1", "b": ["t:1", "t:2", "t:1"], "c": "t:9"});
        assert_eq!(clear_reference(&data, "a", "t:1")["a"], Value::Null);
        assert_eq!(clear_reference(&data, "b", "t:1")["b"], json!(["t:2"]));
        assert_eq!(clear_reference(&data, "c", "t:1")["c"], json!("t:9"));
    }
}

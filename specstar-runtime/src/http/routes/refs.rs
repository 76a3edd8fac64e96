//! References: `GET /{model}/{id}/referrers` (non-deleted resources whose resource-id ref fields
//! point at the target; 404 when the target is missing or deleted) and `GET /_relationships`
//! (every declared reference between models).
//!
//! Revision refs (`ref_to(.., revision)`) are not indexed and have no referrers.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::http::extract::Target;
use crate::http::router::AppState;
use crate::model::{Error, Result};
use crate::query::{Condition, FieldPath, MetaField, Operator, Query};
use crate::resource::{RefType, Relationship};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/{model}/{id}/referrers", get(referrers))
        .route("/_relationships", get(relationships))
}

async fn referrers(
    State(state): State<AppState>,
    Target { model, id, .. }: Target,
) -> Result<Json<Vec<Value>>> {
    let meta = model.get_meta(&id).await?;
    if meta.is_deleted {
        return Err(Error::Deleted {
            resource: model.name().to_owned(),
            id,
        });
    }
    let mut out = Vec::new();
    for source in state.spec().models() {
        for r in source.descriptor().refs {
            if r.target != model.name() || r.ref_type != RefType::ResourceId {
                continue;
            }
            let query = Query {
                condition: Some(Condition::And(vec![
                    Condition::Compare {
                        field: FieldPath::Data(r.field.into()),
                        op: if r.list {
                            Operator::Contains
                        } else {
                            Operator::Eq
                        },
                        value: Value::String(id.clone()),
                    },
                    Condition::Compare {
                        field: FieldPath::Meta(MetaField::IsDeleted),
                        op: Operator::Eq,
                        value: Value::Bool(false),
                    },
                ])),
                ..Query::default()
            };
            let ids: Vec<String> = source
                .search_metas(&query)
                .await?
                .into_iter()
                .map(|m| m.resource_id)
                .collect();
            if !ids.is_empty() {
                out.push(json!({
                    "source": source.name(),
                    "source_field": r.field,
                    "ref_type": r.ref_type,
                    "on_delete": r.on_delete,
                    "resource_ids": ids,
                }));
            }
        }
    }
    Ok(Json(out))
}

async fn relationships(State(state): State<AppState>) -> Json<Vec<Relationship>> {
    Json(state.spec().relationships().to_vec())
}

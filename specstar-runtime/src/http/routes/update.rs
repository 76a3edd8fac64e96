//! `PUT /{model}/{id}` (replace the data) and `PATCH /{model}/{id}` (RFC 6902 JSON Patch), both
//! with `mode=update|modify` and `change_status=draft|stable` (modify only, else 400).
//!
//! - `mode=update` (default) writes a new revision; identical data writes none and returns the
//!   current revision info; there is no upsert (unknown id → 404).
//! - `mode=modify` rewrites the current draft in place; with `change_status=draft` and a body it
//!   may turn a stable revision back into a draft; publishing a draft is
//!   `PUT ?mode=modify&change_status=stable` with no body. Modify on a stable revision without
//!   `change_status=draft` → 409.
//! - PATCH: a body that is not an array, an unknown op, a bad path or a failed `test` → 400; a
//!   result that does not decode into the type → 422.

use axum::routing::put;
use axum::{Json, Router};
use serde_json::Value;

use crate::http::extract::{Caller, JsonBody, Params, RawBody, Target, require_object};
use crate::http::query_params::QueryString;
use crate::http::router::AppState;
use crate::model::{Error, Result, RevisionInfo, RevisionStatus};
use crate::resource::patch::{self, Patch};
use crate::resource::{ModelHandle, Modify};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/{model}/{id}", put(replace).patch(patch))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Update,
    Modify,
}

/// `mode` and `change_status`.
fn mode(qs: &QueryString) -> Result<(Mode, Option<RevisionStatus>)> {
    let mode = match qs.get("mode").map(str::trim) {
        None | Some("") | Some("update") => Mode::Update,
        Some("modify") => Mode::Modify,
        Some(other) => {
            return Err(Error::BadRequest {
                parameter: "mode".into(),
                message: format!("unknown mode `{other}` (expected `update` or `modify`)"),
            });
        }
    };
    let status = match qs.get("change_status").map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(
            raw.parse::<RevisionStatus>()
                .map_err(|_| Error::BadRequest {
                    parameter: "change_status".into(),
                    message: format!("unknown status `{raw}` (expected `draft` or `stable`)"),
                })?,
        ),
    };
    if status.is_some() && mode != Mode::Modify {
        return Err(Error::BadRequest {
            parameter: "change_status".into(),
            message: "`change_status` is only allowed with `mode=modify`".into(),
        });
    }
    Ok((mode, status))
}

async fn replace(
    Target { model, id, .. }: Target,
    caller: Caller,
    Params(qs): Params,
    RawBody(raw): RawBody,
) -> axum::response::Result<Json<RevisionInfo>> {
    let model = caller.on(&model);
    let requested = mode(&qs);
    // The common case, a plain update with valid data, skips the `Value` in between; anything
    // else takes the path below, which reports the errors (a body that is not JSON first).
    if let Ok((Mode::Update, _)) = requested
        && let Some(data) = model.decode_json(&raw)
    {
        return Ok(Json(model.update_decoded(&id, data).await?));
    }
    let JsonBody(body) = JsonBody::parse(&raw)?;
    Ok(replace_value(&model, &id, requested?, body).await?)
}

async fn replace_value(
    model: &ModelHandle,
    id: &str,
    (mode, status): (Mode, Option<RevisionStatus>),
    body: Option<Value>,
) -> Result<Json<RevisionInfo>> {
    let info = match mode {
        Mode::Update => {
            let data = require_object(model.name(), body)?;
            model.update(id, data).await?
        }
        Mode::Modify => {
            let data = match body {
                None if status.is_some() => None,
                body => Some(require_object(model.name(), body)?),
            };
            model.modify(id, Modify { data, status }).await?
        }
    };
    Ok(Json(info))
}

async fn patch(
    Target { model, id, .. }: Target,
    caller: Caller,
    Params(qs): Params,
    JsonBody(body): JsonBody,
) -> Result<Json<RevisionInfo>> {
    let (mode, status) = mode(&qs)?;
    let operations = parse_patch(body)?;
    let model = caller.on(&model);
    let info = match mode {
        Mode::Update => model.patch(&id, &operations).await?,
        Mode::Modify => {
            let data = patch::apply(&model.get(&id).await?.data, &operations)?;
            model
                .modify(
                    &id,
                    Modify {
                        data: Some(data),
                        status,
                    },
                )
                .await?
        }
    };
    Ok(Json(info))
}

/// The body as an RFC 6902 patch: missing, not an array, or an unknown/malformed operation
/// → 400.
fn parse_patch(body: Option<Value>) -> Result<Patch> {
    match body {
        Some(document) => patch::parse(document),
        None => Err(Error::BadRequest {
            parameter: "patch".into(),
            message: "request body is missing (expected a JSON Patch array)".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn mode_and_change_status_rules() {
        let q = |raw| QueryString::parse(Some(raw));
        assert_eq!(mode(&q("")).unwrap(), (Mode::Update, None));
        assert_eq!(
            mode(&q("mode=modify&change_status=stable")).unwrap(),
            (Mode::Modify, Some(RevisionStatus::Stable))
        );
        for bad in [
            "mode=upsert",
            "change_status=draft",
            "mode=update&change_status=stable",
            "mode=modify&change_status=final",
        ] {
            let e = mode(&q(bad)).unwrap_err();
            assert_eq!(e.status(), 400, "{bad}");
        }
    }

    #[test]
    fn patch_body_must_be_an_array_of_known_ops() {
        assert!(parse_patch(Some(json!([{"op": "replace", "path": "/a", "value": 1}]))).is_ok());
        for bad in [
            json!({"op": "add"}),
            json!([{"op": "frobnicate", "path": "/a"}]),
            json!([{"op": "add"}]),
        ] {
            assert_eq!(
                parse_patch(Some(bad.clone())).unwrap_err().status(),
                400,
                "{bad}"
            );
        }
        assert_eq!(parse_patch(None).unwrap_err().status(), 400);
    }
}

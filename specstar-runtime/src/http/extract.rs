//! Extractors shared by the route families: the model and ids in the path, the caller (user and
//! time), the URL query, and the JSON body. Every rejection is a JSON error body, never a 500.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, RawQuery, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::query_params::QueryString;
use super::router::AppState;
use crate::model::{Error, Timestamp};
use crate::resource::ModelHandle as Model;

/// The model named by the `{model}` path segment, resolved against the app.
pub struct ModelParam(pub Model);

/// The path parameters of a route: `{model}`, and `{id}` / `{revision_id}` when present.
pub struct Target {
    /// The model's engine.
    pub model: Model,
    /// `{id}` (empty when the route has none).
    pub id: String,
    /// `{revision_id}` (empty when the route has none).
    pub revision_id: String,
}

fn error_response(e: Error) -> Response {
    e.into_response()
}

impl FromRequestParts<AppState> for Target {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|e| {
                error_response(Error::BadRequest {
                    parameter: "path".into(),
                    message: e.body_text(),
                })
            })?;
        let mut model = None;
        let mut id = String::new();
        let mut revision_id = String::new();
        for (name, value) in &params {
            match name {
                "model" => model = Some(value.to_owned()),
                "id" => id = value.to_owned(),
                "revision_id" => revision_id = value.to_owned(),
                _ => {}
            }
        }
        let name = model.unwrap_or_default();
        let model = state
            .spec()
            .model(&name)
            .ok_or_else(|| unknown_model(&name))?;
        Ok(Target {
            model,
            id,
            revision_id,
        })
    }
}

impl FromRequestParts<AppState> for ModelParam {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        Target::from_request_parts(parts, state)
            .await
            .map(|t| ModelParam(t.model))
    }
}

/// A 404 naming a model that is not registered.
pub fn unknown_model(name: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({ "detail": format!("unknown model `{name}`") })),
    )
        .into_response()
}

/// Who makes the request and when (see [`super::UserProvider`] and [`super::Clock`]).
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user the provider found (`None`: the default user).
    pub user: Option<String>,
    /// The time of the write (`None`: the manager's clock).
    pub now: Option<Timestamp>,
}

/// The user of requests that name none when no default user is configured.
pub const ANONYMOUS: &str = "anonymous";

impl Caller {
    /// `model` acting as this caller: the provider's user, else the model's configured default
    /// user, else `"anonymous"`.
    pub fn on(&self, model: &Model) -> Model {
        let user = match &self.user {
            Some(user) => user.clone(),
            None => model.default_user().unwrap_or_else(|| ANONYMOUS.to_owned()),
        };
        let model = model.as_user(user);
        match self.now {
            Some(t) => model.at(t),
            None => model,
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        Ok(Caller {
            user: state.options().users.resolve(parts).await?,
            now: state.options().clock.as_ref().map(|c| c.now()),
        })
    }
}

/// The decoded URL query (repeatable parameters kept).
pub struct Params(pub QueryString);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let RawQuery(raw) = RawQuery::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Params(QueryString::parse(raw.as_deref())))
    }
}

/// The request body as it came, within the size limit (beyond it a 413).
pub struct RawBody(pub Bytes);

impl FromRequest<AppState> for RawBody {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    axum::Json(json!({
                        "detail": format!(
                            "request body is larger than the limit of {} bytes",
                            state.options().body_limit
                        )
                    })),
                )
                    .into_response()
            } else {
                error_response(Error::BadRequest {
                    parameter: "body".into(),
                    message: rejection.body_text(),
                })
            }
        })?;
        Ok(RawBody(bytes))
    }
}

/// The request body parsed as JSON; `None` when the body is empty. Invalid JSON is a 422,
/// a body over the limit a 413. The content type is not checked (`curl -d` sends a form type).
pub struct JsonBody(pub Option<Value>);

impl JsonBody {
    /// Parse a body taken as [`RawBody`].
    pub fn parse(bytes: &[u8]) -> Result<Self, Response> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonBody(None));
        }
        serde_json::from_slice(bytes)
            .map(|v| JsonBody(Some(v)))
            .map_err(|e| {
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    axum::Json(json!({ "detail": format!("request body is not valid JSON: {e}") })),
                )
                    .into_response()
            })
    }
}

impl FromRequest<AppState> for JsonBody {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let RawBody(bytes) = RawBody::from_request(req, state).await?;
        JsonBody::parse(&bytes)
    }
}

/// The body as a JSON object for `resource`: a missing body or a non-object is a 422.
pub fn require_object(resource: &str, body: Option<Value>) -> Result<Value, Error> {
    match body {
        Some(v @ Value::Object(_)) => Ok(v),
        Some(other) => Err(Error::validation(
            resource,
            format!(
                "request body must be a JSON object, got {}",
                json_type_name(&other)
            ),
        )),
        None => Err(Error::validation(
            resource,
            "request body is missing (expected a JSON object)",
        )),
    }
}

/// `"an array"`, `"a string"`, … for messages.
pub fn json_type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

//! Error → HTTP status mapping, exactly as `http-api.md` ("Error mapping") says.
//!
//! Every error body is JSON with a `detail` naming the field, parameter or id involved. A unique
//! violation's `detail` is an object `{message, field, conflicting_resource_id}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::model::Error;

impl Error {
    /// The HTTP status this error maps to.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::NotFound { .. }
            | Error::RevisionNotFound { .. }
            | Error::FileNotFound { .. }
            | Error::Deleted { .. } => StatusCode::NOT_FOUND,
            Error::UniqueViolation { .. }
            | Error::Conflict { .. }
            | Error::Duplicate { .. }
            | Error::CannotModify { .. }
            | Error::RevisionNotMigrated { .. } => StatusCode::CONFLICT,
            Error::Validation { .. } | Error::MigrationFailed { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Error::PermissionDenied { .. } => StatusCode::FORBIDDEN,
            Error::NotConfigured { .. } => StatusCode::NOT_IMPLEMENTED,
            Error::MissingContext { .. }
            | Error::BadQuery { .. }
            | Error::BadRequest { .. }
            | Error::Aborted { .. } => StatusCode::BAD_REQUEST,
            Error::Config { .. } | Error::Storage { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The JSON body sent with [`Error::status`].
    pub fn body(&self) -> serde_json::Value {
        match self {
            Error::UniqueViolation {
                field,
                conflicting_id,
                ..
            } => json!({
                "detail": {
                    "message": self.to_string(),
                    "field": field,
                    "conflicting_resource_id": conflicting_id,
                }
            }),
            // Internal failures are logged in full but not leaked to the client.
            Error::Storage { backend, .. } => {
                json!({ "detail": format!("internal storage error ({backend}); see the server log") })
            }
            _ => json!({ "detail": self.to_string() }),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, source = ?std::error::Error::source(&self), "request failed");
        }
        (status, axum::Json(self.body())).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(e: Error) -> u16 {
        e.into_response().status().as_u16()
    }

    #[test]
    fn statuses_follow_the_error_table() {
        let r = || "zone".to_string();
        assert_eq!(
            status(Error::NotFound {
                resource: r(),
                id: "zone:1".into()
            }),
            404
        );
        assert_eq!(
            status(Error::Deleted {
                resource: r(),
                id: "zone:1".into()
            }),
            404
        );
        assert_eq!(
            status(Error::RevisionNotFound {
                resource: r(),
                id: "a".into(),
                revision_id: "a:9".into()
            }),
            404
        );
        assert_eq!(
            status(Error::CannotModify {
                resource: r(),
                id: "a".into(),
                reason: "stable".into()
            }),
            409
        );
        assert_eq!(
            status(Error::validation("zone", "level: expected i64")),
            422
        );
        assert_eq!(
            status(Error::PermissionDenied {
                user: "u".into(),
                action: "create".into(),
                resource: r(),
                id: None
            }),
            403
        );
        assert_eq!(status(Error::bad_query("qb", "unexpected `)` at 3")), 400);
        assert_eq!(
            status(Error::NotConfigured {
                feature: "blob store".into()
            }),
            501
        );
    }

    #[test]
    fn unique_violation_detail_names_field_and_conflicting_id() {
        let e = Error::UniqueViolation {
            resource: "zone".into(),
            field: "name".into(),
            value: json!("Shire"),
            conflicting_id: "zone:abc".into(),
        };
        assert_eq!(e.status(), StatusCode::CONFLICT);
        let body = e.body();
        assert_eq!(body["detail"]["field"], "name");
        assert_eq!(body["detail"]["conflicting_resource_id"], "zone:abc");
        assert!(
            body["detail"]["message"]
                .as_str()
                .unwrap()
                .contains("Shire")
        );
    }

    #[test]
    fn storage_errors_do_not_leak_internals() {
        let e = Error::Storage {
            backend: "sqlite",
            message: "secret path /x".into(),
            source: None,
        };
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!e.body()["detail"].as_str().unwrap().contains("secret"));
    }
}

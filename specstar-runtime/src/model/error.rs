//! The one error type of SpecStar.

/// `Result<T, specstar::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every failure a SpecStar caller can act on. Messages name the resource, the id and the
/// field involved. The HTTP layer maps each variant to one status code (see `http-api.md`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No resource with this id (404).
    #[error("{resource} `{id}` not found")]
    NotFound { resource: String, id: String },

    /// The resource exists but this revision does not (404).
    #[error("revision `{revision_id}` of {resource} `{id}` not found")]
    RevisionNotFound {
        resource: String,
        id: String,
        revision_id: String,
    },

    /// No stored file with this id, or (`referenced_by` set) the resource does not reference
    /// it (404).
    #[error("file `{file_id}` not found{}", referenced_by.as_deref().map(|r| format!(" in {r}")).unwrap_or_default())]
    FileNotFound {
        file_id: String,
        /// The resource that was asked for it (`"zone `zone:…`"`), if any.
        referenced_by: Option<String>,
    },

    /// The resource is soft-deleted (404 over HTTP; restore it or read with `include_deleted`).
    #[error(
        "{resource} `{id}` is deleted (restore it first, or read it with include_deleted=true)"
    )]
    Deleted { resource: String, id: String },

    /// A unique field's value is already used by another non-deleted resource (409).
    #[error(
        "unique constraint on {resource}.{field} violated: value {value} is already used by `{conflicting_id}`"
    )]
    UniqueViolation {
        resource: String,
        field: String,
        value: serde_json::Value,
        conflicting_id: String,
    },

    /// A concurrent writer changed the resource first, or an id already exists (409).
    #[error("conflict on {resource} `{id}`: {message}")]
    Conflict {
        resource: String,
        id: String,
        message: String,
    },

    /// A resource with this id already exists (backup load with `raise_error`) (409).
    #[error("{resource} `{id}` already exists")]
    Duplicate { resource: String, id: String },

    /// The data does not decode into the type, or a validator / constraint rejected it (422).
    #[error("invalid {resource}{}: {message}", field.as_deref().map(|f| format!(" field `{f}`")).unwrap_or_default())]
    Validation {
        resource: String,
        field: Option<String>,
        message: String,
    },

    /// The permission checker refused the action (403).
    #[error("permission denied: user `{user}` may not {action} {resource}{}", id.as_deref().map(|i| format!(" `{i}`")).unwrap_or_default())]
    PermissionDenied {
        user: String,
        action: String,
        resource: String,
        id: Option<String>,
    },

    /// Strict operation context is on and the user or the time of a write is unresolved.
    #[error(
        "missing operation context for {action} on {resource}: no {missing} given (use as_user()/at() or set a default)"
    )]
    MissingContext {
        resource: String,
        action: String,
        missing: &'static str,
    },

    /// The revision was written by an older schema version and must be migrated first (409).
    #[error(
        "revision `{revision_id}` of {resource} is at schema version {found:?}, expected {expected:?}: migrate it first"
    )]
    RevisionNotMigrated {
        resource: String,
        revision_id: String,
        found: Option<String>,
        expected: Option<String>,
    },

    /// A revision stored at an older schema version could not be migrated to the current one:
    /// its payload does not decode as the `via` type of its version, or a `TryFrom` step
    /// failed (422). The stored data is left unchanged.
    #[error(
        "cannot migrate revision `{revision_id}` of {resource} from schema version {from:?} to {to:?}: {message}"
    )]
    MigrationFailed {
        resource: String,
        revision_id: String,
        from: Option<String>,
        to: Option<String>,
        message: String,
    },

    /// In-place modification is only allowed on drafts (409).
    #[error("cannot modify {resource} `{id}`: {reason}")]
    CannotModify {
        resource: String,
        id: String,
        reason: String,
    },

    /// A query, query parameter, paging value or expression is malformed (400).
    #[error("bad query parameter `{parameter}`: {message}")]
    BadQuery { parameter: String, message: String },

    /// Any other malformed request: a JSON patch that fails, a bad option value (400).
    #[error("bad request ({parameter}): {message}")]
    BadRequest { parameter: String, message: String },

    /// An event handler of the `before` phase aborted the action (400).
    #[error("{action} on {resource} aborted by an event handler: {message}")]
    Aborted {
        resource: String,
        action: String,
        message: String,
    },

    /// The feature is not configured (e.g. no blob store) (501).
    #[error("{feature} is not configured")]
    NotConfigured { feature: String },

    /// Invalid application or backend configuration (raised at start-up).
    #[error("configuration error: {message}")]
    Config { message: String },

    /// The storage backend failed (500). The message names the backend and the operation.
    #[error("storage error ({backend}): {message}")]
    Storage {
        backend: &'static str,
        message: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl Error {
    /// A validation error with no particular field.
    pub fn validation(resource: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation {
            resource: resource.into(),
            field: None,
            message: message.into(),
        }
    }

    /// A storage error wrapping its cause.
    pub fn storage(
        backend: &'static str,
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::Storage {
            backend,
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    /// A bad query parameter.
    pub fn bad_query(parameter: impl Into<String>, message: impl Into<String>) -> Self {
        Error::BadQuery {
            parameter: parameter.into(),
            message: message.into(),
        }
    }

    /// A configuration error.
    pub fn config(message: impl Into<String>) -> Self {
        Error::Config {
            message: message.into(),
        }
    }
}

//! Backend configuration: which store serves which role, from a typed value, JSON or a URL.
//!
//! Mirrors SpecStar's `BackendConfig`: named [`ConnectionProfile`]s, one [`BackendBinding`] per
//! role (`meta`, `resource`, `blob`, `mq`), shared [`BackendDefaults`], and custom providers
//! through [`register_backend_provider`].
//!
//! ```
//! use specstar_runtime::storage::config::BackendConfig;
//!
//! // A URL…
//! let config = BackendConfig::parse("sqlite://specstar.db")?;
//! // …or JSON (inline or a file path), with `$VAR` / `${VAR}` expansion.
//! let config = BackendConfig::parse(r#"{
//!     "connections": {"main": {"type": "sqlite", "options": {"path": "app.db"}}},
//!     "meta": {"use": "main"},
//!     "resource": {"use": "main"}
//! }"#)?;
//! # Ok::<(), specstar_runtime::Error>(())
//! ```
//!
//! Built-in providers and their options:
//!
//! | type | options |
//! |---|---|
//! | `memory` | none |
//! | `sqlite` | `path` (file; or `memory: true`), `synchronous` (`"normal"` default, `"full"`), `busy_timeout_ms`, `read_connections`, `table_prefix` |
//! | `postgres` | `url` (required), `schema` (default `public`), `table_prefix`, `max_connections` |
//! | `disk` | `rootdir` (or `path`) |
//!
//! `table_prefix` defaults to `defaults.table_prefix`. Unknown options are refused, so a typo
//! does not silently fall back to a default.
//!
//! This version serves the `meta`, `resource` and `blob` roles; `meta` and `resource` must
//! resolve to the same store; binding `mq` to a provider (required, the default) is a
//! configuration error. The `blob` role is served by the built-in providers: `memory`,
//! `sqlite` (table `{table_prefix}blobs`, in the same file when bound to the same connection),
//! `postgres` (table `{table_prefix}blobs` in the schema) and `disk` (directory
//! `<rootdir>/.blobs`, beside the resources); a custom provider cannot serve it.
//!
//! Unlike the Python defaults, a JSON config's `blob` is unbound unless given (then the app
//! has no blob store and writing file bytes is `Error::NotConfigured`), but the one-store
//! shorthands — a URL, [`Backend`], [`BackendConfig::sqlite`] and friends — bind `blob` to the
//! same store as the resources.
//!
//! ```
//! use specstar_runtime::storage::config::{BackendBinding, BackendConfig};
//! let config = BackendConfig::parse("sqlite://specstar.db")?;
//! assert_eq!(config.blob, Some(BackendBinding::connection("default")));
//! # Ok::<(), specstar_runtime::Error>(())
//! ```

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use futures_util::future::BoxFuture;
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::ResourceStore;
use super::blob::BlobStore;
use super::blob::disk::DiskBlobStore;
use super::blob::memory::MemoryBlobStore;
use super::blob::postgres::PostgresBlobStore;
use super::blob::sqlite::SqliteBlobStore;
use super::disk::DiskStore;
use super::postgres::{PostgresOptions, PostgresStore};
use super::sqlite::{SqliteOptions, SqliteStore, SqliteSynchronous};
use crate::model::{Encoding, Error, Result};

/// The unified backend configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendConfig {
    /// Format version (1).
    #[serde(default = "version_one")]
    pub version: u32,
    /// Values shared by every provider.
    #[serde(default)]
    pub defaults: BackendDefaults,
    /// Named connections roles can `use`.
    #[serde(default)]
    pub connections: BTreeMap<String, ConnectionProfile>,
    /// Where resource metadata lives (default: memory).
    #[serde(default = "BackendBinding::memory")]
    pub meta: BackendBinding,
    /// Where resource revisions live (default: memory).
    #[serde(default = "BackendBinding::memory")]
    pub resource: BackendBinding,
    /// Where blobs (the bytes of `Binary` values) live; unbound: no blob store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob: Option<BackendBinding>,
    /// The message queue (not served by this version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mq: Option<BackendBinding>,
}

fn version_one() -> u32 {
    1
}

fn yes() -> bool {
    true
}

impl Default for BackendConfig {
    fn default() -> Self {
        BackendConfig {
            version: 1,
            defaults: BackendDefaults::default(),
            connections: BTreeMap::new(),
            meta: BackendBinding::memory(),
            resource: BackendBinding::memory(),
            blob: None,
            mq: None,
        }
    }
}

/// Values shared by every provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackendDefaults {
    /// Payload encoding of resources that do not choose one.
    pub encoding: Encoding,
    /// Prefix of table names (SQL backends), unless a connection sets its own.
    pub table_prefix: String,
    /// Prefix of blob keys.
    pub blob_prefix: String,
    /// How blobs are uploaded (`"proxy"` or `"single_put"`).
    pub upload_method: String,
    /// Lifetime of presigned URLs, in seconds.
    pub presigned_url_expiry: u64,
}

impl Default for BackendDefaults {
    fn default() -> Self {
        BackendDefaults {
            encoding: Encoding::Json,
            table_prefix: String::new(),
            blob_prefix: "blobs/".into(),
            upload_method: "proxy".into(),
            presigned_url_expiry: 3600,
        }
    }
}

/// A named connection: a provider type and its options, defined once and used by roles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionProfile {
    /// Provider name (`sqlite`, `postgres`, `disk`, `memory`, or a registered one).
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub options: Map<String, Value>,
    /// A disabled connection cannot be used.
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// One role's backend: a named connection (`use`) or an inline provider (`type`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendBinding {
    /// A connection name from `connections`.
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub use_connection: Option<String>,
    /// An inline provider name.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Options (override the connection's).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub options: Map<String, Value>,
    /// When false, a binding this version cannot serve is ignored instead of refused.
    #[serde(default = "yes")]
    pub required: bool,
}

impl BackendBinding {
    /// An inline binding to provider `kind`.
    pub fn inline(kind: impl Into<String>, options: Map<String, Value>) -> Self {
        BackendBinding {
            use_connection: None,
            kind: Some(kind.into()),
            options,
            required: true,
        }
    }

    /// A binding to the named connection.
    pub fn connection(name: impl Into<String>) -> Self {
        BackendBinding {
            use_connection: Some(name.into()),
            kind: None,
            options: Map::new(),
            required: true,
        }
    }

    /// The in-memory provider.
    pub fn memory() -> Self {
        Self::inline("memory", Map::new())
    }
}

/// The roles a binding can serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BackendRole {
    Meta,
    Resource,
    Blob,
    Mq,
}

impl BackendRole {
    pub fn as_str(self) -> &'static str {
        match self {
            BackendRole::Meta => "meta",
            BackendRole::Resource => "resource",
            BackendRole::Blob => "blob",
            BackendRole::Mq => "mq",
        }
    }
}

/// What a provider factory receives: the resolved options and the shared defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderContext {
    /// The provider name.
    pub kind: String,
    /// Connection options merged with the binding's (binding wins).
    pub options: Map<String, Value>,
    pub defaults: BackendDefaults,
}

/// A provider factory: builds the store of the `meta`/`resource` roles.
pub type ProviderFactory = Arc<
    dyn Fn(ProviderContext) -> BoxFuture<'static, Result<Arc<dyn ResourceStore>>> + Send + Sync,
>;

const BUILT_IN: [&str; 4] = ["memory", "sqlite", "postgres", "disk"];

static PROVIDERS: LazyLock<RwLock<HashMap<String, ProviderFactory>>> =
    LazyLock::new(|| RwLock::new(HashMap::new()));

/// Register a custom provider usable as `"type": name` in any [`BackendConfig`] of the process.
///
/// Fails for a built-in name or a name already registered.
///
/// ```
/// use std::sync::Arc;
/// use specstar_runtime::storage::config::{BackendConfig, register_backend_provider};
/// use specstar_runtime::storage::sqlite::SqliteStore;
/// use specstar_runtime::storage::ResourceStore;
///
/// register_backend_provider("scratch", |_ctx| {
///     Box::pin(async {
///         Ok(Arc::new(SqliteStore::in_memory().await?) as Arc<dyn ResourceStore>)
///     })
/// })?;
/// let config = BackendConfig::parse(r#"{"meta": {"type": "scratch"}, "resource": {"type": "scratch"}}"#)?;
/// # Ok::<(), specstar_runtime::Error>(())
/// ```
pub fn register_backend_provider<F>(name: impl Into<String>, factory: F) -> Result<()>
where
    F: Fn(ProviderContext) -> BoxFuture<'static, Result<Arc<dyn ResourceStore>>>
        + Send
        + Sync
        + 'static,
{
    let name = name.into();
    if BUILT_IN.contains(&name.as_str()) {
        return Err(Error::config(format!(
            "backend provider `{name}` is built in and cannot be replaced"
        )));
    }
    let mut providers = PROVIDERS.write();
    if providers.contains_key(&name) {
        return Err(Error::config(format!(
            "backend provider `{name}` is already registered"
        )));
    }
    providers.insert(name, Arc::new(factory));
    Ok(())
}

/// One resolved role: provider and merged options.
#[derive(Debug, Clone, PartialEq)]
struct Resolved {
    kind: String,
    options: Map<String, Value>,
}

impl BackendConfig {
    /// Meta, resource and blobs in one SQLite file.
    pub fn sqlite(path: impl AsRef<Path>) -> Self {
        let mut options = Map::new();
        options.insert(
            "path".into(),
            Value::String(path.as_ref().to_string_lossy().into_owned()),
        );
        Self::single("sqlite", options)
    }

    /// Meta, resource and blobs in PostgreSQL (`schema`: `None` for `public`).
    pub fn postgres(url: impl Into<String>, schema: Option<&str>) -> Self {
        let mut options = Map::new();
        options.insert("url".into(), Value::String(url.into()));
        if let Some(schema) = schema {
            options.insert("schema".into(), Value::String(schema.into()));
        }
        Self::single("postgres", options)
    }

    /// Meta, resource and blobs in a directory (blobs in `<root>/.blobs`).
    pub fn disk(root: impl AsRef<Path>) -> Self {
        let mut options = Map::new();
        options.insert(
            "rootdir".into(),
            Value::String(root.as_ref().to_string_lossy().into_owned()),
        );
        Self::single("disk", options)
    }

    /// Meta, resource and blobs in memory.
    pub fn memory() -> Self {
        BackendConfig {
            blob: Some(BackendBinding::memory()),
            ..Self::default()
        }
    }

    fn single(kind: &str, options: Map<String, Value>) -> Self {
        let mut connections = BTreeMap::new();
        connections.insert(
            "default".to_owned(),
            ConnectionProfile {
                kind: kind.to_owned(),
                options,
                enabled: true,
                tags: Vec::new(),
            },
        );
        BackendConfig {
            connections,
            meta: BackendBinding::connection("default"),
            resource: BackendBinding::connection("default"),
            blob: Some(BackendBinding::connection("default")),
            ..Self::default()
        }
    }

    /// A config from a URL, inline JSON (starting with `{`), or the path of a JSON file — what
    /// `SPECSTAR_BACKEND` holds. `$VAR`/`${VAR}` are expanded in every case.
    pub fn parse(text: &str) -> Result<Self> {
        let trimmed = text.trim();
        if trimmed.starts_with('{') {
            Self::from_json_str(trimmed)
        } else if trimmed.contains("://") || trimmed.starts_with("sqlite:") {
            Self::from_url(trimmed)
        } else {
            Self::from_json_file(trimmed)
        }
    }

    /// A config from JSON text.
    pub fn from_json_str(json: &str) -> Result<Self> {
        let value: Value = serde_json::from_str(json)
            .map_err(|e| Error::config(format!("backend config is not valid JSON: {e}")))?;
        Self::from_json_value(value)
    }

    /// A config from a JSON file (same as [`from_json_file`](Self::from_json_file)).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        Self::from_json_file(path)
    }

    /// A config from a JSON file.
    pub fn from_json_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::config(format!(
                "cannot read backend config file `{}`: {e}",
                path.display()
            ))
        })?;
        let value: Value = serde_json::from_str(&text).map_err(|e| {
            Error::config(format!(
                "backend config file `{}` is not valid JSON: {e}",
                path.display()
            ))
        })?;
        Self::from_json_value(value)
    }

    /// A config from a JSON value (after `$VAR` expansion of every string in it).
    pub fn from_json_value(value: Value) -> Result<Self> {
        let value = expand_env_in(value)?;
        serde_json::from_value(value)
            .map_err(|e| Error::config(format!("invalid backend config: {e}")))
    }

    /// A config from a URL: `sqlite://path`, `sqlite:///absolute/path`, `sqlite::memory:`,
    /// `postgres://…` / `postgresql://…` (our own `schema` and `table_prefix` query parameters
    /// are taken out; the rest goes to the driver), `memory://`, `disk://path`.
    pub fn from_url(url: &str) -> Result<Self> {
        let url = expand_env(url)?;
        let bad = |why: &str| Error::config(format!("invalid backend URL `{url}`: {why}"));
        if url == "sqlite::memory:" || url == "sqlite://:memory:" {
            let mut options = Map::new();
            options.insert("memory".into(), Value::Bool(true));
            return Ok(Self::single("sqlite", options));
        }
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(bad("expected `scheme://…`"));
        };
        let (body, params) = match rest.split_once('?') {
            Some((body, query)) => (body, parse_query(query)),
            None => (rest, Vec::new()),
        };
        match scheme {
            "memory" => {
                if !body.is_empty() || !params.is_empty() {
                    return Err(bad("`memory://` takes no path or parameters"));
                }
                Ok(Self::memory())
            }
            "sqlite" => {
                if body.is_empty() {
                    return Err(bad("no database file (use `sqlite://specstar.db`)"));
                }
                let mut options = Map::new();
                options.insert("path".into(), Value::String(body.to_owned()));
                for (key, value) in params {
                    let value = match key.as_str() {
                        "busy_timeout_ms" | "read_connections" => Value::from(
                            value
                                .parse::<u64>()
                                .map_err(|_| bad(&format!("`{key}` must be a whole number")))?,
                        ),
                        _ => Value::String(value),
                    };
                    options.insert(key, value);
                }
                Ok(Self::single("sqlite", options))
            }
            "postgres" | "postgresql" => {
                let mut options = Map::new();
                let mut passed = Vec::new();
                for (key, value) in params {
                    match key.as_str() {
                        "schema" | "table_prefix" => {
                            options.insert(key, Value::String(value));
                        }
                        _ => passed.push(format!("{key}={value}")),
                    }
                }
                let mut driver_url = format!("{scheme}://{body}");
                if !passed.is_empty() {
                    driver_url.push('?');
                    driver_url.push_str(&passed.join("&"));
                }
                options.insert("url".into(), Value::String(driver_url));
                Ok(Self::single("postgres", options))
            }
            "disk" => {
                if body.is_empty() {
                    return Err(bad("no directory (use `disk://./data`)"));
                }
                if !params.is_empty() {
                    return Err(bad("`disk://` takes no parameters"));
                }
                Ok(Self::disk(body))
            }
            other => Err(bad(&format!(
                "unknown scheme `{other}` (expected sqlite, postgres, memory or disk)"
            ))),
        }
    }

    /// The payload encoding resources use when they choose none.
    pub fn default_encoding(&self) -> Encoding {
        self.defaults.encoding
    }

    fn resolve(&self, role: BackendRole, binding: &BackendBinding) -> Result<Resolved> {
        let role_name = role.as_str();
        let (kind, mut options) = match (&binding.use_connection, &binding.kind) {
            (Some(name), kind) => {
                let profile = self.connections.get(name).ok_or_else(|| {
                    let known: Vec<&str> = self.connections.keys().map(String::as_str).collect();
                    Error::config(format!(
                        "role `{role_name}` uses unknown connection `{name}` (defined: {})",
                        if known.is_empty() {
                            "none".to_owned()
                        } else {
                            known.join(", ")
                        }
                    ))
                })?;
                if !profile.enabled {
                    return Err(Error::config(format!(
                        "role `{role_name}` uses connection `{name}`, which is disabled"
                    )));
                }
                if let Some(kind) = kind
                    && kind != &profile.kind
                {
                    return Err(Error::config(format!(
                        "role `{role_name}` says type `{kind}` but connection `{name}` is `{}`",
                        profile.kind
                    )));
                }
                (profile.kind.clone(), profile.options.clone())
            }
            (None, Some(kind)) => (kind.clone(), Map::new()),
            (None, None) => {
                return Err(Error::config(format!(
                    "role `{role_name}` has neither `use` (a connection) nor `type` (a provider)"
                )));
            }
        };
        for (key, value) in &binding.options {
            options.insert(key.clone(), value.clone());
        }
        if !BUILT_IN.contains(&kind.as_str()) && !PROVIDERS.read().contains_key(&kind) {
            let mut known: Vec<String> = BUILT_IN.iter().map(|s| (*s).to_owned()).collect();
            known.extend(PROVIDERS.read().keys().cloned());
            return Err(Error::config(format!(
                "role `{role_name}`: unknown backend type `{kind}` (known: {})",
                known.join(", ")
            )));
        }
        Ok(Resolved { kind, options })
    }

    /// Check the configuration without opening anything: every binding resolves, the roles
    /// this version cannot serve are unbound (or not required), meta and resource agree.
    pub fn validate(&self) -> Result<()> {
        self.store_binding().map(|_| ())
    }

    fn store_binding(&self) -> Result<Resolved> {
        if self.version != 1 {
            return Err(Error::config(format!(
                "backend config version {} is not supported (expected 1)",
                self.version
            )));
        }
        let meta = self.resolve(BackendRole::Meta, &self.meta)?;
        let resource = self.resolve(BackendRole::Resource, &self.resource)?;
        self.blob_binding()?;
        if let Some(binding) = &self.mq {
            let resolved = self.resolve(BackendRole::Mq, binding)?;
            if binding.required {
                return Err(Error::config(format!(
                    "the `{}` provider cannot serve the `mq` role: this version serves only \
                     `meta`, `resource` and `blob` (remove the binding or set \"required\": false)",
                    resolved.kind,
                )));
            }
        }
        if meta != resource {
            return Err(Error::config(format!(
                "the `meta` and `resource` roles must use the same backend for now \
                 (meta: `{}` {}, resource: `{}` {}); bind both to one connection",
                meta.kind,
                Value::Object(meta.options.clone()),
                resource.kind,
                Value::Object(resource.options.clone())
            )));
        }
        Ok(meta)
    }

    /// The resolved `blob` binding: `None` when unbound, or bound to a provider that cannot
    /// serve it with `"required": false`.
    fn blob_binding(&self) -> Result<Option<Resolved>> {
        let Some(binding) = &self.blob else {
            return Ok(None);
        };
        let resolved = self.resolve(BackendRole::Blob, binding)?;
        if BUILT_IN.contains(&resolved.kind.as_str()) {
            return Ok(Some(resolved));
        }
        if binding.required {
            return Err(Error::config(format!(
                "the `{}` provider cannot serve the `blob` role: only the built-in providers \
                 ({}) store blobs (remove the binding or set \"required\": false)",
                resolved.kind,
                BUILT_IN.join(", ")
            )));
        }
        Ok(None)
    }

    /// Open the blob store of the `blob` role; `None` when the role is unbound.
    ///
    /// `sqlite` and `postgres` open their own connections (to the same database when the role
    /// uses the resources' connection) and keep blobs in table `{table_prefix}blobs`; `disk`
    /// keeps them in `<rootdir>/.blobs`.
    pub async fn open_blob_store(&self) -> Result<Option<Arc<dyn BlobStore>>> {
        let Some(resolved) = self.blob_binding()? else {
            return Ok(None);
        };
        let context = ProviderContext {
            kind: resolved.kind.clone(),
            options: resolved.options,
            defaults: self.defaults.clone(),
        };
        let store: Arc<dyn BlobStore> = match resolved.kind.as_str() {
            "memory" => {
                Options::new(&context, &[])?.finish()?;
                Arc::new(MemoryBlobStore::new())
            }
            "sqlite" => Arc::new(SqliteBlobStore::open(sqlite_options(&context)?).await?),
            "postgres" => Arc::new(PostgresBlobStore::open(postgres_options(&context)?).await?),
            "disk" => Arc::new(DiskBlobStore::open(disk_root(&context)?.join(".blobs")).await?),
            other => {
                return Err(Error::config(format!(
                    "the `{other}` provider cannot serve the `blob` role"
                )));
            }
        };
        Ok(Some(store))
    }

    /// Open the store serving the `meta` and `resource` roles.
    pub async fn open(&self) -> Result<Arc<dyn ResourceStore>> {
        let resolved = self.store_binding()?;
        let context = ProviderContext {
            kind: resolved.kind.clone(),
            options: resolved.options,
            defaults: self.defaults.clone(),
        };
        match resolved.kind.as_str() {
            "memory" => open_memory(&context),
            "sqlite" => Ok(Arc::new(
                SqliteStore::open(sqlite_options(&context)?).await?,
            )),
            "postgres" => Ok(Arc::new(
                PostgresStore::open(postgres_options(&context)?).await?,
            )),
            "disk" => Ok(Arc::new(DiskStore::open(disk_root(&context)?).await?)),
            name => {
                let factory = PROVIDERS
                    .read()
                    .get(name)
                    .cloned()
                    .ok_or_else(|| Error::config(format!("unknown backend type `{name}`")))?;
                factory(context).await
            }
        }
    }
}

/// A backend for [`SpecStarBuilder::backend`](crate::app::SpecStarBuilder::backend): the
/// common [`BackendConfig`]s in one call, with the usual knobs.
///
/// ```
/// use specstar_runtime::storage::config::Backend;
/// use specstar_runtime::model::Encoding;
///
/// let sqlite = Backend::sqlite("specstar.db").table_prefix("game_");
/// let postgres = Backend::postgres("postgres://app@db/app").schema("game");
/// let memory = Backend::memory().encoding(Encoding::Msgpack);
/// assert_eq!(memory.config().defaults.encoding, Encoding::Msgpack);
/// # let _ = (sqlite, postgres, Backend::disk("./data"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Backend {
    config: BackendConfig,
}

impl Backend {
    /// Meta, resources and blobs in one SQLite database file (created when missing; WAL).
    pub fn sqlite(path: impl AsRef<Path>) -> Self {
        Backend {
            config: BackendConfig::sqlite(path),
        }
    }

    /// Meta, resources and blobs in PostgreSQL at `url` (schema `public` unless
    /// [`schema`](Self::schema)).
    pub fn postgres(url: impl Into<String>) -> Self {
        Backend {
            config: BackendConfig::postgres(url, None),
        }
    }

    /// Meta, resources and blobs in memory (gone with the process).
    pub fn memory() -> Self {
        Backend {
            config: BackendConfig::memory(),
        }
    }

    /// Meta, resources and blobs as files in the directory `root` (created when missing; blobs
    /// in `<root>/.blobs`).
    pub fn disk(root: impl AsRef<Path>) -> Self {
        Backend {
            config: BackendConfig::disk(root),
        }
    }

    /// Payload encoding of resources whose type chooses none (`defaults.encoding`).
    pub fn encoding(mut self, encoding: Encoding) -> Self {
        self.config.defaults.encoding = encoding;
        self
    }

    /// Prefix of table names on SQL backends (`defaults.table_prefix`), so two apps can share
    /// one database.
    pub fn table_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.config.defaults.table_prefix = prefix.into();
        self
    }

    /// The PostgreSQL schema holding the tables (the `schema` option).
    pub fn schema(self, schema: impl Into<String>) -> Self {
        self.option("schema", Value::String(schema.into()))
    }

    /// Set a provider option of the connection (see the [module docs](self) for each
    /// provider's options); unknown options are refused when the store opens.
    pub fn option(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        if let Some(profile) = self.config.connections.get_mut("default") {
            profile.options.insert(key.into(), value.into());
        } else {
            // The memory backend has no connection: options go on the bindings.
            let (key, value) = (key.into(), value.into());
            self.config.meta.options.insert(key.clone(), value.clone());
            self.config.resource.options.insert(key, value);
        }
        self
    }

    /// The configuration built so far.
    pub fn config(&self) -> &BackendConfig {
        &self.config
    }

    /// The configuration.
    pub fn into_config(self) -> BackendConfig {
        self.config
    }
}

impl From<Backend> for BackendConfig {
    fn from(backend: Backend) -> Self {
        backend.config
    }
}

/// Anything [`SpecStarBuilder::backend`](crate::app::SpecStarBuilder::backend) accepts: a
/// [`BackendConfig`], a [`Backend`], or text — a URL (`sqlite://specstar.db`, `postgres://…`,
/// `memory://`, `disk://path`), inline JSON, or the path of a JSON file (see
/// [`BackendConfig::parse`]). Text is parsed when the app is built, so a mistake surfaces as
/// `Error::Config` from `build()`.
#[derive(Debug, Clone, PartialEq)]
pub enum BackendSpec {
    /// A configuration value (boxed: a config is large and built once).
    Config(Box<BackendConfig>),
    /// A URL, inline JSON or a JSON file path, parsed at build.
    Text(String),
}

impl BackendSpec {
    /// The configuration (parsing text).
    pub fn into_config(self) -> Result<BackendConfig> {
        match self {
            BackendSpec::Config(config) => Ok(*config),
            BackendSpec::Text(text) => BackendConfig::parse(&text),
        }
    }
}

impl From<BackendConfig> for BackendSpec {
    fn from(config: BackendConfig) -> Self {
        BackendSpec::Config(Box::new(config))
    }
}

impl From<Backend> for BackendSpec {
    fn from(backend: Backend) -> Self {
        BackendSpec::Config(Box::new(backend.config))
    }
}

impl From<&str> for BackendSpec {
    fn from(text: &str) -> Self {
        BackendSpec::Text(text.to_owned())
    }
}

impl From<String> for BackendSpec {
    fn from(text: String) -> Self {
        BackendSpec::Text(text)
    }
}

impl From<&String> for BackendSpec {
    fn from(text: &String) -> Self {
        BackendSpec::Text(text.clone())
    }
}

fn open_memory(context: &ProviderContext) -> Result<Arc<dyn ResourceStore>> {
    Options::new(context, &[])?.finish()?;
    Ok(Arc::new(crate::storage::memory::MemoryStore::new()))
}

/// Typed access to a provider's options, refusing unknown keys.
struct Options<'a> {
    kind: &'a str,
    options: &'a Map<String, Value>,
    allowed: &'static [&'static str],
}

impl<'a> Options<'a> {
    fn new(context: &'a ProviderContext, allowed: &'static [&'static str]) -> Result<Self> {
        Ok(Options {
            kind: &context.kind,
            options: &context.options,
            allowed,
        })
    }

    fn bad(&self, key: &str, expected: &str) -> Error {
        Error::config(format!(
            "`{}` backend option `{key}` must be {expected}, got {}",
            self.kind, self.options[key]
        ))
    }

    fn string(&self, key: &str) -> Result<Option<String>> {
        match self.options.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.bad(key, "a string")),
        }
    }

    fn number(&self, key: &str) -> Result<Option<u64>> {
        match self.options.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.bad(key, "a whole number")),
            Some(_) => Err(self.bad(key, "a whole number")),
        }
    }

    fn flag(&self, key: &str) -> Result<Option<bool>> {
        match self.options.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.bad(key, "true or false")),
        }
    }

    /// Refuse keys that are not allowed (typos).
    fn finish(&self) -> Result<()> {
        let unknown: Vec<&str> = self
            .options
            .keys()
            .map(String::as_str)
            .filter(|k| !self.allowed.contains(k))
            .collect();
        if unknown.is_empty() {
            return Ok(());
        }
        Err(Error::config(format!(
            "unknown `{}` backend option(s): {} (allowed: {})",
            self.kind,
            unknown.join(", "),
            if self.allowed.is_empty() {
                "none".to_owned()
            } else {
                self.allowed.join(", ")
            }
        )))
    }
}

fn sqlite_options(context: &ProviderContext) -> Result<SqliteOptions> {
    let o = Options::new(
        context,
        &[
            "path",
            "memory",
            "synchronous",
            "busy_timeout_ms",
            "read_connections",
            "table_prefix",
        ],
    )?;
    o.finish()?;
    let mut options = match (o.string("path")?, o.flag("memory")?.unwrap_or(false)) {
        (Some(_), true) => {
            return Err(Error::config(
                "`sqlite` backend: give either `path` or `memory: true`, not both",
            ));
        }
        (Some(path), false) => SqliteOptions::file(path),
        (None, true) => SqliteOptions::memory(),
        (None, false) => {
            return Err(Error::config(
                "`sqlite` backend needs option `path` (the database file) or `memory: true`",
            ));
        }
    };
    options.table_prefix = o
        .string("table_prefix")?
        .unwrap_or_else(|| context.defaults.table_prefix.clone());
    if let Some(sync) = o.string("synchronous")? {
        options.synchronous = match sync.to_ascii_lowercase().as_str() {
            "normal" => SqliteSynchronous::Normal,
            "full" => SqliteSynchronous::Full,
            _ => return Err(o.bad("synchronous", "\"normal\" or \"full\"")),
        };
    }
    if let Some(ms) = o.number("busy_timeout_ms")? {
        options.busy_timeout = Duration::from_millis(ms);
    }
    if let Some(n) = o.number("read_connections")? {
        options.read_connections = u32::try_from(n).unwrap_or(u32::MAX).max(1);
    }
    Ok(options)
}

fn postgres_options(context: &ProviderContext) -> Result<PostgresOptions> {
    let o = Options::new(
        context,
        &["url", "schema", "table_prefix", "max_connections"],
    )?;
    o.finish()?;
    let url = o
        .string("url")?
        .ok_or_else(|| Error::config("`postgres` backend needs option `url` (postgres://…)"))?;
    let mut options = PostgresOptions::new(url);
    if let Some(schema) = o.string("schema")? {
        options.schema = schema;
    }
    options.table_prefix = o
        .string("table_prefix")?
        .unwrap_or_else(|| context.defaults.table_prefix.clone());
    if let Some(n) = o.number("max_connections")? {
        options.max_connections = u32::try_from(n).unwrap_or(u32::MAX).max(1);
    }
    Ok(options)
}

fn disk_root(context: &ProviderContext) -> Result<PathBuf> {
    let o = Options::new(context, &["rootdir", "path"])?;
    o.finish()?;
    o.string("rootdir")?
        .or(o.string("path")?)
        .map(PathBuf::from)
        .ok_or_else(|| Error::config("`disk` backend needs option `rootdir` (a directory)"))
}

fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (pair.to_owned(), String::new()),
        })
        .collect()
}

/// Expand `$VAR` and `${VAR}` in every string of a JSON value (keys are left alone).
fn expand_env_in(value: Value) -> Result<Value> {
    Ok(match value {
        Value::String(s) => Value::String(expand_env(&s)?),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(expand_env_in)
                .collect::<Result<_>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| Ok((k, expand_env_in(v)?)))
                .collect::<Result<_>>()?,
        ),
        other => other,
    })
}

/// Expand `$VAR` and `${VAR}` (`$$` is a literal `$`; a `$` not followed by a name stays).
/// An unset variable is an error naming it.
pub fn expand_env(text: &str) -> Result<String> {
    expand_with(text, |name| std::env::var(name).ok())
}

fn expand_with(text: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    let is_start = |c: char| c.is_ascii_alphabetic() || c == '_';
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    while let Some((i, c)) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let name = match chars.peek().copied() {
            Some((_, '$')) => {
                chars.next();
                out.push('$');
                continue;
            }
            Some((start, '{')) => {
                let close = text[start..].find('}').ok_or_else(|| {
                    Error::config(format!("unclosed `${{` in `{text}` at byte {i}"))
                })?;
                let name = &text[start + 1..start + close];
                if name.is_empty() || !name.starts_with(is_start) || !name.chars().all(is_name) {
                    return Err(Error::config(format!(
                        "invalid variable name `${{{name}}}` in backend config"
                    )));
                }
                while chars.peek().is_some_and(|(j, _)| *j <= start + close) {
                    chars.next();
                }
                name
            }
            Some((start, c)) if is_start(c) => {
                let mut end = start;
                while let Some((j, c)) = chars.peek().copied() {
                    if !is_name(c) {
                        break;
                    }
                    end = j + c.len_utf8();
                    chars.next();
                }
                &text[start..end]
            }
            _ => {
                out.push('$');
                continue;
            }
        };
        let value = lookup(name).ok_or_else(|| {
            Error::config(format!(
                "environment variable `{name}` used in the backend config is not set"
            ))
        })?;
        out.push_str(&value);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::expand_with;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOST" => Some("db.local".into()),
            "PORT" => Some("5432".into()),
            _ => None,
        }
    }

    #[test]
    fn variables_expand_in_both_forms() {
        assert_eq!(
            expand_with("postgres://$HOST:${PORT}/x", env).unwrap(),
            "postgres://db.local:5432/x"
        );
        assert_eq!(
            expand_with("${HOST}_suffix", env).unwrap(),
            "db.local_suffix"
        );
        assert_eq!(
            expand_with("cost $$5 and $ alone, $1", env).unwrap(),
            "cost $5 and $ alone, $1"
        );
    }

    #[test]
    fn unset_or_malformed_variables_are_errors() {
        let err = expand_with("x=$MISSING", env).unwrap_err().to_string();
        assert!(err.contains("`MISSING`"), "{err}");
        assert!(expand_with("${HOST", env).is_err());
        assert!(expand_with("${1X}", env).is_err());
    }
}

//! Shared pieces of the integration tests: the backends every manager test runs on, and a
//! macro that turns one `async fn case(backend: Kind)` into one test per backend.

#![allow(dead_code)]

use std::sync::Arc;

use specstar::storage::ResourceStore;
use specstar::storage::memory::MemoryStore;
use specstar::storage::sqlite::SqliteStore;
use specstar::{Error, SpecStar, SpecStarBuilder};

/// A backend the manager tests run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The in-memory store (the builder's default).
    Memory,
    /// A SQLite database in a fresh temporary file.
    Sqlite,
}

/// An opened store, and the temporary directory its file lives in (removed on drop).
pub struct Backend {
    pub kind: Kind,
    store: Arc<dyn ResourceStore>,
    _dir: Option<tempfile::TempDir>,
}

impl Backend {
    /// Open a fresh, empty store of `kind`.
    pub async fn open(kind: Kind) -> Backend {
        match kind {
            Kind::Memory => Backend {
                kind,
                store: Arc::new(MemoryStore::new()),
                _dir: None,
            },
            Kind::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let store = SqliteStore::open_file(dir.path().join("specstar.db"))
                    .await
                    .expect("the SQLite file opens");
                Backend {
                    kind,
                    store: Arc::new(store),
                    _dir: Some(dir),
                }
            }
        }
    }

    /// The store, to share between two apps.
    pub fn store(&self) -> Arc<dyn ResourceStore> {
        self.store.clone()
    }

    /// A builder that stores into this backend.
    pub fn builder(&self) -> SpecStarBuilder {
        SpecStar::builder().store(self.store.clone())
    }
}

/// Expands `on_every_backend!(a, b)` into `mod memory { a, b }` and `mod sqlite { a, b }`, each
/// test calling `super::a(Kind::…)`.
#[macro_export]
macro_rules! on_every_backend {
    ($($case:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(super::common::Kind::Memory).await
                }
            )*
        }
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(super::common::Kind::Sqlite).await
                }
            )*
        }
    };
}

/// A short description of an error's variant, for assertion messages.
pub fn variant(error: &Error) -> String {
    format!("{error:?}")
        .split([' ', '{', '('])
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// `{name}:{uuid4}`: the resource id format of `http-api.md`.
pub fn assert_resource_id(id: &str, name: &str) {
    let uuid = id
        .strip_prefix(name)
        .and_then(|rest| rest.strip_prefix(':'))
        .unwrap_or_else(|| panic!("`{id}` does not start with `{name}:`"));
    let parsed = uuid::Uuid::parse_str(uuid).unwrap_or_else(|e| panic!("`{uuid}`: {e}"));
    assert_eq!(parsed.get_version_num(), 4, "`{id}` holds a UUID v4");
    assert_eq!(
        parsed.hyphenated().to_string(),
        uuid,
        "lowercase hyphenated"
    );
}

/// `{resource_id}:{n}`.
pub fn rev(resource_id: &str, n: u64) -> String {
    format!("{resource_id}:{n}")
}

/// A JSON Patch from a JSON array.
pub fn patch(document: serde_json::Value) -> specstar::Patch {
    serde_json::from_value(document).expect("a valid JSON Patch document")
}

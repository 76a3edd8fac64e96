//! Shared fixtures of the HTTP tests: hand-written resource types, an in-process client over
//! the router (`tower::ServiceExt::oneshot`), and store factories so every test runs against
//! every backend (`store_tests!`).

#![allow(dead_code)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use specstar_runtime::app::{ResourceOptions, SpecStar, SpecStarBuilder};
use specstar_runtime::http::HttpOptions;
use specstar_runtime::resource::{
    IndexKind, IndexSpec, OnDelete, RefSpec, RefType, Resource, ResourceDescriptor,
};
use specstar_runtime::storage::ResourceStore;
use specstar_runtime::storage::memory::MemoryStore;
use specstar_runtime::storage::sqlite::SqliteStore;
use tower::ServiceExt;

/// A zone of the game world.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Zone {
    /// The zone's unique name.
    pub name: String,
    pub level: i64,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A monster living in a zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Monster {
    pub name: String,
    pub zone_id: String,
    pub hp: i64,
    #[serde(default)]
    pub zone_snapshot: Option<String>,
}

const fn index(path: &'static str, kind: IndexKind, unique: bool) -> IndexSpec {
    IndexSpec {
        path,
        kind,
        unique,
        nullable: false,
        list: false,
    }
}

static ZONE: ResourceDescriptor = ResourceDescriptor {
    name: "zone",
    type_name: "Zone",
    description: Some("A zone of the game world."),
    indexes: &[
        index("name", IndexKind::String, true),
        index("level", IndexKind::Integer, false),
        IndexSpec {
            path: "tags",
            kind: IndexKind::String,
            unique: false,
            nullable: false,
            list: true,
        },
    ],
    refs: &[],
    display_name: Some("name"),
    default_status: None,
    encoding: None,
    version: None,
};

static MONSTER: ResourceDescriptor = ResourceDescriptor {
    name: "monster",
    type_name: "Monster",
    description: Some("A monster living in a zone."),
    indexes: &[
        index("name", IndexKind::String, false),
        index("zone_id", IndexKind::String, false),
        index("hp", IndexKind::Integer, false),
    ],
    refs: &[
        RefSpec {
            field: "zone_id",
            target: "zone",
            ref_type: RefType::ResourceId,
            on_delete: OnDelete::Cascade,
            nullable: false,
            list: false,
        },
        RefSpec {
            field: "zone_snapshot",
            target: "zone",
            ref_type: RefType::RevisionId,
            on_delete: OnDelete::Dangling,
            nullable: true,
            list: false,
        },
    ],
    display_name: Some("name"),
    default_status: None,
    encoding: None,
    version: None,
};

impl Resource for Zone {
    const NAME: &'static str = "zone";
    type Query = ();
    fn descriptor() -> &'static ResourceDescriptor {
        &ZONE
    }
}

impl Resource for Monster {
    const NAME: &'static str = "monster";
    type Query = ();
    fn descriptor() -> &'static ResourceDescriptor {
        &MONSTER
    }
}

/// Which backend a test runs on; each makes a fresh, empty store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreFactory {
    Memory,
    /// A SQLite file in a fresh temporary directory.
    Sqlite,
}

impl StoreFactory {
    /// A fresh store, and the directory that must outlive it (SQLite).
    pub async fn make(self) -> (Arc<dyn ResourceStore>, Option<Arc<tempfile::TempDir>>) {
        match self {
            StoreFactory::Memory => (Arc::new(MemoryStore::new()), None),
            StoreFactory::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let store = SqliteStore::open_file(dir.path().join("specstar.db"))
                    .await
                    .expect("the SQLite store opens");
                (Arc::new(store), Some(Arc::new(dir)))
            }
        }
    }
}

/// Run each named `async fn name(stores: StoreFactory)` of the file once per backend.
#[macro_export]
macro_rules! store_tests {
    ($($test:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test(super::common::StoreFactory::Memory).await
                }
            )*
        }
        mod sqlite {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test(super::common::StoreFactory::Sqlite).await
                }
            )*
        }
    };
}

/// An in-process client of the API.
#[derive(Clone)]
pub struct Api {
    pub router: Router,
    pub spec: SpecStar,
    /// Keeps a SQLite file alive as long as the client.
    _dir: Option<Arc<tempfile::TempDir>>,
}

/// A response: status and JSON body (`Value::Null` for an empty body, a string for text).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub content_type: Option<String>,
}

impl Reply {
    /// Assert the status, then return the body.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status, body: {}",
            self.body
        );
        self.body
    }

    /// The `detail` of an error body as text.
    pub fn detail(&self) -> String {
        match &self.body["detail"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
}

/// The app with Zone and Monster on `stores()`, default HTTP options.
pub async fn api(stores: StoreFactory) -> Api {
    api_with(stores, |b| b, HttpOptions::default()).await
}

/// The app with Zone and Monster on `stores()`, a customised builder, and HTTP options.
pub async fn api_with(
    stores: StoreFactory,
    configure: impl FnOnce(SpecStarBuilder) -> SpecStarBuilder,
    options: HttpOptions,
) -> Api {
    build(stores, |zone| zone, configure, options).await
}

/// The app with Zone (its options set by `zone`) and Monster on `stores()`.
pub async fn api_with_zone(
    stores: StoreFactory,
    zone: impl FnOnce(ResourceOptions<Zone>) -> ResourceOptions<Zone>,
) -> Api {
    build(stores, zone, |b| b, HttpOptions::default()).await
}

async fn build(
    stores: StoreFactory,
    zone: impl FnOnce(ResourceOptions<Zone>) -> ResourceOptions<Zone>,
    configure: impl FnOnce(SpecStarBuilder) -> SpecStarBuilder,
    options: HttpOptions,
) -> Api {
    let (store, dir) = stores.make().await;
    let builder = SpecStar::builder()
        .store(store)
        .resource_with::<Zone>(zone)
        .resource::<Monster>();
    let spec = configure(builder)
        .build()
        .await
        .expect("the test app builds");
    Api {
        router: spec.router_with(options),
        spec,
        _dir: dir,
    }
}

impl Api {
    /// Send a request with an optional raw body.
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router never fails");
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("the body is readable");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Reply {
            status,
            body,
            content_type,
        }
    }

    /// Send `method uri` with a JSON body (or none).
    pub async fn call(&self, method: Method, uri: &str, body: Option<Value>) -> Reply {
        let builder = Request::builder().method(method).uri(uri);
        let request = match body {
            Some(body) => builder
                .header("content-type", "application/json")
                .body(Body::from(body.to_string())),
            None => builder.body(Body::empty()),
        }
        .expect("a valid request");
        self.send(request).await
    }

    /// Send `method uri` with a raw body.
    pub async fn raw(&self, method: Method, uri: &str, body: &'static str) -> Reply {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json")
            .body(Body::from(body))
            .expect("a valid request");
        self.send(request).await
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.call(Method::GET, uri, None).await
    }

    pub async fn post(&self, uri: &str, body: Value) -> Reply {
        self.call(Method::POST, uri, Some(body)).await
    }

    pub async fn post_empty(&self, uri: &str) -> Reply {
        self.call(Method::POST, uri, None).await
    }

    pub async fn put(&self, uri: &str, body: Value) -> Reply {
        self.call(Method::PUT, uri, Some(body)).await
    }

    pub async fn patch(&self, uri: &str, body: Value) -> Reply {
        self.call(Method::PATCH, uri, Some(body)).await
    }

    pub async fn delete(&self, uri: &str) -> Reply {
        self.call(Method::DELETE, uri, None).await
    }

    /// Create a zone, returning its resource id.
    pub async fn zone(&self, name: &str, level: i64) -> String {
        let info = self
            .post("/zone", serde_json::json!({"name": name, "level": level}))
            .await
            .expect(200);
        info["resource_id"]
            .as_str()
            .expect("a resource id")
            .to_owned()
    }

    /// Create a monster in `zone_id`, returning its resource id.
    pub async fn monster(&self, name: &str, zone_id: &str, hp: i64) -> String {
        let info = self
            .post(
                "/monster",
                serde_json::json!({"name": name, "zone_id": zone_id, "hp": hp}),
            )
            .await
            .expect(200);
        info["resource_id"]
            .as_str()
            .expect("a resource id")
            .to_owned()
    }
}

/// Percent-encode a query value.
pub fn enc(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

//! Shared pieces of the app-level store tests: a hand-written resource type (what
//! `#[derive(Resource)]` generates), backend builders, and the consistency checks run after a
//! crash or a concurrent run.

#![allow(dead_code)]

pub mod process;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use specstar_runtime::model::RevisionInfo;
use specstar_runtime::query::{Condition, FieldPath, MetaField, Operator, Query};
use specstar_runtime::resource::{IndexKind, IndexSpec, Resource, ResourceDescriptor};
use specstar_runtime::storage::ResourceStore;

/// An app with the [`Player`] resource on the backend at `url`.
pub async fn open_players(url: &str) -> specstar_runtime::app::SpecStar {
    specstar_runtime::app::SpecStar::builder()
        .backend(url)
        .resource::<Player>()
        .build()
        .await
        .unwrap_or_else(|e| panic!("open {url}: {e}"))
}

/// A player: unique `name`, indexed `level` and `team`.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
pub struct Player {
    pub name: String,
    pub level: i64,
    pub team: String,
}

pub static PLAYER: ResourceDescriptor = ResourceDescriptor {
    name: "player",
    type_name: "Player",
    description: None,
    indexes: &[
        IndexSpec {
            path: "name",
            kind: IndexKind::String,
            unique: true,
            nullable: false,
            list: false,
        },
        IndexSpec {
            path: "level",
            kind: IndexKind::Integer,
            unique: false,
            nullable: false,
            list: false,
        },
        IndexSpec {
            path: "team",
            kind: IndexKind::String,
            unique: false,
            nullable: false,
            list: false,
        },
    ],
    refs: &[],
    display_name: Some("name"),
    default_status: None,
    encoding: None,
    version: None,
};

#[derive(Default)]
pub struct PlayerQuery;

impl Resource for Player {
    const NAME: &'static str = "player";
    type Query = PlayerQuery;
    fn descriptor() -> &'static ResourceDescriptor {
        &PLAYER
    }
}

pub fn player(name: impl Into<String>, level: i64) -> Player {
    Player {
        name: name.into(),
        level,
        team: "red".into(),
    }
}

/// Every meta of `model`, deleted or not.
pub async fn all_metas(
    store: &dyn ResourceStore,
    model: &str,
) -> Vec<specstar_runtime::model::ResourceMeta> {
    let any = Condition::Or(vec![
        Condition::compare(FieldPath::Meta(MetaField::IsDeleted), Operator::Eq, true),
        Condition::compare(FieldPath::Meta(MetaField::IsDeleted), Operator::Eq, false),
    ]);
    store
        .search(model, &Query::from(any))
        .await
        .expect("search every meta")
}

/// The store-level invariants that must hold after any crash or concurrent run, for `model`
/// with a unique `name` field:
/// - every meta points at a stored revision of its own resource;
/// - `total_revision_count` equals the number of stored revisions, numbered 1..=n, each
///   parent being the previous number (a linear chain);
/// - no two non-deleted resources share a `name`, and a unique violation is reported for a
///   copy of every held name (the store's unique entries point at the holder).
///
/// Returns the revision infos of every resource, by resource id.
pub async fn check_store_invariants(
    store: &dyn ResourceStore,
    model: &str,
) -> HashMap<String, Vec<RevisionInfo>> {
    check_store_invariants_of(store, model, |_| true).await
}

/// [`check_store_invariants`], reading the revisions only of the resources `only` selects (the
/// unique check still covers every resource).
pub async fn check_store_invariants_of(
    store: &dyn ResourceStore,
    model: &str,
    only: impl Fn(&specstar_runtime::model::ResourceMeta) -> bool,
) -> HashMap<String, Vec<RevisionInfo>> {
    let metas = all_metas(store, model).await;
    let mut revisions = HashMap::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for meta in &metas {
        let id = &meta.resource_id;
        if !meta.is_deleted
            && let Some(Value::String(name)) = meta.indexed_data.get("name")
            && let Some(other) = names.insert(name.clone(), id.clone())
        {
            panic!("unique name `{name}` is held by both {other} and {id}");
        }
        if !only(meta) {
            continue;
        }
        let current = store
            .load_revision(model, &meta.current_revision_id)
            .await
            .expect("load the current revision")
            .unwrap_or_else(|| {
                panic!(
                    "meta of {id} points at missing revision {}",
                    meta.current_revision_id
                )
            });
        assert_eq!(&current.info.resource_id, id, "current revision of {id}");
        let infos = store
            .list_revisions(model, id)
            .await
            .expect("list revisions");
        assert_eq!(
            infos.len() as u64,
            meta.total_revision_count,
            "total_revision_count of {id} vs stored revisions {:?}",
            infos.iter().map(|i| &i.revision_id).collect::<Vec<_>>()
        );
        for (i, info) in infos.iter().enumerate() {
            let n = i + 1;
            assert_eq!(
                info.revision_id,
                format!("{id}:{n}"),
                "revision numbers of {id}"
            );
            let parent = (n > 1).then(|| format!("{id}:{}", n - 1));
            assert_eq!(info.parent_revision_id, parent, "parent chain of {id}");
        }
        revisions.insert(id.clone(), infos);
    }
    revisions
}

/// A durable store the child processes and the parent open by URL.
#[derive(Debug, Clone)]
pub enum Target {
    Sqlite(PathBuf),
    Disk(PathBuf),
    Postgres { url: String, schema: String },
}

impl Target {
    /// The backend URL (what `SpecStar::builder().backend(..)` takes).
    pub fn url(&self) -> String {
        match self {
            Target::Sqlite(path) => format!("sqlite://{}", path.display()),
            Target::Disk(path) => format!("disk://{}", path.display()),
            Target::Postgres { url, schema } => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}schema={schema}")
            }
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Target::Sqlite(_) => "sqlite",
            Target::Disk(_) => "disk",
            Target::Postgres { .. } => "postgres",
        }
    }

    /// The unique entries of `model` as the store keeps them, read from its own tables or
    /// files: `(field, canonical value, holder id)`.
    pub async fn unique_entries(&self, model: &str) -> BTreeSet<(String, String, String)> {
        use sqlx::Connection;
        match self {
            Target::Sqlite(path) => {
                let url = format!("sqlite://{}", path.display());
                let mut conn = sqlx::SqliteConnection::connect(&url)
                    .await
                    .expect("open the sqlite file");
                let rows: Vec<(String, String, String)> = sqlx::query_as(
                    "SELECT field, value, resource_id FROM unique_values WHERE model = ?",
                )
                .bind(model)
                .fetch_all(&mut conn)
                .await
                .expect("read unique_values");
                rows.into_iter().collect()
            }
            Target::Postgres { url, schema } => {
                let mut conn = sqlx::PgConnection::connect(url)
                    .await
                    .expect("connect to postgres");
                let sql = format!(
                    "SELECT field, value, resource_id FROM \"{schema}\".unique_values WHERE model = $1"
                );
                let rows: Vec<(String, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(model)
                    .fetch_all(&mut conn)
                    .await
                    .expect("read unique_values");
                rows.into_iter().collect()
            }
            Target::Disk(root) => {
                // `<root>/<model>/unique/<field>/<file_name(value)>` holds the holder's id; the
                // value is reported in its file-name form (compare with `disk_key`).
                let mut out = BTreeSet::new();
                let dir = root.join(model).join("unique");
                let Ok(fields) = std::fs::read_dir(&dir) else {
                    return out;
                };
                for field in fields {
                    let field = field.expect("unique field dir");
                    for entry in std::fs::read_dir(field.path()).expect("read unique dir") {
                        let entry = entry.expect("unique entry");
                        let holder = std::fs::read_to_string(entry.path()).expect("read entry");
                        out.insert((
                            field.file_name().to_string_lossy().into_owned(),
                            entry.file_name().to_string_lossy().into_owned(),
                            holder.trim().to_owned(),
                        ));
                    }
                }
                out
            }
        }
    }

    /// SQLite: the index table holds exactly one row per scalar value of every meta's
    /// `indexed_data` (the rows equality searches read). Other backends: nothing to check.
    pub async fn check_index_rows(&self, store: &dyn ResourceStore) {
        use sqlx::Connection;
        let Target::Sqlite(path) = self else { return };
        let mut expected = BTreeSet::new();
        for meta in all_metas(store, "player").await {
            for (key, value) in &meta.indexed_data {
                let (tag, value) = match value {
                    Value::String(s) => ("s", s.clone()),
                    Value::Number(n) => ("n", n.to_string()),
                    Value::Bool(b) => (if *b { "t" } else { "f" }, u8::from(*b).to_string()),
                    _ => continue,
                };
                expected.insert((meta.resource_id.clone(), key.clone(), tag.to_owned(), value));
            }
        }
        let url = format!("sqlite://{}", path.display());
        let mut conn = sqlx::SqliteConnection::connect(&url)
            .await
            .expect("open the sqlite file");
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT resource_id, path, tag, CAST(value AS TEXT) FROM index_values \
             WHERE model = 'player' AND kind = 0",
        )
        .fetch_all(&mut conn)
        .await
        .expect("read index_values");
        let actual: BTreeSet<_> = rows.into_iter().collect();
        let missing: Vec<_> = expected.difference(&actual).collect();
        let stale: Vec<_> = actual.difference(&expected).collect();
        assert!(
            missing.is_empty() && stale.is_empty(),
            "sqlite index rows disagree with the metas: missing {missing:?}, stale {stale:?}"
        );
    }

    /// The unique entry the store should hold for `name` held by `id`.
    pub fn expected_entry(&self, name: &str, id: &str) -> (String, String, String) {
        let key = Value::String(name.to_owned()).to_string();
        match self {
            Target::Disk(_) => (
                specstar_runtime::storage::disk::file_name("name"),
                specstar_runtime::storage::disk::file_name(&key),
                id.to_owned(),
            ),
            _ => ("name".to_owned(), key, id.to_owned()),
        }
    }

    /// Check that the store's unique entries for `player.name` are exactly the names held by
    /// non-deleted players (each pointing at its holder).
    pub async fn check_unique_entries(&self, store: &dyn ResourceStore) {
        let metas = all_metas(store, "player").await;
        let expected: BTreeSet<_> = metas
            .iter()
            .filter(|m| !m.is_deleted)
            .filter_map(|m| {
                let name = m.indexed_data.get("name")?.as_str()?;
                Some(self.expected_entry(name, &m.resource_id))
            })
            .collect();
        let actual = self.unique_entries("player").await;
        let missing: Vec<_> = expected.difference(&actual).collect();
        let stale: Vec<_> = actual.difference(&expected).collect();
        assert!(
            missing.is_empty() && stale.is_empty(),
            "{}: unique entries disagree with the metas: missing {missing:?}, stale {stale:?}",
            self.name()
        );
    }
}

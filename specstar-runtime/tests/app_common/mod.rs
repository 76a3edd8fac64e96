//! Shared pieces of the app-level store tests: a hand-written resource type (what
//! `#[derive(Resource)]` generates), backend builders, and the consistency checks run after a
//! crash or a concurrent run.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use specstar_runtime::model::RevisionInfo;
use specstar_runtime::query::{Condition, FieldPath, MetaField, Operator, Query};
use specstar_runtime::resource::{IndexKind, IndexSpec, Resource, ResourceDescriptor};
use specstar_runtime::storage::ResourceStore;

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
    let metas = all_metas(store, model).await;
    let mut revisions = HashMap::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for meta in &metas {
        let id = &meta.resource_id;
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
        if !meta.is_deleted
            && let Some(Value::String(name)) = meta.indexed_data.get("name")
            && let Some(other) = names.insert(name.clone(), id.clone())
        {
            panic!("unique name `{name}` is held by both {other} and {id}");
        }
        revisions.insert(id.clone(), infos);
    }
    revisions
}

//! Create, read, update, patch, delete, restore and permanent delete through the public API,
//! with derived types, on every backend.

mod common;

use common::{Backend, Kind, assert_resource_id, patch, rev};
use serde_json::json;
use specstar::prelude::*;
use specstar::query::Query;

/// A zone of the game world.
#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Zone {
    #[display_name]
    #[unique]
    pub name: String,
    #[index]
    pub level: i64,
    #[serde(default)]
    pub tags: Vec<String>,
}

fn zone(name: &str, level: i64) -> Zone {
    Zone {
        name: name.to_owned(),
        level,
        tags: Vec::new(),
    }
}

async fn app(backend: &Backend) -> SpecStar {
    backend
        .builder()
        .resource::<Zone>()
        .build()
        .await
        .expect("the app builds")
}

async fn create_returns_the_first_revision_and_get_reads_it(kind: Kind) {
    let db = Backend::open(kind).await;
    let zones = app(&db).await.manager::<Zone>();

    let info = zones
        .as_user("alice")
        .create(zone("Elwynn", 3))
        .await
        .unwrap();
    assert_resource_id(&info.resource_id, "zone");
    assert_eq!(info.revision_id, rev(&info.resource_id, 1));
    assert_eq!(info.parent_revision_id, None);
    assert_eq!(info.schema_version, None);
    assert_eq!(info.status, RevisionStatus::Stable);
    assert_eq!(
        (info.created_by.as_str(), info.updated_by.as_str()),
        ("alice", "alice")
    );
    assert_eq!(info.created_time, info.updated_time);
    assert!(uuid::Uuid::parse_str(&info.uid).is_ok(), "uid {}", info.uid);
    assert_eq!(info.parent_schema_version, None);

    let read = zones.get(&info.resource_id).await.unwrap();
    assert_eq!(read.data, zone("Elwynn", 3));
    assert_eq!(read.info, info);
    let meta = read.meta;
    assert_eq!(meta.resource_id, info.resource_id);
    assert_eq!(meta.current_revision_id, info.revision_id);
    assert_eq!(meta.total_revision_count, 1);
    assert!(!meta.is_deleted);
    assert_eq!(
        (meta.created_by.as_str(), meta.updated_by.as_str()),
        ("alice", "alice")
    );
    assert_eq!(meta.created_time, info.created_time);
    assert_eq!(
        serde_json::Value::Object(meta.indexed_data.clone()),
        json!({"name": "Elwynn", "level": 3}),
        "declared indexes only; tags is not indexed"
    );
    assert_eq!(meta.rev_status, RevisionStatus::Stable);
    assert_eq!(meta.rev_created_by, "alice");
    assert_eq!(meta.rev_updated_by, "alice");
    assert_eq!(meta.rev_created_time, info.created_time);
    assert_eq!(meta.rev_updated_time, info.updated_time);

    assert_eq!(zones.get_meta(&info.resource_id).await.unwrap(), meta);
    // Without as_user the default user is "system".
    let other = zones.create(zone("Westfall", 9)).await.unwrap();
    assert_eq!(other.created_by, "system");
    assert_ne!(other.resource_id, info.resource_id);
}

async fn unknown_ids_are_not_found_naming_resource_and_id(kind: Kind) {
    let db = Backend::open(kind).await;
    let zones = app(&db).await.manager::<Zone>();
    let missing = "zone:00000000-0000-4000-8000-000000000000";

    let err = zones.get(missing).await.unwrap_err();
    match &err {
        Error::NotFound { resource, id } => {
            assert_eq!((resource.as_str(), id.as_str()), ("zone", missing));
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
    assert!(err.to_string().contains(missing), "{err}");

    let data = zone("Nowhere", 1);
    let outcomes = [
        zones.get_meta(missing).await.map(drop),
        zones.list_revisions(missing).await.map(drop),
        zones.update(missing, data.clone()).await.map(drop),
        zones
            .patch(
                missing,
                &patch(json!([{"op": "replace", "path": "/level", "value": 2}])),
            )
            .await
            .map(drop),
        zones
            .modify(missing, Modify::status(RevisionStatus::Stable))
            .await
            .map(drop),
        zones.switch(missing, &rev(missing, 1)).await.map(drop),
        zones.delete(missing).await.map(drop),
        zones.restore(missing).await.map(drop),
        zones.permanently_delete(missing).await.map(drop),
    ];
    for (i, outcome) in outcomes.into_iter().enumerate() {
        assert!(
            matches!(outcome, Err(Error::NotFound { ref id, .. }) if id == missing),
            "operation #{i}: {outcome:?}"
        );
    }
}

async fn update_writes_a_new_revision_chained_to_the_current_one(kind: Kind) {
    let db = Backend::open(kind).await;
    let zones = app(&db).await.manager::<Zone>();
    let first = zones
        .as_user("alice")
        .create(zone("Elwynn", 1))
        .await
        .unwrap();
    let id = &first.resource_id;

    let second = zones
        .as_user("bob")
        .update(id, zone("Elwynn", 2))
        .await
        .unwrap();
    assert_eq!(second.resource_id, *id);
    assert_eq!(second.revision_id, rev(id, 2));
    assert_eq!(
        second.parent_revision_id.as_deref(),
        Some(first.revision_id.as_str())
    );
    assert_eq!(second.created_by, "bob");
    assert_ne!(second.uid, first.uid);
    assert_ne!(second.data_hash, first.data_hash);

    let read = zones.get(id).await.unwrap();
    assert_eq!(read.data.level, 2);
    assert_eq!(read.info, second);
    assert_eq!(read.meta.total_revision_count, 2);
    assert_eq!(read.meta.current_revision_id, second.revision_id);
    assert_eq!(read.meta.created_by, "alice", "created_by is the creator's");
    assert_eq!(read.meta.updated_by, "bob");
    assert_eq!(read.meta.rev_created_by, "bob");
    assert_eq!(read.meta.indexed_data["level"], json!(2));
    // The first revision is still readable.
    let old = zones.get(id).revision(&first.revision_id).await.unwrap();
    assert_eq!(old.data.level, 1);
    assert_eq!(old.info, first);
    assert_eq!(
        old.meta.current_revision_id, second.revision_id,
        "meta is current"
    );
}

async fn identical_data_writes_nothing_and_returns_the_current_revision(kind: Kind) {
    let db = Backend::open(kind).await;
    let zones = app(&db).await.manager::<Zone>();
    let first = zones.create(zone("Elwynn", 1)).await.unwrap();
    let id = &first.resource_id;
    let second = zones.update(id, zone("Elwynn", 2)).await.unwrap();

    let same = zones
        .as_user("carol")
        .update(id, zone("Elwynn", 2))
        .await
        .unwrap();
    assert_eq!(same, second, "the current info, untouched (same uid)");
    let empty = zones.patch(id, &patch(json!([]))).await.unwrap();
    assert_eq!(empty, second);
    let unchanged = zones
        .patch(
            id,
            &patch(json!([{"op": "replace", "path": "/level", "value": 2}])),
        )
        .await
        .unwrap();
    assert_eq!(unchanged, second);
    let meta = zones.get_meta(id).await.unwrap();
    assert_eq!(meta.total_revision_count, 2);
    assert_eq!(meta.updated_by, "system");
    assert_eq!(zones.list_revisions(id).await.unwrap().len(), 2);
}

async fn patch_applies_rfc6902_then_updates(kind: Kind) {
    let db = Backend::open(kind).await;
    let zones = app(&db).await.manager::<Zone>();
    let first = zones.create(zone("Elwynn", 1)).await.unwrap();
    let id = &first.resource_id;

    let info = zones
        .as_user("patcher")
        .patch(
            id,
            &patch(json!([
                {"op": "test", "path": "/name", "value": "Elwynn"},
                {"op": "replace", "path": "/level", "value": 7},
                {"op": "add", "path": "/tags/-", "value": "forest"},
                {"op": "copy", "from": "/name", "path": "/tags/-"},
            ])),
        )
        .await
        .unwrap();
    assert_eq!(info.revision_id, rev(id, 2));
    assert_eq!(
        info.parent_revision_id.as_deref(),
        Some(first.revision_id.as_str())
    );
    assert_eq!(info.created_by, "patcher");
    let read = zones.get(id).await.unwrap();
    assert_eq!(
        read.data,
        Zone {
            name: "Elwynn".into(),
            level: 7,
            tags: vec!["forest".into(), "Elwynn".into()],
        }
    );

    // A failed `test`, a bad path: BadRequest naming the patch; nothing is written.
    let failed_test = zones
        .patch(
            id,
            &patch(json!([{"op": "test", "path": "/level", "value": 1}])),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(failed_test, Error::BadRequest { ref parameter, .. } if parameter == "patch"),
        "{failed_test:?}"
    );
    let bad_path = zones
        .patch(
            id,
            &patch(json!([{"op": "remove", "path": "/nope/deeper"}])),
        )
        .await
        .unwrap_err();
    assert!(matches!(bad_path, Error::BadRequest { .. }), "{bad_path:?}");

    // A result that does not decode into the type: Validation naming the field.
    let wrong_type = zones
        .patch(
            id,
            &patch(json!([{"op": "replace", "path": "/level", "value": "high"}])),
        )
        .await
        .unwrap_err();
    match &wrong_type {
        Error::Validation {
            resource, field, ..
        } => {
            assert_eq!(resource, "zone");
            assert_eq!(field.as_deref(), Some("level"));
        }
        other => panic!("expected Validation, got {other:?}"),
    }
    let removed = zones
        .patch(id, &patch(json!([{"op": "remove", "path": "/name"}])))
        .await
        .unwrap_err();
    assert!(
        matches!(removed, Error::Validation { .. }) && removed.to_string().contains("name"),
        "{removed}"
    );
    assert_eq!(zones.get_meta(id).await.unwrap().total_revision_count, 2);
}

async fn untyped_data_is_decoded_strictly(kind: Kind) {
    let db = Backend::open(kind).await;
    let spec = app(&db).await;
    let handle = spec.manager::<Zone>().handle().clone();
    assert_eq!(handle.name(), "zone");

    let cases = [
        (json!({"name": "A", "level": "3"}), Some("level")),
        (json!({"name": "A", "level": 3.5}), Some("level")),
        (json!({"name": "A", "level": true}), Some("level")),
        (json!({"name": 5, "level": 3}), Some("name")),
        (
            json!({"name": "A", "level": 3, "tags": [1]}),
            Some("tags[0]"),
        ),
        (json!(["A", 3]), None),
    ];
    for (data, field) in cases {
        match handle.create(data.clone()).await {
            Err(Error::Validation {
                resource,
                field: got,
                ..
            }) => {
                assert_eq!(resource, "zone");
                assert_eq!(got.as_deref(), field, "{data}");
            }
            other => panic!("{data}: expected Validation, got {other:?}"),
        }
    }
    // Unknown fields are ignored; the stored data is what the type serializes to.
    let info = handle
        .create(json!({"level": 3, "extra": true, "name": "A"}))
        .await
        .unwrap();
    let read = handle.get(&info.resource_id).await.unwrap();
    assert_eq!(read.data, json!({"name": "A", "level": 3, "tags": []}));
    assert_eq!(spec.manager::<Zone>().count(Query::new()).await.unwrap(), 1);
}

async fn delete_hides_the_resource_until_restored(kind: Kind) {
    let db = Backend::open(kind).await;
    let zones = app(&db).await.manager::<Zone>();
    let first = zones.create(zone("Duskwood", 10)).await.unwrap();
    let id = &first.resource_id;
    let kept = zones.create(zone("Redridge", 15)).await.unwrap();

    let deleted = zones.as_user("gm").delete(id).await.unwrap();
    assert!(deleted.is_deleted);
    assert_eq!(deleted.updated_by, "gm");
    assert_eq!(
        deleted.current_revision_id, first.revision_id,
        "no new revision"
    );
    assert_eq!(deleted.total_revision_count, 1);

    let is_deleted = |r: specstar::Result<()>| matches!(r, Err(Error::Deleted { ref id, ref resource }) if id == &first.resource_id && resource == "zone");
    let get = zones.get(id).await.map(drop);
    assert!(is_deleted(get), "get");
    let err = zones.get(id).await.unwrap_err();
    assert!(err.to_string().contains("deleted"), "{err}");
    assert!(
        is_deleted(zones.delete(id).await.map(drop)),
        "second delete"
    );
    assert!(
        is_deleted(zones.update(id, zone("Duskwood", 11)).await.map(drop)),
        "update"
    );
    assert!(
        is_deleted(zones.patch(id, &patch(json!([]))).await.map(drop)),
        "patch"
    );
    assert!(
        is_deleted(zones.list_revisions(id).await.map(drop)),
        "list_revisions"
    );
    assert!(
        is_deleted(zones.switch(id, &first.revision_id).await.map(drop)),
        "switch"
    );
    assert!(
        is_deleted(
            zones
                .modify(id, Modify::status(RevisionStatus::Draft))
                .await
                .map(drop)
        ),
        "modify"
    );

    // Still readable on request, and its meta says it is deleted.
    let read = zones.get(id).include_deleted(true).await.unwrap();
    assert_eq!(read.data.name, "Duskwood");
    assert!(read.meta.is_deleted);
    assert!(zones.get_meta(id).await.unwrap().is_deleted);
    let listed: Vec<String> = zones
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.info.resource_id)
        .collect();
    assert_eq!(listed, [kept.resource_id.as_str()]);
    assert_eq!(zones.count(Query::new()).await.unwrap(), 1);

    let restored = zones.as_user("gm2").restore(id).await.unwrap();
    assert!(!restored.is_deleted);
    assert_eq!(restored.updated_by, "gm2");
    assert_eq!(restored.current_revision_id, first.revision_id);
    assert_eq!(zones.get(id).await.unwrap().data.level, 10);
    assert_eq!(zones.count(Query::new()).await.unwrap(), 2);
    // Restoring a live resource changes nothing.
    let again = zones.as_user("nobody").restore(id).await.unwrap();
    assert_eq!(again, restored);
}

async fn permanent_delete_removes_every_revision(kind: Kind) {
    let db = Backend::open(kind).await;
    let zones = app(&db).await.manager::<Zone>();
    let first = zones.create(zone("Stranglethorn", 30)).await.unwrap();
    let id = &first.resource_id;
    zones.update(id, zone("Stranglethorn", 31)).await.unwrap();
    let before = zones.get_meta(id).await.unwrap();

    let gone = zones.permanently_delete(id).await.unwrap();
    assert_eq!(gone, before, "the meta as it was");
    assert!(matches!(zones.get(id).await, Err(Error::NotFound { .. })));
    assert!(matches!(
        zones.get_meta(id).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        zones
            .get(id)
            .revision(&first.revision_id)
            .include_deleted(true)
            .await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(zones.count(Query::new()).await.unwrap(), 0);
    // The unique name is free again.
    zones.create(zone("Stranglethorn", 1)).await.unwrap();

    // A soft-deleted resource can be purged too.
    let other = zones.create(zone("Tanaris", 40)).await.unwrap().resource_id;
    zones.delete(&other).await.unwrap();
    let purged = zones.permanently_delete(&other).await.unwrap();
    assert!(purged.is_deleted);
    assert!(matches!(
        zones.get_meta(&other).await,
        Err(Error::NotFound { .. })
    ));
}

async fn list_returns_live_resources_oldest_first(kind: Kind) {
    let db = Backend::open(kind).await;
    let zones = app(&db).await.manager::<Zone>();
    let t0 = chrono::DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z")
        .unwrap()
        .to_utc();
    let mut ids = Vec::new();
    for (i, name) in ["C", "A", "B"].iter().enumerate() {
        let at = t0 + chrono::Duration::seconds(i as i64);
        ids.push(
            zones
                .at(at)
                .create(zone(name, 1))
                .await
                .unwrap()
                .resource_id,
        );
    }
    let listed: Vec<String> = zones
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.data.name)
        .collect();
    assert_eq!(listed, ["C", "A", "B"], "created_time ascending");
    let page: Vec<String> = zones
        .list()
        .offset(1)
        .limit(1)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.info.resource_id)
        .collect();
    assert_eq!(page, [ids[1].clone()]);
}

async fn apps_refuse_unregistered_types_and_duplicate_registration(kind: Kind) {
    #[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
    #[specstar(name = "zone")]
    pub struct OtherZone {
        pub title: String,
    }

    let db = Backend::open(kind).await;
    let spec = app(&db).await;
    let err = spec.try_manager::<OtherZone>().unwrap_err();
    assert!(
        matches!(err, Error::Config { ref message } if message.contains("OtherZone")),
        "{err:?}"
    );

    let err = db
        .builder()
        .resource::<Zone>()
        .resource::<OtherZone>()
        .build()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Config { ref message } if message.contains("`zone`") && message.contains("OtherZone")),
        "{err:?}"
    );
    let err = db
        .builder()
        .resource::<Zone>()
        .resource::<Zone>()
        .build()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Config { ref message } if message.contains("added twice")),
        "{err:?}"
    );
}

on_every_backend!(
    create_returns_the_first_revision_and_get_reads_it,
    unknown_ids_are_not_found_naming_resource_and_id,
    update_writes_a_new_revision_chained_to_the_current_one,
    identical_data_writes_nothing_and_returns_the_current_revision,
    patch_applies_rfc6902_then_updates,
    untyped_data_is_decoded_strictly,
    delete_hides_the_resource_until_restored,
    permanent_delete_removes_every_revision,
    list_returns_live_resources_oldest_first,
    apps_refuse_unregistered_types_and_duplicate_registration,
);

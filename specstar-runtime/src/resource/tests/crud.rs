//! create, get, get_meta, update, patch, modify, delete, restore, permanently_delete.

use serde_json::json;

use super::*;
use crate::model::{Error, RevisionStatus};
use crate::resource::Modify;

#[tokio::test]
async fn create_returns_the_first_revision_and_get_reads_it_back() {
    let spec = app().await;
    let zones = spec.manager::<Zone>();
    let data = Zone {
        tags: vec!["forest".into()],
        ..zone("Elwynn", 3)
    };
    let info = zones.as_user("alice").create(data.clone()).await.unwrap();

    let uuid = info
        .resource_id
        .strip_prefix("zone:")
        .expect("`zone:` prefix");
    assert_eq!(uuid::Uuid::parse_str(uuid).unwrap().get_version_num(), 4);
    assert_eq!(info.revision_id, format!("{}:1", info.resource_id));
    assert_eq!(info.parent_revision_id, None);
    assert_eq!(info.status, RevisionStatus::Stable);
    assert_eq!(
        (info.created_by.as_str(), info.updated_by.as_str()),
        ("alice", "alice")
    );
    assert_eq!(info.created_time, info.updated_time);
    assert!(uuid::Uuid::parse_str(&info.uid).is_ok());
    let bytes = serde_json::to_vec(&data).unwrap();
    assert_eq!(
        info.data_hash,
        format!("xxh3_128:{:032x}", xxhash_rust::xxh3::xxh3_128(&bytes))
    );

    let got = zones.get(&info.resource_id).await.unwrap();
    assert_eq!(got.data, data);
    assert_eq!(got.info, info);
    let meta = got.meta;
    assert_eq!(meta.resource_id, info.resource_id);
    assert_eq!(meta.current_revision_id, info.revision_id);
    assert_eq!(meta.total_revision_count, 1);
    assert!(!meta.is_deleted);
    assert_eq!(
        (meta.created_by.as_str(), meta.updated_by.as_str()),
        ("alice", "alice")
    );
    assert_eq!(meta.created_time, info.created_time);
    assert_eq!(meta.rev_status, RevisionStatus::Stable);
    assert_eq!(meta.rev_created_by, "alice");
    assert_eq!(meta.rev_created_time, info.created_time);
    assert_eq!(
        serde_json::Value::Object(meta.indexed_data.clone()),
        json!({"name": "Elwynn", "level": 3, "tags": ["forest"]})
    );
    assert_eq!(zones.get_meta(&info.resource_id).await.unwrap(), meta);
}

#[tokio::test]
async fn unknown_ids_are_not_found() {
    let spec = app().await;
    let zones = spec.manager::<Zone>();
    let missing = "zone:00000000-0000-4000-8000-000000000000";
    for result in [
        zones.get(missing).await.map(drop),
        zones.get_meta(missing).await.map(drop),
        zones.update(missing, zone("a", 1)).await.map(drop),
        zones.delete(missing).await.map(drop),
        zones.restore(missing).await.map(drop),
        zones.permanently_delete(missing).await.map(drop),
        zones.list_revisions(missing).await.map(drop),
    ] {
        match result {
            Err(Error::NotFound { resource, id }) => {
                assert_eq!((resource.as_str(), id.as_str()), ("zone", missing));
            }
            other => panic!("expected NotFound, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn update_writes_a_new_revision_on_top_of_the_current_one() {
    let spec = app().await;
    let zones = spec.manager::<Zone>();
    let first = zones.create(zone("Duskwood", 20)).await.unwrap();
    let id = &first.resource_id;
    let second = zones
        .as_user("bob")
        .update(id, zone("Duskwood", 25))
        .await
        .unwrap();

    assert_eq!(second.revision_id, format!("{id}:2"));
    assert_eq!(
        second.parent_revision_id.as_deref(),
        Some(first.revision_id.as_str())
    );
    assert_ne!(second.uid, first.uid);
    assert_eq!(second.created_by, "bob");
    let current = zones.get(id).await.unwrap();
    assert_eq!(current.data.level, 25);
    assert_eq!(current.meta.total_revision_count, 2);
    assert_eq!(current.meta.current_revision_id, second.revision_id);
    assert_eq!(current.meta.created_by, "system", "creation facts stay");
    assert_eq!(current.meta.updated_by, "bob");
    assert_eq!(current.meta.indexed_data["level"], json!(25));

    let old = zones.get(id).revision(&first.revision_id).await.unwrap();
    assert_eq!(old.data.level, 20);
    assert_eq!(old.info, first);
}

#[tokio::test]
async fn identical_data_writes_no_revision() {
    let spec = app().await;
    let zones = spec.manager::<Zone>();
    let first = zones.create(zone("Barrens", 10)).await.unwrap();
    let again = zones
        .update(&first.resource_id, zone("Barrens", 10))
        .await
        .unwrap();
    assert_eq!(again, first, "the current revision comes back unchanged");
    let meta = zones.get_meta(&first.resource_id).await.unwrap();
    assert_eq!(meta.total_revision_count, 1);
}

#[tokio::test]
async fn patch_applies_rfc6902_then_updates() {
    let spec = app().await;
    let zones = spec.manager::<Zone>();
    let first = zones.create(zone("Tanaris", 40)).await.unwrap();
    let id = &first.resource_id;

    let info = zones
        .patch(
            id,
            &patch(json!([
                {"op": "test", "path": "/level", "value": 40},
                {"op": "replace", "path": "/level", "value": 45},
                {"op": "add", "path": "/tags/-", "value": "desert"}
            ])),
        )
        .await
        .unwrap();
    assert_eq!(
        info.parent_revision_id.as_deref(),
        Some(first.revision_id.as_str())
    );
    let zone = zones.get(id).await.unwrap().data;
    assert_eq!((zone.level, zone.tags), (45, vec!["desert".to_owned()]));

    let unchanged = zones.patch(id, &patch(json!([]))).await.unwrap();
    assert_eq!(unchanged, info, "an empty patch writes nothing");

    let failed_test = zones
        .patch(
            id,
            &patch(json!([{"op": "test", "path": "/level", "value": 1}])),
        )
        .await;
    assert!(
        matches!(failed_test, Err(Error::BadRequest { .. })),
        "{failed_test:?}"
    );
    let bad_path = zones
        .patch(id, &patch(json!([{"op": "remove", "path": "/nope"}])))
        .await;
    assert!(
        matches!(bad_path, Err(Error::BadRequest { .. })),
        "{bad_path:?}"
    );
    let invalid = zones
        .patch(
            id,
            &patch(json!([{"op": "replace", "path": "/level", "value": "high"}])),
        )
        .await;
    match invalid {
        Err(Error::Validation { field, .. }) => assert_eq!(field.as_deref(), Some("level")),
        other => panic!("expected a validation error, got {other:?}"),
    }
    assert!(crate::resource::patch::parse(json!({"op": "add"})).is_err());
    assert_eq!(zones.get_meta(id).await.unwrap().total_revision_count, 2);
}

#[tokio::test]
async fn modify_rewrites_a_draft_in_place_and_publishes_it() {
    let spec = builder()
        .default_status(RevisionStatus::Draft)
        .build()
        .await
        .unwrap();
    let zones = spec.manager::<Zone>();
    let draft = zones.create(zone("Ashenvale", 18)).await.unwrap();
    assert_eq!(draft.status, RevisionStatus::Draft);
    let id = &draft.resource_id;

    let edited = zones
        .as_user("carol")
        .modify(id, Modify::data(zone("Ashenvale", 19)))
        .await
        .unwrap();
    assert_eq!(edited.revision_id, draft.revision_id, "same revision");
    assert_ne!(edited.uid, draft.uid, "fresh uid");
    assert_ne!(edited.data_hash, draft.data_hash);
    assert_eq!(edited.status, RevisionStatus::Draft);
    assert_eq!(
        (edited.created_by.as_str(), edited.updated_by.as_str()),
        ("system", "carol")
    );
    let meta = zones.get_meta(id).await.unwrap();
    assert_eq!(meta.total_revision_count, 1);
    assert_eq!(meta.indexed_data["level"], json!(19));
    assert_eq!(zones.list_revisions(id).await.unwrap().len(), 1);

    let published = zones
        .modify(id, Modify::status(RevisionStatus::Stable))
        .await
        .unwrap();
    assert_eq!(published.status, RevisionStatus::Stable);
    assert_eq!(published.data_hash, edited.data_hash);
    assert_eq!(
        zones.get_meta(id).await.unwrap().rev_status,
        RevisionStatus::Stable
    );

    match zones.modify(id, Modify::data(zone("Ashenvale", 20))).await {
        Err(Error::CannotModify {
            resource, id: got, ..
        }) => {
            assert_eq!((resource.as_str(), got.as_str()), ("zone", id.as_str()));
        }
        other => panic!("expected CannotModify, got {other:?}"),
    }
    let stays_stable = zones
        .modify(id, Modify::status(RevisionStatus::Stable))
        .await;
    assert!(matches!(stays_stable, Err(Error::CannotModify { .. })));

    let reopened = zones
        .modify(
            id,
            Modify::data(zone("Ashenvale", 21)).with_status(RevisionStatus::Draft),
        )
        .await
        .unwrap();
    assert_eq!(reopened.status, RevisionStatus::Draft);
    assert_eq!(reopened.revision_id, draft.revision_id);
    assert_eq!(zones.get(id).await.unwrap().data.level, 21);
}

#[tokio::test]
async fn delete_is_soft_and_restore_undoes_it() {
    let spec = app().await;
    let zones = spec.manager::<Zone>();
    let info = zones.create(zone("Stranglethorn", 30)).await.unwrap();
    let id = &info.resource_id;

    let deleted = zones.as_user("dave").delete(id).await.unwrap();
    assert!(deleted.is_deleted);
    assert_eq!(deleted.updated_by, "dave");
    assert_eq!(deleted.current_revision_id, info.revision_id);
    assert_eq!(
        deleted.total_revision_count, 1,
        "a delete writes no revision"
    );

    let deleted_err = |r: crate::model::Result<()>| matches!(r, Err(Error::Deleted { .. }));
    assert!(deleted_err(zones.get(id).await.map(drop)));
    assert!(
        deleted_err(zones.delete(id).await.map(drop)),
        "second delete"
    );
    assert!(deleted_err(zones.update(id, zone("x", 1)).await.map(drop)));
    assert!(deleted_err(
        zones.patch(id, &patch(json!([]))).await.map(drop)
    ));
    assert!(deleted_err(zones.list_revisions(id).await.map(drop)));
    assert!(deleted_err(
        zones.switch(id, &info.revision_id).await.map(drop)
    ));
    assert!(
        zones.get_meta(id).await.unwrap().is_deleted,
        "get_meta still answers"
    );
    let read = zones.get(id).include_deleted(true).await.unwrap();
    assert!(read.meta.is_deleted);
    assert_eq!(read.data.name, "Stranglethorn");

    let restored = zones.restore(id).await.unwrap();
    assert!(!restored.is_deleted);
    assert_eq!(
        zones.restore(id).await.unwrap(),
        restored,
        "restoring twice is a no-op"
    );
    assert_eq!(zones.get(id).await.unwrap().data.level, 30);
}

#[tokio::test]
async fn permanently_delete_purges_everything() {
    let spec = app().await;
    let zones = spec.manager::<Zone>();
    let info = zones.create(zone("Silithus", 55)).await.unwrap();
    let id = &info.resource_id;
    zones.update(id, zone("Silithus", 56)).await.unwrap();
    zones.delete(id).await.unwrap();

    let gone = zones.permanently_delete(id).await.unwrap();
    assert_eq!(gone.total_revision_count, 2, "returns the meta as it was");
    assert!(gone.is_deleted);
    assert!(matches!(
        zones.get_meta(id).await,
        Err(Error::NotFound { .. })
    ));
    let store = spec.store();
    assert!(
        store
            .load_revision("zone", &info.revision_id)
            .await
            .unwrap()
            .is_none()
    );
    // The unique name is free again.
    zones.create(zone("Silithus", 1)).await.unwrap();
}

#[tokio::test]
async fn revision_reads_check_that_the_revision_belongs_to_the_resource() {
    let spec = app().await;
    let zones = spec.manager::<Zone>();
    let a = zones.create(zone("A", 1)).await.unwrap();
    let b = zones.create(zone("B", 1)).await.unwrap();
    for wrong in [format!("{}:2", a.resource_id), b.revision_id.clone()] {
        match zones.get(&a.resource_id).revision(&wrong).await {
            Err(Error::RevisionNotFound { revision_id, .. }) => assert_eq!(revision_id, wrong),
            other => panic!("expected RevisionNotFound, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn data_is_decoded_strictly_into_the_type() {
    let spec = app().await;
    let zones = spec.model("zone").unwrap();
    let cases = [
        (json!({"name": "A", "level": "3"}), Some("level")),
        (json!({"name": "A", "level": 3.5}), Some("level")),
        (json!({"name": "A", "level": true}), Some("level")),
        (json!({"name": "A"}), None),
        (json!([1, 2]), None),
    ];
    for (body, field) in cases {
        match zones.create(body.clone()).await {
            Err(Error::Validation {
                field: got,
                resource,
                ..
            }) => {
                assert_eq!(got.as_deref(), field, "{body}");
                assert_eq!(resource, "zone");
            }
            other => panic!("expected a validation error for {body}, got {other:?}"),
        }
    }
    // Unknown fields are ignored and not stored; the canonical form is the type's.
    let info = zones
        .create(json!({"tags": [], "level": 2, "name": "B", "extra": 1}))
        .await
        .unwrap();
    let read = zones.get(&info.resource_id).await.unwrap();
    assert_eq!(
        serde_json::to_string(&read.data).unwrap(),
        r#"{"name":"B","level":2,"tags":[]}"#
    );
}

//! Referential actions when a target is soft-deleted: cascade, set_null, list refs.

use std::sync::Arc;

use parking_lot::Mutex;

use super::*;
use crate::auth::{PermissionChecker, PermissionRequest};
use crate::events::{self, Action, Event, Phase};
use crate::model::{Error, Result};
use crate::query::Query;

#[tokio::test]
async fn cascade_deletes_referrers_recursively_as_the_same_user() {
    let spec = app().await;
    let (zones, monsters, loot) = (
        spec.manager::<Zone>(),
        spec.manager::<Monster>(),
        spec.manager::<Loot>(),
    );
    let elwynn = zones.create(zone("Elwynn", 1)).await.unwrap().resource_id;
    let other = zones.create(zone("Durotar", 1)).await.unwrap().resource_id;
    let hogger = monsters
        .create(monster("Hogger", &elwynn))
        .await
        .unwrap()
        .resource_id;
    let kobold = monsters
        .create(monster("Kobold", &elwynn))
        .await
        .unwrap()
        .resource_id;
    let boar = monsters
        .create(monster("Boar", &other))
        .await
        .unwrap()
        .resource_id;
    let gem = loot
        .create(Loot {
            item: "gem".into(),
            monster_id: hogger.clone(),
        })
        .await
        .unwrap()
        .resource_id;

    zones.as_user("gm").delete(&elwynn).await.unwrap();

    for id in [&hogger, &kobold] {
        let meta = monsters.get_meta(id).await.unwrap();
        assert!(meta.is_deleted, "{id} cascaded");
        assert_eq!(meta.updated_by, "gm");
    }
    assert!(
        loot.get_meta(&gem).await.unwrap().is_deleted,
        "cascade recursed to loot"
    );
    assert!(!monsters.get_meta(&boar).await.unwrap().is_deleted);

    // Restoring the target does not undo the cascade.
    zones.restore(&elwynn).await.unwrap();
    assert!(monsters.get_meta(&hogger).await.unwrap().is_deleted);
}

#[tokio::test]
async fn set_null_clears_the_field_in_a_new_revision_and_list_refs_lose_the_id() {
    let spec = app().await;
    let (zones, monsters) = (spec.manager::<Zone>(), spec.manager::<Monster>());
    let home = zones
        .create(zone("Goldshire", 1))
        .await
        .unwrap()
        .resource_id;
    let camp = zones.create(zone("Camp", 1)).await.unwrap().resource_id;
    let lair = zones.create(zone("Lair", 1)).await.unwrap().resource_id;
    let wolf = Monster {
        home_id: Some(home.clone()),
        patrol: vec![home.clone(), camp.clone(), home.clone()],
        ..monster("Wolf", &lair)
    };
    let wolf_info = monsters.create(wolf).await.unwrap();
    let id = &wolf_info.resource_id;

    zones.delete(&home).await.unwrap();

    let after = monsters.get(id).await.unwrap();
    assert!(!after.meta.is_deleted);
    assert_eq!(after.data.home_id, None);
    assert_eq!(after.data.patrol, vec![camp.clone()]);
    assert_eq!(after.data.zone_id, lair, "other refs untouched");
    assert_eq!(
        after.info.parent_revision_id.as_deref(),
        Some(wolf_info.revision_id.as_str())
    );
    assert_eq!(
        after.meta.total_revision_count, 2,
        "one new revision for both fields"
    );
    assert_eq!(after.meta.indexed_data["home_id"], serde_json::Value::Null);

    // Only the patrol list refers to camp: the id is removed, home stays null.
    zones.delete(&camp).await.unwrap();
    let after = monsters.get(id).await.unwrap();
    assert!(after.data.patrol.is_empty());
    assert_eq!(after.meta.total_revision_count, 3);
}

#[tokio::test]
async fn permanent_delete_runs_no_referential_action_and_revision_refs_dangle() {
    let spec = app().await;
    let (zones, monsters) = (spec.manager::<Zone>(), spec.manager::<Monster>());
    let z = zones.create(zone("Moonglade", 1)).await.unwrap();
    let m = Monster {
        home_id: Some(z.resource_id.clone()),
        zone_snapshot: Some(z.revision_id.clone()),
        ..monster("Owl", &z.resource_id)
    };
    let owl = monsters.create(m).await.unwrap().resource_id;
    zones.permanently_delete(&z.resource_id).await.unwrap();
    let after = monsters.get(&owl).await.unwrap();
    assert_eq!(after.meta.total_revision_count, 1);
    assert_eq!(after.data.home_id.as_deref(), Some(z.resource_id.as_str()));

    // References are not checked on write.
    monsters
        .create(monster("Ghost", "zone:does-not-exist"))
        .await
        .unwrap();
}

/// Refuses to delete monsters.
struct NoMonsterDeletes;

#[async_trait::async_trait]
impl PermissionChecker for NoMonsterDeletes {
    async fn allows(&self, request: &PermissionRequest<'_>) -> Result<bool> {
        Ok(!(request.resource == "monster" && request.action == Action::Delete))
    }
}

#[tokio::test]
async fn cascades_go_through_the_referrers_permissions_and_events() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let spec = builder()
        .permission_checker(NoMonsterDeletes)
        .event_handler(
            events::handler(move |e: &Event<'_>| {
                sink.lock().push(format!("{} {}", e.resource, e.action));
                Ok(())
            })
            .phase(Phase::OnSuccess),
        )
        .build()
        .await
        .unwrap();
    let (zones, monsters) = (spec.manager::<Zone>(), spec.manager::<Monster>());
    let z = zones
        .create(zone("Darnassus", 1))
        .await
        .unwrap()
        .resource_id;
    let m = monsters
        .create(monster("Sentinel", &z))
        .await
        .unwrap()
        .resource_id;
    let home = zones.create(zone("Home", 1)).await.unwrap().resource_id;
    let h = Monster {
        home_id: Some(home.clone()),
        ..monster("Cat", &z)
    };
    monsters.create(h).await.unwrap();
    seen.lock().clear();

    zones.delete(&home).await.unwrap();
    assert_eq!(
        *seen.lock(),
        ["monster update", "zone delete"],
        "set_null is an update"
    );

    let err = zones.as_user("ranger").delete(&z).await.unwrap_err();
    assert!(matches!(err, Error::PermissionDenied { ref resource, .. } if resource == "monster"));
    assert!(
        zones.get_meta(&z).await.unwrap().is_deleted,
        "the target stays deleted"
    );
    assert!(!monsters.get_meta(&m).await.unwrap().is_deleted);
    assert_eq!(monsters.count(Query::default()).await.unwrap(), 2);
}

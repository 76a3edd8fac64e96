//! switch, list_revisions and the paged revision list.

use chrono::TimeZone;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::*;
use crate::model::{Error, Timestamp};
use crate::query::Direction;
use crate::resource::RevisionListQuery;

fn t(minute: u32) -> Timestamp {
    chrono::Utc
        .with_ymd_and_hms(2030, 5, 1, 12, minute, 0)
        .unwrap()
}

#[tokio::test]
async fn switch_makes_an_old_revision_current_and_later_writes_chain_from_it() {
    let spec = app().await;
    let zones = spec.manager::<Zone>();
    let r1 = zones.create(zone("Feralas", 1)).await.unwrap();
    let id = &r1.resource_id;
    let r2 = zones.update(id, zone("Feralas", 2)).await.unwrap();

    let meta = zones
        .as_user("erin")
        .switch(id, &r1.revision_id)
        .await
        .unwrap();
    assert_eq!(meta.current_revision_id, r1.revision_id);
    assert_eq!(meta.total_revision_count, 2);
    assert_eq!(
        meta.indexed_data["level"],
        json!(1),
        "index follows the revision"
    );
    assert_eq!(meta.rev_created_time, r1.created_time);
    assert_eq!(meta.updated_by, "erin");
    assert_eq!(zones.get(id).await.unwrap().data.level, 1);

    let r3 = zones.update(id, zone("Feralas", 3)).await.unwrap();
    assert_eq!(
        r3.revision_id,
        format!("{id}:3"),
        "numbers are never reused"
    );
    assert_eq!(
        r3.parent_revision_id.as_deref(),
        Some(r1.revision_id.as_str())
    );

    // Switching to the current revision changes nothing.
    let same = zones.switch(id, &r3.revision_id).await.unwrap();
    assert_eq!(same.current_revision_id, r3.revision_id);
    // Back to r2, whose data was never the parent of r3.
    zones.switch(id, &r2.revision_id).await.unwrap();
    assert_eq!(zones.get(id).await.unwrap().data.level, 2);

    for unknown in [format!("{id}:9"), "zone:other:1".to_owned()] {
        let err = zones.switch(id, &unknown).await.unwrap_err();
        assert!(matches!(err, Error::RevisionNotFound { .. }), "{err:?}");
    }
}

#[tokio::test]
async fn revision_list_pages_sorts_filters_and_follows_the_chain() {
    let spec = app().await;
    let zones = spec.manager::<Zone>();
    let r1 = zones.at(t(1)).create(zone("Hinterlands", 1)).await.unwrap();
    let id = r1.resource_id.clone();
    let r2 = zones
        .at(t(2))
        .update(&id, zone("Hinterlands", 2))
        .await
        .unwrap();
    let r3 = zones
        .at(t(3))
        .update(&id, zone("Hinterlands", 3))
        .await
        .unwrap();
    zones.switch(&id, &r1.revision_id).await.unwrap();
    let r4 = zones
        .at(t(4))
        .update(&id, zone("Hinterlands", 4))
        .await
        .unwrap();

    let all = zones.list_revisions(&id).await.unwrap();
    let ids: Vec<&str> = all.iter().map(|r| r.revision_id.as_str()).collect();
    assert_eq!(
        ids,
        [&r1, &r2, &r3, &r4].map(|r| r.revision_id.as_str()),
        "oldest first"
    );

    let ids_of = |list: &crate::model::RevisionList| {
        list.revisions
            .iter()
            .map(|r| r.revision_id.rsplit(':').next().unwrap().to_owned())
            .collect::<Vec<_>>()
    };

    let newest = zones
        .revision_list(&id, &RevisionListQuery::default())
        .await
        .unwrap();
    assert_eq!(ids_of(&newest), ["4", "3", "2", "1"]);
    assert_eq!((newest.total, newest.has_more), (4, false));
    assert_eq!(newest.meta.current_revision_id, r4.revision_id);

    let page = RevisionListQuery {
        limit: 2,
        offset: 1,
        sort: Direction::Asc,
        ..Default::default()
    };
    let page = zones.revision_list(&id, &page).await.unwrap();
    assert_eq!(ids_of(&page), ["2", "3"]);
    assert_eq!((page.total, page.has_more), (4, true));

    let chain = RevisionListQuery {
        chain_only: true,
        ..Default::default()
    };
    let chain = zones.revision_list(&id, &chain).await.unwrap();
    assert_eq!(
        ids_of(&chain),
        ["4", "1"],
        "r4's parent is r1 after the switch"
    );

    let from_r3 = RevisionListQuery {
        chain_only: true,
        from_revision_id: Some(r3.revision_id.clone()),
        ..Default::default()
    };
    assert_eq!(
        ids_of(&zones.revision_list(&id, &from_r3).await.unwrap()),
        ["3", "2", "1"]
    );

    let window = RevisionListQuery {
        created_time_start: Some(t(2)),
        created_time_end: Some(t(3)),
        ..Default::default()
    };
    assert_eq!(
        ids_of(&zones.revision_list(&id, &window).await.unwrap()),
        ["3", "2"]
    );

    let unknown = RevisionListQuery {
        from_revision_id: Some(format!("{id}:99")),
        ..Default::default()
    };
    let err = zones.revision_list(&id, &unknown).await.unwrap_err();
    assert!(matches!(err, Error::RevisionNotFound { .. }), "{err:?}");
    let zero = RevisionListQuery {
        limit: 0,
        ..Default::default()
    };
    let err = zones.revision_list(&id, &zero).await.unwrap_err();
    assert!(matches!(err, Error::BadQuery { ref parameter, .. } if parameter == "limit"));
}

/// The same resource at two schema versions, as two builds of an app would see it.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
pub struct RelicV1 {
    pub name: String,
}
static RELIC_V1: ResourceDescriptor = ResourceDescriptor {
    version: Some("v1"),
    ..descriptor("relic", "RelicV1", &[], &[])
};
resource!(RelicV1, RelicV1Query, RELIC_V1);

#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
pub struct Relic {
    pub name: String,
}
static RELIC: ResourceDescriptor = ResourceDescriptor {
    version: Some("v2"),
    ..descriptor("relic", "Relic", &[], &[])
};
resource!(Relic, RelicQuery, RELIC);

#[tokio::test]
async fn switching_to_a_revision_of_another_schema_version_is_refused() {
    let store: std::sync::Arc<dyn crate::storage::ResourceStore> =
        std::sync::Arc::new(crate::storage::memory::MemoryStore::new());
    let old_app = SpecStar::builder()
        .store(store.clone())
        .resource::<RelicV1>()
        .build()
        .await
        .unwrap();
    let old = old_app
        .manager::<RelicV1>()
        .create(RelicV1 {
            name: "Ashbringer".into(),
        })
        .await
        .unwrap();
    assert_eq!(old.schema_version.as_deref(), Some("v1"));

    let new_app = SpecStar::builder()
        .store(store)
        .resource::<Relic>()
        .build()
        .await
        .unwrap();
    let relics = new_app.manager::<Relic>();
    let id = &old.resource_id;
    let v2 = relics
        .update(
            id,
            Relic {
                name: "Ashbringer (v2)".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(v2.schema_version.as_deref(), Some("v2"));
    assert_eq!(
        relics.get_meta(id).await.unwrap().schema_version.as_deref(),
        Some("v2")
    );

    match relics.switch(id, &old.revision_id).await {
        Err(Error::RevisionNotMigrated {
            revision_id,
            found,
            expected,
            ..
        }) => {
            assert_eq!(revision_id, old.revision_id);
            assert_eq!(
                (found.as_deref(), expected.as_deref()),
                (Some("v1"), Some("v2"))
            );
        }
        other => panic!("expected RevisionNotMigrated, got {other:?}"),
    }
    assert_eq!(
        relics.get_meta(id).await.unwrap().current_revision_id,
        v2.revision_id
    );
}

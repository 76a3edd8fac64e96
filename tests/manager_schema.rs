//! Schema versions: revisions record the version of the type that wrote them, and a switch to
//! a revision written by another version is `RevisionNotMigrated`. Two apps share one store to
//! play an upgrade (v1 writes, then v2 reads and writes).

mod common;

use common::{Backend, Kind, rev};
use specstar::prelude::*;

mod v1 {
    use specstar::prelude::*;

    #[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
    #[specstar(name = "potion", version = "v1")]
    pub struct Potion {
        #[index]
        pub name: String,
    }
}

mod v2 {
    use specstar::prelude::*;

    #[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
    #[specstar(name = "potion", version = "v2")]
    pub struct Potion {
        #[index]
        pub name: String,
        #[serde(default)]
        pub power: i64,
    }
}

async fn switching_to_a_revision_of_another_schema_version_is_refused(kind: Kind) {
    let db = Backend::open(kind).await;
    let old_app = db.builder().resource::<v1::Potion>().build().await.unwrap();
    let old = old_app.manager::<v1::Potion>();
    let first = old
        .create(v1::Potion {
            name: "Heal".into(),
        })
        .await
        .unwrap();
    let id = first.resource_id.clone();
    assert_eq!(first.schema_version.as_deref(), Some("v1"));
    old.update(
        &id,
        v1::Potion {
            name: "Heal+".into(),
        },
    )
    .await
    .unwrap();

    // The upgraded app reads v1 data and writes v2 revisions.
    let new_app = db.builder().resource::<v2::Potion>().build().await.unwrap();
    let potions = new_app.manager::<v2::Potion>();
    let read = potions.get(&id).await.unwrap();
    assert_eq!(read.data.power, 0);
    assert_eq!(read.meta.schema_version.as_deref(), Some("v1"));
    let third = potions
        .update(
            &id,
            v2::Potion {
                name: "Heal+".into(),
                power: 5,
            },
        )
        .await
        .unwrap();
    assert_eq!(third.revision_id, rev(&id, 3));
    assert_eq!(third.schema_version.as_deref(), Some("v2"));
    let meta = potions.get_meta(&id).await.unwrap();
    assert_eq!(meta.schema_version.as_deref(), Some("v2"));
    assert_eq!(
        potions
            .count(v2::Potion::q().schema_version().eq("v2"))
            .await
            .unwrap(),
        1
    );

    match potions.switch(&id, &rev(&id, 1)).await {
        Err(err @ Error::RevisionNotMigrated { .. }) => {
            assert!(err.to_string().contains(&rev(&id, 1)), "{err}");
            let Error::RevisionNotMigrated {
                resource,
                revision_id,
                found,
                expected,
            } = err
            else {
                unreachable!()
            };
            assert_eq!(resource, "potion");
            assert_eq!(revision_id, rev(&id, 1));
            assert_eq!(found.as_deref(), Some("v1"));
            assert_eq!(expected.as_deref(), Some("v2"));
        }
        other => panic!("expected RevisionNotMigrated, got {other:?}"),
    }
    assert_eq!(
        potions.get_meta(&id).await.unwrap().current_revision_id,
        rev(&id, 3),
        "nothing switched"
    );
    // Old revisions stay readable.
    let old_rev = potions.get(&id).revision(rev(&id, 1)).await.unwrap();
    assert_eq!(old_rev.data.name, "Heal");
    assert_eq!(old_rev.info.schema_version.as_deref(), Some("v1"));
}

mod strict {
    use specstar::prelude::*;

    /// A later type that requires a field old payloads do not have.
    #[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
    #[specstar(name = "potion", version = "v3")]
    pub struct Potion {
        #[index]
        pub name: String,
        pub power: i64,
    }
}

async fn stored_data_that_no_longer_fits_the_type_is_a_migration_error(kind: Kind) {
    let db = Backend::open(kind).await;
    let old_app = db.builder().resource::<v1::Potion>().build().await.unwrap();
    let id = old_app
        .manager::<v1::Potion>()
        .create(v1::Potion {
            name: "Heal".into(),
        })
        .await
        .unwrap()
        .resource_id;

    let new_app = db
        .builder()
        .resource::<strict::Potion>()
        .build()
        .await
        .unwrap();
    let potions = new_app.manager::<strict::Potion>();
    // The stored v1 payload has no migration path and does not decode as the current type:
    // reading it is a migration error naming the revision, the versions and the missing field.
    match potions.get(&id).await {
        Err(Error::MigrationFailed {
            revision_id,
            message,
            ..
        }) => {
            assert_eq!(revision_id, rev(&id, 1));
            assert!(message.contains("power"), "names the problem: {message}");
            assert!(
                message.contains("migrate("),
                "says how to fix it: {message}"
            );
        }
        other => panic!("expected MigrationFailed, got {other:?}"),
    }
    // The meta needs no payload, and a full update does not need the old payload either, so
    // unreadable data can be overwritten with a value of the current type.
    assert_eq!(potions.get_meta(&id).await.unwrap().total_revision_count, 1);
    let info = potions
        .update(
            &id,
            strict::Potion {
                name: "Heal".into(),
                power: 1,
            },
        )
        .await
        .unwrap();
    assert_eq!(info.revision_id, rev(&id, 2));
    assert_eq!(potions.get(&id).await.unwrap().data.power, 1);
}

on_every_backend!(
    switching_to_a_revision_of_another_schema_version_is_refused,
    stored_data_that_no_longer_fits_the_type_is_a_migration_error,
);

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

async fn stored_data_that_no_longer_fits_the_type_is_a_storage_error(kind: Kind) {
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
    match potions.get(&id).await {
        Err(Error::Storage {
            backend, message, ..
        }) => {
            assert_eq!(backend, db.store().backend_name());
            assert!(
                message.contains(&rev(&id, 1)) && message.contains("power"),
                "names the revision and the problem: {message}"
            );
        }
        other => panic!("expected Storage, got {other:?}"),
    }
    // The meta needs no payload; an update reads the current payload first, so it fails too.
    assert_eq!(potions.get_meta(&id).await.unwrap().total_revision_count, 1);
    let err = potions
        .update(
            &id,
            strict::Potion {
                name: "Heal".into(),
                power: 1,
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Storage { .. }), "{err:?}");
}

on_every_backend!(
    switching_to_a_revision_of_another_schema_version_is_refused,
    stored_data_that_no_longer_fits_the_type_is_a_storage_error,
);

//! References: `cascade` and `set_null` when a target is soft-deleted (recursively, as the
//! deleting user), list references matched with `contains`, restore not undoing, permanent
//! delete not cascading, revision references dangling, and unknown targets refused at build.

mod common;

use common::{Backend, Kind, rev};
use serde_json::json;
use specstar::prelude::*;
use specstar::query::Query;
use specstar::{OnDelete, RefType, Relationship};

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Zone {
    #[unique]
    pub name: String,
}

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Monster {
    #[index]
    pub name: String,
    /// Type form, cascade.
    #[ref_to(Zone, on_delete = cascade)]
    pub zone_id: String,
    /// String form, set_null.
    #[ref_to("zone", on_delete = set_null)]
    pub home_id: Option<String>,
    /// A pinned revision of a zone: never acted on.
    #[ref_to(Zone, revision)]
    pub zone_snapshot: Option<String>,
}

/// Loot dies with its monster (cascade two levels down from a zone).
#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Loot {
    pub item: String,
    #[ref_to(Monster, on_delete = cascade)]
    pub monster_id: String,
}

/// A list reference: a caravan is cancelled when any zone on its route goes.
#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Caravan {
    pub label: String,
    #[ref_to(Zone, on_delete = cascade)]
    pub route: Vec<String>,
}

/// A dangling reference (the default): nothing happens.
#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Quest {
    pub title: String,
    #[ref_to(Zone)]
    pub zone_id: String,
}

/// Refers to a resource name no app registers.
#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Bounty {
    #[ref_to("npc", on_delete = cascade)]
    pub npc_id: String,
}

struct World {
    spec: SpecStar,
    zones: ResourceManager<Zone>,
    monsters: ResourceManager<Monster>,
    loot: ResourceManager<Loot>,
    caravans: ResourceManager<Caravan>,
    quests: ResourceManager<Quest>,
}

async fn world(backend: &Backend) -> World {
    let spec = backend
        .builder()
        .resource::<Zone>()
        .resource::<Monster>()
        .resource::<Loot>()
        .resource::<Caravan>()
        .resource::<Quest>()
        .build()
        .await
        .expect("the app builds");
    World {
        zones: spec.manager(),
        monsters: spec.manager(),
        loot: spec.manager(),
        caravans: spec.manager(),
        quests: spec.manager(),
        spec,
    }
}

impl World {
    async fn zone(&self, name: &str) -> String {
        self.zones
            .create(Zone { name: name.into() })
            .await
            .unwrap()
            .resource_id
    }

    async fn monster(&self, name: &str, zone_id: &str, home_id: Option<&str>) -> String {
        self.monsters
            .create(Monster {
                name: name.into(),
                zone_id: zone_id.into(),
                home_id: home_id.map(str::to_owned),
                zone_snapshot: None,
            })
            .await
            .unwrap()
            .resource_id
    }
}

async fn cascade_soft_deletes_referrers_recursively_as_the_same_user(kind: Kind) {
    let db = Backend::open(kind).await;
    let w = world(&db).await;
    let elwynn = w.zone("Elwynn").await;
    let durotar = w.zone("Durotar").await;
    let hogger = w.monster("Hogger", &elwynn, None).await;
    let kobold = w.monster("Kobold", &elwynn, None).await;
    let boar = w.monster("Boar", &durotar, None).await;
    let gem = w
        .loot
        .create(Loot {
            item: "gem".into(),
            monster_id: hogger.clone(),
        })
        .await
        .unwrap()
        .resource_id;
    // Already deleted referrers stay deleted and do not fail the cascade.
    let ghost = w.monster("Ghost", &elwynn, None).await;
    w.monsters.as_user("earlier").delete(&ghost).await.unwrap();

    let meta = w.zones.as_user("gm").delete(&elwynn).await.unwrap();
    assert!(meta.is_deleted);

    for id in [&hogger, &kobold] {
        let meta = w.monsters.get_meta(id).await.unwrap();
        assert!(meta.is_deleted, "{id} cascaded");
        assert_eq!(meta.updated_by, "gm", "as the deleting user");
        assert_eq!(meta.total_revision_count, 1, "a delete writes no revision");
    }
    let gem_meta = w.loot.get_meta(&gem).await.unwrap();
    assert!(gem_meta.is_deleted, "cascade recursed to the loot");
    assert_eq!(gem_meta.updated_by, "gm");
    assert_eq!(
        w.monsters.get_meta(&ghost).await.unwrap().updated_by,
        "earlier"
    );
    assert!(!w.monsters.get_meta(&boar).await.unwrap().is_deleted);
    assert_eq!(w.monsters.count(Query::new()).await.unwrap(), 1);

    // Restoring the target does not undo the cascade.
    w.zones.restore(&elwynn).await.unwrap();
    assert!(w.monsters.get_meta(&hogger).await.unwrap().is_deleted);
    assert!(w.loot.get_meta(&gem).await.unwrap().is_deleted);
    assert!(matches!(
        w.monsters.get(&kobold).await,
        Err(Error::Deleted { .. })
    ));
}

async fn set_null_writes_a_new_revision_with_the_field_cleared(kind: Kind) {
    let db = Backend::open(kind).await;
    let w = world(&db).await;
    let home = w.zone("Goldshire").await;
    let lair = w.zone("Lair").await;
    let created = w
        .monsters
        .create(Monster {
            name: "Wolf".into(),
            zone_id: lair.clone(),
            home_id: Some(home.clone()),
            zone_snapshot: None,
        })
        .await
        .unwrap();
    let wolf = created.resource_id.clone();
    let elsewhere = w.monster("Bear", &lair, Some(&lair)).await;

    w.zones.as_user("gm").delete(&home).await.unwrap();

    let after = w.monsters.get(&wolf).await.unwrap();
    assert!(!after.meta.is_deleted);
    assert_eq!(after.data.home_id, None);
    assert_eq!(after.data.zone_id, lair, "other references untouched");
    assert_eq!(after.info.revision_id, rev(&wolf, 2));
    assert_eq!(
        after.info.parent_revision_id.as_deref(),
        Some(created.revision_id.as_str())
    );
    assert_eq!(after.info.created_by, "gm");
    assert_eq!(after.meta.indexed_data["home_id"], json!(null));
    assert_eq!(
        w.monsters
            .search(Monster::q().home_id().is_null())
            .await
            .unwrap()
            .len(),
        1
    );
    let bear = w.monsters.get_meta(&elsewhere).await.unwrap();
    assert_eq!(
        bear.total_revision_count, 1,
        "a referrer of another zone is untouched"
    );

    // Restoring the zone does not put the reference back.
    w.zones.restore(&home).await.unwrap();
    assert_eq!(w.monsters.get(&wolf).await.unwrap().data.home_id, None);
}

async fn list_references_match_with_contains(kind: Kind) {
    let db = Backend::open(kind).await;
    let w = world(&db).await;
    let a = w.zone("A").await;
    let b = w.zone("B").await;
    let c = w.zone("C").await;
    let caravan = |label: &str, route: &[&String]| Caravan {
        label: label.into(),
        route: route.iter().map(|s| (*s).clone()).collect(),
    };
    let ab = w
        .caravans
        .create(caravan("ab", &[&a, &b]))
        .await
        .unwrap()
        .resource_id;
    let bc = w
        .caravans
        .create(caravan("bc", &[&b, &c]))
        .await
        .unwrap()
        .resource_id;
    let ca = w
        .caravans
        .create(caravan("ca", &[&c, &a, &c]))
        .await
        .unwrap()
        .resource_id;

    // The list field is indexed and searched with contains.
    let through_b: Vec<String> = w
        .caravans
        .search(Caravan::q().route().contains(&b))
        .sort(Caravan::q().resource_id().asc())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.data.label)
        .collect();
    let mut expected = [("ab", &ab), ("bc", &bc)];
    expected.sort_by_key(|(_, id)| (*id).clone());
    assert_eq!(
        through_b,
        expected.iter().map(|(l, _)| *l).collect::<Vec<_>>()
    );

    w.zones.delete(&a).await.unwrap();
    assert!(w.caravans.get_meta(&ab).await.unwrap().is_deleted);
    assert!(w.caravans.get_meta(&ca).await.unwrap().is_deleted);
    assert!(!w.caravans.get_meta(&bc).await.unwrap().is_deleted);
}

async fn permanent_delete_runs_no_action_and_other_references_dangle(kind: Kind) {
    let db = Backend::open(kind).await;
    let w = world(&db).await;
    let z = w
        .zones
        .create(Zone {
            name: "Moonglade".into(),
        })
        .await
        .unwrap();
    let owl = w
        .monsters
        .create(Monster {
            name: "Owl".into(),
            zone_id: z.resource_id.clone(),
            home_id: Some(z.resource_id.clone()),
            zone_snapshot: Some(z.revision_id.clone()),
        })
        .await
        .unwrap()
        .resource_id;
    let quest = w
        .quests
        .create(Quest {
            title: "Find the owl".into(),
            zone_id: z.resource_id.clone(),
        })
        .await
        .unwrap()
        .resource_id;

    w.zones.permanently_delete(&z.resource_id).await.unwrap();
    let after = w.monsters.get(&owl).await.unwrap();
    assert!(!after.meta.is_deleted);
    assert_eq!(after.meta.total_revision_count, 1);
    assert_eq!(after.data.home_id.as_deref(), Some(z.resource_id.as_str()));
    assert_eq!(
        after.data.zone_snapshot.as_deref(),
        Some(z.revision_id.as_str())
    );

    // A soft delete of another zone leaves dangling and revision references alone.
    let z2 = w
        .zones
        .create(Zone {
            name: "Ashenvale".into(),
        })
        .await
        .unwrap();
    let pinned = w
        .monsters
        .create(Monster {
            name: "Treant".into(),
            zone_id: z.resource_id.clone(),
            home_id: None,
            zone_snapshot: Some(z2.revision_id.clone()),
        })
        .await
        .unwrap()
        .resource_id;
    let q2 = w
        .quests
        .create(Quest {
            title: "Walk".into(),
            zone_id: z2.resource_id.clone(),
        })
        .await
        .unwrap()
        .resource_id;
    w.zones.delete(&z2.resource_id).await.unwrap();
    let treant = w.monsters.get(&pinned).await.unwrap();
    assert_eq!(treant.meta.total_revision_count, 1);
    assert_eq!(
        treant.data.zone_snapshot.as_deref(),
        Some(z2.revision_id.as_str())
    );
    assert!(!w.quests.get_meta(&q2).await.unwrap().is_deleted);
    assert!(!w.quests.get_meta(&quest).await.unwrap().is_deleted);

    // References are not checked on write.
    w.monster(
        "Ghost",
        "zone:00000000-0000-4000-8000-000000000000",
        Some("nonsense"),
    )
    .await;
}

async fn relationships_are_listed_and_ref_fields_indexed(kind: Kind) {
    let db = Backend::open(kind).await;
    let w = world(&db).await;
    let monster: Vec<&Relationship> = w
        .spec
        .relationships()
        .iter()
        .filter(|r| r.source == "monster")
        .collect();
    let summary: Vec<(&str, &str, RefType, OnDelete, bool)> = monster
        .iter()
        .map(|r| {
            (
                r.source_field,
                r.target,
                r.ref_type,
                r.on_delete,
                r.nullable,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "zone_id",
                "zone",
                RefType::ResourceId,
                OnDelete::Cascade,
                false
            ),
            (
                "home_id",
                "zone",
                RefType::ResourceId,
                OnDelete::SetNull,
                true
            ),
            (
                "zone_snapshot",
                "zone",
                RefType::RevisionId,
                OnDelete::Dangling,
                true
            ),
        ]
    );
    let caravan = w
        .spec
        .relationships()
        .iter()
        .find(|r| r.source == "caravan")
        .expect("caravan's route");
    assert!(caravan.list);

    // Resource-id references are indexed; a revision reference is not searchable.
    let paths: Vec<&str> = Monster::descriptor()
        .indexes
        .iter()
        .map(|i| i.path)
        .collect();
    assert_eq!(paths, ["name", "zone_id", "home_id"]);
    let snapshot = specstar::query::Condition::compare(
        specstar::query::FieldPath::data("zone_snapshot"),
        specstar::query::Operator::Eq,
        "x",
    );
    assert!(matches!(
        w.monsters.search(snapshot).await,
        Err(Error::BadQuery { .. })
    ));
}

async fn unknown_reference_targets_are_refused_at_build(kind: Kind) {
    let db = Backend::open(kind).await;
    let config = |result: specstar::Result<SpecStar>| match result {
        Err(Error::Config { message }) => message,
        other => panic!("expected a configuration error, got {other:?}"),
    };
    // String form naming a resource that does not exist anywhere.
    let message = config(db.builder().resource::<Bounty>().build().await);
    assert!(
        message.contains("Bounty.npc_id") && message.contains("`npc`"),
        "{message}"
    );
    // Type form whose target is not part of this app.
    let message = config(db.builder().resource::<Loot>().build().await);
    assert!(
        message.contains("Loot.monster_id") && message.contains("`monster`"),
        "{message}"
    );
    let message = config(
        db.builder()
            .resource::<Monster>()
            .resource::<Loot>()
            .build()
            .await,
    );
    assert!(
        message.contains("Monster.") && message.contains("`zone`"),
        "{message}"
    );
}

on_every_backend!(
    cascade_soft_deletes_referrers_recursively_as_the_same_user,
    set_null_writes_a_new_revision_with_the_field_cleared,
    list_references_match_with_contains,
    permanent_delete_runs_no_action_and_other_references_dangle,
    relationships_are_listed_and_ref_fields_indexed,
    unknown_reference_targets_are_refused_at_build,
);

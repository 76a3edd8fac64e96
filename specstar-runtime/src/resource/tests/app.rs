//! Building the app: duplicate names, unknown ref targets, registration, handles.

use serde::{Deserialize, Serialize};

use super::*;
use crate::model::Error;

fn config_message(result: crate::model::Result<SpecStar>) -> String {
    match result {
        Err(Error::Config { message }) => message,
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

/// Another type that claims the name `zone`.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug)]
pub struct OtherZone {
    pub title: String,
}
static OTHER_ZONE: ResourceDescriptor = descriptor("zone", "OtherZone", &[], &[]);
resource!(OtherZone, OtherZoneQuery, OTHER_ZONE);

/// A type with a string-form reference to a resource that is not in the app.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug)]
pub struct Quest {
    pub giver_id: String,
}
static QUEST: ResourceDescriptor = descriptor(
    "quest",
    "Quest",
    &[index("giver_id", IndexKind::String)],
    &[reference("giver_id", "npc", OnDelete::Cascade)],
);
resource!(Quest, QuestQuery, QUEST);

/// `set_null` on a field that cannot be null.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug)]
pub struct Camp {
    pub zone_id: String,
}
static CAMP: ResourceDescriptor = descriptor(
    "camp",
    "Camp",
    &[index("zone_id", IndexKind::String)],
    &[reference("zone_id", "zone", OnDelete::SetNull)],
);
resource!(Camp, CampQuery, CAMP);

#[tokio::test]
async fn build_refuses_duplicate_names_and_double_registration() {
    let message = config_message(
        SpecStar::builder()
            .resource::<Zone>()
            .resource::<OtherZone>()
            .build()
            .await,
    );
    assert!(
        message.contains("`zone`") && message.contains("OtherZone"),
        "{message}"
    );
    let message = config_message(
        SpecStar::builder()
            .resource::<Zone>()
            .resource::<Zone>()
            .build()
            .await,
    );
    assert!(message.contains("added twice"), "{message}");
}

#[tokio::test]
async fn build_refuses_bad_references_naming_type_and_field() {
    let message = config_message(SpecStar::builder().resource::<Quest>().build().await);
    assert!(
        message.contains("Quest.giver_id") && message.contains("`npc`"),
        "{message}"
    );
    let message = config_message(SpecStar::builder().resource::<Monster>().build().await);
    assert!(
        message.contains("Monster.zone_id") && message.contains("`zone`"),
        "{message}"
    );
    let message = config_message(
        SpecStar::builder()
            .resource::<Zone>()
            .resource::<Camp>()
            .build()
            .await,
    );
    assert!(
        message.contains("Camp.zone_id") && message.contains("set_null"),
        "{message}"
    );
}

#[tokio::test]
async fn managers_and_handles_come_from_the_app() {
    let spec = SpecStar::builder()
        .resource::<Zone>()
        .build()
        .await
        .unwrap();
    let err = spec.try_manager::<User>().unwrap_err();
    assert!(matches!(err, Error::Config { .. }));
    assert!(err.to_string().contains("User"), "{err}");
    assert!(spec.model("user").is_none());
    let handle = spec.model("zone").expect("zone handle");
    assert_eq!(handle.name(), "zone");
    let names: Vec<&str> = spec.models().iter().map(|m| m.name()).collect();
    assert_eq!(names, ["zone"]);
    // The typed manager and the untyped handle share the same data.
    let info = handle
        .create(serde_json::json!({"name": "A", "level": 1}))
        .await
        .unwrap();
    let typed = spec.manager::<Zone>().get(&info.resource_id).await.unwrap();
    assert_eq!(typed.data, zone("A", 1));
}

#[tokio::test]
async fn relationships_list_every_reference() {
    let spec = app().await;
    let monster_refs: Vec<(&str, &str)> = spec
        .relationships()
        .iter()
        .filter(|r| r.source == "monster")
        .map(|r| (r.source_field, r.target))
        .collect();
    assert_eq!(
        monster_refs,
        [
            ("zone_id", "zone"),
            ("home_id", "zone"),
            ("patrol", "zone"),
            ("zone_snapshot", "zone")
        ]
    );
}

/// Registered through inventory, as `#[derive(Resource)]` will do.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
pub struct Banner {
    pub text: String,
}
static BANNER: ResourceDescriptor = descriptor("banner", "Banner", &[], &[]);
resource!(Banner, BannerQuery, BANNER);

inventory::submit! {
    crate::resource::Registration {
        name: "banner",
        descriptor: <Banner as Resource>::descriptor,
        install: crate::app::install::<Banner>,
    }
}

#[tokio::test]
async fn registered_adds_linked_types_and_explicit_options_win() {
    let spec = SpecStar::builder()
        .registered()
        .resource_with::<Banner>(|b| {
            b.validator(|b: &Banner| {
                if b.text.is_empty() {
                    Err("empty banner".to_owned())
                } else {
                    Ok(())
                }
            })
        })
        .registered()
        .build()
        .await
        .unwrap();
    let banners = spec.manager::<Banner>();
    let err = banners
        .create(Banner {
            text: String::new(),
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Validation { .. }),
        "explicit options kept: {err:?}"
    );
    banners.create(Banner { text: "hi".into() }).await.unwrap();
}

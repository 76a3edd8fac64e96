//! What `#[derive(Resource)]`, `#[derive(Nested)]` and `#[derive(IndexValue)]` tell the
//! runtime: the descriptor of each derived type, its typed query paths, and its registration.

use specstar::prelude::*;
use specstar::{IndexKind, IndexSpec, OnDelete, RefSpec, RefType};

/// A zone of the game world.
///
/// Zones hold monsters.
#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Zone {
    #[display_name]
    #[unique]
    pub name: String,
    #[index]
    pub level: i64,
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(IndexValue, Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Element {
    Fire,
    DeepWater,
}

#[derive(Nested, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Bonus {
    #[index]
    pub crit: f64,
    pub note: String,
}

#[derive(Nested, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct Stats {
    #[index]
    pub max_hp: i64,
    #[index]
    pub weakness: Option<Element>,
    #[nested]
    pub bonus: Bonus,
    #[nested]
    pub extra: Option<Bonus>,
}

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[specstar(
    name = "beast",
    default_status = draft,
    encoding = msgpack,
    version = "v2",
    index = "lore.origin",
    index = "lore.age"
)]
#[serde(rename_all = "camelCase")]
pub struct Monster {
    #[index]
    pub display_title: String,
    #[ref_to(Zone, on_delete = cascade)]
    pub zone_id: String,
    #[specstar(ref_to("zone", on_delete = set_null))]
    pub home_zone: Option<String>,
    #[ref_to(Zone, revision)]
    pub zone_snapshot: Option<String>,
    #[ref_to("beast")]
    pub allies: Vec<String>,
    #[serde(rename = "kind")]
    #[index]
    pub element: Element,
    #[nested]
    pub stats: Stats,
    #[specstar(unique)]
    pub code: Option<String>,
    #[index]
    pub spawned_at: Option<specstar::Timestamp>,
    pub lore: serde_json::Value,
}

/// No attributes at all: every default.
#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct GameCharacterClass {
    pub title: String,
}

fn spec(
    path: &'static str,
    kind: IndexKind,
    unique: bool,
    nullable: bool,
    list: bool,
) -> IndexSpec {
    IndexSpec {
        path,
        kind,
        unique,
        nullable,
        list,
    }
}

fn monster() -> Monster {
    Monster {
        display_title: "Goblin".into(),
        zone_id: "zone:1".into(),
        home_zone: None,
        zone_snapshot: None,
        allies: vec![],
        element: Element::DeepWater,
        stats: Stats {
            max_hp: 10,
            weakness: Some(Element::Fire),
            bonus: Bonus {
                crit: 1.5,
                note: String::new(),
            },
            extra: None,
        },
        code: Some("G-1".into()),
        spawned_at: None,
        lore: serde_json::json!({"origin": "caves", "age": 3}),
    }
}

#[test]
fn name_defaults_to_kebab_case_of_the_type() {
    assert_eq!(Zone::NAME, "zone");
    assert_eq!(GameCharacterClass::NAME, "game-character-class");
    assert_eq!(
        GameCharacterClass::descriptor().name,
        "game-character-class"
    );
}

#[test]
fn explicit_name_renames_the_resource() {
    assert_eq!(Monster::NAME, "beast");
    assert_eq!(Monster::descriptor().name, "beast");
    assert!(
        Monster::descriptor().type_name.ends_with("::Monster"),
        "{}",
        Monster::descriptor().type_name
    );
}

#[test]
fn zone_descriptor_lists_declared_indexes_and_the_display_name() {
    let d = Zone::descriptor();
    assert_eq!(
        d.indexes,
        &[
            spec("name", IndexKind::String, true, false, false),
            spec("level", IndexKind::Integer, false, false, false),
        ]
    );
    assert!(d.refs.is_empty());
    assert_eq!(d.display_name, Some("name"));
    assert_eq!(
        d.description,
        Some("A zone of the game world.\n\nZones hold monsters.")
    );
    assert_eq!(d.default_status, None);
    assert_eq!(d.encoding, None);
    assert_eq!(d.version, None);
    assert_eq!(
        d.unique_indexes().map(|i| i.path).collect::<Vec<_>>(),
        ["name"]
    );
}

#[test]
fn container_options_reach_the_descriptor() {
    let d = Monster::descriptor();
    assert_eq!(d.default_status, Some(RevisionStatus::Draft));
    assert_eq!(d.encoding, Some(Encoding::Msgpack));
    assert_eq!(d.version, Some("v2"));
    assert_eq!(d.display_name, None);
    assert_eq!(d.description, None);
}

#[test]
fn monster_indexes_follow_fields_then_container_paths() {
    let d = Monster::descriptor();
    let expected = [
        spec("displayTitle", IndexKind::String, false, false, false),
        // resource-id refs are indexed automatically; the revision ref is not
        spec("zoneId", IndexKind::String, false, false, false),
        spec("homeZone", IndexKind::String, false, true, false),
        spec("allies", IndexKind::String, false, false, true),
        spec("kind", IndexKind::String, false, false, false),
        spec("stats.MAX_HP", IndexKind::Integer, false, false, false),
        spec("stats.WEAKNESS", IndexKind::String, false, true, false),
        spec("stats.BONUS.crit", IndexKind::Float, false, false, false),
        spec("stats.EXTRA.crit", IndexKind::Float, false, true, false),
        spec("code", IndexKind::String, true, true, false),
        spec("spawnedAt", IndexKind::DateTime, false, true, false),
        spec("lore.origin", IndexKind::Any, false, true, false),
        spec("lore.age", IndexKind::Any, false, true, false),
    ];
    assert_eq!(d.indexes, &expected);
    assert!(d.index("zoneSnapshot").is_none());
    // The lazily built descriptor is built once.
    assert!(std::ptr::eq(d, Monster::descriptor()));
}

#[test]
fn refs_carry_targets_types_and_rules() {
    let d = Monster::descriptor();
    assert_eq!(
        d.refs,
        &[
            RefSpec {
                field: "zoneId",
                target: "zone",
                ref_type: RefType::ResourceId,
                on_delete: OnDelete::Cascade,
                nullable: false,
                list: false,
            },
            RefSpec {
                field: "homeZone",
                target: "zone",
                ref_type: RefType::ResourceId,
                on_delete: OnDelete::SetNull,
                nullable: true,
                list: false,
            },
            RefSpec {
                field: "zoneSnapshot",
                target: "zone",
                ref_type: RefType::RevisionId,
                on_delete: OnDelete::Dangling,
                nullable: true,
                list: false,
            },
            RefSpec {
                field: "allies",
                target: "beast",
                ref_type: RefType::ResourceId,
                on_delete: OnDelete::Dangling,
                nullable: false,
                list: true,
            },
        ]
    );
}

/// Looks up a dotted path in serialized data.
fn lookup<'a>(value: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

#[test]
fn index_paths_are_the_serialized_paths() {
    let data = serde_json::to_value(monster()).expect("serializes");
    for index in Monster::descriptor().indexes {
        if index.path == "stats.EXTRA.crit" {
            // `extra` is None: the parent is null.
            assert_eq!(lookup(&data, "stats.EXTRA"), Some(&serde_json::Value::Null));
            continue;
        }
        assert!(
            lookup(&data, index.path).is_some(),
            "index path {} is not in {data}",
            index.path
        );
    }
    assert_eq!(
        lookup(&data, "kind"),
        Some(&serde_json::json!("deep_water"))
    );
}

#[test]
fn typed_query_accessors_name_the_indexed_paths() {
    let path = |debug: String| debug;
    assert_eq!(
        path(format!("{:?}", Zone::q().level().path())),
        r#"Data("level")"#
    );
    assert_eq!(
        format!("{:?}", Monster::q().display_title().path()),
        r#"Data("displayTitle")"#
    );
    assert_eq!(
        format!("{:?}", Monster::q().zone_id().path()),
        r#"Data("zoneId")"#
    );
    assert_eq!(
        format!("{:?}", Monster::q().stats().max_hp().path()),
        r#"Data("stats.MAX_HP")"#
    );
    assert_eq!(
        format!("{:?}", Monster::q().stats().bonus().crit().path()),
        r#"Data("stats.BONUS.crit")"#
    );
    assert_eq!(
        format!("{:?}", Monster::q().stats().extra().crit().path()),
        r#"Data("stats.EXTRA.crit")"#
    );
    // The typed handle carries the field type.
    let _: specstar::Field<Option<Element>> = Monster::q().stats().weakness();
    let _: specstar::Field<Vec<String>> = Monster::q().allies();
    // Meta fields are reached through Deref.
    let _: &specstar::MetaFields = &Zone::q();
}

#[test]
fn every_derived_resource_is_registered_once_sorted_by_name() {
    let names: Vec<&str> = specstar::__private::registrations()
        .iter()
        .map(|r| r.name)
        .collect();
    for expected in ["beast", "game-character-class", "zone"] {
        assert_eq!(
            names.iter().filter(|n| **n == expected).count(),
            1,
            "{expected} in {names:?}"
        );
    }
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    let zone = specstar::__private::registrations()
        .into_iter()
        .find(|r| r.name == "zone")
        .expect("zone is registered");
    assert!(std::ptr::eq((zone.descriptor)(), Zone::descriptor()));
}

#[test]
fn index_value_enums_are_string_indexes() {
    assert_eq!(<Element as IndexValue>::KIND, IndexKind::String);
    const { assert!(!<Element as IndexValue>::NULLABLE) };
    assert_eq!(<Option<Element> as IndexValue>::KIND, IndexKind::String);
    const { assert!(<Option<Element> as IndexValue>::NULLABLE) };
}

#[test]
fn nested_types_report_relative_indexes() {
    let paths: Vec<String> = <Stats as specstar::Nested>::indexes()
        .into_iter()
        .map(|i| i.path)
        .collect();
    assert_eq!(paths, ["MAX_HP", "WEAKNESS", "BONUS.crit", "EXTRA.crit"]);
}

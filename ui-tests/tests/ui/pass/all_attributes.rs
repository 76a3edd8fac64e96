// Every attribute in its bare spelling, with run-time checks of the descriptor.
use specstar::prelude::*;
use specstar::{IndexKind, OnDelete, RefType};

/// A zone of the game world.
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

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[specstar(
    name = "beast",
    default_status = draft,
    encoding = msgpack,
    version = "v2",
    index = "lore.origin"
)]
pub struct Monster {
    #[display_name]
    #[index]
    pub name: String,
    #[ref_to(Zone, on_delete = cascade)]
    pub zone_id: String,
    #[ref_to("zone", revision)]
    pub zone_snapshot: Option<String>,
    #[index]
    pub hp: i64,
    #[unique]
    pub code: Option<String>,
    pub lore: Lore,
}

#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Lore {
    pub origin: String,
}

fn main() {
    let zone = Zone::descriptor();
    assert_eq!(Zone::NAME, "zone");
    assert_eq!(zone.display_name, Some("name"));
    assert_eq!(zone.description, Some("A zone of the game world."));
    assert!(zone.index("name").unwrap().unique);
    assert_eq!(zone.index("level").unwrap().kind, IndexKind::Integer);
    assert!(zone.index("tags").is_none());

    let monster = Monster::descriptor();
    assert_eq!(Monster::NAME, "beast");
    assert_eq!(monster.default_status, Some(RevisionStatus::Draft));
    assert_eq!(monster.encoding, Some(Encoding::Msgpack));
    assert_eq!(monster.version, Some("v2"));
    let paths: Vec<&str> = monster.indexes.iter().map(|i| i.path).collect();
    assert_eq!(paths, ["name", "zone_id", "hp", "code", "lore.origin"]);
    assert_eq!(monster.index("lore.origin").unwrap().kind, IndexKind::Any);
    let code = monster.index("code").unwrap();
    assert!(code.unique && code.nullable);

    assert_eq!(monster.refs.len(), 2);
    assert_eq!(monster.refs[0].target, "zone");
    assert_eq!(monster.refs[0].on_delete, OnDelete::Cascade);
    assert_eq!(monster.refs[0].ref_type, RefType::ResourceId);
    assert_eq!(monster.refs[1].ref_type, RefType::RevisionId);
    assert_eq!(monster.refs[1].on_delete, OnDelete::Dangling);
    assert!(monster.refs[1].nullable);
}

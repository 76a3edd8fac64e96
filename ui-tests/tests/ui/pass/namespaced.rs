// The namespaced spelling `#[specstar(...)]` of every field attribute, mixed with the bare one.
use specstar::prelude::*;
use specstar::OnDelete;

#[derive(Nested, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Position {
    #[specstar(index)]
    pub x: i32,
    #[specstar(unique)]
    pub cell: Option<String>,
}

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Zone {
    #[specstar(display_name, unique)]
    pub name: String,
}

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[specstar(name = "npc")]
#[specstar(version = "v1")]
pub struct Npc {
    #[specstar(display_name)]
    #[specstar(index)]
    pub name: String,
    #[specstar(ref_to(Zone, on_delete = set_null))]
    pub zone_id: Option<String>,
    #[specstar(nested)]
    pub position: Position,
}

fn main() {
    let zone = Zone::descriptor();
    assert_eq!(zone.display_name, Some("name"));
    assert!(zone.index("name").unwrap().unique);

    let npc = Npc::descriptor();
    assert_eq!(npc.name, "npc");
    assert_eq!(npc.version, Some("v1"));
    assert_eq!(npc.display_name, Some("name"));
    assert_eq!(npc.refs[0].on_delete, OnDelete::SetNull);
    assert_eq!(npc.refs[0].target, "zone");
    let paths: Vec<&str> = npc.indexes.iter().map(|i| i.path).collect();
    assert_eq!(paths, ["name", "zone_id", "position.x", "position.cell"]);
    assert!(npc.index("position.cell").unwrap().unique);
}

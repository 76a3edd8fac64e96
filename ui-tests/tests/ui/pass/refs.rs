// References in both forms: a Rust type (checked by the compiler) and a resource name
// (checked when the app is built), resource-id and revision references.
use specstar::prelude::*;
use specstar::{OnDelete, RefType};

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[specstar(name = "world-zone")]
pub struct Zone {
    #[index]
    pub name: String,
}

mod other {
    use specstar::prelude::*;

    #[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
    pub struct Dungeon {
        pub depth: i64,
    }
}

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Quest {
    #[ref_to(Zone)]
    pub zone_id: String,
    #[ref_to(other::Dungeon, on_delete = cascade)]
    pub dungeon_id: String,
    #[ref_to("reward", on_delete = dangling)]
    pub reward_id: String,
    #[ref_to("world-zone", revision)]
    pub zone_at_start: String,
    #[ref_to(Zone, revision, on_delete = dangling)]
    pub zone_pinned: Option<String>,
}

fn main() {
    let refs = Quest::descriptor().refs;
    let targets: Vec<(&str, &str, RefType, OnDelete)> = refs
        .iter()
        .map(|r| (r.field, r.target, r.ref_type, r.on_delete))
        .collect();
    assert_eq!(
        targets,
        [
            ("zone_id", "world-zone", RefType::ResourceId, OnDelete::Dangling),
            ("dungeon_id", "dungeon", RefType::ResourceId, OnDelete::Cascade),
            ("reward_id", "reward", RefType::ResourceId, OnDelete::Dangling),
            ("zone_at_start", "world-zone", RefType::RevisionId, OnDelete::Dangling),
            ("zone_pinned", "world-zone", RefType::RevisionId, OnDelete::Dangling),
        ]
    );
    // Resource-id references are indexed (and get query accessors); revision references not.
    let paths: Vec<&str> = Quest::descriptor().indexes.iter().map(|i| i.path).collect();
    assert_eq!(paths, ["zone_id", "dungeon_id", "reward_id"]);
    let _: specstar::Field<String> = Quest::q().dungeon_id();
}

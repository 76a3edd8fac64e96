// Chains, shortcuts and TryFrom steps compile and produce one step per (from, to) edge.
use specstar::prelude::*;

#[derive(Serialize, Deserialize)]
pub struct ZoneV1 {
    pub name: String,
}

#[derive(Serialize, Deserialize)]
pub struct ZoneV2 {
    pub name: String,
    pub level: i64,
}

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[specstar(
    version = "v3",
    migrate(from = "v1", via = ZoneV1, to = "v2", to = "v3"),
    migrate(from = "v2", via = ZoneV2)
)]
pub struct Zone {
    pub name: String,
    pub level: i64,
}

impl From<ZoneV1> for ZoneV2 {
    fn from(v: ZoneV1) -> Self {
        ZoneV2 { name: v.name, level: 1 }
    }
}

impl From<ZoneV1> for Zone {
    fn from(v: ZoneV1) -> Self {
        Zone { name: v.name, level: 1 }
    }
}

impl TryFrom<ZoneV2> for Zone {
    type Error = String;
    fn try_from(v: ZoneV2) -> Result<Self, String> {
        Ok(Zone { name: v.name, level: v.level })
    }
}

// A version bump without steps.
#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[specstar(version = "v2")]
pub struct Plain {
    pub name: String,
}

fn main() {
    let edges: Vec<(&str, &str)> = Zone::migrations().iter().map(|s| (s.from, s.to)).collect();
    assert_eq!(edges, [("v1", "v2"), ("v1", "v3"), ("v2", "v3")]);
    assert_eq!(Zone::migrations()[2].via, "ZoneV2");
    assert!(Plain::migrations().is_empty());
}

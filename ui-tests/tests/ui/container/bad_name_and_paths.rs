use specstar::prelude::*;

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[specstar(name = "my zone", index = "stats..hp", index = "lore.origin", index = "lore.origin", index = "level")]
pub struct Zone {
    #[index]
    pub level: i64,
    pub lore: String,
}

fn main() {}

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Zoné {
    pub name: String,
}

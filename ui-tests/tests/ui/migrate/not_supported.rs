use specstar::prelude::*;

#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct MonsterV1 {
    pub name: String,
}

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[specstar(version = "v2", migrate(from = "v1", via = MonsterV1))]
pub struct Monster {
    pub name: String,
}

fn main() {}

use specstar::prelude::*;

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[specstar(version = "v2", migrate(from = "v1", via = MonsterV9))]
pub struct Monster {
    pub name: String,
}

fn main() {}

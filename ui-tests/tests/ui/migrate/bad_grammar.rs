// The grammar of `migrate`: `via` is required, unknown keys are reported.
use specstar::prelude::*;

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[specstar(version = "v2", migrate(from = "v1"), migrate(from = "v0", via = MonsterV0, using = "x"))]
pub struct Monster {
    pub name: String,
}

fn main() {}

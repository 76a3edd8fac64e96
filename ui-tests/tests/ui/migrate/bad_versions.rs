// Duplicate `from`, `from` equal to the current version, an undeclared or repeated `to`,
// and `migrate` without `version`.
use specstar::prelude::*;

#[derive(Serialize, Deserialize)]
pub struct MonsterV1 {
    pub name: String,
}

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[specstar(
    version = "v3",
    migrate(from = "v1", via = MonsterV1),
    migrate(from = "v1", via = MonsterV1),
    migrate(from = "v3", via = MonsterV1),
    migrate(from = "v0", via = MonsterV1, to = "v2", to = "v0", to = "v3", to = "v3")
)]
pub struct Monster {
    pub name: String,
}

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[specstar(migrate(from = "v1", via = MonsterV1))]
pub struct Unversioned {
    pub name: String,
}

fn main() {}

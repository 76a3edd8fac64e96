// A `migrate` whose `via` type does not convert into the target is reported at the attribute.
use specstar::prelude::*;

#[derive(Serialize, Deserialize)]
pub struct MonsterV1 {
    pub name: String,
}

#[derive(Serialize, Deserialize)]
pub struct MonsterV2 {
    pub name: String,
}

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[specstar(
    version = "v3",
    migrate(from = "v1", via = MonsterV1, to = "v2"),
    migrate(from = "v2", via = MonsterV2)
)]
pub struct Monster {
    pub name: String,
}

// `From<MonsterV2> for Monster` exists, `From<MonsterV1> for MonsterV2` does not.
impl From<MonsterV2> for Monster {
    fn from(v: MonsterV2) -> Self {
        Monster { name: v.name }
    }
}

// Without `to`, the target is the resource itself; the error points at `via`.
#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[specstar(version = "v2", migrate(from = "v1", via = MonsterV1))]
pub struct Beast {
    pub name: String,
}

fn main() {}

use specstar::prelude::*;

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[specstar(name = "zone", version = "v1")]
#[specstar(name = "area")]
pub struct Zone {
    pub name: String,
}

fn main() {}

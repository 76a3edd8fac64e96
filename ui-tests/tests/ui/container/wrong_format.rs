use specstar::prelude::*;

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[specstar(name, version = 2)]
pub struct Zone {
    pub name: String,
}

fn main() {}

use specstar::prelude::*;

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[index]
pub struct Zone {
    pub name: String,
}

fn main() {}

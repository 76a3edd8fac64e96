use specstar::prelude::*;

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Zone {
    #[specstar(indexed)]
    pub name: String,
}

fn main() {}

use specstar::prelude::*;

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Zone {
    #[index = "name"]
    pub name: String,
    #[specstar(unique(true))]
    pub code: String,
}

fn main() {}

use specstar::prelude::*;

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Zone {
    #[unique]
    pub tags: Vec<String>,
}

fn main() {}

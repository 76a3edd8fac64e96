use specstar::prelude::*;

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub enum Zone {
    Forest,
    Desert,
}

fn main() {}

use specstar::prelude::*;

#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Stats {
    pub hp: i64,
}

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Character {
    #[nested]
    pub stats: Stats,
}

fn main() {}

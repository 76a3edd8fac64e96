use specstar::prelude::*;

#[derive(Nested, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Stats {
    #[index]
    pub hp: i64,
}

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Character {
    #[nested]
    #[index]
    pub stats: Stats,
}

fn main() {}

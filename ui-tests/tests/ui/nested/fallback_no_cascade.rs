// A mistake inside a `#[derive(Nested)]` struct is reported once; the resource that embeds it
// and the code that queries it still type-check against the stub impls.
use specstar::prelude::*;

#[derive(Nested, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Stats {
    #[index(hp)]
    pub hp: i64,
}

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Character {
    #[nested]
    pub stats: Stats,
}

fn main() {
    let _ = Character::q().stats().hp();
    let _ = Character::descriptor();
}

use specstar::prelude::*;

#[derive(IndexValue, Serialize, Deserialize)]
pub struct Rarity {
    pub level: i32,
}

fn main() {}

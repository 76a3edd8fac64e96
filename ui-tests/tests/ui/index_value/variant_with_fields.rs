use specstar::prelude::*;

#[derive(IndexValue, Serialize, Deserialize)]
pub enum Rarity {
    Common,
    Custom(String),
    Weighted { weight: u32 },
}

fn main() {}

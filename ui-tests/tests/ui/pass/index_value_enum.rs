// A unit-only enum with `#[derive(IndexValue)]` can be indexed, made unique, and queried.
use specstar::prelude::*;
use specstar::IndexKind;

#[derive(IndexValue, Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Rarity {
    Common,
    Rare,
    Legendary,
}

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Item {
    #[index]
    pub rarity: Rarity,
    #[unique]
    pub signature: Option<Rarity>,
    #[index]
    pub tags: Vec<Rarity>,
}

fn main() {
    let d = Item::descriptor();
    assert_eq!(d.index("rarity").unwrap().kind, IndexKind::String);
    let signature = d.index("signature").unwrap();
    assert!(signature.unique && signature.nullable);
    assert!(d.index("tags").unwrap().list);
    let _: specstar::Field<Rarity> = Item::q().rarity();
    let _condition = Item::q().rarity().gt(Rarity::Common);
}

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
    // Enums compare by their serialized value: equality and membership, no order.
    let condition = Item::q().rarity().eq(Rarity::Common) | Item::q().rarity().one_of([Rarity::Common]);
    let wire = specstar::__private::serde_json::to_value(&condition).unwrap();
    assert_eq!(wire["conditions"][0]["value"], "common"); // the serde (snake_case) name
}

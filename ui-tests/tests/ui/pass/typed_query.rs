// Typed queries: `Zone::q().level().gt(3)` type-checks (see `query/gt_wrong_type.rs` for the
// version that must not), and meta fields are reached through `Deref`.
use specstar::prelude::*;

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Zone {
    #[index]
    pub level: i64,
    #[index]
    pub name: String,
}

fn main() {
    let condition: specstar::Condition = Zone::q().level().gt(3);
    assert!(format!("{condition:?}").contains("Gt"));
    let _ = Zone::q().name().gt("M".to_string());
    let _meta: &specstar::MetaFields = &Zone::q();
}

use specstar::prelude::*;

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Monster {
    #[ref_to("zone")]
    pub zone_id: i64,
    #[ref_to("zone")]
    pub zone_ids: Vec<u64>,
}

fn main() {}

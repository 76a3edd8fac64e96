use specstar::prelude::*;

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Monster {
    #[ref_to("zone", on_delete = set_null)]
    pub zone_id: String,
}

fn main() {}

use specstar::prelude::*;

#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Zone {
    pub name: String,
}

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Monster {
    #[ref_to(Zone)]
    pub zone_id: String,
}

fn main() {}

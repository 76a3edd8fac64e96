use specstar::prelude::*;

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Monster {
    #[ref_to("zone", revision, on_delete = cascade)]
    pub zone_snapshot: Option<String>,
}

fn main() {}

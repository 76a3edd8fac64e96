// An alias to a non-string type: the static assertion on `RefValue` reports it at the type.
use specstar::prelude::*;

type ZoneNumber = u64;

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Monster {
    #[ref_to("zone")]
    pub zone_id: ZoneNumber,
}

fn main() {}

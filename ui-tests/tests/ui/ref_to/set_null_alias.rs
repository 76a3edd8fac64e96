// The alias hides that the field is not an Option; the static assertion catches it.
use specstar::prelude::*;

type ZoneId = String;

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Monster {
    #[ref_to("zone", on_delete = set_null)]
    pub zone_id: ZoneId,
}

fn main() {}

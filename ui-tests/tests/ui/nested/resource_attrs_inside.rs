use specstar::prelude::*;

#[derive(Nested, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[specstar(name = "stats")]
pub struct Stats {
    #[display_name]
    pub label: String,
    #[ref_to("zone")]
    pub zone_id: String,
}

fn main() {}

use specstar::prelude::*;

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[specstar(nmae = "zone")]
pub struct Zone {
    pub name: String,
}

fn main() {}

use specstar::prelude::*;

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[specstar(default_status = published, encoding = "yaml")]
pub struct Zone {
    pub name: String,
}

fn main() {}

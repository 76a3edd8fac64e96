use specstar::prelude::*;

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Zone {
    #[display_name]
    pub name: Option<String>,
}

fn main() {}
